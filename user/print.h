/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Output: one plain and one JSON (json-c) printer per view, errors as
 * "wslfwd: ..." on stderr or {"error": "..."} on stdout in JSON mode. */
#ifndef WF_PRINT_H
#define WF_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include <json-c/json.h>
#include "wslfwd.h"
#include "maps.h"
#include "netsh.h"
#include "windows.h"

void wf_print_set_json(bool json, bool pretty);
bool wf_print_json(void);

void wf_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A one-line result: plain prints text, JSON prints obj (consumed). */
void wf_print_result(json_object *obj, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void wf_json_put(json_object *obj);

/* What @vm/@host stand for right now, for showing resolved addresses. */
struct wf_resolve {
	bool known;		/* from a loaded wf_info */
	__be32 vm4;
	__be32 host4;
	__be32 vm6[4];
	__be32 host6[4];
};

/* What `load` did. */
struct wf_load_view {
	const struct wf_info *info;
	const char *dev;
	const char *cgroup;	/* socket hooks' cgroup; NULL: none */
	bool replaced;		/* over a running datapath, in place */
	size_t mappings;	/* the config's */
	size_t added, removed;	/* replaced: to match the config */
	const char *config;
	const char *pin_dir;
};
void wf_print_load(const struct wf_load_view *v);

struct wf_path;
struct wf_status_view {
	bool loaded;
	const char *pin_dir;
	const char *config;
	const char *dev;	/* NULL: device gone */
	const char *dev_why;	/* why that device (wf_default_dev), NULL: not known */
	struct wf_info info;
	size_t mappings;
	size_t conns;
	const char *netmode;	/* nat | mirrored | unknown */
	const char *netmode_signs;	/* what it was told by */
	int forwarding;		/* wf_dev_forwarding4() */
	int forwarding6;	/* wf_dev_forwarding6() */
	const char *cgroup;	/* socket hooks' cgroup; NULL: not attached */
	const char *redirect;	/* where XDP redirects targets behind the VM */
	const char *ingress_why;	/* why auto chose this ingress, NULL: asked for */
	const struct wf_path *paths;	/* [3]: local, behind, one-arm; NULL: unknown */
};
void wf_print_status(const struct wf_status_view *v);

struct wf_mapping_row {
	__u32 id;		/* 0 when from the config (not loaded) */
	struct wf_mapping m;
	struct wf_counters c;
};
void wf_print_list(const struct wf_mapping_row *rows, size_t n, const struct wf_resolve *r,
		   const char *source);
void wf_print_stats(const struct wf_mapping_row *rows, size_t n, const __u64 stats[WF_STAT_MAX]);
/* `stats --prometheus`: the Prometheus text exposition format, to @f. */
void wf_print_prometheus(FILE *f, const struct wf_mapping_row *rows, size_t n,
			 const __u64 stats[WF_STAT_MAX]);
/* A label value, escaped (\\, \", \n). */
void wf_prom_label(FILE *f, const char *s);
/* IPv4 entries (wf_ct*) and IPv6 ones (wf_ct6*). */
void wf_print_conns(const struct wf_ct_entry *e, size_t n, const struct wf_ct6_entry *e6,
		    size_t n6, __u64 now_ns);
/* The timeouts `conns` computes expiry with (wf_ct_conf); defaults until set. */
void wf_print_set_ct_conf(const struct wf_ct_conf *cf);

/* The one-line results of the commands that change things. */
void wf_print_version(const char *version);
void wf_print_unload(const char *dev, const char *pin_dir);	/* dev NULL: gone */
void wf_print_add(const char *line, bool same, bool loaded, __u32 id, const char *config);
void wf_print_del(const char *listen, __u8 protos, bool loaded, __u32 id, size_t conns,
		  const char *config);
void wf_print_flush_conns(size_t entries);
void wf_print_flush_mappings(size_t n, bool loaded, const char *config);
/* `netsh interface portproxy show`: netsh's table, or a JSON array. */
void wf_print_netsh_show(const struct wf_mapping *ms, size_t n, enum wf_netsh_type type);
/* `windows`: the lines of each plan, or their JSON. */
void wf_print_windows(const struct wf_win_plan *plans, size_t n, const struct wf_win_addrs *vm,
		      bool applied);

/* "1.2.3.4" or "?" for 0. */
const char *wf_ip4_str(__be32 a, char *buf, size_t len);
json_object *wf_json_ip4(__be32 a);	/* string, or null for 0 */

#endif
