#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# RDS's read path when the last message and the FIN come in one segment.
# RDS reads its socket in data_ready through readsock.c; the peer's FIN
# sets RCV_SHUTDOWN (and makes RDS drop the connection) in the same
# softirq, before data_ready runs.  Every record received before the FIN
# must still reach RDS.  The sender is "rds_xfer tcpfin": RDS-TCP's
# framing over a plain TCP socket on a, corking its last message with the
# FIN (RDS itself cannot be made to do that on demand); b's RDS accepts
# it as RDS's own connection and delivers to "rds_xfer sink".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
TEARDOWN="rmmod rds_tcp rds 2>/dev/null" two_hosts
check "rds_tcp loads and listens on both hosts" rds_up

# b's RDS takes a new connection from a only once its last one is down
# (RDS resets a second one for the same path).
b_rds_idle() { ! in_b $RDS conns | grep -qw -e connected -e connecting; }

fin_run() {	# DESC PORT SIZE COUNT
	local spid
	rm -f sink.out
	in_b timeout 60 $RDS -v sink $B4 "$2" "$4" >sink.out 2>&1 &
	spid=$!
	wait_for 5 grep -q '^bound' sink.out
	expect 0 "^sent $4, then FIN\$" "$1: sent" \
		in_a timeout 60 $RDS tcpfin $B4 "$2" "$3" "$4" "$MARK"
	wait $spid
	same "$1: b's RDS delivered all $4" "ok $4 messages, 0 corrupt" \
		"$(tail -n 1 sink.out)"
	check "... and RDS dropped the connection" wait_for 30 b_rds_idle
}

# The control: plain RDS-TCP, no policy.  The framing is right if RDS
# delivers every message, the last included.
fin_run "plain TCP (the control), last of 20 with the FIN" 4200 100 20

in_a ktun policy add remote $B4 rport 16385 dir out owner user \
	peer-uri spiffe://example.org/b >/dev/null
rds_policy b $A4 spiffe://example.org/a
capture b "$PWD/fin.pcap" "tcp port 16385"
fin_run "kTLS: the only message with the FIN" 4201 100 1
fin_run "kTLS: last of 20 with the FIN" 4202 100 20
fin_run "kTLS: last of 8 x 60000 bytes with the FIN (records span segments)" \
	4203 60000 8
fin_run "kTLS: last of 200 x 1000 bytes with the FIN" 4204 1000 200
capture_stop

check "each of those connections was secured on b" \
	eval '[ "$(klog | grep -c "accept .*16385 policy [0-9]*: secured")" -ge 4 ]'
check "no connection failed, no kernel warning" \
	eval "! klog | grep -E 'ktun: .*failed|WARNING|BUG'"
same "capture: the payload marker never crossed the wire in clear" 0 \
	"$(grep -c "$MARK" fin.pcap)"
expect 0 "[1-9][0-9]* application-data headers" "capture: TLS records" \
	$TAP scan fin.pcap "$MARK"
done_testing
