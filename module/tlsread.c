// SPDX-License-Identifier: GPL-2.0
/*
 * Record-aligned kTLS reads for strparser users (KCM).
 *
 * tls_sw_read_sock() hands its actor each decrypted record's skb with the
 * plaintext at an offset (behind the record header and explicit nonce).
 * strparser keeps that offset beside the message (strp_msg()->offset)
 * but the parser KCM runs is a BPF socket filter, which reads from the
 * skb's start: over kTLS it reads the record header, not the message
 * length, and KCM cuts the stream in the wrong places.  On ktun
 * connections such reads are sent through ktun_tls_read_sock(), whose
 * actor hands the reader a clone of each record that begins at its
 * plaintext and ends with it, so a message that starts a record - every
 * message KCM sends, since each of its sends ends a record - parses as
 * it would at the start of a TCP segment.  A message that starts inside
 * a record (a non-KCM sender packing several into one write) meets the
 * same limit as over plain TCP inside a segment: see admin-guide.md.
 *
 * The hook is an ftrace redirect on tls_sw_read_sock, whose address is
 * learnt from the first installed connection's ops (tls does not export
 * it), registered once.  ktun's own calls of it (readsock.c, and
 * ktun_tls_read_sock itself) are left alone, by call site; like
 * readsock.c, ktun_tls_read_sock() holds a reference across the call so
 * it is never a tail call the hook would see again.  A connection read
 * this way is pinned (ktun_conn_pin): unloading ktun under it would
 * misframe its messages.  tls itself is held with symbol_get() while
 * the hook sits in its text.
 *
 * Switch: with redirect_read_sock=0 (readsock.c) this is off as well.
 * The upstream fix: tls_sw_read_sock() (or strparser, before it runs the
 * parser) handing out skbs that start at the data.
 */
#include <linux/ftrace.h>
#include <linux/module.h>
#include <net/tcp.h>
#include <net/tls.h>

#include "conn.h"
#include "readers.h"
#include "record.h"

typedef int (*ktun_read_sock_t)(struct sock *sk, read_descriptor_t *desc,
				sk_read_actor_t actor);

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
	set_bit(KTUN_CONN_F_TLSREAD, &conn->flags);
	/*
	 * tls tells the owner of each record it finds ready (its saved
	 * sk_data_ready: KCM's, which reads again, in softirq): a nested
	 * read would wait for this one with the socket's BH lock held.  It
	 * returns nothing, and is made up for once this read is over - which
	 * may be before that record, as strparser stops a read when a
	 * message needs more bytes than it was given.
	 */
	if (!test_and_set_bit(KTUN_CONN_F_READING, &conn->flags)) {
		ret = ktun_readsock_tls(ktun_tr_fn, sk, &w.desc, ktun_tr_actor);
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
void ktun_tlsread_work(struct work_struct *work)
{
	struct ktun_conn *conn = container_of(work, struct ktun_conn, read_work);
	struct sock *sk = conn->sk;

	/* Owned by us, a reader told now reads from its own work. */
	lock_sock(sk);
	local_bh_disable();
	ktun_readsock_announce(sk);
	local_bh_enable();
	release_sock(sk);
	ktun_conn_put(conn);
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
void ktun_tlsread_data_ready(struct ktun_conn *conn)
{
	struct tls_context *ctx;

	if (!test_bit(KTUN_CONN_F_TLSREAD, &conn->flags))
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
void ktun_tlsread_learn(const struct proto_ops *final)
{
	ktun_read_sock_t fn = final ? final->read_sock : NULL;
	int err;

	if (!fn || READ_ONCE(ktun_tr_tried) || !ktun_readsock_active())
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

void ktun_tlsread_exit(void)
{
	if (!ktun_tr_registered)
		return;
	ktun_redirect_off(&ktun_tr_ops, (unsigned long)ktun_tr_fn);
	if (ktun_tr_tls_ref)
		symbol_put(tls_get_record);
}
