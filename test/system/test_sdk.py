"""The PAL SDK (sdk/README.md): a copy of build/pal-sdk and the sample PAL's
source, in a folder outside the checkout, build and sign a PAL with a
provider's own key; the .ta goes into a running VM's /lib/optee_armtz/ and
answers through Debian's libteec. Runs the one-VM test system, whose
platform authorizes the provider provider2."""
import base64
import hashlib
import os
import shutil
import struct
import subprocess

import pytest

from qemu import BUILD, ROOT, System, build_ok

SDK = os.path.join(BUILD, "pal-sdk")
UUID = "a7e1f0c1-7a76-4c30-9a00-73616d706c65"
pytestmark = pytest.mark.skipif(not build_ok("single") or not os.path.isdir(SDK),
                                reason="system or SDK not built")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sample built and signed from copies under /tmp, nothing of the
    tree on the path but the SDK copy."""
    tmp = tmp_path_factory.mktemp("sdk-user")
    assert not str(tmp).startswith(ROOT)
    sdk, work, keys = tmp / "pal-sdk", tmp / "sample", tmp / "keys"
    shutil.copytree(SDK, sdk)
    shutil.copytree(os.path.join(ROOT, "sdk", "sample"), work)
    keys.mkdir()
    for ext in ("key", "pub"):  # the provider's own key pair
        shutil.copy(os.path.join(BUILD, "keys", f"provider2.{ext}"), keys / f"acme.{ext}")
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    r = subprocess.run(["make", "-C", str(work), f"PAL_SDK={sdk}", f"KEY={keys / 'acme.key'}",
                        "SVN=1"], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return work / "sample.ta", keys / "acme.pub", r.stdout


def test_the_sdk_builds_and_signs_a_pal_outside_the_tree(built):
    ta, pub, out = built
    data = ta.read_bytes()
    assert data[:8] == b"TZVPALF\0" and data[16:32] == bytes.fromhex(UUID.replace("-", ""))
    assert data[64:96] == hashlib.sha256(pub.read_bytes()).digest()  # signed by "acme"
    image_size, = struct.unpack_from("<I", data, 56)
    measurement = hashlib.sha256(data[:128 + image_size]).hexdigest()
    assert f"measurement {measurement}" in out


def test_a_vm_loads_the_sdk_pal_and_calls_it_through_libteec(built):
    ta, pub, _ = built
    vm = System("single", log_name="sdk")
    try:
        vm.wait_shell(120)
        text = base64.b64encode(ta.read_bytes()).decode()
        vm.run("rm -f /tmp/s.b64")
        for i in range(0, len(text), 152):  # short lines: 256 bytes of console input
            vm.run(f"echo {text[i:i + 152]} >> /tmp/s.b64")
        vm.run(f"base64 -d /tmp/s.b64 > /lib/optee_armtz/{UUID}.ta")
        assert vm.run(f"md5sum < /lib/optee_armtz/{UUID}.ta").split()[0] == \
            hashlib.md5(ta.read_bytes()).hexdigest()
        h = hashlib.sha256(b"sample" + struct.pack("<I", 41)).digest()
        assert vm.run(f"tzv-client call {UUID} 0 41") == \
            f"call: a=124 b=0x{h[:4].hex()}"
        assert "[S-EL1 stk] vTEE 1: PAL sample loaded, version 1" in vm.transcript
        signer = hashlib.sha256(pub.read_bytes()).hexdigest()
        assert f"pal: {UUID} sample version=1 svn=1 signer={signer} " in \
            vm.run("tzv-client pal list")
    finally:
        vm.close()
