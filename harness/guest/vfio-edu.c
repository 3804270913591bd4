// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-edu: a userspace VFIO driver for QEMU's edu device (1234:11e8), run
 * in the test guest (guest/vfio-edu.sh) the way a DPDK-style user works:
 * the device's group from sysfs, vfio-pci bound through driver_override,
 * container and group opened, type1v2, buffers mapped, BAR0 mmap'd, edu's
 * DMA engine run both ways.
 *
 * Usage: vfio-edu [-s SIBLING] [-a ALIAS] BDF CASE...
 *   BDF      the edu function, e.g. 0000:00:05.0
 *   SIBLING  another function of BDF's group (group cases)
 *   ALIAS    the requester ID the IOMMU sees for BDF's DMA, if not BDF's
 *            own (behind a PCIe-to-PCI bridge: secondary bus, 00.0); the
 *            fault reports must name it
 *   -n       the IOMMU reports no DMA fault (QEMU 7.2's amd-iommu writes
 *            no event): the fault cases check the data alone
 *
 * Each case prints one line, the same on every kernel that behaves alike:
 *   @@VFIO ok CASE [RESULT]
 *   @@VFIO not-ok CASE DETAIL       (errnos by name)
 * and DETAIL-free "@@VFIO note ..." lines that are not compared.
 *
 * edu (QEMU 7.2 hw/misc/edu.c): BAR0 0x80 source, 0x88 destination, 0x90
 * count, 0x98 command (bit 0 start/busy, bit 1 direction, 1 = device to
 * RAM, bit 2 interrupt); the device's buffer is 0x40000-0x40fff and a
 * transfer must end below 0x41000 or QEMU aborts; the RAM side is masked to
 * 28 bits; a transfer runs 100 ms after the command.  Every range written
 * to the device is checked here first.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define EDU_SRC		0x80
#define EDU_DST		0x88
#define EDU_CNT		0x90
#define EDU_CMD		0x98
#define EDU_CMD_RUN	0x1
#define EDU_CMD_TO_RAM	0x2
#define EDU_BUF		0x40000ULL
#define EDU_BUF_END	0x41000ULL	/* a transfer must end below */
#define EDU_RAM_LIMIT	(1ULL << 28)	/* RAM-side addresses are masked */

#define PAGE		4096UL
#define XFER		4000UL		/* bytes per transfer (< 4096) */

/* IOVAs, all below edu's 28-bit limit, one page each. */
#define IOVA_SRC	0x100000ULL
#define IOVA_DST	0x200000ULL
#define IOVA_GONE	0x300000ULL	/* mapped, used, then unmapped */
#define IOVA_NEVER	0x800000ULL	/* never mapped */

#define MSI_BASE	0xfee00000ULL

struct dev {
	char bdf[32];
	int container, group, device;
	volatile uint8_t *bar;
	size_t bar_size;
	uint64_t cfg_offset;
};

static int failures;
static const char *fault_rid;	/* requester ID in fault reports */
static bool no_fault_reports;	/* -n: the IOMMU reports no DMA faults */
static unsigned int seed = 1;

static const char *ename(int err)
{
	const char *s;

	if (!err)
		return "0";
	s = strerrorname_np(err < 0 ? -err : err);
	return s ? s : "E?";
}

static void ok(const char *c, const char *fmt, ...)
{
	va_list ap;

	printf("@@VFIO ok %s", c);
	if (fmt) {
		putchar(' ');
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	putchar('\n');
	fflush(stdout);
}

static void not_ok(const char *c, const char *fmt, ...)
{
	va_list ap;

	printf("@@VFIO not-ok %s ", c);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	failures++;
}

static void note(const char *fmt, ...)
{
	va_list ap;

	printf("@@VFIO note ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- sysfs ---------------------------------------------------------- */

/* write_file: 0, or the negative errno of open or write. */
static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* link_name: the last component of the symlink PATH, or "" if none. */
static const char *link_name(const char *path, char *buf, size_t len)
{
	ssize_t n = readlink(path, buf, len - 1);
	char *slash;

	if (n < 0)
		return strcpy(buf, "");
	buf[n] = 0;
	slash = strrchr(buf, '/');
	return slash ? slash + 1 : buf;
}

static const char *driver_of(const char *bdf, char *buf, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	return link_name(path, buf, len);
}

static int group_of(const char *bdf)
{
	char path[PATH_MAX], buf[PATH_MAX];
	const char *id;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	id = link_name(path, buf, sizeof(buf));
	return *id ? atoi(id) : -1;
}

static int unbind(const char *bdf)
{
	char path[PATH_MAX], buf[PATH_MAX];

	if (!*driver_of(bdf, buf, sizeof(buf)))
		return 0;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
	return write_file(path, bdf);
}

/*
 * bind: give BDF to DRV as a user does: driver_override, then
 * drivers_probe.  drivers_probe does not report a failed probe, so the
 * result is whether DRV is BDF's driver afterwards (-ENODEV if not).
 * DRV "" clears the override and binds nothing.
 */
static int bind(const char *bdf, const char *drv)
{
	char path[PATH_MAX], buf[PATH_MAX];
	int ret;

	ret = unbind(bdf);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	ret = write_file(path, *drv ? drv : "\n");
	if (ret || !*drv)
		return ret;
	ret = write_file("/sys/bus/pci/drivers_probe", bdf);
	if (ret)
		return ret;
	return strcmp(driver_of(bdf, buf, sizeof(buf)), drv) ? -ENODEV : 0;
}

/*
 * bind_direct: the driver's own bind file, which returns the probe's
 * errno (with driver_override set, so that the driver matches).
 */
static int bind_direct(const char *bdf, const char *drv)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	ret = write_file(path, drv);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/bind", drv);
	return write_file(path, bdf);
}

#define UNSAFE "/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts"

static bool unsafe_allowed(void)
{
	char buf[16] = "";

	read_file(UNSAFE, buf, sizeof(buf));
	return buf[0] == 'Y';
}

/* ---- the kernel log: fault reports (VT-d's line; AMD-Vi's has its shape) */

/* kmsg_open: /dev/kmsg positioned after the last record. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/*
 * kmsg_faults: the kernel log records that arrive within MS milliseconds
 * and report a DMA fault (write or read) by requester ID BDF at IOVA, in
 * our VT-d driver's words or upstream's.
 */
static int kmsg_faults(int fd, const char *bdf, bool write, uint64_t iova, long ms)
{
	const char *hit;
	char ours[128], ours_at[64], up[128], up_at[64], rec[2048];
	unsigned int dom, bus, slot, fn;
	int n = 0;
	ssize_t len;

	if (sscanf(bdf, "%x:%x:%x.%x", &dom, &bus, &slot, &fn) != 4)
		return -1;
	snprintf(ours, sizeof(ours), "DMA %s fault from %s", write ? "write" : "read", bdf);
	snprintf(ours_at, sizeof(ours_at), " at IOVA 0x%llx:", (unsigned long long)iova);
	snprintf(up, sizeof(up), "[DMA %s NO_PASID] Request device [%02x:%02x.%d] ",
		 write ? "Write" : "Read", bus, slot, fn);
	snprintf(up_at, sizeof(up_at), " fault addr 0x%llx ", (unsigned long long)iova);
	for (; ms > 0; ms -= 50) {
		while ((len = read(fd, rec, sizeof(rec) - 1)) > 0 || (len < 0 && errno == EPIPE)) {
			if (len <= 0)
				continue;
			rec[len] = 0;
			hit = strstr(rec, ours);
			/* "from <rid> (<device>)" or "from <rid>, no device known" */
			if ((hit && strchr(" ,", hit[strlen(ours)]) && strstr(rec, ours_at)) ||
			    (strstr(rec, up) && strstr(rec, up_at)))
				n++;
		}
		msleep(50);
	}
	return n;
}

/* fault_count: the sum of our units' fault counters, -1 if none. */
static long fault_count(void)
{
	glob_t g;
	long sum = -1;
	char buf[32];

	if (glob("/sys/class/iommu/*/*-iommu/faults", 0, NULL, &g))
		return -1;
	for (size_t i = 0; i < g.gl_pathc; i++)
		if (!read_file(g.gl_pathv[i], buf, sizeof(buf)))
			sum = (sum < 0 ? 0 : sum) + atol(buf);
	globfree(&g);
	return sum;
}

/* ---- VFIO ----------------------------------------------------------- */

static void dev_init(struct dev *d, const char *bdf)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	d->container = d->group = d->device = -1;
}

static void dev_close(struct dev *d)
{
	if (d->bar)
		munmap((void *)d->bar, d->bar_size);
	if (d->device >= 0)
		close(d->device);
	if (d->group >= 0)
		close(d->group);
	if (d->container >= 0)
		close(d->container);
	d->bar = NULL;
	d->container = d->group = d->device = -1;
}

/*
 * dev_open: the container and BDF's group, opened and checked.  Returns
 * the group's status flags, or a negative errno with *step naming what
 * failed.
 */
static int dev_open(struct dev *d, const char **step)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[64];
	int id = group_of(d->bdf);

	*step = "iommu_group";
	if (id < 0)
		return -ENOENT;
	*step = "open-container";
	d->container = open("/dev/vfio/vfio", O_RDWR);
	if (d->container < 0)
		return -errno;
	*step = "api-version";
	if (ioctl(d->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return -EINVAL;
	*step = "type1v2-extension";
	if (ioctl(d->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) != 1)
		return -EINVAL;
	*step = "open-group";
	snprintf(path, sizeof(path), "/dev/vfio/%d", id);
	d->group = open(path, O_RDWR);
	if (d->group < 0)
		return -errno;
	*step = "group-status";
	if (ioctl(d->group, VFIO_GROUP_GET_STATUS, &st))
		return -errno;
	return st.flags;
}

/* dev_attach: SET_CONTAINER and SET_IOMMU type1v2. */
static int dev_attach(struct dev *d, const char **step)
{
	*step = "set-container";
	if (ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container))
		return -errno;
	*step = "set-iommu";
	if (ioctl(d->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return -errno;
	return 0;
}

/* dev_device: the device fd, BAR0 mmap'd, memory and bus master on. */
static int dev_device(struct dev *d, const char **step)
{
	struct vfio_region_info bar = { .argsz = sizeof(bar), .index = VFIO_PCI_BAR0_REGION_INDEX };
	struct vfio_region_info cfg = { .argsz = sizeof(cfg), .index = VFIO_PCI_CONFIG_REGION_INDEX };
	uint16_t cmd;
	void *p;

	*step = "get-device-fd";
	d->device = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, d->bdf);
	if (d->device < 0)
		return -errno;
	*step = "bar0-info";
	if (ioctl(d->device, VFIO_DEVICE_GET_REGION_INFO, &bar))
		return -errno;
	if (!(bar.flags & VFIO_REGION_INFO_FLAG_MMAP) || bar.size < 0x100)
		return -EINVAL;
	*step = "bar0-mmap";
	p = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED, d->device, bar.offset);
	if (p == MAP_FAILED)
		return -errno;
	d->bar = p;
	d->bar_size = bar.size;
	*step = "config-info";
	if (ioctl(d->device, VFIO_DEVICE_GET_REGION_INFO, &cfg))
		return -errno;
	d->cfg_offset = cfg.offset;
	*step = "config-command";
	if (pread(d->device, &cmd, 2, cfg.offset + PCI_COMMAND) != 2)
		return -EIO;
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (pwrite(d->device, &cmd, 2, cfg.offset + PCI_COMMAND) != 2)
		return -EIO;
	*step = "edu-id";
	if ((*(volatile uint32_t *)d->bar & 0xff) != 0xed)
		return -ENODEV;
	return 0;
}

/* dev_setup: bind vfio-pci, open, check viability, attach, device. */
static int dev_setup(struct dev *d, const char *bdf, const char **step)
{
	int ret;

	dev_init(d, bdf);
	*step = "bind-vfio-pci";
	ret = bind(bdf, "vfio-pci");
	if (ret)
		return ret;
	ret = dev_open(d, step);
	if (ret < 0)
		return ret;
	*step = "not-viable";
	if (!(ret & VFIO_GROUP_FLAGS_VIABLE))
		return -EPERM;
	ret = dev_attach(d, step);
	if (ret)
		return ret;
	return dev_device(d, step);
}

static int dma_map(struct dev *d, void *buf, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)buf, .iova = iova, .size = size,
	};

	return ioctl(d->container, VFIO_IOMMU_MAP_DMA, &m) ? -errno : 0;
}

/* dma_unmap: the bytes unmapped, or a negative errno. */
static int64_t dma_unmap(struct dev *d, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .iova = iova, .size = size,
	};

	return ioctl(d->container, VFIO_IOMMU_UNMAP_DMA, &u) ? -errno : (int64_t)u.size;
}

static void *buf_alloc(void)
{
	void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("vfio-edu: mmap");
		exit(1);
	}
	return p;
}

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245 + 12345;
		p[i] = seed >> 16;
	}
}

static void reg_write(struct dev *d, unsigned int off, uint64_t v)
{
	*(volatile uint64_t *)(d->bar + off) = v;
}

static uint64_t reg_read(struct dev *d, unsigned int off)
{
	return *(volatile uint64_t *)(d->bar + off);
}

/* edu_start: program one transfer of XFER bytes; the RAM side is IOVA. */
static int edu_start(struct dev *d, uint64_t iova, bool to_ram)
{
	if (iova + XFER > EDU_RAM_LIMIT || EDU_BUF + XFER >= EDU_BUF_END)
		return -EINVAL;	/* edu would clamp the address or abort QEMU */
	if (reg_read(d, EDU_CMD) & EDU_CMD_RUN)
		return -EBUSY;
	reg_write(d, EDU_SRC, to_ram ? EDU_BUF : iova);
	reg_write(d, EDU_DST, to_ram ? iova : EDU_BUF);
	reg_write(d, EDU_CNT, XFER);
	reg_write(d, EDU_CMD, EDU_CMD_RUN | (to_ram ? EDU_CMD_TO_RAM : 0));
	return 0;
}

/* edu_wait: until the engine is idle (at most 5 s). */
static int edu_wait(struct dev *d)
{
	for (int i = 0; i < 500; i++) {
		if (!(reg_read(d, EDU_CMD) & EDU_CMD_RUN))
			return 0;
		msleep(10);
	}
	return -ETIMEDOUT;
}

static int edu_dma(struct dev *d, uint64_t iova, bool to_ram)
{
	int ret = edu_start(d, iova, to_ram);

	return ret ? ret : edu_wait(d);
}

/*
 * round_trip: SRC's bytes into the device from IOVA_SRC, then out of it to
 * IOVA_DST, over DST; both must be mapped.  Returns 0, a negative errno,
 * or 1 if DST does not hold SRC's bytes afterwards (or the byte after the
 * transfer changed).
 */
static int round_trip(struct dev *d, uint8_t *src, uint8_t *dst)
{
	int ret;

	fill(src, PAGE);
	memset(dst, 0xa5, PAGE);
	ret = edu_dma(d, IOVA_SRC, false);
	if (!ret)
		ret = edu_dma(d, IOVA_DST, true);
	if (ret)
		return ret;
	return memcmp(src, dst, XFER) || dst[XFER] != 0xa5;
}

/* map_pair: SRC at IOVA_SRC and DST at IOVA_DST. */
static int map_pair(struct dev *d, uint8_t *src, uint8_t *dst, const char **step)
{
	int ret;

	*step = "map-src";
	ret = dma_map(d, src, IOVA_SRC, PAGE);
	if (ret)
		return ret;
	*step = "map-dst";
	return dma_map(d, dst, IOVA_DST, PAGE);
}

/* ---- cases ---------------------------------------------------------- */

/*
 * basic: the whole user's path, DMA both ways, unmap, tear down, unbind.
 * Also the check after other cases that the device is usable again.
 */
static void case_basic(const char *c, const char *bdf)
{
	uint8_t *src = buf_alloc(), *dst = buf_alloc();
	const char *step;
	struct dev d;
	int64_t un;
	int ret;

	ret = dev_setup(&d, bdf, &step);
	if (!ret)
		ret = map_pair(&d, src, dst, &step);
	if (!ret) {
		step = "dma";
		ret = round_trip(&d, src, dst);
	}
	if (!ret) {
		step = "unmap";
		un = dma_unmap(&d, IOVA_SRC, PAGE);
		ret = un == PAGE ? 0 : un < 0 ? un : -EINVAL;
		un = dma_unmap(&d, IOVA_DST, PAGE);
		ret = ret ? ret : un == PAGE ? 0 : un < 0 ? un : -EINVAL;
	}
	dev_close(&d);
	if (!ret) {
		step = "unbind";
		ret = bind(bdf, "");
	}
	if (ret == 1)
		not_ok(c, "data differs after the round trip");
	else if (ret)
		not_ok(c, "%s: %s", step, ename(ret));
	else
		ok(c, NULL);
	munmap(src, PAGE);
	munmap(dst, PAGE);
}

/*
 * unsafe-refused: without interrupt remapping type1 refuses a group
 * (EPERM at VFIO_SET_IOMMU) until allow_unsafe_interrupts is set; then
 * the same steps succeed.  Leaves the parameter set.
 */
static void case_unsafe_refused(const char *c, const char *bdf)
{
	const char *step;
	struct dev d;
	int ret, first;

	ret = write_file(UNSAFE, "0");
	if (ret) {
		not_ok(c, "write %s: %s", UNSAFE, ename(ret));
		return;
	}
	dev_init(&d, bdf);
	ret = bind(bdf, "vfio-pci");
	step = "bind-vfio-pci";
	if (!ret)
		ret = dev_open(&d, &step);
	if (ret >= 0)
		ret = dev_attach(&d, &step);
	dev_close(&d);
	first = ret;
	write_file(UNSAFE, "1");
	ret = dev_setup(&d, bdf, &step);
	dev_close(&d);
	bind(bdf, "");
	if (first != -EPERM || ret)
		not_ok(c, "unsafe off: %s, on: %s %s", ename(first), step, ename(ret));
	else
		ok(c, NULL);
}

/* unsafe-cmdline: the parameter came from the kernel command line. */
static void case_unsafe_cmdline(const char *c, const char *bdf)
{
	const char *step;
	struct dev d;
	int ret;

	if (!unsafe_allowed()) {
		not_ok(c, "allow_unsafe_interrupts is not set");
		return;
	}
	ret = dev_setup(&d, bdf, &step);
	dev_close(&d);
	bind(bdf, "");
	if (ret)
		not_ok(c, "%s: %s", step, ename(ret));
	else
		ok(c, NULL);
}

/*
 * get_info: VFIO_IOMMU_GET_INFO into INFO (LEN bytes) and its IOVA range
 * capability in *R; 0 or -errno, with *STEP the step that failed.
 */
static int get_info(struct dev *d, struct vfio_iommu_type1_info *info, size_t len,
		    struct vfio_iommu_type1_info_cap_iova_range **r, const char **step)
{
	struct vfio_info_cap_header *h;

	*r = NULL;
	*step = "get-info";
	info->argsz = len;
	if (ioctl(d->container, VFIO_IOMMU_GET_INFO, info))
		return -errno;
	*step = "get-info-caps";
	if (!(info->flags & VFIO_IOMMU_INFO_CAPS) || info->argsz > len)
		return -EINVAL;
	for (uint32_t off = info->cap_offset; off; off = h->next) {
		h = (void *)((char *)info + off);
		if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE)
			*r = (void *)h;
	}
	*step = "iova-range-cap";
	return *r && (*r)->nr_iovas ? 0 : -ENOENT;
}

/*
 * iova-ranges: VFIO_IOMMU_GET_INFO's IOVA ranges; the MSI window
 * 0xfee00000-0xfeefffff must be outside every range.  Prints the ranges.
 */
static void case_iova_ranges(const char *c, const char *bdf)
{
	struct vfio_iommu_type1_info *info;
	struct vfio_iommu_type1_info_cap_iova_range *r = NULL;
	char list[512] = "";
	const char *step;
	struct dev d;
	size_t len = 4096;
	int ret;

	info = calloc(1, len);
	ret = dev_setup(&d, bdf, &step);
	if (!ret)
		ret = get_info(&d, info, len, &r, &step);
	for (uint32_t i = 0; !ret && i < r->nr_iovas; i++) {
		size_t n = strlen(list);

		snprintf(list + n, sizeof(list) - n, "%s0x%llx-0x%llx", i ? "," : "",
			 (unsigned long long)r->iova_ranges[i].start,
			 (unsigned long long)r->iova_ranges[i].end);
		if (r->iova_ranges[i].start <= MSI_BASE + 0xfffff &&
		    r->iova_ranges[i].end >= MSI_BASE)
			ret = 1;
	}
	if (!ret)
		printf("@@VFIO note pgsizes 0x%llx\n", (unsigned long long)info->iova_pgsizes);
	dev_close(&d);
	bind(bdf, "");
	if (ret == 1)
		not_ok(c, "MSI window inside %s", list);
	else if (ret)
		not_ok(c, "%s: %s", step, ename(ret));
	else
		ok(c, "%s", list);
	free(info);
}

/*
 * map-errors: what type1 refuses: a page overlapping the MSI window, the
 * window itself, the page after the last IOVA range (past the aperture;
 * "none" when the ranges reach 2^64, as upstream AMD-Vi's do), an IOVA
 * range that wraps, an unaligned size, a second map over a mapped IOVA,
 * an unmap of a range that was never mapped.  Prints the errno of each.
 */
static void case_map_errors(const char *c, const char *bdf)
{
	uint8_t *buf = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct vfio_iommu_type1_info_cap_iova_range *r;
	struct vfio_iommu_type1_info *info = calloc(1, 4096);
	const char *step, *beyond = "none";
	uint64_t end;
	char got[256], want[256];
	struct dev d;
	int ret;

	ret = dev_setup(&d, bdf, &step);
	if (!ret)
		ret = get_info(&d, info, 4096, &r, &step);
	if (ret) {
		dev_close(&d);
		bind(bdf, "");
		not_ok(c, "%s: %s", step, ename(ret));
		free(info);
		return;
	}
	end = r->iova_ranges[r->nr_iovas - 1].end;
	if (end != UINT64_MAX)
		beyond = ename(dma_map(&d, buf, end + 1, PAGE));
	snprintf(want, sizeof(want), "msi=EINVAL msi-edge=EINVAL aperture=%s wrap=EINVAL "
		 "unaligned=EINVAL overlap=EEXIST unmap-never=0",
		 end != UINT64_MAX ? "EINVAL" : "none");
	ret = dma_map(&d, buf, IOVA_SRC, PAGE);
	snprintf(got, sizeof(got),
		 "msi=%s msi-edge=%s aperture=%s wrap=%s unaligned=%s overlap=%s unmap-never=%lld",
		 ename(dma_map(&d, buf, MSI_BASE, PAGE)),
		 ename(dma_map(&d, buf, MSI_BASE - PAGE, 2 * PAGE)),
		 beyond,
		 ename(dma_map(&d, buf, -(uint64_t)PAGE, 2 * PAGE)),
		 ename(dma_map(&d, buf, IOVA_DST, 100)),
		 ename(ret ? ret : dma_map(&d, buf + PAGE, IOVA_SRC, PAGE)),
		 (long long)dma_unmap(&d, IOVA_NEVER, PAGE));
	dev_close(&d);
	bind(bdf, "");
	free(info);
	if (strcmp(got, want))
		not_ok(c, "%s", got);
	else
		ok(c, NULL);
	munmap(buf, 4 * PAGE);
}

/*
 * order: the steps a user can get wrong: SET_IOMMU before any group is
 * in the container, GET_DEVICE_FD before SET_IOMMU.
 */
static void case_order(const char *c, const char *bdf)
{
	const char *step;
	struct dev d;
	int ret, no_group, early_fd = 0;

	dev_init(&d, bdf);
	ret = bind(bdf, "vfio-pci");
	step = "bind-vfio-pci";
	if (!ret)
		ret = dev_open(&d, &step);
	if (ret < 0) {
		dev_close(&d);
		bind(bdf, "");
		not_ok(c, "%s: %s", step, ename(ret));
		return;
	}
	no_group = ioctl(d.container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) ? -errno : 0;
	if (!ioctl(d.group, VFIO_GROUP_SET_CONTAINER, &d.container)) {
		d.device = ioctl(d.group, VFIO_GROUP_GET_DEVICE_FD, d.bdf);
		early_fd = d.device < 0 ? -errno : 0;
	} else {
		early_fd = -errno;
	}
	dev_close(&d);
	bind(bdf, "");
	if (no_group != -EINVAL || early_fd != -EINVAL)
		not_ok(c, "set-iommu-without-group=%s device-fd-before-set-iommu=%s",
		       ename(no_group), ename(early_fd));
	else
		ok(c, NULL);
}

/*
 * unmapped: a page the device wrote through is unmapped, then the device
 * writes to its IOVA again: nothing may arrive (the unmap must have
 * reached the IOTLB), and the IOMMU reports exactly one write fault by
 * the device at that IOVA.
 */
static void case_unmapped(const char *c, const char *bdf)
{
	uint8_t *src = buf_alloc(), *dst = buf_alloc(), *gone = buf_alloc();
	const char *step;
	struct dev d;
	long before = -1, after = -1;
	int ret, kmsg, faults = -1;
	int64_t un;

	ret = dev_setup(&d, bdf, &step);
	if (!ret)
		ret = map_pair(&d, src, dst, &step);
	if (!ret) {
		step = "map-gone";
		ret = dma_map(&d, gone, IOVA_GONE, PAGE);
	}
	if (!ret) {
		/* The page works while it is mapped. */
		step = "dma-while-mapped";
		memset(gone, 0, PAGE);
		ret = edu_dma(&d, IOVA_SRC, false);
		ret = ret ? ret : edu_dma(&d, IOVA_GONE, true);
		if (!ret && memcmp(gone, src, XFER))
			ret = 1;
	}
	if (!ret) {
		step = "unmap";
		un = dma_unmap(&d, IOVA_GONE, PAGE);
		ret = un == PAGE ? 0 : un < 0 ? un : -EINVAL;
	}
	if (!ret) {
		step = "dma-after-unmap";
		memset(gone, 0x5a, PAGE);
		fill(src, PAGE);
		ret = edu_dma(&d, IOVA_SRC, false);
		kmsg = kmsg_open();
		before = fault_count();
		ret = ret ? ret : edu_dma(&d, IOVA_GONE, true);
		faults = kmsg_faults(kmsg, fault_rid, true, IOVA_GONE, 1500);
		after = fault_count();
		close(kmsg);
		for (size_t i = 0; !ret && i < PAGE; i++)
			if (gone[i] != 0x5a)
				ret = 2;
	}
	if (!ret) {
		step = "dma-still-works";
		ret = round_trip(&d, src, dst);
	}
	dev_close(&d);
	bind(bdf, "");
	if (ret == 1)
		not_ok(c, "%s: data differs", step);
	else if (ret == 2)
		not_ok(c, "data arrived in the unmapped page");
	else if (ret)
		not_ok(c, "%s: %s", step, ename(ret));
	else if (!no_fault_reports && faults != 1)
		not_ok(c, "%d fault reports for %s at IOVA 0x%llx, expected 1", faults, fault_rid,
		       IOVA_GONE);
	else if (!no_fault_reports && before >= 0 && after != before + 1)
		not_ok(c, "the faults counter went from %ld to %ld", before, after);
	else
		ok(c, NULL);
	munmap(src, PAGE);
	munmap(dst, PAGE);
	munmap(gone, PAGE);
}

/*
 * never-mapped: the device writes to and reads from an IOVA no map ever
 * covered: one write fault and one read fault, both naming the device and
 * the IOVA; what it read there is not RAM's (QEMU returns zeros); the
 * device works afterwards.
 */
static void case_never_mapped(const char *c, const char *bdf)
{
	uint8_t *src = buf_alloc(), *dst = buf_alloc();
	int ret, kmsg, wf = -1, rf = -1;
	const char *step;
	struct dev d;

	ret = dev_setup(&d, bdf, &step);
	if (!ret)
		ret = map_pair(&d, src, dst, &step);
	if (!ret) {
		step = "write";
		kmsg = kmsg_open();
		ret = edu_dma(&d, IOVA_NEVER, true);
		wf = kmsg_faults(kmsg, fault_rid, true, IOVA_NEVER, 1500);
		close(kmsg);
	}
	if (!ret) {
		step = "read";
		kmsg = kmsg_open();
		ret = edu_dma(&d, IOVA_NEVER, false);
		rf = kmsg_faults(kmsg, fault_rid, false, IOVA_NEVER, 1500);
		close(kmsg);
	}
	if (!ret) {
		/* What the device read from the unmapped IOVA comes out here. */
		step = "read-data";
		memset(dst, 0xa5, PAGE);
		ret = edu_dma(&d, IOVA_DST, true);
		for (size_t i = 0; !ret && i < XFER; i++)
			if (dst[i])
				ret = 1;
	}
	if (!ret) {
		step = "dma-still-works";
		ret = round_trip(&d, src, dst);
	}
	dev_close(&d);
	bind(bdf, "");
	if (ret == 1)
		not_ok(c, "%s: data differs", step);
	else if (ret)
		not_ok(c, "%s: %s", step, ename(ret));
	else if (!no_fault_reports && (wf != 1 || rf != 1))
		not_ok(c, "%d write and %d read fault reports at IOVA 0x%llx, expected 1 and 1",
		       wf, rf, IOVA_NEVER);
	else
		ok(c, NULL);
	munmap(src, PAGE);
	munmap(dst, PAGE);
}

/*
 * kill: a child owns the device, maps a buffer, starts a transfer and is
 * killed with SIGKILL before it ends.  Its exit must release everything:
 * no fault report from the transfer that was cut off (the device's bus
 * master is off before its group leaves the domain), and "basic" works.
 */
static void case_kill(const char *c, const char *bdf)
{
	int p[2], kmsg, faults, status;
	char byte = 0;
	pid_t pid;

	if (pipe(p)) {
		not_ok(c, "pipe: %s", ename(errno));
		return;
	}
	kmsg = kmsg_open();
	pid = fork();
	if (!pid) {
		uint8_t *buf = buf_alloc();
		const char *step;
		struct dev d;

		close(p[0]);
		if (!dev_setup(&d, bdf, &step) && !dma_map(&d, buf, IOVA_DST, PAGE) &&
		    !edu_start(&d, IOVA_DST, true))
			byte = 1;
		if (write(p[1], &byte, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &byte, 1) != 1)
		byte = 0;
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(p[0]);
	faults = kmsg_faults(kmsg, fault_rid, true, IOVA_DST, 1000);
	close(kmsg);
	if (!byte) {
		not_ok(c, "the child could not set up and start a transfer");
		bind(bdf, "");
		return;
	}
	if (faults) {
		not_ok(c, "%d fault reports after the owner was killed", faults);
		return;
	}
	case_basic(c, bdf);
}

/* A thread, not a child: a child would hold copies of the owner's fds. */
static void *remove_thread(void *path)
{
	return (void *)(intptr_t)write_file(path, "1");
}

/*
 * remove: the device is hot removed (sysfs "remove") while its user holds
 * it.  vfio-pci relays the request to the user's request eventfd and
 * blocks the removal until the user lets go; meanwhile DMA still works.
 * Once the user closed everything the device is gone; a rescan brings it
 * back into a group, and "basic" works on it.
 */
static void case_remove(const char *c, const char *bdf)
{
	uint8_t *src = buf_alloc(), *dst = buf_alloc();
	struct {
		struct vfio_irq_set set;
		int32_t fd;
	} irq = {
		.set = {
			.argsz = sizeof(irq),
			.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
			.index = VFIO_PCI_REQ_IRQ_INDEX, .count = 1,
		},
	};
	char path[PATH_MAX];
	const char *step;
	struct pollfd pfd;
	uint64_t events;
	int ret, blocked = 0, started = 0, joined = 0;
	void *result = (void *)(intptr_t)-EINPROGRESS;
	struct dev d;
	pthread_t t;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", bdf);
	ret = dev_setup(&d, bdf, &step);
	if (!ret)
		ret = map_pair(&d, src, dst, &step);
	if (!ret) {
		step = "request eventfd";
		irq.fd = eventfd(0, EFD_NONBLOCK);
		ret = irq.fd < 0 || ioctl(d.device, VFIO_DEVICE_SET_IRQS, &irq) ? -errno : 0;
	}
	if (!ret) {
		step = "pthread_create";
		ret = -pthread_create(&t, NULL, remove_thread, path);
		started = !ret;
	}
	if (!ret) {
		step = "the request reached the user";
		pfd = (struct pollfd){ .fd = irq.fd, .events = POLLIN };
		ret = poll(&pfd, 1, 5000) == 1 && read(irq.fd, &events, 8) == 8 ? 0 : -ETIMEDOUT;
	}
	if (!ret) {
		step = "the removal waits for the user";
		blocked = pthread_tryjoin_np(t, &result) == EBUSY;
		joined = !blocked;
		ret = blocked ? 0 : -EINVAL;
	}
	if (!ret) {
		step = "dma while the removal waits";
		ret = round_trip(&d, src, dst);
	}
	dev_close(&d);
	if (irq.fd > 0)
		close(irq.fd);
	/* The removal ends once the user let go: at most 10 s. */
	for (int i = 0; started && !joined && i < 200; i++) {
		joined = !pthread_tryjoin_np(t, &result);
		if (!joined)
			msleep(50);
	}
	if (!ret) {
		step = "removed once the user let go";
		ret = !joined ? -ETIMEDOUT : (intptr_t)result ? (intptr_t)result :
		      access(path, F_OK) ? 0 : -EEXIST;
	}
	if (started && !joined) {
		/* The rescan would wait for the removal too. */
		not_ok(c, "the removal did not end once the user let go");
		return;
	}
	write_file("/sys/bus/pci/rescan", "1");
	if (!ret) {
		step = "back after a rescan, in a group";
		ret = group_of(bdf) >= 0 ? 0 : -ENOENT;
	}
	bind(bdf, "");
	if (ret == 1)
		not_ok(c, "%s: data differs", step);
	else if (ret)
		not_ok(c, "%s: %s", step, ename(ret));
	else
		case_basic(c, bdf);
	munmap(src, PAGE);
	munmap(dst, PAGE);
}

/*
 * rebind: after VFIO released the group a kernel driver binds again
 * (pci-pf-stub, which uses the DMA API's default domain), then leaves.
 */
static void case_rebind(const char *c, const char *bdf)
{
	const char *step;
	struct dev d;
	int ret;

	ret = dev_setup(&d, bdf, &step);
	dev_close(&d);
	if (ret) {
		bind(bdf, "");
		not_ok(c, "%s: %s", step, ename(ret));
		return;
	}
	ret = bind(bdf, "pci-pf-stub");
	bind(bdf, "");
	if (ret)
		not_ok(c, "bind pci-pf-stub: %s", ename(ret));
	else
		ok(c, NULL);
}

/* demo_state: one @@DEMO line with BDF's group, its type and driver. */
static void demo_state(const char *when, const char *bdf)
{
	char path[96], type[32] = "?", drv[PATH_MAX];
	const char *name = driver_of(bdf, drv, sizeof(drv));
	int id = group_of(bdf);

	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/type", id);
	if (read_file(path, type, sizeof(type)) == 0)
		type[strcspn(type, "\n")] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%d", id);
	printf("@@DEMO %-9s group %d, type %s, driver %s, %s %s\n", when, id, type,
	       *name ? name : "(none)", path,
	       access(path, F_OK) ? "absent" : "present");
}

/*
 * demo (make demo): what a group is for, step by step in @@DEMO lines: a
 * userspace driver binds vfio-pci, claims the group through type1, finds
 * the group's type locked while it owns it, moves data by its own IOVAs,
 * releases the group, and a kernel driver may bind again.
 */
static void case_demo(const char *c, const char *bdf)
{
	uint8_t *src = buf_alloc(), *dst = buf_alloc();
	char path[96];
	const char *step;
	struct dev d;
	int ret, locked;

	demo_state("before:", bdf);
	ret = dev_setup(&d, bdf, &step);
	if (!ret) {
		demo_state("claimed:", bdf);
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/type",
			 group_of(bdf));
		locked = write_file(path, "identity");
		printf("@@DEMO owned:    writing \"identity\" to the group's type: %s\n",
		       ename(locked));
		ret = map_pair(&d, src, dst, &step);
	}
	if (!ret) {
		step = "dma";
		ret = round_trip(&d, src, dst);
		printf("@@DEMO dma:      edu copied a page from IOVA 0x%llx to 0x%llx: %s\n",
		       IOVA_SRC, IOVA_DST, ret ? "failed" : "arrived");
	}
	dev_close(&d);
	if (!ret)
		demo_state("released:", bdf);
	if (!ret) {
		step = "bind-pci-pf-stub";
		ret = bind(bdf, "pci-pf-stub");
		demo_state("rebound:", bdf);
	}
	bind(bdf, "");
	if (ret == 1)
		not_ok(c, "data differs after the round trip");
	else if (ret)
		not_ok(c, "%s: %s", step, ename(ret));
	else
		ok(c, NULL);
	munmap(src, PAGE);
	munmap(dst, PAGE);
}

/*
 * not-viable: SIBLING of BDF's group is bound to a kernel driver
 * (pci-pf-stub): the group is not viable and SET_CONTAINER fails with
 * EPERM; GET_DEVICE_FD fails too.  Prints the status flags and errnos.
 */
static void case_not_viable(const char *c, const char *bdf, const char *sib)
{
	const char *step;
	struct dev d;
	int ret, flags = -1, set = 0, fd = 0;

	if (!sib) {
		not_ok(c, "needs -s SIBLING");
		return;
	}
	dev_init(&d, bdf);
	step = "bind pci-pf-stub to the sibling";
	ret = bind(sib, "pci-pf-stub");
	if (!ret) {
		step = "bind-vfio-pci";
		ret = bind(bdf, "vfio-pci");
	}
	if (!ret)
		ret = flags = dev_open(&d, &step);
	if (ret >= 0) {
		ret = 0;
		set = ioctl(d.group, VFIO_GROUP_SET_CONTAINER, &d.container) ? -errno : 0;
		d.device = ioctl(d.group, VFIO_GROUP_GET_DEVICE_FD, d.bdf);
		fd = d.device < 0 ? -errno : 0;
	}
	dev_close(&d);
	bind(bdf, "");
	bind(sib, "");
	if (ret < 0)
		not_ok(c, "%s: %s", step, ename(ret));
	else if (flags != 0 || set != -EPERM || fd != -EINVAL)
		not_ok(c, "flags=0x%x set-container=%s device-fd=%s", flags, ename(set), ename(fd));
	else
		ok(c, "flags=0x%x set-container=%s device-fd=%s", flags, ename(set), ename(fd));
}

/*
 * group-all: every member given to vfio-pci makes the group viable; one
 * container, the device fd of each, both DMA through the one domain.
 * Then bind-claimed: while the group is claimed, the sibling leaves
 * vfio-pci and a kernel driver may not bind to it (EBUSY), and the
 * owner's DMA still works.
 */
static void case_group(const char *c, const char *bind_c, const char *bdf, const char *sib)
{
	uint8_t *src = buf_alloc(), *dst = buf_alloc();
	struct dev d, s;
	const char *step;
	char drv[PATH_MAX];
	int ret, claimed = 0;

	if (!sib) {
		not_ok(c, "needs -s SIBLING");
		return;
	}
	dev_init(&s, sib);
	step = "bind the sibling to vfio-pci";
	ret = bind(sib, "vfio-pci");
	if (!ret)
		ret = dev_setup(&d, bdf, &step);
	if (!ret) {
		step = "sibling device";
		s.group = d.group;
		ret = dev_device(&s, &step);
		s.group = -1;
	}
	if (!ret)
		ret = map_pair(&d, src, dst, &step);
	if (!ret) {
		step = "dma by the device";
		ret = round_trip(&d, src, dst);
	}
	if (!ret) {
		step = "dma by the sibling";
		ret = round_trip(&s, src, dst);
	}
	if (ret == 1)
		not_ok(c, "%s: data differs", step);
	else if (ret)
		not_ok(c, "%s: %s", step, ename(ret));
	else
		ok(c, NULL);

	if (!ret) {
		dev_close(&s);
		step = "unbind the sibling from vfio-pci";
		ret = bind(sib, "");
		if (!ret) {
			claimed = bind_direct(sib, "pci-pf-stub");
			step = "dma after the refused bind";
			ret = round_trip(&d, src, dst);
		}
		if (ret == 1)
			not_ok(bind_c, "%s: data differs", step);
		else if (ret)
			not_ok(bind_c, "%s: %s", step, ename(ret));
		else if (claimed != -EBUSY || *driver_of(sib, drv, sizeof(drv)))
			not_ok(bind_c, "bind: %s, driver now '%s'", ename(claimed), drv);
		else
			ok(bind_c, "%s", ename(claimed));
	} else {
		not_ok(bind_c, "not run");
	}
	dev_close(&s);
	dev_close(&d);
	bind(bdf, "");
	bind(sib, "");
	munmap(src, PAGE);
	munmap(dst, PAGE);
}

/*
 * noiommu: with no IOMMU and vfio.enable_unsafe_noiommu_mode=1 vfio-pci
 * gives the device a group named vfio-noiommu, /dev/vfio/noiommu-<id>,
 * usable only with the no-IOMMU backend; BAR0 reads edu's id.
 */
static void case_noiommu(const char *c, const char *bdf)
{
	struct vfio_region_info bar = { .argsz = sizeof(bar), .index = VFIO_PCI_BAR0_REGION_INDEX };
	char path[PATH_MAX], name[64] = "";
	int ret, id, container = -1, group = -1, device = -1;
	const char *step = "bind-vfio-pci";
	uint32_t v = 0;

	ret = bind(bdf, "vfio-pci");
	id = group_of(bdf);
	if (!ret) {
		step = "group name";
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/name", id);
		ret = read_file(path, name, sizeof(name));
		if (!ret && strcmp(name, "vfio-noiommu"))
			ret = -EINVAL;
	}
	if (!ret) {
		step = "open";
		snprintf(path, sizeof(path), "/dev/vfio/noiommu-%d", id);
		container = open("/dev/vfio/vfio", O_RDWR);
		group = open(path, O_RDWR);
		ret = container < 0 || group < 0 ? -errno : 0;
	}
	if (!ret) {
		step = "noiommu-extension";
		ret = ioctl(container, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU) == 1 ? 0 : -EINVAL;
	}
	if (!ret) {
		step = "set-container";
		ret = ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) ? -errno : 0;
	}
	if (!ret) {
		step = "set-iommu";
		ret = ioctl(container, VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU) ? -errno : 0;
	}
	if (!ret) {
		step = "device";
		device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
		ret = device < 0 ? -errno : 0;
	}
	if (!ret) {
		step = "bar0";
		ret = ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &bar) ? -errno : 0;
		if (!ret && pread(device, &v, 4, bar.offset) != 4)
			ret = -EIO;
		if (!ret && (v & 0xff) != 0xed)
			ret = -ENODEV;
	}
	if (device >= 0)
		close(device);
	if (group >= 0)
		close(group);
	if (container >= 0)
		close(container);
	bind(bdf, "");
	if (ret)
		not_ok(c, "%s: %s (group name '%s')", step, ename(ret), name);
	else
		ok(c, "name=%s", name);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* bench_one: map and unmap BUF's SIZE bytes at IOVA in one call each. */
static int bench_one(struct dev *d, uint8_t *buf, uint64_t size, double *map, double *unmap)
{
	double t = now_us();
	int ret = dma_map(d, buf, 1ULL << 32, size);

	*map = now_us() - t;
	if (ret)
		return ret;
	t = now_us();
	ret = dma_unmap(d, 1ULL << 32, size) == (int64_t)size ? 0 : -EINVAL;
	*unmap = now_us() - t;
	return ret;
}

/*
 * bench (make bench, not a test): the cost of type1's map and unmap.
 * 4,096 VFIO_IOMMU_MAP_DMA calls of 4 KiB at distinct IOVAs, then 4,096
 * unmaps (us per call); one 16 MiB map and unmap; one 1 GiB map and unmap
 * if the guest has the memory.  Buffers are populated first, so page
 * faults are not counted; pinning is.  One line: @@VFIOBENCH name=us ...
 */
static void case_bench(const char *c, const char *bdf)
{
	const unsigned long n = 4096;
	double t, map4k = 0, unmap4k = 0, map16m = 0, unmap16m = 0, map1g = -1, unmap1g = -1;
	const char *step;
	uint8_t *buf, *big;
	struct dev d;
	int ret;

	buf = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED) {
		not_ok(c, "mmap 16 MiB: %s", ename(errno));
		return;
	}
	ret = dev_setup(&d, bdf, &step);
	if (!ret) {
		step = "map 4 KiB";
		t = now_us();
		for (unsigned long i = 0; !ret && i < n; i++)
			ret = dma_map(&d, buf + i * PAGE, (1ULL << 32) + i * PAGE, PAGE);
		map4k = (now_us() - t) / n;
	}
	if (!ret) {
		step = "unmap 4 KiB";
		t = now_us();
		for (unsigned long i = 0; !ret && i < n; i++)
			ret = dma_unmap(&d, (1ULL << 32) + i * PAGE, PAGE) == PAGE ? 0 : -EINVAL;
		unmap4k = (now_us() - t) / n;
	}
	if (!ret) {
		step = "16 MiB";
		ret = bench_one(&d, buf, n * PAGE, &map16m, &unmap16m);
	}
	if (!ret) {
		big = mmap(NULL, 1UL << 30, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (big != MAP_FAILED) {
			step = "1 GiB";
			ret = bench_one(&d, big, 1UL << 30, &map1g, &unmap1g);
			munmap(big, 1UL << 30);
		}
	}
	dev_close(&d);
	bind(bdf, "");
	munmap(buf, n * PAGE);
	if (ret) {
		not_ok(c, "%s: %s", step, ename(ret));
		return;
	}
	printf("@@VFIOBENCH map4k=%.2f unmap4k=%.2f map16m=%.0f unmap16m=%.0f", map4k, unmap4k,
	       map16m, unmap16m);
	if (map1g >= 0)
		printf(" map1g=%.0f unmap1g=%.0f", map1g, unmap1g);
	printf("\n");
	ok(c, NULL);
}

int main(int argc, char **argv)
{
	const char *sib = NULL, *bdf;
	char drv[PATH_MAX];
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "s:a:n")) != -1) {
		if (opt == 's')
			sib = optarg;
		else if (opt == 'a')
			fault_rid = optarg;
		else if (opt == 'n')
			no_fault_reports = true;
		else
			goto usage;
	}
	if (optind + 2 > argc)
		goto usage;
	bdf = argv[optind++];
	if (!fault_rid)
		fault_rid = bdf;
	if (no_fault_reports)
		note("fault reports not checked (-n): the IOMMU reports none");
	seed = time(NULL);
	if (access("/dev/vfio/vfio", F_OK))
		note("no /dev/vfio/vfio");
	note("device %s group %d driver '%s' allow_unsafe_interrupts %c", bdf, group_of(bdf),
	     driver_of(bdf, drv, sizeof(drv)), unsafe_allowed() ? 'Y' : 'N');
	for (; optind < argc; optind++) {
		const char *c = argv[optind];

		if (!strcmp(c, "basic"))
			case_basic(c, bdf);
		else if (!strcmp(c, "unsafe-refused"))
			case_unsafe_refused(c, bdf);
		else if (!strcmp(c, "unsafe-cmdline"))
			case_unsafe_cmdline(c, bdf);
		else if (!strcmp(c, "iova-ranges"))
			case_iova_ranges(c, bdf);
		else if (!strcmp(c, "map-errors"))
			case_map_errors(c, bdf);
		else if (!strcmp(c, "order"))
			case_order(c, bdf);
		else if (!strcmp(c, "unmapped"))
			case_unmapped(c, bdf);
		else if (!strcmp(c, "never-mapped"))
			case_never_mapped(c, bdf);
		else if (!strcmp(c, "kill"))
			case_kill(c, bdf);
		else if (!strcmp(c, "remove"))
			case_remove(c, bdf);
		else if (!strcmp(c, "rebind"))
			case_rebind(c, bdf);
		else if (!strcmp(c, "demo"))
			case_demo(c, bdf);
		else if (!strcmp(c, "not-viable"))
			case_not_viable(c, bdf, sib);
		else if (!strcmp(c, "group"))
			case_group("group-all", "bind-claimed", bdf, sib);
		else if (!strcmp(c, "bench"))
			case_bench(c, bdf);
		else if (!strcmp(c, "noiommu"))
			case_noiommu(c, bdf);
		else
			not_ok(c, "no such case");
	}
	printf("@@VFIO done failures=%d\n", failures);
	return !!failures;
usage:
	fprintf(stderr, "usage: vfio-edu [-s SIBLING] [-a ALIAS] [-n] BDF CASE...\n");
	return 2;
}
