#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Session resumption against a ktun server.  A resumed TLS 1.2 handshake's
# client finishes first, so an application that sends one request and
# half-closes at once has its data and its FIN at the server before the
# server's keys are in (tls_peer "burst": last flight, data and FIN in one
# corked burst).  tls takes only an ESTABLISHED socket: the server must
# have attached it before that, and still read every byte - through kTLS,
# never in clear.  Also: ktun-to-ktun connections resume by default.
#
#   host a: tls_peer (no ktun) ---- host b: ktun server -> xfer serve (echo)
#   host a: xfer send (ktun) ------ host b: ktun server -> xfer serve
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
PEER=/selftests/tls_peer
two_hosts

port=7300
in_b ktun policy add remote $A4 lport $port dir in peer-uri spiffe://example.org/a >/dev/null
in_b $XFER serve $port copy &
wait_for 5 listening b $port
# The request: 1000 random bytes and the plaintext marker.
{ head -c 1000 /dev/urandom; printf '%s' "$MARK"; } >req.bin

# 5 connections: a full handshake, then 4 resumed ones, each a burst.
capture b /tmp/resume.pcap "tcp port $port"
in_a timeout 120 $PEER connect $B4 $port ca $PKI/ca.crt cert $PKI/a-ec.crt \
	key $PKI/a-ec.key peer uri:spiffe://example.org/b send req.bin \
	recv $(stat -c %s req.bin) got.bin times 5 burst 1 >peer.out 2>peer.err
rc=$?
capture_stop
check "burst client: 5 connections, each echoed in full (rc $rc)" \
	eval '[ $rc = 0 ] && cmp -s req.bin got.bin'
[ $rc = 0 ] || diag "client: $(tail -c 300 peer.err) $(tail -3 peer.out)"
same "... the first handshake full, the next 4 resumed" "full resumed resumed resumed resumed" \
	"$(sed -n 's/^tls_peer: handshake done: .*, //p' peer.out | xargs)"
srv=$(grep -- "server .*:$port <- " /tmp/ktund-b.log | grep -v "started")
same "... and ktund on b resumed 4 of them" 4 "$(grep -c "resumed" <<<"$srv")"
same "... no install failed on b" 0 "$(klog | grep -c "installing the keys failed")"
expect 0 "marker absent" "... capture: TLS records, no plaintext marker (I1)" \
	$TAP scan /tmp/resume.pcap "$MARK"

# ktund's default: both ends resume.  The first of a's connections to b
# is full, the next ones resumed.
port=7302
in_a ktun policy add remote $B4 rport $port dir out peer-uri spiffe://example.org/b >/dev/null
in_b ktun policy add remote $A4 lport $port dir in peer-uri spiffe://example.org/a >/dev/null
in_b $XFER serve $port copy &
wait_for 5 listening b $port
for i in 1 2 3 4; do
	expect 0 "^ok 1000\$" "ktun client, connection $i echoed" \
		in_a timeout 60 $XFER send $B4 $port 1000 block
done
cli=$(grep -- "-> $B4:$port .*ok after" /tmp/ktund-a.log)
same "ktund's default resumes: a resumed 3 of its 4 connections" "4 3" \
	"$(wc -l <<<"$cli") $(grep -c resumed <<<"$cli")"
done_testing
