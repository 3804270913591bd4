// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel DMA API on IOMMU domains: a device whose group's default
 * domain is a DMA domain has dev->dma_iommu set, and kernel/dma/mapping.c
 * sends its dma_map_*() and dma_alloc_*() calls here.  Each mapping gets a
 * range of IOVAs from the domain's allocator and is mapped into the
 * domain's page table; an unmap removes it, flushes the IOTLB (strict: the
 * device cannot reach the memory when the unmap returns) and only then
 * gives the IOVAs back.
 *
 * IOVAs are allocated in pages from a maple tree with range allocation,
 * top-down below the device's limit: the least of its DMA mask, its bus
 * limit and the domain's aperture; PCI devices try below 4 GiB first.
 * IOVA 0 and every reserved region of the group's members (the MSI
 * window, direct regions) are never handed out.
 *
 * The tree costs several node allocations per range, so ranges of up to
 * 2^(IOMMU_DMA_CACHE_ORDERS - 1) pages are rounded up to a power of two and
 * kept when freed: each CPU has two magazines of freed ranges per size, and
 * the domain a small depot of full magazines between them.  A map takes a
 * range from its CPU's magazine if one suits the device's limit, else from
 * the tree; an unmap puts the range back into its CPU's magazine, or when
 * both are full hands one to the depot.  Cached ranges stay allocated in
 * the tree.  When the tree has no room, every magazine and the depot go
 * back to it and the allocation is tried again, so caching never makes an
 * allocation fail.
 *
 * DMA-FQ domains (flush queue, iommu-fq.c) do not flush on unmap: the
 * range is queued with the page-table pages the unmap unlinked, and both
 * go back only after an IOTLB flush that began after the unmap.
 *
 * The map paths run in any context: they take no mutex and allocate with
 * the caller's gfp (GFP_ATOMIC where it cannot sleep).  The maple tree has
 * its own spinlock, which unmaps take in hard interrupts too (NVMe unmaps
 * in its completion handler): every change to the tree runs with
 * interrupts off, or an interrupt would spin on the lock that its CPU
 * holds, and the tree allocates its nodes without sleeping.
 *
 * x86 DMA is cache coherent and nothing is bounced, so the sync calls have
 * nothing to do.  Non-contiguous allocations are not offered: they fail
 * cleanly and callers fall back to contiguous ones.
 */

#define pr_fmt(fmt) "iommu: " fmt

#include <linux/device.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/iommu.h>
#include <linux/iommu-dma.h>
#include <linux/log2.h>
#include <linux/maple_tree.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/percpu.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "iommu-fq.h"
#include "iommu-priv.h"

/*
 * The largest mapping drivers should ask for to stay fast, as upstream
 * Linux reports it (block drivers size their requests from it).
 */
#define IOMMU_DMA_OPT_SIZE	(32 * PAGE_SIZE)

/* A value the tree stores for each allocated or reserved range. */
#define IOMMU_DMA_USED		xa_mk_value(1)
#define IOMMU_DMA_RESERVED	xa_mk_value(2)

/* Sizes of cached ranges: 2^0 to 2^(IOMMU_DMA_CACHE_ORDERS - 1) pages. */
#define IOMMU_DMA_CACHE_ORDERS	6
/* Ranges a magazine holds: the magazine is 1 KiB. */
#define IOMMU_DMA_MAG_SIZE	127
/* Full magazines the depot of one size holds. */
#define IOMMU_DMA_DEPOT_SIZE	16

/* Freed ranges of one size, by first IOVA page; @pfn[0..@n) are valid. */
struct iommu_dma_mag {
	unsigned long n;
	unsigned long pfn[IOMMU_DMA_MAG_SIZE];
};

/*
 * A CPU's cached ranges, two magazines per size.  @lock (taken with
 * interrupts off) protects the magazines; other CPUs take it only to give
 * every range back to the tree.
 */
struct iommu_dma_cpu_cache {
	spinlock_t lock;		/* protects cur and spare */
	struct iommu_dma_mag *cur[IOMMU_DMA_CACHE_ORDERS];
	struct iommu_dma_mag *spare[IOMMU_DMA_CACHE_ORDERS];
};

/* Full magazines of one size that CPUs handed over; @lock protects it. */
struct iommu_dma_depot {
	spinlock_t lock;		/* protects n and mags */
	unsigned int n;
	struct iommu_dma_mag *mags[IOMMU_DMA_DEPOT_SIZE];
};

/**
 * struct iommu_dma_cookie - the IOVA space of one DMA domain
 * @iovas: allocated and reserved ranges, indexed by IOVA page number
 * @granule: the IOVA page size, the domain's smallest page
 * @shift: log2 of @granule
 * @cpu: each CPU's cached freed ranges
 * @depot: full magazines per size
 * @fq: the flush queue of a DMA-FQ domain, else NULL; set once, before
 *	the domain's type says DMA-FQ, and kept until the domain is freed
 * @domain: the domain, for the flush queue's callbacks
 *
 * Lock order: a flush queue's ring, a CPU's cache, a depot, the tree.
 */
struct iommu_dma_cookie {
	struct maple_tree iovas;
	unsigned long granule;
	unsigned int shift;
	struct iommu_dma_cpu_cache __percpu *cpu;
	struct iommu_dma_depot depot[IOMMU_DMA_CACHE_ORDERS];
	struct iommu_fq *fq;
	struct iommu_domain *domain;
};

/*
 * The tree's node allocations with interrupts off: as @gfp asks, less
 * sleeping.
 */
static gfp_t iommu_dma_tree_gfp(gfp_t gfp)
{
	return (gfp & ~__GFP_DIRECT_RECLAIM) | __GFP_NOWARN;
}

/* Reserve pages [@first, @last]; interrupts off, as every tree change. */
static int iommu_dma_tree_reserve(struct iommu_dma_cookie *cookie,
				  unsigned long first, unsigned long last)
{
	unsigned long flags;
	int ret;

	local_irq_save(flags);
	ret = mtree_insert_range(&cookie->iovas, first, last,
				 IOMMU_DMA_RESERVED,
				 iommu_dma_tree_gfp(GFP_KERNEL));
	local_irq_restore(flags);
	return ret;
}

static void iommu_dma_tree_destroy(struct iommu_dma_cookie *cookie)
{
	unsigned long flags;

	local_irq_save(flags);
	mtree_destroy(&cookie->iovas);
	local_irq_restore(flags);
}

/*
 * Give back the range starting at @iova, in any context: mtree_erase()
 * would allocate with GFP_KERNEL, so the range is cleared by a store that
 * cannot sleep.  If even that finds no memory, the range stays used.
 */
static void iommu_dma_free_iova(struct iommu_dma_cookie *cookie,
				dma_addr_t iova)
{
	MA_STATE(mas, &cookie->iovas, iova >> cookie->shift,
		 iova >> cookie->shift);
	unsigned long page = mas.index, flags;
	bool bad;
	int ret = 0;

	local_irq_save(flags);
	mtree_lock(&cookie->iovas);
	bad = mas_walk(&mas) != IOMMU_DMA_USED || mas.index != page;
	if (!bad)
		ret = mas_store_gfp(&mas, NULL, GFP_ATOMIC | __GFP_NOWARN);
	mtree_unlock(&cookie->iovas);
	local_irq_restore(flags);
	WARN_ON(bad);
	if (ret)
		pr_warn_ratelimited("IOVA 0x%llx not freed: %d\n", (u64)iova, ret);
}

/* The IOVA pages a mapping of @len bytes takes: a power of two if cached. */
static unsigned long iommu_dma_iova_pages(struct iommu_dma_cookie *cookie,
					  size_t len)
{
	unsigned long pages = len >> cookie->shift;

	if (pages > 1 && pages <= BIT(IOMMU_DMA_CACHE_ORDERS - 1))
		pages = roundup_pow_of_two(pages);
	return pages;
}

/* The cache's size index for ranges of @pages, or -1 if not cached. */
static int iommu_dma_cache_order(unsigned long pages)
{
	if (!pages || pages > BIT(IOMMU_DMA_CACHE_ORDERS - 1) ||
	    !is_power_of_2(pages))
		return -1;
	return ilog2(pages);
}

/* Every range of @mag back to the tree. */
static void iommu_dma_mag_empty(struct iommu_dma_cookie *cookie,
				struct iommu_dma_mag *mag)
{
	while (mag->n)
		iommu_dma_free_iova(cookie,
				    (dma_addr_t)mag->pfn[--mag->n] <<
				    cookie->shift);
}

/*
 * A range of @pages from @mag whose last page is at most @max, taken out
 * of it; 0 if none.  The most recently freed first: the page-table pages
 * under it are the likeliest to be still in place.
 */
static unsigned long iommu_dma_mag_take(struct iommu_dma_mag *mag,
					unsigned long pages, unsigned long max)
{
	unsigned long i = mag->n, pfn;

	while (i--) {
		pfn = mag->pfn[i];
		if (pfn + pages - 1 <= max) {
			mag->pfn[i] = mag->pfn[--mag->n];
			return pfn;
		}
	}
	return 0;
}

/*
 * A cached range of 2^@order pages ending at or below page @max, or 0.
 * Takes this CPU's cache lock, and the depot's when both magazines are
 * empty.
 */
static unsigned long iommu_dma_cache_get(struct iommu_dma_cookie *cookie,
					 int order, unsigned long max)
{
	struct iommu_dma_depot *depot = &cookie->depot[order];
	struct iommu_dma_mag *full = NULL, *old;
	struct iommu_dma_cpu_cache *cc;
	unsigned long flags, pfn;

	local_irq_save(flags);
	cc = this_cpu_ptr(cookie->cpu);
	spin_lock(&cc->lock);
	if (!cc->cur[order]->n)
		swap(cc->cur[order], cc->spare[order]);
	if (!cc->cur[order]->n && READ_ONCE(depot->n)) {
		spin_lock(&depot->lock);
		if (depot->n)
			full = depot->mags[--depot->n];
		spin_unlock(&depot->lock);
		if (full) {
			old = cc->cur[order];
			cc->cur[order] = full;
			kfree(old);
		}
	}
	pfn = iommu_dma_mag_take(cc->cur[order], BIT(order), max);
	spin_unlock(&cc->lock);
	local_irq_restore(flags);
	return pfn;
}

/*
 * Keep the freed range of 2^@order pages at @pfn in this CPU's cache.
 * When both magazines are full, the spare goes to the depot (or, with the
 * depot full or no memory for a new magazine, back to the tree).
 */
static void iommu_dma_cache_put(struct iommu_dma_cookie *cookie, int order,
				unsigned long pfn)
{
	struct iommu_dma_depot *depot = &cookie->depot[order];
	struct iommu_dma_cpu_cache *cc;
	struct iommu_dma_mag *fresh;
	unsigned long flags;
	bool handed;

	local_irq_save(flags);
	cc = this_cpu_ptr(cookie->cpu);
	spin_lock(&cc->lock);
	if (cc->cur[order]->n == IOMMU_DMA_MAG_SIZE) {
		if (cc->spare[order]->n == IOMMU_DMA_MAG_SIZE) {
			fresh = kmalloc(sizeof(*fresh), GFP_ATOMIC | __GFP_NOWARN);
			handed = false;
			if (fresh) {
				spin_lock(&depot->lock);
				handed = depot->n < IOMMU_DMA_DEPOT_SIZE;
				if (handed)
					depot->mags[depot->n++] =
						cc->spare[order];
				spin_unlock(&depot->lock);
			}
			if (handed) {
				fresh->n = 0;
				cc->spare[order] = fresh;
			} else {
				kfree(fresh);
				iommu_dma_mag_empty(cookie, cc->spare[order]);
			}
		}
		swap(cc->cur[order], cc->spare[order]);
	}
	cc->cur[order]->pfn[cc->cur[order]->n++] = pfn;
	spin_unlock(&cc->lock);
	local_irq_restore(flags);
}

/*
 * Give every cached range back to the tree, so that an allocation that
 * found no room there can use them.  Any context.
 */
static void iommu_dma_cache_drain(struct iommu_dma_cookie *cookie)
{
	struct iommu_dma_cpu_cache *cc;
	struct iommu_dma_depot *depot;
	struct iommu_dma_mag *mag;
	unsigned long flags;
	int cpu, order;

	for_each_possible_cpu(cpu) {
		cc = per_cpu_ptr(cookie->cpu, cpu);
		spin_lock_irqsave(&cc->lock, flags);
		for (order = 0; order < IOMMU_DMA_CACHE_ORDERS; order++) {
			iommu_dma_mag_empty(cookie, cc->cur[order]);
			iommu_dma_mag_empty(cookie, cc->spare[order]);
		}
		spin_unlock_irqrestore(&cc->lock, flags);
	}
	for (order = 0; order < IOMMU_DMA_CACHE_ORDERS; order++) {
		depot = &cookie->depot[order];
		for (;;) {
			spin_lock_irqsave(&depot->lock, flags);
			mag = depot->n ? depot->mags[--depot->n] : NULL;
			spin_unlock_irqrestore(&depot->lock, flags);
			if (!mag)
				break;
			iommu_dma_mag_empty(cookie, mag);
			kfree(mag);
		}
	}
}

/* Free the magazines; the ranges in them go with the tree. */
static void iommu_dma_cache_free(struct iommu_dma_cookie *cookie)
{
	struct iommu_dma_cpu_cache *cc;
	int cpu, order;

	for_each_possible_cpu(cpu) {
		cc = per_cpu_ptr(cookie->cpu, cpu);
		for (order = 0; order < IOMMU_DMA_CACHE_ORDERS; order++) {
			kfree(cc->cur[order]);
			kfree(cc->spare[order]);
		}
	}
	for (order = 0; order < IOMMU_DMA_CACHE_ORDERS; order++)
		while (cookie->depot[order].n)
			kfree(cookie->depot[order].mags[--cookie->depot[order].n]);
	free_percpu(cookie->cpu);
}

/* Two empty magazines per size for each CPU. */
static int iommu_dma_cache_init(struct iommu_dma_cookie *cookie)
{
	struct iommu_dma_cpu_cache *cc;
	int cpu, order;

	for (order = 0; order < IOMMU_DMA_CACHE_ORDERS; order++)
		spin_lock_init(&cookie->depot[order].lock);
	cookie->cpu = alloc_percpu(struct iommu_dma_cpu_cache);
	if (!cookie->cpu)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		cc = per_cpu_ptr(cookie->cpu, cpu);
		spin_lock_init(&cc->lock);
		for (order = 0; order < IOMMU_DMA_CACHE_ORDERS; order++) {
			cc->cur[order] = kzalloc(sizeof(*cc->cur[order]),
						 GFP_KERNEL);
			cc->spare[order] = kzalloc(sizeof(*cc->spare[order]),
						   GFP_KERNEL);
			if (!cc->cur[order] || !cc->spare[order]) {
				iommu_dma_cache_free(cookie);
				return -ENOMEM;
			}
		}
	}
	return 0;
}

/* The range of @pages at @iova that an unmap is done with, given back. */
static void iommu_dma_put_iova(struct iommu_dma_cookie *cookie,
			       dma_addr_t iova, unsigned long pages)
{
	int order = iommu_dma_cache_order(pages);

	if (order >= 0)
		iommu_dma_cache_put(cookie, order, iova >> cookie->shift);
	else
		iommu_dma_free_iova(cookie, iova);
}

/* The flush queue's flush: the whole domain, on every unit it is on. */
static void iommu_dma_fq_flush(struct iommu_fq *fq)
{
	struct iommu_dma_cookie *cookie = iommu_fq_data(fq);

	iommu_flush_iotlb_all(cookie->domain);
}

/* A queued range is unreachable: free its table pages, give it back. */
static void iommu_dma_fq_release(struct iommu_fq *fq, unsigned long pfn,
				 unsigned long pages,
				 struct list_head *freelist)
{
	struct iommu_dma_cookie *cookie = iommu_fq_data(fq);
	struct iommu_domain *domain = cookie->domain;
	struct iommu_iotlb_gather gather;

	/* An empty range to sync: the driver only frees the pages. */
	iommu_iotlb_gather_init(&gather);
	list_splice_init(freelist, &gather.freelist);
	if (domain->ops->iotlb_sync)
		domain->ops->iotlb_sync(domain, &gather);
	iommu_dma_put_iova(cookie, (dma_addr_t)pfn << cookie->shift, pages);
}

static const struct iommu_fq_ops iommu_dma_fq_ops = {
	.flush = iommu_dma_fq_flush,
	.release = iommu_dma_fq_release,
};

/**
 * iommu_dma_init_fq - give a DMA domain a flush queue: make it DMA-FQ
 * @domain: a domain iommu_dma_init_domain() set up, of type
 *	%IOMMU_DOMAIN_DMA or %IOMMU_DOMAIN_DMA_FQ; it may be in use
 *
 * Unmaps that start after this returns leave their IOTLB flush to the
 * queue; the domain's type becomes %IOMMU_DOMAIN_DMA_FQ.  There is no way
 * back: a domain that has to be strict again is replaced.
 *
 * Context: Process context; may sleep.  The caller holds the group's
 * mutex, so that two callers cannot race.
 * Return: 0 or -ENOMEM (the domain stays strict).
 */
int iommu_dma_init_fq(struct iommu_domain *domain)
{
	struct iommu_dma_cookie *cookie = domain->iova_cookie;
	struct iommu_fq *fq;

	if (WARN_ON(!cookie))
		return -EINVAL;
	if (!cookie->fq) {
		fq = iommu_fq_alloc(&iommu_dma_fq_ops, cookie,
				    IOMMU_FQ_TIMEOUT_MS);
		if (!fq)
			return -ENOMEM;
		/* The queue is complete before an unmap can find it. */
		smp_store_release(&cookie->fq, fq);
	}
	WRITE_ONCE(domain->type, IOMMU_DOMAIN_DMA_FQ);
	return 0;
}

/**
 * iommu_dma_flush_fq - flush a DMA-FQ domain's queue now
 * @domain: any domain; only a DMA-FQ one has anything to flush
 *
 * When this returns, no device reaches a page unmapped before the call,
 * and those ranges are free again.  The core calls it before a group
 * leaves a DMA-FQ domain.
 *
 * Context: Any context.
 */
void iommu_dma_flush_fq(struct iommu_domain *domain)
{
	struct iommu_dma_cookie *cookie = domain ? domain->iova_cookie : NULL;
	/* Pairs with iommu_dma_init_fq(): the queue is complete. */
	struct iommu_fq *fq = cookie ? smp_load_acquire(&cookie->fq) : NULL;

	if (fq)
		iommu_fq_flush(fq);
}

/**
 * iommu_dma_fq_flushes - how many flushes a DMA-FQ domain's queue finished
 * @domain: a domain
 *
 * For tests: a range unmapped when this read n may be handed out again
 * once it reads more than n, and not before.
 *
 * Context: Any context.
 * Return: the count, or 0 for a domain without a flush queue.
 */
u64 iommu_dma_fq_flushes(struct iommu_domain *domain)
{
	struct iommu_dma_cookie *cookie = domain ? domain->iova_cookie : NULL;
	/* Pairs with iommu_dma_init_fq(): the queue is complete. */
	struct iommu_fq *fq = cookie ? smp_load_acquire(&cookie->fq) : NULL;

	return fq ? iommu_fq_flushes(fq) : 0;
}

/**
 * iommu_dma_init_domain - give a DMA domain its IOVA space
 * @domain: a new domain of type %IOMMU_DOMAIN_DMA or %IOMMU_DOMAIN_DMA_FQ,
 *	attached nowhere
 *
 * IOVA 0 is reserved at once; iommu_dma_reserve() reserves each member's
 * regions as it joins.  A DMA-FQ domain gets its flush queue; if there is
 * no memory for it, the domain becomes a strict DMA domain.
 *
 * Context: Process context; may sleep.
 * Return: 0 or -ENOMEM.
 */
int iommu_dma_init_domain(struct iommu_domain *domain)
{
	struct iommu_dma_cookie *cookie;
	int ret;

	cookie = kzalloc(sizeof(*cookie), GFP_KERNEL);
	if (!cookie)
		return -ENOMEM;
	cookie->shift = __ffs(domain->pgsize_bitmap);
	cookie->granule = 1UL << cookie->shift;
	cookie->domain = domain;
	mt_init_flags(&cookie->iovas, MT_FLAGS_ALLOC_RANGE);
	ret = iommu_dma_cache_init(cookie);
	if (ret) {
		kfree(cookie);
		return ret;
	}
	ret = iommu_dma_tree_reserve(cookie, 0, 0);
	if (ret) {
		iommu_dma_tree_destroy(cookie);
		iommu_dma_cache_free(cookie);
		kfree(cookie);
		return ret;
	}
	domain->iova_cookie = cookie;
	if (domain->type == IOMMU_DOMAIN_DMA_FQ && iommu_dma_init_fq(domain)) {
		pr_warn("no memory for a flush queue; the domain is strict\n");
		domain->type = IOMMU_DOMAIN_DMA;
	}
	return 0;
}

/**
 * iommu_dma_free_domain - drop a DMA domain's IOVA space
 * @domain: a domain iommu_dma_init_domain() set up, or any other; no
 *	device uses its DMA API any more
 *
 * A flush queue is flushed and emptied first, which frees the page-table
 * pages its ranges held.
 *
 * Context: Process context; may sleep.
 */
void iommu_dma_free_domain(struct iommu_domain *domain)
{
	struct iommu_dma_cookie *cookie = domain->iova_cookie;

	if (!cookie)
		return;
	iommu_fq_free(cookie->fq);
	domain->iova_cookie = NULL;
	iommu_dma_tree_destroy(cookie);
	iommu_dma_cache_free(cookie);
	kfree(cookie);
}

/*
 * Reserve the pages of [@first, @last] that nothing occupies yet, one run
 * between two occupied ranges at a time: a region of millions of pages
 * (AMD's HyperTransport window) costs a few tree walks, not a walk a page.
 */
static int iommu_dma_reserve_range(struct iommu_dma_cookie *cookie,
				   unsigned long first, unsigned long last)
{
	unsigned long pos = first, end, next;
	bool done = false;
	void *entry;
	int ret = 0;

	while (!done && !ret) {
		MA_STATE(mas, &cookie->iovas, pos, pos);

		rcu_read_lock();
		entry = mas_find(&mas, last);
		rcu_read_unlock();
		if (!entry) {
			end = last;
			done = true;
		} else if (mas.index <= pos) {
			/* Occupied at @pos: go on after that range. */
			done = mas.last >= last;
			pos = mas.last + 1;
			continue;
		} else {
			end = mas.index - 1;
			done = mas.last >= last;
			next = mas.last + 1;
		}
		ret = iommu_dma_tree_reserve(cookie, pos, end);
		if (!done)
			pos = next;
	}
	return ret;
}

/**
 * iommu_dma_reserve - keep a device's reserved regions out of the IOVAs
 * @domain: a DMA domain, or any other (nothing to do)
 * @dev: a device joining its group
 *
 * Regions overlapping ones already reserved are reserved in the parts
 * still free.
 *
 * Context: Process context; may sleep.
 * Return: 0 or -ENOMEM.
 */
int iommu_dma_reserve(struct iommu_domain *domain, struct device *dev)
{
	struct iommu_dma_cookie *cookie = domain ? domain->iova_cookie : NULL;
	struct iommu_resv_region *r;
	LIST_HEAD(regions);
	int ret = 0;

	if (!cookie)
		return 0;
	iommu_get_resv_regions(dev, &regions);
	list_for_each_entry(r, &regions, list) {
		ret = iommu_dma_reserve_range(cookie,
					      r->start >> cookie->shift,
					      (r->start + r->length - 1) >>
					      cookie->shift);
		if (ret)
			break;
	}
	iommu_put_resv_regions(dev, &regions);
	return ret;
}

/* The domain @dev's DMA API calls use, and its cookie. */
static struct iommu_domain *iommu_dma_domain(struct device *dev,
					     struct iommu_dma_cookie **cookie)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);

	*cookie = domain ? domain->iova_cookie : NULL;
	return *cookie ? domain : NULL;
}

/*
 * @pages of IOVA from the tree, top-down below @limit and for a PCI device
 * below 4 GiB first; the first page in *@start.  Interrupts off around it.
 */
static int iommu_dma_tree_alloc(struct device *dev,
				struct iommu_dma_cookie *cookie,
				unsigned long pages, u64 limit, gfp_t gfp,
				unsigned long *start)
{
	unsigned long max = limit >> cookie->shift, flags;
	int ret = -ENOMEM;

	local_irq_save(flags);
	/* Below 4 GiB first, as PCI devices with 64-bit masks prefer. */
	if (dev_is_pci(dev) && limit > DMA_BIT_MASK(32))
		ret = mtree_alloc_rrange(&cookie->iovas, start, IOMMU_DMA_USED,
					 pages, 1, DMA_BIT_MASK(32) >> cookie->shift,
					 gfp);
	if (ret)
		ret = mtree_alloc_rrange(&cookie->iovas, start, IOMMU_DMA_USED,
					 pages, 1, max, gfp);
	local_irq_restore(flags);
	return ret;
}

/* Allocate @size bytes (whole granules) of IOVA below @dev's limit. */
static dma_addr_t iommu_dma_alloc_iova(struct device *dev,
				       struct iommu_domain *domain,
				       struct iommu_dma_cookie *cookie,
				       size_t size, gfp_t gfp)
{
	u64 mask = dev->dma_mask ? *dev->dma_mask : DMA_BIT_MASK(32);
	u64 limit = min_not_zero(mask, dev->bus_dma_limit);
	unsigned long pages = iommu_dma_iova_pages(cookie, size), start;
	int order = iommu_dma_cache_order(pages);
	unsigned long max;

	limit = min_t(u64, limit, domain->geometry.aperture_end);
	max = limit >> cookie->shift;
	if (!pages || pages > max)
		return DMA_MAPPING_ERROR;
	start = order >= 0 ? iommu_dma_cache_get(cookie, order, max) : 0;
	if (start)
		return (dma_addr_t)start << cookie->shift;
	gfp = iommu_dma_tree_gfp(gfp);
	if (!iommu_dma_tree_alloc(dev, cookie, pages, limit, gfp, &start))
		return (dma_addr_t)start << cookie->shift;
	/* Ranges waiting in a flush queue or a cache are not lost: retry. */
	iommu_dma_flush_fq(domain);
	iommu_dma_cache_drain(cookie);
	if (!iommu_dma_tree_alloc(dev, cookie, pages, limit, gfp, &start))
		return (dma_addr_t)start << cookie->shift;
	return DMA_MAPPING_ERROR;
}

static int iommu_dma_prot(struct device *dev, enum dma_data_direction dir,
			  unsigned long attrs)
{
	int prot = dev_is_dma_coherent(dev) ? IOMMU_CACHE : 0;

	switch (dir) {
	case DMA_BIDIRECTIONAL:
		return prot | IOMMU_READ | IOMMU_WRITE;
	case DMA_TO_DEVICE:
		return prot | IOMMU_READ;
	case DMA_FROM_DEVICE:
		return prot | IOMMU_WRITE;
	default:
		return 0;
	}
}

/* Map [@phys, @phys + @size) anywhere; the offset in its granule is kept. */
static dma_addr_t iommu_dma_map(struct device *dev, phys_addr_t phys,
				size_t size, int prot, gfp_t gfp)
{
	struct iommu_dma_cookie *cookie;
	struct iommu_domain *domain = iommu_dma_domain(dev, &cookie);
	size_t offset, len;
	dma_addr_t iova;

	if (!domain || !prot || !size)
		return DMA_MAPPING_ERROR;
	offset = phys & (cookie->granule - 1);
	len = ALIGN(offset + size, cookie->granule);
	iova = iommu_dma_alloc_iova(dev, domain, cookie, len, gfp);
	if (iova == DMA_MAPPING_ERROR)
		return iova;
	if (iommu_map(domain, iova, phys - offset, len, prot, gfp)) {
		iommu_dma_free_iova(cookie, iova);
		return DMA_MAPPING_ERROR;
	}
	return iova + offset;
}

static void iommu_dma_unmap(struct device *dev, dma_addr_t addr, size_t size)
{
	struct iommu_dma_cookie *cookie;
	struct iommu_domain *domain = iommu_dma_domain(dev, &cookie);
	struct iommu_iotlb_gather gather;
	size_t offset, len;
	struct iommu_fq *fq;
	dma_addr_t iova;

	if (WARN_ON(!domain))
		return;
	offset = addr & (cookie->granule - 1);
	iova = addr - offset;
	len = ALIGN(offset + size, cookie->granule);
	/* Pairs with iommu_dma_init_fq(): the queue is complete. */
	fq = smp_load_acquire(&cookie->fq);
	if (!fq) {
		/* iommu_unmap() flushes: the IOVAs are unreachable now. */
		WARN_ON(iommu_unmap(domain, iova, len) != len);
		iommu_dma_put_iova(cookie, iova,
				   iommu_dma_iova_pages(cookie, len));
		return;
	}
	/* The flush, and with it the IOVAs and table pages, wait in @fq. */
	iommu_iotlb_gather_init(&gather);
	WARN_ON(iommu_unmap_fast(domain, iova, len, &gather) != len);
	iommu_fq_add(fq, iova >> cookie->shift,
		     iommu_dma_iova_pages(cookie, len), &gather.freelist);
}

/**
 * iommu_dma_map_page - dma_map_page_attrs() on an IOMMU domain
 * @dev: the device
 * @page: first page of the buffer
 * @offset: offset of the buffer in @page
 * @size: bytes
 * @dir: the direction of the transfer
 * @attrs: DMA_ATTR_*
 *
 * Context: Any context.
 * Return: the buffer's bus address, or %DMA_MAPPING_ERROR.
 */
dma_addr_t iommu_dma_map_page(struct device *dev, struct page *page,
			      unsigned long offset, size_t size,
			      enum dma_data_direction dir, unsigned long attrs)
{
	return iommu_dma_map(dev, page_to_phys(page) + offset, size,
			     iommu_dma_prot(dev, dir, attrs), GFP_ATOMIC);
}

/**
 * iommu_dma_unmap_page - dma_unmap_page_attrs() on an IOMMU domain
 * @dev: the device
 * @dma_handle: what iommu_dma_map_page() returned
 * @size: the size mapped
 * @dir: the direction mapped
 * @attrs: DMA_ATTR_*
 *
 * Context: Any context.  When it returns the device cannot reach the buffer.
 */
void iommu_dma_unmap_page(struct device *dev, dma_addr_t dma_handle,
			  size_t size, enum dma_data_direction dir,
			  unsigned long attrs)
{
	iommu_dma_unmap(dev, dma_handle, size);
}

/**
 * iommu_dma_map_resource - dma_map_resource() on an IOMMU domain
 * @dev: the device
 * @phys: physical address of another device's registers
 * @size: bytes
 * @dir: the direction of the transfers
 * @attrs: DMA_ATTR_*
 *
 * Context: Any context.
 * Return: the bus address, or %DMA_MAPPING_ERROR.
 */
dma_addr_t iommu_dma_map_resource(struct device *dev, phys_addr_t phys,
				  size_t size, enum dma_data_direction dir,
				  unsigned long attrs)
{
	int prot = iommu_dma_prot(dev, dir, attrs) & ~IOMMU_CACHE;

	return iommu_dma_map(dev, phys, size, prot ? prot | IOMMU_MMIO : 0,
			     GFP_ATOMIC);
}

/**
 * iommu_dma_unmap_resource - dma_unmap_resource() on an IOMMU domain
 * @dev: the device
 * @handle: what iommu_dma_map_resource() returned
 * @size: the size mapped
 * @dir: the direction mapped
 * @attrs: DMA_ATTR_*
 *
 * Context: Any context.
 */
void iommu_dma_unmap_resource(struct device *dev, dma_addr_t handle,
			      size_t size, enum dma_data_direction dir,
			      unsigned long attrs)
{
	iommu_dma_unmap(dev, handle, size);
}

/* The IOVA bytes segment @s takes: its page offset and length, rounded. */
static size_t iommu_dma_sg_len(struct scatterlist *s, unsigned long granule)
{
	return ALIGN((s->offset & (granule - 1)) + s->length, granule);
}

/**
 * iommu_dma_map_sg - dma_map_sg_attrs() on an IOMMU domain
 * @dev: the device
 * @sg: the list
 * @nents: its entries
 * @dir: the direction of the transfer
 * @attrs: DMA_ATTR_*
 *
 * The list gets one range of IOVAs, each entry at the next granule; entries
 * that meet at a granule boundary are merged into one DMA segment as far
 * as the device's maximum segment size and boundary allow.
 *
 * Context: Any context.
 * Return: the number of DMA segments, or -EINVAL for a bad direction or
 * an empty list, -ENOMEM when no IOVAs or page tables are left.
 */
int iommu_dma_map_sg(struct device *dev, struct scatterlist *sg, int nents,
		     enum dma_data_direction dir, unsigned long attrs)
{
	int prot = iommu_dma_prot(dev, dir, attrs);
	struct iommu_dma_cookie *cookie;
	struct iommu_domain *domain = iommu_dma_domain(dev, &cookie);
	unsigned long boundary = dma_get_seg_boundary(dev);
	unsigned int max_seg = dma_get_max_seg_size(dev);
	struct scatterlist *s, *out = NULL;
	size_t total = 0, pos = 0;
	dma_addr_t iova;
	int i, count = 0;

	if (!domain || !prot || nents <= 0)
		return -EINVAL;
	for_each_sg(sg, s, nents, i)
		total += iommu_dma_sg_len(s, cookie->granule);
	iova = iommu_dma_alloc_iova(dev, domain, cookie, total, GFP_ATOMIC);
	if (iova == DMA_MAPPING_ERROR)
		return -ENOMEM;

	for_each_sg(sg, s, nents, i) {
		size_t offset = s->offset & (cookie->granule - 1);
		size_t len = iommu_dma_sg_len(s, cookie->granule);
		phys_addr_t phys = sg_phys(s) - offset;
		dma_addr_t addr = iova + pos + offset;

		if (iommu_map(domain, iova + pos, phys, len, prot, GFP_ATOMIC))
			goto err_unmap;
		pos += len;
		/* Join the previous segment if it ends where this begins. */
		if (out && !offset &&
		    sg_dma_address(out) + sg_dma_len(out) == addr &&
		    sg_dma_len(out) + s->length <= max_seg &&
		    (sg_dma_address(out) & ~boundary) ==
		    ((addr + s->length - 1) & ~boundary)) {
			sg_dma_len(out) += s->length;
			continue;
		}
		out = out ? sg_next(out) : sg;
		sg_dma_address(out) = addr;
		sg_dma_len(out) = s->length;
		count++;
	}
	/* Entries past the DMA segments carry no address. */
	for (i = count, s = sg_next(out); i < nents; i++, s = sg_next(s)) {
		sg_dma_address(s) = DMA_MAPPING_ERROR;
		sg_dma_len(s) = 0;
	}
	return count;

err_unmap:
	if (pos)
		iommu_unmap(domain, iova, pos);
	iommu_dma_free_iova(cookie, iova);
	return -ENOMEM;
}

/**
 * iommu_dma_unmap_sg - dma_unmap_sg_attrs() on an IOMMU domain
 * @dev: the device
 * @sg: a list iommu_dma_map_sg() mapped
 * @nents: the entries passed to it
 * @dir: the direction mapped
 * @attrs: DMA_ATTR_*
 *
 * Context: Any context.  When it returns the device cannot reach the list.
 */
void iommu_dma_unmap_sg(struct device *dev, struct scatterlist *sg, int nents,
			enum dma_data_direction dir, unsigned long attrs)
{
	struct iommu_dma_cookie *cookie;
	struct iommu_domain *domain = iommu_dma_domain(dev, &cookie);
	struct scatterlist *s;
	size_t total = 0;
	int i;

	if (WARN_ON(!domain) || nents <= 0)
		return;
	for_each_sg(sg, s, nents, i)
		total += iommu_dma_sg_len(s, cookie->granule);
	iommu_dma_unmap(dev, sg_dma_address(sg) &
			~(dma_addr_t)(cookie->granule - 1), total);
}

/**
 * iommu_dma_alloc - dma_alloc_attrs() on an IOMMU domain
 * @dev: the device
 * @size: bytes
 * @handle: set to the bus address
 * @gfp: how to allocate; zone modifiers are ignored (the IOVA, not the
 *	page, must suit the device)
 * @attrs: DMA_ATTR_*
 *
 * Physically contiguous pages, mapped read-write at one IOVA range.
 *
 * Context: As @gfp allows.
 * Return: the kernel address of the zeroed buffer, or NULL.
 */
void *iommu_dma_alloc(struct device *dev, size_t size, dma_addr_t *handle,
		      gfp_t gfp, unsigned long attrs)
{
	unsigned int order = get_order(size);
	struct page *page;

	gfp &= ~(__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM);
	page = alloc_pages(gfp | __GFP_ZERO | __GFP_NOWARN, order);
	if (!page)
		return NULL;
	*handle = iommu_dma_map(dev, page_to_phys(page), PAGE_SIZE << order,
				iommu_dma_prot(dev, DMA_BIDIRECTIONAL, attrs),
				gfp);
	if (*handle == DMA_MAPPING_ERROR) {
		__free_pages(page, order);
		return NULL;
	}
	return page_address(page);
}

/**
 * iommu_dma_free - dma_free_attrs() on an IOMMU domain
 * @dev: the device
 * @size: the size allocated
 * @cpu_addr: what iommu_dma_alloc() returned
 * @handle: its bus address
 * @attrs: DMA_ATTR_*
 *
 * Context: Process context or as the allocation allowed.
 */
void iommu_dma_free(struct device *dev, size_t size, void *cpu_addr,
		    dma_addr_t handle, unsigned long attrs)
{
	unsigned int order = get_order(size);

	iommu_dma_unmap(dev, handle, PAGE_SIZE << order);
	__free_pages(virt_to_page(cpu_addr), order);
}

/**
 * iommu_dma_mmap - dma_mmap_attrs() of an iommu_dma_alloc() buffer
 * @dev: the device
 * @vma: the user mapping
 * @cpu_addr: the buffer's kernel address
 * @dma_addr: its bus address
 * @size: its size
 * @attrs: DMA_ATTR_*
 *
 * Context: Process context.
 * Return: 0, or -ENXIO if @vma asks for more than the buffer.
 */
int iommu_dma_mmap(struct device *dev, struct vm_area_struct *vma,
		   void *cpu_addr, dma_addr_t dma_addr, size_t size,
		   unsigned long attrs)
{
	unsigned long pages = PAGE_ALIGN(size) >> PAGE_SHIFT;

	if (vma->vm_pgoff >= pages ||
	    vma_pages(vma) > pages - vma->vm_pgoff)
		return -ENXIO;
	vma->vm_page_prot = dma_pgprot(dev, vma->vm_page_prot, attrs);
	return remap_pfn_range(vma, vma->vm_start,
			       PHYS_PFN(virt_to_phys(cpu_addr)) + vma->vm_pgoff,
			       vma->vm_end - vma->vm_start, vma->vm_page_prot);
}

/**
 * iommu_dma_get_sgtable - dma_get_sgtable_attrs() of an iommu_dma_alloc()
 *	buffer
 * @dev: the device
 * @sgt: a table to fill with one entry
 * @cpu_addr: the buffer's kernel address
 * @dma_addr: its bus address
 * @size: its size
 * @attrs: DMA_ATTR_*
 *
 * Context: Process context.
 * Return: 0 or -ENOMEM.
 */
int iommu_dma_get_sgtable(struct device *dev, struct sg_table *sgt,
			  void *cpu_addr, dma_addr_t dma_addr, size_t size,
			  unsigned long attrs)
{
	int ret = sg_alloc_table(sgt, 1, GFP_KERNEL);

	if (!ret)
		sg_set_page(sgt->sgl, virt_to_page(cpu_addr), PAGE_ALIGN(size),
			    0);
	return ret;
}

/**
 * iommu_dma_get_merge_boundary - dma_get_merge_boundary() on an IOMMU domain
 * @dev: the device
 *
 * Context: Any context.
 * Return: the mask below which iommu_dma_map_sg() merges entries: one
 * IOVA granule less one.
 */
unsigned long iommu_dma_get_merge_boundary(struct device *dev)
{
	struct iommu_dma_cookie *cookie;

	return iommu_dma_domain(dev, &cookie) ? cookie->granule - 1 : 0;
}

/**
 * iommu_dma_opt_mapping_size - dma_opt_mapping_size() on IOMMU domains
 *
 * Context: Any context.
 * Return: 128 KiB with 4 KiB pages, the value upstream Linux gives, so
 * that drivers size their I/O alike on both.
 */
size_t iommu_dma_opt_mapping_size(void)
{
	return IOMMU_DMA_OPT_SIZE;
}

/**
 * iommu_dma_max_mapping_size - dma_max_mapping_size() on IOMMU domains
 * @dev: the device
 *
 * Context: Any context.
 * Return: SIZE_MAX: nothing is bounced, a mapping is limited by IOVAs only.
 */
size_t iommu_dma_max_mapping_size(struct device *dev)
{
	return SIZE_MAX;
}

/**
 * iommu_dma_alloc_noncontiguous - not offered
 * @dev: the device
 * @size: bytes
 * @dir: direction
 * @gfp: allocation flags
 * @attrs: DMA_ATTR_*
 *
 * Return: NULL; dma_alloc_noncontiguous() callers fall back to contiguous
 * allocations.
 */
struct sg_table *iommu_dma_alloc_noncontiguous(struct device *dev, size_t size,
					       enum dma_data_direction dir,
					       gfp_t gfp, unsigned long attrs)
{
	return NULL;
}

/**
 * iommu_dma_free_noncontiguous - never called: nothing is allocated
 * @dev: the device
 * @size: bytes
 * @sgt: the table
 * @dir: direction
 */
void iommu_dma_free_noncontiguous(struct device *dev, size_t size,
				  struct sg_table *sgt,
				  enum dma_data_direction dir)
{
	WARN_ON_ONCE(1);
}

/**
 * iommu_dma_vmap_noncontiguous - never called: nothing is allocated
 * @dev: the device
 * @size: bytes
 * @sgt: the table
 *
 * Return: NULL.
 */
void *iommu_dma_vmap_noncontiguous(struct device *dev, size_t size,
				   struct sg_table *sgt)
{
	return NULL;
}

/**
 * iommu_dma_mmap_noncontiguous - never called: nothing is allocated
 * @dev: the device
 * @vma: the user mapping
 * @size: bytes
 * @sgt: the table
 *
 * Return: -EINVAL.
 */
int iommu_dma_mmap_noncontiguous(struct device *dev, struct vm_area_struct *vma,
				 size_t size, struct sg_table *sgt)
{
	return -EINVAL;
}

/**
 * iommu_dma_sync_single_for_cpu - nothing to do: coherent, not bounced
 * @dev: the device
 * @dma_handle: the mapping
 * @size: bytes
 * @dir: direction
 */
void iommu_dma_sync_single_for_cpu(struct device *dev, dma_addr_t dma_handle,
				   size_t size, enum dma_data_direction dir)
{
}

/**
 * iommu_dma_sync_single_for_device - nothing to do: coherent, not bounced
 * @dev: the device
 * @dma_handle: the mapping
 * @size: bytes
 * @dir: direction
 */
void iommu_dma_sync_single_for_device(struct device *dev,
				      dma_addr_t dma_handle, size_t size,
				      enum dma_data_direction dir)
{
}

/**
 * iommu_dma_sync_sg_for_cpu - nothing to do: coherent, not bounced
 * @dev: the device
 * @sgl: the list
 * @nelems: its entries
 * @dir: direction
 */
void iommu_dma_sync_sg_for_cpu(struct device *dev, struct scatterlist *sgl,
			       int nelems, enum dma_data_direction dir)
{
}

/**
 * iommu_dma_sync_sg_for_device - nothing to do: coherent, not bounced
 * @dev: the device
 * @sgl: the list
 * @nelems: its entries
 * @dir: direction
 */
void iommu_dma_sync_sg_for_device(struct device *dev, struct scatterlist *sgl,
				  int nelems, enum dma_data_direction dir)
{
}
