#!/bin/bash
# auth.ids: request ids cannot be guessed and idempotency keys belong to their caller.
#  - member app A resends with its key: the same case; member app B using A's key gets a
#    case of its own, never A's, and cannot read A's;
#  - 300 ids made without a key are 24 random hex digits: all distinct, no two share a
#    prefix of 8 digits, and their bits are balanced (a timestamp and a counter are not);
#  - what a member app reads of its request carries no carer's phone.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP
PORT=$(eo_free_port)
API=http://127.0.0.1:$PORT
eo_keyed_config "$PORT" "$T/eonjena.cfg" rate_per_key=0
A=$("$B/eonjena" key add --config "$T/eonjena.cfg" --role member_app)
BK=$("$B/eonjena" key add --config "$T/eonjena.cfg" --role member_app)
eo_start serve "$B/eonjena" serve --init --config "$T/eonjena.cfg" --store "$T/var/store" \
  --clock "offset:2026-11-27T19:00:00+09:00" --carers 100
eo_wait_for "serve" 30 curl -sf "$API/v1/health"

body() { # body [CLIENT_ID]
  local id=${1:+"\"id\":\"$1\","}
  echo "{$id\"site\":\"suwon\",\"dong\":\"4111156000\",\"start\":\"2026-11-30T10:00\",\"end\":\"2026-11-30T12:00\",
    \"channel\":\"app\",\"member\":{\"id\":\"m-9\",\"phone\":\"010-2222-3333\",\"verified\":true},
    \"child\":{\"first_name\":\"하준\",\"age_months\":40},\"address\":\"수원시 장안구 1\"}"
}
post() { # post KEY [CLIENT_ID]: "<status> <id>"
  curl -s -o "$T/post.out" -w '%{http_code}' -H "Authorization: Bearer $1" -X POST "$API/v1/requests" -d "$(body "${2:-}")"
  echo " $(eo_json id <"$T/post.out")"
}
read -r s1 a1 <<<"$(post "$A" order_1)"
read -r s2 a2 <<<"$(post "$A" order_1)"
read -r s3 b1 <<<"$(post "$BK" order_1)"
echo "A: $s1 $a1, A again: $s2 $a2, B with A's key: $s3 $b1"
[ "$s1" = 201 ] && [ "$s3" = 201 ] || eo_fail "intake: $s1 $s3"
[ "$a1" = "$a2" ] || eo_fail "A's resend made another case"
[ "$b1" != "$a1" ] || eo_fail "B got A's case through A's idempotency key"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $BK" "$API/v1/requests/$a1")" = 404 ] \
  || eo_fail "B can read A's request"
curl -s -H "Authorization: Bearer $A" "$API/v1/requests/$a1" >"$T/get.out"
grep -q '"id"' "$T/get.out" || eo_fail "A cannot read its request: $(cat "$T/get.out")"
grep -Eq '\+82|01[0-9]-?[0-9]{3,4}-?[0-9]{4}|"phone"' "$T/get.out" && eo_fail "a phone in a member's view: $(cat "$T/get.out")"

# 300 ids without a client key, on one connection
args=()
for _ in $(seq 300); do
  args+=(-s -w '\n' -H "Authorization: Bearer $A" -X POST "$API/v1/requests" -d "$(body)" --next)
done
curl "${args[@]}" -s -o /dev/null "$API/v1/health" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p' >"$T/ids"
n=$(wc -l <"$T/ids")
[ "$n" = 300 ] || eo_fail "$n ids for 300 intakes"
grep -Evq '^suwon-[0-9a-f]{24}$' "$T/ids" && eo_fail "an id is not suwon-<24 hex>: $(grep -Ev '^suwon-[0-9a-f]{24}$' "$T/ids" | head -1)"
[ "$(sort -u "$T/ids" | wc -l)" = 300 ] || eo_fail "two ids are the same"
dup=$(cut -c7-14 "$T/ids" | sort | uniq -d | head -1)
[ -z "$dup" ] || eo_fail "two ids share the prefix $dup (a counter?)"
# bits: 300 x 96 = 28,800; a fair coin gives 14,400 +- 85 (1 sigma): allow 4 sigma
ones=$(cut -c7- "$T/ids" | fold -w1 | awk '{ v = index("0123456789abcdef", $1) - 1; for (i = 0; i < 4; i++) { o += v % 2; v = int(v / 2) } } END { print o }')
echo "ids: 300 distinct, ones $ones of 28800 bits"
[ "$ones" -gt 14060 ] && [ "$ones" -lt 14740 ] || eo_fail "the ids' bits are not balanced: $ones ones"
echo "auth.ids: ok"
