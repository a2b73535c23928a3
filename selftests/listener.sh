#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A gated listener closing under ktun: its children are held out of the
# accept queue while they handshake and until accept() takes them, so
# closing the listener with 50 children mid-handshake and 50 secured but
# not accepted resets all of them, leaves no connection, no module
# reference and (on the debug kernel) no lock warning or leaked kTLS
# context behind.  The same with shutdown(SHUT_RD), and for a listener
# that accepts while its children are secured.  Ports 75NN.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
H=/selftests/hostile
A4B=10.10.0.3
two_hosts
$IP -n ha addr add $A4B/24 dev va
stat_of() { in_$1 ktun -j stats | jq -r ".[\"$2\"]"; }
on_port() {	# HOST PORT STATE: connections of HOST on PORT in STATE
	in_$1 ktun -j conn show | jq "[.[] | select(.state == \"$3\" and
		(.\"local-port\" == $2 or .\"remote-port\" == $2))] | length"
}
refs=$(cat /sys/module/ktun/refcnt)

# The silent peers' handshakes must outlast the set-up, and 50 real ones
# queue in each host's daemon: 120 s deadlines.
in_b ktun policy add remote 10.10.0.0/24 lport 7501-7503 dir in timeout 120s \
	peer-uri spiffe://example.org/a >/dev/null
in_a ktun policy add remote $B4 rport 7501-7503 local $A4B dir out timeout 120s \
	peer-uri spiffe://example.org/b >/dev/null

# fill PORT: 50 silent peers (a's first address, no policy) and 50 ktun
# clients (a's second address), against b's listener that never accepts.
fill() {
	in_a $H hold $B4 "$1" 50 $A4 >"idle-$1.out" &
	in_a $H hold $B4 "$1" 50 $A4B >"tls-$1.out" &
	check "port $1: 50 children mid-handshake and 50 secured, none accepted" \
		wait_for 60 eval "[ \"\$(on_port b $1 handshake)\" = 50 ] &&
				  [ \"\$(on_port b $1 secure)\" = 50 ]" ||
		diag "b: $(in_b ktun -j stats)"
}
# gone PORT DESC: after the listener went, nothing of it is left.
gone() {
	check "$2: every child on b is gone" \
		wait_for 30 eval '[ "$(in_b ktun -j conn show | jq length)" = 0 ] &&
				  [ "$(stat_of b handshakes)" = 0 ]'
	check "$2: a's secured clients were reset" \
		wait_for 30 eval "[ \"\$(on_port a $1 secure)\" = 0 ]"
	kill $(pids_of a hostile) 2>/dev/null
	wait_for 30 eval '[ -z "$(pids_of a hostile)" ]'
}

in_b $H listen 7501 >l1.out &
wait_for 5 listening b 7501
fill 7501
kill $(pids_of b hostile)
gone 7501 "listener closed"

# shutdown(SHUT_RD) stops a listener too (the socket stays open).
in_b $H listen 7502 shut >l2.out &
wait_for 5 listening b 7502
fill 7502
kill -USR1 $(pids_of b hostile)
check "the listener is shut down" wait_for 10 grep -q '^shut' l2.out
gone 7502 "listener shut down"
kill $(pids_of b hostile)

# A listener that accepts: children come out secured, in the order they
# were secured, and a blocked accept() wakes for them.
in_b $XFER serve 7503 copy &
wait_for 5 listening b 7503
expect 0 "^ok 100000" "accept() hands out children once secured" \
	in_a env XFER_SRC=$A4B timeout 30 $XFER send $B4 7503 100000

kill $(pids_of b xfer)
check "no module reference left" \
	wait_for 20 eval '[ "$(cat /sys/module/ktun/refcnt)" = "$refs" ]'
done_testing
