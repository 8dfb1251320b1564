#!/usr/bin/env bash
# Fuzz every parser target with libFuzzer for a bounded time (CI calls this).
#   tests/fuzz/run.sh [seconds per target]      (default $FUZZ_SECONDS or 60)
# Builds with clang into build-fuzz/, fuzzes from the seed corpora (never modified: new
# inputs go to build-fuzz/corpus-<target>), and fails if a crash is found (the
# reproducer is left in build-fuzz/).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-${FUZZ_SECONDS:-60}}
build=${FUZZ_BUILD:-$src/build-fuzz}
cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER=clang -DEO_FUZZ=ON \
      -DCMAKE_BUILD_TYPE=Debug >/dev/null
for t in reply intake event; do
  cmake --build "$build" --target "fuzz_$t" -j2 >/dev/null
  mkdir -p "$build/corpus-$t"
  (cd "$build" && ./tests/fuzz/fuzz_$t -max_total_time="$secs" -max_len=4096 \
      -print_final_stats=1 -artifact_prefix="$build/$t-" \
      "$build/corpus-$t" "$src/tests/fuzz/corpus/$t" 2>&1 | tail -n 12)
  echo "fuzz: $t fuzzed for ${secs}s without a failure"
done
