// SPDX-License-Identifier: GPL-2.0
/*
 * ktun stats: live object counts, for monitoring and leak checks.
 */
#include <errno.h>
#include <string.h>
#include <linux/ktun.h>

#include "ktun.h"

static const char *const stat_names[KTUN_A_STATS_MAX + 1] = {
	[KTUN_A_STATS_POLICIES] = "policies",
	[KTUN_A_STATS_POLICIES_TOTAL] = "policies-total",
	[KTUN_A_STATS_NETNS_TOTAL] = "netns-total",
	[KTUN_A_STATS_CONNS_TOTAL] = "conns-total",
	[KTUN_A_STATS_CONNS] = "conns",
	[KTUN_A_STATS_HANDSHAKES] = "handshakes",
	[KTUN_A_STATS_REFUSED] = "refused",
	[KTUN_A_STATS_MAX_HANDSHAKES] = "max-handshakes",
	[KTUN_A_STATS_MAX_HANDSHAKES_PER_SOURCE] = "max-handshakes-per-source",
	[KTUN_A_STATS_MAX_HANDSHAKES_PER_LISTENER] = "max-handshakes-per-listener",
};

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;
	struct jw *w = data;

	if (opts.json)
		jw_begin(w, NULL, '{');
	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		unsigned int type = mnl_attr_get_type(attr);

		unsigned long long v;

		if (type > KTUN_A_STATS_MAX || !stat_names[type])
			continue;
		if (!mnl_attr_validate(attr, MNL_TYPE_U32))
			v = mnl_attr_get_u32(attr);
		else if (!mnl_attr_validate(attr, MNL_TYPE_U64))
			v = mnl_attr_get_u64(attr);
		else
			continue;
		if (opts.json)
			jw_uint(w, stat_names[type], v);
		else
			printf("%s %llu\n", stat_names[type], v);
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
