// SPDX-License-Identifier: GPL-2.0
/*
 * The read_sock redirect: in-kernel readers that call tcp_read_sock()
 * directly (RDS-TCP's receive path) would read a ktun socket's TCP queue
 * raw - handshake bytes while it is being secured, ciphertext after - and
 * tls owns that queue.  An ftrace hook on tcp_read_sock() sends such calls
 * on a ktun connection to ktun_read_sock() instead, which hands out nothing
 * until the connection is secure and then reads through kTLS's read_sock
 * (tls_sw_read_sock), so the reader gets the plaintext records.
 *
 * Calls from tls itself (its strparser reads the records with
 * tcp_read_sock) and from ktun (the relay reads handshake records) are
 * left alone; they are told apart by the caller's address (kallsyms names
 * the module of a call site the first time it is seen).
 * ktun_read_sock() must not tail-call tcp_read_sock(): the hook would then
 * see the original caller again and redirect forever.  It holds the
 * connection across the call and drops it after, which rules that out.
 *
 * The file also holds what tlsread.c shares (the redirect helpers) and the
 * replay of a record announcement (ktun_readsock_announce/kick), which the
 * verdict uses for every owner.
 *
 * Switch: module parameter redirect_read_sock (read at load).  The upstream
 * fix that makes this file unnecessary: RDS-TCP reading with
 * sock->ops->read_sock(), as strparser (KCM) already does, instead of
 * calling tcp_read_sock() (net/rds/tcp_recv.c, rds_tcp_read_sock()).
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

static bool redirect_read_sock = true;
module_param(redirect_read_sock, bool, 0444);
MODULE_PARM_DESC(redirect_read_sock,
		 "Send direct tcp_read_sock() calls on ktun sockets (RDS-TCP) through kTLS (default: on)");

static bool ktun_rs_registered;

/* Kernel-owned sockets are only taken while the redirect is in place. */
bool ktun_readsock_active(void)
{
	return ktun_rs_registered;
}

/*
 * Calls kTLS's read_sock @fn for an in-kernel reader.  Such readers also
 * read from atomic context (RDS's and strparser's sk_data_ready, which
 * replace tls's once they attach to a socket secured before, and
 * ktun_readsock_kick()), where kTLS's decryption must not allocate with
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
int ktun_readsock_tls(int (*fn)(struct sock *, read_descriptor_t *,
				sk_read_actor_t),
		      struct sock *sk, read_descriptor_t *desc,
		      sk_read_actor_t actor)
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
		ret = ktun_readsock_tls(conn->final_ops->read_sock, sk, desc,
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
 * Shared by the ftrace redirects (here and tlsread.c): a hooked read_sock
 * call whose socket (first argument) is a ktun connection's goes to @to.
 */
void notrace ktun_redirect_conn(struct pt_regs *regs, void *to)
{
	struct ktun_conn *conn;

	conn = ktun_conn_lookup((struct sock *)regs_get_kernel_argument(regs, 0));
	if (!conn)
		return;
	ktun_conn_put(conn);
	instruction_pointer_set(regs, (unsigned long)to);
}

/* Puts @ops (SAVE_REGS | IPMODIFY | RECURSION) on function @ip. */
int ktun_redirect_on(struct ftrace_ops *ops, unsigned long ip)
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

void ktun_redirect_off(struct ftrace_ops *ops, unsigned long ip)
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
void ktun_readsock_announce(struct sock *sk)
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
void ktun_readsock_kick(struct ktun_conn *conn)
{
	struct sock *sk = conn->sk;

	local_bh_disable();
	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk))
		ktun_readsock_announce(sk);
	bh_unlock_sock(sk);
	local_bh_enable();
}

static struct ftrace_ops ktun_rs_ops = {
	.func	= ktun_rs_hook,
	.flags	= FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY |
		  FTRACE_OPS_FL_RECURSION,
};

int __init ktun_readsock_init(void)
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

void ktun_readsock_exit(void)
{
	if (!ktun_rs_registered)
		return;
	ktun_redirect_off(&ktun_rs_ops, (unsigned long)tcp_read_sock);
}
