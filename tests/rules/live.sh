#!/bin/bash
# rules.live: every refusal of the rules on the live path. One table of cases goes
# through POST /v1/requests of a running `eonjena serve` and through GET /v1/quote with
# the same inputs: both must give the same code and the same messages (ko and en, no raw
# %s), and a refused request must store nothing (request, case, journal, outbox, texts,
# hand-off). Accepted cases are created. Then, on a server whose clock is a Saturday
# night, a request that starts before the provider opens is refused at once, recorded,
# told to the member and handed to the provider for a call back.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR

# serve NAME CLOCK: a server of its own (store, port) on the demo configuration.
serve() {
  local port; port=$(eo_free_port)
  eo_config "$port" "$EO_TEST_TMP/$1.cfg"
  eo_start "$1" "$B/eonjena" serve --init --config "$EO_TEST_TMP/$1.cfg" \
    --store "$EO_TEST_TMP/$1" --listen "127.0.0.1:$port" --clock "offset:$2" --carers 300
  API=http://127.0.0.1:$port
  STORE=$EO_TEST_TMP/$1
  eo_wait_for "serve $1" 30 curl -sf "$API/v1/health"
}
# call METHOD PATH [BODY]: prints "<status> <body>" on one line
call() {
  local args=(-s -X "$1" -w '\n%{http_code}')
  [ -n "${3:-}" ] && args+=(-d "$3")
  local out; out=$(curl "${args[@]}" "$API$2")
  echo "$(echo "$out" | tail -n1) $(echo "$out" | head -n -1 | tr -d '\n')"
}
# What a request leaves behind: entries of every tree a stored request writes to.
stored() {
  local db
  for db in m.reqs m.cases m.journal m.outbox m.childday sms.msgs handoff.items; do
    printf '%s=%s ' "$db" "$(mdb_stat -s "$db" "$STORE" 2>/dev/null | sed -n 's/.*Entries: //p')"
  done
}

# --- Friday 2026-12-04 10:00 in Seoul: office hours -------------------------------------
NOW=2026-12-04T10:00
serve office "${NOW}:00+09:00"
BASE='{"site":"suwon","dong":"4111156000","start":"2026-12-05T14:00","end":"2026-12-05T16:00",
  "channel":"call_centre","member":{"id":"m-1","phone":"010-1234-5678","verified":true},
  "child":{"first_name":"서연","age_months":60},"address":"수원시 장안구 파장로 1"}'
QBASE="site=suwon&start=2026-12-05T14:00&end=2026-12-05T16:00&requested=$NOW&channel=call_centre&verified=yes&age_months=60"
FAC='.type="facility"|.child.age_months=96|.child.preregistered=true|.handover="엄마"|.pickup="아빠"'
QFAC='type=facility&age_months=96&preregistered=yes'

# An 이용제한 in force for m-7 (imposed as an operator would, on the running server's store).
"$B/eonjena" restrict impose m-7 conflict --store "$STORE" --at 2026-12-01T09:00 >/dev/null

# name | change to the request (jq) | the same for the quote ("-": the quote takes no
# personal texts nor a member, POST only) | code | a word of the Korean message
LONG=$(head -c 14000 /dev/zero | tr '\0' 'x')
CASES=(
  "2 months|.child.age_months=2|age_months=2|child_age|연령"
  "13 years|.child.age_months=156|age_months=156|child_age|연령"
  "by birth, 13 years|.child={first_name:\"서연\",birth:\"2013-06-01\"}|birth=2013-06-01|child_age|연령"
  "unverified member|.member.verified=false|verified=no|not_member|정회원"
  "1.5 h|.end=\"2026-12-05T15:30\"|end=2026-12-05T15:30|duration|30분 단위"
  "25 h|.end=\"2026-12-06T15:00\"|end=2026-12-06T15:00|duration|최대 24"
  "off the half hour|.start=\"2026-12-05T14:10\"|start=2026-12-05T14:10|time_grid|30분"
  "lead under 2 h|.start=\"2026-12-04T11:00\"|.end=\"2026-12-04T13:00\"|start=2026-12-04T11:00&end=2026-12-04T13:00|lead_time|2026-12-04T12:00"
  "too far ahead|.start=\"2027-01-20T14:00\"|.end=\"2027-01-20T16:00\"|start=2027-01-20T14:00&end=2027-01-20T16:00|too_far_ahead|2027-01-03T10:00"
  "residence elsewhere|.child.residence=\"seongnam\"|residence=seongnam|child_not_registered|주민등록"
  "severe disability|.child.severe_disability=true|severe_disability=yes|severe_disability|중증"
  "시설형 23:00-01:00|$FAC|.start=\"2026-12-05T23:00\"|.end=\"2026-12-06T01:00\"|$QFAC&start=2026-12-05T23:00&end=2026-12-06T01:00|facility_midnight|자정"
  "시설형 closed day|$FAC|.start=\"2026-12-25T14:00\"|.end=\"2026-12-25T16:00\"|$QFAC&start=2026-12-25T14:00&end=2026-12-25T16:00|facility_closed_day|성탄절"
  "시설형 before opening|$FAC|.start=\"2026-12-05T06:00\"|.end=\"2026-12-05T08:00\"|$QFAC&start=2026-12-05T06:00&end=2026-12-05T08:00|facility_hours|운영시간"
  "시설형 7 h on a day off|$FAC|.start=\"2026-12-05T10:00\"|.end=\"2026-12-05T17:00\"|$QFAC&start=2026-12-05T10:00&end=2026-12-05T17:00|facility_day_max|6"
  "시설형 sick child|$FAC|.child.sick=true|$QFAC&sick=yes|sick_child|방문형"
  "시설형 age 4, not a sibling|$FAC|.child.age_months=48|$QFAC&age_months=48|child_age|연령"
  "14 KB address|.address=\"$LONG\"|-|bad_text|address"
  "control character in the address|.address=\"수원시\\u0007 1\"|-|bad_text|address"
  "newline in the child's name|.child.first_name=\"서\\n연\"|-|bad_text|child.first_name"
  "escape in who collects|$FAC|.pickup=\"아\\u001b[2J빠\"|-|bad_text|pickup"
  "restriction in force|.member.id=\"m-7\"|-|restricted|2027-03-01"
)

before=$(stored)
for row in "${CASES[@]}"; do
  IFS='|' read -r -a f <<<"$row"
  name=${f[0]} n=${#f[@]}
  code=${f[$((n - 2))]} word=${f[$((n - 1))]} query=${f[$((n - 3))]}
  jqexpr=$(IFS='|'; echo "${f[*]:1:$((n - 4))}")
  body=$(jq -c "$jqexpr" <<<"$BASE") || eo_fail "$name: bad jq $jqexpr"
  out=$(call POST /v1/requests "$body")
  [[ "$out" == "422 "* ]] || eo_fail "$name: POST wants 422, got: ${out:0:300}"
  json=${out#422 }
  [ "$(jq -r .error.code <<<"$json")" = "$code" ] || eo_fail "$name: POST code: ${out:0:300}"
  ko=$(jq -r .error.message_ko <<<"$json") en=$(jq -r .error.message_en <<<"$json")
  [[ "$ko" == *"$word"* ]] || eo_fail "$name: the message does not say '$word': $ko"
  [[ "$ko$en" != *%* ]] || eo_fail "$name: a raw format in: $ko / $en"
  if [ "$query" != - ]; then
    q=$(call GET "/v1/quote?$QBASE&$query")
    [[ "$q" == "422 "* ]] || eo_fail "$name: the quote wants 422, got: ${q:0:300}"
    q=${q#422 }
    [ "$(jq -r .error.code <<<"$q")" = "$code" ] || eo_fail "$name: quote code: $q"
    [ "$(jq -r .error.ko <<<"$q")" = "$ko" ] && [ "$(jq -r .error.en <<<"$q")" = "$en" ] ||
      eo_fail "$name: the quote and the intake say it differently: $q / $json"
  fi
  echo "refused ($code): $name"
done
[ "$(stored)" = "$before" ] || eo_fail "refused requests stored something: $before -> $(stored)"

# Accepted: the same rules let these through (the quote says ok, the intake creates).
OK=(
  "1 h|.end=\"2026-12-05T15:00\"|end=2026-12-05T15:00"
  "3 months|.child.age_months=3|age_months=3"
  "12 years|.child.age_months=155|age_months=155"
  "2.5 h|.end=\"2026-12-05T16:30\"|end=2026-12-05T16:30"
  "at the horizon|.start=\"2027-01-03T10:00\"|.end=\"2027-01-03T12:00\"|start=2027-01-03T10:00&end=2027-01-03T12:00"
  "시설형 6 h on a day off|$FAC|.start=\"2026-12-05T10:00\"|.end=\"2026-12-05T16:00\"|$QFAC&start=2026-12-05T10:00&end=2026-12-05T16:00"
  "시설형, unverified member|$FAC|.member.verified=false|.member.id=\"m-8\"|$QFAC&verified=no"
)
for row in "${OK[@]}"; do
  IFS='|' read -r -a f <<<"$row"
  name=${f[0]} n=${#f[@]} query=${f[$((n - 1))]}
  jqexpr=$(IFS='|'; echo "${f[*]:1:$((n - 2))}")
  body=$(jq -c "$jqexpr" <<<"$BASE")
  out=$(call POST /v1/requests "$body")
  [[ "$out" == "201 "* ]] || eo_fail "$name: POST wants 201, got: ${out:0:300}"
  q=$(call GET "/v1/quote?$QBASE&$query")
  [[ "$q" == "200 "*'"ok":true'* ]] || eo_fail "$name: the quote refuses: ${q:0:300}"
  echo "accepted: $name"
done
# A second 시설형 stay of the same child that day goes over 6 h: refused, on the intake
# (which knows the child's day) and on the quote told the child's other minutes.
body=$(jq -c "$FAC|.start=\"2026-12-05T16:00\"|.end=\"2026-12-05T18:00\"" <<<"$BASE")
out=$(call POST /v1/requests "$body")
[[ "$out" == "422 "*'"facility_day_max"'* ]] || eo_fail "second stay: ${out:0:300}"
q=$(call GET "/v1/quote?$QBASE&$QFAC&start=2026-12-05T16:00&end=2026-12-05T18:00&child_minutes=360")
[[ "$q" == "422 "*'"facility_day_max"'* ]] || eo_fail "second stay quote: ${q:0:300}"
echo "refused (facility_day_max): a second stay past 6 h that day"
kill -TERM "$PID_office"; wait "$PID_office" || eo_fail "serve exit status $?"
"$B/eonjena" check --store "$STORE" || eo_fail "eonjena check found a violation"

# --- Saturday 2026-12-05 02:00: off hours -----------------------------------------------
serve night "2026-12-05T02:00:00+09:00"
before=$(stored)
body=$(jq -c '.start="2026-12-05T06:00"|.end="2026-12-05T08:00"|.member.id="m-3"' <<<"$BASE")
out=$(call POST /v1/requests "$body")
[[ "$out" == "422 "*'"before_business_hours"'*'2026-12-07T09:00'* ]] || eo_fail "night: ${out:0:300}"
q=$(call GET "/v1/quote?$QBASE&requested=2026-12-05T02:00&start=2026-12-05T06:00&end=2026-12-05T08:00")
[ "$(jq -r .error.ko <<<"${q#422 }")" = "$(jq -r .error.message_ko <<<"${out#422 }")" ] ||
  eo_fail "night: the quote says otherwise: $q"
# recorded (one request, its journal), the member told (one text), handed over
P=/v1/providers/suwon-provider/handoffs
handed() { call GET $P | grep -q '"kind":"refused"'; }
eo_wait_for "the refused request in the provider's queue" 20 handed
items=$(call GET $P)
[ "$(jq -r '.items[0].request.member_id' <<<"${items#200 }")" = m-3 ] || eo_fail "hand-off: $items"
[[ "$items" == *'"code":"before_business_hours"'* ]] || eo_fail "the hand-off has no reason: $items"
id=$(jq -r '.items[0].request_id' <<<"${items#200 }")
"$B/eonjena" log "$id" --store "$STORE" | grep -q 'refuse validated->refused.*before_business_hours' ||
  eo_fail "the journal does not record the refusal"
told() { [ "$(mdb_stat -s sms.msgs "$STORE" | sed -n 's/.*Entries: //p')" -ge 1 ]; }
eo_wait_for "the member's text" 20 told
echo "off hours: refused at once, recorded, told, handed over ($id)"
echo "rules.live: ok"
