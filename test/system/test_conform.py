"""Virtual hardware that behaves like the real one: the same bare-metal
guest (guests/baremetal/guest-conform.c) checks the GIC's pending and
active state, the EL1 physical timer and the counters on QEMU natively and
under tzvisor; the TRNG only where the firmware offers it (tzvisor's monitor
does, QEMU's built-in PSCI does not)."""
import os
import re

import pexpect
import pytest

from qemu import BUILD, System, build_ok

pytestmark = pytest.mark.skipif(not build_ok("conform"), reason="system not built")

NATIVE = ["-M", "virt,gic-version=3", "-cpu", "max,sve=off,sme=off,pauth-impdef=on", "-smp", "1",
          "-m", "512", "-nographic", "-nic", "none",
          "-kernel", os.path.join(BUILD, "baremetal", "conform.bin")]


def checks(text):
    return dict(re.findall(r"conform: (.+): (ok|FAILED)\r?\n", text))


def run_native():
    log = open(os.path.join(BUILD, "test-logs", "conform-native.log"), "w")
    child = pexpect.spawn("qemu-system-aarch64", NATIVE, encoding="utf-8",
                          codec_errors="replace", timeout=60)
    child.logfile_read = log
    try:
        child.expect(r"conform: done, (\d+) passed, (\d+) failed")
        child.expect(pexpect.EOF, timeout=30)
    finally:
        if child.isalive():
            child.terminate(force=True)
        log.close()
    return checks(open(log.name).read())


def run_tzvisor():
    s = System("conform", log_name="conform")
    try:
        s.expect(r"conform: done, (\d+) passed, (\d+) failed", 120)
        assert s.wait_exit(30) == 0
        return checks(s.transcript), s.transcript
    finally:
        s.close()


def test_the_guest_sees_the_same_gic_and_timers_natively_and_under_tzvisor():
    native = run_native()
    under, transcript = run_tzvisor()
    assert native and all(v == "ok" for v in native.values()), native
    assert all(v == "ok" for v in under.values()), {k: v for k, v in under.items() if v != "ok"}
    gic_and_timers = {k for k in native if "TRNG" not in k}
    assert gic_and_timers <= set(under), gic_and_timers - set(under)
    # the GIC and the timer checks all ran: SGI, PPI and SPI
    for intid in (5, 6, 27, 30, 33):
        assert any(f"(INTID {intid})" in k for k in under), intid
    assert "[EL2 hyp]" in transcript and "not supported" not in transcript


def test_the_trng_gives_entropy_under_tzvisor():
    under, _ = run_tzvisor()
    trng = {k: v for k, v in under.items() if "TRNG" in k or "bits" in k or "draws" in k}
    assert len(trng) >= 6 and all(v == "ok" for v in trng.values()), trng
