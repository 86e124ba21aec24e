#!/usr/bin/env python3
"""Packs the secure flash image QEMU loads with -bios.

Layout (docs/image-layout.md): the monitor at offset 0 (at most 1 MiB), a
16-byte header at 1 MiB (magic "TVSTK1", STK size), the STK image at
1 MiB + 4 KiB. Every constant here mirrors lib/board/qemu-virt/board.h.
"""
import struct
import sys

FLASH_STK_HDR = 0x100000
FLASH_STK_IMAGE = 0x101000
STK_IMAGE_MAGIC = 0x314B54535654
STK_MAX = 0x00F00000
FLASH_SIZE = 64 << 20


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: mkflash.py OUT MONITOR.bin STK.bin")
    out, mon_path, stk_path = sys.argv[1:]
    mon = open(mon_path, "rb").read()
    stk = open(stk_path, "rb").read()
    if len(mon) > FLASH_STK_HDR:
        sys.exit(f"mkflash: monitor is {len(mon)} bytes, more than the {FLASH_STK_HDR} it may use")
    if not stk or len(stk) > STK_MAX:
        sys.exit(f"mkflash: STK is {len(stk)} bytes, outside 1..{STK_MAX}")
    img = bytearray(FLASH_STK_IMAGE + len(stk))
    img[: len(mon)] = mon
    img[FLASH_STK_HDR : FLASH_STK_HDR + 16] = struct.pack("<QQ", STK_IMAGE_MAGIC, len(stk))
    img[FLASH_STK_IMAGE:] = stk
    assert len(img) <= FLASH_SIZE
    with open(out, "wb") as f:
        f.write(img)


if __name__ == "__main__":
    main()
