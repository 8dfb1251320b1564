#!/bin/bash
# rules.cli: the real `eonjena quote` and `eonjena holiday` binaries on copies of the data
# files: adding a holiday or changing a fee changes the next quote without a rebuild; bad
# input gets a clear error, exit status 1 or 2, and leaves the file untouched.
set -eu
bin="$EO_BINARY_DIR/eonjena"
tmp="$EO_TEST_TMP"
rm -rf "$tmp" && mkdir -p "$tmp"
cp "$EO_SOURCE_DIR/data/rules.cfg" "$EO_SOURCE_DIR/data/fees.tsv" "$EO_SOURCE_DIR/data/holidays.tsv" "$tmp/"
files=(--rules "$tmp/rules.cfg" --fees "$tmp/fees.tsv" --holidays "$tmp/holidays.tsv")
fail() { echo "FAIL: $*"; exit 1; }
total() { jq -r '.member.total'; }
field() { jq -rc "$1"; }

# The DOMAIN example: Sunday 21:00 - Monday 01:00, requested 18:30 (2.5 h: surcharge, pool).
out=$("$bin" quote "${files[@]}" --site suwon --start 2026-11-29T21:00 --end 2026-11-30T01:00 --requested 2026-11-29T18:30)
[ "$(echo "$out" | total)" = 85900 ] || fail "Sunday example total: $out"
[ "$(echo "$out" | field '.carer.total')" = 64940 ] || fail "carer total"
[ "$(echo "$out" | field '.route.route')" = pool ] || fail "route"
[ "$(echo "$out" | field '[.member.lines[].rule]')" = '["visit.plus50","visit.plus100","visit.plus50","visit.surcharge"]' ] || fail "lines"

# Tuesday 2026-11-24 10-12 (no request time): 23,260.
q() { "$bin" quote "${files[@]}" --site suwon --start 2026-11-24T10:00 --end 2026-11-24T12:00; }
[ "$(q | total)" = 23260 ] || fail "weekday quote"

# Add a 임시공휴일 with the real command: the next quote uses the holiday day rate.
"$bin" holiday add 2026-11-24 "임시공휴일" --kind temporary --file "$tmp/holidays.tsv" >/dev/null
"$bin" holiday list --year 2026 --file "$tmp/holidays.tsv" | grep -q $'^2026-11-24\ttemporary\topen\t임시공휴일$' || fail "list"
[ "$(q | total)" = 34880 ] || fail "holiday quote: $(q)"
# Adding it again fails (exit 1) and changes nothing.
before=$(md5sum < "$tmp/holidays.tsv")
if "$bin" holiday add 2026-11-24 again --file "$tmp/holidays.tsv" 2>/dev/null; then fail "duplicate accepted"; fi
if "$bin" holiday add 2026-02-30 bad --file "$tmp/holidays.tsv" 2>/dev/null; then fail "bad date accepted"; fi
if "$bin" holiday add 2026-11-25 bad --kind substitute --closed --file "$tmp/holidays.tsv" 2>/dev/null; then fail "closed substitute accepted"; fi
[ "$(md5sum < "$tmp/holidays.tsv")" = "$before" ] || fail "refused edits changed the file"
"$bin" holiday remove 2026-11-24 --file "$tmp/holidays.tsv" >/dev/null
[ "$(q | total)" = 23260 ] || fail "holiday removed"
grep -q '^# --- 2026' "$tmp/holidays.tsv" || fail "comments lost"

# Change a fee: the next quote uses it.
sed -i 's/^2024-01-01\tvisit.base\t11630$/2024-01-01\tvisit.base\t12000/' "$tmp/fees.tsv"
[ "$(q | total)" = 24000 ] || fail "fee change"

# Refusals: exit 1, a machine code and both languages.
set +e
out=$("$bin" quote "${files[@]}" --site suwon --start 2026-11-24T10:00 --end 2026-11-24T11:30); rc=$?
set -e
[ $rc = 1 ] || fail "1.5 h should be refused (rc $rc)"
[ "$(echo "$out" | field '.error.code')" = duration ] || fail "duration code: $out"
grep -q '30분 단위' <<<"$out" || fail "Korean message"
set +e
out=$("$bin" quote "${files[@]}" --site seongnam --start 2026-11-24T10:00 --end 2026-11-24T12:00); rc=$?
set -e
[ $rc = 1 ] && [ "$(echo "$out" | field '.error.code')" = site_not_served ] || fail "성남 visit"
# The facility service in 성남 works, and says what the carer earns.
out=$("$bin" quote "${files[@]}" --site seongnam --type facility --start 2026-11-28T14:00 --end 2026-11-28T20:00 --requested 2026-11-27T10:00)
[ "$(echo "$out" | field '.carer.total')" = 180000 ] || fail "facility allowance: $out"
# The channel has the intake's names: the app is held to its hours, a person on the phone
# (call_centre, operator; "phone" is the old name of call_centre) is not.
code() { "$bin" quote "${files[@]}" --site suwon --start 2026-11-29T21:00 --end 2026-11-30T01:00 --requested 2026-11-29T05:00 "$@" | field '.error.code'; }
[ "$(code --channel app)" = app_hours ] || fail "app channel"
for ch in call_centre operator phone; do
  [ "$(code --channel $ch)" = before_business_hours ] || fail "channel $ch"
done
[ "$(code)" = before_business_hours ] || fail "no channel is call_centre"
set +e
err=$("$bin" quote "${files[@]}" --start 2026-11-24T10:00 --end 2026-11-24T12:00 --channel web 2>&1 >/dev/null); rc=$?
set -e
[ $rc = 2 ] && [[ "$err" == "eonjena quote: bad value for channel: 'web'"* ]] || fail "channel web: rc $rc, $err"
# Usage errors: exit 2, nothing printed on stdout.
set +e
out=$("$bin" quote "${files[@]}" --start tomorrow --end 2026-11-24T12:00 2>/dev/null); rc=$?
set -e
[ $rc = 2 ] && [ -z "$out" ] || fail "bad time: rc $rc"
set +e
"$bin" quote --frobnicate 1 >/dev/null 2>&1; rc=$?
set -e
[ $rc = 2 ] || fail "unknown option"
# An operator's restrictions on a real store: the refusal names the end date.
st="$tmp/store"
"$bin" restrict record m1 noshow --at 2026-11-01T10:00 --store "$st" | grep -q 'no restriction yet' || fail "noshow 1"
"$bin" restrict record m1 noshow --at 2026-11-02T10:00 --store "$st" >/dev/null
"$bin" restrict record m1 noshow --at 2026-11-03T10:00 --store "$st" | grep -q $'^m1\tnoshow\t2026-11-03T10:00:00+09:00\t2026-12-03T00:00:00+09:00' || fail "noshow 3"
"$bin" restrict check m1 --at 2026-11-20T10:00 --store "$st" | grep -q '2026-12-03부터 다시 이용할 수 있습니다' || fail "check ko"
"$bin" restrict check m1 --at 2026-12-03T00:00 --store "$st" | grep -q 'not restricted' || fail "ended"
"$bin" restrict impose m2 fraud --months 12 --at 2026-11-23T10:00 --store "$st" | grep -q $'\t2027-11-23T00:00:00+09:00\t12\toperator' || fail "impose"
set +e
"$bin" restrict impose m3 fraud --months 13 --store "$st" 2>/dev/null; rc=$?
set -e
[ $rc = 2 ] || fail "13 months accepted"
[ "$(stat -c %a "$st")" = 700 ] || fail "store mode"
echo "rules.cli: ok"
