#!/usr/bin/env bash
# Benchmark of freshness: a webhook received (and acknowledged) by the ingress -> its row in
# PostgreSQL, at a steady rate through the whole pipeline (ingress, devkafka, projector,
# PostgreSQL with fsync on, all on this machine). Prints p50/p99/max of call_events.applied_at -
# received_at (the ingress's receive time; its 204 follows within the publish latency).
#   tests/bench/freshness_bench.sh [rate=1000] [seconds=20]
# Not part of scripts/test: a benchmark prints figures, it does not pass or fail.
set -euo pipefail
cd "$(dirname "$0")/../.."
rate=${1:-1000}
seconds=${2:-20}

scripts/bootstrap >/dev/null
cmake --preset release -DCALLSTREAM_TESTS=OFF >/dev/null
cmake --build --preset release --target callstream-ingress callstream-projector callstream-devkafka \
  callstream-loadgen >/dev/null
bin=build/release
work=$(mktemp -d /tmp/callstream-bench-XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; wait "${pids[$i]}" 2>/dev/null || true; done
  scripts/pg-cluster stop "$work/pg" >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

scripts/pg-cluster start "$work/pg" >/dev/null
dsn=$(scripts/pg-cluster dsn "$work/pg")
"$bin/tools/devkafka/callstream-devkafka" --brokers 1 --bootstrap-file "$work/bootstrap" >"$work/devkafka.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/bootstrap" ] && break; sleep 0.1; done
brokers=$(cat "$work/bootstrap")
port=18680
account=AC00000000000000000000000000000001
export KAFKA_BROKERS=$brokers LOG_LEVEL=warn
DATABASE_URL=$dsn HTTP_PORT=0 METRICS_PORT=0 PROJECTOR_POLL_TIMEOUT_MS=${PROJECTOR_POLL_TIMEOUT_MS:-20} \
  "$bin/services/projector/callstream-projector" >"$work/projector.log" 2>&1 &
pids+=($!)
TWILIO_ACCOUNT_SID=$account TWILIO_AUTH_TOKEN=bench-token BASE_URL=http://127.0.0.1:$port \
  HTTP_PORT=$port METRICS_PORT=0 HTTP_ADDRESS=127.0.0.1 "$bin/services/ingress/callstream-ingress" >"$work/ingress.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
until psql "$dsn" -XAtqc "SELECT 1 FROM pg_tables WHERE tablename = 'call_events'" 2>/dev/null | grep -q 1; do sleep 0.2; done
sleep 3  # the projector joins its group

total=$(awk -v r="$rate" -v s="$seconds" 'BEGIN { printf "%d", r * s }')
echo "== $rate signed status callbacks/s for $seconds s through ingress -> Kafka -> projector -> PostgreSQL"
"$bin/tools/loadgen/callstream-loadgen" --token bench-token --account "$account" --port "$port" \
  --base-url "http://127.0.0.1:$port" --connections 32 --rate "$rate" --seconds "$seconds" --distinct "$total"
acked=$(psql "$dsn" -XAtqc "SELECT count(*) FROM call_events")
for _ in $(seq 300); do
  n=$(psql "$dsn" -XAtqc "SELECT count(*) FROM call_events")
  [ "$n" = "$acked" ] && sleep 1 && [ "$(psql "$dsn" -XAtqc "SELECT count(*) FROM call_events")" = "$n" ] && break
  acked=$n
  sleep 0.2
done
echo "== freshness: received by the ingress -> row in call_events (ms), over $(psql "$dsn" -XAtqc "SELECT count(*) FROM call_events") events"
psql "$dsn" -XAtqc "SELECT format('p50 %s  p90 %s  p99 %s  max %s',
    round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1),
    round(percentile_cont(0.9) WITHIN GROUP (ORDER BY ms)::numeric, 1),
    round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1),
    round(max(ms)::numeric, 1))
  FROM (SELECT extract(epoch FROM applied_at - received_at) * 1000 AS ms FROM call_events) x"
