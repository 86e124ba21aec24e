"""The default system: vm0 (Linux, 2 CPUs, 512 MiB), vm1 (Linux, 1 CPU,
256 MiB) and vm2 (bare-metal heartbeat) running at once, each with its own
CPUs, memory, console and lifetime."""
import re

import pytest

from qemu import boot_default, build_ok

pytestmark = pytest.mark.skipif(not build_ok(), reason="system not built")


@pytest.fixture(scope="module")
def system():
    s = boot_default("partition")
    # a heartbeat line every second (the default is every tenth)
    s.focus("vm2")
    s.child.send("1")
    s.expect(r"\[vm2\] heartbeat: a line every 1 s", 10)
    s.focus("vm0")
    yield s
    s.close()


def heartbeats(system):
    return [int(n) for n in re.findall(r"\[vm2\] heartbeat (\d+)", system.transcript)]


def wait_beat_after(system, n, timeout=15):
    """Waits for a vm2 heartbeat numbered above n on the live console."""
    while True:
        system.expect(r"\[vm2\] heartbeat (\d+)", timeout)
        if int(system.child.match.group(1)) > n:
            return


def test_three_vms_run_at_once(system):
    t = system.transcript
    # (not the whole prefix: a line of the other world printed at that
    # moment on another CPU can cut into it; the worlds do not share the
    # console's lock)
    for client in (1, 2, 3):  # one vTEE per VM
        assert f"stk] vTEE for client {client} created" in t
    assert "[vm0] tzvisor guest: user space up" in t
    assert "[vm1] tzvisor guest: user space up" in t
    assert "vm2] heartbeat guest up at EL1" in t
    system.expect(r"\[vm2\] heartbeat \d+", 10)
    assert "FATAL" not in t


def test_each_linux_vm_sees_only_its_cpus_and_memory(system):
    assert system.run("nproc") == "2"
    assert "optee: initialized driver" in system.run("dmesg | grep optee:")
    assert system.run("awk '/MemTotal/ {print $2}' /proc/meminfo") != ""
    assert int(system.run("awk '/MemTotal/ {print $2}' /proc/meminfo")) <= 512 * 1024
    system.focus("vm1")
    assert system.run("nproc") == "1"
    assert "optee: initialized driver" in system.run("dmesg | grep optee:")
    assert int(system.run("awk '/MemTotal/ {print $2}' /proc/meminfo")) <= 256 * 1024
    reg = system.run("hexdump -v -e '4/4 \"%08x \"' /sys/firmware/devicetree/base/memory@40000000/reg")
    assert reg.split() == ["00000000", "00000040", "00000000", "00000010"]  # 256 MiB


def test_shared_memory_written_by_vm2_is_read_by_vm0(system):
    system.focus("vm0")
    assert system.run("devmem 0x70000000 32") == "0x54414542"  # "BEAT"
    first = int(system.run("devmem 0x70000004 32"), 16)
    system.run("sleep 2")
    second = int(system.run("devmem 0x70000004 32"), 16)
    assert second > first > 0
    beats = heartbeats(system)
    assert beats and abs(max(beats) - second) <= 2
    assert "doorbell refused" not in system.transcript


def test_doorbells_from_vm2_are_counted_in_vm0(system):
    system.focus("vm0")
    line = system.run("grep tzv-shmem0 /proc/interrupts")
    fields = line.split()
    assert "GICv3" in fields and "40" in fields and "Edge" in fields, line
    before = sum(int(f) for f in fields[1:3])
    node = "/sys/bus/platform/devices/70000000.shmem"
    count = int(system.run(f"cat {node}/doorbells"))
    system.run("sleep 2")
    after = sum(int(f) for f in system.run("grep tzv-shmem0 /proc/interrupts").split()[1:3])
    assert after >= before + 1 and int(system.run(f"cat {node}/doorbells")) > count
    # vm0 rings vm2 back: allowed, it is a member
    assert system.run(f"echo 1 > {node}/ring && echo rang") == "rang"


def test_exit_counters_on_the_console(system):
    system.child.send("\x14\x14s")
    system.expect(r"exits per VM since its start", 10)
    for vm in ("vm0", "vm1", "vm2"):
        system.expect(rf"\[EL2 hyp\]   {vm} \(running\): (\d+) exits in [\d.]+ s = (\d+)/s: irq (\d+)", 10)
        assert int(system.child.match.group(1)) > 0
    # the keys went to the hypervisor, not to the VM in focus
    assert system.run("echo still-typing") == "still-typing"


def test_input_goes_only_to_the_vm_in_focus(system):
    system.focus("vm1")
    assert system.run("echo typed-into-vm1") == "typed-into-vm1"
    assert "[vm0] typed-into-vm1" not in system.transcript
    system.focus("vm0")
    assert system.run("echo typed-into-vm0") == "typed-into-vm0"
    assert "[vm1] typed-into-vm0" not in system.transcript


def test_guest_kernel_panic_follows_the_restart_policy(system):
    system.focus("vm1")
    assert "tzv-guest: the hypervisor learns of panics" in system.transcript
    system.child.sendline("echo c > /proc/sysrq-trigger")
    system.expect(r"\[EL2 hyp\] vm1: guest kernel panic; policy restart", 60)
    system.wait_restarted("vm1")
    assert system.run("nproc") == "1"


def test_poweroff_stops_only_that_vm(system):
    system.focus("vm1")
    system.child.sendline("poweroff")
    system.expect(r"\[EL2 hyp\] vm1: powered off", 60)
    before = max(heartbeats(system))
    system.focus("vm0")
    assert system.run("echo vm0-still-here") == "vm0-still-here"
    wait_beat_after(system, before)


def test_reboot_restarts_only_that_vm(system):
    system.focus("vm0")
    system.run("echo scribble > /root/marker")
    system.child.sendline("reboot")
    system.expect(r"\[EL2 hyp\] vm0: reset requested; restarting it from its pristine images", 60)
    during = max(heartbeats(system))
    system.wait_restarted("vm0")
    assert system.run("cat /root/marker 2>&1 || true").endswith("No such file or directory")
    wait_beat_after(system, during)  # vm2 kept beating meanwhile
    # its vTEE went with it and came back empty
    t = system.transcript
    assert t.index("stk] vTEE for client 1 destroyed and wiped") < t.rindex(
        "stk] vTEE for client 1 created")


def test_last_vm_off_ends_the_run(system):
    system.focus("vm0")
    system.child.sendline("poweroff")
    system.expect(r"\[EL2 hyp\] vm0: powered off", 60)
    system.focus("vm2")
    system.child.send("q")
    system.expect(r"\[EL2 hyp\] vm2: powered off", 20)
    assert system.wait_exit(30) == 0
    assert "[EL2 hyp] no VM left: system off" in system.transcript
