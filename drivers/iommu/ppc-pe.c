// SPDX-License-Identifier: GPL-2.0-only
/*
 * POWER: one IOMMU group per partitionable endpoint.
 *
 * On pseries (PAPR) and powernv every PCI device belongs to a partitionable
 * endpoint (PE) with its own TCE table, described by a struct
 * iommu_table_group.  The platform code makes those when it sets up DMA and
 * calls iommu_register_group() for each, then iommu_add_device() for each
 * device it gives the PE.  Both land here and go to the generic PE helpers
 * in pe-groups.c: one named group per PE, the table group as its iommu_data.
 *
 * The PCI bus type is handed to our core with bus_set_iommu(), so that a
 * removed device leaves its group, and so that a device added after its PE
 * is known joins at once: the device_group callback asks the host bridge's
 * controller_ops.device_group, which the platforms fill in when they can
 * map a device to its PE (powernv always, pseries with SPAPR_TCE_IOMMU).
 *
 * Host bridges are not IOMMU devices of their own here; the hooks that
 * dynamic (DLPAR) host bridges call have nothing to do.
 */

#define pr_fmt(fmt) "iommu-ppc-pe: " fmt

#include <linux/init.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/string.h>
#include <asm/iommu.h>
#include <asm/pci-bridge.h>
#include <asm/ppc-pci.h>

#include "pe-groups.h"

/*
 * The group died: the table group must not hand it out any more.  Runs once
 * the platform has dropped the PE's reference and the last member has gone,
 * so no device of the PE can be probed concurrently.
 */
static void ppc_pe_release(void *iommu_data)
{
	struct iommu_table_group *table_group = iommu_data;

	table_group->group = NULL;
}

/**
 * iommu_register_group - make the IOMMU group of a partitionable endpoint
 * @table_group: the PE's TCE table group; becomes the group's iommu_data
 * @pci_domain_number: the PCI domain of the PE's host bridge
 * @pe_num: the PE's number within the host bridge
 *
 * Sets @table_group->group to a new group named "domain<N>-pe<hex>".  The
 * table group holds that reference until the platform drops it with
 * iommu_group_put(); when the group dies, @table_group->group is cleared.
 * On failure @table_group->group stays NULL and the PE's devices have no
 * group.
 *
 * Context: Process context; may sleep.
 */
void iommu_register_group(struct iommu_table_group *table_group,
			  int pci_domain_number, unsigned long pe_num)
{
	struct iommu_group *group;

	group = iommu_pe_group_alloc(pci_domain_number, pe_num, table_group,
				     ppc_pe_release);
	if (IS_ERR(group)) {
		pr_warn("no group for PE %lx of domain %d: %ld\n", pe_num,
			pci_domain_number, PTR_ERR(group));
		return;
	}
	table_group->group = group;
}

/**
 * iommu_add_device - put a device into the group of its PE
 * @table_group: the device's PE
 * @dev: the device, whose DMA the platform has just set up
 *
 * Context: Process context; may sleep.  Takes iommu_probe_device_lock.
 * Return: 0 or a negative errno as iommu_pe_add_device_to() (the platforms
 * ignore it: a device without a group simply cannot be given to a user).
 */
int iommu_add_device(struct iommu_table_group *table_group, struct device *dev)
{
	return iommu_pe_add_device_to(table_group->group, dev);
}
EXPORT_SYMBOL_GPL(iommu_add_device);

/* Every PCI device is translated by its PE's TCE table. */
static struct iommu_device *ppc_pe_add_device(struct device *dev)
{
	return dev_is_pci(dev) ? iommu_pe_add_device(dev) : ERR_PTR(-ENODEV);
}

/*
 * The host bridge's own idea of the device's PE, if it has one; else NULL:
 * the platform adds the device when it sets its DMA up.
 */
static struct iommu_group *ppc_pe_device_group(struct device *dev,
					       struct iommu_group_reason *why)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	struct pci_controller *hose = pci_bus_to_host(pdev->bus);
	struct iommu_group *group;

	if (!hose || !hose->controller_ops.device_group)
		return NULL;
	group = hose->controller_ops.device_group(hose, pdev);
	if (IS_ERR(group))
		return group == ERR_PTR(-ENODEV) ? NULL : group;
	strscpy(why->text, IOMMU_PE_REASON);
	return group;
}

static const struct iommu_ops ppc_pe_iommu_ops = {
	.add_device = ppc_pe_add_device,
	.device_group = ppc_pe_device_group,
	.owner = THIS_MODULE,
};

/**
 * ppc_iommu_register_device - a host bridge appeared (DLPAR)
 * @phb: the host bridge
 *
 * Its PEs register their groups as their DMA is set up; nothing to do.
 */
void ppc_iommu_register_device(struct pci_controller *phb)
{
}

/**
 * ppc_iommu_unregister_device - a host bridge is going away (DLPAR)
 * @phb: the host bridge
 *
 * Its devices leave their groups as they leave the PCI bus, and the
 * platform drops each PE's reference; nothing to do.
 */
void ppc_iommu_unregister_device(struct pci_controller *phb)
{
}

/*
 * After pci_bus_type exists (postcore) and before the host bridges are
 * scanned (pcibios_init() is a subsys_initcall), so no device is missed.
 */
static int __init ppc_pe_iommu_init(void)
{
	int ret = bus_set_iommu(&pci_bus_type, &ppc_pe_iommu_ops);

	if (ret)
		pr_err("cannot take the PCI bus: %d\n", ret);
	return ret;
}
arch_initcall(ppc_pe_iommu_init);
