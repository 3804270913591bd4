// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the PCI isolation rules in pci-groups.c.
 *
 * Each test builds a PCI hierarchy out of fake configuration spaces behind a
 * private root bus, lets the real PCI core scan it, and has a mock IOMMU
 * driver own the PCI bus with pci_device_group() as its device_group.  So the
 * PCI core, the group core's bus notifier and the rules run as they would on
 * hardware.  UML has a PCI core but no host bridge, so the bus numbers here
 * are ours alone.
 */

#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/iommu.h>
#include <linux/mount.h>
#include <linux/pci.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include "../iommu-priv.h"
#include "iommu_kunit_helpers.h"
#include "iommu_pci_fake.h"

static void fake_pci_fini_action(void *fp)
{
	fake_pci_fini(fp);
}

static struct fake_pci *fake_pci_new(struct kunit *test, u8 root_nr)
{
	struct fake_pci *fp = kunit_kzalloc(test, sizeof(*fp), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fp);
	fake_pci_init(fp, root_nr);
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test, fake_pci_fini_action,
						  fp), 0);
	return fp;
}

/* --- The mock IOMMU driver ------------------------------------------- */

static struct iommu_device *mock_pci_add_device(struct device *dev)
{
	if (!fake_on_bus(to_pci_dev(dev)))
		return ERR_PTR(-ENODEV);
	return iommu_kunit_add_device(dev);
}

static const struct iommu_ops mock_pci_ops = {
	.add_device = mock_pci_add_device,
	.device_group = pci_device_group,
};

static void mock_pci_take(struct kunit *test)
{
	iommu_kunit_bus_take(test, &pci_bus_type, &mock_pci_ops);
}

/* A hierarchy below root bus @root, grouped as it is scanned. */
static struct fake_pci *fake_start(struct kunit *test, u8 root)
{
	struct fake_pci *fp = fake_pci_new(test, root);

	mock_pci_take(test);
	return fp;
}

#define D(dev, fn)	PCI_DEVFN(dev, fn)

/* Both devices are grouped, and in one group if @same, else apart. */
static void expect_groups(struct kunit *test, bool same, u8 b1, u8 df1,
			  u8 b2, u8 df2)
{
	int g1 = fake_gid(b1, df1), g2 = fake_gid(b2, df2);

	KUNIT_EXPECT_TRUE_MSG(test, g1 >= 0 && g2 >= 0 && (g1 == g2) == same,
			      "%02x:%02x.%d in group %d, %02x:%02x.%d in %d, expected %s",
			      b1, PCI_SLOT(df1), PCI_FUNC(df1), g1, b2,
			      PCI_SLOT(df2), PCI_FUNC(df2), g2,
			      same ? "the same" : "two");
}

#define EXPECT_SAME(test, ...)	expect_groups(test, true, __VA_ARGS__)
#define EXPECT_APART(test, ...)	expect_groups(test, false, __VA_ARGS__)

/* --- One case per rule ----------------------------------------------- */

/* Rule 6: devices on a root bus stand alone. */
static void pci_root_bus_devices_stand_alone(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x10);

	fake_add(fp, 0x10, D(0, 0), FAKE_RCIEP, 0, 0, 0);
	fake_add(fp, 0x10, D(1, 0), FAKE_RCIEP, 0, 0, 0);
	fake_add(fp, 0x10, D(2, 0), FAKE_CONV, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);

	EXPECT_APART(test, 0x10, D(0, 0), 0x10, D(1, 0));
	EXPECT_APART(test, 0x10, D(1, 0), 0x10, D(2, 0));
	EXPECT_APART(test, 0x10, D(0, 0), 0x10, D(2, 0));
}

/* Rule 3: functions without ACS share; with ACS on all they stand alone. */
static void pci_multifunction_without_acs_shares(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x11);

	fake_add(fp, 0x11, D(2, 0), FAKE_RCIEP, F_MF, 0, 0);
	fake_add(fp, 0x11, D(2, 1), FAKE_RCIEP, F_MF, 0, 0);
	fake_add(fp, 0x11, D(3, 0), FAKE_RCIEP, F_MF | F_ACS, 0, 0);
	fake_add(fp, 0x11, D(3, 1), FAKE_RCIEP, F_MF | F_ACS, 0, 0);
	fake_add(fp, 0x11, D(4, 0), FAKE_RCIEP, F_MF | F_ACS_OFF, 0, 0);
	fake_add(fp, 0x11, D(4, 1), FAKE_RCIEP, F_MF | F_ACS_OFF, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);

	EXPECT_SAME(test, 0x11, D(2, 0), 0x11, D(2, 1));
	EXPECT_APART(test, 0x11, D(3, 0), 0x11, D(3, 1));
	EXPECT_SAME(test, 0x11, D(4, 0), 0x11, D(4, 1));
	EXPECT_APART(test, 0x11, D(2, 0), 0x11, D(4, 0));
}

/* Rule 3: one function without ACS reaches its siblings that have ACS. */
static void pci_multifunction_one_without_acs_joins_slot(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x12);

	fake_add(fp, 0x12, D(5, 0), FAKE_RCIEP, F_MF | F_ACS, 0, 0);
	fake_add(fp, 0x12, D(5, 1), FAKE_RCIEP, F_MF | F_ACS, 0, 0);
	fake_add(fp, 0x12, D(5, 2), FAKE_RCIEP, F_MF, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);

	EXPECT_SAME(test, 0x12, D(5, 0), 0x12, D(5, 2));
	EXPECT_SAME(test, 0x12, D(5, 1), 0x12, D(5, 2));
}

/* Rule 3: a single-function device never counts as another's sibling. */
static void pci_single_function_is_no_sibling(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x13);

	/* Function 0 lacks the multifunction bit, so only it is scanned. */
	fake_add(fp, 0x13, D(6, 0), FAKE_RCIEP, 0, 0, 0);
	fake_add(fp, 0x13, D(6, 1), FAKE_RCIEP, F_MF, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);

	KUNIT_EXPECT_GE(test, fake_gid(0x13, D(6, 0)), 0);
	KUNIT_EXPECT_EQ(test, fake_gid(0x13, D(6, 1)), -2);
}

/*
 * Rule 3: function 1 of a multifunction device need not repeat the header
 * bit (the PCI core marks it only after adding it); it still shares.
 */
static void pci_function_without_mf_bit_is_sibling(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x16);

	fake_add(fp, 0x16, D(6, 0), FAKE_EP, F_MF, 0, 0);
	fake_add(fp, 0x16, D(6, 1), FAKE_EP, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);

	EXPECT_SAME(test, 0x16, D(6, 0), 0x16, D(6, 1));
}

/* Rule 1: a quirk alias joins both devices, whichever comes first. */
static void pci_dma_alias_joins_both_orders(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x14);

	/* 01.0 aliases 02.0, found later; 04.0 aliases 03.0, found earlier. */
	fake_add(fp, 0x14, D(1, 0), FAKE_RCIEP, 0, 0, 0);
	fake_set_alias(fp, 0x14, D(1, 0), D(2, 0));
	fake_add(fp, 0x14, D(2, 0), FAKE_RCIEP, 0, 0, 0);
	fake_add(fp, 0x14, D(3, 0), FAKE_RCIEP, 0, 0, 0);
	fake_add(fp, 0x14, D(4, 0), FAKE_RCIEP, 0, 0, 0);
	fake_set_alias(fp, 0x14, D(4, 0), D(3, 0));
	fake_add(fp, 0x14, D(5, 0), FAKE_RCIEP, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);

	EXPECT_SAME(test, 0x14, D(1, 0), 0x14, D(2, 0));
	EXPECT_SAME(test, 0x14, D(3, 0), 0x14, D(4, 0));
	EXPECT_APART(test, 0x14, D(1, 0), 0x14, D(3, 0));
	EXPECT_APART(test, 0x14, D(5, 0), 0x14, D(1, 0));
	EXPECT_APART(test, 0x14, D(5, 0), 0x14, D(3, 0));
}

/* Rule 1: an alias partner that is hot-added later still joins. */
static void pci_dma_alias_partner_hot_added(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x15);

	fake_add(fp, 0x15, D(1, 0), FAKE_RCIEP, 0, 0, 0);
	fake_set_alias(fp, 0x15, D(1, 0), D(7, 0));
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);
	KUNIT_EXPECT_GE(test, fake_gid(0x15, D(1, 0)), 0);

	fake_add(fp, 0x15, D(7, 0), FAKE_RCIEP, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);
	EXPECT_SAME(test, 0x15, D(1, 0), 0x15, D(7, 0));

	/* Removed and added again, the partner finds the alias again. */
	fake_remove(0x15, D(7, 0));
	KUNIT_EXPECT_EQ(test, fake_gid(0x15, D(7, 0)), -2);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);
	EXPECT_SAME(test, 0x15, D(1, 0), 0x15, D(7, 0));
}

/*
 * A FINAL-stage alias quirk, as Switchtec NTB has: it runs after the device
 * was added to the bus and grouped, before a driver can bind.
 */
#define FAKE_DEVICE_LATE_ALIAS	0x00a2
static int late_alias_devfn = -1;

static void fake_late_alias_quirk(struct pci_dev *pdev)
{
	if (fake_on_bus(pdev) && late_alias_devfn >= 0)
		pci_add_dma_alias(pdev, late_alias_devfn, 1);
}
DECLARE_PCI_FIXUP_FINAL(FAKE_VENDOR, FAKE_DEVICE_LATE_ALIAS,
			fake_late_alias_quirk);

static int late_alias_probe(struct pci_dev *pdev,
			    const struct pci_device_id *id)
{
	return 0;
}

static const struct pci_device_id late_alias_ids[] = {
	{ PCI_DEVICE(FAKE_VENDOR, FAKE_DEVICE_LATE_ALIAS) },
	{ }
};

static struct pci_driver late_alias_driver = {
	.name = "iommu_kunit_late_alias",
	.id_table = late_alias_ids,
	.probe = late_alias_probe,
};

/* The same, under a name of its own: a driver's name stays taken for a while. */
static struct pci_driver extra_bind_driver = {
	.name = "iommu_kunit_extra_bind",
	.id_table = late_alias_ids,
	.probe = late_alias_probe,
};

static void late_alias_driver_unregister(void *drv)
{
	pci_unregister_driver(drv);
}

/* Rule 1: an alias added by a late quirk joins before a driver binds. */
static void pci_dma_alias_from_final_quirk_joins_before_bind(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x7c);
	struct pci_dev *a, *b;
	struct fake_fn *fn;

	fn = fake_add(fp, 0x7c, D(1, 0), FAKE_RCIEP, 0, 0, 0);
	fake_put16(fn->cfg + PCI_DEVICE_ID, FAKE_DEVICE_LATE_ALIAS);
	fake_add(fp, 0x7c, D(2, 0), FAKE_RCIEP, 0, 0, 0);
	late_alias_devfn = D(2, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);
	late_alias_devfn = -1;
	a = fake_dev(0x7c, D(1, 0));
	b = fake_dev(0x7c, D(2, 0));
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_TRUE(test, pci_devs_are_dma_aliases(a, b));

	KUNIT_ASSERT_EQ(test, pci_register_driver(&late_alias_driver), 0);
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test,
						  late_alias_driver_unregister,
						  &late_alias_driver), 0);
	KUNIT_EXPECT_NOT_NULL(test, a->dev.driver);
	EXPECT_SAME(test, 0x7c, D(1, 0), 0x7c, D(2, 0));
}

/* --- Extra requester IDs from the IOMMU driver ----------------------- */

/* One extra requester ID that the mock driver below gives device @rid. */
struct mock_extra {
	u16 rid;
	u16 extra;
};

static const struct mock_extra *mock_extras;
static unsigned int mock_nr_extras;
/* A bus whose devices the mock leaves for the test to probe, or -1. */
static int mock_extra_defer_bus = -1;

static struct iommu_device *mock_extra_add_device(struct device *dev)
{
	struct pci_dev *pdev = to_pci_dev(dev);

	if (!fake_on_bus(pdev) || pdev->bus->number == mock_extra_defer_bus)
		return ERR_PTR(-ENODEV);
	return iommu_kunit_add_device(dev);
}

/* As an IOMMU driver that reads aliases from firmware does. */
static struct iommu_group *mock_extra_device_group(struct device *dev,
						   struct iommu_group_reason *why)
{
	u16 rid = pci_dev_id(to_pci_dev(dev)), rids[4];
	unsigned int i, nr = 0;

	for (i = 0; i < mock_nr_extras && nr < ARRAY_SIZE(rids); i++)
		if (mock_extras[i].rid == rid)
			rids[nr++] = mock_extras[i].extra;
	return pci_device_group_rids(dev, rids, nr, "test alias", why);
}

static const struct iommu_ops mock_extra_ops = {
	.add_device = mock_extra_add_device,
	.device_group = mock_extra_device_group,
};

static void mock_extra_release(void *unused)
{
	mock_extras = NULL;
	mock_nr_extras = 0;
	mock_extra_defer_bus = -1;
}

/* A hierarchy below root bus @root, grouped with the @nr extra IDs @e. */
static struct fake_pci *fake_start_extra(struct kunit *test, u8 root,
					 const struct mock_extra *e,
					 unsigned int nr)
{
	struct fake_pci *fp = fake_pci_new(test, root);

	mock_extras = e;
	mock_nr_extras = nr;
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test, mock_extra_release,
						  NULL), 0);
	iommu_kunit_bus_take(test, &pci_bus_type, &mock_extra_ops);
	return fp;
}

#define RID(bus, df)	((bus) << 8 | (df))

/*
 * Rule 1 with the driver's extra IDs: one that is another device's own ID
 * joins the two across buses, and two devices with an extra ID that no
 * device has share too; the joining device says why.
 */
static void pci_extra_rid_joins_across_buses(struct kunit *test)
{
	static const struct mock_extra extras[] = {
		{ RID(0x82, D(0, 0)), RID(0x81, D(0, 0)) },
		{ RID(0x83, D(0, 0)), RID(0x8f, D(0, 0)) },
		{ RID(0x84, D(0, 0)), RID(0x8f, D(0, 0)) },
	};
	struct fake_pci *fp = fake_start_extra(test, 0x80, extras,
					       ARRAY_SIZE(extras));
	char *buf = kunit_kzalloc(test, 1024, GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 1; i <= 4; i++) {
		fake_add(fp, 0x80, D(i, 0), FAKE_RP, F_ACS, 0x80 + i, 0x80 + i);
		fake_add(fp, 0x80 + i, D(0, 0), FAKE_EP, 0, 0, 0);
	}
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);

	EXPECT_SAME(test, 0x81, D(0, 0), 0x82, D(0, 0));
	EXPECT_SAME(test, 0x83, D(0, 0), 0x84, D(0, 0));
	EXPECT_APART(test, 0x81, D(0, 0), 0x83, D(0, 0));
	EXPECT_APART(test, 0x80, D(1, 0), 0x81, D(0, 0));
	EXPECT_APART(test, 0x80, D(2, 0), 0x82, D(0, 0));

	if (!IS_ENABLED(CONFIG_DEBUG_FS))
		return;
	KUNIT_ASSERT_EQ(test, iommu_kunit_group_reasons(fake_gid(0x81, D(0, 0)),
							buf, 1024), 0);
	KUNIT_EXPECT_STREQ(test, buf,
			   "0000:81:00.0: first device of the group\n"
			   "0000:82:00.0: test alias with 0000:81:00.0\n");
}

/*
 * The entry of a device is rebuilt when a late quirk gives it a DMA alias
 * before its driver binds; its extra IDs stay in it, so a device that is
 * hot-added later under one of them still joins.
 */
static void pci_extra_rids_survive_bind_reread(struct kunit *test)
{
	static const struct mock_extra extras[] = {
		{ RID(0x89, D(0, 0)), RID(0x8a, D(0, 0)) },
	};
	struct fake_pci *fp = fake_start_extra(test, 0x88, extras,
					       ARRAY_SIZE(extras));
	struct fake_fn *fn;
	struct pci_dev *a;

	fake_add(fp, 0x88, D(1, 0), FAKE_RP, F_ACS, 0x89, 0x89);
	fake_add(fp, 0x88, D(2, 0), FAKE_RP, F_ACS, 0x8a, 0x8a);
	fn = fake_add(fp, 0x89, D(0, 0), FAKE_EP, 0, 0, 0);
	fake_put16(fn->cfg + PCI_DEVICE_ID, FAKE_DEVICE_LATE_ALIAS);
	late_alias_devfn = D(1, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);
	late_alias_devfn = -1;
	a = fake_dev(0x89, D(0, 0));
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, a->dma_alias_mask);
	KUNIT_ASSERT_TRUE(test, test_bit(D(1, 0), a->dma_alias_mask));

	/* Binding reads the new alias and indexes the device afresh. */
	KUNIT_ASSERT_EQ(test, pci_register_driver(&extra_bind_driver), 0);
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test,
						  late_alias_driver_unregister,
						  &extra_bind_driver), 0);
	KUNIT_EXPECT_NOT_NULL(test, a->dev.driver);
	KUNIT_EXPECT_GE(test, fake_gid(0x89, D(0, 0)), 0);

	fake_add(fp, 0x8a, D(0, 0), FAKE_EP, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);
	EXPECT_SAME(test, 0x89, D(0, 0), 0x8a, D(0, 0));
	EXPECT_APART(test, 0x88, D(2, 0), 0x8a, D(0, 0));
}

/* Rule 2: behind a PCIe-to-PCI bridge, everything shares the bridge's group. */
static void pci_conventional_bridge_hides_everything_below(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x20);

	fake_add(fp, 0x20, D(1, 0), FAKE_RP, F_ACS, 0x21, 0x23);
	fake_add(fp, 0x21, D(0, 0), FAKE_P2P, 0, 0x22, 0x23);
	fake_add(fp, 0x22, D(1, 0), FAKE_CONV, 0, 0, 0);
	fake_add(fp, 0x22, D(2, 0), FAKE_CONV, 0, 0, 0);
	fake_add(fp, 0x22, D(3, 0), FAKE_PPB, 0, 0x23, 0x23);
	fake_add(fp, 0x23, D(4, 0), FAKE_CONV, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);

	EXPECT_SAME(test, 0x21, D(0, 0), 0x22, D(1, 0));
	EXPECT_SAME(test, 0x21, D(0, 0), 0x22, D(2, 0));
	EXPECT_SAME(test, 0x21, D(0, 0), 0x22, D(3, 0));
	EXPECT_SAME(test, 0x21, D(0, 0), 0x23, D(4, 0));
	EXPECT_APART(test, 0x20, D(1, 0), 0x21, D(0, 0));
}

/* Rule 4: a root port with ACS isolates what is below it. */
static void pci_root_port_with_acs_isolates(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x24);

	fake_add(fp, 0x24, D(1, 0), FAKE_RP, F_ACS, 0x25, 0x25);
	fake_add(fp, 0x24, D(2, 0), FAKE_RP, F_ACS, 0x26, 0x26);
	fake_add(fp, 0x25, D(0, 0), FAKE_EP, 0, 0, 0);
	fake_add(fp, 0x26, D(0, 0), FAKE_EP, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);

	EXPECT_APART(test, 0x24, D(1, 0), 0x25, D(0, 0));
	EXPECT_APART(test, 0x25, D(0, 0), 0x26, D(0, 0));
	EXPECT_APART(test, 0x24, D(1, 0), 0x24, D(2, 0));
}

/* Rule 4: below a root port without ACS, the port's subtree is one group. */
static void pci_root_port_without_acs_joins_port(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x28);

	fake_add(fp, 0x28, D(1, 0), FAKE_RP, 0, 0x29, 0x29);
	fake_add(fp, 0x28, D(2, 0), FAKE_RP, F_ACS_OFF, 0x2a, 0x2a);
	fake_add(fp, 0x29, D(0, 0), FAKE_EP, 0, 0, 0);
	fake_add(fp, 0x2a, D(0, 0), FAKE_EP, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);

	EXPECT_SAME(test, 0x28, D(1, 0), 0x29, D(0, 0));
	EXPECT_SAME(test, 0x28, D(2, 0), 0x2a, D(0, 0));
	EXPECT_APART(test, 0x29, D(0, 0), 0x2a, D(0, 0));
}

/* Build rp (ACS) -> usp -> dsp 0/1 (@acs0/@acs1) -> one endpoint each. */
static void build_switch(struct fake_pci *fp, u8 b, unsigned int acs0,
			 unsigned int acs1)
{
	fake_add(fp, b, D(1, 0), FAKE_RP, F_ACS, b + 1, b + 4);
	fake_add(fp, b + 1, D(0, 0), FAKE_USP, 0, b + 2, b + 4);
	fake_add(fp, b + 2, D(0, 0), FAKE_DSP, acs0, b + 3, b + 3);
	fake_add(fp, b + 2, D(1, 0), FAKE_DSP, acs1, b + 4, b + 4);
	fake_add(fp, b + 3, D(0, 0), FAKE_EP, 0, 0, 0);
	fake_add(fp, b + 4, D(0, 0), FAKE_EP, 0, 0, 0);
}

/* Rule 5: below downstream ports without ACS, the switch is one group. */
static void pci_switch_without_acs_is_one_group(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x30);

	build_switch(fp, 0x30, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);

	EXPECT_SAME(test, 0x33, D(0, 0), 0x34, D(0, 0));
	EXPECT_SAME(test, 0x32, D(0, 0), 0x34, D(0, 0));
	EXPECT_SAME(test, 0x32, D(1, 0), 0x33, D(0, 0));
	EXPECT_SAME(test, 0x31, D(0, 0), 0x33, D(0, 0));
	EXPECT_APART(test, 0x30, D(1, 0), 0x33, D(0, 0));
}

/* Rule 5: one port without ACS lets its devices reach the whole switch. */
static void pci_switch_one_port_without_acs(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x38);

	build_switch(fp, 0x38, F_ACS, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);

	EXPECT_SAME(test, 0x3b, D(0, 0), 0x3c, D(0, 0));
	EXPECT_SAME(test, 0x3a, D(0, 0), 0x3c, D(0, 0));
	EXPECT_APART(test, 0x38, D(1, 0), 0x3b, D(0, 0));
}

/* Rule 4: a switch whose ports all have ACS isolates every endpoint. */
static void pci_switch_with_acs_isolates(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x40);

	build_switch(fp, 0x40, F_ACS, F_ACS);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);

	EXPECT_APART(test, 0x43, D(0, 0), 0x44, D(0, 0));
	EXPECT_APART(test, 0x42, D(0, 0), 0x43, D(0, 0));
	EXPECT_APART(test, 0x42, D(0, 0), 0x42, D(1, 0));
	EXPECT_APART(test, 0x41, D(0, 0), 0x43, D(0, 0));
}

/* Rules 4 and 5: only the switch where isolation ends becomes one group. */
static void pci_nested_switch_groups_at_highest_open_point(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x48);

	/* Outer switch with ACS; the inner one below its port 0 without. */
	fake_add(fp, 0x48, D(1, 0), FAKE_RP, F_ACS, 0x49, 0x4f);
	fake_add(fp, 0x49, D(0, 0), FAKE_USP, 0, 0x4a, 0x4f);
	fake_add(fp, 0x4a, D(0, 0), FAKE_DSP, F_ACS, 0x4b, 0x4e);
	fake_add(fp, 0x4b, D(0, 0), FAKE_USP, 0, 0x4c, 0x4e);
	fake_add(fp, 0x4c, D(0, 0), FAKE_DSP, 0, 0x4d, 0x4d);
	fake_add(fp, 0x4c, D(1, 0), FAKE_DSP, 0, 0x4e, 0x4e);
	fake_add(fp, 0x4d, D(0, 0), FAKE_EP, 0, 0, 0);
	fake_add(fp, 0x4e, D(0, 0), FAKE_EP, 0, 0, 0);
	fake_add(fp, 0x4a, D(1, 0), FAKE_DSP, F_ACS, 0x4f, 0x4f);
	fake_add(fp, 0x4f, D(0, 0), FAKE_EP, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);

	EXPECT_SAME(test, 0x4d, D(0, 0), 0x4e, D(0, 0));
	EXPECT_SAME(test, 0x4b, D(0, 0), 0x4d, D(0, 0));
	EXPECT_SAME(test, 0x4c, D(1, 0), 0x4d, D(0, 0));
	EXPECT_APART(test, 0x4a, D(0, 0), 0x4d, D(0, 0));
	EXPECT_APART(test, 0x4f, D(0, 0), 0x4d, D(0, 0));
	EXPECT_APART(test, 0x49, D(0, 0), 0x4d, D(0, 0));
}

/* Rules 3 and 4: multifunction root ports with ACS stay apart, without share. */
static void pci_multifunction_root_ports(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x5c);

	fake_add(fp, 0x5c, D(0x1c, 0), FAKE_RP, F_MF | F_ACS, 0x5d, 0x5d);
	fake_add(fp, 0x5c, D(0x1c, 1), FAKE_RP, F_MF | F_ACS, 0x5e, 0x5e);
	fake_add(fp, 0x5c, D(0x1d, 0), FAKE_RP, F_MF, 0x5f, 0x5f);
	fake_add(fp, 0x5c, D(0x1d, 1), FAKE_RP, F_MF, 0x60, 0x60);
	/* Function 1 without the header bit, as QEMU builds it by default. */
	fake_add(fp, 0x5c, D(0x1e, 0), FAKE_RP, F_MF | F_ACS, 0x61, 0x61);
	fake_add(fp, 0x5c, D(0x1e, 1), FAKE_RP, F_ACS, 0x62, 0x62);
	fake_add(fp, 0x5d, D(0, 0), FAKE_EP, 0, 0, 0);
	fake_add(fp, 0x5e, D(0, 0), FAKE_EP, 0, 0, 0);
	fake_add(fp, 0x5f, D(0, 0), FAKE_EP, 0, 0, 0);
	fake_add(fp, 0x60, D(0, 0), FAKE_EP, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);

	EXPECT_APART(test, 0x5c, D(0x1c, 0), 0x5c, D(0x1c, 1));
	EXPECT_APART(test, 0x5d, D(0, 0), 0x5e, D(0, 0));
	EXPECT_SAME(test, 0x5c, D(0x1d, 0), 0x5c, D(0x1d, 1));
	EXPECT_SAME(test, 0x5f, D(0, 0), 0x60, D(0, 0));
	EXPECT_SAME(test, 0x5c, D(0x1d, 0), 0x60, D(0, 0));
	EXPECT_APART(test, 0x5c, D(0x1c, 0), 0x5c, D(0x1d, 0));
	EXPECT_APART(test, 0x5c, D(0x1e, 0), 0x5c, D(0x1e, 1));
}

/*
 * Rule 3 below bridges: a request from below a root port without ACS that
 * the port sends to its sibling's window goes down the sibling, whatever ACS
 * the sibling has, so the sibling's subtree joins too.
 */
static void pci_slot_sibling_bridge_opens_subtree(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x50);

	fake_add(fp, 0x50, D(2, 0), FAKE_RP, F_MF, 0x51, 0x51);
	fake_add(fp, 0x50, D(2, 1), FAKE_RP, F_MF | F_ACS, 0x52, 0x52);
	fake_add(fp, 0x51, D(0, 0), FAKE_EP, 0, 0, 0);
	fake_add(fp, 0x52, D(0, 0), FAKE_EP, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);

	EXPECT_SAME(test, 0x50, D(2, 0), 0x50, D(2, 1));
	EXPECT_SAME(test, 0x50, D(2, 0), 0x51, D(0, 0));
	EXPECT_SAME(test, 0x51, D(0, 0), 0x52, D(0, 0));
}

/* The same when the function without ACS comes after the sibling's subtree. */
static void pci_slot_sibling_added_later_opens_subtree(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x53);

	fake_add(fp, 0x53, D(2, 0), FAKE_RP, F_MF | F_ACS, 0x54, 0x54);
	fake_add(fp, 0x54, D(0, 0), FAKE_EP, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);
	EXPECT_APART(test, 0x53, D(2, 0), 0x54, D(0, 0));

	fake_add(fp, 0x53, D(2, 1), FAKE_RP, F_MF, 0x55, 0x55);
	fake_add(fp, 0x55, D(0, 0), FAKE_EP, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);
	EXPECT_SAME(test, 0x53, D(2, 1), 0x54, D(0, 0));
	EXPECT_SAME(test, 0x54, D(0, 0), 0x55, D(0, 0));
	EXPECT_SAME(test, 0x53, D(2, 0), 0x55, D(0, 0));
}

/*
 * A host bridge function in a root-port slot (as on AMD) initiates no DMA:
 * although it has no ACS, it neither joins the ports nor opens their subtrees.
 */
static void pci_slot_host_bridge_stays_out(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x56);
	struct pci_dev *pdev;

	fake_add(fp, 0x56, D(2, 0), FAKE_HOST, F_MF, 0, 0);
	fake_add(fp, 0x56, D(2, 1), FAKE_RP, F_MF | F_ACS, 0x57, 0x57);
	fake_add(fp, 0x56, D(2, 2), FAKE_RP, F_MF | F_ACS, 0x58, 0x58);
	fake_add(fp, 0x57, D(0, 0), FAKE_EP, 0, 0, 0);
	fake_add(fp, 0x58, D(0, 0), FAKE_EP, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);

	pdev = fake_dev(0x56, D(2, 0));
	KUNIT_ASSERT_NOT_NULL(test, pdev);
	KUNIT_EXPECT_EQ(test, pdev->class >> 8, PCI_CLASS_BRIDGE_HOST);
	EXPECT_APART(test, 0x56, D(2, 0), 0x56, D(2, 1));
	EXPECT_APART(test, 0x56, D(2, 1), 0x56, D(2, 2));
	EXPECT_APART(test, 0x57, D(0, 0), 0x58, D(0, 0));
	EXPECT_APART(test, 0x56, D(2, 0), 0x57, D(0, 0));
}

/*
 * Rule 5 on a switch's internal bus: an endpoint there reaches the window of
 * every downstream port before their ACS applies, so the switch is one group.
 */
static void pci_switch_bus_endpoint_opens_switch(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x63);

	fake_add(fp, 0x63, D(1, 0), FAKE_RP, F_ACS, 0x64, 0x66);
	fake_add(fp, 0x64, D(0, 0), FAKE_USP, 0, 0x65, 0x66);
	fake_add(fp, 0x65, D(0, 0), FAKE_DSP, F_ACS, 0x66, 0x66);
	fake_add(fp, 0x65, D(1, 0), FAKE_EP, 0, 0, 0);
	fake_add(fp, 0x66, D(0, 0), FAKE_EP, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);

	EXPECT_SAME(test, 0x65, D(1, 0), 0x66, D(0, 0));
	EXPECT_SAME(test, 0x65, D(0, 0), 0x65, D(1, 0));
	EXPECT_SAME(test, 0x64, D(0, 0), 0x66, D(0, 0));
	EXPECT_APART(test, 0x63, D(1, 0), 0x66, D(0, 0));
}

/* Hot removal and rescan: the rest stays grouped, returning devices rejoin. */
static void pci_hot_remove_and_rescan_rejoin(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x68);
	int g;

	build_switch(fp, 0x68, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);
	g = fake_gid(0x6b, D(0, 0));
	KUNIT_ASSERT_GE(test, g, 0);

	/*
	 * A downstream port and its endpoint.  The last port of the switch:
	 * UML's PCI core numbers buses in scan order, so a port that returns
	 * behind a sibling port must not have the lower bus number (the scan
	 * would give it its sibling's bus; fake_pci_scan() catches that).
	 */
	fake_remove(0x6a, D(1, 0));
	KUNIT_EXPECT_EQ(test, fake_gid(0x6a, D(1, 0)), -2);
	KUNIT_EXPECT_EQ(test, fake_gid(0x6c, D(0, 0)), -2);
	KUNIT_EXPECT_EQ(test, fake_gid(0x6b, D(0, 0)), g);

	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);
	KUNIT_EXPECT_EQ(test, fake_gid(0x6a, D(0, 0)), g);
	KUNIT_EXPECT_EQ(test, fake_gid(0x6a, D(1, 0)), g);
	KUNIT_EXPECT_EQ(test, fake_gid(0x6b, D(0, 0)), g);
	KUNIT_EXPECT_EQ(test, fake_gid(0x6c, D(0, 0)), g);
}

/* Hot removal: the index forgets a device, so a new one is judged afresh. */
static void pci_hot_remove_forgets_device(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x70);
	struct fake_fn *rp;

	rp = fake_add(fp, 0x70, D(1, 0), FAKE_RP, 0, 0x71, 0x71);
	fake_add(fp, 0x71, D(0, 0), FAKE_EP, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);
	EXPECT_SAME(test, 0x70, D(1, 0), 0x71, D(0, 0));

	/* A new root port in the same place, now with ACS. */
	fake_remove(0x70, D(1, 0));
	KUNIT_EXPECT_EQ(test, fake_gid(0x71, D(0, 0)), -2);
	fake_put32(rp->cfg + PCI_CFG_SPACE_SIZE, PCI_EXT_CAP_ID_ACS | 1 << 16);
	fake_put16(rp->cfg + PCI_CFG_SPACE_SIZE + PCI_ACS_CAP, ACS_ALL);
	fake_put16(rp->cfg + PCI_CFG_SPACE_SIZE + PCI_ACS_CTRL, ACS_ALL);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);
	EXPECT_APART(test, 0x70, D(1, 0), 0x71, D(0, 0));
}

/**
 * struct event_log - IOMMU_GROUP_NOTIFY events seen on one group's chain
 * @nb: the notifier
 * @adds: number of IOMMU_GROUP_NOTIFY_ADD_DEVICE events
 * @dels: number of IOMMU_GROUP_NOTIFY_DEL_DEVICE events
 * @last_del: device of the last DEL event
 */
struct event_log {
	struct notifier_block nb;
	int adds;
	int dels;
	struct device *last_del;
};

static int event_log_call(struct notifier_block *nb, unsigned long action,
			  void *data)
{
	struct event_log *log = container_of(nb, struct event_log, nb);

	if (action == IOMMU_GROUP_NOTIFY_ADD_DEVICE)
		log->adds++;
	if (action == IOMMU_GROUP_NOTIFY_DEL_DEVICE) {
		log->dels++;
		log->last_del = data;
	}
	return NOTIFY_OK;
}

/* A later device that must join two groups merges them into one. */
static void pci_new_device_merges_two_groups(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x74);
	struct event_log log1 = { .nb.notifier_call = event_log_call };
	struct event_log log3 = { .nb.notifier_call = event_log_call };
	struct iommu_group *g1, *g3;
	struct pci_dev *d1, *d3;

	/* 01.1 will share 01.0's slot and alias 03.0. */
	fake_add(fp, 0x74, D(1, 0), FAKE_RCIEP, F_MF, 0, 0);
	fake_add(fp, 0x74, D(3, 0), FAKE_RCIEP, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);
	d1 = fake_dev(0x74, D(1, 0));
	d3 = fake_dev(0x74, D(3, 0));
	g1 = iommu_group_get(&d1->dev);
	g3 = iommu_group_get(&d3->dev);
	KUNIT_ASSERT_NOT_NULL(test, g1);
	KUNIT_ASSERT_NOT_NULL(test, g3);
	KUNIT_ASSERT_NE(test, iommu_group_id(g1), iommu_group_id(g3));
	iommu_group_register_notifier(g1, &log1.nb);
	iommu_group_register_notifier(g3, &log3.nb);

	fake_add(fp, 0x74, D(1, 1), FAKE_RCIEP, F_MF, 0, 0);
	fake_set_alias(fp, 0x74, D(1, 1), D(3, 0));
	KUNIT_EXPECT_EQ(test, fake_pci_scan(fp), 0);

	EXPECT_SAME(test, 0x74, D(1, 0), 0x74, D(3, 0));
	EXPECT_SAME(test, 0x74, D(1, 1), 0x74, D(3, 0));
	/* One group emptied: its member left it and joined the other. */
	KUNIT_EXPECT_EQ(test, log1.dels + log3.dels, 1);
	if (log1.dels) {
		KUNIT_EXPECT_PTR_EQ(test, log1.last_del, &d1->dev);
		KUNIT_EXPECT_EQ(test, log3.adds, 2);
		KUNIT_EXPECT_PTR_EQ(test, d1->dev.iommu_group, g3);
	} else {
		KUNIT_EXPECT_PTR_EQ(test, log3.last_del, &d3->dev);
		KUNIT_EXPECT_EQ(test, log1.adds, 2);
		KUNIT_EXPECT_PTR_EQ(test, d3->dev.iommu_group, g1);
	}

	iommu_group_unregister_notifier(g1, &log1.nb);
	iommu_group_unregister_notifier(g3, &log3.nb);
	iommu_group_put(g1);
	iommu_group_put(g3);
}

/* Every member of a group has a line saying why it is there. */
static void pci_debugfs_explains_each_member(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x78);
	char *buf = kunit_kzalloc(test, 1024, GFP_KERNEL);
	int id;

	if (!IS_ENABLED(CONFIG_DEBUG_FS))
		kunit_skip(test, "no debugfs");
	KUNIT_ASSERT_NOT_NULL(test, buf);
	fake_add(fp, 0x78, D(3, 0), FAKE_RCIEP, F_MF, 0, 0);
	fake_add(fp, 0x78, D(3, 1), FAKE_RCIEP, F_MF, 0, 0);
	fake_add(fp, 0x78, D(4, 0), FAKE_RP, F_ACS_OFF, 0x79, 0x79);
	fake_add(fp, 0x79, D(0, 0), FAKE_EP, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);

	id = fake_gid(0x78, D(3, 0));
	KUNIT_ASSERT_EQ(test, iommu_kunit_group_reasons(id, buf, 1024), 0);
	KUNIT_EXPECT_STREQ(test, buf,
			   "0000:78:03.0: first device of the group\n"
			   "0000:78:03.1: same slot as 0000:78:03.0, no ACS\n");

	id = fake_gid(0x79, D(0, 0));
	KUNIT_ASSERT_EQ(test, iommu_kunit_group_reasons(id, buf, 1024), 0);
	KUNIT_EXPECT_STREQ(test, buf,
			   "0000:78:04.0: first device of the group\n"
			   "0000:79:00.0: below 0000:78:04.0, which lacks ACS\n");
}

/* A merged member says where it came from. */
static void pci_debugfs_shows_merges(struct kunit *test)
{
	struct fake_pci *fp = fake_start(test, 0x7a);
	char *buf = kunit_kzalloc(test, 1024, GFP_KERNEL);
	char *expect;
	int g1, g3;

	if (!IS_ENABLED(CONFIG_DEBUG_FS))
		kunit_skip(test, "no debugfs");
	KUNIT_ASSERT_NOT_NULL(test, buf);
	fake_add(fp, 0x7a, D(1, 0), FAKE_RCIEP, F_MF, 0, 0);
	fake_add(fp, 0x7a, D(3, 0), FAKE_RCIEP, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);
	g1 = fake_gid(0x7a, D(1, 0));
	g3 = fake_gid(0x7a, D(3, 0));
	fake_add(fp, 0x7a, D(1, 1), FAKE_RCIEP, F_MF, 0, 0);
	fake_set_alias(fp, 0x7a, D(1, 1), D(3, 0));
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);

	/* Aliases are looked at first, so 03.0's group stays. */
	KUNIT_ASSERT_EQ(test, fake_gid(0x7a, D(1, 1)), g3);
	expect = kasprintf(GFP_KERNEL,
			   "0000:7a:03.0: first device of the group\n"
			   "0000:7a:01.0: first device of the group (merged from group %d)\n"
			   "0000:7a:01.1: requester ID 0000:7a:03.0, shared with 0000:7a:03.0\n",
			   g1);
	KUNIT_ASSERT_NOT_NULL(test, expect);
	KUNIT_EXPECT_EQ(test, iommu_kunit_group_reasons(g3, buf, 1024), 0);
	KUNIT_EXPECT_STREQ(test, buf, expect);
	KUNIT_EXPECT_NE(test, iommu_kunit_group_reasons(g1, buf, 1024), 0);
	kfree(expect);
}

/* --- Property test: random hierarchies against a reachability model -- */

/* kmemleak and KASAN (the x86 debug kernel) make each round far slower. */
#define PT_ITERATIONS	(IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) ? 250 : 1000)
#define PT_MAX		40
#define PT_SEED		0x10aa5eedU
#define PT_ROOT		0x80

/* The kind of bus a function sits on decides how a request crosses it. */
enum pt_bus {
	PT_ROOT_BUS,	/* inside the root complex, left only through the IOMMU */
	PT_LINK,	/* a PCIe link below a root or downstream port */
	PT_SWITCH_BUS,	/* a switch's internal bus, below its upstream port */
	PT_CONV_BUS,	/* a conventional PCI bus */
};

/**
 * struct pt_node - one function of a random hierarchy
 * @bus: its bus number
 * @devfn: its device and function
 * @sec: a bridge's secondary bus number
 * @parent: index of the bridge above it, or -1 on the root bus
 * @kind: what it is
 * @flags: F_MF, F_ACS, F_ACS_OFF
 * @alias: devfn of its quirk DMA alias on @bus, or -1
 */
struct pt_node {
	u8 bus;
	u8 devfn;
	u8 sec;
	int parent;
	enum fake_kind kind;
	unsigned int flags;
	int alias;
};

/**
 * struct pt_model - a random hierarchy and what its functions can reach
 * @n: the functions, every bridge followed by all below it
 * @nr: number of @n
 * @next_bus: the last bus number given out
 * @rnd: the generator
 * @edge: bit b of @edge[a]: the model joins @a and b directly
 * @up: union-find parents over @edge, the model's groups
 * @gid: the IOMMU group of each function, as pt_check() found it
 */
struct pt_model {
	struct pt_node n[PT_MAX];
	int nr;
	u8 next_bus;
	struct rnd_state rnd;
	u64 edge[PT_MAX];
	int up[PT_MAX];
	int gid[PT_MAX];
};

static_assert(PT_MAX <= 64);

/**
 * struct pt_tally - how much coarser than the model the groups are
 * @pairs: pairs of functions that share a group
 * @coarser: of those, pairs that the model keeps apart
 * @hierarchies: hierarchies with at least one such pair
 */
struct pt_tally {
	unsigned int pairs;
	unsigned int coarser;
	unsigned int hierarchies;
};

/* --- The generator --- */

static u32 pt_rand(struct pt_model *m, u32 n)
{
	return prandom_u32_state(&m->rnd) % n;
}

/* No ACS capability, one with every control on, or one with all off. */
static unsigned int pt_rand_acs(struct pt_model *m)
{
	static const unsigned int acs[] = { 0, F_ACS, F_ACS_OFF, F_ACS };

	return acs[pt_rand(m, ARRAY_SIZE(acs))];
}

/* The bus below a bridge of @kind. */
static enum pt_bus pt_bus_below(enum fake_kind kind)
{
	switch (kind) {
	case FAKE_RP:
	case FAKE_DSP:
		return PT_LINK;
	case FAKE_USP:
		return PT_SWITCH_BUS;
	default:
		return PT_CONV_BUS;
	}
}

static int pt_add(struct pt_model *m, u8 bus, u8 devfn, enum fake_kind kind,
		  unsigned int flags, int parent)
{
	struct pt_node *n;

	if (m->nr == PT_MAX)
		return -1;
	n = &m->n[m->nr];
	n->bus = bus;
	n->devfn = devfn;
	n->parent = parent;
	n->kind = kind;
	n->flags = flags;
	n->alias = -1;
	/* Now and then an endpoint that also DMAs as another function. */
	if (!fake_kinds[kind].bridge && kind != FAKE_HOST && !pt_rand(m, 6))
		n->alias = PCI_DEVFN(pt_rand(m, 5), pt_rand(m, 2));
	return m->nr++;
}

static void pt_gen_bus(struct pt_model *m, u8 bus, int parent,
		       enum pt_bus type, int depth);

/* Add one function; a bridge gets the next bus and a random one below. */
static int pt_fn(struct pt_model *m, u8 bus, u8 devfn, enum fake_kind kind,
		 unsigned int flags, int parent, int depth)
{
	int i = pt_add(m, bus, devfn, kind, flags, parent);

	if (i >= 0 && fake_kinds[kind].bridge) {
		m->n[i].sec = ++m->next_bus;
		pt_gen_bus(m, m->n[i].sec, i, pt_bus_below(kind), depth + 1);
	}
	return i;
}

/*
 * A slot of @nf functions: @first at function 0, @kind after it.  In a
 * multifunction device function 0 has the header bit and a later function
 * now and then lacks it, as QEMU builds them.  PCIe functions get random ACS.
 */
static void pt_slot(struct pt_model *m, u8 bus, u8 dev, unsigned int nf,
		    enum fake_kind first, enum fake_kind kind, int parent,
		    int depth)
{
	unsigned int fn, flags;
	enum fake_kind k;

	for (fn = 0; fn < nf; fn++) {
		k = fn ? kind : first;
		flags = nf > 1 && (!fn || pt_rand(m, 4)) ? F_MF : 0;
		if (fake_kinds[k].pcie_type >= 0)
			flags |= pt_rand_acs(m);
		pt_fn(m, bus, PCI_DEVFN(dev, fn), k, flags, parent, depth);
	}
}

/* Root ports, mixed with an integrated endpoint or a host bridge. */
static void pt_gen_root_port_slot(struct pt_model *m, u8 bus, u8 dev,
				  int depth)
{
	switch (pt_rand(m, 6)) {
	case 0:		/* AMD's dummy host bridge before its root ports */
		pt_slot(m, bus, dev, 2 + pt_rand(m, 2), FAKE_HOST, FAKE_RP,
			-1, depth);
		break;
	case 1:
		pt_slot(m, bus, dev, 2 + pt_rand(m, 2), FAKE_RCIEP, FAKE_RP,
			-1, depth);
		break;
	default:
		pt_slot(m, bus, dev, 1 + pt_rand(m, 3), FAKE_RP, FAKE_RP, -1,
			depth);
		break;
	}
}

/* A switch's internal bus: downstream ports, now and then something else. */
static void pt_gen_switch_bus(struct pt_model *m, u8 bus, int parent,
			      int depth)
{
	unsigned int i, n = 1 + pt_rand(m, 3);
	int dsp;

	for (i = 0; i < n; i++) {
		dsp = pt_fn(m, bus, PCI_DEVFN(i, 0), FAKE_DSP, pt_rand_acs(m),
			    parent, depth);
		/* A port that DMAs itself, with a quirk alias. */
		if (dsp >= 0 && !pt_rand(m, 6))
			m->n[dsp].alias = PCI_DEVFN(pt_rand(m, n + 1), 0);
	}
	switch (pt_rand(m, 4)) {
	case 0:
		pt_fn(m, bus, PCI_DEVFN(n, 0), FAKE_EP, pt_rand_acs(m), parent,
		      depth);
		break;
	case 1:
		pt_fn(m, bus, PCI_DEVFN(n, 0), FAKE_P2P, 0, parent, depth);
		break;
	}
}

static void pt_gen_bus(struct pt_model *m, u8 bus, int parent,
		       enum pt_bus type, int depth)
{
	bool deep = depth >= 4;
	unsigned int i, n;

	switch (type) {
	case PT_ROOT_BUS:
		n = 1 + pt_rand(m, 4);
		for (i = 1; i <= n; i++) {
			if (pt_rand(m, 3))
				pt_gen_root_port_slot(m, bus, i, depth);
			else
				pt_slot(m, bus, i, 1 + pt_rand(m, 3),
					FAKE_RCIEP, FAKE_RCIEP, parent, depth);
		}
		break;
	case PT_LINK:
		switch (deep ? 0 : pt_rand(m, 6)) {
		case 0:
			pt_slot(m, bus, 0, 1 + pt_rand(m, 3), FAKE_EP, FAKE_EP,
				parent, depth);
			break;
		case 1:
			pt_fn(m, bus, 0, FAKE_USP, pt_rand_acs(m), parent,
			      depth);
			break;
		case 2:
			pt_fn(m, bus, 0, FAKE_P2P, 0, parent, depth);
			break;
		case 3:		/* an endpoint with a PCI bridge as function 1 */
			pt_slot(m, bus, 0, 2, FAKE_EP, FAKE_P2P, parent,
				depth);
			break;
		case 4:
			pt_fn(m, bus, 0, FAKE_EP, 0, parent, depth);
			break;
		}
		break;
	case PT_SWITCH_BUS:
		pt_gen_switch_bus(m, bus, parent, depth);
		break;
	case PT_CONV_BUS:
		n = 1 + pt_rand(m, 3);
		for (i = 0; i < n; i++) {
			if (!deep && !pt_rand(m, 3))
				pt_fn(m, bus, PCI_DEVFN(i, 0), FAKE_PPB, 0,
				      parent, depth);
			else
				pt_slot(m, bus, i, 1 + pt_rand(m, 2),
					FAKE_CONV, FAKE_CONV, parent, depth);
		}
		break;
	}
}

/* --- The model --- */

/*
 * The model knows nothing of pci-groups.c's rules.  It asks, for every pair
 * of functions (A, B), whether a request of A can land in B's BAR (or, for a
 * bridge, in its window, which holds everything below it) without passing
 * the IOMMU, following the request hop by hop: across the bus A sits on,
 * inside A's device, up through each bridge and its ACS, and down again
 * where an address decoder claims it; or whether the IOMMU takes A's
 * requester ID for B's.  Groups must be unions of its connected components.
 *
 * Facts it assumes: the root complex sends whatever reaches it to the IOMMU
 * (peer traffic between devices on the root bus is not routed around it);
 * only endpoints master DMA, and a bridge only if a quirk gives it an alias
 * (so it DMAs); a host bridge function, such as AMD's dummy function in a
 * root-port slot, masters none and decodes no memory (no BAR, no window),
 * so it is neither initiator nor target.
 * The fake's ACS controls are all on or all off, so SV, RR, CR and UF are
 * one bit here; forged requester IDs beyond aliases are not modelled.
 */

/* Whether @x is @top or below it. */
static bool pt_below(struct pt_model *m, int x, int top)
{
	for (; x >= 0; x = m->n[x].parent)
		if (x == top)
			return true;
	return false;
}

/* Address decoding: a request for @t's range goes to @x or through it. */
static bool pt_claims(struct pt_model *m, int x, int t)
{
	return pt_below(m, t, x);
}

static enum pt_bus pt_bus_of(struct pt_model *m, int x)
{
	int p = m->n[x].parent;

	return p < 0 ? PT_ROOT_BUS : pt_bus_below(m->n[p].kind);
}

static bool pt_port(struct pt_model *m, int x)
{
	return m->n[x].kind == FAKE_RP || m->n[x].kind == FAKE_DSP;
}

/*
 * ACS as the hardware has it: a PCIe function with the capability and its
 * controls on.  A conventional function has no extended configuration space
 * and a PCIe-to-PCI bridge may not implement ACS.  Whether the PCI core has
 * noticed yet that a function belongs to a multifunction device does not
 * change what the function does.
 */
static bool pt_acs(struct pt_model *m, int x)
{
	struct pt_node *n = &m->n[x];

	return fake_kinds[n->kind].pcie_type >= 0 && n->kind != FAKE_P2P &&
	       (n->flags & F_ACS);
}

/* Functions of one device: the same slot on one bus. */
static bool pt_same_device(struct pt_model *m, int x, int y)
{
	return m->n[x].bus == m->n[y].bus &&
	       PCI_SLOT(m->n[x].devfn) == PCI_SLOT(m->n[y].devfn);
}

static bool pt_emit(struct pt_model *m, int x, int t);

/*
 * Hop: a request for @t arrives at bridge @b from its secondary side.  A
 * root or downstream port with ACS redirects every peer request upstream:
 * into the root complex, or out through the switch's upstream port.  One
 * without turns a request for its own window back down (no UF), and passes
 * any other up; other bridges pass up only what is not theirs.
 */
static bool pt_from_below(struct pt_model *m, int b, int t)
{
	if (pt_port(m, b) && pt_acs(m, b))
		return m->n[b].kind == FAKE_DSP &&
		       pt_emit(m, m->n[b].parent, t);
	if (pt_claims(m, b, t))
		return pt_port(m, b);
	return pt_emit(m, b, t);
}

/*
 * Hop: inside @x's device, a function without ACS hands a request for a
 * sibling's range straight to that sibling.  With ACS it goes upstream.
 */
static bool pt_loopback(struct pt_model *m, int x, int t)
{
	int y;

	for (y = 0; y < m->nr; y++)
		if (y != x && pt_same_device(m, x, y) && pt_claims(m, y, t))
			return !pt_acs(m, x);
	return false;
}

/*
 * Hop: across the bus @x sits on.  The root complex hands it to the IOMMU;
 * a link leads only to the port above; on a switch's internal bus the
 * switch routes by address to whatever claims it, and no downstream port's
 * ACS applies to a request that does not enter through that port; on a
 * conventional bus every device sees every transaction.  What nothing on
 * the bus claims goes up through the bridge above.  @x's own device was
 * pt_loopback()'s.
 */
static bool pt_cross_bus(struct pt_model *m, int x, int t)
{
	enum pt_bus type = pt_bus_of(m, x);
	int y;

	if (type == PT_ROOT_BUS)
		return false;
	if (type != PT_LINK) {
		for (y = 0; y < m->nr; y++)
			if (m->n[y].bus == m->n[x].bus &&
			    (y == x || !pt_same_device(m, x, y)) &&
			    pt_claims(m, y, t))
				return true;
	}
	return pt_from_below(m, m->n[x].parent, t);
}

/* @x puts a request for @t on its primary side, its own or forwarded. */
static bool pt_emit(struct pt_model *m, int x, int t)
{
	return pt_loopback(m, x, t) || pt_cross_bus(m, x, t);
}

/* Whether @x masters DMA at all (see above). */
static bool pt_initiator(struct pt_model *m, int x)
{
	struct pt_node *n = &m->n[x];

	if (n->alias >= 0)
		return true;
	return !fake_kinds[n->kind].bridge && n->kind != FAKE_HOST;
}

/* Whether a request of @a can land in @t's range without the IOMMU. */
static bool pt_reaches(struct pt_model *m, int a, int t)
{
	return pt_initiator(m, a) && m->n[t].kind != FAKE_HOST &&
	       pt_emit(m, a, t);
}

/*
 * The requester IDs the IOMMU sees on @x's requests, into @rid; returns how
 * many.  A bridge to conventional PCI puts its own ID on every request from
 * below it (the highest such bridge wins); otherwise a function's own ID
 * and its quirk alias.
 */
static int pt_rids(struct pt_model *m, int x, u16 *rid)
{
	int p, owner = x;

	for (p = m->n[x].parent; p >= 0; p = m->n[p].parent)
		if (m->n[p].kind == FAKE_P2P || m->n[p].kind == FAKE_PPB)
			owner = p;
	rid[0] = PCI_DEVID(m->n[owner].bus, m->n[owner].devfn);
	if (owner != x || m->n[x].alias < 0)
		return 1;
	rid[1] = PCI_DEVID(m->n[x].bus, m->n[x].alias);
	return 2;
}

/* Whether the IOMMU may take a request of @a for one of @b. */
static bool pt_mistaken(struct pt_model *m, int a, int b)
{
	u16 ra[2], rb[2];
	int na, nb, i, j;

	if (!pt_initiator(m, a))
		return false;
	na = pt_rids(m, a, ra);
	nb = pt_initiator(m, b) ? pt_rids(m, b, rb) : 0;
	/* @b's own ID, or one that @b's requests carry too. */
	for (i = 0; i < na; i++) {
		if (ra[i] == PCI_DEVID(m->n[b].bus, m->n[b].devfn))
			return true;
		for (j = 0; j < nb; j++)
			if (ra[i] == rb[j])
				return true;
	}
	return false;
}

/* Whether the model joins @a and @b directly. */
static bool pt_joins(struct pt_model *m, int a, int b)
{
	return pt_reaches(m, a, b) || pt_reaches(m, b, a) ||
	       pt_mistaken(m, a, b) || pt_mistaken(m, b, a);
}

static int pt_find(struct pt_model *m, int x)
{
	while (m->up[x] != x) {
		m->up[x] = m->up[m->up[x]];
		x = m->up[x];
	}
	return x;
}

/* The model's groups: the transitive closure of pt_joins(). */
static void pt_model(struct pt_model *m)
{
	int a, b;

	for (a = 0; a < m->nr; a++)
		m->up[a] = a;
	for (a = 0; a < m->nr; a++) {
		for (b = 0; b < a; b++) {
			if (!pt_joins(m, a, b))
				continue;
			m->edge[a] |= BIT_ULL(b);
			m->edge[b] |= BIT_ULL(a);
			m->up[pt_find(m, a)] = pt_find(m, b);
		}
	}
}

/* --- Building and checking --- */

static void pt_build(struct pt_model *m, struct fake_pci *fp)
{
	struct pt_node *n;
	int i, j;
	u8 sub;

	for (i = 0; i < m->nr; i++) {
		n = &m->n[i];
		sub = n->sec;
		if (fake_kinds[n->kind].bridge) {
			/* Children come right after their bridge. */
			for (j = i + 1; j < m->nr && pt_below(m, j, i); j++)
				sub = max3(sub, m->n[j].bus, m->n[j].sec);
		}
		fake_add(fp, n->bus, n->devfn, n->kind, n->flags,
			 n->sec, sub);
		if (n->alias >= 0)
			fake_set_alias(fp, n->bus, n->devfn, n->alias);
	}
}

/* Print the hierarchy, so a failing seed can be read without rerunning. */
static void pt_dump(struct kunit *test, struct pt_model *m)
{
	static const char * const kinds[] = {
		"conv", "ep", "rciep", "rp", "usp", "dsp", "pcie-pci",
		"pci-pci", "host",
	};
	char alias[16];
	struct pt_node *n;
	int i;

	static_assert(ARRAY_SIZE(kinds) == FAKE_HOST + 1);
	for (i = 0; i < m->nr; i++) {
		n = &m->n[i];
		alias[0] = 0;
		if (n->alias >= 0)
			snprintf(alias, sizeof(alias), " alias %02x.%d",
				 PCI_SLOT(n->alias), PCI_FUNC(n->alias));
		kunit_info(test, "  %d: %02x:%02x.%d %s%s%s%s%s parent %d sec %02x: model %d, group %d",
			   i, n->bus, PCI_SLOT(n->devfn), PCI_FUNC(n->devfn),
			   kinds[n->kind], n->flags & F_MF ? " mf" : "",
			   n->flags & F_ACS ? " acs" : "",
			   n->flags & F_ACS_OFF ? " acs-off" : "", alias,
			   n->parent, n->sec, pt_find(m, i), m->gid[i]);
	}
}

/* Say which pair the model joins that the groups keep apart. */
static void pt_fail(struct kunit *test, struct pt_model *m, u32 seed,
		    const char *when, int a, int b)
{
	const char *how = "reaches";
	struct pt_node *x, *y;

	if (pt_reaches(m, b, a) || pt_mistaken(m, b, a))
		swap(a, b);
	if (!pt_reaches(m, a, b))
		how = "is taken by the IOMMU for";
	x = &m->n[a];
	y = &m->n[b];
	KUNIT_FAIL(test,
		   "seed %#x %s: %02x:%02x.%d %s %02x:%02x.%d, but they are in groups %d and %d",
		   seed, when, x->bus, PCI_SLOT(x->devfn), PCI_FUNC(x->devfn),
		   how, y->bus, PCI_SLOT(y->devfn), PCI_FUNC(y->devfn),
		   m->gid[a], m->gid[b]);
}

/*
 * No group may be finer than the model: two functions it joins directly
 * share a group (so, transitively, each of its groups lies in one of ours).
 * Coarser is allowed; @t counts it.  False on a failure, with a message if
 * @report.
 */
static bool pt_check(struct kunit *test, struct pt_model *m, u32 seed,
		     const char *when, struct pt_tally *t, bool report)
{
	unsigned int coarser = 0;
	int a, b;

	for (a = 0; a < m->nr; a++) {
		m->gid[a] = fake_gid(m->n[a].bus, m->n[a].devfn);
		if (m->gid[a] < 0) {
			if (report)
				KUNIT_FAIL(test, "seed %#x %s: %02x:%02x.%d has no group (%d)",
					   seed, when, m->n[a].bus,
					   PCI_SLOT(m->n[a].devfn),
					   PCI_FUNC(m->n[a].devfn), m->gid[a]);
			return false;
		}
	}
	for (a = 0; a < m->nr; a++) {
		for (b = 0; b < a; b++) {
			if ((m->edge[a] & BIT_ULL(b)) && m->gid[a] != m->gid[b]) {
				if (report)
					pt_fail(test, m, seed, when, a, b);
				return false;
			}
			if (m->gid[a] != m->gid[b])
				continue;
			t->pairs++;
			if (pt_find(m, a) != pt_find(m, b))
				coarser++;
		}
	}
	t->coarser += coarser;
	t->hierarchies += !!coarser;
	return true;
}

/*
 * Whether @x may be taken away and brought back.  UML's PCI core numbers
 * buses in scan order, and a returning bridge is scanned after the bridges
 * still on its bus, so only the last bridge on a bus gets its old numbers
 * back (fake_check_bus() catches any other).
 */
static bool pt_removable(struct pt_model *m, int x)
{
	int y;

	if (!fake_kinds[m->n[x].kind].bridge)
		return true;
	for (y = 0; y < m->nr; y++)
		if (m->n[y].bus == m->n[x].bus &&
		    m->n[y].devfn > m->n[x].devfn &&
		    fake_kinds[m->n[y].kind].bridge)
			return false;
	return true;
}

static int pt_victim(struct pt_model *m)
{
	int x, nr = 0, pick;

	for (x = 0; x < m->nr; x++)
		nr += pt_removable(m, x);
	pick = pt_rand(m, nr);
	for (x = 0; x < m->nr; x++)
		if (pt_removable(m, x) && !pick--)
			return x;
	return -1;
}

/*
 * Over many random hierarchies no group is finer than the reachability
 * model.  Then a function, or a bridge with all below it, is removed and
 * rescanned, which adds devices in another order, and the groups must still
 * hold.  The first failing hierarchy is printed; the run goes on to count
 * the others, and reports how much coarser than the model the groups are.
 */
static void pci_random_hierarchies_match_model(struct kunit *test)
{
	struct pt_model *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	struct fake_pci *fp = kunit_kzalloc(test, sizeof(*fp), GFP_KERNEL);
	struct pt_tally scan = { }, rescan = { };
	unsigned int iter, devices = 0, failed = 0;
	struct pt_node *victim;
	bool ok;
	u32 seed;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_ASSERT_NOT_NULL(test, fp);
	mock_pci_take(test);

	for (iter = 0; iter < PT_ITERATIONS; iter++) {
		seed = PT_SEED + iter;
		memset(m, 0, sizeof(*m));
		prandom_seed_state(&m->rnd, seed);
		m->next_bus = PT_ROOT;
		pt_gen_bus(m, PT_ROOT, -1, PT_ROOT_BUS, 0);
		pt_model(m);
		devices += m->nr;

		fake_pci_init(fp, PT_ROOT);
		pt_build(m, fp);
		ret = fake_pci_scan(fp);
		ok = !ret && pt_check(test, m, seed, "scan", &scan, !failed);
		if (ok) {
			victim = &m->n[pt_victim(m)];
			fake_remove(victim->bus, victim->devfn);
			ret = fake_pci_scan(fp);
			ok = !ret && pt_check(test, m, seed, "rescan", &rescan,
					      !failed);
		}
		if (!ok && !failed++)
			pt_dump(test, m);
		fake_pci_fini(fp);
		/* Devices on a lost bus may outlive @fp: stop there. */
		if (ret) {
			KUNIT_FAIL(test, "seed %#x: scan failed (%d)", seed, ret);
			break;
		}
	}
	kunit_info(test, "%u hierarchies, %u functions, %u finer than the model",
		   iter, devices, failed);
	kunit_info(test, "coarser than the model: %u of %u pairs sharing a group (in %u hierarchies) after the scan, %u of %u after the rescan",
		   scan.coarser, scan.pairs, scan.hierarchies, rescan.coarser,
		   rescan.pairs);
}

static struct kunit_case pci_groups_test_cases[] = {
	KUNIT_CASE(pci_root_bus_devices_stand_alone),
	KUNIT_CASE(pci_multifunction_without_acs_shares),
	KUNIT_CASE(pci_multifunction_one_without_acs_joins_slot),
	KUNIT_CASE(pci_single_function_is_no_sibling),
	KUNIT_CASE(pci_function_without_mf_bit_is_sibling),
	KUNIT_CASE(pci_dma_alias_joins_both_orders),
	KUNIT_CASE(pci_dma_alias_partner_hot_added),
	KUNIT_CASE(pci_dma_alias_from_final_quirk_joins_before_bind),
	KUNIT_CASE(pci_extra_rid_joins_across_buses),
	KUNIT_CASE(pci_extra_rids_survive_bind_reread),
	KUNIT_CASE(pci_conventional_bridge_hides_everything_below),
	KUNIT_CASE(pci_root_port_with_acs_isolates),
	KUNIT_CASE(pci_root_port_without_acs_joins_port),
	KUNIT_CASE(pci_switch_without_acs_is_one_group),
	KUNIT_CASE(pci_switch_one_port_without_acs),
	KUNIT_CASE(pci_switch_with_acs_isolates),
	KUNIT_CASE(pci_nested_switch_groups_at_highest_open_point),
	KUNIT_CASE(pci_multifunction_root_ports),
	KUNIT_CASE(pci_slot_sibling_bridge_opens_subtree),
	KUNIT_CASE(pci_slot_sibling_added_later_opens_subtree),
	KUNIT_CASE(pci_slot_host_bridge_stays_out),
	KUNIT_CASE(pci_switch_bus_endpoint_opens_switch),
	KUNIT_CASE(pci_hot_remove_and_rescan_rejoin),
	KUNIT_CASE(pci_hot_remove_forgets_device),
	KUNIT_CASE(pci_new_device_merges_two_groups),
	KUNIT_CASE(pci_debugfs_explains_each_member),
	KUNIT_CASE(pci_debugfs_shows_merges),
	KUNIT_CASE_SLOW(pci_random_hierarchies_match_model),
	{}
};

static struct kunit_suite pci_groups_test_suite = {
	.name = "iommu_pci",
	.test_cases = pci_groups_test_cases,
};

kunit_test_suite(pci_groups_test_suite);

#ifdef CONFIG_FAILSLAB

/* --- Allocation failures --------------------------------------------- */

struct pci_extra_fault_ctx {
	struct pci_dev *a;
	struct pci_dev *b;	/* with @a's requester ID as an extra one */
};

static int pci_extra_fault_op(struct kunit *test, void *data)
{
	struct pci_extra_fault_ctx *c = data;

	return iommu_probe_device(&c->b->dev);
}

static void pci_extra_fault_undo(struct kunit *test, void *data)
{
	struct pci_extra_fault_ctx *c = data;

	KUNIT_EXPECT_NOT_NULL(test, c->b->dev.iommu_group);
	KUNIT_EXPECT_PTR_EQ_MSG(test, c->b->dev.iommu_group,
				c->a->dev.iommu_group,
				"%s grouped apart from its extra ID's device",
				pci_name(c->b));
	iommu_group_remove_device(&c->b->dev);
}

/* A failed add leaves no group; the next run indexes the device afresh. */
static void pci_extra_fault_check(struct kunit *test, void *data)
{
	struct pci_extra_fault_ctx *c = data;
	struct iommu_group_reason why;
	struct iommu_group *group;

	KUNIT_EXPECT_NULL_MSG(test, c->b->dev.iommu_group,
			      "%s grouped without its extra ID",
			      pci_name(c->b));
	scoped_guard(mutex, &iommu_probe_device_lock)
		group = pci_device_group_rids(&c->b->dev, NULL, 0, NULL, &why);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, group);
	iommu_group_put(group);
}

/*
 * Whichever allocation fails while a device with an extra ID is added, it
 * gets no group: alone, it would be isolated from a device the IOMMU cannot
 * tell from it.
 */
static void pci_extra_rids_survive_allocation_failures(struct kunit *test)
{
	static const struct mock_extra extras[] = {
		{ RID(0x92, D(0, 0)), RID(0x91, D(0, 0)) },
	};
	static const struct iommu_kunit_fault_case fc = {
		.op = pci_extra_fault_op,
		.undo = pci_extra_fault_undo,
		.check = pci_extra_fault_check,
	};
	struct pci_extra_fault_ctx *c = kunit_kzalloc(test, sizeof(*c),
						      GFP_KERNEL);
	struct fake_pci *fp;

	KUNIT_ASSERT_NOT_NULL(test, c);
	fp = fake_start_extra(test, 0x90, extras, ARRAY_SIZE(extras));
	mock_extra_defer_bus = 0x92;
	fake_add(fp, 0x90, D(1, 0), FAKE_RP, F_ACS, 0x91, 0x91);
	fake_add(fp, 0x90, D(2, 0), FAKE_RP, F_ACS, 0x92, 0x92);
	fake_add(fp, 0x91, D(0, 0), FAKE_EP, 0, 0, 0);
	fake_add(fp, 0x92, D(0, 0), FAKE_EP, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);
	mock_extra_defer_bus = -1;
	c->a = fake_dev(0x91, D(0, 0));
	c->b = fake_dev(0x92, D(0, 0));
	KUNIT_ASSERT_NOT_NULL(test, c->a);
	KUNIT_ASSERT_NOT_NULL(test, c->b);
	KUNIT_ASSERT_NOT_NULL(test, c->a->dev.iommu_group);
	KUNIT_ASSERT_NULL(test, c->b->dev.iommu_group);

	kunit_info(test, "%d allocations walked",
		   iommu_kunit_fault_walk(test, &fc, c));
	KUNIT_EXPECT_EQ(test, iommu_probe_device(&c->b->dev), 0);
	EXPECT_SAME(test, 0x91, D(0, 0), 0x92, D(0, 0));
}

static struct kunit_case pci_groups_fault_cases[] = {
	KUNIT_CASE(pci_extra_rids_survive_allocation_failures),
	{}
};

static struct kunit_suite pci_groups_fault_suite = {
	.name = "iommu_pci_faults",
	.init = iommu_kunit_fault_init,
	.test_cases = pci_groups_fault_cases,
};

kunit_test_suite(pci_groups_fault_suite);

#endif /* CONFIG_FAILSLAB */

MODULE_DESCRIPTION("KUnit tests for the PCI isolation rules of IOMMU groups");
MODULE_LICENSE("GPL");
