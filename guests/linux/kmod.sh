#!/usr/bin/env bash
# Build out-of-tree kernel modules for the Linux guest's Debian kernel, with
# Debian's own headers and kbuild tools: OUTDIR/modules/*.ko.
#
# Usage: guests/linux/kmod.sh OUTDIR MODSRC...
# Each MODSRC is a module folder with a Kbuild file. The kernel is the one
# build.sh picked: $TZV_KERNEL ("linux-image-ABI-arm64 VERSION") or else the
# first field of OUTDIR/VERSION. At that exact Debian version, it fetches
#   linux-headers-ABI-arm64 (arm64), linux-headers-ABI-common (all) and
#   linux-kbuild-X.Y (the host's architecture: fixdep, modpost, ...)
# with `apt-get download` into $TZV_CACHE (default OUTDIR/../cache/debs),
# unpacks them into OUTDIR/kheaders and builds each folder from a copy in
# OUTDIR/kmod/NAME (so no objects land in the source tree) with the cross
# compiler of the kernel's gcc major. With the debs cached it needs no
# network, and modules newer than their sources and the debs are not rebuilt.
set -eu

[ $# -ge 2 ] || { echo "usage: $0 OUTDIR MODSRC..." >&2; exit 2; }
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
mkdir -p "$1"
out=$(cd "$1" && pwd)
shift
cache=${TZV_CACHE:-$out/../cache/debs}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
cross=${CROSS_COMPILE:-aarch64-linux-gnu-}

say() { echo "kmod: $*" >&2; }
die() { say "error: $*"; exit 1; }

kernel=${TZV_KERNEL:-}
if [ -z "$kernel" ] && [ -s "$out/VERSION" ]; then
	kernel=$(cut -d';' -f1 "$out/VERSION")
fi
kpkg=${kernel%% *}
kver=${kernel#"$kpkg"}
kver=${kver# }
abi=${kpkg#linux-image-}
abi=${abi%-arm64}
[ -n "$kver" ] && [ "linux-image-$abi-arm64" = "$kpkg" ] ||
	die "no kernel 'linux-image-ABI-arm64 VERSION' in \$TZV_KERNEL or $out/VERSION (run build.sh)"
krel=$abi-arm64                                  # 6.1.0-56-arm64
kbuild=linux-kbuild-$(echo "$kver" | cut -d. -f1,2) # linux-kbuild-6.1
harch=$(dpkg --print-architecture)

# The cached deb of package $1, architecture $2, at version $kver.
cached() {
	local f
	for f in "$cache/$1"_*_"$2".deb; do
		[ -f "$f" ] && [ "$(dpkg-deb -f "$f" Version)" = "$kver" ] && { echo "$f"; return 0; }
	done
	return 1
}

# Download what is missing, refreshing the apt lists once if that fails.
pkgs=("linux-headers-$krel:arm64" "linux-headers-$abi-common:all" "$kbuild:$harch")
missing=()
for p in "${pkgs[@]}"; do
	cached "${p%:*}" "${p##*:}" >/dev/null || missing+=("${p%:all}=$kver")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "downloading ${missing[*]}"
	dl() { (cd "$cache" && apt-get download -q -o APT::Sandbox::User="$(id -un)" "${missing[@]}" >&2); }
	dl || { say "refreshing apt lists (apt-get update)"; apt-get update -q >&2 && dl; } ||
		die "cannot download ${missing[*]} (dpkg --add-architecture arm64? network?)"
fi
debs=()
for p in "${pkgs[@]}"; do
	d=$(cached "${p%:*}" "${p##*:}") || die "no ${p%:*} $kver in $cache"
	debs+=("$d")
done

# Unpack the three debs into one tree, where the headers' relative symlinks
# (scripts, tools -> ../../lib/linux-kbuild-X.Y/...) resolve, unless the
# tree already holds exactly these debs.
kh=$out/kheaders
kdir=$kh/usr/src/linux-headers-$krel
stamp=$(for d in "${debs[@]}"; do basename "$d"; done)
if [ "$(cat "$kh/.debs" 2>/dev/null)" != "$stamp" ]; then
	say "unpacking headers for $krel ($kver)"
	rm -rf "$kh"
	mkdir -p "$kh"
	for d in "${debs[@]}"; do dpkg-deb -x "$d" "$kh"; done
	# The flavour's Makefile includes the common one by absolute path
	# (/usr/src/...): make it relative to itself.
	sed -i "s|^include /usr/src/\(linux-headers-[^/]*\)/Makefile$|include \$(dir \$(lastword \$(MAKEFILE_LIST)))../\1/Makefile|" \
		"$kdir/Makefile"
	grep -q '^include \$(dir' "$kdir/Makefile" || die "unexpected $kdir/Makefile"
	# and /lib/modules/REL/{build,source} point to /usr/src: make them relative
	for l in "$kh/lib/modules/$krel"/*; do
		[ -L "$l" ] || continue
		t=$(readlink "$l")
		case $t in /usr/src/*) ln -sfn "../../../${t#/}" "$l" ;; esac
	done
	broken=$(find "$kh" -xtype l)
	[ -z "$broken" ] || die "dangling symlinks in $kh: $broken"
	echo "$stamp" >"$kh/.debs"
fi
[ -x "$kdir/scripts/basic/fixdep" ] && [ -x "$kdir/scripts/mod/modpost" ] ||
	die "$kdir/scripts has no kbuild tools"

# The compiler: the cross gcc of the kernel's major version (Debian's CC is
# gcc-MAJOR), under that name or, if it is that major, the plain one.
cfg=$kdir/.config
major=$(sed -n 's/^CONFIG_GCC_VERSION=\([0-9]*\)[0-9][0-9][0-9][0-9]$/\1/p' "$cfg")
[ -n "$major" ] || die "the kernel was not built with gcc ($cfg)"
cc=$(command -v "${cross}gcc-$major" || true)
if [ -z "$cc" ] && [ "$("${cross}gcc" -dumpversion 2>/dev/null | cut -d. -f1)" = "$major" ]; then
	cc=$(command -v "${cross}gcc")
fi
[ -n "$cc" ] || die "no ${cross}gcc-$major (the kernel was built by gcc $major)"

# What the kernel's loader compares (include/linux/vermagic.h for arm64).
uts=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$kdir/include/generated/utsrelease.h")
[ "$uts" = "$krel" ] || die "headers are for '$uts', not $krel"
vermagic=$uts
has() { grep -qx "CONFIG_$1=y" "$cfg"; }
has SMP && vermagic+=" SMP"
has PREEMPT_BUILD && vermagic+=" preempt"
has PREEMPT_RT && vermagic+=" preempt_rt"
has MODULE_UNLOAD && vermagic+=" mod_unload"
has MODVERSIONS && vermagic+=" modversions"
vermagic+=" aarch64"

modinfo() {
	"${cross}objcopy" -O binary --only-section=.modinfo "$1" "$1.modinfo" &&
		tr '\0' '\n' <"$1.modinfo" && rm -f "$1.modinfo"
}

mkdir -p "$out/modules" "$out/kmod"
keep=()
built=()
for src in "$@"; do
	src=$(cd "$src" && pwd)
	name=$(basename "$src")
	[ -f "$src/Kbuild" ] || die "$src has no Kbuild file"
	b=$out/kmod/$name

	# Up to date: every module of this folder is newer than its sources,
	# the debs and this script.
	kos=()
	for k in "$b"/*.ko; do [ -f "$k" ] && kos+=("$(basename "$k")"); done
	fresh=$((${#kos[@]} > 0))
	for k in "${kos[@]}"; do
		while IFS= read -r f; do
			[ "$out/modules/$k" -nt "$f" ] || { fresh=0; break; }
		done < <(find "$src" -type f; printf '%s\n' "${debs[@]}" "$self")
	done
	if [ $fresh = 0 ]; then
		rm -rf "$b"
		mkdir -p "$b"
		cp -pR "$src"/. "$b"/
		# The prefix map keeps OUTDIR out of the debug info, so that the
		# build id, and the module, do not depend on where it was built.
		# Without a vmlinux there is no BTF for modules: drop that notice.
		make -s -C "$kdir" ARCH=arm64 CROSS_COMPILE="$cross" CC="$cc" M="$b" \
			KCFLAGS="-ffile-prefix-map=$out/=" -j"$(nproc)" modules 2>&1 |
			{ grep -v '^Skipping BTF generation' >&2 || true; }
		[ "${PIPESTATUS[0]}" = 0 ] || die "building $name failed"
		kos=()
		for k in "$b"/*.ko; do [ -f "$k" ] && kos+=("$(basename "$k")"); done
		[ ${#kos[@]} -gt 0 ] || die "building $name gave no .ko"
		for k in "${kos[@]}"; do
			got=$(modinfo "$b/$k" | sed -n 's/^vermagic=//p')
			[ "$got" = "$vermagic" ] || die "$k: vermagic '$got', want '$vermagic'"
			# as Debian installs its modules: without debug info
			"${cross}strip" --strip-debug -o "$out/modules/$k" "$b/$k"
			built+=("$k")
		done
	fi
	keep+=("${kos[@]}")
done

# Drop modules whose source folder is gone.
for k in "$out"/modules/*.ko; do
	[ -f "$k" ] || continue
	case " ${keep[*]} " in *" $(basename "$k") "*) ;; *) rm -f "$k" ;; esac
done

if [ ${#built[@]} -gt 0 ]; then
	echo "kmod: built ${built[*]} for $krel ($vermagic)"
else
	echo "kmod: ${keep[*]} for $krel (up to date)"
fi
