"""Introspection (docs/hypercalls.md): a VM with the right over another
(introspects = ["target"], measured in the partition map) reads its RAM
while it runs, pauses it, reads its registers and resumes it; reads outside
the target's RAM, into memory not the caller's or larger than 4 KiB are
refused; a VM without the right, and the caller on itself, get the defined
error for every call, with a log line."""
import re

import pytest

from qemu import System, build_ok

pytestmark = pytest.mark.skipif(not build_ok("vmi"), reason="system not built")


@pytest.fixture(scope="module")
def system():
    s = System("vmi", log_name="vmi")
    try:
        want = [r"\[monitor\] vmi: done, (\d+) unexpected", r"\[other\] vmi: done, (\d+) unexpected"]
        s.results = {}
        while len(s.results) < 2:
            i = s.child.expect(want, timeout=120)
            s.results[("monitor", "other")[i]] = int(s.child.match.group(1))
        # the target goes on after the resume
        s.expect(r"\[target\] victim: pattern intact", 20)
        s.expect(r"\[target\] victim: pattern intact", 20)
        yield s
    finally:
        s.close()


def test_the_monitor_reads_pauses_and_resumes_the_target(system):
    t = system.transcript
    assert system.results["monitor"] == 0, t
    assert "vmi: the target's pattern read while it runs: ok" in t
    assert re.search(r"\[monitor\] vmi: target vcpu0 pc 0x4020\w+ in its image, pstate 0x\w+, "
                     r"sctlr 0x\w+, vbar 0x4020\w+", t), t
    for what in ("registers of a running vCPU", "pause", "registers", "resume",
                 "read past the target's RAM", "read of the GIC", "read of secure SRAM",
                 "read of more than 4 KiB", "read into memory not its own",
                 "pause of a VM without the right", "read of itself"):
        assert re.search(rf"\[monitor\] vmi: {re.escape(what)}: -?\d+ \(as expected\)", t), what


def test_a_paused_target_does_nothing_until_resumed(system):
    t = system.transcript
    paused = t.index("[monitor] vmi: target paused")
    resumed = t.index("[monitor] vmi: resuming target")
    assert "[target]" not in t[paused:resumed]
    assert "[target] victim: pattern intact" in t[resumed:]
    assert "PATTERN CORRUPTED" not in t


def test_a_vm_without_the_right_is_refused_every_call(system):
    t = system.transcript
    assert system.results["other"] == 0, t
    assert "[other] vmi: no rights: every call on every VM refused" in t
    assert "[EL2 hyp] other: introspection of VM 1 refused: no right" in t
    assert "[EL2 hyp] monitor: introspection of VM 0 refused: no right" in t  # itself

