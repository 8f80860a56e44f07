#!/usr/bin/env bash
# Regenerate requirements.lock (runtime) and requirements-test.lock (runtime + test extras)
# from pyproject.toml with pip-tools, with hashes. See README, "Updating dependencies".
# Arguments pass through to pip-compile: --upgrade (everything, within pyproject's bounds)
# or --upgrade-package NAME (one package). Without them, existing pins are kept.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "Use Python 3.11 (the Dockerfile's) so the pins match the image: PYTHON=python3.11 $0" >&2
  exit 1
fi
TOOLS=${LOCK_VENV:-.venv-lock}
if [ ! -x "$TOOLS/bin/pip-compile" ]; then
  "$PYTHON" -m venv "$TOOLS"
  "$TOOLS/bin/python" -m pip install -q "pip-tools>=7.4,<8"
fi
export CUSTOM_COMPILE_COMMAND="bash scripts/lock.sh"
options=(--quiet --strip-extras --generate-hashes --allow-unsafe --no-emit-index-url
         --no-emit-find-links --no-emit-trusted-host)
"$TOOLS/bin/pip-compile" "${options[@]}" "$@" --output-file requirements.lock pyproject.toml
# The test lock takes the runtime pins as constraints, so both files agree.
"$TOOLS/bin/pip-compile" "${options[@]}" "$@" --extra test --constraint requirements.lock \
  --output-file requirements-test.lock pyproject.toml
echo "Wrote requirements.lock and requirements-test.lock"
