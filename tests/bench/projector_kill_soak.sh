#!/usr/bin/env bash
# Soak: the projector SIGKILLed at random moments while it replays a 100,000-event backlog
# (21,500 signed call flows through the ingress), restarted each time; the read models must end
# identical (checksums of calls and call_events) to an uninterrupted run. ctest runs the same
# test on 1,500 calls; this is the long version, a separate command.
# devkafka (librdkafka's mock cluster) keeps about 5 MB per partition and drops older messages
# (about 6,700 events): the soak gives every topic 24 partitions so that the whole backlog stays.
#   tests/bench/projector_kill_soak.sh [calls=21500] [partitions=24]
set -euo pipefail
cd "$(dirname "$0")/../.."
calls=${1:-21500}
partitions=${2:-24}
scripts/bootstrap >/dev/null
cmake --preset release -DCALLSTREAM_TESTS=OFF >/dev/null
cmake --build --preset release --target callstream-ingress callstream-projector callstream-devkafka >/dev/null
pg=$(mktemp -d /tmp/callstream-soak-XXXXXX)
chmod 755 "$pg"
trap 'scripts/pg-cluster stop "$pg" >/dev/null; rm -rf "$pg"' EXIT
scripts/pg-cluster start "$pg" 5432 >/dev/null
CALLSTREAM_TEST_PG_DIR=$pg CALLSTREAM_BIN_DIR=$PWD/build/release CALLSTREAM_SOURCE_DIR=$PWD \
KILL_TEST_CALLS=$calls DEVKAFKA_PARTITIONS=$partitions KILL_TEST_BATCH=500 KILL_TEST_MAX_WAIT=2.5 \
  /usr/bin/python3 tests/e2e/test_projector_kill.py 2>&1 | grep -v '^{'
