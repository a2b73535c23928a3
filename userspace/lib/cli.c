// SPDX-License-Identifier: GPL-2.0
/* Command-line helpers shared by ktun and ktun-pki (cli.h). */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

const char *cli_prog = "ktun";

int usage_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s help'.\n", cli_prog);
	return CLI_EXIT_USAGE;
}
