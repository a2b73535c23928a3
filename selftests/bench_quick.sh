#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench still works: bench/run.sh --quick (a fraction of a second of
# each workload) gives a figure for every workload over every transport,
# and the ktun transports' connections were secured by ktun with the
# cipher their policy names.  No performance threshold: speed is make
# bench's to report, under -icount, not a test's to judge.
. "$(dirname "$0")/lib.sh"
out=/tmp/bench_quick.out
/bench/run.sh --quick >"$out" 2>&1
check "the benchmark ran to its end" grep -q '^BENCH-DONE' "$out"
check "no measurement failed" eval "! grep '^BENCH-ERROR' $out"
grep '^BENCH-ERROR' "$out" | head -n 20 | sed 's/^/# /'
if grep -q '^BENCH-ERROR' "$out"; then
	for h in a b; do
		grep -E 'failed|refused|exiting|workers' /tmp/ktund-$h.log | tail -n 15 | sed "s/^/# ktund-$h: /"
	done
fi

# figure T W: the headline figure of workload W over transport T, if > 0
# (memory, from a few idle connections in the quick run, may be noise)
figure() {
	awk -v t="$1" -v w="$2" '$1 == "BENCH" && $2 == t && $3 == w &&
		(($5 == "rate" || $5 == "mbit_s") && $6 > 0 || $5 == "kib") { f = 1 }
		END { exit !f }' "$out"
}
WORKLOADS="bulk-1 bulk-8 sendfile rr128-1 rr128-64 rr1k-64 rr16k-64 conn-1 conn-64 mem-idle"
for t in plain ktun-aes128 ktun-aes256 ktun-chacha ipsec wireguard stunnel; do
	missing=
	for w in $WORKLOADS; do
		figure "$t" "$w" || missing="$missing $w"
	done
	case $t in plain | ktun-aes128 | ipsec) figure "$t" rds-16k || missing="$missing rds-16k" ;; esac
	for w in conn-full-1 conn-full-64; do
		case $t in ktun-aes128 | ktun-chacha | stunnel) figure "$t" "$w" || missing="$missing $w" ;; esac
	done
	check "$t: a figure for every workload${missing:+ (missing:$missing)}" [ -z "$missing" ]
done

# The ktun figures are ktun's: host a's daemon secured the connections to
# each port with that port's cipher (ktund logs one line per handshake).
secured() {	# PORT CIPHER-PATTERN
	grep -cE -- "-> $B4:$1 .*ok after .*$2" /tmp/ktund-a.log 2>/dev/null
}
B4=10.10.0.2
for p in 5001:AES-128-GCM 5002:AES-256-GCM 5003:CHACHA20-POLY1305; do
	n=$(secured "${p%:*}" "${p#*:}")
	check "port ${p%:*}: ktun secured its connections with ${p#*:} ($n)" [ "${n:-0}" -ge 32 ]
done
full=$(grep -c -- "-> $B4:5001 .*ok after" /tmp/ktund-a.log)
resumed=$(grep -c -- "-> $B4:5001 .*ok after .*resumed" /tmp/ktund-a.log)
check "conn runs resumed sessions, conn-full ones did not ($resumed of $full resumed)" \
	eval "[ $resumed -gt 0 ] && [ $resumed -lt $full ]"
done_testing
