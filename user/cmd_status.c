// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* wslfwd status. */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "attach.h"
#include "cmd.h"
#include "log.h"
#include "config.h"
#include "loader.h"
#include "maps.h"
#include "netdev.h"
#include "netmode.h"
#include "print.h"

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

/* Why the loaded device: the one load takes without --dev, or another
 * given with --dev (and which the default would be). */
static const char *status_dev_why(const char *dev, char *defdev, char *buf, size_t len)
{
	const char *why;

	if (!dev)
		return NULL;
	wf_default_dev(defdev, &why);
	if (!strcmp(dev, defdev))
		return why;
	snprintf(buf, len, "given with --dev; without it load takes %s: %s", defdev, why);
	return buf;
}

int cmd_status(int argc, char **argv)
{
	struct wf_status_view v = { .pin_dir = env.pin_dir, .config = env.config,
				    .netmode = "unknown" };
	struct wf_netmode_facts facts;
	struct wf_ct6_entry *ct6 = NULL;
	struct wf_ct_entry *ct = NULL;
	struct wf_maps m;
	char dev[IF_NAMESIZE], err[512], signs[512], cgpath[PATH_MAX], redir[512], why[400];
	char defdev[IF_NAMESIZE], devwhy[128];
	struct wf_path paths[3];
	size_t n = 0;
	int ret;

	ret = parse_no_args(argc, argv, "status", NULL, NULL) ?: open_maps(&m);
	if (ret && ret != NOT_LOADED)
		return ret;
	v.netmode_signs = signs;
	if (ret == NOT_LOADED) {
		struct wf_mapping *cfg = NULL;

		wf_default_dev(defdev, &v.dev_why);
		wf_netmode_gather(defdev, &facts);
		v.netmode = wf_netmode_name(wf_netmode_decide(&facts, signs, sizeof(signs)));
		/* A missing config is no mappings; one that cannot be read or
		 * holds a bad line says so (load would refuse it). */
		if (!wf_config_read(env.config, &cfg, &n, NULL, err, sizeof(err)))
			v.mappings = n;
		else
			pr_warn("wslfwd: %s\n", err);
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
	v.dev_why = status_dev_why(v.dev, defdev, devwhy, sizeof(devwhy));
	if (wf_loader_cgroup(env.pin_dir, cgpath, sizeof(cgpath)) > 0)
		v.cgroup = cgpath;
	v.forwarding = v.dev ? wf_dev_forwarding4(v.dev) : -ENODEV;
	v.forwarding6 = v.dev ? wf_dev_forwarding6(v.dev) : -ENODEV;
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
	if (!wf_maps_ct6_dump(&m, &ct6, &n)) {
		size_t i;

		for (i = 0; i < n; i++)
			v.conns += ct6[i].val.c.dir == WF_DIR_ORIG;
		free(ct6);
	}
	wf_maps_close(&m);
	wf_print_status(&v);
	return v.dev ? EXIT_OK : EXIT_FAIL;
}
