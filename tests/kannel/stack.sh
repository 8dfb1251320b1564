#!/usr/bin/env bash
# Start or stop a Kannel stack (bearerbox, smsbox, fakesmsc) for tests and the bench.
#   stack.sh start DIR MO_URL [KEY]
#                               writes DIR/kannel.conf and DIR/env (ports, sendsms URL,
#                               KANNEL_MO_KEY: the adapter's inbound_secret, which the
#                               get-url sends as key=...), starts the three processes,
#                               fails if any does not come up
#   stack.sh stop DIR           SIGTERM to all three, waits for them (safe to repeat)
#   stack.sh port DIR           print a free port (remembered in DIR/ports)
# fakesmsc reads MO lines from the FIFO DIR/mo.fifo ("from to text msg" or
# "from to ucs2 <url-encoded UCS-2>") and logs what it receives ("Got message") to
# DIR/fakesmsc.out.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
BEARERBOX=${BEARERBOX:-/usr/sbin/bearerbox}
SMSBOX=${SMSBOX:-/usr/sbin/smsbox}
FAKESMSC=${FAKESMSC:-/usr/lib/kannel/test/fakesmsc}

free_port() { # a port nobody listens on, away from Kannel's defaults and below the
    # kernel's ephemeral range (32768-): there another test's outgoing connection may take
    # it between this choice and the bind (seen: the sms role's listen port, in use)
    local p
    for _ in $(seq 1 200); do
        p=$(( 20000 + RANDOM % 12000 ))
        if ! ss -Htln "sport = :$p" 2>/dev/null | grep -q . && ! grep -qw "$p" "$1" 2>/dev/null; then
            echo "$p" >>"$1"
            echo "$p"
            return 0
        fi
    done
    return 1
}

wait_port() { # wait up to 15 s for a listener on port $1 (a loaded machine is slow)
    for _ in $(seq 1 300); do
        ss -Htln "sport = :$1" | grep -q . && return 0
        sleep 0.05
    done
    return 1
}

# taken DIR: a box could not bind its port (another test took it between free_port and
# the bind): the caller tries again with new ports
taken() { grep -qi "bind failed" "$1"/*.log "$1"/*.stdout 2>/dev/null; }

start() { # up to three tries, each with new ports
    local try rc
    for try in 1 2 3; do
        rc=0
        start_once "$@" || rc=$?
        [ "$rc" = 3 ] || return "$rc"
        echo "stack.sh: a port was taken (bind failed), try $try: new ports" >&2
        stop "$1"
    done
    echo "stack.sh: a port was taken three times" >&2
    return 1
}

start_once() {
    local dir=$1 mo_url=$2 mo_key=${3:-kannel-test-inbound-secret}
    mkdir -p "$dir"
    for b in "$BEARERBOX" "$SMSBOX" "$FAKESMSC"; do
        [ -x "$b" ] || { echo "stack.sh: $b missing (make deps installs kannel, kannel-extras)" >&2; exit 1; }
    done
    touch "$dir/ports"
    local admin smsbox fake sendsms
    admin=$(free_port "$dir/ports"); smsbox=$(free_port "$dir/ports")
    fake=$(free_port "$dir/ports"); sendsms=$(free_port "$dir/ports")
    sed -e "s|@ADMIN@|$admin|; s|@SMSBOX@|$smsbox|; s|@FAKE@|$fake|; s|@SENDSMS@|$sendsms|" \
        -e "s|@DIR@|$dir|g; s|@MO_URL@|$mo_url|; s|@MO_KEY@|$mo_key|" "$here/kannel.conf.in" >"$dir/kannel.conf"
    rm -f "$dir"/*.log "$dir/fakesmsc.out" "$dir/mo.fifo"
    cat >"$dir/env" <<ENV
KANNEL_ADMIN_PORT=$admin
KANNEL_SENDSMS_PORT=$sendsms
KANNEL_SENDSMS_URL=http://127.0.0.1:$sendsms/cgi-bin/sendsms
KANNEL_USER=eonjena
KANNEL_PASSWORD=test-secret
KANNEL_FIFO=$dir/mo.fifo
KANNEL_MO_KEY=$mo_key
KANNEL_OUT=$dir/fakesmsc.out
ENV
    # bearerbox first: smsbox and fakesmsc exit at once if it is not up
    "$BEARERBOX" "$dir/kannel.conf" >"$dir/bearerbox.stdout" 2>&1 &
    echo $! >"$dir/bearerbox.pid"
    wait_port "$smsbox" && wait_port "$fake" || ! taken "$dir" || return 3
    wait_port "$smsbox" && wait_port "$fake" ||
        { echo "stack.sh: bearerbox did not come up" >&2; tail -5 "$dir"/bearerbox*.log "$dir/bearerbox.stdout" >&2; exit 1; }
    "$SMSBOX" "$dir/kannel.conf" >"$dir/smsbox.stdout" 2>&1 &
    echo $! >"$dir/smsbox.pid"
    # fakesmsc exits when its stdin closes: a FIFO opened read-write stays open
    mkfifo "$dir/mo.fifo"
    "$FAKESMSC" -H 127.0.0.1 -r "$fake" -i 0.01 -m -1 <>"$dir/mo.fifo" >"$dir/fakesmsc.out" 2>&1 &
    echo $! >"$dir/fakesmsc.pid"
    wait_port "$sendsms" || ! taken "$dir" || return 3
    wait_port "$sendsms" || { echo "stack.sh: smsbox did not come up" >&2; exit 1; }
    for p in bearerbox smsbox fakesmsc; do
        kill -0 "$(cat "$dir/$p.pid")" 2>/dev/null || { echo "stack.sh: $p exited" >&2; exit 1; }
    done
    if taken "$dir"; then return 3; fi
}

stop() {
    local dir=$1 pid
    for p in fakesmsc smsbox bearerbox; do # SIGTERM: SIGINT crashes fakesmsc
        [ -f "$dir/$p.pid" ] || continue
        pid=$(cat "$dir/$p.pid")
        kill -TERM "$pid" 2>/dev/null || true
    done
    for p in fakesmsc smsbox bearerbox; do
        [ -f "$dir/$p.pid" ] || continue
        pid=$(cat "$dir/$p.pid")
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$pid" 2>/dev/null || true
        rm -f "$dir/$p.pid"
    done
}

case "${1:-}" in
start) start "$2" "$3" "${4:-}" ;;
port) mkdir -p "$2"; free_port "$2/ports" ;;
stop) stop "$2" ;;
*) echo "usage: stack.sh start DIR MO_URL | stop DIR" >&2; exit 2 ;;
esac
