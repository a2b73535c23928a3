// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel readers of ktun connections: RDS-TCP's direct
 * tcp_read_sock() calls, and strparser users (KCM) that read through
 * kTLS's read_sock.  Both are ftrace redirects (SAVE_REGS | IPMODIFY |
 * RECURSION, the livepatch mechanism) of a read_sock function, switched
 * by one module parameter and set up and torn down by one init/exit pair.
 *
 * The tcp_read_sock() redirect.  In-kernel readers that call
 * tcp_read_sock() directly (RDS-TCP's receive path) would read a ktun
 * socket's TCP queue raw - handshake bytes while it is being secured,
 * ciphertext after - and tls owns that queue.  An ftrace hook on
 * tcp_read_sock() sends such calls on a ktun connection to
 * ktun_read_sock() instead, which hands out nothing until the connection
 * is secure and then reads through kTLS's read_sock (tls_sw_read_sock),
 * so the reader gets the plaintext records.
 *
 * Calls from tls itself (its strparser reads the records with
 * tcp_read_sock) and from ktun (the relay reads handshake records) are
 * left alone; they are told apart by the caller's address (kallsyms names
 * the module of a call site the first time it is seen).
 * ktun_read_sock() must not tail-call tcp_read_sock(): the hook would then
 * see the original caller again and redirect forever.  It holds the
 * connection across the call and drops it after, which rules that out.
 *
 * Record-aligned kTLS reads.  tls_sw_read_sock() hands its actor each
 * decrypted record's skb with the plaintext at an offset (behind the
 * record header and explicit nonce).  strparser keeps that offset beside
 * the message (strp_msg()->offset) but the parser KCM runs is a BPF
 * socket filter, which reads from the skb's start: over kTLS it reads the
 * record header, not the message length, and KCM cuts the stream in the
 * wrong places.  On ktun connections such reads are sent through
 * ktun_tls_read_sock(), whose actor hands the reader a clone of each
 * record that begins at its plaintext and ends with it, so a message that
 * starts a record - every message KCM sends, since each of its sends ends
 * a record - parses as it would at the start of a TCP segment.  A message
 * that starts inside a record (a non-KCM sender packing several into one
 * write) meets the same limit as over plain TCP inside a segment: see
 * admin-guide.md.
 *
 * That hook is an ftrace redirect on tls_sw_read_sock, whose address is
 * learnt from the first installed connection's ops (tls does not export
 * it), registered once (ktun_readers_learn()).  ktun's own calls of it
 * (ktun_read_sock(), and ktun_tls_read_sock() itself) are left alone, by
 * call site; like ktun_read_sock(), ktun_tls_read_sock() holds a
 * reference across the call so it is never a tail call the hook would
 * see again.  A connection read this way is pinned (ktun_conn_pin):
 * unloading ktun under it would misframe its messages.  tls itself is
 * held with symbol_get() while the hook sits in its text.
 *
 * The file also holds the replay of a record announcement
 * (ktun_readers_kick()), which the verdict uses for every owner.
 *
 * Switch: module parameter redirect_read_sock (read at load), for both
 * redirects.  The upstream fixes that make this file unnecessary: RDS-TCP
 * reading with sock->ops->read_sock(), as strparser (KCM) already does,
 * instead of calling tcp_read_sock() (net/rds/tcp_recv.c,
 * rds_tcp_read_sock()); and tls_sw_read_sock() (or strparser, before it
 * runs the parser) handing out skbs that start at the data.
 */
#include <linux/ftrace.h>
#include <linux/kallsyms.h>
#include <linux/module.h>
#include <net/tcp.h>
#include <net/tls.h>

#include "conn.h"
#include "ktun.h"
#include "readers.h"
#include "record.h"

typedef int (*ktun_read_sock_t)(struct sock *sk, read_descriptor_t *desc,
				sk_read_actor_t actor);

static bool redirect_read_sock = true;
module_param(redirect_read_sock, bool, 0444);
MODULE_PARM_DESC(redirect_read_sock,
		 "Send direct tcp_read_sock() calls on ktun sockets (RDS-TCP) through kTLS (default: on)");

static bool ktun_rs_registered;

/* Kernel-owned sockets are only taken while the redirect is in place. */
bool ktun_readers_active(void)
{
	return ktun_rs_registered;
}

/*
 * Calls kTLS's read_sock @fn for an in-kernel reader.  Such readers also
 * read from atomic context (RDS's and strparser's sk_data_ready, which
 * replace tls's once they attach to a socket secured before, and
 * ktun_readers_kick()), where kTLS's decryption must not allocate with
 * the socket's GFP_KERNEL: tls switches sk_allocation to GFP_ATOMIC
 * around its own sk_data_ready, and so does this.
 *
 * Records that arrived before an error are read first, as
 * tcp_read_sock() reads bytes: KCM marks the socket EPIPE at the peer's
 * FIN (psock_state_change), before the FIN's segment is read, and with
 * tls's sk_data_ready replaced nobody has parsed that segment's records,
 * which tls_rx_rec_wait() looks for only after sk_err - the peer's last
 * message would be lost.  The error is put back for the owner.
 *
 * The socket is locked (BH lock in atomic context), as for every
 * read_sock call: nothing else writes sk_err meanwhile but a reset the
 * read itself processes, which is kept.
 */
static int ktun_readers_tls(ktun_read_sock_t fn, struct sock *sk,
			    read_descriptor_t *desc, sk_read_actor_t actor)
{
	gfp_t saved = sk->sk_allocation;
	bool atomic = !preemptible();
	int err = 0, ret;

	if (READ_ONCE(sk->sk_err) && !skb_queue_empty(&sk->sk_receive_queue))
		err = xchg(&sk->sk_err, 0);
	if (atomic)
		sk->sk_allocation = GFP_ATOMIC;
	ret = fn(sk, desc, actor);
	if (atomic)
		sk->sk_allocation = saved;
	if (err && !READ_ONCE(sk->sk_err))
		WRITE_ONCE(sk->sk_err, err);
	return ret;
}

/* The reader's view of a ktun connection: plaintext records or nothing. */
static int ktun_read_sock(struct sock *sk, read_descriptor_t *desc,
			  sk_read_actor_t actor)
{
	struct ktun_conn *conn = ktun_conn_lookup(sk);
	int ret = 0;

	if (!conn)	/* unlinked since the hook looked: plain TCP again */
		return tcp_read_sock(sk, desc, actor);
	/*
	 * tls_sw_read_sock() tells the owner of each record it finds ready
	 * (saved sk_data_ready), and RDS's data_ready reads again: such a
	 * nested read returns nothing - the outer one is already reading,
	 * and a second tls reader would wait for it, in softirq.
	 */
	if (READ_ONCE(conn->state) == KTUN_CONN_STATE_SECURE &&
	    !test_and_set_bit(KTUN_CONN_F_READING, &conn->flags)) {
		ret = ktun_readers_tls(conn->final_ops->read_sock, sk, desc,
				       actor);
		clear_bit(KTUN_CONN_F_READING, &conn->flags);
		if (ret == -EINVAL)	/* a control record: not for RDS */
			ktun_record_queue(conn);
	}
	/* Not a tail call: the reference is dropped after the read. */
	ktun_conn_put(conn);
	return ret;
}

/*
 * Call sites of tcp_read_sock() seen so far, by verdict: few exist (tls's
 * strparser, RDS, ...), so after the first call from a site its verdict
 * is one lookup.  Slots are claimed with cmpxchg and never change.
 */
#define KTUN_RS_SITES	16
static unsigned long ktun_rs_exempt[KTUN_RS_SITES];
static unsigned long ktun_rs_redirect[KTUN_RS_SITES];

static int ktun_rs_find(const unsigned long *sites, unsigned long caller)
{
	unsigned long s;
	int i;

	for (i = 0; i < KTUN_RS_SITES; i++) {
		s = READ_ONCE(sites[i]);
		if (s == caller)
			return 1;
		if (!s)
			return 0;
	}
	return 0;
}

static void ktun_rs_remember(unsigned long *sites, unsigned long caller)
{
	int i;

	for (i = 0; i < KTUN_RS_SITES; i++)
		if (!cmpxchg(&sites[i], 0, caller) || READ_ONCE(sites[i]) == caller)
			return;
}

/*
 * tls's own reads are exempt; the module-address helpers are not exported,
 * so the first call from a site asks kallsyms ("func+0x../0x.. [tls]").
 */
static noinline bool ktun_rs_classify(unsigned long caller)
{
	char sym[KSYM_SYMBOL_LEN];
	bool exempt;

	sprint_symbol(sym, caller);
	exempt = strstr(sym, " [tls]") || !strncmp(sym, "tls_", 4);
	ktun_rs_remember(exempt ? ktun_rs_exempt : ktun_rs_redirect, caller);
	return exempt;
}

static bool ktun_rs_caller_exempt(unsigned long caller)
{
	if (within_module(caller, THIS_MODULE) ||
	    ktun_rs_find(ktun_rs_exempt, caller))
		return true;
	if (ktun_rs_find(ktun_rs_redirect, caller))
		return false;
	return ktun_rs_classify(caller);
}

/*
 * Shared by the two ftrace redirects: a hooked read_sock
 * call whose socket (first argument) is a ktun connection's goes to @to.
 */
static void notrace ktun_redirect_conn(struct pt_regs *regs, void *to)
{
	struct ktun_conn *conn;

	conn = ktun_conn_lookup((struct sock *)regs_get_kernel_argument(regs, 0));
	if (!conn)
		return;
	ktun_conn_put(conn);
	instruction_pointer_set(regs, (unsigned long)to);
}

/* Puts @ops (SAVE_REGS | IPMODIFY | RECURSION) on function @ip. */
static int ktun_redirect_on(struct ftrace_ops *ops, unsigned long ip)
{
	int err;

	err = ftrace_set_filter_ip(ops, ip, 0, 0);
	if (err)
		return err;
	err = register_ftrace_function(ops);
	if (err)
		ftrace_set_filter_ip(ops, ip, 1, 0);
	return err;
}

static void ktun_redirect_off(struct ftrace_ops *ops, unsigned long ip)
{
	unregister_ftrace_function(ops);
	ftrace_set_filter_ip(ops, ip, 1, 0);
}

static void notrace ktun_rs_hook(unsigned long ip, unsigned long parent_ip,
				 struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs && atomic_read(&ktun_live_conns) &&
	    !ktun_rs_caller_exempt(parent_ip))
		ktun_redirect_conn(regs, ktun_read_sock);
}

/*
 * Tells the owner of @sk about a record kTLS holds ready, as tls itself
 * does (once per record, through the sk_data_ready it saved).  If the
 * owner stacked its own sk_data_ready on top of tls's (KCM attached after
 * kTLS was installed), that one is the owner's: it is told as well.
 * The socket is locked: BH lock, or owned by the caller.
 */
static void ktun_readers_announce(struct sock *sk)
{
	struct tls_context *ctx = tls_get_ctx(sk);
	struct tls_sw_context_rx *rx;

	if (!ctx || ctx->rx_conf != TLS_SW)
		return;
	rx = tls_sw_ctx_rx(ctx);
	if (!READ_ONCE(rx->strp.msg_ready) && skb_queue_empty(&rx->rx_list))
		return;
	rx->saved_data_ready(sk);
	if (READ_ONCE(sk->sk_data_ready) != rx->saved_data_ready)
		sk->sk_data_ready(sk);
}

/*
 * Called once a connection is secure.  A record that became ready while
 * kTLS was being installed was announced to the owner when ktun_read_sock()
 * or the gate still handed out nothing, and tls will not announce it
 * again: do it now, under the socket's BH lock.  If a process-context
 * reader owns the socket, it is reading already.
 */
void ktun_readers_kick(struct ktun_conn *conn)
{
	struct sock *sk = conn->sk;

	local_bh_disable();
	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk))
		ktun_readers_announce(sk);
	bh_unlock_sock(sk);
	local_bh_enable();
}

static struct ftrace_ops ktun_rs_ops = {
	.func	= ktun_rs_hook,
	.flags	= FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY |
		  FTRACE_OPS_FL_RECURSION,
};

/* Record-aligned kTLS reads for strparser users (KCM). */

static DEFINE_MUTEX(ktun_tr_lock);		/* registration */
static ktun_read_sock_t ktun_tr_fn;		/* tls_sw_read_sock, once known */
static bool ktun_tr_tried, ktun_tr_registered;
static void *ktun_tr_tls_ref;			/* symbol_get() on tls */

/* The reader's descriptor and actor, behind the one tls sees. */
struct ktun_tr_desc {
	read_descriptor_t desc;
	read_descriptor_t *outer;
	sk_read_actor_t actor;
};

static int ktun_tr_actor(read_descriptor_t *d, struct sk_buff *skb,
			 unsigned int offset, size_t len)
{
	struct ktun_tr_desc *w = container_of(d, struct ktun_tr_desc, desc);
	struct sk_buff *clone;
	int used;

	clone = skb_clone(skb, GFP_ATOMIC);
	if (!clone || !pskb_pull(clone, offset) || pskb_trim(clone, len)) {
		kfree_skb(clone);
		w->outer->error = -ENOMEM;
		d->count = 0;
		return 0;
	}
	used = w->actor(w->outer, clone, 0, len);
	consume_skb(clone);
	d->count = w->outer->count;	/* the reader says when to stop */
	return used;
}

static int ktun_tls_read_sock(struct sock *sk, read_descriptor_t *desc,
			      sk_read_actor_t actor)
{
	struct ktun_conn *conn = ktun_conn_lookup(sk);
	struct ktun_tr_desc w = {
		.desc = *desc,
		.outer = desc,
		.actor = actor,
	};
	int ret = 0;

	if (!conn)	/* unlinked since the hook looked */
		return ktun_tr_fn(sk, desc, actor);
	ktun_conn_pin(conn);
	set_bit(KTUN_CONN_F_STRP_READER, &conn->flags);
	/*
	 * tls tells the owner of each record it finds ready (its saved
	 * sk_data_ready: KCM's, which reads again, in softirq): a nested
	 * read would wait for this one with the socket's BH lock held.  It
	 * returns nothing, and is made up for once this read is over - which
	 * may be before that record, as strparser stops a read when a
	 * message needs more bytes than it was given.
	 */
	if (!test_and_set_bit(KTUN_CONN_F_READING, &conn->flags)) {
		ret = ktun_readers_tls(ktun_tr_fn, sk, &w.desc, ktun_tr_actor);
		clear_bit(KTUN_CONN_F_READING, &conn->flags);
		if (ret == -EINVAL)	/* a control record: not for KCM */
			ktun_record_queue(conn);
		if (test_and_clear_bit(KTUN_CONN_F_MISSED, &conn->flags) ||
		    (!desc->count && !desc->error))
			ktun_conn_queue(conn, &conn->read_work);
	} else {
		set_bit(KTUN_CONN_F_MISSED, &conn->flags);
	}
	/* Not a tail call: the reference is dropped after the read. */
	ktun_conn_put(conn);
	return ret;
}

/*
 * The reader stopped while kTLS may hold more (or a nested read was
 * refused): tell it again, from here, not from inside its read - a
 * message of many records would nest that deep.  strparser stops early
 * over kTLS: it asks the socket's peek_len (TCP's unread bytes) whether
 * the rest of a message is there, and kTLS has already taken the record
 * in hand out of TCP, so the answer is short by that record.
 */
static void ktun_readers_work(struct work_struct *work)
{
	struct ktun_conn *conn = container_of(work, struct ktun_conn, read_work);
	struct sock *sk = conn->sk;

	/* Owned by us, a reader told now reads from its own work. */
	lock_sock(sk);
	local_bh_disable();
	ktun_readers_announce(sk);
	local_bh_enable();
	release_sock(sk);
	ktun_conn_put(conn);
}

/* Sets up @conn's work item; ktun_match() calls it with the connection new. */
void ktun_readers_setup(struct ktun_conn *conn)
{
	INIT_WORK(&conn->read_work, ktun_readers_work);
}

/*
 * Bytes arrived on a secure connection (sk_data_ready tracepoint, before
 * the callback runs).  tls announces a record once, when it completes,
 * and not while the one before is still unread; a strparser reader
 * waiting for a message's remaining bytes (it compares them with TCP's
 * unread count, which grows with every arrival) is therefore not told
 * that they came, when tls's callback is the socket's (KCM attached
 * before kTLS was installed).  Tell it.
 */
void ktun_readers_data_ready(struct ktun_conn *conn)
{
	struct tls_context *ctx;

	if (!test_bit(KTUN_CONN_F_STRP_READER, &conn->flags))
		return;
	ctx = tls_get_ctx(conn->sk);
	if (ctx && ctx->rx_conf == TLS_SW &&
	    READ_ONCE(tls_sw_ctx_rx(ctx)->strp.msg_ready))
		ktun_conn_queue(conn, &conn->read_work);
}

static void notrace ktun_tr_hook(unsigned long ip, unsigned long parent_ip,
				 struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs && !within_module(parent_ip, THIS_MODULE))
		ktun_redirect_conn(regs, ktun_tls_read_sock);
}

static struct ftrace_ops ktun_tr_ops = {
	.func	= ktun_tr_hook,
	.flags	= FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY |
		  FTRACE_OPS_FL_RECURSION,
};

/*
 * Learns kTLS's read_sock from a connection's final ops and puts the
 * hook on it, the first time.  Process context.
 */
void ktun_readers_learn(const struct proto_ops *final)
{
	ktun_read_sock_t fn = final ? final->read_sock : NULL;
	int err;

	if (!fn || READ_ONCE(ktun_tr_tried) || !ktun_readers_active())
		return;
	mutex_lock(&ktun_tr_lock);
	if (ktun_tr_tried)
		goto out;
	ktun_tr_tls_ref = symbol_get(tls_get_record);
	/*
	 * Known before the hook is on: the first call it redirects may come
	 * at once, from another connection, and calls through it.
	 */
	WRITE_ONCE(ktun_tr_fn, fn);
	err = ktun_redirect_on(&ktun_tr_ops, (unsigned long)fn);
	if (err) {
		pr_warn("ktun: cannot hook kTLS read_sock (%d): KCM over ktun may misframe\n",
			err);
		if (ktun_tr_tls_ref)
			symbol_put(tls_get_record);
		ktun_tr_tls_ref = NULL;
	} else {
		ktun_tr_registered = true;
	}
	/* Tried only now: until here, other callers wait on the mutex. */
	WRITE_ONCE(ktun_tr_tried, true);
out:
	mutex_unlock(&ktun_tr_lock);
}

int __init ktun_readers_init(void)
{
	int err;

	if (!redirect_read_sock) {
		pr_info("ktun: read_sock redirect off: connections of kernel-owned sockets are refused\n");
		return 0;
	}
	err = ktun_redirect_on(&ktun_rs_ops, (unsigned long)tcp_read_sock);
	if (err)
		return err;
	ktun_rs_registered = true;
	return 0;
}

/* The kTLS hook first (it is only ever on while the other is). */
void ktun_readers_exit(void)
{
	if (ktun_tr_registered) {
		ktun_redirect_off(&ktun_tr_ops, (unsigned long)ktun_tr_fn);
		if (ktun_tr_tls_ref)
			symbol_put(tls_get_record);
	}
	if (!ktun_rs_registered)
		return;
	ktun_redirect_off(&ktun_rs_ops, (unsigned long)tcp_read_sock);
}
