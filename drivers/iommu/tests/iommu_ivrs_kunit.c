// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the IVRS parser.
 *
 * Tables are built byte by byte here, then copied to the very end of a
 * vmalloc'ed area, so that the parser reading even one byte past the
 * table's end runs into the guard page and fails the run.
 */

#include <kunit/test.h>
#include <linux/iommu.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/unaligned.h>
#include <linux/vmalloc.h>

#include "../amd_iommu_ivrs.h"
#include "../iommu-priv.h"
#include "iommu_kunit_helpers.h"
#include "iommu_pci_fake.h"

#define RID(bus, dev, fn)	((bus) << 8 | PCI_DEVFN(dev, fn))
#define UNIT_RID		RID(0, 2, 0)
#define UNIT2_RID		RID(0x80, 0, 2)
#define UNIT_MMIO		0xfeb80000ULL
#define FUZZ_ROUNDS		10000

static unsigned long long fuzz_seed;
module_param(fuzz_seed, ullong, 0444);
MODULE_PARM_DESC(fuzz_seed, "seed of the mutation test (0: random)");

/* --- Building tables ----------------------------------------------------- */

struct tb {
	u8 buf[65536];	/* an IVHD block's length is a u16 */
	u32 len;
	u32 block;	/* offset of the open block */
};

static void tb_put(struct tb *t, const void *p, u32 n)
{
	memcpy(t->buf + t->len, p, n);
	t->len += n;
}

static void tb_init(struct tb *t)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->buf, "IVRS", 4);
	t->buf[8] = 2;				/* revision */
	memcpy(t->buf + 10, "KUNIT ", 6);	/* OEM ID */
	put_unaligned_le32(0x00203040, t->buf + 36);	/* IVinfo */
	t->len = 48;
}

static void tb_ivhd(struct tb *t, u8 type, u16 rid, u16 segment)
{
	u32 hdr = type == ACPI_IVRS_TYPE_HARDWARE1 ? 24 : 40;

	t->block = t->len;
	memset(t->buf + t->len, 0, hdr);
	t->buf[t->len] = type;
	t->buf[t->len + 1] = 0x10;
	put_unaligned_le16(rid, t->buf + t->len + 4);
	put_unaligned_le16(0x40, t->buf + t->len + 6);
	put_unaligned_le64(UNIT_MMIO, t->buf + t->len + 8);
	put_unaligned_le16(segment, t->buf + t->len + 16);
	t->len += hdr;
}

static void tb_end_block(struct tb *t)
{
	put_unaligned_le16(t->len - t->block, t->buf + t->block + 2);
}

static void tb_e4(struct tb *t, u8 type, u16 rid)
{
	u8 e[4] = { type, rid & 0xff, rid >> 8, 0 };

	tb_put(t, e, sizeof(e));
}

static void tb_e8(struct tb *t, u8 type, u16 rid, u8 b4, u16 w5, u8 b7)
{
	u8 e[8] = { type, rid & 0xff, rid >> 8, 0, b4, w5 & 0xff, w5 >> 8, b7 };

	tb_put(t, e, sizeof(e));
}

static void tb_hid(struct tb *t, u16 rid, const char *hid, u8 uid_type,
		   const char *uid)
{
	u8 e[22] = { 0xf0, rid & 0xff, rid >> 8, 0 };

	memcpy(e + 4, hid, 8);
	e[20] = uid_type;
	e[21] = uid ? strlen(uid) : 0;
	tb_put(t, e, sizeof(e));
	if (uid)
		tb_put(t, uid, strlen(uid));
}

static void tb_ivmd(struct tb *t, u8 type, u16 rid, u16 aux, u64 start,
		    u64 length)
{
	u8 b[32] = { type, ACPI_IVMD_UNITY | ACPI_IVMD_READ | ACPI_IVMD_WRITE,
		     32, 0, rid & 0xff, rid >> 8 };

	put_unaligned_le16(aux, b + 6);
	put_unaligned_le64(start, b + 16);
	put_unaligned_le64(length, b + 24);
	tb_put(t, b, sizeof(b));
}

static void tb_checksum(u8 *buf, u32 len)
{
	u8 sum = 0;
	u32 i;

	buf[9] = 0;
	for (i = 0; i < len; i++)
		sum += buf[i];
	buf[9] = -sum;
}

static void tb_finish(struct tb *t)
{
	put_unaligned_le32(t->len, t->buf + 4);
	tb_checksum(t->buf, t->len);
}

static void vfree_action(void *p)
{
	vfree(p);
}

/* A copy of @len bytes of @src that ends exactly where mapped memory ends. */
static u8 *tb_exact(struct kunit *test, const void *src, size_t len)
{
	size_t size = PAGE_ALIGN(len ? len : 1);
	u8 *area = vmalloc(size);

	KUNIT_ASSERT_NOT_NULL(test, area);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, vfree_action, area));
	memcpy(area + size - len, src, len);
	return area + size - len;
}

/* Parse @t's bytes from an exactly sized copy. */
static int tb_parse(struct kunit *test, const struct tb *t,
		    struct ivrs_info **info, struct ivrs_error *err)
{
	return ivrs_parse(tb_exact(test, t->buf, t->len), t->len, info, err);
}

static void ivrs_free_action(void *info)
{
	ivrs_free(info);
}

static struct ivrs_info *tb_parse_ok(struct kunit *test, const struct tb *t)
{
	struct ivrs_error err = { };
	struct ivrs_info *info;
	int ret;

	ret = tb_parse(test, t, &info, &err);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "refused at %u (block %u): %s",
			    err.offset, err.block, err.what);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, ivrs_free_action, info));
	return info;
}

/*
 * One IVHD 0x11 block with every kind of device entry, an older 0x10 block
 * for the same unit, a 0x40 block for a second unit and the three IVMDs.
 */
static void tb_full(struct tb *t)
{
	tb_init(t);
	tb_ivhd(t, ACPI_IVRS_TYPE_HARDWARE1, UNIT_RID, 0);
	tb_e4(t, 0x02, RID(0, 5, 0));		/* only in the older block */
	tb_end_block(t);

	tb_ivhd(t, ACPI_IVRS_TYPE_HARDWARE2, UNIT_RID, 0);
	tb_e4(t, 0x00, 0);			/* pad */
	tb_e4(t, 0x02, RID(0, 0, 0));		/* select */
	tb_e4(t, 0x03, RID(0, 8, 0));		/* range */
	tb_e4(t, 0x04, RID(0, 8, 7));
	tb_e8(t, 0x42, RID(1, 0, 0), 0, RID(0, 0x1e, 0), 0);	/* alias */
	tb_e8(t, 0x43, RID(2, 0, 0), 0, RID(0, 0x1c, 0), 0);	/* alias range */
	tb_e8(t, 0x40, 0, 0, 0, 0);		/* pad */
	tb_e4(t, 0x04, RID(2, 0x1f, 7));
	tb_e8(t, 0x46, RID(3, 0, 0), 0, 0, 0);	/* extended select */
	tb_e8(t, 0x47, RID(4, 0, 0), 0, 0, 0);	/* extended range */
	tb_e4(t, 0x04, RID(4, 0, 3));
	tb_e8(t, 0x48, RID(0, 0x14, 0), 33, RID(0, 0x14, 0), 1); /* IOAPIC */
	tb_e8(t, 0x48, 0, 0, RID(0, 0x14, 0), 2);		/* HPET */
	tb_hid(t, RID(0, 0x14, 5), "AMDI0020", 2, "ID00");
	tb_end_block(t);

	tb_ivhd(t, ACPI_IVRS_TYPE_HARDWARE3, UNIT2_RID, 1);
	tb_e4(t, 0x01, 0);			/* all */
	tb_hid(t, RID(0, 0x14, 6), "AMDI0040", 0, NULL);
	tb_end_block(t);

	tb_ivmd(t, ACPI_IVRS_TYPE_MEMORY1, 0, 0, 0xa0000, 0x20000);
	tb_ivmd(t, ACPI_IVRS_TYPE_MEMORY2, RID(0, 8, 1), 0, 0x7f000000, 0x100000);
	tb_ivmd(t, ACPI_IVRS_TYPE_MEMORY3, RID(3, 0, 0), RID(3, 0x1f, 7), 0x10000,
		0x1000);
	tb_finish(t);
}

/* --- A model of the alias entries ---------------------------------- */

/* ivrs_alias_of() as the table says it: the last entry naming @rid wins. */
static u16 model_alias_of(const struct ivrs_info *info, u16 segment, u16 rid)
{
	unsigned int i = info->nr_aliases;

	while (i--) {
		const struct ivrs_alias *a = &info->aliases[i];

		if (a->segment == segment && rid >= a->first && rid <= a->last)
			return a->alias;
	}
	return rid;
}

static int cmp_pair(u16 a1, u16 b1, u16 a2, u16 b2)
{
	if (a1 != a2)
		return a1 < a2 ? -1 : 1;
	return b1 < b2 ? -1 : b1 > b2;
}

/*
 * The resolved map: disjoint sorted ranges, no more than twice the entries,
 * an index sorted by alias, and the model's alias at both ends of every
 * entry and next to them.
 */
static bool ivrs_map_sane(const struct ivrs_info *info, char *why, size_t n)
{
	const struct ivrs_alias *m, *p;
	unsigned int i, k;

	if (info->nr_map > 2 * info->nr_aliases) {
		snprintf(why, n, "%u ranges for %u entries", info->nr_map,
			 info->nr_aliases);
		return false;
	}
	for (i = 0; i < info->nr_map; i++) {
		m = &info->map[i];
		p = i ? &info->map[i - 1] : NULL;
		if (m->last < m->first ||
		    (p && cmp_pair(p->segment, p->last, m->segment, m->first) >= 0)) {
			snprintf(why, n, "range %u overlaps or is out of order", i);
			return false;
		}
		if (m->alias != model_alias_of(info, m->segment, m->first) ||
		    m->alias != model_alias_of(info, m->segment, m->last)) {
			snprintf(why, n, "range %u has the wrong alias", i);
			return false;
		}
		if (info->by_alias[i] >= info->nr_map ||
		    (i && cmp_pair(info->map[info->by_alias[i - 1]].segment,
				   info->map[info->by_alias[i - 1]].alias,
				   info->map[info->by_alias[i]].segment,
				   info->map[info->by_alias[i]].alias) > 0)) {
			snprintf(why, n, "index %u out of order", i);
			return false;
		}
	}
	for (i = 0; i < info->nr_aliases; i++) {
		const struct ivrs_alias *a = &info->aliases[i];
		const u16 probe[] = { a->first, a->last, a->first - 1,
				      a->last + 1, a->alias };

		for (k = 0; k < ARRAY_SIZE(probe); k++) {
			if (ivrs_alias_of(info, a->segment, probe[k]) !=
			    model_alias_of(info, a->segment, probe[k])) {
				snprintf(why, n, "alias of %04x:%04x wrong",
					 a->segment, probe[k]);
				return false;
			}
		}
	}
	return true;
}

/* --- Valid tables -------------------------------------------------------- */

static void ivrs_every_entry_kind(struct kunit *test)
{
	struct tb *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	const struct ivrs_unit *u;
	struct ivrs_info *info;

	KUNIT_ASSERT_NOT_NULL(test, t);
	tb_full(t);
	info = tb_parse_ok(test, t);

	KUNIT_EXPECT_EQ(test, info->ivinfo, 0x00203040);
	KUNIT_ASSERT_EQ(test, info->nr_units, 2);
	u = &info->units[0];
	KUNIT_EXPECT_EQ(test, u->type, ACPI_IVRS_TYPE_HARDWARE2);	/* newest type wins */
	KUNIT_EXPECT_EQ(test, u->rid, UNIT_RID);
	KUNIT_EXPECT_EQ(test, u->cap_offset, 0x40);
	KUNIT_EXPECT_EQ(test, u->mmio_base, UNIT_MMIO);
	KUNIT_EXPECT_EQ(test, u->offset, 48 + 28);

	KUNIT_EXPECT_TRUE(test, ivrs_unit_covers(u, 0, RID(0, 0, 0)));
	KUNIT_EXPECT_FALSE(test, ivrs_unit_covers(u, 0, RID(0, 5, 0)));
	KUNIT_EXPECT_FALSE(test, ivrs_unit_covers(u, 0, RID(0, 1, 0)));
	KUNIT_EXPECT_FALSE(test, ivrs_unit_covers(u, 0, RID(0, 7, 7)));
	KUNIT_EXPECT_TRUE(test, ivrs_unit_covers(u, 0, RID(0, 8, 0)));
	KUNIT_EXPECT_TRUE(test, ivrs_unit_covers(u, 0, RID(0, 8, 7)));
	KUNIT_EXPECT_FALSE(test, ivrs_unit_covers(u, 0, RID(0, 9, 0)));
	KUNIT_EXPECT_TRUE(test, ivrs_unit_covers(u, 0, RID(1, 0, 0)));
	KUNIT_EXPECT_TRUE(test, ivrs_unit_covers(u, 0, RID(0, 0x1e, 0)));
	KUNIT_EXPECT_TRUE(test, ivrs_unit_covers(u, 0, RID(2, 0x10, 3)));
	KUNIT_EXPECT_TRUE(test, ivrs_unit_covers(u, 0, RID(0, 0x1c, 0)));
	KUNIT_EXPECT_FALSE(test, ivrs_unit_covers(u, 0, RID(1, 0, 1)));
	KUNIT_EXPECT_TRUE(test, ivrs_unit_covers(u, 0, RID(3, 0, 0)));
	KUNIT_EXPECT_FALSE(test, ivrs_unit_covers(u, 0, RID(3, 0, 1)));
	KUNIT_EXPECT_TRUE(test, ivrs_unit_covers(u, 0, RID(4, 0, 3)));
	KUNIT_EXPECT_FALSE(test, ivrs_unit_covers(u, 0, RID(4, 0, 4)));
	KUNIT_EXPECT_FALSE(test, ivrs_unit_covers(u, 1, RID(0, 0, 0)));

	u = &info->units[1];
	KUNIT_EXPECT_EQ(test, u->type, ACPI_IVRS_TYPE_HARDWARE3);
	KUNIT_EXPECT_EQ(test, u->segment, 1);
	KUNIT_EXPECT_TRUE(test, ivrs_unit_covers(u, 1, 0));
	KUNIT_EXPECT_TRUE(test, ivrs_unit_covers(u, 1, 0xffff));
	KUNIT_EXPECT_PTR_EQ(test, ivrs_find_unit(info, 1, 0x1234), u);
	KUNIT_EXPECT_NULL(test, ivrs_find_unit(info, 0, RID(0, 9, 0)));

	KUNIT_EXPECT_EQ(test, ivrs_alias_of(info, 0, RID(1, 0, 0)),
			RID(0, 0x1e, 0));
	KUNIT_EXPECT_EQ(test, ivrs_alias_of(info, 0, RID(2, 0x0a, 2)),
			RID(0, 0x1c, 0));
	KUNIT_EXPECT_EQ(test, ivrs_alias_of(info, 0, RID(3, 0, 0)),
			RID(3, 0, 0));
	KUNIT_EXPECT_EQ(test, ivrs_alias_of(info, 1, RID(1, 0, 0)),
			RID(1, 0, 0));

	KUNIT_ASSERT_EQ(test, info->nr_specials, 4);
	KUNIT_EXPECT_EQ(test, info->specials[0].kind, IVRS_SPECIAL_IOAPIC);
	KUNIT_EXPECT_EQ(test, info->specials[0].handle, 33);
	KUNIT_EXPECT_EQ(test, info->specials[0].rid, RID(0, 0x14, 0));
	KUNIT_EXPECT_EQ(test, info->specials[1].kind, IVRS_SPECIAL_HPET);
	KUNIT_EXPECT_EQ(test, info->specials[2].kind, IVRS_SPECIAL_ACPI);
	KUNIT_EXPECT_EQ(test, info->specials[2].rid, RID(0, 0x14, 5));
	KUNIT_EXPECT_EQ(test, info->specials[2].uid_len, 4);
	KUNIT_EXPECT_EQ(test, info->specials[2].hid,
			get_unaligned_le64("AMDI0020"));
	KUNIT_EXPECT_EQ(test, info->specials[3].segment, 1);
	KUNIT_EXPECT_EQ(test, info->specials[3].uid_len, 0);

	KUNIT_ASSERT_EQ(test, info->nr_memory, 3);
	KUNIT_EXPECT_EQ(test, info->memory[0].first, 0);
	KUNIT_EXPECT_EQ(test, info->memory[0].last, 0xffff);
	KUNIT_EXPECT_EQ(test, info->memory[0].start, 0xa0000);
	KUNIT_EXPECT_EQ(test, info->memory[0].length, 0x20000);
	KUNIT_EXPECT_EQ(test, info->memory[1].first, RID(0, 8, 1));
	KUNIT_EXPECT_EQ(test, info->memory[1].last, RID(0, 8, 1));
	KUNIT_EXPECT_EQ(test, info->memory[2].first, RID(3, 0, 0));
	KUNIT_EXPECT_EQ(test, info->memory[2].last, RID(3, 0x1f, 7));
	KUNIT_EXPECT_EQ(test, info->memory[2].flags,
			ACPI_IVMD_UNITY | ACPI_IVMD_READ | ACPI_IVMD_WRITE);
}

static void ivrs_unknown_block_skipped(struct kunit *test)
{
	struct tb *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct ivrs_info *info;
	u8 future[12] = { 0x50, 0, sizeof(future), 0, 0xff, 0xff, 0xff, 0xff };

	KUNIT_ASSERT_NOT_NULL(test, t);
	tb_init(t);
	tb_put(t, future, sizeof(future));
	tb_ivhd(t, ACPI_IVRS_TYPE_HARDWARE1, UNIT_RID, 0);
	tb_e4(t, 0x02, RID(0, 3, 0));
	tb_end_block(t);
	tb_finish(t);
	info = tb_parse_ok(test, t);
	KUNIT_EXPECT_EQ(test, info->nr_units, 1);
	KUNIT_EXPECT_TRUE(test, ivrs_unit_covers(&info->units[0], 0,
						 RID(0, 3, 0)));
	KUNIT_EXPECT_EQ(test, info->units[0].offset, 48 + sizeof(future));
}

/* An alias range makes every device of the range share a group. */
static void ivrs_alias_range_shares_group(struct kunit *test)
{
	struct tb *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct ivrs_info *info;

	KUNIT_ASSERT_NOT_NULL(test, t);
	tb_full(t);
	info = tb_parse_ok(test, t);

	/* 02:00.0-02:1f.7 reach the IOMMU as 00:1c.0. */
	KUNIT_EXPECT_TRUE(test, ivrs_rids_alias(info, 0, RID(2, 0, 0),
						RID(2, 0x1f, 7)));
	KUNIT_EXPECT_TRUE(test, ivrs_rids_alias(info, 0, RID(2, 3, 1),
						RID(0, 0x1c, 0)));
	KUNIT_EXPECT_TRUE(test, ivrs_rids_alias(info, 0, RID(0, 0x1c, 0),
						RID(2, 3, 1)));
	KUNIT_EXPECT_TRUE(test, ivrs_rids_alias(info, 0, RID(1, 0, 0),
						RID(0, 0x1e, 0)));
	KUNIT_EXPECT_FALSE(test, ivrs_rids_alias(info, 0, RID(2, 0, 0),
						 RID(1, 0, 0)));
	KUNIT_EXPECT_FALSE(test, ivrs_rids_alias(info, 0, RID(2, 0, 0),
						 RID(3, 0, 0)));
	KUNIT_EXPECT_FALSE(test, ivrs_rids_alias(info, 1, RID(2, 0, 0),
						 RID(2, 1, 0)));
}

static int count_rid(u16 rid, void *data)
{
	unsigned long *seen = data;

	__set_bit(rid, seen);
	return 0;
}

static void ivrs_alias_walk(struct kunit *test)
{
	struct tb *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	unsigned long *seen = kunit_kzalloc(test, IVRS_NR_RIDS / 8, GFP_KERNEL);
	struct ivrs_info *info;

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	tb_full(t);
	info = tb_parse_ok(test, t);

	/* The range's target sees all 256 functions of bus 2. */
	ivrs_walk_aliases(info, 0, RID(0, 0x1c, 0), count_rid, seen);
	KUNIT_EXPECT_EQ(test, bitmap_weight(seen, IVRS_NR_RIDS), 256);
	KUNIT_EXPECT_TRUE(test, test_bit(RID(2, 0x1f, 7), seen));

	/* A member sees the target and the other 255 members. */
	bitmap_zero(seen, IVRS_NR_RIDS);
	ivrs_walk_aliases(info, 0, RID(2, 4, 0), count_rid, seen);
	KUNIT_EXPECT_EQ(test, bitmap_weight(seen, IVRS_NR_RIDS), 256);
	KUNIT_EXPECT_TRUE(test, test_bit(RID(0, 0x1c, 0), seen));
	KUNIT_EXPECT_FALSE(test, test_bit(RID(2, 4, 0), seen));

	bitmap_zero(seen, IVRS_NR_RIDS);
	ivrs_walk_aliases(info, 0, RID(3, 0, 0), count_rid, seen);
	KUNIT_EXPECT_EQ(test, bitmap_weight(seen, IVRS_NR_RIDS), 0);
}

#define WIDE_ENTRIES	5000	/* 12 bytes each: a 60 KiB IVHD block */

struct walk_count {
	unsigned long *seen;
	unsigned int visits;
	unsigned int repeats;
};

/* Count visits; stop once more than every other ID has been reported. */
static int count_visit(u16 rid, void *data)
{
	struct walk_count *c = data;

	if (__test_and_set_bit(rid, c->seen))
		c->repeats++;
	return ++c->visits >= IVRS_NR_RIDS;
}

/*
 * A valid table of thousands of alias ranges over the whole segment, all to
 * one target: a walk reports each of the other 65,535 IDs once, so its cost
 * does not grow with the number of entries that say the same thing.
 */
static void ivrs_alias_walk_bounded(struct kunit *test)
{
	static const u16 rids[] = { RID(0, 0x1c, 0), 0, RID(0x12, 3, 4), 0xffff };
	struct tb *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct walk_count c = {
		.seen = kunit_kzalloc(test, IVRS_NR_RIDS / 8, GFP_KERNEL),
	};
	struct ivrs_info *info;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_NOT_NULL(test, c.seen);
	tb_init(t);
	tb_ivhd(t, ACPI_IVRS_TYPE_HARDWARE1, UNIT_RID, 0);
	for (i = 0; i < WIDE_ENTRIES; i++) {
		tb_e8(t, 0x43, 0, 0, RID(0, 0x1c, 0), 0);
		tb_e4(t, 0x04, 0xffff);
	}
	tb_end_block(t);
	tb_finish(t);
	KUNIT_ASSERT_GT(test, t->len, 60000);
	info = tb_parse_ok(test, t);
	KUNIT_EXPECT_EQ(test, info->nr_aliases, WIDE_ENTRIES);
	/* The last entry takes everything: the earlier ones leave nothing. */
	KUNIT_EXPECT_EQ(test, info->nr_map, 1);

	for (i = 0; i < ARRAY_SIZE(rids); i++) {
		bitmap_zero(c.seen, IVRS_NR_RIDS);
		c.visits = 0;
		c.repeats = 0;
		ivrs_walk_aliases(info, 0, rids[i], count_visit, &c);
		KUNIT_EXPECT_EQ_MSG(test, c.visits, IVRS_NR_RIDS - 1,
				    "walk of %04x", rids[i]);
		KUNIT_EXPECT_EQ_MSG(test, c.repeats, 0, "walk of %04x", rids[i]);
		KUNIT_EXPECT_FALSE(test, test_bit(rids[i], c.seen));
	}
	/* Another segment has no alias at all. */
	c.visits = 0;
	ivrs_walk_aliases(info, 1, RID(0, 0x1c, 0), count_visit, &c);
	KUNIT_EXPECT_EQ(test, c.visits, 0);
}

/*
 * Overlapping alias entries in two segments: the resolved map gives every
 * ID of every segment the alias that the last entry naming it gives, and a
 * walk reports exactly the IDs that ivrs_rids_alias() pairs with its own.
 */
static void ivrs_alias_overlaps_resolved(struct kunit *test)
{
	static const u16 walked[] = { RID(5, 0, 0), RID(6, 3, 0), RID(0, 0x1c, 0),
				      RID(4, 0, 0), RID(0x10, 0, 1), 0x1234 };
	struct tb *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct walk_count c = {
		.seen = kunit_kzalloc(test, IVRS_NR_RIDS / 8, GFP_KERNEL),
	};
	const u16 a = RID(0, 0x1c, 0), b = RID(0, 0x1d, 0), e = RID(0, 0x1e, 0);
	struct ivrs_info *info;
	unsigned int i, expected;
	char why[48];
	u32 r;
	u16 seg;

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_NOT_NULL(test, c.seen);
	tb_init(t);
	tb_ivhd(t, ACPI_IVRS_TYPE_HARDWARE1, UNIT_RID, 0);
	tb_e8(t, 0x43, RID(0, 0, 0), 0, a, 0);		/* 00-0f -> a */
	tb_e4(t, 0x04, RID(0x0f, 0x1f, 7));
	tb_e8(t, 0x42, RID(5, 0, 0), 0, b, 0);		/* 05:00.0 -> b */
	tb_e8(t, 0x43, RID(3, 0, 0), 0, e, 0);		/* 03-07 -> e */
	tb_e4(t, 0x04, RID(7, 0x1f, 7));
	tb_e8(t, 0x43, RID(6, 0, 0), 0, a, 0);		/* 06 -> a again */
	tb_e4(t, 0x04, RID(6, 0x1f, 7));
	tb_e8(t, 0x42, RID(4, 0, 0), 0, RID(4, 0, 0), 0);	/* itself */
	tb_e8(t, 0x42, a, 0, e, 0);			/* a -> e: a chain */
	tb_end_block(t);
	tb_ivhd(t, ACPI_IVRS_TYPE_HARDWARE1, UNIT2_RID, 1);
	tb_e8(t, 0x43, 0, 0, b, 0);			/* everything -> b */
	tb_e4(t, 0x04, 0xffff);
	tb_e8(t, 0x43, RID(0x10, 0, 0), 0, e, 0);
	tb_e4(t, 0x04, RID(0x10, 0, 7));
	tb_end_block(t);
	tb_finish(t);
	info = tb_parse_ok(test, t);

	KUNIT_EXPECT_TRUE_MSG(test, ivrs_map_sane(info, why, sizeof(why)), "%s",
			      why);
	for (seg = 0; seg < 3; seg++)
		for (r = 0; r < IVRS_NR_RIDS; r++)
			if (ivrs_alias_of(info, seg, r) !=
			    model_alias_of(info, seg, r))
				KUNIT_FAIL(test, "alias of %04x:%04x", seg, r);
	/* 03-07 -> e came after 05:00.0 -> b. */
	KUNIT_EXPECT_EQ(test, ivrs_alias_of(info, 0, RID(5, 0, 0)), e);
	KUNIT_EXPECT_EQ(test, ivrs_alias_of(info, 1, RID(5, 0, 0)), b);
	KUNIT_EXPECT_EQ(test, ivrs_alias_of(info, 0, RID(6, 2, 0)), a);
	KUNIT_EXPECT_EQ(test, ivrs_alias_of(info, 0, RID(7, 2, 0)), e);
	KUNIT_EXPECT_EQ(test, ivrs_alias_of(info, 0, a), e);

	for (seg = 0; seg < 2; seg++) {
		for (i = 0; i < ARRAY_SIZE(walked); i++) {
			bitmap_zero(c.seen, IVRS_NR_RIDS);
			c.visits = 0;
			c.repeats = 0;
			ivrs_walk_aliases(info, seg, walked[i], count_visit, &c);
			expected = 0;
			for (r = 0; r < IVRS_NR_RIDS; r++) {
				bool pair = r != walked[i] &&
					    ivrs_rids_alias(info, seg, walked[i], r);

				expected += pair;
				if (pair != test_bit(r, c.seen))
					KUNIT_FAIL(test, "walk of %04x:%04x: %04x %s",
						   seg, walked[i], r,
						   pair ? "missed" : "extra");
			}
			KUNIT_EXPECT_EQ(test, c.visits, expected);
			KUNIT_EXPECT_EQ(test, c.repeats, 0);
		}
	}
}

static int note_memory(const struct ivrs_memory *m, void *data)
{
	unsigned long *seen = data;

	__set_bit(m->offset, seen);
	return 0;
}

/* IVMD ranges apply to the devices they name and to those aliased to them. */
static void ivrs_memory_applies(struct kunit *test)
{
	struct tb *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	unsigned long *seen = kunit_kzalloc(test, 4096 / 8, GFP_KERNEL);
	struct ivrs_info *info;
	u32 all, sel, range, alias;

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	tb_init(t);
	tb_ivhd(t, ACPI_IVRS_TYPE_HARDWARE1, UNIT_RID, 0);
	tb_e8(t, 0x43, RID(2, 0, 0), 0, RID(0, 0x1c, 0), 0);
	tb_e4(t, 0x04, RID(2, 0x1f, 7));
	tb_end_block(t);
	all = t->len;
	tb_ivmd(t, ACPI_IVRS_TYPE_MEMORY1, 0, 0, 0xa0000, 0x20000);
	sel = t->len;
	tb_ivmd(t, ACPI_IVRS_TYPE_MEMORY2, RID(0, 8, 1), 0, 0x7f000000, 0x100000);
	range = t->len;
	tb_ivmd(t, ACPI_IVRS_TYPE_MEMORY3, RID(3, 0, 0), RID(3, 0x1f, 7), 0x10000,
		0x1000);
	alias = t->len;
	tb_ivmd(t, ACPI_IVRS_TYPE_MEMORY2, RID(0, 0x1c, 0), 0, 0x20000, 0x1000);
	tb_finish(t);
	info = tb_parse_ok(test, t);

	ivrs_walk_memory(info, RID(0, 8, 1), note_memory, seen);
	KUNIT_EXPECT_TRUE(test, test_bit(all, seen));
	KUNIT_EXPECT_TRUE(test, test_bit(sel, seen));
	KUNIT_EXPECT_EQ(test, bitmap_weight(seen, 4096), 2);

	bitmap_zero(seen, 4096);
	ivrs_walk_memory(info, RID(3, 5, 0), note_memory, seen);
	KUNIT_EXPECT_TRUE(test, test_bit(range, seen));
	KUNIT_EXPECT_EQ(test, bitmap_weight(seen, 4096), 2);

	/* 02:07.0 reaches the IOMMU as 00:1c.0, so 00:1c.0's range is its. */
	bitmap_zero(seen, 4096);
	ivrs_walk_memory(info, RID(2, 7, 0), note_memory, seen);
	KUNIT_EXPECT_TRUE(test, test_bit(alias, seen));
	KUNIT_EXPECT_FALSE(test, test_bit(sel, seen));
	KUNIT_EXPECT_EQ(test, bitmap_weight(seen, 4096), 2);

	bitmap_zero(seen, 4096);
	ivrs_walk_memory(info, RID(0, 8, 2), note_memory, seen);
	KUNIT_EXPECT_EQ(test, bitmap_weight(seen, 4096), 1);
}

/* --- Extra requester IDs ------------------------------------------------ */

/* Whether ivrs_alias_rids() gives @a the extra requester ID @b. */
static bool extra_rid_of(struct kunit *test, const struct ivrs_info *info,
			 u16 a, u16 b)
{
	bool found = false;
	u16 *rids;
	int i, nr;

	nr = ivrs_alias_rids(info, 0, a, &rids);
	KUNIT_ASSERT_GE(test, nr, 0);
	for (i = 0; i < nr; i++)
		found |= rids[i] == b;
	kfree(rids);
	return found;
}

/* Whether the PCI rules, given those extra IDs, see @a and @b share one. */
static bool rids_share(struct kunit *test, const struct ivrs_info *info,
		       u16 a, u16 b)
{
	bool ab = extra_rid_of(test, info, a, b);

	KUNIT_EXPECT_EQ_MSG(test, ab, extra_rid_of(test, info, b, a),
			    "%04x and %04x disagree", a, b);
	return ab;
}

/*
 * A same-bus alias range becomes extra requester IDs that the PCI grouping
 * rules see in both directions; a device outside it has none.
 */
static void ivrs_alias_range_extra_rids(struct kunit *test)
{
	static const u16 rid[] = { RID(5, 0x10, 0), RID(5, 0x10, 3),
				   RID(5, 0x11, 0), RID(5, 0x12, 0) };
	struct tb *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct ivrs_info *info;
	u16 *rids;

	KUNIT_ASSERT_NOT_NULL(test, t);
	/* 05:10.0-05:10.7 reach the IOMMU as 05:11.0; 05:12.0 is alone. */
	tb_init(t);
	tb_ivhd(t, ACPI_IVRS_TYPE_HARDWARE1, UNIT_RID, 0);
	tb_e8(t, 0x43, RID(5, 0x10, 0), 0, RID(5, 0x11, 0), 0);
	tb_e4(t, 0x04, RID(5, 0x10, 7));
	tb_e4(t, 0x02, RID(5, 0x12, 0));
	tb_end_block(t);
	tb_finish(t);
	info = tb_parse_ok(test, t);

	KUNIT_EXPECT_TRUE(test, rids_share(test, info, rid[0], rid[1]));
	KUNIT_EXPECT_TRUE(test, rids_share(test, info, rid[0], rid[2]));
	KUNIT_EXPECT_TRUE(test, rids_share(test, info, rid[2], rid[1]));
	KUNIT_EXPECT_FALSE(test, rids_share(test, info, rid[3], rid[0]));
	KUNIT_EXPECT_FALSE(test, rids_share(test, info, rid[2], rid[3]));
	KUNIT_EXPECT_EQ(test, ivrs_alias_rids(info, 0, rid[3], &rids), 0);
	KUNIT_EXPECT_NULL(test, rids);
}

/* --- Groups on a simulated PCI hierarchy ------------------------------ */

/* The table the mock AMD driver below works from. */
static struct ivrs_info *mock_ivrs;
/* A bus whose devices the mock leaves for the test to probe, or -1. */
static int mock_defer_bus = -1;

static struct iommu_device *mock_amd_add_device(struct device *dev)
{
	struct pci_dev *pdev = to_pci_dev(dev);

	if (!fake_on_bus(pdev) || pdev->bus->number == mock_defer_bus)
		return ERR_PTR(-ENODEV);
	return iommu_kunit_add_device(dev);
}

/* As amd_iommu_device_group() does. */
/*
 * Set by a test: the next device_group fails the first allocation of
 * ivrs_alias_rids(), whatever the core and the debug kernel allocated before.
 */
static bool mock_fail_alias_rids;

static struct iommu_group *mock_amd_device_group(struct device *dev,
						 struct iommu_group_reason *why)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	struct iommu_group *group;
	u16 *rids;
	int nr;

	if (mock_fail_alias_rids) {
		mock_fail_alias_rids = false;
		WRITE_ONCE(current->fail_nth, 1);
	}
	nr = ivrs_alias_rids(mock_ivrs, pci_domain_nr(pdev->bus),
			     pci_dev_id(pdev), &rids);
	if (nr < 0)
		return ERR_PTR(nr);
	group = pci_device_group_rids(dev, rids, nr, "IVRS alias", why);
	kfree(rids);
	return group;
}

static const struct iommu_ops mock_amd_ops = {
	.add_device = mock_amd_add_device,
	.device_group = mock_amd_device_group,
};

static void mock_amd_release(void *unused)
{
	bus_set_iommu(&pci_bus_type, NULL);
	mock_ivrs = NULL;
	mock_defer_bus = -1;
}

static void fake_fini_action(void *fp)
{
	fake_pci_fini(fp);
}

#define FAKE_ROOT	0x50

/*
 * Below root bus 50: three root ports with ACS, so each endpoint is
 * isolated by the PCI rules alone: 51:00.0, 52:00.0, and a multifunction
 * endpoint 53:00.0-2 with ACS and the multifunction bit on every function.  @t's IVRS is in force
 * while the hierarchy is scanned and grouped.
 */
static void fake_scan_with(struct kunit *test, const struct tb *t)
{
	struct fake_pci *fp = kunit_kzalloc(test, sizeof(*fp), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fp);
	mock_ivrs = tb_parse_ok(test, t);
	fake_pci_init(fp, FAKE_ROOT);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, fake_fini_action,
							   fp));
	KUNIT_ASSERT_EQ(test, bus_set_iommu(&pci_bus_type, &mock_amd_ops), 0);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mock_amd_release,
							   NULL));
	fake_add(fp, FAKE_ROOT, PCI_DEVFN(1, 0), FAKE_RP, F_ACS, 0x51, 0x51);
	fake_add(fp, FAKE_ROOT, PCI_DEVFN(2, 0), FAKE_RP, F_ACS, 0x52, 0x52);
	fake_add(fp, FAKE_ROOT, PCI_DEVFN(3, 0), FAKE_RP, F_ACS, 0x53, 0x53);
	fake_add(fp, 0x51, PCI_DEVFN(0, 0), FAKE_EP, 0, 0, 0);
	fake_add(fp, 0x52, PCI_DEVFN(0, 0), FAKE_EP, 0, 0, 0);
	fake_add(fp, 0x53, PCI_DEVFN(0, 0), FAKE_EP, F_MF | F_ACS, 0, 0);
	fake_add(fp, 0x53, PCI_DEVFN(0, 1), FAKE_EP, F_MF | F_ACS, 0, 0);
	fake_add(fp, 0x53, PCI_DEVFN(0, 2), FAKE_EP, F_MF | F_ACS, 0, 0);
	KUNIT_ASSERT_EQ(test, fake_pci_scan(fp), 0);
}

static void expect_group(struct kunit *test, bool same, u16 a, u16 b)
{
	int ga = fake_gid(PCI_BUS_NUM(a), a & 0xff);
	int gb = fake_gid(PCI_BUS_NUM(b), b & 0xff);

	KUNIT_EXPECT_TRUE_MSG(test, ga >= 0 && gb >= 0 && (ga == gb) == same,
			      "%04x in group %d, %04x in group %d, expected %s",
			      a, ga, b, gb, same ? "one" : "two");
}

/* Without aliases, the PCI rules keep every endpoint apart. */
static void ivrs_groups_without_aliases(struct kunit *test)
{
	struct tb *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	tb_init(t);
	tb_ivhd(t, ACPI_IVRS_TYPE_HARDWARE1, UNIT_RID, 0);
	tb_e4(t, 0x01, 0);
	tb_end_block(t);
	tb_finish(t);
	fake_scan_with(test, t);

	expect_group(test, false, RID(0x51, 0, 0), RID(0x52, 0, 0));
	expect_group(test, false, RID(0x53, 0, 0), RID(0x53, 0, 1));
	expect_group(test, false, RID(0x53, 0, 1), RID(0x53, 0, 2));
}

struct alias_order {
	const char *name;
	u16 rid;	/* the device with the alias entry */
	u16 alias;	/* its partner on the other bus */
};

static const struct alias_order alias_orders[] = {
	{ "target_scanned_first", RID(0x52, 0, 0), RID(0x51, 0, 0) },
	{ "target_scanned_last", RID(0x51, 0, 0), RID(0x52, 0, 0) },
};

static void alias_order_desc(const struct alias_order *o, char *desc)
{
	strscpy(desc, o->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(alias_order, alias_orders, alias_order_desc);

/*
 * An alias on the same bus joins functions the PCI rules keep apart; one on
 * another bus joins the groups, whichever device is scanned first, and the
 * later device (52:00.0) says why it joined.
 */
static void ivrs_groups_follow_aliases(struct kunit *test)
{
	const struct alias_order *o = test->param_value;
	struct tb *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	char *buf = kunit_kzalloc(test, 256, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	tb_init(t);
	tb_ivhd(t, ACPI_IVRS_TYPE_HARDWARE1, UNIT_RID, 0);
	tb_e4(t, 0x01, 0);
	tb_e8(t, 0x42, o->rid, 0, o->alias, 0);
	tb_e8(t, 0x43, RID(0x53, 0, 1), 0, RID(0x53, 0, 0), 0);
	tb_e4(t, 0x04, RID(0x53, 0, 1));
	tb_end_block(t);
	tb_finish(t);
	fake_scan_with(test, t);

	expect_group(test, true, RID(0x51, 0, 0), RID(0x52, 0, 0));
	expect_group(test, true, RID(0x53, 0, 0), RID(0x53, 0, 1));
	expect_group(test, false, RID(0x53, 0, 0), RID(0x53, 0, 2));
	expect_group(test, false, RID(0x51, 0, 0), RID(0x53, 0, 0));
	expect_group(test, false, RID(FAKE_ROOT, 1, 0), RID(0x51, 0, 0));

	if (!IS_ENABLED(CONFIG_DEBUG_FS))
		return;
	KUNIT_ASSERT_EQ(test, iommu_kunit_group_reasons(fake_gid(0x51, 0),
							buf, 256), 0);
	KUNIT_EXPECT_STREQ(test, buf,
			   "0000:51:00.0: first device of the group\n"
			   "0000:52:00.0: IVRS alias with 0000:51:00.0\n");
}

struct alias_chain {
	const char *name;
	u16 r;		/* reaches the IOMMU as @x */
	u16 x;		/* reaches it as @t */
	u16 t;
};

/* The fixture adds 51:00.0, then 52:00.0, then 53:00.0. */
static const struct alias_chain alias_chains[] = {
	{ "middle_last", RID(0x51, 0, 0), RID(0x53, 0, 0), RID(0x52, 0, 0) },
	{ "middle_between", RID(0x51, 0, 0), RID(0x52, 0, 0), RID(0x53, 0, 0) },
	{ "middle_first", RID(0x53, 0, 0), RID(0x51, 0, 0), RID(0x52, 0, 0) },
};

KUNIT_ARRAY_PARAM_DESC(alias_chain, alias_chains, name);

/*
 * r -> x and x -> t on three buses: x is confused with both, so all three
 * share one group, whichever of them is added last.  When x comes last, r
 * and t are already in two groups, and x must join both.
 */
static void ivrs_groups_alias_chain(struct kunit *test)
{
	const struct alias_chain *c = test->param_value;
	struct tb *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	tb_init(t);
	tb_ivhd(t, ACPI_IVRS_TYPE_HARDWARE1, UNIT_RID, 0);
	tb_e4(t, 0x01, 0);
	tb_e8(t, 0x42, c->r, 0, c->x, 0);
	tb_e8(t, 0x42, c->x, 0, c->t, 0);
	tb_end_block(t);
	tb_finish(t);
	fake_scan_with(test, t);

	expect_group(test, true, c->r, c->x);
	expect_group(test, true, c->x, c->t);
	expect_group(test, true, c->r, c->t);
	expect_group(test, false, RID(0x53, 0, 1), RID(0x51, 0, 0));
	expect_group(test, false, RID(0x53, 0, 1), RID(0x52, 0, 0));
}

/* --- Malformed tables ---------------------------------------------------- */

struct bad_table {
	const char *name;
	void (*build)(struct tb *t);
	const char *what;	/* expected ivrs_error.what */
	u32 block;		/* expected ivrs_error.block */
};

static void tb_one_unit(struct tb *t, u8 type)
{
	tb_init(t);
	tb_ivhd(t, type, UNIT_RID, 0);
	tb_e4(t, 0x02, RID(0, 3, 0));
}

static void bad_short(struct tb *t)
{
	tb_init(t);
	tb_finish(t);
	t->len = 40;
}

static void bad_len_big(struct tb *t)
{
	tb_one_unit(t, ACPI_IVRS_TYPE_HARDWARE1);
	tb_end_block(t);
	tb_finish(t);
	t->len -= 4;	/* the header claims 4 bytes that are not there */
}

static void bad_len_small(struct tb *t)
{
	tb_init(t);
	put_unaligned_le32(20, t->buf + 4);
	tb_checksum(t->buf, 48);
}

static void bad_checksum(struct tb *t)
{
	tb_one_unit(t, ACPI_IVRS_TYPE_HARDWARE1);
	tb_end_block(t);
	tb_finish(t);
	t->buf[9] ^= 1;
}

static void bad_block_header(struct tb *t)
{
	tb_one_unit(t, ACPI_IVRS_TYPE_HARDWARE1);
	tb_end_block(t);
	tb_put(t, "\x10\x00\x08", 3);
	tb_finish(t);
}

static void bad_block_len_small(struct tb *t)
{
	tb_one_unit(t, ACPI_IVRS_TYPE_HARDWARE1);
	tb_end_block(t);
	tb_put(t, "\x20\x00\x02\x00", 4);
	tb_finish(t);
}

static void bad_block_len_big(struct tb *t)
{
	tb_one_unit(t, ACPI_IVRS_TYPE_HARDWARE1);
	put_unaligned_le16(t->len - t->block + 4, t->buf + t->block + 2);
	tb_finish(t);
}

static void bad_ivhd10_short(struct tb *t)
{
	tb_init(t);
	tb_put(t, "\x10\x00\x14\x00\x10\x00\x40\x00", 8);
	tb_put(t, "\x00\x00\xb8\xfe\x00\x00\x00\x00\x00\x00\x00\x00", 12);
	tb_finish(t);
}

static void bad_ivhd11_short(struct tb *t)
{
	tb_one_unit(t, ACPI_IVRS_TYPE_HARDWARE1);
	tb_end_block(t);
	t->buf[t->block] = ACPI_IVRS_TYPE_HARDWARE2;	/* 28 bytes for a 40-byte header */
	tb_finish(t);
}

static void bad_ivhd_no_mmio(struct tb *t)
{
	tb_one_unit(t, ACPI_IVRS_TYPE_HARDWARE3);
	put_unaligned_le64(0, t->buf + t->block + 8);
	tb_end_block(t);
	tb_finish(t);
}

static void bad_entry_overrun(struct tb *t)
{
	tb_one_unit(t, ACPI_IVRS_TYPE_HARDWARE1);
	tb_e4(t, 0x46, RID(0, 4, 0));	/* an 8-byte type in 4 bytes */
	tb_end_block(t);
	tb_finish(t);
}

static void bad_hid_overrun(struct tb *t)
{
	tb_one_unit(t, ACPI_IVRS_TYPE_HARDWARE3);
	tb_hid(t, RID(0, 0x14, 5), "AMDI0020", 2, "ID00");
	t->len -= 2;			/* the UID is cut short */
	tb_end_block(t);
	tb_finish(t);
}

static void bad_hid_header_overrun(struct tb *t)
{
	tb_one_unit(t, ACPI_IVRS_TYPE_HARDWARE3);
	tb_put(t, "\xf0\x00\x01\x00\x41\x4d\x44\x49", 8);	/* 8 of 22 */
	tb_end_block(t);
	tb_finish(t);
}

static void bad_end_alone(struct tb *t)
{
	tb_one_unit(t, ACPI_IVRS_TYPE_HARDWARE1);
	tb_e4(t, 0x04, RID(0, 4, 0));
	tb_end_block(t);
	tb_finish(t);
}

static void bad_end_before_start(struct tb *t)
{
	tb_one_unit(t, ACPI_IVRS_TYPE_HARDWARE1);
	tb_e4(t, 0x03, RID(0, 4, 0));
	tb_e4(t, 0x04, RID(0, 3, 0));
	tb_end_block(t);
	tb_finish(t);
}

static void bad_nested_start(struct tb *t)
{
	tb_one_unit(t, ACPI_IVRS_TYPE_HARDWARE1);
	tb_e8(t, 0x43, RID(2, 0, 0), 0, RID(0, 0x1c, 0), 0);
	tb_e4(t, 0x03, RID(2, 1, 0));
	tb_end_block(t);
	tb_finish(t);
}

static void bad_entry_in_range(struct tb *t)
{
	tb_one_unit(t, ACPI_IVRS_TYPE_HARDWARE1);
	tb_e8(t, 0x47, RID(2, 0, 0), 0, 0, 0);
	tb_e4(t, 0x02, RID(2, 1, 0));
	tb_e4(t, 0x04, RID(2, 2, 0));
	tb_end_block(t);
	tb_finish(t);
}

static void bad_open_range(struct tb *t)
{
	tb_one_unit(t, ACPI_IVRS_TYPE_HARDWARE1);
	tb_e4(t, 0x03, RID(2, 0, 0));
	tb_end_block(t);
	tb_finish(t);
}

static void bad_unknown_entry(struct tb *t)
{
	tb_one_unit(t, ACPI_IVRS_TYPE_HARDWARE1);
	tb_e4(t, 0x05, RID(2, 0, 0));
	tb_end_block(t);
	tb_finish(t);
}

static void bad_unknown_wide_entry(struct tb *t)
{
	u8 e[16] = { 0x80 };

	tb_one_unit(t, ACPI_IVRS_TYPE_HARDWARE1);
	tb_put(t, e, sizeof(e));
	tb_end_block(t);
	tb_finish(t);
}

static void bad_special_variety(struct tb *t)
{
	tb_one_unit(t, ACPI_IVRS_TYPE_HARDWARE1);
	tb_e8(t, 0x48, 0, 1, RID(0, 0x14, 0), 3);
	tb_end_block(t);
	tb_finish(t);
}

static void bad_hid_uid(struct tb *t)
{
	tb_one_unit(t, ACPI_IVRS_TYPE_HARDWARE3);
	tb_hid(t, RID(0, 0x14, 5), "AMDI0020", 0, "ID00");
	tb_end_block(t);
	tb_finish(t);
}

static void tb_unit_then(struct tb *t)
{
	tb_one_unit(t, ACPI_IVRS_TYPE_HARDWARE1);
	tb_end_block(t);
	t->block = t->len;
}

static void bad_ivmd_short(struct tb *t)
{
	tb_unit_then(t);
	tb_ivmd(t, ACPI_IVRS_TYPE_MEMORY1, 0, 0, 0x1000, 0x1000);
	t->buf[t->block + 2] = 24;
	t->len -= 8;
	tb_finish(t);
}

static void bad_ivmd_empty(struct tb *t)
{
	tb_unit_then(t);
	tb_ivmd(t, ACPI_IVRS_TYPE_MEMORY2, RID(0, 3, 0), 0, 0x1000, 0);
	tb_finish(t);
}

static void bad_ivmd_wraps(struct tb *t)
{
	tb_unit_then(t);
	tb_ivmd(t, ACPI_IVRS_TYPE_MEMORY2, RID(0, 3, 0), 0, ~0ULL - 0xfff, 0x2000);
	tb_finish(t);
}

static void bad_ivmd_range(struct tb *t)
{
	tb_unit_then(t);
	tb_ivmd(t, ACPI_IVRS_TYPE_MEMORY3, RID(3, 0, 0), RID(2, 0, 0), 0x1000, 0x1000);
	tb_finish(t);
}

static void bad_no_ivhd(struct tb *t)
{
	tb_init(t);
	t->block = 0;
	tb_ivmd(t, ACPI_IVRS_TYPE_MEMORY1, 0, 0, 0x1000, 0x1000);
	tb_finish(t);
}

static void bad_too_many_units(struct tb *t)
{
	int i;

	tb_init(t);
	for (i = 0; i <= IVRS_MAX_UNITS; i++) {
		tb_ivhd(t, ACPI_IVRS_TYPE_HARDWARE1, RID(0, 2, 0) + i, 0);
		tb_end_block(t);
	}
	tb_finish(t);
}

/* The block offsets follow from the builders above. */
#define B1	48		/* first block */
#define B2	(48 + 28)	/* block after a one-entry IVHD 0x10 */
#define B2_40	(48 + 44)	/* block after a one-entry IVHD 0x40 */

static const struct bad_table bad_tables[] = {
	{ "short", bad_short, "table shorter than its header", 0 },
	{ "len_big", bad_len_big, "bad table length", 0 },
	{ "len_small", bad_len_small, "bad table length", 0 },
	{ "checksum", bad_checksum, "bad checksum", 0 },
	{ "block_header", bad_block_header, "truncated block header", B2 },
	{ "block_len_small", bad_block_len_small, "bad block length", B2 },
	{ "block_len_big", bad_block_len_big, "bad block length", B1 },
	{ "ivhd10_short", bad_ivhd10_short, "IVHD block too short", B1 },
	{ "ivhd11_short", bad_ivhd11_short, "IVHD block too short", B1 },
	{ "ivhd_no_mmio", bad_ivhd_no_mmio, "IVHD block without registers", B1 },
	{ "entry_overrun", bad_entry_overrun, "device entry overruns its block", B1 },
	{ "hid_overrun", bad_hid_overrun, "device entry overruns its block", B1 },
	{ "hid_header_overrun", bad_hid_header_overrun,
	  "device entry overruns its block", B1 },
	{ "end_alone", bad_end_alone, "range end without start", B1 },
	{ "end_before_start", bad_end_before_start, "range end before start", B1 },
	{ "nested_start", bad_nested_start, "range start inside a range", B1 },
	{ "entry_in_range", bad_entry_in_range, "entry inside a range", B1 },
	{ "open_range", bad_open_range, "range without end", B1 },
	{ "unknown_entry", bad_unknown_entry, "unknown device entry", B1 },
	{ "unknown_wide_entry", bad_unknown_wide_entry, "unknown device entry", B1 },
	{ "special_variety", bad_special_variety,
	  "special entry of unknown variety", B1 },
	{ "hid_uid", bad_hid_uid, "ACPI HID entry with a bad UID", B1 },
	{ "ivmd_short", bad_ivmd_short, "IVMD block too short", B2 },
	{ "ivmd_empty", bad_ivmd_empty, "IVMD range empty or wraps", B2 },
	{ "ivmd_wraps", bad_ivmd_wraps, "IVMD range empty or wraps", B2 },
	{ "ivmd_range", bad_ivmd_range, "IVMD device range ends before start", B2 },
	{ "no_ivhd", bad_no_ivhd, "no IVHD block", 0 },
	{ "too_many_units", bad_too_many_units, "too many IOMMU units",
	  48 + 24 * IVRS_MAX_UNITS },
};

static void bad_table_desc(const struct bad_table *b, char *desc)
{
	strscpy(desc, b->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bad_table, bad_tables, bad_table_desc);

static void ivrs_malformed_refused(struct kunit *test)
{
	const struct bad_table *b = test->param_value;
	struct tb *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct ivrs_error err = { };
	struct ivrs_info *info = (void *)1;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, t);
	b->build(t);
	ret = tb_parse(test, t, &info, &err);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_NULL(test, info);
	KUNIT_ASSERT_NOT_NULL(test, err.what);
	KUNIT_EXPECT_STREQ(test, err.what, b->what);
	KUNIT_EXPECT_EQ(test, err.block, b->block);
	KUNIT_EXPECT_LT(test, err.offset, max_t(u32, t->len, 48));
	KUNIT_EXPECT_GE(test, err.offset, err.block);
}

/* --- Random mutations ---------------------------------------------------- */

/* What must hold of any table the parser accepts. */
static bool ivrs_result_sane(const struct ivrs_info *info, char *why,
			     size_t n)
{
	unsigned int i;

	if (!info->nr_units || info->nr_units > IVRS_MAX_UNITS) {
		snprintf(why, n, "%u units", info->nr_units);
		return false;
	}
	for (i = 0; i < info->nr_units; i++) {
		if (!info->units[i].mmio_base || !info->units[i].covered) {
			snprintf(why, n, "unit %u incomplete", i);
			return false;
		}
	}
	for (i = 0; i < info->nr_aliases; i++) {
		if (info->aliases[i].last < info->aliases[i].first) {
			snprintf(why, n, "alias %u backwards", i);
			return false;
		}
	}
	if (!ivrs_map_sane(info, why, n))
		return false;
	for (i = 0; i < info->nr_memory; i++) {
		const struct ivrs_memory *m = &info->memory[i];

		if (!m->length || m->start + (m->length - 1) < m->start ||
		    m->last < m->first) {
			snprintf(why, n, "memory %u bad", i);
			return false;
		}
	}
	return true;
}

static void tb_mutate(struct rnd_state *rnd, u8 *buf, u32 *len)
{
	u32 n = 1 + prandom_u32_state(rnd) % 4;
	u32 pos;

	switch (prandom_u32_state(rnd) % 4) {
	case 0:		/* flip bits */
		while (n--)
			buf[prandom_u32_state(rnd) % *len] ^=
				1 << (prandom_u32_state(rnd) % 8);
		break;
	case 1:		/* overwrite bytes */
		while (n--)
			buf[prandom_u32_state(rnd) % *len] = prandom_u32_state(rnd);
		break;
	case 2:		/* cut the table short, header length kept or fixed */
		*len = prandom_u32_state(rnd) % (*len + 1);
		if (*len >= 8 && prandom_u32_state(rnd) % 2)
			put_unaligned_le32(*len, buf + 4);
		break;
	default:	/* rewrite a 16-bit length or ID somewhere */
		pos = prandom_u32_state(rnd) % (*len - 1);
		put_unaligned_le16(prandom_u32_state(rnd) % 64, buf + pos);
		break;
	}
}

static void ivrs_random_mutations(struct kunit *test)
{
	struct tb *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	u8 *buf = kunit_kzalloc(test, sizeof(t->buf), GFP_KERNEL);
	u64 seed = fuzz_seed ? fuzz_seed : get_random_u64();
	unsigned int accepted = 0, refused = 0;
	struct rnd_state rnd;
	char why[48];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	tb_full(t);
	prandom_seed_state(&rnd, seed);

	for (i = 0; i < FUZZ_ROUNDS; i++) {
		struct ivrs_error err = { };
		struct ivrs_info *info;
		u32 len = t->len;
		void *area;
		u8 *copy;
		int ret, rounds = 1 + prandom_u32_state(&rnd) % 3;

		memcpy(buf, t->buf, t->len);
		while (rounds-- && len > 1)
			tb_mutate(&rnd, buf, &len);
		/* Mostly fix the checksum so that the blocks get parsed. */
		if (len >= 10 && prandom_u32_state(&rnd) % 8)
			tb_checksum(buf, min_t(u32, len,
					       get_unaligned_le32(buf + 4)));

		area = vmalloc(PAGE_ALIGN(len ? len : 1));
		KUNIT_ASSERT_NOT_NULL(test, area);
		copy = area + PAGE_ALIGN(len ? len : 1) - len;
		memcpy(copy, buf, len);
		ret = ivrs_parse(copy, len, &info, &err);
		vfree(area);

		if (!ret) {
			bool sane = ivrs_result_sane(info, why, sizeof(why));

			ivrs_free(info);
			KUNIT_ASSERT_TRUE_MSG(test, sane,
					      "seed %llu round %d: %s", seed, i,
					      why);
			accepted++;
			continue;
		}
		KUNIT_ASSERT_EQ_MSG(test, ret, -EINVAL, "seed %llu round %d",
				    seed, i);
		KUNIT_ASSERT_NULL_MSG(test, info, "seed %llu round %d", seed, i);
		KUNIT_ASSERT_NOT_NULL_MSG(test, err.what, "seed %llu round %d",
					  seed, i);
		KUNIT_ASSERT_TRUE_MSG(test, err.block <= err.offset &&
				      (err.offset < len || len < 48),
				      "seed %llu round %d: error at %u of %u",
				      seed, i, err.offset, len);
		refused++;
	}
	kunit_info(test, "seed %llu: %u accepted, %u refused\n", seed,
		   accepted, refused);
	/* Both outcomes must have been reached, or the mutations test nothing. */
	KUNIT_EXPECT_GT(test, accepted, 0);
	KUNIT_EXPECT_GT(test, refused, 0);
}

static struct kunit_case ivrs_cases[] = {
	KUNIT_CASE(ivrs_every_entry_kind),
	KUNIT_CASE(ivrs_unknown_block_skipped),
	KUNIT_CASE(ivrs_alias_range_shares_group),
	KUNIT_CASE(ivrs_alias_walk),
	KUNIT_CASE(ivrs_alias_walk_bounded),
	KUNIT_CASE(ivrs_alias_overlaps_resolved),
	KUNIT_CASE(ivrs_memory_applies),
	KUNIT_CASE(ivrs_alias_range_extra_rids),
	KUNIT_CASE(ivrs_groups_without_aliases),
	KUNIT_CASE_PARAM(ivrs_groups_follow_aliases, alias_order_gen_params),
	KUNIT_CASE_PARAM(ivrs_groups_alias_chain, alias_chain_gen_params),
	KUNIT_CASE_PARAM(ivrs_malformed_refused, bad_table_gen_params),
	KUNIT_CASE_SLOW(ivrs_random_mutations),
	{ }
};

static struct kunit_suite ivrs_suite = {
	.name = "iommu_ivrs",
	.test_cases = ivrs_cases,
};

kunit_test_suite(ivrs_suite);

#ifdef CONFIG_FAILSLAB

/* --- Allocation failures ------------------------------------------------- */

struct ivrs_fault_ctx {
	const u8 *table;
	u32 len;
	struct ivrs_error err;
	struct ivrs_info *info;
};

static int ivrs_fault_op(struct kunit *test, void *data)
{
	struct ivrs_fault_ctx *c = data;

	c->info = ERR_PTR(-EINVAL);	/* ivrs_parse() must overwrite it */
	return ivrs_parse(c->table, c->len, &c->info, &c->err);
}

/* Everything made it: both units, every alias, special and IVMD. */
static void ivrs_fault_undo(struct kunit *test, void *data)
{
	struct ivrs_fault_ctx *c = data;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c->info);
	KUNIT_EXPECT_EQ(test, c->info->nr_units, 2);
	KUNIT_EXPECT_EQ(test, c->info->nr_aliases, 2);
	KUNIT_EXPECT_EQ(test, c->info->nr_map, 2);
	KUNIT_EXPECT_EQ(test, ivrs_alias_of(c->info, 0, RID(2, 5, 0)),
			RID(0, 0x1c, 0));
	KUNIT_EXPECT_EQ(test, c->info->nr_specials, 4);
	KUNIT_EXPECT_EQ(test, c->info->nr_memory, 3);
	ivrs_free(c->info);
	c->info = NULL;
}

/* A failed allocation is -ENOMEM with no result, never the table's fault. */
static void ivrs_fault_check(struct kunit *test, void *data)
{
	struct ivrs_fault_ctx *c = data;

	KUNIT_EXPECT_NULL(test, c->info);
	KUNIT_EXPECT_NULL(test, c->err.what);
	c->info = NULL;
}

static void ivrs_parse_survives_allocation_failures(struct kunit *test)
{
	static const struct iommu_kunit_fault_case fc = {
		.op = ivrs_fault_op,
		.undo = ivrs_fault_undo,
		.check = ivrs_fault_check,
	};
	struct ivrs_fault_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct tb *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, t);
	tb_full(t);
	c->table = tb_exact(test, t->buf, t->len);
	c->len = t->len;
	kunit_info(test, "%d allocations walked",
		   iommu_kunit_fault_walk(test, &fc, c));
}

struct oom_alias {
	const char *name;
	u16 target;	/* what 53:00.1 and 53:00.2 reach the IOMMU as */
};

static const struct oom_alias oom_aliases[] = {
	/* Only the extra IDs join them: a cross-bus ID that nobody has. */
	{ "target_on_empty_bus", RID(0x5f, 0, 0) },
	/* The same on their own bus, which the PCI core knows nothing of. */
	{ "target_on_own_bus", RID(0x53, 0, 5) },
};

KUNIT_ARRAY_PARAM_DESC(oom_alias, oom_aliases, name);

/*
 * 53:00.1 and 53:00.2 reach the IOMMU as one requester ID that no function
 * has, so only their extra requester IDs tell the PCI rules that they share.
 * If a device's extra IDs cannot be recorded, the device must not be
 * grouped: two groups would isolate what the IOMMU cannot tell apart.
 */
static void ivrs_alias_oom_fails_closed(struct kunit *test)
{
	const struct oom_alias *o = test->param_value;
	struct tb *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct pci_dev *d[2];
	unsigned int left;
	int i, ret;

	KUNIT_ASSERT_NOT_NULL(test, t);
	tb_init(t);
	tb_ivhd(t, ACPI_IVRS_TYPE_HARDWARE1, UNIT_RID, 0);
	tb_e4(t, 0x01, 0);
	tb_e8(t, 0x43, RID(0x53, 0, 1), 0, o->target, 0);
	tb_e4(t, 0x04, RID(0x53, 0, 2));
	tb_end_block(t);
	tb_finish(t);
	mock_defer_bus = 0x53;
	fake_scan_with(test, t);

	for (i = 0; i < ARRAY_SIZE(d); i++) {
		d[i] = fake_dev(0x53, PCI_DEVFN(0, 1 + i));
		KUNIT_ASSERT_NOT_NULL(test, d[i]);
		KUNIT_ASSERT_NULL(test, d[i]->dev.iommu_group);
		KUNIT_ASSERT_NULL(test, d[i]->dma_alias_mask);
	}
	mock_defer_bus = -1;
	for (i = 0; i < ARRAY_SIZE(d); i++) {
		/* Set just before the array of extra IDs is allocated. */
		mock_fail_alias_rids = true;
		ret = iommu_probe_device(&d[i]->dev);
		left = READ_ONCE(current->fail_nth) + mock_fail_alias_rids;
		WRITE_ONCE(current->fail_nth, 0);
		mock_fail_alias_rids = false;
		KUNIT_ASSERT_EQ_MSG(test, left, 0,
				    "the injected failure missed the add");
		/* The PCI core is left alone. */
		KUNIT_ASSERT_NULL(test, d[i]->dma_alias_mask);
		KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM, "%s", pci_name(d[i]));
		KUNIT_EXPECT_NULL_MSG(test, d[i]->dev.iommu_group,
				      "%s grouped without its alias",
				      pci_name(d[i]));
	}
	KUNIT_EXPECT_FALSE_MSG(test, d[0]->dev.iommu_group &&
			       d[0]->dev.iommu_group != d[1]->dev.iommu_group,
			       "IVRS aliases %s and %s isolated from each other",
			       pci_name(d[0]), pci_name(d[1]));

	/* Once memory is back, both are added, together. */
	for (i = 0; i < ARRAY_SIZE(d); i++)
		KUNIT_EXPECT_EQ(test, iommu_probe_device(&d[i]->dev), 0);
	KUNIT_EXPECT_EQ(test, iommu_probe_device(&fake_dev(0x53, 0)->dev), 0);
	expect_group(test, true, RID(0x53, 0, 1), RID(0x53, 0, 2));
	expect_group(test, false, RID(0x53, 0, 0), RID(0x53, 0, 1));
}

static struct kunit_case ivrs_fault_cases[] = {
	KUNIT_CASE(ivrs_parse_survives_allocation_failures),
	KUNIT_CASE_PARAM(ivrs_alias_oom_fails_closed, oom_alias_gen_params),
	{ }
};

static struct kunit_suite ivrs_fault_suite = {
	.name = "iommu_ivrs_faults",
	.init = iommu_kunit_fault_init,
	.test_cases = ivrs_fault_cases,
};

kunit_test_suite(ivrs_fault_suite);

#endif /* CONFIG_FAILSLAB */

MODULE_DESCRIPTION("KUnit tests for the AMD IOMMU IVRS parser");
MODULE_LICENSE("GPL");
