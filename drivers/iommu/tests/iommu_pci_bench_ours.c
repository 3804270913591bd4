// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PCI grouping benchmark on our core: bus_set_iommu() with a mock
 * driver that accepts the fake buses' functions for one unit in sysfs, so
 * that the core links each to the unit as it does for a real driver's.
 *
 * With amd_ivrs=1 the mock makes AMD-Vi's lookups as amd_iommu.c does: a
 * device's unit is the IVHD block of a parsed IVRS that covers its
 * requester ID (one block with an "all" entry), and its group comes from
 * pci_device_group_rids() with the IVRS aliases of its requester ID.  The
 * drivers themselves are x86 only (ACPI, MMIO registers), so UML cannot
 * run them.  The table is parsed at boot and kept.
 */

#include <linux/init.h>
#include <linux/iommu.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "../amd_iommu_ivrs.h"
#include "../iommu-priv.h"
#include "iommu_pci_bench.h"
#include "iommu_pci_fake.h"

static bool amd_ivrs;
module_param(amd_ivrs, bool, 0444);
MODULE_PARM_DESC(amd_ivrs, "group through AMD-Vi's IVRS lookups");

static struct iommu_device bench_unit;
static struct ivrs_info *bench_ivrs;

const char *iommu_pci_bench_core(void)
{
	return amd_ivrs ? "ours-amd" : "ours";
}

static struct iommu_device *bench_add_device(struct device *dev)
{
	struct pci_dev *pdev = to_pci_dev(dev);

	if (!fake_on_bus(pdev))
		return ERR_PTR(-ENODEV);
	if (bench_ivrs && !ivrs_find_unit(bench_ivrs, pci_domain_nr(pdev->bus),
					  pci_dev_id(pdev)))
		return ERR_PTR(-ENODEV);
	return &bench_unit;
}

static struct iommu_group *bench_amd_device_group(struct device *dev,
						  struct iommu_group_reason *why)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	struct iommu_group *group;
	u16 *rids;
	int nr;

	nr = ivrs_alias_rids(bench_ivrs, pci_domain_nr(pdev->bus),
			     pci_dev_id(pdev), &rids);
	if (nr < 0)
		return ERR_PTR(nr);
	group = pci_device_group_rids(dev, rids, nr, "IVRS alias", why);
	kfree(rids);
	return group;
}

static const struct iommu_ops bench_ops = {
	.add_device = bench_add_device,
	.device_group = pci_device_group,
};

static const struct iommu_ops bench_amd_ops = {
	.add_device = bench_add_device,
	.device_group = bench_amd_device_group,
};

/**
 * struct bench_ivrs_table - an IVRS with one unit that covers segment 0
 * @ivrs: the table header
 * @ivhd: the unit's block, its own function at ff:1f.0 (no fake device)
 * @all: its one device entry, "all requester IDs"
 */
struct bench_ivrs_table {
	struct acpi_table_ivrs ivrs;
	struct acpi_ivrs_hardware_10 ivhd;
	struct acpi_ivrs_de_header all;
} __packed;

static int bench_parse_ivrs(void)
{
	struct bench_ivrs_table *t __free(kfree) = kzalloc(sizeof(*t),
							    GFP_KERNEL);
	struct ivrs_error err;
	u8 *b, sum = 0;
	size_t i;

	if (!t)
		return -ENOMEM;
	memcpy(t->ivrs.header.signature, ACPI_SIG_IVRS, ACPI_NAMESEG_SIZE);
	t->ivrs.header.length = sizeof(*t);
	t->ivrs.header.revision = 2;
	t->ivhd.header.type = ACPI_IVRS_TYPE_HARDWARE1;
	t->ivhd.header.length = sizeof(t->ivhd) + sizeof(t->all);
	t->ivhd.header.device_id = PCI_DEVID(0xff, PCI_DEVFN(0x1f, 0));
	t->ivhd.capability_offset = 0x40;
	t->ivhd.base_address = 0xfeb80000;
	t->all.type = ACPI_IVRS_TYPE_ALL;
	b = (u8 *)t;
	for (i = 0; i < sizeof(*t); i++)
		sum += b[i];
	t->ivrs.header.checksum = -sum;
	return ivrs_parse(t, sizeof(*t), &bench_ivrs, &err);
}

/* At boot, so that no run pays for it. */
static int __init bench_ivrs_init(void)
{
	int ret;

	if (!amd_ivrs)
		return 0;
	ret = bench_parse_ivrs();
	if (ret)
		pr_err("iommu_pci_bench: the IVRS was refused: %d\n", ret);
	return ret;
}
late_initcall(bench_ivrs_init);

int iommu_pci_bench_attach(void)
{
	const struct iommu_ops *ops = amd_ivrs ? &bench_amd_ops : &bench_ops;
	int ret;

	if (amd_ivrs && !bench_ivrs)
		return -ENODEV;
	bench_unit.ops = ops;
	ret = iommu_device_sysfs_add(&bench_unit, NULL, NULL, "bench");
	if (ret)
		return ret;
	ret = bus_set_iommu(&pci_bus_type, ops);
	if (ret)
		iommu_device_sysfs_remove(&bench_unit);
	return ret;
}

void iommu_pci_bench_detach(void)
{
	bus_set_iommu(&pci_bus_type, NULL);
	iommu_device_sysfs_remove(&bench_unit);
}
