#!/bin/bash
# api.tls: the gateway over TLS (gateway/tls_cert, tls_key): a client that trusts the
# certificate gets its answers over https, plain http to the port gets none, the console
# session cookie is Secure, and a key file others may read refuses to start.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP
PORT=$(eo_free_port)
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
chmod 644 "$T/key.pem"
eo_keyed_config "$PORT" "$T/eonjena.cfg" "tls_cert=\"$T/cert.pem\"" "tls_key=\"$T/key.pem\""
echo 'night-shift-pw-1' | "$B/eonjena" key passwd kim --role operator --sites suwon --config "$T/eonjena.cfg" >/dev/null

# a key others may read: refused, and the log says what to do
if "$B/eonjena" serve --init --config "$T/eonjena.cfg" --store "$T/var/store" >"$T/refused.log" 2>&1; then
  eo_fail "serve started with a world-readable TLS key"
fi
grep -q "chmod 600" "$T/refused.log" || eo_fail "no advice: $(cat "$T/refused.log")"
chmod 600 "$T/key.pem"

eo_start serve "$B/eonjena" serve --init --config "$T/eonjena.cfg" --store "$T/var/store" --carers 50
eo_wait_for "serve over https" 30 curl -sf --cacert "$T/cert.pem" "https://127.0.0.1:$PORT/v1/health"
curl -sf --cacert "$T/cert.pem" "https://127.0.0.1:$PORT/v1/health" | grep -q '"status":"ok"' || eo_fail "health over https"
if curl -s -m 5 "http://127.0.0.1:$PORT/v1/health" >"$T/plain.out" 2>&1; then
  grep -q '"status"' "$T/plain.out" && eo_fail "plain http answered on the TLS port"
fi
curl -s --cacert "$T/cert.pem" -D "$T/headers" -o /dev/null -X POST "https://127.0.0.1:$PORT/v1/session" \
  -d '{"id":"kim","password":"night-shift-pw-1"}'
grep -i '^Set-Cookie: eo_session=' "$T/headers" | grep -q 'Secure' || eo_fail "the session cookie is not Secure: $(cat "$T/headers")"
grep -q "listening on https://" "$T/serve.log" || eo_fail "the log does not say https"
echo "api.tls: ok"
