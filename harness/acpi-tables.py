#!/usr/bin/env python3
"""Hand-made ACPI tables for the topologies (acpitable:, acpi-upgrade:).

Usage: acpi-tables.py NAME OUT

A table for -acpitable is written to OUT whole.  An upgrade table gets
QEMU's OEM id and OEM table id ("BOCHS ", "BXPC    ") with a higher OEM
revision, so that Linux (CONFIG_ACPI_TABLE_UPGRADE) replaces QEMU's table
of that signature; OUT is then a cpio archive holding it as
kernel/firmware/acpi/<signature>.aml, to put before the initramfs.
"""
import os
import struct
import subprocess
import sys
import tempfile


def table(sig, rev, oem, oem_table, oem_rev, body, creator=b'KUNT'):
    hdr = struct.pack('<4sIBB6s8sI4sI', sig, 36 + len(body), rev, 0,
                      oem, oem_table, oem_rev, creator, 1)
    t = bytearray(hdr + body)
    t[9] = -sum(t) & 0xff
    return bytes(t)


def dmar_scope_overrun():
    """DMAR whose only DRHD (offset 0x30, 24 bytes long) holds an IO-APIC
    scope entry at 0x40 that claims 32 bytes: runs past its structure."""
    body = bytes([38, 0]) + bytes(10)
    body += struct.pack('<HHBBHQ', 0, 24, 1, 0, 0, 0xfed90000)
    body += bytes([3, 32, 0, 0, 0, 0xff, 0, 0])
    return table(b'DMAR', 1, b'KUNIT ', b'BADSCOPE', 1, body)


def vtd_dmar(rmrrs):
    """A catch-all unit at QEMU's address and RMRRs (base, end, 00:1f.fn)."""
    body = bytes([38, 0]) + bytes(10)
    body += struct.pack('<HHBBHQ', 0, 24, 1, 0, 0, 0xfed90000)   # DRHD, all
    body += bytes([3, 8, 0, 0, 0, 0xff, 0, 0])                   # IO-APIC
    for base, end, fn in rmrrs:
        body += struct.pack('<HHHHQQ', 1, 32, 0, 0, base, end)   # RMRR
        body += bytes([1, 8, 0, 0, 0, 0, 0x1f, fn])              # 00:1f.fn
    return b'DMAR', body


def vtd_rmrr():
    """A catch-all unit and two overlapping RMRRs for 00:1f.2 and 00:1f.3."""
    return vtd_dmar(((0x7f000000, 0x7f0fffff, 2), (0x7f080000, 0x7f1fffff, 3)))


def vtd_rmrr_ram():
    """An RMRR for 00:1f.2 at 16 MiB, in the guest's usable RAM."""
    return vtd_dmar(((0x01000000, 0x010fffff, 2),))


def vtd_rmrr_edu():
    """A catch-all unit and an RMRR for QEMU's edu device at 00:02.0: 1 MiB
    at 224 MiB, below edu's 28-bit DMA mask; the topology boots with
    memmap=1M$0xe000000, so the guest's e820 has it reserved."""
    body = bytes([38, 0]) + bytes(10)
    body += struct.pack('<HHBBHQ', 0, 24, 1, 0, 0, 0xfed90000)   # DRHD, all
    body += bytes([3, 8, 0, 0, 0, 0xff, 0, 0])                   # IO-APIC
    body += struct.pack('<HHHHQQ', 1, 32, 0, 0, 0x0e000000, 0x0e0fffff)
    body += bytes([1, 8, 0, 0, 0, 0, 0x02, 0])                   # 00:02.0
    return b'DMAR', body


def ivrs(entries):
    """An IVRS with one IVHD 10h for 00:01.0 at 0xfed80000."""
    ivhd = struct.pack('<BBHHHQHHI', 0x10, 0, 24 + len(entries), 0x0008,
                       0x40, 0xfed80000, 0, 0, 0) + entries
    return table(b'IVRS', 2, b'KUNIT ', b'AMDTEST ', 1,
                 struct.pack('<IQ', 0x00203040, 0) + ivhd, b'TEST')


def entry(kind, devid, data=0):
    return struct.pack('<BHB', kind, devid, data)


def ivrs_malformed():
    """A range start 00:00.0 without its end."""
    return ivrs(entry(3, 0x0000))


def ivrs_absent():
    """Valid, 00:00.0 to 00:1f.7, but no unit answers without amd-iommu."""
    return ivrs(entry(3, 0x0000) + entry(4, 0x00ff))


def amd_ivrs_upgrade():
    """QEMU's IVRS of amd-basic.topo, but 01:00.0 is an alias select entry
    for 00:04.0 (a cross-bus alias), and an IVMD unity range (read and
    write, 2 MiB at 0x7f000000) for 00:1f.2."""
    entries = entry(2, 0x0000) + entry(2, 0x0008) + entry(2, 0x0010)
    entries += entry(0x42, 0x0100) + entry(0, 0x0020)
    entries += entry(2, 0x0018) + entry(2, 0x0200)
    entries += entry(0x43, 0x0300) + entry(0, 0x0300) + entry(4, 0x03ff)
    for devid in (0x0020, 0x0021, 0x00f8, 0x00fa, 0x00fb):
        entries += entry(2, devid)
    ivhd = struct.pack('<BBHHHQHHI', 0x10, 0xd1, 24 + len(entries), 0x0008,
                       0x40, 0xfed80000, 0, 0x0044, 0) + entries
    ivmd = struct.pack('<BBHHH8xQQ', 0x21, 0x07, 32, 0x00fa, 0, 0x7f000000, 0x200000)
    return b'IVRS', struct.pack('<IQ', 0x00002800, 0) + ivhd + ivmd


def amd_ivrs_edu_ivmd():
    """An IVRS for edu.topo's machine: one unit at 00:01.0 for 00:00.0 to
    00:1f.7, and an IVMD unity range (read and write, 1 MiB at 224 MiB) for
    edu at 00:02.0, the range memmap=1M$0xe000000 reserves."""
    entries = entry(3, 0x0000) + entry(4, 0x00ff)
    ivhd = struct.pack('<BBHHHQHHI', 0x10, 0xd1, 24 + len(entries), 0x0008,
                       0x40, 0xfed80000, 0, 0x0044, 0) + entries
    ivmd = struct.pack('<BBHHH8xQQ', 0x21, 0x07, 32, 0x0010, 0, 0x0e000000, 0x100000)
    return b'IVRS', struct.pack('<IQ', 0x00002800, 0) + ivhd + ivmd


WHOLE = {'dmar-scope-overrun': dmar_scope_overrun, 'ivrs-malformed': ivrs_malformed,
         'ivrs-absent': ivrs_absent}
UPGRADES = {'vtd-rmrr': vtd_rmrr, 'vtd-rmrr-ram': vtd_rmrr_ram, 'vtd-rmrr-edu': vtd_rmrr_edu,
            'amd-ivrs-upgrade': amd_ivrs_upgrade, 'amd-ivrs-edu-ivmd': amd_ivrs_edu_ivmd}


def write_upgrade(sig, body, out):
    t = table(sig, 1, b'BOCHS ', b'BXPC    ', 2, body)
    name = 'kernel/firmware/acpi/' + sig.decode().lower() + '.aml'
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, os.path.dirname(name)))
        with open(os.path.join(root, name), 'wb') as f:
            f.write(t)
        names = ['kernel', 'kernel/firmware', 'kernel/firmware/acpi', name]
        with open(out, 'wb') as f:
            subprocess.run(['cpio', '-o', '-H', 'newc', '--quiet'],
                           input='\n'.join(names).encode() + b'\n',
                           stdout=f, cwd=root, check=True)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in {**WHOLE, **UPGRADES}:
        print('usage: acpi-tables.py %s OUT' % '|'.join(sorted({**WHOLE, **UPGRADES})),
              file=sys.stderr)
        sys.exit(2)
    name, out = sys.argv[1:]
    if name in WHOLE:
        with open(out, 'wb') as f:
            f.write(WHOLE[name]())
    else:
        write_upgrade(*UPGRADES[name](), out)


main()
