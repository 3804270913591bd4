#!/bin/bash
# Our KUnit suites under UML, by kunit.py run: one TAP check per KUnit case
# (from its --json result), one for kunit.py's own exit status and one for
# kernel reports (kernel-reports.ere) in the kernel's raw log.
#   (none)  drivers/iommu/.kunitconfig: lockdep, DEBUG_KOBJECT_RELEASE, failslab
#   debug   the same with configs/kunit-debug.config (KASAN, UBSAN, DEBUG_OBJECTS)
#   bench   uml-bench.sh: the grouping benchmark on our core and upstream's
set -u
. "$(dirname "$0")/lib.sh"
[ $# -le 1 ] || usage "[debug|bench]"
[ "${1:-}" != bench ] || exec "$H/uml-bench.sh"
cfg=(--kunitconfig=drivers/iommu/.kunitconfig)
case ${1:-} in
'')    out=$B/uml ;;
debug) out=$B/uml-debug cfg+=(--kunitconfig="$H/configs/kunit-debug.config" --timeout=900) ;;
*)     usage "[debug|bench]" ;;
esac
"$H/tree.sh" > /dev/null || exit 1
json=$out.json log=$out.kunit.log
rm -f "$json"
"$H/kbuild.sh" kunit "$out" "${cfg[@]}" --json="$json" > "$log" 2>&1
st=$?
kunit_checks "$json"
tail -n 5 "$log" > "$log.tail"
check $st "kunit.py run exited $st (its output: $log)" "$log.tail"
kernel_reports < "$out/test.log" > "$out.reports" 2> /dev/null
[ ! -s "$out.reports" ]
check $? "no kernel report in $out/test.log" "$out.reports"
tap_done
