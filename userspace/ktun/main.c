// SPDX-License-Identifier: GPL-2.0
/*
 * ktun(8): configure ktun policies and inspect its state.
 */
#include <string.h>

#include "ktun.h"

#ifndef KTUN_VERSION
#define KTUN_VERSION "0.1"
#endif

struct ktun_opts opts;

static const char usage_text[] =
"Usage: ktun [-j] OBJECT COMMAND [ARGS]\n"
"       ktun help | -h | --help\n"
"       ktun -V | --version\n"
"\n"
"Objects and commands:\n"
"  policy add SELECTOR... IDENTITY... [cipher LIST] [timeout TIME]\n"
"  policy add SELECTOR... require   refuse what no other policy secures\n"
"  policy replace ID SELECTOR... IDENTITY... [...]   swap ID for it, in one step\n"
"  policy load FILE|-               the whole table, one \"add\" per line, in one step\n"
"  policy del ID\n"
"  policy show [ID]\n"
"  policy flush [require|all]        secure policies (default), require ones, or all\n"
"  policy match [remote ADDR] [local ADDR] [rport PORT] [lport PORT]\n"
"               [dir out|in] [owner kernel|user]\n"
"  conn [show]                     connections secured or being secured\n"
"  monitor                         stream conn up, down and failed events\n"
"  stats [show]\n"
"\n"
"SELECTOR := remote PREFIX | local PREFIX | rport PORT[-PORT] |\n"
"            lport PORT[-PORT] | family inet|inet6|any |\n"
"            dir out|in|both (default both) | owner kernel|user|any (default any)\n"
"IDENTITY := peer-uri URI | peer-dns NAME   (at least one; any one may match)\n"
"LIST     := all | NAME[,NAME...] of aes-128-gcm aes-256-gcm chacha20-poly1305\n"
"TIME     := MILLISECONDS | Nms | Ns         (default 5000ms)\n"
"\n"
"Options:\n"
"  -j, --json     print JSON\n"
"\n"
"Exit status: 0 success, 1 the kernel refused or a system error,\n"
"2 invalid command line.  See ktun(8); certificates: ktun-pki(8).\n";

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs(usage_text, stdout);
	return KTUN_EXIT_OK;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} objects[] = {
	{ "policy", cmd_policy },
	{ "stats", cmd_stats },
	{ "conn", cmd_conn },
	{ "monitor", cmd_monitor },
	{ "help", cmd_help },
};

int main(int argc, char **argv)
{
	unsigned int i;

	for (NEXT_ARG(); argc > 0 && argv[0][0] == '-'; NEXT_ARG()) {
		const char *o = argv[0];

		if (!strcmp(o, "-j") || !strcmp(o, "--json")) {
			opts.json = true;
		} else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			return cmd_help(0, NULL);
		} else if (!strcmp(o, "-V") || !strcmp(o, "--version")) {
			printf("ktun %s\n", KTUN_VERSION);
			return KTUN_EXIT_OK;
		} else {
			return usage_err("unknown option \"%s\"", o);
		}
	}
	if (argc == 0) {
		fputs(usage_text, stderr);
		return KTUN_EXIT_USAGE;
	}
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if (!strcmp(argv[0], objects[i].name))
			return objects[i].fn(argc - 1, argv + 1);
	return usage_err("unknown object \"%s\"", argv[0]);
}
