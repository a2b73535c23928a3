// SPDX-License-Identifier: GPL-2.0
/*
 * ktun(8)'s JSON writer: compact, one value per call, keys NULL inside
 * arrays; a top-level value ends with a newline.
 */
#include "ktun.h"

static void jw_sep(struct jw *w, const char *key)
{
	if (w->need_comma[w->depth])
		fputc(',', w->f);
	w->need_comma[w->depth] = true;
	if (key)
		fprintf(w->f, "\"%s\":", key);
}

static void jw_escaped(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void jw_begin(struct jw *w, const char *key, char open)
{
	jw_sep(w, key);
	fputc(open, w->f);
	w->need_comma[++w->depth] = false;
}

void jw_end(struct jw *w, char close)
{
	w->depth--;
	fputc(close, w->f);
	if (!w->depth)
		fputc('\n', w->f);
}

void jw_str(struct jw *w, const char *key, const char *val)
{
	jw_sep(w, key);
	jw_escaped(w->f, val);
}

void jw_uint(struct jw *w, const char *key, unsigned long long val)
{
	jw_sep(w, key);
	fprintf(w->f, "%llu", val);
}
