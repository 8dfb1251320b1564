#!/bin/bash
# e2e.pipeline: the walking skeleton with every role as its own process over tcp loopback:
#   curl -> eonjena-gateway -> eonjena broker -> eonjena-matcher (LMDB) -> offers ->
#   eonjena-sms (simulated carers) -> acceptance -> settlement -> the requester sees the
#   winner. Remove any hop and the request never settles, so the test fails.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
BROKER_PORT=$(eo_free_port)
HTTP_PORT=$(eo_free_port)
BROKER=tcp://127.0.0.1:$BROKER_PORT
# Friday 19:00 in Seoul: the call centre's pool hours; the clock runs from there, and
# between whole seconds (as the system clock does: timers must not wait for a round one).
CLOCK="offset:2026-11-27T19:00:00.437+09:00"

eo_config "$HTTP_PORT" "$EO_TEST_TMP/eonjena.cfg"
CFG=(--config "$EO_TEST_TMP/eonjena.cfg" --broker "$BROKER" --clock "$CLOCK")

"$B/eonjena" demo --store "$EO_TEST_TMP/matcher" --carers 2000 --seed 7 --clock "$CLOCK"
eo_start broker "$B/eonjena" broker --bind "$BROKER"
eo_start matcher "$B/eonjena-matcher" "${CFG[@]}" --store "$EO_TEST_TMP/matcher"
eo_start sms "$B/eonjena-sms" "${CFG[@]}" --store "$EO_TEST_TMP/sms" --init
eo_start gateway "$B/eonjena-gateway" "${CFG[@]}" --store "$EO_TEST_TMP/matcher"
API=http://127.0.0.1:$HTTP_PORT
eo_wait_for "the gateway" 20 curl -sf "$API/v1/health"

# A request for tonight 22:00-24:00 in 수원 파장동 (the first demo carers live there).
body='{"site":"suwon","dong":"4111156000","start":"2026-11-27T22:00","end":"2026-11-28T00:00",
       "channel":"call_centre","member":{"id":"m-1","phone":"010-1234-5678","verified":true},
       "child":{"first_name":"서연","age_months":60},"address":"수원시 장안구 파장로 1"}'
created=$(curl -s -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' \
          -d "$body" "$API/v1/requests")
code=$(echo "$created" | tail -n1)
[ "$code" = 201 ] || eo_fail "intake answered $code: $created"
id=$(eo_json id <<<"$(head -n1 <<<"$created")")
[ -n "$id" ] || eo_fail "no request id in $created"
echo "request $id: $(echo "$created" | head -n1)"

settled() { curl -sf "$API/v1/requests/$id" | grep -q '"state":"settled"'; }
eo_wait_for "request $id to settle" 30 settled
status=$(curl -sf "$API/v1/requests/$id")
echo "status: $status"
winner=$(echo "$status" | sed -n 's/.*"carer_id":\([0-9]*\).*/\1/p')
[ -n "$winner" ] && [ "$winner" -gt 0 ] || eo_fail "no winner in $status"

# Bad input is refused with a code and changes nothing.
bad=$(curl -s -w " %{http_code}" -X POST -d '{"site":"suwon","dong":"0000000000"}' "$API/v1/requests" | tr -d "\n")
grep -q '"code":"unknown_dong".* 400$' <<<"$bad" || eo_fail "unknown dong: $bad"
missing=$(curl -s -w " %{http_code}" "$API/v1/requests/suwon-nosuchrequest" | tr -d "\n")
grep -q ' 404$' <<<"$missing" || eo_fail "unknown request: $missing"

# Stop the matcher cleanly, then check the store's invariants from the outside.
kill -TERM "$PID_matcher"; wait "$PID_matcher" || eo_fail "matcher exit status $?"
"$B/eonjena" check --store "$EO_TEST_TMP/matcher" || eo_fail "eonjena check found a violation"
# The matcher's stats lines (every 10 s with work in it, and the rest of the period as it
# stops: eonjena-bench e2e reads them) count the request's batch. A run this short is
# counted by the line the matcher writes as it stops.
items=$(sed -n 's/.*matcher: stats [0-9.]* s: [0-9]* batches, \([0-9]*\) items.*/\1/p' \
  "$EO_TEST_TMP/matcher.log" | awk '{s += $1} END {print s + 0}')
[ "$items" -ge 1 ] ||
  eo_fail "no stats line counts the request: $(grep 'matcher: stats' "$EO_TEST_TMP/matcher.log")"
echo "e2e pipeline: ok (winner carer $winner)"
