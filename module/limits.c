// SPDX-License-Identifier: GPL-2.0
/*
 * Handshake limits.
 *
 * A connection being secured holds a socket the owner cannot use yet, a
 * context in the daemon and, while a record is read, a record buffer; a
 * secured connection holds none of that, and is not limited here.  Three
 * limits bound handshakes in flight:
 *
 *   max_handshakes              per network namespace
 *   max_handshakes_per_source   per peer address, for connections a
 *                               listener accepted: one peer that opens
 *                               connections and never speaks cannot take
 *                               the namespace's whole budget until their
 *                               deadlines pass
 *   max_handshakes_per_listener per gated listener, counting children
 *                               secured but not yet accepted (park.c)
 *
 * A connection over a limit is refused (reset), and counted in the
 * namespace's refusals ("ktun stats").  The limits are module parameters,
 * writable at run time; a new value applies to connections that follow.
 */
#include <linux/jhash.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <net/ipv6.h>

#include "conn.h"
#include "limits.h"

static unsigned int max_handshakes = 4096;
module_param(max_handshakes, uint, 0644);
MODULE_PARM_DESC(max_handshakes,
		 "Handshakes one network namespace may run at once (default 4096)");

static unsigned int max_handshakes_per_source = 256;
module_param(max_handshakes_per_source, uint, 0644);
MODULE_PARM_DESC(max_handshakes_per_source,
		 "Accepted connections one peer address may have handshaking at once (default 256)");

static unsigned int max_handshakes_per_listener = 1024;
module_param(max_handshakes_per_listener, uint, 0644);
MODULE_PARM_DESC(max_handshakes_per_listener,
		 "Children one listener may hold handshaking or waiting for accept() (default 1024)");

/* Handshakes of one peer address in one namespace; under ct.lock. */
struct ktun_source {
	struct hlist_node node;
	struct in6_addr addr;
	unsigned int n;
};

void ktun_limits_get(struct ktun_limits *l)
{
	l->per_net = READ_ONCE(max_handshakes);
	l->per_source = READ_ONCE(max_handshakes_per_source);
	l->per_listener = READ_ONCE(max_handshakes_per_listener);
}

static u32 ktun_source_hash(const struct in6_addr *a)
{
	return jhash2((__force const u32 *)a->s6_addr32, 4, 0);
}

static struct ktun_source *ktun_source_find(struct ktun_net *kn,
					    const struct in6_addr *a)
{
	struct ktun_source *src;

	hash_for_each_possible(kn->ct.sources, src, node, ktun_source_hash(a))
		if (ipv6_addr_equal(&src->addr, a))
			return src;
	return NULL;
}

/* Only the accepted side is limited per peer: a client may open many. */
static bool ktun_limits_per_source(const struct ktun_conn *conn)
{
	return conn->role == KTUN_ROLE_SERVER;
}

/*
 * Counts @conn's handshake, or says which limit it would exceed.  Caller
 * holds kn->ct.lock (softirq-safe: the hooks call this).
 */
int ktun_limits_take(struct ktun_net *kn, struct ktun_conn *conn,
		     const char **why)
{
	struct ktun_source *src = NULL;

	lockdep_assert_held(&kn->ct.lock);
	if (kn->ct.n_handshakes >= READ_ONCE(max_handshakes)) {
		*why = "too many handshakes in the namespace";
		return -ENOSPC;
	}
	if (ktun_limits_per_source(conn)) {
		src = ktun_source_find(kn, &conn->daddr);
		if (src && src->n >= READ_ONCE(max_handshakes_per_source)) {
			*why = "too many handshakes from this peer address";
			return -ENOSPC;
		}
		if (!src) {
			src = kzalloc(sizeof(*src), GFP_ATOMIC | __GFP_NOWARN);
			if (!src) {
				*why = "out of memory";
				return -ENOMEM;
			}
			src->addr = conn->daddr;
			hash_add(kn->ct.sources, &src->node,
				 ktun_source_hash(&src->addr));
		}
		src->n++;
	}
	kn->ct.n_handshakes++;
	set_bit(KTUN_CONN_F_COUNTED, &conn->flags);
	return 0;
}

/* @conn's handshake is over (or it goes): uncount it.  Under ct.lock. */
void ktun_limits_put(struct ktun_net *kn, struct ktun_conn *conn)
{
	struct ktun_source *src;

	lockdep_assert_held(&kn->ct.lock);
	if (!test_and_clear_bit(KTUN_CONN_F_COUNTED, &conn->flags))
		return;
	kn->ct.n_handshakes--;
	if (!ktun_limits_per_source(conn))
		return;
	src = ktun_source_find(kn, &conn->daddr);
	if (!WARN_ON_ONCE(!src) && !--src->n) {
		hash_del(&src->node);
		kfree(src);
	}
}

/* The namespace goes: every connection was unlinked, so nothing is left. */
void ktun_limits_net_exit(struct ktun_net *kn)
{
	struct ktun_source *src;
	struct hlist_node *tmp;
	int bkt;

	WARN_ON_ONCE(kn->ct.n_handshakes);
	hash_for_each_safe(kn->ct.sources, bkt, tmp, src, node) {
		WARN_ON_ONCE(1);
		hash_del(&src->node);
		kfree(src);
	}
}
