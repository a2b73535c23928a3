// SPDX-License-Identifier: GPL-2.0
/*
 * ktund's settings: the settings file and the command line, which
 * overrides it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ktund.h"

bool verbose;

static int nlbuf_parse(const char *val, const char *file, int lineno)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(val, &end, 10);
	if (errno || end == val || *end || n < NLBUF_MIN || n > NLBUF_MAX) {
		say("%s:%d: netlink-buffer must be a byte count from %d to %d",
		    file, lineno, NLBUF_MIN, NLBUF_MAX);
		exit(1);
	}
	return n;
}

/*
 * A number from @min to @max for setting @name, given as @where's
 * value (an option, or line @lineno of a settings file): a usage error
 * (exit 2) or a bad file (exit 1) otherwise.  @what: "seconds", ...
 */
static unsigned long num_parse(const char *val, const char *where, int lineno,
			       const char *name, const char *what,
			       unsigned long min, unsigned long max)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(val, &end, 10);
	if (errno || end == val || *end || n < min || n > max) {
		if (lineno)
			say("%s:%d: %s must be %s from %lu to %lu", where, lineno,
			    name, what, min, max);
		else
			say("%s must be %s from %lu to %lu", where, what, min, max);
		exit(lineno ? 1 : 2);
	}
	return n;
}

/* Seconds a session may be resumed for: 0 (never) to a day. */
static int lifetime_parse(const char *val, const char *where, int lineno)
{
	return num_parse(val, where, lineno, "session-lifetime", "seconds",
			 0, LIFETIME_MAX);
}

/* Worker threads: 1 to WORKERS_MAX. */
static unsigned int workers_parse(const char *val, const char *where, int lineno)
{
	return num_parse(val, where, lineno, "workers", "a number", 1, WORKERS_MAX);
}

/* One worker per CPU online, at most WORKERS_MAX. */
static unsigned int workers_default(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > WORKERS_MAX ? WORKERS_MAX : n;
}

static void cfg_line(struct cfg *c, char *line, const char *file, int lineno)
{
	char *key = strtok(line, " \t\r\n"), *val = strtok(NULL, " \t\r\n");

	if (!key || key[0] == '#')
		return;
	if (!val) {
		say("%s:%d: \"%s\" needs a value", file, lineno, key);
		exit(1);
	}
	if (!strcmp(key, "ca"))
		snprintf(c->ca, sizeof(c->ca), "%s", val);
	else if (!strcmp(key, "cert"))
		snprintf(c->cert, sizeof(c->cert), "%s", val);
	else if (!strcmp(key, "key"))
		snprintf(c->key, sizeof(c->key), "%s", val);
	else if (!strcmp(key, "netlink-buffer"))
		c->nlbuf = nlbuf_parse(val, file, lineno);
	else if (!strcmp(key, "session-lifetime"))
		c->lifetime = lifetime_parse(val, file, lineno);
	else if (!strcmp(key, "workers"))
		c->workers = workers_parse(val, file, lineno);
	else {
		say("%s:%d: unknown setting \"%s\"", file, lineno, key);
		exit(1);
	}
}

static void cfg_file(struct cfg *c, const char *file, bool must)
{
	FILE *f = fopen(file, "r");
	char line[512];
	int n = 0;

	if (!f) {
		if (must) {
			say("cannot read %s: %s", file, strerror(errno));
			exit(1);
		}
		return;
	}
	while (fgets(line, sizeof(line), f))
		cfg_line(c, line, file, ++n);
	fclose(f);
}

static const char usage[] =
"Usage: ktund [-c FILE] [--ca FILE] [--cert FILE] [--key FILE]\n"
"             [--session-lifetime SECONDS] [--workers N] [-v]\n"
"Runs the TLS handshakes of the ktun module in this network namespace.\n"
"  -c, --config FILE  settings file (default /etc/ktun/ktund.conf if present)\n"
"      --ca FILE      CA bundle peers must chain to (default /etc/ktun/ca.crt)\n"
"      --cert FILE    this host's certificate (default /etc/ktun/host.crt)\n"
"      --key FILE     its private key (default /etc/ktun/host.key)\n"
"      --session-lifetime SECONDS\n"
"                     how long a TLS session may be resumed (default 300;\n"
"                     0: never, every handshake is a full one)\n"
"      --workers N    threads running handshakes, 1 to 64 (default: one\n"
"                     per CPU online)\n"
"  -v, --verbose      more logging\n"
"  -h, --help, -V, --version\n"
"The settings file holds lines \"ca FILE\", \"cert FILE\", \"key FILE\",\n"
"\"session-lifetime SECONDS\", \"workers N\" and \"netlink-buffer BYTES\"\n"
"(the module's messages that may wait, default 4194304); options override\n"
"it.  Logs go to standard error, one line per handshake.\n";

int cfg_read(struct cfg *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "ca", required_argument, NULL, 'a' },
		{ "cert", required_argument, NULL, 'e' },
		{ "key", required_argument, NULL, 'k' },
		{ "session-lifetime", required_argument, NULL, 'l' },
		{ "workers", required_argument, NULL, 'w' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	char ca[256] = "", cert[256] = "", key[256] = "";
	const char *config = NULL, *lifetime = NULL, *workers = NULL;
	int o;

	*c = (struct cfg){ .ca = "/etc/ktun/ca.crt", .cert = "/etc/ktun/host.crt",
			   .key = "/etc/ktun/host.key", .nlbuf = 4 << 20,
			   .lifetime = LIFETIME_DEFAULT, .workers = workers_default() };
	while ((o = getopt_long(argc, argv, "c:vhV", opts, NULL)) != -1) {
		switch (o) {
		case 'c': config = optarg; break;
		case 'a': snprintf(ca, sizeof(ca), "%s", optarg); break;
		case 'e': snprintf(cert, sizeof(cert), "%s", optarg); break;
		case 'k': snprintf(key, sizeof(key), "%s", optarg); break;
		case 'l': lifetime = optarg; break;
		case 'w': workers = optarg; break;
		case 'v': verbose = true; break;
		case 'h': fputs(usage, stdout); return 0;
		case 'V': printf("ktund %s\n", KTUND_VERSION); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	cfg_file(c, config ? config : "/etc/ktun/ktund.conf", config);
	if (ca[0])
		memcpy(c->ca, ca, sizeof(ca));
	if (cert[0])
		memcpy(c->cert, cert, sizeof(cert));
	if (key[0])
		memcpy(c->key, key, sizeof(key));
	if (lifetime)
		c->lifetime = lifetime_parse(lifetime, "--session-lifetime", 0);
	if (workers)
		c->workers = workers_parse(workers, "--workers", 0);
	return -1;
}
