// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the rest of Linux 6.12 calls in an IOMMU core that ours does not do.
 *
 * No driver of ours uses firmware specs (ACPI IORT/VIOT, device tree);
 * each entry point here states what it means in that world.  The full list
 * of what the base tree expects from us is in
 * Documentation/driver-api/iommu-groups.rst.
 */

#include <linux/device.h>
#include <linux/export.h>
#include <linux/iommu.h>

/**
 * iommu_fwspec_init - attach a firmware IOMMU description to a device
 * @dev: the device
 * @iommu_fwnode: the IOMMU's firmware node
 *
 * Used by ACPI IORT/VIOT and device-tree platforms, none of which has a
 * driver here.
 *
 * Return: -ENODEV.
 */
int iommu_fwspec_init(struct device *dev, struct fwnode_handle *iommu_fwnode)
{
	return -ENODEV;
}
EXPORT_SYMBOL_GPL(iommu_fwspec_init);

/**
 * iommu_fwspec_add_ids - add stream IDs to a device's firmware spec
 * @dev: the device
 * @ids: the IDs
 * @num_ids: how many
 *
 * Return: -ENODEV, as no device has a firmware spec.
 */
int iommu_fwspec_add_ids(struct device *dev, const u32 *ids, int num_ids)
{
	return -ENODEV;
}
EXPORT_SYMBOL_GPL(iommu_fwspec_add_ids);
