#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs every selftest inside the VM and re-emits their results as one TAP
# stream: "ok N program: test" (a skip keeps its "# SKIP" directive).  A program's own output is kept as "#"
# lines.  A program that exits non-zero without reporting a failure, or
# reports fewer results than it planned, counts as one more failure.
cd /selftests || exit 1
TESTS=${KTUN_TESTS:-"policy_nl policy_cli.sh nl_fuzz tls_interop.sh lifecycle.sh ktund_cli.sh e2e.sh resume.sh ktls_interop.sh close.sh gate.sh failclosed.sh kernel_owner.sh refuse.sh listener.sh tfo.sh mptcp.sh rds.sh rds_fail.sh rds_fin.sh rds_life.sh policy_change.sh kcm.sh concurrent.sh live.sh bench_quick.sh"}
LIMIT=${KTUN_TEST_LIMIT:-600}	# seconds per test program
n=0

# Shortly before a test program hits LIMIT, records where every process
# waits (and, via sysrq, blocked tasks in the kernel log), so that a hang
# can be diagnosed from the log alone.
watchdog() {
	local p cmd
	sleep $((LIMIT - 10))
	echo "watchdog: $1 still running after $((LIMIT - 10)) s"
	for p in /proc/[0-9]*; do
		cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)
		[ -n "$cmd" ] || continue	# kernel threads
		echo "watchdog: pid ${p#/proc/} $cmd(wchan $(cat "$p/wchan"))"
		sed 's/^/watchdog:     /' "$p/stack" 2>/dev/null
	done
	echo w >/proc/sysrq-trigger
}

emit() {
	n=$((n + 1))
	echo "$1 $n $2"
}

for t in $TESTS; do
	echo "# ==== $t"
	out=/tmp/$t.out
	start=$(date +%s)
	watchdog "$t" >"$out.dog" 2>&1 &
	dog=$!
	timeout "$LIMIT" ./"$t" >"$out" 2>&1
	rc=$?
	kill "$dog" 2>/dev/null
	cat "$out.dog" >>"$out"
	sed 's/^/# /' "$out"
	results=0 failed=0 planned=
	while read -r line; do
		case $line in
		"ok "*) emit "ok" "$t: $(cut -d' ' -f3- <<<"$line")"; results=$((results + 1)) ;;
		"not ok "*) emit "not ok" "$t: $(cut -d' ' -f4- <<<"$line")"
			results=$((results + 1)) failed=$((failed + 1)) ;;
		1..*) planned=${line#1..} ;;
		esac
	done < <(grep -E '^(ok |not ok |1\.\.[0-9]+$)' "$out")
	if [ -n "$planned" ] && [ "$planned" != "$results" ]; then
		emit "not ok" "$t: planned $planned results, reported $results"
	elif [ "$rc" != 0 ] && [ "$failed" = 0 ]; then
		emit "not ok" "$t: exited with status $rc"
	elif [ "$results" = 0 ]; then
		emit "not ok" "$t: reported no results"
	fi
	echo "# ==== $t: exit $rc, $(($(date +%s) - start)) s"
	# A test killed at its limit ran no teardown: its hosts must not
	# become the next test's.
	for ns in $(/usr/sbin/ip netns list 2>/dev/null | cut -d' ' -f1); do
		/usr/sbin/ip netns pids "$ns" | xargs -r kill -9 2>/dev/null
		/usr/sbin/ip netns del "$ns"
	done
done
