#!/usr/bin/env python3
"""make test: host unit tests, host tool tests, then the system tests that
boot the real images. Ends with one 'N passed, N failed' line."""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def unit_tests(build):
    passed = failed = 0
    udir = os.path.join(build, "unit")
    for name in sorted(os.listdir(udir)) if os.path.isdir(udir) else []:
        path = os.path.join(udir, name)
        r = subprocess.run([path], capture_output=True, text=True)
        sys.stdout.write(r.stdout + r.stderr)
        if r.returncode == 0:
            passed += 1
        else:
            failed += 1
            print(f"FAILED: unit test {name} (exit {r.returncode})")
    return passed, failed


def pytest_suite(build, paths):
    xml = os.path.join(build, "pytest-results.xml")
    if os.path.exists(xml):
        os.remove(xml)
    cmd = [sys.executable, "-m", "pytest", "-v", "-s", "-p", "no:cacheprovider",
           f"--junitxml={xml}", *paths]
    env = dict(os.environ, TZV_BUILD=build)
    subprocess.run(cmd, cwd=ROOT, env=env)
    if not os.path.exists(xml):
        print("FAILED: pytest produced no results")
        return 0, 1
    suites = ET.parse(xml).getroot()
    passed = failed = 0
    for s in suites.iter("testsuite"):
        total = int(s.get("tests", 0))
        bad = int(s.get("failures", 0)) + int(s.get("errors", 0))
        skipped = int(s.get("skipped", 0))
        failed += bad
        passed += total - bad - skipped
    return passed, failed


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    up, uf = unit_tests(build)
    sp, sf = pytest_suite(build, [os.path.join(ROOT, "test", "host"),
                                  os.path.join(ROOT, "test", "system")])
    passed, failed = up + sp, uf + sf
    if passed + failed == 0:
        failed = 1
        print("FAILED: no test ran")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
