"""tools/tzv-verify against evidence made here in software (a device key, AKs,
a TCG event log and TPM 2.0 quotes laid out as docs/secure-boot.md says):
valid evidence is TRUSTED, and Debian's tpm2_checkquote accepts it too; each
tampering is REJECTED, by the check it should fail."""
import hashlib
import json
import importlib.machinery
import importlib.util
import io
import os
import shutil
import struct
import subprocess
import sys
from contextlib import redirect_stdout

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, "tools", "tzv-verify")

MASK = 0x170F
PCRS = [0, 1, 2, 3, 8, 9, 10, 12]
PCR_LIST = "sha256:0,1,2,3,8,9,10,12"
FILES = ["quote.attest", "quote.sig", "pcrs.bin", "pcrs.list", "ak.pem", "ak.cert",
         "eventlog.bin", "nonce"]


def load_tool():
    loader = importlib.machinery.SourceFileLoader("tzv_verify", TOOL)
    spec = importlib.util.spec_from_loader("tzv_verify", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


tzv_verify = load_tool()
_spec = importlib.util.spec_from_file_location("tzv_attest", os.path.join(ROOT, "tools", "attest.py"))
attest_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(attest_tool)


# ---- evidence, made as the attestation PAL and the STK make it ----

def raw_sig(key, data):
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def point(key):
    return key.public_key().public_bytes(serialization.Encoding.X962,
                                         serialization.PublicFormat.UncompressedPoint)


def pem(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def ak_statement(device, vm, ak):
    body = b"TZVAKC1\0" + vm.encode().ljust(16, b"\0") + point(ak) + bytes(7)
    assert len(body) == 96
    return body + raw_sig(device, body)


def spec_id_header():
    spec = (b"Spec ID Event03\0" + struct.pack("<IBBBB", 0, 0, 2, 2, 2) +
            struct.pack("<I", 1) + struct.pack("<HH", 0x000B, 32) + b"\0")
    return struct.pack("<II", 0, 3) + bytes(20) + struct.pack("<I", len(spec)) + spec


def event2(pcr, etype, digest, data):
    return (struct.pack("<III", pcr, etype, 1) + struct.pack("<H", 0x000B) + digest +
            struct.pack("<I", len(data)) + data)


def partition_map(vm, others=(), introspects=0):
    """A partition map as the monitor measures it (partition.h): vm, then
    the VMs named in others; vm may introspect the VMs of mask introspects."""
    def entry(name, rights):
        return struct.pack("<16sII4QQQQQ8IIIIHHIIII16s", name.encode(), 2, 0, 0, 1, 0, 0, 0x50000000,
                           0x20000000, 0x40F00000, 0x8000, *([0] * 8), 48, 16, 512, 8, 768,
                           0, 1, 120 * 1024, rights, bytes(16))
    names = [vm, *others]
    return (struct.pack("<8sIIII", b"TZVPMAP\0", 3, len(names), 0, 24 + 4 * 168 + 128) +
            entry(vm, introspects) + b"".join(entry(n, 0) for n in others) +
            bytes((4 - len(names)) * 168 + 128))


def test_the_partition_map_says_who_may_introspect_a_vm():
    parts = tzv_verify.parse_partmap(partition_map("mon", ["tgt", "other"], introspects=0b010))
    assert [(p[0], p[4]) for p in parts] == [("mon", []), ("tgt", ["mon"]), ("other", [])]


HELLO_UUID = "a7e1f0c1-7a76-4c30-9a00-68656c6c6f00"
HELLO_MEASUREMENT = hashlib.sha256(b"the hello PAL's file").digest()
SIGNER = hashlib.sha256(b"the provider's key").digest()


def pal_event(uuid=HELLO_UUID, name=b"hello", version=1, svn=1, signer=SIGNER):
    """The STK's record of a PAL's registration in PCR 12 (measure.h)."""
    return struct.pack("<8s16s16sII32s", b"TZVPALE\0", bytes.fromhex(uuid.replace("-", "")),
                       name, version, svn, signer)


def boot_events(vm, runtime=()):
    """The platform's measurements (PCR 0-3, the partition map last), the
    VM's (8-10), then run-time EXTENDs (PCR, data) and PAL registrations
    (12, data, measurement): (pcr, type, digest, name)."""
    ev = [(i, 1, hashlib.sha256(f"image {name}".encode()).digest(), name.encode())
          for i, name in enumerate(["monitor", "stk", "hyp", "config"])]
    pmap = partition_map("vm0")
    ev.append((3, 1, hashlib.sha256(pmap).digest(), pmap))
    ev += [(8, 0xD, hashlib.sha256(f"{vm} kernel".encode()).digest(), f"{vm}.kernel".encode()),
           (9, 0xD, hashlib.sha256(f"{vm} initrd".encode()).digest(), f"{vm}.initrd".encode()),
           (10, 6, hashlib.sha256(f"{vm} dtb".encode()).digest(), f"{vm}.dtb".encode())]
    ev += [(r[0], 6, r[2] if len(r) > 2 else hashlib.sha256(r[1]).digest(), r[1])
           for r in runtime]
    return ev


def replay(events):
    pcrs = [bytes(32)] * 24
    for pcr, _, digest, _ in events:
        pcrs[pcr] = hashlib.sha256(pcrs[pcr] + digest).digest()
    return pcrs


def tpmt_public(ak):
    pub = point(ak)
    return (struct.pack(">HHIHHHHHH", 0x0023, 0x000B, 0x00050072, 0, 0x0010, 0x0018, 0x000B,
                        0x0003, 0x0010) +
            struct.pack(">H", 32) + pub[1:33] + struct.pack(">H", 32) + pub[33:])


def quote(ak, nonce, mask, values, magic=0xFF544347, qtype=0x8018, restart=1):
    """TPMS_ATTEST of a quote, byte by byte big-endian; values = the selected
    PCRs' values in ascending order."""
    name = struct.pack(">H", 0x000B) + hashlib.sha256(tpmt_public(ak)).digest()
    digest = hashlib.sha256(b"".join(values)).digest()
    q = struct.pack(">IH", magic, qtype)
    q += struct.pack(">H", len(name)) + name
    q += struct.pack(">H", len(nonce)) + nonce
    q += struct.pack(">QIIB", 123456, 0, restart, 1)  # clockInfo
    q += struct.pack(">Q", 1)  # firmwareVersion: STK 0.1
    q += struct.pack(">IHB", 1, 0x000B, 3) + mask.to_bytes(3, "little")
    q += struct.pack(">H", 32) + digest
    return q


def tpmt_signature(ak, data):
    sig = raw_sig(ak, data)
    return struct.pack(">HHH", 0x0018, 0x000B, 32) + sig[:32] + struct.pack(">H", 32) + sig[32:]


def pcr_list(pcrs):
    return "sha256:" + ",".join(map(str, pcrs))


class Platform:
    """One device (its key) with one AK per VM."""

    def __init__(self, tmp_path):
        self.device = ec.generate_private_key(ec.SECP256R1())
        self.aks = {vm: ec.generate_private_key(ec.SECP256R1()) for vm in ("vm0", "vm1")}
        self.device_pem = tmp_path / "device.pem"
        self.device_pem.write_bytes(pem(self.device))

    def evidence(self, d, vm="vm0", nonce=None, pcrs=PCRS,
                 runtime=((11, b"app v1"), (12, pal_event(), HELLO_MEASUREMENT))):
        """Writes the files `tzv-client attest` writes into d; returns the
        nonce (hex)."""
        nonce = nonce if nonce is not None else os.urandom(32)
        ak = self.aks[vm]
        events = boot_events(vm, runtime)
        values = replay(events)
        mask = sum(1 << i for i in pcrs)
        q = quote(ak, nonce, mask, [values[i] for i in pcrs])
        log = spec_id_header() + b"".join(event2(*e) for e in events)
        os.makedirs(d, exist_ok=True)
        files = {
            "quote.attest": q,
            "quote.sig": tpmt_signature(ak, q),
            "pcrs.bin": b"".join(values[i] for i in pcrs),
            "pcrs.list": (pcr_list(pcrs) + "\n").encode(),
            "ak.pem": pem(ak),
            "ak.cert": ak_statement(self.device, vm, ak),
            "eventlog.bin": log,
            "nonce": (nonce.hex() + "\n").encode(),
        }
        for name, data in files.items():
            (d / name).write_bytes(data)
        return nonce.hex()


@pytest.fixture
def platform(tmp_path):
    return Platform(tmp_path)


@pytest.fixture
def good(platform, tmp_path):
    d = tmp_path / "vm0"
    nonce = platform.evidence(d)
    return d, nonce


def run_tool(d, platform, nonce=None, pcrs=PCR_LIST, vm="vm0", reference=None):
    args = [sys.executable, TOOL, str(d), "--device-pub", str(platform.device_pem)]
    if reference is not None:
        args += ["--reference", str(reference)]
    if nonce is not None:
        args += ["--nonce", nonce]
    if pcrs is not None:
        args += ["--pcrs", pcrs]
    if vm is not None:
        args += ["--vm", vm]
    return subprocess.run(args, capture_output=True, text=True)


def verdict(d, platform, **kw):
    """tzv-verify in this process (fast, for the exhaustive flips): (ok, out)."""
    args = [str(d), "--device-pub", str(platform.device_pem)]
    for opt in ("nonce", "pcrs", "vm"):
        if kw.get(opt) is not None:
            args += [f"--{opt}", kw[opt]]
    out = io.StringIO()
    with redirect_stdout(out):
        rc = tzv_verify.main(args)
    return rc == 0, out.getvalue()


def failed(out):
    """The names of the checks that failed."""
    return {line.split(": ")[1] for line in out.splitlines() if ": FAILED (" in line}


def assert_rejected(r, *checks):
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout.rstrip().endswith("tzv-verify: verdict: REJECTED"), r.stdout
    for c in checks:
        assert f"tzv-verify: {c}: FAILED (" in r.stdout, r.stdout


def flip(path, offset, bit=0x01):
    data = bytearray(path.read_bytes())
    data[offset] ^= bit
    path.write_bytes(bytes(data))


# ---- valid evidence ----

def test_trusted(good, platform):
    d, nonce = good
    r = run_tool(d, platform, nonce=nonce)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[-1] == ("tzv-verify: verdict: TRUSTED (signatures and event log only: the "
                         "measurements were not compared with reference values)")
    assert lines[-2] == (f"tzv-verify: PAL 1: {HELLO_UUID} hello version 1 svn 1 signer "
                         f"{SIGNER.hex()[:16]}... measurement {HELLO_MEASUREMENT.hex()}")
    assert lines[-3] == ("tzv-verify: partition vm0: CPU 0,1, RAM 0x50000000..0x70000000 (512 MiB), "
                         "introspected by no VM")
    assert all(line.endswith(": ok") for line in lines[:-3]), r.stdout
    for check in ("AK statement", "VM name", "AK public key", "quote signature", "quote magic",
                  "quote type", "qualified signer", "PCR selection", "nonce", "PCR digest",
                  "event log", "event log replay", "partition map", "PALs loaded"):
        assert f"tzv-verify: {check}: ok" in lines


def test_trusted_without_options(good, platform):
    d, _ = good
    r = run_tool(d, platform, pcrs=None, vm=None)
    assert r.returncode == 0, r.stdout
    assert "VM name" not in r.stdout


def test_nonce_sizes(platform, tmp_path):
    for n in (1, 3, 64):
        d = tmp_path / f"n{n}"
        nonce = platform.evidence(d, nonce=os.urandom(n))
        assert len((d / "quote.attest").read_bytes()) == 113 + n
        assert run_tool(d, platform, nonce=nonce).returncode == 0


def test_layout(good):
    """The sizes docs/secure-boot.md and the reference give."""
    d, _ = good
    assert len((d / "quote.attest").read_bytes()) == 145
    assert len((d / "quote.sig").read_bytes()) == 72
    assert len((d / "ak.cert").read_bytes()) == 160
    assert len((d / "pcrs.bin").read_bytes()) == 8 * 32
    assert (d / "pcrs.list").read_text() == PCR_LIST + "\n"


TPM2_CHECKQUOTE = shutil.which("tpm2_checkquote")


def checkquote(d, nonce, extra=()):
    """With the PCRs in tpm2_quote's own form, as make attest passes them
    (tools/attest.py: 5.4 loses the 8th PCR of an -f/-l pair)."""
    (d / "pcrs.tpm2").write_bytes(attest_tool.tpm2_pcr_file((d / "pcrs.bin").read_bytes(),
                                                            PCR_LIST))
    return subprocess.run(
        [TPM2_CHECKQUOTE, "-u", str(d / "ak.pem"), "-m", str(d / "quote.attest"),
         "-s", str(d / "quote.sig"), "-g", "sha256", "-q", nonce, "-f", str(d / "pcrs.tpm2"),
         *extra], capture_output=True, text=True)


@pytest.mark.skipif(not TPM2_CHECKQUOTE, reason="tpm2_checkquote (tpm2-tools) missing")
def test_tpm2_checkquote_accepts(good):
    d, nonce = good
    r = checkquote(d, nonce)
    assert r.returncode == 0, r.stdout + r.stderr
    # with the event log replayed against pcrs.bin too
    r = checkquote(d, nonce, ["-e", str(d / "eventlog.bin")])
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.skipif(not TPM2_CHECKQUOTE, reason="tpm2_checkquote (tpm2-tools) missing")
def test_tpm2_checkquote_rejects(good):
    d, nonce = good
    assert checkquote(d, "00" + nonce[2:] if nonce[:2] != "00" else "11" + nonce[2:]).returncode
    flip(d / "pcrs.bin", 7 * 32 + 3)  # the 8th PCR, 12
    assert checkquote(d, nonce).returncode
    flip(d / "pcrs.bin", 7 * 32 + 3)
    flip(d / "quote.sig", 10)
    assert checkquote(d, nonce).returncode


@pytest.mark.skipif(not shutil.which("tpm2_eventlog"), reason="tpm2_eventlog (tpm2-tools) missing")
def test_tpm2_eventlog_parses(good):
    d, _ = good
    r = subprocess.run(["tpm2_eventlog", str(d / "eventlog.bin")], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    assert "Spec ID Event03" in r.stdout
    # 5.4 prints EV_IPL data as a string (and warns that PCR 8's is not a
    # GRUB command line), EV_EVENT_TAG data in hex
    for text in ("vm0.kernel", "vm0.initrd", b"vm0.dtb".hex()):
        assert text in r.stdout


# ---- tampering ----

def test_wrong_nonce(good, platform):
    d, nonce = good
    other = os.urandom(32).hex()
    assert_rejected(run_tool(d, platform, nonce=other), "nonce")


def test_replayed_quote_with_new_nonce_file(good, platform):
    """An old quote with the nonce file rewritten to the verifier's nonce."""
    d, _ = good
    fresh = os.urandom(32).hex()
    (d / "nonce").write_text(fresh + "\n")
    assert_rejected(run_tool(d, platform, nonce=fresh), "nonce")


def test_flipped_quote_byte(good, platform):
    d, nonce = good
    flip(d / "quote.attest", 70)  # in clockInfo: only the signature notices
    assert_rejected(run_tool(d, platform, nonce=nonce), "quote signature")


def test_flipped_signature_byte(good, platform):
    d, nonce = good
    flip(d / "quote.sig", 40)
    assert_rejected(run_tool(d, platform, nonce=nonce), "quote signature")


def test_flipped_pcr_byte(good, platform):
    d, nonce = good
    flip(d / "pcrs.bin", 5 * 32 + 7)  # PCR 9
    assert_rejected(run_tool(d, platform, nonce=nonce), "PCR digest", "event log replay")


def test_flipped_eventlog_byte(good, platform):
    d, nonce = good
    log = (d / "eventlog.bin").read_bytes()
    # the SHA-256 digest of the PCR 8 record (vm0.kernel)
    at = log.index(b"vm0.kernel") - 4 - 32 + 3
    flip(d / "eventlog.bin", at)
    assert_rejected(run_tool(d, platform, nonce=nonce), "event log replay")


def test_bad_eventlog_header(good, platform):
    d, nonce = good
    log = (d / "eventlog.bin").read_bytes()
    flip(d / "eventlog.bin", log.index(b"Spec ID") + 5)
    assert_rejected(run_tool(d, platform, nonce=nonce), "event log", "event log replay")


def test_other_vms_evidence(platform, tmp_path):
    """vm1's whole evidence, presented as vm0's."""
    d = tmp_path / "vm1"
    nonce = platform.evidence(d, vm="vm1")
    assert run_tool(d, platform, nonce=nonce, vm="vm1").returncode == 0
    assert_rejected(run_tool(d, platform, nonce=nonce, vm="vm0"), "VM name")


def test_other_vms_quote_with_this_vms_statement(platform, tmp_path):
    """vm1's quote (signed by vm1's AK) with vm0's AK statement."""
    d0, d1 = tmp_path / "vm0", tmp_path / "vm1"
    platform.evidence(d0)
    nonce = platform.evidence(d1, vm="vm1")
    shutil.copy(d0 / "ak.cert", d1 / "ak.cert")
    # ak.pem still vm1's: it is not the statement's AK
    assert_rejected(run_tool(d1, platform, nonce=nonce), "AK public key", "quote signature")
    shutil.copy(d0 / "ak.pem", d1 / "ak.pem")
    assert_rejected(run_tool(d1, platform, nonce=nonce), "quote signature")


def test_statement_renamed(platform, tmp_path):
    """vm1's statement with its name edited to vm0."""
    d = tmp_path / "vm1"
    nonce = platform.evidence(d, vm="vm1")
    st = bytearray((d / "ak.cert").read_bytes())
    st[8:24] = b"vm0".ljust(16, b"\0")
    (d / "ak.cert").write_bytes(bytes(st))
    assert_rejected(run_tool(d, platform, nonce=nonce), "AK statement")


def test_statement_of_another_device(platform, tmp_path):
    """A genuine-looking statement signed by a key that is not the device's."""
    d = tmp_path / "vm0"
    nonce = platform.evidence(d)
    other = ec.generate_private_key(ec.SECP256R1())
    (d / "ak.cert").write_bytes(ak_statement(other, "vm0", platform.aks["vm0"]))
    assert_rejected(run_tool(d, platform, nonce=nonce), "AK statement")


def test_software_ak(platform, tmp_path):
    """A quote signed by a key of the attacker's, with a matching ak.pem."""
    d = tmp_path / "vm0"
    nonce = platform.evidence(d)
    evil = ec.generate_private_key(ec.SECP256R1())
    q = (d / "quote.attest").read_bytes()
    (d / "quote.sig").write_bytes(tpmt_signature(evil, q))
    (d / "ak.pem").write_bytes(pem(evil))
    assert_rejected(run_tool(d, platform, nonce=nonce), "AK public key", "quote signature")


def test_selection_mismatch(platform, tmp_path):
    """CVE-2024-29039's case: the quote signs PCRs {0,1,2,3,8,9,11}, its
    digest is over the values the files label {0,1,2,3,8,9,10}; Debian 12's
    tpm2_checkquote accepts this, tzv-verify must not."""
    d = tmp_path / "vm0"
    nonce = platform.evidence(d)
    ak = platform.aks["vm0"]
    values = (d / "pcrs.bin").read_bytes()
    signed = PCRS[:-1] + [11]
    q = quote(ak, bytes.fromhex(nonce), sum(1 << i for i in signed),
              [values[i:i + 32] for i in range(0, len(values), 32)])
    (d / "quote.attest").write_bytes(q)
    (d / "quote.sig").write_bytes(tpmt_signature(ak, q))
    r = run_tool(d, platform, nonce=nonce)
    assert_rejected(r, "PCR selection")
    assert "tzv-verify: quote signature: ok" in r.stdout
    assert "tzv-verify: PCR digest: ok" in r.stdout


def test_selection_not_the_expected_one(platform, tmp_path):
    """Consistent evidence over fewer PCRs than the verifier asks for."""
    d = tmp_path / "vm0"
    nonce = platform.evidence(d, pcrs=[0, 1, 2, 3])
    assert run_tool(d, platform, nonce=nonce, pcrs=None).returncode == 0
    assert_rejected(run_tool(d, platform, nonce=nonce), "PCR selection")


def test_pcrs_list_edited(good, platform):
    d, nonce = good
    (d / "pcrs.list").write_text("sha256:0,1,2,3,8,9,11\n")
    assert_rejected(run_tool(d, platform, nonce=nonce, pcrs=None), "PCR selection")


@pytest.mark.parametrize("field", ["magic", "type"])
def test_not_a_quote(platform, tmp_path, field):
    """Signed by the AK, but not a TPM-generated quote (tpm2_checkquote 5.4
    checks neither)."""
    d = tmp_path / "vm0"
    nonce = platform.evidence(d)
    ak = platform.aks["vm0"]
    values = (d / "pcrs.bin").read_bytes()
    kw = {"magic": 0x12345678} if field == "magic" else {"qtype": 0x8017}
    q = quote(ak, bytes.fromhex(nonce), MASK, [values[i:i + 32] for i in range(0, 224, 32)],
              **kw)
    (d / "quote.attest").write_bytes(q)
    (d / "quote.sig").write_bytes(tpmt_signature(ak, q))
    assert_rejected(run_tool(d, platform, nonce=nonce), f"quote {field}")


def test_missing_file(good, platform):
    d, nonce = good
    (d / "eventlog.bin").unlink()
    r = run_tool(d, platform, nonce=nonce)
    assert_rejected(r, "event log", "event log replay")
    assert "tzv-verify: quote signature: ok" in r.stdout


# ---- every byte ----

@pytest.mark.parametrize("name", ["quote.attest", "quote.sig", "ak.cert", "pcrs.bin"])
def test_every_flipped_byte(good, platform, name):
    """Any single changed bit of the signed or measured files is REJECTED."""
    d, nonce = good
    path = d / name
    orig = path.read_bytes()
    for i in range(len(orig)):
        for bit in (0x01, 0x80):
            flip(path, i, bit)
            ok, out = verdict(d, platform, nonce=nonce, pcrs=PCR_LIST, vm="vm0")
            assert not ok, f"{name} byte {i} bit {bit:#x} accepted:\n{out}"
            path.write_bytes(orig)


def test_every_flipped_eventlog_digest_byte(good, platform):
    """Any changed bit of the digests and PCR indices of the selected PCRs'
    records. (The events' data - component names - and records of PCRs the
    quote does not select are covered by no quote: a verifier's policy, not
    the quote, vouches for them.)"""
    d, nonce = good
    path = d / "eventlog.bin"
    orig = path.read_bytes()
    header = len(spec_id_header())
    at, spots = header, []
    while at < len(orig):
        pcr = struct.unpack_from("<I", orig, at)[0]
        size = struct.unpack_from("<I", orig, at + 14 + 32)[0]
        if pcr in PCRS:
            spots += list(range(at, at + 4)) + list(range(at + 14, at + 14 + 32))
        at += 14 + 32 + 4 + size
    assert at == len(orig) and len(spots) == 9 * 36  # 8 at boot, hello in PCR 12
    for i in spots:
        flip(path, i)
        ok, out = verdict(d, platform, nonce=nonce, pcrs=PCR_LIST, vm="vm0")
        assert not ok, f"eventlog.bin byte {i} accepted:\n{out}"
        path.write_bytes(orig)


# ---- reference values (tools/tzv-config reference) ----

def reference(tmp_path, change=None):
    """The reference file the build would write for boot_events("vm0")."""
    events = [e for e in boot_events("vm0") if not 11 <= e[0] <= 15]
    ref = {"platform": [], "vms": {"vm0": []}}
    for pcr, _, digest, data in events:
        e = {"pcr": pcr, "sha256": digest.hex()}
        if data[:8] == b"TZVPMAP\0":
            e.update(name="partitions", data=data.hex())
        else:
            e["name"] = data.decode()
        (ref["platform"] if pcr < 8 else ref["vms"]["vm0"]).append(e)
    if change:
        change(ref)
    path = tmp_path / "reference.json"
    path.write_text(json.dumps(ref))
    return path


def test_trusted_against_reference_values(good, platform, tmp_path):
    d, nonce = good
    r = run_tool(d, platform, nonce=nonce, reference=reference(tmp_path))
    assert r.returncode == 0, r.stdout
    assert "tzv-verify: reference values: ok" in r.stdout
    assert r.stdout.rstrip().endswith(
        "tzv-verify: verdict: TRUSTED (the measurements match the reference values)")


def other_kernel(ref):
    ref["vms"]["vm0"][0]["sha256"] = hashlib.sha256(b"another kernel").hexdigest()


@pytest.mark.parametrize("change,why", [
    (other_kernel, "measurement 6 ('vm0.kernel', PCR 8): sha256 "),
    (lambda ref: ref["platform"][4].update(data=(b"TZVPMAP\0" + bytes(8)).hex()),
     "measurement 5 is the partition map in PCR 3, the reference has 'partitions'"),
    (lambda ref: ref["vms"].pop("vm0"), "has no VM 'vm0'"),
    (lambda ref: ref["platform"].append({"pcr": 3, "name": "extra", "sha256": "00" * 32}),
     "measurement 6 is 'vm0.kernel' in PCR 8, the reference has 'extra' in PCR 3"),
], ids=["kernel", "map", "no-vm", "missing-event"])
def test_measurements_that_differ_from_the_reference_are_named(good, platform, tmp_path, change, why):
    d, nonce = good
    r = run_tool(d, platform, nonce=nonce, reference=reference(tmp_path, change))
    assert_rejected(r, "reference values")
    assert why in r.stdout, r.stdout


# ---- the PALs the VM loaded (PCR 12) ----

def expect_pal(d, platform, *pals):
    args = [sys.executable, TOOL, str(d), "--device-pub", str(platform.device_pem)]
    for p in pals:
        args += ["--expect-pal", p]
    return subprocess.run(args, capture_output=True, text=True)


def test_the_pals_loaded_are_printed_in_order_and_can_be_required(platform, tmp_path):
    other = hashlib.sha256(b"the keystore PAL's file").digest()
    keystore = "a7e1f0c1-7a76-4c30-9a00-6b657973746f"
    d = tmp_path / "vm0"
    platform.evidence(d, runtime=((12, pal_event(), HELLO_MEASUREMENT),
                                  (12, pal_event(keystore, b"keystore", 3, 2), other)))
    hello, ks = f"{HELLO_UUID}:{HELLO_MEASUREMENT.hex()}", f"{keystore}:{other.hex()}"
    r = expect_pal(d, platform, hello, ks)
    assert r.returncode == 0, r.stdout
    assert f"tzv-verify: PAL 2: {keystore} keystore version 3 svn 2 signer " in r.stdout
    for wrong in ([ks, hello], [hello], [hello, ks, hello], [hello, f"{keystore}:{'00' * 32}"]):
        r = expect_pal(d, platform, *wrong)
        assert_rejected(r, "PALs loaded")
        assert "PAL 2: " in r.stdout  # what it did load is still shown


def test_no_pal_loaded(platform, tmp_path):
    d = tmp_path / "vm0"
    platform.evidence(d, runtime=())
    r = expect_pal(d, platform)
    assert r.returncode == 0 and "tzv-verify: PALs: none loaded" in r.stdout, r.stdout
    assert_rejected(expect_pal(d, platform, f"{HELLO_UUID}:{HELLO_MEASUREMENT.hex()}"),
                    "PALs loaded")


def test_pals_are_unknown_without_pcr_12_in_the_quote(platform, tmp_path):
    d = tmp_path / "vm0"
    platform.evidence(d, pcrs=[0, 1, 2, 3, 8, 9, 10])
    r = expect_pal(d, platform)
    assert r.returncode == 0 and "tzv-verify: PALs: unknown (PCR 12 is not quoted)" in r.stdout
    assert_rejected(expect_pal(d, platform, f"{HELLO_UUID}:{HELLO_MEASUREMENT.hex()}"),
                    "PALs loaded")


def test_an_event_in_pcr_12_that_is_not_a_pal_registration(platform, tmp_path):
    d = tmp_path / "vm0"
    platform.evidence(d, runtime=((12, b"forged"),))
    assert_rejected(expect_pal(d, platform), "PALs loaded")


@pytest.mark.parametrize("arg", ["hello", f"{HELLO_UUID}:abcd", f"{HELLO_UUID[:-1]}:{'00' * 32}",
                                 f"{HELLO_UUID.replace('-', '')}:{'00' * 32}"])
def test_a_malformed_expect_pal_is_a_usage_error(good, platform, arg):
    d, _ = good
    r = expect_pal(d, platform, arg)
    assert r.returncode == 2 and "is not UUID:MEASUREMENT" in r.stderr, r.stderr


# ---- a PAL's statement (tzv-verify --statement; docs/pal-abi.md) ----

def statement(platform, path, vm="vm0", uuid=HELLO_UUID, measurement=HELLO_MEASUREMENT,
              data=b"\x01\x02"):
    body = struct.pack("<8s16s16s32s32sII64s", b"TZVPALS\0", vm.encode(),
                       bytes.fromhex(uuid.replace("-", "")), SIGNER, measurement, len(data), 0,
                       data)
    assert len(body) == 176
    path.write_bytes(body + raw_sig(platform.device, body))
    return path


def run_statement(platform, path, *extra):
    return subprocess.run([sys.executable, TOOL, "--statement", str(path), "--device-pub",
                           str(platform.device_pem), *extra], capture_output=True, text=True)


def test_a_pal_statement_is_trusted_and_shows_the_pal(platform, tmp_path):
    st = statement(platform, tmp_path / "st.bin")
    r = run_statement(platform, st, "--vm", "vm0", "--data", "0102",
                      "--expect-pal", f"{HELLO_UUID}:{HELLO_MEASUREMENT.hex()}")
    assert r.returncode == 0, r.stdout
    assert (f"tzv-verify: PAL {HELLO_UUID} in vm0: signer {SIGNER.hex()[:16]}... measurement "
            f"{HELLO_MEASUREMENT.hex()} data 0102") in r.stdout
    assert r.stdout.rstrip().endswith("tzv-verify: verdict: TRUSTED")


@pytest.mark.parametrize("extra,check", [
    (["--vm", "vm1"], "VM name"),
    (["--data", "0103"], "data"),
    (["--expect-pal", f"{HELLO_UUID}:{'00' * 32}"], "PAL"),
])
def test_a_pal_statement_of_another_vm_pal_or_data_is_rejected(platform, tmp_path, extra, check):
    assert_rejected(run_statement(platform, statement(platform, tmp_path / "st.bin"), *extra),
                    check)


def test_every_flipped_byte_of_a_pal_statement_is_rejected(platform, tmp_path):
    st = statement(platform, tmp_path / "st.bin")
    orig = st.read_bytes()
    for i in range(len(orig)):
        flip(st, i)
        out = io.StringIO()
        with redirect_stdout(out):
            rc = tzv_verify.main(["--statement", str(st), "--device-pub", str(platform.device_pem)])
        assert rc == 1, f"byte {i} accepted:\n{out.getvalue()}"
        st.write_bytes(orig)


def test_a_statement_signed_by_another_device_or_not_a_statement(platform, tmp_path):
    st = statement(platform, tmp_path / "st.bin")
    stranger = ec.generate_private_key(ec.SECP256R1())
    body = st.read_bytes()[:176]
    st.write_bytes(body + raw_sig(stranger, body))
    assert_rejected(run_statement(platform, st), "device signature")
    st.write_bytes(body)
    assert_rejected(run_statement(platform, st), "statement")
    assert_rejected(run_statement(platform, tmp_path / "missing.bin"), "statement")


def test_a_directory_and_a_statement_at_once_is_a_usage_error(good, platform, tmp_path):
    d, _ = good
    r = subprocess.run([sys.executable, TOOL, str(d), "--statement", str(tmp_path / "x"),
                        "--device-pub", str(platform.device_pem)], capture_output=True, text=True)
    assert r.returncode == 2 and "either an evidence directory or --statement" in r.stderr
