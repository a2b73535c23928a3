#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Assembles the test VM's initramfs from the host's Debian binaries:
#   mkinitramfs.sh KREL OUT.cpio
# bash and busybox for the shell, real iproute2/kmod/jq/... with their
# shared libraries, the ktun module and programs, the selftests, and the
# Debian kernel modules the tests need (with their dependencies).
set -euo pipefail

krel=$1
out=$2
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
stage=$build/initramfs

# Real programs; busybox fills in the rest of a userland.
BINS="bash ip modprobe kmod setpriv unshare jq timeout sysctl openssl cmp sha256sum
      socat tcpdump iperf3 nstat gnutls-cli gnutls-serv stunnel4 wg"
# Kernel modules the tests load, with their dependencies: one list,
# shared with the debug kernel's build (scripts/kdebug.sh).  MODROOT is
# where their tree is (/ for Debian's kernel).
MODS=$(sed 's/#.*//' "$top/selftests/vm/modules")
modroot=${MODROOT:-/}

rm -rf "$stage"
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,proc,sys,dev,run,tmp,root,etc}
mkdir -p "$stage/lib/modules/$krel/extra"

copy_file() {
	local src=$1
	[ -e "$stage$src" ] && return 0
	mkdir -p "$stage$(dirname "$src")"
	cp -L "$src" "$stage$src"
}

# Every shared library a binary loads, at the same paths.
copy_libs() {
	local lib
	for lib in $(ldd "$1" 2>/dev/null | grep -Eo '/[^ ]+' || true); do
		copy_file "$lib"
	done
}

copy_bin() {
	copy_file "$1"
	copy_libs "$1"
}

for b in $BINS; do
	path=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v "$b") ||
		{ echo "mkinitramfs: $b not found; run 'make deps'" >&2; exit 1; }
	real=$(readlink -f "$path")
	copy_bin "$real"
	[ "$real" = "/usr/sbin/$b" ] || ln -sf "$real" "$stage/usr/sbin/$b"
done
# glibc opens libgcc_s itself (no ldd line) when a thread exits or is
# cancelled, as stunnel's do; without it the process aborts.
copy_file "$(gcc -print-file-name=libgcc_s.so.1 | xargs readlink -f)"
# kmod is one binary with many names.
# /sbin/modprobe is where the kernel looks when it autoloads a module
# (veth for "ip link add", crypto templates for tls).
for t in insmod rmmod lsmod depmod modprobe modinfo; do
	ln -sf "$(readlink -f "$(command -v kmod)")" "$stage/usr/sbin/$t"
done
ln -sf /usr/sbin/modprobe "$stage/sbin/modprobe"

cp /bin/busybox "$stage/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ -e "$stage/usr/sbin/$applet" ] || [ -e "$stage/bin/$applet" ] ||
		ln -s busybox "$stage/bin/$applet"
done
ln -sf bash "$stage/bin/sh" 2>/dev/null || true
[ -e "$stage/bin/bash" ] || ln -sf "$(readlink -f "$(command -v bash)")" "$stage/bin/bash"
echo "root:x:0:0:root:/root:/bin/bash" >"$stage/etc/passwd"
echo "nobody:x:65534:65534:nobody:/nonexistent:/bin/false" >>"$stage/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$stage/etc/group"

# ktun itself.
cp "$top/ktun.ko" "$stage/lib/modules/$krel/extra/"
cp "$top/userspace/ktun/ktun" "$top/userspace/ktund/ktund" \
   "$top/userspace/ktun-pki/ktun-pki" "$stage/usr/sbin/"
mkdir -p "$stage/selftests/vm"
cp "$top"/selftests/*.sh "$build"/selftests/* "$stage/selftests/"
cp "$top"/selftests/vm/*.sh "$stage/selftests/vm/"
cp "$top/selftests/kmod/ktun_kclient.ko" "$stage/selftests/"
mkdir -p "$stage/bench"
cp "$top/bench/run.sh" "$build/bench/netbench" "$build/bench/hs_engine" "$stage/bench/"
for f in "$top/userspace/ktun/ktun" "$top/userspace/ktund/ktund" \
	 "$top/userspace/ktun-pki/ktun-pki" "$build"/selftests/* "$build/bench/netbench" "$build/bench/hs_engine"; do
	copy_libs "$f"
done
cp "$top/selftests/vm/init" "$stage/init"
mkdir -p "$stage/usr/lib/ssl" && cp /usr/lib/ssl/openssl.cnf "$stage/usr/lib/ssl/"

# Test certificates, made with ktun-pki itself.
"$top/scripts/mkpki.sh" "$top/userspace/ktun-pki/ktun-pki" "$stage/selftests/pki"

# Debian kernel modules, found through the host's modprobe for @krel.
for m in $MODS; do
	modprobe -d "$modroot" -S "$krel" --show-depends "$m" |
	awk '$1 == "insmod" { print $2 }' |
	while read -r ko; do
		rel=${ko#"${modroot%/}"}
		mkdir -p "$stage$(dirname "$rel")"
		[ -e "$stage$rel" ] || cp -L "$ko" "$stage$rel"
	done
done
cp "${modroot%/}/lib/modules/$krel"/modules.{order,builtin,builtin.modinfo} \
	"$stage/lib/modules/$krel/" 2>/dev/null || true
depmod -b "$stage" "$krel"

(cd "$stage" && find . | cpio -o -H newc --quiet) >"$out"
