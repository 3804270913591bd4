// SPDX-License-Identifier: GPL-2.0-only
/*
 * AMD-Vi: the device table, the command buffer, and turning a unit on and
 * off.
 *
 * A device table entry says how the unit treats one requester ID: through
 * a v1 page table under a domain id, passed through, or blocked.  Every
 * entry is valid from the start; one no device uses is blocked, pointing
 * at an empty table with neither read nor write permission, so that the
 * unit reports a DMA through it (an IO_PAGE_FAULT) instead of dropping it
 * silently.
 *
 * The unit caches entries and translations.  Every change to an entry is
 * followed by INVALIDATE_DEVTAB_ENTRY, every unmap by INVALIDATE_IOMMU_PAGES,
 * each with a COMPLETION_WAIT whose semaphore store the driver waits for
 * before it goes on.  A unit runs commands only while it is enabled; until
 * then it caches nothing, so the driver writes entries without commands and
 * invalidates everything once when it turns the unit on.  A unit that stops
 * taking commands is reported and its buffer reset; the wait gives up
 * instead of spinning forever.
 */

#define pr_fmt(fmt) "AMD-Vi: " fmt

#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/lockdep.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "amd-unit.h"

/* Base registers: a 4 KiB aligned address and a size field. */
#define AMD_BASE_ADDR		GENMASK_ULL(51, 12)
#define AMD_BASE_LEN(log2)	((u64)(log2) << 56)
#define AMD_RING_OFFSET		GENMASK_ULL(18, 4)

/* Commands: the opcode in bits 63:60 of the first 64 bits. */
#define AMD_CMD_OP(op)		((u64)(op) << 60)
#define AMD_CMD_COMPLETION_WAIT	1
#define AMD_CMD_INV_DEVTAB	2
#define AMD_CMD_INV_PAGES	3
#define AMD_CMD_INV_ALL		8
#define AMD_CMD_CW_STORE	BIT_ULL(0)
#define AMD_CMD_PAGES_S		BIT_ULL(0)	/* a range, not one page */
#define AMD_CMD_PAGES_PDE	BIT_ULL(1)	/* table entries too */
/* With S set, every address: bits 62:12 set, 63 clear. */
#define AMD_CMD_PAGES_ALL	GENMASK_ULL(62, 12)

/* QEMU runs commands when the tail is written; hardware in microseconds. */
#define AMD_CMD_TIMEOUT_US	100000

#define AMD_DTE_WORDS		4
#define AMD_DTE_PER_PAGE	(PAGE_SIZE / (AMD_DTE_WORDS * sizeof(u64)))

static void amd_pages_free(void *p, size_t size)
{
	if (p)
		free_pages((unsigned long)p, get_order(size));
}

static void *amd_pages_alloc(size_t size)
{
	return (void *)__get_free_pages(GFP_KERNEL | __GFP_ZERO,
					get_order(size));
}

/* --- Commands ------------------------------------------------------------ */

/*
 * Start the buffer afresh: the unit lost its way (it stopped taking
 * commands), so what is in it is given up.
 */
static void amd_cmd_reset(struct amd_unit *unit)
{
	u64 ctrl = readq(unit->regs + AMD_MMIO_CONTROL);

	lockdep_assert_held(&unit->cmd_lock);
	writeq(ctrl & ~AMD_CONTROL_CMDBUF, unit->regs + AMD_MMIO_CONTROL);
	writeq(0, unit->regs + AMD_MMIO_CMD_HEAD);
	writeq(0, unit->regs + AMD_MMIO_CMD_TAIL);
	unit->cmd_tail = 0;
	writeq(ctrl, unit->regs + AMD_MMIO_CONTROL);
}

static unsigned int amd_cmd_head(struct amd_unit *unit)
{
	return (readq(unit->regs + AMD_MMIO_CMD_HEAD) & AMD_RING_OFFSET) >> 4;
}

/* Put one command in the buffer and let the unit see it. */
static int amd_cmd_queue(struct amd_unit *unit, u64 lo, u64 hi)
{
	unsigned int next = (unit->cmd_tail + 1) % AMD_CMD_ENTRIES;
	unsigned int waited = 0;

	lockdep_assert_held(&unit->cmd_lock);
	while (amd_cmd_head(unit) == next) {
		if (waited++ == AMD_CMD_TIMEOUT_US) {
			pr_err_ratelimited("ivhd%u: command buffer full and not moving; reset\n",
					   unit->index);
			amd_cmd_reset(unit);
			return -ETIMEDOUT;
		}
		udelay(1);
	}
	WRITE_ONCE(unit->cmdbuf[2 * unit->cmd_tail], lo);
	WRITE_ONCE(unit->cmdbuf[2 * unit->cmd_tail + 1], hi);
	unit->cmd_tail = next;
	/* The writes to the buffer are visible before the tail moves. */
	writeq((u64)next << 4, unit->regs + AMD_MMIO_CMD_TAIL);
	return 0;
}

/* Wait until the unit has run every command queued before. */
static int amd_cmd_sync(struct amd_unit *unit)
{
	unsigned int waited;
	u64 seq;
	int ret;

	lockdep_assert_held(&unit->cmd_lock);
	seq = ++unit->sem_seq;
	ret = amd_cmd_queue(unit, AMD_CMD_OP(AMD_CMD_COMPLETION_WAIT) |
			    virt_to_phys(unit->sem) | AMD_CMD_CW_STORE, seq);
	if (ret)
		return ret;
	for (waited = 0; READ_ONCE(*unit->sem) != seq; waited++) {
		if (waited == AMD_CMD_TIMEOUT_US) {
			pr_err_ratelimited("ivhd%u: completion wait timed out (head %u, tail %u); command buffer reset\n",
					   unit->index, amd_cmd_head(unit),
					   unit->cmd_tail);
			amd_cmd_reset(unit);
			return -ETIMEDOUT;
		}
		udelay(1);
	}
	return 0;
}

/* Run @n commands and wait for them; nothing to do on a stopped unit. */
static int amd_cmd_run(struct amd_unit *unit, const u64 (*cmds)[2],
		       unsigned int n)
{
	unsigned long flags;
	unsigned int i;
	int ret = 0;

	raw_spin_lock_irqsave(&unit->cmd_lock, flags);
	if (unit->running) {
		for (i = 0; i < n && !ret; i++)
			ret = amd_cmd_queue(unit, cmds[i][0], cmds[i][1]);
		if (!ret)
			ret = amd_cmd_sync(unit);
	}
	raw_spin_unlock_irqrestore(&unit->cmd_lock, flags);
	return ret;
}

/*
 * The INVALIDATE_IOMMU_PAGES address field for [@start, @end]: one page,
 * or with S set the naturally aligned power of two around the range, its
 * size given by the lowest clear bit from bit 12 up.
 */
static u64 amd_pages_range(unsigned long start, unsigned long end)
{
	unsigned int order;
	u64 base;

	if (end < start)
		return AMD_CMD_PAGES_ALL | AMD_CMD_PAGES_S;
	start &= PAGE_MASK;
	if (end - start < PAGE_SIZE)
		return start;
	/* The smallest aligned block holding both ends. */
	order = fls64(start ^ end);
	if (order >= 63)
		return AMD_CMD_PAGES_ALL | AMD_CMD_PAGES_S;
	base = start & ~(BIT_ULL(order) - 1);
	return base | ((BIT_ULL(order - 1) - 1) & PAGE_MASK) | AMD_CMD_PAGES_S;
}

/**
 * amd_flush_domain - make a unit forget a domain's translations
 * @unit: the unit
 * @did: the domain id
 * @start: first IOVA
 * @end: last IOVA; below @start for every IOVA
 *
 * Invalidates the translations and table entries the unit cached for @did
 * in the range and waits until it has.  Nothing on a unit that is not
 * running yet.
 *
 * Context: Any context.
 */
void amd_flush_domain(struct amd_unit *unit, u16 did, unsigned long start,
		      unsigned long end)
{
	const u64 cmd[1][2] = {{
		AMD_CMD_OP(AMD_CMD_INV_PAGES) | ((u64)did << 32),
		amd_pages_range(start, end) | AMD_CMD_PAGES_PDE,
	}};

	amd_cmd_run(unit, cmd, 1);
}

/* --- The device table ------------------------------------------------------ */

/**
 * amd_dte_blocked - the entry of a requester ID no device uses
 * @unit: the unit
 * @dte0: its first 64 bits
 * @dte1: its second 64 bits
 */
void amd_dte_blocked(struct amd_unit *unit, u64 *dte0, u64 *dte1)
{
	*dte0 = AMD_DTE_V | AMD_DTE_TV | AMD_DTE_MODE(1) |
		virt_to_phys(unit->blocked_root);
	*dte1 = AMD_DTE_DOMID(AMD_DOMID_NONE);
}

static void amd_dte_invalidate(struct amd_unit *unit, u16 rid)
{
	const u64 cmd[1][2] = {{ AMD_CMD_OP(AMD_CMD_INV_DEVTAB) | rid, 0 }};

	amd_cmd_run(unit, cmd, 1);
}

/**
 * amd_dte_write - point a requester ID at a domain
 * @unit: the unit
 * @rid: the requester ID, below @unit->nr_dte
 * @dte0: the first 64 bits of the new entry
 * @dte1: the second 64 bits (the domain id)
 *
 * An entry that let DMA through is blocked and invalidated first, and
 * what the unit cached through it (under its domain id, on this unit) is
 * flushed, so the unit never combines the old domain id with the new
 * table or keeps an old translation; then the new entry is written and
 * invalidated.  The interrupt half of the entry stays zero.
 *
 * Context: Process context, with @unit->dte_lock held.
 */
void amd_dte_write(struct amd_unit *unit, u16 rid, u64 dte0, u64 dte1)
{
	u64 *e, old0, old1, blocked0, blocked1;

	lockdep_assert_held(&unit->dte_lock);
	if (WARN_ON(rid >= unit->nr_dte))
		return;
	e = &unit->devtab[AMD_DTE_WORDS * rid];
	old0 = e[0];
	old1 = e[1];
	if (old0 == dte0 && old1 == dte1)
		return;
	amd_dte_blocked(unit, &blocked0, &blocked1);
	if (old0 != blocked0) {
		WRITE_ONCE(e[0], blocked0);
		amd_dte_invalidate(unit, rid);
		if (old0 & (AMD_DTE_IR | AMD_DTE_IW))
			amd_flush_domain(unit, (u16)old1, 1, 0);
	}
	WRITE_ONCE(e[1], dte1);
	WRITE_ONCE(e[0], dte0);
	amd_dte_invalidate(unit, rid);
}

/**
 * amd_unit_tables_init - a unit's device table, command buffer, event log
 * @unit: a unit whose registers are mapped, not enabled
 * @rids: one past the highest requester ID the unit is to see
 *
 * Allocates them, with an entry for every ID below @rids rounded up to a
 * whole page, each blocked, and programs their base registers.  The unit
 * stays disabled.
 *
 * Context: Process context, at boot.
 * Return: 0, -EINVAL for @rids 0 or above 65536, or -ENOMEM.
 */
int __init amd_unit_tables_init(struct amd_unit *unit, unsigned int rids)
{
	size_t devtab_size;
	unsigned int i;
	u64 dte0, dte1;

	if (!rids || rids > IVRS_NR_RIDS)
		return -EINVAL;
	unit->nr_dte = roundup(rids, AMD_DTE_PER_PAGE);
	devtab_size = (size_t)unit->nr_dte * AMD_DTE_WORDS * sizeof(u64);
	mutex_init(&unit->dte_lock);
	raw_spin_lock_init(&unit->cmd_lock);

	unit->devtab = amd_pages_alloc(devtab_size);
	unit->rid_users = kcalloc(unit->nr_dte, sizeof(*unit->rid_users),
				  GFP_KERNEL);
	unit->blocked_root = amd_pages_alloc(PAGE_SIZE);
	unit->cmdbuf = amd_pages_alloc(AMD_CMD_ENTRIES * 16);
	unit->evtlog = amd_pages_alloc(AMD_EVT_ENTRIES * 16);
	unit->sem = kzalloc(sizeof(*unit->sem), GFP_KERNEL);
	if (!unit->devtab || !unit->rid_users || !unit->blocked_root ||
	    !unit->cmdbuf || !unit->evtlog || !unit->sem) {
		amd_unit_tables_free(unit);
		return -ENOMEM;
	}
	amd_dte_blocked(unit, &dte0, &dte1);
	for (i = 0; i < unit->nr_dte; i++) {
		unit->devtab[AMD_DTE_WORDS * i] = dte0;
		unit->devtab[AMD_DTE_WORDS * i + 1] = dte1;
	}

	writeq(virt_to_phys(unit->devtab) |
	       (devtab_size / PAGE_SIZE - 1), unit->regs + AMD_MMIO_DEVTAB_BASE);
	writeq(virt_to_phys(unit->cmdbuf) | AMD_BASE_LEN(ilog2(AMD_CMD_ENTRIES)),
	       unit->regs + AMD_MMIO_CMDBUF_BASE);
	writeq(virt_to_phys(unit->evtlog) | AMD_BASE_LEN(ilog2(AMD_EVT_ENTRIES)),
	       unit->regs + AMD_MMIO_EVTLOG_BASE);
	writeq(0, unit->regs + AMD_MMIO_CMD_HEAD);
	writeq(0, unit->regs + AMD_MMIO_CMD_TAIL);
	writeq(0, unit->regs + AMD_MMIO_EVT_HEAD);
	writeq(0, unit->regs + AMD_MMIO_EVT_TAIL);
	return 0;
}

/**
 * amd_unit_tables_free - undo amd_unit_tables_init()
 * @unit: a disabled unit
 *
 * Context: Process context, at boot.
 */
void __init amd_unit_tables_free(struct amd_unit *unit)
{
	amd_pages_free(unit->devtab, (size_t)unit->nr_dte * AMD_DTE_WORDS *
		       sizeof(u64));
	kfree(unit->rid_users);
	amd_pages_free(unit->blocked_root, PAGE_SIZE);
	amd_pages_free(unit->cmdbuf, AMD_CMD_ENTRIES * 16);
	amd_pages_free(unit->evtlog, AMD_EVT_ENTRIES * 16);
	kfree(unit->sem);
	unit->devtab = NULL;
	unit->rid_users = NULL;
	unit->blocked_root = NULL;
	unit->cmdbuf = NULL;
	unit->evtlog = NULL;
	unit->sem = NULL;
}

/* --- On and off ------------------------------------------------------------ */

/*
 * Without INVALIDATE_ALL: every entry of the table and what was cached
 * for the ids in use now; an id used later is flushed at its first attach.
 */
static int amd_invalidate_entries(struct amd_unit *unit)
{
	unsigned long flags;
	unsigned int rid;
	int ret = 0;

	for (rid = 0; rid < unit->nr_dte && !ret; rid++) {
		raw_spin_lock_irqsave(&unit->cmd_lock, flags);
		ret = amd_cmd_queue(unit, AMD_CMD_OP(AMD_CMD_INV_DEVTAB) | rid,
				    0);
		if (!ret && (rid % (AMD_CMD_ENTRIES / 2) == 0 ||
			     rid == unit->nr_dte - 1))
			ret = amd_cmd_sync(unit);
		raw_spin_unlock_irqrestore(&unit->cmd_lock, flags);
	}
	return ret;
}

/**
 * amd_unit_enable - turn translation, commands and the event log on
 * @unit: a unit whose device table has an entry for every device
 *
 * Then makes the unit forget everything it may have cached from before
 * (INVALIDATE_ALL where offered, else every device table entry).
 *
 * Context: Process context, at boot.
 * Return: 0, -EIO if the unit did not take the enable bit, or -ETIMEDOUT
 * if it runs no commands.
 */
int __init amd_unit_enable(struct amd_unit *unit)
{
	const u64 inv_all[1][2] = {{ AMD_CMD_OP(AMD_CMD_INV_ALL), 0 }};
	u64 ctrl;
	int ret;

	scoped_guard(raw_spinlock_irqsave, &unit->cmd_lock) {
		ctrl = readq(unit->regs + AMD_MMIO_CONTROL) | AMD_CONTROL_ENABLE |
		       AMD_CONTROL_CMDBUF | AMD_CONTROL_EVTLOG;
		writeq(ctrl, unit->regs + AMD_MMIO_CONTROL);
		if (!(readq(unit->regs + AMD_MMIO_CONTROL) & AMD_CONTROL_ENABLE))
			return -EIO;
		unit->running = true;
	}
	if (unit->features & AMD_FEATURE_IA)
		ret = amd_cmd_run(unit, inv_all, 1);
	else
		ret = amd_invalidate_entries(unit);
	if (ret)
		amd_unit_disable(unit);
	return ret;
}

/**
 * amd_unit_disable - stop translating: every DMA passes untranslated
 * @unit: the unit
 *
 * For shutdown and kexec, and for a unit that failed to start.
 *
 * Context: Any context.
 */
void amd_unit_disable(struct amd_unit *unit)
{
	unsigned long flags;
	u64 ctrl;

	raw_spin_lock_irqsave(&unit->cmd_lock, flags);
	ctrl = readq(unit->regs + AMD_MMIO_CONTROL);
	writeq(ctrl & ~(AMD_CONTROL_ENABLE | AMD_CONTROL_CMDBUF |
			AMD_CONTROL_EVTLOG), unit->regs + AMD_MMIO_CONTROL);
	unit->running = false;
	raw_spin_unlock_irqrestore(&unit->cmd_lock, flags);
}
