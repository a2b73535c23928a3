// SPDX-License-Identifier: GPL-2.0
/*
 * ktund's netlink with the module: the registered socket, the hs-*
 * messages both ways (hs-start opens a TLS engine, each hs-record feeds
 * it one record, hs-abort forgets it; the engine's output goes back as
 * hs-data, hs-done with the keys, or hs-fail), the resync after a lost
 * message, and the receive loop.
 *
 * The main thread receives (run(), resync()) and hands every hs-*
 * message to a worker (worker.c); the workers handle them (nl_handle())
 * and send their answers themselves, on the same socket: a netlink send
 * is one whole message, and ktnl_req() takes sequence numbers atomically.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/ktun.h>

#include <mbedtls/platform_util.h>

#include "ktnl.h"
#include "ktun_msg.h"
#include "ktund.h"

static struct ktnl nl;
struct kt_tls_conf *tls_conf;

/* Sends a request on the registered socket; errors come to the loop. */
static void send_req(struct nlmsghdr *nlh)
{
	nlh->nlmsg_flags = NLM_F_REQUEST;	/* errors still come back */
	if (mnl_socket_sendto(nl.nl, nlh, nlh->nlmsg_len) < 0)
		say("sending to the module: %s", strerror(errno));
}

static void send_data(uint32_t id, const struct kt_buf *out, bool more)
{
	char buf[MNL_SOCKET_BUFFER_SIZE + 65536];
	struct nlmsghdr *nlh = ktnl_req(&nl, buf, KTUN_CMD_HS_DATA, 0);
	struct ktun_hs m = {
		.has = KTUN_HAS(KTUN_A_HS_ID) | KTUN_HAS(KTUN_A_HS_DATA) |
		       KTUN_HAS(KTUN_A_HS_MORE),
		.id = id, .data = out->data, .data_len = out->len, .more = more,
	};

	ktun_hs_put(nlh, &m);
	send_req(nlh);
}

static void send_fail(struct hs *h, const struct kt_buf *out, const char *why)
{
	char buf[MNL_SOCKET_BUFFER_SIZE + 65536];
	struct nlmsghdr *nlh = ktnl_req(&nl, buf, KTUN_CMD_HS_FAIL, 0);
	struct ktun_hs m = {
		.has = KTUN_HAS(KTUN_A_HS_ID) | KTUN_HAS(KTUN_A_HS_DATA) |
		       KTUN_HAS(KTUN_A_HS_REASON),
		.id = h->id, .data = out->data, .data_len = out->len, .reason = why,
	};

	ktun_hs_put(nlh, &m);
	send_req(nlh);
	n_failed++;	/* atomic */
	say("%s: failed after %.1f ms: %s", h->desc, ms_since(&h->start), why);
}

/* One direction's keys as kTLS takes them: ChaCha20 has a 12-byte IV, no salt. */
static struct ktun_hs_keys dir_keys(const struct kt_keys *k, const struct kt_dir_keys *d)
{
	bool chacha = k->cipher == KTUN_CIPHER_CHACHA20_POLY1305;

	return (struct ktun_hs_keys){
		.key = d->key, .key_len = k->key_len,
		.iv = d->iv, .iv_len = chacha ? 12 : 8,
		.seq = d->rec_seq,
		.salt = d->salt, .salt_len = chacha ? 0 : 4,
	};
}

static void send_done(struct hs *h, const struct kt_buf *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE + 65536];
	struct nlmsghdr *nlh = ktnl_req(&nl, buf, KTUN_CMD_HS_DONE, 0);
	struct kt_keys k;
	struct ktun_hs m;

	if (kt_hs_take_keys(h->tls, &k)) {
		send_fail(h, out, "no keys after the handshake");
		return;
	}
	m = (struct ktun_hs){
		.has = KTUN_HAS(KTUN_A_HS_ID) | KTUN_HAS(KTUN_A_HS_DATA) |
		       KTUN_HAS(KTUN_A_HS_VERSION) | KTUN_HAS(KTUN_A_HS_CIPHER) |
		       KTUN_HAS(KTUN_A_HS_TX_KEY) | KTUN_HAS(KTUN_A_HS_RX_KEY) |
		       KTUN_HAS(KTUN_A_HS_PEER_IDENTITY),
		.id = h->id, .data = out->data, .data_len = out->len,
		.version = k.version, .cipher = k.cipher,
		.tx = dir_keys(&k, &k.tx), .rx = dir_keys(&k, &k.rx),
		.peer_identity = kt_hs_peer_identity(h->tls),
	};
	ktun_hs_put(nlh, &m);
	kt_keys_wipe(&k);
	send_req(nlh);
	mbedtls_platform_zeroize(buf, sizeof(buf));
	n_ok++;		/* atomic */
	say("%s: ok after %.1f ms: peer %s, %s%s", h->desc, ms_since(&h->start),
	    kt_hs_peer_identity(h->tls), kt_hs_cipher_name(h->tls),
	    kt_hs_resumed(h->tls) ? ", resumed" : "");
}

/* Runs one engine step and answers the module. */
static void step(struct hs_table *t, struct hs *h, const uint8_t *rec, size_t len)
{
	struct kt_buf out = {};
	int ret = kt_hs_step(h->tls, rec, len, &out);

	if (ret == KT_HS_AGAIN) {
		send_data(h->id, &out, true);
		kt_buf_free(&out);
		return;
	}
	if (ret == KT_HS_DONE)
		send_done(h, &out);
	else
		send_fail(h, &out, kt_hs_error(h->tls));
	kt_buf_free(&out);
	hs_end(t, h);
}

static void addr_port(const void *a, size_t alen, uint16_t port, char *out, size_t len)
{
	char s[INET6_ADDRSTRLEN] = "?";
	bool v6 = a && alen == 16;

	if (a && (alen == 4 || v6))
		inet_ntop(v6 ? AF_INET6 : AF_INET, a, s, sizeof(s));
	snprintf(out, len, v6 ? "[%s]:%u" : "%s:%u", s, port);
}

/*
 * A message the codec finds malformed (a known attribute of the wrong
 * size) is ignored whole: only the kernel sends these, and the module's
 * deadline ends a handshake the daemon never heard of.
 */
static void on_start(struct hs_table *t, const struct nlmsghdr *nlh)
{
	char err[256], local[64], remote[64];
	const char *idents[KTUN_MAX_IDENTS];
	char idbuf[KTUN_MAX_IDENTS][KTUN_IDENT_MAX_LEN + 5];
	struct kt_hs_params p = { .idents = idents };
	struct kt_buf none = {};
	struct ktun_hs m;
	struct hs *h;

	if (ktun_hs_parse(nlh, &m) ||
	    !(m.has & KTUN_HAS(KTUN_A_HS_ID)) || !(m.has & KTUN_HAS(KTUN_A_HS_ROLE)) ||
	    hs_find(t, m.id))
		return;
	for (p.n_idents = 0; p.n_idents < m.n_idents; p.n_idents++) {
		const struct ktun_ident *id = &m.idents[p.n_idents];

		snprintf(idbuf[p.n_idents], sizeof(idbuf[0]), "%s:%s",
			 id->type == KTUN_A_HS_PEER_URI ? "uri" : "dns", id->name);
		idents[p.n_idents] = idbuf[p.n_idents];
	}
	h = hs_new(t, m.id);
	if (!h)
		return;
	p.server = m.role == KTUN_ROLE_SERVER;
	p.ciphers = m.ciphers;
	addr_port(m.local_addr, m.local_addr_len, m.local_port, local, sizeof(local));
	addr_port(m.remote_addr, m.remote_addr_len, m.remote_port, remote, sizeof(remote));
	p.resume_key = remote;	/* a client resumes its last session with the server */
	snprintf(h->desc, sizeof(h->desc), "hs %u %s %s %s %s (policy %u)", h->id,
		 p.server ? "server" : "client", local, p.server ? "<-" : "->", remote,
		 m.policy_id);
	if (verbose)
		say("%s: started", h->desc);
	if (t->n > t->max) {
		send_fail(h, &none, "too many handshakes in the daemon");
		hs_end(t, h);
		return;
	}
	h->tls = kt_hs_new(tls_conf, &p, err, sizeof(err));
	if (!h->tls) {
		send_fail(h, &none, err);
		hs_end(t, h);
		return;
	}
	if (p.server)
		send_data(h->id, &none, true);	/* waiting for ClientHello */
	else
		step(t, h, NULL, 0);
}

static void on_record(struct hs_table *t, const struct nlmsghdr *nlh)
{
	struct ktun_hs m;
	struct hs *h;

	if (ktun_hs_parse(nlh, &m) || !(m.has & KTUN_HAS(KTUN_A_HS_ID)) ||
	    !(m.has & KTUN_HAS(KTUN_A_HS_RECORD)))
		return;
	h = hs_find(t, m.id);
	if (h)
		step(t, h, m.record, m.record_len);
}

/* The kernel ended a handshake (peer, deadline, policy, owner): forget it. */
static void on_abort(struct hs_table *t, const struct nlmsghdr *nlh)
{
	struct ktun_hs m;
	struct hs *h;

	if (ktun_hs_parse(nlh, &m) || !(m.has & KTUN_HAS(KTUN_A_HS_ID)))
		return;
	h = hs_find(t, m.id);
	if (!h)
		return;
	n_failed++;
	say("%s: failed after %.1f ms: %s (kernel)", h->desc, ms_since(&h->start),
	    m.reason ? m.reason : "ended by the kernel");
	hs_end(t, h);
}

void nl_handle(struct hs_table *t, const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	if (g->cmd == KTUN_CMD_HS_START)
		on_start(t, nlh);
	else if (g->cmd == KTUN_CMD_HS_RECORD)
		on_record(t, nlh);
	else if (g->cmd == KTUN_CMD_HS_ABORT)
		on_abort(t, nlh);
}

/* Main thread: the module's hs-* messages go to their workers. */
static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	(void)data;
	if (nlh->nlmsg_type == nl.family_id &&
	    (g->cmd == KTUN_CMD_HS_START || g->cmd == KTUN_CMD_HS_RECORD ||
	     g->cmd == KTUN_CMD_HS_ABORT))
		workers_post(nlh);
	return MNL_CB_OK;
}

/* The module refused something we sent: say so (it fails the handshake). */
static int on_error(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	char msg[256];

	(void)data;
	if (e->error)
		say("the module refused a request: %s (%s)",
		    ktnl_error_text(nlh, msg, sizeof(msg)), strerror(-e->error));
	return MNL_CB_OK;
}

/* Collects the ids of the module's handshakes (a conn-get dump). */
struct kids {
	uint32_t *id;
	size_t n, cap;
};

static int kids_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kids *k = data;
	struct ktun_conn c;
	uint32_t *more;

	/* A malformed entry is not counted: its handshake is forgotten. */
	if (ktun_conn_parse(nlh, &c) || !(c.has & KTUN_HAS(KTUN_A_CONN_ID)) ||
	    !(c.has & KTUN_HAS(KTUN_A_CONN_STATE)) || c.state != KTUN_CONN_STATE_HANDSHAKE)
		return MNL_CB_OK;
	if (k->n == k->cap) {
		more = realloc(k->id, (k->cap * 2 + 64) * sizeof(*k->id));
		if (!more)
			return MNL_CB_ERROR;
		k->id = more;
		k->cap = k->cap * 2 + 64;
	}
	k->id[k->n++] = c.id;
	return MNL_CB_OK;
}

/*
 * After a receive overrun an hs-abort may be lost: ask the module which
 * handshakes it still runs and forget the others.  (A lost hs-start is
 * the module's to end: its deadline fails the handshake.)  Called once
 * the receive queue is drained: netlink reports the overrun before the
 * messages queued ahead of it, whose hs-starts may be of handshakes the
 * module ended since - their hs-abort is what was lost.  The workers
 * forget them once they have handled those messages (workers_resync()).
 */
static void resync(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct kids k = {};
	struct ktnl d;
	int ret;

	ret = ktnl_open(&d, KTUN_FAMILY_NAME);
	if (!ret) {
		ret = ktnl_talk(&d, ktnl_req(&d, buf, KTUN_CMD_CONN_GET, NLM_F_DUMP),
				kids_cb, &k);
		ktnl_close(&d);
	}
	if (ret) {
		say("cannot list the module's handshakes: %s", strerror(-ret));
		free(k.id);
		return;
	}
	workers_resync(k.id, k.n);
	free(k.id);
}

/*
 * The loop: one message at a time from the module - only from the
 * kernel (port 0): another local process could otherwise feed records
 * into a handshake - each for its worker.  The workers sweep.
 */
int run(void)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = on_error };
	static char buf[256 * 1024];
	struct pollfd pfd = { .fd = mnl_socket_get_fd(nl.nl), .events = POLLIN };
	struct sockaddr_nl from;
	socklen_t flen;
	bool resync_due = false;
	ssize_t n;

	while (!stop) {
		n = poll(&pfd, 1, resync_due ? 0 : 1000);
		if (n == 0 && resync_due) {
			resync();
			resync_due = false;
		}
		if (n <= 0)
			continue;
		flen = sizeof(from);
		n = recvfrom(pfd.fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &flen);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (errno == ENOBUFS) {
				say("netlink receive overrun: messages were lost; resynchronising");
				resync_due = true;
				continue;
			}
			say("netlink: %s", strerror(errno));
			return 1;
		}
		if (flen != sizeof(from) || from.nl_pid) {
			say("ignoring a message from port %u (not the kernel)", from.nl_pid);
			continue;
		}
		mnl_cb_run2(buf, n, 0, 0, on_msg, NULL, ctl, NLMSG_MIN_TYPE);
	}
	return 0;
}

int nl_register(int nlbuf)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int ret;

	ret = ktnl_open(&nl, KTUN_FAMILY_NAME);
	if (ret) {
		say(ret == -ENOENT ? "the ktun module is not loaded" : "netlink: %s",
		     strerror(-ret));
		return 1;
	}
	setsockopt(mnl_socket_get_fd(nl.nl), SOL_SOCKET, SO_RCVBUFFORCE, &nlbuf,
		   sizeof(nlbuf));
	ret = ktnl_talk(&nl, ktnl_req(&nl, buf, KTUN_CMD_DAEMON_REGISTER, 0), NULL, NULL);
	if (ret) {
		say("cannot register: %s (%s)", nl.errmsg[0] ? nl.errmsg : "",
		     strerror(-ret));
		return 1;
	}
	return 0;
}

void nl_close(void)
{
	ktnl_close(&nl);
}
