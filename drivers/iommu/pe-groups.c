// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOMMU groups of partitionable endpoints.
 *
 * On some platforms, POWER above all, the unit of isolation is not derived
 * from the PCI topology but decided by firmware or platform code: a
 * partitionable endpoint (PE) is a set of devices that shares one DMA
 * translation table and one error state, and nothing smaller than a PE can
 * be given to a user.  Each PE is therefore exactly one IOMMU group:
 *
 *  - the platform makes the group when it sets the PE up, with
 *    iommu_pe_group_alloc(); the group is named "domain<N>-pe<hex>" after
 *    the PCI domain and the PE number, and carries the PE as its iommu_data,
 *    released exactly once when the group dies;
 *  - a device joins the group of its PE either from the bus notifier
 *    (iommu_pe_add_device() as the add_device callback, which accepts every
 *    device for the platform's translation, with a device_group callback
 *    that looks the PE up and returns iommu_pe_group_get()) or, when the
 *    platform learns a device's PE only later, from the platform itself
 *    with iommu_pe_add_device_to();
 *  - a device leaves its group when it leaves the bus; the core does that.
 *
 * The platform keeps the reference iommu_pe_group_alloc() returned for as
 * long as the PE exists and drops it with iommu_group_put() when the PE
 * goes.  The group outlives the PE's last member or the platform's reference,
 * whichever comes last.
 *
 * Locking: nothing of our own.  Devices join under iommu_probe_device_lock
 * (held by the core around add_device callbacks, taken here around
 * iommu_pe_add_device_to()), so a device is never added to two PEs at once.
 */

#define pr_fmt(fmt) "iommu-pe: " fmt

#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/string.h>

#include "iommu-priv.h"
#include "pe-groups.h"

/* "domain" + INT_MIN + "-pe" + 16 hex digits + NUL fits. */
#define PE_NAME_LEN	40

/**
 * iommu_pe_group_alloc - make the IOMMU group of a partitionable endpoint
 * @domain: the PCI domain (host bridge) of the PE
 * @pe_num: the PE's number within @domain
 * @pe: the platform's PE object, kept as the group's iommu_data
 * @release: called exactly once with @pe when the group dies, or NULL
 *
 * The group is named "domain<@domain>-pe<@pe_num in hex>", which its sysfs
 * "name" file shows.  On failure nothing is left behind and @release is not
 * called: @pe still belongs to the caller.
 *
 * Context: Process context; may sleep.
 * Return: the group with one reference for the caller (the PE's, dropped
 * with iommu_group_put() when the PE goes away), or an ERR_PTR().
 */
struct iommu_group *iommu_pe_group_alloc(int domain, unsigned long pe_num,
					 void *pe, void (*release)(void *pe))
{
	struct iommu_group *group;
	char name[PE_NAME_LEN];
	int ret;

	group = iommu_group_alloc();
	if (IS_ERR(group))
		return group;

	snprintf(name, sizeof(name), "domain%d-pe%lx", domain, pe_num);
	ret = iommu_group_set_name(group, name);
	if (ret) {
		/* No iommu_data yet, so the put does not release @pe. */
		iommu_group_put(group);
		return ERR_PTR(ret);
	}

	iommu_group_set_iommudata(group, pe, release);
	return group;
}

/**
 * iommu_pe_group_get - the group a device_group callback returns for a PE
 * @pe_group: the group of the PE that @dev belongs to, or NULL if the PE has
 *	no group (not set up yet, or its allocation failed)
 * @why: set to why a device joins it
 *
 * Context: Any context.
 * Return: @pe_group with a new reference that the core hands on to the
 * member, or NULL, which tells the core that the device's group is not known
 * yet: the platform adds it with iommu_pe_add_device_to() once it has set
 * the PE up.
 */
struct iommu_group *iommu_pe_group_get(struct iommu_group *pe_group,
				       struct iommu_group_reason *why)
{
	if (!pe_group)
		return NULL;
	strscpy(why->text, IOMMU_PE_REASON);
	return iommu_group_ref_get(pe_group);
}

/*
 * The platform's translation, as the unit of every device it covers.  It is
 * not in sysfs: platforms with PE groups show no /sys/class/iommu entry.
 */
static struct iommu_device iommu_pe_unit;

/**
 * iommu_pe_add_device - add_device callback of a PE-based IOMMU driver
 * @dev: the device added to the bus
 *
 * Every device of the bus is translated by the platform; the driver's
 * device_group callback names its PE's group.
 *
 * Context: Process context.  Called by the core with
 * iommu_probe_device_lock held.
 * Return: the platform's unit.
 */
struct iommu_device *iommu_pe_add_device(struct device *dev)
{
	lockdep_assert_held(&iommu_probe_device_lock);
	return &iommu_pe_unit;
}

/**
 * iommu_pe_add_device_to - put a device into the group of its PE
 * @pe_group: the group of @dev's PE, from iommu_pe_group_alloc()
 * @dev: the device, registered on a bus given to a PE-based driver with
 *	bus_set_iommu() so that it leaves the group when it leaves the bus
 *
 * For platforms that learn a device's PE after the device was added to its
 * bus (on POWER, when its DMA is set up).  Serialised with the bus notifier,
 * so the device joins exactly one group whichever path comes first.
 *
 * Context: Process context; may sleep.  Takes iommu_probe_device_lock.
 * Return: 0; -ENOENT if @dev is not registered yet (the bus notifier will
 * add it); -ENODEV if @pe_group is NULL or @dev is being deleted; -EBUSY if
 * @dev already has a group; or another negative errno from
 * iommu_group_add_device_reason().
 */
int iommu_pe_add_device_to(struct iommu_group *pe_group, struct device *dev)
{
	struct iommu_group *group;

	if (!pe_group)
		return -ENODEV;

	/*
	 * Checked under the lock the bus notifier takes: a device the core has
	 * seen leave is refused by iommu_group_add_device_reason() below, and
	 * one not yet registered is left to the notifier.
	 */
	guard(mutex)(&iommu_probe_device_lock);
	if (!device_is_registered(dev))
		return -ENOENT;
	group = iommu_group_get(dev);
	if (group) {
		iommu_group_put(group);
		return -EBUSY;
	}
	return iommu_group_add_device_reason(pe_group, dev, IOMMU_PE_REASON);
}
