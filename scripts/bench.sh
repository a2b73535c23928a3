#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: boots the VM under -icount and runs bench/run.sh there, then
# tabulates its figures (bench/report.py) into build/bench/: raw.txt,
# results.tsv, results.md and a PNG per workload.
#   bench.sh [--quick]
# KTUN_BENCH_REPS, _SECS, _CONNS and _HOLD (bench/run.sh)
# are passed to the guest.  See Documentation/performance.md.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
out=$build/bench
mkdir -p "$out"
args=
for v in REPS SECS CONNS HOLD; do
	eval "val=\${KTUN_BENCH_$v:-}"
	[ -n "$val" ] && args="$args ktunbench_$(tr 'A-Z' 'a-z' <<<"$v")=$val"
done
rc=0
KTUN_VM_APPEND="$args" "$top/scripts/vm.sh" bench "$@" >"$out/vm.out" 2>&1 || rc=$?
grep -a '^BENCH' "$build/vm/bench.log" >"$out/raw.txt" || true
if ! grep -q '^BENCH-DONE' "$out/raw.txt"; then
	tail -n 30 "$out/vm.out" >&2
	echo "bench: the guest did not finish (rc $rc; see $out/vm.out)" >&2
	exit 1
fi
python3 "$top/bench/report.py" "$out/raw.txt" "$out"
