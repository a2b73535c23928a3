#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# RDS-TCP failing closed: with no daemon on one host, then with a peer
# whose identity the policy does not accept, no RDS message is delivered
# and none crosses the wire in plaintext; RDS keeps reconnecting (each
# attempt handshaked and refused) without a kernel error; fixing the
# configuration lets traffic flow.
#
# Not in the default run yet: with no daemon on host a, the first
# "rds_xfer send" does not return - a blocking RDS sendmsg waits in
# rds_send_mprds_hash() for the multipath handshake of a connection that
# never comes up (RDS's own behaviour).  A non-blocking sender was tried
# and the script still hung later; not diagnosed yet.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
RDS=/selftests/rds_xfer
TEARDOWN="rmmod rds_tcp rds 2>/dev/null" two_hosts b	# no daemon on a yet

rds_policy a $B4 spiffe://example.org/b
rds_policy b $A4 spiffe://example.org/a
modprobe rds_tcp
# RDS retries quickly, so the test sees several attempts.
sysctl -qw net.rds.reconnect_min_delay_ms=100 net.rds.reconnect_max_delay_ms=500
wait_for 5 listening a 16385
capture b "$PWD/fail.pcap" "tcp port 16385"
in_b $RDS echo $B4 4000 >echo.out 2>&1 &
sleep 0.5
failed() { dmesg | grep -c "16385 policy [0-9]*: handshake failed: $1"; }

expect 4 "no echo" "no daemon on a: no RDS message gets through" \
	in_a env RDS_XFER_WAIT=5 $RDS send $A4 $B4 4000 100 1 "$MARK"
check "... and RDS kept retrying, each attempt refused" \
	eval '[ "$(failed "no handshake daemon")" -ge 2 ]'

ktund_up a a-ec
expect 0 "^ok 20 x 100\$" "with ktund on a, RDS reconnects and traffic flows" \
	in_a env RDS_XFER_WAIT=30 $RDS send $A4 $B4 4000 100 20 "$MARK"

# A peer the policy does not accept.  Replacing a's policies resets the
# secure RDS connections they covered; RDS reconnects and is refused.
in_a ktun policy flush
rds_policy a $B4 spiffe://example.org/not-b
check "the policy change reset RDS's secure connections" \
	eval 'dmesg | grep -q "16385 policy [0-9]*: reset: policy removed"'
expect 4 "no echo" "wrong identity: no RDS message gets through" \
	in_a env RDS_XFER_WAIT=5 $RDS send $A4 $B4 4000 100 1 "$MARK"
check "... each attempt refused for the identity" \
	eval '[ "$(failed "peer certificate carries none")" -ge 1 ]'
in_a ktun policy flush
rds_policy a $B4 spiffe://example.org/b
expect 0 "^ok 20 x 100\$" "with the right identity, traffic flows again" \
	in_a env RDS_XFER_WAIT=30 $RDS send $A4 $B4 4000 100 20 "$MARK"
expect 1 "in use" "rmmod ktun with RDS connections up: refused, no oops" rmmod ktun
capture_stop
same "capture: the RDS payload marker never crossed the wire" 0 \
	"$(grep -c "$MARK" fail.pcap)"
expect 0 "[1-9][0-9]* application-data headers" "capture: TLS records" \
	$TAP scan fail.pcap "$MARK"
done_testing
