// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the AMD-Vi v1 I/O page table (amd-pgtable.c).
 *
 * The tables are read here by the bits the AMD IOMMU specification gives
 * ("I/O Page Tables for Host Translations"), never through the library or
 * the walker it shares with VT-d.  Random requests are checked against a
 * model that knows only which pages the requests asked for.  Every table
 * page comes from the allocation hook here, which tracks (and on request
 * fails) them, so leaks, early frees and stray pointers show.
 */

#include <kunit/test.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/sizes.h>
#include <linux/xarray.h>

#include "../amd-pgtable.h"
#include "iommu_pgtable_model.h"

/* Entry bits, from the specification (not from the library). */
#define A_P		BIT_ULL(0)
#define A_NL_SHIFT	9
#define A_NL		(7ULL << A_NL_SHIFT)
#define A_ADDR		GENMASK_ULL(51, 12)
#define A_FC		BIT_ULL(60)
#define A_IR		BIT_ULL(61)
#define A_IW		BIT_ULL(62)
#define A_RW		(A_IR | A_IW)

/* The lowest IOVA bit that indexes a table at @level (1 to 6). */
static unsigned int a_lo(unsigned int level)
{
	return 12 + 9 * (level - 1);
}

static unsigned int a_idx(u64 iova, unsigned int level)
{
	return (iova >> a_lo(level)) & 0x1ff;
}

static unsigned int a_nl(u64 e)
{
	return (e & A_NL) >> A_NL_SHIFT;
}

/* --- A table whose pages the test hands out ------------------------------ */

struct apt {
	struct amd_pgtable pt;
	struct kunit *test;
	unsigned int calls;	/* alloc_table calls, failed ones too */
	unsigned int fail_at;	/* fail this call (numbered from 1); 0: none */
	int live;		/* pages handed out and not given back */
	unsigned long flushed;	/* bytes given to flush_cache */
	unsigned int bad;	/* frees of pages not ours, odd flushes */
	struct xarray pages;	/* pfns of the pages handed out */
	bool corrupt;		/* an entry points to no page of ours */
};

static struct apt *to_apt(struct amd_pgtable *pt)
{
	return container_of(pt, struct apt, pt);
}

static struct page *apt_alloc(struct amd_pgtable *pt, gfp_t gfp)
{
	struct apt *a = to_apt(pt);
	struct page *page;

	if (++a->calls == a->fail_at)
		return NULL;
	page = alloc_page(gfp);
	if (!page)
		return NULL;
	if (xa_is_err(xa_store(&a->pages, page_to_pfn(page), xa_mk_value(1),
			       gfp & ~__GFP_ZERO))) {
		__free_page(page);
		return NULL;
	}
	a->live++;
	return page;
}

/* Take a page back from the table; false (and counted) if not ours. */
static bool apt_take_back(struct apt *a, struct page *page)
{
	if (!xa_erase(&a->pages, page_to_pfn(page))) {
		a->bad++;
		return false;
	}
	a->live--;
	return true;
}

static void apt_free(struct amd_pgtable *pt, struct page *page)
{
	if (apt_take_back(to_apt(pt), page))
		__free_page(page);
}

static void apt_flush(struct amd_pgtable *pt, void *addr, size_t size)
{
	struct apt *a = to_apt(pt);
	unsigned long p = (unsigned long)addr;

	a->flushed += size;
	if (!size || size % 8 || p % 8 ||
	    (p & PAGE_MASK) != ((p + size - 1) & PAGE_MASK))
		a->bad++;
}

static const struct amd_pgtable_ops apt_ops = {
	.flush_cache = apt_flush,
	.alloc_table = apt_alloc,
	.free_table = apt_free,
};

static void apt_release(void *data)
{
	struct apt *a = data;

	/* A corrupt table is not walked again: its pages stay. */
	if (!a->corrupt) {
		amd_pgtable_destroy(&a->pt);
		KUNIT_EXPECT_EQ(a->test, a->live, 0);
		KUNIT_EXPECT_TRUE(a->test, xa_empty(&a->pages));
	}
	KUNIT_EXPECT_EQ(a->test, a->bad, 0U);
	xa_destroy(&a->pages);
}

static struct apt *apt_new(struct kunit *test, unsigned int levels)
{
	struct apt *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, a);
	a->pt.ops = &apt_ops;
	a->test = test;
	xa_init(&a->pages);
	KUNIT_ASSERT_EQ(test, amd_pgtable_init(&a->pt, levels, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, apt_release, a),
			0);
	return a;
}

static int apt_map(struct apt *a, u64 iova, u64 phys, size_t pgsize,
		   size_t count, int prot)
{
	size_t mapped = 0;
	int ret;

	ret = amd_pgtable_map(&a->pt, iova, phys, pgsize, count, prot,
			      GFP_KERNEL, &mapped);
	if (mapped != (ret ? 0 : pgsize * count))
		return -EBADE;	/* a wrong *mapped fails the caller's check */
	return ret;
}

/*
 * Unmap as a domain would: collect, invalidate, free the gather.  Returns
 * the bytes unmapped; the gather's range goes to @range, the number of
 * table pages it freed to @pages.
 */
static size_t apt_unmap(struct apt *a, u64 iova, size_t pgsize, size_t count,
			unsigned long range[2], int *pages)
{
	struct iommu_iotlb_gather gather;
	struct page *page, *tmp;
	int listed = 0;
	size_t ret;

	iommu_iotlb_gather_init(&gather);
	ret = amd_pgtable_unmap(&a->pt, iova, pgsize, count, &gather);
	list_for_each_entry_safe(page, tmp, &gather.freelist, lru) {
		if (apt_take_back(a, page))
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
	if (amd_pgtable_free_gathered(&gather) != listed ||
	    !list_empty(&gather.freelist))
		a->bad++;
	return ret;
}

/* The table page entry @e points to, or NULL (and the table corrupt). */
static const u64 *a_table(struct apt *a, u64 e)
{
	u64 addr = e & A_ADDR;

	if (!xa_load(&a->pages, PHYS_PFN(addr))) {
		a->corrupt = true;
		return NULL;
	}
	return phys_to_virt(addr);
}

/* --- Reading the tables by the specification ----------------------------- */

struct awalk {
	struct apt *a;
	unsigned long tables;		/* the root included */
	unsigned long leaves[4];	/* by level: 4K, 2M, 1G */
	unsigned long empty;		/* tables but the root with no entry */
	unsigned long bad;		/* entries we never write */
	void (*leaf)(struct awalk *w, u64 iova, unsigned int level, u64 e);
	void *priv;
};

/* A leaf is P, IR and/or IW, FC, an aligned address, next level 0. */
static bool a_leaf_ok(u64 e, unsigned int level)
{
	return level <= 3 && (e & A_RW) && (e & A_FC) &&
	       !(e & ~(A_P | A_RW | A_FC | A_ADDR)) &&
	       !(e & A_ADDR & (BIT_ULL(a_lo(level)) - 1));
}

static void awalk_table(struct awalk *w, const u64 *table, unsigned int level,
			u64 base, bool root)
{
	unsigned int i, present = 0;
	const u64 *child;
	u64 e, iova;

	w->tables++;
	for (i = 0; i < 512; i++) {
		e = READ_ONCE(table[i]);
		iova = base | ((u64)i << a_lo(level));
		if (!(e & A_P)) {
			/* The library writes no non-zero absent entry. */
			if (e)
				w->bad++;
			continue;
		}
		present++;
		if (a_nl(e) == 0) {
			if (!a_leaf_ok(e, level))
				w->bad++;
			if (level <= 3)
				w->leaves[level]++;
			if (w->leaf)
				w->leaf(w, iova, level, e);
			continue;
		}
		/* A table: the next level down, IR and IW, nothing else. */
		if (a_nl(e) != level - 1 || (e & ~A_ADDR & ~A_NL) != (A_P | A_RW)) {
			w->bad++;
			continue;
		}
		child = a_table(w->a, e);
		if (!child)
			w->bad++;
		else
			awalk_table(w, child, level - 1, iova, false);
	}
	if (!root && !present)
		w->empty++;
}

static void awalk(struct apt *a, struct awalk *w)
{
	memset(w->leaves, 0, sizeof(w->leaves));
	w->a = a;
	w->tables = 0;
	w->empty = 0;
	w->bad = 0;
	awalk_table(w, a->pt.root, a->pt.levels, 0, true);
}

static unsigned long awalk_leaves(const struct awalk *w)
{
	return w->leaves[1] + w->leaves[2] + w->leaves[3];
}

/*
 * The entry the IOMMU would use for @iova, from the root down by each
 * entry's next-level field: NULL where it finds no present entry.
 * *@level is where it stopped.
 */
static const u64 *a_lookup(struct apt *a, u64 iova, unsigned int *level)
{
	const u64 *table = a->pt.root, *e;
	unsigned int l = a->pt.levels;

	for (;;) {
		e = &table[a_idx(iova, l)];
		*level = l;
		if (!(*e & A_P))
			return NULL;
		if (a_nl(*e) == 0)
			return e;
		if (a_nl(*e) >= l)
			return NULL;	/* not a walk the IOMMU would take */
		l = a_nl(*e);
		table = a_table(a, *e);
		if (!table)
			return NULL;
	}
}

/* --- Cases ----------------------------------------------------------------- */

static void amd_pgtable_init_takes_modes_3_to_6(struct kunit *test)
{
	static const unsigned int bits[] = { 39, 48, 57, 64 };
	struct amd_pgtable bad = {};
	unsigned int levels;
	struct apt *a;

	for (levels = 3; levels <= 6; levels++) {
		a = apt_new(test, levels);
		KUNIT_EXPECT_EQ(test, a->pt.levels, levels);
		KUNIT_EXPECT_EQ(test, a->pt.pgsizes,
				(unsigned long)(SZ_4K | SZ_2M | SZ_1G));
		KUNIT_EXPECT_EQ(test, amd_pgtable_iova_bits(&a->pt),
				bits[levels - 3]);
		KUNIT_EXPECT_EQ(test, a->live, 1);
		KUNIT_EXPECT_NULL(test, memchr_inv(a->pt.root, 0, PAGE_SIZE));
		/* The zeroed root went through the flush hook. */
		KUNIT_EXPECT_EQ(test, a->flushed, PAGE_SIZE);
	}
	KUNIT_EXPECT_EQ(test, amd_pgtable_init(&bad, 2, GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, amd_pgtable_init(&bad, 7, GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, amd_pgtable_init(&bad, 0, GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_NULL(test, bad.root);
}

/* An IOVA with a different index at every level, all nine bits used. */
static u64 a_spread_iova(unsigned int levels)
{
	static const u64 idx[] = { 0, 0x10b, 0x1c9, 0x1f7, 0x105, 0x0c3, 0x05 };
	unsigned int l;
	u64 iova = 0;

	for (l = 1; l <= levels; l++)
		iova |= idx[l] << a_lo(l);
	return iova;
}

/*
 * From the root down to the table at @leaf that holds @iova's entry: each
 * table has that one entry and nothing else, each entry above @leaf is a
 * table entry with the next level and IR|IW.  Returns the entry at @leaf.
 */
static u64 a_expect_chain(struct apt *a, u64 iova, unsigned int leaf)
{
	struct kunit *test = a->test;
	const u64 *table = a->pt.root;
	unsigned int l, i;
	u64 e, bits;

	for (l = a->pt.levels; ; l--) {
		for (i = 0; i < 512; i++)
			if (i != a_idx(iova, l) && table[i])
				KUNIT_FAIL(test, "level %u entry %u: %llx", l,
					   i, table[i]);
		e = table[a_idx(iova, l)];
		if (l == leaf)
			return e;
		bits = e & ~A_ADDR;
		KUNIT_EXPECT_EQ_MSG(test, bits,
				    A_P | A_RW | (u64)(l - 1) << A_NL_SHIFT,
				    "mode %u level %u", a->pt.levels, l);
		table = a_table(a, e);
		if (!table) {
			KUNIT_FAIL(test, "level %u: no table at %llx", l, e);
			return 0;
		}
	}
}

/*
 * A leaf of each size and permission and the tables above it, entry by
 * entry: the table entries carry the next level and IR|IW, the leaf P, its
 * permission, FC and next level 0; nothing else in any table is set.
 */
static void amd_pgtable_entry_format(struct kunit *test)
{
	static const struct { int prot; u64 bits; } perm[] = {
		{ IOMMU_READ | IOMMU_WRITE, A_IR | A_IW },
		{ IOMMU_READ, A_IR },
		{ IOMMU_WRITE, A_IW },
		{ IOMMU_READ | IOMMU_CACHE, A_IR },
	};
	unsigned int levels, leaf, p;
	u64 iova, phys, size;
	struct apt *a;

	for (levels = 3; levels <= 6; levels++) {
		for (leaf = 1; leaf <= 3; leaf++) {
			size = BIT_ULL(a_lo(leaf));
			iova = a_spread_iova(levels) & ~(size - 1);
			/* Address bit 51 and the lowest the size has set. */
			phys = BIT_ULL(51) | (0x1235ULL << a_lo(leaf));
			for (p = 0; p < ARRAY_SIZE(perm); p++) {
				a = apt_new(test, levels);
				KUNIT_ASSERT_EQ(test, apt_map(a, iova, phys,
							      size, 1,
							      perm[p].prot), 0);
				KUNIT_EXPECT_EQ_MSG(test,
						    a_expect_chain(a, iova, leaf),
						    phys | A_P | A_FC |
						    perm[p].bits,
						    "mode %u leaf level %u prot %d",
						    levels, leaf, perm[p].prot);
				KUNIT_EXPECT_EQ(test,
						amd_pgtable_iova_to_phys(&a->pt,
									 iova + size - 8),
						phys + size - 8);
				KUNIT_EXPECT_EQ(test, a->live,
						(int)(levels - leaf + 1));
			}
		}
	}
}

static void amd_pgtable_map_refuses_bad_requests(struct kunit *test)
{
	struct apt *a = apt_new(test, 3);
	const int rw = IOMMU_READ | IOMMU_WRITE;
	u64 top = BIT_ULL(39), ptop = BIT_ULL(52);

	KUNIT_EXPECT_EQ(test, apt_map(a, 0x1800, 0, SZ_4K, 1, rw), -EINVAL);
	KUNIT_EXPECT_EQ(test, apt_map(a, 0, 0x1800, SZ_4K, 1, rw), -EINVAL);
	KUNIT_EXPECT_EQ(test, apt_map(a, SZ_4K, 0, SZ_2M, 1, rw), -EINVAL);
	KUNIT_EXPECT_EQ(test, apt_map(a, SZ_2M, SZ_2M, SZ_1G, 1, rw), -EINVAL);
	KUNIT_EXPECT_EQ(test, apt_map(a, 0, 0, SZ_8K, 1, rw), -EINVAL);
	KUNIT_EXPECT_EQ(test, apt_map(a, 0, 0, SZ_4K, 0, rw), -EINVAL);
	KUNIT_EXPECT_EQ(test, apt_map(a, 0, 0, SZ_4K, 1, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, apt_map(a, 0, 0, SZ_4K, 1, IOMMU_CACHE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, apt_map(a, top, 0, SZ_4K, 1, rw), -EINVAL);
	KUNIT_EXPECT_EQ(test, apt_map(a, top - SZ_4K, 0, SZ_4K, 2, rw),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, apt_map(a, 0, ptop, SZ_4K, 1, rw), -EINVAL);
	KUNIT_EXPECT_EQ(test, apt_map(a, 0, ptop - SZ_4K, SZ_4K, 2, rw),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, apt_map(a, 0, 0, SZ_4K, SIZE_MAX / 2, rw),
			-EINVAL);
	KUNIT_EXPECT_NULL(test, memchr_inv(a->pt.root, 0, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, a->calls, 1U);

	/* The last page of the IOVA space, from the last of physical. */
	KUNIT_EXPECT_EQ(test, apt_map(a, top - SZ_4K, ptop - SZ_4K, SZ_4K, 1,
				      rw), 0);
	KUNIT_EXPECT_EQ(test, amd_pgtable_iova_to_phys(&a->pt, top - 1),
			ptop - 1);
	KUNIT_EXPECT_EQ(test, amd_pgtable_iova_to_phys(&a->pt, top), 0ULL);
}

/* Mode 6 translates every IOVA; the last page of all is a valid one. */
static void amd_pgtable_mode_6_covers_64_bits(struct kunit *test)
{
	struct apt *a = apt_new(test, 6);
	u64 last = U64_MAX & ~(u64)(SZ_4K - 1);
	unsigned int level;
	const u64 *e;

	KUNIT_ASSERT_EQ(test, apt_map(a, last, 0x42000, SZ_4K, 1,
				      IOMMU_READ), 0);
	e = a_lookup(a, last, &level);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, level, 1U);
	/* Level 6 indexes bits 63:57 only: entry 127 of the root. */
	KUNIT_EXPECT_NE(test, a->pt.root[127], 0ULL);
	KUNIT_EXPECT_EQ(test, amd_pgtable_iova_to_phys(&a->pt, U64_MAX),
			0x42fffULL);
	KUNIT_EXPECT_EQ(test, apt_map(a, last, 0, SZ_4K, 2, IOMMU_READ),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, apt_unmap(a, last, SZ_4K, 1, NULL, NULL),
			(size_t)SZ_4K);
	KUNIT_EXPECT_EQ(test, a->live, 1);
}

/* Nothing of an -EEXIST request is written, and no table page stays. */
static void amd_pgtable_map_refuses_mapped_ranges(struct kunit *test)
{
	struct apt *a = apt_new(test, 4);
	const int r = IOMMU_READ;
	struct awalk before = {}, after = {};
	u64 x = 3ULL * SZ_1G + 5 * SZ_2M + 4 * SZ_4K, y = 7ULL * SZ_1G;
	u64 g = 600ULL * SZ_1G;

	KUNIT_ASSERT_EQ(test, apt_map(a, x, 0x100000, SZ_4K, 4, r), 0);
	KUNIT_ASSERT_EQ(test, apt_map(a, y, SZ_1G, SZ_2M, 2, r), 0);
	KUNIT_ASSERT_EQ(test, apt_map(a, g, SZ_1G, SZ_1G, 1, r), 0);
	awalk(a, &before);

	KUNIT_EXPECT_EQ(test, apt_map(a, x + SZ_8K, 0, SZ_4K, 4, r), -EEXIST);
	KUNIT_EXPECT_EQ(test, apt_map(a, x - SZ_8K, 0, SZ_4K, 3, r), -EEXIST);
	KUNIT_EXPECT_EQ(test, apt_map(a, x & ~(u64)(SZ_2M - 1), 0, SZ_2M, 1,
				      r), -EEXIST);
	KUNIT_EXPECT_EQ(test, apt_map(a, 3ULL * SZ_1G, 0, SZ_1G, 1, r),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, apt_map(a, y + SZ_2M + SZ_4K, 0, SZ_4K, 1, r),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, apt_map(a, y - SZ_2M, 0, SZ_2M, 2, r), -EEXIST);
	KUNIT_EXPECT_EQ(test, apt_map(a, g + SZ_4M, 0, SZ_2M, 1, r), -EEXIST);
	KUNIT_EXPECT_EQ(test, apt_map(a, g - SZ_1G, 0, SZ_1G, 2, r), -EEXIST);
	/* A long request whose only clash is its very last page. */
	KUNIT_EXPECT_EQ(test, apt_map(a, x - 1024 * SZ_4K, 0, SZ_4K, 1025, r),
			-EEXIST);

	awalk(a, &after);
	KUNIT_EXPECT_EQ(test, after.tables, before.tables);
	KUNIT_EXPECT_EQ(test, awalk_leaves(&after), awalk_leaves(&before));
	KUNIT_EXPECT_EQ(test, after.bad + after.empty, 0UL);
	KUNIT_EXPECT_EQ(test, a->live, (int)after.tables);
	KUNIT_EXPECT_EQ(test, amd_pgtable_iova_to_phys(&a->pt, x + SZ_16K),
			0ULL);
	KUNIT_EXPECT_EQ(test, amd_pgtable_iova_to_phys(&a->pt, x + SZ_8K),
			0x102000ULL);
	KUNIT_EXPECT_EQ(test, amd_pgtable_iova_to_phys(&a->pt, g + SZ_4M + 1),
			(u64)SZ_1G + SZ_4M + 1);
}

static void amd_pgtable_unmap_removes_whole_leaves(struct kunit *test)
{
	struct apt *a = apt_new(test, 3);
	const int rw = IOMMU_READ | IOMMU_WRITE;
	u64 y = 9 * SZ_2M, g = 4ULL * SZ_1G;
	unsigned long range[2];

	KUNIT_ASSERT_EQ(test, apt_map(a, y, SZ_4M, SZ_2M, 1, rw), 0);
	KUNIT_EXPECT_EQ(test, apt_unmap(a, y + 3 * SZ_4K, SZ_4K, 1, range,
					NULL), (size_t)SZ_2M);
	KUNIT_EXPECT_EQ(test, amd_pgtable_iova_to_phys(&a->pt, y), 0ULL);
	KUNIT_EXPECT_LE(test, range[0], (unsigned long)y);
	KUNIT_EXPECT_GE(test, range[1], (unsigned long)(y + SZ_2M - 1));

	KUNIT_ASSERT_EQ(test, apt_map(a, g, SZ_1G, SZ_1G, 1, rw), 0);
	KUNIT_EXPECT_EQ(test, apt_unmap(a, g + SZ_4M, SZ_2M, 1, range, NULL),
			(size_t)SZ_1G);
	KUNIT_EXPECT_EQ(test, amd_pgtable_iova_to_phys(&a->pt, g), 0ULL);
	KUNIT_EXPECT_LE(test, range[0], (unsigned long)g);
	KUNIT_EXPECT_GE(test, range[1], (unsigned long)(g + SZ_1G - 1));

	KUNIT_EXPECT_EQ(test, apt_unmap(a, g, SZ_4K, 1, range, NULL), 0UL);
	KUNIT_EXPECT_EQ(test, range[0], ULONG_MAX);
	KUNIT_EXPECT_EQ(test, range[1], 0UL);
	KUNIT_EXPECT_EQ(test, apt_unmap(a, SZ_4K, SZ_2M, 1, range, NULL), 0UL);
	KUNIT_EXPECT_EQ(test, a->live, 1);
}

static void amd_pgtable_unmap_stops_at_a_hole(struct kunit *test)
{
	struct apt *a = apt_new(test, 3);
	const int r = IOMMU_READ;

	KUNIT_ASSERT_EQ(test, apt_map(a, 0, 0x40000, SZ_4K, 4, r), 0);
	KUNIT_ASSERT_EQ(test, apt_map(a, SZ_32K, 0x80000, SZ_4K, 4, r), 0);
	KUNIT_EXPECT_EQ(test, apt_unmap(a, 0, SZ_4K, 12, NULL, NULL),
			(size_t)SZ_16K);
	KUNIT_EXPECT_EQ(test, amd_pgtable_iova_to_phys(&a->pt, SZ_32K),
			0x80000ULL);
	KUNIT_EXPECT_EQ(test, apt_unmap(a, SZ_16K, SZ_4K, 8, NULL, NULL), 0UL);

	/* Leaves of two sizes in one request, then the hole after them. */
	KUNIT_ASSERT_EQ(test, apt_map(a, SZ_2M, SZ_2M, SZ_2M, 1, r), 0);
	KUNIT_ASSERT_EQ(test, apt_map(a, SZ_4M, 0x9000, SZ_4K, 2, r), 0);
	KUNIT_EXPECT_EQ(test, apt_unmap(a, SZ_2M, SZ_4K, 1024, NULL, NULL),
			(size_t)SZ_2M + SZ_8K);
	KUNIT_EXPECT_EQ(test, apt_unmap(a, SZ_32K, SZ_4K, 4, NULL, NULL),
			(size_t)SZ_16K);
	KUNIT_EXPECT_EQ(test, a->live, 1);
}

/* Emptied tables wait on the gather, never freed by the table itself. */
static void amd_pgtable_frees_empty_tables(struct kunit *test)
{
	/* In mode 5: one chain each, sharing what they can. */
	static const u64 iova[] = { 0, SZ_2M, SZ_1G, 512ULL * SZ_1G,
				    BIT_ULL(48) };
	struct apt *a = apt_new(test, 5);
	unsigned long range[2];
	struct awalk w = {};
	unsigned int i;
	int pages;

	for (i = 0; i < ARRAY_SIZE(iova); i++)
		KUNIT_ASSERT_EQ(test, apt_map(a, iova[i], SZ_4K * (i + 1),
					      SZ_4K, 1, IOMMU_WRITE), 0);
	/* root + 2 level 4 + 3 level 3 + 4 level 2 + 5 level 1 */
	awalk(a, &w);
	KUNIT_EXPECT_EQ(test, w.tables, 15UL);
	KUNIT_EXPECT_EQ(test, a->live, 15);

	KUNIT_EXPECT_EQ(test, apt_unmap(a, SZ_2M, SZ_4K, 1, range, &pages),
			(size_t)SZ_4K);
	KUNIT_EXPECT_EQ(test, pages, 1);
	KUNIT_EXPECT_LE(test, range[0], (unsigned long)SZ_2M);
	KUNIT_EXPECT_GE(test, range[1], (unsigned long)SZ_4M - 1);
	awalk(a, &w);
	KUNIT_EXPECT_EQ(test, w.tables, 14UL);
	KUNIT_EXPECT_EQ(test, w.empty, 0UL);

	KUNIT_EXPECT_EQ(test, apt_unmap(a, BIT_ULL(48), SZ_4K, 1, NULL,
					&pages), (size_t)SZ_4K);
	KUNIT_EXPECT_EQ(test, pages, 4);
	KUNIT_EXPECT_EQ(test, apt_unmap(a, 512ULL * SZ_1G, SZ_4K, 1, NULL,
					&pages), (size_t)SZ_4K);
	KUNIT_EXPECT_EQ(test, pages, 3);
	KUNIT_EXPECT_EQ(test, apt_unmap(a, 0, SZ_4K, 1, NULL, &pages),
			(size_t)SZ_4K);
	KUNIT_EXPECT_EQ(test, pages, 2);
	/* 1G takes the rest below root[0], its level 4 table too. */
	KUNIT_EXPECT_EQ(test, apt_unmap(a, SZ_1G, SZ_4K, 1, NULL, &pages),
			(size_t)SZ_4K);
	KUNIT_EXPECT_EQ(test, pages, 4);
	awalk(a, &w);
	KUNIT_EXPECT_EQ(test, w.tables, 1UL);
	KUNIT_EXPECT_EQ(test, a->live, 1);
	KUNIT_EXPECT_NULL(test, memchr_inv(a->pt.root, 0, PAGE_SIZE));
}

/* Every entry written reaches the flush hook when there is one. */
static void amd_pgtable_flushes_through_the_hook(struct kunit *test)
{
	struct apt *a = apt_new(test, 3);

	a->flushed = 0;
	/* Two new tables whole, their two links, one leaf. */
	KUNIT_ASSERT_EQ(test, apt_map(a, 0, 0x5000, SZ_4K, 1, IOMMU_READ), 0);
	KUNIT_EXPECT_EQ(test, a->flushed, 2 * PAGE_SIZE + 3 * 8);
	a->flushed = 0;
	KUNIT_ASSERT_EQ(test, apt_map(a, SZ_4K, 0x6000, SZ_4K, 100,
				      IOMMU_READ), 0);
	KUNIT_EXPECT_EQ(test, a->flushed, 800UL);
	a->flushed = 0;
	/* 101 leaves, then the two links of the tables they empty. */
	KUNIT_EXPECT_EQ(test, apt_unmap(a, 0, SZ_4K, 101, NULL, NULL),
			(size_t)101 * SZ_4K);
	KUNIT_EXPECT_EQ(test, a->flushed, 808UL + 2 * 8);
}

static void amd_pgtable_works_without_ops(struct kunit *test)
{
	struct iommu_iotlb_gather gather;
	struct amd_pgtable pt = {};
	size_t mapped = 0;

	KUNIT_ASSERT_EQ(test, amd_pgtable_init(&pt, 4, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, amd_pgtable_map(&pt, SZ_1G, 0x3000, SZ_4K, 2,
					      IOMMU_READ, GFP_ATOMIC, &mapped),
			0);
	KUNIT_EXPECT_EQ(test, mapped, (size_t)SZ_8K);
	KUNIT_EXPECT_EQ(test, amd_pgtable_iova_to_phys(&pt, SZ_1G + SZ_4K + 8),
			0x4008ULL);
	iommu_iotlb_gather_init(&gather);
	KUNIT_EXPECT_EQ(test, amd_pgtable_unmap(&pt, SZ_1G, SZ_4K, 2, &gather),
			(size_t)SZ_8K);
	KUNIT_EXPECT_EQ(test, amd_pgtable_free_gathered(&gather), 3UL);
	amd_pgtable_destroy(&pt);
	KUNIT_EXPECT_NULL(test, pt.root);
}

/* --- Random requests against a model -------------------------------------- */

#define RAND_STEPS	2000
#define RAND_SEED	0x616d6476ULL	/* fixed; printed with the mode */
#define WINDOW		(8ULL * SZ_1G)

static u64 ord_size(unsigned int ord)
{
	return SZ_4K << (9 * ord);
}

/* What the final walk found that the model does not have. */
struct amd_check {
	struct pgt_model *m;
	unsigned long wrong;
	u64 first_wrong;	/* the IOVA of the first */
};

static void amd_check_leaf(struct awalk *w, u64 iova, unsigned int level,
			   u64 e)
{
	struct amd_check *c = w->priv;
	u64 s, p, size = pgt_model_find(c->m, iova, &s, &p);

	/* Counted, not expected one by one: there may be 10^5 of them. */
	if (size != BIT_ULL(a_lo(level)) || s != iova ||
	    p != (e & A_ADDR) || (e & A_RW) != A_RW) {
		if (!c->wrong++)
			c->first_wrong = iova;
	}
}

/* Where each mode's window lies: across a boundary of its root's entries. */
struct rand_mode {
	unsigned int levels;
	u64 base;
};

static const struct rand_mode rand_modes[] = {
	{ 3, BIT_ULL(39) - WINDOW },
	{ 4, BIT_ULL(39) - WINDOW / 2 },
	{ 5, BIT_ULL(48) - WINDOW / 2 },
	{ 6, BIT_ULL(57) - WINDOW / 2 },
};

static void rand_mode_desc(const struct rand_mode *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "mode %u", p->levels);
}

KUNIT_ARRAY_PARAM(rand_mode, rand_modes, rand_mode_desc);

static u64 rnd64(struct rnd_state *rnd)
{
	return (u64)prandom_u32_state(rnd) << 32 | prandom_u32_state(rnd);
}

/* The largest page size @iova and @phys are aligned to, up to @max. */
static size_t a_pgsize(u64 iova, u64 phys, u64 max)
{
	size_t s;

	for (s = SZ_1G; s > SZ_4K; s >>= 9)
		if (s <= max && !((iova | phys) & (s - 1)))
			return s;
	return SZ_4K;
}

static void amd_pgtable_random_against_model(struct kunit *test)
{
	const struct rand_mode *param = test->param_value;
	struct apt *a = apt_new(test, param->levels);
	u64 seed = RAND_SEED + param->levels, base = param->base;
	unsigned long n_maps = 0, n_exist = 0, n_unmaps = 0, first;
	unsigned long n_2m = 0, n_1g = 0, n_model = 0;
	u64 iova, phys, len, size, got, want, s, x, win, lo, hi;
	struct amd_check c = {};
	unsigned long range[2];
	struct pgt_model m;
	unsigned int step, i, ord, level;
	struct rnd_state rnd;
	struct awalk w = {};
	const u64 *e;
	void *v;
	int ret;

	kunit_info(test, "seed %llu\n", seed);
	prandom_seed_state(&rnd, seed);
	pgt_model_init(&m, test);
	c.m = &m;

	for (step = 0; step < RAND_STEPS; step++) {
		x = prandom_u32_state(&rnd) % 100;
		if (x < 55) {
			/*
			 * Mostly 4 KiB runs; 2 MiB and 1 GiB pages too.  The
			 * window's top GiBs take only 1 GiB pages, so that
			 * some find room.
			 */
			ord = x < 30 ? 0 : x < 48 ? 1 : 2;
			size = ord_size(ord);
			len = size * (1 + prandom_u32_state(&rnd) %
				      (ord == 0 ? 64 : ord == 1 ? 8 : 1));
			win = ord == 2 ? WINDOW : WINDOW - 2ULL * SZ_1G;
			iova = base + (prandom_u32_state(&rnd) %
				       ((win - len) / size + 1)) * size;
			/* Below 1 << 51: room for len and a shift of 4K. */
			phys = rnd64(&rnd) & GENMASK_ULL(50, 0) & ~(size - 1);
			if (ord && prandom_u32_state(&rnd) % 5 == 0)
				phys += SZ_4K;	/* only 4 KiB pages fit */
			size = a_pgsize(iova, phys, size);
			want = pgt_model_overlaps(&m, iova, len) ? -EEXIST : 0;
			ret = apt_map(a, iova, phys, size, len / size,
				      IOMMU_READ | IOMMU_WRITE);
			KUNIT_ASSERT_EQ_MSG(test, (s64)ret, (s64)want,
					    "step %u map %llx+%llx pgsize %llx",
					    step, iova, len, size);
			n_maps++;
			if (ret) {
				n_exist++;
			} else {
				pgt_model_add(&m, iova, phys, size, len / size);
				e = a_lookup(a, iova, &level);
				KUNIT_ASSERT_NOT_NULL(test, e);
				KUNIT_EXPECT_EQ(test, BIT_ULL(a_lo(level)),
						size);
				KUNIT_EXPECT_EQ(test, *e & A_ADDR, phys);
				n_2m += size == SZ_2M;
				n_1g += size == SZ_1G;
			}
		} else {
			/* From a page (maybe inside it) or anywhere. */
			iova = base + (prandom_u32_state(&rnd) %
				       (WINDOW / SZ_4K)) * SZ_4K;
			first = iova >> 12;
			v = xa_find(&m.leaves, &first,
				    (base + WINDOW - 1) >> 12, XA_PRESENT);
			if (v && x < 90) {
				iova = (u64)first << 12;
				if (x < 70)
					iova += (prandom_u32_state(&rnd) %
						 (pgt_model_entry_size(v) /
						  SZ_4K)) * SZ_4K;
			}
			size = a_pgsize(iova, 0, prandom_u32_state(&rnd) % 2 ?
					SZ_4K : SZ_1G);
			len = size * (1 + prandom_u32_state(&rnd) % 8);
			if (iova + len > base + WINDOW)
				len = size;
			want = pgt_model_unmap(&m, iova, len, &lo, &hi);
			got = apt_unmap(a, iova, size, len / size, range, NULL);
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
			s = i < 4 ? iova + prandom_u32_state(&rnd) % (len + SZ_4K) :
				    base + prandom_u32_state(&rnd) *
				    (WINDOW >> 32);
			s += prandom_u32_state(&rnd) & 0xff8;
			KUNIT_ASSERT_EQ_MSG(test,
					    amd_pgtable_iova_to_phys(&a->pt, s),
					    pgt_model_phys(&m, s),
					    "step %u iova %llx", step, s);
		}
	}

	/* Page for page, the tables hold what the model says. */
	w.leaf = amd_check_leaf;
	w.priv = &c;
	awalk(a, &w);
	KUNIT_EXPECT_EQ_MSG(test, c.wrong, 0UL, "first at %llx", c.first_wrong);
	KUNIT_EXPECT_EQ(test, w.bad, 0UL);
	KUNIT_EXPECT_EQ(test, w.empty, 0UL);
	KUNIT_EXPECT_EQ(test, (int)w.tables, a->live);
	xa_for_each(&m.leaves, first, v)
		n_model++;
	KUNIT_EXPECT_EQ(test, awalk_leaves(&w), n_model);
	KUNIT_EXPECT_GT(test, n_2m, 0UL);
	KUNIT_EXPECT_GT(test, n_1g, 0UL);
	kunit_info(test, "%lu maps (%lu -EEXIST, %lu of 2M pages, %lu of 1G), %lu unmaps; %lu 4K, %lu 2M and %lu 1G pages in %lu table pages at the end\n",
		   n_maps, n_exist, n_2m, n_1g, n_unmaps, w.leaves[1],
		   w.leaves[2], w.leaves[3], w.tables);

	/* Unmap it all, page by page: only the root stays. */
	n_model = 0;
	xa_for_each(&m.leaves, first, v)
		if (apt_unmap(a, (u64)first << 12, SZ_4K, 1, NULL, NULL) !=
		    pgt_model_entry_size(v))
			n_model++;
	KUNIT_EXPECT_EQ(test, n_model, 0UL);
	pgt_model_destroy(&m);
	awalk(a, &w);
	KUNIT_EXPECT_EQ(test, w.tables, 1UL);
	KUNIT_EXPECT_EQ(test, a->live, 1);
}

static struct kunit_case amd_pgtable_test_cases[] = {
	KUNIT_CASE(amd_pgtable_init_takes_modes_3_to_6),
	KUNIT_CASE(amd_pgtable_entry_format),
	KUNIT_CASE(amd_pgtable_map_refuses_bad_requests),
	KUNIT_CASE(amd_pgtable_mode_6_covers_64_bits),
	KUNIT_CASE(amd_pgtable_map_refuses_mapped_ranges),
	KUNIT_CASE(amd_pgtable_unmap_removes_whole_leaves),
	KUNIT_CASE(amd_pgtable_unmap_stops_at_a_hole),
	KUNIT_CASE(amd_pgtable_frees_empty_tables),
	KUNIT_CASE(amd_pgtable_flushes_through_the_hook),
	KUNIT_CASE(amd_pgtable_works_without_ops),
	KUNIT_CASE_PARAM(amd_pgtable_random_against_model, rand_mode_gen_params),
	{}
};

static struct kunit_suite amd_pgtable_test_suite = {
	.name = "iommu_amd_pgtable",
	.test_cases = amd_pgtable_test_cases,
};

kunit_test_suite(amd_pgtable_test_suite);

/* --- Allocation failures ------------------------------------------------- */

static void amd_pgtable_init_survives_allocation_failure(struct kunit *test)
{
	struct apt *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, a);
	a->pt.ops = &apt_ops;
	a->fail_at = 1;
	xa_init(&a->pages);
	KUNIT_EXPECT_EQ(test, amd_pgtable_init(&a->pt, 3, GFP_KERNEL),
			-ENOMEM);
	KUNIT_EXPECT_NULL(test, a->pt.root);
	KUNIT_EXPECT_EQ(test, a->live, 0);
	amd_pgtable_destroy(&a->pt);
	xa_destroy(&a->pages);
}

/*
 * In every mode, a map that needs a new table at every level below the
 * root, beside mappings made before; each of its allocations fails once.
 * After each failure the tables are as they were and every page the failed
 * map took is back.
 */
static void amd_pgtable_map_survives_allocation_failures(struct kunit *test)
{
	const int rw = IOMMU_READ | IOMMU_WRITE;
	struct awalk before = {}, after = {};
	unsigned int levels, k;
	u64 b, r, len;
	struct apt *a;
	int ret;

	for (levels = 3; levels <= 6; levels++) {
		a = apt_new(test, levels);
		/* The boundary of two root entries, and pages on each side. */
		b = BIT_ULL(a_lo(levels));
		r = b - SZ_8K;
		len = SZ_2M + SZ_8K + SZ_16K;
		KUNIT_ASSERT_EQ(test, apt_map(a, b + SZ_1G + SZ_4K, 0x11000,
					      SZ_4K, 1, rw), 0);
		KUNIT_ASSERT_EQ(test, apt_map(a, b - SZ_4M, SZ_2M, SZ_2M, 1,
					      rw), 0);

		for (k = 1; k < 100; k++) {
			awalk(a, &before);
			a->fail_at = a->calls + k;
			ret = apt_map(a, r, SZ_4M, SZ_4K, len / SZ_4K, rw);
			a->fail_at = 0;
			if (!ret)
				break;
			KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
			awalk(a, &after);
			KUNIT_EXPECT_EQ(test, after.tables, before.tables);
			KUNIT_EXPECT_EQ(test, awalk_leaves(&after),
					awalk_leaves(&before));
			KUNIT_EXPECT_EQ(test, after.bad + after.empty, 0UL);
			KUNIT_EXPECT_EQ(test, a->live, (int)after.tables);
			KUNIT_EXPECT_EQ(test,
					amd_pgtable_iova_to_phys(&a->pt, r), 0ULL);
			KUNIT_EXPECT_EQ(test,
					amd_pgtable_iova_to_phys(&a->pt, b), 0ULL);
		}
		/*
		 * Four allocations, each failed once: a level 1 table below
		 * the first root entry, a level 2 and two level 1 tables
		 * below the second.
		 */
		KUNIT_EXPECT_EQ_MSG(test, k, 5U, "mode %u", levels);
		KUNIT_EXPECT_EQ(test, ret, 0);
		KUNIT_EXPECT_EQ(test, amd_pgtable_iova_to_phys(&a->pt, b + 8),
				(u64)SZ_4M + SZ_8K + 8);
		KUNIT_EXPECT_EQ(test, amd_pgtable_iova_to_phys(&a->pt,
							       r + len - 1),
				(u64)SZ_4M + len - 1);
		awalk(a, &after);
		KUNIT_EXPECT_EQ(test, a->live, (int)after.tables);
	}
}

static struct kunit_case amd_pgtable_fault_test_cases[] = {
	KUNIT_CASE(amd_pgtable_init_survives_allocation_failure),
	KUNIT_CASE(amd_pgtable_map_survives_allocation_failures),
	{}
};

static struct kunit_suite amd_pgtable_fault_test_suite = {
	.name = "iommu_amd_pgtable_faults",
	.test_cases = amd_pgtable_fault_test_cases,
};

kunit_test_suite(amd_pgtable_fault_test_suite);
