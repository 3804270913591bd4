#!/bin/sh
# Kernel DMA through a group's default domain: I/O on one PCI
# device whose driver maps with the DMA API, once per group type named,
# the type switched at run time in between (every driver of the group
# unbound, the type written, the drivers bound again).
# Usage: dma-io.sh [-m MIB] [-r OPS] KIND BDF [ARG...] [TYPE...]
#   block BDF          BDF's disk: MIB MiB (64) of a fresh pattern written
#                      through the page cache, caches dropped, read back;
#                      then OPS (2048) O_DIRECT 4 KiB writes at random
#                      blocks, each block read back (guest/blk-pattern.c)
#   filled BDF SEED    BDF's disk holds MIB MiB of SEED's pattern (the
#                      host wrote it, topology drive: fill); read O_DIRECT
#   net BDF            BDF's NIC against QEMU's user-mode network: a DHCP
#                      lease, OPS pings of 10.0.2.2, packets counted
#   TYPE...            the group type (identity, DMA, DMA-FQ) of each run,
#                      in order; default one run in DMA
# Every run checks first that the group's type reads TYPE (and for a
# virtio device that it negotiated VIRTIO_F_ACCESS_PLATFORM, without which
# it bypasses the DMA API and the IOMMU), last that the IOMMU units' fault
# counters still read 0.  One line per check, LABEL being BDF's driver:
#   @@DMAIO ok|not-ok LABEL TYPE CASE [DETAIL]
#   @@DMAIO note ...                          (not compared)
#   @@DMAIO done LABEL failures=N
mib=64 ops=2048
while getopts m:r: o; do
	case $o in
	m) mib=$OPTARG ;;
	r) ops=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
usage="usage: dma-io.sh [-m MIB] [-r OPS] block|filled SEED|net BDF [TYPE...]"
kind=${1:?$usage} bdf=${2:?$usage}
shift 2
seed=
[ "$kind" != filled ] || { seed=${1:?$usage}; shift; }
d=/sys/bus/pci/devices/$bdf
grp=$(readlink -f "$d/iommu_group")
label=$(basename "$(readlink "$d/driver")" 2> /dev/null)
label=${label:-$bdf} type=- failures=0
[ $# -gt 0 ] || set -- DMA

# result CASE STATUS DETAIL: one line; STATUS 0 is ok.
result() {
	if [ "$2" = 0 ]; then
		echo "@@DMAIO ok $label $type $1${3:+ $3}"
	else
		echo "@@DMAIO not-ok $label $type $1${3:+ $3}"
		failures=$((failures + 1))
	fi
}
# upto TEST: wait up to 60 s for TEST, a tenth of a second a try.
upto() { w=0; until $1; do sleep 0.1; w=$((w + 1)); [ $w -lt 600 ] || return 1; done; }
# The block device or netdev of BDF (by /sys/block's or /sys/class/net's
# links into BDF's sysfs directory), empty if none.
real=$(readlink -f "$d")
child() {
	for c in /sys/class/"$1"/*; do
		case $(readlink -f "$c") in "$real"/*) echo "${c##*/}"; return ;; esac
	done
}
disk() { [ -n "$(child block)" ]; }
nic() { [ -n "$(child net)" ]; }
# faults: the sum of every IOMMU unit's fault counter, "none" without one.
faults() {
	n=none
	for f in /sys/class/iommu/*/*/faults; do
		[ -r "$f" ] && n=$(( ${n#none} + $(cat "$f") ))
	done
	echo $n
}

# switch TYPE: unbind every driver of BDF's group, write TYPE, bind them
# again; waits for BDF's disk or NIC.
switch() {
	bound='' from=$(cat "$grp/type")
	for m in "$grp"/devices/*; do
		[ -e "$m/driver" ] || continue
		bound="$bound ${m##*/}=$(basename "$(readlink "$m/driver")")"
		echo "${m##*/}" > "$m/driver/unbind"
	done
	echo "$1" > "$grp/type" 2> /tmp/dma-io.err
	# shellcheck disable=SC2320 # the write's status is the point
	st=$?
	for b in $bound; do
		echo "${b%=*}" > "/sys/bus/pci/drivers/${b#*=}/bind"
	done
	if [ $st = 0 ]; then
		case $kind in net) upto nic ;; *) upto disk ;; esac
		st=$?
	fi
	result switch $st "from $from unbound:${bound:- none} $(cat /tmp/dma-io.err)"
}

dhcp_script=/tmp/dma-io-dhcp.sh
cat > $dhcp_script <<'EOF'
#!/bin/sh
case $1 in bound|renew) ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up ;; esac
EOF
chmod 755 $dhcp_script
stat_of() { cat "/sys/class/net/$1/statistics/$2"; }

# block DEV: the pattern through the page cache, then random 4 KiB blocks.
block() {
	s=0x$(dd if=/dev/urandom bs=8 count=1 2> /dev/null | od -An -tx8 | tr -d ' ')
	out=$(blk-pattern write "/dev/$1" "$mib" "$s" 2> /tmp/dma-io.err)
	result seq-write $? "$out $(cat /tmp/dma-io.err)"
	wsum=${out##*sum=}
	sync
	echo 3 > /proc/sys/vm/drop_caches
	bufs=$(sed -n 's/^Buffers: *//p' /proc/meminfo)
	out=$(blk-pattern read "/dev/$1" "$mib" "$s" 2> /tmp/dma-io.err)
	st=$?
	case $out in *"sum=$wsum "*) ;; *) st=1 ;; esac
	# What stayed in the page cache would not come from the device.
	[ "${bufs%% *}" -lt $((mib * 256)) ] || st=1
	result seq-read $st "$out buffers-after-drop=$bufs $(cat /tmp/dma-io.err)"
	out=$(blk-pattern random "/dev/$1" "$mib" "$ops" "$s" 2> /tmp/dma-io.err)
	result random $? "$out $(head -n 3 /tmp/dma-io.err | tr '\n' ' ')"
}

# filled DEV: the host's pattern, read past the page cache.
filled() {
	out=$(blk-pattern -d read "/dev/$1" "$mib" "$seed" 2> /tmp/dma-io.err)
	result read $? "$out $(cat /tmp/dma-io.err)"
}

# net IF: a lease from QEMU's DHCP server, OPS pings of its gateway, and
# the packets counted by the driver both ways.
net() {
	ifconfig "$1" up
	udhcpc -i "$1" -n -q -t 20 -T 1 -s $dhcp_script > /tmp/dma-io.err 2>&1
	addr=$(ifconfig "$1" | sed -n 's/.*inet addr:\([0-9.]*\).*/\1/p')
	st=$?
	[ -n "$addr" ] || st=1
	result dhcp $st "addr=${addr:-none}"
	tx=$(stat_of "$1" tx_packets) rx=$(stat_of "$1" rx_packets)
	out=$(ping -A -q -c "$ops" -s 1400 -W 5 -w 120 10.0.2.2 2>&1 | grep 'packets transmitted')
	st=$?
	case $out in "$ops packets transmitted, $ops packets received"*) ;; *) st=1 ;; esac
	result ping $st "$out"
	tx=$(( $(stat_of "$1" tx_packets) - tx )) rx=$(( $(stat_of "$1" rx_packets) - rx ))
	[ "$tx" -ge "$ops" ] && [ "$rx" -ge "$ops" ]
	result packets $? "tx=$tx rx=$rx"
	ifconfig "$1" 0.0.0.0 down
}

echo "@@DMAIO note $bdf driver=$label group=${grp##*/} type=$(cat "$grp/type") faults=$(faults)"
for type in "$@"; do
	[ "$(cat "$grp/type")" = "$type" ] || switch "$type"
	t=$(cat "$grp/type")
	[ "$t" = "$type" ]
	result type $? "group=${grp##*/} type=$t"
	for v in "$d"/virtio*/features; do
		[ -r "$v" ] || continue
		# Bit 33, counted from the left.
		[ "$(cut -c34 "$v")" = 1 ]
		result access-platform $? "${v%/features}"
	done
	case $kind in
	block|filled)
		dev=$(child block)
		if [ -n "$dev" ]; then $kind "$dev"; else result disk 1 "no disk"; fi ;;
	net)
		dev=$(child net)
		if [ -n "$dev" ]; then net "$dev"; else result nic 1 "no netdev"; fi ;;
	*)
		result "$kind" 1 "$usage" ;;
	esac
	f=$(faults)
	[ "$f" = 0 ]
	result faults $? "faults=$f"
done
echo "@@DMAIO done $label failures=$failures"
