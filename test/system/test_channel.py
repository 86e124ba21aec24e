"""The attested channel to the login PAL (docs/channel.md), end to end: a
host client (tools/tzv-connect) reaches the PAL in vm0 through the guest's
relay on a forwarded TCP port, checks the quote of the PAL's statement
(tzv-verify's checks, the reference values, stock tpm2_checkquote), and
enrols and logs in. Neither the password nor its salted hash is anywhere in
the normal world's RAM afterwards, while the same password sent through the
relay's test-only plain path is; and the client and the PAL each refuse
what an attacker in between could do, ending that channel only."""
import hashlib
import hmac
import json
import mmap
import os
import secrets
import socket
import struct
import subprocess
import time
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader

import pytest

import qemu

TOOL = os.path.join(qemu.ROOT, "tools", "tzv-connect")
NORMAL_RAM = (0x40000000, 0x80000000)  # base, size: all of QEMU's -m 2048
SECURITY, BAD_STATE = 0xFFFF000F, 0xFFFF0007


def load_tool():
    loader = SourceFileLoader("tzv_connect", TOOL)
    mod = module_from_spec(spec_from_loader("tzv_connect", loader))
    loader.exec_module(mod)
    return mod


tc = load_tool()


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    mon = str(tmp_path_factory.mktemp("channel") / "monitor.sock")
    s = qemu.System(log_name="channel", extra_args=["-qmp", f"unix:{mon},server=on,wait=off"])
    s.monitor = mon
    try:
        s.wait_shell(timeout=180)
        s.wait_ssh("vm0")
        s.addr = f"127.0.0.1:{s.ports[2224]}"
        end = time.monotonic() + 60  # the relay starts after DHCP, beside the SSH server
        while s.ssh("vm0", "pidof tzv-relay").returncode != 0:
            assert time.monotonic() < end, "no tzv-relay in vm0"
            time.sleep(1)
        yield s
    finally:
        s.close()


def connect(system, verb, user, password, *extra):
    return subprocess.run([TOOL, "--connect", system.addr, "--system", qemu.BUILD, *extra, verb,
                           user], input=password + "\n", capture_output=True, text=True,
                          timeout=180)


def channel(system, **expect):
    sk = socket.create_connection(system.addr.rsplit(":", 1), timeout=120)
    return tc.Channel(sk, tc.Expect(qemu.BUILD, **expect), log=lambda line: None)


def pal_line(system, text, timeout=30):
    system.expect_exact(f"[S-EL1 stk] pal login vm0: {text}", timeout=timeout)


def qmp(system, command, **arguments):
    """One QMP command (after the capabilities handshake); its return."""
    with socket.socket(socket.AF_UNIX) as sk:
        sk.connect(system.monitor)
        sk.settimeout(300)
        f = sk.makefile("rw")
        json.loads(f.readline())  # the greeting
        for cmd, args in (("qmp_capabilities", {}), (command, arguments)):
            f.write(json.dumps({"execute": cmd, "arguments": args}) + "\n")
            f.flush()
            while True:
                msg = json.loads(f.readline())
                if "return" in msg or "error" in msg:
                    break
            assert "return" in msg, msg
        return msg["return"]


def dump_ram(system, path):
    """All of the normal world's RAM (every VM's and the hypervisor's)."""
    base, size = NORMAL_RAM
    qmp(system, "pmemsave", val=base, size=size, filename=path)
    assert os.path.getsize(path) == size


def found(path, needles):
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        return {n: m.find(n) >= 0 for n in needles}


def test_enrol_login_and_a_wrong_password(system):
    r = connect(system, "enroll", "alice", "correct horse battery staple", "-v")
    assert r.returncode == 0, r.stdout + r.stderr
    for line in ("tzv-verify: verdict: TRUSTED (the measurements match the reference values)",
                 "tzv-connect: tpm2_checkquote: ok",
                 "tzv-connect: PAL a7e1f0c1-7a76-4c30-9a00-6c6f67696e00 login version 1 in vm0: "
                 "identity ok",
                 "tzv-connect: enroll alice: accepted"):
        assert line in r.stdout, r.stdout
    pal_line(system, "enrol 'alice': accepted")
    r = connect(system, "login", "alice", "correct horse battery staple")
    assert r.returncode == 0 and "tzv-connect: login alice: accepted" in r.stdout, r.stdout
    r = connect(system, "login", "alice", "correct horse battery stapler")
    assert r.returncode == 1 and "tzv-connect: login alice: refused" in r.stdout, r.stdout
    pal_line(system, "login 'alice': refused")
    r = connect(system, "login", "mallory", "correct horse battery staple")
    assert r.returncode == 1 and "refused" in r.stdout, r.stdout
    # an enrolled user is not replaced
    r = connect(system, "enroll", "alice", "another password")
    assert r.returncode == 1 and "tzv-connect: enroll alice: exists" in r.stdout, r.stdout
    r = connect(system, "login", "alice", "correct horse battery staple")
    assert r.returncode == 0, r.stdout


def test_nobody_in_the_normal_world_sees_the_password(system, tmp_path):
    password = secrets.token_urlsafe(48)
    ch = channel(system).handshake()
    st, salt = ch.ask(tc.REQ_ENROLL, "bob", password)
    assert st == 0 and len(salt) == 16
    assert ch.ask(tc.REQ_LOGIN, "bob", password)[0] == 0
    ch.close()
    ch.sock.close()
    pal_line(system, "login 'bob': accepted")
    digest = hmac.new(salt, password.encode(), hashlib.sha256).digest()
    needles = [password.encode(), digest, salt + digest]
    dump = str(tmp_path / "ram.bin")
    dump_ram(system, dump)
    assert found(dump, needles) == {n: False for n in needles}
    os.unlink(dump)

    # the control: the same password through the relay's plain path (a
    # second relay, --plain, reached over an SSH tunnel) is found
    r = system.ssh("vm0", "(tzv-relay 7001 --plain </dev/null >/dev/null 2>&1 &); sleep 1; "
                          "pidof tzv-relay")
    assert r.returncode == 0, r.stderr
    port = qemu.free_port()
    tunnel = subprocess.Popen(["ssh", "-F", os.path.join(system.rundir, "ssh-config"), "-N",
                               "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes",
                               "-L", f"127.0.0.1:{port}:127.0.0.1:7001", "vm0"])
    try:
        end = time.monotonic() + 30
        while True:
            r = subprocess.run([TOOL, "--connect", f"127.0.0.1:{port}", "plain", password],
                               capture_output=True, text=True, timeout=60)
            if r.returncode == 0 or time.monotonic() > end:
                break
            time.sleep(1)
        assert r.returncode == 0, r.stdout + r.stderr
        dump_ram(system, dump)
        assert found(dump, [password.encode()]) == {password.encode(): True}
    finally:
        tunnel.kill()
        tunnel.wait()
        system.ssh("vm0", "pkill -f 'tzv-relay 7001'")
        if os.path.exists(dump):
            os.unlink(dump)


def refused(fn, why):
    with pytest.raises(tc.Refused) as e:
        fn()
    assert why in str(e.value), str(e.value)


def flip(data, at):
    return data[:at] + bytes([data[at] ^ 1]) + data[at + 1:]


def hello_fields(hello):
    return tc.fields(hello, 7, "hello")


def join(fs):
    return b"".join(struct.pack(">I", len(f)) + f for f in fs)


def test_the_client_refuses_what_it_did_not_ask_for(system):
    kept = {}

    def keep(hello):
        kept["hello"] = hello
        return hello

    channel(system).handshake(hello_hook=keep).close()
    # a replayed handshake: its quote and statement are genuine, but for
    # another nonce and other keys
    refused(lambda: channel(system).handshake(hello_hook=lambda h: kept["hello"]),
            "another handshake")
    # the PAL in another VM, another PAL, another measurement
    refused(lambda: channel(system, vm="vm1").handshake(), "VM name: FAILED")
    other = os.path.join(qemu.BUILD, "pal", "hello.ta")
    refused(lambda: channel(system, ta=other).handshake(), "not a7e1f0c1-7a76-4c30-9a00-68656c6c6f00")
    newer = os.path.join(qemu.BUILD, "pal", "objstore-v2.ta")
    ch = channel(system)
    ch.expect.measurement = tc.Expect(qemu.BUILD, ta=newer).measurement
    refused(ch.handshake, "is not the expected")

    # a forged signature over the quote, a changed statement
    def forge(index, at):
        def hook(h):
            fs = hello_fields(h)
            fs[index] = flip(fs[index], at)
            return join(fs)
        return hook
    refused(lambda: channel(system).handshake(hello_hook=forge(3, 10)), "quote signature: FAILED")
    refused(lambda: channel(system).handshake(hello_hook=forge(1, 30)), "nonce: FAILED")
    refused(lambda: channel(system).handshake(hello_hook=forge(4, 100)),
            "AK statement: FAILED")
    # and after all that, a channel works
    ch = channel(system).handshake()
    assert ch.ask(tc.REQ_LOGIN, "alice", "correct horse battery staple")[0] == 0
    ch.close()


def ended_by_pal(ch, record, code, line, system):
    with pytest.raises(tc.Refused) as e:
        ch.send_record(record)
    assert f"0x{code:08x}" in str(e.value), str(e.value)
    pal_line(system, line)


def test_the_pal_refuses_records_that_are_not_the_channels(system):
    req = bytes([tc.REQ_LOGIN, 5]) + b"alice" + b"correct horse battery staple"
    # a bad tag
    ch = channel(system).handshake()
    ended_by_pal(ch, flip(ch.seal(req), 12), SECURITY,
                 "channel refused record 0: bad tag; channel ended", system)
    # a replayed record
    ch = channel(system).handshake()
    rec = ch.seal(req)
    ch.seq_out += 1
    assert ch.send_record(rec)[:2] == bytes([tc.ANSWER | tc.REQ_LOGIN, 0])
    ended_by_pal(ch, rec, SECURITY, "channel refused record 0: replayed; channel ended", system)
    # a reordered one: record 1 before record 0
    ch = channel(system).handshake()
    ended_by_pal(ch, ch.seal(req, seq=1), SECURITY,
                 "channel refused record 1: out of order; channel ended", system)
    # a record of an earlier session
    old = channel(system).handshake()
    rec = old.seal(req)
    old.close()
    ch = channel(system).handshake()
    ended_by_pal(ch, rec, SECURITY, "channel refused record 0: bad tag; channel ended", system)
    # one after the client closed
    ch = channel(system).handshake()
    ch.close()
    ended_by_pal(ch, ch.seal(req), BAD_STATE, "record refused: the channel has ended", system)
    # a client key that is not a point
    ch = channel(system)
    with pytest.raises(tc.Refused) as e:
        ch.frame(ord("H"), bytes(32) + b"\x04" + bytes(64))
    assert "0xffff0006" in str(e.value)
    pal_line(system, "handshake refused: the client's key is not a P-256 point")
    # each refusal ended its own channel only
    ch = channel(system).handshake()
    assert ch.ask(tc.REQ_LOGIN, "alice", "correct horse battery staple")[0] == 0
    ch.close()
