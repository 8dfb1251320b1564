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
# one clang-format for all (a process per file took 30 s); it reports every file's
# differences as "FILE:LINE:COL: error: code should be clang-formatted"
out=$(clang-format --dry-run --Werror "${files[@]}" 2>&1) && rc=0 || rc=$?
mapfile -t bad < <(grep -Eo '^[^:]+:[0-9]+:[0-9]+: (error|warning)' <<<"$out" | cut -d: -f1 | sort -u)
[ "$rc" = 0 ] || [ "${#bad[@]}" -gt 0 ] || { echo "core.format: clang-format failed: $out"; exit 1; }
if [ "${#bad[@]}" -gt 0 ]; then
    echo "core.format: ${#bad[@]} of ${#files[@]} files are not clang-formatted (make format):"
    printf '  %s\n' "${bad[@]}"
    clang-format --dry-run "${bad[0]}" 2>&1 | head -20
    exit 1
fi
echo "core.format: ${#files[@]} files, all clang-formatted"
