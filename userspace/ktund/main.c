// SPDX-License-Identifier: GPL-2.0
/*
 * ktund: ktun's handshake daemon.
 *
 * Registers with the ktun module of its network namespace, then runs every
 * handshake the module relays: hs-start opens a TLS engine (tls.c), each
 * hs-record feeds it one record, and the engine's output goes back as
 * hs-data, or with the keys as hs-done, or as hs-fail.  The daemon never
 * touches a connection.  One event loop; a step takes microseconds to a
 * few milliseconds (the ECDHE and signature work), so hundreds of
 * handshakes can be in flight.
 *
 * This file starts it: settings (config.c), the TLS configuration,
 * registration and the loop (nl.c), and the log.
 */
#include <stdarg.h>
#include <stdio.h>

#include "ktund.h"

volatile sig_atomic_t stop;

void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ktund: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

double ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1e3 + (now.tv_nsec - t->tv_nsec) / 1e6;
}

int main(int argc, char **argv)
{
	char err[256];
	struct cfg c;
	int ret;

	ret = cfg_read(&c, argc, argv);
	if (ret >= 0)
		return ret;
	tls_conf = kt_tls_conf_new(c.ca, c.cert, c.key, err, sizeof(err));
	if (!tls_conf ||
	    kt_tls_conf_resumption(tls_conf, c.lifetime, err, sizeof(err))) {
		say("%s", err);
		kt_tls_conf_free(tls_conf);
		return 1;
	}
	if (nl_register(c.nlbuf))
		return 1;
	/* No SA_RESTART: the blocking recv() must return to see @stop. */
	sigaction(SIGINT, &(struct sigaction){ .sa_handler = on_signal }, NULL);
	sigaction(SIGTERM, &(struct sigaction){ .sa_handler = on_signal }, NULL);
	say("registered; certificate %s, CA %s", c.cert, c.ca);
	ret = run();
	nl_close();
	kt_tls_conf_free(tls_conf);
	return ret;
}
