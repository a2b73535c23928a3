#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The ktun demo, run inside the VM by "make demo":
#
#   +-------- host-a --------+          +-------- host-b --------+
#   | veth-a 10.0.0.1/24     |==========| veth-b 10.0.0.2/24     |
#   | fd00::1/64             |          | fd00::2/64             |
#   +------------------------+          +------------------------+
#
# Two network namespaces play two hosts.  Each gets its own ktun policy
# table, configured with the ktun CLI exactly as an operator would.
IP=/usr/sbin/ip
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { echo "host-$1# ktun ${*:2}"; $IP netns exec "host-$1" ktun "${@:2}"; }

say "Two hosts joined by a veth pair"
$IP netns add host-a
$IP netns add host-b
$IP link add veth-a netns host-a type veth peer name veth-b netns host-b
$IP -n host-a addr add 10.0.0.1/24 dev veth-a
$IP -n host-b addr add 10.0.0.2/24 dev veth-b
$IP -n host-a addr add fd00::1/64 dev veth-a nodad
$IP -n host-b addr add fd00::2/64 dev veth-b nodad
for h in a b; do
	$IP -n host-$h link set lo up
	$IP -n host-$h link set veth-$h up
done
$IP -n host-a -br addr show dev veth-a
$IP -n host-b -br addr show dev veth-b

say "host-a: RDS-TCP to host-b must be TLS, peer must prove spiffe://example.org/rds"
run a policy add remote 10.0.0.2/32 rport 16385 owner kernel \
	peer-uri spiffe://example.org/rds
run a policy add remote 10.0.0.0/24 dir out owner user \
	peer-dns broker.example.org cipher aes-256-gcm timeout 2s

say "host-b: accept RDS-TCP and Kafka from host-a only over TLS"
run b policy add remote 10.0.0.1/32 lport 16385 owner kernel \
	peer-uri spiffe://example.org/rds
run b policy add remote fd00::/64 lport 9092-9093 dir in owner user \
	peer-dns client.example.org

say "Each host sees only its own policies (most specific first)"
run a policy show
run b policy show

say "The same as JSON, for scripts"
run a -j policy show

say "Which policy would secure an RDS connection from host-a to host-b?"
run a policy match remote 10.0.0.2 rport 16385 owner kernel

say "Mistakes are named, and exit codes tell scripts what happened"
run a policy add remote 10.0.0.0/33 peer-dns x; echo "exit $?"
run a policy add rport 2000-1000 peer-dns x; echo "exit $?"

say "Live object counts"
run a stats

say "Intercepting and securing the connections is the next milestone:"
echo "see README.md (Status) for what works today."
