"""The shared console as a user at a serial line meets it (the default
system): typing while the VMs boot, pasting a long line, a VM in focus that
goes off, a VM that does not read its input."""
import hashlib
import time

import pexpect
import pytest

from qemu import System, build_ok

pytestmark = pytest.mark.skipif(not build_ok(), reason="system not built")


@pytest.fixture(scope="module")
def system():
    """Boots while typing a line every half second, as an impatient user
    does, until vm0's user space is up and for a few seconds after."""
    s = System("default", log_name="console")
    up_at = None
    while up_at is None or time.monotonic() < up_at + 4:
        s.child.send("echo typed-while-booting\r")
        try:
            s.expect(r"\[vm0\] tzvisor guest: user space up", 0.5)
            up_at = time.monotonic()
        except pexpect.TIMEOUT:
            if time.monotonic() - s.started > 180:
                raise
    yield s
    s.close()


def test_typing_during_the_boot_leaves_the_shell_answering(system):
    system.wait_shell(60, up=True)
    assert system.run("echo still-answering") == "still-answering"
    # the console passes no line editor's query to the terminal
    assert "\x1b[6n" not in system.transcript


def test_a_4_kib_pasted_line_arrives_whole(system):
    line = "".join(chr(ord("a") + i % 26) for i in range(4095))  # + newline: 4 KiB
    system.run("stty -echo")  # the echo would only double the console's work
    before = len(system.transcript)
    system.child.sendline("cat > /tmp/paste")
    time.sleep(1)
    system.child.send(line + "\n")  # at once, as a terminal pastes
    system.child.send("\x04")
    system.expect_exact("guest# ", 60)
    system.run("stty echo")
    want = hashlib.sha256((line + "\n").encode()).hexdigest()
    assert system.run("wc -c < /tmp/paste") == "4096"
    assert system.run("sha256sum /tmp/paste").split()[0] == want
    assert "does not read its console input" not in system.transcript[before:]


def test_a_vm_that_does_not_read_loses_only_its_own_input(system):
    """vm2 (bare metal) polls its input every 100 ms and takes no receive
    interrupt: typing faster overflows its queue, which is said, and the
    focus key still gets through."""
    system.focus("vm2")
    system.child.send("x" * 600)
    system.expect(r"\[EL2 hyp\] vm2 does not read its console input: what does not fit in "
                  r"its 256-byte queue is dropped until it does", 20)
    system.focus("vm0")
    assert system.run("echo back-in-vm0") == "back-in-vm0"


def test_the_focus_leaves_a_vm_that_powers_off(system):
    system.focus("vm2")
    system.child.send("q")
    system.expect(r"\[EL2 hyp\] vm2: powered off", 20)
    system.expect_exact("[EL2 hyp] vm2 is off: console input now goes to vm0", 10)
    system.vm = "vm0"  # without Ctrl-T
    assert system.run("echo typed-after-vm2-went-off") == "typed-after-vm2-went-off"
