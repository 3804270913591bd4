#!/bin/sh
# `make test`: KUnit under UML, the QEMU boot tests, the static checks, and
# the patch series applied to a fresh base and built patch by patch.
# Every stage runs even if an earlier one failed; the last line sums them up
# as "N passed, N failed".  Logs: build/test-<stage>.log.
# With "debug" (`make test-debug`) the stages are the KUnit suites (UML, and
# x86_64 with kmemleak), the QEMU topologies and a 1,000-cycle storm on the
# debug kernels (issue 8).
set -u
usage() { echo "usage: $0 [debug]   (run through 'make test' or 'make test-debug')" >&2; exit 2; }
[ $# -le 1 ] || usage
case ${1:-} in ''|debug) ;; *) usage ;; esac
cd "$(dirname "$0")/.."
mkdir -p build
pass=0 fail=0
stage() { # name make-target
	log=build/test-$1.log
	start=$(date +%s)
	make --no-print-directory "$2" > "$log" 2>&1
	st=$?
	secs=$(( $(date +%s) - start ))
	line=$(grep -E '^[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	p=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.*passed, \([0-9]*\) failed/\1/p')
	p=${p:-0} f=${f:-0}
	# A stage that failed without counting a failure still fails.
	if [ $st -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	pass=$((pass + p)) fail=$((fail + f))
	if [ $st -eq 0 ]; then r=ok; else r=FAIL; fi
	echo "$r $1: $p passed, $f failed in ${secs} s (log: $log)"
	[ $st -eq 0 ] || grep -E 'FAIL|error|Error' "$log" | head -n 30 | sed 's/^/    /'
}
if [ "${1:-}" = debug ]; then
	stage kunit-debug kunit-debug
	stage kunit-qemu-debug kunit-qemu-debug
	stage qemu-debug qemu-test-debug
	stage storm-debug storm-debug
else
	stage kunit kunit
	stage qemu qemu-test
	stage vtd vtd-test
	stage amd amd-qemu-test
	stage storm storm
	stage check check
	stage series series-check
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
