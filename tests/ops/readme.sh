#!/bin/bash
# ops.readme: the README's first request works as written. The server is started with
# the command line of `make run` (its recipe and DEMO_CLOCK read from the Makefile), on a
# free port and a scratch store; then the README's block under "## Your first request"
# runs as it stands, with only its API= address changed to that port. The block must
# print a request id, reach `settled`, and its journal and quote must answer.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
T=$EO_TEST_TMP
PORT=$(eo_free_port)

# make run's command line, from the Makefile
recipe=$(awk '/^run:/ {getline; print; exit}' "$EO_SOURCE_DIR/Makefile")
clock=$(sed -n 's/^DEMO_CLOCK *?= *//p' "$EO_SOURCE_DIR/Makefile")
[ -n "$recipe" ] && [ -n "$clock" ] || eo_fail "no run recipe or DEMO_CLOCK in the Makefile"
recipe=${recipe#$'\t'}
recipe=${recipe//'./$(BUILD)'/$EO_BINARY_DIR}
recipe=${recipe//'$(DEMO_CLOCK)'/$clock}
grep -q -- '--insecure-demo' <<<"$recipe" || eo_fail "make run is not the demo: $recipe"
read -r -a cmd <<<"$recipe"
# The demo's carers accept 40 % of offers, by a hash of the offer's id, and an id without
# an Idempotency-Key is random: one first wave of ten in 170 finds no one, and the next
# goes out 5 minutes later. Here every carer accepts (after the demo's 3-7 s), so the
# block's path is what is tested, not the dice.
EONJENA_SMS_ADAPTERS_SIM_ACCEPT=1 EONJENA_SMS_ADAPTERS_SIM_DECLINE=0 \
  eo_start serve "${cmd[@]}" --listen "127.0.0.1:$PORT" --store "$T/store"
eo_wait_for "the demo server" 60 curl -sf "http://127.0.0.1:$PORT/v1/health"
grep -q "the clock is 'offset:" "$T/serve.log" || eo_fail "the demo clock is not said in the log"

# the README's block, as written but for the port
awk '/^## Your first request/ {f=1} f && /^```sh$/ {b=1; next} b && /^```$/ {exit} b' \
  "$EO_SOURCE_DIR/README.md" >"$T/block.sh"
grep -q '^API=127.0.0.1:8080$' "$T/block.sh" || eo_fail "the README's block has no API=127.0.0.1:8080 line"
sed -i "s/^API=127.0.0.1:8080\$/API=127.0.0.1:$PORT/" "$T/block.sh"
timeout 120 bash -euo pipefail "$T/block.sh" >"$T/block.out" 2>&1 ||
  { cat "$T/block.out"; eo_fail "the README's block failed"; }
cat "$T/block.out"
out=$(cat "$T/block.out")
grep -q '"time": *"2026-11-27T19:00' <<<"$out" || eo_fail "health did not show the demo clock"
grep -qE '^suwon-[0-9a-f]{24}$' <<<"$out" || eo_fail "no request id printed"
grep -q '"route": "pool"' <<<"$out" || eo_fail "the request was not routed to the pool"
grep -q '"state": "settled"' <<<"$out" || eo_fail "the request did not settle"
grep -qx 'true' <<<"$out" || eo_fail "the journal's hash chain was not verified"
grep -qE '^2026-11-27T19:00:[0-9]{2}\+09:00 [a-z]+.*->settled' <<<"$out" || eo_fail "the journal has no line to settled"
grep -qE '"member_total": [1-9][0-9]*' <<<"$out" || eo_fail "the quote has no member total"
# every command of `eonjena help` has its row in the README's table of commands
"$EO_BINARY_DIR/eonjena" help | awk '/^commands:/ {f=1; next} f && /^$/ {exit} f {print $1}' >"$T/commands"
[ "$(wc -l <"$T/commands")" -ge 15 ] || eo_fail "eonjena help lists too few commands"
table=$(awk '/^## Commands/ {f=1; next} f && /^## / {exit} f' "$EO_SOURCE_DIR/README.md")
while read -r c; do
  grep -q "\`eonjena $c[\` ]" <<<"$table" || eo_fail "README's table of commands lacks eonjena $c"
done <"$T/commands"
echo "ops.readme: ok"
