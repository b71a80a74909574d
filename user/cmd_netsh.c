// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * wslfwd netsh (Windows' portproxy words over the mappings) and wslfwd
 * windows (the Windows-side commands that expose them to the LAN).
 */
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "cmd.h"
#include "log.h"
#include "maps.h"
#include "netmode.h"
#include "netsh.h"
#include "parse.h"
#include "print.h"
#include "store.h"
#include "windows.h"

static int netsh_show(const struct wf_netsh_cmd *c)
{
	struct wf_mapping *ms;
	struct wf_store s;
	size_t n;
	int ret;

	ret = store_open(&s, 0);
	if (!ret)
		ret = store_list(&s, &ms, NULL, &n);
	wf_store_close(&s);
	if (ret)
		return ret;
	wf_print_netsh_show(ms, n, c->type);
	free(ms);
	return EXIT_OK;
}

/* The mapping of the store that `set` changes: the one on c's listen side. */
static int netsh_find(struct wf_store *s, const struct wf_netsh_cmd *c, struct wf_mapping *old)
{
	struct wf_mapping *ms;
	size_t n, i;
	int ret;

	ret = store_list(s, &ms, NULL, &n);
	if (ret)
		return ret;
	ret = EXIT_USAGE;
	for (i = 0; i < n && ret; i++) {
		if (wf_mapping_same_listen(&ms[i], &c->m) && (ms[i].protos & c->m.protos)) {
			*old = ms[i];
			ret = 0;
		}
	}
	free(ms);
	if (ret)
		wf_error("netsh: no portproxy entry listens on %s to set; use 'add'", c->words);
	return ret;
}

/* `set`: netsh changes the connect side of an entry that exists. Here:
 * delete it and add the new one; if the add is refused, put the old back.
 * One change under one lock: nobody sees the entry gone between. */
static int netsh_set(const struct wf_netsh_cmd *c)
{
	struct wf_mapping old;
	struct wf_store s;
	int ret;

	ret = store_open(&s, WF_STORE_LOCK | WF_STORE_CONFIG);
	if (ret)
		return ret;
	ret = netsh_find(&s, c, &old);
	if (!ret)
		ret = store_del(&s, &old);
	if (!ret) {
		ret = store_add(&s, &c->m);
		if (ret && store_add(&s, &old))
			pr_warn("wslfwd: could not restore the old entry\n");
	}
	wf_store_close(&s);
	return ret;
}

int cmd_netsh(int argc, char **argv)
{
	struct wf_netsh_cmd c;
	char err[512];
	int ret;

	ret = parse_words(&argc, &argv, "netsh", NULL);
	if (ret)
		return ret;
	if (wf_netsh_parse(argc, argv, &c, err, sizeof(err))) {
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

/* Mirrored mode has no use for portproxy: say so. dev NULL: the default
 * device (wf_default_dev). */
static void windows_netmode(const char *dev)
{
	struct wf_netmode_facts facts;
	char signs[512], def[IF_NAMESIZE];
	const char *why;

	if (!dev) {
		wf_default_dev(def, &why);
		dev = def;
	}
	wf_netmode_gather(dev, &facts);
	if (wf_netmode_decide(&facts, signs, sizeof(signs)) == WF_NETMODE_MIRRORED)
		pr_warn("wslfwd: networking mode is mirrored (%s): the LAN reaches the VM's ports directly; portproxy is for NAT mode\n",
			signs);
}

/* The plans of ms[0..n) for @vm/@vm6 into plans[]; applied if asked. */
static int windows_plans(const struct wf_mapping *ms, size_t n, const struct wf_win_addrs *vm,
			 bool apply, struct wf_win_plan *plans)
{
	char err[1024];
	size_t i;

	for (i = 0; i < n; i++) {
		if (wf_windows_plan(&ms[i], vm, &plans[i])) {
			wf_error("out of memory");
			return EXIT_FAIL;
		}
	}
	if (apply && wf_windows_apply(plans, n, err, sizeof(err))) {
		wf_error("%s", err);
		return EXIT_FAIL;
	}
	return 0;
}

/* The mappings in force and @vm/@vm6: the maps' and wf_info's when
 * loaded, else the config's and the default device's (wf_default_dev). */
static int windows_mappings(struct wf_mapping **ms, size_t *n, struct wf_win_addrs *vm, char *dev)
{
	struct wf_store s;
	const char *why;
	int ret, ifindex;

	ret = store_open(&s, 0);
	if (!ret)
		ret = store_list(&s, ms, NULL, n);
	vm->vm4 = s.info.vm4;
	memcpy(vm->vm6, s.info.vm6, sizeof(vm->vm6));
	if (!ret && s.loaded) {
		windows_netmode(ifname_of(s.info.ifindex, dev));
	} else if (!ret) {
		wf_default_dev(dev, &why);
		ifindex = if_nametoindex(dev);
		if (ifindex) {
			wf_addr_vm4(ifindex, &vm->vm4);
			wf_addr_vm6(ifindex, vm->vm6);
		}
		windows_netmode(dev);
	}
	wf_store_close(&s);
	return ret;
}

int cmd_windows(int argc, char **argv)
{
	struct wf_win_plan *plans = NULL;
	struct wf_mapping *ms = NULL;
	char dev[IF_NAMESIZE];
	bool apply = false;
	struct wf_win_addrs vm = {};
	size_t n = 0, i;
	int ret;

	ret = parse_no_args(argc, argv, "windows", windows_opt, &apply);
	if (ret)
		return ret;
	ret = windows_mappings(&ms, &n, &vm, dev);
	if (ret)
		return ret;
	plans = calloc(n + 1, sizeof(*plans));
	if (!plans) {
		free(ms);
		wf_error("out of memory");
		return EXIT_FAIL;
	}
	ret = windows_plans(ms, n, &vm, apply, plans);
	if (!ret)
		wf_print_windows(plans, n, &vm, apply);
	for (i = 0; i < n; i++)
		wf_windows_plan_free(&plans[i]);
	free(plans);
	free(ms);
	return ret;
}
