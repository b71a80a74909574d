/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The command line as data: every command with its arguments and options.
 * getopt, --help, the bash completion (dist/wslfwd.bash) and the man page's
 * synopsis (man/wslfwd.8) all come from, or are checked against, these
 * tables (tests/build/docs.sh). To add an option: a row in its command's
 * table (user/opts.c), its case in the command's option callback, its line
 * in the man page and the completion; `make test` says what disagrees.
 */
#ifndef WF_OPTS_H
#define WF_OPTS_H

#include <stdio.h>

/* What getopt returns for the options without a short letter. */
enum {
	OPT_PIN_DIR = 0x100,
	OPT_CONFIG,
	OPT_DEV,
	OPT_MODE,
	OPT_CT_SIZE,
	OPT_CT6_SIZE,
	OPT_TIMEOUT,
	OPT_REDIRECT,
	OPT_CGROUP,
	OPT_APPLY,
	OPT_WINDOWS,
	OPT_PROMETHEUS,
};

struct wf_opt {
	const char *name;	/* --name; NULL ends a table */
	int val;		/* getopt's value: the short letter, or an OPT_ id */
	const char *arg;	/* the argument as --help shows it; NULL: takes none */
	const char *words;	/* the fixed words the argument takes, space-separated */
	const char *help;
};

struct wf_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *args;	/* positional arguments as --help shows them */
	const struct wf_opt *opts;	/* NULL: none of its own */
	const char *help;
};

extern const struct wf_opt wf_global_opts[];
extern const struct wf_cmd wf_cmds[];
extern const int wf_n_cmds;

/* The command called name (exactly), or NULL. */
const struct wf_cmd *wf_cmd_find(const char *name);
/* Options in a table. */
int wf_opts_count(const struct wf_opt *o);

/* `wslfwd --help`: every command's synopsis, the global options. */
void wf_usage(FILE *f);
/* `wslfwd CMD --help`: its synopsis, what it does, its options. */
void wf_usage_cmd(FILE *f, const struct wf_cmd *c);

#endif
