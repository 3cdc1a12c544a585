#!/bin/bash
# Every measurement of bench/RESULTS.md, round 3, in order (run by hand on an idle machine;
# about 35 minutes on 2 cores). Needs PostgreSQL on 127.0.0.1, wrk, and the databases
# bench_list_20k (tracker demo --tickets 20000 + bench/spread_townships.py --townships 20) and
# bench_1m (tracker demo --tickets 1000000). Logs go to $OUT (default /tmp/bench-out).
set -u
OUT=${OUT:-/tmp/bench-out}
mkdir -p "$OUT"
cd "$(dirname "$0")/.."
export TRACKER_ENV=development
PG=postgresql+psycopg://postgres@127.0.0.1:5432
step() { echo "=== $(date +%T) $1 (load $(cut -d' ' -f1-3 /proc/loadavg))"; }
step "A: PG 20k web"
TRACKER_DATABASE_URL=$PG/bench_list_20k .venv/bin/python bench/bench_web.py --reps 21 --http-seconds 15 > $OUT/web_pg20k.log 2>&1
step "A2: wrk PG 20k"
TRACKER_DATABASE_URL=$PG/bench_list_20k bash bench/wrk_list.sh --port "${PORT:-8711}" > $OUT/wrk_pg20k.log 2>&1
step "B: PG 1M web"
TRACKER_DATABASE_URL=$PG/bench_1m .venv/bin/python bench/bench_web.py --reps 21 --http-seconds 15 > $OUT/web_pg1m.log 2>&1
step "C: SQLite 100k build"
rm -f $OUT/s100k.db*
TRACKER_DATABASE_URL=sqlite:///$OUT/s100k.db /usr/bin/time -f "%e s wall %U user %S sys %M KB" .venv/bin/tracker demo --tickets 100000 > $OUT/build_s100k.log 2>&1
step "C2: SQLite 100k web"
TRACKER_DATABASE_URL=sqlite:///$OUT/s100k.db .venv/bin/python bench/bench_web.py --reps 21 --http-seconds 15 > $OUT/web_s100k.log 2>&1
step "D: digest sweeps"
.venv/bin/python bench/reminders_bench.py --mode digest --tickets 20000 --townships 20 --reps 5 > $OUT/digest_sqlite.log 2>&1
dropdb -h 127.0.0.1 -U postgres --if-exists bench_rem; createdb -h 127.0.0.1 -U postgres bench_rem
.venv/bin/python bench/reminders_bench.py --mode digest --tickets 20000 --townships 20 --reps 5 --database $PG/bench_rem > $OUT/digest_pg.log 2>&1
step "D2: plan + dispatch SQLite 100k"
.venv/bin/python bench/reminders_bench.py --tickets 100000 --mails 5000 > $OUT/plan_sqlite100k.log 2>&1
step "D3: plan + dispatch PG 1M"
dropdb -h 127.0.0.1 -U postgres --if-exists bench_rem; createdb -h 127.0.0.1 -U postgres bench_rem
.venv/bin/python bench/reminders_bench.py --tickets 1000000 --mails 5000 --database $PG/bench_rem > $OUT/plan_pg1m.log 2>&1
dropdb -h 127.0.0.1 -U postgres --if-exists bench_rem

step "E: dashboards (live vs rollup)"
TRACKER_DATABASE_URL=$PG/bench_1m .venv/bin/python bench/dashboard_bench.py --repeat 5 > $OUT/dash_pg1m.log 2>&1
TRACKER_DATABASE_URL=sqlite:///$OUT/s100k.db .venv/bin/python bench/dashboard_bench.py --repeat 5 > $OUT/dash_s100k.log 2>&1
step "F: ledger 10k"
rm -f $OUT/ledger.db*
TRACKER_DATABASE_URL=sqlite:///$OUT/ledger.db .venv/bin/python bench/ledger_bench.py --rows 10000 --repeat 1 > $OUT/ledger_sqlite.log 2>&1
dropdb -h 127.0.0.1 -U postgres --if-exists bench_ledger; createdb -h 127.0.0.1 -U postgres bench_ledger
TRACKER_DATABASE_URL=$PG/bench_ledger .venv/bin/python bench/ledger_bench.py --rows 10000 --repeat 1 > $OUT/ledger_pg.log 2>&1
dropdb -h 127.0.0.1 -U postgres --if-exists bench_ledger
step "G: 1M build with rollup triggers"
dropdb -h 127.0.0.1 -U postgres --if-exists bench_1m_b; createdb -h 127.0.0.1 -U postgres bench_1m_b
TRACKER_DATABASE_URL=$PG/bench_1m_b /usr/bin/time -f "%e s wall %U user %S sys %M KB" .venv/bin/tracker demo --tickets 1000000 > $OUT/build_pg1m.log 2>&1
TRACKER_DATABASE_URL=$PG/bench_1m_b .venv/bin/tracker reports check-rollup >> $OUT/build_pg1m.log 2>&1
dropdb -h 127.0.0.1 -U postgres --if-exists bench_1m_b
step "all done"
