#!/usr/bin/env bash
# Fuzz the SMS reply parser with libFuzzer for a bounded time (CI calls this).
#   tests/fuzz/run.sh [seconds]      (default $FUZZ_SECONDS or 60)
# Builds with clang into build-fuzz/, fuzzes from the seed corpus (which it never
# modifies: new inputs go to build-fuzz/corpus-reply), and fails if a crash is found
# (the reproducer is left in build-fuzz/).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-${FUZZ_SECONDS:-60}}
build=${FUZZ_BUILD:-$src/build-fuzz}
cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER=clang -DEO_FUZZ=ON \
      -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$build" --target fuzz_reply -j2 >/dev/null
mkdir -p "$build/corpus-reply"
cd "$build"
./tests/fuzz/fuzz_reply -max_total_time="$secs" -max_len=700 -print_final_stats=1 \
    -artifact_prefix="$build/" "$build/corpus-reply" "$src/tests/fuzz/corpus/reply"
echo "fuzz: reply parser fuzzed for ${secs}s without a failure"
