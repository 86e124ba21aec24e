"""Boot chain end to end on the single-VM system (test/configs/single.toml):
one boot, then the guest is driven from its shell; the last test powers it
off."""
import re

import pytest

from qemu import System, build_ok

pytestmark = pytest.mark.skipif(not build_ok("single"), reason="system not built")


@pytest.fixture(scope="module")
def system():
    s = System("single", log_name="boot")
    s.boot_seconds = s.wait_shell()
    print(f"\nreset to guest shell: {s.boot_seconds:.1f} s wall clock")
    yield s
    s.close()


def test_each_stage_announces_its_exception_level(system):
    t = system.transcript
    assert "[EL3 mon] tzvisor secure monitor running at EL3" in t
    assert "[S-EL1 stk] secure tiny kernel running at S-EL1" in t
    assert "MMU and caches on" in t
    assert "[EL2 hyp] tzvisor hypervisor running at EL2" in t
    assert "CPU: All CPU(s) started at EL1" in t
    # order: monitor, STK, hypervisor, guest
    order = [t.index(s) for s in ("running at EL3", "running at S-EL1",
                                  "running at EL2", "Booting Linux")]
    assert order == sorted(order)


def test_world_switch_round_trip_preserves_normal_world_state(system):
    t = system.transcript
    assert "world switch: GET_OS_REVISION via the monitor and the STK -> 0.1" in t
    assert "world switch: round trip ok, EL1 system registers, GPRs and FP/SIMD preserved" in t
    assert "NOT preserved" not in t


def test_normal_world_read_of_secure_sram_faults(system):
    t = system.transcript
    assert re.search(r"secure SRAM: normal-world read at 0xe000000 faulted \(ESR 0x[0-9a-f]+\): ok", t)
    assert "ISOLATION BROKEN" not in t


def test_guest_shell_answers_through_its_virtual_uart(system):
    assert system.run("echo hello-$((6 * 7))") == "hello-42"
    # its output reaches the console behind its name
    assert "[vm0] hello-42" in system.transcript
    assert "[vm0] tzvisor guest: user space up" in system.transcript


def test_console_focus_key(system):
    system.child.send("\x14\x14\x14")
    system.expect(r"\[EL2 hyp\] console input now goes to vm0", 10)
    assert system.run("echo after-focus") == "after-focus"


def test_stock_linux_optee_driver_probes_the_vms_vtee(system):
    dmesg = system.run("dmesg | grep optee:")
    assert "optee: revision 0.1" in dmesg
    assert "optee: dynamic shared memory is enabled" in dmesg
    assert "optee: initialized driver" in dmesg
    assert system.run("ls -1 /dev/tee0 /dev/teepriv0") == "/dev/tee0\n/dev/teepriv0"
    assert "stk] vTEE for client 1 created" in system.transcript  # (a VM's line may cut the prefix)


def test_guest_sees_exactly_its_cpus(system):
    assert system.run("nproc") == "2"
    assert system.run("grep -c ^processor /proc/cpuinfo") == "2"
    assert "smp: Brought up 1 node, 2 CPUs" in system.transcript


def test_guest_sees_exactly_its_memory(system):
    reg = system.run("hexdump -v -e '4/4 \"%08x \"' /sys/firmware/devicetree/base/memory@40000000/reg")
    # big-endian cells read as little-endian words: base 0x40000000, size 0x20000000
    assert reg.split() == ["00000000", "00000040", "00000000", "00000020"]
    total_kb = int(system.run("awk '/MemTotal/ {print $2}' /proc/meminfo"))
    assert 400 * 1024 < total_kb <= 512 * 1024
    free = system.run("free -m")
    assert "Mem:" in free


def test_interrupts_reach_every_vcpu_through_the_vgic(system):
    # virtual timer ticks and IPIs (vSGIs) counted on both vCPUs
    before = system.run("grep -E 'arch_timer|Rescheduling' /proc/interrupts")
    system.run("for i in 1 2 3 4; do (sleep 0.1 &); done; sleep 0.5")
    after = system.run("grep -E 'arch_timer|Rescheduling' /proc/interrupts")
    timer = next(l for l in after.splitlines() if "arch_timer" in l).split()
    assert "GICv3" in timer and int(timer[1]) > 0 and int(timer[2]) > 0, after
    resched = next(l for l in after.splitlines() if "Rescheduling" in l).split()
    assert int(resched[1]) + int(resched[2]) > 0, after
    assert before != after


def test_guest_cannot_reach_redistributors_of_cpus_it_does_not_have(system):
    # vm0 has 2 vCPUs: its redistributor region ends at 0x080e0000
    out = system.run("devmem 0x080e0000 32; echo rc=$?", timeout=30)
    assert "Bus error" in out
    assert re.search(r"vm0 vcpu\d: read at IPA 0x80e0000", system.transcript)


def test_guest_timer_sleep(system):
    out = system.run("a=$(cut -d' ' -f1 /proc/uptime); sleep 1; b=$(cut -d' ' -f1 /proc/uptime); "
                     "echo $a $b", timeout=30)
    a, b = (float(x) for x in out.split())
    assert b - a >= 1.0


def test_guest_access_outside_its_ram_is_caught(system):
    out = system.run("devmem 0x60000000 32; echo rc=$?", timeout=30)
    assert "Bus error" in out
    assert re.search(r"vm0 vcpu\d: read at IPA 0x60000000 \(PC 0x[0-9a-f]+, ESR 0x[0-9a-f]+\) "
                     r"outside the VM: injecting an external abort", system.transcript)
    # secure SRAM and the hypervisor's own RAM have no IPA in the VM either
    system.run("devmem 0x0e000000 32 0x12345678", timeout=30)
    assert re.search(r"vm0 vcpu\d: write at IPA 0xe000000", system.transcript)
    system.run("devmem 0x40100000000 32", timeout=30)
    # the hypervisor is still up and the guest goes on
    assert system.run("echo still-alive") == "still-alive"
    assert "FATAL" not in system.transcript
    # a healthy Linux boot costs the log budget nothing worth mentioning
    assert "too many messages" not in system.transcript


def test_poweroff_ends_the_run_cleanly(system):
    system.child.sendline("poweroff")
    status = system.wait_exit(timeout=60)
    t = system.transcript
    assert "[EL2 hyp] vm0: powered off" in t
    assert "[EL2 hyp] no VM left: system off" in t
    assert status == 0
