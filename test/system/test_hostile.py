"""The hypervisor outside the vTEEs' TCB (docs/trust-model.md): a test-only
hostile hypervisor (hyp/test/hostile.c, linked into this system alone)
misbehaves toward the secure world on an attacker guest's command: it forges
the client id, hands the STK the victim's, its own and secure memory (also
as its answers to a PAL load's RPCs), replays
the victim's resume token, asks for the victim's vTEE life from the wrong CPU
and steals the victim's sealed blob. The secure side must refuse each one and
say so, and the victim's memory, key, sealed secret and session must stay
intact while the system keeps running."""
import os
import re
import subprocess

import pytest

from qemu import BUILD, System, build_ok, system_dir

pytestmark = pytest.mark.skipif(not build_ok("hostile"), reason="system not built")


@pytest.fixture(scope="module")
def system():
    s = System("hostile", log_name="hostile")
    s.expect(r"\[attacker\] hostile: done, (\d+) refused, (\d+) not refused", 120)
    s.result = (int(s.child.match.group(1)), int(s.child.match.group(2)))
    for _ in range(2):  # the victim's checks after the last attack
        s.expect(r"\[victim\] victim: key and sealed secret (\w+)", 20)
        s.expect(r"\[victim\] victim: pattern (\w+)", 20)
    yield s
    s.close()


def test_the_secure_side_refuses_every_hostile_request(system):
    refused, not_refused = system.result
    lines = re.findall(r"\[attacker\] hostile (.*): (refused|NOT REFUSED) \(", system.transcript)
    assert not_refused == 0 and refused == len(lines) == 29, lines
    assert all(v == "refused" for _, v in lines)
    # the victim's token was real: a preempted call of the victim's passed it
    assert re.search(r"\[EL2 hyp\] hostile: resuming token 0x7a[0-9a-f]{6} of vm 0", system.transcript)
    assert "[attacker] hostile: own buffer registers (0x0)" in system.transcript
    assert "[attacker] hostile: own load of hello works (0x0)" in system.transcript
    # its vTEE was not destroyed from under the PAL its other CPU ran: refused
    # while the PAL ran, or (when it came between two of the PAL's slices)
    # destroyed with the call ended cleanly
    if ("[S-EL1 stk] vTEE for client 2: hypervisor violation: VM_DESTROYED while a call "
            "of it runs on another CPU: refused") in system.transcript:
        assert "[attacker] hostile: the long call on vcpu1 ended with 0x0" in system.transcript
    else:
        assert "[S-EL1 stk] vTEE for client 2 destroyed and wiped" in system.transcript
        assert re.search(r"\[attacker\] hostile: the long call on vcpu1 ended with 0x[1-9a-f]",
                         system.transcript)
    assert "[attacker] hostile: 40 XOR rounds over a buffer being rewritten, 0 inconsistent" in system.transcript
    m = re.search(r"\[attacker\] hostile: \d+ XOR calls over a message being rewritten: (\d+) "
                  r"answered, (\d+) refused, 0 inconsistent", system.transcript)
    assert m and int(m.group(1)) > 0 and int(m.group(2)) > 0, m
    m = re.search(r"\[attacker\] hostile: 100 registrations of a page list being rewritten: "
                  r"(\d+) of its own page, (\d+) refused, 0 other", system.transcript)
    assert m and int(m.group(1)) > 0 and int(m.group(2)) > 0, m


def test_the_victim_keeps_its_memory_key_secret_and_session(system):
    t = system.transcript
    assert re.search(r"\[victim\] victim: key [0-9a-f]{8}\.\.\., secret sealed, long call done \(0x0\)", t)
    after = t[t.index("hostile: done"):]
    assert "[victim] victim: key and sealed secret intact" in after
    assert "[victim] victim: vTEE session ok" in after
    assert "[victim] victim: pattern intact" in after
    for bad in ("CORRUPTED", "CHANGED", "FAILED", "FATAL", "PANIC"):
        assert bad not in t, bad


def test_the_monitor_names_the_hypervisors_violations(system):
    t = system.transcript
    # the attacker's CPU is 1; the victim is client 1, the attacker client 2
    assert "[EL3 mon] hypervisor violation: hypervisor claimed client 1 on CPU 1 of attacker: refused" in t
    assert "[EL3 mon] hypervisor violation: hypervisor asked for the vTEE life of client 1 on CPU 1 of attacker: refused" in t
    assert "[EL3 mon] hypervisor violation: hypervisor made a yielding call as client 0 on CPU 1 of attacker: refused" in t


def test_the_stk_refuses_memory_outside_the_callers_partition(system):
    t = system.transcript
    for pa in ("0x50000000", "0x40100000", "0x41000000", "0xe000000"):
        assert re.search(rf"\[S-EL1 stk\] vTEE \d: hypervisor violation: {pa}\.\.0x[0-9a-f]+ "
                         r"is not attacker's memory: refused", t), pa
    # and the PAL loads the hypervisor answered with the victim's memory
    uuid = "a7e1f0c1-7a76-4c30-9a00-"
    assert re.search(rf"\[S-EL1 stk\] vTEE \d: PAL {uuid}68656c6c6f00 not loaded: its RPC "
                     r"argument is not its memory", t)
    assert re.search(rf"\[S-EL1 stk\] vTEE \d: PAL {uuid}6b657973746f not loaded: the buffer "
                     r"for its file is not its memory", t)
    assert re.search(rf"\[S-EL1 stk\] vTEE \d: PAL {uuid}746573740000 not loaded: its file "
                     r"could not be read, or changed meanwhile", t)
    # messages the honest hypervisor refuses, which the STK checks again
    assert re.search(r"\[S-EL1 stk\] vTEE \d: hypervisor violation: a message of 7 parameters: "
                     r"refused", t)
    assert re.search(r"\[S-EL1 stk\] vTEE \d: hypervisor violation: a temporary memref at "
                     r"0x50000000: refused", t)
    # the VM's own answers outside its RAM, which the hypervisor refuses
    assert "[EL2 hyp] attacker: vTEE RPC buffer at 0x8000000 is not a page of its RAM" in t
    assert "[EL2 hyp] attacker: vTEE page list at 0x8000000 is not in its RAM" in t


def symbols(elf):
    out = subprocess.run(["aarch64-linux-gnu-nm", elf], capture_output=True, text=True).stdout
    return {line.split()[-1] for line in out.splitlines()}


def test_the_hostile_code_is_in_this_system_only():
    assert "hc_hostile" in symbols(os.path.join(system_dir("hostile"), "hyp.elf"))
    for name in ("default", "single", "attack", "bench"):
        assert "hc_hostile" not in symbols(os.path.join(system_dir(name), "hyp.elf")), name
