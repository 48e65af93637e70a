#!/usr/bin/env bash
# Benchmark of the ingress hot path: Twilio-signed status callbacks answered 204 after Kafka
# (devkafka, DEVKAFKA_BROKERS brokers, default 1) persisted them, against nginx answering
# `return 204` (no work) on the same machine in the same run. Prints both, and the ratio.
# MIX=1 sends the webhooks of whole calls instead (loadgen --mix: /voice with its TwiML, status
# callbacks, TaskRouter events, recording callbacks).
#   tests/bench/ingress_bench.sh [seconds=5] [connections=64] [server_threads=1] [loadgen_threads=1] [rounds=3]
# `connections` may be a comma-separated list (64,128,256): each count gets its own rounds and
# medians, and a table of all of them ends the output.
# Both servers get the same number of threads (nginx worker processes = ingress HTTP_THREADS);
# the default, 1, leaves the other core of a 2-core machine to the load generator, whose epoll
# threads (loadgen_threads) share it.
# Not part of scripts/test: a benchmark prints figures, it does not pass or fail.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-5}
connections=${2:-64}
threads=${3:-1}
loadgen_threads=${4:-1}
rounds=${5:-3}

scripts/bootstrap
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  apt-get install -y -q --no-install-recommends nginx-light >/dev/null
fi
cmake --preset release -DCALLSTREAM_TESTS=OFF >/dev/null
cmake --build --preset release --target callstream-ingress callstream-devkafka callstream-loadgen >/dev/null
bin=build/release
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

"$bin/tools/devkafka/callstream-devkafka" --brokers "${DEVKAFKA_BROKERS:-1}" --bootstrap-file "$work/bootstrap" >"$work/devkafka.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/bootstrap" ] && break; sleep 0.1; done

port=18480
metrics_port=18482
token=bench-token
account=AC00000000000000000000000000000001
TWILIO_ACCOUNT_SID=$account TWILIO_AUTH_TOKEN=$token BASE_URL=http://127.0.0.1:$port \
KAFKA_BROKERS=$(cat "$work/bootstrap") HTTP_PORT=$port METRICS_PORT=$metrics_port HTTP_ADDRESS=127.0.0.1 LOG_LEVEL=warn \
HTTP_THREADS=$threads \
  "$bin/services/ingress/callstream-ingress" >"$work/ingress.log" 2>&1 &
ingress=$!
pids+=($ingress)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

nport=18481
cat >"$work/nginx.conf" <<CONF
worker_processes $threads;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work;
  server { listen 127.0.0.1:$nport; keepalive_requests 1000000; location / { return 204; } }
}
CONF
/usr/sbin/nginx -c "$work/nginx.conf" -g 'daemon off;' &
pids+=($!)
sleep 0.5

load=("$bin/tools/loadgen/callstream-loadgen" --token "$token" --account "$account" --seconds "$seconds" --threads "$loadgen_threads")
[ "${MIX:-0}" = 1 ] && load+=(--mix)
# Shared 2-core machines are noisy: the two servers take turns, round after round, and the
# figures are the medians (each round's own ratio is printed too).
rps() { sed -n 's/.*: \([0-9]*\) req\/s.*/\1/p' <<<"$1" | head -1; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# The ingress's own histogram splits a request's time: enqueue -> Kafka delivery report.
publish_totals() {
  curl -fs "http://127.0.0.1:$metrics_port/metrics" |
    awk '/^callstream_ingress_publish_seconds_sum/ { s = $2 } /^callstream_ingress_publish_seconds_count/ { c = $2 } END { print s, c }'
}
table=()
IFS=, read -r -a connection_counts <<<"$connections"
for connections in "${connection_counts[@]}"; do
  refs=() ings=()
  read -r sum0 count0 <<<"$(publish_totals)"
  for round in $(seq "$rounds"); do
    echo "== round $round: reference, nginx return 204 (no work), $connections connections, $threads worker(s)"
    ref=$("${load[@]}" --port $nport --base-url "http://127.0.0.1:$nport" --connections "$connections")
    echo "$ref"
    echo "== round $round: callstream-ingress, signed, validated, persisted in Kafka before 204, $connections connections, $threads thread(s)"
    ing=$("${load[@]}" --port $port --base-url "http://127.0.0.1:$port" --connections "$connections")
    echo "$ing"
    refs+=("$(rps "$ref")") ings+=("$(rps "$ing")")
    awk -v a="${ings[-1]}" -v b="${refs[-1]}" 'BEGIN { printf "   round ratio: %.2f\n", a / b }'
  done
  read -r sum1 count1 <<<"$(publish_totals)"
  publish=$(awk -v s="$sum1" -v s0="$sum0" -v c="$count1" -v c0="$count0" \
    'BEGIN { printf "%.2f", (c > c0) ? (s - s0) / (c - c0) * 1000 : 0 }')
  echo "   ingress publish (enqueue -> delivery report) mean over these rounds: $publish ms"
  echo "   ingress RSS after load: $(( $(awk '/VmRSS/{print $2}' /proc/$ingress/status) / 1024 )) MB"
  m_ref=$(median "${refs[@]}") m_ing=$(median "${ings[@]}")
  line=$(awk -v a="$m_ing" -v b="$m_ref" -v n="$rounds" -v c="$connections" -v p="$publish" \
    'BEGIN { printf "%4d connections: ingress %6d req/s, reference %6d req/s, ratio %.2f (medians of %d rounds; publish mean %s ms)", c, a, b, a / b, n, p }')
  echo "== $line"
  table+=("$line")
done
echo "== callstream-ingress paced at 2000 req/s (latency from when each request was due)"
"${load[@]}" --port $port --base-url "http://127.0.0.1:$port" --connections 32 --rate 2000
echo "== summary"
printf '   %s\n' "${table[@]}"
