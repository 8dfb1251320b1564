#!/bin/bash
# deploy.chaos: the short version of deploy/eonjena-chaos (the long one is opt-in,
# docs/deploy.md): a three-matcher deployment under load has a matcher, then the broker,
# then the sms role killed with SIGKILL and started again; every request the API
# acknowledged is still there afterwards, `eonjena check` passes on every store, and each
# role's service came back (the times are printed; figures come from the long runs).
set -euo pipefail
. "$(dirname "$0")/../e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
D=$EO_TEST_TMP/deploy
DEPLOY=$EO_SOURCE_DIR/deploy/eonjena-deploy
stop_all() { "$DEPLOY" stop "$D" >/dev/null 2>&1 || true; eo_cleanup; }
trap stop_all EXIT

EO_DEPLOY_BIN=$B "$DEPLOY" start "$D" --matchers 3 --http "127.0.0.1:$(eo_free_port)" \
    --broker-port "$(eo_free_port)" --carers 2000 --accept 0.6 --decline 0.2 --delay-ms 50 \
    --jitter-ms 100 --clock offset:2026-11-27T19:00:00+09:00 >"$EO_TEST_TMP/start.out"

# kill and restart by hand first: the restarted matcher runs with a clock that went on
EO_DEPLOY_BIN=$B "$DEPLOY" kill "$D" matcher-2 | grep -q "killed matcher-2" || eo_fail "kill"
"$DEPLOY" status "$D" >"$EO_TEST_TMP/status" && eo_fail "status says all run after a kill"
grep -q "matcher-2 *not running" "$EO_TEST_TMP/status" || eo_fail "status: $(cat "$EO_TEST_TMP/status")"
EO_DEPLOY_BIN=$B "$DEPLOY" restart "$D" matcher-2 | grep -q "restarted matcher-2" || eo_fail "restart"
"$DEPLOY" restart "$D" matcher-2 2>/dev/null && eo_fail "a running role was started twice"
args=$(tr '\0' ' ' <"/proc/$(cat "$D/run/matcher-2.pid")/cmdline")
[[ "$args" =~ --clock\ offset:2026-11-2[78]T ]] || eo_fail "restarted with clock: $args"
[[ "$args" != *"offset:2026-11-27T19:00:00"* ]] || eo_fail "the restarted clock went back to the start"

EO_DEPLOY_BIN=$B "$EO_SOURCE_DIR/deploy/eonjena-chaos" "$D" --rate 20 --duration 24 \
    --roles "matcher-1 broker sms" >"$EO_TEST_TMP/chaos.out" 2>&1 ||
    eo_fail "eonjena-chaos: $(tail -20 "$EO_TEST_TMP/chaos.out")"
cat "$EO_TEST_TMP/chaos.out"
J=$(grep '^{"chaos"' "$EO_TEST_TMP/chaos.out")
[[ "$J" =~ \"lost\":0, ]] || eo_fail "lost requests: $J"
[[ "$J" =~ \"check\":\"ok\" ]] || eo_fail "check: $J"
[[ "$J" =~ \"acked\":([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -ge 50 ] || eo_fail "too few acknowledged: $J"
for r in matcher-1 broker sms; do
    grep -q "^eonjena-chaos: $r killed at .* service back in [0-9.]* s" "$EO_TEST_TMP/chaos.out" ||
        eo_fail "no resume time for $r"
done
# the killed processes are others than the ones started first
"$DEPLOY" status "$D" >/dev/null || eo_fail "not every role runs after the chaos"
echo "deploy.chaos: ok"
