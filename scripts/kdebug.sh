#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The debug kernel of "make check-debug": Debian's linux-source-6.12 with
# Debian's config, trimmed by localmodconfig to the modules the VM loads
# (selftests/vm/modules), plus selftests/vm/debug.config (KASAN, lockdep,
# kmemleak, UBSAN, debug objects, fault injection).  Built once and kept
# under $BUILD/kdebug/KEY, where KEY hashes everything that goes into it.
#   kdebug.sh        build if needed; print KREL, KDIR, IMAGE, MODROOT
#                    as shell assignments on stdout (progress on stderr)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
krel_deb=$("$top/scripts/deps.sh")
tarball=$(ls /usr/src/linux-source-6.12.tar.* | head -n 1)
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
base=/boot/config-$krel_deb
frag=$top/selftests/vm/debug.config
mods=$top/selftests/vm/modules

# The key: what the kernel is built from (a change to this script's
# steps that changes the result must change one of them, or the cache).
key=$( { echo "$srcver"; sha256sum "$base" "$frag" "$mods" | cut -d' ' -f1; } |
	sha256sum | cut -c1-12)
dir=$build/kdebug/$key
obj=$dir/obj
src=$build/kdebug/src-${srcver//[~+:]/_}

emit() {
	echo "KREL=$(cat "$dir/krel")"
	echo "KDIR=$obj"
	echo "IMAGE=$obj/arch/x86/boot/bzImage"
	echo "MODROOT=$dir/mods"
}

if [ -f "$dir/done" ]; then
	emit
	exit 0
fi

log() { echo "kdebug: $*" >&2; }

if [ ! -f "$src/Makefile" ]; then
	log "unpacking $tarball"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xf "$tarball" -C "$src.tmp"
	mv "$src.tmp/linux-source-6.12" "$src"
	rmdir "$src.tmp"
fi

rm -rf "$dir"
mkdir -p "$obj"
start=$(date +%s)

# The modules to keep, with their dependencies as Debian builds them, in
# lsmod's format (what localmodconfig reads).
{
	echo "Module Size Used by"
	for m in $(sed 's/#.*//' "$mods"); do
		modprobe -S "$krel_deb" --show-depends "$m" |
			awk '$1 == "insmod" { print $2 }'
	done | xargs -n 1 basename | sed 's/\.ko.*//; s/-/_/g' | sort -u |
		sed 's/$/ 16384 0/'
} >"$dir/lsmod"

# New options take their defaults (localmodconfig asks; nobody answers).
cp "$base" "$obj/.config"
{
	make -s -C "$src" O="$obj" olddefconfig &&
	make -s -C "$src" O="$obj" LSMOD="$dir/lsmod" localmodconfig </dev/null &&
	(cd "$src" && scripts/kconfig/merge_config.sh -Q -O "$obj" -m "$obj/.config" "$frag") &&
	make -s -C "$src" O="$obj" olddefconfig
} >"$dir/config.log" 2>&1 || { tail -n 20 "$dir/config.log" >&2; exit 1; }

# Every option asked for must have survived olddefconfig's dependencies:
# a debug run on a kernel without its checks would prove nothing.
missing=0
while read -r line; do
	case $line in
	CONFIG_*=*) grep -qxF "$line" "$obj/.config" || { log "not set: $line"; missing=1; } ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		! grep -q "^$opt=" "$obj/.config" || { log "still set: $opt"; missing=1; } ;;
	esac
done <"$frag"
[ "$missing" = 0 ] || { log "config incomplete"; exit 1; }

log "building $(make -s -C "$src" O="$obj" kernelrelease) ($(nproc) jobs)"
make -s -C "$src" O="$obj" -j"$(nproc)" bzImage modules >"$dir/build.log" 2>&1 ||
	{ tail -n 40 "$dir/build.log" >&2; exit 1; }
make -s -C "$src" O="$obj" INSTALL_MOD_PATH="$dir/mods" INSTALL_MOD_STRIP=1 \
	modules_install >>"$dir/build.log" 2>&1
make -s -C "$src" O="$obj" kernelrelease >"$dir/krel"
for m in $(sed 's/#.*//' "$mods"); do
	modprobe -d "$dir/mods" -S "$(cat "$dir/krel")" --show-depends "$m" >/dev/null ||
		{ log "module $m was not built"; exit 1; }
done
log "built in $(( $(date +%s) - start )) s"
touch "$dir/done"
emit
