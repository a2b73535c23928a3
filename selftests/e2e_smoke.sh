#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Quick end-to-end smoke test: two namespaces, ktund in each, socat echo.
. "$(dirname "$0")/lib.sh"
IP=/usr/sbin/ip
PKI=/selftests/pki
$IP netns add sa; $IP netns add sb
$IP link add va netns sa type veth peer name vb netns sb
$IP -n sa addr add 10.9.0.1/24 dev va; $IP -n sb addr add 10.9.0.2/24 dev vb
$IP -n sa link set va up; $IP -n sb link set vb up
$IP -n sa link set lo up; $IP -n sb link set lo up
$IP netns exec sa ktund --ca $PKI/ca.crt --cert $PKI/a-ec.crt --key $PKI/a-ec.key 2>/tmp/ktund-a.log &
$IP netns exec sb ktund --ca $PKI/ca.crt --cert $PKI/b-ec.crt --key $PKI/b-ec.key 2>/tmp/ktund-b.log &
sleep 0.5
$IP netns exec sa ktun policy add remote 10.9.0.2 rport 7000 dir out peer-uri spiffe://example.org/b
$IP netns exec sb ktun policy add remote 10.9.0.1 lport 7000 dir in peer-uri spiffe://example.org/a
$IP netns exec sb socat TCP-LISTEN:7000,reuseaddr PIPE &
sleep 0.5
out=$(echo hello-ktun | timeout 10 $IP netns exec sa socat -t 2 - TCP:10.9.0.2:7000)
same "echo through ktun" "hello-ktun" "$out"
$IP netns exec sa ktun -j conn show 2>&1 | head -5
sleep 0.5
cat /tmp/ktund-a.log /tmp/ktund-b.log | sed 's/^/# /'
dmesg | grep ktun | tail -5 | sed 's/^/# /'
done_testing
