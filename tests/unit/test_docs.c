// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The command line's documents agree with its tables (user/opts.c): the
 * bash completion (dist/wslfwd.bash) offers every command and option and
 * the words an option takes, the man page's synopsis lists each command's
 * options (and no others) and documents each one, --help shows them all.
 * Usage: test_docs ROOT (the source tree). TAP.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "opts.h"
#include "parse.h"
#include "tap.h"

#define MAX_DOC	(256 * 1024)

static char bash[MAX_DOC], man[MAX_DOC], help[MAX_DOC];

static void slurp(const char *root, const char *rel, char *buf)
{
	char path[4096];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "r");
	if (!f) {
		printf("Bail out! cannot read %s\n", path);
		exit(1);
	}
	n = fread(buf, 1, MAX_DOC - 1, f);
	buf[n] = 0;
	fclose(f);
}

/* The line of buf that starts (after blanks) with start, copied to out. */
static bool line_starting(const char *buf, const char *start, char *out, size_t len)
{
	const char *l = buf;

	while (l && *l) {
		const char *e = strchr(l, '\n'), *p = l + strspn(l, " \t");
		size_t n = e ? (size_t)(e - l) : strlen(l);

		if (!strncmp(p, start, strlen(start))) {
			snprintf(out, len, "%.*s", (int)n, l);
			return true;
		}
		l = e ? e + 1 : NULL;
	}
	return false;
}

/* word is in s as a whole word (ended by space, quote, '=', '|', ')'). */
static bool has_word(const char *s, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = strstr(s, word); p; p = strstr(p + 1, word)) {
		bool start = p == s || strchr(" \t\"(|", p[-1]);
		bool end = !p[n] || strchr(" \t\"=|)", p[n]);

		if (start && end)
			return true;
	}
	return false;
}

/* The words of the quoted list after key (`local globals="..."`, `-W "..."`). */
static int quoted_words(const char *line, const char *key, char *buf, size_t len, char **w,
			int max)
{
	const char *p = strstr(line, key), *e;

	if (!p)
		return 0;
	p += strlen(key);
	e = strchr(p, '"');
	snprintf(buf, len, "%.*s", e ? (int)(e - p) : 0, p);
	return wf_split_words(buf, w, max);
}

/* The --NAME words of a list match the options of a table (plus short
 * letters when shorts). Returns what differs in diff, empty if nothing. */
static void compare_opts(char **w, int n, const struct wf_opt *o, bool shorts, char *diff,
			 size_t len)
{
	char want[64];
	int i, found;

	diff[0] = 0;
	for (; o && o->name; o++) {
		snprintf(want, sizeof(want), "--%s", o->name);
		for (i = found = 0; i < n; i++)
			found |= !strcmp(w[i], want);
		if (!found)
			snprintf(diff + strlen(diff), len - strlen(diff), "missing %s ", want);
		if (shorts && o->val < 0x100) {
			snprintf(want, sizeof(want), "-%c", o->val);
			for (i = found = 0; i < n; i++)
				found |= !strcmp(w[i], want);
			if (!found)
				snprintf(diff + strlen(diff), len - strlen(diff), "missing %s ", want);
		}
	}
}

static bool opt_listed(const struct wf_opt *tab, const char *word)
{
	const struct wf_opt *o;

	for (o = tab; o && o->name; o++)
		if ((word[0] == '-' && word[1] == '-' && !strcmp(word + 2, o->name)) ||
		    (o->val < 0x100 && word[0] == '-' && word[1] == o->val && !word[2]))
			return true;
	return false;
}

/* Every word of a list that looks like an option is one of the table's. */
static void extra_opts(char **w, int n, const struct wf_opt *tab, char *diff, size_t len)
{
	int i;

	for (i = 0; i < n; i++)
		if (w[i][0] == '-' && (w[i][1] == '-' || isalpha((unsigned char)w[i][1])) &&
		    !opt_listed(tab, w[i]))
			snprintf(diff + strlen(diff), len - strlen(diff), "extra %s ", w[i]);
}

static void check_bash_cmds(void)
{
	char line[1024], buf[1024], diff[512] = "", *w[64];
	int n, i, j, found;

	line_starting(bash, "local cmds=", line, sizeof(line));
	n = quoted_words(line, "cmds=\"", buf, sizeof(buf), w, 64);
	for (i = 0; i < wf_n_cmds; i++) {
		for (j = found = 0; j < n; j++)
			found |= !strcmp(w[j], wf_cmds[i].name);
		if (!found)
			snprintf(diff + strlen(diff), sizeof(diff) - strlen(diff), "missing %s ",
				 wf_cmds[i].name);
	}
	check(n == wf_n_cmds && !diff[0], line, "completion: cmds lists every command %s", diff);

	line_starting(bash, "local globals=", line, sizeof(line));
	n = quoted_words(line, "globals=\"", buf, sizeof(buf), w, 64);
	compare_opts(w, n, wf_global_opts, true, diff, sizeof(diff));
	extra_opts(w, n, wf_global_opts, diff, sizeof(diff));
	check(!diff[0], line, "completion: globals are the global options %s", diff);
}

/* A command's line in the completion's `case $cmd`: "load) COMPREPLY=..." */
static void check_bash_cmd(const struct wf_cmd *c)
{
	char start[64], line[1024], buf[1024], diff[512] = "", *w[64];
	int n = 0;

	snprintf(start, sizeof(start), "%s) COMPREPLY=($(compgen -W \"--", c->name);
	if (line_starting(bash, start, line, sizeof(line)))
		n = quoted_words(line, "-W \"", buf, sizeof(buf), w, 64);
	compare_opts(w, n, c->opts, false, diff, sizeof(diff));
	extra_opts(w, n, c->opts, diff, sizeof(diff));
	check(!diff[0] && (n > 0) == (c->opts != NULL), n ? line : "(no line)",
	      "completion: %s offers its options %s", c->name, diff);
}

/* An option's argument in the completion's `case $prev`: from "--mode)"
 * to its ";;". */
static void check_bash_arg(const struct wf_opt *o)
{
	char start[64], arm[2048], diff[512] = "", buf[256], *w[32];
	const char *p, *e;
	int i, n;

	snprintf(start, sizeof(start), "\t--%s)", o->name);
	p = strstr(bash, start);
	e = p ? strstr(p, ";;") : NULL;
	if (!e) {
		check(false, NULL, "completion: --%s completes its argument", o->name);
		return;
	}
	snprintf(arm, sizeof(arm), "%.*s", (int)(e - p), p + 1);
	n = o->words ? split_str(o->words, buf, sizeof(buf), w, 32) : 0;
	for (i = 0; i < n; i++)
		if (!has_word(arm, w[i]))
			snprintf(diff + strlen(diff), sizeof(diff) - strlen(diff), "missing %s ",
				 w[i]);
	check(!diff[0], arm, "completion: --%s completes its argument %s", o->name, diff);
}

/* The man page's synopsis of c: from ".B wslfwd NAME" to the next ".br". */
static bool man_synopsis(const struct wf_cmd *c, char *out, size_t len)
{
	char start[64];
	const char *p, *e;

	snprintf(start, sizeof(start), "\n.B wslfwd %s", c->name);
	p = strstr(man, start);
	while (p && p[strlen(start)] != '\n' && p[strlen(start)] != ' ')
		p = strstr(p + 1, start);
	if (!p)
		return false;
	e = strstr(p + 1, "\n.br");
	if (!e || (strstr(p + 1, "\n.SH") && strstr(p + 1, "\n.SH") < e))
		e = strstr(p + 1, "\n.SH");
	snprintf(out, len, "%.*s", e ? (int)(e - p) : (int)strlen(p), p);
	return true;
}

/* man's "\-\-ct\-size" as "--ct-size": the words of a roff block. */
static int roff_words(const char *roff, char *buf, size_t len, char **w, int max)
{
	size_t i, j;

	for (i = j = 0; roff[i] && j < len - 1; i++) {
		if (roff[i] == '\\' && roff[i + 1] == '-') {
			buf[j++] = '-';
			i++;
		} else if (roff[i] == '\\' && roff[i + 1] == 'f' && roff[i + 2]) {
			i += 2;		/* \fB, \fI, \fP: font changes */
		} else {
			buf[j++] = strchr("[]|,=", roff[i]) ? ' ' : roff[i];
		}
	}
	buf[j] = 0;
	return wf_split_words(buf, w, max);
}

static void check_man_cmd(const struct wf_cmd *c)
{
	char block[4096], buf[4096], wbuf[256], diff[512] = "", *w[256], *ow[32];
	const struct wf_opt *o;
	int n = 0, i, k, m;

	if (!man_synopsis(c, block, sizeof(block))) {
		check(false, NULL, "man: SYNOPSIS has wslfwd %s", c->name);
		return;
	}
	n = roff_words(block, buf, sizeof(buf), w, 256);
	compare_opts(w, n, c->opts, false, diff, sizeof(diff));
	extra_opts(w, n, c->opts, diff, sizeof(diff));
	for (o = c->opts; o && o->name; o++) {
		/* the words an ARG|ARG argument spells out in the synopsis */
		m = o->words && o->arg && strchr(o->arg, '|') ?
			    split_str(o->words, wbuf, sizeof(wbuf), ow, 32) : 0;
		for (k = 0; k < m; k++) {
			for (i = 0; i < n && strcmp(w[i], ow[k]); i++)
				;
			if (i == n)
				snprintf(diff + strlen(diff), sizeof(diff) - strlen(diff),
					 "--%s lacks %s ", o->name, ow[k]);
		}
	}
	check(!diff[0], block, "man: SYNOPSIS of %s lists its options %s", c->name, diff);
}

/* Each option has a paragraph: a ".TP" whose next line names it. */
static void check_man_described(const struct wf_opt *o)
{
	bool found = false;
	char *p;

	for (p = strstr(man, "\n.TP\n"); p && !found; p = strstr(p + 1, "\n.TP\n")) {
		char line[256], words[256], *w[16];
		const char *l = p + 5, *e = strchr(l, '\n');
		int n, i;

		snprintf(line, sizeof(line), "%.*s", e ? (int)(e - l) : 0, l);
		n = roff_words(line, words, sizeof(words), w, 16);
		for (i = 0; i < n; i++)
			if (w[i][0] == '-' && w[i][1] == '-' && !strcmp(w[i] + 2, o->name))
				found = true;
	}
	check(found, NULL, "man: --%s has a paragraph of its own", o->name);
}

static void check_help(void)
{
	char diff[512] = "", want[64];
	const struct wf_opt *o;
	FILE *f = fmemopen(help, sizeof(help), "w");
	int i;

	wf_usage(f);
	for (i = 0; i < wf_n_cmds; i++)
		wf_usage_cmd(f, &wf_cmds[i]);
	fclose(f);
	for (o = wf_global_opts; o->name; o++) {
		snprintf(want, sizeof(want), "--%s", o->name);
		if (!strstr(help, want))
			snprintf(diff + strlen(diff), sizeof(diff) - strlen(diff), "%s ", want);
	}
	for (i = 0; i < wf_n_cmds; i++)
		for (o = wf_cmds[i].opts; o && o->name; o++) {
			snprintf(want, sizeof(want), "--%s", o->name);
			if (!strstr(help, want))
				snprintf(diff + strlen(diff), sizeof(diff) - strlen(diff), "%s ",
					 want);
		}
	check(!diff[0], diff, "--help shows every option");
}

int main(int argc, char **argv)
{
	const struct wf_opt *o;
	int i;

	if (argc != 2) {
		fprintf(stderr, "usage: test_docs SOURCE_ROOT\n");
		return 2;
	}
	slurp(argv[1], "dist/wslfwd.bash", bash);
	slurp(argv[1], "man/wslfwd.8", man);

	check_bash_cmds();
	for (o = wf_global_opts; o->name; o++) {
		if (o->arg)
			check_bash_arg(o);
		check_man_described(o);
	}
	for (i = 0; i < wf_n_cmds; i++) {
		check_bash_cmd(&wf_cmds[i]);
		check_man_cmd(&wf_cmds[i]);
		for (o = wf_cmds[i].opts; o && o->name; o++) {
			if (o->arg)
				check_bash_arg(o);
			check_man_described(o);
		}
	}
	check_help();
	printf("1..%d\n", t_num);
	return t_fail != 0;
}
