#!/bin/bash
# The one way the harness runs kbuild: under the machine-wide kbuild lock
# (one kernel build at a time), with ccache, on the overlaid tree build/src.
#   kbuild.sh make ARCH BUILD_DIR [MAKE_ARG...]   ARCH: x86_64, um or powerpc
#   kbuild.sh kunit BUILD_DIR [KUNIT_PY_ARG...]   kunit.py run (UML)
set -eu
. "$(dirname "$0")/lib.sh"
[ $# -ge 2 ] || usage "make x86_64|um|powerpc BUILD_DIR [MAKE_ARG...] | kunit BUILD_DIR [KUNIT_PY_ARG...]"
mkdir -p "$CACHE"
lock=(flock "$CACHE/kbuild.lock")
case $1 in
make)
	[ $# -ge 3 ] || usage "make ARCH BUILD_DIR [MAKE_ARG...]"
	arch=$2 out=$3
	shift 3
	case $arch in
	x86_64|um) cross=() cc=gcc ;;
	# POWER builds are long: niced, so that they leave the cores to others.
	powerpc)   cross=(CROSS_COMPILE=powerpc64le-linux-gnu-) cc=powerpc64le-linux-gnu-gcc
		   lock=(nice -n 19 "${lock[@]}") ;;
	*)         usage "make x86_64|um|powerpc BUILD_DIR [MAKE_ARG...]" ;;
	esac
	mkdir -p "$out"
	exec "${lock[@]}" make -C "$SRC" O="$out" ARCH="$arch" "${cross[@]}" \
		CC="ccache $cc" -j"$JOBS" "$@" < /dev/null ;;
kunit)
	out=$2
	shift 2
	cd "$SRC"
	exec "${lock[@]}" python3 tools/testing/kunit/kunit.py run --build_dir="$out" \
		--jobs="$JOBS" --make_options='CC=ccache gcc' "$@" < /dev/null ;;
*)	usage "make x86_64|um|powerpc BUILD_DIR [MAKE_ARG...] | kunit BUILD_DIR [KUNIT_PY_ARG...]" ;;
esac
