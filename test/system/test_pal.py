"""PALs a VM loads at run time (docs/pal-abi.md): signed PAL files in the
guest's /lib/optee_armtz/, read by Debian's unmodified tee-supplicant when
OPEN_SESSION names a PAL the VM's vTEE does not have, checked by the STK and
registered in that vTEE. Every bad file is refused with a defined error and
a log line naming why, and leaves nothing behind. Runs the one-VM test
system (test/configs/single.toml)."""
import hashlib
import importlib.util
import os
import re
import struct
import sys

import pytest

from qemu import BUILD, ROOT, System, build_ok, run_host, system_dir

pytestmark = pytest.mark.skipif(not build_ok("single"), reason="system not built")

SELFTEST = "/lib/optee_armtz/a7e1f0c1-7a76-4c30-9a00-746573740000.ta"
HELLO = "/lib/optee_armtz/a7e1f0c1-7a76-4c30-9a00-68656c6c6f00.ta"
KEYSTORE = "/lib/optee_armtz/a7e1f0c1-7a76-4c30-9a00-6b657973746f.ta"
ORIG = "/tmp/selftest.ta"
FIXTURES = "/usr/share/tzv-test"
UUID_SELFTEST = "a7e1f0c1-7a76-4c30-9a00-746573740000"
UUID_HELLO = "a7e1f0c1-7a76-4c30-9a00-68656c6c6f00"
UUID_RNG = "ab7a617c-b8e7-4d8f-8301-d09b61036b64"
UUID_KEYSTORE = "a7e1f0c1-7a76-4c30-9a00-6b657973746f"
UUID_SELFTEST2 = "a7e1f0c1-7a76-4c30-9a00-746573740002"  # a fixture of its own

_spec = importlib.util.spec_from_file_location("tzv_attest", os.path.join(ROOT, "tools", "attest.py"))
attest_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(attest_tool)


def identity(name):
    """(signer, measurement) of the build's signed PAL file, as a verifier
    computes them: the header's signer hash, SHA-256 of header and image."""
    with open(os.path.join(BUILD, "pal", f"{name}.ta"), "rb") as f:
        data = f.read()
    image_size, = struct.unpack_from("<I", data, 56)
    return data[64:96].hex(), hashlib.sha256(data[:128 + image_size]).hexdigest()


@pytest.fixture(scope="module")
def vm():
    s = System("single", log_name="pal")
    s.wait_shell(120)
    s.run(f"cp {SELFTEST} {ORIG}")
    # the file as $F: short command lines (the console queues 256 bytes of input)
    s.run(f"F={SELFTEST}")
    yield s
    s.close()


def stats(vm):
    return vm.run("tzv-client stats")


def poke(offset, octal):
    """Shell: set the byte at offset of the selftest file."""
    return f"printf '\\{octal}' | dd of=$F bs=1 seek={offset} count=1 conv=notrunc 2>/dev/null"


def test_a_pal_is_loaded_through_tee_supplicant_once(vm):
    assert vm.run("tzv-client hello-value 41") == "hello-value: a=42 b=43"
    assert vm.run("tzv-client hello-value 1") == "hello-value: a=2 b=3"
    t = vm.transcript
    assert t.count("[S-EL1 stk] vTEE 1: PAL hello loaded, version 1") == 1


# (what, how to make the file from the good one, the error, the STK's reason)
BAD = [
    ("unsigned", f"dd if={ORIG} of=$F bs=128 skip=1 2>/dev/null",
     "TEEC_ERROR_SECURITY", "not a signed PAL file"),
    ("truncated", f"head -c 3000 {ORIG} > $F", "TEEC_ERROR_SECURITY",
     "sizes that do not add up"),
    ("header bit flipped", f"cp {ORIG} $F; " + poke(48, "007"), "TEEC_ERROR_SECURITY",
     "a signature that does not verify"),
    ("image bit flipped", f"cp {ORIG} $F; " + poke(128 + 300, "377"),
     "TEEC_ERROR_SECURITY", "a signature that does not verify"),
    ("signature bit flipped", f"cp {ORIG} $F; s=$(wc -c < $F); "
     "printf '\\001' | dd of=$F bs=1 seek=$((s - 1)) count=1 conv=notrunc 2>/dev/null",
     "TEEC_ERROR_SECURITY", "a signature that does not verify"),
    ("unknown format version", f"cp {ORIG} $F; " + poke(8, "002"), "TEEC_ERROR_SECURITY",
     "an unknown format version"),
    ("sizes that lie", f"cp {ORIG} $F; " + poke(57, "040"), "TEEC_ERROR_SECURITY",
     "sizes that do not add up"),
    ("signed by an unauthorized provider", f"cp {FIXTURES}/selftest-untrusted.ta $F",
     "TEEC_ERROR_SECURITY", "a signer the platform does not authorize"),
    ("signed by the root key", f"cp {FIXTURES}/selftest-root.ta $F",
     "TEEC_ERROR_SECURITY", "a signer the platform does not authorize"),
    ("another PAL's file under its name", f"cp {HELLO} $F", "TEEC_ERROR_SECURITY",
     "another PAL's UUID"),
    ("oversized", "dd if=/dev/zero of=$F bs=4096 count=80 2>/dev/null",
     "TEEC_ERROR_OUT_OF_MEMORY", "its file is empty or too big"),
    ("missing", "rm -f $F", "TEEC_ERROR_ITEM_NOT_FOUND",
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


def test_tee_supplicant_killed_in_the_middle_of_a_load_ends_the_open_cleanly(vm):
    """Stopped while the STK waits for the file (LOAD_TA queued for it),
    then killed: the kernel fails the request, the open ends, nothing is
    left, and a new tee-supplicant serves the same load."""
    other = f"/lib/optee_armtz/{UUID_SELFTEST2}.ta"
    vm.run(f"tzv-client pal unload {UUID_HELLO}; cp {FIXTURES}/selftest2.ta {other}")
    before = stats(vm)
    vm.run("kill -STOP $(pidof tee-supplicant)")
    vm.run(f"tzv-client open {UUID_SELFTEST2} > /tmp/k.out 2>&1 & sleep 2")
    assert vm.run("cat /tmp/k.out") == ""  # waiting for the file
    vm.run("kill -KILL $(pidof tee-supplicant); sleep 1")
    assert "tzv-client: open: TEEC_ERROR_COMMUNICATION" in vm.run("cat /tmp/k.out")
    assert (f"[S-EL1 stk] vTEE 1: PAL {UUID_SELFTEST2} not loaded: tee-supplicant did not find "
            "or give its file") in vm.transcript
    assert stats(vm) == before
    vm.run("tee-supplicant -f /data/tee </dev/null >/dev/null 2>&1 & sleep 1")
    assert vm.run(f"tzv-client open {UUID_SELFTEST2}") == "open: ok"
    vm.run(f"tzv-client pal unload {UUID_SELFTEST2}")


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


def pal_lines(vm):
    out = vm.run("tzv-client pal list").splitlines()
    return out[:-1], out[-1]


def test_the_pal_manager_lists_what_the_vtee_registered(vm):
    """Each registration with its identity as a verifier would
    compute it from the file; the built-in PALs are not listed."""
    assert vm.run("tzv-client hello-value 1") == "hello-value: a=2 b=3"
    lines, total = pal_lines(vm)
    assert total == "pal: 2 registered", lines
    for line, name, uuid in zip(lines, ("selftest", "hello"), (UUID_SELFTEST, UUID_HELLO)):
        signer, measurement = identity(name)
        m = re.fullmatch(rf"pal: {uuid} {name} version=1 svn=1 signer={signer} "
                         rf"measurement={measurement} mem=(\d+) sessions=0 pages=(\d+)", line)
        assert m, line
        assert int(m.group(1)) > 0 and int(m.group(2)) > 0


def test_unloading_a_pal_in_use_is_busy_then_it_goes_and_loads_again(vm):
    vm.run("tzv-client spin 4000 > /tmp/spin.out 2>&1 & sleep 1")
    out = vm.run(f"tzv-client pal unload {UUID_SELFTEST}; echo rc=$?")
    assert "tzv-client: invoke: TEEC_ERROR_BUSY (0xffff000d)" in out and "rc=1" in out, out
    vm.run("wait")
    assert vm.run("cat /tmp/spin.out").startswith("spin: ok")
    assert vm.run(f"tzv-client pal unload {UUID_SELFTEST}") == f"pal: unloaded {UUID_SELFTEST}"
    assert "[S-EL1 stk] vTEE 1: PAL selftest unloaded" in vm.transcript
    lines, total = pal_lines(vm)
    assert total == "pal: 1 registered" and lines[0].startswith(f"pal: {UUID_HELLO} hello "), lines
    mark = len(vm.transcript)
    assert vm.run("tzv-client spin 1").startswith("spin: ok")
    assert "[S-EL1 stk] vTEE 1: PAL selftest loaded, version 1" in vm.transcript[mark:]


@pytest.mark.parametrize("uuid,error", [
    ("00000000-0000-0000-0000-000000000000", "TEEC_ERROR_ITEM_NOT_FOUND (0xffff0008)"),
    (UUID_RNG, "TEEC_ERROR_ACCESS_DENIED (0xffff0001)"),  # the platform's own
], ids=["unknown", "built-in"])
def test_unloading_what_is_not_a_registered_pal_is_refused(vm, uuid, error):
    before = stats(vm)
    out = vm.run(f"tzv-client pal unload {uuid}; echo rc=$?")
    assert f"tzv-client: invoke: {error}" in out and "rc=1" in out, out
    assert stats(vm) == before
    assert vm.run("tzv-client pal unload not-a-uuid; echo rc=$?").endswith("rc=2")


def test_no_client_extends_the_pals_pcr(vm):
    out = vm.run("tzv-client extend 12 forged-pal; echo rc=$?")
    assert "TEEC_ERROR_ACCESS_DENIED" in out and "rc=1" in out, out


def verify(outdir, *extra):
    return run_host([sys.executable, os.path.join(ROOT, "tools", "tzv-verify"), outdir,
                     "--device-pub", os.path.join(BUILD, "keys", "device.pem"),
                     "--reference", os.path.join(system_dir("single"), "reference.json"),
                     *extra])


def test_a_quote_tells_which_pals_the_vm_loaded_in_order(vm, tmp_path):
    """Since the restart: selftest, hello, selftest again (it was unloaded)."""
    files = attest_tool.parse(vm.run("tzv-client attest 00112233 /tmp/att; echo rc=$?", 300))
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    loaded = [("selftest", UUID_SELFTEST), ("hello", UUID_HELLO), ("selftest", UUID_SELFTEST)]
    expect = []
    for name, uuid in loaded:
        expect += ["--expect-pal", f"{uuid}:{identity(name)[1]}"]
    r = verify(str(tmp_path), *expect)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "tzv-verify: PALs loaded: ok" in r.stdout
    for n, (name, uuid) in enumerate(loaded, 1):
        signer, measurement = identity(name)
        assert (f"tzv-verify: PAL {n}: {uuid} {name} version 1 svn 1 signer {signer[:16]}... "
                f"measurement {measurement}") in r.stdout, r.stdout
    # a verifier that expects another list, or another build of a PAL
    r = verify(str(tmp_path), *expect[:4])
    assert r.returncode == 1 and "tzv-verify: PALs loaded: FAILED" in r.stdout, r.stdout
    wrong = expect[:-1] + [f"{UUID_SELFTEST}:{identity('hello')[1]}"]
    assert verify(str(tmp_path), *wrong).returncode == 1


def test_a_pal_beyond_the_vms_quota_of_pals_is_refused_until_one_goes(vm):
    """single.toml allows 3 registered PALs; selftest and hello are."""
    assert vm.run("tzv-client key-gen 0") == "key-gen: ok"  # keystore, the third
    vm.run(f"cp {FIXTURES}/selftest2.ta /lib/optee_armtz/{UUID_SELFTEST2}.ta")
    before = stats(vm)
    out = vm.run(f"tzv-client open {UUID_SELFTEST2}; echo rc=$?")
    assert "tzv-client: open: TEEC_ERROR_OUT_OF_MEMORY" in out and "rc=1" in out, out
    assert (f"[S-EL1 stk] vTEE 1: PAL {UUID_SELFTEST2} not loaded: the VM has its quota of PALs"
            in vm.transcript)
    assert stats(vm) == before
    assert vm.run(f"tzv-client pal unload {UUID_KEYSTORE}") == f"pal: unloaded {UUID_KEYSTORE}"
    assert vm.run(f"tzv-client open {UUID_SELFTEST2}") == "open: ok"
    assert "[S-EL1 stk] vTEE 1: PAL selftest2 loaded, version 1" in vm.transcript
    lines, total = pal_lines(vm)
    assert total == "pal: 3 registered", lines


def test_what_a_registration_and_an_instance_cost(vm):
    """The secure memory a registered PAL and each of its instances take
    (docs/pal-abi.md): hello's 4 KiB file and its 32 KiB memory."""
    free = lambda: int(re.search(r"secure_kib=(\d+)/", stats(vm)).group(1))  # noqa: E731
    vm.run(f"tzv-client pal unload {UUID_HELLO}")
    base = free()
    assert vm.run("tzv-client hold 1 0").startswith("hold: 1 sessions open")
    registered = free() - base
    vm.run("tzv-client hold 4 4000 > /tmp/hold.out & sleep 2")
    held = free() - base - registered
    vm.run("wait")
    # stats' own session is a pseudo-PAL's, which costs no secure memory
    assert registered == 8, registered  # the file: 4356 bytes in 2 pages
    assert held == 4 * 64, held  # 8 pages of memory, the parameter page, 7 of tables


# ---- a PAL's TPM-like operations (docs/pal-abi.md, "Sealing and statements") ----

def swap_selftest(vm, fixture):
    """Another build of the selftest PAL under its UUID, loaded afresh."""
    vm.run(f"cp {fixture} {SELFTEST}")
    assert vm.run(f"tzv-client pal unload {UUID_SELFTEST}") == f"pal: unloaded {UUID_SELFTEST}"


def unseal(vm, uuid, path):
    return vm.run(f"tzv-client pal-unseal {uuid} {path}; echo rc=$?")


def test_a_pal_unseals_only_what_it_sealed_itself(vm):
    """Sealed to signer, UUID and VM (0), or to the exact measurement too (2):
    another PAL, another provider's build of the same UUID, a newer build
    (for 2 only), or a changed blob get TEEC_ERROR_SECURITY."""
    refused = "tzv-client: invoke: TEEC_ERROR_SECURITY"
    vm.run(f"cp {SELFTEST} {ORIG}")  # (the restart emptied /tmp)
    assert vm.run(f"tzv-client pal-seal {UUID_SELFTEST} 0 any-build /tmp/s0.bin") == "pal-seal: ok"
    assert vm.run(f"tzv-client pal-seal {UUID_SELFTEST} 2 this-build /tmp/s2.bin") == "pal-seal: ok"
    assert unseal(vm, UUID_SELFTEST, "/tmp/s0.bin") == "pal-unseal: any-build\nrc=0"
    assert unseal(vm, UUID_SELFTEST, "/tmp/s2.bin") == "pal-unseal: this-build\nrc=0"
    assert refused in unseal(vm, UUID_SELFTEST2, "/tmp/s0.bin")  # same code, another UUID
    vm.run("cp /tmp/s0.bin /tmp/bad.bin; printf '\\001' | "
           "dd of=/tmp/bad.bin bs=1 seek=30 count=1 conv=notrunc 2>/dev/null")
    assert refused in unseal(vm, UUID_SELFTEST, "/tmp/bad.bin")
    vm.run("head -c 40 /tmp/s0.bin > /tmp/short.bin")
    assert refused in unseal(vm, UUID_SELFTEST, "/tmp/short.bin")

    swap_selftest(vm, f"{FIXTURES}/selftest-v2.ta")  # same signer and UUID, version 2
    assert unseal(vm, UUID_SELFTEST, "/tmp/s0.bin") == "pal-unseal: any-build\nrc=0"
    assert refused in unseal(vm, UUID_SELFTEST, "/tmp/s2.bin")
    assert re.search(rf"pal: {UUID_SELFTEST} selftest version=2 ", vm.run("tzv-client pal list"))
    swap_selftest(vm, f"{FIXTURES}/selftest-provider2.ta")  # another authorized provider
    assert refused in unseal(vm, UUID_SELFTEST, "/tmp/s0.bin")
    swap_selftest(vm, ORIG)  # the build that sealed
    assert unseal(vm, UUID_SELFTEST, "/tmp/s2.bin") == "pal-unseal: this-build\nrc=0"


def verify_statement(path, *extra):
    return run_host([sys.executable, os.path.join(ROOT, "tools", "tzv-verify"), "--statement",
                     str(path), "--device-pub", os.path.join(BUILD, "keys", "device.pem"),
                     *extra])


def test_a_pal_statement_is_signed_by_the_device_and_names_the_pal(vm, tmp_path):
    out = vm.run(f"tzv-client pal-statement {UUID_SELFTEST} 00112233 /tmp/st.bin")
    m = re.fullmatch(r"pal-statement: ([0-9a-f]{480})", out)
    assert m, out
    st = tmp_path / "st.bin"
    st.write_bytes(bytes.fromhex(m.group(1)))
    assert vm.read_file("vm0", "/tmp/st.bin") == st.read_bytes()
    me = f"{UUID_SELFTEST}:{identity('selftest')[1]}"
    r = verify_statement(st, "--vm", "vm0", "--expect-pal", me, "--data", "00112233")
    assert r.returncode == 0, r.stdout
    assert (f"tzv-verify: PAL {UUID_SELFTEST} in vm0: signer {identity('selftest')[0][:16]}... "
            f"measurement {identity('selftest')[1]} data 00112233") in r.stdout
    assert "tzv-verify: verdict: TRUSTED" in r.stdout
    for extra, check in ((["--data", "00112234"], "data"), (["--vm", "vm1"], "VM name"),
                         (["--expect-pal", f"{UUID_SELFTEST2}:{identity('selftest2')[1]}"],
                          "PAL")):
        r = verify_statement(st, *extra)
        assert r.returncode == 1 and f"tzv-verify: {check}: FAILED" in r.stdout, r.stdout
    data = bytearray(st.read_bytes())
    data[80] ^= 1  # the measurement
    st.write_bytes(bytes(data))
    r = verify_statement(st)
    assert r.returncode == 1 and "tzv-verify: device signature: FAILED" in r.stdout, r.stdout


def test_a_forged_statement_token_is_not_certified(vm):
    """The normal world carries the token but cannot make or change one."""
    assert vm.run(f"tzv-client pal-statement {UUID_SELFTEST2} 01 /tmp/st2.bin").startswith(
        "pal-statement: ")
    vm.run("cp /tmp/st2.bin.token /tmp/forged.token; printf '\\007' | "
           "dd of=/tmp/forged.token bs=1 seek=40 count=1 conv=notrunc 2>/dev/null")
    out = vm.run("tzv-client certify /tmp/forged.token /tmp/f.bin; echo rc=$?")
    assert "tzv-client: invoke: TEEC_ERROR_SECURITY" in out and "rc=1" in out, out
    out = vm.run("head -c 100 /tmp/st2.bin.token > /tmp/short.token; "
                 "tzv-client certify /tmp/short.token /tmp/f.bin; echo rc=$?")
    assert "TEEC_ERROR_BAD_PARAMETERS" in out and "rc=1" in out, out
