// SPDX-License-Identifier: GPL-2.0-only
/*
 * The adapter of make bench's PCI grouping benchmark to upstream's core,
 * for the peer UML kernel (harness/peer-uml.sh puts it beside the bench in
 * the pristine base's drivers/iommu/bench/).  Upstream groups a bus when a
 * driver registers a unit with iommu_device_register(): its probe_device
 * accepts a device (ours: add_device), its device_group names the group
 * (pci_device_group(), without our reason argument), and every group gets
 * a default domain attached.  So the mock driver here has a static
 * identity domain whose attach does nothing; that attach per device is
 * upstream's cost, as the default domain is.  Its unit is in sysfs, as a
 * real driver's and as ours in iommu_pci_bench_ours.c: upstream links
 * every device to it and needs it there.
 */

#include <linux/iommu.h>
#include <linux/pci.h>

#include "iommu_pci_bench.h"
#include "iommu_pci_fake.h"

const char *iommu_pci_bench_core(void)
{
	return "upstream";
}

static struct iommu_device bench_unit;

static int bench_attach_dev(struct iommu_domain *domain, struct device *dev)
{
	return 0;
}

static const struct iommu_domain_ops bench_identity_ops = {
	.attach_dev = bench_attach_dev,
};

static struct iommu_domain bench_identity = {
	.type = IOMMU_DOMAIN_IDENTITY,
	.ops = &bench_identity_ops,
};

static struct iommu_device *bench_probe_device(struct device *dev)
{
	if (!dev_is_pci(dev) || !fake_on_bus(to_pci_dev(dev)))
		return ERR_PTR(-ENODEV);
	return &bench_unit;
}

static const struct iommu_ops bench_ops = {
	.probe_device = bench_probe_device,
	.device_group = pci_device_group,
	.identity_domain = &bench_identity,
	.default_domain = &bench_identity,
	.owner = THIS_MODULE,
};

int iommu_pci_bench_attach(void)
{
	int ret;

	ret = iommu_device_sysfs_add(&bench_unit, NULL, NULL, "bench");
	if (ret)
		return ret;
	ret = iommu_device_register(&bench_unit, &bench_ops, NULL);
	if (ret)
		iommu_device_sysfs_remove(&bench_unit);
	return ret;
}

void iommu_pci_bench_detach(void)
{
	iommu_device_unregister(&bench_unit);
	iommu_device_sysfs_remove(&bench_unit);
}
