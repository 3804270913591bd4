#!/bin/sh
# Lay our files over a copy of the pristine base.
# Usage: overlay.sh PRISTINE_TREE BUILD_TREE REPO
#
# The build tree starts as a hard-linked copy of the pristine tree. Upstream's
# drivers/iommu/ is replaced by ours as a whole (files we do not have are
# deleted); every other file we carry (include/, Documentation/, ...) replaces
# the base's file of the same path. Unchanged files keep their timestamps, so
# kbuild stays incremental.
set -eu
[ $# -eq 3 ] || { echo "usage: $0 PRISTINE_TREE BUILD_TREE REPO" >&2; exit 2; }
pristine=$1 tree=$2 repo=$3

if ! cmp -s "$pristine/.base-version" "$tree/.base-version" 2>/dev/null; then
	echo "overlay: new build tree from $(cat "$pristine/.base-version")" >&2
	rm -rf "$tree"
	mkdir -p "$(dirname "$tree")"
	cp -al "$pristine" "$tree" 2>/dev/null || cp -a "$pristine" "$tree"
fi

rsync -rc --delete "$repo/drivers/iommu/" "$tree/drivers/iommu/"
# Files of the base we change rather than replace (an index entry, the
# MAINTAINERS entry) come as patches, applied once.
for p in "$repo"/harness/base-patches/*.patch; do
	[ -f "$p" ] || continue
	if ! patch -d "$tree" -p1 -R -s -f --dry-run < "$p" > /dev/null 2>&1; then
		# Break the hard link to the pristine file before changing it.
		for f in $(sed -n 's|^+++ b/||p' "$p"); do
			cp "$tree/$f" "$tree/$f.tmp" && mv "$tree/$f.tmp" "$tree/$f"
		done
		patch -d "$tree" -p1 -s -f --no-backup-if-mismatch < "$p"
	fi
done

# Everything else we carry replaces the base file at the same path.
(cd "$repo" && find include Documentation -type f 2>/dev/null) | while read -r f; do
	if ! cmp -s "$repo/$f" "$tree/$f"; then
		mkdir -p "$(dirname "$tree/$f")"
		rm -f "$tree/$f"
		cp "$repo/$f" "$tree/$f"
	fi
done
