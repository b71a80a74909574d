/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The commands of the CLI (one file each, user/cmd_*.c) and what they
 * share (user/cmd.c). A command gets argv from its own name on and returns
 * an exit status.
 */
#ifndef WF_CMD_H
#define WF_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <getopt.h>
#include <linux/types.h>
#include "maps.h"
#include "opts.h"
#include "store.h"
#include "wslfwd.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };
/* open_maps(): no pins, distinct from every exit status. */
#define NOT_LOADED 100

struct env {
	const char *pin_dir;
	const char *config;
	bool json;
	bool pretty;
	int verbose;
};

/* The global options, as main and parse_opts() filled them. */
extern struct env env;

void apply_log_level(void);

/*
 * getopt over the global options plus those of the command called cmd
 * (user/opts.c; NULL: none, before the command word); stop_at_word: at
 * the first positional argument (the command word). Returns the index of
 * the first positional argument, or -EXIT_USAGE. cb handles the command's
 * options and returns 0 or an exit status.
 */
typedef int (*opt_cb)(int opt, const char *arg, void *ctx);

int parse_opts(int argc, char **argv, const char *cmd, bool stop_at_word, opt_cb cb,
	       void *ctx);

/* parse_opts() for a command that takes options only (load, unload,
 * status, list, stats, conns, watch, windows): an argument is refused. 0 or
 * an exit status. */
int parse_no_args(int argc, char **argv, const char *cmd, opt_cb cb, void *ctx);

/*
 * parse_opts() for a command that takes words after its options (add, del,
 * netsh): argc and argv become those words, checked by check_args().
 * needs: the error when there is none (NULL: none is fine). 0 or an exit
 * status.
 */
int parse_words(int *argc, char ***argv, const char *cmd, const char *needs);

/*
 * Unique-prefix match of word against names; exact match wins. Returns the
 * index, or -1 after printing an error that names the candidates.
 */
int match_word(const char *word, const char *const *names, int n, const char *what);

/* Open the pinned maps. 0 loaded, NOT_LOADED (quiet), else an exit
 * status after printing why. */
int open_maps(struct wf_maps *m);
/* open_maps(), with not loaded an error. */
int need_loaded(struct wf_maps *m);
/* The name of ifindex in buf (IF_NAMESIZE), NULL if there is none. */
const char *ifname_of(int ifindex, char *buf);
/* A literal LADDR must be ours, else nothing ever arrives for it: 0, or
 * an exit status after saying why (wf_store_check_laddr). */
int check_laddr(const struct wf_info *info, const struct wf_mapping *m);
/* Say that @what (a mapping's line, or "mappings to @host6") reaches a
 * link-local @host6 through the next-hop cache, which needs watch. */
void wf_warn_host6(const struct wf_info *info, const char *what, const struct wf_maps *m);
void wf_warn_ll6(const __be32 addr[4], bool host6, const char *what, const struct wf_maps *m);
__u64 now_ns(void);
/* The config file's mappings; on error the message is printed and the exit
 * status returned (2: a bad line, 1: cannot read it). */
int read_config(struct wf_mapping **cfg, size_t *n, size_t *dups);
/* The mapping lock (user/store.h): 0, or an exit status after saying why. */
int lock_mappings(void);
/* Control bytes in the command's words (a NUL cannot be in argv). */
int check_args(int argc, char **argv);

/* The store (user/store.h) over env's config and pins: 0, or an exit
 * status after saying why. */
int store_open(struct wf_store *s, unsigned int flags);
/* A store operation's err said; its exit status (2 refused, 1 failed). */
int store_error(const struct wf_store *s, const char *err);
/* wf_store_list, its error said: 0 or an exit status. */
int store_list(struct wf_store *s, struct wf_mapping **ms, __u32 **ids, size_t *n);

/* user/cmd_map.c: one change through an open store, its result printed;
 * an exit status. add_mapping/del_mapping open the store themselves. */
int store_add(struct wf_store *s, const struct wf_mapping *mp);
int store_del(struct wf_store *s, const struct wf_mapping *key);
int add_mapping(const struct wf_mapping *mp);
int del_mapping(const struct wf_mapping *key);

int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_add(int argc, char **argv);
int cmd_del(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_flush(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_conns(int argc, char **argv);
int cmd_netsh(int argc, char **argv);
int cmd_windows(int argc, char **argv);
int cmd_watch(int argc, char **argv);

#endif
