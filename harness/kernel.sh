#!/bin/bash
# Configure (tinyconfig plus our fragments, again whenever a fragment is
# newer than .config) and build a kernel; print the path of a copy of its
# image (build/<flavour>/boot-<image>) last, on stdout, and everything else
# on stderr.
#   x86_64        build/x86_64, configs/x86_64-q35.config (make test)
#   x86_64-debug  build/x86_64-debug, also configs/x86_64-debug.config
#   ppc64le       build/ppc64le, configs/ppc64le.config (cross gcc; pseries and powernv)
# Every symbol a fragment sets must reach .config as the last fragment
# naming it sets it (config_check, lib.sh), or the build stops, naming it.
set -eu
. "$(dirname "$0")/lib.sh"
[ $# = 1 ] || usage "x86_64|x86_64-debug|ppc64le"
c=$H/configs
case $1 in
x86_64)       arch=x86_64 frags=("$c/x86_64-q35.config") image=arch/x86/boot/bzImage ;;
x86_64-debug) arch=x86_64 frags=("$c/x86_64-q35.config" "$c/x86_64-debug.config") image=arch/x86/boot/bzImage ;;
ppc64le)      arch=powerpc frags=("$c/ppc64le.config") image=vmlinux
	      "$H/deps.sh" gcc-powerpc64le-linux-gnu qemu-system-ppc qemu-system-data ;;
*)            usage "x86_64|x86_64-debug|ppc64le" ;;
esac
out=$B/$1
# One kernel.sh per build directory at a time: stages run side by side.
mkdir -p "$B"
exec 9> "$out.lock"
flock 9
"$H/tree.sh" > /dev/null
kmake() { "$H/kbuild.sh" make "$arch" "$out" -s "$@" >&2; }

stale=
for f in "${frags[@]}"; do [ "$out/.config" -nt "$f" ] || stale=1; done
if [ -n "$stale" ]; then
	kmake tinyconfig
	(cd "$out" && ARCH=$arch "$SRC/scripts/kconfig/merge_config.sh" -m -O "$out" .config "${frags[@]}" > /dev/null)
	kmake olddefconfig
	config_check kernel "$out/.config" "${frags[@]}" || { rm -f "$out/.config"; exit 1; }
fi
start=$(date +%s)
kmake "${image##*/}"
echo "kernel: $1 built in $(( $(date +%s) - start )) s" >&2
# Boots read a copy that is replaced whole: a later relink (after check.sh
# rebuilt drivers/vfio/) never writes under a QEMU starting beside it.
boot=$out/boot-${image##*/}
cmp -s "$out/$image" "$boot" || { cp "$out/$image" "$boot.tmp" && mv "$boot.tmp" "$boot"; }
echo "$boot"
