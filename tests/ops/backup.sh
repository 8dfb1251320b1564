#!/bin/bash
# ops.backup: `eonjena backup` taken while the server takes requests gives a store that
# passes `eonjena check`; `eonjena restore` puts it back as a store that serves, with the
# requests of before the backup; restore refuses a store in use, and one that exists
# unless --replace (which keeps the old one aside).
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP
CLOCK="offset:2026-11-27T19:00:00+09:00"
P=$(eo_free_port)
eo_config "$P" "$T/eonjena.cfg"
API="http://127.0.0.1:$P"
eo_start serve "$B/eonjena" serve --config "$T/eonjena.cfg" --store "$T/store" --init \
  --carers 2000 --clock "$CLOCK"
eo_wait_for "serve" 30 curl -sf "$API/v1/health"

body() { # a request for tonight in one of suwon's dongs, from member $1
  echo "{\"site\":\"suwon\",\"dong\":\"4111156000\",\"start\":\"2026-11-27T22:00\",
    \"end\":\"2026-11-28T00:00\",\"channel\":\"call_centre\",\"member\":{\"id\":\"m-$1\",
    \"phone\":\"010-1234-5678\",\"verified\":true},\"child\":{\"first_name\":\"서연\",
    \"age_months\":60},\"address\":\"수원시 장안구 파장로 1\"}"
}
first=$(curl -s -X POST -d "$(body 0)" "$API/v1/requests" | eo_json id)
[ -n "$first" ] || eo_fail "no first request"

# load: four callers, requests one after another until told to stop; a line per answer
loaders=()
for c in 1 2 3 4; do
  ( i=1; while [ ! -e "$T/stop" ]; do
      curl -s -o /dev/null -X POST -d "$(body $c-$i)" "$API/v1/requests" && echo "$c-$i" >>"$T/sent"
      i=$((i + 1))
    done ) &
  EO_PIDS+=($!)
  loaders+=($!)
done
eo_wait_for "requests flowing" 30 sh -c "[ -s '$T/sent' ]"
before=$(wc -l <"$T/sent")
for n in 1 2 3; do # three backups while the requests flow
  "$B/eonjena" backup --store "$T/store" --to "$T/backup$n" >"$T/backup$n.json" ||
    eo_fail "backup $n under load failed"
  grep -q '"bytes":[1-9]' "$T/backup$n.json" || eo_fail "backup $n: $(cat "$T/backup$n.json")"
done
during=$(($(wc -l <"$T/sent") - before))
touch "$T/stop"; wait "${loaders[@]}"
[ "$during" -gt 0 ] || eo_fail "no request was answered while the backups ran"
echo "requests answered while the backups ran: $during"
for n in 1 2 3; do
  "$B/eonjena" check --store "$T/backup$n" | grep -q '^ok' || eo_fail "backup $n does not check ok"
done
"$B/eonjena" log "$first" --store "$T/backup3" | grep -q 'chain verified' ||
  eo_fail "the backup lacks the request made before it"
# a second backup into a used folder is refused and changes nothing
rc=0; "$B/eonjena" backup --store "$T/store" --to "$T/backup1" 2>/dev/null || rc=$?
[ "$rc" = 2 ] || eo_fail "backup into a used folder: exit $rc"

# restore: refused onto the store in use, and onto a store without --replace
rc=0; "$B/eonjena" restore --from "$T/backup3" --store "$T/store" --replace 2>"$T/busy.err" || rc=$?
[ "$rc" = 1 ] && grep -q "open in a running process" "$T/busy.err" || eo_fail "restore onto a served store: exit $rc"
kill -TERM "$PID_serve"; wait "$PID_serve"
"$B/eonjena" restore --from "$T/backup3" --store "$T/restored" >/dev/null
rc=0; "$B/eonjena" restore --from "$T/backup2" --store "$T/restored" 2>/dev/null || rc=$?
[ "$rc" = 1 ] || eo_fail "restore over a store without --replace: exit $rc"
"$B/eonjena" restore --from "$T/backup3" --store "$T/restored" --replace >"$T/replace.out"
ls -d "$T"/restored.before-restore-* >/dev/null || eo_fail "the replaced store was not kept"

# the restored store serves, with the request of before the backup
P2=$(eo_free_port)
eo_config "$P2" "$T/restored.cfg"
eo_start again "$B/eonjena" serve --config "$T/restored.cfg" --store "$T/restored" --clock "$CLOCK"
eo_wait_for "the restored store to serve" 30 curl -sf "http://127.0.0.1:$P2/v1/health"
curl -sf "http://127.0.0.1:$P2/v1/requests/$first" | grep -q "\"id\":\"$first\"" ||
  eo_fail "the restored store does not know $first"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d "$(body x)" "http://127.0.0.1:$P2/v1/requests")
[ "$code" = 201 ] || eo_fail "the restored store does not take requests: $code"
kill -TERM "$PID_again"; wait "$PID_again"
"$B/eonjena" check --store "$T/restored" | grep -q '^ok' || eo_fail "the restored store after serving"
echo "ops.backup: ok"
