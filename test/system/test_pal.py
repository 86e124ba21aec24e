"""PALs a VM loads at run time (docs/pal-abi.md): signed PAL files in the
guest's /lib/optee_armtz/, read by Debian's unmodified tee-supplicant when
OPEN_SESSION names a PAL the VM's vTEE does not have, checked by the STK and
registered in that vTEE. Every bad file is refused with a defined error and
a log line naming why, and leaves nothing behind. Runs the one-VM test
system (test/configs/single.toml)."""
import re

import pytest

from qemu import System, build_ok

pytestmark = pytest.mark.skipif(not build_ok("single"), reason="system not built")

SELFTEST = "/lib/optee_armtz/a7e1f0c1-7a76-4c30-9a00-746573740000.ta"
HELLO = "/lib/optee_armtz/a7e1f0c1-7a76-4c30-9a00-68656c6c6f00.ta"
KEYSTORE = "/lib/optee_armtz/a7e1f0c1-7a76-4c30-9a00-6b657973746f.ta"
ORIG = "/tmp/selftest.ta"
FIXTURES = "/usr/share/tzv-test"


@pytest.fixture(scope="module")
def vm():
    s = System("single", log_name="pal")
    s.wait_shell(120)
    s.run(f"cp {SELFTEST} {ORIG}")
    yield s
    s.close()


def stats(vm):
    return vm.run("tzv-client stats")


def poke(offset, octal):
    """Shell: set the byte at offset of the selftest file."""
    return f"printf '\\{octal}' | dd of={SELFTEST} bs=1 seek={offset} count=1 conv=notrunc 2>/dev/null"


def test_a_pal_is_loaded_through_tee_supplicant_once(vm):
    assert vm.run("tzv-client hello-value 41") == "hello-value: a=42 b=43"
    assert vm.run("tzv-client hello-value 1") == "hello-value: a=2 b=3"
    t = vm.transcript
    assert t.count("[S-EL1 stk] vTEE 1: PAL hello loaded, version 1") == 1


# (what, how to make the file from the good one, the error, the STK's reason)
BAD = [
    ("unsigned", f"dd if={ORIG} of={SELFTEST} bs=128 skip=1 2>/dev/null",
     "TEEC_ERROR_SECURITY", "not a signed PAL file"),
    ("truncated", f"head -c 3000 {ORIG} > {SELFTEST}", "TEEC_ERROR_SECURITY",
     "sizes that do not add up"),
    ("header bit flipped", f"cp {ORIG} {SELFTEST}; " + poke(48, "007"), "TEEC_ERROR_SECURITY",
     "a signature that does not verify"),
    ("image bit flipped", f"cp {ORIG} {SELFTEST}; " + poke(128 + 300, "377"),
     "TEEC_ERROR_SECURITY", "a signature that does not verify"),
    ("signature bit flipped", f"cp {ORIG} {SELFTEST}; s=$(wc -c < {SELFTEST}); "
     f"printf '\\001' | dd of={SELFTEST} bs=1 seek=$((s - 1)) count=1 conv=notrunc 2>/dev/null",
     "TEEC_ERROR_SECURITY", "a signature that does not verify"),
    ("unknown format version", f"cp {ORIG} {SELFTEST}; " + poke(8, "002"), "TEEC_ERROR_SECURITY",
     "an unknown format version"),
    ("sizes that lie", f"cp {ORIG} {SELFTEST}; " + poke(57, "040"), "TEEC_ERROR_SECURITY",
     "sizes that do not add up"),
    ("signed by an unauthorized provider", f"cp {FIXTURES}/selftest-untrusted.ta {SELFTEST}",
     "TEEC_ERROR_SECURITY", "a signer the platform does not authorize"),
    ("signed by the root key", f"cp {FIXTURES}/selftest-root.ta {SELFTEST}",
     "TEEC_ERROR_SECURITY", "a signer the platform does not authorize"),
    ("another PAL's file under its name", f"cp {HELLO} {SELFTEST}", "TEEC_ERROR_SECURITY",
     "another PAL's UUID"),
    ("oversized", f"dd if=/dev/zero of={SELFTEST} bs=4096 count=80 2>/dev/null",
     "TEEC_ERROR_OUT_OF_MEMORY", "its file is empty or too big"),
    ("missing", f"rm -f {SELFTEST}", "TEEC_ERROR_ITEM_NOT_FOUND",
     "tee-supplicant did not find or give its file"),
]


@pytest.mark.parametrize("what,make,error,why", BAD, ids=[b[0] for b in BAD])
def test_a_bad_pal_file_is_refused_and_leaves_nothing(vm, what, make, error, why):
    before = stats(vm)
    vm.run(make)
    out = vm.run("tzv-client spin 1")
    assert f"tzv-client: open: {error}" in out, out
    assert (f"[S-EL1 stk] vTEE 1: PAL a7e1f0c1-7a76-4c30-9a00-746573740000 not loaded: {why}"
            in vm.transcript), why
    assert stats(vm) == before  # no session, buffer, instance or call left


def test_the_good_file_loads_after_the_bad_ones(vm):
    vm.run(f"cp {ORIG} {SELFTEST}")
    assert vm.run("tzv-client spin 1").startswith("spin: ok")
    assert "[S-EL1 stk] vTEE 1: PAL selftest loaded, version 1" in vm.transcript


def test_without_tee_supplicant_an_open_waits_and_ends_with_its_client(vm):
    before = stats(vm)
    vm.run("kill $(pidof tee-supplicant); sleep 0.5")
    vm.run("tzv-client key-pub 0 > /tmp/kp.out 2>&1 & echo $! > /tmp/kp.pid; sleep 2")
    assert vm.run("kill -0 $(cat /tmp/kp.pid) && echo waiting") == "waiting"
    vm.run("kill $(cat /tmp/kp.pid); sleep 1")
    assert vm.run("kill -0 $(cat /tmp/kp.pid) 2>/dev/null || echo ended") == "ended"
    assert stats(vm) == before
    vm.run("tee-supplicant -f /data/tee </dev/null >/dev/null 2>&1 & sleep 1")
    assert vm.run("tzv-client key-gen 0") == "key-gen: ok"
    assert "[S-EL1 stk] vTEE 1: PAL keystore loaded, version 1" in vm.transcript


def test_a_restart_unregisters_its_pals_and_concurrent_loads_share_one(vm):
    """After a reboot of the VM its vTEE has no PAL; three clients that open
    selftest at once each load it, and one registration comes of it."""
    vm.child.sendline("reboot")
    vm.expect(r"\[S-EL1 stk\] vTEE for client 1 destroyed and wiped", 60)
    vm.wait_restarted("vm0")
    mark = len(vm.transcript)
    vm.run("rm -f /tmp/c*.out; for i in 1 2 3; do (tzv-client spin 50 > /tmp/c$i.out 2>&1 &); "
           "done; sleep 3")
    outs = [vm.run(f"cat /tmp/c{i}.out") for i in (1, 2, 3)]
    assert all(o.startswith("spin: ok") for o in outs), outs
    assert vm.transcript[mark:].count("[S-EL1 stk] vTEE 1: PAL selftest loaded") == 1
