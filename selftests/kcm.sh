#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# KCM over ktun: a TCP connection that a policy selects is attached to a
# KCM mux (BPF parser: 4-byte length at the message's start) on both
# hosts, and KCM messages go through kTLS, over IPv4 and IPv6.  KCM is
# attached while ktun
# still holds the connection (its attach replaces sk_data_ready and starts
# reading at once) and after the handshake; messages are 1 byte to 1 MiB,
# one at a time and many in flight (records coalesced in TCP), checked
# end to end, under a capture that must show TLS records and no marker.
# KCM attached to a connection whose handshake then fails delivers
# nothing.  The unmatched-port run is the positive control of the tool and the
# capture; reloading ktun without its kTLS read fix-up shows that the
# framing check can fail (Documentation/design.md, "KCM": the parser reads
# from the skb's start).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
KCM=/selftests/kcm_xfer
two_hosts
modprobe kcm

in_a ktun policy add remote $B4 rport 7100 dir out peer-uri spiffe://example.org/b >/dev/null
in_b ktun policy add remote $A4 lport 7100 dir in peer-uri spiffe://example.org/a >/dev/null
in_a ktun policy add remote $B6 rport 7100 dir out peer-uri spiffe://example.org/b >/dev/null
in_b ktun policy add remote $A6 lport 7100 dir in peer-uri spiffe://example.org/a >/dev/null

SIZES=1,3,4,5,15,16,17,100,1000,4095,4096,4097,16371,16379,16384,16385,65536,100000,262144,1048576
N_SIZES=$(tr , '\n' <<<"$SIZES" | wc -l)

# kcm_client ARGS...: kcm_xfer on a, its output also kept in client.out.
kcm_client() {
	local rc
	in_a timeout 150 $KCM "$@" >client.out 2>&1
	rc=$?
	cat client.out
	return $rc
}

# kcm_run DESC PORT SERVER-ADDR CLIENT-OPTS SERVER-OPTS SIZES COUNT:
# a kcm_xfer server on b for COUNT messages, a client on a; both must
# report every message intact.  The outputs stay in client.out/server.out.
kcm_run() {
	local desc=$1 port=$2 addr=$3 copts=$4 sopts=$5 sizes=$6 count=$7 spid
	# shellcheck disable=SC2086
	in_b timeout 150 $KCM $sopts server "$addr" "$port" "$count" >server.out 2>&1 &
	spid=$!
	wait_for 10 listening b "$port"
	# shellcheck disable=SC2086
	expect 0 "^ok $count messages" "$desc" \
		kcm_client $copts client "$addr" "$port" "$sizes" "$count" "$MARK"
	wait "$spid"
	if grep -q "^ok $count messages, 0 corrupt" server.out; then
		ok "... the server got all $count intact"
	else
		not_ok "... the server got all $count intact"
		diag "server: $(cat server.out)"
	fi
}

capture b "$PWD/kcm.pcap" "tcp port 7100 or tcp port 7103"
kcm_run "KCM attached mid-handshake both sides, 1 B-1 MiB, one at a time" \
	7100 $B4 "-a now" "-a now" $SIZES $((2 * N_SIZES))
check "... the client attached while ktun held the connection" \
	grep -q "^attached while held" client.out
kcm_run "KCM attached after the handshake, 1000 small messages, 64 in flight" \
	7100 $B4 "-a ready -w 64" "-a ready" 1,7,64,200,1500 1000
check "... the client attached once the connection was writable" \
	grep -q "^attached writable" client.out
kcm_run "KCM attached after the handshake, 1 B-1 MiB, one at a time" \
	7100 $B4 "-a ready" "-a ready" $SIZES $N_SIZES
kcm_run "KCM mid-handshake, up to 64 KiB, 16 in flight" \
	7100 $B4 "-a now -w 16" "-a now" 20,4000,16384,40000,65536 300
kcm_run "KCM over IPv6, mid-handshake, mixed sizes, 8 in flight" \
	7100 $B6 "-a now -w 8" "-a now" $SIZES 100

# KCM attached to a connection whose handshake then fails (a accepts no
# identity b has): KCM sees the lower socket fail, nothing is delivered.
in_a ktun policy add remote $B4 rport 7103 dir out peer-uri spiffe://example.org/not-b >/dev/null
in_b ktun policy add remote $A4 lport 7103 dir in peer-uri spiffe://example.org/a >/dev/null
in_b env KCM_XFER_WAIT=5 timeout 30 $KCM -a now server $B4 7103 1 >server.out 2>&1 &
spid=$!
wait_for 10 listening b 7103
expect 4 "^attached while held" "KCM attached, then the handshake fails: no echo" \
	in_a env KCM_XFER_WAIT=5 timeout 30 $KCM -a now client $B4 7103 100 1 "$MARK"
wait $spid
same "... and KCM on b received nothing (server: $(tail -1 server.out))" "" \
	"$(grep '^ok' server.out)"
check "... the handshake failed for the identity" eval \
	"klog | grep -q 'connect .* -> $B4:7103 policy [0-9]*: handshake failed: peer certificate carries none of the accepted identities (ECONNREFUSED)'"
capture_stop
expect 0 "[1-9][0-9]* application-data headers, marker absent" \
	"capture: TLS records on port 7100, no KCM payload marker (I1)" \
	$TAP scan kcm.pcap "$MARK"
same "ktund on b secured the 5 KCM connections, peer a" 5 \
	"$(grep -c 'ok after .* peer uri:spiffe://example.org/a' /tmp/ktund-b.log)"

# Positive control: the same runs on an unmatched port, in plain TCP.
capture b "$PWD/plain.pcap" "tcp port 7101"
kcm_run "KCM on an unmatched port (plain TCP), one at a time" \
	7101 $B4 "-a now" "-a now" 16,1000,4096 30
capture_stop
expect 1 "marker SEEN" "capture of the unmatched KCM connection shows plaintext" \
	$TAP scan plain.pcap "$MARK"

# The peer's last answer and its FIN in one segment (a plain TCP echo
# server that corks its last echo, then shuts down): KCM must get every
# answer, attached while ktun holds the connection or after the
# handshake, as over plain TCP.
in_a ktun policy add remote $B4 rport 7104 dir out peer-uri spiffe://example.org/b >/dev/null
in_b ktun policy add remote $A4 lport 7104 dir in peer-uri spiffe://example.org/a >/dev/null
fin_run() {	# DESC PORT CLIENT-OPTS SIZES COUNT
	local spid
	in_b timeout 60 $KCM echofin $B4 "$2" "$5" >echofin.out 2>&1 &
	spid=$!
	wait_for 10 listening b "$2"
	# shellcheck disable=SC2086
	in_a timeout 60 $KCM $3 client $B4 "$2" "$4" "$5" "$MARK" >client.out 2>&1
	wait $spid
	same "$1 ($(tail -n 1 client.out))" "ok $5 messages" "$(tail -n 1 client.out)"
}
for att in ready now; do
	fin_run "last answer with the FIN: KCM attached ($att) gets all 20" 7104 "-a $att" 100 20
	fin_run "... and all 200, 8 in flight ($att)" 7104 "-a $att -w 8" 1000 200
done
fin_run "... as over plain TCP (unmatched port, the control)" 7105 "-a ready" 100 20

check "no other ktun connection failed, no kernel warning" \
	eval "! klog | grep -E 'ktun: .*failed|WARNING|BUG' | grep -v '7103 '"

# Without the read fix-up (readers.c, off with redirect_read_sock=0) the
# parser reads the record header: KCM over kTLS must then break.  Not on
# the debug kernel: bare kTLS read by KCM in softirq allocates with
# GFP_KERNEL (the fix-up is also what switches it to GFP_ATOMIC), which
# that kernel reports - and lockdep would be off for the rest of the run.
if grep -qw ktundebug /proc/cmdline; then
	diag "debug kernel: the redirect_read_sock=0 control runs in make check only"
else
	check "ktun reloads with redirect_read_sock=0" ktun_reload redirect_read_sock=0
	ktund_up a a-ec
	ktund_up b b-ec
	in_a ktun policy add remote $B4 rport 7102 dir out peer-uri spiffe://example.org/b >/dev/null
	in_b ktun policy add remote $A4 lport 7102 dir in peer-uri spiffe://example.org/a >/dev/null
	in_b env KCM_XFER_WAIT=5 timeout 30 $KCM -a ready server $B4 7102 5 >server.out 2>&1 &
	wait_for 10 listening b 7102
	expect 1 "^error: echo 0 differs" \
		"without the fix-up, KCM over kTLS misframes the first message (the check can fail)" \
		in_a env KCM_XFER_WAIT=5 timeout 30 $KCM -a ready client $B4 7102 100 5
	check "... over a connection ktun did secure" \
		eval "klog | grep -q 'connect .* -> $B4:7102 policy [0-9]*: secured'"
	kill $(pids_of b kcm_xfer) 2>/dev/null
	wait_for 10 eval '[ -z "$(pids_of b kcm_xfer)" ]'
	check "ktun reloads with the fix-up on" ktun_reload
fi
done_testing
