#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ktund's start-up, as an operator meets it: help, bad options, a
# settings file, unreadable or mismatched keys, the module missing, and a
# second daemon in a namespace that already has one; the worker count.
. "$(dirname "$0")/lib.sh"
fresh_netns "$@"
PKI=/selftests/pki
cd "$(mktemp -d)" || exit 1
args="--ca $PKI/ca.crt --cert $PKI/a-ec.crt --key $PKI/a-ec.key"

expect 0 "^Usage: ktund" "--help prints the usage" ktund --help
expect 0 "^ktund [0-9]" "--version" ktund --version
expect 2 "unrecognized option" "an unknown option is a usage error (exit 2)" ktund --bogus
expect 1 "cannot read /nonexistent.key: No such file or directory" \
	"an unreadable key is named, with the reason" \
	ktund --ca $PKI/ca.crt --cert $PKI/a-ec.crt --key /nonexistent.key
expect 1 "certificate and key do not match" "a key that is not the certificate's" \
	ktund --ca $PKI/ca.crt --cert $PKI/a-ec.crt --key $PKI/b-ec.key
printf 'ca %s\nbogus 1\n' $PKI/ca.crt >bad.conf
expect 1 "bad.conf:2: unknown setting \"bogus\"" "a bad settings line names file and line" \
	ktund -c bad.conf
expect 1 "cannot read missing.conf" "a named settings file must exist" ktund -c missing.conf
printf 'netlink-buffer 4k\n' >nlbuf.conf
expect 1 "nlbuf.conf:1: netlink-buffer must be a byte count from 4096 to 1073741824" \
	"a bad netlink-buffer is named, with its range" ktund -c nlbuf.conf
expect 2 "--workers must be a number from 1 to 64" "--workers 0 is a usage error" \
	ktund --workers 0 $args
expect 2 "--workers must be a number from 1 to 64" "--workers 65 is a usage error" \
	ktund --workers 65 $args
printf 'workers many\n' >workers.conf
expect 1 "workers.conf:1: workers must be a number from 1 to 64" \
	"a bad workers setting is named, with its range" ktund -c workers.conf

# A good settings file: the daemon registers; a second one is refused.
printf 'ca %s/ca.crt\ncert %s/a-ec.crt\n# comment\nkey %s/a-ec.key\nworkers 3\n' \
	$PKI $PKI $PKI >good.conf
ktund -c good.conf 2>first.log &
first=$!
check "a settings file is enough to start" wait_for 5 grep -q registered first.log
check "the start-up line says how many workers run" grep -q "registered; .*; 3 workers$" first.log
same "one thread receives, three run handshakes" 4 \
	"$(ls /proc/$first/task 2>/dev/null | wc -l)"
expect 1 "cannot register: .*already" "a second daemon in the namespace is refused" \
	timeout 10 ktund $args
kill $first
wait $first
same "SIGTERM stops the daemon cleanly" 0 $?

# Without the module (and without autoloading it) ktund says so.
if rmmod ktun 2>/dev/null; then
	modprobe_path=$(cat /proc/sys/kernel/modprobe)
	echo /bin/false >/proc/sys/kernel/modprobe
	expect 1 "the ktun module is not loaded" "a missing module is named" ktund $args
	echo "$modprobe_path" >/proc/sys/kernel/modprobe
	modprobe ktun
else
	not_ok "a missing module is named (could not unload ktun)"
fi
done_testing
