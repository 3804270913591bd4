/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One Intel VT-d remapping unit as the driver's files share it: its
 * registers, its root and context tables, its domain ids and its faults.
 *
 *   intel-iommu.c   which unit covers a device, iommu_ops, sysfs, boot
 *   intel-context.c root and context tables, invalidation, translation on/off
 *   intel-domain.c  paging, identity and blocked domains, attach
 *   intel-fault.c   fault recording registers, reports, the fault count
 *   intel-pgtable.c the second-level page table on plain memory
 *
 * Lock order, outermost first: the core's iommu_group_lock (held by every
 * attach), vtd_unit.ctx_lock, vtd_domain.lock, vtd_pgtable.lock or
 * vtd_unit.reg_lock.
 */
#ifndef __IOMMU_INTEL_UNIT_H
#define __IOMMU_INTEL_UNIT_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/device.h>
#include <linux/idr.h>
#include <linux/iommu.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "intel-pgtable.h"

struct dmar_unit;
struct pci_dev;

/* Register offsets (VT-d specification, chapter 11). */
#define VTD_VER_REG	0x00	/* 32 bits: major in 7:4, minor in 3:0 */
#define VTD_CAP_REG	0x08	/* 64 bits */
#define VTD_ECAP_REG	0x10	/* 64 bits */
#define VTD_GCMD_REG	0x18	/* 32 bits, write only */
#define VTD_GSTS_REG	0x1c	/* 32 bits */
#define VTD_RTADDR_REG	0x20	/* 64 bits */
#define VTD_CCMD_REG	0x28	/* 64 bits */
#define VTD_FSTS_REG	0x34	/* 32 bits */
#define VTD_FECTL_REG	0x38	/* 32 bits */

/* Capability register fields. */
#define VTD_CAP_ND(c)		((c) & 7)		/* 2^(4 + 2 ND) domains */
#define VTD_CAP_RWBF		BIT_ULL(4)
#define VTD_CAP_CM		BIT_ULL(7)
#define VTD_CAP_SAGAW(c)	(((c) >> 8) & 0x1f)
#define VTD_CAP_MGAW(c)		((((c) >> 16) & 0x3f) + 1)	/* bits */
#define VTD_CAP_FRO(c)		((((c) >> 24) & 0x3ff) * 16)	/* bytes */
#define VTD_CAP_SLLPS(c)	(((c) >> 34) & 0xf)
#define VTD_CAP_PSI		BIT_ULL(39)
#define VTD_CAP_NFR(c)		((((c) >> 40) & 0xff) + 1)
#define VTD_CAP_MAMV(c)		(((c) >> 48) & 0x3f)
#define VTD_CAP_DWD		BIT_ULL(54)
#define VTD_CAP_DRD		BIT_ULL(55)

/* Extended capability register fields. */
#define VTD_ECAP_C		BIT_ULL(0)	/* page walks snoop */
#define VTD_ECAP_QI		BIT_ULL(1)
#define VTD_ECAP_PT		BIT_ULL(6)	/* pass-through context entries */
#define VTD_ECAP_SC		BIT_ULL(7)	/* snoop control */
#define VTD_ECAP_IRO(e)		((((e) >> 8) & 0x3ff) * 16)	/* bytes */

/* Global command and status bits (the same positions in both). */
#define VTD_GCMD_TE		BIT(31)
#define VTD_GCMD_SRTP		BIT(30)
#define VTD_GCMD_WBF		BIT(27)
#define VTD_GCMD_QIE		BIT(26)
#define VTD_GCMD_IRE		BIT(25)
#define VTD_GCMD_CFI		BIT(23)
/* The status bits that are settings, written back with every command. */
#define VTD_GCMD_KEEP	(VTD_GCMD_TE | VTD_GCMD_QIE | VTD_GCMD_IRE | VTD_GCMD_CFI)

/* Context entries: the first 64 bits. */
#define VTD_CTX_P		BIT_ULL(0)
#define VTD_CTX_TT_PAGING	(0ULL << 2)
#define VTD_CTX_TT_PASS		(2ULL << 2)
/* ...and the second: address width and domain id. */
#define VTD_CTX_AW(levels)	((u64)(levels) - 2)
#define VTD_CTX_DID(did)	((u64)(did) << 8)
#define VTD_CTX_HI_DID(hi)	((u16)((hi) >> 8))

/* Domain id 0 is never used (caching mode tags not-present entries). */
#define VTD_DID_IDENTITY	1
#define VTD_DID_FIRST		2

/**
 * struct vtd_unit - a remapping unit of the DMAR table
 * @iommu: its sysfs instance, /sys/class/iommu/dmar<@index>
 * @desc: what the table says about it
 * @index: its position in the table, the N of dmar<N>
 * @ok: its registers answered, it is set up and in sysfs.  A device it
 *	covers gets no group if not.
 * @translating: translation is enabled (GSTS.TES)
 * @regs: its registers, mapped while @ok
 * @ver: the version register
 * @cap: the capability register
 * @ecap: the extended capability register
 * @levels: page-table levels of its domains, 3 or 4, from SAGAW
 * @aw_bits: the IOVA bits its domains translate: the lesser of MGAW and
 *	what @levels reach
 * @superpages: CAP.SLLPS as vtd_pgtable_init() takes it
 * @reg_lock: serialises the command registers (global command, context
 *	and IOTLB invalidation) and the fault recording registers; taken
 *	with interrupts off, from any context
 * @ctx_lock: serialises changes of @root, the context tables and
 *	@rid_users; held by attach, which may sleep
 * @root: the root table, 256 entries of 128 bits, one per bus
 * @rid_users: per requester ID, how many devices attached to a domain
 *	program its context entry (an ID is shared by the devices behind a
 *	PCIe-to-PCI bridge); the entry is cleared when the last one goes
 * @dids: the domain ids of paging domains, from %VTD_DID_FIRST on
 * @identity_pt: the 1:1 table of the identity domain, for a unit without
 *	pass-through (ECAP.PT clear); NULL otherwise
 * @fault_work: polls the fault recording registers
 * @faults: faults recorded, for the sysfs "faults" file
 * @faults_lost: times the unit said it dropped a fault (FSTS.PFO)
 */
struct vtd_unit {
	struct iommu_device iommu;
	const struct dmar_unit *desc;
	int index;
	bool ok;
	bool translating;
	void __iomem *regs;
	u32 ver;
	u64 cap;
	u64 ecap;
	unsigned int levels;
	unsigned int aw_bits;
	unsigned int superpages;
	raw_spinlock_t reg_lock;	/* the command and fault registers */
	struct mutex ctx_lock;		/* @root, context tables, @rid_users */
	u64 *root;
	u16 *rid_users;
	struct ida dids;
	struct vtd_pgtable *identity_pt;
	struct delayed_work fault_work;
	atomic64_t faults;
	atomic64_t faults_lost;
};

/**
 * struct vtd_dev - the driver's data for one device it translates
 * @unit: the unit that translates it
 * @pdev: the device
 * @programmed: its requester IDs count in @unit->rid_users: it is attached
 *	to a paging or the identity domain, not blocked
 * @domain: the paging domain it is attached to, or NULL
 */
struct vtd_dev {
	struct vtd_unit *unit;
	struct pci_dev *pdev;
	bool programmed;
	struct vtd_domain *domain;
};

/**
 * struct vtd_binding - a paging domain used on one unit
 * @node: in &vtd_domain.bindings
 * @unit: the unit
 * @did: the domain's id on @unit, in its context entries and IOTLB
 * @devices: devices of @unit attached to the domain
 */
struct vtd_binding {
	struct list_head node;
	struct vtd_unit *unit;
	u16 did;
	unsigned int devices;
};

/**
 * struct vtd_domain - a paging domain
 * @domain: what the core sees
 * @pt: its page table
 * @lock: protects @bindings; flushes read it from any context
 * @bindings: the units it is attached on, with its id on each
 */
struct vtd_domain {
	struct iommu_domain domain;
	struct vtd_pgtable pt;
	spinlock_t lock;	/* @bindings */
	struct list_head bindings;
};

extern const struct iommu_ops vtd_ops;
extern bool vtd_need_clflush;

/* intel-iommu.c */
struct vtd_unit *vtd_unit_for(struct pci_dev *pdev);

/* intel-context.c */
int vtd_unit_tables_init(struct vtd_unit *unit);
void vtd_unit_tables_free(struct vtd_unit *unit);
void vtd_flush_cpu_cache(void *addr, size_t size);
int vtd_context_prepare(struct vtd_unit *unit, u8 bus);
void vtd_context_write(struct vtd_unit *unit, u16 rid, u64 lo, u64 hi);
void vtd_flush_iotlb_domain(struct vtd_unit *unit, u16 did);
void vtd_flush_iotlb_range(struct vtd_unit *unit, u16 did,
			   unsigned long start, unsigned long end);
void vtd_flush_write_buffer(struct vtd_unit *unit);
int vtd_translation_enable(struct vtd_unit *unit);
void vtd_translation_disable(struct vtd_unit *unit);

/* intel-domain.c */
extern struct iommu_domain vtd_identity_domain;
extern struct iommu_domain vtd_blocked_domain;
struct iommu_domain *vtd_domain_alloc_paging(struct device *dev);
int vtd_identity_table_init(struct vtd_unit *unit);
int vtd_passthrough_leftovers(struct vtd_unit *unit);

/* intel-fault.c */
void vtd_fault_start(struct vtd_unit *unit);
void vtd_fault_drain(struct vtd_unit *unit);
extern struct device_attribute vtd_attr_faults;
extern struct device_attribute vtd_attr_faults_lost;

/* The unit of a /sys/class/iommu/dmar<N> device. */
static inline struct vtd_unit *dev_to_vtd_unit(struct device *dev)
{
	struct iommu_device *iommu = dev_get_drvdata(dev);

	return container_of(iommu, struct vtd_unit, iommu);
}

#endif /* __IOMMU_INTEL_UNIT_H */
