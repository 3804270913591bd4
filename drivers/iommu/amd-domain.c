// SPDX-License-Identifier: GPL-2.0-only
/*
 * AMD-Vi domains: paging domains on the v1 page table (amd-pgtable.c), the
 * identity domain and the blocked domain, and attaching a device to one of
 * them by writing the device table entry of each requester ID its unit
 * sees for it: its PCI DMA aliases, and what the IVRS makes of each.
 *
 * A paging domain has one domain id on every unit, allocated with the
 * domain.  It counts its devices per unit, so that a flush goes only to
 * units it is attached on; a unit that gets its first device of the domain
 * first forgets what it may have cached under that id from before.
 * Identity entries pass DMA through untranslated; blocked entries deny it
 * (amd-cmd.c).  A requester ID shared by several devices is blocked only
 * when the last of them is.
 */

#define pr_fmt(fmt) "AMD-Vi: " fmt

#include <linux/idr.h>
#include <linux/iommu.h>
#include <linux/lockdep.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "amd-unit.h"
#include "iommu-priv.h"

/* Enough for a device behind bridges with IVRS aliases on top. */
#define AMD_DEV_MAX_RIDS	16

static DEFINE_IDA(amd_domain_ids);

static struct amd_domain *to_amd_domain(struct iommu_domain *domain)
{
	return container_of(domain, struct amd_domain, domain);
}

/* --- Device table entries of a device -------------------------------------- */

struct amd_rid_set {
	u16 seg;
	unsigned int n;
	u16 rid[AMD_DEV_MAX_RIDS];
};

static int amd_rid_add(struct amd_rid_set *set, u16 rid)
{
	unsigned int i;

	for (i = 0; i < set->n; i++)
		if (set->rid[i] == rid)
			return 0;
	if (set->n == AMD_DEV_MAX_RIDS)
		return -E2BIG;
	set->rid[set->n++] = rid;
	return 0;
}

static int amd_rid_collect(struct pci_dev *pdev, u16 rid, void *data)
{
	struct amd_rid_set *set = data;

	return amd_rid_add(set, rid) ?:
	       amd_rid_add(set, amd_rid_alias(set->seg, rid));
}

/* The requester IDs @adev's unit sees for it; -errno if they do not fit. */
static int amd_dev_rids(struct amd_dev *adev, struct amd_rid_set *set)
{
	unsigned int i;
	int ret;

	set->seg = pci_domain_nr(adev->pdev->bus);
	set->n = 0;
	ret = pci_for_each_dma_alias(adev->pdev, amd_rid_collect, set);
	if (ret)
		return ret;
	for (i = 0; i < set->n; i++)
		if (set->rid[i] >= adev->unit->nr_dte)
			return -ERANGE;
	return 0;
}

/*
 * Point every requester ID of @adev at (@dte0, @dte1).  Fails only before
 * anything changed.
 */
static int amd_dev_program(struct amd_dev *adev, u64 dte0, u64 dte1)
{
	struct amd_unit *unit = adev->unit;
	struct amd_rid_set set;
	unsigned int i;
	int ret;

	lockdep_assert_held(&unit->dte_lock);
	ret = amd_dev_rids(adev, &set);
	if (ret) {
		pci_err(adev->pdev, "requester IDs beyond what ivhd%u translates (%d)\n",
			unit->index, ret);
		return ret;
	}
	for (i = 0; i < set.n; i++) {
		if (!adev->programmed)
			unit->rid_users[set.rid[i]]++;
		amd_dte_write(unit, set.rid[i], dte0, dte1);
	}
	adev->programmed = true;
	return 0;
}

/* Drop @adev's requester IDs: blocked once nobody else uses one. */
static void amd_dev_unprogram(struct amd_dev *adev)
{
	struct amd_unit *unit = adev->unit;
	struct amd_rid_set set;
	unsigned int i;
	u64 dte0, dte1;

	lockdep_assert_held(&unit->dte_lock);
	if (!adev->programmed || WARN_ON(amd_dev_rids(adev, &set)))
		return;
	amd_dte_blocked(unit, &dte0, &dte1);
	for (i = 0; i < set.n; i++)
		if (!WARN_ON(!unit->rid_users[set.rid[i]]) &&
		    !--unit->rid_users[set.rid[i]])
			amd_dte_write(unit, set.rid[i], dte0, dte1);
	adev->programmed = false;
}

/* @adev leaves its paging domain, if it is in one. */
static void amd_dev_leave_paging(struct amd_dev *adev)
{
	struct amd_domain *ad = adev->domain;

	if (!ad)
		return;
	spin_lock_irq(&ad->lock);
	WARN_ON(!ad->users[adev->unit->index]--);
	spin_unlock_irq(&ad->lock);
	adev->domain = NULL;
}

/* --- Paging domains -------------------------------------------------------- */

static int amd_paging_attach(struct iommu_domain *domain, struct device *dev)
{
	struct amd_domain *ad = to_amd_domain(domain);
	struct amd_dev *adev = dev_iommu_priv_get(dev);
	struct amd_unit *unit = adev->unit;
	unsigned int *users = &ad->users[unit->index];
	bool first;
	int ret;

	if (ad->pt.levels > unit->levels) {
		dev_err(dev, "ivhd%u cannot walk this domain's %u-level table\n",
			unit->index, ad->pt.levels);
		return -EINVAL;
	}
	if (adev->domain == ad)
		return 0;

	guard(mutex)(&unit->dte_lock);
	spin_lock_irq(&ad->lock);
	first = !(*users)++;
	spin_unlock_irq(&ad->lock);
	if (first)
		amd_flush_domain(unit, ad->did, 1, 0);
	ret = amd_dev_program(adev, AMD_DTE_V | AMD_DTE_TV | AMD_DTE_IR |
			      AMD_DTE_IW | AMD_DTE_MODE(ad->pt.levels) |
			      virt_to_phys(ad->pt.root), AMD_DTE_DOMID(ad->did));
	if (ret) {
		spin_lock_irq(&ad->lock);
		(*users)--;
		spin_unlock_irq(&ad->lock);
		return ret;
	}
	amd_dev_leave_paging(adev);
	adev->domain = ad;
	return 0;
}

static int amd_map_pages(struct iommu_domain *domain, unsigned long iova,
			 phys_addr_t paddr, size_t pgsize, size_t pgcount,
			 int prot, gfp_t gfp, size_t *mapped)
{
	return amd_pgtable_map(&to_amd_domain(domain)->pt, iova, paddr, pgsize,
			       pgcount, prot, gfp, mapped);
}

static size_t amd_unmap_pages(struct iommu_domain *domain, unsigned long iova,
			      size_t pgsize, size_t pgcount,
			      struct iommu_iotlb_gather *gather)
{
	return amd_pgtable_unmap(&to_amd_domain(domain)->pt, iova, pgsize,
				 pgcount, gather);
}

/* Flush [@start, @end] on every unit @ad is attached on; @end < @start: all. */
static void amd_domain_flush(struct amd_domain *ad, unsigned long start,
			     unsigned long end, bool only_np_cache)
{
	struct amd_unit *unit;
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&ad->lock, flags);
	for (i = 0; i < IVRS_MAX_UNITS; i++) {
		if (!ad->users[i])
			continue;
		unit = amd_unit_by_index(i);
		if (!only_np_cache || unit->np_cache)
			amd_flush_domain(unit, ad->did, start, end);
	}
	spin_unlock_irqrestore(&ad->lock, flags);
}

/*
 * A unit caches only translations that succeeded unless its capability
 * says NpCache; then a new mapping must be flushed too.
 */
static int amd_iotlb_sync_map(struct iommu_domain *domain, unsigned long iova,
			      size_t size)
{
	amd_domain_flush(to_amd_domain(domain), iova, iova + size - 1, true);
	return 0;
}

static void amd_iotlb_sync(struct iommu_domain *domain,
			   struct iommu_iotlb_gather *gather)
{
	if (gather->end >= gather->start)
		amd_domain_flush(to_amd_domain(domain), gather->start,
				 gather->end, false);
	/* Table pages the unmaps unlinked are unreachable only now. */
	amd_pgtable_free_gathered(gather);
}

static void amd_flush_iotlb_all(struct iommu_domain *domain)
{
	amd_domain_flush(to_amd_domain(domain), 1, 0, false);
}

static phys_addr_t amd_iova_to_phys(struct iommu_domain *domain,
				    dma_addr_t iova)
{
	return amd_pgtable_iova_to_phys(&to_amd_domain(domain)->pt, iova);
}

static void amd_domain_free(struct iommu_domain *domain)
{
	struct amd_domain *ad = to_amd_domain(domain);
	unsigned int i;

	for (i = 0; i < IVRS_MAX_UNITS; i++)
		WARN_ON(ad->users[i]);
	amd_pgtable_destroy(&ad->pt);
	ida_free(&amd_domain_ids, ad->did);
	kfree(ad);
}

static const struct iommu_domain_ops amd_paging_ops = {
	.attach_dev = amd_paging_attach,
	.map_pages = amd_map_pages,
	.unmap_pages = amd_unmap_pages,
	.flush_iotlb_all = amd_flush_iotlb_all,
	.iotlb_sync_map = amd_iotlb_sync_map,
	.iotlb_sync = amd_iotlb_sync,
	.iova_to_phys = amd_iova_to_phys,
	.free = amd_domain_free,
};

/**
 * amd_domain_alloc_paging - iommu_ops::domain_alloc_paging
 * @dev: a device the domain is for; its unit sets the table's levels
 *
 * The table has as many levels as @dev's unit walks (its HATS), so the
 * domain translates every IOVA that unit can; 6 levels reach all 64 bits.
 *
 * Return: an empty paging domain, or ERR_PTR(-ENOMEM) or ERR_PTR(-ENOSPC)
 * when the domain ids are all taken.
 */
struct iommu_domain *amd_domain_alloc_paging(struct device *dev)
{
	struct amd_dev *adev = dev_iommu_priv_get(dev);
	struct amd_domain *ad;
	unsigned int bits;
	int did;

	ad = kzalloc(sizeof(*ad), GFP_KERNEL);
	if (!ad)
		return ERR_PTR(-ENOMEM);
	did = ida_alloc_range(&amd_domain_ids, AMD_DOMID_NONE + 1, U16_MAX,
			      GFP_KERNEL);
	if (did < 0) {
		kfree(ad);
		return ERR_PTR(did);
	}
	ad->did = did;
	spin_lock_init(&ad->lock);
	/*
	 * Not keep_tables, as VT-d domains do: with it, NVMe under DMA-FQ
	 * once got an I/O error on QEMU 7.2's AMD-Vi, not yet understood.
	 */
	if (amd_pgtable_init(&ad->pt, adev->unit->levels, GFP_KERNEL)) {
		ida_free(&amd_domain_ids, did);
		kfree(ad);
		return ERR_PTR(-ENOMEM);
	}
	ad->domain.ops = &amd_paging_ops;
	ad->domain.pgsize_bitmap = ad->pt.pgsizes;
	ad->domain.geometry.aperture_start = 0;
	bits = amd_pgtable_iova_bits(&ad->pt);
	ad->domain.geometry.aperture_end = bits < 64 ? BIT_ULL(bits) - 1 :
						       U64_MAX;
	ad->domain.geometry.force_aperture = true;
	return &ad->domain;
}

/* --- Identity and blocked -------------------------------------------------- */

static int amd_identity_attach(struct iommu_domain *domain, struct device *dev)
{
	struct amd_dev *adev = dev_iommu_priv_get(dev);
	int ret;

	guard(mutex)(&adev->unit->dte_lock);
	ret = amd_dev_program(adev, AMD_DTE_V | AMD_DTE_TV | AMD_DTE_IR |
			      AMD_DTE_IW, AMD_DTE_DOMID(AMD_DOMID_NONE));
	if (ret)
		return ret;
	amd_dev_leave_paging(adev);
	return 0;
}

static const struct iommu_domain_ops amd_identity_ops = {
	.attach_dev = amd_identity_attach,
};

/* Every device in the identity domain reaches all of memory 1:1. */
struct iommu_domain amd_identity_domain = {
	.type = IOMMU_DOMAIN_IDENTITY,
	.ops = &amd_identity_ops,
};

static int amd_blocked_attach(struct iommu_domain *domain, struct device *dev)
{
	struct amd_dev *adev = dev_iommu_priv_get(dev);

	guard(mutex)(&adev->unit->dte_lock);
	amd_dev_unprogram(adev);
	amd_dev_leave_paging(adev);
	return 0;
}

static const struct iommu_domain_ops amd_blocked_ops = {
	.attach_dev = amd_blocked_attach,
};

/* No DMA of a device in the blocked domain reaches memory. */
struct iommu_domain amd_blocked_domain = {
	.type = IOMMU_DOMAIN_BLOCKED,
	.ops = &amd_blocked_ops,
};

/**
 * amd_passthrough_leftovers - identity entries for devices left without one
 * @unit: a unit about to be enabled
 *
 * A device @unit covers that the core did not attach to any domain (it
 * has no group, or joining one failed) would lose all DMA once the unit is
 * on.  It keeps DMA to physical addresses instead, as before, with a
 * warning.
 *
 * Context: Process context, at boot, after the driver took the bus.
 * Return: 0, or -errno for a device whose requester IDs the table lacks.
 */
int __init amd_passthrough_leftovers(struct amd_unit *unit)
{
	struct pci_dev *pdev = NULL;
	struct amd_dev orphan;
	int ret = 0;

	for_each_pci_dev(pdev) {
		struct amd_dev *adev;

		if (amd_unit_for(pdev) != unit)
			continue;
		adev = dev_iommu_unit(&pdev->dev) == &unit->iommu ?
		       dev_iommu_priv_get(&pdev->dev) : NULL;
		if (adev && adev->programmed)
			continue;
		pci_warn(pdev, "in no domain of ivhd%u; its DMA stays untranslated\n",
			 unit->index);
		/* Without a record of its own its IDs stay counted for good. */
		if (!adev) {
			adev = &orphan;
			*adev = (struct amd_dev) { .unit = unit, .pdev = pdev };
		}
		scoped_guard(mutex, &unit->dte_lock)
			ret = amd_dev_program(adev, AMD_DTE_V | AMD_DTE_TV |
					      AMD_DTE_IR | AMD_DTE_IW,
					      AMD_DTE_DOMID(AMD_DOMID_NONE));
		if (ret) {
			pci_dev_put(pdev);
			break;
		}
	}
	return ret;
}
