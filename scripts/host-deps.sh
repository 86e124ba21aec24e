#!/usr/bin/env bash
# Install the host packages tzvisor builds and tests with (Debian 12, as root).
# Only missing packages are installed, so a second run is a quick no-op.
set -eu
# extra packages a target needs (make bench: gnuplot-nox) come as arguments
pkgs="make gcc gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu
qemu-system-arm device-tree-compiler cpio python3 python3-pytest python3-pexpect gdb-multiarch
clang-format clang libclang-rt-14-dev python3-cryptography tpm2-tools libbearssl-dev nettle-dev
e2fsprogs openssh-client $*"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
need_arch=0
dpkg --print-foreign-architectures | grep -qx arm64 || need_arch=1
if [ -z "$missing" ] && [ $need_arch = 0 ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "host-deps: missing packages:$missing; run as root (or install them) first" >&2
	exit 1
fi
[ $need_arch = 1 ] && dpkg --add-architecture arm64
echo "host-deps: installing$missing"
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
