"""tools/tzv-config refuses bad configurations with a message naming the
file, the VM and the problem."""
import importlib.machinery
import importlib.util
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, "tools", "tzv-config")

GOOD_VM = """
[[vm]]
name = "{name}"
cpus = {cpus}
ram = "{ram}"
{extra}
kernel = "guest/Image"
initrd = "guest/initramfs.cpio.gz"
devices = {devices}
"""


def config(tmp_path, vms, platform='[platform]\nboard = "qemu-virt"\nram = "2G"\n'):
    text = platform
    for v in vms:
        text += GOOD_VM.format(name=v.get("name", "vm0"), cpus=v.get("cpus", [0]),
                               ram=v.get("ram", "256M"), extra=v.get("extra", ""),
                               devices=v.get("devices", "[]"))
    path = tmp_path / "sys.toml"
    path.write_text(text)
    return path


def run(path, tmp_path):
    return subprocess.run([sys.executable, TOOL, "dts", str(path), str(tmp_path / "gen")],
                          capture_output=True, text=True)


@pytest.mark.parametrize("vms,message", [
    ([{"name": "a", "cpus": [0]}, {"name": "b", "cpus": [0]}],
     "vm 'b': CPU 0 already given to 'a'"),
    ([{"name": "a", "cpus": [7]}], "vm 'a': CPU 7 does not exist"),
    ([{"name": "a", "extra": "ram_pa = 0x50000000"},
      {"name": "b", "cpus": [1], "extra": "ram_pa = 0x58000000"}],
     "vm 'b': RAM 0x58000000..0x68000000 overlaps 'a'"),
    ([{"name": "a", "ram": "2G"}], "vm 'a': RAM 0x50000000..0xd0000000 outside the VM area"),
    ([{"name": "a", "devices": '["uart7"]'}], "vm 'a': device 'uart7' does not exist on qemu-virt"),
    ([{"name": "a", "devices": '["rtc"]'}, {"name": "b", "cpus": [1], "devices": '["rtc"]'}],
     "vm 'b': device 'rtc' (and its interrupt) already given to 'a'"),
    ([{"name": "a", "ram": "3M"}], "vm 'a': ram must be a multiple of 2 MiB"),
    ([{"name": "a", "extra": "ram_ipa = 0x08000000"}], "vm 'a': RAM at IPA 0x8000000..0x18000000 overlaps the GIC distributor"),
    ([{"name": 'a\\"b'}], "a name is 1 to 15 letters"),
    ([{"name": "a", "devices": '["disk0"]'}, {"name": "b", "cpus": [1], "devices": '["disk0"]'}],
     "vm 'b': device 'disk0' (and its interrupt) already given to 'a'"),
    ([{"name": "a", "devices": '["disk9"]'}], "vm 'a': device 'disk9' does not exist on qemu-virt (it has"),
    ([{"name": "a", "extra": 'net0 = { forward = ["2222:22"] }'}],
     "vm 'a': settings for 'net0', a device this VM is not given"),
    ([{"name": "a", "extra": 'disk0 = { color = "red" }', "devices": '["disk0"]'}],
     "vm 'a': disk0: unknown setting 'color' (a virtio-blk-pci takes image, size)"),
    ([{"name": "a", "extra": 'net0 = { forward = ["22"] }', "devices": '["net0"]'}],
     "vm 'a': net0: forward lists \"HOSTPORT:GUESTPORT\" strings"),
    ([{"name": "a", "extra": 'disk0 = { size = "1M" }', "devices": '["disk0"]'}],
     "vm 'a': disk0: size must be a whole number of MiB, at least 16M"),
    ([{"name": "a", "extra": 'disk0 = { image = "../../etc/x" }', "devices": '["disk0"]'}],
     "vm 'a': disk0: image must be a path inside the system's directory"),
    ([{"name": "a", "extra": 'introspects = ["zz"]'}], "vm 'a': introspects 'zz', which is not a VM"),
    ([{"name": "a", "extra": 'introspects = ["a"]'}], "vm 'a': a VM cannot introspect itself"),
    ([{"name": "a", "extra": 'introspects = "b"'}], "vm 'a': introspects must list VM names"),
    ([{"name": "a", "extra": "ram_ipa = 0x10000000", "devices": '["disk0"]'}],
     "vm 'a': RAM at IPA 0x10000000..0x20000000 overlaps its PCI window"),
])
def test_bad_configuration_fails_with_a_clear_message(tmp_path, vms, message):
    path = config(tmp_path, vms)
    r = run(path, tmp_path)
    assert r.returncode != 0
    assert str(path) in r.stderr
    assert message in r.stderr, r.stderr


def test_missing_image_is_named(tmp_path):
    path = config(tmp_path, [{"name": "a"}])
    r = run(path, tmp_path)
    assert r.returncode != 0
    assert "vm 'a': image" in r.stderr and "not found" in r.stderr


SHMEM = """
[[shmem]]
name = "s"
size = "{size}"
members = [{members}]
"""


@pytest.mark.parametrize("size,members,message", [
    ("1M", '{ vm = "a", ipa = 0x70000000, spi = 8 }', "shmem 's': needs at least two members"),
    ("1M", '{ vm = "a", ipa = 0x70000000, spi = 8 }, { vm = "zz", ipa = 0x70000000, spi = 8 }',
     "shmem 's': member 'zz' is not a VM of this system"),
    ("1M", '{ vm = "a", ipa = 0x40000000, spi = 8 }, { vm = "b", ipa = 0x70000000, spi = 8 }',
     "shmem 's': vm 'a': 0x40000000..0x40100000 overlaps its RAM"),
    ("1M", '{ vm = "a", ipa = 0x70000000, spi = 1 }, { vm = "b", ipa = 0x70000000, spi = 8 }',
     "shmem 's': vm 'a': doorbell spi 1 is not a free SPI"),
    ("100", '{ vm = "a", ipa = 0x70000000, spi = 8 }, { vm = "b", ipa = 0x70000000, spi = 8 }',
     "shmem 's': size must be a multiple of 4 KiB"),
])
def test_bad_shared_memory_fails_with_a_clear_message(tmp_path, size, members, message):
    path = config(tmp_path, [{"name": "a", "cpus": [0]}, {"name": "b", "cpus": [1]}])
    path.write_text(path.read_text() + SHMEM.format(size=size, members=members))
    r = run(path, tmp_path)
    assert r.returncode != 0
    assert message in r.stderr, r.stderr


def test_unknown_board_is_refused(tmp_path):
    path = config(tmp_path, [{"name": "a"}], platform='[platform]\nboard = "nosuch"\n')
    r = run(path, tmp_path)
    assert r.returncode != 0
    assert "unknown board 'nosuch'" in r.stderr


def test_bad_console_and_panic_policy_are_refused(tmp_path):
    for extra, message in (('console = "vga"', "console must be"), ('on_panic = "reboot"', "on_panic must be")):
        path = config(tmp_path, [{"name": "a", "extra": extra}])
        r = run(path, tmp_path)
        assert r.returncode != 0 and message in r.stderr, r.stderr


@pytest.mark.parametrize("extra,message", [
    ("tee_sessions = 49", "vm 'a': tee_sessions must be a number from 1 to 48"),
    ("tee_pals = 9", "vm 'a': tee_pals must be a number from 1 to 8"),
    ("tee_secure_kib = 0", "vm 'a': tee_secure_kib must be a number from 1 to 12288"),
    ("tee_secure_kib = 12292", "vm 'a': tee_secure_kib must be a number from 1 to 12288"),
    ("tee_secure_kib = 1023", "vm 'a': tee_secure_kib must be a multiple of 4 (pages)"),
    ("tee_shm = 0", "vm 'a': tee_shm must be a number from 1 to 16"),
    ("tee_shm_pages = 513", "vm 'a': tee_shm_pages must be a number from 1 to 512"),
    ('tee_shm_pages = "1M"', "vm 'a': tee_shm_pages must be a number from 1 to 512"),
])
def test_vtee_limits_beyond_what_the_stk_holds_are_refused(tmp_path, extra, message):
    path = config(tmp_path, [{"name": "a", "extra": extra}])
    r = run(path, tmp_path)
    assert r.returncode != 0 and message in r.stderr, r.stderr


def test_secure_memory_quotas_that_add_up_to_more_than_the_pool_are_refused(tmp_path):
    """Each VM must always be able to have its quota: the sum is bounded."""
    vms = [{"name": "a", "extra": "tee_secure_kib = 8192"},
           {"name": "b", "cpus": [1], "extra": "tee_secure_kib = 4100"}]
    r = run(config(tmp_path, vms), tmp_path)
    assert r.returncode != 0, r.stderr
    assert "the VMs' tee_secure_kib add up to 12292 KiB, more than the STK's 12288 KiB" in r.stderr
    vms[1]["extra"] = "tee_secure_kib = 4096"
    assert "tee_secure_kib" not in run(config(tmp_path, vms), tmp_path).stderr


BUILD = os.environ.get("TZV_BUILD", os.path.join(ROOT, "build"))


def check(gendir):
    return subprocess.run([sys.executable, TOOL, "check", str(gendir), os.path.join(BUILD, "hyp.elf"),
                           os.path.join(BUILD, "hyp.bin"), os.path.join(BUILD, "hyp", "asm-offsets.h")],
                          capture_output=True, text=True)


@pytest.mark.skipif(not os.path.exists(os.path.join(BUILD, "hyp.elf")), reason="not built")
def test_the_hypervisors_tables_agree_with_the_partition_map():
    r = check(os.path.join(BUILD, "gen"))
    assert r.returncode == 0, r.stderr


@pytest.mark.skipif(not os.path.exists(os.path.join(BUILD, "hyp.elf")), reason="not built")
@pytest.mark.parametrize("offset,value,message", [
    (24 + 24 + 8, 3, "VM 0 ('vm0'): mpidr is [0, 1] in the hypervisor, [0, 3] in the map"),
    (24 + 56 + 3, 0x60, "VM 0 ('vm0'): ram is"),
    (12, 2, "3 VMs in the hypervisor, 2 in the map"),
])
def test_a_partition_map_that_disagrees_with_the_hypervisor_is_refused(tmp_path, offset, value, message):
    """The build signs only a map and a hypervisor that agree."""
    gen = tmp_path / "gen"
    gen.mkdir()
    data = bytearray(open(os.path.join(BUILD, "gen", "partitions.bin"), "rb").read())
    data[offset] = value
    (gen / "partitions.bin").write_bytes(bytes(data))
    r = check(gen)
    assert r.returncode != 0
    assert message in r.stderr, r.stderr


def test_too_many_shared_regions_are_refused(tmp_path):
    regions = "".join(f'\n[[shmem]]\nname = "s{i}"\nsize = "4K"\nmembers = [{{ vm = "a", ipa = 0x{0x70000000 + i * 0x1000:x}, spi = {40 + i} }}, {{ vm = "b", ipa = 0x{0x70000000 + i * 0x1000:x}, spi = {40 + i} }}]\n' for i in range(9))
    path = config(tmp_path, [{"name": "a"}, {"name": "b", "cpus": [1]}])
    path.write_text(path.read_text() + regions)
    r = run(path, tmp_path)
    assert r.returncode != 0
    assert "9 shared regions, at most 8 supported" in r.stderr, r.stderr


@pytest.mark.parametrize("extra,message", [
    ("storage_kib = -1", "storage_kib must be a number from 0 to 8192"),
    ("storage_kib = 9000", "storage_kib must be a number from 0 to 8192"),
    ('storage_kib = "1M"', "storage_kib must be a number from 0 to 8192"),
])
def test_bad_storage_budgets_are_refused(tmp_path, extra, message):
    r = run(config(tmp_path, [{"extra": extra}]), tmp_path)
    assert r.returncode != 0 and message in r.stderr, r.stderr


def test_storage_budgets_beyond_the_flash_region_are_refused(tmp_path):
    vms = [{"name": f"vm{i}", "cpus": [i], "extra": "storage_kib = 8192"} for i in range(4)]
    r = run(config(tmp_path, vms), tmp_path)
    assert r.returncode != 0 and "flash sectors, more than the 191 of the storage region" in r.stderr


def test_storage_ids_stay_with_their_vm_and_a_vm_that_comes_back_gets_a_new_one(tmp_path):
    """tzv-config's storage ids (storage.md): kept while a VM stays in the
    configuration, forgotten when it leaves."""
    spec = importlib.util.spec_from_loader("tzv_config", importlib.machinery.SourceFileLoader(
        "tzv_config", TOOL))
    cfg = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cfg)
    two = [{"name": "vm0"}, {"name": "vm1"}]
    a = cfg.storage_ids(two, str(tmp_path))
    assert a == cfg.storage_ids(two, str(tmp_path)) and a["vm0"] != a["vm1"]
    assert cfg.storage_ids([{"name": "vm0"}], str(tmp_path)) == {"vm0": a["vm0"]}
    b = cfg.storage_ids(two, str(tmp_path))
    assert b["vm0"] == a["vm0"] and b["vm1"] != a["vm1"]


def test_mkflash_keeps_the_storage_region_and_the_anti_rollback_sector(tmp_path):
    """A rebuild (tools/mkflash.py over an existing flash) keeps what the
    secure world wrote at run time: the VMs' trusted storage and the
    anti-rollback record; the images are the new ones."""
    parts = {n: tmp_path / n for n in ("mon", "stk", "man", "secret", "pmap", "signers")}
    for n, p in parts.items():
        p.write_bytes(bytes([len(n)]) * (32 if n == "secret" else 100))
    out = tmp_path / "flash.bin"
    tool = [sys.executable, os.path.join(ROOT, "tools", "mkflash.py"), str(out)] + \
        [str(parts[n]) for n in ("mon", "stk", "man", "secret", "pmap", "signers")]
    assert subprocess.run(tool).returncode == 0
    with open(out, "r+b") as f:
        f.seek(0x1000000 + 0x40000 * 3 + 8)
        f.write(b"an object record")
        f.seek(0x3FC0000)
        f.write(b"a minimum")
    parts["mon"].write_bytes(b"a new monitor")
    assert subprocess.run(tool).returncode == 0
    data = out.read_bytes()
    assert data[:13] == b"a new monitor" and len(data) == 64 << 20
    assert data[0x1000000 + 0x40000 * 3 + 8:][:16] == b"an object record"
    assert data[0x3FC0000:0x3FC0009] == b"a minimum"


def test_a_vm_with_pci_devices_gets_its_own_host_bridge(tmp_path):
    """The device tree of a VM with PCI functions: an ECAM host bridge for
    bus 0, its slice of the MMIO window, INTx swizzled as on the board, the
    hypervisor's BAR placement kept (probe-only), no iommu-map or msi-map."""
    vms = [{"name": "a", "cpus": [0]}, {"name": "b", "cpus": [1], "devices": '["disk0", "net0"]'}]
    path = config(tmp_path, vms)
    images = os.path.join(ROOT, "build")
    if not os.path.exists(os.path.join(images, "guest", "Image")):
        pytest.skip("guest not built")
    r = subprocess.run([sys.executable, TOOL, "dts", str(path), str(tmp_path / "gen"), images],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    dts = (tmp_path / "gen" / "b.dts").read_text()
    assert "pcie@3f000000 {" in dts and 'compatible = "pci-host-ecam-generic";' in dts
    assert "linux,pci-probe-only = <1>;" in dts
    # b is VM 1: the second 32 MiB slice of the window
    assert "ranges = <0x02000000 0x0 0x12000000 0x0 0x12000000 0x0 0x2000000>;" in dts
    assert "<0x1000 0 0 1 &gic 0 5 4>" in dts  # slot 2, INTA -> SPI 5
    assert "iommu-map" not in dts and "msi-map" not in dts
    assert "pcie@" not in (tmp_path / "gen" / "a.dts").read_text()
    if subprocess.run(["which", "dtc"], capture_output=True).returncode == 0:
        c = subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", str(tmp_path / "b.dtb"),
                            str(tmp_path / "gen" / "b.dts")], capture_output=True, text=True)
        assert c.returncode == 0, c.stderr


def test_the_default_systems_devices_go_through_the_smmu():
    """QEMU's virtio devices DMA through the SMMU only with iommu_platform=on
    (otherwise they bypass it): every PCI device of the default system has
    it, and the machine has the SMMU."""
    args = os.path.join(ROOT, "build", "gen", "qemu-images.args")
    if not os.path.exists(args):
        pytest.skip("default system not built")
    text = open(args).read()
    devs = re.findall(r"-device (virtio-\w+-pci,\S+)", text)
    assert len(devs) == 3 and all("iommu_platform=on" in d and "bus=pcie.0" in d for d in devs)
    assert "hostfwd=tcp:127.0.0.1:2222-:22" in text and "hostfwd=tcp:127.0.0.1:2223-:22" in text
    assert "iommu=smmuv3" in open(os.path.join(ROOT, "tools", "run-qemu")).read()


@pytest.mark.parametrize("name", sorted(os.listdir(os.path.join(ROOT, "configs"))))
def test_every_shipped_configuration_is_accepted(tmp_path, name):
    """configs/*.toml (make run CONFIG=...) build as they are."""
    images = os.path.join(ROOT, "build")
    if not os.path.exists(os.path.join(images, "guest", "Image")):
        pytest.skip("guest not built")
    r = subprocess.run([sys.executable, TOOL, "dts", os.path.join(ROOT, "configs", name),
                        str(tmp_path / "gen"), images], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
