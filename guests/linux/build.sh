#!/usr/bin/env bash
# Build the Linux guest from Debian's arm64 packages: OUTDIR/Image (the
# uncompressed kernel), OUTDIR/initramfs.cpio.gz (busybox + /init + the
# out-of-tree modules of modules/*, which kmod.sh builds into OUTDIR/modules
# and /init loads; and the TEE client stack: Debian's libteec and
# tee-supplicant, tzv-client/ built against Debian's optee-client-dev, and the
# glibc loader and libraries they run on), OUTDIR/config (the kernel's .config,
# for reference) and OUTDIR/VERSION.
#
# Usage: guests/linux/build.sh OUTDIR
# The .deb files are kept in $TZV_CACHE (default OUTDIR/../cache/debs); with
# them there, a rebuild needs no network, and if the outputs are newer than the
# debs and this recipe it returns at once. Needs the arm64 dpkg architecture
# (scripts/host-deps.sh adds it).
set -eu

[ $# = 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
mkcpio=$here/../../tools/mkcpio.py
mkdir -p "$1"
out=$(cd "$1" && pwd)
cache=${TZV_CACHE:-$out/../cache/debs}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
py=/usr/bin/python3
[ -x $py ] || py=python3
cross=${CROSS_COMPILE:-aarch64-linux-gnu-}
pals=$here/../../pal/include # tzv-pals.h, the PALs' UUIDs and commands
abi=$here/../../lib/include  # tzv/pal-abi.h, the PAL manager's records

# The user-space packages of the TEE client stack, each at its candidate
# version (uver) from the deb udeb: optee-client-dev only for the headers and
# the libteec.so link tzv-client is built with, libc6 for the loader and the
# libraries the programs NEED.
# dropbear-bin and the libraries it needs: the SSH server of a VM with a
# network interface.
upkgs="libteec1 tee-supplicant optee-client-dev libc6 dropbear-bin libcrypt1 libtomcrypt1
libtommath1 zlib1g libgmp10"
declare -A uver udeb

say() { echo "guest: $*" >&2; }
die() { say "error: $*"; exit 1; }

candidate() {
	apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | grep -vx '(none)' || true
}

# Resolve the kernel through the metapackage, so a Debian ABI bump (a new
# linux-image-6.1.0-NN-arm64) is picked up at build time. Needs apt lists only.
resolve() {
	kpkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*-arm64\)\(:arm64\)\{0,1\}$/\1/p' |
		sort -V | tail -n 1)
	[ -n "$kpkg" ] || return 1
	kver=$(candidate "$kpkg:arm64")
	bver=$(candidate busybox-static:arm64)
	[ -n "$kver" ] && [ -n "$bver" ] || return 1
	for p in $upkgs; do
		uver[$p]=$(candidate "$p:arm64")
		[ -n "${uver[$p]}" ] || return 1
	done
}

# The cached deb of package $1 at exact version $2 (file names escape the
# epoch's ':', so compare the control field rather than the name).
cached() {
	local f
	for f in "$cache/$1"_*_arm64.deb; do
		[ -f "$f" ] && [ "$(dpkg-deb -f "$f" Version)" = "$2" ] && { echo "$f"; return 0; }
	done
	return 1
}

get() {
	cached "$1" "$2" && return 0
	say "downloading $1 $2"
	(cd "$cache" && apt-get download -q \
		-o APT::Sandbox::User="$(id -un)" "$1:arm64=$2" >&2) || return 1
	cached "$1" "$2"
}

fetch() {
	kdeb=$(get "$kpkg" "$kver") && bdeb=$(get busybox-static "$bver") || return 1
	for p in $upkgs; do
		udeb[$p]=$(get "$p" "${uver[$p]}") || return 1
	done
}

# Without apt lists (or offline with stale ones): the newest debs in the cache.
from_cache() {
	kdeb=$(ls "$cache"/linux-image-[0-9]*-arm64_*_arm64.deb 2>/dev/null | sort -V | tail -n 1)
	bdeb=$(ls "$cache"/busybox-static_*_arm64.deb 2>/dev/null | sort -V | tail -n 1)
	[ -n "$kdeb" ] && [ -n "$bdeb" ] || return 1
	kpkg=$(dpkg-deb -f "$kdeb" Package)
	kver=$(dpkg-deb -f "$kdeb" Version)
	bver=$(dpkg-deb -f "$bdeb" Version)
	for p in $upkgs; do
		udeb[$p]=$(ls "$cache/${p}"_*_arm64.deb 2>/dev/null | sort -V | tail -n 1)
		[ -n "${udeb[$p]}" ] || return 1
		uver[$p]=$(dpkg-deb -f "${udeb[$p]}" Version)
	done
}

# Up to date when the outputs are newer than this recipe and every cached deb,
# and the apt lists (all that resolve reads) have not changed since the last
# resolve (ctime, as apt sets list mtimes from the server): finish at once
# without the seconds apt-cache takes.
quick() {
	local lists=/var/lib/apt/lists f o p udebs=()
	eval "$(apt-config shell lists Dir::State::Lists/d 2>/dev/null)"
	[ -s "$out/VERSION" ] && [ -e "$out/.resolved" ] || return 1
	[ "$(cat "$out/FILES" 2>/dev/null)" = "$extra_files" ] || return 1
	for p in $upkgs; do udebs+=("$cache/$p"_*_arm64.deb); done
	# shellcheck disable=SC2086 # the lists are space-separated paths
	for f in "$here/build.sh" "$here/init" "$here/inittab" "$here/profile" "$here/passwd" \
		"$here/udhcpc.script" "$here/tzv-vmi" "$here/tzv-vmi-ps.c" "$mkcpio" \
		"$cache"/linux-image-[0-9]*-arm64_*_arm64.deb "$cache"/busybox-static_*_arm64.deb \
		"${udebs[@]}" \
		"${modsrcs[@]}" "${clisrcs[@]}" "$out"/modules/*.ko $extra_files; do
		[ -e "$f" ] || continue
		for o in Image initramfs.cpio.gz VERSION; do
			[ "$out/$o" -nt "$f" ] || return 1
		done
	done
	[ -z "$(find "$lists" -maxdepth 1 \( -name '*Packages*' -o -name '*Release*' \) \
		-cnewer "$out/.resolved" 2>/dev/null)" ]
}
# The module sources: kmod.sh, and every module folder and file (folders, so
# that a removed file or module counts as a change).
modsrcs=("$here/kmod.sh" "$here/modules")
[ -d "$here/modules" ] && while IFS= read -r f; do modsrcs+=("$f"); done \
	< <(find "$here/modules" -mindepth 1)
# The PAL files and test files the initramfs carries: a change of the list
# (FILES) or of one of them is a change.
extra_files="${TZV_TAS:-} ${TZV_TEST_FILES:-} ${TZV_SSH:-}"
# tzv-client's sources: its folder, its files and the headers it includes.
clisrcs=("$here/tzv-client" "$here/tzv-client/"* "$here/tzv-relay" "$here/tzv-relay/"* "$pals/tzv-pals.h"
	"$abi/tzv/pal-abi.h")
if quick; then
	echo "guest: kernel $(cut -d';' -f1 "$out/VERSION") (up to date)"
	exit 0
fi

ok=0
if resolve; then
	fetch && ok=1
elif from_cache; then
	say "no apt lists; using the cached debs"
	ok=1
fi
if [ $ok = 0 ]; then
	# Lists missing, or stale so the archive no longer has that version:
	# refresh them once and try again.
	say "refreshing apt lists (apt-get update)"
	apt-get update -q >&2 && resolve && fetch && ok=1 || true
fi
if [ $ok = 0 ]; then
	from_cache || die "cannot get linux-image-arm64/busybox-static/$upkgs debs for arm64 (dpkg --add-architecture arm64? network?)"
	say "warning: using cached debs, which may be older than the archive's"
	rm -f "$out/.resolved" # so the next run tries the archive again
else
	touch "$out/.resolved"
fi
version="$kpkg $kver; busybox-static $bver"
for p in $upkgs; do version+="; $p ${uver[$p]}"; done

# The out-of-tree modules, built against this kernel's Debian headers (at
# once when they are up to date).
mods=()
for d in "$here"/modules/*/; do [ -f "$d/Kbuild" ] && mods+=("$d"); done
if [ ${#mods[@]} -gt 0 ]; then
	TZV_KERNEL="$kpkg $kver" TZV_CACHE="$cache" "$here/kmod.sh" "$out" "${mods[@]}"
else
	rm -rf "$out/modules"
fi
kos=()
for k in "$out"/modules/*.ko; do [ -f "$k" ] && kos+=("$k"); done

# The signed PAL files for tee-supplicant ($TZV_TAS, from the Makefile), as
# /lib/optee_armtz/<uuid>.ta: the UUID is the file header's (offset 16).
tas=()
tafiles=()
for t in ${TZV_TAS:-}; do
	[ -f "$t" ] || die "PAL file $t missing"
	h=$(od -An -v -tx1 -j16 -N16 "$t" | tr -d ' \n')
	uuid=${h:0:8}-${h:8:4}-${h:12:4}-${h:16:4}-${h:20:12}
	tas+=("$t")
	tafiles+=(--file "lib/optee_armtz/$uuid.ta=$t:444")
done
# files the system tests use in the guest ($TZV_TEST_FILES): /usr/share/tzv-test/
for t in ${TZV_TEST_FILES:-}; do
	[ -f "$t" ] || die "test file $t missing"
	tas+=("$t")
	tafiles+=(--file "usr/share/tzv-test/$(basename "$t")=$t:444")
done

# Nothing changed since the last build: finish at once.
fresh=1
for o in Image initramfs.cpio.gz VERSION; do
	for d in "$kdeb" "$bdeb" "${udeb[@]}" "$here/build.sh" "$here/init" "$here/inittab" \
		"$here/profile" "$here/passwd" "$here/udhcpc.script" "$here/tzv-vmi" "$here/tzv-vmi-ps.c" "$mkcpio" "${modsrcs[@]}" "${clisrcs[@]}" "${kos[@]}" "${tas[@]}"; do
		[ "$out/$o" -nt "$d" ] || fresh=0
	done
done
if [ $fresh = 1 ] && [ "$(cat "$out/VERSION")" = "$version" ] &&
	[ "$(cat "$out/FILES" 2>/dev/null)" = "$extra_files" ]; then
	echo "guest: kernel $kpkg $kver (up to date)"
	exit 0
fi

work=$out/.work
rm -rf "$work"
mkdir -p "$work/k" "$work/bb"
# Only boot/ and the modules the guest loads are needed from the kernel deb:
# skipping the ~400 MB of other modules makes this much faster than a full
# dpkg-deb -x. In load order (each after what it depends on): the TEE
# driver; virtio over PCI with the disk and network drivers (for VMs given
# devices); ext4 for the disk.
debian_mods="drivers/tee/tee.ko drivers/tee/optee/optee.ko drivers/char/hw_random/optee-rng.ko
drivers/virtio/virtio_pci_modern_dev.ko drivers/virtio/virtio_pci_legacy_dev.ko
drivers/virtio/virtio_pci.ko drivers/block/virtio_blk.ko net/core/failover.ko
drivers/net/net_failover.ko drivers/net/virtio_net.ko lib/crc16.ko fs/mbcache.ko fs/jbd2/jbd2.ko
crypto/crc32c_generic.ko fs/ext4/ext4.ko"
dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$work/k" --wildcards ./boot \
	$(for m in $debian_mods; do echo "./lib/modules/*/kernel/$m"; done)
dpkg-deb -x "$bdeb" "$work/bb"
# The TEE client stack's packages, unpacked into one tree laid out as the
# guest's file system.
u=$work/u
mkdir -p "$u"
for p in $upkgs; do dpkg-deb -x "${udeb[$p]}" "$u"; done

# The loader wants a raw Image. Bookworm's (signed) arm64 vmlinuz already is
# one, an EFI PE file with the Image header; older kernels shipped it gzipped.
vmlinuz=$(ls "$work"/k/boot/vmlinuz-*)
if [ "$(head -c 2 "$vmlinuz" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
	gzip -dc "$vmlinuz" >"$work/Image"
else
	cp "$vmlinuz" "$work/Image"
fi
magic=$(head -c 60 "$work/Image" | tail -c 4)
[ "$magic" = "ARMd" ] || die "$vmlinuz does not hold an arm64 Image"
cp "$work"/k/boot/config-* "$work/config"

# The loader refuses a module whose vermagic is not the kernel's own.
modfiles=()
for k in "${kos[@]}"; do
	vm=$(tr '\0' '\n' <"$k" | sed -n 's/^vermagic=//p' | head -n 1)
	grep -qaF "$vm" "$work/Image" || die "$k: vermagic '$vm' is not the kernel's"
	case $(basename "$k") in # test-only modules: loaded by the tests, not by init
	tzv-test-*) modfiles+=(--file "usr/share/tzv-test/$(basename "$k")=$k:644") ;;
	*) modfiles+=(--file "lib/modules/$(basename "$k")=$k:644") ;;
	esac
done

# Debian's own modules, loaded by /init in the order of lib/modules/debian/order
: >"$work/order"
for m in $debian_mods; do
	f=$(ls "$work"/k/lib/modules/*/kernel/"$m") || die "$m missing from $kdeb"
	modfiles+=(--file "lib/modules/debian/$(basename "$m")=$f:644")
	basename "$m" >>"$work/order"
done
modfiles+=(--file "lib/modules/debian/order=$work/order:644")

# tzv-client, linked dynamically against Debian's libteec (the only form
# Debian ships), with the host's arm64 glibc (libc6-dev-arm64-cross).
cc=${cross}gcc
echo '#include <stdio.h>' | $cc -E -x c - >/dev/null 2>&1 ||
	die "$cc does not find the arm64 C library headers (libc6-dev-arm64-cross; scripts/host-deps.sh installs it)"
[ -f "$pals/tzv-pals.h" ] || die "no $pals/tzv-pals.h"
$cc -std=c11 -O2 -Wall -Wextra -Werror -I"$u/usr/include" -I"$pals" -I"$abi" \
	-pthread -o "$work/tzv-client" "$here/tzv-client/tzv-client.c" \
	-L"$u/usr/lib/aarch64-linux-gnu" -lteec
# the attested channel's relay (docs/channel.md)
$cc -std=c11 -O2 -Wall -Wextra -Werror -D_DEFAULT_SOURCE -I"$u/usr/include" -I"$pals" -I"$abi" \
	-o "$work/tzv-relay" "$here/tzv-relay/tzv-relay.c" -L"$u/usr/lib/aarch64-linux-gnu" -lteec
# tzv-vmi's process lister
$cc -std=c11 -O2 -Wall -Wextra -Werror -D_DEFAULT_SOURCE -o "$work/tzv-vmi-ps" "$here/tzv-vmi-ps.c"

# The programs, and the loader and libraries they need (readelf -d, to the
# end of the chain), at the paths the debs put them. ship adds one path of
# the unpacked tree (a link, then what it points to); needs adds the NEEDED
# libraries and the program interpreter of one ELF file.
readelf=$(command -v "${cross}readelf" || command -v readelf) || die "no readelf"
ufiles=()
shipped=" "
ship() {
	local p=$1 t
	case $shipped in *" $p "*) return 0 ;; esac
	shipped+="$p "
	if [ -L "$u/$p" ]; then
		t=$(readlink "$u/$p")
		ufiles+=(--symlink "$p=$t")
		case $t in
		/*) ship "$(realpath -ms "$t" | cut -c2-)" ;;
		*) ship "$(realpath -ms "/$(dirname "$p")/$t" | cut -c2-)" ;;
		esac
	elif [ -f "$u/$p" ]; then
		ufiles+=(--file "$p=$u/$p")
		needs "$u/$p"
	else
		die "/$p is in none of: $upkgs"
	fi
}
needs() {
	local lib d interp
	for lib in $("$readelf" -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
		for d in lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu ""; do
			[ -e "$u/$d/$lib" ] || [ -L "$u/$d/$lib" ] && break
		done
		[ -n "$d" ] || die "$(basename "$1") needs $lib, which none of $upkgs ships"
		ship "$d/$lib"
	done
	interp=$("$readelf" -l "$1" | sed -n 's/.*program interpreter: \(.*\)\]$/\1/p')
	[ -z "$interp" ] || ship "${interp#/}"
}
ship usr/sbin/tee-supplicant
ship usr/sbin/dropbear
ship usr/bin/dropbearconvert
# the SSH host key and the key allowed to log in as root ($TZV_SSH, from
# the Makefile: the host's private key, the login key's public half)
sshfiles=()
if [ -n "${TZV_SSH:-}" ]; then
	read -r -a ssh <<<"$TZV_SSH"
	[ ${#ssh[@]} = 2 ] && [ -f "${ssh[0]}" ] && [ -f "${ssh[1]}" ] ||
		die "TZV_SSH must name a host key and a public key"
	sshfiles=(--dir etc/ssh --file "etc/ssh/host_ed25519_key=${ssh[0]}:600" --dir root/.ssh:700
		--file "root/.ssh/authorized_keys=${ssh[1]}:600")
fi
ufiles+=(--file "usr/bin/tzv-client=$work/tzv-client:755")
needs "$work/tzv-client"
ufiles+=(--file "usr/bin/tzv-relay=$work/tzv-relay:755")
needs "$work/tzv-relay"
ufiles+=(--file "usr/bin/tzv-vmi-ps=$work/tzv-vmi-ps:755")
needs "$work/tzv-vmi-ps"

bb=$work/bb/bin/busybox
[ -x "$bb" ] || die "no bin/busybox in $bdeb"
# Applet links: ask busybox itself when qemu-user can run it; otherwise (the
# usual case, as host-deps.sh does not install qemu-user) a fixed list of what
# the guest's shell and tests use, all in /bin. Parsing the applet table out
# of the binary would work without qemu but depends on busybox internals.
qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)
links=()
if [ -n "$qemu" ] && list=$("$qemu" "$bb" --list-full 2>/dev/null) && [ -n "$list" ]; then
	while read -r a; do
		[ "$a" = bin/busybox ] || links+=(--symlink "$a=/bin/busybox")
	done <<<"$list"
else
	for a in sh ash ls cat echo mount umount mkdir mknod poweroff reboot halt \
		sleep free nproc devmem dmesg grep uname ps kill head tail wc sed awk \
		cut tr sync true false test '[' printf date uptime insmod modprobe lsmod \
		rmmod hexdump od dd seq chmod ln rm cp mv env setsid cttyhack find \
		xargs md5sum sha256sum ip ifconfig hostname id whoami top watch time \
		timeout udhcpc route nc ping mountpoint; do
		links+=(--symlink "bin/$a=/bin/busybox")
	done
	links+=(--symlink "sbin/init=/bin/busybox")
fi

$py "$mkcpio" "$work/initramfs.cpio" --dir dev --dir proc --dir sys \
	--dir tmp:1777 --dir root:700 --dir etc --dir bin --dir sbin \
	--dir usr/bin --dir usr/sbin --dir lib/modules --dir lib/modules/debian --dir lib/optee_armtz \
	--dir usr/share --dir usr/share/tzv-test \
	--nod dev/console:c:5:1:600 --nod dev/null:c:1:3:666 \
	--file "bin/busybox=$bb:755" --file "init=$here/init:755" \
	--file "etc/inittab=$here/inittab:644" --file "etc/profile=$here/profile:644" \
	--file "etc/passwd=$here/passwd:644" --dir usr/share/udhcpc \
	--file "usr/bin/tzv-vmi=$here/tzv-vmi:755" \
	--file "usr/share/udhcpc/default.script=$here/udhcpc.script:755" \
	"${sshfiles[@]}" "${links[@]}" "${modfiles[@]}" "${ufiles[@]}" "${tafiles[@]}"
gzip -9n "$work/initramfs.cpio"

echo "$version" >"$work/VERSION"
echo "$extra_files" >"$work/FILES"
mv -f "$work/Image" "$work/config" "$work/initramfs.cpio.gz" "$work/VERSION" "$work/FILES" "$out/"
rm -rf "$work"
echo "guest: kernel $kpkg $kver"
