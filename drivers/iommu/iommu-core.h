/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IOMMU core's own objects, shared by its files and nobody else:
 *
 *   iommu-group.c	the group object: lifetime, sysfs, members, name,
 *			notifier chain, driver data
 *   iommu-merge.c	merging two groups into one
 *   iommu-bus.c	the bus registry, the bus notifier and the record the
 *			core keeps for each device an IOMMU unit translates
 *   iommu-debugfs.c	why each member is in its group
 *
 * The lock order of the whole subsystem is in iommu-priv.h.
 */
#ifndef __IOMMU_CORE_H
#define __IOMMU_CORE_H

#include <linux/kobject.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/rcupdate.h>

struct dentry;
struct device;

/**
 * struct iommu_group - devices that the IOMMU cannot isolate from each other
 * @kobj: the directory /sys/kernel/iommu_groups/<@id>.  Its reference count
 *	only keeps the memory alive; the group's life is counted by @users.
 * @devices_kobj: the "devices" directory holding one link per member.
 * @users: one reference per member device and per iommu_group_get() or
 *	iommu_group_alloc() caller.  When it drops to zero the group leaves
 *	sysfs, gives back its id and releases @iommu_data, all before the
 *	last iommu_group_put() returns.
 * @mutex: protects @devices and @name.
 * @devices: the members, a list of &struct group_device.  Changed only with
 *	both iommu_group_lock and @mutex held; read with either.
 * @notifier: chain for the IOMMU_GROUP_NOTIFY_* events; has its own lock.
 * @iommu_data: the IOMMU driver's data for this group.
 * @iommu_data_release: called once with @iommu_data when the group dies.
 * @name: optional name shown in the "name" attribute, or NULL.
 * @id: the group's number, the lowest free one when it was allocated.
 * @debugfs: the file /sys/kernel/debug/iommu/groups/<@id>, or an ERR_PTR.
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

/* iommu-group.c */
extern struct mutex iommu_group_lock;
void iommu_group_release(struct kref *ref);
char *iommu_group_link_name(struct iommu_group *group, struct device *dev);

/* iommu-debugfs.c */
void iommu_group_debugfs_add(struct iommu_group *group);
void iommu_group_debugfs_del(struct iommu_group *group);
void iommu_debugfs_init(void);

#endif /* __IOMMU_CORE_H */
