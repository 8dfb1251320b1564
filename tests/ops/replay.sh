#!/bin/bash
# ops.replay: `eonjena replay` says "same" on real stores: one that `eonjena serve --init`
# filled with demo carers (as `make run` does) and one whose carers came from
# `eonjena import`, each after requests and the carers' SMS answers. The carers go
# through the input log, so the replay loads the same ones and decides the same.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP
CLOCK="offset:2026-11-27T19:00:00+09:00"
P=$(eo_free_port)
eo_config "$P" "$T/eonjena.cfg"
API="http://127.0.0.1:$P"

body() { # ID DONG: a request for tonight in suwon
  echo "{\"id\":\"$1\",\"site\":\"suwon\",\"dong\":\"$2\",\"start\":\"2026-11-27T22:00\",
    \"end\":\"2026-11-27T23:30\",\"channel\":\"call_centre\",\"member\":{\"id\":\"m-$1\",
    \"phone\":\"010-1234-5678\",\"verified\":true},\"child\":{\"first_name\":\"서연\",
    \"age_months\":60},\"address\":\"수원시 장안구 파장로 1\"}"
}
decided() { curl -sf "$API/v1/requests/$1" | grep -q '"state":"\(settled\|escalated\)"'; }

# serve STORE ARGS...: serve the store, take three requests until each is decided (the
# simulated carers answer by SMS), then stop
serve() {
  local store=$1; shift
  eo_start serve "$B/eonjena" serve --config "$T/eonjena.cfg" --store "$store" --clock "$CLOCK" "$@"
  eo_wait_for "serve $store" 60 curl -sf "$API/v1/health"
  local i ids=()
  for i in a b c; do
    ids+=("$(curl -sf -X POST -d "$(body "$i" 4111354000)" "$API/v1/requests" | eo_json id)")
    [ -n "${ids[-1]}" ] || eo_fail "request $i refused"
  done
  for i in "${ids[@]}"; do eo_wait_for "request $i decided" 30 decided "$i"; done
  kill -TERM "$PID_serve" && wait "$PID_serve" || true
}

# replay STORE: "same"
replay() {
  "$B/eonjena" replay --store "$1" --into "$1.replayed" >"$1.replay" 2>"$1.replay.err" || true
  grep -q '"replay":"same"' "$1.replay" ||
    eo_fail "replay of $1: $(cat "$1.replay") $(tail -n 3 "$1.replay.err")"
  grep -q '"inputs":[1-9]' "$1.replay" || eo_fail "replay of $1 had no inputs"
}

# 1. demo carers loaded by serve into a new store
serve "$T/demo" --init --carers 300
replay "$T/demo"

# 2. carers imported into a new store, then served
"$B/eonjena" export carers --store "$T/demo" --at 2026-11-27T19:00:00+09:00 >"$T/carers.tsv"
[ "$(wc -l <"$T/carers.tsv")" -gt 300 ] || eo_fail "export: $(wc -l <"$T/carers.tsv") lines"
"$B/eonjena" import carers "$T/carers.tsv" --store "$T/imported" --at 2026-11-27T19:00:00+09:00 ||
  eo_fail "import"
# and a second import into the same (no longer empty) store upserts, also recorded
head -n 11 "$T/carers.tsv" >"$T/ten.tsv"
"$B/eonjena" import carers "$T/ten.tsv" --store "$T/imported" --at 2026-11-27T19:00:00+09:00 ||
  eo_fail "second import"
serve "$T/imported" --carers 0
replay "$T/imported"

# an import of a file that is not there creates no store
rc=0; "$B/eonjena" import carers "$T/none.tsv" --store "$T/never" 2>/dev/null || rc=$?
[ "$rc" = 1 ] && [ ! -e "$T/never" ] || eo_fail "import of a missing file: exit $rc, $(ls "$T")"
echo "ok: replay same on a served demo store and an imported one"
