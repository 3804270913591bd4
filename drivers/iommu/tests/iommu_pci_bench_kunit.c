// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark of PCI grouping: the time to group every function of a fake
 * PCI hierarchy, on several shapes at 1,024, 4,096 and 16,384 functions,
 * and the slab memory the groups took.  Not a test: it prints one line per
 * shape and size and asserts only that every function got a group.  It
 * knows the core only through iommu_pci_bench.h, so "make bench" runs the
 * same file on our core and on upstream's (harness/uml-bench.sh).
 *
 * UML has one PCI segment, so a hierarchy has 256 bus numbers; each shape
 * is built of units that fit:
 *  pods   a root port with ACS, a PCIe-to-PCI bridge below it and 254
 *         conventional functions behind that: 2 groups per 256 functions
 *  flat   256 root-complex integrated endpoints with ACS on a root bus of
 *         their own, each alone
 *  sriov  a root port with ACS, a physical function with ACS below it and
 *         254 virtual functions on the next (virtual) bus, each alone
 *  mf     a root port with ACS and an 8-function endpoint without ACS below
 *         it: 2 groups per 9 functions, a bus per unit, so 255 units at most
 *  mf-rc  8-function root-complex integrated endpoints without ACS, 32 on a
 *         root bus: a group per endpoint
 *
 * Each line: "row SHAPE FUNCTIONS NS GROUPS EXPECTED BYTES", BYTES being the
 * growth of the slab (sysfs, debugfs and the cores' records included) over
 * the add; or "capped SHAPE FUNCTIONS NS" for a size not run because the
 * size below it, scaled quadratically, predicts more than budget_ms; or
 * "skipped SHAPE FUNCTIONS" for one that does not fit.
 */

#include <kunit/test.h>
#include <linux/iommu.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmstat.h>

#include "iommu_pci_bench.h"
#include "iommu_pci_fake.h"

static unsigned int budget_ms = 60000;
module_param(budget_ms, uint, 0444);
MODULE_PARM_DESC(budget_ms, "longest predicted run of one shape and size");

static bool skew;
module_param(skew, bool, 0444);
MODULE_PARM_DESC(skew, "drop ACS from the first flat root bus, so that the groups differ from another kernel's");

#define UNIT_VFS	254
#define MAX_ROOTS	64

/**
 * struct bench_hier - the fake hierarchy of one run
 * @fp: its root buses, numbered 0 on
 * @nr_roots: how many of @fp are used
 * @nr_pfs: SR-IOV physical functions, at 00.0 of buses 1, 3, 5, ...
 */
struct bench_hier {
	struct fake_pci fp[MAX_ROOTS];
	unsigned int nr_roots;
	unsigned int nr_pfs;
};

/**
 * struct bench_shape - a kind of hierarchy, built of units
 * @name: its name in the figures
 * @unit_fns: functions in a unit
 * @unit_groups: groups the PCI rules make of a unit
 * @max_units: units that fit into one PCI segment
 * @build: add @units units to @h, setting @h->nr_roots
 */
struct bench_shape {
	const char *name;
	unsigned int unit_fns;
	unsigned int unit_groups;
	unsigned int max_units;
	void (*build)(struct bench_hier *h, unsigned int units);
};

/* Root ports with ACS at 00:00.0 on, 8 per slot, the bus below each at 1 + @stride * p. */
static void build_ports(struct bench_hier *h, unsigned int units, u8 stride,
			void (*below)(struct bench_hier *h, u8 bus))
{
	unsigned int p;
	u8 sec;

	h->nr_roots = 1;
	for (p = 0; p < units; p++) {
		sec = 1 + stride * p;
		fake_add(&h->fp[0], 0, PCI_DEVFN(p / 8, p % 8), FAKE_RP,
			 F_MF | F_ACS, sec, sec + stride - 1);
		below(h, sec);
	}
}

/* A PCIe-to-PCI bridge and 254 conventional functions behind it. */
static void pod_below(struct bench_hier *h, u8 bus)
{
	unsigned int i;

	fake_add(&h->fp[0], bus, 0, FAKE_P2P, 0, bus + 1, bus + 1);
	for (i = 0; i < 254; i++)
		fake_add(&h->fp[0], bus + 1, i, FAKE_CONV, F_MF, 0, 0);
}

static void build_pods(struct bench_hier *h, unsigned int units)
{
	build_ports(h, units, 2, pod_below);
}

/* A PF with ACS whose VFs fill devfn 0 on of the next bus. */
static void sriov_below(struct bench_hier *h, u8 bus)
{
	unsigned int i;

	fake_add(&h->fp[0], bus, 0, FAKE_EP, F_ACS, 0, 0);
	fake_set_sriov(&h->fp[0], bus, 0, UNIT_VFS, 256);
	for (i = 0; i < UNIT_VFS; i++)
		fake_add(&h->fp[0], bus + 1, i, FAKE_EP, 0, 0, 0);
	h->nr_pfs++;
}

static void build_sriov(struct bench_hier *h, unsigned int units)
{
	build_ports(h, units, 2, sriov_below);
}

/* An 8-function endpoint without ACS. */
static void mf_below(struct bench_hier *h, u8 bus)
{
	unsigned int f;

	for (f = 0; f < 8; f++)
		fake_add(&h->fp[0], bus, f, FAKE_EP, F_MF, 0, 0);
}

static void build_mf(struct bench_hier *h, unsigned int units)
{
	build_ports(h, units, 1, mf_below);
}

/* @units root-complex functions, 256 on each root bus from 0 on. */
static void build_rc(struct bench_hier *h, unsigned int units,
		     unsigned int unit_fns, unsigned int flags)
{
	unsigned int i, n = units * unit_fns;

	h->nr_roots = DIV_ROUND_UP(n, 256);
	for (i = 0; i < n; i++)
		fake_add(&h->fp[i / 256], i / 256, i % 256, FAKE_RCIEP,
			 skew && i < 256 ? F_MF : flags, 0, 0);
}

static void build_flat(struct bench_hier *h, unsigned int units)
{
	build_rc(h, units, 256, F_MF | F_ACS);
}

static void build_mf_rc(struct bench_hier *h, unsigned int units)
{
	build_rc(h, units, 8, F_MF);
}

static const struct bench_shape shapes[] = {
	{ "pods",  256, 2,   127, build_pods },
	{ "flat",  256, 256, MAX_ROOTS, build_flat },
	{ "sriov", 256, 256, 127, build_sriov },
	{ "mf",    9,   2,   255, build_mf },
	{ "mf-rc", 8,   1,   MAX_ROOTS * 32, build_mf_rc },
};

static unsigned long slab_bytes(void)
{
	return (global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B) +
		global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B)) *
	       PAGE_SIZE;
}

/* Number of distinct groups of the functions of @h, all of which must have one. */
static unsigned int count_groups(struct kunit *test, struct bench_hier *h)
{
	unsigned int r, groups = 0;
	unsigned long *seen, idx;
	struct fake_fn *fn;
	int id;

	seen = bitmap_zalloc(1 << 16, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	for (r = 0; r < h->nr_roots; r++) {
		xa_for_each(&h->fp[r].fns, idx, fn) {
			id = fake_gid(idx >> 8, idx & 0xff);
			KUNIT_EXPECT_GE(test, id, 0);
			if (id >= 0 && id < (1 << 16) &&
			    !__test_and_set_bit(id, seen))
				groups++;
		}
	}
	bitmap_free(seen);
	return groups;
}

static int bench_scan(struct bench_hier *h)
{
	struct pci_dev *pf;
	unsigned int i;
	int ret;

	for (i = 0; i < h->nr_roots; i++) {
		ret = fake_pci_scan(&h->fp[i]);
		if (ret)
			return ret;
	}
	for (i = 0; i < h->nr_pfs; i++) {
		pf = fake_dev(1 + 2 * i, 0);
		ret = pf ? pci_enable_sriov(pf, UNIT_VFS) : -ENODEV;
		if (ret)
			return ret;
	}
	return 0;
}

static void bench_fini(struct bench_hier *h)
{
	struct pci_dev *pf;
	unsigned int i;

	for (i = 0; i < h->nr_pfs; i++) {
		pf = fake_dev(1 + 2 * i, 0);
		if (pf)
			pci_disable_sriov(pf);
	}
	for (i = 0; i < h->nr_roots; i++)
		fake_pci_fini(&h->fp[i]);
}

/* Group @units units of @s once and print the row. */
static u64 bench_run(struct kunit *test, const struct bench_shape *s,
		     unsigned int units)
{
	struct bench_hier *h = kzalloc(sizeof(*h), GFP_KERNEL);
	unsigned int i, groups = 0;
	unsigned long before;
	long bytes = 0;
	u64 ns = 0;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, h);
	for (i = 0; i < MAX_ROOTS; i++)
		fake_pci_init(&h->fp[i], i);
	s->build(h, units);
	ret = bench_scan(h);
	if (!ret) {
		before = slab_bytes();
		ns = ktime_get_ns();
		ret = iommu_pci_bench_attach();
		ns = ktime_get_ns() - ns;
		bytes = slab_bytes() - before;
		if (!ret)
			groups = count_groups(test, h);
		iommu_pci_bench_detach();
	}
	bench_fini(h);
	kfree(h);
	KUNIT_ASSERT_EQ(test, ret, 0);
	kunit_info(test, "row %s %u %llu %u %u %ld\n", s->name,
		   units * s->unit_fns, ns, groups, units * s->unit_groups,
		   bytes);
	return ns;
}

static void pci_bench_grouping(struct kunit *test)
{
	static const unsigned int sizes[] = { 1024, 4096, 16384 };
	unsigned int i, j, units, last_n;
	const struct bench_shape *s;
	u64 last_ns, predicted;

	kunit_info(test, "core %s budget_ms %u\n", iommu_pci_bench_core(),
		   budget_ms);
	for (i = 0; i < ARRAY_SIZE(shapes); i++) {
		s = &shapes[i];
		last_ns = 0;
		last_n = 0;
		for (j = 0; j < ARRAY_SIZE(sizes); j++) {
			units = DIV_ROUND_CLOSEST(sizes[j], s->unit_fns);
			if (units > s->max_units) {
				kunit_info(test, "skipped %s %u\n", s->name,
					   sizes[j]);
				continue;
			}
			predicted = last_n ? div_u64(div_u64(last_ns * sizes[j],
							     last_n) * sizes[j],
						     last_n) : 0;
			if (predicted > (u64)budget_ms * NSEC_PER_MSEC) {
				kunit_info(test, "capped %s %u %llu\n", s->name,
					   units * s->unit_fns, predicted);
				break;
			}
			last_ns = bench_run(test, s, units);
			last_n = sizes[j];
		}
	}
}

static struct kunit_case pci_bench_cases[] = {
	KUNIT_CASE_SLOW(pci_bench_grouping),
	{}
};

static struct kunit_suite pci_bench_suite = {
	.name = "iommu_pci_bench",
	.test_cases = pci_bench_cases,
};

kunit_test_suite(pci_bench_suite);

MODULE_DESCRIPTION("Benchmark of the PCI isolation rules of IOMMU groups");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
