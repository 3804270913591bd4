#!/bin/bash
# Make build/src: Debian's linux-source-6.12 (fetched once into the cache)
# as a hard-linked copy, with our files laid over it.  Upstream's
# drivers/iommu/ is replaced as a whole but for the IOVA library (iova.c);
# every other file we carry replaces the base's file of that path;
# base-patches/*.patch change files of the base in place.  Unchanged
# files keep their timestamps, so kbuild stays incremental.  Prints the
# pristine tree's path last (series.py wants it).
# BASE_REFRESH=1 fetches the newest 6.12.y again.
set -eu
. "$(dirname "$0")/lib.sh"
[ $# = 0 ] || usage "(no arguments; BASE_REFRESH=1 to fetch the base again)"
"$H/deps.sh"
pkg=linux-source-6.12
mkdir -p "$CACHE/dl" "$B"
# One tree.sh at a time, on this clone's tree and on the shared cache.
exec 9> "$CACHE/tree.lock"
flock 9

deb=$(ls "$CACHE"/dl/${pkg}_*.deb 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$deb" ] || [ -n "${BASE_REFRESH:-}" ]; then
	echo "tree: downloading $pkg (newest 6.12.y) from Debian" >&2
	(cd "$CACHE/dl" && apt-get download "$pkg" >&2) || {
		echo "tree: 'apt-get download $pkg' failed; run 'apt-get update' or check the mirror" >&2
		exit 1
	}
	deb=$(ls "$CACHE"/dl/${pkg}_*.deb | sort -V | tail -n 1)
fi
debver=$(dpkg-deb -f "$deb" Version)
pristine="$CACHE/pristine/$(echo "$debver" | tr "~" "_")"
if [ ! -f "$pristine/.extracted" ]; then
	echo "tree: extracting $deb" >&2
	rm -rf "$pristine" "$pristine.tmp"
	mkdir -p "$pristine.tmp"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO ./usr/src/$pkg.tar.xz | tar -xJ -C "$pristine.tmp" --strip-components=1
	echo "$(make -s -C "$pristine.tmp" kernelversion) (Debian $debver)" > "$pristine.tmp/.base-version"
	touch "$pristine.tmp/.extracted"
	mv "$pristine.tmp" "$pristine"
fi

if ! cmp -s "$pristine/.base-version" "$SRC/.base-version" 2>/dev/null; then
	echo "tree: new build tree from $(cat "$pristine/.base-version")" >&2
	rm -rf "$SRC"
	cp -al "$pristine" "$SRC" 2>/dev/null || cp -a "$pristine" "$SRC"
fi
# The IOVA library stays the base's (IOMMU_IOVA): drivers outside the IOMMU
# subsystem use it.
rsync -rc --delete --exclude=/iova.c "$REPO/drivers/iommu/" "$SRC/drivers/iommu/"
[ -f "$SRC/drivers/iommu/iova.c" ] || cp -al "$pristine/drivers/iommu/iova.c" "$SRC/drivers/iommu/"
for p in "$H"/base-patches/*.patch; do
	[ -f "$p" ] || continue
	if ! patch -d "$SRC" -p1 -R -s -f --dry-run < "$p" > /dev/null 2>&1; then
		# Break the hard link to the pristine file before changing it.
		for f in $(sed -n 's|^+++ b/||p' "$p"); do
			cp "$SRC/$f" "$SRC/$f.tmp" && mv "$SRC/$f.tmp" "$SRC/$f"
		done
		patch -d "$SRC" -p1 -s -f --no-backup-if-mismatch < "$p"
	fi
done
(cd "$REPO" && find include Documentation -type f 2>/dev/null) | while read -r f; do
	if ! cmp -s "$REPO/$f" "$SRC/$f"; then
		mkdir -p "$(dirname "$SRC/$f")"
		rm -f "$SRC/$f"
		cp "$REPO/$f" "$SRC/$f"
	fi
done
echo "tree: $(cat "$SRC/.base-version") with our IOMMU core at $SRC" >&2
echo "$pristine"
