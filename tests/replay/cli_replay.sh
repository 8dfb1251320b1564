#!/bin/bash
# replay.cli: `eonjena check`, `eonjena log` and `eonjena replay` on a store made by a
# seeded mixed run (the replay.mixed program).
set -eu
rm -rf "$EO_TEST_TMP"; mkdir -p "$EO_TEST_TMP"
bin="$EO_BINARY_DIR"
"$bin/tests/replay/test_replay_mixed" 11 1500 2>/dev/null
"$bin/eonjena" check --store "$EO_TEST_TMP/run" | grep -q '^ok'
"$bin/eonjena" log q1 --store "$EO_TEST_TMP/run" | grep -q 'chain verified'
if "$bin/eonjena" log no-such --store "$EO_TEST_TMP/run" 2>/dev/null; then
  echo "log of an unknown request succeeded"; exit 1; fi
out=$("$bin/eonjena" replay --store "$EO_TEST_TMP/run" --into "$EO_TEST_TMP/cli")
echo "$out"
grep -q '"replay":"same"' <<<"$out"
"$bin/eonjena" check --store "$EO_TEST_TMP/cli" | grep -q '^ok'
# a second replay into the same folder is refused
if "$bin/eonjena" replay --store "$EO_TEST_TMP/run" --into "$EO_TEST_TMP/cli" 2>/dev/null; then
  echo "replay into a used store succeeded"; exit 1; fi
echo "replay cli: ok"
