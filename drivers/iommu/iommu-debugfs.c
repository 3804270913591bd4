// SPDX-License-Identifier: GPL-2.0-only
/*
 * Explanations: every member carries the reason it shares its group, and
 * /sys/kernel/debug/iommu/groups/<id> lists them, one "<device>: <reason>"
 * line per member.  A user whose group is larger than hoped sees why.
 *
 * Locks: a reader takes the group's mutex only.  The file is removed when
 * the group dies (iommu_group_release()), which waits for its readers; they
 * hold no reference on the group, so nothing reaches it afterwards.
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

static struct dentry *iommu_groups_debugfs;

static int iommu_group_reasons_show(struct seq_file *s, void *unused)
{
	struct iommu_group *group = s->private;
	struct group_device *gdev;

	guard(mutex)(&group->mutex);
	list_for_each_entry(gdev, &group->devices, list)
		seq_printf(s, "%s: %s\n", dev_name(gdev->dev),
			   gdev->reason ?: "added by its IOMMU driver");
	return 0;
}

static int iommu_group_reasons_open(struct inode *inode, struct file *file)
{
	return single_open(file, iommu_group_reasons_show, inode->i_private);
}

/*
 * The file is created "unsafe" (debugfs proxies no read_iter, and we want
 * kernel_read() to work), so every operation that reaches the group pins the
 * file itself: read_iter and llseek both run show().  While pinned,
 * iommu_group_debugfs_del() waits and the group stays; once the file is
 * removed, debugfs_file_get() fails and nothing reaches the dead group.  open
 * is pinned by debugfs, and release touches only the seq_file.
 */
static ssize_t iommu_group_reasons_read(struct kiocb *iocb,
					struct iov_iter *to)
{
	struct dentry *dentry = iocb->ki_filp->f_path.dentry;
	ssize_t ret;

	ret = debugfs_file_get(dentry);
	if (ret)
		return ret;
	ret = seq_read_iter(iocb, to);
	debugfs_file_put(dentry);
	return ret;
}

static loff_t iommu_group_reasons_llseek(struct file *file, loff_t offset,
					 int whence)
{
	struct dentry *dentry = file->f_path.dentry;
	loff_t ret;

	ret = debugfs_file_get(dentry);
	if (ret)
		return ret;
	ret = seq_lseek(file, offset, whence);
	debugfs_file_put(dentry);
	return ret;
}

static const struct file_operations iommu_group_reasons_fops = {
	.owner = THIS_MODULE,
	.open = iommu_group_reasons_open,
	.read_iter = iommu_group_reasons_read,
	.llseek = iommu_group_reasons_llseek,
	.release = single_release,
};

void iommu_group_debugfs_add(struct iommu_group *group)
{
	char name[16];

	snprintf(name, sizeof(name), "%d", group->id);
	group->debugfs = debugfs_create_file_unsafe(name, 0444,
						    iommu_groups_debugfs,
						    group,
						    &iommu_group_reasons_fops);
}

/* Waits for readers of the file; they hold no reference on the group. */
void iommu_group_debugfs_del(struct iommu_group *group)
{
	debugfs_remove(group->debugfs);
	group->debugfs = NULL;
}

void __init iommu_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("iommu", NULL);

	iommu_groups_debugfs = debugfs_create_dir("groups", dir);
}

