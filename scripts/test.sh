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
say "Database: ${DATABASE_URL:-SQLite (embedded)}; broker: ${REDIS_URL:-none (Redis tests skipped)}"
exec "$VENV/bin/python" -m pytest "$@"
