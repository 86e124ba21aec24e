#!/usr/bin/env python3
"""make soak: load, not part of make test. Both Linux VMs of the default
system run N hello invokes each through libteec from 4 threads at once
(tzv-client soak) while the bare-metal VM beats; reports the calls lost
(goal 0), calls/s per VM, fairness between all the VMs' threads (the slowest
thread's rate over the fastest's, goal >= 0.9), and whether anything grew
(sessions, buffers, PAL instances, secure memory) from start to end.
Usage: soak.py BUILD [N]"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "system"))
os.environ.setdefault("TZV_BUILD", sys.argv[1] if len(sys.argv) > 1 else "build")
import qemu  # noqa: E402

N = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
THREADS = 4
VMS = ("vm0", "vm1")
STATS = r"stats: sessions=(\d+) shm=(\d+) instances=(\d+) calls=(\d+) secure_kib=(\d+)/(\d+)"


def stats(s, vm):
    m = re.search(STATS, s.on(vm, "tzv-client stats"))
    assert m, f"{vm}: no stats"
    sessions, shm, instances, _calls, used, _quota = (int(x) for x in m.groups())
    return {"sessions": sessions, "buffers": shm, "instances": instances, "secure_kib": used}


def main():
    s = qemu.boot_default("soak")
    try:
        # the first call loads hello's registration, which stays: start after it
        for vm in VMS:
            s.on(vm, "tzv-client hello-value 1")
        before = {vm: stats(s, vm) for vm in VMS}
        for vm in VMS:
            s.on(vm, f"tzv-client soak {N} {THREADS} > /tmp/soak.out 2>&1 & true")
        t0 = time.monotonic()
        out = {}
        while len(out) < len(VMS) and time.monotonic() - t0 < 3600:
            time.sleep(10)
            for vm in VMS:
                if vm not in out:
                    text = s.on(vm, "cat /tmp/soak.out")
                    if re.search(r"soak: \d+ calls, \d+ lost", text):
                        out[vm] = text
        after = {vm: stats(s, vm) for vm in VMS}
        s.expect(r"\[vm2\] heartbeat \d+", 30)
        alive = "FATAL" not in s.transcript
    finally:
        s.close()
    ok = len(out) == len(VMS) and alive
    rates, lost = [], 0
    print(f"soak: {N} hello invokes per VM from {THREADS} threads, both Linux VMs at once")
    for vm in VMS:
        text = out.get(vm, "")
        m = re.search(r"soak: (\d+) calls, (\d+) lost, (\d+) calls/s, fairness ([\d.]+)", text)
        if not m:
            print(f"  {vm}: no result")
            ok = False
            continue
        lost += int(m.group(2))
        rates += [int(r) for r in re.findall(r"soak: thread \d+: \d+ calls, \d+ lost, (\d+) calls/s",
                                             text)]
        grew = {k: (before[vm][k], after[vm][k]) for k in before[vm] if after[vm][k] != before[vm][k]}
        print(f"  {vm}: {m.group(1)} calls, {m.group(2)} lost, {m.group(3)} calls/s, fairness "
              f"between its threads {m.group(4)}; grew: {grew or 'nothing'}")
        ok = ok and not grew
    fairness = min(rates) / max(rates) if rates else 0
    print(f"  lost {lost} (goal 0); fairness between all {len(rates)} threads {fairness:.3f} "
          f"(goal >= 0.9); the bare-metal VM kept beating: {alive}")
    sys.exit(0 if ok and lost == 0 else 1)


if __name__ == "__main__":
    main()
