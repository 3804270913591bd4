// SPDX-License-Identifier: GPL-2.0-only
/*
 * The radix page-table walker of the VT-d and AMD-Vi formats, on plain
 * memory.
 *
 * A table page holds 512 entries of 64 bits; level L indexes IOVA bits
 * 12 + 9 * (L - 1) up.  Leaves are 4 KiB at level 1, 2 MiB at level 2 and
 * 1 GiB at level 3; every other present entry points to a table one level
 * down.  What makes an entry present, a leaf or a table is the format's
 * (struct radix_pgtable_fmt); this file only walks.
 *
 * Every entry is written with WRITE_ONCE(), since the IOMMU may walk the
 * table at any time, and handed to the format's flush_cache for a unit that
 * does not snoop its walks.  A table page is written back whole before it
 * is linked, so the IOMMU never sees what the page held before.
 *
 * Locking: one spinlock per table, taken with interrupts off, around every
 * walk.  A map counts the table pages it needs under the lock, allocates
 * them without it, and counts again; it writes only once it has them all, so
 * a failed allocation changes nothing.  Table pages that an unmap empties
 * are unlinked under the lock and freed after the caller's IOTLB flush, by
 * radix_pgtable_free_gathered(); the IOMMU may still walk them until then.
 * Invariant: every table page but the root has a present entry, unless the
 * table keeps its tables (@keep_tables, for domains: a map after an unmap
 * then finds its tables in place instead of allocating, zeroing and
 * flushing them again, and an unmap scans no table for emptiness).
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

#include "radix-pgtable.h"

#define RADIX_ENTRIES		512

static unsigned int radix_shift(unsigned int level)
{
	return 12 + 9 * (level - 1);
}

static unsigned int radix_index(unsigned long iova, unsigned int level)
{
	return (iova >> radix_shift(level)) & (RADIX_ENTRIES - 1);
}

/* The highest value below 1 << @bits, for @bits up to 64. */
static u64 radix_max(unsigned int bits)
{
	return bits >= 64 ? U64_MAX : BIT_ULL(bits) - 1;
}

static bool radix_present(const struct radix_pgtable *rp, u64 e)
{
	return rp->fmt->present(e);
}

static bool radix_is_leaf(const struct radix_pgtable *rp, u64 e,
			  unsigned int level)
{
	return level == 1 || rp->fmt->is_leaf(e, level);
}

static u64 *radix_child(const struct radix_pgtable *rp, u64 e)
{
	return phys_to_virt(e & rp->addr_mask);
}

static void radix_flush(const struct radix_pgtable *rp, void *addr,
			size_t size)
{
	if (rp->fmt->flush_cache && size)
		rp->fmt->flush_cache(rp, addr, size);
}

static struct page *radix_alloc_table(const struct radix_pgtable *rp,
				      gfp_t gfp)
{
	gfp |= __GFP_ZERO;
	if (rp->fmt->alloc_table)
		return rp->fmt->alloc_table(rp, gfp);
	return alloc_page(gfp);
}

static void radix_free_table(const struct radix_pgtable *rp,
			     struct page *page)
{
	if (rp->fmt->free_table)
		rp->fmt->free_table(rp, page);
	else
		__free_page(page);
}

/* The level of a leaf of @pgsize, or 0 for a size no format has. */
static unsigned int radix_leaf_level(size_t pgsize)
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
 * radix_pgtable_init - allocate the empty root of a table
 * @rp: the table; everything but @rp->root set by the format
 * @gfp: for the root page
 *
 * Sets @rp->root, written back to memory through the format's flush_cache.
 *
 * Context: As @gfp allows.
 * Return: 0 or -ENOMEM.
 */
int radix_pgtable_init(struct radix_pgtable *rp, gfp_t gfp)
{
	struct page *page = radix_alloc_table(rp, gfp);

	if (!page)
		return -ENOMEM;
	rp->root = page_address(page);
	radix_flush(rp, rp->root, PAGE_SIZE);
	return 0;
}

static void radix_free_level(const struct radix_pgtable *rp, u64 *table,
			     unsigned int level)
{
	unsigned int i;
	u64 e;

	for (i = 0; level > 1 && i < RADIX_ENTRIES; i++) {
		e = table[i];
		if (radix_present(rp, e) && !radix_is_leaf(rp, e, level))
			radix_free_level(rp, radix_child(rp, e), level - 1);
	}
	radix_free_table(rp, virt_to_page(table));
}

/**
 * radix_pgtable_destroy - free every table page
 * @rp: a table that no unit walks any more, or one whose @root is NULL
 *
 * Clears @rp->root.  Pages on a gather are not the table's any more.
 *
 * Context: Any; does not sleep.
 */
void radix_pgtable_destroy(struct radix_pgtable *rp)
{
	if (!rp->root)
		return;
	radix_free_level(rp, rp->root, rp->levels);
	rp->root = NULL;
}

/* One map request, walked twice: to count and check, then to write. */
struct radix_map_walk {
	const struct radix_pgtable *rp;
	unsigned long iova;	/* first IOVA of the request */
	u64 phys;		/* where @iova goes */
	u64 leaf_bits;		/* the format's bits of each leaf */
	int prot;
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
static long radix_map_level(struct radix_map_walk *m, u64 *table,
			    unsigned int level, unsigned long start,
			    unsigned long last)
{
	unsigned long size = 1UL << radix_shift(level), pos = start, end;
	unsigned int i = radix_index(start, level), run = i;
	const struct radix_pgtable *rp = m->rp;
	long need = 0, r;
	struct page *page;
	u64 e, *child;

	if (!table && level == m->leaf_level)
		return 0;
	for (;; i++, pos = end + 1) {
		end = min((pos | (size - 1)), last);
		e = table ? READ_ONCE(table[i]) : 0;
		if (level == m->leaf_level && rp->keep_tables &&
		    radix_present(rp, e) && !radix_is_leaf(rp, e, level)) {
			/* A table an unmap kept: smaller leaves in it. */
			struct radix_map_walk sub = *m;

			sub.leaf_level = level - 1;
			sub.leaf_bits = rp->fmt->leaf_bits(rp, level - 1,
							   m->prot);
			r = radix_map_level(&sub, radix_child(rp, e), level - 1,
					    pos, end);
			if (r < 0)
				return r;
			need += r;
		} else if (level == m->leaf_level) {
			if (radix_present(rp, e))
				return -EEXIST;
			if (m->spare)
				WRITE_ONCE(table[i], (m->phys + (pos - m->iova)) |
					   m->leaf_bits);
		} else if (radix_present(rp, e)) {
			if (radix_is_leaf(rp, e, level))
				return -EEXIST;
			r = radix_map_level(m, radix_child(rp, e), level - 1,
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
				radix_flush(rp, child, PAGE_SIZE);
				WRITE_ONCE(table[i],
					   rp->fmt->table_entry(page_to_phys(page),
								level));
				radix_flush(rp, &table[i], sizeof(*table));
			}
			r = radix_map_level(m, child, level - 1, pos, end);
			if (r < 0)
				return r;
			need += r + 1;
		}
		if (end == last)
			break;
	}
	if (m->spare && level == m->leaf_level)
		radix_flush(rp, &table[run], (i - run + 1) * sizeof(*table));
	return need;
}

/**
 * radix_pgtable_map - map a physically contiguous range
 * @rp: the table
 * @iova: first IOVA, aligned to @pgsize
 * @phys: first physical address, aligned to @pgsize
 * @pgsize: one of @rp->pgsizes
 * @pgcount: how many pages of @pgsize, at least 1
 * @prot: %IOMMU_READ and/or %IOMMU_WRITE, for the format's leaf_bits
 * @gfp: for table pages
 * @mapped: the bytes mapped are added to it
 *
 * One leaf of @pgsize per page.  The whole range is checked and every table
 * page it needs allocated before anything is written, so on an error the
 * table is as it was, and nothing is added to *@mapped.
 *
 * Context: Any, with GFP_ATOMIC; takes the table's spinlock.
 * Return: 0; -EINVAL for an unsupported page size, an unaligned or empty
 * range, an IOVA beyond @rp->iova_bits, a physical address beyond
 * @rp->phys_bits or a @prot without read or write; -EEXIST if some IOVA of
 * the range is mapped already; -ENOMEM.
 */
int radix_pgtable_map(const struct radix_pgtable *rp, unsigned long iova,
		      phys_addr_t phys, size_t pgsize, size_t pgcount,
		      int prot, gfp_t gfp, size_t *mapped)
{
	struct radix_map_walk m = { .rp = rp, .iova = iova, .phys = phys };
	struct page *page, *tmp;
	unsigned long flags, last;
	long need, have = 0;
	LIST_HEAD(spare);
	size_t size;
	int ret = 0;

	m.leaf_level = radix_leaf_level(pgsize);
	if (!m.leaf_level || !(rp->pgsizes & pgsize) || !pgcount ||
	    (iova | phys) & (pgsize - 1) ||
	    check_mul_overflow(pgsize, pgcount, &size) ||
	    check_add_overflow(iova, size - 1, &last) ||
	    last > radix_max(rp->iova_bits) ||
	    phys + size - 1 > radix_max(rp->phys_bits) ||
	    phys + size - 1 < phys || !(prot & (IOMMU_READ | IOMMU_WRITE)))
		return -EINVAL;
	m.leaf_bits = rp->fmt->leaf_bits(rp, m.leaf_level, prot);
	m.prot = prot;

	spin_lock_irqsave(rp->lock, flags);
	for (;;) {
		need = radix_map_level(&m, rp->root, rp->levels, iova, last);
		if (need <= have)
			break;
		spin_unlock_irqrestore(rp->lock, flags);
		for (; have < need; have++) {
			page = radix_alloc_table(rp, gfp);
			if (!page) {
				ret = -ENOMEM;
				goto out_free;
			}
			list_add(&page->lru, &spare);
		}
		spin_lock_irqsave(rp->lock, flags);
	}
	if (need >= 0) {
		m.spare = &spare;
		need = radix_map_level(&m, rp->root, rp->levels, iova, last);
	}
	spin_unlock_irqrestore(rp->lock, flags);
	if (need >= 0)
		*mapped += size;
	else
		ret = need;
out_free:
	list_for_each_entry_safe(page, tmp, &spare, lru) {
		list_del(&page->lru);
		radix_free_table(rp, page);
	}
	return ret;
}

/* One unmap request. */
struct radix_unmap_walk {
	const struct radix_pgtable *rp;
	struct iommu_iotlb_gather *gather;
	size_t unmapped;
	bool hole;		/* reached an IOVA that is not mapped */
};

/*
 * Removes the leaves of @table at @level from @start on, up to the one that
 * holds @last or the first IOVA that is not mapped; unlinks the tables it
 * empties onto the gather.
 */
static void radix_unmap_level(struct radix_unmap_walk *u, u64 *table,
			      unsigned int level, unsigned long start,
			      unsigned long last)
{
	unsigned long size = 1UL << radix_shift(level), pos = start, end;
	unsigned int i = radix_index(start, level), run = i, cleared = 0;
	const struct radix_pgtable *rp = u->rp;
	u64 e, *child;

	for (;; i++, pos = end + 1) {
		end = min((pos | (size - 1)), last);
		e = READ_ONCE(table[i]);
		if (!radix_present(rp, e)) {
			u->hole = true;
			break;
		}
		if (radix_is_leaf(rp, e, level)) {
			if (!cleared++)
				run = i;
			WRITE_ONCE(table[i], 0);
			iommu_iotlb_gather_add_range(u->gather, pos & ~(size - 1),
						     size);
			u->unmapped += size;
		} else {
			radix_flush(rp, &table[run], cleared * sizeof(*table));
			cleared = 0;
			child = radix_child(rp, e);
			radix_unmap_level(u, child, level - 1, pos, end);
			if (!rp->keep_tables && !memchr_inv(child, 0, PAGE_SIZE)) {
				WRITE_ONCE(table[i], 0);
				radix_flush(rp, &table[i], sizeof(*table));
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
	radix_flush(rp, &table[run], cleared * sizeof(*table));
}

/**
 * radix_pgtable_unmap - remove the leaves of a range
 * @rp: the table
 * @iova: first IOVA, aligned to @pgsize
 * @pgsize: one of @rp->pgsizes
 * @pgcount: how many pages of @pgsize, at least 1
 * @gather: collects the unmapped IOVAs and the unlinked table pages
 *
 * Leaves go as a whole, from the one holding @iova on, until the range ends
 * or an IOVA is not mapped.  @gather grows by the IOVAs of every removed
 * leaf and of every table page unlinked (a page whose last entry went);
 * those pages are on @gather->freelist, by their &struct page lru, until
 * radix_pgtable_free_gathered() after the caller's IOTLB flush.
 *
 * Context: Any; takes the table's spinlock.
 * Return: the bytes of the leaves removed, which may exceed the request;
 * 0 if nothing is mapped at @iova or the request is not valid.
 */
size_t radix_pgtable_unmap(const struct radix_pgtable *rp, unsigned long iova,
			   size_t pgsize, size_t pgcount,
			   struct iommu_iotlb_gather *gather)
{
	struct radix_unmap_walk u = { .rp = rp, .gather = gather };
	unsigned long flags, last;
	size_t size;

	if (!radix_leaf_level(pgsize) || !(rp->pgsizes & pgsize) || !pgcount ||
	    iova & (pgsize - 1) ||
	    check_mul_overflow(pgsize, pgcount, &size) ||
	    check_add_overflow(iova, size - 1, &last) ||
	    last > radix_max(rp->iova_bits))
		return 0;

	spin_lock_irqsave(rp->lock, flags);
	radix_unmap_level(&u, rp->root, rp->levels, iova, last);
	spin_unlock_irqrestore(rp->lock, flags);
	return u.unmapped;
}

/**
 * radix_pgtable_free_gathered - free the table pages unmaps unlinked
 * @gather: a gather radix_pgtable_unmap() filled, whose IOVAs the caller
 *	has flushed from the IOTLB
 *
 * @gather->freelist is empty afterwards.
 *
 * Context: Any; does not sleep.
 * Return: how many pages it freed.
 */
unsigned long radix_pgtable_free_gathered(struct iommu_iotlb_gather *gather)
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

/**
 * radix_pgtable_iova_to_phys - translate one IOVA as the IOMMU would
 * @rp: the table
 * @iova: any IOVA
 *
 * Context: Any; takes the table's spinlock.
 * Return: the physical address @iova maps to, or 0 if it is not mapped.
 */
phys_addr_t radix_pgtable_iova_to_phys(const struct radix_pgtable *rp,
				       unsigned long iova)
{
	unsigned int level = rp->levels;
	unsigned long flags;
	u64 *table, e, off;
	phys_addr_t phys = 0;

	if (iova > radix_max(rp->iova_bits))
		return 0;
	spin_lock_irqsave(rp->lock, flags);
	for (table = rp->root; ; level--) {
		e = READ_ONCE(table[radix_index(iova, level)]);
		if (!radix_present(rp, e))
			break;
		if (radix_is_leaf(rp, e, level)) {
			off = GENMASK_ULL(radix_shift(level) - 1, 0);
			phys = (e & rp->addr_mask & ~off) | (iova & off);
			break;
		}
		table = radix_child(rp, e);
	}
	spin_unlock_irqrestore(rp->lock, flags);
	return phys;
}
