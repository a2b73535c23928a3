#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ktun(8) policy commands as an operator or a script uses them: text and
# JSON output, paste-back, exit codes and the messages that name the fault.
. "$(dirname "$0")/lib.sh"
fresh_netns "$@"

KTUN=${KTUN:-ktun}
KTUN_PKI=${KTUN_PKI:-ktun-pki}
$KTUN policy flush

line=$($KTUN policy add remote 10.1.0.0/16 rport 16385 dir both owner kernel \
	peer-uri spiffe://example.org/rds peer-dns db1.example.org \
	cipher aes-128-gcm,chacha20-poly1305 timeout 3s)
same "policy add prints the new policy with its id" \
	"policy 1 family inet remote 10.1.0.0/16 rport 16385 dir both owner kernel peer-uri spiffe://example.org/rds peer-dns db1.example.org cipher aes-128-gcm,chacha20-poly1305 timeout 3000ms" \
	"$line"

$KTUN policy add remote fd00:1::/48 lport 1000-2000 dir in owner user \
	peer-dns peer.example.org >/dev/null
same "policy show lists both, most specific first" \
	"$(printf '%s\n' \
	"policy 2 family inet6 remote fd00:1::/48 lport 1000-2000 dir in owner user peer-dns peer.example.org cipher aes-128-gcm,aes-256-gcm,chacha20-poly1305 timeout 5000ms" \
	"$line")" "$($KTUN policy show)"

same "policy show ID shows one" "$line" "$($KTUN policy show 1)"

json=$($KTUN -j policy show)
check "policy show -j is a JSON array of 2" jq -e 'length == 2' <<<"$json"
check "JSON uses the spec's attribute names and values" jq -e \
	'.[1] | .id == 1 and .family == "inet" and ."remote-ipv4" == "10.1.0.0"
	 and ."remote-prefix-len" == 16 and ."remote-port-min" == 16385
	 and ."remote-port-max" == 16385 and .direction == "both"
	 and .owner == "kernel" and ."peer-uri" == ["spiffe://example.org/rds"]
	 and ."peer-dns" == ["db1.example.org"]
	 and .ciphers == ["aes-128-gcm","chacha20-poly1305"]
	 and ."hs-timeout-ms" == 3000' <<<"$json"
check "JSON of an IPv6 policy" jq -e \
	'.[0] | ."remote-ipv6" == "fd00:1::" and ."local-port-min" == 1000 and
	 ."local-port-max" == 2000' <<<"$json"

# A shown policy pastes back as an equivalent one.
# shellcheck disable=SC2046
pasted=$($KTUN policy add $(echo "$line" | cut -d' ' -f3-))
same "a shown policy pastes back into policy add" \
	"${line#policy 1 }" "${pasted#policy 3 }"

same "policy match picks the most specific" "$line" \
	"$($KTUN policy match remote 10.1.2.3 rport 16385 owner kernel)"
expect 1 "no policy selects this connection" "policy match without a match exits 1" \
	$KTUN policy match remote 192.0.2.1

check "policy del ID" $KTUN policy del 3
expect 1 "no policy with this id \(No such file or directory\)" \
	"policy del of a missing id exits 1 naming the fault" $KTUN policy del 3
expect 1 "no policy with this id" "policy show of a missing id exits 1" \
	$KTUN policy show 3

# Command-line faults: exit 2, before the kernel is asked.
expect 2 "invalid prefix 10.0.0.0/33" "prefix length 33 is refused" \
	$KTUN policy add remote 10.0.0.0/33 peer-dns a
expect 2 "invalid prefix fd00::/129" "IPv6 prefix length 129 is refused" \
	$KTUN policy add remote fd00::/129 peer-dns a
expect 2 "invalid prefix 10.0.0.300/8" "bad address is refused" \
	$KTUN policy add remote 10.0.0.300/8 peer-dns a
expect 2 'invalid direction "sideways" \(expected out, in or both\)' \
	"unknown direction is refused" $KTUN policy add dir sideways peer-dns a
expect 2 'invalid owner "root"' "unknown owner is refused" \
	$KTUN policy add owner root peer-dns a
expect 2 "invalid port range 0" "port 0 is refused" $KTUN policy add rport 0 peer-dns a
expect 2 "invalid port range 70000" "port 70000 is refused" \
	$KTUN policy add rport 70000 peer-dns a
expect 2 'invalid cipher "rc4"' "unknown cipher is refused" \
	$KTUN policy add cipher rc4 peer-dns a
expect 2 '"remote" needs a value' "missing value is refused" \
	$KTUN policy add peer-dns a remote
expect 2 'unknown keyword "colour"' "unknown keyword is refused" \
	$KTUN policy add colour red
expect 2 "identity longer than 255 bytes" "oversized identity is refused" \
	$KTUN policy add peer-uri "spiffe://$(printf 'a%.0s' $(seq 260))"
expect 2 "more than 16 peer identities" "17 identities are refused" \
	$KTUN policy add $(for i in $(seq 17); do echo peer-dns h$i; done)
expect 2 "invalid policy id" "non-numeric id is refused" $KTUN policy del one
expect 2 "unknown object" "unknown object is refused" $KTUN frobnicate
expect 2 "Usage: ktun" "no arguments prints usage and exits 2" $KTUN

# Semantic faults: the kernel refuses, exit 1 with its message.
expect 1 "inverted port range" "inverted port range is refused by the kernel" \
	$KTUN policy add rport 2000-1000 peer-dns a
expect 1 "bits set past the prefix length" "host bits past the prefix are refused" \
	$KTUN policy add remote 10.0.0.1/8 peer-dns a
expect 1 "needs at least one peer-uri or peer-dns" "a policy without identity is refused" \
	$KTUN policy add remote 10.0.0.0/8
expect 1 "empty peer identity" "an empty identity is refused" \
	$KTUN policy add peer-dns ""
expect 1 "does not match the address family" "mixed families are refused" \
	$KTUN policy add remote 10.0.0.0/8 local fd00::/8 peer-dns a
expect 1 "Operation not permitted" "an unprivileged user gets EPERM" \
	setpriv --reuid=65534 --regid=65534 --clear-groups $KTUN policy show

# replace: one step, a new id; require: a net under the secure ones.
$KTUN policy flush
$KTUN policy add remote 10.9.0.1 rport 16385 owner kernel peer-uri spiffe://t/old >/dev/null
id=$($KTUN -j policy show | jq '.[0].id')
line=$($KTUN policy replace "$id" remote 10.9.0.1 rport 16385 owner kernel peer-uri spiffe://t/new)
check "policy replace prints the new policy, with a new id ($line)" \
	eval '[[ "$line" == "policy $((id + 1)) "*"peer-uri spiffe://t/new cipher "* ]]'
same "... and the old one is gone" 1 "$($KTUN -j policy show | jq length)"
expect 1 "no policy with this id" "policy replace of a missing id exits 1, table unchanged" \
	$KTUN policy replace "$id" rport 1 peer-uri spiffe://t/x
same "... (still one policy)" 1 "$($KTUN -j policy show | jq length)"
req=$($KTUN policy add rport 16385 owner kernel require)
same "policy add ... require: shown without identities, cipher or deadline" \
	"policy $((id + 2)) family any rport 16385 dir both owner kernel require" "$req"
check "require in JSON: action, no ciphers" jq -e \
	'.[] | select(.action == "require") | ."peer-uri" == [] and (has("ciphers") | not)' \
	<<<"$($KTUN -j policy show)"
expect 1 "takes no peer identities" "a require policy with an identity is refused" \
	$KTUN policy add rport 1 require peer-uri spiffe://t/x
expect 1 "no cipher or deadline" "a require policy with a cipher is refused" \
	$KTUN policy add rport 1 require cipher aes-128-gcm
same "policy match: the secure policy wins over a wider require" \
	"$($KTUN policy show $((id + 1)))" \
	"$($KTUN policy match remote 10.9.0.1 rport 16385 owner kernel)"
same "policy match: the require policy where no secure one selects" "$req" \
	"$($KTUN policy match remote 10.9.0.2 rport 16385 owner kernel)"
check "policy flush keeps require policies" $KTUN policy flush
same "... (only the require policy left)" "$req" "$($KTUN policy show)"
expect 2 "takes nothing" "policy flush with a bad word is a usage error" $KTUN policy flush everything

# load: the whole table from a file, in one step, all or nothing.
f=$(mktemp)
printf '%s\n' "# RDS to the database hosts" \
	"policy add remote 10.2.0.0/16 rport 16385 owner kernel peer-uri spiffe://t/db" \
	"remote 10.3.0.0/16 lport 16385 dir in owner kernel peer-uri spiffe://t/db  # inbound" \
	"$req" >"$f"
check "policy load FILE" $KTUN policy load "$f"
same "... the table is the file's (the equal require policy kept, id and all)" \
	"$((id + 2)) $((id + 3)) $((id + 4))" "$($KTUN -j policy show | jq -r 'map(.id) | sort | join(" ")')"
$KTUN policy show >"$f.shown"
check "policy show output loads back" $KTUN policy load "$f.shown"
same "... and changes nothing: same ids, same table" "$(cat "$f.shown")" "$($KTUN policy show)"
printf 'rport 1 peer-uri spiffe://t/a\nrport 2 family inet6 remote 10.0.0.1 peer-uri spiffe://t/b\n' >"$f"
expect 1 "line 2: address does not match the address family" \
	"a load with a bad line fails, naming the line" $KTUN policy load "$f"
same "... and nothing changed" "$(cat "$f.shown")" "$($KTUN policy show)"
printf 'rport 1 peer-uri spiffe://t/a\nrport 2 bogus x\n' >"$f"
expect 2 "$f:2: nothing loaded" "a load with an unknown keyword: usage error, naming the line" \
	$KTUN policy load "$f"
expect 1 "no policy in the table" "policy load of an empty table (standard input) is refused" \
	eval "$KTUN policy load - </dev/null"
same "... and changes nothing" "$(cat "$f.shown")" "$($KTUN policy show)"
check "policy load - (standard input)" eval "$KTUN policy load - <'$f.shown'"
rm -f "$f" "$f.shown"

expect 0 "policy add SELECTOR" "--help prints usage" $KTUN --help
$KTUN policy add rport 9 require >/dev/null
check "policy flush all" $KTUN policy flush all
same "after flush all show prints nothing" "" "$($KTUN policy show)"
same "after flush show -j prints []" "[]" "$($KTUN -j policy show)"
check "stats -j reports 0 policies" jq -e '.policies == 0' <<<"$($KTUN -j stats)"

# ktun-pki: modes, and a failed write leaves the existing file intact.
d=$(mktemp -d)
check "pki ca writes a certificate and a key" \
	eval "(umask 022; $KTUN_PKI ca cert $d/ca.crt key $d/ca.key name t)"
same "pki: the key is 0600, the certificate 0644 under umask 022" "600 644" \
	"$(stat -c %a $d/ca.key) $(stat -c %a $d/ca.crt)"
chmod 644 $d/ca.key
$KTUN_PKI ca cert $d/ca.crt key $d/ca.key name t >/dev/null
same "pki: a key replacing a 0644 file is 0600" 600 "$(stat -c %a $d/ca.key)"
# A full file system: the new key cannot be written.
mkdir $d/full && mount -t tmpfs -o size=64k tmpfs $d/full
cp $d/ca.key $d/full/ca.key
dd if=/dev/zero of=$d/full/fill bs=4k 2>/dev/null
expect 1 "cannot write $d/full/ca.key: No space left" "pki: a full file system is an error" \
	$KTUN_PKI ca cert $d/ca2.crt key $d/full/ca.key name t
check "... and the existing key is left as it was" cmp -s $d/ca.key $d/full/ca.key
same "... with no temporary file left behind" "ca.key fill" "$(ls $d/full | tr '\n' ' ' | sed 's/ $//')"
umount $d/full
rm -rf "$d"

done_testing
