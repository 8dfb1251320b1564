#!/bin/bash
# rules.caps_live: the weekly cap a running `eonjena serve` dispatches by is the one of
# rules.cfg. A 방문 carer with 51 h booked this week is no candidate for a 2 h service
# while visit_week_h = 52; an operator raises it to 100 in the file (no rebuild, no
# restart) and the next request goes to that carer, whose member is asked the quote's
# fee and paid over POST /v1/requests/{id}/payment before the case is handed over. `eonjena check` then names a linked
# case that breaks the rules (an age the rules do not serve, a restriction in force).
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
STORE=$EO_TEST_TMP/store
cp -r "$EO_SOURCE_DIR/data" "$EO_TEST_TMP/data"
export EO_DATA_DIR=$EO_TEST_TMP/data
PORT=$(eo_free_port)
API=http://127.0.0.1:$PORT
eo_config "$PORT" "$EO_TEST_TMP/eonjena.cfg"
# Friday 2026-12-04 19:00: pool hours. Carer 1 has 51 h (3060 min) booked in this week.
cat >"$EO_TEST_TMP/carers.tsv" <<'EOF'
id	site	kind	home_dong	dongs	phone	availability	check_until	training_until	pool	week_min	month_min	name
1	suwon	visit	4111156000	4111156000	010-5555-0001	sa08:00-22:00	2027-12-31	2027-12-31	1	3060	3060	Kim
EOF
mkdir -p "$STORE"
"$B/eonjena" import carers "$EO_TEST_TMP/carers.tsv" --store "$STORE" --at 2026-12-04T19:00 >/dev/null
eo_start serve "$B/eonjena" serve --config "$EO_TEST_TMP/eonjena.cfg" --store "$STORE" \
  --listen "127.0.0.1:$PORT" --clock "offset:2026-12-04T19:00:00+09:00"
eo_wait_for "serve" 30 curl -sf "$API/v1/health"

ask() { # ask MEMBER: a 2 h visit on Saturday morning; prints the request id
  curl -s -X POST "$API/v1/requests" -d "{\"site\":\"suwon\",\"dong\":\"4111156000\",
    \"start\":\"2026-12-05T10:00\",\"end\":\"2026-12-05T12:00\",\"channel\":\"call_centre\",
    \"member\":{\"id\":\"$1\",\"phone\":\"010-1234-5678\",\"verified\":true},
    \"child\":{\"first_name\":\"서연\",\"age_months\":60},\"address\":\"수원시 장안구 1\"}" |
    jq -r .id
}
state() { curl -sf "$API/v1/requests/$1" | jq -r .state; }
is() { [ "$(state "$1")" = "$2" ]; }

a=$(ask m-1)
eo_wait_for "the first request to find nobody" 20 is "$a" escalated
"$B/eonjena" log "$a" --store "$STORE" | grep -q 'offered=0' || eo_fail "carer 1 was offered over the cap"

sed -i 's/^\(        visit_week_h = \)52 /\1100/' "$EO_DATA_DIR/rules.cfg"
grep -q 'visit_week_h = 100' "$EO_DATA_DIR/rules.cfg" || eo_fail "the cap was not edited"
b=$(ask m-2)
eo_wait_for "the second request to settle" 20 is "$b" settled
winner=$(curl -sf "$API/v1/requests/$b" | jq -r '.winners[0].carer_id')
[ "$winner" = 1 ] || eo_fail "carer 1 should win under the new cap, got $winner"
grep -q 'the rules changed' "$EO_TEST_TMP/serve.log" || eo_fail "the matcher did not say the rules changed"

# A pool case asks for the member's fee, the fee the quote gives; the case is handed to
# the provider once POST /v1/requests/{id}/payment confirms it, with the breakdown.
st=$(curl -sf "$API/v1/requests/$b")
fee=$(curl -sf "$API/v1/quote?site=suwon&start=2026-12-05T10:00&end=2026-12-05T12:00&requested=2026-12-04T19:00" | jq .member.total)
[ "$(jq -r .payment <<<"$st")" = due ] && [ "$(jq .member_fee <<<"$st")" = "$fee" ] ||
  eo_fail "the status does not ask for the quote's fee $fee: $st"
pay() { curl -s -w ' %{http_code}' -X POST -d "$1" "$API/v1/requests/$b/payment"; }
out=$(pay '{"amount":1000}')
[[ "$out" == *'"amount_mismatch"'*' 422' ]] || eo_fail "a wrong amount: $out"
out=$(pay "{\"amount\":$fee,\"reference\":\"r-77\"}")
[[ "$out" == *'"payment":"paid"'*' 200' ]] || eo_fail "payment: $out"
[[ "$(pay '{}')" == *'"payment":"paid"'*' 200' ]] || eo_fail "a repeated confirmation"
handed() { curl -sf "$API/v1/providers/suwon-provider/handoffs" | jq -e ".items[] | select(.request_id == \"$b\" and .kind == \"settled\")"; }
eo_wait_for "the paid case to reach the provider" 20 handed
item=$(handed)
[ "$(jq .fee.member.total <<<"$item")" = "$fee" ] && [ "$(jq -r .fee.payment.state <<<"$item")" = paid ] ||
  eo_fail "the hand-off does not carry the fee breakdown: $item"
kill -TERM "$PID_serve"; wait "$PID_serve" || eo_fail "serve exit status $?"

# `eonjena check` also asks the rules of every linked case: it holds as served ...
"$B/eonjena" check --store "$STORE" >/dev/null || eo_fail "eonjena check: $("$B/eonjena" check --store "$STORE")"
# ... and names a case linked against them: a child the rules no longer serve (the age
# range edited in rules.cfg, then put back) ...
sed -i 's/^\(        min_age_months = \)3$/\172/' "$EO_DATA_DIR/rules.cfg"
set +e; out=$("$B/eonjena" check --store "$STORE" 2>&1); rc=$?; set -e
[ $rc = 1 ] && [[ "$out" == *child_age* ]] || eo_fail "check missed the child's age ($rc): $out"
sed -i 's/^\(        min_age_months = \)72$/\13/' "$EO_DATA_DIR/rules.cfg"
"$B/eonjena" check --store "$STORE" >/dev/null || eo_fail "the age range was not put back"
# ... or a restriction that was in force when the request was made (recorded late, as an
# operator would find it).
"$B/eonjena" restrict impose m-2 conflict --store "$STORE" --at 2026-12-01T09:00 >/dev/null
set +e; out=$("$B/eonjena" check --store "$STORE" 2>&1); rc=$?; set -e
[ $rc = 1 ] && [[ "$out" == *"$b"*restricted* ]] || eo_fail "check missed the restriction ($rc): $out"
echo "rules.caps_live: ok (over the cap at 52 h, carer 1 at 100 h)"
