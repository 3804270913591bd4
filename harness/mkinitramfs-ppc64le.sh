#!/bin/bash
# Build the ppc64le guest initramfs: Debian's static busybox and lspci (with
# its libraries) for ppc64el, taken from their packages with apt-get download
# and dpkg-deb -x (nothing is installed for the foreign architecture), and
# harness/initramfs-init.sh as /init.
# Usage: mkinitramfs-ppc64le.sh OUT.cpio.gz
#
# The packages are kept in ~/.cache/iommu-group/ppc64el; OUT.stamp holds a
# hash of every input, and the archive is rebuilt only when one changes.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 OUT.cpio.gz" >&2; exit 2; }
out=$1
here=$(cd "$(dirname "$0")" && pwd)
init=$here/initramfs-init.sh
. "$(dirname "$0")/lib.sh"
cache=$CACHE/ppc64el
pkgs="busybox-static pciutils libpci3 libc6 libkmod2 libudev1 zlib1g liblzma5 libssl3 libzstd1"
tri=powerpc64le-linux-gnu

mkdir -p "$cache"
missing=
for p in $pkgs; do
	ls "$cache/${p}_"*_ppc64el.deb > /dev/null 2>&1 || missing="$missing $p:ppc64el"
done
if [ -n "$missing" ]; then
	# apt-get download needs the architecture's package lists, not the arch.
	if ! dpkg --print-foreign-architectures | grep -qx ppc64el; then
		[ "$(id -u)" = 0 ] || { echo "mkinitramfs-ppc64le: as root, run: dpkg --add-architecture ppc64el && apt-get update" >&2; exit 1; }
		dpkg --add-architecture ppc64el
		apt-get update -qq >&2 || true
	fi
	echo "mkinitramfs-ppc64le: downloading$missing" >&2
	# shellcheck disable=SC2086 # a list of package names
	(cd "$cache" && apt-get download -qq $missing) >&2
fi

stamp=$( { sha256sum "$0" "$here/pack-initramfs.sh" "$init" "$here/kernel-reports.ere" "$here/kernel-reports.awk" "$here/kernel-reports.sh" "$here"/guest/*.sh; ls "$cache"/*.deb; } | sha256sum | cut -d' ' -f1)
if [ -f "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$stamp" ]; then
	exit 0 # up to date
fi

mkdir -p "$(dirname "$out")"
stage=$(mktemp -d "${out%/*}/initramfs.XXXXXX")
root=$(mktemp -d "${out%/*}/ppc64el-root.XXXXXX")
trap 'rm -rf "$stage" "$root"' EXIT
for p in $pkgs; do
	dpkg-deb -x "$(ls "$cache/${p}_"*_ppc64el.deb | tail -n 1)" "$root"
done

mkdir -p "$stage/bin" "$stage/usr/bin" "$stage/dev" "$stage/proc" "$stage/sys" \
	"$stage/tmp" "$stage/root" "$stage/usr/share/misc" "$stage/lib/$tri" "$stage/lib64"
cp "$root/bin/busybox" "$stage/bin/busybox"
# The applet list of the host's busybox names the same applets.
for applet in $(busybox --list 2>/dev/null || echo sh); do
	[ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
done
cp "$root/usr/bin/lspci" "$stage/usr/bin/lspci"
# Shared objects only (no gconv, engines or other subdirectories).
for d in "$root/lib/$tri" "$root/usr/lib/$tri"; do
	[ -d "$d" ] || continue
	find "$d" -maxdepth 1 -name '*.so*' -exec cp -P {} "$stage/lib/$tri/" \;
done
ln -s "/lib/$tri/ld64.so.2" "$stage/lib64/ld64.so.2"
ids=$(ls /usr/share/misc/pci.ids /usr/share/hwdata/pci.ids 2> /dev/null | head -n 1)
[ -n "$ids" ] && cp "$ids" "$stage/usr/share/misc/pci.ids"
"$here/pack-initramfs.sh" "$stage" "$out" "$stamp"
