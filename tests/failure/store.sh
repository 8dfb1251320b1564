#!/bin/bash
# failure.store: damaged and missing stores are refused with a clear message, never
# started empty by mistake and never a crash (SIGBUS) or a silent "ok":
#   - a mistyped store path: every role refuses to start unless told --init;
#   - a zero-length data.mdb: refused (restore a backup, or --init for a new store);
#   - a store shorter than its own last page: refused before it is mapped, by the
#     roles, `eonjena check` and `eonjena log`;
#   - random bytes in the middle: `eonjena check` says it is damaged (exit 1).
set -euo pipefail
. "$(dirname "$0")/../e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP
CLOCK="manual:2026-11-27T19:00"
"$B/eonjena" demo --store "$T/good" --carers 3000 --seed 7 --clock "$CLOCK" >/dev/null

# start ROLE STORE: run a role until it exits (it must, by itself); print its log
start() {
  local rc=0
  timeout 20 "$B/eonjena-$1" --broker tcp://127.0.0.1:1 --store "$2" --clock "$CLOCK" \
    >"$T/$1.log" 2>&1 || rc=$?
  echo "$rc"
}

# 1. a mistyped path
for role in matcher sms handoff; do
  rc=$(start "$role" "$T/no-such-store")
  [ "$rc" = 1 ] || eo_fail "$role started on a missing store (exit $rc)"
  grep -q "no store at $T/no-such-store.*--init" "$T/$role.log" || eo_fail "$role: $(cat "$T/$role.log")"
  [ ! -e "$T/no-such-store/data.mdb" ] || eo_fail "$role created the store"
done
# (the shipped configuration has pull providers without secrets: a demo, so that the
# store is what stops it)
if "$B/eonjena" serve --insecure-demo --store "$T/no-such-store" --listen 127.0.0.1:1 >"$T/serve.log" 2>&1; then
  eo_fail "serve started on a missing store"
fi
grep -q "give --init" "$T/serve.log" || eo_fail "serve: $(cat "$T/serve.log")"

# 2. an empty data.mdb
mkdir -p "$T/empty" && : >"$T/empty/data.mdb"
rc=$(start matcher "$T/empty")
[ "$rc" = 1 ] && grep -q "is empty" "$T/matcher.log" || eo_fail "empty store: $(cat "$T/matcher.log")"

# 3. truncated: half the file
cp -r "$T/good" "$T/short"
size=$(stat -c %s "$T/short/data.mdb")
truncate -s $((size / 2)) "$T/short/data.mdb"
rc=$(start matcher "$T/short")
[ "$rc" = 1 ] && grep -q "damaged.*truncated" "$T/matcher.log" || eo_fail "truncated: $(cat "$T/matcher.log")"
rc=0; "$B/eonjena" check --store "$T/short" >"$T/check.out" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "truncated" "$T/check.out" || eo_fail "check on a truncated store: exit $rc: $(cat "$T/check.out")"
rc=0; "$B/eonjena" log some-id --store "$T/short" >"$T/log.out" 2>&1 || rc=$?
[ "$rc" != 0 ] && [ "$rc" -lt 128 ] && grep -q "truncated" "$T/log.out" ||
  eo_fail "log on a truncated store: exit $rc: $(cat "$T/log.out")"

# 4. random bytes over the middle of the file
cp -r "$T/good" "$T/noise"
size=$(stat -c %s "$T/noise/data.mdb")
dd if=/dev/urandom of="$T/noise/data.mdb" bs=4096 seek=$((size / 4096 / 3)) \
   count=$((size / 4096 / 3)) conv=notrunc status=none
rc=0; "$B/eonjena" check --store "$T/noise" >"$T/check.out" 2>&1 || rc=$?
echo "check on noise: exit $rc: $(head -c 300 "$T/check.out")"
[ "$rc" = 1 ] && grep -q "^damaged:" "$T/check.out" || eo_fail "check said: $(cat "$T/check.out")"

# the sound store still checks ok
"$B/eonjena" check --store "$T/good" | grep -q "^ok" || eo_fail "the good store does not check ok"
echo "failure.store: ok"
