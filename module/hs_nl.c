// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon side of the ktun family: daemon registration, the handshake
 * messages in both directions, and the connection dump.
 *
 * Only the registered daemon's netlink port may speak for a handshake
 * (hs-data/done/fail from any other port get -EPERM), and only for
 * handshakes it was sent.  When that port closes, every handshake it had
 * fails closed.  Key attributes are only ever received, never sent.
 */
#include <linux/netlink.h>
#include <linux/unaligned.h>
#include <net/genetlink.h>
#include <net/tcp.h>
#include <linux/tls.h>
#include <net/tls.h>

#include "conn.h"
#include "gate.h"
#include "install.h"
#include "ktun.h"
#include "netlink-gen.h"
#include "nl.h"
#include "policy.h"
#include "relay.h"

/* hs-start with every identity at full size fits here. */
#define KTUN_HS_START_SIZE	(NLMSG_GOODSIZE + KTUN_MAX_IDENTS * \
				 nla_total_size(KTUN_IDENT_MAX_LEN + 1))

static int ktun_put_addrs(struct sk_buff *msg, const struct ktun_conn *conn,
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

static int ktun_nl_send_daemon(struct ktun_conn *conn, struct sk_buff *msg)
{
	return genlmsg_unicast(conn->net, msg, conn->daemon_portid);
}

/* Tells the daemon a handshake begins.  Caller holds conn->lock. */
int ktun_nl_hs_start(struct ktun_conn *conn)
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
	    ktun_put_addrs(msg, conn, KTUN_A_HS_FAMILY, KTUN_A_HS_LOCAL_ADDR,
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
	return ktun_nl_send_daemon(conn, msg);
err:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* Passes one whole record up.  Caller holds conn->lock. */
int ktun_nl_hs_record(struct ktun_conn *conn, const void *rec, unsigned int len)
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
	return ktun_nl_send_daemon(conn, msg);
}

/*
 * Tells the daemon the kernel ended a handshake it runs, so it frees its
 * state and logs the outcome.  Caller holds conn->lock.
 */
void ktun_nl_hs_abort(struct ktun_conn *conn, const char *reason)
{
	struct sk_buff *msg;
	void *hdr;

	if (!conn->started || !conn->daemon_portid || conn->daemon_gave_up)
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
	ktun_nl_send_daemon(conn, msg);	/* a daemon that is gone: nothing to do */
}

/* Daemon-supplied text goes into the kernel log: one printable line. */
static void ktun_nl_printable(char *s)
{
	for (; *s; s++)
		if (*s < ' ' || *s > '~')
			*s = '?';
}

int ktun_nl_daemon_register_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ktun_net *kn = ktun_pernet(genl_info_net(info));
	int err = 0;

	mutex_lock(&kn->lock);
	if (kn->daemon_portid && kn->daemon_portid != info->snd_portid) {
		NL_SET_ERR_MSG_FMT_MOD(info->extack,
				       "a handshake daemon is already registered (port %u)",
				       kn->daemon_portid);
		err = -EBUSY;
	} else {
		WRITE_ONCE(kn->daemon_portid, info->snd_portid);
	}
	mutex_unlock(&kn->lock);
	return err;
}

/*
 * The handshake @info names, if the sender is the daemon it was sent to.
 * Returns it with a reference, or NULL with an extack message set.
 */
static struct ktun_conn *ktun_nl_hs_conn(struct genl_info *info, int *err)
{
	struct ktun_conn *conn;

	*err = -EINVAL;
	if (GENL_REQ_ATTR_CHECK(info, KTUN_A_HS_ID))
		return NULL;
	conn = ktun_conn_by_id(genl_info_net(info),
			       nla_get_u32(info->attrs[KTUN_A_HS_ID]));
	*err = -ENOENT;
	if (!conn) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[KTUN_A_HS_ID],
				    "no such handshake");
		return NULL;
	}
	if (!READ_ONCE(conn->started) ||
	    READ_ONCE(conn->daemon_portid) != info->snd_portid) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "only the daemon running this handshake may answer");
		ktun_conn_put(conn);
		*err = -EPERM;
		return NULL;
	}
	return conn;
}

static int ktun_nl_data(struct genl_info *info, const void **data, size_t *len)
{
	struct nlattr *a = info->attrs[KTUN_A_HS_DATA];

	*data = a ? nla_data(a) : NULL;
	*len = a ? nla_len(a) : 0;
	if (*len > 65536) {
		NL_SET_ERR_MSG_ATTR(info->extack, a, "more than 64 KiB of data");
		return -EINVAL;
	}
	return 0;
}

int ktun_nl_hs_data_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ktun_conn *conn;
	const void *data;
	size_t len;
	int err;

	err = ktun_nl_data(info, &data, &len);
	if (err)
		return err;
	conn = ktun_nl_hs_conn(info, &err);
	if (!conn)
		return err;
	mutex_lock(&conn->lock);
	if (conn->state == KTUN_CONN_STATE_HANDSHAKE)
		err = ktun_relay_daemon_data(conn, data, len,
					     info->attrs[KTUN_A_HS_MORE] &&
					     nla_get_u8(info->attrs[KTUN_A_HS_MORE]));
	else
		err = -ENOENT;
	mutex_unlock(&conn->lock);
	if (err && err != -ENOENT)
		ktun_conn_fail(conn, ECONNRESET, "could not write handshake data");
	ktun_conn_put(conn);
	return err;
}

int ktun_nl_hs_fail_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *reason = info->attrs[KTUN_A_HS_REASON];
	char why[KTUN_IDENT_MAX_LEN + 1] = "refused by the handshake daemon";
	struct ktun_conn *conn;
	const void *data;
	size_t len;
	int err;

	err = ktun_nl_data(info, &data, &len);
	if (err)
		return err;
	conn = ktun_nl_hs_conn(info, &err);
	if (!conn)
		return err;
	if (reason)
		nla_strscpy(why, reason, sizeof(why));
	ktun_nl_printable(why);
	ktun_conn_fail_daemon(conn, data, len, why);
	ktun_conn_put(conn);
	return 0;
}

union ktun_crypto_info {
	struct tls_crypto_info info;
	struct tls12_crypto_info_aes_gcm_128 gcm128;
	struct tls12_crypto_info_aes_gcm_256 gcm256;
	struct tls12_crypto_info_chacha20_poly1305 chacha;
};

/* The exact length @a must have, for the cipher being built. */
static bool ktun_nl_len_ok(struct genl_info *info, int type, int len)
{
	struct nlattr *a = info->attrs[type];

	if (a && nla_len(a) == len)
		return true;
	NL_SET_ERR_MSG_ATTR(info->extack, a, "wrong length for the cipher");
	if (!a)
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, type);
	return false;
}

/*
 * Builds one direction's crypto_info.  @dir is 0 for TX (attributes
 * tx-*), 1 for RX.  Returns the struct length or a negative errno.
 */
static int ktun_nl_crypto(struct genl_info *info, u32 cipher, int dir,
			  union ktun_crypto_info *ci)
{
	int key = dir ? KTUN_A_HS_RX_KEY : KTUN_A_HS_TX_KEY;
	int salt = dir ? KTUN_A_HS_RX_SALT : KTUN_A_HS_TX_SALT;
	int iv = dir ? KTUN_A_HS_RX_IV : KTUN_A_HS_TX_IV;
	int seq = dir ? KTUN_A_HS_RX_SEQ : KTUN_A_HS_TX_SEQ;
	bool chacha = cipher == KTUN_CIPHER_CHACHA20_POLY1305;
	int klen = cipher == KTUN_CIPHER_AES_128_GCM ? 16 : 32;
	u8 *k, *s, *v, *q;
	int size;

	memset(ci, 0, sizeof(*ci));
	ci->info.version = TLS_1_2_VERSION;
	if (cipher == KTUN_CIPHER_AES_128_GCM) {
		ci->info.cipher_type = TLS_CIPHER_AES_GCM_128;
		k = ci->gcm128.key;
		s = ci->gcm128.salt;
		v = ci->gcm128.iv;
		q = ci->gcm128.rec_seq;
		size = sizeof(ci->gcm128);
	} else if (cipher == KTUN_CIPHER_AES_256_GCM) {
		ci->info.cipher_type = TLS_CIPHER_AES_GCM_256;
		k = ci->gcm256.key;
		s = ci->gcm256.salt;
		v = ci->gcm256.iv;
		q = ci->gcm256.rec_seq;
		size = sizeof(ci->gcm256);
	} else {
		ci->info.cipher_type = TLS_CIPHER_CHACHA20_POLY1305;
		k = ci->chacha.key;
		s = NULL;
		v = ci->chacha.iv;
		q = ci->chacha.rec_seq;
		size = sizeof(ci->chacha);
	}
	if (!ktun_nl_len_ok(info, key, klen) || !ktun_nl_len_ok(info, iv, chacha ? 12 : 8) ||
	    !ktun_nl_len_ok(info, seq, 8) || (!chacha && !ktun_nl_len_ok(info, salt, 4)))
		return -EINVAL;
	nla_memcpy(k, info->attrs[key], klen);
	nla_memcpy(v, info->attrs[iv], chacha ? 12 : 8);
	nla_memcpy(q, info->attrs[seq], 8);
	if (s)
		nla_memcpy(s, info->attrs[salt], 4);
	/*
	 * TLS 1.2 GCM: the explicit nonce continues from iv, and the peer
	 * used the record sequence number; anything else reuses a nonce.
	 */
	if (!chacha && memcmp(v, q, 8)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[iv],
				    "GCM iv must equal the record sequence number");
		return -EINVAL;
	}
	return size;
}

/* The request's copy of the keys: gone before its skb is freed. */
static void ktun_nl_wipe_keys(struct genl_info *info)
{
	static const int keys[] = {
		KTUN_A_HS_TX_KEY, KTUN_A_HS_TX_SALT, KTUN_A_HS_TX_IV,
		KTUN_A_HS_RX_KEY, KTUN_A_HS_RX_SALT, KTUN_A_HS_RX_IV,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (info->attrs[keys[i]])
			memzero_explicit(nla_data(info->attrs[keys[i]]),
					 nla_len(info->attrs[keys[i]]));
}

static int ktun_nl_done_check(struct genl_info *info, u32 *cipher)
{
	struct nlattr **a = info->attrs;

	if (GENL_REQ_ATTR_CHECK(info, KTUN_A_HS_VERSION) ||
	    GENL_REQ_ATTR_CHECK(info, KTUN_A_HS_CIPHER))
		return -EINVAL;
	if (nla_get_u16(a[KTUN_A_HS_VERSION]) != TLS_1_2_VERSION) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[KTUN_A_HS_VERSION],
				    "only TLS 1.2 is supported");
		return -EINVAL;
	}
	*cipher = nla_get_u32(a[KTUN_A_HS_CIPHER]);
	if (*cipher != KTUN_CIPHER_AES_128_GCM && *cipher != KTUN_CIPHER_AES_256_GCM &&
	    *cipher != KTUN_CIPHER_CHACHA20_POLY1305) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[KTUN_A_HS_CIPHER],
				    "exactly one known cipher");
		return -EINVAL;
	}
	return 0;
}

static int ktun_nl_done(struct ktun_conn *conn, struct genl_info *info,
			u32 cipher, union ktun_crypto_info *ci)
{
	const void *data;
	size_t len;
	int size, err;

	if (!(conn->policy->ciphers & cipher)) {
		NL_SET_ERR_MSG_MOD(info->extack, "cipher not allowed by the policy");
		return -EINVAL;
	}
	err = ktun_nl_data(info, &data, &len);
	size = ktun_nl_crypto(info, cipher, 0, &ci[0]);
	if (!err && size > 0 && ktun_nl_crypto(info, cipher, 1, &ci[1]) < 0)
		size = -EINVAL;
	if (err || size < 0)
		return err ?: size;
	return ktun_install(conn, &ci[0].info, &ci[1].info, size, data, len);
}

static int ktun_nl_hs_done(struct genl_info *info)
{
	struct nlattr *peer = info->attrs[KTUN_A_HS_PEER_IDENTITY];
	union ktun_crypto_info ci[2];
	struct ktun_conn *conn;
	u32 cipher;
	int err;

	err = ktun_nl_done_check(info, &cipher);
	if (err)
		return err;
	conn = ktun_nl_hs_conn(info, &err);
	if (!conn)
		return err;
	mutex_lock(&conn->lock);
	err = -ENOENT;
	if (conn->state == KTUN_CONN_STATE_HANDSHAKE)
		err = ktun_nl_done(conn, info, cipher, ci);
	memzero_explicit(ci, sizeof(ci));
	if (!err) {
		conn->version = TLS_1_2_VERSION;
		conn->cipher = cipher;
		conn->tx_seq0 = be64_to_cpu(nla_get_be64(info->attrs[KTUN_A_HS_TX_SEQ]));
		conn->rx_seq0 = be64_to_cpu(nla_get_be64(info->attrs[KTUN_A_HS_RX_SEQ]));
		conn->hs_usec = ktime_us_delta(ktime_get(), conn->start);
		if (peer)
			nla_strscpy(conn->peer, peer, sizeof(conn->peer));
		ktun_nl_printable(conn->peer);
		if (cancel_delayed_work(&conn->deadline_work))
			ktun_conn_put(conn);
		/* In-kernel readers depend on readers.c while it lives. */
		if (conn->owner == KTUN_OWNER_KERNEL)
			ktun_conn_pin(conn);
	}
	mutex_unlock(&conn->lock);
	if (!err) {
		ktun_gate_wake(conn);
		ktun_conn_log_secure(conn);
	} else if (err != -ENOENT) {
		ktun_conn_fail(conn, ECONNRESET, "installing the keys failed");
	}
	ktun_conn_put(conn);
	return err;
}

int ktun_nl_hs_done_doit(struct sk_buff *skb, struct genl_info *info)
{
	int err = ktun_nl_hs_done(info);

	ktun_nl_wipe_keys(info);	/* accepted or not */
	return err;
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
	    ktun_put_addrs(skb, conn, KTUN_A_CONN_FAMILY, KTUN_A_CONN_LOCAL_ADDR,
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

	spin_lock_bh(&kn->conn_lock);
	cb->seq = kn->conns_genid;
	list_for_each_entry(conn, &kn->conns, net_node) {
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
	spin_unlock_bh(&kn->conn_lock);
	/* Resumed by position: a table changed since the last part says so. */
	if (skb->len)
		nl_dump_check_consistent(cb, nlmsg_hdr(skb));
	cb->args[0] = idx;
	if (err && !skb->len)
		return err;
	return skb->len;
}

/* The daemon's socket closed: its handshakes fail closed. */
static int ktun_nl_release(struct notifier_block *nb, unsigned long event,
			   void *ptr)
{
	struct netlink_notify *n = ptr;
	struct ktun_net *kn;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	kn = ktun_pernet(n->net);
	if (READ_ONCE(kn->daemon_portid) != n->portid)
		return NOTIFY_DONE;
	WRITE_ONCE(kn->daemon_portid, 0);
	pr_info("ktun: handshake daemon exited: failing its handshakes\n");
	ktun_conn_fail_net(n->net, KTUN_FAIL_DAEMON, n->portid, ECONNREFUSED,
			   "handshake daemon exited");
	return NOTIFY_DONE;
}

static struct notifier_block ktun_nl_notifier = {
	.notifier_call = ktun_nl_release,
};

int __init ktun_nl_hs_init(void)
{
	return netlink_register_notifier(&ktun_nl_notifier);
}

void ktun_nl_hs_exit(void)
{
	netlink_unregister_notifier(&ktun_nl_notifier);
}
