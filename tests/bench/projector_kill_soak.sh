#!/usr/bin/env bash
# Soak: the projector SIGKILLed at random moments while it replays about 100,000 events (25,000
# signed call flows through the ingress), restarted each time; the read models must end identical
# (checksums of calls and call_events) to an uninterrupted run. ctest runs the same test on 1,500
# calls; this is the long version, a separate command.
#   tests/bench/projector_kill_soak.sh [calls=25000]
set -euo pipefail
cd "$(dirname "$0")/../.."
calls=${1:-25000}
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
