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
        assert obj(vm, "--bound", "put", "tied", "to-these-images") == "obj: ok"
        sums = obj(vm, "sum", "data")
        vm.child.sendline("reboot")
        vm.expect(r"\[EL2 hyp\] vm0: reset requested", 60)
        vm.wide = ()
        vm.wait_shell(120)
        assert vm.run("tzv-client key-pub 0") == pub
        assert obj(vm, "sum", "data") == sums
        assert obj(vm, "get", "tied") == "obj: 15 bytes: to-these-images"  # the same images
        assert "TEEC_ERROR_NOT_SUPPORTED" in obj(vm, "--ree", "--bound", "put", "x", "y")
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


OBJSTORE = "a7e1f0c1-7a76-4c30-9a00-6f626a730000"
REE_DIR = "/data/tee"  # tee-supplicant -f (guests/linux/init)
CORRUPT = "(0xf0100001)"  # TEE_ERROR_CORRUPT_OBJECT
FIXTURES = "/usr/share/tzv-test"


def swap_objstore(vm, fixture):
    """Another build of the objstore PAL under its UUID, loaded afresh."""
    vm.run(f"cp {fixture} /lib/optee_armtz/{OBJSTORE}.ta")
    assert vm.run(f"tzv-client pal unload {OBJSTORE}") == f"pal: unloaded {OBJSTORE}"


def test_objects_are_bound_to_signer_and_uuid(flash):
    """A newer build of the same provider and UUID reads the object; the
    same UUID signed by another provider is another owner: it sees
    nothing, and what it writes is its own."""
    vm = boot(flash, "storage-owner")
    try:
        vm.run(f"cp /lib/optee_armtz/{OBJSTORE}.ta /tmp/orig.ta")
        assert obj(vm, "put", "mine", "original") == "obj: ok"
        swap_objstore(vm, f"{FIXTURES}/objstore-v2.ta")
        assert obj(vm, "get", "mine") == "obj: 8 bytes: original"
        swap_objstore(vm, f"{FIXTURES}/objstore-provider2.ta")
        assert "TEEC_ERROR_ITEM_NOT_FOUND" in obj(vm, "get", "mine")
        assert obj(vm, "ls") == "obj: 0 objects"
        assert obj(vm, "put", "mine", "forged") == "obj: ok"
        # REE FS: another provider's build has its own directory and keys; the
        # first one's file for the same id, put in place of its own, is refused
        assert obj(vm, "--ree", "put", "r", "by-provider2") == "obj: ok"
        theirs = vm.run(f"ls -d {REE_DIR}/pal-*/o*").split()
        swap_objstore(vm, "/tmp/orig.ta")
        assert obj(vm, "get", "mine") == "obj: 8 bytes: original"
        assert obj(vm, "--ree", "put", "r", "by-provider") == "obj: ok"
        ours = [f for f in vm.run(f"ls -d {REE_DIR}/pal-*/o*").split() if f not in theirs]
        assert len(theirs) == 1 and len(ours) == 1, (theirs, ours)
        assert ours[0].split("/")[-2] != theirs[0].split("/")[-2]  # a directory each
        vm.run(f"cp {theirs[0]} {ours[0]}")
        assert CORRUPT in obj(vm, "--ree", "get", "r")
    finally:
        vm.close()




def test_ree_objects_refuse_what_the_normal_world_does_to_their_files(flash):
    """Objects in the VM's file system through tee-supplicant (REE FS): the
    files are the PAL's ciphertext, and every change the normal world can
    make (a flipped byte, an older copy put back, two files swapped, a file
    deleted) reads as TEE_ERROR_CORRUPT_OBJECT, never as data."""
    vm = boot(flash, "storage-ree")
    try:
        assert obj(vm, "--ree", "put", "a", "first-value") == "obj: ok"
        assert obj(vm, "--ree", "get", "a") == "obj: 11 bytes: first-value"
        files = vm.run(f"ls {REE_DIR}/pal-*/").split()
        assert len(files) == 1 and re.fullmatch(r"o[0-9a-f]{40}", files[0]), files
        fa = vm.run(f"ls -d {REE_DIR}/pal-*/{files[0]}")
        assert "first-value" not in vm.run(f"cat {fa} | od -c")  # ciphertext
        vm.run(f"cp {fa} /tmp/old")
        assert obj(vm, "--ree", "put", "a", "second-value") == "obj: ok"
        vm.run(f"cp {fa} /tmp/cur")
        assert obj(vm, "--ree", "get", "a") == "obj: 12 bytes: second-value"
        vm.run(f"printf '\\001' | dd of={fa} bs=1 seek=40 count=1 conv=notrunc 2>/dev/null")
        assert CORRUPT in obj(vm, "--ree", "get", "a")
        vm.run(f"cp /tmp/old {fa}")  # rolled back
        assert CORRUPT in obj(vm, "--ree", "get", "a")
        vm.run(f"cp /tmp/cur {fa}")
        assert obj(vm, "--ree", "get", "a") == "obj: 12 bytes: second-value"
        assert obj(vm, "--ree", "put", "b", "bee") == "obj: ok"
        fb = [f for f in vm.run(f"ls -d {REE_DIR}/pal-*/o*").split() if f != fa]
        assert len(fb) == 1, fb
        vm.run(f"cp {fb[0]} {fa}")  # another object's file in its place
        assert CORRUPT in obj(vm, "--ree", "get", "a")
        vm.run(f"rm {fa}")
        assert CORRUPT in obj(vm, "--ree", "get", "a")
        vm.run(f"cp /tmp/cur {fa}")
        assert obj(vm, "--ree", "get", "a") == "obj: 12 bytes: second-value"
        assert obj(vm, "--ree", "fill", "big", "16K") == "obj: ok"
        assert obj(vm, "--ree", "sum", "big").startswith("obj: 16384 bytes, fnv 0x")
        assert obj(vm, "--ree", "write", "a", "3", "XY") == "obj: ok"
        assert obj(vm, "--ree", "get", "a") == "obj: 12 bytes: secXYd-value"
        # the whole directory put back as it was before both changed
        vm.run(f"cp -a {REE_DIR} /tmp/tee-before")
        assert obj(vm, "--ree", "put", "a", "third-value") == "obj: ok"
        assert obj(vm, "--ree", "put", "b", "bee-two") == "obj: ok"
        vm.run(f"rm -rf {REE_DIR}; cp -a /tmp/tee-before {REE_DIR}")
        assert CORRUPT in obj(vm, "--ree", "get", "a")
        assert CORRUPT in obj(vm, "--ree", "get", "b")
        vm.run(f"rm -rf {REE_DIR}")
        assert obj(vm, "--ree", "put", "a", "second-value") == "obj: ok"
        assert obj(vm, "--ree", "rm", "a") == "obj: ok"
        assert "TEEC_ERROR_ITEM_NOT_FOUND" in obj(vm, "--ree", "get", "a")
        vm.run(f"cp /tmp/cur {fa}")  # a deleted object's file put back
        assert "TEEC_ERROR_ITEM_NOT_FOUND" in obj(vm, "--ree", "get", "a")
        assert "TEEC_ERROR_ITEM_NOT_FOUND" in obj(vm, "get", "a")  # not the flash's either
        assert "../" not in vm.run(f"ls -R {REE_DIR}")
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
