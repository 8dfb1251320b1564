#!/bin/bash
# ops.install: `make install` into a chroot-like prefix (DESTDIR, outside the build tree),
# then the INSTALLED eonjena, run from /, finds its configuration, data and units where
# the installation put them (never the checkout), serves /v1/health, tells systemd it is
# ready (sd_notify, to a stand-in notification socket) and takes a request.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP
R=$(mktemp -d /tmp/eonjena-install.XXXXXX) # outside the build tree: an installation
trap 'eo_cleanup; rm -rf "$R"' EXIT

DESTDIR="$R" cmake --install "$B" --prefix /usr/local >"$T/install.log"
for f in usr/local/bin/eonjena usr/local/bin/eonjena-matcher usr/local/bin/eonjena-gateway \
         usr/local/share/eonjena/dong/dong.tsv usr/local/share/eonjena/holidays.tsv \
         usr/local/share/doc/eonjena/operations.md \
         usr/local/lib/systemd/system/eonjena.service var/lib/eonjena/holidays.tsv; do
  [ -e "$R/$f" ] || eo_fail "not installed: /$f"
done
[ -e "$R/etc/eonjena/eonjena.cfg" ] || eo_fail "not installed: the configuration"
[ "$(stat -c %a "$R/var/lib/eonjena")" = 700 ] || eo_fail "/var/lib/eonjena is not 0700"
grep -q '^    store = "/var/lib/eonjena/store"' "$R/etc/eonjena/eonjena.cfg" &&
  grep -q '^    keys_file = "/var/lib/eonjena/keys"' "$R/etc/eonjena/eonjena.cfg" &&
  grep -q '^    carers = 0' "$R/etc/eonjena/eonjena.cfg" ||
  eo_fail "the installed configuration keeps the checkout's paths or demo carers"
grep -q '^ExecStart=/usr/local/bin/eonjena serve --config /etc/eonjena/eonjena.cfg' \
  "$R/usr/local/lib/systemd/system/eonjena.service" || eo_fail "the unit names no installed binary"
# installing again keeps an edited configuration, writing the new one next to it
echo "# edited" >>"$R/etc/eonjena/eonjena.cfg"
DESTDIR="$R" cmake --install "$B" --prefix /usr/local >/dev/null
grep -q '^# edited' "$R/etc/eonjena/eonjena.cfg" && [ -e "$R/etc/eonjena/eonjena.cfg.dist" ] ||
  eo_fail "a second install overwrote the edited configuration"

# from /, with the installed configuration: the state goes where the variables say
P=$(eo_free_port)
S="$T/state"
mkdir -p "$S"
export EONJENA_SERVER_STORE="$S/store" EONJENA_GATEWAY_KEYS_FILE="$S/keys" \
  EONJENA_RULES_HOLIDAYS="$R/var/lib/eonjena/holidays.tsv" \
  EONJENA_HANDOFF_HOLIDAYS="$R/var/lib/eonjena/holidays.tsv" \
  EONJENA_GATEWAY_LISTEN="127.0.0.1:$P" EONJENA_GATEWAY_INSECURE_DEMO=1 EONJENA_DEMO_CARERS=200
cfg="$R/etc/eonjena/eonjena.cfg"
(cd / && "$R/usr/local/bin/eonjena" config check --config "$cfg") >"$T/check.out"
grep -q "^# an installed executable; data files in $R/usr/local/share/eonjena$" "$T/check.out" ||
  eo_fail "the installed eonjena does not use its own data: $(tail -1 "$T/check.out")"
grep -q "^server/store = \"$S/store\" *# EONJENA_SERVER_STORE$" "$T/check.out" ||
  eo_fail "the store is not the variable's"

"$B/tests/ops/notify_listen" "$T/notify" 60 >"$T/notify.out" &
EO_PIDS+=($!)
listener=$!
eo_wait_for "the notification socket" 10 grep -q listening "$T/notify.out"
cd /
eo_start serve env NOTIFY_SOCKET="$T/notify" "$R/usr/local/bin/eonjena" serve --config "$cfg" \
  --init --clock offset:2026-11-27T19:00:00+09:00
eo_wait_for "the installed server's health" 60 curl -sf "http://127.0.0.1:$P/v1/health"
wait "$listener" || eo_fail "no READY=1 from the installed server: $(cat "$T/notify.out")"
grep -q '^STATUS=serving' "$T/notify.out" || eo_fail "no status line: $(cat "$T/notify.out")"
[ -e "$S/store/data.mdb" ] || eo_fail "the store is not where the variable says"
[ ! -e /var/store ] && [ ! -e "/var/lib/eonjena/store" ] || true
grep -q "demo: loaded 200 W1 carers" "$T/serve.log" || eo_fail "$(cat "$T/serve.log")"
body='{"site":"suwon","dong":"4111156000","start":"2026-11-27T22:00","end":"2026-11-28T00:00",
  "channel":"call_centre","member":{"id":"m-1","phone":"010-1234-5678","verified":true},
  "child":{"first_name":"서연","age_months":60},"address":"수원시 장안구 파장로 1"}'
code=$(curl -s -o "$T/created.json" -w '%{http_code}' -X POST -d "$body" "http://127.0.0.1:$P/v1/requests")
[ "$code" = 201 ] || eo_fail "intake answered $code: $(cat "$T/created.json")"
kill -TERM "$PID_serve"; wait "$PID_serve" || eo_fail "the installed server did not stop cleanly"
echo "ops.install: ok (installed in $R, served from /)"
