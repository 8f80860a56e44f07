#!/usr/bin/env bash
# Install the test extras and run the whole suite. Arguments go to pytest.
# With DATABASE_URL / REDIS_URL set the tests use PostgreSQL and Redis; without them,
# SQLite, and tests needing Redis or a worker are skipped with the reason.
source "$(dirname "$0")/lib.sh"
ensure_system
# Browser journeys need Debian's Chromium; PDF checks read text back with poppler-utils.
extra=()
command -v chromium >/dev/null 2>&1 || extra+=(chromium)
command -v pdftotext >/dev/null 2>&1 || extra+=(poppler-utils)
if [ ${#extra[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then apt_install "${extra[@]}";
  else say "Not root: tests needing ${extra[*]} will be skipped (sudo apt-get install -y ${extra[*]})"; fi
fi
ensure_venv test
# axe-core for the accessibility checks in tests/browser: pinned, from the npm registry (never
# a CDN), into .cache/axe (git-ignored). Without npm those checks are skipped, saying so.
AXE_VERSION=4.10.3
AXE_DIR=.cache/axe
AXE_INSTALL="npm install --no-save --no-audit --no-fund --prefix $AXE_DIR axe-core@$AXE_VERSION"
if [ ! -f "$AXE_DIR/node_modules/axe-core/axe.min.js" ]; then
  if command -v npm >/dev/null 2>&1; then
    say "Installing axe-core $AXE_VERSION from the npm registry into $AXE_DIR"
    mkdir -p "$AXE_DIR"
    $AXE_INSTALL >/dev/null || say "npm could not install axe-core: accessibility checks will be skipped"
  else
    say "npm is missing: accessibility checks will be skipped. To run them: $AXE_INSTALL"
  fi
fi
say "Database: ${DATABASE_URL:-SQLite (embedded)}; broker: ${REDIS_URL:-none (Redis tests skipped)}"
exec "$VENV/bin/python" -m pytest "$@"
