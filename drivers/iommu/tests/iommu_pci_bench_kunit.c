// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark of pci_device_group(): how grouping cost grows with the number of
 * PCI functions, and what a group and a member cost in memory.  Not a test:
 * it prints figures and asserts only that grouping worked.  Run it with
 * "make bench"; see drivers/iommu/bench.kunitconfig.
 *
 * A domain has 256 bus numbers, so large hierarchies need full buses.  Each
 * "pod" of 256 functions is a root port with ACS on the root bus, a
 * PCIe-to-PCI bridge below it and 254 conventional functions behind that:
 * two groups, of 1 and 255 members.  A "flat" hierarchy of 256
 * root-complex integrated endpoints with ACS gives 256 groups of one; the
 * two together separate the cost of a group from that of a member.
 */

#include <kunit/test.h>
#include <linux/iommu.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/vmstat.h>

#include "iommu_kunit_helpers.h"
#include "iommu_pci_fake.h"

#define POD_FUNCTIONS	256
#define RUNS		2

static struct iommu_device *bench_add_device(struct device *dev)
{
	if (!fake_on_bus(to_pci_dev(dev)))
		return ERR_PTR(-ENODEV);
	return iommu_kunit_add_device(dev);
}

static const struct iommu_ops bench_ops = {
	.add_device = bench_add_device,
	.device_group = pci_device_group,
};

/* @nr_pods pods below root bus 0: root ports at 00:00.0 on, 8 per slot. */
static void build_pods(struct fake_pci *fp, unsigned int nr_pods)
{
	unsigned int p, i;
	u8 rp_bus, conv;

	for (p = 0; p < nr_pods; p++) {
		rp_bus = 1 + 2 * p;
		conv = rp_bus + 1;
		fake_add(fp, 0, PCI_DEVFN(p / 8, p % 8), FAKE_RP, F_MF | F_ACS,
			 rp_bus, conv);
		fake_add(fp, rp_bus, 0, FAKE_P2P, 0, conv, conv);
		for (i = 0; i < POD_FUNCTIONS - 2; i++)
			fake_add(fp, conv, i, FAKE_CONV, F_MF, 0, 0);
	}
}

/* 256 isolated functions on root bus 0. */
static void build_flat(struct fake_pci *fp)
{
	unsigned int i;

	for (i = 0; i < 256; i++)
		fake_add(fp, 0, i, FAKE_RCIEP, F_MF | F_ACS, 0, 0);
}

static unsigned long slab_bytes(void)
{
	return (global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B) +
		global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B)) *
	       PAGE_SIZE;
}

/**
 * struct bench_result - one grouping run
 * @ns: time to group every function
 * @bytes: slab memory the groups and the index took
 * @groups: number of groups made
 */
struct bench_result {
	u64 ns;
	long bytes;
	unsigned int groups;
};

/* Number of distinct groups of the functions of @fp, all of which must have one. */
static unsigned int count_groups(struct kunit *test, struct fake_pci *fp)
{
	unsigned long *seen, idx;
	unsigned int groups = 0;
	struct fake_fn *fn;
	int id;

	seen = bitmap_zalloc(1 << 16, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	xa_for_each(&fp->fns, idx, fn) {
		id = fake_gid(idx >> 8, idx & 0xff);
		KUNIT_EXPECT_GE(test, id, 0);
		if (id >= 0 && id < (1 << 16) && !__test_and_set_bit(id, seen))
			groups++;
	}
	bitmap_free(seen);
	return groups;
}

/* Group the hierarchy that @build makes: hand the PCI bus to our driver. */
static void bench_run(struct kunit *test,
		      void (*build)(struct fake_pci *fp, unsigned int arg),
		      unsigned int arg, struct bench_result *r)
{
	struct fake_pci *fp = kunit_kzalloc(test, sizeof(*fp), GFP_KERNEL);
	unsigned long before;
	u64 start;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, fp);
	fake_pci_init(fp, 0);
	build(fp, arg);
	ret = fake_pci_scan(fp);
	if (!ret) {
		before = slab_bytes();
		start = ktime_get_ns();
		ret = bus_set_iommu(&pci_bus_type, &bench_ops);
		r->ns = ktime_get_ns() - start;
		r->bytes = slab_bytes() - before;
		r->groups = ret ? 0 : count_groups(test, fp);
		bus_set_iommu(&pci_bus_type, NULL);
	}
	fake_pci_fini(fp);
	kunit_kfree(test, fp);
	KUNIT_ASSERT_EQ(test, ret, 0);
}

static void build_flat_arg(struct fake_pci *fp, unsigned int unused)
{
	build_flat(fp);
}

/* The best of RUNS runs of @nr_pods pods. */
static void bench_pods(struct kunit *test, unsigned int nr_pods,
		       struct bench_result *best)
{
	struct bench_result r;
	int i;

	for (i = 0; i < RUNS; i++) {
		bench_run(test, build_pods, nr_pods, &r);
		if (!i || r.ns < best->ns)
			*best = r;
	}
	KUNIT_EXPECT_EQ(test, best->groups, 2 * nr_pods);
	kunit_info(test, "%u functions: %llu ns per added device, %u groups\n",
		   nr_pods * POD_FUNCTIONS,
		   div_u64(best->ns, nr_pods * POD_FUNCTIONS), best->groups);
}

static void pci_bench_grouping(struct kunit *test)
{
	static const unsigned int pods[] = { 4, 16, 64 };
	struct bench_result r[ARRAY_SIZE(pods)], flat;
	long member, group;
	unsigned int i, n;
	u64 ratio;

	for (i = 0; i < ARRAY_SIZE(pods); i++)
		bench_pods(test, pods[i], &r[i]);
	ratio = div64_u64(r[2].ns * 100, r[0].ns);
	kunit_info(test, "t(16384)/t(1024) = %llu.%02llu (linear: 16, target <= 20)\n",
		   ratio / 100, ratio % 100);

	/*
	 * bytes = groups * group + members * member, from the flat run
	 * (256 groups of one) and the largest pod run.
	 */
	bench_run(test, build_flat_arg, 0, &flat);
	KUNIT_EXPECT_EQ(test, flat.groups, 256);
	n = pods[2] * POD_FUNCTIONS;
	member = (r[2].bytes - (long)r[2].groups * flat.bytes / 256) /
		 (long)(n - r[2].groups);
	group = flat.bytes / 256 - member;
	kunit_info(test, "memory: %ld bytes per group, %ld bytes per member (slab, incl. sysfs and debugfs)\n",
		   group, member);
	kunit_info(test, "raw: %u functions in %u groups took %ld bytes; 256 in 256 took %ld\n",
		   n, r[2].groups, r[2].bytes, flat.bytes);
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
