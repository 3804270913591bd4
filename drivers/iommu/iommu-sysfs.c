// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOMMU instances in sysfs: /sys/class/iommu/<name>.
 *
 * Each hardware IOMMU a driver registers becomes a class device.  Its
 * "devices" directory holds one link per device the instance translates,
 * and each such device gets an "iommu" link back, so userspace can go
 * either way.  The driver calls iommu_device_link() when it takes a device
 * and iommu_device_unlink() when it lets go.
 */

#define pr_fmt(fmt) "iommu: " fmt

#include <linux/device.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/iommu.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "iommu-priv.h"

/* The "devices" directory; the links are added to it one by one. */
static struct attribute *iommu_devices_attrs[] = {
	NULL
};

static const struct attribute_group iommu_devices_group = {
	.name = "devices",
	.attrs = iommu_devices_attrs,
};

static const struct attribute_group *iommu_class_dev_groups[] = {
	&iommu_devices_group,
	NULL
};

static const struct class iommu_class = {
	.name = "iommu",
	.dev_groups = iommu_class_dev_groups,
};

static void iommu_class_dev_release(struct device *dev)
{
	kfree(dev);
}

/**
 * iommu_device_sysfs_add - show an IOMMU instance in /sys/class/iommu
 * @iommu: the instance; @iommu->dev must be NULL
 * @parent: the device the IOMMU belongs to, or NULL
 * @groups: extra attribute groups of the class device, or NULL
 * @fmt: printf format of the name, e.g. "dmar%d"
 * @...: arguments for @fmt
 *
 * Creates /sys/class/iommu/<name> with an empty "devices" directory and
 * sets @iommu->dev to the new device, whose driver data is @iommu.
 *
 * Context: Process context; may sleep.
 * Return: 0, or a negative errno with @iommu->dev left NULL.
 */
int iommu_device_sysfs_add(struct iommu_device *iommu, struct device *parent,
			   const struct attribute_group **groups,
			   const char *fmt, ...)
{
	struct device *dev;
	va_list args;
	int ret;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;

	device_initialize(dev);
	dev->class = &iommu_class;
	dev->parent = parent;
	dev->groups = groups;
	dev->release = iommu_class_dev_release;
	dev_set_drvdata(dev, iommu);

	va_start(args, fmt);
	ret = kobject_set_name_vargs(&dev->kobj, fmt, args);
	va_end(args);
	if (ret)
		goto err_put;

	ret = device_add(dev);
	if (ret)
		goto err_put;

	iommu->dev = dev;
	return 0;

err_put:
	put_device(dev);	/* frees the name too */
	return ret;
}
EXPORT_SYMBOL_GPL(iommu_device_sysfs_add);

/**
 * iommu_device_sysfs_remove - take an IOMMU instance out of sysfs
 * @iommu: an instance added with iommu_device_sysfs_add(), or one whose
 *	@iommu->dev is NULL, for which nothing happens
 *
 * The driver unlinks its devices first.
 *
 * Context: Process context; may sleep.
 */
void iommu_device_sysfs_remove(struct iommu_device *iommu)
{
	if (!iommu->dev)
		return;
	device_unregister(iommu->dev);
	iommu->dev = NULL;
}
EXPORT_SYMBOL_GPL(iommu_device_sysfs_remove);

/**
 * iommu_device_link - record in sysfs that an IOMMU translates a device
 * @iommu: an instance in sysfs
 * @link: the device
 *
 * Adds /sys/class/iommu/<name>/devices/<device name> and the device's
 * "iommu" link to the instance.
 *
 * Context: Process context; may sleep.
 * Return: 0; -ENODEV if @iommu is not in sysfs; -EEXIST if @link already
 * has an "iommu" link or the instance links a device of that name; or
 * another negative errno.  On failure nothing has changed.
 */
int iommu_device_link(struct iommu_device *iommu, struct device *link)
{
	int ret;

	if (!iommu || IS_ERR(iommu) || !iommu->dev)
		return -ENODEV;

	ret = sysfs_add_link_to_group(&iommu->dev->kobj, "devices",
				      &link->kobj, dev_name(link));
	if (ret)
		return ret;

	ret = sysfs_create_link_nowarn(&link->kobj, &iommu->dev->kobj, "iommu");
	if (ret) {
		sysfs_remove_link_from_group(&iommu->dev->kobj, "devices",
					     dev_name(link));
		return ret;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(iommu_device_link);

/**
 * iommu_device_unlink - undo iommu_device_link()
 * @iommu: the instance
 * @link: the device
 *
 * Context: Process context; may sleep.
 */
void iommu_device_unlink(struct iommu_device *iommu, struct device *link)
{
	if (!iommu || IS_ERR(iommu) || !iommu->dev)
		return;

	sysfs_remove_link(&link->kobj, "iommu");
	sysfs_remove_link_from_group(&iommu->dev->kobj, "devices",
				     dev_name(link));
}
EXPORT_SYMBOL_GPL(iommu_device_unlink);

static int __init iommu_class_init(void)
{
	return class_register(&iommu_class);
}
postcore_initcall(iommu_class_init);
