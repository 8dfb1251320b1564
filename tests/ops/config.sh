#!/bin/bash
# ops.config: a configuration with an unknown key or a bad value refuses to start (serve
# and a role), naming the file, line and key; an EONJENA_* variable wins over the file
# and an option over both; a variable that names no key refuses; `eonjena config check`
# prints the effective configuration with secrets masked.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP

# the shipped file is valid for a demo; outside one its pull providers need their keys
# first (handoff.pull_unsigned_refused), which check names with their lines
EONJENA_GATEWAY_INSECURE_DEMO=1 "$B/eonjena" config check --config "$EO_SOURCE_DIR/etc/eonjena.cfg" \
  >"$T/check.out" 2>"$T/check.err"
grep -q '^matcher/wave_k = "10" .*etc/eonjena.cfg:[0-9]' "$T/check.out" || eo_fail "check: $(head "$T/check.out")"
rc=0; "$B/eonjena" config check --config "$EO_SOURCE_DIR/etc/eonjena.cfg" >/dev/null 2>"$T/shipped.err" || rc=$?
[ "$rc" = 1 ] && grep -q 'etc/eonjena.cfg:[0-9]*: providers/suwon-provider: a pull provider without secret' \
  "$T/shipped.err" || eo_fail "check of the shipped file outside a demo (exit $rc): $(head -3 "$T/shipped.err")"

# a typo: refused by serve, by a role and by config check, naming file:line and key
P=$(eo_free_port)
eo_config "$P" "$T/good.cfg"
sed 's/^\(    wave_k = \)10/\1 10\n    wave_kk = 3/' "$T/good.cfg" >"$T/typo.cfg"
line=$(grep -n 'wave_kk' "$T/typo.cfg" | cut -d: -f1)
rc=0; "$B/eonjena" serve --config "$T/typo.cfg" --store "$T/s1" --init >"$T/serve.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || eo_fail "serve with a typo: exit $rc: $(cat "$T/serve.log")"
grep -q "typo.cfg:$line: matcher/wave_kk: unknown key" "$T/serve.log" || eo_fail "serve: $(cat "$T/serve.log")"
[ ! -e "$T/s1" ] || eo_fail "serve created a store with a refused configuration"
rc=0; "$B/eonjena-matcher" --config "$T/typo.cfg" --store "$T/m" --init >"$T/matcher.log" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "typo.cfg:$line: matcher/wave_kk: unknown key" "$T/matcher.log" ||
  eo_fail "matcher with a typo: exit $rc: $(cat "$T/matcher.log")"
rc=0; "$B/eonjena" config check --config "$T/typo.cfg" >/dev/null 2>"$T/check.err" || rc=$?
[ "$rc" = 1 ] && grep -q "typo.cfg:$line: matcher/wave_kk: unknown key" "$T/check.err" ||
  eo_fail "config check of a typo: exit $rc"

# a bad value and a retired key: each problem is named
sed -e 's/^\(    threads = \).*/\1many/' -e 's/^server$/server\n    var = "x"/' "$T/good.cfg" >"$T/bad.cfg"
rc=0; "$B/eonjena" config check --config "$T/bad.cfg" >/dev/null 2>"$T/bad.err" || rc=$?
[ "$rc" = 1 ] || eo_fail "config check of bad values: exit $rc"
grep -q "bad.cfg:[0-9]*: gateway/threads: 'many' is not a whole number from 1 to 1024" "$T/bad.err" &&
  grep -q "bad.cfg:[0-9]*: server/var is no longer read" "$T/bad.err" || eo_fail "bad values: $(cat "$T/bad.err")"

# the environment wins over the file, an option over both
P2=$(eo_free_port)
eo_start env env EONJENA_GATEWAY_LISTEN="127.0.0.1:$P2" EONJENA_LOG_LEVEL=debug \
  "$B/eonjena" serve --config "$T/good.cfg" --store "$T/s2" --init --carers 10
eo_wait_for "serve on the variable's port" 30 curl -sf "http://127.0.0.1:$P2/v1/health"
if curl -s "http://127.0.0.1:$P/v1/health" >/dev/null; then eo_fail "the file's port answers too"; fi
kill -TERM "$PID_env"; wait "$PID_env"
grep -q " debug " "$T/env.log" || eo_fail "EONJENA_LOG_LEVEL=debug logged no debug line"
P3=$(eo_free_port)
eo_start opt env EONJENA_GATEWAY_LISTEN="127.0.0.1:$P2" \
  "$B/eonjena" serve --config "$T/good.cfg" --store "$T/s2" --listen "127.0.0.1:$P3"
eo_wait_for "serve on the option's port" 30 curl -sf "http://127.0.0.1:$P3/v1/health"
kill -TERM "$PID_opt"; wait "$PID_opt"

# a variable that names no key, or a bad value in one, refuses to start
rc=0; EONJENA_GATEWAY_LISTN=x "$B/eonjena" serve --config "$T/good.cfg" --store "$T/s2" \
  >"$T/listn.log" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "EONJENA_GATEWAY_LISTN: no such configuration key" "$T/listn.log" ||
  eo_fail "an unknown variable: exit $rc: $(cat "$T/listn.log")"
rc=0; EONJENA_MATCHER_WAVE_K=0 "$B/eonjena" config check --config "$T/good.cfg" >/dev/null \
  2>"$T/envbad.err" || rc=$?
[ "$rc" = 1 ] && grep -q "EONJENA_MATCHER_WAVE_K (matcher/wave_k): '0' is not a whole number" \
  "$T/envbad.err" || eo_fail "a bad variable: exit $rc: $(cat "$T/envbad.err")"

# config check: where each value came from, secrets masked
sed 's/^    adapters$/    adapters\n        kannel\n            type = "kannel"\n            password = "s3cret-pw"/' \
  "$T/good.cfg" >"$T/secret.cfg"
EONJENA_SMS_ADAPTERS_KANNEL_USERNAME=ops EONJENA_MATCHER_WAVE_K=12 \
  "$B/eonjena" config check --config "$T/secret.cfg" >"$T/secret.out"
grep -q '^sms/adapters/kannel/password = "\*\*\*\*"' "$T/secret.out" || eo_fail "password not masked"
if grep -q 's3cret-pw' "$T/secret.out"; then eo_fail "the password is printed"; fi
grep -q '^sms/adapters/kannel/username = "ops" *# EONJENA_SMS_ADAPTERS_KANNEL_USERNAME$' "$T/secret.out" &&
  grep -q '^matcher/wave_k = "12" *# EONJENA_MATCHER_WAVE_K$' "$T/secret.out" &&
  grep -q '^matcher/sync_delay_ms = "0" *# default$' "$T/secret.out" || eo_fail "origins: $(cat "$T/secret.out")"
echo "ops.config: ok"
