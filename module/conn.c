// SPDX-License-Identifier: GPL-2.0
/*
 * ktun connection objects: created when a hook matches a policy, found by
 * socket through one hash table, and torn down when the
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
#include "ktun.h"
#include "limits.h"
#include "policy.h"

/* Every linked connection, keyed by its socket; RCU readers. */
static DEFINE_HASHTABLE(ktun_conn_hash, 10);
static DEFINE_SPINLOCK(ktun_conn_hash_lock);	/* writers of ktun_conn_hash */

atomic_t ktun_live_conns = ATOMIC_INIT(0);

/*
 * Connections the sk_data_ready probe must look at: handshaking ones (the
 * relay waits for records), failed ones until they are aborted (the probe
 * drops what arrives), and pinned ones (an in-kernel reader that
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

/*
 * Reports a failure of @conn from any context: the verdict applies it in
 * process context (ktun_verdict_fail_work()).  The first caller's @err
 * and @why (a static string) are the ones used.
 */
void ktun_conn_fail_async(struct ktun_conn *conn, int err, const char *why)
{
	if (!cmpxchg(&conn->err, 0, err))
		WRITE_ONCE(conn->why, why);
	ktun_conn_queue(conn, &conn->fail_work);
}

/*
 * Refuses a linked connection before its handshake could start: counted,
 * then failed as above - reset, never handed to its owner with anything
 * to read.  Any context; @why is a static string.
 */
void ktun_conn_refuse(struct ktun_conn *conn, int err, const char *why)
{
	struct ktun_net *kn = ktun_pernet(conn->net);

	if (!test_and_set_bit(KTUN_CONN_F_REFUSED, &conn->flags))
		atomic_long_inc(&kn->n_refused);
	ktun_conn_fail_async(conn, err, why);
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
 * gate and the hooks must find it - and the error says so: -ENOENT for a
 * policy gone (fail it), any other for a refusal, *@why the reason (a
 * static string).  ktun_verdict_link() applies it.  Any context.
 */
int ktun_conn_link(struct ktun_conn *conn, const char **why)
{
	struct ktun_net *kn = ktun_pernet(conn->net);
	int err;

	spin_lock_bh(&kn->ct.lock);
	do {
		conn->id = ++kn->ct.next_hs_id;
	} while (!conn->id);
	WRITE_ONCE(conn->num, conn->sk->sk_num);
	list_add_tail(&conn->net_node, &kn->ct.list);
	kn->ct.n++;
	kn->ct.genid++;
	WRITE_ONCE(conn->linked, true);
	refcount_inc(&conn->ref);	/* the tables' */
	spin_lock(&ktun_conn_hash_lock);
	hash_add_rcu(ktun_conn_hash, &conn->hnode, (unsigned long)conn->sk);
	spin_unlock(&ktun_conn_hash_lock);
	if (conn->policy->action == KTUN_ACTION_REQUIRE) {
		*why = KTUN_WHY_REQUIRED;
		err = -EPERM;
	} else {
		err = ktun_limits_take(kn, conn, why);
	}
	spin_unlock_bh(&kn->ct.lock);

	if (ktun_conn_get(conn) &&
	    !queue_delayed_work(ktun_wq, &conn->deadline_work,
				msecs_to_jiffies(conn->policy->hs_timeout_ms)))
		ktun_conn_put(conn);
	if (err)
		return err;
	/*
	 * A policy removed after our match but before we joined the table
	 * was swept (ktun_verdict_fail_net) without us: its unlink precedes
	 * that sweep's ct.lock, so we see it gone here.
	 */
	if (READ_ONCE(conn->policy->removed)) {
		*why = KTUN_WHY_POLICY_GONE;
		return -ENOENT;
	}
	return 0;
}

static void ktun_conn_unpin(void);

/* Takes @conn out of the tables; true if this call did it. */
bool ktun_conn_unlink(struct ktun_conn *conn)
{
	struct ktun_net *kn = ktun_pernet(conn->net);

	spin_lock_bh(&kn->ct.lock);
	if (!conn->linked) {
		spin_unlock_bh(&kn->ct.lock);
		return false;
	}
	WRITE_ONCE(conn->linked, false);
	list_del(&conn->net_node);
	kn->ct.n--;
	kn->ct.genid++;
	ktun_limits_put(kn, conn);
	spin_lock(&ktun_conn_hash_lock);
	hash_del_rcu(&conn->hnode);
	spin_unlock(&ktun_conn_hash_lock);
	spin_unlock_bh(&kn->ct.lock);

	if (cancel_delayed_work(&conn->deadline_work))
		ktun_conn_put(conn);
	if (test_and_clear_bit(KTUN_CONN_F_PINNED, &conn->flags))
		ktun_conn_unpin();
	ktun_conn_put(conn);		/* the tables' reference */
	return true;
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

/*
 * Ends the handshake in @state (secure or failed).  Caller holds
 * conn->lock.  A failed connection stays watched until its caller has
 * aborted it and emptied its queue (ktun_conn_unwatch()): bytes arriving
 * in between must still meet the probe that drops them, or MPTCP's
 * callback moves them to the MPTCP socket.
 */
void ktun_conn_settle(struct ktun_conn *conn, u8 state)
{
	struct ktun_net *kn = ktun_pernet(conn->net);

	lockdep_assert_held(&conn->lock);
	WRITE_ONCE(conn->state, state);
	if (state == KTUN_CONN_STATE_SECURE)
		atomic_dec(&ktun_watched_conns);
	/* The relay is done with its record buffer (~18 KiB). */
	kfree_sensitive(conn->rec);
	conn->rec = NULL;
	spin_lock_bh(&kn->ct.lock);
	ktun_limits_put(kn, conn);
	spin_unlock_bh(&kn->ct.lock);
}

/* A failed connection, aborted and emptied: the probe may forget it. */
void ktun_conn_unwatch(struct ktun_conn *conn)
{
	lockdep_assert_held(&conn->lock);
	WARN_ON_ONCE(conn->state != KTUN_CONN_STATE_FAILED);
	atomic_dec(&ktun_watched_conns);
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

	spin_lock_bh(&kn->ct.lock);
	list_for_each_entry(conn, &kn->ct.list, net_node) {
		if (conn->id == id && ktun_conn_get(conn)) {
			found = conn;
			break;
		}
	}
	spin_unlock_bh(&kn->ct.lock);
	return found;
}

/*
 * One line per handshake - but a peer or an in-kernel owner retrying in
 * a loop must not flood the log: at most 100 lines per 5 s.
 */
static DEFINE_RATELIMIT_STATE(ktun_log_rs, 5 * HZ, 100);

void ktun_conn_log(struct ktun_conn *conn, const char *result)
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

