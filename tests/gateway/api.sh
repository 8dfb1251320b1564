#!/bin/bash
# api.http: the HTTP API of `eonjena serve` as a client sees it: health, intake errors,
# quotes, the holiday calendar (a change applies at once, no restart; an admin's key),
# and the hand-off pull API of a provider (the provider's key). The full matrix of
# routes and credentials is auth.matrix.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
# A private copy of the data: the test edits the holiday calendar.
cp -r "$EO_SOURCE_DIR/data" "$EO_TEST_TMP/data"
export EO_DATA_DIR=$EO_TEST_TMP/data
PORT=$(eo_free_port)
API=http://127.0.0.1:$PORT
eo_keyed_config "$PORT" "$EO_TEST_TMP/eonjena.cfg"
key() { "$B/eonjena" key add --config "$EO_TEST_TMP/eonjena.cfg" "$@"; }
ADMIN=$(key --role admin)
CALLS=$(key --role operator --sites suwon)
PROV=$(key --role provider --sites suwon --provider suwon-provider)
[[ "$ADMIN" == eok_* && "$CALLS" == eok_* && "$PROV" == eok_* ]] || eo_fail "key add printed no key"
# Saturday 02:00 in Seoul: night, so a request is queued for the provider (hand-off).
eo_start serve "$B/eonjena" serve --init --config "$EO_TEST_TMP/eonjena.cfg" --store "$EO_TEST_TMP/var/store" \
  --listen "127.0.0.1:$PORT" --clock "offset:2026-11-28T02:00:00+09:00" --carers 500
eo_wait_for "serve" 30 curl -sf "$API/v1/health"

# call METHOD PATH [BODY] [AUTH]: prints "<status> <body>"
call() {
  local args=(-s -X "$1" -w '\n%{http_code}')
  [ -n "${3:-}" ] && args+=(-d "$3")
  [ -n "${4:-}" ] && args+=(-H "Authorization: Bearer $4")
  local out; out=$(curl "${args[@]}" "$API$2")
  echo "$(echo "$out" | tail -n1) $(echo "$out" | head -n -1 | tr -d '\n')"
}
expect() { # expect STATUS PATTERN OUTPUT
  [[ "$3" == "$1 "* ]] || eo_fail "want HTTP $1, got: $3"
  echo "$3" | grep -q -- "$2" || eo_fail "want /$2/ in: $3"
}

expect 200 '"status":"ok"' "$(call GET /v1/health)"
expect 404 '"code":"not_found"' "$(call GET /v1/nothing)"
expect 405 'method_not_allowed' "$(call DELETE /v1/health)"
expect 400 '"code":"bad_json"' "$(call POST /v1/requests '{oops' "$CALLS")"
big=$(head -c 20000 /dev/zero | tr '\0' 'x')
expect 413 'body_too_large' "$(call POST /v1/requests "{\"x\":\"$big\"}" "$CALLS")"

# Reference data: the sites, and a site's 동 by code and name (the console's picker).
out=$(call GET /v1/sites); expect 200 '"slug":"suwon","name":"수원시","services":\["visit","facility"\]' "$out"
n=$(echo "$out" | grep -o '"slug"' | wc -l)
[ "$n" = "$(grep -vc '^#\|^slug' "$EO_DATA_DIR/sites.tsv")" ] || eo_fail "$n sites, not those of sites.tsv: $out"
out=$(call GET '/v1/dongs?site=suwon'); expect 200 '{"code":"4111156000","name":"파장동","sigungu":"수원시 장안구"}' "$out"
echo "$out" | grep -q '"code":"4159' && eo_fail "a dong of hwaseong among suwon's: $out"
out=$(call GET '/v1/dongs?site=suwon&q=%ED%8C%8C%EC%9E%A5') # 파장
[ "$(echo "$out" | grep -o '"code"' | wc -l)" = 1 ] || eo_fail "the name filter: $out"
expect 400 '"field":"site"' "$(call GET '/v1/dongs?site=busan')"
expect 400 '"field":"site"' "$(call GET '/v1/dongs')"
expect 400 unknown_field "$(call GET '/v1/sites?x=1')"

# The docs/domain.md example: Sunday 21:00 - Monday 01:00, requested 18:30 that Sunday.
q="/v1/quote?site=suwon&start=2026-11-29T21:00&end=2026-11-30T01:00&requested=2026-11-29T18:30"
out=$(call GET "$q"); expect 200 '"ok":true' "$out"
grep -q '"total":85900' <<<"$out" || eo_fail "member total is not 85,900: $out"
expect 400 'bad_field' "$(call GET '/v1/quote?site=suwon&start=tomorrow&end=2026-11-30T01:00')"
# The channel is named as POST /v1/requests names it; the app is held to its hours.
early="/v1/quote?site=suwon&start=2026-11-29T21:00&end=2026-11-30T01:00&requested=2026-11-29T05:00"
expect 422 '"app_hours"' "$(call GET "$early&channel=app")"
expect 422 '"before_business_hours"' "$(call GET "$early&channel=call_centre")"
expect 400 'bad_field' "$(call GET "$q&channel=web")"

# A holiday added over the API changes the next quote at once; removing it restores it.
mon="/v1/quote?site=suwon&start=2026-11-30T10:00&end=2026-11-30T12:00"
before=$(call GET "$mon"); grep -q '"total":23260' <<<"$before" || eo_fail "weekday quote: $before"
expect 401 unauthenticated "$(call POST /v1/holidays '{"date":"2026-11-30","name":"임시공휴일"}')"
expect 403 forbidden "$(call POST /v1/holidays '{"date":"2026-11-30","name":"임시공휴일"}' "$CALLS")"
expect 201 '"status":"ok"' "$(call POST /v1/holidays '{"date":"2026-11-30","name":"임시공휴일","kind":"temporary"}' "$ADMIN")"
expect 409 holiday_exists "$(call POST /v1/holidays '{"date":"2026-11-30","name":"임시공휴일"}' "$ADMIN")"
expect 400 bad_field "$(call POST /v1/holidays '{"date":"2026-13-01","name":"x"}' "$ADMIN")"
grep -q '^2026-11-30' "$EO_DATA_DIR/holidays.tsv" || eo_fail "the calendar file was not changed"
expect 200 '"date":"2026-11-30"' "$(call GET '/v1/holidays?from=2026-11-01&to=2026-12-31')"
after=$(call GET "$mon"); grep -q '"total":34880' <<<"$after" || eo_fail "holiday quote: $after"
expect 200 '"status":"ok"' "$(call DELETE /v1/holidays/2026-11-30 '' "$ADMIN")"
expect 404 not_found "$(call DELETE /v1/holidays/2026-11-30 '' "$ADMIN")"
again=$(call GET "$mon"); grep -q '"total":23260' <<<"$again" || eo_fail "restored quote: $again"

# A request made at night is queued for the provider and reaches its pull queue.
body='{"site":"suwon","dong":"4111156000","start":"2026-11-30T10:00","end":"2026-11-30T12:00",
       "channel":"call_centre","member":{"id":"m-9","phone":"010-2222-3333","verified":true},
       "child":{"first_name":"하준","age_months":40},"address":"수원시 장안구 1"}'
created=$(call POST /v1/requests "$body" "$CALLS"); expect 201 '"state":"queued"' "$created"
P=/v1/providers/suwon-provider/handoffs
items() { call GET $P '' "$PROV" | grep -q '"request_id"'; }
eo_wait_for "the hand-off to reach the provider's queue" 20 items
expect 401 unauthenticated "$(call GET $P)"
list=$(call GET $P '' "$PROV"); expect 200 '"items":\[{' "$list"
item=$(echo "$list" | grep -o '"items":\[{"id":"[^"]*"' | sed 's/.*"id":"//; s/"$//')
[ -n "$item" ] || eo_fail "no item id in $list"
expect 401 unauthenticated "$(call POST "$P/$item/ack")"
expect 200 acknowledged "$(call POST "$P/$item/ack" '' "$PROV")"
expect 404 unknown_item "$(call POST $P/nothing/ack '' "$PROV")"
expect 404 unknown_provider "$(call GET /v1/providers/nobody/handoffs '' "$PROV")"
expect 200 '"items":\[\]' "$(call GET $P '' "$PROV")"

# Ctrl-C (SIGINT) stops serve cleanly with exit status 0.
kill -INT "$PID_serve"
wait "$PID_serve" || eo_fail "serve exited with status $? on SIGINT"
grep -q "stopping on signal" "$EO_TEST_TMP/serve.log" || eo_fail "no clean stop in the log"
echo "api: ok"
