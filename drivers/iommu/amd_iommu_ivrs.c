// SPDX-License-Identifier: GPL-2.0-only
/*
 * IVRS parser: from the bytes of the ACPI table to struct ivrs_info.
 *
 * The table is firmware input and may be wrong in any way, so every length
 * and offset is checked against the end of what contains it before a field
 * is read, and anything the parser does not understand refuses the whole
 * table: a device left out of an alias or a range would end up in a group
 * finer than the hardware isolates.  The one exception is a block of an
 * unknown type, which the specification lets newer firmware add; its length
 * is still checked.
 *
 * The layout is ACPICA's (include/acpi/actbl2.h), read through its packed
 * structures once their length is checked:
 *   table:  struct acpi_table_ivrs, then blocks, each starting with a
 *           struct acpi_ivrs_header (type, flags, length, requester ID)
 *   IVHD:   struct acpi_ivrs_hardware_10 (type 0x10) or _11 (0x11, 0x40),
 *           then device entries whose length the top two bits of their type
 *           give (4, 8, 16 or 32 bytes; struct acpi_ivrs_device4, _8a, _8b,
 *           _8c), except the ACPI HID entry (struct acpi_ivrs_device_hid
 *           followed by its UID)
 *   IVMD:   struct acpi_ivrs_memory
 *
 * Alias entries may overlap, the last one naming an ID winning.  Once the
 * whole table is read they are resolved into disjoint ranges, sorted by
 * requester ID and, through an index, by alias, so that the aliases of one
 * device are found with two binary searches whatever the table holds.
 * There are at most twice as many ranges as alias entries, and an entry
 * takes at least 8 bytes of the table, so what is kept stays proportional
 * to the table's length.
 */

#include <linux/acpi.h>
#include <linux/bitmap.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "amd_iommu_ivrs.h"
#include "iommu-priv.h"

/* A block's type and length, all that is read of a block of unknown type. */
#define IVRS_BLOCK_HDR_LEN	offsetofend(struct acpi_ivrs_header, length)

/* State of one IVHD block's walk. */
struct ivhd_walk {
	struct ivrs_info *info;
	struct ivrs_error *err;
	u32 block;
	u16 segment;
	unsigned long *covered;
	bool in_range;		/* a start entry waits for its end */
	bool range_alias;
	u16 range_first;
	u16 range_alias_rid;
	u32 range_offset;
};

static int ivrs_fail(struct ivrs_error *err, u32 block, u32 offset,
		     const char *what)
{
	err->block = block;
	err->offset = offset;
	err->what = what;
	return -EINVAL;
}

/* Make room for one more element in a kmalloc'ed array of @n elements. */
static void *ivrs_grow(void *array, unsigned int n, size_t size)
{
	/* Grow by doubling from 8; an element is added when n hits a power. */
	if (n >= 8 && !is_power_of_2(n))
		return array;
	return krealloc_array(array, n < 8 ? 8 : 2 * n, size, GFP_KERNEL);
}

static int ivrs_add_alias(struct ivhd_walk *w, u16 first, u16 last, u16 alias)
{
	struct ivrs_info *info = w->info;
	struct ivrs_alias *a;

	a = ivrs_grow(info->aliases, info->nr_aliases, sizeof(*a));
	if (!a)
		return -ENOMEM;
	info->aliases = a;
	a += info->nr_aliases++;
	a->segment = w->segment;
	a->first = first;
	a->last = last;
	a->alias = alias;
	/* The IOMMU sees the alias, so it translates that ID as well. */
	set_bit(alias, w->covered);
	return 0;
}

static int ivrs_add_special(struct ivhd_walk *w, u8 kind, u8 handle, u16 rid,
			    u64 hid, u8 uid_len)
{
	struct ivrs_info *info = w->info;
	struct ivrs_special *s;

	s = ivrs_grow(info->specials, info->nr_specials, sizeof(*s));
	if (!s)
		return -ENOMEM;
	info->specials = s;
	s += info->nr_specials++;
	s->kind = kind;
	s->handle = handle;
	s->segment = w->segment;
	s->rid = rid;
	s->hid = hid;
	s->uid_len = uid_len;
	return 0;
}

/* Length of the device entry at @p (of which @room bytes exist), or 0. */
static u32 ivhd_entry_len(const u8 *p, u32 room)
{
	const struct acpi_ivrs_device_hid *hid = (const void *)p;

	if (p[0] != ACPI_IVRS_TYPE_HID)
		return 4U << ((p[0] & ACPI_IVHD_ENTRY_LENGTH) >> 6);
	if (room < sizeof(*hid))
		return 0;
	return sizeof(*hid) + hid->uid_length;
}

static int ivhd_range_end(struct ivhd_walk *w, u32 off, u16 last)
{
	if (!w->in_range)
		return ivrs_fail(w->err, w->block, off, "range end without start");
	if (last < w->range_first)
		return ivrs_fail(w->err, w->block, off, "range end before start");
	w->in_range = false;
	bitmap_set(w->covered, w->range_first, last - w->range_first + 1);
	if (w->range_alias)
		return ivrs_add_alias(w, w->range_first, last, w->range_alias_rid);
	return 0;
}

static int ivhd_range_start(struct ivhd_walk *w, u32 off, u16 first,
			    bool alias, u16 alias_rid)
{
	if (w->in_range)
		return ivrs_fail(w->err, w->block, off, "range start inside a range");
	w->in_range = true;
	w->range_first = first;
	w->range_alias = alias;
	w->range_alias_rid = alias_rid;
	w->range_offset = off;
	return 0;
}

/* Entries allowed while a range is open (a new start is refused later). */
static bool ivhd_range_entry(u8 type)
{
	switch (type) {
	case ACPI_IVRS_TYPE_PAD4:
	case ACPI_IVRS_TYPE_PAD8:
	case ACPI_IVRS_TYPE_END:
	case ACPI_IVRS_TYPE_START:
	case ACPI_IVRS_TYPE_ALIAS_START:
	case ACPI_IVRS_TYPE_EXT_START:
		return true;
	}
	return false;
}

/* A special entry: an IOAPIC or HPET behind a requester ID. */
static int ivhd_special(struct ivhd_walk *w, const struct acpi_ivrs_device8c *e,
			u32 off)
{
	u8 kind;

	switch (e->variety) {
	case ACPI_IVHD_IOAPIC:
		kind = IVRS_SPECIAL_IOAPIC;
		break;
	case ACPI_IVHD_HPET:
		kind = IVRS_SPECIAL_HPET;
		break;
	default:
		return ivrs_fail(w->err, w->block, off,
				 "special entry of unknown variety");
	}
	return ivrs_add_special(w, kind, e->handle, e->used_id, 0, 0);
}

/* An ACPI device entry; its UID follows it, already checked to fit. */
static int ivhd_hid(struct ivhd_walk *w, const struct acpi_ivrs_device_hid *e,
		    u32 off)
{
	if (e->uid_type > ACPI_IVRS_UID_IS_STRING ||
	    (e->uid_type == ACPI_IVRS_UID_NOT_PRESENT && e->uid_length))
		return ivrs_fail(w->err, w->block, off,
				 "ACPI HID entry with a bad UID");
	return ivrs_add_special(w, IVRS_SPECIAL_ACPI, 0, e->header.id,
				e->acpi_hid, e->uid_length);
}

/*
 * One device entry at @p, of the length its type gives (at least 4 bytes,
 * at least 8 from type 0x40, the whole HID entry for 0xf0), checked to fit.
 */
static int ivhd_entry(struct ivhd_walk *w, const u8 *p, u32 off)
{
	const struct acpi_ivrs_de_header *de = (const void *)p;
	const struct acpi_ivrs_device8a *alias = (const void *)p;
	u16 rid = de->id;

	/* Only padding may sit between a range's start and its end. */
	if (w->in_range && !ivhd_range_entry(de->type))
		return ivrs_fail(w->err, w->block, off, "entry inside a range");

	switch (de->type) {
	case ACPI_IVRS_TYPE_PAD4:
	case ACPI_IVRS_TYPE_PAD8:
		return 0;
	case ACPI_IVRS_TYPE_ALL:
		bitmap_fill(w->covered, IVRS_NR_RIDS);
		return 0;
	case ACPI_IVRS_TYPE_SELECT:
	case ACPI_IVRS_TYPE_EXT_SELECT:
		set_bit(rid, w->covered);
		return 0;
	case ACPI_IVRS_TYPE_START:
	case ACPI_IVRS_TYPE_EXT_START:
		return ivhd_range_start(w, off, rid, false, 0);
	case ACPI_IVRS_TYPE_END:
		return ivhd_range_end(w, off, rid);
	case ACPI_IVRS_TYPE_ALIAS_SELECT:
		set_bit(rid, w->covered);
		return ivrs_add_alias(w, rid, rid, alias->used_id);
	case ACPI_IVRS_TYPE_ALIAS_START:
		return ivhd_range_start(w, off, rid, true, alias->used_id);
	case ACPI_IVRS_TYPE_SPECIAL:
		return ivhd_special(w, (const void *)p, off);
	case ACPI_IVRS_TYPE_HID:
		return ivhd_hid(w, (const void *)p, off);
	default:
		return ivrs_fail(w->err, w->block, off, "unknown device entry");
	}
}

static int ivrs_keep_unit(struct ivrs_info *info, struct ivrs_unit *unit,
			  struct ivrs_error *err)
{
	struct ivrs_unit *u;
	unsigned int i;

	/*
	 * Firmware describes a unit once per block type it supports; use the
	 * newest type and ignore the others.
	 */
	for (i = 0; i < info->nr_units; i++) {
		u = &info->units[i];
		if (u->segment != unit->segment || u->rid != unit->rid)
			continue;
		if (u->type >= unit->type) {
			bitmap_free(unit->covered);
			return 0;
		}
		bitmap_free(u->covered);
		*u = *unit;
		return 0;
	}
	if (info->nr_units == IVRS_MAX_UNITS) {
		bitmap_free(unit->covered);
		return ivrs_fail(err, unit->offset, unit->offset,
				 "too many IOMMU units");
	}
	info->units[info->nr_units++] = *unit;
	return 0;
}

static int ivrs_ivhd(struct ivrs_info *info, const u8 *t, u32 off, u32 len,
		     struct ivrs_error *err)
{
	const u8 *b = t + off;
	/* Types 0x11 and 0x40 share the longer header; 0x10 is its start. */
	const struct acpi_ivrs_hardware_10 *h = (const void *)b;
	u32 hdr = h->header.type == ACPI_IVRS_TYPE_HARDWARE1 ?
		  sizeof(struct acpi_ivrs_hardware_10) :
		  sizeof(struct acpi_ivrs_hardware_11);
	struct ivhd_walk w = { .info = info, .err = err, .block = off };
	struct ivrs_unit unit = { .offset = off };
	u32 pos, elen;
	int ret;

	if (len < hdr)
		return ivrs_fail(err, off,
				 off + offsetof(struct acpi_ivrs_header, length),
				 "IVHD block too short");
	unit.type = h->header.type;
	unit.flags = h->header.flags;
	unit.rid = h->header.device_id;
	unit.cap_offset = h->capability_offset;
	unit.mmio_base = h->base_address;
	unit.segment = h->pci_segment_group;
	unit.info = h->info;
	if (!unit.mmio_base)
		return ivrs_fail(err, off,
				 off + offsetof(struct acpi_ivrs_hardware_10,
						base_address),
				 "IVHD block without registers");

	unit.covered = bitmap_zalloc(IVRS_NR_RIDS, GFP_KERNEL);
	if (!unit.covered)
		return -ENOMEM;
	w.covered = unit.covered;
	w.segment = unit.segment;

	for (pos = hdr; pos < len; pos += elen) {
		elen = ivhd_entry_len(b + pos, len - pos);
		if (!elen || elen > len - pos) {
			ret = ivrs_fail(err, off, off + pos,
					"device entry overruns its block");
			goto out_free;
		}
		ret = ivhd_entry(&w, b + pos, off + pos);
		if (ret)
			goto out_free;
	}
	if (w.in_range) {
		ret = ivrs_fail(err, off, w.range_offset, "range without end");
		goto out_free;
	}
	return ivrs_keep_unit(info, &unit, err);

out_free:
	bitmap_free(unit.covered);
	return ret;
}

static int ivrs_ivmd(struct ivrs_info *info, const u8 *t, u32 off, u32 len,
		     struct ivrs_error *err)
{
	const struct acpi_ivrs_memory *b = (const void *)(t + off);
	struct ivrs_memory m = { .offset = off };
	struct ivrs_memory *array;
	u64 end;

	if (len < sizeof(*b))
		return ivrs_fail(err, off,
				 off + offsetof(struct acpi_ivrs_header, length),
				 "IVMD block too short");
	m.type = b->header.type;
	m.flags = b->header.flags;
	m.start = b->start_address;
	m.length = b->memory_length;
	if (!m.length || check_add_overflow(m.start, m.length - 1, &end))
		return ivrs_fail(err, off,
				 off + offsetof(struct acpi_ivrs_memory,
						start_address),
				 "IVMD range empty or wraps");

	/* A range's last requester ID is in the auxiliary data. */
	switch (m.type) {
	case ACPI_IVRS_TYPE_MEMORY1:
		m.first = 0;
		m.last = IVRS_NR_RIDS - 1;
		break;
	case ACPI_IVRS_TYPE_MEMORY2:
		m.first = b->header.device_id;
		m.last = m.first;
		break;
	default:
		m.first = b->header.device_id;
		m.last = b->aux_data;
		if (m.last < m.first)
			return ivrs_fail(err, off,
					 off + offsetof(struct acpi_ivrs_memory,
							aux_data),
					 "IVMD device range ends before start");
	}

	array = ivrs_grow(info->memory, info->nr_memory, sizeof(*array));
	if (!array)
		return -ENOMEM;
	info->memory = array;
	info->memory[info->nr_memory++] = m;
	return 0;
}

/* --- Resolving the aliases ------------------------------------------- */

/* Entries of @priv (the raw aliases) by segment, then by table order. */
static int ivrs_cmp_entry(const void *a, const void *b, const void *priv)
{
	const struct ivrs_alias *aliases = priv;
	u32 i = *(const u32 *)a, j = *(const u32 *)b;

	if (aliases[i].segment != aliases[j].segment)
		return aliases[i].segment < aliases[j].segment ? -1 : 1;
	return i < j ? -1 : i > j;
}

/* Ranges of the map by segment, then first requester ID. */
static int ivrs_cmp_range(const void *a, const void *b)
{
	const struct ivrs_alias *x = a, *y = b;

	if (x->segment != y->segment)
		return x->segment < y->segment ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* Indices into @priv (the map) by segment, alias, then first ID. */
static int ivrs_cmp_source(const void *a, const void *b, const void *priv)
{
	const struct ivrs_alias *map = priv;
	const struct ivrs_alias *x = &map[*(const u32 *)a];
	const struct ivrs_alias *y = &map[*(const u32 *)b];

	if (x->segment != y->segment)
		return x->segment < y->segment ? -1 : 1;
	if (x->alias != y->alias)
		return x->alias < y->alias ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/*
 * Give @a the IDs of its range that no later entry of its segment took
 * (those are set in @claimed), as ranges of the map.  Each range filled in
 * this way closes a gap between claimed runs, so all entries together add
 * at most twice their number.
 */
static int ivrs_claim(struct ivrs_info *info, const struct ivrs_alias *a,
		      unsigned long *claimed)
{
	unsigned long end = (unsigned long)a->last + 1;
	unsigned long start, stop;

	for (start = find_next_zero_bit(claimed, end, a->first); start < end;
	     start = find_next_zero_bit(claimed, end, stop)) {
		if (WARN_ON_ONCE(info->nr_map >= 2 * info->nr_aliases))
			return -EOVERFLOW;
		stop = find_next_bit(claimed, end, start);
		bitmap_set(claimed, start, stop - start);
		info->map[info->nr_map++] = (struct ivrs_alias) {
			.segment = a->segment,
			.first = start,
			.last = stop - 1,
			.alias = a->alias,
		};
	}
	return 0;
}

/*
 * Fill in @info's map and its index from the raw alias entries.  Costs
 * O(n log n) for n entries plus one pass over a 64 Ki-bit bitmap per entry
 * and per segment.  On failure the caller frees whatever was allocated.
 */
static int ivrs_resolve_aliases(struct ivrs_info *info)
{
	unsigned int n = info->nr_aliases, i, j, k;
	unsigned long *claimed;
	u32 *order;
	int ret = -ENOMEM;

	if (!n)
		return 0;
	order = kmalloc_array(n, sizeof(*order), GFP_KERNEL);
	claimed = bitmap_zalloc(IVRS_NR_RIDS, GFP_KERNEL);
	info->map = kmalloc_array(2 * n, sizeof(*info->map), GFP_KERNEL);
	if (!order || !claimed || !info->map)
		goto out;

	for (i = 0; i < n; i++)
		order[i] = i;
	sort_r(order, n, sizeof(*order), ivrs_cmp_entry, NULL, info->aliases);
	/* In each segment the last entry claims first, and wins. */
	for (i = 0; i < n; i = j) {
		u16 segment = info->aliases[order[i]].segment;

		for (j = i; j < n && info->aliases[order[j]].segment == segment;)
			j++;
		bitmap_zero(claimed, IVRS_NR_RIDS);
		for (k = j; k-- > i;) {
			ret = ivrs_claim(info, &info->aliases[order[k]], claimed);
			if (ret)
				goto out;
		}
	}
	sort(info->map, info->nr_map, sizeof(*info->map), ivrs_cmp_range, NULL);

	ret = -ENOMEM;
	info->by_alias = kmalloc_array(info->nr_map, sizeof(*info->by_alias),
				       GFP_KERNEL);
	if (!info->by_alias)
		goto out;
	for (i = 0; i < info->nr_map; i++)
		info->by_alias[i] = i;
	sort_r(info->by_alias, info->nr_map, sizeof(*info->by_alias),
	       ivrs_cmp_source, NULL, info->map);
	ret = 0;
out:
	bitmap_free(claimed);
	kfree(order);
	return ret;
}

/**
 * ivrs_free - free a table decoded by ivrs_parse()
 * @info: the decoded table, or %NULL
 *
 * Context: Any context that may call kfree().
 */
void ivrs_free(struct ivrs_info *info)
{
	unsigned int i;

	if (!info)
		return;
	for (i = 0; i < info->nr_units; i++)
		bitmap_free(info->units[i].covered);
	kfree(info->aliases);
	kfree(info->map);
	kfree(info->by_alias);
	kfree(info->specials);
	kfree(info->memory);
	kfree(info);
}

/**
 * ivrs_parse - decode an IVRS table
 * @table: the table's bytes, starting with its ACPI header
 * @len: number of bytes readable at @table
 * @infop: set to the decoded table on success; free it with ivrs_free()
 * @err: filled in when the table is refused
 *
 * The table's own length field must fit in @len and its checksum must be
 * right; no byte outside the length the header gives is read.
 *
 * Context: Process context; allocates with %GFP_KERNEL.
 * Return: 0 with *@infop set, -EINVAL with @err filled in if the table is
 * malformed, or -ENOMEM.
 */
int ivrs_parse(const void *table, size_t len, struct ivrs_info **infop,
	       struct ivrs_error *err)
{
	const struct acpi_table_ivrs *ivrs = table;
	const struct acpi_ivrs_header *block;
	const u8 *t = table;
	struct ivrs_info *info;
	u32 tlen, off, blen;
	u8 sum = 0;
	int ret = 0;

	*infop = NULL;
	if (len < sizeof(*ivrs))
		return ivrs_fail(err, 0, 0, "table shorter than its header");
	tlen = ivrs->header.length;
	if (tlen < sizeof(*ivrs) || tlen > len)
		return ivrs_fail(err, 0,
				 offsetof(struct acpi_table_header, length),
				 "bad table length");
	for (off = 0; off < tlen; off++)
		sum += t[off];
	if (sum)
		return ivrs_fail(err, 0,
				 offsetof(struct acpi_table_header, checksum),
				 "bad checksum");

	info = kzalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	info->ivinfo = ivrs->info;

	for (off = sizeof(*ivrs); off < tlen && !ret; off += blen) {
		block = (const void *)(t + off);
		if (tlen - off < IVRS_BLOCK_HDR_LEN) {
			ret = ivrs_fail(err, off, off, "truncated block header");
			break;
		}
		blen = block->length;
		if (blen < IVRS_BLOCK_HDR_LEN || blen > tlen - off) {
			ret = ivrs_fail(err, off,
					off + offsetof(struct acpi_ivrs_header,
						       length),
					"bad block length");
			break;
		}
		switch (block->type) {
		case ACPI_IVRS_TYPE_HARDWARE1:
		case ACPI_IVRS_TYPE_HARDWARE2:
		case ACPI_IVRS_TYPE_HARDWARE3:
			ret = ivrs_ivhd(info, t, off, blen, err);
			break;
		case ACPI_IVRS_TYPE_MEMORY1:
		case ACPI_IVRS_TYPE_MEMORY2:
		case ACPI_IVRS_TYPE_MEMORY3:
			ret = ivrs_ivmd(info, t, off, blen, err);
			break;
		default:
			/* A block type from a newer specification. */
			break;
		}
	}
	if (!ret && !info->nr_units)
		ret = ivrs_fail(err, 0, 0, "no IVHD block");
	if (!ret)
		ret = ivrs_resolve_aliases(info);
	if (ret) {
		ivrs_free(info);
		return ret;
	}
	*infop = info;
	return 0;
}

/**
 * ivrs_unit_covers - whether a unit translates a requester ID
 * @unit: the unit
 * @segment: PCI segment of the requester
 * @rid: the requester ID
 *
 * Context: Any context.
 * Return: true if @unit translates @rid on @segment.
 */
bool ivrs_unit_covers(const struct ivrs_unit *unit, u16 segment, u16 rid)
{
	return unit->segment == segment && test_bit(rid, unit->covered);
}

/**
 * ivrs_find_unit - the unit that translates a requester ID
 * @info: decoded table
 * @segment: PCI segment of the requester
 * @rid: the requester ID
 *
 * Context: Any context.
 * Return: the first unit that covers @rid, or %NULL.
 */
const struct ivrs_unit *ivrs_find_unit(const struct ivrs_info *info,
				       u16 segment, u16 rid)
{
	unsigned int i;

	for (i = 0; i < info->nr_units; i++)
		if (ivrs_unit_covers(&info->units[i], segment, rid))
			return &info->units[i];
	return NULL;
}

/* The range of @info's map that holds (@segment, @rid), or %NULL. */
static const struct ivrs_alias *ivrs_map_find(const struct ivrs_info *info,
					      u16 segment, u16 rid)
{
	unsigned int lo = 0, hi = info->nr_map, mid;
	const struct ivrs_alias *m;

	/* Find the first range that starts after (@segment, @rid). */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		m = &info->map[mid];
		if (m->segment < segment ||
		    (m->segment == segment && m->first <= rid))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	m = &info->map[lo - 1];
	return m->segment == segment && rid <= m->last ? m : NULL;
}

/**
 * ivrs_alias_of - the requester ID an IOMMU sees for a device
 * @info: decoded table
 * @segment: PCI segment of the device
 * @rid: the device's requester ID
 *
 * When several alias entries name @rid the last one wins, as a later entry
 * overrides an earlier one.
 *
 * Context: Any context.  O(log n) for n alias entries.
 * Return: the alias of @rid, or @rid itself when it has none.
 */
u16 ivrs_alias_of(const struct ivrs_info *info, u16 segment, u16 rid)
{
	const struct ivrs_alias *m = ivrs_map_find(info, segment, rid);

	return m ? m->alias : rid;
}

/**
 * ivrs_rids_alias - whether an IOMMU may confuse two requester IDs
 * @info: decoded table
 * @segment: PCI segment of both
 * @a: one requester ID
 * @b: the other
 *
 * Two IDs are confused when one is the other's alias or both have the same
 * alias.  The devices that use them must share a group.
 *
 * Context: Any context.
 * Return: true if @a and @b must share a group because of IVRS aliases.
 */
bool ivrs_rids_alias(const struct ivrs_info *info, u16 segment, u16 a, u16 b)
{
	u16 aa = ivrs_alias_of(info, segment, a);
	u16 ab = ivrs_alias_of(info, segment, b);

	return aa == ab || aa == b || ab == a;
}

/**
 * ivrs_walk_memory - walk the IVMD ranges that apply to a device
 * @info: decoded table
 * @rid: the device's requester ID
 * @fn: called for each range that names @rid or the alias the IOMMU sees
 *	for it; a non-zero return stops the walk
 * @data: passed to @fn
 *
 * IVMD blocks of these types carry no PCI segment; a range applies to the
 * requester ID in every segment, which can only reserve too much.
 *
 * Context: Whatever @fn needs.
 * Return: 0, or the first non-zero value @fn returned.
 */
int ivrs_walk_memory(const struct ivrs_info *info, u16 rid,
		     int (*fn)(const struct ivrs_memory *m, void *data),
		     void *data)
{
	unsigned int i, s;
	int ret;

	for (i = 0; i < info->nr_memory; i++) {
		const struct ivrs_memory *m = &info->memory[i];
		bool hit = rid >= m->first && rid <= m->last;

		/* The alias in any segment, for the same reason. */
		for (s = 0; !hit && s < info->nr_aliases; s++) {
			const struct ivrs_alias *a = &info->aliases[s];

			hit = rid >= a->first && rid <= a->last &&
			      a->alias >= m->first && a->alias <= m->last;
		}
		if (!hit)
			continue;
		ret = fn(m, data);
		if (ret)
			return ret;
	}
	return 0;
}

/* --- Aliases of one device ------------------------------------------- */

/* Where the ranges whose alias is (@segment, @alias) start in by_alias. */
static unsigned int ivrs_first_source(const struct ivrs_info *info,
				      u16 segment, u16 alias)
{
	unsigned int lo = 0, hi = info->nr_map, mid;
	const struct ivrs_alias *m;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		m = &info->map[info->by_alias[mid]];
		if (m->segment < segment ||
		    (m->segment == segment && m->alias < alias))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Call @fn for each ID but @skip1 and @skip2 whose alias is @alias. */
static int ivrs_walk_sources(const struct ivrs_info *info, u16 segment,
			     u16 alias, u16 skip1, u16 skip2,
			     int (*fn)(u16 rid, void *data), void *data)
{
	const struct ivrs_alias *m;
	unsigned int i;
	u32 r;
	int ret;

	for (i = ivrs_first_source(info, segment, alias); i < info->nr_map; i++) {
		m = &info->map[info->by_alias[i]];
		if (m->segment != segment || m->alias != alias)
			break;
		for (r = m->first; r <= m->last; r++) {
			if (r == skip1 || r == skip2)
				continue;
			ret = fn(r, data);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/**
 * ivrs_walk_aliases - walk the requester IDs confused with a device's
 * @info: decoded table
 * @segment: PCI segment of the device
 * @rid: the device's requester ID
 * @fn: called once for each other requester ID that the IOMMU may confuse
 *	with @rid (see ivrs_rids_alias()); a non-zero return stops the walk
 * @data: passed to @fn
 *
 * Those are @rid's alias and every ID whose alias is @rid or @rid's alias.
 * Each is reported exactly once, and the walk costs O(log n) for n alias
 * entries plus one step per ID reported, however many entries of the table
 * say the same thing.
 *
 * Context: Whatever @fn needs.
 * Return: 0, or the first non-zero value @fn returned.
 */
int ivrs_walk_aliases(const struct ivrs_info *info, u16 segment, u16 rid,
		      int (*fn)(u16 rid, void *data), void *data)
{
	u16 target = ivrs_alias_of(info, segment, rid);
	int ret;

	if (target != rid) {
		ret = fn(target, data);
		if (ret)
			return ret;
	}
	/*
	 * IDs have one alias each, so those of @rid and those of @target are
	 * two disjoint sets; @target may be in the first (a cycle).
	 */
	ret = ivrs_walk_sources(info, segment, rid, rid, target, fn, data);
	if (ret || target == rid)
		return ret;
	return ivrs_walk_sources(info, segment, target, rid, target, fn, data);
}

struct ivrs_rid_array {
	u16 *rids;
	unsigned int nr;
};

static int ivrs_count_rid(u16 rid, void *data)
{
	struct ivrs_rid_array *r = data;

	r->nr++;
	return 0;
}

static int ivrs_store_rid(u16 rid, void *data)
{
	struct ivrs_rid_array *r = data;

	r->rids[r->nr++] = rid;
	return 0;
}

/**
 * ivrs_alias_rids - the requester IDs confused with a device's, as an array
 * @info: decoded table
 * @segment: PCI segment of the device
 * @rid: the device's requester ID
 * @rids: set to a kmalloc'ed array of the IDs that ivrs_walk_aliases()
 *	reports for @rid, each once, in its order; %NULL when there are none.
 *	The caller frees it with kfree().
 *
 * These are the extra requester IDs an IOMMU driver gives the PCI grouping
 * rules for the device, on its own bus and on others alike.
 *
 * Context: Process context; allocates with %GFP_KERNEL.
 * Return: the number of IDs in *@rids, or -ENOMEM.
 */
int ivrs_alias_rids(const struct ivrs_info *info, u16 segment, u16 rid,
		    u16 **rids)
{
	struct ivrs_rid_array r = { };

	*rids = NULL;
	ivrs_walk_aliases(info, segment, rid, ivrs_count_rid, &r);
	if (!r.nr)
		return 0;
	r.rids = kmalloc_array(r.nr, sizeof(*r.rids), GFP_KERNEL);
	if (!r.rids)
		return -ENOMEM;
	r.nr = 0;
	ivrs_walk_aliases(info, segment, rid, ivrs_store_rid, &r);
	*rids = r.rids;
	return r.nr;
}
