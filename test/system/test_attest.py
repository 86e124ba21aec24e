"""Remote attestation and sealing (docs/secure-boot.md) on the default
system: vm0's quote is accepted by tools/tzv-verify and by Debian's
tpm2_checkquote; vm1's quote presented as vm0's is rejected; sealed data
comes back in the same VM after a reboot and nowhere else, not from a
tampered blob, and not once the guest kernel has changed (which also
changes PCR 8 and its event-log entry). The host-side checks of every
tampered file are test/host/test_verify.py."""
import importlib.util
import os
import re
import shutil
import struct
import subprocess
import sys

import pytest

from qemu import (BUILD, FLASH_NV_COUNTER, FLASH_STORE, ROOT, System, boot_default, build_ok,
                  run_host, system_dir)

pytestmark = pytest.mark.skipif(not build_ok(), reason="system not built")

SYS = system_dir("default")
PCRS = "sha256:0,1,2,3,8,9,10,12"
TZV_VERIFY = os.path.join(ROOT, "tools", "tzv-verify")
FLASH_MANIFEST = 0xF00000
SECURITY = "TEEC_ERROR_SECURITY (0xffff000f)"

_spec = importlib.util.spec_from_file_location("tzv_attest", os.path.join(ROOT, "tools", "attest.py"))
attest_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(attest_tool)


def evidence(system, vm, nonce, outdir):
    out = system.on(vm, f"tzv-client attest {nonce} /tmp/att; echo rc=$?", 300)
    files = attest_tool.parse(out)
    os.makedirs(outdir, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
    return files


REFERENCE = os.path.join(SYS, "reference.json")


def verify(outdir, nonce, vm, reference=None):
    return run_host([sys.executable, TZV_VERIFY, outdir, "--device-pub",
                     os.path.join(BUILD, "keys", "device.pem"), "--nonce", nonce,
                     "--pcrs", PCRS, "--vm", vm] + (["--reference", reference] if reference else []))


def kernel_digest(log):
    i = log.index(b"vm0.kernel")
    return log[i - 4 - 32:i - 4]


@pytest.fixture(scope="module")
def first_boot(tmp_path_factory):
    """One boot of the default system: evidence of both VMs, and blobs
    sealed in each, to compare with a boot with a changed kernel."""
    tmp = tmp_path_factory.mktemp("attest")
    s = boot_default("attest-test")
    try:
        r = {"tmp": tmp, "system": s, "nonce0": os.urandom(32).hex(), "nonce1": os.urandom(20).hex()}
        r["vm0"] = evidence(s, "vm0", r["nonce0"], str(tmp / "vm0"))
        r["vm1"] = evidence(s, "vm1", r["nonce1"], str(tmp / "vm1"))
        assert s.on("vm0", "tzv-client seal 70f secret-of-vm0 /tmp/a.bin") == "seal: ok"
        assert s.on("vm1", "tzv-client seal 70f secret-of-vm1 /tmp/b.bin") == "seal: ok"
        r["blob0"] = s.read_file("vm0", "/tmp/a.bin")
        r["blob1"] = s.read_file("vm1", "/tmp/b.bin")
        # trusted storage (storage.md): one object bound to this kernel, one not
        assert s.on("vm0", "tzv-client obj --bound put bound of-this-kernel") == "obj: ok"
        assert s.on("vm0", "tzv-client obj put free of-any-kernel") == "obj: ok"
        r["flash"] = s.flash
        yield r
    finally:
        s.close()


def test_quote_of_vm0_is_accepted_by_tzv_verify_and_tpm2_checkquote(first_boot):
    d, nonce = str(first_boot["tmp"] / "vm0"), first_boot["nonce0"]
    r = verify(d, nonce, "vm0", REFERENCE)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "tzv-verify: verdict: TRUSTED (the measurements match the reference values)" in r.stdout
    # the partitions the quote vouches for, from the measured partition map
    assert "tzv-verify: partition vm0: CPU 0,1, RAM 0x50000000..0x70000000 (512 MiB)" in r.stdout
    assert "tzv-verify: partition vm1: CPU 2, RAM 0x70000000..0x80000000 (256 MiB)" in r.stdout
    assert "tzv-verify: partition vm2: CPU 3, RAM 0x80000000..0x84000000 (64 MiB)" in r.stdout
    p = lambda n: os.path.join(d, n)  # noqa: E731
    with open(p("pcrs.tpm2"), "wb") as f:  # as make attest writes it
        f.write(attest_tool.tpm2_pcr_file(first_boot["vm0"]["pcrs.bin"], PCRS))
    r = run_host(["tpm2_checkquote", "-u", p("ak.pem"), "-m", p("quote.attest"), "-s", p("quote.sig"),
                  "-g", "sha256", "-q", nonce, "-f", p("pcrs.tpm2"), "-e", p("eventlog.bin")])
    assert r.returncode == 0, r.stdout + r.stderr
    r = run_host(["tpm2_eventlog", p("eventlog.bin")])
    assert r.returncode == 0 and "vm0.kernel" in r.stdout, r.stderr


def test_quote_of_vm1_presented_as_vm0s_is_rejected(first_boot):
    d = str(first_boot["tmp"] / "vm1")
    assert verify(d, first_boot["nonce1"], "vm1").returncode == 0
    r = verify(d, first_boot["nonce1"], "vm0")
    assert r.returncode == 1 and "tzv-verify: verdict: REJECTED" in r.stdout
    assert "VM name: FAILED" in r.stdout
    # and vm0's own evidence with vm1's AK statement in it
    mixed = str(first_boot["tmp"] / "mixed")
    shutil.copytree(str(first_boot["tmp"] / "vm0"), mixed)
    shutil.copy(os.path.join(d, "ak.cert"), os.path.join(mixed, "ak.cert"))
    assert verify(mixed, first_boot["nonce0"], "vm0").returncode == 1


def test_both_vms_share_the_platform_pcrs_and_differ_in_their_own(first_boot):
    p0, p1 = first_boot["vm0"]["pcrs.bin"], first_boot["vm1"]["pcrs.bin"]
    assert p0[:4 * 32] == p1[:4 * 32]  # PCRs 0-3: monitor, STK, hypervisor, configuration
    assert p0[6 * 32:] != p1[6 * 32:]  # PCR 10: each VM's own device tree
    assert first_boot["vm0"]["ak.cert"] != first_boot["vm1"]["ak.cert"]


def test_sealed_data_stays_in_its_vm(first_boot):
    s = first_boot["system"]
    assert s.on("vm0", "tzv-client unseal /tmp/a.bin") == "unseal: secret-of-vm0"
    s.write_file("vm0", "/tmp/b.bin", first_boot["blob1"])
    assert SECURITY in s.on("vm0", "tzv-client unseal /tmp/b.bin")
    bad = bytearray(first_boot["blob0"])
    bad[len(bad) // 2] ^= 1
    s.write_file("vm0", "/tmp/bad.bin", bytes(bad))
    assert SECURITY in s.on("vm0", "tzv-client unseal /tmp/bad.bin")


def test_sealed_data_unseals_in_the_same_vm_after_a_reboot(first_boot):
    s = first_boot["system"]
    s.on("vm1", "true")
    s.child.sendline("reboot")
    s.expect(r"\[S-EL1 stk\] vTEE for client 2 created", 60)
    s.wait_restarted("vm1")
    s.write_file("vm1", "/tmp/b.bin", first_boot["blob1"])
    assert s.on("vm1", "tzv-client unseal /tmp/b.bin") == "unseal: secret-of-vm1"


def resigned(tmp_path, name, changed, flash_at=None):
    """The default system with component name's file replaced by changed,
    re-signed with the build's root key (as tzv-sign manifest does); the
    changed bytes are also written into the flash at flash_at, or loaded by
    QEMU in place of the old file."""
    old = next(f[6] for f in (line.split() for line in open(os.path.join(SYS, "gen", "components.list")))
               if f and f[0] == name)
    lst = open(os.path.join(SYS, "gen", "components.list")).read().replace(f" {old}\n", f" {changed}\n")
    (tmp_path / "components.list").write_text(lst)
    man = str(tmp_path / "manifest.bin")
    r = run_host([os.path.join(BUILD, "tools", "tzv-sign"), "manifest", man,
                  str(tmp_path / "components.list"), os.path.join(BUILD, "keys")])
    assert r.returncode == 0, r.stderr
    flash = str(tmp_path / "flash.bin")
    shutil.copyfile(os.path.join(SYS, "secure-flash.bin"), flash)
    with open(flash, "r+b") as f:
        f.seek(FLASH_MANIFEST)
        f.write(bytes(0x10000))
        f.seek(FLASH_MANIFEST)
        f.write(open(man, "rb").read())
        if flash_at is not None:
            f.seek(flash_at)
            f.write(open(changed, "rb").read())
    args = open(os.path.join(SYS, "qemu.args")).read()
    args = args.replace(os.path.join(SYS, "secure-flash.bin"), flash)
    if flash_at is None:
        assert f"file={old}," in args
        args = args.replace(f"file={old},", f"file={changed},")
    d = tmp_path / "sys"
    d.mkdir()
    (d / "qemu.args").write_text(args)
    return str(d)


def test_changed_guest_kernel_changes_pcr8_its_log_entry_and_unsealing(first_boot, tmp_path):
    """The same system with one byte of the kernel's PE header changed (a
    rebuilt kernel, as far as measurements go), properly re-signed."""
    first_boot["system"].close()
    kernel = os.path.join(BUILD, "guest", "Image")
    changed = str(tmp_path / "Image")
    data = bytearray(open(kernel, "rb").read())
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    assert data[pe:pe + 4] == b"PE\0\0"
    data[pe + 8] ^= 0xFF  # the COFF time stamp: nothing reads it
    open(changed, "wb").write(data)
    d = resigned(tmp_path, "vm0.kernel", changed)
    # the first boot's trusted storage in this system's flash
    kept = str(tmp_path / "kept.flash")
    shutil.copyfile(str(tmp_path / "flash.bin"), kept)
    with open(first_boot["flash"], "rb") as f, open(kept, "r+b") as g:
        f.seek(FLASH_STORE)
        g.seek(FLASH_STORE)
        g.write(f.read(FLASH_NV_COUNTER - FLASH_STORE))

    s = System(d, log_name="attest-kernel", flash=kept)
    try:
        s.wait_restarted("vm0")
        nonce = os.urandom(32).hex()
        files = evidence(s, "vm0", nonce, str(tmp_path / "vm0"))
        r = verify(str(tmp_path / "vm0"), nonce, "vm0")
        assert r.returncode == 0, r.stdout  # still honest evidence, of another kernel...
        assert "measurements were not compared with reference values" in r.stdout
        r = verify(str(tmp_path / "vm0"), nonce, "vm0", REFERENCE)  # ...not the reference one
        assert r.returncode == 1 and "tzv-verify: verdict: REJECTED" in r.stdout, r.stdout
        assert re.search(r"reference values: FAILED \(measurement \d+ \('vm0.kernel', PCR 8\): sha256 ",
                         r.stdout), r.stdout
        before, after = first_boot["vm0"]["pcrs.bin"], files["pcrs.bin"]
        assert after[:4 * 32] == before[:4 * 32]
        assert after[4 * 32:5 * 32] != before[4 * 32:5 * 32]  # PCR 8
        assert after[5 * 32:] == before[5 * 32:]  # initrd, device tree, PALs (none)
        assert kernel_digest(files["eventlog.bin"]) != kernel_digest(first_boot["vm0"]["eventlog.bin"])
        s.write_file("vm0", "/tmp/a.bin", first_boot["blob0"])
        assert SECURITY in s.on("vm0", "tzv-client unseal /tmp/a.bin")
        # the object bound to the first kernel can be neither read, nor replaced, nor
        # deleted by this one; the unbound one can
        obj = lambda args: s.on("vm0", f"tzv-client obj {args} 2>&1")  # noqa: E731
        assert obj("get free") == "obj: 13 bytes: of-any-kernel"
        for args in ("get bound", "--bound put bound forged", "put bound forged", "rm bound",
                     "mv bound other"):
            assert "TEEC_ERROR_ACCESS_DENIED" in obj(args), args
        assert obj("ls") == "obj: free 13\nobj: 1 objects"
        assert "storage: a look-up refused" not in s.transcript  # (denied, not broken)
    finally:
        s.close()


FLASH_STK_IMAGE = 0x101000


def test_a_resigned_stk_with_one_byte_changed_shows_in_pcr1_and_fails_the_reference(first_boot, tmp_path):
    """The platform owner (or whoever holds the root key) ships an STK that
    differs from the reference one in a byte (here a letter of a panic
    message that never prints): it boots, and its quote says so (PCR 1), so
    a verifier with the reference values refuses it (docs/security-tests.md
    I08)."""
    first_boot["system"].close()
    stk = os.path.join(BUILD, "tee.bin")
    changed = str(tmp_path / "tee.bin")
    data = bytearray(open(stk, "rb").read())
    i = data.index(b"STK: cannot build its translation tables")
    data[i + 5] ^= 0x20  # 'c' -> 'C'
    open(changed, "wb").write(data)
    s = System(resigned(tmp_path, "stk", changed, FLASH_STK_IMAGE), log_name="attest-stk")
    try:
        s.wait_restarted("vm0")
        nonce = os.urandom(32).hex()
        files = evidence(s, "vm0", nonce, str(tmp_path / "vm0"))
        r = verify(str(tmp_path / "vm0"), nonce, "vm0")
        assert r.returncode == 0, r.stdout  # honest evidence of another STK...
        r = verify(str(tmp_path / "vm0"), nonce, "vm0", REFERENCE)  # ...not the reference one
        assert r.returncode == 1 and "tzv-verify: verdict: REJECTED" in r.stdout, r.stdout
        assert re.search(r"reference values: FAILED \(measurement \d+ \('stk', PCR 1\): sha256 ",
                         r.stdout), r.stdout
        before, after = first_boot["vm0"]["pcrs.bin"], files["pcrs.bin"]
        assert after[:32] == before[:32]  # PCR 0: the monitor
        assert after[32:64] != before[32:64]  # PCR 1: the STK
        assert after[64:] == before[64:]  # the hypervisor, configuration, the VM's own
    finally:
        s.close()
