// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IOMMU trace events of include/trace/events/iommu.h: membership
 * (add_device_to_group, remove_device_from_group), attach
 * (attach_device_to_domain), map, unmap and io_page_fault.
 */

#define CREATE_TRACE_POINTS
#include <trace/events/iommu.h>

EXPORT_TRACEPOINT_SYMBOL_GPL(attach_device_to_domain);
EXPORT_TRACEPOINT_SYMBOL_GPL(map);
EXPORT_TRACEPOINT_SYMBOL_GPL(unmap);
EXPORT_TRACEPOINT_SYMBOL_GPL(io_page_fault);
