#!/usr/bin/env bash
# kannel.integration: start a Kannel stack on free loopback ports, run the test program
# against it, and stop the stack whatever happens (trap).
#   run.sh <test program> [its arguments]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
prog=$1; shift
dir=${EO_TEST_TMP:-/tmp/eo-kannel-test}
rm -rf "$dir"
mkdir -p "$dir"
trap '"$here/stack.sh" stop "$dir"' EXIT
port=$("$here/stack.sh" port "$dir")
"$here/stack.sh" start "$dir" "http://127.0.0.1:$port/kannel/kannel/mo"
set -a
. "$dir/env"
EO_SMS_PORT=$port
EO_TEST_TMP=$dir
set +a
status=0
"$prog" "$@" || status=$?
if grep -qi "bind failed" "$dir"/*.log; then
    echo "kannel: bind failed in the Kannel logs" >&2
    status=1
fi
[ $status -eq 0 ] || { echo "--- smsbox.log (tail)"; tail -20 "$dir/smsbox.log"; } >&2
exit $status
