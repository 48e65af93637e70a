#!/usr/bin/env bash
# Benchmark of the console's live stream: from a signed webhook's 2xx to its change on an open
# stream, at RATE webhooks/s for SECONDS, on the release binaries (all on this machine).
#   tests/bench/console_live_bench.sh [rate=200] [seconds=30]
# Not part of scripts/test: a benchmark prints figures, it does not pass or fail.
set -euo pipefail
cd "$(dirname "$0")/../.."
rate=${1:-200}
seconds=${2:-30}

scripts/bootstrap >/dev/null
cmake --preset release -DCALLSTREAM_TESTS=OFF >/dev/null
cmake --build --preset release --target callstream-ingress callstream-projector callstream-devkafka >/dev/null
work=$(mktemp -d /tmp/callstream-bench-XXXXXX)
chmod 755 "$work"
trap 'scripts/pg-cluster stop "$work/pg" >/dev/null; rm -rf "$work"' EXIT
scripts/pg-cluster start "$work/pg" >/dev/null
echo "== live stream: $rate webhooks/s for $seconds s"
CALLSTREAM_TEST_PG_DIR=$work/pg CALLSTREAM_BIN_DIR=$PWD/build/release \
  /usr/bin/python3 tests/bench/console/live.py "$rate" "$seconds"
