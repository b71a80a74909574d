// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The mappings: wslfwd add, del, list, flush; add_mapping and del_mapping
 * also serve netsh.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <arpa/inet.h>
#include "addr.h"
#include "cmd.h"
#include "config.h"
#include "loader.h"
#include "log.h"
#include "maps.h"
#include "parse.h"
#include "print.h"
#include "store.h"

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
int config_listen_twice(const struct wf_mapping *cfg, size_t n, int ifindex)
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

/*
 * Add a parsed, validated mapping to the config and the maps (when
 * loaded), print the result; an exit status. Shared by `add` and `netsh
 * ... add`. Under the mapping lock: the config is written first, then the
 * maps follow it (store.h); the very same mapping again is a success that
 * changes nothing.
 */
int add_mapping(const struct wf_mapping *mpp)
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

int cmd_add(int argc, char **argv)
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
int del_mapping(const struct wf_mapping *keyp)
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

int cmd_del(int argc, char **argv)
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

int cmd_list(int argc, char **argv)
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

int cmd_flush(int argc, char **argv)
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
