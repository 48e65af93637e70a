#!/usr/bin/env bash
# Two builds of the ingress side by side: both run against one devkafka, on two ports, and
# callstream-loadgen drives them in turn (the order swapped every round), so a machine's noise
# falls on both alike. For a change to the ingress's hot path, before and after in one session.
#   tests/bench/ingress_ab.sh BEFORE_BUILD_DIR AFTER_BUILD_DIR [rounds=6] [rate=2000|0] [connections=32]
# rate 0 is closed loop. Build dirs are release trees (e.g. a git worktree's build/release).
# Not part of scripts/test: a benchmark prints figures, it does not pass or fail.
set -euo pipefail
before=${1:?before build dir}; after=${2:?after build dir}
rounds=${3:-6}; rate=${4:-2000}; connections=${5:-32}
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
"$after/tools/devkafka/callstream-devkafka" --brokers 1 --bootstrap-file "$work/bootstrap" >"$work/devkafka.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/bootstrap" ] && break; sleep 0.1; done
token=bench-token; account=AC00000000000000000000000000000001
start() {  # build_dir port
  TWILIO_ACCOUNT_SID=$account TWILIO_AUTH_TOKEN=$token BASE_URL=http://127.0.0.1:$2 \
  KAFKA_BROKERS=$(cat "$work/bootstrap") HTTP_PORT=$2 METRICS_PORT=0 HTTP_ADDRESS=127.0.0.1 LOG_LEVEL=warn HTTP_THREADS=1 \
    "$1/services/ingress/callstream-ingress" >"$work/ingress-$2.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$2/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
}
start "$before" 18490
start "$after" 18491
pace=(); [ "$rate" != 0 ] && pace=(--rate "$rate")
for round in $(seq "$rounds"); do
  sides="before:18490 after:18491"
  [ $((round % 2)) = 0 ] && sides="after:18491 before:18490"
  for side in $sides; do
    port=${side##*:}
    out=$("$after/tools/loadgen/callstream-loadgen" --token $token --account $account --seconds 5 \
          --threads 1 --port "$port" --base-url "http://127.0.0.1:$port" --connections "$connections" "${pace[@]}")
    echo "$round ${side%%:*} $(sed -n 's/.*: \([0-9]*\) req\/s.*/\1/p' <<<"$out" | head -1) req/s  $(grep latency <<<"$out")"
  done
done
