#!/bin/bash
# api.metrics: GET /metrics is Prometheus text (parsed by the Prometheus client's own
# parser, tests/gateway/metrics_check.py) and its series move by what a scripted run did:
# three requests that settle (simulated carers who accept) and are paid, one of them then cancelled,
# one refused intake, one unknown path, and the three hand-offs they queue; the metrics token opens /metrics and nothing else.
# Every family of docs/api.md is there: HTTP, broker queues and workers, matcher cases by
# state, waves and offers, the settlement latency histogram, SMS per adapter, hand-offs.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP
PORT=$(eo_free_port)
API=http://127.0.0.1:$PORT
TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
(umask 077 && echo "$TOKEN" >"$T/metrics.token")
eo_keyed_config "$PORT" "$T/keyed.cfg" rate_per_key=0 metrics_token_file="\"$T/metrics.token\""
# simulated carers who accept within 50 ms
sed -e 's/^\(            delay_ms = \).*/\150/' -e 's/^\(            jitter_ms = \).*/\150/' \
    -e 's/^\(            accept = \).*/\11.0/' -e 's/^\(            decline = \).*/\10.0/' \
    "$T/keyed.cfg" >"$T/eonjena.cfg"
APP=$("$B/eonjena" key add --config "$T/eonjena.cfg" --role member_app)
eo_start serve "$B/eonjena" serve --init --config "$T/eonjena.cfg" --store "$T/var/store" \
  --clock "offset:2026-11-27T19:00:00+09:00" --carers 2000
eo_wait_for "serve" 30 curl -sf "$API/v1/health"
scrape() { curl -sf -H "Authorization: Bearer $TOKEN" "$API/metrics" >"$1"; }
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

[ "$(code "$API/metrics")" = 401 ] || eo_fail "/metrics without the token"
[ "$(code -H "Authorization: Bearer $TOKEN" "$API/v1/requests?site=suwon")" = 403 ] \
  || eo_fail "the metrics token opens another route"
scrape "$T/before"
grep -q '^eonjena_matcher_up{site="suwon"} 1$' "$T/before" || eo_fail "no matcher_up: $(cat "$T/before")"

ids=()
for i in 1 2 3; do
  body="{\"site\":\"suwon\",\"dong\":\"4111156000\",\"start\":\"2026-11-27T22:00\",\"end\":\"2026-11-28T00:00\",
    \"channel\":\"app\",\"member\":{\"id\":\"m-$i\",\"phone\":\"010-1234-567$i\",\"verified\":true},
    \"child\":{\"first_name\":\"서연\",\"age_months\":60},\"address\":\"수원시 장안구 파장로 1\"}"
  out=$(curl -s -H "Authorization: Bearer $APP" -X POST -d "$body" "$API/v1/requests")
  ids+=("$(echo "$out" | eo_json id)")
done
[ "$(code -H "Authorization: Bearer $APP" -X POST -d '{"site":"suwon","dong":"0000000000"}' "$API/v1/requests")" = 400 ] \
  || eo_fail "a bad intake was not refused"
[ "$(code -H "Authorization: Bearer $APP" "$API/v1/nothing")" = 404 ] || eo_fail "unknown path"
settled() { curl -s -H "Authorization: Bearer $APP" "$API/v1/requests/$1" | grep -q '"state":"settled"'; }
for id in "${ids[@]}"; do eo_wait_for "$id to settle" 20 settled "$id"; done
# a settled pool case is handed to the provider once its member's fee is paid
for id in "${ids[@]}"; do
  [ "$(code -H "Authorization: Bearer $APP" -X POST -d '{}' "$API/v1/requests/$id/payment")" = 200 ] \
    || eo_fail "payment of $id"
done
[ "$(code -H "Authorization: Bearer $APP" -X POST "$API/v1/requests/${ids[0]}/cancel")" = 200 ] \
  || eo_fail "cancel"
# each case hands off its current state to the provider (the hand-off role, behind)
handed() { scrape "$T/now" && grep -q '^eonjena_handoff_queued{provider="suwon-provider"} 3$' "$T/now"; }
eo_wait_for "three hand-offs queued for suwon-provider" 20 handed
# the simulated gateway reports every text delivered (sms/adapters/sim/dlr_ms later)
sms_figure() { sed -n "s/^eonjena_sms_$1_total{adapter=\"sim\"} //p" "$T/now"; }
reported() { scrape "$T/now" && [ "$(sms_figure sent)" = "$(sms_figure delivered)" ]; }
eo_wait_for "every text sent reported delivered" 20 reported
scrape "$T/after"
cat "$T/after"

/usr/bin/python3 "$EO_SOURCE_DIR/tests/gateway/metrics_check.py" "$T/before" "$T/after" \
  'eonjena_http_requests_total{method="POST",route="/v1/requests",status="201"} == 3' \
  'eonjena_http_requests_total{method="POST",route="/v1/requests",status="400"} == 1' \
  'eonjena_http_requests_total{method="GET",route="-",status="404"} == 1' \
  'eonjena_http_requests_total{method="POST",route="/v1/requests/*/cancel",status="200"} == 1' \
  'eonjena_http_requests_total{method="POST",route="/v1/requests/*/payment",status="200"} == 3' \
  'eonjena_http_requests_total{method="GET",route="/metrics",status="200"} >= 2' \
  'eonjena_http_requests_total{method="GET",route="/v1/requests/*",status="200"} >= 3' \
  'eonjena_cases{site="suwon",state="settled"} == 2' \
  'eonjena_cases{site="suwon",state="cancelled"} == 1' \
  'eonjena_cases{site="suwon",state="offering"} == 0' \
  'eonjena_cases{site="suwon",state="settled"} abs 2' \
  'eonjena_waves_total{site="suwon"} >= 3' \
  'eonjena_offers_total{site="suwon"} >= 3' \
  'eonjena_matcher_up{site="suwon"} abs 1' \
  'eonjena_cases{site="hwaseong",state="settled"} abs 0' \
  'eonjena_handoff_queued{provider="suwon-provider"} == 3' \
  'eonjena_handoff_queued{provider="guri-provider"} abs 0' \
  'eonjena_handoff_oldest_seconds{provider="guri-provider"} abs 0' \
  'eonjena_settlement_latency_seconds_count{site="suwon"} == 3' \
  'eonjena_settlement_latency_seconds_bucket{site="suwon",le="+Inf"} == 3' \
  'eonjena_settlement_latency_seconds_bucket{site="suwon",le="3600"} == 3' \
  'eonjena_settlement_latency_seconds_sum{site="suwon"} >= 0.15' \
  'eonjena_settlement_latency_seconds_count{site="hwaseong"} abs 0' \
  'eonjena_sms_sent_total{adapter="sim"} >= 3' \
  'eonjena_sms_sent_total{adapter="sim"} >= eonjena_offers_total{site="suwon"}' \
  'eonjena_sms_delivered_total{adapter="sim"} == eonjena_sms_sent_total{adapter="sim"}' \
  'eonjena_sms_failed_total{adapter="sim"} == 0' \
  'eonjena_broker_up abs 1' \
  'eonjena_broker_workers{service="match",site="suwon"} abs 1' \
  'eonjena_broker_workers{service="sms",site="suwon"} abs 1' \
  'eonjena_broker_workers{service="handoff",site="suwon"} abs 1' \
  'eonjena_broker_service_workers{service="sms"} abs 1' \
  'eonjena_broker_received_total{service="handoff",site="suwon"} == 3' \
  'eonjena_broker_received_total{service="match",site="suwon"} >= 7' \
  'eonjena_broker_received_total{service="sms",site="suwon"} >= eonjena_offers_total{site="suwon"}' \
  'eonjena_broker_rejected_total{service="match",site="suwon"} == 0' \
  'eonjena_broker_dead_lettered_total{service="sms",site="suwon"} == 0' \
  || eo_fail "the metrics did not move as the run did"
echo "api.metrics: ok"
