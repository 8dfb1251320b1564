#!/bin/bash
# netns.hosts: simulated hosts. The broker (with the sms role and the HTTP gateway) lives
# in one network namespace, two matcher hosts in two others, each joined to the broker's
# by its own veth link (10.77.1.0/24, 10.77.2.0/24); no host reaches another's link.
# Every tcp link is CURVE (the broker refuses plain tcp beyond loopback). Host 1 serves
# 수원, host 2 every other site. Requests of both sides settle; each case is only in its
# host's store; while 수원 requests run, host 1's link carries their traffic and host 2's
# only heartbeats (byte counters of the two links, printed). Needs root and `ip`
# (iproute2): skipped (exit 77) without them.
set -euo pipefail
. "$(dirname "$0")/../e2e/lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
    echo "netns.hosts: needs root and ip (iproute2): skipped"; exit 77
fi
NS=eo$$
# `ip netns add` makes /run/netns a mount point if it was none; put it back as found when
# no namespace is left (a fresh build chroot cannot remove its /run otherwise)
mountpoint -q /run/netns 2>/dev/null && RUN_NETNS_WAS=1 || RUN_NETNS_WAS=0
run_netns_back() {
    [ "$RUN_NETNS_WAS" = 0 ] && [ -z "$(ls -A /run/netns 2>/dev/null)" ] && { umount /run/netns 2>/dev/null || true; }
    return 0
}
if ! ip netns add "${NS}b" 2>/dev/null; then
    run_netns_back
    echo "netns.hosts: cannot make network namespaces here: skipped"; exit 77
fi
# `ip netns exec` also remounts /sys in a mount namespace, which a chroot whose / is no
# mount point refuses ("mount --make-rslave /" failed: a fresh build chroot)
if ! ip netns exec "${NS}b" true 2>"/tmp/$NS.err"; then
    ip netns del "${NS}b" 2>/dev/null || true
    run_netns_back
    echo "netns.hosts: cannot run in a network namespace here ($(head -1 "/tmp/$NS.err")): skipped"
    rm -f "/tmp/$NS.err"; exit 77
fi
rm -f "/tmp/$NS.err"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
cleanup() {
    eo_cleanup
    for n in b 1 2; do ip netns del "$NS$n" 2>/dev/null || true; done
    run_netns_back
}
trap cleanup EXIT
B=$EO_BINARY_DIR T=$EO_TEST_TMP
on() { local n=$1; shift; ip netns exec "$NS$n" "$@"; } # (eo_start: ip itself, it execs)
ip netns add "${NS}1" && ip netns add "${NS}2"
for h in 1 2; do
    ip link add "${NS}v$h" type veth peer name "${NS}h$h"
    ip link set "${NS}v$h" netns "${NS}b"
    ip link set "${NS}h$h" netns "$NS$h"
    on b ip addr add "10.77.$h.1/24" dev "${NS}v$h"
    on "$h" ip addr add "10.77.$h.2/24" dev "${NS}h$h"
    on b ip link set "${NS}v$h" up
    on "$h" ip link set "${NS}h$h" up
    on "$h" ip link set lo up
done
on b ip link set lo up
# (no ping on a bare Debian: the routes say it) host 1 has a route to the broker host, none
# to host 2; the broker host does not forward between its links
on 1 ip route get 10.77.1.1 >/dev/null || eo_fail "host 1 has no route to the broker host"
if on 1 ip route get 10.77.2.2 >/dev/null 2>&1; then eo_fail "host 1 has a route to host 2"; fi
[ "$(on b cat /proc/sys/net/ipv4/ip_forward)" = 0 ] || eo_fail "the broker host forwards"

# keys: the broker's pair; one per role, only those admitted
mkdir -p "$T/keys/clients"
for k in broker matcher1 matcher2 sms gateway; do
    "$B/eonjena" keygen "$k" --dir "$T/keys" >/dev/null
    [ "$k" = broker ] || cp "$T/keys/$k" "$T/keys/clients/$k"
done
CLOCK="offset:2026-11-27T19:00:00+09:00"
PORT=5555 HTTP=127.0.0.1:8080
eo_config 8080 "$T/eonjena.cfg"
OTHERS=$(awk -F'\t' '!/^#/ && $1 != "slug" && $1 != "suwon" {printf "%s%s", sep, $1; sep=","}' \
         "$EO_SOURCE_DIR/data/sites.tsv")
for h in 1 2; do
    sites=suwon; [ "$h" = 2 ] && sites=$OTHERS
    "$B/eonjena" demo --store "$T/m$h" --carers 2000 --seed 7 --clock "$CLOCK" --sites "$sites"
done

# debug: the broker logs each worker it admits at debug level (its only debug line)
eo_start broker ip netns exec "${NS}b" env EONJENA_LOG_LEVEL=debug "$B/eonjena" broker --bind "tcp://10.77.1.1:$PORT,tcp://10.77.2.1:$PORT,tcp://127.0.0.1:$PORT" \
    --curve-secret "$T/keys/broker_secret" --curve-clients "$T/keys/clients"
eo_wait_for "the broker" 10 grep -q "^ready " "$T/broker.log"
role() { # NAME NS ENDPOINT CERT EXE ARGS...
    local name=$1 ns=$2 ep=$3 cert=$4 exe=$5; shift 5
    eo_start "$name" ip netns exec "$NS$ns" "$B/$exe" --config "$T/eonjena.cfg" --clock "$CLOCK" --broker "$ep" \
        --broker-cert "$T/keys/broker" --cert "$T/keys/${cert}_secret" "$@"
}
role matcher1 1 "tcp://10.77.1.1:$PORT" matcher1 eonjena-matcher --sites suwon --store "$T/m1"
role matcher2 2 "tcp://10.77.2.1:$PORT" matcher2 eonjena-matcher --sites "$OTHERS" --store "$T/m2"
role sms b "tcp://127.0.0.1:$PORT" sms eonjena-sms --store "$T/sms" --init
role gateway b "tcp://127.0.0.1:$PORT" gateway eonjena-gateway --store "$T/gw" --init
ready() { on b curl -sf "http://$HTTP/v1/ready"; }
eo_wait_for "every site served" 30 ready
grep -q "ready for 'match' sites 'suwon'" "$T/broker.log" || eo_fail "host 1 not registered"

post() {
    local body='{"site":"'$1'","dong":"'$2'","start":"2026-11-27T22:00","end":"2026-11-28T00:00",
       "channel":"call_centre","member":{"id":"m-'$1$3'","phone":"010-1234-5678","verified":true},
       "child":{"first_name":"서연","age_months":60},"address":"어딘가로 1"}'
    local out
    out=$(on b curl -s -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' \
          -d "$body" "http://$HTTP/v1/requests")
    [ "$(echo "$out" | tail -n1)" = 201 ] || eo_fail "intake for $1: $out"
    eo_json id <<<"$(head -n1 <<<"$out")" # not echo | head: SIGPIPE under pipefail
}
settled() { on b curl -sf "http://$HTTP/v1/requests/$1" | grep -q '"state":"settled"'; }
bytes() { on b cat "/sys/class/net/${NS}v$1/statistics/tx_bytes"; }

# 수원 traffic: 20 requests; the links' bytes before and after
a1=$(bytes 1) a2=$(bytes 2)
ids=()
for i in $(seq 20); do ids+=("$(post suwon 4111156000 "$i")"); done
# (20 at one time in one 동 compete for the same carers: the first settles, the others
# were taken in by host 1's matcher, which is what the 201 says)
eo_wait_for "${ids[0]} to settle" 30 settled "${ids[0]}"
d1=$(($(bytes 1) - a1)) d2=$(($(bytes 2) - a2))
echo "broker -> host 1 (수원): $d1 bytes; broker -> host 2 (the other sites): $d2 bytes"
[ "$d1" -gt $((5 * d2)) ] || eo_fail "host 2's link carried $d2 bytes against host 1's $d1"
id_b=$(post guri 4131053000 x)
eo_wait_for "guri's $id_b to settle" 30 settled "$id_b"

kill -TERM "$PID_matcher1" "$PID_matcher2"
wait "$PID_matcher1" || eo_fail "matcher 1 exit $?"
wait "$PID_matcher2" || eo_fail "matcher 2 exit $?"
for id in "${ids[@]}"; do
    "$B/eonjena" log "$id" --store "$T/m1" >/dev/null || eo_fail "$id is not on host 1"
    if "$B/eonjena" log "$id" --store "$T/m2" >/dev/null 2>&1; then eo_fail "$id is on host 2"; fi
done
"$B/eonjena" log "$id_b" --store "$T/m2" >/dev/null || eo_fail "$id_b is not on host 2"
if "$B/eonjena" log "$id_b" --store "$T/m1" >/dev/null 2>&1; then eo_fail "$id_b is on host 1"; fi
for h in 1 2; do "$B/eonjena" check --store "$T/m$h" || eo_fail "check host $h"; done
echo "netns.hosts: ok"
