// SPDX-License-Identifier: GPL-2.0
/*
 * The hook: TCP state changes, seen through the inet_sock_set_state
 * tracepoint (found by name: the symbol is not exported).
 *
 *   CLOSE -> SYN_SENT     connect(), socket locked: match an outbound
 *                         policy; gate the socket before it can carry data
 *   CLOSE -> LISTEN       listen(), socket locked: gate the listener if an
 *                         inbound policy may select its children
 *   SYN_RECV -> ESTABLISHED  a listener's child is complete (softirq, child
 *                         locked, already queued for accept(), whose
 *                         graft waits for that lock): match an inbound
 *                         policy and start the handshake
 *   * -> ESTABLISHED      start the handshake of a matched connection
 *   * -> CLOSE            fail or forget it
 *
 * and incoming data, seen through the sk_data_ready tracepoint, which
 * every sk_data_ready implementation fires before it does anything else:
 * it moves a handshake on (relay.c) without ktun taking the callback
 * over, so an owner that stacks its own callback on the socket mid-
 * handshake (KCM's attach saves and replaces it) keeps no pointer into
 * ktun.
 *
 * Unmatched sockets cost one check of the namespace's policy list (at
 * connect, listen and child creation) or of the global connection count
 * (at the other transitions); nothing is allocated or locked for them.
 */
#include <linux/tracepoint.h>
#include <net/inet_hashtables.h>
#include <net/inet_sock.h>
#include <net/mptcp.h>
#include <net/tcp.h>

#include "conn.h"
#include "gate.h"
#include "hook.h"
#include "ktun.h"
#include "park.h"
#include "policy.h"
#include "readers.h"
#include "record.h"
#include "relay.h"
#include "verdict.h"

/*
 * The connection for @sk if a policy selects it: NULL if none does,
 * ERR_PTR(-ENOMEM) if one does but no connection could be allocated.
 *
 * An MPTCP subflow is a kernel socket whatever its MPTCP socket's owner:
 * it is looked up as both, and a policy selecting it as either takes it
 * (only to refuse it: see KTUN_WHY_MPTCP).
 */
static struct ktun_conn *ktun_match(struct sock *sk, u8 dir, u8 role)
{
	struct ktun_net *kn = ktun_pernet(sock_net(sk));
	struct ktun_conn *conn = NULL;
	struct ktun_policy *p;
	struct ktun_tuple t;

	ktun_policy_sk_tuple(sk, dir, &t);
	rcu_read_lock();
	p = ktun_policy_lookup(kn, &t);
	if (!p && sk_is_mptcp(sk)) {
		t.owner = KTUN_OWNER_USER;
		p = ktun_policy_lookup(kn, &t);
	}
	if (p)
		conn = ktun_conn_new(sk, p, role, t.owner);
	rcu_read_unlock();
	if (!p)
		return NULL;
	if (!conn)
		return ERR_PTR(-ENOMEM);
	/* Each layer sets up the work item it runs. */
	ktun_verdict_setup(conn);
	ktun_relay_setup(conn);
	ktun_readers_setup(conn);
	ktun_record_setup(conn);
	return conn;
}

/* Without readers.c a direct tcp_read_sock() reader would get raw bytes. */
static bool ktun_match_readable(const struct ktun_conn *conn)
{
	return conn->owner != KTUN_OWNER_KERNEL || ktun_readers_active();
}

#define KTUN_WHY_NO_REDIRECT	"kernel-owned socket and redirect_read_sock=0"

/*
 * MPTCP moves data on its subflows below the socket layer ktun gates, and
 * queues it past their SEND_SHUTDOWN: a subflow a policy selects is
 * refused, so a selected tuple never carries MPTCP in plain text.
 */
#define KTUN_WHY_MPTCP		"MPTCP subflow (MPTCP is not secured by ktun)"

/* Nothing queued for the owner: as if read.  The socket is locked. */
static void ktun_drop_rx(struct sock *sk)
{
	__skb_queue_purge(&sk->sk_receive_queue);
	WRITE_ONCE(tcp_sk(sk)->copied_seq, tcp_sk(sk)->rcv_nxt);
}

/*
 * A selected socket nothing may reach, at once: shut both ways, its
 * receive queue emptied; its owner sees ECONNREFUSED, then end of file.
 * The reset follows (ktun_conn_refuse()), or, with no connection to
 * refuse (out of memory, even the reserve), the owner's close.  The
 * socket is locked (the caller's connect(), or the softirq that
 * established a child, before the owner can read).
 */
static void ktun_refuse_now(struct sock *sk)
{
	WRITE_ONCE(sk->sk_err, ECONNREFUSED);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	ktun_drop_rx(sk);
}

static void ktun_warn_nomem(void)
{
	pr_warn_ratelimited("ktun: refusing a matched connection: out of memory\n");
}

/*
 * connect(): the socket is locked and has no data queued yet.  Whatever
 * happens next, only the relay may send until kTLS is in: SEND_SHUTDOWN
 * also fails a TCP Fast Open sendmsg() already past the gate, and its
 * SYN carries no data; and TCP_FASTOPEN_CONNECT would otherwise defer the
 * SYN to a first sendmsg() that the gate holds until the deadline.
 */
static void ktun_hook_connect(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct ktun_conn *conn;

	if (!sk->sk_socket || !ktun_policy_any(sk))
		return;
	conn = ktun_match(sk, KTUN_DIRECTION_OUT, KTUN_ROLE_CLIENT);
	if (!conn)
		return;
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | SEND_SHUTDOWN);
	if (tp->fastopen_req)
		tp->fastopen_req->size = 0;
	tp->fastopen_connect = 0;
	if (IS_ERR(conn)) {
		ktun_gate_refuse(sk->sk_socket);
		ktun_refuse_now(sk);
		ktun_warn_nomem();
		return;
	}
	/* A socket with someone else's ops is not gated, only reset. */
	ktun_gate_attach(conn, sk->sk_socket);
	ktun_gate_hold_established(conn);
	ktun_verdict_link(conn);
	if (sk_is_mptcp(sk))
		ktun_conn_refuse(conn, ECONNREFUSED, KTUN_WHY_MPTCP);
	else if (!ktun_match_readable(conn))
		ktun_conn_refuse(conn, ECONNREFUSED, KTUN_WHY_NO_REDIRECT);
	else if (!conn->grafted)
		ktun_conn_refuse(conn, ECONNREFUSED, "socket ops ktun cannot gate");
	ktun_conn_put(conn);
}

/* MPTCP's own listener is a TCP socket too: its children are refused. */
static void ktun_hook_listen(struct sock *sk)
{
	if (ktun_policy_any(sk) && !sk_is_mptcp(sk) &&
	    ktun_policy_selects_listener(sk) && ktun_gate_listen(sk))
		pr_warn_ratelimited("ktun: cannot gate a listener on port %u\n",
				    sk->sk_num);
}

/*
 * The next listener of @net in @ilb that ktun_hook_listen() would have
 * gated had an inbound policy existed when it started listening, held;
 * or NULL.  Only the kernel's own listeners: it calls accept() through
 * sock->ops afresh each time (RDS), while a process may already be inside
 * the plain ops' accept(), which would hand out an ungated child.
 */
static struct sock *ktun_ungated_listener(struct inet_listen_hashbucket *ilb,
					  struct net *net)
{
	struct hlist_nulls_node *node;
	struct sock *sk, *found = NULL;

	/* Hashed listeners are not closed yet: their socket is alive. */
	spin_lock(&ilb->lock);
	sk_nulls_for_each(sk, node, &ilb->nulls_head) {
		if (net_eq(sock_net(sk), net) && sk->sk_kern_sock &&
		    sk->sk_socket && ktun_gate_wants(sk->sk_socket) &&
		    ktun_policy_selects_listener(sk)) {
			sock_hold(sk);
			found = sk;
			break;
		}
	}
	spin_unlock(&ilb->lock);
	return found;
}

/*
 * Gates the kernel's listeners in @net that an inbound policy added now
 * may select.  rds_tcp opens its listener when it loads and in every new
 * namespace, usually before any policy exists; without this, ktun would
 * refuse every connection to it.  Children completed before it are
 * refused (ktun_hook_child); their owner retries.  Process context.
 */
void ktun_hook_kernel_listeners(struct net *net)
{
	struct inet_hashinfo *h = net->ipv4.tcp_death_row.hashinfo;
	unsigned int i;
	struct sock *sk;

	for (i = 0; i <= h->lhash2_mask; i++) {
		while ((sk = ktun_ungated_listener(&h->lhash2[i], net))) {
			u16 port = sk->sk_num;
			int err = -ENOTCONN;

			lock_sock(sk);
			if (sk->sk_state == TCP_LISTEN && sk->sk_socket)
				err = ktun_gate_listen(sk);
			release_sock(sk);
			sock_put(sk);
			if (err) {	/* closing, or no memory: not again */
				pr_warn_ratelimited("ktun: cannot gate a listener on port %u\n",
						    port);
				break;
			}
		}
		cond_resched();
	}
}

/*
 * A listener's child just completed its handshake (softirq, child locked,
 * already in its listener's accept queue).  Children are born as bare
 * clones of the listener, so this is the first moment their addresses
 * are known.  A selected child is taken out of the queue (park.c) before
 * any accept() can hand it out; what cannot be held there is refused.
 */
static void ktun_hook_child(struct sock *sk)
{
	const char *why = NULL;
	struct ktun_conn *conn;

	if (!ktun_policy_any(sk))
		return;
	conn = ktun_match(sk, KTUN_DIRECTION_IN, KTUN_ROLE_SERVER);
	if (!conn)
		return;
	if (IS_ERR(conn)) {
		/* Out of its queue without a connection, or shut. */
		if (!ktun_park_drop(sk))
			ktun_refuse_now(sk);
		ktun_warn_nomem();
		return;
	}
	if (sk_is_mptcp(sk)) {
		/*
		 * Left in MPTCP's queue (its own accept frees the MPTCP socket
		 * with it), shut, and reset.
		 */
		ktun_refuse_now(sk);
		why = KTUN_WHY_MPTCP;
	} else if (sk->sk_socket) {
		/* Accepted before it was established: server-side TCP Fast
		 * Open on a listener ktun does not gate.  Nothing more may
		 * reach its owner.
		 */
		ktun_refuse_now(sk);
		why = "accepted before the TCP handshake completed (TCP Fast Open)";
	} else {
		switch (ktun_park_child(conn)) {
		case KTUN_PARK_HELD:
			break;
		case KTUN_PARK_UNGATED:
			why = "its listener is not gated (created before the policy?)";
			break;
		case KTUN_PARK_FULL:
			why = "too many handshakes on its listener";
			break;
		case KTUN_PARK_MISSING:
			set_bit(KTUN_CONN_F_ORPHAN, &conn->flags);
			break;
		case KTUN_PARK_TAKEN:
			/* No gated listener on the port: a plain accept() has
			 * it, in this very instant.  Nothing may reach it.
			 */
			ktun_refuse_now(sk);
			why = "accepted by a listener ktun does not gate";
			break;
		}
	}
	conn->orig_ops = ktun_gate_orig(sk);
	ktun_verdict_link(conn);
	if (!why && !ktun_match_readable(conn))
		why = KTUN_WHY_NO_REDIRECT;
	if (why)
		ktun_conn_refuse(conn, ECONNREFUSED, why);
	else
		ktun_relay_start(conn);	/* an orphan's waits to be claimed */
	ktun_conn_put(conn);
}

static void ktun_hook_established(struct sock *sk, int oldstate)
{
	struct ktun_conn *conn = NULL;

	if (atomic_read(&ktun_live_conns))
		conn = ktun_conn_lookup(sk);
	if (!conn) {
		if (oldstate == TCP_SYN_RECV)
			ktun_hook_child(sk);
		return;
	}
	/* connect() hashes the port after entering SYN_SENT. */
	if (!READ_ONCE(conn->num))
		WRITE_ONCE(conn->num, sk->sk_num);
	if (READ_ONCE(conn->state) == KTUN_CONN_STATE_HANDSHAKE &&
	    !READ_ONCE(conn->err))
		ktun_relay_start(conn);
	ktun_conn_put(conn);
}

static void ktun_hook_close(struct sock *sk)
{
	struct ktun_conn *conn = ktun_conn_lookup(sk);

	if (!conn)
		return;
	if (READ_ONCE(conn->state) == KTUN_CONN_STATE_HANDSHAKE)
		ktun_conn_fail_async(conn, ECONNRESET,
				     "connection closed during the handshake");
	else
		ktun_verdict_closed(conn);
	ktun_conn_put(conn);
}

static void ktun_probe(void *data, const struct sock *csk, const int oldstate,
		       const int newstate)
{
	struct sock *sk = (struct sock *)csk;

	if (sk->sk_protocol != IPPROTO_TCP ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6))
		return;
	switch (newstate) {
	case TCP_SYN_SENT:
		if (oldstate == TCP_CLOSE)
			ktun_hook_connect(sk);
		break;
	case TCP_LISTEN:
		ktun_hook_listen(sk);
		break;
	case TCP_ESTABLISHED:
		ktun_hook_established(sk, oldstate);
		break;
	case TCP_CLOSE:
		if (oldstate == TCP_LISTEN)
			ktun_gate_unlisten(sk);
		else if (atomic_read(&ktun_live_conns))
			ktun_hook_close(sk);
		break;
	}
}

/*
 * Bytes arrived (sk_data_ready tracepoint, socket locked, before the
 * callback).  On a refused or failed connection they are dropped here:
 * MPTCP's callback would move them to the MPTCP socket, past anything
 * ktun's abort purges - between the failure's publication and its
 * tcp_abort() too.
 */
static void ktun_probe_data(void *data, const struct sock *sk)
{
	struct ktun_conn *conn;
	u8 state;

	if (!atomic_read(&ktun_watched_conns) || sk->sk_protocol != IPPROTO_TCP)
		return;
	conn = ktun_conn_lookup(sk);
	if (!conn)
		return;
	state = READ_ONCE(conn->state);
	if (state == KTUN_CONN_STATE_SECURE)
		ktun_readers_data_ready(conn);
	else if (state == KTUN_CONN_STATE_FAILED ||
		 test_bit(KTUN_CONN_F_REFUSED, &conn->flags))
		ktun_drop_rx((struct sock *)sk);	/* before MPTCP takes it */
	else
		ktun_relay_data_ready(conn);
	ktun_conn_put(conn);
}

static struct ktun_tp {
	const char *name;
	void *probe;
	struct tracepoint *tp;
} ktun_tps[] = {
	{ "inet_sock_set_state", ktun_probe },
	{ "sk_data_ready", ktun_probe_data },
};

static void ktun_find_tp(struct tracepoint *tp, void *priv)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(ktun_tps); i++)
		if (!strcmp(tp->name, ktun_tps[i].name))
			ktun_tps[i].tp = tp;
}

static void ktun_hook_unregister(int n)
{
	while (n--)
		tracepoint_probe_unregister(ktun_tps[n].tp, ktun_tps[n].probe, NULL);
	tracepoint_synchronize_unregister();
}

int __init ktun_hook_init(void)
{
	int i, err;

	for_each_kernel_tracepoint(ktun_find_tp, NULL);
	for (i = 0; i < ARRAY_SIZE(ktun_tps); i++) {
		err = -ENOENT;
		if (ktun_tps[i].tp)
			err = tracepoint_probe_register(ktun_tps[i].tp,
							ktun_tps[i].probe, NULL);
		if (err) {
			pr_err("ktun: tracepoint %s: error %d\n",
			       ktun_tps[i].name, err);
			ktun_hook_unregister(i);
			return err;
		}
	}
	return 0;
}

void ktun_hook_exit(void)
{
	ktun_hook_unregister(ARRAY_SIZE(ktun_tps));
}
