#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds ktun for Debian's 6.12 kernel and boots that kernel in QEMU (TCG)
# with a fresh initramfs:   vm.sh check|demo|shell
#   vm.sh bench [--quick]   (make bench: -icount, see bench/run.sh)
# The serial console is echoed and kept in build/vm/MODE.log.
# KTUN_KERNEL=debug boots the debug kernel instead (scripts/kdebug.sh,
# built on first use): KASAN, lockdep, kmemleak, UBSAN, panic_on_warn;
# its log is build/vm/MODE-debug.log.
set -euo pipefail

mode=${1:?usage: vm.sh check|demo|shell|bench}
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
krel=$("$top/scripts/deps.sh")
kdir=/lib/modules/$krel/build
image=/boot/vmlinuz-$krel
modroot=/
log=$build/vm/$mode.log
mem=2048
debug_append=
limit=${KTUN_VM_TIMEOUT:-2400}
if [ "${KTUN_KERNEL:-}" = debug ]; then
	eval "$("$top/scripts/kdebug.sh")"
	krel=$KREL kdir=$KDIR image=$IMAGE modroot=$MODROOT
	log=$build/vm/$mode-debug.log
	# KASAN's shadow and kmemleak's pool need room; everything is slower.
	mem=4096
	debug_append="ktundebug panic_on_warn=1"
	limit=${KTUN_VM_TIMEOUT:-7200}
	: "${KTUN_TEST_LIMIT:=1800}"
fi
mkdir -p "$build/vm"

make -s -C "$top" KDIR="$kdir" BUILD="$build" module userspace selftests >&2
MODROOT=$modroot "$top/scripts/mkinitramfs.sh" "$krel" "$build/vm/initramfs.cpio"

# qemu64 plus the extensions kernel crypto uses; "-cpu max" is ~3x slower
# under TCG (see Documentation/testing.md).  One TCG thread for both vCPUs:
# with multi-threaded TCG a vCPU can run stale code across the kernel's
# text patching (int3 oopses seen when the module enabled its tracepoint).
cpu=qemu64,+ssse3,+sse4.1,+sse4.2,+aes,+pclmulqdq,+popcnt
append="console=ttyS0 quiet panic=-1 log_buf_len=8M ktunvm=$mode $debug_append"
# A subset of the VM tests: KTUN_TESTS="policy_nl lifecycle.sh".
[ -n "${KTUN_TESTS:-}" ] && append="$append ktuntests=$(tr ' ' , <<<"$KTUN_TESTS")"
[ -n "${KTUN_TRACE:-}" ] && append="$append ktuntrace"
[ -n "${KTUN_TEST_LIMIT:-}" ] && append="$append ktunlimit=$KTUN_TEST_LIMIT"
# rds_life.sh's rounds of both hosts connecting at once (testing.md).
[ -n "${KTUN_RDS_ROUNDS:-}" ] && append="$append ktunrdsrounds=$KTUN_RDS_ROUNDS"
serial=stdio
[ "$mode" = shell ] && serial=mon:stdio
# The benchmark counts instructions, not host time: with -icount the
# guest clock advances one nanosecond per instruction (shift=0), and
# when every vCPU idles it jumps to the next timer (sleep=off), so the
# figures depend neither on the host's load nor on its speed.
icount=
if [ "$mode" = bench ]; then
	icount="-icount shift=0,sleep=off"
	# Without CMPXCHG16B: SLUB then takes its locked path.  A full run
	# under -icount died of a double fault just after SLUB's cmpxchg16b,
	# with a garbage EFLAGS in the frame (the emulator's fault, not the
	# guest's), after two data errors earlier in the same boot, one of
	# them on plain TCP (2026-12-06; QEMU 7.2, Debian 12).
	cpu="$cpu,-cx16"
	[ "${2:-}" = --quick ] && append="$append ktunbench=quick"
	append="$append ${KTUN_VM_APPEND:-}"
	limit=${KTUN_VM_TIMEOUT:-5400}
fi

set +e
timeout --foreground "$limit" qemu-system-x86_64 -nodefaults -no-reboot \
	-machine q35 -accel tcg,thread=single -cpu "$cpu" -smp 2 -m "$mem" \
	-display none -serial "$serial" $icount \
	-kernel "$image" -initrd "$build/vm/initramfs.cpio" \
	-append "$append" | tee "$log"
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" = 124 ]; then
	echo "KTUN-VM: timed out after $limit s" | tee -a "$log"
fi
grep -q '^KTUN-VM: done' "$log"
