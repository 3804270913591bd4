/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The AMD-Vi v1 I/O page table for host translations, on plain memory:
 * what a paging domain of the AMD-Vi driver maps, in the format the IOMMU
 * walks.  It knows nothing about device table entries or the command
 * buffer; the caller invalidates what the unmaps collected.
 */
#ifndef __IOMMU_AMD_PGTABLE_H
#define __IOMMU_AMD_PGTABLE_H

#include <linux/gfp_types.h>
#include <linux/minmax.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct amd_pgtable;
struct iommu_iotlb_gather;
struct page;

/**
 * struct amd_pgtable_ops - how a page table reaches memory; all optional
 * @flush_cache: write @size bytes at @addr back from the CPU caches to
 *	memory.  AMD-Vi units snoop their table walks, so a driver leaves it
 *	NULL; it is there for tests and odd platforms.  Called for the zeroed
 *	root at init, then under the table's spinlock with interrupts off for
 *	every range of entries written and every new table page before it is
 *	linked.
 * @alloc_table: return a zeroed order-0 page, or NULL; @gfp already has
 *	__GFP_ZERO.  Called without the lock.  NULL: alloc_page().
 * @free_table: free a page @alloc_table returned, when the table frees it
 *	itself (amd_pgtable_destroy(), pages a map did not need).  Pages that
 *	unmaps put on a gather are freed by amd_pgtable_free_gathered(), with
 *	__free_page().  NULL: __free_page().
 */
struct amd_pgtable_ops {
	void (*flush_cache)(struct amd_pgtable *pt, void *addr, size_t size);
	struct page *(*alloc_table)(struct amd_pgtable *pt, gfp_t gfp);
	void (*free_table)(struct amd_pgtable *pt, struct page *page);
};

/**
 * struct amd_pgtable - one v1 I/O page table
 * @root: the top table page, whose physical address goes into bits 51:12
 *	of the device table entry's first quadword
 * @levels: the DTE's Mode field: 3 (39-bit IOVAs) to 6 (64-bit)
 * @pgsizes: the page sizes map and unmap take, for the domain's
 *	pgsize_bitmap: SZ_4K | SZ_2M | SZ_1G
 * @keep_tables: unmaps leave emptied tables linked for later maps; they
 *	are freed by amd_pgtable_destroy() (see radix-pgtable.h)
 * @ops: set before amd_pgtable_init(), or NULL
 * @lock: serialises the table's walks and writes
 *
 * The caller sets @ops (and @keep_tables) and calls amd_pgtable_init(); the
 * other fields are read-only for it.
 */
struct amd_pgtable {
	u64 *root;
	unsigned int levels;
	unsigned long pgsizes;
	bool keep_tables;
	const struct amd_pgtable_ops *ops;
	spinlock_t lock;	/* the table's walks and writes */
};

int amd_pgtable_init(struct amd_pgtable *pt, unsigned int levels, gfp_t gfp);
void amd_pgtable_destroy(struct amd_pgtable *pt);
int amd_pgtable_map(struct amd_pgtable *pt, unsigned long iova,
		    phys_addr_t phys, size_t pgsize, size_t pgcount, int prot,
		    gfp_t gfp, size_t *mapped);
size_t amd_pgtable_unmap(struct amd_pgtable *pt, unsigned long iova,
			 size_t pgsize, size_t pgcount,
			 struct iommu_iotlb_gather *gather);
phys_addr_t amd_pgtable_iova_to_phys(struct amd_pgtable *pt,
				     unsigned long iova);
unsigned long amd_pgtable_free_gathered(struct iommu_iotlb_gather *gather);

/**
 * amd_pgtable_iova_bits - the IOVA width a table translates
 * @pt: an initialised table
 *
 * Return: 12 + 9 bits per level, at most 64: 39, 48, 57 or 64 for three to
 * six levels.  IOVAs must lie below 1 << this (any, for 64).
 */
static inline unsigned int amd_pgtable_iova_bits(const struct amd_pgtable *pt)
{
	return min(12 + 9 * pt->levels, 64U);
}

#endif /* __IOMMU_AMD_PGTABLE_H */
