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


def test_writes_to_a_watched_page_are_denied_allowed_or_asked(system):
    """Stage-2 write protection of the victim's scribble page: denied (the
    victim takes the permission fault read-only memory gives), allowed once
    (the store made for it), asked and answered, asked and not answered (the
    victim goes on after 100 ms with the policy's verdict); each write an
    event naming the page, the vCPU and the PC."""
    t = system.transcript
    for what in ("watch of a running target", "watch outside the target's RAM",
                 "watch with both verdicts", "watch of a part of a page", "watch, deny",
                 "watch overlapping another", "watch past the last slot",
                 "lifting a watch that is not there", "watch, allow", "watch, ask then deny",
                 "answer allow to an asked write", "answer to an event nobody waits on",
                 "lifting the watch", "an event ring outside its RAM", "an event ring too small"):
        assert re.search(rf"\[monitor\] vmi: {re.escape(what)}: -?\d+ \(as expected\)", t), what
    assert "[monitor] vmi: 16 watches at once" in t
    denied = re.search(r"\[monitor\] vmi: denied: write event seq \d+ at IPA 0x40800000 by vcpu0, "
                       r"PC 0x4020\w+, verdict 0 \(as expected\)", t)
    assert denied, t
    assert re.search(r"\[target\] victim: scribble \d+ refused \(ESR 0x9600004f\)", t), t
    assert "[EL2 hyp] target vcpu0: write to watched IPA 0x40800000" in t
    assert re.search(r"\[monitor\] vmi: allowed: write event .* verdict 1 \(as expected\)", t), t
    # allowed once: the victim reads back what it stored; never lost
    allowed = t.index("[monitor] vmi: watch, allow: 0")
    assert re.search(r"\[target\] victim: scribble \d+ written", t[allowed:]), t
    assert "LOST" not in t
    unanswered = re.search(r"\[monitor\] vmi: unanswered event seq (\d+): the target went on after "
                           r"100 ms, verdict 0", t)
    assert unanswered, t


def test_register_writes_and_calls_are_events_and_a_full_ring_counts(system):
    t = system.transcript
    assert "[monitor] vmi: sysreg event: key 0x300800 value" in t and "(TTBR0_EL1)" in t
    assert "[monitor] vmi: hvc event: x0 0x86000001 (NULL)" in t
    assert "[monitor] vmi: smc event: x0 0x32000004" in t  # OP-TEE CALL_WITH_ARG
    m = re.search(r"\[monitor\] vmi: a full ring: 4 kept, (\d+) lost, (\d+) doorbells \(as expected\)", t)
    assert m and int(m.group(1)) > 0 and int(m.group(2)) > 0, t
    # the target went on meanwhile, and after the traps were off
    if not re.search(r"\[target\] victim: pattern intact", t[t.index("[monitor] vmi: traps off"):]):
        system.expect(r"\[target\] victim: pattern intact", 20)


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
        s.on("vm1", "kill $!; wait $! 2>/dev/null; true")  # reaped: not even a zombie
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


def test_tzv_vmi_guard_stops_a_module_writing_the_targets_kernel_text():
    """tzv-vmi guard in vm0 write-protects vm1's kernel text and read-only
    data (found from outside: vm1's VBAR_EL1 and vm0's own symbols of the
    same kernel, through vm1's stage-1 tables); a test module in vm1 that
    writes its kernel's text through a writable alias then takes a
    permission fault (an oops kills the writer; vm1 goes on) and the guard
    logs the write with its page; killed, the guard lifts its watches. vm1,
    without rights, is refused on vm0 and on itself."""
    if not build_ok("vmilinux"):
        pytest.skip("system not built")
    from qemu import boot_default
    s = boot_default("vmi-guard", name="vmilinux")
    try:
        scribble = "sh -c 'echo 1 > /proc/tzv-scribble'; echo rc=$?"
        s.on("vm1", "insmod /usr/share/tzv-test/tzv-test-scribble.ko")
        assert "rc=0" in s.on("vm1", scribble)
        out = s.on("vm1", "dmesg | grep tzv-test-scribble")
        m = re.search(r"writing kernel text at 0x(\w+) \(IPA 0x(\w+)\)", out)
        va, ipa = int(m.group(1), 16), int(m.group(2), 16)
        assert out.count("kernel text written") == 1, out
        # that virtual address, translated from outside through vm1's own tables
        assert s.on("vm0", f"tzv-vmi translate vm1 0x{va:x}") == f"0x{ipa:x}"
        s.on("vm0", "sh -c 'echo $$ > /tmp/guard.pid; exec tzv-vmi guard vm1' > /tmp/guard.log 2>&1 & true")
        out = s.on("vm0", "for i in $(seq 60); do grep -q rodata /tmp/guard.log && break; sleep 1; done; "
                          "cat /tmp/guard.log", 90)
        text = re.search(r"guarding vm1's kernel text 0x(\w+)-0x(\w+) \(deny\)", out)
        assert text and int(text.group(1), 16) <= ipa < int(text.group(2), 16), out
        assert "guarding vm1's kernel rodata" in out, out
        out = s.on("vm1", scribble)
        assert "rc=139" in out, out  # the writer died of its oops
        assert "Unable to handle kernel write to read-only memory" in s.transcript
        assert s.on("vm1", "echo alive") == "alive"
        out = s.on("vm0", "sleep 1; cat /tmp/guard.log")
        page = ipa & ~4095
        assert re.search(rf"guard: vm1 vcpu0 wrote its kernel at IPA 0x{ipa:x} \(page 0x{page:x}, "
                         r"VA 0xffff\w+, PC 0xffff\w+\): denied", out), out
        assert f"[EL2 hyp] vm1 vcpu0: write to watched IPA 0x{ipa:x}" in s.transcript
        # the guard goes, and its watches with it
        s.on("vm0", "kill $(cat /tmp/guard.pid); sleep 2")
        assert "rc=0" in s.on("vm1", scribble)
        assert s.on("vm1", "dmesg | grep -c 'kernel text written'") == "2"
        for cmd in ("watch vm0 0x40000000 4096", "trap vm0 smc", "answer vm0 1 allow",
                    "watch vm1 0x40000000 4096"):
            out = s.on("vm1", f"tzv-vmi {cmd} 2>&1; echo rc=$?")
            assert "refused" in out and "rc=1" in out, (cmd, out)
    finally:
        s.close()
