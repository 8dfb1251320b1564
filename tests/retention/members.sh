#!/bin/bash
# retention.members_running: a member registered over the API (POST /v1/members) on a
# running server is gone (GET answers 404) once the privacy period has passed with no
# activity: the server is started again a year and two days later (offset clock,
# handoff/retention_years = 1) just before the daily run at 04:00, which deletes it; a
# member registered on that day stays. Its phone and child's name are in no log line.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
S=$EO_TEST_TMP/store
PORT=$(eo_free_port)
API=http://127.0.0.1:$PORT
eo_config "$PORT" "$EO_TEST_TMP/eonjena.cfg"
eo_config_set "$EO_TEST_TMP/eonjena.cfg" retention_years=1 purge_hour=4
serve() { # serve CLOCK [--init]
  eo_serve "$EO_TEST_TMP/eonjena.cfg" "$S" "$PORT" "$1" --carers 100 "${@:2}"
}
member() { # member ID PHONE CHILD: registers it, prints the HTTP status
  curl -s -o "$EO_TEST_TMP/member.out" -w '%{http_code}' -X POST "$API/v1/members" \
    -d "{\"id\":\"$1\",\"site\":\"suwon\",\"phone\":\"$2\",\"children\":[{\"id\":\"c1\",\"first_name\":\"$3\"}]}"
}
status() { curl -s -o /dev/null -w '%{http_code}' "$API/v1/members/$1"; }

# Friday 27 November 2026: a member registers, and never asks for care
serve "offset:2026-11-27T19:00:00+09:00" --init
[ "$(member m-old 010-5550-7788 이든)" = 201 ] || eo_fail "register: $(cat "$EO_TEST_TMP/member.out")"
[ "$(status m-old)" = 200 ] || eo_fail "the new member cannot be read"
eo_serve_stop

# Monday 29 November 2027, 03:59:50: the run at 04:00 cuts at midnight 29 November 2026.
# Ten seconds before it leave room for a slow start (at 03:59:59 the run came before the
# first check now and then on a loaded machine).
serve "offset:2027-11-29T03:59:50.300+09:00"
[ "$(status m-old)" = 200 ] || eo_fail "the member went before the daily run"
[ "$(member m-new 010-5550-9900 하린)" = 201 ] || eo_fail "register: $(cat "$EO_TEST_TMP/member.out")"
ran() { grep -q 'retention: .*, 1 members,' "$EO_TEST_TMP/serve.log"; }
eo_wait_for "the daily retention run to delete one member" 40 ran
[ "$(status m-old)" = 404 ] || eo_fail "the expired member is still served"
[ "$(status m-new)" = 200 ] || eo_fail "the member registered today went too"
eo_serve_stop
! grep -E '5550-?7788|이든|5550-?9900|하린' "$EO_TEST_TMP/all.log" || eo_fail "a member's personal data in the log"
echo "retention.members_running: ok (m-old deleted at 04:00 a year and two days on, m-new kept)"
