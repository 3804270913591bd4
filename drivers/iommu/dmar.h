/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ACPI DMAR table (Intel VT-d) as the Intel IOMMU driver uses it: the
 * remapping units with the devices each one covers, and the reserved memory
 * regions (RMRRs) with theirs.
 */
#ifndef __IOMMU_DMAR_H
#define __IOMMU_DMAR_H

#include <linux/acpi.h>
#include <linux/cleanup.h>
#include <linux/err.h>
#include <linux/types.h>

/**
 * struct dmar_scope - one device scope entry
 * @type: ACPI_DMAR_SCOPE_TYPE_ENDPOINT, _BRIDGE (the bridge and everything
 *	below it), _IOAPIC, _HPET or _NAMESPACE
 * @id: the enumeration id: IO-APIC id, HPET number or ANDD device number
 * @bus: the bus number the path starts on
 * @path_len: number of (device, function) steps in @path, at least 1
 * @path: the steps; each one but the last names a bridge whose secondary
 *	bus the next step is on
 * @offset: where the entry is in the table, for messages
 */
struct dmar_scope {
	u8 type;
	u8 id;
	u8 bus;
	u8 path_len;
	const struct acpi_dmar_pci_path *path;
	u32 offset;
};

/**
 * struct dmar_unit - a DMA remapping hardware unit (DRHD)
 * @base: physical address of its registers
 * @size: the register set spans 4 KiB << @size
 * @segment: the PCI segment (domain) it serves
 * @include_all: it covers every device of @segment that no other unit's
 *	scope lists
 * @nr_scopes: entries in @scopes
 * @scopes: the devices it covers, unless @include_all
 * @offset: where the DRHD is in the table
 */
struct dmar_unit {
	u64 base;
	u8 size;
	u16 segment;
	bool include_all;
	unsigned int nr_scopes;
	const struct dmar_scope *scopes;
	u32 offset;
};

/**
 * struct dmar_rmrr - memory that firmware DMAs to on its own (RMRR)
 * @base: first byte, 4 KiB aligned
 * @end: last byte (inclusive)
 * @segment: the PCI segment of the devices in @scopes
 * @nr_scopes: entries in @scopes
 * @scopes: the devices that use the region
 * @offset: where the RMRR is in the table
 */
struct dmar_rmrr {
	u64 base;
	u64 end;
	u16 segment;
	unsigned int nr_scopes;
	const struct dmar_scope *scopes;
	u32 offset;
};

/**
 * struct dmar_info - what a DMAR table says
 * @haw: host address width in bits
 * @flags: the table's flags (ACPI_DMAR_INTR_REMAP, ...)
 * @nr_units: entries in @units
 * @units: the remapping units, in table order
 * @nr_rmrrs: entries in @rmrrs
 * @rmrrs: the reserved memory regions, in table order
 * @nr_other: known structures that are checked but not recorded (ATSR,
 *	RHSA, ANDD, SATC)
 * @nr_unknown: structures and device scope entries of reserved types,
 *	skipped
 *
 * Owns copies of everything; the table may go away.  Freed with
 * dmar_info_free().
 */
struct dmar_info {
	u8 haw;
	u8 flags;
	unsigned int nr_units;
	struct dmar_unit *units;
	unsigned int nr_rmrrs;
	struct dmar_rmrr *rmrrs;
	unsigned int nr_other;
	unsigned int nr_unknown;
	/* private: the storage @units' and @rmrrs' scopes point into */
	struct dmar_scope *scope_pool;
	struct acpi_dmar_pci_path *path_pool;
};

/**
 * struct dmar_parse_error - where and why a table was refused
 * @what: the structure at fault ("DMAR header", "DRHD", "device scope", ...)
 * @offset: its offset in the table
 * @why: the problem
 * @other: for an overlap, the offset of the other structure, else 0
 */
struct dmar_parse_error {
	const char *what;
	u32 offset;
	const char *why;
	u32 other;
};

struct dmar_info *dmar_parse_table(const void *table, size_t len,
				   struct dmar_parse_error *err);
void dmar_info_free(struct dmar_info *info);

DEFINE_FREE(dmar_info, struct dmar_info *, if (!IS_ERR_OR_NULL(_T)) dmar_info_free(_T))

#endif /* __IOMMU_DMAR_H */
