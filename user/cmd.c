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
#include "parse.h"
#include "print.h"
#include "store.h"

#ifndef WSLFWD_VERSION
#define WSLFWD_VERSION "0.0.0"
#endif

struct env env;

static const struct option global_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "pretty", no_argument, NULL, 'p' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "pin-dir", required_argument, NULL, OPT_PIN_DIR },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
};
#define N_GLOBAL (sizeof(global_opts) / sizeof(global_opts[0]))

void usage(FILE *f)
{
	fprintf(f,
		"Usage: wslfwd [OPTIONS] COMMAND [ARGS]\n"
		"Per-packet port forwarding in the kernel for WSL2 (XDP and tc).\n\n"
		"Commands (unique prefixes accepted):\n"
		"  load    [--dev IFACE] [--mode auto|xdp|xdp-generic|tc] [--cgroup PATH|none]\n"
		"          [--ct-size N] [--redirect auto|none|DEV[,DEV...]]\n"
		"          [--timeout CLASS=SECONDS[,...]]   conntrack timeouts, kept in the pins;\n"
		"          CLASS: tcp-syn-sent tcp-syn-recv tcp-est tcp-fin-wait tcp-close-wait\n"
		"          tcp-time-wait tcp-close tcp-unreplied udp udp-stream (see 'man wslfwd')\n"
		"  unload\n"
		"  status\n"
		"  add     PROTO [LADDR:]LPORT[-LPORT2] TADDR:TPORT [allow CIDR[,CIDR...]]\n"
		"          [snat auto|always|never]\n"
		"  del     PROTO [LADDR:]LPORT[-LPORT2]\n"
		"  list\n"
		"  stats   [--prometheus]   counters; --prometheus: Prometheus text format\n"
		"  conns\n"
		"  flush   conns | mappings\n"
		"  watch   [--dev IFACE] [--windows]   follow @vm/@host, SIGHUP reloads the config\n"
		"  netsh   interface portproxy add|set|delete|show ...   (Windows' own words)\n"
		"  windows [--apply]   the Windows-side lines that expose the mappings to the LAN\n\n"
		"  PROTO := tcp | udp | both   LADDR := @vm | IPv4 | 127.0.0.1 (local clients)\n"
		"  TADDR := @vm | @host | IPv4 | 127.0.0.1 (a server bound to loopback only)\n\n"
		"Options:\n"
		"  -j, --json         JSON output (errors as {\"error\": ...})\n"
		"  -p, --pretty       pretty-printed JSON\n"
		"  -v, --verbose      debug output (twice: libbpf details)\n"
		"      --pin-dir DIR  pinned state (default %s, env WSLFWD_PIN_DIR)\n"
		"      --config FILE  mappings file (default %s, env WSLFWD_CONFIG)\n"
		"  -h, --help         this help\n"
		"  -V, --version      version\n\n"
		"Exit status: 0 done, 1 runtime failure, 2 bad usage or input.\n"
		"See wslfwd(8).\n",
		WF_PIN_DIR_DEFAULT, WF_CONFIG_DEFAULT);
}

void apply_log_level(void)
{
	wf_print_set_json(env.json, env.pretty);
	wf_log_set_level(WF_LOG_INFO + env.verbose);
}

int parse_opts(int argc, char **argv, const struct option *extra, size_t n_extra,
		      const char *first_positional_stops, opt_cb cb, void *ctx)
{
	struct option opts[N_GLOBAL + 8];
	size_t i, n = 0;
	int c, ret;

	for (i = 0; i < N_GLOBAL; i++)
		opts[n++] = global_opts[i];
	for (i = 0; i < n_extra && n < sizeof(opts) / sizeof(opts[0]) - 1; i++)
		opts[n++] = extra[i];
	memset(&opts[n], 0, sizeof(opts[n]));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, first_positional_stops ? "+:jpvhV" : ":jpvhV", opts,
				NULL)) != -1) {
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
			usage(stdout);
			exit(EXIT_OK);
		case 'V':
			apply_log_level();
			wf_print_version(WSLFWD_VERSION);
			exit(EXIT_OK);
		case '?':
		case ':':
			apply_log_level();
			if (optopt && optopt < 0x100)
				wf_error("option -%c %s; see 'wslfwd --help'", optopt,
					 c == ':' ? "needs an argument" : "is unknown");
			else
				wf_error("option '%s' %s; see 'wslfwd --help'", argv[optind - 1],
					 c == ':' ? "needs an argument" : "is unknown");
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
