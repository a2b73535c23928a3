/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command-line helpers ktun and ktun-pki share: argv is stepped through
 * as iproute2 does, and a usage error is one line on stderr naming the
 * program, then where to find help, with exit status 2.
 */
#ifndef KTUN_LIB_CLI_H
#define KTUN_LIB_CLI_H

/* Exit status of a bad command line, for every ktun program. */
#define CLI_EXIT_USAGE	2

/* The program's name in messages ("ktun"); main() sets it first. */
extern const char *cli_prog;

/*
 * Prints "PROG: <message>" and "Try 'PROG help'." to stderr; returns
 * CLI_EXIT_USAGE.
 */
int usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define NEXT_ARG() (argc--, argv++)
#define NEED_ARG(kw) do {						\
	if (argc < 2)							\
		return usage_err("\"%s\" needs a value", kw);		\
	NEXT_ARG();							\
} while (0)

#endif /* KTUN_LIB_CLI_H */
