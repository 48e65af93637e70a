#!/usr/bin/env bash
# .github, checked offline: every workflow and action against GitHub's schema
# (@action-validator/cli), and the checker refuses a broken one, so its silence means something.
# Then the rules CI depends on: the test job runs .ci/run on Debian 12; releases push both images.
set -euo pipefail
cd "$(dirname "$0")/../.."
validator=tests/deploy/node_modules/.bin/action-validator
fails=0
for f in .github/workflows/*.yml .github/actions/*/action.yml; do
  if "$validator" "$f" >/dev/null; then echo "valid: $f"; else echo "INVALID: $f"; "$validator" "$f" || true; fails=$((fails + 1)); fi
done
broken=$(mktemp --suffix=.yml)
trap 'rm -f "$broken"' EXIT
sed 's/runs-on:/runs_on:/' .github/workflows/ci.yml >"$broken"
if "$validator" "$broken" >/dev/null 2>&1; then echo "NOT REFUSED: a job without runs-on"; fails=$((fails + 1)); fi
grep -q "container: debian:12" .github/workflows/ci.yml && grep -q "run: .ci/run" .github/workflows/ci.yml \
  || { echo "ci.yml does not run .ci/run on Debian 12"; fails=$((fails + 1)); }
for service in ingress projector; do
  grep -q "deploy/Dockerfile.\${{ matrix.service }}" .github/workflows/release.yml && grep -q "\- $service\b\|, $service\]\|\[$service," .github/workflows/release.yml \
    || { echo "release.yml does not build $service"; fails=$((fails + 1)); }
done
[ "$fails" -eq 0 ] && echo "workflows: all checks passed" || { echo "workflows: $fails check(s) failed"; exit 1; }
