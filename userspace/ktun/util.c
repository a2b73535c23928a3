// SPDX-License-Identifier: GPL-2.0
/*
 * ktun(8) helpers: error reporting, talking to the module, argv words.
 */
#include <errno.h>
#include <string.h>
#include <linux/ktun.h>

#include "ktun.h"

int name_lookup(const char *const *names, unsigned int n, const char *s)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return i;
	return -1;
}

int nl_err(const struct ktnl *k, const char *what, int err)
{
	if (k->errmsg[0])
		fprintf(stderr, "ktun: %s: %s (%s)\n", what, k->errmsg,
			strerror(-err));
	else
		fprintf(stderr, "ktun: %s: %s\n", what, strerror(-err));
	return KTUN_EXIT_FAIL;
}

int ktun_connect(struct ktnl *k)
{
	int err = ktnl_open(k, KTUN_FAMILY_NAME);

	if (err == -ENOENT) {
		fprintf(stderr, "ktun: the ktun module is not loaded (no generic netlink family \"%s\")\n",
			KTUN_FAMILY_NAME);
		return KTUN_EXIT_FAIL;
	}
	if (err) {
		fprintf(stderr, "ktun: cannot open netlink: %s\n", strerror(-err));
		return KTUN_EXIT_FAIL;
	}
	return 0;
}

/*
 * Connects on first use (so command lines are checked before the kernel is
 * asked anything), sends @nlh and reports a failure as "ktun: WHAT: ...".
 */
int ktun_send(struct ktnl *k, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
	      const char *what)
{
	int err;

	if (!k->nl) {
		err = ktun_connect(k);
		if (err)
			return err;
	}
	nlh->nlmsg_type = k->family_id;
	err = ktnl_talk(k, nlh, cb, data);
	return err ? nl_err(k, what, err) : KTUN_EXIT_OK;
}

/* Which top-level attribute of @nlh holds byte @off: its index, or -1. */
static int attr_at(const struct nlmsghdr *nlh, uint32_t off)
{
	const struct nlattr *attr;
	int i = 0;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		uint32_t start = (const char *)attr - (const char *)nlh;

		if (off >= start && off < start + mnl_attr_get_len(attr))
			return i;
		i++;
	}
	return -1;
}

int ktun_send_big(struct ktnl *k, struct nlmsghdr *nlh, const char *what,
		  const unsigned int *lines, unsigned int n)
{
	int err, i, size = 2 * nlh->nlmsg_len;
	char where[64];

	if (!k->nl) {
		err = ktun_connect(k);
		if (err)
			return err;
	}
	/* Past net.core.wmem_max only with CAP_NET_ADMIN, which we need anyway. */
	if (setsockopt(mnl_socket_get_fd(k->nl), SOL_SOCKET, SO_SNDBUFFORCE,
		       &size, sizeof(size)))
		setsockopt(mnl_socket_get_fd(k->nl), SOL_SOCKET, SO_SNDBUF,
			   &size, sizeof(size));
	nlh->nlmsg_type = k->family_id;
	err = ktnl_talk(k, nlh, NULL, NULL);
	if (!err)
		return KTUN_EXIT_OK;
	i = k->bad_off ? attr_at(nlh, k->bad_off) : -1;
	if (i < 0 || (unsigned int)i >= n)
		return nl_err(k, what, err);
	snprintf(where, sizeof(where), "%s: line %u", what, lines[i]);
	return nl_err(k, where, err);
}

/*
 * For objects whose only command is "show" (and "list" if @list): 0, or
 * a usage error naming the word that is wrong.
 */
int only_show(const char *obj, int argc, char **argv, bool list)
{
	if (!argc)
		return 0;
	if (strcmp(argv[0], "show") && (!list || strcmp(argv[0], "list")))
		return usage_err("unknown %s command \"%s\"", obj, argv[0]);
	if (argc > 1)
		return usage_err("%s %s takes no arguments (got \"%s\")", obj,
				 argv[0], argv[1]);
	return 0;
}
