#!/bin/sh
# kernel-reports.sh LIST [LOG]: the lines of a kernel log (LOG, or stdin)
# that fail a run by LIST (kernel-reports.ere), printed as they are; for
# /init in the guest (as /kernel-reports.sh) and lib.sh's kernel_reports on
# the host.  grep picks the report lines with the lines around them that
# may be their context (BEFORE in front, WINDOW after), and
# kernel-reports.awk, beside this file, judges them with busybox's awk on
# both sides.
[ $# = 1 ] || [ $# = 2 ] || { echo "usage: kernel-reports.sh LIST [LOG]" >&2; exit 2; }
here=$(dirname "$0")
list=$1
shift
BEFORE=5 WINDOW=200
sed '/^[#!]/d; /^$/d' "$list" > "${TMPDIR:-/tmp}/kernel-reports.$$"
[ $# = 0 ] || exec < "$1"
tr -d '\000\r' |
	grep -aE -B "$BEFORE" -A "$WINDOW" -f "${TMPDIR:-/tmp}/kernel-reports.$$" |
	busybox awk -v BEFORE="$BEFORE" -v WINDOW="$WINDOW" -f "$here/kernel-reports.awk" "$list" -
rm -f "${TMPDIR:-/tmp}/kernel-reports.$$"
exit 0
