#!/usr/bin/env python3
"""The analyses of distro.sh, each printing plain lines for the shell.

  distro.py config PEER_CONFIG OURS_CONFIG README
      Every symbol whose value olddefconfig gave differently on the pristine
      tree (PEER) and on ours, against the README's table between
      "<!-- distro-config -->" and "<!-- /distro-config -->" (rows
      "| `SYMBOL` | peer | ours | why |", "n" for unset).  Prints one line
      per disagreement; exit status 1 if there is one.
  distro.py files SRC DRY_RUN_LOG STOCK_KO_LIST
      The files kbuild would compile (a dry run's gcc commands) that reach
      the IOMMU headers by #include, outside drivers/iommu: one line
      "FILE.o vmlinux" or "FILE.o MODULE_PATH N" (MODULE_PATH as in
      Module.symvers, from the stock package's list of .ko files; N: the
      number of objects the module is made of).
  distro.py symbols STOCK_SYMVERS OURS_SYMVERS NM_OUTPUT
      NM_OUTPUT: "nm -uA" of module objects.  Prints each undefined symbol
      that stock 6.12 exports from vmlinux or from drivers/iommu and our
      build does not: such a module does not load on our kernel.  A symbol
      stock 6.12 does not export is the module's own.
"""
import os
import re
import sys

# The headers whose implementation was upstream's drivers/iommu.
SEEDS = ['include/linux/' + h for h in (
    'iommu.h', 'iova.h', 'amd-iommu.h', 'dmar.h', 'iommu-dma.h',
    'iommufd.h', 'io-pgtable.h', 'of_iommu.h')]
SKIP = ('tools/', 'Documentation/', 'scripts/', 'samples/', 'drivers/iommu/')
INCLUDE = re.compile(rb'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)


def kconfig(path):
    vals = {}
    for line in open(path):
        m = re.match(r'CONFIG_(\w+)=(.*)', line)
        if m:
            vals[m.group(1)] = m.group(2)
        m = re.match(r'# CONFIG_(\w+) is not set', line)
        if m:
            vals[m.group(1)] = 'n'
    return vals


def config(peer_path, ours_path, readme):
    peer, ours = kconfig(peer_path), kconfig(ours_path)
    got = {}
    for sym in set(peer) | set(ours):
        a, b = peer.get(sym, 'n'), ours.get(sym, 'n')
        if a != b:
            got[sym] = (a, b)
    text = open(readme).read()
    m = re.search(r'<!-- distro-config -->(.*?)<!-- /distro-config -->', text, re.S)
    if not m:
        print('README has no <!-- distro-config --> table')
        return 1
    listed = {}
    for row in re.finditer(r'^\|\s*`(\w+)`\s*\|\s*`?([^|`]*?)`?\s*\|\s*`?([^|`]*?)`?\s*\|',
                           m.group(1), re.M):
        listed[row.group(1)] = (row.group(2), row.group(3))
    bad = 0
    for sym in sorted(set(got) | set(listed)):
        if sym not in listed:
            print('%s: %s on upstream, %s on ours, not in the README' % (sym, *got[sym]))
        elif sym not in got:
            print('%s: listed in the README, but olddefconfig gives both %s' %
                  (sym, peer.get(sym, 'n')))
        elif got[sym] != listed[sym]:
            print('%s: %s on upstream, %s on ours; the README says %s, %s' %
                  (sym, *got[sym], *listed[sym]))
        else:
            continue
        bad = 1
    print('# %d symbols differ, as listed' % len(got) if not bad else
          '# %d symbols differ' % len(got))
    return bad


def sources(src):
    """Every C file and header of the tree that kbuild may compile for x86."""
    for top, dirs, files in os.walk(src):
        rel = os.path.relpath(top, src)
        rel = '' if rel == '.' else rel + '/'
        if rel.startswith(SKIP[:4]) or (rel.startswith('arch/') and rel != 'arch/' and
                                         not rel.startswith('arch/x86/')):
            dirs[:] = []
            continue
        dirs[:] = [d for d in dirs if not d.startswith('.')]
        for f in files:
            if f.endswith(('.c', '.h')):
                yield rel + f


def files(src, dry_run, ko_list):
    paths = set(sources(src))
    # Includes that name no file by the usual rules (a -I of the driver's
    # Makefile): the files of that name in the same driver directory.
    by_name = {}
    for p in paths:
        by_name.setdefault(os.path.basename(p), []).append(p)
    users = {}
    for p in paths:
        try:
            data = open(os.path.join(src, p), 'rb').read()
        except OSError:
            continue
        here = os.path.dirname(p)
        for inc in INCLUDE.findall(data):
            inc = inc.decode(errors='replace')
            found = None
            for cand in (os.path.normpath(os.path.join(here, inc)),
                         'include/' + inc, 'arch/x86/include/' + inc,
                         'include/uapi/' + inc, 'arch/x86/include/uapi/' + inc):
                if cand in paths:
                    found = [cand]
                    break
            if found is None:
                near = '/'.join(p.split('/')[:3])
                found = [q for q in by_name.get(os.path.basename(inc), [])
                         if q.startswith(near) and q.endswith(inc)]
            for f in found:
                users.setdefault(f, set()).add(p)
    reach, todo = set(SEEDS), list(SEEDS)
    while todo:
        for u in users.get(todo.pop(), ()):
            if u not in reach:
                reach.add(u)
                todo.append(u)
    kos = {}
    for line in open(ko_list):
        m = re.search(r'/kernel/(\S+)\.ko', line)
        if m:
            kos[os.path.basename(m.group(1)).replace('-', '_')] = m.group(1)
    compiled = re.compile(r"\s-c\s+-o\s+(\S+\.o)\s+(\S+\.c)(?=[\s;]|$)")
    modname = re.compile(r"-DKBUILD_MODNAME='\"(\w+)\"'")
    seen, size, out = set(), {}, []
    for line in open(dry_run, errors='replace'):
        m = compiled.search(line)
        if not m:
            continue
        obj, c = m.group(1), m.group(2)
        name = modname.search(line) if ' -DMODULE ' in line else None
        name = name.group(1) if name else None
        size[name] = size.get(name, 0) + 1
        c = os.path.relpath(c, os.path.abspath(src)) if os.path.isabs(c) else c
        while c.startswith('../'):
            c = c.split('/', 1)[1]
        if c not in reach or c.startswith(SKIP) or obj in seen:
            continue
        seen.add(obj)
        out.append((obj, name))
    for obj, name in out:
        print(obj, 'vmlinux' if name is None else
              '%s %d' % (kos.get(name, '?'), size[name]))
    return 0


def symbols(stock, ours, nm_out):
    def exports(path):
        owner = {}
        for line in open(path):
            cols = line.rstrip('\n').split('\t')
            if len(cols) >= 3:
                owner[cols[1]] = cols[2]
        return owner
    stock_owner, ours_owner = exports(stock), exports(ours)
    missing = {}
    for line in open(nm_out):
        m = re.match(r'(\S+?\.o):\s+U\s+(\S+)', line)
        if not m:
            continue
        obj, sym = m.groups()
        owner = stock_owner.get(sym)
        if owner is None or sym in ours_owner:
            continue
        if owner == 'vmlinux' or owner.startswith('drivers/iommu/'):
            missing.setdefault(sym, set()).add(obj)
    for sym in sorted(missing):
        print('%s (stock: %s) needed by %s' % (sym, stock_owner[sym],
                                                ' '.join(sorted(missing[sym]))))
    return 1 if missing else 0


def main(argv):
    cmds = {'config': (config, 3), 'files': (files, 3), 'symbols': (symbols, 3)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) != 2 + cmds[argv[1]][1]:
        sys.stderr.write(__doc__)
        return 2
    return cmds[argv[1]][0](*argv[2:])


if __name__ == '__main__':
    sys.exit(main(sys.argv))
