/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Open, load, attach, pin and detach the datapath (libbpf). */
#ifndef WF_LOADER_H
#define WF_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "wslfwd.h"

struct wf_load_opts {
	const char *pin_dir;
	const char *ifname;
	int ifindex;
	enum wf_mode mode;	/* WF_MODE_NONE: auto */
	__u32 ct_conns;		/* connections; wf_ct holds 2 entries each */
	__u32 ct6_conns;	/* IPv6 connections (wf_ct6) */
	bool no_tcx;		/* force clsact + cls_bpf (WSLFWD_NO_TCX=1) */
	const char *cgroup;	/* cgroup v2 dir for the socket hooks; NULL: none */
};

/* The cgroup v2 root from /proc/self/mountinfo, into buf. -ENOENT: none
 * (why, if not NULL, says what was found instead: e.g. only a bind mount of
 * a sub-cgroup). wf_cgroup_root_parse reads the mountinfo text from f. */
int wf_cgroup_root(char *buf, size_t len, char *why, size_t whylen);
int wf_cgroup_root_parse(FILE *f, char *buf, size_t len, char *why, size_t whylen);
/* The cgroup the socket hooks are attached to, from their pinned link:
 * 1 and its path in buf (or "id N" when not found under the cgroup v2
 * root), 0 when not attached, -errno. */
int wf_loader_cgroup(const char *pin_dir, char *buf, size_t len);

/* What is pinned under pin_dir: 0 nothing (missing or empty dir), 1 some
 * pins (*ifindex from wf_info when readable, else 0), -errno. */
int wf_loader_state(const char *pin_dir, int *ifindex);

/* Load and attach on o->ifindex, pin everything under o->pin_dir, fill
 * wf_info: 0. On failure nothing stays attached or pinned; err says what
 * failed. *info receives what was written to wf_info.
 * Over a running datapath on the same device (and mode, if one is asked
 * for): the programs are replaced in place, the pinned maps kept, and
 * WF_LOAD_REPLACED returned; on failure the running datapath stays as it
 * was. Another device or mode: -EEXIST. */
#define WF_LOAD_REPLACED 1
int wf_load(const struct wf_load_opts *o, struct wf_info *info, char *err, size_t errlen);

/* Whether pin_dir is a wslfwd pin dir: 1 when it holds wslfwd's wf_info,
 * or only names wslfwd pins (a load that died early); 0 when not, with the
 * other entries' names in foreign; -errno. */
int wf_loader_pin_dir_check(const char *pin_dir, char *foreign, size_t len);

/* Detach and unpin what wslfwd pinned under pin_dir, also from a partial
 * or inconsistent pin dir; remove the dir unless other tools' pins are in
 * it (those stay). Best effort: carries on past
 * failures and returns the first one (err says what). */
int wf_unload(const char *pin_dir, char *err, size_t errlen);

/* The device went away and came back (same name, new ifindex): its links
 * died with it. Load the programs again over the pinned maps (mappings,
 * connections and counters kept), attach them to ifindex in the mode and
 * tc kind wf_info recorded (auto if that fails), update wf_info. On
 * failure nothing new stays attached; the maps stay pinned. */
/* Connections the half-open table wf_ct_new holds for --ct-size @conns. */
static inline unsigned long wf_ct_new_conns(unsigned long conns)
{
	if (conns / 4 >= WF_CT_NEW_CONNS_MIN)
		return conns / 4;
	return conns < WF_CT_NEW_CONNS_MIN ? conns : WF_CT_NEW_CONNS_MIN;
}

/* IPv6 connections (wf_ct6) without --ct6-size: a quarter of @conns, at
 * least WF_CT_NEW_CONNS_MIN (or all of a smaller @conns). The tables are
 * preallocated (LRU): sized like the IPv4 ones they more than doubled the
 * memory of a load, IPv4-only machines' included. */
static inline unsigned long wf_ct6_conns_default(unsigned long conns)
{
	return wf_ct_new_conns(conns);
}

int wf_reattach(const char *pin_dir, const char *ifname, int ifindex, struct wf_info *info,
		char *err, size_t errlen);

const char *wf_mode_name(int mode);	/* "xdp (native)", "xdp (generic)", "tc" */
const char *wf_mode_word(int mode);	/* "xdp", "xdp-generic", "tc" */

#endif
