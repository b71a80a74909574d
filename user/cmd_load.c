// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* wslfwd load, wslfwd unload. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "addr.h"
#include "attach.h"
#include "cmd.h"
#include "config.h"
#include "loader.h"
#include "log.h"
#include "maps.h"
#include "nexthop.h"
#include "netdev.h"
#include "parse.h"
#include "ports.h"
#include "print.h"
#include "store.h"

#define WF_REDIRECT_ARGS 8

struct load_args {
	const char *dev;
	const char *cgroup;	/* NULL: the cgroup v2 root; "none": no socket hooks */
	enum wf_mode mode;
	unsigned long ct_size;
	unsigned long ct6_size;	/* 0: wf_ct6_conns_default(ct_size) */
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
		i = match_word(arg, modes, ARRAY_SIZE(modes), "mode");
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
	case OPT_CT6_SIZE:
		errno = 0;
		a->ct6_size = strtoul(arg, &end, 10);
		if (errno || *end || !*arg || a->ct6_size < 1 || a->ct6_size > (1UL << 26)) {
			wf_error("--ct6-size %s out of range 1-%lu (connections)", arg, 1UL << 26);
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
	wf_store_prime(ctx, mp);
}

/* One load, from its options to its result. */
struct load_run {
	struct load_args a;
	struct wf_load_opts lo;
	char cgroot[PATH_MAX];
	struct wf_mapping *cfg;
	size_t n, dups;
	bool ports_added;	/* this load reserved the SNAT ports */
	bool replaced;		/* over a running datapath, in place */
	bool has6;		/* the config has IPv6 mappings */
	bool host6;		/* ... to @host6 */
	struct wf_maps m;
	struct wf_info info;
	struct wf_sync_stats st;
	char defdev[IF_NAMESIZE];	/* no --dev: wf_default_dev()'s choice */
	const char *dev_why;
	char err[1024];
};

/* Where the socket hooks go: --cgroup DIR, none, or the cgroup v2 root. */
static int load_cgroup(struct load_args *a, char *cgroot, size_t len)
{
	char why[PATH_MAX * 2 + 64];
	int ret;

	if (a->cgroup && !*a->cgroup)
		a->cgroup = NULL;
	if (a->cgroup) {
		if (!strcmp(a->cgroup, "none"))
			a->cgroup = NULL;
		return 0;
	}
	/* Default: every process of the machine. */
	ret = wf_cgroup_root(cgroot, len, why, sizeof(why));
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
		a->cgroup = cgroot;
	}
	return 0;
}

/* The options, and what can be refused before touching the kernel. */
static int load_args_get(struct load_run *r, int argc, char **argv)
{
	struct load_args *a = &r->a;
	int ret;

	ret = parse_no_args(argc, argv, "load", load_opt, a);
	if (ret)
		return ret;
	if (geteuid() != 0) {
		wf_error("load needs root (CAP_BPF, CAP_NET_ADMIN); run 'sudo wslfwd load'");
		return EXIT_FAIL;
	}
	if (!a->dev) {
		wf_default_dev(r->defdev, &r->dev_why);
		a->dev = r->defdev;
	}
	r->lo.ifindex = if_nametoindex(a->dev);
	if (!r->lo.ifindex) {
		wf_error("no such device %s%s%s%s: %s; check the name with 'ip link' and use --dev",
			 a->dev, r->dev_why ? " (" : "", r->dev_why ?: "", r->dev_why ? ")" : "",
			 strerror(errno));
		return EXIT_FAIL;
	}
	ret = redirect_check(a);
	if (ret)
		return ret;
	return load_cgroup(a, r->cgroot, sizeof(r->cgroot));
}

/* Read the config before touching the kernel: a bad line refuses the
 * load and changes nothing. The mapping lock (held to exit) keeps
 * add/del from changing it until the maps hold it. */
static int load_config(struct load_run *r)
{
	size_t i;
	int ret;

	ret = lock_mappings();
	if (ret)
		return ret;
	ret = read_config(&r->cfg, &r->n, &r->dups);
	if (ret)
		return ret;
	for (i = 0; i < r->n; i++) {
		ret = wf_mapping_validate(&r->cfg[i], r->err, sizeof(r->err));
		if (ret) {
			wf_error("%s: %s", env.config, r->err);
			return EXIT_USAGE;
		}
	}
	ret = wf_store_config_listen_twice(r->cfg, r->n, r->lo.ifindex, env.config, r->err,
					   sizeof(r->err));
	if (ret) {
		wf_error("%s", r->err);
		return EXIT_USAGE;
	}
	return 0;
}

/* r->err: what failed (fmt), then errno -ret; returns ret. */
__attribute__((format(printf, 3, 4)))
static int load_failed(struct load_run *r, int ret, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	if (len >= 0 && (size_t)len < sizeof(r->err))
		snprintf(r->err + len, sizeof(r->err) - len, ": %s", strerror(-ret));
	return ret;
}

/* --timeout, merged over the pinned values: a load over pins keeps the
 * classes it does not name, as re-attach keeps them all. */
static int load_timeouts(struct load_run *r)
{
	struct wf_ct_conf cf;
	int s, ret;

	if (!r->a.has_timeout)
		return 0;
	ret = wf_maps_ct_conf_get(&r->m, &cf);
	for (s = 0; !ret && s < WF_CT_STATE_MAX; s++)
		if (r->a.timeout_set[s])
			cf.timeout[s] = r->a.timeout.timeout[s];
	if (!ret)
		ret = wf_maps_ct_conf_set(&r->m, &cf);
	return ret ? load_failed(r, ret, "cannot write the timeouts (wf_ct_conf)") : 0;
}

/* wf_redirect (--redirect DEV or auto) and what its bridge ports need. */
static int load_redirect(struct load_run *r)
{
	struct load_args *a = &r->a;
	size_t i, nmac;
	int ret;

	for (i = 0; i < (size_t)a->n_redirect; i++) {
		ret = wf_maps_redirect_add(&r->m, a->redirect_ifindex[i]);
		if (ret)
			return load_failed(r, ret, "cannot add %s to wf_redirect", a->redirect[i]);
	}
	if (a->redirect_auto && r->info.mode != WF_MODE_TC) {
		size_t ndev = 0;

		ret = redirect_auto(&r->m, &r->info, &ndev);
		if (ret)
			return load_failed(r, ret, "cannot write wf_info");
		a->n_redirect = ndev;	/* for the bridge ports below */
	}
	if (!a->n_redirect)
		return 0;
	/* Bridge ports: which MACs the bridge has behind them. */
	ret = wf_maps_brport_sync(&r->m, &nmac);
	if (ret)
		return load_failed(r, ret, "cannot read the bridges' forwarding database");
	pr_debug("wslfwd: %zu MAC(s) behind the --redirect bridge ports\n", nmac);
	/* What each takes: bigger datagrams go through the stack. */
	ret = wf_maps_dev_mtu_sync(&r->m, &nmac);
	return ret ? load_failed(r, ret, "cannot write wf_dev_mtu") : 0;
}

/* The maps just loaded (or kept): wf_info flags, timeouts, redirect. */
static int load_settings(struct load_run *r)
{
	int ret;

	if (r->ports_added) {
		/* unload takes back what load added, and only that */
		r->info.flags |= WF_INFO_F_PORTS_RESERVED;
		ret = wf_maps_info_set(&r->m, &r->info);
		if (ret)
			return load_failed(r, ret, "cannot write wf_info");
	}
	return load_timeouts(r) ?: load_redirect(r);
}

/* A fresh load: every mapping of the config into the empty maps. */
static int load_install(struct load_run *r)
{
	char line[256];
	size_t i;
	__u32 id;
	int ret;

	for (i = 0; i < r->n; i++) {
		wf_format_mapping(&r->cfg[i], line, sizeof(line));
		if (r->cfg[i].laddr_kind == WF_ADDR_LITERAL && check_laddr(&r->info, &r->cfg[i]))
			pr_warn("wslfwd: %s: '%s' listens on an address %s does not have (yet)\n",
				env.config, line, r->a.dev);
		if (wf_mapping_check_forwardable(&r->cfg[i], r->err, sizeof(r->err)))
			pr_warn("wslfwd: %s: '%s' is kept but not forwarded: %s\n", env.config,
				line, r->err);
		if (!r->a.cgroup && wf_mapping_needs_sock_hooks(&r->cfg[i]))
			pr_warn("wslfwd: %s: '%s' needs the socket hooks, which --cgroup none "
				"leaves out\n", env.config, line);
		ret = wf_maps_mapping_add(&r->m, &r->cfg[i], &id);
		if (ret) {
			snprintf(r->err, sizeof(r->err), "cannot install '%s' from %s: %s%s", line,
				 env.config, strerror(-ret),
				 ret == -E2BIG || ret == -ENOSPC ?
				 " (the maps are full: fewer or smaller port ranges)" : "");
			return ret;
		}
		wf_store_prime(&r->info, &r->cfg[i]);
	}
	return 0;
}

/* The mappings into the maps, the port filter computed once at the end. */
static int load_mappings(struct load_run *r)
{
	int ret;

	/* Replaced in place: the mappings are in the maps already (ids,
	 * counters, connections); the maps are brought in step with the
	 * config, leaving the mappings both have alone. */
	if (r->replaced) {
		ret = wf_store_sync(&r->m, r->cfg, r->n, &r->st, load_added, &r->info, r->err,
				    sizeof(r->err));
		if (ret)
			return ret;
	}
	/* One wf_ports computation for the whole config, not one per line. */
	wf_maps_ports_defer(&r->m);
	if (!r->replaced) {
		ret = load_install(r);
		if (ret)
			return ret;
	}
	ret = wf_maps_ports_flush(&r->m);
	if (ret)
		return load_failed(r, ret, "cannot write the port filter (wf_ports)");
	/* The targets' next hops, their neighbours primed by the install
	 * (replaced in place: wf_store_sync wrote them). */
	if (!r->replaced) {
		ret = wf_nh_sync(&r->m, true, NULL);
		if (ret && ret != -EOPNOTSUPP)
			pr_warn("wslfwd: cannot write the next-hop cache (wf_nh): %s\n",
				strerror(-ret));
	}
	return 0;
}

/* After wf_load: the maps opened and filled; r->err says what failed. */
static int load_fill(struct load_run *r)
{
	int ret = wf_maps_open(&r->m, env.pin_dir);

	if (ret)
		return load_failed(r, ret, "cannot open the maps just pinned in %s", env.pin_dir);
	return load_settings(r) ?: load_mappings(r);
}

/* A load that failed past wf_load: a fresh one is taken down again. */
static int load_rollback(struct load_run *r)
{
	char uerr[512];

	if (r->replaced) {
		/* Never take down the datapath that was running before. */
		wf_error("%s; the new programs run, the mappings in the maps stay", r->err);
		return EXIT_FAIL;
	}
	if (wf_unload(env.pin_dir, uerr, sizeof(uerr)))
		pr_warn("wslfwd: rollback: %s\n", uerr);
	if (r->ports_added)
		wf_snat_ports_release(WF_SNAT_PORT_MIN, WF_SNAT_PORT_MAX);
	wf_error("%s; nothing was loaded", r->err);
	return EXIT_FAIL;
}

/* Reserve the SNAT ports, load and attach (user/loader.h). */
static int load_attach(struct load_run *r)
{
	const char *nt = getenv("WSLFWD_NO_TCX");
	int ret;

	r->lo.pin_dir = env.pin_dir;
	r->lo.ifname = r->a.dev;
	r->lo.mode = r->a.mode;
	r->lo.ct_conns = r->a.ct_size;
	r->lo.ct6_conns = r->a.ct6_size ?: wf_ct6_conns_default(r->a.ct_size);
	r->lo.no_tcx = nt && *nt && strcmp(nt, "0");
	r->lo.cgroup = r->a.cgroup;
	/* Keep the VM's own sockets off the SNAT ports (or refuse), before
	 * anything is loaded. */
	ret = wf_snat_ports_reserve(WF_SNAT_PORT_MIN, WF_SNAT_PORT_MAX, &r->ports_added, r->err,
				    sizeof(r->err));
	if (ret) {
		wf_error("%s", r->err);
		return EXIT_FAIL;
	}
	ret = wf_load(&r->lo, &r->info, r->err, sizeof(r->err));
	if (ret < 0) {
		wf_error("%s", r->err);
		if (r->ports_added)
			wf_snat_ports_release(WF_SNAT_PORT_MIN, WF_SNAT_PORT_MAX);
		return EXIT_FAIL;
	}
	r->replaced = ret == WF_LOAD_REPLACED;
	return 0;
}

int cmd_load(int argc, char **argv)
{
	struct load_run r = {
		.a = { .dev = NULL, .mode = WF_MODE_NONE, .redirect_auto = true,
		       .ct_size = WF_CT_CONNS_DEFAULT, .cgroup = getenv("WSLFWD_CGROUP") },
	};
	int ret;

	ret = load_args_get(&r, argc, argv);
	if (!ret)
		ret = load_config(&r);
	if (!ret)
		ret = load_attach(&r);
	if (ret) {
		free(r.cfg);
		return ret;
	}
	ret = load_fill(&r);
	for (size_t i = 0; i < r.n; i++) {
		r.has6 |= r.cfg[i].family == WF_AF_INET6 && !r.cfg[i].tfamily;
		r.host6 |= wf_mapping_to_host6(&r.cfg[i]);
	}
	free(r.cfg);
	if (ret) {
		wf_maps_close(&r.m);
		return load_rollback(&r);
	}
	wf_print_load(&(struct wf_load_view){ .info = &r.info, .dev = r.a.dev,
		      .cgroup = r.a.cgroup, .replaced = r.replaced, .mappings = r.n,
		      .added = r.st.added, .removed = r.st.removed, .config = env.config,
		      .pin_dir = env.pin_dir });
	if (r.dev_why)
		pr_info("wslfwd: device %s: %s (--dev IFACE for another)\n", r.a.dev, r.dev_why);
	if (!wf_dev_forwarding4(r.a.dev))
		pr_warn("wslfwd: IPv4 forwarding is off on %s: targets other than @vm will be dropped "
			"(fwd_disabled); turn it on with 'sysctl -w net.ipv4.ip_forward=1'\n", r.a.dev);
	if (r.has6 && !wf_dev_forwarding6(r.a.dev))
		pr_warn("wslfwd: IPv6 forwarding is off on %s: IPv6 targets other than @vm6 will be "
			"dropped (fwd_disabled); turn it on with 'sysctl -w net.ipv6.conf.all.forwarding=1' "
			"(and net.ipv6.conf.%s.accept_ra=2 where router advertisements configure it)\n",
			r.a.dev, r.a.dev);
	if (r.host6)
		wf_warn_host6(&r.info, "mappings to @host6", &r.m);
	wf_maps_close(&r.m);
	return EXIT_OK;
}

int cmd_unload(int argc, char **argv)
{
	char err[512], dev[IF_NAMESIZE], foreign[512];
	const char *name;
	bool reserved;
	int ret, ifindex;

	ret = parse_no_args(argc, argv, "unload", NULL, NULL);
	if (ret)
		return ret;
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
	wf_print_unload(name, env.pin_dir);
	return EXIT_OK;
}
