"""Each PAL's anti-rollback minimum (docs/secure-boot.md, pal-abi.md): the
first load of a PAL (signer and UUID) at a higher security version raises
the minimum the secure flash keeps for it, next to the platform's, through
the monitor at run time; an older version of it is then refused, also after
a power cycle; a registration older than the minimum runs no new session.
Runs the one-VM test system, and the default one, on copies of their
flash."""
import hashlib
import os
import random
import re
import shutil
import struct
import time

import pytest

from qemu import BUILD, System, boot_default, build_ok, system_dir

SYS = system_dir("single")
pytestmark = pytest.mark.skipif(not build_ok("single"), reason="system not built")

FLASH_NV = 0x3FC0000
UUID = "a7e1f0c1-7a76-4c30-9a00-746573740000"
SELFTEST = f"/lib/optee_armtz/{UUID}.ta"
SVN2 = "/usr/share/tzv-test/selftest-svn2.ta"


def pal_minima(flash):
    """{uuid hex: (signer hex, minimum)} from the flash's record (nv.c)."""
    with open(flash, "rb") as f:
        f.seek(FLASH_NV + 16)
        magic, count, check = struct.unpack("<QII", f.read(16))
        if magic != 0x3150564E565A54 or check != count ^ 0xFFFFFFFF:
            return {}
        out = {}
        for _ in range(count):
            uuid, signer, minimum, mcheck = struct.unpack("<16s32sII", f.read(56))
            assert mcheck == minimum ^ 0xFFFFFFFF
            out[uuid.hex()] = (signer.hex(), minimum)
        return out


def copy_of(system, tmp):
    """The system's directory with a copy of its flash that holds no PAL
    minima yet (other tests' loads wrote some)."""
    flash = str(tmp / "flash.bin")
    shutil.copy(os.path.join(system, "secure-flash.bin"), flash)
    with open(flash, "r+b") as f:
        f.seek(FLASH_NV + 16)
        f.write(bytes(16 + 64 * 56))
    args = open(os.path.join(system, "qemu.args")).read()
    (tmp / "qemu.args").write_text(args.replace(os.path.join(system, "secure-flash.bin"), flash))
    return str(tmp), flash


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    return copy_of(SYS, tmp_path_factory.mktemp("rollback"))


def boot(sysdir, name):
    s = System(sysdir, log_name=name)
    s.wait_shell(120)
    return s


def spin(vm):
    return vm.run("tzv-client spin 1 2>&1; echo rc=$?")


def test_a_newer_pal_raises_its_minimum_and_an_older_one_is_refused(copy):
    sysdir, flash = copy
    platform = open(flash, "rb").read()[FLASH_NV:FLASH_NV + 16]
    vm = boot(sysdir, "pal-rollback-1")
    try:
        assert spin(vm).startswith("spin: ok")
        assert re.search(r"anti-rollback: PAL a7e1f0c1-\.\.\.-0000: minimum security version 1",
                         vm.transcript)
        vm.run(f"cp {SELFTEST} /tmp/v1.ta; cp {SVN2} {SELFTEST}; tzv-client pal unload {UUID}")
        assert spin(vm).startswith("spin: ok")
        assert "minimum security version 2" in vm.transcript
        vm.run(f"cp /tmp/v1.ta {SELFTEST}; tzv-client pal unload {UUID}")
        out = spin(vm)
        assert "tzv-client: open: TEEC_ERROR_SECURITY" in out and "rc=1" in out, out
        assert f"vTEE 1: PAL {UUID} not loaded: a security version below its minimum" in \
            vm.transcript
    finally:
        vm.close()
    minima = pal_minima(flash)
    assert minima[UUID.replace("-", "")][1] == 2, minima
    assert open(flash, "rb").read()[FLASH_NV:FLASH_NV + 16] == platform  # the platform's kept


def test_the_minimum_outlives_a_power_cycle(copy):
    sysdir, _ = copy
    vm = boot(sysdir, "pal-rollback-2")
    try:
        out = spin(vm)  # the guest's own selftest.ta: version 1
        assert "tzv-client: open: TEEC_ERROR_SECURITY" in out, out
        vm.run(f"cp {SVN2} {SELFTEST}")
        assert spin(vm).startswith("spin: ok")
        # a load at the minimum writes nothing
        assert "minimum security version" not in vm.transcript.split("spin 1")[-1]
    finally:
        vm.close()


@pytest.mark.skipif(not build_ok(), reason="default system not built")
def test_a_pal_registered_before_its_minimum_rose_runs_no_new_session(tmp_path):
    sysdir, _ = copy_of(system_dir("default"), tmp_path)
    s = boot_default("pal-rollback-3", sysdir)
    try:
        # vm1 registers version 1 and keeps a session on it for a while
        s.on("vm1", f"(tzv-client hold 1 20000 {UUID} > /tmp/hold.log 2>&1 &)")
        for _ in range(50):
            if "hold: 1 sessions open" in s.on("vm1", "cat /tmp/hold.log"):
                break
            time.sleep(0.2)
        # vm0 loads version 2: the minimum rises to 2
        assert s.on("vm0", f"cp {SVN2} {SELFTEST}; tzv-client spin 1").startswith("spin: ok")
        assert "minimum security version 2" in s.transcript
        # vm1's registration of version 1 is in use: no new session on it
        out = s.on("vm1", "tzv-client spin 1 2>&1; echo rc=$?")
        assert "tzv-client: open: TEEC_ERROR_SECURITY" in out and "rc=1" in out, out
        assert "vTEE 2: PAL selftest registered at security version 1, now below its minimum; " \
            "in use" in s.transcript
        # once that session ends, the registration goes, and vm1's file
        # (version 1) loads no more
        for _ in range(150):
            if "hold: closed" in s.on("vm1", "cat /tmp/hold.log"):
                break
            time.sleep(0.2)
        out = s.on("vm1", "tzv-client spin 1 2>&1; echo rc=$?")
        assert "tzv-client: open: TEEC_ERROR_SECURITY" in out and "rc=1" in out, out
        assert "now below its minimum: unloaded" in s.transcript
        assert f"vTEE 2: PAL {UUID} not loaded: a security version below its minimum" in \
            s.transcript
        # with the newer file, vm1 runs version 2
        assert s.on("vm1", f"cp {SVN2} {SELFTEST}; tzv-client spin 1").startswith("spin: ok")
        assert "FATAL" not in s.transcript
    finally:
        s.close()


HELLO_UUID = bytes.fromhex("a7e1f0c17a764c309a0068656c6c6f00")


def test_a_full_table_of_pal_minima_refuses_a_new_pal_and_keeps_the_rest(tmp_path):
    """The secure flash keeps the minima of 64 PALs (nv.c: PAL_MINIMA_MAX).
    With 64 there, hello's among them: hello still loads (its minimum is
    found), selftest, a 65th, is refused with STORAGE_NO_SPACE and does not
    run, and no minimum changes (docs/security-tests.md I09)."""
    sysdir, flash = copy_of(SYS, tmp_path)
    signer = hashlib.sha256(open(os.path.join(BUILD, "keys", "provider.pub"), "rb").read()).digest()
    rng = random.Random(64)
    entries = [(rng.randbytes(16), rng.randbytes(32), 1 + i) for i in range(63)]
    entries.insert(17, (HELLO_UUID, signer, 1))
    record = struct.pack("<QII", 0x3150564E565A54, 64, 64 ^ 0xFFFFFFFF)
    for uuid, who, minimum in entries:
        record += struct.pack("<16s32sII", uuid, who, minimum, minimum ^ 0xFFFFFFFF)
    with open(flash, "r+b") as f:
        f.seek(FLASH_NV + 16)
        f.write(record)
    before = pal_minima(flash)
    assert len(before) == 64
    vm = boot(sysdir, "pal-rollback-full")
    try:
        assert vm.run("tzv-client hello-value 41") == "hello-value: a=42 b=43"
        out = spin(vm)
        assert "tzv-client: open: TEEC_ERROR_STORAGE_NO_SPACE" in out and "spin: ok" not in out, out
        assert re.search(r"PAL a7e1f0c1-7a76-4c30-9a00-746573740000 not loaded: no room for its "
                         r"minimum in the secure flash", vm.transcript), vm.transcript[-2000:]
    finally:
        vm.close()
    assert pal_minima(flash) == before
