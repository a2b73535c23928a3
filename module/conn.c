// SPDX-License-Identifier: GPL-2.0
/*
 * ktun connection objects: created when a hook matches a policy, found by
 * socket through one hash table, failed closed, and torn down when the
 * socket reaches TCP_CLOSE (or its namespace or the module goes away).
 */
#include <linux/hashtable.h>
#include <linux/mempool.h>
#include <linux/memcontrol.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <net/ipv6.h>
#include <net/tcp.h>

#include "conn.h"
#include "gate.h"
#include "ktun.h"
#include "limits.h"
#include "nl.h"
#include "park.h"
#include "policy.h"
#include "readers.h"
#include "record.h"
#include "relay.h"

/* Every linked connection, keyed by its socket; RCU readers. */
static DEFINE_HASHTABLE(ktun_conn_hash, 10);
static DEFINE_SPINLOCK(ktun_conn_hash_lock);	/* writers of ktun_conn_hash */

atomic_t ktun_live_conns = ATOMIC_INIT(0);

/*
 * Connections the sk_data_ready probe must look at: handshaking ones (the
 * relay waits for records) and pinned ones (an in-kernel reader that
 * readers.c may have to tell again).  With none, data arriving on any of
 * the host's sockets costs the probe one atomic read.
 */
atomic_t ktun_watched_conns = ATOMIC_INIT(0);

/*
 * Connections come from their own cache, with a reserve: the hooks
 * allocate in atomic context, and a connection ktun cannot allocate is one
 * it can only shut, not reset (ktun_refuse_now()).  The reserve is drawn
 * on only when the allocator fails, and refilled as connections go.
 */
#define KTUN_CONN_RESERVE	64

/*
 * Not __ro_after_init: kmemleak does not scan a module's ro_after_init
 * section, and would report the pool's reserve as leaked.
 */
static struct kmem_cache *ktun_conn_cache;
static mempool_t *ktun_conn_pool;

int __init ktun_conn_init(void)
{
	ktun_conn_cache = KMEM_CACHE(ktun_conn, SLAB_ACCOUNT);
	if (!ktun_conn_cache)
		return -ENOMEM;
	ktun_conn_pool = mempool_create_slab_pool(KTUN_CONN_RESERVE,
						  ktun_conn_cache);
	if (!ktun_conn_pool) {
		kmem_cache_destroy(ktun_conn_cache);
		return -ENOMEM;
	}
	return 0;
}

/* After every connection was freed (rcu_barrier()). */
void ktun_conn_exit(void)
{
	mempool_destroy(ktun_conn_pool);
	kmem_cache_destroy(ktun_conn_cache);
}

static void ktun_conn_free_rcu(struct rcu_head *head)
{
	struct ktun_conn *conn = container_of(head, struct ktun_conn, rcu);

	if (conn->state == KTUN_CONN_STATE_HANDSHAKE)	/* never settled */
		atomic_dec(&ktun_watched_conns);
	ktun_policy_put(conn->policy);
	mempool_free(conn, ktun_conn_pool);
	atomic_dec(&ktun_live_conns);
}

void ktun_conn_put(struct ktun_conn *conn)
{
	if (!refcount_dec_and_test(&conn->ref))
		return;
	WARN_ON_ONCE(conn->req);	/* a held child nobody closed */
	kfree_sensitive(conn->rec);
	sock_put(conn->sk);
	call_rcu(&conn->rcu, ktun_conn_free_rcu);
}

/* Queues @work holding a reference for it; returns false if it was queued. */
bool ktun_conn_queue(struct ktun_conn *conn, struct work_struct *work)
{
	if (!ktun_conn_get(conn))
		return false;
	if (queue_work(ktun_wq, work))
		return true;
	ktun_conn_put(conn);
	return false;
}

static void ktun_conn_deadline(struct work_struct *work)
{
	struct ktun_conn *conn = container_of(to_delayed_work(work),
					      struct ktun_conn, deadline_work);

	ktun_conn_fail(conn, ETIMEDOUT, "handshake deadline exceeded");
	ktun_conn_put(conn);
}

static void ktun_conn_log(struct ktun_conn *conn, const char *result);

/*
 * Resets a secure kernel-owned connection whose policy went away: its
 * owner (RDS, ...) reconnects, and the new connection meets the policies
 * as they are now.
 */
static void ktun_conn_reset(struct ktun_conn *conn, int err, const char *why)
{
	char buf[300];

	snprintf(buf, sizeof(buf), "reset: %s", why ?: "by ktun");
	ktun_conn_log(conn, buf);
	tcp_abort(conn->sk, err);
}

static void ktun_conn_fail_work(struct work_struct *work)
{
	struct ktun_conn *conn = container_of(work, struct ktun_conn, fail_work);
	const char *why = READ_ONCE(conn->why);
	int err = READ_ONCE(conn->err) ?: ECONNRESET;

	if (READ_ONCE(conn->state) == KTUN_CONN_STATE_SECURE) {
		if (READ_ONCE(conn->sk->sk_state) != TCP_CLOSE)
			ktun_conn_reset(conn, err, why);
		mutex_lock(&conn->lock);
		ktun_park_dispose(conn);	/* secured, not accepted */
		mutex_unlock(&conn->lock);
		if (READ_ONCE(conn->sk->sk_state) == TCP_CLOSE)
			ktun_conn_unlink(conn);
		ktun_conn_put(conn);
		return;
	}
	ktun_conn_fail(conn, err, why ?: "connection closed during the handshake");
	if (READ_ONCE(conn->sk->sk_state) == TCP_CLOSE)
		ktun_conn_unlink(conn);
	ktun_conn_put(conn);
}

/*
 * Fails @conn from any context: the work does it in process context.
 * The first caller's @err and @why (a static string) are the ones used.
 */
void ktun_conn_fail_async(struct ktun_conn *conn, int err, const char *why)
{
	if (!cmpxchg(&conn->err, 0, err))
		WRITE_ONCE(conn->why, why);
	ktun_conn_queue(conn, &conn->fail_work);
}

/*
 * A connection for @sk, which policy @p selected (the caller found it
 * under rcu_read_lock()).  Atomic context; charged to the socket's memory
 * cgroup, as the socket's own memory is.
 */
struct ktun_conn *ktun_conn_new(struct sock *sk, struct ktun_policy *p,
				u8 role, u8 owner)
{
	struct mem_cgroup *old = set_active_memcg(mem_cgroup_from_sk(sk));
	struct ktun_conn *conn;

	conn = mempool_alloc(ktun_conn_pool, GFP_ATOMIC | __GFP_NOWARN);
	set_active_memcg(old);
	if (!conn)
		return NULL;
	memset(conn, 0, sizeof(*conn));
	atomic_inc(&ktun_watched_conns);
	atomic_inc(&ktun_live_conns);
	refcount_set(&conn->ref, 1);
	mutex_init(&conn->lock);
	init_waitqueue_head(&conn->wq);
	INIT_LIST_HEAD(&conn->lsn_node);
	INIT_WORK(&conn->relay_work, ktun_relay_work);
	INIT_WORK(&conn->fail_work, ktun_conn_fail_work);
	INIT_WORK(&conn->read_work, ktun_readers_work);
	INIT_WORK(&conn->record_work, ktun_record_work);
	INIT_DELAYED_WORK(&conn->deadline_work, ktun_conn_deadline);
	sock_hold(sk);
	conn->sk = sk;
	conn->net = sock_net(sk);
	conn->role = role;
	conn->owner = owner;
	conn->state = KTUN_CONN_STATE_HANDSHAKE;
	refcount_inc(&p->ref);
	conn->policy = p;
	conn->policy_id = p->id;
	conn->start = ktime_get();
	conn->dport = sk->sk_dport;
	if (sk->sk_family == AF_INET6) {
		conn->saddr = sk->sk_v6_rcv_saddr;
		conn->daddr = sk->sk_v6_daddr;
	} else {
		ipv6_addr_set_v4mapped(sk->sk_rcv_saddr, &conn->saddr);
		ipv6_addr_set_v4mapped(sk->sk_daddr, &conn->daddr);
	}
	return conn;
}

/*
 * Publishes @conn in the tables and arms its deadline.  A connection over
 * one of the handshake limits (limits.c), selected by a require policy
 * only, or whose policy went away meanwhile, is linked all the same - the
 * gate and the hooks must find it - and refused at once.  Any context.
 */
void ktun_conn_link(struct ktun_conn *conn)
{
	struct ktun_net *kn = ktun_pernet(conn->net);
	const char *why = NULL;
	int err;

	spin_lock_bh(&kn->conn_lock);
	do {
		conn->id = ++kn->next_hs_id;
	} while (!conn->id);
	WRITE_ONCE(conn->num, conn->sk->sk_num);
	list_add_tail(&conn->net_node, &kn->conns);
	kn->n_conns++;
	kn->conns_genid++;
	WRITE_ONCE(conn->linked, true);
	refcount_inc(&conn->ref);	/* the tables' */
	spin_lock(&ktun_conn_hash_lock);
	hash_add_rcu(ktun_conn_hash, &conn->hnode, (unsigned long)conn->sk);
	spin_unlock(&ktun_conn_hash_lock);
	if (conn->policy->action == KTUN_ACTION_REQUIRE) {
		why = KTUN_WHY_REQUIRED;
		err = -EPERM;
	} else {
		err = ktun_limits_take(kn, conn, &why);
	}
	spin_unlock_bh(&kn->conn_lock);

	if (ktun_conn_get(conn) &&
	    !queue_delayed_work(ktun_wq, &conn->deadline_work,
				msecs_to_jiffies(conn->policy->hs_timeout_ms)))
		ktun_conn_put(conn);
	if (err) {
		ktun_conn_refuse(conn, ECONNREFUSED, why);
		return;
	}
	/*
	 * A policy removed after our match but before we joined the table
	 * was swept (ktun_conn_fail_net) without us: its unlink precedes
	 * that sweep's conn_lock, so we see it gone here.
	 */
	if (READ_ONCE(conn->policy->removed))
		ktun_conn_fail_async(conn, ECONNRESET, KTUN_WHY_POLICY_GONE);
}

/*
 * Refuses a linked connection before its handshake could start: reset,
 * never handed to its owner with anything to read.  Any context; @why is
 * a static string.
 */
void ktun_conn_refuse(struct ktun_conn *conn, int err, const char *why)
{
	struct ktun_net *kn = ktun_pernet(conn->net);

	if (!test_and_set_bit(KTUN_CONN_F_REFUSED, &conn->flags))
		atomic_long_inc(&kn->n_refused);
	ktun_conn_fail_async(conn, err, why);
}

static void ktun_conn_unpin(void);

/* Takes @conn out of the tables; true if this call did it. */
bool ktun_conn_unlink(struct ktun_conn *conn)
{
	struct ktun_net *kn = ktun_pernet(conn->net);

	spin_lock_bh(&kn->conn_lock);
	if (!conn->linked) {
		spin_unlock_bh(&kn->conn_lock);
		return false;
	}
	WRITE_ONCE(conn->linked, false);
	list_del(&conn->net_node);
	kn->n_conns--;
	kn->conns_genid++;
	ktun_limits_put(kn, conn);
	spin_lock(&ktun_conn_hash_lock);
	hash_del_rcu(&conn->hnode);
	spin_unlock(&ktun_conn_hash_lock);
	spin_unlock_bh(&kn->conn_lock);

	if (cancel_delayed_work(&conn->deadline_work))
		ktun_conn_put(conn);
	if (test_and_clear_bit(KTUN_CONN_F_PINNED, &conn->flags))
		ktun_conn_unpin();
	ktun_conn_put(conn);		/* the tables' reference */
	return true;
}

/*
 * @conn's socket reached TCP_CLOSE after the handshake.  Any context.
 * While ktun_conn_fail_locked() publishes a failure (its tcp_abort()
 * brings us here first), @conn stays in the tables: the owner's release()
 * must still find it, to wait for the publication and learn whether the
 * gate's module reference was dropped, and must not free the socket
 * under the publisher.  Whichever of the two comes last unlinks.
 */
void ktun_conn_closed(struct ktun_conn *conn)
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
	/* Pairs with ktun_conn_fail_locked(): one sees the other's bit. */
	smp_mb__after_atomic();
	if (test_bit(KTUN_CONN_F_FAILING, &conn->flags) ||
	    !ktun_conn_unlink(conn))
		return;
	if (READ_ONCE(conn->state) == KTUN_CONN_STATE_SECURE)
		ktun_nl_conn_event(conn, KTUN_CMD_CONN_DOWN, NULL);
}

static void ktun_conn_unpin(void)
{
	atomic_dec(&ktun_watched_conns);
	module_put(THIS_MODULE);
}

/*
 * Keeps the module loaded while @conn is linked: its in-kernel reader
 * (RDS, KCM's strparser) reads through readers.c, and
 * unloading would hand it kTLS's raw queue or misframed records.  Any
 * context.  An unlink that ran before the bit was set saw it clear, so
 * the reference is given back here (test_and_clear_bit: exactly once).
 */
void ktun_conn_pin(struct ktun_conn *conn)
{
	if (test_and_set_bit(KTUN_CONN_F_PINNED, &conn->flags))
		return;
	__module_get(THIS_MODULE);
	atomic_inc(&ktun_watched_conns);
	if (!READ_ONCE(conn->linked) &&
	    test_and_clear_bit(KTUN_CONN_F_PINNED, &conn->flags))
		ktun_conn_unpin();
}

/* Ends the handshake in @state (secure or failed).  Caller holds conn->lock. */
void ktun_conn_settle(struct ktun_conn *conn, u8 state)
{
	struct ktun_net *kn = ktun_pernet(conn->net);

	lockdep_assert_held(&conn->lock);
	WRITE_ONCE(conn->state, state);
	atomic_dec(&ktun_watched_conns);
	/* The relay is done with its record buffer (~18 KiB). */
	kfree_sensitive(conn->rec);
	conn->rec = NULL;
	spin_lock_bh(&kn->conn_lock);
	ktun_limits_put(kn, conn);
	spin_unlock_bh(&kn->conn_lock);
}

/* The connection of @sk with a reference, or NULL.  Any context. */
struct ktun_conn *ktun_conn_lookup(const struct sock *sk)
{
	struct ktun_conn *conn;

	rcu_read_lock();
	hash_for_each_possible_rcu(ktun_conn_hash, conn, hnode, (unsigned long)sk) {
		if (conn->sk == sk && ktun_conn_get(conn)) {
			rcu_read_unlock();
			return conn;
		}
	}
	rcu_read_unlock();
	return NULL;
}

struct ktun_conn *ktun_conn_by_id(struct net *net, u32 id)
{
	struct ktun_net *kn = ktun_pernet(net);
	struct ktun_conn *conn, *found = NULL;

	spin_lock_bh(&kn->conn_lock);
	list_for_each_entry(conn, &kn->conns, net_node) {
		if (conn->id == id && ktun_conn_get(conn)) {
			found = conn;
			break;
		}
	}
	spin_unlock_bh(&kn->conn_lock);
	return found;
}

/*
 * One line per handshake - but a peer or an in-kernel owner retrying in
 * a loop must not flood the log: at most 100 lines per 5 s.
 */
static DEFINE_RATELIMIT_STATE(ktun_log_rs, 5 * HZ, 100);

static void ktun_conn_log(struct ktun_conn *conn, const char *result)
{
	const char *what = conn->role == KTUN_ROLE_CLIENT ? "connect" : "accept";

	if (!__ratelimit(&ktun_log_rs))
		return;
	if (conn->sk->sk_family == AF_INET6)
		pr_info("ktun: %s [%pI6c]:%u -> [%pI6c]:%u policy %u: %s\n",
			what, &conn->saddr, ktun_conn_port(conn), &conn->daddr,
			ntohs(conn->dport), conn->policy_id, result);
	else
		pr_info("ktun: %s %pI4:%u -> %pI4:%u policy %u: %s\n",
			what, &conn->saddr.s6_addr32[3], ktun_conn_port(conn),
			&conn->daddr.s6_addr32[3], ntohs(conn->dport),
			conn->policy_id, result);
}

void ktun_conn_log_secure(struct ktun_conn *conn)
{
	char buf[KTUN_IDENT_MAX_LEN + 80];

	snprintf(buf, sizeof(buf), "secured, peer %s, cipher %#x, %llu us",
		 conn->peer, conn->cipher, conn->hs_usec);
	ktun_conn_log(conn, buf);
	ktun_nl_conn_event(conn, KTUN_CMD_CONN_UP, NULL);
}

/*
 * Fails a handshaking connection closed: the owner sees @err (SO_ERROR),
 * the peer gets a reset, no handshake byte stays queued for the owner.
 */
static bool ktun_conn_fail_locked(struct ktun_conn *conn, int err,
				  const char *reason)
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
	ktun_nl_hs_abort(conn, reason);
	WRITE_ONCE(conn->err, err);
	set_bit(KTUN_CONN_F_FAILING, &conn->flags);
	/*
	 * FAILING before FAILED: a close hook that reads the state locklessly
	 * and sees FAILED must find FAILING set (ktun_conn_closed() orders
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
	ktun_park_dispose(conn);	/* a held child: nobody will accept it */
	ktun_gate_publish(conn);
	clear_bit(KTUN_CONN_F_FAILING, &conn->flags);
	/* Pairs with ktun_conn_closed(): one sees the other's bit. */
	smp_mb__after_atomic();
	if (test_bit(KTUN_CONN_F_CLOSED, &conn->flags))
		ktun_conn_unlink(conn);
	return true;
}

void ktun_conn_fail(struct ktun_conn *conn, int err, const char *reason)
{
	bool failed;

	mutex_lock(&conn->lock);
	failed = ktun_conn_fail_locked(conn, err, reason);
	mutex_unlock(&conn->lock);
	if (failed)
		ktun_gate_wake(conn);
}

/*
 * The daemon gave up: its last bytes (an alert) go out and the connection
 * fails in one hold of the lock, so the peer's reset, which the alert
 * brings back at once, cannot fail it first with another errno.
 */
void ktun_conn_fail_daemon(struct ktun_conn *conn, const void *alert,
			   size_t len, const char *reason)
{
	bool failed = false;

	mutex_lock(&conn->lock);
	if (conn->state == KTUN_CONN_STATE_HANDSHAKE) {
		ktun_relay_write(conn, alert, len);
		conn->daemon_gave_up = true;		/* no hs-abort back */
		failed = ktun_conn_fail_locked(conn, ECONNREFUSED, reason);
	}
	mutex_unlock(&conn->lock);
	if (failed)
		ktun_gate_wake(conn);
}

/*
 * Fails the handshakes of @net that @f selects: those of daemon @portid
 * (or not yet started) for KTUN_FAIL_DAEMON, of policies taken off the
 * table for KTUN_FAIL_REMOVED, all of them for KTUN_FAIL_ALL.  For the
 * last two, secure kernel-owned connections are reset as well.
 */
void ktun_conn_fail_net(struct net *net, enum ktun_fail_filter f, u32 id,
			int err, const char *why)
{
	struct ktun_net *kn = ktun_pernet(net);
	struct ktun_conn *conn;

	spin_lock_bh(&kn->conn_lock);
	list_for_each_entry(conn, &kn->conns, net_node) {
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
	spin_unlock_bh(&kn->conn_lock);
}

/* Namespace or module exit: fail handshakes, then forget everything. */
void ktun_conn_drain_net(struct net *net)
{
	struct ktun_net *kn = ktun_pernet(net);
	struct ktun_conn *conn;

	ktun_conn_fail_net(net, KTUN_FAIL_ALL, 0, ENETDOWN,
			   "namespace or module going away");
	flush_workqueue(ktun_wq);
	for (;;) {
		spin_lock_bh(&kn->conn_lock);
		conn = list_first_entry_or_null(&kn->conns, struct ktun_conn,
						net_node);
		if (conn && !ktun_conn_get(conn))
			conn = NULL;
		spin_unlock_bh(&kn->conn_lock);
		if (!conn)
			break;
		ktun_conn_fail(conn, ENETDOWN, "namespace or module going away");
		ktun_conn_unlink(conn);
		ktun_conn_put(conn);
	}
	flush_workqueue(ktun_wq);
}
