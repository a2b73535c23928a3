#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Sockets the kernel creates itself (sock_create_kern), as RDS-TCP and KCM
# users do: ktun_kclient.ko connects, sends and reads an echo from inside
# the kernel of host a.  An "owner kernel" policy secures it; the owner
# selector keeps "owner user" policies off it; failing closed reaches the
# in-kernel owner as an errno.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
two_hosts
KMOD=/selftests/ktun_kclient.ko
H=/selftests/hostile

# kclient PORT: one in-kernel exchange with b; prints insmod's error.
kclient() {
	in_a insmod $KMOD addr=$B4 port="$1" size=60000 marker="$MARK" 2>&1
	local rc=$?
	[ $rc = 0 ] && rmmod ktun_kclient
	return $rc
}

in_a ktun policy add remote $B4 rport 7601 owner kernel dir out \
	peer-uri spiffe://example.org/b >/dev/null
in_b ktun policy add remote $A4 lport 7601 dir in peer-uri spiffe://example.org/a >/dev/null
in_b $XFER serve 7601 copy &
in_b $XFER serve 7602 copy &
in_b $XFER serve 7603 copy &
for port in 7601 7602 7603; do
	wait_for 5 listening b $port
done

in_a ktun -j monitor >mon.json 2>mon.err &
wait_for 5 grep -q monitoring mon.err
capture b "$PWD/k.pcap" "tcp port 7601 or tcp port 7602"
check "an in-kernel client through ktun: 60000 bytes echoed intact" kclient 7601
check "its connection was secured as owner kernel" \
	eval "wait_for 5 grep -q '\"owner\":\"kernel\"' mon.json &&
	      jq -se 'any(.[]; .event == \"up\" and .owner == \"kernel\" and
		 .\"remote-port\" == 7601 and .\"peer-identity\" == \"uri:spiffe://example.org/b\")' mon.json >/dev/null"

# Failing closed for an in-kernel owner: b's server on 7602 is plain TCP.
in_a ktun policy add remote $B4 rport 7602 owner kernel dir out \
	peer-uri spiffe://example.org/b >/dev/null
expect 1 "Connection refused" "kernel owner, plain peer: the load fails with ECONNREFUSED" \
	kclient 7602
capture_stop
expect 0 "marker absent" "capture: TLS records only, no marker" $TAP scan k.pcap "$MARK"

# An "owner user" policy does not take kernel sockets.
in_a ktun policy add remote $B4 rport 7603 owner user dir out \
	peer-uri spiffe://example.org/b >/dev/null
capture b "$PWD/u.pcap" "tcp port 7603"
check "an owner-user policy leaves the kernel socket alone (plain TCP works)" kclient 7603
capture_stop
expect 1 "marker SEEN" "... and its data is plain on the wire" $TAP scan u.pcap "$MARK"

# With the read_sock redirect switched off, a kernel-owned socket that a
# policy selects is refused, never left to read kTLS's queue raw.
kill $(pids_of b xfer)
check "ktun reloads with redirect_read_sock=0" ktun_reload redirect_read_sock=0
in_b $XFER serve 7602 copy &
wait_for 5 listening b 7602
in_a ktun policy add remote $B4 rport 7602 owner kernel dir out \
	peer-uri spiffe://example.org/b >/dev/null
expect 1 "Connection refused|Broken pipe" "redirect off: the kernel-owned connection is refused" \
	kclient 7602
check "... and the log says why" \
	eval "klog | grep -q 'refused: kernel-owned socket and redirect_read_sock=0 (ECONNREFUSED)'"
# The refusal is an abort: a server that talks first gets nothing into the
# refused in-kernel owner, however often it reads again.
in_b $H greet 7604 "$MARK" >greet.out &
wait_for 5 listening b 7604
in_a ktun policy add remote $B4 rport 7604 owner kernel dir out \
	peer-uri spiffe://example.org/b >/dev/null
expect 1 "Connection refused" "redirect off, the server talks first: the kernel owner reads no byte" \
	in_a insmod $KMOD addr=$B4 port=7604 listen_first=1 timeout_s=10
kill $(pids_of b hostile) $(pids_of b xfer)
check "ktun reloads with the redirect on" ktun_reload
done_testing
