// SPDX-License-Identifier: GPL-2.0-only
/*
 * The page-table suites' reference model: an xarray of the pages mapped,
 * and the answers a correct table gives about them.
 */

#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/sizes.h>

#include "iommu_pgtable_model.h"

static u64 pgt_class_size(unsigned int cls)
{
	return SZ_4K << (9 * cls);
}

/**
 * pgt_model_init - an empty model
 * @m: the model
 * @test: the case it belongs to
 */
void pgt_model_init(struct pgt_model *m, struct kunit *test)
{
	xa_init(&m->leaves);
	m->test = test;
}

/**
 * pgt_model_destroy - forget every page
 * @m: the model
 */
void pgt_model_destroy(struct pgt_model *m)
{
	xa_destroy(&m->leaves);
}

/**
 * pgt_model_entry_size - the size of the page an entry of @leaves stands for
 * @entry: an entry of &pgt_model.leaves
 *
 * Return: SZ_4K, SZ_2M or SZ_1G.
 */
u64 pgt_model_entry_size(void *entry)
{
	return pgt_class_size(xa_to_value(entry) & 3);
}

/**
 * pgt_model_find - the page that holds an IOVA
 * @m: the model
 * @iova: any IOVA
 * @start: set to the page's first IOVA, if there is one
 * @phys: set to where it maps, if there is one
 *
 * Return: the page's size, or 0 if @iova is not mapped.
 */
u64 pgt_model_find(struct pgt_model *m, u64 iova, u64 *start, u64 *phys)
{
	unsigned int cls;
	void *v;
	u64 s;

	for (cls = 0; cls < 3; cls++) {
		s = iova & ~(pgt_class_size(cls) - 1);
		v = xa_load(&m->leaves, s >> 12);
		if (v && (xa_to_value(v) & 3) == cls) {
			*start = s;
			*phys = (xa_to_value(v) >> 2) << 12;
			return pgt_class_size(cls);
		}
	}
	return 0;
}

/**
 * pgt_model_phys - what a table must translate an IOVA to
 * @m: the model
 * @iova: any IOVA
 *
 * Return: the physical address, or 0 if @iova is not mapped.
 */
u64 pgt_model_phys(struct pgt_model *m, u64 iova)
{
	u64 s, p, size = pgt_model_find(m, iova, &s, &p);

	return size ? p + (iova - s) : 0;
}

/**
 * pgt_model_overlaps - whether a map of a range must fail with -EEXIST
 * @m: the model
 * @iova: first IOVA of the range
 * @len: its length, at least 1
 *
 * Return: true if some IOVA of the range is mapped.
 */
bool pgt_model_overlaps(struct pgt_model *m, u64 iova, u64 len)
{
	unsigned long idx = iova >> 12;
	u64 s, p;

	return pgt_model_find(m, iova, &s, &p) ||
	       xa_find(&m->leaves, &idx, (iova + len - 1) >> 12, XA_PRESENT);
}

/**
 * pgt_model_add - record a map that succeeded
 * @m: the model
 * @iova: first IOVA
 * @phys: first physical address
 * @size: the page size, SZ_4K, SZ_2M or SZ_1G
 * @count: how many pages
 *
 * A failed store fails the test.
 */
void pgt_model_add(struct pgt_model *m, u64 iova, u64 phys, u64 size,
		   u64 count)
{
	unsigned int cls = ilog2(size / SZ_4K) / 9;
	u64 i;
	void *v;

	for (i = 0; i < count; i++) {
		v = xa_mk_value(((phys + i * size) >> 12) << 2 | cls);
		v = xa_store(&m->leaves, (iova + i * size) >> 12, v,
			     GFP_KERNEL);
		KUNIT_ASSERT_FALSE(m->test, xa_is_err(v));
	}
}

/**
 * pgt_model_unmap - record an unmap, as the unmap_pages contract has it
 * @m: the model
 * @iova: first IOVA of the request
 * @len: its length
 * @lo: set to the first IOVA of the pages removed (U64_MAX: none)
 * @hi: set to the last IOVA of the pages removed (0: none)
 *
 * Pages go whole, from the one that holds @iova on, until the range ends
 * or an IOVA is not mapped.
 *
 * Return: the bytes of the pages removed.
 */
u64 pgt_model_unmap(struct pgt_model *m, u64 iova, u64 len, u64 *lo, u64 *hi)
{
	u64 pos = iova, done = 0, s, p, size;

	*lo = U64_MAX;
	*hi = 0;
	while (pos < iova + len) {
		size = pgt_model_find(m, pos, &s, &p);
		if (!size)
			break;
		xa_erase(&m->leaves, s >> 12);
		*lo = min(*lo, s);
		*hi = s + size - 1;
		done += size;
		pos = s + size;
	}
	return done;
}
