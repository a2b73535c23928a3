#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tabulates bench/run.sh's "BENCH ..." lines (scripts/bench.sh runs it).

  report.py RAW OUTDIR

Writes OUTDIR/results.tsv (every measurement), OUTDIR/results.md (the
median of each figure with its min and max, then ratios of each ktun
transport against plain TCP and each competitor) and, when gnuplot is
installed, one PNG per workload.  Exit 1 if RAW holds no measurement or
names an error.
"""
import collections
import pathlib
import shutil
import statistics
import subprocess
import sys

TRANSPORTS = ["plain", "ktun-aes128", "ktun-aes256", "ktun-chacha",
              "ipsec", "wireguard", "stunnel", "floor"]
KTUN = [t for t in TRANSPORTS if t.startswith("ktun-")]
RIVALS = ["plain", "ipsec", "wireguard", "stunnel"]
# workload -> (headline metric, unit, what it is)
WORKLOADS = {
    "bulk-1": ("mbit_s", "Mbit/s", "one bulk stream (iperf3)"),
    "bulk-8": ("mbit_s", "Mbit/s", "8 streams (iperf3 -P 8)"),
    "sendfile": ("mbit_s", "Mbit/s", "one stream, sendfile (iperf3 -Z)"),
    "rr128-1": ("rate", "exchanges/s", "128 B request/response, 1 connection"),
    "rr128-64": ("rate", "exchanges/s", "128 B request/response, 64 connections"),
    "rr1k-64": ("rate", "exchanges/s", "1 KiB request/response, 64 connections"),
    "rr16k-64": ("rate", "exchanges/s", "16 KiB request/response, 64 connections"),
    "conn-1": ("rate", "connections/s", "new connections, 1 at a time (ktun: resumed)"),
    "conn-64": ("rate", "connections/s", "new connections, 64 at a time (ktun: resumed)"),
    "conn-full-1": ("rate", "connections/s", "new connections, full handshakes, 1 at a time"),
    "conn-full-64": ("rate", "connections/s", "new connections, full handshakes, 64 at a time"),
    "rds-16k": ("rate", "MB/s", "RDS-TCP, 16 KiB messages, 8 in flight, echoed"),
    "mem-idle": ("kib", "KiB/connection", "memory per idle connection, both ends"),
    "aead-aes128": ("rate", "MB/s", "floor: AES-128-GCM alone (AF_ALG), 16 KiB records sealed and opened"),
    "aead-chacha": ("rate", "MB/s", "floor: ChaCha20-Poly1305 alone (AF_ALG), the same"),
    "hs-full": ("rate", "handshakes/s", "floor: full handshakes in ktund's engine alone, both ends"),
    "hs-resumed": ("rate", "handshakes/s", "floor: resumed handshakes in ktund's engine alone, both ends"),
}


def load(raw):
    data = collections.defaultdict(list)
    info, errors = [], []
    for line in raw.read_text(errors="replace").splitlines():
        f = line.split()
        if not f:
            continue
        if f[0] == "BENCH" and len(f) == 6:
            try:
                data[(f[1], f[2], f[4])].append(float(f[5]))
            except ValueError:
                errors.append(line)
        elif f[0] == "BENCH-ERROR":
            errors.append(line)
        elif f[0] == "BENCH-INFO":
            info.append(" ".join(f[1:]))
    return data, info, errors


def fmt(v):
    return f"{v:.0f}" if v >= 100 else f"{v:.2f}"


def cell(vals):
    if not vals:
        return "-"
    med = statistics.median(vals)
    if len(vals) == 1:
        return fmt(med)
    return f"{fmt(med)} ({fmt(min(vals))}-{fmt(max(vals))})"


def median(data, t, w, m):
    vals = data.get((t, w, m))
    return statistics.median(vals) if vals else None


def tables(data, info, errors):
    out = ["# ktun benchmark", ""]
    out += [f"- {i}" for i in info]
    out += ["", "Median of the repetitions, (min-max) when there were several.",
            "Guest time under QEMU -icount: figures are per guest second.", ""]
    cols = [t for t in TRANSPORTS if any(k[0] == t for k in data)]
    out += ["| workload | unit | " + " | ".join(cols) + " |",
            "|---|---|" + "---|" * len(cols)]
    for w, (m, unit, _) in WORKLOADS.items():
        if any((t, w, m) in data for t in cols):
            out.append(f"| {w} | {unit} | " +
                       " | ".join(cell(data.get((t, w, m), [])) for t in cols) + " |")
    out += ["", "## Latency (p50 / p99, microseconds)", "",
            "| workload | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for w, (m, _, _) in WORKLOADS.items():
        if m != "rate" or not any((t, w, "p50_us") in data for t in cols):
            continue
        row = []
        for t in cols:
            p50, p99 = median(data, t, w, "p50_us"), median(data, t, w, "p99_us")
            row.append("-" if p50 is None else f"{p50:.0f} / {p99:.0f}")
        out.append(f"| {w} | " + " | ".join(row) + " |")
    out += ["", "## Ratios (ktun / other, medians; above 1: ktun ahead)", ""]
    for k in KTUN:
        if not any(key[0] == k for key in data):
            continue
        rivals = [r for r in RIVALS if any(key[0] == r for key in data)]
        out += [f"### {k}", "", "| workload | " + " | ".join(f"vs {r}" for r in rivals) + " |",
                "|---|" + "---|" * len(rivals)]
        for w, (m, _, _) in WORKLOADS.items():
            mine = median(data, k, w, m)
            if mine is None:
                continue
            row = []
            for r in rivals:
                theirs = median(data, r, w, m)
                if not theirs or not mine:
                    row.append("-")
                    continue
                # memory: less is ahead
                row.append(f"{theirs / mine if m == 'kib' else mine / theirs:.2f}")
            out.append(f"| {w} | " + " | ".join(row) + " |")
        out.append("")
    out += ["## Workloads", ""] + [f"- **{w}**: {d}" for w, (_, _, d) in WORKLOADS.items()]
    if errors:
        out += ["", "## Errors", ""] + [f"- `{e}`" for e in errors]
    return "\n".join(out) + "\n"


def plots(data, outdir):
    if not shutil.which("gnuplot"):
        return
    for w, (m, unit, desc) in WORKLOADS.items():
        rows = [(t, data[(t, w, m)]) for t in TRANSPORTS if (t, w, m) in data]
        if not rows:
            continue
        dat = outdir / f"{w}.dat"
        dat.write_text("".join(f"{i} {t} {statistics.median(v)} {min(v)} {max(v)}\n"
                               for i, (t, v) in enumerate(rows)))
        script = (f"set terminal png size 800,450\nset output '{outdir / (w + '.png')}'\n"
                  f"set title \"{desc}\"\nset ylabel \"{unit}\"\nset yrange [0:*]\n"
                  "set boxwidth 0.6\nset style fill solid 0.5\nset xtics rotate by -30\n"
                  "set xrange [-0.5:*]\n"
                  f"plot '{dat}' using 1:3:xtic(2) with boxes notitle, "
                  f"'' using 1:3:4:5 with yerrorbars lc 'black' notitle\n")
        subprocess.run(["gnuplot"], input=script.encode(), check=False)


def main():
    raw, outdir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    data, info, errors = load(raw)
    with open(outdir / "results.tsv", "w") as f:
        f.write("transport\tworkload\tmetric\tvalues\n")
        for (t, w, m), v in sorted(data.items()):
            f.write(f"{t}\t{w}\t{m}\t{','.join(str(x) for x in v)}\n")
    (outdir / "results.md").write_text(tables(data, info, errors))
    plots(data, outdir)
    print((outdir / "results.md").read_text())
    return 1 if errors or not data else 0


if __name__ == "__main__":
    sys.exit(main())
