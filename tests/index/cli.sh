#!/bin/bash
# index.cli: `eonjena import carers|dongs` and `eonjena export carers` as an operator
# runs them: exit codes, reports with line numbers, all-or-nothing, file modes.
set -eu
bin="$EO_BINARY_DIR/eonjena"
tmp="$EO_TEST_TMP"
rm -rf "$tmp" && mkdir -p "$tmp"
store="$tmp/store"
dong=4111156000   # 수원 장안구 파장동
nb=$(awk -F'\t' -v d=$dong '$1==d {split($8,a,","); for (i in a) if (substr(a[i],1,5)=="41111") {print a[i]; exit}}' "$EO_SOURCE_DIR/data/dong/dong.tsv")
[ -n "$nb" ] || { echo "no neighbour for $dong"; exit 1; }
hdr=$'id\tsite\tkind\tpool\thome_dong\tdongs\tphone\tname\tavailability\tcheck_until\ttraining_until\tweek_min'
{
  echo "$hdr"
  printf '1\tsuwon\t1\t1\t%s\t%s\t010-3000-0001\tA\tsa18:00-24:00\t2027-12-31\t2027-12-31\t120\n' $dong $dong
  printf '2\tsuwon\t2\t1\t%s\t%s,%s\t010-3000-0002\tB\tsa20:00-02:00\t2027-12-31\t2027-12-31\t0\n' $dong $dong $nb
  printf '3\tsuwon\tinvited\t0\t%s\t%s\t+821030000003\tC\t-\t2027-12-31\t2027-12-31\t0\n' $nb $nb
  printf '4\tsuwon\t9\t1\t%s\t%s\t010-3000-0004\tD\t-\t2027-12-31\t2027-12-31\t0\n' $dong $dong
  printf '5\tsuwon\t1\t1\t%s\t%s\t010-3000-0005\tE\tmo25:00-26:00\t2027-12-31\t2027-12-31\t0\n' $dong $dong
} > "$tmp/bad.tsv"
# Two bad rows: both reported by line, nothing imported, exit 1.
if "$bin" import carers "$tmp/bad.tsv" --store "$store" --at 2026-11-27T18:00 2> "$tmp/err"; then
  echo "bad file accepted"; exit 1
fi
grep -q "bad.tsv:5: kind" "$tmp/err" || { cat "$tmp/err"; exit 1; }
grep -q "bad.tsv:6: availability" "$tmp/err" || { cat "$tmp/err"; exit 1; }
grep -q "2 bad rows: nothing imported" "$tmp/err"
"$bin" export carers --store "$store" --at 2026-11-27T18:00 > "$tmp/empty.tsv"
[ "$(wc -l < "$tmp/empty.tsv")" = 1 ] || { echo "bad import left carers behind"; exit 1; }
# Without the bad rows: imported.
head -4 "$tmp/bad.tsv" > "$tmp/good.tsv"
"$bin" import carers "$tmp/good.tsv" --store "$store" --at 2026-11-27T18:00 | grep -q "imported 3 carers"
"$bin" export carers --store "$store" --at 2026-11-27T18:00 --out "$tmp/out.tsv" 2> /dev/null
[ "$(stat -c %a "$tmp/out.tsv")" = 600 ] || { echo "export is not 0600"; exit 1; }
[ "$(wc -l < "$tmp/out.tsv")" = 4 ]
grep -q $'^1\tsuwon\t1\t1\t1\t0\t'$dong$'\t'$dong$'\t+821030000001\tA\tsa18:00-24:00\t2027-12-31\t2027-12-31\t\t120\t0$' "$tmp/out.tsv" \
  || { cat "$tmp/out.tsv"; exit 1; }
grep -q $'sa20:00-24:00 su00:00-02:00' "$tmp/out.tsv"
# Re-import of the export into the same store: an upsert, same export after.
"$bin" import carers "$tmp/out.tsv" --store "$store" --at 2026-11-27T18:00 | grep -q "imported 3 carers"
"$bin" export carers --store "$store" --at 2026-11-27T18:00 | cmp -s - "$tmp/out.tsv"
# Usage errors.
if "$bin" import carers "$tmp/good.tsv" 2>/dev/null; then echo "no --store accepted"; exit 1; fi
set +e
"$bin" import things x --store "$store" 2>/dev/null; [ $? = 2 ] || { echo "bad kind"; exit 1; }
"$bin" export carers 2>/dev/null; [ $? = 2 ] || { echo "export without store"; exit 1; }
"$bin" import carers "$tmp/good.tsv" --store "$store" --at yesterday 2>/dev/null; [ $? = 2 ] || exit 1
set -e

# Dongs: check the shipped table, install a copy into a scratch data dir.
data="$tmp/data"
mkdir -p "$data"
cp "$EO_SOURCE_DIR/data/sites.tsv" "$data/"
"$bin" import dongs "$EO_SOURCE_DIR/data/dong/dong.tsv" --data "$data" --check | grep -q "valid"
[ ! -e "$data/dong/dong.tsv" ]
"$bin" import dongs "$EO_SOURCE_DIR/data/dong/dong.tsv" --data "$data" --store "$store" | grep -q installed
cmp -s "$data/dong/dong.tsv" "$EO_SOURCE_DIR/data/dong/dong.tsv"
# A broken table is refused and the installed one stays.
{ head -3 "$EO_SOURCE_DIR/data/dong/dong.tsv"; printf 'garbage\tline\n'; } > "$tmp/broken.tsv"
if "$bin" import dongs "$tmp/broken.tsv" --data "$data" 2> "$tmp/err"; then echo "broken dongs accepted"; exit 1; fi
grep -q "nothing installed" "$tmp/err"
cmp -s "$data/dong/dong.tsv" "$EO_SOURCE_DIR/data/dong/dong.tsv"
# A table without a dong the carers use is refused when the store is named.
grep -v "^$nb" "$EO_SOURCE_DIR/data/dong/dong.tsv" > "$tmp/smaller.tsv"
if "$bin" import dongs "$tmp/smaller.tsv" --data "$data" --store "$store" 2> "$tmp/err"; then
  echo "table missing a carer's dong accepted"; exit 1
fi
grep -q "names dong $nb" "$tmp/err" || { cat "$tmp/err"; exit 1; }
cmp -s "$data/dong/dong.tsv" "$EO_SOURCE_DIR/data/dong/dong.tsv"
rm -rf "$tmp"
echo "index cli: ok"
