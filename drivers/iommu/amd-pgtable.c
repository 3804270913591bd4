// SPDX-License-Identifier: GPL-2.0-only
/*
 * AMD-Vi v1 I/O page tables for host translations on plain memory: the
 * format, over the radix walker of radix-pgtable.c.
 *
 * A table page holds 512 entries of 64 bits; the device table entry's Mode
 * (3 to 6) is the level of the root, and level L indexes IOVA bits
 * 12 + 9 * (L - 1) up.  An entry is present when its P bit (0) is set.  Its
 * next-level field (bits 11:9) says what it points to: a table of that
 * level, or with 0 a page, which makes it a leaf.  Bits 51:12 hold the
 * address, IR (61) and IW (62) allow reads and writes, FC (60) forces the
 * device's accesses to the page to be coherent.
 *
 * Table entries are P | IR | IW | next-level | address: the IOMMU checks
 * the permission of every table entry on the way down (QEMU's amd-iommu
 * does so on table entries only), so they allow everything and the leaf
 * decides.  Leaves are P | IR and/or IW | FC | address with next-level 0,
 * at level 1 for 4 KiB, level 2 for 2 MiB and level 3 for 1 GiB.  The
 * format can also skip levels and encode other page sizes with a
 * next-level of 7; neither is needed for these three sizes, so neither is
 * written, and tables written by anyone else are not read here.
 *
 * The units snoop their table walks: no cache flush is needed, but the
 * caller's ops can still add one.
 */

#include <linux/bitfield.h>
#include <linux/bits.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/sizes.h>

#include "amd-pgtable.h"
#include "radix-pgtable.h"

#define AMD_PTE_P		BIT_ULL(0)
#define AMD_PTE_NEXT_LEVEL	GENMASK_ULL(11, 9)
#define AMD_PTE_ADDR		GENMASK_ULL(51, 12)
#define AMD_PTE_FC		BIT_ULL(60)
#define AMD_PTE_IR		BIT_ULL(61)
#define AMD_PTE_IW		BIT_ULL(62)

static bool amd_present(u64 e)
{
	return e & AMD_PTE_P;
}

static bool amd_is_leaf(u64 e, unsigned int level)
{
	return !(e & AMD_PTE_NEXT_LEVEL);
}

static u64 amd_table_entry(phys_addr_t table, unsigned int level)
{
	return table | AMD_PTE_P | AMD_PTE_IR | AMD_PTE_IW |
	       FIELD_PREP(AMD_PTE_NEXT_LEVEL, level - 1);
}

static u64 amd_leaf_bits(const struct radix_pgtable *rp, unsigned int level,
			 int prot)
{
	u64 bits = AMD_PTE_P | AMD_PTE_FC;

	if (prot & IOMMU_READ)
		bits |= AMD_PTE_IR;
	if (prot & IOMMU_WRITE)
		bits |= AMD_PTE_IW;
	return bits;
}

/* The caller's ops, each optional: the walker's defaults otherwise. */
static void amd_flush_cache(const struct radix_pgtable *rp, void *addr,
			    size_t size)
{
	struct amd_pgtable *pt = rp->owner;

	if (pt->ops && pt->ops->flush_cache)
		pt->ops->flush_cache(pt, addr, size);
}

static struct page *amd_alloc_table(const struct radix_pgtable *rp, gfp_t gfp)
{
	struct amd_pgtable *pt = rp->owner;

	if (pt->ops && pt->ops->alloc_table)
		return pt->ops->alloc_table(pt, gfp);
	return alloc_page(gfp);
}

static void amd_free_table(const struct radix_pgtable *rp, struct page *page)
{
	struct amd_pgtable *pt = rp->owner;

	if (pt->ops && pt->ops->free_table)
		pt->ops->free_table(pt, page);
	else
		__free_page(page);
}

static const struct radix_pgtable_fmt amd_fmt = {
	.present = amd_present,
	.is_leaf = amd_is_leaf,
	.table_entry = amd_table_entry,
	.leaf_bits = amd_leaf_bits,
	.flush_cache = amd_flush_cache,
	.alloc_table = amd_alloc_table,
	.free_table = amd_free_table,
};

/* @pt as the walker sees it, for one call. */
static struct radix_pgtable amd_radix(struct amd_pgtable *pt)
{
	return (struct radix_pgtable) {
		.fmt = &amd_fmt,
		.owner = pt,
		.root = pt->root,
		.levels = pt->levels,
		.pgsizes = pt->pgsizes,
		.iova_bits = amd_pgtable_iova_bits(pt),
		.phys_bits = 52,
		.addr_mask = AMD_PTE_ADDR,
		.keep_tables = pt->keep_tables,
		.lock = &pt->lock,
	};
}

/**
 * amd_pgtable_init - make an empty page table
 * @pt: the table; @pt->ops as the caller wants it, the rest is set here
 * @levels: the paging mode, 3 to 6, one the unit allows (EFR.HATS)
 * @gfp: for the root table page
 *
 * @pt->pgsizes is then SZ_4K | SZ_2M | SZ_1G.
 *
 * Context: As @gfp allows.
 * Return: 0, -EINVAL for another number of levels, or -ENOMEM.
 */
int amd_pgtable_init(struct amd_pgtable *pt, unsigned int levels, gfp_t gfp)
{
	struct radix_pgtable rp;
	int ret;

	if (levels < 3 || levels > 6)
		return -EINVAL;
	pt->levels = levels;
	pt->pgsizes = SZ_4K | SZ_2M | SZ_1G;
	spin_lock_init(&pt->lock);
	rp = amd_radix(pt);
	ret = radix_pgtable_init(&rp, gfp);
	if (ret)
		return ret;
	pt->root = rp.root;
	return 0;
}
EXPORT_SYMBOL_GPL(amd_pgtable_init);

/**
 * amd_pgtable_destroy - free every table page
 * @pt: an initialised table that no device table entry points to any more
 *	(and whose invalidation completed)
 *
 * Pages of earlier unmaps still on a gather are not the table's any more:
 * amd_pgtable_free_gathered() frees them, before or after this.
 *
 * Context: Any; does not sleep.
 */
void amd_pgtable_destroy(struct amd_pgtable *pt)
{
	struct radix_pgtable rp = amd_radix(pt);

	radix_pgtable_destroy(&rp);
	pt->root = NULL;
}
EXPORT_SYMBOL_GPL(amd_pgtable_destroy);

/**
 * amd_pgtable_map - map a physically contiguous range
 * @pt: the table
 * @iova: first IOVA, aligned to @pgsize
 * @phys: first physical address, aligned to @pgsize
 * @pgsize: one of @pt->pgsizes
 * @pgcount: how many pages of @pgsize, at least 1
 * @prot: %IOMMU_READ (IR) and/or %IOMMU_WRITE (IW); other bits are
 *	ignored, every leaf is force-coherent (FC)
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
 * range, an IOVA beyond amd_pgtable_iova_bits() or a physical address
 * beyond 52 bits, or a @prot without read or write; -EEXIST if some IOVA of
 * the range is mapped already; -ENOMEM.
 */
int amd_pgtable_map(struct amd_pgtable *pt, unsigned long iova,
		    phys_addr_t phys, size_t pgsize, size_t pgcount, int prot,
		    gfp_t gfp, size_t *mapped)
{
	struct radix_pgtable rp = amd_radix(pt);

	return radix_pgtable_map(&rp, iova, phys, pgsize, pgcount, prot, gfp,
				 mapped);
}
EXPORT_SYMBOL_GPL(amd_pgtable_map);

/**
 * amd_pgtable_unmap - remove the leaves of a range
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
 * &struct page lru, until amd_pgtable_free_gathered() after the caller's
 * INVALIDATE_IOMMU_PAGES completed.
 *
 * Context: Any; takes the table's spinlock.
 * Return: the bytes of the leaves removed, which may exceed the request;
 * 0 if nothing is mapped at @iova or the request is not valid.
 */
size_t amd_pgtable_unmap(struct amd_pgtable *pt, unsigned long iova,
			 size_t pgsize, size_t pgcount,
			 struct iommu_iotlb_gather *gather)
{
	struct radix_pgtable rp = amd_radix(pt);

	return radix_pgtable_unmap(&rp, iova, pgsize, pgcount, gather);
}
EXPORT_SYMBOL_GPL(amd_pgtable_unmap);

/**
 * amd_pgtable_free_gathered - free the table pages unmaps unlinked
 * @gather: a gather amd_pgtable_unmap() filled, whose IOVAs the caller
 *	has invalidated (the IOTLB and the cached table entries)
 *
 * @gather->freelist is empty afterwards.
 *
 * Context: Any; does not sleep.
 * Return: how many pages it freed.
 */
unsigned long amd_pgtable_free_gathered(struct iommu_iotlb_gather *gather)
{
	return radix_pgtable_free_gathered(gather);
}
EXPORT_SYMBOL_GPL(amd_pgtable_free_gathered);

/**
 * amd_pgtable_iova_to_phys - translate one IOVA as the IOMMU would
 * @pt: the table
 * @iova: any IOVA
 *
 * Context: Any; takes the table's spinlock.
 * Return: the physical address @iova maps to, or 0 if it is not mapped.
 */
phys_addr_t amd_pgtable_iova_to_phys(struct amd_pgtable *pt,
				     unsigned long iova)
{
	struct radix_pgtable rp = amd_radix(pt);

	return radix_pgtable_iova_to_phys(&rp, iova);
}
EXPORT_SYMBOL_GPL(amd_pgtable_iova_to_phys);
