"""Boots the real images on QEMU under pexpect and reads the console."""
import os
import re
import subprocess
import time

import pexpect

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("TZV_BUILD", os.path.join(ROOT, "build"))
PROMPT = "guest# "


def system_dir(name):
    """The default system is the build directory itself; test systems
    (test/configs/NAME.toml) are built into build/sys/NAME."""
    return BUILD if name == "default" else os.path.join(BUILD, "sys", name)


# the secure flash's layout (lib/board/qemu-virt/board.h)
FLASH_STORE, FLASH_NV_COUNTER, FLASH_SECTOR = 0x1000000, 0x3FC0000, 0x40000


def own_flash(sysdir, path):
    """path becomes a copy of the system's secure flash with its trusted
    storage empty, unless it exists; a qemu.args naming it, in a directory
    beside it, is returned with the flash the system names."""
    args = open(os.path.join(sysdir, "qemu.args")).read()
    built = re.search(r"if=pflash,unit=0,format=raw,file=([^,]+),", args).group(1)
    if not os.path.exists(path):
        with open(built, "rb") as f, open(path + ".tmp", "wb") as g:
            g.write(f.read(FLASH_STORE))
            f.seek(FLASH_NV_COUNTER)
            g.seek(FLASH_NV_COUNTER)
            g.write(f.read())
        os.replace(path + ".tmp", path)
    d = path + ".sys"
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "qemu.args"), "w") as f:
        f.write(args.replace(f"file={built},", f"file={os.path.abspath(path)},"))
    return d, built


class System:
    """One QEMU run. Always ends with close(), which kills QEMU by its PID.

    Each run has a flash of its own whose trusted storage starts empty (no
    object of an earlier test, or of the user's make run, is seen); the
    anti-rollback sector goes back into the system's flash at close, as if
    the run had used it. flash=PATH keeps one flash across runs (a
    persistence test): made like that the first time, reused after."""

    def __init__(self, name="default", extra_args=(), log_name="boot", flash=None):
        os.makedirs(os.path.join(BUILD, "test-logs"), exist_ok=True)
        self.log_path = os.path.join(BUILD, "test-logs", f"{log_name}.log")
        self.log = open(self.log_path, "w")
        sysdir = name if os.path.isabs(name) else system_dir(name)
        self.flash = flash or os.path.join(BUILD, "test-logs", f"{log_name}.flash")
        if not flash and os.path.exists(self.flash):
            os.unlink(self.flash)
        rundir, self.built_flash = own_flash(sysdir, self.flash)
        self.started = time.monotonic()
        self.child = pexpect.spawn(
            os.path.join(ROOT, "tools", "run-qemu"), [rundir, *extra_args],
            encoding="utf-8", codec_errors="replace", timeout=60,
            dimensions=(50, 200))
        self.child.logfile_read = self.log

    def expect(self, pattern, timeout=60):
        return self.child.expect(pattern, timeout=timeout)

    def wait_shell(self, timeout=120, vm=None, up=False):
        """Waits for the focused VM's user space, then until its shell runs a
        command: a prompt on the console is not proof (lines typed during
        the boot can print it early), an answer is. Returns seconds since
        QEMU started."""
        vm = vm or self.vm
        if not up:  # not seen yet
            self.expect(rf"\[{vm}\] tzvisor guest: user space up", timeout)
        n = int(time.monotonic() * 1000) % 100000
        end = time.monotonic() + timeout
        while True:
            self.child.sendline(f"echo __sh''ell{n}__")
            try:
                self.child.expect_exact(f"__shell{n}__", timeout=5)
                break
            except pexpect.TIMEOUT:
                if time.monotonic() > end:
                    raise
        took = time.monotonic() - self.started
        self.expect_exact(PROMPT, timeout)
        return took

    def expect_exact(self, text, timeout=60):
        return self.child.expect_exact(text, timeout=timeout)

    vm = "vm0"  # the VM that has the console focus

    def focus(self, vm, timeout=20):
        """Presses Ctrl-T three times until console input goes to vm."""
        for _ in range(4):
            self.child.send("\x14\x14\x14")
            # not "vmN is off: console input now goes to ...": that one
            # moved the focus before our keys did; and the whole name, up to
            # the blank after it (pexpect matches as the bytes arrive)
            self.expect(r"\[EL2 hyp\] console input now goes to ([\w-]+)[ \r]", timeout)
            if self.child.match.group(1) == vm:
                self.vm = vm
                return
        raise AssertionError(f"could not move the console focus to {vm}")

    wide = ()  # VMs whose shell was told the console is wide

    def run(self, cmd, timeout=60):
        """Runs a shell command in the focused VM; returns its output, without
        the console's "[vmN] " prefixes and without other writers' lines."""
        if self.vm not in self.wide:
            # busybox's line editor wraps at 80 columns on a console that
            # reports no size: tell it the truth about our wide pty
            self.wide = (*self.wide, self.vm)
            self.run("stty cols 250", timeout)
        n = int(time.monotonic() * 1000) % 100000
        marker = f"__done{n}__"
        # the quotes keep the echoed command line from matching the marker;
        # other VMs' lines may split that echo anywhere, so wait for the
        # marker alone and cut the echo off afterwards
        self.child.sendline(f"{cmd}; echo __do''ne{n}__")
        self.child.expect_exact(marker, timeout=timeout)
        out = self.child.before
        self.child.expect_exact(PROMPT, timeout=timeout)
        tail = f"ne{n}__"
        if tail in out:
            out = out[out.index(tail) + len(tail):]
        else:  # the echo's very end was split: drop its pieces
            out = "\n".join(l for l in out.split("\n") if "__do" not in l and "''ne" not in l)
        return strip_prefixes(out, self.vm)

    def on(self, vm, cmd, timeout=120):
        """run() in vm, moving the console focus there first."""
        if self.vm != vm:
            self.focus(vm)
        return self.run(cmd, timeout)

    def read_file(self, vm, path):
        """A file of the guest vm, through the console."""
        return bytes.fromhex("".join(self.on(vm, f"od -An -v -tx1 {path}").split()))

    def vtee_stats(self, vm):
        """The vTEE's counters, from the stats pseudo-PAL through tzv-client:
        (sessions, buffers, PAL instances, calls, secure KiB used, quota)."""
        out = self.on(vm, "tzv-client stats")
        m = re.search(r"stats: sessions=(\d+) shm=(\d+) instances=(\d+) calls=(\d+) "
                      r"secure_kib=(\d+)/(\d+)", out)
        assert m, out
        return tuple(int(x) for x in m.groups())

    def write_file(self, vm, path, data):
        """data into a file of vm, 32 bytes a line: the hypervisor queues at
        most 256 bytes of console input per VM, and a longer line can outrun
        the guest's reading."""
        self.on(vm, f"rm -f {path}")
        for i in range(0, len(data), 32):
            octal = "".join(f"\\{b:03o}" for b in data[i:i + 32])
            self.on(vm, f"printf '{octal}' >> {path}")
        assert self.read_file(vm, path) == data

    def wait_restarted(self, vm, timeout=120):
        """Waits for vm's shell after a restart; its new shell has to be
        told the console width again."""
        if vm == self.vm:
            self.wait_shell(timeout, vm)
        else:
            self.expect(rf"\[{vm}\] tzvisor guest: user space up", timeout)
        self.wide = tuple(v for v in self.wide if v != vm)

    def wait_exit(self, timeout=60):
        self.child.expect(pexpect.EOF, timeout=timeout)
        self.child.close()
        return self.child.exitstatus

    @property
    def transcript(self):
        self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def close(self):
        if self.child.isalive():
            self.child.terminate(force=True)
        self.log.close()
        if self.built_flash:
            with open(self.flash, "rb") as f, open(self.built_flash, "r+b") as g:
                f.seek(FLASH_NV_COUNTER)
                g.seek(FLASH_NV_COUNTER)
                g.write(f.read(FLASH_SECTOR))
            self.built_flash = None


def boot_default(log_name, name="default"):
    """The default system (or a copy of it, name its directory) with both
    Linux VMs at their shells, vm0 in focus."""
    s = System(name, log_name=log_name)
    # the VMs boot at once: their lines come in any order
    waiting = [r"\[vm0\] tzvisor guest: user space up", r"\[vm1\] tzvisor guest: user space up"]
    while waiting:
        waiting.pop(s.child.expect(waiting, timeout=120))
    s.wait_shell(vm="vm0", up=True)
    return s


def strip_prefixes(text, vm):
    mine = f"[{vm}] "
    lines = []
    for line in text.replace("\r", "").split("\n"):
        if line.startswith(mine):
            lines.append(line[len(mine):])
        elif not re.match(r"^\[[\w -]+\] ", line):
            lines.append(line)
    return "\n".join(lines).strip("\n")


def build_ok(name="default"):
    return os.path.exists(os.path.join(system_dir(name), "qemu.args"))


def run_host(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)
