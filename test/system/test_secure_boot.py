"""Secure boot and measured boot (docs/secure-boot.md): the signed image
boots and prints its measurements; a one-byte change to any component, a
manifest signed with another key, and a correctly signed manifest whose
root key is not the one fused into the monitor are all refused, naming what
failed. Runs the one-VM test system (test/configs/single.toml) with altered
copies of its files."""
import hashlib
import os
import re
import shutil
import struct

import pytest

from qemu import BUILD, System, build_ok, run_host, system_dir

pytestmark = pytest.mark.skipif(not build_ok("single"), reason="system not built")

SYS = system_dir("single")
FLASH_STK_IMAGE = 0x101000
FLASH_MANIFEST = 0xF00000
TZV_SIGN = os.path.join(BUILD, "tools", "tzv-sign")


def flip(src, dst, offset=None):
    data = bytearray(open(src, "rb").read())
    i = len(data) // 2 if offset is None else offset
    data[i] ^= 0x01
    with open(dst, "wb") as f:
        f.write(data)


def variant(tmp_path, replace):
    """A copy of the system whose qemu.args names other files."""
    args = open(os.path.join(SYS, "qemu.args")).read()
    for old, new in replace.items():
        assert old in args, old
        args = args.replace(old, new)
    d = tmp_path / "sys"
    d.mkdir(exist_ok=True)
    (d / "qemu.args").write_text(args)
    return str(d)


def boot_until(sysdir, pattern, name, timeout=60):
    s = System(sysdir, log_name=name)
    try:
        s.expect(pattern, timeout)
        return s.transcript
    finally:
        s.close()


def component_path(name):
    for line in open(os.path.join(SYS, "gen", "components.list")):
        f = line.split()
        if f and f[0] == name:
            return f[6]
    raise KeyError(name)


def test_signed_image_boots_and_prints_its_measurements():
    t = boot_until(SYS, r"tzvisor guest: user space up", "secure-boot-ok", 120)
    assert re.search(r"\[EL3 mon\] secure boot: manifest of \d+ components signed by the root key", t)
    for name, pcr in (("monitor", 0), ("stk", 1), ("hyp", 2), ("config", 3), ("vm0.kernel", 8),
                      ("vm0.initrd", 9), ("vm0.dtb", 10)):
        assert re.search(rf"\[EL3 mon\] measured {re.escape(name)} into PCR {pcr} \(sha256 [0-9a-f]{{16}}", t), name
    assert "stk] vTEE for client 1 created" in t  # (a VM's line may cut the prefix)


def test_tampered_stk_halts_the_boot(tmp_path):
    flash = str(tmp_path / "flash.bin")
    flip(os.path.join(SYS, "secure-flash.bin"), flash, FLASH_STK_IMAGE + 0x200)
    t = boot_until(variant(tmp_path, {os.path.join(SYS, "secure-flash.bin"): flash}),
                   r"secure boot: the boot stops here\r*\n", "secure-boot-stk")
    assert "component 'stk' refused: SHA-256 of its" in t
    assert "secure tiny kernel running" not in t


def boot_tampered(tmp_path, name, until):
    """Boots with one byte of the component's file flipped (QEMU loads
    the altered copy), until the pattern; returns the console."""
    src = component_path(name)
    bad = str(tmp_path / os.path.basename(src))
    flip(src, bad)
    return boot_until(variant(tmp_path, {f"file={src},": f"file={bad},"}), until,
                      f"secure-boot-{name}")


@pytest.mark.parametrize("name", ["hyp", "config"])
def test_tampered_platform_component_halts_the_boot(tmp_path, name):
    t = boot_tampered(tmp_path, name, r"secure boot: the boot stops here\r*\n")
    assert f"component '{name}' refused: SHA-256 of its" in t
    assert "[EL2 hyp]" not in t


@pytest.mark.parametrize("name", ["vm0.kernel", "vm0.initrd", "vm0.dtb"])
def test_tampered_vm_image_refuses_the_vm(tmp_path, name):
    t = boot_tampered(tmp_path, name, r"no VM could start: system off\r*\n")
    assert f"component '{name}' refused: SHA-256 of its" in t
    assert "vm0: refused by secure boot: an image differs from the signed manifest" in t
    assert "Booting Linux" not in t


def other_key_manifest(tmp_path):
    """The system's components signed with a freshly made root key."""
    keys = str(tmp_path / "other-keys")
    r = run_host([TZV_SIGN, "keys", keys])
    assert r.returncode == 0, r.stderr
    man = str(tmp_path / "other.manifest")
    r = run_host([TZV_SIGN, "manifest", man, os.path.join(SYS, "gen", "components.list"), keys])
    assert r.returncode == 0, r.stderr
    return man


def flash_with(tmp_path, manifest_bytes):
    flash = bytearray(open(os.path.join(SYS, "secure-flash.bin"), "rb").read())
    flash[FLASH_MANIFEST:FLASH_MANIFEST + 0x10000] = bytes(0x10000)
    flash[FLASH_MANIFEST:FLASH_MANIFEST + len(manifest_bytes)] = manifest_bytes
    path = str(tmp_path / "flash.bin")
    with open(path, "wb") as f:
        f.write(flash)
    return variant(tmp_path, {os.path.join(SYS, "secure-flash.bin"): path})


def test_manifest_signed_with_another_key_is_refused(tmp_path):
    """The real root key's public key in the manifest, another key's signature."""
    man = bytearray(open(other_key_manifest(tmp_path), "rb").read())
    signed = struct.unpack_from("<I", man, 16)[0]
    man[signed:signed + 65] = open(os.path.join(BUILD, "keys", "root.pub"), "rb").read()
    t = boot_until(flash_with(tmp_path, man), r"signature is not the root key's", "secure-boot-sig")
    assert "secure boot: the manifest's signature is not the root key's" in t
    assert "secure tiny kernel running" not in t


def test_root_key_not_fused_into_the_monitor_is_refused(tmp_path):
    """A manifest correctly signed by another root key (carrying that key)."""
    man = open(other_key_manifest(tmp_path), "rb").read()
    t = boot_until(flash_with(tmp_path, man), r"fused into this device", "secure-boot-rotpk")
    assert "secure boot: the manifest's root key is not the one fused into this device" in t
    assert "secure tiny kernel running" not in t


def test_flash_without_a_manifest_is_refused(tmp_path):
    t = boot_until(flash_with(tmp_path, b""), r"no signed manifest in the secure flash", "secure-boot-none")
    assert "secure boot: no signed manifest in the secure flash" in t


FLASH_NV_COUNTER = 0x3FC0000


def nv_minimum(flash):
    with open(flash, "rb") as f:
        f.seek(FLASH_NV_COUNTER)
        magic, minimum, check = struct.unpack("<QII", f.read(16))
    assert magic == 0x3143564E565A54 and check == minimum ^ 0xFFFFFFFF
    return minimum


def resign(tmp_path, flash, svn):
    """Signs the system's components at security version svn with the real
    root key into flash, keeping its anti-rollback sector."""
    lines = []
    for line in open(os.path.join(SYS, "gen", "components.list")):
        f = line.split()
        if f and not f[0].startswith("#"):
            f[4] = str(svn)
            line = " ".join(f) + "\n"
        lines.append(line)
    lst = tmp_path / f"components-{svn}.list"
    lst.write_text("".join(lines))
    man = str(tmp_path / f"manifest-{svn}.bin")
    r = run_host([TZV_SIGN, "manifest", man, str(lst), os.path.join(BUILD, "keys")])
    assert r.returncode == 0, r.stderr
    data = open(man, "rb").read()
    with open(flash, "r+b") as f:
        f.seek(FLASH_MANIFEST)
        f.write(bytes(0x10000))
        f.seek(FLASH_MANIFEST)
        f.write(data)


def test_older_security_version_is_refused_and_the_minimum_never_decreases(tmp_path):
    flash = str(tmp_path / "flash.bin")
    shutil.copyfile(os.path.join(SYS, "secure-flash.bin"), flash)
    with open(flash, "r+b") as f:  # a device that never booted
        f.seek(FLASH_NV_COUNTER)
        f.write(b"\xff" * 0x40000)
    sysdir = variant(tmp_path, {os.path.join(SYS, "secure-flash.bin"): flash})
    steps = [(2, r"raised from 0 to 2", 2), (1, r"below the minimum 2", 2),
             (3, r"raised from 2 to 3", 3), (2, r"below the minimum 3", 3), (3, r"STK initialised", 3)]
    for i, (svn, pattern, after) in enumerate(steps):
        resign(tmp_path, flash, svn)
        t = boot_until(sysdir, pattern, f"secure-boot-svn{i}")
        if "below" in pattern:
            assert re.search(rf"component 'stk' refused: security version {svn} is below the minimum {after}", t)
        assert nv_minimum(flash) == after, (svn, t)


# ---- the partition map (docs/trust-model.md) ----

FLASH_PARTMAP = 0xF20000
KEYS = os.path.join(BUILD, "keys")


def resigned_around_map(tmp_path, edit=None, drop=False):
    """The single system re-signed with its own root key around a partition
    map changed by edit(bytearray), or without a partition map at all."""
    pmap = bytearray(open(os.path.join(SYS, "gen", "partitions.bin"), "rb").read())
    if edit:
        edit(pmap)
    (tmp_path / "partitions.bin").write_bytes(bytes(pmap))
    lines = []
    for line in open(os.path.join(SYS, "gen", "components.list")):
        f = line.split()
        if f and f[0] == "partitions":
            if drop:
                continue
            line = " ".join(f[:6] + [str(tmp_path / "partitions.bin")]) + "\n"
        lines.append(line)
    (tmp_path / "components.list").write_text("".join(lines))
    man = str(tmp_path / "resigned.manifest")
    r = run_host([TZV_SIGN, "manifest", man, str(tmp_path / "components.list"), KEYS])
    assert r.returncode == 0, r.stderr
    sysdir = flash_with(tmp_path, open(man, "rb").read())
    flash = bytearray(open(str(tmp_path / "flash.bin"), "rb").read())
    flash[FLASH_PARTMAP:FLASH_PARTMAP + len(pmap)] = pmap
    (tmp_path / "flash.bin").write_bytes(bytes(flash))
    return sysdir


def set_u64(data, offset, value):
    data[offset:offset + 8] = struct.pack("<Q", value)


VM0 = 24  # the first VM's entry: name[16], ncpus, nshm, mpidr[4], ram, tee, ...
VM_SIZE = 168


def second_vm_overlapping(m):
    """A copy of vm0 on CPU 2 whose RAM overlaps vm0's."""
    m[12:16] = struct.pack("<I", 2)
    vm1 = bytearray(m[VM0:VM0 + VM_SIZE])
    vm1[0:3] = b"vm1"
    vm1[20:24] = struct.pack("<I", 0)
    set_u64(vm1, 16 + 8, 2)  # one CPU: 2 (ncpus at 16)
    vm1[16:20] = struct.pack("<I", 1)
    set_u64(vm1, 56, struct.unpack_from("<Q", m, VM0 + 56)[0] + 0x100000)
    set_u64(vm1, 72, struct.unpack_from("<Q", m, VM0 + 72)[0] + 0x8000)
    m[VM0 + VM_SIZE:VM0 + 2 * VM_SIZE] = vm1


@pytest.mark.parametrize("edit,message", [
    (lambda m: set_u64(m, VM0 + 24 + 8, 0), "a CPU named twice"),
    (lambda m: set_u64(m, VM0 + 24, 0x100), "a CPU the board does not have"),
    (lambda m: set_u64(m, VM0 + 56, 0x40000000), "memory outside the VM area"),
    (lambda m: m.__setitem__(0, ord("X")), "not a partition map of this version"),
    (second_vm_overlapping, "two VMs' memory overlapping"),
    (lambda m: m.__setitem__(slice(VM0 + 132, VM0 + 134), struct.pack("<H", 0)),
     "vTEE limits beyond what the STK holds"),  # tee_pals
    (lambda m: m.__setitem__(slice(VM0 + 134, VM0 + 136), struct.pack("<H", 3073)),
     "vTEE secure memory quotas beyond the STK's pool"),  # tee_secure_pages
    (lambda m: m.__setitem__(slice(VM0 + 136, VM0 + 140), struct.pack("<I", 190)),
     "trusted storage outside its region, too small or overlapping"),
    (lambda m: m.__setitem__(slice(VM0 + 144, VM0 + 148), struct.pack("<I", 200 * 1024)),
     "trusted storage outside its region, too small or overlapping"),
], ids=["cpu-twice", "cpu-missing", "ram-outside", "magic", "overlap", "no-pals", "quota",
        "storage-outside", "storage-small"])
def test_a_signed_but_inconsistent_partition_map_stops_the_boot(tmp_path, edit, message):
    t = boot_until(resigned_around_map(tmp_path, edit), f"partition map is refused: {message}",
                   "partmap-bad")
    assert f"[EL3 mon] PANIC: secure boot: the partition map is refused: {message}" in t
    assert "entering the hypervisor" not in t


def test_a_manifest_without_a_partition_map_stops_the_boot(tmp_path):
    t = boot_until(resigned_around_map(tmp_path, drop=True), r"no 'partitions' component\s",
                   "partmap-none")
    assert "[EL3 mon] PANIC: secure boot: the manifest has no 'partitions' component" in t


def test_a_changed_partition_map_with_the_old_signature_stops_the_boot(tmp_path):
    pmap = bytearray(open(os.path.join(SYS, "gen", "partitions.bin"), "rb").read())
    pmap[VM0] ^= 0x01  # the name: a consistent map, not the signed one
    flash = bytearray(open(os.path.join(SYS, "secure-flash.bin"), "rb").read())
    flash[FLASH_PARTMAP:FLASH_PARTMAP + len(pmap)] = pmap
    (tmp_path / "flash.bin").write_bytes(bytes(flash))
    sysdir = variant(tmp_path, {os.path.join(SYS, "secure-flash.bin"): str(tmp_path / "flash.bin")})
    t = boot_until(sysdir, "the boot stops here", "partmap-changed")
    assert "component 'partitions' refused: SHA-256 of its" in t


# ---- manifests the root key signed whose fields lie (docs/security-tests.md I13) ----

COMP = 112  # struct manifest_comp: name[32] sha256[32] size load svn kind vm pcr reserved[16]
FLASH_SIGNERS = 0xF30000
STK_SIZE = 0x00F00000


def root_signed(man):
    """man (header and components) signed with the build's root key, as
    tzv-sign manifest does: the root public key, 3 zero bytes, r || s over
    SHA-256 of the signed part."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, utils
    key = ec.derive_private_key(int.from_bytes(open(os.path.join(KEYS, "root.key"), "rb").read(),
                                               "big"), ec.SECP256R1())
    signed = struct.unpack_from("<I", man, 16)[0]
    r, s = utils.decode_dss_signature(key.sign(bytes(man[:signed]), ec.ECDSA(hashes.SHA256())))
    return (bytes(man[:signed]) + open(os.path.join(KEYS, "root.pub"), "rb").read() + bytes(3) +
            r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def comp_offset(man, name):
    count = struct.unpack_from("<I", man, 12)[0]
    for i in range(count):
        off = 32 + i * COMP
        if man[off:off + 32].rstrip(b"\0") == name.encode():
            return off
    raise KeyError(name)


def lie(man, name, field, value):
    """Sets field (size, load, pcr) of component name."""
    off = comp_offset(man, name) + {"size": 64, "load": 72, "pcr": 92}[field]
    fmt = "<I" if field == "pcr" else "<Q"
    struct.pack_into(fmt, man, off, value)


def more_components_than_allowed(man):
    struct.pack_into("<II", man, 12, 65, 32 + 65 * COMP)  # count, signed_size
    man.extend(bytes(32 + 65 * COMP - len(man)))


@pytest.mark.parametrize("edit,expect", [
    (more_components_than_allowed, "PANIC: secure boot: malformed manifest (65 components)"),
    (lambda m: lie(m, "stk", "size", STK_SIZE + 0x1000),
     "PANIC: secure boot: component 'stk' has a wrong place or size"),
    (lambda m: lie(m, "stk", "load", 0x0E000000),
     "PANIC: secure boot: component 'stk' has a wrong place or size"),
    (lambda m: lie(m, "hyp", "load", 0x0E100000),
     "PANIC: secure boot: component 'hyp' outside normal-world RAM"),
    (lambda m: lie(m, "config", "pcr", 24), "PANIC: secure boot: malformed component"),
], ids=["65-components", "stk-too-big", "stk-elsewhere", "hyp-in-secure-sram", "pcr-24"])
def test_a_root_signed_manifest_whose_fields_lie_stops_the_boot(tmp_path, edit, expect):
    man = bytearray(open(os.path.join(SYS, "manifest.bin"), "rb").read())
    signed = struct.unpack_from("<I", man, 16)[0]
    del man[signed:]
    edit(man)
    t = boot_until(flash_with(tmp_path, root_signed(man)), re.escape(expect), "manifest-lies")
    # (the signature was good: the lie is what stopped it)
    assert "signature is not the root key's" not in t and "fused into this device" not in t
    assert "secure tiny kernel running" not in t


def test_a_root_signed_vm_image_outside_ram_is_refused_and_the_rest_runs(tmp_path):
    man = bytearray(open(os.path.join(SYS, "manifest.bin"), "rb").read())
    del man[struct.unpack_from("<I", man, 16)[0]:]
    lie(man, "vm0.kernel", "load", 0x0E100000)  # the STK's SRAM
    t = boot_until(flash_with(tmp_path, root_signed(man)), r"vm0: refused by secure boot",
                   "manifest-vm-outside")
    assert "component 'vm0.kernel' refused: outside normal-world RAM" in t
    assert "Booting Linux" not in t and "FATAL" not in t


def test_a_root_signed_signer_list_naming_the_root_key_stops_the_boot(tmp_path):
    signers = bytearray(open(os.path.join(SYS, "secure-flash.bin"), "rb").read()
                        [FLASH_SIGNERS:FLASH_SIGNERS + 16 + 32 * 8])
    count = struct.unpack_from("<I", signers, 12)[0]
    struct.pack_into("<I", signers, 12, count + 1)
    rotpk = hashlib.sha256(open(os.path.join(KEYS, "root.pub"), "rb").read()).digest()
    signers[16 + 32 * count:16 + 32 * (count + 1)] = rotpk
    man = bytearray(open(os.path.join(SYS, "manifest.bin"), "rb").read())
    del man[struct.unpack_from("<I", man, 16)[0]:]
    off = comp_offset(man, "signers")
    size = struct.unpack_from("<Q", man, off + 64)[0]
    flash_image = bytearray(open(os.path.join(SYS, "secure-flash.bin"), "rb").read())
    flash_image[FLASH_SIGNERS:FLASH_SIGNERS + len(signers)] = signers
    man[off + 32:off + 64] = hashlib.sha256(bytes(flash_image[FLASH_SIGNERS:FLASH_SIGNERS + size])).digest()
    sysdir = flash_with(tmp_path, root_signed(man))
    flash = bytearray(open(str(tmp_path / "flash.bin"), "rb").read())
    flash[FLASH_SIGNERS:FLASH_SIGNERS + len(signers)] = signers
    (tmp_path / "flash.bin").write_bytes(bytes(flash))
    t = boot_until(sysdir, r"names the root key", "manifest-signers-root")
    assert "PANIC: secure boot: the PAL signer list names the root key" in t
    assert "secure tiny kernel running" not in t
