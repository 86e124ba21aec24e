"""The fatal path of each level: make the real images fault at EL3, S-EL1
and EL2 (through QEMU's gdbstub, no test hook in the firmware) and check
the register dump names the level and the CPU halts."""
import os
import socket
import subprocess

import pytest

from qemu import BUILD, System, build_ok, system_dir

pytestmark = pytest.mark.skipif(not build_ok("single"), reason="system not built")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# (level, a function each level calls once its console is up, where to send
# the PC, what the fault is)
CASES = [
    ("EL3", "psci_mark_booted", "0x3fff000", "synchronous exception at EL3"),  # zeros: UDF
    ("S-EL1", "stk_mmu_init_tables", "0x3fff000", "synchronous exception"),   # zeros: UDF
    ("EL2", "hyp_mmu_init", "0x0", "synchronous exception at EL2"),  # secure flash: abort
]


@pytest.mark.parametrize("level,func,pc,what", CASES, ids=[c[0] for c in CASES])
def test_fatal_error_dumps_registers_and_halts(level, func, pc, what):
    port = free_port()
    s = System("single", extra_args=("-gdb", f"tcp:127.0.0.1:{port}", "-S"),
               log_name=f"fatal-{level}")
    try:
        gdb = subprocess.run(
            ["gdb-multiarch", "-batch", "-nx",
             "-ex", "set confirm off", "-ex", "set architecture aarch64",
             "-ex", f"file {os.path.join(BUILD, 'monitor.elf')}",
             "-ex", f"add-symbol-file {os.path.join(BUILD, 'tee.elf')}",
             "-ex", f"add-symbol-file {os.path.join(system_dir('single'), 'hyp.elf')}",
             "-ex", f"target remote 127.0.0.1:{port}",
             "-ex", f"break {func}", "-ex", "continue",
             "-ex", f"set $pc = {pc}", "-ex", "detach"],
            capture_output=True, text=True, timeout=60)
        assert f"in {func}" in gdb.stdout or func in gdb.stdout, gdb.stdout + gdb.stderr
        s.expect(f"FATAL {level}: {what}", 30)
        s.expect(r"x30 [0-9a-f]{16}", 10)
        s.expect(f"{level}: CPU halted", 10)
        assert "ESR_EL" in s.transcript
    finally:
        s.close()
