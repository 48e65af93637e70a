#!/usr/bin/env bash
# Soak: the projector SIGKILLed at random moments while it replays a large backlog (6,000 signed
# call flows through the ingress, about 28,000 events), restarted each time; the read models must
# end identical (checksums of calls and call_events) to an uninterrupted run. ctest runs the same
# test on 1,500 calls; this is the long version, a separate command.
# devkafka (librdkafka's mock cluster) keeps about 5 MB per partition and drops older messages:
# past about 6,700 events per partition (7,000 calls) a replay no longer sees the first ones, so
# a 100,000-event soak needs a real Kafka (docker-compose.yml).
#   tests/bench/projector_kill_soak.sh [calls=6000]
set -euo pipefail
cd "$(dirname "$0")/../.."
calls=${1:-6000}
scripts/bootstrap >/dev/null
cmake --preset dev >/dev/null
cmake --build --preset dev >/dev/null
pg=$(mktemp -d /tmp/callstream-soak-XXXXXX)
chmod 755 "$pg"
trap 'scripts/pg-cluster stop "$pg" >/dev/null; rm -rf "$pg"' EXIT
scripts/pg-cluster start "$pg" 5432 >/dev/null
CALLSTREAM_TEST_PG_DIR=$pg CALLSTREAM_BIN_DIR=$PWD/build/dev CALLSTREAM_SOURCE_DIR=$PWD \
KILL_TEST_CALLS=$calls KILL_TEST_BATCH=500 KILL_TEST_MAX_WAIT=2.5 \
  /usr/bin/python3 tests/e2e/test_projector_kill.py 2>&1 | grep -v '^{'
