/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IOMMU groups: the smallest sets of devices that an IOMMU can isolate from
 * everything else in the system.
 *
 * An IOMMU cannot always tell devices apart: a PCIe-to-PCI bridge hides the
 * requester IDs behind it, functions of a device without ACS may talk to each
 * other directly, and some devices DMA with another function's ID.  The unit
 * of isolation is therefore a group of devices, not a single device.  Groups
 * are flat.  The IOMMU driver decides which devices share one; the core only
 * keeps track of them and shows them in sysfs under /sys/kernel/iommu_groups.
 *
 * See Documentation/driver-api/iommu-groups.rst.
 */
#ifndef __LINUX_IOMMU_H
#define __LINUX_IOMMU_H

#include <linux/bits.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/list.h>
#include <linux/notifier.h>
#include <linux/scatterlist.h>
#include <linux/types.h>

struct fwnode_handle;
struct iommu_dma_cookie;
struct iommu_domain;
struct iommu_fwspec;
struct iommu_group;
struct iommu_ops;
struct mm_struct;
struct mutex;

/*
 * Events sent on a group's notifier chain.  The data argument is the
 * struct device concerned.
 */
#define IOMMU_GROUP_NOTIFY_ADD_DEVICE		1 /* device joined the group */
#define IOMMU_GROUP_NOTIFY_DEL_DEVICE		2 /* device about to leave */
#define IOMMU_GROUP_NOTIFY_BIND_DRIVER		3 /* driver about to bind */
#define IOMMU_GROUP_NOTIFY_BOUND_DRIVER		4 /* driver bound */
#define IOMMU_GROUP_NOTIFY_UNBIND_DRIVER	5 /* driver about to unbind */
#define IOMMU_GROUP_NOTIFY_UNBOUND_DRIVER	6 /* driver unbound */

/* Access rights of a mapping or reserved region (iommu_resv_region::prot). */
#define IOMMU_READ	BIT(0)
#define IOMMU_WRITE	BIT(1)
#define IOMMU_CACHE	BIT(2)	/* snooped: coherent with the CPU caches */
#define IOMMU_NOEXEC	BIT(3)
#define IOMMU_MMIO	BIT(4)	/* device registers, not memory */

/**
 * enum iommu_resv_type - why an address range is reserved for a device
 * @IOMMU_RESV_DIRECT: firmware keeps using the range for DMA (an RMRR,
 *	say); it must stay identity-mapped for the device.
 * @IOMMU_RESV_DIRECT_RELAXABLE: as @IOMMU_RESV_DIRECT, but the mapping may
 *	be dropped once the device is assigned to a user that knows better.
 * @IOMMU_RESV_RESERVED: the device can never reach the range by DMA.
 * @IOMMU_RESV_MSI: the hardware MSI window, translated by the platform.
 * @IOMMU_RESV_SW_MSI: a software-managed MSI window.
 */
enum iommu_resv_type {
	IOMMU_RESV_DIRECT,
	IOMMU_RESV_DIRECT_RELAXABLE,
	IOMMU_RESV_RESERVED,
	IOMMU_RESV_MSI,
	IOMMU_RESV_SW_MSI,
};

/**
 * struct iommu_resv_region - an address range a device's DMA must not use
 *	freely
 * @list: entry in the caller's list
 * @start: first address of the range
 * @length: size of the range in bytes, at least 1
 * @prot: IOMMU_READ, IOMMU_WRITE, ... of a mapping the range needs
 * @type: why the range is reserved
 */
struct iommu_resv_region {
	struct list_head list;
	phys_addr_t start;
	size_t length;
	int prot;
	enum iommu_resv_type type;
};

/**
 * enum iommu_cap - what an IOMMU can do for a device
 * @IOMMU_CAP_CACHE_COHERENCY: DMA through the IOMMU snoops the CPU caches.
 * @IOMMU_CAP_NOEXEC: mappings honour %IOMMU_NOEXEC.
 * @IOMMU_CAP_PRE_BOOT_PROTECTION: firmware enabled the IOMMU before the
 *	kernel ran, so DMA was never unrestricted.
 * @IOMMU_CAP_ENFORCE_CACHE_COHERENCY: a domain's enforce_cache_coherency()
 *	can make every mapping snooped, whatever the device asks for.
 * @IOMMU_CAP_DEFERRED_FLUSH: unmaps may be flushed in batches without
 *	harm (a flush queue is worth having).
 */
enum iommu_cap {
	IOMMU_CAP_CACHE_COHERENCY,
	IOMMU_CAP_NOEXEC,
	IOMMU_CAP_PRE_BOOT_PROTECTION,
	IOMMU_CAP_ENFORCE_CACHE_COHERENCY,
	IOMMU_CAP_DEFERRED_FLUSH,
};

/*
 * Domain types.  A domain is an address space: what a device attached to it
 * reaches by DMA.  The bits say what it can do; the types are the
 * combinations that exist.
 */
#define __IOMMU_DOMAIN_PAGING	BIT(0)	/* has a page table: map and unmap */
#define __IOMMU_DOMAIN_DMA_API	BIT(1)	/* the kernel DMA API manages it */
#define __IOMMU_DOMAIN_PT	BIT(2)	/* identity: DMA reaches all memory */
#define __IOMMU_DOMAIN_DMA_FQ	BIT(3)	/* DMA API with batched unmaps */

#define IOMMU_DOMAIN_BLOCKED	0U	/* no DMA at all */
#define IOMMU_DOMAIN_IDENTITY	(__IOMMU_DOMAIN_PT)
#define IOMMU_DOMAIN_UNMANAGED	(__IOMMU_DOMAIN_PAGING)	/* a user's */
#define IOMMU_DOMAIN_DMA	(__IOMMU_DOMAIN_PAGING | __IOMMU_DOMAIN_DMA_API)
#define IOMMU_DOMAIN_DMA_FQ	(IOMMU_DOMAIN_DMA | __IOMMU_DOMAIN_DMA_FQ)

/**
 * struct iommu_domain_geometry - the IOVA range of a domain
 * @aperture_start: first IOVA a mapping may use
 * @aperture_end: last IOVA a mapping may use
 * @force_aperture: DMA outside the aperture is blocked (always true for our
 *	drivers; kept for callers that read it)
 */
struct iommu_domain_geometry {
	dma_addr_t aperture_start;
	dma_addr_t aperture_end;
	bool force_aperture;
};

/**
 * struct iommu_iotlb_gather - IOVA ranges unmapped but not yet flushed
 * @start: first IOVA of the range to flush
 * @end: last IOVA of the range to flush; below @start when empty
 * @pgsize: the page size the unmaps used, for drivers that flush by size
 * @freelist: page-table pages the driver may free only after the flush
 * @queued: the flush is left to a flush queue; iommu_iotlb_sync() skips it
 *
 * Callers keep one on the stack: iommu_iotlb_gather_init(), then
 * iommu_unmap_fast() as often as needed, then iommu_iotlb_sync(), after
 * which the device can reach none of the unmapped pages.
 */
struct iommu_iotlb_gather {
	unsigned long start;
	unsigned long end;
	size_t pgsize;
	struct list_head freelist;
	bool queued;
};

typedef int (*iommu_fault_handler_t)(struct iommu_domain *domain,
				     struct device *dev, unsigned long iova,
				     int flags, void *token);

/* iommu_fault_handler_t flags: what the faulting access was. */
#define IOMMU_FAULT_READ	0x0
#define IOMMU_FAULT_WRITE	0x1

/**
 * struct iommu_domain - an address space an IOMMU driver implements
 * @type: IOMMU_DOMAIN_*, set by the core
 * @ops: the driver's callbacks for this domain
 * @owner: the driver's &struct iommu_ops, set by the core; attaching to a
 *	device of another driver fails with -EINVAL
 * @pgsize_bitmap: the page sizes the page table can map, one bit each;
 *	the smallest must not exceed PAGE_SIZE
 * @geometry: the IOVA range a mapping may use
 * @handler: optional, iommu_set_fault_handler()
 * @handler_token: passed to @handler
 * @attached: how many groups use the domain now (core only, under
 *	iommu_group_lock); iommu_domain_free() of an attached domain is a bug
 * @iova_cookie: the IOVA space of a DMA domain (core only, iommu-dma.c)
 *
 * Paging domains (@type with %__IOMMU_DOMAIN_PAGING) are allocated by the
 * driver and freed through @ops->free.  Identity and blocked domains are
 * static in the driver, one each, shared by every group.
 */
struct iommu_domain {
	unsigned int type;
	const struct iommu_domain_ops *ops;
	const struct iommu_ops *owner;
	unsigned long pgsize_bitmap;
	struct iommu_domain_geometry geometry;
	iommu_fault_handler_t handler;
	void *handler_token;
	unsigned int attached;
	struct iommu_dma_cookie *iova_cookie;
};

/**
 * struct iommu_domain_ops - the driver's callbacks for one domain
 * @attach_dev: make @dev's DMA go through the domain, replacing whatever
 *	domain it used before, atomically as the device sees it.  On
 *	failure the device must be left in its old domain.  Called with
 *	iommu_group_lock held.
 * @map_pages: map @pgcount pages of @pgsize each, one bit of
 *	pgsize_bitmap, from @iova to @paddr; both aligned to @pgsize, the
 *	range inside the aperture and not mapped yet.  Add what was mapped
 *	to *@mapped, also on failure.
 * @unmap_pages: unmap up to @pgcount pages of @pgsize from @iova and
 *	return the bytes unmapped: 0 if nothing is mapped at @iova; more than
 *	asked if @iova lies in a larger page, which goes as a whole.  Add the
 *	range to @iotlb_gather; the device may reach it until @iotlb_sync.
 * @flush_iotlb_all: optional; flush every cached translation.
 * @iotlb_sync_map: optional; make a new mapping visible to the device.
 * @iotlb_sync: optional; flush what @iotlb_gather collected.  When it
 *	returns the device can reach none of those pages.
 * @iova_to_phys: the physical address @iova maps to, or 0.
 * @enforce_cache_coherency: optional; make every mapping snooped from now
 *	on; return false if the hardware cannot.
 * @free: free a paging domain; it is attached to no device.
 *
 * @map_pages, @unmap_pages, @iova_to_phys and the flushes may run
 * concurrently on one domain, for disjoint ranges; the driver's page table
 * must allow that.  They may be called in atomic context when the caller
 * passes GFP_ATOMIC.
 */
struct iommu_domain_ops {
	int (*attach_dev)(struct iommu_domain *domain, struct device *dev);
	int (*map_pages)(struct iommu_domain *domain, unsigned long iova,
			 phys_addr_t paddr, size_t pgsize, size_t pgcount,
			 int prot, gfp_t gfp, size_t *mapped);
	size_t (*unmap_pages)(struct iommu_domain *domain, unsigned long iova,
			      size_t pgsize, size_t pgcount,
			      struct iommu_iotlb_gather *iotlb_gather);
	void (*flush_iotlb_all)(struct iommu_domain *domain);
	int (*iotlb_sync_map)(struct iommu_domain *domain, unsigned long iova,
			      size_t size);
	void (*iotlb_sync)(struct iommu_domain *domain,
			   struct iommu_iotlb_gather *iotlb_gather);
	phys_addr_t (*iova_to_phys)(struct iommu_domain *domain,
				    dma_addr_t iova);
	bool (*enforce_cache_coherency)(struct iommu_domain *domain);
	void (*free)(struct iommu_domain *domain);
};

/**
 * struct iommu_device - one IOMMU hardware instance (a unit)
 * @list: for the driver's own list of its instances
 * @ops: the callbacks of the driver of this instance
 * @dev: the device /sys/class/iommu/<name>, made by
 *	iommu_device_sysfs_add(); NULL before and after.  While it is set,
 *	the core links every device the unit translates into its "devices"
 *	directory.
 *
 * Embedded in the driver's per-unit structure, which must outlive the
 * sysfs registration and every device the unit translates.
 */
struct iommu_device {
	struct list_head list;
	const struct iommu_ops *ops;
	struct device *dev;
};

#define IOMMU_GROUP_REASON_LEN	128

/**
 * struct iommu_group_reason - why a device_group callback chose a group
 * @text: one line, for example "same slot as 0000:03:00.0, no ACS"; empty
 *	if the callback gave none
 *
 * The core keeps it with the new member and shows it in debugfs, in the
 * member's line of /sys/kernel/debug/iommu/groups.
 */
struct iommu_group_reason {
	char text[IOMMU_GROUP_REASON_LEN];
};

/**
 * struct iommu_ops - callbacks of an IOMMU driver for one bus type
 * @add_device: a device appeared on the bus (or was present when the driver
 *	registered with bus_set_iommu()).  Return the unit that translates
 *	it, or ERR_PTR(-ENODEV) if no unit does; any other ERR_PTR() is an
 *	error, logged, and the device stays untranslated.  For a device
 *	accepted this way the core keeps a record, links it to the unit in
 *	sysfs, and puts it into the group @device_group names.
 * @remove_device: optional; hand back a device @add_device accepted.  Called
 *	exactly once per accepted device, whatever way it leaves (removal
 *	from the bus, bus_set_iommu(bus, NULL), a failure to group it), after
 *	it has left its group and the unit's sysfs directory.
 * @device_group: return a new reference to the group an accepted device must
 *	join, allocating one if needed, and say why in @why; NULL if the
 *	device's group is not known yet (the driver adds it later with
 *	iommu_group_add_device()); or an ERR_PTR(), upon which the core hands
 *	the device back.  generic_device_group() gives every device a group
 *	of its own, pci_device_group() applies the PCI isolation rules.
 * @get_resv_regions: optional; append to the list the address ranges
 *	@dev must not use freely, each allocated with
 *	iommu_alloc_resv_region().  Called for accepted members of a group,
 *	with the group's mutex held, so @dev stays a member meanwhile; it
 *	must not change any group.
 * @capable: optional; whether the unit translating @dev has @cap.
 * @domain_alloc_paging: optional; a new, empty paging domain that @dev can
 *	be attached to, with ops, pgsize_bitmap and geometry set; or an
 *	ERR_PTR().  The core sets type and owner.  Without it the driver
 *	translates nothing and its groups have no domains.
 * @def_domain_type: optional; the type @dev's default domain must have
 *	(%IOMMU_DOMAIN_IDENTITY or %IOMMU_DOMAIN_DMA), or 0 for the system's
 *	choice.
 * @identity_domain: optional, static; DMA reaches all of memory untranslated.
 * @blocked_domain: optional, static; DMA reaches nothing.  Without it the
 *	core blocks with an empty paging domain.
 * @owner: the module that provides the callbacks.
 *
 * The core calls the first three with iommu_probe_device_lock held, so they
 * are serialised against each other.  They may sleep.
 */
struct iommu_ops {
	struct iommu_device *(*add_device)(struct device *dev);
	void (*remove_device)(struct device *dev);
	struct iommu_group *(*device_group)(struct device *dev,
					    struct iommu_group_reason *why);
	void (*get_resv_regions)(struct device *dev, struct list_head *list);
	bool (*capable)(struct device *dev, enum iommu_cap cap);
	struct iommu_domain *(*domain_alloc_paging)(struct device *dev);
	int (*def_domain_type)(struct device *dev);
	struct iommu_domain *identity_domain;
	struct iommu_domain *blocked_domain;
	struct module *owner;
};

/**
 * iommu_iotlb_gather_init - start collecting unmapped ranges
 * @gather: the collection, usually on the caller's stack
 */
static inline void iommu_iotlb_gather_init(struct iommu_iotlb_gather *gather)
{
	*gather = (struct iommu_iotlb_gather) {
		.start = ULONG_MAX,
		.freelist = LIST_HEAD_INIT(gather->freelist),
	};
}

/**
 * iommu_iotlb_gather_is_disjoint - whether a range would widen the flush
 * @gather: the collection
 * @iova: first IOVA of the range
 * @size: its size in bytes
 *
 * For drivers that flush the collection first rather than flush pages
 * that were never unmapped.
 *
 * Return: true if @gather is not empty and the range neither overlaps nor
 * touches it.
 */
static inline bool
iommu_iotlb_gather_is_disjoint(struct iommu_iotlb_gather *gather,
			       unsigned long iova, size_t size)
{
	unsigned long start = iova, end = iova + size - 1;

	return gather->end != 0 &&
	       (end + 1 < gather->start || start > gather->end + 1);
}

/**
 * iommu_iotlb_gather_add_range - add an unmapped range to the collection
 * @gather: the collection
 * @iova: first IOVA of the range
 * @size: its size in bytes, at least 1
 */
static inline void
iommu_iotlb_gather_add_range(struct iommu_iotlb_gather *gather,
			     unsigned long iova, size_t size)
{
	unsigned long end = iova + size - 1;

	if (gather->start > iova)
		gather->start = iova;
	if (gather->end < end)
		gather->end = end;
}

/**
 * iommu_iotlb_gather_add_page - add an unmapped page to the collection
 * @domain: the domain it was unmapped from
 * @gather: the collection
 * @iova: the page's IOVA
 * @size: the page's size
 *
 * For drivers that flush by page size: a page of another size, or one that
 * would widen the range across unmapped IOVAs, flushes what was collected
 * first.
 */
static inline void iommu_iotlb_gather_add_page(struct iommu_domain *domain,
					       struct iommu_iotlb_gather *gather,
					       unsigned long iova, size_t size)
{
	if ((gather->pgsize && gather->pgsize != size) ||
	    iommu_iotlb_gather_is_disjoint(gather, iova, size)) {
		if (domain->ops->iotlb_sync)
			domain->ops->iotlb_sync(domain, gather);
		iommu_iotlb_gather_init(gather);
	}
	gather->pgsize = size;
	iommu_iotlb_gather_add_range(gather, iova, size);
}

/**
 * iommu_iotlb_gather_queued - whether a flush queue takes care of a collection
 * @gather: the collection, or NULL
 *
 * Return: true if the unmaps in @gather are flushed later by a flush queue.
 */
static inline bool iommu_iotlb_gather_queued(struct iommu_iotlb_gather *gather)
{
	return gather && gather->queued;
}

/**
 * iommu_iotlb_sync - flush what iommu_unmap_fast() collected
 * @domain: the domain the ranges were unmapped from
 * @gather: the collection; empty again afterwards
 *
 * When this returns, no device attached to @domain can reach the pages
 * unmapped into @gather (unless a flush queue owns the collection).
 *
 * Context: As the driver's iotlb_sync; may sleep unless the driver says so.
 */
static inline void iommu_iotlb_sync(struct iommu_domain *domain,
				    struct iommu_iotlb_gather *gather)
{
	if (domain->ops->iotlb_sync && !gather->queued)
		domain->ops->iotlb_sync(domain, gather);
	iommu_iotlb_gather_init(gather);
}

/**
 * iommu_is_dma_domain - whether the kernel DMA API manages a domain
 * @domain: the domain
 *
 * Return: true for %IOMMU_DOMAIN_DMA and %IOMMU_DOMAIN_DMA_FQ.
 */
static inline bool iommu_is_dma_domain(struct iommu_domain *domain)
{
	return domain->type & __IOMMU_DOMAIN_DMA_API;
}

#ifdef CONFIG_IOMMU_API

extern struct mutex iommu_probe_device_lock;

int bus_set_iommu(const struct bus_type *bus, const struct iommu_ops *ops);
int iommu_probe_device(struct device *dev);

struct iommu_group *iommu_group_alloc(void);
struct iommu_group *iommu_group_get(struct device *dev);
struct iommu_group *iommu_group_ref_get(struct iommu_group *group);
void iommu_group_put(struct iommu_group *group);
int iommu_group_add_device(struct iommu_group *group, struct device *dev);
void iommu_group_remove_device(struct device *dev);
int iommu_group_for_each_dev(struct iommu_group *group, void *data,
			     int (*fn)(struct device *dev, void *data));
void *iommu_group_get_iommudata(struct iommu_group *group);
void iommu_group_set_iommudata(struct iommu_group *group, void *iommu_data,
			       void (*release)(void *iommu_data));
int iommu_group_set_name(struct iommu_group *group, const char *name);
int iommu_group_id(struct iommu_group *group);
int iommu_group_register_notifier(struct iommu_group *group,
				  struct notifier_block *nb);
int iommu_group_unregister_notifier(struct iommu_group *group,
				    struct notifier_block *nb);
struct iommu_group *generic_device_group(struct device *dev,
					 struct iommu_group_reason *why);
#ifdef CONFIG_PCI
struct iommu_group *pci_device_group(struct device *dev,
				     struct iommu_group_reason *why);
#else
static inline struct iommu_group *
pci_device_group(struct device *dev, struct iommu_group_reason *why)
{
	return ERR_PTR(-ENODEV);
}
#endif

/* IOMMU instances in sysfs; see iommu-sysfs.c. */
__printf(4, 5)
int iommu_device_sysfs_add(struct iommu_device *iommu, struct device *parent,
			   const struct attribute_group **groups,
			   const char *fmt, ...);
void iommu_device_sysfs_remove(struct iommu_device *iommu);

/* Reserved regions; see iommu-resv.c. */
struct iommu_resv_region *iommu_alloc_resv_region(phys_addr_t start,
						  size_t length, int prot,
						  enum iommu_resv_type type,
						  gfp_t gfp);
void iommu_get_resv_regions(struct device *dev, struct list_head *list);
void iommu_put_resv_regions(struct device *dev, struct list_head *list);
int iommu_get_group_resv_regions(struct iommu_group *group,
				 struct list_head *head);

/* Domains and their page tables; see iommu-domain.c. */
struct iommu_domain *iommu_paging_domain_alloc(struct device *dev);
void iommu_domain_free(struct iommu_domain *domain);
int iommu_map(struct iommu_domain *domain, unsigned long iova,
	      phys_addr_t paddr, size_t size, int prot, gfp_t gfp);
size_t iommu_unmap(struct iommu_domain *domain, unsigned long iova,
		   size_t size);
size_t iommu_unmap_fast(struct iommu_domain *domain, unsigned long iova,
			size_t size, struct iommu_iotlb_gather *iotlb_gather);
ssize_t iommu_map_sg(struct iommu_domain *domain, unsigned long iova,
		     struct scatterlist *sg, unsigned int nents, int prot,
		     gfp_t gfp);
phys_addr_t iommu_iova_to_phys(struct iommu_domain *domain, dma_addr_t iova);
void iommu_flush_iotlb_all(struct iommu_domain *domain);
void iommu_set_fault_handler(struct iommu_domain *domain,
			     iommu_fault_handler_t handler, void *token);
int report_iommu_fault(struct iommu_domain *domain, struct device *dev,
		       unsigned long iova, int flags);
bool device_iommu_capable(struct device *dev, enum iommu_cap cap);
int iommu_get_msi_cookie(struct iommu_domain *domain, dma_addr_t base);
int iommu_enable_nesting(struct iommu_domain *domain);

/* Which domain a group's members use; see iommu-attach.c. */
int iommu_attach_group(struct iommu_domain *domain, struct iommu_group *group);
void iommu_detach_group(struct iommu_domain *domain,
			struct iommu_group *group);
int iommu_attach_device(struct iommu_domain *domain, struct device *dev);
void iommu_detach_device(struct iommu_domain *domain, struct device *dev);
struct iommu_domain *iommu_get_domain_for_dev(struct device *dev);
bool iommu_group_has_isolated_msi(struct iommu_group *group);
void iommu_set_default_passthrough(bool cmd_line);
void iommu_set_default_translated(bool cmd_line);
void iommu_set_dma_strict(void);
bool iommu_default_passthrough(void);

/* Who may use a group's DMA; see iommu-owner.c. */
int iommu_device_use_default_domain(struct device *dev);
void iommu_device_unuse_default_domain(struct device *dev);
int iommu_group_claim_dma_owner(struct iommu_group *group, void *owner);
void iommu_group_release_dma_owner(struct iommu_group *group);
bool iommu_group_dma_owner_claimed(struct iommu_group *group);
int iommu_device_claim_dma_owner(struct device *dev, void *owner);
void iommu_device_release_dma_owner(struct device *dev);

/* Compatibility with the rest of Linux 6.12; see iommu-compat.c. */
int iommu_fwspec_init(struct device *dev, struct fwnode_handle *iommu_fwnode);
int iommu_fwspec_add_ids(struct device *dev, const u32 *ids, int num_ids);

/* No IOMMU driver of ours uses firmware specs; no device ever has one. */
static inline struct iommu_fwspec *dev_iommu_fwspec_get(struct device *dev)
{
	return NULL;
}

#else /* CONFIG_IOMMU_API */

static inline int bus_set_iommu(const struct bus_type *bus,
				const struct iommu_ops *ops)
{
	return -ENODEV;
}

static inline int iommu_probe_device(struct device *dev)
{
	return -ENODEV;
}

static inline struct iommu_group *iommu_group_alloc(void)
{
	return ERR_PTR(-ENODEV);
}

static inline struct iommu_group *iommu_group_get(struct device *dev)
{
	return NULL;
}

static inline struct iommu_group *iommu_group_ref_get(struct iommu_group *group)
{
	return group;
}

static inline void iommu_group_put(struct iommu_group *group)
{
}

static inline int iommu_group_add_device(struct iommu_group *group,
					 struct device *dev)
{
	return -ENODEV;
}

static inline void iommu_group_remove_device(struct device *dev)
{
}

static inline int iommu_group_for_each_dev(struct iommu_group *group,
					   void *data,
					   int (*fn)(struct device *, void *))
{
	return -ENODEV;
}

static inline void *iommu_group_get_iommudata(struct iommu_group *group)
{
	return NULL;
}

static inline void iommu_group_set_iommudata(struct iommu_group *group,
					     void *iommu_data,
					     void (*release)(void *iommu_data))
{
}

static inline int iommu_group_set_name(struct iommu_group *group,
				       const char *name)
{
	return -ENODEV;
}

static inline int iommu_group_id(struct iommu_group *group)
{
	return -ENODEV;
}

static inline int iommu_group_register_notifier(struct iommu_group *group,
						struct notifier_block *nb)
{
	return -ENODEV;
}

static inline int iommu_group_unregister_notifier(struct iommu_group *group,
						  struct notifier_block *nb)
{
	return 0;
}

static inline int iommu_device_sysfs_add(struct iommu_device *iommu,
					 struct device *parent,
					 const struct attribute_group **groups,
					 const char *fmt, ...)
{
	return -ENODEV;
}

static inline void iommu_device_sysfs_remove(struct iommu_device *iommu)
{
}

static inline void iommu_get_resv_regions(struct device *dev,
					  struct list_head *list)
{
}

static inline void iommu_put_resv_regions(struct device *dev,
					  struct list_head *list)
{
}

static inline int iommu_get_group_resv_regions(struct iommu_group *group,
					       struct list_head *head)
{
	return -ENODEV;
}

static inline struct iommu_domain *iommu_paging_domain_alloc(struct device *dev)
{
	return ERR_PTR(-ENODEV);
}

static inline void iommu_domain_free(struct iommu_domain *domain)
{
}

static inline int iommu_map(struct iommu_domain *domain, unsigned long iova,
			    phys_addr_t paddr, size_t size, int prot, gfp_t gfp)
{
	return -ENODEV;
}

static inline size_t iommu_unmap(struct iommu_domain *domain,
				 unsigned long iova, size_t size)
{
	return 0;
}

static inline size_t iommu_unmap_fast(struct iommu_domain *domain,
				      unsigned long iova, size_t size,
				      struct iommu_iotlb_gather *iotlb_gather)
{
	return 0;
}

static inline ssize_t iommu_map_sg(struct iommu_domain *domain,
				   unsigned long iova, struct scatterlist *sg,
				   unsigned int nents, int prot, gfp_t gfp)
{
	return -ENODEV;
}

static inline phys_addr_t iommu_iova_to_phys(struct iommu_domain *domain,
					     dma_addr_t iova)
{
	return 0;
}

static inline void iommu_flush_iotlb_all(struct iommu_domain *domain)
{
}

static inline void iommu_set_fault_handler(struct iommu_domain *domain,
					   iommu_fault_handler_t handler,
					   void *token)
{
}

static inline int report_iommu_fault(struct iommu_domain *domain,
				     struct device *dev, unsigned long iova,
				     int flags)
{
	return -EOPNOTSUPP;
}

static inline bool device_iommu_capable(struct device *dev, enum iommu_cap cap)
{
	return false;
}

static inline int iommu_get_msi_cookie(struct iommu_domain *domain,
				       dma_addr_t base)
{
	return -ENODEV;
}

static inline int iommu_enable_nesting(struct iommu_domain *domain)
{
	return -EINVAL;
}

static inline int iommu_attach_group(struct iommu_domain *domain,
				     struct iommu_group *group)
{
	return -ENODEV;
}

static inline void iommu_detach_group(struct iommu_domain *domain,
				      struct iommu_group *group)
{
}

static inline int iommu_attach_device(struct iommu_domain *domain,
				      struct device *dev)
{
	return -ENODEV;
}

static inline void iommu_detach_device(struct iommu_domain *domain,
				       struct device *dev)
{
}

static inline struct iommu_domain *iommu_get_domain_for_dev(struct device *dev)
{
	return NULL;
}

static inline bool iommu_group_has_isolated_msi(struct iommu_group *group)
{
	return false;
}

static inline void iommu_set_default_passthrough(bool cmd_line)
{
}

static inline void iommu_set_default_translated(bool cmd_line)
{
}

static inline void iommu_set_dma_strict(void)
{
}

static inline bool iommu_default_passthrough(void)
{
	return true;
}

static inline int iommu_device_use_default_domain(struct device *dev)
{
	return 0;
}

static inline void iommu_device_unuse_default_domain(struct device *dev)
{
}

static inline int iommu_group_claim_dma_owner(struct iommu_group *group,
					      void *owner)
{
	return -ENODEV;
}

static inline void iommu_group_release_dma_owner(struct iommu_group *group)
{
}

static inline bool iommu_group_dma_owner_claimed(struct iommu_group *group)
{
	return false;
}

static inline int iommu_device_claim_dma_owner(struct device *dev, void *owner)
{
	return -ENODEV;
}

static inline void iommu_device_release_dma_owner(struct device *dev)
{
}

static inline int iommu_fwspec_init(struct device *dev,
				    struct fwnode_handle *iommu_fwnode)
{
	return -ENODEV;
}

static inline int iommu_fwspec_add_ids(struct device *dev, const u32 *ids,
				       int num_ids)
{
	return -ENODEV;
}

static inline struct iommu_fwspec *dev_iommu_fwspec_get(struct device *dev)
{
	return NULL;
}

#endif /* CONFIG_IOMMU_API */

/*
 * PASIDs, shared virtual addressing (SVA) and I/O page faults (IOPF).  Our
 * IOMMU drivers translate requests without a PASID only and never take a
 * device's page faults, so no device has these features: each call fails
 * as it does upstream for a device whose IOMMU lacks them, and a driver
 * falls back to DMA without a PASID (idxd, iaa) or fails its probe.
 */
typedef u32 ioasid_t;
#define IOMMU_NO_PASID			0U	/* DMA without a PASID */
#define IOMMU_FIRST_GLOBAL_PASID	1U
#define IOMMU_PASID_INVALID		(-1U)

/**
 * enum iommu_dev_features - optional features of a device's IOMMU
 * @IOMMU_DEV_FEAT_SVA: DMA by PASID through a process's page tables
 * @IOMMU_DEV_FEAT_IOPF: the IOMMU forwards the device's page faults
 */
enum iommu_dev_features {
	IOMMU_DEV_FEAT_SVA,
	IOMMU_DEV_FEAT_IOPF,
};

struct iommu_attach_handle;
struct iommu_sva;

static inline int iommu_dev_enable_feature(struct device *dev,
					   enum iommu_dev_features feat)
{
	return -ENODEV;
}

static inline int iommu_dev_disable_feature(struct device *dev,
					    enum iommu_dev_features feat)
{
	return -ENODEV;
}

static inline struct iommu_sva *iommu_sva_bind_device(struct device *dev,
						      struct mm_struct *mm)
{
	return ERR_PTR(-ENODEV);
}

static inline void iommu_sva_unbind_device(struct iommu_sva *handle)
{
}

static inline u32 iommu_sva_get_pasid(struct iommu_sva *handle)
{
	return IOMMU_PASID_INVALID;
}

static inline ioasid_t iommu_alloc_global_pasid(struct device *dev)
{
	return IOMMU_PASID_INVALID;
}

static inline void iommu_free_global_pasid(ioasid_t pasid)
{
}

static inline int iommu_attach_device_pasid(struct iommu_domain *domain,
					    struct device *dev, ioasid_t pasid,
					    struct iommu_attach_handle *handle)
{
	return -ENODEV;
}

static inline void iommu_detach_device_pasid(struct iommu_domain *domain,
					     struct device *dev, ioasid_t pasid)
{
}

/* With no PASID support an mm carries no IOMMU state. */
static inline void mm_pasid_init(struct mm_struct *mm)
{
}

static inline void mm_pasid_drop(struct mm_struct *mm)
{
}

/*
 * The stream ID of a device behind a Tegra SMMU, from its firmware spec.
 * No device has a firmware spec here (dev_iommu_fwspec_get()), so none
 * has a stream ID and its driver does without (nouveau on Tegra).
 */
static inline bool tegra_dev_iommu_get_stream_id(struct device *dev,
						 u32 *stream_id)
{
	return false;
}

#endif /* __LINUX_IOMMU_H */
