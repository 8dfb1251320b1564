#!/bin/bash
# api.events: GET /v1/events, the change feed as Server-Sent Events, on a running
# `eonjena serve` with two matcher stores and silent simulated carers (the test answers
# for them through the carers' app API):
#  - an operator of suwon sees a request's created, offered, accept and settled events,
#    in that order, with ids, states and wave numbers and nothing personal;
#  - the member app that made it sees them too, another member app and guri's operator
#    see none, the carers' app sees only the steps that name a carer;
#  - a client that disconnects and comes back with Last-Event-ID gets exactly the events
#    it missed; a quiet stream gets heartbeat comments.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
. "$EO_SOURCE_DIR/tests/gateway/night_case.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP
PORT=$(eo_free_port)
API=http://127.0.0.1:$PORT
eo_keyed_config "$PORT" "$T/keyed.cfg" rate_per_key=0 events_poll_ms=50 events_heartbeat_s=1
# silent simulated carers: nobody answers unless the test does
sed -e 's/^\(            accept = \).*/\10.0/' -e 's/^\(            decline = \).*/\10.0/' \
  "$T/keyed.cfg" >"$T/eonjena.cfg"
grep -q "accept = 0.0" "$T/eonjena.cfg" || eo_fail "config not set"
key() { "$B/eonjena" key add --config "$T/eonjena.cfg" "$@"; }
APP=$(key --role member_app)
APP_B=$(key --role member_app)
CARERS=$(key --role carer_app --sites suwon)
OP=$(key --role operator --sites suwon)
GURI=$(key --role operator --sites guri)
eo_start serve "$B/eonjena" serve --init --config "$T/eonjena.cfg" --store "$T/var/store" \
  --clock "offset:2026-11-27T19:00:00+09:00" --carers 2000 --matchers 2
eo_wait_for "serve" 30 curl -sf "$API/v1/health"
eo_wait_for "serve to be ready" 30 curl -sf "$API/v1/ready"

# stream NAME KEY [LAST_ID]: read the feed into $T/NAME.sse in the background (bounded)
stream() {
  local args=(-sN --max-time 120 -H "Authorization: Bearer $2")
  [ -z "${3:-}" ] || args+=(-H "Last-Event-ID: $3")
  curl "${args[@]}" "$API/v1/events" >"$T/$1.sse" 2>/dev/null &
  eval "SSE_$1=$!"
  EO_PIDS+=($!)
  eo_wait_for "the $1 stream to start" 20 grep -q '^event: ready' "$T/$1.sse"
}
has() { grep -q -- "$2" "$T/$1.sse"; }
data() { sed -n 's/^data: //p' "$T/$1.sse" | grep -v '^{"cursor"'; } # change events only
types() { data "$1" | grep -F "\"$2\"" | grep -o '"type":"[a-z_]*"' | cut -d'"' -f4 | tr '\n' ' '; }

stream op "$OP"
stream app "$APP"
stream app_b "$APP_B"
stream carers "$CARERS"
stream guri "$GURI"
stream x "$OP" # the one that disconnects
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $OP" \
  "$API/v1/events?colour=red")" = 400 ] || eo_fail "an unknown query argument was taken"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $OP" \
  -H 'Last-Event-ID: nonsense' "$API/v1/events")" = 400 ] || eo_fail "a bad Last-Event-ID was taken"
eo_wait_for "a heartbeat on a quiet stream" 10 has guri '^: heartbeat'

view() { curl -s -H "Authorization: Bearer $OP" "$API/v1/requests/$1"; }
n=0
new_case() { n=$((n + 1)); eo_night_case "$APP" "$n"; }
R1=$(new_case)
eo_wait_for "$R1 offered on the stream" 20 has x "\"type\":\"offered\",\"request_id\":\"$R1\""
# x disconnects after the offer; what it saw last is where it resumes
kill "$SSE_x"
wait "$SSE_x" 2>/dev/null || true
LAST=$(grep '^id: ' "$T/x.sse" | tail -n1 | cut -c5-)
[[ "$LAST" =~ ^suwon:[0-9]+$ ]] || eo_fail "the last event id is not a cursor of suwon: $LAST"
SEEN=$(data x | wc -l)

C=$(view "$R1" | grep -o '"carer_id":[0-9]*' | head -n1 | cut -d: -f2)
[ -n "$C" ] || eo_fail "no carer offered: $(view "$R1")"
out=$(curl -s -X POST -H "Authorization: Bearer $CARERS" "$API/v1/offers/$R1:$C/accept")
echo "$out" | grep -q '"outcome":"won"' || eo_fail "accept: $out"
R2=$(new_case)
eo_wait_for "$R2 offered on the stream" 20 has op "\"type\":\"offered\",\"request_id\":\"$R2\""
eo_wait_for "$R1 settled on the stream" 20 has op "\"type\":\"settled\",\"request_id\":\"$R1\""

# 1. the operator: every step of R1 in order, with ids and states only
[ "$(types op "$R1")" = "created offered accept settled " ] \
  || eo_fail "the operator's events of $R1: $(types op "$R1")"
data op | grep -F "\"$R1\"" | grep -F '"type":"settled"' | grep -q '"state":"settled","wave":1' \
  || eo_fail "the settled event lacks its state or wave: $(data op)"
data op | grep -F "\"$R1\"" | grep -F '"type":"settled"' | grep -q "\"winners\":\[$C\]" \
  || eo_fail "the settled event does not name the winner: $(data op)"
! grep -qE '010-|\+8210|서연|파장로|"member' "$T/op.sse" || eo_fail "personal data in the feed"
data op | grep -q "\"id\":\"suwon-[0-9]*\"" || eo_fail "events without their id: $(data op)"

# 2. who sees what
[ "$(types app "$R1")" = "created offered accept settled " ] \
  || eo_fail "the member app's events of its own request: $(types app "$R1")"
[ -z "$(data app_b)" ] || eo_fail "another member app sees: $(data app_b)"
[ -z "$(data guri)" ] || eo_fail "guri's operator sees suwon's events: $(data guri)"
[ "$(types carers "$R1")" = "offered accept settled " ] \
  || eo_fail "the carers' app sees of $R1: $(types carers "$R1")"

# 3. resuming: exactly what x missed, in the order the operator saw it
stream y "$OP" "$LAST"
eo_wait_for "the resumed stream to catch up" 20 has y "\"type\":\"offered\",\"request_id\":\"$R2\""
data op | tail -n +$((SEEN + 1)) >"$T/missed"
data y >"$T/resumed"
[ -s "$T/missed" ] || eo_fail "nothing happened after the disconnect"
diff "$T/missed" "$T/resumed" >&2 || eo_fail "the resumed stream differs from what was missed"
# the resumed stream's first id is past the one it resumed from
first=$(grep '^id: ' "$T/y.sse" | sed -n 2p | cut -c5-)
[ "${first#suwon:}" -gt "${LAST#suwon:}" ] || eo_fail "resumed at $first, not after $LAST"

# 4. a role without the feed, and no credential
[ "$(curl -s -o /dev/null -w '%{http_code}' "$API/v1/events")" = 401 ] || eo_fail "anonymous stream"
kill -TERM "$PID_serve"
wait "$PID_serve" || eo_fail "serve exit status $? (the open streams must not hold it)"
echo "api.events: ok"
