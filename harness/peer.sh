#!/bin/bash
# Build the upstream peer kernel: the pristine base (tree.sh's cache) with
# upstream's own drivers/iommu, configured like ours: tinyconfig, then
#   x86_64   (default) configs/x86_64-q35.config, configs/x86_64-peer.config
#   ppc64le  configs/ppc64le.config, configs/ppc64le-peer.config
# The source is build/peer-src, a hard-linked copy of the pristine tree that
# nothing writes to (kbuild builds out of tree into build/peer-<arch>).
# Prints the image's path last, on stdout.
set -eu
. "$(dirname "$0")/lib.sh"
[ $# -le 1 ] || usage "[x86_64|ppc64le]"
c=$H/configs
case ${1:-x86_64} in
x86_64)  arch=x86_64 frags=("$c/x86_64-q35.config" "$c/x86_64-peer.config") image=arch/x86/boot/bzImage ;;
ppc64le) arch=powerpc frags=("$c/ppc64le.config" "$c/ppc64le-peer.config") image=vmlinux
	 "$H/deps.sh" gcc-powerpc64le-linux-gnu ;;
*)       usage "[x86_64|ppc64le]" ;;
esac
pristine=$("$H/tree.sh" 2> /dev/null | tail -n 1)
[ -f "$pristine/.extracted" ] || { echo "peer: no pristine tree (tree.sh said '$pristine')" >&2; exit 1; }
psrc=$B/peer-src out=$B/peer-${1:-x86_64}
# One peer.sh at a time: stages run side by side.
mkdir -p "$B"
exec 9> "$B/peer.lock"
flock 9
if ! cmp -s "$pristine/.base-version" "$psrc/.base-version" 2> /dev/null; then
	rm -rf "$psrc"
	cp -al "$pristine" "$psrc" 2> /dev/null || cp -a "$pristine" "$psrc"
fi
kmake() { KSRC=$psrc "$H/kbuild.sh" make "$arch" "$out" -s "$@" >&2; }

stale=
for f in "${frags[@]}"; do [ "$out/.config" -nt "$f" ] || stale=1; done
if [ -n "$stale" ]; then
	kmake tinyconfig
	(cd "$out" && ARCH=$arch "$psrc/scripts/kconfig/merge_config.sh" -m -O "$out" .config "${frags[@]}" > /dev/null)
	kmake olddefconfig
	config_check peer "$out/.config" "${frags[@]}" || { rm -f "$out/.config"; exit 1; }
fi
start=$(date +%s)
kmake "${image##*/}"
echo "peer: upstream $(cat "$psrc/.base-version") built in $(( $(date +%s) - start )) s" >&2
echo "$out/$image"
