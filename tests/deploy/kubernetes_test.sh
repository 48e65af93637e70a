#!/usr/bin/env bash
# deploy/kubernetes, checked offline: every overlay renders (kubectl kustomize), every object is
# valid against the Kubernetes API schema and keeps the rules (check_kubernetes.mjs); and the
# checker refuses objects that break them, so its silence means something.
set -euo pipefail
cd "$(dirname "$0")"
root=../../deploy/kubernetes
# More projector instances than the largest topic has partitions would sit idle.
partitions=$(python3 -c "import json; print(max(t['partitions'] for t in json.load(open('../../proto/topics.json'))['topics']))")
fails=0
for overlay in overlays/staging overlays/production migrate; do
  echo "== $overlay"
  kubectl kustomize "$root/$overlay" 2>/dev/null | node check_kubernetes.mjs "$partitions" || fails=$((fails + 1))
done

rendered=$(kubectl kustomize "$root/overlays/production" 2>/dev/null)
refused() {  # a broken copy of production must be refused, naming the problem
  local what=$1 expect=$2 out
  if out=$(node check_kubernetes.mjs "$partitions" <<<"$3"); then
    echo "NOT REFUSED: $what"; fails=$((fails + 1))
  elif ! grep -q "$expect" <<<"$out"; then
    echo "REFUSED FOR ANOTHER REASON: $what: $out"; fails=$((fails + 1))
  else
    echo "refused as it should be: $what"
  fi
}
refused "no readiness probe" "no readiness probe" "$(sed 's|path: /readyz|path: /elsewhere|' <<<"$rendered")"
refused "a secret value inline" "TWILIO_AUTH_TOKEN is inline" \
  "$(python3 -c 'import sys; print(sys.stdin.read().replace("- name: TWILIO_AUTH_TOKEN\n          valueFrom:", "- name: TWILIO_AUTH_TOKEN\n          value: hunter2\n          valueFromX:", 1))' <<<"$rendered")"
refused "no memory limit" "no memory limit" "$(sed 's|memory: 256Mi|memoryX: 256Mi|' <<<"$rendered")"
refused "replicas not a number" "not a valid object" "$(sed '0,/replicas: 2/s//replicas: two/' <<<"$rendered")"
refused "a short grace period" "terminationGracePeriodSeconds" "$(sed 's|terminationGracePeriodSeconds: 35|terminationGracePeriodSeconds: 10|' <<<"$rendered")"
refused "more projectors than partitions" "maxReplicaCount" "$(sed 's|maxReplicaCount: 6|maxReplicaCount: 12|' <<<"$rendered")"
refused "metrics behind the public Service" "exposes the metrics port" \
  "$(sed '0,/targetPort: http/s//targetPort: metrics/' <<<"$rendered")"
refused "metrics not scraped" "does not scrape the metrics port" "$(sed 's|prometheus.io/port: "9464"|prometheus.io/port: "8080"|' <<<"$rendered")"
[ "$fails" -eq 0 ] && echo "kubernetes: all checks passed" || { echo "kubernetes: $fails check(s) failed"; exit 1; }
