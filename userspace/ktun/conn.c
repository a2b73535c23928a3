// SPDX-License-Identifier: GPL-2.0
/*
 * ktun conn show: the connections ktun secures or is securing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/ktun.h>

#include "ktun.h"

static const char *const state_names[4] = {
	[KTUN_CONN_STATE_HANDSHAKE] = "handshake",
	[KTUN_CONN_STATE_SECURE] = "secure",
	[KTUN_CONN_STATE_FAILED] = "failed",
};

static const char *const role_names[3] = {
	[KTUN_ROLE_CLIENT] = "client",
	[KTUN_ROLE_SERVER] = "server",
};

struct conn {
	uint32_t id, policy, cipher, error;
	uint16_t family, lport, rport, version;
	uint8_t owner, role, state;
	uint64_t hs_usec, tx, rx, tx_rec, rx_rec;
	char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN];
	const char *peer;
	const char *reason;
};

static void conn_addr(const struct nlattr *a, char *out)
{
	unsigned int len = mnl_attr_get_payload_len(a);

	if (len == 4 || len == 16)
		inet_ntop(len == 4 ? AF_INET : AF_INET6, mnl_attr_get_payload(a),
			  out, INET6_ADDRSTRLEN);
}

static void conn_parse(const struct nlmsghdr *nlh, struct conn *c)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case KTUN_A_CONN_ID: c->id = mnl_attr_get_u32(a); break;
		case KTUN_A_CONN_FAMILY: c->family = mnl_attr_get_u16(a); break;
		case KTUN_A_CONN_LOCAL_ADDR: conn_addr(a, c->local); break;
		case KTUN_A_CONN_REMOTE_ADDR: conn_addr(a, c->remote); break;
		case KTUN_A_CONN_LOCAL_PORT: c->lport = mnl_attr_get_u16(a); break;
		case KTUN_A_CONN_REMOTE_PORT: c->rport = mnl_attr_get_u16(a); break;
		case KTUN_A_CONN_OWNER: c->owner = mnl_attr_get_u8(a); break;
		case KTUN_A_CONN_ROLE: c->role = mnl_attr_get_u8(a); break;
		case KTUN_A_CONN_STATE: c->state = mnl_attr_get_u8(a); break;
		case KTUN_A_CONN_POLICY_ID: c->policy = mnl_attr_get_u32(a); break;
		case KTUN_A_CONN_VERSION: c->version = mnl_attr_get_u16(a); break;
		case KTUN_A_CONN_CIPHER: c->cipher = mnl_attr_get_u32(a); break;
		case KTUN_A_CONN_ERROR: c->error = mnl_attr_get_u32(a); break;
		case KTUN_A_CONN_HS_USEC: c->hs_usec = mnl_attr_get_u64(a); break;
		case KTUN_A_CONN_TX_BYTES: c->tx = mnl_attr_get_u64(a); break;
		case KTUN_A_CONN_RX_BYTES: c->rx = mnl_attr_get_u64(a); break;
		case KTUN_A_CONN_TX_RECORDS: c->tx_rec = mnl_attr_get_u64(a); break;
		case KTUN_A_CONN_RX_RECORDS: c->rx_rec = mnl_attr_get_u64(a); break;
		case KTUN_A_CONN_PEER_IDENTITY:
			if (!mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
				c->peer = mnl_attr_get_str(a);
			break;
		case KTUN_A_CONN_REASON:
			if (!mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
				c->reason = mnl_attr_get_str(a);
			break;
		}
	}
}

static const char *cipher_name(uint32_t c)
{
	int i;

	for (i = 0; i < 3; i++)
		if (c == 1u << i)
			return cipher_names[i];
	return "none";
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

static void conn_text(const struct conn *c)
{
	bool v6 = c->family == AF_INET6;

	printf(v6 ? "conn %u [%s]:%u %s [%s]:%u" : "conn %u %s:%u %s %s:%u",
	       c->id, c->local, c->lport, c->role == KTUN_ROLE_CLIENT ? "->" : "<-",
	       c->remote, c->rport);
	printf(" %s %s owner %s policy %u", enum_name(state_names, 4, c->state),
	       enum_name(role_names, 3, c->role), owner_name(c->owner), c->policy);
	if (c->state == KTUN_CONN_STATE_SECURE) {
		printf(" %s %s peer ", version_name(c->version), cipher_name(c->cipher));
		print_escaped(c->peer ? c->peer : "?", false);
		printf(" handshake %.1fms", c->hs_usec / 1000.0);
	}
	if (c->state == KTUN_CONN_STATE_FAILED)
		printf(" error %s", strerror(c->error));
	printf(" tx %" PRIu64 " rx %" PRIu64, c->tx, c->rx);
	if (c->state == KTUN_CONN_STATE_SECURE)
		printf(" records tx %" PRIu64 " rx %" PRIu64, c->tx_rec, c->rx_rec);
	if (c->reason) {
		printf(" reason \"");
		print_escaped(c->reason, true);
		putchar('"');
	}
	putchar('\n');
}

static void conn_json(struct jw *w, const struct conn *c, const char *event)
{
	jw_begin(w, NULL, '{');
	if (event)
		jw_str(w, "event", event);
	jw_uint(w, "id", c->id);
	jw_str(w, "family", c->family == AF_INET6 ? "inet6" : "inet");
	jw_str(w, "local-addr", c->local);
	jw_uint(w, "local-port", c->lport);
	jw_str(w, "remote-addr", c->remote);
	jw_uint(w, "remote-port", c->rport);
	jw_str(w, "owner", owner_name(c->owner));
	jw_str(w, "role", enum_name(role_names, 3, c->role));
	jw_str(w, "state", enum_name(state_names, 4, c->state));
	jw_uint(w, "policy-id", c->policy);
	if (c->state == KTUN_CONN_STATE_SECURE) {
		jw_str(w, "version", version_name(c->version));
		jw_str(w, "cipher", cipher_name(c->cipher));
		jw_str(w, "peer-identity", c->peer ? c->peer : "");
		jw_uint(w, "hs-usec", c->hs_usec);
	}
	if (c->state == KTUN_CONN_STATE_FAILED)
		jw_uint(w, "error", c->error);
	jw_uint(w, "tx-bytes", c->tx);
	jw_uint(w, "rx-bytes", c->rx);
	if (c->state == KTUN_CONN_STATE_SECURE) {
		jw_uint(w, "tx-records", c->tx_rec);
		jw_uint(w, "rx-records", c->rx_rec);
	}
	if (c->reason)
		jw_str(w, "reason", c->reason);
	jw_end(w, '}');
}

static int conn_cb(const struct nlmsghdr *nlh, void *data)
{
	struct conn c = { .local = "?", .remote = "?" };

	conn_parse(nlh, &c);
	if (opts.json)
		conn_json(data, &c, NULL);
	else
		conn_text(&c);
	return MNL_CB_OK;
}

int cmd_conn(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct jw w = { .f = stdout };
	struct ktnl k = {};
	int ret;

	ret = only_show("conn", argc, argv, true);
	if (ret)
		return ret;
	ret = ktun_connect(&k);
	if (ret)
		return ret;
	if (opts.json)
		jw_begin(&w, NULL, '[');
	ret = ktun_send(&k, ktnl_req(&k, buf, KTUN_CMD_CONN_GET, NLM_F_DUMP), conn_cb,
			&w, "conn show");
	if (opts.json)
		jw_end(&w, ']');
	ktnl_close(&k);
	return ret;
}

/* ktun monitor: the spec's monitor group, one event per line. */
static int monitor_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct conn c = { .local = "?", .remote = "?" };
	const struct ktnl *k = data;
	const char *event;

	if (nlh->nlmsg_type != k->family_id)
		return MNL_CB_OK;
	switch (g->cmd) {
	case KTUN_CMD_CONN_UP: event = "up"; break;
	case KTUN_CMD_CONN_DOWN: event = "down"; break;
	case KTUN_CMD_CONN_FAILED: event = "failed"; break;
	default: return MNL_CB_OK;
	}
	conn_parse(nlh, &c);
	if (opts.json) {
		struct jw w = { .f = stdout };	/* one object per line */

		conn_json(&w, &c, event);
	} else {
		printf("%s ", event);
		conn_text(&c);
	}
	fflush(stdout);
	return MNL_CB_OK;
}

int cmd_monitor(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ktnl k = {};
	int ret;

	if (argc > 0)
		return usage_err("monitor takes no arguments (got \"%s\")", argv[0]);
	ret = ktun_connect(&k);
	if (ret)
		return ret;
	ret = ktnl_subscribe(&k, KTUN_MCGRP_MONITOR);
	if (ret) {
		fprintf(stderr, "ktun: monitor: cannot join the \"%s\" group: %s\n",
			KTUN_MCGRP_MONITOR, ret == -ENOENT ?
			"the loaded ktun module has no such group" : strerror(-ret));
		ktnl_close(&k);
		return KTUN_EXIT_FAIL;
	}
	/* Tells a script it may now cause events: none will be missed. */
	fprintf(stderr, "ktun: monitoring connection events\n");
	for (;;) {
		ret = mnl_socket_recvfrom(k.nl, buf, sizeof(buf));
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "ktun: monitor: %s\n", errno == ENOBUFS ?
				"receive overrun, events were lost" : strerror(errno));
			break;
		}
		ret = mnl_cb_run(buf, ret, 0, 0, monitor_cb, &k);
		if (ret < 0) {
			fprintf(stderr, "ktun: monitor: %s\n", strerror(errno));
			break;
		}
	}
	ktnl_close(&k);
	return KTUN_EXIT_FAIL;
}
