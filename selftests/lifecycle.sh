#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Nothing is left behind: namespaces deleted with policies in them, and
# rmmod with policies present.  The live object counts come from
# "ktun stats"; module exit also WARNs on leaked objects, which the VM
# runner's kernel log check turns into a failure.
. "$(dirname "$0")/lib.sh"

KTUN=${KTUN:-ktun}
IP=${IP:-/usr/sbin/ip}

stat() { $KTUN -j stats | jq -r ".\"$1\""; }
stat_is() { [ "$(stat "$1")" = "$2" ]; }

add3() {
	local i
	for i in 1 2 3; do
		"$@" $KTUN policy add remote 10.$i.0.0/16 peer-uri spiffe://t/$i >/dev/null || return 1
	done
}

$KTUN policy flush
base_nets=$(stat netns-total)
$IP netns add lc-a && $IP netns add lc-b
check "policies added in two new namespaces and the initial one" \
	eval 'add3 $IP netns exec lc-a && add3 $IP netns exec lc-b && add3'
same "policies-total counts all namespaces" 9 "$(stat policies-total)"
same "netns-total counts the new namespaces" $((base_nets + 2)) "$(stat netns-total)"
same "each namespace sees only its own" 3 \
	"$($IP netns exec lc-a $KTUN -j policy show | jq length)"

$IP netns del lc-a
check "deleting a namespace frees its policies" wait_for 10 stat_is policies-total 6
check "... and its namespace state" wait_for 10 stat_is netns-total $((base_nets + 1))

# rmmod with policies in the initial namespace and in lc-b.
check "rmmod with policies present" rmmod ktun
# With module autoloading off, the CLI must say what is missing.
modprobe_path=$(cat /proc/sys/kernel/modprobe)
echo /bin/false >/proc/sys/kernel/modprobe
expect 1 "ktun module is not loaded" "the CLI says when the module is missing" \
	$KTUN policy show
echo "$modprobe_path" >/proc/sys/kernel/modprobe
# Otherwise the family alias loads ktun on first use, as for other families.
same "first use autoloads the module" "" "$($KTUN policy show)"
check "the module is loaded again" grep -q '^ktun ' /proc/modules
same "after reload no policy is left" 0 "$(stat policies-total)"
same "after reload only live namespaces hold state" $((base_nets + 1)) "$(stat netns-total)"
same "after reload lc-b starts empty" 0 \
	"$($IP netns exec lc-b $KTUN -j policy show | jq length)"
$IP netns del lc-b
check "last namespace state freed" wait_for 10 stat_is netns-total "$base_nets"

done_testing
