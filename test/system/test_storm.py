"""Both Linux VMs of the default system at once issue 10^5 random SMC and
HVC calls each (the tzv-guest module's storm: random function ids and
registers, and OP-TEE messages with random fields): no level dies, every VM
and its vTEE keep working, and the counts are reported."""
import re
import time

import pytest

from qemu import boot_default, build_ok

pytestmark = pytest.mark.skipif(not build_ok(), reason="system not built")

CALLS = 100000
REPORT = (r"storm: (\d+) calls \((\d+) SMC, (\d+) HVC, (\d+) OP-TEE messages\), (\d+) skipped; "
          r"answers: (\d+) success, (\d+) not supported, (\d+) other errors; (\d+) RPCs answered")


def test_a_storm_of_random_calls_from_both_linux_vms_harms_no_one():
    s = boot_default("storm")
    try:
        for vm in ("vm0", "vm1"):
            s.on(vm, f"(echo {CALLS} > /sys/kernel/tzv/storm; cat /sys/kernel/tzv/storm"
                     " > /tmp/storm) >/dev/null 2>&1 & true")
        reports = {}
        end = time.monotonic() + 900
        while len(reports) < 2 and time.monotonic() < end:
            for vm in ("vm0", "vm1"):
                if vm not in reports:
                    m = re.search(REPORT, s.on(vm, "cat /tmp/storm 2>/dev/null || true"))
                    if m:
                        reports[vm] = [int(g) for g in m.groups()]
            time.sleep(5)
        assert set(reports) == {"vm0", "vm1"}, reports
        for vm, (calls, smc, hvc, msgs, skipped, ok, unsupported, other, rpcs) in reports.items():
            print(f"{vm}: {calls} calls ({smc} SMC, {hvc} HVC, {msgs} OP-TEE messages), "
                  f"{skipped} skipped; {ok} success, {unsupported} not supported, "
                  f"{other} other errors; {rpcs} RPCs")
            assert calls + skipped == CALLS
            assert msgs > CALLS // 5 and smc > CALLS // 3 and hvc > CALLS // 3
            assert ok + unsupported + other == calls
        # every level is alive, and so is every VM's vTEE
        for vm in ("vm0", "vm1"):
            assert s.on(vm, "tzv-client hello-value 41") == "hello-value: a=42 b=43"
            assert s.on(vm, "echo still-here") == "still-here"
        s.expect(r"\[vm2\] heartbeat \d+", 30)
        t = s.transcript
        assert "FATAL" not in t and "panic" not in t.lower().replace("learns of panics", "")
    finally:
        s.close()
