// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reserved regions: address ranges that a device's DMA must not use freely,
 * because firmware keeps using them (RMRRs), because they are the MSI
 * window, or because the device cannot reach them.
 *
 * The IOMMU driver reports each device's regions through its
 * get_resv_regions callback.  A group's regions are the union over its
 * members, as whoever assigns the group to a user must honour all of them;
 * the read-only "reserved_regions" file of each group shows them, one
 * "<start> <end> <type>" line each, sorted by start address, with
 * overlapping regions of one type merged.
 */

#define pr_fmt(fmt) "iommu: " fmt

#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/list_sort.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "iommu-priv.h"

/**
 * iommu_alloc_resv_region - allocate a reserved region
 * @start: first address
 * @length: size in bytes
 * @prot: IOMMU_READ, IOMMU_WRITE, ... of a mapping the region needs
 * @type: why the region is reserved
 * @gfp: allocation flags
 *
 * Context: As @gfp allows.
 * Return: the region with an empty list entry, to be freed with kfree() or
 * iommu_put_resv_regions(); or NULL if out of memory.
 */
struct iommu_resv_region *iommu_alloc_resv_region(phys_addr_t start,
						  size_t length, int prot,
						  enum iommu_resv_type type,
						  gfp_t gfp)
{
	struct iommu_resv_region *region;

	region = kzalloc(sizeof(*region), gfp);
	if (!region)
		return NULL;

	INIT_LIST_HEAD(&region->list);
	region->start = start;
	region->length = length;
	region->prot = prot;
	region->type = type;
	return region;
}
EXPORT_SYMBOL_GPL(iommu_alloc_resv_region);

/**
 * iommu_add_x86_msi_region - add the x86 MSI window to a list of regions
 * @list: where to add it, at the tail
 *
 * On x86 a DMA write to 0xfee00000-0xfeefffff is an interrupt message, not
 * a memory access, whatever the IOMMU would map there.  Intel VT-d and AMD-Vi
 * drivers report it for every device they translate.
 *
 * Context: Process context; may sleep.
 * Return: 0, or -ENOMEM with @list unchanged.
 */
int iommu_add_x86_msi_region(struct list_head *list)
{
	struct iommu_resv_region *region;

	region = iommu_alloc_resv_region(IOMMU_X86_MSI_BASE,
					 IOMMU_X86_MSI_LENGTH,
					 IOMMU_WRITE | IOMMU_MMIO,
					 IOMMU_RESV_MSI, GFP_KERNEL);
	if (!region)
		return -ENOMEM;
	list_add_tail(&region->list, list);
	return 0;
}
EXPORT_SYMBOL_GPL(iommu_add_x86_msi_region);

/**
 * iommu_get_resv_regions - the reserved regions of one device
 * @dev: the device
 * @list: where the regions are added, at the tail
 *
 * Asks the IOMMU driver of @dev's bus; nothing is added if it has no
 * get_resv_regions callback.
 *
 * Context: Process context; may sleep.  The caller keeps @dev in its group
 * meanwhile (holds the group's mutex, as iommu_group_for_each_dev() does),
 * or knows that the driver needs no such guarantee.
 */
void iommu_get_resv_regions(struct device *dev, struct list_head *list)
{
	const struct iommu_ops *ops = dev_iommu_ops(dev);

	if (ops && ops->get_resv_regions)
		ops->get_resv_regions(dev, list);
}
EXPORT_SYMBOL_GPL(iommu_get_resv_regions);

/**
 * iommu_put_resv_regions - free a list of reserved regions
 * @dev: the device the list was made for (unused)
 * @list: the regions; left empty
 *
 * Context: Any context.
 */
void iommu_put_resv_regions(struct device *dev, struct list_head *list)
{
	struct iommu_resv_region *region, *next;

	list_for_each_entry_safe(region, next, list, list) {
		list_del(&region->list);
		kfree(region);
	}
}
EXPORT_SYMBOL_GPL(iommu_put_resv_regions);

/* The last address of @r; lengths are at least 1. */
static u64 resv_end(const struct iommu_resv_region *r)
{
	return (u64)r->start + r->length - 1;
}

static int resv_cmp(void *priv, const struct list_head *a,
		    const struct list_head *b)
{
	const struct iommu_resv_region *ra, *rb;

	ra = list_entry(a, struct iommu_resv_region, list);
	rb = list_entry(b, struct iommu_resv_region, list);
	if (ra->start != rb->start)
		return ra->start < rb->start ? -1 : 1;
	return ra->type - rb->type;
}

/* Copy the regions of one member, dropping empty ones, onto @data. */
static int resv_collect(struct device *dev, void *data)
{
	struct iommu_resv_region *region, *next, *copy;
	struct list_head *all = data;
	LIST_HEAD(mine);
	int ret = 0;

	iommu_get_resv_regions(dev, &mine);
	list_for_each_entry_safe(region, next, &mine, list) {
		if (!region->length)
			continue;
		copy = iommu_alloc_resv_region(region->start, region->length,
					       region->prot, region->type,
					       GFP_KERNEL);
		if (!copy) {
			ret = -ENOMEM;
			break;
		}
		list_add_tail(&copy->list, all);
	}
	iommu_put_resv_regions(dev, &mine);
	return ret;
}

/*
 * Move the sorted regions of @all to @out, merging each into the previous
 * region of its type when they overlap.  Merged regions of one type are
 * disjoint and come in start order, so only the last of a type can overlap
 * the next one.
 */
static void resv_merge(struct list_head *all, struct list_head *out)
{
	struct iommu_resv_region *r, *next, *prev;

	list_for_each_entry_safe(r, next, all, list) {
		bool merged = false;

		list_for_each_entry_reverse(prev, out, list) {
			if (prev->type != r->type)
				continue;
			if (resv_end(prev) >= r->start) {
				u64 end = max(resv_end(prev), resv_end(r));

				prev->length = end - prev->start + 1;
				merged = true;
			}
			break;
		}
		list_del(&r->list);
		if (merged)
			kfree(r);
		else
			list_add_tail(&r->list, out);
	}
}

/**
 * iommu_get_group_resv_regions - the reserved regions of a group
 * @group: the group, on which the caller holds a reference
 * @head: where the regions are added, at the tail
 *
 * The union of the reserved regions of all members, sorted by start
 * address (then type), with overlapping regions of one type merged into
 * one.  Regions of different types are kept apart even if they overlap.
 *
 * Context: Process context; may sleep.  Takes the group's mutex.
 * Return: 0, or -ENOMEM with @head unchanged.  The caller frees the regions
 * with iommu_put_resv_regions().
 */
int iommu_get_group_resv_regions(struct iommu_group *group,
				 struct list_head *head)
{
	LIST_HEAD(all);
	LIST_HEAD(out);
	int ret;

	ret = iommu_group_for_each_dev(group, &all, resv_collect);
	if (ret) {
		iommu_put_resv_regions(NULL, &all);
		return ret;
	}

	list_sort(NULL, &all, resv_cmp);
	resv_merge(&all, &out);
	list_splice_tail(&out, head);
	return 0;
}
EXPORT_SYMBOL_GPL(iommu_get_group_resv_regions);

static const char *const iommu_resv_type_names[] = {
	[IOMMU_RESV_DIRECT]		= "direct",
	[IOMMU_RESV_DIRECT_RELAXABLE]	= "direct-relaxable",
	[IOMMU_RESV_RESERVED]		= "reserved",
	[IOMMU_RESV_MSI]		= "msi",
	[IOMMU_RESV_SW_MSI]		= "msi",
};

static ssize_t reserved_regions_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	struct iommu_group *group = iommu_group_from_kobj(kobj);
	struct iommu_resv_region *region;
	LIST_HEAD(regions);
	ssize_t len = 0;
	int ret;

	ret = iommu_get_group_resv_regions(group, &regions);
	if (ret)
		return ret;

	list_for_each_entry(region, &regions, list) {
		const char *type = "unknown";

		if (region->type < ARRAY_SIZE(iommu_resv_type_names))
			type = iommu_resv_type_names[region->type];
		len += sysfs_emit_at(buf, len, "0x%016llx 0x%016llx %s\n",
				     (u64)region->start, resv_end(region),
				     type);
	}
	iommu_put_resv_regions(NULL, &regions);
	return len;
}

static struct kobj_attribute iommu_group_resv_attr = __ATTR_RO(reserved_regions);

static struct attribute *iommu_group_resv_attrs[] = {
	&iommu_group_resv_attr.attr,
	NULL
};

const struct attribute_group iommu_group_resv_attr_group = {
	.attrs = iommu_group_resv_attrs,
};
