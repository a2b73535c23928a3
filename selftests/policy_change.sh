#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Changing policies under live RDS and TCP traffic, with RDS messages
# queued, never puts a byte on the wire in plain text.  Each host keeps
# require policies for the ports (RDS-TCP's 16385, a TCP service's 7600)
# under its secure ones.  Host a then makes its RDS policies name the
# wrong identity, so its handshakes fail and a message waits in RDS's
# send queue, and changes them back four ways: delete + add (the gap the
# require policies close), replace, load, and flush + load.  Every queued
# message must arrive once the right policy is in; the capture must hold
# no marker and no connection that does not start with TLS.  Ports 76NN.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
TEARDOWN="rmmod rds_tcp rds 2>/dev/null" two_hosts

# The positive control of the stream check: plain TCP, no policy.
capture a "$PWD/plain.pcap" "tcp port 7699"
in_b $XFER serve 7699 copy 1 &
wait_for 5 listening b 7699
in_a $XFER send $B4 7699 1000 block "$MARK" >/dev/null
capture_stop
expect 1 "not TLS" "a plain connection is seen as not TLS (positive control)" \
	$TAP streams plain.pcap

# table HOST PEER-ADDR RDS-URI TCP-URI: the host's whole policy table.
table() {
	printf '%s\n' \
		"rport 16385 owner kernel require" "lport 16385 owner kernel require" \
		"rport 7600 require" "lport 7600 require" \
		"remote $2 rport 16385 dir out owner kernel peer-uri $3" \
		"remote $2 lport 16385 dir in owner kernel peer-uri $3" \
		"remote $2 rport 7600 dir out peer-uri $4" \
		"remote $2 lport 7600 dir in peer-uri $4"
}
table a $B4 spiffe://example.org/b spiffe://example.org/b >a.good
table a $B4 spiffe://example.org/not-b spiffe://example.org/b >a.wrong
table b $A4 spiffe://example.org/a spiffe://example.org/a >b.good
check "both hosts load their tables" eval 'in_a ktun policy load a.good && in_b ktun policy load - <b.good'
same "... 8 policies each, 4 of them require" "8 4 8 4" \
	"$(for h in a b; do in_$h ktun -j policy show | jq -r 'length, (map(select(.action == "require")) | length)'; done | tr '\n' ' ' | sed 's/ $//')"
check "rds_tcp up on both hosts" rds_up

capture a "$PWD/change.pcap" "tcp port 16385 or tcp port 7600"
rds_echo b $B4 4000 echo-b.out
in_b $XFER serve 7600 copy &
wait_for 5 listening b 7600
# Live TCP traffic meanwhile: connection after connection from a.
touch tcp.run
(while [ -e tcp.run ]; do
	in_a timeout 30 $XFER send $B4 7600 20000 block "$MARK" 2>&1
	sleep 0.1	# pacing: refused connections come back at once
done >tcp.out) &
tcp_loop=$!

# send LPORT COUNT: RDS messages a:LPORT -> b:4000 and back; the result
# line goes to send-LPORT.out.
send() {
	in_a env RDS_XFER_WAIT=90 $RDS -l "$1" send $A4 $B4 4000 1000 "$2" "$MARK" \
		>"send-$1.out" 2>&1
}
logged() { klog | grep -c "16385 policy [0-9]*: $1"; }
refused_id() { logged "handshake failed: peer certificate carries none of the accepted identities"; }
# rds_ids: a's secure RDS policies.
rds_ids() {
	in_a ktun -j policy show | jq -r '.[] | select(.action == "secure" and
		(."remote-port-min" == 16385 or ."local-port-min" == 16385)) | .id'
}
# rds_replace URI: each of a's RDS policies replaced by one naming URI.
rds_replace() {
	local id sel
	for id in $(rds_ids); do
		sel=$(in_a ktun -j policy show "$id" | jq -r 'if ."remote-port-min"
			then "rport 16385 dir out" else "lport 16385 dir in" end')
		# shellcheck disable=SC2086
		in_a ktun policy replace "$id" remote $B4 $sel owner kernel \
			peer-uri "$1" >/dev/null || return
	done
}

send 7610 5
same "RDS and TCP flow under the loaded tables" "ok 5 x 1000" "$(cat send-7610.out)"

# change NAME LPORT FIX...: a's RDS policies go wrong (its handshakes fail
# and a message waits in RDS's queue), then FIX puts the right ones back;
# the waiting messages must arrive.
change() {
	local name=$1 lport=$2 n pid
	shift 2
	n=$(refused_id)
	rds_replace spiffe://example.org/not-b
	wait_for 20 eval '[ "$(refused_id)" -gt "$n" ]' ||
		diag "$name: no failed handshake after the wrong policy"
	send "$lport" 3 &
	pid=$!
	n=$(refused_id)
	check "$name: a's handshakes fail while a message waits" \
		wait_for 20 eval '[ "$(refused_id)" -gt "$n" ]'
	"$@"
	wait $pid
	same "$name: the waiting messages arrive once the policy is right" \
		"ok 3 x 1000" "$(cat "send-$lport.out")"
}

# delete + add: between the two, only the require policies select RDS.
del_add() {
	local id n
	n=$(logged "refused: no policy secures it")
	for id in $(rds_ids); do
		in_a ktun policy del "$id" || return
	done
	check "delete + add: with a's RDS policies gone, its RDS connections are refused" \
		wait_for 20 eval '[ "$(logged "refused: no policy secures it")" -gt "$n" ]'
	rds_policy a $B4 spiffe://example.org/b
}
change "delete + add" 7620 del_add
change "replace" 7630 rds_replace spiffe://example.org/b
change "load" 7640 eval 'in_a ktun policy load a.good'
flush_load() {
	local n
	n=$(logged "refused: no policy secures it")
	in_a ktun policy flush
	same "flush + load: the require policies stay" 4 "$(in_a ktun -j policy show | jq length)"
	check "... and refuse a's RDS connections" \
		wait_for 20 eval '[ "$(logged "refused: no policy secures it")" -gt "$n" ]'
	in_a ktun policy load a.good
}
change "flush + load" 7650 flush_load

# Loading the same table again keeps every policy where it is, while
# connections look it up: same ids, no connection reset or refused.
ids=$(in_a ktun -j policy show | jq -c 'map(.id)')
gone=$(klog | grep -c 'policy removed\|no policy secures it')
i=0
while [ $i -lt 50 ] && in_a ktun policy load a.good; do
	i=$((i + 1))
done
same "the same table loaded 50 times under traffic" 50 $i
same "... changed nothing: the same ids" "$ids" "$(in_a ktun -j policy show | jq -c 'map(.id)')"
same "... and no connection was reset or refused for it" "$gone" \
	"$(klog | grep -c 'policy removed\|no policy secures it')"
send 7660 5
same "... RDS still flows" "ok 5 x 1000" "$(cat send-7660.out)"

rm tcp.run
wait $tcp_loop
check "live TCP connections were secured meanwhile ($(grep -c '^ok' tcp.out) of $(wc -l <tcp.out))" \
	grep -q '^ok 20000' tcp.out
expect 0 "^ok 20000" "a TCP connection after the changes is secured" \
	in_a $XFER send $B4 7600 20000 block "$MARK"
capture_stop
expect 0 "[1-9][0-9]* application-data headers, marker absent" \
	"capture: no marker on the wire" $TAP scan change.pcap "$MARK"
expect 0 "all TLS" "capture: every connection starts with TLS" \
	$TAP streams change.pcap

# The gap itself, as the positive control: without its require policies,
# a's RDS connects in plain text between delete and add (b, whose policy
# selects the connection, refuses it), and the stream check sees it.
in_a ktun policy flush require
capture a "$PWD/gap.pcap" "tcp port 16385"
plain() { klog | grep -c "accept .*16385 -> .* not a TLS handshake record"; }
n=$(plain)
for id in $(rds_ids); do
	in_a ktun policy del "$id"
done
in_a env RDS_XFER_WAIT=5 $RDS -l 7670 send $A4 $B4 4000 100 1 "$MARK" >/dev/null 2>&1 &
gap_send=$!
check "without require policies, a's RDS connects in plain text in the gap" \
	wait_for 20 eval '[ "$(plain)" -gt "$n" ]'
rds_policy a $B4 spiffe://example.org/b
wait $gap_send
capture_stop
expect 1 "not TLS" "... and the stream check sees it" $TAP streams gap.pcap
check "no kernel warning" eval "! klog | grep -E 'WARNING|BUG|Oops|Call Trace'"
if [ "$T_FAILED" != 0 ]; then
	diag "a's RDS connections: $(in_a $RDS conns)"
	diag "b's RDS connections: $(in_b $RDS conns)"
	diag "a: $(in_a ktun policy show)"
	klog | grep ktun | tail -n 30 | sed 's/^/# /'
fi
done_testing
