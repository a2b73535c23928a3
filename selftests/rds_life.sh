#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# RDS-TCP's connection life over ktun: both hosts connecting at once;
# multipath RDS (up to 8 TCP connections per host pair, each its own TLS
# session); the peer dropping its connections while cut off and
# restarting its daemon (RDS reconnects, every new connection handshaked
# again); and policies removed: secure connections are reset, and RDS
# reconnects in plaintext only once no host requires TLS.
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

# --- both hosts connect at once --------------------------------------------
send a $A4 $B4 5000 100 50 &
pa=$!
send b $B4 $A4 5000 100 50 &
wait $pa $!
same "both hosts connect at once: a -> b flows" "ok 50 x 100" "$(cat a-5000.out)"
same "both hosts connect at once: b -> a flows" "ok 50 x 100" "$(cat b-5000.out)"

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

# --- the peer drops its connections unseen and restarts its daemon ---------
# a learns of it from b's FINs and resets once the link is back, and
# reconnects every path.  RDS itself may lose a message retransmitted
# across that (its accept side pairs connections with paths in arrival
# order, and drops a retransmission as a duplicate if the path's receive
# sequence is ahead): seen without ktun in the same scenario, 2 rounds of
# 4.  So the traffic checked is sent once all paths are back.
secured=$(logged secured)
in_b $IP link set vb down
ktund_down b
# Writing an RDS-TCP buffer size makes RDS drop the host's connections.
check "b's RDS drops its connections" in_b sysctl -qw net.rds.tcp.rds_tcp_rcvbuf=1048576
sleep 1
ktund_up b b-ec
in_b $IP link set vb up
check "after b's restart, RDS reconnects its $n paths, each handshaked again" \
	wait_for 60 eval '[ "$(logged secured)" -ge $((secured + n)) ]'
send a $A4 $B4 5200 1000 50
same "... and traffic flows" "ok 50 x 1000" "$(cat a-5200.out)"
capture_stop
expect 0 "[1-9][0-9]* application-data headers, marker absent" \
	"capture: only TLS records so far" $TAP scan tls.pcap "$MARK"

# --- policies removed --------------------------------------------------------
# a drops its policies: its secure connections are reset and its RDS
# reconnects in plaintext (a's choice), which b, still requiring TLS,
# refuses: nothing is delivered.
reset=$(logged "reset: policy removed$")
in_a ktun policy flush
check "a's policies removed: its secure RDS connections reset" \
	wait_for 5 eval '[ "$(logged "reset: policy removed$")" -gt "$reset" ]'
rds_blocked "b still requires TLS: nothing from a gets through" a $A4 $B4 5300 echo-b.out
check "... b refused a's plaintext RDS connections" eval \
	'klog | grep -q "accept .*16385 -> .* handshake failed: peer sent something that is not a TLS handshake record"'
in_b ktun policy flush
send a $A4 $B4 5301 100 20
same "no policy on either host: RDS reconnects in plaintext and flows" \
	"ok 20 x 100" "$(cat a-5301.out)"
check "... with no connection held by ktun" \
	wait_for 5 eval '[ "$(in_a ktun -j conn show | jq length)" = 0 ]'
check "no kernel warning" eval "! klog | grep -E 'WARNING|BUG|Oops|Call Trace'"
done_testing
