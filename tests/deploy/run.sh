#!/bin/bash
# deploy.run: deploy/eonjena-deploy starts the multi-process deployment (broker, three
# matchers each with its share of the sites and its own store, sms, handoff, gateway)
# over tcp with CURVE, with an API key; eonjena-load drives it (bounded) with that key
# and `eonjena check` passes on every matcher's store; a wrong key is refused (401, counted
# by code); a role without an admitted cert gets no work; stop ends every process.
# Started again, the folder keeps its split, carers and API address, refuses the options
# that would change them, and takes a new --http.
set -euo pipefail
. "$(dirname "$0")/../e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
D=$EO_TEST_TMP/deploy
HTTP=127.0.0.1:$(eo_free_port)
BROKER_PORT=$(eo_free_port)
DEPLOY=$EO_SOURCE_DIR/deploy/eonjena-deploy
stop_all() { "$DEPLOY" stop "$D" >/dev/null 2>&1 || true; eo_cleanup; }
trap stop_all EXIT

EO_DEPLOY_BIN=$B "$DEPLOY" start "$D" --matchers 3 --http "$HTTP" --broker-port "$BROKER_PORT" \
    --carers 3000 --accept 0.6 --decline 0.2 --delay-ms 50 --jitter-ms 100 \
    --clock offset:2026-11-27T19:00:00+09:00 | tee "$EO_TEST_TMP/start.out"
[ "$(grep -c '^  matcher-' "$EO_TEST_TMP/start.out")" = 3 ] || eo_fail "not three matchers"
grep -q 'curve_secret\|broker_secret' "$D"/run/*.pid 2>/dev/null && eo_fail "secrets in pid files"
tr '\0' ' ' <"/proc/$(cat "$D/run/broker.pid")/cmdline" | grep -q -- "--curve-secret" ||
    eo_fail "the broker runs without CURVE"
for f in "$D/keys/broker_secret" "$D/keys/api_key" "$D/keys/credentials"; do
    [ "$(stat -c %a "$f")" = 600 ] || eo_fail "$f is not 0600"
done

"$B/eonjena-load" --url "http://$HTTP" --key-file "$D/keys/api_key" --rate 40 --duration 3 \
    --requests 100 --trace "$D/sms.trace" --settle-wait 6 --quiet \
    --check "$D/stores/matcher-1,$D/stores/matcher-2,$D/stores/matcher-3" \
    >"$EO_TEST_TMP/load.out" 2>&1 || eo_fail "eonjena-load: $(cat "$EO_TEST_TMP/load.out")"
cat "$EO_TEST_TMP/load.out"
# the run is bounded by count and by time: on a loaded machine (ASan, other tests) fewer
# than 100 go out in the 3 s, but every request sent must be accepted
[[ "$(grep "^eonjena-load: " "$EO_TEST_TMP/load.out")" =~ eonjena-load:\ ([0-9]+)\ requests\ .*\ ([0-9]+)\ accepted ]] ||
    eo_fail "eonjena-load printed no summary"
[ "${BASH_REMATCH[1]}" -ge 20 ] || eo_fail "only ${BASH_REMATCH[1]} requests went out"
[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] || eo_fail "not all accepted"
grep -Eq "  intake -> settled +[1-9]" "$EO_TEST_TMP/load.out" || eo_fail "nothing settled"
[ "$(grep -c ': ok$' "$EO_TEST_TMP/load.out")" = 3 ] || eo_fail "not every store checked ok"

# a wrong key: every request refused, counted by status and code, exit 1 (none accepted)
if "$B/eonjena-load" --url "http://$HTTP" --key eok_wrong --requests 5 --rate 50 --quiet \
    >"$EO_TEST_TMP/wrong.out" 2>&1; then
    eo_fail "a run with a wrong key succeeded"
fi
grep -Eq "error 401 [a-z_]+: 5" "$EO_TEST_TMP/wrong.out" || eo_fail "wrong key: $(cat "$EO_TEST_TMP/wrong.out")"

# CURVE admits only the deployment's certs: a matcher with a key of its own for suwon
# never registers, so the broker's metrics keep three match workers
mkdir -p "$EO_TEST_TMP/keys"
"$B/eonjena" keygen stranger --dir "$EO_TEST_TMP/keys" >/dev/null
eo_start stranger "$B/eonjena-matcher" --config "$D/eonjena.cfg" \
    --broker "tcp://127.0.0.1:$BROKER_PORT" --broker-cert "$D/keys/broker" \
    --cert "$EO_TEST_TMP/keys/stranger_secret" --sites suwon --store "$EO_TEST_TMP/stranger" --init
eo_wait_for "the stranger to start" 10 grep -q "running" "$EO_TEST_TMP/stranger.log"
# an absence has no event to wait for: give it three of the broker's heartbeats (1 s each;
# the metrics file is rewritten on every one), where an admitted worker registers in one
t0=$(stat -c %Y "$D/run/broker.metrics")
beats() { [ $(($(stat -c %Y "$D/run/broker.metrics") - t0)) -ge 3 ]; }
eo_wait_for "three broker heartbeats" 15 beats
grep -q "ready for 'match' sites 'suwon'" "$D/logs/broker.log" &&
    eo_fail "a worker with a foreign key was admitted"
grep -q "ready for 'match' sites '.*suwon" "$D/logs/broker.log" ||
    eo_fail "the broker log does not name the workers it admits (the check above proves nothing)"
kill -TERM "$PID_stranger"

"$DEPLOY" stop "$D"
for f in "$D"/run/*.pid; do [ -e "$f" ] && eo_fail "$f left behind"; done
pgrep -f "$D/" >/dev/null && eo_fail "a process of the deployment still runs"

# Started again: what the folder was made with cannot change under its stores, and is
# refused before anything runs; without --http the API comes back where it was (not on
# the default address); a new --http moves it.
again() { EO_DEPLOY_BIN=$B "$DEPLOY" start "$D" --broker-port "$BROKER_PORT" "$@"; }
refused() { # refused WHY ARGS...: exit 1, saying WHY, and no process left
    local why=$1; shift
    again "$@" >"$EO_TEST_TMP/again.out" 2>&1 && eo_fail "started again with $*"
    grep -q -- "$why" "$EO_TEST_TMP/again.out" || eo_fail "$*: $(cat "$EO_TEST_TMP/again.out")"
    pgrep -f "$D/" >/dev/null && eo_fail "a refused start ($*) left a process"
    return 0
}
refused "has 3" --matchers 2
refused "was made with 3000" --carers 100
refused "was made with 1" --seed 7
cp "$EO_SOURCE_DIR/etc/eonjena.cfg" "$EO_TEST_TMP/other.cfg"
refused "was made with $(realpath "$EO_SOURCE_DIR/etc/eonjena.cfg")" --config "$EO_TEST_TMP/other.cfg"
# the same values again are fine (eonjena-bench e2e --dir passes them every time)
again --matchers 3 --carers 3000 --seed 1 --config "$EO_SOURCE_DIR/etc/eonjena.cfg" \
    >"$EO_TEST_TMP/again.out" || eo_fail "started again: $(cat "$EO_TEST_TMP/again.out")"
grep -q "ready on http://$HTTP " "$EO_TEST_TMP/again.out" || eo_fail "the API moved: $(cat "$EO_TEST_TMP/again.out")"
"$DEPLOY" stop "$D" >/dev/null
HTTP2=127.0.0.1:$(eo_free_port)
again --http "$HTTP2" --accept 0.5 >"$EO_TEST_TMP/again.out" ||
    eo_fail "started again on $HTTP2: $(cat "$EO_TEST_TMP/again.out")"
curl -sf -H "Authorization: Bearer $(cat "$D/keys/api_key")" "http://$HTTP2/v1/ready" >/dev/null ||
    eo_fail "the API is not on $HTTP2"
grep -q "^    listen = \"$HTTP2\"" "$D/eonjena.cfg" || eo_fail "gateway/listen was not written"
grep -q "^            accept = \"0.5\"" "$D/eonjena.cfg" || eo_fail "sim/accept was not written"
"$DEPLOY" stop "$D" >/dev/null
pgrep -f "$D/" >/dev/null && eo_fail "a process of the deployment still runs"
echo "deploy.run: ok"
