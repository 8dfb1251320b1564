#!/bin/bash
# Helpers for tests that run real eonjena processes over loopback. Source it.
# Every process started with `eo_start` is stopped (SIGTERM, then SIGKILL) when the test
# exits, however it exits.

EO_PIDS=()

eo_cleanup() {
  local pid
  for pid in "${EO_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${EO_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}
trap eo_cleanup EXIT

eo_fail() { echo "FAIL: $*" >&2; exit 1; }

# A TCP port on 127.0.0.1 that nothing listens on (a refused connect means free).
eo_free_port() {
  local port
  for _ in $(seq 200); do
    port=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768-)
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  eo_fail "no free port"
}

# eo_start NAME CMD...: run CMD in the background, output to $EO_TEST_TMP/NAME.log.
eo_start() {
  local name=$1; shift
  "$@" >"$EO_TEST_TMP/$name.log" 2>&1 &
  EO_PIDS+=($!)
  eval "PID_$name=$!"
}

# eo_wait_for DESCRIPTION TIMEOUT_S CMD...: run CMD until it succeeds or the time is up.
# A bounded wait on a condition (the process under test reaching a state).
eo_wait_for() {
  local what=$1 timeout=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || eo_fail "timed out after ${timeout}s waiting for $what"
    sleep 0.05
  done
}

# eo_json FIELD: read one top-level string/number field of the JSON on stdin.
eo_json() {
  sed -n "s/.*\"$1\":\(\"[^\"]*\"\|[0-9-]*\).*/\1/p" | head -n1 | tr -d '"'
}

# eo_config HTTP_PORT OUT: the shipped configuration with the gateway on HTTP_PORT,
# every route open (gateway/insecure_demo: these tests are about the pipeline; the
# auth.* tests are about credentials) and simulated carers who always accept within
# 50 ms, written to OUT.
eo_config() {
  sed -e "s/^\(    listen = \)\"127.0.0.1:8080\"/\1\"127.0.0.1:$1\"/" \
      -e 's/^\(    insecure_demo = \).*/\11/' \
      -e 's/^\(            delay_ms = \).*/\150/' -e 's/^\(            jitter_ms = \).*/\150/' \
      -e 's/^\(            accept = \).*/\11.0/' -e 's/^\(            decline = \).*/\10.0/' \
      "$EO_SOURCE_DIR/etc/eonjena.cfg" >"$2"
  grep -q "127.0.0.1:$1" "$2" || eo_fail "config: listen not set"
  grep -q "insecure_demo = 1" "$2" || eo_fail "config: insecure_demo not set"
}

# eo_pull_secrets CFG: give every pull provider of CFG (mode = pull) the secret_file
# $EO_TEST_TMP/pull.secret (made 0600 once), as a real configuration must: outside
# --insecure-demo a pull provider without a secret refuses the start (docs/handoff.md).
eo_pull_secrets() {
  local secret=$EO_TEST_TMP/pull.secret
  [ -f "$secret" ] || (umask 077 && echo "pull-secret-$RANDOM$RANDOM$RANDOM" >"$secret")
  sed -i "s|^\(        mode = pull\)\$|\1\n        secret_file = \"$secret\"|" "$1"
  grep -q "secret_file = \"$secret\"" "$1" || eo_fail "config: no pull provider got a secret"
}

# eo_keyed_config HTTP_PORT OUT [KEY=VALUE...]: the shipped configuration, safe as it
# ships (every route needs a credential), every pull provider with a secret
# (eo_pull_secrets), with the gateway on HTTP_PORT, the credentials
# file $EO_TEST_TMP/keys, and for each KEY=VALUE the line "    KEY = ..." set to VALUE
# (quoted as the file wants it: path='"/x"', rate=50), written to OUT.
eo_keyed_config() {
  local port=$1 out=$2; shift 2
  sed -e "s|^\(    keys_file = \).*|\1\"$EO_TEST_TMP/keys\"|" \
      -e "s/^\(    listen = \)\"127.0.0.1:8080\"/\1\"127.0.0.1:$port\"/" \
      "$EO_SOURCE_DIR/etc/eonjena.cfg" >"$out"
  eo_pull_secrets "$out"
  grep -q "127.0.0.1:$port" "$out" || eo_fail "config: listen not set"
  eo_config_set "$out" "keys_file=\"$EO_TEST_TMP/keys\"" "$@"
  grep -q "insecure_demo = 0" "$out" || eo_fail "config: the shipped configuration is not safe by default"
}

# eo_config_set CFG KEY=VALUE...: in CFG, the line "    KEY = ..." (a key of a top-level
# section) set to VALUE, as the file spells it (path='"/x"', rate=50); fails when a key
# is not there.
eo_config_set() {
  local cfg=$1 kv args=(); shift
  for kv in "$@"; do args+=(-e "s|^\(    ${kv%%=*} = \).*|\1${kv#*=}|"); done
  [ ${#args[@]} = 0 ] || sed -i "${args[@]}" "$cfg"
  for kv in "$@"; do
    grep -qF "    ${kv%%=*} = ${kv#*=}" "$cfg" || eo_fail "config: ${kv%%=*} not set"
  done
}

# eo_serve CFG STORE PORT CLOCK [ARGS...]: `eonjena serve` (eo_start name: serve) of CFG
# on STORE, its API on 127.0.0.1:PORT, its clock CLOCK, once the API answers.
eo_serve() {
  local cfg=$1 store=$2 port=$3 clock=$4; shift 4
  eo_start serve "$EO_BINARY_DIR/eonjena" serve --config "$cfg" --store "$store" \
    --listen "127.0.0.1:$port" --clock "$clock" "$@"
  eo_wait_for "serve" 30 curl -sf "http://127.0.0.1:$port/v1/health"
}

# eo_serve_stop: SIGTERM to eo_serve's server, which must exit cleanly; its log is added
# to $EO_TEST_TMP/all.log (a server started again writes a new serve.log).
eo_serve_stop() {
  # shellcheck disable=SC2154 # PID_serve: set by eo_start serve (eval)
  kill -TERM "$PID_serve"
  wait "$PID_serve" || eo_fail "serve did not stop cleanly"
  cat "$EO_TEST_TMP/serve.log" >>"$EO_TEST_TMP/all.log"
}
