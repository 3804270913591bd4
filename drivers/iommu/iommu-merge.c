// SPDX-License-Identifier: GPL-2.0-only
/*
 * Merging: a device that must share two groups makes them one.
 *
 * The members of the source group move to the destination in two steps
 * under iommu_group_lock: first every member gets its new link in the
 * destination (the only step that can fail, and it is undone completely),
 * then the old links go and dev->iommu_group changes.  Nobody ever sees a
 * member of the source in a third group, so the merge never splits a group.
 *
 * Domains (iommu-attach.c) decide which group stays: the one in use.
 *
 * Locks (order in iommu-priv.h): the caller holds iommu_probe_device_lock,
 * so membership changes nowhere else meanwhile; the merge takes
 * iommu_group_lock and each group's mutex in turn, never two mutexes at
 * once.  The groups' notifier chains are called with neither held.
 */

#define pr_fmt(fmt) "iommu: " fmt

#include <linux/cleanup.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "iommu-core.h"
#include "iommu-priv.h"

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

/* Make @m's links in @dst under their new names; on failure none is left. */
static int iommu_group_move_link(struct iommu_group *dst,
				 struct iommu_group_move *m)
{
	struct device *dev = m->gdev->dev;
	int ret;

	lockdep_assert_held(&dst->mutex);

	ret = iommu_group_devices_link(dst, dev, &m->name);
	if (ret)
		return ret;
	ret = sysfs_create_link_nowarn(&dev->kobj, &dst->kobj,
				       IOMMU_GROUP_LINK_NEXT);
	if (ret) {
		sysfs_remove_link(dst->devices_kobj, m->name);
		kfree(m->name);
	}
	return ret;
}

/* Link @m's member into @dst; on failure nothing has changed. */
static int iommu_group_move_prepare(struct iommu_group *dst,
				    struct iommu_group *src,
				    struct iommu_group_move *m)
{
	int ret;

	lockdep_assert_held(&iommu_group_lock);

	m->reason = kasprintf(GFP_KERNEL, "%s (merged from group %d)",
			      m->gdev->reason ?: "added by its IOMMU driver",
			      src->id);
	if (!m->reason)
		return -ENOMEM;

	scoped_guard(mutex, &dst->mutex)
		ret = iommu_group_move_link(dst, m);
	if (ret) {
		kfree(m->reason);
		return ret;
	}

	scoped_guard(mutex, &src->mutex)
		list_del(&m->gdev->list);
	/* Listed in @dst already, so the next member's name avoids this one. */
	scoped_guard(mutex, &dst->mutex) {
		swap(m->name, m->gdev->name);
		list_add_tail(&m->gdev->list, &dst->devices);
	}
	return 0;
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
	iommu_group_owner_move(dst, src, gdev);

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
	unsigned int i, n = list_count_nodes(&src->devices);
	struct group_device *gdev;
	int ret = 0;

	lockdep_assert_held(&iommu_group_lock);

	struct iommu_group_move *moves __free(kfree) =
		kcalloc(n, sizeof(*moves), GFP_KERNEL);
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

/*
 * Move the members of @src, domains first: they join @dst's current domain
 * before their links move, and go back to @src's if the move fails.  The
 * order of the two groups is checked again, as a driver may have bound or
 * a user claimed a group since the caller chose it.
 */
static int iommu_group_merge_locked(struct iommu_group *dst,
				    struct iommu_group *src)
{
	struct iommu_group *d = dst, *s = src;
	int ret;

	lockdep_assert_held(&iommu_group_lock);

	ret = iommu_group_merge_order(&d, &s);
	if (!ret && d != dst)
		ret = -EBUSY;
	if (ret)
		return ret;
	ret = iommu_group_domain_move(dst, src);
	if (ret)
		return ret;
	ret = __iommu_group_merge(dst, src);
	if (ret)
		iommu_group_domain_unmove(dst, src);
	return ret;
}

/**
 * iommu_group_merge - make two groups one
 * @a: one group
 * @b: the other
 *
 * For device_group callbacks that find a device must share two groups.
 * The group that stays is the one kernel drivers or a user use, since its
 * members' domain must not change under them; @a if neither is used.  If
 * both are used, the merge is refused: the caller leaves the device that
 * would join them without a group.
 *
 * Each member of the group that empties (the source) is sent
 * %IOMMU_GROUP_NOTIFY_DEL_DEVICE on the source's chain while still a
 * member, is attached to the current domain of the group that stays (the
 * destination), moves with its sysfs links and dev->iommu_group, and is
 * sent %IOMMU_GROUP_NOTIFY_ADD_DEVICE on the destination's chain.  Its
 * reason gains "(merged from group <id>)".  The source's notifiers,
 * iommu_data and domains stay with it; it dies when its last reference
 * goes.
 *
 * Context: Process context; may sleep.  The caller holds
 * iommu_probe_device_lock, so membership changes only here meanwhile, and a
 * reference on both groups.  Takes iommu_group_lock and the groups' mutexes.
 * Return: the group that stays (@a or @b, no new reference), or an
 * ERR_PTR(): -EBUSY if both groups are in use, -EINVAL if they belong to
 * different IOMMU drivers, or another negative errno.  On failure no member
 * has moved or changed domain, and each member of the source was sent
 * %IOMMU_GROUP_NOTIFY_ADD_DEVICE on its chain again.
 */
struct iommu_group *iommu_group_merge(struct iommu_group *a,
				      struct iommu_group *b)
{
	struct iommu_group *dst = a, *src = b;
	struct device **devs;
	unsigned int i, n;
	int ret;

	lockdep_assert_held(&iommu_probe_device_lock);

	if (a == b)
		return a;
	scoped_guard(mutex, &iommu_group_lock)
		ret = iommu_group_merge_order(&dst, &src);
	if (ret)
		return ERR_PTR(ret);
	devs = iommu_group_members(src, &n);
	if (!devs)
		return ERR_PTR(-ENOMEM);

	iommu_group_notify_all(src, IOMMU_GROUP_NOTIFY_DEL_DEVICE, devs, n);
	scoped_guard(mutex, &iommu_group_lock)
		ret = iommu_group_merge_locked(dst, src);
	iommu_group_notify_all(ret ? src : dst, IOMMU_GROUP_NOTIFY_ADD_DEVICE,
			       devs, n);

	for (i = 0; i < n; i++)
		put_device(devs[i]);
	kfree(devs);
	if (ret)
		return ERR_PTR(ret);
	if (n)
		pr_info("group %d merged into group %d\n", src->id, dst->id);
	return dst;
}
EXPORT_SYMBOL_GPL(iommu_group_merge);
