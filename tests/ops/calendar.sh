#!/bin/bash
# ops.calendar: a holiday calendar that ends within rules/calendar_warn_days warns ahead:
# a warning in the server's log, in GET /v1/ready (which stays ready) and from
# `eonjena check`; the shipped calendar, a year ahead, warns nowhere.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP
NOW=2026-11-27T19:00:00+09:00
P=$(eo_free_port)
eo_config "$P" "$T/eonjena.cfg"
API="http://127.0.0.1:$P"
"$B/eonjena" demo --store "$T/store" --carers 50 --clock "manual:$NOW" 2>/dev/null

# run DESCRIPTION: serve with the calendar of the environment, its ready answer and log
# (a matcher looks at the calendar before it answers anything, so also the ready probe)
run() {
  eo_start "serve_$1" "$B/eonjena" serve --config "$T/eonjena.cfg" --store "$T/store" \
    --clock "offset:$NOW"
  eo_wait_for "serve ($1)" 30 sh -c "curl -sf '$API/v1/ready' >'$T/ready-$1.json'"
  local pid
  eval "pid=\$PID_serve_$1"
  kill -TERM "$pid" && wait "$pid" || true
  "$B/eonjena" check --store "$T/store" --clock "manual:$NOW" >"$T/check-$1.out"
}

# the shipped calendar (through 2027): no warning anywhere
export EONJENA_RULES_CALENDAR_WARN_DAYS=90
run shipped
grep -q '"days_left":399' "$T/ready-shipped.json" || eo_fail "ready: $(cat "$T/ready-shipped.json")"
grep -q '"warnings":\[\]' "$T/ready-shipped.json" || eo_fail "ready warns: $(cat "$T/ready-shipped.json")"
! grep -q 'holiday calendar' "$T/serve_shipped.log" || eo_fail "the log warns of the shipped calendar"
grep -q '^ok' "$T/check-shipped.out" && ! grep -q '^warning' "$T/check-shipped.out" ||
  eo_fail "check: $(cat "$T/check-shipped.out")"

# a calendar that lists 2026 only ends on 2026-12-31: 34 days after NOW
grep -E '^(#|2026-)' "$EO_SOURCE_DIR/data/holidays.tsv" >"$T/holidays-2026.tsv"
export EONJENA_RULES_HOLIDAYS=$T/holidays-2026.tsv
run short
grep -q '"status":"ready"' "$T/ready-short.json" || eo_fail "not ready: $(cat "$T/ready-short.json")"
grep -q '"ends":"2026-12-31","days_left":34' "$T/ready-short.json" ||
  eo_fail "ready: $(cat "$T/ready-short.json")"
grep -q '"warnings":\["the holiday calendar ends on 2026-12-31, in 34 days' "$T/ready-short.json" ||
  eo_fail "ready does not warn: $(cat "$T/ready-short.json")"
grep -q ' warn matcher: the holiday calendar ends on 2026-12-31, in 34 days.*holidays-2026.tsv' \
  "$T/serve_short.log" || eo_fail "no warning in the log: $(grep -c . "$T/serve_short.log") lines"
grep -q '^warning: the holiday calendar ends on 2026-12-31, in 34 days' "$T/check-short.out" ||
  eo_fail "check: $(cat "$T/check-short.out")"
# the threshold is the configuration's
EONJENA_RULES_CALENDAR_WARN_DAYS=30 "$B/eonjena" check --store "$T/store" --clock "manual:$NOW" |
  grep -q '^warning' && eo_fail "warned at 34 days with calendar_warn_days 30"
echo "ok: the calendar's end is warned of in the log, in ready and by check"
