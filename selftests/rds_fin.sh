#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# RDS's read path when the last message and the FIN come in one segment.
# RDS reads its socket in data_ready through readers.c; the peer's FIN
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

# RDS keys a connection by its two addresses and takes a second TCP
# connection for one it has only once the first is down.  When the FIN
# arrives before RDS's accept worker has set its callbacks, RDS never
# hears of it and keeps the connection (RDS's own behaviour, with or
# without ktun): so each run goes to an address of b's own, and one run's
# leftover cannot refuse the next.
n=20
fin_run() {	# DESC SIZE COUNT
	local addr=10.10.0.$n port=$((4200 + n)) spid fpid
	n=$((n + 1))
	$IP -n hb addr add $addr/24 dev vb
	rm -f sink.out fin.out
	in_b timeout 60 $RDS -v sink $addr $port "$3" >sink.out 2>&1 &
	spid=$!
	wait_for 5 grep -q '^bound' sink.out
	in_a timeout 60 $RDS tcpfin $addr $port "$2" "$3" "$MARK" >fin.out 2>&1 &
	fpid=$!
	wait $spid
	same "$1: b's RDS delivered all $3" "ok $3 messages, 0 corrupt" \
		"$(tail -n 1 sink.out)"
	# The sender stays until the sink has all it expects, then goes.
	check "... all sent, then the FIN" \
		wait_for 10 grep -qx "sent $3, then FIN" fin.out || diag "$(cat fin.out)"
	kill $fpid 2>/dev/null
	wait $fpid
}

# The control: plain RDS-TCP, no policy.  The framing is right if RDS
# delivers every message, the last included.
fin_run "plain TCP (the control), last of 20 with the FIN" 100 20

in_a ktun policy add remote 10.10.0.0/24 rport 16385 dir out owner user \
	peer-uri spiffe://example.org/b >/dev/null
rds_policy b $A4 spiffe://example.org/a
capture b "$PWD/fin.pcap" "tcp port 16385"
fin_run "kTLS: the only message with the FIN" 100 1
fin_run "kTLS: last of 20 with the FIN" 100 20
fin_run "kTLS: last of 8 x 60000 bytes with the FIN (records span segments)" 60000 8
fin_run "kTLS: last of 200 x 1000 bytes with the FIN" 1000 200
capture_stop

check "each of those connections was secured on b" \
	eval '[ "$(klog | grep -c "accept [^ ]*:16385 -> .* policy [0-9]*: secured")" -ge 4 ]' ||
	diag "$(klog | grep 16385 | tail -n 4)"
check "no connection failed, no kernel warning" \
	eval "! klog | grep -E 'ktun: .*failed|WARNING|BUG'"
same "capture: the payload marker never crossed the wire in clear" 0 \
	"$(grep -c "$MARK" fin.pcap)"
expect 0 "[1-9][0-9]* application-data headers" "capture: TLS records" \
	$TAP scan fin.pcap "$MARK"
done_testing
