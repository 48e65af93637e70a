#!/usr/bin/env bash
# proto/asyncapi.yaml, checked offline: valid AsyncAPI 3.0 with its schema references resolved
# (@asyncapi/parser), equal to proto/topics.json, and refused when broken; then the schemas'
# compatibility with the last tagged version (schema_compat.py).
set -euo pipefail
cd "$(dirname "$0")"
node check_asyncapi.mjs
broken=$(mktemp --suffix=.yaml -p ../../proto)  # beside the real one: its relative $refs resolve
trap 'rm -f "$broken"' EXIT
sed '0,/action: receive/s//action: devour/' ../../proto/asyncapi.yaml >"$broken"
if node check_asyncapi.mjs "$broken" >/dev/null; then echo "NOT REFUSED: a broken AsyncAPI document"; exit 1; fi
echo "refused as it should be: a broken AsyncAPI document"
/usr/bin/python3 schema_compat.py
