#!/bin/bash
# ops.package: the Debian package (cpack -G DEB, as `make deb`) builds from this build,
# holds the executables, the data, the configuration (a conffile) and the systemd units
# with their maintainer scripts, and every unit passes `systemd-analyze verify` against
# the package's own files. Then dpkg really installs it, into a scratch root (never the
# host: `dpkg --root --force-script-chrootless`, the maintainer scripts honouring
# DPKG_ROOT), the installed `eonjena serve`, run from / with the checkout's data out of
# its sight, serves health and data, and dpkg removes and purges it again.
# Skipped (77) only where systemd-analyze or dpkg is missing, or without root (dpkg and
# the postinst's chown need it).
set -euo pipefail
. "$EO_SOURCE_DIR/tests/e2e/lib.sh"
rm -rf "$EO_TEST_TMP" && mkdir -p "$EO_TEST_TMP"
T=$EO_TEST_TMP
fail() { eo_fail "$@"; }
command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze (make deps installs systemd)"; exit 77; }
command -v dpkg >/dev/null || { echo "SKIP: no dpkg (a Debian system has it)"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: not root (dpkg -i and the postinst's chown need it)"; exit 77; }

(cd "$T" && cpack -G DEB --config "$EO_BINARY_DIR/CPackConfig.cmake" -B "$T") >"$T/cpack.log" 2>&1 ||
  fail "cpack: $(tail -5 "$T/cpack.log")"
deb=$(ls "$T"/eonjena_*.deb)
dpkg-deb -c "$deb" | awk '{print $6}' >"$T/files"
for f in ./usr/bin/eonjena ./usr/bin/eonjena-matcher ./usr/bin/eonjena-sms ./usr/bin/eonjena-handoff \
         ./usr/bin/eonjena-gateway ./usr/share/eonjena/dong/dong.tsv ./usr/share/eonjena/fees.tsv \
         ./etc/eonjena/eonjena.cfg ./usr/lib/systemd/system/eonjena.service \
         ./usr/lib/systemd/system/eonjena-matcher.service ./usr/share/doc/eonjena/operations.md; do
  grep -qx -- "$f" "$T/files" || fail "the package lacks $f"
done
if grep -q '^./var/' "$T/files"; then fail "the package owns files in /var (the state is the postinst's)"; fi
dpkg-deb -e "$deb" "$T/control"
grep -qx /etc/eonjena/eonjena.cfg "$T/control/conffiles" || fail "the configuration is no conffile"
grep -q 'useradd --system' "$T/control/postinst" || fail "postinst makes no system user"
grep -q '^Depends:.*libczmq4' "$T/control/control" || fail "no shared-library dependencies"

# verify the units against the package's files (their ExecStart binaries included), with
# the host's own units for the targets they name
x="$T/root"
dpkg-deb -x "$deb" "$x"
units=$(ls "$x"/usr/lib/systemd/system/eonjena*.service)
for f in /lib/systemd/system/*; do
  [ -e "$x/usr/lib/systemd/system/$(basename "$f")" ] || cp -a "$f" "$x/usr/lib/systemd/system/"
done
rc=0
systemd-analyze verify --root="$x" $units >"$T/verify.log" 2>&1 || rc=$?
[ "$rc" = 0 ] && [ ! -s "$T/verify.log" ] || fail "systemd-analyze verify (exit $rc): $(cat "$T/verify.log")"
for u in $units; do
  for want in Type=notify Restart=on-failure NoNewPrivileges=yes ProtectSystem=strict \
              PrivateTmp=yes User=eonjena StateDirectory=eonjena; do
    grep -qx "$want" "$u" || fail "$(basename "$u") lacks $want"
  done
done

. "$EO_SOURCE_DIR/tests/ops/dpkg.sh"
echo "ops.package: ok ($(basename "$deb"), $(echo $units | wc -w) units verified, installed, served and purged by dpkg in a scratch root)"
