#!/bin/bash
# api.members: members and children over HTTP, and what intake then trusts.
#  - a member app registers itself and a child (201 + Location); a body with several
#    faults gets every one of them named; only an operator marks a child registered;
#  - the stored member wins over the request's flags: an unverified member's visit is
#    refused even when the request says verified, and is taken once an operator verified
#    them; the child's age comes from the registered birth date, not from the request;
#  - an operator finds the member by phone, restricts them (이용제한) and their next
#    request is refused with the end of the restriction; another member app sees nothing.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP
PORT=$(eo_free_port)
API=http://127.0.0.1:$PORT
eo_keyed_config "$PORT" "$T/eonjena.cfg" rate_per_key=0
key() { "$B/eonjena" key add --config "$T/eonjena.cfg" "$@"; }
APP=$(key --role member_app)
OTHER=$(key --role member_app)
OP=$(key --role operator --sites suwon)
# Friday 19:00 in Seoul; the requests are for Monday morning.
eo_start serve "$B/eonjena" serve --init --matchers 1 --config "$T/eonjena.cfg" --store "$T/var/store" \
  --clock "offset:2026-11-27T19:00:00+09:00" --carers 100
eo_wait_for "serve" 30 curl -sf "$API/v1/health"

# call KEY METHOD PATH [BODY]: prints "<status> <body>"
call() {
  local args=(-s -X "$2" -w '\n%{http_code}' -H "Authorization: Bearer $1" -D "$T/headers")
  [ -n "${4:-}" ] && args+=(-d "$4")
  local out; out=$(curl "${args[@]}" "$API$3")
  echo "$(echo "$out" | tail -n1) $(echo "$out" | head -n -1 | tr -d '\n')"
}
expect() { # expect STATUS PATTERN OUTPUT
  [[ "$3" == "$1 "* ]] || eo_fail "want HTTP $1, got: $3"
  echo "$3" | grep -q -- "$2" || eo_fail "want /$2/ in: $3"
}
request() { # request ID: a visit of member m-1 that claims to be verified, child c1 aged 12 months
  echo "{\"id\":\"$1\",\"site\":\"suwon\",\"dong\":\"4111156000\",\"start\":\"2026-11-30T10:00\",
    \"end\":\"2026-11-30T12:00\",\"channel\":\"app\",\"member\":{\"id\":\"m-1\",\"phone\":\"010-2222-3333\",
    \"verified\":true},\"child\":{\"id\":\"c1\",\"first_name\":\"하준\",\"age_months\":12},\"address\":\"수원시 장안구 1\"}"
}

# 1. registering: every fault named at once; only operators mark a child registered
expect 400 '"field":"extra"' "$(call "$APP" POST /v1/members '{"id":"m-1","site":"suwon","phone":"010-2222-3333","extra":1}')"
out=$(call "$APP" POST /v1/members '{"id":"m:1","site":"busan","phone":"123","children":[{"id":"c1","first_name":"하준","birth_date":"2022-13-40"}]}')
expect 400 '"details"' "$out"
for f in '"field":"id"' '"field":"site"' '"field":"phone"' '"field":"children\[0\].birth_date"'; do
  echo "$out" | grep -q "$f" || eo_fail "the problem with $f is not named: $out"
done
expect 400 'forbidden_field' "$(call "$APP" POST /v1/members '{"id":"m-1","site":"suwon","phone":"010-2222-3333","children":[{"id":"c1","first_name":"하준","registered":true}]}')"
expect 404 unknown_member "$(call "$APP" GET /v1/members/m-1)" # nothing was registered

MEMBER='{"id":"m-1","site":"suwon","phone":"010-2222-3333","name":"김하나","children":[{"id":"c1","first_name":"하준","birth_date":"2023-01-15"}]}'
out=$(call "$APP" POST /v1/members "$MEMBER")
expect 201 '"verified":false' "$out"
grep -qi '^Location: /v1/members/m-1' "$T/headers" || eo_fail "no Location: $(cat "$T/headers")"
echo "$out" | grep -q '"phone":"+821022223333"' || eo_fail "phone not normalised: $out"
echo "$out" | grep -q '"age_months":46' || eo_fail "the child's age (2023-01-15 to 2026-11-27: 46 months): $out"
echo "$out" | grep -q '"owner"' && eo_fail "the answer names the credential: $out"
expect 200 '"verified":false' "$(call "$APP" POST /v1/members "$MEMBER")" # again: an update
expect 409 member_exists "$(call "$OTHER" POST /v1/members "$MEMBER")"
expect 404 unknown_member "$(call "$OTHER" GET /v1/members/m-1)"
# another app cannot book as a member it did not register (and borrow their checks)
expect 403 member_not_yours "$(call "$OTHER" POST /v1/requests "$(request r-0)")"

# 2. the stored member wins: not verified, so no visit (whatever the request says)
expect 422 '"code":"not_member"' "$(call "$APP" POST /v1/requests "$(request r-1)")"
out=$(call "$OP" GET '/v1/members?site=suwon&phone=010-2222-3333')
expect 200 '"id":"m-1"' "$out"
expect 400 bad_phone "$(call "$OP" GET '/v1/members?site=suwon&phone=12')"
expect 403 forbidden "$(call "$APP" POST /v1/members/m-1/verify '{"verified":true}')"
out=$(call "$OP" POST /v1/members/m-1/verify '{"verified":true}')
expect 200 '"verified":true' "$out"
echo "$out" | grep -q '"verified_by":"operator:' || eo_fail "who verified is not kept: $out"
out=$(call "$APP" POST /v1/requests "$(request r-2)")
expect 201 '"id"' "$out"
REQ=$(echo "${out#* }" | eo_json id)
out=$(call "$OP" GET "/v1/requests/$REQ")
expect 200 '"age_months":46' "$out" # the registered birth date, not the request's 12

# 3. a restriction refuses the member's next request, naming its end
expect 400 bad_field "$(call "$OP" POST /v1/members/m-1/restrictions '{"cause":"no_such_cause"}')"
out=$(call "$OP" POST /v1/members/m-1/restrictions '{"cause":"noshow","months":1,"note":"3회 노쇼"}')
expect 201 '"cause":"noshow"' "$out"
echo "$out" | grep -q '"restricted_until":"2026-12-27' || eo_fail "restricted until: $out"
out=$(call "$APP" POST /v1/requests "$(request r-3)")
expect 422 '"code":"restricted"' "$out"
echo "$out" | grep -q '2026-12-27' || eo_fail "the refusal does not name the end: $out"
expect 200 '"months":1' "$(call "$APP" GET /v1/members/m-1/restrictions)"
expect 404 unknown_member "$(call "$OTHER" GET /v1/members/m-1/restrictions)"
expect 404 unknown_member "$(call "$OP" POST /v1/members/nobody/verify '{"verified":true}')"

# 4. members, verifications and restrictions are inputs: a replay of the matcher's log
# makes the same store (the same members and the same intake decisions)
eo_cleanup
out=$("$B/eonjena" replay --store "$T/var/store" --into "$T/replayed")
echo "$out" | grep -q '"replay":"same"' || eo_fail "the replay differs: $out"
n=$(echo "$out" | eo_json inputs)
[ "$n" -ge 5 ] || eo_fail "the input log has $n inputs: the member changes are not in it"
echo "api.members: ok"
