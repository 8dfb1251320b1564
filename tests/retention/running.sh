#!/bin/bash
# retention.running: the matcher's purge schedule on a running clock that does not sit on
# whole seconds. A request is settled and served (eonjena serve, offset clock); the
# service is started again two days later at 03:59:59.350 (Seoul) with closed cases kept
# one day (store/retire_days = 1, store/purge_hour = 4): within a few seconds the daily
# run has deleted the case (the API answers 404), and afterwards `eonjena log` finds no
# such request while `eonjena replay` still reaches the store's decisions from the
# checkpoint.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
S=$EO_TEST_TMP/store
PORT=$(eo_free_port)
API=http://127.0.0.1:$PORT
eo_config "$PORT" "$EO_TEST_TMP/eonjena.cfg"
eo_config_set "$EO_TEST_TMP/eonjena.cfg" retire_days=1 purge_hour=4
serve() { # serve CLOCK [--init]
  eo_serve "$EO_TEST_TMP/eonjena.cfg" "$S" "$PORT" "$1" --carers 300 "${@:2}"
}

# Friday 19:00:00.250: a request for 22:00-24:00, settled by a simulated carer
serve "offset:2026-11-27T19:00:00.250" --init
body='{"site":"suwon","dong":"4111156000","start":"2026-11-27T22:00","end":"2026-11-28T00:00",
       "channel":"call_centre","member":{"id":"m-1","phone":"010-5550-1234","verified":true},
       "child":{"first_name":"다온","age_months":60},"address":"수원시 장안구 잊혀질로 7"}'
out=$(curl -s -X POST -d "$body" "$API/v1/requests")
ID=$(echo "$out" | eo_json id)
[ -n "$ID" ] || eo_fail "no request id: $out"
settled() { curl -s "$API/v1/requests/$ID" | grep -q '"state":"settled"'; }
eo_wait_for "the request to settle" 60 settled
eo_serve_stop

# Sunday 03:59:59.350, the run due at 04:00:00: the case ended more than a day ago
serve "offset:2026-11-29T03:59:59.350"
ran() { grep -q 'retention: 0 cases anonymised, 1 deleted' "$EO_TEST_TMP/serve.log"; }
eo_wait_for "the daily retention run" 60 ran
gone() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$API/v1/requests/$ID")" = 404 ]; }
eo_wait_for "the deleted case to answer 404" 30 gone
eo_serve_stop

set +e
"$B/eonjena" log "$ID" --store "$S" >"$EO_TEST_TMP/log.out" 2>&1
status=$?
set -e
[ "$status" = 2 ] && grep -q "no request" "$EO_TEST_TMP/log.out" || eo_fail "log of a deleted case: $status"
out=$("$B/eonjena" replay --store "$S" --into "$EO_TEST_TMP/replayed")
grep -q '"replay":"same"' <<<"$out" || eo_fail "replay after the run: $out"
grep -q '"from_input":[1-9]' <<<"$out" || eo_fail "replay did not start from the checkpoint: $out"
# no personal data of the deleted case in any log line
! grep -E '5550-?1234|다온|잊혀질로' "$EO_TEST_TMP/all.log" || eo_fail "personal data in the log"
echo "retention.running: ok ($ID deleted at 04:00 on a running clock)"
