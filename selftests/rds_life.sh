#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# RDS-TCP's connection life over ktun, in phases (RDS_LIFE_PHASES; the
# default run: connect multipath removal): both hosts connecting at once;
# multipath RDS (up to 8 TCP connections per host pair, each its own TLS
# session); the peer host restarting (a new namespace, whose RDS listener
# predates its policies; RDS reconnects, every new connection handshaked
# again; rds_restart.sh); and policies removed: secure connections are
# reset, and RDS reconnects in plaintext only once no host requires TLS.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
TEARDOWN="rmmod rds_tcp rds 2>/dev/null" two_hosts

rds_policy a $B4 spiffe://example.org/b
rds_policy b $A4 spiffe://example.org/a
check "rds_tcp up on both hosts" rds_up
capture a "$PWD/tls.pcap" "tcp port 16385"
in_b $RDS -v echo $B4 4000 >echo-b.out 2>&1 &
in_a $RDS -v echo $A4 4000 >echo-a.out 2>&1 &
sleep 0.5
# send HOST LOCAL PEER LPORT SIZE COUNT: messages from LOCAL:LPORT to
# PEER:4000 and back; the result line goes to HOST-LPORT.out.
send() {
	in_$1 env RDS_XFER_WAIT=60 $RDS -l "$4" send "$2" "$3" 4000 "$5" "$6" \
		"$MARK" >"$1-$4.out" 2>&1
}
# secure_conns HOST: how many secure RDS connections the host has.
secure_conns() {
	in_$1 ktun -j conn show | jq '[.[] | select(.owner == "kernel" and
		.state == "secure" and (."remote-port" == 16385 or
		."local-port" == 16385))] | length'
}
logged() { klog | grep -c "16385 policy [0-9]*: $1"; }
# warm_up LPORT: after a reconnect, rounds of one message from each of 16
# sockets (a:LPORT...), until a round gets all 16 echoes: RDS's paths are
# then up and stay up.  Messages in these rounds are not checked:
# RDS-TCP multipath itself can drop a message retransmitted across a
# reconnect (its accept side pairs connections with paths in arrival
# order, and a retransmission whose path's receive sequence is ahead
# counts as a duplicate) - seen without ktun, 2 rounds of 4.  The checked
# traffic comes after.
warm_up() {
	local round p pids bad
	for round in 1 2 3 4 5; do
		pids=
		for p in $(seq "$1" $(($1 + 15))); do
			in_a env RDS_XFER_WAIT=10 $RDS -l $((p + 16 * round)) send \
				$A4 $B4 4000 100 1 >/dev/null &
			pids="$pids $!"
		done
		bad=0
		for p in $pids; do
			wait "$p" || bad=$((bad + 1))
		done
		[ $bad = 0 ] && return
		diag "warm-up round $round: $bad of 16 without echo"
	done
}

# phase NAME: is NAME among the phases to run (RDS_LIFE_PHASES)?
phase() { [[ " ${RDS_LIFE_PHASES:-connect multipath removal} " == *" $1 "* ]]; }

# --- both hosts connect at once --------------------------------------------
if phase connect; then
send a $A4 $B4 5000 100 50 &
pa=$!
send b $B4 $A4 5000 100 50 &
wait $pa $!
same "both hosts connect at once: a -> b flows" "ok 50 x 100" "$(cat a-5000.out)"
same "both hosts connect at once: b -> a flows" "ok 50 x 100" "$(cat b-5000.out)"

fi

# --- multipath: each RDS socket hashes to one of the paths -----------------
pids=
for p in $(seq 5100 5115); do
	send a $A4 $B4 "$p" 2000 20 &
	pids="$pids $!"
done
wait $pids
same "multipath: 16 sockets' messages all echoed intact" "" \
	"$(grep -L '^ok 20 x 2000$' a-51??.out)"
n=$(secure_conns a)
check "multipath: RDS spread them over $n TCP connections, all secure" \
	eval "[ $n -ge 2 ] && [ $n -le 8 ]"
same "... and b has the same secure connections" "$n" "$(secure_conns b)"
capture_stop
expect 0 "[1-9][0-9]* application-data headers, marker absent" \
	"capture: only TLS records so far" $TAP scan tls.pcap "$MARK"

# --- the peer host restarts --------------------------------------------------
# Only in rds_restart.sh, not in the default run: see there.
# b goes off the link, its RDS drops its connections (RDS-TCP's sockets
# hold their namespace, which could not go otherwise; the same without
# ktun), and its namespace is
# deleted and made again: its RDS state, sockets, daemon and policies are
# gone.  rds_tcp being loaded, the new namespace gets its RDS listener at
# once, before b's policies: ktun gates it when they come (without that,
# every connection to b would be refused).  a's stale connections meet
# b's resets, and RDS reconnects.
if phase restart; then
secured=$(logged secured)
in_b $IP link set vb down
# Writing an RDS-TCP buffer size makes RDS drop the host's connections;
# their FINs cannot leave, and one retry ends the orphaned sockets.
in_b sysctl -qw net.ipv4.tcp_orphan_retries=1
in_b sysctl -qw net.rds.tcp.rds_tcp_rcvbuf=1048576
check "b restarts (a new namespace)" host_restart b
capture a "$PWD/restart.pcap" "tcp port 16385"
ktund_up b b-ec
check "b's policies, added after its RDS listener exists" \
	rds_policy b $A4 spiffe://example.org/a
in_b $RDS -v echo $B4 4000 >echo-b.out 2>&1 &
sleep 0.5
# a's RDS would find its connections dead on its own (a reset, a
# timeout); made immediate, so that RDS's paths start afresh (see warm_up).
in_a sysctl -qw net.rds.tcp.rds_tcp_rcvbuf=1048576
warm_up 5400
send a $A4 $B4 5200 1000 50
same "after b's restart, RDS reconnects and traffic flows" "ok 50 x 1000" \
	"$(cat a-5200.out)"
check "... over newly handshaked connections" \
	eval '[ "$(logged secured)" -gt "$secured" ]'
check "... which b lists as secure" eval '[ "$(secure_conns b)" -ge 1 ]'
capture_stop
expect 0 "[1-9][0-9]* application-data headers, marker absent" \
	"capture after the restart: only TLS records" $TAP scan restart.pcap "$MARK"
fi

# --- policies removed --------------------------------------------------------
# a drops its policies: its secure connections are reset and its RDS
# reconnects in plaintext (a's choice), which b, still requiring TLS,
# refuses: nothing is delivered.
if phase removal; then
reset=$(logged "reset: policy removed$")
in_a ktun policy flush
check "a's policies removed: its secure RDS connections reset" \
	wait_for 5 eval '[ "$(logged "reset: policy removed$")" -gt "$reset" ]'
rds_blocked "b still requires TLS: nothing from a gets through" a $A4 $B4 5300 echo-b.out
check "... b refused a's plaintext RDS connections" eval \
	'klog | grep -q "accept .*16385 -> .* handshake failed: peer sent something that is not a TLS handshake record"'
# Once b drops its policies too, RDS reconnects in plaintext.  After the
# storm of refused attempts RDS's own multipath state is unreliable (it
# loses messages and can loop: see warm_up), so both hosts' RDS
# connections are made afresh before the checked traffic.
in_b ktun policy flush
check "no policy on either host: no connection held by ktun" \
	wait_for 5 eval '[ "$(in_a ktun -j conn show | jq length)" = 0 ] &&
			 [ "$(in_b ktun -j conn show | jq length)" = 0 ]'
in_a sysctl -qw net.rds.tcp.rds_tcp_rcvbuf=1048576
in_b sysctl -qw net.rds.tcp.rds_tcp_rcvbuf=1048576
warm_up 5600
capture a "$PWD/plain.pcap" "tcp port 16385"
send a $A4 $B4 5301 100 20
same "... RDS reconnects in plaintext and traffic flows intact" \
	"ok 20 x 100" "$(cat a-5301.out)"
capture_stop
expect 1 "marker SEEN" "capture: the RDS payload in plaintext (positive control)" \
	$TAP scan plain.pcap "$MARK"
fi
check "no kernel warning" eval "! klog | grep -E 'WARNING|BUG|Oops|Call Trace'"
done_testing
