// SPDX-License-Identifier: GPL-2.0-only
/*
 * Intel VT-d domains: paging domains on the second-level page table
 * (intel-pgtable.c), the identity domain and the blocked domain, and
 * attaching a device to one of them by writing the context entries of
 * each requester ID the unit sees for it (its DMA aliases).
 *
 * A paging domain has one domain id on each unit it is attached on (a
 * binding), allocated when its first device there attaches and given back,
 * after an IOTLB flush, when the last one leaves.  Identity uses
 * pass-through entries (or, on a unit without them, a 1:1 table) under
 * domain id 1.  Blocking clears the entries; a requester ID shared by
 * several devices stays until the last of them is blocked.
 *
 * The core serialises attach (iommu_group_lock); each unit's context tables
 * have their own mutex, and each domain's bindings a spinlock because the
 * IOTLB flushes that read them run in any context.
 */

#define pr_fmt(fmt) "DMAR: " fmt

#include <linux/init.h>
#include <linux/iommu.h>
#include <linux/lockdep.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "intel-unit.h"
#include "iommu-priv.h"

static struct vtd_domain *to_vtd_domain(struct iommu_domain *domain)
{
	return container_of(domain, struct vtd_domain, domain);
}

static void vtd_pt_flush_cache(struct vtd_pgtable *pt, void *addr, size_t size)
{
	vtd_flush_cpu_cache(addr, size);
}

static const struct vtd_pgtable_ops vtd_pt_ops = {
	.flush_cache = vtd_pt_flush_cache,
};

/* --- Context entries of a device --------------------------------------- */

/* What one pass over a device's requester IDs does. */
struct vtd_rid_walk {
	struct vtd_unit *unit;
	u64 lo, hi;
	int (*fn)(struct vtd_rid_walk *w, u16 rid);
};

static int vtd_rid_walk_one(struct pci_dev *pdev, u16 rid, void *data)
{
	struct vtd_rid_walk *w = data;

	return w->fn(w, rid);
}

static int vtd_rid_prepare(struct vtd_rid_walk *w, u16 rid)
{
	return vtd_context_prepare(w->unit, rid >> 8);
}

static int vtd_rid_set(struct vtd_rid_walk *w, u16 rid)
{
	vtd_context_write(w->unit, rid, w->lo, w->hi);
	return 0;
}

static int vtd_rid_get(struct vtd_rid_walk *w, u16 rid)
{
	w->unit->rid_users[rid]++;
	return 0;
}

static int vtd_rid_put(struct vtd_rid_walk *w, u16 rid)
{
	if (!WARN_ON(!w->unit->rid_users[rid]) && !--w->unit->rid_users[rid])
		vtd_context_write(w->unit, rid, 0, 0);
	return 0;
}

static int vtd_rids(struct vtd_dev *vdev, struct vtd_rid_walk *w,
		    int (*fn)(struct vtd_rid_walk *w, u16 rid))
{
	w->unit = vdev->unit;
	w->fn = fn;
	return pci_for_each_dma_alias(vdev->pdev, vtd_rid_walk_one, w);
}

/*
 * Point every requester ID of @vdev at (@lo, @hi).  Fails only before
 * anything changed.
 */
static int vtd_dev_program(struct vtd_dev *vdev, u64 lo, u64 hi)
{
	struct vtd_rid_walk w = { .lo = lo, .hi = hi };
	int ret;

	lockdep_assert_held(&vdev->unit->ctx_lock);
	ret = vtd_rids(vdev, &w, vtd_rid_prepare);
	if (ret)
		return ret;
	if (!vdev->programmed)
		vtd_rids(vdev, &w, vtd_rid_get);
	vdev->programmed = true;
	vtd_rids(vdev, &w, vtd_rid_set);
	return 0;
}

/* Drop @vdev's requester IDs: not present once nobody else uses one. */
static void vtd_dev_unprogram(struct vtd_dev *vdev)
{
	struct vtd_rid_walk w = {};

	lockdep_assert_held(&vdev->unit->ctx_lock);
	if (vdev->programmed)
		vtd_rids(vdev, &w, vtd_rid_put);
	vdev->programmed = false;
}

/* --- Bindings: a paging domain's id on a unit -------------------------- */

static struct vtd_binding *vtd_binding_find(struct vtd_domain *vd,
					    struct vtd_unit *unit)
{
	struct vtd_binding *b;

	lockdep_assert_held(&unit->ctx_lock);
	list_for_each_entry(b, &vd->bindings, node)
		if (b->unit == unit)
			return b;
	return NULL;
}

/* @vd's binding on @unit, made if it has none; one more device uses it. */
static struct vtd_binding *vtd_binding_get(struct vtd_domain *vd,
					   struct vtd_unit *unit)
{
	struct vtd_binding *b = vtd_binding_find(vd, unit);
	unsigned int nr_ids = 1U << (4 + 2 * VTD_CAP_ND(unit->cap));
	int did;

	if (b) {
		b->devices++;
		return b;
	}
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return ERR_PTR(-ENOMEM);
	did = ida_alloc_range(&unit->dids, VTD_DID_FIRST, nr_ids - 1,
			      GFP_KERNEL);
	if (did < 0) {
		kfree(b);
		return ERR_PTR(did);
	}
	b->unit = unit;
	b->did = did;
	b->devices = 1;
	spin_lock_irq(&vd->lock);
	list_add(&b->node, &vd->bindings);
	spin_unlock_irq(&vd->lock);
	return b;
}

/* One device of @unit left @vd; the last one takes the domain id back. */
static void vtd_binding_put(struct vtd_domain *vd, struct vtd_unit *unit)
{
	struct vtd_binding *b = vtd_binding_find(vd, unit);

	if (WARN_ON(!b) || --b->devices)
		return;
	spin_lock_irq(&vd->lock);
	list_del(&b->node);
	spin_unlock_irq(&vd->lock);
	/* No entry names the id now; forget what the unit cached under it. */
	vtd_flush_iotlb_domain(unit, b->did);
	ida_free(&unit->dids, b->did);
	kfree(b);
}

/* @vdev leaves its paging domain, if it is in one. */
static void vtd_dev_leave_paging(struct vtd_dev *vdev)
{
	if (vdev->domain)
		vtd_binding_put(vdev->domain, vdev->unit);
	vdev->domain = NULL;
}

/* --- Paging domains ---------------------------------------------------- */

static int vtd_paging_attach(struct iommu_domain *domain, struct device *dev)
{
	struct vtd_domain *vd = to_vtd_domain(domain);
	struct vtd_dev *vdev = dev_iommu_priv_get(dev);
	struct vtd_unit *unit = vdev->unit;
	struct vtd_binding *b;
	int ret;

	if (vd->pt.levels != unit->levels ||
	    domain->geometry.aperture_end >= BIT_ULL(unit->aw_bits)) {
		dev_err(dev, "dmar%d cannot walk this domain's %u-level table\n",
			unit->index, vd->pt.levels);
		return -EINVAL;
	}
	if (vdev->domain == vd)
		return 0;

	guard(mutex)(&unit->ctx_lock);
	b = vtd_binding_get(vd, unit);
	if (IS_ERR(b))
		return PTR_ERR(b);
	ret = vtd_dev_program(vdev, virt_to_phys(vd->pt.root) |
			      VTD_CTX_TT_PAGING | VTD_CTX_P,
			      VTD_CTX_AW(vd->pt.levels) | VTD_CTX_DID(b->did));
	if (ret) {
		vtd_binding_put(vd, unit);
		return ret;
	}
	vtd_dev_leave_paging(vdev);
	vdev->domain = vd;
	return 0;
}

static int vtd_map_pages(struct iommu_domain *domain, unsigned long iova,
			 phys_addr_t paddr, size_t pgsize, size_t pgcount,
			 int prot, gfp_t gfp, size_t *mapped)
{
	return vtd_pgtable_map(&to_vtd_domain(domain)->pt, iova, paddr, pgsize,
			       pgcount, prot, gfp, mapped);
}

static size_t vtd_unmap_pages(struct iommu_domain *domain, unsigned long iova,
			      size_t pgsize, size_t pgcount,
			      struct iommu_iotlb_gather *gather)
{
	return vtd_pgtable_unmap(&to_vtd_domain(domain)->pt, iova, pgsize,
				 pgcount, gather);
}

/* Flush [@start, @end] on every unit @vd is attached on; @end < @start: all. */
static void vtd_domain_flush(struct vtd_domain *vd, unsigned long start,
			     unsigned long end, bool only_caching_mode)
{
	struct vtd_binding *b;
	unsigned long flags;

	spin_lock_irqsave(&vd->lock, flags);
	list_for_each_entry(b, &vd->bindings, node) {
		if (only_caching_mode && !(b->unit->cap & VTD_CAP_CM)) {
			vtd_flush_write_buffer(b->unit);
			continue;
		}
		if (end < start)
			vtd_flush_iotlb_domain(b->unit, b->did);
		else
			vtd_flush_iotlb_range(b->unit, b->did, start, end);
	}
	spin_unlock_irqrestore(&vd->lock, flags);
}

/*
 * Without caching mode a unit caches only translations that succeeded, so
 * a new mapping needs no flush; with it, the IOTLB may hold the miss.
 */
static int vtd_iotlb_sync_map(struct iommu_domain *domain, unsigned long iova,
			      size_t size)
{
	vtd_domain_flush(to_vtd_domain(domain), iova, iova + size - 1, true);
	return 0;
}

static void vtd_iotlb_sync(struct iommu_domain *domain,
			   struct iommu_iotlb_gather *gather)
{
	if (gather->end >= gather->start)
		vtd_domain_flush(to_vtd_domain(domain), gather->start,
				 gather->end, false);
	/* Table pages the unmaps unlinked are unreachable only now. */
	vtd_pgtable_free_gathered(gather);
}

static void vtd_flush_iotlb_all(struct iommu_domain *domain)
{
	vtd_domain_flush(to_vtd_domain(domain), 1, 0, false);
}

static phys_addr_t vtd_iova_to_phys(struct iommu_domain *domain,
				    dma_addr_t iova)
{
	return vtd_pgtable_iova_to_phys(&to_vtd_domain(domain)->pt, iova);
}

static void vtd_domain_free(struct iommu_domain *domain)
{
	struct vtd_domain *vd = to_vtd_domain(domain);

	WARN_ON(!list_empty(&vd->bindings));
	vtd_pgtable_destroy(&vd->pt);
	kfree(vd);
}

static const struct iommu_domain_ops vtd_paging_ops = {
	.attach_dev = vtd_paging_attach,
	.map_pages = vtd_map_pages,
	.unmap_pages = vtd_unmap_pages,
	.flush_iotlb_all = vtd_flush_iotlb_all,
	.iotlb_sync_map = vtd_iotlb_sync_map,
	.iotlb_sync = vtd_iotlb_sync,
	.iova_to_phys = vtd_iova_to_phys,
	.free = vtd_domain_free,
};

/**
 * vtd_domain_alloc_paging - iommu_ops::domain_alloc_paging
 * @dev: a device the domain is for; its unit sets the table's levels
 *
 * Return: an empty paging domain with the page sizes and IOVA range of
 * @dev's unit, or ERR_PTR(-ENOMEM).
 */
struct iommu_domain *vtd_domain_alloc_paging(struct device *dev)
{
	struct vtd_dev *vdev = dev_iommu_priv_get(dev);
	struct vtd_unit *unit = vdev->unit;
	struct vtd_domain *vd;

	vd = kzalloc(sizeof(*vd), GFP_KERNEL);
	if (!vd)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&vd->lock);
	INIT_LIST_HEAD(&vd->bindings);
	vd->pt.ops = &vtd_pt_ops;
	/* Maps after unmaps find their tables: no churn of table pages. */
	vd->pt.keep_tables = true;
	if (vtd_pgtable_init(&vd->pt, unit->levels, unit->superpages,
			     GFP_KERNEL)) {
		kfree(vd);
		return ERR_PTR(-ENOMEM);
	}
	vd->domain.ops = &vtd_paging_ops;
	vd->domain.pgsize_bitmap = vd->pt.pgsizes;
	vd->domain.geometry.aperture_start = 0;
	vd->domain.geometry.aperture_end = BIT_ULL(unit->aw_bits) - 1;
	vd->domain.geometry.force_aperture = true;
	return &vd->domain;
}

/* --- Identity and blocked ---------------------------------------------- */

/* The context entry that lets @unit's devices DMA untranslated. */
static void vtd_identity_entry(struct vtd_unit *unit, u64 *lo, u64 *hi)
{
	*hi = VTD_CTX_AW(unit->levels) | VTD_CTX_DID(VTD_DID_IDENTITY);
	if (unit->identity_pt)
		*lo = virt_to_phys(unit->identity_pt->root) |
		      VTD_CTX_TT_PAGING | VTD_CTX_P;
	else
		*lo = VTD_CTX_TT_PASS | VTD_CTX_P;
}

static int vtd_identity_attach(struct iommu_domain *domain, struct device *dev)
{
	struct vtd_dev *vdev = dev_iommu_priv_get(dev);
	struct vtd_unit *unit = vdev->unit;
	u64 lo, hi;
	int ret;

	guard(mutex)(&unit->ctx_lock);
	vtd_identity_entry(unit, &lo, &hi);
	ret = vtd_dev_program(vdev, lo, hi);
	if (ret)
		return ret;
	vtd_dev_leave_paging(vdev);
	return 0;
}

static const struct iommu_domain_ops vtd_identity_ops = {
	.attach_dev = vtd_identity_attach,
};

/* Every device in the identity domain reaches all of memory 1:1. */
struct iommu_domain vtd_identity_domain = {
	.type = IOMMU_DOMAIN_IDENTITY,
	.ops = &vtd_identity_ops,
};

static int vtd_blocked_attach(struct iommu_domain *domain, struct device *dev)
{
	struct vtd_dev *vdev = dev_iommu_priv_get(dev);

	guard(mutex)(&vdev->unit->ctx_lock);
	vtd_dev_unprogram(vdev);
	vtd_dev_leave_paging(vdev);
	return 0;
}

static const struct iommu_domain_ops vtd_blocked_ops = {
	.attach_dev = vtd_blocked_attach,
};

/* No DMA of a device in the blocked domain reaches memory. */
struct iommu_domain vtd_blocked_domain = {
	.type = IOMMU_DOMAIN_BLOCKED,
	.ops = &vtd_blocked_ops,
};

/**
 * vtd_identity_table_init - the 1:1 table of a unit without pass-through
 * @unit: a unit without ECAP.PT
 *
 * Maps all memory the kernel knows at boot with the largest pages that
 * fit.  Memory added later is not in it.
 *
 * Context: Process context, at boot.
 * Return: 0, -ENOMEM, or -ERANGE if memory lies beyond what the unit
 * translates.
 */
int __init vtd_identity_table_init(struct vtd_unit *unit)
{
	struct vtd_pgtable *pt;
	phys_addr_t start, end;
	int ret = 0;
	u64 i;

	pt = kzalloc(sizeof(*pt), GFP_KERNEL);
	if (!pt)
		return -ENOMEM;
	pt->ops = &vtd_pt_ops;
	if (vtd_pgtable_init(pt, unit->levels, unit->superpages, GFP_KERNEL)) {
		kfree(pt);
		return -ENOMEM;
	}
	for_each_mem_range(i, &start, &end) {
		start = ALIGN_DOWN(start, PAGE_SIZE);
		end = ALIGN(end, PAGE_SIZE);
		if (end > BIT_ULL(unit->aw_bits)) {
			ret = -ERANGE;
			break;
		}
		while (start < end && !ret) {
			size_t pgsize = SZ_4K, mapped = 0;

			if (pt->pgsizes & SZ_1G && IS_ALIGNED(start, SZ_1G) &&
			    end - start >= SZ_1G)
				pgsize = SZ_1G;
			else if (pt->pgsizes & SZ_2M &&
				 IS_ALIGNED(start, SZ_2M) &&
				 end - start >= SZ_2M)
				pgsize = SZ_2M;
			ret = vtd_pgtable_map(pt, start, start, pgsize, 1,
					      IOMMU_READ | IOMMU_WRITE,
					      GFP_KERNEL, &mapped);
			start += pgsize;
		}
		if (ret)
			break;
	}
	if (ret) {
		vtd_pgtable_destroy(pt);
		kfree(pt);
		return ret;
	}
	unit->identity_pt = pt;
	return 0;
}

/**
 * vtd_passthrough_leftovers - identity entries for devices left without one
 * @unit: a unit about to translate
 *
 * A device @unit covers that the core did not attach to any domain (it
 * has no group, or joining one failed) would fault on every DMA once
 * translation is on.  It keeps DMA to physical addresses instead, as
 * before the unit was used, with a warning.
 *
 * Context: Process context, at boot, after the unit took the bus.
 * Return: 0, or -ENOMEM from a context table.
 */
int __init vtd_passthrough_leftovers(struct vtd_unit *unit)
{
	struct pci_dev *pdev = NULL;
	struct vtd_dev orphan;
	int ret = 0;
	u64 lo, hi;

	for_each_pci_dev(pdev) {
		struct vtd_dev *vdev;

		if (vtd_unit_for(pdev) != unit)
			continue;
		vdev = dev_iommu_unit(&pdev->dev) == &unit->iommu ?
		       dev_iommu_priv_get(&pdev->dev) : NULL;
		if (vdev && vdev->programmed)
			continue;
		pci_warn(pdev, "in no domain of dmar%d; its DMA stays untranslated\n",
			 unit->index);
		/*
		 * Without a record of its own the device's IDs stay counted
		 * for good: nothing would release them.
		 */
		if (!vdev) {
			vdev = &orphan;
			*vdev = (struct vtd_dev) { .unit = unit, .pdev = pdev };
		}
		vtd_identity_entry(unit, &lo, &hi);
		scoped_guard(mutex, &unit->ctx_lock)
			ret = vtd_dev_program(vdev, lo, hi);
		if (ret) {
			pci_dev_put(pdev);
			break;
		}
	}
	return ret;
}
