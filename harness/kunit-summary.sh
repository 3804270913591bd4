#!/bin/sh
# Summarise a kunit.py log: the per-suite results and one closing line
# "kunit: N passed, N failed".  Exit status 1 if anything failed, no test ran,
# or a line of the kernel's own log (RAW_LOG) matches kernel-reports.ere.
set -u
[ $# -eq 2 ] || { echo "usage: $0 KUNIT_LOG RAW_KERNEL_LOG" >&2; exit 2; }
log=$1 raw=$2
here=$(cd "$(dirname "$0")" && pwd)
grep -aE '^\[[0-9:]+\] (=+ \[(PASSED|FAILED|SKIPPED)\]|\[(FAILED|CRASHED)\]|Testing complete|.*(ERROR|error):)' "$log" | sed 's/^\[[0-9:]*\] //' | tail -n 40
line=$(grep -aE 'Testing complete\. Ran [0-9]+ tests' "$log" | tail -n 1)
pass=$(echo "$line" | sed -n 's/.*passed: \([0-9]*\).*/\1/p')
fail=$(echo "$line" | sed -n 's/.*failed: \([0-9]*\).*/\1/p')
crash=$(echo "$line" | sed -n 's/.*crashed: \([0-9]*\).*/\1/p')
pass=${pass:-0} fail=$(( ${fail:-0} + ${crash:-0} ))
if [ -z "$line" ]; then
	echo "kunit: no result; the end of $log:" >&2
	tail -n 30 "$log" >&2
	fail=$((fail + 1))
fi
reports=$("$here/kernel-reports.sh" "$here/kernel-reports.ere" < "$raw" 2>/dev/null)
if [ -n "$reports" ]; then
	echo "kunit: kernel reports in $raw:" >&2
	echo "$reports" | head -n 20 >&2
	fail=$((fail + 1))
fi
echo "kunit: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
