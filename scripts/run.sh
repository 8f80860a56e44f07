#!/usr/bin/env bash
# Install and run the whole product on embedded defaults: SQLite, a filesystem Celery
# broker, email written to files under var/mail (one log line each). Web on
# http://HOST:PORT (127.0.0.1:8000 unless set) with a Celery worker and beat.
# Ctrl-C stops all three.
#
# With arguments, runs that manage.py command on the same set-up instead, e.g.
#   bash scripts/run.sh createsuperuser
source "$(dirname "$0")/lib.sh"
ensure_system
ensure_venv
export DEBUG=${DEBUG:-1}
PY="$VENV/bin/python"

say "Preparing the database"
"$PY" manage.py migrate --noinput -v 0
if [ $# -gt 0 ]; then
  exec "$PY" manage.py "$@"
fi
"$PY" manage.py seed_demo

pids=()
cleanup() {
  trap - INT TERM EXIT
  say "Stopping web, worker and beat"
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

"$VENV/bin/celery" -A assurance worker --pool=solo --loglevel=INFO & pids+=($!)
"$VENV/bin/celery" -A assurance beat --loglevel=INFO & pids+=($!)
"$PY" manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}" --noreload & pids+=($!)
sleep 2
say "Care assurance is running at http://${HOST:-127.0.0.1}:${PORT:-8000}/  (Ctrl-C stops everything)"
say "Sign in as registered.manager, quality.lead, deputy.manager, team.leader, operations.manager, senior.leader or viewer; password: care-demo-2026"
wait -n "${pids[@]}"
