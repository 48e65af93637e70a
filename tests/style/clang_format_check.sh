#!/usr/bin/env bash
# Fails on any C++ file of the tree that clang-format (the repository's .clang-format) would
# change, and names each one. Generated data tables (*.inc) are left as they are written.
#   tests/style/clang_format_check.sh            check
#   tests/style/clang_format_check.sh --fix      rewrite the files in place
set -euo pipefail
cd "$(dirname "$0")/../.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h')
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  printf 'not clang-formatted: %s\n' "${bad[@]}" >&2
  echo "run tests/style/clang_format_check.sh --fix (clang-format $(clang-format --version | grep -o '[0-9][0-9.]*' | head -1))" >&2
  exit 1
fi
echo "clang-format: ${#files[@]} files formatted"
