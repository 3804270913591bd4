// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the DMAR parser, on tables built byte by byte here.
 *
 * Every table handed to the parser sits in an allocation of exactly its
 * size; the fuzz and truncation cases go further and put it at the very end
 * of a vmalloc page, in front of the guard page, so a read past the end
 * faults even without KASAN.
 */

#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "../dmar.h"
#include "iommu_kunit_helpers.h"

#define TBL_MAX		512
#define TBL_MAX_STRUCTS	16
#define FUZZ_ROUNDS	20000
/* 0: a new random seed each run; else this one, to replay a failure. */
#define FUZZ_SEED	0

/* A table under construction. */
struct tbl {
	u8 b[TBL_MAX];
	u32 len;
	unsigned int nr;		/* structures begun */
	u32 start[TBL_MAX_STRUCTS];	/* their offsets */
};

static void put(struct tbl *t, const void *p, size_t n)
{
	if (WARN_ON(t->len + n > TBL_MAX))
		return;
	memcpy(t->b + t->len, p, n);
	t->len += n;
}

static void put8(struct tbl *t, u8 v)
{
	put(t, &v, 1);
}

static void put16(struct tbl *t, u16 v)
{
	put(t, &v, 2);
}

static void put32(struct tbl *t, u32 v)
{
	put(t, &v, 4);
}

static void put64(struct tbl *t, u64 v)
{
	put(t, &v, 8);
}

static void set16(struct tbl *t, u32 off, u16 v)
{
	memcpy(t->b + off, &v, 2);
}

/* Header with the length and checksum left for tbl_finish(). */
static void tbl_init(struct tbl *t, u8 width, u8 flags)
{
	memset(t, 0, sizeof(*t));
	put(t, "DMAR", 4);
	put32(t, 0);			/* length */
	put8(t, 1);			/* revision */
	put8(t, 0);			/* checksum */
	put(t, "KUNIT ", 6);
	put(t, "DMARTEST", 8);
	put32(t, 1);			/* OEM revision */
	put(t, "KUNT", 4);
	put32(t, 1);			/* creator revision */
	put8(t, width);
	put8(t, flags);
	put(t, "\0\0\0\0\0\0\0\0\0\0", 10);
}

static u32 tbl_begin(struct tbl *t, u16 type)
{
	u32 off = t->len;

	if (t->nr < TBL_MAX_STRUCTS)
		t->start[t->nr++] = off;
	put16(t, type);
	put16(t, 0);			/* length, set by tbl_end() */
	return off;
}

static void tbl_end(struct tbl *t, u32 off)
{
	set16(t, off + 2, t->len - off);
}

static u32 tbl_drhd(struct tbl *t, u8 flags, u16 segment, u64 base)
{
	u32 off = tbl_begin(t, ACPI_DMAR_TYPE_HARDWARE_UNIT);

	put8(t, flags);
	put8(t, 0);			/* size: one 4 KiB page */
	put16(t, segment);
	put64(t, base);
	return off;
}

static u32 tbl_rmrr(struct tbl *t, u16 segment, u64 base, u64 end)
{
	u32 off = tbl_begin(t, ACPI_DMAR_TYPE_RESERVED_MEMORY);

	put16(t, 0);
	put16(t, segment);
	put64(t, base);
	put64(t, end);
	return off;
}

/* A scope entry: @steps (device, function) pairs follow. */
static u32 tbl_scope(struct tbl *t, u8 type, u8 id, u8 bus, int steps, ...)
{
	u32 off = t->len;
	va_list args;
	int i;

	put8(t, type);
	put8(t, 6 + 2 * steps);
	put16(t, 0);
	put8(t, id);
	put8(t, bus);
	va_start(args, steps);
	for (i = 0; i < 2 * steps; i++)
		put8(t, va_arg(args, int));
	va_end(args);
	return off;
}

static void fix_checksum(u8 *b, u32 len)
{
	u8 sum = 0;
	u32 i;

	b[9] = 0;
	for (i = 0; i < len; i++)
		sum += b[i];
	b[9] = -sum;
}

/* Set the header's length to @len and make the checksum right. */
static void fix_header(u8 *b, u32 len)
{
	if (len < sizeof(struct acpi_table_dmar))
		return;
	memcpy(b + 4, &len, 4);
	fix_checksum(b, len);
}

static void tbl_finish(struct tbl *t)
{
	fix_header(t->b, t->len);
}

KUNIT_DEFINE_ACTION_WRAPPER(info_free_action, dmar_info_free,
			    struct dmar_info *);

/* Parse a copy of @t in an allocation of exactly its size. */
static struct dmar_info *parse(struct kunit *test, const struct tbl *t,
			       struct dmar_parse_error *err)
{
	u8 *copy = kunit_kmalloc(test, t->len, GFP_KERNEL);
	struct dmar_info *info;

	KUNIT_ASSERT_NOT_NULL(test, copy);
	memcpy(copy, t->b, t->len);
	info = dmar_parse_table(copy, t->len, err);
	if (!IS_ERR(info))
		KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, info_free_action,
								info), 0);
	return info;
}

static void expect_refused(struct kunit *test, const struct tbl *t,
			   const char *what, u32 offset)
{
	struct dmar_parse_error err;
	struct dmar_info *info = parse(test, t, &err);

	KUNIT_ASSERT_EQ(test, PTR_ERR_OR_ZERO(info), -EINVAL);
	KUNIT_EXPECT_STREQ(test, err.what, what);
	KUNIT_EXPECT_EQ(test, err.offset, offset);
	KUNIT_EXPECT_NOT_NULL(test, err.why);
}

static struct dmar_info *expect_parsed(struct kunit *test, const struct tbl *t)
{
	struct dmar_parse_error err;
	struct dmar_info *info = parse(test, t, &err);

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(info), "refused: %s at 0x%x: %s",
			       err.what, err.offset, err.why);
	return info;
}

/* What QEMU's q35 builds: one catch-all unit with the IO-APIC in scope. */
static void build_qemu_like(struct tbl *t)
{
	u32 d;

	tbl_init(t, 38, ACPI_DMAR_INTR_REMAP);
	d = tbl_drhd(t, ACPI_DMAR_INCLUDE_ALL, 0, 0xfed90000);
	tbl_scope(t, ACPI_DMAR_SCOPE_TYPE_IOAPIC, 0, 0xff, 1, 0, 0);
	tbl_end(t, d);
	tbl_finish(t);
}

/*
 * Two units on segment 0, the first for the graphics endpoint and a bridge,
 * the second the catch-all; one RMRR; an ATSR; a structure of a reserved
 * type.
 */
static void build_two_units(struct tbl *t)
{
	u32 s;

	tbl_init(t, 47, 0);
	s = tbl_drhd(t, 0, 0, 0xfed90000);
	tbl_scope(t, ACPI_DMAR_SCOPE_TYPE_ENDPOINT, 0, 0, 1, 2, 0);
	tbl_scope(t, ACPI_DMAR_SCOPE_TYPE_BRIDGE, 0, 0, 2, 0x1c, 0, 0, 1);
	tbl_end(t, s);
	s = tbl_drhd(t, ACPI_DMAR_INCLUDE_ALL, 0, 0xfed91000);
	tbl_scope(t, ACPI_DMAR_SCOPE_TYPE_HPET, 3, 0, 1, 0x1f, 0);
	tbl_end(t, s);
	s = tbl_rmrr(t, 0, 0x7c000000, 0x7c7fffff);
	tbl_scope(t, ACPI_DMAR_SCOPE_TYPE_ENDPOINT, 0, 0, 1, 0x14, 0);
	tbl_end(t, s);
	s = tbl_begin(t, ACPI_DMAR_TYPE_ROOT_ATS);
	put8(t, 0);
	put8(t, 0);
	put16(t, 0);
	tbl_scope(t, ACPI_DMAR_SCOPE_TYPE_BRIDGE, 0, 0, 1, 0x1c, 0);
	tbl_end(t, s);
	s = tbl_begin(t, 0x77);
	put32(t, 0xdeadbeef);
	tbl_end(t, s);
	tbl_finish(t);
}

/* Namespace devices: an ANDD and its scope entry; an RHSA; a SATC. */
static void build_namespace(struct tbl *t)
{
	u32 s;

	tbl_init(t, 38, 0);
	s = tbl_drhd(t, ACPI_DMAR_INCLUDE_ALL, 1, 0xfeda0000);
	tbl_scope(t, ACPI_DMAR_SCOPE_TYPE_NAMESPACE, 5, 0, 1, 0x15, 1);
	tbl_end(t, s);
	s = tbl_begin(t, ACPI_DMAR_TYPE_HARDWARE_AFFINITY);
	put32(t, 0);
	put64(t, 0xfeda0000);
	put32(t, 1);
	tbl_end(t, s);
	s = tbl_begin(t, ACPI_DMAR_TYPE_NAMESPACE);
	put(t, "\0\0\0", 3);
	put8(t, 5);
	put(t, "\\_SB.PCI0.I2C0", 15);
	tbl_end(t, s);
	s = tbl_begin(t, ACPI_DMAR_TYPE_SATC);
	put(t, "\0\0\0\0", 4);
	tbl_scope(t, ACPI_DMAR_SCOPE_TYPE_ENDPOINT, 0, 0, 1, 2, 0);
	tbl_end(t, s);
	tbl_finish(t);
}

static void dmar_parses_qemu_like_table(struct kunit *test)
{
	const struct dmar_scope *sc;
	struct dmar_info *info;
	struct tbl t;

	build_qemu_like(&t);
	info = expect_parsed(test, &t);
	KUNIT_EXPECT_EQ(test, info->haw, 39);
	KUNIT_EXPECT_EQ(test, info->flags, ACPI_DMAR_INTR_REMAP);
	KUNIT_ASSERT_EQ(test, info->nr_units, 1);
	KUNIT_EXPECT_EQ(test, info->nr_rmrrs, 0);
	KUNIT_EXPECT_EQ(test, info->units[0].base, 0xfed90000);
	KUNIT_EXPECT_EQ(test, info->units[0].segment, 0);
	KUNIT_EXPECT_TRUE(test, info->units[0].include_all);
	KUNIT_EXPECT_EQ(test, info->units[0].offset, 48);
	KUNIT_ASSERT_EQ(test, info->units[0].nr_scopes, 1);
	sc = &info->units[0].scopes[0];
	KUNIT_EXPECT_EQ(test, sc->type, ACPI_DMAR_SCOPE_TYPE_IOAPIC);
	KUNIT_EXPECT_EQ(test, sc->bus, 0xff);
	KUNIT_EXPECT_EQ(test, sc->path_len, 1);
	KUNIT_EXPECT_EQ(test, sc->offset, 64);
}

static void dmar_parses_units_scopes_and_rmrrs(struct kunit *test)
{
	const struct dmar_unit *u0, *u1;
	const struct dmar_scope *sc;
	struct dmar_info *info;
	struct tbl t;

	build_two_units(&t);
	info = expect_parsed(test, &t);
	KUNIT_EXPECT_EQ(test, info->haw, 48);
	KUNIT_ASSERT_EQ(test, info->nr_units, 2);
	KUNIT_EXPECT_EQ(test, info->nr_other, 1);	/* the ATSR */
	KUNIT_EXPECT_EQ(test, info->nr_unknown, 1);	/* type 0x77 */
	u0 = &info->units[0];
	u1 = &info->units[1];
	KUNIT_EXPECT_FALSE(test, u0->include_all);
	KUNIT_EXPECT_TRUE(test, u1->include_all);
	KUNIT_EXPECT_EQ(test, u1->base, 0xfed91000);
	KUNIT_EXPECT_EQ(test, u1->offset, t.start[1]);
	KUNIT_ASSERT_EQ(test, u0->nr_scopes, 2);
	KUNIT_EXPECT_EQ(test, u0->scopes[0].type, ACPI_DMAR_SCOPE_TYPE_ENDPOINT);
	KUNIT_EXPECT_EQ(test, u0->scopes[0].path[0].device, 2);
	sc = &u0->scopes[1];
	KUNIT_EXPECT_EQ(test, sc->type, ACPI_DMAR_SCOPE_TYPE_BRIDGE);
	KUNIT_ASSERT_EQ(test, sc->path_len, 2);
	KUNIT_EXPECT_EQ(test, sc->path[0].device, 0x1c);
	KUNIT_EXPECT_EQ(test, sc->path[1].device, 0);
	KUNIT_EXPECT_EQ(test, sc->path[1].function, 1);
	KUNIT_ASSERT_EQ(test, u1->nr_scopes, 1);
	KUNIT_EXPECT_EQ(test, u1->scopes[0].type, ACPI_DMAR_SCOPE_TYPE_HPET);
	KUNIT_EXPECT_EQ(test, u1->scopes[0].id, 3);

	KUNIT_ASSERT_EQ(test, info->nr_rmrrs, 1);
	KUNIT_EXPECT_EQ(test, info->rmrrs[0].base, 0x7c000000);
	KUNIT_EXPECT_EQ(test, info->rmrrs[0].end, 0x7c7fffff);
	KUNIT_ASSERT_EQ(test, info->rmrrs[0].nr_scopes, 1);
	KUNIT_EXPECT_EQ(test, info->rmrrs[0].scopes[0].path[0].device, 0x14);
}

static void dmar_parses_namespace_devices(struct kunit *test)
{
	struct dmar_info *info;
	struct tbl t;

	build_namespace(&t);
	info = expect_parsed(test, &t);
	KUNIT_ASSERT_EQ(test, info->nr_units, 1);
	KUNIT_EXPECT_EQ(test, info->units[0].segment, 1);
	KUNIT_ASSERT_EQ(test, info->units[0].nr_scopes, 1);
	KUNIT_EXPECT_EQ(test, info->units[0].scopes[0].type,
			ACPI_DMAR_SCOPE_TYPE_NAMESPACE);
	KUNIT_EXPECT_EQ(test, info->units[0].scopes[0].id, 5);
	KUNIT_EXPECT_EQ(test, info->nr_other, 3);	/* RHSA, ANDD, SATC */
}

static void dmar_refuses_truncated_header(struct kunit *test)
{
	struct tbl t;

	build_qemu_like(&t);
	t.len = sizeof(struct acpi_table_dmar) - 1;
	expect_refused(test, &t, "DMAR header", 0);
	t.len = 0;
	expect_refused(test, &t, "DMAR header", 0);
}

static void dmar_refuses_bad_table_length(struct kunit *test)
{
	struct tbl t;

	build_qemu_like(&t);
	t.len--;		/* header says one byte more than there is */
	expect_refused(test, &t, "DMAR header", 4);

	build_qemu_like(&t);
	t.b[4] = 40;		/* shorter than the fixed header */
	fix_checksum(t.b, t.len);
	expect_refused(test, &t, "DMAR header", 4);
}

static void dmar_refuses_bad_signature(struct kunit *test)
{
	struct tbl t;

	build_qemu_like(&t);
	memcpy(t.b, "IVRS", 4);
	fix_checksum(t.b, t.len);
	expect_refused(test, &t, "DMAR header", 0);
}

static void dmar_refuses_bad_checksum(struct kunit *test)
{
	struct tbl t;

	build_two_units(&t);
	t.b[t.len - 1] ^= 0x10;
	expect_refused(test, &t, "DMAR header", 9);
}

static void dmar_refuses_zero_length_structure(struct kunit *test)
{
	struct tbl t;

	build_two_units(&t);
	set16(&t, t.start[2] + 2, 0);	/* the RMRR */
	tbl_finish(&t);
	expect_refused(test, &t, "RMRR", t.start[2]);
}

static void dmar_refuses_structure_past_table_end(struct kunit *test)
{
	struct tbl t;

	build_two_units(&t);
	set16(&t, t.start[1] + 2, t.len - t.start[1] + 1);
	tbl_finish(&t);
	expect_refused(test, &t, "DRHD", t.start[1]);
}

static void dmar_refuses_trailing_partial_header(struct kunit *test)
{
	struct tbl t;

	build_qemu_like(&t);
	put16(&t, ACPI_DMAR_TYPE_HARDWARE_UNIT);	/* no length field */
	tbl_finish(&t);
	expect_refused(test, &t, "remapping structure", t.len - 2);
}

static void dmar_refuses_short_drhd(struct kunit *test)
{
	struct tbl t;

	tbl_init(&t, 38, 0);
	tbl_begin(&t, ACPI_DMAR_TYPE_HARDWARE_UNIT);
	put32(&t, 0);
	put32(&t, 0xfed90000);
	tbl_end(&t, t.start[0]);	/* 12 bytes: no room for the address */
	tbl_finish(&t);
	expect_refused(test, &t, "DRHD", 48);
}

static void dmar_refuses_scope_past_its_structure(struct kunit *test)
{
	u32 scope;
	struct tbl t;

	/* The scope fits in the table but not in its DRHD. */
	tbl_init(&t, 38, 0);
	tbl_drhd(&t, ACPI_DMAR_INCLUDE_ALL, 0, 0xfed90000);
	scope = tbl_scope(&t, ACPI_DMAR_SCOPE_TYPE_IOAPIC, 0, 0xff, 1, 0, 0);
	tbl_end(&t, t.start[0]);
	tbl_rmrr(&t, 0, 0x1000, 0x1fff);
	tbl_end(&t, t.start[1]);
	t.b[scope + 1] = 10;		/* 2 bytes into the RMRR */
	tbl_finish(&t);
	expect_refused(test, &t, "device scope", scope);
}

static void dmar_refuses_zero_length_scope(struct kunit *test)
{
	u32 scope;
	struct tbl t;

	tbl_init(&t, 38, 0);
	tbl_drhd(&t, ACPI_DMAR_INCLUDE_ALL, 0, 0xfed90000);
	scope = tbl_scope(&t, ACPI_DMAR_SCOPE_TYPE_IOAPIC, 0, 0xff, 1, 0, 0);
	tbl_end(&t, t.start[0]);
	t.b[scope + 1] = 0;
	tbl_finish(&t);
	expect_refused(test, &t, "device scope", scope);
}

static void dmar_refuses_odd_or_missing_path(struct kunit *test)
{
	u32 scope;
	struct tbl t;

	tbl_init(&t, 38, 0);
	tbl_drhd(&t, 0, 0, 0xfed90000);
	scope = tbl_scope(&t, ACPI_DMAR_SCOPE_TYPE_ENDPOINT, 0, 0, 0);
	tbl_end(&t, t.start[0]);
	tbl_finish(&t);
	expect_refused(test, &t, "device scope", scope);

	tbl_init(&t, 38, 0);
	tbl_drhd(&t, 0, 0, 0xfed90000);
	scope = tbl_scope(&t, ACPI_DMAR_SCOPE_TYPE_ENDPOINT, 0, 0, 1, 2, 0);
	put8(&t, 0);
	t.b[scope + 1] = 9;
	tbl_end(&t, t.start[0]);
	tbl_finish(&t);
	expect_refused(test, &t, "device scope", scope);
}

static void dmar_skips_unknown_types(struct kunit *test)
{
	struct dmar_info *info;
	u32 s;
	struct tbl t;

	tbl_init(&t, 38, 0);
	s = tbl_begin(&t, ACPI_DMAR_TYPE_RESERVED);
	put64(&t, 0);
	tbl_end(&t, s);
	s = tbl_drhd(&t, 0, 0, 0xfed90000);
	tbl_scope(&t, 0x42, 0, 0, 0);	/* reserved scope type, no path */
	tbl_scope(&t, ACPI_DMAR_SCOPE_TYPE_ENDPOINT, 0, 0, 1, 3, 0);
	tbl_scope(&t, ACPI_DMAR_SCOPE_TYPE_NOT_USED, 0, 0, 1, 4, 0);
	tbl_end(&t, s);
	s = tbl_begin(&t, 0xffff);
	tbl_end(&t, s);
	tbl_finish(&t);

	info = expect_parsed(test, &t);
	KUNIT_EXPECT_EQ(test, info->nr_unknown, 4);
	KUNIT_ASSERT_EQ(test, info->nr_units, 1);
	KUNIT_ASSERT_EQ(test, info->units[0].nr_scopes, 1);
	KUNIT_EXPECT_EQ(test, info->units[0].scopes[0].path[0].device, 3);
}

static void dmar_refuses_overlapping_units(struct kunit *test)
{
	struct dmar_parse_error err;
	struct tbl t;
	u32 s;

	tbl_init(&t, 38, 0);
	s = tbl_drhd(&t, 0, 0, 0xfed90000);
	tbl_scope(&t, ACPI_DMAR_SCOPE_TYPE_ENDPOINT, 0, 0, 1, 2, 0);
	tbl_end(&t, s);
	s = tbl_drhd(&t, 0, 1, 0xfed90000);	/* same registers */
	tbl_scope(&t, ACPI_DMAR_SCOPE_TYPE_ENDPOINT, 0, 0, 1, 3, 0);
	tbl_end(&t, s);
	tbl_finish(&t);
	expect_refused(test, &t, "DRHD", t.start[1]);
	KUNIT_EXPECT_TRUE(test, IS_ERR(parse(test, &t, &err)));
	KUNIT_EXPECT_EQ(test, err.other, t.start[0]);

	/* An 8 KiB register set reaching into the next unit's page. */
	tbl_init(&t, 38, 0);
	s = tbl_drhd(&t, 0, 0, 0xfed90000);
	t.b[s + 5] = 1;
	tbl_end(&t, s);
	s = tbl_drhd(&t, 0, 0, 0xfed91000);
	tbl_end(&t, s);
	tbl_finish(&t);
	expect_refused(test, &t, "DRHD", t.start[1]);
}

static void dmar_refuses_two_catch_alls_on_a_segment(struct kunit *test)
{
	struct dmar_info *info;
	struct tbl t;
	u32 s;

	tbl_init(&t, 38, 0);
	s = tbl_drhd(&t, ACPI_DMAR_INCLUDE_ALL, 0, 0xfed90000);
	tbl_end(&t, s);
	s = tbl_drhd(&t, ACPI_DMAR_INCLUDE_ALL, 1, 0xfed91000);
	tbl_end(&t, s);
	tbl_finish(&t);
	info = expect_parsed(test, &t);		/* different segments */
	KUNIT_EXPECT_EQ(test, info->nr_units, 2);

	s = tbl_drhd(&t, ACPI_DMAR_INCLUDE_ALL, 0, 0xfed92000);
	tbl_end(&t, s);
	tbl_finish(&t);
	expect_refused(test, &t, "DRHD", t.start[2]);
}

static void dmar_refuses_bad_register_base_and_rmrr(struct kunit *test)
{
	struct tbl t;
	u32 s;

	tbl_init(&t, 38, 0);
	s = tbl_drhd(&t, ACPI_DMAR_INCLUDE_ALL, 0, 0xfed90800);
	tbl_end(&t, s);
	tbl_finish(&t);
	expect_refused(test, &t, "DRHD", s);

	tbl_init(&t, 38, 0);
	s = tbl_drhd(&t, ACPI_DMAR_INCLUDE_ALL, 0, 0xfed90000);
	tbl_end(&t, s);
	s = tbl_rmrr(&t, 0, 0x2000, 0x1fff);
	tbl_end(&t, s);
	tbl_finish(&t);
	expect_refused(test, &t, "RMRR", s);
}

/* The parser sees @len bytes that end where the guard page begins. */
struct guarded {
	u8 *page;
};

static void guarded_free(void *page)
{
	vfree(page);
}

static u8 *guarded_place(struct guarded *g, const u8 *b, u32 len)
{
	u8 *at = g->page + PAGE_SIZE - len;

	memcpy(at, b, len);
	return at;
}

static void guarded_init(struct kunit *test, struct guarded *g)
{
	g->page = vmalloc(PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, g->page);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, guarded_free,
							g->page), 0);
}

static bool scope_ok(const struct dmar_scope *sc, u32 len)
{
	return sc->type >= ACPI_DMAR_SCOPE_TYPE_ENDPOINT &&
	       sc->type <= ACPI_DMAR_SCOPE_TYPE_NAMESPACE &&
	       sc->path_len >= 1 && sc->offset + 6 + 2 * sc->path_len <= len;
}

/* Whether a parse result is self-consistent for a table of @len bytes. */
static bool result_ok(const struct dmar_info *info, u32 len)
{
	unsigned int i, j;

	if (info->haw < 1 || info->haw > 64)
		return false;
	if (info->nr_units + info->nr_rmrrs > len / 4)
		return false;
	for (i = 0; i < info->nr_units; i++) {
		const struct dmar_unit *u = &info->units[i];

		if (u->offset < 48 || u->offset + 16 > len || !u->base ||
		    (u->base & 0xfff))
			return false;
		for (j = 0; j < u->nr_scopes; j++)
			if (!scope_ok(&u->scopes[j], len) ||
			    u->scopes[j].offset < u->offset + 16)
				return false;
	}
	for (i = 0; i < info->nr_rmrrs; i++) {
		const struct dmar_rmrr *r = &info->rmrrs[i];

		if (r->offset < 48 || r->offset + 24 > len || r->end < r->base)
			return false;
		for (j = 0; j < r->nr_scopes; j++)
			if (!scope_ok(&r->scopes[j], len))
				return false;
	}
	return true;
}

static void mutate(struct rnd_state *rs, u8 *b, u32 *len)
{
	u32 pos = *len ? prandom_u32_state(rs) % *len : 0;
	u32 v = prandom_u32_state(rs);

	switch (prandom_u32_state(rs) % 6) {
	case 0:		/* one byte, any value */
		if (*len)
			b[pos] = v;
		break;
	case 1:		/* one bit */
		if (*len)
			b[pos] ^= 1 << (v % 8);
		break;
	case 2:		/* a small 16-bit value: lengths, types */
		if (*len >= 2) {
			u16 small = v % 64;

			memcpy(b + min(pos, *len - 2), &small, 2);
		}
		break;
	case 3:		/* cut the table short */
		if (*len)
			*len = v % *len;
		break;
	case 4:		/* grow it with garbage */
		if (*len < TBL_MAX) {
			u32 add = 1 + v % min_t(u32, 32, TBL_MAX - *len);

			get_random_bytes(b + *len, add);
			*len += add;
		}
		break;
	default:	/* copy a chunk over another place */
		if (*len >= 8) {
			u32 from = v % (*len - 4);

			memmove(b + min(pos, *len - 4), b + from, 4);
		}
		break;
	}
}

static void dmar_survives_random_mutations(struct kunit *test)
{
	void (*const build[])(struct tbl *t) = {
		build_qemu_like, build_two_units, build_namespace,
	};
	u64 seed = FUZZ_SEED ?: get_random_u64();
	unsigned int round, parsed = 0, refused = 0;
	struct dmar_parse_error err;
	struct dmar_info *info;
	struct guarded g;
	struct rnd_state rs;
	struct tbl t;

	guarded_init(test, &g);
	prandom_seed_state(&rs, seed);
	kunit_info(test, "seed %llu, %d rounds\n", seed, FUZZ_ROUNDS);

	for (round = 0; round < FUZZ_ROUNDS; round++) {
		unsigned int n = 1 + prandom_u32_state(&rs) % 4;
		u32 len;

		build[prandom_u32_state(&rs) % ARRAY_SIZE(build)](&t);
		len = t.len;
		while (n--)
			mutate(&rs, t.b, &len);
		/* Mostly keep the header honest, to get past it. */
		if (prandom_u32_state(&rs) % 4)
			fix_header(t.b, len);

		info = dmar_parse_table(guarded_place(&g, t.b, len), len, &err);
		if (IS_ERR(info)) {
			KUNIT_ASSERT_EQ_MSG(test, PTR_ERR(info), -EINVAL,
					    "seed %llu round %u", seed, round);
			KUNIT_ASSERT_TRUE_MSG(test, err.what && err.why &&
					      err.offset <= max_t(u32, len, 48),
					      "seed %llu round %u", seed, round);
			refused++;
			continue;
		}
		KUNIT_ASSERT_TRUE_MSG(test, result_ok(info, len),
				      "seed %llu round %u", seed, round);
		dmar_info_free(info);
		parsed++;
	}
	kunit_info(test, "%u parsed, %u refused\n", parsed, refused);
	/* Both outcomes must occur, or the mutations test nothing. */
	KUNIT_EXPECT_GT_MSG(test, parsed, 0, "seed %llu", seed);
	KUNIT_EXPECT_GT_MSG(test, refused, 0, "seed %llu", seed);
}

/*
 * Every prefix of a valid table, with its header made to match, parses
 * exactly when it ends between structures.
 */
static void dmar_accepts_prefixes_only_at_boundaries(struct kunit *test)
{
	struct dmar_info *info;
	struct guarded g;
	struct tbl t;
	u32 len, i;

	guarded_init(test, &g);
	build_two_units(&t);
	for (len = 0; len <= t.len; len++) {
		struct tbl cut = t;
		bool boundary = len == t.len || len == 48;

		for (i = 0; i < t.nr; i++)
			boundary |= len == t.start[i];
		fix_header(cut.b, len);
		info = dmar_parse_table(guarded_place(&g, cut.b, len), len,
					NULL);
		KUNIT_EXPECT_EQ_MSG(test, !IS_ERR(info), boundary, "len %u",
				    len);
		if (!IS_ERR(info))
			dmar_info_free(info);
	}
}

static struct kunit_case dmar_test_cases[] = {
	KUNIT_CASE(dmar_parses_qemu_like_table),
	KUNIT_CASE(dmar_parses_units_scopes_and_rmrrs),
	KUNIT_CASE(dmar_parses_namespace_devices),
	KUNIT_CASE(dmar_refuses_truncated_header),
	KUNIT_CASE(dmar_refuses_bad_table_length),
	KUNIT_CASE(dmar_refuses_bad_signature),
	KUNIT_CASE(dmar_refuses_bad_checksum),
	KUNIT_CASE(dmar_refuses_zero_length_structure),
	KUNIT_CASE(dmar_refuses_structure_past_table_end),
	KUNIT_CASE(dmar_refuses_trailing_partial_header),
	KUNIT_CASE(dmar_refuses_short_drhd),
	KUNIT_CASE(dmar_refuses_scope_past_its_structure),
	KUNIT_CASE(dmar_refuses_zero_length_scope),
	KUNIT_CASE(dmar_refuses_odd_or_missing_path),
	KUNIT_CASE(dmar_skips_unknown_types),
	KUNIT_CASE(dmar_refuses_overlapping_units),
	KUNIT_CASE(dmar_refuses_two_catch_alls_on_a_segment),
	KUNIT_CASE(dmar_refuses_bad_register_base_and_rmrr),
	KUNIT_CASE(dmar_survives_random_mutations),
	KUNIT_CASE(dmar_accepts_prefixes_only_at_boundaries),
	{}
};

static struct kunit_suite dmar_test_suite = {
	.name = "iommu_dmar",
	.test_cases = dmar_test_cases,
};

kunit_test_suite(dmar_test_suite);

#ifdef CONFIG_FAILSLAB

/* --- Allocation failures ----------------------------------------------- */

struct dmar_fault_ctx {
	struct tbl t;
	struct dmar_parse_error err;
	struct dmar_info *info;
};

static int dmar_fault_op(struct kunit *test, void *data)
{
	struct dmar_fault_ctx *c = data;

	c->info = dmar_parse_table(c->t.b, c->t.len, &c->err);
	return PTR_ERR_OR_ZERO(c->info);
}

/* The whole table made it: both units, their scopes, the RMRR. */
static void dmar_fault_undo(struct kunit *test, void *data)
{
	struct dmar_fault_ctx *c = data;

	KUNIT_EXPECT_EQ(test, c->info->nr_units, 2);
	KUNIT_EXPECT_EQ(test, c->info->units[0].nr_scopes, 2);
	KUNIT_EXPECT_EQ(test, c->info->units[1].nr_scopes, 1);
	KUNIT_EXPECT_EQ(test, c->info->nr_rmrrs, 1);
	dmar_info_free(c->info);
	c->info = NULL;
}

/* A failed allocation is -ENOMEM, never blamed on the table. */
static void dmar_fault_check(struct kunit *test, void *data)
{
	struct dmar_fault_ctx *c = data;

	if (c->info)
		KUNIT_EXPECT_EQ(test, PTR_ERR(c->info), -ENOMEM);
	KUNIT_EXPECT_NULL(test, c->err.what);
	KUNIT_EXPECT_NULL(test, c->err.why);
	c->info = NULL;
}

static void dmar_parse_survives_allocation_failures(struct kunit *test)
{
	static const struct iommu_kunit_fault_case fc = {
		.op = dmar_fault_op,
		.undo = dmar_fault_undo,
		.check = dmar_fault_check,
	};
	struct dmar_fault_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	build_two_units(&c->t);
	kunit_info(test, "%d allocations walked",
		   iommu_kunit_fault_walk(test, &fc, c));
}

static struct kunit_case dmar_fault_test_cases[] = {
	KUNIT_CASE(dmar_parse_survives_allocation_failures),
	{}
};

static struct kunit_suite dmar_fault_test_suite = {
	.name = "iommu_dmar_faults",
	.init = iommu_kunit_fault_init,
	.test_cases = dmar_fault_test_cases,
};

kunit_test_suite(dmar_fault_test_suite);

#endif /* CONFIG_FAILSLAB */

MODULE_DESCRIPTION("KUnit tests for the DMAR table parser");
MODULE_LICENSE("GPL");
