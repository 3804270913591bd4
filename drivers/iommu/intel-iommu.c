// SPDX-License-Identifier: GPL-2.0-only
/*
 * Intel VT-d: IOMMU groups for the PCI devices the DMA remapping units of
 * the ACPI DMAR table cover.
 *
 * The driver reads the DMAR table, reads the version and capability
 * registers of each remapping unit, shows each unit as
 * /sys/class/iommu/dmar<N> and names each PCI device's unit from its
 * add_device callback: the unit whose device scope lists the device or a
 * bridge above it, else the INCLUDE_PCI_ALL unit of its segment.  The core
 * links the device to that unit and groups it by the PCI rules; a device no
 * unit covers gets no group.  RMRRs become "direct" reserved regions of the
 * devices in their scope.
 *
 * Each unit translates: a group's devices are attached to its domains
 * (intel-domain.c) through context entries (intel-context.c), and faults
 * are reported (intel-fault.c).  Translation is turned on once every device
 * a unit covers has a context entry, and off again at shutdown and kexec.
 *
 * Two steps at boot:
 *  - arch_initcall: parse the table (intel_iommu=off skips everything) and
 *    ask the PCI core to enable ACS, which it does only for ports it
 *    enumerates afterwards (x86 enumerates at subsys_initcall);
 *  - fs_initcall, after enumeration: set up the units, take the PCI bus
 *    with bus_set_iommu(), which adds the existing devices to groups and
 *    attaches them to their default domains (and, through its bus
 *    notifier, hot-added ones), then turn translation on.
 */

#define pr_fmt(fmt) "DMAR: " fmt

#include <linux/acpi.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/ioport.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include <asm/e820/api.h>
#include <asm/x86_init.h>

#include "dmar.h"
#include "intel-unit.h"
#include "iommu-priv.h"

static bool vtd_disabled;		/* intel_iommu=off */
/* The table, parsed at arch_initcall; never changes afterwards. */
static struct dmar_info *vtd_dmar;
static struct vtd_unit *vtd_units;	/* one per vtd_dmar->units[] */

/*
 * intel_iommu=on|off; "on" is the default.  Upstream Linux takes more
 * comma-separated options; those are ignored with a warning.
 */
static int __init vtd_setup(char *str)
{
	char *opt;

	if (!str)
		return -EINVAL;
	while ((opt = strsep(&str, ",")) != NULL) {
		if (!strcmp(opt, "on"))
			vtd_disabled = false;
		else if (!strcmp(opt, "off"))
			vtd_disabled = true;
		else if (*opt)
			pr_warn("intel_iommu=%s: ignored, only on and off are known\n",
				opt);
	}
	return 0;
}
early_param("intel_iommu", vtd_setup);

/* --- Which unit covers a device ---------------------------------------- */

/*
 * Whether @sc's path leads to @pdev: walk the path backwards from @pdev,
 * each step up being the bridge whose secondary bus the step below is on;
 * the first step must be on the scope's start bus.
 */
static bool vtd_scope_names(const struct dmar_scope *sc, struct pci_dev *pdev)
{
	struct pci_dev *cur = pdev;
	int i;

	for (i = sc->path_len - 1; i >= 0; i--) {
		const struct acpi_dmar_pci_path *step = &sc->path[i];

		if (!cur || step->device > 31 || step->function > 7 ||
		    cur->devfn != PCI_DEVFN(step->device, step->function))
			return false;
		if (i == 0)
			return cur->bus->number == sc->bus;
		cur = cur->bus->self;
	}
	return false;
}

/*
 * Whether @sc covers @pdev: an endpoint entry covers the device it names, a
 * bridge entry the bridge and everything below it.  A virtual function is
 * covered with its physical function.
 */
static bool vtd_scope_covers(const struct dmar_scope *sc, struct pci_dev *pdev)
{
	struct pci_dev *cur;

	pdev = pci_physfn(pdev);
	switch (sc->type) {
	case ACPI_DMAR_SCOPE_TYPE_ENDPOINT:
		return vtd_scope_names(sc, pdev);
	case ACPI_DMAR_SCOPE_TYPE_BRIDGE:
		for (cur = pdev; cur; cur = cur->bus->self)
			if (vtd_scope_names(sc, cur))
				return true;
		return false;
	default:		/* IO-APIC, HPET, ACPI namespace device */
		return false;
	}
}

static bool vtd_scopes_cover(const struct dmar_scope *scopes, unsigned int nr,
			     struct pci_dev *pdev)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (vtd_scope_covers(&scopes[i], pdev))
			return true;
	return false;
}

/**
 * vtd_unit_for - the unit that translates a device's DMA
 * @pdev: the device
 *
 * Reads only the table, which never changes once parsed.
 *
 * Return: the unit, or NULL if none covers @pdev.
 */
struct vtd_unit *vtd_unit_for(struct pci_dev *pdev)
{
	int segment = pci_domain_nr(pdev->bus);
	struct vtd_unit *catch_all = NULL;
	unsigned int i;

	for (i = 0; i < vtd_dmar->nr_units; i++) {
		const struct dmar_unit *d = &vtd_dmar->units[i];

		if (d->segment != segment)
			continue;
		if (d->include_all)
			catch_all = &vtd_units[i];
		else if (vtd_scopes_cover(d->scopes, d->nr_scopes, pdev))
			return &vtd_units[i];
	}
	return catch_all;
}

/* --- iommu_ops --------------------------------------------------------- */

/*
 * The unit that translates @dev: the core links the device to it, groups it
 * by the PCI rules and attaches it to its group's domains; remove_device
 * hands it back once it is blocked.
 */
static struct iommu_device *vtd_add_device(struct device *dev)
{
	struct vtd_unit *unit;
	struct vtd_dev *vdev;

	lockdep_assert_held(&iommu_probe_device_lock);
	if (!dev_is_pci(dev))
		return ERR_PTR(-ENODEV);

	unit = vtd_unit_for(to_pci_dev(dev));
	if (!unit) {
		dev_dbg(dev, "no DMA remapping unit covers it\n");
		return ERR_PTR(-ENODEV);
	}
	if (!unit->ok) {
		dev_dbg(dev, "its unit dmar%d is not usable\n", unit->index);
		return ERR_PTR(-ENODEV);
	}
	vdev = kzalloc(sizeof(*vdev), GFP_KERNEL);
	if (!vdev)
		return ERR_PTR(-ENOMEM);
	vdev->unit = unit;
	vdev->pdev = to_pci_dev(dev);
	dev_iommu_priv_set(dev, vdev);
	return &unit->iommu;
}

/* The core attached @dev to the blocked domain before it left. */
static void vtd_remove_device(struct device *dev)
{
	struct vtd_dev *vdev = dev_iommu_priv_get(dev);

	lockdep_assert_held(&iommu_probe_device_lock);
	WARN_ON(vdev->programmed || vdev->domain);
	dev_iommu_priv_set(dev, NULL);
	kfree(vdev);
}

static bool vtd_capable(struct device *dev, enum iommu_cap cap)
{
	struct vtd_dev *vdev = dev_iommu_priv_get(dev);

	switch (cap) {
	case IOMMU_CAP_CACHE_COHERENCY:
		/* DMA snoops the CPU caches on every x86 VT-d platform. */
		return true;
	case IOMMU_CAP_ENFORCE_CACHE_COHERENCY:
		return vdev && (vdev->unit->ecap & VTD_ECAP_SC);
	default:
		return false;
	}
}

/*
 * The RMRRs whose scope covers @dev, as direct regions, and the MSI window.
 * Reads only the table, which never changes once parsed.
 */
static void vtd_get_resv_regions(struct device *dev, struct list_head *list)
{
	struct iommu_resv_region *region;
	struct pci_dev *pdev;
	unsigned int i;

	if (!dev_is_pci(dev))
		return;
	pdev = to_pci_dev(dev);

	for (i = 0; i < vtd_dmar->nr_rmrrs; i++) {
		const struct dmar_rmrr *r = &vtd_dmar->rmrrs[i];
		u64 length = r->end - r->base + 1;

		if (r->segment != pci_domain_nr(pdev->bus) || !length ||
		    !vtd_scopes_cover(r->scopes, r->nr_scopes, pdev))
			continue;
		region = iommu_alloc_resv_region(r->base, length,
						 IOMMU_READ | IOMMU_WRITE,
						 IOMMU_RESV_DIRECT, GFP_KERNEL);
		if (!region)
			return;
		list_add_tail(&region->list, list);
	}
	iommu_add_x86_msi_region(list);
}

const struct iommu_ops vtd_ops = {
	.add_device = vtd_add_device,
	.remove_device = vtd_remove_device,
	.device_group = pci_device_group,
	.get_resv_regions = vtd_get_resv_regions,
	.capable = vtd_capable,
	.domain_alloc_paging = vtd_domain_alloc_paging,
	.identity_domain = &vtd_identity_domain,
	.blocked_domain = &vtd_blocked_domain,
	.owner = THIS_MODULE,
};

/* --- /sys/class/iommu/dmar<N>/intel-iommu/ ----------------------------- */

static ssize_t address_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "0x%llx\n", dev_to_vtd_unit(dev)->desc->base);
}
static DEVICE_ATTR_RO(address);

static ssize_t version_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	u32 ver = dev_to_vtd_unit(dev)->ver;

	return sysfs_emit(buf, "%u:%u\n", (ver >> 4) & 0xf, ver & 0xf);
}
static DEVICE_ATTR_RO(version);

static ssize_t cap_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	return sysfs_emit(buf, "%llx\n", dev_to_vtd_unit(dev)->cap);
}
static DEVICE_ATTR_RO(cap);

static ssize_t ecap_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%llx\n", dev_to_vtd_unit(dev)->ecap);
}
static DEVICE_ATTR_RO(ecap);

static struct attribute *vtd_unit_attrs[] = {
	&dev_attr_address.attr,
	&dev_attr_version.attr,
	&dev_attr_cap.attr,
	&dev_attr_ecap.attr,
	&vtd_attr_faults.attr,
	&vtd_attr_faults_lost.attr,
	NULL
};

static const struct attribute_group vtd_unit_group = {
	.name = "intel-iommu",
	.attrs = vtd_unit_attrs,
};

static const struct attribute_group *vtd_unit_groups[] = {
	&vtd_unit_group,
	NULL
};

/* --- Boot -------------------------------------------------------------- */

/*
 * The page-table levels of @unit's domains: four where the unit walks them
 * and its address width needs them, else three.  0 if it walks neither
 * (SAGAW bit 1: 39-bit, 3 levels; bit 2: 48-bit, 4 levels).
 */
static unsigned int vtd_unit_levels(const struct vtd_unit *unit)
{
	unsigned int sagaw = VTD_CAP_SAGAW(unit->cap);

	if (sagaw & BIT(2) && (VTD_CAP_MGAW(unit->cap) > 39 || !(sagaw & BIT(1))))
		return 4;
	if (sagaw & BIT(1))
		return 3;
	return 0;
}

/*
 * Whether the RMRRs of @unit's segment can be mapped 1:1 into its domains:
 * inside its address width, and not in RAM the kernel allocates from
 * (firmware's DMA there would land in kernel memory).  RMRRs that overlap
 * each other are fine: a group maps the union.
 */
static bool __init vtd_unit_rmrrs_ok(const struct vtd_unit *unit)
{
	unsigned int i;

	for (i = 0; i < vtd_dmar->nr_rmrrs; i++) {
		const struct dmar_rmrr *r = &vtd_dmar->rmrrs[i];

		if (r->segment != unit->desc->segment)
			continue;
		if (r->end >= BIT_ULL(unit->aw_bits)) {
			pr_err("dmar%d: RMRR 0x%llx-0x%llx (table offset 0x%x) lies beyond its %u-bit address width; not used\n",
			       unit->index, r->base, r->end, r->offset,
			       unit->aw_bits);
			return false;
		}
		if (e820__mapped_any(r->base, r->end + 1, E820_TYPE_RAM)) {
			pr_err("dmar%d: RMRR 0x%llx-0x%llx (table offset 0x%x) overlaps usable RAM; not used\n",
			       unit->index, r->base, r->end, r->offset);
			return false;
		}
	}
	return true;
}

/*
 * Check what @unit can do and give it its tables: -ENODEV, logged, if the
 * driver cannot use it.
 */
static int __init vtd_unit_setup(struct vtd_unit *unit)
{
	int ret;

	unit->levels = vtd_unit_levels(unit);
	if (!unit->levels) {
		pr_err("dmar%d: walks neither 3- nor 4-level tables (SAGAW 0x%llx); not used\n",
		       unit->index, VTD_CAP_SAGAW(unit->cap));
		return -ENODEV;
	}
	unit->aw_bits = min(12 + 9 * unit->levels, VTD_CAP_MGAW(unit->cap));
	unit->superpages = VTD_CAP_SLLPS(unit->cap) &
			   (VTD_PGTABLE_SP_2M | VTD_PGTABLE_SP_1G);
	if (VTD_CAP_FRO(unit->cap) + 16 * VTD_CAP_NFR(unit->cap) >
	    (4096U << unit->desc->size) ||
	    VTD_ECAP_IRO(unit->ecap) + 16 > (4096U << unit->desc->size)) {
		pr_err("dmar%d: registers beyond its %u-byte register set (cap 0x%016llx, ecap 0x%016llx); not used\n",
		       unit->index, 4096U << unit->desc->size, unit->cap,
		       unit->ecap);
		return -ENODEV;
	}
	if (!vtd_unit_rmrrs_ok(unit))
		return -ENODEV;
	if (!(unit->ecap & VTD_ECAP_C))
		vtd_need_clflush = true;

	raw_spin_lock_init(&unit->reg_lock);
	mutex_init(&unit->ctx_lock);
	ida_init(&unit->dids);
	ret = vtd_unit_tables_init(unit);
	if (ret)
		return ret;
	if (!(unit->ecap & VTD_ECAP_PT)) {
		ret = vtd_identity_table_init(unit);
		if (ret) {
			pr_err("dmar%d: no pass-through and no 1:1 table: %d; not used\n",
			       unit->index, ret);
			vtd_unit_tables_free(unit);
			return ret;
		}
	}
	return 0;
}

/*
 * Read the unit's identification registers, set it up and show it in
 * sysfs.  The register range stays claimed ("dmar<N>" in /proc/iomem) and
 * mapped.  A unit that fails is logged and left out; the others carry on.
 */
static int __init vtd_unit_probe(struct vtd_unit *unit)
{
	const struct dmar_unit *d = unit->desc;
	resource_size_t size = 4096ULL << d->size;
	char *name;
	int ret;

	name = kasprintf(GFP_KERNEL, "dmar%d", unit->index);
	if (!name)
		return -ENOMEM;
	if (!request_mem_region(d->base, size, name)) {
		pr_err("dmar%d: registers at 0x%llx are in use by another driver\n",
		       unit->index, d->base);
		ret = -EBUSY;
		goto err_name;
	}
	unit->regs = ioremap(d->base, size);
	if (!unit->regs) {
		pr_err("dmar%d: cannot map registers at 0x%llx\n", unit->index,
		       d->base);
		ret = -ENOMEM;
		goto err_release;
	}
	unit->ver = readl(unit->regs + VTD_VER_REG);
	unit->cap = readq(unit->regs + VTD_CAP_REG);
	unit->ecap = readq(unit->regs + VTD_ECAP_REG);

	/* Reads of absent hardware return all ones. */
	if (unit->ver == U32_MAX || unit->cap == U64_MAX) {
		pr_err("dmar%d: no remapping unit answers at 0x%llx\n",
		       unit->index, d->base);
		ret = -ENODEV;
		goto err_unmap;
	}
	ret = vtd_unit_setup(unit);
	if (ret)
		goto err_unmap;
	/*
	 * Caching mode: an emulated unit that shadows the tables traps every
	 * flush anyway, so batching them buys little and leaves stale
	 * translations around; DMA domains stay strict, as upstream's.
	 */
	if (unit->cap & VTD_CAP_CM)
		iommu_set_dma_strict();

	unit->iommu.ops = &vtd_ops;
	ret = iommu_device_sysfs_add(&unit->iommu, NULL, vtd_unit_groups,
				     "dmar%d", unit->index);
	if (ret) {
		pr_err("dmar%d: cannot add to sysfs: %d\n", unit->index, ret);
		goto err_tables;
	}

	pr_info("dmar%d: registers at 0x%llx, segment %u%s, version %u.%u, cap 0x%016llx, ecap 0x%016llx, %u-level tables, %u-bit IOVAs\n",
		unit->index, d->base, d->segment,
		d->include_all ? " (all devices)" : "",
		(unit->ver >> 4) & 0xf, unit->ver & 0xf, unit->cap, unit->ecap,
		unit->levels, unit->aw_bits);
	unit->ok = true;
	return 0;	/* @name lives on in the resource */

err_tables:
	vtd_unit_tables_free(unit);
err_unmap:
	iounmap(unit->regs);
	unit->regs = NULL;
err_release:
	release_mem_region(d->base, size);
err_name:
	kfree(name);
	return ret;
}

/* x86_platform.iommu_shutdown: reboot, kexec and crash kernels. */
static void vtd_shutdown(void)
{
	unsigned int i;

	for (i = 0; i < vtd_dmar->nr_units; i++)
		if (vtd_units[i].translating)
			vtd_translation_disable(&vtd_units[i]);
}

/*
 * Every device @unit covers has a context entry now: the core attached the
 * grouped ones to their default domains, vtd_passthrough_leftovers() the
 * rest.  Turn translation on and start reporting faults.
 */
static void __init vtd_unit_start(struct vtd_unit *unit)
{
	int ret = vtd_passthrough_leftovers(unit);

	if (!ret)
		ret = vtd_translation_enable(unit);
	if (ret) {
		pr_err("dmar%d: translation not enabled: %d\n", unit->index,
		       ret);
		return;
	}
	vtd_fault_start(unit);
	pr_info("dmar%d: translation on\n", unit->index);
}

/*
 * Early: parse the table and, if it is usable, have the PCI core enable
 * ACS on the ports it is about to enumerate.
 */
static int __init vtd_detect(void)
{
	struct acpi_table_header *table;
	struct dmar_parse_error err;
	struct dmar_info *info;
	acpi_status status;

	if (acpi_disabled)
		return 0;
	status = acpi_get_table(ACPI_SIG_DMAR, 0, &table);
	if (ACPI_FAILURE(status))
		return 0;
	if (vtd_disabled) {
		acpi_put_table(table);
		pr_info("disabled by intel_iommu=off\n");
		return 0;
	}

	info = dmar_parse_table(table, table->length, &err);
	acpi_put_table(table);
	if (IS_ERR(info)) {
		if (PTR_ERR(info) == -EINVAL)
			pr_err("malformed table, %s at offset 0x%x: %s; VT-d not used\n",
			       err.what, err.offset, err.why);
		else
			pr_err("cannot parse the table: %ld\n", PTR_ERR(info));
		return 0;
	}
	if (!info->nr_units) {
		pr_info("the table lists no remapping unit\n");
		dmar_info_free(info);
		return 0;
	}

	vtd_dmar = info;
	pci_request_acs();
	return 0;
}
arch_initcall(vtd_detect);

/* After PCI enumeration: map the units and take the PCI bus. */
static int __init vtd_init(void)
{
	unsigned int i, usable = 0;
	int ret;

	if (!vtd_dmar)
		return 0;

	vtd_units = kcalloc(vtd_dmar->nr_units, sizeof(*vtd_units), GFP_KERNEL);
	if (!vtd_units)
		return -ENOMEM;
	for (i = 0; i < vtd_dmar->nr_units; i++) {
		vtd_units[i].desc = &vtd_dmar->units[i];
		vtd_units[i].index = i;
		if (!vtd_unit_probe(&vtd_units[i]))
			usable++;
	}
	pr_info("%u of %u remapping units usable, host address width %u, %u RMRRs\n",
		usable, vtd_dmar->nr_units, vtd_dmar->haw, vtd_dmar->nr_rmrrs);
	if (!usable)
		return 0;

	ret = bus_set_iommu(&pci_bus_type, &vtd_ops);
	if (ret) {
		/* The units stay in sysfs, without devices, not translating. */
		pr_err("cannot take the PCI bus: %d\n", ret);
		return ret;
	}
	for (i = 0; i < vtd_dmar->nr_units; i++)
		if (vtd_units[i].ok)
			vtd_unit_start(&vtd_units[i]);
	x86_platform.iommu_shutdown = vtd_shutdown;
	return 0;
}
fs_initcall(vtd_init);
