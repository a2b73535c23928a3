#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# RDS over TCP through ktun: RDS's kernel sockets (port 16385) between the
# two hosts become kTLS connections with no change to RDS or its users.
# rds_xfer exchanges checksummed messages both ways, under a capture that
# must show TLS records and never the payload marker; RDS reads its socket
# with tcp_read_sock() directly, which only works through readers.c.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
TEARDOWN="rmmod rds_tcp rds 2>/dev/null" two_hosts

# RDS-TCP's kernel sockets, both directions, on both hosts.
check "RDS policies on both hosts" eval 'rds_policy a $B4 spiffe://example.org/b &&
	      rds_policy b $A4 spiffe://example.org/a'
# rds_tcp opens its listeners when it loads; here after the policies, so
# they are gated at listen() (rds_life.sh covers policies that come
# later, which gate them then).
check "rds_tcp loads and listens on both hosts" rds_up

capture b "$PWD/rds.pcap" "tcp port 16385"
rds_echo b $B4 4000 echo-b.out
rds_echo a $A4 4001 echo-a.out
rds_ok() {	# DESC FROM-HOST LOCAL PEER PORT SIZE COUNT
	expect 0 "^ok $7 x $6\$" "$1" in_$2 timeout $((120 * SLOW)) $RDS send "$3" "$4" "$5" "$6" "$7" "$MARK"
}
# RDS sees a connection it accepted only once ktun secured it: its send
# worker never retries a send the gate refused (once 105,548 transport
# sends for the first 3 messages, by this kprobe count).
rds_trace_start
rds_ok "first RDS message a -> b (connection secured on demand)" a $A4 $B4 4000 100 1
rds_ok "... two more" a $A4 $B4 4000 100 2
sends=$(rds_trace_hits xmit)
rds_trace_stop
check "RDS's transport sends for them: a few, not a busy loop (${sends:-no count})" \
	eval '[ -n "$sends" ] && [ "$sends" -lt 200 ]'
for size in 1 16 1000 65536; do
	rds_ok "RDS a -> b: 200 x $size bytes echoed intact" a $A4 $B4 4000 $size 200
done
rds_ok "RDS a -> b: 2000 x 256 bytes" a $A4 $B4 4000 256 2000
rds_ok "RDS a -> b: 4 x 1 MiB" a $A4 $B4 4000 1048560 4
rds_ok "RDS b -> a: 200 x 4096 bytes" b $B4 $A4 4001 4096 200
capture_stop

json=$(in_a ktun -j conn show)
check "conn show on a: RDS's kernel connection, secure, peer b" jq -e \
	'any(.[]; .owner == "kernel" and .state == "secure" and
	     (."remote-port" == 16385 or ."local-port" == 16385) and
	     ."peer-identity" == "uri:spiffe://example.org/b" and ."rx-records" > 0)' <<<"$json"
[ $? = 0 ] || diag "$json"
expect 0 "[1-9][0-9]* application-data headers, marker absent" \
	"capture: TLS records on port 16385, no RDS payload marker" \
	$TAP scan rds.pcap "$MARK"
check "no RDS connection was refused or failed" \
	eval "! klog | grep -E 'ktun: .*(16385.*(failed|refused)|refusing)'"

# rmmod: refused while RDS reads its connections through ktun; once RDS
# is gone, ktun unloads (the runner fails the run on any oops or leak).
expect 1 "in use" "rmmod ktun with RDS connections up: refused" rmmod ktun
rds_ok "... and RDS still works after it" a $A4 $B4 4000 1000 20
kill $(pids_of a rds_xfer) $(pids_of b rds_xfer)
check "rds_tcp and rds unload" eval 'wait_for 10 rmmod rds_tcp && rmmod rds'
check "then ktun unloads (and loads again)" ktun_reload
done_testing
