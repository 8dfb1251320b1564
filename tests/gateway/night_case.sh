# Source it (after tests/e2e/lib.sh, with $API set). The request the api.* tests of the
# evening make: member m-N, 파장동 (suwon), 22:00-24:00 on Friday 2026-11-27.
# eo_night_case KEY N: make it with the member app's KEY; prints its id.
eo_night_case() {
  local body="{\"site\":\"suwon\",\"dong\":\"4111156000\",\"start\":\"2026-11-27T22:00\",
    \"end\":\"2026-11-28T00:00\",\"channel\":\"app\",\"member\":{\"id\":\"m-$2\",
    \"phone\":\"010-1234-56$((10 + $2))\",\"verified\":true},\"child\":{\"first_name\":\"서연\",
    \"age_months\":60},\"address\":\"수원시 장안구 파장로 1\"}"
  local out; out=$(curl -s -H "Authorization: Bearer $1" -X POST -d "$body" "$API/v1/requests")
  local id; id=$(echo "$out" | eo_json id)
  [[ "$id" == suwon-* ]] || eo_fail "intake: $out"
  echo "$id"
}
