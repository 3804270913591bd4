// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the VT-d second-level page table (intel-pgtable.c).
 *
 * The tests read the tables themselves, decoded from the entry format of
 * the VT-d specification, never through the library.  Random requests are
 * checked against a model that knows only which leaves the requests asked
 * for.  Every table page comes from the allocation hook here, which counts
 * (and on request fails) them, so leaks and early frees show.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/sizes.h>
#include <linux/xarray.h>

#include "../intel-pgtable.h"
#include "iommu_pgtable_model.h"

/* Second-level entry bits, from the specification (not from the library). */
#define E_R		BIT_ULL(0)
#define E_W		BIT_ULL(1)
#define E_PS		BIT_ULL(7)
#define E_SNP		BIT_ULL(11)

/* The lowest IOVA bit that indexes each level's table: 12-20, 21-29, ... */
static const unsigned int lvl_lo[] = { 0, 12, 21, 30, 39 };

static unsigned int t_idx(u64 iova, unsigned int level)
{
	return (iova >> lvl_lo[level]) & 0x1ff;
}

static u64 t_addr(u64 e, unsigned int aw)
{
	return e & GENMASK_ULL(aw - 1, 12);
}

/* --- A table whose pages and cache flushes the test sees ---------------- */

struct tpt {
	struct vtd_pgtable pt;
	struct kunit *test;
	unsigned int aw;
	atomic_t calls;		/* alloc_table calls, failed ones too */
	atomic_t allocs;	/* pages handed out */
	atomic_t frees;		/* pages the table freed itself */
	atomic_t gathered;	/* pages freed through gathers */
	int fail_at;		/* fail this call (numbered from 1); 0: none */
	bool nap;		/* sleep in blocking allocations */
	atomic_long_t flushes;
	atomic_long_t flushed;	/* bytes */
	atomic_t bad_flushes;	/* ranges across a page or not of entries */
	struct xarray pages;	/* pfns of the pages handed out, not freed */
	atomic_t bad_frees;	/* frees of pages not handed out */
	bool corrupt;		/* a table entry points to no table page */
};

static struct tpt *to_tpt(struct vtd_pgtable *pt)
{
	return container_of(pt, struct tpt, pt);
}

static struct page *tpt_alloc(struct vtd_pgtable *pt, gfp_t gfp)
{
	struct tpt *t = to_tpt(pt);
	int n = atomic_inc_return(&t->calls);
	struct page *page;

	if (t->fail_at && n == t->fail_at)
		return NULL;
	if (t->nap && gfpflags_allow_blocking(gfp))
		usleep_range(1, 5);
	page = alloc_page(gfp);
	if (!page)
		return NULL;
	if (xa_is_err(xa_store(&t->pages, page_to_pfn(page), xa_mk_value(0),
			       gfp & ~__GFP_ZERO))) {
		__free_page(page);
		return NULL;
	}
	atomic_inc(&t->allocs);
	return page;
}

/* Forget a page handed out; false (and counted) if it was not. */
static bool tpt_forget(struct tpt *t, struct page *page)
{
	if (xa_erase(&t->pages, page_to_pfn(page)))
		return true;
	atomic_inc(&t->bad_frees);
	return false;
}

static void tpt_free(struct vtd_pgtable *pt, struct page *page)
{
	struct tpt *t = to_tpt(pt);

	/* A page not ours stays where it is: the check shows it. */
	if (!tpt_forget(t, page))
		return;
	atomic_inc(&t->frees);
	__free_page(page);
}

/* The table page @e points to, or NULL (and the table corrupt). */
static const u64 *t_table(struct tpt *t, u64 e)
{
	u64 addr = t_addr(e, t->aw);

	if (!xa_load(&t->pages, PHYS_PFN(addr))) {
		t->corrupt = true;
		return NULL;
	}
	return phys_to_virt(addr);
}

static void tpt_flush(struct vtd_pgtable *pt, void *addr, size_t size)
{
	struct tpt *t = to_tpt(pt);
	unsigned long a = (unsigned long)addr;

	atomic_long_inc(&t->flushes);
	atomic_long_add(size, &t->flushed);
	if (!size || size % 8 || a % 8 ||
	    (a & PAGE_MASK) != ((a + size - 1) & PAGE_MASK))
		atomic_inc(&t->bad_flushes);
}

static const struct vtd_pgtable_ops tpt_ops = {
	.flush_cache = tpt_flush,
	.alloc_table = tpt_alloc,
	.free_table = tpt_free,
};

/* Pages the table holds now, by the hook's counts. */
static int tpt_live(struct tpt *t)
{
	return atomic_read(&t->allocs) - atomic_read(&t->frees) -
	       atomic_read(&t->gathered);
}

/* After vtd_pgtable_destroy(): every page handed out came back, once. */
static void tpt_expect_freed(struct tpt *t)
{
	KUNIT_EXPECT_EQ(t->test, tpt_live(t), 0);
	KUNIT_EXPECT_TRUE(t->test, xa_empty(&t->pages));
	KUNIT_EXPECT_EQ(t->test, atomic_read(&t->bad_frees), 0);
}

/*
 * Every table is destroyed and checked at the end of its case.  A corrupt
 * one is not walked again: its pages are left as they are.
 */
static void tpt_release(void *data)
{
	struct tpt *t = data;

	if (!t->corrupt) {
		vtd_pgtable_destroy(&t->pt);
		tpt_expect_freed(t);
	}
	xa_destroy(&t->pages);
}

static struct tpt *tpt_new(struct kunit *test, unsigned int levels,
			   unsigned int superpages, bool snoop)
{
	struct tpt *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->pt.ops = &tpt_ops;
	t->pt.snoop = snoop;
	t->test = test;
	t->aw = 12 + 9 * levels;
	xa_init(&t->pages);
	KUNIT_ASSERT_EQ(test, vtd_pgtable_init(&t->pt, levels, superpages,
					       GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, tpt_release, t),
			0);
	return t;
}

static int tpt_map(struct tpt *t, u64 iova, u64 phys, size_t pgsize,
		   size_t count, int prot)
{
	size_t mapped = 0;
	int ret;

	ret = vtd_pgtable_map(&t->pt, iova, phys, pgsize, count, prot,
			      GFP_KERNEL, &mapped);
	if (mapped != (ret ? 0 : pgsize * count))
		return -EBADE;	/* a wrong *mapped fails the caller's check */
	return ret;
}

/*
 * Unmap as a domain would: collect, "flush", free the gather.  Returns the
 * bytes unmapped; the gather's range is left in @range (start, end).
 */
static size_t tpt_unmap(struct tpt *t, u64 iova, size_t pgsize, size_t count,
			unsigned long range[2], int *pages)
{
	struct iommu_iotlb_gather gather;
	struct page *page, *tmp;
	unsigned long n;
	size_t ret;
	int listed = 0;

	iommu_iotlb_gather_init(&gather);
	ret = vtd_pgtable_unmap(&t->pt, iova, pgsize, count, &gather);
	list_for_each_entry_safe(page, tmp, &gather.freelist, lru) {
		if (tpt_forget(t, page))
			listed++;
		else
			list_del(&page->lru);
	}
	if (range) {
		range[0] = gather.start;
		range[1] = gather.end;
	}
	if (pages)
		*pages = listed;
	n = vtd_pgtable_free_gathered(&gather);
	atomic_add(listed, &t->gathered);
	if (n != listed || !list_empty(&gather.freelist))
		atomic_inc(&t->bad_flushes);	/* shows in every leak check */
	return ret;
}

/* --- Reading the tables by hand ------------------------------------------ */

struct twalk {
	struct tpt *t;
	unsigned int aw;
	unsigned long tables;		/* table pages, the root included */
	unsigned long leaves[5];	/* by level */
	unsigned long empty;		/* tables but the root with no entry */
	unsigned long bad;		/* entries the format does not allow */
	void (*leaf)(struct twalk *w, u64 iova, unsigned int level, u64 e);
	void *priv;
};

static void twalk_table(struct twalk *w, const u64 *table, unsigned int level,
			u64 base, bool root)
{
	u64 addr_bits = GENMASK_ULL(w->aw - 1, 12), e, iova;
	unsigned int i, present = 0;
	const u64 *child;

	w->tables++;
	for (i = 0; i < 512; i++) {
		e = READ_ONCE(table[i]);
		iova = base | ((u64)i << lvl_lo[level]);
		if (!(e & (E_R | E_W))) {
			if (e)
				w->bad++;
			continue;
		}
		present++;
		if (level == 1 || (e & E_PS)) {
			if (level == 4 || (level == 1 && (e & E_PS)) ||
			    (e & ~(addr_bits | E_R | E_W | E_PS | E_SNP)) ||
			    (t_addr(e, w->aw) & (BIT_ULL(lvl_lo[level]) - 1)))
				w->bad++;
			w->leaves[level]++;
			if (w->leaf)
				w->leaf(w, iova, level, e);
		} else {
			child = t_table(w->t, e);
			if ((e & ~addr_bits) != (E_R | E_W) || !child)
				w->bad++;
			if (child)
				twalk_table(w, child, level - 1, iova, false);
		}
	}
	if (!root && !present)
		w->empty++;
}

static void twalk(struct tpt *t, struct twalk *w)
{
	w->t = t;
	w->aw = t->aw;
	twalk_table(w, t->pt.root, t->pt.levels, 0, true);
}

static unsigned long twalk_leaves(const struct twalk *w)
{
	return w->leaves[1] + w->leaves[2] + w->leaves[3] + w->leaves[4];
}

/*
 * The entry the hardware would use for @iova, walking down from the root:
 * NULL if a level on the way is not present; *@level is where it stopped.
 */
static const u64 *t_lookup(struct tpt *t, u64 iova, unsigned int *level)
{
	const u64 *table = t->pt.root, *e;
	unsigned int l;

	for (l = t->pt.levels; ; l--) {
		e = &table[t_idx(iova, l)];
		*level = l;
		if (!(*e & (E_R | E_W)))
			return NULL;
		if (l == 1 || (*e & E_PS))
			return e;
		table = t_table(t, *e);
		if (!table)
			return NULL;
	}
}

/* --- Cases ----------------------------------------------------------------- */

static void vtd_pgtable_init_sets_sizes(struct kunit *test)
{
	static const struct { unsigned int sp; unsigned long sizes; } v[] = {
		{ 0, SZ_4K },
		{ VTD_PGTABLE_SP_2M, SZ_4K | SZ_2M },
		{ VTD_PGTABLE_SP_2M | VTD_PGTABLE_SP_1G, SZ_4K | SZ_2M | SZ_1G },
	};
	struct vtd_pgtable bad = {};
	unsigned int i, levels;
	struct tpt *t;

	for (levels = 3; levels <= 4; levels++) {
		for (i = 0; i < ARRAY_SIZE(v); i++) {
			t = tpt_new(test, levels, v[i].sp, false);
			KUNIT_EXPECT_EQ(test, t->pt.pgsizes, v[i].sizes);
			KUNIT_EXPECT_EQ(test, vtd_pgtable_iova_bits(&t->pt),
					levels == 3 ? 39U : 48U);
			KUNIT_EXPECT_EQ(test, atomic_read(&t->allocs), 1);
			KUNIT_EXPECT_NULL(test, memchr_inv(t->pt.root, 0,
							   PAGE_SIZE));
		}
	}
	KUNIT_EXPECT_EQ(test, vtd_pgtable_init(&bad, 2, 0, GFP_KERNEL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vtd_pgtable_init(&bad, 5, 0, GFP_KERNEL),
			-EINVAL);
	KUNIT_EXPECT_NULL(test, bad.root);
}

/* A 4 KiB leaf and the tables above it, entry by entry. */
static void vtd_pgtable_leaf_entry_format(struct kunit *test)
{
	unsigned int levels, l, i;
	const u64 *table;
	struct tpt *t;
	u64 iova, e;

	for (levels = 3; levels <= 4; levels++) {
		t = tpt_new(test, levels, VTD_PGTABLE_SP_2M | VTD_PGTABLE_SP_1G,
			    false);
		/* A different index at every level, all nine bits used. */
		iova = (0x10bULL << 12) | (0x1c9ULL << 21) | (0x1f7ULL << 30);
		if (levels == 4)
			iova |= 0x105ULL << 39;
		KUNIT_ASSERT_EQ(test, tpt_map(t, iova, 0x12345000, SZ_4K, 1,
					      IOMMU_READ | IOMMU_WRITE |
					      IOMMU_CACHE), 0);
		table = t->pt.root;
		for (l = levels; l >= 1; l--) {
			for (i = 0; i < 512; i++)
				if (i != t_idx(iova, l))
					KUNIT_EXPECT_EQ(test, table[i], 0ULL);
			e = table[t_idx(iova, l)];
			if (l == 1)
				break;
			/* A table entry: R and W, an address, nothing else. */
			KUNIT_EXPECT_EQ(test, e & ~t_addr(e, t->aw), E_R | E_W);
			table = t_table(t, e);
			KUNIT_ASSERT_NOT_NULL(test, table);
		}
		/* The leaf: no PS, no SNP for IOMMU_CACHE. */
		KUNIT_EXPECT_EQ(test, e, 0x12345000ULL | E_R | E_W);
		KUNIT_EXPECT_EQ(test, vtd_pgtable_iova_to_phys(&t->pt,
							       iova + 0x123),
				0x12345123ULL);

		/* Read-only and write-only leaves, in the same table. */
		KUNIT_ASSERT_EQ(test, tpt_map(t, iova + SZ_4K, 0xabc000, SZ_4K,
					      1, IOMMU_READ), 0);
		KUNIT_ASSERT_EQ(test, tpt_map(t, iova + SZ_8K, 0xdef000, SZ_4K,
					      1, IOMMU_WRITE), 0);
		KUNIT_EXPECT_EQ(test, table[t_idx(iova + SZ_4K, 1)],
				0xabc000ULL | E_R);
		KUNIT_EXPECT_EQ(test, table[t_idx(iova + SZ_8K, 1)],
				0xdef000ULL | E_W);
		KUNIT_EXPECT_EQ(test, atomic_read(&t->allocs), levels);
	}
}

static void vtd_pgtable_snoop_sets_snp(struct kunit *test)
{
	struct tpt *t = tpt_new(test, 3, VTD_PGTABLE_SP_2M, true);
	unsigned int level;
	const u64 *e;

	KUNIT_ASSERT_EQ(test, tpt_map(t, SZ_1G, 0x7000, SZ_4K, 1,
				      IOMMU_READ), 0);
	KUNIT_ASSERT_EQ(test, tpt_map(t, SZ_4M, SZ_2M, SZ_2M, 1,
				      IOMMU_READ | IOMMU_WRITE), 0);
	e = t_lookup(t, SZ_1G, &level);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, level, 1U);
	KUNIT_EXPECT_EQ(test, *e, 0x7000ULL | E_R | E_SNP);
	/* Table entries never carry it. */
	KUNIT_EXPECT_EQ(test, t->pt.root[1] & E_SNP, 0ULL);
	e = t_lookup(t, SZ_4M, &level);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, level, 2U);
	KUNIT_EXPECT_EQ(test, *e, (u64)SZ_2M | E_R | E_W | E_PS | E_SNP);
}

static void vtd_pgtable_superpage_entries(struct kunit *test)
{
	unsigned int levels, level;
	u64 iova;
	struct tpt *t;
	const u64 *e;

	for (levels = 3; levels <= 4; levels++) {
		t = tpt_new(test, levels, VTD_PGTABLE_SP_2M | VTD_PGTABLE_SP_1G,
			    false);
		KUNIT_ASSERT_EQ(test, tpt_map(t, 3 * SZ_2M, 17 * SZ_2M, SZ_2M,
					      1, IOMMU_READ | IOMMU_WRITE), 0);
		KUNIT_ASSERT_EQ(test, tpt_map(t, 5ULL * SZ_1G, 7ULL * SZ_1G,
					      SZ_1G, 1, IOMMU_READ), 0);
		e = t_lookup(t, 3 * SZ_2M + 0x5000, &level);
		KUNIT_ASSERT_NOT_NULL(test, e);
		KUNIT_EXPECT_EQ(test, level, 2U);
		KUNIT_EXPECT_EQ(test, *e, 17ULL * SZ_2M | E_R | E_W | E_PS);
		e = t_lookup(t, 5ULL * SZ_1G + SZ_4M, &level);
		KUNIT_ASSERT_NOT_NULL(test, e);
		KUNIT_EXPECT_EQ(test, level, 3U);
		KUNIT_EXPECT_EQ(test, *e, 7ULL * SZ_1G | E_R | E_PS);
		iova = 5ULL * SZ_1G + SZ_4M + 0x10;
		KUNIT_EXPECT_EQ(test, vtd_pgtable_iova_to_phys(&t->pt, iova),
				7ULL * SZ_1G + SZ_4M + 0x10);
		/* Root, the level 2 table of 3 * 2M, and for 4 levels a level 3 */
		KUNIT_EXPECT_EQ(test, atomic_read(&t->allocs), levels - 1);
	}

	/* Without superpages the sizes are refused and nothing is written. */
	t = tpt_new(test, 3, 0, false);
	KUNIT_EXPECT_EQ(test, tpt_map(t, 0, 0, SZ_2M, 1, IOMMU_READ), -EINVAL);
	KUNIT_EXPECT_EQ(test, tpt_map(t, 0, 0, SZ_1G, 1, IOMMU_READ), -EINVAL);
	KUNIT_EXPECT_NULL(test, memchr_inv(t->pt.root, 0, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, atomic_read(&t->allocs), 1);
}

static void vtd_pgtable_map_refuses_bad_requests(struct kunit *test)
{
	struct tpt *t = tpt_new(test, 3, VTD_PGTABLE_SP_2M, false);
	const int rw = IOMMU_READ | IOMMU_WRITE;
	u64 top = BIT_ULL(39);

	KUNIT_EXPECT_EQ(test, tpt_map(t, 0x1800, 0, SZ_4K, 1, rw), -EINVAL);
	KUNIT_EXPECT_EQ(test, tpt_map(t, 0, 0x1800, SZ_4K, 1, rw), -EINVAL);
	KUNIT_EXPECT_EQ(test, tpt_map(t, SZ_4K, 0, SZ_2M, 1, rw), -EINVAL);
	KUNIT_EXPECT_EQ(test, tpt_map(t, 0, 0, SZ_8K, 1, rw), -EINVAL);
	KUNIT_EXPECT_EQ(test, tpt_map(t, 0, 0, SZ_4K, 0, rw), -EINVAL);
	KUNIT_EXPECT_EQ(test, tpt_map(t, 0, 0, SZ_4K, 1, IOMMU_CACHE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tpt_map(t, top, 0, SZ_4K, 1, rw), -EINVAL);
	KUNIT_EXPECT_EQ(test, tpt_map(t, top - SZ_4K, 0, SZ_4K, 2, rw),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tpt_map(t, 0, top, SZ_4K, 1, rw), -EINVAL);
	KUNIT_EXPECT_EQ(test, tpt_map(t, 0, top - SZ_4K, SZ_4K, 2, rw),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tpt_map(t, 0, 0, SZ_4K, SIZE_MAX / 2, rw),
			-EINVAL);
	KUNIT_EXPECT_NULL(test, memchr_inv(t->pt.root, 0, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, atomic_read(&t->calls), 1);

	/* The last page of the space is fine. */
	KUNIT_EXPECT_EQ(test, tpt_map(t, top - SZ_4K, top - SZ_4K, SZ_4K, 1,
				      rw), 0);
	KUNIT_EXPECT_EQ(test, vtd_pgtable_iova_to_phys(&t->pt, top - 1),
			top - 1);
	KUNIT_EXPECT_EQ(test, vtd_pgtable_iova_to_phys(&t->pt, top), 0ULL);
}

/* Nothing of an -EEXIST request is written, and no table page stays. */
static void vtd_pgtable_map_refuses_mapped_ranges(struct kunit *test)
{
	struct tpt *t = tpt_new(test, 4, VTD_PGTABLE_SP_2M | VTD_PGTABLE_SP_1G,
				false);
	const int r = IOMMU_READ;
	struct twalk before = {}, after = {};
	u64 x = 3ULL * SZ_1G + 5 * SZ_2M + 4 * SZ_4K, y = 7ULL * SZ_1G;

	KUNIT_ASSERT_EQ(test, tpt_map(t, x, 0x100000, SZ_4K, 4, r), 0);
	KUNIT_ASSERT_EQ(test, tpt_map(t, y, SZ_1G, SZ_2M, 2, r), 0);
	twalk(t, &before);

	/* Overlapping the end, the start, and from a larger page. */
	KUNIT_EXPECT_EQ(test, tpt_map(t, x + SZ_8K, 0, SZ_4K, 4, r), -EEXIST);
	KUNIT_EXPECT_EQ(test, tpt_map(t, x - SZ_8K, 0, SZ_4K, 3, r), -EEXIST);
	KUNIT_EXPECT_EQ(test, tpt_map(t, x & ~(u64)(SZ_2M - 1), 0, SZ_2M, 1,
				      r), -EEXIST);
	KUNIT_EXPECT_EQ(test, tpt_map(t, 3ULL * SZ_1G, 0, SZ_1G, 1, r),
			-EEXIST);
	/* Inside a 2 MiB leaf, and the 1 GiB around it. */
	KUNIT_EXPECT_EQ(test, tpt_map(t, y + SZ_2M + SZ_4K, 0, SZ_4K, 1, r),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, tpt_map(t, y - SZ_2M, 0, SZ_2M, 2, r), -EEXIST);
	KUNIT_EXPECT_EQ(test, tpt_map(t, y, 0, SZ_1G, 1, r), -EEXIST);
	/* A long request whose only clash is its very last page. */
	KUNIT_EXPECT_EQ(test, tpt_map(t, x - 1024 * SZ_4K, 0, SZ_4K, 1025, r),
			-EEXIST);

	twalk(t, &after);
	KUNIT_EXPECT_EQ(test, after.tables, before.tables);
	KUNIT_EXPECT_EQ(test, twalk_leaves(&after), twalk_leaves(&before));
	KUNIT_EXPECT_EQ(test, tpt_live(t), (int)after.tables);
	KUNIT_EXPECT_EQ(test, vtd_pgtable_iova_to_phys(&t->pt, x + SZ_16K),
			0ULL);
	KUNIT_EXPECT_EQ(test, vtd_pgtable_iova_to_phys(&t->pt, x - SZ_4K),
			0ULL);
	KUNIT_EXPECT_EQ(test, vtd_pgtable_iova_to_phys(&t->pt, x + SZ_8K),
			0x102000ULL);
	KUNIT_EXPECT_EQ(test, vtd_pgtable_iova_to_phys(&t->pt, y + SZ_2M),
			(u64)SZ_1G + SZ_2M);
}

static void vtd_pgtable_unmap_removes_whole_leaves(struct kunit *test)
{
	struct tpt *t = tpt_new(test, 3, VTD_PGTABLE_SP_2M | VTD_PGTABLE_SP_1G,
				false);
	const int rw = IOMMU_READ | IOMMU_WRITE;
	u64 y = 9 * SZ_2M, g = 4ULL * SZ_1G;
	unsigned long range[2];

	KUNIT_ASSERT_EQ(test, tpt_map(t, y, SZ_4M, SZ_2M, 1, rw), 0);
	KUNIT_EXPECT_EQ(test, tpt_unmap(t, y + 3 * SZ_4K, SZ_4K, 1, range,
					NULL), (size_t)SZ_2M);
	KUNIT_EXPECT_EQ(test, vtd_pgtable_iova_to_phys(&t->pt, y), 0ULL);
	KUNIT_EXPECT_EQ(test, vtd_pgtable_iova_to_phys(&t->pt,
						       y + SZ_2M - SZ_4K), 0ULL);
	KUNIT_EXPECT_LE(test, range[0], (unsigned long)y);
	KUNIT_EXPECT_GE(test, range[1], (unsigned long)(y + SZ_2M - 1));

	KUNIT_ASSERT_EQ(test, tpt_map(t, g, SZ_1G, SZ_1G, 1, rw), 0);
	KUNIT_EXPECT_EQ(test, tpt_unmap(t, g + SZ_4M, SZ_2M, 1, range, NULL),
			(size_t)SZ_1G);
	KUNIT_EXPECT_EQ(test, vtd_pgtable_iova_to_phys(&t->pt, g), 0ULL);
	KUNIT_EXPECT_LE(test, range[0], (unsigned long)g);
	KUNIT_EXPECT_GE(test, range[1], (unsigned long)(g + SZ_1G - 1));

	/* Nothing there: 0, and an empty gather. */
	KUNIT_EXPECT_EQ(test, tpt_unmap(t, g, SZ_4K, 1, range, NULL), 0UL);
	KUNIT_EXPECT_EQ(test, range[0], ULONG_MAX);
	KUNIT_EXPECT_EQ(test, range[1], 0UL);
	KUNIT_EXPECT_EQ(test, tpt_unmap(t, 0, SZ_1G, 2, range, NULL), 0UL);
	KUNIT_EXPECT_EQ(test, tpt_live(t), 1);
}

static void vtd_pgtable_unmap_stops_at_a_hole(struct kunit *test)
{
	struct tpt *t = tpt_new(test, 3, VTD_PGTABLE_SP_2M, false);
	const int r = IOMMU_READ;

	KUNIT_ASSERT_EQ(test, tpt_map(t, 0, 0x40000, SZ_4K, 4, r), 0);
	KUNIT_ASSERT_EQ(test, tpt_map(t, SZ_32K, 0x80000, SZ_4K, 4, r), 0);
	KUNIT_EXPECT_EQ(test, tpt_unmap(t, 0, SZ_4K, 12, NULL, NULL),
			(size_t)SZ_16K);
	KUNIT_EXPECT_EQ(test, vtd_pgtable_iova_to_phys(&t->pt, SZ_32K),
			0x80000ULL);
	KUNIT_EXPECT_EQ(test, tpt_unmap(t, SZ_16K, SZ_4K, 8, NULL, NULL), 0UL);

	/* Leaves of two sizes in one request, then the hole after them. */
	KUNIT_ASSERT_EQ(test, tpt_map(t, SZ_2M, SZ_2M, SZ_2M, 1, r), 0);
	KUNIT_ASSERT_EQ(test, tpt_map(t, SZ_4M, 0x9000, SZ_4K, 2, r), 0);
	KUNIT_EXPECT_EQ(test, tpt_unmap(t, SZ_2M, SZ_4K, 1024, NULL, NULL),
			(size_t)SZ_2M + SZ_8K);
	KUNIT_EXPECT_EQ(test, tpt_unmap(t, SZ_32K, SZ_4K, 4, NULL, NULL),
			(size_t)SZ_16K);
	KUNIT_EXPECT_EQ(test, tpt_live(t), 1);
}

/* Unlinked table pages wait on the gather; only the root stays. */
static void vtd_pgtable_frees_empty_tables(struct kunit *test)
{
	/* Three tables each below the root, sharing what they can. */
	static const u64 iova[] = { 0, SZ_2M, SZ_1G, 512ULL * SZ_1G };
	struct tpt *t = tpt_new(test, 4, 0, false);
	unsigned long range[2];
	struct twalk w = {};
	unsigned int i;
	int pages;

	for (i = 0; i < ARRAY_SIZE(iova); i++)
		KUNIT_ASSERT_EQ(test, tpt_map(t, iova[i], 0x1000 * (i + 1),
					      SZ_4K, 1, IOMMU_READ), 0);
	/* root + 2 level 3 + 3 level 2 + 4 level 1 */
	twalk(t, &w);
	KUNIT_EXPECT_EQ(test, w.tables, 10UL);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->allocs), 10);

	/* 2M's level 1 table goes; its level 2 table is shared with 0. */
	KUNIT_EXPECT_EQ(test, tpt_unmap(t, SZ_2M, SZ_4K, 1, range, &pages),
			(size_t)SZ_4K);
	KUNIT_EXPECT_EQ(test, pages, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->frees), 0);
	KUNIT_EXPECT_LE(test, range[0], (unsigned long)SZ_2M);
	KUNIT_EXPECT_GE(test, range[1], (unsigned long)SZ_4M - 1);
	memset(&w, 0, sizeof(w));
	twalk(t, &w);
	KUNIT_EXPECT_EQ(test, w.tables, 9UL);
	KUNIT_EXPECT_EQ(test, w.empty, 0UL);

	/* 512G takes its level 1, 2 and 3 tables with it. */
	KUNIT_EXPECT_EQ(test, tpt_unmap(t, 512ULL * SZ_1G, SZ_4K, 1, NULL,
					&pages), (size_t)SZ_4K);
	KUNIT_EXPECT_EQ(test, pages, 3);
	/* 0 takes its level 1 and 2 tables, 1G the rest below root[0]. */
	KUNIT_EXPECT_EQ(test, tpt_unmap(t, 0, SZ_4K, 1, NULL, &pages),
			(size_t)SZ_4K);
	KUNIT_EXPECT_EQ(test, pages, 2);
	KUNIT_EXPECT_EQ(test, tpt_unmap(t, SZ_1G, SZ_4K, 1, NULL, &pages),
			(size_t)SZ_4K);
	KUNIT_EXPECT_EQ(test, pages, 3);
	memset(&w, 0, sizeof(w));
	twalk(t, &w);
	KUNIT_EXPECT_EQ(test, w.tables, 1UL);
	KUNIT_EXPECT_EQ(test, tpt_live(t), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->frees), 0);

	vtd_pgtable_destroy(&t->pt);
	tpt_expect_freed(t);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->bad_flushes), 0);
}

/* Table pages per GiB mapped, for each leaf size. */
static void vtd_pgtable_pages_per_gib(struct kunit *test)
{
	static const size_t sizes[] = { SZ_4K, SZ_2M, SZ_1G };
	static const char * const names[] = { "4K", "2M", "1G" };
	unsigned int levels, i;
	struct tpt *t;

	for (levels = 3; levels <= 4; levels++) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			t = tpt_new(test, levels,
				    VTD_PGTABLE_SP_2M | VTD_PGTABLE_SP_1G, false);
			KUNIT_ASSERT_EQ(test, tpt_map(t, SZ_1G, SZ_1G, sizes[i],
						      SZ_1G / sizes[i],
						      IOMMU_READ), 0);
			/* 4K: 512 level 1 + one level 2; 2M: one level 2. */
			KUNIT_EXPECT_EQ(test, tpt_live(t),
					(int)(levels - 2) + (i == 0 ? 513 :
							     i == 1 ? 1 : 0));
			kunit_info(test, "%u levels, %s leaves: %d table pages for 1 GiB\n",
				   levels, names[i], tpt_live(t));
			KUNIT_EXPECT_EQ(test, tpt_unmap(t, SZ_1G, sizes[i],
							SZ_1G / sizes[i], NULL,
							NULL), (size_t)SZ_1G);
			KUNIT_EXPECT_EQ(test, tpt_live(t), 1);
		}
	}
}

/* Every entry written reaches the flush hook, once. */
static void vtd_pgtable_flushes_what_it_writes(struct kunit *test)
{
	struct tpt *t = tpt_new(test, 3, VTD_PGTABLE_SP_2M, false);
	const int r = IOMMU_READ;

	/* Init flushed the zeroed root. */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&t->flushed), (long)PAGE_SIZE);
	atomic_long_set(&t->flushes, 0);
	atomic_long_set(&t->flushed, 0);

	/* Two new tables, whole, their two links, one leaf. */
	KUNIT_ASSERT_EQ(test, tpt_map(t, 0, 0x5000, SZ_4K, 1, r), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&t->flushed),
			2L * PAGE_SIZE + 3 * 8);
	KUNIT_EXPECT_GE(test, atomic_long_read(&t->flushes), 3L);

	atomic_long_set(&t->flushes, 0);
	atomic_long_set(&t->flushed, 0);
	KUNIT_ASSERT_EQ(test, tpt_map(t, SZ_4K, 0x6000, SZ_4K, 100, r), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&t->flushed), 800L);
	KUNIT_EXPECT_GT(test, atomic_long_read(&t->flushes), 0L);

	atomic_long_set(&t->flushes, 0);
	atomic_long_set(&t->flushed, 0);
	KUNIT_EXPECT_EQ(test, tpt_unmap(t, SZ_4K, SZ_4K, 100, NULL, NULL),
			(size_t)100 * SZ_4K);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&t->flushed), 800L);
	KUNIT_EXPECT_GT(test, atomic_long_read(&t->flushes), 0L);

	/* The last leaf, then the two links of the tables it empties. */
	atomic_long_set(&t->flushed, 0);
	KUNIT_EXPECT_EQ(test, tpt_unmap(t, 0, SZ_4K, 1, NULL, NULL),
			(size_t)SZ_4K);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&t->flushed), 3L * 8);

	/* 2 MiB leaves are one entry each, in a new level 2 table. */
	atomic_long_set(&t->flushed, 0);
	KUNIT_ASSERT_EQ(test, tpt_map(t, SZ_4M, SZ_4M, SZ_2M, 3, r), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&t->flushed),
			(long)PAGE_SIZE + 8 + 3 * 8);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->bad_flushes), 0);
}

/*
 * Kept tables, as domains use them: an unmap that empties tables leaves
 * them linked and gathers none, a 2 MiB map over a kept 4 KiB table
 * becomes 4 KiB leaves in it (translating, refusing overlaps, unmapped as
 * one), and destroy frees every table.
 */
static void vtd_pgtable_keeps_tables(struct kunit *test)
{
	struct vtd_pgtable pt = { .keep_tables = true };
	struct iommu_iotlb_gather gather;
	size_t mapped = 0;

	KUNIT_ASSERT_EQ(test, vtd_pgtable_init(&pt, 4, VTD_PGTABLE_SP_2M,
					       GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, vtd_pgtable_map(&pt, SZ_1G, 0x3000, SZ_4K, 2,
					      IOMMU_READ, GFP_KERNEL, &mapped),
			0);
	iommu_iotlb_gather_init(&gather);
	KUNIT_EXPECT_EQ(test, vtd_pgtable_unmap(&pt, SZ_1G, SZ_4K, 2, &gather),
			(size_t)SZ_8K);
	KUNIT_EXPECT_EQ(test, vtd_pgtable_free_gathered(&gather), 0UL);
	KUNIT_EXPECT_EQ(test, vtd_pgtable_iova_to_phys(&pt, SZ_1G), 0ULL);

	mapped = 0;
	KUNIT_EXPECT_EQ(test, vtd_pgtable_map(&pt, SZ_1G, 5 * SZ_2M, SZ_2M, 1,
					      IOMMU_READ | IOMMU_WRITE,
					      GFP_KERNEL, &mapped), 0);
	KUNIT_EXPECT_EQ(test, mapped, (size_t)SZ_2M);
	KUNIT_EXPECT_EQ(test, vtd_pgtable_iova_to_phys(&pt, SZ_1G + SZ_1M + 8),
			(phys_addr_t)5 * SZ_2M + SZ_1M + 8);
	mapped = 0;
	KUNIT_EXPECT_EQ(test, vtd_pgtable_map(&pt, SZ_1G + SZ_4K, 0x9000,
					      SZ_4K, 1, IOMMU_READ, GFP_KERNEL,
					      &mapped), -EEXIST);
	iommu_iotlb_gather_init(&gather);
	KUNIT_EXPECT_EQ(test, vtd_pgtable_unmap(&pt, SZ_1G, SZ_2M, 1, &gather),
			(size_t)SZ_2M);
	KUNIT_EXPECT_EQ(test, vtd_pgtable_free_gathered(&gather), 0UL);
	KUNIT_EXPECT_EQ(test, vtd_pgtable_iova_to_phys(&pt, SZ_1G + SZ_2M - 8),
			0ULL);
	vtd_pgtable_destroy(&pt);
	KUNIT_EXPECT_NULL(test, pt.root);
}

static void vtd_pgtable_works_without_ops(struct kunit *test)
{
	struct iommu_iotlb_gather gather;
	struct vtd_pgtable pt = {};
	size_t mapped = 0;

	KUNIT_ASSERT_EQ(test, vtd_pgtable_init(&pt, 4, VTD_PGTABLE_SP_2M,
					       GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, vtd_pgtable_map(&pt, SZ_1G, 0x3000, SZ_4K, 2,
					      IOMMU_READ, GFP_ATOMIC, &mapped),
			0);
	KUNIT_EXPECT_EQ(test, mapped, (size_t)SZ_8K);
	KUNIT_EXPECT_EQ(test, vtd_pgtable_iova_to_phys(&pt, SZ_1G + SZ_4K + 8),
			0x4008ULL);
	iommu_iotlb_gather_init(&gather);
	KUNIT_EXPECT_EQ(test, vtd_pgtable_unmap(&pt, SZ_1G, SZ_4K, 2, &gather),
			(size_t)SZ_8K);
	KUNIT_EXPECT_EQ(test, vtd_pgtable_free_gathered(&gather), 3UL);
	vtd_pgtable_destroy(&pt);
	KUNIT_EXPECT_NULL(test, pt.root);
}

/* --- Random requests against a model -------------------------------------- */

#define RAND_STEPS	3000
#define RAND_SEED	0x76746470ULL	/* fixed; printed, with the case's offset */
#define WINDOW		(8ULL * SZ_1G)

static u64 cls_size(unsigned int cls)
{
	return SZ_4K << (9 * cls);
}

struct rand_param {
	unsigned int levels;
	unsigned int superpages;
	const char *name;
};

static const struct rand_param rand_params[] = {
	{ 3, 0, "3 levels, 4 KiB pages only" },
	{ 3, VTD_PGTABLE_SP_2M, "3 levels, 2 MiB superpages" },
	{ 3, VTD_PGTABLE_SP_2M | VTD_PGTABLE_SP_1G, "3 levels, all superpages" },
	{ 4, 0, "4 levels, 4 KiB pages only" },
	{ 4, VTD_PGTABLE_SP_2M | VTD_PGTABLE_SP_1G, "4 levels, all superpages" },
};

static void rand_param_desc(const struct rand_param *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(rand, rand_params, rand_param_desc);

static void model_check_leaf(struct twalk *w, u64 iova, unsigned int level,
			     u64 e)
{
	struct pgt_model *m = w->priv;
	u64 s, p, size = pgt_model_find(m, iova, &s, &p);

	KUNIT_EXPECT_EQ(m->test, size, cls_size(level - 1));
	KUNIT_EXPECT_EQ(m->test, s, iova);
	KUNIT_EXPECT_EQ(m->test, p, t_addr(e, w->aw));
}

static size_t pick_pgsize(struct tpt *t, u64 iova, u64 phys, u64 max)
{
	size_t s;

	for (s = SZ_1G; s > SZ_4K; s >>= 9)
		if ((t->pt.pgsizes & s) && s <= max && !((iova | phys) & (s - 1)))
			return s;
	return SZ_4K;
}

static void vtd_pgtable_random_against_model(struct kunit *test)
{
	const struct rand_param *param = test->param_value;
	struct tpt *t = tpt_new(test, param->levels, param->superpages, false);
	u64 base = param->levels == 3 ? BIT_ULL(39) - WINDOW :
				       BIT_ULL(39) - WINDOW / 2;
	u64 seed = RAND_SEED + param->levels * 4 + param->superpages;
	unsigned long n_maps = 0, n_exist = 0, n_unmaps = 0, n_2m = 0, n_1g = 0;
	/* 1 GiB ranges of 4 KiB pages are slow: fewer of them without. */
	unsigned int big = param->superpages & VTD_PGTABLE_SP_1G ? 47 : 53;
	u64 iova, phys, len, size, got, want, lo, hi, s, p, x;
	struct rnd_state rnd;
	struct pgt_model m;
	unsigned long range[2], idx;
	struct twalk w = {};
	unsigned int step, i, cls, level;
	const u64 *e;
	void *v;
	int ret;

	kunit_info(test, "seed %llu\n", seed);
	prandom_seed_state(&rnd, seed);
	pgt_model_init(&m, test);

	for (step = 0; step < RAND_STEPS; step++) {
		x = prandom_u32_state(&rnd) % 100;
		if (x < 55) {
			/* A range aligned to its class, mostly of 4 KiB. */
			cls = x < 30 ? 0 : x < big ? 1 : 2;
			size = cls_size(cls);
			len = size * (1 + prandom_u32_state(&rnd) %
				      (cls == 0 ? 64 : cls == 1 ? 8 : 1));
			iova = base + (prandom_u32_state(&rnd) %
				       ((WINDOW - len) / size + 1)) * size;
			phys = (prandom_u32_state(&rnd) %
				(BIT_ULL(t->aw - 1) / size)) * size;
			if (cls && prandom_u32_state(&rnd) % 5 == 0)
				phys += SZ_4K * (1 + prandom_u32_state(&rnd) %
						 511);
			size = pick_pgsize(t, iova, phys, size);
			want = pgt_model_overlaps(&m, iova, len) ? -EEXIST : 0;
			ret = tpt_map(t, iova, phys, size, len / size,
				      IOMMU_READ | IOMMU_WRITE);
			KUNIT_ASSERT_EQ_MSG(test, (s64)ret, (s64)want,
					    "step %u map %llx+%llx pgsize %llx",
					    step, iova, len, size);
			n_maps++;
			if (ret) {
				n_exist++;
			} else {
				pgt_model_add(&m, iova, phys, size, len / size);
				e = t_lookup(t, iova, &level);
				KUNIT_ASSERT_NOT_NULL(test, e);
				KUNIT_EXPECT_EQ(test, lvl_lo[level],
						(unsigned int)ilog2(size));
				KUNIT_EXPECT_EQ(test, t_addr(*e, t->aw), phys);
				KUNIT_EXPECT_EQ(test, !!(*e & E_PS),
						size > SZ_4K);
				n_2m += size == SZ_2M;
				n_1g += size == SZ_1G;
			}
		} else {
			/* From a leaf (maybe inside it) or anywhere. */
			iova = base + (prandom_u32_state(&rnd) %
				       (WINDOW / SZ_4K)) * SZ_4K;
			idx = iova >> 12;
			v = xa_find(&m.leaves, &idx, (base + WINDOW - 1) >> 12,
				    XA_PRESENT);
			if (v && x < 90) {
				iova = (u64)idx << 12;
				if (x < 70)
					iova += (prandom_u32_state(&rnd) %
						 (pgt_model_entry_size(v) /
						  SZ_4K)) * SZ_4K;
			}
			size = pick_pgsize(t, iova, 0, prandom_u32_state(&rnd) %
					   2 ? SZ_4K : SZ_1G);
			len = size * (1 + prandom_u32_state(&rnd) % 8);
			if (iova + len > base + WINDOW)
				len = size;
			want = pgt_model_unmap(&m, iova, len, &lo, &hi);
			got = tpt_unmap(t, iova, size, len / size, range, NULL);
			KUNIT_ASSERT_EQ_MSG(test, got, want,
					    "step %u unmap %llx+%llx pgsize %llx",
					    step, iova, len, size);
			if (want) {
				KUNIT_EXPECT_LE(test, (u64)range[0], lo);
				KUNIT_EXPECT_GE(test, (u64)range[1], hi);
			}
			n_unmaps++;
		}

		/* Samples: around the request, and anywhere. */
		for (i = 0; i < 8; i++) {
			s = i < 4 ? iova + (prandom_u32_state(&rnd) % (len + SZ_4K)) :
				    base + prandom_u32_state(&rnd) *
				    (WINDOW >> 32);
			s += prandom_u32_state(&rnd) & 0xff8;
			p = vtd_pgtable_iova_to_phys(&t->pt, s);
			KUNIT_ASSERT_EQ_MSG(test, p, pgt_model_phys(&m, s),
					    "step %u iova %llx", step, s);
		}
	}

	/* Leaf for leaf, what the tables hold is what the model says. */
	w.leaf = model_check_leaf;
	w.priv = &m;
	twalk(t, &w);
	KUNIT_EXPECT_EQ(test, w.bad, 0UL);
	KUNIT_EXPECT_EQ(test, w.empty, 0UL);
	KUNIT_EXPECT_EQ(test, (int)w.tables, tpt_live(t));
	kunit_info(test, "%lu maps (%lu -EEXIST, %lu of 2M pages, %lu of 1G), %lu unmaps; %lu leaves (%lu 2M, %lu 1G) in %lu table pages at the end\n",
		   n_maps, n_exist, n_2m, n_1g, n_unmaps, twalk_leaves(&w),
		   w.leaves[2], w.leaves[3], w.tables);
	/* Superpages wherever the alignment allows them, else none. */
	if (param->superpages & VTD_PGTABLE_SP_2M)
		KUNIT_EXPECT_GT(test, n_2m, 0UL);
	if (param->superpages & VTD_PGTABLE_SP_1G)
		KUNIT_EXPECT_GT(test, n_1g, 0UL);
	if (!param->superpages)
		KUNIT_EXPECT_EQ(test, w.leaves[2] + w.leaves[3], 0UL);

	/* Unmap it all: only the root stays, then nothing. */
	idx = 0;
	xa_for_each(&m.leaves, idx, v)
		KUNIT_EXPECT_EQ(test, tpt_unmap(t, (u64)idx << 12, SZ_4K, 1,
						NULL, NULL),
				pgt_model_entry_size(v));
	pgt_model_destroy(&m);
	memset(&w, 0, sizeof(w));
	twalk(t, &w);
	KUNIT_EXPECT_EQ(test, w.tables, 1UL);
	KUNIT_EXPECT_EQ(test, tpt_live(t), 1);
	vtd_pgtable_destroy(&t->pt);
	tpt_expect_freed(t);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->bad_flushes), 0);
}

static struct kunit_case vtd_pgtable_test_cases[] = {
	KUNIT_CASE(vtd_pgtable_init_sets_sizes),
	KUNIT_CASE(vtd_pgtable_leaf_entry_format),
	KUNIT_CASE(vtd_pgtable_snoop_sets_snp),
	KUNIT_CASE(vtd_pgtable_superpage_entries),
	KUNIT_CASE(vtd_pgtable_map_refuses_bad_requests),
	KUNIT_CASE(vtd_pgtable_map_refuses_mapped_ranges),
	KUNIT_CASE(vtd_pgtable_unmap_removes_whole_leaves),
	KUNIT_CASE(vtd_pgtable_unmap_stops_at_a_hole),
	KUNIT_CASE(vtd_pgtable_frees_empty_tables),
	KUNIT_CASE(vtd_pgtable_pages_per_gib),
	KUNIT_CASE(vtd_pgtable_flushes_what_it_writes),
	KUNIT_CASE(vtd_pgtable_works_without_ops),
	KUNIT_CASE(vtd_pgtable_keeps_tables),
	KUNIT_CASE_PARAM(vtd_pgtable_random_against_model, rand_gen_params),
	{}
};

static struct kunit_suite vtd_pgtable_test_suite = {
	.name = "iommu_vtd_pgtable",
	.test_cases = vtd_pgtable_test_cases,
};

kunit_test_suite(vtd_pgtable_test_suite);

/* --- Allocation failures ------------------------------------------------- */

static void vtd_pgtable_init_survives_allocation_failure(struct kunit *test)
{
	struct tpt *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->pt.ops = &tpt_ops;
	t->fail_at = 1;
	KUNIT_EXPECT_EQ(test, vtd_pgtable_init(&t->pt, 3, 0, GFP_KERNEL),
			-ENOMEM);
	KUNIT_EXPECT_NULL(test, t->pt.root);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->allocs), 0);
}

/*
 * A map that needs four new table pages, across a boundary of the root's
 * entries, beside two mappings made before.  Each of its allocations fails
 * once; after each failure the tables are as they were and every page the
 * failed map took is back.
 */
static void vtd_pgtable_map_survives_allocation_failures(struct kunit *test)
{
	const int rw = IOMMU_READ | IOMMU_WRITE;
	struct twalk before, after;
	unsigned int levels, k;
	u64 b, a1, a2, r, len;
	struct tpt *t;
	int ret;

	for (levels = 3; levels <= 4; levels++) {
		t = tpt_new(test, levels, VTD_PGTABLE_SP_2M, false);
		b = levels == 3 ? SZ_1G : 512ULL * SZ_1G;
		a1 = b + SZ_1G + SZ_4K;
		a2 = b - SZ_4M;
		r = b - SZ_8K;
		len = SZ_2M + SZ_8K + SZ_16K;
		KUNIT_ASSERT_EQ(test, tpt_map(t, a1, 0x11000, SZ_4K, 1, rw), 0);
		KUNIT_ASSERT_EQ(test, tpt_map(t, a2, SZ_2M, SZ_2M, 1, rw), 0);

		for (k = 1; k < 100; k++) {
			memset(&before, 0, sizeof(before));
			twalk(t, &before);
			t->fail_at = atomic_read(&t->calls) + k;
			ret = tpt_map(t, r, SZ_4M, SZ_4K, len / SZ_4K, rw);
			t->fail_at = 0;
			if (!ret)
				break;
			KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
			memset(&after, 0, sizeof(after));
			twalk(t, &after);
			KUNIT_EXPECT_EQ(test, after.tables, before.tables);
			KUNIT_EXPECT_EQ(test, twalk_leaves(&after),
					twalk_leaves(&before));
			KUNIT_EXPECT_EQ(test, after.bad + after.empty, 0UL);
			KUNIT_EXPECT_EQ(test, tpt_live(t), (int)after.tables);
			KUNIT_EXPECT_EQ(test, vtd_pgtable_iova_to_phys(&t->pt,
								       a1),
					0x11000ULL);
			KUNIT_EXPECT_EQ(test, vtd_pgtable_iova_to_phys(&t->pt,
								       a2),
					(u64)SZ_2M);
			KUNIT_EXPECT_EQ(test, vtd_pgtable_iova_to_phys(&t->pt, r),
					0ULL);
			KUNIT_EXPECT_EQ(test, vtd_pgtable_iova_to_phys(&t->pt, b),
					0ULL);
			KUNIT_EXPECT_EQ(test,
					vtd_pgtable_iova_to_phys(&t->pt,
								 r + len - 1),
					0ULL);
		}
		/* Four allocations, each failed once, then the map made it. */
		KUNIT_EXPECT_EQ(test, k, 5U);
		KUNIT_EXPECT_EQ(test, ret, 0);
		KUNIT_EXPECT_EQ(test, vtd_pgtable_iova_to_phys(&t->pt, b + 8),
				(u64)SZ_4M + SZ_8K + 8);
		KUNIT_EXPECT_EQ(test, vtd_pgtable_iova_to_phys(&t->pt,
							       r + len - 1),
				(u64)SZ_4M + len - 1);
		memset(&after, 0, sizeof(after));
		twalk(t, &after);
		KUNIT_EXPECT_EQ(test, tpt_live(t), (int)after.tables);
		vtd_pgtable_destroy(&t->pt);
		tpt_expect_freed(t);
	}
}

static struct kunit_case vtd_pgtable_fault_test_cases[] = {
	KUNIT_CASE(vtd_pgtable_init_survives_allocation_failure),
	KUNIT_CASE(vtd_pgtable_map_survives_allocation_failures),
	{}
};

static struct kunit_suite vtd_pgtable_fault_test_suite = {
	.name = "iommu_vtd_pgtable_faults",
	.test_cases = vtd_pgtable_fault_test_cases,
};

kunit_test_suite(vtd_pgtable_fault_test_suite);

/* --- Concurrent users of disjoint ranges --------------------------------- */

#define STRESS_THREADS	4
#define STRESS_OPS	5000
#define STRESS_SLOTS	64	/* 4 KiB slots per thread, one per GiB */
#define STRESS_BLOCKS	16	/* 2 MiB blocks per thread, interleaved */

struct stress;

struct stress_thread {
	struct stress *s;
	unsigned int id;
	DECLARE_BITMAP(slots, STRESS_SLOTS);
	DECLARE_BITMAP(blocks, STRESS_BLOCKS);
	struct completion done;
	unsigned long errors;
	char first[128];
};

struct stress {
	struct tpt *t;
	u64 base4k, base2m;
	struct stress_thread th[STRESS_THREADS];
};

/*
 * Thread @id's slot @j: in GiB @j, two threads share a level 1 table and
 * all four the level 2 table, so that tables keep coming and going under
 * the threads while the others use them.
 */
static u64 stress_slot(struct stress *s, unsigned int id, unsigned int j)
{
	return s->base4k + (u64)j * SZ_1G + (id & 1) * SZ_2M +
	       (id >> 1) * SZ_4K;
}

static u64 stress_block(struct stress *s, unsigned int id, unsigned int j)
{
	return s->base2m + ((u64)j * STRESS_THREADS + id) * SZ_2M;
}

static void stress_fail(struct stress_thread *th, const char *what, u64 iova,
			u64 want, u64 got)
{
	if (!th->errors++)
		snprintf(th->first, sizeof(th->first),
			 "%s at %llx: want %llx, got %llx", what, iova, want,
			 got);
}

/* Map or unmap one page of ours, then look at it. */
static void stress_flip(struct stress_thread *th, unsigned long *bits,
			unsigned int j, u64 iova, u64 phys, size_t size,
			gfp_t gfp)
{
	struct tpt *t = th->s->t;
	size_t mapped = 0, n;
	int ret;

	if (test_bit(j, bits)) {
		n = tpt_unmap(t, iova, size, 1, NULL, NULL);
		if (n != size)
			stress_fail(th, "unmap", iova, size, n);
		clear_bit(j, bits);
	} else {
		ret = vtd_pgtable_map(&t->pt, iova, phys, size, 1,
				      IOMMU_READ | IOMMU_WRITE, gfp, &mapped);
		if (ret || mapped != size)
			stress_fail(th, "map", iova, 0, ret ? ret : mapped);
		set_bit(j, bits);
	}
	n = vtd_pgtable_iova_to_phys(&t->pt, iova + size - 8);
	if (n != (test_bit(j, bits) ? phys + size - 8 : 0))
		stress_fail(th, "translate", iova, phys, n);
}

static int stress_fn(void *data)
{
	struct stress_thread *th = data;
	struct stress *s = th->s;
	struct rnd_state rnd;
	unsigned int op, j;
	gfp_t gfp;

	prandom_seed_state(&rnd, RAND_SEED + th->id);
	for (op = 0; op < STRESS_OPS; op++) {
		gfp = op & 1 ? GFP_ATOMIC : GFP_KERNEL;
		if (prandom_u32_state(&rnd) % 8 == 0) {
			j = prandom_u32_state(&rnd) % STRESS_BLOCKS;
			stress_flip(th, th->blocks, j,
				    stress_block(s, th->id, j),
				    SZ_1G + (u64)(j * STRESS_THREADS + th->id) *
				    SZ_2M, SZ_2M, gfp);
		} else {
			j = prandom_u32_state(&rnd) % STRESS_SLOTS;
			stress_flip(th, th->slots, j, stress_slot(s, th->id, j),
				    (0x100000ULL + j * STRESS_THREADS + th->id) *
				    SZ_4K, SZ_4K, gfp);
		}
		if (op % 32 == 0)
			cond_resched();
	}
	complete(&th->done);
	return 0;
}

static void vtd_pgtable_concurrent_disjoint_ranges(struct kunit *test)
{
	struct stress *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	unsigned long n4k = 0, n2m = 0;
	struct task_struct *task;
	struct stress_thread *th;
	unsigned int i, j, started;
	struct twalk w = {};
	bool mapped;
	u64 iova;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->t = tpt_new(test, 4, VTD_PGTABLE_SP_2M, false);
	s->t->nap = true;
	/* The slots straddle a root entry boundary; the blocks share a table. */
	s->base4k = BIT_ULL(39) - STRESS_SLOTS / 2 * (u64)SZ_1G;
	s->base2m = BIT_ULL(39) + STRESS_SLOTS * (u64)SZ_1G;
	for (started = 0; started < STRESS_THREADS; started++) {
		th = &s->th[started];
		th->s = s;
		th->id = started;
		init_completion(&th->done);
		task = kthread_run(stress_fn, th, "vtd-pgtable/%u", started);
		if (IS_ERR(task))
			break;
	}
	for (i = 0; i < started; i++)
		wait_for_completion(&s->th[i].done);
	KUNIT_ASSERT_EQ(test, started, STRESS_THREADS);

	for (i = 0; i < STRESS_THREADS; i++) {
		th = &s->th[i];
		KUNIT_EXPECT_EQ_MSG(test, th->errors, 0UL, "thread %u: %s", i,
				    th->first);
		for (j = 0; j < STRESS_SLOTS; j++) {
			iova = stress_slot(s, i, j);
			mapped = test_bit(j, th->slots);
			KUNIT_EXPECT_EQ_MSG(test,
					    !!vtd_pgtable_iova_to_phys(&s->t->pt,
								       iova),
					    mapped, "thread %u slot %u", i, j);
		}
		n4k += bitmap_weight(th->slots, STRESS_SLOTS);
		n2m += bitmap_weight(th->blocks, STRESS_BLOCKS);
	}
	twalk(s->t, &w);
	KUNIT_EXPECT_EQ(test, w.leaves[1], n4k);
	KUNIT_EXPECT_EQ(test, w.leaves[2], n2m);
	KUNIT_EXPECT_EQ(test, w.bad + w.empty, 0UL);
	KUNIT_EXPECT_EQ(test, tpt_live(s->t), (int)w.tables);
	kunit_info(test, "%u threads x %u requests: %lu 4K and %lu 2M leaves in %lu table pages after\n",
		   STRESS_THREADS, STRESS_OPS, n4k, n2m, w.tables);

	for (i = 0; i < STRESS_THREADS; i++) {
		th = &s->th[i];
		for_each_set_bit(j, th->slots, STRESS_SLOTS)
			KUNIT_EXPECT_EQ(test, tpt_unmap(s->t,
							stress_slot(s, i, j),
							SZ_4K, 1, NULL, NULL),
					(size_t)SZ_4K);
		for_each_set_bit(j, th->blocks, STRESS_BLOCKS)
			KUNIT_EXPECT_EQ(test, tpt_unmap(s->t,
							stress_block(s, i, j),
							SZ_2M, 1, NULL, NULL),
					(size_t)SZ_2M);
	}
	KUNIT_EXPECT_EQ(test, tpt_live(s->t), 1);
	vtd_pgtable_destroy(&s->t->pt);
	tpt_expect_freed(s->t);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->t->bad_flushes), 0);
}

static struct kunit_case vtd_pgtable_stress_test_cases[] = {
	KUNIT_CASE_SLOW(vtd_pgtable_concurrent_disjoint_ranges),
	{}
};

static struct kunit_suite vtd_pgtable_stress_test_suite = {
	.name = "iommu_vtd_pgtable_stress",
	.test_cases = vtd_pgtable_stress_test_cases,
};

kunit_test_suite(vtd_pgtable_stress_test_suite);
