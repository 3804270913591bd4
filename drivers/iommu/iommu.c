// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOMMU groups: the group object, its sysfs directory and the bus notifier
 * through which IOMMU drivers fill groups.
 *
 * Lock order, outermost first:
 *
 *   iommu_bus_setup_lock		bus_set_iommu() as a whole
 *   iommu_probe_device_lock		driver add_device/remove_device callbacks
 *   iommu_group_lock			group membership, every dev->iommu_group
 *   iommu_group::mutex			one group's member list and name
 *   iommu_bus_lock			the list of registered buses (leaf)
 *
 * A group's notifier chain is called with none of the last three held.
 * iommu_group_get() takes none of them: dev->iommu_group is read under RCU
 * (groups are freed after a grace period), so it may be called anywhere,
 * an iommu_group_for_each_dev() callback included.
 */

#define pr_fmt(fmt) "iommu: " fmt

#include <linux/cleanup.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/idr.h>
#include <linux/iommu.h>
#include <linux/kobject.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "iommu-priv.h"

/**
 * struct iommu_group - devices that the IOMMU cannot isolate from each other
 * @kobj: the directory /sys/kernel/iommu_groups/<@id>.  Its reference count
 *	only keeps the memory alive; the group's life is counted by @users.
 * @devices_kobj: the "devices" directory holding one link per member.
 * @users: one reference per member device and per iommu_group_get() or
 *	iommu_group_alloc() caller.  When it drops to zero the group leaves
 *	sysfs, gives back its id and releases @iommu_data, all before the
 *	last iommu_group_put() returns.
 * @mutex: protects @devices, @name, @next_dev and @next_reason.
 * @devices: the members, a list of &struct group_device.  Changed only with
 *	both iommu_group_lock and @mutex held; read with either.
 * @notifier: chain for the IOMMU_GROUP_NOTIFY_* events; has its own lock.
 * @iommu_data: the IOMMU driver's data for this group.
 * @iommu_data_release: called once with @iommu_data when the group dies.
 * @name: optional name shown in the "name" attribute, or NULL.
 * @id: the group's number, the lowest free one when it was allocated.
 * @debugfs: the file /sys/kernel/debug/iommu/groups/<@id>, or an ERR_PTR.
 * @next_dev: the device iommu_group_set_reason() was last told about.
 * @next_reason: why @next_dev is about to join; the member takes it over.
 * @rcu: frees the memory a grace period after the last kobject reference,
 *	for iommu_group_get(), which reads dev->iommu_group without a lock.
 */
struct iommu_group {
	struct kobject kobj;
	struct kobject *devices_kobj;
	struct kref users;
	struct mutex mutex;		/* protects devices and name */
	struct list_head devices;
	struct blocking_notifier_head notifier;
	void *iommu_data;
	void (*iommu_data_release)(void *iommu_data);
	char *name;
	int id;
	struct dentry *debugfs;
	struct device *next_dev;
	char *next_reason;
	struct rcu_head rcu;
};

/**
 * struct group_device - one member of a group
 * @list: entry in iommu_group::devices
 * @dev: the member, which holds a reference on the group
 * @name: the member's link name in the group's "devices" directory
 * @reason: why the member is in this group, or NULL if nobody said
 * @leaving: iommu_group_remove_device() has claimed this member; protected
 *	by iommu_group_lock
 */
struct group_device {
	struct list_head list;
	struct device *dev;
	char *name;
	char *reason;
	bool leaving;
};

/**
 * struct iommu_bus - a bus type handed to an IOMMU driver by bus_set_iommu()
 * @list: entry in iommu_buses, protected by iommu_bus_lock
 * @bus: the bus type
 * @ops: the driver's callbacks for devices on @bus
 * @nb: our notifier on @bus
 */
struct iommu_bus {
	struct list_head list;
	const struct bus_type *bus;
	const struct iommu_ops *ops;
	struct notifier_block nb;
};

static struct kset *iommu_group_kset;
static DEFINE_IDA(iommu_group_ida);

/* Serialises membership changes; protects every struct device::iommu_group. */
static DEFINE_MUTEX(iommu_group_lock);

/* Serialises registration and removal of bus types as a whole. */
static DEFINE_MUTEX(iommu_bus_setup_lock);
/* Protects iommu_buses. */
static DEFINE_MUTEX(iommu_bus_lock);
static LIST_HEAD(iommu_buses);

/*
 * Serialises the drivers' add_device and remove_device callbacks, so a device
 * is never probed twice at once.  drivers/acpi/scan.c also takes it around
 * firmware-spec set-up, which our drivers do not use.
 */
DEFINE_MUTEX(iommu_probe_device_lock);
EXPORT_SYMBOL_GPL(iommu_probe_device_lock);

/**
 * struct dev_iommu - what the core keeps for one device in dev->iommu
 * @gone: the driver core has begun to delete the device
 *
 * The driver core tells a bus's notifiers %BUS_NOTIFY_DEL_DEVICE, takes the
 * device off the bus's list, then tells %BUS_NOTIFY_REMOVED_DEVICE.  A
 * bus_set_iommu() replay that picked the device up before it left the list
 * may reach it anywhere in between, or after both.  Once the core has seen
 * either event the device must never join a group again, or the group would
 * keep a device that is about to be freed.  Until the core keeps more per
 * device, every such device points at the one shared &iommu_dev_gone, so
 * marking it needs no allocation; a device added to its bus again starts
 * afresh.  dev->iommu is written with iommu_probe_device_lock and
 * iommu_group_lock held, and read with either.
 */
struct dev_iommu {
	bool gone;
};

static struct dev_iommu iommu_dev_gone = { .gone = true };

static void iommu_device_set_gone(struct device *dev, bool gone)
{
	lockdep_assert_held(&iommu_probe_device_lock);

	guard(mutex)(&iommu_group_lock);
	dev->iommu = gone ? &iommu_dev_gone : NULL;
}

/*
 * For the device_group callbacks: whether @dev is being deleted.  Called with
 * iommu_probe_device_lock or iommu_group_lock held.
 */
bool iommu_device_gone(struct device *dev)
{
	return dev->iommu && dev->iommu->gone;
}

#define to_iommu_group(k) container_of(k, struct iommu_group, kobj)
#define to_iommu_group(k) container_of(k, struct iommu_group, kobj)

static ssize_t iommu_group_name_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	struct iommu_group *group = to_iommu_group(kobj);

	guard(mutex)(&group->mutex);
	return sysfs_emit(buf, "%s\n", group->name ?: "");
}

static struct kobj_attribute iommu_group_name_attr =
	__ATTR(name, 0444, iommu_group_name_show, NULL);

/* The memory goes when the kobject's last reference does (see @users). */
static void iommu_group_free(struct kobject *kobj)
{
	struct iommu_group *group = to_iommu_group(kobj);

	kfree(group->name);
	kfree_rcu(group, rcu);
}

static const struct attribute_group *iommu_group_attr_groups[] = {
	&iommu_group_resv_attr_group,	/* reserved_regions */
	NULL
};

static const struct kobj_type iommu_group_ktype = {
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = iommu_group_attr_groups,
	.release = iommu_group_free,
};

/*
 * For the attributes of other files of the core: the group of a group's
 * directory.  Valid while an attribute callback runs.
 */
struct iommu_group *iommu_group_from_kobj(struct kobject *kobj)
{
	return to_iommu_group(kobj);
}

/*
 * Explanations: every member carries the reason it shares its group, and
 * /sys/kernel/debug/iommu/groups/<id> lists them, one "<device>: <reason>"
 * line per member.  A user whose group is larger than hoped sees why.
 */
static struct dentry *iommu_groups_debugfs;

static int iommu_group_reasons_show(struct seq_file *s, void *unused)
{
	struct iommu_group *group = s->private;
	struct group_device *gdev;

	guard(mutex)(&group->mutex);
	list_for_each_entry(gdev, &group->devices, list)
		seq_printf(s, "%s: %s\n", dev_name(gdev->dev),
			   gdev->reason ?: "added by its IOMMU driver");
	return 0;
}

static int iommu_group_reasons_open(struct inode *inode, struct file *file)
{
	return single_open(file, iommu_group_reasons_show, inode->i_private);
}

/*
 * The file is created "unsafe" (debugfs proxies no read_iter, and we want
 * kernel_read() to work), so every operation that reaches the group pins the
 * file itself: read_iter and llseek both run show().  While pinned,
 * iommu_group_debugfs_del() waits and the group stays; once the file is
 * removed, debugfs_file_get() fails and nothing reaches the dead group.  open
 * is pinned by debugfs, and release touches only the seq_file.
 */
static ssize_t iommu_group_reasons_read(struct kiocb *iocb,
					struct iov_iter *to)
{
	struct dentry *dentry = iocb->ki_filp->f_path.dentry;
	ssize_t ret;

	ret = debugfs_file_get(dentry);
	if (ret)
		return ret;
	ret = seq_read_iter(iocb, to);
	debugfs_file_put(dentry);
	return ret;
}

static loff_t iommu_group_reasons_llseek(struct file *file, loff_t offset,
					 int whence)
{
	struct dentry *dentry = file->f_path.dentry;
	loff_t ret;

	ret = debugfs_file_get(dentry);
	if (ret)
		return ret;
	ret = seq_lseek(file, offset, whence);
	debugfs_file_put(dentry);
	return ret;
}

static const struct file_operations iommu_group_reasons_fops = {
	.owner = THIS_MODULE,
	.open = iommu_group_reasons_open,
	.read_iter = iommu_group_reasons_read,
	.llseek = iommu_group_reasons_llseek,
	.release = single_release,
};

static void iommu_group_debugfs_add(struct iommu_group *group)
{
	char name[16];

	snprintf(name, sizeof(name), "%d", group->id);
	group->debugfs = debugfs_create_file_unsafe(name, 0444,
						    iommu_groups_debugfs,
						    group,
						    &iommu_group_reasons_fops);
}

/* Waits for readers of the file; they hold no reference on the group. */
static void iommu_group_debugfs_del(struct iommu_group *group)
{
	debugfs_remove(group->debugfs);
	group->debugfs = NULL;
}

static void __init iommu_group_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("iommu", NULL);

	iommu_groups_debugfs = debugfs_create_dir("groups", dir);
}

/* The reason noted for @dev by iommu_group_set_reason(), now the caller's. */
static char *iommu_group_take_reason(struct iommu_group *group,
				     struct device *dev)
{
	char *reason = NULL;

	lockdep_assert_held(&iommu_group_lock);

	guard(mutex)(&group->mutex);
	if (group->next_dev == dev) {
		reason = group->next_reason;
		group->next_reason = NULL;
		group->next_dev = NULL;
	}
	return reason;
}

/**
 * iommu_group_set_reason - say why a device is about to join a group
 * @group: the group
 * @dev: the device, not yet a member
 * @reason: one line, copied; for example "same slot as 0000:03:00.0, no ACS"
 *
 * For device_group callbacks, which return a group for iommu_group_get_for_dev()
 * to add @dev to: the next iommu_group_add_device() of @dev to @group keeps
 * @reason with the member, and the group's debugfs file shows it.  A group
 * remembers one such reason; a later call replaces it.
 *
 * Context: Process context; may sleep.  Takes the group's mutex.
 * Return: 0 or -ENOMEM.
 */
int iommu_group_set_reason(struct iommu_group *group, struct device *dev,
			   const char *reason)
{
	char *copy = kstrdup(reason, GFP_KERNEL);

	if (!copy)
		return -ENOMEM;

	guard(mutex)(&group->mutex);
	kfree(group->next_reason);
	group->next_reason = copy;
	group->next_dev = dev;
	return 0;
}
EXPORT_SYMBOL_GPL(iommu_group_set_reason);

/**
 * iommu_group_alloc - allocate a new, empty IOMMU group
 *
 * The group appears as /sys/kernel/iommu_groups/<id> with the lowest id not
 * in use.  Devices join it with iommu_group_add_device().
 *
 * Context: Process context; may sleep.
 * Return: the group, holding one reference for the caller that
 * iommu_group_put() drops, or an ERR_PTR() on failure.
 */
struct iommu_group *iommu_group_alloc(void)
{
	struct iommu_group *group;
	int ret;

	if (!iommu_group_kset)
		return ERR_PTR(-ENODEV);

	group = kzalloc(sizeof(*group), GFP_KERNEL);
	if (!group)
		return ERR_PTR(-ENOMEM);

	kref_init(&group->users);
	mutex_init(&group->mutex);
	INIT_LIST_HEAD(&group->devices);
	BLOCKING_INIT_NOTIFIER_HEAD(&group->notifier);

	ret = ida_alloc(&iommu_group_ida, GFP_KERNEL);
	if (ret < 0) {
		kfree(group);
		return ERR_PTR(ret);
	}
	group->id = ret;

	/* From here on the kobject owns the memory: free with kobject_put(). */
	group->kobj.kset = iommu_group_kset;
	ret = kobject_init_and_add(&group->kobj, &iommu_group_ktype, NULL,
				   "%d", group->id);
	if (ret)
		goto err_put;

	group->devices_kobj = kobject_create_and_add("devices", &group->kobj);
	if (!group->devices_kobj) {
		ret = -ENOMEM;
		goto err_del;
	}

	kobject_uevent(&group->kobj, KOBJ_ADD);
	iommu_group_debugfs_add(group);
	return group;

err_del:
	kobject_del(&group->kobj);
err_put:
	ida_free(&iommu_group_ida, group->id);
	kobject_put(&group->kobj);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(iommu_group_alloc);

/*
 * The last user is gone: nobody can reach the group through a device or a
 * reference any more.  Take it out of sysfs now, so its id can be reused at
 * once, even if the kobject's memory lingers (CONFIG_DEBUG_KOBJECT_RELEASE).
 */
static void iommu_group_release(struct kref *ref)
{
	struct iommu_group *group = container_of(ref, struct iommu_group, users);

	WARN_ON(!list_empty(&group->devices));

	kobject_del(group->devices_kobj);
	kobject_put(group->devices_kobj);
	kobject_uevent(&group->kobj, KOBJ_REMOVE);
	kobject_del(&group->kobj);
	iommu_group_debugfs_del(group);
	ida_free(&iommu_group_ida, group->id);
	kfree(group->next_reason);

	if (group->iommu_data_release)
		group->iommu_data_release(group->iommu_data);

	kobject_put(&group->kobj);
}

/**
 * iommu_group_ref_get - take another reference on a group
 * @group: the group, on which the caller already holds a reference
 *
 * Context: Any context.
 * Return: @group, for the caller to pass on; drop it with iommu_group_put().
 */
struct iommu_group *iommu_group_ref_get(struct iommu_group *group)
{
	kref_get(&group->users);
	return group;
}
EXPORT_SYMBOL_GPL(iommu_group_ref_get);

/**
 * iommu_group_put - drop a reference on a group
 * @group: the group, or NULL
 *
 * When the last member has left and the last reference is dropped, the group
 * leaves sysfs, its id becomes free and its iommu_data release callback runs,
 * all before this returns.
 *
 * Context: Process context; may sleep.  Must not be called from a callback
 * of @group's own sysfs attributes.
 */
void iommu_group_put(struct iommu_group *group)
{
	might_sleep();
	if (group)
		kref_put(&group->users, iommu_group_release);
}
EXPORT_SYMBOL_GPL(iommu_group_put);

/**
 * iommu_group_get - get the group a device belongs to
 * @dev: the device
 *
 * Takes no lock: callable from an iommu_group_for_each_dev() callback or a
 * group notifier.  A device that is joining, leaving or being merged at the
 * same time may be reported in its old group or its new one.
 *
 * Context: Any context.
 * Return: @dev's group with a new reference that the caller drops with
 * iommu_group_put(), or NULL if @dev is in no group.
 */
struct iommu_group *iommu_group_get(struct device *dev)
{
	struct iommu_group *group;

	guard(rcu)();
	group = READ_ONCE(dev->iommu_group);
	/* A group whose last user is gone is dying; the device is leaving. */
	if (group && !kref_get_unless_zero(&group->users))
		return NULL;
	return group;
}
EXPORT_SYMBOL_GPL(iommu_group_get);

/**
 * iommu_group_id - the number of a group
 * @group: the group
 *
 * Context: Any context.
 * Return: the id, which names the group's directory in
 * /sys/kernel/iommu_groups.
 */
int iommu_group_id(struct iommu_group *group)
{
	return group->id;
}
EXPORT_SYMBOL_GPL(iommu_group_id);

/*
 * Pick the member's link name: the device's name, or "<name>.N" with the
 * smallest N >= 1 when another member (on another bus) has that name already.
 */
static char *iommu_group_link_name(struct iommu_group *group,
				   struct device *dev)
{
	struct group_device *gdev;
	unsigned int n = 0;
	char *name;

	lockdep_assert_held(&group->mutex);

	for (;;) {
		bool taken = false;

		if (n)
			name = kasprintf(GFP_KERNEL, "%s.%u", dev_name(dev), n);
		else
			name = kstrdup(dev_name(dev), GFP_KERNEL);
		if (!name)
			return NULL;

		list_for_each_entry(gdev, &group->devices, list) {
			if (!strcmp(gdev->name, name)) {
				taken = true;
				break;
			}
		}
		if (!taken)
			return name;
		kfree(name);
		n++;
	}
}

static int __iommu_group_add_device(struct iommu_group *group,
				    struct group_device *gdev)
{
	struct device *dev = gdev->dev;
	int ret;

	lockdep_assert_held(&iommu_group_lock);

	if (iommu_device_gone(dev))
		return -ENODEV;
	if (dev->iommu_group)
		return -EBUSY;

	guard(mutex)(&group->mutex);

	gdev->name = iommu_group_link_name(group, dev);
	if (!gdev->name)
		return -ENOMEM;

	ret = sysfs_create_link(&dev->kobj, &group->kobj, "iommu_group");
	if (ret)
		goto err_free_name;

	ret = sysfs_create_link_nowarn(group->devices_kobj, &dev->kobj,
				       gdev->name);
	if (ret)
		goto err_remove_link;

	list_add_tail(&gdev->list, &group->devices);
	WRITE_ONCE(dev->iommu_group, iommu_group_ref_get(group));
	return 0;

err_remove_link:
	sysfs_remove_link(&dev->kobj, "iommu_group");
err_free_name:
	kfree(gdev->name);
	return ret;
}

/**
 * iommu_group_add_device - add a device to a group
 * @group: the group
 * @dev: the device, which must not be in a group yet
 *
 * Links the device into the group's "devices" directory (as "<name>.N" if
 * another member has the same name), adds an "iommu_group" link to the
 * device's directory, and sends %IOMMU_GROUP_NOTIFY_ADD_DEVICE.  The device
 * holds a reference on the group until iommu_group_remove_device().  If
 * iommu_group_set_reason() was told why @dev joins @group, the member keeps
 * that reason.
 *
 * Context: Process context; may sleep.  The caller holds
 * iommu_probe_device_lock (the core holds it around add_device callbacks),
 * which merges rely on.  Takes iommu_group_lock and the group's mutex.
 * Return: 0 on success, -EBUSY if @dev is already in a group, -ENODEV if
 * @dev is being deleted, or another negative errno.  On failure nothing has
 * changed.
 */
int iommu_group_add_device(struct iommu_group *group, struct device *dev)
{
	return iommu_group_add_device_reason(group, dev, NULL);
}
EXPORT_SYMBOL_GPL(iommu_group_add_device);

/**
 * iommu_group_add_device_reason - add a device to a group and say why
 * @group: the group
 * @dev: the device, which must not be in a group yet
 * @reason: why @dev must share @group, copied; shown in the group's debugfs
 *	file.  NULL takes the reason given to iommu_group_set_reason(), if any.
 *
 * As iommu_group_add_device().
 *
 * Context: Process context; may sleep.  The caller holds
 * iommu_probe_device_lock (the core holds it around add_device callbacks),
 * which merges rely on.  Takes iommu_group_lock and the group's mutex.
 * Return: 0 on success, -EBUSY if @dev is already in a group, -ENODEV if
 * @dev is being deleted, or another negative errno.  On failure nothing has
 * changed.
 */
int iommu_group_add_device_reason(struct iommu_group *group,
				  struct device *dev, const char *reason)
{
	struct group_device *gdev;
	int ret;

	lockdep_assert_held(&iommu_probe_device_lock);

	gdev = kzalloc(sizeof(*gdev), GFP_KERNEL);
	if (!gdev)
		return -ENOMEM;
	gdev->dev = dev;
	if (reason) {
		gdev->reason = kstrdup(reason, GFP_KERNEL);
		if (!gdev->reason) {
			kfree(gdev);
			return -ENOMEM;
		}
	}

	scoped_guard(mutex, &iommu_group_lock) {
		ret = __iommu_group_add_device(group, gdev);
		if (!ret && !gdev->reason)
			gdev->reason = iommu_group_take_reason(group, dev);
	}
	if (ret) {
		kfree(gdev->reason);
		kfree(gdev);
		return ret;
	}

	blocking_notifier_call_chain(&group->notifier,
				     IOMMU_GROUP_NOTIFY_ADD_DEVICE, dev);
	dev_info(dev, "added to IOMMU group %d\n", group->id);
	return 0;
}
EXPORT_SYMBOL_GPL(iommu_group_add_device_reason);

static struct group_device *iommu_group_find_device(struct iommu_group *group,
						    struct device *dev)
{
	struct group_device *gdev;

	lockdep_assert_held(&iommu_group_lock);

	list_for_each_entry(gdev, &group->devices, list)
		if (gdev->dev == dev)
			return gdev;
	return NULL;
}

/* Take @gdev, a member of @dev's group, out of the group and of sysfs. */
static void iommu_group_unlink_device(struct group_device *gdev)
{
	struct device *dev = gdev->dev;
	struct iommu_group *group = dev->iommu_group;

	lockdep_assert_held(&iommu_group_lock);

	scoped_guard(mutex, &group->mutex)
		list_del(&gdev->list);
	sysfs_remove_link(group->devices_kobj, gdev->name);
	sysfs_remove_link(&dev->kobj, "iommu_group");
	WRITE_ONCE(dev->iommu_group, NULL);
}

/**
 * iommu_group_remove_device - remove a device from its group
 * @dev: the device; nothing happens if it is in no group
 *
 * Sends %IOMMU_GROUP_NOTIFY_DEL_DEVICE while @dev is still a member, then
 * removes both sysfs links and drops the device's reference on the group.
 * If two callers remove the same device at once, one of them does all this
 * and the other returns at once.
 *
 * Context: Process context; may sleep.  The caller holds
 * iommu_probe_device_lock (the core holds it around remove_device
 * callbacks), which merges rely on.  Takes iommu_group_lock and the group's
 * mutex.
 */
void iommu_group_remove_device(struct device *dev)
{
	struct iommu_group *group, *member_of;
	struct group_device *gdev;

	lockdep_assert_held(&iommu_probe_device_lock);

	/* Claim the removal, so that one caller alone notifies and unlinks. */
	scoped_guard(mutex, &iommu_group_lock) {
		group = dev->iommu_group;
		gdev = group ? iommu_group_find_device(group, dev) : NULL;
		if (!gdev || gdev->leaving)
			return;
		gdev->leaving = true;
		iommu_group_ref_get(group);
	}

	blocking_notifier_call_chain(&group->notifier,
				     IOMMU_GROUP_NOTIFY_DEL_DEVICE, dev);

	/* A merge may have moved the member meanwhile; it stays claimed. */
	scoped_guard(mutex, &iommu_group_lock) {
		member_of = dev->iommu_group;
		iommu_group_unlink_device(gdev);
	}

	dev_dbg(dev, "removed from IOMMU group %d\n", member_of->id);
	kfree(gdev->reason);
	kfree(gdev->name);
	kfree(gdev);
	iommu_group_put(member_of);	/* the member's reference */
	iommu_group_put(group);		/* ours */
}
EXPORT_SYMBOL_GPL(iommu_group_remove_device);

/*
 * Merging: a device that must share two groups makes them one.  The members
 * of the source group move to the destination in two steps under
 * iommu_group_lock: first every member gets its new link in the destination
 * (the only step that can fail, and it is undone completely), then the old
 * links go and dev->iommu_group changes.  Nobody ever sees a member of the
 * source in a third group, so the merge never splits a group.
 */

/**
 * struct iommu_group_move - one member on its way to another group
 * @gdev: the member
 * @name: its link name in the destination
 * @reason: its reason there, which says where it came from
 */
struct iommu_group_move {
	struct group_device *gdev;
	char *name;
	char *reason;
};

/*
 * A member's new "iommu_group" link is made under this name while the merge
 * can still fail, and renamed at commit.  Renaming to a constant name takes
 * no allocation, so the commit cannot fail.
 */
#define IOMMU_GROUP_LINK_NEXT	"iommu_group.next"

/* Link @m's member into @dst; on failure nothing has changed. */
static int iommu_group_move_prepare(struct iommu_group *dst,
				    struct iommu_group *src,
				    struct iommu_group_move *m)
{
	struct device *dev = m->gdev->dev;
	int ret;

	lockdep_assert_held(&iommu_group_lock);

	m->reason = kasprintf(GFP_KERNEL, "%s (merged from group %d)",
			      m->gdev->reason ?: "added by its IOMMU driver",
			      src->id);
	if (!m->reason)
		return -ENOMEM;

	scoped_guard(mutex, &dst->mutex) {
		m->name = iommu_group_link_name(dst, dev);
		if (!m->name) {
			ret = -ENOMEM;
			goto err_reason;
		}
		ret = sysfs_create_link_nowarn(dst->devices_kobj, &dev->kobj,
					       m->name);
		if (ret)
			goto err_name;
		ret = sysfs_create_link_nowarn(&dev->kobj, &dst->kobj,
					       IOMMU_GROUP_LINK_NEXT);
		if (ret)
			goto err_link;
	}

	scoped_guard(mutex, &src->mutex)
		list_del(&m->gdev->list);
	/* Listed in @dst already, so the next member's name avoids this one. */
	scoped_guard(mutex, &dst->mutex) {
		swap(m->name, m->gdev->name);
		list_add_tail(&m->gdev->list, &dst->devices);
	}
	return 0;

err_link:
	sysfs_remove_link(dst->devices_kobj, m->name);
err_name:
	kfree(m->name);
err_reason:
	kfree(m->reason);
	return ret;
}

/* Undo iommu_group_move_prepare(): the member is back in @src, at the front. */
static void iommu_group_move_undo(struct iommu_group *dst,
				  struct iommu_group *src,
				  struct iommu_group_move *m)
{
	lockdep_assert_held(&iommu_group_lock);

	scoped_guard(mutex, &dst->mutex) {
		list_del(&m->gdev->list);
		sysfs_remove_link(dst->devices_kobj, m->gdev->name);
		swap(m->name, m->gdev->name);
	}
	sysfs_remove_link(&m->gdev->dev->kobj, IOMMU_GROUP_LINK_NEXT);
	scoped_guard(mutex, &src->mutex)
		list_add(&m->gdev->list, &src->devices);
	kfree(m->name);
	kfree(m->reason);
}

/* Finish the move of a prepared member; cannot fail. */
static void iommu_group_move_commit(struct iommu_group *dst,
				    struct iommu_group *src,
				    struct iommu_group_move *m)
{
	struct group_device *gdev = m->gdev;
	struct device *dev = gdev->dev;

	lockdep_assert_held(&iommu_group_lock);

	sysfs_remove_link(src->devices_kobj, m->name);
	kfree(m->name);
	scoped_guard(mutex, &dst->mutex)
		swap(gdev->reason, m->reason);
	kfree(m->reason);

	sysfs_remove_link(&dev->kobj, "iommu_group");
	WARN_ON(sysfs_rename_link_ns(&dev->kobj, &dst->kobj,
				     IOMMU_GROUP_LINK_NEXT, "iommu_group",
				     NULL));
	WRITE_ONCE(dev->iommu_group, iommu_group_ref_get(dst));
	/* The caller's reference keeps @src alive. */
	kref_put(&src->users, iommu_group_release);
}

static int __iommu_group_merge(struct iommu_group *dst,
			       struct iommu_group *src)
{
	struct iommu_group_move *moves __free(kfree) = NULL;
	struct group_device *gdev;
	unsigned int i, n = 0;
	int ret = 0;

	lockdep_assert_held(&iommu_group_lock);

	n = list_count_nodes(&src->devices);
	moves = kcalloc(n, sizeof(*moves), GFP_KERNEL);
	if (!moves)
		return -ENOMEM;
	i = 0;
	list_for_each_entry(gdev, &src->devices, list)
		moves[i++].gdev = gdev;

	for (i = 0; i < n; i++) {
		ret = iommu_group_move_prepare(dst, src, &moves[i]);
		if (ret)
			break;
	}
	if (ret) {
		while (i--)
			iommu_group_move_undo(dst, src, &moves[i]);
		return ret;
	}
	for (i = 0; i < n; i++)
		iommu_group_move_commit(dst, src, &moves[i]);
	return 0;
}

/* Send @event on @group's chain for each of @devs, then drop them. */
static void iommu_group_notify_all(struct iommu_group *group,
				   unsigned long event, struct device **devs,
				   unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		blocking_notifier_call_chain(&group->notifier, event, devs[i]);
}

/* The members of @group, each with a reference for the caller. */
static struct device **iommu_group_members(struct iommu_group *group,
					   unsigned int *n)
{
	struct group_device *gdev;
	struct device **devs;
	unsigned int i = 0;

	guard(mutex)(&group->mutex);
	*n = list_count_nodes(&group->devices);
	devs = kcalloc(*n, sizeof(*devs), GFP_KERNEL);
	if (!devs)
		return NULL;
	list_for_each_entry(gdev, &group->devices, list)
		devs[i++] = get_device(gdev->dev);
	return devs;
}

/**
 * iommu_group_merge - move every member of one group into another
 * @dst: the group that stays
 * @src: the group that empties; it dies when its last reference goes
 *
 * For device_group callbacks that find a device must share two groups: the
 * groups become one.  Each member of @src is sent
 * %IOMMU_GROUP_NOTIFY_DEL_DEVICE on @src's chain while still a member, then
 * moves with its sysfs links and dev->iommu_group to @dst, and is sent
 * %IOMMU_GROUP_NOTIFY_ADD_DEVICE on @dst's chain.  Its reason gains
 * "(merged from group <id>)".  @src's notifiers and iommu_data stay with
 * @src; a driver that keeps per-group state must move what it needs.
 *
 * Context: Process context; may sleep.  The caller holds
 * iommu_probe_device_lock, so membership changes only here meanwhile, and a
 * reference on both groups.  Takes iommu_group_lock and the groups' mutexes.
 * Return: 0, or a negative errno; on failure no member has moved, and each
 * was sent %IOMMU_GROUP_NOTIFY_ADD_DEVICE on @src's chain again.
 */
int iommu_group_merge(struct iommu_group *dst, struct iommu_group *src)
{
	struct device **devs;
	unsigned int i, n;
	int ret;

	lockdep_assert_held(&iommu_probe_device_lock);

	if (dst == src)
		return 0;
	devs = iommu_group_members(src, &n);
	if (!devs)
		return -ENOMEM;

	iommu_group_notify_all(src, IOMMU_GROUP_NOTIFY_DEL_DEVICE, devs, n);
	scoped_guard(mutex, &iommu_group_lock)
		ret = __iommu_group_merge(dst, src);
	iommu_group_notify_all(ret ? src : dst, IOMMU_GROUP_NOTIFY_ADD_DEVICE,
			       devs, n);

	for (i = 0; i < n; i++)
		put_device(devs[i]);
	kfree(devs);
	if (!ret && n)
		pr_info("group %d merged into group %d\n", src->id, dst->id);
	return ret;
}
EXPORT_SYMBOL_GPL(iommu_group_merge);

/**
 * iommu_group_for_each_dev - call a function for each member of a group
 * @group: the group
 * @data: passed to @fn
 * @fn: called with each member in the order they joined; a non-zero return
 *	stops the walk
 *
 * Context: Process context; may sleep.  @fn runs with the group's mutex held
 * and must not add devices to or remove devices from any group; it may call
 * iommu_group_get(), which takes no lock.
 * Return: 0 if @fn returned 0 for every member, else @fn's first non-zero
 * return value.
 */
int iommu_group_for_each_dev(struct iommu_group *group, void *data,
			     int (*fn)(struct device *dev, void *data))
{
	struct group_device *gdev;
	int ret = 0;

	guard(mutex)(&group->mutex);
	list_for_each_entry(gdev, &group->devices, list) {
		ret = fn(gdev->dev, data);
		if (ret)
			break;
	}
	return ret;
}
EXPORT_SYMBOL_GPL(iommu_group_for_each_dev);

/**
 * iommu_group_get_iommudata - the IOMMU driver's data of a group
 * @group: the group
 *
 * Context: Any context.
 * Return: the pointer set by iommu_group_set_iommudata(), or NULL.
 */
void *iommu_group_get_iommudata(struct iommu_group *group)
{
	return group->iommu_data;
}
EXPORT_SYMBOL_GPL(iommu_group_get_iommudata);

/**
 * iommu_group_set_iommudata - attach IOMMU driver data to a group
 * @group: the group
 * @iommu_data: the driver's data
 * @release: called once with @iommu_data when the group dies, or NULL
 *
 * Meant to be called once, right after iommu_group_alloc(), before the group
 * is shared.
 *
 * Context: Any context.
 */
void iommu_group_set_iommudata(struct iommu_group *group, void *iommu_data,
			       void (*release)(void *iommu_data))
{
	group->iommu_data = iommu_data;
	group->iommu_data_release = release;
}
EXPORT_SYMBOL_GPL(iommu_group_set_iommudata);

/**
 * iommu_group_set_name - give a group a name
 * @group: the group
 * @name: the name, copied; NULL removes the name
 *
 * A named group has a read-only "name" attribute in its sysfs directory
 * (for example the partitionable endpoint it stands for).
 *
 * Context: Process context; may sleep.
 * Return: 0 or a negative errno; on failure the old name stays.
 */
int iommu_group_set_name(struct iommu_group *group, const char *name)
{
	char *new = NULL, *old;
	int ret;

	if (name) {
		new = kstrdup(name, GFP_KERNEL);
		if (!new)
			return -ENOMEM;
	}

	/*
	 * The attribute's show takes group->mutex, so it is created and
	 * removed outside that mutex; iommu_group_lock orders callers.
	 */
	guard(mutex)(&iommu_group_lock);
	if (new && !group->name) {
		ret = sysfs_create_file(&group->kobj, &iommu_group_name_attr.attr);
		if (ret) {
			kfree(new);
			return ret;
		}
	}

	scoped_guard(mutex, &group->mutex) {
		old = group->name;
		group->name = new;
	}

	if (old && !new)
		sysfs_remove_file(&group->kobj, &iommu_group_name_attr.attr);
	kfree(old);
	return 0;
}
EXPORT_SYMBOL_GPL(iommu_group_set_name);

/**
 * iommu_group_register_notifier - receive a group's IOMMU_GROUP_NOTIFY events
 * @group: the group
 * @nb: the notifier; its callback gets the event and the struct device
 *
 * Context: Process context; may sleep.
 * Return: 0 or a negative errno.
 */
int iommu_group_register_notifier(struct iommu_group *group,
				  struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&group->notifier, nb);
}
EXPORT_SYMBOL_GPL(iommu_group_register_notifier);

/**
 * iommu_group_unregister_notifier - stop receiving a group's events
 * @group: the group
 * @nb: a notifier registered with iommu_group_register_notifier()
 *
 * Context: Process context; may sleep.
 * Return: 0, or -ENOENT if @nb was not registered.
 */
int iommu_group_unregister_notifier(struct iommu_group *group,
				    struct notifier_block *nb)
{
	return blocking_notifier_chain_unregister(&group->notifier, nb);
}
EXPORT_SYMBOL_GPL(iommu_group_unregister_notifier);

/**
 * generic_device_group - a device_group callback that isolates every device
 * @dev: the device
 *
 * For IOMMUs that can tell every device apart and buses without peer-to-peer
 * paths.
 *
 * Context: Process context; may sleep.
 * Return: a new group, or an ERR_PTR().
 */
struct iommu_group *generic_device_group(struct device *dev)
{
	return iommu_group_alloc();
}
EXPORT_SYMBOL_GPL(generic_device_group);

static const struct iommu_ops *iommu_ops_for_bus(const struct bus_type *bus)
{
	struct iommu_bus *ib;

	guard(mutex)(&iommu_bus_lock);
	list_for_each_entry(ib, &iommu_buses, list)
		if (ib->bus == bus)
			return ib->ops;
	return NULL;
}

/* The IOMMU driver of @dev's bus, or NULL. */
const struct iommu_ops *dev_iommu_ops(struct device *dev)
{
	return dev->bus ? iommu_ops_for_bus(dev->bus) : NULL;
}

/**
 * iommu_group_get_for_dev - find or make the group of a device
 * @dev: the device
 *
 * For IOMMU drivers' add_device callbacks: if @dev has no group yet, ask the
 * driver's device_group callback for the group it must join and add it.
 *
 * Context: Process context; may sleep.
 * Return: @dev's group with a reference for the caller, or an ERR_PTR().
 */
struct iommu_group *iommu_group_get_for_dev(struct device *dev)
{
	const struct iommu_ops *ops;
	struct iommu_group *group;
	int ret;

	group = iommu_group_get(dev);
	if (group)
		return group;

	ops = dev->bus ? iommu_ops_for_bus(dev->bus) : NULL;
	if (!ops || !ops->device_group)
		return ERR_PTR(-ENODEV);

	group = ops->device_group(dev);
	if (IS_ERR_OR_NULL(group))
		return group ?: ERR_PTR(-ENODEV);

	ret = iommu_group_add_device(group, dev);
	if (ret) {
		iommu_group_put(group);
		return ERR_PTR(ret);
	}
	return group;
}
EXPORT_SYMBOL_GPL(iommu_group_get_for_dev);

static int iommu_add_device(const struct iommu_ops *ops, struct device *dev)
{
	int ret;

	guard(mutex)(&iommu_probe_device_lock);
	if (iommu_device_gone(dev))
		return -ENODEV;
	if (dev->iommu_group)
		return 0;
	ret = ops->add_device(dev);
	if (ret)
		dev_err(dev, "IOMMU driver failed to add device: %d\n", ret);
	return ret;
}

/*
 * Whatever the driver does, a device that leaves its bus leaves its group:
 * a group must never point at a deleted device.
 */
static void iommu_remove_device(const struct iommu_ops *ops, struct device *dev)
{
	guard(mutex)(&iommu_probe_device_lock);
	if (dev->iommu_group && ops->remove_device)
		ops->remove_device(dev);
	iommu_group_remove_device(dev);
}

/**
 * iommu_probe_device - hand a device to its bus's IOMMU driver
 * @dev: the device
 *
 * The bus notifier does this for every device; this is for code that knows
 * the driver missed a device.  Nothing happens if @dev already has a group.
 *
 * Context: Process context; may sleep.  Takes iommu_probe_device_lock.
 * Return: 0, -ENODEV if no IOMMU driver handles @dev's bus or @dev is being
 * deleted, or the error of the driver's add_device.
 */
int iommu_probe_device(struct device *dev)
{
	const struct iommu_ops *ops;

	ops = dev->bus ? iommu_ops_for_bus(dev->bus) : NULL;
	if (!ops)
		return -ENODEV;
	return iommu_add_device(ops, dev);
}
EXPORT_SYMBOL_GPL(iommu_probe_device);

/* Driver-core events on a member, forwarded to its group's chain. */
static unsigned long iommu_group_event(unsigned long action)
{
	switch (action) {
	case BUS_NOTIFY_BIND_DRIVER:
		return IOMMU_GROUP_NOTIFY_BIND_DRIVER;
	case BUS_NOTIFY_BOUND_DRIVER:
		return IOMMU_GROUP_NOTIFY_BOUND_DRIVER;
	case BUS_NOTIFY_UNBIND_DRIVER:
		return IOMMU_GROUP_NOTIFY_UNBIND_DRIVER;
	/* A failed probe leaves the device without driver, as an unbind. */
	case BUS_NOTIFY_DRIVER_NOT_BOUND:
	case BUS_NOTIFY_UNBOUND_DRIVER:
		return IOMMU_GROUP_NOTIFY_UNBOUND_DRIVER;
	default:
		return 0;
	}
}

static int iommu_bus_notifier(struct notifier_block *nb, unsigned long action,
			      void *data)
{
	struct iommu_bus *ib = container_of(nb, struct iommu_bus, nb);
	struct iommu_group *group;
	struct device *dev = data;
	unsigned long event;

	switch (action) {
	case BUS_NOTIFY_ADD_DEVICE:
		scoped_guard(mutex, &iommu_probe_device_lock)
			iommu_device_set_gone(dev, false);
		iommu_add_device(ib->ops, dev);
		return NOTIFY_OK;
	case BUS_NOTIFY_DEL_DEVICE:
	case BUS_NOTIFY_REMOVED_DEVICE:
		/* From here on it joins no group (see &struct dev_iommu). */
		scoped_guard(mutex, &iommu_probe_device_lock)
			iommu_device_set_gone(dev, true);
		if (action == BUS_NOTIFY_REMOVED_DEVICE)
			iommu_remove_device(ib->ops, dev);
		return NOTIFY_OK;
	}

	event = iommu_group_event(action);
	if (!event)
		return NOTIFY_DONE;

	group = iommu_group_get(dev);
	if (!group)
		return NOTIFY_DONE;
	blocking_notifier_call_chain(&group->notifier, event, dev);
	iommu_group_put(group);
	return NOTIFY_OK;
}

static int iommu_bus_replay_one(struct device *dev, void *data)
{
	struct iommu_bus *ib = data;

	iommu_add_device(ib->ops, dev);
	return 0;
}

static int iommu_bus_remove_one(struct device *dev, void *data)
{
	struct iommu_bus *ib = data;

	iommu_remove_device(ib->ops, dev);
	return 0;
}

static struct iommu_bus *iommu_bus_find(const struct bus_type *bus)
{
	struct iommu_bus *ib;

	lockdep_assert_held(&iommu_bus_lock);
	list_for_each_entry(ib, &iommu_buses, list)
		if (ib->bus == bus)
			return ib;
	return NULL;
}

static int iommu_bus_clear(const struct bus_type *bus)
{
	struct iommu_bus *ib;

	lockdep_assert_held(&iommu_bus_setup_lock);

	scoped_guard(mutex, &iommu_bus_lock) {
		ib = iommu_bus_find(bus);
		if (!ib)
			return -ENODEV;
		list_del(&ib->list);
	}

	bus_unregister_notifier(bus, &ib->nb);
	bus_for_each_dev(bus, NULL, ib, iommu_bus_remove_one);
	kfree(ib);
	return 0;
}

/**
 * bus_set_iommu - hand the devices of a bus type to an IOMMU driver
 * @bus: the bus type
 * @ops: the driver's callbacks, or NULL to take the bus back
 *
 * Calls @ops->add_device for every device already on @bus, and from then on
 * for every device added to it; @ops->remove_device when a device in a group
 * goes away.  Driver binding events of members reach their group's notifier
 * chain.  With @ops NULL, every grouped device of @bus is removed through the
 * old driver's remove_device and the bus is free again.
 *
 * Context: Process context; may sleep.
 * Return: 0; -EBUSY if @bus already has an IOMMU driver; -ENODEV if @ops is
 * NULL and @bus has none; or another negative errno.
 */
int bus_set_iommu(const struct bus_type *bus, const struct iommu_ops *ops)
{
	struct iommu_bus *ib;
	int ret;

	guard(mutex)(&iommu_bus_setup_lock);
	if (!ops)
		return iommu_bus_clear(bus);
	if (!ops->add_device)
		return -EINVAL;

	ib = kzalloc(sizeof(*ib), GFP_KERNEL);
	if (!ib)
		return -ENOMEM;
	ib->bus = bus;
	ib->ops = ops;
	ib->nb.notifier_call = iommu_bus_notifier;

	scoped_guard(mutex, &iommu_bus_lock) {
		if (iommu_bus_find(bus)) {
			kfree(ib);
			return -EBUSY;
		}
		list_add_tail(&ib->list, &iommu_buses);
	}

	ret = bus_register_notifier(bus, &ib->nb);
	if (ret) {
		scoped_guard(mutex, &iommu_bus_lock)
			list_del(&ib->list);
		kfree(ib);
		return ret;
	}

	/* A device added meanwhile is seen twice; the second add is a no-op. */
	bus_for_each_dev(bus, NULL, ib, iommu_bus_replay_one);
	return 0;
}
EXPORT_SYMBOL_GPL(bus_set_iommu);

static int __init iommu_groups_init(void)
{
	iommu_group_kset = kset_create_and_add("iommu_groups", NULL,
					       kernel_kobj);
	if (!iommu_group_kset)
		return -ENOMEM;
	iommu_group_debugfs_init();
	return 0;
}
core_initcall(iommu_groups_init);
