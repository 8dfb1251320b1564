#!/bin/bash
# cli.help: every command of `eonjena`, every worker executable and every benchmark of
# `eonjena-bench` answers --help with exit 0 and a usage line; each refuses an unknown
# option with exit 2 and the one error form of workers/common/opts.h; `--store=DIR` and
# `--store DIR` are the same; no help names the old spellings of the store.
set -eu
B="$EO_BINARY_DIR"
bin="$B/eonjena"
fail() { echo "FAIL: $*"; exit 1; }
"$bin" --help | grep -q '^usage: eonjena' || fail "eonjena --help"
"$bin" version | grep -q '^eonjena ' || fail "eonjena version"
"$bin" --version | grep -q '^eonjena ' || fail "eonjena --version"
if "$bin" no-such-command 2>/dev/null; then fail "unknown command accepted"; fi

# The first word of each line of a help's list (after "commands:" or "benchmarks:", up
# to the blank line).
list() { awk -v h="$1" '$0 == h {f = 1; next} f && !NF {exit} f {print $1}'; }
cmds=$("$bin" help | list commands:)
[ -n "$cmds" ] || fail "eonjena help lists no command"
benches=$("$B/eonjena-bench" --help | list benchmarks:)
[ -n "$benches" ] || fail "eonjena-bench --help lists no benchmark"

# check_cli PROG ARGS...: PROG ARGS --help and PROG ARGS --dbx (PROG names messages)
check_cli() {
  local prog=$1; shift
  local out err rc
  out=$("$@" --help) || fail "$prog --help failed"
  grep -q "^usage: $prog" <<<"$out" || fail "$prog --help prints no usage line"
  if echo "$out" | grep -Eq -- '--(db|var|log-from)\b'; then
    fail "$prog --help names an old option: $(echo "$out" | grep -E -- '--(db|var|log-from)\b')"
  fi
  set +e
  err=$("$@" --dbx=1 2>&1 >/dev/null); rc=$?
  set -e
  [ "$rc" = 2 ] || fail "$prog --dbx: exit $rc, not 2"
  [ "$err" = "$prog: unknown option '--dbx' (see $prog --help)" ] ||
    fail "$prog --dbx: '$err' is not the one error form"
}

for cmd in $cmds; do
  [ "$cmd" = version ] && continue
  check_cli "eonjena $cmd" "$bin" "$cmd"
done
for role in matcher sms handoff gateway; do
  check_cli "eonjena-$role" "$B/eonjena-$role"
done
for bench in $benches; do
  check_cli "eonjena-bench $bench" "$B/eonjena-bench" "$bench"
done
check_cli "eonjena" "$bin"

# The other refusals, in the same form.
set +e
err=$("$bin" check --store 2>&1); rc=$?
set -e
[ "$rc" = 2 ] && [ "$err" = "eonjena check: --store needs a value (see eonjena check --help)" ] ||
  fail "a missing value: exit $rc, '$err'"
set +e
err=$("$bin" check --sto /x 2>&1); rc=$?
set -e
[ "$rc" = 2 ] && [ "$err" = "eonjena check: unknown option '--sto' (see eonjena check --help)" ] ||
  fail "an abbreviation is not the option: exit $rc, '$err'"

# --store=DIR and --store DIR: the same (here: both refuse a folder with no store alike).
none="$EO_TEST_TMP/no-store"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
for args in "check" "log q1"; do
  set +e
  a=$("$bin" $args --store="$none" 2>&1); ra=$?
  b=$("$bin" $args --store "$none" 2>&1); rb=$?
  set -e
  [ "$ra" = 2 ] && [ "$ra" = "$rb" ] && [ "$a" = "$b" ] ||
    fail "eonjena $args: --store=DIR (exit $ra: $a) differs from --store DIR (exit $rb: $b)"
  grep -q "$none" <<<"$a" || fail "eonjena $args does not name the missing store: $a"
done
echo "cli help: ok"
