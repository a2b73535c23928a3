#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ktun with live connections: "ktun monitor" events, iperf3 (a real
# program nobody here wrote) through ktun, then rmmod and namespace
# deletion while connections are secure or half-handshaked.  Secure
# connections must stay encrypted (kTLS belongs to the tls module) or be
# reset; the kernel log must stay clean (checked by the VM runner).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
two_hosts

for port in 5201 7401 7402 7403; do
	in_a ktun policy add remote $B4 rport $port dir out peer-uri spiffe://example.org/b >/dev/null
	in_b ktun policy add remote $A4 lport $port dir in peer-uri spiffe://example.org/a >/dev/null
done
in_b $XFER serve 7401 copy &
wait_for 5 listening b 7401

# --- ktun monitor -------------------------------------------------------
in_a ktun -j monitor >mon.json 2>mon.err &
mon=$!
wait_for 5 grep -q monitoring mon.err
expect 0 "^ok 5000\$" "a connection while monitoring" in_a $XFER send $B4 7401 5000 block
ktund_down a
in_a $XFER send $B4 7401 10 block >/dev/null 2>&1	# no daemon: fails
ktund_up a a-ec
wait_for 10 grep -q '"event":"failed"' mon.json
check "monitor: conn-up with peer identity and cipher" jq -se \
	'any(.[]; .event == "up" and ."remote-port" == 7401 and
	     ."peer-identity" == "uri:spiffe://example.org/b" and .state == "secure")' mon.json
check "monitor: conn-down with the bytes moved" jq -se \
	'any(.[]; .event == "down" and ."remote-port" == 7401 and ."tx-bytes" >= 5000)' mon.json
check "monitor: conn-failed with its reason" jq -se \
	'any(.[]; .event == "failed" and ."remote-port" == 7401 and
	     (.reason | test("no handshake daemon")))' mon.json
kill $mon
expect 0 "^up conn .* secure client owner user policy" "monitor: text output" \
	bash -c "in_a() { $IP netns exec ha \"\$@\"; }
		 in_a ktun monitor >mon.txt 2>&1 & m=\$!
		 $(declare -f wait_for)
		 wait_for 5 grep -q monitoring mon.txt
		 in_a $XFER send $B4 7401 10 block >/dev/null
		 wait_for 5 grep -q '^up conn' mon.txt
		 kill \$m; cat mon.txt"
expect 1 "Operation not permitted" "monitor: unprivileged users get EPERM" \
	in_a setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all --bounding-set=-all ktun monitor

# --- iperf3 -------------------------------------------------------------
in_b iperf3 -s -1 -p 5201 >iperf-s.out 2>&1 &
wait_for 5 listening b 5201
capture b "$PWD/iperf.pcap" "tcp port 5201"
expect 0 "receiver" "iperf3 client and server through ktun" \
	in_a timeout 60 iperf3 -c $B4 -p 5201 -t 2 -l 16K
capture_stop
expect 0 "marker absent" "iperf3 capture: only TLS records" \
	$TAP scan iperf.pcap "$MARK"
check "iperf3 connections were secured by ktun" \
	eval "klog | grep -q 'connect .* -> $B4:5201 policy [0-9]*: secured'"

# --- rmmod with a secure and a half-handshaked connection ---------------
# Gated listeners hold the module (see Documentation/design.md), so b's
# ktun servers go; the secure connection's far end is OpenSSL, which also
# proves the connection is still standard TLS after ktun is gone.
kill $(pids_of b xfer)
in_b ktun policy flush
rm -f done
feed() { while [ ! -e done ]; do sleep 0.1; done; }
feed | in_b openssl s_server -quiet -tls1_2 -accept 7402 -naccept 1 \
	-cert $PKI/b-ec.crt -key $PKI/b-ec.key -CAfile $PKI/ca.crt -Verify 1 \
	-verify_return_error >srv.out 2>srv.err &
in_b socat TCP-LISTEN:7403,reuseaddr SYSTEM:"sleep 30" &
wait_for 5 listening b 7403
wait_for 5 listening b 7402
mkfifo hold
in_a socat -u OPEN:hold TCP:$B4:7402 &
exec 9>hold
printf 'before-rmmod\n' >&9
check "a secure connection to OpenSSL" wait_for 10 grep -q before-rmmod srv.out
# A half-handshaked one: a's daemon is stopped.
pid=$(ktund_pid a)
kill -STOP $pid
in_a timeout 60 $XFER send $B4 7403 100 block "$MARK" >held.out 2>&1 &
held=$!
wait_for 5 eval "in_a ktun -j conn show | jq -e 'any(.[]; .state == \"handshake\")' >/dev/null"
expect 1 "in use" "rmmod refuses while a handshake holds the module" rmmod ktun
kill -KILL $pid
wait $held
rc=$?
check "the held connection fails closed when its daemon dies (exit $rc)" \
	eval '[ $rc = 3 ] && grep -q "error: .*: ECONNREFUSED" held.out'
capture b "$PWD/rmmod.pcap" "tcp port 7402"
ktun_state() {
	diag "refcnt $(cat /sys/module/ktun/refcnt 2>&1) stats $(ktun -j stats)"
	diag "a: $(in_a ktun conn show 2>&1)"
	diag "b: $(in_b ktun conn show 2>&1)"
}
# A process's secured socket has ktun's ops over kTLS's (close_notify
# handling): it holds the module until it closes.
expect 1 "in use" "rmmod refuses while a process's secured connection is open" rmmod ktun
printf '%s-still-loaded\n' "$MARK" >&9
check "... and the connection still works (OpenSSL decrypts it)" \
	wait_for 10 grep -q "$MARK-still-loaded" srv.out
capture_stop
expect 0 "[1-9][0-9]* application-data headers, marker absent" \
	"the connection carries only TLS records" \
	$TAP scan rmmod.pcap "$MARK"
exec 9>&-
# s_server (-naccept 1) exits when the connection ends.
check "closing it ends TLS with close_notify: OpenSSL sees no unexpected EOF" \
	eval 'wait_for 20 eval "[ -z \"\$(pids_of b openssl)\" ]" &&
	      ! grep -qi "unexpected eof" srv.err' || diag "s_server: $(cat srv.err)"
touch done
if wait_for 10 rmmod ktun; then
	ok "rmmod once it is closed"
else
	not_ok "rmmod once it is closed"
	ktun_state
fi
check "the module loads again" modprobe ktun

# --- namespace deletion with live connections ---------------------------
# A daemon registers with one module instance: after the reload, restart.
ktund_down b
ktund_up b b-ec
ktund_up a a-ec
for port in 7404 7405; do
	in_a ktun policy add remote $B4 rport $port dir out peer-uri spiffe://example.org/b >/dev/null
	in_b ktun policy add remote $A4 lport $port dir in peer-uri spiffe://example.org/a >/dev/null
	in_b $XFER serve $port copy &
	wait_for 5 listening b $port
done
mkfifo hold2
in_a socat -u OPEN:hold2 TCP:$B4:7404 >/dev/null &
exec 8>hold2
wait_for 10 eval "in_a ktun -j conn show | jq -e 'any(.[]; .state == \"secure\")' >/dev/null"
pid=$(ktund_pid a)
kill -STOP $pid
in_a timeout 60 $XFER send $B4 7405 100 block >/dev/null 2>&1 &
check "a secure and a half-handshaked connection before deletion" \
	wait_for 5 eval "in_a ktun -j conn show | jq -e 'any(.[]; .state == \"handshake\")' >/dev/null"
exec 8>&-
trap - EXIT
hosts_down
kill -KILL $pid 2>/dev/null
stat_is() { [ "$(ktun -j stats | jq ".[\"$1\"]")" = "$2" ]; }
if wait_for 20 stat_is conns-total 0; then
	ok "namespace deletion frees every connection"
else
	not_ok "namespace deletion frees every connection"
	diag "$(ktun -j stats)"
fi
check "... and every policy" wait_for 20 stat_is policies-total 0
done_testing
