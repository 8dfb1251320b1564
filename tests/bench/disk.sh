#!/bin/bash
# bench.disk: `eonjena-bench disk` makes LMDB-like durable commits from several writers
# in the folder it is given, prints ONE JSON line whose MiB/s follows from its commits,
# leaves no file behind, and refuses bad options and a folder it cannot write in.
set -euo pipefail
. "$(dirname "$0")/../e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP/d"
B=$EO_BINARY_DIR
"$B/eonjena-bench" disk --writers 2 --pages 5 --seconds 0.3 --dir "$EO_TEST_TMP/d" \
    >"$EO_TEST_TMP/out.json" 2>"$EO_TEST_TMP/err.txt" || eo_fail "disk: $(cat "$EO_TEST_TMP/err.txt")"
J=$(cat "$EO_TEST_TMP/out.json")
echo "$J"
[ "$(wc -l <"$EO_TEST_TMP/out.json")" = 1 ] || eo_fail "not one line"
grep -Eq '^\{"bench":"disk","writers":2,"pages":5,"commits_per_s":[0-9.]+,"mib_per_s":[0-9.]+,"p50_ms":[0-9.]+,"p99_ms":[0-9.]+,"seconds":0.3\}$' <<<"$J" ||
    eo_fail "not the disk line: $J"
cps=$(grep -Eo '"commits_per_s":[0-9.]+' <<<"$J" | cut -d: -f2)
mib=$(grep -Eo '"mib_per_s":[0-9.]+' <<<"$J" | cut -d: -f2)
# each commit is 5 pages and the meta page, 4 KiB each
awk -v c="$cps" -v m="$mib" 'BEGIN { want = c * 6 * 4096 / 1048576;
    exit !(c > 0 && m > want - 0.2 && m < want + 0.2) }' || eo_fail "$mib MiB/s from $cps commits/s"
[ -z "$(ls -A "$EO_TEST_TMP/d")" ] || eo_fail "left behind: $(ls "$EO_TEST_TMP/d")"

# bad options: the usage status 2 and what was wrong
for bad in "--writers 0" "--writers 65" "--pages x" "--pages 0" "--seconds 0" "--seconds 2s"; do
    set +e
    # shellcheck disable=SC2086 # the option and its value are two words
    "$B/eonjena-bench" disk $bad --dir "$EO_TEST_TMP/d" >"$EO_TEST_TMP/o" 2>"$EO_TEST_TMP/e"
    rc=$?
    set -e
    [ "$rc" = 2 ] || eo_fail "$bad: exit $rc"
    grep -q -- "${bad%% *}" "$EO_TEST_TMP/e" || eo_fail "$bad: $(cat "$EO_TEST_TMP/e")"
    [ ! -s "$EO_TEST_TMP/o" ] || eo_fail "$bad printed a result"
done
# a folder that is not there: exit 1 naming the file it could not make, no result
set +e
"$B/eonjena-bench" disk --seconds 0.1 --dir "$EO_TEST_TMP/none" >"$EO_TEST_TMP/o" 2>"$EO_TEST_TMP/e"
rc=$?
set -e
[ "$rc" = 1 ] || eo_fail "missing folder: exit $rc"
grep -q "$EO_TEST_TMP/none/eonjena-disk-.*No such file" "$EO_TEST_TMP/e" || eo_fail "$(cat "$EO_TEST_TMP/e")"
[ ! -s "$EO_TEST_TMP/o" ] || eo_fail "a result without a disk"
echo "ok: bench.disk"
