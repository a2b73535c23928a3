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
trap hosts_down EXIT
rm -f /tmp/ktund-*.log
hosts_up
ktund_up a a-ec
ktund_up b b-ec
cd "$(mktemp -d)" || exit 1

in_a ktun policy add remote $B4 rport 7800 dir out peer-uri spiffe://example.org/b >/dev/null
in_b ktun policy add remote $A4 lport 7800 dir in peer-uri spiffe://example.org/a >/dev/null
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
	eval "dmesg | grep -q 'connect .* -> $B4:7800 policy [0-9]*: secured'"
done_testing
