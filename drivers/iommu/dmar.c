// SPDX-License-Identifier: GPL-2.0-only
/*
 * A parser for the ACPI DMAR table (Intel VT-d), kept apart from the driver
 * so that it can be tested on hand-made and mutated tables.
 *
 * Firmware tables are input like any other: every length and offset is
 * checked against the table, and against the structure it belongs to,
 * before a byte behind it is read.  A table that breaks a rule is refused
 * as a whole, with the structure and offset at fault; structures and scope
 * entries of types the specification reserves are skipped.
 *
 * The table is walked twice: once to check it and count what it holds, once
 * to copy that into storage of exactly the counted size.
 */

#define pr_fmt(fmt) "DMAR: " fmt

#include <linux/limits.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "dmar.h"

/* A register set above 4 GiB (4 KiB << 20) is not a remapping unit. */
#define DMAR_MAX_REG_ORDER	20

/**
 * struct dmar_walk - state of one pass over a table
 * @t: the table
 * @len: its length, from its header
 * @info: where to record what the table holds; NULL on the counting pass
 * @err: where to describe a refusal
 * @units: DRHDs so far
 * @rmrrs: RMRRs so far
 * @scopes: recorded scope entries so far
 * @paths: path steps of the recorded scope entries so far
 * @other: known structures not recorded
 * @unknown: structures and scope entries of reserved types
 * @cap: on the recording pass, the counts of the counting pass, which
 *	bound the storage
 */
struct dmar_walk {
	const u8 *t;
	u32 len;
	struct dmar_info *info;
	struct dmar_parse_error *err;
	unsigned int units, rmrrs, scopes, paths, other, unknown;
	struct {
		unsigned int units, rmrrs, scopes, paths;
	} cap;
};

static int dmar_fail(struct dmar_walk *w, const char *what, u32 offset,
		     const char *why)
{
	w->err->what = what;
	w->err->offset = offset;
	w->err->why = why;
	return -EINVAL;
}

static const char *dmar_struct_name(u16 type)
{
	switch (type) {
	case ACPI_DMAR_TYPE_HARDWARE_UNIT:
		return "DRHD";
	case ACPI_DMAR_TYPE_RESERVED_MEMORY:
		return "RMRR";
	case ACPI_DMAR_TYPE_ROOT_ATS:
		return "ATSR";
	case ACPI_DMAR_TYPE_HARDWARE_AFFINITY:
		return "RHSA";
	case ACPI_DMAR_TYPE_NAMESPACE:
		return "ANDD";
	case ACPI_DMAR_TYPE_SATC:
		return "SATC";
	default:
		return "remapping structure";
	}
}

/* Make room for one recorded scope entry with @path_len steps. */
static struct dmar_scope *dmar_new_scope(struct dmar_walk *w, u8 path_len)
{
	struct dmar_scope *scope = NULL;

	if (w->info) {
		/* The table changed under us if the first pass saw less. */
		if (w->scopes >= w->cap.scopes ||
		    path_len > w->cap.paths - w->paths)
			return ERR_PTR(-EINVAL);
		scope = &w->info->scope_pool[w->scopes];
		scope->path = &w->info->path_pool[w->paths];
	}
	w->scopes++;
	w->paths += path_len;
	return scope;
}

/*
 * Check the scope entries in [@start, @end), the tail of one structure;
 * record them if @record.  Returns how many were recorded, or a negative
 * errno.
 */
static int dmar_walk_scopes(struct dmar_walk *w, u32 start, u32 end,
			    bool record)
{
	const struct acpi_dmar_device_scope *ds;
	struct dmar_scope *scope;
	u32 pos = start;
	int nr = 0;
	u8 slen;

	while (pos < end) {
		/* The entry's length is its second byte. */
		if (end - pos < 2)
			return dmar_fail(w, "device scope", pos,
					 "truncated entry header");
		slen = w->t[pos + 1];
		if (slen < sizeof(*ds))
			return dmar_fail(w, "device scope", pos,
					 "length below the fixed fields");
		if (slen > end - pos)
			return dmar_fail(w, "device scope", pos,
					 "runs past the end of its structure");
		if ((slen - sizeof(*ds)) % sizeof(struct acpi_dmar_pci_path))
			return dmar_fail(w, "device scope", pos,
					 "path of odd length");

		ds = (const void *)(w->t + pos);
		switch (ds->entry_type) {
		case ACPI_DMAR_SCOPE_TYPE_ENDPOINT:
		case ACPI_DMAR_SCOPE_TYPE_BRIDGE:
		case ACPI_DMAR_SCOPE_TYPE_IOAPIC:
		case ACPI_DMAR_SCOPE_TYPE_HPET:
		case ACPI_DMAR_SCOPE_TYPE_NAMESPACE:
			if (slen == sizeof(*ds))
				return dmar_fail(w, "device scope", pos,
						 "no PCI path");
			break;
		default:
			pr_debug("skipping device scope of type %u at offset 0x%x\n",
				 ds->entry_type, pos);
			w->unknown++;
			pos += slen;
			continue;
		}

		if (record) {
			u8 path_len = (slen - sizeof(*ds)) /
				      sizeof(struct acpi_dmar_pci_path);

			scope = dmar_new_scope(w, path_len);
			if (IS_ERR(scope))
				return dmar_fail(w, "device scope", pos,
						 "table changed while parsed");
			if (scope) {
				scope->type = ds->entry_type;
				scope->id = ds->enumeration_id;
				scope->bus = ds->bus;
				scope->path_len = path_len;
				scope->offset = pos;
				memcpy(&w->info->path_pool[w->paths - path_len],
				       ds + 1, slen - sizeof(*ds));
			}
			nr++;
		}
		pos += slen;
	}
	return nr;
}

static int dmar_walk_drhd(struct dmar_walk *w, u32 off, u16 len)
{
	const struct acpi_dmar_hardware_unit *drhd = (const void *)(w->t + off);
	unsigned int first = w->scopes;
	struct dmar_unit *unit;
	u64 span;
	int nr;

	if (len < sizeof(*drhd))
		return dmar_fail(w, "DRHD", off, "shorter than its fixed fields");
	if (!drhd->address || (drhd->address & 0xfff))
		return dmar_fail(w, "DRHD", off,
				 "register base zero or not page aligned");
	if (drhd->size > DMAR_MAX_REG_ORDER)
		return dmar_fail(w, "DRHD", off, "register set too large");
	span = 4096ULL << drhd->size;
	if (drhd->address > U64_MAX - span + 1)
		return dmar_fail(w, "DRHD", off,
				 "register set wraps around the address space");

	nr = dmar_walk_scopes(w, off + sizeof(*drhd), off + len, true);
	if (nr < 0)
		return nr;

	if (w->info) {
		if (w->units >= w->cap.units)
			return dmar_fail(w, "DRHD", off,
					 "table changed while parsed");
		unit = &w->info->units[w->units];
		unit->base = drhd->address;
		unit->size = drhd->size;
		unit->segment = drhd->segment;
		unit->include_all = drhd->flags & ACPI_DMAR_INCLUDE_ALL;
		unit->nr_scopes = nr;
		unit->scopes = &w->info->scope_pool[first];
		unit->offset = off;
	}
	w->units++;
	return 0;
}

static int dmar_walk_rmrr(struct dmar_walk *w, u32 off, u16 len)
{
	const struct acpi_dmar_reserved_memory *rmrr = (const void *)(w->t + off);
	unsigned int first = w->scopes;
	struct dmar_rmrr *r;
	int nr;

	if (len < sizeof(*rmrr))
		return dmar_fail(w, "RMRR", off, "shorter than its fixed fields");
	if (rmrr->end_address < rmrr->base_address)
		return dmar_fail(w, "RMRR", off, "ends below its base");

	nr = dmar_walk_scopes(w, off + sizeof(*rmrr), off + len, true);
	if (nr < 0)
		return nr;

	if (w->info) {
		if (w->rmrrs >= w->cap.rmrrs)
			return dmar_fail(w, "RMRR", off,
					 "table changed while parsed");
		r = &w->info->rmrrs[w->rmrrs];
		r->base = rmrr->base_address;
		r->end = rmrr->end_address;
		r->segment = rmrr->segment;
		r->nr_scopes = nr;
		r->scopes = &w->info->scope_pool[first];
		r->offset = off;
	}
	w->rmrrs++;
	return 0;
}

/* Structures we check but do not use: their size, and their scopes. */
static int dmar_walk_other(struct dmar_walk *w, u32 off, u16 type, u16 len)
{
	size_t fixed;
	int nr;

	switch (type) {
	case ACPI_DMAR_TYPE_ROOT_ATS:
		fixed = sizeof(struct acpi_dmar_atsr);
		break;
	case ACPI_DMAR_TYPE_SATC:
		fixed = sizeof(struct acpi_dmar_satc);
		break;
	case ACPI_DMAR_TYPE_HARDWARE_AFFINITY:
		fixed = sizeof(struct acpi_dmar_rhsa);
		break;
	default:	/* ANDD: the fixed fields and at least the name's NUL */
		fixed = offsetof(struct acpi_dmar_andd, device_name) + 1;
		break;
	}
	if (len < fixed)
		return dmar_fail(w, dmar_struct_name(type), off,
				 "shorter than its fixed fields");

	if (type == ACPI_DMAR_TYPE_ROOT_ATS || type == ACPI_DMAR_TYPE_SATC) {
		nr = dmar_walk_scopes(w, off + fixed, off + len, false);
		if (nr < 0)
			return nr;
	}
	pr_debug("not using the %s at offset 0x%x\n", dmar_struct_name(type),
		 off);
	w->other++;
	return 0;
}

static int dmar_walk_table(struct dmar_walk *w)
{
	const struct acpi_dmar_header *h;
	u32 off = sizeof(struct acpi_table_dmar);
	int ret;

	while (off < w->len) {
		if (w->len - off < sizeof(*h))
			return dmar_fail(w, "remapping structure", off,
					 "truncated header");
		h = (const void *)(w->t + off);
		if (h->length < sizeof(*h))
			return dmar_fail(w, dmar_struct_name(h->type), off,
					 "length below its header");
		if (h->length > w->len - off)
			return dmar_fail(w, dmar_struct_name(h->type), off,
					 "runs past the end of the table");

		switch (h->type) {
		case ACPI_DMAR_TYPE_HARDWARE_UNIT:
			ret = dmar_walk_drhd(w, off, h->length);
			break;
		case ACPI_DMAR_TYPE_RESERVED_MEMORY:
			ret = dmar_walk_rmrr(w, off, h->length);
			break;
		case ACPI_DMAR_TYPE_ROOT_ATS:
		case ACPI_DMAR_TYPE_HARDWARE_AFFINITY:
		case ACPI_DMAR_TYPE_NAMESPACE:
		case ACPI_DMAR_TYPE_SATC:
			ret = dmar_walk_other(w, off, h->type, h->length);
			break;
		default:
			pr_debug("skipping structure of type %u at offset 0x%x\n",
				 h->type, off);
			w->unknown++;
			ret = 0;
			break;
		}
		if (ret)
			return ret;
		off += h->length;
	}
	return 0;
}

static int dmar_check_header(struct dmar_walk *w, size_t len)
{
	const struct acpi_table_dmar *dmar = (const void *)w->t;
	u8 sum = 0;
	u32 i;

	if (len < sizeof(*dmar))
		return dmar_fail(w, "DMAR header", 0, "truncated");
	if (memcmp(dmar->header.signature, ACPI_SIG_DMAR, ACPI_NAMESEG_SIZE))
		return dmar_fail(w, "DMAR header", 0, "bad signature");
	if (dmar->header.length < sizeof(*dmar) || dmar->header.length > len)
		return dmar_fail(w, "DMAR header",
				 offsetof(struct acpi_table_header, length),
				 "length disagrees with the table's size");
	w->len = dmar->header.length;

	for (i = 0; i < w->len; i++)
		sum += w->t[i];
	if (sum)
		return dmar_fail(w, "DMAR header",
				 offsetof(struct acpi_table_header, checksum),
				 "bad checksum");
	if (dmar->width > 63)
		return dmar_fail(w, "DMAR header",
				 offsetof(struct acpi_table_dmar, width),
				 "host address width above 64 bits");
	return 0;
}

/* Register sets must not overlap; one catch-all unit per segment. */
static int dmar_check_units(struct dmar_walk *w)
{
	const struct dmar_unit *a, *b;
	unsigned int i, j;

	for (j = 1; j < w->info->nr_units; j++) {
		b = &w->info->units[j];
		for (i = 0; i < j; i++) {
			a = &w->info->units[i];
			w->err->other = a->offset;
			if (a->base <= b->base + ((4096ULL << b->size) - 1) &&
			    b->base <= a->base + ((4096ULL << a->size) - 1))
				return dmar_fail(w, "DRHD", b->offset,
						 "registers overlap another unit's");
			if (a->include_all && b->include_all &&
			    a->segment == b->segment)
				return dmar_fail(w, "DRHD", b->offset,
						 "second INCLUDE_PCI_ALL unit of its segment");
		}
	}
	w->err->other = 0;
	return 0;
}

/**
 * dmar_info_free - free what dmar_parse_table() returned
 * @info: the result, or NULL
 *
 * Context: Any context.
 */
void dmar_info_free(struct dmar_info *info)
{
	if (!info)
		return;
	kfree(info->units);
	kfree(info->rmrrs);
	kfree(info->scope_pool);
	kfree(info->path_pool);
	kfree(info);
}

/**
 * dmar_parse_table - check a DMAR table and extract what it says
 * @table: the table, header first
 * @len: bytes readable at @table; the table's own length must not exceed it
 * @err: where the reason for a refusal is stored, or NULL
 *
 * Reads nothing outside the first @len bytes of @table, whatever they hold.
 *
 * Context: Process context; may sleep (allocates with GFP_KERNEL).
 * Return: the table's contents, to be freed with dmar_info_free(); an
 * ERR_PTR(-EINVAL) if the table is malformed, with @err filled in; or
 * ERR_PTR(-ENOMEM).
 */
struct dmar_info *dmar_parse_table(const void *table, size_t len,
				   struct dmar_parse_error *err)
{
	struct dmar_parse_error unused;
	struct dmar_walk w = {
		.t = table,
		.err = err ?: &unused,
	};
	int ret;

	memset(w.err, 0, sizeof(*w.err));
	ret = dmar_check_header(&w, len);
	if (!ret)
		ret = dmar_walk_table(&w);	/* check and count */
	if (ret)
		return ERR_PTR(ret);

	struct dmar_info *info __free(dmar_info) =
		kzalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return ERR_PTR(-ENOMEM);
	info->units = kcalloc(w.units, sizeof(*info->units), GFP_KERNEL);
	info->rmrrs = kcalloc(w.rmrrs, sizeof(*info->rmrrs), GFP_KERNEL);
	info->scope_pool = kcalloc(w.scopes, sizeof(*info->scope_pool),
				   GFP_KERNEL);
	info->path_pool = kcalloc(w.paths, sizeof(*info->path_pool),
				  GFP_KERNEL);
	if (!info->units || !info->rmrrs || !info->scope_pool ||
	    !info->path_pool)
		return ERR_PTR(-ENOMEM);

	w.cap.units = w.units;
	w.cap.rmrrs = w.rmrrs;
	w.cap.scopes = w.scopes;
	w.cap.paths = w.paths;
	w.units = 0;
	w.rmrrs = 0;
	w.scopes = 0;
	w.paths = 0;
	w.other = 0;
	w.unknown = 0;
	w.info = info;
	ret = dmar_walk_table(&w);	/* record */
	if (ret)
		return ERR_PTR(ret);

	info->haw = ((const struct acpi_table_dmar *)table)->width + 1;
	info->flags = ((const struct acpi_table_dmar *)table)->flags;
	info->nr_units = w.units;
	info->nr_rmrrs = w.rmrrs;
	info->nr_other = w.other;
	info->nr_unknown = w.unknown;

	ret = dmar_check_units(&w);
	if (ret)
		return ERR_PTR(ret);
	return_ptr(info);
}
