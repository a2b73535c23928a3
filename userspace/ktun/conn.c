// SPDX-License-Identifier: GPL-2.0
/*
 * ktun conn show: the connections ktun secures or is securing;
 * ktun monitor: their events as they happen.
 */
#include <errno.h>
#include <string.h>

#include "ktun.h"

static int conn_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ktun_conn c;

	if (ktun_conn_parse(nlh, &c)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	print_conn(data, &c, NULL);
	return MNL_CB_OK;
}

int cmd_conn(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct jw w = { .f = stdout };
	struct ktnl k = {};
	int ret;

	ret = only_show("conn", argc, argv, true);
	if (ret)
		return ret;
	ret = ktun_connect(&k);
	if (ret)
		return ret;
	if (opts.json)
		jw_begin(&w, NULL, '[');
	ret = ktun_send(&k, ktnl_req(&k, buf, KTUN_CMD_CONN_GET, NLM_F_DUMP), conn_cb,
			&w, "conn show");
	if (opts.json)
		jw_end(&w, ']');
	ktnl_close(&k);
	return ret;
}

/* ktun monitor: the spec's monitor group, one event per line. */
static int monitor_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct jw w = { .f = stdout };	/* one object per line */
	const struct ktnl *k = data;
	struct ktun_conn c;
	const char *event;

	if (nlh->nlmsg_type != k->family_id)
		return MNL_CB_OK;
	switch (g->cmd) {
	case KTUN_CMD_CONN_UP: event = "up"; break;
	case KTUN_CMD_CONN_DOWN: event = "down"; break;
	case KTUN_CMD_CONN_FAILED: event = "failed"; break;
	default: return MNL_CB_OK;
	}
	if (ktun_conn_parse(nlh, &c)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	print_conn(&w, &c, event);
	fflush(stdout);
	return MNL_CB_OK;
}

int cmd_monitor(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ktnl k = {};
	int ret;

	if (argc > 0)
		return usage_err("monitor takes no arguments (got \"%s\")", argv[0]);
	ret = ktun_connect(&k);
	if (ret)
		return ret;
	ret = ktnl_subscribe(&k, KTUN_MCGRP_MONITOR);
	if (ret) {
		fprintf(stderr, "ktun: monitor: cannot join the \"%s\" group: %s\n",
			KTUN_MCGRP_MONITOR, ret == -ENOENT ?
			"the loaded ktun module has no such group" : strerror(-ret));
		ktnl_close(&k);
		return KTUN_EXIT_FAIL;
	}
	/* Tells a script it may now cause events: none will be missed. */
	fprintf(stderr, "ktun: monitoring connection events\n");
	for (;;) {
		ret = mnl_socket_recvfrom(k.nl, buf, sizeof(buf));
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "ktun: monitor: %s\n", errno == ENOBUFS ?
				"receive overrun, events were lost" : strerror(errno));
			break;
		}
		ret = mnl_cb_run(buf, ret, 0, 0, monitor_cb, &k);
		if (ret < 0) {
			fprintf(stderr, "ktun: monitor: %s\n", strerror(errno));
			break;
		}
	}
	ktnl_close(&k);
	return KTUN_EXIT_FAIL;
}
