// SPDX-License-Identifier: GPL-2.0-only
/*
 * A mock paging IOMMU driver and its test bus, for iommu_domain_kunit.c.
 *
 * The page table is a software model: an xarray of leaves, each with its
 * IOVA, physical address, size and protection, behind the domain's own
 * spinlock.  It refuses, and reports to the running test, every request
 * the core promises never to make: a page size it does not have, an
 * unaligned or oversized run, one outside the aperture or one over a
 * mapped page.  Unmaps remove whole leaves.  The driver records which
 * domain each device is attached to, can fail the attach of a chosen
 * device to a chosen domain, and counts the paging domains it made and
 * freed; each test checks at its very end that they balance.
 *
 * The bus counts bound drivers as the PCI bus does: its dma_configure
 * calls iommu_device_use_default_domain() unless the driver manages DMA
 * itself, and its dma_cleanup the reverse.
 */

#include <kunit/test.h>
#include <kunit/test-bug.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

#include "../iommu-priv.h"
#include "iommu_domain_mock.h"
#include "iommu_kunit_helpers.h"

#define DMOCK_PGSIZES	(SZ_4K | SZ_2M | SZ_1G)
#define DMOCK_SHIFT	12		/* leaves are indexed by 4 KiB frame */

struct dmock_state dmock;

static const struct iommu_domain_ops dmock_paging_ops;
static const struct iommu_domain_ops dmock_static_ops;

/* A request the core must never make: count it, fail the current test. */
#define dmock_bad(fmt, ...)						\
	do {								\
		struct kunit *__t = kunit_get_current_test();		\
									\
		atomic_inc(&dmock.bad_requests);			\
		if (__t)						\
			KUNIT_FAIL(__t, "mock driver got " fmt,		\
				   ##__VA_ARGS__);			\
	} while (0)

bool dmock_is_paging(struct iommu_domain *domain)
{
	return domain && domain->ops == &dmock_paging_ops;
}

/* The leaf covering @iova, or NULL.  Called with md->lock held. */
static struct dmock_leaf *dmock_leaf_at(struct dmock_domain *md,
					unsigned long iova)
{
	static const size_t sizes[] = { SZ_4K, SZ_2M, SZ_1G };
	struct dmock_leaf *leaf;
	int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		leaf = xa_load(&md->leaves,
			       ALIGN_DOWN(iova, sizes[i]) >> DMOCK_SHIFT);
		if (leaf && iova - leaf->iova < leaf->size)
			return leaf;
	}
	return NULL;
}

/* Whether anything of [@iova, @iova + @size) is mapped; md->lock held. */
static bool dmock_range_busy(struct dmock_domain *md, unsigned long iova,
			     size_t size)
{
	unsigned long idx = iova >> DMOCK_SHIFT;

	if (dmock_leaf_at(md, iova))
		return true;
	return xa_find(&md->leaves, &idx, (iova + size - 1) >> DMOCK_SHIFT,
		       XA_PRESENT);
}

/* A run the core may hand the driver: one of its sizes, aligned, inside. */
static bool dmock_run_ok(struct iommu_domain *domain, const char *what,
			 unsigned long iova, phys_addr_t paddr, size_t pgsize,
			size_t pgcount)
{
	size_t bytes;
	unsigned long last;

	if (!is_power_of_2(pgsize) || !(pgsize & domain->pgsize_bitmap)) {
		dmock_bad("%s with page size 0x%zx", what, pgsize);
		return false;
	}
	if (!IS_ALIGNED(iova, pgsize) || !IS_ALIGNED(paddr, pgsize)) {
		dmock_bad("%s of iova 0x%lx pa %pa unaligned to 0x%zx", what,
			  iova, &paddr, pgsize);
		return false;
	}
	if (!pgcount || check_mul_overflow(pgsize, pgcount, &bytes) ||
	    check_add_overflow(iova, bytes - 1, &last) ||
	    iova < domain->geometry.aperture_start ||
	    last > domain->geometry.aperture_end) {
		dmock_bad("%s of %zu pages of 0x%zx at 0x%lx beyond the aperture",
			  what, pgcount, pgsize, iova);
		return false;
	}
	return true;
}

static int dmock_map_pages(struct iommu_domain *domain, unsigned long iova,
			   phys_addr_t paddr, size_t pgsize, size_t pgcount,
			  int prot, gfp_t gfp, size_t *mapped)
{
	struct dmock_domain *md = to_mock_domain(domain);
	struct dmock_leaf *leaf;
	bool fail;
	size_t i;
	int ret = 0;

	if (!dmock_run_ok(domain, "map", iova, paddr, pgsize, pgcount))
		return -EINVAL;
	spin_lock(&md->lock);
	md->map_calls++;
	fail = md->fail_map_call == md->map_calls;
	spin_unlock(&md->lock);

	for (i = 0; i < pgcount; i++) {
		unsigned long va = iova + i * pgsize;

		if (i == pgcount / 2) {
			if (fail)
				return -EIO;
			if (md->interleave)
				usleep_range(10, 30);
		}
		leaf = kmalloc(sizeof(*leaf), gfp);
		if (!leaf)
			return -ENOMEM;
		*leaf = (struct dmock_leaf) {
			.iova = va, .phys = paddr + i * pgsize,
			.size = pgsize, .prot = prot,
		};
		spin_lock(&md->lock);
		if (dmock_range_busy(md, va, pgsize)) {
			ret = -EEXIST;
		} else {
			ret = xa_err(xa_store(&md->leaves, va >> DMOCK_SHIFT,
					      leaf, GFP_ATOMIC));
			if (!ret) {
				md->nr_leaves++;
				if (pgsize == SZ_4K)
					md->made_4k++;
				else if (pgsize == SZ_2M)
					md->made_2m++;
				else
					md->made_1g++;
			}
		}
		spin_unlock(&md->lock);
		if (ret == -EEXIST)
			dmock_bad("map over a mapped page at 0x%lx", va);
		if (ret) {
			kfree(leaf);
			return ret;
		}
		*mapped += pgsize;
	}
	return 0;
}

/* Whole leaves go: one the range starts or ends in goes as a whole. */
static size_t dmock_unmap_pages(struct iommu_domain *domain, unsigned long iova,
				size_t pgsize, size_t pgcount,
			       struct iommu_iotlb_gather *gather)
{
	struct dmock_domain *md = to_mock_domain(domain);
	unsigned long pos = iova, end;
	struct dmock_leaf *leaf;
	size_t freed = 0;

	if (!dmock_run_ok(domain, "unmap", iova, 0, pgsize, pgcount))
		return 0;
	if (md->interleave)
		usleep_range(10, 30);
	end = iova + pgsize * pgcount;
	spin_lock(&md->lock);
	md->unmap_calls++;
	while (pos < end) {
		leaf = dmock_leaf_at(md, pos);
		if (!leaf)
			break;
		xa_erase(&md->leaves, leaf->iova >> DMOCK_SHIFT);
		md->nr_leaves--;
		iommu_iotlb_gather_add_range(gather, leaf->iova, leaf->size);
		freed += leaf->size;
		pos = leaf->iova + leaf->size;
		kfree(leaf);
	}
	spin_unlock(&md->lock);
	return freed;
}

static void dmock_iotlb_sync(struct iommu_domain *domain,
			     struct iommu_iotlb_gather *gather)
{
	struct dmock_domain *md = to_mock_domain(domain);

	spin_lock(&md->lock);
	md->syncs++;
	md->sync_start = gather->start;
	md->sync_end = gather->end;
	spin_unlock(&md->lock);
}

static phys_addr_t dmock_iova_to_phys(struct iommu_domain *domain,
				      dma_addr_t iova)
{
	struct dmock_domain *md = to_mock_domain(domain);
	struct dmock_leaf *leaf;
	phys_addr_t phys = 0;

	spin_lock(&md->lock);
	leaf = dmock_leaf_at(md, iova);
	if (leaf)
		phys = leaf->phys + (iova - leaf->iova);
	spin_unlock(&md->lock);
	return phys;
}

static void dmock_domain_free(struct iommu_domain *domain)
{
	struct dmock_domain *md = to_mock_domain(domain);
	struct dmock_leaf *leaf;
	unsigned long idx;

	xa_for_each(&md->leaves, idx, leaf)
		kfree(leaf);
	xa_destroy(&md->leaves);
	kfree(md);
	atomic_inc(&dmock.domains_freed);
}

/*
 * Whether the direct regions of @mdev are mapped 1:1, page by page, in the
 * paging domain @domain.
 */
static bool dmock_direct_mapped(struct dmock_dev *mdev,
				struct iommu_domain *domain)
{
	phys_addr_t a;
	int i;

	for (i = 0; i < ARRAY_SIZE(mdev->direct); i++)
		for (a = mdev->direct[i].start;
		     a < mdev->direct[i].start + mdev->direct[i].len;
		     a += SZ_4K)
			/* The page's last byte: page 0 translates to 0 too. */
			if (dmock_iova_to_phys(domain, a + SZ_4K - 1) !=
			    a + SZ_4K - 1)
				return false;
	return true;
}

/*
 * Attaching writes a context the driver allocates, except for the blocked
 * domain: a driver can always block.
 */
static int dmock_attach_dev(struct iommu_domain *domain, struct device *dev)
{
	struct dmock_dev *mdev = to_mock_dev(dev);
	struct dmock_context *ctx = NULL;

	if (mdev->fail_domain == domain)
		return -EIO;
	if (domain != &dmock_blocked) {
		ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
		if (!ctx)
			return -ENOMEM;
		ctx->domain = domain;
	}
	kfree(mdev->ctx);
	mdev->ctx = ctx;
	mdev->domain = domain;
	mdev->attaches++;
	mdev->in_group_at_attach = !!READ_ONCE(dev->iommu_group);
	if (dmock_is_paging(domain) && domain->type == IOMMU_DOMAIN_DMA)
		mdev->direct_at_attach = dmock_direct_mapped(mdev, domain);
	return 0;
}

static const struct iommu_domain_ops dmock_paging_ops = {
	.attach_dev = dmock_attach_dev,
	.map_pages = dmock_map_pages,
	.unmap_pages = dmock_unmap_pages,
	.iotlb_sync = dmock_iotlb_sync,
	.iova_to_phys = dmock_iova_to_phys,
	.free = dmock_domain_free,
};

static const struct iommu_domain_ops dmock_static_ops = {
	.attach_dev = dmock_attach_dev,
};

struct iommu_domain dmock_identity = {
	.type = IOMMU_DOMAIN_IDENTITY,
	.ops = &dmock_static_ops,
};

struct iommu_domain dmock_identity_nb = {
	.type = IOMMU_DOMAIN_IDENTITY,
	.ops = &dmock_static_ops,
};

struct iommu_domain dmock_blocked = {
	.type = IOMMU_DOMAIN_BLOCKED,
	.ops = &dmock_static_ops,
};

struct iommu_domain *dmock_domain_alloc_paging(struct device *dev)
{
	struct dmock_domain *md = kzalloc(sizeof(*md), GFP_KERNEL);

	if (!md)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&md->lock);
	xa_init(&md->leaves);
	md->domain.ops = &dmock_paging_ops;
	md->domain.pgsize_bitmap = DMOCK_PGSIZES;
	md->domain.geometry.aperture_start = 0;
	md->domain.geometry.aperture_end = DMOCK_APERTURE - 1;
	md->domain.geometry.force_aperture = true;
	atomic_inc(&dmock.domains_made);
	return &md->domain;
}

static int dmock_def_domain_type(struct device *dev)
{
	return dmock.def_type;
}

static bool dmock_capable(struct device *dev, enum iommu_cap cap)
{
	return cap == IOMMU_CAP_CACHE_COHERENCY;
}

static void dmock_get_resv_regions(struct device *dev, struct list_head *list)
{
	struct dmock_dev *mdev = to_mock_dev(dev);
	struct iommu_resv_region *r;
	int i;

	for (i = 0; i < ARRAY_SIZE(mdev->direct); i++) {
		if (!mdev->direct[i].len)
			continue;
		r = iommu_alloc_resv_region(mdev->direct[i].start,
					    mdev->direct[i].len,
					    IOMMU_READ | IOMMU_WRITE,
					    IOMMU_RESV_DIRECT, GFP_KERNEL);
		if (r)
			list_add_tail(&r->list, list);
	}
}

static bool dmock_same_key(struct device *a, struct device *b)
{
	return !to_mock_dev(a)->bridge[0] && !to_mock_dev(b)->bridge[0] &&
	       to_mock_dev(a)->key == to_mock_dev(b)->key;
}

/* A bridging device's group is the merge of the two groups it bridges. */
static struct iommu_group *dmock_device_group(struct device *dev,
					      struct iommu_group_reason *why)
{
	struct dmock_dev *mdev = to_mock_dev(dev);
	struct iommu_group *a, *b, *stay;

	if (!mdev->bridge[0])
		return iommu_kunit_peer_group(dev, dmock_same_key);
	a = iommu_group_get(mdev->bridge[0]);
	b = iommu_group_get(mdev->bridge[1]);
	stay = a && b ? iommu_group_merge(a, b) : ERR_PTR(-ENODEV);
	if (!IS_ERR(stay))
		iommu_group_ref_get(stay);
	iommu_group_put(a);
	iommu_group_put(b);
	return stay;
}

const struct iommu_ops dmock_ops = {
	.add_device = iommu_kunit_add_device,
	.device_group = dmock_device_group,
	.get_resv_regions = dmock_get_resv_regions,
	.capable = dmock_capable,
	.domain_alloc_paging = dmock_domain_alloc_paging,
	.def_domain_type = dmock_def_domain_type,
	.identity_domain = &dmock_identity,
	.blocked_domain = &dmock_blocked,
};

/* The same driver without a blocked domain: the core makes its own. */
const struct iommu_ops dmock_noblock_ops = {
	.add_device = iommu_kunit_add_device,
	.device_group = dmock_device_group,
	.get_resv_regions = dmock_get_resv_regions,
	.domain_alloc_paging = dmock_domain_alloc_paging,
	.def_domain_type = dmock_def_domain_type,
	.identity_domain = &dmock_identity_nb,
};

/* The same driver without domains, as our drivers that do not translate. */
const struct iommu_ops dmock_nodomain_ops = {
	.add_device = iommu_kunit_add_device,
	.device_group = dmock_device_group,
};

/* Only the owner of its domains matters: another driver. */
const struct iommu_ops dmock_other_ops = {
	.add_device = iommu_kunit_add_device,
	.device_group = generic_device_group,
};

/* --- The test bus and its drivers --------------------------------------- */

static int dmock_bus_match(struct device *dev, const struct device_driver *drv)
{
	const struct dmock_driver *mdrv = to_mock_driver(drv);

	return !mdrv->only || mdrv->only == dev;
}

/* As the PCI bus: drivers that manage DMA themselves are not counted. */
static int dmock_dma_configure(struct device *dev)
{
	if (to_mock_driver(dev->driver)->driver_managed_dma)
		return 0;
	return iommu_device_use_default_domain(dev);
}

static void dmock_dma_cleanup(struct device *dev)
{
	if (!to_mock_driver(dev->driver)->driver_managed_dma)
		iommu_device_unuse_default_domain(dev);
}

const struct bus_type dmock_bus = {
	.name = "iommu_domain_kunit",
	.match = dmock_bus_match,
	.dma_configure = dmock_dma_configure,
	.dma_cleanup = dmock_dma_cleanup,
};

static int dmock_drv_probe(struct device *dev)
{
	return 0;
}

/* Register a driver for @only (NULL: every device) and bind it. */
struct dmock_driver *dmock_driver_add(struct kunit *test,
				      struct device *only, bool managed)
{
	struct dmock_driver *mdrv;

	mdrv = kunit_kzalloc(test, sizeof(*mdrv), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mdrv);
	mdrv->drv.bus = &dmock_bus;
	mdrv->drv.probe = dmock_drv_probe;
	mdrv->only = only;
	mdrv->driver_managed_dma = managed;
	iommu_kunit_driver_add(test, &mdrv->drv);
	return mdrv;
}

void dmock_driver_del(struct kunit *test, struct dmock_driver *mdrv)
{
	iommu_kunit_driver_del(test, &mdrv->drv);
}

static void dmock_dev_release(struct device *dev)
{
	kfree(to_mock_dev(dev)->ctx);
	kfree(to_mock_dev(dev));
}

/* A device on the test bus, not yet added. */
struct dmock_dev *dmock_dev_new(struct kunit *test, const char *name, int key)
{
	struct dmock_dev *mdev = kzalloc(sizeof(*mdev), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, mdev);
	mdev->key = key;
	iommu_kunit_device_init(test, &mdev->dev, &dmock_bus, NULL,
				dmock_dev_release, name);
	return mdev;
}

/* A device on the test bus, added (and so grouped) until the test ends. */
struct dmock_dev *dmock_dev_add(struct kunit *test, const char *name, int key)
{
	struct dmock_dev *mdev = dmock_dev_new(test, name, key);

	iommu_kunit_device_add(test, &mdev->dev);
	return mdev;
}

/* Every domain the mock driver made is freed once the test is over. */
static void dmock_balance_check(void *data)
{
	struct kunit *test = data;

	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&dmock.domains_made),
			    atomic_read(&dmock.domains_freed),
			    "paging domains made and freed do not balance");
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&dmock.bad_requests), 0,
			    "the core sent the driver bad requests");
}

int dmock_test_init(struct kunit *test)
{
	dmock.def_type = 0;
	atomic_set(&dmock.domains_made, 0);
	atomic_set(&dmock.domains_freed, 0);
	atomic_set(&dmock.bad_requests, 0);
	/* Registered first, so it runs after every other cleanup. */
	return kunit_add_action_or_reset(test, dmock_balance_check, test);
}

void dmock_bus_take(struct kunit *test, const struct iommu_ops *ops)
{
	iommu_kunit_bus_take(test, &dmock_bus, ops);
}

int dmock_suite_init(struct kunit_suite *suite)
{
	return iommu_kunit_suite_init(&dmock_bus);
}

void dmock_suite_exit(struct kunit_suite *suite)
{
	iommu_kunit_suite_exit(&dmock_bus);
}
