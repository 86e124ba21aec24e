"""The trusted code's size and shape (docs/security-tests.md I03, I18): the
lines per level stay within tcb-budget.json (tools/tzv-lines --check); no
secure image links BearSSL's table-based AES, whose lookups leak the key
through the cache; and no MAC or tag is compared with memcmp, which stops
at the first differing byte."""
import glob
import json
import os
import re
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("TZV_BUILD", os.path.join(ROOT, "build"))
LINES = os.path.join(ROOT, "tools", "tzv-lines")


def run_lines(budget=None):
    env = dict(os.environ)
    if budget is not None:
        env["TZV_TCB_BUDGET"] = budget
    return subprocess.run([LINES, "--check"], capture_output=True, text=True, env=env)


def test_trusted_code_stays_within_its_budget():
    r = run_lines()
    assert r.returncode == 0, r.stdout + r.stderr
    counts = dict(zip(r.stdout.split()[0::2], map(int, r.stdout.split()[1::2])))
    assert set(counts) == {"monitor", "tee", "hyp", "lib", "total"}
    assert all(counts[k] > 500 for k in ("monitor", "tee", "hyp", "lib")), counts


def test_a_level_over_its_budget_fails_the_check(tmp_path):
    counts = dict(zip(run_lines().stdout.split()[0::2], map(int, run_lines().stdout.split()[1::2])))
    with open(os.path.join(ROOT, "tcb-budget.json")) as f:
        budget = json.load(f)
    budget["tee"] = counts["tee"] - 1
    path = tmp_path / "budget.json"
    path.write_text(json.dumps(budget))
    r = run_lines(str(path))
    assert r.returncode == 1
    assert f"over budget: tee: {counts['tee']} lines, budget {counts['tee'] - 1}" in r.stdout


SECURE_ELVES = [os.path.join(BUILD, f) for f in ("monitor.elf", "tee.elf")]


def secure_images():
    elves = SECURE_ELVES + sorted(glob.glob(os.path.join(BUILD, "pal", "*.elf")))
    if not all(os.path.exists(e) for e in SECURE_ELVES) or len(elves) < 4:
        pytest.skip("secure images not built (make first)")
    return elves


def test_no_secure_image_links_table_based_aes():
    for elf in secure_images():
        syms = subprocess.run(["aarch64-linux-gnu-nm", elf], capture_output=True, text=True,
                              check=True).stdout
        leaky = re.findall(r"\bbr_(?:aes_(?:big|small)|des_tab)_\w+", syms)
        assert not leaky, f"{elf} links {sorted(set(leaky))}"
    # and the sealing PALs do link the constant-time code they are meant to
    attest = subprocess.run(["aarch64-linux-gnu-nm", os.path.join(BUILD, "pal", "attest.elf")],
                            capture_output=True, text=True, check=True).stdout
    assert "br_aes_ct64_" in attest


def test_no_mac_or_tag_is_compared_with_memcmp():
    found = []
    for level in ("monitor", "tee", "hyp", "lib", "pal"):
        for path in glob.glob(os.path.join(ROOT, level, "**", "*.c"), recursive=True):
            for n, line in enumerate(open(path, errors="replace"), 1):
                if re.search(r"\bmemcmp\s*\([^;]*\b\w*(mac|tag|hmac|secret)\w*", line, re.I):
                    found.append(f"{os.path.relpath(path, ROOT)}:{n}: {line.strip()}")
    assert not found, "\n".join(found)
