/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The AMD-Vi event log as a ring in memory: which slot holds the next event
 * and when it may be taken.  Knows nothing about registers; the caller
 * reads the unit's tail register and writes its head register.
 */
#ifndef __IOMMU_AMD_EVTLOG_H
#define __IOMMU_AMD_EVTLOG_H

#include <linux/types.h>

/**
 * struct amd_evtlog - an event log
 * @slots: @nr events of two 64-bit words each, zeroed before the unit
 *	writes the first one
 * @nr: events in @slots, a power of two
 * @head: index of the next event to read
 * @seen: @head when the last look found an event there that the tail did
 *	not show yet, else -1
 */
struct amd_evtlog {
	u64 *slots;
	unsigned int nr;
	unsigned int head;
	int seen;
};

void amd_evtlog_init(struct amd_evtlog *log, u64 *slots, unsigned int nr);
bool amd_evtlog_next(struct amd_evtlog *log, unsigned int tail, u64 ev[2]);

#endif /* __IOMMU_AMD_EVTLOG_H */
