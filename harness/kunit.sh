#!/bin/bash
# Our KUnit suites under UML, by kunit.py run: one TAP check per KUnit case
# (from its --json result), one for kunit.py's own exit status and one for
# kernel reports (kernel-reports.ere) in the kernel's raw log.
#   (none)  drivers/iommu/.kunitconfig: lockdep, DEBUG_KOBJECT_RELEASE, failslab
#   debug   the same with configs/kunit-debug.config (KASAN, UBSAN, DEBUG_OBJECTS)
#   bench   drivers/iommu/bench.kunitconfig: prints the benchmark's figures
set -u
. "$(dirname "$0")/lib.sh"
[ $# -le 1 ] || usage "[debug|bench]"
cfg=(--kunitconfig=drivers/iommu/.kunitconfig)
case ${1:-} in
'')    out=$B/uml ;;
debug) out=$B/uml-debug cfg+=(--kunitconfig="$H/configs/kunit-debug.config" --timeout=900) ;;
bench) out=$B/uml-bench cfg=(--kunitconfig=drivers/iommu/bench.kunitconfig --timeout=900) ;;
*)     usage "[debug|bench]" ;;
esac
"$H/tree.sh" > /dev/null || exit 1
json=$out.json log=$out.kunit.log
rm -f "$json"
"$H/kbuild.sh" kunit "$out" "${cfg[@]}" --json="$json" > "$log" 2>&1
st=$?
if [ "${1:-}" = bench ]; then
	sed -n 's/^.*# pci_bench_grouping: \([^.]\)/bench: \1/p' "$out/test.log"
	tail -n 3 "$log"
	exit $st
fi
kunit_checks "$json"
tail -n 5 "$log" > "$log.tail"
check $st "kunit.py run exited $st (its output: $log)" "$log.tail"
kernel_reports < "$out/test.log" > "$out.reports" 2> /dev/null
[ ! -s "$out.reports" ]
check $? "no kernel report in $out/test.log" "$out.reports"
tap_done
