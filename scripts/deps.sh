#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything a fresh Debian 12 machine needs to build ktun and run
# its VM tests and demo.  Idempotent: exits quickly when all is present.
# Needs root (apt-get).  Prints the chosen kernel release on the last line.
set -euo pipefail

PKGS="build-essential bc flex bison libelf-dev libssl-dev kmod cpio
sparse python3 python3-yaml
qemu-system-x86 busybox-static iproute2
libmbedtls-dev libmnl-dev pkg-config
openssl socat tcpdump iperf3 jq procps xz-utils zstd gnutls-bin
stunnel4 wireguard-tools gnuplot-nox"

# Newest Debian generic -amd64 6.12 flavour (never -rt- or -cloud-).
pick_krel() {
	apt-cache pkgnames linux-image-6.12 2>/dev/null |
		sed -n 's/^linux-image-\(6\.12\.[0-9]*+deb12-amd64\)-unsigned$/\1/p' |
		sort -V | tail -n 1
}

have_all() {
	local krel=$1 p
	[ -n "$krel" ] || return 1
	for p in $PKGS linux-image-"$krel"-unsigned linux-headers-"$krel" \
		 linux-source-6.12; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || return 1
	done
}

# Prefer a kernel that is already installed so repeated runs are stable.
krel=$(ls -d /lib/modules/6.12.*+deb12-amd64/kernel 2>/dev/null |
	sed 's|/lib/modules/||; s|/kernel||' | sort -V | tail -n 1 || true)
if have_all "$krel"; then
	echo "$krel"
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages and not root; run 'sudo make deps'" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
krel=$(pick_krel)
if [ -z "$krel" ]; then
	echo "deps: no linux-image-6.12.*-amd64-unsigned in apt sources" >&2
	exit 1
fi
# --no-install-recommends: recommends pull extra kernel flavours (PREEMPT_RT).
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $PKGS \
	linux-image-"$krel"-unsigned linux-headers-"$krel" linux-source-6.12 >&2

# The kernel source ships as a tarball; unpack the bits the build uses
# (checkpatch, kselftest harness, ynl generator) once.
src=/usr/src/linux-source-6.12
if [ ! -f "$src/scripts/checkpatch.pl" ]; then
	tarball=$(ls /usr/src/linux-source-6.12.tar.* | head -n 1)
	mkdir -p "$src"
	tar -xf "$tarball" -C /usr/src \
		linux-source-6.12/scripts linux-source-6.12/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.12/tools/testing/selftests/kselftest.h \
		linux-source-6.12/tools/net/ynl linux-source-6.12/Documentation/netlink \
		linux-source-6.12/MAINTAINERS >&2
fi
echo "$krel"
