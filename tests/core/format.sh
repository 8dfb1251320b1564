#!/bin/bash
# core.format: every C source and header is as clang-format makes it with the project's
# .clang-format (`make format` rewrites them so). Names the files that are not. Without
# clang-format (make deps installs it) the test says so and is skipped.
set -euo pipefail
cd "$EO_SOURCE_DIR"
if ! command -v clang-format >/dev/null; then
    echo "core.format: SKIPPED: clang-format is not installed (make deps installs it)"
    exit 77
fi
mapfile -t files < <(find src include workers tests bench cli tools -name '*.[ch]' | sort)
# the folders above hold every source: a move that leaves them empty must not pass
[ "${#files[@]}" -ge 300 ] || { echo "core.format: only ${#files[@]} sources found"; exit 1; }
bad=()
for f in "${files[@]}"; do
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ "${#bad[@]}" -gt 0 ]; then
    echo "core.format: ${#bad[@]} of ${#files[@]} files are not clang-formatted (make format):"
    printf '  %s\n' "${bad[@]}"
    clang-format --dry-run "${bad[0]}" 2>&1 | head -20
    exit 1
fi
echo "core.format: ${#files[@]} files, all clang-formatted"
