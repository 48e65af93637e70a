#!/usr/bin/env bash
# The pipeline's capacity: builds the release binaries, then runs tests/bench/pipeline_bench.py
# (every part on this machine, fsync on, a mix of webhook kinds, paced rates held for minutes).
#   tests/bench/pipeline_bench.sh [--seconds 120] [--brokers 1] [--partitions N] [--compare BUILD_DIR] RATE...   (default 1000 2000 3000 5000 10000)
# Not part of scripts/test: a benchmark prints figures, it does not pass or fail.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/bootstrap >/dev/null
cmake --preset release -DCALLSTREAM_TESTS=OFF >/dev/null
cmake --build --preset release --target callstream-ingress callstream-projector callstream-devkafka \
  callstream-loadgen >/dev/null
[ $# -gt 0 ] || set -- 1000 2000 3000 5000 10000
CALLSTREAM_BIN_DIR=${CALLSTREAM_BIN_DIR:-$PWD/build/release} exec /usr/bin/python3 tests/bench/pipeline_bench.py "$@"
