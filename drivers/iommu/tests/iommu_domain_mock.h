/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The mock paging IOMMU driver of the domain suites (iommu_domain_kunit.c)
 * and its test bus; see iommu_domain_mock.c.
 */
#ifndef __IOMMU_DOMAIN_MOCK_H
#define __IOMMU_DOMAIN_MOCK_H

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

#define DMOCK_APERTURE	SZ_4G		/* IOVAs 0 .. 4 GiB - 1 */

/* One leaf of the mock page table. */
struct dmock_leaf {
	unsigned long iova;
	phys_addr_t phys;
	size_t size;
	int prot;
};

/*
 * A paging domain of the mock driver.  @interleave: map_pages and
 * unmap_pages sleep a moment in each call, so that concurrent callers
 * interleave even on one CPU; set it only for callers that may sleep.
 * @fail_map_call: the map_pages call (counted from 1) that fails halfway;
 * 0 for none.  @sync_start, @sync_end: the range the last iotlb_sync saw.
 */
struct dmock_domain {
	struct iommu_domain domain;
	bool interleave;
	spinlock_t lock;		/* protects everything below */
	struct xarray leaves;
	unsigned long nr_leaves;
	unsigned long made_4k, made_2m, made_1g;
	unsigned int map_calls, unmap_calls, fail_map_call;
	unsigned int syncs;
	unsigned long sync_start, sync_end;
};

#define to_mock_domain(d) container_of(d, struct dmock_domain, domain)

/* What a device attach allocates in the driver (a context entry, say). */
struct dmock_context {
	struct iommu_domain *domain;
};

/*
 * A device on the mock bus.  Devices with the same @key share a group; a
 * device with @bridge set is grouped by merging the groups of the two
 * devices it names.  @direct: up to two direct regions (@len 0: none).
 * @fail_domain: attaching this device to it fails with -EIO.  The rest is
 * what attach_dev saw last: the domain, whether the device was a group
 * member then, and whether its direct regions were mapped 1:1 in it.
 */
struct dmock_dev {
	struct device dev;
	int key;
	struct device *bridge[2];
	struct {
		phys_addr_t start;
		size_t len;
	} direct[2];
	struct iommu_domain *fail_domain;
	struct iommu_domain *domain;
	struct dmock_context *ctx;
	unsigned int attaches;
	bool in_group_at_attach;
	bool direct_at_attach;
};

#define to_mock_dev(d) container_of(d, struct dmock_dev, dev)

/* A driver of the test bus; @only: the one device it binds, or any. */
struct dmock_driver {
	struct device_driver drv;
	struct device *only;
	bool driver_managed_dma;
};

#define to_mock_driver(d) container_of_const(d, struct dmock_driver, drv)

/* What the mock driver counts for the running test. */
struct dmock_state {
	int def_type;			/* def_domain_type()'s answer */
	atomic_t domains_made;
	atomic_t domains_freed;
	atomic_t bad_requests;
};

extern struct dmock_state dmock;
extern struct iommu_domain dmock_identity, dmock_identity_nb, dmock_blocked;
extern const struct iommu_ops dmock_ops, dmock_noblock_ops, dmock_other_ops;
extern const struct iommu_ops dmock_nodomain_ops;
extern const struct bus_type dmock_bus;

bool dmock_is_paging(struct iommu_domain *domain);
struct iommu_domain *dmock_domain_alloc_paging(struct device *dev);

struct dmock_driver *dmock_driver_add(struct kunit *test, struct device *only,
				      bool managed);
void dmock_driver_del(struct kunit *test, struct dmock_driver *mdrv);
struct dmock_dev *dmock_dev_new(struct kunit *test, const char *name,
				int key);
struct dmock_dev *dmock_dev_add(struct kunit *test, const char *name,
				int key);

void dmock_bus_take(struct kunit *test, const struct iommu_ops *ops);
int dmock_test_init(struct kunit *test);
int dmock_suite_init(struct kunit_suite *suite);
void dmock_suite_exit(struct kunit_suite *suite);

#endif /* __IOMMU_DOMAIN_MOCK_H */
