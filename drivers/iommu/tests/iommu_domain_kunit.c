// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for IOMMU domains, per-group attach and DMA ownership.
 *
 * Devices on the test bus of a mock paging IOMMU driver (iommu_domain_mock.c)
 * reach the real core through its bus notifier, and drivers bound to them
 * are counted as the PCI bus counts them.  The mock refuses and reports
 * every request the core must never make, records where each device is
 * attached, and counts its domains, so that a leak fails the test that
 * made it.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/gfp.h>
#include <linux/iommu.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "../iommu-priv.h"
#include "iommu_domain_mock.h"
#include "iommu_kunit_helpers.h"

#define SEED	0x5eed10e2ULL

/* --- Groups, claims and attachments for the length of a test ----------- */

static void group_put_action(void *group)
{
	iommu_group_put(group);
}

/* @dev's group, referenced until the test ends. */
static struct iommu_group *group_of(struct kunit *test, struct dmock_dev *mdev)
{
	struct iommu_group *group = iommu_group_get(&mdev->dev);

	KUNIT_ASSERT_NOT_NULL(test, group);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, group_put_action,
							group), 0);
	return group;
}

static void release_action(void *group)
{
	iommu_group_release_dma_owner(group);
}

/* Claim @group for the rest of the test. */
static void claim(struct kunit *test, struct iommu_group *group, void *owner)
{
	KUNIT_ASSERT_EQ(test, iommu_group_claim_dma_owner(group, owner), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, release_action,
							group), 0);
}

static void unclaim(struct kunit *test, struct iommu_group *group)
{
	kunit_release_action(test, release_action, group);
}

static void domain_free_action(void *domain)
{
	iommu_domain_free(domain);
}

/* A user's paging domain for @dev's driver, freed when the test ends. */
static struct iommu_domain *user_domain(struct kunit *test,
					struct dmock_dev *mdev)
{
	struct iommu_domain *domain = iommu_paging_domain_alloc(&mdev->dev);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, domain);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							domain_free_action,
							domain), 0);
	KUNIT_ASSERT_TRUE(test, dmock_is_paging(domain));
	return domain;
}

struct attach_ref {
	struct iommu_domain *domain;
	struct iommu_group *group;
};

static void detach_action(void *data)
{
	struct attach_ref *ref = data;

	iommu_detach_group(ref->domain, ref->group);
}

/* Attach @domain to the owned @group until the test ends (or undo). */
static void attach(struct kunit *test, struct iommu_domain *domain,
		   struct iommu_group *group)
{
	struct attach_ref *ref = kunit_kzalloc(test, sizeof(*ref), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ref);
	ref->domain = domain;
	ref->group = group;
	KUNIT_ASSERT_EQ(test, iommu_attach_group(domain, group), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, detach_action,
							ref), 0);
}

/* --- Map and unmap ------------------------------------------------------ */

/* A paging domain of a device of the mock driver, for the map tests. */
static struct dmock_domain *map_setup(struct kunit *test)
{
	struct dmock_dev *mdev;

	dmock_bus_take(test, &dmock_ops);
	mdev = dmock_dev_add(test, "map0", 0);
	return to_mock_domain(user_domain(test, mdev));
}

/* Whether nothing is mapped anywhere in [@iova, @iova + @size). */
static bool range_empty(struct iommu_domain *domain, unsigned long iova,
			size_t size)
{
	unsigned long a;

	for (a = iova; a < iova + size; a += SZ_4K)
		if (iommu_iova_to_phys(domain, a))
			return false;
	return true;
}

/*
 * The reference model of the random test: one physical address per 4 KiB
 * IOVA slot of a 64 MiB window, 0 where nothing is mapped, and the ranges
 * mapped so far.  It knows nothing of page sizes.
 */
#define MODEL_SLOTS	(SZ_64M / SZ_4K)
#define MODEL_RANGES	24

struct model {
	phys_addr_t *slot;
	struct {
		unsigned long iova;
		size_t size;
	} live[MODEL_RANGES];
	int nr_live;
};

static bool model_free(struct model *m, unsigned long first, unsigned long n)
{
	unsigned long i;

	for (i = first; i < first + n; i++)
		if (m->slot[i])
			return false;
	return true;
}

/* Compare every slot of the window with the domain; fail on the first. */
static bool model_check(struct kunit *test, struct model *m,
			struct iommu_domain *domain, int step)
{
	unsigned long i, off, iova;
	phys_addr_t want, got;

	for (i = 0; i < MODEL_SLOTS; i++) {
		off = (i * 0x9e3) & (SZ_4K - 1);
		iova = i * SZ_4K + off;
		want = m->slot[i] ? m->slot[i] + off : 0;
		got = iommu_iova_to_phys(domain, iova);
		if (got != want) {
			KUNIT_FAIL(test, "step %d: iova 0x%lx maps to %pa, model says %pa",
				   step, iova, &got, &want);
			return false;
		}
	}
	return true;
}

static void kvfree_action(void *p)
{
	kvfree(p);
}

static void iommu_domain_map_matches_reference_model(struct kunit *test)
{
	struct dmock_domain *md = map_setup(test);
	struct iommu_domain *d = &md->domain;
	struct rnd_state rnd;
	struct model *m;
	unsigned long first, n, i;
	phys_addr_t phys;
	int step, k;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	m->slot = kvcalloc(MODEL_SLOTS, sizeof(*m->slot), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->slot);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kvfree_action,
							m->slot), 0);
	kunit_info(test, "seed 0x%llx", SEED);
	prandom_seed_state(&rnd, SEED);

	for (step = 0; step < 160; step++) {
		u32 r = prandom_u32_state(&rnd);

		if (m->nr_live < MODEL_RANGES && (!m->nr_live || (r & 1))) {
			/* Map 1 to 1024 pages where the model is free. */
			n = 1 + prandom_u32_state(&rnd) % 1024;
			first = prandom_u32_state(&rnd) % (MODEL_SLOTS - n + 1);
			if (r & 2)	/* often 2 MiB-aligned slots */
				first = ALIGN_DOWN(first, SZ_2M / SZ_4K);
			if (!model_free(m, first, n))
				continue;
			/* Half the time congruent mod 1 GiB: large pages. */
			if (r & 4)
				phys = SZ_1G + first * SZ_4K;
			else
				phys = SZ_1G + (prandom_u32_state(&rnd) %
						SZ_64K) * SZ_4K;
			KUNIT_ASSERT_EQ_MSG(test,
					    iommu_map(d, first * SZ_4K, phys,
						      n * SZ_4K,
						      IOMMU_READ, GFP_KERNEL),
					    0, "step %d: map", step);
			for (i = 0; i < n; i++)
				m->slot[first + i] = phys + i * SZ_4K;
			m->live[m->nr_live].iova = first * SZ_4K;
			m->live[m->nr_live++].size = n * SZ_4K;
		} else if (r & 8) {
			/* Unmap a range that was mapped as a whole. */
			k = prandom_u32_state(&rnd) % m->nr_live;
			first = m->live[k].iova / SZ_4K;
			n = m->live[k].size / SZ_4K;
			KUNIT_ASSERT_EQ_MSG(test,
					    iommu_unmap(d, m->live[k].iova,
							m->live[k].size),
					    m->live[k].size,
					    "step %d: unmap", step);
			for (i = 0; i < n; i++)
				m->slot[first + i] = 0;
			m->live[k] = m->live[--m->nr_live];
		} else {
			/* Unmap where the model has nothing: a no-op. */
			first = prandom_u32_state(&rnd) % MODEL_SLOTS;
			if (m->slot[first])
				continue;
			KUNIT_ASSERT_EQ_MSG(test,
					    iommu_unmap(d, first * SZ_4K,
							SZ_4K), 0,
					    "step %d: unmap of a hole", step);
		}
		if (!model_check(test, m, d, step))
			return;
	}
	while (m->nr_live) {
		m->nr_live--;
		KUNIT_EXPECT_EQ(test, iommu_unmap(d, m->live[m->nr_live].iova,
						  m->live[m->nr_live].size),
				m->live[m->nr_live].size);
	}
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 0);
}

static void iommu_domain_map_uses_largest_aligned_pages(struct kunit *test)
{
	struct dmock_domain *md = map_setup(test);
	struct iommu_domain *d = &md->domain;

	/* 4 MiB, both addresses 2 MiB-aligned: two 2 MiB leaves. */
	KUNIT_ASSERT_EQ(test, iommu_map(d, SZ_2M, SZ_2G, SZ_4M, IOMMU_READ,
					GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, md->made_2m, 2);
	KUNIT_EXPECT_EQ(test, md->made_4k, 0);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(d, SZ_4M + 0x123),
			SZ_2G + SZ_2M + 0x123);

	/* The same, physically off by 4 KiB: only 4 KiB leaves fit. */
	KUNIT_ASSERT_EQ(test, iommu_map(d, SZ_8M, SZ_2G + SZ_4K, SZ_4M,
					IOMMU_READ, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, md->made_2m, 2);
	KUNIT_EXPECT_EQ(test, md->made_4k, SZ_4M / SZ_4K);

	/* Unaligned head and tail around one 2 MiB page. */
	md->made_4k = 0;
	KUNIT_ASSERT_EQ(test, iommu_map(d, SZ_16M - SZ_8K, SZ_16M - SZ_8K,
					SZ_2M + SZ_16K, IOMMU_READ,
					GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, md->made_2m, 3);
	KUNIT_EXPECT_EQ(test, md->made_4k, 4);

	/* 1 GiB aligned both ways: one 1 GiB leaf. */
	KUNIT_ASSERT_EQ(test, iommu_map(d, SZ_1G, SZ_2G + SZ_1G, SZ_1G,
					IOMMU_WRITE, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, md->made_1g, 1);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(d, SZ_1G + SZ_512M),
			SZ_2G + SZ_1G + SZ_512M);

	KUNIT_EXPECT_EQ(test, iommu_unmap(d, SZ_1G, SZ_1G), SZ_1G);
	KUNIT_EXPECT_EQ(test, iommu_unmap(d, SZ_16M - SZ_8K, SZ_2M + SZ_16K),
			SZ_2M + SZ_16K);
	KUNIT_EXPECT_EQ(test, iommu_unmap(d, SZ_8M, SZ_4M), SZ_4M);
	KUNIT_EXPECT_EQ(test, iommu_unmap(d, SZ_2M, SZ_4M), SZ_4M);
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 0);
}

static void iommu_domain_unmap_inside_large_page_removes_it_whole(struct kunit *test)
{
	struct dmock_domain *md = map_setup(test);
	struct iommu_domain *d = &md->domain;

	KUNIT_ASSERT_EQ(test, iommu_map(d, SZ_2M, SZ_2G, SZ_2M, IOMMU_READ,
					GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, md->made_2m, 1);
	KUNIT_EXPECT_EQ(test, iommu_unmap(d, SZ_2M + SZ_8K, SZ_4K), SZ_2M);
	KUNIT_EXPECT_TRUE(test, range_empty(d, SZ_2M, SZ_2M));
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 0);
}

static void iommu_domain_unmap_of_nothing_changes_nothing(struct kunit *test)
{
	struct dmock_domain *md = map_setup(test);
	struct iommu_domain *d = &md->domain;

	KUNIT_ASSERT_EQ(test, iommu_map(d, SZ_8M, SZ_1G, SZ_8K, IOMMU_READ,
					GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, iommu_unmap(d, SZ_16M, SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, iommu_unmap(d, SZ_8M + SZ_8K, SZ_2M), 0);
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 2);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(d, SZ_8M + SZ_4K),
			SZ_1G + SZ_4K);
	KUNIT_EXPECT_EQ(test, iommu_unmap(d, SZ_8M, SZ_8K), SZ_8K);
}

static void iommu_domain_map_rejects_bad_ranges(struct kunit *test)
{
	static const struct {
		const char *what;
		unsigned long iova;
		phys_addr_t paddr;
		size_t size;
		bool unmap_too;	/* paddr plays no part in an unmap */
	} bad[] = {
		{ "unaligned iova", SZ_1M + 0x800, SZ_1M, SZ_4K, true },
		{ "unaligned paddr", SZ_1M, SZ_1M + 0x200, SZ_4K, false },
		{ "unaligned size", SZ_1M, SZ_1M, SZ_4K + 1, true },
		{ "empty", SZ_1M, SZ_1M, 0, true },
		{ "wrapping", ULONG_MAX - SZ_4K + 1, 0, SZ_8K, true },
		{ "past the aperture", DMOCK_APERTURE - SZ_4K, 0, SZ_8K, true },
		{ "beyond the aperture", DMOCK_APERTURE, 0, SZ_4K, true },
	};
	struct dmock_domain *md = map_setup(test);
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test,
				    iommu_map(&md->domain, bad[i].iova,
					      bad[i].paddr, bad[i].size,
					      IOMMU_READ, GFP_KERNEL),
				    -EINVAL, "map: %s", bad[i].what);
		if (bad[i].unmap_too)
			KUNIT_EXPECT_EQ_MSG(test,
					    iommu_unmap(&md->domain,
							bad[i].iova,
							bad[i].size),
					    0, "unmap: %s", bad[i].what);
	}
	KUNIT_EXPECT_EQ(test, md->map_calls, 0);
	KUNIT_EXPECT_EQ(test, md->unmap_calls, 0);
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 0);
}

static void free_pages_action(void *page)
{
	__free_pages(page, 2);
}

static void iommu_domain_map_sg_maps_each_entry(struct kunit *test)
{
	struct dmock_domain *md = map_setup(test);
	struct iommu_domain *d = &md->domain;
	struct scatterlist sg[3];
	struct page *pages;
	phys_addr_t pa[3];
	size_t len[3] = { SZ_4K, 2 * SZ_4K, SZ_4K };
	unsigned long iova = SZ_1M;
	int i;

	pages = alloc_pages(GFP_KERNEL, 2);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_pages_action,
							pages), 0);
	/* Out of order in memory, in order in IOVA space. */
	sg_init_table(sg, 3);
	sg_set_page(&sg[0], pages + 3, len[0], 0);
	sg_set_page(&sg[1], pages, len[1], 0);
	sg_set_page(&sg[2], pages + 2, len[2], 0);
	for (i = 0; i < 3; i++)
		pa[i] = sg_phys(&sg[i]);

	KUNIT_ASSERT_EQ(test, iommu_map_sg(d, iova, sg, 3, IOMMU_READ,
					   GFP_KERNEL), (ssize_t)SZ_16K);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(d, iova + 0x10),
				pa[i] + 0x10);
		KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(d, iova + len[i] - 1),
				pa[i] + len[i] - 1);
		iova += len[i];
	}
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(d, iova), 0);
	KUNIT_EXPECT_EQ(test, iommu_unmap(d, SZ_1M, SZ_16K), SZ_16K);

	/* The third entry's map fails: nothing of the list stays. */
	md->fail_map_call = md->map_calls + 3;
	KUNIT_EXPECT_EQ(test, iommu_map_sg(d, SZ_1M, sg, 3, IOMMU_READ,
					   GFP_KERNEL), -EIO);
	KUNIT_EXPECT_TRUE(test, range_empty(d, SZ_1M, SZ_16K));
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 0);
}

static void iommu_domain_unmap_fast_gathers_range_for_sync(struct kunit *test)
{
	struct dmock_domain *md = map_setup(test);
	struct iommu_domain *d = &md->domain;
	struct iommu_iotlb_gather gather;

	KUNIT_ASSERT_EQ(test, iommu_map(d, SZ_2M, SZ_2G, SZ_2M + SZ_64K,
					IOMMU_READ, GFP_KERNEL), 0);
	iommu_iotlb_gather_init(&gather);
	KUNIT_EXPECT_EQ(test, iommu_unmap_fast(d, SZ_4M, SZ_64K, &gather),
			SZ_64K);
	KUNIT_EXPECT_EQ(test, iommu_unmap_fast(d, SZ_2M, SZ_2M, &gather),
			SZ_2M);
	KUNIT_EXPECT_EQ(test, md->syncs, 0);
	iommu_iotlb_sync(d, &gather);
	KUNIT_EXPECT_EQ(test, md->syncs, 1);
	KUNIT_EXPECT_EQ(test, md->sync_start, SZ_2M);
	KUNIT_EXPECT_EQ(test, md->sync_end, SZ_4M + SZ_64K - 1);
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 0);

	/* iommu_unmap() flushes what it unmapped, before it returns. */
	KUNIT_ASSERT_EQ(test, iommu_map(d, SZ_8M, SZ_8M, SZ_8K, IOMMU_READ,
					GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, iommu_unmap(d, SZ_8M, SZ_8K), SZ_8K);
	KUNIT_EXPECT_EQ(test, md->syncs, 2);
	KUNIT_EXPECT_EQ(test, md->sync_start, SZ_8M);
	KUNIT_EXPECT_EQ(test, md->sync_end, SZ_8M + SZ_8K - 1);
}

static void iommu_domain_map_failure_midway_leaves_nothing(struct kunit *test)
{
	/* 4 KiB, 4 KiB, 2 MiB, 4 KiB, 4 KiB: five runs, 3 calls or more. */
	const unsigned long iova = SZ_4M - SZ_8K;
	const size_t size = SZ_2M + SZ_16K;
	struct dmock_domain *md = map_setup(test);
	unsigned int calls, fail;

	KUNIT_ASSERT_EQ(test, iommu_map(&md->domain, iova, iova, size,
					IOMMU_READ, GFP_KERNEL), 0);
	calls = md->map_calls;
	KUNIT_ASSERT_GE(test, calls, 3);
	KUNIT_ASSERT_EQ(test, iommu_unmap(&md->domain, iova, size), size);

	for (fail = 1; fail <= calls; fail++) {
		md->map_calls = 0;
		md->fail_map_call = fail;
		KUNIT_EXPECT_EQ_MSG(test,
				    iommu_map(&md->domain, iova, iova, size,
					      IOMMU_READ, GFP_KERNEL),
				    -EIO, "call %u failing", fail);
		KUNIT_EXPECT_EQ_MSG(test, md->nr_leaves, 0,
				    "call %u failing left leaves", fail);
		KUNIT_EXPECT_TRUE(test, range_empty(&md->domain, iova, size));
	}
}

static void iommu_domain_iova_to_phys_of_static_domains(struct kunit *test)
{
	struct dmock_dev *mdev;

	dmock_bus_take(test, &dmock_ops);
	mdev = dmock_dev_add(test, "static0", 0);
	KUNIT_ASSERT_PTR_EQ(test, iommu_get_domain_for_dev(&mdev->dev),
			    &dmock_identity);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(&dmock_identity, SZ_1M + 5),
			SZ_1M + 5);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(&dmock_blocked, SZ_1M), 0);
	KUNIT_EXPECT_EQ(test, iommu_map(&dmock_identity, SZ_1M, SZ_1M, SZ_4K,
					IOMMU_READ, GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_TRUE(test,
			  device_iommu_capable(&mdev->dev,
					       IOMMU_CAP_CACHE_COHERENCY));
	KUNIT_EXPECT_FALSE(test, device_iommu_capable(&mdev->dev,
						      IOMMU_CAP_NOEXEC));
}

static struct kunit_case iommu_domain_map_cases[] = {
	KUNIT_CASE(iommu_domain_map_matches_reference_model),
	KUNIT_CASE(iommu_domain_map_uses_largest_aligned_pages),
	KUNIT_CASE(iommu_domain_unmap_inside_large_page_removes_it_whole),
	KUNIT_CASE(iommu_domain_unmap_of_nothing_changes_nothing),
	KUNIT_CASE(iommu_domain_map_rejects_bad_ranges),
	KUNIT_CASE(iommu_domain_map_sg_maps_each_entry),
	KUNIT_CASE(iommu_domain_unmap_fast_gathers_range_for_sync),
	KUNIT_CASE(iommu_domain_map_failure_midway_leaves_nothing),
	KUNIT_CASE(iommu_domain_iova_to_phys_of_static_domains),
	{}
};

static struct kunit_suite iommu_domain_map_test_suite = {
	.name = "iommu_domain_map",
	.suite_init = dmock_suite_init,
	.suite_exit = dmock_suite_exit,
	.init = dmock_test_init,
	.test_cases = iommu_domain_map_cases,
};

/* --- Attach and detach of groups ---------------------------------------- */

#define NR_MEMBERS 3

/* A group of NR_MEMBERS devices of the driver @ops, key 1. */
static struct iommu_group *members_add(struct kunit *test,
				       const struct iommu_ops *ops,
				       struct dmock_dev **m)
{
	char name[16];
	int i;

	dmock_bus_take(test, ops);
	for (i = 0; i < NR_MEMBERS; i++) {
		snprintf(name, sizeof(name), "member%d", i);
		m[i] = dmock_dev_add(test, name, 1);
	}
	return group_of(test, m[0]);
}

/* Every member is attached to @domain, and the core says so. */
static void expect_all_in(struct kunit *test, struct dmock_dev **m, int n,
			  struct iommu_domain *domain, const char *when)
{
	int i;

	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_PTR_EQ_MSG(test, m[i]->domain, domain,
					"%s: member %d attached elsewhere",
					when, i);
		KUNIT_EXPECT_PTR_EQ_MSG(test,
					iommu_get_domain_for_dev(&m[i]->dev),
					domain, "%s: member %d", when, i);
	}
}

static void iommu_domain_claim_blocks_every_member(struct kunit *test)
{
	struct dmock_dev *m[NR_MEMBERS];
	struct iommu_group *group = members_add(test, &dmock_ops, m);

	expect_all_in(test, m, NR_MEMBERS, &dmock_identity, "before");
	claim(test, group, test);
	expect_all_in(test, m, NR_MEMBERS, &dmock_blocked, "claimed");
	unclaim(test, group);
	expect_all_in(test, m, NR_MEMBERS, &dmock_identity, "released");
}

static void iommu_domain_attach_group_attaches_every_member(struct kunit *test)
{
	struct dmock_dev *m[NR_MEMBERS];
	struct iommu_group *group = members_add(test, &dmock_ops, m);
	struct iommu_domain *user = user_domain(test, m[0]);

	claim(test, group, test);
	KUNIT_ASSERT_EQ(test, iommu_attach_group(user, group), 0);
	expect_all_in(test, m, NR_MEMBERS, user, "attached");
	iommu_detach_group(user, group);
	expect_all_in(test, m, NR_MEMBERS, &dmock_blocked, "detached");
	KUNIT_ASSERT_EQ(test, iommu_attach_group(user, group), 0);
	unclaim(test, group);	/* with the user's domain still attached */
	expect_all_in(test, m, NR_MEMBERS, &dmock_identity, "released");
}

static void iommu_domain_attach_failure_leaves_every_member(struct kunit *test)
{
	static const int fail_at[] = { 0, 1, NR_MEMBERS - 1 };
	struct dmock_dev *m[NR_MEMBERS];
	struct iommu_group *group = members_add(test, &dmock_ops, m);
	struct iommu_domain *user = user_domain(test, m[0]);
	char when[32];
	int i;

	claim(test, group, test);
	for (i = 0; i < ARRAY_SIZE(fail_at); i++) {
		snprintf(when, sizeof(when), "member %d failing", fail_at[i]);
		m[fail_at[i]]->fail_domain = user;
		KUNIT_EXPECT_EQ(test, iommu_attach_group(user, group), -EIO);
		m[fail_at[i]]->fail_domain = NULL;
		expect_all_in(test, m, NR_MEMBERS, &dmock_blocked, when);
	}

	/* A claim that cannot block a member leaves all in the default. */
	unclaim(test, group);
	for (i = 0; i < ARRAY_SIZE(fail_at); i++) {
		snprintf(when, sizeof(when), "claim, member %d failing",
			 fail_at[i]);
		m[fail_at[i]]->fail_domain = &dmock_blocked;
		KUNIT_EXPECT_EQ(test, iommu_group_claim_dma_owner(group, test),
				-EIO);
		m[fail_at[i]]->fail_domain = NULL;
		expect_all_in(test, m, NR_MEMBERS, &dmock_identity, when);
		KUNIT_EXPECT_FALSE(test, iommu_group_dma_owner_claimed(group));
	}
}

static void iommu_domain_attach_group_needs_owner(struct kunit *test)
{
	struct dmock_dev *m[NR_MEMBERS];
	struct iommu_group *group = members_add(test, &dmock_ops, m);
	struct iommu_domain *user = user_domain(test, m[0]);

	KUNIT_EXPECT_EQ(test, iommu_attach_group(user, group), -EPERM);
	expect_all_in(test, m, NR_MEMBERS, &dmock_identity, "refused");
}

static void iommu_domain_attach_group_refuses_other_driver(struct kunit *test)
{
	struct dmock_dev *m[NR_MEMBERS];
	struct iommu_group *group = members_add(test, &dmock_ops, m);
	struct iommu_domain *foreign;

	/* A paging domain as another driver's core would have set it up. */
	foreign = dmock_domain_alloc_paging(NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, foreign);
	foreign->type = IOMMU_DOMAIN_UNMANAGED;
	foreign->owner = &dmock_other_ops;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							domain_free_action,
							foreign), 0);
	claim(test, group, test);
	KUNIT_EXPECT_EQ(test, iommu_attach_group(foreign, group), -EINVAL);
	expect_all_in(test, m, NR_MEMBERS, &dmock_blocked, "refused");
}

static void iommu_domain_attach_group_refuses_second_domain(struct kunit *test)
{
	struct dmock_dev *m[NR_MEMBERS];
	struct iommu_group *group = members_add(test, &dmock_ops, m);
	struct iommu_domain *first = user_domain(test, m[0]);
	struct iommu_domain *second = user_domain(test, m[0]);

	claim(test, group, test);
	attach(test, first, group);
	KUNIT_EXPECT_EQ(test, iommu_attach_group(second, group), -EBUSY);
	expect_all_in(test, m, NR_MEMBERS, first, "refused");
}

static void iommu_domain_attach_device_only_for_singletons(struct kunit *test)
{
	struct dmock_dev *alone, *pair[2];
	struct iommu_domain *user;

	dmock_bus_take(test, &dmock_ops);
	alone = dmock_dev_add(test, "alone", 1);
	pair[0] = dmock_dev_add(test, "pair0", 2);
	pair[1] = dmock_dev_add(test, "pair1", 2);
	user = user_domain(test, alone);

	/* The device's own driver may do it, unclaimed. */
	KUNIT_ASSERT_EQ(test, iommu_attach_device(user, &alone->dev), 0);
	expect_all_in(test, &alone, 1, user, "attached");
	iommu_detach_device(user, &alone->dev);
	expect_all_in(test, &alone, 1, &dmock_identity, "detached");

	KUNIT_EXPECT_EQ(test, iommu_attach_device(user, &pair[0]->dev),
			-EINVAL);
	expect_all_in(test, pair, 2, &dmock_identity, "refused");
}

static void iommu_domain_joining_device_joins_current_domain(struct kunit *test)
{
	struct dmock_dev *m[NR_MEMBERS], *late, *later, *latest;
	struct iommu_group *group = members_add(test, &dmock_ops, m);
	struct iommu_domain *user = user_domain(test, m[0]);

	late = dmock_dev_add(test, "late", 1);
	KUNIT_EXPECT_PTR_EQ(test, late->domain, &dmock_identity);
	claim(test, group, test);
	later = dmock_dev_add(test, "later", 1);
	KUNIT_EXPECT_PTR_EQ(test, later->domain, &dmock_blocked);
	attach(test, user, group);
	latest = dmock_dev_add(test, "latest", 1);
	KUNIT_EXPECT_PTR_EQ(test, latest->domain, user);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(&latest->dev), user);
	KUNIT_EXPECT_PTR_EQ(test, later->domain, user);
	KUNIT_EXPECT_EQ(test, iommu_kunit_group_members(group), NR_MEMBERS + 3);
}

static void iommu_domain_leaving_device_is_blocked_first(struct kunit *test)
{
	struct dmock_dev *m[NR_MEMBERS];
	struct iommu_group *group = members_add(test, &dmock_ops, m);

	iommu_group_remove_device(&m[1]->dev);
	KUNIT_EXPECT_NULL(test, m[1]->dev.iommu_group);
	KUNIT_EXPECT_PTR_EQ(test, m[1]->domain, &dmock_blocked);
	KUNIT_EXPECT_TRUE_MSG(test, m[1]->in_group_at_attach,
			      "blocked only after it had left");
	KUNIT_EXPECT_NULL(test, iommu_get_domain_for_dev(&m[1]->dev));
	KUNIT_EXPECT_PTR_EQ(test, m[0]->domain, &dmock_identity);
	KUNIT_EXPECT_EQ(test, iommu_kunit_group_members(group), NR_MEMBERS - 1);
}

static void iommu_domain_fallback_blocked_is_empty_paging(struct kunit *test)
{
	struct dmock_dev *m[NR_MEMBERS];
	struct iommu_group *group = members_add(test, &dmock_noblock_ops, m);
	struct iommu_domain *blocked;

	expect_all_in(test, m, NR_MEMBERS, &dmock_identity_nb, "before");
	claim(test, group, test);
	blocked = m[0]->domain;
	KUNIT_ASSERT_TRUE(test, dmock_is_paging(blocked));
	KUNIT_EXPECT_EQ(test, blocked->type, IOMMU_DOMAIN_UNMANAGED);
	KUNIT_EXPECT_EQ(test, to_mock_domain(blocked)->nr_leaves, 0);
	KUNIT_EXPECT_EQ(test, to_mock_domain(blocked)->map_calls, 0);
	expect_all_in(test, m, NR_MEMBERS, blocked, "claimed");
}

static void iommu_domain_direct_regions_mapped_before_attach(struct kunit *test)
{
	struct dmock_dev *a, *b;
	struct iommu_domain *def;
	phys_addr_t addr;

	dmock.def_type = IOMMU_DOMAIN_DMA;
	dmock_bus_take(test, &dmock_ops);
	a = dmock_dev_new(test, "direct0", 1);
	a->direct[0].start = SZ_1M;
	a->direct[0].len = SZ_64K;
	a->direct[1].start = SZ_2G;
	a->direct[1].len = SZ_4K;
	iommu_kunit_device_add(test, &a->dev);
	/* b's region overlaps a's: the core maps only what is missing. */
	b = dmock_dev_new(test, "direct1", 1);
	b->direct[0].start = SZ_1M + SZ_32K;
	b->direct[0].len = SZ_64K;
	iommu_kunit_device_add(test, &b->dev);

	def = a->domain;
	KUNIT_ASSERT_TRUE(test, dmock_is_paging(def));
	KUNIT_EXPECT_EQ(test, def->type, IOMMU_DOMAIN_DMA);
	KUNIT_EXPECT_PTR_EQ(test, b->domain, def);
	KUNIT_EXPECT_TRUE(test, a->direct_at_attach);
	KUNIT_EXPECT_TRUE(test, b->direct_at_attach);
	for (addr = SZ_1M; addr < SZ_1M + SZ_32K + SZ_64K; addr += SZ_4K)
		KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(def, addr), addr);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(def, SZ_2G), SZ_2G);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(def, SZ_1M + SZ_128K), 0);
	KUNIT_EXPECT_EQ(test, to_mock_domain(def)->nr_leaves,
			(SZ_32K + SZ_64K) / SZ_4K + 1);
}

static void iommu_domain_direct_region_at_zero_is_mapped(struct kunit *test)
{
	struct dmock_dev *a, *b;
	struct iommu_domain *def;
	phys_addr_t addr;

	dmock.def_type = IOMMU_DOMAIN_DMA;
	dmock_bus_take(test, &dmock_ops);
	a = dmock_dev_new(test, "zero0", 1);
	a->direct[0].start = 0;
	a->direct[0].len = SZ_16K;
	iommu_kunit_device_add(test, &a->dev);
	/* A second member with the same region finds it mapped already. */
	b = dmock_dev_new(test, "zero1", 1);
	b->direct[0] = a->direct[0];
	iommu_kunit_device_add(test, &b->dev);

	def = a->domain;
	KUNIT_ASSERT_TRUE(test, dmock_is_paging(def));
	KUNIT_EXPECT_PTR_EQ(test, b->domain, def);
	/* Page 0 translates to 0 mapped or not: look at an offset in it. */
	for (addr = 0; addr < SZ_16K; addr += SZ_4K)
		KUNIT_EXPECT_EQ_MSG(test, iommu_iova_to_phys(def, addr + 0x10),
				    addr + 0x10, "direct page %pa not mapped",
				    &addr);
	KUNIT_EXPECT_TRUE(test, a->direct_at_attach);
	KUNIT_EXPECT_TRUE(test, b->direct_at_attach);
}

static void expect_type_file(struct kunit *test, struct iommu_group *group,
			     const char *want)
{
	char path[48], buf[32];

	snprintf(path, sizeof(path), "kernel/iommu_groups/%d/type",
		 iommu_group_id(group));
	KUNIT_ASSERT_EQ(test, iommu_kunit_sysfs_read(path, buf, sizeof(buf)),
			0);
	KUNIT_EXPECT_STREQ(test, buf, want);
}

static void iommu_domain_default_is_identity_without_dma_api(struct kunit *test)
{
	struct dmock_dev *mdev;

	dmock_bus_take(test, &dmock_ops);
	mdev = dmock_dev_add(test, "ident0", 1);
	KUNIT_EXPECT_PTR_EQ(test, mdev->domain, &dmock_identity);
	KUNIT_EXPECT_TRUE(test, iommu_default_passthrough());
	expect_type_file(test, group_of(test, mdev), "identity\n");
	KUNIT_EXPECT_EQ(test, atomic_read(&dmock.domains_made), 0);
}

static void iommu_domain_default_follows_driver_wish(struct kunit *test)
{
	struct dmock_dev *mdev;

	dmock.def_type = IOMMU_DOMAIN_DMA;
	dmock_bus_take(test, &dmock_ops);
	mdev = dmock_dev_add(test, "dma0", 1);
	KUNIT_ASSERT_TRUE(test, dmock_is_paging(mdev->domain));
	KUNIT_EXPECT_EQ(test, mdev->domain->type, IOMMU_DOMAIN_DMA);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(&mdev->dev),
			    mdev->domain);
	expect_type_file(test, group_of(test, mdev), "DMA\n");
}

/*
 * No device has PASIDs, SVA or I/O page faults: each request fails as on
 * an upstream IOMMU without them, and the device keeps its domain.
 */
static void iommu_domain_pasid_features_fail_cleanly(struct kunit *test)
{
	struct iommu_domain *def;
	struct dmock_dev *mdev;
	struct iommu_sva *sva;

	dmock.def_type = IOMMU_DOMAIN_DMA;
	dmock_bus_take(test, &dmock_ops);
	mdev = dmock_dev_add(test, "pasid0", 1);
	def = mdev->domain;
	KUNIT_ASSERT_TRUE(test, dmock_is_paging(def));

	KUNIT_EXPECT_EQ(test, iommu_dev_enable_feature(&mdev->dev,
						       IOMMU_DEV_FEAT_IOPF),
			-ENODEV);
	KUNIT_EXPECT_EQ(test, iommu_dev_enable_feature(&mdev->dev,
						       IOMMU_DEV_FEAT_SVA),
			-ENODEV);
	sva = iommu_sva_bind_device(&mdev->dev, current->mm);
	KUNIT_EXPECT_TRUE(test, IS_ERR(sva));
	KUNIT_EXPECT_EQ(test, iommu_alloc_global_pasid(&mdev->dev),
			IOMMU_PASID_INVALID);
	KUNIT_EXPECT_LT(test, iommu_attach_device_pasid(def, &mdev->dev,
							IOMMU_FIRST_GLOBAL_PASID,
							NULL),
			0);

	KUNIT_EXPECT_PTR_EQ(test, mdev->domain, def);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(&mdev->dev), def);
}

static struct kunit_case iommu_domain_attach_cases[] = {
	KUNIT_CASE(iommu_domain_claim_blocks_every_member),
	KUNIT_CASE(iommu_domain_attach_group_attaches_every_member),
	KUNIT_CASE(iommu_domain_attach_failure_leaves_every_member),
	KUNIT_CASE(iommu_domain_attach_group_needs_owner),
	KUNIT_CASE(iommu_domain_attach_group_refuses_other_driver),
	KUNIT_CASE(iommu_domain_attach_group_refuses_second_domain),
	KUNIT_CASE(iommu_domain_attach_device_only_for_singletons),
	KUNIT_CASE(iommu_domain_joining_device_joins_current_domain),
	KUNIT_CASE(iommu_domain_leaving_device_is_blocked_first),
	KUNIT_CASE(iommu_domain_fallback_blocked_is_empty_paging),
	KUNIT_CASE(iommu_domain_direct_regions_mapped_before_attach),
	KUNIT_CASE(iommu_domain_direct_region_at_zero_is_mapped),
	KUNIT_CASE(iommu_domain_default_is_identity_without_dma_api),
	KUNIT_CASE(iommu_domain_default_follows_driver_wish),
	KUNIT_CASE(iommu_domain_pasid_features_fail_cleanly),
	{}
};

static struct kunit_suite iommu_domain_attach_test_suite = {
	.name = "iommu_domain_attach",
	.suite_init = dmock_suite_init,
	.suite_exit = dmock_suite_exit,
	.init = dmock_test_init,
	.test_cases = iommu_domain_attach_cases,
};

/* --- DMA ownership ------------------------------------------------------ */

static void iommu_domain_probe_then_claim_fails(struct kunit *test)
{
	struct dmock_dev *m[NR_MEMBERS];
	struct iommu_group *group = members_add(test, &dmock_ops, m);

	dmock_driver_add(test, &m[1]->dev, false);
	KUNIT_ASSERT_NOT_NULL(test, m[1]->dev.driver);
	KUNIT_EXPECT_EQ(test, iommu_group_claim_dma_owner(group, test),
			-EPERM);
	expect_all_in(test, m, NR_MEMBERS, &dmock_identity, "refused");
}

static void iommu_domain_claim_then_probe_fails(struct kunit *test)
{
	struct dmock_dev *m[NR_MEMBERS];
	struct iommu_group *group = members_add(test, &dmock_ops, m);
	struct dmock_driver *mdrv;

	claim(test, group, test);
	mdrv = dmock_driver_add(test, &m[2]->dev, false);
	KUNIT_EXPECT_NULL(test, m[2]->dev.driver);
	KUNIT_EXPECT_EQ(test, device_driver_attach(&mdrv->drv, &m[2]->dev),
			-EBUSY);
	KUNIT_EXPECT_NULL(test, m[2]->dev.driver);
	expect_all_in(test, m, NR_MEMBERS, &dmock_blocked, "still owned");
}

static void iommu_domain_second_claimer_fails(struct kunit *test)
{
	struct dmock_dev *m[NR_MEMBERS];
	struct iommu_group *group = members_add(test, &dmock_ops, m);
	int other;

	claim(test, group, test);
	KUNIT_EXPECT_EQ(test, iommu_group_claim_dma_owner(group, &other),
			-EPERM);
	KUNIT_EXPECT_EQ(test, iommu_group_claim_dma_owner(group, test),
			-EPERM);
	KUNIT_EXPECT_EQ(test, iommu_device_claim_dma_owner(&m[0]->dev, &other),
			-EPERM);
}

static void iommu_domain_managed_dma_driver_allows_claim(struct kunit *test)
{
	struct dmock_dev *m[NR_MEMBERS];
	struct iommu_group *group = members_add(test, &dmock_ops, m);

	dmock_driver_add(test, &m[0]->dev, true);
	KUNIT_ASSERT_NOT_NULL(test, m[0]->dev.driver);
	KUNIT_EXPECT_FALSE(test, iommu_group_dma_owner_claimed(group));
	claim(test, group, test);
	expect_all_in(test, m, NR_MEMBERS, &dmock_blocked, "claimed");
}

static void iommu_domain_unbind_then_claim_succeeds(struct kunit *test)
{
	struct dmock_dev *m[NR_MEMBERS];
	struct iommu_group *group = members_add(test, &dmock_ops, m);
	struct dmock_driver *mdrv;

	mdrv = dmock_driver_add(test, NULL, false);
	KUNIT_ASSERT_NOT_NULL(test, m[0]->dev.driver);
	KUNIT_ASSERT_NOT_NULL(test, m[2]->dev.driver);
	KUNIT_EXPECT_EQ(test, iommu_group_claim_dma_owner(group, test),
			-EPERM);
	dmock_driver_del(test, mdrv);
	claim(test, group, test);
	expect_all_in(test, m, NR_MEMBERS, &dmock_blocked, "claimed");
}

static void iommu_domain_release_then_probe_succeeds(struct kunit *test)
{
	struct dmock_dev *m[NR_MEMBERS];
	struct iommu_group *group = members_add(test, &dmock_ops, m);

	claim(test, group, test);
	unclaim(test, group);
	dmock_driver_add(test, NULL, false);
	KUNIT_EXPECT_NOT_NULL(test, m[0]->dev.driver);
	KUNIT_EXPECT_NOT_NULL(test, m[1]->dev.driver);
	KUNIT_EXPECT_TRUE(test, iommu_group_dma_owner_claimed(group));
}

static void iommu_domain_owner_claimed_with_driver_or_owner(struct kunit *test)
{
	struct dmock_dev *m[NR_MEMBERS];
	struct iommu_group *group = members_add(test, &dmock_ops, m);
	struct dmock_driver *mdrv;

	KUNIT_EXPECT_FALSE(test, iommu_group_dma_owner_claimed(group));
	mdrv = dmock_driver_add(test, &m[1]->dev, false);
	KUNIT_EXPECT_TRUE(test, iommu_group_dma_owner_claimed(group));
	dmock_driver_del(test, mdrv);
	KUNIT_EXPECT_FALSE(test, iommu_group_dma_owner_claimed(group));
	claim(test, group, test);
	KUNIT_EXPECT_TRUE(test, iommu_group_dma_owner_claimed(group));
	unclaim(test, group);
	KUNIT_EXPECT_FALSE(test, iommu_group_dma_owner_claimed(group));
}

static void iommu_domain_device_claims_balance_per_owner(struct kunit *test)
{
	struct dmock_dev *m[NR_MEMBERS];
	struct iommu_group *group = members_add(test, &dmock_ops, m);
	int other;

	KUNIT_ASSERT_EQ(test, iommu_device_claim_dma_owner(&m[0]->dev, test),
			0);
	KUNIT_ASSERT_EQ(test, iommu_device_claim_dma_owner(&m[1]->dev, test),
			0);
	KUNIT_EXPECT_EQ(test, iommu_device_claim_dma_owner(&m[2]->dev, &other),
			-EPERM);
	KUNIT_EXPECT_EQ(test, iommu_group_claim_dma_owner(group, &other),
			-EPERM);
	expect_all_in(test, m, NR_MEMBERS, &dmock_blocked, "claimed twice");

	iommu_device_release_dma_owner(&m[1]->dev);
	KUNIT_EXPECT_TRUE(test, iommu_group_dma_owner_claimed(group));
	expect_all_in(test, m, NR_MEMBERS, &dmock_blocked, "released once");
	KUNIT_EXPECT_EQ(test, iommu_device_claim_dma_owner(&m[2]->dev, &other),
			-EPERM);

	iommu_device_release_dma_owner(&m[0]->dev);
	KUNIT_EXPECT_FALSE(test, iommu_group_dma_owner_claimed(group));
	expect_all_in(test, m, NR_MEMBERS, &dmock_identity, "released twice");
	KUNIT_EXPECT_EQ(test, iommu_device_claim_dma_owner(&m[2]->dev, &other),
			0);
	iommu_device_release_dma_owner(&m[2]->dev);
	KUNIT_EXPECT_FALSE(test, iommu_group_dma_owner_claimed(group));
}

static struct kunit_case iommu_domain_owner_cases[] = {
	KUNIT_CASE(iommu_domain_probe_then_claim_fails),
	KUNIT_CASE(iommu_domain_claim_then_probe_fails),
	KUNIT_CASE(iommu_domain_second_claimer_fails),
	KUNIT_CASE(iommu_domain_managed_dma_driver_allows_claim),
	KUNIT_CASE(iommu_domain_unbind_then_claim_succeeds),
	KUNIT_CASE(iommu_domain_release_then_probe_succeeds),
	KUNIT_CASE(iommu_domain_owner_claimed_with_driver_or_owner),
	KUNIT_CASE(iommu_domain_device_claims_balance_per_owner),
	{}
};

static struct kunit_suite iommu_domain_owner_test_suite = {
	.name = "iommu_domain_owner",
	.suite_init = dmock_suite_init,
	.suite_exit = dmock_suite_exit,
	.init = dmock_test_init,
	.test_cases = iommu_domain_owner_cases,
};

/* --- Merges --------------------------------------------------------------- */

/*
 * Two groups with paging default domains: @a of d0 (key 1), @b of d1 and
 * d2 (key 2).  d1 has a direct region.
 */
struct merge_fixture {
	struct dmock_dev *d[3];
	struct iommu_group *a, *b;
	struct iommu_domain *dom_a, *dom_b;
	unsigned int attaches[3];
};

static void merge_setup(struct kunit *test, struct merge_fixture *f)
{
	int i;

	dmock.def_type = IOMMU_DOMAIN_DMA;
	dmock_bus_take(test, &dmock_ops);
	f->d[0] = dmock_dev_add(test, "merge0", 1);
	f->d[1] = dmock_dev_new(test, "merge1", 2);
	f->d[1]->direct[0].start = SZ_16M;
	f->d[1]->direct[0].len = SZ_8K;
	iommu_kunit_device_add(test, &f->d[1]->dev);
	f->d[2] = dmock_dev_add(test, "merge2", 2);
	f->a = iommu_group_get(&f->d[0]->dev);
	f->b = iommu_group_get(&f->d[1]->dev);
	KUNIT_ASSERT_NOT_NULL(test, f->a);
	KUNIT_ASSERT_NOT_NULL(test, f->b);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, group_put_action,
							f->a), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, group_put_action,
							f->b), 0);
	KUNIT_ASSERT_PTR_NE(test, f->a, f->b);
	f->dom_a = f->d[0]->domain;
	f->dom_b = f->d[1]->domain;
	KUNIT_ASSERT_TRUE(test, dmock_is_paging(f->dom_a));
	KUNIT_ASSERT_TRUE(test, dmock_is_paging(f->dom_b));
	KUNIT_ASSERT_PTR_NE(test, f->dom_a, f->dom_b);
	for (i = 0; i < 3; i++)
		f->attaches[i] = f->d[i]->attaches;
}

static struct iommu_group *merge(struct iommu_group *a, struct iommu_group *b)
{
	guard(mutex)(&iommu_probe_device_lock);
	return iommu_group_merge(a, b);
}

/* Device @i is a member of @group, attached to @domain. */
static void expect_member(struct kunit *test, struct merge_fixture *f, int i,
			  struct iommu_group *group,
			  struct iommu_domain *domain)
{
	KUNIT_EXPECT_PTR_EQ_MSG(test, f->d[i]->dev.iommu_group, group,
				"d%d in the wrong group", i);
	KUNIT_EXPECT_PTR_EQ_MSG(test, f->d[i]->domain, domain,
				"d%d attached elsewhere", i);
	KUNIT_EXPECT_PTR_EQ_MSG(test, iommu_get_domain_for_dev(&f->d[i]->dev),
				domain, "d%d's group in another domain", i);
}

/* Nothing moved: each device in its own group and domain, not attached. */
static void expect_unmerged(struct kunit *test, struct merge_fixture *f,
			    struct iommu_domain *dom_b)
{
	expect_member(test, f, 0, f->a, f->dom_a);
	expect_member(test, f, 1, f->b, dom_b);
	expect_member(test, f, 2, f->b, dom_b);
	KUNIT_EXPECT_EQ(test, iommu_kunit_group_members(f->a), 1);
	KUNIT_EXPECT_EQ(test, iommu_kunit_group_members(f->b), 2);
}

static void iommu_domain_merge_of_unused_keeps_first(struct kunit *test)
{
	struct merge_fixture f = {};
	int freed;

	merge_setup(test, &f);
	KUNIT_ASSERT_PTR_EQ(test, merge(f.a, f.b), f.a);
	expect_member(test, &f, 0, f.a, f.dom_a);
	expect_member(test, &f, 1, f.a, f.dom_a);
	expect_member(test, &f, 2, f.a, f.dom_a);
	KUNIT_EXPECT_EQ(test, f.d[0]->attaches, f.attaches[0]);
	/* The moved member's direct region is in the domain that stays. */
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(f.dom_a, SZ_16M + SZ_4K),
			SZ_16M + SZ_4K);
	/* The empty group takes its domain with it when it goes. */
	freed = atomic_read(&dmock.domains_freed);
	kunit_release_action(test, group_put_action, f.b);
	KUNIT_EXPECT_EQ(test, atomic_read(&dmock.domains_freed), freed + 1);
}

static void iommu_domain_merge_keeps_group_with_driver(struct kunit *test)
{
	struct merge_fixture f = {};

	merge_setup(test, &f);
	dmock_driver_add(test, &f.d[1]->dev, false);
	KUNIT_ASSERT_NOT_NULL(test, f.d[1]->dev.driver);
	KUNIT_ASSERT_PTR_EQ(test, merge(f.a, f.b), f.b);
	expect_member(test, &f, 0, f.b, f.dom_b);
	expect_member(test, &f, 1, f.b, f.dom_b);
	expect_member(test, &f, 2, f.b, f.dom_b);
	KUNIT_EXPECT_EQ(test, f.d[1]->attaches, f.attaches[1]);
	KUNIT_EXPECT_EQ(test, f.d[2]->attaches, f.attaches[2]);
}

static void iommu_domain_merge_keeps_group_with_owner(struct kunit *test)
{
	struct merge_fixture f = {};

	merge_setup(test, &f);
	claim(test, f.b, test);
	KUNIT_ASSERT_PTR_EQ(test, f.d[1]->domain, &dmock_blocked);
	f.attaches[1] = f.d[1]->attaches;
	KUNIT_ASSERT_PTR_EQ(test, merge(f.a, f.b), f.b);
	expect_member(test, &f, 0, f.b, &dmock_blocked);
	expect_member(test, &f, 1, f.b, &dmock_blocked);
	KUNIT_EXPECT_EQ(test, f.d[1]->attaches, f.attaches[1]);
	unclaim(test, f.b);
	expect_member(test, &f, 0, f.b, f.dom_b);
	expect_member(test, &f, 2, f.b, f.dom_b);
}

static void iommu_domain_merge_of_two_in_use_fails(struct kunit *test)
{
	struct merge_fixture f = {};
	struct iommu_group *stay;
	int i;

	merge_setup(test, &f);
	dmock_driver_add(test, NULL, false);
	KUNIT_ASSERT_NOT_NULL(test, f.d[0]->dev.driver);
	KUNIT_ASSERT_NOT_NULL(test, f.d[1]->dev.driver);
	stay = merge(f.a, f.b);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(stay), -EBUSY);
	expect_unmerged(test, &f, f.dom_b);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, f.d[i]->attaches, f.attaches[i]);
}

static void iommu_domain_bridging_device_joins_merged_group(struct kunit *test)
{
	struct merge_fixture f = {};
	struct dmock_dev *bridge;

	merge_setup(test, &f);
	bridge = dmock_dev_new(test, "bridge", 3);
	bridge->bridge[0] = &f.d[0]->dev;
	bridge->bridge[1] = &f.d[1]->dev;
	iommu_kunit_device_add(test, &bridge->dev);
	KUNIT_EXPECT_PTR_EQ(test, bridge->dev.iommu_group, f.a);
	KUNIT_EXPECT_PTR_EQ(test, bridge->domain, f.dom_a);
	expect_member(test, &f, 2, f.a, f.dom_a);
	KUNIT_EXPECT_EQ(test, iommu_kunit_group_members(f.a), 4);
}

static void iommu_domain_bridging_two_in_use_leaves_no_group(struct kunit *test)
{
	struct merge_fixture f = {};
	struct dmock_dev *bridge;

	merge_setup(test, &f);
	dmock_driver_add(test, &f.d[0]->dev, false);
	claim(test, f.b, test);
	bridge = dmock_dev_new(test, "bridge", 3);
	bridge->bridge[0] = &f.d[0]->dev;
	bridge->bridge[1] = &f.d[1]->dev;
	iommu_kunit_device_add(test, &bridge->dev);
	KUNIT_EXPECT_NULL(test, bridge->dev.iommu_group);
	KUNIT_EXPECT_PTR_EQ(test, bridge->domain, &dmock_blocked);
	expect_unmerged(test, &f, &dmock_blocked);
}

static void iommu_domain_merge_attach_failure_undoes_move(struct kunit *test)
{
	struct merge_fixture f = {};
	struct iommu_group *stay;

	merge_setup(test, &f);
	f.d[2]->fail_domain = f.dom_a;
	stay = merge(f.a, f.b);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(stay), -EIO);
	expect_unmerged(test, &f, f.dom_b);
	f.d[2]->fail_domain = NULL;
	KUNIT_EXPECT_PTR_EQ(test, merge(f.a, f.b), f.a);
	expect_member(test, &f, 2, f.a, f.dom_a);
}

/*
 * Groups without domains merge whatever their drivers (there is no domain
 * to keep), and a moved member's bound driver still counts in the group it
 * moved to: the group stays claimed until the last driver unbinds.
 */
static void iommu_domain_merge_without_domains_moves_driver_use(struct kunit *test)
{
	struct dmock_driver *drv0, *drv1;
	struct dmock_dev *d0, *d1;
	struct iommu_group *a, *b;

	dmock_bus_take(test, &dmock_nodomain_ops);
	d0 = dmock_dev_add(test, "nodom0", 1);
	d1 = dmock_dev_add(test, "nodom1", 2);
	drv0 = dmock_driver_add(test, &d0->dev, false);
	drv1 = dmock_driver_add(test, &d1->dev, false);
	a = iommu_group_get(&d0->dev);
	b = iommu_group_get(&d1->dev);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, group_put_action,
							a), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, group_put_action,
							b), 0);
	KUNIT_EXPECT_NULL(test, iommu_get_domain_for_dev(&d0->dev));

	KUNIT_ASSERT_PTR_EQ(test, merge(a, b), a);
	KUNIT_EXPECT_PTR_EQ(test, d1->dev.iommu_group, a);
	dmock_driver_del(test, drv1);
	KUNIT_EXPECT_TRUE_MSG(test, iommu_group_dma_owner_claimed(a),
			      "nodom0's driver is still bound");
	KUNIT_EXPECT_FALSE(test, iommu_group_dma_owner_claimed(b));
	dmock_driver_del(test, drv0);
	KUNIT_EXPECT_FALSE(test, iommu_group_dma_owner_claimed(a));
}

static struct kunit_case iommu_domain_merge_cases[] = {
	KUNIT_CASE(iommu_domain_merge_of_unused_keeps_first),
	KUNIT_CASE(iommu_domain_merge_keeps_group_with_driver),
	KUNIT_CASE(iommu_domain_merge_keeps_group_with_owner),
	KUNIT_CASE(iommu_domain_merge_of_two_in_use_fails),
	KUNIT_CASE(iommu_domain_bridging_device_joins_merged_group),
	KUNIT_CASE(iommu_domain_bridging_two_in_use_leaves_no_group),
	KUNIT_CASE(iommu_domain_merge_attach_failure_undoes_move),
	KUNIT_CASE(iommu_domain_merge_without_domains_moves_driver_use),
	{}
};

static struct kunit_suite iommu_domain_merge_test_suite = {
	.name = "iommu_domain_merge",
	.suite_init = dmock_suite_init,
	.suite_exit = dmock_suite_exit,
	.init = dmock_test_init,
	.test_cases = iommu_domain_merge_cases,
};

/* --- Concurrent map and unmap ------------------------------------------- */

#define STRESS_THREADS	4
#define STRESS_SLOTS	(SZ_16M / SZ_4K)
#define STRESS_RANGES	12
#define STRESS_STEPS	400

/* One thread's window of a shared domain and its own model of it. */
struct stress_thread {
	struct iommu_domain *domain;
	unsigned long base;
	phys_addr_t *slot;
	struct {
		unsigned long first, n;
	} live[STRESS_RANGES];
	int nr_live;
	u64 seed;
	int errors;
	struct completion done;
};

static void stress_step(struct stress_thread *t, struct rnd_state *rnd)
{
	u32 r = prandom_u32_state(rnd);
	unsigned long first, n, i;
	phys_addr_t phys;
	int k;

	if (t->nr_live < STRESS_RANGES && (!t->nr_live || (r & 1))) {
		n = 1 + prandom_u32_state(rnd) % 768;
		first = prandom_u32_state(rnd) % (STRESS_SLOTS - n + 1);
		if (r & 2)
			first = ALIGN_DOWN(first, SZ_2M / SZ_4K);
		for (i = first; i < first + n; i++)
			if (t->slot[i])
				return;
		phys = SZ_1G + t->base + first * SZ_4K;
		if (iommu_map(t->domain, t->base + first * SZ_4K, phys,
			      n * SZ_4K, IOMMU_READ, GFP_KERNEL)) {
			t->errors++;
			return;
		}
		for (i = 0; i < n; i++)
			t->slot[first + i] = phys + i * SZ_4K;
		t->live[t->nr_live].first = first;
		t->live[t->nr_live++].n = n;
	} else {
		k = prandom_u32_state(rnd) % t->nr_live;
		first = t->live[k].first;
		n = t->live[k].n;
		if (iommu_unmap(t->domain, t->base + first * SZ_4K,
				n * SZ_4K) != n * SZ_4K)
			t->errors++;
		for (i = 0; i < n; i++)
			t->slot[first + i] = 0;
		t->live[k] = t->live[--t->nr_live];
	}
}

static int stress_fn(void *data)
{
	struct stress_thread *t = data;
	struct rnd_state rnd;
	int step;

	prandom_seed_state(&rnd, t->seed);
	for (step = 0; step < STRESS_STEPS; step++) {
		stress_step(t, &rnd);
		if (!(step % 32))
			cond_resched();
	}
	complete(&t->done);
	return 0;
}

static void iommu_domain_concurrent_maps_match_models(struct kunit *test)
{
	struct dmock_domain *md = map_setup(test);
	struct stress_thread *t;
	struct task_struct *task;
	unsigned long i;
	phys_addr_t got;
	int j, bad;

	t = kunit_kcalloc(test, STRESS_THREADS, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	md->interleave = true;	/* one CPU under UML: make them take turns */
	kunit_info(test, "seeds 0x%llx + thread", SEED);
	for (j = 0; j < STRESS_THREADS; j++) {
		t[j].domain = &md->domain;
		t[j].base = (unsigned long)j * SZ_16M;
		t[j].seed = SEED + j;
		t[j].slot = kvcalloc(STRESS_SLOTS, sizeof(*t[j].slot),
				     GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, t[j].slot);
		KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
								kvfree_action,
								t[j].slot), 0);
		init_completion(&t[j].done);
	}
	for (j = 0; j < STRESS_THREADS; j++) {
		task = kthread_run(stress_fn, &t[j], "iommu_dom_st%d", j);
		if (IS_ERR(task)) {
			/* Let the ones started finish before failing. */
			while (j--)
				wait_for_completion(&t[j].done);
			KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(task));
			return;
		}
	}
	for (j = 0; j < STRESS_THREADS; j++)
		wait_for_completion(&t[j].done);

	for (j = 0; j < STRESS_THREADS; j++) {
		KUNIT_EXPECT_EQ_MSG(test, t[j].errors, 0, "thread %d", j);
		for (i = 0, bad = 0; i < STRESS_SLOTS && !bad; i++) {
			got = iommu_iova_to_phys(&md->domain,
						 t[j].base + i * SZ_4K);
			if (got != t[j].slot[i]) {
				KUNIT_FAIL(test, "thread %d slot %lu: %pa, model %pa",
					   j, i, &got, &t[j].slot[i]);
				bad = 1;
			}
		}
		while (t[j].nr_live--)
			iommu_unmap(&md->domain,
				    t[j].base + t[j].live[t[j].nr_live].first *
				    SZ_4K,
				    t[j].live[t[j].nr_live].n * SZ_4K);
	}
	KUNIT_EXPECT_EQ(test, md->nr_leaves, 0);
}

static struct kunit_case iommu_domain_stress_cases[] = {
	KUNIT_CASE_SLOW(iommu_domain_concurrent_maps_match_models),
	{}
};

static struct kunit_suite iommu_domain_stress_test_suite = {
	.name = "iommu_domain_stress",
	.suite_init = dmock_suite_init,
	.suite_exit = dmock_suite_exit,
	.init = dmock_test_init,
	.test_cases = iommu_domain_stress_cases,
};

kunit_test_suites(&iommu_domain_map_test_suite,
		  &iommu_domain_attach_test_suite,
		  &iommu_domain_owner_test_suite,
		  &iommu_domain_merge_test_suite,
		  &iommu_domain_stress_test_suite);

#ifdef CONFIG_FAILSLAB

/* --- Allocation failures ----------------------------------------------- */

/*
 * A fault walk's context: the devices, the group and domains it works on,
 * and how many of the mock's paging domains were alive before it.
 */
struct fault_ctx {
	struct dmock_dev *m[NR_MEMBERS];
	struct iommu_group *group;
	struct iommu_domain *def, *blocked, *user;
	int live;
};

static int dmock_live_domains(void)
{
	return atomic_read(&dmock.domains_made) -
	       atomic_read(&dmock.domains_freed);
}

static void fault_expect_balanced(struct kunit *test, struct fault_ctx *c)
{
	KUNIT_EXPECT_EQ_MSG(test, dmock_live_domains(), c->live,
			    "paging domains leaked or lost");
}

/* The first member of a group joins: its default and blocked domain. */
static int fault_join_op(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;

	return iommu_probe_device(&c->m[0]->dev);
}

static void fault_join_undo(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;
	struct iommu_domain *def = iommu_get_domain_for_dev(&c->m[0]->dev);

	KUNIT_EXPECT_NOT_NULL(test, c->m[0]->dev.iommu_group);
	KUNIT_EXPECT_TRUE(test, dmock_is_paging(def));
	KUNIT_EXPECT_PTR_EQ(test, c->m[0]->domain, def);
	KUNIT_EXPECT_EQ(test, dmock_live_domains(), c->live + 2);
	iommu_group_remove_device(&c->m[0]->dev);
}

static void fault_join_check(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;

	KUNIT_EXPECT_NULL(test, c->m[0]->dev.iommu_group);
	KUNIT_EXPECT_NULL(test, iommu_get_domain_for_dev(&c->m[0]->dev));
	fault_expect_balanced(test, c);
}

static void iommu_domain_join_survives_allocation_failures(struct kunit *test)
{
	static const struct iommu_kunit_fault_case fc = {
		fault_join_op, fault_join_undo, fault_join_check,
	};
	struct fault_ctx c = {};

	dmock.def_type = IOMMU_DOMAIN_DMA;
	dmock_bus_take(test, &dmock_noblock_ops);
	c.m[0] = dmock_dev_add(test, "fault0", 1);
	iommu_group_remove_device(&c.m[0]->dev);
	c.live = dmock_live_domains();
	kunit_info(test, "%d allocations walked",
		   iommu_kunit_fault_walk(test, &fc, &c));
}

/* A group of NR_MEMBERS with DMA default and core-made blocked domains. */
static void fault_group_setup(struct kunit *test, struct fault_ctx *c)
{
	c->group = members_add(test, &dmock_noblock_ops, c->m);
	c->def = c->m[0]->domain;
	KUNIT_ASSERT_TRUE(test, dmock_is_paging(c->def));
}

static int fault_claim_op(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;

	return iommu_group_claim_dma_owner(c->group, c);
}

static void fault_claim_undo(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;
	struct iommu_domain *blocked = c->m[0]->domain;

	KUNIT_EXPECT_TRUE(test, dmock_is_paging(blocked));
	KUNIT_EXPECT_PTR_NE(test, blocked, c->def);
	expect_all_in(test, c->m, NR_MEMBERS, blocked, "claimed");
	iommu_group_release_dma_owner(c->group);
}

static void fault_claim_check(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;

	KUNIT_EXPECT_FALSE(test, iommu_group_dma_owner_claimed(c->group));
	expect_all_in(test, c->m, NR_MEMBERS, c->def, "unclaimed");
	fault_expect_balanced(test, c);
}

static void iommu_domain_claim_survives_allocation_failures(struct kunit *test)
{
	static const struct iommu_kunit_fault_case fc = {
		fault_claim_op, fault_claim_undo, fault_claim_check,
	};
	struct fault_ctx c = {};

	dmock.def_type = IOMMU_DOMAIN_DMA;
	fault_group_setup(test, &c);
	c.live = dmock_live_domains();
	kunit_info(test, "%d allocations walked",
		   iommu_kunit_fault_walk(test, &fc, &c));
}

static int fault_attach_op(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;

	return iommu_attach_group(c->user, c->group);
}

static void fault_attach_undo(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;

	expect_all_in(test, c->m, NR_MEMBERS, c->user, "attached");
	iommu_detach_group(c->user, c->group);
}

static void fault_attach_check(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;

	expect_all_in(test, c->m, NR_MEMBERS, c->blocked, "not attached");
	fault_expect_balanced(test, c);
}

static void iommu_domain_attach_survives_allocation_failures(struct kunit *test)
{
	static const struct iommu_kunit_fault_case fc = {
		fault_attach_op, fault_attach_undo, fault_attach_check,
	};
	struct fault_ctx c = {};

	dmock.def_type = IOMMU_DOMAIN_DMA;
	fault_group_setup(test, &c);
	c.user = user_domain(test, c.m[0]);
	claim(test, c.group, test);
	c.blocked = c.m[0]->domain;
	c.live = dmock_live_domains();
	kunit_info(test, "%d allocations walked",
		   iommu_kunit_fault_walk(test, &fc, &c));
}

/* 4 KiB pages around a 2 MiB one: a leaf allocation per page. */
#define FAULT_IOVA	(SZ_4M - SZ_16K)
#define FAULT_SIZE	(SZ_2M + SZ_32K)

static int fault_map_op(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;

	return iommu_map(c->user, FAULT_IOVA, SZ_1G + FAULT_IOVA, FAULT_SIZE,
			 IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);
}

static void fault_map_undo(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;

	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(c->user, FAULT_IOVA),
			SZ_1G + FAULT_IOVA);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(c->user,
						 FAULT_IOVA + FAULT_SIZE - 1),
			SZ_1G + FAULT_IOVA + FAULT_SIZE - 1);
	KUNIT_EXPECT_EQ(test, iommu_unmap(c->user, FAULT_IOVA, FAULT_SIZE),
			FAULT_SIZE);
}

static void fault_map_check(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;

	KUNIT_EXPECT_EQ(test, to_mock_domain(c->user)->nr_leaves, 0);
	KUNIT_EXPECT_TRUE(test, range_empty(c->user, FAULT_IOVA, FAULT_SIZE));
	fault_expect_balanced(test, c);
}

static void iommu_domain_map_survives_allocation_failures(struct kunit *test)
{
	static const struct iommu_kunit_fault_case fc = {
		fault_map_op, fault_map_undo, fault_map_check,
	};
	struct fault_ctx c = {};

	dmock_bus_take(test, &dmock_ops);
	c.m[0] = dmock_dev_add(test, "fault0", 1);
	c.user = user_domain(test, c.m[0]);
	c.live = dmock_live_domains();
	kunit_info(test, "%d allocations walked",
		   iommu_kunit_fault_walk(test, &fc, &c));
}

static int fault_test_init(struct kunit *test)
{
	int ret = dmock_test_init(test);

	return ret ?: iommu_kunit_fault_init(test);
}

static struct kunit_case iommu_domain_fault_cases[] = {
	KUNIT_CASE(iommu_domain_join_survives_allocation_failures),
	KUNIT_CASE(iommu_domain_claim_survives_allocation_failures),
	KUNIT_CASE(iommu_domain_attach_survives_allocation_failures),
	KUNIT_CASE(iommu_domain_map_survives_allocation_failures),
	{}
};

static struct kunit_suite iommu_domain_fault_test_suite = {
	.name = "iommu_domain_faults",
	.suite_init = dmock_suite_init,
	.suite_exit = dmock_suite_exit,
	.init = fault_test_init,
	.test_cases = iommu_domain_fault_cases,
};

kunit_test_suite(iommu_domain_fault_test_suite);

#endif /* CONFIG_FAILSLAB */

MODULE_DESCRIPTION("KUnit tests for IOMMU domains, attach and DMA ownership");
MODULE_LICENSE("GPL");
