/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One AMD-Vi unit as the driver's files share it: its registers, device
 * table, command buffer and event log, and the domains its devices use.
 *
 *   amd_iommu.c      which unit covers a device, iommu_ops, sysfs, boot
 *   amd-cmd.c        device table, command buffer, translation on/off
 *   amd-domain.c     paging, identity and blocked domains, attach
 *   amd-event.c      the event log, fault reports, the fault count
 *   amd-pgtable.c    the v1 I/O page table on plain memory
 *   amd_iommu_ivrs.c the IVRS table
 *
 * Lock order, outermost first: the core's iommu_group_lock (held by every
 * attach), amd_unit.dte_lock, amd_domain.lock, then the page table's lock
 * or amd_unit.cmd_lock.
 */
#ifndef __IOMMU_AMD_UNIT_H
#define __IOMMU_AMD_UNIT_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/iommu.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "amd-evtlog.h"
#include "amd-pgtable.h"
#include "amd_iommu_ivrs.h"

struct pci_dev;

/* Registers (AMD I/O Virtualization Technology specification, 3.4). */
#define AMD_MMIO_DEVTAB_BASE	0x0000
#define AMD_MMIO_CMDBUF_BASE	0x0008
#define AMD_MMIO_EVTLOG_BASE	0x0010
#define AMD_MMIO_CONTROL	0x0018
#define AMD_MMIO_EXT_FEATURE	0x0030
#define AMD_MMIO_CMD_HEAD	0x2000
#define AMD_MMIO_CMD_TAIL	0x2008
#define AMD_MMIO_EVT_HEAD	0x2010
#define AMD_MMIO_EVT_TAIL	0x2018
#define AMD_MMIO_STATUS		0x2020
/* What the driver maps: every register above. */
#define AMD_MMIO_MAP_LEN	0x4000

/* Control register bits. */
#define AMD_CONTROL_ENABLE	BIT_ULL(0)
#define AMD_CONTROL_EVTLOG	BIT_ULL(2)
#define AMD_CONTROL_CMDBUF	BIT_ULL(12)

/* Status register bits; the first three are cleared by writing 1. */
#define AMD_STATUS_EVT_OVF	BIT_ULL(0)
#define AMD_STATUS_EVT_INT	BIT_ULL(1)
#define AMD_STATUS_COMW_INT	BIT_ULL(2)
#define AMD_STATUS_W1C		GENMASK_ULL(2, 0)

/* Extended feature register: INVALIDATE_ALL is offered. */
#define AMD_FEATURE_IA		BIT_ULL(6)

/* Device table entries, the first 64 bits... */
#define AMD_DTE_V		BIT_ULL(0)
#define AMD_DTE_TV		BIT_ULL(1)
#define AMD_DTE_MODE(levels)	((u64)(levels) << 9)
#define AMD_DTE_ROOT		GENMASK_ULL(51, 12)
#define AMD_DTE_IR		BIT_ULL(61)
#define AMD_DTE_IW		BIT_ULL(62)
/* ...and the second: the domain id. */
#define AMD_DTE_DOMID(did)	((u64)(did))

/* Capability header: the unit caches not-present entries. */
#define AMD_CAP_NP_CACHE	BIT(26)

/* Page-table levels of paging domains: 48-bit IOVAs, which every unit walks. */
#define AMD_DOMAIN_LEVELS	4

/* Domain id 0 is for entries that do not translate (blocked, identity). */
#define AMD_DOMID_NONE		0

/**
 * struct amd_unit - a unit this driver found and kept
 * @iommu: the unit in the core, /sys/class/iommu/ivhd<@index>
 * @ivrs: the unit's IVRS description, inside the parsed table
 * @pdev: the unit's own PCI function, with a reference
 * @index: N of its name ivhd<N>
 * @regs: its registers, mapped
 * @control: control register as firmware left it
 * @features: extended feature register
 * @np_cache: the unit may cache entries that are not present (NpCache in
 *	its capability), so new mappings are flushed too
 * @nr_dte: entries in @devtab: one past the highest requester ID the IVRS
 *	gives the unit, rounded up to a whole page of entries
 * @devtab: the device table, @nr_dte entries of 4 x 64 bits, in memory the
 *	unit reads at any time once enabled
 * @dte_lock: serialises changes of @devtab and @rid_users; held by attach,
 *	which may sleep
 * @rid_users: per requester ID below @nr_dte, how many devices attached
 *	to a domain program its entry (behind a PCIe-to-PCI bridge, or by an
 *	IVRS alias, several devices share one); blocked again when the last
 *	one goes
 * @blocked_root: an empty table that blocked entries point at, so that a
 *	unit walking them reports the DMA instead of dropping it silently
 * @cmd_lock: serialises the command buffer, its registers and @sem_seq;
 *	taken with interrupts off, from any context
 * @cmdbuf: the command buffer, %AMD_CMD_ENTRIES commands of 128 bits
 * @cmd_tail: index of the next command to write
 * @sem: the completion-wait semaphore the unit stores to
 * @sem_seq: the last value asked to be stored in @sem
 * @running: the unit is enabled and runs commands; before that the driver
 *	writes entries without invalidating (a disabled unit caches nothing)
 * @evtlog: the event log's memory, %AMD_EVT_ENTRIES events of 128 bits
 * @events: the event log as the driver reads it, on @evtlog
 * @event_work: polls the event log
 * @faults: events reported, for the sysfs "faults" file
 * @faults_lost: times the unit said its log overflowed
 */
struct amd_unit {
	struct iommu_device iommu;
	const struct ivrs_unit *ivrs;
	struct pci_dev *pdev;
	unsigned int index;
	void __iomem *regs;
	u64 control;
	u64 features;
	bool np_cache;
	unsigned int nr_dte;
	u64 *devtab;
	struct mutex dte_lock;		/* @devtab, @rid_users */
	u16 *rid_users;
	u64 *blocked_root;
	raw_spinlock_t cmd_lock;	/* @cmdbuf, @cmd_tail, @sem_seq */
	u64 *cmdbuf;
	unsigned int cmd_tail;
	u64 *sem;
	u64 sem_seq;
	bool running;
	u64 *evtlog;
	struct amd_evtlog events;
	struct delayed_work event_work;
	atomic64_t faults;
	atomic64_t faults_lost;
};

/**
 * struct amd_dev - the driver's data for one device it translates
 * @unit: the unit that translates it
 * @pdev: the device
 * @programmed: its requester IDs count in @unit->rid_users: it is attached
 *	to a paging or the identity domain, not blocked
 * @domain: the paging domain it is attached to, or NULL
 */
struct amd_dev {
	struct amd_unit *unit;
	struct pci_dev *pdev;
	bool programmed;
	struct amd_domain *domain;
};

/**
 * struct amd_domain - a paging domain
 * @domain: what the core sees
 * @pt: its page table
 * @did: its domain id, the same on every unit
 * @lock: protects @users; flushes read it from any context
 * @users: per unit index, the devices of that unit attached
 */
struct amd_domain {
	struct iommu_domain domain;
	struct amd_pgtable pt;
	u16 did;
	spinlock_t lock;	/* @users */
	unsigned int users[IVRS_MAX_UNITS];
};

/* The commands the driver sends. */
#define AMD_CMD_ENTRIES		256
#define AMD_EVT_ENTRIES		8192

extern const struct iommu_ops amd_iommu_ops;

/* amd_iommu.c */
struct amd_unit *amd_unit_for(struct pci_dev *pdev);
struct amd_unit *amd_unit_by_index(unsigned int index);
u16 amd_rid_alias(u16 segment, u16 rid);

/* amd-cmd.c */
int amd_unit_tables_init(struct amd_unit *unit, unsigned int rids);
void amd_unit_tables_free(struct amd_unit *unit);
void amd_dte_write(struct amd_unit *unit, u16 rid, u64 dte0, u64 dte1);
void amd_dte_blocked(struct amd_unit *unit, u64 *dte0, u64 *dte1);
void amd_flush_domain(struct amd_unit *unit, u16 did, unsigned long start,
		      unsigned long end);
int amd_unit_enable(struct amd_unit *unit);
void amd_unit_disable(struct amd_unit *unit);

/* amd-domain.c */
extern struct iommu_domain amd_identity_domain;
extern struct iommu_domain amd_blocked_domain;
struct iommu_domain *amd_domain_alloc_paging(struct device *dev);
int amd_passthrough_leftovers(struct amd_unit *unit);

/* amd-event.c */
void amd_event_start(struct amd_unit *unit);
extern struct device_attribute amd_attr_faults;
extern struct device_attribute amd_attr_faults_lost;

/* The unit of a /sys/class/iommu/ivhd<N> device. */
static inline struct amd_unit *dev_to_amd_unit(struct device *dev)
{
	struct iommu_device *iommu = dev_get_drvdata(dev);

	return container_of(iommu, struct amd_unit, iommu);
}

#endif /* __IOMMU_AMD_UNIT_H */
