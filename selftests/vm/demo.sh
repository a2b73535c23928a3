#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The ktun demo, run inside the VM by "make demo":
#
#   +-------- host-a --------+          +-------- host-b --------+
#   | veth-a 10.0.0.1/24     |==========| veth-b 10.0.0.2/24     |
#   | ktund, identity        |          | ktund, identity        |
#   |  spiffe://example.org/a|          |  spiffe://example.org/b|
#   +------------------------+          +------------------------+
#
# An unmodified client on host-a talks to an unmodified server on host-b.
# ktun policies make that connection mutually authenticated kernel TLS;
# a packet capture shows TLS records and no plaintext.
IP=/usr/sbin/ip
TAP=/selftests/tls_tap
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
on() { local h=$1; shift; echo "host-$h# $*"; $IP netns exec "host-$h" "$@"; }
SECRET="order 42: 1000 shares at 99.5 (SECRET-PAYLOAD)"

say "Two hosts joined by a veth pair"
$IP netns add host-a
$IP netns add host-b
$IP link add veth-a netns host-a type veth peer name veth-b netns host-b
$IP -n host-a addr add 10.0.0.1/24 dev veth-a
$IP -n host-b addr add 10.0.0.2/24 dev veth-b
for h in a b; do
	$IP -n host-$h link set lo up
	$IP -n host-$h link set veth-$h up
done
$IP -n host-a -br addr show dev veth-a
$IP -n host-b -br addr show dev veth-b

say "A test CA and a certificate per host, with SPIFFE identities (ktun-pki)"
mkdir -p /etc/ktun && cd /etc/ktun || exit 1
echo "# ktun-pki ca cert ca.crt key ca.key name 'demo CA'"
ktun-pki ca cert ca.crt key ca.key name "demo CA"
for h in a b; do
	echo "# ktun-pki cert ca-cert ca.crt ca-key ca.key cert $h.crt key $h.key uri spiffe://example.org/$h"
	ktun-pki cert ca-cert ca.crt ca-key ca.key cert $h.crt key $h.key \
		name "host-$h" uri spiffe://example.org/$h
	printf 'ca /etc/ktun/ca.crt\ncert /etc/ktun/%s.crt\nkey /etc/ktun/%s.key\n' \
		$h $h >ktund-$h.conf
done
echo "# cat /etc/ktun/ktund-a.conf"
cat ktund-a.conf

say "The handshake daemon on each host"
for h in a b; do
	echo "host-$h# ktund -c /etc/ktun/ktund-$h.conf &"
	$IP netns exec host-$h ktund -c /etc/ktun/ktund-$h.conf 2>/tmp/ktund-$h.log &
done
sleep 1
cat /tmp/ktund-a.log /tmp/ktund-b.log

say "Policies: port 9092 between the hosts must be TLS, with these peers"
on a ktun policy add remote 10.0.0.2 rport 9092 dir out peer-uri spiffe://example.org/b
on b ktun policy add remote 10.0.0.1 lport 9092 dir in peer-uri spiffe://example.org/a
on a ktun policy show
on b ktun policy show

say "Watching connection events on host-a (ktun monitor)"
$IP netns exec host-a ktun monitor 2>/dev/null | sed 's/^/   [monitor] /' &
sleep 0.5

say "An unmodified echo server on host-b (socat), and a capture of veth-b"
echo "host-b# socat TCP-LISTEN:9092,fork PIPE &"
$IP netns exec host-b socat TCP-LISTEN:9092,reuseaddr,fork PIPE &
$IP netns exec host-b socat TCP-LISTEN:8080,reuseaddr,fork PIPE &
$IP netns exec host-b tcpdump -Z root -U --immediate-mode -q -s 0 -i veth-b \
	-w /tmp/demo.pcap tcp port 9092 2>/tmp/tcpdump.log &
tcpdump_pid=$!
for _ in $(seq 50); do
	grep -q "listening on" /tmp/tcpdump.log && break
	sleep 0.1
done

say "An unmodified client on host-a sends a message and reads the echo"
echo "host-a# echo '$SECRET' | socat - TCP:10.0.0.2:9092"
echo "$SECRET" | $IP netns exec host-a socat -t 2 - TCP:10.0.0.2:9092

say "A connection held open, as ktun sees it on both hosts"
mkfifo /tmp/hold
$IP netns exec host-a socat -u OPEN:/tmp/hold TCP:10.0.0.2:9092 &
exec 9>/tmp/hold
sleep 2
on a ktun conn show
on b ktun conn show
exec 9>&-
sleep 1
kill $tcpdump_pid
wait $tcpdump_pid 2>/dev/null

say "On the wire: TLS records only; the message is nowhere in the capture"
echo "# tcpdump -r demo.pcap -A | grep -c SECRET-PAYLOAD"
tcpdump -r /tmp/demo.pcap -A 2>/dev/null | grep -c SECRET-PAYLOAD
echo "# tls_tap scan demo.pcap SECRET-PAYLOAD"
$TAP scan /tmp/demo.pcap SECRET-PAYLOAD

say "Fail closed: host-a now expects an identity host-b cannot prove"
on a ktun policy flush
on a ktun policy add remote 10.0.0.2 rport 9092 dir out peer-uri spiffe://example.org/payments
echo "host-a# echo '$SECRET' | socat - TCP:10.0.0.2:9092"
echo "$SECRET" | $IP netns exec host-a socat -t 2 - TCP:10.0.0.2:9092
echo "exit $?"

say "A port no policy covers stays plain TCP, untouched (8080)"
echo "hello, plain" | $IP netns exec host-a socat -t 2 - TCP:10.0.0.2:8080

say "RDS-TCP, the kernel's own sockets: policies, then load rds_tcp"
on a ktun policy add remote 10.0.0.2 rport 16385 dir out owner kernel peer-uri spiffe://example.org/b
on a ktun policy add remote 10.0.0.2 lport 16385 dir in owner kernel peer-uri spiffe://example.org/b
on b ktun policy add remote 10.0.0.1 rport 16385 dir out owner kernel peer-uri spiffe://example.org/a
on b ktun policy add remote 10.0.0.1 lport 16385 dir in owner kernel peer-uri spiffe://example.org/a
modprobe rds_tcp
$IP netns exec host-b tcpdump -Z root -U --immediate-mode -q -s 0 -i veth-b \
	-w /tmp/rds.pcap tcp port 16385 2>/tmp/tcpdump-rds.log &
tcpdump_pid=$!
for _ in $(seq 50); do
	grep -q "listening on" /tmp/tcpdump-rds.log && break
	sleep 0.1
done
$IP netns exec host-b /selftests/rds_xfer echo 10.0.0.2 4000 >/dev/null &
sleep 0.5
echo "host-a# rds_xfer send 10.0.0.1 10.0.0.2 4000 4096 100 SECRET-PAYLOAD"
$IP netns exec host-a /selftests/rds_xfer send 10.0.0.1 10.0.0.2 4000 4096 100 SECRET-PAYLOAD
sleep 0.5
kill $tcpdump_pid
wait $tcpdump_pid 2>/dev/null
echo "host-a# ktun conn show    (RDS uses several paths: one TLS connection each)"
$IP netns exec host-a ktun conn show | head -n 3
echo "# tls_tap scan rds.pcap SECRET-PAYLOAD"
$TAP scan /tmp/rds.pcap SECRET-PAYLOAD

say "One log line per handshake"
grep -h -v registered /tmp/ktund-a.log /tmp/ktund-b.log
dmesg | grep 'ktun: \(connect\|accept\)'
sleep 0.5
