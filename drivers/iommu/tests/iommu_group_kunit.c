// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the IOMMU group core.
 *
 * A mock IOMMU driver owns a test bus; devices added to and removed from that
 * bus drive the real core through its bus notifier, as a real driver's
 * devices would.  sysfs is checked through a private sysfs mount, by the same
 * paths userspace (lspci, libvirt, VFIO users) reads.
 */

#include <kunit/test.h>
#include <linux/debug_locks.h>
#include <linux/device.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/iommu.h>
#include <linux/kthread.h>
#include <linux/mount.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../iommu-priv.h"
#include "iommu_kunit_helpers.h"

#define MAX_EVENTS 16

/* --- The mock IOMMU driver and its bus --------------------------------- */

/*
 * A device on the mock bus.  Devices with the same @key share a group; the
 * mock IOMMU does not translate devices with a negative @key, and refuses
 * MOCK_KEY_FAIL ones with an error.  It translates MOCK_KEY_NO_GROUP ones
 * but cannot group them, and MOCK_KEY_SYSFS ones by a unit in sysfs.
 */
struct mock_dev {
	struct device dev;
	int key;
};

#define MOCK_KEY_NONE	-1
#define MOCK_KEY_FAIL	-2
#define MOCK_KEY_NO_GROUP	1000
#define MOCK_KEY_SYSFS		1001

#define to_mock_dev(d) container_of(d, struct mock_dev, dev)

static const struct bus_type mock_bus = {
	.name = "iommu_kunit",
};

/*
 * What the mock driver saw: @removes_in_group counts devices handed back
 * while still in a group, @last_removed the last one handed back.
 */
static struct {
	int adds;
	int removes;
	int removes_in_group;
	struct device *last_removed;
} mock;

/* The unit of MOCK_KEY_SYSFS devices, in sysfs while a test needs it. */
static struct iommu_device mock_sysfs_unit;

static bool mock_same_key(struct device *a, struct device *b)
{
	return to_mock_dev(a)->key == to_mock_dev(b)->key;
}

static struct iommu_group *mock_device_group(struct device *dev,
					     struct iommu_group_reason *why)
{
	if (to_mock_dev(dev)->key == MOCK_KEY_NO_GROUP)
		return ERR_PTR(-EIO);
	return iommu_kunit_peer_group(dev, mock_same_key);
}

static struct iommu_device *mock_add_device(struct device *dev)
{
	mock.adds++;
	if (to_mock_dev(dev)->key == MOCK_KEY_FAIL)
		return ERR_PTR(-EIO);
	if (to_mock_dev(dev)->key < 0)
		return ERR_PTR(-ENODEV);
	if (to_mock_dev(dev)->key == MOCK_KEY_SYSFS)
		return &mock_sysfs_unit;
	return iommu_kunit_add_device(dev);
}

static void mock_remove_device(struct device *dev)
{
	mock.removes++;
	if (dev->iommu_group)
		mock.removes_in_group++;
	mock.last_removed = dev;
}

static const struct iommu_ops mock_ops = {
	.add_device = mock_add_device,
	.remove_device = mock_remove_device,
	.device_group = mock_device_group,
};

/* A second driver: every device alone, no remove_device callback. */
static const struct iommu_ops other_ops = {
	.add_device = iommu_kunit_add_device,
	.device_group = generic_device_group,
};

static void mock_dev_release(struct device *dev)
{
	kfree(to_mock_dev(dev));
}

static void mock_bus_take(struct kunit *test)
{
	memset(&mock, 0, sizeof(mock));
	iommu_kunit_bus_take(test, &mock_bus, &mock_ops);
}

/* Register a device on the mock bus, or on no bus under @parent. */
static struct device *dev_add(struct kunit *test, struct device *parent,
			      const char *name, int key, bool on_bus)
{
	struct mock_dev *mdev = kzalloc(sizeof(*mdev), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, mdev);
	mdev->key = key;
	iommu_kunit_device_init(test, &mdev->dev, on_bus ? &mock_bus : NULL,
				parent, mock_dev_release, name);
	iommu_kunit_device_add(test, &mdev->dev);
	return &mdev->dev;
}

static struct device *bus_dev_add(struct kunit *test, const char *name, int key)
{
	return dev_add(test, NULL, name, key, true);
}

static struct device *plain_dev_add(struct kunit *test, struct device *parent,
				    const char *name)
{
	return dev_add(test, parent, name, 0, false);
}

static void dev_del(struct kunit *test, struct device *dev)
{
	iommu_kunit_device_del(test, dev);
}

/*
 * Membership changes from outside a driver callback, as VFIO's no-IOMMU
 * groups make them: the exported calls take iommu_probe_device_lock
 * themselves.
 */
static int add_locked(struct iommu_group *group, struct device *dev)
{
	return iommu_group_add_device(group, dev);
}

static void remove_locked(struct device *dev)
{
	iommu_group_remove_device(dev);
}

static void group_put_action(void *group)
{
	iommu_group_put(group);
}

static struct iommu_group *group_alloc(struct kunit *test)
{
	struct iommu_group *group = iommu_group_alloc();

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, group);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, group_put_action,
							group), 0);
	return group;
}

static void group_put(struct kunit *test, struct iommu_group *group)
{
	kunit_release_action(test, group_put_action, group);
}

static void group_remove_action(void *dev)
{
	remove_locked(dev);
}

static void group_add(struct kunit *test, struct iommu_group *group,
		      struct device *dev)
{
	KUNIT_ASSERT_EQ(test, add_locked(group, dev), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							group_remove_action,
							dev), 0);
}

static void group_remove(struct kunit *test, struct device *dev)
{
	kunit_release_action(test, group_remove_action, dev);
}

struct release_count {
	int calls;
	void *data;
};

static void count_release(void *data)
{
	struct release_count *rc = data;

	rc->calls++;
	rc->data = data;
}

/* A group notifier that records what it sees. */
struct event_log {
	struct notifier_block nb;
	int n;
	unsigned long event[MAX_EVENTS];
	struct device *dev[MAX_EVENTS];
	bool member[MAX_EVENTS];
};

static int log_event(struct notifier_block *nb, unsigned long event, void *data)
{
	struct event_log *log = container_of(nb, struct event_log, nb);
	struct iommu_group *group = iommu_group_get(data);

	if (log->n < MAX_EVENTS) {
		log->event[log->n] = event;
		log->dev[log->n] = data;
		log->member[log->n] = !!group;
		log->n++;
	}
	iommu_group_put(group);
	return NOTIFY_OK;
}

static struct event_log *event_log_register(struct kunit *test,
					    struct iommu_group *group)
{
	struct event_log *log = kunit_kzalloc(test, sizeof(*log), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, log);
	log->nb.notifier_call = log_event;
	KUNIT_ASSERT_EQ(test, iommu_group_register_notifier(group, &log->nb), 0);
	return log;
}

/* --- Group object ------------------------------------------------------ */

static void iommu_group_alloc_uses_lowest_free_id(struct kunit *test)
{
	struct iommu_group *a = group_alloc(test);
	struct iommu_group *b = group_alloc(test);
	struct iommu_group *c;
	int id_a = iommu_group_id(a);

	KUNIT_EXPECT_GE(test, id_a, 0);
	KUNIT_EXPECT_NE(test, id_a, iommu_group_id(b));

	group_put(test, a);
	c = group_alloc(test);
	KUNIT_EXPECT_EQ(test, iommu_group_id(c), id_a);
}

static void iommu_group_alloc_creates_sysfs_dir(struct kunit *test)
{
	struct iommu_group *group = group_alloc(test);
	int id = iommu_group_id(group);

	KUNIT_EXPECT_TRUE(test, iommu_kunit_group_exists(id));
	group_put(test, group);
	KUNIT_EXPECT_FALSE(test, iommu_kunit_group_exists(id));
}

static void iommu_group_put_frees_on_last_reference(struct kunit *test)
{
	struct iommu_group *group = group_alloc(test);
	struct release_count rc = {};
	int id = iommu_group_id(group);

	iommu_group_set_iommudata(group, &rc, count_release);
	KUNIT_EXPECT_PTR_EQ(test, iommu_group_ref_get(group), group);
	iommu_group_put(group);
	KUNIT_EXPECT_EQ(test, rc.calls, 0);
	KUNIT_EXPECT_TRUE(test, iommu_kunit_group_exists(id));

	group_put(test, group);
	KUNIT_EXPECT_EQ(test, rc.calls, 1);
	KUNIT_EXPECT_PTR_EQ(test, rc.data, (void *)&rc);
	KUNIT_EXPECT_FALSE(test, iommu_kunit_group_exists(id));
}

static void iommu_group_iommudata_round_trips(struct kunit *test)
{
	struct iommu_group *group = group_alloc(test);
	int cookie;

	KUNIT_EXPECT_NULL(test, iommu_group_get_iommudata(group));
	iommu_group_set_iommudata(group, &cookie, NULL);
	KUNIT_EXPECT_PTR_EQ(test, iommu_group_get_iommudata(group),
			    (void *)&cookie);
}

static void iommu_group_iommudata_released_once_after_members(struct kunit *test)
{
	struct iommu_group *group = group_alloc(test);
	struct device *d0 = plain_dev_add(test, NULL, "iommu-kunit-d0");
	struct device *d1 = plain_dev_add(test, NULL, "iommu-kunit-d1");
	struct release_count rc = {};

	iommu_group_set_iommudata(group, &rc, count_release);
	group_add(test, group, d0);
	group_add(test, group, d1);
	group_put(test, group);		/* members keep it alive */
	KUNIT_EXPECT_EQ(test, rc.calls, 0);

	group_remove(test, d0);
	KUNIT_EXPECT_EQ(test, rc.calls, 0);
	group_remove(test, d1);
	KUNIT_EXPECT_EQ(test, rc.calls, 1);
	remove_locked(d1);	/* no group any more: a no-op */
	KUNIT_EXPECT_EQ(test, rc.calls, 1);
}

static void iommu_group_outlives_last_device_while_referenced(struct kunit *test)
{
	struct iommu_group *group = group_alloc(test);
	struct device *dev = plain_dev_add(test, NULL, "iommu-kunit-d0");
	struct release_count rc = {};
	int id = iommu_group_id(group);

	iommu_group_set_iommudata(group, &rc, count_release);
	group_add(test, group, dev);
	group_remove(test, dev);
	KUNIT_EXPECT_TRUE(test, iommu_kunit_group_exists(id));
	KUNIT_EXPECT_EQ(test, rc.calls, 0);
	KUNIT_EXPECT_NULL(test, iommu_kunit_group_member(id, "iommu-kunit-d0"));

	group_put(test, group);
	KUNIT_EXPECT_EQ(test, rc.calls, 1);
	KUNIT_EXPECT_FALSE(test, iommu_kunit_group_exists(id));
}

static void iommu_group_generic_device_group_isolates(struct kunit *test)
{
	struct device *d0 = plain_dev_add(test, NULL, "iommu-kunit-d0");
	struct iommu_group_reason why = { };
	struct iommu_group *a = generic_device_group(d0, &why);
	struct iommu_group *b = generic_device_group(d0, &why);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	KUNIT_EXPECT_NE(test, iommu_group_id(a), iommu_group_id(b));
	iommu_group_put(a);
	iommu_group_put(b);
}

/* --- Membership and sysfs ---------------------------------------------- */

static void iommu_group_add_device_links_both_ways(struct kunit *test)
{
	struct iommu_group *group = group_alloc(test);
	struct device *dev = plain_dev_add(test, NULL, "iommu-kunit-d0");
	int id = iommu_group_id(group);

	KUNIT_EXPECT_EQ(test, iommu_kunit_dev_group_link(dev), -1);
	group_add(test, group, dev);
	KUNIT_EXPECT_PTR_EQ(test,
			    iommu_kunit_group_member(id, "iommu-kunit-d0"),
			    dev->kobj.sd);
	KUNIT_EXPECT_EQ(test, iommu_kunit_dev_group_link(dev), id);
	KUNIT_EXPECT_TRUE(test, device_iommu_mapped(dev));
}

static void iommu_group_remove_device_drops_links(struct kunit *test)
{
	struct iommu_group *group = group_alloc(test);
	struct device *dev = plain_dev_add(test, NULL, "iommu-kunit-d0");
	int id = iommu_group_id(group);

	group_add(test, group, dev);
	group_remove(test, dev);
	KUNIT_EXPECT_NULL(test, iommu_kunit_group_member(id, "iommu-kunit-d0"));
	KUNIT_EXPECT_EQ(test, iommu_kunit_dev_group_link(dev), -1);
	KUNIT_EXPECT_FALSE(test, device_iommu_mapped(dev));
	KUNIT_EXPECT_NULL(test, iommu_group_get(dev));
}

static void iommu_group_get_returns_counted_group(struct kunit *test)
{
	struct iommu_group *group = group_alloc(test);
	struct device *dev = plain_dev_add(test, NULL, "iommu-kunit-d0");
	struct release_count rc = {};
	struct iommu_group *got;

	iommu_group_set_iommudata(group, &rc, count_release);
	KUNIT_EXPECT_NULL(test, iommu_group_get(dev));
	group_add(test, group, dev);
	got = iommu_group_get(dev);
	KUNIT_EXPECT_PTR_EQ(test, got, group);

	group_put(test, group);
	group_remove(test, dev);
	KUNIT_EXPECT_EQ(test, rc.calls, 0);	/* "got" still holds it */
	iommu_group_put(got);
	KUNIT_EXPECT_EQ(test, rc.calls, 1);
}

static void iommu_group_add_device_twice_fails(struct kunit *test)
{
	struct iommu_group *group = group_alloc(test);
	struct iommu_group *other = group_alloc(test);
	struct device *dev = plain_dev_add(test, NULL, "iommu-kunit-d0");
	struct release_count rc = {};
	int other_id = iommu_group_id(other);

	iommu_group_set_iommudata(other, &rc, count_release);
	group_add(test, group, dev);
	KUNIT_EXPECT_EQ(test, add_locked(group, dev), -EBUSY);
	KUNIT_EXPECT_EQ(test, add_locked(other, dev), -EBUSY);

	/* Nothing changed: one link, in the first group only. */
	KUNIT_EXPECT_NULL(test, iommu_kunit_group_member(iommu_group_id(group),
							 "iommu-kunit-d0.1"));
	KUNIT_EXPECT_NULL(test,
			  iommu_kunit_group_member(other_id, "iommu-kunit-d0"));
	KUNIT_EXPECT_EQ(test, iommu_kunit_dev_group_link(dev),
			iommu_group_id(group));
	KUNIT_EXPECT_PTR_EQ(test, dev->iommu_group, group);

	/* The failed adds took no reference: one put frees the other group. */
	group_put(test, other);
	KUNIT_EXPECT_EQ(test, rc.calls, 1);
	KUNIT_EXPECT_FALSE(test, iommu_kunit_group_exists(other_id));
}

static void iommu_group_name_clash_gets_suffix(struct kunit *test)
{
	struct iommu_group *group = group_alloc(test);
	struct device *p[4], *d[4];
	char name[16];
	int i, id = iommu_group_id(group);

	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "iommu-kunit-p%d", i);
		p[i] = plain_dev_add(test, NULL, name);
		d[i] = plain_dev_add(test, p[i], "clash");
	}

	group_add(test, group, d[0]);
	group_add(test, group, d[1]);
	group_add(test, group, d[2]);
	KUNIT_EXPECT_PTR_EQ(test, iommu_kunit_group_member(id, "clash"),
			    d[0]->kobj.sd);
	KUNIT_EXPECT_PTR_EQ(test, iommu_kunit_group_member(id, "clash.1"),
			    d[1]->kobj.sd);
	KUNIT_EXPECT_PTR_EQ(test, iommu_kunit_group_member(id, "clash.2"),
			    d[2]->kobj.sd);

	/* A freed suffix is reused. */
	group_remove(test, d[1]);
	KUNIT_EXPECT_NULL(test, iommu_kunit_group_member(id, "clash.1"));
	group_add(test, group, d[3]);
	KUNIT_EXPECT_PTR_EQ(test, iommu_kunit_group_member(id, "clash.1"),
			    d[3]->kobj.sd);
	KUNIT_EXPECT_PTR_EQ(test, iommu_kunit_group_member(id, "clash"),
			    d[0]->kobj.sd);
}

struct walk {
	int visited;
	int stop_at;
	struct device *seen[4];
};

static int walk_fn(struct device *dev, void *data)
{
	struct walk *w = data;

	if (w->visited < ARRAY_SIZE(w->seen))
		w->seen[w->visited] = dev;
	if (++w->visited == w->stop_at)
		return 42;
	return 0;
}

static void iommu_group_walk_visits_in_join_order(struct kunit *test)
{
	struct iommu_group *group = group_alloc(test);
	struct device *d[3];
	struct walk w = {};
	int i;

	KUNIT_EXPECT_EQ(test, iommu_group_for_each_dev(group, &w, walk_fn), 0);
	KUNIT_EXPECT_EQ(test, w.visited, 0);

	d[0] = plain_dev_add(test, NULL, "iommu-kunit-d0");
	d[1] = plain_dev_add(test, NULL, "iommu-kunit-d1");
	d[2] = plain_dev_add(test, NULL, "iommu-kunit-d2");
	group_add(test, group, d[2]);
	group_add(test, group, d[0]);
	group_add(test, group, d[1]);

	KUNIT_EXPECT_EQ(test, iommu_group_for_each_dev(group, &w, walk_fn), 0);
	KUNIT_ASSERT_EQ(test, w.visited, 3);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_PTR_EQ(test, w.seen[i], d[(i + 2) % 3]);
}

/* Look up each member's group from inside the walk. */
static int walk_get_group(struct device *dev, void *data)
{
	struct iommu_group *group = iommu_group_get(dev);

	iommu_group_put(group);
	return group == data ? 0 : -EINVAL;
}

/* iommu_group_get() in a walk takes no lock against the group's mutex. */
static void iommu_group_walk_may_get_group(struct kunit *test)
{
	struct iommu_group *group = group_alloc(test);
	struct device *dev = plain_dev_add(test, NULL, "iommu-kunit-d0");

	if (!IS_ENABLED(CONFIG_PROVE_LOCKING) || !debug_locks)
		kunit_skip(test, "needs lockdep, and lockdep still on");
	group_add(test, group, dev);
	KUNIT_EXPECT_EQ(test, iommu_group_for_each_dev(group, group,
						       walk_get_group), 0);
	/* lockdep turns itself off when it reports an inversion. */
	KUNIT_EXPECT_TRUE(test, debug_locks);
}

static void iommu_group_walk_stops_on_nonzero(struct kunit *test)
{
	struct iommu_group *group = group_alloc(test);
	struct walk w = { .stop_at = 2 };

	group_add(test, group, plain_dev_add(test, NULL, "iommu-kunit-d0"));
	group_add(test, group, plain_dev_add(test, NULL, "iommu-kunit-d1"));
	group_add(test, group, plain_dev_add(test, NULL, "iommu-kunit-d2"));

	KUNIT_EXPECT_EQ(test, iommu_group_for_each_dev(group, &w, walk_fn), 42);
	KUNIT_EXPECT_EQ(test, w.visited, 2);
}

static void iommu_group_set_name_adds_name_file(struct kunit *test)
{
	struct iommu_group *group = group_alloc(test);
	char path[48], buf[32];

	snprintf(path, sizeof(path), "kernel/iommu_groups/%d/name",
		 iommu_group_id(group));
	KUNIT_EXPECT_NULL(test, iommu_kunit_sysfs_node(path, false));

	KUNIT_ASSERT_EQ(test, iommu_group_set_name(group, "domain0-pe1f"), 0);
	KUNIT_ASSERT_EQ(test,
			iommu_kunit_sysfs_read(path, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, "domain0-pe1f\n");

	KUNIT_ASSERT_EQ(test, iommu_group_set_name(group, "renamed"), 0);
	KUNIT_ASSERT_EQ(test,
			iommu_kunit_sysfs_read(path, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, "renamed\n");
}

static void iommu_group_set_name_null_removes_file(struct kunit *test)
{
	struct iommu_group *group = group_alloc(test);
	char path[48];

	snprintf(path, sizeof(path), "kernel/iommu_groups/%d/name",
		 iommu_group_id(group));
	KUNIT_ASSERT_EQ(test, iommu_group_set_name(group, "pe"), 0);
	KUNIT_EXPECT_NOT_NULL(test, iommu_kunit_sysfs_node(path, false));
	KUNIT_ASSERT_EQ(test, iommu_group_set_name(group, NULL), 0);
	KUNIT_EXPECT_NULL(test, iommu_kunit_sysfs_node(path, false));
	/* Removing a name that is not there is harmless. */
	KUNIT_EXPECT_EQ(test, iommu_group_set_name(group, NULL), 0);
}

/* --- Notifier ---------------------------------------------------------- */

static void iommu_group_notifier_reports_add_and_del(struct kunit *test)
{
	struct iommu_group *group = group_alloc(test);
	struct event_log *log = event_log_register(test, group);
	struct device *dev = plain_dev_add(test, NULL, "iommu-kunit-d0");

	group_add(test, group, dev);
	group_remove(test, dev);

	KUNIT_ASSERT_EQ(test, log->n, 2);
	KUNIT_EXPECT_EQ(test, log->event[0], IOMMU_GROUP_NOTIFY_ADD_DEVICE);
	KUNIT_EXPECT_PTR_EQ(test, log->dev[0], dev);
	KUNIT_EXPECT_TRUE(test, log->member[0]);
	KUNIT_EXPECT_EQ(test, log->event[1], IOMMU_GROUP_NOTIFY_DEL_DEVICE);
	KUNIT_EXPECT_PTR_EQ(test, log->dev[1], dev);
	/* DEL_DEVICE comes while the device is still a member. */
	KUNIT_EXPECT_TRUE(test, log->member[1]);
	iommu_group_unregister_notifier(group, &log->nb);
}

static void iommu_group_notifier_unregister_stops_events(struct kunit *test)
{
	struct iommu_group *group = group_alloc(test);
	struct event_log *log = event_log_register(test, group);

	KUNIT_EXPECT_EQ(test, iommu_group_unregister_notifier(group, &log->nb), 0);
	group_add(test, group, plain_dev_add(test, NULL, "iommu-kunit-d0"));
	KUNIT_EXPECT_EQ(test, log->n, 0);
	KUNIT_EXPECT_EQ(test, iommu_group_unregister_notifier(group, &log->nb),
			-ENOENT);
}

static void unmount_action(void *mnt)
{
	kern_unmount(mnt);
}

static void fput_action(void *file)
{
	fput(file);
}

/* /sys/kernel/debug/iommu/groups, open for the length of the test. */
static struct file *group_debugfs_open(struct kunit *test)
{
	struct file_system_type *type = get_fs_type("debugfs");
	struct vfsmount *mnt;
	struct file *file;

	if (!type)
		kunit_skip(test, "no debugfs");
	mnt = kern_mount(type);
	put_filesystem(type);
	KUNIT_ASSERT_FALSE(test, IS_ERR(mnt));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, unmount_action,
							mnt), 0);
	file = file_open_root_mnt(mnt, "iommu/groups", O_RDONLY, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, fput_action,
							file), 0);
	return file;
}

/* A group is listed while it has members, and not once it has gone. */
static void iommu_group_debugfs_lists_live_members(struct kunit *test)
{
	struct iommu_group *group = group_alloc(test);
	struct device *dev = plain_dev_add(test, NULL, "iommu-kunit-d0");
	int id = iommu_group_id(group);
	char buf[96];

	KUNIT_EXPECT_EQ(test, iommu_kunit_group_reasons(id, buf, sizeof(buf)),
			-ENOENT);
	group_add(test, group, dev);
	KUNIT_ASSERT_EQ(test, iommu_kunit_group_reasons(id, buf, sizeof(buf)),
			0);
	KUNIT_EXPECT_STREQ(test, buf,
			   "iommu-kunit-d0: added by its IOMMU driver\n");

	group_remove(test, dev);
	group_put(test, group);
	KUNIT_EXPECT_EQ(test, iommu_kunit_group_reasons(id, buf, sizeof(buf)),
			-ENOENT);
}

/*
 * A reader stopped inside a group's line reaches nothing of the group once
 * it has gone (KASAN would see it): the next read starts from the next id.
 */
static void iommu_group_debugfs_reader_outlives_group(struct kunit *test)
{
	struct iommu_group *group = group_alloc(test);
	struct device *dev = plain_dev_add(test, NULL, "iommu-kunit-d0");
	int id = iommu_group_id(group);
	char *buf = kunit_kmalloc(test, SZ_64K, GFP_KERNEL);
	struct file *file;
	char want[32];
	loff_t pos = 0;
	ssize_t n;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	group_add(test, group, dev);
	file = group_debugfs_open(test);
	snprintf(want, sizeof(want), "%d iommu-kunit-d0:", id);
	KUNIT_ASSERT_EQ(test, kernel_read(file, buf, strlen(want), &pos),
			(ssize_t)strlen(want));

	group_remove(test, dev);
	group_put(test, group);
	KUNIT_ASSERT_FALSE(test, iommu_kunit_group_exists(id));

	/* The rest of the line read already, then nothing of the group. */
	n = kernel_read(file, buf, SZ_64K - 1, &pos);
	KUNIT_EXPECT_GE(test, n, 0);
	KUNIT_EXPECT_EQ(test, vfs_llseek(file, 0, SEEK_SET), 0);
	pos = 0;
	n = kernel_read(file, buf, SZ_64K - 1, &pos);
	KUNIT_ASSERT_GE(test, n, 0);
	buf[n] = '\0';
	KUNIT_EXPECT_NULL(test, strstr(buf, want));
}

/* --- Bus registration and the bus notifier ----------------------------- */

static void bus_set_iommu_replays_existing_devices(struct kunit *test)
{
	struct device *d0 = bus_dev_add(test, "mock0", 0);
	struct device *d1 = bus_dev_add(test, "mock1", 1);
	struct device *d2 = bus_dev_add(test, "mock2", MOCK_KEY_NONE);

	KUNIT_EXPECT_NULL(test, d0->iommu_group);
	mock_bus_take(test);
	KUNIT_EXPECT_EQ(test, mock.adds, 3);
	KUNIT_EXPECT_GE(test, iommu_kunit_dev_group_link(d0), 0);
	KUNIT_EXPECT_GE(test, iommu_kunit_dev_group_link(d1), 0);
	KUNIT_EXPECT_NE(test, iommu_kunit_dev_group_link(d0),
			iommu_kunit_dev_group_link(d1));
	KUNIT_EXPECT_EQ(test, iommu_kunit_dev_group_link(d2), -1);
}

static void bus_set_iommu_refuses_second_ops(struct kunit *test)
{
	struct device *dev;

	mock_bus_take(test);
	KUNIT_EXPECT_EQ(test, bus_set_iommu(&mock_bus, &other_ops), -EBUSY);
	KUNIT_EXPECT_EQ(test, bus_set_iommu(&mock_bus, &mock_ops), -EBUSY);

	/* The first driver still gets the bus's devices. */
	dev = bus_dev_add(test, "mock0", 0);
	KUNIT_EXPECT_EQ(test, mock.adds, 1);
	KUNIT_EXPECT_NOT_NULL(test, dev->iommu_group);
}

static void bus_set_iommu_null_returns_the_bus(struct kunit *test)
{
	struct device *d0, *d1;
	int id;

	KUNIT_EXPECT_EQ(test, bus_set_iommu(&mock_bus, NULL), -ENODEV);
	mock_bus_take(test);
	d0 = bus_dev_add(test, "mock0", 0);
	d1 = bus_dev_add(test, "mock1", MOCK_KEY_NONE);
	id = iommu_kunit_dev_group_link(d0);
	KUNIT_ASSERT_GE(test, id, 0);

	KUNIT_EXPECT_EQ(test, bus_set_iommu(&mock_bus, NULL), 0);
	KUNIT_EXPECT_EQ(test, mock.removes, 1);	/* only the grouped one */
	KUNIT_EXPECT_NULL(test, d0->iommu_group);
	KUNIT_EXPECT_FALSE(test, iommu_kunit_group_exists(id));
	KUNIT_EXPECT_NULL(test, d1->iommu_group);

	/* The bus is free for another driver. */
	KUNIT_EXPECT_EQ(test, bus_set_iommu(&mock_bus, &other_ops), 0);
	KUNIT_EXPECT_NOT_NULL(test, d0->iommu_group);
	KUNIT_EXPECT_NOT_NULL(test, d1->iommu_group);

	/* other_ops has no remove_device: the core removes them itself. */
	KUNIT_EXPECT_EQ(test, bus_set_iommu(&mock_bus, NULL), 0);
	KUNIT_EXPECT_NULL(test, d0->iommu_group);
	KUNIT_EXPECT_NULL(test, d1->iommu_group);
}

static void bus_set_iommu_requires_add_device(struct kunit *test)
{
	static const struct iommu_ops empty_ops = {};

	KUNIT_EXPECT_EQ(test, bus_set_iommu(&mock_bus, &empty_ops), -EINVAL);
	/* and the failed call left the bus free */
	mock_bus_take(test);
}

static void bus_notifier_groups_added_devices(struct kunit *test)
{
	struct device *a, *b, *c;
	int id;

	mock_bus_take(test);
	a = bus_dev_add(test, "mock0", 7);
	b = bus_dev_add(test, "mock1", 7);
	c = bus_dev_add(test, "mock2", 8);

	KUNIT_EXPECT_EQ(test, mock.adds, 3);
	KUNIT_ASSERT_NOT_NULL(test, a->iommu_group);
	KUNIT_EXPECT_PTR_EQ(test, a->iommu_group, b->iommu_group);
	KUNIT_EXPECT_PTR_NE(test, a->iommu_group, c->iommu_group);
	id = iommu_kunit_dev_group_link(a);
	KUNIT_EXPECT_PTR_EQ(test, iommu_kunit_group_member(id, "mock1"),
			    b->kobj.sd);
}

static void bus_notifier_removes_deleted_devices(struct kunit *test)
{
	struct release_count rc = {};
	struct iommu_group *group;
	struct device *a, *b;
	int id;

	mock_bus_take(test);
	a = bus_dev_add(test, "mock0", 3);
	b = bus_dev_add(test, "mock1", 3);
	group = iommu_group_get(a);
	KUNIT_ASSERT_NOT_NULL(test, group);
	iommu_group_set_iommudata(group, &rc, count_release);
	id = iommu_group_id(group);
	iommu_group_put(group);

	dev_del(test, a);
	KUNIT_EXPECT_EQ(test, mock.removes, 1);
	KUNIT_EXPECT_NULL(test, iommu_kunit_group_member(id, "mock0"));
	KUNIT_EXPECT_TRUE(test, iommu_kunit_group_exists(id));
	KUNIT_EXPECT_EQ(test, rc.calls, 0);

	dev_del(test, b);
	KUNIT_EXPECT_EQ(test, mock.removes, 2);
	KUNIT_EXPECT_FALSE(test, iommu_kunit_group_exists(id));
	KUNIT_EXPECT_EQ(test, rc.calls, 1);
}

/*
 * A bus notifier that runs after the core's and probes the device being
 * deleted, as a bus_set_iommu() replay that picked it up earlier may.
 */
struct late_probe {
	struct notifier_block nb;
	unsigned long action;
	int ret;
	bool grouped;
};

static int late_probe_call(struct notifier_block *nb, unsigned long action,
			   void *data)
{
	struct late_probe *lp = container_of(nb, struct late_probe, nb);
	struct device *dev = data;

	if (action != lp->action)
		return NOTIFY_DONE;
	lp->ret = iommu_probe_device(dev);
	lp->grouped = !!dev->iommu_group;
	return NOTIFY_OK;
}

static void late_probe_unregister(void *nb)
{
	bus_unregister_notifier(&mock_bus, nb);
}

/* Neither between the two removal events nor after them is a device probed. */
static void bus_notifier_never_groups_deleted_devices(struct kunit *test)
{
	static const unsigned long actions[] = {
		BUS_NOTIFY_DEL_DEVICE, BUS_NOTIFY_REMOVED_DEVICE,
	};
	struct late_probe *lp = kunit_kzalloc(test, sizeof(*lp), GFP_KERNEL);
	struct device *dev;
	unsigned int i;
	int adds;

	KUNIT_ASSERT_NOT_NULL(test, lp);
	lp->nb.notifier_call = late_probe_call;
	lp->nb.priority = -1;
	KUNIT_ASSERT_EQ(test, bus_register_notifier(&mock_bus, &lp->nb), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							late_probe_unregister,
							&lp->nb), 0);
	mock_bus_take(test);

	for (i = 0; i < ARRAY_SIZE(actions); i++) {
		dev = bus_dev_add(test, "mock0", 7);
		KUNIT_ASSERT_NOT_NULL(test, dev->iommu_group);
		/* Not grouped yet, as a device the replay has not reached. */
		remove_locked(dev);
		lp->action = actions[i];
		lp->ret = 0;
		adds = mock.adds;

		dev_del(test, dev);
		KUNIT_EXPECT_EQ_MSG(test, lp->ret, -ENODEV, "event %lu",
				    actions[i]);
		KUNIT_EXPECT_EQ_MSG(test, mock.adds, adds, "event %lu",
				    actions[i]);
		KUNIT_EXPECT_FALSE_MSG(test, lp->grouped, "event %lu",
				       actions[i]);
	}
}

static void bus_notifier_skips_untranslated_devices(struct kunit *test)
{
	struct device *dev;

	mock_bus_take(test);
	dev = bus_dev_add(test, "mock0", MOCK_KEY_NONE);
	KUNIT_EXPECT_EQ(test, mock.adds, 1);
	KUNIT_EXPECT_NULL(test, dev->iommu_group);
	KUNIT_EXPECT_EQ(test, iommu_kunit_dev_group_link(dev), -1);
	dev_del(test, dev);
	KUNIT_EXPECT_EQ(test, mock.removes, 0);
}

static void bus_notifier_survives_driver_error(struct kunit *test)
{
	struct device *bad, *good;

	mock_bus_take(test);
	bad = bus_dev_add(test, "mock0", MOCK_KEY_FAIL);
	good = bus_dev_add(test, "mock1", 0);
	KUNIT_EXPECT_EQ(test, mock.adds, 2);
	KUNIT_EXPECT_NULL(test, bad->iommu_group);
	KUNIT_EXPECT_NOT_NULL(test, good->iommu_group);
	KUNIT_EXPECT_EQ(test, iommu_probe_device(bad), -EIO);
}

static void iommu_probe_device_adds_once(struct kunit *test)
{
	struct device *dev, *plain;

	plain = plain_dev_add(test, NULL, "iommu-kunit-d0");
	KUNIT_EXPECT_EQ(test, iommu_probe_device(plain), -ENODEV);

	mock_bus_take(test);
	dev = bus_dev_add(test, "mock0", 0);
	KUNIT_EXPECT_EQ(test, mock.adds, 1);
	KUNIT_EXPECT_EQ(test, iommu_probe_device(dev), 0);
	KUNIT_EXPECT_EQ(test, mock.adds, 1);	/* already grouped */
}

/* --- The core's record of the devices a unit translates ---------------- */

static void bus_record_only_for_accepted_devices(struct kunit *test)
{
	struct device *d0, *d1;

	mock_bus_take(test);
	d0 = bus_dev_add(test, "mock0", 0);
	d1 = bus_dev_add(test, "mock1", MOCK_KEY_NONE);

	KUNIT_EXPECT_PTR_EQ(test, dev_iommu_ops(d0), &mock_ops);
	KUNIT_EXPECT_NOT_NULL(test, dev_iommu_unit(d0));
	/* On a bus with an IOMMU driver, but no unit translates it. */
	KUNIT_EXPECT_NULL(test, dev_iommu_ops(d1));
	KUNIT_EXPECT_NULL(test, dev_iommu_unit(d1));

	dev_del(test, d0);
	KUNIT_EXPECT_EQ(test, mock.removes, 1);
	dev_del(test, d1);
	KUNIT_EXPECT_EQ(test, mock.removes, 1);
}

/* Every accepted device is handed back once, whatever way it leaves. */
static void bus_remove_device_pairs_with_add(struct kunit *test)
{
	struct device *grouped, *ungrouped, *unplaced;

	mock_bus_take(test);
	grouped = bus_dev_add(test, "mock0", 0);
	ungrouped = bus_dev_add(test, "mock1", 1);
	unplaced = bus_dev_add(test, "mock2", MOCK_KEY_NO_GROUP);

	/* Accepted, but its group could not be had: handed back at once. */
	KUNIT_EXPECT_EQ(test, mock.adds, 3);
	KUNIT_EXPECT_EQ(test, mock.removes, 1);
	KUNIT_EXPECT_PTR_EQ(test, mock.last_removed, unplaced);
	KUNIT_EXPECT_NULL(test, dev_iommu_ops(unplaced));
	dev_del(test, unplaced);
	KUNIT_EXPECT_EQ(test, mock.removes, 1);

	/* Out of its group by someone else, it still goes back to the driver. */
	remove_locked(ungrouped);
	KUNIT_EXPECT_PTR_EQ(test, dev_iommu_ops(ungrouped), &mock_ops);
	dev_del(test, ungrouped);
	KUNIT_EXPECT_EQ(test, mock.removes, 2);
	KUNIT_EXPECT_PTR_EQ(test, mock.last_removed, ungrouped);

	/* Giving the bus back hands back what is left, once. */
	KUNIT_EXPECT_EQ(test, bus_set_iommu(&mock_bus, NULL), 0);
	KUNIT_EXPECT_EQ(test, mock.removes, 3);
	KUNIT_EXPECT_PTR_EQ(test, mock.last_removed, grouped);
	KUNIT_EXPECT_NULL(test, dev_iommu_ops(grouped));
	KUNIT_EXPECT_EQ(test, bus_set_iommu(&mock_bus, &mock_ops), 0);
	KUNIT_EXPECT_EQ(test, mock.adds, 4);

	/* A device leaves its group before its driver sees it go. */
	KUNIT_EXPECT_EQ(test, mock.removes_in_group, 0);
}

/* A device that lost its group gets one again, without a second add. */
static void iommu_probe_device_regroups_accepted_device(struct kunit *test)
{
	struct device *dev;

	mock_bus_take(test);
	dev = bus_dev_add(test, "mock0", 0);
	remove_locked(dev);
	KUNIT_ASSERT_NULL(test, dev->iommu_group);

	KUNIT_EXPECT_EQ(test, iommu_probe_device(dev), 0);
	KUNIT_EXPECT_NOT_NULL(test, dev->iommu_group);
	KUNIT_EXPECT_EQ(test, mock.adds, 1);
	KUNIT_EXPECT_EQ(test, mock.removes, 0);
}

static void sysfs_unit_remove(void *iommu)
{
	iommu_device_sysfs_remove(iommu);
}

/* What /sys/class/iommu/kunit-unit/devices/<@dev> points to. */
static struct kernfs_node *unit_link(struct device *dev)
{
	char path[96];

	snprintf(path, sizeof(path), "class/iommu/kunit-unit/devices/%s",
		 dev_name(dev));
	return iommu_kunit_sysfs_node(path, true);
}

static void bus_links_devices_to_their_unit(struct kunit *test)
{
	struct device *d0, *d1;

	KUNIT_ASSERT_EQ(test, iommu_device_sysfs_add(&mock_sysfs_unit, NULL,
						     NULL, "kunit-unit"), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							sysfs_unit_remove,
							&mock_sysfs_unit), 0);
	d0 = bus_dev_add(test, "mock0", MOCK_KEY_SYSFS);
	mock_bus_take(test);
	d1 = bus_dev_add(test, "mock1", MOCK_KEY_SYSFS);

	/* Both ways, for a device replayed and one added later. */
	KUNIT_EXPECT_PTR_EQ(test, unit_link(d0), d0->kobj.sd);
	KUNIT_EXPECT_PTR_EQ(test, unit_link(d1), d1->kobj.sd);
	KUNIT_EXPECT_PTR_EQ(test, iommu_kunit_dev_node(d1, "iommu"),
			    mock_sysfs_unit.dev->kobj.sd);
	KUNIT_EXPECT_PTR_EQ(test, dev_iommu_unit(d1), &mock_sysfs_unit);
	KUNIT_EXPECT_NOT_NULL(test, d1->iommu_group);

	dev_del(test, d1);
	KUNIT_EXPECT_NULL(test, unit_link(d1));
	KUNIT_EXPECT_EQ(test, bus_set_iommu(&mock_bus, NULL), 0);
	KUNIT_EXPECT_NULL(test, unit_link(d0));
	KUNIT_EXPECT_NULL(test, iommu_kunit_dev_node(d0, "iommu"));
	KUNIT_EXPECT_EQ(test, bus_set_iommu(&mock_bus, &mock_ops), 0);
}

static void iommu_probe_device_keeps_group(struct kunit *test)
{
	struct iommu_group *group;
	struct device *dev;

	mock_bus_take(test);
	dev = bus_dev_add(test, "mock0", 0);
	group = iommu_group_get(dev);
	KUNIT_ASSERT_NOT_NULL(test, group);
	KUNIT_EXPECT_EQ(test, iommu_probe_device(dev), 0);
	KUNIT_EXPECT_PTR_EQ(test, group, dev->iommu_group);
	iommu_group_put(group);

	/* A device on a bus without IOMMU driver is offered to none. */
	dev = plain_dev_add(test, NULL, "iommu-kunit-d0");
	KUNIT_EXPECT_EQ(test, iommu_probe_device(dev), -ENODEV);
}

static int mock_drv_probe(struct device *dev)
{
	return to_mock_dev(dev)->key == 13 ? -ENXIO : 0;
}

/* A driver of the mock bus, bound to every device it matches. */
static struct device_driver *mock_driver_register(struct kunit *test)
{
	struct device_driver *drv;

	drv = kunit_kzalloc(test, sizeof(*drv), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, drv);
	drv->bus = &mock_bus;
	drv->probe = mock_drv_probe;
	iommu_kunit_driver_add(test, drv);
	return drv;
}

static void mock_driver_del(struct kunit *test, struct device_driver *drv)
{
	iommu_kunit_driver_del(test, drv);
}

static void bus_notifier_forwards_driver_events(struct kunit *test)
{
	static const unsigned long expect[] = {
		IOMMU_GROUP_NOTIFY_BIND_DRIVER,
		IOMMU_GROUP_NOTIFY_BOUND_DRIVER,
		IOMMU_GROUP_NOTIFY_UNBIND_DRIVER,
		IOMMU_GROUP_NOTIFY_UNBOUND_DRIVER,
	};
	struct device_driver *drv;
	struct iommu_group *group;
	struct event_log *log;
	struct device *dev;
	int i;

	mock_bus_take(test);
	dev = bus_dev_add(test, "mock0", 0);
	bus_dev_add(test, "mock1", 1);		/* another group: no events */
	group = iommu_group_get(dev);
	KUNIT_ASSERT_NOT_NULL(test, group);
	log = event_log_register(test, group);

	drv = mock_driver_register(test);
	KUNIT_EXPECT_PTR_EQ(test, dev->driver, drv);
	mock_driver_del(test, drv);

	KUNIT_EXPECT_EQ(test, log->n, ARRAY_SIZE(expect));
	for (i = 0; i < min_t(int, log->n, ARRAY_SIZE(expect)); i++) {
		KUNIT_EXPECT_EQ(test, log->event[i], expect[i]);
		KUNIT_EXPECT_PTR_EQ(test, log->dev[i], dev);
	}
	iommu_group_unregister_notifier(group, &log->nb);
	iommu_group_put(group);
}

static void bus_notifier_reports_failed_probe_as_unbound(struct kunit *test)
{
	struct device_driver *drv;
	struct iommu_group *group;
	struct event_log *log;
	struct device *dev;

	mock_bus_take(test);
	dev = bus_dev_add(test, "mock0", 13);
	group = iommu_group_get(dev);
	KUNIT_ASSERT_NOT_NULL(test, group);
	log = event_log_register(test, group);

	drv = mock_driver_register(test);
	KUNIT_EXPECT_NULL(test, dev->driver);
	mock_driver_del(test, drv);

	KUNIT_ASSERT_EQ(test, log->n, 2);
	KUNIT_EXPECT_EQ(test, log->event[0], IOMMU_GROUP_NOTIFY_BIND_DRIVER);
	KUNIT_EXPECT_EQ(test, log->event[1], IOMMU_GROUP_NOTIFY_UNBOUND_DRIVER);
	iommu_group_unregister_notifier(group, &log->nb);
	iommu_group_put(group);
}

static void bus_notifier_events_follow_device_lifetime(struct kunit *test)
{
	static const unsigned long expect[] = {
		IOMMU_GROUP_NOTIFY_ADD_DEVICE,
		IOMMU_GROUP_NOTIFY_BIND_DRIVER,
		IOMMU_GROUP_NOTIFY_BOUND_DRIVER,
		IOMMU_GROUP_NOTIFY_UNBIND_DRIVER,
		IOMMU_GROUP_NOTIFY_UNBOUND_DRIVER,
		IOMMU_GROUP_NOTIFY_DEL_DEVICE,
	};
	struct device_driver *drv;
	struct iommu_group *group;
	struct event_log *log;
	struct device *first, *dev;
	int i, j = 0;

	mock_bus_take(test);
	first = bus_dev_add(test, "mock0", 5);
	group = iommu_group_get(first);
	KUNIT_ASSERT_NOT_NULL(test, group);
	log = event_log_register(test, group);

	dev = bus_dev_add(test, "mock1", 5);	/* joins first's group */
	drv = mock_driver_register(test);
	dev_del(test, dev);
	mock_driver_del(test, drv);

	/* The log has first's bind and unbind too; look at dev's only. */
	for (i = 0; i < log->n; i++) {
		if (log->dev[i] != dev)
			continue;
		KUNIT_ASSERT_LT(test, j, (int)ARRAY_SIZE(expect));
		KUNIT_EXPECT_EQ(test, log->event[i], expect[j]);
		j++;
	}
	KUNIT_EXPECT_EQ(test, j, (int)ARRAY_SIZE(expect));
	iommu_group_unregister_notifier(group, &log->nb);
	iommu_group_put(group);
}

static int iommu_group_suite_init(struct kunit_suite *suite)
{
	return iommu_kunit_suite_init(&mock_bus);
}

static void iommu_group_suite_exit(struct kunit_suite *suite)
{
	iommu_kunit_suite_exit(&mock_bus);
}

static struct kunit_case iommu_group_test_cases[] = {
	KUNIT_CASE(iommu_group_alloc_uses_lowest_free_id),
	KUNIT_CASE(iommu_group_alloc_creates_sysfs_dir),
	KUNIT_CASE(iommu_group_put_frees_on_last_reference),
	KUNIT_CASE(iommu_group_iommudata_round_trips),
	KUNIT_CASE(iommu_group_iommudata_released_once_after_members),
	KUNIT_CASE(iommu_group_outlives_last_device_while_referenced),
	KUNIT_CASE(iommu_group_generic_device_group_isolates),
	KUNIT_CASE(iommu_group_add_device_links_both_ways),
	KUNIT_CASE(iommu_group_remove_device_drops_links),
	KUNIT_CASE(iommu_group_get_returns_counted_group),
	KUNIT_CASE(iommu_group_debugfs_lists_live_members),
	KUNIT_CASE(iommu_group_debugfs_reader_outlives_group),
	KUNIT_CASE(iommu_group_add_device_twice_fails),
	KUNIT_CASE(iommu_group_name_clash_gets_suffix),
	KUNIT_CASE(iommu_group_walk_visits_in_join_order),
	KUNIT_CASE(iommu_group_walk_stops_on_nonzero),
	KUNIT_CASE(iommu_group_walk_may_get_group),
	KUNIT_CASE(iommu_group_set_name_adds_name_file),
	KUNIT_CASE(iommu_group_set_name_null_removes_file),
	KUNIT_CASE(iommu_group_notifier_reports_add_and_del),
	KUNIT_CASE(iommu_group_notifier_unregister_stops_events),
	{}
};

static struct kunit_suite iommu_group_test_suite = {
	.name = "iommu_group",
	.suite_init = iommu_group_suite_init,
	.suite_exit = iommu_group_suite_exit,
	.test_cases = iommu_group_test_cases,
};

kunit_test_suite(iommu_group_test_suite);

/* The bus registry, the bus notifier and the core's record of a device. */
static struct kunit_case iommu_group_bus_test_cases[] = {
	KUNIT_CASE(bus_set_iommu_replays_existing_devices),
	KUNIT_CASE(bus_set_iommu_refuses_second_ops),
	KUNIT_CASE(bus_set_iommu_null_returns_the_bus),
	KUNIT_CASE(bus_set_iommu_requires_add_device),
	KUNIT_CASE(bus_notifier_groups_added_devices),
	KUNIT_CASE(bus_notifier_removes_deleted_devices),
	KUNIT_CASE(bus_notifier_never_groups_deleted_devices),
	KUNIT_CASE(bus_notifier_skips_untranslated_devices),
	KUNIT_CASE(bus_notifier_survives_driver_error),
	KUNIT_CASE(iommu_probe_device_adds_once),
	KUNIT_CASE(iommu_probe_device_keeps_group),
	KUNIT_CASE(bus_record_only_for_accepted_devices),
	KUNIT_CASE(bus_remove_device_pairs_with_add),
	KUNIT_CASE(iommu_probe_device_regroups_accepted_device),
	KUNIT_CASE(bus_links_devices_to_their_unit),
	KUNIT_CASE(bus_notifier_forwards_driver_events),
	KUNIT_CASE(bus_notifier_reports_failed_probe_as_unbound),
	KUNIT_CASE(bus_notifier_events_follow_device_lifetime),
	{}
};

static struct kunit_suite iommu_group_bus_test_suite = {
	.name = "iommu_group_bus",
	.suite_init = iommu_group_suite_init,
	.suite_exit = iommu_group_suite_exit,
	.test_cases = iommu_group_bus_test_cases,
};

kunit_test_suite(iommu_group_bus_test_suite);

/* --- Concurrency ------------------------------------------------------- */

#define STRESS_GROUPS	4
#define STRESS_DEVS	8
#define STRESS_OPS	10000

struct stress {
	struct kunit *test;
	struct iommu_group *group[STRESS_GROUPS];
	struct release_count rc[STRESS_GROUPS];
	struct device *dev[STRESS_DEVS];
	atomic_t adds, removes, events;
	struct completion done[5];
	int ops[5];
};

struct stress_thread {
	struct stress *s;
	int index;
	int (*fn)(struct stress *s, u32 r);
};

struct stress_nb {
	struct notifier_block nb;
	struct stress *s;
};

/* Count every event; a permanent notifier also counts departures. */
static int stress_events(struct notifier_block *nb, unsigned long event,
			 void *data)
{
	struct stress *s = container_of(nb, struct stress_nb, nb)->s;

	atomic_inc(&s->events);
	if (nb->priority && event == IOMMU_GROUP_NOTIFY_DEL_DEVICE)
		atomic_inc(&s->removes);
	return NOTIFY_OK;
}

/* Add a device to a group or take it out of its group. */
static int stress_membership(struct stress *s, u32 r)
{
	struct device *dev = s->dev[r % STRESS_DEVS];
	struct iommu_group *group;

	if (r & 0x100) {
		group = s->group[(r >> 4) % STRESS_GROUPS];
		if (!add_locked(group, dev))
			atomic_inc(&s->adds);
		return 0;
	}
	remove_locked(dev);
	return 0;
}

static int stress_count(struct device *dev, void *data)
{
	(*(int *)data)++;
	return 0;
}

/*
 * Look a device's group up, walk it, and drop it again.  The group must be
 * one of ours.  The device (and every other member) may leave while we hold
 * the reference, so the walk may find anything from none to all devices.
 */
static int stress_lookup(struct stress *s, u32 r)
{
	struct iommu_group *group = iommu_group_get(s->dev[r % STRESS_DEVS]);
	int i, n = 0;

	if (!group)
		return 0;
	for (i = 0; i < STRESS_GROUPS && s->group[i] != group; i++)
		;
	iommu_group_for_each_dev(group, &n, stress_count);
	iommu_group_put(group);
	return i < STRESS_GROUPS && n <= STRESS_DEVS ? 0 : -EINVAL;
}

/* Register and unregister a notifier on a group. */
static int stress_notifier(struct stress *s, u32 r)
{
	struct stress_nb n = { .nb.notifier_call = stress_events, .s = s };
	struct iommu_group *group = s->group[r % STRESS_GROUPS];
	int ret;

	ret = iommu_group_register_notifier(group, &n.nb);
	if (ret)
		return ret;
	cond_resched();
	return iommu_group_unregister_notifier(group, &n.nb);
}

/* Read what userspace reads: the name file and a member link. */
static int stress_sysfs(struct stress *s, u32 r)
{
	struct iommu_group *group = s->group[r % STRESS_GROUPS];
	char path[64], buf[16];
	int ret;

	snprintf(path, sizeof(path), "kernel/iommu_groups/%d/name",
		 iommu_group_id(group));
	ret = iommu_kunit_sysfs_read(path, buf, sizeof(buf));
	if (ret)
		return ret;
	if (strcmp(buf, "stress\n"))
		return -EINVAL;
	iommu_kunit_group_member(iommu_group_id(group),
				 dev_name(s->dev[r % STRESS_DEVS]));
	return 0;
}

static int stress_thread_fn(void *data)
{
	struct stress_thread *t = data;
	struct stress *s = t->s;
	u32 r = t->index * 7919 + 1;
	int i, ret = 0;

	for (i = 0; i < STRESS_OPS && !ret; i++) {
		r = r * 1103515245 + 12345;
		ret = t->fn(s, r >> 8);
		s->ops[t->index]++;
		cond_resched();
	}
	if (ret)
		kunit_err(s->test, "thread %d failed at op %d: %d", t->index,
			  i, ret);
	complete(&s->done[t->index]);
	return ret;
}

static void iommu_group_concurrent_users_stay_consistent(struct kunit *test)
{
	static int (* const fns[])(struct stress *, u32) = {
		stress_membership, stress_membership, stress_lookup,
		stress_notifier, stress_sysfs,
	};
	struct stress_nb *watch;
	struct stress_thread *t;
	struct stress *s;
	int i, members = 0, grouped = 0;

	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	t = kunit_kcalloc(test, ARRAY_SIZE(fns), sizeof(*t), GFP_KERNEL);
	watch = kunit_kcalloc(test, STRESS_GROUPS, sizeof(*watch), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_NOT_NULL(test, watch);
	s->test = test;
	for (i = 0; i < STRESS_GROUPS; i++) {
		struct iommu_group *group = group_alloc(test);

		s->group[i] = group;
		iommu_group_set_iommudata(group, &s->rc[i], count_release);
		KUNIT_ASSERT_EQ(test, iommu_group_set_name(group, "stress"), 0);
		/* priority marks the permanent watchers */
		watch[i] = (struct stress_nb){
			.nb = { .notifier_call = stress_events, .priority = 1 },
			.s = s,
		};
		KUNIT_ASSERT_EQ(test, iommu_group_register_notifier(group,
								    &watch[i].nb),
				0);
	}
	for (i = 0; i < STRESS_DEVS; i++) {
		char name[24];
		int ret;

		snprintf(name, sizeof(name), "iommu-kunit-s%d", i);
		s->dev[i] = plain_dev_add(test, NULL, name);
		ret = kunit_add_action_or_reset(test, group_remove_action,
						s->dev[i]);
		KUNIT_ASSERT_EQ(test, ret, 0);
	}

	for (i = 0; i < ARRAY_SIZE(fns); i++) {
		struct task_struct *task;

		init_completion(&s->done[i]);
		t[i] = (struct stress_thread){ s, i, fns[i] };
		task = kthread_run(stress_thread_fn, &t[i], "iommu-stress/%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	}
	for (i = 0; i < ARRAY_SIZE(fns); i++) {
		wait_for_completion(&s->done[i]);
		KUNIT_EXPECT_EQ(test, s->ops[i], STRESS_OPS);
	}

	/* Every member is in exactly one group, and the counts add up. */
	for (i = 0; i < STRESS_GROUPS; i++)
		iommu_group_for_each_dev(s->group[i], &members, stress_count);
	for (i = 0; i < STRESS_DEVS; i++) {
		int id = iommu_kunit_dev_group_link(s->dev[i]);

		KUNIT_EXPECT_EQ(test, !!s->dev[i]->iommu_group, id >= 0);
		if (id >= 0)
			grouped++;
	}
	KUNIT_EXPECT_EQ(test, members, grouped);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->adds) - atomic_read(&s->removes),
			grouped);
	kunit_info(test, "%d adds, %d removes, %d events seen",
		   atomic_read(&s->adds), atomic_read(&s->removes),
		   atomic_read(&s->events));

	for (i = 0; i < STRESS_DEVS; i++)
		remove_locked(s->dev[i]);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->adds), atomic_read(&s->removes));
	for (i = 0; i < STRESS_GROUPS; i++) {
		iommu_group_unregister_notifier(s->group[i], &watch[i].nb);
		group_put(test, s->group[i]);
		KUNIT_EXPECT_EQ(test, s->rc[i].calls, 1);
	}
}

static struct kunit_case iommu_stress_test_cases[] = {
	KUNIT_CASE_SLOW(iommu_group_concurrent_users_stay_consistent),
	{}
};

static struct kunit_suite iommu_stress_test_suite = {
	.name = "iommu_group_stress",
	.suite_init = iommu_group_suite_init,
	.suite_exit = iommu_group_suite_exit,
	.test_cases = iommu_stress_test_cases,
};

kunit_test_suite(iommu_stress_test_suite);

#ifdef CONFIG_FAILSLAB

/* --- Allocation failures ----------------------------------------------- */

struct fault_ctx {
	struct iommu_group *group;
	struct device *dev;
	struct release_count rc;
	int id;
};

static int fault_alloc_op(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;

	c->group = iommu_group_alloc();
	if (IS_ERR(c->group))
		return PTR_ERR(c->group);
	c->id = iommu_group_id(c->group);
	iommu_group_set_iommudata(c->group, &c->rc, count_release);
	return 0;
}

static void fault_alloc_undo(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;

	KUNIT_EXPECT_TRUE(test, iommu_kunit_group_exists(c->id));
	iommu_group_put(c->group);
	KUNIT_EXPECT_EQ(test, c->rc.calls, 1);
	c->rc.calls = 0;
}

static void fault_alloc_check(struct kunit *test, void *data)
{
	KUNIT_EXPECT_EQ(test, ((struct fault_ctx *)data)->rc.calls, 0);
}

static void iommu_group_alloc_survives_allocation_failures(struct kunit *test)
{
	static const struct iommu_kunit_fault_case fc = {
		fault_alloc_op, fault_alloc_undo, fault_alloc_check,
	};
	struct fault_ctx c = {};

	kunit_info(test, "%d allocations walked",
		   iommu_kunit_fault_walk(test, &fc, &c));
}

static int fault_add_op(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;

	return add_locked(c->group, c->dev);
}

static void fault_add_undo(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;

	KUNIT_EXPECT_EQ(test, iommu_kunit_dev_group_link(c->dev), c->id);
	KUNIT_EXPECT_PTR_EQ(test,
			    iommu_kunit_group_member(c->id, dev_name(c->dev)),
			    c->dev->kobj.sd);
	remove_locked(c->dev);
}

static void fault_add_check(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;

	KUNIT_EXPECT_NULL(test, c->dev->iommu_group);
	KUNIT_EXPECT_EQ(test, iommu_kunit_dev_group_link(c->dev), -1);
	KUNIT_EXPECT_NULL(test,
			  iommu_kunit_group_member(c->id, dev_name(c->dev)));
	KUNIT_EXPECT_EQ(test, c->rc.calls, 0);
	KUNIT_EXPECT_TRUE(test, iommu_kunit_group_exists(c->id));
}

static void iommu_group_add_device_survives_allocation_failures(struct kunit *test)
{
	static const struct iommu_kunit_fault_case fc = {
		fault_add_op, fault_add_undo, fault_add_check,
	};
	struct fault_ctx c = {};

	c.group = group_alloc(test);
	c.id = iommu_group_id(c.group);
	iommu_group_set_iommudata(c.group, &c.rc, count_release);
	c.dev = plain_dev_add(test, NULL, "iommu-kunit-d0");
	kunit_info(test, "%d allocations walked",
		   iommu_kunit_fault_walk(test, &fc, &c));
	group_put(test, c.group);
	KUNIT_EXPECT_EQ(test, c.rc.calls, 1);
}

static int fault_name_op(struct kunit *test, void *data)
{
	return iommu_group_set_name(((struct fault_ctx *)data)->group, "new");
}

static void fault_name_read(struct kunit *test, struct fault_ctx *c,
			    const char *expect)
{
	char path[48], buf[16];

	snprintf(path, sizeof(path), "kernel/iommu_groups/%d/name", c->id);
	KUNIT_ASSERT_EQ(test,
			iommu_kunit_sysfs_read(path, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, expect);
}

static void fault_name_undo(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;

	fault_name_read(test, c, "new\n");
	KUNIT_EXPECT_EQ(test, iommu_group_set_name(c->group, "old"), 0);
}

static void fault_name_check(struct kunit *test, void *data)
{
	fault_name_read(test, data, "old\n");
}

static void iommu_group_set_name_survives_allocation_failures(struct kunit *test)
{
	static const struct iommu_kunit_fault_case fc = {
		fault_name_op, fault_name_undo, fault_name_check,
	};
	struct fault_ctx c = {};

	c.group = group_alloc(test);
	c.id = iommu_group_id(c.group);
	KUNIT_ASSERT_EQ(test, iommu_group_set_name(c.group, "old"), 0);
	kunit_info(test, "%d allocations walked",
		   iommu_kunit_fault_walk(test, &fc, &c));
}

/*
 * A device added to the mock bus: the driver core's allocations and the
 * IOMMU core's behind the bus notifier both fail in turn.
 */
static int fault_bus_add_op(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;
	struct mock_dev *mdev = kzalloc(sizeof(*mdev), GFP_KERNEL);
	int ret;

	if (!mdev)
		return -ENOMEM;
	device_initialize(&mdev->dev);
	mdev->dev.release = mock_dev_release;
	mdev->dev.bus = &mock_bus;
	ret = dev_set_name(&mdev->dev, "mock-fault");
	if (!ret)
		ret = device_add(&mdev->dev);
	if (ret) {
		put_device(&mdev->dev);
		return ret;
	}
	c->dev = &mdev->dev;
	return 0;
}

static void fault_bus_add_undo(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;
	int id = iommu_kunit_dev_group_link(c->dev);

	/* The device may have come without a group; then it has no link. */
	KUNIT_EXPECT_EQ(test, !!c->dev->iommu_group, id >= 0);
	if (id >= 0)
		KUNIT_EXPECT_PTR_EQ(test,
				    iommu_kunit_group_member(id, "mock-fault"),
				    c->dev->kobj.sd);
	device_unregister(c->dev);
	if (id >= 0)
		KUNIT_EXPECT_FALSE(test, iommu_kunit_group_exists(id));
	c->dev = NULL;
}

static void fault_bus_add_check(struct kunit *test, void *data)
{
	KUNIT_EXPECT_NULL(test, ((struct fault_ctx *)data)->dev);
}

static void bus_notifier_survives_allocation_failures(struct kunit *test)
{
	static const struct iommu_kunit_fault_case fc = {
		fault_bus_add_op, fault_bus_add_undo, fault_bus_add_check,
	};
	struct fault_ctx c = {};

	mock_bus_take(test);
	kunit_info(test, "%d allocations walked",
		   iommu_kunit_fault_walk(test, &fc, &c));
}

static int fault_bus_set_op(struct kunit *test, void *data)
{
	return bus_set_iommu(&mock_bus, &mock_ops);
}

static void fault_bus_set_undo(struct kunit *test, void *data)
{
	KUNIT_EXPECT_EQ(test, bus_set_iommu(&mock_bus, NULL), 0);
}

static void fault_bus_set_check(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;

	/* No group left behind, and the bus is free again. */
	KUNIT_EXPECT_NULL(test, c->dev->iommu_group);
	KUNIT_EXPECT_EQ(test, iommu_kunit_dev_group_link(c->dev), -1);
	KUNIT_EXPECT_EQ(test, bus_set_iommu(&mock_bus, NULL), -ENODEV);
}

static void bus_set_iommu_survives_allocation_failures(struct kunit *test)
{
	static const struct iommu_kunit_fault_case fc = {
		fault_bus_set_op, fault_bus_set_undo, fault_bus_set_check,
	};
	struct fault_ctx c = {};

	c.dev = bus_dev_add(test, "mock0", 0);
	bus_dev_add(test, "mock1", 0);
	kunit_info(test, "%d allocations walked",
		   iommu_kunit_fault_walk(test, &fc, &c));
}

/* Two groups: @a with d0, @b with d1 and d2, which a merge moves to @a. */
struct fault_merge_ctx {
	struct iommu_group *a, *b;
	struct device *dev[3];
	struct event_log *log;
};

static int fault_merge_op(struct kunit *test, void *data)
{
	struct fault_merge_ctx *c = data;

	guard(mutex)(&iommu_probe_device_lock);
	return PTR_ERR_OR_ZERO(iommu_group_merge(c->a, c->b));
}

/*
 * @dev is a member of @group, with both links, and of no other group; the
 * merge's temporary link is gone.
 */
static void fault_expect_member(struct kunit *test, struct device *dev,
				struct iommu_group *group,
				struct iommu_group *other)
{
	int id = iommu_group_id(group);

	KUNIT_EXPECT_PTR_EQ(test, dev->iommu_group, group);
	KUNIT_EXPECT_EQ(test, iommu_kunit_dev_group_link(dev), id);
	KUNIT_EXPECT_NULL(test, iommu_kunit_dev_node(dev, "iommu_group.next"));
	KUNIT_EXPECT_PTR_EQ(test, iommu_kunit_group_member(id, dev_name(dev)),
			    dev->kobj.sd);
	KUNIT_EXPECT_NULL(test, iommu_kunit_group_member(iommu_group_id(other),
							 dev_name(dev)));
}

/* All three in @a; then d1 and d2 go back to @b for the next run. */
static void fault_merge_undo(struct kunit *test, void *data)
{
	struct fault_merge_ctx *c = data;
	int i;

	KUNIT_EXPECT_EQ(test, iommu_kunit_group_members(c->a), 3);
	KUNIT_EXPECT_EQ(test, iommu_kunit_group_members(c->b), 0);
	for (i = 0; i < 3; i++)
		fault_expect_member(test, c->dev[i], c->a, c->b);
	for (i = 1; i < 3; i++) {
		remove_locked(c->dev[i]);
		KUNIT_EXPECT_EQ(test, add_locked(c->b, c->dev[i]),
				0);
	}
	c->log->n = 0;
}

/*
 * Nothing moved: d1 and d2 are still members of @b only, each of them was
 * told it left @b and came back, and @b still exists.
 */
static void fault_merge_check(struct kunit *test, void *data)
{
	struct fault_merge_ctx *c = data;
	int i;

	KUNIT_EXPECT_EQ(test, iommu_kunit_group_members(c->a), 1);
	KUNIT_EXPECT_EQ(test, iommu_kunit_group_members(c->b), 2);
	fault_expect_member(test, c->dev[0], c->a, c->b);
	for (i = 1; i < 3; i++)
		fault_expect_member(test, c->dev[i], c->b, c->a);
	KUNIT_EXPECT_TRUE(test, iommu_kunit_group_exists(iommu_group_id(c->b)));
	if (c->log->n) {
		KUNIT_EXPECT_EQ(test, c->log->n, 4);
		KUNIT_EXPECT_EQ(test, c->log->event[0],
				IOMMU_GROUP_NOTIFY_DEL_DEVICE);
		KUNIT_EXPECT_EQ(test, c->log->event[3],
				IOMMU_GROUP_NOTIFY_ADD_DEVICE);
	}
	c->log->n = 0;
}

static void iommu_group_merge_survives_allocation_failures(struct kunit *test)
{
	static const struct iommu_kunit_fault_case fc = {
		.op = fault_merge_op,
		.undo = fault_merge_undo,
		.check = fault_merge_check,
	};
	struct fault_merge_ctx c = {};
	char name[24];
	int i;

	c.a = group_alloc(test);
	c.b = group_alloc(test);
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "iommu-kunit-m%d", i);
		c.dev[i] = plain_dev_add(test, NULL, name);
		group_add(test, i ? c.b : c.a, c.dev[i]);
	}
	c.log = event_log_register(test, c.b);
	kunit_info(test, "%d allocations walked",
		   iommu_kunit_fault_walk(test, &fc, &c));
	iommu_group_unregister_notifier(c.b, &c.log->nb);
}

/*
 * Removal: the device is the last member of its group and holds the last
 * reference, so the group dies with the removal.
 */
static int fault_remove_op(struct kunit *test, void *data)
{
	remove_locked(((struct fault_ctx *)data)->dev);
	return 0;
}

/* Gone from its group, which is gone; then a new group for the next run. */
static void fault_remove_undo(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;

	KUNIT_EXPECT_NULL(test, c->dev->iommu_group);
	KUNIT_EXPECT_EQ(test, iommu_kunit_dev_group_link(c->dev), -1);
	KUNIT_EXPECT_FALSE(test, iommu_kunit_group_exists(c->id));
	KUNIT_EXPECT_EQ(test, c->rc.calls, 1);

	c->rc.calls = 0;
	c->group = iommu_group_alloc();
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c->group);
	c->id = iommu_group_id(c->group);
	iommu_group_set_iommudata(c->group, &c->rc, count_release);
	KUNIT_EXPECT_EQ(test, add_locked(c->group, c->dev), 0);
	iommu_group_put(c->group);
}

static void fault_remove_check(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;

	KUNIT_EXPECT_PTR_EQ(test, c->dev->iommu_group, c->group);
	KUNIT_EXPECT_EQ(test, iommu_kunit_dev_group_link(c->dev), c->id);
}

static void iommu_group_remove_device_survives_allocation_failures(struct kunit *test)
{
	static const struct iommu_kunit_fault_case fc = {
		.op = fault_remove_op,
		.undo = fault_remove_undo,
		.check = fault_remove_check,
	};
	struct fault_ctx c = {};

	c.dev = plain_dev_add(test, NULL, "iommu-kunit-r0");
	c.group = iommu_group_alloc();
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c.group);
	c.id = iommu_group_id(c.group);
	iommu_group_set_iommudata(c.group, &c.rc, count_release);
	KUNIT_EXPECT_EQ(test, add_locked(c.group, c.dev), 0);
	iommu_group_put(c.group);
	kunit_info(test, "%d allocations walked",
		   iommu_kunit_fault_walk(test, &fc, &c));
	remove_locked(c.dev);
	KUNIT_EXPECT_EQ(test, c.rc.calls, 1);
}

/*
 * A grouped device deleted from the mock bus: the driver core's removal and
 * the bus notifier's, through the driver's remove_device, both run with
 * their allocations failing in turn.  The test keeps a reference on the
 * device to look at it afterwards.
 */
static int fault_bus_del_op(struct kunit *test, void *data)
{
	device_unregister(((struct fault_ctx *)data)->dev);
	return 0;
}

static void fault_bus_del_undo(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;

	KUNIT_EXPECT_NULL(test, c->dev->iommu_group);
	KUNIT_EXPECT_FALSE(test, iommu_kunit_group_exists(c->id));
	KUNIT_EXPECT_EQ(test, mock.removes, 1);
	put_device(c->dev);

	/* A new device in a new group, for the next run. */
	mock.removes = 0;
	c->dev = NULL;
	KUNIT_ASSERT_EQ(test, fault_bus_add_op(test, c), 0);
	get_device(c->dev);
	c->id = iommu_kunit_dev_group_link(c->dev);
}

static void fault_bus_del_check(struct kunit *test, void *data)
{
	struct fault_ctx *c = data;

	KUNIT_ASSERT_NOT_NULL(test, c->dev);
	KUNIT_EXPECT_GE(test, c->id, 0);
	KUNIT_EXPECT_EQ(test, iommu_group_id(c->dev->iommu_group), c->id);
}

static void bus_notifier_removal_survives_allocation_failures(struct kunit *test)
{
	static const struct iommu_kunit_fault_case fc = {
		.op = fault_bus_del_op,
		.undo = fault_bus_del_undo,
		.check = fault_bus_del_check,
	};
	struct fault_ctx c = {};

	mock_bus_take(test);
	KUNIT_ASSERT_EQ(test, fault_bus_add_op(test, &c), 0);
	get_device(c.dev);
	c.id = iommu_kunit_dev_group_link(c.dev);
	kunit_info(test, "%d allocations walked",
		   iommu_kunit_fault_walk(test, &fc, &c));
	device_unregister(c.dev);
	put_device(c.dev);
}

static struct kunit_case iommu_fault_test_cases[] = {
	KUNIT_CASE(iommu_group_alloc_survives_allocation_failures),
	KUNIT_CASE(iommu_group_add_device_survives_allocation_failures),
	KUNIT_CASE(iommu_group_set_name_survives_allocation_failures),
	KUNIT_CASE(bus_notifier_survives_allocation_failures),
	KUNIT_CASE(bus_set_iommu_survives_allocation_failures),
	KUNIT_CASE(iommu_group_merge_survives_allocation_failures),
	KUNIT_CASE(iommu_group_remove_device_survives_allocation_failures),
	KUNIT_CASE(bus_notifier_removal_survives_allocation_failures),
	{}
};

static struct kunit_suite iommu_fault_test_suite = {
	.name = "iommu_group_faults",
	.suite_init = iommu_group_suite_init,
	.suite_exit = iommu_group_suite_exit,
	.init = iommu_kunit_fault_init,
	.test_cases = iommu_fault_test_cases,
};

kunit_test_suite(iommu_fault_test_suite);

#endif /* CONFIG_FAILSLAB */

MODULE_DESCRIPTION("KUnit tests for IOMMU groups");
MODULE_LICENSE("GPL");
