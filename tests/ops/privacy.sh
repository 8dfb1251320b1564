#!/bin/bash
# privacy.logs: no log line carries personal data. `eonjena serve` (every role in one
# process, log level debug) takes requests whose phones are written in every usual way,
# with addresses and children's names, refused ones too (bad phone, bad dong, bad JSON),
# the simulated carers answer them by SMS, one is escalated; then every line it logged
# is searched for the members' and carers' phone numbers unmasked (any Korean mobile or
# E.164 number), the addresses, the children's and the carers' names. One hit fails.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP
NOW=2026-11-27T19:00:00+09:00
P=$(eo_free_port)
eo_config "$P" "$T/eonjena.cfg"
API="http://127.0.0.1:$P"
export EONJENA_LOG_LEVEL=debug

# the test data: phones in three writings, addresses, children
PHONES=("010-2345-6789" "01034567890" "+821045678901")
ADDRS=("수원시 장안구 파장로 17" "화성시 봉담읍 동화길 23" "남양주시 화도읍 마석로 9")
KIDS=("김서연" "이하준" "박지우")

# leaks FILE: print the lines of FILE that carry personal data
leaks() {
  {
    grep -nE '(^|[^0-9a-fA-F*])(\+?82[ -]?|0)1[016789][ -]?[0-9]{3,4}[ -]?[0-9]{4}([^0-9a-fA-F]|$)' "$1"
    grep -nE '\+[0-9]{8,15}' "$1"
    grep -nF -e "${ADDRS[0]}" -e "${ADDRS[1]}" -e "${ADDRS[2]}" -e "${KIDS[0]}" -e "${KIDS[1]}" \
      -e "${KIDS[2]}" -e "돌보미" -e "파장로" -e "동화길" -e "마석로" "$1"
  } || true
}
# the search itself finds each kind (else this test could not fail)
for probe in "phone=${PHONES[0]}" "to ${PHONES[1]}" "from ${PHONES[2]}" "+14155550123" \
             "at ${ADDRS[1]}" "child ${KIDS[2]}" "carer 돌보미7"; do
  echo "2026-11-27T19:00:00.000+09:00 info x: $probe" >"$T/probe.log"
  [ -n "$(leaks "$T/probe.log")" ] || eo_fail "the search misses '$probe'"
done
echo "2026-11-27T19:00:00.000+09:00 info x: +82 10-****-6789 ****0123 req=suwon-0101234567ab" >"$T/probe.log"
[ -z "$(leaks "$T/probe.log")" ] || eo_fail "the search flags masked numbers: $(leaks "$T/probe.log")"

eo_start serve "$B/eonjena" serve --config "$T/eonjena.cfg" --store "$T/store" --init \
  --carers 300 --clock "offset:$NOW"
eo_wait_for "serve" 30 curl -sf "$API/v1/health"

body() { # SITE DONG PHONE ADDRESS CHILD
  echo "{\"site\":\"$1\",\"dong\":\"$2\",\"start\":\"2026-11-27T22:00\",
    \"end\":\"2026-11-27T23:30\",\"channel\":\"call_centre\",\"member\":{\"id\":\"m-$RANDOM\",
    \"phone\":\"$3\",\"verified\":true},\"child\":{\"first_name\":\"$5\",\"age_months\":60},
    \"address\":\"$4\"}"
}
ids=()
sites=(suwon hwaseong namyangju)
dongs=(4111354000 4159053000 4136034000)
for i in 0 1 2; do
  ids+=("$(curl -s -X POST -d "$(body "${sites[$i]}" "${dongs[$i]}" "${PHONES[$i]}" "${ADDRS[$i]}" \
    "${KIDS[$i]}")" "$API/v1/requests" | eo_json id)")
  [ -n "${ids[-1]}" ] || eo_fail "request $i refused"
done
# one where nobody can come (escalated: the call centre and the provider are told)
ids+=("$(curl -s -X POST -d "$(body siheung 4139051000 "${PHONES[0]}" "${ADDRS[0]}" "${KIDS[0]}")" \
  "$API/v1/requests" | eo_json id)")
# refused: a bad phone, a dong of another site, a body that is no JSON
curl -s -X POST -d "$(body suwon 4111354000 "010-2345-67" "${ADDRS[0]}" "${KIDS[0]}")" \
  "$API/v1/requests" | grep -q '"error"' || eo_fail "a bad phone was taken"
curl -s -X POST -d "$(body suwon 4159053000 "${PHONES[1]}" "${ADDRS[1]}" "${KIDS[1]}")" \
  "$API/v1/requests" | grep -q '"error"' || eo_fail "a dong of another site was taken"
curl -s -X POST -d "{\"member\":{\"phone\":\"${PHONES[2]}\"},\"address\":\"${ADDRS[2]}\"" \
  "$API/v1/requests" | grep -q '"error"' || eo_fail "a broken body was taken"
decided() { curl -sf "$API/v1/requests/$1" | grep -q '"state":"\(settled\|escalated\)"'; }
for id in "${ids[@]}"; do eo_wait_for "request $id decided" 30 decided "$id"; done
curl -sf "$API/v1/requests/${ids[0]}" | grep -q '"state":"settled"' ||
  eo_fail "no carer answered by SMS: $(curl -s "$API/v1/requests/${ids[0]}")"
kill -TERM "$PID_serve" && wait "$PID_serve" || true

lines=$(grep -c . "$T/serve.log")
[ "$lines" -gt 20 ] || eo_fail "only $lines log lines"
grep -q ' debug ' "$T/serve.log" || eo_fail "no debug line was logged"
found=$(leaks "$T/serve.log")
[ -z "$found" ] || eo_fail "personal data in the log:
$found"
echo "ok: $lines log lines (debug), no phone, address or name in any"
