#!/bin/bash
# api.openapi: docs/openapi.yaml is the API the gateway serves.
#  1. the document alone: it parses, every $ref resolves, every example validates against
#     its schema, and its routes and roles are exactly the route table's (routes.c, by
#     eo_routes_dump --roles): a route served but not documented fails, and the reverse;
#  2. a running `eonjena serve` with real credentials (one key per role, an operator's
#     console account) and silent simulated carers (the test answers for them through the
#     carers' app routes): every request body example of the document is sent to its
#     route in the order of a night's work, ids from earlier answers in the paths; every
#     answer's status must be one the document lists for the operation and its body must
#     validate against that status's schema; every operation must have been called.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP
DOC=${EO_OPENAPI_DOC:-$EO_SOURCE_DIR/docs/openapi.yaml} # another document: to see the checks fail
CHECK=$EO_SOURCE_DIR/tests/gateway/openapi_check.py
python3 -c 'import yaml, jsonschema' || eo_fail "python3-yaml and python3-jsonschema are needed (make deps)"

# 1. the document
"$B/tests/auth/eo_routes_dump" --roles >"$T/routes"
[ -s "$T/routes" ] || eo_fail "the route table is empty"
python3 "$CHECK" static "$DOC" "$T/routes"

# 2. the server
cp -r "$EO_SOURCE_DIR/data" "$T/data" # a private calendar: the admin edits it
export EO_DATA_DIR=$T/data
PORT=$(eo_free_port)
export EO_KEY_scraper # the metrics token (gateway/metrics_token_file)
EO_KEY_scraper=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
(umask 077 && echo "$EO_KEY_scraper" >"$T/metrics.token")
eo_keyed_config "$PORT" "$T/keyed.cfg" rate_per_key=0 metrics_token_file="\"$T/metrics.token\""
sed -e 's/^\(            accept = \).*/\10.0/' -e 's/^\(            decline = \).*/\10.0/' \
  "$T/keyed.cfg" >"$T/eonjena.cfg"
grep -q "accept = 0.0" "$T/eonjena.cfg" || eo_fail "config: the simulated carers still answer"
key() { "$B/eonjena" key add --config "$T/eonjena.cfg" "$@"; }
export EO_KEY_member_app EO_KEY_carer_app EO_KEY_operator EO_KEY_provider EO_KEY_admin
EO_KEY_member_app=$(key --role member_app)
EO_KEY_carer_app=$(key --role carer_app --sites suwon)
EO_KEY_operator=$(key --role operator --sites suwon)
EO_KEY_provider=$(key --role provider --sites suwon --provider suwon-provider)
EO_KEY_admin=$(key --role admin)
export EO_LOGIN_ID=kim EO_LOGIN_PASSWORD=night-shift-pw-1
echo "$EO_LOGIN_PASSWORD" | "$B/eonjena" key passwd "$EO_LOGIN_ID" --role operator --sites suwon \
  --config "$T/eonjena.cfg" >/dev/null
# Friday 19:00 in Seoul: the examples ask for 22:00-24:00 tonight (the carers' pool)
eo_start serve "$B/eonjena" serve --init --config "$T/eonjena.cfg" --store "$T/var/store" \
  --clock "offset:2026-11-27T19:00:00+09:00" --carers 2000
export EO_API=http://127.0.0.1:$PORT
eo_wait_for "serve" 30 curl -sf "$EO_API/v1/health"
eo_wait_for "serve to be ready" 30 curl -sf "$EO_API/v1/ready"
python3 "$CHECK" live "$DOC"
echo "api.openapi: ok"
