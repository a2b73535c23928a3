#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unmodified programs through ktun between two hosts (see netns_lib.sh):
# data integrity from 1 byte to 4 MiB with blocking I/O, non-blocking +
# epoll, sendfile and splice, over IPv4 and IPv6, under a capture that must
# show TLS records and never the plaintext marker; a connection no policy
# matches is untouched; "ktun conn show" lists live connections.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
trap hosts_down EXIT
rm -f /tmp/ktund-*.log
hosts_up
check "ktund starts on host a" ktund_up a a-ec
check "ktund starts on host b" ktund_up b b-ec

for port in 7000 7002; do
	in_a ktun policy add remote $B4 rport $port dir out peer-uri spiffe://example.org/b >/dev/null
	in_a ktun policy add remote $B6 rport $port dir out peer-uri spiffe://example.org/b >/dev/null
	in_b ktun policy add remote $A4 lport $port dir in peer-uri spiffe://example.org/a >/dev/null
	in_b ktun policy add remote $A6 lport $port dir in peer-dns a.example.org >/dev/null
done
in_b $XFER serve 7000 copy &
in_b $XFER serve 7002 splice &
in_b $XFER serve 7001 copy &
for port in 7000 7001 7002; do
	wait_for 5 listening b $port
done

capture b /tmp/e2e.pcap "tcp port 7000 or tcp port 7002"
xfer_ok() {	# DESC ADDR PORT SIZE MODE
	expect 0 "^ok $4\$" "$1" in_a timeout 60 $XFER send "$2" "$3" "$4" "$5" "$MARK"
}
for size in 1 1000 65536 1048576; do
	for mode in block epoll sendfile; do
		xfer_ok "IPv4 $mode $size bytes" $B4 7000 $size $mode
	done
	xfer_ok "IPv6 epoll $size bytes" $B6 7000 $size epoll
	xfer_ok "IPv4 $size bytes to a splice() echo" $B4 7002 $size block
done
xfer_ok "IPv4 blocking 4 MiB" $B4 7000 4194304 block
xfer_ok "IPv6 sendfile 4 MiB" $B6 7000 4194304 sendfile
capture_stop
expect 0 "marker absent" "capture: TLS records, no plaintext marker (I1)" \
	$TAP scan /tmp/e2e.pcap "$MARK"
# Sessions are resumed by default (ktund(8)): a's first handshake with
# b's 7000 was a full one, the next resumed it (later ones too, unless
# the run outlasts the 300 s lifetime).
to_b=$(grep -- "-> $B4:7000 .*ok after" /tmp/ktund-a.log)
check "by default sessions are resumed ($(grep -c resumed <<<"$to_b") of $(wc -l <<<"$to_b"))" \
	eval '[ "$(wc -l <<<"$to_b")" -ge 10 ] && ! head -1 <<<"$to_b" | grep -q resumed &&
	      sed -n 2p <<<"$to_b" | grep -q resumed'

# I6: a connection no policy matches is untouched - and its marker is
# visible, which shows the capture would have caught plaintext.
capture b /tmp/plain.pcap "tcp port 7001"
xfer_ok "unmatched port works in plain TCP" $B4 7001 70000 block
capture_stop
expect 1 "marker SEEN" "capture of the unmatched connection shows plaintext" \
	$TAP scan /tmp/plain.pcap "$MARK"
same "no ktun connection for the unmatched port" 0 \
	"$(in_a ktun -j conn show | jq '[.[] | select(."remote-port" == 7001)] | length')"

# A live connection as conn show reports it.
mkfifo /tmp/hold
in_a socat -u OPEN:/tmp/hold TCP:$B4:7000 &
exec 9>/tmp/hold
wait_for 10 eval "in_a ktun -j conn show | jq -e '.[0].state == \"secure\"' >/dev/null"
json=$(in_a ktun -j conn show)
check "conn show -j: client side, secure, peer identity and cipher" jq -e \
	'.[0] | .role == "client" and .state == "secure" and .owner == "user"
	 and ."peer-identity" == "uri:spiffe://example.org/b" and ."remote-port" == 7000
	 and ."remote-addr" == "10.10.0.2" and (.cipher | test("gcm|chacha"))
	 and ."hs-usec" > 0 and ."policy-id" > 0' <<<"$json"
check "conn show on b: server side" eval \
	"in_b ktun -j conn show | jq -e '.[0].role == \"server\" and .[0].\"peer-identity\" == \"uri:spiffe://example.org/a\"' >/dev/null"
expect 0 "secure client owner user policy .* peer uri:spiffe://example.org/b" \
	"conn show text line" in_a ktun conn show
# Records each way: three separate writes are three TLS records, and what
# a sent is what b's kTLS has received (its echo server reads it all).
for i in 1 2 3; do printf 'record %s\n' $i >&9; sleep 0.3; done
recs() { in_$1 ktun -j conn show | jq ".[0].\"$2\""; }
check "conn show counts the TLS records: a sent 3, b received them" \
	wait_for 10 eval '[ "$(recs a tx-records)" = 3 ] && [ "$(recs b rx-records)" = 3 ]'
expect 0 "records tx 3 rx [0-9]+" "conn show text shows the records" in_a ktun conn show
exec 9>&-
rm -f /tmp/hold
check "one log line per handshake in ktund" grep -q "ok after .* peer uri:spiffe://example.org/b" /tmp/ktund-a.log

# A peer identity chosen to confuse a reader of the text output: a's
# certificate URI holds a quote and a backslash (a policy takes no space,
# control or non-ASCII byte, so nothing worse gets this far).  JSON
# carries it as it is; the text line escapes it (\xNN).
odd='spiffe://example.org/odd"id\q'
ktund_down a
ktund_up a odd-a
in_a ktun policy add remote $B4 rport 7003 dir out peer-uri spiffe://example.org/b >/dev/null
check "a policy may name that identity" \
	in_b ktun policy add remote $A4 lport 7003 dir in peer-uri "$odd"
in_b $XFER serve 7003 copy &
wait_for 5 listening b 7003
mkfifo /tmp/hold
in_a socat -u OPEN:/tmp/hold TCP:$B4:7003 &
exec 9>/tmp/hold
odd_conn() { in_b ktun -j conn show | jq -e --arg p "uri:$odd" \
	'any(.[]; ."local-port" == 7003 and .state == "secure" and ."peer-identity" == $p)'; }
check "conn show -j: the odd identity, byte for byte" wait_for 10 odd_conn
same "conn show text: the identity escaped, one field" \
	'uri:spiffe://example.org/odd\x22id\x5cq' \
	"$(in_b ktun conn show | awk '/:7003 / { for (i = 1; i < NF; i++) if ($i == "peer") print $(i + 1) }')"
exec 9>&-
rm -f /tmp/hold
if [ "$T_FAILED" != 0 ]; then	# what both daemons said, for the log
	for h in a b; do
		{ grep -v ' ok after ' /tmp/ktund-$h.log | tail -n 20
		  grep ' ok after ' /tmp/ktund-$h.log | tail -n 3; } |
			sed "s/^/ktund-$h: /" | while read -r l; do diag "$l"; done
	done
	klog | grep 'ktun: .*700[0-2]' | tail -n 20 | while read -r l; do diag "$l"; done
fi
done_testing
