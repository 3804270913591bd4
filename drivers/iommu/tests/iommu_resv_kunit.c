// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for reserved regions.
 *
 * A mock IOMMU driver owns a test bus and reports, for each of its devices,
 * the regions the test gave it.  Groups are filled through the real core
 * (bus notifier, device_group callback), and the group's
 * "reserved_regions" file is read through a private sysfs mount, as
 * userspace reads it.
 */

#include <kunit/test.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/slab.h>

#include "../iommu-priv.h"
#include "iommu_kunit_helpers.h"

#define MAX_REGIONS 4

/* A device on the mock bus: devices with one @key share a group. */
struct resv_dev {
	struct device dev;
	int key;
	int nr;
	struct iommu_resv_region spec[MAX_REGIONS];
};

#define to_resv_dev(d) container_of(d, struct resv_dev, dev)

static const struct bus_type resv_bus = {
	.name = "iommu_resv_kunit",
};

static bool resv_same_key(struct device *a, struct device *b)
{
	return to_resv_dev(a)->key == to_resv_dev(b)->key;
}

static struct iommu_group *resv_device_group(struct device *dev,
					     struct iommu_group_reason *why)
{
	return iommu_kunit_peer_group(dev, resv_same_key);
}

static void resv_get_regions(struct device *dev, struct list_head *list)
{
	struct resv_dev *rdev = to_resv_dev(dev);
	struct iommu_resv_region *r;
	int i;

	for (i = 0; i < rdev->nr; i++) {
		r = iommu_alloc_resv_region(rdev->spec[i].start,
					    rdev->spec[i].length,
					    rdev->spec[i].prot,
					    rdev->spec[i].type, GFP_KERNEL);
		if (!r)
			return;
		list_add_tail(&r->list, list);
	}
}

static const struct iommu_ops resv_ops = {
	.add_device = iommu_kunit_add_device,
	.device_group = resv_device_group,
	.get_resv_regions = resv_get_regions,
};

static void resv_dev_release(struct device *dev)
{
	kfree(to_resv_dev(dev));
}

static void resv_bus_take(struct kunit *test)
{
	iommu_kunit_bus_take(test, &resv_bus, &resv_ops);
}

/* A device, not yet registered, to be given regions with resv(). */
static struct resv_dev *resv_dev_new(struct kunit *test, const char *name,
				     int key)
{
	struct resv_dev *rdev = kzalloc(sizeof(*rdev), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, rdev);
	rdev->key = key;
	iommu_kunit_device_init(test, &rdev->dev, &resv_bus, NULL,
				resv_dev_release, name);
	return rdev;
}

static void resv(struct resv_dev *rdev, u64 start, u64 end,
		 enum iommu_resv_type type)
{
	struct iommu_resv_region *r = &rdev->spec[rdev->nr++];

	r->start = start;
	r->length = end - start + 1;
	r->prot = IOMMU_READ | IOMMU_WRITE;
	r->type = type;
}

static struct device *resv_dev_add(struct kunit *test, struct resv_dev *rdev)
{
	iommu_kunit_device_add(test, &rdev->dev);
	return &rdev->dev;
}

static void group_put_action(void *group)
{
	iommu_group_put(group);
}

static struct iommu_group *group_of(struct kunit *test, struct device *dev)
{
	struct iommu_group *group = iommu_group_get(dev);

	KUNIT_ASSERT_NOT_NULL(test, group);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, group_put_action,
							group), 0);
	return group;
}

/* The group's reserved_regions file, read through sysfs. */
static char *read_regions(struct kunit *test, struct iommu_group *group)
{
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	char path[64];
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	snprintf(path, sizeof(path), "kernel/iommu_groups/%d/reserved_regions",
		 iommu_group_id(group));
	ret = iommu_kunit_sysfs_read(path, buf, PAGE_SIZE);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "read %s", path);
	return buf;
}

static void free_regions(void *list)
{
	iommu_put_resv_regions(NULL, list);
}

static struct list_head *group_regions(struct kunit *test,
				       struct iommu_group *group)
{
	struct list_head *list = kunit_kzalloc(test, sizeof(*list), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, list);
	INIT_LIST_HEAD(list);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_regions,
							list), 0);
	KUNIT_ASSERT_EQ(test, iommu_get_group_resv_regions(group, list), 0);
	return list;
}

static void expect_region(struct kunit *test, struct iommu_resv_region *r,
			  u64 start, u64 end, enum iommu_resv_type type)
{
	KUNIT_EXPECT_EQ(test, (u64)r->start, start);
	KUNIT_EXPECT_EQ(test, (u64)r->start + r->length - 1, end);
	KUNIT_EXPECT_EQ(test, r->type, type);
}

static void iommu_resv_group_has_union_of_members_sorted(struct kunit *test)
{
	struct resv_dev *a = resv_dev_new(test, "resv-union-a", 1);
	struct resv_dev *b = resv_dev_new(test, "resv-union-b", 1);
	struct iommu_resv_region *r[3], *pos;
	struct list_head *list;
	int n = 0;

	resv(a, 0x30000, 0x30fff, IOMMU_RESV_DIRECT);
	resv(b, 0xfee00000, 0xfeefffff, IOMMU_RESV_MSI);
	resv(b, 0x10000, 0x10fff, IOMMU_RESV_DIRECT);
	resv_bus_take(test);
	resv_dev_add(test, a);
	resv_dev_add(test, b);

	list = group_regions(test, group_of(test, &a->dev));
	KUNIT_ASSERT_EQ(test, list_count_nodes(list), 3);
	list_for_each_entry(pos, list, list)
		r[n++] = pos;
	expect_region(test, r[0], 0x10000, 0x10fff, IOMMU_RESV_DIRECT);
	expect_region(test, r[1], 0x30000, 0x30fff, IOMMU_RESV_DIRECT);
	expect_region(test, r[2], 0xfee00000, 0xfeefffff, IOMMU_RESV_MSI);
}

static void iommu_resv_overlaps_of_one_type_merge(struct kunit *test)
{
	struct resv_dev *a = resv_dev_new(test, "resv-merge-a", 2);
	struct resv_dev *b = resv_dev_new(test, "resv-merge-b", 2);
	struct resv_dev *c = resv_dev_new(test, "resv-merge-c", 2);
	struct list_head *list;

	resv(a, 0x1000, 0x2fff, IOMMU_RESV_DIRECT);
	resv(b, 0x2000, 0x4fff, IOMMU_RESV_DIRECT);
	resv(c, 0x1800, 0x18ff, IOMMU_RESV_DIRECT);	/* inside a */
	resv_bus_take(test);
	resv_dev_add(test, a);
	resv_dev_add(test, b);
	resv_dev_add(test, c);

	list = group_regions(test, group_of(test, &c->dev));
	KUNIT_ASSERT_EQ(test, list_count_nodes(list), 1);
	expect_region(test, list_first_entry(list, struct iommu_resv_region,
					     list),
		      0x1000, 0x4fff, IOMMU_RESV_DIRECT);
}

static void iommu_resv_types_never_merge(struct kunit *test)
{
	struct resv_dev *a = resv_dev_new(test, "resv-types-a", 3);
	struct resv_dev *b = resv_dev_new(test, "resv-types-b", 3);
	struct iommu_resv_region *first, *last;
	struct list_head *list;

	resv(a, 0x1000, 0x1fff, IOMMU_RESV_RESERVED);
	resv(b, 0x1000, 0x2fff, IOMMU_RESV_DIRECT);
	resv_bus_take(test);
	resv_dev_add(test, a);
	resv_dev_add(test, b);

	list = group_regions(test, group_of(test, &a->dev));
	KUNIT_ASSERT_EQ(test, list_count_nodes(list), 2);
	first = list_first_entry(list, struct iommu_resv_region, list);
	last = list_last_entry(list, struct iommu_resv_region, list);
	/* Same start: ordered by type. */
	expect_region(test, first, 0x1000, 0x2fff, IOMMU_RESV_DIRECT);
	expect_region(test, last, 0x1000, 0x1fff, IOMMU_RESV_RESERVED);
}

static void iommu_resv_touching_regions_stay_apart(struct kunit *test)
{
	struct resv_dev *a = resv_dev_new(test, "resv-touch-a", 4);
	struct list_head *list;

	resv(a, 0x2000, 0x2fff, IOMMU_RESV_DIRECT);
	resv(a, 0x1000, 0x1fff, IOMMU_RESV_DIRECT);
	resv_bus_take(test);
	resv_dev_add(test, a);

	list = group_regions(test, group_of(test, &a->dev));
	KUNIT_ASSERT_EQ(test, list_count_nodes(list), 2);
	expect_region(test, list_first_entry(list, struct iommu_resv_region,
					     list),
		      0x1000, 0x1fff, IOMMU_RESV_DIRECT);
}

static void iommu_resv_file_shows_group_regions(struct kunit *test)
{
	struct resv_dev *a = resv_dev_new(test, "resv-file-a", 5);
	struct resv_dev *b = resv_dev_new(test, "resv-file-b", 5);
	struct resv_dev *other = resv_dev_new(test, "resv-file-other", 6);
	struct iommu_group *group;

	resv(a, 0xe0000, 0xeffff, IOMMU_RESV_DIRECT);
	resv(a, 0xfee00000, 0xfeefffff, IOMMU_RESV_MSI);
	resv(b, 0xfee00000, 0xfeefffff, IOMMU_RESV_MSI);
	resv(b, 0x100000000ULL, 0x1000fffffULL, IOMMU_RESV_DIRECT_RELAXABLE);
	resv(other, 0x7000, 0x7fff, IOMMU_RESV_RESERVED);
	resv_bus_take(test);
	resv_dev_add(test, a);
	resv_dev_add(test, b);
	resv_dev_add(test, other);

	group = group_of(test, &a->dev);
	KUNIT_EXPECT_STREQ(test, read_regions(test, group),
			   "0x00000000000e0000 0x00000000000effff direct\n"
			   "0x00000000fee00000 0x00000000feefffff msi\n"
			   "0x0000000100000000 0x00000001000fffff direct-relaxable\n");
	KUNIT_EXPECT_STREQ(test, read_regions(test, group_of(test, &other->dev)),
			   "0x0000000000007000 0x0000000000007fff reserved\n");
}

static void iommu_resv_file_follows_membership(struct kunit *test)
{
	struct resv_dev *a = resv_dev_new(test, "resv-leave-a", 7);
	struct resv_dev *b = resv_dev_new(test, "resv-leave-b", 7);
	struct iommu_group *group;

	resv(a, 0x1000, 0x1fff, IOMMU_RESV_DIRECT);
	resv(b, 0x5000, 0x5fff, IOMMU_RESV_DIRECT);
	resv_bus_take(test);
	resv_dev_add(test, a);
	resv_dev_add(test, b);
	group = group_of(test, &a->dev);

	iommu_kunit_device_del(test, &b->dev);
	KUNIT_EXPECT_STREQ(test, read_regions(test, group),
			   "0x0000000000001000 0x0000000000001fff direct\n");
}

static void iommu_resv_file_empty_without_regions(struct kunit *test)
{
	struct resv_dev *a = resv_dev_new(test, "resv-none-a", 8);
	struct iommu_group *bare = iommu_group_alloc();

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bare);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, group_put_action,
							bare), 0);
	resv(a, 0x1000, 0x0fff, IOMMU_RESV_DIRECT);	/* length 0 */
	resv_bus_take(test);
	resv_dev_add(test, a);

	KUNIT_EXPECT_STREQ(test, read_regions(test, bare), "");
	KUNIT_EXPECT_STREQ(test, read_regions(test, group_of(test, &a->dev)), "");
}

static void iommu_resv_x86_msi_helper_appends_window(struct kunit *test)
{
	struct iommu_resv_region *r, *first;
	LIST_HEAD(list);

	r = iommu_alloc_resv_region(0x1000, 0x1000, IOMMU_READ,
				    IOMMU_RESV_DIRECT, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	list_add_tail(&r->list, &list);
	KUNIT_ASSERT_EQ(test, iommu_add_x86_msi_region(&list), 0);

	KUNIT_ASSERT_EQ(test, list_count_nodes(&list), 2);
	first = list_first_entry(&list, struct iommu_resv_region, list);
	r = list_last_entry(&list, struct iommu_resv_region, list);
	KUNIT_EXPECT_PTR_NE(test, first, r);
	expect_region(test, r, 0xfee00000, 0xfeefffff, IOMMU_RESV_MSI);
	KUNIT_EXPECT_TRUE(test, r->prot & IOMMU_WRITE);
	KUNIT_EXPECT_TRUE(test, r->prot & IOMMU_MMIO);
	iommu_put_resv_regions(NULL, &list);
	KUNIT_EXPECT_TRUE(test, list_empty(&list));
}

static int iommu_resv_suite_init(struct kunit_suite *suite)
{
	return iommu_kunit_suite_init(&resv_bus);
}

static void iommu_resv_suite_exit(struct kunit_suite *suite)
{
	iommu_kunit_suite_exit(&resv_bus);
}

static struct kunit_case iommu_resv_test_cases[] = {
	KUNIT_CASE(iommu_resv_group_has_union_of_members_sorted),
	KUNIT_CASE(iommu_resv_overlaps_of_one_type_merge),
	KUNIT_CASE(iommu_resv_types_never_merge),
	KUNIT_CASE(iommu_resv_touching_regions_stay_apart),
	KUNIT_CASE(iommu_resv_file_shows_group_regions),
	KUNIT_CASE(iommu_resv_file_follows_membership),
	KUNIT_CASE(iommu_resv_file_empty_without_regions),
	KUNIT_CASE(iommu_resv_x86_msi_helper_appends_window),
	{}
};

static struct kunit_suite iommu_resv_test_suite = {
	.name = "iommu_resv",
	.suite_init = iommu_resv_suite_init,
	.suite_exit = iommu_resv_suite_exit,
	.test_cases = iommu_resv_test_cases,
};

kunit_test_suite(iommu_resv_test_suite);

MODULE_DESCRIPTION("KUnit tests for IOMMU reserved regions");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
