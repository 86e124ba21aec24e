"""Boots the real images on QEMU under pexpect and reads the console."""
import os
import re
import socket
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


def own_flash(sysdir, path, disks=None, edit=None):
    """path becomes a copy of the system's secure flash with its trusted
    storage empty, unless it exists; a qemu.args naming it, in a directory
    beside it, is returned with the flash the system names. The VMs' disks
    become copies in disks (a directory; made from the built images when a
    copy is missing), and each forwarded host port a free one: returns
    (rundir, built flash, {built port: free port})."""
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
    args = args.replace(f"file={built},", f"file={os.path.abspath(path)},")
    if edit:  # a test that breaks the command line on purpose
        args = edit(args)
    disks = disks or os.path.join(d, "disks")
    for img in re.findall(r"-drive if=none,id=[\w-]+,format=raw,file=(\S+)", args):
        mine = os.path.join(disks, os.path.basename(img))
        if not os.path.exists(mine):
            os.makedirs(disks, exist_ok=True)
            subprocess.run(["cp", "--sparse=always", img, mine + ".tmp"], check=True)
            os.replace(mine + ".tmp", mine)
        args = args.replace(f"file={img}", f"file={mine}")
    ports = {}
    for port in re.findall(r"hostfwd=tcp:127\.0\.0\.1:(\d+)-", args):
        ports[int(port)] = free_port()
        args = args.replace(f"127.0.0.1:{port}-", f"127.0.0.1:{ports[int(port)]}-")
    with open(os.path.join(d, "qemu.args"), "w") as f:
        f.write(args)
    cfg = os.path.join(sysdir, "ssh-config")
    if os.path.exists(cfg):
        text = open(cfg).read()
        for old, new in ports.items():
            text = text.replace(f"  Port {old}\n", f"  Port {new}\n")
        with open(os.path.join(d, "ssh-config"), "w") as f:
            f.write(text)
    return d, built, ports


def free_port():
    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        return sk.getsockname()[1]


class System:
    """One QEMU run. Always ends with close(), which kills QEMU by its PID.

    Each run has a flash of its own whose trusted storage starts empty (no
    object of an earlier test, or of the user's make run, is seen); the
    anti-rollback sector goes back into the system's flash at close, as if
    the run had used it. flash=PATH keeps one flash across runs (a
    persistence test): made like that the first time, reused after. The
    same for the VMs' disks: fresh copies of the built images, unless
    disks=DIR names a directory whose copies a later run reuses.
    edit_args(text) may change QEMU's arguments (a test of a broken setup)."""

    def __init__(self, name="default", extra_args=(), log_name="boot", flash=None, disks=None,
                 edit_args=None):
        os.makedirs(os.path.join(BUILD, "test-logs"), exist_ok=True)
        self.log_path = os.path.join(BUILD, "test-logs", f"{log_name}.log")
        self.log = open(self.log_path, "w")
        sysdir = name if os.path.isabs(name) else system_dir(name)
        self.flash = flash or os.path.join(BUILD, "test-logs", f"{log_name}.flash")
        if not flash and os.path.exists(self.flash):
            os.unlink(self.flash)
        if not disks:
            subprocess.run(["rm", "-rf", self.flash + ".sys/disks"])
        self.rundir, self.built_flash, self.ports = own_flash(sysdir, self.flash, disks,
                                                                edit_args)
        self.started = time.monotonic()
        self.child = pexpect.spawn(
            os.path.join(ROOT, "tools", "run-qemu"), [self.rundir, *extra_args],
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

    def ssh(self, vm, cmd, timeout=60, key=None):
        """Runs cmd in vm over SSH from the host (the system's ssh-config,
        with this run's forwarded port); a CompletedProcess. key: log in
        with that private key instead, to this run's first forwarded port."""
        opts = ["-o", "BatchMode=yes", "-o", "ConnectTimeout=20"]
        if key:
            port = next(iter(self.ports.values()))
            opts += ["-p", str(port), "-i", key, "-o", "IdentitiesOnly=yes", "-o",
                     "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
            return run_host(["ssh", *opts, "root@127.0.0.1", cmd], timeout=timeout)
        return run_host(["ssh", "-F", os.path.join(self.rundir, "ssh-config"), *opts, vm, cmd],
                        timeout=timeout)

    def wait_ssh(self, vm, timeout=90):
        """Waits until vm's SSH server lets the build's key in (the guest
        starts it in the background, after DHCP)."""
        end = time.monotonic() + timeout
        while self.ssh(vm, "true", timeout=30).returncode != 0:
            if time.monotonic() > end:
                raise AssertionError(f"no SSH into {vm} within {timeout} s")
            time.sleep(1)

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
            # and the last piece alone on a line of its own (e.g. "57677__")
            echo = f"echo __do''ne{n}__"
            out = "\n".join(l for l in strip_prefixes(out, self.vm).split("\n")
                             if not (l.strip().endswith("__") and echo.endswith(l.strip())))
            return out.strip("\n")
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
        if not self.log.closed:
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
    try:
        # the VMs boot at once: their lines come in any order
        waiting = [r"\[vm0\] tzvisor guest: user space up", r"\[vm1\] tzvisor guest: user space up"]
        while waiting:
            waiting.pop(s.child.expect(waiting, timeout=120))
        s.wait_shell(vm="vm0", up=True)
    except BaseException:
        s.close()  # a boot that failed leaves no QEMU behind
        raise
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
