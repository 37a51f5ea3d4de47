#!/bin/bash
# Builds the Debian packages (etmem, etmem-dkms) from a clean clone of this checkout's
# HEAD and runs lintian on them.  Usage: tools/build-deb.sh [OUTDIR]   (default ./deb-out)
# Needs: debhelper, dh-dkms, lintian and the Build-Depends of debian/control
# (apt-get build-dep ./ or tools/deps.sh).  Exit 1 if the build fails or lintian
# reports an error; lintian's warnings are printed and kept in OUTDIR/lintian.txt.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$src/deb-out}")
work=$(mktemp -d /tmp/etmem-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT

git clone -q --no-hardlinks "$src" "$work/etmem"
cd "$work/etmem"
dpkg-buildpackage -b -us -uc > "$work/build.log" 2>&1 || { tail -50 "$work/build.log"; echo "FAIL: dpkg-buildpackage"; exit 1; }
mkdir -p "$out"
cp "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out"/
changes=$(ls "$out"/etmem_*.changes | tail -1)
echo "built: $(cd "$out" && ls *.deb | tr '\n' ' ')"
# lintian exits non-zero on errors (its default --fail-on error)
rc=0
lintian --fail-on error --tag-display-limit 0 "$changes" > "$out/lintian.txt" 2>&1 || rc=$?
cat "$out/lintian.txt"
echo "lintian: $(grep -c '^E:' "$out/lintian.txt" || true) errors, $(grep -c '^W:' "$out/lintian.txt" || true) warnings (exit $rc)"
exit $rc
