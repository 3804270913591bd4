/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IOMMU groups: the smallest sets of devices that an IOMMU can isolate from
 * everything else in the system.
 *
 * An IOMMU cannot always tell devices apart: a PCIe-to-PCI bridge hides the
 * requester IDs behind it, functions of a device without ACS may talk to each
 * other directly, and some devices DMA with another function's ID.  The unit
 * of isolation is therefore a group of devices, not a single device.  Groups
 * are flat.  The IOMMU driver decides which devices share one; the core only
 * keeps track of them and shows them in sysfs under /sys/kernel/iommu_groups.
 *
 * See Documentation/driver-api/iommu-groups.rst.
 */
#ifndef __LINUX_IOMMU_H
#define __LINUX_IOMMU_H

#include <linux/device.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/notifier.h>
#include <linux/scatterlist.h>
#include <linux/types.h>

struct fwnode_handle;
struct iommu_domain;
struct iommu_fwspec;
struct iommu_group;
struct mm_struct;
struct mutex;

/*
 * Events sent on a group's notifier chain.  The data argument is the
 * struct device concerned.
 */
#define IOMMU_GROUP_NOTIFY_ADD_DEVICE		1 /* device joined the group */
#define IOMMU_GROUP_NOTIFY_DEL_DEVICE		2 /* device about to leave */
#define IOMMU_GROUP_NOTIFY_BIND_DRIVER		3 /* driver about to bind */
#define IOMMU_GROUP_NOTIFY_BOUND_DRIVER		4 /* driver bound */
#define IOMMU_GROUP_NOTIFY_UNBIND_DRIVER	5 /* driver about to unbind */
#define IOMMU_GROUP_NOTIFY_UNBOUND_DRIVER	6 /* driver unbound */

/**
 * struct iommu_ops - callbacks of an IOMMU driver for one bus type
 * @add_device: a device appeared on the bus (or was present when the driver
 *	registered with bus_set_iommu()).  The driver puts it into a group,
 *	usually through iommu_group_get_for_dev(), or leaves it without one
 *	if no IOMMU unit translates it.  Returns 0 or a negative errno; an
 *	error is logged and the device stays without a group.
 * @remove_device: the device is leaving the bus (or the driver is giving
 *	the bus back); undo @add_device.  Called only for devices that have a
 *	group.  Optional: afterwards the core removes the device from its
 *	group itself if the driver did not.
 * @device_group: return a new reference to the group @dev must join,
 *	allocating one if needed, or an ERR_PTR.  Used by
 *	iommu_group_get_for_dev(); generic_device_group() gives every device
 *	a group of its own.
 * @owner: the module that provides the callbacks.
 *
 * The core calls all three with iommu_probe_device_lock held, so they are
 * serialised against each other.  They may sleep.
 */
struct iommu_ops {
	int (*add_device)(struct device *dev);
	void (*remove_device)(struct device *dev);
	struct iommu_group *(*device_group)(struct device *dev);
	struct module *owner;
};

#ifdef CONFIG_IOMMU_API

extern struct mutex iommu_probe_device_lock;

int bus_set_iommu(const struct bus_type *bus, const struct iommu_ops *ops);
int iommu_probe_device(struct device *dev);

struct iommu_group *iommu_group_alloc(void);
struct iommu_group *iommu_group_get(struct device *dev);
struct iommu_group *iommu_group_ref_get(struct iommu_group *group);
void iommu_group_put(struct iommu_group *group);
int iommu_group_add_device(struct iommu_group *group, struct device *dev);
void iommu_group_remove_device(struct device *dev);
int iommu_group_for_each_dev(struct iommu_group *group, void *data,
			     int (*fn)(struct device *dev, void *data));
void *iommu_group_get_iommudata(struct iommu_group *group);
void iommu_group_set_iommudata(struct iommu_group *group, void *iommu_data,
			       void (*release)(void *iommu_data));
int iommu_group_set_name(struct iommu_group *group, const char *name);
int iommu_group_id(struct iommu_group *group);
int iommu_group_register_notifier(struct iommu_group *group,
				  struct notifier_block *nb);
int iommu_group_unregister_notifier(struct iommu_group *group,
				    struct notifier_block *nb);
struct iommu_group *iommu_group_get_for_dev(struct device *dev);
struct iommu_group *generic_device_group(struct device *dev);
#ifdef CONFIG_PCI
struct iommu_group *pci_device_group(struct device *dev);
#else
static inline struct iommu_group *pci_device_group(struct device *dev)
{
	return ERR_PTR(-ENODEV);
}
#endif
int iommu_group_add_device_reason(struct iommu_group *group,
				  struct device *dev, const char *reason);
int iommu_group_set_reason(struct iommu_group *group, struct device *dev,
			   const char *reason);
int iommu_group_merge(struct iommu_group *dst, struct iommu_group *src);

/* Compatibility with the rest of Linux 6.12; see iommu-compat.c. */
void iommu_set_default_passthrough(bool cmd_line);
void iommu_set_default_translated(bool cmd_line);
int iommu_device_use_default_domain(struct device *dev);
void iommu_device_unuse_default_domain(struct device *dev);
int iommu_fwspec_init(struct device *dev, struct fwnode_handle *iommu_fwnode);
int iommu_fwspec_add_ids(struct device *dev, const u32 *ids, int num_ids);

/* No IOMMU driver of ours uses firmware specs; no device ever has one. */
static inline struct iommu_fwspec *dev_iommu_fwspec_get(struct device *dev)
{
	return NULL;
}

#else /* CONFIG_IOMMU_API */

static inline int iommu_group_add_device_reason(struct iommu_group *group,
						struct device *dev,
						const char *reason)
{
	return -ENODEV;
}

static inline int iommu_group_set_reason(struct iommu_group *group,
					 struct device *dev, const char *reason)
{
	return -ENODEV;
}

static inline int iommu_group_merge(struct iommu_group *dst,
				    struct iommu_group *src)
{
	return -ENODEV;
}

static inline int bus_set_iommu(const struct bus_type *bus,
				const struct iommu_ops *ops)
{
	return -ENODEV;
}

static inline int iommu_probe_device(struct device *dev)
{
	return -ENODEV;
}

static inline struct iommu_group *iommu_group_alloc(void)
{
	return ERR_PTR(-ENODEV);
}

static inline struct iommu_group *iommu_group_get(struct device *dev)
{
	return NULL;
}

static inline struct iommu_group *iommu_group_ref_get(struct iommu_group *group)
{
	return group;
}

static inline void iommu_group_put(struct iommu_group *group)
{
}

static inline int iommu_group_add_device(struct iommu_group *group,
					 struct device *dev)
{
	return -ENODEV;
}

static inline void iommu_group_remove_device(struct device *dev)
{
}

static inline int iommu_group_for_each_dev(struct iommu_group *group,
					   void *data,
					   int (*fn)(struct device *, void *))
{
	return -ENODEV;
}

static inline void *iommu_group_get_iommudata(struct iommu_group *group)
{
	return NULL;
}

static inline void iommu_group_set_iommudata(struct iommu_group *group,
					     void *iommu_data,
					     void (*release)(void *iommu_data))
{
}

static inline int iommu_group_set_name(struct iommu_group *group,
				       const char *name)
{
	return -ENODEV;
}

static inline int iommu_group_id(struct iommu_group *group)
{
	return -ENODEV;
}

static inline int iommu_group_register_notifier(struct iommu_group *group,
						struct notifier_block *nb)
{
	return -ENODEV;
}

static inline int iommu_group_unregister_notifier(struct iommu_group *group,
						  struct notifier_block *nb)
{
	return 0;
}

static inline struct iommu_group *iommu_group_get_for_dev(struct device *dev)
{
	return ERR_PTR(-ENODEV);
}

static inline struct iommu_group *pci_device_group(struct device *dev)
{
	return ERR_PTR(-ENODEV);
}

static inline void iommu_set_default_passthrough(bool cmd_line)
{
}

static inline void iommu_set_default_translated(bool cmd_line)
{
}

static inline int iommu_device_use_default_domain(struct device *dev)
{
	return 0;
}

static inline void iommu_device_unuse_default_domain(struct device *dev)
{
}

static inline int iommu_fwspec_init(struct device *dev,
				    struct fwnode_handle *iommu_fwnode)
{
	return -ENODEV;
}

static inline int iommu_fwspec_add_ids(struct device *dev, const u32 *ids,
				       int num_ids)
{
	return -ENODEV;
}

static inline struct iommu_fwspec *dev_iommu_fwspec_get(struct device *dev)
{
	return NULL;
}

#endif /* CONFIG_IOMMU_API */

/* We provide no PASID support, so an mm carries no IOMMU state. */
static inline void mm_pasid_init(struct mm_struct *mm)
{
}

static inline void mm_pasid_drop(struct mm_struct *mm)
{
}

#endif /* __LINUX_IOMMU_H */
