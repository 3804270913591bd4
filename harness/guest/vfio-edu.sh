#!/bin/sh
# vfio-edu.sh [-s SIBLING] BDF CASE...: the userspace VFIO driver of
# guest/vfio-edu.c (built static into /bin by mkinitramfs.sh) on QEMU's edu
# device; one "@@VFIO ok|not-ok CASE ..." line per case, which
# topologies/vfio/*.topo expect and vfio-test.sh compares between kernels.
exec vfio-edu "$@"
