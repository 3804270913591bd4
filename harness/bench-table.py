#!/usr/bin/env python3
# The table of uml-bench.sh: DIR/<core>-<round>.rows of both cores (lines
# of drivers/iommu/tests/iommu_pci_bench_kunit.c), medians over the rounds
# per shape and size, the ratio upstream/ours, and the checks: every row
# of each core in every round, and equal groups in every boot of both.
# Exits 1 if a check fails.
import os
import re
import statistics
import sys

# ours-amd: our core through AMD-Vi's IVRS lookups (iommu_pci_bench_ours.c).
CORES = ('ours', 'ours-amd', 'upstream')
d = sys.argv[1]
runs = {c: [] for c in CORES}          # core -> [{(shape, n): row}]
capped = {c: {} for c in CORES}        # core -> {(shape, n): predicted ns}
skipped = set()
order = []
for c in CORES:
    names = [f for f in os.listdir(d) if re.fullmatch(r'%s-\d+\.rows' % c, f)]
    for name in sorted(names):
        rows = {}
        for line in open(os.path.join(d, name)):
            f = line.split()
            if not f:
                continue
            if f[0] == 'row':
                key = (f[1], int(f[2]))
                rows[key] = dict(ns=int(f[3]), groups=int(f[4]),
                                 expected=int(f[5]), bytes=int(f[6]))
            elif f[0] == 'capped':
                key = (f[1], int(f[2]))
                capped[c].setdefault(key, []).append(int(f[3]))
            elif f[0] == 'skipped':
                key = (f[1], int(f[2]))
                skipped.add(key)
            else:
                continue
            if key not in order:
                order.append(key)
        runs[c].append(rows)

bad = []
if not all(runs[c] for c in CORES):
    bad.append('a core has no boot with rows: %s' %
               ', '.join('%s %d' % (c, len(runs[c])) for c in CORES))


def median(c, key, what):
    v = [r[key][what] for r in runs[c] if key in r]
    return statistics.median(v) if v else None


def groups(c, key):
    return {r[key]['groups'] for r in runs[c] if key in r}


def ms(ns):
    return '%.1f' % (ns / 1e6)


print('bench: boots: %s; medians; ratio = upstream / ours; amd: ours through '
      "AMD-Vi's IVRS lookups" % ', '.join('%d of %s' % (len(runs[c]), c)
                                          for c in CORES))
hdr = ('shape', 'N', 'ours ns/dev', 'ours ms', 'amd ns/dev', 'up ns/dev',
       'up ms', 'ratio', 'amd ratio', 'groups', 'ours B/dev', 'up B/dev')
fmt = '%-6s %6s %11s %9s %10s %10s %10s %7s %9s %7s %10s %9s'
print('bench: ' + fmt % hdr)
for key in order:
    shape, n = key
    if key in skipped:
        print('bench: %-6s %6s skipped: does not fit one PCI segment' %
              (shape, n))
        continue
    cells = {}
    for c in CORES:
        ns = median(c, key, 'ns')
        if ns is None and key in capped[c]:
            cells[c] = ('capped', '>%s' % ms(min(capped[c][key])), None, '')
        elif ns is None:
            cells[c] = ('-', '-', None, '-')
            if not capped[c]:
                bad.append('%s %s %d: no row' % (c, shape, n))
        else:
            b = median(c, key, 'bytes')
            cells[c] = ('%.0f' % (ns / n), ms(ns), ns, '%.0f' % (b / n))
        for r in runs[c]:
            if key not in r and key not in capped[c]:
                bad.append('%s %s %d: missing in a boot' % (c, shape, n))
                break
    g = {c: groups(c, key) for c in CORES}
    every = set().union(*g.values())
    if len(every) > 1:
        bad.append('%s %d: groups differ: %s' % (shape, n, ', '.join(
            '%s %s' % (c, sorted(g[c])) for c in CORES)))
        gcell = 'DIFFER'
    else:
        gcell = str(every.pop()) if every else '-'
    o, a, u = (cells[c][2] for c in CORES)
    ratio = '%.2f' % (u / o) if o and u else '-'
    aratio = '%.2f' % (u / a) if a and u else '-'
    print('bench: ' + fmt % (shape, n, cells['ours'][0], cells['ours'][1],
                             cells['ours-amd'][0], cells['upstream'][0],
                             cells['upstream'][1], ratio, aratio, gcell,
                             cells['ours'][3], cells['upstream'][3]))

# Growth from 1,024 to 16,384 functions, and memory per group and member
# from the flat rows (groups of one) and the pods rows (two per 256).
for c in CORES:
    growth = []
    for shape in dict.fromkeys(s for s, _ in order):
        lo, hi = median(c, (shape, 1024), 'ns'), median(c, (shape, 16384), 'ns')
        if lo and hi:
            growth.append('%s %.1f' % (shape, hi / lo))
    print('bench: %s t(16384)/t(1024) (linear 16, goal <= 20): %s' %
          (c, ', '.join(growth) or '-'))
    for n in (1024, 4096, 16384):
        bf, bp = median(c, ('flat', n), 'bytes'), median(c, ('pods', n), 'bytes')
        gp = groups(c, ('pods', n))
        if bf is None or bp is None or len(gp) != 1:
            continue
        gp = gp.pop()
        member = (bp - gp * bf / n) / (n - gp)
        print('bench: %s memory at %d: %.0f bytes per group, %.0f per member '
              '(slab growth over the add)' % (c, n, bf / n - member, member))

for b in bad:
    print('bench: FAILED: %s' % b)
sys.exit(1 if bad else 0)
