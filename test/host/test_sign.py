"""tools/tzv-sign (docs/secure-boot.md): the development keys are made once
and kept, rotpk.h/root.pem/device.pem follow from them, a manifest lists its
components as the contract's structs say and `check` refuses any changed
byte, another key, and bad component lists with a clear message."""
import base64
import hashlib
import hmac
import os
import re
import stat
import struct
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MK = os.path.join(ROOT, "tools", "tzv-sign", "tzv-sign.mk")

HEADER, COMP, SIG = 32, 112, 132
SPKI_P256 = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200")
ATTEST_UUID = bytes.fromhex("a7e1f0c17a764c309a00617474657374")
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@pytest.fixture(scope="module")
def tool(tmp_path_factory):
    """Builds the tool with its own makefile fragment into a private BUILD."""
    build = tmp_path_factory.mktemp("sign-build")
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    # under the sanitizers: any overflow or undefined behaviour fails the test
    r = subprocess.run(["make", "--no-print-directory", "-f", MK, f"BUILD={build}",
                        "TZV_SIGN_SANITIZE=-fsanitize=address,undefined -fno-sanitize-recover=all"],
                       cwd=ROOT, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    path = build / "tools" / "tzv-sign"
    assert os.access(path, os.X_OK)
    return str(path)


def run(tool, *args):
    return subprocess.run([tool, *map(str, args)], capture_output=True, text=True)


def one_error(r, *needles):
    """Exit 1 and exactly one line 'tzv-sign: <what>: <why>' holding the needles."""
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tzv-sign: "), r.stderr
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def keydir(tool, tmp_path_factory):
    d = tmp_path_factory.mktemp("keys-parent") / "keys"
    r = run(tool, "keys", d)
    assert r.returncode == 0, r.stderr
    return d


@pytest.fixture
def files(tmp_path):
    a = tmp_path / "stk.bin"
    a.write_bytes(b"secure tiny kernel\n")
    b = tmp_path / "Image"
    b.write_bytes(bytes(range(256)) * 1000 + b"tail")
    return a, b


def write_list(path, text):
    path.write_text(text)
    return path


def two_component_manifest(tool, tmp_path, keydir, files):
    a, b = files
    lst = write_list(tmp_path / "components.list",
                     "# name kind vm pcr svn load path\n\n"
                     f"stk stk 0 1 7 0x0e100000 {a}\n"
                     f"vm1.kernel kernel 1 8 3 0x48000000 {b}   # the VM's kernel\n")
    out = tmp_path / "manifest.bin"
    r = run(tool, "manifest", out, lst, keydir)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    return out


def test_keys_are_created_once_and_kept(tool, tmp_path):
    d = tmp_path / "new" / "keys"
    r = run(tool, "keys", d)
    assert r.returncode == 0, r.stderr
    assert r.stdout == (f"tzv-sign: created a development root key pair in {d} (never commit it)\n"
                        f"tzv-sign: created the development PAL-signing key pair provider in {d}\n")
    assert stat.S_IMODE(os.stat(d).st_mode) == 0o700
    sizes = {"root.key": 32, "root.pub": 65, "device-secret.bin": 32, "provider.key": 32,
             "provider.pub": 65}
    for name, size in sizes.items():
        assert os.path.getsize(d / name) == size, name
    for name in ("root.key", "device-secret.bin", "provider.key"):
        assert stat.S_IMODE(os.stat(d / name).st_mode) == 0o600, name
    assert (d / "root.pub").read_bytes()[0] == 4
    before = {n: (d / n).read_bytes() for n in os.listdir(d)}
    # a second run changes nothing and rewrites nothing (make rebuilds nothing)
    for n in before:
        os.utime(d / n, (1_000_000_000, 1_000_000_000))
    r = run(tool, "keys", d)
    assert r.returncode == 0 and r.stdout == "" and r.stderr == "", r
    after = {n: (d / n).read_bytes() for n in os.listdir(d)}
    assert after == before
    for n in before:
        assert os.stat(d / n).st_mtime == 1_000_000_000, f"{n} was rewritten"
    # a derived file that is gone comes back the same
    os.remove(d / "rotpk.h")
    os.remove(d / "device.pem")
    assert run(tool, "keys", d).returncode == 0
    assert (d / "rotpk.h").read_bytes() == before["rotpk.h"]
    assert (d / "device.pem").read_bytes() == before["device.pem"]


def test_key_directories_differ(tool, tmp_path, keydir):
    other = tmp_path / "other"
    assert run(tool, "keys", other).returncode == 0
    for name in ("root.key", "root.pub", "device-secret.bin", "device.pem"):
        assert (other / name).read_bytes() != (keydir / name).read_bytes(), name


def test_rotpk_h_is_the_sha256_of_root_pub(keydir):
    text = (keydir / "rotpk.h").read_text()
    assert text.startswith("/*")
    m = re.search(r"^#define TZV_ROTPK_HASH \{([^}]*)\}$", text, re.M)
    assert m, text
    got = bytes(int(x, 16) for x in m.group(1).split(","))
    assert got == hashlib.sha256((keydir / "root.pub").read_bytes()).digest()


def pem_body(path):
    lines = path.read_text().splitlines()
    assert lines[0] == "-----BEGIN PUBLIC KEY-----" and lines[-1] == "-----END PUBLIC KEY-----"
    body = lines[1:-1]
    assert all(len(x) == 64 for x in body[:-1]) and 0 < len(body[-1]) <= 64, body
    return base64.b64decode("".join(body))


def test_root_pem_is_root_pub(keydir):
    assert pem_body(keydir / "root.pem") == SPKI_P256 + (keydir / "root.pub").read_bytes()


def test_pems_parse_with_cryptography(keydir):
    pytest.importorskip("cryptography")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    for name in ("root.pem", "device.pem"):
        key = serialization.load_pem_public_key((keydir / name).read_bytes())
        assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"
    root = serialization.load_pem_public_key((keydir / "root.pem").read_bytes())
    assert root.public_bytes(serialization.Encoding.X962,
                             serialization.PublicFormat.UncompressedPoint) == \
        (keydir / "root.pub").read_bytes()
    priv = ec.derive_private_key(int.from_bytes((keydir / "root.key").read_bytes(), "big"),
                                 ec.SECP256R1())
    assert priv.public_key().public_numbers() == root.public_numbers()


class HmacDrbg:
    """NIST SP 800-90A HMAC_DRBG with SHA-256, no nonce or personalization:
    what BearSSL's br_hmac_drbg_init/generate do."""

    def __init__(self, seed):
        self.k, self.v = bytes(32), b"\1" * 32
        self._update(seed)

    def _h(self, data):
        return hmac.new(self.k, data, hashlib.sha256).digest()

    def _update(self, data=b""):
        self.k = self._h(self.v + b"\0" + data)
        self.v = self._h(self.v)
        if data:
            self.k = self._h(self.v + b"\1" + data)
            self.v = self._h(self.v)

    def generate(self, n):
        out = b""
        while len(out) < n:
            self.v = self._h(self.v)
            out += self.v
        self._update()
        return out[:n]


def test_device_pem_is_the_contracts_derivation(keydir):
    """An independent reading of docs/secure-boot.md "Key derivation" (device
    key: attestation PAL UUID, device-wide, label "device key"), with
    br_ec_keygen's rule: 32 DRBG bytes, retried until 0 < k < n."""
    pytest.importorskip("cryptography")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    secret = (keydir / "device-secret.bin").read_bytes()
    seed = hmac.new(secret, b"tzvisor derive v1" + ATTEST_UUID + bytes(16) + b"device key",
                    hashlib.sha256).digest()
    drbg = HmacDrbg(seed)
    while True:
        k = int.from_bytes(drbg.generate(32), "big")
        if 0 < k < P256_N:
            break
    want = ec.derive_private_key(k, ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert (keydir / "device.pem").read_bytes() == want


def test_manifest_of_two_files_checks(tool, tmp_path, keydir, files):
    a, b = files
    out = two_component_manifest(tool, tmp_path, keydir, files)
    m = out.read_bytes()
    assert len(m) == HEADER + 2 * COMP + SIG
    magic, version, count, signed_size = struct.unpack_from("<8sIII", m, 0)
    assert (magic, version, count, signed_size) == (b"TZVMAN1\0", 1, 2, HEADER + 2 * COMP)
    assert m[20:32] == bytes(12)
    want = [(b"stk", a, 0x0e100000, 7, 1, 0, 1), (b"vm1.kernel", b, 0x48000000, 3, 4, 1, 8)]
    for i, (name, path, load, svn, kind, vm, pcr) in enumerate(want):
        c = m[HEADER + i * COMP: HEADER + (i + 1) * COMP]
        data = path.read_bytes()
        assert c[:32] == name.ljust(32, b"\0")
        assert c[32:64] == hashlib.sha256(data).digest()
        assert struct.unpack_from("<QQIIII", c, 64) == (len(data), load, svn, kind, vm, pcr)
        assert c[96:] == bytes(16)
    s = m[signed_size:]
    assert s[:65] == (keydir / "root.pub").read_bytes() and s[65:68] == bytes(3)

    r = run(tool, "check", out, keydir)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert r.stdout.splitlines() == [
        f"stk kind=stk vm=0 pcr=1 svn=7 size={len(a.read_bytes())} load=0xe100000 "
        f"sha256={hashlib.sha256(a.read_bytes()).hexdigest()}",
        f"vm1.kernel kind=kernel vm=1 pcr=8 svn=3 size={len(b.read_bytes())} load=0x48000000 "
        f"sha256={hashlib.sha256(b.read_bytes()).hexdigest()}",
    ]


def test_manifest_is_not_rewritten_when_nothing_changed(tool, tmp_path, keydir, files):
    out = two_component_manifest(tool, tmp_path, keydir, files)
    first = out.read_bytes()
    os.utime(out, (1_000_000_000, 1_000_000_000))
    two_component_manifest(tool, tmp_path, keydir, files)
    assert out.read_bytes() == first and os.stat(out).st_mtime == 1_000_000_000
    files[0].write_bytes(b"another kernel")
    two_component_manifest(tool, tmp_path, keydir, files)
    assert out.read_bytes() != first


def test_signature_verifies_with_cryptography(tool, tmp_path, keydir, files):
    pytest.importorskip("cryptography")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, utils

    m = two_component_manifest(tool, tmp_path, keydir, files).read_bytes()
    signed = HEADER + 2 * COMP
    sig = m[signed + 68:]
    der = utils.encode_dss_signature(int.from_bytes(sig[:32], "big"),
                                     int.from_bytes(sig[32:], "big"))
    key = serialization.load_pem_public_key((keydir / "root.pem").read_bytes())
    key.verify(der, m[:signed], ec.ECDSA(hashes.SHA256()))


# offsets in a two-component manifest: (offset, what check says)
S = HEADER + 2 * COMP
FLIPS = [(0, "bad magic"), (7, "bad magic"), (8, "version"), (12, "signed_size"),
         (16, "signed_size"), (20, "bad signature"), (31, "bad signature"),
         (32, "bad signature"), (HEADER + 40, "bad signature"), (HEADER + 64, "bad signature"),
         (HEADER + 72, "bad signature"), (HEADER + 84, "bad signature"),
         (HEADER + 100, "bad signature"), (HEADER + COMP + 63, "bad signature"),
         (S - 1, "bad signature"), (S, "another root key"), (S + 40, "another root key"),
         (S + 66, "nonzero padding"), (S + 68, "bad signature"), (S + 99, "bad signature"),
         (S + 100, "bad signature"), (S + SIG - 1, "bad signature")]


@pytest.mark.parametrize("offset,message", FLIPS)
def test_a_flipped_byte_fails_check(tool, tmp_path, keydir, files, offset, message):
    out = two_component_manifest(tool, tmp_path, keydir, files)
    m = bytearray(out.read_bytes())
    m[offset] ^= 0x01
    out.write_bytes(m)
    r = run(tool, "check", out, keydir)
    assert r.stdout == ""
    one_error(r, str(out), message)


@pytest.mark.parametrize("change", ["truncated", "extended", "empty"])
def test_a_manifest_of_the_wrong_size_fails_check(tool, tmp_path, keydir, files, change):
    out = two_component_manifest(tool, tmp_path, keydir, files)
    m = out.read_bytes()
    out.write_bytes({"truncated": m[:-1], "extended": m + b"\0", "empty": b""}[change])
    one_error(run(tool, "check", out, keydir), str(out))


def test_check_against_another_key_fails(tool, tmp_path, keydir, files):
    out = two_component_manifest(tool, tmp_path, keydir, files)
    other = tmp_path / "other-keys"
    assert run(tool, "keys", other).returncode == 0
    one_error(run(tool, "check", out, other), str(out), "another root key")
    # even with the other key's root_pub put in, the signature is not its
    m = bytearray(out.read_bytes())
    m[S:S + 65] = (other / "root.pub").read_bytes()
    out.write_bytes(m)
    one_error(run(tool, "check", out, other), str(out), "bad signature")


def test_a_root_pub_that_is_not_root_keys_is_refused(tool, tmp_path, keydir, files):
    d = tmp_path / "mixed"
    other = tmp_path / "other"
    assert run(tool, "keys", d).returncode == 0
    assert run(tool, "keys", other).returncode == 0
    (d / "root.pub").write_bytes((other / "root.pub").read_bytes())
    lst = write_list(tmp_path / "l", f"stk stk 0 1 1 0x0 {files[0]}\n")
    one_error(run(tool, "manifest", tmp_path / "m.bin", lst, d), "root.pub",
              "not the public key of root.key")
    one_error(run(tool, "keys", d), "root.pub", "not the public key of root.key")
    # a lost private key is not silently replaced by a new one
    os.remove(d / "root.key")
    one_error(run(tool, "keys", d), "root.key", "missing")
    assert not (tmp_path / "m.bin").exists()


LONG = "n" * 32
BAD_LISTS = [
    (f"{LONG} stk 0 1 1 0x0 {{a}}\n", f"name '{LONG}' is longer than 31 bytes"),
    ("stk stk 0 1 1 0x0 {a}\nstk hyp 0 2 1 0x0 {a}\n", "component 'stk' is already on line 1"),
    ("stk firmware 0 1 1 0x0 {a}\n", "unknown kind 'firmware'"),
    ("stk stk 0 1 1 0x0 {a}.missing\n", "stk.bin.missing: No such file or directory"),
    ("stk stk 0 1 1 0x0\n", "expected NAME KIND VM PCR SVN LOAD PATH"),
    ("stk stk 0 1 1 0x0 {a} extra\n", "expected NAME KIND VM PCR SVN LOAD PATH"),
    ("stk stk 0 1 1 1000 {a}\n", "load address '1000' is not a 64-bit hex number with 0x"),
    ("stk stk 0 1 x 0x0 {a}\n", "SVN 'x' is not a decimal number"),
    ("stk stk 0 1 4294967296 0x0 {a}\n", "SVN '4294967296' is not a decimal number"),
    ("k kernel -1 8 1 0x0 {a}\n", "VM '-1' is not a decimal number"),
    ("stk stk 0 24 1 0x0 {a}\n", "PCR 24 does not exist"),
    ("stk stk 1 1 1 0x0 {a}\n", "VM must be 0 for kind stk"),
    ("# only a comment\n\n", "no components"),
    ("".join(f"c{i} dtb 0 10 1 0x0 {{a}}\n" for i in range(65)), "more than 64 components"),
]


@pytest.mark.parametrize("text,message", BAD_LISTS)
def test_bad_lists_are_refused(tool, tmp_path, keydir, files, text, message):
    lst = write_list(tmp_path / "bad.list", text.format(a=files[0]))
    out = tmp_path / "manifest.bin"
    r = run(tool, "manifest", out, lst, keydir)
    line = one_error(r, message)
    assert str(lst) in line
    assert not out.exists()


def test_sixty_four_components_are_fine(tool, tmp_path, keydir, files):
    lst = write_list(tmp_path / "l", "".join(f"vm{i}.dtb dtb {i} 10 1 0x{i:x}000 {files[0]}\n"
                                             for i in range(64)))
    out = tmp_path / "m.bin"
    assert run(tool, "manifest", out, lst, keydir).returncode == 0
    r = run(tool, "check", out, keydir)
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 64
    assert os.path.getsize(out) == HEADER + 64 * COMP + SIG


@pytest.mark.parametrize("args", [[], ["keys"], ["keys", "a", "b"], ["manifest", "a", "b"],
                                  ["check", "a"], ["sign", "a", "b"]])
def test_usage_errors_exit_2(tool, args):
    r = run(tool, *args)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("tzv-sign: usage: ") and len(r.stderr.splitlines()) == 1


# ---- signed PAL files (docs/pal-abi.md, "Signed PAL files") ----

PAL_UUID = bytes.fromhex("a7e1f0c17a764c309a00746573740000")


def pal_image(size=8192, mem=65536, uuid=PAL_UUID, name=b"selftest", magic=b"TZVPAL1\0"):
    """A PAL image as pal/linker.ld lays one out: its 80-byte header, then
    code (here: filler)."""
    hdr = struct.pack("<8s16s16sIIIIIIIIQ", magic, uuid, name.ljust(16, b"\0"), 0, 0, 128,
                      4096, size, 0, mem, 16384, 0)
    return hdr + bytes((i * 7) & 0xff for i in range(size - len(hdr)))


@pytest.fixture(scope="module")
def signer(tool, tmp_path_factory):
    d = tmp_path_factory.mktemp("signer")
    r = run(tool, "signer-key", d, "acme")
    assert r.returncode == 0 and "created the PAL-signing key pair acme" in r.stdout, r.stderr
    return d


def test_a_signed_pal_file_is_what_the_format_says(tool, tmp_path, signer):
    image = pal_image()
    (tmp_path / "p.bin").write_bytes(image)
    r = run(tool, "pal", tmp_path / "p.bin", tmp_path / "p.ta", "--key", signer / "acme.key",
            "--svn", 3, "--version", 7)
    assert r.returncode == 0, r.stderr
    data = (tmp_path / "p.ta").read_bytes()
    assert len(data) == 128 + len(image) + 132
    magic, version, hsize, uuid, name, pver, svn, isize, mem, key_hash, reserved = \
        struct.unpack_from("<8sII16s16sIIII32s32s", data)
    assert (magic, version, hsize, uuid, pver, svn, isize, mem) == \
        (b"TZVPALF\0", 1, 128, PAL_UUID, 7, 3, len(image), 65536)
    assert name.rstrip(b"\0") == b"selftest" and reserved == bytes(32)
    assert data[128:128 + len(image)] == image
    pub = data[128 + len(image):128 + len(image) + 65]
    assert pub == (signer / "acme.pub").read_bytes() and key_hash == hashlib.sha256(pub).digest()
    measurement = hashlib.sha256(data[:128 + len(image)]).hexdigest()
    assert f"measurement {measurement}" in r.stdout
    sig = data[-64:]
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), pub)
    key.verify(encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")),
               data[:128 + len(image)], ec.ECDSA(hashes.SHA256()))


@pytest.mark.parametrize("image,message", [
    (pal_image(magic=b"NOTAPAL\0"), "not a PAL image"),
    (pal_image()[:-1], "not a PAL image"),  # image_size is not the file's size
    (pal_image()[:40], "not a PAL image"),
    (b"", "not a PAL image"),
    (pal_image(size=0x3F000 + 4096), "larger than"),
], ids=["magic", "size-lies", "short", "empty", "too-big"])
def test_what_is_not_a_pal_image_is_not_signed(tool, tmp_path, signer, image, message):
    (tmp_path / "p.bin").write_bytes(image)
    r = run(tool, "pal", tmp_path / "p.bin", tmp_path / "p.ta", "--key", signer / "acme.key",
            "--svn", 1)
    assert r.returncode == 1 and message in r.stderr, r.stderr
    assert not (tmp_path / "p.ta").exists()


@pytest.mark.parametrize("args", [
    ["--svn", "1"],  # no key
    ["--key", "K"],  # no --svn
    ["--key", "K", "--svn"],
    ["--key", "K", "--svn", "1", "--colour", "red"],
], ids=["no-key", "no-svn", "svn-without-value", "unknown-option"])
def test_pal_usage_errors_exit_2(tool, tmp_path, signer, args):
    (tmp_path / "p.bin").write_bytes(pal_image())
    args = [str(signer / "acme.key") if a == "K" else a for a in args]
    r = run(tool, "pal", tmp_path / "p.bin", tmp_path / "p.ta", *args)
    assert r.returncode == 2, r.stderr


def test_a_pal_key_that_is_missing_or_a_bad_number_fails(tool, tmp_path, signer):
    (tmp_path / "p.bin").write_bytes(pal_image())
    r = run(tool, "pal", tmp_path / "p.bin", tmp_path / "p.ta", "--key", tmp_path / "none.key",
            "--svn", 1)
    assert r.returncode == 1 and "none.key" in r.stderr
    r = run(tool, "pal", tmp_path / "p.bin", tmp_path / "p.ta", "--key", signer / "acme.key",
            "--svn", "-1")
    assert r.returncode == 1 and "is not a decimal number" in r.stderr, r.stderr


@pytest.mark.parametrize("name", ["root", "device", "", "a/b"])
def test_the_root_and_device_keys_are_no_signer_keys(tool, tmp_path, name):
    r = run(tool, "signer-key", tmp_path, name)
    assert r.returncode == 1 and "not a name for a signer key" in r.stderr, r.stderr
