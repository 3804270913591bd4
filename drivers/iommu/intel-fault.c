// SPDX-License-Identifier: GPL-2.0-only
/*
 * Intel VT-d faults: a unit that blocks a DMA (no context entry, no
 * mapping, no permission) records it in one of its fault recording
 * registers.  The driver reads and clears them, logs one rate-limited line
 * per fault, reports it to the domain of the device (report_iommu_fault():
 * the io_page_fault trace event and the domain's fault handler) and counts
 * it in /sys/class/iommu/dmar<N>/intel-iommu/faults.
 *
 * The registers are polled every VTD_FAULT_POLL_MS from a deferrable work
 * item, not read from the fault interrupt: the x86 irq chip for that
 * interrupt comes with CONFIG_DMAR_TABLE, whose arch hooks this driver
 * does not provide.  A fault stays recorded until it is read, so polling
 * loses none that fit in the registers; when they are full the unit sets
 * FSTS.PFO, which is counted in "faults_lost" and logged.  Deferrable: an
 * idle CPU is not woken for it.
 */

#define pr_fmt(fmt) "DMAR: " fmt

#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/printk.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include "dmar.h"
#include "intel-unit.h"
#include "iommu-priv.h"

#define VTD_FAULT_POLL_MS	100

/* Fault status register. */
#define VTD_FSTS_PFO		BIT(0)	/* a fault found every register full */
#define VTD_FSTS_PPF		BIT(1)	/* some register holds a fault */
#define VTD_FSTS_FRI(s)		(((s) >> 8) & 0xff)
/* The bits of FSTS that are cleared by writing 1. */
#define VTD_FSTS_W1C		0x7d

/* Fault recording register, second 64 bits. */
#define VTD_FRCD_F		BIT_ULL(63)
#define VTD_FRCD_READ		BIT_ULL(62)
#define VTD_FRCD_REASON(hi)	(((hi) >> 32) & 0xff)
#define VTD_FRCD_SID(hi)	((u16)(hi))
#define VTD_FRCD_ADDR		GENMASK_ULL(63, 12)

/* At most this many faults are taken from the registers in one poll. */
#define VTD_FAULT_BATCH		16

struct vtd_fault {
	u64 addr;
	u16 rid;
	u8 reason;
	bool read;
};

static const char *const vtd_fault_reasons[] = {
	[0x1] = "the root entry is not present",
	[0x2] = "the context entry is not present",
	[0x3] = "the context entry is invalid",
	[0x4] = "the address is beyond the address width",
	[0x5] = "write to a page that is not writable",
	[0x6] = "read from a page that is not readable",
	[0x7] = "the next-level table cannot be read",
	[0x8] = "the root table cannot be read",
	[0x9] = "the context table cannot be read",
	[0xa] = "reserved bits set in the root entry",
	[0xb] = "reserved bits set in the context entry",
	[0xc] = "reserved bits set in a page-table entry",
	[0xd] = "the translation type is not allowed",
};

static const char *vtd_fault_reason(u8 reason)
{
	if (reason < ARRAY_SIZE(vtd_fault_reasons) && vtd_fault_reasons[reason])
		return vtd_fault_reasons[reason];
	return "unknown reason";
}

static int vtd_alias_is(struct pci_dev *pdev, u16 alias, void *data)
{
	return alias == *(u16 *)data;
}

/*
 * The device whose DMA used requester ID @rid: the device with that ID if
 * it is translated, else a translated device with @rid among its aliases
 * (behind a PCIe-to-PCI bridge the ID is the bridge's, for all of them).
 * With a reference, or NULL.
 */
static struct pci_dev *vtd_fault_device(struct vtd_unit *unit, u16 rid)
{
	struct pci_dev *pdev;

	pdev = pci_get_domain_bus_and_slot(unit->desc->segment, rid >> 8,
					   rid & 0xff);
	if (pdev && pdev->dev.iommu_group)
		return pdev;
	pci_dev_put(pdev);
	pdev = NULL;
	for_each_pci_dev(pdev)
		if (pci_domain_nr(pdev->bus) == unit->desc->segment &&
		    pdev->dev.iommu_group && vtd_unit_for(pdev) == unit &&
		    pci_for_each_dma_alias(pdev, vtd_alias_is, &rid))
			return pdev;
	return NULL;
}

static void vtd_fault_report(struct vtd_unit *unit, const struct vtd_fault *f)
{
	struct pci_dev *pdev = vtd_fault_device(unit, f->rid);
	const char *what = f->read ? "read" : "write";

	atomic64_inc(&unit->faults);
	if (!pdev) {
		pr_err_ratelimited("dmar%d: DMA %s fault from %04x:%02x:%02x.%d, no device known, at IOVA 0x%llx: reason 0x%02x, %s\n",
				   unit->index, what, unit->desc->segment,
				   f->rid >> 8, PCI_SLOT(f->rid & 0xff),
				   PCI_FUNC(f->rid & 0xff), f->addr, f->reason,
				   vtd_fault_reason(f->reason));
		return;
	}
	pr_err_ratelimited("dmar%d: DMA %s fault from %04x:%02x:%02x.%d (%s) at IOVA 0x%llx: reason 0x%02x, %s\n",
			   unit->index, what, unit->desc->segment, f->rid >> 8,
			   PCI_SLOT(f->rid & 0xff), PCI_FUNC(f->rid & 0xff),
			   pci_name(pdev), f->addr, f->reason,
			   vtd_fault_reason(f->reason));
	report_iommu_fault(iommu_get_domain_for_dev(&pdev->dev), &pdev->dev,
			   f->addr, f->read ? IOMMU_FAULT_READ : IOMMU_FAULT_WRITE);
	pci_dev_put(pdev);
}

/*
 * Take up to @max faults out of the recording registers, oldest first, and
 * clear an overflow.  Return how many, and in *@lost whether the unit
 * dropped some.
 */
static unsigned int vtd_fault_take(struct vtd_unit *unit, struct vtd_fault *f,
				   unsigned int max, bool *lost)
{
	void __iomem *frcd = unit->regs + VTD_CAP_FRO(unit->cap);
	unsigned int nfr = VTD_CAP_NFR(unit->cap), i, n = 0;
	unsigned long flags;
	u32 sts;

	raw_spin_lock_irqsave(&unit->reg_lock, flags);
	sts = readl(unit->regs + VTD_FSTS_REG);
	if (sts & VTD_FSTS_PPF) {
		i = VTD_FSTS_FRI(sts) % nfr;
		while (n < max) {
			u64 hi = readq(frcd + 16 * i + 8);

			if (!(hi & VTD_FRCD_F))
				break;
			f[n++] = (struct vtd_fault) {
				.addr = readq(frcd + 16 * i) & VTD_FRCD_ADDR,
				.rid = VTD_FRCD_SID(hi),
				.reason = VTD_FRCD_REASON(hi),
				.read = hi & VTD_FRCD_READ,
			};
			/* F is write-1-to-clear, in the top 32 bits. */
			writel(BIT(31), frcd + 16 * i + 12);
			i = (i + 1) % nfr;
		}
	}
	*lost = sts & VTD_FSTS_PFO;
	if (sts & VTD_FSTS_W1C)
		writel(sts & VTD_FSTS_W1C, unit->regs + VTD_FSTS_REG);
	raw_spin_unlock_irqrestore(&unit->reg_lock, flags);
	return n;
}

/**
 * vtd_fault_drain - report every fault a unit has recorded
 * @unit: the unit
 *
 * Context: Process context; takes the unit's register lock, calls domain
 * fault handlers.
 */
void vtd_fault_drain(struct vtd_unit *unit)
{
	struct vtd_fault f[VTD_FAULT_BATCH];
	unsigned int n, i;
	bool lost;

	do {
		n = vtd_fault_take(unit, f, ARRAY_SIZE(f), &lost);
		if (lost) {
			atomic64_inc(&unit->faults_lost);
			pr_err_ratelimited("dmar%d: fault recording registers were full; faults were lost\n",
					   unit->index);
		}
		for (i = 0; i < n; i++)
			vtd_fault_report(unit, &f[i]);
	} while (n == ARRAY_SIZE(f));
}

static void vtd_fault_poll(struct work_struct *work)
{
	struct vtd_unit *unit = container_of(to_delayed_work(work),
					     struct vtd_unit, fault_work);

	vtd_fault_drain(unit);
	queue_delayed_work(system_wq, &unit->fault_work,
			   msecs_to_jiffies(VTD_FAULT_POLL_MS));
}

/**
 * vtd_fault_start - start polling a unit's fault registers
 * @unit: a unit about to translate
 *
 * Faults recorded before (by firmware's use of the unit) are reported at
 * the first poll.  Polling never stops: units are never removed.
 */
void vtd_fault_start(struct vtd_unit *unit)
{
	INIT_DEFERRABLE_WORK(&unit->fault_work, vtd_fault_poll);
	queue_delayed_work(system_wq, &unit->fault_work,
			   msecs_to_jiffies(VTD_FAULT_POLL_MS));
}

static ssize_t faults_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&dev_to_vtd_unit(dev)->faults));
}

static ssize_t faults_lost_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&dev_to_vtd_unit(dev)->faults_lost));
}

/* In /sys/class/iommu/dmar<N>/intel-iommu/: faults seen, and overflows. */
struct device_attribute vtd_attr_faults = __ATTR_RO(faults);
struct device_attribute vtd_attr_faults_lost = __ATTR_RO(faults_lost);
