#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark, inside the VM (make bench boots it with -icount, so that
# guest time counts instructions): every workload over every transport
# between the two namespace hosts of the selftests (netns_lib.sh).
#   run.sh [--quick]
# KTUN_BENCH_REPS, _SECS, _CONNS and _HOLD set its sizes (below).
# Prints one line per measurement, for scripts/bench.sh to tabulate:
#   BENCH TRANSPORT WORKLOAD REP METRIC VALUE
# and "BENCH-ERROR TRANSPORT WORKLOAD what" where one could not be had.
# --quick (make check's bench_quick.sh): one repetition of a fraction of
# a second each, to show that every path still works.
#
# Transports (each its own server address or port, so that no setup
# touches another's traffic):
#   plain          TCP, no encryption                10.10.0.2:5000
#   ktun-aes128    ktun, AES-128-GCM                 10.10.0.2:5001
#   ktun-aes256    ktun, AES-256-GCM                 10.10.0.2:5002
#   ktun-chacha    ktun, ChaCha20-Poly1305           10.10.0.2:5003
#   ipsec          ESP transport, rfc4106(gcm(aes))  10.20.0.2:5000
#   wireguard      WireGuard tunnel                  10.30.0.2:5000
#   stunnel        a stunnel (OpenSSL) pair, TLS 1.2 ECDHE-ECDSA-AES128-GCM,
#                  the same P-256 certificates as ktun: 127.0.0.1:6000 on a
# RDS-TCP messages (rds-16k) go over plain (10.40.0.x), ktun-aes128
# (10.10.0.x, kernel-owner policies on port 16385) and ipsec (10.20.0.x).
#   floor          what no transport can beat: the AEAD alone (AF_ALG) and
#                  the handshake in ktund's TLS engine alone
# iperf3 listens on the same address, at port + 200.
. /selftests/lib.sh
. /selftests/netns_lib.sh
NB=/bench/netbench

REPS=${KTUN_BENCH_REPS:-3}
SECS=${KTUN_BENCH_SECS:-2}
NCONN=${KTUN_BENCH_CONNS:-200}	# new connections per connect run
NHOLD=${KTUN_BENCH_HOLD:-500}	# idle connections held for mem-idle
NRDS=$(awk -v s="$SECS" 'BEGIN { print int(s * 1000) }')	# RDS messages a run
if [ "${1:-}" = --quick ]; then
	REPS=1 SECS=0.3 NCONN=16 NHOLD=32 NRDS=64
fi
# ktund resumes sessions only when asked; the conn-1/conn-64 runs measure
# resumed handshakes, conn-full-* full ones.
RESUME="--session-lifetime 300"
TRANSPORTS="plain ktun-aes128 ktun-aes256 ktun-chacha ipsec wireguard stunnel"

where() {	# TRANSPORT -> "ADDR PORT"
	case $1 in
	plain) echo $B4 5000 ;;
	ktun-aes128) echo $B4 5001 ;;
	ktun-aes256) echo $B4 5002 ;;
	ktun-chacha) echo $B4 5003 ;;
	ipsec) echo 10.20.0.2 5000 ;;
	wireguard) echo 10.30.0.2 5000 ;;
	stunnel) echo 127.0.0.1 6000 ;;
	esac
}

bench_err() { echo "BENCH-ERROR $*"; }

# A long deadline: 64 connectors queue full handshakes behind each
# other, and the benchmark measures their rate, not the 5 s default.
setup_ktun() {
	local port cipher
	ktund_up a a-ec $RESUME && ktund_up b b-ec $RESUME || return
	for port in 5001:aes-128-gcm 5002:aes-256-gcm 5003:chacha20-poly1305; do
		cipher=${port#*:} port=${port%:*}
		for p in $port $((port + 200)); do
			in_a ktun policy add remote $B4 rport $p dir out \
				peer-uri spiffe://example.org/b cipher "$cipher" timeout 60s >/dev/null &&
			in_b ktun policy add remote $A4 lport $p dir in \
				peer-uri spiffe://example.org/a cipher "$cipher" timeout 60s >/dev/null || return
		done
	done
}

# ESP in transport mode between 10.20.0.1 and .2, one SA each way.
setup_ipsec() {
	local h key
	key=0x$(od -An -tx1 -N20 /dev/urandom | tr -d ' \n')
	in_a $IP addr add 10.20.0.1/24 dev va &&
	in_b $IP addr add 10.20.0.2/24 dev vb || return
	for h in a b; do
		in_$h $IP xfrm state add src 10.20.0.1 dst 10.20.0.2 proto esp \
			spi 0x1001 mode transport aead 'rfc4106(gcm(aes))' "$key" 128 &&
		in_$h $IP xfrm state add src 10.20.0.2 dst 10.20.0.1 proto esp \
			spi 0x1002 mode transport aead 'rfc4106(gcm(aes))' "$key" 128 || return
	done
	in_a $IP xfrm policy add src 10.20.0.1 dst 10.20.0.2 dir out \
		tmpl proto esp mode transport &&
	in_a $IP xfrm policy add src 10.20.0.2 dst 10.20.0.1 dir in \
		tmpl proto esp mode transport &&
	in_b $IP xfrm policy add src 10.20.0.2 dst 10.20.0.1 dir out \
		tmpl proto esp mode transport &&
	in_b $IP xfrm policy add src 10.20.0.1 dst 10.20.0.2 dir in \
		tmpl proto esp mode transport
}

setup_wireguard() {
	local h
	for h in a b; do
		in_$h wg genkey >/tmp/wg-$h.key &&
		in_$h wg pubkey </tmp/wg-$h.key >/tmp/wg-$h.pub &&
		in_$h $IP link add wg0 type wireguard || return
	done
	in_a wg set wg0 private-key /tmp/wg-a.key listen-port 51820 \
		peer "$(cat /tmp/wg-b.pub)" allowed-ips 10.30.0.2/32 endpoint $B4:51820 &&
	in_b wg set wg0 private-key /tmp/wg-b.key listen-port 51820 \
		peer "$(cat /tmp/wg-a.pub)" allowed-ips 10.30.0.1/32 endpoint $A4:51820 &&
	in_a $IP addr add 10.30.0.1/24 dev wg0 && in_a $IP link set wg0 up &&
	in_b $IP addr add 10.30.0.2/24 dev wg0 && in_b $IP link set wg0 up
}

# stunnel_conf HOST: a's services are clients, b's servers; b's second
# pair of services (6001/6445) refuses resumption, for full handshakes.
stunnel_conf() {
	local mode=server cert=b-ec
	[ "$1" = a ] && mode=client cert=a-ec
	cat <<-EOT
	foreground = yes
	pid =
	output = /tmp/stunnel-$1.log
	debug = 4
	cert = $PKI/$cert.crt
	key = $PKI/$cert.key
	CAfile = $PKI/ca.crt
	verifyChain = yes
	requireCert = yes
	sslVersionMin = TLSv1.2
	sslVersionMax = TLSv1.2
	ciphers = ECDHE-ECDSA-AES128-GCM-SHA256
	EOT
	if [ "$mode" = client ]; then
		printf '[rr]\nclient = yes\naccept = 127.0.0.1:6000\nconnect = %s:6443\n' $B4
		printf '[full]\nclient = yes\naccept = 127.0.0.1:6001\nconnect = %s:6445\n' $B4
		printf '[iperf]\nclient = yes\naccept = 127.0.0.1:6200\nconnect = %s:6444\n' $B4
	else
		printf '[rr]\naccept = 6443\nconnect = 127.0.0.1:5000\n'
		printf '[full]\naccept = 6445\nconnect = 127.0.0.1:5000\nsessionResume = no\n'
		printf '[iperf]\naccept = 6444\nconnect = 127.0.0.1:5200\n'
	fi
}

setup_stunnel() {
	local h
	for h in a b; do
		stunnel_conf $h >/tmp/stunnel-$h.conf
		in_$h stunnel4 /tmp/stunnel-$h.conf &
	done
	wait_for 10 listening a 6000 && wait_for 10 listening b 6443
}

setup_rds() {
	local addr
	in_a $IP addr add 10.40.0.1/24 dev va && in_b $IP addr add 10.40.0.2/24 dev vb &&
	rds_policy a $B4 spiffe://example.org/b && rds_policy b $A4 spiffe://example.org/a &&
	rds_up || return
	for addr in 10.40.0.2 $B4 10.20.0.2; do
		rds_echo b $addr 4000 /tmp/rds-echo-$addr.log || return
	done
}

rds_from() {	# TRANSPORT -> "LOCAL PEER"
	case $1 in
	plain) echo 10.40.0.1 10.40.0.2 ;;
	ktun-aes128) echo $A4 $B4 ;;
	ipsec) echo 10.20.0.1 10.20.0.2 ;;
	esac
}

# RDS messages of 16 KiB, 8 in flight, each echoed back: MB/s one way.
rds() {	# TRANSPORT REP
	local l p out
	read -r l p <<<"$(rds_from "$1")"
	[ -n "$l" ] || return 0
	out=$(in_a env RDS_XFER_WAIT=60 $RDS -t -w 8 send "$l" "$p" 4000 16384 "$NRDS" 2>&1)
	case $out in
	ok*) echo "BENCH $1 rds-16k $2 rate $(awk '{ print $(NF - 1) }' <<<"$out")" ;;
	*) bench_err "$1 rds-16k $(head -c 200 <<<"$out")" ;;
	esac
}

servers_up() {
	local port
	for port in 5000 5001 5002 5003; do
		in_b $NB serve $port &
		in_b iperf3 -s -p $((port + 200)) >/dev/null 2>&1 &
	done
	for port in 5000 5001 5002 5003; do
		wait_for 10 listening b $port && wait_for 10 listening b $((port + 200)) ||
			return
	done
}

# put T W REP OUTPUT: netbench's "ops N secs S rate R p50_us P p99_us Q"
put() {
	set -- "$1" "$2" "$3" $4
	[ "$4" = ops ] || { bench_err "$1 $2 no result: $(head -c 300 <<<"${*:4}")"; return 1; }
	echo "BENCH $1 $2 $3 rate $9"
	echo "BENCH $1 $2 $3 p50_us ${11}"
	echo "BENCH $1 $2 $3 p99_us ${13}"
}

iperf() {	# TRANSPORT WORKLOAD REP IPERF-ARGS...
	local t=$1 w=$2 r=$3 addr port out bps
	shift 3
	read -r addr port <<<"$(where "$t")"
	# iperf3 counts whole seconds.
	out=$(in_a timeout 60 iperf3 -c "$addr" -p $((port + 200)) \
		-t "$(awk -v s="$SECS" 'BEGIN { s = int(s + 0.5); print s < 1 ? 1 : s }')" \
		-J "$@" 2>&1)
	bps=$(jq -r '.end.sum_received.bits_per_second // empty' <<<"$out" 2>/dev/null)
	if [ -z "$bps" ]; then
		bench_err "$t $w iperf3: $(jq -r '.error // empty' <<<"$out" 2>/dev/null | head -c 200)"
		return 1
	fi
	echo "BENCH $t $w $r mbit_s $(awk -v b="$bps" 'BEGIN { printf "%.1f", b / 1e6 }')"
}

rr() {	# TRANSPORT WORKLOAD REP SIZE CONNS
	local addr port
	read -r addr port <<<"$(where "$1")"
	put "$1" "$2" "$3" "$(in_a timeout 120 $NB rr "$addr" "$port" "$4" "$5" "$SECS" 2>&1)"
}

conn() {	# TRANSPORT WORKLOAD REP CONC [PORT]
	local addr port
	read -r addr port <<<"$(where "$1")"
	put "$1" "$2" "$3" "$(in_a timeout 300 $NB connect "$addr" "${5:-$port}" "$NCONN" "$4" 2>&1)"
}

memfree_kib() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	awk '$1 == "MemFree:" { print $2 }' /proc/meminfo
}

# Memory per idle connection, both ends and everything the transport
# keeps for it (sockets, kTLS, ktun's, stunnel's threads): MemFree before
# and while NHOLD connections, each past one exchange, are held open.
mem_idle() {	# TRANSPORT REP
	local addr port fifo=/tmp/hold.fifo out=/tmp/hold.out before after pid
	read -r addr port <<<"$(where "$1")"
	rm -f $fifo $out && mkfifo $fifo || return
	before=$(memfree_kib)
	in_a $NB hold "$addr" "$port" "$NHOLD" <$fifo >$out 2>&1 &
	pid=$!
	exec 9>$fifo
	if wait_for 600 grep -q '^held' $out; then
		after=$(memfree_kib)
		echo "BENCH $1 mem-idle $2 kib $(awk -v a="$before" -v b="$after" \
			-v n="$NHOLD" 'BEGIN { printf "%.1f", (a - b) / n }')"
	else
		bench_err "$1 mem-idle $(head -c 200 $out)"
	fi
	exec 9>&-
	wait $pid
}

workloads() {	# TRANSPORT REP
	local t=$1 r=$2
	iperf "$t" bulk-1 "$r"
	iperf "$t" bulk-8 "$r" -P 8
	iperf "$t" sendfile "$r" -Z
	rr "$t" rr128-1 "$r" 128 1
	rr "$t" rr128-64 "$r" 128 64
	rr "$t" rr1k-64 "$r" 1024 64
	rr "$t" rr16k-64 "$r" 16384 64
	conn "$t" conn-1 "$r" 1
	conn "$t" conn-64 "$r" 64
	mem_idle "$t" "$r"
	rds "$t" "$r"
}

# The floor: the cipher alone through the kernel crypto API (both ends'
# work on each 16 KiB record), and handshakes in ktund's TLS engine alone,
# both ends in one process (bench/hs_engine.c), full and resumed.
# put_rate T W REP OUTPUT: a rate only, from "... rate R ..."
put_rate() {
	local rate
	rate=$(awk '{ for (i = 1; i < NF; i++) if ($i == "rate") print $(i + 1) }' <<<"$4")
	[ -n "$rate" ] || { bench_err "$1 $2 no result: $(head -c 200 <<<"$4")"; return 1; }
	echo "BENCH $1 $2 $3 rate $rate"
}

floor() {	# REP
	local n=$((NCONN / 4 + 2))
	put_rate floor aead-aes128 "$1" "$($NB aead 'gcm(aes)' 16 "$SECS" 2>&1)"
	put_rate floor aead-chacha "$1" "$($NB aead 'rfc7539(chacha20,poly1305)' 32 "$SECS" 2>&1)"
	put_rate floor hs-full "$1" "$(/bench/hs_engine $PKI $n 1 2>&1)"
	put_rate floor hs-resumed "$1" "$(/bench/hs_engine $PKI $((n * 4)) 1 resume 2>&1)"
}

# Full handshakes: ktund without resumption, stunnel's non-resuming pair.
full_handshakes() {	# REP
	local t
	ktund_down a && ktund_down b &&
	ktund_up a a-ec --session-lifetime 0 && ktund_up b b-ec --session-lifetime 0 || return
	for t in ktun-aes128 ktun-chacha; do
		conn "$t" conn-full-1 "$1" 1
		conn "$t" conn-full-64 "$1" 64
	done
	conn stunnel conn-full-1 "$1" 1 6001
	conn stunnel conn-full-64 "$1" 64 6001
	ktund_down a && ktund_down b && ktund_up a a-ec $RESUME && ktund_up b b-ec $RESUME
}

trap hosts_down EXIT
rm -f /tmp/ktund-*.log
hosts_up || { bench_err "setup hosts"; exit 1; }
for s in ktun ipsec wireguard stunnel rds; do
	setup_$s || bench_err "setup $s"
done
servers_up || bench_err "setup servers"
echo "BENCH-INFO cpu $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"
echo "BENCH-INFO kernel $(uname -r)"
echo "BENCH-INFO reps $REPS secs $SECS conns $NCONN"
for r in $(seq 1 "$REPS"); do
	for t in $TRANSPORTS; do
		workloads "$t" "$r"
	done
	full_handshakes "$r" || bench_err "ktun conn-full ktund restart"
	floor "$r"
done
# What ktun secured, so that a ktun figure is known to be ktun's (the
# log of host a's ktunds, every run).
echo "BENCH-INFO ktund-a handshakes ok $(grep -c ' ok after ' /tmp/ktund-a.log)," \
	"resumed $(grep -c ' ok after .*resumed' /tmp/ktund-a.log)," \
	"failed $(grep -c ' failed after ' /tmp/ktund-a.log)"
echo "BENCH-DONE"
