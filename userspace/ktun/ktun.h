/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktun(8): the administration tool.
 *
 *   main.c     options and the table of objects
 *   policy.c   the policy commands and their grammar (argv -> struct)
 *   conn.c     conn show and monitor
 *   stats.c    stats
 *   print.c    text and JSON output of what the kernel answers
 *   json.c     the JSON writer
 *   util.c     errors, sending requests
 *   ../lib     the codec (ktun_msg.c), the netlink layer (ktnl.c) and
 *              the argv helpers ktun-pki shares (cli.c)
 */
#ifndef KTUN_CLI_H
#define KTUN_CLI_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "ktnl.h"
#include "ktun_msg.h"

/* Exit codes a shell script can rely on. */
enum {
	KTUN_EXIT_OK = 0,
	KTUN_EXIT_FAIL = 1,	/* the kernel refused, or a system error */
	KTUN_EXIT_USAGE = CLI_EXIT_USAGE,	/* bad command line (usage_err()) */
};

struct ktun_opts {
	bool json;
};

extern struct ktun_opts opts;

/* Reports a failed netlink request; returns KTUN_EXIT_FAIL. */
int nl_err(const struct ktnl *k, const char *what, int err);
/* Sends a request built with ktnl_req() on a zeroed @k; returns an exit code. */
int ktun_send(struct ktnl *k, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
	      const char *what);
/*
 * The same for a request of any size; a kernel error inside its @n
 * top-level attributes is reported with the line @lines gives for it.
 */
int ktun_send_big(struct ktnl *k, struct nlmsghdr *nlh, const char *what,
		  const unsigned int *lines, unsigned int n);

int only_show(const char *obj, int argc, char **argv, bool list);
/* The index of @s in @names, or -1. */
int name_lookup(const char *const *names, unsigned int n, const char *s);

/* JSON writer: keys may be NULL inside arrays. */
struct jw {
	FILE *f;
	int depth;
	bool need_comma[16];
};
void jw_begin(struct jw *w, const char *key, char open);
void jw_end(struct jw *w, char close);
void jw_str(struct jw *w, const char *key, const char *val);
void jw_uint(struct jw *w, const char *key, unsigned long long val);

/* Output as -j asks: text on stdout, or a JSON value on @w. */
void print_policy(struct jw *w, const struct ktun_policy *p);
/* @event ("up", "down", "failed") for monitor, else NULL. */
void print_conn(struct jw *w, const struct ktun_conn *c, const char *event);
void print_stat(struct jw *w, const char *name, unsigned long long v);

int cmd_policy(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_conn(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int ktun_connect(struct ktnl *k);

#endif /* KTUN_CLI_H */
