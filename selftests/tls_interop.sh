#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ktund's TLS engine against an independent TLS stack (OpenSSL), with the
# exported keys installed into kTLS: proves keys, salts, IVs and record
# sequence numbers are standard TLS.  Each data run goes through tls_tap,
# which fails if the plaintext marker is seen on the wire or if a GCM
# explicit nonce ever repeats.  Then the refusals: wrong identity, wrong
# CA, expired certificate, no client certificate, no extended master
# secret, no common cipher.
#
#   tls_peer (kTLS) <-> tls_tap <-> openssl s_server / s_client
. "$(dirname "$0")/lib.sh"
fresh_netns "$@"
ip link set lo up

PKI=/selftests/pki
PEER=/selftests/tls_peer
TAP=/selftests/tls_tap
MARK=KTUN-PLAINTEXT-MARKER-7f3a
work=$(mktemp -d)
cd "$work" || exit 1
port=20000

# FILE SIZE: random bytes with the marker written at a few offsets.
mkdata() {
	head -c "$2" /dev/urandom >"$1"
	for off in 0 1000 $(($2 / 2)) $(($2 - 64)); do
		printf %s "$MARK" | dd of="$1" bs=1 seek="$off" conv=notrunc 2>/dev/null
	done
}

ossl_suite() {	# CIPHER KEYTYPE
	local kx=ECDSA
	[ "$2" = rsa ] && kx=RSA
	case $1 in
	aes-128-gcm) echo "ECDHE-$kx-AES128-GCM-SHA256" ;;
	aes-256-gcm) echo "ECDHE-$kx-AES256-GCM-SHA384" ;;
	chacha20-poly1305) echo "ECDHE-$kx-CHACHA20-POLY1305" ;;
	esac
}

# Keeps openssl's stdin open (after FILE) until "done" exists: OpenSSL
# ends the connection when its stdin ends.
feed() {
	cat "$1"
	while [ ! -e done ]; do sleep 0.1; done
}

gcm_flag() { [ "${1#aes}" != "$1" ] && echo gcm; }

# ktun connects, OpenSSL serves (server certificate of KEYTYPE).
run_client() {	# CIPHER KEYTYPE
	local c=$1 t=$2 ok=true
	port=$((port + 2))
	rm -f done
	mkdata up.bin 300000
	mkdata down.bin 200000
	feed down.bin | timeout 60 openssl s_server -quiet -tls1_2 -no_ticket \
		-accept "127.0.0.1:$port" -naccept 1 -cipher "$(ossl_suite "$c" "$t")" \
		-cert "$PKI/b-$t.crt" -key "$PKI/b-$t.key" -CAfile "$PKI/ca.crt" \
		-Verify 1 -verify_return_error >srv.out 2>srv.err &
	local srv=$!
	timeout 60 "$TAP" $((port + 1)) 127.0.0.1 "$port" "$MARK" $(gcm_flag "$c") >tap.out 2>&1 &
	local tap=$!
	timeout 60 "$PEER" connect 127.0.0.1 $((port + 1)) ca "$PKI/ca.crt" \
		cert "$PKI/a-ec.crt" key "$PKI/a-ec.key" peer uri:spiffe://example.org/b \
		cipher "$c" send up.bin recv 200000 got.bin >peer.out 2>&1 || ok=false
	touch done
	wait $srv
	wait $tap || ok=false
	cmp -s up.bin srv.out || ok=false
	cmp -s down.bin got.bin || ok=false
	if $ok; then
		ok "interop: ktun client -> openssl server, $c, $t server key"
	else
		not_ok "interop: ktun client -> openssl server, $c, $t server key"
		sed 's/^/# /' peer.out tap.out srv.err | head -20
		diag "upload $(cmp up.bin srv.out 2>&1), download $(cmp down.bin got.bin 2>&1)"
	fi
}

# OpenSSL connects, ktun serves (server certificate of KEYTYPE).
run_server() {	# CIPHER KEYTYPE
	local c=$1 t=$2 ok=true
	port=$((port + 2))
	rm -f done
	mkdata up.bin 300000
	mkdata down.bin 200000
	timeout 60 "$PEER" accept 127.0.0.1 "$port" ca "$PKI/ca.crt" \
		cert "$PKI/b-$t.crt" key "$PKI/b-$t.key" peer dns:a.example.org \
		cipher "$c" send down.bin recv 300000 got.bin >peer.out 2>&1 &
	local peer=$!
	timeout 60 "$TAP" $((port + 1)) 127.0.0.1 "$port" "$MARK" $(gcm_flag "$c") >tap.out 2>&1 &
	local tap=$!
	wait_for 10 tcp_listening $((port + 1))
	feed up.bin | timeout 60 openssl s_client -quiet -tls1_2 \
		-connect "127.0.0.1:$((port + 1))" -cipher "$(ossl_suite "$c" "$t")" \
		-cert "$PKI/a-ec.crt" -key "$PKI/a-ec.key" -CAfile "$PKI/ca.crt" \
		-verify_return_error >cli.out 2>cli.err &
	local cli=$!
	wait $peer || ok=false
	touch done
	wait $cli
	wait $tap || ok=false
	cmp -s up.bin got.bin || ok=false
	cmp -s down.bin <(head -c 200000 cli.out) || ok=false
	if $ok; then
		ok "interop: openssl client -> ktun server, $c, $t server key"
	else
		not_ok "interop: openssl client -> ktun server, $c, $t server key"
		sed 's/^/# /' peer.out tap.out cli.err | head -20
	fi
}

for c in aes-128-gcm aes-256-gcm chacha20-poly1305; do
	for t in ec rsa; do
		run_client "$c" "$t"
		run_server "$c" "$t"
	done
done

# Refusals: ktun connects to an OpenSSL server presenting SERVER_CERT.
refused() {	# DESC PATTERN SERVER_CERT PEER_ID [CIPHER [OSSL_CIPHER]]
	port=$((port + 2))
	timeout 30 openssl s_server -quiet -tls1_2 -no_ticket -accept "127.0.0.1:$port" \
		-naccept 1 -cert "$PKI/$3.crt" -key "$PKI/$3.key" -CAfile "$PKI/ca.crt" \
		-Verify 1 ${6:+-cipher $6} </dev/null >/dev/null 2>&1 &
	local srv=$!
	expect 3 "$2" "$1" timeout 30 "$PEER" connect 127.0.0.1 "$port" \
		ca "$PKI/ca.crt" cert "$PKI/a-ec.crt" key "$PKI/a-ec.key" peer "$4" \
		${5:+cipher $5}
	wait $srv
}

refused "refused: peer identity not accepted" "none of the accepted identities" \
	b-ec uri:spiffe://example.org/c
refused "refused: DNS identity is not a URI identity" "none of the accepted identities" \
	b-ec uri:b.example.org
refused "refused: certificate from another CA" "peer certificate: .*not correctly signed" \
	rogue-b uri:spiffe://example.org/b
refused "refused: expired certificate" "peer certificate: .*expired" \
	expired-b uri:spiffe://example.org/b
refused "refused: no cipher in common" "handshake" \
	b-ec uri:spiffe://example.org/b chacha20-poly1305 ECDHE-ECDSA-AES128-GCM-SHA256

# What the engine offers, as OpenSSL's server reports the ClientHello:
# groups X25519, P-256, P-384 only (mbedTLS 2.28 would put P-521 first
# and still offer P-192 and P-224), and no signature hash below SHA-256.
port=$((port + 2))
rm -f done
feed /dev/null | timeout 30 openssl s_server -brief -tls1_2 -no_ticket \
	-accept "127.0.0.1:$port" -naccept 1 -cert "$PKI/b-ec.crt" \
	-key "$PKI/b-ec.key" -CAfile "$PKI/ca.crt" -Verify 1 >brief.out 2>&1 &
expect 0 "handshake done" "the engine's ClientHello: accepted by OpenSSL" \
	timeout 30 "$PEER" connect 127.0.0.1 "$port" ca "$PKI/ca.crt" \
	cert "$PKI/a-ec.crt" key "$PKI/a-ec.key" peer uri:spiffe://example.org/b
touch done
wait
same "... its groups: x25519, P-256, P-384" "Supported groups: x25519:secp256r1:secp384r1" \
	"$(grep -a '^Supported groups:' brief.out)"
check "... its signature hashes: none below SHA-256" \
	eval "grep -a '^Signature Algorithms:' brief.out | grep -q SHA256 &&
	      ! grep -a '^Signature Algorithms:' brief.out | grep -Eq 'SHA1|SHA224'"

# DNS names compare without case.
port=$((port + 2))
rm -f done
feed /dev/null | timeout 30 openssl s_server -quiet -tls1_2 -no_ticket \
	-accept "127.0.0.1:$port" -naccept 1 -cert "$PKI/b-ec.crt" \
	-key "$PKI/b-ec.key" -CAfile "$PKI/ca.crt" -Verify 1 >/dev/null 2>&1 &
expect 0 "handshake done: .*peer dns:B.Example.ORG" "accepted: DNS identity, any case" \
	timeout 30 "$PEER" connect 127.0.0.1 "$port" ca "$PKI/ca.crt" \
	cert "$PKI/a-ec.crt" key "$PKI/a-ec.key" peer dns:B.Example.ORG
touch done
wait

# Refusals on the server side: OpenSSL connects.
server_refuses() {	# DESC PATTERN [OPENSSL ARGS...]
	local desc=$1 pat=$2
	shift 2
	port=$((port + 2))
	timeout 30 "$PEER" accept 127.0.0.1 "$port" ca "$PKI/ca.crt" \
		cert "$PKI/b-ec.crt" key "$PKI/b-ec.key" peer uri:spiffe://example.org/a \
		>peer.out 2>&1 &
	local peer=$!
	wait_for 10 tcp_listening $port
	timeout 30 openssl s_client -quiet -tls1_2 -connect "127.0.0.1:$port" \
		-CAfile "$PKI/ca.crt" "$@" </dev/null >/dev/null 2>&1
	wait $peer
	local rc=$?
	if [ $rc = 3 ] && grep -Eq "$pat" peer.out; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "exit $rc: $(cat peer.out)"
	fi
}

server_refuses "refused: client without a certificate" "handshake"
server_refuses "refused: client asking for a maximum fragment length (kTLS ignores it)" \
	"maximum fragment length|feature is not available" -maxfraglen 512 -cert "$PKI/a-ec.crt" -key "$PKI/a-ec.key"
OPENSSL_CONF=$PKI/no-ems.cnf server_refuses \
	"refused: client without extended master secret" "extended master secret" \
	-cert "$PKI/a-ec.crt" -key "$PKI/a-ec.key"

cd / && rm -rf "$work"
done_testing
