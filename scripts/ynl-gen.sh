#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Regenerate the netlink code that follows Documentation/netlink/specs/ktun.yaml
# with the kernel's own ynl-gen-c.py (from linux-source-6.12).
#   scripts/ynl-gen.sh          rewrite the generated files in place
#   scripts/ynl-gen.sh --check  fail if the committed files differ from the spec
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
src=${KSRC:-/usr/src/linux-source-6.12}
gen=$src/tools/net/ynl/ynl-gen-c.py
[ -f "$gen" ] || { echo "ynl-gen: $gen missing; run 'make deps'" >&2; exit 1; }

# ynl-gen-c.py expects a kernel-shaped tree: specs beside genetlink.yaml and
# a MAINTAINERS file somewhere above (6.12 loops forever without one).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/Documentation/netlink/specs" "$work/out"
cp "$src"/Documentation/netlink/genetlink*.yaml "$work/Documentation/netlink/"
cp "$top/Documentation/netlink/specs/ktun.yaml" "$work/Documentation/netlink/specs/"
touch "$work/MAINTAINERS"

run() {
	(cd "$work" && python3 "$gen" --spec Documentation/netlink/specs/ktun.yaml \
		--mode "$1" "$2" -o "out/$3" >/dev/null)
}
run uapi --header ktun.h
run kernel --header netlink-gen.h
run kernel --source netlink-gen.c

status=0
for pair in ktun.h:include/uapi/linux/ktun.h netlink-gen.h:module/netlink-gen.h \
	    netlink-gen.c:module/netlink-gen.c; do
	new=$work/out/${pair%%:*}
	dst=$top/${pair#*:}
	if [ "${1:-}" = --check ]; then
		if ! diff -u "$dst" "$new"; then
			echo "ynl-gen: ${pair#*:} does not follow the spec; run scripts/ynl-gen.sh" >&2
			status=1
		fi
	else
		cp "$new" "$dst"
	fi
done
exit $status
