// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for /sys/class/iommu: instances and their device links,
 * checked through a private sysfs mount by the paths userspace reads.
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/slab.h>

#include "../iommu-priv.h"
#include "iommu_kunit_helpers.h"

static struct kernfs_node *class_node(const char *rel)
{
	char path[128];

	snprintf(path, sizeof(path), "class/iommu/%s", rel);
	return iommu_kunit_sysfs_node(path, true);
}

/* What /sys/class/iommu/@iommu/devices/<@dev's name> points to. */
static struct kernfs_node *link_node(const char *iommu, struct device *dev)
{
	char path[160];

	snprintf(path, sizeof(path), "class/iommu/%s/devices/%s", iommu,
		 dev_name(dev));
	return iommu_kunit_sysfs_node(path, true);
}

static void sysfs_remove_action(void *iommu)
{
	iommu_device_sysfs_remove(iommu);
}

static struct iommu_device *iommu_add(struct kunit *test, const char *name)
{
	struct iommu_device *iommu;

	iommu = kunit_kzalloc(test, sizeof(*iommu), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, iommu);
	KUNIT_ASSERT_EQ(test, iommu_device_sysfs_add(iommu, NULL, NULL, "%s",
						     name), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							sysfs_remove_action,
							iommu), 0);
	return iommu;
}

static struct device *dev_add(struct kunit *test, const char *name)
{
	struct device *dev = kunit_device_register(test, name);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	return dev;
}

static void iommu_device_sysfs_add_names_class_device(struct kunit *test)
{
	struct iommu_device *iommu;

	iommu = kunit_kzalloc(test, sizeof(*iommu), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, iommu);
	KUNIT_ASSERT_EQ(test, iommu_device_sysfs_add(iommu, NULL, NULL,
						     "kunit-iommu%d", 7), 0);
	KUNIT_ASSERT_NOT_NULL(test, iommu->dev);
	KUNIT_EXPECT_STREQ(test, dev_name(iommu->dev), "kunit-iommu7");
	KUNIT_EXPECT_PTR_EQ(test, dev_get_drvdata(iommu->dev), (void *)iommu);
	KUNIT_EXPECT_NOT_NULL(test, class_node("kunit-iommu7/devices"));

	iommu_device_sysfs_remove(iommu);
	KUNIT_EXPECT_NULL(test, iommu->dev);
	KUNIT_EXPECT_NULL(test, class_node("kunit-iommu7"));
}

static void iommu_device_sysfs_add_uses_parent(struct kunit *test)
{
	struct device *parent = dev_add(test, "kunit-iommu-parent");
	struct iommu_device *iommu;

	iommu = kunit_kzalloc(test, sizeof(*iommu), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, iommu);
	KUNIT_ASSERT_EQ(test, iommu_device_sysfs_add(iommu, parent, NULL,
						     "kunit-child"), 0);
	KUNIT_EXPECT_PTR_EQ(test, iommu->dev->parent, parent);
	KUNIT_EXPECT_PTR_EQ(test, class_node("kunit-child"),
			    iommu->dev->kobj.sd);
	iommu_device_sysfs_remove(iommu);
}

static void iommu_device_link_adds_both_links(struct kunit *test)
{
	struct iommu_device *iommu = iommu_add(test, "kunit-link");
	struct device *dev = dev_add(test, "kunit-linked-dev");

	KUNIT_ASSERT_EQ(test, iommu_device_link(iommu, dev), 0);
	KUNIT_EXPECT_PTR_EQ(test, link_node("kunit-link", dev), dev->kobj.sd);
	KUNIT_EXPECT_PTR_EQ(test, iommu_kunit_dev_node(dev, "iommu"),
			    iommu->dev->kobj.sd);

	iommu_device_unlink(iommu, dev);
	KUNIT_EXPECT_NULL(test, link_node("kunit-link", dev));
	KUNIT_EXPECT_NULL(test, iommu_kunit_dev_node(dev, "iommu"));
	/* The instance itself stays. */
	KUNIT_EXPECT_NOT_NULL(test, class_node("kunit-link/devices"));
}

static void iommu_device_link_keeps_devices_apart(struct kunit *test)
{
	struct iommu_device *a = iommu_add(test, "kunit-a");
	struct iommu_device *b = iommu_add(test, "kunit-b");
	struct device *da = dev_add(test, "kunit-dev-a");
	struct device *db = dev_add(test, "kunit-dev-b");

	KUNIT_ASSERT_EQ(test, iommu_device_link(a, da), 0);
	KUNIT_ASSERT_EQ(test, iommu_device_link(b, db), 0);
	KUNIT_EXPECT_NOT_NULL(test, link_node("kunit-a", da));
	KUNIT_EXPECT_NULL(test, link_node("kunit-a", db));
	KUNIT_EXPECT_NOT_NULL(test, link_node("kunit-b", db));
	KUNIT_EXPECT_PTR_EQ(test, iommu_kunit_dev_node(db, "iommu"),
			    b->dev->kobj.sd);
	iommu_device_unlink(a, da);
	iommu_device_unlink(b, db);
}

static void iommu_device_link_second_instance_fails_cleanly(struct kunit *test)
{
	struct iommu_device *a = iommu_add(test, "kunit-first");
	struct iommu_device *b = iommu_add(test, "kunit-second");
	struct device *dev = dev_add(test, "kunit-dev-twice");

	KUNIT_ASSERT_EQ(test, iommu_device_link(a, dev), 0);
	KUNIT_EXPECT_EQ(test, iommu_device_link(b, dev), -EEXIST);
	/* The failed link left nothing behind in the second instance. */
	KUNIT_EXPECT_PTR_EQ(test, link_node("kunit-first", dev), dev->kobj.sd);
	KUNIT_EXPECT_NULL(test, link_node("kunit-second", dev));
	KUNIT_EXPECT_PTR_EQ(test, iommu_kunit_dev_node(dev, "iommu"),
			    a->dev->kobj.sd);
	iommu_device_unlink(a, dev);
}

static void iommu_device_link_needs_sysfs_instance(struct kunit *test)
{
	struct iommu_device bare = {};
	struct device *dev = dev_add(test, "kunit-dev-bare");

	KUNIT_EXPECT_EQ(test, iommu_device_link(&bare, dev), -ENODEV);
	KUNIT_EXPECT_EQ(test, iommu_device_link(NULL, dev), -ENODEV);
	KUNIT_EXPECT_EQ(test, iommu_device_link(ERR_PTR(-EIO), dev), -ENODEV);
	KUNIT_EXPECT_NULL(test, iommu_kunit_dev_node(dev, "iommu"));
	/* Harmless on an instance that is not in sysfs. */
	iommu_device_unlink(&bare, dev);
	iommu_device_sysfs_remove(&bare);
}

static int iommu_sysfs_suite_init(struct kunit_suite *suite)
{
	return iommu_kunit_suite_init(NULL);
}

static void iommu_sysfs_suite_exit(struct kunit_suite *suite)
{
	iommu_kunit_suite_exit(NULL);
}

static struct kunit_case iommu_sysfs_test_cases[] = {
	KUNIT_CASE(iommu_device_sysfs_add_names_class_device),
	KUNIT_CASE(iommu_device_sysfs_add_uses_parent),
	KUNIT_CASE(iommu_device_link_adds_both_links),
	KUNIT_CASE(iommu_device_link_keeps_devices_apart),
	KUNIT_CASE(iommu_device_link_second_instance_fails_cleanly),
	KUNIT_CASE(iommu_device_link_needs_sysfs_instance),
	{}
};

static struct kunit_suite iommu_sysfs_test_suite = {
	.name = "iommu_device_sysfs",
	.suite_init = iommu_sysfs_suite_init,
	.suite_exit = iommu_sysfs_suite_exit,
	.test_cases = iommu_sysfs_test_cases,
};

kunit_test_suite(iommu_sysfs_test_suite);

MODULE_DESCRIPTION("KUnit tests for IOMMU instances in sysfs");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
