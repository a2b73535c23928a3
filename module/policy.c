// SPDX-License-Identifier: GPL-2.0
/*
 * ktun policy table.
 *
 * Each network namespace keeps its policies on one RCU list ordered from
 * most to least specific, so the connection hooks can take the first match
 * without locks.  "Most specific" compares, in this order: remote prefix
 * length, local prefix length, remote port range width (narrower wins),
 * local port range width, a definite direction over "both", a definite
 * owner over "any", and a definite address family over "any".  Policies
 * that tie keep insertion order: the older policy wins.  A secure policy
 * wins over any require policy (ktun_policy_lookup()).
 *
 * Writers hold kn->pol.lock and change the list only inside one
 * kn->pol.seq write section per operation (ktun_policy_write_begin()),
 * so a replace or a load is one step for lookups.
 */
#include <linux/inetdevice.h>
#include <linux/list_sort.h>
#include <linux/slab.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "ktun.h"
#include "policy.h"

atomic_t ktun_live_policies = ATOMIC_INIT(0);

struct ktun_policy *ktun_policy_alloc(unsigned int n_idents)
{
	struct ktun_policy *p;

	p = kzalloc(struct_size(p, idents, n_idents), GFP_KERNEL_ACCOUNT);
	if (!p)
		return NULL;
	p->n_idents = n_idents;
	refcount_set(&p->ref, 1);
	atomic_inc(&ktun_live_policies);
	return p;
}

/* Frees a policy nobody references (or that was never published). */
void ktun_policy_free(struct ktun_policy *p)
{
	kfree(p);
	atomic_dec(&ktun_live_policies);
}

/*
 * Drops a reference.  The last one frees @p at once: the table's is
 * dropped only a grace period after the unlink (ktun_policy_unref_rcu),
 * so no RCU reader can still be looking at it by then.
 */
void ktun_policy_put(struct ktun_policy *p)
{
	if (refcount_dec_and_test(&p->ref))
		ktun_policy_free(p);
}

static void ktun_policy_unref_rcu(struct rcu_head *head)
{
	ktun_policy_put(container_of(head, struct ktun_policy, rcu));
}

static u32 ktun_ports_width(const struct ktun_ports *r)
{
	return r->min ? r->max - r->min + 1 : 65536;
}

/* Ranks a policy's direction, owner and family: definite beats "any". */
static int ktun_policy_definite(const struct ktun_policy *p)
{
	int dir = p->direction != KTUN_DIRECTION_BOTH;
	int owner = p->owner != KTUN_OWNER_ANY;
	int family = p->family != AF_UNSPEC;

	return dir << 2 | owner << 1 | family;
}

/* Returns > 0 if @a is more specific than @b, < 0 if less, 0 on a tie. */
static int ktun_policy_cmp(const struct ktun_policy *a,
			   const struct ktun_policy *b)
{
	u32 aw, bw;

	if (a->remote.len != b->remote.len)
		return a->remote.len - b->remote.len;
	if (a->local.len != b->local.len)
		return a->local.len - b->local.len;
	aw = ktun_ports_width(&a->rport);
	bw = ktun_ports_width(&b->rport);
	if (aw != bw)
		return aw < bw ? 1 : -1;
	aw = ktun_ports_width(&a->lport);
	bw = ktun_ports_width(&b->lport);
	if (aw != bw)
		return aw < bw ? 1 : -1;
	return ktun_policy_definite(a) - ktun_policy_definite(b);
}

/* Lookups in softirq may not spin on a writer they interrupted: BH off. */
static void ktun_policy_write_begin(struct ktun_net *kn)
	__acquires(&kn->pol.seq)
{
	lockdep_assert_held(&kn->pol.lock);
	write_seqlock_bh(&kn->pol.seq);
}

static void ktun_policy_write_end(struct ktun_net *kn)
	__releases(&kn->pol.seq)
{
	write_sequnlock_bh(&kn->pol.seq);
	kn->pol.genid++;
}

/* Ids are never reused while the namespace lives (u32 cannot wrap under
 * the table cap in any realistic lifetime; skip 0 if it does).
 */
static void ktun_policy_new_id(struct ktun_net *kn, struct ktun_policy *p)
{
	do {
		p->id = ++kn->pol.next_id;
	} while (!p->id || ktun_policy_find(kn, p->id));
}

static void ktun_policy_link(struct ktun_net *kn, struct ktun_policy *p)
{
	struct ktun_policy *pos;

	list_for_each_entry(pos, &kn->pol.list, list) {
		if (ktun_policy_cmp(p, pos) > 0)
			break;
	}
	list_add_tail_rcu(&p->list, &pos->list);
	kn->pol.n++;
}

/* Connections that hold @p see it gone (ktun_conn_link()) from here on. */
static void ktun_policy_unlink(struct ktun_net *kn, struct ktun_policy *p)
{
	WRITE_ONCE(p->removed, true);
	list_del_rcu(&p->list);
	kn->pol.n--;
	call_rcu(&p->rcu, ktun_policy_unref_rcu);
}

int ktun_policy_insert(struct ktun_net *kn, struct ktun_policy *p)
{
	lockdep_assert_held(&kn->pol.lock);

	if (kn->pol.n >= KTUN_MAX_POLICIES)
		return -ENOSPC;
	ktun_policy_new_id(kn, p);
	ktun_policy_write_begin(kn);
	ktun_policy_link(kn, p);
	ktun_policy_write_end(kn);
	return 0;
}

/* Policy @id gives way to @p, which gets a new id; -ENOENT if none. */
int ktun_policy_replace(struct ktun_net *kn, u32 id, struct ktun_policy *p)
{
	struct ktun_policy *old;

	lockdep_assert_held(&kn->pol.lock);

	old = ktun_policy_find(kn, id);
	if (!old)
		return -ENOENT;
	ktun_policy_new_id(kn, p);
	/* In before the old one is out: the list is never empty meanwhile. */
	ktun_policy_write_begin(kn);
	ktun_policy_link(kn, p);
	ktun_policy_unlink(kn, old);
	ktun_policy_write_end(kn);
	return 0;
}

static bool ktun_policy_equal(const struct ktun_policy *a,
			      const struct ktun_policy *b)
{
	unsigned int i;

	if (a->family != b->family || a->direction != b->direction ||
	    a->owner != b->owner || a->action != b->action ||
	    memcmp(&a->remote, &b->remote, sizeof(a->remote)) ||
	    memcmp(&a->local, &b->local, sizeof(a->local)) ||
	    memcmp(&a->rport, &b->rport, sizeof(a->rport)) ||
	    memcmp(&a->lport, &b->lport, sizeof(a->lport)) ||
	    a->ciphers != b->ciphers || a->hs_timeout_ms != b->hs_timeout_ms ||
	    a->n_idents != b->n_idents)
		return false;
	for (i = 0; i < a->n_idents; i++)
		if (a->idents[i].type != b->idents[i].type ||
		    strcmp(a->idents[i].name, b->idents[i].name))
			return false;
	return true;
}

/* list_sort() order: most specific first, ties in the order given. */
static int ktun_policy_sort_cmp(void *priv, const struct list_head *a,
				const struct list_head *b)
{
	return ktun_policy_cmp(list_entry(b, struct ktun_policy, list),
			       list_entry(a, struct ktun_policy, list));
}

/*
 * Links @table's policies (sorted) into the list in one pass: each goes
 * before the first policy it is more specific than, as
 * ktun_policy_link() would put it, and the walk never goes back.
 */
static void ktun_policy_merge(struct ktun_net *kn, struct list_head *table)
{
	struct list_head *pos = kn->pol.list.next;
	struct ktun_policy *p, *tmp;

	list_for_each_entry_safe(p, tmp, table, list) {
		while (pos != &kn->pol.list &&
		       ktun_policy_cmp(p, list_entry(pos, struct ktun_policy,
						     list)) <= 0)
			pos = pos->next;
		list_del(&p->list);
		list_add_tail_rcu(&p->list, pos);
		kn->pol.n++;
	}
}

/*
 * The table becomes the @n policies on @table (linked through their
 * list nodes, taken over: the caller keeps none).  One equal to a policy
 * in the table is dropped and that one stays where it is, id and all.
 * The new ones are in before the old ones go, so the list is empty at no
 * moment (ktun_policy_any() reads it without the seqlock).  Sorted
 * first and merged in one pass, so the write section is linear.  -ENOSPC
 * if @n is over the cap (nothing changed, @table still the caller's).
 */
int ktun_policy_load(struct ktun_net *kn, struct list_head *table,
		     unsigned int n)
{
	struct ktun_policy *p, *tmp, *old, *otmp;

	lockdep_assert_held(&kn->pol.lock);

	if (n > KTUN_MAX_POLICIES)
		return -ENOSPC;
	/* The prefixes are masked, idents in order: equal is memberwise. */
	list_for_each_entry_safe(p, tmp, table, list) {
		list_for_each_entry(old, &kn->pol.list, list) {
			if (!old->kept && ktun_policy_equal(p, old)) {
				/* Marked, so a duplicate line keeps only one. */
				old->kept = true;
				list_del(&p->list);
				ktun_policy_free(p);
				break;
			}
		}
	}
	list_for_each_entry(p, table, list)
		ktun_policy_new_id(kn, p);
	list_sort(NULL, table, ktun_policy_sort_cmp);
	ktun_policy_write_begin(kn);
	list_for_each_entry(old, &kn->pol.list, list)
		old->removed = !old->kept;	/* the old ones that go */
	ktun_policy_merge(kn, table);
	list_for_each_entry_safe(old, otmp, &kn->pol.list, list) {
		if (old->kept)
			old->kept = false;
		else if (old->removed)
			ktun_policy_unlink(kn, old);
	}
	ktun_policy_write_end(kn);
	return 0;
}

int ktun_policy_delete(struct ktun_net *kn, u32 id)
{
	struct ktun_policy *p;

	lockdep_assert_held(&kn->pol.lock);

	p = ktun_policy_find(kn, id);
	if (!p)
		return -ENOENT;
	ktun_policy_write_begin(kn);
	ktun_policy_unlink(kn, p);
	ktun_policy_write_end(kn);
	return 0;
}

/* Deletes the policies with @action, or all of them for 0. */
void ktun_policy_flush(struct ktun_net *kn, u8 action)
{
	struct ktun_policy *p, *tmp;

	lockdep_assert_held(&kn->pol.lock);

	ktun_policy_write_begin(kn);
	list_for_each_entry_safe(p, tmp, &kn->pol.list, list)
		if (!action || p->action == action)
			ktun_policy_unlink(kn, p);
	ktun_policy_write_end(kn);
}

/* Caller holds kn->pol.lock or rcu_read_lock(). */
struct ktun_policy *ktun_policy_find(struct ktun_net *kn, u32 id)
{
	struct ktun_policy *p;

	list_for_each_entry_rcu(p, &kn->pol.list, list,
				lockdep_is_held(&kn->pol.lock)) {
		if (p->id == id)
			return p;
	}
	return NULL;
}

static bool ktun_prefix_match(const struct ktun_prefix *pfx, u16 family,
			      bool known, const union ktun_addr *a)
{
	if (!pfx->len)
		return true;
	if (!known)
		return false;
	if (family == AF_INET)
		return !((a->ip4 ^ pfx->addr.ip4) & inet_make_mask(pfx->len));
	return ipv6_prefix_equal(&a->ip6, &pfx->addr.ip6, pfx->len);
}

static bool ktun_ports_match(const struct ktun_ports *r, u16 port)
{
	return !r->min || (port >= r->min && port <= r->max);
}

static bool ktun_policy_matches(const struct ktun_policy *p,
				const struct ktun_tuple *t)
{
	if (p->family && p->family != t->family)
		return false;
	if (p->direction != KTUN_DIRECTION_BOTH && p->direction != t->direction)
		return false;
	if (p->owner != KTUN_OWNER_ANY && p->owner != t->owner)
		return false;
	return ktun_prefix_match(&p->remote, t->family, t->has_remote, &t->remote) &&
	       ktun_prefix_match(&p->local, t->family, t->has_local, &t->local) &&
	       ktun_ports_match(&p->rport, t->rport) &&
	       ktun_ports_match(&p->lport, t->lport);
}

/*
 * The most specific secure policy selecting @t, else the most specific
 * require policy selecting it, else NULL.  Caller holds rcu_read_lock()
 * (or kn->pol.lock) for as long as it uses the result.
 */
struct ktun_policy *ktun_policy_lookup(struct ktun_net *kn,
				       const struct ktun_tuple *t)
{
	struct ktun_policy *p, *found;
	unsigned int seq;

	do {
		seq = read_seqbegin(&kn->pol.seq);
		found = NULL;
		list_for_each_entry_rcu(p, &kn->pol.list, list,
					lockdep_is_held(&kn->pol.lock)) {
			if (!ktun_policy_matches(p, t) ||
			    (found && p->action == KTUN_ACTION_REQUIRE))
				continue;
			found = p;
			if (p->action == KTUN_ACTION_SECURE)
				break;
		}
	} while (read_seqretry(&kn->pol.seq, seq));
	return found;
}

/* ktun_policy_selects_listener()'s walk.  Caller holds rcu_read_lock(). */
static bool ktun_policy_inbound_possible(struct ktun_net *kn,
					 const struct sock *sk)
{
	struct ktun_policy *p;
	unsigned int seq;
	bool found;

	do {
		seq = read_seqbegin(&kn->pol.seq);
		found = false;
		list_for_each_entry_rcu(p, &kn->pol.list, list) {
			if (p->direction == KTUN_DIRECTION_OUT ||
			    (p->family && p->family != sk->sk_family &&
			     !(p->family == AF_INET && !sk->sk_ipv6only)) ||
			    (p->lport.min && sk->sk_num &&
			     (sk->sk_num < p->lport.min || sk->sk_num > p->lport.max)))
				continue;
			found = true;
			break;
		}
	} while (read_seqretry(&kn->pol.seq, seq));
	return found;
}

/*
 * Could an inbound policy select a child of listener @sk?  Port 0: listen()
 * binds one only after the hook that asks.  Any context.
 */
bool ktun_policy_selects_listener(const struct sock *sk)
{
	bool found;

	rcu_read_lock();
	found = ktun_policy_inbound_possible(ktun_pernet(sock_net(sk)), sk);
	rcu_read_unlock();
	return found;
}

/* What @sk, a connection in direction @dir, looks like to the policies. */
void ktun_policy_sk_tuple(const struct sock *sk, u8 dir, struct ktun_tuple *t)
{
	memset(t, 0, sizeof(*t));
	t->family = sk->sk_family;
	t->has_remote = true;
	t->has_local = true;
	/* IPv4 through a dual-stack IPv6 socket is IPv4 to the policies. */
	if (sk->sk_family == AF_INET6 && ipv6_addr_v4mapped(&sk->sk_v6_daddr)) {
		t->family = AF_INET;
		t->remote.ip4 = sk->sk_v6_daddr.s6_addr32[3];
		t->local.ip4 = sk->sk_v6_rcv_saddr.s6_addr32[3];
	} else if (sk->sk_family == AF_INET6) {
		t->remote.ip6 = sk->sk_v6_daddr;
		t->local.ip6 = sk->sk_v6_rcv_saddr;
	} else {
		t->remote.ip4 = sk->sk_daddr;
		t->local.ip4 = sk->sk_rcv_saddr;
	}
	t->rport = ntohs(sk->sk_dport);
	t->lport = sk->sk_num;
	t->direction = dir;
	t->owner = sk->sk_kern_sock ? KTUN_OWNER_KERNEL : KTUN_OWNER_USER;
}

/* Does a policy select the listener's child @sk?  Any context. */
bool ktun_policy_selects_child(const struct sock *sk)
{
	struct ktun_tuple t;
	bool found;

	ktun_policy_sk_tuple(sk, KTUN_DIRECTION_IN, &t);
	rcu_read_lock();
	found = ktun_policy_lookup(ktun_pernet(sock_net(sk)), &t);
	rcu_read_unlock();
	return found;
}
