#!/bin/bash
# gunicorn (deploy/gunicorn.conf.py) + wrk, list API as the cadre, for 2 and 3 workers.
# Safe on a shared host: the port is a flag, and only the gunicorn this script started is stopped
# (by its PID). Usage: bench/wrk_list.sh [--port N] [--seconds S] [--workers "2 3"]
set -u
PORT=8711
SECONDS_RUN=20
WORKER_COUNTS="2 3"
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT=$2; shift 2 ;;
    --seconds) SECONDS_RUN=$2; shift 2 ;;
    --workers) WORKER_COUNTS=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-/tmp/bench-out}
mkdir -p "$OUT"
cd "$(dirname "$0")/.."
TOK=$(.venv/bin/tracker user token cadre-qingshan --name wrk | tail -1)
URL="http://127.0.0.1:$PORT/api/v1/tickets?state=rectifying&sort=deadline&per_page=25"
for w in $WORKER_COUNTS; do
  GUNICORN_WORKERS=$w GUNICORN_BIND=127.0.0.1:$PORT .venv/bin/gunicorn -c deploy/gunicorn.conf.py \
    wsgi:app > "$OUT/gunicorn_$w.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break
    sleep 0.1
  done
  wrk -t2 -c4 -d5s -H "Authorization: Bearer $TOK" "$URL" > /dev/null
  echo "--- workers=$w: wrk -t2 -c4 -d${SECONDS_RUN}s --latency -H 'Authorization: Bearer …' '$URL'"
  wrk -t2 -c4 "-d${SECONDS_RUN}s" --latency -H "Authorization: Bearer $TOK" "$URL"
  for pid in $(pgrep -P "$SERVER"); do
    grep -E "VmRSS|VmHWM" "/proc/$pid/status" | tr '\n' ' '; echo " (pid $pid)"
  done
  kill "$SERVER"; wait "$SERVER"
done
