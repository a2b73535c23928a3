// SPDX-License-Identifier: GPL-2.0
/*
 * Messages to the handshake daemon: hs-start (a handshake begins, with
 * the policy's identities and ciphers), hs-record (one whole handshake
 * record from the peer) and hs-abort (the kernel ended a handshake the
 * daemon runs).  Unicast to the registered daemon's port; what comes
 * back is hs_nl.c's.
 */
#include <net/genetlink.h>

#include "conn.h"
#include "daemon.h"
#include "ktun.h"
#include "netlink-gen.h"
#include "nl.h"
#include "policy.h"

/* hs-start with every identity at full size fits here. */
#define KTUN_HS_START_SIZE	(NLMSG_GOODSIZE + KTUN_MAX_IDENTS * \
				 nla_total_size(KTUN_IDENT_MAX_LEN + 1))

static int ktun_daemon_send(struct ktun_conn *conn, struct sk_buff *msg)
{
	return genlmsg_unicast(conn->net, msg, conn->daemon_portid);
}

/* Tells the daemon a handshake begins.  Caller holds conn->lock. */
int ktun_daemon_start(struct ktun_conn *conn)
{
	struct sk_buff *msg;
	unsigned int i;
	void *hdr;

	msg = genlmsg_new(KTUN_HS_START_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put(msg, 0, 0, &ktun_nl_family, 0, KTUN_CMD_HS_START);
	if (!hdr || nla_put_u32(msg, KTUN_A_HS_ID, conn->id) ||
	    nla_put_u8(msg, KTUN_A_HS_ROLE, conn->role) ||
	    nla_put_u32(msg, KTUN_A_HS_POLICY_ID, conn->policy_id) ||
	    nla_put_u32(msg, KTUN_A_HS_CIPHERS, conn->policy->ciphers) ||
	    ktun_nl_put_addrs(msg, conn, KTUN_A_HS_FAMILY, KTUN_A_HS_LOCAL_ADDR,
			      KTUN_A_HS_REMOTE_ADDR, KTUN_A_HS_LOCAL_PORT,
			      KTUN_A_HS_REMOTE_PORT))
		goto err;
	for (i = 0; i < conn->policy->n_idents; i++) {
		const struct ktun_ident *id = &conn->policy->idents[i];
		int type = id->type == KTUN_A_POLICY_PEER_URI ?
			   KTUN_A_HS_PEER_URI : KTUN_A_HS_PEER_DNS;

		if (nla_put_string(msg, type, id->name))
			goto err;
	}
	genlmsg_end(msg, hdr);
	return ktun_daemon_send(conn, msg);
err:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* Passes one whole record up.  Caller holds conn->lock. */
int ktun_daemon_record(struct ktun_conn *conn, const void *rec, unsigned int len)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(nla_total_size(len) + 64, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put(msg, 0, 0, &ktun_nl_family, 0, KTUN_CMD_HS_RECORD);
	if (!hdr || nla_put_u32(msg, KTUN_A_HS_ID, conn->id) ||
	    nla_put(msg, KTUN_A_HS_RECORD, len, rec)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return ktun_daemon_send(conn, msg);
}

/*
 * Tells the daemon the kernel ended a handshake it runs, so it frees its
 * state and logs the outcome.  Caller holds conn->lock.
 */
void ktun_daemon_abort(struct ktun_conn *conn, const char *reason)
{
	struct sk_buff *msg;
	void *hdr;

	if (!conn->started || !conn->daemon_portid)
		return;
	msg = genlmsg_new(nla_total_size(strlen(reason) + 1) + 64, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &ktun_nl_family, 0, KTUN_CMD_HS_ABORT);
	if (!hdr || nla_put_u32(msg, KTUN_A_HS_ID, conn->id) ||
	    nla_put_string(msg, KTUN_A_HS_REASON, reason)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	ktun_daemon_send(conn, msg);	/* a daemon that is gone: nothing to do */
}
