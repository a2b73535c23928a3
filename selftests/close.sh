#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The end of a connection, against standard TLS stacks: a peer's
# close_notify reads as end of file for the unmodified owner (kTLS alone
# would fail every read with EIO), and an owner closing or shutting down
# its write side sends close_notify first.  OpenSSL and GnuTLS, both
# roles, all three ciphers.  Ports 78NN.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
two_hosts
head -c 50000 /dev/urandom >data.bin

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
	fi
}

port=7800
for c in aes-128-gcm aes-256-gcm chacha20-poly1305; do
	port=$((port + 4))
	in_a ktun policy add remote $B4 rport $port-$((port + 1)) dir out cipher $c \
		peer-uri spiffe://example.org/b >/dev/null
	in_b ktun policy add remote $A4 lport $((port + 2))-$((port + 3)) dir in cipher $c \
		peer-uri spiffe://example.org/a >/dev/null

	# OpenSSL server sends the data, then close_notify (its stdin ends).
	in_b timeout 30 openssl s_server -quiet -tls1_2 -accept $port -naccept 1 \
		-cipher "$(ossl $c)" -cert $PKI/b-ec.crt -key $PKI/b-ec.key \
		<data.bin >/dev/null 2>srv.err &
	wait_for 5 listening b $port
	rm -f got.bin
	in_a timeout 20 socat -u TCP:$B4:$port - >got.bin 2>cli.err
	got "openssl s_server's close_notify: the ktun client reads all, then EOF ($c)" $? cli.err

	# GnuTLS echo server: the ktun client's shutdown(SHUT_WR) sends
	# close_notify; the server echoes and closes with its own.
	in_b timeout 30 gnutls-serv --echo -p $((port + 1)) --priority "$(prio $c)" \
		--x509certfile $PKI/b-ec.crt --x509keyfile $PKI/b-ec.key >gs.out 2>&1 &
	gs=$!
	wait_for 5 listening b $((port + 1))
	rm -f got.bin
	in_a timeout 20 socat -t 10 - TCP:$B4:$((port + 1)) <data.bin >got.bin 2>cli.err
	got "gnutls-serv echo: the ktun client's close_notify and the server's, then EOF ($c)" $? cli.err
	kill $gs 2>/dev/null

	# OpenSSL client sends the data, then close_notify (-no_ign_eof).
	rm -f got.bin
	in_b timeout 30 socat -u TCP-LISTEN:$((port + 2)),reuseaddr - >got.bin 2>srv.err &
	srv=$!
	wait_for 5 listening b $((port + 2))
	in_a timeout 20 openssl s_client -quiet -no_ign_eof -tls1_2 -connect $B4:$((port + 2)) \
		-cipher "$(ossl $c)" -cert $PKI/a-ec.crt -key $PKI/a-ec.key -CAfile $PKI/ca.crt \
		<data.bin >/dev/null 2>cli.err
	wait $srv
	got "openssl s_client's close_notify: the ktun server reads all, then EOF ($c)" $? srv.err

	# GnuTLS client, the same.
	rm -f got.bin
	in_b timeout 30 socat -u TCP-LISTEN:$((port + 3)),reuseaddr - >got.bin 2>srv.err &
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
