// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's commands: registration, hs-data, hs-fail and hs-done
 * (the messages to the daemon are daemon.c's).  The keys of hs-done are read
 * into a neutral struct ktun_keys; install.c makes kTLS's crypto_info of
 * them.
 *
 * Only the registered daemon's netlink port may speak for a handshake
 * (hs-data/done/fail from any other port get -EPERM), and only for
 * handshakes it was sent.  When that port closes, every handshake it had
 * fails closed.  Key attributes are only ever received, never sent.
 */
#include <linux/netlink.h>
#include <net/genetlink.h>
#include <linux/tls.h>

#include "conn.h"
#include "install.h"
#include "ktun.h"
#include "netlink-gen.h"
#include "nl.h"
#include "policy.h"
#include "relay.h"
#include "verdict.h"

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

	mutex_lock(&kn->pol.lock);
	if (kn->daemon_portid && kn->daemon_portid != info->snd_portid) {
		NL_SET_ERR_MSG_FMT_MOD(info->extack,
				       "a handshake daemon is already registered (port %u)",
				       kn->daemon_portid);
		err = -EBUSY;
	} else {
		WRITE_ONCE(kn->daemon_portid, info->snd_portid);
	}
	mutex_unlock(&kn->pol.lock);
	return err;
}

/*
 * The handshake @info names, if the sender is the daemon it was sent to:
 * 0 with it in info->user_ptr[0], referenced, or an error with an extack
 * message set.
 */
static int ktun_nl_hs_conn(struct genl_info *info)
{
	struct ktun_conn *conn;

	if (GENL_REQ_ATTR_CHECK(info, KTUN_A_HS_ID))
		return -EINVAL;
	conn = ktun_conn_by_id(genl_info_net(info),
			       nla_get_u32(info->attrs[KTUN_A_HS_ID]));
	if (!conn) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[KTUN_A_HS_ID],
				    "no such handshake");
		return -ENOENT;
	}
	if (!READ_ONCE(conn->started) ||
	    READ_ONCE(conn->daemon_portid) != info->snd_portid) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "only the daemon running this handshake may answer");
		ktun_conn_put(conn);
		return -EPERM;
	}
	info->user_ptr[0] = conn;
	return 0;
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

/*
 * Before hs-data, hs-done and hs-fail: the handshake they answer.  An
 * hs-done refused here never reaches its handler: its keys are wiped
 * here instead.
 */
int ktun_nl_hs_pre_doit(const struct genl_split_ops *ops, struct sk_buff *skb,
			struct genl_info *info)
{
	int err = ktun_nl_hs_conn(info);

	if (err && ops->cmd == KTUN_CMD_HS_DONE)
		ktun_nl_wipe_keys(info);
	return err;
}

/* After them: the handshake's reference goes. */
void ktun_nl_hs_post_doit(const struct genl_split_ops *ops, struct sk_buff *skb,
			  struct genl_info *info)
{
	ktun_conn_put(info->user_ptr[0]);
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
	struct ktun_conn *conn = info->user_ptr[0];
	const void *data;
	size_t len;
	int err;

	err = ktun_nl_data(info, &data, &len);
	if (err)
		return err;
	mutex_lock(&conn->lock);
	if (conn->state != KTUN_CONN_STATE_HANDSHAKE)
		err = -ENOENT;
	else if (len)	/* tls before the peer can finish (install.c) */
		err = ktun_install_ulp(conn);
	if (!err)
		err = ktun_relay_daemon_data(conn, data, len,
					     info->attrs[KTUN_A_HS_MORE] &&
					     nla_get_u8(info->attrs[KTUN_A_HS_MORE]));
	mutex_unlock(&conn->lock);
	if (err && err != -ENOENT)
		ktun_verdict_fail(conn, ECONNRESET, "could not write handshake data");
	return err;
}

int ktun_nl_hs_fail_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *reason = info->attrs[KTUN_A_HS_REASON];
	char why[KTUN_IDENT_MAX_LEN + 1] = "refused by the handshake daemon";
	const void *data;
	size_t len;
	int err;

	err = ktun_nl_data(info, &data, &len);
	if (err)
		return err;
	if (reason)
		nla_strscpy(why, reason, sizeof(why));
	ktun_nl_printable(why);
	ktun_verdict_fail_daemon(info->user_ptr[0], data, len, why);
	return 0;
}

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
 * Reads one direction's keys into @k, each attribute exactly as long as
 * @cipher wants (install.c says how long).  @dir is 0 for TX (attributes
 * tx-*), 1 for RX.  Returns 0 or -EINVAL (extack set).
 */
static int ktun_nl_keys(struct genl_info *info, u32 cipher, int dir,
			struct ktun_keys *k)
{
	int key = dir ? KTUN_A_HS_RX_KEY : KTUN_A_HS_TX_KEY;
	int salt = dir ? KTUN_A_HS_RX_SALT : KTUN_A_HS_TX_SALT;
	int iv = dir ? KTUN_A_HS_RX_IV : KTUN_A_HS_TX_IV;
	int seq = dir ? KTUN_A_HS_RX_SEQ : KTUN_A_HS_TX_SEQ;
	struct ktun_key_lens l;

	ktun_install_key_lens(cipher, &l);
	memset(k, 0, sizeof(*k));
	if (!ktun_nl_len_ok(info, key, l.key) || !ktun_nl_len_ok(info, iv, l.iv) ||
	    !ktun_nl_len_ok(info, seq, l.seq) ||
	    (l.salt && !ktun_nl_len_ok(info, salt, l.salt)))
		return -EINVAL;
	nla_memcpy(k->key, info->attrs[key], l.key);
	nla_memcpy(k->iv, info->attrs[iv], l.iv);
	nla_memcpy(k->seq, info->attrs[seq], l.seq);
	if (l.salt)
		nla_memcpy(k->salt, info->attrs[salt], l.salt);
	if (!ktun_install_nonce_ok(cipher, k)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[iv],
				    "GCM iv must equal the record sequence number");
		return -EINVAL;
	}
	return 0;
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
			u32 cipher, struct ktun_keys *k)
{
	const void *data;
	size_t len;
	int ret, err;

	if (!(conn->policy->ciphers & cipher)) {
		NL_SET_ERR_MSG_MOD(info->extack, "cipher not allowed by the policy");
		return -EINVAL;
	}
	err = ktun_nl_data(info, &data, &len);
	ret = ktun_nl_keys(info, cipher, 0, &k[0]);
	if (!err && !ret)
		ret = ktun_nl_keys(info, cipher, 1, &k[1]);
	if (err || ret)
		return err ?: ret;
	return ktun_install(conn, cipher, &k[0], &k[1], data, len);
}

static int ktun_nl_hs_done(struct genl_info *info)
{
	struct nlattr *peer = info->attrs[KTUN_A_HS_PEER_IDENTITY];
	struct ktun_conn *conn = info->user_ptr[0];
	struct ktun_keys keys[2];
	u32 cipher;
	int err;

	err = ktun_nl_done_check(info, &cipher);
	if (err)
		return err;
	mutex_lock(&conn->lock);
	err = -ENOENT;
	if (conn->state == KTUN_CONN_STATE_HANDSHAKE)
		err = ktun_nl_done(conn, info, cipher, keys);
	memzero_explicit(keys, sizeof(keys));
	if (!err) {
		conn->version = TLS_1_2_VERSION;
		conn->cipher = cipher;
		conn->tx_seq0 = be64_to_cpu(nla_get_be64(info->attrs[KTUN_A_HS_TX_SEQ]));
		conn->rx_seq0 = be64_to_cpu(nla_get_be64(info->attrs[KTUN_A_HS_RX_SEQ]));
		conn->hs_usec = ktime_us_delta(ktime_get(), conn->start);
		if (peer)
			nla_strscpy(conn->peer, peer, sizeof(conn->peer));
		ktun_nl_printable(conn->peer);
		ktun_verdict_secure_locked(conn);
	}
	mutex_unlock(&conn->lock);
	if (!err)
		ktun_verdict_secure(conn);
	else if (err != -ENOENT)
		ktun_verdict_fail(conn, ECONNRESET, "installing the keys failed");
	return err;
}

int ktun_nl_hs_done_doit(struct sk_buff *skb, struct genl_info *info)
{
	int err = ktun_nl_hs_done(info);

	ktun_nl_wipe_keys(info);	/* accepted or not */
	return err;
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
	ktun_verdict_fail_net(n->net, KTUN_FAIL_DAEMON, n->portid, ECONNREFUSED,
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
