#!/bin/sh
# The result of /init's kernel-log scan (initramfs-init.sh) in a serial log:
# prints the reports (the @@KERNEL_BAD lines, untagged) and exits 0 if the
# guest scanned and found none, 1 if it found some, 2 if it never scanned
# (no log, no @@DONE, or its /dev/kmsg reader copied nothing): a boot whose
# log was not read is not clean.
# Usage: kernel-log.sh SERIAL_LOG
set -u
[ $# -eq 1 ] || { echo "usage: $0 SERIAL_LOG" >&2; exit 2; }
if [ ! -f "$1" ] || ! grep -aq '^@@DONE' "$1" || ! grep -aq '^@@KMSG records=[1-9]' "$1"; then
	echo "no kernel-log scan in ${1:-(no log)}"
	exit 2
fi
tr -d '\r' < "$1" | sed -n 's/^@@KERNEL_BAD //p' | grep . && exit 1
exit 0
