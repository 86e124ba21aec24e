"""The virtual TEE of every VM, through the stock Linux optee driver and the
stock libteec, in the default system's two Linux VMs at once: the PALs at
S-EL0 (hello, rng, keystore, selftest), per-VM isolation, preemption of a
long call, fault containment, and the wipe on reboot (docs/vtee.md)."""
import hashlib
import hmac
import os
import re
import time

import pytest

from qemu import BUILD, boot_default, build_ok, run_host

pytestmark = pytest.mark.skipif(not build_ok(), reason="system not built")

TARGET_DEAD = "TEEC_ERROR_TARGET_DEAD (0xffff3024) origin 3"


@pytest.fixture(scope="module")
def system():
    s = boot_default("vtee")
    yield s
    s.close()


def stats(system, vm):
    return system.vtee_stats(vm)[:4]


@pytest.mark.parametrize("vm", ["vm0", "vm1"])
def test_stock_driver_probes_and_optee_rng_binds(system, vm):
    out = system.on(vm, "dmesg | grep optee; ls /dev/tee0 /dev/teepriv0; "
                         "cat /sys/class/misc/hw_random/rng_current")
    assert "optee: initialized driver" in out
    assert "optee: dynamic shared memory is enabled" in out
    assert "/dev/tee0" in out and "/dev/teepriv0" in out
    assert "optee-rng" in out.splitlines()[-1]
    assert "probe of" not in out  # no failed probe


def test_hello_values_and_buffers(system):
    assert system.on("vm0", "tzv-client hello-value 41") == "hello-value: a=42 b=43"
    assert system.on("vm0", "tzv-client hello-value 4294967295") == "hello-value: a=0 b=1"
    for size, mode in [("0", "temp"), ("1", "temp"), ("4K", "temp"), ("1M", "temp"),
                       ("1", "shm"), ("4K", "shm"), ("1M", "shm")]:
        out = system.on("vm0", f"tzv-client hello-buf {size} {mode}")
        assert re.fullmatch(r"hello-buf: size=\d+ sum=0x[0-9a-f]{8} ok", out), (size, mode, out)
    assert system.on("vm0", "tzv-client hello-null") == "hello-null: ok a=0 b=0"


def test_buffer_over_the_page_limit_is_refused(system):
    """3 MiB is 769 pages, over the default tee_shm_pages (512): the
    hypervisor refuses the registration before the secure world sees it."""
    out = system.on("vm0", "tzv-client hello-buf 3M; echo rc=$?")
    assert "rc=1" in out and "TEEC_ERROR_" in out, out
    assert re.search(r"vm0: vTEE buffer of 3145728 bytes refused \(at most 512 pages\)",
                     system.transcript)
    assert system.on("vm0", "tzv-client hello-buf 2040K") .endswith(" ok")


def test_wrong_uuid_and_unknown_command(system):
    out = system.on("vm0", "tzv-client open 01234567-89ab-cdef-0123-456789abcdef; echo rc=$?")
    assert "tzv-client: open: TEEC_ERROR_ITEM_NOT_FOUND (0xffff0008) origin 3" in out
    assert "rc=1" in out
    out = system.on("vm0", "tzv-client invoke 99")
    assert "TEEC_ERROR_NOT_SUPPORTED (0xffff000a) origin 4" in out


def test_hwrng_differs_per_vm(system):
    read = "head -c 32 /dev/hwrng | od -An -tx1 | tr -d ' \\n'"
    a0, b0 = system.on("vm0", read), system.on("vm0", read)
    a1 = system.on("vm1", read)
    for v in (a0, b0, a1):
        assert re.fullmatch(r"[0-9a-f]{64}", v), v
        assert v != "0" * 64
    assert len({a0, b0, a1}) == 3


def test_keys_stay_in_their_vm(system):
    assert system.on("vm0", "tzv-client key-gen 3") == "key-gen: ok"
    pub = system.on("vm0", "tzv-client key-pub 3")
    assert re.fullmatch(r"key-pub: 04[0-9a-f]{128}", pub), pub
    sig = system.on("vm0", "tzv-client key-sign 3 " + "ab" * 32)
    assert re.fullmatch(r"key-sign: [0-9a-f]{128}", sig), sig
    # vm1 can neither read nor use vm0's key
    assert "TEEC_ERROR_ITEM_NOT_FOUND" in system.on("vm1", "tzv-client key-pub 3")
    assert "TEEC_ERROR_ITEM_NOT_FOUND" in system.on("vm1", "tzv-client key-sign 3 " + "ab" * 32)
    # vm1's own key in the same slot is a different key
    assert system.on("vm1", "tzv-client key-gen 3") == "key-gen: ok"
    assert system.on("vm1", "tzv-client key-pub 3") != pub
    assert system.on("vm0", "tzv-client key-pub 3") == pub


def test_trusted_storage_stays_in_its_vm(system):
    """Each VM's objects live in its own flash sectors (storage.md): the same
    name in two VMs is two objects, and one VM filling its budget leaves the
    other's room and objects as they were."""
    def obj(vm, args):
        return system.on(vm, f"tzv-client obj {args} 2>&1")
    assert obj("vm0", "put shared from-vm0") == "obj: ok"
    assert "TEEC_ERROR_ITEM_NOT_FOUND" in obj("vm1", "get shared")
    assert obj("vm1", "put shared from-vm1") == "obj: ok"
    assert obj("vm0", "get shared") == "obj: 8 bytes: from-vm0"
    assert obj("vm1", "fill big 64K") == "obj: ok"
    assert "TEEC_ERROR_STORAGE_NO_SPACE" in obj("vm1", "fill big2 64K")
    assert obj("vm0", "fill big 64K") == "obj: ok"
    assert obj("vm1", "get shared") == "obj: 8 bytes: from-vm1"
    assert obj("vm0", "rm big") == "obj: ok" and obj("vm1", "rm big") == "obj: ok"


def test_a_ree_file_copied_from_another_vm_is_refused(system):
    """REE FS (storage.md): vm1 gets vm0's file for the same object id (the
    bytes through the console) under its own name for that id; vm1's PAL
    reads it as TEE_ERROR_CORRUPT_OBJECT, since only vm0's keys open it."""
    d = "/data/tee"
    assert system.on("vm0", "tzv-client obj --ree put x from-vm0 2>&1") == "obj: ok"
    assert system.on("vm1", "tzv-client obj --ree put x from-vm1 2>&1") == "obj: ok"
    src = system.on("vm0", f"ls -d {d}/pal-*/o*").split()
    dst = system.on("vm1", f"ls -d {d}/pal-*/o*").split()
    assert len(src) == 1 and len(dst) == 1, (src, dst)
    data = system.read_file("vm0", src[0])
    esc = "".join(f"\\{b:03o}" for b in data)
    system.on("vm1", f"printf '{esc}' > {dst[0]}")
    assert system.read_file("vm1", dst[0]) == data
    assert "(0xf0100001)" in system.on("vm1", "tzv-client obj --ree get x 2>&1")
    assert system.on("vm0", "tzv-client obj --ree get x 2>&1") == "obj: 8 bytes: from-vm0"


def test_thousand_cycles_leak_nothing(system):
    before = stats(system, "vm0")
    assert system.on("vm0", "tzv-client cycles 1000", 300) == "cycles: 1000 ok"
    assert stats(system, "vm0") == before
    # the stats session and its call are the only ones of tzv-client's
    sessions, shm, instances, calls = before
    assert calls == 1 and sessions >= 1


def test_long_pal_call_does_not_stall_the_guest(system):
    """vm1 has one vCPU: the shell only answers while the PAL spins if the
    call goes back to Linux on every interrupt and time slice."""
    system.on("vm1", "dmesg -c > /dev/null")
    system.on("vm1", "(tzv-client spin 10000 > /tmp/spin.out 2>&1 &)")
    for _ in range(4):
        assert system.on("vm1", "sleep 1; echo alive") == "alive"
    assert system.on("vm1", "cat /proc/loadavg") != ""
    system.on("vm1", "while ! grep -q spin: /tmp/spin.out; do sleep 1; done", 60)
    assert re.fullmatch(r"spin: ok loops=\d+", system.on("vm1", "cat /tmp/spin.out"))
    log = system.on("vm1", "dmesg")
    for bad in ("rcu", "stall", "soft lockup", "hung task", "watchdog"):
        assert bad not in log.lower(), log


def test_spinning_sessions_share_the_cpu_fairly(system):
    """Two sessions spinning at once on vm1's one CPU: each step of a call
    gets one slice (10 ms) or less before Linux schedules again, so both
    get about half of the CPU. (Different VMs never share a CPU.)"""
    system.on("vm1", "rm -f /tmp/s1 /tmp/s2; (tzv-client spin 4000 > /tmp/s1 &); "
                      "(tzv-client spin 4000 > /tmp/s2 &)")
    system.on("vm1", "until grep -q spin: /tmp/s1 && grep -q spin: /tmp/s2; do sleep 1; done", 60)
    loops = [int(re.search(r"spin: ok loops=(\d+)", system.on("vm1", f"cat /tmp/s{i}")).group(1))
             for i in (1, 2)]
    assert min(loops) / max(loops) > 0.6, loops


# vm0 runs xtest-like faults of the runtime, vm1 those of the memory map
# (SoK I07: text never writable, data, heap and stack never executable, an
# input memref read-only); each vTEE's console lines are budgeted
@pytest.mark.parametrize("vm,kind", [("vm0", "null"), ("vm0", "undef"), ("vm0", "oom"),
                                     ("vm0", "stack"), ("vm1", "wtext"), ("vm1", "xdata"),
                                     ("vm1", "xheap"), ("vm1", "xstack"), ("vm1", "winput")])
def test_pal_fault_is_contained(system, vm, kind):
    client = int(vm[2:]) + 1
    other = "vm1" if vm == "vm0" else "vm0"
    killed = system.transcript.count(f"PAL selftest of vTEE {client} killed")
    out = system.on(vm, f"tzv-client crash {kind}; echo rc=$?")
    assert f"tzv-client: invoke: {TARGET_DEAD}" in out
    assert "crash: after: TEEC_ERROR_TARGET_DEAD (0xffff3024)" in out
    assert "rc=0" in out
    assert system.transcript.count(f"PAL selftest of vTEE {client} killed") == killed + 1
    # the STK, the other PALs and the other VM go on
    assert system.on(vm, "tzv-client hello-value 1") == "hello-value: a=2 b=3"
    assert system.on(other, "tzv-client hello-value 2") == "hello-value: a=3 b=4"


def test_pal_pointers_into_the_stk_and_beyond_are_refused(system):
    """SoK I12: into the STK, into secure SRAM where other instances live,
    a write into its own text, lengths that wrap past 2^64, a memref
    window: each system call gets BAD_PARAMETERS, and the session lives."""
    out = system.on("vm0", "tzv-client crash stkmem")
    assert "TEEC_ERROR_BAD_PARAMETERS (0xffff0006) origin 4" in out
    assert "crash: after: TEEC_SUCCESS" in out
    for va in ("0xe100000", "0xe800000", "0x100200000"):
        assert f"PAL selftest of vTEE 1: system call with a bad pointer {va}" in system.transcript


def test_pal_layout_is_the_documented_one(system):
    """SoK I06: no ASLR, by design (docs/pal-abi.md): every instance of a
    PAL runs at PAL_VA_BASE + its entry, its stack ending at mem_size."""
    syms = run_host(["aarch64-linux-gnu-nm", os.path.join(BUILD, "pal", "selftest.elf")]).stdout
    entry = int(re.search(r"^([0-9a-f]+) T pal_entry$", syms, re.M).group(1), 16) - 0x100000000
    want = f"layout: entry {entry:#x} stack-top 0x10000"  # selftest: 64 KiB
    for vm in ("vm0", "vm1", "vm0"):
        assert system.on(vm, "tzv-client layout") == want


def test_a_new_instance_finds_nothing_of_the_last_one(system):
    """SoK I14: an instance filled its bss, heap and stack with a marker;
    the next instance, likely on the same freed pages, finds none of it
    (the scan itself finds the marker on the filled instance)."""
    out = system.on("vm0", "tzv-client reuse 5ca1ab1e0ddba11f").splitlines()
    same = re.fullmatch(r"reuse: same session: (\d+) of (\d+) words hold the marker", out[0])
    new = re.fullmatch(r"reuse: new session: (\d+) of (\d+) words hold the marker", out[1])
    assert same and new, out
    # bss, heap, and what later frames left of the stack
    assert int(same.group(1)) >= 1024 + 1024 + 256, out
    assert int(new.group(1)) == 0 and int(new.group(2)) == int(same.group(2)) > 4096, out


def test_random_system_calls_get_defined_errors(system):
    """SoK I02: unknown numbers, and known ones with bad pointers and
    random arguments, from a PAL at S-EL0: NOT_SUPPORTED, BAD_PARAMETERS
    (ACCESS_DENIED for PCR_EXTEND without the attest flag), nothing else;
    the PAL, the STK and the other VM go on. Last of vm1's vTEE: it spends
    the vTEE's console budget."""
    out = system.on("vm1", "tzv-client sysfuzz 20000 12345")
    assert "sysfuzz: 20000 calls, 0 other results" in out, out
    assert "sysfuzz: after: TEEC_SUCCESS" in out
    assert "vTEE 2: too many messages; further ones are dropped" in system.transcript
    assert system.on("vm1", "tzv-client hello-value 5") == "hello-value: a=6 b=7"
    assert system.on("vm0", "tzv-client hello-value 5") == "hello-value: a=6 b=7"
    assert "FATAL" not in system.transcript


def test_reboot_wipes_the_vms_vtee_but_not_its_trusted_storage(system):
    """A reboot destroys the vTEE (sessions, instances, the vTEE's small
    objects) and makes a new one; the keys in the secure flash stay."""
    assert system.on("vm1", "tzv-client key-gen 6") == "key-gen: ok"
    pub = system.on("vm1", "tzv-client key-pub 6")
    assert "key-pub: 04" in pub
    system.child.sendline("reboot")
    system.expect(r"\[S-EL1 stk\] vTEE for client 2 destroyed and wiped", 60)
    system.expect(r"\[S-EL1 stk\] vTEE for client 2 created", 60)
    system.wait_restarted("vm1")
    assert system.on("vm1", "tzv-client key-pub 6") == pub
    assert "TEEC_ERROR_ITEM_NOT_FOUND" in system.on("vm1", "tzv-client key-pub 5")
    # vm0 kept its key
    assert "key-pub: 04" in system.on("vm0", "tzv-client key-pub 3")
    assert "FATAL" not in system.transcript


def test_two_vcpus_using_one_key_slot_at_once(system):
    """SoK I17, storage: vm0's two vCPUs generate and read the same keystore
    slot at once, 40 times each; every call answers (a whole key, never a
    torn one), and the vTEE holds nothing more after."""
    before = stats(system, "vm0")
    loop = ("for i in $(seq 40); do tzv-client key-gen 7 && tzv-client key-pub 7; done "
            "> /tmp/ks{n}.log 2>&1; echo done{n} >> /tmp/ks{n}.log")
    system.on("vm0", f"({loop.format(n=1)} &); ({loop.format(n=2)} &)")
    for _ in range(600):
        out = system.on("vm0", "cat /tmp/ks1.log /tmp/ks2.log")
        if "done1" in out and "done2" in out:
            break
        time.sleep(0.5)
    lines = [l for l in out.splitlines() if not l.startswith("done")]
    assert lines.count("key-gen: ok") == 80, out
    pubs = [l for l in lines if l.startswith("key-pub: ")]
    assert len(pubs) == 80 and all(re.fullmatch(r"key-pub: 04[0-9a-f]{128}", l) for l in pubs), out
    assert len(lines) == 160, out
    assert stats(system, "vm0") == before


def test_a_pal_puts_no_control_byte_on_the_console(system):
    """SoK I05: a PAL's log line reaches the console after the STK's own
    prefix, with every byte outside printable ASCII shown as '.', so a PAL
    can neither erase the console nor start a line that looks like another
    level's."""
    forged = b"\x1b[2J\x1b[H\r[EL3 mon] PANIC: forged\x07\x08\x00\x7f\xff\n[vm1] x"
    out = system.on("vm0", f"tzv-client pal-log {forged.hex()}")
    assert out.startswith("pal-log: TEEC_SUCCESS"), out
    shown = "".join(chr(b) if 0x20 <= b < 0x7f else "." for b in forged)
    assert f"[S-EL1 stk] pal selftest vm0: {shown}\n" in system.transcript.replace("\r\n", "\n")
    for raw in ("\x1b[2J", "\x1b[H", "\x07", "\x08"):
        assert raw not in system.transcript, repr(raw)


def test_the_console_shows_no_secret(system):
    """SoK I05: after the faults, refused system calls, PAL log lines and
    the reboot above, the console (what the normal world and its admin see)
    holds no 8 bytes of the device secret, the root key or a provider's key,
    as hex either way round (a register dump prints words little-endian)."""
    t = system.transcript.lower()
    secrets = {name: open(os.path.join(BUILD, "keys", name), "rb").read()
               for name in ("device-secret.bin", "root.key", "provider.key", "provider2.key")}
    # and the seeds the STK derives from the device secret for the
    # attestation PAL (tee/core/attest.c: derive, v1): the device key, each
    # VM's attestation key, sealing key and statement key
    attest = bytes.fromhex("a7e1f0c17a764c309a00617474657374")
    for vm in (b"", b"vm0", b"vm1"):
        for label in ((b"device key",) if not vm else (b"attestation key", b"seal", b"PAL statement")):
            msg = b"tzvisor derive v1" + attest + vm.ljust(16, b"\0") + label
            secrets[f"{label} {vm}"] = hmac.new(secrets["device-secret.bin"], msg, hashlib.sha256).digest()
    for name, secret in secrets.items():
        assert len(secret) >= 32, name
        for i in range(len(secret) - 7):
            chunk = secret[i:i + 8]
            assert chunk.hex() not in t and chunk[::-1].hex() not in t, (name, i)
