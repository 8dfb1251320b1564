#!/bin/bash
# handoff.pull_unsigned_refused: a pull provider without secret or secret_file would get
# its hand-off lists (names, phones, addresses) unsigned, so a configuration with one is
# refused at start: `eonjena serve` and `eonjena-gateway` exit 1 naming the provider and
# its FILE:LINE and make no store, and `eonjena config check` reports it (exit 1). With
# --insecure-demo the server starts, warns loudly naming the provider, and serves that
# provider's list unsigned; `config check` then passes with a warning.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP
PORT=$(eo_free_port)
API=http://127.0.0.1:$PORT
CFG=$T/eonjena.cfg
eo_keyed_config "$PORT" "$CFG"
"$B/eonjena" key add --config "$CFG" --role admin >"$T/admin.key"
# every provider has its key but hwaseong's: take its secret_file line away
sed -i '/^    hwaseong-provider$/,/^        secret_file = /{/^        secret_file = /d}' "$CFG"
line=$(grep -n '^    hwaseong-provider$' "$CFG" | cut -d: -f1)
[ -n "$line" ] || eo_fail "config: no hwaseong-provider"
[ "$(grep -c '^        secret_file = ' "$CFG")" = "$(($(grep -c '^        mode = pull$' "$CFG") - 1))" ] ||
  eo_fail "config: not exactly one pull provider without its secret"
want="eonjena.cfg:$line: providers/hwaseong-provider: a pull provider without secret or secret_file"

# refused: serve (no store made), the gateway as its own process, config check
rc=0
"$B/eonjena" serve --config "$CFG" --store "$T/refused" --init --listen "127.0.0.1:$PORT" \
  >"$T/refused.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || eo_fail "serve started with an unsigned pull provider (exit $rc): $(tail -3 "$T/refused.log")"
grep -qF "serve: configuration refused: $T/$want" "$T/refused.log" || eo_fail "serve: $(cat "$T/refused.log")"
[ ! -e "$T/refused" ] || eo_fail "serve made a store with a refused configuration"
if grep -q 'suwon-provider' "$T/refused.log"; then eo_fail "a provider with a secret was named"; fi
rc=0
"$B/eonjena-gateway" --config "$CFG" --store "$T/refused" >"$T/gateway.log" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -qF "$want" "$T/gateway.log" || eo_fail "eonjena-gateway (exit $rc): $(cat "$T/gateway.log")"
rc=0
"$B/eonjena" config check --config "$CFG" >/dev/null 2>"$T/check.err" || rc=$?
[ "$rc" = 1 ] && grep -qF "$want" "$T/check.err" || eo_fail "config check (exit $rc): $(cat "$T/check.err")"
echo "refused: $(grep -m1 -F "$want" "$T/check.err")"

# a demo: allowed, with a loud warning naming it; the list goes out unsigned
rc=0
EONJENA_GATEWAY_INSECURE_DEMO=1 "$B/eonjena" config check --config "$CFG" >/dev/null 2>"$T/demo-check.err" || rc=$?
[ "$rc" = 0 ] && grep -qF "warning: allowed only as an insecure demo (gateway/insecure_demo = 1): $T/$want" \
  "$T/demo-check.err" || eo_fail "config check of a demo (exit $rc): $(cat "$T/demo-check.err")"
eo_start serve "$B/eonjena" serve --config "$CFG" --store "$T/store" --init --carers 100 \
  --listen "127.0.0.1:$PORT" --insecure-demo
eo_wait_for "the demo server" 30 curl -sf "$API/v1/health"
grep -qF "serve: INSECURE DEMO: $T/$want" "$T/serve.log" || eo_fail "no warning naming the provider: $(head "$T/serve.log")"
grep -q "INSECURE DEMO: pull providers get their hand-off lists UNSIGNED" "$T/serve.log" || eo_fail "no summary warning"
curl -s -D "$T/headers" -o "$T/body" "$API/v1/providers/hwaseong-provider/handoffs"
grep -q '"items":\[\]' "$T/body" || eo_fail "hwaseong's list: $(cat "$T/body")"
if grep -qi '^X-Eonjena-Signature' "$T/headers"; then eo_fail "a list signed without a secret"; fi
curl -s -D "$T/headers" -o "$T/body" "$API/v1/providers/suwon-provider/handoffs"
grep -qi '^X-Eonjena-Signature: t=' "$T/headers" || eo_fail "suwon's list is not signed in the demo"
kill -TERM "$PID_serve"
wait "$PID_serve" || eo_fail "the demo server did not stop cleanly"
echo "handoff.pull_unsigned_refused: ok"
