#!/bin/bash
# failure.disk: a full disk under a running server. Before, with the store on a full file
# system every GET and POST got 504 until the server was restarted (LMDB refuses every
# transaction after a failed write), /v1/health said ok, and texts stayed in the outbox.
# Now store failures are given back and retried with backoff, the environment is
# reopened by itself, /v1/ready names the failing store, and once space returns requests
# are taken and settled again, with no restart. Needs root (a small tmpfs): skipped
# otherwise.
set -euo pipefail
. "$(dirname "$0")/../e2e/lib.sh"
[ "$(id -u)" = 0 ] || { echo "failure.disk: needs root to mount a tmpfs: skipped"; exit 77; }
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP/disk"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP
mount -t tmpfs -o size=24m eonjena-test "$T/disk"
eo_cleanup_disk() { eo_cleanup; umount -l "$T/disk" 2>/dev/null || true; }
trap eo_cleanup_disk EXIT
HTTP=$(eo_free_port)
API=http://127.0.0.1:$HTTP
eo_config "$HTTP" "$T/eonjena.cfg"
eo_start serve "$B/eonjena" serve --init --config "$T/eonjena.cfg" --store "$T/disk/store" \
  --clock "offset:2026-11-27T19:00:00.437+09:00" --carers 2000 --matchers 1 # the one store on the full disk
eo_wait_for "the server" 30 curl -sf "$API/v1/health"
eo_wait_for "the server to be ready" 30 curl -sf "$API/v1/ready"

# post ID: the intake's HTTP status
post() {
  local body="{\"id\":\"$1\",\"site\":\"suwon\",\"dong\":\"4111156000\",\"start\":\"2026-11-27T22:00\",
    \"end\":\"2026-11-28T00:00\",\"channel\":\"call_centre\",\"member\":{\"id\":\"m-$1\",
    \"phone\":\"010-1234-5678\",\"verified\":true},\"child\":{\"first_name\":\"서연\",
    \"age_months\":60},\"address\":\"수원시 장안구 파장로 1\"}"
  curl -s -m 30 -o "$T/post.out" -w '%{http_code}' -X POST -d "$body" "$API/v1/requests"
}
# settled ID: the request (the id the intake answered) has settled
settled() { curl -sf "$API/v1/requests/$1" | grep -q '"state":"settled"'; }

[ "$(post before)" = 201 ] || eo_fail "intake before the disk filled: $(cat "$T/post.out")"
id=$(eo_json id <"$T/post.out")
eo_wait_for "the first request to settle" 30 settled "$id"

# the disk fills up
dd if=/dev/zero of="$T/disk/filler" bs=1M status=none 2>/dev/null || true
refused=0
for i in $(seq 1 10); do
  code=$(post "full_$i")
  [ "$code" = 201 ] || { refused=$((refused + 1)); echo "full_$i: $code $(head -c 200 "$T/post.out")"; }
done
echo "while full: $refused of 10 intakes refused"
[ "$refused" -gt 0 ] || eo_fail "a full disk refused nothing"
# readiness learns of the failure from the matcher's failed write, which may come after
# the intakes' timeouts on a busy machine: wait for it (bounded)
ready_full() {
  ready=$(curl -s -w ' %{http_code}' "$API/v1/ready" | tr -d '\n')
  grep -q 'cannot be written.* 503$' <<<"$ready"
}
eo_wait_for "readiness to name the full store" 30 ready_full
echo "ready while full: $ready"
curl -sf "$API/v1/health" >/dev/null || eo_fail "liveness while full"

# space returns: no restart
rm -f "$T/disk/filler"
taken() { [ "$(post after)" = 201 ]; }
eo_wait_for "intake after space returned" 30 taken
id=$(eo_json id <"$T/post.out")
eo_wait_for "the request taken after to settle" 30 settled "$id"
eo_wait_for "readiness after space returned" 30 curl -sf "$API/v1/ready"
kill -TERM "$PID_serve"; wait "$PID_serve" || eo_fail "serve exit status $?"
"$B/eonjena" check --store "$T/disk/store" || eo_fail "check after the full disk"
echo "failure.disk: ok"
