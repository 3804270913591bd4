// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which domain the members of a group use.
 *
 * A group of a translating driver has three domains: the default domain
 * that kernel drivers of its members use (identity or a DMA-API paging
 * domain), a blocked domain, and the current domain, which is one of the
 * two or one that the group's owner attached.  Every member is attached to
 * the current domain: a change of domain is made for all members or, if
 * one attach fails, for none.  A device joining the group joins the current
 * domain; one leaving goes to the blocked domain first.
 *
 * A group whose driver has no domains (it translates nothing, or the
 * platform translates for it) has none of the three, and no domain API
 * call applies to it.
 *
 * Locks (order in iommu-priv.h): the domain fields of a group are written
 * with iommu_group_lock and the group's mutex held, so the drivers'
 * attach_dev runs with both.  Readers hold either;
 * iommu_get_domain_for_dev() reads the current domain under RCU.
 */

#define pr_fmt(fmt) "iommu: " fmt

#include <linux/capability.h>
#include <linux/cleanup.h>
#include <linux/device.h>
#include <linux/export.h>
#include <linux/init.h>
#include <linux/iommu.h>
#include <linux/kstrtox.h>
#include <linux/lockdep.h>
#include <linux/msi.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sysfs.h>

#include <trace/events/iommu.h>

#include "iommu-core.h"
#include "iommu-priv.h"

/* The system's choice of default domain type, %IOMMU_DOMAIN_*. */
static unsigned int iommu_def_domain_type =
	IS_ENABLED(CONFIG_IOMMU_DEFAULT_PASSTHROUGH) ? IOMMU_DOMAIN_IDENTITY : IOMMU_DOMAIN_DMA;

static int __init iommu_passthrough_setup(char *str)
{
	bool pt;

	if (kstrtobool(str, &pt))
		return -EINVAL;
	iommu_def_domain_type = pt ? IOMMU_DOMAIN_IDENTITY : IOMMU_DOMAIN_DMA;
	return 0;
}
early_param("iommu.passthrough", iommu_passthrough_setup);

/*
 * Whether DMA domains flush the IOTLB on every unmap (DMA) or batch the
 * flushes in a flush queue (DMA-FQ): iommu.strict=1 or 0, and strict
 * whatever the command line says once a driver calls
 * iommu_set_dma_strict().
 */
static bool iommu_dma_strict = !IS_ENABLED(CONFIG_IOMMU_DEFAULT_DMA_LAZY);
static bool iommu_dma_strict_forced;

static int __init iommu_strict_setup(char *str)
{
	bool strict;

	if (kstrtobool(str, &strict))
		return -EINVAL;
	iommu_dma_strict = strict || iommu_dma_strict_forced;
	return 0;
}
early_param("iommu.strict", iommu_strict_setup);

/**
 * iommu_set_dma_strict - make new DMA domains strict
 *
 * For an IOMMU driver whose hardware makes lazy invalidation pointless or
 * unsafe (an emulated IOMMU with caching mode, which traps every flush
 * anyway): groups made from now on get strict DMA domains, whatever
 * iommu.strict= says.  A user can still ask for DMA-FQ through a group's
 * type file.
 *
 * Context: Boot, before the driver's groups are made.
 */
void iommu_set_dma_strict(void)
{
	if (!iommu_dma_strict)
		pr_info("IOMMU driver asks for strict invalidation: DMA domains flush on every unmap\n");
	iommu_dma_strict = true;
	iommu_dma_strict_forced = true;
}

/**
 * iommu_set_default_passthrough - make identity the default domain type
 * @cmd_line: the choice came from the kernel command line ("iommu=pt")
 *
 * Kernel drivers of groups made from now on reach memory untranslated.
 *
 * Context: Early boot, before IOMMU drivers register.
 */
void iommu_set_default_passthrough(bool cmd_line)
{
	iommu_def_domain_type = IOMMU_DOMAIN_IDENTITY;
}

/**
 * iommu_set_default_translated - make DMA the default domain type
 * @cmd_line: the choice came from the kernel command line ("iommu=nopt")
 *
 * Context: Early boot, before IOMMU drivers register.
 */
void iommu_set_default_translated(bool cmd_line)
{
	iommu_def_domain_type = IOMMU_DOMAIN_DMA;
}

/*
 * The type of default domain the system wants.  Without the kernel DMA
 * API on IOMMU domains (CONFIG_IOMMU_DMA) kernel drivers could not DMA
 * through a paging domain, so they get identity.
 */
static unsigned int iommu_system_domain_type(void)
{
	if (!IS_ENABLED(CONFIG_IOMMU_DMA))
		return IOMMU_DOMAIN_IDENTITY;
	if (iommu_def_domain_type == IOMMU_DOMAIN_DMA && !iommu_dma_strict)
		return IOMMU_DOMAIN_DMA_FQ;
	return iommu_def_domain_type;
}

/**
 * iommu_default_passthrough - whether kernel DMA bypasses translation
 *
 * Context: Any context.
 * Return: true if new groups' default domains are identity domains.
 */
bool iommu_default_passthrough(void)
{
	return iommu_system_domain_type() == IOMMU_DOMAIN_IDENTITY;
}
EXPORT_SYMBOL_GPL(iommu_default_passthrough);

/* Whether the driver @ops implements domains at all. */
static bool iommu_ops_translate(const struct iommu_ops *ops)
{
	return ops && (ops->domain_alloc_paging || ops->identity_domain);
}

/* A static domain of @ops: its type is what the driver says it is. */
static struct iommu_domain *iommu_static_domain(const struct iommu_ops *ops,
						struct iommu_domain *domain)
{
	lockdep_assert_held(&iommu_group_lock);

	domain->owner = ops;
	return domain;
}

static void iommu_domain_put_paging(struct iommu_domain *domain)
{
	if (domain && (domain->type & __IOMMU_DOMAIN_PAGING) &&
	    !WARN_ON(domain->attached)) {
		iommu_dma_free_domain(domain);
		domain->ops->free(domain);
	}
}

/* A new DMA domain for @dev, with its IOVA space. */
static struct iommu_domain *iommu_dma_domain_new(const struct iommu_ops *ops,
						 struct device *dev,
						 unsigned int type)
{
	struct iommu_domain *domain = iommu_domain_alloc_type(ops, dev, type);
	int ret;

	if (IS_ERR(domain))
		return domain;
	ret = iommu_dma_init_domain(domain);
	if (ret) {
		domain->ops->free(domain);
		return ERR_PTR(ret);
	}
	return domain;
}

/*
 * The default domain for the first member @dev of a group: the type the
 * driver needs for @dev, else the system's; the other kind if the driver
 * lacks the one wanted.
 */
static struct iommu_domain *
iommu_default_domain_new(const struct iommu_ops *ops, struct device *dev)
{
	unsigned int type = ops->def_domain_type ? ops->def_domain_type(dev) : 0;

	if (!type)
		type = iommu_system_domain_type();
	/* A bound driver DMAs to physical addresses: keep them reachable. */
	if (type != IOMMU_DOMAIN_IDENTITY && dev->driver &&
	    ops->identity_domain) {
		dev_info(dev, "bound to a driver already: identity domain\n");
		type = IOMMU_DOMAIN_IDENTITY;
	}
	if (type == IOMMU_DOMAIN_IDENTITY && ops->identity_domain)
		return iommu_static_domain(ops, ops->identity_domain);
	if (!ops->domain_alloc_paging) {
		dev_warn(dev, "IOMMU driver has no DMA domains; using identity\n");
		return iommu_static_domain(ops, ops->identity_domain);
	}
	if (type == IOMMU_DOMAIN_IDENTITY) {
		dev_warn(dev, "IOMMU driver has no identity domain; using DMA\n");
		type = IOMMU_DOMAIN_DMA;
	}
	if (type != IOMMU_DOMAIN_DMA_FQ)
		type = IOMMU_DOMAIN_DMA;
	return iommu_dma_domain_new(ops, dev, type);
}

/* Give @group its default and blocked domains from @dev's driver @ops. */
static int iommu_group_alloc_domains(struct iommu_group *group,
				     struct device *dev,
				     const struct iommu_ops *ops)
{
	struct iommu_domain *def, *blocked;

	lockdep_assert_held(&iommu_group_lock);
	lockdep_assert_held(&group->mutex);

	def = iommu_default_domain_new(ops, dev);
	if (IS_ERR(def))
		return PTR_ERR(def);
	if (ops->blocked_domain)
		blocked = iommu_static_domain(ops, ops->blocked_domain);
	else
		blocked = iommu_domain_alloc_type(ops, dev,
						  IOMMU_DOMAIN_UNMANAGED);
	if (IS_ERR(blocked)) {
		iommu_domain_put_paging(def);
		return PTR_ERR(blocked);
	}
	group->default_domain = def;
	group->blocked_domain = blocked;
	return 0;
}

/* Drop the domains of @group; no member is attached to any of them. */
static void iommu_group_free_domains(struct iommu_group *group)
{
	struct iommu_domain *def = group->default_domain;
	struct iommu_domain *blocked = group->blocked_domain;

	group->default_domain = NULL;
	group->blocked_domain = NULL;
	iommu_domain_put_paging(def);
	iommu_domain_put_paging(blocked);
}

/*
 * Map the direct regions of @dev (RMRRs, IVMDs: DMA that firmware keeps
 * doing) 1:1 into @group's default domain, skipping pages another member's
 * regions mapped already.  The caller keeps @dev in its group (or the one
 * it is joining) meanwhile.
 */
static int iommu_map_direct_regions(struct iommu_group *group,
				    struct device *dev)
{
	struct iommu_domain *domain = group->default_domain;
	struct iommu_resv_region *r;
	unsigned long pgsize;
	LIST_HEAD(regions);
	int ret = 0;

	lockdep_assert_held(&iommu_group_lock);

	if (!(domain->type & __IOMMU_DOMAIN_PAGING))
		return 0;
	pgsize = BIT(__ffs(domain->pgsize_bitmap));

	iommu_get_resv_regions(dev, &regions);
	list_for_each_entry(r, &regions, list) {
		phys_addr_t start = ALIGN_DOWN(r->start, pgsize);
		phys_addr_t end = ALIGN(r->start + r->length, pgsize);
		phys_addr_t addr, run = start;

		if (r->type != IOMMU_RESV_DIRECT &&
		    r->type != IOMMU_RESV_DIRECT_RELAXABLE)
			continue;
		/* Map each run of pages that nothing maps yet. */
		for (addr = start; addr <= end && !ret; addr += pgsize) {
			/* Ask for the last byte: page 0 translates to 0. */
			phys_addr_t last = addr + pgsize - 1;
			bool mapped = addr < end &&
				      iommu_iova_to_phys(domain, last) == last;

			if (addr < end && !mapped)
				continue;
			if (addr > run)
				ret = iommu_map(domain, run, run, addr - run,
						r->prot, GFP_KERNEL);
			run = addr + pgsize;
		}
		if (ret) {
			dev_err(dev, "cannot map direct region %pa-%pa: %d\n",
				&start, &end, ret);
			break;
		}
	}
	iommu_put_resv_regions(dev, &regions);
	return ret;
}

/*
 * Point the kernel DMA API of @dev at @group's default domain if that is a
 * DMA domain, else at dma-direct.  Only while no driver is bound to @dev.
 */
static void iommu_dma_dev_update(struct iommu_group *group, struct device *dev)
{
#ifdef CONFIG_IOMMU_DMA
	struct iommu_domain *def = group ? group->default_domain : NULL;

	dev->dma_iommu = def && (def->type & __IOMMU_DOMAIN_DMA_API);
#endif
}

/**
 * iommu_get_dma_domain - the domain of a device's kernel DMA API
 * @dev: a device whose driver is bound, so that its group and default
 *	domain cannot change
 *
 * Context: Any context; takes no lock.
 * Return: the default domain of @dev's group, or NULL.
 */
struct iommu_domain *iommu_get_dma_domain(struct device *dev)
{
	struct iommu_group *group = READ_ONCE(dev->iommu_group);

	return group ? READ_ONCE(group->default_domain) : NULL;
}

/*
 * Attach @dev to @domain for the first time, or again after it was in
 * another group.
 */
static int iommu_attach_dev(struct iommu_domain *domain, struct device *dev)
{
	int ret = domain->ops->attach_dev(domain, dev);

	if (!ret)
		trace_attach_device_to_domain(dev);
	return ret;
}

/*
 * Attach every member of @group to @domain; if one fails, put the members
 * attached so far back where they were and fail.
 */
int __iommu_group_set_domain(struct iommu_group *group,
			     struct iommu_domain *domain)
{
	struct iommu_domain *old = group->domain;
	struct group_device *gdev, *failed;
	int ret = 0;

	lockdep_assert_held(&iommu_group_lock);
	lockdep_assert_held(&group->mutex);

	if (domain == old)
		return 0;
	/* What a flush queue holds reaches the IOTLB while still attached. */
	if (old && old->type == IOMMU_DOMAIN_DMA_FQ)
		iommu_dma_flush_fq(old);
	list_for_each_entry(gdev, &group->devices, list) {
		ret = iommu_attach_dev(domain, gdev->dev);
		if (ret)
			break;
	}
	if (ret) {
		failed = gdev;
		list_for_each_entry(gdev, &group->devices, list) {
			if (gdev == failed)
				break;
			if (WARN_ON(iommu_attach_dev(old, gdev->dev)))
				iommu_attach_dev(group->blocked_domain,
						 gdev->dev);
		}
		return ret;
	}

	domain->attached++;
	if (old)
		old->attached--;
	WRITE_ONCE(group->domain, domain);
	return 0;
}

/*
 * @dev is joining @group: give the group its domains if @dev is its first
 * translated member, map @dev's direct regions into the default domain and
 * attach @dev to the current domain.  Called before @dev is on the member
 * list; on failure nothing has changed.
 */
int iommu_group_domain_join(struct iommu_group *group, struct device *dev)
{
	const struct iommu_ops *ops = dev_iommu_ops(dev);
	struct iommu_domain *target;
	bool fresh = false;
	int ret;

	lockdep_assert_held(&iommu_group_lock);
	lockdep_assert_held(&group->mutex);

	if (!group->default_domain) {
		if (!iommu_ops_translate(ops))
			return 0;
		if (!list_empty(&group->devices)) {
			dev_err(dev, "cannot join IOMMU group %d: its members have no domains\n",
				group->id);
			return -EINVAL;
		}
		ret = iommu_group_alloc_domains(group, dev, ops);
		if (ret)
			return ret;
		fresh = true;
	} else if (ops != group->default_domain->owner) {
		dev_err(dev, "cannot join IOMMU group %d of another IOMMU driver\n",
			group->id);
		return -EINVAL;
	}

	/* Its driver's DMA addresses would not be mapped there. */
	if (!fresh && dev->driver &&
	    (group->default_domain->type & __IOMMU_DOMAIN_DMA_API)) {
		dev_err(dev, "bound to a driver: cannot join IOMMU group %d, whose kernel DMA is translated\n",
			group->id);
		return -EBUSY;
	}

	ret = iommu_map_direct_regions(group, dev);
	if (!ret)
		ret = iommu_dma_reserve(group->default_domain, dev);
	if (ret)
		goto err_free;
	target = group->domain ?: group->default_domain;
	ret = iommu_attach_dev(target, dev);
	if (ret)
		goto err_free;
	if (!group->domain) {
		target->attached++;
		WRITE_ONCE(group->domain, target);
	}
	iommu_dma_dev_update(group, dev);
	return 0;

err_free:
	if (fresh)
		iommu_group_free_domains(group);
	return ret;
}

/* @dev is leaving @group: it reaches nothing from now on. */
void iommu_group_domain_leave(struct iommu_group *group, struct device *dev)
{
	lockdep_assert_held(&iommu_group_lock);
	lockdep_assert_held(&group->mutex);

	iommu_dma_dev_update(NULL, dev);
	if (group->blocked_domain &&
	    iommu_attach_dev(group->blocked_domain, dev))
		dev_warn(dev, "cannot block the DMA of a device leaving IOMMU group %d\n",
			 group->id);
}

/*
 * @group is dying: nothing uses its domains any more.  Called with no lock
 * held; the static domains of a driver are shared by many groups.
 */
void iommu_group_domains_release(struct iommu_group *group)
{
	guard(mutex)(&iommu_group_lock);
	WARN_ON(group->owner);
	if (group->domain)
		group->domain->attached--;
	group->domain = NULL;
	iommu_group_free_domains(group);
}

/*
 * Whether a kernel driver or a user uses @group's domain.  A group without
 * domains has no domain to keep, so merging it changes nobody's DMA.
 */
static bool iommu_group_in_use(struct iommu_group *group)
{
	return group->default_domain && group->owner_cnt;
}

/*
 * Merging: which of two groups stays.  A group that kernel drivers or a
 * user use keeps its domain, so it must be the one that stays; if both are
 * in use the merge is refused.  Otherwise *@dst stays.
 */
int iommu_group_merge_order(struct iommu_group **dst,
			    struct iommu_group **src)
{
	lockdep_assert_held(&iommu_group_lock);

	if (iommu_group_in_use(*dst) && iommu_group_in_use(*src)) {
		pr_err("cannot merge IOMMU groups %d and %d: both are in use\n",
		       (*dst)->id, (*src)->id);
		return -EBUSY;
	}
	if (!(*dst)->default_domain != !(*src)->default_domain ||
	    ((*dst)->default_domain &&
	     (*dst)->default_domain->owner != (*src)->default_domain->owner)) {
		pr_err("cannot merge IOMMU groups %d and %d of different IOMMU drivers\n",
		       (*dst)->id, (*src)->id);
		return -EINVAL;
	}
	if (iommu_group_in_use(*src))
		swap(*dst, *src);
	return 0;
}

/* Attach the members of @src up to @stop (exclusive) to @domain. */
static void iommu_group_reattach(struct iommu_group *src,
				 struct group_device *stop,
				 struct iommu_domain *domain)
{
	struct group_device *gdev;

	list_for_each_entry(gdev, &src->devices, list) {
		if (gdev == stop)
			break;
		WARN_ON(iommu_attach_dev(domain, gdev->dev));
	}
}

/*
 * Before a merge: attach every member of @src to @dst's current domain,
 * with their direct regions in @dst's default domain.  On failure every
 * member is back in @src's domain.
 */
int iommu_group_domain_move(struct iommu_group *dst, struct iommu_group *src)
{
	struct group_device *gdev;
	int ret = 0;

	lockdep_assert_held(&iommu_group_lock);

	if (!dst->default_domain)
		return 0;
	guard(mutex)(&src->mutex);
	list_for_each_entry(gdev, &src->devices, list) {
		ret = iommu_map_direct_regions(dst, gdev->dev);
		if (!ret)
			ret = iommu_dma_reserve(dst->default_domain, gdev->dev);
		if (!ret)
			ret = iommu_attach_dev(dst->domain, gdev->dev);
		if (ret) {
			iommu_group_reattach(src, gdev, src->domain);
			return ret;
		}
	}
	list_for_each_entry(gdev, &src->devices, list)
		iommu_dma_dev_update(dst, gdev->dev);
	return 0;
}

/* Undo iommu_group_domain_move() after the merge itself failed. */
void iommu_group_domain_unmove(struct iommu_group *dst,
			       struct iommu_group *src)
{
	struct group_device *gdev;

	lockdep_assert_held(&iommu_group_lock);

	if (!dst->default_domain)
		return;
	guard(mutex)(&src->mutex);
	iommu_group_reattach(src, NULL, src->domain);
	list_for_each_entry(gdev, &src->devices, list)
		iommu_dma_dev_update(src, gdev->dev);
}

/*
 * Attach a whole @group to @domain for its user.  @singleton: for
 * iommu_attach_device(), which a device's own driver may call while bound.
 */
static int __iommu_attach_group(struct iommu_domain *domain,
				struct iommu_group *group, bool singleton)
{
	lockdep_assert_held(&iommu_group_lock);
	lockdep_assert_held(&group->mutex);

	if (!group->default_domain)
		return -ENODEV;
	if (domain->owner != group->default_domain->owner)
		return -EINVAL;
	if (group->domain != group->default_domain &&
	    group->domain != group->blocked_domain)
		return -EBUSY;
	if (!group->owner && !singleton)
		return -EPERM;
	return __iommu_group_set_domain(group, domain);
}

/* Back from @domain to the group's own domain: blocked if owned. */
static void __iommu_detach_group(struct iommu_domain *domain,
				 struct iommu_group *group)
{
	struct iommu_domain *back;

	lockdep_assert_held(&iommu_group_lock);
	lockdep_assert_held(&group->mutex);

	if (WARN_ON(!domain || group->domain != domain))
		return;
	back = group->owner ? group->blocked_domain : group->default_domain;
	if (WARN_ON(__iommu_group_set_domain(group, back)))
		WARN_ON(__iommu_group_set_domain(group, group->blocked_domain));
}

/**
 * iommu_attach_group - make every member of a group use a domain
 * @domain: a domain of the group's IOMMU driver
 * @group: a group the caller owns (iommu_group_claim_dma_owner())
 *
 * All members are attached or, if one attach fails, none is: they stay in
 * the domain they were in.  Devices joining the group later join @domain.
 *
 * Context: Process context; may sleep.  Takes iommu_group_lock and the
 * group's mutex.
 * Return: 0; -ENODEV if the group's driver has no domains; -EINVAL if
 * @domain belongs to another driver; -EBUSY if another domain of the owner
 * is attached; -EPERM if nobody owns the group; or the driver's error.
 */
int iommu_attach_group(struct iommu_domain *domain, struct iommu_group *group)
{
	guard(mutex)(&iommu_group_lock);
	guard(mutex)(&group->mutex);
	return __iommu_attach_group(domain, group, false);
}
EXPORT_SYMBOL_GPL(iommu_attach_group);

/**
 * iommu_detach_group - undo iommu_attach_group()
 * @domain: the domain the group is attached to
 * @group: the group
 *
 * The members go back to the group's blocked domain while it is owned, to
 * its default domain otherwise.  Cannot fail.
 *
 * Context: Process context; may sleep.  Takes iommu_group_lock and the
 * group's mutex.
 */
void iommu_detach_group(struct iommu_domain *domain, struct iommu_group *group)
{
	guard(mutex)(&iommu_group_lock);
	guard(mutex)(&group->mutex);
	__iommu_detach_group(domain, group);
}
EXPORT_SYMBOL_GPL(iommu_detach_group);

/**
 * iommu_attach_device - make a device that is alone in its group use a
 *	domain
 * @domain: a domain of the device's IOMMU driver
 * @dev: the device, the only member of its group
 *
 * For a device's own driver, which may call this while bound, or for the
 * owner of the device's group.
 *
 * Context: Process context; may sleep.  Takes iommu_group_lock and the
 * group's mutex.
 * Return: as iommu_attach_group(), and -ENODEV if @dev has no group,
 * -EINVAL if its group has other members.
 */
int iommu_attach_device(struct iommu_domain *domain, struct device *dev)
{
	struct iommu_group *group = iommu_group_get(dev);
	int ret;

	if (!group)
		return -ENODEV;
	scoped_guard(mutex, &iommu_group_lock) {
		guard(mutex)(&group->mutex);
		if (!list_is_singular(&group->devices))
			ret = -EINVAL;
		else
			ret = __iommu_attach_group(domain, group, true);
	}
	iommu_group_put(group);
	return ret;
}
EXPORT_SYMBOL_GPL(iommu_attach_device);

/**
 * iommu_detach_device - undo iommu_attach_device()
 * @domain: the domain the device is attached to
 * @dev: the device
 *
 * Context: Process context; may sleep.  Takes iommu_group_lock and the
 * group's mutex.
 */
void iommu_detach_device(struct iommu_domain *domain, struct device *dev)
{
	struct iommu_group *group = iommu_group_get(dev);

	if (!group)
		return;
	scoped_guard(mutex, &iommu_group_lock) {
		guard(mutex)(&group->mutex);
		__iommu_detach_group(domain, group);
	}
	iommu_group_put(group);
}
EXPORT_SYMBOL_GPL(iommu_detach_device);

/**
 * iommu_get_domain_for_dev - the domain a device uses now
 * @dev: the device
 *
 * The answer may be stale as soon as it is returned unless the caller owns
 * the group or is the device's bound driver.
 *
 * Context: Any context.
 * Return: the current domain of @dev's group, or NULL if it has no group or
 * its group no domains.
 */
struct iommu_domain *iommu_get_domain_for_dev(struct device *dev)
{
	struct iommu_group *group;

	guard(rcu)();
	group = READ_ONCE(dev->iommu_group);
	return group ? READ_ONCE(group->domain) : NULL;
}
EXPORT_SYMBOL_GPL(iommu_get_domain_for_dev);

/**
 * iommu_group_has_isolated_msi - whether the members' MSIs are isolated
 * @group: the group
 *
 * A device can only be given to a user safely if the MSIs it can write
 * reach no other device's interrupts (interrupt remapping).
 *
 * Context: Process context; may sleep.  Takes the group's mutex.
 * Return: true if every member's MSIs are isolated.
 */
bool iommu_group_has_isolated_msi(struct iommu_group *group)
{
	struct group_device *gdev;

	guard(mutex)(&group->mutex);
	list_for_each_entry(gdev, &group->devices, list)
		if (!msi_device_has_isolated_msi(gdev->dev))
			return false;
	return true;
}
EXPORT_SYMBOL_GPL(iommu_group_has_isolated_msi);

static const char *iommu_domain_type_name(struct iommu_domain *domain)
{
	switch (domain ? domain->type : ~0U) {
	case IOMMU_DOMAIN_IDENTITY:
		return "identity";
	case IOMMU_DOMAIN_DMA:
		return "DMA";
	case IOMMU_DOMAIN_DMA_FQ:
		return "DMA-FQ";
	case IOMMU_DOMAIN_BLOCKED:
		return "blocked";
	case IOMMU_DOMAIN_UNMANAGED:
		return "unmanaged";
	default:
		return "unknown";
	}
}

static ssize_t type_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct iommu_group *group = iommu_group_from_kobj(kobj);

	guard(mutex)(&group->mutex);
	return sysfs_emit(buf, "%s\n",
			  iommu_domain_type_name(group->default_domain));
}

/*
 * Give @group a new default domain of @type (0: the system's choice for
 * its first member) and move every member there.  On failure nothing has
 * changed.
 */
static int iommu_group_change_default(struct iommu_group *group,
				      unsigned int type)
{
	struct iommu_domain *old = group->default_domain, *def;
	const struct iommu_ops *ops = old->owner;
	struct group_device *first, *gdev;
	unsigned int want = type;
	int ret = 0;

	lockdep_assert_held(&iommu_group_lock);
	lockdep_assert_held(&group->mutex);

	first = list_first_entry(&group->devices, struct group_device, list);
	if (!want && ops->def_domain_type)
		want = ops->def_domain_type(first->dev);
	if (!want)
		want = iommu_system_domain_type();
	if (want == old->type)
		return 0;
	if (want == IOMMU_DOMAIN_IDENTITY) {
		if (!ops->identity_domain)
			return -EOPNOTSUPP;
		def = iommu_static_domain(ops, ops->identity_domain);
	} else {
		def = iommu_dma_domain_new(ops, first->dev, want);
		if (IS_ERR(def))
			return PTR_ERR(def);
	}

	group->default_domain = def;
	list_for_each_entry(gdev, &group->devices, list) {
		ret = iommu_map_direct_regions(group, gdev->dev);
		if (!ret)
			ret = iommu_dma_reserve(def, gdev->dev);
		if (ret)
			break;
	}
	if (!ret)
		ret = __iommu_group_set_domain(group, def);
	if (ret) {
		group->default_domain = old;
		iommu_domain_put_paging(def);
		return ret;
	}
	list_for_each_entry(gdev, &group->devices, list)
		iommu_dma_dev_update(group, gdev->dev);
	iommu_domain_put_paging(old);
	return 0;
}

/*
 * "identity", "DMA", "DMA-FQ" or "auto" (the type a new group would get).
 * Only for a group without a bound driver or owner, by a user with
 * CAP_SYS_ADMIN and CAP_SYS_RAWIO, as in Linux; but DMA to DMA-FQ is made
 * in place, drivers bound or not: the domain only gains a flush queue.
 */
static ssize_t type_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	struct iommu_group *group = iommu_group_from_kobj(kobj);
	unsigned int type;
	int ret;

	if (!capable(CAP_SYS_ADMIN) || !capable(CAP_SYS_RAWIO))
		return -EACCES;
	if (sysfs_streq(buf, "identity"))
		type = IOMMU_DOMAIN_IDENTITY;
	else if (sysfs_streq(buf, "DMA"))
		type = IOMMU_DOMAIN_DMA;
	else if (sysfs_streq(buf, "auto"))
		type = 0;
	else if (sysfs_streq(buf, "DMA-FQ"))
		type = IOMMU_DOMAIN_DMA_FQ;
	else
		return -EINVAL;

	guard(mutex)(&iommu_group_lock);
	guard(mutex)(&group->mutex);
	if (!group->default_domain)
		return -EINVAL;
	if (type == IOMMU_DOMAIN_DMA_FQ &&
	    group->default_domain->type == IOMMU_DOMAIN_DMA) {
		ret = iommu_dma_init_fq(group->default_domain);
		return ret ?: count;
	}
	if (group->owner_cnt)
		return -EBUSY;
	if (group->domain != group->default_domain)
		return -EBUSY;
	if ((type & __IOMMU_DOMAIN_DMA_API) && !IS_ENABLED(CONFIG_IOMMU_DMA))
		return -EOPNOTSUPP;
	ret = iommu_group_change_default(group, type);
	return ret ?: count;
}

static struct kobj_attribute iommu_group_type_attr = __ATTR_RW(type);

static struct attribute *iommu_group_type_attrs[] = {
	&iommu_group_type_attr.attr,
	NULL
};

/* The "type" file of each group: the type of its default domain. */
const struct attribute_group iommu_group_type_attr_group = {
	.attrs = iommu_group_type_attrs,
};
