#!/bin/bash
# rules.facility_live: 시설형 dispatched as its own service on a running `eonjena serve`
# (the providers of the configuration run the facilities; the matcher is given them):
# the facility's own carer is offered first, a second child joins that carer's group,
# on a day the own carer does not work the invited carer is next, a 방문 carer next door
# is never offered a stay; the member is told once a carer is confirmed, by name; and the
# pay each offer text shows is the carer pay GET /v1/quote gives for that stay.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
STORE=$EO_TEST_TMP/store
PORT=$(eo_free_port)
API=http://127.0.0.1:$PORT
CFG=$EO_TEST_TMP/eonjena.cfg
eo_config "$PORT" "$CFG"
# 수원's provider runs a facility in 파장동, named 1 by its carers' records.
sed -i '/^    suwon-provider$/,/^        mode = pull$/s/^\(        site = suwon\)$/\1\n        number = 1\n        facility_dong = 4111156000\n        regular = "09:00-18:00"/' "$CFG"
grep -q 'facility_dong = 4111156000' "$CFG" || eo_fail "config: the facility was not added"

# Carers: 1 the facility's own, 2 invited by it, 3 a 방문 carer in the same 동.
cat >"$EO_TEST_TMP/carers.tsv" <<'EOF'
id	site	kind	home_dong	dongs	phone	availability	check_until	training_until	pool	providers	name
1	suwon	facility	4111156000	4111156000	010-5555-0001	sa08:00-22:00	2027-12-31	2027-12-31	1	1	Kim
2	suwon	invited	4111156000	4111156000	010-5555-0002	sa08:00-22:00 su08:00-22:00	2027-12-31	2027-12-31	1	1	Lee
3	suwon	visit	4111156000	4111156000	010-5555-0003	sa08:00-22:00 su08:00-22:00	2027-12-31	2027-12-31	1		Park
EOF
mkdir -p "$STORE"
"$B/eonjena" import carers "$EO_TEST_TMP/carers.tsv" --store "$STORE" >/dev/null
eo_start serve "$B/eonjena" serve --config "$CFG" --store "$STORE" --listen "127.0.0.1:$PORT" \
  --clock "offset:2026-12-04T10:00:00+09:00"
eo_wait_for "serve" 30 curl -sf "$API/v1/health"

stay() { # stay MEMBER CHILD [DAY]: a 시설형 stay 14:00-18:00 on Saturday 5 December (or DAY)
  local day=${3:-2026-12-05}
  curl -s -X POST "$API/v1/requests" -d "{\"type\":\"facility\",\"site\":\"suwon\",
    \"dong\":\"4111156000\",\"start\":\"${day}T14:00\",\"end\":\"${day}T18:00\",
    \"channel\":\"call_centre\",\"member\":{\"id\":\"$1\",\"phone\":\"010-1234-00${1#m-}\",
    \"verified\":false},\"child\":{\"first_name\":\"$2\",\"age_months\":96,
    \"preregistered\":true},\"address\":\"수원시 장안구 1\",\"handover\":\"엄마\",\"pickup\":\"아빠\"}"
}
state() { curl -sf "$API/v1/requests/$1" | jq -r .state; }
settled() { [ "$(state "$1")" = settled ]; }

a=$(stay m-11 지우 | jq -r .id)
[ -n "$a" ] && [ "$a" != null ] || eo_fail "the first stay was not created"
eo_wait_for "the first stay to settle" 30 settled "$a"
winner=$(curl -sf "$API/v1/requests/$a" | jq -r '.winners[0].carer_id')
[ "$winner" = 1 ] || eo_fail "the facility's own carer is first, got carer $winner"
"$B/eonjena" log "$a" --store "$STORE" | tee "$EO_TEST_TMP/a.log" | grep -q 'settled' ||
  eo_fail "no settlement in the log"

b=$(stay m-12 하린 | jq -r .id)
eo_wait_for "the second stay to settle" 30 settled "$b"
winner=$(curl -sf "$API/v1/requests/$b" | jq -r '.winners[0].carer_id')
[ "$winner" = 1 ] || eo_fail "the second child joins carer 1's group, got carer $winner"

# On Sunday the facility's own carer does not work: its invited carer is next, before
# any 방문 carer.
c=$(stay m-13 도윤 2026-12-06 | jq -r .id)
eo_wait_for "the Sunday stay to settle" 30 settled "$c"
winner=$(curl -sf "$API/v1/requests/$c" | jq -r '.winners[0].carer_id')
[ "$winner" = 2 ] || eo_fail "the invited carer is second, got carer $winner"

# The pay of the offer texts is the quote's carer pay for the stay (the facility's
# regular hours 09-18 are given, as the provider's record says).
q=$(curl -s "$API/v1/quote?type=facility&site=suwon&start=2026-12-05T14:00&end=2026-12-05T18:00&requested=2026-12-04T10:00&regular=09:00-18:00")
pay=$(jq -r .carer.total <<<"$q")
[ -n "$pay" ] && [ "$pay" != null ] && [ "$pay" -gt 0 ] || eo_fail "quote: $q"
won=$(sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$pay") # 120000 -> 120,000 as the texts write it
kill -TERM "$PID_serve"; wait "$PID_serve" || eo_fail "serve exit status $?"
# The texts as the sms role stored them: key line, then the encoded message.
texts=$(mdb_dump -p -s sms.msgs "$STORE")
for id in "$a" "$b"; do
  offer=$(echo "$texts" | grep -A1 "^ $id:1:offer$" | tail -n1)
  [[ "$offer" == *"$won"* ]] || eo_fail "the offer of $id does not show the quote's pay $won: $offer"
  # the member is told once the carer is confirmed, with the carer's name
  echo "$texts" | grep -A1 "^ $id:member:confirmed" | tail -n1 | grep -q Kim ||
    eo_fail "the member of $id was not told carer 1 is confirmed"
done
# Saturday's stays were offered to the facility's own carer alone, Sunday's to the
# invited one; the 방문 carer next door was offered nothing.
! echo "$texts" | grep -Eq "^ ($a|$b):[23]:offer$" || eo_fail "Saturday: another carer was offered"
echo "$texts" | grep -q "^ $c:2:offer$" || eo_fail "Sunday: no offer to the invited carer"
! echo "$texts" | grep -q ":3:offer$" || eo_fail "a 방문 carer was offered a 시설형 stay"
"$B/eonjena" check --store "$STORE" || eo_fail "eonjena check found a violation"
echo "rules.facility_live: ok (carer 1 for both stays, pay $won)"
