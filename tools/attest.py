#!/usr/bin/python3
"""make attest: remote attestation of vm0, end to end (docs/secure-boot.md).

  tools/attest.py BUILD [NONCE_HEX]

Boots the default system (BUILD) on QEMU with the test harness, waits for
vm0's shell, runs `tzv-client attest NONCE` there (a fresh random 32-byte
nonce unless one is given), rebuilds the evidence files from the
"attest-hex" lines on the console into BUILD/attest/vm0/, shuts QEMU down,
then checks the evidence on the host as a remote verifier would:

  tools/tzv-verify BUILD/attest/vm0 --device-pub BUILD/keys/device.pem
      --nonce NONCE --pcrs sha256:0,1,2,3,8,9,10,12 --vm vm0
  tpm2_checkquote -u ak.pem -m quote.attest -s quote.sig -g sha256 -q NONCE
      -f pcrs.tpm2 -e eventlog.bin

(pcrs.tpm2: pcrs.bin and pcrs.list in tpm2_quote's own form, which this
writes; see tpm2_pcr_file).
  tpm2_eventlog eventlog.bin

Prints each verifier's verdict and exits 1 if any of them rejects (or the
evidence cannot be collected), else 0. The console of the run is kept in
BUILD/test-logs/attest.log.
"""
import importlib.util
import os
import re
import shutil
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VM = "vm0"
PCR_LIST = "sha256:0,1,2,3,8,9,10,12"
NPCRS = 8
# the files tzv-client attest prints, and their sizes (None: checked below)
FILES = {"quote.attest": None, "quote.sig": 72, "pcrs.bin": 32 * NPCRS,
         "pcrs.list": len(PCR_LIST) + 1, "ak.pem": None, "ak.cert": 160,
         "eventlog.bin": None, "nonce": None}


def say(msg):
    print(f"attest: {msg}", flush=True)


def load_harness(build):
    """test/system/qemu.py, by path; it reads the build directory from
    TZV_BUILD when it is imported."""
    os.environ["TZV_BUILD"] = build
    path = os.path.join(ROOT, "test", "system", "qemu.py")
    spec = importlib.util.spec_from_file_location("tzv_qemu", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def collect(build, nonce):
    """Boots, runs tzv-client attest in vm0; returns {name: bytes}."""
    qemu = load_harness(build)
    if not qemu.build_ok("default"):
        raise SystemExit(f"attest: {build}/qemu.args missing; run make first")
    say(f"booting {build} (console in {build}/test-logs/attest.log)")
    system = qemu.System("default", log_name="attest")
    try:
        took = system.wait_shell(timeout=300)
        say(f"{VM} shell up after {took:.1f} s; running tzv-client attest {nonce}")
        out = system.run(f"tzv-client attest {nonce}; echo rc=$?", timeout=300)
    finally:
        system.close()  # kills QEMU by its PID
    return parse(out)


def parse(out):
    sizes, hexes, ok, rc = {}, {}, False, None
    for line in out.splitlines():
        line = line.strip()
        m = re.fullmatch(r"attest-file (\S+) (\d+)", line)
        if m:
            sizes[m.group(1)] = int(m.group(2))
            hexes.setdefault(m.group(1), [])
            continue
        m = re.fullmatch(r"attest-hex (\S+) ([0-9a-f]{2,64})", line)
        if m and m.group(1) in hexes:
            hexes[m.group(1)].append(m.group(2))
            continue
        if line == "attest: ok":
            ok = True
        elif line.startswith("rc="):
            rc = line[3:]
    if not ok or rc != "0":
        sys.stderr.write(out + "\n")
        raise SystemExit(f"attest: tzv-client attest failed (exit {rc}); its output is above")
    files = {}
    for name, size in sizes.items():
        data = bytes.fromhex("".join(hexes[name]))
        if len(data) != size:
            raise SystemExit(f"attest: {name}: {len(data)} bytes on the console, "
                             f"{size} announced")
        files[name] = data
    return files


def tpm2_pcr_file(values, pcr_list):
    """pcrs.bin and pcrs.list as tpm2_quote -o serializes them (tpm2-tools
    5.4, lib/pcr.c): TPML_PCR_SELECTION, a UINT32 count, then TPML_DIGEST
    lists of up to 8, each structure whole and little-endian. Debian 12's
    tpm2_checkquote -f/-l loses the 8th PCR of a selection (fixed upstream
    in tpm2-tools 140a9e70); read from this form it does not."""
    pcrs = [int(i) for i in pcr_list[len("sha256:"):].split(",")]
    mask = sum(1 << i for i in pcrs)
    sel = struct.pack("<HB4sx", 0x000B, 3, mask.to_bytes(4, "little"))
    out = struct.pack("<I", 1) + sel + bytes(8 * 15)  # 16 banks of 8 bytes
    lists = [values[32 * i:32 * i + 256] for i in range(0, len(pcrs), 8)]
    out += struct.pack("<I", len(lists))
    for chunk in lists:
        digests = [chunk[j:j + 32] for j in range(0, len(chunk), 32)]
        out += struct.pack("<I", len(digests))
        out += b"".join(struct.pack("<H", 32) + d + bytes(32) for d in digests)
        out += bytes(66 * (8 - len(digests)))
    return out


def check_files(files, nonce):
    """The set and sizes tzv-client attest promises."""
    missing = set(FILES) - set(files)
    if missing:
        raise SystemExit(f"attest: no {', '.join(sorted(missing))} on the console")
    for name, size in FILES.items():
        if size is not None and len(files[name]) != size:
            raise SystemExit(f"attest: {name}: {len(files[name])} bytes, not {size}")
    nlen = len(nonce) // 2
    if len(files["quote.attest"]) != 113 + nlen:
        raise SystemExit(f"attest: quote.attest: {len(files['quote.attest'])} bytes, "
                         f"not {113 + nlen} for a {nlen}-byte nonce")
    if files["nonce"] != (nonce + "\n").encode():
        raise SystemExit("attest: the nonce file is not the nonce sent")
    if files["pcrs.list"] != (PCR_LIST + "\n").encode():
        raise SystemExit(f"attest: pcrs.list is not {PCR_LIST}")
    if not files["ak.pem"].startswith(b"-----BEGIN PUBLIC KEY-----\n"):
        raise SystemExit("attest: ak.pem is not a PEM public key")
    if not 0 < len(files["eventlog.bin"]) < 64 * 1024:
        raise SystemExit(f"attest: eventlog.bin: {len(files['eventlog.bin'])} bytes")


def run(name, args, show=True):
    say(f"$ {' '.join(args)}")
    try:
        r = subprocess.run(args, capture_output=True, text=True)
    except FileNotFoundError:
        say(f"{name}: not installed (scripts/host-deps.sh installs tpm2-tools)")
        return False
    if show:
        sys.stdout.write(r.stdout)
    if r.returncode != 0:
        sys.stdout.write(r.stderr)
    return r.returncode == 0


def main(argv):
    if not 1 <= len(argv) <= 2:
        sys.stderr.write("usage: tools/attest.py BUILD [NONCE_HEX]\n")
        return 2
    build = os.path.abspath(argv[0])
    if len(argv) == 2:
        nonce = argv[1].lower()
        if nonce.startswith("0x"):
            nonce = nonce[2:]
        if not re.fullmatch(r"([0-9a-f]{2}){1,64}", nonce):
            sys.stderr.write("attest: NONCE must be 1-64 bytes in hex\n")
            return 2
    else:
        nonce = os.urandom(32).hex()
    device_pub = os.path.join(build, "keys", "device.pem")
    if not os.path.exists(device_pub):
        say(f"{device_pub} missing; run make first")
        return 1

    files = collect(build, nonce)
    check_files(files, nonce)
    out = os.path.join(build, "attest", VM)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    files["pcrs.tpm2"] = tpm2_pcr_file(files["pcrs.bin"], PCR_LIST)
    for name in files:
        with open(os.path.join(out, name), "wb") as f:
            f.write(files[name])
    say(f"evidence of {VM} in {out}: " +
        ", ".join(f"{n} ({len(files[n])} bytes)" for n in FILES))

    p = lambda n: os.path.join(out, n)  # noqa: E731
    verdicts = {
        "tzv-verify": run("tzv-verify", [
            sys.executable, os.path.join(ROOT, "tools", "tzv-verify"), out,
            "--device-pub", device_pub, "--nonce", nonce, "--pcrs", PCR_LIST, "--vm", VM,
            "--reference", os.path.join(build, "reference.json")]),
        "tpm2_checkquote": run("tpm2_checkquote", [
            "tpm2_checkquote", "-u", p("ak.pem"), "-m", p("quote.attest"),
            "-s", p("quote.sig"), "-g", "sha256", "-q", nonce, "-f", p("pcrs.tpm2"),
            "-e", p("eventlog.bin")], show=False),
        "tpm2_eventlog": run("tpm2_eventlog", ["tpm2_eventlog", p("eventlog.bin")],
                             show=False),
    }
    say("tzv-verify: " + ("TRUSTED" if verdicts["tzv-verify"] else "REJECTED"))
    say("tpm2_checkquote: " + ("accepted" if verdicts["tpm2_checkquote"] else "REJECTED"))
    say("tpm2_eventlog: " + ("parsed" if verdicts["tpm2_eventlog"] else "REJECTED"))
    ok = all(verdicts.values())
    say(f"{VM}: {'TRUSTED' if ok else 'REJECTED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
