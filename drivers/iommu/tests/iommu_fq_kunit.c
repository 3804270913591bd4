// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the flush queue (iommu-fq.c) with the IOMMU played by the
 * test: its flush counts flushes begun and ended, its release checks that
 * a flush which began after the range was queued has ended, and records
 * each range so that a range given back twice, or never, shows.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "../iommu-fq.h"

#define FQT_RANGES	4096

/*
 * The test's IOMMU.  @begun and @ended count flushes; @queued_at[pfn] is
 * @begun when the test queued range pfn; @released[pfn] counts its
 * releases; @early counts releases no flush covered.
 */
struct fqt {
	struct kunit *test;
	struct iommu_fq *fq;
	atomic_t begun;
	atomic_t ended;
	atomic_t queued_at[FQT_RANGES];
	atomic_t released[FQT_RANGES];
	atomic_t nr_released;
	atomic_t early;
	atomic_t pages_freed;
	unsigned long last_release;	/* jiffies */
};

static void fqt_flush(struct iommu_fq *fq)
{
	struct fqt *t = iommu_fq_data(fq);

	atomic_inc(&t->begun);
	atomic_inc(&t->ended);
}

static void fqt_release(struct iommu_fq *fq, unsigned long pfn,
			unsigned long pages, struct list_head *freelist)
{
	struct fqt *t = iommu_fq_data(fq);
	struct page *page, *tmp;

	if (pfn >= FQT_RANGES || pages != 1) {
		atomic_inc(&t->early);
		return;
	}
	/* A flush numbered above the count at queue time must have ended. */
	if (atomic_read(&t->ended) <= atomic_read(&t->queued_at[pfn]))
		atomic_inc(&t->early);
	atomic_inc(&t->released[pfn]);
	atomic_inc(&t->nr_released);
	list_for_each_entry_safe(page, tmp, freelist, lru) {
		list_del(&page->lru);
		__free_page(page);
		atomic_inc(&t->pages_freed);
	}
	WRITE_ONCE(t->last_release, jiffies);
}

static const struct iommu_fq_ops fqt_ops = {
	.flush = fqt_flush,
	.release = fqt_release,
};

static void fqt_free_action(void *data)
{
	struct fqt *t = data;

	iommu_fq_free(t->fq);
	t->fq = NULL;
}

/* A queue on the test's IOMMU; @managed: freed when the test ends. */
static struct fqt *fqt_make(struct kunit *test, const struct iommu_fq_ops *ops,
			    unsigned int timeout_ms, bool managed)
{
	struct fqt *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->test = test;
	t->fq = iommu_fq_alloc(ops, t, timeout_ms);
	KUNIT_ASSERT_NOT_NULL(test, t->fq);
	if (managed)
		KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
								fqt_free_action,
								t), 0);
	return t;
}

static struct fqt *fqt_new(struct kunit *test, unsigned int timeout_ms)
{
	return fqt_make(test, &fqt_ops, timeout_ms, true);
}

/* Queue range @pfn (one page), with @pages table pages to free after. */
static void fqt_add(struct fqt *t, unsigned long pfn, unsigned int pages)
{
	LIST_HEAD(freelist);
	struct page *page;

	while (pages--) {
		page = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(t->test, page);
		list_add(&page->lru, &freelist);
	}
	atomic_set(&t->queued_at[pfn], atomic_read(&t->begun));
	iommu_fq_add(t->fq, pfn, 1, &freelist);
	KUNIT_EXPECT_TRUE(t->test, list_empty(&freelist));
}

/* Nothing queued comes back before a flush; after one, everything does. */
static void iommu_fq_no_release_before_flush(struct kunit *test)
{
	struct fqt *t = fqt_new(test, 60 * MSEC_PER_SEC);
	unsigned long pfn;

	for (pfn = 0; pfn < 100; pfn++)
		fqt_add(t, pfn, pfn % 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->nr_released), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->begun), 0);

	iommu_fq_flush(t->fq);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->begun), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->nr_released), 100);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->pages_freed), 99);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->early), 0);
	for (pfn = 0; pfn < 100; pfn++)
		KUNIT_EXPECT_EQ(test, atomic_read(&t->released[pfn]), 1);
	KUNIT_EXPECT_EQ(test, iommu_fq_flushes(t->fq), 1ULL);
}

/*
 * A range queued after a flush began is not covered by it: it stays until
 * the next flush.  The flush op queues it from inside the flush, after the
 * queue counted the flush as begun.
 */
static struct fqt *fqt_inner;

static void fqt_flush_and_queue(struct iommu_fq *fq)
{
	struct fqt *t = iommu_fq_data(fq);
	LIST_HEAD(none);

	atomic_inc(&t->begun);
	if (fqt_inner) {
		fqt_inner = NULL;
		atomic_set(&t->queued_at[7], atomic_read(&t->begun));
		iommu_fq_add(fq, 7, 1, &none);
	}
	atomic_inc(&t->ended);
}

static const struct iommu_fq_ops fqt_inner_ops = {
	.flush = fqt_flush_and_queue,
	.release = fqt_release,
};

static void iommu_fq_later_range_waits(struct kunit *test)
{
	struct fqt *t = fqt_make(test, &fqt_inner_ops, 60 * MSEC_PER_SEC, true);

	fqt_add(t, 3, 0);
	fqt_inner = t;
	iommu_fq_flush(t->fq);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->released[3]), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->released[7]), 0);
	iommu_fq_flush(t->fq);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->released[7]), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->early), 0);
}

/* With nobody flushing, the timer does, within its bound. */
static void iommu_fq_timer_flushes_in_time(struct kunit *test)
{
	struct fqt *t = fqt_new(test, 20);
	unsigned long start, waited;

	start = jiffies;
	fqt_add(t, 1, 1);
	fqt_add(t, 2, 0);
	while (atomic_read(&t->nr_released) < 2 &&
	       time_before(jiffies, start + msecs_to_jiffies(2000)))
		usleep_range(1000, 2000);
	KUNIT_ASSERT_EQ(test, atomic_read(&t->nr_released), 2);
	waited = jiffies_to_msecs(READ_ONCE(t->last_release) - start);
	kunit_info(test, "released after %lu ms (timeout 20 ms)\n", waited);
	/* One timer tick of slack each way, and a generous one for UML. */
	KUNIT_EXPECT_LE(test, waited, 20 + 2 * jiffies_to_msecs(1) + 100);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->begun), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->early), 0);

	/* The timer arms again for the next range. */
	start = jiffies;
	fqt_add(t, 3, 0);
	while (atomic_read(&t->nr_released) < 3 &&
	       time_before(jiffies, start + msecs_to_jiffies(2000)))
		usleep_range(1000, 2000);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->nr_released), 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->early), 0);
}

/* A full ring flushes at the next add, and only then. */
static void iommu_fq_full_queue_flushes_now(struct kunit *test)
{
	struct fqt *t = fqt_new(test, 60 * MSEC_PER_SEC);
	unsigned long pfn;

	/* One ring: the adds must not move between CPUs. */
	migrate_disable();
	for (pfn = 0; pfn < IOMMU_FQ_SIZE; pfn++)
		fqt_add(t, pfn, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->begun), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->nr_released), 0);
	fqt_add(t, IOMMU_FQ_SIZE, 0);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, atomic_read(&t->begun), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->nr_released), IOMMU_FQ_SIZE);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->released[IOMMU_FQ_SIZE]), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->early), 0);
}

/* Freeing the queue flushes and gives everything back. */
static void iommu_fq_free_releases_all(struct kunit *test)
{
	struct fqt *t = fqt_make(test, &fqt_ops, 60 * MSEC_PER_SEC, false);
	unsigned long pfn;

	for (pfn = 0; pfn < 50; pfn++)
		fqt_add(t, pfn, 1);
	iommu_fq_free(t->fq);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->nr_released), 50);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->pages_freed), 50);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->begun), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->early), 0);
}

struct fqt_thread {
	struct fqt *t;
	unsigned long first;
	struct completion done;
};

static int fqt_adder(void *data)
{
	struct fqt_thread *th = data;
	LIST_HEAD(none);
	unsigned long i;

	for (i = 0; i < FQT_RANGES / 4; i++) {
		atomic_set(&th->t->queued_at[th->first + i],
			   atomic_read(&th->t->begun));
		iommu_fq_add(th->t->fq, th->first + i, 1, &none);
		if (!(i % 64))
			cond_resched();
	}
	complete(&th->done);
	return 0;
}

/*
 * Four threads queue 1,024 ranges each while the test flushes: every range
 * comes back exactly once, none before its flush.
 */
static void iommu_fq_concurrent_adds(struct kunit *test)
{
	struct fqt *t = fqt_new(test, 5);
	struct fqt_thread th[4];
	struct task_struct *task;
	unsigned long pfn;
	int i;

	for (i = 0; i < 4; i++) {
		th[i].t = t;
		th[i].first = i * (FQT_RANGES / 4);
		init_completion(&th[i].done);
		task = kthread_run(fqt_adder, &th[i], "fqt-%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	}
	for (i = 0; i < 4; i++) {
		while (!wait_for_completion_timeout(&th[i].done, 1))
			iommu_fq_flush(t->fq);
	}
	iommu_fq_flush(t->fq);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->nr_released), FQT_RANGES);
	for (pfn = 0; pfn < FQT_RANGES; pfn++)
		KUNIT_EXPECT_EQ(test, atomic_read(&t->released[pfn]), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->early), 0);
}

static struct kunit_case iommu_fq_cases[] = {
	KUNIT_CASE(iommu_fq_no_release_before_flush),
	KUNIT_CASE(iommu_fq_later_range_waits),
	KUNIT_CASE(iommu_fq_timer_flushes_in_time),
	KUNIT_CASE(iommu_fq_full_queue_flushes_now),
	KUNIT_CASE(iommu_fq_free_releases_all),
	KUNIT_CASE(iommu_fq_concurrent_adds),
	{}
};

static struct kunit_suite iommu_fq_suite = {
	.name = "iommu_fq",
	.test_cases = iommu_fq_cases,
};

kunit_test_suite(iommu_fq_suite);

MODULE_DESCRIPTION("KUnit tests of the IOMMU flush queue");
MODULE_LICENSE("GPL");
