"""A VM's lifetime on the single-VM system, one boot per test: reboot
restarts it alone from its pristine images in cleared RAM (the hypervisor
stays up), a panic with policy stop powers it off, Ctrl-A X leaves QEMU."""
import pytest

from qemu import System, build_ok

pytestmark = pytest.mark.skipif(not build_ok("single"), reason="system not built")


def test_reboot_restarts_the_vm_then_poweroff_exits():
    s = System("single", log_name="reboot")
    try:
        s.wait_shell()
        s.run("echo scribble > /root/marker")
        s.child.sendline("reboot")
        s.expect(r"\[EL2 hyp\] vm0: reset requested; restarting it from its pristine images", 60)
        s.wait_shell()
        assert s.run("cat /root/marker 2>&1 || true").endswith("No such file or directory")
        assert s.run("nproc") == "2"
        t = s.transcript
        assert t.count("tzvisor hypervisor running at EL2") == 1
        assert t.count("Booting Linux on physical CPU") == 2
        s.child.sendline("poweroff")
        assert s.wait_exit(60) == 0
    finally:
        s.close()


def test_guest_kernel_panic_with_policy_stop_powers_the_vm_off():
    s = System("single", log_name="panic")
    try:
        s.wait_shell()
        s.child.sendline("echo c > /proc/sysrq-trigger")
        s.expect(r"\[EL2 hyp\] vm0: guest kernel panic; policy stop", 60)
        assert s.wait_exit(60) == 0
        assert "[EL2 hyp] no VM left: system off" in s.transcript
    finally:
        s.close()


def test_ctrl_a_x_leaves_qemu():
    """The README's way out: Ctrl-A X ends QEMU at once, status 0."""
    s = System("single", log_name="ctrl-a-x")
    try:
        s.wait_shell()
        s.child.send("\x01x")
        assert s.wait_exit(30) == 0
        assert "QEMU: Terminated" in s.transcript
    finally:
        s.close()
