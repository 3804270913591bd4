// SPDX-License-Identifier: GPL-2.0-only
/*
 * Flush queues: lazy IOTLB invalidation for DMA-FQ domains.
 *
 * A strict unmap flushes the IOTLB before it returns, which costs an
 * invalidation of the IOMMU per unmap.  A DMA-FQ domain's unmap clears the
 * page-table entries and queues the range here instead; the device may
 * still reach the old pages through what its IOTLB holds until the next
 * flush, which is the isolation the administrator gave up for speed.  What
 * may not happen is the range being handed out again while a stale
 * translation can still point at the old pages, so a queued range goes
 * back to its allocator only after a flush that covers it.
 *
 * Flushes are counted: @started when one begins, @finished (the highest
 * number of one that has ended) when it ends.  An entry remembers how many
 * had started when it was queued, after its entries were cleared; a flush
 * numbered higher began after that, so once @finished is higher the entry
 * is unreachable.  Flushes invalidate the whole domain, so one covers
 * every range queued before it began, on every CPU.
 *
 * Each CPU queues into its own ring, so unmaps on different CPUs do not
 * contend.  Bounds: a ring holds IOMMU_FQ_SIZE entries, and a full ring is
 * flushed by the unmap that finds it full; a timer, armed by the first
 * entry queued while it is idle, flushes every ring @timeout after it.
 *
 * Locks: each ring's spinlock, taken with interrupts off (unmaps run in
 * hard interrupts), protects its entries; the flush counters and the
 * timer's flag are atomics.  The user's ops are called with a ring lock
 * held (release) or with none or one (flush); they take only their own
 * locks.
 */

#include <linux/atomic.h>
#include <linux/export.h>
#include <linux/jiffies.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timer.h>

#include "iommu-fq.h"

/* One range waiting for its flush. */
struct iommu_fq_entry {
	unsigned long pfn;
	unsigned long pages;
	u64 gen;
	struct list_head freelist;
};

/*
 * A CPU's ring.  @head and @tail count entries taken and put; @lock
 * protects all fields.
 */
struct iommu_fq_ring {
	spinlock_t lock;	/* protects head, tail and ent */
	unsigned int head;
	unsigned int tail;
	struct iommu_fq_entry ent[IOMMU_FQ_SIZE];
};

/**
 * struct iommu_fq - a flush queue
 * @ops: the user's flush and release
 * @data: the user's, for @ops
 * @timeout: the timer's delay, in jiffies
 * @started: flushes begun
 * @finished: the number of the highest flush that has ended
 * @armed: the timer is pending or about to be
 * @timer: flushes every ring @timeout after the first entry queued while
 *	it was idle
 * @rings: one ring per possible CPU
 */
struct iommu_fq {
	const struct iommu_fq_ops *ops;
	void *data;
	unsigned long timeout;
	atomic64_t started;
	atomic64_t finished;
	atomic_t armed;
	struct timer_list timer;
	struct iommu_fq_ring __percpu *rings;
};

/* Flush the whole domain and count it. */
static void iommu_fq_flush_iotlb(struct iommu_fq *fq)
{
	s64 n = atomic64_inc_return(&fq->started);
	s64 done = atomic64_read(&fq->finished);

	fq->ops->flush(fq);
	/* Another flush may have ended meanwhile with a higher number. */
	while (done < n && !atomic64_try_cmpxchg(&fq->finished, &done, n))
		;
}

/* Give back the entries at the head of @r that a finished flush covers. */
static void iommu_fq_ring_release(struct iommu_fq *fq, struct iommu_fq_ring *r)
{
	u64 done = atomic64_read(&fq->finished);
	struct iommu_fq_entry *e;

	lockdep_assert_held(&r->lock);
	while (r->head != r->tail) {
		e = &r->ent[r->head % IOMMU_FQ_SIZE];
		if (e->gen >= done)
			break;
		fq->ops->release(fq, e->pfn, e->pages, &e->freelist);
		r->head++;
	}
}

/**
 * iommu_fq_flush - flush now and give back everything queued before
 * @fq: the queue
 *
 * Context: Any context; takes every ring's lock in turn, none held by the
 * caller.
 */
void iommu_fq_flush(struct iommu_fq *fq)
{
	struct iommu_fq_ring *r;
	unsigned long flags;
	int cpu;

	iommu_fq_flush_iotlb(fq);
	for_each_possible_cpu(cpu) {
		r = per_cpu_ptr(fq->rings, cpu);
		spin_lock_irqsave(&r->lock, flags);
		iommu_fq_ring_release(fq, r);
		spin_unlock_irqrestore(&r->lock, flags);
	}
}

static void iommu_fq_timeout(struct timer_list *t)
{
	struct iommu_fq *fq = from_timer(fq, t, timer);

	atomic_set(&fq->armed, 0);
	/*
	 * An entry queued from now on arms the timer again; one queued before
	 * read the flush count before this flush raises it.
	 */
	smp_mb__after_atomic();
	iommu_fq_flush(fq);
}

/**
 * iommu_fq_add - queue an unmapped range until a flush covers it
 * @fq: the queue
 * @pfn: first IOVA page of the range
 * @pages: its length in IOVA pages
 * @freelist: page-table pages the unmap unlinked, which the IOMMU may still
 *	walk until the flush; moved to the queue, empty afterwards
 *
 * The caller has cleared the range's page-table entries.  The range goes
 * to the release op after a flush, within the queue's timeout; if this
 * CPU's ring is full, the flush happens here.
 *
 * Context: Any context; takes this CPU's ring lock.
 */
void iommu_fq_add(struct iommu_fq *fq, unsigned long pfn, unsigned long pages,
		  struct list_head *freelist)
{
	struct iommu_fq_entry *e;
	struct iommu_fq_ring *r;
	unsigned long flags;

	/* The cleared entries are visible before the flush count is read. */
	smp_mb();
	local_irq_save(flags);
	r = this_cpu_ptr(fq->rings);
	spin_lock(&r->lock);
	iommu_fq_ring_release(fq, r);
	if (r->tail - r->head == IOMMU_FQ_SIZE) {
		iommu_fq_flush_iotlb(fq);
		iommu_fq_ring_release(fq, r);
	}
	e = &r->ent[r->tail % IOMMU_FQ_SIZE];
	e->pfn = pfn;
	e->pages = pages;
	e->gen = atomic64_read(&fq->started);
	INIT_LIST_HEAD(&e->freelist);
	list_splice_init(freelist, &e->freelist);
	r->tail++;
	spin_unlock(&r->lock);
	local_irq_restore(flags);

	if (!atomic_xchg(&fq->armed, 1))
		mod_timer(&fq->timer, jiffies + fq->timeout);
}

/**
 * iommu_fq_flushes - how many flushes of a queue have ended
 * @fq: the queue
 *
 * For tests: a range queued when this read n is unreachable once it
 * reads more than n.
 *
 * Context: Any context.
 * Return: the number of the highest flush that has ended.
 */
u64 iommu_fq_flushes(struct iommu_fq *fq)
{
	return atomic64_read(&fq->finished);
}

/**
 * iommu_fq_data - the data iommu_fq_alloc() was given
 * @fq: the queue
 *
 * Context: Any context.
 * Return: the user's pointer.
 */
void *iommu_fq_data(struct iommu_fq *fq)
{
	return fq->data;
}

/**
 * iommu_fq_alloc - a flush queue for one address space
 * @ops: its flush and release
 * @data: for @ops, through iommu_fq_data()
 * @timeout_ms: the longest a queued range waits for its flush
 *
 * Context: Process context; may sleep.
 * Return: the queue, or NULL without memory.
 */
struct iommu_fq *iommu_fq_alloc(const struct iommu_fq_ops *ops, void *data,
				unsigned int timeout_ms)
{
	struct iommu_fq *fq;
	int cpu;

	fq = kzalloc(sizeof(*fq), GFP_KERNEL);
	if (!fq)
		return NULL;
	fq->rings = alloc_percpu(struct iommu_fq_ring);
	if (!fq->rings) {
		kfree(fq);
		return NULL;
	}
	for_each_possible_cpu(cpu)
		spin_lock_init(&per_cpu_ptr(fq->rings, cpu)->lock);
	fq->ops = ops;
	fq->data = data;
	fq->timeout = max(msecs_to_jiffies(timeout_ms), 1UL);
	timer_setup(&fq->timer, iommu_fq_timeout, 0);
	return fq;
}

/**
 * iommu_fq_free - flush, give everything back and free a queue
 * @fq: the queue, or NULL; nobody adds to it any more
 *
 * Context: Process context; waits for the timer.
 */
void iommu_fq_free(struct iommu_fq *fq)
{
	if (!fq)
		return;
	timer_shutdown_sync(&fq->timer);
	iommu_fq_flush(fq);
	free_percpu(fq->rings);
	kfree(fq);
}
