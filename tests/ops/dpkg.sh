# shellcheck shell=bash
# Sourced by package.sh once $deb is built: dpkg installs it into a scratch root R, never
# the host. `dpkg --root R` keeps its database in R/var/lib/dpkg and unpacks into R;
# --force-script-chrootless runs the maintainer scripts here with DPKG_ROOT=R (Debian's
# convention: they act on R's files, not the host's); --force-depends because R's
# database knows none of the libraries the host has.
# The root lies outside the build tree: a program run from under the build folder counts
# as the checkout's and would use the checkout's files (src/paths.c), as ops.install knows.
R=$(mktemp -d /tmp/eonjena-dpkg.XXXXXX)
trap 'eo_cleanup; rm -rf "$R"' EXIT
admin="$R/var/lib/dpkg"
dpkg_r() { dpkg --root="$R" --force-script-chrootless --force-depends "$@"; }

# what base-passwd and dpkg give a new system: root in the account files, an empty database
mkdir -p "$R/etc" "$admin/info" "$admin/updates"
: >"$admin/status"
echo 'root:x:0:0:root:/root:/bin/bash' >"$R/etc/passwd"
echo 'root:x:0:' >"$R/etc/group"
echo 'root:*:20000:0:99999:7:::' >"$R/etc/shadow"
echo 'root:*::' >"$R/etc/gshadow"
chmod 0640 "$R/etc/shadow" "$R/etc/gshadow"
host_passwd=$(sha256sum /etc/passwd /etc/group)

dpkg_r -i "$deb" >"$T/dpkg-i.log" 2>&1 || fail "dpkg -i: $(tail -5 "$T/dpkg-i.log")"
dpkg --admindir="$admin" -s eonjena >"$T/status" 2>&1 || fail "dpkg -s: $(cat "$T/status")"
grep -qx 'Status: install ok installed' "$T/status" || fail "not installed: $(grep Status "$T/status")"
[ "$(sha256sum /etc/passwd /etc/group)" = "$host_passwd" ] || fail "the install changed the host's accounts"
dpkg -s eonjena >/dev/null 2>&1 && fail "the host's dpkg database knows eonjena"
user=$(grep '^eonjena:' "$R/etc/passwd") || fail "no eonjena user in the root's /etc/passwd"
IFS=: read -r _ _ uid gid _ home shell <<<"$user"
grep -q "^eonjena:x:$gid:" "$R/etc/group" || fail "no eonjena group $gid in the root's /etc/group"
[ "$home" = /var/lib/eonjena ] && [ "$shell" = /usr/sbin/nologin ] || fail "the user: $user"
[ "$(stat -c '%u:%g %a' "$R/var/lib/eonjena")" = "$uid:$gid 700" ] ||
  fail "/var/lib/eonjena is $(stat -c '%u:%g %a' "$R/var/lib/eonjena"), not $uid:$gid 700"
[ "$(stat -c '%u:%g %a' "$R/var/lib/eonjena/holidays.tsv")" = "$uid:$gid 600" ] ||
  fail "the live holiday file is not the user's"
[ "$(stat -c '%u:%g %a' "$R/etc/eonjena/eonjena.cfg")" = "0:$gid 640" ] ||
  fail "the configuration is $(stat -c '%u:%g %a' "$R/etc/eonjena/eonjena.cfg"), not root:eonjena 0640"

# The installed server as its unit starts it (the unit's ExecStart, in R), from /, with
# the installed configuration; the environment moves into R only what names the host's
# /var/lib/eonjena, and the port. Credentials as in production: `eonjena key add`.
cfg="$R/etc/eonjena/eonjena.cfg"
P=$(eo_free_port)
export EONJENA_SERVER_STORE="$R/var/lib/eonjena/store" \
  EONJENA_GATEWAY_KEYS_FILE="$R/var/lib/eonjena/keys" \
  EONJENA_RULES_HOLIDAYS="$R/var/lib/eonjena/holidays.tsv" \
  EONJENA_HANDOFF_HOLIDAYS="$R/var/lib/eonjena/holidays.tsv" \
  EONJENA_GATEWAY_LISTEN="127.0.0.1:$P"
# and, as an operator must before the first start, a key for each pull provider
eo_pull_secrets "$cfg"
(cd / && "$R/usr/bin/eonjena" key add --role admin --config "$cfg") >"$T/key" 2>"$T/key.err" ||
  fail "eonjena key add: $(cat "$T/key.err")"
[ -s "$R/var/lib/eonjena/keys" ] || fail "the key is not in the installed state folder"
exec_start=$(sed -n 's/^ExecStart=//p' "$R/usr/lib/systemd/system/eonjena.service")
read -r -a cmd <<<"$exec_start"
[ "${cmd[0]}" = /usr/bin/eonjena ] && [ "${cmd[3]}" = /etc/eonjena/eonjena.cfg ] ||
  fail "the unit runs $exec_start"
cmd[0]="$R${cmd[0]}" && cmd[3]="$R${cmd[3]}"
# In a mount namespace of its own the checkout's data/ and etc/ are empty: what the
# server reads, it reads from the installation (R/usr/share/eonjena).
hide=()
if unshare -m true 2>/dev/null; then
  hide=(unshare -m sh -c 'mount -t tmpfs none "$1/data" && mount -t tmpfs none "$1/etc" &&
    shift && exec "$@"' hide "$EO_SOURCE_DIR")
else
  echo "note: no mount namespace here: the checkout's data stays visible; the data path is checked instead"
fi
(cd / && "$R/usr/bin/eonjena" config check --config "$cfg") >"$T/check.out"
grep -qx "# an installed executable; data files in $R/usr/share/eonjena" "$T/check.out" ||
  fail "the installed eonjena does not use its own data: $(grep '^# ' "$T/check.out")"
cd /
eo_start dpkgserve "${hide[@]}" "${cmd[@]}"
served_or_gone() { ! kill -0 "$PID_dpkgserve" 2>/dev/null || curl -sf "http://127.0.0.1:$P/v1/health"; }
eo_wait_for "the dpkg-installed server's health" 120 served_or_gone
kill -0 "$PID_dpkgserve" 2>/dev/null || fail "the installed server stopped: $(tail -3 "$T/dpkgserve.log")"
code=$(curl -s -o "$T/health.json" -w '%{http_code}' "http://127.0.0.1:$P/v1/health")
[ "$code" = 200 ] || fail "GET /v1/health answered $code"
# the dong table and the fees, from the installed share folder
curl -sf "http://127.0.0.1:$P/v1/dongs?site=suwon" >"$T/dongs.json" || fail "GET /v1/dongs failed"
grep -q '"code":"4111156000","name":"파장동"' "$T/dongs.json" || fail "no dong table: $(head -c 300 "$T/dongs.json")"
q="/v1/quote?site=suwon&start=2026-11-29T21:00&end=2026-11-30T01:00&requested=2026-11-29T18:30"
curl -s "http://127.0.0.1:$P$q" >"$T/quote.json"
grep -q '"total":85900' "$T/quote.json" || fail "no fee table: $(cat "$T/quote.json")"
[ -e "$R/var/lib/eonjena/store/data.mdb" ] || fail "the store is not in the installed state folder"
kill -TERM "$PID_dpkgserve"
wait "$PID_dpkgserve" || fail "the installed server did not stop cleanly: $(tail -5 "$T/dpkgserve.log")"
cd "$T"

# remove keeps the configuration and the user; purge takes both; the state stays
dpkg_r -r eonjena >"$T/dpkg-r.log" 2>&1 || fail "dpkg -r: $(tail -5 "$T/dpkg-r.log")"
grep -qx 'Status: deinstall ok config-files' <(dpkg --admindir="$admin" -s eonjena 2>&1) ||
  fail "after dpkg -r: $(dpkg --admindir="$admin" -s eonjena 2>&1 | grep Status)"
[ ! -e "$R/usr/bin/eonjena" ] && [ -e "$cfg" ] || fail "dpkg -r left the programs or took the configuration"
dpkg_r --purge eonjena >"$T/dpkg-purge.log" 2>&1 || fail "dpkg --purge: $(tail -5 "$T/dpkg-purge.log")"
if dpkg --admindir="$admin" -s eonjena >/dev/null 2>&1; then fail "dpkg still knows eonjena after purge"; fi
[ ! -e "$cfg" ] || fail "purge left the configuration"
! grep -q '^eonjena:' "$R/etc/passwd" "$R/etc/group" || fail "purge left the user or group"
[ -e "$R/var/lib/eonjena/store/data.mdb" ] || fail "purge took the stores (they are kept)"
[ "$(sha256sum /etc/passwd /etc/group)" = "$host_passwd" ] || fail "the removal changed the host's accounts"
