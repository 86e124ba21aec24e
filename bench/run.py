#!/usr/bin/env python3
"""make bench: the same Debian guest measured natively, under tzvisor and as
Xen 4.17's dom0, in one run, on the same QEMU with -icount shift=0 (guest
time then counts instructions, so figures repeat), one CPU each.

Writes build/bench/results.json (every raw sample), report.md (medians and
ratios) and report.png (ratio chart, gnuplot). N runs per system (N=3, or
QUICK=1 for one run and smaller workloads). Xen comes from Debian's
xen-hypervisor-4.17-arm64 (apt-get download into the build cache).
"""
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time

import pexpect

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.abspath(os.environ.get("TZV_BUILD", os.path.join(ROOT, "build")))
OUT = os.path.join(BUILD, "bench")
QUICK = os.environ.get("QUICK", "") not in ("", "0")
N = 1 if QUICK else int(os.environ.get("N", "3"))
LOOP = 20000 if QUICK else 50000
MEM_MB = 32 if QUICK else 128
CPU_FLAGS = "max,sve=off,sme=off,pauth-impdef=on"
ICOUNT = ["-icount", "shift=0"]


DISK_MB = 64 if QUICK else 256
NET_MB = 16 if QUICK else 64


def bench_disk(name):
    """The disk of one system's VM: tzvisor's is the bench system's own
    (build/sys/bench/disks); the native Linux gets a copy of its pristine
    image, the same device on the same bus."""
    built = os.path.join(BUILD, "sys", "bench", "disks", "vm0-disk0.img")
    if name == "tzvisor":
        return built
    mine = os.path.join(OUT, f"{name}-disk0.img")
    subprocess.run(["cp", "--sparse=always", built, mine], check=True)
    return mine


def native_cmd():
    """The same guest on bare QEMU, given the same PCIe disk and network
    devices straight (no SMMU: nothing to confine)."""
    g = os.path.join(BUILD, "guest")
    return ["qemu-system-aarch64", "-M", "virt,gic-version=3,highmem=off", "-cpu", CPU_FLAGS,
            "-smp", "1", "-m", "512", "-nographic", "-nic", "none", *ICOUNT,
            "-kernel", os.path.join(g, "Image"), "-initrd", os.path.join(g, "initramfs.cpio.gz"),
            "-append", "console=ttyAMA0 rdinit=/init",
            "-drive", f"if=none,id=d0,format=raw,file={bench_disk('native')}",
            "-device", "virtio-blk-pci,drive=d0,iommu_platform=on,disable-legacy=on,bus=pcie.0,addr=0x2",
            "-netdev", "user,id=n0",
            "-device", "virtio-net-pci,netdev=n0,iommu_platform=on,disable-legacy=on,romfile=,"
                       "bus=pcie.0,addr=0x3"]


def tzvisor_cmd():
    return [os.path.join(ROOT, "tools", "run-qemu"), os.path.join(BUILD, "sys", "bench"), *ICOUNT]


def xen_binary():
    """Debian's Xen, fetched once into the build cache and unpacked."""
    xen = os.path.join(OUT, "xen", "boot", "xen-4.17-arm64")
    if os.path.exists(xen):
        return xen
    cache = os.environ.get("TZV_CACHE", os.path.join(BUILD, "cache", "debs"))
    os.makedirs(cache, exist_ok=True)
    debs = [f for f in os.listdir(cache) if f.startswith("xen-hypervisor-4.17-arm64_")]
    if not debs:
        subprocess.run(["apt-get", "download", "-q", "xen-hypervisor-4.17-arm64:arm64"], cwd=cache,
                       check=True)
        debs = [f for f in os.listdir(cache) if f.startswith("xen-hypervisor-4.17-arm64_")]
    os.makedirs(os.path.join(OUT, "xen"), exist_ok=True)
    subprocess.run(f"dpkg-deb --fsys-tarfile '{os.path.join(cache, sorted(debs)[-1])}' | "
                   f"tar -x -C '{os.path.join(OUT, 'xen')}' ./boot/xen-4.17-arm64",
                   shell=True, check=True)
    return xen


def xen_cmd():
    """Xen 4.17 with the same kernel and initramfs as dom0 (QEMU's guest-loader
    places them), dom0_mem equal to the tzvisor VM's RAM."""
    g = os.path.join(BUILD, "guest")
    return ["qemu-system-aarch64", "-M", "virt,virtualization=on,gic-version=3", "-cpu", CPU_FLAGS,
            "-smp", "1", "-m", "1024", "-nographic", "-nic", "none", *ICOUNT,
            "-kernel", xen_binary(),
            "-append", "dom0_mem=512M console=dtuart dtuart=/pl011@9000000 console_timestamps=boot",
            "-device", f"guest-loader,addr=0x42000000,kernel={os.path.join(g, 'Image')},"
                       "bootargs=console=hvc0 rdinit=/init",
            "-device", f"guest-loader,addr=0x47000000,initrd={os.path.join(g, 'initramfs.cpio.gz')}"]


SYSTEMS = {"native": native_cmd, "tzvisor": tzvisor_cmd, "xen": xen_cmd}

# The bare-metal timer-latency guest (guests/baremetal/guest-timerlat.c)
TIMERLAT = {
    "native": lambda: ["qemu-system-aarch64", "-M", "virt,gic-version=3", "-cpu", CPU_FLAGS,
                       "-smp", "1", "-m", "512", "-nographic", "-nic", "none", *ICOUNT,
                       "-kernel", os.path.join(BUILD, "baremetal", "timerlat.bin")],
    "tzvisor": lambda: [os.path.join(ROOT, "tools", "run-qemu"),
                        os.path.join(BUILD, "sys", "timerlat"), *ICOUNT],
}


def timer_latency(name, run):
    """Median ticks from the deadline to the guest's IRQ handler."""
    if name not in TIMERLAT:
        return None
    cmd = TIMERLAT[name]()
    with open(os.path.join(OUT, f"{name}-timerlat-{run}.log"), "w") as log:
        c = pexpect.spawn(cmd[0], cmd[1:], env=dict(os.environ, TZV_SMP="1"), encoding="utf-8",
                          codec_errors="replace", timeout=120)
        c.logfile_read = log
        try:
            c.expect(r"timerlat: \d+ samples, median (\d+) ticks")
            ticks = int(c.match.group(1))
            c.expect(pexpect.EOF)
            return ticks
        finally:
            if c.isalive():
                c.terminate(force=True)


def boot_vms(n, run):
    """Guest seconds from reset until each of the n Linux VMs of
    test/configs/bench{n}.toml (one CPU each, booting at once) reached user
    space: under -icount the CPUs take turns on one clock, so n native
    boots one after the other are the same work."""
    cmd = [os.path.join(ROOT, "tools", "run-qemu"), os.path.join(BUILD, "sys", f"bench{n}"), *ICOUNT]
    with open(os.path.join(OUT, f"tzvisor-boot{n}-{run}.log"), "w") as log:
        c = pexpect.spawn(cmd[0], cmd[1:], env=dict(os.environ, TZV_SMP=str(n)), encoding="utf-8",
                          codec_errors="replace", timeout=600)
        c.logfile_read = log
        try:
            start, up = {}, {}
            while len(up) < n:
                # (words, not prefixes: a secure-world line can cut a hypervisor line)
                i = c.expect([r"(vm\d): starting at ([\d.]+) s", r"\[(vm\d)\] tzvisor guest: uptime (\d+\.\d\d)"])
                (start if i == 0 else up)[c.match.group(1)] = float(c.match.group(2))
            return round(max(start[vm] + up[vm] for vm in up), 3)
        finally:
            if c.isalive():
                c.terminate(force=True)


TP_CALLS = 5000 if QUICK else 20000


def vtee_throughput(run):
    """Hello invokes per second (tzv-client bench) in each VM of bench2.toml
    (one CPU each): alone, then both at once. Without -icount: under it the
    CPUs take turns on one clock, so two busy VMs halve each other's rate
    whatever the design; so this needs a host core per vCPU and is noisy.
    Returns each VM's rate alone and together; the figure is the lower
    together/alone ratio."""
    sys.path.insert(0, os.path.join(ROOT, "test", "system"))
    import qemu  # the system tests' console driver: two VMs on one UART
    old = os.environ.get("TZV_SMP")
    os.environ["TZV_SMP"] = "2"
    s = qemu.System("bench2", log_name=f"bench-throughput-{run}")
    if old is None:
        del os.environ["TZV_SMP"]
    else:
        os.environ["TZV_SMP"] = old
    vms = ("vm0", "vm1")
    try:
        up = set()
        while len(up) < 2:  # (the two boot at once: either line may come first)
            s.expect(r"\[(vm[01])\] tzvisor guest: user space up", 600)
            up.add(s.child.match.group(1))
        s.wait_shell(600, vm="vm0", up=True)
        s.focus("vm1")
        s.wait_shell(600, vm="vm1", up=True)
        for vm in vms:
            s.on(vm, "tzv-client hello-value 1")  # hello registered before timing

        def rate(text):
            m = re.search(r"bench: \d+ invokes (\d+) ns/call", text)
            return round(1e9 / int(m.group(1))) if m else None

        alone = {vm: rate(s.on(vm, f"tzv-client bench {TP_CALLS}", 600)) for vm in vms}
        start = time.monotonic() + 4
        for vm in vms:
            delay = max(0.0, start - time.monotonic())
            s.on(vm, f"(sleep {delay:.1f}; tzv-client bench {TP_CALLS} > /tmp/tp.out 2>&1) & true")
        both = {}
        end = time.monotonic() + 900
        while len(both) < len(vms) and time.monotonic() < end:
            time.sleep(5)
            for vm in vms:
                if vm not in both and "bench:" in (text := s.on(vm, "cat /tmp/tp.out")):
                    both[vm] = rate(text)
        return alone, both
    finally:
        s.close()


VMI_READ_KIB = 256 if QUICK else 1024


def vmi_cost(run):
    """What introspection costs its target (test/configs/benchvmi.toml: vm0
    may introspect vm1, one CPU each, -icount): vm1's memory and fork rows
    alone, with vm0's `tzv-vmi trap vm1 sysreg` (each write of TTBR0/1,
    SCTLR... trapped, made and recorded: at every context switch), and
    under `tzv-vmi guard vm1` (its kernel text and read-only data read-only
    in stage 2); and vm0's read of vm1's RAM with tzv-vmi dump (the tool's
    whole path: hypercall, hex through sysfs, the shell's loop). Returns
    the ratios to alone and the read rate."""
    sys.path.insert(0, os.path.join(ROOT, "test", "system"))
    import qemu
    old = os.environ.get("TZV_SMP")
    os.environ["TZV_SMP"] = "2"
    s = qemu.System("benchvmi", extra_args=ICOUNT, log_name=f"bench-vmi-{run}")
    if old is None:
        del os.environ["TZV_SMP"]
    else:
        os.environ["TZV_SMP"] = old
    try:
        up = set()
        while len(up) < 2:
            s.expect(r"\[(vm[01])\] tzvisor guest: user space up", 600)
            up.add(s.child.match.group(1))
        s.wait_shell(600, vm="vm0", up=True)
        s.focus("vm1")
        s.wait_shell(600, vm="vm1", up=True)
        now = "now() { awk '/now at/ {print $3; exit}' /proc/timer_list; }"
        s.on("vm0", now)
        s.on("vm1", now)

        def timed(vm, work):
            out = s.on(vm, f"a=$(now); {work} >/dev/null 2>&1; b=$(now); echo T $a $b", 600)
            a, b = (int(x) for x in re.search(r"T (\d+) (\d+)", out).groups())
            return (b - a) / 1e9

        work = {"mem": f"dd if=/dev/zero of=/tmp/f bs=1M count={MEM_MB}; rm /tmp/f",
                "fork": "for i in $(seq 200); do /bin/true; done"}
        alone = {k: timed("vm1", w) for k, w in work.items()}
        s.on("vm0", "tzv-vmi trap vm1 sysreg; (tzv-vmi events >/dev/null 2>&1 &)")
        trapped = {k: timed("vm1", w) for k, w in work.items()}
        s.on("vm0", "tzv-vmi trap vm1 off")
        s.on("vm0", "sh -c 'echo $$ > /tmp/guard.pid; exec tzv-vmi guard vm1' >/tmp/guard.log 2>&1 & "
                    "sleep 2")
        guarded = {k: timed("vm1", w) for k, w in work.items()}
        s.on("vm0", "kill $(cat /tmp/guard.pid)")
        secs = timed("vm0", f"tzv-vmi dump vm1 0x40000000 {VMI_READ_KIB * 1024}")
        r = {f"vmi_{m}_{k}_ratio": round(d[k] / alone[k], 3)
             for m, d in (("trap", trapped), ("guard", guarded)) for k in work}
        r["vmi_read_kbs"] = round(VMI_READ_KIB / secs)
        return r
    finally:
        s.close()


class Guest:
    def __init__(self, cmd, log):
        env = dict(os.environ, TZV_SMP="1")
        self.log = open(log, "w")
        self.t0 = time.monotonic()
        self.c = pexpect.spawn(cmd[0], cmd[1:], env=env, encoding="utf-8",
                               codec_errors="replace", timeout=300, dimensions=(50, 250))
        self.c.logfile_read = self.log

    def boot(self):
        """Reset to the guest's first user-space line, in guest seconds: the
        time before the kernel started (the hypervisor logs it; natively the
        kernel starts at reset) plus the kernel's uptime then."""
        i = self.c.expect([r"vm0: starting at ([\d.]+) s",
                           r"\(XEN\) \[\s*([\d.]+)\] Freed \d+kB init memory", r"Booting Linux"])
        before_kernel = float(self.c.match.group(1)) if i < 2 else 0.0
        # (all of /proc/uptime's two decimals: the line may arrive in pieces)
        self.c.expect(r"tzvisor guest: uptime (\d+\.\d\d)")
        uptime = round(before_kernel + float(self.c.match.group(1)), 3)
        wall = time.monotonic() - self.t0
        self.c.expect_exact("guest# ")
        self.sh("stty cols 250")
        self.sh("now() { awk '/now at/ {print $3; exit}' /proc/timer_list; }")
        self.overhead = 0
        self.overhead = self.timed(":")  # the two clock readings themselves
        return uptime, wall

    def sh(self, cmd):
        n = int(time.monotonic() * 1000) % 100000
        line = f"{cmd}; echo __be''nch{n}__\n"
        # in small pieces: Xen's console drops input that comes too fast
        for i in range(0, len(line), 16):
            self.c.send(line[i:i + 16])
            time.sleep(0.02)
        self.c.expect_exact(f"__bench{n}__")
        out = self.c.before
        self.c.expect_exact("guest# ")
        lines = [re.sub(r"^\[vm0\] ", "", l) for l in out.replace("\r", "").split("\n")]
        return "\n".join(l for l in lines if l and not l.startswith("[EL")).strip()

    def timed(self, work):
        """Guest seconds (= instructions under icount, in 1e9) a command takes,
        from the kernel's monotonic clock in ns (/proc/timer_list)."""
        out = self.sh(f"a=$(now); {work} >/dev/null 2>&1; b=$(now); echo T $a $b")
        a, b = (int(x) for x in re.search(r"T (\d+) (\d+)", out).groups())
        return round((b - a) / 1e9 - self.overhead, 4)

    def by_level(self, work):
        """A command's guest seconds as timed() and its instructions by level
        in 1e9 (the tzv-guest module's PMU counters, exact under -icount): the
        guest's user space, its kernel, the hypervisor, and the secure world
        as the rest of the command's time; None where nothing was counted."""
        out = self.sh(f"a=$(now); echo 1 2>/dev/null > /sys/kernel/tzv/insns; {work} >/dev/null 2>&1; "
                      "read l 2>/dev/null < /sys/kernel/tzv/insns; b=$(now); echo T $a $b $l")
        m = re.search(r"T (\d+) (\d+)(?: (\d+) (\d+) (\d+))?", out)
        total = round((int(m.group(2)) - int(m.group(1))) / 1e9 - self.overhead, 4)
        if m.group(3) is None:
            return total, None
        el = [int(m.group(i)) / 1e9 for i in (3, 4, 5)]
        return total, [round(x, 4) for x in el + [total - sum(el)]]

    def close(self):
        if self.c.isalive():
            self.c.terminate(force=True)
        self.log.close()


def sink(nbytes):
    """A host TCP port that takes nbytes and then closes: the far end of
    the guest's network row (the guest reaches the host's 127.0.0.1 as
    10.0.2.2 through QEMU's user network). Returns (port, thread, result)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(300)
    got = {"bytes": 0}

    def take():
        try:
            conn, _ = srv.accept()
            with conn:
                while got["bytes"] < nbytes:
                    b = conn.recv(1 << 16)
                    if not b:
                        break
                    got["bytes"] += len(b)
        except OSError:
            pass
        finally:
            srv.close()
    t = threading.Thread(target=take, daemon=True)
    t.start()
    return srv.getsockname()[1], t, got


def devices(g):
    """The VM's PCIe disk and network (docs/devices.md), MB/s of guest time:
    a sequential write of DISK_MB MiB to a file on /data (fsync'd), its
    sequential read after dropping the page cache, and NET_MB MiB sent over
    TCP to the host. Nothing when the guest has no disk (Xen's dom0)."""
    # (the quotes: the echoed command line must not match)
    if "devices-ok" not in g.sh("grep -q ' /data ' /proc/mounts && ip -4 addr show eth0 | "
                                "grep -q inet && echo devices''-ok"):
        return {}
    r = {}
    t = g.timed(f"dd if=/dev/zero of=/data/bench bs=1M count={DISK_MB} conv=fsync")
    r["disk_write_mbs"] = round(DISK_MB / t, 1) if t > 0 else None
    g.sh("sync; echo 3 > /proc/sys/vm/drop_caches")
    t = g.timed("dd if=/data/bench of=/dev/null bs=1M")
    r["disk_read_mbs"] = round(DISK_MB / t, 1) if t > 0 else None
    g.sh("rm -f /data/bench; sync")
    port, thread, got = sink(NET_MB << 20)
    t = g.timed(f"(dd if=/dev/zero bs=64k count={NET_MB * 16} | nc 10.0.2.2 {port})")
    thread.join(60)
    r["net_tx_mbs"] = round(NET_MB / t, 1) if t > 0 and got["bytes"] >= NET_MB << 20 else None
    return r


PAL16 = "a7e1f0c1-7a76-4c30-9a00-746573740010"  # selftest16: selftest's image in 16 KiB


def storage(g):
    """Trusted storage (docs/storage.md): whole tzv-client commands that
    create, write and close an object of 1 KiB and of 64 KiB, beside one
    that reads 1 KiB back (what the command costs without writing), in the
    secure flash and in the VM's file system (REE FS); then
    the flash bytes programmed per update of a 1 KiB object over 200
    updates: each one's record, and what the compactions it caused copied
    (the STK logs each one)."""
    r = {"obj_first_s": g.timed("tzv-client obj ls"),  # the vTEE's first: reads the VM's log
         "obj_1k_s": g.timed("tzv-client obj fill bench1 1K"),
         "obj_64k_s": g.timed("tzv-client obj fill bench64 64K"),
         "obj_read_s": g.timed("tzv-client obj sum bench1"),
         "obj_ree_1k_s": g.timed("tzv-client obj --ree fill bench1 1K"),
         "obj_ree_64k_s": g.timed("tzv-client obj --ree fill bench64 64K")}
    g.sh("tzv-client obj rm bench64")
    g.log.flush()
    start = os.path.getsize(g.log.name)
    g.sh("for i in $(seq 200); do tzv-client obj fill wear 1K; done")
    g.log.flush()
    with open(g.log.name, errors="replace") as f:
        f.seek(start)
        kept = [int(x) for x in re.findall(r"trusted storage compacted: (\d+) bytes kept", f.read())]
    record = 192 + 1024  # its header and data (store.c)
    r["obj_wear_bytes"] = round((200 * record + sum(kept) + 4 * len(kept)) / 200)
    return r


CHANNEL_PORT = 2290  # test/configs/bench.toml forwards it to vm0's port 7001
CHANNEL_RUNS, CHANNEL_RECORDS = (2, 10) if QUICK else (4, 20)


def load_connect():
    from importlib.machinery import SourceFileLoader
    from importlib.util import module_from_spec, spec_from_loader
    loader = SourceFileLoader("tzv_connect", os.path.join(ROOT, "tools", "tzv-connect"))
    mod = module_from_spec(spec_from_loader("tzv_connect", loader))
    loader.exec_module(mod)
    return mod


def channel(g):
    """The attested channel (docs/channel.md) from the host's tzv-connect
    code over the forwarded port to a relay in the VM that times its TEE
    calls (--timing): the handshake (the login PAL's hello, then the quote
    of its statement, the AK statement, PCRs and log from the attestation
    PAL: instructions), and one record of a request the PAL answers without
    storage (a 'bad request': the channel's own work, to compare with a
    hello invoke); and both end to end on the host's wall clock (the
    client's checks, tpm2_checkquote, QEMU's user network under icount)."""
    g.sh("(tzv-relay 7001 --timing </dev/null >/dev/null 2>/tmp/relay.log &); sleep 1")
    tc = load_connect()
    expect = tc.Expect(os.path.join(BUILD, "sys", "bench"), "vm0")
    walls, records = [], []
    for _ in range(CHANNEL_RUNS):
        t = time.monotonic()
        with socket.create_connection(("127.0.0.1", CHANNEL_PORT), timeout=300) as sk:
            ch = tc.Channel(sk, expect, log=lambda line: None).handshake()
            walls.append(time.monotonic() - t)
            t = time.monotonic()
            for _ in range(CHANNEL_RECORDS):
                if ch.request(bytes([0]))[:2] != bytes([tc.ANSWER, 3]):
                    raise subprocess.CalledProcessError(1, "channel record")
            records.append((time.monotonic() - t) / CHANNEL_RECORDS)
            ch.close()
    out = g.sh("cat /tmp/relay.log")
    hs = [int(x) for x in re.findall(r"tzv-relay: handshake (\d+) ns", out)]
    rec = [int(x) for x in re.findall(r"tzv-relay: record (\d+) ns", out)]
    return {"chan_handshake_ns": statistics.median(hs) if hs else None,
            "chan_record_ns": statistics.median(rec) if rec else None,
            "chan_handshake_wall_s": round(statistics.median(walls), 3),
            "chan_record_wall_ms": round(1000 * statistics.median(records), 2)}


def level_keys(row, unit):
    """The keys of a row's figures by level: guest user space, guest
    kernel, hypervisor, secure world."""
    return [f"{row}_{lv}_{unit}" for lv in ("el0", "el1", "el2", "secure")]


def level_rows(row, unit, what):
    names = ("guest user space (EL0)", "guest kernel (EL1)", "hypervisor (EL2)",
             "secure world: monitor, STK, PALs (the rest)")
    return [(k, f"… {what}: {n} ({'ns' if unit == 'ns' else 's'} = {'' if unit == 'ns' else 'G '}instructions)")
            for k, n in zip(level_keys(row, unit), names)]


def measure(name, run):
    g = Guest(SYSTEMS[name](), os.path.join(OUT, f"{name}-{run}.log"))
    try:
        r = {}
        r["boot_uptime_s"], r["boot_wall_s"] = g.boot()
        r["cpu_loop_s"] = g.timed(f"i=0; while [ $i -lt {LOOP} ]; do i=$((i+1)); done")
        r["mem_touch_s"] = g.timed(f"dd if=/dev/zero of=/tmp/f bs=1M count={MEM_MB}; rm /tmp/f")
        r["fork_exit_s"] = g.timed("for i in $(seq 200); do /bin/true; done")
        r.update(devices(g))
        for attr in ("hvc_null", "tee_null"):
            out = g.sh(f"cat /sys/kernel/tzv/{attr} 2>/dev/null || echo none")
            m = re.search(r"^(\d+) (\d+) (\d+)$", out, re.M)
            r[f"{attr}_ns"] = int(m.group(3)) if m else None
        # a whole GlobalPlatform invoke: libteec, the optee driver, the
        # hypervisor's mediation, the STK and the hello PAL at S-EL0
        out = g.sh("tzv-client bench 200 2>&1")
        m = re.search(r"bench: \d+ invokes (\d+) ns/call", out)
        r["hello_invoke_ns"] = int(m.group(1)) if m else None
        lv = re.search(r"bench: per call el0 (\d+) el1 (\d+) el2 (\d+)", out)
        if m and lv:
            el = [int(x) for x in lv.groups()]
            r.update(zip(level_keys("hello", "ns"), el + [r["hello_invoke_ns"] - sum(el)]))
        # a remote-attestation round in the guest: quote, AK statement,
        # PCR values and event log through the attestation PAL; the first
        # of the vTEE's life makes the keys it keeps, the next ones reuse them
        attest = "tzv-client attest 00112233445566778899aabbccddeeff /tmp/att"
        r["attest_first_s"] = g.timed(attest) if m else None
        if m:
            r["attest_s"], lv = g.by_level(attest)
            r.update(zip(level_keys("attest", "s"), lv or []))
        # loading a 16 KiB signed PAL through tee-supplicant: OPEN_SESSION
        # to its first INVOKE, then the same once it is registered
        if m:
            out = g.sh(f"cp /usr/share/tzv-test/selftest16.ta /lib/optee_armtz/{PAL16}.ta; "
                       f"tzv-client load-time {PAL16} 2>&1")
            for key, word in (("pal_load_ns", "first"), ("pal_open_ns", "registered")):
                m16 = re.search(rf"load-time: {word} (\d+) ns", out)
                r[key] = int(m16.group(1)) if m16 else None
            r.update(storage(g))
            r.update(channel(g))
        return r
    finally:
        g.close()


def code_lines():
    out = subprocess.run([os.path.join(ROOT, "tools", "tzv-lines")], capture_output=True, text=True,
                         check=True).stdout.split()
    counts = {k: int(v) for k, v in zip(out[0::2], out[1::2]) if k != "total"}
    sizes = {k: os.path.getsize(os.path.join(BUILD, f"{k}.bin")) for k in ("monitor", "tee", "hyp")}
    return {"lines": counts, "image_bytes": sizes}


METRICS = [("boot_uptime_s", "boot: reset to guest user space (guest s, icount)"),
           ("boot2_s", "boot of 2 VMs at once, one CPU each, to both user spaces (native: "
                       "2 boots, guest s)"),
           ("boot3_s", "boot of 3 VMs at once, one CPU each, to all user spaces (native: "
                       "3 boots, guest s)"),
           ("cpu_loop_s", f"CPU: busybox loop of {LOOP} iterations (s)"),
           ("mem_touch_s", f"memory: write {MEM_MB} MiB to tmpfs (s)"),
           ("fork_exit_s", "fork+exec+exit x200 (s)"),
           ("hvc_null_ns", "null hypercall round trip from the guest kernel: tzvisor NULL, Xen "
                           "xen_version (ns = instructions)"),
           ("tee_null_ns", "null vTEE call round trip: guest SMC, STK, back (ns = instructions)"),
           ("hello_invoke_ns", "hello PAL invoke through libteec from guest user space "
                               "(ns = instructions)"),
           *level_rows("hello", "ns", "of the hello invoke"),
           ("attest_first_s", "tzv-client attest, the vTEE's first: quote + AK + PCRs + event "
                              "log, making the AK and its statement (s = G instructions)"),
           ("attest_s", "tzv-client attest, any later round: the same with the kept keys "
                        "(s = G instructions)"),
           *level_rows("attest", "s", "of the later attest round"),
           ("pal_load_ns", "PAL load: OPEN_SESSION of a 16 KiB signed PAL to its first INVOKE, "
                           "through tee-supplicant (ns = instructions)"),
           ("pal_open_ns", "the same PAL once registered: OPEN_SESSION to first INVOKE "
                           "(ns = instructions)"),
           ("obj_first_s", "trusted storage: tzv-client obj ls, the vTEE's first storage call, "
                           "which reads and checks the VM's log in the flash (s = G instructions)"),
           ("obj_1k_s", "tzv-client obj fill 1K, a create+write+close of a "
                        "1 KiB object in the secure flash, the whole command (s = G instructions)"),
           ("obj_64k_s", "the same with a 64 KiB object (s = G instructions)"),
           ("obj_read_s", "tzv-client obj sum of the 1 KiB object: the command without a write "
                          "(s = G instructions)"),
           ("obj_ree_1k_s", "REE FS: tzv-client obj --ree fill 1K, the same into the VM's file "
                            "system through tee-supplicant, encrypted, its version in the flash "
                            "(s = G instructions)"),
           ("obj_ree_64k_s", "the same with a 64 KiB object (s = G instructions)"),
           ("obj_wear_bytes", "flash bytes programmed per update of a 1 KiB object (200 updates, "
                              "their compactions included)"),
           ("chan_handshake_ns", "attested channel handshake, the TEE calls in the VM: login PAL "
                                 "hello (2 P-256 multiplications, HKDF, statement) + its quote, "
                                 "AK statement, PCRs, log (ns = instructions)"),
           ("chan_record_ns", "one channel record through the relay to the login PAL and back "
                              "(AES-GCM both ways; ns = instructions; compare the hello invoke)"),
           ("chan_handshake_wall_s", "the handshake end to end from the host over the forwarded "
                                     "TCP port, the client's checks included (wall s, icount)"),
           ("chan_record_wall_ms", "one record end to end from the host (wall ms, icount)"),
           ("tp_alone_per_s", "vTEE throughput: hello invokes/s of the slower of two one-CPU VMs, "
                              "each alone (wall clock, no icount)"),
           ("tp_both_per_s", "the same with both VMs busy at once (wall clock, no icount)"),
           ("tp_ratio", "the lower of the two VMs' rate together / alone"),
           ("disk_write_mbs", f"disk (virtio-blk on PCIe): sequential write of {DISK_MB} MiB to "
                              "/data, fsync'd (MB/s of guest time)"),
           ("disk_read_mbs", f"the same {DISK_MB} MiB read back, page cache dropped "
                             "(MB/s of guest time)"),
           ("net_tx_mbs", f"network (virtio-net, QEMU user net): {NET_MB} MiB over TCP to the "
                          "host with busybox nc (MB/s of guest time)"),
           ("vmi_guard_mem_ratio", "introspection: the target's memory row under tzv-vmi guard "
                                   "(kernel text + rodata write-protected in stage 2) / alone"),
           ("vmi_guard_fork_ratio", "the target's fork row under tzv-vmi guard / alone"),
           ("vmi_trap_mem_ratio", "the target's memory row with its TTBR/SCTLR... writes trapped "
                                  "and recorded (tzv-vmi trap sysreg) / alone"),
           ("vmi_trap_fork_ratio", "the target's fork row, its register writes trapped / alone"),
           ("vmi_read_kbs", "introspection read of the target's RAM with tzv-vmi dump, the whole "
                            "tool path (KiB/s of guest time)"),
           ("timer_latency_ticks", "virtual timer IRQ latency, bare-metal guest (ticks of 16 ns)"),
           ("boot_wall_s", "boot, wall clock (s, noisy)")]


def main():
    os.makedirs(OUT, exist_ok=True)
    samples = {s: [] for s in SYSTEMS}
    for run in range(N):
        for name in SYSTEMS:
            print(f"bench: {name} run {run + 1}/{N} ...", flush=True)
            try:
                r = measure(name, run)
                r["timer_latency_ticks"] = timer_latency(name, run)
                for n in (2, 3):
                    r[f"boot{n}_s"] = boot_vms(n, run) if name == "tzvisor" else None
                if name == "tzvisor":
                    alone, both = vtee_throughput(run)
                    ok = len(both) == 2 and all(alone.values()) and all(both.values())
                    r["tp_alone_per_s"] = min(alone.values()) if all(alone.values()) else None
                    r["tp_both_per_s"] = min(both.values()) if ok else None
                    r["tp_ratio"] = round(min(both[vm] / alone[vm] for vm in alone), 3) if ok else None
                    r.update(vmi_cost(run))
            except (pexpect.TIMEOUT, pexpect.EOF, subprocess.CalledProcessError) as e:
                print(f"bench: {name} run {run + 1}/{N} FAILED ({type(e).__name__}); "
                      f"see {OUT}/{name}-{run}.log", flush=True)
                continue
            print(f"bench: {name} run {run + 1}/{N}: {r}", flush=True)
            samples[name].append(r)
    write_report(samples, N, QUICK)


def write_report(samples, n_runs, quick):
    """Medians, report.md, ratios.dat and report.png from the samples
    (bench/run.py --report FILE writes them again from a results.json)."""
    med = {}
    for name, runs in samples.items():
        med[name] = {}
        for key, _ in METRICS:
            vals = [r[key] for r in runs if r.get(key) is not None]
            med[name][key] = statistics.median(vals) if vals else None
    for n in (2, 3):  # the same work natively: n boots
        if med["native"].get("boot_uptime_s"):
            med["native"][f"boot{n}_s"] = round(n * med["native"]["boot_uptime_s"], 3)
    size = code_lines()
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump({"n": n_runs, "quick": quick, "samples": samples, "median": med, "tcb": size}, f,
                  indent=1)
    rows = ["| metric | native | tzvisor | Xen 4.17 | tzvisor/native | tzvisor/Xen |",
            "|---|---|---|---|---|---|"]
    ratios = []

    def fmt(v):
        return "—" if v is None else (f"{v:.4g}" if isinstance(v, float) else str(v))

    def ratio(a, b):
        return f"{a / b:.3f}" if a is not None and b else "—"

    for key, label in METRICS:
        n, t, x = med["native"][key], med["tzvisor"][key], med["xen"][key]
        rows.append(f"| {label} | {fmt(n)} | {fmt(t)} | {fmt(x)} | {ratio(t, n)} | {ratio(t, x)} |")
    # each goal (issue 14) and the figure it is about; the chart shows the
    # figure over its goal, so that the goal is the line at 1
    t, n, x = med["tzvisor"], med["native"], med["xen"]

    def over(a, b):
        return a / b if a is not None and b else None

    goals = [(f"boot, {label} / native", over(t[k], n[k]), over(x[k], n[k]), 1.05)
             for k, label in (("boot_uptime_s", "1 VM"), ("boot2_s", "2 VMs"), ("boot3_s", "3 VMs"))]
    goals += [("null vTEE call / null hypercall", over(t["tee_null_ns"], t["hvc_null_ns"]), None, 3.0),
              # (a floor: the chart shows goal / figure, under 1 when met)
              ("vTEE throughput, 2 VMs busy / alone", t["tp_ratio"], None, -0.95),
              # floors: at least 0.95 of native
              ("disk write, tzvisor / native", over(t["disk_write_mbs"], n["disk_write_mbs"]), None, -0.95),
              ("disk read, tzvisor / native", over(t["disk_read_mbs"], n["disk_read_mbs"]), None, -0.95),
              ("TCP to the host, tzvisor / native", over(t["net_tx_mbs"], n["net_tx_mbs"]), None, -0.95),
              ("timer latency / native", over(t["timer_latency_ticks"], n["timer_latency_ticks"]),
               None, 8.0),
              ("hello invoke (instructions)", t["hello_invoke_ns"], None, 6000.0),
              ("attest round (instructions)",
               t["attest_s"] * 1e9 if t["attest_s"] is not None else None, None, 5e6)]
    goal_rows = ["| figure | tzvisor | goal | met |", "|---|---|---|---|"]
    for label, v, vx, g in goals:
        floor = g < 0  # a negative goal is a floor: at least -g
        met = v is not None and (v >= -g if floor else v <= g)
        goal_rows.append(f"| {label} | {fmt(round(v, 3) if v is not None else None)} | "
                         f"{'≥' if floor else '≤'} {abs(g):g} | "
                         f"{'—' if v is None else ('yes' if met else 'no')} |")
        if v is not None and v > 0:
            ratios.append((label, -g / v if floor else v / g, vx / g if vx is not None else 0))
    tcb = size["lines"]
    rows.append(f"| trusted code lines (monitor / tee / hyp / lib) | — | {tcb['monitor']} / {tcb['tee']} / "
                f"{tcb['hyp']} / {tcb['lib']} | — | — | — |")
    img = size["image_bytes"]
    rows.append(f"| image bytes (monitor / tee / hyp) | — | {img['monitor']} / {img['tee']} / {img['hyp']} "
                f"| — | — | — |")
    report = (f"# tzvisor bench ({'QUICK, ' if quick else ''}N = {n_runs}, median, `-icount shift=0`, 1 CPU)\n\n"
              + "\n".join(rows) + "\n\n## Against the goals\n\n" + "\n".join(goal_rows) + "\n")
    with open(os.path.join(OUT, "report.md"), "w") as f:
        f.write(report)
    with open(os.path.join(OUT, "ratios.dat"), "w") as f:
        for key, r, rx in ratios:
            f.write(f'"{key}" {r:.4f} {rx:.4f}\n')
    plot = (f"set terminal png size 1100,560; set output '{OUT}/report.png'; set style data histograms;"
            "set style fill solid 0.6; set ylabel 'figure / its goal (the goal is 1)'; set yrange [0:*];"
            "set xtics rotate by -25 font ',8'; set grid y; set key top left; set bmargin 9;"
            f"plot '{OUT}/ratios.dat' using 2:xtic(1) title 'tzvisor', '' using 3 title 'Xen 4.17', "
            "1 with lines lw 2 lc rgb 'red' title 'goal'")
    r = subprocess.run(["gnuplot", "-e", plot], capture_output=True, text=True)
    if r.returncode:
        print(f"bench: gnuplot failed: {r.stderr.strip()}")
    print(report)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--report"]:
        saved = json.load(open(sys.argv[2]))
        os.makedirs(OUT, exist_ok=True)
        write_report(saved["samples"], saved["n"], saved["quick"])
    else:
        main()
