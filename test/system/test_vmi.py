"""Introspection (docs/hypercalls.md): a VM with the right over another
(introspects = ["target"], measured in the partition map) reads its RAM
while it runs, pauses it, reads its registers and resumes it; reads outside
the target's RAM, into memory not the caller's or larger than 4 KiB are
refused; a VM without the right, and the caller on itself, get the defined
error for every call, with a log line."""
import importlib.util
import os
import re
import sys

import pytest

from qemu import BUILD, ROOT, System, build_ok, run_host

_spec = importlib.util.spec_from_file_location("tzv_attest", os.path.join(ROOT, "tools", "attest.py"))
attest_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(attest_tool)

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


def test_tzv_vmi_in_a_linux_vm_reads_another_linux_vm(tmp_path):
    """tzv-vmi in vm0 (introspects = ["vm1"]): vm1's device tree in its RAM,
    its registers (a kernel address, the MMU on) and its processes, walked
    from outside; vm1, without the right, and vm0 on itself are refused; vm1's quote,
    checked by tzv-verify, says that vm0 may introspect it."""
    if not build_ok("vmilinux"):
        pytest.skip("system not built")
    from qemu import boot_default
    s = boot_default("vmi-linux", name="vmilinux")
    try:
        # vm1's device tree, where the hypervisor put it (Linux keeps it):
        # the FDT magic, and the model the hypervisor's tools wrote
        dtb = int(re.search(r"vm1: starting at .* DTB at 0x(\w+)", s.transcript).group(1), 16)
        out = s.run(f"tzv-vmi dump vm1 0x{dtb:x} 256")
        assert out.startswith(f"0x{dtb:x}: d0 0d fe ed"), out
        raw = bytes.fromhex("".join(l.split(":", 1)[1] for l in out.splitlines()))
        assert len(raw) == 256 and b"tzvisor vm1" in raw, raw
        out = s.run("tzv-vmi regs vm1")
        regs = dict(line.split() for line in out.splitlines() if len(line.split()) == 2)
        assert int(regs["pc"], 16) >> 48 == 0xffff, out  # a kernel address
        assert int(regs["sctlr"], 16) & 1, out  # its MMU is on
        assert int(regs["ttbr1"], 16) != 0, out
        out = s.on("vm1", "tzv-vmi dump vm0 0x40000000 64 2>&1; echo rc=$?")
        assert "refused: this VM has no right over that VM" in out and "rc=1" in out, out
        out = s.on("vm0", "tzv-vmi dump vm0 0x40000000 64 2>&1; echo rc=$?")
        assert "refused" in out and "rc=1" in out, out
        # vm1 runs on after the pause
        assert s.on("vm1", "echo alive") == "alive"
        # ps from outside: a process started in vm1 under a unique name (a
        # script: its comm is the script's name), then gone once it exits
        s.on("vm1", "printf '#!/bin/sh\\nsleep 600; true\\n' > /tmp/tzvprobe42; "
                    "chmod +x /tmp/tzvprobe42; /tmp/tzvprobe42 & true")
        out = s.on("vm0", "tzv-vmi ps vm1")
        assert re.search(r"^\s+\d+ tzvprobe42$", out, re.M), out
        assert re.search(r"^\s+1 init$", out, re.M) and re.search(r"^\s+0 swapper/0$", out, re.M), out
        s.on("vm1", "kill $!")
        out = s.on("vm0", "tzv-vmi ps vm1")
        assert "tzvprobe42" not in out and re.search(r"^\s+1 init$", out, re.M), out
        out = s.on("vm1", "tzv-vmi ps vm0 2>&1; echo rc=$?")
        assert "could not be paused" in out and "rc=1" in out, out
        # vm1's verifier learns from its quote that vm0 may look into it
        nonce = os.urandom(32).hex()
        out = s.on("vm1", f"tzv-client attest {nonce} /tmp/att; echo rc=$?", 300)
        d = tmp_path / "vm1"
        d.mkdir()
        for name, data in attest_tool.parse(out).items():
            (d / name).write_bytes(data)
        r = run_host([sys.executable, os.path.join(ROOT, "tools", "tzv-verify"), str(d),
                      "--device-pub", os.path.join(BUILD, "keys", "device.pem"), "--nonce", nonce,
                      "--pcrs", "sha256:0,1,2,3,8,9,10,12", "--vm", "vm1"])
        assert r.returncode == 0, r.stdout + r.stderr
        assert re.search(r"^tzv-verify: partition vm1: .*, introspected by vm0$", r.stdout, re.M), r.stdout
        assert re.search(r"^tzv-verify: partition vm0: .*, introspected by no VM$", r.stdout, re.M), r.stdout
    finally:
        s.close()
    assert "[EL2 hyp] vm1: introspection of VM 0 refused: no right" in s.transcript
