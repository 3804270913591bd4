/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ACPI IVRS table (AMD I/O Virtualization Reporting Structure) decoded
 * into what the IOMMU group code needs: the IOMMU units, the requester IDs
 * each one translates, the requester-ID aliases and the memory ranges that
 * must stay mapped.
 *
 * The parser works on plain bytes and has no other input, so that it can be
 * tested on any table, including broken ones.  It reads them through
 * ACPICA's IVRS structures and constants (struct acpi_table_ivrs and the
 * ACPI_IVRS_* block and entry types); it neither touches the PCI core nor
 * groups devices.
 */
#ifndef __AMD_IOMMU_IVRS_H
#define __AMD_IOMMU_IVRS_H

#include <linux/acpi.h>
#include <linux/types.h>

#define IVRS_MAX_UNITS		32
#define IVRS_NR_RIDS		0x10000	/* requester IDs in one PCI segment */

/**
 * struct ivrs_unit - one IOMMU unit, from its IVHD block
 * @offset: offset of the IVHD block in the table
 * @type: block type the unit was taken from (%ACPI_IVRS_TYPE_HARDWARE1, 2
 *	or 3)
 * @flags: the block's flags byte
 * @segment: PCI segment of the unit and of every device it translates
 * @rid: requester ID (bus << 8 | devfn) of the unit's own PCI function
 * @cap_offset: offset of the unit's capability in its config space
 * @info: MSI number and unit ID
 * @mmio_base: physical address of the unit's registers
 * @covered: bitmap of %IVRS_NR_RIDS bits, the requester IDs it translates
 */
struct ivrs_unit {
	u32 offset;
	u8 type;
	u8 flags;
	u16 segment;
	u16 rid;
	u16 cap_offset;
	u16 info;
	u64 mmio_base;
	unsigned long *covered;
};

/**
 * struct ivrs_alias - requester IDs @first..@last reach the IOMMU as @alias
 * @segment: PCI segment
 * @first: first requester ID of the range
 * @last: last requester ID of the range (equal to @first for a select)
 * @alias: requester ID the IOMMU sees for all of them
 */
struct ivrs_alias {
	u16 segment;
	u16 first;
	u16 last;
	u16 alias;
};

/* Kinds of struct ivrs_special. */
#define IVRS_SPECIAL_IOAPIC	1
#define IVRS_SPECIAL_HPET	2
#define IVRS_SPECIAL_ACPI	3

/**
 * struct ivrs_special - a device that is not a PCI function
 * @kind: %IVRS_SPECIAL_IOAPIC, %IVRS_SPECIAL_HPET or %IVRS_SPECIAL_ACPI
 * @handle: IOAPIC or HPET number (0 for ACPI devices)
 * @segment: PCI segment
 * @rid: requester ID the device uses
 * @hid: ACPI hardware ID, raw (ACPI devices only)
 * @uid_len: length of the ACPI unique ID (ACPI devices only)
 */
struct ivrs_special {
	u8 kind;
	u8 handle;
	u16 segment;
	u16 rid;
	u64 hid;
	u8 uid_len;
};

/**
 * struct ivrs_memory - an IVMD block: memory that devices must keep reaching
 * @offset: offset of the IVMD block in the table
 * @type: %ACPI_IVRS_TYPE_MEMORY1 (all devices), %ACPI_IVRS_TYPE_MEMORY2 (one
 *	device) or %ACPI_IVRS_TYPE_MEMORY3 (a range)
 * @flags: IVMD flags (%ACPI_IVMD_UNITY, ...)
 * @first: first requester ID concerned
 * @last: last requester ID concerned
 * @start: physical start address
 * @length: length in bytes, never 0; @start + @length - 1 does not wrap
 */
struct ivrs_memory {
	u32 offset;
	u8 type;
	u8 flags;
	u16 first;
	u16 last;
	u64 start;
	u64 length;
};

/**
 * struct ivrs_info - a decoded IVRS table
 * @ivinfo: the IVinfo word
 * @nr_units: entries in @units
 * @units: the IOMMU units, one per (segment, requester ID)
 * @nr_aliases: entries in @aliases
 * @aliases: requester-ID aliases, from every IVHD block, in table order
 * @nr_map: entries in @map and in @by_alias; at most 2 * @nr_aliases
 * @map: what @aliases resolve to: disjoint ranges sorted by segment, then
 *	first requester ID, each with the alias that the last entry of
 *	@aliases naming the range gives it
 * @by_alias: indices into @map sorted by segment, alias and first ID
 * @nr_specials: entries in @specials
 * @specials: IOAPIC, HPET and ACPI devices
 * @nr_memory: entries in @memory
 * @memory: IVMD ranges
 */
struct ivrs_info {
	u32 ivinfo;
	unsigned int nr_units;
	struct ivrs_unit units[IVRS_MAX_UNITS];
	unsigned int nr_aliases;
	struct ivrs_alias *aliases;
	unsigned int nr_map;
	struct ivrs_alias *map;
	u32 *by_alias;
	unsigned int nr_specials;
	struct ivrs_special *specials;
	unsigned int nr_memory;
	struct ivrs_memory *memory;
};

/**
 * struct ivrs_error - where and why a table was refused
 * @block: offset of the block concerned (0: the table header)
 * @offset: offset of the faulty field or entry
 * @what: short description, a string constant
 */
struct ivrs_error {
	u32 block;
	u32 offset;
	const char *what;
};

int ivrs_parse(const void *table, size_t len, struct ivrs_info **infop,
	       struct ivrs_error *err);
void ivrs_free(struct ivrs_info *info);
bool ivrs_unit_covers(const struct ivrs_unit *unit, u16 segment, u16 rid);
const struct ivrs_unit *ivrs_find_unit(const struct ivrs_info *info,
				       u16 segment, u16 rid);
u16 ivrs_alias_of(const struct ivrs_info *info, u16 segment, u16 rid);
bool ivrs_rids_alias(const struct ivrs_info *info, u16 segment, u16 a, u16 b);
int ivrs_walk_aliases(const struct ivrs_info *info, u16 segment, u16 rid,
		      int (*fn)(u16 rid, void *data), void *data);
int ivrs_walk_memory(const struct ivrs_info *info, u16 rid,
		     int (*fn)(const struct ivrs_memory *m, void *data),
		     void *data);

int ivrs_alias_rids(const struct ivrs_info *info, u16 segment, u16 rid,
		    u16 **rids);

#endif /* __AMD_IOMMU_IVRS_H */
