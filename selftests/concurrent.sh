#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Many handshakes in flight at once: N clients connect together, each
# connection is held in the gate while both daemons work through their
# queues, and every one must come out secure with its data intact.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
two_hosts
N=${KTUN_CONCURRENT:-100}

# Under TCG a handshake costs both daemons ~0.3 s of CPU: N of them queue
# for a while, hence the long deadline.
in_a ktun policy add remote $B4 rport 7700 dir out timeout 120s \
	peer-uri spiffe://example.org/b >/dev/null
in_b ktun policy add remote $A4 lport 7700 dir in timeout 120s \
	peer-uri spiffe://example.org/a >/dev/null
in_b $XFER serve 7700 copy &
wait_for 5 listening b 7700

pids=
for i in $(seq "$N"); do
	in_a timeout 300 $XFER send $B4 7700 1000 block >"c$i.out" 2>&1 &
	pids="$pids $!"
done
peak=0
# shellcheck disable=SC2086
while kill -0 $pids 2>/dev/null; do
	n=$(in_a ktun -j conn show | jq '[.[] | select(.state == "handshake")] | length')
	[ "${n:-0}" -gt $peak ] && peak=$n
	sleep 1
done
diag "peak handshakes in flight on host a: $peak"
same "all $N concurrent connections echoed their data" "$N" "$(cat c*.out | grep -c '^ok 1000$')"
check "at least half of them were in the handshake at the same time" [ "$peak" -ge $((N / 2)) ]
same "ktund on a logged $N successful handshakes" "$N" "$(grep -c 'ok after' /tmp/ktund-a.log)"
done_testing
