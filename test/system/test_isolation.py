"""Isolation: a bare-metal attacker VM tries to break every rule next to two
victim VMs (test/configs/attack.toml); each attempt must fail safe, be
logged by the hypervisor, and leave the victims running with their memory
intact and no interrupt they did not ask for."""
import re

import pytest

from qemu import System, build_ok

pytestmark = pytest.mark.skipif(not build_ok("attack"), reason="system not built")


@pytest.fixture(scope="module")
def system():
    s = System("attack", log_name="attack")
    s.expect(r"\[attacker\] attack: done, (\d+) blocked, (\d+) not blocked", 120)
    s.result = (int(s.child.match.group(1)), int(s.child.match.group(2)))
    s.expect(r"\[attacker\] attack: flood over", 60)
    s.expect(r"\[attacker\] attack: forgery over", 20)
    # two more pattern checks from each victim after the last attack
    for _ in range(2):
        s.expect(r"\[victim\] victim: pattern intact", 20)
        s.expect(r"\[peer\] victim: pattern intact", 20)
    yield s
    s.close()


def test_every_attack_is_blocked(system):
    blocked, failed = system.result
    assert failed == 0 and blocked >= 25
    attacks = re.findall(r"\[attacker\] attack (.*): (blocked|NOT BLOCKED) \(", system.transcript)
    assert len(attacks) == blocked
    assert all(v == "blocked" for _, v in attacks), attacks


def test_victims_keep_running_with_their_memory_intact(system):
    t = system.transcript
    assert "CORRUPTED" not in t
    assert "UNEXPECTED interrupt" not in t
    assert "FATAL" not in t
    assert t.count("[victim] victim: pattern intact") >= 3


def test_the_hypervisor_logs_the_attempts(system):
    t = system.transcript
    for ipa in ("0x50000000", "0xe000000", "0x90b0000", "0x80c0000"):
        assert re.search(rf"attacker vcpu0: read at IPA {ipa} .* outside the VM", t), ipa
    assert re.search(r"attacker vcpu0: write at IPA 0x54000000 .* outside the VM", t)
    assert "attacker vcpu0: doorbell of region 0 refused: not a member" in t
    assert "attacker vcpu0: GICD write at offset 0x104 enables or raises SPIs it does not own: ignored" in t
    assert "attacker vcpu0: GICD write at offset 0x204 enables or raises SPIs it does not own: ignored" in t
    assert re.search(r"attacker vcpu0: SGI \d+ to CPUs outside the VM", t)
    assert "attacker vcpu0: PSCI CPU_ON of MPIDR 0x1, not a CPU of the VM: refused" in t
    assert "attacker vcpu0: PSCI CPU_ON entry 0xe000000 outside the VM's RAM: refused" in t
    assert "attacker vcpu0: unknown hypercall 0x86000099" in t
    # a VM cannot flood the console through the hypervisor's log
    assert "[EL2 hyp] attacker: too many messages; further ones from this VM are dropped" in t


def test_a_flooding_vm_loses_only_its_own_output(system):
    t = system.transcript
    during = t[t.index("[attacker] attack: flood start"):t.index("[attacker] attack: flood over")]
    lines, ms = (int(x) for x in re.search(r"flood over: (\d+) lines in (\d+) ms", t).groups())
    # the victims' lines keep coming while the attacker floods
    assert during.count("[victim] victim: pattern intact") >= 3
    assert during.count("[peer] victim: pattern intact") >= 3
    # past the allowance (64 KiB, then 32 KiB/s; ~170 bytes a line with
    # its prefix), the attacker loses output; a host too loaded to let it
    # write that fast loses nothing
    lost = re.search(r"\[EL2 hyp\] \[attacker\] lost \d+ bytes of its console output", during)
    if lines * 170 > 1.2 * (64 * 1024 + 32 * 1024 * ms / 1000):
        assert lost, (lines, ms)
    # what got through of the flood arrived whole, behind the attacker's name
    assert not re.search(r"^(?!\[attacker\] )\S*flood \d+ x", during, re.M)


def test_the_victims_vtee_sessions_survive_the_vtee_attacks(system):
    """Each victim holds a hello session and a registered buffer in its own
    vTEE; the attacker forges their session id and cookie, points page lists
    and arguments at their RAM, and storms its own vTEE past its limits."""
    system.expect(r"\[victim\] victim: vTEE session ok", 20)
    system.expect(r"\[peer\] victim: vTEE session ok", 20)
    t = system.transcript
    assert "vTEE session FAILED" not in t
    for vm in ("victim", "peer"):
        assert f"[{vm}] victim: vTEE session 0x101 (0x0), buffer registered (0x0 0x0)" in t
        after = t[t.index("[attacker] attack: done"):]
        assert f"[{vm}] victim: vTEE session ok" in after
    assert "[attacker] attack: storm held 8 sessions and 16 buffers, gave back 24" in t
    # the storm cannot flood the console through the STK either
    assert "[S-EL1 stk] vTEE 3: session limit (8) reached" in t
    assert "[S-EL1 stk] vTEE 3: too many messages; further ones are dropped" in t


def rendered(line):
    """What a terminal shows of one line: backspaces move left, nothing else
    moves the cursor (the console passes no other control)."""
    cells, col = [], 0
    for ch in line:
        if ch == "\b":
            col = max(col - 1, 0)
            continue
        if col < len(cells):
            cells[col] = ch
        else:
            cells.append(ch)
        col += 1
    return "".join(cells)


def test_a_vm_cannot_forge_or_erase_console_lines(system):
    t = system.transcript
    part = t[t.index("[attacker] attack: forging console lines"):
             t.index("[attacker] attack: forgery over")]
    # (the other VMs and the secure world print meanwhile: their own lines,
    # which say nothing of forging, are not the attacker's)
    others = re.compile(r"\[(S-EL1 stk|EL3 mon|EL2 hyp|victim|peer)\] ")
    lines = [l for l in part.replace("\r\n", "\n").split("\n")
             if l and ("forged" in l or not others.match(l))]
    assert len(lines) >= 6, lines
    for line in lines:
        assert "\x1b" not in line and "\x07" not in line and "\x9b" not in line, repr(line)
        assert "\r" not in line, repr(line)
        assert rendered(line).startswith("[attacker] "), repr(line)
    shown = [rendered(l) for l in lines]
    assert "[attacker] [EL3 mon] forged by the attacker" in shown
    # an escape sequence is dropped whole; a byte that is no text shows as '.'
    assert "[attacker] .31m forged tail" in shown, shown
