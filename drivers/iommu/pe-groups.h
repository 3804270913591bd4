/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IOMMU groups of partitionable endpoints: one group per unit that platform
 * code or firmware isolates, rather than one derived from the PCI topology.
 * See pe-groups.c.
 */
#ifndef __IOMMU_PE_GROUPS_H
#define __IOMMU_PE_GROUPS_H

#include <linux/iommu.h>

/* Why a device is in the group of its PE. */
#define IOMMU_PE_REASON	"same partitionable endpoint (set by the platform)"

struct iommu_group *iommu_pe_group_alloc(int domain, unsigned long pe_num,
					 void *pe, void (*release)(void *pe));
struct iommu_group *iommu_pe_group_get(struct iommu_group *pe_group,
				       struct iommu_group_reason *why);
struct iommu_device *iommu_pe_add_device(struct device *dev);
int iommu_pe_add_device_to(struct iommu_group *pe_group, struct device *dev);

#endif /* __IOMMU_PE_GROUPS_H */
