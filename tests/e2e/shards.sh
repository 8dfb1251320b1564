#!/bin/bash
# e2e.shards: a site is a shard. Two eonjena-matcher processes, each with its own store,
# serve disjoint sites (수원 | every other site) behind one broker, as a node runs two
# matchers per core; a request of each side settles on its own matcher, the gateway finds
# each by id, each store holds only its own side's case, and `eonjena check` passes on both.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
BROKER_PORT=$(eo_free_port)
HTTP_PORT=$(eo_free_port)
BROKER=tcp://127.0.0.1:$BROKER_PORT
CLOCK="offset:2026-11-27T19:00:00+09:00"

eo_config "$HTTP_PORT" "$EO_TEST_TMP/eonjena.cfg"
CFG=(--config "$EO_TEST_TMP/eonjena.cfg" --broker "$BROKER" --clock "$CLOCK")
OTHERS=$(awk -F'\t' '!/^#/ && $1 != "slug" && $1 != "suwon" {printf "%s%s", sep, $1; sep=","}' \
         "$EO_SOURCE_DIR/data/sites.tsv")
[ -n "$OTHERS" ] || eo_fail "no sites besides suwon in data/sites.tsv"

for shard in a b; do
    "$B/eonjena" demo --store "$EO_TEST_TMP/$shard" --carers 2000 --seed 7 --clock "$CLOCK"
done
eo_start broker "$B/eonjena" broker --bind "$BROKER"
eo_start matcher_a "$B/eonjena-matcher" "${CFG[@]}" --store "$EO_TEST_TMP/a" --sites suwon
eo_start matcher_b "$B/eonjena-matcher" "${CFG[@]}" --store "$EO_TEST_TMP/b" --sites "$OTHERS"
eo_start sms "$B/eonjena-sms" "${CFG[@]}" --store "$EO_TEST_TMP/sms" --init
eo_start gateway "$B/eonjena-gateway" "${CFG[@]}" --store "$EO_TEST_TMP/a"
API=http://127.0.0.1:$HTTP_PORT
eo_wait_for "the gateway" 20 curl -sf "$API/v1/health"

# One request tonight 22:00-24:00 on each side: 수원 파장동 and 구리 인창동.
post() {
    local body='{"site":"'$1'","dong":"'$2'","start":"2026-11-27T22:00","end":"2026-11-28T00:00",
       "channel":"call_centre","member":{"id":"m-'$1'","phone":"010-1234-5678","verified":true},
       "child":{"first_name":"서연","age_months":60},"address":"어딘가로 1"}'
    local out code
    out=$(curl -s -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' -d "$body" \
          "$API/v1/requests")
    code=$(tail -n1 <<<"$out")
    [ "$code" = 201 ] || eo_fail "intake for $1 answered $code: $out"
    # here-strings, not echo | head: under pipefail head leaving early kills echo with
    # SIGPIPE now and then, and the whole intake looked failed without a word
    eo_json id <<<"$(head -n1 <<<"$out")"
}
id_a=$(post suwon 4111156000)
id_b=$(post guri 4131053000)
[ -n "$id_a" ] && [ -n "$id_b" ] || eo_fail "no request ids"
for id in "$id_a" "$id_b"; do
    settled() { grep -q '"state":"settled"' <<<"$(curl -sf "$API/v1/requests/$id")"; }
    eo_wait_for "request $id to settle" 30 settled
    echo "$id: $(curl -sf "$API/v1/requests/$id")"
done

# Each case lives in its own shard's store, and both stores hold their invariants.
kill -TERM "$PID_matcher_a" "$PID_matcher_b"
wait "$PID_matcher_a" || eo_fail "matcher a exit status $?"
wait "$PID_matcher_b" || eo_fail "matcher b exit status $?"
"$B/eonjena" log "$id_a" --store "$EO_TEST_TMP/a" >/dev/null || eo_fail "$id_a is not in shard a"
"$B/eonjena" log "$id_b" --store "$EO_TEST_TMP/b" >/dev/null || eo_fail "$id_b is not in shard b"
if "$B/eonjena" log "$id_a" --store "$EO_TEST_TMP/b" >/dev/null 2>&1; then
    eo_fail "$id_a is in shard b too"
fi
for shard in a b; do
    "$B/eonjena" check --store "$EO_TEST_TMP/$shard" || eo_fail "eonjena check: shard $shard"
done
echo "e2e shards: ok ($id_a on suwon's matcher, $id_b on the others')"
