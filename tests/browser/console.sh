#!/bin/bash
# browser.console: the operators' console in a real browser (Debian's chromium, headless,
# driven by playwright-core: console.mjs) against `eonjena serve` with real credentials:
# an operator logs in, takes a phone request through the form, sees it settle on the
# live board through the simulated carers, opens the case's journal, cancels a second
# request, and uses the operators' actions of the case drawer (reschedule, re-offer,
# assign, close, and refusals of two). Screenshots are left in $EO_TEST_TMP/shots (the
# build tree).
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP/shots"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP
CHROMIUM=${EO_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || eo_fail "no chromium at $CHROMIUM: run make deps (or set EO_CHROMIUM)"
command -v node >/dev/null && command -v npm >/dev/null || eo_fail "no node or npm: run make deps"

# playwright-core as pinned by package-lock.json, installed into the build tree (make
# deps does the same; this covers a build tree made after it). npm ci is exact: it
# fails rather than take another version.
NODE_DIR=$B/tests/browser
if ! cmp -s "$EO_SOURCE_DIR/tests/browser/package-lock.json" "$NODE_DIR/package-lock.json" ||
  [ ! -d "$NODE_DIR/node_modules/playwright-core" ]; then
  mkdir -p "$NODE_DIR"
  cp "$EO_SOURCE_DIR/tests/browser/package.json" "$EO_SOURCE_DIR/tests/browser/package-lock.json" "$NODE_DIR/"
  if ! (cd "$NODE_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error); then
    # the npm registry out of reach (no network, or a proxy whose certificate npm does
    # not trust): the test cannot run here; ctest reports it skipped (77), not passed
    echo "SKIPPED: npm ci of playwright-core failed (tests/browser/package-lock.json):" \
      "the npm registry cannot be reached from this machine" >&2
    exit 77
  fi
fi

# Real credentials (no demo mode): the operator kim of suwon, a console account. The
# simulated carers answer within 100 ms and always accept, so that a request settles in
# the first wave.
PORT=$(eo_free_port)
API=http://127.0.0.1:$PORT
eo_keyed_config "$PORT" "$T/eonjena.cfg"
sed -i -e 's/^\(            delay_ms = \).*/\150/' -e 's/^\(            jitter_ms = \).*/\150/' \
  -e 's/^\(            accept = \).*/\11.0/' -e 's/^\(            decline = \).*/\10.0/' "$T/eonjena.cfg"
grep -q '^            accept = 1.0' "$T/eonjena.cfg" || eo_fail "config: the simulated carers not set"
echo 'night-shift-pw-1' | "$B/eonjena" key passwd kim --role operator --sites suwon \
  --config "$T/eonjena.cfg" >/dev/null

# Friday 19:00 in Seoul (the call centre's pool hours), the clock running from there.
eo_start serve "$B/eonjena" serve --init --matchers 1 --config "$T/eonjena.cfg" --store "$T/var/store" \
  --clock "offset:2026-11-27T19:00:00.437+09:00" --carers 2000
eo_wait_for "serve" 30 curl -sf "$API/v1/health"
eo_wait_for "serve to be ready" 30 curl -sf "$API/v1/ready"

# The page's files: each with the policy that keeps out other hosts and inline code; a
# file that is not the console's is 404, also by a path that climbs.
curl -s -D "$T/page.h" -o "$T/page.html" "$API/console"
grep -qi "^content-security-policy: default-src 'self'" "$T/page.h" || eo_fail "no CSP on /console: $(cat "$T/page.h")"
grep -qi '^content-type: text/html; charset=utf-8' "$T/page.h" || eo_fail "the page's type: $(cat "$T/page.h")"
grep -q 'src="/console/app.js"' "$T/page.html" || eo_fail "the page does not load app.js"
! grep -qiE '<script>|style=|https?://' "$T/page.html" || eo_fail "inline code or another host in the page"
for f in nothing.js ../../CMakeLists.txt %2e%2e/CMakeLists.txt embed.cmake; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$API/console/$f")
  [ "$code" = 404 ] || eo_fail "/console/$f answered $code"
done
# an ended session's cookie (sessions live in memory: a restart ends them all) does not
# lock the operator out of the page or the login: it is cleared there, and refused (401)
# where data is
STALE="Cookie: eo_session=0123456789abcdef0123456789abcdef"
curl -s -D "$T/stale.h" -o /dev/null -H "$STALE" "$API/console"
grep -q '^HTTP/1.1 200' "$T/stale.h" && grep -qi '^set-cookie: eo_session=;.*max-age=0' "$T/stale.h" \
  || eo_fail "a stale session on /console: $(cat "$T/stale.h")"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$STALE" "$API/v1/providers/suwon-provider/handoffs")
[ "$code" = 401 ] || eo_fail "a stale session reads the hand-off queue: $code"

# the reference the 동 picker and the site list use
curl -s "$API/v1/dongs?site=suwon" | grep -q '"code":"4111156000","name":"파장동","sigungu":"수원시 장안구"' \
  || eo_fail "GET /v1/dongs?site=suwon lacks 파장동"
curl -s "$API/v1/dongs?site=nowhere" | grep -q '"code":"unknown_site"' || eo_fail "an unknown site's 동 list"
curl -s "$API/v1/sites" | grep -q '"slug":"suwon","name":"수원시".*"id":"suwon-provider"' \
  || eo_fail "GET /v1/sites lacks suwon and its provider"
! curl -s "$API/v1/sites" | grep -qiE 'secret|url|contact' || eo_fail "GET /v1/sites says more than it should"

# The journal and cancel routes may not be in this gateway yet (they come with the API
# of issue 19): the route table says, and the page must then say so instead of failing.
"$B/tests/auth/eo_routes_dump" >"$T/routes"
has() { grep -qx "$1" "$T/routes" && echo 1 || echo 0; }
export EO_HAS_EVENTS=$(has 'GET /v1/requests/\*/events')
export EO_HAS_CANCEL=$(has 'POST /v1/requests/\*/cancel')
export EO_HAS_LIST=$(has 'GET /v1/requests')
export EO_HAS_CARERS=$(has 'GET /v1/carers')
ops=0
for a in assign reoffer reschedule close; do ops=$((ops + $(has "POST /v1/requests/\\*/$a"))); done
export EO_HAS_OPS=$((ops == 4 ? 1 : 0))

NODE_PATH=$NODE_DIR/node_modules EO_URL=$API EO_SHOTS=$T/shots EO_CHROMIUM=$CHROMIUM \
  node "$EO_SOURCE_DIR/tests/browser/console.mjs" || eo_fail "the console test failed (screenshots: $T/shots)"

# what the page did is what the server recorded
kill -TERM "$PID_serve"; wait "$PID_serve" || eo_fail "serve exit status $?"
"$B/eonjena" check --store "$T/var/store" || eo_fail "eonjena check found a violation"
FIRST=$(cat "$T/shots/first.id")
"$B/eonjena" log "$FIRST" --store "$T/var/store" >"$T/journal"
grep -q "caller:kim .*received" "$T/journal" || eo_fail "the journal does not name the operator: $(cat "$T/journal")"
grep -q "settled" "$T/journal" || eo_fail "the first request did not settle: $(cat "$T/journal")"
# the operators' actions of the case drawer, as the store recorded them: A rescheduled
# and re-offered, B assigned and closed, each line naming the operator
if [ "$EO_HAS_OPS" = 1 ]; then
  mapfile -t OPS <"$T/shots/ops.ids"
  [ "${#OPS[@]}" = 2 ] || eo_fail "ops.ids: ${OPS[*]}"
  "$B/eonjena" log "${OPS[0]}" --store "$T/var/store" >"$T/journal.a"
  "$B/eonjena" log "${OPS[1]}" --store "$T/var/store" >"$T/journal.b"
  grep -q "operator:kim reschedule .*from=" "$T/journal.a" &&
    grep -q "operator:kim reoffer " "$T/journal.a" || eo_fail "A's reschedule and re-offer by kim: $(cat "$T/journal.a")"
  grep -q "full offering->settled" "$T/journal.a" || eo_fail "A did not settle after the re-offer: $(cat "$T/journal.a")"
  grep -q "operator:kim assign .*assigned=" "$T/journal.b" || eo_fail "B's assignment by kim: $(cat "$T/journal.b")"
  grep -q "operator:kim close settled->closed .*reason=보호자가 다른 돌봄을 구함" "$T/journal.b" \
    || eo_fail "B's closing by kim: $(cat "$T/journal.b")"
fi
ls "$T"/shots/*.png >/dev/null || eo_fail "no screenshots"
echo "browser.console: ok (screenshots in $T/shots)"
