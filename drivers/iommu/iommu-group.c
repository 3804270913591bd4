// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOMMU groups: the group object, its lifetime and its sysfs directory
 * /sys/kernel/iommu_groups/<id>, its members, name, notifier chain and
 * driver data.
 *
 * Locks (order in iommu-priv.h): iommu_group_lock serialises membership
 * changes and protects every dev->iommu_group; each group's mutex protects
 * its member list and name.  iommu_group_get() takes neither: it reads
 * dev->iommu_group under RCU (groups are freed after a grace period), so it
 * may be called anywhere, an iommu_group_for_each_dev() callback included.
 */

#define pr_fmt(fmt) "iommu: " fmt

#include <linux/cleanup.h>
#include <linux/device.h>
#include <linux/init.h>
#include <linux/iommu.h>
#include <linux/kobject.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/xarray.h>

#include <trace/events/iommu.h>

#include "iommu-core.h"
#include "iommu-priv.h"

static struct kset *iommu_group_kset;
/* Every live group by id; the lowest free id is the next group's. */
static DEFINE_XARRAY_ALLOC(iommu_group_ids);

/* Serialises membership changes; protects every struct device::iommu_group. */
DEFINE_MUTEX(iommu_group_lock);

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
	&iommu_group_type_attr_group,	/* type */
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
	u32 id;
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

	/* Reserved (NULL) until the group is whole: see iommu_group_next(). */
	ret = xa_alloc(&iommu_group_ids, &id, NULL, xa_limit_31b, GFP_KERNEL);
	if (ret) {
		kfree(group);
		return ERR_PTR(ret);
	}
	group->id = id;

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
	/* The slot exists: storing into it allocates nothing. */
	WARN_ON(xa_is_err(xa_store(&iommu_group_ids, group->id, group,
				   GFP_KERNEL)));
	return group;

err_del:
	kobject_del(&group->kobj);
err_put:
	xa_erase(&iommu_group_ids, group->id);
	kobject_put(&group->kobj);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(iommu_group_alloc);

/*
 * The last user is gone: nobody can reach the group through a device or a
 * reference any more.  Take it out of sysfs now, so its id can be reused at
 * once, even if the kobject's memory lingers (CONFIG_DEBUG_KOBJECT_RELEASE).
 */
void iommu_group_release(struct kref *ref)
{
	struct iommu_group *group = container_of(ref, struct iommu_group, users);

	WARN_ON(!list_empty(&group->devices));

	kobject_del(group->devices_kobj);
	kobject_put(group->devices_kobj);
	kobject_uevent(&group->kobj, KOBJ_REMOVE);
	kobject_del(&group->kobj);
	xa_erase(&iommu_group_ids, group->id);
	iommu_group_domains_release(group);

	if (group->iommu_data_release)
		group->iommu_data_release(group->iommu_data);

	kobject_put(&group->kobj);
}

/*
 * The live group with the lowest id >= *@id, with a reference for the
 * caller, and its id in *@id; NULL if there is none.  A group being made is
 * not there yet; one whose last reference is gone is skipped, and its
 * release takes it out under the lock held here before freeing it.
 */
struct iommu_group *iommu_group_next(unsigned long *id)
{
	struct iommu_group *group;

	xa_lock(&iommu_group_ids);
	group = xa_find(&iommu_group_ids, id, ULONG_MAX, XA_PRESENT);
	while (group && !kref_get_unless_zero(&group->users))
		group = xa_find_after(&iommu_group_ids, id, ULONG_MAX,
				      XA_PRESENT);
	xa_unlock(&iommu_group_ids);
	return group;
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
 * Link @dev into @group's "devices" directory under the device's name, or
 * as "<name>.N" with the smallest N >= 1 free there when another member (on
 * another bus) has the name already; kernfs finds a taken name in
 * O(log members).  On success *@name is the link's name, for its removal.
 */
int iommu_group_devices_link(struct iommu_group *group, struct device *dev,
			     char **name)
{
	unsigned int n = 0;
	char *try;
	int ret;

	lockdep_assert_held(&group->mutex);

	do {
		if (n)
			try = kasprintf(GFP_KERNEL, "%s.%u", dev_name(dev), n);
		else
			try = kstrdup(dev_name(dev), GFP_KERNEL);
		if (!try)
			return -ENOMEM;
		ret = sysfs_create_link_nowarn(group->devices_kobj, &dev->kobj,
					       try);
		if (ret)
			kfree(try);
		n++;
	} while (ret == -EEXIST);
	if (!ret)
		*name = try;
	return ret;
}

/* Name @gdev and make its two sysfs links; on failure nothing is left. */
static int iommu_group_link_member(struct iommu_group *group,
				   struct group_device *gdev)
{
	struct device *dev = gdev->dev;
	int ret;

	lockdep_assert_held(&group->mutex);

	ret = sysfs_create_link(&dev->kobj, &group->kobj, "iommu_group");
	if (ret)
		return ret;
	ret = iommu_group_devices_link(group, dev, &gdev->name);
	if (ret)
		sysfs_remove_link(&dev->kobj, "iommu_group");
	return ret;
}

/* Undo iommu_group_link_member(). */
static void iommu_group_unlink_member(struct iommu_group *group,
				      struct group_device *gdev)
{
	sysfs_remove_link(group->devices_kobj, gdev->name);
	sysfs_remove_link(&gdev->dev->kobj, "iommu_group");
	kfree(gdev->name);
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
	ret = iommu_group_link_member(group, gdev);
	if (ret)
		return ret;
	/* Who uses the group's DMA, then which domain it joins. */
	ret = iommu_group_owner_join(group, gdev);
	if (ret)
		goto err_unlink;
	ret = iommu_group_domain_join(group, dev);
	if (ret)
		goto err_unuse;
	list_add_tail(&gdev->list, &group->devices);
	WRITE_ONCE(dev->iommu_group, iommu_group_ref_get(group));
	return 0;

err_unuse:
	iommu_group_owner_leave(group, gdev);
err_unlink:
	iommu_group_unlink_member(group, gdev);
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
 * holds a reference on the group until iommu_group_remove_device().  For
 * groups made outside an IOMMU driver (VFIO's no-IOMMU and emulated-IOMMU
 * groups) and for drivers that add a device after their callbacks ran.
 *
 * Context: Process context; may sleep.  Takes iommu_probe_device_lock
 * (so it must not be called from an IOMMU driver's callbacks, which run
 * under it), iommu_group_lock and the group's mutex.
 * Return: 0 on success, -EBUSY if @dev is already in a group, -ENODEV if
 * @dev is being deleted, or another negative errno.  On failure nothing has
 * changed.
 */
int iommu_group_add_device(struct iommu_group *group, struct device *dev)
{
	guard(mutex)(&iommu_probe_device_lock);
	return iommu_group_add_device_reason(group, dev, NULL);
}
EXPORT_SYMBOL_GPL(iommu_group_add_device);

/**
 * iommu_group_add_device_reason - add a device to a group and say why
 * @group: the group
 * @dev: the device, which must not be in a group yet
 * @reason: why @dev must share @group, copied; shown in the group's debugfs
 *	file.  NULL or "" if there is nothing to say.
 *
 * As iommu_group_add_device(), for the core and the drivers' callbacks.
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
	if (reason && *reason) {
		gdev->reason = kstrdup(reason, GFP_KERNEL);
		if (!gdev->reason) {
			kfree(gdev);
			return -ENOMEM;
		}
	}

	scoped_guard(mutex, &iommu_group_lock)
		ret = __iommu_group_add_device(group, gdev);
	if (ret) {
		kfree(gdev->reason);
		kfree(gdev);
		return ret;
	}

	trace_add_device_to_group(group->id, dev);
	blocking_notifier_call_chain(&group->notifier,
				     IOMMU_GROUP_NOTIFY_ADD_DEVICE, dev);
	dev_info(dev, "added to IOMMU group %d\n", group->id);
	return 0;
}
EXPORT_SYMBOL_GPL(iommu_group_add_device_reason);

/* @dev's entry in @group's member list, or NULL. */
struct group_device *iommu_group_find_device(struct iommu_group *group,
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

	/* Blocked before it leaves, so it never DMAs outside a group. */
	scoped_guard(mutex, &group->mutex) {
		iommu_group_domain_leave(group, dev);
		iommu_group_owner_leave(group, gdev);
		list_del(&gdev->list);
	}
	sysfs_remove_link(group->devices_kobj, gdev->name);
	sysfs_remove_link(&dev->kobj, "iommu_group");
	WRITE_ONCE(dev->iommu_group, NULL);
}

/**
 * iommu_group_remove_device_locked - remove a device from its group
 * @dev: the device; nothing happens if it is in no group
 *
 * As iommu_group_remove_device(), for the core and the drivers' callbacks.
 *
 * Context: Process context; may sleep.  The caller holds
 * iommu_probe_device_lock (the core holds it around the drivers'
 * callbacks), which merges rely on.  Takes iommu_group_lock and the group's
 * mutex.
 */
void iommu_group_remove_device_locked(struct device *dev)
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

	trace_remove_device_from_group(member_of->id, dev);
	dev_dbg(dev, "removed from IOMMU group %d\n", member_of->id);
	kfree(gdev->reason);
	kfree(gdev->name);
	kfree(gdev);
	iommu_group_put(member_of);	/* the member's reference */
	iommu_group_put(group);		/* ours */
}

/**
 * iommu_group_remove_device - remove a device from its group
 * @dev: the device; nothing happens if it is in no group
 *
 * Sends %IOMMU_GROUP_NOTIFY_DEL_DEVICE while @dev is still a member, then
 * blocks its DMA, removes both sysfs links and drops the device's reference
 * on the group.  If two callers remove the same device at once, one of them
 * does all this and the other returns at once.
 *
 * Context: Process context; may sleep.  Takes iommu_probe_device_lock (so
 * it must not be called from an IOMMU driver's callbacks, which run under
 * it), iommu_group_lock and the group's mutex.
 */
void iommu_group_remove_device(struct device *dev)
{
	guard(mutex)(&iommu_probe_device_lock);
	iommu_group_remove_device_locked(dev);
}
EXPORT_SYMBOL_GPL(iommu_group_remove_device);

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
 * @why: left empty: the device is alone
 *
 * For IOMMUs that can tell every device apart and buses without peer-to-peer
 * paths.
 *
 * Context: Process context; may sleep.
 * Return: a new group, or an ERR_PTR().
 */
struct iommu_group *generic_device_group(struct device *dev,
					 struct iommu_group_reason *why)
{
	return iommu_group_alloc();
}
EXPORT_SYMBOL_GPL(generic_device_group);

static int __init iommu_groups_init(void)
{
	iommu_group_kset = kset_create_and_add("iommu_groups", NULL,
					       kernel_kobj);
	if (!iommu_group_kset)
		return -ENOMEM;
	iommu_debugfs_init();
	return 0;
}
core_initcall(iommu_groups_init);
