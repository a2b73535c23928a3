#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# MPTCP on a tuple a policy selects: MPTCP moves data on its subflows below
# the socket layer ktun gates, so ktun refuses (resets) such subflows
# rather than let them carry plain text - an MPTCP client selected by an
# "owner user" policy (its subflows are kernel sockets) and an MPTCP server
# behind an inbound policy alike.  Unselected MPTCP works as before.
# Ports 79NN.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
H=/selftests/hostile
two_hosts
in_a sysctl -qw net.mptcp.enabled=1
in_b sysctl -qw net.mptcp.enabled=1
capture b "$PWD/m.pcap" "tcp portrange 7900-7999"

# Positive control: MPTCP between the hosts, no policy.
in_b $H greet 7903 mptcp-greeting mptcp >g3.out &
wait_for 5 listening b 7903
in_a $H reader connect $B4 7903 mptcp >r3.out 2>&1
check "MPTCP without a policy works ($(head -n 1 r3.out))" grep -q '^got .*mptcp-greeting' r3.out

# An MPTCP client, "owner user" policy: refused.
in_a ktun policy add remote $B4 rport 7901 owner user dir out \
	peer-uri spiffe://example.org/b >/dev/null
in_b $H greet 7901 server-greeting mptcp >g1.out &
wait_for 5 listening b 7901
in_a $H reader connect $B4 7901 mptcp >r1.out 2>&1
check "MPTCP client selected by an owner-user policy: never a byte ($(head -n 1 r1.out))" \
	grep -q '^never a byte' r1.out
check "... its subflow was refused, and the log says why" eval "klog | grep -q \
	'connect .* -> $B4:7901 policy [0-9]*: refused: MPTCP subflow'"

# An MPTCP server behind an inbound policy: its subflow is refused the
# moment it is established, before MPTCP moves a byte of it to the MPTCP
# socket.  That socket stays in MPTCP's own queue (freeing it is MPTCP's
# accept()), so the server may accept it - closed, and empty: the
# client's greeting, sent at once, never reaches it.
in_b ktun policy add remote $A4 lport 7902 dir in peer-uri spiffe://example.org/a >/dev/null
in_b $H reader listen 7902 mptcp >r2.out 2>&1 &
wait_for 5 grep -q listening r2.out
in_a $H reader connect $B4 7902 mptcp greet=KTUN-PEER-PLAIN >c2.out 2>&1
check "MPTCP server behind an inbound policy: the subflow is refused" \
	wait_for 20 eval "klog | grep -q 'accept .*:7902 -> .* refused: MPTCP subflow'"
check "... the client never got a byte ($(head -n 1 c2.out))" grep -q '^never a byte' c2.out
check "... and the server never read its greeting ($(tr '\n' ' ' <r2.out))" \
	eval '! grep -q "^got" r2.out'

capture_stop
same "capture: nothing the refused owners wrote left" 0 "$(grep -c KTUN-OWNER-SENT m.pcap)"
done_testing
