#!/bin/sh
# The last step of mkinitramfs.sh and mkinitramfs-ppc64le.sh: put /init, the
# kernel-report patterns it reads (/kernel-reports) and their matcher
# (/kernel-reports.sh, .awk), and the guest programs
# (/guest) into the staged tree
# STAGE and write it as the gzipped newc archive OUT, owned by root and
# reproducible, then record STAMP in OUT.stamp.
# Usage: pack-initramfs.sh STAGE OUT STAMP
set -eu
[ $# -eq 3 ] || { echo "usage: $0 STAGE OUT STAMP" >&2; exit 2; }
stage=$1 out=$2 stamp=$3
here=$(cd "$(dirname "$0")" && pwd)
chmod 1777 "$stage/tmp"
cp "$here/initramfs-init.sh" "$stage/init"
cp "$here/kernel-reports.ere" "$stage/kernel-reports"
cp "$here/kernel-reports.sh" "$here/kernel-reports.awk" "$stage/"
mkdir -p "$stage/guest"
cp "$here"/guest/*.sh "$stage/guest/"
chmod 755 "$stage/init" "$stage/kernel-reports.sh"
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -9n > "$tmp"
mv "$tmp" "$out"
echo "$stamp" > "$out.stamp"
echo "initramfs: wrote $out ($(du -k "$out" | cut -f1) KiB)" >&2
