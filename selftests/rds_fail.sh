#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# RDS-TCP failing closed: with no daemon on one host, then with a peer
# whose identity the policy does not accept, no RDS message is delivered
# and none crosses the wire in plaintext; RDS keeps reconnecting (each
# attempt handshaked and refused) without a kernel error; fixing the
# configuration lets traffic flow.  b's echo server logs every message it
# gets, so delivery is checked where it would happen, not only by the
# missing echo.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
TEARDOWN="rmmod rds_tcp rds 2>/dev/null" two_hosts b	# no daemon on a yet

rds_policy a $B4 spiffe://example.org/b
rds_policy b $A4 spiffe://example.org/a
rds_up
capture b "$PWD/fail.pcap" "tcp port 16385"
rds_echo b $B4 4000 echo.out
failed() { klog | grep -c "16385 policy [0-9]*: handshake failed: $1"; }

rds_blocked "no daemon on a: no RDS message gets through" a $A4 $B4 5001 echo.out
check "... and RDS kept retrying, each attempt refused" \
	eval '[ "$(failed "no handshake daemon")" -ge 2 ]'

ktund_up a a-ec
expect 0 "^ok 20 x 100\$" "with ktund on a, RDS reconnects and traffic flows" \
	in_a env RDS_XFER_WAIT=30 $RDS send $A4 $B4 4000 100 20 "$MARK"
same "... b's RDS delivered those 20 messages" 20 "$(grep -c "^from $A4:4000 " echo.out)"

# A peer the policy does not accept.  Replacing a's policies resets the
# secure RDS connections they covered; RDS reconnects and is refused.
resets() { klog | grep -c "16385 policy [0-9]*: reset: policy removed$"; }
reset=$(resets)
check "a's policies replaced: b's identity no longer accepted" \
	policy_swap a rds_policy a $B4 spiffe://example.org/not-b
# The reset is logged from ktun's work queue, maybe after the swap ends.
check "the policy change reset RDS's secure connections" \
	wait_for 5 eval '[ "$(resets)" -gt "$reset" ]'
rds_blocked "wrong identity: no RDS message gets through" a $A4 $B4 5002 echo.out
check "... each attempt refused for the identity" \
	eval '[ "$(failed "peer certificate carries none of the accepted identities")" -ge 1 ]'
check "a's policies replaced: b's identity accepted again" \
	policy_swap a rds_policy a $B4 spiffe://example.org/b
expect 0 "^ok 20 x 100\$" "with the right identity, traffic flows again" \
	in_a env RDS_XFER_WAIT=30 $RDS send $A4 $B4 4000 100 20 "$MARK"
check "no kernel warning while RDS retried" \
	eval "! klog | grep -E 'WARNING|BUG|Oops|Call Trace|rds.*error'"
capture_stop
same "capture: the RDS payload marker never crossed the wire" 0 \
	"$(grep -c "$MARK" fail.pcap)"
expect 0 "[1-9][0-9]* application-data headers" "capture: TLS records" \
	$TAP scan fail.pcap "$MARK"
done_testing
