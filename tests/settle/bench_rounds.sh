#!/bin/bash
# settle.bench_rounds: `eonjena-bench settle --rounds` prints one line per round (what a
# commit carries as the run grows, docs/lifecycle.md "What grows") and the rounds add up
# to the run's own figures: acceptances, settled requests and commits. A bench that
# cannot set up leaves no folder in TMPDIR.
set -euo pipefail
. "$(dirname "$0")/../e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
TMPDIR=$EO_TEST_TMP "$EO_BINARY_DIR/eonjena-bench" settle --requests 300 --chunk 100 \
    --carers 3000 --nosync --rounds >"$EO_TEST_TMP/out.json" 2>"$EO_TEST_TMP/err.txt" ||
    eo_fail "eonjena-bench settle: $(cat "$EO_TEST_TMP/err.txt" "$EO_TEST_TMP/out.json")"
J=$(cat "$EO_TEST_TMP/out.json")
rounds=$(grep '^settle: round ' "$EO_TEST_TMP/err.txt" || true)
[ "$(grep -c . <<<"$rounds")" = 3 ] || eo_fail "not three round lines: $rounds"
pat='^settle: round [0-9]+-[0-9]+: [0-9]+ acceptances, [0-9]+ settled in [0-9.]+ s; [0-9]+ commits, [0-9.]+ acceptances, [0-9]+ KB and [0-9.]+ write calls per commit$'
while read -r line; do
    grep -Eq "$pat" <<<"$line" || eo_fail "not a round line: $line"
done <<<"$rounds"
grep -q '^settle: round 0-100: ' <<<"$rounds" || eo_fail "the first round is not 0-100: $rounds"
grep -q '^settle: round 200-300: ' <<<"$rounds" || eo_fail "the last round is not 200-300: $rounds"
# field of the JSON line; sum of the rounds' field n (awk: $n of each round line)
field() { grep -o "\"$1\":[0-9]*" <<<"$J" | cut -d: -f2; }
column() { awk -v n="$1" '{ s += $n } END { print s }' <<<"$rounds"; }
[ "$(column 4)" = "$(field acceptances)" ] || eo_fail "acceptances do not add up: $rounds / $J"
[ "$(column 6)" = "$(field settled)" ] || eo_fail "settled does not add up: $rounds / $J"
[ "$(column 11)" = "$(field commits)" ] || eo_fail "commits do not add up: $rounds / $J"
[ "$(field settled)" -gt 0 ] || eo_fail "nothing settled: $J"
# a bench that cannot set up (no data files) leaves no folder behind
mkdir -p "$EO_TEST_TMP/tmp"
if TMPDIR=$EO_TEST_TMP/tmp EO_DATA_DIR=$EO_TEST_TMP/no-data "$EO_BINARY_DIR/eonjena-bench" \
    settle --requests 10 >/dev/null 2>"$EO_TEST_TMP/err2.txt"; then
    eo_fail "the bench ran without its data files"
fi
grep -q 'cannot set up' "$EO_TEST_TMP/err2.txt" || eo_fail "no set-up error: $(cat "$EO_TEST_TMP/err2.txt")"
[ -z "$(ls -A "$EO_TEST_TMP/tmp")" ] || eo_fail "left behind: $(ls "$EO_TEST_TMP/tmp")"
echo "settle.bench_rounds: ok"
