#!/bin/bash
# deploy.bench: `eonjena-bench e2e` (small: 60 requests of 2 sites) starts the real
# multi-process deployment, drives it, checks every store, stops it, removes its folder
# and prints ONE JSON line with the fields the figures are read from; then the same over
# unix sockets (--transport ipc) with two stores placed in folders of their own
# (--store-dirs); then straight into the broker (--via broker). Placing stores that
# cannot be placed is refused before anything starts.
set -euo pipefail
. "$(dirname "$0")/../e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
B=$EO_BINARY_DIR
TMPDIR=$EO_TEST_TMP "$B/eonjena-bench" e2e --requests 60 --sites 2 --rate 30 --matchers 2 \
    --carers 3000 --dir "$EO_TEST_TMP/deploy" >"$EO_TEST_TMP/out.json" 2>"$EO_TEST_TMP/err.txt" ||
    eo_fail "eonjena-bench e2e: $(cat "$EO_TEST_TMP/err.txt" "$EO_TEST_TMP/out.json")"
cat "$EO_TEST_TMP/out.json"
[ "$(wc -l <"$EO_TEST_TMP/out.json")" = 1 ] || eo_fail "not one line"
J=$(cat "$EO_TEST_TMP/out.json")
echo "$J" | grep -Eq '^\{"bench":"e2e","requests":60,"sites":2,"req_per_s":[0-9.]+,"p50_ms":[0-9.]+,"p99_ms":[0-9.]+,"settled":[0-9]+,"check":"ok"' ||
    eo_fail "not the e2e line: $J"
settled=$(echo "$J" | grep -o '"settled":[0-9]*' | cut -d: -f2)
[ "$settled" -gt 0 ] || eo_fail "nothing settled"
# where the time went: every hop of the 60 intakes, every role's CPU and bytes written
grep -Eq '"hops_ms":\{"to_decided":\{"n":60,' <<<"$J" || eo_fail "no hops for the 60 intakes: $J"
grep -Eq '"decided_to_201":\{"n":60,' <<<"$J" || eo_fail "no decided -> 201 hop: $J"
for role in broker gateway sms handoff matcher-1 matcher-2; do
    grep -Eq "\"cpu_ms_per_req\":\{[^}]*\"$role\":[0-9.]+" <<<"$J" || eo_fail "no CPU of $role: $J"
    grep -Eq "\"written_kib_per_req\":\{[^}]*\"$role\":[0-9.]+" <<<"$J" ||
        eo_fail "no bytes written by $role: $J"
done
# a matcher commits each decision to its store: it wrote at least a page per request
kib=$(grep -Eo '"written_kib_per_req":\{[^}]*\}' <<<"$J" | grep -Eo '"matcher-[12]":[0-9.]+' |
    cut -d: -f2 | awk '{s += $1} END {print int(s)}')
[ "$kib" -ge 4 ] || eo_fail "the matchers wrote $kib KiB a request: $J"
# the roles that store what a request brings made durable commits, each at least a page
# and its meta page (requests write nothing to the gateway's own store, and the
# broker has none)
grep -Eq '"commits_per_req":\{[^}]*"gateway":0' <<<"$J" || eo_fail "the gateway's commits: $J"
for role in sms handoff matcher-1 matcher-2; do
    c=$(grep -Eo '"commits_per_req":\{[^}]*\}' <<<"$J" | grep -Eo "\"$role\":[0-9.e-]+" | cut -d: -f2)
    awk -v c="${c:-0}" 'BEGIN {exit !(c > 0)}' || eo_fail "no commits of $role: $J"
    k=$(grep -Eo '"kib_per_commit":\{[^}]*\}' <<<"$J" | grep -Eo "\"$role\":[0-9.e-]+" | cut -d: -f2)
    awk -v k="${k:-0}" 'BEGIN {exit !(k >= 8)}' || eo_fail "$role wrote ${k:-no} KiB a commit: $J"
done
grep -Eq '"commits_per_req":\{[^}]*"broker"' <<<"$J" && eo_fail "the broker has no store: $J"
# the load generator's own CPU (it shares the cores with the roles): 60 requests cost
# more than nothing and less than a second each
l=$(grep -Eo '"load_cpu_ms_per_req":[0-9.e-]+' <<<"$J" | cut -d: -f2)
awk -v l="${l:-0}" 'BEGIN {exit !(l > 0 && l < 1000)}' || eo_fail "the load generator's CPU: ${l:-none}: $J"
# batches: how each matcher's went over the run, from its stats lines (the last one
# written as it stopped): every intake among their items, each commit taking time
matcher_batches() { # NAME JSON: both matchers' batches hold the 60 intakes at least
    local items=0 role b
    for role in matcher-1 matcher-2; do
        b=$(grep -Eo "\"$role\":\{\"batches\":[0-9.]+,\"items_per_batch\":[0-9.]+,\"decide_ms\":[0-9.e-]+,\"commit_ms\":[0-9.e-]+,\"cpu_ms\":[0-9.e-]+,\"busy_pct\":[0-9.e-]+\}" <<<"$2") ||
            eo_fail "$1: no batches of $role: $2"
        read -r n per commit busy < <(tr ',:{}' '    ' <<<"$b" | awk '{print $3, $5, $9, $13}')
        awk -v c="$commit" -v b="$busy" 'BEGIN {exit !(c > 0 && b > 0 && b <= 100)}' ||
            eo_fail "$1: $role: commit $commit ms, busy $busy %: $2"
        items=$(awk -v i="$items" -v n="$n" -v p="$per" 'BEGIN {printf "%d", i + n * p + 0.5}')
    done
    [ "$items" -ge 60 ] || eo_fail "$1: the matchers' batches held $items items, not the 60 intakes: $2"
}
matcher_batches tcp "$J"
# the split the bench wrote: the run's two sites on different matchers, every site served
mapfile -t S <"$EO_TEST_TMP/deploy/shards"
[ "${#S[@]}" = 2 ] || eo_fail "shards: ${#S[@]} lines"
if grep -Eq '(^|,)suwon(,|$)' <<<"${S[0]}"; then other=${S[1]}; else other=${S[0]}; fi
grep -Eq '(^|,)hwaseong(,|$)' <<<"$other" || eo_fail "suwon and hwaseong share a matcher: ${S[*]}"
n=$(tr ',' '\n' <<<"${S[0]},${S[1]}" | grep -c .)
[ "$n" = "$("$B/eonjena" shards 1 | tr ',' '\n' | grep -c .)" ] || eo_fail "not every site is served: ${S[*]}"
for f in "$EO_TEST_TMP"/deploy/run/*.pid; do [ -e "$f" ] && eo_fail "$f: the deployment was not stopped"; done
pgrep -f "$EO_TEST_TMP/deploy/" >/dev/null && eo_fail "a process of the deployment still runs"
grep -q '"transport":"tcp"' <<<"$J" || eo_fail "the transport is not named: $J"

# the same over unix sockets (--transport ipc): the roles reach the broker at a socket in
# the deployment's run folder, which only this user may open
# small_e2e NAME OPTIONS...: the small run again with OPTIONS, its folder kept in
# $EO_TEST_TMP/NAME; its JSON line in J. Something must settle and every store check.
small_e2e() {
    local name=$1
    shift
    TMPDIR=$EO_TEST_TMP "$B/eonjena-bench" e2e --requests 60 --sites 2 --rate 30 --matchers 2 \
        --carers 3000 "$@" --dir "$EO_TEST_TMP/$name" >"$EO_TEST_TMP/$name.json" \
        2>"$EO_TEST_TMP/$name.txt" || eo_fail "e2e $*: $(cat "$EO_TEST_TMP/$name.txt" "$EO_TEST_TMP/$name.json")"
    J=$(cat "$EO_TEST_TMP/$name.json")
    echo "$J"
    grep -Eq '"settled":[1-9][0-9]*,"check":"ok"' <<<"$J" || eo_fail "$*: nothing settled or check failed: $J"
}
# ... and with two stores placed elsewhere (--store-dirs, eonjena-deploy --store-dir), as
# on a host with a disk for each: the roles write there through DIR/stores/ROLE's link
small_e2e ipc --transport ipc --store-dirs "handoff=$EO_TEST_TMP/disk2/handoff,matcher-2=$EO_TEST_TMP/disk3/m2"
for pair in handoff:disk2/handoff matcher-2:disk3/m2; do
    role=${pair%%:*} place=$EO_TEST_TMP/${pair#*:}
    [ "$(readlink "$EO_TEST_TMP/ipc/stores/$role")" = "$(realpath -m "$place")" ] ||
        eo_fail "--store-dirs: stores/$role is not a link to $place"
    [ -s "$place/data.mdb" ] || eo_fail "--store-dirs: no store in $place"
    [ "$(stat -c %a "$place")" = 700 ] || eo_fail "--store-dirs: $place is open to others"
    grep -Eq "^  $role +pid .*\(store in $(realpath -m "$place")\)$" "$EO_TEST_TMP/ipc.log" ||
        eo_fail "--store-dirs: the status does not say where $role's store is: $(grep pid "$EO_TEST_TMP/ipc.log")"
done
"$B/eonjena" check --store "$EO_TEST_TMP/disk3/m2" >/dev/null || eo_fail "--store-dirs: matcher-2's store"
# the folder starts again with the same places, its stores where they were (and on the
# API address its configuration was made with)
trap 'eo_cleanup; "$EO_SOURCE_DIR/deploy/eonjena-deploy" stop "$EO_TEST_TMP/ipc" >/dev/null 2>&1 || true' EXIT
EO_DEPLOY_BIN=$B "$EO_SOURCE_DIR/deploy/eonjena-deploy" start "$EO_TEST_TMP/ipc" --transport ipc \
    --http "$(cat "$EO_TEST_TMP/ipc/run/http")" --store-dir "handoff=$EO_TEST_TMP/disk2/handoff" \
    --store-dir "matcher-2=$EO_TEST_TMP/disk3/m2" >"$EO_TEST_TMP/again.txt" 2>&1 ||
    eo_fail "--store-dir: started again: $(cat "$EO_TEST_TMP/again.txt")"
grep -q "matcher-2 .*(store in $(realpath -m "$EO_TEST_TMP/disk3/m2"))" "$EO_TEST_TMP/again.txt" ||
    eo_fail "--store-dir: started again: $(cat "$EO_TEST_TMP/again.txt")"
"$EO_SOURCE_DIR/deploy/eonjena-deploy" stop "$EO_TEST_TMP/ipc" >/dev/null
grep -Eq '"commits_per_req":\{[^}]*"handoff":[0-9.e-]*[1-9]' <<<"$J" || eo_fail "--store-dirs: handoff made no commits: $J"
# without --dir the deployment is temporary, and so are the stores placed for it
TMPDIR=$EO_TEST_TMP "$B/eonjena-bench" e2e --requests 20 --sites 2 --rate 30 --matchers 1 \
    --carers 1000 --transport ipc --store-dirs "sms=$EO_TEST_TMP/disk4/sms" \
    >"$EO_TEST_TMP/temp.json" 2>"$EO_TEST_TMP/temp.txt" || eo_fail "temporary: $(cat "$EO_TEST_TMP/temp.txt")"
grep -q '"check":"ok"' "$EO_TEST_TMP/temp.json" || eo_fail "temporary: $(cat "$EO_TEST_TMP/temp.json")"
[ ! -e "$EO_TEST_TMP/disk4/sms" ] || eo_fail "--store-dirs without --dir: the sms store was left behind"
# a place that holds something, or that is not ROLE=DIR, is refused before anything runs
for bad in "sms=$EO_TEST_TMP/disk2/handoff:is not empty" "nonsense:is not ROLE=DIR"; do
    if "$B/eonjena-bench" e2e --requests 1 --store-dirs "${bad%%:*}" >"$EO_TEST_TMP/bad.txt" 2>&1; then
        eo_fail "--store-dirs ${bad%%:*} was taken"
    fi
    grep -q "${bad#*:}" "$EO_TEST_TMP/bad.txt" || eo_fail "--store-dirs ${bad%%:*}: $(cat "$EO_TEST_TMP/bad.txt")"
done
grep -q '"transport":"ipc"' <<<"$J" || eo_fail "ipc: $J"
grep -Eq '"hops_ms":\{"to_decided":\{"n":60,' <<<"$J" || eo_fail "ipc: no hops: $J"
[ "$(cat "$EO_TEST_TMP/ipc/run/broker_endpoint")" = "ipc://$EO_TEST_TMP/ipc/run/broker.ipc" ] ||
    eo_fail "ipc: endpoint $(cat "$EO_TEST_TMP/ipc/run/broker_endpoint")"
for role in matcher-1 matcher-2 sms handoff gateway; do
    grep -q "running (broker ipc://$EO_TEST_TMP/ipc/run/broker.ipc" "$EO_TEST_TMP/ipc/logs/$role.log" ||
        eo_fail "ipc: $role did not use the socket: $(grep running "$EO_TEST_TMP/ipc/logs/$role.log")"
done
[ "$(stat -c %a "$EO_TEST_TMP/ipc/run")" = 700 ] || eo_fail "ipc: the run folder is open to others"

# straight into the broker (--via broker), over tcp with the gateway's CURVE cert: the
# same pipeline without the API. Every request is answered and settles as before, the
# stores check, and the gateway served none of them.
small_e2e direct --via broker
grep -Eq '"accepted":60,' <<<"$J" || eo_fail "via broker: not every request accepted: $J"
grep -Eq '"offered":[1-9]' <<<"$J" || eo_fail "via broker: no offers timed: $J"
grep -q '"via":"broker"' <<<"$J" && grep -q '"transport":"tcp"' <<<"$J" || eo_fail "via broker: $J"
matcher_batches "via broker" "$J"
# (through the API the gateway's access log has a "POST /v1/requests 201" line for each)
grep -q 'POST /v1/requests 201' "$EO_TEST_TMP/ipc/logs/gateway.log" || eo_fail "ipc: no access lines"
[ "$(grep -c '/v1/requests' "$EO_TEST_TMP/direct/logs/gateway.log")" = 0 ] ||
    eo_fail "via broker: the gateway served requests"
# bad use is refused before anything is sent: half a CURVE pair, a broker off this host
if "$B/eonjena-load" --broker tcp://127.0.0.1:1 --broker-cert /dev/null --requests 1 \
    >"$EO_TEST_TMP/half.txt" 2>&1; then
    eo_fail "eonjena-load took --broker-cert without --cert"
fi
grep -q "CURVE needs both --broker-cert and --cert" "$EO_TEST_TMP/half.txt" || eo_fail "half: $(cat "$EO_TEST_TMP/half.txt")"
if "$B/eonjena-load" --broker tcp://10.1.2.3:5555 --requests 1 >"$EO_TEST_TMP/far.txt" 2>&1; then
    eo_fail "a remote broker was driven without --allow-remote"
fi
grep -q "not on loopback" "$EO_TEST_TMP/far.txt" || eo_fail "far: $(cat "$EO_TEST_TMP/far.txt")"

# a folder too deep for a unix socket's path is refused before anything starts
deep=$EO_TEST_TMP/$(printf 'd%.0s' {1..100})
if "$EO_SOURCE_DIR/deploy/eonjena-deploy" start "$deep" --transport ipc --bin "$B" \
    >"$EO_TEST_TMP/deep.txt" 2>&1; then
    eo_fail "ipc: a socket path over 107 bytes was accepted"
fi
grep -q "too long a path for a unix socket" "$EO_TEST_TMP/deep.txt" || eo_fail "deep: $(cat "$EO_TEST_TMP/deep.txt")"
[ ! -e "$deep/keys" ] || eo_fail "deep: keys were made before the refusal"
# --store-dir that cannot be honoured is refused before any key, folder, link or
# process: not ROLE=DIR, a role without a store, a matcher that is not there, a role
# given twice, two roles in one folder, and a role whose store is already in the
# deployment's folder (it is never moved or hidden behind a link)
refused() { # DIR WHY OPTIONS...: eonjena-deploy start DIR OPTIONS fails saying WHY
    local dir=$1 why=$2
    shift 2
    if "$EO_SOURCE_DIR/deploy/eonjena-deploy" start "$dir" --bin "$B" "$@" >"$EO_TEST_TMP/refused.txt" 2>&1; then
        "$EO_SOURCE_DIR/deploy/eonjena-deploy" stop "$dir" >/dev/null 2>&1 || true
        eo_fail "eonjena-deploy start $* was taken"
    fi
    grep -q "$why" "$EO_TEST_TMP/refused.txt" || eo_fail "$*: $(cat "$EO_TEST_TMP/refused.txt")"
    pgrep -f "$dir/" >/dev/null && eo_fail "$*: something started"
    return 0
}
refused "$EO_TEST_TMP/placed" "wants ROLE=DIR" --store-dir "sms"
refused "$EO_TEST_TMP/placed" "no role 'broker' has a store" --store-dir "broker=$EO_TEST_TMP/b"
refused "$EO_TEST_TMP/placed" "there are 2 matchers" --store-dir "matcher-3=$EO_TEST_TMP/m3"
refused "$EO_TEST_TMP/placed" "is sms's (one store a folder)" --store-dir "sms=$EO_TEST_TMP/one" \
    --store-dir "handoff=$EO_TEST_TMP/one/"
refused "$EO_TEST_TMP/placed" "matcher-1: given twice" --store-dir "matcher-1=$EO_TEST_TMP/m1" \
    --store-dir "matcher-1=$EO_TEST_TMP/m1b"
[ ! -e "$EO_TEST_TMP/one" ] && [ -z "$(ls -A "$EO_TEST_TMP/placed/stores")" ] ||
    eo_fail "--store-dir: a refused start made folders or links"
[ ! -e "$EO_TEST_TMP/placed/keys" ] || eo_fail "--store-dir: keys were made before the refusal"
refused "$EO_TEST_TMP/direct" "its store is in $EO_TEST_TMP/direct/stores/sms already" \
    --store-dir "sms=$EO_TEST_TMP/elsewhere"
[ -d "$EO_TEST_TMP/direct/stores/sms" ] && [ ! -L "$EO_TEST_TMP/direct/stores/sms" ] ||
    eo_fail "--store-dir: the sms store was moved"
echo "deploy.bench: ok"
