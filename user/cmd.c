// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What every command shares (user/cmd.h): the global options and their
 * parsing, prefix matching of words, opening the pins, reading the config,
 * the mapping lock.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cmd.h"
#include "config.h"
#include "log.h"
#include "nexthop.h"
#include "opts.h"
#include "parse.h"
#include "print.h"
#include "store.h"

#ifndef WSLFWD_VERSION
#define WSLFWD_VERSION "0.0.0"
#endif

struct env env;

void apply_log_level(void)
{
	wf_print_set_json(env.json, env.pretty);
	wf_log_set_level(WF_LOG_INFO + env.verbose);
}

/* getopt's table: the global options, then the command's. */
static void getopt_table(const struct wf_cmd *cmd, struct option *out, char *shorts)
{
	const struct wf_opt *tabs[2] = { wf_global_opts, cmd ? cmd->opts : NULL }, *o;
	size_t t;

	*shorts++ = ':';
	for (t = 0; t < ARRAY_SIZE(tabs); t++)
		for (o = tabs[t]; o && o->name; o++) {
			*out++ = (struct option){ o->name, o->arg ? required_argument : no_argument,
						  NULL, o->val };
			if (o->val < 0x100) {
				*shorts++ = o->val;
				if (o->arg)
					*shorts++ = ':';
			}
		}
	*out = (struct option){ 0 };
	*shorts = 0;
}

int parse_opts(int argc, char **argv, const char *name, bool stop_at_word, opt_cb cb,
	       void *ctx)
{
	const struct wf_cmd *cmd = name ? wf_cmd_find(name) : NULL;
	int n = wf_opts_count(wf_global_opts) + (cmd ? wf_opts_count(cmd->opts) : 0);
	struct option opts[n + 1];
	char shorts[2 * n + 3];
	int c, ret;

	/* "+": stop at the first positional (the command word) */
	shorts[0] = '+';
	getopt_table(cmd, opts, shorts + stop_at_word);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			env.json = true;
			break;
		case 'p':
			env.pretty = true;
			break;
		case 'v':
			env.verbose++;
			break;
		case OPT_PIN_DIR:
			env.pin_dir = optarg;
			break;
		case OPT_CONFIG:
			env.config = optarg;
			break;
		case 'h':
			apply_log_level();
			if (cmd)
				wf_usage_cmd(stdout, cmd);
			else
				wf_usage(stdout);
			exit(EXIT_OK);
		case 'V':
			apply_log_level();
			wf_print_version(WSLFWD_VERSION);
			exit(EXIT_OK);
		case '?':
		case ':':
			apply_log_level();
			if (optopt && optopt < 0x100)
				wf_error("option -%c %s; see 'wslfwd %s%s--help'", optopt,
					 c == ':' ? "needs an argument" : "is unknown",
					 cmd ? cmd->name : "", cmd ? " " : "");
			else
				wf_error("option '%s' %s; see 'wslfwd %s%s--help'", argv[optind - 1],
					 c == ':' ? "needs an argument" : "is unknown",
					 cmd ? cmd->name : "", cmd ? " " : "");
			return -EXIT_USAGE;
		default:
			ret = cb ? cb(c, optarg, ctx) : EXIT_USAGE;
			if (ret)
				return -ret;
		}
	}
	apply_log_level();
	return optind;
}

int parse_no_args(int argc, char **argv, const char *name, opt_cb cb, void *ctx)
{
	int idx = parse_opts(argc, argv, name, false, cb, ctx);

	if (idx < 0)
		return -idx;
	if (idx < argc) {
		wf_error("%s takes no argument '%s'; see 'wslfwd %s --help'", name, argv[idx], name);
		return EXIT_USAGE;
	}
	return 0;
}

int parse_words(int *argc, char ***argv, const char *name, const char *needs)
{
	int idx = parse_opts(*argc, *argv, name, false, NULL, NULL);

	if (idx < 0)
		return -idx;
	if (needs && idx >= *argc) {
		wf_error("%s", needs);
		return EXIT_USAGE;
	}
	*argc -= idx;
	*argv += idx;
	return check_args(*argc, *argv);
}

/*
 * Unique-prefix match of word against names; exact match wins. Returns the
 * index, or -1 after printing an error that names the candidates.
 */
int match_word(const char *word, const char *const *names, int n, const char *what)
{
	char cand[256] = "";
	int i, hit = -1, hits = 0;

	for (i = 0; i < n; i++) {
		if (!strcmp(word, names[i]))
			return i;
		if (*word && !strncmp(word, names[i], strlen(word))) {
			hit = i;
			hits++;
			if (cand[0])
				strncat(cand, ", ", sizeof(cand) - strlen(cand) - 1);
			strncat(cand, names[i], sizeof(cand) - strlen(cand) - 1);
		}
	}
	if (hits == 1)
		return hit;
	if (hits > 1) {
		wf_error("%s '%s' is ambiguous: %s", what, word, cand);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (cand[0])
			strncat(cand, ", ", sizeof(cand) - strlen(cand) - 1);
		strncat(cand, names[i], sizeof(cand) - strlen(cand) - 1);
	}
	wf_error("unknown %s '%s' (expected %s)", what, word, cand);
	return -1;
}

/* Open the pinned maps. 0 loaded, NOT_LOADED (quiet), else an exit
 * status after printing why. */
int open_maps(struct wf_maps *m)
{
	char err[PATH_MAX + 128];
	int ret = wf_store_open_maps(m, env.pin_dir, err, sizeof(err));

	if (!ret)
		return 0;
	if (ret == -ENOENT)
		return NOT_LOADED;
	wf_error("%s", err);
	return EXIT_FAIL;
}

int need_loaded(struct wf_maps *m)
{
	int ret = open_maps(m);

	if (ret == NOT_LOADED) {
		wf_error("wslfwd is not loaded (no pins in %s); run 'wslfwd load' first",
			 env.pin_dir);
		return EXIT_FAIL;
	}
	return ret;
}

const char *ifname_of(int ifindex, char *buf)
{
	return ifindex && if_indextoname(ifindex, buf) ? buf : NULL;
}

int check_laddr(const struct wf_info *info, const struct wf_mapping *m)
{
	char err[512];
	int ret = wf_store_check_laddr(info, m, err, sizeof(err));

	if (!ret)
		return 0;
	wf_error("%s", err);
	return ret == -EADDRNOTAVAIL ? EXIT_USAGE : EXIT_FAIL;
}

/* How a link-local target (@host6 or a literal one, @addr) is reached, and
 * what watch changes: with a probe in its wf_nh entry (a route of IFACE has
 * it as gateway) the kernel's FIB answers for it once the entry is past
 * its age; without, only watch keeps its entry fresh. */
void wf_warn_ll6(const __be32 addr[4], bool host6, const char *what, const struct wf_maps *m)
{
	char a[80], p[64];
	__be32 probe[4];

	wf_format_addr(WF_AF_INET6, addr, p, sizeof(p));
	snprintf(a, sizeof(a), host6 ? "@host6 (%s)" : "[%s]", p);
	if (m && wf_nh_probe_get(m, addr, probe)) {
		wf_format_addr(WF_AF_INET6, probe, p, sizeof(p));
		pr_info("wslfwd: %s: %s is link-local, on the device: reached through the "
			"next-hop cache, and after %d s without 'wslfwd watch' through the kernel's "
			"route via it (the FIB's answer for %s)\n", what, a, WF_NH_TTL_S, p);
		return;
	}
	pr_info("wslfwd: %s: %s is link-local, on the device, and no route's gateway: reached "
		"through the next-hop cache, which 'wslfwd watch' keeps current; without watch "
		"its new connections are dropped (fib) from %d s after this command\n", what, a,
		WF_NH_TTL_S);
}

void wf_warn_host6(const struct wf_info *info, const char *what, const struct wf_maps *m)
{
	if (wf_addr6_linklocal(info->host6))
		wf_warn_ll6(info->host6, true, what, m);
}

int store_open(struct wf_store *s, unsigned int flags)
{
	char err[PATH_MAX * 2 + 256];
	int ret = wf_store_open(s, env.config, env.pin_dir, flags, err, sizeof(err));

	return ret ? store_error(s, err) : 0;
}

int store_error(const struct wf_store *s, const char *err)
{
	wf_error("%s", err);
	return s->refused ? EXIT_USAGE : EXIT_FAIL;
}

int store_list(struct wf_store *s, struct wf_mapping **ms, __u32 **ids, size_t *n)
{
	char err[1024];

	return wf_store_list(s, ms, ids, n, err, sizeof(err)) ? store_error(s, err) : 0;
}

__u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The config file's mappings; on error the message is printed and the exit
 * status returned (2: a bad line, 1: cannot read it). */
int read_config(struct wf_mapping **cfg, size_t *n, size_t *dups)
{
	char err[1024];
	int ret;

	ret = wf_config_read(env.config, cfg, n, dups, err, sizeof(err));
	if (!ret)
		return 0;
	wf_error("%s", err);
	return ret == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
}

int lock_mappings(void)
{
	char err[PATH_MAX + 128];
	int ret = wf_store_lock(env.config, err, sizeof(err));

	if (ret) {
		wf_error("%s", err);
		return EXIT_FAIL;
	}
	return 0;
}

/* Control bytes in the command's words (a NUL cannot be in argv). */
int check_args(int argc, char **argv)
{
	char err[256];
	int i;

	for (i = 0; i < argc; i++) {
		if (wf_check_bytes(argv[i], strlen(argv[i]), err, sizeof(err))) {
			wf_error("argument %d: %s", i + 1, err);
			return EXIT_USAGE;
		}
	}
	return 0;
}
