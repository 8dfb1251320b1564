#!/bin/bash
# auth.matrix: every route of the gateway x every kind of caller gets the answer of
# matrix.tsv, on a running `eonjena serve` with real credentials (no demo mode). Fails
# when the gateway has a route the matrix does not list, or the other way round.
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
T=$EO_TEST_TMP
M=$EO_SOURCE_DIR/tests/auth/matrix.tsv
cp -r "$EO_SOURCE_DIR/data" "$T/data" # a private calendar: the admin edits it
export EO_DATA_DIR=$T/data

# 1. the matrix lists exactly the gateway's routes
"$B/tests/auth/eo_routes_dump" | sort >"$T/routes"
grep -v '^#' "$M" | awk 'NF && $1 != "-" {print $1, $2}' | sort -u >"$T/listed"
[ -s "$T/routes" ] || eo_fail "the route table is empty"
if ! diff "$T/routes" "$T/listed" >"$T/diff"; then
  sed -n 's/^< /  not in the matrix: /p; s/^> /  not a route: /p' "$T/diff" >&2
  eo_fail "tests/auth/matrix.tsv and the gateway's routes differ"
fi
CALLERS=(none wrong revoked member member_b carer operator guri_op provider guri_prov sms admin console)
awk -v n=$((4 + ${#CALLERS[@]})) '!/^#/ && NF && NF != n {print "line " NR ": " NF " fields, want " n; bad=1} END {exit bad}' "$M" \
  || eo_fail "a matrix row does not name every caller"

# 2. credentials: one of each kind
PORT=$(eo_free_port)
API=http://127.0.0.1:$PORT
eo_keyed_config "$PORT" "$T/eonjena.cfg"
key() { "$B/eonjena" key add --config "$T/eonjena.cfg" "$@"; }
declare -A K
K[member]=$(key --role member_app)
K[member_b]=$(key --role member_app)
K[carer]=$(key --role carer_app --sites suwon)
K[operator]=$(key --role operator --sites suwon)
K[guri_op]=$(key --role operator --sites guri)
K[provider]=$(key --role provider --sites suwon --provider suwon-provider)
K[guri_prov]=$(key --role provider --sites guri --provider guri-provider)
K[sms]=$(key --role sms_gateway)
K[admin]=$(key --role admin)
K[revoked]=$(key --role admin)
K[wrong]="eok_$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')_$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"$B/eonjena" key revoke --config "$T/eonjena.cfg" "$(echo "${K[revoked]}" | cut -d_ -f2)" >/dev/null
echo 'night-shift-pw-1' | "$B/eonjena" key passwd kim --role operator --sites suwon --config "$T/eonjena.cfg" >/dev/null
! grep -q "${K[admin]#eok_*_}" "$T/keys" || eo_fail "a key's secret is in the file in clear"
[ "$(stat -c %a "$T/keys")" = 600 ] || eo_fail "the credentials file is not 0600"

# Saturday 02:00: a request is queued for the provider (nothing is sent to carers).
eo_start serve "$B/eonjena" serve --init --config "$T/eonjena.cfg" --store "$T/var/store" \
  --clock "offset:2026-11-28T02:00:00+09:00" --carers 200 --matchers 1 # one store: eonjena log reads it
eo_wait_for "serve" 30 curl -sf "$API/v1/health"
eo_wait_for "serve to be ready" 30 curl -sf "$API/v1/ready"
curl -s -c "$T/cookies" -o "$T/login.out" -w '%{http_code}' -X POST "$API/v1/session" \
  -d '{"id":"kim","password":"night-shift-pw-1"}' >"$T/login.code"
[ "$(cat "$T/login.code")" = 200 ] || eo_fail "operator login: $(cat "$T/login.out")"
grep -q eo_session "$T/cookies" || eo_fail "no session cookie"

BODY_request='{"site":"suwon","dong":"4111156000","start":"2026-11-30T10:00","end":"2026-11-30T12:00",
  "channel":"call_centre","member":{"id":"m-9","phone":"010-2222-3333","verified":true},
  "child":{"first_name":"하준","age_months":40},"address":"수원시 장안구 1"}'
BODY_holiday='{"date":"2026-11-30","name":"임시공휴일","kind":"temporary"}'
BODY_payment='{"reference":"r-1"}' # {req} is queued for its provider: nothing is due
BODY_badlogin='{"id":"kim","password":"guess"}'
BODY_empty='{}'
BODY_hookbad='{"url":"ftp://nowhere"}' # a webhook that cannot be: nothing is registered
BODY_consent='{"pool":true}'
BODY_member='{"id":"m-auth","site":"suwon","phone":"010-3333-4444","name":"김하나",
  "children":[{"id":"c1","first_name":"하준","birth_date":"2023-01-05"}]}'
BODY_verify='{"verified":true}'
BODY_assign='{"carer_id":999999}'         # nobody: refused, {req} stays as it is
BODY_reschedule='{"start":"2026-11-30T10:00","end":"2026-11-30T12:00"}' # its own time
BODY_close='{"reason":""}'                # no reason: refused
BODY_restrict='{"cause":"noshow","months":1,"note":"auth matrix"}'

# call CALLER METHOD PATH BODY: prints "<status>:<error code or empty>"
call() {
  local args=(-s -o "$T/out" -w '%{http_code}' -X "$2")
  [ "$4" = - ] || { local v="BODY_$4"; args+=(-d "${!v}"); }
  case $1 in
    none) ;;
    console) args+=(-b "$T/cookies") ;;
    *) args+=(-H "Authorization: Bearer ${K[$1]}") ;;
  esac
  local status body; status=$(curl "${args[@]}" "$API$3")
  body=$(<"$T/out")
  [[ "$body" =~ \"error\":\{\"code\":\"([^\"]*)\" ]] && status+=":${BASH_REMATCH[1]}" || status+=":"
  echo "$status"
}

# member's own request, for the GET row
REQ=$(call member POST /v1/requests request | cut -d: -f1)
[ "$REQ" = 201 ] || eo_fail "the member could not create a request: $(cat "$T/out")"
REQ_ID=$(eo_json id <"$T/out")
[[ "$REQ_ID" =~ ^suwon-[0-9a-f]{24}$ ]] || eo_fail "request id: $REQ_ID"

# a carer of suwon, for the carers' rows
CARER=$(curl -s -H "Authorization: Bearer ${K[admin]}" "$API/v1/carers?site=suwon&limit=1" \
  | sed -n 's/^{"items":\[{"id":\([0-9]*\).*/\1/p')
[ -n "$CARER" ] || eo_fail "no carer of suwon to call the carers' routes with"

# 3. every row x every caller
fails=0 cells=0
while read -r method pattern path body rest; do
  [[ -z "$method" || "$method" == \#* ]] && continue
  read -r -a want <<<"$rest"
  path=${path//\{req\}/$REQ_ID}
  path=${path//\{carer\}/$CARER}
  [ "$method" = - ] && method=GET
  for i in "${!CALLERS[@]}"; do
    got=$(call "${CALLERS[$i]}" "$method" "$path" "$body")
    cells=$((cells + 1))
    w=${want[$i]}
    [[ "$w" == *:* ]] || got=${got%%:*} # a status alone: any error code
    if [ "$got" != "$w" ]; then
      echo "  $method $path as ${CALLERS[$i]}: want $w, got $got ($(head -c 160 "$T/out"))" >&2
      fails=$((fails + 1))
    fi
  done
done <"$M"
echo "matrix: $cells cells, $fails wrong"
[ "$fails" = 0 ] || eo_fail "$fails answers differ from the matrix"

# an operator's intake names the operator in the case's journal (the console session of
# kim ended with the matrix's last row: log in again)
curl -s -c "$T/cookies" -o /dev/null -X POST "$API/v1/session" -d '{"id":"kim","password":"night-shift-pw-1"}'
[ "$(call console POST /v1/requests request | cut -d: -f1)" = 201 ] || eo_fail "console intake: $(cat "$T/out")"
KIM_REQ=$(eo_json id <"$T/out")
# public answers carry nothing about the host: the store's folder is for admins
curl -s "$API/v1/ready" | grep -qF "$T" && eo_fail "an anonymous /v1/ready names the store's folder"
curl -s -H "Authorization: Bearer ${K[admin]}" "$API/v1/ready" | grep -qF "$T/var/store" \
  || eo_fail "an admin's /v1/ready does not name the store"
# the demo header is absent when credentials are on
curl -s -D - -o /dev/null "$API/v1/health" | grep -qi x-eonjena-insecure-demo && eo_fail "demo header outside demo mode"
# every key-holding caller reaches the gateway without the key appearing in its log
for k in "${K[@]}"; do grep -qF "${k#eok_*_}" "$T/serve.log" && eo_fail "a key's secret is in the log"; done
kill -TERM "$PID_serve"; wait "$PID_serve" || eo_fail "serve exit status $?"
"$B/eonjena" log "$KIM_REQ" --store "$T/var/store" >"$T/journal"
grep -q "caller:kim .*received" "$T/journal" || eo_fail "the journal does not name the operator: $(cat "$T/journal")"
"$B/eonjena" log "$REQ_ID" --store "$T/var/store" | grep -q "caller:${K[member]:4:16} " \
  || eo_fail "the journal does not name the member app's key"
echo "auth.matrix: ok"
