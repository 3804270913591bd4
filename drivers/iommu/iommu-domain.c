// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOMMU domains: the address spaces IOMMU drivers implement.
 *
 * A paging domain is a page table the driver keeps; the core allocates it
 * through the driver, checks every map and unmap request against the
 * domain's page sizes and aperture, and cuts each request into runs of one
 * page size that the driver maps in one call.  The driver never sees an
 * unaligned range, one outside the aperture or one that wraps around.
 * Identity and blocked domains are static objects of the driver.
 *
 * Locks: the core takes none on the map and unmap paths.  A driver's page
 * table must allow concurrent calls for disjoint ranges of one domain
 * (see struct iommu_domain_ops).  A domain's @attached count is protected
 * by iommu_group_lock; a domain is freed only when no group uses it.
 */

#define pr_fmt(fmt) "iommu: " fmt

#include <linux/bitops.h>
#include <linux/cleanup.h>
#include <linux/device.h>
#include <linux/export.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>

#include <trace/events/iommu.h>

#include "iommu-core.h"
#include "iommu-priv.h"

/*
 * A new paging domain of @type for @dev from the driver @ops, checked: the
 * core relies on the driver's page sizes and aperture for every request.
 */
struct iommu_domain *iommu_domain_alloc_type(const struct iommu_ops *ops,
					     struct device *dev,
					     unsigned int type)
{
	struct iommu_domain *domain;
	const struct iommu_domain_ops *dops;

	if (!ops || !ops->domain_alloc_paging)
		return ERR_PTR(-ENODEV);

	domain = ops->domain_alloc_paging(dev);
	if (IS_ERR(domain))
		return domain;
	if (!domain)
		return ERR_PTR(-ENOMEM);

	dops = domain->ops;
	if (WARN(!dops || !dops->free || !dops->attach_dev ||
		 !dops->map_pages || !dops->unmap_pages ||
		 !dops->iova_to_phys || !domain->pgsize_bitmap ||
		 BIT(__ffs(domain->pgsize_bitmap)) > PAGE_SIZE ||
		 domain->geometry.aperture_end <=
		 domain->geometry.aperture_start,
		 "iommu: driver returned an incomplete paging domain\n")) {
		if (dops && dops->free)
			dops->free(domain);
		return ERR_PTR(-EINVAL);
	}
	domain->type = type;
	domain->owner = ops;
	domain->attached = 0;
	return domain;
}

/**
 * iommu_paging_domain_alloc - allocate an empty address space for a device
 * @dev: a device an IOMMU translates; the domain can be attached to its
 *	group and to any group of the same driver the hardware allows
 *
 * The domain maps nothing yet.  Its page sizes and aperture are in
 * @pgsize_bitmap and @geometry.  Attach it with iommu_attach_group() after
 * claiming the group with iommu_group_claim_dma_owner(); free it with
 * iommu_domain_free() once it is attached nowhere.
 *
 * Context: Process context; may sleep.  Takes iommu_group_lock briefly.
 * Return: the domain, or an ERR_PTR(): -ENODEV if no IOMMU translates
 * @dev or its driver has no paging domains, -ENOMEM, or the driver's error.
 * Never NULL.
 */
struct iommu_domain *iommu_paging_domain_alloc(struct device *dev)
{
	const struct iommu_ops *ops;

	scoped_guard(mutex, &iommu_group_lock)
		ops = dev_iommu_ops(dev);
	return iommu_domain_alloc_type(ops, dev, IOMMU_DOMAIN_UNMANAGED);
}
EXPORT_SYMBOL_GPL(iommu_paging_domain_alloc);

/**
 * iommu_domain_free - free a paging domain
 * @domain: from iommu_paging_domain_alloc(), or NULL; attached to no group
 *
 * Freeing a domain a group still uses is a bug: it is reported and the
 * domain is leaked rather than freed under the device.  Identity and
 * blocked domains are the driver's static objects and are never freed.
 *
 * Context: Process context; may sleep.  Takes iommu_group_lock briefly.
 */
void iommu_domain_free(struct iommu_domain *domain)
{
	if (IS_ERR_OR_NULL(domain))
		return;
	scoped_guard(mutex, &iommu_group_lock) {
		if (WARN(domain->attached,
			 "iommu: freeing a domain %u groups still use\n",
			 domain->attached))
			return;
	}
	if (domain->type & __IOMMU_DOMAIN_PAGING)
		domain->ops->free(domain);
}
EXPORT_SYMBOL_GPL(iommu_domain_free);

/*
 * Whether [@iova, @iova + @size) may be given to @domain's driver: a paging
 * domain, a range of whole smallest pages, not empty, not wrapping, inside
 * the aperture.  @paddr (0 for unmaps) must be aligned as well.
 */
static bool iommu_range_ok(struct iommu_domain *domain, unsigned long iova,
			   phys_addr_t paddr, size_t size)
{
	unsigned long min_pgsize;

	if (!domain || !(domain->type & __IOMMU_DOMAIN_PAGING))
		return false;
	min_pgsize = BIT(__ffs(domain->pgsize_bitmap));
	if (!size || !IS_ALIGNED(iova | paddr | size, min_pgsize) ||
	    iova + size - 1 < iova ||
	    iova < domain->geometry.aperture_start ||
	    iova + size - 1 > domain->geometry.aperture_end) {
		pr_err_ratelimited("bad range: iova 0x%lx pa %pa size 0x%zx (page 0x%lx, aperture %pad-%pad)\n",
				   iova, &paddr, size, min_pgsize,
				   &domain->geometry.aperture_start,
				   &domain->geometry.aperture_end);
		return false;
	}
	return true;
}

/*
 * The page size to use at @iova -> @paddr for what is left of a request,
 * @size bytes, and in *@count how many pages of it to take in a row: the
 * largest size both addresses are aligned to that fits, and no further
 * than where a larger size would fit.
 */
static size_t iommu_pgsize(unsigned long bitmap, unsigned long iova,
			   phys_addr_t paddr, size_t size, size_t *count)
{
	u64 addrs = (u64)iova | paddr;
	unsigned long sizes = bitmap & GENMASK(__fls(size), 0);
	unsigned long larger;
	size_t pgsize, next, n;

	if (addrs)
		sizes &= GENMASK_ULL(min_t(unsigned int, __ffs64(addrs),
					   BITS_PER_LONG - 1), 0);
	pgsize = BIT(__fls(sizes));
	n = size >> __ffs(pgsize);

	larger = __fls(pgsize) < BITS_PER_LONG - 1 ?
		 bitmap & GENMASK(BITS_PER_LONG - 1, __fls(pgsize) + 1) : 0;
	if (larger) {
		next = BIT(__ffs(larger));
		/* A larger page can take over only if both addresses agree. */
		if (!((iova ^ paddr) & (next - 1)))
			n = min_t(size_t, n,
				  (next - (iova & (next - 1))) >> __ffs(pgsize));
	}
	*count = n;
	return pgsize;
}

static size_t __iommu_unmap(struct iommu_domain *domain, unsigned long iova,
			    size_t size, struct iommu_iotlb_gather *gather)
{
	const struct iommu_domain_ops *ops = domain->ops;
	size_t unmapped = 0, pgsize, count, n;

	while (unmapped < size) {
		pgsize = iommu_pgsize(domain->pgsize_bitmap, iova + unmapped,
				      iova + unmapped, size - unmapped, &count);
		n = ops->unmap_pages(domain, iova + unmapped, pgsize, count,
				     gather);
		if (!n)
			break;	/* nothing is mapped here */
		unmapped += n;
	}
	trace_unmap(iova, size, unmapped);
	return unmapped;
}

/**
 * iommu_map - map a physically contiguous range into a paging domain
 * @domain: the domain
 * @iova: first IOVA, aligned to the domain's smallest page size
 * @paddr: first physical address, aligned the same way
 * @size: bytes, a multiple of the smallest page size
 * @prot: IOMMU_READ, IOMMU_WRITE, IOMMU_CACHE, IOMMU_NOEXEC, IOMMU_MMIO
 * @gfp: for the driver's page-table pages
 *
 * The core uses the largest page sizes the alignment allows.  The range
 * must not be mapped yet.
 *
 * Context: Process context, or atomic context with GFP_ATOMIC.
 * Return: 0 when the device can use the whole range; -EINVAL for a domain
 * without page table, an unaligned or empty range, or one outside the
 * aperture; or the driver's error, after which nothing of the range is
 * mapped.
 */
int iommu_map(struct iommu_domain *domain, unsigned long iova,
	      phys_addr_t paddr, size_t size, int prot, gfp_t gfp)
{
	const struct iommu_domain_ops *ops;
	size_t done = 0, pgsize, count, mapped;
	int ret = 0;

	might_sleep_if(gfpflags_allow_blocking(gfp));
	if (!iommu_range_ok(domain, iova, paddr, size))
		return -EINVAL;
	ops = domain->ops;

	while (done < size) {
		pgsize = iommu_pgsize(domain->pgsize_bitmap, iova + done,
				      paddr + done, size - done, &count);
		mapped = 0;
		ret = ops->map_pages(domain, iova + done, paddr + done, pgsize,
				     count, prot, gfp, &mapped);
		if (WARN_ON_ONCE(mapped > pgsize * count))
			mapped = pgsize * count;
		done += mapped;
		if (!ret && WARN_ON_ONCE(!mapped))
			ret = -EIO;
		if (ret)
			break;
	}
	if (!ret && ops->iotlb_sync_map)
		ret = ops->iotlb_sync_map(domain, iova, size);
	if (ret) {
		if (done)
			iommu_unmap(domain, iova, done);
		return ret;
	}
	trace_map(iova, paddr, size);
	return 0;
}
EXPORT_SYMBOL_GPL(iommu_map);

/**
 * iommu_unmap - unmap a range and flush it
 * @domain: the domain
 * @iova: first IOVA, aligned to the domain's smallest page size
 * @size: bytes, a multiple of the smallest page size
 *
 * Unmaps from @iova on up to the first IOVA that is not mapped.  A larger
 * page the range only starts or ends in is unmapped as a whole.
 *
 * Context: Process context; may sleep if the driver's flush does.
 * Return: the bytes unmapped, which may be more than @size (a larger page)
 * or less (a hole); 0 for a bad request or nothing mapped at @iova.  When
 * this returns, no attached device can reach what was unmapped.
 */
size_t iommu_unmap(struct iommu_domain *domain, unsigned long iova,
		   size_t size)
{
	struct iommu_iotlb_gather gather;
	size_t unmapped;

	if (!iommu_range_ok(domain, iova, 0, size))
		return 0;
	iommu_iotlb_gather_init(&gather);
	unmapped = __iommu_unmap(domain, iova, size, &gather);
	iommu_iotlb_sync(domain, &gather);
	return unmapped;
}
EXPORT_SYMBOL_GPL(iommu_unmap);

/**
 * iommu_unmap_fast - unmap a range and leave the flush to the caller
 * @domain: the domain
 * @iova: as for iommu_unmap()
 * @size: as for iommu_unmap()
 * @iotlb_gather: collects the range; iommu_iotlb_sync() flushes it
 *
 * The device may still reach the unmapped pages until iommu_iotlb_sync():
 * the caller must not reuse them (or free page-table pages) before.
 *
 * Context: As iommu_unmap().
 * Return: as iommu_unmap().
 */
size_t iommu_unmap_fast(struct iommu_domain *domain, unsigned long iova,
			size_t size, struct iommu_iotlb_gather *iotlb_gather)
{
	if (!iommu_range_ok(domain, iova, 0, size))
		return 0;
	return __iommu_unmap(domain, iova, size, iotlb_gather);
}
EXPORT_SYMBOL_GPL(iommu_unmap_fast);

/**
 * iommu_map_sg - map a scatterlist at consecutive IOVAs
 * @domain: the domain
 * @iova: first IOVA
 * @sg: the list; each entry's offset and length must be page aligned
 * @nents: entries of @sg to map
 * @prot: as for iommu_map()
 * @gfp: as for iommu_map()
 *
 * Context: As iommu_map().
 * Return: the bytes mapped, or a negative errno after which nothing of the
 * list is mapped.
 */
ssize_t iommu_map_sg(struct iommu_domain *domain, unsigned long iova,
		     struct scatterlist *sg, unsigned int nents, int prot,
		     gfp_t gfp)
{
	struct scatterlist *s;
	size_t mapped = 0;
	unsigned int i;
	int ret;

	for_each_sg(sg, s, nents, i) {
		if (!s->length)
			continue;
		ret = iommu_map(domain, iova + mapped, sg_phys(s), s->length,
				prot, gfp);
		if (ret) {
			if (mapped)
				iommu_unmap(domain, iova, mapped);
			return ret;
		}
		mapped += s->length;
	}
	return mapped;
}
EXPORT_SYMBOL_GPL(iommu_map_sg);

/**
 * iommu_iova_to_phys - where an IOVA of a domain leads
 * @domain: the domain
 * @iova: the IOVA
 *
 * Context: Any context.
 * Return: the physical address @iova is mapped to: @iova itself in an
 * identity domain, 0 in a blocked domain or where nothing is mapped.
 */
phys_addr_t iommu_iova_to_phys(struct iommu_domain *domain, dma_addr_t iova)
{
	if (domain->type == IOMMU_DOMAIN_IDENTITY)
		return iova;
	if (!(domain->type & __IOMMU_DOMAIN_PAGING))
		return 0;
	return domain->ops->iova_to_phys(domain, iova);
}
EXPORT_SYMBOL_GPL(iommu_iova_to_phys);

/**
 * iommu_flush_iotlb_all - flush every cached translation of a domain
 * @domain: the domain
 *
 * Context: As the driver's flush; usually may sleep.
 */
void iommu_flush_iotlb_all(struct iommu_domain *domain)
{
	if (domain->ops->flush_iotlb_all)
		domain->ops->flush_iotlb_all(domain);
}
EXPORT_SYMBOL_GPL(iommu_flush_iotlb_all);

/**
 * iommu_set_fault_handler - be told of translation faults in a domain
 * @domain: the domain
 * @handler: called by report_iommu_fault(); may run in interrupt context
 * @token: passed to @handler
 *
 * Context: Any context; before the domain is attached.
 */
void iommu_set_fault_handler(struct iommu_domain *domain,
			     iommu_fault_handler_t handler, void *token)
{
	domain->handler = handler;
	domain->handler_token = token;
}
EXPORT_SYMBOL_GPL(iommu_set_fault_handler);

/**
 * report_iommu_fault - an IOMMU driver reports a translation fault
 * @domain: the domain the device was attached to
 * @dev: the device that faulted
 * @iova: the address it tried to reach
 * @flags: IOMMU_FAULT_READ or IOMMU_FAULT_WRITE
 *
 * Emits the io_page_fault trace event and calls the domain's fault handler.
 * The driver logs the fault itself if this returns an error.
 *
 * Context: Any context, the driver's fault interrupt included.
 * Return: the handler's return value, or -EOPNOTSUPP if the domain has
 * none.
 */
int report_iommu_fault(struct iommu_domain *domain, struct device *dev,
		       unsigned long iova, int flags)
{
	trace_io_page_fault(dev, iova, flags);
	if (!domain || !domain->handler)
		return -EOPNOTSUPP;
	return domain->handler(domain, dev, iova, flags,
			       domain->handler_token);
}
EXPORT_SYMBOL_GPL(report_iommu_fault);

/**
 * device_iommu_capable - whether the IOMMU translating a device can do
 *	something
 * @dev: the device
 * @cap: the capability
 *
 * Context: Process context; may sleep.  Takes iommu_group_lock briefly.
 * Return: true if an IOMMU translates @dev and its driver says it has @cap;
 * false otherwise, and always for a device no IOMMU translates.
 */
bool device_iommu_capable(struct device *dev, enum iommu_cap cap)
{
	const struct iommu_ops *ops;

	scoped_guard(mutex, &iommu_group_lock)
		ops = dev_iommu_ops(dev);
	return ops && ops->capable && ops->capable(dev, cap);
}
EXPORT_SYMBOL_GPL(device_iommu_capable);

/**
 * iommu_get_msi_cookie - reserve IOVAs for a software-managed MSI window
 * @domain: the domain
 * @base: where the window would go
 *
 * Only platforms whose IOMMU translates MSI writes need a software window
 * (IOMMU_RESV_SW_MSI).  On x86 and POWER the MSI window is translated by
 * the platform and reported as IOMMU_RESV_MSI, so no driver of ours needs
 * one.
 *
 * Context: Any context.
 * Return: -ENODEV, which callers take as "no cookie needed".
 */
int iommu_get_msi_cookie(struct iommu_domain *domain, dma_addr_t base)
{
	return -ENODEV;
}
EXPORT_SYMBOL_GPL(iommu_get_msi_cookie);

/**
 * iommu_enable_nesting - make a domain the parent of nested translation
 * @domain: the domain
 *
 * No driver of ours supports nested translation.
 *
 * Context: Any context.
 * Return: -EINVAL.
 */
int iommu_enable_nesting(struct iommu_domain *domain)
{
	return -EINVAL;
}
EXPORT_SYMBOL_GPL(iommu_enable_nesting);
