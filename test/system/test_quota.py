"""Per-VM quotas of the vTEEs (docs/vtee.md, config.md) on the default
system: each PAL instance takes the memory its PAL declares from its VM's
own share of the STK's secure memory, so both Linux VMs hold 32 hello
sessions at once, and a VM that uses up its share gets
TEEC_ERROR_OUT_OF_MEMORY while the other VM still opens and loads all it
wants. Two VMs loading the same PAL at once each register their own, and
what a PAL seals or states in one VM means nothing to it in the other."""
import re
import time

import pytest

from qemu import boot_default, build_ok

pytestmark = pytest.mark.skipif(not build_ok(), reason="system not built")

UUID_ATTEST = "a7e1f0c1-7a76-4c30-9a00-617474657374"  # 192 KiB of memory
QUOTA_KIB = 3072  # the default: a quarter of the STK's 12 MiB


@pytest.fixture(scope="module")
def system():
    s = boot_default("quota")
    yield s
    s.close()


def stats(system, vm):
    return system.vtee_stats(vm)


def wait_file(system, vm, path, text, timeout=60):
    """Polls a file the VM's background job writes until it has text."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        out = system.on(vm, f"cat {path}")
        if text in out:
            return out
        time.sleep(1)
    raise AssertionError(f"{vm}: {path} never had '{text}': {out}")


def test_both_linux_vms_hold_32_hello_sessions_at_once(system):
    base = {vm: stats(system, vm) for vm in ("vm0", "vm1")}
    assert base["vm0"][5] == QUOTA_KIB
    system.on("vm0", "tzv-client hold 32 30000 > /tmp/hold.out 2>&1 & true")
    wait_file(system, "vm0", "/tmp/hold.out", "hold: 32 sessions open")
    system.on("vm1", "tzv-client hold 32 30000 > /tmp/hold.out 2>&1 & true")
    wait_file(system, "vm1", "/tmp/hold.out", "hold: 32 sessions open")
    for vm in ("vm0", "vm1"):
        sessions, _, instances, _, used, quota = stats(system, vm)
        # the 32, optee-rng's session, stats' own (a pseudo-PAL: no instance)
        assert sessions == base[vm][0] + 32 and instances == base[vm][2] + 32
        # hello's file (8 KiB) and 64 KiB an instance: 32 KiB of memory, the
        # parameter page, 7 pages of translation tables
        assert used - base[vm][4] == 8 + 32 * 64 and quota == QUOTA_KIB
        system.on(vm, "kill $!; wait")
        assert "hold: closed" not in system.on(vm, "cat /tmp/hold.out")
    for vm in ("vm0", "vm1"):  # killing the client closed its sessions
        assert stats(system, vm)[:3] == base[vm][:3]


def test_a_vm_that_uses_up_its_share_gets_out_of_memory_and_the_other_does_not_notice(system):
    base = {vm: stats(system, vm) for vm in ("vm0", "vm1")}
    system.on("vm0", f"tzv-client hold 48 40000 {UUID_ATTEST} > /tmp/quota.out 2>&1 & true")
    out = wait_file(system, "vm0", "/tmp/quota.out", "sessions open")
    assert "tzv-client: open: TEEC_ERROR_OUT_OF_MEMORY" in out, out
    held = int(re.search(r"hold: (\d+) sessions open", out).group(1))
    assert 8 <= held < 48  # 224 KiB an instance
    # (vm1 has opened nothing yet; and the words only, as a hypervisor
    # line can cut into the secure world's: "vTEE 1[: PAL ... vm0] __done")
    assert ("PAL attest not opened: the VM's secure memory quota "
            f"({QUOTA_KIB} KiB) is used up") in system.transcript
    # vm0 can load nothing more now ...
    out = system.on("vm0", "tzv-client spin 1; echo rc=$?")
    assert "TEEC_ERROR_OUT_OF_MEMORY" in out and "rc=1" in out, out
    # ... while vm1 opens and loads as ever
    assert system.on("vm1", "tzv-client hold 32 0").startswith("hold: 32 sessions open")
    assert system.on("vm1", "tzv-client spin 1").startswith("spin: ok")
    assert system.on("vm1", "tzv-client key-gen 1") == "key-gen: ok"
    system.on("vm0", "kill $!; wait")
    assert system.on("vm0", "tzv-client spin 1").startswith("spin: ok")
    assert stats(system, "vm0")[:4] == base["vm0"][:4]


def test_two_vms_loading_one_pal_at_once_each_register_their_own(system):
    """selftest2 is in neither vTEE yet: started together, both load it."""
    mark = len(system.transcript)
    uuid = "a7e1f0c1-7a76-4c30-9a00-746573740002"
    for vm in ("vm0", "vm1"):
        system.on(vm, f"cp /usr/share/tzv-test/selftest2.ta /lib/optee_armtz/{uuid}.ta")
    start = time.monotonic() + 4
    for vm in ("vm0", "vm1"):
        delay = max(0.0, start - time.monotonic())
        system.on(vm, f"(sleep {delay:.1f}; tzv-client open {uuid} > /tmp/load.out 2>&1) & true")
    for vm in ("vm0", "vm1"):
        wait_file(system, vm, "/tmp/load.out", "open: ok")
    t = system.transcript[mark:]
    assert "[S-EL1 stk] vTEE 1: PAL selftest2 loaded, version 1" in t
    assert "[S-EL1 stk] vTEE 2: PAL selftest2 loaded, version 1" in t
    for vm in ("vm0", "vm1"):
        assert re.search(rf"pal: {uuid} selftest2 ", system.on(vm, "tzv-client pal list"))


def test_the_same_pal_in_another_vm_neither_unseals_nor_gets_certified(system):
    selftest = "a7e1f0c1-7a76-4c30-9a00-746573740000"
    assert system.on("vm0", f"tzv-client pal-seal {selftest} 0 vm0-only /tmp/s.bin") == \
        "pal-seal: ok"
    assert system.on("vm0", f"tzv-client pal-unseal {selftest} /tmp/s.bin") == \
        "pal-unseal: vm0-only"
    system.write_file("vm1", "/tmp/s.bin", system.read_file("vm0", "/tmp/s.bin"))
    out = system.on("vm1", f"tzv-client pal-unseal {selftest} /tmp/s.bin; echo rc=$?")
    assert "tzv-client: invoke: TEEC_ERROR_SECURITY" in out and "rc=1" in out, out
    # vm1's statement token is no good to vm0's attestation PAL
    assert system.on("vm1", f"tzv-client pal-statement {selftest} aa /tmp/st.bin").startswith(
        "pal-statement: ")
    system.write_file("vm0", "/tmp/vm1.token", system.read_file("vm1", "/tmp/st.bin.token"))
    out = system.on("vm0", "tzv-client certify /tmp/vm1.token /tmp/x.bin; echo rc=$?")
    assert "tzv-client: invoke: TEEC_ERROR_SECURITY" in out and "rc=1" in out, out


def test_make_benchs_16_kib_pal_loads_and_runs(system):
    """What make bench times (bench/run.py): selftest16, 16 KiB of image."""
    uuid = "a7e1f0c1-7a76-4c30-9a00-746573740010"
    out = system.on("vm1", f"cp /usr/share/tzv-test/selftest16.ta /lib/optee_armtz/{uuid}.ta; "
                           f"tzv-client load-time {uuid}")
    assert re.fullmatch(r"load-time: first \d+ ns\nload-time: registered \d+ ns", out), out
    assert re.search(rf"pal: {uuid} selftest16 .* pages=5$",
                     system.on("vm1", "tzv-client pal list"), re.M)
