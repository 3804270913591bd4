/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fake PCI hierarchies for the tests and the benchmark of pci-groups.c: a
 * configuration space per function behind our own pci_ops, scanned by the
 * real PCI core.  UML has a PCI core but no host bridge, so the root buses
 * built here are the only ones.
 */
#ifndef __IOMMU_PCI_FAKE_H
#define __IOMMU_PCI_FAKE_H

#include <linux/pci.h>
#include <linux/xarray.h>

#define FAKE_VENDOR		0xfa4e
#define FAKE_DEVICE		0x0001
#define FAKE_DEVICE_ALIAS	0x00a1	/* DMA alias quirk below */

#define ACS_ALL	(PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF)

/* How a fake function looks in configuration space. */
enum fake_kind {
	FAKE_CONV,		/* conventional PCI device */
	FAKE_EP,		/* PCIe endpoint */
	FAKE_RCIEP,		/* root-complex integrated endpoint */
	FAKE_RP,		/* PCIe root port */
	FAKE_USP,		/* switch upstream port */
	FAKE_DSP,		/* switch downstream port */
	FAKE_P2P,		/* PCIe-to-PCI/PCI-X bridge */
	FAKE_PPB,		/* conventional PCI-to-PCI bridge */
	FAKE_HOST,		/* host bridge function, e.g. in a root-port slot */
};

/* Flags of a fake function. */
#define F_MF		BIT(0)	/* multifunction header bit */
#define F_ACS		BIT(1)	/* ACS capability, all controls on */
#define F_ACS_OFF	BIT(2)	/* ACS capability, controls off */

/**
 * struct fake_fn - configuration space of one fake function
 * @cfg: the 4 KiB configuration space
 * @alias: devfn of a DMA alias that the quirk adds, or -1
 */
struct fake_fn {
	u8 cfg[PCI_CFG_SPACE_EXP_SIZE];
	int alias;
};

/**
 * struct fake_pci - one fake PCI hierarchy
 * @sd: on x86, what the arch code takes every root bus's sysdata to be
 *	(segment 0, no NUMA node); it must come first
 * @fns: &struct fake_fn by bus number << 8 | devfn
 * @root: the root bus once scanned
 * @root_nr: its bus number
 *
 * The root bus's sysdata is the &struct fake_pci.  It is in PCI segment 0,
 * so its bus numbers must not be those of a real bus.
 */
struct fake_pci {
#ifdef CONFIG_X86
	struct pci_sysdata sd;
#endif
	struct xarray fns;
	struct pci_bus *root;
	u8 root_nr;
};

/**
 * struct fake_kind_info - configuration space traits of a &enum fake_kind
 * @class: class code
 * @pcie_type: PCIe port type, or -1 for no PCIe capability
 * @bridge: whether it has a type 1 header
 */
struct fake_kind_info {
	u32 class;
	int pcie_type;
	bool bridge;
};

extern const struct fake_kind_info fake_kinds[];

bool fake_on_bus(struct pci_dev *pdev);
void fake_put16(u8 *p, u16 v);
void fake_put32(u8 *p, u32 v);
struct fake_fn *fake_add(struct fake_pci *fp, u8 bus, u8 devfn,
			 enum fake_kind kind, unsigned int flags, u8 sec, u8 sub);
void fake_set_sriov(struct fake_pci *fp, u8 bus, u8 devfn, u16 total,
		    u16 offset);
void fake_set_alias(struct fake_pci *fp, u8 bus, u8 devfn, u8 alias);
void fake_pci_init(struct fake_pci *fp, u8 root_nr);
int fake_pci_scan(struct fake_pci *fp);
void fake_pci_fini(struct fake_pci *fp);
struct pci_dev *fake_dev(u8 bus, u8 devfn);
int fake_gid(u8 bus, u8 devfn);
void fake_remove(u8 bus, u8 devfn);

#endif /* __IOMMU_PCI_FAKE_H */
