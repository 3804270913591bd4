// SPDX-License-Identifier: GPL-2.0-only
/*
 * AMD-Vi: IOMMU groups for the PCI devices that AMD IOMMU units translate.
 *
 * The ACPI IVRS table names the units, the requester IDs each translates and
 * the IDs that reach a unit under another device's name (aliases).  The
 * driver names the unit of each device it covers; the core groups the device
 * by the PCI isolation rules, to which the device_group callback hands the
 * IVRS aliases as extra requester IDs (the PCI core's own DMA aliases are
 * left alone).  The unit's own PCI function gets no group.
 *
 * Each unit translates: a group's devices are attached to its domains
 * (amd-domain.c) through device table entries (amd-cmd.c), and the unit's
 * events are reported (amd-event.c).  A unit is enabled once every device
 * it covers has an entry, and disabled again at shutdown and kexec.
 *
 * Boot:
 *  1. amd_iommu_detect(), from pci_iommu_alloc() in mem_init(): memblock only,
 *     ACPI tables mapped, no PCI yet.  If an IVRS table exists and
 *     amd_iommu=off was not given, ask the PCI core to enable ACS while it
 *     enumerates, and hook amd_iommu_init() into x86_init.
 *  2. amd_iommu_init(), from pci_iommu_init() (rootfs_initcall, after PCI
 *     enumeration): parse the IVRS, map each unit's registers, log one line
 *     per unit, give it its tables, register with the PCI bus (which
 *     attaches every device to its default domain), then enable the units.
 *     A malformed table is reported and the driver declines; the machine
 *     boots without groups and without translation.
 *
 * Kernel parameter amd_iommu=on|off; the default is on when the firmware
 * provides an IVRS table.
 *
 * What else x86 links against once CONFIG_AMD_IOMMU=y: the IOMMU PMU in
 * arch/x86/events/amd/iommu.c, built when PERF_EVENTS and CPU_SUP_AMD are
 * set, calls amd_iommu_get_num_iommus(), amd_iommu_pc_*() and
 * get_amd_iommu().  We have no performance counters, so those report none
 * and the PMU driver registers nothing.
 *
 * SEV-SNP hosts need SNP enabled in every IOMMU unit, which this driver
 * does not do.  Like upstream on units without SNP, amd_iommu_detect()
 * takes the host's SNP attribute away, so KVM and the PSP driver run
 * without SNP: amd_iommu_snp_en stays false and amd_iommu_snp_disable()
 * has nothing to undo.
 */

#define pr_fmt(fmt) "AMD-Vi: " fmt

#include <linux/acpi.h>
#include <linux/amd-iommu.h>
#include <linux/cc_platform.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/lockdep.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <asm/iommu.h>
#include <asm/x86_init.h>

#include "amd-unit.h"
#include "iommu-priv.h"

static bool amd_iommu_disabled __initdata;

/*
 * Set up once by amd_iommu_init() before bus_set_iommu() and never changed
 * afterwards, so the iommu_ops callbacks read them without a lock.
 */
static struct ivrs_info *amd_ivrs;
static struct amd_unit *amd_units;
static unsigned int amd_nr_units;

static int __init amd_iommu_param(char *str)
{
	if (!str)
		return -EINVAL;
	if (!strcmp(str, "off"))
		amd_iommu_disabled = true;
	else if (!strcmp(str, "on"))
		amd_iommu_disabled = false;
	else
		pr_warn("amd_iommu=%s not understood; use on or off\n", str);
	return 0;
}
early_param("amd_iommu", amd_iommu_param);

/* --- Finding a device's unit ------------------------------------------- */

static struct amd_unit *amd_unit_of(const struct ivrs_unit *iu)
{
	unsigned int i;

	for (i = 0; i < amd_nr_units; i++)
		if (amd_units[i].ivrs == iu)
			return &amd_units[i];
	return NULL;
}

/**
 * amd_unit_by_index - a unit by the N of its name ivhd<N>
 * @index: below the number of units kept
 *
 * Return: the unit.
 */
struct amd_unit *amd_unit_by_index(unsigned int index)
{
	return &amd_units[index];
}

/**
 * amd_rid_alias - the requester ID a unit sees for another
 * @segment: PCI segment
 * @rid: a requester ID on the bus
 *
 * Return: its IVRS alias, or @rid itself.
 */
u16 amd_rid_alias(u16 segment, u16 rid)
{
	return ivrs_alias_of(amd_ivrs, segment, rid);
}

/**
 * amd_unit_for - the unit that translates a device
 * @pdev: the device
 *
 * Return: the unit, or NULL, also for a unit's own function.
 */
struct amd_unit *amd_unit_for(struct pci_dev *pdev)
{
	u16 seg = pci_domain_nr(pdev->bus), rid = pci_dev_id(pdev);
	const struct ivrs_unit *iu;
	unsigned int i;

	for (i = 0; i < amd_nr_units; i++) {
		iu = amd_units[i].ivrs;
		if (iu->segment == seg && iu->rid == rid)
			return NULL;
	}
	iu = ivrs_find_unit(amd_ivrs, seg, rid);
	return iu ? amd_unit_of(iu) : NULL;
}

/* --- Groups ------------------------------------------------------------ */

/*
 * The PCI rules' group, with the requester IDs that IVRS aliases confuse
 * with the device's as extra IDs of the device: on its bus or another, every
 * device sharing one joins.  Without all of them the device gets no group.
 */
static struct iommu_group *amd_iommu_device_group(struct device *dev,
						  struct iommu_group_reason *why)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	struct iommu_group *group;
	u16 *rids;
	int nr;

	lockdep_assert_held(&iommu_probe_device_lock);
	nr = ivrs_alias_rids(amd_ivrs, pci_domain_nr(pdev->bus),
			     pci_dev_id(pdev), &rids);
	if (nr < 0)
		return ERR_PTR(nr);
	group = pci_device_group_rids(dev, rids, nr, "IVRS alias", why);
	kfree(rids);
	return group;
}

/* The unit that translates @dev; the core links and groups the device. */
static struct iommu_device *amd_iommu_add_device(struct device *dev)
{
	struct amd_unit *unit;
	struct amd_dev *adev;

	lockdep_assert_held(&iommu_probe_device_lock);
	if (!dev_is_pci(dev))
		return ERR_PTR(-ENODEV);
	unit = amd_unit_for(to_pci_dev(dev));
	if (!unit)
		return ERR_PTR(-ENODEV);
	adev = kzalloc(sizeof(*adev), GFP_KERNEL);
	if (!adev)
		return ERR_PTR(-ENOMEM);
	adev->unit = unit;
	adev->pdev = to_pci_dev(dev);
	dev_iommu_priv_set(dev, adev);
	return &unit->iommu;
}

/* The core attached @dev to the blocked domain before it left. */
static void amd_iommu_remove_device(struct device *dev)
{
	struct amd_dev *adev = dev_iommu_priv_get(dev);

	lockdep_assert_held(&iommu_probe_device_lock);
	WARN_ON(adev->programmed || adev->domain);
	dev_iommu_priv_set(dev, NULL);
	kfree(adev);
}

static bool amd_iommu_capable(struct device *dev, enum iommu_cap cap)
{
	switch (cap) {
	case IOMMU_CAP_CACHE_COHERENCY:
	/* Every leaf has FC set: DMA snoops whatever the device asks. */
	case IOMMU_CAP_ENFORCE_CACHE_COHERENCY:
		return true;
	default:
		return false;
	}
}

static int amd_add_ivmd_region(const struct ivrs_memory *m, void *data)
{
	struct iommu_resv_region *region;
	int prot = 0;

	if (m->flags & ACPI_IVMD_READ)
		prot |= IOMMU_READ;
	if (m->flags & ACPI_IVMD_WRITE)
		prot |= IOMMU_WRITE;
	/* Unity-mapped or excluded from translation: reachable either way. */
	region = iommu_alloc_resv_region(m->start, m->length, prot,
					 IOMMU_RESV_DIRECT, GFP_KERNEL);
	if (!region)
		return -ENOMEM;
	list_add_tail(&region->list, data);
	return 0;
}

/*
 * AMD platforms route DMA to 0xfd00000000-0xffffffffff to HyperTransport
 * system space, untranslated: no IOVA there reaches memory.
 */
#define AMD_HT_START		0xfd00000000ULL
#define AMD_HT_LEN		0x0300000000ULL

/* IVMD ranges for the device or its alias, the MSI window, HyperTransport. */
static void amd_iommu_get_resv_regions(struct device *dev,
				       struct list_head *list)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	struct iommu_resv_region *ht;

	ht = iommu_alloc_resv_region(AMD_HT_START, AMD_HT_LEN, 0,
				     IOMMU_RESV_RESERVED, GFP_KERNEL);
	if (ht)
		list_add_tail(&ht->list, list);
	if (!ht || ivrs_walk_memory(amd_ivrs, pci_dev_id(pdev),
				    amd_add_ivmd_region, list) ||
	    iommu_add_x86_msi_region(list))
		dev_warn(dev, "reserved regions incomplete: out of memory\n");
}

const struct iommu_ops amd_iommu_ops = {
	.add_device	= amd_iommu_add_device,
	.remove_device	= amd_iommu_remove_device,
	.device_group	= amd_iommu_device_group,
	.get_resv_regions = amd_iommu_get_resv_regions,
	.capable	= amd_iommu_capable,
	.domain_alloc_paging = amd_domain_alloc_paging,
	.identity_domain = &amd_identity_domain,
	.blocked_domain	= &amd_blocked_domain,
};

/* --- /sys/class/iommu/ivhd<N>/amd-iommu/ ----------------------------------- */

static ssize_t cap_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	struct amd_unit *unit = dev_to_amd_unit(dev);
	u32 cap = 0;

	pci_read_config_dword(unit->pdev, unit->ivrs->cap_offset, &cap);
	return sysfs_emit(buf, "%x\n", cap);
}
static DEVICE_ATTR_RO(cap);

static ssize_t features_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%llx\n", dev_to_amd_unit(dev)->features);
}
static DEVICE_ATTR_RO(features);

static struct attribute *amd_unit_attrs[] = {
	&dev_attr_cap.attr,
	&dev_attr_features.attr,
	&amd_attr_faults.attr,
	&amd_attr_faults_lost.attr,
	NULL
};

static const struct attribute_group amd_unit_group = {
	.name = "amd-iommu",
	.attrs = amd_unit_attrs,
};

static const struct attribute_group *amd_unit_groups[] = {
	&amd_unit_group,
	NULL
};

/* --- Boot -------------------------------------------------------------- */

static int __init amd_unit_init(struct amd_unit *unit,
				const struct ivrs_unit *iu, unsigned int index)
{
	struct pci_dev *pdev;
	u8 cap_id = 0;

	unit->ivrs = iu;
	unit->index = index;
	/* The unit is a PCI function with an IOMMU capability where IVHD says. */
	pdev = pci_get_domain_bus_and_slot(iu->segment, PCI_BUS_NUM(iu->rid),
					   iu->rid & 0xff);
	if (pdev)
		pci_read_config_byte(pdev, iu->cap_offset, &cap_id);
	if (cap_id != PCI_CAP_ID_SECDEV) {
		pci_dev_put(pdev);
		pr_err("ivhd%u: no IOMMU capability at %04x:%02x:%02x.%d offset %#x (IVHD block at offset %#x)\n",
		       index, iu->segment, PCI_BUS_NUM(iu->rid),
		       PCI_SLOT(iu->rid), PCI_FUNC(iu->rid), iu->cap_offset,
		       iu->offset);
		return -ENODEV;
	}
	unit->regs = ioremap(iu->mmio_base, AMD_MMIO_MAP_LEN);
	if (!unit->regs) {
		pr_err("ivhd%u: cannot map registers at %#llx\n", index,
		       iu->mmio_base);
		pci_dev_put(pdev);
		return -ENOMEM;
	}
	unit->control = readq(unit->regs + AMD_MMIO_CONTROL);
	unit->features = readq(unit->regs + AMD_MMIO_EXT_FEATURE);
	if (unit->control == ~0ULL && unit->features == ~0ULL) {
		pr_err("ivhd%u: no unit answers at %#llx (IVHD block at offset %#x)\n",
		       index, iu->mmio_base, iu->offset);
		iounmap(unit->regs);
		pci_dev_put(pdev);
		return -ENODEV;
	}
	unit->pdev = pdev;
	pr_info("ivhd%u: %04x:%02x:%02x.%d at %#llx, IVHD type %#x, translation %s, control %#llx, features %#llx\n",
		index, iu->segment, PCI_BUS_NUM(iu->rid), PCI_SLOT(iu->rid),
		PCI_FUNC(iu->rid), iu->mmio_base, iu->type,
		unit->control & AMD_CONTROL_ENABLE ? "on" : "off",
		unit->control, unit->features);
	return 0;
}

/*
 * Give @unit its tables while it is off: one it finds on (a kexec, or
 * firmware's use) is turned off first, its old tables forgotten.
 */
static int __init amd_unit_setup(struct amd_unit *unit)
{
	unsigned long last = find_last_bit(unit->ivrs->covered, IVRS_NR_RIDS);
	u32 cap = 0;
	int ret;

	if (last >= IVRS_NR_RIDS) {
		pr_err("ivhd%u: the IVRS gives it no device (IVHD block at offset %#x)\n",
		       unit->index, unit->ivrs->offset);
		return -ENODEV;
	}
	pci_read_config_dword(unit->pdev, unit->ivrs->cap_offset, &cap);
	unit->np_cache = cap & AMD_CAP_NP_CACHE;
	/* A unit that caches misses is emulated: strict, as upstream's. */
	if (unit->np_cache)
		iommu_set_dma_strict();
	/* HATS 0-2: 4-6 levels; 3 is reserved, so the least is assumed. */
	unit->levels = AMD_FEATURE_HATS(unit->features) == 3 ? 4 :
		       4 + AMD_FEATURE_HATS(unit->features);
	if (unit->control & AMD_CONTROL_ENABLE) {
		pr_info("ivhd%u: found translating; turned off until its tables are set up\n",
			unit->index);
		writeq(unit->control & ~(AMD_CONTROL_ENABLE | AMD_CONTROL_CMDBUF |
					 AMD_CONTROL_EVTLOG),
		       unit->regs + AMD_MMIO_CONTROL);
	}
	ret = amd_unit_tables_init(unit, last + 1);
	if (ret)
		pr_err("ivhd%u: no memory for its tables; not used\n",
		       unit->index);
	return ret;
}

/* x86_platform.iommu_shutdown: reboot, kexec and crash kernels. */
static void amd_shutdown(void)
{
	unsigned int i;

	for (i = 0; i < amd_nr_units; i++)
		if (amd_units[i].running)
			amd_unit_disable(&amd_units[i]);
}

/*
 * Every device @unit covers has an entry now: the core attached the
 * grouped ones to their default domains, amd_passthrough_leftovers() the
 * rest.  Turn the unit on and start reading its events.
 */
static void __init amd_unit_start(struct amd_unit *unit)
{
	int ret = amd_passthrough_leftovers(unit);

	if (!ret)
		ret = amd_unit_enable(unit);
	if (ret) {
		pr_err("ivhd%u: translation not enabled: %d\n", unit->index,
		       ret);
		return;
	}
	amd_event_start(unit);
	pr_info("ivhd%u: translation on, %u device table entries, %u-level tables\n",
		unit->index, unit->nr_dte, unit->levels);
}

static void __init amd_units_free(void)
{
	struct amd_unit *unit;

	while (amd_nr_units--) {
		unit = &amd_units[amd_nr_units];
		if (unit->iommu.dev)
			iommu_device_sysfs_remove(&unit->iommu);
		amd_unit_tables_free(unit);
		iounmap(unit->regs);
		pci_dev_put(unit->pdev);
	}
	amd_nr_units = 0;
	kfree(amd_units);
	amd_units = NULL;
	ivrs_free(amd_ivrs);
	amd_ivrs = NULL;
}

static int __init amd_iommu_parse(void)
{
	struct acpi_table_header *table;
	struct ivrs_error err;
	acpi_status status;
	int ret;

	status = acpi_get_table(ACPI_SIG_IVRS, 0, &table);
	if (ACPI_FAILURE(status))
		return -ENODEV;
	ret = ivrs_parse(table, table->length, &amd_ivrs, &err);
	acpi_put_table(table);
	if (ret == -EINVAL)
		pr_err("IVRS malformed: %s at offset %#x (block at offset %#x); no IOMMU groups\n",
		       err.what, err.offset, err.block);
	else if (ret)
		pr_err("cannot parse IVRS: %d\n", ret);
	return ret;
}

static int __init amd_iommu_init(void)
{
	unsigned int i;
	int ret;

	ret = amd_iommu_parse();
	if (ret)
		return ret;

	amd_units = kcalloc(amd_ivrs->nr_units, sizeof(*amd_units), GFP_KERNEL);
	if (!amd_units) {
		ret = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < amd_ivrs->nr_units; i++) {
		ret = amd_unit_init(&amd_units[amd_nr_units],
				    &amd_ivrs->units[i], i);
		if (ret)
			goto out_free;
		amd_nr_units++;
		ret = amd_unit_setup(&amd_units[i]);
		if (ret)
			goto out_free;
		amd_units[i].iommu.ops = &amd_iommu_ops;
		ret = iommu_device_sysfs_add(&amd_units[i].iommu,
					     &amd_units[i].pdev->dev,
					     amd_unit_groups, "ivhd%u", i);
		if (ret)
			goto out_free;
	}

	ret = bus_set_iommu(&pci_bus_type, &amd_iommu_ops);
	if (ret) {
		pr_err("cannot register with the PCI bus: %d\n", ret);
		goto out_free;
	}
	for (i = 0; i < amd_nr_units; i++)
		amd_unit_start(&amd_units[i]);
	x86_platform.iommu_shutdown = amd_shutdown;
	return 0;

out_free:
	pr_err("driver declines; no IOMMU groups\n");
	amd_units_free();
	return ret;
}

/**
 * amd_iommu_detect - early check for AMD IOMMU units
 *
 * Called by pci_iommu_alloc() before the slab allocator and PCI exist.
 * Takes the SEV-SNP host attribute away, as SNP is never enabled here.  If
 * the firmware has an IVRS table and neither amd_iommu=off nor iommu=off
 * was given, ask the PCI core to enable ACS on the ports it enumerates and
 * schedule amd_iommu_init() for after PCI enumeration.  Allocates nothing.
 *
 * Context: Early boot, single threaded.
 */
void __init amd_iommu_detect(void)
{
	struct acpi_table_header *table;
	acpi_status status;

	if (cc_platform_has(CC_ATTR_HOST_SEV_SNP)) {
		pr_info("SEV-SNP host support off: this driver does not enable SNP in the IOMMU\n");
		cc_platform_clear(CC_ATTR_HOST_SEV_SNP);
	}
	if (no_iommu || amd_iommu_disabled || iommu_detected || acpi_disabled)
		return;
	status = acpi_get_table(ACPI_SIG_IVRS, 0, &table);
	if (ACPI_FAILURE(status))
		return;
	acpi_put_table(table);

	iommu_detected = 1;
	pci_request_acs();
	x86_init.iommu.iommu_init = amd_iommu_init;
}

/* --- The IOMMU PMU's interface: no performance counters ---------------- */

/**
 * amd_iommu_get_num_iommus - number of AMD IOMMU units in use
 *
 * Context: Any context.
 * Return: the number of units the driver kept.
 */
int amd_iommu_get_num_iommus(void)
{
	return amd_nr_units;
}

/**
 * amd_iommu_pc_supported - whether the units have performance counters
 *
 * Context: Any context.
 * Return: false; this driver does not use them.
 */
bool amd_iommu_pc_supported(void)
{
	return false;
}

/**
 * amd_iommu_pc_get_max_banks - counter banks of a unit
 * @idx: unit index
 *
 * Context: Any context.
 * Return: 0.
 */
u8 amd_iommu_pc_get_max_banks(unsigned int idx)
{
	return 0;
}

/**
 * amd_iommu_pc_get_max_counters - counters per bank of a unit
 * @idx: unit index
 *
 * Context: Any context.
 * Return: 0.
 */
u8 amd_iommu_pc_get_max_counters(unsigned int idx)
{
	return 0;
}

/**
 * amd_iommu_pc_set_reg - write a performance counter register
 * @iommu: the unit
 * @bank: counter bank
 * @cntr: counter
 * @fxn: register
 * @value: value to write
 *
 * Context: Any context.
 * Return: -ENODEV; there are no counters.
 */
int amd_iommu_pc_set_reg(struct amd_iommu *iommu, u8 bank, u8 cntr, u8 fxn,
			 u64 *value)
{
	return -ENODEV;
}

/**
 * amd_iommu_pc_get_reg - read a performance counter register
 * @iommu: the unit
 * @bank: counter bank
 * @cntr: counter
 * @fxn: register
 * @value: where to store the value
 *
 * Context: Any context.
 * Return: -ENODEV; there are no counters.
 */
int amd_iommu_pc_get_reg(struct amd_iommu *iommu, u8 bank, u8 cntr, u8 fxn,
			 u64 *value)
{
	return -ENODEV;
}

/**
 * get_amd_iommu - the PMU's handle on a unit
 * @idx: unit index
 *
 * Context: Any context.
 * Return: %NULL; the PMU gets no unit to program.
 */
struct amd_iommu *get_amd_iommu(unsigned int idx)
{
	return NULL;
}

/* --- SEV-SNP: never enabled in the IOMMU --------------------------------- */

/* Read by the SNP host code (arch/x86/virt/svm/sev.c); never set. */
bool amd_iommu_snp_en;

#ifdef CONFIG_KVM_AMD_SEV
/**
 * amd_iommu_snp_disable - take SNP out of the IOMMU units before kexec
 *
 * The PSP driver calls it when it shuts SNP down.  SNP was never enabled
 * in the units, so there is nothing to undo.
 *
 * Context: Process context.
 * Return: 0.
 */
int amd_iommu_snp_disable(void)
{
	return 0;
}
EXPORT_SYMBOL_GPL(amd_iommu_snp_disable);
#endif
