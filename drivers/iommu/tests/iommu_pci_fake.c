// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fake PCI hierarchies for the tests and the benchmark of pci-groups.c.
 */

#include <kunit/visibility.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "iommu_pci_fake.h"

#ifdef CONFIG_X86
/* x86 reads any root bus's sysdata as a struct pci_sysdata. */
static_assert(offsetof(struct fake_pci, sd) == 0);
#endif

static struct fake_fn *fake_lookup(struct pci_bus *bus, unsigned int devfn)
{
	struct fake_pci *fp = bus->sysdata;

	return xa_load(&fp->fns, bus->number << 8 | devfn);
}

/* Writable: command, cache line/latency, bridge windows and control. */
static bool fake_writable(struct fake_fn *fn, int where)
{
	bool bridge = (fn->cfg[PCI_HEADER_TYPE] & 0x7f) == PCI_HEADER_TYPE_BRIDGE;

	if (where == PCI_COMMAND || where == PCI_COMMAND + 1 ||
	    where == PCI_CACHE_LINE_SIZE || where == PCI_LATENCY_TIMER ||
	    where == PCI_INTERRUPT_LINE)
		return true;
	/*
	 * Bus numbers are fixed, as firmware left them: config cycles go by
	 * the kernel's bus numbers, and fake_pci_scan() checks that the
	 * kernel, which numbers buses itself on UML, agrees.
	 */
	if (bridge && where >= PCI_SEC_LATENCY_TIMER &&
	    where < PCI_CAPABILITY_LIST)
		return true;
	return bridge && where >= PCI_BRIDGE_CONTROL &&
	       where < PCI_BRIDGE_CONTROL + 2;
}

static int fake_read(struct pci_bus *bus, unsigned int devfn, int where,
		     int size, u32 *val)
{
	struct fake_fn *fn = fake_lookup(bus, devfn);
	int i;

	if (!fn) {
		*val = ~0U;
		return PCIBIOS_DEVICE_NOT_FOUND;
	}
	*val = 0;
	for (i = 0; i < size; i++)
		*val |= fn->cfg[where + i] << (8 * i);
	return PCIBIOS_SUCCESSFUL;
}

static int fake_write(struct pci_bus *bus, unsigned int devfn, int where,
		      int size, u32 val)
{
	struct fake_fn *fn = fake_lookup(bus, devfn);
	int i;

	if (!fn)
		return PCIBIOS_DEVICE_NOT_FOUND;
	for (i = 0; i < size; i++)
		if (fake_writable(fn, where + i))
			fn->cfg[where + i] = val >> (8 * i);
	return PCIBIOS_SUCCESSFUL;
}

static struct pci_ops fake_pci_ops = {
	.read = fake_read,
	.write = fake_write,
};

bool fake_on_bus(struct pci_dev *pdev)
{
	return pdev->bus->ops == &fake_pci_ops;
}
EXPORT_SYMBOL_IF_KUNIT(fake_on_bus);

/* A DMA alias quirk, as drivers/pci/quirks.c has them for real devices. */
static void fake_alias_quirk(struct pci_dev *pdev)
{
	struct fake_fn *fn;

	if (!fake_on_bus(pdev))
		return;
	fn = fake_lookup(pdev->bus, pdev->devfn);
	if (fn && fn->alias >= 0)
		pci_add_dma_alias(pdev, fn->alias, 1);
}
DECLARE_PCI_FIXUP_HEADER(FAKE_VENDOR, FAKE_DEVICE_ALIAS, fake_alias_quirk);

void fake_put16(u8 *p, u16 v)
{
	p[0] = v;
	p[1] = v >> 8;
}
EXPORT_SYMBOL_IF_KUNIT(fake_put16);

void fake_put32(u8 *p, u32 v)
{
	fake_put16(p, v);
	fake_put16(p + 2, v >> 16);
}
EXPORT_SYMBOL_IF_KUNIT(fake_put32);

const struct fake_kind_info fake_kinds[] = {
	[FAKE_CONV]  = { 0x020000, -1, false },
	[FAKE_EP]    = { 0x020000, PCI_EXP_TYPE_ENDPOINT, false },
	[FAKE_RCIEP] = { 0x010000, PCI_EXP_TYPE_RC_END, false },
	[FAKE_RP]    = { 0x060400, PCI_EXP_TYPE_ROOT_PORT, true },
	[FAKE_USP]   = { 0x060400, PCI_EXP_TYPE_UPSTREAM, true },
	[FAKE_DSP]   = { 0x060400, PCI_EXP_TYPE_DOWNSTREAM, true },
	[FAKE_P2P]   = { 0x060400, PCI_EXP_TYPE_PCI_BRIDGE, true },
	[FAKE_PPB]   = { 0x060400, -1, true },
	[FAKE_HOST]  = { 0x060000, -1, false },
};
EXPORT_SYMBOL_IF_KUNIT(fake_kinds);

/* Fill the fake function @bus:@devfn; bridges get @sec and @sub. */
struct fake_fn *fake_add(struct fake_pci *fp, u8 bus, u8 devfn,
			 enum fake_kind kind, unsigned int flags, u8 sec, u8 sub)
{
	struct fake_fn *fn = kzalloc(sizeof(*fn), GFP_KERNEL);
	u8 *c;

	if (!fn)
		return NULL;
	c = fn->cfg;
	fn->alias = -1;
	fake_put16(c + PCI_VENDOR_ID, FAKE_VENDOR);
	fake_put16(c + PCI_DEVICE_ID, FAKE_DEVICE);
	fake_put32(c + PCI_CLASS_REVISION, fake_kinds[kind].class << 8 | 1);
	c[PCI_HEADER_TYPE] = fake_kinds[kind].bridge ? PCI_HEADER_TYPE_BRIDGE :
						       PCI_HEADER_TYPE_NORMAL;
	if (flags & F_MF)
		c[PCI_HEADER_TYPE] |= PCI_HEADER_TYPE_MFD;
	if (fake_kinds[kind].bridge) {
		c[PCI_PRIMARY_BUS] = bus;
		c[PCI_SECONDARY_BUS] = sec;
		c[PCI_SUBORDINATE_BUS] = sub;
	}
	if (fake_kinds[kind].pcie_type >= 0) {
		fake_put16(c + PCI_STATUS, PCI_STATUS_CAP_LIST);
		c[PCI_CAPABILITY_LIST] = 0x40;
		c[0x40 + PCI_CAP_LIST_ID] = PCI_CAP_ID_EXP;
		fake_put16(c + 0x40 + PCI_EXP_FLAGS,
			   2 | fake_kinds[kind].pcie_type << 4);
	}
	if (flags & (F_ACS | F_ACS_OFF)) {
		fake_put32(c + PCI_CFG_SPACE_SIZE, PCI_EXT_CAP_ID_ACS | 1 << 16);
		fake_put16(c + PCI_CFG_SPACE_SIZE + PCI_ACS_CAP, ACS_ALL);
		fake_put16(c + PCI_CFG_SPACE_SIZE + PCI_ACS_CTRL,
			   flags & F_ACS ? ACS_ALL : 0);
	}
	if (xa_err(xa_store(&fp->fns, bus << 8 | devfn, fn, GFP_KERNEL))) {
		kfree(fn);
		return NULL;
	}
	return fn;
}
EXPORT_SYMBOL_IF_KUNIT(fake_add);

#define FAKE_SRIOV_POS	(PCI_CFG_SPACE_SIZE + 0x40)

/**
 * fake_set_sriov - give a fake function an SR-IOV capability
 * @fp: the hierarchy
 * @bus: bus of the function, which has an ACS capability (F_ACS or
 *	 F_ACS_OFF)
 * @devfn: its devfn
 * @total: TotalVFs, InitialVFs too
 * @offset: First VF Offset, in routing IDs
 *
 * The VFs follow each other (stride 1); their configuration spaces are the
 * caller's to add with fake_add() where offset and stride put them, the
 * PCI core reading those of the VFs it adds with pci_enable_sriov().  They
 * have no BARs, so the VFs need no MMIO resources.
 */
void fake_set_sriov(struct fake_pci *fp, u8 bus, u8 devfn, u16 total,
		    u16 offset)
{
	struct fake_fn *fn = xa_load(&fp->fns, bus << 8 | devfn);
	u8 *acs = fn->cfg + PCI_CFG_SPACE_SIZE, *c = fn->cfg + FAKE_SRIOV_POS;

	/* Chained behind the ACS capability. */
	fake_put32(acs, PCI_EXT_CAP_ID_ACS | 1 << 16 | FAKE_SRIOV_POS << 20);
	fake_put32(c, PCI_EXT_CAP_ID_SRIOV | 1 << 16);
	fake_put16(c + PCI_SRIOV_INITIAL_VF, total);
	fake_put16(c + PCI_SRIOV_TOTAL_VF, total);
	fake_put16(c + PCI_SRIOV_VF_OFFSET, offset);
	fake_put16(c + PCI_SRIOV_VF_STRIDE, 1);
	fake_put16(c + PCI_SRIOV_VF_DID, FAKE_DEVICE);
	fake_put32(c + PCI_SRIOV_SUP_PGSIZE, 1);	/* 4 KiB */
}
EXPORT_SYMBOL_IF_KUNIT(fake_set_sriov);

/* Make @bus:@devfn DMA with @alias's requester ID as well (a quirk). */
void fake_set_alias(struct fake_pci *fp, u8 bus, u8 devfn, u8 alias)
{
	struct fake_fn *fn = xa_load(&fp->fns, bus << 8 | devfn);

	fake_put16(fn->cfg + PCI_DEVICE_ID, FAKE_DEVICE_ALIAS);
	fn->alias = alias;
}
EXPORT_SYMBOL_IF_KUNIT(fake_set_alias);

void fake_pci_init(struct fake_pci *fp, u8 root_nr)
{
#ifdef CONFIG_X86
	fp->sd = (struct pci_sysdata){ .domain = 0, .node = NUMA_NO_NODE };
#endif
	xa_init(&fp->fns);
	fp->root = NULL;
	fp->root_nr = root_nr;
}
EXPORT_SYMBOL_IF_KUNIT(fake_pci_init);

/*
 * Whether the kernel numbered every bus below @bus as the fake wired it.
 * UML's PCI core assigns all bus numbers itself, in scan order (see
 * pcibios_assign_all_busses()).  A rescan in another order (a bridge that
 * returns after a sibling bridge) gives a bridge the bus of another and
 * loses the old bus: its devices are then never removed and outlive @fp.
 */
static int fake_check_bus(struct pci_bus *bus)
{
	struct pci_dev *pdev;
	struct fake_fn *fn;
	int ret = 0;

	list_for_each_entry(pdev, &bus->devices, bus_list) {
		if (pdev->hdr_type != PCI_HEADER_TYPE_BRIDGE)
			continue;
		fn = fake_lookup(bus, pdev->devfn);
		if (!fn || !pdev->subordinate ||
		    pdev->subordinate->number != fn->cfg[PCI_SECONDARY_BUS]) {
			pci_err(pdev, "fake: bus %02x is not below this bridge\n",
				fn ? fn->cfg[PCI_SECONDARY_BUS] : 0);
			ret = -EIO;
			continue;
		}
		ret = fake_check_bus(pdev->subordinate) ?: ret;
	}
	return ret;
}

/*
 * Scan the root bus, or everything new on it if it exists already.
 * Return: 0, -ENODEV without a root bus, or -EIO if the kernel's bus
 * numbers differ from the fake's.
 */
int fake_pci_scan(struct fake_pci *fp)
{
	LIST_HEAD(resources);
	int ret = -ENODEV;

	pci_lock_rescan_remove();
	if (!fp->root) {
		fp->root = pci_scan_root_bus(NULL, fp->root_nr, &fake_pci_ops,
					     fp, &resources);
	} else {
		pci_scan_child_bus(fp->root);
	}
	if (fp->root) {
		pci_bus_add_devices(fp->root);
		ret = fake_check_bus(fp->root);
	}
	pci_unlock_rescan_remove();
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(fake_pci_scan);

static int fake_owned(struct device *dev, const void *fp)
{
	return to_pci_dev(dev)->bus->sysdata == fp;
}

void fake_pci_fini(struct fake_pci *fp)
{
	struct device *dev;
	struct fake_fn *fn;
	unsigned long i;

	if (fp->root) {
		struct pci_host_bridge *bridge = pci_find_host_bridge(fp->root);

		pci_lock_rescan_remove();
		pci_stop_root_bus(fp->root);
		pci_remove_root_bus(fp->root);
		pci_unlock_rescan_remove();
		/* The reference pci_scan_root_bus() gave us: frees the bridge. */
		put_device(&bridge->dev);
		fp->root = NULL;
	}
	/*
	 * Devices on a bus that the PCI core lost (see fake_check_bus())
	 * would read @fp after it is freed; the PCI core cannot remove them
	 * safely any more, so say so.
	 */
	dev = bus_find_device(&pci_bus_type, NULL, fp, fake_owned);
	if (dev) {
		WARN(1, "fake: %s outlived its root bus\n", dev_name(dev));
		put_device(dev);
	}
	xa_for_each(&fp->fns, i, fn)
		kfree(fn);
	xa_destroy(&fp->fns);
}
EXPORT_SYMBOL_IF_KUNIT(fake_pci_fini);

/* The device at @bus:@devfn, which stays valid while it is on its bus. */
struct pci_dev *fake_dev(u8 bus, u8 devfn)
{
	struct pci_bus *b = pci_find_bus(0, bus);
	struct pci_dev *pdev = b ? pci_get_slot(b, devfn) : NULL;

	pci_dev_put(pdev);
	return pdev;
}
EXPORT_SYMBOL_IF_KUNIT(fake_dev);

/* The group id of @bus:@devfn, -1 if it has none, -2 if it is absent. */
int fake_gid(u8 bus, u8 devfn)
{
	struct pci_dev *pdev = fake_dev(bus, devfn);

	if (!pdev)
		return -2;
	return pdev->dev.iommu_group ? iommu_group_id(pdev->dev.iommu_group) :
				       -1;
}
EXPORT_SYMBOL_IF_KUNIT(fake_gid);

void fake_remove(u8 bus, u8 devfn)
{
	struct pci_dev *pdev;

	pci_lock_rescan_remove();
	pdev = fake_dev(bus, devfn);
	if (pdev)
		pci_stop_and_remove_bus_device(pdev);
	pci_unlock_rescan_remove();
}
EXPORT_SYMBOL_IF_KUNIT(fake_remove);
