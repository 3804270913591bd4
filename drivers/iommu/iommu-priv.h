/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the files of the IOMMU core share with each other and nobody else.
 */
#ifndef __IOMMU_PRIV_H
#define __IOMMU_PRIV_H

#include <linux/device.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>

struct iommu_group;
struct iommu_ops;

/* iommu.c */
struct iommu_group *iommu_group_from_kobj(struct kobject *kobj);
const struct iommu_ops *dev_iommu_ops(struct device *dev);
bool iommu_device_gone(struct device *dev);

/* iommu-resv.c: the attributes every group directory has besides "name". */
extern const struct attribute_group iommu_group_resv_attr_group;

/* pci-groups.c: for IOMMU drivers that know aliases the PCI core does not. */
struct iommu_group *pci_device_group_rids(struct device *dev, const u16 *rids,
					  unsigned int nr_rids,
					  const char *what);

#endif /* __IOMMU_PRIV_H */
