# Shared helpers for scripts/run.sh and scripts/test.sh. Sourced, not run.
# Checks the system pieces a fresh Debian/Ubuntu machine may lack, installs them when we
# are root, otherwise stops with the exact command to run. Never a stack trace.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV=${VENV:-.venv}

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31mError:\033[0m %s\n' "$*" >&2; exit 1; }

APT_UPDATED=0
apt_install() {
  # apt_install PKG... : install Debian packages now if root, else tell the user how.
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    say "Installing system packages: $*"
    if [ "$APT_UPDATED" = 0 ]; then apt-get update -qq >/dev/null; APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
      || die "apt-get could not install: $*"
  else
    die "Missing system packages. Run this, then try again:
    sudo apt-get update && sudo apt-get install -y $*"
  fi
}

find_python() {
  for candidate in ${PYTHON:-} python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PYTHON=$(command -v "$candidate"); export PYTHON; return 0
    fi
  done
  die "Python 3.11 or newer is needed. On Debian/Ubuntu: sudo apt-get install -y python3"
}

ensure_system() {
  find_python
  local missing=()
  if [ ! -x "$VENV/bin/python" ] && ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    local pyver; pyver=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    missing+=("python${pyver}-venv")
  fi
  # WeasyPrint renders PDFs through Pango; DejaVu gives it a font on a bare machine.
  if ! "$PYTHON" -c 'import ctypes.util as u, sys; sys.exit(not (u.find_library("pango-1.0") and u.find_library("pangoft2-1.0")))'; then
    missing+=(libpango-1.0-0 libpangoft2-1.0-0)
  fi
  if ! fc-list 2>/dev/null | grep -qi dejavu; then missing+=(fonts-dejavu-core fontconfig); fi
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

ensure_venv() {
  # ensure_venv [test] : create the virtual environment and install the locked dependencies
  # (requirements.lock, or requirements-test.lock with the test extras), then the project
  # itself without dependencies. Repeated only when pyproject.toml or the lock file changes:
  # the stamp file holds a checksum of both.
  local extras=${1:-}
  local lock=requirements.lock
  if [ "$extras" = "test" ]; then lock=requirements-test.lock; fi
  [ -f "$lock" ] || die "$lock is missing. Regenerate it with: bash scripts/lock.sh"
  if [ ! -x "$VENV/bin/python" ]; then
    say "Creating virtual environment in $VENV"
    "$PYTHON" -m venv "$VENV" || die "Could not create $VENV with $PYTHON."
  fi
  local stamp="$VENV/.installed${extras:+-$extras}"
  local sum; sum=$(cat pyproject.toml "$lock" | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
    say "Installing the locked dependencies from $lock (first run takes a minute)"
    "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
    "$VENV/bin/python" -m pip install -q -r "$lock" \
      || die "pip could not install $lock (see above)."
    "$VENV/bin/python" -m pip install -q --no-deps -e . || die "pip install -e . failed (see above)."
    echo "$sum" > "$stamp"
  fi
}
