/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the IOMMU KUnit suites: a private sysfs mount read by the
 * paths userspace reads, test buses handed to a mock IOMMU driver, devices
 * registered for the length of a test, and walks that fail each allocation
 * of an operation in turn.
 */
#ifndef __IOMMU_KUNIT_HELPERS_H
#define __IOMMU_KUNIT_HELPERS_H

#include <kunit/test.h>
#include <linux/device.h>
#include <linux/types.h>

struct iommu_device;
struct iommu_group;
struct iommu_ops;
struct kernfs_node;
struct vfsmount;

int iommu_kunit_sysfs_mount(void);
void iommu_kunit_sysfs_unmount(void);
struct kernfs_node *iommu_kunit_sysfs_node(const char *path, bool follow);
struct kernfs_node *iommu_kunit_dev_node(struct device *dev, const char *rel);
int iommu_kunit_read_file(struct vfsmount *mnt, const char *path, char *buf,
			  size_t len);
int iommu_kunit_sysfs_read(const char *path, char *buf, size_t len);
int iommu_kunit_group_reasons(int id, char *buf, size_t len);
bool iommu_kunit_group_exists(int id);
struct kernfs_node *iommu_kunit_group_member(int id, const char *link);
int iommu_kunit_dev_group_link(struct device *dev);

int iommu_kunit_suite_init(const struct bus_type *bus);
void iommu_kunit_suite_exit(const struct bus_type *bus);
void iommu_kunit_bus_take(struct kunit *test, const struct bus_type *bus,
			  const struct iommu_ops *ops);
struct iommu_device *iommu_kunit_add_device(struct device *dev);
int iommu_kunit_group_members(struct iommu_group *group);
struct iommu_group *iommu_kunit_peer_group(struct device *dev,
					   bool (*same)(struct device *a,
							struct device *b));

void iommu_kunit_device_init(struct kunit *test, struct device *dev,
			     const struct bus_type *bus, struct device *parent,
			     void (*release)(struct device *dev),
			     const char *name);
void iommu_kunit_device_add(struct kunit *test, struct device *dev);
void iommu_kunit_device_del(struct kunit *test, struct device *dev);
void iommu_kunit_driver_add(struct kunit *test, struct device_driver *drv);
void iommu_kunit_driver_del(struct kunit *test, struct device_driver *drv);

/**
 * struct iommu_kunit_fault_case - an operation walked by iommu_kunit_fault_walk()
 * @op: runs the operation once; returns 0 or a negative errno
 * @undo: reverses an @op that returned 0, asserting what it made
 * @check: asserts the state after a failed or undone @op
 */
struct iommu_kunit_fault_case {
	int (*op)(struct kunit *test, void *ctx);
	void (*undo)(struct kunit *test, void *ctx);
	void (*check)(struct kunit *test, void *ctx);
};

int iommu_kunit_fault_init(struct kunit *test);
int iommu_kunit_fault_walk(struct kunit *test,
			   const struct iommu_kunit_fault_case *fc, void *ctx);

#endif /* __IOMMU_KUNIT_HELPERS_H */
