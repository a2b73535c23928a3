// SPDX-License-Identifier: GPL-2.0
/*
 * The gate: per-socket proto_ops that keep a connection's owner out
 * while ktun secures it.
 *
 * A matched socket's sock->ops is swapped for a copy of its own ops in
 * which everything that moves or reveals data waits for the verdict:
 * blocking calls sleep (honouring SO_RCVTIMEO/SO_SNDTIMEO and signals),
 * non-blocking ones get -EAGAIN, poll reports nothing.  After the verdict
 * the gate publishes the final ops - kTLS's on success, the original ones
 * on failure.  Calls still inside the gate forward to kTLS, or return the
 * failure's errno (ECONNREFUSED, ETIMEDOUT, ...), each of them.
 *
 * The gate lives in sock->ops, never in sk->sk_prot: tls builds its
 * system-wide tables from sk_prot (see install.c).  Listeners of an
 * inbound policy are gated too, so that the children they hand to
 * accept() come out gated (do_accept copies the listener's ops).
 *
 * Module references: a socket whose ops are the gate's holds one (taken
 * on attach, or by do_accept for children); publishing drops it.
 */
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/splice.h>
#include <net/inet_common.h>
#include <net/rps.h>
#include <net/inet_connection_sock.h>
#include <net/tcp.h>
#include <linux/tls.h>

#include "conn.h"
#include "gate.h"
#include "park.h"
#include "policy.h"
#include "readers.h"
#include "record.h"
#include "relay.h"
#include "verdict.h"

/*
 * One gate per family, [0] IPv4 and [1] IPv6, built at module load from
 * the family's plain TCP ops (@orig; NULL if the family is unavailable),
 * and the ops of refused sockets (ktun_gate_refuse()), whose every call
 * fails.
 */
static struct ktun_gate {
	struct proto_ops ops, refused;
	const struct proto_ops *orig;
} ktun_gates[2] __ro_after_init;

static int ktun_gate_idx(const struct sock *sk)
{
	return sk->sk_family == AF_INET6;
}

static bool ktun_is_gate(const struct proto_ops *ops)
{
	return ops == &ktun_gates[0].ops || ops == &ktun_gates[1].ops;
}

/*
 * Do @ops stand for a module reference (ktun_gate_release(), publish)?
 * ktun's all do: the gate's, the refused ones, and those record.c
 * publishes over kTLS's.
 */
static bool ktun_gate_holds_ref(const struct proto_ops *ops)
{
	return ops->owner == THIS_MODULE;
}

/* The plain ops of @sk's family (NULL if the family is unavailable). */
const struct proto_ops *ktun_gate_orig(const struct sock *sk)
{
	return ktun_gates[ktun_gate_idx(sk)].orig;
}

/*
 * Waits for the verdict.  0 once the connection is secure; the failure's
 * errno if it failed, so every caller that was held learns why (the
 * socket's own sk_err reaches only the first); or -EAGAIN/-EINTR/...
 */
static int ktun_gate_wait(struct ktun_conn *conn, bool nonblock, long timeo)
{
	long ret;

	if (READ_ONCE(conn->state) == KTUN_CONN_STATE_HANDSHAKE) {
		if (nonblock || !timeo)
			return -EAGAIN;
		ret = wait_event_interruptible_timeout(conn->wq,
						       READ_ONCE(conn->state) !=
						       KTUN_CONN_STATE_HANDSHAKE,
						       timeo);
		if (ret <= 0)
			return ret ? sock_intr_errno(timeo) : -EAGAIN;
	}
	if (READ_ONCE(conn->state) == KTUN_CONN_STATE_FAILED)
		return -READ_ONCE(conn->err);
	return 0;
}

/* The ops a settled connection's calls go to. */
static const struct proto_ops *ktun_gate_next(struct ktun_conn *conn)
{
	return READ_ONCE(conn->state) == KTUN_CONN_STATE_SECURE ?
		conn->final_ops : conn->orig_ops;
}

static struct ktun_conn *ktun_gate_conn(struct socket *sock)
{
	return sock->sk ? ktun_conn_lookup(sock->sk) : NULL;
}

static int ktun_gate_sendmsg(struct socket *sock, struct msghdr *msg, size_t len)
{
	struct ktun_conn *conn = ktun_gate_conn(sock);
	int ret;

	if (!conn)
		return ktun_gate_orig(sock->sk)->sendmsg(sock, msg, len);
	ret = ktun_gate_wait(conn, msg->msg_flags & MSG_DONTWAIT,
			     READ_ONCE(sock->sk->sk_sndtimeo));
	if (!ret)
		ret = ktun_gate_next(conn)->sendmsg(sock, msg, len);
	ktun_conn_put(conn);
	return ret;
}

static int ktun_gate_recvmsg(struct socket *sock, struct msghdr *msg,
			     size_t len, int flags)
{
	struct ktun_conn *conn = ktun_gate_conn(sock);
	int ret;

	if (!conn)
		return ktun_gate_orig(sock->sk)->recvmsg(sock, msg, len, flags);
	ret = ktun_gate_wait(conn, flags & MSG_DONTWAIT,
			     READ_ONCE(sock->sk->sk_rcvtimeo));
	if (!ret)
		ret = ktun_gate_next(conn)->recvmsg(sock, msg, len, flags);
	if (READ_ONCE(conn->state) == KTUN_CONN_STATE_SECURE &&
	    ktun_record_control(msg, ret))
		ret = ktun_record_take(sock->sk);
	ktun_conn_put(conn);
	return ret;
}

static ssize_t ktun_gate_splice_read(struct socket *sock, loff_t *ppos,
				     struct pipe_inode_info *pipe, size_t len,
				     unsigned int flags)
{
	struct ktun_conn *conn = ktun_gate_conn(sock);
	ssize_t ret;

	if (!conn)
		return ktun_gate_orig(sock->sk)->splice_read(sock, ppos, pipe, len, flags);
	ret = ktun_gate_wait(conn, (flags & SPLICE_F_NONBLOCK) ||
			     (sock->file && (sock->file->f_flags & O_NONBLOCK)),
			     READ_ONCE(sock->sk->sk_rcvtimeo));
	if (!ret)
		ret = ktun_gate_next(conn)->splice_read(sock, ppos, pipe, len, flags);
	if (READ_ONCE(conn->state) == KTUN_CONN_STATE_SECURE && ret == -EINVAL)
		ret = ktun_record_take(sock->sk);
	ktun_conn_put(conn);
	return ret;
}

static void ktun_gate_splice_eof(struct socket *sock)
{
	struct ktun_conn *conn = ktun_gate_conn(sock);
	const struct proto_ops *ops;

	if (!conn) {
		ops = ktun_gate_orig(sock->sk);
	} else {
		ops = READ_ONCE(conn->state) == KTUN_CONN_STATE_HANDSHAKE ?
			NULL : ktun_gate_next(conn);
		ktun_conn_put(conn);
	}
	if (ops && ops->splice_eof)
		ops->splice_eof(sock);
}

/* In-kernel readers (strparser, ...): nothing to read until secure. */
static int ktun_gate_read_sock(struct sock *sk, read_descriptor_t *desc,
			       sk_read_actor_t actor)
{
	struct ktun_conn *conn = ktun_conn_lookup(sk);
	int ret = 0;

	if (!conn)
		return ktun_gate_orig(sk)->read_sock(sk, desc, actor);
	if (READ_ONCE(conn->state) == KTUN_CONN_STATE_SECURE) {
		ret = conn->final_ops->read_sock(sk, desc, actor);
		if (ret == -EINVAL)	/* a control record: not for the reader */
			ktun_record_queue(conn);
	} else if (READ_ONCE(conn->state) == KTUN_CONN_STATE_FAILED) {
		ret = -conn->err;
	}
	ktun_conn_put(conn);
	return ret;
}

static int ktun_gate_read_skb(struct sock *sk, skb_read_actor_t actor)
{
	struct ktun_conn *conn = ktun_conn_lookup(sk);

	if (!conn)
		return ktun_gate_orig(sk)->read_skb(sk, actor);
	ktun_conn_put(conn);
	return -EOPNOTSUPP;
}

static int ktun_gate_sendmsg_locked(struct sock *sk, struct msghdr *msg,
				    size_t len)
{
	struct ktun_conn *conn = ktun_conn_lookup(sk);

	if (!conn)
		return ktun_gate_orig(sk)->sendmsg_locked(sk, msg, len);
	ktun_conn_put(conn);
	return -EAGAIN;
}

static __poll_t ktun_gate_poll(struct file *file, struct socket *sock,
			       poll_table *wait)
{
	struct ktun_conn *conn = ktun_gate_conn(sock);
	__poll_t mask = 0;

	if (!conn) {
		mask = ktun_gate_orig(sock->sk)->poll(file, sock, wait);
		/* A listener's secured children are not in its queue yet. */
		if (READ_ONCE(sock->sk->sk_state) == TCP_LISTEN &&
		    ktun_park_has_ready(sock->sk))
			mask |= EPOLLIN | EPOLLRDNORM;
		return mask;
	}
	if (READ_ONCE(conn->state) == KTUN_CONN_STATE_HANDSHAKE)
		sock_poll_wait(file, sock, wait);
	/* Re-check after queueing, so a verdict in between is not lost. */
	if (READ_ONCE(conn->state) != KTUN_CONN_STATE_HANDSHAKE)
		mask = ktun_gate_next(conn)->poll(file, sock, wait);
	ktun_conn_put(conn);
	return mask;
}

/*
 * SHUT_WR waits for the verdict: the FIN goes after the owner's data.
 * Giving up the read side mid-handshake ends it instead, as release()
 * does: RDS shuts down connections it will not use (how == 3, which TCP
 * refuses anyway) from its single work queue, and must not sit there
 * until another host's handshake ends.
 */
static int ktun_gate_shutdown(struct socket *sock, int how)
{
	struct ktun_conn *conn = ktun_gate_conn(sock);
	int ret;

	if (!conn)
		return ktun_gate_orig(sock->sk)->shutdown(sock, how);
	if (how != SHUT_WR)
		ktun_verdict_fail(conn, ECONNRESET, "the owner shut the connection down");
	ret = ktun_gate_wait(conn, false, READ_ONCE(sock->sk->sk_sndtimeo));
	if (!ret)
		ret = ktun_gate_next(conn)->shutdown(sock, how);
	ktun_conn_put(conn);
	return ret;
}

/* While securing, the owner may not stack its own ULP or repair mode. */
static bool ktun_gate_opt_blocked(int level, int optname)
{
	return level == SOL_TLS ||
	       (level == SOL_TCP && (optname == TCP_ULP || optname == TCP_REPAIR ||
				     optname == TCP_REPAIR_QUEUE ||
				     optname == TCP_ZEROCOPY_RECEIVE));
}

static int ktun_gate_setsockopt(struct socket *sock, int level, int optname,
				sockptr_t optval, unsigned int optlen)
{
	struct ktun_conn *conn = ktun_gate_conn(sock);
	const struct proto_ops *ops = ktun_gate_orig(sock->sk);
	int ret = 0;

	/* A gated listener keeps TCP Fast Open off (ktun_gate_listen()). */
	if (!conn && level == SOL_TCP && optname == TCP_FASTOPEN)
		return -EOPNOTSUPP;
	if (conn) {
		if (READ_ONCE(conn->state) == KTUN_CONN_STATE_HANDSHAKE &&
		    ktun_gate_opt_blocked(level, optname))
			ret = -EBUSY;
		else if (READ_ONCE(conn->state) != KTUN_CONN_STATE_HANDSHAKE)
			ops = ktun_gate_next(conn);
		ktun_conn_put(conn);
	}
	return ret ?: ops->setsockopt(sock, level, optname, optval, optlen);
}

static int ktun_gate_getsockopt(struct socket *sock, int level, int optname,
				char __user *optval, int __user *optlen)
{
	struct ktun_conn *conn = ktun_gate_conn(sock);
	const struct proto_ops *ops = ktun_gate_orig(sock->sk);
	int ret = 0;

	/* The traffic keys stay ktun's (see record.c). */
	if (conn && level == SOL_TLS && (optname == TLS_TX || optname == TLS_RX)) {
		ktun_conn_put(conn);
		return -EOPNOTSUPP;
	}
	if (conn) {
		if (READ_ONCE(conn->state) == KTUN_CONN_STATE_HANDSHAKE &&
		    ktun_gate_opt_blocked(level, optname))
			ret = -EBUSY;
		else if (READ_ONCE(conn->state) != KTUN_CONN_STATE_HANDSHAKE)
			ops = ktun_gate_next(conn);
		ktun_conn_put(conn);
	}
	return ret ?: ops->getsockopt(sock, level, optname, optval, optlen);
}

/*
 * The owner closing mid-handshake resets the connection.  __sock_release()
 * read our ops before calling here and will drop the module reference
 * they stand for; if the verdict published other ops meanwhile (dropping
 * that reference already), take it again.  A connection is only
 * publishing while it can still be found (ktun_verdict_closed()), so once
 * its lock is taken here, or it is gone, no publication can follow.
 */
static int ktun_gate_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct ktun_conn *conn = sk ? ktun_conn_lookup(sk) : NULL;
	const struct proto_ops *ops = sk ? ktun_gate_orig(sk) : ktun_gates[0].orig;

	if (conn) {
		if (READ_ONCE(conn->state) == KTUN_CONN_STATE_SECURE)
			ktun_record_close_notify(sk);
		mutex_lock(&conn->lock);
		if (!ktun_gate_holds_ref(READ_ONCE(sock->ops)))
			__module_get(THIS_MODULE);
		if (conn->sock == sock) {
			conn->sock = NULL;
			conn->grafted = false;
		}
		mutex_unlock(&conn->lock);
		ktun_verdict_fail(conn, ECONNRESET, "the owner closed the socket");
		ktun_conn_put(conn);
	} else {
		if (!ktun_gate_holds_ref(READ_ONCE(sock->ops)))
			__module_get(THIS_MODULE);
		if (sk && sk->sk_state == TCP_LISTEN)
			ktun_gate_unlisten(sk);
	}
	return ops->release(sock);
}

/*
 * do_accept() gave @newsock our ops; it keeps them only if still gated.
 * kernel_accept() (RDS) sets them only after we return, so its sockets
 * keep the gate, which forwards to the final ops once secure.
 */
static void ktun_gate_graft(struct socket *sock, struct socket *newsock,
			    struct sock *sk2, struct ktun_conn *conn)
{
	lock_sock(sk2);
	sock_rps_record_flow(sk2);
	if (test_bit(SOCK_SUPPORT_ZC, &sock->flags))
		set_bit(SOCK_SUPPORT_ZC, &newsock->flags);
	sock_graft(sk2, newsock);
	newsock->state = SS_CONNECTED;
	release_sock(sk2);
	/*
	 * do_accept() set our ops and took a reference for them before
	 * calling us.  kernel_accept() and RDS set both after we return:
	 * those sockets keep the gate for good (it passes calls through, to
	 * kTLS once secure), as publishing to them could race their caller.
	 */
	if (!ktun_is_gate(READ_ONCE(newsock->ops)))
		newsock = NULL;
	if (!conn) {
		if (newsock) {
			WRITE_ONCE(newsock->ops, ktun_gate_orig(sk2));
			module_put(THIS_MODULE);
		}
		return;
	}
	conn->sock = newsock;
	conn->grafted = !!newsock;
	conn->orig_ops = ktun_gate_orig(sk2);
	if (conn->state != KTUN_CONN_STATE_HANDSHAKE)
		ktun_gate_publish(conn);
}

/*
 * A child this accept() took from the queue: hand it out (0), or close
 * it and look for the next (-EAGAIN).  The softirq that established it
 * (and ran the hook that may have taken it) holds its lock until done:
 * wait for it.
 */
static int ktun_gate_take(struct socket *sock, struct socket *newsock,
			  struct sock *sk2)
{
	struct ktun_conn *conn;
	bool claimed = false;

	lock_sock(sk2);
	release_sock(sk2);
	/* A Fast Open child from before the listener was gated, still in
	 * SYN_RECV with the peer's SYN data: never ktun's, never plain.
	 */
	if (rcu_access_pointer(tcp_sk(sk2)->fastopen_rsk) &&
	    ktun_policy_selects_child(sk2)) {
		pr_warn_ratelimited("ktun: closing a TCP Fast Open child a policy selects\n");
		tcp_abort(sk2, ECONNABORTED);
		READ_ONCE(sk2->sk_prot)->close(sk2, 0);
		return -EAGAIN;
	}
	conn = ktun_conn_lookup(sk2);
	if (conn) {
		mutex_lock(&conn->lock);
		/* Dequeued before the hook could hold it: ours now. */
		claimed = test_and_clear_bit(KTUN_CONN_F_ORPHAN, &conn->flags);
		/* Secured, back from park.c - unless the peer reset it since. */
		if (test_and_clear_bit(KTUN_CONN_F_UNPARKED, &conn->flags) &&
		    READ_ONCE(sk2->sk_state) == TCP_CLOSE) {
			mutex_unlock(&conn->lock);
			READ_ONCE(sk2->sk_prot)->close(sk2, 0);
			ktun_conn_unlink(conn);
			ktun_conn_put(conn);
			return -EAGAIN;
		}
	}
	ktun_gate_graft(sock, newsock, sk2, conn);
	if (conn) {
		mutex_unlock(&conn->lock);
		if (claimed)
			ktun_relay_start(conn);
		ktun_conn_put(conn);
	}
	return 0;
}

/*
 * Sleeps until @lsk may have a child to hand out - in its accept queue,
 * or secured and held by ktun - or stops listening, @timeo runs out or a
 * signal comes: inet_csk_accept()'s wait, which knows nothing of the
 * children ktun holds.
 */
static int ktun_gate_accept_wait(struct sock *lsk, long *timeo)
{
	DEFINE_WAIT(wait);
	int err;

	for (;;) {
		prepare_to_wait_exclusive(sk_sleep(lsk), &wait, TASK_INTERRUPTIBLE);
		err = 0;
		if (!reqsk_queue_empty(&inet_csk(lsk)->icsk_accept_queue) ||
		    ktun_park_has_ready(lsk) ||
		    READ_ONCE(lsk->sk_state) != TCP_LISTEN)
			break;
		err = -EAGAIN;
		if (!*timeo)
			break;
		err = sock_intr_errno(*timeo);
		if (signal_pending(current))
			break;
		*timeo = schedule_timeout(*timeo);
	}
	finish_wait(sk_sleep(lsk), &wait);
	return err;
}

/*
 * accept() on a gated listener: inet_accept(), for the children TCP
 * queues and for those ktun held until secure, which it puts back at the
 * head of the queue one at a time (park.c).  A child ktun holds (accepted
 * mid-handshake: see ktun_gate_take()) is grafted under its connection
 * lock, so it never races key installation, which briefly points
 * sk->sk_socket at a stand-in.
 */
static int ktun_gate_accept(struct socket *sock, struct socket *newsock,
			    struct proto_accept_arg *arg)
{
	struct sock *lsk = sock->sk;
	long timeo = sock_rcvtimeo(lsk, arg->flags & O_NONBLOCK);
	struct proto_accept_arg nb;
	struct sock *sk2;
	int err;

	for (;;) {
		ktun_park_unpark(lsk);
		nb = *arg;
		nb.flags |= O_NONBLOCK;
		nb.err = -EINVAL;
		ktun_park_accepting(lsk, true);
		sk2 = READ_ONCE(lsk->sk_prot)->accept(lsk, &nb);
		err = sk2 ? ktun_gate_take(sock, newsock, sk2) : nb.err;
		ktun_park_accepting(lsk, false);
		arg->is_empty = nb.is_empty;
		if (sk2 && !err)
			return 0;
		if (sk2)		/* closed that one: the next */
			continue;
		if (err != -EAGAIN)
			return err;
		err = ktun_gate_accept_wait(lsk, &timeo);
		if (err)
			return err;
	}
}

/*
 * Refused sockets: a connecting socket a policy selected but ktun could
 * not allocate a connection for.  Its owner gets ECONNREFUSED from every
 * call that moves or shows data, however often it retries.
 */
static int ktun_refused_sendmsg(struct socket *sock, struct msghdr *msg, size_t len)
{
	return -ECONNREFUSED;
}

static int ktun_refused_recvmsg(struct socket *sock, struct msghdr *msg,
				size_t len, int flags)
{
	return -ECONNREFUSED;
}

static ssize_t ktun_refused_splice_read(struct socket *sock, loff_t *ppos,
					struct pipe_inode_info *pipe, size_t len,
					unsigned int flags)
{
	return -ECONNREFUSED;
}

static int ktun_refused_read_sock(struct sock *sk, read_descriptor_t *desc,
				  sk_read_actor_t actor)
{
	return -ECONNREFUSED;
}

static int ktun_refused_read_skb(struct sock *sk, skb_read_actor_t actor)
{
	return -ECONNREFUSED;
}

static int ktun_refused_sendmsg_locked(struct sock *sk, struct msghdr *msg,
				       size_t len)
{
	return -ECONNREFUSED;
}

static __poll_t ktun_refused_poll(struct file *file, struct socket *sock,
				  poll_table *wait)
{
	return EPOLLERR | EPOLLHUP;
}

static int ktun_refused_getsockopt(struct socket *sock, int level, int optname,
				   char __user *optval, int __user *optlen)
{
	if (ktun_gate_opt_blocked(level, optname))
		return -ECONNREFUSED;
	return ktun_gate_orig(sock->sk)->getsockopt(sock, level, optname, optval, optlen);
}

static int ktun_refused_setsockopt(struct socket *sock, int level, int optname,
				   sockptr_t optval, unsigned int optlen)
{
	if (ktun_gate_opt_blocked(level, optname))
		return -ECONNREFUSED;
	return ktun_gate_orig(sock->sk)->setsockopt(sock, level, optname, optval, optlen);
}

static void __init ktun_refused_build(struct ktun_gate *gate,
				      const struct proto_ops *orig)
{
	typeof(gate->refused) *ops = &gate->refused;

	*ops = *orig;
	ops->owner = THIS_MODULE;
	ops->sendmsg = ktun_refused_sendmsg;
	ops->recvmsg = ktun_refused_recvmsg;
	ops->splice_read = ktun_refused_splice_read;
	ops->read_sock = ktun_refused_read_sock;
	ops->poll = ktun_refused_poll;
	ops->getsockopt = ktun_refused_getsockopt;
	ops->setsockopt = ktun_refused_setsockopt;
	if (orig->read_skb)
		ops->read_skb = ktun_refused_read_skb;
	if (orig->sendmsg_locked)
		ops->sendmsg_locked = ktun_refused_sendmsg_locked;
}

/*
 * Refuses @sock for good, without allocating: its ops become the refused
 * ones (holding a module reference, as the gate's do).  Called with the
 * socket locked, from connect().
 */
void ktun_gate_refuse(struct socket *sock)
{
	const struct proto_ops *orig = READ_ONCE(sock->ops);
	int i = ktun_gate_idx(sock->sk);

	if (!ktun_gates[i].orig || orig != ktun_gates[i].orig)
		return;
	__module_get(THIS_MODULE);
	WRITE_ONCE(sock->ops, &ktun_gates[i].refused);
}

/*
 * The gate for @sock, or NULL if its ops are not its family's plain TCP
 * ops (someone else's ULP or ops): ktun does not know how to gate those.
 */
static const struct proto_ops *ktun_gate_for(struct socket *sock)
{
	struct ktun_gate *gate = &ktun_gates[ktun_gate_idx(sock->sk)];

	return gate->orig && READ_ONCE(sock->ops) == gate->orig ? &gate->ops : NULL;
}

/* Could @sock be gated: are its ops its family's plain TCP ops? */
bool ktun_gate_wants(struct socket *sock)
{
	return ktun_gate_for(sock);
}

static void __init ktun_gate_build(struct ktun_gate *gate,
				   const struct proto_ops *orig)
{
	gate->orig = orig;
	gate->ops = *orig;
	gate->ops.owner = THIS_MODULE;
	gate->ops.release = ktun_gate_release;
	gate->ops.accept = ktun_gate_accept;
	gate->ops.poll = ktun_gate_poll;
	gate->ops.shutdown = ktun_gate_shutdown;
	gate->ops.setsockopt = ktun_gate_setsockopt;
	gate->ops.getsockopt = ktun_gate_getsockopt;
	gate->ops.sendmsg = ktun_gate_sendmsg;
	gate->ops.recvmsg = ktun_gate_recvmsg;
	gate->ops.splice_read = ktun_gate_splice_read;
	gate->ops.splice_eof = ktun_gate_splice_eof;
	gate->ops.read_sock = ktun_gate_read_sock;
	if (orig->read_skb)
		gate->ops.read_skb = ktun_gate_read_skb;
	if (orig->sendmsg_locked)
		gate->ops.sendmsg_locked = ktun_gate_sendmsg_locked;
}

/*
 * inet6_stream_ops is not exported: borrow it from a throwaway kernel
 * socket.  Without IPv6, IPv6 connections are simply never gated.
 */
int __init ktun_gate_init(void)
{
	struct socket *sock;

	ktun_gate_build(&ktun_gates[0], &inet_stream_ops);
	ktun_refused_build(&ktun_gates[0], &inet_stream_ops);
	if (sock_create_kern(&init_net, AF_INET6, SOCK_STREAM, IPPROTO_TCP, &sock))
		return 0;
	ktun_gate_build(&ktun_gates[1], sock->ops);
	ktun_refused_build(&ktun_gates[1], sock->ops);
	sock_release(sock);
	return 0;
}

/* Gates a connecting socket.  Called with the socket locked. */
int ktun_gate_attach(struct ktun_conn *conn, struct socket *sock)
{
	const struct proto_ops *gate = ktun_gate_for(sock);

	/*
	 * Gated already: a former listener (its listen() failed, or it was
	 * shut down) connecting now.  Its ops hold their module reference.
	 */
	if (ktun_is_gate(READ_ONCE(sock->ops))) {
		conn->orig_ops = ktun_gate_orig(sock->sk);
		conn->sock = sock;
		conn->grafted = true;
		return 0;
	}
	if (!gate)
		return -EOPNOTSUPP;
	__module_get(THIS_MODULE);
	conn->orig_ops = sock->ops;
	conn->sock = sock;
	conn->grafted = true;
	WRITE_ONCE(sock->ops, gate);
	return 0;
}

/* Hands the owner the final ops.  Caller holds conn->lock. */
void ktun_gate_publish(struct ktun_conn *conn)
{
	struct socket *sock = conn->sock;

	const struct proto_ops *next;

	lockdep_assert_held(&conn->lock);
	if (!conn->grafted || !sock || !ktun_is_gate(READ_ONCE(sock->ops)))
		return;
	next = READ_ONCE(conn->state) == KTUN_CONN_STATE_SECURE ?
		conn->owner_ops : conn->orig_ops;
	WRITE_ONCE(sock->ops, next);
	if (!ktun_gate_holds_ref(next))	/* else the reference is theirs now */
		module_put(THIS_MODULE);
}

/*
 * An in-kernel client (RDS-TCP) must not hear ESTABLISHED before the
 * connection is secure: it would start sending, and take the reset of a
 * failed handshake for a working connection that broke (RDS then
 * reconnects at once, in a loop).  The report is held back and replayed
 * by ktun_gate_wake() once secure; other states pass through.
 */
static void ktun_gate_state_change(struct sock *sk)
{
	struct ktun_conn *conn = ktun_conn_lookup(sk);

	if (!conn)
		return;
	if (sk->sk_state == TCP_ESTABLISHED &&
	    READ_ONCE(conn->state) == KTUN_CONN_STATE_HANDSHAKE)
		WRITE_ONCE(conn->held_established, true);
	else
		conn->saved_state_change(sk);
	ktun_conn_put(conn);
}

/*
 * Takes over an in-kernel client's sk_state_change.  Any context; the
 * socket is locked.
 */
void ktun_gate_hold_established(struct ktun_conn *conn)
{
	struct sock *sk = conn->sk;

	if (conn->owner != KTUN_OWNER_KERNEL || conn->role != KTUN_ROLE_CLIENT)
		return;
	set_bit(KTUN_CONN_F_HOLDS_EST, &conn->flags);
	write_lock_bh(&sk->sk_callback_lock);
	conn->saved_state_change = sk->sk_state_change;
	sk->sk_state_change = ktun_gate_state_change;
	write_unlock_bh(&sk->sk_callback_lock);
}

/* Gives the callback back; before the verdict is published. */
void ktun_gate_release_established(struct ktun_conn *conn)
{
	struct sock *sk = conn->sk;

	write_lock_bh(&sk->sk_callback_lock);
	if (sk->sk_state_change == ktun_gate_state_change)
		sk->sk_state_change = conn->saved_state_change;
	write_unlock_bh(&sk->sk_callback_lock);
}

/* Wakes the socket's own sleepers (poll, epoll) without its callbacks. */
static void ktun_gate_wake_sleepers(struct sock *sk)
{
	struct socket_wq *wq;

	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_all(&wq->wait);
	rcu_read_unlock();
}

/*
 * Wakes everyone waiting in the gate, and poll()ers.  An in-kernel client
 * now hears the ESTABLISHED that ktun_gate_hold_established() held back; an in-kernel server
 * (RDS accepts before the handshake ends) must not hear it twice - RDS
 * would reconnect.  A process's socket gets no sk_state_change either:
 * KCM, attached mid-handshake, takes any state change for a broken
 * connection.  Everyone gets write space, to retry the sends the gate
 * refused with -EAGAIN (KCM's, RDS's), and a replay of a record kTLS
 * announced while it was being installed.
 *
 * The callbacks run with the socket locked, as TCP runs them: the owner,
 * woken first, may close at once, and kTLS's close frees the context its
 * write_space callback reads (and schedules work on) under that lock only.
 * Process context, conn->lock not held.
 */
void ktun_gate_wake(struct ktun_conn *conn)
{
	struct sock *sk = conn->sk;
	bool secure = READ_ONCE(conn->state) == KTUN_CONN_STATE_SECURE;

	wake_up_all(&conn->wq);
	if (conn->owner != KTUN_OWNER_KERNEL)
		ktun_gate_wake_sleepers(sk);
	lock_sock(sk);
	if (conn->owner == KTUN_OWNER_KERNEL && secure &&
	    READ_ONCE(conn->held_established))
		sk->sk_state_change(sk);	/* the owner's again */
	sk->sk_write_space(sk);
	release_sock(sk);
	if (secure)
		ktun_readers_kick(conn);
	/* The owner's view is settled: a crossing child may go (park.c). */
	if (test_and_clear_bit(KTUN_CONN_F_HOLDS_EST, &conn->flags))
		ktun_park_crossed(conn);
}

/*
 * Gates a listener whose children an inbound policy may select.  Called
 * from listen() with the socket locked, or for a listener that already
 * listens.  TCP Fast Open is switched off on it: a Fast Open child is
 * queued for accept() in SYN_RECV, with the peer's SYN data, before ktun
 * can take it.
 */
int ktun_gate_listen(struct sock *sk)
{
	struct socket *sock = sk->sk_socket;
	const struct proto_ops *gate;
	int err;

	if (!sock)
		return 0;
	gate = ktun_is_gate(READ_ONCE(sock->ops)) ? NULL : ktun_gate_for(sock);
	if (!gate && !ktun_is_gate(READ_ONCE(sock->ops)))
		return -EOPNOTSUPP;
	/* Listed again after shutdown(SHUT_RD) and a new listen(). */
	err = ktun_park_listen(sk);
	if (err)
		return err;
	WRITE_ONCE(inet_csk(sk)->icsk_accept_queue.fastopenq.max_qlen, 0);
	if (gate) {
		/*
		 * Listed before gated: a child completing in between is held
		 * (park.c), never handed to a plain accept() - which matters
		 * for a listener gated while it already listens.
		 */
		__module_get(THIS_MODULE);
		WRITE_ONCE(sock->ops, gate);
	}
	return 0;
}

void ktun_gate_unlisten(struct sock *sk)
{
	ktun_park_unlisten(sk);
}
