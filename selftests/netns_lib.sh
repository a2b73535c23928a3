# SPDX-License-Identifier: GPL-2.0
# Two hosts for ktun's end-to-end tests, in network namespaces:
#
#   +------- ha -------+            +------- hb -------+
#   | va 10.10.0.1/24  |============| vb 10.10.0.2/24  |
#   |    fd10::1/64    |            |    fd10::2/64    |
#   | ktund (host a)   |            | ktund (host b)   |
#   +------------------+            +------------------+
IP=/usr/sbin/ip
PKI=/selftests/pki
XFER=/selftests/xfer
RDS=/selftests/rds_xfer
TAP=/selftests/tls_tap
MARK=KTUN-PLAINTEXT-MARKER-7f3a
A4=10.10.0.1 B4=10.10.0.2 A6=fd10::1 B6=fd10::2

# klog: the kernel log since this test set up its hosts.
T_LOG0=0
klog() { dmesg | tail -n +$((T_LOG0 + 1)); }

hosts_up() {
	T_LOG0=$(dmesg | wc -l)
	$IP netns add ha
	$IP netns add hb
	$IP -n ha link set lo up
	$IP -n hb link set lo up
	hosts_link
}

# hosts_link: the veth pair between the hosts, with their addresses.
hosts_link() {
	$IP link add va netns ha type veth peer name vb netns hb &&
	$IP -n ha addr add $A4/24 dev va &&
	$IP -n hb addr add $B4/24 dev vb &&
	$IP -n ha addr add $A6/64 dev va nodad &&
	$IP -n hb addr add $B6/64 dev vb nodad &&
	$IP -n ha link set va up &&
	$IP -n hb link set vb up
}

# host_restart HOST: the host reboots - its processes, sockets, policies
# and kernel state go with its namespace; it comes back with a fresh
# namespace, nothing running and no link to the other host yet
# (hosts_link brings it up).
host_restart() {
	local pids
	pids=$($IP netns pids "h$1")
	[ -z "$pids" ] || kill $pids
	wait_for 5 eval "! kill -0 $pids 2>/dev/null"
	$IP netns del "h$1"
	# The namespace goes away in the background, the link with it.
	wait_for 30 eval "! $IP -n ha link show va >/dev/null && ! $IP -n hb link show vb >/dev/null" &&
	$IP netns add "h$1" &&
	$IP -n "h$1" link set lo up
}

hosts_down() {
	$IP netns pids ha 2>/dev/null | xargs -r kill 2>/dev/null
	$IP netns pids hb 2>/dev/null | xargs -r kill 2>/dev/null
	sleep 0.2
	$IP netns del ha 2>/dev/null
	$IP netns del hb 2>/dev/null
}

# hosts_gone: ktun has forgotten the hosts' connections (20 s at most), so
# that their last kernel log lines do not land in the next test's log.
hosts_gone() {
	[ -d /sys/module/ktun ] || return 0
	wait_for 20 eval '[ "$(ktun -j stats | jq ".[\"conns-total\"]")" = 0 ]'
}

# two_hosts [HOST...]: the usual start of a test - both hosts up, a ktund
# on each named host (default: a and b), everything torn down at exit
# (plus $TEARDOWN, a command), and a scratch directory to work in.
two_hosts() {
	local h
	# shellcheck disable=SC2064
	trap "hosts_down; ${TEARDOWN:+$TEARDOWN;} hosts_gone" EXIT
	rm -f /tmp/ktund-*.log
	hosts_up
	for h in ${*:-a b}; do
		ktund_up "$h" "$h-ec"
	done
	cd "$(mktemp -d)" || exit 1
}

# rds_policy HOST PEER-ADDR PEER-URI: RDS-TCP's kernel sockets to and
# from the peer (port 16385, either side may connect) must be TLS;
# RDS_POLICY_OPTS adds policy options (e.g. "timeout 30s").
rds_policy() {
	in_$1 ktun policy add remote "$2" rport 16385 dir out owner kernel \
		peer-uri "$3" $RDS_POLICY_OPTS >/dev/null &&
	in_$1 ktun policy add remote "$2" lport 16385 dir in owner kernel \
		peer-uri "$3" $RDS_POLICY_OPTS >/dev/null
}

# rds_up: rds_tcp loaded and listening on both hosts; RDS reconnects
# quickly, so tests see retries.
rds_up() {
	modprobe rds_tcp &&
	sysctl -qw net.rds.reconnect_min_delay_ms=100 net.rds.reconnect_max_delay_ms=500 &&
	wait_for 5 listening a 16385 && wait_for 5 listening b 16385
}

# rds_blocked DESC HOST LOCAL PEER LPORT ECHO-LOG: a message from
# LOCAL:LPORT to PEER:4000 must not get through - no echo, and the echo
# server ("rds_xfer -v echo", logging to ECHO-LOG) never saw it.  LPORT
# is the sender's own: RDS keeps the message queued, to go out once a
# connection comes up, and its echo must not reach a later sender.
rds_blocked() {
	expect 4 "no echo|blocked" "$1" in_$2 env RDS_XFER_WAIT=5 \
		$RDS -l "$5" send "$3" "$4" 4000 100 1 "$MARK"
	same "... and the peer's RDS delivered nothing from $3:$5" 0 \
		"$(grep -c "^from $3:$5 " "$6")"
}

# rds_echo HOST LOCAL PORT LOG: rds_xfer -v echo on HOST, in the
# background, bound before this returns.
rds_echo() {
	rm -f "$4"	# not a "bound" of an earlier echo server
	in_$1 $RDS -v echo "$2" "$3" >"$4" 2>&1 &
	wait_for 5 grep -q '^bound' "$4"
}

# policy_swap HOST COMMAND...: replaces HOST's policies with those COMMAND
# adds, leaving no moment without them (equal policies: the older wins,
# so the old ones keep deciding until they are deleted).
policy_swap() {
	local h=$1 ids id
	shift
	ids=$(in_$h ktun -j policy show | jq -r '.[].id') && "$@" || return
	for id in $ids; do
		in_$h ktun policy del "$id" >/dev/null || return
	done
}

in_a() { $IP netns exec ha "$@"; }
in_b() { $IP netns exec hb "$@"; }

# ktund_up HOST CERTNAME [ARGS...]: start ktund (with ARGS) in host ha/hb;
# log in /tmp/ktund-HOST.log
ktund_up() {
	local log=/tmp/ktund-$1.log n
	n=$(grep -c registered "$log" 2>/dev/null)
	$IP netns exec "h$1" ktund --ca $PKI/ca.crt --cert "$PKI/$2.crt" \
		--key "$PKI/$2.key" "${@:3}" 2>>"$log" &
	wait_for 5 eval "[ \"\$(grep -c registered $log)\" -gt ${n:-0} ]"
}

# pids_of HOST COMM: the host's processes named COMM.
pids_of() {
	local pid
	for pid in $($IP netns pids "h$1"); do
		[ "$(cat /proc/$pid/comm 2>/dev/null)" = "$2" ] && echo "$pid"
	done
}
ktund_pid() { pids_of "$1" ktund; }

# ktund_down HOST: stops the host's ktund and waits until it is gone.
ktund_down() {
	local pids
	pids=$(ktund_pid "$1")
	[ -n "$pids" ] || return 0
	kill $pids
	wait_for 5 eval "! kill -0 $pids 2>/dev/null"
}

# ktun_reload [PARAM...]: stops both hosts' daemons (they stay registered
# with the old module) and reloads ktun with PARAMs.
ktun_reload() {
	ktund_down a
	ktund_down b
	wait_for 10 rmmod ktun && modprobe ktun "$@"
}

# capture HOST FILE FILTER: tcpdump on the host's veth until capture_stop
capture() {
	CAP_FILE=$2
	rm -f "$2.log"
	$IP netns exec "h$1" tcpdump -Z root -U --immediate-mode -B 8192 -q -s 0 -i "v$1" -w "$2" "$3" \
		>/dev/null 2>"$2.log" &
	CAP_PID=$!
	wait_for 20 grep -q "listening on" "$2.log"
}

capture_stop() {
	sleep 0.3
	kill "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
	sed 's/^/# tcpdump: /' "$CAP_FILE.log"
}

# listening HOST PORT: succeeds once a TCP socket listens on PORT in the host.
listening() { tcp_listening "$2" "h$1"; }

# rds_trace_start: kprobe events on RDS's connection and multipath
# handshake steps (rds_trace_dump prints them), to tell RDS's part from
# ktun's when RDS gets stuck.  Offsets: struct rds_incoming's i_conn_path
# (32) and i_hdr (40: h_sequence, big-endian; h_sport 60, h_dport 62,
# h_flags 64), rds_conn_path's cp_conn (0), socket's sk (24), sock's
# sk_state (18); on 6.12, x86-64.
RDS_TRACE=/sys/kernel/tracing
rds_trace_start() {
	[ -e $RDS_TRACE/kprobe_events ] || mount -t tracefs nodev $RDS_TRACE || return
	echo 0 >$RDS_TRACE/tracing_on
	echo 1024 >$RDS_TRACE/buffer_size_kb
	: >$RDS_TRACE/trace
	: >$RDS_TRACE/kprobe_events || return
	# One at a time: a probe the kernel refuses is named, not lost.
	while read -r probe; do
		echo "$probe" >>$RDS_TRACE/kprobe_events 2>/dev/null ||
			diag "kprobe refused: $probe"
	done <<-'EOT'
	p:rds/ping rds_send_ping conn=%di:x64 path=%si:s32
	p:rds/pong rds_send_pong cp=%di:x64 conn=+0(%di):x64
	p:rds/hs rds_recv_hs_exthdrs conn=%si:x64
	p:rds/rx rds_recv_incoming conn=%di:x64 cp=+32(%cx):x64 seq=+40(%cx):x64 sport=+60(%cx):x16 dport=+62(%cx):x16 flags=+64(%cx):x8
	p:rds/drop rds_conn_path_drop cp=%di:x64 conn=+0(%di):x64
	p:rds/up rds_connect_path_complete cp=%di:x64 conn=+0(%di):x64 was=%si:s32
	p:rds/connect rds_tcp:rds_tcp_conn_path_connect cp=%di:x64 conn=+0(%di):x64
	p:rds/shutdown rds_tcp:rds_tcp_conn_path_shutdown cp=%di:x64 conn=+0(%di):x64
	r:rds/xmit rds_tcp:rds_tcp_xmit ret=$retval:s32
	r:rds/accept rds_tcp:rds_tcp_accept_one ret=$retval:s32
	p:rds/state rds_tcp:rds_tcp_state_change sk=%di:x64 state=+18(%di):u8
	p:rds/setcb rds_tcp:rds_tcp_set_callbacks sk=+24(%di):x64 cp=%si:x64
	p:rds/resetcb rds_tcp:rds_tcp_reset_callbacks sk=+24(%di):x64 cp=%si:x64
	p:rds/restorecb rds_tcp:rds_tcp_restore_callbacks sk=+24(%di):x64
	p:rds/verdict ktun:ktun_gate_wake conn=%di:x64
	EOT
	echo 1 >$RDS_TRACE/events/rds/enable
	echo 1 >$RDS_TRACE/tracing_on
}

# rds_trace_hits EVENT: how often EVENT (e.g. xmit) fired since the
# probes were set (nothing at all without them).  Cheap, unlike reading
# the trace.
rds_trace_hits() {
	[ -r $RDS_TRACE/kprobe_profile ] &&
	awk -v e="$1" '$1 == e { print $2; f = 1 } END { exit !f }' $RDS_TRACE/kprobe_profile
}

# rds_trace_dump [LINES]: the last LINES (400) traced events, as diag.
rds_trace_dump() {
	[ -r $RDS_TRACE/trace ] || return
	echo 0 >$RDS_TRACE/tracing_on
	grep -v '^#' $RDS_TRACE/trace | tail -n "${1:-400}" | sed 's/^/# trace: /'
}

# rds_trace_stop: the probes go (rds and rds_tcp can unload again).
rds_trace_stop() {
	[ -w $RDS_TRACE/kprobe_events ] || return 0
	echo 0 >$RDS_TRACE/tracing_on
	echo 0 >$RDS_TRACE/events/rds/enable 2>/dev/null
	: >$RDS_TRACE/kprobe_events
}
