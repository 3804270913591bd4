// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of taking events out of an AMD-Vi event log in memory
 * (amd-evtlog.c), with the unit played by the test: it writes events into
 * the slots and says where its tail register stands.  Cases cover a real
 * unit (tail moved past each event), QEMU 7.2's amd-iommu (tail never
 * moves), an event being written at the tail, and the wrap of the ring.
 */

#include <kunit/test.h>
#include <linux/slab.h>

#include "../amd-evtlog.h"

#define LOG_ENTRIES	8

/* An event as a unit writes it: code in bits 63:60, device id in 15:0. */
static void unit_write(u64 *slots, unsigned int slot, unsigned int code,
		       u16 devid, u64 addr)
{
	slots[2 * slot] = (u64)code << 60 | devid;
	slots[2 * slot + 1] = addr;
}

static struct amd_evtlog *log_new(struct kunit *test)
{
	struct amd_evtlog *log = kunit_kzalloc(test, sizeof(*log), GFP_KERNEL);
	u64 *slots = kunit_kmalloc_array(test, 2 * LOG_ENTRIES, sizeof(u64),
					 GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, log);
	KUNIT_ASSERT_NOT_NULL(test, slots);
	memset(slots, 0xa5, 2 * LOG_ENTRIES * sizeof(u64));
	amd_evtlog_init(log, slots, LOG_ENTRIES);
	return log;
}

static bool slot_zero(const struct amd_evtlog *log, unsigned int slot)
{
	return !log->slots[2 * slot] && !log->slots[2 * slot + 1];
}

/* Init leaves no stale word that could pass for an event. */
static void amd_evtlog_init_zeroes(struct kunit *test)
{
	struct amd_evtlog *log = log_new(test);
	unsigned int i;
	u64 ev[2];

	for (i = 0; i < LOG_ENTRIES; i++)
		KUNIT_EXPECT_TRUE(test, slot_zero(log, i));
	KUNIT_EXPECT_FALSE(test, amd_evtlog_next(log, 0, ev));
	KUNIT_EXPECT_FALSE(test, amd_evtlog_next(log, 0, ev));
	KUNIT_EXPECT_EQ(test, log->head, 0);
}

/* A real unit: events before its tail come out at once, in order, zeroed. */
static void amd_evtlog_takes_up_to_tail(struct kunit *test)
{
	struct amd_evtlog *log = log_new(test);
	unsigned int i;
	u64 ev[2];

	for (i = 0; i < 3; i++)
		unit_write(log->slots, i, 2, 0x10 + i, 0x1000 * (i + 1));
	for (i = 0; i < 3; i++) {
		KUNIT_ASSERT_TRUE(test, amd_evtlog_next(log, 3, ev));
		KUNIT_EXPECT_EQ(test, ev[0], 2ULL << 60 | (0x10 + i));
		KUNIT_EXPECT_EQ(test, ev[1], 0x1000ULL * (i + 1));
		KUNIT_EXPECT_TRUE(test, slot_zero(log, i));
	}
	KUNIT_EXPECT_EQ(test, log->head, 3);
	KUNIT_EXPECT_FALSE(test, amd_evtlog_next(log, 3, ev));
}

/*
 * An event at the tail the register shows may be half written: it waits
 * for a second look, then comes out even though the tail never moved
 * (QEMU 7.2), and the next ones after it come out at once.
 */
static void amd_evtlog_tail_waits_one_look(struct kunit *test)
{
	struct amd_evtlog *log = log_new(test);
	u64 ev[2];

	unit_write(log->slots, 0, 1, 0x08, 0xabc0);
	KUNIT_EXPECT_FALSE(test, amd_evtlog_next(log, 0, ev));
	KUNIT_EXPECT_EQ(test, log->slots[0] >> 60, 1);
	KUNIT_ASSERT_TRUE(test, amd_evtlog_next(log, 0, ev));
	KUNIT_EXPECT_EQ(test, ev[1], 0xabc0);

	unit_write(log->slots, 1, 2, 0x09, 0x2000);
	unit_write(log->slots, 2, 2, 0x0a, 0x3000);
	KUNIT_ASSERT_TRUE(test, amd_evtlog_next(log, 0, ev));
	KUNIT_EXPECT_EQ(test, ev[0] & 0xffff, 0x09);
	KUNIT_ASSERT_TRUE(test, amd_evtlog_next(log, 0, ev));
	KUNIT_EXPECT_EQ(test, ev[0] & 0xffff, 0x0a);
	KUNIT_EXPECT_FALSE(test, amd_evtlog_next(log, 0, ev));
}

/* A look that took an event forgets an earlier wait at another slot. */
static void amd_evtlog_wait_is_per_slot(struct kunit *test)
{
	struct amd_evtlog *log = log_new(test);
	u64 ev[2];

	unit_write(log->slots, 0, 2, 1, 0);
	KUNIT_EXPECT_FALSE(test, amd_evtlog_next(log, 0, ev));
	/* The unit moved its tail: slot 0 is complete, slot 1 at the tail. */
	unit_write(log->slots, 1, 2, 2, 0);
	KUNIT_ASSERT_TRUE(test, amd_evtlog_next(log, 1, ev));
	KUNIT_EXPECT_FALSE(test, amd_evtlog_next(log, 1, ev));
	KUNIT_ASSERT_TRUE(test, amd_evtlog_next(log, 1, ev));
	KUNIT_EXPECT_EQ(test, ev[0] & 0xffff, 2);
}

/* The head wraps at the end of the ring; a tail beyond it is masked. */
static void amd_evtlog_wraps(struct kunit *test)
{
	struct amd_evtlog *log = log_new(test);
	unsigned int i, taken = 0;
	u64 ev[2];

	for (i = 0; i < LOG_ENTRIES + 3; i++) {
		unit_write(log->slots, i % LOG_ENTRIES, 2, i, i);
		if (amd_evtlog_next(log, i + 1, ev)) {
			KUNIT_EXPECT_EQ(test, ev[1], i);
			taken++;
		}
	}
	KUNIT_EXPECT_EQ(test, taken, LOG_ENTRIES + 3);
	KUNIT_EXPECT_EQ(test, log->head, 3);
}

static struct kunit_case amd_evtlog_cases[] = {
	KUNIT_CASE(amd_evtlog_init_zeroes),
	KUNIT_CASE(amd_evtlog_takes_up_to_tail),
	KUNIT_CASE(amd_evtlog_tail_waits_one_look),
	KUNIT_CASE(amd_evtlog_wait_is_per_slot),
	KUNIT_CASE(amd_evtlog_wraps),
	{}
};

static struct kunit_suite amd_evtlog_suite = {
	.name = "iommu_amd_evtlog",
	.test_cases = amd_evtlog_cases,
};

kunit_test_suite(amd_evtlog_suite);

MODULE_DESCRIPTION("KUnit tests of the AMD-Vi event log ring");
MODULE_LICENSE("GPL");
