// SPDX-License-Identifier: GPL-2.0-only
/*
 * VT-d second-level page tables (legacy mode) on plain memory: the format,
 * over the radix walker of radix-pgtable.c.
 *
 * A table page holds 512 entries of 64 bits.  Level 1 entries map 4 KiB,
 * level 2 entries 2 MiB and level 3 entries 1 GiB; a level 4 entry covers
 * 512 GiB and always points to a table.  An entry is present when its read
 * or write bit is set.  At level 2 and 3 the PS bit makes the entry a leaf
 * (a superpage), otherwise it points to the next table, with read and write
 * both set so that the leaves below decide the access.  Addresses are those
 * bits of an entry from 12 up to the table's IOVA width.
 *
 * The walker writes, flushes and locks (radix-pgtable.c says how); this
 * file says what the entries hold and passes the caller's ops through.
 */

#include <linux/bits.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/sizes.h>

#include "intel-pgtable.h"
#include "radix-pgtable.h"

#define VTD_PTE_R		BIT_ULL(0)
#define VTD_PTE_W		BIT_ULL(1)
#define VTD_PTE_PS		BIT_ULL(7)
#define VTD_PTE_SNP		BIT_ULL(11)
#define VTD_PTE_PRESENT		(VTD_PTE_R | VTD_PTE_W)

static bool vtd_present(u64 e)
{
	return e & VTD_PTE_PRESENT;
}

static bool vtd_is_leaf(u64 e, unsigned int level)
{
	return e & VTD_PTE_PS;
}

static u64 vtd_table_entry(phys_addr_t table, unsigned int level)
{
	return table | VTD_PTE_PRESENT;
}

static u64 vtd_leaf_bits(const struct radix_pgtable *rp, unsigned int level,
			 int prot)
{
	const struct vtd_pgtable *pt = rp->owner;
	u64 bits = 0;

	if (prot & IOMMU_READ)
		bits |= VTD_PTE_R;
	if (prot & IOMMU_WRITE)
		bits |= VTD_PTE_W;
	if (level > 1)
		bits |= VTD_PTE_PS;
	if (pt->snoop)
		bits |= VTD_PTE_SNP;
	return bits;
}

/* The caller's ops, each optional: the walker's defaults otherwise. */
static void vtd_flush_cache(const struct radix_pgtable *rp, void *addr,
			    size_t size)
{
	struct vtd_pgtable *pt = rp->owner;

	if (pt->ops && pt->ops->flush_cache)
		pt->ops->flush_cache(pt, addr, size);
}

static struct page *vtd_alloc_table(const struct radix_pgtable *rp, gfp_t gfp)
{
	struct vtd_pgtable *pt = rp->owner;

	if (pt->ops && pt->ops->alloc_table)
		return pt->ops->alloc_table(pt, gfp);
	return alloc_page(gfp);
}

static void vtd_free_table(const struct radix_pgtable *rp, struct page *page)
{
	struct vtd_pgtable *pt = rp->owner;

	if (pt->ops && pt->ops->free_table)
		pt->ops->free_table(pt, page);
	else
		__free_page(page);
}

static const struct radix_pgtable_fmt vtd_fmt = {
	.present = vtd_present,
	.is_leaf = vtd_is_leaf,
	.table_entry = vtd_table_entry,
	.leaf_bits = vtd_leaf_bits,
	.flush_cache = vtd_flush_cache,
	.alloc_table = vtd_alloc_table,
	.free_table = vtd_free_table,
};

/* @pt as the walker sees it, for one call. */
static struct radix_pgtable vtd_radix(struct vtd_pgtable *pt)
{
	unsigned int bits = vtd_pgtable_iova_bits(pt);

	return (struct radix_pgtable) {
		.fmt = &vtd_fmt,
		.owner = pt,
		.root = pt->root,
		.levels = pt->levels,
		.pgsizes = pt->pgsizes,
		.iova_bits = bits,
		.phys_bits = bits,
		.addr_mask = GENMASK_ULL(bits - 1, 12),
		.keep_tables = pt->keep_tables,
		.lock = &pt->lock,
	};
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
	struct radix_pgtable rp;
	int ret;

	if (levels != 3 && levels != 4)
		return -EINVAL;
	pt->levels = levels;
	spin_lock_init(&pt->lock);
	rp = vtd_radix(pt);
	ret = radix_pgtable_init(&rp, gfp);
	if (ret)
		return ret;
	pt->root = rp.root;
	pt->pgsizes = SZ_4K;
	if (superpages & VTD_PGTABLE_SP_2M)
		pt->pgsizes |= SZ_2M;
	if (superpages & VTD_PGTABLE_SP_1G)
		pt->pgsizes |= SZ_1G;
	return 0;
}
EXPORT_SYMBOL_GPL(vtd_pgtable_init);

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
	struct radix_pgtable rp = vtd_radix(pt);

	radix_pgtable_destroy(&rp);
	pt->root = NULL;
}
EXPORT_SYMBOL_GPL(vtd_pgtable_destroy);

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
	struct radix_pgtable rp = vtd_radix(pt);

	return radix_pgtable_map(&rp, iova, phys, pgsize, pgcount, prot, gfp,
				 mapped);
}
EXPORT_SYMBOL_GPL(vtd_pgtable_map);

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
	struct radix_pgtable rp = vtd_radix(pt);

	return radix_pgtable_unmap(&rp, iova, pgsize, pgcount, gather);
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
	return radix_pgtable_free_gathered(gather);
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
	struct radix_pgtable rp = vtd_radix(pt);

	return radix_pgtable_iova_to_phys(&rp, iova);
}
EXPORT_SYMBOL_GPL(vtd_pgtable_iova_to_phys);
