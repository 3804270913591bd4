#!/bin/bash
# Build the upstream peer kernel: the pristine base (tree.sh's cache) with
# upstream's own drivers/iommu, configured like ours (tinyconfig,
# configs/x86_64-q35.config, then configs/x86_64-peer.config).  The source
# is build/peer-src, a hard-linked copy of the pristine tree that nothing
# writes to (kbuild builds out of tree into build/peer-x86_64).  Prints the
# image's path last, on stdout.
set -eu
. "$(dirname "$0")/lib.sh"
[ $# = 0 ] || usage "(no arguments)"
pristine=$("$H/tree.sh" 2> /dev/null | tail -n 1)
[ -f "$pristine/.extracted" ] || { echo "peer: no pristine tree (tree.sh said '$pristine')" >&2; exit 1; }
psrc=$B/peer-src out=$B/peer-x86_64
if ! cmp -s "$pristine/.base-version" "$psrc/.base-version" 2> /dev/null; then
	rm -rf "$psrc"
	cp -al "$pristine" "$psrc" 2> /dev/null || cp -a "$pristine" "$psrc"
fi
frags=("$H/configs/x86_64-q35.config" "$H/configs/x86_64-peer.config")
kmake() { KSRC=$psrc "$H/kbuild.sh" make x86_64 "$out" -s "$@" >&2; }

stale=
for f in "${frags[@]}"; do [ "$out/.config" -nt "$f" ] || stale=1; done
if [ -n "$stale" ]; then
	kmake tinyconfig
	(cd "$out" && ARCH=x86_64 "$psrc/scripts/kconfig/merge_config.sh" -m -O "$out" .config "${frags[@]}" > /dev/null)
	kmake olddefconfig
	config_check peer "$out/.config" "${frags[@]}" || { rm -f "$out/.config"; exit 1; }
fi
start=$(date +%s)
kmake bzImage
echo "peer: upstream $(cat "$psrc/.base-version") built in $(( $(date +%s) - start )) s" >&2
echo "$out/arch/x86/boot/bzImage"
