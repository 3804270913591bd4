# Sourced by the harness scripts: where things are, the cache, usage and
# TAP output.  Every test script prints TAP ("ok N - what", "not ok N -
# what", then the plan "1..N") and exits 1 if a check failed; test.sh adds
# the stages up (summary.pl).
H=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$H")
B=$REPO/build
SRC=${KSRC:-$B/src}	# KSRC: another tree (series-check.sh)
export CACHE="${CACHE:-$HOME/.cache/iommu-group}"
JOBS=${JOBS:-$(nproc)}
# Locks, outermost first: a build directory's (kernel.sh, peer.sh), then
# tree.sh's (CACHE/tree.lock), then kbuild.sh's (CACHE/kbuild.lock), which
# is held only around one kbuild call; qemu-run.sh's (build/qemu/build.lock)
# is taken alone.
# ccache is shared by every clone on the machine: paths below build/ are
# hashed relative to it.
export CCACHE_DIR="${CCACHE_DIR:-$CACHE/ccache}" CCACHE_BASEDIR="$B" \
	CCACHE_NOHASHDIR=true CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-8G}"

# usage TEXT: print how to call this script and stop.
usage() { echo "usage: $(basename "$0") $1" >&2; exit 2; }

tap_n=0 tap_bad=0
# check STATUS WHAT [DETAIL_FILE]: one TAP line, status first so that a
# $(...) in WHAT cannot reset it; a failure shows the file's start as
# TAP comments.
check() {
	tap_n=$((tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_bad=$((tap_bad + 1))
		[ -z "${3-}" ] || [ ! -s "$3" ] || head -n 20 "$3" | sed 's/^/#   /'
	fi
}
# tap_done: the plan; fails if a check failed or none ran.
tap_done() { echo "1..$tap_n"; [ "$tap_n" -gt 0 ] && [ "$tap_bad" = 0 ]; }

# kernel_reports < LOG: the lines that fail a run by kernel-reports.ere:
# they match a report pattern and are no known ("!") report; matched as
# /init matches them in the guest (kernel-reports.sh).
kernel_reports() { "$H/kernel-reports.sh" "$H/kernel-reports.ere"; }

# kunit_checks JSON [PREFIX]: one check per KUnit case of kunit.py's
# --json output, PREFIX before its name.
kunit_checks() {
	local st what
	while read -r st what; do
		check "$st" "${2-}$what"
	done < <(python3 - "$1" <<'PY'
import json, sys
def walk(group, path):
    for case in group.get('test_cases', []):
        print(0 if case['status'] in ('PASS', 'SKIP') else 1,
              'kunit %s%s %s' % (path, case['name'], case['status']))
    for sub in group.get('sub_groups', []):
        walk(sub, path + sub['name'] + '.')
try:
    walk(json.load(open(sys.argv[1])), '')
except (OSError, ValueError) as e:
    print(1, 'kunit.py wrote no JSON result: %s' % e)
PY
)
}

# kunit_console LOG DIR [PREFIX]: the KUnit results on a boot's console
# LOG, parsed by kunit.py parse --json into DIR: a check per case
# (kunit_checks, PREFIX before each) and one of kunit.py's exit status,
# which fails on a failed case or when no KTAP came.  DIR/console is LOG
# without carriage returns.
kunit_console() {
	local dir=$2 st
	mkdir -p "$dir"
	tr -d '\r' < "$1" > "$dir/console"
	# DEBUG_KOBJECT_RELEASE logs each delayed release from a worker on any
	# CPU, so such a line can land between a KTAP version line and its
	# "# Subtest:", where kunit.py takes it for the end of the subtest.
	# kunit.py reads the console without them.
	grep -v '^\[[ 0-9.]*\] kobject: ' "$dir/console" > "$dir/ktap"
	(cd "$SRC" && python3 tools/testing/kunit/kunit.py parse --json="$dir/kunit.json" "$dir/ktap") > "$dir/parse.out" 2>&1
	st=$?
	kunit_checks "$dir/kunit.json" "${3-}"
	check $st "${3-}kunit.py parse exited $st ($dir/parse.out)" "$dir/parse.out"
}

# checkpatch FILE [OPTION...]: checkpatch --strict's findings on FILE (a
# patch; a source file with -f), less the two we accept:
# - FILE_PATH_CHANGES asks about MAINTAINERS for new files; the series' last
#   patch adds our entry, which covers drivers/iommu/ as a whole;
# - OPEN_BRACE on iommu_group_for_each_dev(), whose name Linux fixes:
#   checkpatch takes any "*for_each*(" for a loop macro.
checkpatch() {
	local f=$1 line n
	shift
	perl "$SRC/scripts/checkpatch.pl" --strict --terse --no-summary --show-types "$@" "$f" 2>&1 |
	grep -E '(ERROR|WARNING|CHECK):' | while IFS= read -r line; do
		case $line in *:FILE_PATH_CHANGES:*) continue ;; esac
		n=$(sed -n 's/^[^:]*:\([0-9]*\): ERROR:OPEN_BRACE:.*/\1/p' <<< "$line")
		[ -n "$n" ] && sed -n "${n}p" "$f" | grep -q 'iommu_group_for_each_dev(' && continue
		echo "$line"
	done
}

# config_check WHO CONFIG FRAGMENT...: every symbol that the fragments set
# reached CONFIG as the last fragment naming it sets it (kconfig drops
# unknown symbols, and those whose dependencies fail, without a word);
# names each one that did not, as WHO, on stderr, and fails if any.
config_check() {
	local who=$1 cfg=$2 f line sym bad=0
	shift 2
	for f in "$@"; do
		while read -r line; do
			sym=${line#\# }; sym=${sym%%[= ]*}
			[ "$(grep -hE "^(# )?$sym[= ]" "$@" | tail -n 1)" = "$line" ] || continue
			case $line in
			"# "*) ! grep -q "^$sym=" "$cfg" || { echo "$who: $sym should be off" >&2; bad=1; } ;;
			*)     grep -qx "$line" "$cfg" || { echo "$who: $line did not reach $cfg" >&2; bad=1; } ;;
			esac
		done < <(grep -E '^(CONFIG_[A-Za-z0-9_]+=.*|# CONFIG_[A-Za-z0-9_]+ is not set)$' "$f")
	done
	return $bad
}

# build_kernel FLAVOUR: kernel.sh's image in $kernel, its messages on
# stderr; if it fails, a failed check with its last lines ends the stage.
build_kernel() {
	local log=$B/kernel-$1.log
	mkdir -p "$B"
	if kernel=$("$H/kernel.sh" "$1" 2> "$log"); then
		cat "$log" >&2
		return
	fi
	tail -n 20 "$log" > "$log.tail"
	check 1 "kernel.sh $1 built a kernel (its output: $log)" "$log.tail"
	tap_done
	exit 1
}

# deb_fetch PACKAGE: the newest .deb of PACKAGE in CACHE/dl, downloaded with
# apt-get first when none is there; fails when apt-get cannot get it.
deb_fetch() {
	local deb
	mkdir -p "$CACHE/dl"
	deb=$(ls "$CACHE"/dl/"$1"_*.deb 2> /dev/null | sort -V | tail -n 1)
	if [ -z "$deb" ]; then
		(cd "$CACHE/dl" && apt-get download "$1" > /dev/null 2>&1) || return 1
		deb=$(ls "$CACHE"/dl/"$1"_*.deb | sort -V | tail -n 1)
	fi
	echo "$deb"
}
