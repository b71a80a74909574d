// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* wslfwd load, wslfwd unload. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
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

int cmd_load(int argc, char **argv)
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

int cmd_unload(int argc, char **argv)
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
