// SPDX-License-Identifier: GPL-2.0-only
/*
 * Intel VT-d in legacy mode: the root table, the context tables it points
 * to, register-based invalidation of the context cache and the IOTLB, and
 * turning translation on and off.
 *
 * A context entry says how the unit translates one requester ID (bus,
 * device, function): through a page table under a domain id, passed
 * through, or not at all (not present: every DMA faults once translation
 * is on).  The unit caches context entries and translations; every change
 * to a present entry or a present page-table entry is followed here by the
 * invalidation that makes the unit forget the old one, before the caller
 * goes on.  Queued invalidation is not used: the register interface is
 * enough for context and IOTLB invalidation, and only interrupt remapping,
 * which this driver does not do, needs the queue.
 */

#define pr_fmt(fmt) "DMAR: " fmt

#include <linux/bitfield.h>
#include <linux/cacheflush.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/slab.h>

#include "dmar.h"
#include "intel-unit.h"

/* Context command register. */
#define VTD_CCMD_ICC		BIT_ULL(63)
#define VTD_CCMD_CIRG		GENMASK_ULL(62, 61)
#define VTD_CCMD_GLOBAL		FIELD_PREP(VTD_CCMD_CIRG, 1)
#define VTD_CCMD_DEVICE		FIELD_PREP(VTD_CCMD_CIRG, 3)
#define VTD_CCMD_SID(rid)	((u64)(rid) << 16)

/* IOTLB invalidate register and the address register before it. */
#define VTD_IOTLB_IVT		BIT_ULL(63)
#define VTD_IOTLB_IIRG		GENMASK_ULL(61, 60)
#define VTD_IOTLB_GLOBAL	FIELD_PREP(VTD_IOTLB_IIRG, 1)
#define VTD_IOTLB_DSI		FIELD_PREP(VTD_IOTLB_IIRG, 2)
#define VTD_IOTLB_PSI		FIELD_PREP(VTD_IOTLB_IIRG, 3)
#define VTD_IOTLB_DR		BIT_ULL(49)
#define VTD_IOTLB_DW		BIT_ULL(48)
#define VTD_IOTLB_DID(did)	((u64)(did) << 32)

/* Root entries: the first 64 bits; the second stay 0 in legacy mode. */
#define VTD_ROOT_P		BIT_ULL(0)
#define VTD_TABLE_ADDR		GENMASK_ULL(63, 12)

/* QEMU and hardware finish a command within microseconds. */
#define VTD_CMD_TIMEOUT_US	100000

/* Set when a unit's page walks do not snoop the CPU caches (ECAP.C). */
bool vtd_need_clflush;

/**
 * vtd_flush_cpu_cache - write tables the units walk back to memory
 * @addr: start
 * @size: bytes
 *
 * Only needed, and only done, when some unit does not snoop (ECAP.C).
 */
void vtd_flush_cpu_cache(void *addr, size_t size)
{
	if (vtd_need_clflush && size)
		clflush_cache_range(addr, size);
}

/* Issue global command @bit and wait until the unit shows @want. */
static void vtd_gcmd(struct vtd_unit *unit, u32 cmd, u32 mask, u32 want)
{
	u32 sts;

	lockdep_assert_held(&unit->reg_lock);
	writel(cmd, unit->regs + VTD_GCMD_REG);
	if (readl_poll_timeout_atomic(unit->regs + VTD_GSTS_REG, sts,
				      (sts & mask) == want, 1,
				      VTD_CMD_TIMEOUT_US))
		pr_err("dmar%d: global command 0x%08x not done, status 0x%08x\n",
		       unit->index, cmd, sts);
}

/* The settings the global status shows, to write back with a command. */
static u32 vtd_gcmd_settings(struct vtd_unit *unit)
{
	return readl(unit->regs + VTD_GSTS_REG) & VTD_GCMD_KEEP;
}

/* Write @cmd to a command register whose @busy bit clears when done. */
static void vtd_command(struct vtd_unit *unit, unsigned int reg, u64 cmd,
			u64 busy)
{
	u64 val;

	lockdep_assert_held(&unit->reg_lock);
	writeq(cmd | busy, unit->regs + reg);
	if (readq_poll_timeout_atomic(unit->regs + reg, val, !(val & busy), 1,
				      VTD_CMD_TIMEOUT_US))
		pr_err("dmar%d: invalidation 0x%016llx not done\n",
		       unit->index, cmd);
}

static void vtd_flush_context(struct vtd_unit *unit, u64 cmd)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&unit->reg_lock, flags);
	vtd_command(unit, VTD_CCMD_REG, cmd, VTD_CCMD_ICC);
	raw_spin_unlock_irqrestore(&unit->reg_lock, flags);
}

/* @addr: for a page-selective @cmd, the IVA register's value (may be 0). */
static void vtd_flush_iotlb(struct vtd_unit *unit, u64 cmd, u64 addr)
{
	unsigned int iro = VTD_ECAP_IRO(unit->ecap);
	unsigned long flags;

	if (unit->cap & VTD_CAP_DRD)
		cmd |= VTD_IOTLB_DR;
	if (unit->cap & VTD_CAP_DWD)
		cmd |= VTD_IOTLB_DW;
	raw_spin_lock_irqsave(&unit->reg_lock, flags);
	if ((cmd & VTD_IOTLB_IIRG) == VTD_IOTLB_PSI)
		writeq(addr, unit->regs + iro);
	vtd_command(unit, iro + 8, cmd, VTD_IOTLB_IVT);
	raw_spin_unlock_irqrestore(&unit->reg_lock, flags);
}

/**
 * vtd_flush_iotlb_domain - forget every translation of a domain id
 * @unit: the unit
 * @did: the domain id
 *
 * Context: Any; takes the unit's register lock.
 */
void vtd_flush_iotlb_domain(struct vtd_unit *unit, u16 did)
{
	vtd_flush_iotlb(unit, VTD_IOTLB_DSI | VTD_IOTLB_DID(did), 0);
}

/**
 * vtd_flush_iotlb_range - forget the translations of an IOVA range
 * @unit: the unit
 * @did: the domain id
 * @start: first IOVA
 * @end: last IOVA (inclusive)
 *
 * One page-selective invalidation of the smallest naturally aligned block
 * that holds the range, if the unit has them and the block is small enough
 * (CAP.MAMV), else the whole domain id.  Also drops the cached upper
 * levels of the tables over the range: unmaps free table pages.
 *
 * Context: Any; takes the unit's register lock.
 */
void vtd_flush_iotlb_range(struct vtd_unit *unit, u16 did,
			   unsigned long start, unsigned long end)
{
	unsigned long first = start >> PAGE_SHIFT, last = end >> PAGE_SHIFT;
	unsigned int am = 0;

	while ((first >> am) != (last >> am))
		am++;
	if (!(unit->cap & VTD_CAP_PSI) || am > VTD_CAP_MAMV(unit->cap)) {
		vtd_flush_iotlb_domain(unit, did);
		return;
	}
	vtd_flush_iotlb(unit, VTD_IOTLB_PSI | VTD_IOTLB_DID(did),
			((u64)(first >> am) << (PAGE_SHIFT + am)) | am);
}

/**
 * vtd_flush_write_buffer - drain the unit's write buffer
 * @unit: the unit
 *
 * Units with CAP.RWBF may hold table writes in a buffer until told; the
 * others need nothing.
 *
 * Context: Any; takes the unit's register lock.
 */
void vtd_flush_write_buffer(struct vtd_unit *unit)
{
	unsigned long flags;
	u32 set;

	if (!(unit->cap & VTD_CAP_RWBF))
		return;
	raw_spin_lock_irqsave(&unit->reg_lock, flags);
	set = vtd_gcmd_settings(unit);
	vtd_gcmd(unit, set | VTD_GCMD_WBF, VTD_GCMD_WBF, 0);
	raw_spin_unlock_irqrestore(&unit->reg_lock, flags);
}

static u64 *vtd_table_alloc(void)
{
	u64 *table = (u64 *)get_zeroed_page(GFP_KERNEL);

	if (table)
		vtd_flush_cpu_cache(table, PAGE_SIZE);
	return table;
}

/**
 * vtd_unit_tables_init - give a unit an empty root table
 * @unit: a unit whose registers are mapped
 *
 * Translation that firmware or an earlier kernel left on is turned off
 * first: its tables are not ours.  Every context entry is then not present.
 *
 * Context: Process context, before the unit translates any device.
 * Return: 0, -ENOMEM, or -EBUSY if queued invalidation is enabled (this
 * driver cannot turn it off safely and register-based invalidation does
 * not work while it is on).
 */
int __init vtd_unit_tables_init(struct vtd_unit *unit)
{
	unsigned long flags;
	u32 sts = readl(unit->regs + VTD_GSTS_REG);

	if (sts & VTD_GCMD_QIE) {
		pr_err("dmar%d: queued invalidation is enabled (status 0x%08x); not used\n",
		       unit->index, sts);
		return -EBUSY;
	}
	unit->root = vtd_table_alloc();
	if (!unit->root)
		return -ENOMEM;
	unit->rid_users = kvcalloc(U16_MAX + 1, sizeof(*unit->rid_users),
				   GFP_KERNEL);
	if (!unit->rid_users) {
		free_page((unsigned long)unit->root);
		unit->root = NULL;
		return -ENOMEM;
	}

	if (sts & VTD_GCMD_TE) {
		pr_warn("dmar%d: translation was on; turning it off\n",
			unit->index);
		vtd_translation_disable(unit);
	}
	raw_spin_lock_irqsave(&unit->reg_lock, flags);
	writeq(virt_to_phys(unit->root), unit->regs + VTD_RTADDR_REG);
	vtd_gcmd(unit, vtd_gcmd_settings(unit) | VTD_GCMD_SRTP, VTD_GCMD_SRTP,
		 VTD_GCMD_SRTP);
	vtd_command(unit, VTD_CCMD_REG, VTD_CCMD_GLOBAL, VTD_CCMD_ICC);
	raw_spin_unlock_irqrestore(&unit->reg_lock, flags);
	vtd_flush_iotlb(unit, VTD_IOTLB_GLOBAL, 0);
	return 0;
}

/* The context table of @bus, or NULL if it has none. */
static u64 *vtd_context_table(struct vtd_unit *unit, u8 bus)
{
	u64 root = READ_ONCE(unit->root[2 * bus]);

	if (!(root & VTD_ROOT_P))
		return NULL;
	return phys_to_virt(root & VTD_TABLE_ADDR);
}

/**
 * vtd_context_prepare - make sure a bus has a context table
 * @unit: the unit
 * @bus: the bus number
 *
 * So that vtd_context_write() for a requester ID on @bus cannot fail.
 *
 * Context: Process context; the caller holds @unit->ctx_lock.
 * Return: 0 or -ENOMEM.
 */
int vtd_context_prepare(struct vtd_unit *unit, u8 bus)
{
	u64 *table;

	lockdep_assert_held(&unit->ctx_lock);
	if (vtd_context_table(unit, bus))
		return 0;
	table = vtd_table_alloc();
	if (!table)
		return -ENOMEM;
	/* A new table holds no present entry: nothing cached to forget. */
	WRITE_ONCE(unit->root[2 * bus], virt_to_phys(table) | VTD_ROOT_P);
	vtd_flush_cpu_cache(&unit->root[2 * bus], 16);
	vtd_flush_write_buffer(unit);
	return 0;
}

/**
 * vtd_context_write - set or clear the context entry of a requester ID
 * @unit: the unit
 * @rid: the requester ID, bus in 15:8, devfn in 7:0
 * @lo: the first 64 bits, with %VTD_CTX_P; 0 to clear the entry
 * @hi: the second 64 bits (address width, domain id)
 *
 * A present entry is first made not present and forgotten (context cache,
 * then the IOTLB of its domain id), so the unit never sees half of an old
 * and half of a new entry; DMA in between faults.  When the unit may cache
 * not-present entries (CAP.CM), a new entry is announced the same way.
 * When this returns the unit uses the new entry.
 *
 * Context: Process context; the caller holds @unit->ctx_lock and, to set
 * an entry, has called vtd_context_prepare() for its bus.
 */
void vtd_context_write(struct vtd_unit *unit, u16 rid, u64 lo, u64 hi)
{
	u64 *table = vtd_context_table(unit, rid >> 8);
	u64 *ce, old_lo, old_hi;

	lockdep_assert_held(&unit->ctx_lock);
	if (!table) {
		WARN_ON(lo);
		return;
	}
	ce = &table[2 * (rid & 0xff)];
	old_lo = READ_ONCE(ce[0]);
	old_hi = READ_ONCE(ce[1]);
	if (old_lo == lo && (!lo || old_hi == hi))
		return;

	if (old_lo & VTD_CTX_P) {
		WRITE_ONCE(ce[0], 0);
		vtd_flush_cpu_cache(ce, 16);
		vtd_flush_write_buffer(unit);
		vtd_flush_context(unit, VTD_CCMD_DEVICE | VTD_CCMD_SID(rid) |
				  VTD_CTX_HI_DID(old_hi));
		vtd_flush_iotlb_domain(unit, VTD_CTX_HI_DID(old_hi));
	}
	if (!(lo & VTD_CTX_P))
		return;
	WRITE_ONCE(ce[1], hi);
	WRITE_ONCE(ce[0], lo);
	vtd_flush_cpu_cache(ce, 16);
	if (unit->cap & VTD_CAP_CM) {
		/* Not-present entries are cached under domain id 0. */
		vtd_flush_context(unit, VTD_CCMD_DEVICE | VTD_CCMD_SID(rid));
		vtd_flush_iotlb_domain(unit, VTD_CTX_HI_DID(hi));
	} else {
		vtd_flush_write_buffer(unit);
	}
}

/**
 * vtd_translation_enable - turn DMA remapping on
 * @unit: a unit with its root table set
 *
 * From here on every requester ID without a present context entry faults.
 *
 * Context: Process context.
 * Return: 0, or -EIO if the unit did not confirm.
 */
int vtd_translation_enable(struct vtd_unit *unit)
{
	unsigned long flags;
	u32 sts;

	raw_spin_lock_irqsave(&unit->reg_lock, flags);
	vtd_gcmd(unit, vtd_gcmd_settings(unit) | VTD_GCMD_TE, VTD_GCMD_TE,
		 VTD_GCMD_TE);
	sts = readl(unit->regs + VTD_GSTS_REG);
	raw_spin_unlock_irqrestore(&unit->reg_lock, flags);
	unit->translating = sts & VTD_GCMD_TE;
	return unit->translating ? 0 : -EIO;
}

/**
 * vtd_translation_disable - turn DMA remapping off
 * @unit: the unit
 *
 * Devices DMA to physical addresses again.  For shutdown and kexec, and
 * for translation an earlier owner left on.
 *
 * Context: Any, interrupts may be off.
 */
void vtd_translation_disable(struct vtd_unit *unit)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&unit->reg_lock, flags);
	vtd_gcmd(unit, vtd_gcmd_settings(unit) & ~VTD_GCMD_TE, VTD_GCMD_TE, 0);
	raw_spin_unlock_irqrestore(&unit->reg_lock, flags);
	unit->translating = false;
}

/**
 * vtd_unit_tables_free - undo vtd_unit_tables_init()
 * @unit: a unit that never translated
 *
 * Context: Process context, at boot.
 */
void __init vtd_unit_tables_free(struct vtd_unit *unit)
{
	unsigned int bus;

	for (bus = 0; bus < 256; bus++) {
		u64 *table = vtd_context_table(unit, bus);

		if (table)
			free_page((unsigned long)table);
	}
	free_page((unsigned long)unit->root);
	unit->root = NULL;
	if (unit->identity_pt) {
		vtd_pgtable_destroy(unit->identity_pt);
		kfree(unit->identity_pt);
		unit->identity_pt = NULL;
	}
	kvfree(unit->rid_users);
	unit->rid_users = NULL;
}
