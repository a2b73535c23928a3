// SPDX-License-Identifier: GPL-2.0
/*
 * ktun policy add|replace|del|show|flush|load|match: the grammar.
 *
 * The words of a command line (or of a line of a policy file) become a
 * struct ktun_policy, which ../lib/ktun_msg.c encodes; what the kernel
 * answers is decoded there too and printed by print.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "ktun.h"

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && !*end && *out <= max;
}

/* "ADDR" or "ADDR/LEN": the address of the right family, and its length. */
static int parse_prefix(struct ktun_policy *p, const char *arg, bool remote,
			bool with_len)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(arg, '/');
	struct ktun_addr *a = remote ? &p->remote : &p->local;
	unsigned long len;
	size_t alen = slash ? (size_t)(slash - arg) : strlen(arg);

	if (alen >= sizeof(addr) || (slash && !with_len))
		return usage_err("invalid %s %s", with_len ? "prefix" : "address", arg);
	memcpy(addr, arg, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, &a->v4) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, &a->v6) == 1)
		a->family = AF_INET6;
	else
		return usage_err("invalid %s %s", with_len ? "prefix" : "address", arg);
	if (slash && !parse_uint(slash + 1, a->family == AF_INET ? 32 : 128, &len))
		return usage_err("invalid prefix %s", arg);
	if (slash) {
		p->has |= KTUN_HAS(remote ? KTUN_A_POLICY_REMOTE_PREFIX_LEN :
				   KTUN_A_POLICY_LOCAL_PREFIX_LEN);
		*(remote ? &p->remote_len : &p->local_len) = len;
	}
	return 0;
}

/* "PORT" or "FIRST-LAST"; an inverted range is left for the kernel to refuse. */
static int parse_ports(struct ktun_policy *p, const char *arg, bool remote,
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
	p->has |= KTUN_HAS(remote ? KTUN_A_POLICY_REMOTE_PORT_MIN :
			   KTUN_A_POLICY_LOCAL_PORT_MIN);
	*(remote ? &p->rport_min : &p->lport_min) = lo;
	if (dash && range) {
		p->has |= KTUN_HAS(remote ? KTUN_A_POLICY_REMOTE_PORT_MAX :
				   KTUN_A_POLICY_LOCAL_PORT_MAX);
		*(remote ? &p->rport_max : &p->lport_max) = hi;
	}
	return 0;
}

static int parse_enum(struct ktun_policy *p, int type, uint8_t *out,
		      int (*lookup)(const char *), const char *(*name)(unsigned int),
		      const char *what, const char *arg)
{
	int v = lookup(arg);

	if (v < 0)
		return usage_err("invalid %s \"%s\" (expected %s, %s or %s)", what,
				 arg, name(1), name(2), name(3));
	p->has |= KTUN_HAS(type);
	*out = v;
	return 0;
}

static int parse_ciphers(struct ktun_policy *p, const char *arg)
{
	char buf[256], *tok, *save;
	uint32_t flags = 0, c;

	if (strlen(arg) >= sizeof(buf))
		return usage_err("invalid cipher list %s", arg);
	strcpy(buf, arg);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			flags |= KTUN_CIPHER_MASK;
			continue;
		}
		c = ktun_cipher_lookup(tok);
		if (!c)
			return usage_err("invalid cipher \"%s\" (expected aes-128-gcm, aes-256-gcm, chacha20-poly1305 or all)",
					 tok);
		flags |= c;
	}
	if (!flags)
		return usage_err("empty cipher list");
	p->has |= KTUN_HAS(KTUN_A_POLICY_CIPHERS);
	p->ciphers = flags;
	return 0;
}

/* "MS", "MSms" or "Ns". */
static int parse_timeout(struct ktun_policy *p, const char *arg)
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
	p->has |= KTUN_HAS(KTUN_A_POLICY_HS_TIMEOUT_MS);
	p->hs_timeout_ms = v * mult;
	return 0;
}

static int parse_family(struct ktun_policy *p, const char *arg)
{
	if (!strcmp(arg, "inet"))
		p->family = AF_INET;
	else if (!strcmp(arg, "inet6"))
		p->family = AF_INET6;
	else if (strcmp(arg, "any"))
		return usage_err("invalid family \"%s\" (expected inet, inet6 or any)", arg);
	if (p->family)
		p->has |= KTUN_HAS(KTUN_A_POLICY_FAMILY);
	return 0;
}

static int parse_ident(struct ktun_policy *p, int type, const char *arg)
{
	if (strlen(arg) > KTUN_IDENT_MAX_LEN)
		return usage_err("identity longer than %d bytes: %.40s...",
				 KTUN_IDENT_MAX_LEN, arg);
	p->idents[p->n_idents].type = type;
	p->idents[p->n_idents++].name = arg;
	return 0;
}

/* One keyword and its value; -1 if the keyword is not one of @match's. */
static int parse_keyword(struct ktun_policy *p, const char *kw, const char *arg,
			 bool match)
{
	if (!strcmp(kw, "remote"))
		return parse_prefix(p, arg, true, !match);
	if (!strcmp(kw, "local"))
		return parse_prefix(p, arg, false, !match);
	if (!strcmp(kw, "rport"))
		return parse_ports(p, arg, true, !match);
	if (!strcmp(kw, "lport"))
		return parse_ports(p, arg, false, !match);
	if (!strcmp(kw, "family"))
		return parse_family(p, arg);
	if (!strcmp(kw, "dir"))
		return parse_enum(p, KTUN_A_POLICY_DIRECTION, &p->direction,
				  ktun_direction_lookup, ktun_direction_name,
				  "direction", arg);
	if (!strcmp(kw, "owner"))
		return parse_enum(p, KTUN_A_POLICY_OWNER, &p->owner,
				  ktun_owner_lookup, ktun_owner_name, "owner", arg);
	if (match)
		return -1;
	if (!strcmp(kw, "peer-uri"))
		return parse_ident(p, KTUN_A_POLICY_PEER_URI, arg);
	if (!strcmp(kw, "peer-dns"))
		return parse_ident(p, KTUN_A_POLICY_PEER_DNS, arg);
	if (!strcmp(kw, "cipher"))
		return parse_ciphers(p, arg);
	if (!strcmp(kw, "timeout"))
		return parse_timeout(p, arg);
	return -1;
}

/*
 * Parses the selector and parameter keywords shared by "add" and "match"
 * into @p (which the caller zeroed, or gave an id); @match restricts them
 * to what describes one connection.
 */
static int parse_policy_args(struct ktun_policy *p, int argc, char **argv,
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
			p->has |= KTUN_HAS(KTUN_A_POLICY_ACTION);
			p->action = KTUN_ACTION_REQUIRE;
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
		err = parse_keyword(p, kw, *argv, match);
		if (err < 0)
			return usage_err("unknown keyword \"%s\"", kw);
		if (err)
			return err;
	}
	return 0;
}

/* Parses a policy (or a match query) and encodes it into @nlh. */
static int put_policy_args(struct nlmsghdr *nlh, struct ktun_policy *p,
			   int argc, char **argv, bool match)
{
	int err = parse_policy_args(p, argc, argv, match);

	if (!err)
		ktun_policy_put(nlh, p);
	return err;
}

struct show_ctx {
	struct jw w;
	unsigned int count;
};

static int policy_cb(const struct nlmsghdr *nlh, void *data)
{
	struct show_ctx *ctx = data;
	struct ktun_policy p;

	if (ktun_policy_parse(nlh, &p)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	print_policy(&ctx->w, &p);
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
	struct ktun_policy p = {};
	struct nlmsghdr *nlh;
	int err;

	nlh = ktnl_req(k, buf, KTUN_CMD_POLICY_NEW, 0);
	err = put_policy_args(nlh, &p, argc, argv, false);
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
	struct ktun_policy p = { .has = KTUN_HAS(KTUN_A_POLICY_ID) };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int err;

	if (argc < 1)
		return usage_err("expected a policy id, then the new policy");
	err = parse_id(1, argv, &p.id, false);
	if (err)
		return err;
	nlh = ktnl_req(k, buf, KTUN_CMD_POLICY_NEW, 0);
	err = put_policy_args(nlh, &p, argc - 1, argv + 1, false);
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
	struct ktun_policy p;
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
		memset(&p, 0, sizeof(p));
		err = put_policy_args(nlh, &p, nw, words, false);
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
	struct ktun_policy p = {};
	struct nlmsghdr *nlh;
	int err;

	nlh = ktnl_req(k, buf, KTUN_CMD_POLICY_MATCH, 0);
	err = put_policy_args(nlh, &p, argc, argv, true);
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
