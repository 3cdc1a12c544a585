#!/bin/bash
# gunicorn (deploy/gunicorn.conf.py) + wrk, list API as the cadre, for 2 and 3 workers
OUT=${OUT:-/tmp/bench-out}
cd "$(dirname "$0")/.."
TOK=$(.venv/bin/tracker user token cadre-qingshan --name wrk | tail -1)
URL="http://127.0.0.1:8711/api/v1/tickets?state=rectifying&sort=deadline&per_page=25"
for w in 2 3; do
  GUNICORN_WORKERS=$w GUNICORN_BIND=127.0.0.1:8711 .venv/bin/gunicorn -c deploy/gunicorn.conf.py wsgi:app > $OUT/gunicorn_$w.log 2>&1 &
  sleep 5
  wrk -t2 -c4 -d5s -H "Authorization: Bearer $TOK" "$URL" > /dev/null
  echo "--- workers=$w: wrk -t2 -c4 -d20s --latency -H 'Authorization: Bearer …' '$URL'"
  wrk -t2 -c4 -d20s --latency -H "Authorization: Bearer $TOK" "$URL"
  for pid in $(pgrep -f "gunicorn -c deploy/gunicorn.conf.py" | tail -n +2); do grep -E "VmRSS|VmHWM" /proc/$pid/status | tr '\n' ' '; echo " (pid $pid)"; done
  pkill -f "gunicorn -c deploy/gunicorn.conf.py"; sleep 3
done
