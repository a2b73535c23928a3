#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks the module's layering (Documentation/design.md, "Files and
layering"): no two files of module/ call each other's functions, except
the pairs listed in ALLOWED, each for the reason given there.

A "call" is any use of a non-static ktun_* function defined in another
file (comments stripped), so naming a function as a callback counts too.
Prints every pair that calls both ways and exits 1 if one is not allowed.
  layering.py [MODULE-DIR]
"""
import collections
import pathlib
import re
import sys

# The gate is both the owner's entry point (release() and shutdown()
# mid-handshake must fail the connection before they return) and what
# the verdict publishes the final ops through.
ALLOWED = {("gate.c", "verdict.c")}

DEF = re.compile(r"^(?!static)[a-z][^\n;(]*?\b(ktun_\w+)\(", re.M)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def main():
    mod = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "module")
    src = {p.name: strip_comments(p.read_text())
           for p in sorted(mod.glob("*.c")) if p.name != "netlink-gen.c"}
    owner = {}
    for name, text in src.items():
        for m in DEF.finditer(text):
            owner[m.group(1)] = name
    calls = collections.defaultdict(set)
    for name, text in src.items():
        used = set(re.findall(r"\bktun_\w+\b", text))
        for fn in used:
            if fn in owner and owner[fn] != name:
                calls[name].add(owner[fn])
    bad = 0
    for a in sorted(src):
        for b in sorted(calls[a]):
            if a < b and a in calls[b]:
                ok = (a, b) in ALLOWED
                bad += not ok
                print(f"{'allowed' if ok else 'CYCLE'}: {a} <-> {b}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
