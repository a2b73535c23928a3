// SPDX-License-Identifier: GPL-2.0
/*
 * ktun policy add|replace|del|show|flush|load|match
 *
 * Text output uses the same keywords as "policy add", so a shown policy
 * can be pasted back, and "policy show" output loaded ("policy load");
 * JSON output uses the spec's attribute names.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/ktun.h>

#include "ktun.h"

/* A policy as read back from the kernel. */
struct policy {
	uint32_t id;
	uint16_t family;
	char remote[INET6_ADDRSTRLEN];
	char local[INET6_ADDRSTRLEN];
	uint8_t remote_len, local_len;
	uint16_t rport[2], lport[2];
	uint8_t direction, owner, action;
	uint32_t ciphers, timeout;
	const char *uri[KTUN_MAX_IDENTS];
	const char *dns[KTUN_MAX_IDENTS];
	unsigned int n_uri, n_dns;
};

static const char *family_name(uint16_t family)
{
	return family == AF_INET ? "inet" : family == AF_INET6 ? "inet6" : "any";
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && !*end && *out <= max;
}

/* "ADDR" or "ADDR/LEN": fills the address attribute of the right family. */
static int put_prefix(struct nlmsghdr *nlh, const char *arg, bool remote,
		      bool with_len)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(arg, '/');
	unsigned char buf[16];
	unsigned long len;
	size_t alen = slash ? (size_t)(slash - arg) : strlen(arg);
	int family;

	if (alen >= sizeof(addr) || (slash && !with_len))
		return usage_err("invalid %s %s", with_len ? "prefix" : "address", arg);
	memcpy(addr, arg, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, buf) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, addr, buf) == 1)
		family = AF_INET6;
	else
		return usage_err("invalid %s %s", with_len ? "prefix" : "address", arg);
	if (slash && !parse_uint(slash + 1, family == AF_INET ? 32 : 128, &len))
		return usage_err("invalid prefix %s", arg);

	if (family == AF_INET)
		mnl_attr_put(nlh, remote ? KTUN_A_POLICY_REMOTE_IPV4 :
			     KTUN_A_POLICY_LOCAL_IPV4, 4, buf);
	else
		mnl_attr_put(nlh, remote ? KTUN_A_POLICY_REMOTE_IPV6 :
			     KTUN_A_POLICY_LOCAL_IPV6, 16, buf);
	if (slash)
		mnl_attr_put_u8(nlh, remote ? KTUN_A_POLICY_REMOTE_PREFIX_LEN :
				KTUN_A_POLICY_LOCAL_PREFIX_LEN, len);
	return 0;
}

/* "PORT" or "FIRST-LAST"; an inverted range is left for the kernel to refuse. */
static int put_ports(struct nlmsghdr *nlh, const char *arg, int amin, int amax,
		     bool range)
{
	char buf[16], *dash;
	unsigned long lo, hi;

	if (strlen(arg) >= sizeof(buf))
		return usage_err("invalid port %s", arg);
	strcpy(buf, arg);
	dash = strchr(buf, '-');
	if (dash && range)
		*dash = '\0';
	if (!parse_uint(buf, 65535, &lo) || !lo ||
	    (dash && range && (!parse_uint(dash + 1, 65535, &hi) || !hi)))
		return usage_err("invalid port%s %s", range ? " range" : "", arg);
	mnl_attr_put_u16(nlh, amin, lo);
	if (dash && range)
		mnl_attr_put_u16(nlh, amax, hi);
	return 0;
}

static int put_enum(struct nlmsghdr *nlh, int type, const char *const *names,
		    const char *what, const char *arg)
{
	int v = name_lookup(names, 4, arg);

	if (v < 0)
		return usage_err("invalid %s \"%s\" (expected %s, %s or %s)", what,
				 arg, names[1], names[2], names[3]);
	mnl_attr_put_u8(nlh, type, v);
	return 0;
}

static int put_ciphers(struct nlmsghdr *nlh, const char *arg)
{
	char buf[256], *tok, *save;
	uint32_t flags = 0;
	int i;

	if (strlen(arg) >= sizeof(buf))
		return usage_err("invalid cipher list %s", arg);
	strcpy(buf, arg);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			flags |= KTUN_CIPHER_MASK;
			continue;
		}
		i = name_lookup(cipher_names, 3, tok);
		if (i < 0)
			return usage_err("invalid cipher \"%s\" (expected aes-128-gcm, aes-256-gcm, chacha20-poly1305 or all)",
					 tok);
		flags |= 1u << i;
	}
	if (!flags)
		return usage_err("empty cipher list");
	mnl_attr_put_u32(nlh, KTUN_A_POLICY_CIPHERS, flags);
	return 0;
}

/* "MS", "MSms" or "Ns". */
static int put_timeout(struct nlmsghdr *nlh, const char *arg)
{
	char buf[32];
	size_t n = strlen(arg);
	unsigned long v, mult = 1;

	if (n >= sizeof(buf) || !n)
		return usage_err("invalid timeout %s", arg);
	strcpy(buf, arg);
	if (n > 2 && !strcmp(buf + n - 2, "ms")) {
		buf[n - 2] = '\0';
	} else if (buf[n - 1] == 's') {
		buf[n - 1] = '\0';
		mult = 1000;
	}
	if (!parse_uint(buf, UINT32_MAX / mult, &v))
		return usage_err("invalid timeout %s", arg);
	mnl_attr_put_u32(nlh, KTUN_A_POLICY_HS_TIMEOUT_MS, v * mult);
	return 0;
}

static int put_family(struct nlmsghdr *nlh, const char *arg)
{
	if (!strcmp(arg, "inet"))
		mnl_attr_put_u16(nlh, KTUN_A_POLICY_FAMILY, AF_INET);
	else if (!strcmp(arg, "inet6"))
		mnl_attr_put_u16(nlh, KTUN_A_POLICY_FAMILY, AF_INET6);
	else if (strcmp(arg, "any"))
		return usage_err("invalid family \"%s\" (expected inet, inet6 or any)", arg);
	return 0;
}

static int put_ident(struct nlmsghdr *nlh, int type, const char *arg)
{
	if (strlen(arg) > KTUN_IDENT_MAX_LEN)
		return usage_err("identity longer than %d bytes: %.40s...",
				 KTUN_IDENT_MAX_LEN, arg);
	mnl_attr_put_strz(nlh, type, arg);
	return 0;
}

/*
 * Parses the selector and parameter keywords shared by "add" and "match";
 * @match restricts them to what describes one connection.
 */
static int parse_policy_args(struct nlmsghdr *nlh, int argc, char **argv,
			     bool match)
{
	static const char *const once[] = {
		"remote", "local", "rport", "lport", "family", "dir", "owner",
		"cipher", "timeout",
	};
	unsigned int seen = 0, idents = 0;
	int err, i;

	for (; argc > 0; NEXT_ARG()) {
		const char *kw = *argv;

		if (!match && !strcmp(kw, "require")) {
			/* A flag: the policy selects, and refuses the rest. */
			if (seen & (1u << 31))
				return usage_err("\"require\" given twice");
			seen |= 1u << 31;
			mnl_attr_put_u8(nlh, KTUN_A_POLICY_ACTION, KTUN_ACTION_REQUIRE);
			continue;
		}
		NEED_ARG(kw);
		i = name_lookup(once, sizeof(once) / sizeof(once[0]), kw);
		if (i >= 0 && (seen & (1u << i)))
			return usage_err("\"%s\" given twice", kw);
		if (i >= 0)
			seen |= 1u << i;
		else if (++idents > KTUN_MAX_IDENTS)
			return usage_err("more than %d peer identities", KTUN_MAX_IDENTS);
		if (!strcmp(kw, "remote"))
			err = put_prefix(nlh, *argv, true, !match);
		else if (!strcmp(kw, "local"))
			err = put_prefix(nlh, *argv, false, !match);
		else if (!strcmp(kw, "rport"))
			err = put_ports(nlh, *argv, KTUN_A_POLICY_REMOTE_PORT_MIN,
					KTUN_A_POLICY_REMOTE_PORT_MAX, !match);
		else if (!strcmp(kw, "lport"))
			err = put_ports(nlh, *argv, KTUN_A_POLICY_LOCAL_PORT_MIN,
					KTUN_A_POLICY_LOCAL_PORT_MAX, !match);
		else if (!strcmp(kw, "family"))
			err = put_family(nlh, *argv);
		else if (!strcmp(kw, "dir"))
			err = put_enum(nlh, KTUN_A_POLICY_DIRECTION, direction_names,
				       "direction", *argv);
		else if (!strcmp(kw, "owner"))
			err = put_enum(nlh, KTUN_A_POLICY_OWNER, owner_names,
				       "owner", *argv);
		else if (!match && !strcmp(kw, "peer-uri"))
			err = put_ident(nlh, KTUN_A_POLICY_PEER_URI, *argv);
		else if (!match && !strcmp(kw, "peer-dns"))
			err = put_ident(nlh, KTUN_A_POLICY_PEER_DNS, *argv);
		else if (!match && !strcmp(kw, "cipher"))
			err = put_ciphers(nlh, *argv);
		else if (!match && !strcmp(kw, "timeout"))
			err = put_timeout(nlh, *argv);
		else
			return usage_err("unknown keyword \"%s\"", kw);
		if (err)
			return err;
	}
	return 0;
}

static void addr_str(const struct nlattr *attr, int family, char *out)
{
	inet_ntop(family, mnl_attr_get_payload(attr), out, INET6_ADDRSTRLEN);
}

static int policy_attr(const struct nlattr *attr, struct policy *p)
{
	static const uint8_t len[KTUN_A_POLICY_MAX + 1] = {
		[KTUN_A_POLICY_ID] = 4, [KTUN_A_POLICY_FAMILY] = 2,
		[KTUN_A_POLICY_REMOTE_IPV4] = 4, [KTUN_A_POLICY_REMOTE_IPV6] = 16,
		[KTUN_A_POLICY_LOCAL_IPV4] = 4, [KTUN_A_POLICY_LOCAL_IPV6] = 16,
		[KTUN_A_POLICY_REMOTE_PREFIX_LEN] = 1,
		[KTUN_A_POLICY_LOCAL_PREFIX_LEN] = 1,
		[KTUN_A_POLICY_REMOTE_PORT_MIN] = 2, [KTUN_A_POLICY_REMOTE_PORT_MAX] = 2,
		[KTUN_A_POLICY_LOCAL_PORT_MIN] = 2, [KTUN_A_POLICY_LOCAL_PORT_MAX] = 2,
		[KTUN_A_POLICY_DIRECTION] = 1, [KTUN_A_POLICY_OWNER] = 1,
		[KTUN_A_POLICY_CIPHERS] = 4, [KTUN_A_POLICY_HS_TIMEOUT_MS] = 4,
		[KTUN_A_POLICY_ACTION] = 1,
	};
	unsigned int type = mnl_attr_get_type(attr);

	if (type > KTUN_A_POLICY_MAX)
		return 0;	/* newer kernel: ignore what we do not know */
	if (len[type] && mnl_attr_get_payload_len(attr) < len[type])
		return -1;
	if ((type == KTUN_A_POLICY_PEER_URI || type == KTUN_A_POLICY_PEER_DNS) &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING))
		return -1;

	switch (type) {
	case KTUN_A_POLICY_ID: p->id = mnl_attr_get_u32(attr); break;
	case KTUN_A_POLICY_FAMILY: p->family = mnl_attr_get_u16(attr); break;
	case KTUN_A_POLICY_REMOTE_IPV4: addr_str(attr, AF_INET, p->remote); break;
	case KTUN_A_POLICY_REMOTE_IPV6: addr_str(attr, AF_INET6, p->remote); break;
	case KTUN_A_POLICY_LOCAL_IPV4: addr_str(attr, AF_INET, p->local); break;
	case KTUN_A_POLICY_LOCAL_IPV6: addr_str(attr, AF_INET6, p->local); break;
	case KTUN_A_POLICY_REMOTE_PREFIX_LEN: p->remote_len = mnl_attr_get_u8(attr); break;
	case KTUN_A_POLICY_LOCAL_PREFIX_LEN: p->local_len = mnl_attr_get_u8(attr); break;
	case KTUN_A_POLICY_REMOTE_PORT_MIN: p->rport[0] = mnl_attr_get_u16(attr); break;
	case KTUN_A_POLICY_REMOTE_PORT_MAX: p->rport[1] = mnl_attr_get_u16(attr); break;
	case KTUN_A_POLICY_LOCAL_PORT_MIN: p->lport[0] = mnl_attr_get_u16(attr); break;
	case KTUN_A_POLICY_LOCAL_PORT_MAX: p->lport[1] = mnl_attr_get_u16(attr); break;
	case KTUN_A_POLICY_DIRECTION: p->direction = mnl_attr_get_u8(attr); break;
	case KTUN_A_POLICY_OWNER: p->owner = mnl_attr_get_u8(attr); break;
	case KTUN_A_POLICY_CIPHERS: p->ciphers = mnl_attr_get_u32(attr); break;
	case KTUN_A_POLICY_HS_TIMEOUT_MS: p->timeout = mnl_attr_get_u32(attr); break;
	case KTUN_A_POLICY_ACTION: p->action = mnl_attr_get_u8(attr); break;
	case KTUN_A_POLICY_PEER_URI:
		if (p->n_uri < KTUN_MAX_IDENTS)
			p->uri[p->n_uri++] = mnl_attr_get_str(attr);
		break;
	case KTUN_A_POLICY_PEER_DNS:
		if (p->n_dns < KTUN_MAX_IDENTS)
			p->dns[p->n_dns++] = mnl_attr_get_str(attr);
		break;
	}
	return 0;
}

static void print_text(const struct policy *p)
{
	unsigned int i;
	const char *sep = "";

	printf("policy %u family %s", p->id, family_name(p->family));
	if (p->remote[0])
		printf(" remote %s/%u", p->remote, p->remote_len);
	if (p->local[0])
		printf(" local %s/%u", p->local, p->local_len);
	if (p->rport[0] == p->rport[1] && p->rport[0])
		printf(" rport %u", p->rport[0]);
	else if (p->rport[0])
		printf(" rport %u-%u", p->rport[0], p->rport[1]);
	if (p->lport[0] == p->lport[1] && p->lport[0])
		printf(" lport %u", p->lport[0]);
	else if (p->lport[0])
		printf(" lport %u-%u", p->lport[0], p->lport[1]);
	printf(" dir %s owner %s", direction_name(p->direction),
	       owner_name(p->owner));
	for (i = 0; i < p->n_uri; i++)
		printf(" peer-uri %s", p->uri[i]);
	for (i = 0; i < p->n_dns; i++)
		printf(" peer-dns %s", p->dns[i]);
	if (p->action == KTUN_ACTION_REQUIRE) {
		printf(" require\n");
		return;
	}
	printf(" cipher ");
	for (i = 0; i < 3; i++) {
		if (p->ciphers & (1u << i)) {
			printf("%s%s", sep, cipher_names[i]);
			sep = ",";
		}
	}
	printf(" timeout %ums\n", p->timeout);
}

static void print_json(struct jw *w, const struct policy *p)
{
	bool v4 = p->family == AF_INET;
	unsigned int i;

	jw_begin(w, NULL, '{');
	jw_uint(w, "id", p->id);
	jw_str(w, "family", family_name(p->family));
	if (p->remote[0]) {
		jw_str(w, v4 ? "remote-ipv4" : "remote-ipv6", p->remote);
		jw_uint(w, "remote-prefix-len", p->remote_len);
	}
	if (p->local[0]) {
		jw_str(w, v4 ? "local-ipv4" : "local-ipv6", p->local);
		jw_uint(w, "local-prefix-len", p->local_len);
	}
	if (p->rport[0]) {
		jw_uint(w, "remote-port-min", p->rport[0]);
		jw_uint(w, "remote-port-max", p->rport[1]);
	}
	if (p->lport[0]) {
		jw_uint(w, "local-port-min", p->lport[0]);
		jw_uint(w, "local-port-max", p->lport[1]);
	}
	jw_str(w, "direction", direction_name(p->direction));
	jw_str(w, "owner", owner_name(p->owner));
	jw_str(w, "action", p->action == KTUN_ACTION_REQUIRE ? "require" : "secure");
	jw_begin(w, "peer-uri", '[');
	for (i = 0; i < p->n_uri; i++)
		jw_str(w, NULL, p->uri[i]);
	jw_end(w, ']');
	jw_begin(w, "peer-dns", '[');
	for (i = 0; i < p->n_dns; i++)
		jw_str(w, NULL, p->dns[i]);
	jw_end(w, ']');
	if (p->action != KTUN_ACTION_REQUIRE) {
		jw_begin(w, "ciphers", '[');
		for (i = 0; i < 3; i++)
			if (p->ciphers & (1u << i))
				jw_str(w, NULL, cipher_names[i]);
		jw_end(w, ']');
		jw_uint(w, "hs-timeout-ms", p->timeout);
	}
	jw_end(w, '}');
}

struct show_ctx {
	struct jw w;
	unsigned int count;
};

static int policy_cb(const struct nlmsghdr *nlh, void *data)
{
	struct show_ctx *ctx = data;
	const struct nlattr *attr;
	struct policy p = {};

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (policy_attr(attr, &p)) {
			errno = EBADMSG;
			return MNL_CB_ERROR;
		}
	}
	if (opts.json)
		print_json(&ctx->w, &p);
	else
		print_text(&p);
	ctx->count++;
	return MNL_CB_OK;
}

/* Sends @nlh and prints every policy in the replies. */
static int talk_and_print(struct ktnl *k, struct nlmsghdr *nlh,
			  const char *what, bool list)
{
	struct show_ctx ctx = { .w = { .f = stdout } };
	int err;

	/* No "[]" on stdout when the module cannot even be reached. */
	if (!k->nl) {
		err = ktun_connect(k);
		if (err)
			return err;
	}
	if (opts.json && list)
		jw_begin(&ctx.w, NULL, '[');
	err = ktun_send(k, nlh, policy_cb, &ctx, what);
	if (opts.json && list)
		jw_end(&ctx.w, ']');
	fflush(stdout);
	return err;
}

static int policy_add(struct ktnl *k, int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int err;

	nlh = ktnl_req(k, buf, KTUN_CMD_POLICY_NEW, 0);
	err = parse_policy_args(nlh, argc, argv, false);
	if (err)
		return err;
	return talk_and_print(k, nlh, "policy add", false);
}

static int parse_id(int argc, char **argv, uint32_t *id, bool optional)
{
	unsigned long v;

	if (argc == 0 && optional)
		return 0;
	if (argc == 2 && !strcmp(argv[0], "id"))
		argv++, argc--;
	if (argc != 1)
		return usage_err("expected a policy id");
	if (!parse_uint(argv[0], UINT32_MAX, &v) || !v)
		return usage_err("invalid policy id \"%s\"", argv[0]);
	*id = v;
	return 0;
}

/* ktun policy replace ID SELECTORS...: ID gives way to the new policy. */
static int policy_replace(struct ktnl *k, int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	uint32_t id;
	int err;

	if (argc < 1)
		return usage_err("expected a policy id, then the new policy");
	err = parse_id(1, argv, &id, false);
	if (err)
		return err;
	nlh = ktnl_req(k, buf, KTUN_CMD_POLICY_NEW, 0);
	mnl_attr_put_u32(nlh, KTUN_A_POLICY_ID, id);
	err = parse_policy_args(nlh, argc - 1, argv + 1, false);
	if (err)
		return err;
	return talk_and_print(k, nlh, "policy replace", false);
}

static int policy_del(struct ktnl *k, int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	uint32_t id;
	int err;

	err = parse_id(argc, argv, &id, false);
	if (err)
		return err;
	nlh = ktnl_req(k, buf, KTUN_CMD_POLICY_DEL, 0);
	mnl_attr_put_u32(nlh, KTUN_A_POLICY_ID, id);
	return ktun_send(k, nlh, NULL, NULL, "policy del");
}

static int policy_show(struct ktnl *k, int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	uint32_t id = 0;
	int err;

	err = parse_id(argc, argv, &id, true);
	if (err)
		return err;
	nlh = ktnl_req(k, buf, KTUN_CMD_POLICY_GET, id ? 0 : NLM_F_DUMP);
	if (id)
		mnl_attr_put_u32(nlh, KTUN_A_POLICY_ID, id);
	return talk_and_print(k, nlh, "policy show", !id);
}

static int flush_action(struct ktnl *k, uint8_t action)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = ktnl_req(k, buf, KTUN_CMD_POLICY_FLUSH, 0);

	mnl_attr_put_u8(nlh, KTUN_A_POLICY_ACTION, action);
	return ktun_send(k, nlh, NULL, NULL, "policy flush");
}

/*
 * ktun policy flush [require|all]: the secure policies (the require ones
 * stay, so a flush never lets their connections through in plain text),
 * the require ones, or all - the secure ones first, for the same reason.
 */
static int policy_flush(struct ktnl *k, int argc, char **argv)
{
	bool all = argc == 1 && !strcmp(argv[0], "all");
	bool req = argc == 1 && !strcmp(argv[0], "require");
	int err;

	if (argc > 1 || (argc == 1 && !all && !req))
		return usage_err("policy flush takes nothing, \"require\" or \"all\"");
	err = flush_action(k, req ? KTUN_ACTION_REQUIRE : KTUN_ACTION_SECURE);
	if (!err && all)
		err = flush_action(k, KTUN_ACTION_REQUIRE);
	return err;
}

#define LOAD_MAX_WORDS	64

/*
 * One line of a policy file into @words: what follows '#' is a comment,
 * and a leading "policy ID" (as "policy show" prints) or "policy add" is
 * skipped.  Returns the number of words, or -1 if there are too many.
 */
static int load_words(char *line, char **words)
{
	char *hash = strchr(line, '#'), *save, *w;
	int n = 0, first = 0;

	if (hash)
		*hash = '\0';
	for (w = strtok_r(line, " \t\r\n", &save); w;
	     w = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == LOAD_MAX_WORDS)
			return -1;
		words[n++] = w;
	}
	if (n >= 2 && !strcmp(words[0], "policy") &&
	    (!strcmp(words[1], "add") || isdigit((unsigned char)words[1][0])))
		first = 2;
	memmove(words, words + first, (n - first) * sizeof(*words));
	return n - first;
}

static FILE *load_open(const char *path)
{
	return strcmp(path, "-") ? fopen(path, "r") : stdin;
}

/*
 * ktun policy load FILE: the namespace's whole table, one policy per line
 * in "policy add" syntax, swapped in by the kernel in one step.  Every
 * line is checked here first; the kernel's error names the policy by its
 * place, which is mapped back to its line.
 */
static int policy_load(struct ktnl *k, int argc, char **argv)
{
	char *line = NULL, *words[LOAD_MAX_WORDS];
	unsigned int n = 0, lines[KTUN_MAX_POLICIES];
	size_t cap = 0, size = 4096;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	unsigned int lineno = 0;
	int err = 0, nw;
	void *buf;
	FILE *f;

	if (argc != 1)
		return usage_err("expected one policy file (or - for standard input)");
	f = load_open(argv[0]);
	if (!f) {
		fprintf(stderr, "ktun: %s: %s\n", argv[0], strerror(errno));
		return KTUN_EXIT_FAIL;
	}
	/* Each word encodes in at most its length plus an attribute header. */
	buf = malloc(size);
	nlh = buf ? ktnl_req(k, buf, KTUN_CMD_POLICY_LOAD, 0) : NULL;
	while (nlh && getline(&line, &cap, f) > 0) {
		lineno++;
		nw = load_words(line, words);
		if (nw < 0) {
			err = usage_err("%s:%u: too many words", argv[0], lineno);
			break;
		}
		if (!nw)
			continue;
		if (n == KTUN_MAX_POLICIES) {
			err = usage_err("%s:%u: more than %d policies", argv[0],
					lineno, KTUN_MAX_POLICIES);
			break;
		}
		if (nlh->nlmsg_len + 2 * cap + 64 * LOAD_MAX_WORDS > size) {
			size = 2 * (nlh->nlmsg_len + 2 * cap + 64 * LOAD_MAX_WORDS);
			buf = realloc(nlh, size);
			if (!buf) {
				free(nlh);
				nlh = NULL;
				break;
			}
			nlh = buf;
		}
		lines[n++] = lineno;
		nest = mnl_attr_nest_start(nlh, KTUN_A_POLICY_TABLE_POLICY);
		err = parse_policy_args(nlh, nw, words, false);
		if (err) {
			fprintf(stderr, "ktun: %s:%u: nothing loaded\n",
				argv[0], lineno);
			break;
		}
		mnl_attr_nest_end(nlh, nest);
	}
	if (!nlh)
		err = nl_err(k, "policy load", -ENOMEM);
	else if (!err && ferror(f))
		err = nl_err(k, "policy load: reading the file", -EIO);
	if (f != stdin)
		fclose(f);
	free(line);
	if (!err)
		err = ktun_send_big(k, nlh, "policy load", lines, n);
	free(nlh);
	return err;
}

static int policy_match(struct ktnl *k, int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int err;

	nlh = ktnl_req(k, buf, KTUN_CMD_POLICY_MATCH, 0);
	err = parse_policy_args(nlh, argc, argv, true);
	if (err)
		return err;
	return talk_and_print(k, nlh, "policy match", false);
}

static const struct {
	const char *name;
	int (*fn)(struct ktnl *k, int argc, char **argv);
} policy_cmds[] = {
	{ "add", policy_add },
	{ "replace", policy_replace },
	{ "load", policy_load },
	{ "del", policy_del },
	{ "delete", policy_del },
	{ "show", policy_show },
	{ "list", policy_show },
	{ "flush", policy_flush },
	{ "match", policy_match },
};

int cmd_policy(int argc, char **argv)
{
	const char *sub = argc > 0 ? argv[0] : "show";
	struct ktnl k = {};
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(policy_cmds) / sizeof(policy_cmds[0]); i++) {
		if (strcmp(sub, policy_cmds[i].name))
			continue;
		ret = policy_cmds[i].fn(&k, argc > 0 ? argc - 1 : 0, argv + 1);
		ktnl_close(&k);
		return ret;
	}
	return usage_err("unknown policy command \"%s\"", sub);
}
