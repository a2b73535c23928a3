// SPDX-License-Identifier: GPL-2.0
/*
 * ktun(8)'s output: policies, connections and counters as text or JSON.
 *
 * Text uses the keywords of "policy add", so a shown policy can be pasted
 * back and "policy show" output loaded ("policy load"); JSON uses the
 * spec's attribute names.  Everything here reads the structs of
 * ../lib/ktun_msg.h and nothing of netlink.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>

#include "ktun.h"

static const char *family_name(uint16_t family)
{
	return family == AF_INET ? "inet" : family == AF_INET6 ? "inet6" : "any";
}

static void print_ports(const char *kw, uint16_t min, uint16_t max)
{
	if (min == max && min)
		printf(" %s %u", kw, min);
	else if (min)
		printf(" %s %u-%u", kw, min, max);
}

static void print_idents(const struct ktun_policy *p, uint16_t type, const char *kw)
{
	unsigned int i;

	for (i = 0; i < p->n_idents; i++)
		if (p->idents[i].type == type)
			printf(" %s %s", kw, p->idents[i].name);
}

static void policy_text(const struct ktun_policy *p)
{
	char addr[INET6_ADDRSTRLEN];
	const char *sep = "";
	uint32_t c;

	printf("policy %u family %s", p->id, family_name(p->family));
	if (p->remote.family)
		printf(" remote %s/%u", ktun_addr_str(&p->remote, addr, ""), p->remote_len);
	if (p->local.family)
		printf(" local %s/%u", ktun_addr_str(&p->local, addr, ""), p->local_len);
	print_ports("rport", p->rport_min, p->rport_max);
	print_ports("lport", p->lport_min, p->lport_max);
	printf(" dir %s owner %s", ktun_direction_name(p->direction),
	       ktun_owner_name(p->owner));
	print_idents(p, KTUN_A_POLICY_PEER_URI, "peer-uri");
	print_idents(p, KTUN_A_POLICY_PEER_DNS, "peer-dns");
	if (p->action == KTUN_ACTION_REQUIRE) {
		printf(" require\n");
		return;
	}
	printf(" cipher ");
	ktun_for_each_cipher(c) {
		if (p->ciphers & c) {
			printf("%s%s", sep, ktun_cipher_name(c));
			sep = ",";
		}
	}
	printf(" timeout %ums\n", p->hs_timeout_ms);
}

static void json_idents(struct jw *w, const struct ktun_policy *p, uint16_t type,
			const char *key)
{
	unsigned int i;

	jw_begin(w, key, '[');
	for (i = 0; i < p->n_idents; i++)
		if (p->idents[i].type == type)
			jw_str(w, NULL, p->idents[i].name);
	jw_end(w, ']');
}

static void json_prefix(struct jw *w, const struct ktun_addr *a, uint8_t len,
			bool v4, const char *side)
{
	char addr[INET6_ADDRSTRLEN], key[32];

	if (!a->family)
		return;
	snprintf(key, sizeof(key), "%s-%s", side, v4 ? "ipv4" : "ipv6");
	jw_str(w, key, ktun_addr_str(a, addr, ""));
	snprintf(key, sizeof(key), "%s-prefix-len", side);
	jw_uint(w, key, len);
}

static void policy_json(struct jw *w, const struct ktun_policy *p)
{
	bool v4 = p->family == AF_INET;
	uint32_t c;

	jw_begin(w, NULL, '{');
	jw_uint(w, "id", p->id);
	jw_str(w, "family", family_name(p->family));
	json_prefix(w, &p->remote, p->remote_len, v4, "remote");
	json_prefix(w, &p->local, p->local_len, v4, "local");
	if (p->rport_min) {
		jw_uint(w, "remote-port-min", p->rport_min);
		jw_uint(w, "remote-port-max", p->rport_max);
	}
	if (p->lport_min) {
		jw_uint(w, "local-port-min", p->lport_min);
		jw_uint(w, "local-port-max", p->lport_max);
	}
	jw_str(w, "direction", ktun_direction_name(p->direction));
	jw_str(w, "owner", ktun_owner_name(p->owner));
	jw_str(w, "action", p->action == KTUN_ACTION_REQUIRE ? "require" : "secure");
	json_idents(w, p, KTUN_A_POLICY_PEER_URI, "peer-uri");
	json_idents(w, p, KTUN_A_POLICY_PEER_DNS, "peer-dns");
	if (p->action != KTUN_ACTION_REQUIRE) {
		jw_begin(w, "ciphers", '[');
		ktun_for_each_cipher(c)
			if (p->ciphers & c)
				jw_str(w, NULL, ktun_cipher_name(c));
		jw_end(w, ']');
		jw_uint(w, "hs-timeout-ms", p->hs_timeout_ms);
	}
	jw_end(w, '}');
}

void print_policy(struct jw *w, const struct ktun_policy *p)
{
	if (opts.json)
		policy_json(w, p);
	else
		policy_text(p);
}

static const char *conn_cipher_name(uint32_t c)
{
	const char *name = ktun_cipher_name(c);

	return name ? name : "none";
}

/* The record-layer version kTLS runs (TLS_1_2_VERSION, TLS_1_3_VERSION). */
static const char *version_name(uint16_t v)
{
	return v == 0x0304 ? "tls1.3" : v == 0x0303 ? "tls1.2" : "unknown";
}

/*
 * Prints @s so that a line stays one line and one field: backslash,
 * quote, spaces (outside quotes), control and non-ASCII bytes as \xNN.
 * Reasons come from the daemon, identities from a peer's certificate.
 */
static void print_escaped(const char *s, bool quoted)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '\\' || *p == '"' ||
		    (*p == ' ' && !quoted))
			printf("\\x%02x", *p);
		else
			putchar(*p);
	}
}

static void conn_text(const struct ktun_conn *c)
{
	char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN];
	bool v6 = c->family == AF_INET6;

	printf(v6 ? "conn %u [%s]:%u %s [%s]:%u" : "conn %u %s:%u %s %s:%u",
	       c->id, ktun_addr_str(&c->local, local, "?"), c->local_port,
	       c->role == KTUN_ROLE_CLIENT ? "->" : "<-",
	       ktun_addr_str(&c->remote, remote, "?"), c->remote_port);
	printf(" %s %s owner %s policy %u", ktun_conn_state_name(c->state),
	       ktun_role_name(c->role), ktun_owner_name(c->owner), c->policy_id);
	if (c->state == KTUN_CONN_STATE_SECURE) {
		printf(" %s %s peer ", version_name(c->version),
		       conn_cipher_name(c->cipher));
		print_escaped(c->peer_identity ? c->peer_identity : "?", false);
		printf(" handshake %.1fms", c->hs_usec / 1000.0);
	}
	if (c->state == KTUN_CONN_STATE_FAILED)
		printf(" error %s", strerror(c->error));
	printf(" tx %" PRIu64 " rx %" PRIu64, c->tx_bytes, c->rx_bytes);
	if (c->state == KTUN_CONN_STATE_SECURE)
		printf(" records tx %" PRIu64 " rx %" PRIu64, c->tx_records,
		       c->rx_records);
	if (c->reason) {
		printf(" reason \"");
		print_escaped(c->reason, true);
		putchar('"');
	}
	putchar('\n');
}

static void conn_json(struct jw *w, const struct ktun_conn *c, const char *event)
{
	char addr[INET6_ADDRSTRLEN];

	jw_begin(w, NULL, '{');
	if (event)
		jw_str(w, "event", event);
	jw_uint(w, "id", c->id);
	jw_str(w, "family", c->family == AF_INET6 ? "inet6" : "inet");
	jw_str(w, "local-addr", ktun_addr_str(&c->local, addr, "?"));
	jw_uint(w, "local-port", c->local_port);
	jw_str(w, "remote-addr", ktun_addr_str(&c->remote, addr, "?"));
	jw_uint(w, "remote-port", c->remote_port);
	jw_str(w, "owner", ktun_owner_name(c->owner));
	jw_str(w, "role", ktun_role_name(c->role));
	jw_str(w, "state", ktun_conn_state_name(c->state));
	jw_uint(w, "policy-id", c->policy_id);
	if (c->state == KTUN_CONN_STATE_SECURE) {
		jw_str(w, "version", version_name(c->version));
		jw_str(w, "cipher", conn_cipher_name(c->cipher));
		jw_str(w, "peer-identity", c->peer_identity ? c->peer_identity : "");
		jw_uint(w, "hs-usec", c->hs_usec);
	}
	if (c->state == KTUN_CONN_STATE_FAILED)
		jw_uint(w, "error", c->error);
	jw_uint(w, "tx-bytes", c->tx_bytes);
	jw_uint(w, "rx-bytes", c->rx_bytes);
	if (c->state == KTUN_CONN_STATE_SECURE) {
		jw_uint(w, "tx-records", c->tx_records);
		jw_uint(w, "rx-records", c->rx_records);
	}
	if (c->reason)
		jw_str(w, "reason", c->reason);
	jw_end(w, '}');
}

void print_conn(struct jw *w, const struct ktun_conn *c, const char *event)
{
	if (opts.json) {
		conn_json(w, c, event);
		return;
	}
	if (event)
		printf("%s ", event);
	conn_text(c);
}

void print_stat(struct jw *w, const char *name, unsigned long long v)
{
	if (opts.json)
		jw_uint(w, name, v);
	else
		printf("%s %llu\n", name, v);
}
