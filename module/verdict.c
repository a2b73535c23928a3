// SPDX-License-Identifier: GPL-2.0
/*
 * The verdict.  Every failure is applied here: lower layers (park, relay,
 * the hooks) report one with ktun_conn_fail_async() or ktun_conn_refuse()
 * (conn.c), which queue this file's fail_work; the entry points below
 * are for the contexts that must apply one at once.  This file logs it,
 * tells the daemon, aborts the connection, purges what the owner must
 * never read (I2), publishes the ops and wakes the owner.  A secured
 * handshake ends here too: once install.c has installed kTLS (under the
 * connection's lock), this file cancels the deadline, lets the owner
 * send, settles the connection, publishes the owner's ops, and then,
 * unlocked, wakes the owner, logs and sends the event.  The two
 * sequences keep their own order (see each function).
 *
 *   context                               entry point
 *   -----------------------------------   ------------------------------
 *   any (softirq, socket or other locks   ktun_conn_fail_async(), or
 *   held): hooks, park.c, the relay's     ktun_conn_refuse() before the
 *   work, the sweeps                      handshake (a counted refusal)
 *   process, conn->lock not held, the     ktun_verdict_fail()
 *   result needed now: the gate's
 *   release/shutdown, hs-data/hs-done
 *   the daemon's hs-fail (its alert out   ktun_verdict_fail_daemon()
 *   and the failure in one lock hold)
 *   a namespace's handshakes at once:     ktun_verdict_fail_net()
 *   policy removed, daemon gone
 *   namespace or module exit              ktun_verdict_drain_net()
 *   the hook, linking a new connection    ktun_verdict_link()
 *   the socket reached TCP_CLOSE after    ktun_verdict_closed()
 *   the handshake (close hook)
 *   hs-done, keys installed               ktun_verdict_secure_locked(),
 *                                         then ktun_verdict_secure()
 *
 * Work items (ktun_verdict_setup()): fail_work (ktun_verdict_fail_work(),
 * behind every asynchronous failure) and deadline_work
 * (ktun_verdict_deadline()).
 */
#include <linux/module.h>
#include <net/tcp.h>

#include "conn.h"
#include "daemon.h"
#include "gate.h"
#include "ktun.h"
#include "nl.h"
#include "park.h"
#include "policy.h"
#include "relay.h"
#include "verdict.h"

static void ktun_verdict_deadline(struct work_struct *work)
{
	struct ktun_conn *conn = container_of(to_delayed_work(work),
					      struct ktun_conn, deadline_work);

	ktun_verdict_fail(conn, ETIMEDOUT, "handshake deadline exceeded");
	ktun_conn_put(conn);
}

/*
 * Resets a secure kernel-owned connection whose policy went away: its
 * owner (RDS, ...) reconnects, and the new connection meets the policies
 * as they are now.
 */
static void ktun_verdict_reset(struct ktun_conn *conn, int err, const char *why)
{
	char buf[300];

	snprintf(buf, sizeof(buf), "reset: %s", why ?: "by ktun");
	ktun_conn_log(conn, buf);
	tcp_abort(conn->sk, err);
}

static void ktun_verdict_fail_work(struct work_struct *work)
{
	struct ktun_conn *conn = container_of(work, struct ktun_conn, fail_work);
	const char *why = READ_ONCE(conn->why);
	int err = READ_ONCE(conn->err) ?: ECONNRESET;

	if (READ_ONCE(conn->state) == KTUN_CONN_STATE_SECURE) {
		if (READ_ONCE(conn->sk->sk_state) != TCP_CLOSE)
			ktun_verdict_reset(conn, err, why);
		mutex_lock(&conn->lock);
		ktun_park_dispose(conn);	/* secured, not accepted */
		mutex_unlock(&conn->lock);
		if (READ_ONCE(conn->sk->sk_state) == TCP_CLOSE)
			ktun_conn_unlink(conn);
		ktun_conn_put(conn);
		return;
	}
	ktun_verdict_fail(conn, err, why ?: "connection closed during the handshake");
	if (READ_ONCE(conn->sk->sk_state) == TCP_CLOSE)
		ktun_conn_unlink(conn);
	ktun_conn_put(conn);
}

/* Sets up @conn's work items; ktun_match() calls it with the connection new. */
void ktun_verdict_setup(struct ktun_conn *conn)
{
	INIT_WORK(&conn->fail_work, ktun_verdict_fail_work);
	INIT_DELAYED_WORK(&conn->deadline_work, ktun_verdict_deadline);
}

/*
 * Links @conn (ktun_conn_link()) and refuses it at once if it is over a
 * handshake limit or selected by a require policy only, or fails it if
 * its policy went away meanwhile.  Any context.
 */
void ktun_verdict_link(struct ktun_conn *conn)
{
	const char *why = NULL;
	int err;

	err = ktun_conn_link(conn, &why);
	if (err == -ENOENT)
		ktun_conn_fail_async(conn, ECONNRESET, why);
	else if (err)
		ktun_conn_refuse(conn, ECONNREFUSED, why);
}

/*
 * @conn's socket reached TCP_CLOSE after the handshake.  Any context.
 * While ktun_verdict_fail_locked() publishes a failure (its tcp_abort()
 * brings us here first), @conn stays in the tables: the owner's release()
 * must still find it, to wait for the publication and learn whether the
 * gate's module reference was dropped, and must not free the socket
 * under the publisher.  Whichever of the two comes last unlinks.
 */
void ktun_verdict_closed(struct ktun_conn *conn)
{
	set_bit(KTUN_CONN_F_CLOSED, &conn->flags);
	/*
	 * A secured child nobody accepted (the peer reset it) is ktun's to
	 * close: it stays findable, for the work that closes it, or for the
	 * accept() that meets it in the queue (ktun_gate_take()) and the
	 * listener's sweep - which would otherwise hand out or forget a kTLS
	 * socket without its connection.
	 */
	if (READ_ONCE(conn->req)) {
		ktun_conn_fail_async(conn, ECONNRESET, "peer reset before accept");
		return;
	}
	if (test_bit(KTUN_CONN_F_UNPARKED, &conn->flags) && !conn->sk->sk_socket)
		return;
	/* Pairs with ktun_verdict_fail_locked(): one sees the other's bit. */
	smp_mb__after_atomic();
	if (test_bit(KTUN_CONN_F_FAILING, &conn->flags) ||
	    !ktun_conn_unlink(conn))
		return;
	if (READ_ONCE(conn->state) == KTUN_CONN_STATE_SECURE)
		ktun_nl_conn_event(conn, KTUN_CMD_CONN_DOWN, NULL);
}

/*
 * The keys are in (ktun_install() returned 0): the deadline is off, the
 * owner may send again, the connection is secure and the owner's ops
 * published; a held child may be accepted, and an in-kernel reader pins
 * the module.  Caller holds conn->lock.
 */
void ktun_verdict_secure_locked(struct ktun_conn *conn)
{
	struct sock *sk = conn->sk;

	lockdep_assert_held(&conn->lock);
	if (cancel_delayed_work(&conn->deadline_work))
		ktun_conn_put(conn);
	lock_sock(sk);
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown & ~SEND_SHUTDOWN);
	release_sock(sk);
	ktun_conn_settle(conn, KTUN_CONN_STATE_SECURE);
	ktun_gate_publish(conn);
	ktun_park_secured(conn);	/* a held child: accept() may take it */
	/* In-kernel readers depend on readers.c while it lives. */
	if (conn->owner == KTUN_OWNER_KERNEL)
		ktun_conn_pin(conn);
}

/*
 * Then, with conn->lock dropped: wake the owner, log one line, tell the
 * monitor group (conn-up).
 */
void ktun_verdict_secure(struct ktun_conn *conn)
{
	char buf[KTUN_IDENT_MAX_LEN + 80];

	ktun_gate_wake(conn);
	snprintf(buf, sizeof(buf), "secured, peer %s, cipher %#x, %llu us",
		 conn->peer, conn->cipher, conn->hs_usec);
	ktun_conn_log(conn, buf);
	ktun_nl_conn_event(conn, KTUN_CMD_CONN_UP, NULL);
}

/*
 * Fails a handshaking connection closed: the owner sees @err (SO_ERROR),
 * the peer gets a reset, no handshake byte stays queued for the owner.
 */
static bool ktun_verdict_fail_locked(struct ktun_conn *conn, int err,
				     const char *reason, bool tell_daemon)
{
	struct sock *sk = conn->sk;
	char buf[300];

	lockdep_assert_held(&conn->lock);
	if (conn->state != KTUN_CONN_STATE_HANDSHAKE)
		return false;
	/* Logged first: the reset unhashes the socket (and its ports). */
	snprintf(buf, sizeof(buf), "%s: %s (%s)",
		 test_bit(KTUN_CONN_F_REFUSED, &conn->flags) ? "refused" :
		 "handshake failed", reason,
		 err == ETIMEDOUT ? "ETIMEDOUT" : err == ECONNREFUSED ?
		 "ECONNREFUSED" : err == ENETDOWN ? "ENETDOWN" : "ECONNRESET");
	ktun_conn_log(conn, buf);
	if (tell_daemon)
		ktun_daemon_abort(conn, reason);
	WRITE_ONCE(conn->err, err);
	set_bit(KTUN_CONN_F_FAILING, &conn->flags);
	/*
	 * FAILING before FAILED: a close hook that reads the state locklessly
	 * and sees FAILED must find FAILING set (ktun_verdict_closed() orders
	 * its own read after that one).
	 */
	smp_mb__after_atomic();
	ktun_conn_settle(conn, KTUN_CONN_STATE_FAILED);
	ktun_nl_conn_event(conn, KTUN_CMD_CONN_FAILED, reason);
	ktun_gate_release_established(conn);
	tcp_abort(sk, err);
	lock_sock(sk);
	__skb_queue_purge(&sk->sk_receive_queue);
	WRITE_ONCE(tcp_sk(sk)->copied_seq, tcp_sk(sk)->rcv_nxt);	/* none unread */
	/*
	 * Closed already (the peer's reset, its error taken by the relay's
	 * write): tcp_abort() did nothing, and the owner would see only
	 * ECONNABORTED.  It is told @err, as for any failure.
	 */
	if (!READ_ONCE(sk->sk_err))
		WRITE_ONCE(sk->sk_err, err);
	release_sock(sk);
	ktun_conn_unwatch(conn);
	ktun_park_dispose(conn);	/* a held child: nobody will accept it */
	ktun_gate_publish(conn);
	clear_bit(KTUN_CONN_F_FAILING, &conn->flags);
	/* Pairs with ktun_verdict_closed(): one sees the other's bit. */
	smp_mb__after_atomic();
	if (test_bit(KTUN_CONN_F_CLOSED, &conn->flags))
		ktun_conn_unlink(conn);
	return true;
}

void ktun_verdict_fail(struct ktun_conn *conn, int err, const char *reason)
{
	bool failed;

	mutex_lock(&conn->lock);
	failed = ktun_verdict_fail_locked(conn, err, reason, true);
	mutex_unlock(&conn->lock);
	if (failed)
		ktun_gate_wake(conn);
}

/*
 * The daemon gave up: its last bytes (an alert) go out and the connection
 * fails in one hold of the lock, so the peer's reset, which the alert
 * brings back at once, cannot fail it first with another errno.
 */
void ktun_verdict_fail_daemon(struct ktun_conn *conn, const void *alert,
			      size_t len, const char *reason)
{
	bool failed = false;

	mutex_lock(&conn->lock);
	if (conn->state == KTUN_CONN_STATE_HANDSHAKE) {
		ktun_relay_write(conn, alert, len);
		/* No hs-abort back: the daemon knows. */
		failed = ktun_verdict_fail_locked(conn, ECONNREFUSED, reason,
						  false);
	}
	mutex_unlock(&conn->lock);
	if (failed)
		ktun_gate_wake(conn);
}

/*
 * Fails the handshakes of @net that @f selects: those of daemon @id
 * (or not yet started) for KTUN_FAIL_DAEMON, of policies taken off the
 * table for KTUN_FAIL_REMOVED, all of them for KTUN_FAIL_ALL.  For the
 * last two, secure kernel-owned connections are reset as well.
 */
void ktun_verdict_fail_net(struct net *net, enum ktun_fail_filter f, u32 id,
			   int err, const char *why)
{
	struct ktun_net *kn = ktun_pernet(net);
	struct ktun_conn *conn;

	spin_lock_bh(&kn->ct.lock);
	list_for_each_entry(conn, &kn->ct.list, net_node) {
		u8 state = READ_ONCE(conn->state);

		/* Kernel owners reconnect by themselves: reset them too. */
		if (state != KTUN_CONN_STATE_HANDSHAKE &&
		    (state != KTUN_CONN_STATE_SECURE || f == KTUN_FAIL_DAEMON ||
		     conn->owner != KTUN_OWNER_KERNEL))
			continue;
		if (f == KTUN_FAIL_DAEMON && READ_ONCE(conn->started) &&
		    READ_ONCE(conn->daemon_portid) != id)
			continue;
		if (f == KTUN_FAIL_REMOVED && !READ_ONCE(conn->policy->removed))
			continue;
		ktun_conn_fail_async(conn, err, why);
	}
	spin_unlock_bh(&kn->ct.lock);
}

/* Namespace or module exit: fail handshakes, then forget everything. */
void ktun_verdict_drain_net(struct net *net)
{
	struct ktun_net *kn = ktun_pernet(net);
	struct ktun_conn *conn;

	ktun_verdict_fail_net(net, KTUN_FAIL_ALL, 0, ENETDOWN,
			      "namespace or module going away");
	flush_workqueue(ktun_wq);
	for (;;) {
		spin_lock_bh(&kn->ct.lock);
		conn = list_first_entry_or_null(&kn->ct.list, struct ktun_conn,
						net_node);
		if (conn && !ktun_conn_get(conn))
			conn = NULL;
		spin_unlock_bh(&kn->ct.lock);
		if (!conn)
			break;
		ktun_verdict_fail(conn, ENETDOWN, "namespace or module going away");
		ktun_conn_unlink(conn);
		ktun_conn_put(conn);
	}
	flush_workqueue(ktun_wq);
}
