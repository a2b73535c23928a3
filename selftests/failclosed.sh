#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Failing closed: every way a handshake can go wrong leaves the owner with
# a clear error within the deadline, one kernel log line (and one ktund
# line where the daemon ran it), and no plaintext on the wire.  Host a is
# the ktun client; host b plays each bad peer in turn.  Port 73NN is case NN.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
two_hosts
capture a "$PWD/fail.pcap" "tcp portrange 7300-7399"

now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# policy_out PORT [ARGS...]: a's outbound policy for PORT expecting b.
policy_out() {
	local port=$1
	shift
	in_a ktun policy add remote $B4 rport "$port" dir out \
		peer-uri spiffe://example.org/b "$@" >/dev/null
}

# serve_b PORT [IDENTITY]: a ktun-protected echo server on b.
serve_b() {
	in_b ktun policy add remote $A4 lport "$1" dir in \
		peer-uri "${2:-spiffe://example.org/a}" >/dev/null
	in_b $XFER serve "$1" copy &
	wait_for 5 listening b "$1"
}

# client_fails CASE ERRNO REASON PORT [LIMIT_S]: a's unmodified client must
# fail with ERRNO within LIMIT_S seconds (default 8), and the kernel must
# log exactly one "handshake failed: REASON" line for the connection.
client_fails() {
	local c=$1 want=$2 why=$3 port=$4 limit=${5:-8} t0 ms out rc n
	t0=$(now_ms)
	out=$(in_a timeout 30 $XFER send $B4 "$port" 1000 block "$MARK" 2>&1)
	rc=$?
	ms=$(($(now_ms) - t0))
	# The bound tells the right timer from a later one (a deadline from
	# the peer's own close); the debug kernel runs everything SLOW times
	# slower.
	limit=$((limit * SLOW))
	if [ $rc = 3 ] && grep -q "$want" <<<"$out" && [ $ms -le $((limit * 1000)) ]; then
		ok "$c: the owner gets $want ($ms ms)"
	else
		not_ok "$c: the owner gets $want within $limit s"
		diag "exit $rc after $ms ms: $out"
	fi
	kernel_logged_one "$c" "connect .* -> $B4:$port policy [0-9]*: handshake failed: $why"
}

kernel_logged_one() {
	local n
	n=$(klog | grep -c -- "ktun: $2")
	same "$1: one kernel log line" 1 "$n"
	[ "$n" = 1 ] || klog | grep "ktun:" | tail -n 5 | sed 's/^/# /'
}

# daemon_logged_one CASE HOST PORT REASON: the host's ktund logged one
# failure line for the handshake with PORT.
daemon_logged_one() {
	local n
	wait_for 5 grep -q -- ":$3 .*failed" "/tmp/ktund-$2.log"
	n=$(grep -c -- ":$3 .*failed" "/tmp/ktund-$2.log")
	same "$1: one ktund line on host $2" 1 "$n"
	check "$1: ... giving the reason ($4)" grep -q -- ":$3 .*failed.*$4" "/tmp/ktund-$2.log"
	[ "$n" = 1 ] || tail -n 5 "/tmp/ktund-$2.log" | sed 's/^/# /'
}

# 01: no daemon on a.
ktund_down a
policy_out 7301
in_b $XFER serve 7301 copy &
wait_for 5 listening b 7301
client_fails "no daemon" ECONNREFUSED "no handshake daemon" 7301 3
ktund_up a a-ec

# 02: the peer accepts and never answers: the policy's deadline.
policy_out 7302 timeout 1500ms
in_b socat TCP-LISTEN:7302,reuseaddr SYSTEM:"sleep 20" &
wait_for 5 listening b 7302
client_fails "deadline" ETIMEDOUT "handshake deadline exceeded" 7302 4
daemon_logged_one "deadline" a 7302 "deadline exceeded"

# 03: a plain TCP peer (an echo server ktun does not protect).
policy_out 7303
in_b $XFER serve 7303 copy &
wait_for 5 listening b 7303
client_fails "plain TCP peer" ECONNREFUSED "handshake: SSL - .* (ECONNREFUSED)" 7303
daemon_logged_one "plain TCP peer" a 7303 "handshake: SSL"

# 04: a peer answering garbage.
policy_out 7304
in_b socat TCP-LISTEN:7304,reuseaddr SYSTEM:"echo HTTP/1.1 400 Bad Request; sleep 5" &
wait_for 5 listening b 7304
client_fails "garbage peer" ECONNRESET "peer sent something that is not a TLS handshake record" 7304
daemon_logged_one "garbage peer" a 7304 "not a TLS"

# 05: b's certificate names someone else than the policy expects.
in_a ktun policy add remote $B4 rport 7305 dir out \
	peer-uri spiffe://example.org/c >/dev/null
serve_b 7305
client_fails "wrong identity" ECONNREFUSED "peer certificate carries none of the accepted identities (ECONNREFUSED)" 7305
daemon_logged_one "wrong identity" a 7305 "none of the accepted identities"

# 06: b's certificate comes from another CA.
ktund_down b
ktund_up b rogue-b
policy_out 7306
serve_b 7306
client_fails "wrong CA" ECONNREFUSED "peer certificate: .* (ECONNREFUSED)" 7306
daemon_logged_one "wrong CA" a 7306 "peer certificate"

# 07: b's certificate expired.
ktund_down b
ktund_up b expired-b
policy_out 7307
serve_b 7307
client_fails "expired certificate" ECONNREFUSED "peer certificate: .*expired (ECONNREFUSED)" 7307
daemon_logged_one "expired certificate" a 7307 "expired"
ktund_down b
ktund_up b b-ec

# owner_gets CASE ERRNO PID OUT: the client PID (in the background,
# output in OUT) ended with ERRNO.
owner_gets() {
	local rc
	wait "$3"
	rc=$?
	if [ $rc = 3 ] && grep -q "$2" "$4"; then
		ok "$1: the owner gets $2"
	else
		not_ok "$1: the owner gets $2"
		diag "exit $rc: $(cat "$4")"
	fi
}

# handshake_held PORT: the client's connection is in the handshake state.
handshake_held() {
	in_a ktun -j conn show | jq -e --argjson p "$1" \
		'any(.[]; ."remote-port" == $p and .state == "handshake")' >/dev/null
}

# 08: a's daemon dies in the middle of a handshake.
policy_out 7308
serve_b 7308
pid=$(ktund_pid a)
kill -STOP "$pid"
in_a timeout 30 $XFER send $B4 7308 1000 block "$MARK" >c08.out 2>&1 &
cli=$!
check "daemon killed: the handshake is held while ktund is stopped" \
	wait_for 5 handshake_held 7308
kill -KILL "$pid"
owner_gets "daemon killed" ECONNREFUSED $cli c08.out
kernel_logged_one "daemon killed" "connect .* -> $B4:7308 policy [0-9]*: handshake failed: handshake daemon exited"
ktund_up a a-ec

# 09: the policy is deleted while its handshake runs.
policy_out 7309
serve_b 7309
id=$(in_a ktun -j policy show | jq '.[] | select(."remote-port-min" == 7309) | .id')
pid=$(ktund_pid a)
kill -STOP "$pid"
in_a timeout 30 $XFER send $B4 7309 1000 block "$MARK" >c09.out 2>&1 &
cli=$!
check "policy deleted: the handshake is held while ktund is stopped" \
	wait_for 5 handshake_held 7309
check "policy deleted: ktun policy del $id" in_a ktun policy del "$id"
owner_gets "policy deleted" ECONNRESET $cli c09.out
kernel_logged_one "policy deleted" "connect .* -> $B4:7309 policy $id: handshake failed: policy removed (ECONNRESET)"
kill -CONT "$pid"
daemon_logged_one "policy deleted" a 7309 "policy removed"
check "policy deleted: no connection left" \
	eval "[ \"\$(in_a ktun -j conn show | jq length)\" = 0 ]"

# 10: a plain client to a ktun server: reset, and the server program never
# sees its bytes (its echo would come back).
serve_b 7310
out=$(printf 'hello-plain-client' | in_a timeout 10 socat -t 3 - TCP:$B4:7310 2>&1)
same "plain client to a ktun server: nothing echoed" "" "$(tr -d '\n' <<<"$out" | grep -o hello-plain-client)"
kernel_logged_one "plain client" "accept .*:7310 -> .* policy [0-9]*: handshake failed: peer sent something that is not a TLS handshake record"

# 11: a program listening before b's inbound policy existed.  Adding the
# policy gates only the kernel's own listeners, not this one: ktun takes
# the child out of its accept queue and refuses it, so the plain accept()
# never hands it out.
in_b $XFER serve 7311 copy &
wait_for 5 listening b 7311
in_b ktun policy add remote $A4 lport 7311 dir in peer-uri spiffe://example.org/a >/dev/null
policy_out 7311
# The reset comes before the client's first write: ECONNRESET if that
# write was held in the gate, EPIPE (plain TCP's) if it came after.
out=$(in_a timeout 30 $XFER send $B4 7311 1000 block "$MARK" 2>&1)
rc=$?
check "listener before the policy: the owner's connection is reset ($out)" \
	eval '[ $rc = 3 ] && grep -qE "ECONNRESET|EPIPE" <<<"$out"'
# a learns of b's reset from the socket's error, its relay's read or
# its relay's write, whichever comes first: three wordings of one end.
kernel_logged_one "listener before the policy (a)" \
	"connect .* -> $B4:7311 policy [0-9]*: handshake failed: \(connection closed during the handshake\|peer closed during the handshake\|could not write handshake data\)"
kernel_logged_one "listener before the policy (b refuses)" \
	"accept .*:7311 -> .* policy [0-9]*: refused: its listener is not gated (created before the policy?) (ECONNREFUSED)"

capture_stop
check "capture: the plain client's bytes are visible (the capture works)" \
	grep -q hello-plain-client fail.pcap
same "capture: the marker never crossed the wire" 0 "$(grep -c "$MARK" fail.pcap)"
check "no connection objects left on a" \
	eval "[ \"\$(in_a ktun -j conn show | jq length)\" = 0 ]"
done_testing
