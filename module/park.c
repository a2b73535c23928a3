// SPDX-License-Identifier: GPL-2.0
/*
 * Held children: a gated listener's children, kept out of its accept
 * queue while ktun secures them.
 *
 * TCP queues a child for accept() before the child is ESTABLISHED.  When
 * the hook sees that transition (softirq, the child locked) and a policy
 * selects the child, ktun_park_child() finds the queue that holds it -
 * among all the port's listeners, so an ungated listener on another
 * address or in the same SO_REUSEPORT group is never taken for a gated
 * one - and takes the child's request out of it.  From then on no
 * accept() reaches the child: not its owner's, not a thread that was
 * already inside a plain accept() when the listener was gated, not
 * inet_csk_listen_stop() when the listener closes (which would forget a
 * child under the relay's feet, and a secured one without ever closing
 * its kTLS context).  The relay and the key installation work on a
 * socket nobody else holds, and an owner such as RDS sees a child only
 * once it is secure.
 *
 *   secured     the child waits on its listener's ready list; the gate's
 *               accept() puts its request back at the head of the accept
 *               queue and takes it at once (ktun_park_unpark()), so the
 *               kernel's accept does for it what it does for every child
 *   failed      ktun resets and closes it (ktun_park_dispose()): its
 *               owner never learns it existed
 *   ungated     a child of an ungated listener is taken out all the same,
 *               refused and closed: nothing of it reaches that listener's
 *               owner
 *   listener    closing it fails the children it holds and closes the
 *   closes      secured ones (ktun_park_unlisten())
 *   crossing    a secured kernel-owned child waits while this host's own
 *               kernel client connection to its peer, at the port it
 *               came to, has not told its owner ESTABLISHED yet
 *               (ktun_park_crossing(), ktun_park_crossed())
 *
 * Held and ready children count against max_handshakes_per_listener
 * (limits.c), not against the listener's backlog.
 *
 * Locking: ktun_lsn_lock serialises writers of ktun_lsn_hash (RCU
 * readers).  A listener's @lock protects its lists, @n and @closing, and
 * each listed connection's @lsn, which is cleared under it when the
 * listener goes: a reader takes @lsn under rcu_read_lock(), locks it and
 * checks that @lsn still points there.  A connection's @req passes from
 * owner to owner with xchg() (park, accept, dispose, the listener's
 * sweep): whoever takes it non-NULL owns the child.  Lists hold a
 * connection reference.
 */
#include <linux/hashtable.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <net/inet_connection_sock.h>
#include <net/inet_hashtables.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/request_sock.h>
#include <net/tcp.h>

#include "conn.h"
#include "ktun.h"
#include "limits.h"
#include "park.h"

struct ktun_listener {
	struct hlist_node node;		/* ktun_lsn_hash, by @sk */
	struct rcu_head rcu;
	struct sock *sk;
	spinlock_t lock;		/* see above */
	struct list_head held;		/* handshaking children */
	struct list_head ready;		/* secured, waiting for accept() */
	unsigned int n;			/* on either list */
	bool closing;
};

static DEFINE_HASHTABLE(ktun_lsn_hash, 8);
static DEFINE_SPINLOCK(ktun_lsn_lock);

/* Orphans wait here for the gate's accept() calls in flight to end. */
static DECLARE_WAIT_QUEUE_HEAD(ktun_orphan_wq);

static struct ktun_listener *ktun_lsn_find(const struct sock *sk)
{
	struct ktun_listener *l;

	hash_for_each_possible_rcu(ktun_lsn_hash, l, node, (unsigned long)sk)
		if (l->sk == sk)
			return l;
	return NULL;
}

/* Is @sk a gated listener?  Any context. */
bool ktun_park_is_gated(const struct sock *sk)
{
	bool found;

	rcu_read_lock();
	found = ktun_lsn_find(sk);
	rcu_read_unlock();
	return found;
}

/*
 * Lists @sk as a gated listener (gate.c, from listen()).  The socket is
 * locked; atomic context.
 */
int ktun_park_listen(struct sock *sk)
{
	struct ktun_listener *l;

	if (ktun_park_is_gated(sk))
		return 0;
	l = kzalloc(sizeof(*l), GFP_ATOMIC | __GFP_ACCOUNT);
	if (!l)
		return -ENOMEM;
	l->sk = sk;
	spin_lock_init(&l->lock);
	INIT_LIST_HEAD(&l->held);
	INIT_LIST_HEAD(&l->ready);
	spin_lock_bh(&ktun_lsn_lock);
	hash_add_rcu(ktun_lsn_hash, &l->node, (unsigned long)sk);
	spin_unlock_bh(&ktun_lsn_lock);
	return 0;
}

/* Unlinks @req from @lsk's accept queue if it is there.  Caller holds rskq_lock. */
static bool ktun_park_unqueue(struct sock *lsk, struct request_sock *req)
{
	struct request_sock_queue *q = &inet_csk(lsk)->icsk_accept_queue;
	struct request_sock *r, *prev = NULL;

	for (r = q->rskq_accept_head; r && r != req; r = r->dl_next)
		prev = r;
	if (!r)
		return false;
	if (prev)
		prev->dl_next = r->dl_next;
	else
		WRITE_ONCE(q->rskq_accept_head, r->dl_next);
	if (q->rskq_accept_tail == r)
		q->rskq_accept_tail = prev;
	r->dl_next = NULL;
	sk_acceptq_removed(lsk);
	return true;
}

/* The request queueing @child in @lsk's accept queue, unlinked; or NULL. */
static struct request_sock *ktun_park_take(struct sock *lsk, struct sock *child)
{
	struct request_sock_queue *q = &inet_csk(lsk)->icsk_accept_queue;
	struct request_sock *req;

	spin_lock(&q->rskq_lock);
	/* Usually the child was just queued: the tail. */
	req = q->rskq_accept_tail;
	if (!req || req->sk != child)
		for (req = q->rskq_accept_head; req && req->sk != child;
		     req = req->dl_next)
			;
	if (req && !ktun_park_unqueue(lsk, req))
		req = NULL;
	spin_unlock(&q->rskq_lock);
	return req;
}

/*
 * Finds @child's listener and takes the child's request out of its
 * accept queue.  Every listener that can have made @child is hashed in
 * one of two listening buckets: the child's local address and port, or
 * the wildcard address (IPv4 and IPv6 wildcards hash alike, as do an
 * IPv4 address and its v4-mapped IPv6 form).  The buckets are walked
 * under RCU (listeners are freed after a grace period, SOCK_RCU_FREE):
 * their locks are taken with bottom halves enabled elsewhere.  Sets
 * @gated if any of the port's listeners is gated.  Caller has bottom
 * halves disabled and holds rcu_read_lock().
 */
static struct request_sock *ktun_park_find(struct sock *child, bool *gated)
{
	struct inet_hashinfo *h = sock_net(child)->ipv4.tcp_death_row.hashinfo;
	const struct net *net = sock_net(child);
	u16 port = child->sk_num;
	struct request_sock *req = NULL;
	u32 hash[2];
	int i;

	if (child->sk_family == AF_INET6)
		hash[0] = ipv6_portaddr_hash(net, &child->sk_v6_rcv_saddr, port);
	else
		hash[0] = ipv4_portaddr_hash(net, child->sk_rcv_saddr, port);
	hash[1] = ipv4_portaddr_hash(net, htonl(INADDR_ANY), port);

	*gated = false;
	for (i = 0; i < 2 && !req; i++) {
		struct inet_listen_hashbucket *ilb = inet_lhash2_bucket(h, hash[i]);
		struct hlist_nulls_node *node;
		struct sock *lsk;

		if (i && (hash[1] & h->lhash2_mask) == (hash[0] & h->lhash2_mask))
			break;
		sk_nulls_for_each_rcu(lsk, node, &ilb->nulls_head) {
			if (!net_eq(sock_net(lsk), net) || lsk->sk_num != port)
				continue;
			*gated |= !!ktun_lsn_find(lsk);
			req = ktun_park_take(lsk, child);
			if (req)
				break;
		}
	}
	return req;
}

/*
 * A policy selected @child (conn->sk) as it became ESTABLISHED: take it
 * out of its listener's accept queue.  The child is locked (softirq, or
 * its backlog at release_sock()); before @conn is linked.  On HELD,
 * UNGATED and FULL the connection owns the request, and with it the
 * child, until accept() or dispose.
 */
enum ktun_park ktun_park_child(struct ktun_conn *conn)
{
	struct ktun_limits lim;
	struct ktun_listener *l;
	struct request_sock *req;
	enum ktun_park ret;
	bool gated;

	ktun_limits_get(&lim);
	local_bh_disable();
	rcu_read_lock();
	req = ktun_park_find(conn->sk, &gated);
	if (!req) {
		/* Some accept() has it: a gated one will claim it. */
		ret = gated ? KTUN_PARK_MISSING : KTUN_PARK_TAKEN;
		goto out;
	}
	conn->req = req;
	l = ktun_lsn_find(req->rsk_listener);
	ret = KTUN_PARK_UNGATED;
	if (l) {
		spin_lock(&l->lock);
		ret = KTUN_PARK_FULL;
		if (!l->closing && l->n < lim.per_listener) {
			ktun_conn_get(conn);		/* the list's */
			list_add_tail(&conn->lsn_node, &l->held);
			l->n++;
			WRITE_ONCE(conn->lsn, l);
			ret = KTUN_PARK_HELD;
		}
		spin_unlock(&l->lock);
	}
out:
	rcu_read_unlock();
	local_bh_enable();
	return ret;
}

/*
 * Children taken out of their queue with no connection to carry them (no
 * memory): a stack linked through the requests' dl_next, closed from a
 * work item.
 */
static struct request_sock *ktun_park_dropped;

static void ktun_park_drop_work(struct work_struct *work)
{
	struct request_sock *req = xchg(&ktun_park_dropped, NULL), *next;
	struct sock *sk;

	for (; req; req = next) {
		next = req->dl_next;
		sk = req->sk;
		tcp_abort(sk, ECONNREFUSED);
		READ_ONCE(sk->sk_prot)->close(sk, 0);
		reqsk_put(req);
	}
}

static DECLARE_WORK(ktun_park_drop_w, ktun_park_drop_work);

/*
 * A selected child ktun has no connection for: out of its queue, to be
 * reset and closed - no accept() ever hands it out.  False if no queue
 * holds it.  The child is locked, as for ktun_park_child().
 */
bool ktun_park_drop(struct sock *child)
{
	struct request_sock *req, *head;
	bool gated;

	local_bh_disable();
	rcu_read_lock();
	req = ktun_park_find(child, &gated);
	rcu_read_unlock();
	local_bh_enable();
	if (!req)
		return false;
	do {
		head = READ_ONCE(ktun_park_dropped);
		req->dl_next = head;
	} while (cmpxchg(&ktun_park_dropped, head, req) != head);
	queue_work(ktun_wq, &ktun_park_drop_w);
	return true;
}

/* Takes @conn off its listener's lists (under l->lock); the caller drops the list's reference. */
static void ktun_park_unlist(struct ktun_listener *l, struct ktun_conn *conn)
{
	list_del_init(&conn->lsn_node);
	l->n--;
	WRITE_ONCE(conn->lsn, NULL);
}

/*
 * @conn's keys are installed: it waits for accept() now.  Caller holds
 * conn->lock.  If its listener went meanwhile, the listener's close has
 * already queued its end.
 */
void ktun_park_secured(struct ktun_conn *conn)
{
	struct ktun_listener *l;
	bool ready = false;
	struct sock *lsk;

	lockdep_assert_held(&conn->lock);
	if (!READ_ONCE(conn->req))
		return;
	lsk = READ_ONCE(conn->req)->rsk_listener;
	rcu_read_lock();
	l = READ_ONCE(conn->lsn);
	if (l) {
		spin_lock_bh(&l->lock);
		if (conn->lsn == l && !l->closing) {
			list_move_tail(&conn->lsn_node, &l->ready);
			ready = true;
		}
		spin_unlock_bh(&l->lock);
	}
	/* Within RCU: accept() may take the child and the listener go. */
	if (ready)
		lsk->sk_data_ready(lsk);	/* wakes accept() and poll() */
	rcu_read_unlock();
	/*
	 * The listener went while the keys went in: its close queued our
	 * failure, which found us still handshaking and did nothing.  Now
	 * that we are secure, it closes the child (ktun_verdict_fail_work()).
	 */
	if (!ready)
		ktun_conn_fail_async(conn, ECONNRESET, "listener closed");
}

/*
 * Closes a held child nobody will accept: its handshake failed (the
 * caller reset it already), or its listener went.  Process context;
 * caller holds conn->lock.  The accept queue's reference to the child is
 * the one its close drops; kTLS's close wipes a secured child's keys.
 */
void ktun_park_dispose(struct ktun_conn *conn)
{
	struct request_sock *req = xchg(&conn->req, NULL);
	struct ktun_listener *l;
	struct sock *sk = conn->sk;
	bool listed = false;

	lockdep_assert_held(&conn->lock);
	if (!req)
		return;
	rcu_read_lock();
	l = READ_ONCE(conn->lsn);
	if (l) {
		spin_lock_bh(&l->lock);
		if (conn->lsn == l) {
			ktun_park_unlist(l, conn);
			listed = true;
		}
		spin_unlock_bh(&l->lock);
	}
	rcu_read_unlock();
	if (READ_ONCE(sk->sk_state) != TCP_CLOSE)
		tcp_abort(sk, ECONNRESET);
	READ_ONCE(sk->sk_prot)->close(sk, 0);
	reqsk_put(req);
	if (listed)
		ktun_conn_put(conn);
}

/*
 * Both hosts' in-kernel owners connecting to each other at once (RDS-TCP
 * does): each keeps one of the two connections, and RDS decides which
 * when it accepts - if this host's own connection to that peer is still
 * connecting, it resets the child.  Over plain TCP its own connect
 * completes first (half a round trip before the peer's child does).
 * Behind ktun both end with their handshakes, in either order, and the
 * peer, done with its side of the child's, may have sent on it already:
 * its TCP saw that acknowledged, and RDS forgets a message it believes
 * delivered.  So the child waits for this host's connection to report
 * its verdict to its owner (ktun_park_crossed()); RDS then has that path
 * down, or its shutdown queued on the same ordered workqueue as the
 * accept, and keeps the child.
 *
 * Is there, in @child's namespace, a kernel client connection to
 * @child's peer at the port @child came to whose owner has not heard
 * ESTABLISHED yet?  Caller holds the listener's lock.
 */
static bool ktun_park_crossing(const struct ktun_conn *child)
{
	struct ktun_net *kn = ktun_pernet(child->net);
	u16 port = ktun_conn_port(child);
	struct ktun_conn *c;
	bool found = false;

	spin_lock_bh(&kn->ct.lock);
	list_for_each_entry(c, &kn->ct.list, net_node) {
		/* A failed one's owner heard its reset already. */
		if (c->owner == KTUN_OWNER_KERNEL &&
		    c->role == KTUN_ROLE_CLIENT &&
		    test_bit(KTUN_CONN_F_HOLDS_EST, &c->flags) &&
		    READ_ONCE(c->state) != KTUN_CONN_STATE_FAILED &&
		    ntohs(c->dport) == port &&
		    ipv6_addr_equal(&c->daddr, &child->daddr)) {
			found = true;
			break;
		}
	}
	spin_unlock_bh(&kn->ct.lock);
	return found;
}

/* A secured child accept() may take now. */
static bool ktun_park_takeable(const struct ktun_conn *conn)
{
	return conn->owner != KTUN_OWNER_KERNEL || !ktun_park_crossing(conn);
}

/*
 * @client's owner has heard its verdict: the gated listeners of its
 * namespace on the port it connected to, if a secured child waits on
 * one, get their owner to accept again.  Process context.
 */
void ktun_park_crossed(const struct ktun_conn *client)
{
	u16 port = ntohs(client->dport);
	struct ktun_listener *l;
	struct sock *lsk;
	bool kick;
	int bkt;

	rcu_read_lock();
	hash_for_each_rcu(ktun_lsn_hash, bkt, l, node) {
		lsk = l->sk;
		if (!net_eq(sock_net(lsk), client->net) || lsk->sk_num != port)
			continue;
		spin_lock_bh(&l->lock);
		kick = !l->closing && !list_empty(&l->ready);
		spin_unlock_bh(&l->lock);
		/* Within RCU, as in ktun_park_secured(). */
		if (kick)
			lsk->sk_data_ready(lsk);
	}
	rcu_read_unlock();
}

/*
 * The gate's accept() on @lsk: puts the first secured child's request
 * back at the head of the accept queue, for the kernel's accept to take
 * next.  False if none is ready.  Process context.
 */
bool ktun_park_unpark(struct sock *lsk)
{
	struct request_sock_queue *q = &inet_csk(lsk)->icsk_accept_queue;
	struct ktun_conn *conn, *found = NULL;
	struct request_sock *req;
	struct ktun_listener *l;

	rcu_read_lock();
	l = ktun_lsn_find(lsk);
	if (l) {
		spin_lock_bh(&l->lock);
		list_for_each_entry(conn, &l->ready, lsn_node) {
			if (l->closing)
				break;
			if (!ktun_park_takeable(conn))
				continue;
			/* NULL: being disposed of, which unlists it. */
			req = xchg(&conn->req, NULL);
			if (!req)
				continue;
			/*
			 * Queued under the listener's lock, which its close
			 * takes to set @closing before it sweeps the queue:
			 * a child queued here is seen by that sweep.
			 */
			ktun_park_unlist(l, conn);
			set_bit(KTUN_CONN_F_UNPARKED, &conn->flags);
			spin_lock(&q->rskq_lock);
			req->dl_next = q->rskq_accept_head;
			WRITE_ONCE(q->rskq_accept_head, req);
			if (!q->rskq_accept_tail)
				q->rskq_accept_tail = req;
			sk_acceptq_added(lsk);
			spin_unlock(&q->rskq_lock);
			found = conn;
			break;
		}
		spin_unlock_bh(&l->lock);
	}
	rcu_read_unlock();
	if (!found)
		return false;
	ktun_conn_put(found);	/* the list's */
	return true;
}

/* Has kernel listener @l a secured child not waiting for its crossing? */
static bool ktun_park_has_takeable(struct ktun_listener *l)
{
	struct ktun_conn *conn;
	bool found = false;

	spin_lock_bh(&l->lock);
	list_for_each_entry(conn, &l->ready, lsn_node) {
		if (ktun_park_takeable(conn)) {
			found = true;
			break;
		}
	}
	spin_unlock_bh(&l->lock);
	return found;
}

/*
 * Has @lsk a secured child accept() may take?  For the gate's poll and
 * accept.  On a kernel listener, a child that waits for its crossing
 * connection does not count (a blocking accept() would spin on it); a
 * process's listener has none, and is answered without the lock.
 */
bool ktun_park_has_ready(const struct sock *lsk)
{
	struct ktun_listener *l;
	bool ready = false;

	rcu_read_lock();
	l = ktun_lsn_find(lsk);
	if (l && !list_empty_careful(&l->ready))
		ready = !lsk->sk_kern_sock || ktun_park_has_takeable(l);
	rcu_read_unlock();
	return ready;
}

/*
 * A secured child's request that ktun_park_unpark() put back in the
 * accept queue, not yet accepted when the listener closes: take it out
 * again before inet_csk_listen_stop() forgets it.  Caller holds the
 * listener's socket lock, so no accept() runs.
 */
static void ktun_park_sweep(struct sock *lsk)
{
	struct request_sock_queue *q = &inet_csk(lsk)->icsk_accept_queue;
	struct request_sock *req, *next;
	struct ktun_conn *conn;

	spin_lock_bh(&q->rskq_lock);
	for (req = q->rskq_accept_head; req; req = next) {
		next = req->dl_next;
		conn = ktun_conn_lookup(req->sk);
		if (!conn)
			continue;
		if (test_bit(KTUN_CONN_F_UNPARKED, &conn->flags) &&
		    ktun_park_unqueue(lsk, req)) {
			WARN_ON_ONCE(cmpxchg(&conn->req, NULL, req));
			clear_bit(KTUN_CONN_F_UNPARKED, &conn->flags);
			ktun_conn_fail_async(conn, ECONNRESET, "listener closed");
		}
		ktun_conn_put(conn);
	}
	spin_unlock_bh(&q->rskq_lock);
}

/*
 * @sk stops listening (close, shutdown(SHUT_RD), or its namespace goes):
 * every child it holds fails, and secured ones waiting for accept() are
 * closed.  Called as the listener leaves TCP_LISTEN, with its socket
 * lock held (the state tracepoint, atomic context).
 */
void ktun_park_unlisten(struct sock *sk)
{
	struct ktun_conn *conn, *tmp;
	struct ktun_listener *l;
	LIST_HEAD(gone);

	spin_lock_bh(&ktun_lsn_lock);
	l = ktun_lsn_find(sk);
	if (l)
		hash_del_rcu(&l->node);
	spin_unlock_bh(&ktun_lsn_lock);
	if (!l)
		return;

	spin_lock_bh(&l->lock);
	l->closing = true;
	list_splice_init(&l->held, &gone);
	list_splice_tail_init(&l->ready, &gone);
	list_for_each_entry(conn, &gone, lsn_node)
		WRITE_ONCE(conn->lsn, NULL);
	l->n = 0;
	spin_unlock_bh(&l->lock);
	ktun_park_sweep(sk);

	list_for_each_entry_safe(conn, tmp, &gone, lsn_node) {
		list_del_init(&conn->lsn_node);
		ktun_conn_fail_async(conn, ECONNRESET, "listener closed");
		ktun_conn_put(conn);	/* the list's */
	}
	kfree_rcu(l, rcu);
}

/*
 * The gate's accept() on @lsk is taking a child from the queue (@begin)
 * or is done with it.  A child it took before the hook could hold it is
 * an orphan (KTUN_PARK_MISSING) until that accept() claims it.
 */
void ktun_park_accepting(struct sock *lsk, bool begin)
{
	struct ktun_net *kn = ktun_pernet(sock_net(lsk));

	if (begin) {
		atomic_inc(&kn->accepting);
		return;
	}
	if (atomic_dec_and_test(&kn->accepting))
		wake_up_all(&ktun_orphan_wq);
}

/*
 * An orphan: a selected child some accept() took from its queue between
 * TCP queueing it and the hook.  The gate's accept() claims it (clears
 * KTUN_CONN_F_ORPHAN) after waiting for the hook; once no gate accept()
 * of the namespace is taking a child and none claimed it, it was handed
 * out by a listener ktun does not gate, and is refused.  From the relay
 * work, before it starts the handshake.
 */
void ktun_park_orphan_wait(struct ktun_conn *conn)
{
	struct ktun_net *kn = ktun_pernet(conn->net);

	if (!test_bit(KTUN_CONN_F_ORPHAN, &conn->flags))
		return;
	wait_event_timeout(ktun_orphan_wq,
			   !test_bit(KTUN_CONN_F_ORPHAN, &conn->flags) ||
			   !atomic_read(&kn->accepting), HZ);
	if (test_and_clear_bit(KTUN_CONN_F_ORPHAN, &conn->flags))
		ktun_conn_refuse(conn, ECONNREFUSED,
				 "accepted by a listener ktun does not gate");
}
