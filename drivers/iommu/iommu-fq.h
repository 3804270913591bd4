/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The flush queue of DMA-FQ domains (iommu-fq.c): unmapped IOVA ranges
 * wait here until an IOTLB flush that started after their unmap has
 * finished, and only then go back to their allocator.
 */
#ifndef __IOMMU_FQ_H
#define __IOMMU_FQ_H

#include <linux/list.h>
#include <linux/types.h>

/* Entries a CPU's queue holds; a full queue is flushed at once. */
#define IOMMU_FQ_SIZE		256
/* The longest an unmapped range stays reachable, in milliseconds. */
#define IOMMU_FQ_TIMEOUT_MS	10

struct iommu_fq;

/**
 * struct iommu_fq_ops - what a flush queue asks of its user
 * @flush: invalidate every translation of the address space the queue
 *	serves; when it returns the device reaches no page unmapped before
 *	it was called.  Any context, interrupts off included.
 * @release: the range of @pages IOVA pages from @pfn is unreachable: give
 *	it back, and free the page-table pages on @freelist (linked by their
 *	lru, as the unmaps gathered them).  Any context; called with a queue
 *	lock held, so it must not call back into the queue.
 */
struct iommu_fq_ops {
	void (*flush)(struct iommu_fq *fq);
	void (*release)(struct iommu_fq *fq, unsigned long pfn,
			unsigned long pages, struct list_head *freelist);
};

struct iommu_fq *iommu_fq_alloc(const struct iommu_fq_ops *ops, void *data,
				unsigned int timeout_ms);
void iommu_fq_free(struct iommu_fq *fq);
void *iommu_fq_data(struct iommu_fq *fq);
void iommu_fq_add(struct iommu_fq *fq, unsigned long pfn, unsigned long pages,
		  struct list_head *freelist);
void iommu_fq_flush(struct iommu_fq *fq);
u64 iommu_fq_flushes(struct iommu_fq *fq);

#endif /* __IOMMU_FQ_H */
