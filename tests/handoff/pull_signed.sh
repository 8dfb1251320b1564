#!/bin/bash
# handoff.pull_signed: what a pull provider lists (GET /v1/providers/{id}/handoffs) is
# signed as a webhook is: X-Eonjena-Signature: t=<unix s>,v1=HMAC-SHA256(secret, "<t>.<body>")
# with the provider's own secret from its `providers` entry (secret_file). The signature
# is checked here with openssl, not with the service's code; a body altered by one byte,
# a wrong secret and a moved timestamp fail the check. Another provider's list is signed
# with that provider's own secret.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP
PORT=$(eo_free_port)
API=http://127.0.0.1:$PORT
CFG=$T/eonjena.cfg
eo_keyed_config "$PORT" "$CFG"
SECRET=pull-secret-$RANDOM$RANDOM
(umask 077 && echo "$SECRET" >"$T/suwon.secret")
# suwon's own key, in place of the one eo_keyed_config gives every pull provider
sed -i "/^    suwon-provider\$/,/^        secret_file = /s|^        secret_file = .*\$|        secret_file = \"$T/suwon.secret\"|" "$CFG"
grep -q "secret_file = \"$T/suwon.secret\"" "$CFG" || eo_fail "config: the secret was not added"
key() { "$B/eonjena" key add --config "$CFG" "$@"; }
CALLS=$(key --role operator --sites suwon)
PROV=$(key --role provider --sites suwon --provider suwon-provider)
HPROV=$(key --role provider --sites hwaseong --provider hwaseong-provider)
# Saturday 02:00 in Seoul: a request made now waits for the provider (hand-off).
CLOCK=2026-11-28T02:00:00+09:00
eo_start serve "$B/eonjena" serve --init --config "$CFG" --store "$T/var/store" \
  --listen "127.0.0.1:$PORT" --clock "offset:$CLOCK" --carers 500
eo_wait_for "serve" 30 curl -sf "$API/v1/health"

body='{"site":"suwon","dong":"4111156000","start":"2026-11-30T10:00","end":"2026-11-30T12:00",
       "channel":"call_centre","member":{"id":"m-9","phone":"010-2222-3333","verified":true},
       "child":{"first_name":"하준","age_months":40},"address":"수원시 장안구 1"}'
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $CALLS" -X POST "$API/v1/requests" -d "$body")
[ "$status" = 201 ] || eo_fail "intake: HTTP $status"
P=/v1/providers/suwon-provider/handoffs
fetch() { # fetch KEY PATH: body to $T/body, headers to $T/headers
  curl -s -D "$T/headers" -o "$T/body" -H "Authorization: Bearer $1" "$API$2"
}
queued() { fetch "$PROV" "$P" && grep -q '"request_id"' "$T/body"; }
eo_wait_for "the hand-off to reach the provider's queue" 20 queued

sig=$(tr -d '\r' <"$T/headers" | sed -n 's/^X-Eonjena-Signature: //Ip')
[ -n "$sig" ] || eo_fail "no X-Eonjena-Signature on the list: $(cat "$T/headers")"
t=$(echo "$sig" | sed -n 's/^t=\([0-9]*\),v1=[0-9a-f]\{64\}$/\1/p')
v1=${sig##*v1=}
[ -n "$t" ] || eo_fail "the signature is not t=<digits>,v1=<64 hex>: $sig"
# t is the service's (injected) clock: within the hour after CLOCK
start=$(date -d "$CLOCK" +%s)
[ "$t" -ge "$start" ] && [ "$t" -lt $((start + 3600)) ] || eo_fail "t=$t is not the service's clock ($start)"

# verify SECRET T BODYFILE: the HMAC as any receiver computes it (openssl, not our code)
mac() { { printf '%s.' "$2"; cat "$3"; } | openssl dgst -sha256 -hmac "$1" -hex | sed 's/.*= //'; }
[ "$(mac "$SECRET" "$t" "$T/body")" = "$v1" ] || eo_fail "the signature does not verify: $sig"
echo "signed list verifies: $sig"

# One byte of the body changed, another secret, another timestamp: no longer the MAC.
sed 's/하준/하윤/' "$T/body" >"$T/tampered"
cmp -s "$T/body" "$T/tampered" && eo_fail "the tampering changed nothing (no child name in the list?)"
[ "$(mac "$SECRET" "$t" "$T/tampered")" != "$v1" ] || eo_fail "a tampered body still verifies"
[ "$(mac "wrong-$SECRET" "$t" "$T/body")" != "$v1" ] || eo_fail "another secret verifies"
[ "$(mac "$SECRET" $((t + 1)) "$T/body")" != "$v1" ] || eo_fail "another timestamp verifies"
echo "tampered body, wrong secret, moved timestamp: refused"

# The same check in python3's hmac, on the exact bytes, constant-time compare.
python3 - "$SECRET" "$t" "$v1" "$T/body" "$T/tampered" <<'EOF' || eo_fail "python3 hmac disagrees"
import hashlib, hmac, sys
secret, t, v1, good, bad = sys.argv[1:]
def ok(path):
    mac = hmac.new(secret.encode(), t.encode() + b"." + open(path, "rb").read(), hashlib.sha256)
    return hmac.compare_digest(mac.hexdigest(), v1)
sys.exit(0 if ok(good) and not ok(bad) else 1)
EOF

# Another provider's (empty) list is signed with its own key, not suwon's (a pull
# provider without a key refuses the start: handoff.pull_unsigned_refused).
fetch "$HPROV" /v1/providers/hwaseong-provider/handoffs
grep -q '"items":\[\]' "$T/body" || eo_fail "hwaseong's list: $(cat "$T/body")"
sig=$(tr -d '\r' <"$T/headers" | sed -n 's/^X-Eonjena-Signature: //Ip')
t=$(sed -n 's/^t=\([0-9]*\),v1=[0-9a-f]\{64\}$/\1/p' <<<"$sig")
[ -n "$t" ] || eo_fail "hwaseong's list is not signed: $(cat "$T/headers")"
[ "$(mac "$(cat "$T/pull.secret")" "$t" "$T/body")" = "${sig##*v1=}" ] ||
  eo_fail "hwaseong's list is not signed with its own secret"
[ "$(mac "$SECRET" "$t" "$T/body")" != "${sig##*v1=}" ] || eo_fail "hwaseong's list verifies with suwon's secret"
echo "handoff.pull_signed: ok"
