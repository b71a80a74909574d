// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * wslfwd: loader and control CLI. A table of commands (unique prefixes
 * accepted, like bpftool), global options before or after the command,
 * exit status 0 done, 1 runtime failure, 2 bad usage or input.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "addr.h"
#include "attach.h"
#include "bpffs.h"
#include "config.h"
#include "loader.h"
#include "log.h"
#include "ports.h"
#include "maps.h"
#include "netdev.h"
#include "netmode.h"
#include "netsh.h"
#include "parse.h"
#include "print.h"
#include "store.h"
#include "watch.h"
#include "windows.h"

#ifndef WSLFWD_VERSION
#define WSLFWD_VERSION "0.0.0"
#endif

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

static struct env env;

/* ---------------------------------------------------------------- options */

enum {
	OPT_PIN_DIR = 0x100,
	OPT_CONFIG,
	OPT_DEV,
	OPT_MODE,
	OPT_CT_SIZE,
	OPT_TIMEOUT,
	OPT_REDIRECT,
	OPT_CGROUP,
	OPT_APPLY,
	OPT_WINDOWS,
	OPT_PROMETHEUS,
};

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

static void usage(FILE *f)
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

static void apply_log_level(void)
{
	wf_print_set_json(env.json, env.pretty);
	wf_log_set_level(WF_LOG_INFO + env.verbose);
}

/*
 * getopt over the global options plus a command's own; returns the index
 * of the first positional argument, or -EXIT_USAGE. cb handles the
 * command's options and returns 0 or an exit status.
 */
typedef int (*opt_cb)(int opt, const char *arg, void *ctx);

static int parse_opts(int argc, char **argv, const struct option *extra, size_t n_extra,
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
			if (wf_print_json()) {
				json_object *o = json_object_new_object();

				json_object_object_add(o, "version",
						       json_object_new_string(WSLFWD_VERSION));
				wf_json_put(o);
			} else {
				printf("wslfwd %s\n", WSLFWD_VERSION);
			}
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
static int match_word(const char *word, const char *const *names, int n, const char *what)
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

/* ------------------------------------------------------------- helpers */

/* Open the pinned maps. 0 loaded, NOT_LOADED (quiet), else an exit
 * status after printing why. */
static int open_maps(struct wf_maps *m)
{
	int err = wf_maps_open(m, env.pin_dir);

	if (!err)
		return 0;
	if (err == -ENOENT)
		return NOT_LOADED;
	if (err == -EACCES || err == -EPERM)
		wf_error("cannot open the pins in %s: %s; run as root", env.pin_dir,
			 strerror(-err));
	else if (err == -EBADF)
		wf_error("the pin dir %s is incomplete; run 'wslfwd unload', then 'wslfwd load'",
			 env.pin_dir);
	else
		wf_error("cannot open the pins in %s: %s", env.pin_dir, strerror(-err));
	return EXIT_FAIL;
}

static int need_loaded(struct wf_maps *m)
{
	int ret = open_maps(m);

	if (ret == NOT_LOADED) {
		wf_error("wslfwd is not loaded (no pins in %s); run 'wslfwd load' first",
			 env.pin_dir);
		return EXIT_FAIL;
	}
	return ret;
}

static const char *ifname_of(int ifindex, char *buf)
{
	return ifindex && if_indextoname(ifindex, buf) ? buf : NULL;
}

/* Prime the neighbour a one-arm target will need (literal IPv4 or @host). */
static void prime_target(const struct wf_info *info, const struct wf_mapping *m)
{
	__be32 dst = 0;

	if (m->family != WF_AF_INET)
		return;
	if (m->taddr_kind == WF_ADDR_LITERAL)
		dst = m->taddr[0];
	else if (m->taddr_kind == WF_ADDR_HOST)
		dst = info->host4;
	if (dst)
		wf_neigh_prime4(info->ifindex, dst);
}

/* A literal LADDR must be ours, else nothing ever arrives for it. */
static int check_laddr(const struct wf_info *info, const struct wf_mapping *m)
{
	char a[64], dev[IF_NAMESIZE];
	int ret;

	if (m->laddr_kind != WF_ADDR_LITERAL || m->family != WF_AF_INET ||
	    wf_mapping_local_clients(m))
		return 0;
	ret = wf_addr_is_local4(info->ifindex, m->laddr[0]);
	wf_format_addr(m->family, m->laddr, a, sizeof(a));
	if (ret < 0) {
		wf_error("cannot read the addresses of ifindex %u: %s", info->ifindex,
			 strerror(-ret));
		return EXIT_FAIL;
	}
	if (!ret) {
		wf_error("%s is not an address of %s; use @vm or one of its addresses ('ip -4 addr show %s')",
			 a, ifname_of(info->ifindex, dev) ?: "the device", dev);
		return EXIT_USAGE;
	}
	return 0;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ---------------------------------------------------------------- load */

/* The config file's mappings; on error the message is printed and the exit
 * status returned (2: a bad line, 1: cannot read it). */
static int read_config(struct wf_mapping **cfg, size_t *n, size_t *dups)
{
	char err[1024];
	int ret;

	ret = wf_config_read(env.config, cfg, n, dups, err, sizeof(err));
	if (!ret)
		return 0;
	wf_error("%s", err);
	return ret == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
}

static int lock_mappings(void);
static int config_listen_twice(const struct wf_mapping *cfg, size_t n, int ifindex);

#define WF_REDIRECT_ARGS 8

struct load_args {
	const char *dev;
	const char *cgroup;	/* NULL: the cgroup v2 root; "none": no socket hooks */
	enum wf_mode mode;
	unsigned long ct_size;
	/* --timeout: the states given (nonzero), merged over what the pins
	 * hold; has_timeout: any given (one meaning "default" included) */
	struct wf_ct_conf timeout;
	bool timeout_set[WF_CT_STATE_MAX];
	bool has_timeout;
	bool redirect_auto;	/* --redirect auto (the default) */
	char *redirect[WF_REDIRECT_ARGS];	/* --redirect DEV[,DEV...] */
	__u32 redirect_ifindex[WF_REDIRECT_ARGS];
	int n_redirect;
};

/*
 * --redirect DEV: the user vouches that XDP frames redirected to DEV are
 * delivered (a NIC whose driver has ndo_xdp_xmit, a veth whose peer has an
 * XDP program or GRO on). What we can check, we refuse: IFACE's driver
 * cannot redirect (hv_netvsc before 5.19), a bridge never takes XDP
 * frames, and a device the kernel reports without NDO_XMIT (6.3+) would
 * drop them. Frame sizes are checked per packet against wf_dev_mtu. Unlike
 * auto, the list is not kept current: a peer turning GRO off later loses
 * frames.
 */
static int redirect_check(struct load_args *a)
{
	char path[128], why[256];
	struct wf_attach_facts f;
	__u64 feat;
	int i;

	if (a->n_redirect) {
		/* The receiving driver must do XDP_REDIRECT at all. */
		wf_attach_gather(a->dev, if_nametoindex(a->dev), &f);
		if (!wf_attach_redirect_ok(&f, why, sizeof(why))) {
			wf_error("--redirect: %s: frames sent there would be lost; leave --redirect "
				 "out (targets behind the VM then go through the stack)", why);
			return EXIT_USAGE;
		}
	}
	for (i = 0; i < a->n_redirect; i++) {
		const char *d = a->redirect[i];

		a->redirect_ifindex[i] = if_nametoindex(d);
		if (!a->redirect_ifindex[i]) {
			wf_error("--redirect: no such device %s: %s", d, strerror(errno));
			return EXIT_FAIL;
		}
		snprintf(path, sizeof(path), "/sys/class/net/%s/bridge", d);
		if (!access(path, F_OK)) {
			wf_error("--redirect: %s is a bridge, which cannot take XDP frames; "
				 "traffic to it goes through the stack already", d);
			return EXIT_USAGE;
		}
		if (!wf_netdev_xdp_features(a->redirect_ifindex[i], &feat) &&
		    !(feat & WF_NETDEV_XDP_ACT_NDO_XMIT)) {
			wf_error("--redirect: the kernel says %s does not take XDP frames now "
				 "(for a veth: its peer has neither GRO on nor an XDP program); "
				 "frames sent there would be lost", d);
			return EXIT_USAGE;
		}
	}
	return 0;
}

/*
 * --redirect auto (XDP modes): redirect to the devices the kernel itself
 * reports able to take XDP frames, and mark wf_info so that watch keeps
 * the list current. A kernel that cannot report it (before 6.3) gets no
 * redirect: everything goes through the stack. Only a failure to write
 * wf_info fails the load.
 */
static int redirect_auto(struct wf_maps *m, struct wf_info *info, size_t *ndev)
{
	int ret = wf_maps_redirect_auto_sync(m, info->ifindex, ndev);

	if (ret == -EOPNOTSUPP) {
		pr_info("wslfwd: this kernel does not report which devices take XDP frames "
			"(netdev xdp-features, Linux 6.3): targets behind the VM go through the "
			"stack; name devices with --redirect DEV to vouch for them\n");
		return 0;
	}
	if (ret) {
		pr_warn("wslfwd: --redirect auto: cannot list the devices that take XDP frames: "
			"%s; targets behind the VM go through the stack\n", strerror(-ret));
		*ndev = 0;
		return 0;
	}
	pr_debug("wslfwd: --redirect auto: %zu device(s) take XDP frames\n", *ndev);
	info->flags |= WF_INFO_F_REDIRECT_AUTO;
	return wf_maps_info_set(m, info);
}

static int load_opt(int opt, const char *arg, void *ctx)
{
	static const char *const modes[] = { "auto", "xdp", "xdp-generic", "tc" };
	struct load_args *a = ctx;
	char *end;
	int i;

	switch (opt) {
	case OPT_DEV:
		a->dev = arg;
		return 0;
	case OPT_MODE:
		i = match_word(arg, modes, 4, "mode");
		if (i < 0)
			return EXIT_USAGE;
		a->mode = i == 0 ? WF_MODE_NONE : i == 1 ? WF_MODE_XDP :
			  i == 2 ? WF_MODE_XDP_GENERIC : WF_MODE_TC;
		return 0;
	case OPT_CT_SIZE:
		errno = 0;
		a->ct_size = strtoul(arg, &end, 10);
		if (errno || *end || !*arg || a->ct_size < 1 || a->ct_size > (1UL << 26)) {
			wf_error("--ct-size %s out of range 1-%lu (connections)", arg, 1UL << 26);
			return EXIT_USAGE;
		}
		return 0;
	case OPT_TIMEOUT: {
		struct wf_ct_conf probe;
		char err[640];

		/* which states the option names: parse it over a marked conf */
		memset(&probe, 0xff, sizeof(probe));
		if (wf_parse_timeouts(arg, &probe, err, sizeof(err)) ||
		    wf_parse_timeouts(arg, &a->timeout, err, sizeof(err))) {
			wf_error("%s", err);
			return EXIT_USAGE;
		}
		for (i = 0; i < WF_CT_STATE_MAX; i++)
			if (probe.timeout[i] != 0xffffffffu)
				a->timeout_set[i] = true;
		a->has_timeout = true;
		return 0;
	}
	case OPT_CGROUP:
		if (!*arg) {
			wf_error("--cgroup needs a cgroup v2 directory or 'none'");
			return EXIT_USAGE;
		}
		a->cgroup = arg;
		return 0;
	case OPT_REDIRECT: {
		char *save = NULL, *tok, *s = (char *)arg;

		a->redirect_auto = false;
		a->n_redirect = 0;
		if (!strcmp(arg, "auto") || !strcmp(arg, "none")) {
			a->redirect_auto = arg[0] == 'a';
			return 0;
		}
		for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (a->n_redirect == WF_REDIRECT_ARGS) {
				wf_error("--redirect: at most %d devices", WF_REDIRECT_ARGS);
				return EXIT_USAGE;
			}
			if (!strcmp(tok, "auto") || !strcmp(tok, "none")) {
				wf_error("--redirect: '%s' stands alone, not in a device list", tok);
				return EXIT_USAGE;
			}
			a->redirect[a->n_redirect++] = tok;
		}
		return 0;
	}
	}
	return EXIT_USAGE;
}

/* A mapping load's sync installed: prime its target's neighbour. */
static void load_added(const struct wf_mapping *mp, __u32 id, void *ctx)
{
	prime_target(ctx, mp);
}

static int cmd_load(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, OPT_DEV },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "ct-size", required_argument, NULL, OPT_CT_SIZE },
		{ "redirect", required_argument, NULL, OPT_REDIRECT },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	};
	struct load_args a = { .dev = "eth0", .mode = WF_MODE_NONE, .redirect_auto = true,
			       .ct_size = WF_CT_CONNS_DEFAULT, .cgroup = getenv("WSLFWD_CGROUP") };
	char cgroot[PATH_MAX];
	struct wf_load_opts lo = {};
	struct wf_mapping *cfg = NULL;
	bool ports_added = false;
	struct wf_maps m = { .info = -1 };
	struct wf_sync_stats st = {};
	size_t n = 0, dups = 0, i;
	bool replaced;
	struct wf_info info;
	char err[1024], vm[INET_ADDRSTRLEN], host[INET_ADDRSTRLEN];
	const char *nt = getenv("WSLFWD_NO_TCX");
	int ret, idx;

	idx = parse_opts(argc, argv, opts, 6, NULL, load_opt, &a);
	if (idx < 0)
		return -idx;
	if (idx < argc) {
		wf_error("load takes no argument '%s'; see 'wslfwd --help'", argv[idx]);
		return EXIT_USAGE;
	}
	if (geteuid() != 0) {
		wf_error("load needs root (CAP_BPF, CAP_NET_ADMIN); run 'sudo wslfwd load'");
		return EXIT_FAIL;
	}
	lo.ifindex = if_nametoindex(a.dev);
	if (!lo.ifindex) {
		wf_error("no such device %s: %s; check the name with 'ip link' and use --dev",
			 a.dev, strerror(errno));
		return EXIT_FAIL;
	}
	ret = redirect_check(&a);
	if (ret)
		return ret;
	if (a.cgroup && !*a.cgroup)
		a.cgroup = NULL;
	if (!a.cgroup) {
		/* Default: every process of the machine. */
		char why[PATH_MAX * 2 + 64];

		ret = wf_cgroup_root(cgroot, sizeof(cgroot), why, sizeof(why));
		if (ret && strstr(why, "sub-cgroup")) {
			/* Hooks there would miss every process outside that
			 * subtree while looking as if they covered the machine. */
			wf_error("no cgroup v2 root mount for the socket hooks: %s; give the cgroup "
				 "the hooks should act on with --cgroup DIR, or --cgroup none "
				 "(no local clients)", why);
			return EXIT_FAIL;
		} else if (ret) {
			pr_warn("wslfwd: no cgroup v2 mount found (%s): local clients (127.0.0.1 "
				"mappings) will not work; give one with --cgroup\n", why);
		} else {
			a.cgroup = cgroot;
		}
	} else if (!strcmp(a.cgroup, "none")) {
		a.cgroup = NULL;
	}
	/* Read the config before touching the kernel: a bad line refuses the
	 * load and changes nothing. The mapping lock (held to exit) keeps
	 * add/del from changing it until the maps hold it. */
	ret = lock_mappings();
	if (ret)
		return ret;
	ret = read_config(&cfg, &n, &dups);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		ret = wf_mapping_validate(&cfg[i], err, sizeof(err));
		if (ret) {
			wf_error("%s: %s", env.config, err);
			free(cfg);
			return EXIT_USAGE;
		}
	}
	ret = config_listen_twice(cfg, n, lo.ifindex);
	if (ret) {
		free(cfg);
		return ret;
	}
	lo.pin_dir = env.pin_dir;
	lo.ifname = a.dev;
	lo.mode = a.mode;
	lo.ct_conns = a.ct_size;
	lo.no_tcx = nt && *nt && strcmp(nt, "0");
	lo.cgroup = a.cgroup;
	/* Keep the VM's own sockets off the SNAT ports (or refuse), before
	 * anything is loaded. */
	ret = wf_snat_ports_reserve(WF_SNAT_PORT_MIN, WF_SNAT_PORT_MAX, &ports_added, err,
				    sizeof(err));
	if (ret) {
		wf_error("%s", err);
		free(cfg);
		return EXIT_FAIL;
	}
	ret = wf_load(&lo, &info, err, sizeof(err));
	if (ret < 0) {
		wf_error("%s", err);
		free(cfg);
		if (ports_added)
			wf_snat_ports_release(WF_SNAT_PORT_MIN, WF_SNAT_PORT_MAX);
		return EXIT_FAIL;
	}
	replaced = ret == WF_LOAD_REPLACED;
	ret = wf_maps_open(&m, env.pin_dir);
	if (ret) {
		snprintf(err, sizeof(err), "cannot open the maps just pinned in %s: %s",
			 env.pin_dir, strerror(-ret));
		goto rollback;
	}
	if (ports_added) {
		/* unload takes back what load added, and only that */
		info.flags |= WF_INFO_F_PORTS_RESERVED;
		ret = wf_maps_info_set(&m, &info);
		if (ret) {
			snprintf(err, sizeof(err), "cannot write wf_info: %s", strerror(-ret));
			goto rollback;
		}
	}
	if (a.has_timeout) {
		struct wf_ct_conf cf;
		int s;

		/* Merged over the pinned values: a load over pins keeps the
		 * classes it does not name, as re-attach keeps them all. */
		ret = wf_maps_ct_conf_get(&m, &cf);
		for (s = 0; !ret && s < WF_CT_STATE_MAX; s++)
			if (a.timeout_set[s])
				cf.timeout[s] = a.timeout.timeout[s];
		if (!ret)
			ret = wf_maps_ct_conf_set(&m, &cf);
		if (ret) {
			snprintf(err, sizeof(err), "cannot write the timeouts (wf_ct_conf): %s",
				 strerror(-ret));
			goto rollback;
		}
	}
	for (i = 0; i < (size_t)a.n_redirect; i++) {
		ret = wf_maps_redirect_add(&m, a.redirect_ifindex[i]);
		if (ret) {
			snprintf(err, sizeof(err), "cannot add %s to wf_redirect: %s",
				 a.redirect[i], strerror(-ret));
			goto rollback;
		}
	}
	if (a.redirect_auto && info.mode != WF_MODE_TC) {
		size_t ndev = 0;

		ret = redirect_auto(&m, &info, &ndev);
		if (ret) {
			snprintf(err, sizeof(err), "cannot write wf_info: %s", strerror(-ret));
			goto rollback;
		}
		a.n_redirect = ndev;	/* for the bridge ports below */
	}
	if (a.n_redirect) {
		size_t nmac;

		/* Bridge ports: which MACs the bridge has behind them. */
		ret = wf_maps_brport_sync(&m, &nmac);
		if (ret) {
			snprintf(err, sizeof(err), "cannot read the bridges' forwarding database: %s",
				 strerror(-ret));
			goto rollback;
		}
		pr_debug("wslfwd: %zu MAC(s) behind the --redirect bridge ports\n", nmac);
		/* What each takes: bigger datagrams go through the stack. */
		ret = wf_maps_dev_mtu_sync(&m, &nmac);
		if (ret) {
			snprintf(err, sizeof(err), "cannot write wf_dev_mtu: %s", strerror(-ret));
			goto rollback;
		}
	}
	/* Replaced in place: the mappings are in the maps already (ids,
	 * counters, connections); the maps are brought in step with the
	 * config, leaving the mappings both have alone. */
	if (replaced) {
		ret = wf_store_sync(&m, cfg, n, &st, load_added, &info, err, sizeof(err));
		if (ret)
			goto rollback;
	}
	/* One wf_ports computation for the whole config, not one per line. */
	wf_maps_ports_defer(&m);
	for (i = 0; i < n && !replaced; i++) {
		char line[256];
		__u32 id;

		wf_format_mapping(&cfg[i], line, sizeof(line));
		if (cfg[i].laddr_kind == WF_ADDR_LITERAL && check_laddr(&info, &cfg[i]))
			pr_warn("wslfwd: %s: '%s' listens on an address %s does not have (yet)\n",
				env.config, line, a.dev);
		if (!a.cgroup && wf_mapping_needs_sock_hooks(&cfg[i]))
			pr_warn("wslfwd: %s: '%s' needs the socket hooks, which --cgroup none leaves out\n",
				env.config, line);
		ret = wf_maps_mapping_add(&m, &cfg[i], &id);
		if (ret) {
			snprintf(err, sizeof(err), "cannot install '%s' from %s: %s%s", line,
				 env.config, strerror(-ret),
				 ret == -E2BIG || ret == -ENOSPC ?
				 " (the maps are full: fewer or smaller port ranges)" : "");
			goto rollback;
		}
		prime_target(&info, &cfg[i]);
	}
	ret = wf_maps_ports_flush(&m);
	if (ret) {
		snprintf(err, sizeof(err), "cannot write the port filter (wf_ports): %s",
			 strerror(-ret));
		goto rollback;
	}
	wf_maps_close(&m);
	free(cfg);
	if (wf_print_json()) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "device", json_object_new_string(a.dev));
		json_object_object_add(o, "replaced", json_object_new_boolean(replaced));
		json_object_object_add(o, "ingress", json_object_new_string(wf_mode_word(info.mode)));
		json_object_object_add(o, "egress", json_object_new_string(
					       info.flags & WF_INFO_F_TCX ? "tcx" : "clsact"));
		json_object_object_add(o, "vm", wf_json_ip4(info.vm4));
		json_object_object_add(o, "host", wf_json_ip4(info.host4));
		json_object_object_add(o, "cgroup", a.cgroup ? json_object_new_string(a.cgroup) : NULL);
		json_object_object_add(o, "mappings", json_object_new_int64(n));
		json_object_object_add(o, "config", json_object_new_string(env.config));
		json_object_object_add(o, "pin_dir", json_object_new_string(env.pin_dir));
		wf_json_put(o);
	} else {
		if (replaced)
			printf("replaced the running datapath in place (maps, connections and counters kept; %zu mapping%s kept, %zu added, %zu removed to match %s)\n",
			       n - st.added, n - st.added == 1 ? "" : "s", st.added,
			       st.removed, env.config);
		printf("%s on %s: %s%s, tc egress (%s); @vm %s, @host %s; %zu mapping%s from %s\n",
		       replaced ? "running" : "loaded", a.dev, wf_mode_name(info.mode),
		       info.mode == WF_MODE_TC ? (info.flags & WF_INFO_F_TCX ? " ingress (tcx)" :
						  " ingress (clsact)") : "",
		       info.flags & WF_INFO_F_TCX ? "tcx" : "clsact",
		       wf_ip4_str(info.vm4, vm, sizeof(vm)), wf_ip4_str(info.host4, host, sizeof(host)),
		       n, n == 1 ? "" : "s", env.config);
		if (a.cgroup)
			printf("socket hooks (local clients) on cgroup %s\n", a.cgroup);
	}
	if (!wf_dev_forwarding4(a.dev))
		pr_warn("wslfwd: IPv4 forwarding is off on %s: targets other than @vm will be dropped "
			"(fwd_disabled); turn it on with 'sysctl -w net.ipv4.ip_forward=1'\n", a.dev);
	return EXIT_OK;

rollback:
	wf_maps_close(&m);
	free(cfg);
	if (replaced) {
		/* Never take down the datapath that was running before. */
		wf_error("%s; the new programs run, the mappings in the maps stay", err);
		return EXIT_FAIL;
	}
	{
		char uerr[512];

		if (wf_unload(env.pin_dir, uerr, sizeof(uerr)))
			pr_warn("wslfwd: rollback: %s\n", uerr);
	}
	if (ports_added)
		wf_snat_ports_release(WF_SNAT_PORT_MIN, WF_SNAT_PORT_MAX);
	wf_error("%s; nothing was loaded", err);
	return EXIT_FAIL;
}

/* -------------------------------------------------------------- unload */

static int cmd_unload(int argc, char **argv)
{
	char err[512], dev[IF_NAMESIZE], foreign[512];
	const char *name;
	bool reserved;
	int idx, ret, ifindex;

	idx = parse_opts(argc, argv, NULL, 0, NULL, NULL, NULL);
	if (idx < 0)
		return -idx;
	if (idx < argc) {
		wf_error("unload takes no argument '%s'", argv[idx]);
		return EXIT_USAGE;
	}
	ret = wf_loader_state(env.pin_dir, &ifindex);
	if (ret < 0) {
		wf_error("cannot read the pin dir %s: %s%s", env.pin_dir, strerror(-ret),
			 ret == -EACCES ? "; run as root" : "");
		return EXIT_FAIL;
	}
	if (!ret) {
		wf_error("wslfwd is not loaded (no pins in %s)", env.pin_dir);
		return EXIT_FAIL;
	}
	/* Only a dir wslfwd made: --pin-dir /sys/fs/bpf (or a typo in
	 * WSLFWD_PIN_DIR) must not take other tools' pins. */
	ret = wf_loader_pin_dir_check(env.pin_dir, foreign, sizeof(foreign));
	if (ret < 0) {
		wf_error("cannot read the pin dir %s: %s", env.pin_dir, strerror(-ret));
		return EXIT_FAIL;
	}
	if (!ret) {
		wf_error("%s is not a wslfwd pin dir (no wslfwd wf_info; it holds %s); nothing removed; "
			 "name wslfwd's own with --pin-dir (default %s)",
			 env.pin_dir, foreign, WF_PIN_DIR_DEFAULT);
		return EXIT_USAGE;
	}
	name = ifname_of(ifindex, dev);
	{
		struct wf_maps m;
		struct wf_info info;

		/* what load added to ip_local_reserved_ports, read before the
		 * pins go */
		reserved = !wf_maps_open(&m, env.pin_dir) && !wf_maps_info_get(&m, &info) &&
			   (info.flags & WF_INFO_F_PORTS_RESERVED);
		wf_maps_close(&m);
	}
	ret = wf_unload(env.pin_dir, err, sizeof(err));
	if (ret) {
		wf_error("%s", err);
		return EXIT_FAIL;
	}
	if (reserved && (ret = wf_snat_ports_release(WF_SNAT_PORT_MIN, WF_SNAT_PORT_MAX)))
		pr_warn("wslfwd: cannot take ports %u-%u back out of "
			"net.ipv4.ip_local_reserved_ports: %s\n", WF_SNAT_PORT_MIN,
			WF_SNAT_PORT_MAX, strerror(-ret));
	{
		json_object *o = json_object_new_object();

		json_object_object_add(o, "unloaded", json_object_new_boolean(1));
		json_object_object_add(o, "device", name ? json_object_new_string(name) : NULL);
		wf_print_result(o, "unloaded from %s; removed %s", name ? name : "(device gone)",
				env.pin_dir);
	}
	return EXIT_OK;
}

/* -------------------------------------------------------------- status */

/* "auto: veth0ctr, veth1ctr" / "veth0ctr (named at load)" / "none": where
 * XDP may redirect targets behind the VM (wf_redirect). */
static void redirect_desc(struct wf_maps *m, const struct wf_info *info, char *buf, size_t len)
{
	bool autom = info->flags & WF_INFO_F_REDIRECT_AUTO;
	char names[400];
	size_t n;

	if (info->mode == WF_MODE_TC)
		snprintf(buf, len, "none (tc mode: the stack routes)");
	else if (wf_maps_redirect_names(m, names, sizeof(names), &n))
		snprintf(buf, len, "unknown (cannot read wf_redirect)");
	else if (!n)
		snprintf(buf, len, "%s", autom ? "auto: no device takes XDP frames now (the stack routes)" :
			 "none (the stack routes)");
	else
		snprintf(buf, len, autom ? "auto: %s" : "%s (named at load)", names);
}

/* Which path each target kind takes now, and why auto chose the ingress
 * it did: the device's facts are read again, so a veth peer that lost its
 * XDP program since load shows up as a path that does not deliver. */
static void status_paths(struct wf_maps *m, struct wf_status_view *v, struct wf_path *paths,
			 char *why, size_t len)
{
	struct wf_attach_facts f;
	char names[400] = "", name[IF_NAMESIZE];
	__u32 dev[WF_REDIRECT_DEVS], max;
	size_t n = 0, off = 0, i;

	if (!v->dev)
		return;
	wf_attach_gather(v->dev, v->info.ifindex, &f);
	/* "veth0ctr (datagrams up to 1400 B)": what wf_dev_mtu lets through. */
	if (v->info.mode != WF_MODE_TC && !wf_maps_redirect_devs(m, dev, WF_REDIRECT_DEVS, &n)) {
		for (i = 0; i < n && off < sizeof(names); i++) {
			if (!if_indextoname(dev[i], name))
				snprintf(name, sizeof(name), "#%u", dev[i]);
			if (!wf_maps_dev_mtu_get(m, dev[i], &max))
				off += snprintf(names + off, sizeof(names) - off, "%s%s (up to %u B)",
						i ? ", " : "", name, max);
			else
				off += snprintf(names + off, sizeof(names) - off, "%s%s (no size: never)",
						i ? ", " : "", name);
		}
	}
	wf_attach_paths(v->info.mode, v->info.flags, &f, names, paths);
	v->paths = paths;
	if (v->info.flags & WF_INFO_F_NATIVE_SKIPPED) {
		char w[256];

		if (!wf_attach_native_tx(&f, w, sizeof(w)))
			snprintf(why, len, "auto: native XDP left out: %s", w);
		else
			snprintf(why, len, "auto: native XDP was left out at load (XDP_TX could "
				 "not deliver); now it could: %s", w);
		v->ingress_why = why;
	} else if (v->info.flags & WF_INFO_F_NATIVE_REFUSED) {
		snprintf(why, len, "auto: the driver refused native XDP at load; 'wslfwd load' "
			 "printed the kernel's reason");
		v->ingress_why = why;
	}
}

static int cmd_status(int argc, char **argv)
{
	struct wf_status_view v = { .pin_dir = env.pin_dir, .config = env.config,
				    .netmode = "unknown" };
	struct wf_netmode_facts facts;
	struct wf_ct_entry *ct = NULL;
	struct wf_maps m;
	char dev[IF_NAMESIZE], err[512], signs[512], cgpath[PATH_MAX], redir[512], why[400];
	struct wf_path paths[3];
	size_t n = 0;
	int idx, ret;

	idx = parse_opts(argc, argv, NULL, 0, NULL, NULL, NULL);
	if (idx < 0)
		return -idx;
	ret = open_maps(&m);
	if (ret && ret != NOT_LOADED)
		return ret;
	v.netmode_signs = signs;
	if (ret == NOT_LOADED) {
		struct wf_mapping *cfg = NULL;

		wf_netmode_gather("eth0", &facts);
		v.netmode = wf_netmode_name(wf_netmode_decide(&facts, signs, sizeof(signs)));
		if (!wf_config_read(env.config, &cfg, &n, NULL, err, sizeof(err)))
			v.mappings = n;
		free(cfg);
		wf_print_status(&v);
		return EXIT_OK;
	}
	v.loaded = true;
	ret = wf_maps_info_get(&m, &v.info);
	if (ret) {
		wf_error("cannot read wf_info in %s: %s", env.pin_dir, strerror(-ret));
		wf_maps_close(&m);
		return EXIT_FAIL;
	}
	v.dev = ifname_of(v.info.ifindex, dev);
	if (wf_loader_cgroup(env.pin_dir, cgpath, sizeof(cgpath)) > 0)
		v.cgroup = cgpath;
	v.forwarding = v.dev ? wf_dev_forwarding4(v.dev) : -ENODEV;
	wf_netmode_gather(v.dev, &facts);
	v.netmode = wf_netmode_name(wf_netmode_decide(&facts, signs, sizeof(signs)));
	v.mappings = wf_maps_mapping_count(&m);
	redirect_desc(&m, &v.info, redir, sizeof(redir));
	v.redirect = redir;
	status_paths(&m, &v, paths, why, sizeof(why));
	if (!wf_maps_ct_dump(&m, &ct, &n)) {
		size_t i;

		/* Connections, not entries: count ORIG entries. */
		for (i = 0; i < n; i++)
			v.conns += ct[i].val.dir == WF_DIR_ORIG;
		free(ct);
	}
	wf_maps_close(&m);
	wf_print_status(&v);
	return v.dev ? EXIT_OK : EXIT_FAIL;
}

/* ------------------------------------------------- the mapping lock */

static int lock_mappings(void)
{
	char err[PATH_MAX + 128];
	int ret = wf_store_lock(env.config, err, sizeof(err));

	if (ret) {
		wf_error("%s", err);
		return EXIT_FAIL;
	}
	return 0;
}

struct sync_ctx {
	const struct wf_info *info;
	const struct wf_mapping *want;	/* the mapping the command adds */
	__u32 id;			/* its id once installed */
};

static void sync_added(const struct wf_mapping *mp, __u32 id, void *ctx)
{
	struct sync_ctx *c = ctx;

	prime_target(c->info, mp);
	if (c->want && wf_mapping_equal(mp, c->want))
		c->id = id;
}

/*
 * Make the maps hold cfg (the config just written). A command expects to
 * install exp_added mappings and take away exp_gone; anything beyond that
 * is what an interrupted command had left, and is said.
 */
static int sync_maps(struct wf_maps *m, struct sync_ctx *c, const struct wf_mapping *cfg,
		     size_t n, size_t exp_added, size_t exp_gone, struct wf_sync_stats *st,
		     char *err, size_t errlen)
{
	int ret = wf_store_sync(m, cfg, n, st, sync_added, c, err, errlen);

	if (!ret && (st->repaired || st->stray || st->added != exp_added ||
	    st->removed + st->narrowed != exp_gone))
		pr_warn("wslfwd: the maps were not in step with %s (an interrupted command?): "
			"%zd installed, %zd removed, %zu reinstalled, %zu stray entries removed\n",
			env.config, (ssize_t)(st->added - exp_added),
			(ssize_t)(st->removed + st->narrowed - exp_gone), st->repaired, st->stray);
	return ret;
}

/* @vm, and @vm's own address written out, are one listener. */
static bool laddr_is_vm4(const struct wf_mapping *m, __be32 vm4)
{
	return vm4 && m->laddr_kind == WF_ADDR_LITERAL && m->family == WF_AF_INET &&
	       m->laddr[0] == vm4;
}

/* The mapping of cfg that listens where mp does, written the other way
 * (`tcp 4000` and `tcp <@vm's address>:4000`), ports overlapping. */
static const struct wf_mapping *listen_twice(const struct wf_mapping *cfg, size_t n,
					     const struct wf_mapping *mp, __be32 vm4)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct wf_mapping *c = &cfg[i];

		if (!(c->protos & mp->protos) || c->lport > mp->lport_end ||
		    mp->lport > c->lport_end)
			continue;
		if ((laddr_is_vm4(c, vm4) && mp->laddr_kind == WF_ADDR_VM) ||
		    (c->laddr_kind == WF_ADDR_VM && laddr_is_vm4(mp, vm4)))
			return c;
	}
	return NULL;
}

static void say_listen_twice(const struct wf_mapping *a, const struct wf_mapping *b,
			     __be32 vm4, const char *where)
{
	char la[512], lb[512], v[INET_ADDRSTRLEN];

	wf_format_mapping(a, la, sizeof(la));
	wf_format_mapping(b, lb, sizeof(lb));
	wf_error("'%s' and '%s'%s listen on the same ports: %s is @vm's address; keep one of them",
		 la, lb, where, wf_ip4_str(vm4, v, sizeof(v)));
}

/* A config that has one listener twice (load): exit 2 naming both. */
static int config_listen_twice(const struct wf_mapping *cfg, size_t n, int ifindex)
{
	const struct wf_mapping *other;
	__be32 vm4 = 0;
	size_t i;

	if (wf_addr_vm4(ifindex, &vm4) || !vm4)
		return 0;
	for (i = 0; i < n; i++) {
		if (!laddr_is_vm4(&cfg[i], vm4))
			continue;
		other = listen_twice(cfg, n, &cfg[i], vm4);
		if (other) {
			char where[PATH_MAX + 8];

			snprintf(where, sizeof(where), " in %s", env.config);
			say_listen_twice(other, &cfg[i], vm4, where);
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* Control bytes in the command's words (a NUL cannot be in argv). */
static int check_args(int argc, char **argv)
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

/* ----------------------------------------------------------- add / del */

/*
 * Add a parsed, validated mapping to the config and the maps (when
 * loaded), print the result; an exit status. Shared by `add` and `netsh
 * ... add`. Under the mapping lock: the config is written first, then the
 * maps follow it (store.h); the very same mapping again is a success that
 * changes nothing.
 */
static int add_mapping(const struct wf_mapping *mpp)
{
	struct wf_mapping mp = *mpp, *cfg = NULL, *ncfg;
	const struct wf_mapping *other = NULL;
	struct wf_info info = {};
	struct sync_ctx sc = { .info = &info, .want = &mp };
	struct wf_sync_stats st;
	struct wf_maps m;
	char err[1024], line[512], o[512];
	size_t n = 0, i;
	bool loaded, same = false;
	int ret;

	wf_format_mapping(&mp, line, sizeof(line));
	if (wf_mapping_check_policy(&mp, err, sizeof(err))) {
		wf_error("'%s': %s", line, err);
		return EXIT_USAGE;
	}
	ret = lock_mappings();
	if (ret)
		return ret;
	ret = read_config(&cfg, &n, NULL);
	if (ret)
		return ret;
	ret = open_maps(&m);
	if (ret && ret != NOT_LOADED)
		goto out_cfg;
	loaded = !ret;
	if (loaded) {
		ret = wf_maps_info_get(&m, &info);
		if (ret) {
			wf_error("cannot read wf_info in %s: %s", env.pin_dir, strerror(-ret));
			ret = EXIT_FAIL;
			goto out;
		}
	}
	for (i = 0; i < n && !same && !other; i++) {
		if (wf_mapping_equal(&cfg[i], &mp))
			same = true;
		else if (wf_mapping_conflicts(&cfg[i], &mp))
			other = &cfg[i];
	}
	if (other) {
		wf_format_mapping(other, o, sizeof(o));
		wf_error("'%s' conflicts with '%s' in %s; delete that one first", line, o,
			 env.config);
		ret = EXIT_USAGE;
		goto out;
	}
	if (loaded && !same) {
		other = listen_twice(cfg, n, &mp, info.vm4);
		if (other) {
			say_listen_twice(&mp, other, info.vm4, "");
			ret = EXIT_USAGE;
			goto out;
		}
		ret = check_laddr(&info, &mp);
		if (ret)
			goto out;
	}
	if (!same) {
		ret = wf_config_add(env.config, &mp, err, sizeof(err));
		if (ret) {
			wf_error("%s", err);
			ret = ret == -EEXIST || ret == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
			goto out;
		}
	}
	if (loaded) {
		ncfg = realloc(cfg, (n + 1) * sizeof(*cfg));
		if (!ncfg) {
			ret = -ENOMEM;
			snprintf(err, sizeof(err), "out of memory");
		} else {
			cfg = ncfg;
			if (!same)
				cfg[n++] = mp;
			ret = sync_maps(&m, &sc, cfg, n, !same, 0, &st, err, sizeof(err));
		}
		if (ret && !same) {
			char uerr[512];

			/* Take the line back out, and the maps back to it. */
			if (wf_config_del(env.config, &mp, uerr, sizeof(uerr)) < 0)
				pr_warn("wslfwd: %s\n", uerr);
			else if (wf_store_sync(&m, cfg, n - 1, &st, NULL, NULL, uerr, sizeof(uerr)))
				pr_warn("wslfwd: %s\n", uerr);
			wf_error("%s; the mapping was not added", err);
			ret = EXIT_FAIL;
			goto out;
		}
		if (ret) {
			wf_error("%s", err);
			ret = EXIT_FAIL;
			goto out;
		}
		if (!same && mp.family == WF_AF_INET6)
			pr_warn("wslfwd: IPv6 mappings are stored but not forwarded yet\n");
		if (!same && wf_mapping_needs_sock_hooks(&mp) &&
		    wf_loader_cgroup(env.pin_dir, o, sizeof(o)) == 0)
			pr_warn("wslfwd: '%s' needs the socket hooks, which this load did not attach "
				"(--cgroup none); reload without it\n", line);
		if (same) {
			const struct wf_mapping *all;
			__u32 id;

			if (!wf_maps_mappings(&m, &all))
				for (id = 1; id < WF_MAX_MAPPINGS && !sc.id; id++)
					if (all[id].in_use && wf_mapping_equal(&all[id], &mp))
						sc.id = id;
		}
	}
	{
		json_object *j = json_object_new_object();

		json_object_object_add(j, "added", json_object_new_string(line));
		json_object_object_add(j, "unchanged", json_object_new_boolean(same));
		json_object_object_add(j, "loaded", json_object_new_boolean(loaded));
		if (loaded)
			json_object_object_add(j, "id", json_object_new_int(sc.id));
		if (same && loaded)
			wf_print_result(j, "%s is mapped already (id %u); nothing changed", line, sc.id);
		else if (same)
			wf_print_result(j, "%s is in %s already; nothing changed", line, env.config);
		else if (loaded)
			wf_print_result(j, "added %s (id %u)", line, sc.id);
		else
			wf_print_result(j, "added %s to %s (not loaded: applies at 'wslfwd load')",
					line, env.config);
	}
	ret = EXIT_OK;
out:
	wf_maps_close(&m);
out_cfg:
	free(cfg);
	return ret;
}

static int cmd_add(int argc, char **argv)
{
	struct wf_mapping mp;
	char err[512];
	int idx;

	idx = parse_opts(argc, argv, NULL, 0, NULL, NULL, NULL);
	if (idx < 0)
		return -idx;
	if (idx >= argc) {
		wf_error("add needs PROTO [LADDR:]LPORT[-LPORT2] TADDR:TPORT, e.g. 'wslfwd add tcp 8080 @vm:18080'");
		return EXIT_USAGE;
	}
	if (check_args(argc - idx, argv + idx))
		return EXIT_USAGE;
	if (wf_parse_mapping(argc - idx, argv + idx, &mp, err, sizeof(err)) ||
	    wf_mapping_validate(&mp, err, sizeof(err))) {
		wf_error("%s", err);
		return EXIT_USAGE;
	}
	return add_mapping(&mp);
}

/*
 * Delete the listen side keyp (protos, laddr, ports) from the config and
 * the maps (when loaded), print the result; an exit status. Shared by
 * `del` and `netsh ... delete`. Config first, then the maps follow.
 */
static int del_mapping(const struct wf_mapping *keyp)
{
	struct wf_mapping key = *keyp, want, *cfg = NULL;
	const struct wf_mapping *all;
	struct sync_ctx sc = {};
	struct wf_sync_stats st = {};
	struct wf_info info = {};
	struct wf_maps m;
	char err[1024], l[256], other[512], ol[256];
	size_t n = 0, k, j, touched = 0;
	int ret, covered = 0;
	bool loaded;
	__u32 id, first = 0;

	wf_format_listen(&key, l, sizeof(l));
	ret = lock_mappings();
	if (ret)
		return ret;
	ret = read_config(&cfg, &n, NULL);
	if (ret)
		return ret;
	ret = open_maps(&m);
	if (ret && ret != NOT_LOADED)
		goto out_cfg;
	loaded = !ret;
	for (k = 0; k < n; k++)
		if (wf_mapping_same_listen(&cfg[k], &key))
			covered |= cfg[k].protos & key.protos;
	if (covered != key.protos) {
		want = key;
		want.protos = key.protos & ~covered;
		ret = EXIT_USAGE;
		/* A port inside a range: name the range to delete instead. */
		for (k = 0; k < n; k++) {
			if (!wf_mapping_conflicts(&cfg[k], &want))
				continue;
			wf_format_mapping(&cfg[k], other, sizeof(other));
			wf_format_listen(&cfg[k], ol, sizeof(ol));
			wf_error("no mapping %s %s: it is part of mapping '%s'; delete that with 'wslfwd del %s %s'",
				 wf_proto_name(want.protos), l, other,
				 wf_proto_name(cfg[k].protos & want.protos), ol);
			goto out;
		}
		wf_error("no mapping %s %s in %s; see 'wslfwd list'", wf_proto_name(want.protos), l,
			 env.config);
		goto out;
	}
	if (loaded) {
		ret = wf_maps_info_get(&m, &info);
		if (!ret)
			ret = wf_maps_mappings(&m, &all);
		if (ret) {
			wf_error("cannot read the maps in %s: %s", env.pin_dir, strerror(-ret));
			ret = EXIT_FAIL;
			goto out;
		}
		for (id = 1; id < WF_MAX_MAPPINGS && !first; id++)
			if (all[id].in_use && wf_mapping_same_listen(&all[id], &key) &&
			    (all[id].protos & key.protos))
				first = id;
	}
	ret = wf_config_del(env.config, &key, err, sizeof(err));
	if (ret < 0) {
		wf_error("%s; the mapping was not deleted", err);
		ret = EXIT_FAIL;
		goto out;
	}
	if (loaded) {
		/* What the config holds now, in memory: the same edit. */
		for (k = j = 0; k < n; k++) {
			if (wf_mapping_same_listen(&cfg[k], &key) && (cfg[k].protos & key.protos)) {
				touched++;
				cfg[k].protos &= ~key.protos;
				if (!cfg[k].protos)
					continue;
			}
			cfg[j++] = cfg[k];
		}
		sc.info = &info;
		ret = sync_maps(&m, &sc, cfg, j, 0, touched, &st, err, sizeof(err));
		if (ret) {
			wf_error("%s (%s no longer has the mapping; the next wslfwd command retries the maps)",
				 err, env.config);
			ret = EXIT_FAIL;
			goto out;
		}
	}
	{
		json_object *o = json_object_new_object();

		json_object_object_add(o, "deleted", json_object_new_string(l));
		json_object_object_add(o, "proto", json_object_new_string(wf_proto_name(key.protos)));
		if (loaded) {
			json_object_object_add(o, "id", json_object_new_int(first));
			json_object_object_add(o, "conns_removed", json_object_new_int64(st.conns / 2));
			wf_print_result(o, "deleted %s %s (id %u)", wf_proto_name(key.protos), l, first);
		} else {
			wf_print_result(o, "deleted %s %s from %s", wf_proto_name(key.protos), l,
					env.config);
		}
	}
	ret = EXIT_OK;
out:
	wf_maps_close(&m);
out_cfg:
	free(cfg);
	return ret;
}

static int cmd_del(int argc, char **argv)
{
	struct wf_mapping key;
	char err[512];
	int idx;

	idx = parse_opts(argc, argv, NULL, 0, NULL, NULL, NULL);
	if (idx < 0)
		return -idx;
	if (idx >= argc) {
		wf_error("del needs PROTO [LADDR:]LPORT[-LPORT2], e.g. 'wslfwd del tcp 8080'");
		return EXIT_USAGE;
	}
	if (check_args(argc - idx, argv + idx))
		return EXIT_USAGE;
	memset(&key, 0, sizeof(key));
	if (wf_parse_mapping_key(argc - idx, argv + idx, &key, err, sizeof(err))) {
		wf_error("%s", err);
		return EXIT_USAGE;
	}
	return del_mapping(&key);
}

/* ---------------------------------------------------------- list/stats */

static int cmd_list(int argc, char **argv)
{
	struct wf_mapping_row *rows = NULL;
	struct wf_resolve r = {};
	const struct wf_mapping *all;
	struct wf_mapping *cfg = NULL;
	struct wf_info info;
	struct wf_maps m;
	size_t n = 0, i;
	int idx, ret;
	__u32 id;

	idx = parse_opts(argc, argv, NULL, 0, NULL, NULL, NULL);
	if (idx < 0)
		return -idx;
	ret = open_maps(&m);
	if (ret && ret != NOT_LOADED)
		return ret;
	if (ret == NOT_LOADED) {
		ret = read_config(&cfg, &n, NULL);
		if (ret)
			return ret;
		rows = calloc(n ? n : 1, sizeof(*rows));
		if (!rows) {
			free(cfg);
			wf_error("out of memory");
			return EXIT_FAIL;
		}
		for (i = 0; i < n; i++)
			rows[i].m = cfg[i];
		wf_print_list(rows, n, NULL, env.config);
		free(cfg);
		free(rows);
		return EXIT_OK;
	}
	ret = wf_maps_info_get(&m, &info);
	if (!ret)
		ret = wf_maps_mappings(&m, &all);
	if (ret) {
		wf_error("cannot read the maps in %s: %s", env.pin_dir, strerror(-ret));
		wf_maps_close(&m);
		return EXIT_FAIL;
	}
	r.known = true;
	r.vm4 = info.vm4;
	r.host4 = info.host4;
	rows = calloc(WF_MAX_MAPPINGS, sizeof(*rows));
	if (!rows) {
		wf_maps_close(&m);
		wf_error("out of memory");
		return EXIT_FAIL;
	}
	for (id = 1; id < WF_MAX_MAPPINGS; id++) {
		if (!all[id].in_use)
			continue;
		rows[n].id = id;
		rows[n++].m = all[id];
	}
	wf_print_list(rows, n, &r, NULL);
	free(rows);
	wf_maps_close(&m);
	return EXIT_OK;
}

static int stats_opt(int c, const char *arg, void *ctx)
{
	if (c != OPT_PROMETHEUS)
		return EXIT_USAGE;
	*(bool *)ctx = true;
	return 0;
}

static int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prometheus", no_argument, NULL, OPT_PROMETHEUS },
	};
	bool prometheus = false;
	struct wf_mapping_row *rows;
	const struct wf_mapping *all;
	struct wf_counters *sums;
	__u64 stats[WF_STAT_MAX];
	struct wf_maps m;
	size_t n = 0;
	int idx, ret;
	__u32 id;

	idx = parse_opts(argc, argv, opts, 1, NULL, stats_opt, &prometheus);
	if (idx < 0)
		return -idx;
	if (idx < argc) {
		wf_error("stats takes no argument '%s'", argv[idx]);
		return EXIT_USAGE;
	}
	if (prometheus && wf_print_json()) {
		wf_error("stats: --prometheus and --json are two formats; choose one");
		return EXIT_USAGE;
	}
	ret = need_loaded(&m);
	if (ret)
		return ret;
	ret = wf_maps_mappings(&m, &all);
	if (!ret)
		ret = wf_maps_stats(&m, stats);
	rows = calloc(WF_MAX_MAPPINGS, sizeof(*rows));
	if (ret || !rows) {
		wf_error("cannot read the maps in %s: %s", env.pin_dir,
			 strerror(ret ? -ret : ENOMEM));
		free(rows);
		wf_maps_close(&m);
		return EXIT_FAIL;
	}
	/* All counters in one bulk read; id by id if that fails. */
	sums = calloc(WF_MAX_MAPPINGS, sizeof(*sums));
	if (sums && wf_maps_counters_all(&m, sums)) {
		free(sums);
		sums = NULL;
	}
	for (id = 1; id < WF_MAX_MAPPINGS; id++) {
		if (!all[id].in_use)
			continue;
		rows[n].id = id;
		rows[n].m = all[id];
		if (sums)
			rows[n].c = sums[id];
		else
			wf_maps_counters(&m, id, &rows[n].c);
		n++;
	}
	if (prometheus)
		wf_print_prometheus(stdout, rows, n, stats);
	else
		wf_print_stats(rows, n, stats);
	free(sums);
	free(rows);
	wf_maps_close(&m);
	return EXIT_OK;
}

static int cmd_conns(int argc, char **argv)
{
	struct wf_ct_entry *ct = NULL;
	struct wf_maps m;
	size_t n = 0;
	int idx, ret;

	idx = parse_opts(argc, argv, NULL, 0, NULL, NULL, NULL);
	if (idx < 0)
		return -idx;
	ret = need_loaded(&m);
	if (ret)
		return ret;
	ret = wf_maps_ct_dump(&m, &ct, &n);
	if (!ret) {
		struct wf_ct_conf cf;

		/* expiry as the datapath sees it: the timeouts set at load */
		if (!wf_maps_ct_conf_get(&m, &cf))
			wf_print_set_ct_conf(&cf);
	}
	wf_maps_close(&m);
	if (ret) {
		wf_error("cannot read wf_ct in %s: %s", env.pin_dir, strerror(-ret));
		return EXIT_FAIL;
	}
	wf_print_conns(ct, n, now_ns());
	free(ct);
	return EXIT_OK;
}

/* ---------------------------------------------------------------- flush */

static int cmd_flush(int argc, char **argv)
{
	static const char *const what[] = { "conns", "mappings" };
	struct wf_maps m;
	char err[1024];
	size_t c = 0, nmap = 0, nk = 0;
	int idx, ret, w;
	bool loaded;

	idx = parse_opts(argc, argv, NULL, 0, NULL, NULL, NULL);
	if (idx < 0)
		return -idx;
	if (idx + 1 != argc) {
		wf_error("flush needs one of: conns, mappings");
		return EXIT_USAGE;
	}
	w = match_word(argv[idx], what, 2, "flush object");
	if (w < 0)
		return EXIT_USAGE;
	ret = w == 0 ? need_loaded(&m) : open_maps(&m);
	if (ret && ret != NOT_LOADED)
		return ret;
	if (w == 0) {
		ret = wf_maps_ct_delete(&m, WF_CT_ANY, 0, &c);
		wf_maps_close(&m);
		if (ret) {
			wf_error("cannot flush wf_ct: %s", strerror(-ret));
			return EXIT_FAIL;
		}
		{
			json_object *o = json_object_new_object();

			json_object_object_add(o, "flushed", json_object_new_string("conns"));
			json_object_object_add(o, "entries", json_object_new_int64(c));
			wf_print_result(o, "flushed %zu conntrack entr%s", c, c == 1 ? "y" : "ies");
		}
		return EXIT_OK;
	}
	/* Config first, then the maps follow it (store.h). */
	loaded = !ret;
	ret = lock_mappings();
	if (ret) {
		wf_maps_close(&m);
		return ret;
	}
	if (loaded)
		nk = wf_maps_mapping_count(&m);
	ret = wf_config_clear(env.config, err, sizeof(err));
	if (ret < 0) {
		wf_error("%s", err);
		wf_maps_close(&m);
		return EXIT_FAIL;
	}
	nmap = ret;
	if (loaded) {
		struct sync_ctx sc = {};
		struct wf_sync_stats st;

		ret = sync_maps(&m, &sc, NULL, 0, 0, nk, &st, err, sizeof(err));
		if (ret) {
			wf_error("%s (%s has no mappings now; the next wslfwd command retries the maps)",
				 err, env.config);
			wf_maps_close(&m);
			return EXIT_FAIL;
		}
		nmap = st.removed;
		wf_maps_ct_delete(&m, WF_CT_ANY, 0, &c);
	}
	wf_maps_close(&m);
	{
		json_object *o = json_object_new_object();

		json_object_object_add(o, "flushed", json_object_new_string("mappings"));
		json_object_object_add(o, "mappings", json_object_new_int64(nmap));
		wf_print_result(o, "flushed %zu mapping%s (%s%s)", nmap, nmap == 1 ? "" : "s",
				loaded ? "maps and " : "", env.config);
	}
	return EXIT_OK;
}

/* ----------------------------------------------------- netsh / windows */

/* The mappings in force: the maps when loaded (*info filled), else the
 * config. *out is malloc'd, compacted (in_use entries only). */
static int current_mappings(struct wf_mapping **out, size_t *n, struct wf_info *info,
			    bool *loaded)
{
	const struct wf_mapping *all;
	struct wf_maps m;
	int ret;
	__u32 id;

	*out = NULL;
	*n = 0;
	*loaded = false;
	memset(info, 0, sizeof(*info));
	ret = open_maps(&m);
	if (ret && ret != NOT_LOADED)
		return ret;
	if (ret == NOT_LOADED) {
		ret = read_config(out, n, NULL);
		if (ret)
			return ret;
		return 0;
	}
	*loaded = true;
	ret = wf_maps_info_get(&m, info);
	if (!ret)
		ret = wf_maps_mappings(&m, &all);
	if (!ret) {
		*out = calloc(wf_maps_mapping_count(&m) + 1, sizeof(**out));
		if (!*out)
			ret = -ENOMEM;
	}
	if (ret) {
		wf_error("cannot read the maps in %s: %s", env.pin_dir, strerror(-ret));
		wf_maps_close(&m);
		return EXIT_FAIL;
	}
	for (id = 1; id < WF_MAX_MAPPINGS; id++)
		if (all[id].in_use)
			(*out)[(*n)++] = all[id];
	wf_maps_close(&m);
	return 0;
}

static int netsh_show(const struct wf_netsh_cmd *c)
{
	struct wf_mapping *ms;
	struct wf_info info;
	size_t n, i;
	bool loaded;
	int ret;

	ret = current_mappings(&ms, &n, &info, &loaded);
	if (ret)
		return ret;
	if (wf_print_json()) {
		json_object *arr = json_object_new_array();

		for (i = 0; i < n; i++) {
			enum wf_netsh_type t = wf_netsh_type_of(&ms[i]);
			json_object *o;
			char l[128], tg[128];

			if (!(ms[i].protos & WF_P_TCP) || (c->type != WF_NETSH_ALL && c->type != t))
				continue;
			wf_format_listen(&ms[i], l, sizeof(l));
			wf_format_target(&ms[i], tg, sizeof(tg));
			o = json_object_new_object();
			json_object_object_add(o, "type", json_object_new_string(wf_netsh_type_name(t)));
			json_object_object_add(o, "listen", json_object_new_string(l));
			json_object_object_add(o, "connect", json_object_new_string(tg));
			json_object_array_add(arr, o);
		}
		wf_json_put(arr);
	} else {
		wf_netsh_show(stdout, ms, n, c->type);
	}
	free(ms);
	return EXIT_OK;
}

/* `set`: netsh changes the connect side of an entry that exists. Here:
 * delete it and add the new one; if the add is refused, put the old back. */
static int netsh_set(const struct wf_netsh_cmd *c)
{
	struct wf_mapping *ms, old, key;
	struct wf_info info;
	size_t n, i;
	bool loaded, found = false;
	int ret;

	/* One change under one lock: nobody sees the entry gone between. */
	ret = lock_mappings();
	if (ret)
		return ret;
	ret = current_mappings(&ms, &n, &info, &loaded);
	if (ret)
		return ret;
	for (i = 0; i < n && !found; i++) {
		if (wf_mapping_same_listen(&ms[i], &c->m) && (ms[i].protos & c->m.protos)) {
			old = ms[i];
			found = true;
		}
	}
	free(ms);
	if (!found) {
		wf_error("netsh: no portproxy entry listens on %s to set; use 'add'", c->words);
		return EXIT_USAGE;
	}
	key = old;
	ret = del_mapping(&key);
	if (ret)
		return ret;
	ret = add_mapping(&c->m);
	if (ret && add_mapping(&old))
		pr_warn("wslfwd: could not restore the old entry\n");
	return ret;
}

static int cmd_netsh(int argc, char **argv)
{
	struct wf_netsh_cmd c;
	char err[512];
	int idx;

	idx = parse_opts(argc, argv, NULL, 0, NULL, NULL, NULL);
	if (idx < 0)
		return -idx;
	if (check_args(argc - idx, argv + idx))
		return EXIT_USAGE;
	if (wf_netsh_parse(argc - idx, argv + idx, &c, err, sizeof(err))) {
		wf_error("%s", err);
		return EXIT_USAGE;
	}
	pr_debug("netsh: %s\n", c.words);
	switch (c.op) {
	case WF_NETSH_ADD:
		return add_mapping(&c.m);
	case WF_NETSH_DELETE:
		return del_mapping(&c.m);
	case WF_NETSH_SET:
		return netsh_set(&c);
	default:
		return netsh_show(&c);
	}
}

static int windows_opt(int opt, const char *arg, void *ctx)
{
	if (opt != OPT_APPLY)
		return EXIT_USAGE;
	*(bool *)ctx = true;
	return 0;
}

static int cmd_windows(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "apply", no_argument, NULL, OPT_APPLY },
	};
	struct wf_netmode_facts facts;
	struct wf_win_plan *plans = NULL;
	struct wf_mapping *ms = NULL;
	struct wf_info info;
	char err[1024], vm[INET_ADDRSTRLEN], signs[512];
	size_t n = 0, i, j;
	bool apply = false, loaded;
	int idx, ret;

	idx = parse_opts(argc, argv, opts, 1, NULL, windows_opt, &apply);
	if (idx < 0)
		return -idx;
	if (idx < argc) {
		wf_error("windows takes no argument '%s' (only --apply)", argv[idx]);
		return EXIT_USAGE;
	}
	ret = current_mappings(&ms, &n, &info, &loaded);
	if (ret)
		return ret;
	if (!loaded) {
		int ifindex = if_nametoindex("eth0");

		if (ifindex)
			wf_addr_vm4(ifindex, &info.vm4);
	}
	wf_netmode_gather(loaded ? ifname_of(info.ifindex, vm) : "eth0", &facts);
	if (wf_netmode_decide(&facts, signs, sizeof(signs)) == WF_NETMODE_MIRRORED)
		pr_warn("wslfwd: networking mode is mirrored (%s): the LAN reaches the VM's ports directly; portproxy is for NAT mode\n",
			signs);
	plans = calloc(n + 1, sizeof(*plans));
	if (!plans) {
		free(ms);
		wf_error("out of memory");
		return EXIT_FAIL;
	}
	for (i = 0; i < n; i++) {
		if (wf_windows_plan(&ms[i], info.vm4, &plans[i])) {
			wf_error("out of memory");
			ret = EXIT_FAIL;
			goto out;
		}
	}
	wf_ip4_str(info.vm4, vm, sizeof(vm));
	if (apply) {
		ret = wf_windows_apply(plans, n, err, sizeof(err));
		if (ret) {
			wf_error("%s", err);
			ret = EXIT_FAIL;
			goto out;
		}
	}
	if (wf_print_json()) {
		json_object *o = json_object_new_object(), *arr = json_object_new_array();

		json_object_object_add(o, "vm", wf_json_ip4(info.vm4));
		for (i = 0; i < n; i++) {
			json_object *e = json_object_new_object(), *c = json_object_new_array();

			json_object_object_add(e, "mapping", json_object_new_string(plans[i].mapping));
			for (j = 0; j < plans[i].n; j++)
				json_object_array_add(c, json_object_new_string(plans[i].cmds[j].line));
			json_object_object_add(e, "commands", c);
			json_object_object_add(e, "note", plans[i].note[0] ?
					       json_object_new_string(plans[i].note) : NULL);
			json_object_array_add(arr, e);
		}
		json_object_object_add(o, "mappings", arr);
		json_object_object_add(o, "applied", json_object_new_boolean(apply));
		wf_json_put(o);
	} else {
		printf("# Windows side of %zu mapping%s (NAT mode, @vm %s); run in an elevated PowerShell%s\n",
		       n, n == 1 ? "" : "s", vm, apply ? " (applied)" : "");
		for (i = 0; i < n; i++) {
			printf("# %s%s%s\n", plans[i].mapping, plans[i].note[0] ? ": " : "",
			       plans[i].note);
			for (j = 0; j < plans[i].n; j++)
				printf("%s\n", plans[i].cmds[j].line);
		}
	}
	ret = EXIT_OK;
out:
	for (i = 0; i < n; i++)
		wf_windows_plan_free(&plans[i]);
	free(plans);
	free(ms);
	return ret;
}

/* ---------------------------------------------------------------- watch */

struct watch_args {
	const char *dev;
	bool windows;
};

static int watch_opt(int opt, const char *arg, void *ctx)
{
	struct watch_args *a = ctx;

	if (opt == OPT_DEV)
		a->dev = arg;
	else if (opt == OPT_WINDOWS)
		a->windows = true;
	else
		return EXIT_USAGE;
	return 0;
}

static int cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, OPT_DEV },
		{ "windows", no_argument, NULL, OPT_WINDOWS },
	};
	struct watch_args a = {};
	struct wf_watch_opts o = { .pin_dir = env.pin_dir, .config = env.config,
				   .debounce_ms = 100, .resync_s = 10 };
	int idx, ret;

	idx = parse_opts(argc, argv, opts, 2, NULL, watch_opt, &a);
	if (idx < 0)
		return -idx;
	if (idx < argc) {
		wf_error("watch takes no argument '%s'; see 'wslfwd --help'", argv[idx]);
		return EXIT_USAGE;
	}
	o.dev = a.dev;
	o.windows = a.windows;
	ret = wf_watch(&o);
	return ret ? EXIT_FAIL : EXIT_OK;
}

/* ----------------------------------------------------------------- main */

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct cmd cmds[] = {
	{ "load", cmd_load },	{ "unload", cmd_unload }, { "status", cmd_status },
	{ "add", cmd_add },	{ "del", cmd_del },	  { "list", cmd_list },
	{ "stats", cmd_stats }, { "conns", cmd_conns },	  { "flush", cmd_flush },
	{ "watch", cmd_watch }, { "netsh", cmd_netsh },	  { "windows", cmd_windows },
};
#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

int main(int argc, char **argv)
{
	const char *names[N_CMDS];
	size_t i;
	int idx, c;

	env.pin_dir = getenv("WSLFWD_PIN_DIR");
	if (!env.pin_dir || !*env.pin_dir)
		env.pin_dir = WF_PIN_DIR_DEFAULT;
	env.config = getenv("WSLFWD_CONFIG");
	if (!env.config || !*env.config)
		env.config = WF_CONFIG_DEFAULT;
	wf_log_init_libbpf();
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Global options up to the command word. */
	idx = parse_opts(argc, argv, NULL, 0, "+", NULL, NULL);
	if (idx < 0)
		return -idx;
	if (idx >= argc) {
		if (wf_print_json()) {
			wf_error("no command given; see 'wslfwd --help'");
		} else {
			usage(stderr);
		}
		return EXIT_USAGE;
	}
	for (i = 0; i < N_CMDS; i++)
		names[i] = cmds[i].name;
	c = match_word(argv[idx], names, N_CMDS, "command");
	if (c < 0)
		return EXIT_USAGE;
	/* Where the pins of a load done elsewhere are (user/bpffs.h); load
	 * does its own, stricter check. */
	if (cmds[c].fn != cmd_load)
		wf_bpffs_prepare(env.pin_dir, false, NULL, 0);
	/* The command sees argv from its own name on; getopt skips argv[0]. */
	return cmds[c].fn(argc - idx, argv + idx);
}
