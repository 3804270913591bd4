// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the IOMMU groups of partitionable endpoints (pe-groups.c).
 *
 * A mock platform keeps a map of PEs, each with the group it registered, and
 * a test bus whose devices each name their PE.  The bus is handed to the
 * core with the PE helpers as callbacks, so devices added to and removed from
 * it take the same paths as PCI devices on POWER: the bus notifier, the
 * platform's late iommu_pe_add_device_to(), and removal.  Names are checked
 * through a private sysfs mount, where userspace reads them.
 */

#include <kunit/test.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/slab.h>

#include "iommu_kunit_helpers.h"
#include "../pe-groups.h"

/* The contents of /sys/kernel/iommu_groups/<id>/name, or "" if none. */
static void pe_group_name(int id, char *buf, size_t len)
{
	char path[48];

	snprintf(path, sizeof(path), "kernel/iommu_groups/%d/name", id);
	if (iommu_kunit_sysfs_read(path, buf, len))
		buf[0] = '\0';
}

/* --- The mock platform: a PE map and a bus ------------------------------ */

/**
 * struct mock_pe - a partitionable endpoint of the mock platform
 * @group: the group the platform registered for it (its reference), or NULL
 * @released: how often the group's iommu_data release ran for this PE
 */
struct mock_pe {
	struct iommu_group *group;
	int released;
};

/**
 * struct mock_pe_dev - a device of the mock platform
 * @dev: the device, on mock_pe_bus
 * @pe: the PE it belongs to, or NULL for one outside every PE
 */
struct mock_pe_dev {
	struct device dev;
	struct mock_pe *pe;
};

#define to_mock_pe_dev(d) container_of(d, struct mock_pe_dev, dev)

static const struct bus_type mock_pe_bus = {
	.name = "iommu_pe_kunit",
};

static void mock_pe_release(void *iommu_data)
{
	struct mock_pe *pe = iommu_data;

	pe->released++;
	pe->group = NULL;
}

/* The platform's lookup: the group of the device's PE, if registered. */
static struct iommu_group *mock_pe_device_group(struct device *dev,
						struct iommu_group_reason *why)
{
	struct mock_pe *pe = to_mock_pe_dev(dev)->pe;

	return pe ? iommu_pe_group_get(pe->group, why) : NULL;
}

static const struct iommu_ops mock_pe_ops = {
	.add_device = iommu_pe_add_device,
	.device_group = mock_pe_device_group,
};

/* A PE of the mock platform; it lives until the test's actions have run. */
static struct mock_pe *mock_pe_new(struct kunit *test)
{
	struct mock_pe *pe = kunit_kzalloc(test, sizeof(*pe), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, pe);
	return pe;
}

static void mock_pe_register(struct kunit *test, struct mock_pe *pe,
			     int domain, unsigned long num)
{
	pe->released = 0;
	pe->group = iommu_pe_group_alloc(domain, num, pe, mock_pe_release);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pe->group);
}

/* The platform drops its reference: the PE is going away. */
static void mock_pe_unregister(struct mock_pe *pe)
{
	struct iommu_group *group = pe->group;

	if (group)
		iommu_group_put(group);
}

static void mock_pe_unregister_action(void *pe)
{
	mock_pe_unregister(pe);
}

/* The test's actions drop the platform's reference to @pe. */
static void mock_pe_unregister_at_end(struct kunit *test, struct mock_pe *pe)
{
	int ret = kunit_add_action_or_reset(test, mock_pe_unregister_action, pe);

	KUNIT_ASSERT_EQ(test, ret, 0);
}

static void mock_pe_dev_release(struct device *dev)
{
	kfree(to_mock_pe_dev(dev));
}

/* A device of @pe, not yet registered. */
static struct device *mock_pe_dev_new(struct kunit *test, struct mock_pe *pe,
				      const char *name)
{
	struct mock_pe_dev *pdev = kzalloc(sizeof(*pdev), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, pdev);
	pdev->pe = pe;
	iommu_kunit_device_init(test, &pdev->dev, &mock_pe_bus, NULL,
				mock_pe_dev_release, name);
	return &pdev->dev;
}

/* A device of @pe, added to the bus; unregistered at the end of the test. */
static struct device *mock_pe_dev_add(struct kunit *test, struct mock_pe *pe,
				      const char *name)
{
	struct device *dev = mock_pe_dev_new(test, pe, name);

	iommu_kunit_device_add(test, dev);
	return dev;
}

static void mock_pe_dev_del(struct kunit *test, struct device *dev)
{
	iommu_kunit_device_del(test, dev);
}

/* @dev's group number, checked against its sysfs link; -1 if none. */
static int mock_pe_group_of(struct kunit *test, struct device *dev)
{
	struct iommu_group *group = iommu_group_get(dev);
	int id = group ? iommu_group_id(group) : -1;

	iommu_group_put(group);
	KUNIT_EXPECT_EQ(test, iommu_kunit_dev_group_link(dev), id);
	return id;
}

/* --- Tests -------------------------------------------------------------- */

static void pe_group_named_after_pe(struct kunit *test)
{
	struct mock_pe *pe = mock_pe_new(test);
	char name[48];
	int id;

	mock_pe_register(test, pe, 3, 0xab);
	id = iommu_group_id(pe->group);
	pe_group_name(id, name, sizeof(name));
	KUNIT_EXPECT_STREQ(test, name, "domain3-peab\n");
	KUNIT_EXPECT_PTR_EQ(test, iommu_group_get_iommudata(pe->group),
			    pe);
	KUNIT_EXPECT_EQ(test, pe->released, 0);

	mock_pe_unregister(pe);
	KUNIT_EXPECT_EQ(test, pe->released, 1);
	KUNIT_EXPECT_NULL(test, pe->group);
	KUNIT_EXPECT_FALSE(test, iommu_kunit_group_exists(id));
}

static void pe_group_names_large_numbers(struct kunit *test)
{
	struct mock_pe *pe = mock_pe_new(test);
	char name[48];

	mock_pe_register(test, pe, 65535, ULONG_MAX);
	pe_group_name(iommu_group_id(pe->group), name, sizeof(name));
	if (BITS_PER_LONG == 64)
		KUNIT_EXPECT_STREQ(test, name,
				   "domain65535-peffffffffffffffff\n");
	else
		KUNIT_EXPECT_STREQ(test, name, "domain65535-peffffffff\n");
	mock_pe_unregister(pe);
	KUNIT_EXPECT_EQ(test, pe->released, 1);
}

static void pe_devices_share_their_pe_group(struct kunit *test)
{
	struct mock_pe *a = mock_pe_new(test);
	struct mock_pe *b = mock_pe_new(test);
	struct device *a0, *a1, *a2, *b0, *b1;
	int ga, gb;

	mock_pe_register(test, a, 0, 1);
	mock_pe_unregister_at_end(test, a);
	mock_pe_register(test, b, 0, 2);
	mock_pe_unregister_at_end(test, b);

	/* Interleaved, as a bus scan finds them. */
	a0 = mock_pe_dev_add(test, a, "a0");
	b0 = mock_pe_dev_add(test, b, "b0");
	a1 = mock_pe_dev_add(test, a, "a1");
	b1 = mock_pe_dev_add(test, b, "b1");
	a2 = mock_pe_dev_add(test, a, "a2");

	ga = mock_pe_group_of(test, a0);
	gb = mock_pe_group_of(test, b0);
	KUNIT_EXPECT_EQ(test, ga, iommu_group_id(a->group));
	KUNIT_EXPECT_EQ(test, gb, iommu_group_id(b->group));
	KUNIT_EXPECT_NE(test, ga, gb);
	KUNIT_EXPECT_EQ(test, mock_pe_group_of(test, a1), ga);
	KUNIT_EXPECT_EQ(test, mock_pe_group_of(test, a2), ga);
	KUNIT_EXPECT_EQ(test, mock_pe_group_of(test, b1), gb);
	KUNIT_EXPECT_EQ(test, iommu_kunit_group_members(a->group), 3);
	KUNIT_EXPECT_EQ(test, iommu_kunit_group_members(b->group), 2);
}

static void pe_device_outside_every_pe_has_no_group(struct kunit *test)
{
	struct mock_pe *pe = mock_pe_new(test);
	struct device *in, *out;

	mock_pe_register(test, pe, 1, 0);
	mock_pe_unregister_at_end(test, pe);
	out = mock_pe_dev_add(test, NULL, "out");
	in = mock_pe_dev_add(test, pe, "in");

	KUNIT_EXPECT_EQ(test, mock_pe_group_of(test, out), -1);
	KUNIT_EXPECT_EQ(test, mock_pe_group_of(test, in),
			iommu_group_id(pe->group));
	KUNIT_EXPECT_EQ(test, iommu_kunit_group_members(pe->group), 1);
}

/* The PE's data goes exactly once, after the platform and every member. */
static void pe_iommudata_released_once(struct kunit *test)
{
	struct device *d0, *d1;
	struct mock_pe *pe = mock_pe_new(test);
	int id;

	mock_pe_register(test, pe, 2, 0x10);
	id = iommu_group_id(pe->group);
	d0 = mock_pe_dev_add(test, pe, "d0");
	d1 = mock_pe_dev_add(test, pe, "d1");

	/* The PE goes first (a host bridge being removed): members hold on. */
	mock_pe_unregister(pe);
	KUNIT_EXPECT_EQ(test, pe->released, 0);
	KUNIT_EXPECT_TRUE(test, iommu_kunit_group_exists(id));
	KUNIT_EXPECT_EQ(test, mock_pe_group_of(test, d0), id);

	mock_pe_dev_del(test, d0);
	KUNIT_EXPECT_EQ(test, pe->released, 0);
	KUNIT_EXPECT_EQ(test, mock_pe_group_of(test, d1), id);

	mock_pe_dev_del(test, d1);
	KUNIT_EXPECT_EQ(test, pe->released, 1);
	KUNIT_EXPECT_NULL(test, pe->group);
	KUNIT_EXPECT_FALSE(test, iommu_kunit_group_exists(id));
}

/* Removal undoes membership; the PE's group stays while the PE does. */
static void pe_removal_undoes_membership(struct kunit *test)
{
	struct device *d0, *d1;
	struct mock_pe *pe = mock_pe_new(test);
	char name[48];
	int id;

	mock_pe_register(test, pe, 0, 5);
	id = iommu_group_id(pe->group);
	d0 = mock_pe_dev_add(test, pe, "d0");
	d1 = mock_pe_dev_add(test, pe, "d1");
	KUNIT_EXPECT_EQ(test, iommu_kunit_group_members(pe->group), 2);

	mock_pe_dev_del(test, d0);
	KUNIT_EXPECT_EQ(test, iommu_kunit_group_members(pe->group), 1);
	mock_pe_dev_del(test, d1);
	KUNIT_EXPECT_EQ(test, iommu_kunit_group_members(pe->group), 0);
	KUNIT_EXPECT_TRUE(test, iommu_kunit_group_exists(id));
	pe_group_name(id, name, sizeof(name));
	KUNIT_EXPECT_STREQ(test, name, "domain0-pe5\n");
	KUNIT_EXPECT_EQ(test, pe->released, 0);

	/* Hot add again: the same group takes the device back. */
	d0 = mock_pe_dev_add(test, pe, "d0-again");
	KUNIT_EXPECT_EQ(test, mock_pe_group_of(test, d0), id);
	mock_pe_dev_del(test, d0);

	mock_pe_unregister(pe);
	KUNIT_EXPECT_EQ(test, pe->released, 1);
	KUNIT_EXPECT_FALSE(test, iommu_kunit_group_exists(id));
}

/*
 * A device seen before its PE is set up (POWER adds PCI devices before it
 * sets up their DMA) gets no group and no error, then joins when the
 * platform names its PE.
 */
static void pe_late_add_joins_once(struct kunit *test)
{
	struct mock_pe *pe = mock_pe_new(test);
	struct device *dev;

	dev = mock_pe_dev_add(test, pe, "early");
	KUNIT_EXPECT_EQ(test, mock_pe_group_of(test, dev), -1);

	mock_pe_register(test, pe, 4, 0x3);
	mock_pe_unregister_at_end(test, pe);
	KUNIT_EXPECT_EQ(test, iommu_pe_add_device_to(pe->group, dev), 0);
	KUNIT_EXPECT_EQ(test, mock_pe_group_of(test, dev),
			iommu_group_id(pe->group));

	/* Neither path adds it twice. */
	KUNIT_EXPECT_EQ(test, iommu_pe_add_device_to(pe->group, dev), -EBUSY);
	KUNIT_EXPECT_EQ(test, iommu_probe_device(dev), 0);
	KUNIT_EXPECT_EQ(test, iommu_kunit_group_members(pe->group), 1);
}

static void pe_late_add_refuses_bad_input(struct kunit *test)
{
	struct mock_pe *pe = mock_pe_new(test);
	struct device *dev;

	mock_pe_register(test, pe, 0, 7);
	mock_pe_unregister_at_end(test, pe);

	/* Not registered yet: the bus notifier will see it. */
	dev = mock_pe_dev_new(test, pe, "unregistered");
	KUNIT_EXPECT_EQ(test, iommu_pe_add_device_to(pe->group, dev), -ENOENT);
	KUNIT_EXPECT_NULL(test, dev->iommu_group);
	put_device(dev);

	/* A PE whose group could not be made. */
	dev = mock_pe_dev_add(test, NULL, "nogroup");
	KUNIT_EXPECT_EQ(test, iommu_pe_add_device_to(NULL, dev), -ENODEV);
	KUNIT_EXPECT_EQ(test, mock_pe_group_of(test, dev), -1);
	KUNIT_EXPECT_EQ(test, iommu_kunit_group_members(pe->group), 0);
}

static int pe_test_init(struct kunit *test)
{
	return bus_set_iommu(&mock_pe_bus, &mock_pe_ops);
}

/* Runs after the test's actions: its devices and PEs are gone. */
static void pe_test_exit(struct kunit *test)
{
	bus_set_iommu(&mock_pe_bus, NULL);
}

static int pe_suite_init(struct kunit_suite *suite)
{
	return iommu_kunit_suite_init(&mock_pe_bus);
}

static void pe_suite_exit(struct kunit_suite *suite)
{
	iommu_kunit_suite_exit(&mock_pe_bus);
}

static struct kunit_case pe_test_cases[] = {
	KUNIT_CASE(pe_group_named_after_pe),
	KUNIT_CASE(pe_group_names_large_numbers),
	KUNIT_CASE(pe_devices_share_their_pe_group),
	KUNIT_CASE(pe_device_outside_every_pe_has_no_group),
	KUNIT_CASE(pe_iommudata_released_once),
	KUNIT_CASE(pe_removal_undoes_membership),
	KUNIT_CASE(pe_late_add_joins_once),
	KUNIT_CASE(pe_late_add_refuses_bad_input),
	{}
};

static struct kunit_suite pe_test_suite = {
	.name = "iommu_pe",
	.suite_init = pe_suite_init,
	.suite_exit = pe_suite_exit,
	.init = pe_test_init,
	.exit = pe_test_exit,
	.test_cases = pe_test_cases,
};

kunit_test_suite(pe_test_suite);
