#!/bin/bash
# api.webhooks: a client's webhook of the change feed, on a running `eonjena serve` with
# silent simulated carers (the test answers for them through the carers' app API):
#  - a member app registers a URL and gets its secret once; a local receiver (python3)
#    that is down for the first three tries still gets every event of the app's request
#    once it is up, in order (created, offered, accept, settled), each signed with
#    HMAC-SHA256 over "<t>.<body>" (checked by python3's hmac, not by eonjena's code)
#    and carrying the event's id as Idempotency-Key;
#  - guri's operator's webhook gets nothing of suwon;
#  - after a restart the webhook goes on where it was (nothing sent twice, nothing lost);
#  - the registration can be read (no secret) and removed.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
. "$EO_SOURCE_DIR/tests/gateway/night_case.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP
S=$EO_SOURCE_DIR/tests/gateway
PORT=$(eo_free_port)
API=http://127.0.0.1:$PORT
eo_keyed_config "$PORT" "$T/keyed.cfg" rate_per_key=0 events_poll_ms=50 \
  webhook_retry_base_ms=100 webhook_retry_max_ms=400
sed -e 's/^\(            accept = \).*/\10.0/' -e 's/^\(            decline = \).*/\10.0/' \
  "$T/keyed.cfg" >"$T/eonjena.cfg"
grep -q "accept = 0.0" "$T/eonjena.cfg" || eo_fail "config not set"
key() { "$B/eonjena" key add --config "$T/eonjena.cfg" "$@"; }
APP=$(key --role member_app)
CARERS=$(key --role carer_app --sites suwon)
OP=$(key --role operator --sites suwon)
GURI=$(key --role operator --sites guri)

HOOK_PORT=$(eo_free_port)
eo_start receiver python3 "$S/webhook_receiver.py" "$HOOK_PORT" "$T/hook.log" 3
GURI_PORT=$(eo_free_port)
eo_start guri_receiver python3 "$S/webhook_receiver.py" "$GURI_PORT" "$T/guri.log" 0
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
eo_wait_for "the receivers" 20 up "$HOOK_PORT"
eo_wait_for "the receivers" 20 up "$GURI_PORT"

start() {
  eo_start serve "$B/eonjena" serve --init --config "$T/eonjena.cfg" --store "$T/var/store" \
    --clock "offset:2026-11-27T19:00:00+09:00" --carers 2000 --matchers 2
  eo_wait_for "serve" 30 curl -sf "$API/v1/health"
  eo_wait_for "serve to be ready" 30 curl -sf "$API/v1/ready"
}
start

# call KEY METHOD PATH [BODY]: prints "<status> <body>"
call() {
  local args=(-s -X "$2" -w '\n%{http_code}' -H "Authorization: Bearer $1")
  [ -z "${4:-}" ] || args+=(-d "$4")
  local out; out=$(curl "${args[@]}" "$API$3")
  echo "$(echo "$out" | tail -n1) $(echo "$out" | head -n -1 | tr -d '\n')"
}
expect() { # expect STATUS PATTERN OUTPUT
  [[ "$3" == "$1 "* ]] || eo_fail "want HTTP $1, got: $3"
  echo "$3" | grep -q -- "$2" || eo_fail "want /$2/ in: $3"
}

# 1. registering
expect 400 '"code":"bad_url"' "$(call "$APP" POST /v1/webhooks '{"url":"ftp://x"}')"
expect 400 '"code":"unknown_field"' "$(call "$APP" POST /v1/webhooks '{"url":"http://x/","colour":1}')"
expect 404 '"code":"no_webhook"' "$(call "$APP" GET /v1/webhooks)"
out=$(call "$APP" POST /v1/webhooks "{\"url\":\"http://127.0.0.1:$HOOK_PORT/hook\"}")
expect 201 '"secret":"[0-9a-f]\{64\}"' "$out"
SECRET=$(echo "$out" | sed -n 's/.*"secret":"\([0-9a-f]*\)".*/\1/p')
out=$(call "$APP" GET /v1/webhooks)
expect 200 "\"url\":\"http://127.0.0.1:$HOOK_PORT/hook\"" "$out"
echo "$out" | grep -q secret && eo_fail "the secret is shown again: $out"
expect 201 '"secret"' "$(call "$GURI" POST /v1/webhooks "{\"url\":\"http://127.0.0.1:$GURI_PORT/hook\"}")"
[ "$(stat -c %a "$T/webhooks")" = 600 ] || eo_fail "the webhooks file (secrets) is not 0600"

# 2. a request of the app's, offered and settled
n=0
new_case() { n=$((n + 1)); eo_night_case "$APP" "$n"; }
settle() { # settle CASE: the first carer offered accepts
  eo_wait_for "$1 offered" 20 sh -c "curl -s -H 'Authorization: Bearer $OP' '$API/v1/requests/$1' | grep -q '\"carer_id\"'"
  local c; c=$(curl -s -H "Authorization: Bearer $OP" "$API/v1/requests/$1" \
    | grep -o '"carer_id":[0-9]*' | head -n1 | cut -d: -f2)
  expect 200 '"outcome":"won"' "$(call "$CARERS" POST "/v1/offers/$1:$c/accept")"
}
delivered() { python3 "$S/webhook_verify.py" "$T/hook.log" "$SECRET" >"$T/delivered" && grep -q "$1" "$T/delivered"; }
R1=$(new_case)
settle "$R1"
eo_wait_for "$R1 settled at the receiver" 30 delivered "settled $R1"
python3 "$S/webhook_verify.py" "$T/hook.log" "$SECRET" >"$T/delivered" || eo_fail "$(cat "$T/delivered")"
[ "$(cut -d' ' -f2 "$T/delivered" | tr '\n' ' ')" = "created offered accept settled " ] \
  || eo_fail "delivered: $(cat "$T/delivered")"
[ "$(cut -d' ' -f1 "$T/delivered" | sort | uniq -d)" = "" ] || eo_fail "an event delivered twice"
# the receiver was down for three tries: all of them were the first event, in order
FIRST=$(head -n1 "$T/delivered" | cut -d' ' -f1)
[ "$(head -n3 "$T/hook.log" | grep -c '"status": 503')" = 3 ] || eo_fail "the receiver did not fail first"
[ "$(head -n4 "$T/hook.log" | grep -c "\"key\": \"$FIRST\"")" = 4 ] \
  || eo_fail "the retries were not of the first event: $(cat "$T/hook.log")"
! grep -qE '010-|\+8210|서연|파장로' "$T/hook.log" || eo_fail "personal data in a webhook"
expect 200 '"failures":0,"last_status":200' "$(call "$APP" GET /v1/webhooks)"

# 3. a restart: the webhook goes on from where it was
kill -TERM "$PID_serve"
wait "$PID_serve" || eo_fail "serve exit status $?"
start
R2=$(new_case)
eo_wait_for "$R2 offered at the receiver" 30 delivered "offered $R2"
[ "$(grep -c "$R1" "$T/delivered")" = 4 ] || eo_fail "after the restart: $(cat "$T/delivered")"
[ "$(grep "$R2" "$T/delivered" | cut -d' ' -f2 | tr '\n' ' ')" = "created offered " ] \
  || eo_fail "after the restart: $(cat "$T/delivered")"
[ ! -s "$T/guri.log" ] || eo_fail "guri's operator got suwon's events: $(cat "$T/guri.log")"

# 4. removing it
expect 204 '' "$(call "$APP" DELETE /v1/webhooks)"
expect 404 '"code":"no_webhook"' "$(call "$APP" GET /v1/webhooks)"
expect 401 '' "$(curl -s -X GET -w '\n%{http_code}' "$API/v1/webhooks" | tail -n1) x"
echo "api.webhooks: ok"
