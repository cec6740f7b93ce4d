#!/usr/bin/env bash
# `make run`: the portal (gunicorn), its background worker (deliveries, mail, receipts) and,
# unless BACKOFFICE_URL names a real back office, the back-office simulator, wired together:
# file -> pay -> delivered -> office number -> status -> notification. Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
FLASK=("$BIN/flask" --app portal)
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}
SIM_PORT=${SIM_PORT:-5001}
DATA=${PORTAL_DATA_DIR:-instance}
mkdir -p "$DATA"
export PORTAL_URL=${PORTAL_URL:-http://$HOST:$PORT}
# The demo office is in Phnom Penh: Khmer is its local language, and an accepted filing that
# lacks the Khmer version of its names or mark gets a notice due in three working days.
export LOCAL_LANGUAGE=${LOCAL_LANGUAGE:-km}
export TRANSLATION_DEADLINE_WORKING_DAYS=${TRANSLATION_DEADLINE_WORKING_DAYS:-3}
simulate=0
if [ -z "${BACKOFFICE_URL:-}" ]; then
  simulate=1
  export BACKOFFICE_URL=http://127.0.0.1:$SIM_PORT
  if [ -z "${BACKOFFICE_TOKEN:-}" ]; then
    # The token the connector sends and the simulator expects: made once, kept in the data dir.
    [ -s "$DATA/backoffice-token" ] || (umask 077; "$BIN/python" -c \
      'import secrets; print(secrets.token_urlsafe(32))' > "$DATA/backoffice-token")
    BACKOFFICE_TOKEN=$(cat "$DATA/backoffice-token")
    export BACKOFFICE_TOKEN
  fi
fi

pids=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop EXIT INT TERM

if [ "$simulate" = 1 ]; then
  "${FLASK[@]}" backoffice-sim --port "$SIM_PORT" & pids+=($!)
  echo "The back-office simulator is at http://127.0.0.1:$SIM_PORT/"
fi
"${FLASK[@]}" worker & pids+=($!)
echo "The portal is at http://$HOST:$PORT/"
"$BIN/gunicorn" --workers 2 --threads 4 --timeout 120 --bind "$HOST:$PORT" \
  --access-logfile - 'portal:create_app()' & pids+=($!)
wait -n
