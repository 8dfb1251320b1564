#!/bin/bash
# privacy.suite: runs after every other test (ctest DEPENDS, so `ctest -j2` orders it
# last) and searches every log line the suite's servers and roles wrote into the build
# tree's test folders (testtmp/*/*.log: `eo_start` keeps each process's log there) for
# personal data of the test data: an unmasked Korean mobile or E.164 number, a child's
# first name or an address that some test sends (collected from the tests' own sources).
# Only eonjena's log lines count ("<time> <level> ..."); what a test saves of an answer,
# and Kannel's own logs, are not ours. One hit fails. The search is first shown to find
# a planted unmasked phone, name and address (else it could not fail).
set -euo pipefail
export LC_ALL=C.UTF-8 # Hangul in the patterns below
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
T=$EO_TEST_TMP
ROOT=${EO_PRIVACY_ROOT:-$EO_BINARY_DIR/testtmp}

# the test data's children's names and addresses: every quoted string with Hangul on a
# line of the tests' sources that speaks of a child, a kid, an address or a first name
# (JSON in scripts, C literals and defines, bash arrays), but for expectations and
# descriptions (with | $ = in them) and the words a handover names (엄마, 아빠)
HANGUL='[\x{AC00}-\x{D7A3}]'
grep -rhiP '(child|kid|addr|first_name)' "$EO_SOURCE_DIR/tests" --include='*.sh' --include='*.c' \
  --include='*.h' | grep -oP '"[^"\\|$=]*'"$HANGUL"'{2}[^"\\|$=]*"' | tr -d '"' |
  grep -vxE '엄마|아빠' >"$T/words"
sort -u -o "$T/words" "$T/words"
[ "$(wc -l <"$T/words")" -gt 10 ] || eo_fail "too few names and addresses found in tests/: $(cat "$T/words")"

LINE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+[+-][0-9]{2}:?[0-9]{2} (trace|debug|info|notice|warning|error|fatal|critical) '
PHONE='(^|[^0-9a-fA-F*])(\+?82[ -]?|0)1[016789][ -]?[0-9]{3,4}[ -]?[0-9]{4}([^0-9a-fA-F]|$)'
# scan DIR: print "file:line: text" of every eonjena log line in DIR/*/[*/]*.log that
# holds personal data
scan() {
  find "$1" -mindepth 2 -maxdepth 3 -name '*.log' -type f -print0 |
    xargs -0 -r grep -HnaE "$LINE" >"$T/lines" || true
  { grep -aE -e "$PHONE" -e '\+[0-9]{8,15}' "$T/lines"; grep -aF -f "$T/words" "$T/lines"; } | sort -u || true
}

# the search finds what is planted: a phone, a child's name, an address
mkdir -p "$T/planted/x"
some_name=$(grep -m1 -vE ' ' "$T/words" || head -n1 "$T/words")
some_addr=$(grep -m1 ' ' "$T/words")
for probe in "sms: to 010-2345-6789" "gateway: from +821045678901" "cases: child $some_name" \
             "handoff: at $some_addr"; do
  echo "2026-11-27T19:00:00.000+09:00 info $probe" >"$T/planted/x/serve.log"
  [ -n "$(scan "$T/planted")" ] || eo_fail "the search misses a planted '$probe'"
done
echo "2026-11-27T19:00:00.000+09:00 info sms: to +82 10-****-6789 req=suwon-0101234567ab" >"$T/planted/x/serve.log"
echo "010-2345-6789 $some_name (a test's own output, not a log line)" >>"$T/planted/x/serve.log"
[ -z "$(scan "$T/planted")" ] || eo_fail "the search flags masked numbers or non-log lines: $(scan "$T/planted")"

rm -rf "$T/planted"
n_files=$(find "$ROOT" -mindepth 2 -maxdepth 3 -name '*.log' -type f | wc -l)
hits=$(scan "$ROOT")
echo "privacy.suite: $n_files log files under $ROOT, $(wc -l <"$T/lines") log lines, $(wc -l <"$T/words") names and addresses searched"
[ -z "$hits" ] || eo_fail "personal data in log lines:
$(echo "$hits" | head -n 20)"
echo "privacy.suite: ok"
