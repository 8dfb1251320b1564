#!/bin/bash
# replay.w1: record a W1 run of the matcher process (the crash.kill program: real broker,
# SIGKILLs and restarts included), then `eonjena replay` it into a fresh store: the same
# waves, offers, winners and journal hashes; `eonjena check` passes on both.
set -eu
rm -rf "$EO_TEST_TMP"; mkdir -p "$EO_TEST_TMP"
# its output (its matcher's logs among them) is shown only when it fails
"$EO_BINARY_DIR/tests/crash/test_crash_kill" 5 >"$EO_TEST_TMP/run.log" 2>&1 ||
    { grep -v ' info ' "$EO_TEST_TMP/run.log" | tail -40; echo "replay.w1: the recorded run failed" >&2; exit 1; }
"$EO_BINARY_DIR/eonjena" check --store "$EO_TEST_TMP/store"
out=$("$EO_BINARY_DIR/eonjena" replay --store "$EO_TEST_TMP/store" --into "$EO_TEST_TMP/replayed")
echo "$out"
grep -q '"replay":"same"' <<<"$out"
"$EO_BINARY_DIR/eonjena" check --store "$EO_TEST_TMP/replayed"
echo "replay w1: ok"
