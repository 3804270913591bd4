#!/bin/sh
# Fetch Debian's linux-source-6.12 once and extract a pristine tree into the cache.
# Usage: base.sh CACHE_DIR
# Prints the path of the pristine tree on its last line.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 CACHE_DIR" >&2; exit 2; }
cache=$1
pkg=linux-source-6.12
mkdir -p "$cache/dl"

deb=$(ls "$cache"/dl/${pkg}_*.deb 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$deb" ] || [ -n "${BASE_REFRESH:-}" ]; then
	echo "base: downloading $pkg (newest 6.12.y) from Debian" >&2
	(cd "$cache/dl" && apt-get download "$pkg" >&2) || {
		echo "base: 'apt-get download $pkg' failed; run 'apt-get update' or check the mirror" >&2
		exit 1
	}
	deb=$(ls "$cache"/dl/${pkg}_*.deb | sort -V | tail -n 1)
fi

debver=$(dpkg-deb -f "$deb" Version)
tree="$cache/pristine/$(echo "$debver" | tr "~" "_")"
if [ ! -f "$tree/.extracted" ]; then
	echo "base: extracting $deb" >&2
	rm -rf "$tree" "$tree.tmp"
	mkdir -p "$tree.tmp"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO ./usr/src/$pkg.tar.xz | tar -xJ -C "$tree.tmp" --strip-components=1
	kv=$(make -s -C "$tree.tmp" kernelversion)
	echo "$kv (Debian $debver)" > "$tree.tmp/.base-version"
	touch "$tree.tmp/.extracted"
	mv "$tree.tmp" "$tree"
fi
echo "base: Linux $(cat "$tree/.base-version")" >&2
echo "$tree"
