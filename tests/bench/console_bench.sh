#!/usr/bin/env bash
# Benchmark of the console's reads with a big call center in the read models: CALLS calls
# (default 1,000,000, 80 % with a task) over 30 days written straight into the tables, then the
# KPI, series, calls, queue and agent endpoints timed on `callstream-projector serve`, and the
# CSV export of a month (rows/s, the server's RSS before and after).
#   tests/bench/console_bench.sh [calls=1000000] [requests=200]
#   PROJECTOR=/path/to/callstream-projector tests/bench/console_bench.sh   (compare two builds)
# Not part of scripts/test: a benchmark prints figures, it does not pass or fail.
set -euo pipefail
cd "$(dirname "$0")/../.."
calls=${1:-1000000}
requests=${2:-200}

scripts/bootstrap >/dev/null
cmake --preset release -DCALLSTREAM_TESTS=OFF >/dev/null
cmake --build --preset release --target callstream-projector >/dev/null
projector=${PROJECTOR:-build/release/services/projector/callstream-projector}
work=$(mktemp -d /tmp/callstream-bench-XXXXXX)
chmod 755 "$work"
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  scripts/pg-cluster stop "$work/pg" >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

scripts/pg-cluster start "$work/pg" >/dev/null
dsn=$(scripts/pg-cluster dsn "$work/pg")
export DATABASE_URL=$dsn LOG_LEVEL=warn
"$projector" migrate >/dev/null
t0=$(date +%s.%N)
psql "$dsn" -Xq -v calls="$calls" -f tests/bench/console/synthetic_read_models.sql
t1=$(date +%s.%N)
# The read models were written behind the projector's back: it derives what it keeps from them.
if psql "$dsn" -XAtqc "SELECT to_regproc('callstream_refresh_call_facts') IS NOT NULL" | grep -q t; then
  psql "$dsn" -XAtqc "SELECT callstream_refresh_call_facts(NULL); ANALYZE" >/dev/null
fi
t2=$(date +%s.%N)
echo "== $calls calls written in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.0f", b-a}') s; derived tables in $(awk -v a="$t1" -v b="$t2" 'BEGIN{printf "%.1f", b-a}') s"

echo "bench-password" | "$projector" users add bench --role supervisor >/dev/null
port=19391
HTTP_PORT=$port METRICS_PORT=0 "$projector" serve >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

echo "== the read endpoints, $requests requests each, one at a time"
/usr/bin/python3 tests/bench/console/measure.py "$port" bench bench-password "$requests"

echo "== CSV export of the last 30 days"
jar=$work/jar
curl -fs -c "$jar" -H 'Content-Type: application/json' -d '{"name":"bench","password":"bench-password"}' \
  "http://127.0.0.1:$port/api/session" >/dev/null
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
from=$(date -u -d '30 days ago' +%F)
before=$(rss)
c0=$(date +%s.%N)
rows=$(curl -fs -b "$jar" "http://127.0.0.1:$port/api/calls.csv?from=$from" | wc -l)
c1=$(date +%s.%N)
after=$(rss)
awk -v n="$((rows - 1))" -v a="$c0" -v b="$c1" -v r0="$before" -v r1="$after" 'BEGIN {
  printf "   %d rows in %.2f s: %.0f rows/s; projector RSS %.0f MB before, %.0f MB after\n", n, b - a, n / (b - a), r0 / 1024, r1 / 1024 }'
