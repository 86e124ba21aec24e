"""The STK has no drivers (the SoK's class I01): its own translation tables,
read from the running system through QEMU's gdbstub at S-EL1, map its own
region of secure SRAM, the console UART, the monitor's measurement records,
the normal-world window and the console's shared line-state page (normal
world RAM, non-secure, never executable), and nothing else. The only
Device mapping is the UART's page."""
import os
import socket
import struct
import subprocess
import tempfile

import pytest

from qemu import BUILD, ROOT, System, build_ok

pytestmark = pytest.mark.skipif(not build_ok("single"), reason="system not built")

PAGE = 4096
VALID, TABLE = 1, 2
NS_BIT = 1 << 5
ATTR_DEVICE = 0  # AttrIndx of MAIR_VALUE's Device-nGnRnE (lib/include/tzv/pt.h)
XN_BITS = (1 << 53) | (1 << 54)
NS_WINDOW = 0x200000000  # tee/arch/mmu.c: NS_WIN_VA, one L2 gigabyte


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def board_constants(names):
    """The values of the board's macros, from lib/board/qemu-virt/board.h
    itself (compiled on the host)."""
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "c.c")
        with open(src, "w") as f:
            f.write('#include <stdio.h>\n#include <board.h>\nint main(void) {\n')
            for n in names:
                f.write(f'printf("%lu\\n", (unsigned long)({n}));\n')
            f.write("return 0;\n}\n")
        exe = os.path.join(d, "c")
        subprocess.run(["gcc", "-I", os.path.join(ROOT, "lib/board/qemu-virt"), "-I",
                        os.path.join(ROOT, "lib/include"), "-o", exe, src], check=True)
        out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    return dict(zip(names, (int(v) for v in out.split())))


def read_tables(port, dump_dir):
    """Stop the STK in a fast call and dump its root table, its table pool
    and the window's tables, with TTBR0_EL1 at that moment."""
    tables = ["root", "pool", "ns_l2", "ns_l3"]
    cmds = ["set confirm off", "set architecture aarch64",
            f"file {os.path.join(BUILD, 'tee.elf')}", f"target remote 127.0.0.1:{port}",
            "break stk_fast_smc", "continue", "p/x $TTBR0_EL1"]
    for t in tables:
        cmds += [f"p/x &'mmu.c'::{t}", f"p sizeof('mmu.c'::{t})",
                 f"dump binary memory {dump_dir}/{t}.bin (char*)&'mmu.c'::{t} "
                 f"(char*)&'mmu.c'::{t}+sizeof('mmu.c'::{t})"]  # (gdb splits at spaces)
    cmds.append("detach")
    args = ["gdb-multiarch", "-batch", "-nx"]
    for c in cmds:
        args += ["-ex", c]
    g = subprocess.run(args, capture_output=True, text=True, timeout=90)
    values = [int(line.split("=")[1].strip(), 0) for line in g.stdout.splitlines()
              if line.startswith("$")]
    assert len(values) == 1 + 2 * len(tables), g.stdout + g.stderr
    ttbr, mem = values[0], {}
    for i, t in enumerate(tables):
        base, size = values[1 + 2 * i], values[2 + 2 * i]
        with open(f"{dump_dir}/{t}.bin", "rb") as f:
            data = f.read()
        assert len(data) == size, t
        for off in range(0, size, PAGE):
            mem[base + off] = data[off:off + PAGE]
    return ttbr, values[1], mem


def leaves(mem, table, level=1, va=0):
    """Every valid leaf under table: (va, size, descriptor). A table the
    walk needs that is not one of the STK's own fails the test."""
    assert table in mem, f"a level-{level} table at 0x{table:x} outside the STK's tables"
    shift = 39 - 9 * level
    for i, d in enumerate(struct.unpack("<512Q", mem[table])):
        if not d & VALID:
            continue
        at = va + (i << shift)
        if level < 3 and d & TABLE:
            yield from leaves(mem, d & 0x0000fffffffff000, level + 1, at)
        else:
            assert level == 3 or not d & TABLE
            yield at, 1 << shift, d


def test_the_stks_tables_map_no_device_but_the_console():
    c = board_constants(["UART0_BASE", "STK_BASE", "STK_SIZE", "MEASURE_BASE", "MEASURE_SIZE",
                         "CONSOLE_SHARED_BASE"])
    port = free_port()
    s = System("single", extra_args=("-gdb", f"tcp:127.0.0.1:{port}", "-S"),
               log_name="stk-map")
    try:
        with tempfile.TemporaryDirectory() as d:
            ttbr, root, mem = read_tables(port, d)
    finally:
        s.close()
    assert ttbr & 0x0000fffffffff000 == root, "the CPU was not on the STK's own tables"
    allowed = [(c["STK_BASE"], c["STK_SIZE"]), (c["UART0_BASE"], PAGE),
               (c["MEASURE_BASE"], c["MEASURE_SIZE"])]
    devices, mapped = [], 0
    for va, size, d in leaves(mem, root):
        pa = d & 0x0000fffffffff000
        attr = (d >> 2) & 7
        mapped += size
        if attr == ATTR_DEVICE:
            devices.append((va, pa, size))
        if NS_WINDOW <= va < NS_WINDOW + (1 << 30):
            # a normal-world page for one access: non-secure, never executable
            assert d & NS_BIT and d & XN_BITS == XN_BITS and attr != ATTR_DEVICE, hex(va)
            continue
        if va == c["CONSOLE_SHARED_BASE"]:
            # the console's line state all levels share (lib/src/console.c)
            assert size == PAGE and pa == va and d & NS_BIT and d & XN_BITS == XN_BITS \
                and attr != ATTR_DEVICE, hex(d)
            continue
        assert va == pa and not d & NS_BIT, f"0x{va:x} -> 0x{pa:x}"
        assert any(b <= va and va + size <= b + n for b, n in allowed), \
            f"the STK maps 0x{va:x}..0x{va + size:x}, none of its own"
    assert devices == [(c["UART0_BASE"], c["UART0_BASE"], PAGE)], devices
    assert mapped >= c["STK_SIZE"]
