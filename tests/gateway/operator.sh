#!/bin/bash
# api.operator: an operator's actions on cases over HTTP, on a running `eonjena serve`
# whose simulated carers stay silent (docs/api.md "Operators' actions"):
#  - assign: a carer booked by hand (the case settles); refused with the failed check's
#    code for a carer of another site, one booked at that time, one over the weekly cap;
#  - reoffer: the next wave now; reschedule: a time intake refuses is refused, a settled
#    case moves with its winner; close: a reason is required, the case closes without a
#    fee, a resend with the same Idempotency-Key answers the same;
#  - another site's operator gets 404, a member's app 403;
#  - every action is in the case's journal with the operator's key id;
#  - then `eonjena check` holds and `eonjena replay` makes the same store.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP
PORT=$(eo_free_port)
API=http://127.0.0.1:$PORT
eo_keyed_config "$PORT" "$T/keyed.cfg" rate_per_key=0
sed -e 's/^\(            accept = \).*/\10.0/' -e 's/^\(            decline = \).*/\10.0/' \
  "$T/keyed.cfg" >"$T/eonjena.cfg"
grep -q "accept = 0.0" "$T/eonjena.cfg" || eo_fail "config not set"
key() { "$B/eonjena" key add --config "$T/eonjena.cfg" "$@"; }
APP=$(key --role member_app)
OP=$(key --role operator --sites suwon)
GURI=$(key --role operator --sites guri)
OP_ID=$(echo "$OP" | cut -d_ -f2)
# Friday 19:00 in Seoul: the pool's hours
eo_start serve "$B/eonjena" serve --init --matchers 1 --config "$T/eonjena.cfg" \
  --store "$T/var/store" --clock "offset:2026-11-27T19:00:00+09:00" --carers 6000
eo_wait_for "serve" 30 curl -sf "$API/v1/health"
eo_wait_for "serve to be ready" 30 curl -sf "$API/v1/ready"

# call KEY METHOD PATH [BODY [IDEMPOTENCY-KEY]]: prints "<status> <body>"
call() {
  local args=(-s -X "$2" -w '\n%{http_code}' -H "Authorization: Bearer $1")
  [ -z "${4:-}" ] || args+=(-d "$4")
  [ -z "${5:-}" ] || args+=(-H "Idempotency-Key: $5")
  local out; out=$(curl "${args[@]}" "$API$3")
  echo "$(echo "$out" | tail -n1) $(echo "$out" | head -n -1 | tr -d '\n')"
}
expect() { # expect STATUS PATTERN OUTPUT
  [[ "$3" == "$1 "* ]] || eo_fail "want HTTP $1, got: $3"
  echo "$3" | grep -q -- "$2" || eo_fail "want /$2/ in: $3"
}
n=0
new_case() { # new_case START END: a new case of member m-<n>, prints its id
  n=$((n + 1))
  local body="{\"site\":\"suwon\",\"dong\":\"4111156000\",\"start\":\"$1\",\"end\":\"$2\",
    \"channel\":\"call_centre\",\"member\":{\"id\":\"m-$n\",\"phone\":\"010-1234-56$((10 + n))\",
    \"verified\":true},\"child\":{\"first_name\":\"서연\",\"age_months\":60},
    \"address\":\"수원시 장안구 파장로 1\"}"
  local out; out=$(curl -s -H "Authorization: Bearer $OP" -X POST -d "$body" "$API/v1/requests")
  local id; id=$(echo "$out" | eo_json id)
  [[ "$id" == suwon-* ]] || eo_fail "intake: $out"
  echo "$id"
}
view() { curl -s -H "Authorization: Bearer $OP" "$API/v1/requests/$1"; }
events() { curl -s -H "Authorization: Bearer $OP" "$API/v1/requests/$1/events"; }
state_is() { view "$1" | grep -q "\"state\":\"$2\",\"wave\""; }
ALL_WEEK='[{"day":"mon","from":"00:00","to":"24:00"},{"day":"tue","from":"00:00","to":"24:00"},
  {"day":"wed","from":"00:00","to":"24:00"},{"day":"thu","from":"00:00","to":"24:00"},
  {"day":"fri","from":"00:00","to":"24:00"},{"day":"sat","from":"00:00","to":"24:00"},
  {"day":"sun","from":"00:00","to":"24:00"}]'
carer() { # carer KEY ID SITE DONG KIND: a pool carer free all week
  local out; out=$(call "$1" POST /v1/carers "{\"id\":$2,\"site\":\"$3\",\"kind\":\"$5\",
    \"name\":\"돌보미$2\",\"phone\":\"+8210$((79000000 + $2 % 1000000))\",\"home_dong\":\"$4\",
    \"pool\":true,\"night_ok\":true,\"availability\":$ALL_WEEK,
    \"check_until\":\"2027-12-31\",\"training_until\":\"2027-12-31\"}")
  [[ "$out" == 201* ]] || eo_fail "carer $2: $out"
}
carer "$OP" 900001 suwon 4111156000 visit
carer "$OP" 900002 suwon 4111156000 facility # a weekly cap of 12 h
carer "$GURI" 900003 guri 4131051000 visit

# 1. assign: the checks of a settlement, each refusal naming its check
R1=$(new_case 2026-11-27T22:00 2026-11-28T00:00)
expect 403 forbidden "$(call "$APP" POST "/v1/requests/$R1/assign" '{"carer_id":900001}')"
expect 404 not_found "$(call "$GURI" POST "/v1/requests/$R1/assign" '{"carer_id":900003}')"
expect 400 missing_field "$(call "$OP" POST "/v1/requests/$R1/assign" '{}')"
expect 422 '"code":"carer_other_site"' "$(call "$OP" POST "/v1/requests/$R1/assign" '{"carer_id":900003}')"
expect 404 '"code":"unknown_carer"' "$(call "$OP" POST "/v1/requests/$R1/assign" '{"carer_id":999999}')"
out=$(call "$OP" POST "/v1/requests/$R1/assign" '{"carer_id":900001}')
expect 200 '"state":"settled"' "$out"
echo "$out" | grep -q '"carer_id":900001' || eo_fail "900001 is not the winner: $out"
expect 409 '"code":"case_full"' "$(call "$OP" POST "/v1/requests/$R1/assign" '{"carer_id":900002}')"
R2=$(new_case 2026-11-27T22:00 2026-11-28T00:00)
expect 422 '"code":"carer_booked"' "$(call "$OP" POST "/v1/requests/$R2/assign" '{"carer_id":900001}')"
R3=$(new_case 2026-11-27T22:00 2026-11-28T10:00) # 12 h: all of 900002's week
expect 200 '"state":"settled"' "$(call "$OP" POST "/v1/requests/$R3/assign" '{"carer_id":900002}')"
R4=$(new_case 2026-11-28T10:00 2026-11-28T12:00)
expect 422 '"code":"carer_over_cap"' "$(call "$OP" POST "/v1/requests/$R4/assign" '{"carer_id":900002}')"

# 2. reoffer and reschedule
eo_wait_for "case $R2 offered" 10 state_is "$R2" offering
expect 200 '"wave":2' "$(call "$OP" POST "/v1/requests/$R2/reoffer")"
expect 404 not_found "$(call "$GURI" POST "/v1/requests/$R2/reoffer")"
expect 409 '"code":"not_reofferable"' "$(call "$OP" POST "/v1/requests/$R1/reoffer")"
expect 400 bad_time "$(call "$OP" POST "/v1/requests/$R2/reschedule" '{"start":"tonight","end":"2026-11-28T00:30"}')"
expect 422 '"code":"lead_time"' "$(call "$OP" POST "/v1/requests/$R2/reschedule" '{"start":"2026-11-27T19:30","end":"2026-11-27T21:30"}')"
out=$(call "$OP" POST "/v1/requests/$R2/reschedule" '{"start":"2026-11-27T22:30","end":"2026-11-28T00:30"}')
expect 200 '"state":"offering"' "$out"
echo "$out" | grep -q '"wave":3' || eo_fail "no wave for the new time: $out"
out=$(call "$OP" POST "/v1/requests/$R1/reschedule" '{"start":"2026-11-27T23:00","end":"2026-11-28T01:00"}')
expect 200 '"state":"settled"' "$out" # 900001 is free then too: kept
echo "$out" | grep -q '"carer_id":900001' || eo_fail "the winner was not kept: $out"
echo "$out" | grep -q '"start":"2026-11-27T23:00:00+09:00"' || eo_fail "not moved: $out"

# 3. close: a reason is required; no fee; the same Idempotency-Key is the same close
expect 400 missing_field "$(call "$OP" POST "/v1/requests/$R2/close" '{}')"
expect 400 bad_reason "$(call "$OP" POST "/v1/requests/$R2/close" '{"reason":""}')"
expect 404 not_found "$(call "$GURI" POST "/v1/requests/$R2/close" '{"reason":"x"}')"
expect 200 '"state":"closed"' "$(call "$OP" POST "/v1/requests/$R2/close" '{"reason":"중복 접수"}')"
expect 409 '"code":"not_open"' "$(call "$OP" POST "/v1/requests/$R2/close" '{"reason":"again"}')"
out=$(call "$OP" POST "/v1/requests/$R1/close" '{"reason":"보호자 요청"}' close-r1)
expect 200 '"state":"closed"' "$out"
expect 200 '"state":"closed"' "$(call "$OP" POST "/v1/requests/$R1/close" '{"reason":"보호자 요청"}' close-r1)"
view "$R1" | grep -q '"cancellation":null' || eo_fail "a closed case carries a fee: $(view "$R1")"
# 900001 is free again at R1's time
R5=$(new_case 2026-11-27T23:00 2026-11-28T01:00)
expect 200 '"state":"settled"' "$(call "$OP" POST "/v1/requests/$R5/assign" '{"carer_id":900001}')"

# 4. the journal names the operator and says what they did
ev=$(events "$R1")
for what in "operator:$OP_ID" "assign offering->offering" "full offering->settled" "assigned=900001" \
  "reschedule settled->settled" "close settled->closed" "reason=보호자 요청"; do
  echo "$ev" | grep -q "$what" || eo_fail "the journal of $R1 has no '$what': $ev"
done
[ "$(echo "$ev" | grep -o 'close settled->closed' | wc -l)" = 1 ] || eo_fail "closed twice: $ev"
events "$R2" | grep -q 'reoffer offering->offering' || eo_fail "no reoffer in the journal of $R2"
echo "$ev" | grep -q '"verified":true' || eo_fail "the journal of $R1 does not verify: $ev"

# 5. the store holds every invariant, and its input log makes the same store again
eo_cleanup
out=$("$B/eonjena" check --store "$T/var/store" --config "$T/eonjena.cfg")
echo "$out" | grep -q '^ok' || eo_fail "eonjena check: $out"
out=$("$B/eonjena" replay --store "$T/var/store" --into "$T/replayed")
echo "$out" | grep -q '"replay":"same"' || eo_fail "the replay differs: $out"
echo "api.operator: ok"
