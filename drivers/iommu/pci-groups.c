// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI isolation rules: which PCI devices an IOMMU cannot keep apart.
 *
 * Two devices must share a group when the IOMMU cannot tell their DMA apart
 * or when one can reach the other without passing the IOMMU.  Each rule below
 * is one small function whose comment says why.  When in doubt, we merge: a
 * group finer than the real isolation hands a VFIO user a device that another
 * device can still reach.
 *
 * Cost.  Adding a device looks only at its path to the root, its requester
 * IDs and the other functions of its slot, through an index of requester IDs
 * (an xarray keyed by domain and requester ID).  Under each key the index
 * lists:
 *
 *   users	devices that DMA with this requester ID (their own, an alias the
 *		PCI core knows, or one their IOMMU driver adds: see
 *		pci_device_group_rids()),
 *   below	devices at or below the bridge with this ID (one entry per bridge
 *		on each device's path, so depth entries per device),
 *   open	how many present devices make everything below that bridge one
 *		group because isolation ends there.
 *
 * Every device that has a group in one users list shares one group, and so
 * does every device in the below list of an open bridge, so one lookup per
 * key answers "which group must I join".  The only walk over many devices is
 * the one that opens a bridge: it merges the subtree once.  The index forgets
 * a device when it leaves the PCI bus, so it stays right across hot removal;
 * groups never split when a device leaves.  A device being deleted is never
 * indexed again (iommu_device_gone()).  A device's requester IDs are read
 * when it is grouped and again before a driver binds, after the PCI core's
 * last quirks.
 *
 * Locks (order in iommu-priv.h): pci_groups_lock protects the index.  It is
 * taken with iommu_probe_device_lock held, and the group core's locks are
 * taken under it while groups are merged and allocated.  At
 * BUS_NOTIFY_BIND_DRIVER the driver core holds the device's lock outside
 * all of them.
 */

#define pr_fmt(fmt) "iommu: " fmt

#include <linux/cleanup.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "iommu-priv.h"

/* The ACS controls that stop peer-to-peer traffic bypassing the IOMMU. */
#define PCI_GROUP_ACS	(PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF)

#define PCI_GROUP_REASON_LEN	128

/**
 * struct pci_rid_node - what the index knows about one requester ID
 * @users: &struct pci_rid_link of devices that DMA with this ID
 * @below: &struct pci_rid_link of the device with this ID (a bridge) and of
 *	every device below it
 * @owner: the index entry of the device whose own ID this is, or NULL
 * @open: number of present devices that make @below one group
 * @merged: @below was made one group since @open last became non-zero
 *
 * All fields are protected by pci_groups_lock.
 */
struct pci_rid_node {
	struct list_head users;
	struct list_head below;
	struct pci_group_dev *owner;
	unsigned int open;
	bool merged;
};

/**
 * struct pci_rid_link - one device in one list of a &struct pci_rid_node
 * @list: entry in pci_rid_node::users or pci_rid_node::below
 * @key: the node's index key
 * @pgd: the device's index entry
 */
struct pci_rid_link {
	struct list_head list;
	unsigned long key;
	struct pci_group_dev *pgd;
};

/**
 * struct pci_group_dev - the index entry of one PCI device
 * @pdev: the device; the entry goes before the device does
 * @opens: key of the bridge whose subtree this device opens, if @opening
 * @opening: whether this device counts in a node's pci_rid_node::open
 * @nr_aliases: the first @nr_aliases of @links are the requester IDs the
 *	PCI core reports (pci_for_each_dma_alias()); from there up to
 *	@nr_users come the extra IDs its IOMMU driver gave
 * @nr_users: the first @nr_users of @links are in users lists, the rest in
 *	below lists
 * @nr_links: number of @links
 * @links: the device's entries in the index
 */
struct pci_group_dev {
	struct pci_dev *pdev;
	unsigned long opens;
	bool opening;
	unsigned int nr_aliases;
	unsigned int nr_users;
	unsigned int nr_links;
	struct pci_rid_link links[] __counted_by(nr_links);
};

/* Protects pci_rid_index and every node and entry in it. */
static DEFINE_MUTEX(pci_groups_lock);
static DEFINE_XARRAY(pci_rid_index);
static bool pci_groups_tracking;

static unsigned long pci_rid_key(struct pci_bus *bus, u16 rid)
{
	return (unsigned long)pci_domain_nr(bus) << 16 | rid;
}

static unsigned long pci_dev_key(struct pci_dev *pdev)
{
	return pci_rid_key(pdev->bus, pci_dev_id(pdev));
}

/* "dddd:bb:dd.f" for an index key, into @buf of PCI_KEY_NAME_LEN. */
#define PCI_KEY_NAME_LEN	16
static const char *pci_key_name(char *buf, unsigned long key)
{
	snprintf(buf, PCI_KEY_NAME_LEN, "%04lx:%02lx:%02lx.%lx", key >> 16,
		 (key >> 8) & 0xff, (key >> 3) & 0x1f, key & 7);
	return buf;
}

static struct pci_rid_node *pci_rid_node_get(unsigned long key)
{
	struct pci_rid_node *node;
	int ret;

	lockdep_assert_held(&pci_groups_lock);

	node = xa_load(&pci_rid_index, key);
	if (node)
		return node;
	node = kzalloc(sizeof(*node), GFP_KERNEL);
	if (!node)
		return NULL;
	INIT_LIST_HEAD(&node->users);
	INIT_LIST_HEAD(&node->below);
	ret = xa_err(xa_store(&pci_rid_index, key, node, GFP_KERNEL));
	if (ret) {
		kfree(node);
		return NULL;
	}
	return node;
}

/* Free the node of @key once nothing refers to it any more. */
static void pci_rid_node_trim(unsigned long key)
{
	struct pci_rid_node *node = xa_load(&pci_rid_index, key);

	lockdep_assert_held(&pci_groups_lock);

	if (!node || !list_empty(&node->users) || !list_empty(&node->below) ||
	    node->owner || node->open)
		return;
	xa_erase(&pci_rid_index, key);
	kfree(node);
}

static struct pci_group_dev *pci_group_dev_find(struct pci_dev *pdev)
{
	struct pci_rid_node *node = xa_load(&pci_rid_index, pci_dev_key(pdev));

	lockdep_assert_held(&pci_groups_lock);

	if (node && node->owner && node->owner->pdev == pdev)
		return node->owner;
	return NULL;
}

/* --- The rules ------------------------------------------------------- */

/*
 * Rule 2: a conventional PCI bus is shared by every device on it, and a
 * bridge to it hides their requester IDs, so its whole subtree is one group.
 */
static bool pci_bridge_is_conventional(struct pci_dev *bridge)
{
	if (!pci_is_pcie(bridge))
		return true;
	return pci_pcie_type(bridge) == PCI_EXP_TYPE_PCI_BRIDGE ||
	       pci_pcie_type(bridge) == PCI_EXP_TYPE_PCIE_BRIDGE;
}

/*
 * Rule 4: a PCIe port forwards peer-to-peer requests from below straight to
 * their target unless ACS redirects them up to the IOMMU.
 */
static bool pci_port_lacks_acs(struct pci_dev *bridge)
{
	return !pci_acs_enabled(bridge, PCI_GROUP_ACS);
}

/*
 * Rule 5: behind a switch downstream port without ACS, a device reaches
 * every port of the switch and all below them, so the group is the switch's.
 */
static struct pci_dev *pci_port_switch(struct pci_dev *port)
{
	struct pci_dev *up = port->bus->self;

	if (!pci_is_pcie(port) || pci_pcie_type(port) != PCI_EXP_TYPE_DOWNSTREAM)
		return NULL;
	if (!up || !pci_is_pcie(up) ||
	    pci_pcie_type(up) != PCI_EXP_TYPE_UPSTREAM)
		return NULL;
	return up;
}

/*
 * A function > 0 is part of a multifunction device even if its header says
 * otherwise (the PCI core marks it only after adding it).  SR-IOV virtual
 * functions are not functions of a multifunction device.
 */
static bool pci_in_multifunction_slot(struct pci_dev *pdev)
{
	return !pdev->is_virtfn &&
	       (pdev->multifunction || PCI_FUNC(pdev->devfn));
}

/*
 * The PCI core judges the ACS of an endpoint or upstream port by its
 * multifunction flag; for a function not (yet) marked, we cannot ask, so we
 * take it as having none.  Ports below which ACS applies are always asked.
 */
static bool pci_function_has_acs(struct pci_dev *pdev)
{
	bool port = pci_is_pcie(pdev) &&
		    (pci_pcie_type(pdev) == PCI_EXP_TYPE_ROOT_PORT ||
		     pci_pcie_type(pdev) == PCI_EXP_TYPE_DOWNSTREAM);

	if (!pdev->multifunction && !port)
		return false;
	return pci_acs_enabled(pdev, PCI_GROUP_ACS);
}

/*
 * A host bridge function (AMD puts a "dummy" one in root-port slots) only
 * answers configuration requests: it initiates no DMA and has no window, so
 * it reaches no sibling and opens no sibling's subtree.
 */
static bool pci_function_initiates_dma(struct pci_dev *pdev)
{
	return (pdev->class >> 8) != PCI_CLASS_BRIDGE_HOST;
}

/*
 * Rule 3: functions of one device may reach each other inside it unless ACS
 * stops them; one function without ACS can reach all its siblings.
 */
static bool pci_slot_shared(struct pci_dev *a, struct pci_dev *b)
{
	if (!pci_in_multifunction_slot(a) || !pci_in_multifunction_slot(b))
		return false;
	if (!pci_function_initiates_dma(a) || !pci_function_initiates_dma(b))
		return false;
	return !pci_function_has_acs(a) || !pci_function_has_acs(b);
}

/*
 * The indexed sibling of @pdev in function @fn of its slot, or NULL.  Only
 * devices that were grouped are indexed; one that comes later looks at its
 * siblings itself (pci_join_slot()).
 */
static struct pci_dev *pci_slot_sibling(struct pci_dev *pdev, unsigned int fn)
{
	u8 devfn = PCI_DEVFN(PCI_SLOT(pdev->devfn), fn);
	struct pci_rid_node *node;

	lockdep_assert_held(&pci_groups_lock);

	if (devfn == pdev->devfn)
		return NULL;
	node = xa_load(&pci_rid_index,
		       pci_rid_key(pdev->bus, PCI_DEVID(pdev->bus->number,
							devfn)));
	return node && node->owner ? node->owner->pdev : NULL;
}

/*
 * Rule 3 reaches below bridges: a request from a function that is not
 * isolated from @bridge, its sibling, is forwarded down @bridge's window, so
 * @bridge's subtree is reachable whatever ACS @bridge has (ACS governs only
 * what arrives from below it).  Return the sibling, or NULL.
 */
static struct pci_dev *pci_slot_exposes(struct pci_dev *bridge)
{
	struct pci_dev *sib;
	unsigned int fn;

	if (!pci_in_multifunction_slot(bridge))
		return NULL;
	for (fn = 0; fn < 8; fn++) {
		sib = pci_slot_sibling(bridge, fn);
		if (sib && pci_slot_shared(bridge, sib))
			return sib;
	}
	return NULL;
}

/*
 * Rule 5 on a switch's internal bus: a device there that is not a plain
 * downstream port (an endpoint, a PCIe-to-PCI bridge, a port with DMA
 * aliases) sends requests onto the bus below the upstream port, where every
 * downstream port claims its window before its ACS could redirect anything.
 */
static bool pci_exposes_switch_bus(struct pci_dev *pdev, bool aliased)
{
	struct pci_dev *up = pdev->bus->self;

	if (!up || !pci_is_pcie(up) ||
	    pci_pcie_type(up) != PCI_EXP_TYPE_UPSTREAM)
		return false;
	if (!pci_function_initiates_dma(pdev))
		return false;
	return !pci_port_switch(pdev) || pdev->dma_alias_mask || aliased;
}

/* Why isolation ends where it does, for the group's explanation. */
enum pci_end_kind {
	PCI_END_CONVENTIONAL,	/* culprit: a bridge that hides IDs */
	PCI_END_NO_ACS,		/* culprit: a bridge without ACS */
	PCI_END_SWITCH_PORT,	/* culprit: a downstream port without ACS */
	PCI_END_SLOT,		/* culprit: a sibling of the end, not isolated */
	PCI_END_SWITCH_BUS,	/* culprit: a device on the switch's bus */
};

/**
 * struct pci_isolation - where a device's isolation ends
 * @end: the highest bridge below which nothing is isolated, or NULL
 * @culprit: the device that ends isolation there
 * @kind: how @culprit does it
 */
struct pci_isolation {
	struct pci_dev *end;
	struct pci_dev *culprit;
	enum pci_end_kind kind;
};

static void pci_isolation_set(struct pci_isolation *iso, struct pci_dev *end,
			      struct pci_dev *culprit, enum pci_end_kind kind)
{
	iso->end = end;
	iso->culprit = culprit;
	iso->kind = kind;
}

/*
 * Rules 2, 4 and 5 for one bridge on the path: note it in @iso if isolation
 * ends at or above it.  Later (higher) bridges overwrite earlier ones.
 */
static void pci_isolation_bridge(struct pci_isolation *iso,
				 struct pci_dev *bridge)
{
	struct pci_dev *sw = pci_port_switch(bridge), *sib;

	if (pci_bridge_is_conventional(bridge)) {
		pci_isolation_set(iso, bridge, bridge, PCI_END_CONVENTIONAL);
	} else if (pci_port_lacks_acs(bridge)) {
		pci_isolation_set(iso, sw ?: bridge, bridge,
				  sw ? PCI_END_SWITCH_PORT : PCI_END_NO_ACS);
	} else {
		sib = pci_slot_exposes(bridge);
		if (sib)
			pci_isolation_set(iso, bridge, sib, PCI_END_SLOT);
	}
}

/**
 * pci_isolation_end - the bridge below which @pdev's traffic is not isolated
 * @pdev: the device
 * @iso: set to that bridge, or to NULL if @pdev is isolated, and the reason
 * @aliased: whether @pdev has extra requester IDs on its own bus, which
 *	count as the PCI core's DMA aliases do
 *
 * Rule 4: @pdev is isolated only if every bridge on its path to the root
 * enforces ACS and is not reachable from a sibling function; otherwise
 * everything below the highest point where isolation ends is one group.  A
 * device on a switch's internal bus that can reach every port there, or a
 * downstream port without ACS, ends isolation at its own switch.  Rule 6
 * follows: a device on a root bus has no path, so only aliases and its slot
 * can join it to others.
 */
static void pci_isolation_end(struct pci_dev *pdev, struct pci_isolation *iso,
			      bool aliased)
{
	struct pci_dev *sw = pci_port_switch(pdev);
	struct pci_bus *bus;

	lockdep_assert_held(&pci_groups_lock);

	pci_isolation_set(iso, NULL, NULL, PCI_END_NO_ACS);
	if (pci_exposes_switch_bus(pdev, aliased))
		pci_isolation_set(iso, pdev->bus->self, pdev,
				  PCI_END_SWITCH_BUS);
	else if (sw && pci_port_lacks_acs(pdev))
		pci_isolation_set(iso, sw, pdev, PCI_END_SWITCH_PORT);

	for (bus = pdev->bus; !pci_is_root_bus(bus); bus = bus->parent)
		if (bus->self)	/* none on a virtual bus, e.g. of SR-IOV VFs */
			pci_isolation_bridge(iso, bus->self);
}

/* --- The index ------------------------------------------------------- */

/**
 * struct pci_alias_keys - requester IDs collected for one device
 * @keys: the index keys, without duplicates among the first @nr_aliases
 * @nr: number of @keys
 * @nr_aliases: how many of the first @keys the PCI core reported; the rest
 *	are extra IDs from the IOMMU driver
 * @size: room in @keys
 * @few: @keys until more are needed (most devices have one or two)
 */
struct pci_alias_keys {
	unsigned long *keys;
	unsigned int nr;
	unsigned int nr_aliases;
	unsigned int size;
	unsigned long few[4];
};

static int pci_keys_append(struct pci_alias_keys *a, unsigned long key)
{
	unsigned long *keys;

	if (a->nr == a->size) {
		if (a->keys == a->few) {
			keys = kmalloc_array(a->size * 2, sizeof(*keys),
					     GFP_KERNEL);
			if (keys)
				memcpy(keys, a->few, sizeof(a->few));
		} else {
			keys = krealloc_array(a->keys, a->size * 2,
					      sizeof(*keys), GFP_KERNEL);
		}
		if (!keys)
			return -ENOMEM;
		a->keys = keys;
		a->size *= 2;
	}
	a->keys[a->nr++] = key;
	return 0;
}

static void pci_keys_free(struct pci_alias_keys *a)
{
	if (a->keys != a->few)
		kfree(a->keys);
}

/*
 * Rule 1: the IOMMU sees a device's DMA under each of these requester IDs,
 * so it cannot tell the device from any other that uses one of them.
 */
static int pci_collect_alias(struct pci_dev *pdev, u16 alias, void *data)
{
	struct pci_alias_keys *a = data;
	unsigned long key = pci_rid_key(pdev->bus, alias);
	unsigned int i;

	for (i = 0; i < a->nr; i++)
		if (a->keys[i] == key)
			return 0;
	return pci_keys_append(a, key);
}

/* The PCI core's requester IDs of @pdev into @a, with room for @more. */
static int pci_collect_dma_aliases(struct pci_dev *pdev,
				   struct pci_alias_keys *a, unsigned int more)
{
	int ret;

	a->nr = 0;
	a->size = ARRAY_SIZE(a->few);
	a->keys = a->few;
	if (more) {
		a->size += more;
		a->keys = kmalloc_array(a->size, sizeof(*a->keys), GFP_KERNEL);
		if (!a->keys)
			return -ENOMEM;
	}
	ret = pci_for_each_dma_alias(pdev, pci_collect_alias, a);
	a->nr_aliases = a->nr;
	return ret;
}

/*
 * Rule 1 for the IDs an IOMMU driver knows and the PCI core does not: the
 * same, one way or the other.  Only the PCI core's IDs are looked at for a
 * duplicate, so that a device with n extra IDs costs O(n).
 */
static int pci_collect_extra(struct pci_alias_keys *a, unsigned long key)
{
	unsigned int i;

	for (i = 0; i < a->nr_aliases; i++)
		if (a->keys[i] == key)
			return 0;
	return pci_keys_append(a, key);
}

static unsigned int pci_depth(struct pci_dev *pdev)
{
	unsigned int depth = 0;
	struct pci_bus *bus;

	for (bus = pdev->bus; !pci_is_root_bus(bus); bus = bus->parent)
		if (bus->self)
			depth++;
	return depth;
}

static int pci_group_link(struct pci_group_dev *pgd, unsigned int i,
			  unsigned long key, bool user)
{
	struct pci_rid_link *link = &pgd->links[i];
	struct pci_rid_node *node = pci_rid_node_get(key);

	if (!node)
		return -ENOMEM;
	link->key = key;
	link->pgd = pgd;
	list_add_tail(&link->list, user ? &node->users : &node->below);
	return 0;
}

/* Take @pgd out of the index and free it. */
static void pci_group_dev_free(struct pci_group_dev *pgd, unsigned int nr)
{
	struct pci_rid_node *node;
	unsigned int i;

	lockdep_assert_held(&pci_groups_lock);

	for (i = 0; i < nr; i++)
		list_del(&pgd->links[i].list);
	node = xa_load(&pci_rid_index, pci_dev_key(pgd->pdev));
	if (node && node->owner == pgd)
		node->owner = NULL;
	if (pgd->opening) {
		node = xa_load(&pci_rid_index, pgd->opens);
		if (!WARN_ON(!node) && !--node->open)
			node->merged = false;
		pci_rid_node_trim(pgd->opens);
	}
	for (i = 0; i < nr; i++)
		pci_rid_node_trim(pgd->links[i].key);
	pci_rid_node_trim(pci_dev_key(pgd->pdev));
	kfree(pgd);
}

/*
 * Enter @pdev in the index: under the requester IDs in @a (users), under
 * itself and every bridge above it (below), and as an opener of its isolation
 * end.  An entry of @pdev already in the index loses its ownership of
 * @pdev's node to the new one and must be freed next.
 */
static struct pci_group_dev *pci_group_dev_add(struct pci_dev *pdev,
					       struct pci_dev *end,
					       const struct pci_alias_keys *a)
{
	unsigned int nr, i = 0, depth = pci_depth(pdev);
	struct pci_group_dev *pgd;
	struct pci_rid_node *node;
	struct pci_bus *bus;
	int ret;

	lockdep_assert_held(&pci_groups_lock);

	nr = a->nr + depth + 1;
	pgd = kzalloc(struct_size(pgd, links, nr), GFP_KERNEL);
	if (!pgd)
		return ERR_PTR(-ENOMEM);
	pgd->pdev = pdev;
	pgd->nr_links = nr;
	pgd->nr_aliases = a->nr_aliases;
	pgd->nr_users = a->nr;

	node = pci_rid_node_get(pci_dev_key(pdev));
	if (!node) {
		ret = -ENOMEM;
		goto err_free;
	}
	node->owner = pgd;

	for (; i < a->nr; i++) {
		ret = pci_group_link(pgd, i, a->keys[i], true);
		if (ret)
			goto err_free;
	}
	ret = pci_group_link(pgd, i++, pci_dev_key(pdev), false);
	for (bus = pdev->bus; !ret && !pci_is_root_bus(bus); bus = bus->parent)
		if (bus->self)
			ret = pci_group_link(pgd, i++, pci_dev_key(bus->self),
					     false);
	if (ret) {
		i--;
		goto err_free;
	}

	if (end) {
		node = pci_rid_node_get(pci_dev_key(end));
		if (!node) {
			ret = -ENOMEM;
			goto err_free;
		}
		pgd->opens = pci_dev_key(end);
		pgd->opening = true;
		node->open++;
	}
	return pgd;

err_free:
	pci_group_dev_free(pgd, i);
	return ERR_PTR(ret);
}

/* Index @pdev under its PCI requester IDs and the @nr extra @rids. */
static struct pci_group_dev *pci_group_dev_index(struct pci_dev *pdev,
						 struct pci_dev *end,
						 const u16 *rids,
						 unsigned int nr)
{
	struct pci_alias_keys a = { };
	struct pci_group_dev *pgd;
	unsigned int i;
	int ret;

	ret = pci_collect_dma_aliases(pdev, &a, nr);
	for (i = 0; !ret && i < nr; i++)
		ret = pci_collect_extra(&a, pci_rid_key(pdev->bus, rids[i]));
	pgd = ret ? ERR_PTR(ret) : pci_group_dev_add(pdev, end, &a);
	pci_keys_free(&a);
	return pgd;
}

/* Whether any of @pdev's @nr extra @rids is on its own bus. */
static bool pci_rids_on_bus(struct pci_dev *pdev, const u16 *rids,
			    unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (PCI_BUS_NUM(rids[i]) == pdev->bus->number &&
		    rids[i] != pci_dev_id(pdev))
			return true;
	return false;
}

/*
 * Whether @pgd holds exactly the extra @rids that indexing @pdev afresh
 * would give it (the PCI core's aliases unchanged).
 */
static bool pci_group_dev_has_rids(struct pci_group_dev *pgd,
				   const u16 *rids, unsigned int nr)
{
	unsigned int i, k, next = pgd->nr_aliases;
	unsigned long key;

	for (i = 0; i < nr; i++) {
		key = pci_rid_key(pgd->pdev->bus, rids[i]);
		for (k = 0; k < pgd->nr_aliases; k++)
			if (pgd->links[k].key == key)
				break;
		if (k < pgd->nr_aliases)
			continue;
		if (next == pgd->nr_users || pgd->links[next].key != key)
			return false;
		next++;
	}
	return next == pgd->nr_users;
}

/* --- Finding the group ----------------------------------------------- */

/**
 * struct pci_group_join - the group a device is about to join
 * @group: the group so far, with a reference, or NULL
 * @reason: why the device joins @group
 * @ret: the first merge error, or 0
 */
struct pci_group_join {
	struct iommu_group *group;
	char reason[PCI_GROUP_REASON_LEN];
	int ret;
};

/* Join @group (whose reference is consumed); merge if we have one already. */
static __printf(3, 4)
void pci_group_join(struct pci_group_join *j, struct iommu_group *group,
		    const char *fmt, ...)
{
	va_list args;

	if (!group)
		return;
	if (!j->group) {
		j->group = group;
		va_start(args, fmt);
		vsnprintf(j->reason, sizeof(j->reason), fmt, args);
		va_end(args);
		return;
	}
	if (group != j->group && !j->ret) {
		struct iommu_group *stays = iommu_group_merge(j->group, group);

		if (IS_ERR(stays))
			j->ret = PTR_ERR(stays);
		else if (stays == group)
			swap(j->group, group);	/* keep the reference on it */
	}
	iommu_group_put(group);
}

/*
 * @pdev's group with a reference for pci_group_join(), or NULL if it has
 * none or is in @j's group already.  Groups change only under
 * iommu_probe_device_lock, which the caller holds.
 */
static struct iommu_group *pci_join_candidate(struct pci_group_join *j,
					      struct pci_dev *pdev)
{
	if (j->group && READ_ONCE(pdev->dev.iommu_group) == j->group)
		return NULL;
	return iommu_group_get(&pdev->dev);
}

/*
 * The link in @list of some other device that has a group, and in @group a
 * reference on that group.  All of them share one group, so the first is
 * enough; devices without a group are skipped.
 */
static struct pci_rid_link *pci_list_link(struct list_head *list,
					  struct pci_dev *self,
					  struct iommu_group **group)
{
	struct pci_rid_link *link;

	list_for_each_entry(link, list, list) {
		if (link->pgd->pdev == self)
			continue;
		*group = iommu_group_get(&link->pgd->pdev->dev);
		if (*group)
			return link;
	}
	*group = NULL;
	return NULL;
}

/* The group of some other device in @list that has one, and who that is. */
static struct iommu_group *pci_list_group(struct list_head *list,
					  struct pci_dev *self,
					  struct pci_dev **who)
{
	struct pci_rid_link *link;
	struct iommu_group *group;

	link = pci_list_link(list, self, &group);
	if (link)
		*who = link->pgd->pdev;
	return group;
}

/* Whether @link, in a users list, is one of its device's extra IDs. */
static bool pci_link_is_extra(const struct pci_rid_link *link)
{
	unsigned int i = link - link->pgd->links;

	return i >= link->pgd->nr_aliases;
}

/*
 * Rule 1: join every device that shares one of our requester IDs.  When the
 * ID is an extra one of either device, @what (from the IOMMU driver that
 * gave it; one driver serves the whole PCI bus) says why, if given.
 */
static void pci_join_aliases(struct pci_group_join *j,
			     struct pci_group_dev *pgd, const char *what)
{
	char name[PCI_KEY_NAME_LEN];
	struct pci_rid_link *other;
	struct iommu_group *group;
	struct pci_rid_node *node;
	struct pci_dev *who;
	unsigned int i;

	for (i = 0; i < pgd->nr_users; i++) {
		node = xa_load(&pci_rid_index, pgd->links[i].key);
		other = pci_list_link(&node->users, pgd->pdev, &group);
		if (!other)
			continue;
		who = other->pgd->pdev;
		if (what && (i >= pgd->nr_aliases || pci_link_is_extra(other)))
			pci_group_join(j, group, "%s with %s", what,
				       pci_name(who));
		else
			pci_group_join(j, group, "requester ID %s, shared with %s",
				       pci_key_name(name, pgd->links[i].key),
				       pci_name(who));
	}
}

/* Why everything below @iso's end shares one group, into @buf. */
static void pci_isolation_reason(char *buf, size_t len,
				 const struct pci_isolation *iso)
{
	const char *end = pci_name(iso->end), *culprit = pci_name(iso->culprit);

	switch (iso->kind) {
	case PCI_END_CONVENTIONAL:
		snprintf(buf, len,
			 "behind PCI bridge %s, which hides requester IDs",
			 culprit);
		break;
	case PCI_END_NO_ACS:
		snprintf(buf, len, "below %s, which lacks ACS", culprit);
		break;
	case PCI_END_SWITCH_PORT:
		snprintf(buf, len, "in switch %s, whose port %s lacks ACS",
			 end, culprit);
		break;
	case PCI_END_SLOT:
		snprintf(buf, len, "below %s, reachable from its sibling %s",
			 end, culprit);
		break;
	case PCI_END_SWITCH_BUS:
		snprintf(buf, len, "in switch %s, whose bus %s reaches every port",
			 end, culprit);
		break;
	}
}

/*
 * Join every grouped device in @node's below list but @pgd.  The first device
 * to open a bridge merges what is there already this way.
 */
static void pci_join_below(struct pci_group_join *j, struct pci_rid_node *node,
			   struct pci_group_dev *pgd, const char *reason)
{
	struct pci_rid_link *link;

	list_for_each_entry(link, &node->below, list) {
		if (link->pgd != pgd)
			pci_group_join(j, pci_join_candidate(j, link->pgd->pdev),
				       "%s", reason);
	}
}

/*
 * Rules 2, 4, 5: if isolation ends at @iso's end, everything below it is one
 * group; the first device to open the end merges what is there already.
 */
static void pci_join_open_end(struct pci_group_join *j,
			      struct pci_group_dev *pgd,
			      const struct pci_isolation *iso)
{
	struct pci_rid_node *node = pci_rid_node_get(pci_dev_key(iso->end));
	char reason[PCI_GROUP_REASON_LEN];
	struct pci_dev *who;

	/* Missing only if ACS changed since @pgd was indexed; be safe. */
	if (!node) {
		j->ret = j->ret ?: -ENOMEM;
		return;
	}

	/* Said only by the first group joined: see pci_group_join(). */
	if (!j->group)
		pci_isolation_reason(reason, sizeof(reason), iso);
	else
		reason[0] = '\0';
	if (node->merged)
		pci_group_join(j, pci_list_group(&node->below, pgd->pdev, &who),
			       "%s", reason);
	else
		pci_join_below(j, node, pgd, reason);
}

/* Rules 2, 4, 5: join every open bridge above us (or ourselves). */
static void pci_join_open_above(struct pci_group_join *j,
				struct pci_group_dev *pgd)
{
	unsigned long key;
	char name[PCI_KEY_NAME_LEN];
	struct iommu_group *group;
	struct pci_rid_node *node;
	struct pci_dev *who;
	unsigned int i;

	for (i = pgd->nr_users; i < pgd->nr_links; i++) {
		key = pgd->links[i].key;
		node = xa_load(&pci_rid_index, key);
		if (!node->open || (pgd->opening && pgd->opens == key))
			continue;
		group = pci_list_group(&node->below, pgd->pdev, &who);
		if (group)
			pci_group_join(j, group,
				       "below %s, where isolation ends, with %s",
				       pci_key_name(name, key), pci_name(who));
	}
}

/* Join @bridge's subtree, which a sibling of @bridge reaches. */
static void pci_join_subtree(struct pci_group_join *j,
			     struct pci_group_dev *pgd, struct pci_dev *bridge,
			     struct pci_dev *sib)
{
	struct pci_rid_node *node = xa_load(&pci_rid_index,
					    pci_dev_key(bridge));
	char reason[PCI_GROUP_REASON_LEN];

	if (!node)
		return;
	snprintf(reason, sizeof(reason),
		 "below %s, reachable from its sibling %s", pci_name(bridge),
		 pci_name(sib));
	pci_join_below(j, node, pgd, reason);
}

/*
 * Rule 3: join the other functions of our slot if ACS does not part us, and
 * the subtrees of those that are bridges: what we send to a sibling bridge's
 * window goes down it.  Devices below a bridge that come later find the open
 * slot themselves (pci_slot_exposes()).
 */
static void pci_join_slot(struct pci_group_join *j, struct pci_group_dev *pgd)
{
	struct pci_dev *pdev = pgd->pdev, *sib, *shared = NULL;
	unsigned int fn;

	if (!pci_in_multifunction_slot(pdev))
		return;
	for (fn = 0; fn < 8; fn++) {
		sib = pci_slot_sibling(pdev, fn);
		if (!sib || !pci_slot_shared(pdev, sib))
			continue;
		pci_group_join(j, pci_join_candidate(j, sib),
			       "same slot as %s, no ACS", pci_name(sib));
		if (sib->subordinate)
			pci_join_subtree(j, pgd, sib, pdev);
		shared = sib;
	}
	if (shared && pdev->subordinate)
		pci_join_subtree(j, pgd, pdev, shared);
}

/**
 * pci_device_group_rids - the IOMMU group of a PCI device with extra IDs
 * @dev: a PCI device
 * @rids: requester IDs (bus << 8 | devfn, in @dev's PCI segment) with which
 *	@dev's DMA reaches the IOMMU besides those the PCI core knows (its
 *	own and its DMA aliases), on its own bus or another; may be %NULL
 *	when @nr_rids is 0
 * @nr_rids: number of @rids
 * @what: what makes @rids aliases, for the explanation of the group
 *	("IVRS alias"), a string constant; or %NULL
 * @why: set to why @dev joins the group
 *
 * pci_device_group() for IOMMU drivers that know more aliases than the PCI
 * core, from a firmware table say.  @dev is indexed under @rids as under its
 * own requester ID, so it shares a group with every device that uses one of
 * them, whichever comes first, and chains of such aliases end in one group.
 * The index keeps @rids while @dev is on the bus, across the second reading
 * of its DMA aliases before a driver binds; a later call replaces them.  If
 * @rids cannot be recorded, @dev gets no group.  A device that joins
 * through an extra ID, its own or the other device's, is explained as
 * "<@what> with <device>".  IDs that the PCI core reports already cost
 * nothing; any other ID listed twice is indexed twice.
 *
 * Cost: that of pci_device_group() plus O(@nr_rids).
 *
 * Context: Process context; may sleep.  Called with iommu_probe_device_lock
 * held, from a device_group callback.
 * Return: the group with a reference for the caller, or an ERR_PTR():
 * -ENOMEM if the index cannot take @dev and @rids.
 */
struct iommu_group *pci_device_group_rids(struct device *dev, const u16 *rids,
					  unsigned int nr_rids,
					  const char *what,
					  struct iommu_group_reason *why)
{
	struct pci_group_join j = { };
	struct pci_isolation iso;
	struct pci_dev *pdev;
	struct pci_group_dev *pgd;
	struct iommu_group *group;
	struct pci_rid_node *node;

	lockdep_assert_held(&iommu_probe_device_lock);

	if (!dev_is_pci(dev))
		return ERR_PTR(-EINVAL);
	pdev = to_pci_dev(dev);
	/* Indexed now, it would stay in the index after it is freed. */
	if (iommu_device_gone(dev))
		return ERR_PTR(-ENODEV);

	guard(mutex)(&pci_groups_lock);
	if (!pci_groups_tracking)
		return ERR_PTR(-ENODEV);

	pci_isolation_end(pdev, &iso, pci_rids_on_bus(pdev, rids, nr_rids));
	pgd = pci_group_dev_find(pdev);
	if (pgd && !pci_group_dev_has_rids(pgd, rids, nr_rids)) {
		pci_group_dev_free(pgd, pgd->nr_links);
		pgd = NULL;
	}
	if (!pgd) {
		pgd = pci_group_dev_index(pdev, iso.end, rids, nr_rids);
		if (IS_ERR(pgd))
			return ERR_CAST(pgd);
	}

	pci_join_aliases(&j, pgd, what);
	if (iso.end)
		pci_join_open_end(&j, pgd, &iso);
	pci_join_open_above(&j, pgd);
	pci_join_slot(&j, pgd);
	if (j.ret) {
		iommu_group_put(j.group);
		return ERR_PTR(j.ret);
	}
	/* Later devices below the end may now join any one member. */
	node = iso.end ? xa_load(&pci_rid_index, pci_dev_key(iso.end)) : NULL;
	if (node && node->open)
		node->merged = true;

	group = j.group;
	if (!group) {
		group = iommu_group_alloc();
		if (IS_ERR(group))
			return group;
		strscpy(j.reason, "first device of the group");
	}
	strscpy(why->text, j.reason);
	return group;
}

/**
 * pci_device_group - the IOMMU group a PCI device must join
 * @dev: a PCI device
 * @why: set to why @dev joins the group
 *
 * The device_group callback for IOMMUs that translate PCI requester IDs.
 * @dev shares a group with every device that the IOMMU cannot tell apart
 * from it or that it can reach, or that can reach it, without the IOMMU:
 * DMA aliases in both directions (including the PCI core's alias quirks),
 * everything behind a conventional PCI bridge, functions of one slot without
 * ACS and the subtrees of such functions that are bridges, everything below
 * the highest bridge on its path that does not enforce ACS, and everything in
 * a switch with a downstream port without ACS or with anything but plain
 * downstream ports on its internal bus.  Groups
 * that @dev must join together are merged.  The reason for the choice is
 * returned in @why.
 *
 * Cost: O(depth of @dev + requester IDs of @dev + functions in its slot),
 * plus one walk of a subtree the first time isolation ends at its top.
 *
 * Context: Process context; may sleep.  Called with iommu_probe_device_lock
 * held, as the core does for device_group callbacks.
 * Return: the group with a reference for the caller, or an ERR_PTR().
 */
struct iommu_group *pci_device_group(struct device *dev,
				     struct iommu_group_reason *why)
{
	return pci_device_group_rids(dev, NULL, 0, NULL, why);
}
EXPORT_SYMBOL_GPL(pci_device_group);

/* --- Devices coming and going --------------------------------------- */

/* Whether @pgd is indexed under every requester ID in @a. */
static bool pci_group_dev_knows(const struct pci_group_dev *pgd,
				const struct pci_alias_keys *a)
{
	unsigned int i, k;

	for (i = 0; i < a->nr; i++) {
		for (k = 0; k < pgd->nr_users; k++)
			if (pgd->links[k].key == a->keys[i])
				break;
		if (k == pgd->nr_users)
			return false;
	}
	return true;
}

/* Whether one of @pgd's extra requester IDs is on its device's bus. */
static bool pci_group_dev_extra_on_bus(const struct pci_group_dev *pgd)
{
	unsigned long own = pci_dev_key(pgd->pdev);
	unsigned int i;

	for (i = pgd->nr_aliases; i < pgd->nr_users; i++)
		if (pgd->links[i].key >> 8 == own >> 8 &&
		    pgd->links[i].key != own)
			return true;
	return false;
}

/*
 * Index @pdev afresh under the requester IDs it uses now, keeping the extra
 * ones its IOMMU driver gave, and merge its group, which the caller holds a
 * reference on, with every device sharing one.
 */
static int pci_group_dev_reindex(struct pci_dev *pdev,
				 struct iommu_group *group)
{
	struct pci_group_join j = { .group = iommu_group_ref_get(group) };
	struct pci_alias_keys a = { };
	struct pci_group_dev *old, *pgd;
	struct pci_isolation iso;
	unsigned int i;
	int ret;

	lockdep_assert_held(&iommu_probe_device_lock);

	guard(mutex)(&pci_groups_lock);
	old = pci_group_dev_find(pdev);
	ret = old ? pci_collect_dma_aliases(pdev, &a,
					    old->nr_users - old->nr_aliases) :
		    -ENOENT;
	if (ret || pci_group_dev_knows(old, &a)) {
		pci_keys_free(&a);
		iommu_group_put(j.group);
		return ret;
	}
	for (i = old->nr_aliases; !ret && i < old->nr_users; i++)
		ret = pci_collect_extra(&a, old->links[i].key);
	pci_isolation_end(pdev, &iso, pci_group_dev_extra_on_bus(old));
	/* The new entry takes over from the old one, which goes after it. */
	pgd = ret ? ERR_PTR(ret) : pci_group_dev_add(pdev, iso.end, &a);
	pci_group_dev_free(old, old->nr_links);
	pci_keys_free(&a);
	if (IS_ERR(pgd))
		j.ret = PTR_ERR(pgd);
	else
		pci_join_aliases(&j, pgd, NULL);
	iommu_group_put(j.group);
	return j.ret;
}

/*
 * Rule 1 for aliases that come late.  The PCI core runs its FINAL-stage
 * quirks (Switchtec NTB's aliases among them) after the device was added to
 * the bus and grouped, and before a driver can bind.  So before a driver
 * binds, kernel or VFIO, the device's requester IDs are read again and a new
 * one merges the groups that share it.  If that fails the device leaves its
 * group: no group is safer than one finer than the IOMMU can isolate.
 */
static void pci_groups_refresh_aliases(struct pci_dev *pdev)
{
	struct iommu_group *group;
	int ret;

	guard(mutex)(&iommu_probe_device_lock);
	group = iommu_group_get(&pdev->dev);
	if (!group)
		return;
	ret = pci_group_dev_reindex(pdev, group);
	iommu_group_put(group);
	if (ret) {
		pci_err(pdev, "cannot group its new DMA aliases (%d); taken out of its IOMMU group\n",
			ret);
		iommu_group_remove_device_locked(&pdev->dev);
	}
}

/*
 * The device is leaving the PCI bus: forget it, so its IDs can be reused.
 * Both events, since a bus_set_iommu() replay may index a device between
 * them; the core's notifier marks the device gone first (we run after it),
 * so nothing indexes it after the second.
 */
static int pci_groups_bus_notify(struct notifier_block *nb,
				 unsigned long action, void *data)
{
	struct pci_group_dev *pgd;

	if (action == BUS_NOTIFY_BIND_DRIVER) {
		pci_groups_refresh_aliases(to_pci_dev(data));
		return NOTIFY_OK;
	}
	if (action != BUS_NOTIFY_DEL_DEVICE &&
	    action != BUS_NOTIFY_REMOVED_DEVICE)
		return NOTIFY_DONE;

	guard(mutex)(&pci_groups_lock);
	pgd = pci_group_dev_find(to_pci_dev(data));
	if (pgd)
		pci_group_dev_free(pgd, pgd->nr_links);
	return NOTIFY_OK;
}

static struct notifier_block pci_groups_nb = {
	.notifier_call = pci_groups_bus_notify,
	.priority = -1,		/* after the core's notifier */
};

static int __init pci_groups_init(void)
{
	int ret = bus_register_notifier(&pci_bus_type, &pci_groups_nb);

	if (ret)
		return ret;
	guard(mutex)(&pci_groups_lock);
	pci_groups_tracking = true;
	return 0;
}
arch_initcall(pci_groups_init);
