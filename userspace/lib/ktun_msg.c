// SPDX-License-Identifier: GPL-2.0
/*
 * ktun_msg: encode and decode the "ktun" family's messages.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>

#include "ktun_msg.h"

_Static_assert(KTUN_A_POLICY_MAX < 32 && KTUN_A_CONN_MAX < 32 && KTUN_A_HS_MAX < 32,
	       "@has holds one bit per attribute");

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const direction_names[KTUN_DIRECTION_MAX + 1] = {
	[KTUN_DIRECTION_OUT] = "out",
	[KTUN_DIRECTION_IN] = "in",
	[KTUN_DIRECTION_BOTH] = "both",
};

static const char *const owner_names[KTUN_OWNER_MAX + 1] = {
	[KTUN_OWNER_KERNEL] = "kernel",
	[KTUN_OWNER_USER] = "user",
	[KTUN_OWNER_ANY] = "any",
};

static const char *const role_names[KTUN_ROLE_MAX + 1] = {
	[KTUN_ROLE_CLIENT] = "client",
	[KTUN_ROLE_SERVER] = "server",
};

static const char *const state_names[KTUN_CONN_STATE_MAX + 1] = {
	[KTUN_CONN_STATE_HANDSHAKE] = "handshake",
	[KTUN_CONN_STATE_SECURE] = "secure",
	[KTUN_CONN_STATE_FAILED] = "failed",
};

/* The spec's cipher flags, lowest bit first. */
static const char *const cipher_names[] = {
	"aes-128-gcm", "aes-256-gcm", "chacha20-poly1305",
};
_Static_assert(KTUN_CIPHER_MASK == (1u << ARRAY_LEN(cipher_names)) - 1,
	       "a name for every cipher flag");

static const char *name_of(const char *const *names, unsigned int n, unsigned int v)
{
	return v < n && names[v] ? names[v] : "unknown";
}

static int lookup(const char *const *names, unsigned int n, const char *s)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return i;
	return -1;
}

const char *ktun_direction_name(unsigned int v)
{
	return name_of(direction_names, ARRAY_LEN(direction_names), v);
}

const char *ktun_owner_name(unsigned int v)
{
	return name_of(owner_names, ARRAY_LEN(owner_names), v);
}

const char *ktun_role_name(unsigned int v)
{
	return name_of(role_names, ARRAY_LEN(role_names), v);
}

const char *ktun_conn_state_name(unsigned int v)
{
	return name_of(state_names, ARRAY_LEN(state_names), v);
}

int ktun_direction_lookup(const char *s)
{
	return lookup(direction_names, ARRAY_LEN(direction_names), s);
}

int ktun_owner_lookup(const char *s)
{
	return lookup(owner_names, ARRAY_LEN(owner_names), s);
}

const char *ktun_cipher_name(uint32_t flag)
{
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(cipher_names); i++)
		if (flag == 1u << i)
			return cipher_names[i];
	return NULL;
}

uint32_t ktun_cipher_lookup(const char *s)
{
	int i = lookup(cipher_names, ARRAY_LEN(cipher_names), s);

	return i < 0 ? 0 : 1u << i;
}

const char *ktun_addr_str(const struct ktun_addr *a, char *buf, const char *none)
{
	if (!a->family)
		return none;
	inet_ntop(a->family, &a->v6, buf, INET6_ADDRSTRLEN);
	return buf;
}

/*
 * What the parsers accept of an attribute: at least N bytes (a fixed-size
 * one), a NUL-terminated string (STR) or any payload (BIN); 0: unknown.
 */
#define STR	0xff
#define BIN	0xfe

static bool attr_ok(const struct nlattr *a, uint8_t len)
{
	if (len == STR)
		return !mnl_attr_validate(a, MNL_TYPE_NUL_STRING);
	return len == BIN || mnl_attr_get_payload_len(a) >= len;
}

#define for_each_attr(a, nlh) mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))

static void get_addr(const struct nlattr *a, uint16_t family, struct ktun_addr *out)
{
	out->family = family;
	memcpy(&out->v6, mnl_attr_get_payload(a), family == AF_INET ? 4 : 16);
}

static int add_ident(struct ktun_ident *idents, unsigned int *n,
		     const struct nlattr *a)
{
	if (*n == KTUN_MAX_IDENTS)
		return 0;	/* the kernel sends no more */
	idents[*n].type = mnl_attr_get_type(a);
	idents[(*n)++].name = mnl_attr_get_str(a);
	return 1;
}

static const uint8_t policy_len[KTUN_A_POLICY_MAX + 1] = {
	[KTUN_A_POLICY_ID] = 4, [KTUN_A_POLICY_FAMILY] = 2,
	[KTUN_A_POLICY_REMOTE_IPV4] = 4, [KTUN_A_POLICY_REMOTE_IPV6] = 16,
	[KTUN_A_POLICY_LOCAL_IPV4] = 4, [KTUN_A_POLICY_LOCAL_IPV6] = 16,
	[KTUN_A_POLICY_REMOTE_PREFIX_LEN] = 1, [KTUN_A_POLICY_LOCAL_PREFIX_LEN] = 1,
	[KTUN_A_POLICY_REMOTE_PORT_MIN] = 2, [KTUN_A_POLICY_REMOTE_PORT_MAX] = 2,
	[KTUN_A_POLICY_LOCAL_PORT_MIN] = 2, [KTUN_A_POLICY_LOCAL_PORT_MAX] = 2,
	[KTUN_A_POLICY_DIRECTION] = 1, [KTUN_A_POLICY_OWNER] = 1,
	[KTUN_A_POLICY_PEER_URI] = STR, [KTUN_A_POLICY_PEER_DNS] = STR,
	[KTUN_A_POLICY_CIPHERS] = 4, [KTUN_A_POLICY_HS_TIMEOUT_MS] = 4,
	[KTUN_A_POLICY_ACTION] = 1,
};

static void policy_attr(const struct nlattr *a, struct ktun_policy *p)
{
	switch (mnl_attr_get_type(a)) {
	case KTUN_A_POLICY_ID: p->id = mnl_attr_get_u32(a); break;
	case KTUN_A_POLICY_FAMILY: p->family = mnl_attr_get_u16(a); break;
	case KTUN_A_POLICY_REMOTE_IPV4: get_addr(a, AF_INET, &p->remote); break;
	case KTUN_A_POLICY_REMOTE_IPV6: get_addr(a, AF_INET6, &p->remote); break;
	case KTUN_A_POLICY_LOCAL_IPV4: get_addr(a, AF_INET, &p->local); break;
	case KTUN_A_POLICY_LOCAL_IPV6: get_addr(a, AF_INET6, &p->local); break;
	case KTUN_A_POLICY_REMOTE_PREFIX_LEN: p->remote_len = mnl_attr_get_u8(a); break;
	case KTUN_A_POLICY_LOCAL_PREFIX_LEN: p->local_len = mnl_attr_get_u8(a); break;
	case KTUN_A_POLICY_REMOTE_PORT_MIN: p->rport_min = mnl_attr_get_u16(a); break;
	case KTUN_A_POLICY_REMOTE_PORT_MAX: p->rport_max = mnl_attr_get_u16(a); break;
	case KTUN_A_POLICY_LOCAL_PORT_MIN: p->lport_min = mnl_attr_get_u16(a); break;
	case KTUN_A_POLICY_LOCAL_PORT_MAX: p->lport_max = mnl_attr_get_u16(a); break;
	case KTUN_A_POLICY_DIRECTION: p->direction = mnl_attr_get_u8(a); break;
	case KTUN_A_POLICY_OWNER: p->owner = mnl_attr_get_u8(a); break;
	case KTUN_A_POLICY_CIPHERS: p->ciphers = mnl_attr_get_u32(a); break;
	case KTUN_A_POLICY_HS_TIMEOUT_MS: p->hs_timeout_ms = mnl_attr_get_u32(a); break;
	case KTUN_A_POLICY_ACTION: p->action = mnl_attr_get_u8(a); break;
	case KTUN_A_POLICY_PEER_URI:
		p->n_uri += add_ident(p->idents, &p->n_idents, a);
		break;
	case KTUN_A_POLICY_PEER_DNS:
		p->n_dns += add_ident(p->idents, &p->n_idents, a);
		break;
	}
}

int ktun_policy_parse(const struct nlmsghdr *nlh, struct ktun_policy *p)
{
	const struct nlattr *a;

	memset(p, 0, sizeof(*p));
	for_each_attr(a, nlh) {
		unsigned int type = mnl_attr_get_type(a);

		if (type > KTUN_A_POLICY_MAX || !policy_len[type])
			continue;	/* newer kernel: ignore what we do not know */
		if (!attr_ok(a, policy_len[type]))
			return -EBADMSG;
		p->has |= KTUN_HAS(type);
		policy_attr(a, p);
	}
	return 0;
}

static void put_addr(struct nlmsghdr *nlh, const struct ktun_addr *a, int v4, int v6)
{
	if (a->family == AF_INET)
		mnl_attr_put(nlh, v4, 4, &a->v4);
	else if (a->family == AF_INET6)
		mnl_attr_put(nlh, v6, 16, &a->v6);
}

static void put_u8(struct nlmsghdr *nlh, uint32_t has, int type, uint8_t v)
{
	if (has & KTUN_HAS(type))
		mnl_attr_put_u8(nlh, type, v);
}

static void put_u16(struct nlmsghdr *nlh, uint32_t has, int type, uint16_t v)
{
	if (has & KTUN_HAS(type))
		mnl_attr_put_u16(nlh, type, v);
}

static void put_u32(struct nlmsghdr *nlh, uint32_t has, int type, uint32_t v)
{
	if (has & KTUN_HAS(type))
		mnl_attr_put_u32(nlh, type, v);
}

static void put_idents(struct nlmsghdr *nlh, const struct ktun_ident *idents,
		       unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		mnl_attr_put_strz(nlh, idents[i].type, idents[i].name);
}

void ktun_policy_put(struct nlmsghdr *nlh, const struct ktun_policy *p)
{
	uint32_t has = p->has;

	put_u32(nlh, has, KTUN_A_POLICY_ID, p->id);
	put_u16(nlh, has, KTUN_A_POLICY_FAMILY, p->family);
	put_addr(nlh, &p->remote, KTUN_A_POLICY_REMOTE_IPV4, KTUN_A_POLICY_REMOTE_IPV6);
	put_u8(nlh, has, KTUN_A_POLICY_REMOTE_PREFIX_LEN, p->remote_len);
	put_addr(nlh, &p->local, KTUN_A_POLICY_LOCAL_IPV4, KTUN_A_POLICY_LOCAL_IPV6);
	put_u8(nlh, has, KTUN_A_POLICY_LOCAL_PREFIX_LEN, p->local_len);
	put_u16(nlh, has, KTUN_A_POLICY_REMOTE_PORT_MIN, p->rport_min);
	put_u16(nlh, has, KTUN_A_POLICY_REMOTE_PORT_MAX, p->rport_max);
	put_u16(nlh, has, KTUN_A_POLICY_LOCAL_PORT_MIN, p->lport_min);
	put_u16(nlh, has, KTUN_A_POLICY_LOCAL_PORT_MAX, p->lport_max);
	put_u8(nlh, has, KTUN_A_POLICY_DIRECTION, p->direction);
	put_u8(nlh, has, KTUN_A_POLICY_OWNER, p->owner);
	put_idents(nlh, p->idents, p->n_idents);
	put_u32(nlh, has, KTUN_A_POLICY_CIPHERS, p->ciphers);
	put_u32(nlh, has, KTUN_A_POLICY_HS_TIMEOUT_MS, p->hs_timeout_ms);
	put_u8(nlh, has, KTUN_A_POLICY_ACTION, p->action);
}

static const uint8_t conn_len[KTUN_A_CONN_MAX + 1] = {
	[KTUN_A_CONN_ID] = 4, [KTUN_A_CONN_FAMILY] = 2,
	[KTUN_A_CONN_LOCAL_ADDR] = 4, [KTUN_A_CONN_REMOTE_ADDR] = 4,
	[KTUN_A_CONN_LOCAL_PORT] = 2, [KTUN_A_CONN_REMOTE_PORT] = 2,
	[KTUN_A_CONN_OWNER] = 1, [KTUN_A_CONN_ROLE] = 1, [KTUN_A_CONN_STATE] = 1,
	[KTUN_A_CONN_POLICY_ID] = 4, [KTUN_A_CONN_VERSION] = 2,
	[KTUN_A_CONN_CIPHER] = 4, [KTUN_A_CONN_PEER_IDENTITY] = STR,
	[KTUN_A_CONN_ERROR] = 4, [KTUN_A_CONN_HS_USEC] = 8,
	[KTUN_A_CONN_TX_BYTES] = 8, [KTUN_A_CONN_RX_BYTES] = 8,
	[KTUN_A_CONN_REASON] = STR, [KTUN_A_CONN_TX_RECORDS] = 8,
	[KTUN_A_CONN_RX_RECORDS] = 8,
};

/* An address of either family, told apart by its length. */
static void conn_addr(const struct nlattr *a, struct ktun_addr *out)
{
	unsigned int len = mnl_attr_get_payload_len(a);

	if (len == 4 || len == 16)
		get_addr(a, len == 4 ? AF_INET : AF_INET6, out);
}

static void conn_attr(const struct nlattr *a, struct ktun_conn *c)
{
	switch (mnl_attr_get_type(a)) {
	case KTUN_A_CONN_ID: c->id = mnl_attr_get_u32(a); break;
	case KTUN_A_CONN_FAMILY: c->family = mnl_attr_get_u16(a); break;
	case KTUN_A_CONN_LOCAL_ADDR: conn_addr(a, &c->local); break;
	case KTUN_A_CONN_REMOTE_ADDR: conn_addr(a, &c->remote); break;
	case KTUN_A_CONN_LOCAL_PORT: c->local_port = mnl_attr_get_u16(a); break;
	case KTUN_A_CONN_REMOTE_PORT: c->remote_port = mnl_attr_get_u16(a); break;
	case KTUN_A_CONN_OWNER: c->owner = mnl_attr_get_u8(a); break;
	case KTUN_A_CONN_ROLE: c->role = mnl_attr_get_u8(a); break;
	case KTUN_A_CONN_STATE: c->state = mnl_attr_get_u8(a); break;
	case KTUN_A_CONN_POLICY_ID: c->policy_id = mnl_attr_get_u32(a); break;
	case KTUN_A_CONN_VERSION: c->version = mnl_attr_get_u16(a); break;
	case KTUN_A_CONN_CIPHER: c->cipher = mnl_attr_get_u32(a); break;
	case KTUN_A_CONN_ERROR: c->error = mnl_attr_get_u32(a); break;
	case KTUN_A_CONN_HS_USEC: c->hs_usec = mnl_attr_get_u64(a); break;
	case KTUN_A_CONN_TX_BYTES: c->tx_bytes = mnl_attr_get_u64(a); break;
	case KTUN_A_CONN_RX_BYTES: c->rx_bytes = mnl_attr_get_u64(a); break;
	case KTUN_A_CONN_TX_RECORDS: c->tx_records = mnl_attr_get_u64(a); break;
	case KTUN_A_CONN_RX_RECORDS: c->rx_records = mnl_attr_get_u64(a); break;
	case KTUN_A_CONN_PEER_IDENTITY: c->peer_identity = mnl_attr_get_str(a); break;
	case KTUN_A_CONN_REASON: c->reason = mnl_attr_get_str(a); break;
	}
}

int ktun_conn_parse(const struct nlmsghdr *nlh, struct ktun_conn *c)
{
	const struct nlattr *a;

	memset(c, 0, sizeof(*c));
	for_each_attr(a, nlh) {
		unsigned int type = mnl_attr_get_type(a);

		if (type > KTUN_A_CONN_MAX || !conn_len[type])
			continue;
		if (!attr_ok(a, conn_len[type]))
			return -EBADMSG;
		c->has |= KTUN_HAS(type);
		conn_attr(a, c);
	}
	return 0;
}

static const uint8_t hs_len[KTUN_A_HS_MAX + 1] = {
	[KTUN_A_HS_ID] = 4, [KTUN_A_HS_ROLE] = 1, [KTUN_A_HS_FAMILY] = 2,
	[KTUN_A_HS_LOCAL_ADDR] = BIN, [KTUN_A_HS_REMOTE_ADDR] = BIN,
	[KTUN_A_HS_LOCAL_PORT] = 2, [KTUN_A_HS_REMOTE_PORT] = 2,
	[KTUN_A_HS_POLICY_ID] = 4, [KTUN_A_HS_PEER_URI] = STR,
	[KTUN_A_HS_PEER_DNS] = STR, [KTUN_A_HS_CIPHERS] = 4,
	[KTUN_A_HS_RECORD] = BIN, [KTUN_A_HS_DATA] = BIN, [KTUN_A_HS_MORE] = 1,
	[KTUN_A_HS_VERSION] = 2, [KTUN_A_HS_CIPHER] = 4,
	[KTUN_A_HS_TX_KEY] = BIN, [KTUN_A_HS_TX_SALT] = BIN, [KTUN_A_HS_TX_IV] = BIN,
	[KTUN_A_HS_TX_SEQ] = 8, [KTUN_A_HS_RX_KEY] = BIN, [KTUN_A_HS_RX_SALT] = BIN,
	[KTUN_A_HS_RX_IV] = BIN, [KTUN_A_HS_RX_SEQ] = 8,
	[KTUN_A_HS_PEER_IDENTITY] = STR, [KTUN_A_HS_REASON] = STR,
};

static const uint8_t *hs_bytes(const struct nlattr *a, size_t *len)
{
	*len = mnl_attr_get_payload_len(a);
	return mnl_attr_get_payload(a);
}

static void hs_attr(const struct nlattr *a, struct ktun_hs *h)
{
	size_t unused;

	switch (mnl_attr_get_type(a)) {
	case KTUN_A_HS_ID: h->id = mnl_attr_get_u32(a); break;
	case KTUN_A_HS_ROLE: h->role = mnl_attr_get_u8(a); break;
	case KTUN_A_HS_FAMILY: h->family = mnl_attr_get_u16(a); break;
	case KTUN_A_HS_LOCAL_ADDR: h->local_addr = hs_bytes(a, &h->local_addr_len); break;
	case KTUN_A_HS_REMOTE_ADDR: h->remote_addr = hs_bytes(a, &h->remote_addr_len); break;
	case KTUN_A_HS_LOCAL_PORT: h->local_port = mnl_attr_get_u16(a); break;
	case KTUN_A_HS_REMOTE_PORT: h->remote_port = mnl_attr_get_u16(a); break;
	case KTUN_A_HS_POLICY_ID: h->policy_id = mnl_attr_get_u32(a); break;
	case KTUN_A_HS_PEER_URI:
	case KTUN_A_HS_PEER_DNS: add_ident(h->idents, &h->n_idents, a); break;
	case KTUN_A_HS_CIPHERS: h->ciphers = mnl_attr_get_u32(a); break;
	case KTUN_A_HS_RECORD:
		h->record = mnl_attr_get_payload(a);
		h->record_len = mnl_attr_get_payload_len(a);
		break;
	case KTUN_A_HS_DATA:
		h->data = mnl_attr_get_payload(a);
		h->data_len = mnl_attr_get_payload_len(a);
		break;
	case KTUN_A_HS_MORE: h->more = mnl_attr_get_u8(a); break;
	case KTUN_A_HS_VERSION: h->version = mnl_attr_get_u16(a); break;
	case KTUN_A_HS_CIPHER: h->cipher = mnl_attr_get_u32(a); break;
	case KTUN_A_HS_TX_KEY: h->tx.key = hs_bytes(a, &h->tx.key_len); break;
	case KTUN_A_HS_TX_SALT: h->tx.salt = hs_bytes(a, &h->tx.salt_len); break;
	case KTUN_A_HS_TX_IV: h->tx.iv = hs_bytes(a, &h->tx.iv_len); break;
	case KTUN_A_HS_TX_SEQ: h->tx.seq = hs_bytes(a, &unused); break;
	case KTUN_A_HS_RX_KEY: h->rx.key = hs_bytes(a, &h->rx.key_len); break;
	case KTUN_A_HS_RX_SALT: h->rx.salt = hs_bytes(a, &h->rx.salt_len); break;
	case KTUN_A_HS_RX_IV: h->rx.iv = hs_bytes(a, &h->rx.iv_len); break;
	case KTUN_A_HS_RX_SEQ: h->rx.seq = hs_bytes(a, &unused); break;
	case KTUN_A_HS_PEER_IDENTITY: h->peer_identity = mnl_attr_get_str(a); break;
	case KTUN_A_HS_REASON: h->reason = mnl_attr_get_str(a); break;
	}
}

int ktun_hs_parse(const struct nlmsghdr *nlh, struct ktun_hs *h)
{
	const struct nlattr *a;

	memset(h, 0, sizeof(*h));
	for_each_attr(a, nlh) {
		unsigned int type = mnl_attr_get_type(a);

		if (type > KTUN_A_HS_MAX || !hs_len[type])
			continue;
		if (!attr_ok(a, hs_len[type]))
			return -EBADMSG;
		h->has |= KTUN_HAS(type);
		hs_attr(a, h);
	}
	return 0;
}

static void put_keys(struct nlmsghdr *nlh, uint32_t has, const struct ktun_hs_keys *k,
		     int key, int iv, int seq, int salt)
{
	if (!(has & KTUN_HAS(key)))
		return;
	mnl_attr_put(nlh, key, k->key_len, k->key);
	mnl_attr_put(nlh, iv, k->iv_len, k->iv);
	mnl_attr_put(nlh, seq, 8, k->seq);
	if (k->salt_len)
		mnl_attr_put(nlh, salt, k->salt_len, k->salt);
}

void ktun_hs_put(struct nlmsghdr *nlh, const struct ktun_hs *h)
{
	uint32_t has = h->has;

	put_u32(nlh, has, KTUN_A_HS_ID, h->id);
	if ((has & KTUN_HAS(KTUN_A_HS_DATA)) && h->data_len)
		mnl_attr_put(nlh, KTUN_A_HS_DATA, h->data_len, h->data);
	put_u8(nlh, has, KTUN_A_HS_MORE, h->more);
	put_u16(nlh, has, KTUN_A_HS_VERSION, h->version);
	put_u32(nlh, has, KTUN_A_HS_CIPHER, h->cipher);
	put_keys(nlh, has, &h->tx, KTUN_A_HS_TX_KEY, KTUN_A_HS_TX_IV,
		 KTUN_A_HS_TX_SEQ, KTUN_A_HS_TX_SALT);
	put_keys(nlh, has, &h->rx, KTUN_A_HS_RX_KEY, KTUN_A_HS_RX_IV,
		 KTUN_A_HS_RX_SEQ, KTUN_A_HS_RX_SALT);
	if (has & KTUN_HAS(KTUN_A_HS_PEER_IDENTITY))
		mnl_attr_put_strz(nlh, KTUN_A_HS_PEER_IDENTITY, h->peer_identity);
	if (has & KTUN_HAS(KTUN_A_HS_REASON))
		mnl_attr_put_strz(nlh, KTUN_A_HS_REASON, h->reason);
}

static const char *const stat_names[KTUN_A_STATS_MAX + 1] = {
	[KTUN_A_STATS_POLICIES] = "policies",
	[KTUN_A_STATS_POLICIES_TOTAL] = "policies-total",
	[KTUN_A_STATS_NETNS_TOTAL] = "netns-total",
	[KTUN_A_STATS_CONNS_TOTAL] = "conns-total",
	[KTUN_A_STATS_CONNS] = "conns",
	[KTUN_A_STATS_HANDSHAKES] = "handshakes",
	[KTUN_A_STATS_REFUSED] = "refused",
	[KTUN_A_STATS_MAX_HANDSHAKES] = "max-handshakes",
	[KTUN_A_STATS_MAX_HANDSHAKES_PER_SOURCE] = "max-handshakes-per-source",
	[KTUN_A_STATS_MAX_HANDSHAKES_PER_LISTENER] = "max-handshakes-per-listener",
};

const char *ktun_stat(const struct nlattr *attr, unsigned long long *v)
{
	unsigned int type = mnl_attr_get_type(attr);

	if (type > KTUN_A_STATS_MAX || !stat_names[type])
		return NULL;
	if (!mnl_attr_validate(attr, MNL_TYPE_U32))
		*v = mnl_attr_get_u32(attr);
	else if (!mnl_attr_validate(attr, MNL_TYPE_U64))
		*v = mnl_attr_get_u64(attr);
	else
		return NULL;
	return stat_names[type];
}
