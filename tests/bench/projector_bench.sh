#!/usr/bin/env bash
# Benchmark of the projector's apply rate: N call status events preloaded into devkafka, applied
# into the read models by callstream-projector (PostgreSQL on this machine, fsync on), against a
# plain COPY of the same rows into a table of the same shape, in the same run.
#   tests/bench/projector_bench.sh [events=100000] [batch=5000]
#   PROJECTOR=/path/to/callstream-projector tests/bench/projector_bench.sh   (compare two builds)
# Not part of scripts/test: a benchmark prints figures, it does not pass or fail.
set -euo pipefail
cd "$(dirname "$0")/../.."
events=${1:-100000}
batch=${2:-5000}

scripts/bootstrap >/dev/null
cmake --preset release -DCALLSTREAM_TESTS=OFF >/dev/null
cmake --build --preset release --target callstream-projector callstream-devkafka callstream-preload >/dev/null
bin=build/release
projector=${PROJECTOR:-$bin/services/projector/callstream-projector}
work=$(mktemp -d /tmp/callstream-bench-XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  scripts/pg-cluster stop "$work/pg"
  rm -rf "$work"
}
trap cleanup EXIT

scripts/pg-cluster start "$work/pg" >/dev/null
dsn=$(scripts/pg-cluster dsn "$work/pg")
"$bin/tools/devkafka/callstream-devkafka" --brokers 1 --bootstrap-file "$work/bootstrap" >"$work/devkafka.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/bootstrap" ] && break; sleep 0.1; done
brokers=$(cat "$work/bootstrap")

"$bin/tools/loadgen/callstream-preload" "$brokers" "$events"
DATABASE_URL=$dsn LOG_LEVEL=warn "$projector" migrate >/dev/null

# Progress from the offsets the projector commits (a tiny table): polling count(*) on the growing
# table would spend PostgreSQL's CPU on the measurement. The rate comes from the rows' own
# applied_at (the clock at insert), first row to last.
applied() { psql "$dsn" -XAtqc "SELECT coalesce(sum(next_offset), 0) FROM projector_offsets"; }
DATABASE_URL=$dsn KAFKA_BROKERS=$brokers PROJECTOR_BATCH_MAX=$batch HTTP_PORT=0 METRICS_PORT=0 LOG_LEVEL=warn \
  "$projector" >"$work/projector.log" 2>&1 &
pids+=($!)
while [ "$(applied)" -lt "$events" ]; do sleep 0.25; done
apply_rate=$(psql "$dsn" -XAtqc "SELECT round((count(*) - 1) / extract(epoch FROM max(applied_at) - min(applied_at))) FROM call_events")
calls=$(psql "$dsn" -XAtqc "SELECT count(*) FROM calls")

# Reference: a plain COPY of the same rows into a table of the same shape.
psql "$dsn" -XAtqc "\\copy call_events TO '$work/events.copy'"
psql "$dsn" -XAtqc "CREATE TABLE call_events_copy (LIKE call_events INCLUDING ALL)" >/dev/null
c0=$(date +%s.%N)
psql "$dsn" -XAtqc "\\copy call_events_copy FROM '$work/events.copy'" >/dev/null
c1=$(date +%s.%N)
copy_rate=$(awk -v n="$events" -v a="$c0" -v b="$c1" 'BEGIN { printf "%.0f", n / (b - a) }')

echo "== projector: $events events ($calls calls), batches of up to $batch, into call_events + calls"
echo "   applied $apply_rate events/s (first row to last)"
echo "== reference: plain COPY of the same $events rows into a table shaped like call_events"
echo "   copied $copy_rate rows/s"
awk -v a="$apply_rate" -v b="$copy_rate" 'BEGIN { printf "== ratio projector / COPY: %.2f\n", a / b }'
