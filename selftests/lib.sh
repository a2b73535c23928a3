# SPDX-License-Identifier: GPL-2.0
# TAP helpers for ktun's shell selftests (bash, inside the test VM).

T_N=0
T_FAILED=0

ok() { T_N=$((T_N + 1)); echo "ok $T_N $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAILED=$((T_FAILED + 1)); echo "not ok $T_N $*"; }
diag() { echo "# $*"; }

# check DESC CMD...: passes when CMD succeeds; returns CMD's status.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; return 1; fi
}

# expect RC PATTERN DESC CMD...: CMD must exit with RC and print PATTERN
# (an extended regex) on stdout or stderr.
expect() {
	local rc=$1 pat=$2 desc=$3 out got
	shift 3
	out=$("$@" 2>&1)
	got=$?
	if [ "$got" = "$rc" ] && grep -Eq -- "$pat" <<<"$out"; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "command: $*"
		diag "exit $got (want $rc), output: $out"
		diag "wanted output matching: $pat"
	fi
}

# same DESC WANT GOT: string equality, showing both on failure.
same() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "want: $2"
		diag "got:  $3"
	fi
}

# Bounds on waits are there to end a hang, not to judge speed: on the
# debug kernel (make check-debug: KASAN, lockdep, kmemleak under TCG)
# everything runs several times slower, and they are that much longer.
SLOW=1
if grep -qw ktundebug /proc/cmdline 2>/dev/null; then
	SLOW=4
	export RDS_XFER_WAIT=$((20 * SLOW))	# rds_xfer's per-message bound
fi

# wait_for SECONDS CMD...: retries CMD every 0.1 s until it succeeds
# (for at most SECONDS, times SLOW).
wait_for() {
	local tries=$(($1 * 10 * SLOW))
	shift
	while ! "$@" 2>/dev/null; do
		tries=$((tries - 1))
		[ $tries -gt 0 ] || return 1
		sleep 0.1
	done
}

# tcp_listening PORT [NETNS]: a TCP socket listens on PORT (in NETNS).
tcp_listening() {
	${2:+/usr/sbin/ip netns exec "$2"} awk -v p="$(printf ':%04X' "$1")" \
		'substr($2, length($2) - 4) == p && $4 == "0A" { f = 1 } END { exit !f }' \
		/proc/net/tcp /proc/net/tcp6
}

# fresh_netns "$@": re-runs the calling script in a new network namespace,
# where policy ids start at 1 and no other test's state is visible.
fresh_netns() {
	[ -n "${KTUN_IN_NETNS:-}" ] && return 0
	exec env KTUN_IN_NETNS=1 unshare --net -- "$0" "$@"
}

done_testing() {
	echo "1..$T_N"
	[ "$T_FAILED" = 0 ]
}

# "ktuntrace" on the guest's kernel command line (KTUN_TRACE=1 vm.sh check)
# traces every shell test to the console as it runs, for finding a hang.
if grep -qw ktuntrace /proc/cmdline 2>/dev/null; then
	exec {T_TRACE_FD}>/dev/console
	BASH_XTRACEFD=$T_TRACE_FD
	PS4='+ ${BASH_SOURCE##*/}:$LINENO: '
	set -x
fi
