#!/bin/sh
# A real kernel WARN (LKDTM) SECONDS from now, in the background: the boot
# must then fail its kernel-log check (qemu-run.sh's PLANT_WARN=1).
# Usage: plant-warn.sh SECONDS
(sleep "${1:?usage: plant-warn.sh SECONDS}"
 echo WARNING > /sys/kernel/debug/provoke-crash/DIRECT && echo "@@PLANTED a WARN") &
