#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The end of a connection, against standard TLS stacks: a peer's
# close_notify reads as end of file for the unmodified owner (kTLS alone
# would fail every read with EIO), and an owner closing sends
# close_notify first (live.sh: OpenSSL sees no unexpected EOF).  OpenSSL and GnuTLS, both
# roles, all three ciphers.  Ports 78NN.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
two_hosts
head -c 50000 /dev/urandom >data.bin
# s_client without -nocommands takes a read of stdin (8 KiB) that starts
# with Q, K or R for a command: quit early, key update, renegotiate.  With
# random data that once cut the stream at 24576 bytes, 1 run in 10: the
# letters go at those starts for good, so the test cannot depend on luck.
for at in 8192:K 16384:R 24576:Q; do
	printf %s "${at#*:}" | dd of=data.bin bs=1 seek="${at%:*}" conv=notrunc status=none
done

ossl() { case $1 in aes-128-gcm) echo ECDHE-ECDSA-AES128-GCM-SHA256 ;;
	aes-256-gcm) echo ECDHE-ECDSA-AES256-GCM-SHA384 ;;
	*) echo ECDHE-ECDSA-CHACHA20-POLY1305 ;; esac; }
gtls() { case $1 in aes-128-gcm) echo AES-128-GCM ;; aes-256-gcm) echo AES-256-GCM ;;
	*) echo CHACHA20-POLY1305 ;; esac; }
prio() { echo "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+$(gtls "$1")"; }

# got DESC RC ERRFILE: the owner read data.bin whole, then end of file.
got() {
	if [ "$2" = 0 ] && cmp -s got.bin data.bin && ! grep -q "Input/output error" "$3"; then
		ok "$1"
	else
		not_ok "$1"
		diag "exit $2, $(wc -c <got.bin) of 50000 bytes: $(head -c 300 "$3")"
		diag "client: $(head -c 300 cli.err)"
	fi
}

# page DESC PORT: an HTTP request to b's TLS server on PORT; the whole
# page must come back, then end of file (socat ends cleanly).
page() {
	local rc
	printf 'GET / HTTP/1.0\r\n\r\n' | in_a timeout 20 socat -t 10 - TCP:$B4:$2 \
		>page.out 2>cli.err
	rc=$?
	if [ $rc = 0 ] && grep -qi '</html>' page.out && ! grep -q "Input/output error" cli.err; then
		ok "$1"
	else
		not_ok "$1"
		diag "exit $rc, $(wc -c <page.out) bytes: $(head -c 300 cli.err)"
	fi
}

port=7800
for c in aes-128-gcm aes-256-gcm chacha20-poly1305; do
	port=$((port + 4))
	in_a ktun policy add remote $B4 rport $port-$((port + 1)) dir out cipher $c \
		peer-uri spiffe://example.org/b >/dev/null
	in_b ktun policy add remote $A4 lport $((port + 2))-$((port + 3)) dir in cipher $c \
		peer-uri spiffe://example.org/a >/dev/null

	# OpenSSL's status page server (-www) answers, then closes with
	# close_notify.  (Its plain s_server, sending a file right after the
	# handshake, sometimes blocks in its own read - with any client.)
	in_b timeout 30 openssl s_server -www -tls1_2 -accept $port -naccept 1 \
		-cipher "$(ossl $c)" -cert $PKI/b-ec.crt -key $PKI/b-ec.key \
		>/dev/null 2>srv.err &
	wait_for 5 listening b $port
	page "openssl s_server's close_notify after its page: the ktun client reads it all, then EOF ($c)" $port

	# GnuTLS's HTTP server, the same.
	in_b timeout 30 gnutls-serv -p $((port + 1)) --priority "$(prio $c)" \
		--x509certfile $PKI/b-ec.crt --x509keyfile $PKI/b-ec.key >gs.out 2>&1 &
	wait_for 5 listening b $((port + 1))
	page "gnutls-serv's close_notify after its page: the ktun client reads it all, then EOF ($c)" $((port + 1))
	kill $(pids_of b gnutls-serv) 2>/dev/null

	# OpenSSL client sends the data, then close_notify (-no_ign_eof).
	rm -f got.bin
	# shut-none: socat -u would half-close at once (it never writes).
	in_b timeout 30 socat -u TCP-LISTEN:$((port + 2)),reuseaddr,shut-none - >got.bin 2>srv.err &
	srv=$!
	wait_for 5 listening b $((port + 2))
	in_a timeout 20 openssl s_client -quiet -no_ign_eof -nocommands -tls1_2 -connect $B4:$((port + 2)) \
		-cipher "$(ossl $c)" -cert $PKI/a-ec.crt -key $PKI/a-ec.key -CAfile $PKI/ca.crt \
		<data.bin >/dev/null 2>cli.err
	wait $srv
	got "openssl s_client's close_notify: the ktun server reads all, then EOF ($c)" $? srv.err

	# GnuTLS client, the same.
	rm -f got.bin
	in_b timeout 30 socat -u TCP-LISTEN:$((port + 3)),reuseaddr,shut-none - >got.bin 2>srv.err &
	srv=$!
	wait_for 5 listening b $((port + 3))
	in_a timeout 20 gnutls-cli -p $((port + 3)) $B4 --priority "$(prio $c)" \
		--x509cafile $PKI/ca.crt --verify-hostname b.example.org \
		--x509certfile $PKI/a-ec.crt --x509keyfile $PKI/a-ec.key \
		<data.bin >/dev/null 2>cli.err
	wait $srv
	got "gnutls-cli's close_notify: the ktun server reads all, then EOF ($c)" $? srv.err
done
done_testing
