// SPDX-License-Identifier: GPL-2.0-only
/*
 * Who may use a group's DMA: the kernel drivers of its members, or one user
 * (a VFIO container, say) that owns the whole group.  Never both.
 *
 * Kernel drivers are counted per member at probe: the driver core calls
 * iommu_device_use_default_domain() before a driver binds and
 * iommu_device_unuse_default_domain() after it unbinds (drivers with
 * driver_managed_dma, such as vfio-pci, are not counted).  A user claims
 * the group with iommu_group_claim_dma_owner(), which fails while a kernel
 * driver is counted and puts every member into the blocked domain; while
 * the group is owned, binding a counted driver to any member fails.  The
 * owner's release puts the default domain back.
 *
 * A member that joins a group while a driver is already bound to it
 * counts as that driver's use, for the driver core will not ask again.
 *
 * Locks (order in iommu-priv.h): a group's owner and owner_cnt and each
 * member's dma_used are written with iommu_group_lock and the group's
 * mutex held and read with either.  Domain changes are made under the same
 * two locks, so no domain changes while a claim is decided.
 */

#define pr_fmt(fmt) "iommu: " fmt

#include <linux/cleanup.h>
#include <linux/device.h>
#include <linux/export.h>
#include <linux/iommu.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>

#include "iommu-core.h"
#include "iommu-priv.h"

/* A kernel driver of @gdev's device uses @group's default domain. */
static int iommu_group_use(struct iommu_group *group,
			   struct group_device *gdev)
{
	lockdep_assert_held(&iommu_group_lock);
	lockdep_assert_held(&group->mutex);

	if (gdev->dma_used)
		return 0;
	if (group->owner || group->domain != group->default_domain)
		return -EBUSY;
	gdev->dma_used = true;
	group->owner_cnt++;
	return 0;
}

static void iommu_group_unuse(struct iommu_group *group,
			      struct group_device *gdev)
{
	lockdep_assert_held(&iommu_group_lock);
	lockdep_assert_held(&group->mutex);

	if (!gdev->dma_used)
		return;
	gdev->dma_used = false;
	if (!WARN_ON(!group->owner_cnt))
		group->owner_cnt--;
}

/*
 * @gdev is joining @group: if a driver is bound to it already, it counts as
 * a kernel user, which an owned group cannot take.
 */
int iommu_group_owner_join(struct iommu_group *group,
			   struct group_device *gdev)
{
	if (!READ_ONCE(gdev->dev->driver))
		return 0;
	return iommu_group_use(group, gdev);
}

/* @gdev is leaving @group: its driver's use goes with it. */
void iommu_group_owner_leave(struct iommu_group *group,
			     struct group_device *gdev)
{
	iommu_group_unuse(group, gdev);
}

/*
 * A merge moved @gdev from @src to @dst: its driver's use moves with it.
 * Called with iommu_group_lock held; takes each group's mutex in turn.
 */
void iommu_group_owner_move(struct iommu_group *dst, struct iommu_group *src,
			    struct group_device *gdev)
{
	lockdep_assert_held(&iommu_group_lock);

	if (!gdev->dma_used)
		return;
	scoped_guard(mutex, &src->mutex)
		if (!WARN_ON(!src->owner_cnt))
			src->owner_cnt--;
	scoped_guard(mutex, &dst->mutex)
		dst->owner_cnt++;
}

/**
 * iommu_device_use_default_domain - a kernel driver is about to bind
 * @dev: the device
 *
 * Called by the driver core before a driver that does its DMA through the
 * kernel DMA API binds to @dev.  The driver then counts as a user of
 * @dev's group until iommu_device_unuse_default_domain().
 *
 * Context: Process context; may sleep.  Takes iommu_group_lock and the
 * group's mutex.
 * Return: 0, also for a device in no group; -EBUSY if a user owns the
 * group or the group is not in its default domain, so the probe fails.
 */
int iommu_device_use_default_domain(struct device *dev)
{
	struct iommu_group *group = iommu_group_get(dev);
	struct group_device *gdev;
	int ret = 0;

	if (!group)
		return 0;
	scoped_guard(mutex, &iommu_group_lock) {
		guard(mutex)(&group->mutex);
		gdev = iommu_group_find_device(group, dev);
		if (gdev)
			ret = iommu_group_use(group, gdev);
	}
	iommu_group_put(group);
	return ret;
}
EXPORT_SYMBOL_GPL(iommu_device_use_default_domain);

/**
 * iommu_device_unuse_default_domain - a kernel driver has unbound
 * @dev: the device
 *
 * Context: Process context; may sleep.  Takes iommu_group_lock and the
 * group's mutex.
 */
void iommu_device_unuse_default_domain(struct device *dev)
{
	struct iommu_group *group = iommu_group_get(dev);
	struct group_device *gdev;

	if (!group)
		return;
	scoped_guard(mutex, &iommu_group_lock) {
		guard(mutex)(&group->mutex);
		gdev = iommu_group_find_device(group, dev);
		if (gdev)
			iommu_group_unuse(group, gdev);
	}
	iommu_group_put(group);
}
EXPORT_SYMBOL_GPL(iommu_device_unuse_default_domain);

/* Make @owner the owner of the unused @group, blocking all its DMA. */
static int iommu_group_take(struct iommu_group *group, void *owner)
{
	int ret;

	lockdep_assert_held(&iommu_group_lock);
	lockdep_assert_held(&group->mutex);

	if (!group->blocked_domain)
		return -ENODEV;
	if (group->owner_cnt)
		return -EPERM;
	if (group->domain != group->default_domain)
		return -EBUSY;
	ret = __iommu_group_set_domain(group, group->blocked_domain);
	if (ret)
		return ret;
	group->owner = owner;
	group->owner_cnt = 1;
	return 0;
}

/* The owner lets go of @group: back to the default domain. */
static void iommu_group_give_back(struct iommu_group *group)
{
	lockdep_assert_held(&iommu_group_lock);
	lockdep_assert_held(&group->mutex);

	/*
	 * A domain the owner left attached goes too.  If the default domain
	 * cannot be attached, the group stays blocked, which is safe.
	 */
	if (WARN_ON(__iommu_group_set_domain(group, group->default_domain)))
		WARN_ON(__iommu_group_set_domain(group, group->blocked_domain));
	group->owner = NULL;
	group->owner_cnt = 0;
}

/**
 * iommu_group_claim_dma_owner - take a group's DMA for a user
 * @group: the group
 * @owner: the user, any non-NULL cookie (a VFIO group, say)
 *
 * On success no member can DMA (they are in the group's blocked domain)
 * until the owner attaches a domain of its own, and no kernel driver that
 * uses the DMA API can bind to a member until
 * iommu_group_release_dma_owner().
 *
 * Context: Process context; may sleep.  Takes iommu_group_lock and the
 * group's mutex.
 * Return: 0; -EINVAL if @owner is NULL; -ENODEV if the group's IOMMU
 * driver has no domains (it cannot block DMA); -EPERM if a kernel driver is
 * bound to a member or the group has an owner; -EBUSY if the group is not
 * in its default domain; or the driver's error from blocking, after which
 * nothing has changed.
 */
int iommu_group_claim_dma_owner(struct iommu_group *group, void *owner)
{
	if (WARN_ON(!owner))
		return -EINVAL;
	guard(mutex)(&iommu_group_lock);
	guard(mutex)(&group->mutex);
	return iommu_group_take(group, owner);
}
EXPORT_SYMBOL_GPL(iommu_group_claim_dma_owner);

/**
 * iommu_group_release_dma_owner - give a claimed group back to the kernel
 * @group: a group claimed with iommu_group_claim_dma_owner()
 *
 * The members return to the default domain, whatever domain the owner left
 * attached.  Cannot fail.
 *
 * Context: Process context; may sleep.  Takes iommu_group_lock and the
 * group's mutex.
 */
void iommu_group_release_dma_owner(struct iommu_group *group)
{
	guard(mutex)(&iommu_group_lock);
	guard(mutex)(&group->mutex);
	if (!WARN_ON(!group->owner))
		iommu_group_give_back(group);
}
EXPORT_SYMBOL_GPL(iommu_group_release_dma_owner);

/**
 * iommu_group_dma_owner_claimed - whether anybody uses a group's DMA
 * @group: the group
 *
 * Context: Process context; may sleep.  Takes the group's mutex.
 * Return: true if a user owns the group or a kernel driver is bound to one
 * of its members.
 */
bool iommu_group_dma_owner_claimed(struct iommu_group *group)
{
	guard(mutex)(&group->mutex);
	return group->owner_cnt;
}
EXPORT_SYMBOL_GPL(iommu_group_dma_owner_claimed);

/**
 * iommu_device_claim_dma_owner - take a device's group for a user
 * @dev: the device
 * @owner: the user, a non-NULL cookie
 *
 * As iommu_group_claim_dma_owner() for @dev's group, except that the same
 * @owner may claim it once per device: each claim needs its
 * iommu_device_release_dma_owner().
 *
 * Context: Process context; may sleep.  Takes iommu_group_lock and the
 * group's mutex.
 * Return: 0; -ENODEV if @dev has no group; -EPERM if kernel drivers or
 * another owner use the group; otherwise as iommu_group_claim_dma_owner().
 */
int iommu_device_claim_dma_owner(struct device *dev, void *owner)
{
	struct iommu_group *group;
	int ret;

	if (WARN_ON(!owner))
		return -EINVAL;
	group = iommu_group_get(dev);
	if (!group)
		return -ENODEV;
	scoped_guard(mutex, &iommu_group_lock) {
		guard(mutex)(&group->mutex);
		if (group->owner_cnt && group->owner == owner) {
			group->owner_cnt++;
			ret = 0;
		} else {
			ret = iommu_group_take(group, owner);
		}
	}
	iommu_group_put(group);
	return ret;
}
EXPORT_SYMBOL_GPL(iommu_device_claim_dma_owner);

/**
 * iommu_device_release_dma_owner - undo iommu_device_claim_dma_owner()
 * @dev: the device
 *
 * The last release gives the group back to the kernel.
 *
 * Context: Process context; may sleep.  Takes iommu_group_lock and the
 * group's mutex.
 */
void iommu_device_release_dma_owner(struct device *dev)
{
	struct iommu_group *group = iommu_group_get(dev);

	if (!group)
		return;
	scoped_guard(mutex, &iommu_group_lock) {
		guard(mutex)(&group->mutex);
		if (WARN_ON(!group->owner))
			break;
		if (group->owner_cnt > 1)
			group->owner_cnt--;
		else
			iommu_group_give_back(group);
	}
	iommu_group_put(group);
}
EXPORT_SYMBOL_GPL(iommu_device_release_dma_owner);
