#!/bin/bash
# e2e.serve_shards: `eonjena serve --matchers 2` runs two matchers in one process, each
# with its own store (the store itself and <store>/shard-2) and its share of the sites
# as `eonjena shards 2` prints it. A request of every visit site settles, its case lives
# in the store of the matcher that serves its site and in no other, the split is kept
# in <store>/shards (a restart with another count is refused, saying why), and
# `eonjena check` passes on both stores.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
HTTP_PORT=$(eo_free_port)
CLOCK="offset:2026-11-27T19:00:00+09:00"
STORE=$EO_TEST_TMP/store
eo_config "$HTTP_PORT" "$EO_TEST_TMP/eonjena.cfg"

mapfile -t PLAN < <("$B/eonjena" shards 2)
[ "${#PLAN[@]}" = 2 ] || eo_fail "eonjena shards 2 printed ${#PLAN[@]} lines"
# the store of the matcher serving a site
store_of() {
    case ",${PLAN[0]}," in *",$1,"*) echo "$STORE" ;; *) echo "$STORE/shard-2" ;; esac
}
other_of() {
    case ",${PLAN[0]}," in *",$1,"*) echo "$STORE/shard-2" ;; *) echo "$STORE" ;; esac
}

eo_start serve "$B/eonjena" serve --config "$EO_TEST_TMP/eonjena.cfg" --store "$STORE" --init \
    --matchers 2 --carers 3000 --clock "$CLOCK"
API=http://127.0.0.1:$HTTP_PORT
eo_wait_for "the gateway" 30 curl -sf "$API/v1/ready"
# (the gateway may answer before serve logs that every role started)
eo_wait_for "serve to say it runs 2 matchers" 10 grep -q "with 2 matcher(s)" "$EO_TEST_TMP/serve.log"

# Every visit site, with the first 동 of its first 시군구 prefix.
SITES=$(awk -F'\t' '!/^#/ && $1 != "slug" && $4 ~ /visit/ {split($3, p, ","); print $1, p[1]}' \
        "$EO_SOURCE_DIR/data/sites.tsv")
declare -A IDS
while read -r site prefix; do
    dong=$(awk -F'\t' -v p="$prefix" 'substr($1, 1, 5) == p {print $1; exit}' \
           "$EO_SOURCE_DIR/data/dong/dong.tsv")
    [ -n "$dong" ] || eo_fail "no 동 for $site"
    body='{"site":"'$site'","dong":"'$dong'","start":"2026-11-27T22:00","end":"2026-11-28T00:00",
       "channel":"call_centre","member":{"id":"m-'$site'","phone":"010-1234-5678","verified":true},
       "child":{"first_name":"서연","age_months":60},"address":"어딘가로 1"}'
    out=$(curl -s -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' -d "$body" \
          "$API/v1/requests")
    [ "$(echo "$out" | tail -n1)" = 201 ] || eo_fail "intake for $site: $out"
    IDS[$site]=$(eo_json id <<<"$(head -n1 <<<"$out")")
done <<<"$SITES"
[ "${#IDS[@]}" -ge 2 ] || eo_fail "fewer than two visit sites"
for site in "${!IDS[@]}"; do
    id=${IDS[$site]}
    settled() { curl -sf "$API/v1/requests/$id" | grep -q '"state":"settled"'; }
    eo_wait_for "$site's request $id to settle" 30 settled
done

kill -TERM "$PID_serve"
wait "$PID_serve" || eo_fail "serve exit status $?"
for site in "${!IDS[@]}"; do
    id=${IDS[$site]}
    "$B/eonjena" log "$id" --store "$(store_of "$site")" >/dev/null ||
        eo_fail "$site's $id is not in its matcher's store $(store_of "$site")"
    if "$B/eonjena" log "$id" --store "$(other_of "$site")" >/dev/null 2>&1; then
        eo_fail "$site's $id is in the other matcher's store too"
    fi
done
for s in "$STORE" "$STORE/shard-2"; do
    "$B/eonjena" check --store "$s" || eo_fail "eonjena check $s"
done

# The split is the store's: another count is refused with what to do, and changes nothing.
if "$B/eonjena" serve --config "$EO_TEST_TMP/eonjena.cfg" --store "$STORE" --matchers 3 \
    --clock "$CLOCK" >"$EO_TEST_TMP/again.log" 2>&1; then
    eo_fail "serve started with 3 matchers on a store split over 2"
fi
grep -q "server/matchers = 2" "$EO_TEST_TMP/again.log" || eo_fail "no advice: $(cat "$EO_TEST_TMP/again.log")"
# The same split starts again on the stores it made (each already has its carers).
eo_start again "$B/eonjena" serve --config "$EO_TEST_TMP/eonjena.cfg" --store "$STORE" \
    --matchers 2 --clock "$CLOCK"
eo_wait_for "serve again" 30 grep -q "with 2 matcher(s)" "$EO_TEST_TMP/again.log"
[ "$(grep -c "already has carers" "$EO_TEST_TMP/again.log")" = 2 ] || eo_fail "a store was seeded twice"
kill -TERM "$PID_again"
wait "$PID_again" || eo_fail "serve (again) exit status $?"
echo "e2e serve_shards: ok (${#IDS[@]} sites over 2 matchers: ${PLAN[0]} | ${PLAN[1]})"
