/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktund(8): ktun's handshake daemon; what its files share.
 *
 *   main.c     start-up: settings, TLS configuration, registration, log
 *   config.c   the settings file and the command line
 *   hs.c       the table of handshakes in flight
 *   nl.c       netlink with the module: the hs-* messages, resync, the loop
 *   tls.c      the TLS engine (tls.h), which never touches a socket
 */
#ifndef KTUND_H
#define KTUND_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "tls.h"

#define KTUND_VERSION "0.1"

/* config.c */
struct cfg {
	char ca[256], cert[256], key[256];
	int nlbuf;		/* netlink receive buffer, bytes */
	int lifetime;		/* s a session may be resumed for; 0: never */
};

#define LIFETIME_DEFAULT	0	/* off: see ktund(8), TLS */
#define LIFETIME_MAX		86400

#define NLBUF_MIN	4096
#define NLBUF_MAX	(1 << 30)

extern bool verbose;

/*
 * Fills @c from the command line and the settings file; returns -1 to go
 * on, or the exit status (help, version, a usage error).  A bad settings
 * file exits.
 */
int cfg_read(struct cfg *c, int argc, char **argv);

/*
 * hs.c: handshakes in flight: found by id through a hash table, and kept
 * in the order they started so the oldest can be forgotten.  The module
 * ends every handshake within its deadline (120 s at most) and says so
 * (hs-abort); if that message is lost (a receive overrun), the daemon
 * asks the module which handshakes it still has (resync()), and as a last
 * resort forgets any handshake once HS_MAX_MS have passed.  At most
 * HS_MAX are kept: each holds an mbedTLS context of some 40 KiB.
 */
#define HS_BUCKETS	1024
#define HS_MAX		8192
#define HS_MAX_MS	130000

struct hs {
	struct hs *next;		/* in its bucket */
	struct hs *older, *newer;	/* in start order */
	uint32_t id;
	struct kt_hs *tls;
	struct timespec start;
	char desc[192];		/* "client 10.0.0.1:40000 -> 10.0.0.2:7000" */
};

extern struct hs *hs_oldest;	/* then ->newer */
extern unsigned int n_hs;
extern unsigned long n_ok, n_failed;

struct hs *hs_find(uint32_t id);
/* A new handshake @id, started now and in the table; NULL if out of memory. */
struct hs *hs_new(uint32_t id);
/* Takes @h out of the table and frees it with its engine. */
void hs_end(struct hs *h);
void hs_sweep(void);

/* nl.c */
extern struct kt_tls_conf *tls_conf;

/* Opens the socket and registers as the daemon; 0, or 1 having said why. */
int nl_register(int nlbuf);
void nl_close(void);
/* Runs handshakes until @stop; returns the exit status. */
int run(void);

/* main.c */
extern volatile sig_atomic_t stop;

void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
double ms_since(const struct timespec *t);

#endif /* KTUND_H */
