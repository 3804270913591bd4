// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PCI grouping benchmark on our core: bus_set_iommu() with a mock
 * driver that accepts the fake buses' functions for one unit in sysfs, so
 * that the core links each to the unit as it does for a real driver's.
 */

#include <linux/iommu.h>
#include <linux/pci.h>

#include "iommu_pci_bench.h"
#include "iommu_pci_fake.h"

const char *const iommu_pci_bench_core = "ours";

static struct iommu_device bench_unit;

static struct iommu_device *bench_add_device(struct device *dev)
{
	if (!fake_on_bus(to_pci_dev(dev)))
		return ERR_PTR(-ENODEV);
	return &bench_unit;
}

static const struct iommu_ops bench_ops = {
	.add_device = bench_add_device,
	.device_group = pci_device_group,
};

int iommu_pci_bench_attach(void)
{
	int ret;

	bench_unit.ops = &bench_ops;
	ret = iommu_device_sysfs_add(&bench_unit, NULL, NULL, "bench");
	if (ret)
		return ret;
	ret = bus_set_iommu(&pci_bus_type, &bench_ops);
	if (ret)
		iommu_device_sysfs_remove(&bench_unit);
	return ret;
}

void iommu_pci_bench_detach(void)
{
	bus_set_iommu(&pci_bus_type, NULL);
	iommu_device_sysfs_remove(&bench_unit);
}
