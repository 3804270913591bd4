#!/bin/sh
# Install the Debian packages the harness needs, if any is missing.
# Usage: deps.sh [PACKAGE...]   (default: everything `make test` uses)
set -eu
pkgs=${*:-"ccache sparse gcc make flex bison bc libelf-dev libssl-dev cpio xz-utils \
rsync patch perl python3 qemu-system-x86 busybox-static pciutils pci.ids"}
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 || true
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >&2 || {
	echo "deps: apt-get could not install:$missing" >&2
	exit 1
}
