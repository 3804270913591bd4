/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The radix walker that the VT-d and AMD-Vi page-table formats share: 4 KiB
 * table pages of 512 entries of 64 bits, 9 IOVA bits per level, leaves of
 * 4 KiB at level 1, 2 MiB at level 2 and 1 GiB at level 3.  A format says
 * how its entries read and are built (struct radix_pgtable_fmt); the walker
 * does the rest: all-or-nothing maps, unmaps that put emptied tables on the
 * gather, translation, destruction, the lock and the memory hooks.
 *
 * Only intel-pgtable.c and amd-pgtable.c use it; their callers see their
 * own API.
 */
#ifndef __IOMMU_RADIX_PGTABLE_H
#define __IOMMU_RADIX_PGTABLE_H

#include <linux/gfp_types.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct iommu_iotlb_gather;
struct page;
struct radix_pgtable;

/**
 * struct radix_pgtable_fmt - one page-table format
 * @present: whether entry @e is present; a zero entry never is
 * @is_leaf: whether present entry @e at @level (2 or more; every entry at
 *	level 1 is a leaf) maps memory rather than pointing to a table of
 *	level @level - 1
 * @table_entry: the entry at @level that points to the table page at
 *	physical address @table
 * @leaf_bits: what a leaf at @level for @prot (%IOMMU_READ and/or
 *	%IOMMU_WRITE, at least one) holds besides its address; a leaf is its
 *	aligned physical address ORed with these bits
 * @flush_cache: write @size bytes at @addr back to memory for a unit that
 *	does not snoop its walks; called under the lock with interrupts off.
 *	NULL: nothing to do.
 * @alloc_table: a zeroed order-0 page (@gfp has __GFP_ZERO) or NULL; called
 *	without the lock.  NULL: alloc_page().
 * @free_table: free a page @alloc_table gave, when the walker frees it
 *	itself.  NULL: __free_page().
 *
 * The hooks get the walk's &struct radix_pgtable, whose @owner is the
 * format's table.
 */
struct radix_pgtable_fmt {
	bool (*present)(u64 e);
	bool (*is_leaf)(u64 e, unsigned int level);
	u64 (*table_entry)(phys_addr_t table, unsigned int level);
	u64 (*leaf_bits)(const struct radix_pgtable *rp, unsigned int level,
			 int prot);
	void (*flush_cache)(const struct radix_pgtable *rp, void *addr,
			    size_t size);
	struct page *(*alloc_table)(const struct radix_pgtable *rp, gfp_t gfp);
	void (*free_table)(const struct radix_pgtable *rp, struct page *page);
};

/**
 * struct radix_pgtable - what the walker needs of one table, for one call
 * @fmt: the table's format
 * @owner: the format's table, for @fmt's hooks
 * @root: the top table page; set by radix_pgtable_init(), cleared by
 *	radix_pgtable_destroy()
 * @levels: how many levels, 1 to 6
 * @pgsizes: the leaf sizes map and unmap take (SZ_4K, SZ_2M, SZ_1G)
 * @iova_bits: IOVAs lie below 1 << this (64: all of them)
 * @phys_bits: physical addresses of leaves lie below 1 << this
 * @addr_mask: the bits of an entry that hold the address it points to
 * @keep_tables: unmaps leave the tables they empty linked, to be used again
 *	by later maps, and free none; radix_pgtable_destroy() frees them.  A
 *	map that finds a table where a larger leaf would go fills the table
 *	with smaller leaves instead.
 * @lock: serialises the table's walks and writes
 *
 * The formats keep their own public structure and describe it in one of
 * these, on the stack, for each call into the walker.
 */
struct radix_pgtable {
	const struct radix_pgtable_fmt *fmt;
	void *owner;
	u64 *root;
	unsigned int levels;
	unsigned long pgsizes;
	unsigned int iova_bits;
	unsigned int phys_bits;
	u64 addr_mask;
	bool keep_tables;
	spinlock_t *lock;	/* the format's, in its table */
};

int radix_pgtable_init(struct radix_pgtable *rp, gfp_t gfp);
void radix_pgtable_destroy(struct radix_pgtable *rp);
int radix_pgtable_map(const struct radix_pgtable *rp, unsigned long iova,
		      phys_addr_t phys, size_t pgsize, size_t pgcount,
		      int prot, gfp_t gfp, size_t *mapped);
size_t radix_pgtable_unmap(const struct radix_pgtable *rp, unsigned long iova,
			   size_t pgsize, size_t pgcount,
			   struct iommu_iotlb_gather *gather);
phys_addr_t radix_pgtable_iova_to_phys(const struct radix_pgtable *rp,
				       unsigned long iova);
unsigned long radix_pgtable_free_gathered(struct iommu_iotlb_gather *gather);

#endif /* __IOMMU_RADIX_PGTABLE_H */
