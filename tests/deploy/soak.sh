#!/bin/bash
# deploy.soak: the short version of deploy/eonjena-soak (the long one, 10 minutes at
# 200/s with --max-growth 5, is opt-in: docs/deploy.md): a two-matcher deployment under a
# steady load; every role's memory is read after the warm-up and at the end (each reading
# the smallest of five, with a trend per minute from the samples between), and must not
# grow by more than 25 % (every role trims its heap: docs/deploy.md); the broker's item
# records and heap and the cases' fates are reported, the stores' growth per request too,
# `eonjena check` passes, and a bound below any growth refuses the run.
set -euo pipefail
. "$(dirname "$0")/../e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
D=$EO_TEST_TMP/deploy
DEPLOY=$EO_SOURCE_DIR/deploy/eonjena-deploy
SOAK=$EO_SOURCE_DIR/deploy/eonjena-soak
stop_all() { "$DEPLOY" stop "$D" >/dev/null 2>&1 || true; eo_cleanup; }
trap stop_all EXIT

EO_DEPLOY_BIN=$B "$DEPLOY" start "$D" --matchers 2 --http "127.0.0.1:$(eo_free_port)" \
    --broker-port "$(eo_free_port)" --carers 2000 --accept 0.6 --decline 0.2 --delay-ms 50 \
    --jitter-ms 100 --clock offset:2026-11-27T19:00:00+09:00 >"$EO_TEST_TMP/start.out"
"$SOAK" "$D" --seconds 5 --warm 9 2>/dev/null && eo_fail "a warm-up past the run was taken"

EO_DEPLOY_BIN=$B "$SOAK" "$D" --rate 30 --seconds 12 --warm 3 --max-growth 25 \
    >"$EO_TEST_TMP/soak.out" 2>&1 ||
    eo_fail "eonjena-soak: $(tail -20 "$EO_TEST_TMP/soak.out")"
cat "$EO_TEST_TMP/soak.out"
J=$(grep '^{"soak"' "$EO_TEST_TMP/soak.out")
for r in broker gateway sms handoff matcher-1 matcher-2; do
    [[ "$J" =~ \"$r\":\{\"anon_warm_kib\":[1-9][0-9]*,\"anon_end_kib\":[1-9][0-9]*,\"growth_pct\":-?[0-9.]+,\"trend_kib_per_min\":-?[0-9]+, ]] ||
        eo_fail "no memory figures for $r: $J"
done
[[ "$J" =~ \"broker\":\{\"warm\":\{\"items\":\{\"allocated\":[0-9]+,\"free\":[0-9]+\},\"heap\":\{\"free_bytes\":[0-9]+,\"in_use_bytes\":[1-9][0-9]*\}\} ]] ||
    eo_fail "no broker records or heap: $J"
[[ "$J" =~ \"cases\":\{\"offered\":[0-9]+,\"settled\":[0-9]+,\"escalated\":[0-9]+,\"queued\":[0-9]+,\"open\":[0-9]+\} ]] ||
    eo_fail "no fates of the cases: $J"
[[ "$J" =~ \"check\":\"ok\" ]] || eo_fail "check: $J"
[[ "$J" =~ \"store_bytes_per_request\":[1-9][0-9]* ]] || eo_fail "no store growth: $J"
[[ "$J" =~ \"accepted\":([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -ge 100 ] || eo_fail "too few accepted: $J"

# a bound below any growth fails the run (memory never shrinks to -100 %)
if EO_DEPLOY_BIN=$B "$SOAK" "$D" --rate 10 --seconds 3 --warm 1 --max-growth -100 \
    >"$EO_TEST_TMP/bound.out" 2>&1; then
    eo_fail "--max-growth -100 passed"
fi
grep -q "memory grew by .* (more than -100 %)" "$EO_TEST_TMP/bound.out" || eo_fail "bound: $(cat "$EO_TEST_TMP/bound.out")"
echo "deploy.soak: ok"
