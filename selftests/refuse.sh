#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Refusals are aborts: a connection a policy selects but ktun cannot
# secure - over a handshake limit, its listener not gated, its owner in
# the kernel without the read_sock redirect - is reset, and its owner gets
# an error and never a byte, however often it reads again (hostile
# reader).  The handshake limits count handshakes, not secured
# connections, and one peer cannot take a namespace's whole budget.  A
# flood that overruns ktund's netlink buffer leaves it no stale
# handshakes.  Ports 74NN.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
H=/selftests/hostile
P=/sys/module/ktun/parameters
A4B=10.10.0.3
limits() {	# limits NET SOURCE LISTENER
	echo "$1" >$P/max_handshakes &&
	echo "$2" >$P/max_handshakes_per_source &&
	echo "$3" >$P/max_handshakes_per_listener
}
TEARDOWN="limits 4096 256 1024"
two_hosts
$IP -n ha addr add $A4B/24 dev va
capture a "$PWD/r.pcap" "tcp portrange 7400-7499"
stat_of() { in_$1 ktun -j stats | jq -r ".[\"$2\"]"; }

# reader_never DESC LOG: the hostile reader logging to LOG saw no byte.
reader_never() {
	wait_for 30 grep -qE '^(never|got|still|error)' "$2"
	check "$1 ($(head -n 1 "$2"))" grep -q '^never a byte' "$2"
}

# 1. Over the namespace's handshake limit, outbound.  Two handshakes of a
# are held by a server on b that never answers; a third connection, to a
# server that talks first, is refused: its owner reads nothing.
in_a ktun policy add remote $B4 rport 7401-7402 dir out timeout 60s \
	peer-uri spiffe://example.org/b >/dev/null
in_b $H listen 7402 >l2.out &
in_b $H greet 7401 greeting-1 >g1.out &
wait_for 5 listening b 7402 && wait_for 5 listening b 7401
limits 2 256 1024
refs=$(cat /sys/module/ktun/refcnt)
in_a $H hold $B4 7402 2 >hold1.out &
hold1=$!
check "two held handshakes fill a's limit" \
	wait_for 20 eval '[ "$(stat_of a handshakes)" = 2 ]'
in_a $H reader connect $B4 7401 >r1.out 2>&1
reader_never "outbound over the limit: the owner never reads a byte" r1.out
check "... and the log says why" eval "klog | grep -q \
	'connect .* -> $B4:7401 policy [0-9]*: refused: too many handshakes in the namespace (ECONNREFUSED)'"
check "... and the refusal is counted" eval '[ "$(stat_of a refused)" -ge 1 ]'
same "stats show the limit" 2 "$(stat_of a max-handshakes)"

kill $(pids_of a hostile)
check "... and, once those go, no module reference" \
	wait_for 20 eval '[ "$(cat /sys/module/ktun/refcnt)" = "$refs" ] &&
		[ "$(stat_of a handshakes)" = 0 ]' ||
	diag "refcnt $(cat /sys/module/ktun/refcnt) (was $refs), a: $(in_a ktun -j stats)"
limits 4096 256 1024

# 3. A listener that predates the inbound policy is not gated: its
# children are taken out of its accept queue and refused before it can
# accept them - even one established by a segment that carries data
# (TCP_DEFER_ACCEPT), which would otherwise wait in the queue.
in_b $H reader listen 7403 defer >r3.out 2>&1 &
wait_for 5 listening b 7403
in_b ktun policy add remote $A4 lport 7403 dir in peer-uri spiffe://example.org/a >/dev/null
printf 'client-data-3' | in_a timeout 10 socat -t 2 - TCP:$B4:7403 >/dev/null 2>&1
check "ungated listener: the child is refused, and the log says why" \
	wait_for 10 eval "klog | grep -q 'accept .*:7403 -> .* policy [0-9]*: refused: its listener is not gated'"
same "... it never reached accept()" listening "$(cat r3.out)"
kill $(pids_of b hostile) 2>/dev/null

# 4. The exact listener: an ungated one on b's address and a gated one on
# the same port on another address.  The child belongs to the ungated
# one (it greets with the marker in plain text): refused, never relayed.
in_b $H greet 7404 "$MARK" bind=$B4 >g4.out &
wait_for 5 listening b 7404
in_b ktun policy add remote $A4 lport 7404 dir in peer-uri spiffe://example.org/a >/dev/null
in_b $H listen 7404 bind=127.0.0.1 >l4.out &
wait_for 5 grep -q listening l4.out
in_a ktun policy add remote $B4 rport 7404-7405 dir out peer-uri spiffe://example.org/b >/dev/null
out=$(in_a timeout 20 $XFER send $B4 7404 1000 2>&1)
check "another address's gated listener does not make this one gated ($out)" \
	eval "klog | grep -q 'accept .*:7404 -> .* refused: its listener is not gated'"
kill $(pids_of b hostile) 2>/dev/null

# 5. A SO_REUSEPORT group gated in part: the member from before the policy
# refuses its children, the one from after (gated at listen()) secures
# them.  16 connections from a ktun client, spread by TCP's hash.
in_b $H greet 7405 "$MARK" reuseport >g5a.out &
wait_for 5 grep -q listening g5a.out
in_b ktun policy add remote $A4 lport 7405 dir in peer-uri spiffe://example.org/a >/dev/null
in_b $H greet 7405 secured-greeting reuseport >g5b.out &
wait_for 5 grep -q listening g5b.out
ok5=0
for i in $(seq 16); do
	in_a $H reader connect $B4 7405 >r5.out 2>&1
	grep -qE '^got .*secured-greeting|^never a byte' r5.out && ok5=$((ok5 + 1))
done
same "reuseport: each connection is secured by the gated member or refused" 16 $ok5

# 6. One peer address holds its share of handshakes, not everyone's: four
# idle connections from a's first address fill its per-source limit; a
# fifth is refused; a's second address still gets through.
limits 4096 4 1024
in_b ktun policy add remote 10.10.0.0/24 lport 7406 dir in peer-uri spiffe://example.org/a >/dev/null
in_b $XFER serve 7406 copy &
wait_for 5 listening b 7406
in_a $H hold $B4 7406 4 $A4 >hold6.out &
hold6=$!
check "a silent peer holds 4 handshakes on b" \
	wait_for 20 eval '[ "$(stat_of b handshakes)" = 4 ]'
in_a $H reader connect $B4 7406 >r6.out 2>&1
reader_never "its fifth is refused: never a byte" r6.out
check "... and the log says why" eval "klog | grep -q \
	'accept .*:7406 -> .*$A4.* refused: too many handshakes from this peer address'"
in_a ktun policy add remote $B4 rport 7406 local $A4B dir out peer-uri spiffe://example.org/b >/dev/null
expect 0 "^ok 4096" "another peer address is still served" \
	in_a env XFER_SRC=$A4B timeout 20 $XFER send $B4 7406 4096 block
kill $(pids_of a hostile)
check "... whose handshakes end when it goes" \
	wait_for 20 eval '[ "$(stat_of b handshakes)" = 0 ]'

# 7. Secured connections do not count: with room for 3 handshakes, 20
# connections secured one after another all stay up together.
limits 3 256 1024
in_b ktun policy add remote $A4B lport 7407 dir in peer-uri spiffe://example.org/a >/dev/null
in_a ktun policy add remote $B4 rport 7407 dir out peer-uri spiffe://example.org/b >/dev/null
in_b socat TCP-LISTEN:7407,fork,reuseaddr,backlog=64 EXEC:cat &
wait_for 5 listening b 7407
in_a $H hold $B4 7407 20 $A4B ping >hold7.out &
hold7=$!
check "20 secured connections with a limit of 3 handshakes" \
	wait_for 60 grep -q 'held 20' hold7.out
same "... all secure on b" 20 \
	"$(in_b ktun -j conn show | jq '[.[] | select(.state == "secure" and ."local-port" == 7407)] | length')"
same "... and none handshaking" 0 "$(stat_of b handshakes)"
kill $(pids_of a hostile) $(pids_of b socat)
limits 4096 256 1024

# 8. Connect and close at once, over and over, while refused (the path of
# a use-after-free once: the owner's close racing the refusal).  Last:
# 200 refusals make 200 log lines, past the log's rate limit.
in_b $H listen 7402 >l8.out &
in_b $H greet 7401 greeting-8 >g8.out &
wait_for 5 listening b 7402 && wait_for 5 listening b 7401
limits 2 256 1024
refs=$(cat /sys/module/ktun/refcnt)
in_a $H hold $B4 7402 2 >hold8.out &
check "two held handshakes fill a's limit again" \
	wait_for 20 eval '[ "$(stat_of a handshakes)" = 2 ]'
check "200 refused connects closed at once" \
	eval "in_a $H churn $B4 7401 200 | grep -q 'churned 200'"
check "... leave only the held handshakes" \
	wait_for 20 eval '[ "$(in_a ktun -j conn show | jq length)" = 2 ]'
kill $(pids_of a hostile)
check "... and, once those go, no module reference" \
	wait_for 20 eval '[ "$(cat /sys/module/ktun/refcnt)" = "$refs" ]' ||
	diag "refcnt $(cat /sys/module/ktun/refcnt) (was $refs)"
limits 4096 256 1024

# 9. A flood while ktund is stopped: the module's messages overrun the
# daemon's netlink buffer (16 KiB here), the hs-starts that fit wait in
# it, and every later message - the hs-aborts of those handshakes too -
# is lost.  Once ktund runs again it must forget every handshake the
# module ended, not keep them until its last-resort sweep (130 s).
ktund_down b
printf 'netlink-buffer 16384\n' >small.conf
ktund_up b b-ec -v -c "$PWD/small.conf"
in_b ktun policy add remote $A4 lport 7409 dir in peer-uri spiffe://example.org/a >/dev/null
in_b $H listen 7409 >l9.out &
wait_for 5 listening b 7409
kill -STOP $(ktund_pid b)
# Those that find the buffer full fail at once ("handshake daemon
# unreachable"): their reset may beat connect()'s return (flood).
in_a $H hold $B4 7409 100 - flood >hold9.out &
hold9=$!
check "100 idle connections to b while its ktund is stopped" \
	wait_for 60 grep -q '^held' hold9.out ||
	diag "$(cat hold9.out); b: $(stat_of b handshakes) handshaking"
kill $hold9
check "the peer closes them all: no handshake left on b" \
	wait_for 30 eval '[ "$(stat_of b handshakes)" = 0 ]'
kill -CONT $(ktund_pid b)
started() { grep -c ":7409 <- .*: started" /tmp/ktund-b.log; }
ended() { grep -cE ":7409 <- .*: (ok|failed|forgotten)" /tmp/ktund-b.log; }
check "ktund resumes and reports the overrun (the flood did overrun it)" \
	wait_for 30 grep -q "netlink receive overrun" /tmp/ktund-b.log
check "... forgets every handshake the module ended" \
	wait_for 30 eval '[ "$(started)" -gt 0 ] && [ "$(ended)" = "$(started)" ]' ||
	diag "started $(started), ended $(ended)"
check "... each because the module no longer has it" \
	eval '[ "$(grep -c ":7409 <- .*: forgotten: the module no longer has it" /tmp/ktund-b.log)" -gt 0 ]'
kill $(pids_of b hostile)
ktund_down b
ktund_up b b-ec

capture_stop
same "capture: nothing an owner wrote on a refused connection left" 0 \
	"$(grep -c KTUN-OWNER-SENT r.pcap)"
same "capture: the ungated listeners' plaintext never crossed the wire" 0 \
	"$(grep -c "$MARK" r.pcap)"
done_testing
