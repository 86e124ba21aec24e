"""VMs with devices (docs/devices.md): vm0 of the default system has a
virtio-blk disk (ext4 at /data) and a virtio-net interface with an SSH
server; their DMA goes through the SMMU, which the hypervisor programs with
tables equal to the VM's RAM. A bare-metal attacker that owns a disk points
its DMA at memory that is not its own: every transfer is stopped and logged,
the victim's RAM is unchanged, its own DMA keeps working. A machine that
lacks the SMMU or a device does not start the VM that needs it."""
import os
import re
import shutil

import pytest

from qemu import BUILD, System, boot_default, build_ok, run_host

pytestmark = pytest.mark.skipif(not build_ok(), reason="system not built")


def test_vm0_sees_its_disk_and_network_and_nothing_else():
    s = boot_default("devices-view")
    try:
        out = s.run("ls /sys/bus/pci/devices; grep ' /data ' /proc/mounts; cat /data/README")
        assert out.split()[:2] == ["0000:00:02.0", "0000:00:03.0"], out
        assert "/dev/vda /data ext4 rw" in out
        assert "vm0's disk disk0" in out
        s.wait_ssh("vm0")
        out = s.run("ip -4 addr show eth0; dmesg | grep 'tzvisor guest'")
        assert "inet 10.0.2.15/24" in out, out
        assert "tzvisor guest: ssh server on port 22" in out, out
        # vm1 sees its network interface only
        out = s.on("vm1", "ls /sys/bus/pci/devices")
        assert out.split() == ["0000:00:04.0"], out
    finally:
        s.close()
    t = s.transcript
    assert "[EL2 hyp] vm0: PCI 00:02.0 (disk0), DMA confined to its RAM" in t
    assert "[EL2 hyp] vm0: PCI 00:03.0 (net0), DMA confined to its RAM" in t
    assert "[EL2 hyp] vm1: PCI 00:04.0 (net1), DMA confined to its RAM" in t
    assert "[EL2 hyp] SMMU: on, every stream not given to a VM aborts" in t
    assert "DMA fault" not in t


def test_the_disk_keeps_a_file_across_a_guest_reboot_and_a_qemu_restart():
    disks = os.path.join(BUILD, "test-logs", "devices-disks")
    shutil.rmtree(disks, ignore_errors=True)
    token = f"kept-{os.getpid()}"
    s = System(log_name="devices-disk1", disks=disks)
    try:
        s.wait_shell()
        s.run(f"echo {token} > /data/token; sync")
        s.child.sendline("reboot")
        s.wait_restarted("vm0")
        assert s.run("cat /data/token") == token
    finally:
        s.close()
    s = System(log_name="devices-disk2", disks=disks)
    try:
        s.wait_shell()
        assert s.run("cat /data/token") == token
    finally:
        s.close()


def test_ssh_from_the_host_runs_a_command_in_vm0_and_vm1():
    s = boot_default("devices-ssh")
    try:
        s.wait_ssh("vm0")
        r = s.ssh("vm0", "nproc; cat /proc/sys/kernel/hostname; test -d /data/tee && echo tee-on-disk",
                  timeout=90)
        assert r.returncode == 0, r.stderr
        assert r.stdout.split() == ["2", "(none)", "tee-on-disk"], r.stdout
        # vm1 has its own interface and server, on its own host port
        s.wait_ssh("vm1")
        r = s.ssh("vm1", "nproc")
        assert r.returncode == 0 and r.stdout.split() == ["1"], (r.stdout, r.stderr)
        # only the build's key logs in
        other = os.path.join(BUILD, "test-logs", "devices-otherkey")
        for f in (other, other + ".pub"):
            if os.path.exists(f):
                os.unlink(f)
        assert run_host(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other]).returncode == 0
        r = s.ssh("vm0", "true", timeout=60, key=other)
        assert r.returncode != 0 and "Permission denied" in r.stderr, r.stderr
    finally:
        s.close()


@pytest.fixture(scope="module")
def dma():
    if not build_ok("dma"):
        pytest.skip("system not built")
    s = System("dma", log_name="devices-dma")
    try:
        s.expect(r"\[attacker\] dma: ready; press g to attack", 120)
        s.expect(r"\[victim\] victim: pattern intact \(check 1\)", 120)
        s.focus("attacker")
        s.child.send("g")
        s.expect(r"\[attacker\] dma: done, (\d+) unexpected result", 120)
        s.unexpected = int(s.child.match.group(1))
        s.expect(r"\[victim\] victim: pattern (\w+) \(check", 20)
        s.expect(r"\[victim\] victim: pattern (\w+) \(check", 20)
        s.after = s.child.match.group(1)
        yield s
    finally:
        s.close()


TARGETS = [0x50100000, 0xE000000, 0x8080000, 0x9050000, 0x44000000, 0x8000000000]


def test_hostile_dma_is_stopped_and_logged(dma):
    t = dma.transcript
    assert dma.unexpected == 0, t
    assert "PATTERN CORRUPTED" not in t and dma.after == "intact"
    for a in TARGETS:
        for d in ("write", "read"):
            assert re.search(rf"\[EL2 hyp\] attacker: DMA fault from 00:05\.0 at 0x{a:x} \({d}, "
                             rf"translation\)", t), (hex(a), d)
        assert re.search(rf"dma: read from .* at 0x{a:x} onto the disk: nothing of it reached", t)
    # the rings in the victim's RAM: the device cannot fetch them
    assert "dma: rings in the victim's RAM: nothing done" in t
    assert re.search(r"DMA fault from 00:05\.0 at 0x501010\w+ \(read, translation\)", t)
    # its own DMA worked before, between and after the attacks
    assert len(re.findall(r"dma: own DMA (before|after): ok", t)) == 2 * len(TARGETS) + 2
    assert "dma: IOVA 0x40100000 (the hypervisor's physical address): landed in this VM's own RAM" in t


def test_the_attackers_host_bridge_shows_its_function_only(dma):
    t = dma.transcript
    assert "dma: functions visible on bus 0: 1" in t
    assert "still answers where it was placed" in t


def test_a_machine_without_the_smmu_does_not_start_the_vm_with_devices():
    s = System(log_name="devices-nosmmu", extra_args=["-M", "iommu=none"])
    try:
        s.expect(r"\[vm2\] heartbeat", 120)
    finally:
        s.close()
    t = s.transcript
    for vm in ("vm0", "vm1"):
        assert (f"[EL2 hyp] {vm}: not started: its PCI devices need the SMMU (QEMU -M iommu=smmuv3), "
                "which this machine lacks") in t
    assert "[EL2 hyp] SMMU: absent" in t
    assert "[vm0]" not in t and "[vm1]" not in t


def test_a_device_missing_from_the_machine_keeps_its_vm_off():
    def drop_net(args):
        return re.sub(r"-device virtio-net-pci,id=net0,\S+", "", args)
    s = System(log_name="devices-missing", edit_args=drop_net)
    try:
        s.expect(r"\[vm1\] tzvisor guest: user space up", 120)
    finally:
        s.close()
    t = s.transcript
    assert ("[EL2 hyp] vm0: not started: a PCI device this machine lacks (is it on QEMU's "
            "command line?)") in t
    assert "[vm0]" not in t
