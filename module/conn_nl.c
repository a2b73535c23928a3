// SPDX-License-Identifier: GPL-2.0
/*
 * Connections as the admin sees them: the conn-get dump (ktun conn show)
 * and the conn-up/down/failed events of the monitor group (ktun
 * monitor), one message format for both.  Events are sent by the verdict,
 * which decides them; nothing here changes a connection.
 */
#include <linux/unaligned.h>
#include <net/genetlink.h>
#include <net/tcp.h>
#include <net/tls.h>

#include "conn.h"
#include "ktun.h"
#include "netlink-gen.h"
#include "nl.h"

/* @conn's addresses and ports, for conn-get, the events and hs-start. */
int ktun_nl_put_addrs(struct sk_buff *msg, const struct ktun_conn *conn,
		      int afam, int alocal, int aremote, int alport, int arport)
{
	const struct sock *sk = conn->sk;
	bool v6 = sk->sk_family == AF_INET6;

	if (nla_put_u16(msg, afam, sk->sk_family) ||
	    nla_put_u16(msg, alport, ktun_conn_port(conn)) ||
	    nla_put_u16(msg, arport, ntohs(sk->sk_dport)))
		return -EMSGSIZE;
	if (v6)
		return nla_put(msg, alocal, 16, &sk->sk_v6_rcv_saddr) ?:
		       nla_put(msg, aremote, 16, &sk->sk_v6_daddr);
	return nla_put(msg, alocal, 4, &sk->sk_rcv_saddr) ?:
	       nla_put(msg, aremote, 4, &sk->sk_daddr);
}

/*
 * Records kTLS moved since the install: its next record numbers minus
 * ours at install.  The tls context is freed after an RCU grace period,
 * and taken off the socket (NULL) when it closes.
 */
static int ktun_put_records(struct sk_buff *skb, struct ktun_conn *conn)
{
	const struct inet_connection_sock *icsk = inet_csk(conn->sk);
	const struct tls_context *ctx;
	u64 tx = 0, rx = 0;

	rcu_read_lock();
	ctx = rcu_dereference(icsk->icsk_ulp_data);
	if (ctx) {
		tx = get_unaligned_be64(ctx->tx.rec_seq) - conn->tx_seq0;
		rx = get_unaligned_be64(ctx->rx.rec_seq) - conn->rx_seq0;
	}
	rcu_read_unlock();
	return nla_put_u64_64bit(skb, KTUN_A_CONN_TX_RECORDS, tx, 0) ?:
	       nla_put_u64_64bit(skb, KTUN_A_CONN_RX_RECORDS, rx, 0);
}

static int ktun_nl_conn_fill(struct sk_buff *skb, struct ktun_conn *conn,
			     u32 portid, u32 seq, int flags, u8 cmd,
			     const char *reason)
{
	const struct tcp_sock *tp = tcp_sk(conn->sk);
	u8 state = READ_ONCE(conn->state);
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &ktun_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, KTUN_A_CONN_ID, conn->id) ||
	    ktun_nl_put_addrs(skb, conn, KTUN_A_CONN_FAMILY, KTUN_A_CONN_LOCAL_ADDR,
			      KTUN_A_CONN_REMOTE_ADDR, KTUN_A_CONN_LOCAL_PORT,
			      KTUN_A_CONN_REMOTE_PORT) ||
	    nla_put_u8(skb, KTUN_A_CONN_OWNER, conn->owner) ||
	    nla_put_u8(skb, KTUN_A_CONN_ROLE, conn->role) ||
	    nla_put_u8(skb, KTUN_A_CONN_STATE, state) ||
	    nla_put_u32(skb, KTUN_A_CONN_POLICY_ID, conn->policy_id) ||
	    nla_put_u64_64bit(skb, KTUN_A_CONN_TX_BYTES, READ_ONCE(tp->bytes_sent), 0) ||
	    nla_put_u64_64bit(skb, KTUN_A_CONN_RX_BYTES, READ_ONCE(tp->bytes_received), 0))
		goto err;
	if (state == KTUN_CONN_STATE_SECURE &&
	    (nla_put_u16(skb, KTUN_A_CONN_VERSION, conn->version) ||
	     nla_put_u32(skb, KTUN_A_CONN_CIPHER, conn->cipher) ||
	     nla_put_string(skb, KTUN_A_CONN_PEER_IDENTITY, conn->peer) ||
	     nla_put_u64_64bit(skb, KTUN_A_CONN_HS_USEC, conn->hs_usec, 0) ||
	     ktun_put_records(skb, conn)))
		goto err;
	if (state == KTUN_CONN_STATE_FAILED &&
	    nla_put_u32(skb, KTUN_A_CONN_ERROR, READ_ONCE(conn->err)))
		goto err;
	if (reason && nla_put_string(skb, KTUN_A_CONN_REASON, reason))
		goto err;
	genlmsg_end(skb, hdr);
	return 0;
err:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * Multicasts conn-up, conn-down or conn-failed to the namespace's monitor
 * group.  Any context: the close hook runs in softirq.
 */
void ktun_nl_conn_event(struct ktun_conn *conn, u8 cmd, const char *reason)
{
	struct sk_buff *msg;

	if (!genl_has_listeners(&ktun_nl_family, conn->net, KTUN_NLGRP_MONITOR))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!msg)
		return;
	if (ktun_nl_conn_fill(msg, conn, 0, 0, 0, cmd, reason)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_multicast_netns(&ktun_nl_family, conn->net, msg, 0,
				KTUN_NLGRP_MONITOR, GFP_ATOMIC);
}

int ktun_nl_conn_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct ktun_net *kn = ktun_pernet(sock_net(skb->sk));
	unsigned long idx = 0, start = cb->args[0];
	struct ktun_conn *conn;
	int err = 0;

	spin_lock_bh(&kn->ct.lock);
	cb->seq = kn->ct.genid;
	list_for_each_entry(conn, &kn->ct.list, net_node) {
		if (idx >= start) {
			err = ktun_nl_conn_fill(skb, conn,
						NETLINK_CB(cb->skb).portid,
						cb->nlh->nlmsg_seq, NLM_F_MULTI,
						KTUN_CMD_CONN_GET, NULL);
			if (err)
				break;
		}
		idx++;
	}
	spin_unlock_bh(&kn->ct.lock);
	/* Resumed by position: a table changed since the last part says so. */
	if (skb->len)
		nl_dump_check_consistent(cb, nlmsg_hdr(skb));
	cb->args[0] = idx;
	if (err && !skb->len)
		return err;
	return skb->len;
}
