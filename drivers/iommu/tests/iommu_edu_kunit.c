// SPDX-License-Identifier: GPL-2.0-only
/*
 * End-to-end KUnit tests of DMA translation inside a QEMU guest, under
 * Intel VT-d or AMD-Vi (whichever translates edu), with QEMU's "edu" PCI
 * device as the DMA engine: it copies between a 4 KiB
 * buffer of its own (at device address 0x40000) and memory.  The tests use
 * the public IOMMU API and the kernel DMA API only and look at what the
 * device really reached.  The DMA API cases need the default DMA domain,
 * the identity case iommu.passthrough=1; each skips otherwise.
 *
 * Target addresses are decoys where they can be: an IOVA is the physical
 * address of a page the test owns and never maps, so DMA that bypasses the
 * IOMMU lands in the decoy, where the test sees it, and not in somebody
 * else's memory.  The edu device masks memory addresses to 28 bits, so
 * every address it is given is below 256 MiB.
 *
 * Without an edu device (or an IOMMU group for it, or with a unit of
 * neither kind) every case is skipped.
 *
 * What differs between the two: where the unit's files are, the IOVA width
 * of a paging domain, and whether blocked DMA is reported.  VT-d records a
 * fault for every DMA it blocks.  QEMU 7.2's amd-iommu writes no event at
 * all (README, "Found outside our code"), so there the cases check that the
 * data did not arrive and not the fault count.
 */

#define pr_fmt(fmt) "iommu_edu: " fmt

#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "../iommu-fq.h"
#include "../iommu-priv.h"
#include "iommu_kunit_helpers.h"

#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8

/* edu's BAR0 registers (QEMU's hw/misc/edu.c), 8-byte accesses. */
#define EDU_DMA_SRC		0x80
#define EDU_DMA_DST		0x88
#define EDU_DMA_CNT		0x90
#define EDU_DMA_CMD		0x98
#define EDU_CMD_RUN		BIT(0)	/* start; reads 1 until done */
#define EDU_CMD_TO_RAM		BIT(1)	/* device buffer to memory */

/* The device's buffer; QEMU aborts on a transfer that leaves it. */
#define EDU_BUF			0x40000
#define EDU_LEN			2048
/* Memory addresses above the 28-bit DMA mask wrap. */
#define EDU_ADDR_LIMIT		SZ_256M

/* A DMA takes 100 ms of virtual time; TCG is slow. */
#define EDU_DMA_TIMEOUT_MS	10000
/* The driver polls for faults every 100 ms; allow 2 s for a report. */
#define FAULT_WAIT_MS		2000
/* After the first report, how long no second one may come. */
#define FAULT_QUIET_MS		500

#define CYCLES			1000

/**
 * struct edu_kind - what a suite expects of its IOMMU
 * @name: the IOMMU, for messages
 * @dir: the unit's directory of files below /sys/class/iommu/<unit>/
 * @aperture_end: the last IOVA of a paging domain
 * @reports_faults: the unit reports every DMA it blocks as a fault
 */
struct edu_kind {
	const char *name;
	const char *dir;
	u64 (*aperture_end)(struct kunit *test);
	bool reports_faults;
};

/* What the suite found once: the device, its registers, its group. */
static struct {
	const struct edu_kind *kind;
	struct pci_dev *pdev;
	void __iomem *regs;
	struct iommu_group *group;
	char *faults_path;	/* the unit's fault count, below /sys */
	char *cap_path;		/* the unit's capability register */
	char *features_path;	/* AMD-Vi: its extended feature register */
	bool other_iommu;	/* edu's unit is not of @kind */
	u16 rid;		/* the requester ID the IOMMU sees */
	bool mounted;
	bool stuck;		/* a DMA never finished: keep its pages */
} edu;

/**
 * struct edu_ctx - one case's state, undone by edu_exit()
 * @test: the case
 * @domain: the paging domain, or NULL
 * @attached: @domain is attached to edu's group
 * @claimed: the case owns edu's group
 * @lock: protects the fault fields, which the handler writes in whatever
 *	context the driver reports from
 * @nfaults: faults reported to @domain's handler
 * @fault_dev: the first fault's device
 * @fault_iova: the first fault's IOVA
 * @fault_flags: the first fault's flags
 */
struct edu_ctx {
	struct kunit *test;
	struct iommu_domain *domain;
	bool attached;
	bool claimed;
	spinlock_t lock;	/* the fault fields below */
	unsigned int nfaults;
	struct device *fault_dev;
	unsigned long fault_iova;
	int fault_flags;
};

/* --- The device --------------------------------------------------------- */

static int edu_last_alias(struct pci_dev *pdev, u16 alias, void *data)
{
	*(u16 *)data = alias;
	return 0;
}

static int edu_match_alias(struct pci_dev *pdev, u16 alias, void *data)
{
	return alias == *(u16 *)data;
}

/*
 * Whether @dev may be the device a fault with edu's requester ID names:
 * edu itself, or a member of its group that has the same requester ID as
 * an alias (behind a PCIe-to-PCI bridge, (secondary bus, 00.0)).
 */
static bool edu_fault_dev_ok(struct device *dev)
{
	struct iommu_group *group;
	bool same;
	u16 rid = edu.rid;

	if (dev == &edu.pdev->dev)
		return true;
	if (!dev || !dev_is_pci(dev))
		return false;
	group = iommu_group_get(dev);
	same = group == edu.group;
	iommu_group_put(group);
	return same && pci_for_each_dma_alias(to_pci_dev(dev), edu_match_alias,
					      &rid);
}

/* Start one transfer of EDU_LEN bytes and wait for its end. */
static int edu_dma(dma_addr_t ram, bool to_ram)
{
	unsigned long end = jiffies + msecs_to_jiffies(EDU_DMA_TIMEOUT_MS);

	if (edu.stuck)
		return -EBUSY;
	writeq(to_ram ? EDU_BUF : ram, edu.regs + EDU_DMA_SRC);
	writeq(to_ram ? ram : EDU_BUF, edu.regs + EDU_DMA_DST);
	writeq(EDU_LEN, edu.regs + EDU_DMA_CNT);
	writeq(EDU_CMD_RUN | (to_ram ? EDU_CMD_TO_RAM : 0),
	       edu.regs + EDU_DMA_CMD);
	while (readq(edu.regs + EDU_DMA_CMD) & EDU_CMD_RUN) {
		if (time_after(jiffies, end)) {
			edu.stuck = true;
			return -ETIMEDOUT;
		}
		usleep_range(2000, 5000);
	}
	rmb();	/* the data after the device said it is done */
	return 0;
}

/* edu_dma(), and the case ends if the transfer did not. */
static void edu_dma_done(struct kunit *test, dma_addr_t ram, bool to_ram)
{
	KUNIT_ASSERT_EQ_MSG(test, edu_dma(ram, to_ram), 0,
			    "edu DMA %s %#llx did not finish",
			    to_ram ? "to" : "from", (u64)ram);
}

/* --- Pages the test owns ------------------------------------------------- */

struct edu_pages {
	struct page *page;
	unsigned int order;
};

static void edu_pages_free(void *data)
{
	struct edu_pages *p = data;

	/* A transfer that never ended may still write them. */
	if (!edu.stuck)
		__free_pages(p->page, p->order);
}

/* Zeroed pages whose free is a KUnit action; NULL if there are none. */
static struct page *edu_alloc(struct kunit *test, unsigned int order,
			      bool low)
{
	struct edu_pages *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	struct page *page, *tmp, *next;
	LIST_HEAD(high);
	int tries = 16384 >> order;

	KUNIT_ASSERT_NOT_NULL(test, p);
	/* Below the edu mask: take pages until one is, give back the rest. */
	for (;;) {
		page = alloc_pages(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN,
				   order);
		if (!page || !low ||
		    page_to_phys(page) + (PAGE_SIZE << order) <= EDU_ADDR_LIMIT)
			break;
		list_add(&page->lru, &high);
		if (!--tries) {
			page = NULL;
			break;
		}
	}
	list_for_each_entry_safe(tmp, next, &high, lru) {
		list_del(&tmp->lru);
		__free_pages(tmp, order);
	}
	if (!page)
		return NULL;
	p->page = page;
	p->order = order;
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test, edu_pages_free, p), 0);
	return page;
}

static struct page *edu_page(struct kunit *test, bool low)
{
	struct page *page = edu_alloc(test, 0, low);

	KUNIT_ASSERT_NOT_NULL_MSG(test, page, "no page%s",
				  low ? " below 256 MiB" : "");
	return page;
}

static void edu_fill(struct page *page, u8 seed)
{
	u8 *p = page_address(page);
	unsigned int i;

	for (i = 0; i < PAGE_SIZE; i++)
		p[i] = seed + i * 7 + (i >> 8);
}

/* Whether @len bytes at @p are all zero. */
static bool edu_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

/* --- The unit's sysfs files --------------------------------------------- */

static u64 edu_sysfs_u64(struct kunit *test, const char *path,
			 unsigned int base)
{
	char buf[32];
	u64 val;

	KUNIT_ASSERT_EQ_MSG(test, iommu_kunit_sysfs_read(path, buf,
							 sizeof(buf)), 0,
			    "cannot read /sys/%s", path);
	KUNIT_ASSERT_EQ_MSG(test, kstrtou64(strim(buf), base, &val), 0,
			    "/sys/%s reads \"%s\"", path, buf);
	return val;
}

static u64 edu_unit_faults(struct kunit *test)
{
	return edu_sysfs_u64(test, edu.faults_path, 10);
}

/* Wait until the unit counted @want faults, then a little longer. */
static u64 edu_wait_unit_faults(struct kunit *test, u64 want)
{
	unsigned long end = jiffies + msecs_to_jiffies(FAULT_WAIT_MS);

	while (edu_unit_faults(test) < want && time_before(jiffies, end))
		msleep(20);
	msleep(FAULT_QUIET_MS);
	return edu_unit_faults(test);
}

/*
 * The DMA just blocked is one fault on the unit's count, if the unit
 * reports blocked DMA at all; if not, the case says so, and the caller,
 * told false, checks the data alone.
 */
static bool edu_expect_one_fault(struct kunit *test, u64 before)
{
	u64 after;

	if (!edu.kind->reports_faults) {
		kunit_info(test, "%s reports no blocked DMA; fault count not checked\n",
			   edu.kind->name);
		return false;
	}
	after = edu_wait_unit_faults(test, before + 1);
	KUNIT_EXPECT_EQ_MSG(test, after - before, 1,
			    "/sys/%s went from %llu to %llu", edu.faults_path,
			    before, after);
	return true;
}

/* --- Domains ------------------------------------------------------------- */

static int edu_fault_handler(struct iommu_domain *domain, struct device *dev,
			     unsigned long iova, int flags, void *token)
{
	struct edu_ctx *ctx = token;
	unsigned long irqflags;

	spin_lock_irqsave(&ctx->lock, irqflags);
	if (!ctx->nfaults++) {
		ctx->fault_dev = dev;
		ctx->fault_iova = iova;
		ctx->fault_flags = flags;
	}
	spin_unlock_irqrestore(&ctx->lock, irqflags);
	return 0;
}

static unsigned int edu_handler_faults(struct edu_ctx *ctx)
{
	unsigned long irqflags;
	unsigned int n;

	spin_lock_irqsave(&ctx->lock, irqflags);
	n = ctx->nfaults;
	spin_unlock_irqrestore(&ctx->lock, irqflags);
	return n;
}

static void edu_claim(struct kunit *test)
{
	struct edu_ctx *ctx = test->priv;
	int ret = iommu_group_claim_dma_owner(edu.group, ctx);

	ctx->claimed = !ret;
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "cannot claim edu's group");
}

static void edu_release(struct edu_ctx *ctx)
{
	if (ctx->claimed)
		iommu_group_release_dma_owner(edu.group);
	ctx->claimed = false;
	ctx->attached = false;	/* the release left the domain */
}

static void edu_detach(struct edu_ctx *ctx)
{
	if (ctx->attached)
		iommu_detach_group(ctx->domain, edu.group);
	ctx->attached = false;
}

static void edu_free(struct edu_ctx *ctx)
{
	edu_detach(ctx);
	iommu_domain_free(ctx->domain);
	ctx->domain = NULL;
}

/* A new paging domain with the fault handler, attached to edu's group. */
static struct iommu_domain *edu_attach_new(struct kunit *test)
{
	struct edu_ctx *ctx = test->priv;
	struct iommu_domain *domain;
	int ret;

	domain = iommu_paging_domain_alloc(&edu.pdev->dev);
	ctx->domain = IS_ERR(domain) ? NULL : domain;
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(domain),
			       "no paging domain for edu: %pe", domain);
	iommu_set_fault_handler(domain, edu_fault_handler, ctx);
	ret = iommu_attach_group(domain, edu.group);
	ctx->attached = !ret;
	KUNIT_ASSERT_EQ_MSG(test, ret, 0,
			    "cannot attach a paging domain to edu's group");
	return domain;
}

static void edu_map(struct kunit *test, unsigned long iova, phys_addr_t phys,
		    size_t size)
{
	struct edu_ctx *ctx = test->priv;

	KUNIT_ASSERT_EQ_MSG(test, iommu_map(ctx->domain, iova, phys, size,
					    IOMMU_READ | IOMMU_WRITE,
					    GFP_KERNEL), 0,
			    "cannot map %zu bytes at IOVA %#lx", size, iova);
}

static void edu_unmap(struct kunit *test, unsigned long iova, size_t size)
{
	struct edu_ctx *ctx = test->priv;

	KUNIT_ASSERT_EQ(test, iommu_unmap(ctx->domain, iova, size), size);
}

/*
 * A page of data from @src at IOVA @iova_src into the device, and back to
 * @dst at @iova_dst; the decoys must stay zero.
 */
struct edu_xfer {
	struct page *src, *dst, *decoy_src, *decoy_dst;
	unsigned long iova_src, iova_dst;
};

static void edu_xfer_pages(struct kunit *test, struct edu_xfer *x)
{
	x->src = edu_page(test, false);
	x->dst = edu_page(test, false);
	x->decoy_src = edu_page(test, true);
	x->decoy_dst = edu_page(test, true);
	x->iova_src = page_to_phys(x->decoy_src);
	x->iova_dst = page_to_phys(x->decoy_dst);
}

static void edu_xfer_check(struct kunit *test, struct edu_xfer *x, u8 seed)
{
	edu_fill(x->src, seed);
	memset(page_address(x->dst), 0, PAGE_SIZE);
	edu_dma_done(test, x->iova_src, false);
	edu_dma_done(test, x->iova_dst, true);
	/* Asserted: a later DMA must not go to untranslated addresses. */
	KUNIT_ASSERT_TRUE_MSG(test, edu_zero(page_address(x->decoy_dst),
					     PAGE_SIZE),
			      "DMA to IOVA %#lx reached that physical address",
			      x->iova_dst);
	KUNIT_EXPECT_MEMEQ_MSG(test, page_address(x->dst),
			       page_address(x->src), EDU_LEN,
			       "data through IOVAs %#lx and %#lx",
			       x->iova_src, x->iova_dst);
	KUNIT_EXPECT_TRUE(test, edu_zero(page_address(x->dst) + EDU_LEN,
					 PAGE_SIZE - EDU_LEN));
}

/* --- Cases ---------------------------------------------------------------- */

/*
 * A paging domain translates: data goes from one mapped page into the
 * device and back into another, by IOVAs that are not their addresses.
 */
static void iommu_edu_paging(struct kunit *test)
{
	struct iommu_domain *domain;
	struct edu_xfer x;

	edu_xfer_pages(test, &x);
	edu_claim(test);
	domain = edu_attach_new(test);

	KUNIT_EXPECT_EQ(test, domain->geometry.aperture_start, 0);
	KUNIT_EXPECT_EQ(test, domain->geometry.aperture_end,
			edu.kind->aperture_end(test));
	KUNIT_EXPECT_EQ(test, domain->pgsize_bitmap, SZ_4K | SZ_2M | SZ_1G);

	edu_map(test, x.iova_src, page_to_phys(x.src), PAGE_SIZE);
	edu_map(test, x.iova_dst, page_to_phys(x.dst), PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(domain, x.iova_dst + 8),
			page_to_phys(x.dst) + 8);
	edu_xfer_check(test, &x, 0x11);
	KUNIT_EXPECT_EQ(test, edu_handler_faults(test->priv), 0);
}

/*
 * When iommu_unmap() returns the device cannot reach the page: DMA to it
 * arrives nowhere and is one fault, reported to the domain's handler and
 * counted by the unit.
 */
static void iommu_edu_unmap_is_strict(struct kunit *test)
{
	struct edu_ctx *ctx = test->priv;
	struct edu_xfer x;
	u64 before;

	edu_xfer_pages(test, &x);
	edu_claim(test);
	edu_attach_new(test);
	edu_map(test, x.iova_src, page_to_phys(x.src), PAGE_SIZE);
	edu_map(test, x.iova_dst, page_to_phys(x.dst), PAGE_SIZE);
	/* The IOTLB now holds both pages. */
	edu_xfer_check(test, &x, 0x22);
	KUNIT_ASSERT_EQ(test, edu_handler_faults(ctx), 0);

	edu_unmap(test, x.iova_dst, PAGE_SIZE);
	memset(page_address(x.dst), 0, PAGE_SIZE);
	before = edu_unit_faults(test);
	edu_dma_done(test, x.iova_dst, true);

	KUNIT_EXPECT_TRUE_MSG(test, edu_zero(page_address(x.dst), PAGE_SIZE),
			      "DMA reached a page after iommu_unmap()");
	KUNIT_EXPECT_TRUE(test, edu_zero(page_address(x.decoy_dst), PAGE_SIZE));
	if (!edu_expect_one_fault(test, before))
		return;
	KUNIT_ASSERT_EQ(test, edu_handler_faults(ctx), 1);
	KUNIT_EXPECT_TRUE_MSG(test, edu_fault_dev_ok(ctx->fault_dev),
			      "fault reported for %s, not %s",
			      ctx->fault_dev ? dev_name(ctx->fault_dev) : "NULL",
			      pci_name(edu.pdev));
	KUNIT_EXPECT_EQ(test, ctx->fault_iova, x.iova_dst);
	KUNIT_EXPECT_EQ(test, ctx->fault_flags, IOMMU_FAULT_WRITE);
}

/*
 * IOVA 0 is an address like any other in a user's domain: reached while
 * mapped, unreachable after its unmap (the page-selective invalidation of
 * page 0), with one fault.  The source stays mapped at IOVA 4 KiB, so the
 * unmap frees no table and flushes page 0 alone.
 */
static void iommu_edu_unmap_iova_zero(struct kunit *test)
{
	struct edu_xfer x;
	u64 before;

	edu_xfer_pages(test, &x);
	x.iova_src = PAGE_SIZE;
	x.iova_dst = 0;
	edu_claim(test);
	edu_attach_new(test);
	edu_map(test, x.iova_src, page_to_phys(x.src), PAGE_SIZE);
	edu_map(test, 0, page_to_phys(x.dst), PAGE_SIZE);
	edu_xfer_check(test, &x, 0x3c);

	edu_unmap(test, 0, PAGE_SIZE);
	memset(page_address(x.dst), 0, PAGE_SIZE);
	before = edu_unit_faults(test);
	edu_dma_done(test, 0, true);
	KUNIT_EXPECT_TRUE_MSG(test, edu_zero(page_address(x.dst), PAGE_SIZE),
			      "DMA to IOVA 0 arrived after its unmap");
	edu_expect_one_fault(test, before);
}

/* A 2 MiB mapping, reached at an offset inside it. */
static void iommu_edu_superpage(struct kunit *test)
{
	const unsigned long off = SZ_1M + 0x2345 * 16;
	struct iommu_domain *domain;
	unsigned long iova;
	struct page *big;
	struct edu_xfer x;

	big = edu_alloc(test, get_order(SZ_2M), false);
	if (!big)
		kunit_skip(test, "no 2 MiB of contiguous memory");
	KUNIT_ASSERT_TRUE(test, IS_ALIGNED(page_to_phys(big), SZ_2M));
	edu_xfer_pages(test, &x);
	/* A 2 MiB IOVA range below 256 MiB clear of the two pages. */
	for (iova = SZ_64M; iova < EDU_ADDR_LIMIT; iova += SZ_2M)
		if (ALIGN_DOWN(x.iova_src, SZ_2M) != iova &&
		    ALIGN_DOWN(x.iova_dst, SZ_2M) != iova)
			break;
	edu_claim(test);
	domain = edu_attach_new(test);
	edu_map(test, x.iova_src, page_to_phys(x.src), PAGE_SIZE);
	edu_map(test, x.iova_dst, page_to_phys(x.dst), PAGE_SIZE);
	edu_map(test, iova, page_to_phys(big), SZ_2M);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(domain, iova + off),
			page_to_phys(big) + off);

	/* 4 KiB pages translate (this loads the device), then the 2 MiB. */
	edu_xfer_check(test, &x, 0x33);
	edu_dma_done(test, iova + off, true);
	KUNIT_EXPECT_MEMEQ(test, page_address(big) + off,
			   page_address(x.src), EDU_LEN);
	KUNIT_EXPECT_TRUE(test, edu_zero(page_address(big), off));
	KUNIT_EXPECT_TRUE(test, edu_zero(page_address(big) + off + EDU_LEN,
					 SZ_2M - off - EDU_LEN));
	KUNIT_EXPECT_EQ(test, edu_handler_faults(test->priv), 0);
}

struct edu_dma_map {
	dma_addr_t addr;
	enum dma_data_direction dir;
};

static void edu_dma_unmap_action(void *data)
{
	struct edu_dma_map *m = data;

	dma_unmap_page(&edu.pdev->dev, m->addr, PAGE_SIZE, m->dir);
}

/*
 * The address by which edu reaches @page in its default domain: the
 * physical address in an identity domain, a kernel DMA API mapping (undone
 * when the case ends) in a DMA domain.
 */
static dma_addr_t edu_default_addr(struct kunit *test, struct page *page,
				   enum dma_data_direction dir)
{
	struct iommu_domain *cur = iommu_get_domain_for_dev(&edu.pdev->dev);
	struct edu_dma_map *m;

	KUNIT_ASSERT_NOT_NULL_MSG(test, cur, "edu's group has no domain");
	if (cur->type == IOMMU_DOMAIN_IDENTITY)
		return page_to_phys(page);
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(&edu.pdev->dev,
							DMA_BIT_MASK(28)), 0);
	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	m->dir = dir;
	m->addr = dma_map_page(&edu.pdev->dev, page, 0, PAGE_SIZE, dir);
	KUNIT_ASSERT_NE(test, m->addr, DMA_MAPPING_ERROR);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							edu_dma_unmap_action,
							m), 0);
	return m->addr;
}

/* Copy a page through the device and back, in the default domain. */
static void edu_default_check(struct kunit *test, struct page *src,
			      struct page *dst, u8 seed)
{
	edu_fill(src, seed);
	memset(page_address(dst), 0, PAGE_SIZE);
	edu_dma_done(test, edu_default_addr(test, src, DMA_TO_DEVICE), false);
	edu_dma_done(test, edu_default_addr(test, dst, DMA_FROM_DEVICE), true);
	KUNIT_EXPECT_MEMEQ(test, page_address(dst), page_address(src),
			   EDU_LEN);
}

/*
 * With iommu.passthrough=1 the default domain is the identity: DMA
 * addresses are physical ones, before a claim and again after the owner
 * released the group with its paging domain still attached.
 */
static void iommu_edu_identity(struct kunit *test)
{
	struct edu_ctx *ctx = test->priv;
	struct page *src = edu_page(test, true), *dst = edu_page(test, true);
	struct iommu_domain *cur;

	cur = iommu_get_domain_for_dev(&edu.pdev->dev);
	KUNIT_ASSERT_NOT_NULL_MSG(test, cur, "edu's group has no domain");
	if (cur->type != IOMMU_DOMAIN_IDENTITY)
		kunit_skip(test, "the default domain is not identity (%#x)",
			   cur->type);
	edu_default_check(test, src, dst, 0x44);

	edu_claim(test);
	edu_attach_new(test);
	edu_release(ctx);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(&edu.pdev->dev),
			    cur);
	edu_default_check(test, src, dst, 0x55);
}

/*
 * A claimed group with no domain of its owner is blocked: DMA arrives
 * nowhere and the unit counts one fault.
 */
static void iommu_edu_blocked(struct kunit *test)
{
	struct page *src = edu_page(test, true), *dst = edu_page(test, true);
	u64 before;

	/* Something to write: the device's buffer, loaded unblocked. */
	edu_default_check(test, src, dst, 0x66);
	memset(page_address(dst), 0, PAGE_SIZE);

	edu_claim(test);
	before = edu_unit_faults(test);
	edu_dma_done(test, page_to_phys(dst), true);
	KUNIT_EXPECT_TRUE_MSG(test, edu_zero(page_address(dst), PAGE_SIZE),
			      "DMA of a blocked device reached memory");
	edu_expect_one_fault(test, before);
}

/*
 * Domains allocated, attached, mapped, unmapped, detached and freed again
 * and again (kmemleak's work in the debug kernel); the last one works.
 */
static void iommu_edu_attach_cycles(struct kunit *test)
{
	struct edu_ctx *ctx = test->priv;
	struct edu_xfer x;
	unsigned int i;

	edu_xfer_pages(test, &x);
	edu_claim(test);
	for (i = 0; i < CYCLES; i++) {
		edu_attach_new(test);
		edu_map(test, x.iova_dst, page_to_phys(x.dst), PAGE_SIZE);
		edu_unmap(test, x.iova_dst, PAGE_SIZE);
		edu_free(ctx);
		cond_resched();
	}
	edu_attach_new(test);
	edu_map(test, x.iova_src, page_to_phys(x.src), PAGE_SIZE);
	edu_map(test, x.iova_dst, page_to_phys(x.dst), PAGE_SIZE);
	edu_xfer_check(test, &x, 0x77);
	KUNIT_EXPECT_EQ(test, edu_handler_faults(ctx), 0);
}

/* The start of edu's first direct region (RMRR, IVMD) below 256 MiB, or 0. */
static phys_addr_t edu_direct(size_t *len)
{
	struct iommu_resv_region *r;
	phys_addr_t start = 0;
	LIST_HEAD(list);

	iommu_get_resv_regions(&edu.pdev->dev, &list);
	list_for_each_entry(r, &list, list) {
		if (r->type == IOMMU_RESV_DIRECT && r->length >= PAGE_SIZE &&
		    r->start + r->length <= EDU_ADDR_LIMIT) {
			start = r->start;
			*len = r->length;
			break;
		}
	}
	iommu_put_resv_regions(&edu.pdev->dev, &list);
	return start;
}

static void edu_memunmap(void *va)
{
	memunmap(va);
}

/*
 * A direct region of edu (an RMRR of a replaced DMAR, topologies/vtd/
 * edu-rmrr.topo; an IVMD of a replaced IVRS, topologies/amd/edu-ivmd.topo)
 * is reachable in the default domain and not in the blocked one.
 */
static void iommu_edu_direct_region(struct kunit *test)
{
	struct page *src = edu_page(test, true);
	u64 before;
	phys_addr_t direct;
	size_t len;
	void *va;

	direct = edu_direct(&len);
	if (!direct)
		kunit_skip(test, "no RMRR or IVMD below 256 MiB names %s",
			   pci_name(edu.pdev));
	va = memremap(direct, PAGE_SIZE, MEMREMAP_WB);
	KUNIT_ASSERT_NOT_NULL_MSG(test, va, "cannot map the direct region at %pa",
				  &direct);
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test, edu_memunmap, va), 0);

	edu_fill(src, 0x88);
	memset(va, 0, PAGE_SIZE);
	edu_dma_done(test, edu_default_addr(test, src, DMA_TO_DEVICE), false);
	edu_dma_done(test, direct, true);
	KUNIT_EXPECT_MEMEQ_MSG(test, va, page_address(src), EDU_LEN,
			       "DMA to the direct region at %pa in the default domain",
			       &direct);

	memset(va, 0, PAGE_SIZE);
	edu_claim(test);
	before = edu_unit_faults(test);
	edu_dma_done(test, direct, true);
	KUNIT_EXPECT_TRUE_MSG(test, edu_zero(va, PAGE_SIZE),
			      "DMA of a blocked device reached its direct region");
	/* Its fault must not reach the next case's domain. */
	edu_expect_one_fault(test, before);
}

/* --- Suite ---------------------------------------------------------------- */

/* --- The kernel DMA API through the default domain ------------------------ */

/* The case needs edu's group in a DMA default domain; skips otherwise. */
/*
 * Skip unless edu's group is in its default domain of @type, DMA or
 * DMA-FQ (0: either); returns that domain, with edu's mask at 28 bits.
 */
static struct iommu_domain *edu_need_dma_type(struct kunit *test,
					      unsigned int type)
{
	struct iommu_domain *cur = iommu_get_domain_for_dev(&edu.pdev->dev);

	KUNIT_ASSERT_NOT_NULL_MSG(test, cur, "edu's group has no domain");
	if (!(cur->type & __IOMMU_DOMAIN_DMA_API) || (type && cur->type != type))
		kunit_skip(test, "edu's default domain is not %s (type %#x)",
			   type == IOMMU_DOMAIN_DMA_FQ ? "DMA-FQ" :
			   type ? "DMA" : "DMA or DMA-FQ", cur->type);
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(&edu.pdev->dev,
							DMA_BIT_MASK(28)), 0);
	return cur;
}

/* Strict unmaps: edu's default domain is DMA. */
static void edu_need_dma_default(struct kunit *test)
{
	edu_need_dma_type(test, IOMMU_DOMAIN_DMA);
}

/* The kernel DMA API on either kind of DMA domain. */
static void edu_need_dma_api(struct kunit *test)
{
	edu_need_dma_type(test, 0);
}

/* A DMA address the device can use: inside edu's 28 bits. */
static void edu_expect_dma_addr(struct kunit *test, dma_addr_t addr,
				size_t size)
{
	KUNIT_ASSERT_NE(test, addr, DMA_MAPPING_ERROR);
	KUNIT_EXPECT_LE(test, addr + size, (dma_addr_t)EDU_ADDR_LIMIT);
}

/*
 * dma_map_page() maps into the default domain: data goes through the
 * device by the returned addresses; after dma_unmap_page() the device
 * reaches the page no more and the unit counts exactly one fault.
 */
static void iommu_edu_dma_map_page(struct kunit *test)
{
	struct device *dev = &edu.pdev->dev;
	struct page *src, *dst;
	dma_addr_t a, b;
	u64 before;

	edu_need_dma_default(test);
	src = edu_page(test, false);
	dst = edu_page(test, false);
	edu_fill(src, 0x21);
	a = dma_map_page(dev, src, 0, PAGE_SIZE, DMA_TO_DEVICE);
	edu_expect_dma_addr(test, a, PAGE_SIZE);
	b = dma_map_page(dev, dst, 0, PAGE_SIZE, DMA_FROM_DEVICE);
	edu_expect_dma_addr(test, b, PAGE_SIZE);
	KUNIT_EXPECT_NE(test, a, b);

	edu_dma_done(test, a, false);
	edu_dma_done(test, b, true);
	KUNIT_EXPECT_MEMEQ(test, page_address(dst), page_address(src),
			   EDU_LEN);

	dma_unmap_page(dev, b, PAGE_SIZE, DMA_FROM_DEVICE);
	memset(page_address(dst), 0, PAGE_SIZE);
	before = edu_unit_faults(test);
	edu_dma_done(test, b, true);
	KUNIT_EXPECT_TRUE_MSG(test, edu_zero(page_address(dst), PAGE_SIZE),
			      "DMA to unmapped %#llx arrived", (u64)b);
	edu_expect_one_fault(test, before);
	dma_unmap_page(dev, a, PAGE_SIZE, DMA_TO_DEVICE);
}

/*
 * dma_alloc_coherent() memory is reachable at its handle, both ways, and
 * an offset inside a mapping keeps its offset.
 */
static void iommu_edu_dma_alloc(struct kunit *test)
{
	struct device *dev = &edu.pdev->dev;
	dma_addr_t handle;
	u8 *buf;
	int i;

	edu_need_dma_api(test);
	buf = dma_alloc_coherent(dev, 2 * PAGE_SIZE, &handle, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	edu_expect_dma_addr(test, handle, 2 * PAGE_SIZE);
	for (i = 0; i < EDU_LEN; i++)
		buf[i] = i * 7 + 3;
	memset(buf + PAGE_SIZE + 100, 0, EDU_LEN);
	edu_dma_done(test, handle, false);
	edu_dma_done(test, handle + PAGE_SIZE + 100, true);
	KUNIT_EXPECT_MEMEQ(test, buf + PAGE_SIZE + 100, buf, EDU_LEN);
	dma_free_coherent(dev, 2 * PAGE_SIZE, buf, handle);
}

/*
 * dma_map_sg() of two separate pages gives addresses through which the
 * device reaches each of them, and their unmap removes both.
 */
static void iommu_edu_dma_map_sg(struct kunit *test)
{
	struct device *dev = &edu.pdev->dev;
	struct page *src = edu_page(test, false);
	struct page *p0 = edu_page(test, false), *p1 = edu_page(test, false);
	struct scatterlist sg[2], *s;
	dma_addr_t a, seg_addr[2];
	int n, i, segs = 0;
	u64 before;

	edu_need_dma_default(test);
	edu_fill(src, 0x37);
	a = dma_map_page(dev, src, 0, PAGE_SIZE, DMA_TO_DEVICE);
	edu_expect_dma_addr(test, a, PAGE_SIZE);
	edu_dma_done(test, a, false);

	sg_init_table(sg, 2);
	sg_set_page(&sg[0], p0, PAGE_SIZE, 0);
	sg_set_page(&sg[1], p1, PAGE_SIZE, 0);
	n = dma_map_sg(dev, sg, 2, DMA_FROM_DEVICE);
	KUNIT_ASSERT_GT(test, n, 0);
	KUNIT_ASSERT_LE(test, n, 2);
	/* One IOVA range: page 1 is one page after page 0. */
	for_each_sg(sg, s, n, i)
		seg_addr[segs++] = sg_dma_address(s);
	KUNIT_EXPECT_EQ(test, sg_dma_len(&sg[0]) + (n == 2 ?
			sg_dma_len(&sg[1]) : 0), 2 * PAGE_SIZE);
	edu_dma_done(test, seg_addr[0], true);
	edu_dma_done(test, seg_addr[0] + PAGE_SIZE, true);
	KUNIT_EXPECT_MEMEQ(test, page_address(p0), page_address(src), EDU_LEN);
	KUNIT_EXPECT_MEMEQ(test, page_address(p1), page_address(src), EDU_LEN);

	dma_unmap_sg(dev, sg, 2, DMA_FROM_DEVICE);
	memset(page_address(p1), 0, PAGE_SIZE);
	before = edu_unit_faults(test);
	edu_dma_done(test, seg_addr[0] + PAGE_SIZE, true);
	KUNIT_EXPECT_TRUE(test, edu_zero(page_address(p1), PAGE_SIZE));
	edu_expect_one_fault(test, before);
	dma_unmap_page(dev, a, PAGE_SIZE, DMA_TO_DEVICE);
}

/*
 * Under DMA-FQ (vtd/edu-fq.topo): an unmapped buffer's IOVA is not given
 * out again before the flush queue's next flush, the timer flushes within
 * its bound, and afterwards the device reaches the buffer no more.
 */
static void iommu_edu_dma_fq(struct kunit *test)
{
	struct iommu_domain *dom = edu_need_dma_type(test, IOMMU_DOMAIN_DMA_FQ);
	struct device *dev = &edu.pdev->dev;
	struct page *src = edu_page(test, false), *dst = edu_page(test, false);
	struct page *other = edu_page(test, false);
	unsigned long start, waited;
	dma_addr_t a, b, c;
	u64 n, before;
	int i;

	edu_fill(src, 0x5a);
	a = dma_map_page(dev, src, 0, PAGE_SIZE, DMA_TO_DEVICE);
	edu_expect_dma_addr(test, a, PAGE_SIZE);
	b = dma_map_page(dev, dst, 0, PAGE_SIZE, DMA_FROM_DEVICE);
	edu_expect_dma_addr(test, b, PAGE_SIZE);
	edu_dma_done(test, a, false);
	edu_dma_done(test, b, true);
	KUNIT_EXPECT_MEMEQ(test, page_address(dst), page_address(src),
			   EDU_LEN);

	dma_unmap_page(dev, b, PAGE_SIZE, DMA_FROM_DEVICE);
	start = jiffies;
	n = iommu_dma_fq_flushes(dom);
	/* Other buffers meanwhile: none gets @b before a flush. */
	for (i = 0; i < 64; i++) {
		c = dma_map_page(dev, other, 0, PAGE_SIZE, DMA_FROM_DEVICE);
		KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, c));
		if (c == b)
			KUNIT_EXPECT_GT_MSG(test, iommu_dma_fq_flushes(dom), n,
					    "IOVA %pad given again before a flush",
					    &b);
		dma_unmap_page(dev, c, PAGE_SIZE, DMA_FROM_DEVICE);
	}

	while (iommu_dma_fq_flushes(dom) == n &&
	       time_before(jiffies, start + msecs_to_jiffies(2000)))
		usleep_range(500, 1000);
	waited = jiffies_to_msecs(jiffies - start);
	KUNIT_ASSERT_GT_MSG(test, iommu_dma_fq_flushes(dom), n,
			    "no flush %lu ms after an unmap", waited);
	kunit_info(test, "flushed %lu ms after the unmap (timeout %u ms)\n",
		   waited, IOMMU_FQ_TIMEOUT_MS);
	KUNIT_EXPECT_LE(test, waited,
			IOMMU_FQ_TIMEOUT_MS + 2 * jiffies_to_msecs(1) + 50);

	/* A flush begun while @b was queued does not count: wait one more. */
	msleep(3 * IOMMU_FQ_TIMEOUT_MS);
	memset(page_address(dst), 0, PAGE_SIZE);
	before = edu_unit_faults(test);
	edu_dma_done(test, b, true);
	KUNIT_EXPECT_TRUE_MSG(test, edu_zero(page_address(dst), PAGE_SIZE),
			      "DMA to %pad arrived after the flush", &b);
	edu_expect_one_fault(test, before);
	dma_unmap_page(dev, a, PAGE_SIZE, DMA_TO_DEVICE);
}

/* --- The IOVA allocator, through the DMA API ------------------------------ */

/* IOVA pages below a 20-bit mask: 256, of which page 0 is never given. */
#define IOVA_SMALL_BITS		20
#define IOVA_SMALL_PAGES	(1U << (IOVA_SMALL_BITS - PAGE_SHIFT))

static void edu_restore_mask(void *data)
{
	dma_set_mask_and_coherent(&edu.pdev->dev, DMA_BIT_MASK(28));
}

/* Set @bits as edu's DMA mask for the rest of the case. */
static void edu_set_mask(struct kunit *test, unsigned int bits)
{
	KUNIT_ASSERT_EQ_MSG(test, dma_set_mask_and_coherent(&edu.pdev->dev,
							    DMA_BIT_MASK(bits)),
			    0, "edu refuses a %u-bit DMA mask", bits);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, edu_restore_mask,
							NULL), 0);
}

/*
 * The test's own record of the IOVA pages it holds: an address the DMA API
 * returns must lie below the mask, be page aligned and overlap nothing the
 * test still holds.
 */
struct iova_book {
	spinlock_t lock;	/* @used */
	unsigned long *used;
	unsigned long pages;
	unsigned int bad;
};

static void iova_book_init(struct kunit *test, struct iova_book *b,
			   unsigned int bits)
{
	spin_lock_init(&b->lock);
	b->pages = 1UL << (bits - PAGE_SHIFT);
	b->used = kunit_kcalloc(test, BITS_TO_LONGS(b->pages),
				sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b->used);
	b->bad = 0;
}

/* Record [@addr, @addr + @n pages); false (counted in @bad) if wrong. */
static bool iova_book_take(struct iova_book *b, dma_addr_t addr,
			   unsigned int n)
{
	unsigned long first = addr >> PAGE_SHIFT;
	bool ok;

	spin_lock(&b->lock);
	ok = !(addr & ~PAGE_MASK) && first + n <= b->pages &&
	     find_next_bit(b->used, first + n, first) >= first + n;
	if (ok)
		bitmap_set(b->used, first, n);
	else
		b->bad++;
	spin_unlock(&b->lock);
	return ok;
}

static void iova_book_give(struct iova_book *b, dma_addr_t addr,
			   unsigned int n)
{
	spin_lock(&b->lock);
	bitmap_clear(b->used, addr >> PAGE_SHIFT, n);
	spin_unlock(&b->lock);
}

/*
 * Masks from 20 to 64 bits: every address fits its mask; DMA through the
 * ones edu reaches (up to 28 bits) arrives.
 */
static void iommu_edu_dma_masks(struct kunit *test)
{
	static const unsigned int bits[] = { 20, 24, 28, 32, 40, 48, 64 };
	struct device *dev = &edu.pdev->dev;
	struct page *src, *dst;
	dma_addr_t a, b;
	unsigned int i;

	edu_need_dma_api(test);
	src = edu_page(test, false);
	dst = edu_page(test, false);
	for (i = 0; i < ARRAY_SIZE(bits); i++) {
		edu_set_mask(test, bits[i]);
		a = dma_map_page(dev, src, 0, PAGE_SIZE, DMA_TO_DEVICE);
		b = dma_map_page(dev, dst, 0, PAGE_SIZE, DMA_FROM_DEVICE);
		KUNIT_EXPECT_FALSE(test, dma_mapping_error(dev, a));
		KUNIT_EXPECT_FALSE(test, dma_mapping_error(dev, b));
		KUNIT_EXPECT_LE_MSG(test, (u64)a + PAGE_SIZE - 1,
				    (u64)DMA_BIT_MASK(bits[i]),
				    "%u-bit mask", bits[i]);
		KUNIT_EXPECT_LE(test, (u64)b + PAGE_SIZE - 1,
				(u64)DMA_BIT_MASK(bits[i]));
		if (bits[i] <= 28 && !dma_mapping_error(dev, a) &&
		    !dma_mapping_error(dev, b)) {
			edu_fill(src, 0x40 + i);
			memset(page_address(dst), 0, PAGE_SIZE);
			edu_dma_done(test, a, false);
			edu_dma_done(test, b, true);
			KUNIT_EXPECT_MEMEQ_MSG(test, page_address(dst),
					       page_address(src), EDU_LEN,
					       "%u-bit mask", bits[i]);
		}
		if (!dma_mapping_error(dev, a))
			dma_unmap_page(dev, a, PAGE_SIZE, DMA_TO_DEVICE);
		if (!dma_mapping_error(dev, b))
			dma_unmap_page(dev, b, PAGE_SIZE, DMA_FROM_DEVICE);
	}
}

/*
 * A 20-bit mask holds 255 pages (page 0 is never given): mapping more
 * gives DMA_MAPPING_ERROR, nothing worse; one unmap makes room for one
 * map.  With every other page given back, no two-page buffer fits, and
 * single pages fill the holes.
 */
static void iommu_edu_dma_exhaustion(struct kunit *test)
{
	struct device *dev = &edu.pdev->dev;
	struct iova_book book;
	struct page *page;
	dma_addr_t *addr, two;
	unsigned int n = 0, i, refilled = 0;

	edu_need_dma_api(test);
	page = edu_alloc(test, 1, false);
	KUNIT_ASSERT_NOT_NULL(test, page);
	addr = kunit_kcalloc(test, IOVA_SMALL_PAGES, sizeof(*addr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, addr);
	iova_book_init(test, &book, IOVA_SMALL_BITS);
	edu_set_mask(test, IOVA_SMALL_BITS);

	while (n < IOVA_SMALL_PAGES) {
		addr[n] = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_TO_DEVICE);
		if (dma_mapping_error(dev, addr[n]))
			break;
		iova_book_take(&book, addr[n], 1);
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, IOVA_SMALL_PAGES - 1);
	KUNIT_EXPECT_EQ(test, book.bad, 0);
	two = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_TO_DEVICE);
	KUNIT_EXPECT_TRUE(test, dma_mapping_error(dev, two));
	if (!dma_mapping_error(dev, two))
		dma_unmap_page(dev, two, PAGE_SIZE, DMA_TO_DEVICE);

	/*
	 * The pages at odd page numbers back: holes of one page each.  By
	 * address, not by the order they came in: cached ranges come first.
	 */
	for (i = 0; i < n; i++) {
		if (!((addr[i] >> PAGE_SHIFT) & 1))
			continue;
		dma_unmap_page(dev, addr[i], PAGE_SIZE, DMA_TO_DEVICE);
		iova_book_give(&book, addr[i], 1);
		addr[i] = DMA_MAPPING_ERROR;
	}
	two = dma_map_page(dev, page, 0, 2 * PAGE_SIZE, DMA_TO_DEVICE);
	KUNIT_EXPECT_TRUE_MSG(test, dma_mapping_error(dev, two),
			      "two pages mapped at %pad with no two free in a row",
			      &two);
	if (!dma_mapping_error(dev, two))
		dma_unmap_page(dev, two, 2 * PAGE_SIZE, DMA_TO_DEVICE);
	for (i = 0; i < n; i++) {
		if (!dma_mapping_error(dev, addr[i]))
			continue;
		addr[i] = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_TO_DEVICE);
		if (dma_mapping_error(dev, addr[i]))
			break;
		iova_book_take(&book, addr[i], 1);
		refilled++;
	}
	KUNIT_EXPECT_EQ(test, refilled, (n + 1) / 2);
	KUNIT_EXPECT_EQ(test, book.bad, 0);
	for (i = 0; i < n; i++)
		if (!dma_mapping_error(dev, addr[i]))
			dma_unmap_page(dev, addr[i], PAGE_SIZE, DMA_TO_DEVICE);
	/* Everything is free again: the whole space maps at once. */
	two = dma_map_page(dev, page, 0, 2 * PAGE_SIZE, DMA_TO_DEVICE);
	KUNIT_EXPECT_FALSE(test, dma_mapping_error(dev, two));
	if (!dma_mapping_error(dev, two))
		dma_unmap_page(dev, two, 2 * PAGE_SIZE, DMA_TO_DEVICE);
}

#define IOVA_THREADS		3
#define IOVA_THREAD_OPS		2000
#define IOVA_THREAD_SLOTS	8
#define IOVA_THREAD_BITS	24

struct iova_thread {
	struct kunit *test;
	struct iova_book *book;
	struct page *page;	/* 16 pages */
	struct completion done;
	unsigned int failed;	/* maps that failed */
};

/* Random sizes in and out of IOVA_THREAD_SLOTS slots, yielding often. */
static int iova_thread_fn(void *data)
{
	struct iova_thread *t = data;
	struct device *dev = &edu.pdev->dev;
	dma_addr_t addr[IOVA_THREAD_SLOTS] = {};
	unsigned int len[IOVA_THREAD_SLOTS] = {}, i, slot;

	for (i = 0; i < IOVA_THREAD_OPS; i++) {
		slot = get_random_u32_below(IOVA_THREAD_SLOTS);
		if (len[slot]) {
			iova_book_give(t->book, addr[slot], len[slot]);
			dma_unmap_page(dev, addr[slot], len[slot] * PAGE_SIZE,
				       DMA_BIDIRECTIONAL);
			len[slot] = 0;
		} else {
			len[slot] = 1 + get_random_u32_below(16);
			addr[slot] = dma_map_page(dev, t->page, 0,
						  len[slot] * PAGE_SIZE,
						  DMA_BIDIRECTIONAL);
			if (dma_mapping_error(dev, addr[slot])) {
				t->failed++;
				len[slot] = 0;
			} else if (!iova_book_take(t->book, addr[slot],
						   len[slot])) {
				/* Counted; not given back twice. */
				dma_unmap_page(dev, addr[slot],
					       len[slot] * PAGE_SIZE,
					       DMA_BIDIRECTIONAL);
				len[slot] = 0;
			}
		}
		cond_resched();
	}
	for (slot = 0; slot < IOVA_THREAD_SLOTS; slot++)
		if (len[slot]) {
			iova_book_give(t->book, addr[slot], len[slot]);
			dma_unmap_page(dev, addr[slot], len[slot] * PAGE_SIZE,
				       DMA_BIDIRECTIONAL);
		}
	complete(&t->done);
	return 0;
}

/*
 * Threads map and unmap buffers of 1 to 16 pages at once under a 24-bit
 * mask: no address is ever given twice, none leaves the mask, none fails
 * while space is plenty, and all of it is free again afterwards.
 */
static void iommu_edu_dma_concurrent(struct kunit *test)
{
	struct iova_thread t[IOVA_THREADS];
	struct task_struct *task;
	struct iova_book book;
	struct page *page;
	unsigned int i;

	edu_need_dma_api(test);
	page = edu_alloc(test, 4, false);
	KUNIT_ASSERT_NOT_NULL(test, page);
	iova_book_init(test, &book, IOVA_THREAD_BITS);
	edu_set_mask(test, IOVA_THREAD_BITS);
	for (i = 0; i < IOVA_THREADS; i++) {
		t[i] = (struct iova_thread) {
			.test = test, .book = &book, .page = page,
		};
		init_completion(&t[i].done);
		task = kthread_run(iova_thread_fn, &t[i], "iova-%u", i);
		/* Not an assertion: the threads started use @t until done. */
		KUNIT_EXPECT_FALSE(test, IS_ERR(task));
		if (IS_ERR(task))
			complete(&t[i].done);
	}
	for (i = 0; i < IOVA_THREADS; i++) {
		wait_for_completion(&t[i].done);
		KUNIT_EXPECT_EQ_MSG(test, t[i].failed, 0, "thread %u", i);
	}
	KUNIT_EXPECT_EQ(test, book.bad, 0);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(book.used, book.pages));
}

static int edu_init(struct kunit *test)
{
	struct edu_ctx *ctx;

	if (!edu.pdev)
		kunit_skip(test, "no edu device (%04x:%04x)", EDU_VENDOR,
			   EDU_DEVICE);
	if (!edu.group)
		kunit_skip(test, "edu (%s) has no IOMMU group",
			   pci_name(edu.pdev));
	if (edu.other_iommu)
		kunit_skip(test, "edu (%s) is translated neither by VT-d nor by AMD-Vi",
			   pci_name(edu.pdev));
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	ctx->test = test;
	spin_lock_init(&ctx->lock);
	test->priv = ctx;
	return 0;
}

/* Runs after a failed case too: the group released, the domain freed. */
static void edu_exit(struct kunit *test)
{
	struct edu_ctx *ctx = test->priv;

	if (!ctx)
		return;
	edu_detach(ctx);
	edu_release(ctx);
	edu_free(ctx);
}

static void edu_suite_exit(struct kunit_suite *suite)
{
	if (edu.mounted)
		iommu_kunit_sysfs_unmount();
	kfree(edu.faults_path);
	kfree(edu.cap_path);
	kfree(edu.features_path);
	iommu_group_put(edu.group);
	if (edu.regs)
		pci_iounmap(edu.pdev, edu.regs);
	if (edu.pdev && pci_is_enabled(edu.pdev)) {
		pci_clear_master(edu.pdev);
		pci_disable_device(edu.pdev);
	}
	pci_dev_put(edu.pdev);
	memset(&edu, 0, sizeof(edu));
}

static int edu_suite_init(struct kunit_suite *suite,
			  const struct edu_kind *kind)
{
	char buf[32];
	char *path;
	int ret;

	memset(&edu, 0, sizeof(edu));
	edu.kind = kind;
	edu.pdev = pci_get_device(EDU_VENDOR, EDU_DEVICE, NULL);
	if (!edu.pdev)
		return 0;	/* every case skips */
	edu.group = iommu_group_get(&edu.pdev->dev);
	if (!edu.group)
		return 0;
	pci_for_each_dma_alias(edu.pdev, edu_last_alias, &edu.rid);

	ret = pci_enable_device_mem(edu.pdev);
	if (ret)
		goto fail;
	pci_set_master(edu.pdev);
	ret = -ENOMEM;
	edu.regs = pci_iomap(edu.pdev, 0, 0);
	if (!edu.regs)
		goto fail;

	/* The unit's files, by the device's "iommu" link. */
	path = kobject_get_path(&edu.pdev->dev.kobj, GFP_KERNEL);
	if (!path)
		goto fail;
	edu.faults_path = kasprintf(GFP_KERNEL, "%s/iommu/%s/faults",
				    path + 1, kind->dir);
	edu.cap_path = kasprintf(GFP_KERNEL, "%s/iommu/%s/cap", path + 1,
				 kind->dir);
	edu.features_path = kasprintf(GFP_KERNEL, "%s/iommu/%s/features",
				      path + 1, kind->dir);
	kfree(path);
	if (!edu.faults_path || !edu.cap_path || !edu.features_path)
		goto fail;
	ret = iommu_kunit_sysfs_mount();
	if (ret)
		goto fail;
	edu.mounted = true;
	/* Only a unit of the suite's kind has these files. */
	edu.other_iommu = iommu_kunit_sysfs_read(edu.faults_path, buf,
						 sizeof(buf)) != 0;
	pr_info("edu at %s, requester ID %02x:%02x.%u, group %d\n",
		pci_name(edu.pdev), PCI_BUS_NUM(edu.rid), PCI_SLOT(edu.rid),
		PCI_FUNC(edu.rid), iommu_group_id(edu.group));
	return 0;

fail:
	edu_suite_exit(suite);
	return ret;
}

/* VT-d: the IOVA width is the unit's MGAW (capability bits 21:16). */
static u64 edu_vtd_aperture_end(struct kunit *test)
{
	u64 cap = edu_sysfs_u64(test, edu.cap_path, 16);

	return BIT_ULL(((cap >> 16) & 0x3f) + 1) - 1;
}

static const struct edu_kind edu_vtd = {
	.name = "VT-d",
	.dir = "intel-iommu",
	.aperture_end = edu_vtd_aperture_end,
	.reports_faults = true,
};

/*
 * AMD-Vi: as many levels as the unit's HATS allows (extended features
 * bits 11:10: 4, 5 or 6 levels, 48, 57 or all 64 bits).
 */
static u64 edu_amd_aperture_end(struct kunit *test)
{
	u64 features = edu_sysfs_u64(test, edu.features_path, 16);
	unsigned int bits = 12 + 9 * (4 + ((features >> 10) & 3));

	return bits < 64 ? BIT_ULL(bits) - 1 : U64_MAX;
}

static const struct edu_kind edu_amd = {
	.name = "AMD-Vi (QEMU 7.2)",
	.dir = "amd-iommu",
	.aperture_end = edu_amd_aperture_end,
	.reports_faults = false,
};

static const struct edu_kind *const edu_kinds[] = { &edu_vtd, &edu_amd };

/* edu's IOMMU: the kind whose files its unit has. */
static int edu_suite_init_any(struct kunit_suite *suite)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(edu_kinds); i++) {
		ret = edu_suite_init(suite, edu_kinds[i]);
		if (ret || !edu.other_iommu)
			break;
		edu_suite_exit(suite);
	}
	return ret;
}

static struct kunit_case iommu_edu_cases[] = {
	KUNIT_CASE(iommu_edu_paging),
	KUNIT_CASE(iommu_edu_unmap_is_strict),
	KUNIT_CASE(iommu_edu_unmap_iova_zero),
	KUNIT_CASE(iommu_edu_superpage),
	KUNIT_CASE(iommu_edu_identity),
	KUNIT_CASE(iommu_edu_blocked),
	KUNIT_CASE(iommu_edu_direct_region),
	KUNIT_CASE(iommu_edu_dma_map_page),
	KUNIT_CASE(iommu_edu_dma_alloc),
	KUNIT_CASE(iommu_edu_dma_map_sg),
	KUNIT_CASE(iommu_edu_dma_fq),
	KUNIT_CASE(iommu_edu_dma_masks),
	KUNIT_CASE(iommu_edu_dma_exhaustion),
	KUNIT_CASE(iommu_edu_dma_concurrent),
	KUNIT_CASE_SLOW(iommu_edu_attach_cycles),
	{}
};

static struct kunit_suite iommu_edu_suite = {
	.name = "iommu_edu",
	.suite_init = edu_suite_init_any,
	.suite_exit = edu_suite_exit,
	.init = edu_init,
	.exit = edu_exit,
	.test_cases = iommu_edu_cases,
};

kunit_test_suite(iommu_edu_suite);

MODULE_DESCRIPTION("End-to-end KUnit tests of VT-d and AMD-Vi DMA with QEMU's edu device");
MODULE_LICENSE("GPL");
