#!/bin/bash
# bench.pages.live: `eonjena-bench pages` beside a running `eonjena serve` under a small
# W1 load: it reads the store read-only while the roles commit and prints ONE JSON line
# of the trees those commits rewrote (the matcher's among them), with pages a commit
# that add up; a store that is not there, or no writer, exits 1 saying so; bad options
# exit 2.
set -euo pipefail
. "$(dirname "$0")/../e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
HTTP_PORT=$(eo_free_port)
STORE=$EO_TEST_TMP/store
CFG=$EO_TEST_TMP/eonjena.cfg
eo_config "$HTTP_PORT" "$CFG"
eo_start serve "$B/eonjena" serve --config "$CFG" --store "$STORE" --init --matchers 1 \
    --carers 3000 --clock "offset:2026-11-27T19:00:00+09:00"
API=http://127.0.0.1:$HTTP_PORT
eo_wait_for "the API" 30 curl -sf "$API/v1/ready"

# the load runs until the bench has what it needs (or 60 s): a bound, not a pace
"$B/eonjena-load" --url "$API" --rate 40 --duration 60 --requests 2400 --quiet \
    >"$EO_TEST_TMP/load.txt" 2>&1 &
LOAD=$!
"$B/eonjena-bench" pages --store "$STORE" --commits 5 --seconds 50 >"$EO_TEST_TMP/out.json" \
    2>"$EO_TEST_TMP/err.txt" || eo_fail "pages: $(cat "$EO_TEST_TMP/err.txt")"
kill "$LOAD" 2>/dev/null || true
wait "$LOAD" 2>/dev/null || true
J=$(cat "$EO_TEST_TMP/out.json")
echo "$J"
[ "$(wc -l <"$EO_TEST_TMP/out.json")" = 1 ] || eo_fail "not one line"
grep -Eq '^\{"bench":"pages","commits":5,"pages_per_commit":[0-9.]+,"kib_per_commit":[0-9.]+,"trees":\{"' <<<"$J" ||
    eo_fail "not the pages line: $J"
grep -Eq '"\(main\)":\{"leaf":[0-9.]+,"branch":[0-9.]+,"overflow":[0-9.]+\}' <<<"$J" ||
    eo_fail "no tree of trees: $J"
grep -Eq '"(m\.[a-z]+|sms\.[a-z]+|handoff\.[a-z]+)":\{"leaf":' <<<"$J" || eo_fail "no role's tree: $J"
# pages a commit: the trees' own plus the meta page; KiB: 4 each
python3 - "$J" <<'PY' || eo_fail "the sums do not add up: $J"
import json, sys
j = json.loads(sys.argv[1])
pages = 1 + sum(sum(t.values()) for t in j["trees"].values())
assert abs(pages - j["pages_per_commit"]) < 1e-3, pages
assert abs(j["kib_per_commit"] - 4 * pages) < 1e-2
assert pages >= 3  # a tree's page, the tree of trees and the meta page at least
tot = [sum(t.values()) for t in j["trees"].values()]
assert tot == sorted(tot, reverse=True), tot  # the heaviest first
PY

# no writer: nothing to compare, exit 1 and why
eo_serve_stop
set +e
"$B/eonjena-bench" pages --store "$STORE" --commits 1 --seconds 0.5 >"$EO_TEST_TMP/o" 2>"$EO_TEST_TMP/e"
rc=$?
set -e
[ "$rc" = 1 ] || eo_fail "no writer: exit $rc"
grep -q "no two snapshots one commit apart" "$EO_TEST_TMP/e" || eo_fail "no writer: $(cat "$EO_TEST_TMP/e")"
[ ! -s "$EO_TEST_TMP/o" ] || eo_fail "no writer: a result"
# no store there: exit 1 naming it
set +e
"$B/eonjena-bench" pages --store "$EO_TEST_TMP/none" --seconds 0.5 >"$EO_TEST_TMP/o" 2>"$EO_TEST_TMP/e"
rc=$?
set -e
[ "$rc" = 1 ] || eo_fail "missing store: exit $rc"
grep -q "$EO_TEST_TMP/none: No such file" "$EO_TEST_TMP/e" || eo_fail "missing: $(cat "$EO_TEST_TMP/e")"
# bad options: exit 2 and what was wrong
for bad in "--commits 0" "--commits x" "--seconds 0" "--seconds 1m"; do
    set +e
    # shellcheck disable=SC2086 # the option and its value are two words
    "$B/eonjena-bench" pages --store "$STORE" $bad >"$EO_TEST_TMP/o" 2>"$EO_TEST_TMP/e"
    rc=$?
    set -e
    [ "$rc" = 2 ] || eo_fail "$bad: exit $rc"
    grep -q -- "${bad%% *}" "$EO_TEST_TMP/e" || eo_fail "$bad: $(cat "$EO_TEST_TMP/e")"
done
set +e
"$B/eonjena-bench" pages >"$EO_TEST_TMP/o" 2>"$EO_TEST_TMP/e"
rc=$?
set -e
[ "$rc" = 2 ] && grep -q -- "--store" "$EO_TEST_TMP/e" || eo_fail "no --store: exit $rc $(cat "$EO_TEST_TMP/e")"
echo "ok: bench.pages.live"
