// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the rest of Linux 6.12 calls in an IOMMU core that ours does not do.
 *
 * Our core describes groups; it neither translates kernel DMA nor enforces
 * DMA ownership, and no driver of ours uses firmware specs.  Each entry
 * point here states what it means in that world.  The full list of what
 * the base tree expects from us is in Documentation/driver-api/iommu-groups.rst.
 */

#include <linux/device.h>
#include <linux/export.h>
#include <linux/iommu.h>

/**
 * iommu_set_default_passthrough - "iommu=pt" on x86
 * @cmd_line: whether the choice came from the kernel command line
 *
 * Kernel DMA is never translated by our core, which is what passthrough
 * asks for; there is nothing to record.
 */
void iommu_set_default_passthrough(bool cmd_line)
{
}

/**
 * iommu_set_default_translated - "iommu=nopt" on x86
 * @cmd_line: whether the choice came from the kernel command line
 *
 * There is no DMA translation to turn on yet, so the request is ignored.
 */
void iommu_set_default_translated(bool cmd_line)
{
}

/**
 * iommu_device_use_default_domain - a kernel driver is about to bind
 * @dev: the device
 *
 * The driver core asks before binding whether a user such as VFIO owns the
 * device's group.  Our core does not track ownership (the user does), so
 * binding is always allowed.
 *
 * Return: 0.
 */
int iommu_device_use_default_domain(struct device *dev)
{
	return 0;
}
EXPORT_SYMBOL_GPL(iommu_device_use_default_domain);

/**
 * iommu_device_unuse_default_domain - a kernel driver has unbound
 * @dev: the device
 */
void iommu_device_unuse_default_domain(struct device *dev)
{
}
EXPORT_SYMBOL_GPL(iommu_device_unuse_default_domain);

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
