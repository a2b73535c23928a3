// SPDX-License-Identifier: GPL-2.0
/*
 * ktnl: shared generic netlink helpers for ktun's user-space programs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "ktnl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

struct ktnl_reply {
	struct ktnl *k;
	mnl_cb_t cb;
	void *data;
};

static void ktnl_parse_extack(struct ktnl *k, const struct nlmsghdr *nlh,
			      const struct nlmsgerr *err, size_t off)
{
	const char *end = (const char *)nlh + nlh->nlmsg_len;
	void *start = (char *)err + off;
	const struct nlattr *attr;
	size_t len;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || (char *)start >= end)
		return;
	len = end - (char *)start;
	mnl_attr_for_each_payload(start, len) {
		switch (mnl_attr_get_type(attr)) {
		case NLMSGERR_ATTR_MSG:
			snprintf(k->errmsg, sizeof(k->errmsg), "%.*s",
				 (int)mnl_attr_get_payload_len(attr),
				 mnl_attr_get_str(attr));
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (mnl_attr_get_payload_len(attr) >= 4)
				k->miss_type = mnl_attr_get_u32(attr);
			break;
		case NLMSGERR_ATTR_OFFS:
			if (mnl_attr_get_payload_len(attr) >= 4)
				k->bad_off = mnl_attr_get_u32(attr);
			break;
		}
	}
}

static int ktnl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	struct ktnl_reply *r = data;
	size_t off = sizeof(*err);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	ktnl_parse_extack(r->k, nlh, err, off);
	if (!err->error)
		return MNL_CB_STOP;
	errno = -err->error;
	return MNL_CB_ERROR;
}

static int ktnl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ktnl_reply *r = data;
	const int *status = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int) && *status < 0) {
		ktnl_parse_extack(r->k, nlh, (const void *)status, sizeof(int));
		errno = -*status;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static int ktnl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ktnl_reply *r = data;

	return r->cb ? r->cb(nlh, r->data) : MNL_CB_OK;
}

static mnl_cb_t ktnl_ctl[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = ktnl_error_cb,
	[NLMSG_DONE] = ktnl_done_cb,
};

static int ktnl_recv(struct ktnl *k, uint32_t seq, mnl_cb_t cb, void *data)
{
	struct ktnl_reply r = { .k = k, .cb = cb, .data = data };
	char buf[32768];	/* a dump part fits */
	ssize_t n;
	int ret;

	do {
		n = mnl_socket_recvfrom(k->nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run2(buf, n, seq, k->portid, ktnl_data_cb, &r,
				  ktnl_ctl, NLMSG_MIN_TYPE);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -errno : 0;
}

int ktnl_talk_raw(struct ktnl *k, const void *msg, size_t len,
		  mnl_cb_t cb, void *data)
{
	const struct nlmsghdr *nlh = msg;

	k->errmsg[0] = '\0';
	k->miss_type = 0;
	k->bad_off = 0;
	if (mnl_socket_sendto(k->nl, msg, len) < 0)
		return -errno;
	return ktnl_recv(k, len >= sizeof(*nlh) ? nlh->nlmsg_seq : 0, cb, data);
}

int ktnl_talk(struct ktnl *k, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	return ktnl_talk_raw(k, nlh, nlh->nlmsg_len, cb, data);
}

struct nlmsghdr *ktnl_req(struct ktnl *k, void *buf, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = k->family_id;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	/* Atomic: ktund's workers start requests on one socket at once. */
	nlh->nlmsg_seq = __atomic_add_fetch(&k->seq, 1, __ATOMIC_RELAXED);
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = 1;
	return nlh;
}

/* One CTRL_ATTR_MCAST_GRP_* nest: remember the group's name and id. */
static void ktnl_group(struct ktnl *k, const struct nlattr *grp)
{
	const struct nlattr *a, *name = NULL, *id = NULL;

	mnl_attr_for_each_nested(a, grp) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
		    !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
			name = a;
		else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
			 !mnl_attr_validate(a, MNL_TYPE_U32))
			id = a;
	}
	if (!name || !id || k->n_groups == sizeof(k->groups) / sizeof(k->groups[0]))
		return;
	snprintf(k->groups[k->n_groups].name, sizeof(k->groups[0].name), "%s",
		 mnl_attr_get_str(name));
	k->groups[k->n_groups++].id = mnl_attr_get_u32(id);
}

static int ktnl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr, *grp;
	struct ktnl *k = data;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
		    !mnl_attr_validate(attr, MNL_TYPE_U16))
			k->family_id = mnl_attr_get_u16(attr);
		if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GROUPS)
			mnl_attr_for_each_nested(grp, attr)
				ktnl_group(k, grp);
	}
	return MNL_CB_OK;
}

int ktnl_subscribe(struct ktnl *k, const char *group)
{
	int rcvbuf = 1 << 20;
	unsigned int i;

	for (i = 0; i < k->n_groups; i++)
		if (!strcmp(k->groups[i].name, group))
			break;
	if (i == k->n_groups)
		return -ENOENT;
	/* Room for bursts; an overrun is reported (ENOBUFS), not hidden. */
	setsockopt(mnl_socket_get_fd(k->nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		   sizeof(rcvbuf));
	if (mnl_socket_setsockopt(k->nl, NETLINK_ADD_MEMBERSHIP, &k->groups[i].id,
				  sizeof(k->groups[i].id)))
		return -errno;
	return 0;
}

int ktnl_open(struct ktnl *k, const char *family)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int one = 1, err;

	memset(k, 0, sizeof(*k));
	k->seq = time(NULL);
	k->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!k->nl)
		return -errno;
	if (mnl_socket_bind(k->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		ktnl_close(k);
		return err;
	}
	mnl_socket_setsockopt(k->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(k->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	k->portid = mnl_socket_get_portid(k->nl);

	k->family_id = GENL_ID_CTRL;
	nlh = ktnl_req(k, buf, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family);
	k->family_id = 0;
	err = ktnl_talk(k, nlh, ktnl_family_cb, k);
	if (!err && !k->family_id)
		err = -ENOENT;
	if (err)
		ktnl_close(k);
	return err;
}

void ktnl_close(struct ktnl *k)
{
	if (k->nl)
		mnl_socket_close(k->nl);
	k->nl = NULL;
}

const char *ktnl_error_text(const struct nlmsghdr *nlh, char *buf, size_t len)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	struct ktnl k = {};
	size_t off = sizeof(*err);

	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	ktnl_parse_extack(&k, nlh, err, off);
	snprintf(buf, len, "%s", k.errmsg);
	return buf;
}
