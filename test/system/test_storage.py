"""Trusted storage in the secure flash (docs/storage.md), on the one-VM
system: GlobalPlatform's persistent-object calls through the selftest PAL
(tzv-client obj), what survives a reboot and a power cycle, the budget, and
updates cut by killing QEMU at random points, which must leave the old
value or the new one, never a torn one."""
import os
import random
import re
import signal
import time

import pexpect
import pytest

from qemu import BUILD, System, build_ok, run_host, system_dir

pytestmark = pytest.mark.skipif(not build_ok("single"), reason="system not built")


def boot(flash, log_name):
    s = System("single", log_name=log_name, flash=flash)
    s.wait_shell(120)
    return s


def obj(vm, *args):
    return vm.run("tzv-client obj " + " ".join(args) + " 2>&1")


@pytest.fixture
def flash(tmp_path):
    return str(tmp_path / "flash.bin")


def test_persistent_object_calls(flash):
    vm = boot(flash, "storage-calls")
    try:
        assert obj(vm, "ls") == "obj: 0 objects"
        assert obj(vm, "put", "a", "hello") == "obj: ok"
        assert obj(vm, "get", "a") == "obj: 5 bytes: hello"
        assert "TEEC_ERROR_ACCESS_CONFLICT" in obj(vm, "new", "a", "other")
        assert obj(vm, "get", "a") == "obj: 5 bytes: hello"
        assert obj(vm, "write", "a", "8", "world") == "obj: ok"  # past the end: zeros between
        assert obj(vm, "get", "a") == "obj: 13 bytes: hello...world"
        assert obj(vm, "get", "a", "8") == "obj: 5 bytes: world"
        assert obj(vm, "trunc", "a", "4") == "obj: ok"
        assert obj(vm, "get", "a") == "obj: 4 bytes: hell"
        assert obj(vm, "new", "b", "bee") == "obj: ok"
        assert "TEEC_ERROR_ACCESS_CONFLICT" in obj(vm, "mv", "a", "b")
        assert obj(vm, "mv", "a", "c") == "obj: ok"
        assert "TEEC_ERROR_ITEM_NOT_FOUND" in obj(vm, "get", "a")
        assert obj(vm, "get", "c") == "obj: 4 bytes: hell"
        long_id = "i" * 64
        assert obj(vm, "put", long_id, "x") == "obj: ok"
        assert "TEEC_ERROR_BAD_PARAMETERS" in obj(vm, "put", long_id + "i", "x")
        assert obj(vm, "fill", "big", "64K") == "obj: ok"
        listing = obj(vm, "ls").split("\n")
        assert sorted(listing[:-1]) == sorted(["obj: b 3", "obj: c 4", f"obj: {long_id} 1",
                                               "obj: big 65536"]), listing
        assert listing[-1] == "obj: 4 objects"
        assert obj(vm, "rm", "b") == "obj: ok"
        assert "TEEC_ERROR_ITEM_NOT_FOUND" in obj(vm, "rm", "b")
        # the keystore's keys are objects too, but of another PAL: not this one's
        assert vm.run("tzv-client key-gen 0") == "key-gen: ok"
        assert "TEEC_ERROR_ITEM_NOT_FOUND" in vm.run("tzv-client obj get 'key 0' 2>&1")
        assert "obj: 3 objects" in obj(vm, "ls")
        # each refusal of a bad pointer has its code (the selftest's system-call fuzzing
        # covers the storage calls): none may be answered otherwise
        assert re.search(r"sysfuzz: 3000 calls, 0 other results",
                         vm.run("tzv-client sysfuzz 3000 7"))
    finally:
        vm.close()


def test_keys_and_objects_survive_reboot_and_power_cycle(flash):
    vm = boot(flash, "storage-persist-1")
    try:
        assert vm.run("tzv-client key-gen 0") == "key-gen: ok"
        pub = vm.run("tzv-client key-pub 0")
        assert re.fullmatch(r"key-pub: 04[0-9a-f]{128}", pub), pub
        assert obj(vm, "fill", "data", "20000") == "obj: ok"
        sums = obj(vm, "sum", "data")
        vm.child.sendline("reboot")
        vm.expect(r"\[EL2 hyp\] vm0: reset requested", 60)
        vm.wide = ()
        vm.wait_shell(120)
        assert vm.run("tzv-client key-pub 0") == pub
        assert obj(vm, "sum", "data") == sums
        vm.child.sendline("poweroff")
        assert vm.wait_exit(60) == 0
    finally:
        vm.close()
    vm = boot(flash, "storage-persist-2")  # QEMU anew, the same flash file
    try:
        assert vm.run("tzv-client key-pub 0") == pub
        assert obj(vm, "sum", "data") == sums
        sig = vm.run("tzv-client key-sign 0 " + "ab" * 32)
        assert re.fullmatch(r"key-sign: [0-9a-f]{128}", sig), sig
    finally:
        vm.close()
    # a fresh flash (what another machine, or a wiped one, has) holds no key
    vm = boot(None, "storage-persist-3")
    try:
        assert "TEEC_ERROR_ITEM_NOT_FOUND" in vm.run("tzv-client key-pub 0 2>&1")
    finally:
        vm.close()


def test_budget_full_is_no_space_and_updates_compact(flash):
    """single.toml gives vm0 the default 120 KiB of records: one 64 KiB object
    fits, a second does not; rewriting 40 KiB objects again and again moves
    the live ones into the other bank each time one fills, losing nothing."""
    vm = boot(flash, "storage-budget")
    try:
        assert obj(vm, "fill", "one", "64K") == "obj: ok"
        out = obj(vm, "fill", "two", "64K")
        assert "TEEC_ERROR_STORAGE_NO_SPACE" in out, out
        assert "trusted storage: a write refused (0xffff3041)" in vm.transcript
        assert obj(vm, "fill", "two", "40K") == "obj: ok"
        keep = obj(vm, "sum", "one")
        for i in range(12):
            assert obj(vm, "fill", "two", str(40000 + i)) == "obj: ok"
            assert obj(vm, "sum", "two").startswith(f"obj: {40000 + i} bytes")
        assert obj(vm, "sum", "one") == keep
        assert "obj: 2 objects" in obj(vm, "ls")
    finally:
        vm.close()
    vm = boot(flash, "storage-budget-2")
    try:
        assert obj(vm, "sum", "one") == keep
        assert obj(vm, "sum", "two").startswith("obj: 40011 bytes")
    finally:
        vm.close()


FLASH_MANIFEST, FLASH_PARTMAP = 0xF00000, 0xF20000
STORE_ID = 24 + 168 - 16  # vm0's store_id in the partition map (lib/include/tzv/partition.h)


def test_a_vm_that_replaces_another_finds_nothing_of_it(flash, tmp_path):
    """vm0's objects, then the same system signed with another store_id for
    vm0 (what tzv-config draws when a VM leaves the configuration and one
    comes back in its place): the new vm0 finds none of them, and the STK
    erases them before the new VM stores anything."""
    vm = boot(flash, "storage-replaced-1")
    try:
        assert obj(vm, "put", "secret", "of-the-old-vm") == "obj: ok"
        assert vm.run("tzv-client key-gen 2") == "key-gen: ok"
    finally:
        vm.close()
    gen = os.path.join(system_dir("single"), "gen")
    pmap = bytearray(open(os.path.join(gen, "partitions.bin"), "rb").read())
    pmap[STORE_ID:STORE_ID + 16] = os.urandom(16)
    new_pmap = tmp_path / "partitions.bin"
    new_pmap.write_bytes(pmap)
    lst = open(os.path.join(gen, "components.list")).read()
    lst = lst.replace(f" {os.path.join(gen, 'partitions.bin')}\n", f" {new_pmap}\n")
    (tmp_path / "components.list").write_text(lst)
    man = tmp_path / "manifest.bin"
    r = run_host([os.path.join(BUILD, "tools", "tzv-sign"), "manifest", str(man),
                  str(tmp_path / "components.list"), os.path.join(BUILD, "keys")])
    assert r.returncode == 0, r.stderr
    with open(flash, "r+b") as f:
        for at, data in ((FLASH_MANIFEST, man.read_bytes()), (FLASH_PARTMAP, bytes(pmap))):
            f.seek(at)
            f.write(bytes(0x10000))
            f.seek(at)
            f.write(data)
    vm = boot(flash, "storage-replaced-2")
    try:
        assert "TEEC_ERROR_ITEM_NOT_FOUND" in obj(vm, "get", "secret")
        assert "erasing objects no VM of this configuration owns" in vm.transcript
        assert "TEEC_ERROR_ITEM_NOT_FOUND" in vm.run("tzv-client key-pub 2 2>&1")
        assert obj(vm, "ls") == "obj: 0 objects"
    finally:
        vm.close()
    data = open(flash, "rb").read()
    assert b"of-the-old-vm" not in data[0x1000000:0x3FC0000]  # erased, not only hidden


PAD = "p" * 1800
ROUNDS = 16


def test_an_update_cut_by_power_loss_leaves_the_old_or_the_new_value(flash):
    """The guest rewrites one object in a loop, each value numbered; QEMU is
    killed (SIGKILL) at a random moment, again and again. After each restart
    the object holds the last value acknowledged or the one after it, whole,
    and the loop goes on from there."""
    rng = random.Random(int(os.environ.get("TZV_SEED", "0")) or time.time_ns())
    last = -1
    cut = 0
    for round_ in range(ROUNDS):
        vm = boot(flash, f"storage-cut-{round_}")
        try:
            if last >= 0:
                got = obj(vm, "get", "v")
                m = re.fullmatch(rf"obj: \d+ bytes: gen-(\d+)-{PAD}", got)
                assert m, got[:200]
                assert int(m.group(1)) in (last, last + 1), (got[:40], last)
                last = int(m.group(1))
            cut += "a record cut short" in vm.transcript
            vm.run(f"P=$(head -c {len(PAD)} /dev/zero | tr '\\0' p)")
            vm.child.sendline(f"i={last + 1}; while tzv-client obj put v gen-$i-$P >/dev/null; "
                              "do echo ok-$i; i=$((i+1)); done")
            vm.expect(r"ok-(\d+)", 60)
            time.sleep(rng.uniform(0.0, 1.5))
            os.kill(vm.child.pid, signal.SIGKILL)
            vm.child.expect(pexpect.EOF, timeout=10)  # every line it printed, read
            acked = [int(x) for x in re.findall(r"ok-(\d+)", vm.transcript)]
            last = max(acked)
        finally:
            vm.close()
    vm = boot(flash, "storage-cut-end")
    try:
        got = obj(vm, "get", "v")
        assert re.fullmatch(rf"obj: \d+ bytes: gen-({last}|{last + 1})-{PAD}", got), got[:60]
    finally:
        vm.close()
    print(f"power-loss rounds: {ROUNDS}, records found cut: {cut}")
