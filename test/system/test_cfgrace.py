"""Physical GIC registers that VMs share (test/configs/cfgrace.toml): one
GICD_ICFGR word holds the trigger modes of the storm VM's SPI 2 and the
setter VM's SPI 7. While the storm rewrites its own without pause (a
read-modify-write of the physical word by the hypervisor on CPU 0), the
setter changes its own round by round on CPU 1; after each round the
physical word, read through QEMU's monitor, must hold the setter's mode."""
import os
import re
import socket
import time

import pytest

from qemu import BUILD, System, build_ok

pytestmark = pytest.mark.skipif(not build_ok("cfgrace"), reason="system not built")

ROUNDS = 400
GICD_ICFGR_SPI0_15 = 0x08000C08
GPIO_EDGE = 2 << (2 * 7)


class Monitor:
    """QEMU's human monitor on a Unix socket: physical reads with `xp`."""

    def __init__(self, path):
        for _ in range(100):
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"no QEMU monitor at {path}")
        self.sock.settimeout(10)
        self.buf = b""
        self._until(b"(qemu) ")

    def _until(self, mark):
        while mark not in self.buf:
            self.buf += self.sock.recv(4096)
        out, self.buf = self.buf.split(mark, 1)
        return out.decode(errors="replace")

    def read32(self, addr):
        self.sock.sendall(f"xp /1wx {addr:#x}\n".encode())
        out = self._until(b"(qemu) ")
        m = re.search(rf"{addr:016x}: (0x[0-9a-f]+)", out)
        assert m, out
        return int(m.group(1), 16)

    def close(self):
        self.sock.close()


def test_a_vm_rewriting_its_trigger_mode_never_undoes_another_vms():
    path = os.path.join(BUILD, "test-logs", "cfgrace.monitor")
    if os.path.exists(path):
        os.unlink(path)
    s = System("cfgrace", ["-monitor", f"unix:{path},server=on,wait=off"], log_name="cfgrace")
    mon = None
    try:
        started = set()
        # in either order; words, not prefixes (a secure-world line on
        # another CPU can cut into a hypervisor line)
        while len(started) < 2:
            s.expect([r"cfgstorm: flipping", r"cfgset: ready"], 60)
            started.add(s.child.match.re.pattern)
        s.focus("setter")
        mon = Monitor(path)
        lost = []
        for r in range(1, ROUNDS + 1):
            s.child.send("g")
            s.expect(rf"cfgset: round {r} edge {r & 1}", 20)
            word = mon.read32(GICD_ICFGR_SPI0_15)
            if bool(word & GPIO_EDGE) != bool(r & 1):
                lost.append((r, hex(word)))
        assert not lost, f"the storm's CPU undid the setter's mode in rounds {lost}"
        s.child.send("q")
        s.expect(r"setter: powered off", 20)
        assert "FATAL" not in s.transcript
    finally:
        if mon:
            mon.close()
        s.close()
