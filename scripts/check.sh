#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: host-side static checks, then every selftest in the VM, then
# the guest kernel log.  Prints one TAP stream and ends with the line
# "N passed, N failed" (", N skipped" when any were).  Exit 0 only if
# nothing failed.
#   check.sh [--static-only | --debug]
# --debug (make check-debug): no static checks; the VM boots the debug
# kernel (scripts/kdebug.sh), and kmemleak must find nothing at the end.
set -uo pipefail
mode=${1:-}

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
ksrc=${KSRC:-/usr/src/linux-source-6.12}
mkdir -p "$build"
n=0 pass=0 fail=0 skip=0

result() {	# result ok|fail DESC [DETAIL-FILE]
	n=$((n + 1))
	if [ "$1" = ok ]; then
		pass=$((pass + 1))
		echo "ok $n $2"
	else
		fail=$((fail + 1))
		echo "not ok $n $2"
		[ -n "${3:-}" ] && sed 's/^/# /' "$3" | head -n 40
	fi
}

krel=$("$top/scripts/deps.sh") || { echo "not ok 1 dependencies"; echo "0 passed, 1 failed"; exit 1; }
kdir=/lib/modules/$krel/build

static_checks() {
	# 1. The generated netlink code follows the spec.
	if "$top/scripts/ynl-gen.sh" --check >"$build/ynl.out" 2>&1; then
		result ok "static: netlink code and uapi header follow the YNL spec"
	else
		result fail "static: netlink code and uapi header follow the YNL spec" "$build/ynl.out"
	fi

	# 2. The module builds with W=1 and sparse, without a single warning.
	rm -f "$top"/module/*.o "$top"/ktun.ko	# recompile all, so sparse sees every file
	if make -s -C "$kdir" M="$top" W=1 C=1 modules >"$build/kbuild.out" 2>&1 &&
	   ! grep -Eq 'warning|error' "$build/kbuild.out"; then
		result ok "static: module builds with W=1 C=1 (sparse) without warnings"
	else
		result fail "static: module builds with W=1 C=1 (sparse) without warnings" "$build/kbuild.out"
	fi

	# 3. checkpatch --strict on every hand-written kernel file.
	if make -s -C "$top" checkpatch >"$build/checkpatch.out" 2>&1 &&
	   ! grep -Eq 'ERROR|WARNING|CHECK' "$build/checkpatch.out"; then
		result ok "static: checkpatch --strict clean"
	else
		result fail "static: checkpatch --strict clean" "$build/checkpatch.out"
	fi

	# 4. User space builds without warnings.
	if make -s -C "$top" KDIR="$kdir" -B userspace selftests >"$build/user.out" 2>&1 &&
	   ! grep -Eq 'warning|error' "$build/user.out"; then
		result ok "static: user space builds with -Wall -Wextra without warnings"
	else
		result fail "static: user space builds with -Wall -Wextra without warnings" "$build/user.out"
	fi

	# 5. Host unit tests: the message codec ktun, ktund and the tests share.
	if make -s -C "$top" KDIR="$kdir" "$build/host/msg_codec" >"$build/unit.out" 2>&1 &&
	   "$build/host/msg_codec" >>"$build/unit.out" 2>&1; then
		result ok "static: message codec unit test (selftests/msg_codec.c)"
	else
		result fail "static: message codec unit test (selftests/msg_codec.c)" "$build/unit.out"
	fi
	# ... and session resumption in ktund's TLS engine, with the tests' PKI.
	if make -s -C "$top" KDIR="$kdir" "$build/host/tls_resume" userspace >"$build/resume.out" 2>&1 &&
	   "$top/scripts/mkpki.sh" "$top/userspace/ktun-pki/ktun-pki" "$build/host/pki" >>"$build/resume.out" 2>&1 &&
	   "$build/host/tls_resume" "$build/host/pki" >>"$build/resume.out" 2>&1; then
		result ok "static: TLS engine resumes sessions, only for accepted peers (selftests/tls_resume.c)"
	else
		result fail "static: TLS engine resumes sessions, only for accepted peers (selftests/tls_resume.c)" "$build/resume.out"
	fi
	# ... ktund's workers, and the engine on 4 threads sharing one
	# configuration, both under ThreadSanitizer: a race fails the test.
	if make -s -C "$top" KDIR="$kdir" "$build/host/workers-tsan" >"$build/workers.out" 2>&1 &&
	   "$build/host/workers-tsan" >>"$build/workers.out" 2>&1; then
		result ok "static: ktund's workers: one per handshake, in order; resync, sweep, stop (selftests/workers.c, TSan)"
	else
		result fail "static: ktund's workers: one per handshake, in order; resync, sweep, stop (selftests/workers.c, TSan)" "$build/workers.out"
	fi
	if make -s -C "$top" KDIR="$kdir" "$build/host/tls_threads-tsan" >"$build/threads.out" 2>&1 &&
	   "$build/host/tls_threads-tsan" "$build/host/pki" >>"$build/threads.out" 2>&1; then
		result ok "static: TLS engine on 4 threads, one configuration, no race (selftests/tls_threads.c, TSan)"
	else
		result fail "static: TLS engine on 4 threads, one configuration, no race (selftests/tls_threads.c, TSan)" "$build/threads.out"
	fi

	# 6. The module's layering: no two files call each other (but one
	# documented pair).
	if python3 "$top/scripts/layering.py" "$top/module" >"$build/layering.out" 2>&1; then
		result ok "static: module files call down only (design.md's layering)"
	else
		result fail "static: module files call down only (design.md's layering)" "$build/layering.out"
	fi
}

[ "$mode" = --debug ] || static_checks

if [ "$mode" != --static-only ]; then
	log=$build/vm/check.log
	if [ "$mode" = --debug ]; then
		log=$build/vm/check-debug.log
		export KTUN_KERNEL=debug
	fi
	rm -f "$log"
	"$top/scripts/vm.sh" check >"$build/vm.out" 2>&1
	# Guest results: top-level TAP lines only (program output is "#").
	while read -r line; do
		case $line in
		"not ok "*) result fail "vm: $(cut -d' ' -f4- <<<"$line")" ;;
		"ok "*"# SKIP"*) n=$((n + 1)) skip=$((skip + 1)); echo "ok $n vm: $(cut -d' ' -f3- <<<"$line")" ;;
		"ok "*) result ok "vm: $(cut -d' ' -f3- <<<"$line")" ;;
		esac
	done < <(grep -aE '^(ok|not ok) [0-9]+ ' "$log" 2>/dev/null)

	if grep -aq '^KTUN-VM: done' "$log" 2>/dev/null; then
		result ok "vm: guest ran to the end"
	else
		tail -n 12 "$build/vm.out" >"$build/vm.tail"
		result fail "vm: guest ran to the end (see $log)" "$build/vm.tail"
	fi
	# The kernel log must hold no oops, WARN, BUG, hung task, lockdep or
	# sanitizer report, nor ktun's own leak warning.  Reports, not names:
	# the debug kernel's boot banners say "lockdep" and "kmemleak".
	bad='(WARNING:|BUG:|Oops|general protection|Call Trace|INFO: task .* blocked|possible (recursive|circular) locking|inconsistent lock state|suspicious RCU usage|bad unlock balance|lock held when returning|UBSAN|KASAN:|suspected memory leak|ktun: leaked|Kernel panic|soft lockup|hard LOCKUP|refcount_t|corruption)'
	sed -n '/^KTUN-VM: dmesg begin/,/^KTUN-VM: dmesg end/p' "$log" 2>/dev/null |
		grep -aE "$bad" >"$build/dmesg.bad"
	# A guest that died never printed its log: show the start of the
	# first report from the console instead (CI keeps only the output's
	# tail, and the tail of a panic is the least telling part of it).
	if ! grep -aq '^KTUN-VM: dmesg end' "$log" 2>/dev/null; then
		awk -v re="$bad" '!n && /^\[ *[0-9]+\.[0-9]+\]/ && $0 ~ re { n = 1; print prev } n && n++ <= 32 { print } { prev = $0 }' \
			"$build/vm.out" >"$build/dmesg.bad"
	fi
	if [ -s "$build/dmesg.bad" ] || ! grep -aq '^KTUN-VM: dmesg end' "$log" 2>/dev/null; then
		result fail "vm: guest kernel log clean (no oops/WARN/BUG/hung task/lockdep)" "$build/dmesg.bad"
	else
		result ok "vm: guest kernel log clean (no oops/WARN/BUG/hung task/lockdep)"
	fi
	if [ "$mode" = --debug ]; then
		sed -n '/^KTUN-VM: kmemleak begin/,/^KTUN-VM: kmemleak end/p' "$log" |
			grep -a -A 12 'unreferenced object' >"$build/kmemleak.bad"
		if [ -s "$build/kmemleak.bad" ] || ! grep -aq '^KTUN-VM: kmemleak end' "$log"; then
			result fail "vm: kmemleak finds nothing left unreferenced" "$build/kmemleak.bad"
		else
			result ok "vm: kmemleak finds nothing left unreferenced"
		fi
	fi
fi

echo "1..$n"
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" = 0 ]
