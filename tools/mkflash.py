#!/usr/bin/env python3
"""Packs a system's secure flash image (QEMU's flash0, file-backed: the
monitor writes its anti-rollback record into the last sector, and the
VMs' trusted storage into the region from 16 MiB up; a rebuild keeps both).

Layout (docs/image-layout.md, docs/secure-boot.md): the monitor at offset 0
(at most 1 MiB), the STK image at 1 MiB + 4 KiB (its size is in the signed
manifest), the manifest at 15 MiB, the device secret at 15 MiB + 64 KiB, the partition map
at 15 MiB + 128 KiB, the PAL signers at 15 MiB + 192 KiB.
Every constant here mirrors lib/board/qemu-virt/board.h.
"""
import os
import sys

FLASH_STK_IMAGE = 0x101000
FLASH_MANIFEST = 0xF00000
FLASH_MANIFEST_MAX = 0x10000
FLASH_DEVICE_SECRET = 0xF10000
FLASH_PARTMAP = 0xF20000
FLASH_PARTMAP_MAX = 0x10000
FLASH_SIGNERS = 0xF30000
MONITOR_MAX = 0x100000
STK_MAX = FLASH_MANIFEST - FLASH_STK_IMAGE
FLASH_STORE = 0x1000000
FLASH_NV_COUNTER = 0x3FC0000
FLASH_SECTOR = 0x40000
FLASH_SIZE = 64 << 20


def main():
    if len(sys.argv) != 8:
        sys.exit("usage: mkflash.py OUT MONITOR.bin STK.bin MANIFEST.bin DEVICE-SECRET.bin "
                 "PARTITIONS.bin SIGNERS.bin")
    out = sys.argv[1]
    mon, stk, man, secret, pmap, signers = (open(p, "rb").read() for p in sys.argv[2:])
    if len(mon) > MONITOR_MAX:
        sys.exit(f"mkflash: monitor is {len(mon)} bytes, more than the {MONITOR_MAX} it may use")
    if not stk or len(stk) > STK_MAX:
        sys.exit(f"mkflash: STK is {len(stk)} bytes, outside 1..{STK_MAX}")
    if not man or len(man) > FLASH_MANIFEST_MAX:
        sys.exit(f"mkflash: manifest is {len(man)} bytes, outside 1..{FLASH_MANIFEST_MAX}")
    if len(secret) != 32:
        sys.exit(f"mkflash: the device secret is {len(secret)} bytes, not 32")
    if not pmap or len(pmap) > FLASH_PARTMAP_MAX:
        sys.exit(f"mkflash: partition map is {len(pmap)} bytes, outside 1..{FLASH_PARTMAP_MAX}")
    if not signers or len(signers) > FLASH_PARTMAP_MAX:
        sys.exit(f"mkflash: the signer list is {len(signers)} bytes, outside 1..{FLASH_PARTMAP_MAX}")
    img = bytearray(FLASH_SIGNERS + len(signers))
    img[: len(mon)] = mon
    img[FLASH_STK_IMAGE : FLASH_STK_IMAGE + len(stk)] = stk
    img[FLASH_MANIFEST : FLASH_MANIFEST + len(man)] = man
    img[FLASH_DEVICE_SECRET : FLASH_DEVICE_SECRET + len(secret)] = secret
    img[FLASH_PARTMAP:FLASH_PARTMAP + len(pmap)] = pmap
    img[FLASH_SIGNERS:] = signers
    nv = b"\xff" * FLASH_SECTOR
    store = b""  # a new flash's storage sectors read as zero: the STK erases what it uses
    try:
        with open(out, "rb") as f:
            f.seek(FLASH_STORE)
            old = f.read(FLASH_NV_COUNTER - FLASH_STORE + FLASH_SECTOR)
        if len(old) == FLASH_NV_COUNTER - FLASH_STORE + FLASH_SECTOR:
            store, nv = old[:-FLASH_SECTOR], old[-FLASH_SECTOR:]
    except OSError:
        pass
    with open(out + ".tmp", "wb") as f:
        f.write(img)
        f.truncate(FLASH_SIZE)
        if store.strip(b"\0"):
            f.seek(FLASH_STORE)
            f.write(store)
        f.seek(FLASH_NV_COUNTER)
        f.write(nv)
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
