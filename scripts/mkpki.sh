#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The tests' certificates, made with ktun-pki(8):   mkpki.sh KTUN_PKI DIR
#   ca            the test CA
#   a-ec, b-ec    hosts a and b (ECDSA P-256): uri spiffe://example.org/a|b,
#                 dns a.example.org|b.example.org
#   a-rsa, b-rsa  the same with RSA 2048 keys
#   rogue-ca, rogue-b   a second CA and a "b" it signed (wrong CA)
#   expired-b     b's identity, validity ended in 2020
#   odd-a         a, with a URI holding a quote and a backslash (what a
#                 policy lets through of a hostile name) for the escaping
set -euo pipefail
pki=$(readlink -f "$1")
dir=$2
mkdir -p "$dir"
cd "$dir"

"$pki" ca cert ca.crt key ca.key name "ktun test CA"
for h in a b; do
	for t in ec rsa; do
		"$pki" cert ca-cert ca.crt ca-key ca.key cert $h-$t.crt key $h-$t.key \
			type $t name $h uri spiffe://example.org/$h dns $h.example.org
	done
done
"$pki" ca cert rogue-ca.crt key rogue-ca.key name "rogue CA"
"$pki" cert ca-cert rogue-ca.crt ca-key rogue-ca.key cert rogue-b.crt \
	key rogue-b.key name b uri spiffe://example.org/b dns b.example.org
"$pki" cert ca-cert ca.crt ca-key ca.key cert expired-b.crt key expired-b.key \
	name b uri spiffe://example.org/b not-before 20190101000000 \
	not-after 20200101000000
"$pki" cert ca-cert ca.crt ca-key ca.key cert odd-a.crt key odd-a.key \
	name a uri 'spiffe://example.org/odd"id\q'
printf 'openssl_conf = conf\n[conf]\nssl_conf = ssl\n[ssl]\nsystem_default = sys\n[sys]\nOptions = -ExtendedMasterSecret\n' >no-ems.cnf
