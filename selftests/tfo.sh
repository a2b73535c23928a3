#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TCP Fast Open and ktun.  Server side: a gated listener has Fast Open
# off - even one that asked for it before listen() - and refuses
# TCP_FASTOPEN, so a Fast Open client's SYN data never reaches the owner
# of a connection ktun secures.  Client side: TCP_FASTOPEN_CONNECT with a
# cookie cached would defer the SYN to the first write, which the gate
# holds until the deadline; ktun sends the SYN at connect() instead, and
# the connection is secured.  Ports 76NN.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
H=/selftests/hostile
two_hosts
in_a sysctl -qw net.ipv4.tcp_fastopen=3
in_b sysctl -qw net.ipv4.tcp_fastopen=3
capture b "$PWD/t.pcap" "tcp portrange 7600-7699"
passive() { in_b nstat -az TcpExtTCPFastOpenPassive | awk '/TCPFastOpenPassive/ { print $2 }'; }

# An ungated Fast Open listener on b gives a its cookie for b's address.
in_b $H greet 7602 hello tfo >g2.out &
wait_for 5 grep -q listening g2.out
in_a $H tfo-send $B4 7602 first >/dev/null
expect 0 "reply hello" "an ungated listener takes Fast Open (a has b's cookie now)" \
	in_a $H tfo-send $B4 7602 second
p0=$(passive)
check "... the server counted it" eval '[ "$p0" -ge 1 ]'

# A gated listener that set TCP_FASTOPEN before listen(): the SYN's data is
# not taken with the SYN; it comes after the TCP handshake, where the relay
# reads it (not TLS: refused) - the owner never reads it.
# The verdict is read from ktun's events, not the kernel log: the log is
# rate limited, and the tests before this one can have used its share.
in_b ktun policy add remote $A4 lport 7601 dir in peer-uri spiffe://example.org/a >/dev/null
in_b ktun -j monitor >mon.json 2>mon.err &
mon=$!
wait_for 5 grep -q monitoring mon.err
in_b $H reader listen 7601 tfo >r1.out 2>&1 &
wait_for 5 grep -q listening r1.out
in_a $H tfo-send $B4 7601 tfo-syn-data >s1.out 2>&1
check "gated listener: Fast Open was not used" eval '[ "$(passive)" = "$p0" ]'
check "... the data came after the TCP handshake, where ktun refuses it" \
	wait_for 20 jq -se 'any(.[]; .event == "failed" and ."local-port" == 7601 and
		(.reason | test("not a TLS handshake record")))' mon.json
kill $mon
same "... and the owner never even accepted it" listening "$(cat r1.out)"
kill $(pids_of b hostile) 2>/dev/null

in_b ktun policy add remote $A4 lport 7603 dir in peer-uri spiffe://example.org/a >/dev/null
expect 0 "setsockopt EOPNOTSUPP" "TCP_FASTOPEN on a gated listener is refused" \
	in_b $H setopt-tfo 7603
expect 0 "setsockopt OK" "... and allowed on one no policy covers" in_b $H setopt-tfo 7605

# Client side: TCP_FASTOPEN_CONNECT with b's cookie in a's cache.
in_a ktun policy add remote $B4 rport 7604 dir out peer-uri spiffe://example.org/b >/dev/null
in_b ktun policy add remote $A4 lport 7604 dir in peer-uri spiffe://example.org/a >/dev/null
in_b $XFER serve 7604 copy &
wait_for 5 listening b 7604
expect 0 "^ok 5000" "TCP_FASTOPEN_CONNECT through ktun: secured, echo intact" \
	in_a timeout 30 $H tfo-connect $B4 7604 5000
check "... over a secured connection" \
	eval "klog | grep -q 'connect .* -> $B4:7604 policy [0-9]*: secured'"
capture_stop
same "capture: nothing the owner wrote after its errors left b" 0 \
	"$(grep -c KTUN-OWNER-SENT t.pcap)"
done_testing
