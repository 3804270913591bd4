// SPDX-License-Identifier: GPL-2.0-only
/*
 * VT-d second-level page tables (legacy mode) on plain memory.
 *
 * A table page holds 512 entries of 64 bits.  Level 1 entries map 4 KiB,
 * level 2 entries 2 MiB and level 3 entries 1 GiB; a level 4 entry covers
 * 512 GiB and always points to a table.  An entry is present when its read
 * or write bit is set.  At level 2 and 3 the PS bit makes the entry a leaf
 * (a superpage), otherwise it points to the next table, with read and write
 * both set so that the leaves below decide the access.
 *
 * Every entry is written with WRITE_ONCE(), since the remapping hardware
 * may walk the table at any time, and handed to ops->flush_cache when the
 * unit does not snoop its walks.  A table page is written back whole before
 * it is linked, so the hardware never sees what the page held before.
 *
 * Locking: one spinlock per table, taken with interrupts off, around every
 * walk.  A map counts the table pages it needs under the lock, allocates
 * them without it, and counts again; it writes only once it has them all, so
 * a failed allocation changes nothing.  Table pages that an unmap empties
 * are unlinked under the lock and freed after the caller's IOTLB flush, by
 * vtd_pgtable_free_gathered(); the hardware may still walk them until then.
 * Invariant: every table page but the root has a present entry.
 */

#include <linux/bits.h>
#include <linux/bug.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "intel-pgtable.h"

#define VTD_PTE_R		BIT_ULL(0)
#define VTD_PTE_W		BIT_ULL(1)
#define VTD_PTE_PS		BIT_ULL(7)
#define VTD_PTE_SNP		BIT_ULL(11)
#define VTD_PTE_PRESENT		(VTD_PTE_R | VTD_PTE_W)
#define VTD_ENTRIES		512

static unsigned int vtd_shift(unsigned int level)
{
	return 12 + 9 * (level - 1);
}

static unsigned int vtd_index(unsigned long iova, unsigned int level)
{
	return (iova >> vtd_shift(level)) & (VTD_ENTRIES - 1);
}

static u64 vtd_addr_mask(const struct vtd_pgtable *pt)
{
	return GENMASK_ULL(vtd_pgtable_iova_bits(pt) - 1, 12);
}

static bool vtd_present(u64 e)
{
	return e & VTD_PTE_PRESENT;
}

static bool vtd_is_leaf(u64 e, unsigned int level)
{
	return level == 1 || (e & VTD_PTE_PS);
}

static u64 *vtd_child(const struct vtd_pgtable *pt, u64 e)
{
	return phys_to_virt(e & vtd_addr_mask(pt));
}

static void vtd_flush(struct vtd_pgtable *pt, void *addr, size_t size)
{
	if (pt->ops && pt->ops->flush_cache && size)
		pt->ops->flush_cache(pt, addr, size);
}

static struct page *vtd_alloc_table(struct vtd_pgtable *pt, gfp_t gfp)
{
	gfp |= __GFP_ZERO;
	if (pt->ops && pt->ops->alloc_table)
		return pt->ops->alloc_table(pt, gfp);
	return alloc_page(gfp);
}

static void vtd_free_table(struct vtd_pgtable *pt, struct page *page)
{
	if (pt->ops && pt->ops->free_table)
		pt->ops->free_table(pt, page);
	else
		__free_page(page);
}

/**
 * vtd_pgtable_init - make an empty page table
 * @pt: the table; @pt->ops and @pt->snoop as the caller wants them, the
 *	rest is set here
 * @levels: 3 or 4, one the unit's SAGAW allows
 * @superpages: %VTD_PGTABLE_SP_2M and %VTD_PGTABLE_SP_1G as the unit's
 *	CAP.SLLPS allows (the field can be passed as it is)
 * @gfp: for the root table page
 *
 * @pt->pgsizes is then SZ_4K plus the allowed superpage sizes.
 *
 * Context: As @gfp allows.
 * Return: 0, -EINVAL for another number of levels, or -ENOMEM.
 */
int vtd_pgtable_init(struct vtd_pgtable *pt, unsigned int levels,
		     unsigned int superpages, gfp_t gfp)
{
	struct page *page;

	if (levels != 3 && levels != 4)
		return -EINVAL;
	pt->levels = levels;
	spin_lock_init(&pt->lock);
	page = vtd_alloc_table(pt, gfp);
	if (!page)
		return -ENOMEM;
	pt->root = page_address(page);
	vtd_flush(pt, pt->root, PAGE_SIZE);
	pt->pgsizes = SZ_4K;
	if (superpages & VTD_PGTABLE_SP_2M)
		pt->pgsizes |= SZ_2M;
	if (superpages & VTD_PGTABLE_SP_1G)
		pt->pgsizes |= SZ_1G;
	return 0;
}
EXPORT_SYMBOL_GPL(vtd_pgtable_init);

static void vtd_free_level(struct vtd_pgtable *pt, u64 *table,
			   unsigned int level)
{
	unsigned int i;
	u64 e;

	for (i = 0; level > 1 && i < VTD_ENTRIES; i++) {
		e = table[i];
		if (vtd_present(e) && !vtd_is_leaf(e, level))
			vtd_free_level(pt, vtd_child(pt, e), level - 1);
	}
	vtd_free_table(pt, virt_to_page(table));
}

/**
 * vtd_pgtable_destroy - free every table page
 * @pt: an initialised table that no unit walks any more
 *
 * Pages of earlier unmaps still on a gather are not the table's any more:
 * vtd_pgtable_free_gathered() frees them, before or after this.
 *
 * Context: Any; does not sleep.
 */
void vtd_pgtable_destroy(struct vtd_pgtable *pt)
{
	if (!pt->root)
		return;
	vtd_free_level(pt, pt->root, pt->levels);
	pt->root = NULL;
}
EXPORT_SYMBOL_GPL(vtd_pgtable_destroy);

/* One map request, walked twice: to count and check, then to write. */
struct vtd_map_walk {
	struct vtd_pgtable *pt;
	unsigned long iova;	/* first IOVA of the request */
	u64 phys;		/* where @iova goes */
	u64 leaf_bits;		/* R, W, PS, SNP of each leaf */
	unsigned int leaf_level;
	struct list_head *spare; /* table pages to link; NULL when counting */
};

/*
 * Entries of @table at @level for [@start, @last].  @table is NULL for a
 * table that does not exist yet.  Counting: returns the table pages the
 * range needs below @table, or -EEXIST if anything in it is mapped.
 * Writing (after a count under the same lock hold): links pages from
 * m->spare and writes the leaves; returns what it linked.
 */
static long vtd_map_level(struct vtd_map_walk *m, u64 *table,
			  unsigned int level, unsigned long start,
			  unsigned long last)
{
	unsigned long size = 1UL << vtd_shift(level), pos = start, end;
	unsigned int i = vtd_index(start, level), run = i;
	long need = 0, r;
	struct page *page;
	u64 e, *child;

	if (!table && level == m->leaf_level)
		return 0;
	for (;; i++, pos = end + 1) {
		end = min((pos | (size - 1)), last);
		e = table ? READ_ONCE(table[i]) : 0;
		if (level == m->leaf_level) {
			if (vtd_present(e))
				return -EEXIST;
			if (m->spare)
				WRITE_ONCE(table[i], (m->phys + (pos - m->iova)) |
					   m->leaf_bits);
		} else if (vtd_present(e)) {
			if (vtd_is_leaf(e, level))
				return -EEXIST;
			r = vtd_map_level(m, vtd_child(m->pt, e), level - 1,
					  pos, end);
			if (r < 0)
				return r;
			need += r;
		} else {
			child = NULL;
			if (m->spare) {
				page = list_first_entry_or_null(m->spare,
								struct page,
								lru);
				if (WARN_ON_ONCE(!page))
					return -ENOMEM;
				list_del(&page->lru);
				child = page_address(page);
				vtd_flush(m->pt, child, PAGE_SIZE);
				WRITE_ONCE(table[i], page_to_phys(page) |
					   VTD_PTE_PRESENT);
				vtd_flush(m->pt, &table[i], sizeof(*table));
			}
			r = vtd_map_level(m, child, level - 1, pos, end);
			if (r < 0)
				return r;
			need += r + 1;
		}
		if (end == last)
			break;
	}
	if (m->spare && level == m->leaf_level)
		vtd_flush(m->pt, &table[run], (i - run + 1) * sizeof(*table));
	return need;
}

static unsigned int vtd_leaf_level(size_t pgsize)
{
	switch (pgsize) {
	case SZ_4K:
		return 1;
	case SZ_2M:
		return 2;
	case SZ_1G:
		return 3;
	}
	return 0;
}

/**
 * vtd_pgtable_map - map a physically contiguous range
 * @pt: the table
 * @iova: first IOVA, aligned to @pgsize
 * @phys: first physical address, aligned to @pgsize
 * @pgsize: one of @pt->pgsizes
 * @pgcount: how many pages of @pgsize, at least 1
 * @prot: %IOMMU_READ and/or %IOMMU_WRITE; %IOMMU_CACHE changes nothing
 *	(see @pt->snoop), other bits are ignored
 * @gfp: for table pages, GFP_KERNEL or GFP_ATOMIC
 * @mapped: the bytes mapped are added to it
 *
 * The iommu_domain_ops::map_pages contract: one leaf of @pgsize per page.
 * The whole range is checked and every table page it needs allocated before
 * anything is written, so on an error the table is as it was, and nothing is
 * added to *@mapped.
 *
 * Context: Any, with GFP_ATOMIC; takes the table's spinlock.
 * Return: 0; -EINVAL for an unsupported page size, an unaligned or empty
 * range, one beyond vtd_pgtable_iova_bits() (IOVA or physical) or a @prot
 * without read or write; -EEXIST if some IOVA of the range is mapped
 * already; -ENOMEM.
 */
int vtd_pgtable_map(struct vtd_pgtable *pt, unsigned long iova,
		    phys_addr_t phys, size_t pgsize, size_t pgcount, int prot,
		    gfp_t gfp, size_t *mapped)
{
	u64 limit = BIT_ULL(vtd_pgtable_iova_bits(pt));
	struct vtd_map_walk m = { .pt = pt, .iova = iova, .phys = phys };
	struct page *page, *tmp;
	unsigned long flags, last;
	long need, have = 0;
	LIST_HEAD(spare);
	size_t size;
	int ret = 0;

	m.leaf_level = vtd_leaf_level(pgsize);
	if (!m.leaf_level || !(pt->pgsizes & pgsize) || !pgcount ||
	    (iova | phys) & (pgsize - 1) ||
	    check_mul_overflow(pgsize, pgcount, &size) ||
	    check_add_overflow(iova, size - 1, &last) || last >= limit ||
	    phys + size - 1 >= limit || phys + size - 1 < phys ||
	    !(prot & (IOMMU_READ | IOMMU_WRITE)))
		return -EINVAL;
	if (prot & IOMMU_READ)
		m.leaf_bits |= VTD_PTE_R;
	if (prot & IOMMU_WRITE)
		m.leaf_bits |= VTD_PTE_W;
	if (m.leaf_level > 1)
		m.leaf_bits |= VTD_PTE_PS;
	if (pt->snoop)
		m.leaf_bits |= VTD_PTE_SNP;

	spin_lock_irqsave(&pt->lock, flags);
	for (;;) {
		need = vtd_map_level(&m, pt->root, pt->levels, iova, last);
		if (need <= have)
			break;
		spin_unlock_irqrestore(&pt->lock, flags);
		for (; have < need; have++) {
			page = vtd_alloc_table(pt, gfp);
			if (!page) {
				ret = -ENOMEM;
				goto out_free;
			}
			list_add(&page->lru, &spare);
		}
		spin_lock_irqsave(&pt->lock, flags);
	}
	if (need >= 0) {
		m.spare = &spare;
		need = vtd_map_level(&m, pt->root, pt->levels, iova, last);
	}
	spin_unlock_irqrestore(&pt->lock, flags);
	if (need >= 0)
		*mapped += size;
	else
		ret = need;
out_free:
	list_for_each_entry_safe(page, tmp, &spare, lru) {
		list_del(&page->lru);
		vtd_free_table(pt, page);
	}
	return ret;
}
EXPORT_SYMBOL_GPL(vtd_pgtable_map);

/* One unmap request. */
struct vtd_unmap_walk {
	struct vtd_pgtable *pt;
	struct iommu_iotlb_gather *gather;
	size_t unmapped;
	bool hole;		/* reached an IOVA that is not mapped */
};

/*
 * Removes the leaves of @table at @level from @start on, up to the one that
 * holds @last or the first IOVA that is not mapped; unlinks the tables it
 * empties onto the gather.
 */
static void vtd_unmap_level(struct vtd_unmap_walk *u, u64 *table,
			    unsigned int level, unsigned long start,
			    unsigned long last)
{
	unsigned long size = 1UL << vtd_shift(level), pos = start, end;
	unsigned int i = vtd_index(start, level), run = i, cleared = 0;
	u64 e, *child;

	for (;; i++, pos = end + 1) {
		end = min((pos | (size - 1)), last);
		e = READ_ONCE(table[i]);
		if (!vtd_present(e)) {
			u->hole = true;
			break;
		}
		if (vtd_is_leaf(e, level)) {
			if (!cleared++)
				run = i;
			WRITE_ONCE(table[i], 0);
			iommu_iotlb_gather_add_range(u->gather, pos & ~(size - 1),
						     size);
			u->unmapped += size;
		} else {
			vtd_flush(u->pt, &table[run], cleared * sizeof(*table));
			cleared = 0;
			child = vtd_child(u->pt, e);
			vtd_unmap_level(u, child, level - 1, pos, end);
			if (!memchr_inv(child, 0, PAGE_SIZE)) {
				WRITE_ONCE(table[i], 0);
				vtd_flush(u->pt, &table[i], sizeof(*table));
				list_add(&virt_to_page(child)->lru,
					 &u->gather->freelist);
				iommu_iotlb_gather_add_range(u->gather,
							     pos & ~(size - 1),
							     size);
			}
			if (u->hole)
				break;
		}
		if (end == last)
			break;
	}
	vtd_flush(u->pt, &table[run], cleared * sizeof(*table));
}

/**
 * vtd_pgtable_unmap - remove the leaves of a range
 * @pt: the table
 * @iova: first IOVA, aligned to @pgsize
 * @pgsize: one of @pt->pgsizes
 * @pgcount: how many pages of @pgsize, at least 1
 * @gather: collects the unmapped IOVAs and the unlinked table pages
 *
 * The iommu_domain_ops::unmap_pages contract: leaves go as a whole, from
 * the one holding @iova on, until the range ends or an IOVA is not mapped.
 * A 4 KiB request inside a 2 MiB leaf removes the 2 MiB.  @gather grows by
 * the IOVAs of every removed leaf and of every table page unlinked (a page
 * whose last entry went); those pages are on @gather->freelist, by their
 * &struct page lru, until vtd_pgtable_free_gathered() after the caller's
 * IOTLB flush.
 *
 * Context: Any; takes the table's spinlock.
 * Return: the bytes of the leaves removed, which may exceed the request;
 * 0 if nothing is mapped at @iova or the request is not valid.
 */
size_t vtd_pgtable_unmap(struct vtd_pgtable *pt, unsigned long iova,
			 size_t pgsize, size_t pgcount,
			 struct iommu_iotlb_gather *gather)
{
	struct vtd_unmap_walk u = { .pt = pt, .gather = gather };
	unsigned long flags, last;
	size_t size;

	if (!vtd_leaf_level(pgsize) || !(pt->pgsizes & pgsize) || !pgcount ||
	    iova & (pgsize - 1) ||
	    check_mul_overflow(pgsize, pgcount, &size) ||
	    check_add_overflow(iova, size - 1, &last) ||
	    last >= BIT_ULL(vtd_pgtable_iova_bits(pt)))
		return 0;

	spin_lock_irqsave(&pt->lock, flags);
	vtd_unmap_level(&u, pt->root, pt->levels, iova, last);
	spin_unlock_irqrestore(&pt->lock, flags);
	return u.unmapped;
}
EXPORT_SYMBOL_GPL(vtd_pgtable_unmap);

/**
 * vtd_pgtable_free_gathered - free the table pages unmaps unlinked
 * @gather: a gather vtd_pgtable_unmap() filled, whose IOVAs the caller
 *	has flushed from the IOTLB (and paging-structure caches)
 *
 * @gather->freelist is empty afterwards.
 *
 * Context: Any; does not sleep.
 * Return: how many pages it freed.
 */
unsigned long vtd_pgtable_free_gathered(struct iommu_iotlb_gather *gather)
{
	struct page *page, *tmp;
	unsigned long n = 0;

	list_for_each_entry_safe(page, tmp, &gather->freelist, lru) {
		list_del(&page->lru);
		__free_page(page);
		n++;
	}
	return n;
}
EXPORT_SYMBOL_GPL(vtd_pgtable_free_gathered);

/**
 * vtd_pgtable_iova_to_phys - translate one IOVA as the hardware would
 * @pt: the table
 * @iova: any IOVA
 *
 * Context: Any; takes the table's spinlock.
 * Return: the physical address @iova maps to, or 0 if it is not mapped.
 */
phys_addr_t vtd_pgtable_iova_to_phys(struct vtd_pgtable *pt,
				     unsigned long iova)
{
	unsigned int level = pt->levels;
	unsigned long flags;
	u64 *table, e, off;
	phys_addr_t phys = 0;

	if (iova >= BIT_ULL(vtd_pgtable_iova_bits(pt)))
		return 0;
	spin_lock_irqsave(&pt->lock, flags);
	for (table = pt->root; ; level--) {
		e = READ_ONCE(table[vtd_index(iova, level)]);
		if (!vtd_present(e))
			break;
		if (vtd_is_leaf(e, level)) {
			off = GENMASK_ULL(vtd_shift(level) - 1, 0);
			phys = (e & vtd_addr_mask(pt) & ~off) | (iova & off);
			break;
		}
		table = vtd_child(pt, e);
	}
	spin_unlock_irqrestore(&pt->lock, flags);
	return phys;
}
EXPORT_SYMBOL_GPL(vtd_pgtable_iova_to_phys);
