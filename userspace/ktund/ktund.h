/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktund(8): ktun's handshake daemon; what its files share.
 *
 *   main.c     start-up: settings, TLS configuration, registration,
 *              workers, the log
 *   config.c   the settings file and the command line
 *   hs.c       a worker's table of handshakes in flight
 *   nl.c       netlink with the module: the receive loop (main thread),
 *              resync, and the hs-* messages (workers)
 *   worker.c   the worker threads: their queues and the dispatch
 *   tls.c      the TLS engine (tls.h), which never touches a socket
 *
 * Threads: the main thread receives every message from the module and
 * hands each to the worker of its handshake (worker.c); a worker runs its
 * handshakes' steps and answers the module itself.  Shared by all: the
 * registered socket (nl.c: sends are whole messages, sequence numbers
 * atomic), the TLS configuration (tls.h says what protects what), the
 * counters below (atomic) and the log (say(): one write per line).
 */
#ifndef KTUND_H
#define KTUND_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <linux/netlink.h>

#include "tls.h"

#define KTUND_VERSION "0.1"

/* config.c */
struct cfg {
	char ca[256], cert[256], key[256];
	int nlbuf;		/* netlink receive buffer, bytes */
	int lifetime;		/* s a session may be resumed for; 0: never */
	unsigned int workers;	/* threads running handshakes */
};

#define LIFETIME_DEFAULT	300	/* 5 minutes, as TLS servers commonly keep them */
#define LIFETIME_MAX		86400

#define WORKERS_MAX	64	/* default: the CPUs online, at most this */

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
 * hs.c: handshakes in flight, in the table of the worker that runs them:
 * found by id through a hash table, and kept in the order they started
 * so the oldest can be forgotten.  The module ends every handshake within
 * its deadline (120 s at most) and says so (hs-abort); if that message is
 * lost (a receive overrun), the daemon asks the module which handshakes
 * it still has (resync()), and as a last resort forgets any handshake
 * once HS_MAX_MS have passed.  At most HS_MAX are kept in all, HS_MAX /
 * workers per worker: each holds an mbedTLS context of some 40 KiB.
 */
#define HS_BUCKETS	1024	/* per worker */
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

/* One worker's; no lock: only that worker touches it. */
struct hs_table {
	struct hs *buckets[HS_BUCKETS];
	struct hs *oldest, *newest;	/* start order: oldest, then ->newer */
	unsigned int n, max;		/* in the table; more are refused */
};

/* Handshakes ended, by every worker. */
extern atomic_ulong n_ok, n_failed;

void hs_table_init(struct hs_table *t, unsigned int max);
struct hs *hs_find(struct hs_table *t, uint32_t id);
/* A new handshake @id, started now and in @t; NULL if out of memory. */
struct hs *hs_new(struct hs_table *t, uint32_t id);
/* Takes @h out of @t and frees it with its engine. */
void hs_end(struct hs_table *t, struct hs *h);
void hs_sweep(struct hs_table *t);
void hs_ids_sort(uint32_t *ids, size_t n);
/* Forgets the handshakes of @t not in @ids (sorted: hs_ids_sort()). */
void hs_resync(struct hs_table *t, const uint32_t *ids, size_t n);
/* Frees every handshake left in @t, counting none. */
void hs_table_free(struct hs_table *t);

/* nl.c */
extern struct kt_tls_conf *tls_conf;

/* Opens the socket and registers as the daemon; 0, or 1 having said why. */
int nl_register(int nlbuf);
void nl_close(void);
/* Receives the module's messages for the workers until @stop; the exit status. */
int run(void);
/* Worker: handles one hs-start, hs-record or hs-abort for a handshake of @t. */
void nl_handle(struct hs_table *t, const struct nlmsghdr *nlh);

/*
 * worker.c: the workers, each with its queue of messages from the main
 * thread.  A queue holds at most about WORKER_QUEUE_MAX bytes: beyond, the
 * main thread waits for room, and the module's messages wait in the
 * socket's receive buffer, as they do while one thread is busy.
 */
#define WORKER_QUEUE_MAX	(1 << 20)

/* Starts @n workers; 0, or 1 having said why. */
int workers_start(unsigned int n);
/* Main thread: queues a copy of hs-* message @nlh for its handshake's worker. */
void workers_post(const struct nlmsghdr *nlh);
/* Main thread: the module has the handshakes @ids (sorted here); the
 * workers forget the others, after the messages queued before. */
void workers_resync(uint32_t *ids, size_t n);
/* Stops the workers, dropping what they have queued; joins them.  Every
 * engine is freed when it returns. */
void workers_stop(void);

/* main.c */
extern volatile sig_atomic_t stop;

void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
double ms_since(const struct timespec *t);

#endif /* KTUND_H */
