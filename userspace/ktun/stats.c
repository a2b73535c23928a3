// SPDX-License-Identifier: GPL-2.0
/*
 * ktun stats: live object counts, for monitoring and leak checks.
 */
#include <errno.h>
#include <string.h>

#include "ktun.h"

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;
	struct jw *w = data;

	if (opts.json)
		jw_begin(w, NULL, '{');
	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		unsigned long long v;
		const char *name = ktun_stat(attr, &v);

		if (name)
			print_stat(w, name, v);
	}
	if (opts.json)
		jw_end(w, '}');
	return MNL_CB_OK;
}

int cmd_stats(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct jw w = { .f = stdout };
	struct ktnl k = {};
	int ret;

	ret = only_show("stats", argc, argv, false);
	if (ret)
		return ret;
	ret = ktun_send(&k, ktnl_req(&k, buf, KTUN_CMD_STATS_GET, 0), stats_cb,
			&w, "stats");
	ktnl_close(&k);
	return ret;
}
