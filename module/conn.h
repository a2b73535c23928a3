/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A TCP connection ktun has taken: gated while the daemon handshakes,
 * then kTLS.  See Documentation/design.md for the whole life cycle.
 */
#ifndef _KTUN_CONN_H
#define _KTUN_CONN_H

#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/sock.h>
#include <uapi/linux/ktun.h>

struct ktun_listener;
struct ktun_policy;

/*
 * A namespace's connection table (ktun_net.ct).
 *
 * @lock (a spinlock: the hooks run in softirq) protects @list, @n,
 * @genid, @next_hs_id and the handshake accounting (limits.c):
 * @n_handshakes and @sources.
 */
struct ktun_conn_table {
	spinlock_t lock;		/* the fields below */
	struct list_head list;		/* struct ktun_conn, by net_node */
	u32 n;
	u32 genid;			/* bumped on every change, for dumps */
	u32 next_hs_id;
	u32 n_handshakes;
	DECLARE_HASHTABLE(sources, 6);	/* struct ktun_source, by address */
};

/*
 * Locking: @lock (a mutex) serialises everything that changes the
 * connection's plumbing - relay reads and writes, key installation, the
 * owner's accept() graft and failure.  @state is written under @lock and
 * read locklessly (READ_ONCE) by the gate and the hooks.  The socket
 * callbacks (softirq) only queue work; they never take @lock.
 *
 * Lifetime: a reference is held by the connection table (dropped at
 * teardown), by every queued work item and by every gate call in flight.
 * The connection holds the socket (sock_hold) and its policy until it is
 * freed.  A child held out of its listener's accept queue (park.c) also
 * owns the request (@req) that queued it, and with it the child itself,
 * until accept() takes it or ktun closes it.
 */
struct ktun_conn {
	struct hlist_node hnode;	/* ktun_conn_hash, by @sk */
	struct list_head net_node;	/* ktun_net.ct.list */
	struct rcu_head rcu;
	refcount_t ref;
	struct mutex lock;		/* see above */
	struct sock *sk;
	struct net *net;
	u32 id;
	u16 num;			/* local port, kept: sk_num is 0 once unhashed */
	__be16 dport;			/* the rest of the 4-tuple, kept for the */
	struct in6_addr saddr, daddr;	/* log: a failed connect() clears it */
	u8 role;			/* enum ktun_role */
	u8 owner;			/* enum ktun_owner */
	u8 state;			/* enum ktun_conn_state */
	bool linked;			/* in the tables */
	bool grafted;			/* the owner holds a struct socket */
	bool want_record;		/* the daemon waits for a record */
	bool started;			/* hs-start was sent */
	unsigned long flags;		/* KTUN_CONN_F_*, atomic bitops */
	int err;			/* what the owner sees after failure */
	const char *why;		/* and the log line's reason */
	wait_queue_head_t wq;		/* the owner waits here for a verdict */

	/* The policy that selected it, referenced: deleting it mid-handshake
	 * fails the handshake, but its rules stay readable until then.
	 */
	struct ktun_policy *policy;
	u32 policy_id;

	/* A listener's child held out of its accept queue (park.c). */
	struct request_sock *req;
	struct ktun_listener *lsn;	/* its gated listener, while held */
	struct list_head lsn_node;	/* on lsn->held or lsn->ready */

	/* Socket plumbing, restored or replaced at install/failure. */
	struct socket *sock;		/* the owner's, once grafted */
	const struct proto_ops *orig_ops;
	const struct proto_ops *final_ops;	/* kTLS's */
	const struct proto_ops *owner_ops;	/* published: record.c's over kTLS's */
	void (*saved_state_change)(struct sock *sk);	/* kernel clients */
	bool held_established;		/* ESTABLISHED not yet reported */

	/* Handshake relay. */
	struct work_struct relay_work;
	struct delayed_work deadline_work;
	struct work_struct fail_work;
	struct work_struct read_work;	/* readers.c: tell the reader again */
	struct work_struct record_work;	/* record.c: a control record came */
	u8 *rec;			/* KTUN_REC_MAX bytes while handshaking */
	unsigned int rec_len;
	u32 daemon_portid;
	ktime_t start;

	/* Reported by conn-get. */
	u64 hs_usec;
	u64 tx_seq0, rx_seq0;		/* record numbers at install */
	u16 version;
	u32 cipher;
	char peer[KTUN_IDENT_MAX_LEN + 6];
};

/* ktun_conn.flags */
enum {
	KTUN_CONN_F_READING,	/* readers.c is inside kTLS for the owner */
	KTUN_CONN_F_PINNED,	/* holds a module reference until unlinked */
	KTUN_CONN_F_MISSED,	/* readers.c refused a nested read */
	KTUN_CONN_F_STRP_READER, /* a strparser (KCM) reads records via readers.c */
	KTUN_CONN_F_CLOSED,	/* the socket reached TCP_CLOSE after the handshake */
	KTUN_CONN_F_FAILING,	/* a failure is being published: no unlink yet */
	KTUN_CONN_F_REFUSED,	/* refused before its handshake: logged as such */
	KTUN_CONN_F_COUNTED,	/* counts against the handshake limits */
	KTUN_CONN_F_ORPHAN,	/* dequeued by an accept() before the hook ran */
	KTUN_CONN_F_UNPARKED,	/* secured, back in the accept queue, not yet taken */
	KTUN_CONN_F_HOLDS_EST,	/* a kernel client's owner not yet told ESTABLISHED */
};

int ktun_conn_init(void);
void ktun_conn_exit(void);
struct ktun_conn *ktun_conn_new(struct sock *sk, struct ktun_policy *p,
				u8 role, u8 owner);
int ktun_conn_link(struct ktun_conn *conn, const char **why);
bool ktun_conn_unlink(struct ktun_conn *conn);
struct ktun_conn *ktun_conn_lookup(const struct sock *sk);
struct ktun_conn *ktun_conn_by_id(struct net *net, u32 id);
void ktun_conn_put(struct ktun_conn *conn);
bool ktun_conn_queue(struct ktun_conn *conn, struct work_struct *work);
void ktun_conn_fail_async(struct ktun_conn *conn, int err, const char *why);
void ktun_conn_refuse(struct ktun_conn *conn, int err, const char *why);
void ktun_conn_pin(struct ktun_conn *conn);
void ktun_conn_settle(struct ktun_conn *conn, u8 state);
void ktun_conn_unwatch(struct ktun_conn *conn);
void ktun_conn_log(struct ktun_conn *conn, const char *result);
#define KTUN_WHY_POLICY_GONE	"policy removed"
#define KTUN_WHY_REQUIRED	"no policy secures it (a require policy selects it)"

/* The local port, also after the socket was unhashed. */
static inline u16 ktun_conn_port(const struct ktun_conn *conn)
{
	return READ_ONCE(conn->num) ?: READ_ONCE(conn->sk->sk_num);
}

static inline bool ktun_conn_get(struct ktun_conn *conn)
{
	return refcount_inc_not_zero(&conn->ref);
}

#endif /* _KTUN_CONN_H */
