#!/bin/sh
# On a kernel with kmemleak: wait until no delayed kobject release
# (DEBUG_KOBJECT_RELEASE, 1 to 4 s each, a parent's again) was logged for
# 5 s, at most 300 s; then two scans (kmemleak reports an object once it
# stayed unreferenced through a scan and is older than 5 s).  Prints
#   @@RELEASES <n> lines, quiet after <s> s
#   @@KMEMLEAK <unreferenced objects>, and their first lines as @@LEAK
K=/sys/kernel/debug/kmemleak
[ -e $K ] || exit 0
n=-1 t=0
while [ "$n" != "$(grep -c kobject_release, /tmp/kmsg)" ] && [ $t -lt 300 ]; do
	n=$(grep -c kobject_release, /tmp/kmsg)
	sleep 5
	t=$((t + 5))
done
echo "@@RELEASES $n lines, quiet after $t s"
echo scan > $K
sleep 6
echo scan > $K
echo "@@KMEMLEAK $(grep -c unreferenced $K)"
grep -A14 unreferenced $K | head -n 60 | sed 's/^/@@LEAK /'
