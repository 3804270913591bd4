#!/usr/bin/env python3
"""Talk to a QEMU guest through QMP: PCI hotplug in step with its serial
log, and where a guest about to be killed at its time limit is.

usage: qmp.py hotplug SOCKET LOG BUS CYCLES [DRIVER]
           Hot add and remove a DRIVER (default e1000e) device on QEMU bus
           BUS, CYCLES times. The guest takes part through LOG, its serial
           console: it prints "@@HP_READY" once, then for cycle i (from 1)
           "@@HP_IN i ..." when it has seen the device arrive and
           "@@HP_OUT i" when it has seen it go. Before the next device_add
           QEMU's DEVICE_DELETED event is awaited too. Prints one line,
           "qmp: N cycles in S s" or "qmp: failed at cycle N: why".
       qmp.py regs WAIT SOCKET [SYSTEM_MAP]
           After WAIT seconds, where each vCPU of the guest is (for a boot
           about to be killed at its time limit): one "@@HUNG cpuN pc=ADDR
           SYMBOL+OFF halted|running" line per vCPU, from "info registers
           -a", the symbol from SYSTEM_MAP (halted: x86 only).  With "-"
           for WAIT and a file for SOCKET, that file holds the registers'
           text instead.

The guest's side is guest/hotplug.sh; a line waited for is only taken at
the start of a line and up to a word's end ("@@HP_IN 1" is not
"@@HP_IN 10"), so the kernel command line's echo never matches.
"""
import json
import re
import socket
import sys
import time


class Log:
    """A growing serial log, read from where the last match left off."""

    def __init__(self, path):
        self.path, self.pos, self.rest = path, 0, ''

    def wait(self, text, limit=90.0):
        end = time.monotonic() + limit
        while True:
            try:
                with open(self.path, 'rb') as f:
                    f.seek(self.pos)
                    data = f.read()
            except OSError:
                data = b''
            self.pos += len(data)
            self.rest += data.decode('utf-8', 'replace').replace('\r', '')
            lines = self.rest.split('\n')
            self.rest = lines.pop()
            for i, line in enumerate(lines):
                if line == text or line.startswith(text + ' '):
                    # Keep what follows the match for the next wait.
                    self.rest = '\n'.join(lines[i + 1:] + [self.rest])
                    return line
            if time.monotonic() > end:
                return None
            time.sleep(0.02)


class Qmp:
    """One QMP session on a unix socket; events are kept for later."""

    def __init__(self, path, limit=60.0):
        end = time.monotonic() + limit
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > end:
                    raise
                time.sleep(0.2)
        self.file = self.sock.makefile('rw')
        self.events = []
        self.file.readline()		# the greeting
        self.cmd('qmp_capabilities')

    def _read(self):
        line = self.file.readline()
        if not line:
            raise EOFError('QEMU closed the QMP socket')
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {'execute': name}
        if args:
            msg['arguments'] = args
        self.file.write(json.dumps(msg) + '\n')
        self.file.flush()
        while True:
            r = self._read()
            if 'return' in r or 'error' in r:
                return r
            self.events.append(r)

    def event(self, name, dev_id, limit=90.0):
        """Wait for event NAME about device DEV_ID."""
        end = time.monotonic() + limit
        while True:
            for e in self.events:
                if e.get('event') == name and \
                   e.get('data', {}).get('device') == dev_id:
                    self.events.remove(e)
                    return e
            left = end - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                self.events.append(self._read())
            except (socket.timeout, TimeoutError):
                return None
            finally:
                self.sock.settimeout(None)


def hotplug(sock, log_path, bus, cycles, driver):
    log = Log(log_path)
    if log.wait('@@HP_READY', 120) is None:
        return 'guest never printed @@HP_READY', 0
    q = Qmp(sock)
    for i in range(1, cycles + 1):
        dev_id = 'hp%d' % i
        r = q.cmd('device_add', driver=driver, id=dev_id, bus=bus)
        if 'error' in r:
            return 'device_add: %s' % r['error'].get('desc'), i
        if log.wait('@@HP_IN %d' % i) is None:
            return 'the guest did not see the device arrive', i
        # Native PCIe hotplug refuses a removal while the slot's power
        # indicator blinks: the guest's pciehp is still bringing the device
        # up (a driver, e1000e's, probing it).  Ask again for up to 60 s.
        for _ in range(300):
            r = q.cmd('device_del', id=dev_id)
            if 'guest is busy' not in r.get('error', {}).get('desc', ''):
                break
            time.sleep(0.2)
        if 'error' in r:
            return 'device_del: %s' % r['error'].get('desc'), i
        if log.wait('@@HP_OUT %d' % i) is None:
            return 'the guest did not see the device go', i
        # The slot is free again only when QEMU has finished the unplug.
        # After the last cycle the guest may already be powering off.
        if i < cycles and q.event('DEVICE_DELETED', dev_id) is None:
            return 'no DEVICE_DELETED event', i
    return None, cycles


def text_symbols(system_map):
    """The code symbols of a System.map, as (address, name), or []."""
    syms = []
    try:
        with open(system_map) as f:
            for line in f:
                addr, kind, name = (line.split() + ['', ''])[:3]
                if kind.lower() in ('t', 'w'):
                    syms.append((int(addr, 16), name))
    except (OSError, ValueError):
        return []
    return syms


def symbolize(syms, pc):
    """SYMBOL+0xOFF for address PC, the nearest symbol at or below it."""
    best = max((s for s in syms if s[0] <= pc), default=None)
    return '%s+0x%x' % (best[1], pc - best[0]) if best else '?'


def hung_lines(text, system_map):
    """One @@HUNG line per vCPU of "info registers -a" TEXT."""
    syms = text_symbols(system_map) if system_map else []
    out = []
    for cpu in re.split(r'^CPU#', text, flags=re.M)[1:]:
        n = cpu.split(None, 1)[0]
        pc = re.search(r'\b(?:RIP=|NIP )([0-9a-f]+)', cpu)
        hlt = re.search(r'\bHLT=(\d)', cpu)
        if not pc:
            out.append('@@HUNG cpu%s pc=? (no program counter shown)' % n)
            continue
        addr = int(pc.group(1), 16)
        if addr < 1 << 63:
            sym = 'user'	# both arches' kernels live in the top half
        else:
            sym = symbolize(syms, addr)
        # HLT= is x86's; a POWER vCPU always shows as running.
        state = 'halted' if hlt and hlt.group(1) == '1' else 'running'
        out.append('@@HUNG cpu%s pc=%x %s %s' % (n, addr, sym, state))
    return out or ['qmp: info registers showed no vCPU']


def regs(sock, system_map):
    """Ask QEMU for its vCPUs' registers; hung_lines() of them."""
    r = Qmp(sock, 5.0).cmd('human-monitor-command',
                           **{'command-line': 'info registers -a'})
    if 'error' in r:
        return ['qmp: info registers: %s' % r['error'].get('desc')]
    return hung_lines(r['return'], system_map)


def usage():
    sys.stderr.write(__doc__.split('\n\n')[1] + '\n')
    sys.exit(2)


def main(argv):
    if len(argv) < 2:
        usage()
    what, args = argv[1], argv[2:]
    if what == 'hotplug' and len(args) in (4, 5) and args[3].isdigit():
        start = time.monotonic()
        why, n = hotplug(args[0], args[1], args[2], int(args[3]),
                         args[4] if len(args) == 5 else 'e1000e')
        if why:
            print('qmp: failed at cycle %d: %s' % (n, why))
            return 1
        print('qmp: %d cycles in %.0f s' % (n, time.monotonic() - start))
        return 0
    if what == 'regs' and len(args) in (2, 3) and \
       (args[0].isdigit() or args[0] == '-'):
        smap = args[2] if len(args) == 3 else None
        if args[0] == '-':
            with open(args[1]) as f:
                lines = hung_lines(f.read(), smap)
        else:
            time.sleep(int(args[0]))
            lines = regs(args[1], smap)
        print('\n'.join(lines))
        return 0
    usage()


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv))
    except (OSError, EOFError, ValueError) as e:
        print('qmp: %s' % e)
        sys.exit(1)
