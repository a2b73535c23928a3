#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The gate, as the owner of a connection being secured sees it: with the
# handshake held (ktund stopped), nothing moves or shows - non-blocking
# calls get EAGAIN, poll and epoll report nothing, SO_RCVTIMEO and
# SO_SNDTIMEO and signals end blocking calls, the owner cannot stack its
# own ULP - and once the handshake is let go, a blocked send completes
# over TLS.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
two_hosts

# The probe takes its time while the handshake is held: a deadline well
# past it (5 s could pass on a slow or debug kernel).
in_a ktun policy add remote $B4 rport 7800 dir out timeout 60s peer-uri spiffe://example.org/b >/dev/null
in_b ktun policy add remote $A4 lport 7800 dir in timeout 60s peer-uri spiffe://example.org/a >/dev/null
in_b $XFER serve 7800 copy &
wait_for 5 listening b 7800

pid=$(ktund_pid a)
kill -STOP "$pid"
in_a timeout 60 /selftests/gate_probe $B4 7800 >probe.out 2>&1 &
probe=$!
check "the probe reaches the held handshake" wait_for 30 grep -q waiting probe.out
probe_is() { same "held: $1" "$1 $2" "$(grep "^$1 " probe.out)"; }
probe_is connect 0
probe_is recv-nonblock EAGAIN
probe_is send-nonblock EAGAIN
probe_is poll 0
probe_is epoll 0
probe_is recv-rcvtimeo "EAGAIN waited"
probe_is send-sndtimeo "EAGAIN waited"
probe_is recv-signal EINTR
probe_is ulp EBUSY
same "still in the handshake while the owner probed" handshake \
	"$(in_a ktun -j conn show | jq -r '.[0].state')"
kill -CONT "$pid"
wait $probe
probe_is echo hello
check "the connection was secured" \
	eval "klog | grep -q 'connect .* -> $B4:7800 policy [0-9]*: secured'"

# shutdown() other than SHUT_WR mid-handshake ends the handshake at once
# rather than waiting for its verdict (RDS shuts down the connections it
# will not keep from its one work queue, which waiting would stall): the
# owner gets ECONNRESET, the kernel log says why, nothing is left.
kill -STOP "$pid"
for how in rd rdwr; do
	n=$(klog | grep -c "$B4:7800 policy [0-9]*: handshake failed: the owner shut the connection down")
	in_a timeout 20 /selftests/gate_probe $B4 7800 shutdown $how >shut.out 2>&1
	same "held: shutdown($how) fails the handshake at once" \
		"connect 0,shutdown ECONNRESET" "$(head -2 shut.out | paste -sd,)"
	check "... a send after it fails too" grep -Eq '^send (ECONNRESET|EPIPE)$' shut.out
	check "... one kernel log line says why" eval \
		'[ "$(klog | grep -c "$B4:7800 policy [0-9]*: handshake failed: the owner shut the connection down")" = $((n + 1)) ]'
done
check "... and no connection is left" \
	wait_for 5 eval '[ "$(in_a ktun -j conn show | jq length)" = 0 ]'
kill -CONT "$pid"

# TCP Fast Open: a's client puts data in the SYN without a cookie (0x5).
# b (0x3, no 0x200) does not take SYN data without a cookie, so it is
# sent again later: only what crosses the wire matters here.  To a
# matched port the SYN must carry none.
in_a sysctl -qw net.ipv4.tcp_fastopen=5
in_b sysctl -qw net.ipv4.tcp_fastopen=3
in_b $XFER serve 7801 copy &
wait_for 5 listening b 7801
capture b "$PWD/tfo.pcap" "tcp port 7800 or tcp port 7801"
probe_tfo() { in_a timeout 20 /selftests/gate_probe $B4 "$1" tfo "$2-$MARK"; }
probe_tfo 7801 plain >/dev/null
probe_tfo 7800 secret >tfo.out
capture_stop
check "TFO to an unmatched port carries its data in the SYN (the probe works)" \
	grep -q "plain-$MARK" tfo.pcap
same "TFO to a matched port: no data crossed the wire" 0 "$(grep -c "secret-$MARK" tfo.pcap)"
diag "matched TFO sendto: $(cat tfo.out)"

# Secured, the owner still cannot read its traffic keys out of kTLS.
expect 0 "^keys EOPNOTSUPP" "the owner's getsockopt(SOL_TLS, TLS_TX) is refused" \
	in_a timeout 20 /selftests/hostile tls-keys $B4 7800
done_testing
