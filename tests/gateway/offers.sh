#!/bin/bash
# api.offers: what members and carers do with a case over HTTP and by text, on a running
# `eonjena serve` whose simulated carers stay silent (the test answers for them: through
# the carers' app API, or as a text injected into the sms role's endpoint):
#  - a member cancels before a carer is linked (no fee) and after (one hour of the base
#    rate: cancelled 24 to 1 hours before the start);
#  - a winner withdraws through the API, another by the text 취소 (after the winner text
#    reached them; without a code it is about their latest win): each case reopens and
#    offers the next wave, never to the carer who withdrew;
#  - an acceptance through the app and one by text of the same case, sent at once, five
#    times over: exactly one wins each time, the other is told it was filled.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
. "$EO_SOURCE_DIR/tests/gateway/night_case.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP
PORT=$(eo_free_port)
SMS_PORT=$(eo_free_port)
API=http://127.0.0.1:$PORT
SECRET=offers-test-inbound-secret
eo_keyed_config "$PORT" "$T/keyed.cfg" rate_per_key=0
# silent simulated carers; the sms role listens for injected texts (with the secret)
sed -e "s/^\(    listen = \)\"\"/\1\"127.0.0.1:$SMS_PORT\"/" \
    -e 's/^\(            accept = \).*/\10.0/' -e 's/^\(            decline = \).*/\10.0/' \
    -e "s/^\(            type = \"sim\"\)/\1\n            inbound_secret = \"$SECRET\"/" \
    "$T/keyed.cfg" >"$T/eonjena.cfg"
grep -q "127.0.0.1:$SMS_PORT" "$T/eonjena.cfg" && grep -q "accept = 0.0" "$T/eonjena.cfg" \
  && grep -q "inbound_secret = \"$SECRET\"" "$T/eonjena.cfg" || eo_fail "config not set"
key() { "$B/eonjena" key add --config "$T/eonjena.cfg" "$@"; }
APP=$(key --role member_app)
CARERS=$(key --role carer_app --sites suwon)
OP=$(key --role operator --sites suwon)
# Friday 19:00 in Seoul; every case is for 22:00-24:00 tonight (the carers' pool).
eo_start serve "$B/eonjena" serve --init --config "$T/eonjena.cfg" --store "$T/var/store" \
  --clock "offset:2026-11-27T19:00:00+09:00" --carers 2000
eo_wait_for "serve" 30 curl -sf "$API/v1/health"

# call KEY METHOD PATH: prints "<status> <body>"
call() {
  local out; out=$(curl -s -X "$2" -w '\n%{http_code}' -H "Authorization: Bearer $1" "$API$3")
  echo "$(echo "$out" | tail -n1) $(echo "$out" | head -n -1 | tr -d '\n')"
}
expect() { # expect STATUS PATTERN OUTPUT
  [[ "$3" == "$1 "* ]] || eo_fail "want HTTP $1, got: $3"
  echo "$3" | grep -q -- "$2" || eo_fail "want /$2/ in: $3"
}
n=0
new_case() { # a new case of member m-<n>, offered: prints its id
  n=$((n + 1))
  local id; id=$(eo_night_case "$APP" "$n")
  eo_wait_for "case $id offered" 10 offered "$id"
  echo "$id"
}
view() { curl -s -H "Authorization: Bearer $OP" "$API/v1/requests/$1"; }
offered() { view "$1" | grep -q '"state":"delivered"'; }
carers_of() { # the carers offered the case in WAVE (default 1), one a line
  view "$1" | sed 's/{"wave":/\n&/g' | grep "^{\"wave\":${2:-1}," | grep -o '"carer_id":[0-9]*' | cut -d: -f2
}
code_of() { view "$1" | grep -o '"code":"[0-9]\{4\}"' | head -n1 | cut -d'"' -f4; }
phone_of() { curl -s -H "Authorization: Bearer $OP" "$API/v1/carers/$1" | sed -n 's/.*"phone":"\(+82[0-9]*\)".*/\1/p'; }
text() { # text PHONE WORDS: the carer sends a text (as the simulated SMS gateway gets it)
  local s; s=$(curl -s -o /dev/null -w '%{http_code}' -G -H "X-Eonjena-Key: $SECRET" \
    --data-urlencode "from=$1" --data-urlencode "text=$2" "http://127.0.0.1:$SMS_PORT/sim/sim/mo")
  [ "$s" = 200 ] || eo_fail "the sms endpoint answered $s to an injected text"
}
state_is() { view "$1" | grep -q "\"state\":\"$2\",\"wave\""; }

# 0. the sms endpoint takes texts only with the adapter's secret
s=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SMS_PORT/sim/sim/mo?from=%2B821020000005&text=1")
[ "$s" = 403 ] || eo_fail "an injected text without the secret: $s"

# 1. cancel before and after settlement
R=$(new_case)
expect 200 '"won":0,"rule":"cancel.free"' "$(call "$APP" POST "/v1/requests/$R/cancel")"
state_is "$R" cancelled || eo_fail "not cancelled: $(view "$R")"
R=$(new_case)
C=$(carers_of "$R" | head -n1)
expect 200 '"outcome":"won"' "$(call "$CARERS" POST "/v1/offers/$R:$C/accept")"
out=$(call "$APP" POST "/v1/requests/$R/cancel")
expect 200 '"won":11630,"rule":"cancel.hour"' "$out" # fees.tsv visit.base: one hour
expect 409 not_cancellable "$(call "$APP" POST "/v1/requests/$R/cancel")"

# 2. withdrawals: through the API, and by the text 취소
withdrawn() { # withdrawn CASE CARER: the case offers wave 2, without the carer
  eo_wait_for "case $1 to reopen" 10 state_is "$1" offering
  view "$1" | grep -q '"wave":2' || eo_fail "no second wave after the withdrawal: $(view "$1")"
  carers_of "$1" 2 | grep -qx "$2" && eo_fail "carer $2 withdrew and was offered again"
  view "$1" | grep -q '"winners":\[\]' || eo_fail "the winner is still linked: $(view "$1")"
  return 0
}
R=$(new_case)
C=$(carers_of "$R" | head -n1)
expect 200 '"outcome":"won"' "$(call "$CARERS" POST "/v1/offers/$R:$C/accept")"
expect 200 '' "$(call "$CARERS" POST "/v1/bookings/$R:$C/withdraw")"
withdrawn "$R" "$C"
expect 404 '' "$(call "$CARERS" POST "/v1/bookings/$R:$C/withdraw")" # not theirs any more
R=$(new_case)
C=$(carers_of "$R" | head -n1)
expect 200 '"outcome":"won"' "$(call "$CARERS" POST "/v1/offers/$R:$C/accept")"
# the carer texts back once the winner text reached them (its log line names the case)
eo_wait_for "the winner text to carer $C" 10 grep -q "message $R:$C:winner to" "$T/serve.log"
text "$(phone_of "$C")" "취소"
withdrawn "$R" "$C"

# 3. the race: carer A accepts through the app while carer B texts 1, five times
for round in 1 2 3 4 5; do
  R=$(new_case)
  mapfile -t CS < <(carers_of "$R")
  [ "${#CS[@]}" -ge 2 ] || eo_fail "case $R offered to fewer than two carers"
  A=${CS[0]} BP=$(phone_of "${CS[1]}") CODE=$(code_of "$R")
  call "$CARERS" POST "/v1/offers/$R:$A/accept" >"$T/app.$round" &
  app_pid=$!
  text "$BP" "1 $CODE" &
  sms_pid=$!
  wait "$app_pid" "$sms_pid"
  eo_wait_for "case $R settled" 10 state_is "$R" settled
  winners=$(view "$R" | sed 's/.*"winners":\[\([^]]*\)\].*/\1/' | grep -o '"carer_id":[0-9]*' | cut -d: -f2)
  [ "$(echo "$winners" | wc -l)" = 1 ] || eo_fail "round $round: winners $winners"
  app=$(cat "$T/app.$round")
  if [ "$winners" = "$A" ]; then
    [[ "$app" == "200 "*'"outcome":"won"'* ]] || eo_fail "round $round: A won but was told $app"
  else
    [ "$winners" = "${CS[1]}" ] || eo_fail "round $round: the winner $winners did not answer"
    [[ "$app" == "409 "*'"code":"filled"'* ]] || eo_fail "round $round: B won, A was told $app"
  fi
  echo "round $round: carer $winners won ($([ "$winners" = "$A" ] && echo app || echo sms))"
done
echo "api.offers: ok"
