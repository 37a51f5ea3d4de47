#!/bin/bash
# Issue #13: tools/build-deb.sh builds etmem and etmem-dkms from a clean clone of HEAD
# (commit first: uncommitted changes are not in the clone) and lintian reports no error;
# the packages hold what an administrator needs.  Exit 77 (skip) without the tools.
set -u
src=$1
for t in dpkg-buildpackage dh dh_dkms lintian git; do
        command -v "$t" >/dev/null || { echo "SKIP: $t is not installed (tools/deps.sh)"; exit 77; }
done
out=$(mktemp -d /tmp/etmem-deb-test.XXXXXX)
trap 'rm -rf "$out"' EXIT
fail=0

if ! "$src/tools/build-deb.sh" "$out"; then
        echo "FAIL: tools/build-deb.sh failed (expected packages and no lintian error)"
        exit 1
fi

# expect PACKAGE PATH...: each PATH is in the package's file list
expect() {
        local deb list p
        deb=$(ls "$out"/"$1"_*.deb 2>/dev/null | head -1)
        shift
        [ -n "$deb" ] || { echo "FAIL: no package file for $1 in $out: $(ls "$out")"; fail=1; return; }
        list=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
        for p in "$@"; do
                grep -qx -- "$p" <<<"$list" || { echo "FAIL: $(basename "$deb") lacks $p"; fail=1; }
        done
}
expect etmem /usr/sbin/etmemd /usr/bin/etmemctl /usr/bin/etmem \
        /lib/systemd/system/etmem.service \
        /usr/share/dbus-1/system.d/org.etmem.conf /usr/share/dbus-1/system-services/org.etmem.service \
        /usr/share/polkit-1/actions/org.etmem.policy \
        /usr/share/man/man8/etmemd.8.gz /usr/share/man/man1/etmemctl.1.gz /usr/share/man/man1/etmem.1.gz \
        /usr/share/man/man5/etmem.conf.5.gz /usr/share/man/man7/etmem-engines.7.gz \
        /usr/share/bash-completion/completions/etmemctl /usr/share/bash-completion/completions/etmem \
        /usr/share/doc/etmem/examples/slide_conf.ini /usr/share/etmem/examples/psi_conf.yaml \
        /usr/share/cockpit/etmem/manifest.json /usr/share/cockpit/etmem/index.html \
        /lib/systemd/system/etmem.service /lib/systemd/system/etmem-metrics.timer
expect etmem-dkms /usr/lib/modules-load.d/etmem-dkms.conf /usr/src/etmem-0.1.0/dkms.conf \
        /usr/src/etmem-0.1.0/etmem_scan.c /usr/src/etmem-0.1.0/Kbuild /usr/src/etmem-0.1.0/Makefile
contents=$(dpkg-deb -c "$out"/etmem_*.deb)
for f in engines/etmem-engine-slide.so engines/etmem-engine-cslide.so engines/etmem-engine-psi.so \
         engines/etmem-engine-numa.so; do
        grep -q "/etmem/$f\$" <<<"$contents" || { echo "FAIL: etmem lacks $f"; fail=1; }
done

# the maintainer scripts: DKMS builds at install, the unit is enabled and started
tmp=$out/ctl
dpkg-deb -e "$out"/etmem-dkms_*.deb "$tmp-dkms"
grep -q 'dkms' "$tmp-dkms/postinst" || { echo "FAIL: etmem-dkms's postinst does not run dkms:"; cat "$tmp-dkms/postinst"; fail=1; }
dpkg-deb --fsys-tarfile "$out"/etmem-dkms_*.deb | tar -xO ./usr/src/etmem-0.1.0/dkms.conf | grep -c 'PACKAGE_VERSION="0.1.0"' >/dev/null \
        || { echo "FAIL: dkms.conf has no PACKAGE_VERSION=\"0.1.0\""; fail=1; }
dpkg-deb -e "$out"/etmem_*.deb "$tmp-etmem"
grep -q "deb-systemd-helper enable 'etmem.service'" "$tmp-etmem/postinst" ||
        { echo "FAIL: etmem's postinst does not enable etmem.service:"; cat "$tmp-etmem/postinst"; fail=1; }
# the example timer: never enabled on a new install (--no-enable: only an admin's own
# enabling is kept across upgrades, inside "debian-installed"), its state tracked
if ! grep -q "deb-systemd-helper debian-installed 'etmem-metrics.timer'" "$tmp-etmem/postinst" ||
   ! grep -q "deb-systemd-helper update-state 'etmem-metrics.timer'" "$tmp-etmem/postinst"; then
        echo "FAIL: etmem's postinst handles the example metrics timer as an enabled unit:"; cat "$tmp-etmem/postinst"; fail=1
fi
[ $fail = 0 ] && echo "ok: packages built, lintian clean of errors, contents and maintainer scripts as expected"
exit $fail
