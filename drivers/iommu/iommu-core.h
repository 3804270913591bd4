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
 *   iommu-domain.c	the domain object: allocation, page tables, faults
 *   iommu-attach.c	which domain a group's members use: the default,
 *			blocked and current domain of each group
 *   iommu-owner.c	who may use a group's DMA: kernel drivers or one user
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
 * @rcu: frees the memory a grace period after the last kobject reference,
 *	for iommu_group_get(), which reads dev->iommu_group without a lock.
 * @default_domain: the domain kernel drivers of the members use, made when
 *	the first member of a translating driver joins; NULL in a group
 *	whose driver translates nothing.
 * @blocked_domain: where members go while the group changes hands or a
 *	member leaves: the driver's static one or an empty paging domain.
 * @domain: the domain every member is attached to now, one of the two or
 *	a domain the owner attached.
 * @owner_cnt: kernel drivers bound to members (through
 *	iommu_device_use_default_domain()), or claims of @owner.
 * @owner: the user that claimed the group, or NULL.
 *
 * The domain and ownership fields (iommu-attach.c, iommu-owner.c) are
 * written with iommu_group_lock and @mutex held, and read with either;
 * @domain is also read locklessly by iommu_get_domain_for_dev().
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
	struct rcu_head rcu;
	struct iommu_domain *default_domain;
	struct iommu_domain *blocked_domain;
	struct iommu_domain *domain;
	unsigned int owner_cnt;
	void *owner;
};

/**
 * struct group_device - one member of a group
 * @list: entry in iommu_group::devices
 * @dev: the member, which holds a reference on the group
 * @name: the member's link name in the group's "devices" directory
 * @reason: why the member is in this group, or NULL if nobody said
 * @leaving: iommu_group_remove_device() has claimed this member; protected
 *	by iommu_group_lock
 * @dma_used: a kernel driver bound to the member counts in the group's
 *	owner_cnt (iommu-owner.c); written with iommu_group_lock and the
 *	group's mutex held
 */
struct group_device {
	struct list_head list;
	struct device *dev;
	char *name;
	char *reason;
	bool leaving;
	bool dma_used;
};

/* iommu-group.c */
extern struct mutex iommu_group_lock;
void iommu_group_release(struct kref *ref);
int iommu_group_devices_link(struct iommu_group *group, struct device *dev,
			     char **name);
struct group_device *iommu_group_find_device(struct iommu_group *group,
					     struct device *dev);
struct iommu_group *iommu_group_next(unsigned long *id);

/* iommu-domain.c */
struct iommu_domain *iommu_domain_alloc_type(const struct iommu_ops *ops,
					     struct device *dev,
					     unsigned int type);

/* iommu-attach.c: the domain side of membership */
int iommu_group_domain_join(struct iommu_group *group, struct device *dev);
void iommu_group_domain_leave(struct iommu_group *group, struct device *dev);
void iommu_group_domains_release(struct iommu_group *group);
int iommu_group_merge_order(struct iommu_group **dst,
			    struct iommu_group **src);
int iommu_group_domain_move(struct iommu_group *dst, struct iommu_group *src);
void iommu_group_domain_unmove(struct iommu_group *dst,
			       struct iommu_group *src);
int __iommu_group_set_domain(struct iommu_group *group,
			     struct iommu_domain *domain);
extern const struct attribute_group iommu_group_type_attr_group;

/* iommu-owner.c: the ownership side of membership */
int iommu_group_owner_join(struct iommu_group *group,
			   struct group_device *gdev);
void iommu_group_owner_leave(struct iommu_group *group,
			     struct group_device *gdev);
void iommu_group_owner_move(struct iommu_group *dst, struct iommu_group *src,
			    struct group_device *gdev);

/* iommu-debugfs.c */
void iommu_debugfs_init(void);

#endif /* __IOMMU_CORE_H */
