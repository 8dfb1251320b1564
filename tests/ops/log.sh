#!/bin/bash
# ops.log: the lines of a running server: ISO-8601 times in Seoul with the offset, a
# level, nothing on stdout (logs are stderr), debug lines only at log/level = debug, JSON
# lines with log/format = json that name the request they concern, and no phone number
# of a request in any line (masked).
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP
CLOCK="offset:2026-11-27T19:00:00+09:00"
BODY='{"site":"suwon","dong":"4111156000","start":"2026-11-27T22:00","end":"2026-11-28T00:00",
  "channel":"call_centre","member":{"id":"m-1","phone":"010-9876-5432","verified":true},
  "child":{"first_name":"서연","age_months":60},"address":"수원시 장안구 파장로 1"}'

# serve_once NAME [VAR=VALUE...]: serve with the variables, one request until it settles,
# stop; stdout and stderr kept apart; prints the request id
serve_once() {
  local name=$1; shift
  local port; port=$(eo_free_port)
  eo_config "$port" "$T/$name.cfg"
  env "$@" "$B/eonjena" serve --config "$T/$name.cfg" --store "$T/$name" --init --carers 300 \
    --clock "$CLOCK" >"$T/$name.out" 2>"$T/$name.err" &
  local pid=$!
  EO_PIDS+=("$pid")
  eo_wait_for "$name to serve" 30 curl -sf "http://127.0.0.1:$port/v1/health"
  local id
  id=$(curl -s -X POST -d "$BODY" "http://127.0.0.1:$port/v1/requests" | eo_json id)
  [ -n "$id" ] || eo_fail "$name: no request id"
  eo_wait_for "$name: the request settled" 30 \
    sh -c "curl -sf http://127.0.0.1:$port/v1/requests/$id | grep -q '\"state\":\"settled\"'"
  kill -TERM "$pid"; wait "$pid"
  echo "$id"
}

# text, info (the default): every line stamped and levelled, stdout empty, no debug
serve_once text >/dev/null
[ ! -s "$T/text.out" ] || eo_fail "lines on stdout: $(head -3 "$T/text.out")"
[ -s "$T/text.err" ] || eo_fail "no log lines at all"
stamp='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}\+09:00 (error|warn|info|debug) '
bad=$(grep -Evc "$stamp" "$T/text.err" || true)
[ "$bad" = 0 ] || eo_fail "lines not in the format: $(grep -Ev "$stamp" "$T/text.err" | head -3)"
if grep -q ' debug ' "$T/text.err"; then eo_fail "debug lines at level info"; fi
grep -q ' info serve: ready on ' "$T/text.err" || eo_fail "no ready line"

# json, debug: every line is a JSON object; the decision of the request names it
id=$(serve_once json EONJENA_LOG_FORMAT=json EONJENA_LOG_LEVEL=debug)
jq -e 'has("ts") and has("level") and has("msg")' "$T/json.err" >/dev/null ||
  eo_fail "a line is not a log object: $(head -3 "$T/json.err")"
named=$(jq -c --arg id "$id" 'select(.request_id == $id and .level == "debug" and
  (.msg | startswith("cases: request ")))' "$T/json.err" | wc -l)
[ "$named" -ge 1 ] || eo_fail "no line names request $id: $(grep -c . "$T/json.err") lines"
odd=$(jq -c 'select(.ts | test("^[0-9-]{10}T[0-9:.]{12}\\+09:00$") | not)' "$T/json.err" | wc -l)
[ "$odd" = 0 ] || eo_fail "a timestamp is not ISO-8601 Seoul"

# the member's number is never in a line, whatever the level
for f in "$T"/text.err "$T"/json.err; do
  if grep -Eq '9876-?5432|\+8210987654|01098765432' "$f"; then
    eo_fail "a phone number in $f: $(grep -E '9876-?5432|\+8210987654|01098765432' "$f" | head -2)"
  fi
done
echo "ops.log: ok ($(wc -l <"$T/json.err") debug lines, request $id named)"
