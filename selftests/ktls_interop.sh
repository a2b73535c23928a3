#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole ktun path (module + ktund + kTLS) against OpenSSL, for every
# cipher, both directions.  tls_tap relays each connection and fails on a
# plaintext marker or a repeated GCM explicit nonce.
#
#   host a: xfer (ktun client) ----> host b: tls_tap -> openssl s_server
#   host a: openssl s_client -> tls_tap ----> host b: xfer serve (ktun server)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
two_hosts

# OpenSSL ends a connection when its stdin ends: keep it open until "done".
feed() { cat "$1"; while [ ! -e done ]; do sleep 0.1; done; }
ossl() { case $1 in aes-128-gcm) echo ECDHE-ECDSA-AES128-GCM-SHA256 ;;
	aes-256-gcm) echo ECDHE-ECDSA-AES256-GCM-SHA384 ;;
	*) echo ECDHE-ECDSA-CHACHA20-POLY1305 ;; esac; }
gcm() { [ "${1#aes}" != "$1" ] && echo gcm; }

port=7200
for c in aes-128-gcm aes-256-gcm chacha20-poly1305; do
	port=$((port + 2))
	# ktun client -> OpenSSL server (through the tap on b).
	in_a ktun policy add remote $B4 rport $port dir out cipher $c \
		peer-uri spiffe://example.org/b >/dev/null
	# Every output file goes first: a wait below must not see the last
	# round's (a stale got.bin ended the client early; CI failed on it).
	rm -f done got.bin srv.out srv.err tap.out cli.out cli.err
	head -c 100000 /dev/urandom >down.bin
	feed down.bin | in_b timeout 60 openssl s_server -quiet -tls1_2 -no_ticket \
		-accept 127.0.0.1:$((port + 1)) -naccept 1 -cipher "$(ossl $c)" \
		-cert $PKI/b-ec.crt -key $PKI/b-ec.key -CAfile $PKI/ca.crt -Verify 1 \
		-verify_return_error >srv.out 2>srv.err &
	srv=$!
	in_b timeout 60 $TAP $port 127.0.0.1 $((port + 1)) "$MARK" $(gcm $c) >tap.out 2>&1 &
	tap=$!
	wait_for 10 listening b $((port + 1))
	wait_for 10 listening b $port
	# Send the marker and keep our side open until the server's 100000
	# bytes are in: a half-close could end s_server before it has sent all.
	{
		printf '%s-client-data' "$MARK"
		wait_for 30 eval '[ "$(stat -c %s got.bin 2>/dev/null)" -ge 100000 ]'
	} | in_a timeout 40 socat - TCP:$B4:$port >got.bin 2>cli.err
	out=$(cmp got.bin down.bin 2>&1 && echo same)
	touch done
	wait $tap
	taprc=$?
	wait $srv
	if [ "$out" = same ] && [ $taprc = 0 ] && grep -q "$MARK-client-data" srv.out; then
		ok "kernel ktun client -> openssl s_server, $c"
	else
		not_ok "kernel ktun client -> openssl s_server, $c"
		diag "cmp: $out, tap $taprc: $(cat tap.out)"
		diag "server: $(head -c 300 srv.err)"
	fi

	# OpenSSL client -> ktun server (through the tap on a, which must
	# itself stay outside ktun: drop a's outbound policy).
	in_a ktun policy flush
	# The listener must exist after the policy to be gated.
	in_b ktun policy add remote $A4 lport $port dir in cipher $c \
		peer-uri spiffe://example.org/a >/dev/null
	in_b $XFER serve $port copy &
	serve=$!
	wait_for 5 listening b $port
	rm -f done tap.out cli.out cli.err
	in_a timeout 60 $TAP $((port + 1)) $B4 $port "$MARK" $(gcm $c) >tap.out 2>&1 &
	tap=$!
	wait_for 10 listening a $((port + 1))
	printf '%s-from-openssl' "$MARK" >up.bin
	feed up.bin | in_a timeout 30 openssl s_client -quiet -nocommands -tls1_2 \
		-connect 127.0.0.1:$((port + 1)) -cipher "$(ossl $c)" -cert $PKI/a-ec.crt \
		-key $PKI/a-ec.key -CAfile $PKI/ca.crt -verify_return_error \
		>cli.out 2>cli.err &
	cli=$!
	wait_for 20 grep -q "$MARK-from-openssl" cli.out
	# -quiet ignores EOF on stdin: end the client once it has the echo.
	kill $(pids_of a openssl) 2>/dev/null
	touch done
	wait $cli
	wait $tap
	taprc=$?
	if grep -q "$MARK-from-openssl" cli.out && [ $taprc = 0 ]; then
		ok "openssl s_client -> kernel ktun server (echo), $c"
	else
		not_ok "openssl s_client -> kernel ktun server (echo), $c"
		diag "tap $taprc: $(cat tap.out)"
		diag "client: $(head -c 300 cli.err)"
		diag "client got $(wc -c <cli.out) bytes: $(head -c 100 cli.out | od -c | head -3)"
	fi
	kill $serve
	in_b ktun policy flush
done
done_testing
