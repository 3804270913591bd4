// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bus registry, the bus notifier, and the record the core keeps for
 * each device that an IOMMU unit translates.
 *
 * An IOMMU driver takes a bus type with bus_set_iommu().  From then on the
 * core offers it every device of the bus, present or added later, through
 * its add_device callback.  A device the driver accepts (add_device returns
 * the unit that translates it) gets a record, struct dev_iommu in
 * dev->iommu, a link from the unit's sysfs directory, and the group the
 * driver's device_group callback names.  The core hands every accepted
 * device back through remove_device exactly once: when it leaves the bus,
 * when the driver gives the bus back, or when it cannot be grouped.
 *
 * Locks (order in iommu-priv.h): iommu_bus_setup_lock serialises
 * bus_set_iommu(); iommu_bus_lock protects the list of buses;
 * iommu_probe_device_lock serialises everything a device goes through here,
 * so the driver's callbacks never run twice at once.  dev->iommu is written
 * with iommu_probe_device_lock and iommu_group_lock held; it is read with
 * either, or with the mutex of a group the device is a member of (a member
 * keeps its record until it has left the group).
 */

#define pr_fmt(fmt) "iommu: " fmt

#include <linux/cleanup.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/slab.h>

#include "iommu-core.h"
#include "iommu-priv.h"

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

/* Serialises registration and removal of bus types as a whole. */
static DEFINE_MUTEX(iommu_bus_setup_lock);
/* Protects iommu_buses. */
static DEFINE_MUTEX(iommu_bus_lock);
static LIST_HEAD(iommu_buses);

/*
 * Serialises the drivers' add_device, remove_device and device_group
 * callbacks, so a device is never probed twice at once.  drivers/acpi/scan.c
 * also takes it around firmware-spec set-up, which our drivers do not use.
 */
DEFINE_MUTEX(iommu_probe_device_lock);
EXPORT_SYMBOL_GPL(iommu_probe_device_lock);

/**
 * struct dev_iommu - what the core keeps for one device in dev->iommu
 * @ops: the callbacks of the driver that accepted the device
 * @unit: the unit that translates the device, as add_device returned it
 * @priv: the driver's own data for the device (dev_iommu_priv_set())
 * @linked: the device is linked from @unit's sysfs directory
 * @gone: the driver core has begun to delete the device
 *
 * The device's group is dev->iommu_group, which the rest of Linux reads
 * directly (device_iommu_mapped()).  The domain layer keeps its per-device
 * state here.
 *
 * A device that no unit translates has no record, with one exception that
 * holds nothing: the driver core tells a bus's notifiers
 * %BUS_NOTIFY_DEL_DEVICE, takes the device off the bus's list, then tells
 * %BUS_NOTIFY_REMOVED_DEVICE.  A bus_set_iommu() replay that picked the
 * device up before it left the list may reach it anywhere in between, or
 * after both.  Once the core has seen either event the device must never be
 * accepted or grouped again, or a unit or group would keep a device that is
 * about to be freed.  A device with a record is marked in @gone; every other
 * such device points at the one shared &iommu_dev_gone, so marking it needs
 * no allocation.  A device added to its bus again starts afresh.
 */
struct dev_iommu {
	const struct iommu_ops *ops;
	struct iommu_device *unit;
	void *priv;
	bool linked;
	bool gone;
};

static struct dev_iommu iommu_dev_gone = { .gone = true };

static void dev_iommu_set(struct device *dev, struct dev_iommu *rec)
{
	lockdep_assert_held(&iommu_probe_device_lock);

	guard(mutex)(&iommu_group_lock);
	dev->iommu = rec;
}

/* The driver core is deleting @dev (or adding it afresh, @gone false). */
static void iommu_device_set_gone(struct device *dev, bool gone)
{
	lockdep_assert_held(&iommu_probe_device_lock);

	if (dev->iommu && dev->iommu != &iommu_dev_gone) {
		guard(mutex)(&iommu_group_lock);
		dev->iommu->gone = gone;
		return;
	}
	dev_iommu_set(dev, gone ? &iommu_dev_gone : NULL);
}

/*
 * For the device_group callbacks: whether @dev is being deleted.  Called with
 * iommu_probe_device_lock or iommu_group_lock held.
 */
bool iommu_device_gone(struct device *dev)
{
	return dev->iommu && dev->iommu->gone;
}

/*
 * The callbacks of the driver that accepted @dev, or NULL if no unit
 * translates it.  Called as dev->iommu may be read (see the file's head).
 */
const struct iommu_ops *dev_iommu_ops(struct device *dev)
{
	return dev->iommu ? dev->iommu->ops : NULL;
}

/* The unit that translates @dev, or NULL.  As dev_iommu_ops(). */
struct iommu_device *dev_iommu_unit(struct device *dev)
{
	return dev->iommu ? dev->iommu->unit : NULL;
}

/**
 * dev_iommu_priv_get - the IOMMU driver's data for a device
 * @dev: a device the driver accepted
 *
 * Context: From the driver's callbacks for @dev, or wherever the record of
 * @dev may be read.
 * Return: what dev_iommu_priv_set() stored, or NULL.
 */
void *dev_iommu_priv_get(struct device *dev)
{
	return dev->iommu ? dev->iommu->priv : NULL;
}
EXPORT_SYMBOL_GPL(dev_iommu_priv_get);

/**
 * dev_iommu_priv_set - keep the IOMMU driver's data for a device
 * @dev: the device, from the driver's add_device callback on
 * @priv: the data; the driver frees it in its remove_device callback
 *
 * Context: The driver's add_device callback, or later with
 * iommu_probe_device_lock held.
 */
void dev_iommu_priv_set(struct device *dev, void *priv)
{
	lockdep_assert_held(&iommu_probe_device_lock);
	if (!WARN_ON(!dev->iommu || dev->iommu == &iommu_dev_gone))
		dev->iommu->priv = priv;
}
EXPORT_SYMBOL_GPL(dev_iommu_priv_set);

static const struct iommu_ops *iommu_ops_for_bus(const struct bus_type *bus)
{
	struct iommu_bus *ib;

	guard(mutex)(&iommu_bus_lock);
	list_for_each_entry(ib, &iommu_buses, list)
		if (ib->bus == bus)
			return ib->ops;
	return NULL;
}

/* Put an accepted @dev into the group its driver names, if it has none. */
static int iommu_device_group(struct device *dev, struct dev_iommu *rec)
{
	struct iommu_group_reason why = { };
	struct iommu_group *group;
	int ret;

	lockdep_assert_held(&iommu_probe_device_lock);

	/* A platform that knew the group first may have added it already. */
	if (dev->iommu_group)
		return 0;
	group = rec->ops->device_group(dev, &why);
	if (IS_ERR_OR_NULL(group))
		return PTR_ERR(group);	/* NULL: the driver adds it later */
	why.text[sizeof(why.text) - 1] = '\0';
	ret = iommu_group_add_device_reason(group, dev, why.text);
	iommu_group_put(group);
	return ret;
}

/* Hand an accepted @dev back to its driver and drop its record. */
static void iommu_device_release(struct device *dev)
{
	struct dev_iommu *rec = dev->iommu;

	lockdep_assert_held(&iommu_probe_device_lock);

	if (!rec || rec == &iommu_dev_gone)
		return;
	if (rec->linked)
		iommu_device_unlink(rec->unit, dev);
	/* Out of any group now: it must reach nothing (it may never joined). */
	if (rec->ops->blocked_domain) {
		guard(mutex)(&iommu_group_lock);
		rec->ops->blocked_domain->ops->attach_dev(rec->ops->blocked_domain,
							  dev);
	}
	if (rec->ops->remove_device)
		rec->ops->remove_device(dev);
	dev_iommu_set(dev, rec->gone ? &iommu_dev_gone : NULL);
	kfree(rec);
}

/*
 * Offer @dev to the driver of its bus, or, if the driver accepted it before
 * and it has no group (it lost it, or its group was not known yet), ask for
 * its group again.  Returns 0 if it is accepted, -ENODEV if no unit
 * translates it or it is being deleted, or another negative errno; on
 * failure @dev has no record.
 */
static int iommu_add_device(const struct iommu_ops *ops, struct device *dev)
{
	struct iommu_device *unit;
	struct dev_iommu *rec;
	int ret;

	lockdep_assert_held(&iommu_probe_device_lock);

	if (iommu_device_gone(dev))
		return -ENODEV;
	rec = dev->iommu;
	if (!rec) {
		/* Made first, so that add_device may keep its data in it. */
		rec = kzalloc(sizeof(*rec), GFP_KERNEL);
		if (!rec)
			return -ENOMEM;
		rec->ops = ops;
		dev_iommu_set(dev, rec);

		unit = ops->add_device(dev);
		if (IS_ERR_OR_NULL(unit)) {
			dev_iommu_set(dev, NULL);
			kfree(rec);
			ret = unit ? PTR_ERR(unit) : -ENODEV;
			if (ret != -ENODEV)
				dev_err(dev, "IOMMU driver failed to add device: %d\n",
					ret);
			return ret;
		}
		rec->unit = unit;
		if (unit->dev) {
			ret = iommu_device_link(unit, dev);
			if (ret)
				goto err_release;
			rec->linked = true;
		}
	}

	ret = iommu_device_group(dev, rec);
	if (ret)
		goto err_release;
	return 0;

err_release:
	dev_err(dev, "cannot give the device an IOMMU group: %d\n", ret);
	iommu_group_remove_device_locked(dev);
	iommu_device_release(dev);
	return ret;
}

/*
 * @dev leaves its bus or its driver: whatever the driver did, it leaves its
 * group (a group must never point at a deleted device), then its unit.
 */
static void iommu_remove_device(struct device *dev)
{
	lockdep_assert_held(&iommu_probe_device_lock);

	iommu_group_remove_device_locked(dev);
	iommu_device_release(dev);
}

/**
 * iommu_probe_device - offer a device to its bus's IOMMU driver
 * @dev: the device
 *
 * The bus notifier does this for every device; this is for code that knows
 * the driver missed a device.  For a device the driver has accepted already,
 * the core only asks for its group again if it has none.
 *
 * Context: Process context; may sleep.  Takes iommu_probe_device_lock.
 * Return: 0 if a unit translates @dev; -ENODEV if none does, no IOMMU
 * driver handles @dev's bus or @dev is being deleted; or another negative
 * errno from the driver or the grouping.
 */
int iommu_probe_device(struct device *dev)
{
	const struct iommu_ops *ops;

	ops = dev->bus ? iommu_ops_for_bus(dev->bus) : NULL;
	if (!ops)
		return -ENODEV;
	guard(mutex)(&iommu_probe_device_lock);
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
		scoped_guard(mutex, &iommu_probe_device_lock) {
			iommu_device_set_gone(dev, false);
			iommu_add_device(ib->ops, dev);
		}
		return NOTIFY_OK;
	case BUS_NOTIFY_DEL_DEVICE:
	case BUS_NOTIFY_REMOVED_DEVICE:
		/* From here on it joins no group (see &struct dev_iommu). */
		scoped_guard(mutex, &iommu_probe_device_lock) {
			iommu_device_set_gone(dev, true);
			if (action == BUS_NOTIFY_REMOVED_DEVICE)
				iommu_remove_device(dev);
		}
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

	guard(mutex)(&iommu_probe_device_lock);
	iommu_add_device(ib->ops, dev);
	return 0;
}

static int iommu_bus_remove_one(struct device *dev, void *data)
{
	guard(mutex)(&iommu_probe_device_lock);
	iommu_remove_device(dev);
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
 * Offers every device already on @bus to @ops->add_device, and from then on
 * every device added to it; each device it accepts is handed back through
 * @ops->remove_device once, when it goes away (see struct iommu_ops).
 * Driver binding events of members reach their group's notifier chain.
 * With @ops NULL, every device of @bus leaves its group, every accepted one
 * is handed back to the old driver, and the bus is free again.
 *
 * Context: Process context; may sleep.
 * Return: 0; -EINVAL if @ops lacks add_device or device_group; -EBUSY if
 * @bus already has an IOMMU driver; -ENODEV if @ops is NULL and @bus has
 * none; or another negative errno.
 */
int bus_set_iommu(const struct bus_type *bus, const struct iommu_ops *ops)
{
	struct iommu_bus *ib;
	int ret;

	guard(mutex)(&iommu_bus_setup_lock);
	if (!ops)
		return iommu_bus_clear(bus);
	if (!ops->add_device || !ops->device_group)
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
