/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktun_msg: the "ktun" family's messages as C structs, and their codec.
 *
 * One struct per attribute set of Documentation/netlink/specs/ktun.yaml
 * (policy, conn, hs), a parser from a message and, for what user space
 * sends, an encoder into one.  ktun(8), ktund(8) and the selftests use
 * these instead of walking attributes themselves, so each attribute is
 * read and checked in one place.
 *
 * Parsers skip attributes they do not know (a newer kernel) and return
 * -EBADMSG for a known attribute of the wrong size; strings and binary
 * payloads point into the message, which must outlive the struct.
 * @has holds KTUN_HAS(attribute) for every attribute present.
 */
#ifndef KTUN_MSG_H
#define KTUN_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <libmnl/libmnl.h>
#include <linux/ktun.h>

#define KTUN_HAS(attr)	(1u << (attr))

/* Names of the spec's enum values ("unknown" for anything else). */
const char *ktun_direction_name(unsigned int v);
const char *ktun_owner_name(unsigned int v);
const char *ktun_role_name(unsigned int v);
const char *ktun_conn_state_name(unsigned int v);
/* The value named @s (a spec name), or -1. */
int ktun_direction_lookup(const char *s);
int ktun_owner_lookup(const char *s);

/* One KTUN_CIPHER_* flag's spec name, or NULL. */
const char *ktun_cipher_name(uint32_t flag);
/* The flag named @s, or 0. */
uint32_t ktun_cipher_lookup(const char *s);
/* Every cipher flag, lowest first. */
#define ktun_for_each_cipher(flag) \
	for ((flag) = 1; (flag) & KTUN_CIPHER_MASK; (flag) <<= 1)

/* An IPv4 or IPv6 address; @family 0 when absent. */
struct ktun_addr {
	uint16_t family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

/* Its text form in @buf (INET6_ADDRSTRLEN bytes), or @none when absent. */
const char *ktun_addr_str(const struct ktun_addr *a, char *buf, const char *none);

/* A peer identity, in message order: KTUN_A_*_PEER_URI or _PEER_DNS. */
struct ktun_ident {
	uint16_t type;
	const char *name;
};

/* The policy attribute set: a policy, a policy request, a match query. */
struct ktun_policy {
	uint32_t has;
	uint32_t id;
	uint16_t family;
	struct ktun_addr remote, local;		/* the prefixes' addresses */
	uint8_t remote_len, local_len;
	uint16_t rport_min, rport_max, lport_min, lport_max;
	uint8_t direction, owner, action;
	uint32_t ciphers, hs_timeout_ms;
	struct ktun_ident idents[KTUN_MAX_IDENTS];
	unsigned int n_idents, n_uri, n_dns;
};

int ktun_policy_parse(const struct nlmsghdr *nlh, struct ktun_policy *p);
/* Adds @p's attributes (those in @has, and its addresses and identities). */
void ktun_policy_put(struct nlmsghdr *nlh, const struct ktun_policy *p);

/* The conn attribute set: a conn-get reply or a monitor event. */
struct ktun_conn {
	uint32_t has;
	uint32_t id, policy_id, cipher, error;
	uint16_t family, local_port, remote_port, version;
	uint8_t owner, role, state;
	uint64_t hs_usec, tx_bytes, rx_bytes, tx_records, rx_records;
	struct ktun_addr local, remote;
	const char *peer_identity;
	const char *reason;
};

int ktun_conn_parse(const struct nlmsghdr *nlh, struct ktun_conn *c);

/* One direction's traffic keys in an hs-done. */
struct ktun_hs_keys {
	const uint8_t *key, *salt, *iv, *seq;
	size_t key_len, salt_len, iv_len;	/* the sequence is 8 bytes */
};

/* The hs attribute set: the daemon protocol, both ways. */
struct ktun_hs {
	uint32_t has;
	uint32_t id, policy_id, ciphers, cipher;
	uint16_t family, local_port, remote_port, version;
	uint8_t role, more;
	const void *local_addr, *remote_addr;	/* 4 or 16 bytes, by family */
	size_t local_addr_len, remote_addr_len;
	const void *record, *data;
	size_t record_len, data_len;
	struct ktun_hs_keys tx, rx;
	struct ktun_ident idents[KTUN_MAX_IDENTS];
	unsigned int n_idents;
	const char *peer_identity;
	const char *reason;
};

int ktun_hs_parse(const struct nlmsghdr *nlh, struct ktun_hs *h);
/*
 * Adds @h's attributes in @has; data only when @data_len is not 0, and
 * for the keys, a salt only when @salt_len is not 0.
 */
void ktun_hs_put(struct nlmsghdr *nlh, const struct ktun_hs *h);

/* A stats attribute: its spec name and value, or NULL if unknown. */
const char *ktun_stat(const struct nlattr *attr, unsigned long long *v);

#endif /* KTUN_MSG_H */
