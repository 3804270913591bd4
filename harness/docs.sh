#!/bin/bash
# The driver-api book with the kernel's Sphinx setup (build/docs); fails if
# a warning names one of our files.  Slow (minutes), so not in make test.
set -eu
. "$(dirname "$0")/lib.sh"
[ $# = 0 ] || usage "(no arguments)"
"$H/tree.sh" > /dev/null
"$H/deps.sh" python3-sphinx python3-yaml
"$H/kbuild.sh" make x86_64 "$B/docs" -s SPHINXDIRS=driver-api htmldocs > "$B/docs.log" 2>&1 ||
	{ tail -n 20 "$B/docs.log"; exit 1; }
! grep -iE 'warning|error' "$B/docs.log" |
	grep -E 'iommu-groups|drivers/iommu/|linux/iommu\.h|sysfs-(kernel|class)-iommu'
echo "docs: no warning from our files; $B/docs/Documentation/output/driver-api/iommu-groups.html"
