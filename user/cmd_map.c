// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The mappings: wslfwd add, del, list, flush, over the store (user/store.h);
 * add_mapping and del_mapping also serve netsh.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "loader.h"
#include "log.h"
#include "maps.h"
#include "parse.h"
#include "print.h"
#include "store.h"

/* What an added mapping will not do yet, said after it went in. */
static void add_warnings(const struct wf_store *s, const struct wf_mapping *mp, const char *line)
{
	char cg[PATH_MAX];

	if (wf_mapping_needs_sock_hooks(mp) && wf_loader_cgroup(s->pin_dir, cg, sizeof(cg)) == 0)
		pr_warn("wslfwd: '%s' needs the socket hooks, which this load did not attach "
			"(--cgroup none); reload without it\n", line);
	if (wf_mapping_to_host6(mp))
		wf_warn_host6(&s->info, line, &s->m);
	else if (mp->taddr_kind == WF_ADDR_LITERAL && wf_mapping_tfamily(mp) == WF_AF_INET6 &&
		 wf_addr6_linklocal(mp->taddr))
		wf_warn_ll6(mp->taddr, false, line, &s->m);
}

/* What no mapping may do (wf_mapping_check_policy) or cannot do yet
 * (wf_mapping_check_forwardable): refused, exit 2, nothing changed. */
static int add_policy(const struct wf_mapping *mp)
{
	char err[1024], line[512];

	if (!wf_mapping_check_policy(mp, err, sizeof(err)) &&
	    !wf_mapping_check_forwardable(mp, err, sizeof(err)))
		return 0;
	wf_format_mapping(mp, line, sizeof(line));
	wf_error("'%s': %s", line, err);
	return EXIT_USAGE;
}

/* store_add once the policy allows mp. */
static int add_in(struct wf_store *s, const struct wf_mapping *mp)
{
	struct wf_store_result r;
	char err[1024], line[512];
	int ret;

	wf_format_mapping(mp, line, sizeof(line));
	ret = wf_store_add(s, mp, &r, err, sizeof(err));
	if (ret)
		return store_error(s, err);
	if (s->loaded && !r.same)
		add_warnings(s, mp, line);
	wf_print_add(line, r.same, s->loaded, r.id, s->config);
	return EXIT_OK;
}

int store_add(struct wf_store *s, const struct wf_mapping *mp)
{
	return add_policy(mp) ?: add_in(s, mp);
}

int store_del(struct wf_store *s, const struct wf_mapping *key)
{
	struct wf_store_result r;
	char err[1024], l[256];
	int ret;

	ret = wf_store_del(s, key, &r, err, sizeof(err));
	if (ret)
		return store_error(s, err);
	wf_format_listen(key, l, sizeof(l));
	wf_print_del(l, key->protos, s->loaded, r.id, r.conns, s->config);
	return EXIT_OK;
}

/* change(store, mp) through the store opened and locked for it alone: an
 * exit status. */
static int locked_change(int (*change)(struct wf_store *s, const struct wf_mapping *mp),
			 const struct wf_mapping *mp)
{
	struct wf_store s;
	int ret;

	ret = store_open(&s, WF_STORE_LOCK | WF_STORE_CONFIG);
	if (ret)
		return ret;
	ret = change(&s, mp);
	wf_store_close(&s);
	return ret;
}

/*
 * Add a parsed, validated mapping to the config and the maps (when
 * loaded), print the result; an exit status. Shared by `add` and `netsh
 * ... add`. The very same mapping again is a success that changes nothing.
 */
int add_mapping(const struct wf_mapping *mp)
{
	/* Before the lock: a refused mapping waits for nobody. */
	return add_policy(mp) ?: locked_change(add_in, mp);
}

/* How a command's words become a mapping (wf_parse_mapping's shape). */
typedef int (*mapping_parse_fn)(int argc, char **argv, struct wf_mapping *m, char *err,
				size_t errlen);

/* The options, then the words read into *m by parse: 0, or exit 2 after
 * saying why. Shared by add and del. */
static int mapping_words(int argc, char **argv, const char *name, const char *needs,
			 mapping_parse_fn parse, struct wf_mapping *m)
{
	char err[512];
	int ret;

	ret = parse_words(&argc, &argv, name, needs);
	if (ret)
		return ret;
	if (parse(argc, argv, m, err, sizeof(err))) {
		wf_error("%s", err);
		return EXIT_USAGE;
	}
	return 0;
}

/* add's words: a mapping, and one that does not forward to itself. */
static int parse_add(int argc, char **argv, struct wf_mapping *m, char *err, size_t errlen)
{
	return wf_parse_mapping(argc, argv, m, err, errlen) ?: wf_mapping_validate(m, err, errlen);
}

int cmd_add(int argc, char **argv)
{
	static const char needs[] = "add needs PROTO [LADDR:]LPORT[-LPORT2] TADDR:TPORT, "
				    "e.g. 'wslfwd add tcp 8080 @vm:18080'";
	struct wf_mapping mp;

	return mapping_words(argc, argv, "add", needs, parse_add, &mp) ?: add_mapping(&mp);
}

/*
 * Delete the listen side key (protos, laddr, ports) from the config and
 * the maps (when loaded), print the result; an exit status. Shared by
 * `del` and `netsh ... delete`.
 */
int del_mapping(const struct wf_mapping *key)
{
	return locked_change(store_del, key);
}

int cmd_del(int argc, char **argv)
{
	static const char needs[] = "del needs PROTO [LADDR:]LPORT[-LPORT2], "
				    "e.g. 'wslfwd del tcp 8080'";
	struct wf_mapping key;

	return mapping_words(argc, argv, "del", needs, wf_parse_mapping_key, &key) ?:
	       del_mapping(&key);
}

int cmd_list(int argc, char **argv)
{
	struct wf_mapping_row *rows;
	struct wf_resolve r = {};
	struct wf_mapping *ms;
	struct wf_store s;
	size_t n = 0, i;
	__u32 *ids;
	int ret;

	ret = parse_no_args(argc, argv, "list", NULL, NULL);
	if (ret)
		return ret;
	ret = store_open(&s, 0);
	if (!ret)
		ret = store_list(&s, &ms, &ids, &n);
	if (ret) {
		wf_store_close(&s);
		return ret;
	}
	rows = calloc(n + 1, sizeof(*rows));
	if (!rows) {
		wf_error("out of memory");
		ret = EXIT_FAIL;
		goto out;
	}
	for (i = 0; i < n; i++) {
		rows[i].id = ids[i];
		rows[i].m = ms[i];
	}
	r.known = s.loaded;
	r.vm4 = s.info.vm4;
	r.host4 = s.info.host4;
	memcpy(r.vm6, s.info.vm6, sizeof(r.vm6));
	memcpy(r.host6, s.info.host6, sizeof(r.host6));
	wf_print_list(rows, n, s.loaded ? &r : NULL, s.loaded ? NULL : s.config);
	free(rows);
out:
	free(ms);
	free(ids);
	wf_store_close(&s);
	return ret;
}

static int flush_conns(void)
{
	struct wf_maps m;
	size_t c = 0;
	int ret;

	ret = need_loaded(&m);
	if (ret)
		return ret;
	ret = wf_maps_ct_delete(&m, WF_CT_ANY, 0, &c);
	wf_maps_close(&m);
	if (ret) {
		wf_error("cannot flush wf_ct: %s", strerror(-ret));
		return EXIT_FAIL;
	}
	wf_print_flush_conns(c);
	return EXIT_OK;
}

static int flush_mappings(void)
{
	struct wf_store_result r;
	struct wf_store s;
	char err[1024];
	int ret;

	ret = store_open(&s, WF_STORE_LOCK);
	if (ret)
		return ret;
	ret = wf_store_flush(&s, &r, err, sizeof(err));
	if (ret)
		ret = store_error(&s, err);
	else
		wf_print_flush_mappings(r.removed, s.loaded, s.config);
	wf_store_close(&s);
	return ret;
}

int cmd_flush(int argc, char **argv)
{
	static const char *const what[] = { "conns", "mappings" };
	int idx, w;

	idx = parse_opts(argc, argv, "flush", false, NULL, NULL);
	if (idx < 0)
		return -idx;
	if (idx + 1 != argc) {
		wf_error("flush needs one of: conns, mappings");
		return EXIT_USAGE;
	}
	w = match_word(argv[idx], what, ARRAY_SIZE(what), "flush object");
	if (w < 0)
		return EXIT_USAGE;
	return w == 0 ? flush_conns() : flush_mappings();
}
