#!/bin/bash
# ops.migrate: a store of an older layout (tests/ops/layout2: a dump of a store that
# `eonjena serve` wrote before layout 3, and the `eonjena log` of each of its requests) is
# refused by serve and by every role with the command to run; `eonjena migrate --to`
# upgrades a copy (2 -> 3 -> 4: the input log as protobuf, then the carers' m.coffers
# entries with their offers' codes) and leaves the old store as it was; `eonjena migrate`
# upgrades in place (refused while served); the upgraded store checks ok, its requests'
# logs are what they were, a replay of its input log loads the same carers, and it serves
# its old requests;
# a store a newer version wrote is refused by serve and by migrate.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP
FIX=$EO_SOURCE_DIR/tests/ops/layout2
CLOCK="offset:2026-11-27T19:00:00+09:00"
P=$(eo_free_port)
eo_config "$P" "$T/eonjena.cfg"
API="http://127.0.0.1:$P"

mkdir "$T/store"
zcat "$FIX/store.dump.gz" | mdb_load -f /dev/stdin "$T/store" 2>/dev/null ||
  eo_fail "the fixture does not load"
cp -a "$T/store" "$T/pristine"

# refused by serve and each role, naming the command that upgrades it
refused() { # NAME CMD...
  local name=$1 rc=0; shift
  "$@" --config "$T/eonjena.cfg" --store "$T/store" >"$T/$name.out" 2>&1 || rc=$?
  [ "$rc" != 0 ] || eo_fail "$name served a layout-2 store"
  grep -q "layout 2.*eonjena migrate --store $T/store" "$T/$name.out" ||
    eo_fail "$name does not say to migrate: $(cat "$T/$name.out")"
}
refused serve "$B/eonjena" serve --clock "$CLOCK"
for role in matcher gateway sms handoff; do refused "$role" "$B/eonjena-$role"; done
cmp -s "$T/store/data.mdb" "$T/pristine/data.mdb" || eo_fail "a refusal changed the store"

# into a new store: the copy is upgraded, the old one is untouched
"$B/eonjena" migrate --store "$T/store" --to "$T/copy" >"$T/copy.json"
grep -q '"from":2,"to":5' "$T/copy.json" || eo_fail "migrate --to: $(cat "$T/copy.json")"
cmp -s "$T/store/data.mdb" "$T/pristine/data.mdb" || eo_fail "migrate --to changed the old store"
"$B/eonjena" check --store "$T/copy" | grep -q '^ok' || eo_fail "the upgraded copy does not check"

# in place; a second run finds nothing to do
"$B/eonjena" migrate --store "$T/store" >"$T/inplace.json"
grep -q '"from":2,"to":5,"records":[1-9]' "$T/inplace.json" ||
  eo_fail "migrate: $(cat "$T/inplace.json")"
"$B/eonjena" migrate --store "$T/store" | grep -q '"from":5,"to":5,"records":0' ||
  eo_fail "a second migrate was not a no-op"
"$B/eonjena" check --store "$T/store" | grep -q '^ok' || eo_fail "the upgraded store does not check"
# layout 4: each carer's m.coffers entry (start, end, then the code) carries its offer's
# 4-digit code (hex 3x), as many entries as before
coffers() { mdb_dump -s m.coffers "$1" | sed -n '/^HEADER=END/,$p' | sed -n '3~2p'; }
n_old=$(coffers "$T/pristine" | wc -l)
[ "$n_old" -gt 0 ] && [ "$(coffers "$T/store" | wc -l)" = "$n_old" ] ||
  eo_fail "m.coffers: $n_old entries before, $(coffers "$T/store" | wc -l) after"
coffers "$T/store" | cut -c34-41 | grep -vq '^3[0-9]3[0-9]3[0-9]3[0-9]$' &&
  eo_fail "an m.coffers entry without its code: $(coffers "$T/store" | head -n 3)"

# layout 5: the sms role's texts, written before they carried the time they were booked,
# are each stamped (every value rewritten, none lost), for the role's retention
vals() { mdb_dump -s sms.msgs "$1" | sed -n '/^HEADER=END/,$p' | sed -n '3~2p'; }
n_old=$(vals "$T/pristine" | wc -l)
[ "$n_old" -gt 0 ] && [ "$(vals "$T/store" | wc -l)" = "$n_old" ] ||
  eo_fail "sms.msgs: $n_old rows before, $(vals "$T/store" | wc -l) after"
same=$(comm -12 <(vals "$T/pristine" | sort) <(vals "$T/store" | sort) | wc -l)
[ "$same" = 0 ] || eo_fail "$same sms.msgs rows were not stamped"

# the cases are intact: each request's log as the old build printed it
n=0
for f in "$FIX"/*.log; do
  id=$(basename "$f" .log)
  "$B/eonjena" log "$id" --store "$T/store" >"$T/$id.log" 2>&1 || true
  diff -u "$f" "$T/$id.log" || eo_fail "the log of $id changed in the upgrade"
  n=$((n + 1))
done
[ "$n" -ge 5 ] || eo_fail "only $n fixture logs"
# and the carer loads it recorded read back: a replay of its input log loads the same
# carers (its decisions may differ: a newer build may decide otherwise, so the minutes
# those decisions booked, the last two columns, are left out of the comparison)
"$B/eonjena" replay --store "$T/store" --into "$T/replayed" >"$T/replay.json" 2>"$T/replay.err" || true
grep -q '"inputs":[1-9]' "$T/replay.json" || eo_fail "replay: $(cat "$T/replay.json" "$T/replay.err")"
at=2026-11-27T19:00:00+09:00
"$B/eonjena" export carers --store "$T/store" --at $at >"$T/carers.tsv"
"$B/eonjena" export carers --store "$T/replayed" --at $at >"$T/replayed.tsv"
[ "$(wc -l <"$T/carers.tsv")" -gt 40 ] || eo_fail "export: $(wc -l <"$T/carers.tsv") lines"
cmp -s <(cut -f1-14 "$T/carers.tsv") <(cut -f1-14 "$T/replayed.tsv") ||
  eo_fail "the replayed carers differ from the store's"

# a store a newer version wrote (layout 6) is refused by serve and by migrate, unchanged
cp -a "$T/store" "$T/newer"
printf 'layout\n\\00\\00\\00\\06\n' | mdb_load -T -s eo.meta "$T/newer"
cp "$T/newer/data.mdb" "$T/newer.mdb"
rc=0; "$B/eonjena" serve --config "$T/eonjena.cfg" --store "$T/newer" --clock "$CLOCK" \
  >"$T/newer.out" 2>&1 || rc=$?
[ "$rc" != 0 ] && grep -q "layout 6, written by a newer eonjena" "$T/newer.out" ||
  eo_fail "a newer store: exit $rc $(cat "$T/newer.out")"
rc=0; "$B/eonjena" migrate --store "$T/newer" 2>"$T/newer.err" || rc=$?
[ "$rc" = 1 ] && grep -q "layout 6 cannot be upgraded" "$T/newer.err" ||
  eo_fail "migrate of a newer store: exit $rc $(cat "$T/newer.err")"
cmp -s "$T/newer/data.mdb" "$T/newer.mdb" || eo_fail "a newer store was changed"

# it serves its old requests; migrate refuses a store in use
eo_start serve "$B/eonjena" serve --config "$T/eonjena.cfg" --store "$T/store" --clock "$CLOCK"
eo_wait_for "serve" 30 curl -sf "$API/v1/health"
for f in "$FIX"/*.log; do
  id=$(basename "$f" .log)
  got=$(curl -sf "$API/v1/requests/$id") || eo_fail "GET $id failed"
  want=$(grep -o -- '->[a-z_]*' "$f" | tail -n 1 | cut -c3-) # its last state in the log
  grep -q "\"state\":\"$want\"" <<<"$got" || eo_fail "$id served as $got, not $want"
done
rc=0; "$B/eonjena" migrate --store "$T/store" 2>"$T/busy.err" || rc=$?
[ "$rc" = 1 ] && grep -q "open in another process" "$T/busy.err" ||
  eo_fail "migrate of a served store: exit $rc $(cat "$T/busy.err")"
echo "ok: layout 2 migrated ($(cat "$T/inplace.json")), $n requests intact and served"
