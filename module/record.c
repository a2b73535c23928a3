// SPDX-License-Identifier: GPL-2.0
/*
 * Control records after the handshake: what an owner that never asked
 * for TLS sees when the peer closes or aborts.
 *
 * kTLS hands a record that is not application data (an alert, a
 * handshake message) to recvmsg() callers only as a control message; a
 * caller that passes no control buffer gets EIO, again on every call, and
 * read_sock() callers get EINVAL with the record left queued.  A peer's
 * close_notify - the normal end of every standard TLS connection - would
 * make an unmodified owner's read fail forever, and RDS or KCM stall.
 * ktun takes such a record itself: close_notify reads as end of file, any
 * other record (a fatal alert, a renegotiation or ticket ktun never
 * offered) resets the connection (ECONNRESET).
 *
 * The owner's side: the ops published to a process's socket are kTLS's
 * with recvmsg and splice_read wrapped (ktun_record_ops()), and with
 * close and shutdown(SHUT_WR or SHUT_RDWR) sending close_notify first, as
 * TLS wants; getsockopt(SOL_TLS, TLS_TX/TLS_RX), which would hand out the traffic
 * keys, is refused.
 * They hold a module reference, as the gate's do, so ktun stays loaded
 * while such a socket is open.  In-kernel readers (readers.c)
 * hand the record to ktun_record_queue(), which takes it from a work item.
 */
#include <linux/module.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/tls.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "conn.h"
#include "record.h"

#define KTUN_TLS_ALERT		21
#define KTUN_ALERT_CLOSE_NOTIFY	0

/*
 * One wrapped copy per kTLS ops table seen (per family and TX/RX
 * offload mode), built at the first install that needs it and kept until
 * module exit.  Sockets holding them hold module references.
 */
#define KTUN_RECORD_TABLES	8

struct ktun_record_ops {
	struct proto_ops ops;
	const struct proto_ops *tls;
};

static struct ktun_record_ops ktun_record_tables[KTUN_RECORD_TABLES];
static unsigned int ktun_record_n;
static DEFINE_MUTEX(ktun_record_lock);	/* ktun_record_tables, ktun_record_n */

static const struct proto_ops *ktun_record_tls(const struct socket *sock)
{
	return container_of(READ_ONCE(sock->ops), struct ktun_record_ops, ops)->tls;
}

/*
 * Takes the control record at the head of @sk's kTLS receive queue.
 * Returns 0 for a close_notify (end of file); otherwise resets the
 * connection and returns -ECONNRESET; or what the read returned if no
 * control record was there (someone took it first).  Process context.
 */
int ktun_record_take(struct sock *sk)
{
	u8 buf[2], cbuf[CMSG_SPACE(sizeof(u8))] = {};
	struct kvec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
		.msg_control_is_user = false,
	};
	struct cmsghdr *cmsg = (struct cmsghdr *)cbuf;
	int n, addr_len;

	iov_iter_kvec(&msg.msg_iter, ITER_DEST, &iov, 1, sizeof(buf));
	n = READ_ONCE(sk->sk_prot)->recvmsg(sk, &msg, sizeof(buf), MSG_DONTWAIT,
					    &addr_len);
	if (n < 0 || msg.msg_controllen == sizeof(cbuf) ||
	    cmsg->cmsg_level != SOL_TLS || cmsg->cmsg_type != TLS_GET_RECORD_TYPE)
		return n;
	if (*(u8 *)CMSG_DATA(cmsg) == KTUN_TLS_ALERT && n == 2 &&
	    buf[1] == KTUN_ALERT_CLOSE_NOTIFY)
		return 0;
	tcp_abort(sk, ECONNRESET);
	return -ECONNRESET;
}

/*
 * Sends close_notify, the TLS end of the owner's data, before its FIN -
 * where the socket can still send and kTLS sends (TX set up).  Process
 * context, socket not locked.
 */
void ktun_record_close_notify(struct sock *sk)
{
	u8 alert[2] = { 1 /* warning */, KTUN_ALERT_CLOSE_NOTIFY };
	u8 cbuf[CMSG_SPACE(sizeof(u8))] = {};
	struct kvec iov = { .iov_base = alert, .iov_len = sizeof(alert) };
	struct msghdr msg = {
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
		.msg_control_is_user = false,
		.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL,
	};
	struct cmsghdr *cmsg = (struct cmsghdr *)cbuf;

	if (!((1 << READ_ONCE(sk->sk_state)) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) ||
	    (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN))
		return;
	cmsg->cmsg_level = SOL_TLS;
	cmsg->cmsg_type = TLS_SET_RECORD_TYPE;
	cmsg->cmsg_len = CMSG_LEN(sizeof(u8));
	*(u8 *)CMSG_DATA(cmsg) = KTUN_TLS_ALERT;
	iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, &iov, 1, sizeof(alert));
	READ_ONCE(sk->sk_prot)->sendmsg(sk, &msg, sizeof(alert));
}

static int ktun_record_recvmsg(struct socket *sock, struct msghdr *msg,
			       size_t len, int flags)
{
	int ret = ktun_record_tls(sock)->recvmsg(sock, msg, len, flags);

	return ktun_record_control(msg, ret) ? ktun_record_take(sock->sk) : ret;
}

/* kTLS's splice refuses a control record with EINVAL. */
static ssize_t ktun_record_splice_read(struct socket *sock, loff_t *ppos,
				       struct pipe_inode_info *pipe, size_t len,
				       unsigned int flags)
{
	ssize_t ret = ktun_record_tls(sock)->splice_read(sock, ppos, pipe, len,
							 flags);

	return ret == -EINVAL ? ktun_record_take(sock->sk) : ret;
}

/* The traffic keys stay ktun's: kTLS would hand them to the owner. */
static int ktun_record_getsockopt(struct socket *sock, int level, int optname,
				  char __user *optval, int __user *optlen)
{
	if (level == SOL_TLS && (optname == TLS_TX || optname == TLS_RX))
		return -EOPNOTSUPP;
	return ktun_record_tls(sock)->getsockopt(sock, level, optname, optval,
						 optlen);
}

/*
 * Whatever ends the owner's sending ends its TLS stream with close_notify:
 * a bare FIN reads as a truncation to a standard TLS peer (OpenSSL and
 * GnuTLS fail the read).  After close_notify TLS 1.3 peers may still
 * send, as TLS 1.2 stacks in practice let their owner do too.
 */
static int ktun_record_shutdown(struct socket *sock, int how)
{
	if (how == SHUT_WR || how == SHUT_RDWR)
		ktun_record_close_notify(sock->sk);
	return ktun_record_tls(sock)->shutdown(sock, how);
}

static int ktun_record_release(struct socket *sock)
{
	const struct proto_ops *tls = ktun_record_tls(sock);

	if (sock->sk)
		ktun_record_close_notify(sock->sk);
	return tls->release(sock);
}

/*
 * The ops to publish to an owner over kTLS's @tls: a wrapped copy, or
 * @tls itself if no table is left.  Process context.
 */
const struct proto_ops *ktun_record_ops(const struct proto_ops *tls)
{
	struct ktun_record_ops *t = NULL;
	unsigned int i;

	mutex_lock(&ktun_record_lock);
	for (i = 0; i < ktun_record_n; i++)
		if (ktun_record_tables[i].tls == tls)
			t = &ktun_record_tables[i];
	if (!t && ktun_record_n < KTUN_RECORD_TABLES) {
		t = &ktun_record_tables[ktun_record_n];
		t->ops = *tls;
		t->tls = tls;
		t->ops.owner = THIS_MODULE;
		t->ops.recvmsg = ktun_record_recvmsg;
		t->ops.getsockopt = ktun_record_getsockopt;
		t->ops.shutdown = ktun_record_shutdown;
		t->ops.release = ktun_record_release;
		if (tls->splice_read)
			t->ops.splice_read = ktun_record_splice_read;
		ktun_record_n++;
	}
	mutex_unlock(&ktun_record_lock);
	if (!t)
		pr_warn_once("ktun: out of kTLS ops tables: control records reach owners as EIO\n");
	return t ? &t->ops : tls;
}

/*
 * An in-kernel reader of @conn met a control record (kTLS's read_sock
 * returned EINVAL): take it from process context.  Any context.
 */
void ktun_record_queue(struct ktun_conn *conn)
{
	ktun_conn_queue(conn, &conn->record_work);
}

static void ktun_record_work(struct work_struct *work)
{
	struct ktun_conn *conn = container_of(work, struct ktun_conn,
					      record_work);

	ktun_record_take(conn->sk);
	ktun_conn_put(conn);
}

/* Sets up @conn's work item; ktun_match() calls it with the connection new. */
void ktun_record_setup(struct ktun_conn *conn)
{
	INIT_WORK(&conn->record_work, ktun_record_work);
}
