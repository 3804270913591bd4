/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the IOMMU core offers the drivers and isolation rules in
 * drivers/iommu and nobody else.
 *
 * Lock order of the subsystem, outermost first:
 *
 *   device_lock(dev)		the driver core's, held around
 *				BUS_NOTIFY_BIND_DRIVER, where the PCI rules
 *				read a device's DMA aliases again
 *   iommu_bus_setup_lock	bus_set_iommu() as a whole
 *   iommu_probe_device_lock	every device joining or leaving a unit or a
 *				group: the drivers' add_device, remove_device
 *				and device_group callbacks, merges, the PE
 *				helpers
 *   pci_groups_lock		the PCI rules' index of requester IDs; held
 *				while pci_device_group() merges and allocates
 *				groups, so everything below runs under it too
 *   iommu_group_lock		group membership: every dev->iommu_group and
 *				dev->iommu, and the names of groups; with the
 *				group's mutex, each group's domains and owner
 *				(taken at driver probe under device_lock by
 *				iommu_device_use_default_domain())
 *   iommu_group::mutex		one group's member list, name, domains and
 *				owner; never two at once.  The drivers'
 *				attach_dev runs with this and iommu_group_lock
 *				held.
 *   iommu_bus_lock		the list of registered buses (leaf)
 *
 * A group's notifier chain is called with iommu_probe_device_lock held (and
 * pci_groups_lock during a merge by the PCI rules), never with the last
 * three, so a notifier must not add, remove or probe devices.
 * iommu_group_get() takes no lock: dev->iommu_group is read under RCU, as
 * is a group's current domain by iommu_get_domain_for_dev().  The map and
 * unmap paths take none of the locks above; the DMA API's take only
 * spinlocks with interrupts off, in the order of struct iommu_dma_cookie
 * (a flush queue's ring, a CPU's IOVA cache, a depot, the IOVA tree), and
 * call the driver's map, unmap and flush ops, whose locks are innermost.
 * The sysfs files of a group take only its mutex; removing them waits for
 * their readers, so they are removed with no group mutex held.  The debugfs
 * reader finds a group under the group ids' xarray lock, innermost, and then
 * takes only that group's mutex.
 */
#ifndef __IOMMU_PRIV_H
#define __IOMMU_PRIV_H

#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>

/* iommu-bus.c: the core's record of a device */
bool iommu_device_gone(struct device *dev);
const struct iommu_ops *dev_iommu_ops(struct device *dev);
struct iommu_device *dev_iommu_unit(struct device *dev);
void *dev_iommu_priv_get(struct device *dev);
void dev_iommu_priv_set(struct device *dev, void *priv);

/* iommu-group.c */
int iommu_group_add_device_reason(struct iommu_group *group,
				  struct device *dev, const char *reason);
void iommu_group_remove_device_locked(struct device *dev);
struct iommu_group *iommu_group_from_kobj(struct kobject *kobj);

/* iommu-merge.c */
struct iommu_group *iommu_group_merge(struct iommu_group *a,
				      struct iommu_group *b);

/* iommu-sysfs.c: links between a unit and the devices it translates */
int iommu_device_link(struct iommu_device *iommu, struct device *link);
void iommu_device_unlink(struct iommu_device *iommu, struct device *link);

/* iommu-resv.c */
extern const struct attribute_group iommu_group_resv_attr_group;

/* The x86 interrupt window: DMA writes here are MSIs, never memory. */
#define IOMMU_X86_MSI_BASE	0xfee00000ULL
#define IOMMU_X86_MSI_LENGTH	0x100000ULL

int iommu_add_x86_msi_region(struct list_head *list);

/* iommu-attach.c */
struct iommu_domain *iommu_get_dma_domain(struct device *dev);

/* iommu-dma.c: the kernel DMA API on DMA domains */
#ifdef CONFIG_IOMMU_DMA
int iommu_dma_init_domain(struct iommu_domain *domain);
void iommu_dma_free_domain(struct iommu_domain *domain);
int iommu_dma_reserve(struct iommu_domain *domain, struct device *dev);
int iommu_dma_init_fq(struct iommu_domain *domain);
void iommu_dma_flush_fq(struct iommu_domain *domain);
u64 iommu_dma_fq_flushes(struct iommu_domain *domain);
#else
/* A DMA domain without IOVA space: no device's DMA API uses it. */
static inline int iommu_dma_init_domain(struct iommu_domain *domain)
{
	return 0;
}

static inline void iommu_dma_free_domain(struct iommu_domain *domain)
{
}

static inline int iommu_dma_reserve(struct iommu_domain *domain,
				    struct device *dev)
{
	return 0;
}

static inline int iommu_dma_init_fq(struct iommu_domain *domain)
{
	return -EOPNOTSUPP;
}

static inline void iommu_dma_flush_fq(struct iommu_domain *domain)
{
}

static inline u64 iommu_dma_fq_flushes(struct iommu_domain *domain)
{
	return 0;
}
#endif

/* pci-groups.c: for IOMMU drivers that know aliases the PCI core does not. */
struct iommu_group *pci_device_group_rids(struct device *dev, const u16 *rids,
					  unsigned int nr_rids,
					  const char *what,
					  struct iommu_group_reason *why);

#endif /* __IOMMU_PRIV_H */
