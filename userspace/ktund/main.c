// SPDX-License-Identifier: GPL-2.0
/*
 * ktund: ktun's handshake daemon.
 *
 * Registers with the ktun module of its network namespace, then runs every
 * handshake the module relays: hs-start opens a TLS engine (tls.c), each
 * hs-record feeds it one record, and the engine's output goes back as
 * hs-data, or with the keys as hs-done, or as hs-fail.  The daemon never
 * touches a connection.  One thread receives; a step takes microseconds
 * to a few milliseconds (the ECDHE and signature work), so the steps run
 * on workers, one per CPU by default (worker.c), and hundreds of
 * handshakes can be in flight.
 *
 * This file starts it: settings (config.c), the TLS configuration,
 * registration and the loop (nl.c), the workers, and the log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ktund.h"

volatile sig_atomic_t stop;

/*
 * One write() per line, so that the workers' lines never interleave
 * (nor, up to PIPE_BUF, another writer's to the same pipe); a longer
 * line is cut.
 */
void say(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line + 7, sizeof(line) - 8, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 9)
		n = sizeof(line) - 9;
	memcpy(line, "ktund: ", 7);
	line[7 + n] = '\n';
	if (write(STDERR_FILENO, line, 7 + n + 1) < 0)
		return;		/* nowhere to say it */
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
	/* No SA_RESTART: poll() must return to see @stop. */
	sigaction(SIGINT, &(struct sigaction){ .sa_handler = on_signal }, NULL);
	sigaction(SIGTERM, &(struct sigaction){ .sa_handler = on_signal }, NULL);
	if (workers_start(c.workers)) {
		nl_close();
		kt_tls_conf_free(tls_conf);
		return 1;
	}
	say("registered; certificate %s, CA %s; %u worker%s", c.cert, c.ca,
	    c.workers, c.workers == 1 ? "" : "s");
	ret = run();
	workers_stop();		/* joined: no engine is in use, none is left */
	if (!ret)
		say("exiting: %lu handshakes ok, %lu failed", atomic_load(&n_ok),
		    atomic_load(&n_failed));
	nl_close();
	kt_tls_conf_free(tls_conf);
	return ret;
}
