#!/bin/bash
# e2e.sigterm: every role, as its own process, stops on SIGTERM with exit status 0 within
# 5 s while a peer is stuck: first with the broker unreachable (nothing listens on its
# port), then with the broker up and the matcher wedged (SIGSTOP) while HTTP callers wait
# on it. Before the fix the gateway waited out each caller's timeout in turn (14 s).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP
CLOCK="offset:2026-11-27T19:00:00.437+09:00"
BODY='{"site":"suwon","dong":"4111156000","start":"2026-11-27T22:00","end":"2026-11-28T00:00",
  "channel":"call_centre","member":{"id":"m-1","phone":"010-1234-5678","verified":true},
  "child":{"first_name":"서연","age_months":60},"address":"수원시 장안구 파장로 1"}'

"$B/eonjena" demo --store "$T/matcher" --carers 200 --seed 7 --clock "$CLOCK" >/dev/null

logged() { grep -q "$2" "$T/$1.log"; }

# start_roles BROKER_ENDPOINT HTTP_PORT: matcher, sms, handoff, gateway; wait until each
# says it runs.
start_roles() {
  eo_config "$2" "$T/eonjena.cfg"
  local cfg=(--config "$T/eonjena.cfg" --broker "$1" --clock "$CLOCK")
  eo_start matcher "$B/eonjena-matcher" "${cfg[@]}" --store "$T/matcher"
  eo_start sms "$B/eonjena-sms" "${cfg[@]}" --store "$T/sms" --init
  eo_start handoff "$B/eonjena-handoff" "${cfg[@]}" --store "$T/handoff" --init
  eo_start gateway "$B/eonjena-gateway" "${cfg[@]}" --store "$T/matcher"
  for r in matcher sms handoff gateway; do eo_wait_for "$r to run" 20 logged "$r" ": running"; done
  eo_wait_for "the gateway" 20 curl -sf "http://127.0.0.1:$2/v1/health"
}

# callers HTTP_PORT: requests that wait on the matcher, in the background.
callers() {
  for i in 1 2 3 4 5 6 7 8; do
    curl -s -m 60 -X POST -d "$BODY" "http://127.0.0.1:$1/v1/requests" >"$T/caller$i.out" 2>&1 &
  done
  # the callers are connected and waiting for their answer
  eo_wait_for "8 callers connected" 10 connected "$1" 8
}

# connected PORT N: at least N established connections to the gateway.
connected() { [ "$(ss -Htn state established "( sport = :$1 )" | wc -l)" -ge "$2" ]; }

# stop ROLE: SIGTERM, then the exit status must be 0 within 5 s.
stop() {
  local pid t0 rc=0 took
  pid=$(eval echo "\$PID_$1")
  t0=$(date +%s%N)
  kill -TERM "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  took=$((($(date +%s%N) - t0) / 1000000))
  if kill -0 "$pid" 2>/dev/null; then
    tail -n 5 "$T/$1.log" >&2
    eo_fail "$1 still running $took ms after SIGTERM"
  fi
  wait "$pid" || rc=$?
  [ "$rc" = 0 ] || { tail -n 5 "$T/$1.log" >&2; eo_fail "$1 exited with $rc after SIGTERM"; }
  echo "$2: $1 stopped in $took ms, exit 0"
}

# 1. The broker is unreachable.
DEAD=tcp://127.0.0.1:$(eo_free_port)
HTTP=$(eo_free_port)
start_roles "$DEAD" "$HTTP"
callers "$HTTP"
for r in gateway matcher sms handoff; do stop "$r" "broker unreachable"; done

# 2. The broker is up and the matcher is wedged while callers wait on it.
BROKER=tcp://127.0.0.1:$(eo_free_port)
HTTP=$(eo_free_port)
eo_start broker "$B/eonjena" broker --bind "$BROKER"
eo_wait_for "the broker" 20 logged broker "ready"
start_roles "$BROKER" "$HTTP"
kill -STOP "$PID_matcher"
callers "$HTTP"
for r in gateway sms handoff broker; do stop "$r" "matcher wedged"; done
kill -CONT "$PID_matcher"
stop matcher "after the wedge"
grep -l '"code":"stopping"' "$T"/caller*.out >/dev/null ||
  eo_fail "no waiting caller was told the gateway is stopping: $(cat "$T"/caller1.out)"
echo "e2e sigterm: ok"
