/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktun policy table: which TCP connections ktun secures, and how.
 */
#ifndef _KTUN_POLICY_H
#define _KTUN_POLICY_H

#include <linux/in6.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/seqlock.h>
#include <linux/types.h>
#include <net/sock.h>
#include <uapi/linux/ktun.h>

struct ktun_net;

/*
 * A namespace's policy table (ktun_net.pol).
 *
 * @lock serialises every writer of @list, @n, @next_id and @genid;
 * readers walk @list under RCU only (the connection hooks run in atomic
 * context and must never take @lock).
 */
struct ktun_policy_table {
	struct mutex lock;		/* writers of the fields below */
	/*
	 * @list: struct ktun_policy, most specific first, read under RCU.
	 * Every change of it is one write section of @seq (under @lock, BH
	 * off), so a lookup that raced one walks again and never sees a
	 * replaced policy gone before its replacement is in.
	 */
	struct list_head list;
	seqlock_t seq;
	u32 n;
	u32 next_id;
	u32 genid;			/* bumped on every change, for dumps */
};

union ktun_addr {
	__be32 ip4;
	struct in6_addr ip6;
};

/* An address prefix; @len == 0 leaves the address unconstrained. */
struct ktun_prefix {
	union ktun_addr addr;
	u8 len;
};

/* A port range in host byte order; @min == 0 leaves the port unconstrained. */
struct ktun_ports {
	u16 min;
	u16 max;
};

struct ktun_ident {
	u16 type;			/* KTUN_A_POLICY_PEER_URI or _DNS */
	u16 len;
	char name[KTUN_IDENT_MAX_LEN + 1];
};

/*
 * One policy.  Immutable once published on ktun_net.pol.list (but for
 * @removed): a change is a replace, so RCU readers never see a
 * half-written policy.
 *
 * Lifetime: the table holds a reference, dropped a grace period after the
 * policy leaves the list; every connection it selected holds one (its
 * identities and rules are read from here for the whole handshake).  A
 * reader that found the policy under rcu_read_lock() may take one with
 * refcount_inc(): the table's is still there.
 */
struct ktun_policy {
	struct list_head list;
	struct rcu_head rcu;
	refcount_t ref;
	u32 id;
	u16 family;			/* AF_UNSPEC selects both families */
	u8 direction;			/* enum ktun_direction */
	u8 owner;			/* enum ktun_owner */
	struct ktun_prefix remote;
	struct ktun_prefix local;
	struct ktun_ports rport;
	struct ktun_ports lport;
	u8 action;			/* enum ktun_action */
	bool removed;			/* off the table: its connections go */
	bool kept;			/* ktun_policy_load()'s mark, under lock */
	u32 ciphers;			/* enum ktun_cipher flags */
	u32 hs_timeout_ms;
	unsigned int n_idents;
	struct ktun_ident idents[] __counted_by(n_idents);
};

/*
 * What a connection looks like to the policy table.  @has_remote and
 * @has_local say whether the addresses are known; ports of 0 are unknown.
 */
struct ktun_tuple {
	u16 family;
	bool has_remote;
	bool has_local;
	union ktun_addr remote;
	union ktun_addr local;
	u16 rport;
	u16 lport;
	u8 direction;			/* KTUN_DIRECTION_OUT or _IN */
	u8 owner;			/* KTUN_OWNER_KERNEL or _USER */
};

#define KTUN_HS_TIMEOUT_MS_DEFAULT	5000

struct ktun_policy *ktun_policy_alloc(unsigned int n_idents);
void ktun_policy_free(struct ktun_policy *p);
void ktun_policy_put(struct ktun_policy *p);
int ktun_policy_insert(struct ktun_net *kn, struct ktun_policy *p);
int ktun_policy_replace(struct ktun_net *kn, u32 id, struct ktun_policy *p);
int ktun_policy_load(struct ktun_net *kn, struct list_head *table,
		     unsigned int n);
int ktun_policy_delete(struct ktun_net *kn, u32 id);
void ktun_policy_flush(struct ktun_net *kn, u8 action);
struct ktun_policy *ktun_policy_find(struct ktun_net *kn, u32 id);
struct ktun_policy *ktun_policy_lookup(struct ktun_net *kn,
				       const struct ktun_tuple *t);
bool ktun_policy_selects_listener(const struct sock *sk);
bool ktun_policy_selects_child(const struct sock *sk);
void ktun_policy_sk_tuple(const struct sock *sk, u8 dir, struct ktun_tuple *t);

#endif /* _KTUN_POLICY_H */
