// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers shared by the IOMMU KUnit suites; see iommu_kunit_helpers.h.
 *
 * Built in only when a suite that uses them is (the sysfs lookups need
 * symbols that are not exported); suites built as modules reach the rest
 * through the EXPORTED_FOR_KUNIT_TESTING namespace.  Suites run one after
 * another, so the sysfs mount is a plain global.
 */

#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/cleanup.h>
#include <linux/device.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/iommu.h>
#include <linux/kernfs.h>
#include <linux/mman.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "iommu_kunit_helpers.h"

static struct vfsmount *iommu_kunit_sysfs;
static unsigned int iommu_kunit_sysfs_users;

/* --- sysfs, as userspace reads it -------------------------------------- */

/**
 * iommu_kunit_sysfs_mount - mount sysfs privately for the suite
 *
 * Every other sysfs helper reads through this mount.  Calls nest; each
 * successful one is paired with iommu_kunit_sysfs_unmount().
 *
 * Context: Process context; may sleep.
 * Return: 0, or a negative errno.
 */
int iommu_kunit_sysfs_mount(void)
{
	struct file_system_type *type;
	struct vfsmount *mnt;

	if (iommu_kunit_sysfs_users++)
		return 0;
	type = get_fs_type("sysfs");
	mnt = type ? kern_mount(type) : ERR_PTR(-ENODEV);
	if (IS_ERR(mnt)) {
		iommu_kunit_sysfs_users = 0;
		return PTR_ERR(mnt);
	}
	iommu_kunit_sysfs = mnt;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_kunit_sysfs_mount);

/**
 * iommu_kunit_sysfs_unmount - drop what iommu_kunit_sysfs_mount() took
 *
 * Context: Process context; may sleep.
 */
void iommu_kunit_sysfs_unmount(void)
{
	if (WARN_ON(!iommu_kunit_sysfs_users) || --iommu_kunit_sysfs_users)
		return;
	kern_unmount(iommu_kunit_sysfs);
	iommu_kunit_sysfs = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_kunit_sysfs_unmount);

/**
 * iommu_kunit_sysfs_node - look a path up below /sys
 * @path: relative to /sys, e.g. "kernel/iommu_groups/0/devices"
 * @follow: follow a final symbolic link
 *
 * The node is not pinned; compare it, do not dereference it after the
 * object behind it may have gone.
 *
 * Context: Process context; may sleep.  sysfs must be mounted.
 * Return: the kernfs node, or NULL if there is none.
 */
struct kernfs_node *iommu_kunit_sysfs_node(const char *path, bool follow)
{
	struct kernfs_node *kn;
	struct path p;

	if (vfs_path_lookup(iommu_kunit_sysfs->mnt_root, iommu_kunit_sysfs,
			    path, follow ? LOOKUP_FOLLOW : 0, &p))
		return NULL;
	kn = kernfs_node_from_dentry(p.dentry);
	path_put(&p);
	return kn;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_kunit_sysfs_node);

/**
 * iommu_kunit_dev_node - look a path up below a device's sysfs directory
 * @dev: the device
 * @rel: the path relative to @dev's directory, e.g. "iommu_group"
 *
 * Context: Process context; may sleep.  sysfs must be mounted.
 * Return: the kernfs node @rel leads to, a final link followed, or NULL.
 */
struct kernfs_node *iommu_kunit_dev_node(struct device *dev, const char *rel)
{
	char *path = kobject_get_path(&dev->kobj, GFP_KERNEL);
	struct kernfs_node *kn = NULL;
	char *full;

	full = path ? kasprintf(GFP_KERNEL, "%s/%s", path + 1, rel) : NULL;
	if (full)
		kn = iommu_kunit_sysfs_node(full, true);
	kfree(full);
	kfree(path);
	return kn;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_kunit_dev_node);

/**
 * iommu_kunit_read_file - read a file of a private mount
 * @mnt: the mount
 * @path: relative to @mnt's root
 * @buf: where the contents go, NUL-terminated
 * @len: size of @buf; at most @len - 1 bytes are read
 *
 * Context: Process context; may sleep.
 * Return: 0, or a negative errno if the file cannot be opened or read.
 */
int iommu_kunit_read_file(struct vfsmount *mnt, const char *path, char *buf,
			  size_t len)
{
	struct file *f;
	loff_t pos = 0;
	ssize_t n;

	f = file_open_root_mnt(mnt, path, O_RDONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_read(f, buf, len - 1, &pos);
	fput(f);
	if (n < 0)
		return n;
	buf[n] = '\0';
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_kunit_read_file);

/**
 * iommu_kunit_sysfs_read - read a sysfs file
 * @path: relative to /sys
 * @buf: where the contents go, NUL-terminated
 * @len: size of @buf; at most @len - 1 bytes are read
 *
 * Context: Process context; may sleep.  sysfs must be mounted.
 * Return: 0, or a negative errno if the file cannot be opened or read.
 */
int iommu_kunit_sysfs_read(const char *path, char *buf, size_t len)
{
	return iommu_kunit_read_file(iommu_kunit_sysfs, path, buf, len);
}
EXPORT_SYMBOL_IF_KUNIT(iommu_kunit_sysfs_read);

#define IOMMU_KUNIT_REASONS_MAX	SZ_256K

/* The lines of @all that start with "<@id> ", without it, into @buf. */
static int iommu_kunit_group_lines(const char *all, int id, char *buf,
				   size_t len)
{
	const char *line, *end;
	char prefix[16];
	size_t n, used = 0, plen;

	plen = snprintf(prefix, sizeof(prefix), "%d ", id);
	for (line = all; *line; line = end) {
		end = strchrnul(line, '\n');
		if (*end)
			end++;
		if (strncmp(line, prefix, plen))
			continue;
		n = end - line - plen;
		if (used + n >= len)
			return -ENOSPC;
		memcpy(buf + used, line + plen, n);
		used += n;
	}
	buf[used] = '\0';
	return used ? 0 : -ENOENT;
}

/**
 * iommu_kunit_group_reasons - a group's lines of the explanations
 * @id: the group number
 * @buf: where its lines of /sys/kernel/debug/iommu/groups go, without the
 *	id, NUL-terminated
 * @len: size of @buf
 *
 * Mounts debugfs privately for the read: one "<device>: <reason>" line per
 * member.
 *
 * Context: Process context; may sleep.
 * Return: 0; -ENODEV if the kernel has no debugfs; -ENOENT if no member of
 * group @id is listed (no such group, or it is empty); -ENOSPC if its lines
 * do not fit @buf; another negative errno if the file cannot be read.
 */
int iommu_kunit_group_reasons(int id, char *buf, size_t len)
{
	struct file_system_type *type = get_fs_type("debugfs");
	struct vfsmount *mnt;
	char *all;
	int ret;

	if (!type)
		return -ENODEV;
	all = kvmalloc(IOMMU_KUNIT_REASONS_MAX, GFP_KERNEL);
	if (!all) {
		put_filesystem(type);
		return -ENOMEM;
	}
	mnt = kern_mount(type);
	put_filesystem(type);
	if (IS_ERR(mnt)) {
		kvfree(all);
		return PTR_ERR(mnt);
	}
	ret = iommu_kunit_read_file(mnt, "iommu/groups", all,
				    IOMMU_KUNIT_REASONS_MAX);
	kern_unmount(mnt);
	if (!ret)
		ret = iommu_kunit_group_lines(all, id, buf, len);
	kvfree(all);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_kunit_group_reasons);

/**
 * iommu_kunit_group_exists - whether /sys/kernel/iommu_groups/<id> exists
 * @id: the group number
 *
 * Context: Process context; may sleep.  sysfs must be mounted.
 * Return: true if the group's directory is there.
 */
bool iommu_kunit_group_exists(int id)
{
	char path[48];

	snprintf(path, sizeof(path), "kernel/iommu_groups/%d", id);
	return !!iommu_kunit_sysfs_node(path, false);
}
EXPORT_SYMBOL_IF_KUNIT(iommu_kunit_group_exists);

/**
 * iommu_kunit_group_member - where a member link of a group points
 * @id: the group number
 * @link: the link's name in /sys/kernel/iommu_groups/<@id>/devices
 *
 * Context: Process context; may sleep.  sysfs must be mounted.
 * Return: the node of the device the link points to, or NULL.
 */
struct kernfs_node *iommu_kunit_group_member(int id, const char *link)
{
	char path[96];

	snprintf(path, sizeof(path), "kernel/iommu_groups/%d/devices/%s", id,
		 link);
	return iommu_kunit_sysfs_node(path, true);
}
EXPORT_SYMBOL_IF_KUNIT(iommu_kunit_group_member);

/**
 * iommu_kunit_dev_group_link - the group a device's "iommu_group" link names
 * @dev: the device
 *
 * Context: Process context; may sleep.  sysfs must be mounted.
 * Return: the number of the group directory the link points to, or -1 if
 * there is no link or it points elsewhere.
 */
int iommu_kunit_dev_group_link(struct device *dev)
{
	struct kernfs_node *kn = iommu_kunit_dev_node(dev, "iommu_group");
	int id;

	if (!kn || !kn->parent || strcmp(kn->parent->name, "iommu_groups") ||
	    kstrtoint(kn->name, 10, &id))
		return -1;
	return id;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_kunit_dev_group_link);

/* --- Test buses and the mock IOMMU drivers on them -------------------- */

/**
 * iommu_kunit_suite_init - set up a suite that drives a test bus
 * @bus: the suite's bus type, registered here; or NULL for none
 *
 * Mounts sysfs and registers @bus.
 *
 * Context: Process context; may sleep.
 * Return: 0, or a negative errno with nothing left set up.
 */
int iommu_kunit_suite_init(const struct bus_type *bus)
{
	int ret = iommu_kunit_sysfs_mount();

	if (ret || !bus)
		return ret;
	ret = bus_register(bus);
	if (ret)
		iommu_kunit_sysfs_unmount();
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_kunit_suite_init);

/**
 * iommu_kunit_suite_exit - undo iommu_kunit_suite_init()
 * @bus: the bus type given to iommu_kunit_suite_init()
 *
 * Context: Process context; may sleep.
 */
void iommu_kunit_suite_exit(const struct bus_type *bus)
{
	if (bus)
		bus_unregister(bus);
	iommu_kunit_sysfs_unmount();
}
EXPORT_SYMBOL_IF_KUNIT(iommu_kunit_suite_exit);

static void iommu_kunit_bus_clear(void *bus)
{
	bus_set_iommu(bus, NULL);
}

/**
 * iommu_kunit_bus_take - hand a bus to a mock IOMMU driver for one test
 * @test: the test; the bus is taken back when it ends
 * @bus: the bus type
 * @ops: the mock driver's callbacks
 *
 * Context: Process context; may sleep.  Aborts @test on failure.
 */
void iommu_kunit_bus_take(struct kunit *test, const struct bus_type *bus,
			  const struct iommu_ops *ops)
{
	KUNIT_ASSERT_EQ(test, bus_set_iommu(bus, ops), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							iommu_kunit_bus_clear,
							(void *)bus), 0);
}
EXPORT_SYMBOL_IF_KUNIT(iommu_kunit_bus_take);

/* The unit of the mock drivers; not in sysfs. */
static struct iommu_device iommu_kunit_unit;

/**
 * iommu_kunit_add_device - an add_device callback for mock IOMMU drivers
 * @dev: the device
 *
 * Accepts @dev for one mock unit that is not in sysfs; the core then puts
 * it into the group the driver's device_group callback chooses.
 *
 * Context: As for add_device callbacks.
 * Return: the mock unit.
 */
struct iommu_device *iommu_kunit_add_device(struct device *dev)
{
	return &iommu_kunit_unit;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_kunit_add_device);

struct iommu_kunit_peer {
	struct device *dev;
	bool (*same)(struct device *a, struct device *b);
};

static int iommu_kunit_peer_match(struct device *peer, const void *data)
{
	const struct iommu_kunit_peer *p = data;

	return peer != p->dev && peer->iommu_group && p->same(peer, p->dev);
}

/**
 * iommu_kunit_peer_group - a device_group for mock IOMMU drivers
 * @dev: the device to find a group for
 * @same: whether two devices of @dev's bus must share a group
 *
 * Context: Process context; may sleep.
 * Return: a reference on the group of a grouped device of @dev's bus for
 * which @same is true, or else on a new group; or an ERR_PTR().
 */
struct iommu_group *iommu_kunit_peer_group(struct device *dev,
					   bool (*same)(struct device *a,
							struct device *b))
{
	struct iommu_kunit_peer p = { .dev = dev, .same = same };
	struct iommu_group *group;
	struct device *peer;

	peer = bus_find_device(dev->bus, NULL, &p, iommu_kunit_peer_match);
	if (!peer)
		return iommu_group_alloc();
	group = iommu_group_get(peer);
	put_device(peer);
	return group ?: iommu_group_alloc();
}
EXPORT_SYMBOL_IF_KUNIT(iommu_kunit_peer_group);

static int iommu_kunit_count_one(struct device *dev, void *data)
{
	(*(int *)data)++;
	return 0;
}

/**
 * iommu_kunit_group_members - count the members of a group
 * @group: the group
 *
 * Context: Process context; may sleep.  Takes the group's mutex.
 * Return: how many devices are in @group.
 */
int iommu_kunit_group_members(struct iommu_group *group)
{
	int n = 0;

	iommu_group_for_each_dev(group, &n, iommu_kunit_count_one);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_kunit_group_members);

/* --- Devices that live as long as a test ------------------------------- */

/**
 * iommu_kunit_device_init - initialise and name a device, not yet added
 * @test: the test
 * @dev: the device, zeroed, inside a structure that @release frees
 * @bus: its bus type, or NULL
 * @parent: its parent, or NULL
 * @release: frees the structure around @dev
 * @name: its name
 *
 * From here on @dev is freed by put_device(), also when this fails.
 *
 * Context: Process context; may sleep.  Aborts @test on failure.
 */
void iommu_kunit_device_init(struct kunit *test, struct device *dev,
			     const struct bus_type *bus, struct device *parent,
			     void (*release)(struct device *dev),
			     const char *name)
{
	int ret;

	device_initialize(dev);
	dev->bus = bus;
	dev->parent = parent;
	dev->release = release;
	ret = dev_set_name(dev, "%s", name);
	if (ret) {
		put_device(dev);
		KUNIT_ASSERT_EQ(test, ret, 0);
	}
}
EXPORT_SYMBOL_IF_KUNIT(iommu_kunit_device_init);

static void iommu_kunit_device_unregister(void *dev)
{
	device_unregister(dev);
}

/**
 * iommu_kunit_device_add - add a device until the end of the test
 * @test: the test; it unregisters @dev when it ends
 * @dev: a device set up with iommu_kunit_device_init()
 *
 * Context: Process context; may sleep.  Aborts @test on failure, with @dev
 * put.
 */
void iommu_kunit_device_add(struct kunit *test, struct device *dev)
{
	int ret = device_add(dev);

	if (ret) {
		put_device(dev);
		KUNIT_ASSERT_EQ(test, ret, 0);
	}
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test,
						  iommu_kunit_device_unregister,
						  dev), 0);
}
EXPORT_SYMBOL_IF_KUNIT(iommu_kunit_device_add);

/**
 * iommu_kunit_device_del - unregister a device before the test ends
 * @test: the test
 * @dev: a device added with iommu_kunit_device_add()
 *
 * Context: Process context; may sleep.
 */
void iommu_kunit_device_del(struct kunit *test, struct device *dev)
{
	kunit_release_action(test, iommu_kunit_device_unregister, dev);
}
EXPORT_SYMBOL_IF_KUNIT(iommu_kunit_device_del);

static void iommu_kunit_driver_unregister(void *drv)
{
	driver_unregister(drv);
}

/**
 * iommu_kunit_driver_add - register a driver until the end of the test
 * @test: the test; it unregisters @drv when it ends
 * @drv: the driver, zeroed but for its bus, probe and what its bus needs,
 *	in memory that lasts until the test ends; named here
 *
 * Each driver gets a name of its own: with CONFIG_DEBUG_KOBJECT_RELEASE an
 * old driver's sysfs name lingers after it is gone.  driver_register()
 * binds @drv to every device of its bus it matches.
 *
 * Context: Process context; may sleep.  Aborts @test on failure.
 */
void iommu_kunit_driver_add(struct kunit *test, struct device_driver *drv)
{
	static atomic_t serial = ATOMIC_INIT(0);
	char *name = kunit_kzalloc(test, 32, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, name);
	snprintf(name, 32, "iommu_kunit_drv%d", atomic_inc_return(&serial));
	drv->name = name;
	KUNIT_ASSERT_EQ(test, driver_register(drv), 0);
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test,
						  iommu_kunit_driver_unregister,
						  drv), 0);
}
EXPORT_SYMBOL_IF_KUNIT(iommu_kunit_driver_add);

/**
 * iommu_kunit_driver_del - unregister a driver before the test ends
 * @test: the test
 * @drv: a driver registered with iommu_kunit_driver_add()
 *
 * Context: Process context; may sleep.
 */
void iommu_kunit_driver_del(struct kunit *test, struct device_driver *drv)
{
	kunit_release_action(test, iommu_kunit_driver_unregister, drv);
}
EXPORT_SYMBOL_IF_KUNIT(iommu_kunit_driver_del);

/* --- Allocation failures ----------------------------------------------- */

#ifdef CONFIG_FAILSLAB

/*
 * failslab is steered through its public debugfs attributes, as userspace
 * steers it.  Those files have a ->write but no ->write_iter, so
 * kernel_write() refuses them; the test writes them with vfs_write() from a
 * user mapping of its own (kunit_vm_mmap()).
 */
struct iommu_kunit_failslab {
	struct kunit *test;
	char ignore_gfp_wait[8];	/* the attributes as the test found them */
	char verbose[24];
};

static void iommu_kunit_unmount(struct vfsmount *mnt)
{
	if (!IS_ERR_OR_NULL(mnt))
		kern_unmount(mnt);
}

DEFINE_FREE(iommu_kunit_unmount, struct vfsmount *, iommu_kunit_unmount(_T))

static struct vfsmount *iommu_kunit_debugfs_mount(void)
{
	struct file_system_type *type = get_fs_type("debugfs");
	struct vfsmount *mnt;

	if (!type)
		return ERR_PTR(-ENODEV);
	mnt = kern_mount(type);
	put_filesystem(type);
	return mnt;
}

/*
 * Read failslab's attribute @attr into @buf (NUL-terminated), or write @len
 * bytes of @buf to it if @write.
 */
static int iommu_kunit_failslab_rw(struct kunit *test, const char *attr,
				   char *buf, size_t len, bool write)
{
	struct vfsmount *mnt __free(iommu_kunit_unmount) =
		iommu_kunit_debugfs_mount();
	unsigned long uaddr;
	char __user *ubuf;
	char path[48];
	loff_t pos = 0;
	ssize_t n;

	if (IS_ERR(mnt))
		return PTR_ERR(mnt);
	if (!len || len > PAGE_SIZE)
		return -EINVAL;
	uaddr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			      MAP_ANONYMOUS | MAP_PRIVATE, 0);
	if (!uaddr || IS_ERR_VALUE(uaddr))
		return -ENOMEM;
	ubuf = (char __user *)uaddr;
	snprintf(path, sizeof(path), "failslab/%s", attr);

	struct file *file __free(fput) =
		file_open_root_mnt(mnt, path, write ? O_WRONLY : O_RDONLY, 0);

	if (IS_ERR(file))
		return PTR_ERR(file);
	if (write) {
		if (copy_to_user(ubuf, buf, len))
			return -EFAULT;
		n = vfs_write(file, ubuf, len, &pos);
		return n < 0 ? n : 0;
	}
	n = vfs_read(file, ubuf, len - 1, &pos);
	if (n < 0)
		return n;
	if (copy_from_user(buf, ubuf, n))
		return -EFAULT;
	buf[n] = '\0';
	return 0;
}

/*
 * Give failslab back the attributes the test found.  Runs at the end of the
 * test, possibly in KUnit's cleanup thread, which maps a buffer of its own.
 */
static void iommu_kunit_failslab_restore(void *data)
{
	struct iommu_kunit_failslab *fs = data;
	struct kunit *test = fs->test;
	int ret;

	ret = iommu_kunit_failslab_rw(test, "verbose", fs->verbose,
				      strlen(fs->verbose), true);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "failslab's verbose not restored");
	ret = iommu_kunit_failslab_rw(test, "ignore-gfp-wait",
				      fs->ignore_gfp_wait,
				      strlen(fs->ignore_gfp_wait), true);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0,
			    "failslab's ignore-gfp-wait not restored");
}

/**
 * iommu_kunit_fault_init - init of a suite whose tests inject failures
 * @test: the test about to run
 *
 * failslab leaves allocations that may sleep alone unless told otherwise;
 * this tells it otherwise for the length of @test, and turns its messages
 * off, through its debugfs attributes "ignore-gfp-wait" and "verbose".
 * With failslab's probability left at 0, only a task whose fail_nth is set
 * (iommu_kunit_fault_walk(), or /proc/<pid>/fail-nth) sees failures.  The
 * attributes get their old values back when @test ends.
 *
 * Context: Process context; may sleep.
 * Return: 0; -ENODEV without debugfs; another negative errno if failslab's
 * attributes cannot be read or written.
 */
int iommu_kunit_fault_init(struct kunit *test)
{
	struct iommu_kunit_failslab *fs;
	int ret;

	fs = kunit_kzalloc(test, sizeof(*fs), GFP_KERNEL);
	if (!fs)
		return -ENOMEM;
	fs->test = test;
	ret = iommu_kunit_failslab_rw(test, "ignore-gfp-wait",
				      fs->ignore_gfp_wait,
				      sizeof(fs->ignore_gfp_wait), false);
	if (!ret)
		ret = iommu_kunit_failslab_rw(test, "verbose", fs->verbose,
					      sizeof(fs->verbose), false);
	if (!ret)
		ret = kunit_add_action_or_reset(test,
						iommu_kunit_failslab_restore,
						fs);
	if (!ret)
		ret = iommu_kunit_failslab_rw(test, "ignore-gfp-wait", "N", 1,
					      true);
	if (!ret)
		ret = iommu_kunit_failslab_rw(test, "verbose", "0", 1, true);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_kunit_fault_init);

/* The id a new group gets: unchanged if nothing leaked a group or an id. */
static int iommu_kunit_next_group_id(struct kunit *test)
{
	struct iommu_group *group;
	int id;

	if (!IS_ENABLED(CONFIG_IOMMU_API))
		return -1;
	group = iommu_group_alloc();
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, group);
	id = iommu_group_id(group);
	iommu_group_put(group);
	return id;
}

/**
 * iommu_kunit_fault_walk - fail each allocation of an operation in turn
 * @test: the test
 * @fc: the operation, its undo and its check
 * @ctx: passed to @fc's callbacks
 *
 * Runs @fc->op with its n-th allocation failing (the task's fail_nth), for
 * n = 1, 2, ... until an @op no longer reaches its n-th allocation; that
 * last run must succeed.  After each run, @fc->undo reverses a successful
 * @op and @fc->check asserts the state; the walk itself asserts that no
 * group or group id was left behind and that @op allocated at all.  Leaked
 * objects are kmemleak's to find (make kunit-qemu-debug scans after the
 * suites).  Needs failslab set up by iommu_kunit_fault_init().
 *
 * Context: Process context; may sleep.
 * Return: how many allocations @op makes when nothing fails.
 */
int iommu_kunit_fault_walk(struct kunit *test,
			   const struct iommu_kunit_fault_case *fc, void *ctx)
{
	int free_id = iommu_kunit_next_group_id(test);
	unsigned int n, left;
	int ret;

	for (n = 1; n < 1000; n++) {
		WRITE_ONCE(current->fail_nth, n);
		ret = fc->op(test, ctx);
		left = READ_ONCE(current->fail_nth);
		WRITE_ONCE(current->fail_nth, 0);

		/* An operation may survive a failure (a lost uevent, say). */
		if (!ret)
			fc->undo(test, ctx);
		fc->check(test, ctx);
		KUNIT_EXPECT_EQ_MSG(test, iommu_kunit_next_group_id(test),
				    free_id,
				    "failing allocation %u leaked a group", n);
		if (left) {
			KUNIT_EXPECT_EQ_MSG(test, ret, 0,
					    "failed with no failure injected");
			KUNIT_EXPECT_GT_MSG(test, n, 1,
					    "the operation allocated nothing");
			return n - 1;
		}
	}
	KUNIT_FAIL(test, "more than %u allocations", n);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_kunit_fault_walk);

#endif /* CONFIG_FAILSLAB */
