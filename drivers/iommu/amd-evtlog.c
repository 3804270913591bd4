// SPDX-License-Identifier: GPL-2.0-only
/*
 * Taking events out of an AMD-Vi event log.
 *
 * A unit writes an event into the slot at its tail, then moves its tail
 * register past it.  QEMU 7.2's amd-iommu never moves the register (and,
 * through another bug, writes no event at all; README, "Found outside our
 * code").  So the log is read by the slots themselves: every event taken
 * is zeroed, an event code is never zero, and a non-zero slot at the head
 * is an event.  Up to the tail the register shows, events are complete and
 * taken at once; a non-zero slot at the tail itself may be one a real unit
 * is still writing, so it is taken only when a second look, one poll later,
 * finds it still there.
 */

#include <linux/compiler.h>
#include <linux/string.h>
#include <asm/barrier.h>

#include "amd-evtlog.h"

/**
 * amd_evtlog_init - an empty log
 * @log: the log
 * @slots: its memory, 2 * @nr words
 * @nr: events it holds, a power of two
 *
 * Zeroes @slots; the unit's head and tail are at 0.
 */
void amd_evtlog_init(struct amd_evtlog *log, u64 *slots, unsigned int nr)
{
	memset(slots, 0, 2 * sizeof(u64) * nr);
	log->slots = slots;
	log->nr = nr;
	log->head = 0;
	log->seen = -1;
}

/**
 * amd_evtlog_next - take the event at the head of a log
 * @log: the log
 * @tail: the index the unit's tail register shows
 * @ev: the event's two words, when one is taken
 *
 * Context: Any context; the caller serialises calls on one log.
 * Return: true if an event was taken: its slot is zeroed and @log->head
 * is past it (the caller writes the head register); false if none is
 * ready yet.
 */
bool amd_evtlog_next(struct amd_evtlog *log, unsigned int tail, u64 ev[2])
{
	u64 *e = &log->slots[2 * log->head];

	ev[0] = READ_ONCE(e[0]);
	if (!ev[0])
		return false;
	if (log->head == (tail & (log->nr - 1)) && log->seen != log->head) {
		log->seen = log->head;
		return false;
	}
	/* The whole event is read before its slot is given back. */
	rmb();
	ev[1] = READ_ONCE(e[1]);
	WRITE_ONCE(e[0], 0);
	WRITE_ONCE(e[1], 0);
	log->seen = -1;
	log->head = (log->head + 1) & (log->nr - 1);
	return true;
}
