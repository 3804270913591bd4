// SPDX-License-Identifier: GPL-2.0-only
/*
 * AMD-Vi events: a unit that blocks a DMA (no permission in the device
 * table entry or a table entry, a table entry not present) or finds an
 * entry it cannot use writes an event into its event log in memory.  The
 * driver reads the log, logs one rate-limited line per event, reports page
 * faults to the domain of the device (report_iommu_fault(): the
 * io_page_fault trace event and the domain's fault handler) and counts
 * every event in /sys/class/iommu/ivhd<N>/amd-iommu/faults.
 *
 * The log is polled every AMD_EVENT_POLL_MS from a deferrable work item,
 * as VT-d's fault registers are: the driver sets up no interrupt.
 *
 * Which events are new is amd-evtlog.c's business.  QEMU 7.2's amd-iommu
 * writes no event at all (README, "Found outside our code"); its other
 * event-log bugs (a tail that never moves or wraps, "full" after a sixteenth
 * of the log) would be met by the same code: the slots are read, not the
 * register, and an overflow is counted in "faults_lost" and the log reset,
 * as real hardware needs too.
 */

#define pr_fmt(fmt) "AMD-Vi: " fmt

#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/printk.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include "amd-unit.h"
#include "iommu-priv.h"

#define AMD_EVENT_POLL_MS	100
/* At most this many events are taken in one poll. */
#define AMD_EVENT_BATCH		64

/* An event, the first 64 bits. */
#define AMD_EVT_DEVID(lo)	((u16)(lo))
#define AMD_EVT_DOMID(lo)	((u16)((lo) >> 32))
#define AMD_EVT_FLAGS(lo)	((u16)(((lo) >> 48) & 0xfff))
#define AMD_EVT_CODE(lo)	((unsigned int)((lo) >> 60))
/* IO_PAGE_FAULT flags. */
#define AMD_EVT_FLAG_PR		BIT(4)	/* the entry was present */
#define AMD_EVT_FLAG_RW		BIT(5)	/* a write */

#define AMD_EVT_ILLEGAL_DTE	0x1
#define AMD_EVT_IO_PAGE_FAULT	0x2

static const char *const amd_event_names[] = {
	[0x1] = "illegal device table entry",
	[0x2] = "I/O page fault",
	[0x3] = "device table hardware error",
	[0x4] = "page table hardware error",
	[0x5] = "illegal command",
	[0x6] = "command hardware error",
	[0x7] = "IOTLB invalidation timeout",
	[0x8] = "invalid device request",
};

static const char *amd_event_name(unsigned int code)
{
	if (code < ARRAY_SIZE(amd_event_names) && amd_event_names[code])
		return amd_event_names[code];
	return "unknown event";
}

static int amd_alias_is(struct pci_dev *pdev, u16 alias, void *data)
{
	return alias == *(u16 *)data;
}

/*
 * The translated device whose DMA carries requester ID @rid: the device
 * with that ID, else one with @rid among its DMA aliases.  With a
 * reference, or NULL.
 */
static struct pci_dev *amd_event_device(struct amd_unit *unit, u16 rid)
{
	u16 seg = unit->ivrs->segment;
	struct pci_dev *pdev;

	pdev = pci_get_domain_bus_and_slot(seg, PCI_BUS_NUM(rid), rid & 0xff);
	if (pdev && pdev->dev.iommu_group)
		return pdev;
	pci_dev_put(pdev);
	pdev = NULL;
	for_each_pci_dev(pdev) {
		if (pci_domain_nr(pdev->bus) != seg || !pdev->dev.iommu_group ||
		    amd_unit_for(pdev) != unit)
			continue;
		if (pci_for_each_dma_alias(pdev, amd_alias_is, &rid))
			return pdev;
	}
	return NULL;
}

static void amd_event_report(struct amd_unit *unit, u64 lo, u64 addr)
{
	unsigned int code = AMD_EVT_CODE(lo), flags = AMD_EVT_FLAGS(lo);
	u16 rid = AMD_EVT_DEVID(lo);
	bool write = flags & AMD_EVT_FLAG_RW;
	struct pci_dev *pdev;

	atomic64_inc(&unit->faults);
	if (code != AMD_EVT_IO_PAGE_FAULT && code != AMD_EVT_ILLEGAL_DTE) {
		pr_err_ratelimited("ivhd%u: %s (event %#018llx %#018llx)\n",
				   unit->index, amd_event_name(code), lo, addr);
		return;
	}
	pdev = amd_event_device(unit, rid);
	pr_err_ratelimited("ivhd%u: %s: DMA %s from %04x:%02x:%02x.%d (%s) at IOVA %#llx, domain %u, flags %#x\n",
			   unit->index, amd_event_name(code),
			   write ? "write" : "read", unit->ivrs->segment,
			   PCI_BUS_NUM(rid), PCI_SLOT(rid), PCI_FUNC(rid),
			   pdev ? pci_name(pdev) : "no device known", addr,
			   AMD_EVT_DOMID(lo), flags);
	if (pdev && code == AMD_EVT_IO_PAGE_FAULT)
		report_iommu_fault(iommu_get_domain_for_dev(&pdev->dev),
				   &pdev->dev, addr,
				   write ? IOMMU_FAULT_WRITE : IOMMU_FAULT_READ);
	pci_dev_put(pdev);
}

/* Start the log afresh after an overflow; the events in it are lost. */
static void amd_event_reset(struct amd_unit *unit)
{
	unsigned long flags;
	u64 ctrl;

	raw_spin_lock_irqsave(&unit->cmd_lock, flags);
	ctrl = readq(unit->regs + AMD_MMIO_CONTROL);
	writeq(ctrl & ~AMD_CONTROL_EVTLOG, unit->regs + AMD_MMIO_CONTROL);
	amd_evtlog_init(&unit->events, unit->evtlog, AMD_EVT_ENTRIES);
	/* Rewriting the base restarts the log on units that keep its end. */
	writeq(readq(unit->regs + AMD_MMIO_EVTLOG_BASE),
	       unit->regs + AMD_MMIO_EVTLOG_BASE);
	writeq(0, unit->regs + AMD_MMIO_EVT_HEAD);
	writeq(0, unit->regs + AMD_MMIO_EVT_TAIL);
	writeq(AMD_STATUS_EVT_OVF, unit->regs + AMD_MMIO_STATUS);
	writeq(ctrl, unit->regs + AMD_MMIO_CONTROL);
	raw_spin_unlock_irqrestore(&unit->cmd_lock, flags);
}

static unsigned int amd_event_tail(struct amd_unit *unit)
{
	return (readq(unit->regs + AMD_MMIO_EVT_TAIL) >> 4) % AMD_EVT_ENTRIES;
}

/* Report up to AMD_EVENT_BATCH events from the head of the log; how many. */
static unsigned int amd_event_take(struct amd_unit *unit)
{
	unsigned int tail = amd_event_tail(unit), n = 0;
	u64 ev[2];

	while (n < AMD_EVENT_BATCH && amd_evtlog_next(&unit->events, tail, ev)) {
		amd_event_report(unit, ev[0], ev[1]);
		if (unit->events.head == tail)
			tail = amd_event_tail(unit);
		n++;
	}
	if (n)
		writeq((u64)unit->events.head << 4,
		       unit->regs + AMD_MMIO_EVT_HEAD);
	return n;
}

static void amd_event_poll(struct work_struct *work)
{
	struct amd_unit *unit = container_of(to_delayed_work(work),
					     struct amd_unit, event_work);
	u64 status;

	while (amd_event_take(unit) == AMD_EVENT_BATCH)
		;
	status = readq(unit->regs + AMD_MMIO_STATUS);
	if (status & AMD_STATUS_EVT_OVF) {
		atomic64_inc(&unit->faults_lost);
		pr_err_ratelimited("ivhd%u: event log overflowed; events were lost\n",
				   unit->index);
		amd_event_reset(unit);
	}
	if (status & (AMD_STATUS_EVT_INT | AMD_STATUS_COMW_INT))
		writeq(status & (AMD_STATUS_EVT_INT | AMD_STATUS_COMW_INT),
		       unit->regs + AMD_MMIO_STATUS);
	queue_delayed_work(system_wq, &unit->event_work,
			   msecs_to_jiffies(AMD_EVENT_POLL_MS));
}

/**
 * amd_event_start - start polling a unit's event log
 * @unit: a unit that was just enabled
 *
 * Polling never stops: units are never removed.
 */
void amd_event_start(struct amd_unit *unit)
{
	amd_evtlog_init(&unit->events, unit->evtlog, AMD_EVT_ENTRIES);
	INIT_DEFERRABLE_WORK(&unit->event_work, amd_event_poll);
	queue_delayed_work(system_wq, &unit->event_work,
			   msecs_to_jiffies(AMD_EVENT_POLL_MS));
}

static ssize_t faults_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&dev_to_amd_unit(dev)->faults));
}

static ssize_t faults_lost_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&dev_to_amd_unit(dev)->faults_lost));
}

/* In /sys/class/iommu/ivhd<N>/amd-iommu/: events seen, and overflows. */
struct device_attribute amd_attr_faults = __ATTR_RO(faults);
struct device_attribute amd_attr_faults_lost = __ATTR_RO(faults_lost);
