/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The reference model of the page-table suites: which pages the requests
 * mapped, and nothing of any table format, so that the VT-d and AMD-Vi
 * suites check their libraries (and the radix walker under both) against
 * something that shares no code with them.
 */
#ifndef __IOMMU_PGTABLE_MODEL_H
#define __IOMMU_PGTABLE_MODEL_H

#include <kunit/test.h>
#include <linux/types.h>
#include <linux/xarray.h>

/**
 * struct pgt_model - the pages a table should map
 * @leaves: by the IOVA of each page's first 4 KiB (>> 12), an xa_mk_value()
 *	of its physical page number << 2 | its size class (0: 4 KiB, 1: 2 MiB,
 *	2: 1 GiB); the suites may walk it
 * @test: where a failed store is reported
 */
struct pgt_model {
	struct xarray leaves;
	struct kunit *test;
};

void pgt_model_init(struct pgt_model *m, struct kunit *test);
void pgt_model_destroy(struct pgt_model *m);
u64 pgt_model_entry_size(void *entry);
u64 pgt_model_find(struct pgt_model *m, u64 iova, u64 *start, u64 *phys);
u64 pgt_model_phys(struct pgt_model *m, u64 iova);
bool pgt_model_overlaps(struct pgt_model *m, u64 iova, u64 len);
void pgt_model_add(struct pgt_model *m, u64 iova, u64 phys, u64 size,
		   u64 count);
u64 pgt_model_unmap(struct pgt_model *m, u64 iova, u64 len, u64 *lo, u64 *hi);

#endif /* __IOMMU_PGTABLE_MODEL_H */
