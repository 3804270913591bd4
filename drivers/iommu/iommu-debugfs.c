// SPDX-License-Identifier: GPL-2.0-only
/*
 * Explanations: every member carries the reason it shares its group, and
 * /sys/kernel/debug/iommu/groups lists them, one "<id> <device>: <reason>"
 * line per member, groups in the order of their ids.  A user whose group is
 * larger than hoped sees why.
 *
 * One file for all groups, made once: a file per group cost each group a
 * dentry and an inode (about 780 bytes, half a group's memory) and its
 * creation.  The reader walks the groups by id (iommu_group_next()), holding
 * a reference on the group it is at and taking only that group's mutex; when
 * it moves on it may drop a group's last reference, and so release it.
 */

#include <linux/cleanup.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>

#include "iommu-core.h"

/* The group at id *@pos or the next one after it, with a reference. */
static void *iommu_groups_start(struct seq_file *s, loff_t *pos)
{
	unsigned long id = *pos;
	struct iommu_group *group = iommu_group_next(&id);

	if (group)
		*pos = id;
	return group;
}

static void *iommu_groups_next(struct seq_file *s, void *v, loff_t *pos)
{
	unsigned long id = *pos + 1;
	struct iommu_group *group;

	iommu_group_put(v);
	group = iommu_group_next(&id);
	*pos = group ? id : *pos + 1;
	return group;
}

static void iommu_groups_stop(struct seq_file *s, void *v)
{
	iommu_group_put(v);	/* NULL at the end */
}

static int iommu_groups_show(struct seq_file *s, void *v)
{
	struct iommu_group *group = v;
	struct group_device *gdev;

	guard(mutex)(&group->mutex);
	list_for_each_entry(gdev, &group->devices, list)
		seq_printf(s, "%d %s: %s\n", group->id, dev_name(gdev->dev),
			   gdev->reason ?: "added by its IOMMU driver");
	return 0;
}

static const struct seq_operations iommu_groups_sops = {
	.start = iommu_groups_start,
	.next = iommu_groups_next,
	.stop = iommu_groups_stop,
	.show = iommu_groups_show,
};

static int iommu_groups_open(struct inode *inode, struct file *file)
{
	return seq_open(file, &iommu_groups_sops);
}

/* read_iter, so that kernel_read() works too (the tests read it). */
static const struct file_operations iommu_groups_fops = {
	.owner = THIS_MODULE,
	.open = iommu_groups_open,
	.read_iter = seq_read_iter,
	.llseek = seq_lseek,
	.release = seq_release,
};

/*
 * Made "unsafe", without debugfs's proxy (which has no read_iter): the file
 * is never removed, so no reader can outlive it.
 */
void __init iommu_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("iommu", NULL);

	debugfs_create_file_unsafe("groups", 0444, dir, NULL,
				   &iommu_groups_fops);
}
