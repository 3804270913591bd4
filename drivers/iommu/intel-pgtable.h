/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The second-level page table of Intel VT-d in legacy mode, on plain memory:
 * what a paging domain of the VT-d driver maps, in the format the remapping
 * hardware walks.  It knows nothing about units, context entries or IOTLB
 * invalidation; the caller flushes what the unmaps collected.
 */
#ifndef __IOMMU_INTEL_PGTABLE_H
#define __IOMMU_INTEL_PGTABLE_H

#include <linux/gfp_types.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct iommu_iotlb_gather;
struct page;
struct vtd_pgtable;

/* Superpage sizes for vtd_pgtable_init(), laid out as CAP.SLLPS. */
#define VTD_PGTABLE_SP_2M	BIT(0)
#define VTD_PGTABLE_SP_1G	BIT(1)

/**
 * struct vtd_pgtable_ops - how a page table reaches memory; all optional
 * @flush_cache: write @size bytes at @addr back from the CPU caches to
 *	memory, for units that do not snoop their page walks (ECAP.C clear).
 *	Called for the zeroed root at init, then under the table's spinlock
 *	with interrupts off for every range of entries the table writes and
 *	for every new table page before it is linked.  NULL: the unit is
 *	coherent.
 * @alloc_table: return a zeroed order-0 page from the page allocator, or
 *	NULL; @gfp already has __GFP_ZERO.  Called without the lock.  NULL:
 *	alloc_page().
 * @free_table: free a page @alloc_table returned, when the table frees it
 *	itself (vtd_pgtable_destroy(), pages a map did not need).  Pages that
 *	unmaps put on a gather are freed by vtd_pgtable_free_gathered(), with
 *	__free_page().  NULL: __free_page().
 */
struct vtd_pgtable_ops {
	void (*flush_cache)(struct vtd_pgtable *pt, void *addr, size_t size);
	struct page *(*alloc_table)(struct vtd_pgtable *pt, gfp_t gfp);
	void (*free_table)(struct vtd_pgtable *pt, struct page *page);
};

/**
 * struct vtd_pgtable - one second-level page table
 * @root: the top table page, whose physical address goes into the context
 *	entry (SLPTPTR)
 * @levels: 3 (39-bit IOVAs, context AW 1) or 4 (48-bit, AW 2)
 * @pgsizes: the page sizes map and unmap take, for the domain's
 *	pgsize_bitmap: SZ_4K and the superpages allowed at init
 * @snoop: set the SNP bit in every leaf written from now on; only for a
 *	unit with ECAP.SC.  %IOMMU_CACHE alone does not set SNP.
 * @keep_tables: unmaps leave emptied tables linked for later maps; they
 *	are freed by vtd_pgtable_destroy() (see radix-pgtable.h)
 * @ops: set before vtd_pgtable_init(), or NULL
 * @lock: serialises the table's walks and writes
 *
 * The caller sets @ops (and @snoop, @keep_tables) and calls
 * vtd_pgtable_init(); the other fields are read-only for it.
 */
struct vtd_pgtable {
	u64 *root;
	unsigned int levels;
	unsigned long pgsizes;
	bool snoop;
	bool keep_tables;
	const struct vtd_pgtable_ops *ops;
	spinlock_t lock;	/* the table's walks and writes */
};

int vtd_pgtable_init(struct vtd_pgtable *pt, unsigned int levels,
		     unsigned int superpages, gfp_t gfp);
void vtd_pgtable_destroy(struct vtd_pgtable *pt);
int vtd_pgtable_map(struct vtd_pgtable *pt, unsigned long iova,
		    phys_addr_t phys, size_t pgsize, size_t pgcount, int prot,
		    gfp_t gfp, size_t *mapped);
size_t vtd_pgtable_unmap(struct vtd_pgtable *pt, unsigned long iova,
			 size_t pgsize, size_t pgcount,
			 struct iommu_iotlb_gather *gather);
phys_addr_t vtd_pgtable_iova_to_phys(struct vtd_pgtable *pt,
				     unsigned long iova);
unsigned long vtd_pgtable_free_gathered(struct iommu_iotlb_gather *gather);

/**
 * vtd_pgtable_iova_bits - the IOVA width a table translates
 * @pt: an initialised table
 *
 * Return: 39 for three levels, 48 for four; IOVAs and physical addresses
 * must lie below 1 << this.
 */
static inline unsigned int vtd_pgtable_iova_bits(const struct vtd_pgtable *pt)
{
	return 12 + 9 * pt->levels;
}

#endif /* __IOMMU_INTEL_PGTABLE_H */
