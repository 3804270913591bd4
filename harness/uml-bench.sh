#!/bin/bash
# make bench's UML part: the PCI grouping benchmark
# (drivers/iommu/tests/iommu_pci_bench_kunit.c) on our core and on
# upstream's, in two UML KUnit kernels of one config
# (drivers/iommu/bench.kunitconfig): ours from build/src into
# build/uml-bench, the peer from peer-uml.sh's tree into
# build/peer-uml-bench.  ROUNDS rounds (default 3) of three boots: ours,
# ours with AMD-Vi's IVRS lookups (iommu_pci_bench_ours.amd_ivrs=1) and
# upstream, in turn, the order reversed every other round; the first boot
# of each kernel is kunit.py run (build under the kbuild lock, then boot),
# the others kunit.py exec.  Each boot's rows land in
# build/bench/<core>-<round>.rows; bench-table.py
# prints the medians and ratios and checks that both cores made the same
# groups.  BUDGET_MS: the longest predicted run of a shape and size
# (default 60000); BENCH_SKEW=1 gives the peer a different flat shape, so
# the check must fail.
set -u
. "$(dirname "$0")/lib.sh"
[ $# = 0 ] || usage "(no arguments; ROUNDS, BUDGET_MS, BENCH_SKEW)"
rounds=${ROUNDS:-3}
"$H/tree.sh" > /dev/null || exit 1
psrc=$("$H/peer-uml.sh" | tail -n 1) || exit 1
dir=$B/bench
rm -rf "$dir" && mkdir -p "$dir"
kargs=(--kernel_args="iommu_pci_bench_kunit.budget_ms=${BUDGET_MS:-60000}")

# boot CORE ROUND: one boot of that core's kernel, its rows saved.
boot() {
	local src=$SRC out=$B/uml-bench args=("${kargs[@]}") st
	case $1 in
	ours-amd) args+=(--kernel_args=iommu_pci_bench_ours.amd_ivrs=1) ;;
	upstream) src=$psrc out=$B/peer-uml-bench
		  [ -z "${BENCH_SKEW:-}" ] || args+=(--kernel_args=iommu_pci_bench_kunit.skew=1) ;;
	esac
	if [ "$2" = 1 ] && [ "$1" != ours-amd ]; then
		KSRC=$src "$H/kbuild.sh" kunit "$out" --timeout=3600 "${args[@]}" \
			--kunitconfig="$REPO/drivers/iommu/bench.kunitconfig"
	else
		(cd "$src" && python3 tools/testing/kunit/kunit.py exec --build_dir="$out" \
			--timeout=3600 "${args[@]}")
	fi > "$dir/$1-$2.kunit.log" 2>&1
	st=$?
	cp "$out/test.log" "$dir/$1-$2.log"
	sed -n 's/^.*# pci_bench_grouping: //p' "$dir/$1-$2.log" > "$dir/$1-$2.rows"
	echo "bench: $1 boot $2: kunit.py exited $st, $(grep -c '^row' "$dir/$1-$2.rows") rows" >&2
	return $st
}

bad=0
for r in $(seq 1 "$rounds"); do
	if [ $((r % 2)) = 1 ]; then order="ours ours-amd upstream"; else order="upstream ours-amd ours"; fi
	for core in $order; do
		boot "$core" "$r" || bad=1
	done
done
python3 "$H/bench-table.py" "$dir" || bad=1
exit $bad
