#!/bin/sh
# Build the guest initramfs: static busybox, lspci (with the libraries ldd
# lists and pci.ids), harness/initramfs-init.sh as /init and the C guest
# programs (guest/*.c, static, in /bin).  With TREE set to a kernel tree,
# also the base's own tools/testing/selftests/dma/dma_map_benchmark, built
# static from there as it is (make bench).
# Usage: [TREE=DIR] mkinitramfs.sh OUT.cpio.gz
#
# OUT.stamp holds a hash of every input; the archive is rebuilt only when it
# changes. /dev/console comes from the kernel's built-in initramfs
# (usr/default_cpio_list), so no device nodes and no root are needed.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 OUT.cpio.gz" >&2; exit 2; }
out=$1
here=$(cd "$(dirname "$0")" && pwd)
init=$here/initramfs-init.sh
busybox=/bin/busybox
lspci=$(command -v lspci || true)
ids=
for f in /usr/share/misc/pci.ids /usr/share/hwdata/pci.ids; do
	[ -f "$f" ] && { ids=$f; break; }
done

missing=
[ -x "$busybox" ] || missing="$missing busybox-static"
[ -n "$lspci" ] || missing="$missing pciutils"
[ -n "$ids" ] || missing="$missing pci.ids"
command -v cpio > /dev/null || missing="$missing cpio"
command -v gcc > /dev/null || missing="$missing gcc libc6-dev"
[ -z "$missing" ] || { echo "mkinitramfs: missing Debian packages:$missing (make deps)" >&2; exit 1; }
if ldd "$busybox" > /dev/null 2>&1; then
	echo "mkinitramfs: $busybox is not static; install busybox-static" >&2
	exit 1
fi

# Shared libraries of lspci, including the dynamic loader.
libs=$(ldd "$lspci" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)

# shellcheck disable=SC2086 # $libs is a list of paths without blanks
dmabench=
[ -z "${TREE:-}" ] || dmabench=$TREE/tools/testing/selftests/dma/dma_map_benchmark.c
[ -z "$dmabench" ] || [ -f "$dmabench" ] || { echo "mkinitramfs: no $dmabench" >&2; exit 1; }
stamp=$( { sha256sum "$here/mkinitramfs.sh" "$here/pack-initramfs.sh" "$init" "$here/kernel-reports.ere" "$here/kernel-reports.awk" "$here/kernel-reports.sh" "$here"/guest/*.sh "$here"/guest/*.c "$busybox" "$lspci" "$ids" $libs $dmabench; echo "$libs"; } | sha256sum | cut -d' ' -f1)
if [ -f "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$stamp" ]; then
	exit 0 # up to date
fi

mkdir -p "$(dirname "$out")"
stage=$(mktemp -d "${out%/*}/initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/usr/bin" "$stage/dev" "$stage/proc" "$stage/sys" \
	"$stage/tmp" "$stage/root" "$stage/usr/share/misc"
cp "$busybox" "$stage/bin/busybox"
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
done
cp "$lspci" "$stage/usr/bin/lspci"
for lib in $libs; do
	mkdir -p "$stage$(dirname "$lib")"
	cp -L "$lib" "$stage$lib"
done
cp "$ids" "$stage/usr/share/misc/pci.ids"
for c in "$here"/guest/*.c; do
	gcc -static -O2 -Wall -Werror -pthread -o "$stage/bin/$(basename "$c" .c)" "$c"
done
# The kernel's own headers only after libc's, as the selftest's make would.
[ -z "$dmabench" ] ||
	gcc -static -O2 -idirafter "$TREE/include" -o "$stage/bin/dma_map_benchmark" "$dmabench"
"$here/pack-initramfs.sh" "$stage" "$out" "$stamp"
