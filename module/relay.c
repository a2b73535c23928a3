// SPDX-License-Identifier: GPL-2.0
/*
 * The handshake relay: one TLS record at a time between the connection
 * and the daemon.
 *
 * The relay reads exactly the bytes of one record (the 5-byte header, then
 * the length it announces) and never a byte more, so application data the
 * peer sends right after its last handshake record stays queued for kTLS.
 * It reads only when the daemon asked for the next record; the bytes the
 * daemon returns are written as they are.
 *
 * The relay hears of incoming bytes through the sk_data_ready tracepoint
 * (hook.c), not by taking the callback: the owner's own callback still
 * runs, and finds nothing to read - the gate, and for direct
 * tcp_read_sock() callers readers.c, hand out nothing until secure.
 */
#include <linux/memcontrol.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <net/tcp.h>

#include "conn.h"
#include "ktun.h"
#include "daemon.h"
#include "park.h"
#include "relay.h"

/* Bytes arrived on a handshaking connection: queue the relay if it waits. */
void ktun_relay_data_ready(struct ktun_conn *conn)
{
	if (READ_ONCE(conn->want_record) && ktun_conn_get(conn) &&
	    !queue_work(ktun_wq, &conn->relay_work))
		ktun_conn_put(conn);
}

/* Starts the handshake once the connection is established.  Any context. */
void ktun_relay_start(struct ktun_conn *conn)
{
	if (ktun_conn_get(conn) && !queue_work(ktun_wq, &conn->relay_work))
		ktun_conn_put(conn);
}

struct ktun_relay_desc {
	struct ktun_conn *conn;
};

static int ktun_relay_actor(read_descriptor_t *desc, struct sk_buff *skb,
			    unsigned int offset, size_t len)
{
	struct ktun_conn *conn = desc->arg.data;
	size_t n = min_t(size_t, len, desc->count);

	if (skb_copy_bits(skb, offset, conn->rec + conn->rec_len, n))
		return -EFAULT;
	conn->rec_len += n;
	desc->count -= n;
	return n;
}

/* Bytes still missing from the record being assembled, or -EBADMSG. */
static int ktun_relay_missing(struct ktun_conn *conn)
{
	const u8 *h = conn->rec;
	unsigned int len;

	if (conn->rec_len < 5)
		return 5 - conn->rec_len;
	len = h[3] << 8 | h[4];
	/* During the handshake only ChangeCipherSpec, Alert and Handshake. */
	if (h[0] < 20 || h[0] > 22 || h[1] != 3 || len > KTUN_REC_MAX - 5)
		return -EBADMSG;
	return 5 + len - conn->rec_len;
}

/* Reads what is queued of the current record: 1 if complete, 0, or -errno. */
static int ktun_relay_read(struct ktun_conn *conn)
{
	struct sock *sk = conn->sk;
	read_descriptor_t desc;
	int missing, ret = 0;

	if (!conn->rec) {
		/* Charged to the socket's memory cgroup, not the worker's. */
		struct mem_cgroup *old = set_active_memcg(mem_cgroup_from_sk(sk));

		conn->rec = kmalloc(KTUN_REC_MAX, GFP_KERNEL_ACCOUNT);
		set_active_memcg(old);
		if (!conn->rec)
			return -ENOMEM;
	}
	lock_sock(sk);
	while ((missing = ktun_relay_missing(conn)) > 0) {
		desc.arg.data = conn;
		desc.count = missing;
		desc.error = 0;
		ret = tcp_read_sock(sk, &desc, ktun_relay_actor);
		if (ret <= 0)
			break;
	}
	if (missing > 0 && ret >= 0 &&
	    ((sk->sk_shutdown & RCV_SHUTDOWN) || sk->sk_state != TCP_ESTABLISHED))
		ret = -ECONNRESET;	/* the peer gave up */
	release_sock(sk);
	if (missing < 0)
		return missing;
	if (ret < 0)
		return ret;
	return !missing;
}

/*
 * Writes @len bytes the daemon produced.  A client's socket carries
 * SEND_SHUTDOWN while gated (so nothing but the relay can send), lifted
 * only around this write, with the socket lock held throughout.
 */
int ktun_relay_write(struct ktun_conn *conn, const void *data, size_t len)
{
	struct kvec vec = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	struct sock *sk = conn->sk;
	u8 shutdown;
	int ret;

	if (!len)
		return 0;
	iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, &vec, 1, len);
	lock_sock(sk);
	shutdown = sk->sk_shutdown;
	WRITE_ONCE(sk->sk_shutdown, shutdown & ~SEND_SHUTDOWN);
	ret = tcp_sendmsg_locked(sk, &msg, len);
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | (shutdown & SEND_SHUTDOWN));
	release_sock(sk);
	/* A handshake flight fits an empty send buffer; if not, fail. */
	if (ret >= 0 && ret != len)
		ret = -ENOBUFS;
	return ret < 0 ? ret : 0;
}

static void ktun_relay_step(struct ktun_conn *conn, int *err, const char **why)
{
	struct net *net = conn->net;
	int ret;

	if (READ_ONCE(conn->err))	/* a failure is on its way */
		return;
	if (!conn->started) {
		conn->started = true;
		conn->daemon_portid = READ_ONCE(ktun_pernet(net)->daemon_portid);
		if (!conn->daemon_portid) {
			*err = ECONNREFUSED;
			*why = "no handshake daemon (ktund) registered";
			return;
		}
		ret = ktun_daemon_start(conn);
		if (ret) {
			*err = ECONNREFUSED;
			*why = "handshake daemon unreachable";
		}
		return;
	}
	if (!conn->want_record)
		return;
	ret = ktun_relay_read(conn);
	if (ret <= 0) {
		if (ret < 0) {
			*err = ret == -EBADMSG ? ECONNRESET : -ret;
			*why = ret == -EBADMSG ?
			       "peer sent something that is not a TLS handshake record" :
			       "peer closed during the handshake";
		}
		return;
	}
	conn->want_record = false;
	ret = ktun_daemon_record(conn, conn->rec, conn->rec_len);
	conn->rec_len = 0;
	if (ret) {
		*err = ECONNREFUSED;
		*why = "handshake daemon unreachable";
	}
}

static void ktun_relay_work(struct work_struct *work)
{
	struct ktun_conn *conn = container_of(work, struct ktun_conn, relay_work);
	const char *why = NULL;
	int err = 0;

	ktun_park_orphan_wait(conn);
	mutex_lock(&conn->lock);
	if (conn->state == KTUN_CONN_STATE_HANDSHAKE)
		ktun_relay_step(conn, &err, &why);
	mutex_unlock(&conn->lock);
	if (err)
		ktun_conn_fail_async(conn, err, why);
	ktun_conn_put(conn);
}

/* Sets up @conn's work item; ktun_match() calls it with the connection new. */
void ktun_relay_setup(struct ktun_conn *conn)
{
	INIT_WORK(&conn->relay_work, ktun_relay_work);
}

/* hs-data from the daemon.  Caller holds conn->lock. */
int ktun_relay_daemon_data(struct ktun_conn *conn, const void *data,
			   size_t len, bool more)
{
	int ret;

	lockdep_assert_held(&conn->lock);
	ret = ktun_relay_write(conn, data, len);
	if (ret)
		return ret;
	WRITE_ONCE(conn->want_record, more);
	if (more)
		ktun_relay_start(conn);
	return 0;
}
