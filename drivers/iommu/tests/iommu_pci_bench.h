/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the PCI grouping benchmark needs of an IOMMU core, in the names of
 * none: "make bench" links iommu_pci_bench_kunit.c with
 * iommu_pci_bench_ours.c on our core and, in the upstream peer kernel,
 * with harness/peer-uml/iommu_pci_bench_upstream.c on the base's.
 */
#ifndef __IOMMU_PCI_BENCH_H
#define __IOMMU_PCI_BENCH_H

/*
 * Group every PCI function of the fake buses: hand the PCI bus to a mock
 * IOMMU driver that accepts exactly those and groups them with
 * pci_device_group().  Returns 0 or a negative errno.
 */
int iommu_pci_bench_attach(void);

/* Take the PCI bus back: every function leaves its group. */
void iommu_pci_bench_detach(void);

/* Which core this is, for the figures. */
const char *iommu_pci_bench_core(void);

#endif /* __IOMMU_PCI_BENCH_H */
