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

#include <linux/bits.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/list.h>
#include <linux/notifier.h>
#include <linux/scatterlist.h>
#include <linux/types.h>

struct fwnode_handle;
struct iommu_domain;
struct iommu_fwspec;
struct iommu_group;
struct iommu_ops;
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

/* Access rights of a mapping or reserved region (iommu_resv_region::prot). */
#define IOMMU_READ	BIT(0)
#define IOMMU_WRITE	BIT(1)
#define IOMMU_CACHE	BIT(2)	/* snooped: coherent with the CPU caches */
#define IOMMU_NOEXEC	BIT(3)
#define IOMMU_MMIO	BIT(4)	/* device registers, not memory */

/**
 * enum iommu_resv_type - why an address range is reserved for a device
 * @IOMMU_RESV_DIRECT: firmware keeps using the range for DMA (an RMRR,
 *	say); it must stay identity-mapped for the device.
 * @IOMMU_RESV_DIRECT_RELAXABLE: as @IOMMU_RESV_DIRECT, but the mapping may
 *	be dropped once the device is assigned to a user that knows better.
 * @IOMMU_RESV_RESERVED: the device can never reach the range by DMA.
 * @IOMMU_RESV_MSI: the hardware MSI window, translated by the platform.
 * @IOMMU_RESV_SW_MSI: a software-managed MSI window.
 */
enum iommu_resv_type {
	IOMMU_RESV_DIRECT,
	IOMMU_RESV_DIRECT_RELAXABLE,
	IOMMU_RESV_RESERVED,
	IOMMU_RESV_MSI,
	IOMMU_RESV_SW_MSI,
};

/**
 * struct iommu_resv_region - an address range a device's DMA must not use
 *	freely
 * @list: entry in the caller's list
 * @start: first address of the range
 * @length: size of the range in bytes, at least 1
 * @prot: IOMMU_READ, IOMMU_WRITE, ... of a mapping the range needs
 * @type: why the range is reserved
 */
struct iommu_resv_region {
	struct list_head list;
	phys_addr_t start;
	size_t length;
	int prot;
	enum iommu_resv_type type;
};

/**
 * struct iommu_device - one IOMMU hardware instance (a unit)
 * @list: for the driver's own list of its instances
 * @ops: the callbacks of the driver of this instance
 * @dev: the device /sys/class/iommu/<name>, made by
 *	iommu_device_sysfs_add(); NULL before and after.  While it is set,
 *	the core links every device the unit translates into its "devices"
 *	directory.
 *
 * Embedded in the driver's per-unit structure, which must outlive the
 * sysfs registration and every device the unit translates.
 */
struct iommu_device {
	struct list_head list;
	const struct iommu_ops *ops;
	struct device *dev;
};

#define IOMMU_GROUP_REASON_LEN	128

/**
 * struct iommu_group_reason - why a device_group callback chose a group
 * @text: one line, for example "same slot as 0000:03:00.0, no ACS"; empty
 *	if the callback gave none
 *
 * The core keeps it with the new member and shows it in the group's debugfs
 * file, /sys/kernel/debug/iommu/groups/<id>.
 */
struct iommu_group_reason {
	char text[IOMMU_GROUP_REASON_LEN];
};

/**
 * struct iommu_ops - callbacks of an IOMMU driver for one bus type
 * @add_device: a device appeared on the bus (or was present when the driver
 *	registered with bus_set_iommu()).  Return the unit that translates
 *	it, or ERR_PTR(-ENODEV) if no unit does; any other ERR_PTR() is an
 *	error, logged, and the device stays untranslated.  For a device
 *	accepted this way the core keeps a record, links it to the unit in
 *	sysfs, and puts it into the group @device_group names.
 * @remove_device: optional; hand back a device @add_device accepted.  Called
 *	exactly once per accepted device, whatever way it leaves (removal
 *	from the bus, bus_set_iommu(bus, NULL), a failure to group it), after
 *	it has left its group and the unit's sysfs directory.
 * @device_group: return a new reference to the group an accepted device must
 *	join, allocating one if needed, and say why in @why; NULL if the
 *	device's group is not known yet (the driver adds it later with
 *	iommu_group_add_device()); or an ERR_PTR(), upon which the core hands
 *	the device back.  generic_device_group() gives every device a group
 *	of its own, pci_device_group() applies the PCI isolation rules.
 * @get_resv_regions: optional; append to the list the address ranges
 *	@dev must not use freely, each allocated with
 *	iommu_alloc_resv_region().  Called for accepted members of a group,
 *	with the group's mutex held, so @dev stays a member meanwhile; it
 *	must not change any group.
 * @owner: the module that provides the callbacks.
 *
 * The core calls the first three with iommu_probe_device_lock held, so they
 * are serialised against each other.  They may sleep.
 */
struct iommu_ops {
	struct iommu_device *(*add_device)(struct device *dev);
	void (*remove_device)(struct device *dev);
	struct iommu_group *(*device_group)(struct device *dev,
					    struct iommu_group_reason *why);
	void (*get_resv_regions)(struct device *dev, struct list_head *list);
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
struct iommu_group *generic_device_group(struct device *dev,
					 struct iommu_group_reason *why);
#ifdef CONFIG_PCI
struct iommu_group *pci_device_group(struct device *dev,
				     struct iommu_group_reason *why);
#else
static inline struct iommu_group *
pci_device_group(struct device *dev, struct iommu_group_reason *why)
{
	return ERR_PTR(-ENODEV);
}
#endif

/* IOMMU instances in sysfs; see iommu-sysfs.c. */
__printf(4, 5)
int iommu_device_sysfs_add(struct iommu_device *iommu, struct device *parent,
			   const struct attribute_group **groups,
			   const char *fmt, ...);
void iommu_device_sysfs_remove(struct iommu_device *iommu);

/* Reserved regions; see iommu-resv.c. */
struct iommu_resv_region *iommu_alloc_resv_region(phys_addr_t start,
						  size_t length, int prot,
						  enum iommu_resv_type type,
						  gfp_t gfp);
void iommu_get_resv_regions(struct device *dev, struct list_head *list);
void iommu_put_resv_regions(struct device *dev, struct list_head *list);
int iommu_get_group_resv_regions(struct iommu_group *group,
				 struct list_head *head);

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

static inline int iommu_device_sysfs_add(struct iommu_device *iommu,
					 struct device *parent,
					 const struct attribute_group **groups,
					 const char *fmt, ...)
{
	return -ENODEV;
}

static inline void iommu_device_sysfs_remove(struct iommu_device *iommu)
{
}

static inline void iommu_get_resv_regions(struct device *dev,
					  struct list_head *list)
{
}

static inline void iommu_put_resv_regions(struct device *dev,
					  struct list_head *list)
{
}

static inline int iommu_get_group_resv_regions(struct iommu_group *group,
					       struct list_head *head)
{
	return -ENODEV;
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
