#!/usr/bin/env python3
"""Wrap an ACPI table body as an initrd upgrade of QEMU's own table.

Usage: acpi-upgrade.py SIGNATURE OUT.cpio < BODY

BODY is the table without its 36-byte header.  The header gets QEMU's OEM
id and OEM table id ("BOCHS ", "BXPC    ") with a higher OEM revision, so
that Linux (CONFIG_ACPI_TABLE_UPGRADE) replaces QEMU's table of that
signature; the checksum is filled in.  OUT.cpio holds the table as
kernel/firmware/acpi/<signature>.aml, for qemu-run.sh's INITRD_PREPEND.
"""
import os
import struct
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) != 3 or len(sys.argv[1]) != 4:
        print('usage: acpi-upgrade.py SIGNATURE OUT.cpio < BODY', file=sys.stderr)
        sys.exit(2)
    sig, out = sys.argv[1], sys.argv[2]
    body = sys.stdin.buffer.read()
    hdr = struct.pack('<4sIBB6s8sI4sI', sig.encode(), 36 + len(body), 1, 0,
                      b'BOCHS ', b'BXPC    ', 2, b'KUNT', 1)
    table = bytearray(hdr + body)
    table[9] = -sum(table) & 0xff
    with tempfile.TemporaryDirectory() as root:
        d = os.path.join(root, 'kernel', 'firmware', 'acpi')
        os.makedirs(d)
        with open(os.path.join(d, sig.lower() + '.aml'), 'wb') as f:
            f.write(table)
        names = ['kernel', 'kernel/firmware', 'kernel/firmware/acpi',
                 'kernel/firmware/acpi/' + sig.lower() + '.aml']
        with open(out, 'wb') as f:
            subprocess.run(['cpio', '-o', '-H', 'newc', '--quiet'],
                           input='\n'.join(names).encode() + b'\n',
                           stdout=f, cwd=root, check=True)


main()
