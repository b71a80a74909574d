// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * wslfwd netsh (Windows' portproxy words over the mappings) and wslfwd
 * windows (the Windows-side commands that expose them to the LAN).
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "addr.h"
#include "cmd.h"
#include "log.h"
#include "maps.h"
#include "netmode.h"
#include "netsh.h"
#include "parse.h"
#include "print.h"
#include "windows.h"

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

int cmd_netsh(int argc, char **argv)
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

int cmd_windows(int argc, char **argv)
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
