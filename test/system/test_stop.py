"""Stopping a VM is safe from any mix of its vCPUs and states
(test/configs/stoprace.toml): two vCPUs that ask for SYSTEM_RESET or panic
at the same moment, and a reset asked for while a vCPU is still starting,
round after round. A hang would end the rounds; the VM beside it and the
console must not notice."""
import re

import pytest

from qemu import System, build_ok

pytestmark = pytest.mark.skipif(not build_ok("stoprace"), reason="system not built")

ROUNDS = 300


def test_racing_stops_neither_hang_nor_get_lost():
    s = System("stoprace", log_name="stoprace")
    try:
        modes = []
        while len(modes) < ROUNDS:
            # a round is a boot of the racer: seconds apart at most
            s.expect(r"\[racer\] stoprace: round, mode (\d)", 30)
            modes.append(int(s.child.match.group(1)))
        for mode in (0, 1, 2):
            assert modes.count(mode) >= 5, modes
        t = s.transcript
        assert "STILL RUNNING" not in t and "FAILED" not in t
        assert "FATAL" not in t and "CORRUPTED" not in t and "CHANGED" not in t
        # every round destroyed the racer's vTEE before making the next one
        assert t.count("vTEE for client 1 destroyed and wiped") >= ROUNDS - 1  # (the last: on its way)
        # the worlds share the console's line state: with four CPUs writing
        # from three levels (a dozen secure-world lines a round), no line is
        # cut by another's
        cut = re.findall(r"^\[[\w -]+\] [^\r\n]*\[(?:EL3 mon|S-EL1 stk|EL2 hyp)\] .*$", t, re.M)
        assert not cut, cut[:5]
        # the witness went on, and its console input still arrives
        checks = re.findall(r"\[witness\] victim: pattern intact \(check (\d+)\)", t)
        assert len(checks) >= 4
        s.child.send("\x14\x14\x14")
        s.expect(r"console input now goes to witness", 20)
        s.child.send("q")
        s.expect(r"witness: powered off", 20)
    finally:
        s.close()
