/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Typed API over the maps pinned under --pin-dir: mappings (with their
 * wf_fwd expansion, wf_allow entries and the wf_ports filter), connection
 * table, counters. Functions return 0 or -errno. */
#ifndef WF_MAPS_H
#define WF_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "wslfwd.h"

struct wf_maps {
	int info;
	int mappings;
	int fwd;
	int lo;		/* wf_lo: mappings for local clients (LADDR 127/8) */
	int ports;
	int allow;
	int ct;
	int counters;
	int stats;
	int redirect;
	int brport;
	int dev_mtu;	/* wf_dev_mtu; -1 in pins of a wslfwd before it */
	int ct_conf;	/* wf_ct_conf; -1 in pins made before it existed */
	int ct_new;	/* wf_ct_new, the half-open table; -1 likewise */
	int ct6;	/* wf_ct6, wf_ct6_new: IPv6 connections; -1 likewise */
	int ct6_new;
	int flags;	/* wf_flags; -1: pins of an older wslfwd */
	int nh;		/* wf_nh, the next-hop cache (nexthop.h); -1 likewise */
	int ncpus;
	/* wf_mappings read once, indexed by id, kept in step by add/del. */
	struct wf_mapping *cache;
	/* wf_maps_ports_defer(): wf_ports rewrites wait for
	 * wf_maps_ports_flush(), which covers ports_lo..ports_hi once. */
	bool ports_deferred;
	__u32 ports_lo, ports_hi;
};

/* Open every pinned map. -ENOENT when pin_dir holds no wf_info (not loaded). */
int wf_maps_open(struct wf_maps *m, const char *pin_dir);
void wf_maps_close(struct wf_maps *m);

/* The timeouts in force (wf_ct_conf; zeros where defaults apply or the pins
 * have no wf_ct_conf). */
int wf_maps_ct_conf_get(struct wf_maps *m, struct wf_ct_conf *cf);
/* Write them: -EOPNOTSUPP when the pins have no wf_ct_conf. */
int wf_maps_ct_conf_set(struct wf_maps *m, const struct wf_ct_conf *cf);

int wf_maps_info_get(struct wf_maps *m, struct wf_info *info);
int wf_maps_info_set(struct wf_maps *m, const struct wf_info *info);

/* All mappings, indexed by id (WF_MAX_MAPPINGS entries, in_use marks the
 * live ones). Owned by m. */
int wf_maps_mappings(struct wf_maps *m, const struct wf_mapping **all);
size_t wf_maps_mapping_count(struct wf_maps *m);
/* Read them afresh at the next wf_maps_mappings() (another process added
 * or deleted some: watch). */
void wf_maps_mappings_forget(struct wf_maps *m);

/* Install mp at the lowest free id (ids start at 1: a zeroed value never
 * names a mapping), zeroing its counters. All or nothing. */
int wf_maps_mapping_add(struct wf_maps *m, const struct wf_mapping *mp, __u32 *id);
/* Take protos away from mapping id; a mapping left with none is removed.
 * Forwarding entries go first so no new connection starts. */
int wf_maps_mapping_del(struct wf_maps *m, __u32 id, int protos);

/* Replaying many adds (load): recompute wf_ports once at the end instead of
 * per mapping, which is quadratic. Until the flush the new mappings' ports
 * are not in the filter yet (their packets pass untouched). */
void wf_maps_ports_defer(struct wf_maps *m);
int wf_maps_ports_flush(struct wf_maps *m);

/* Rewrite all of wf_ports from the live mappings. */
int wf_maps_ports_rebuild(struct wf_maps *m);

/*
 * What a command killed half-way (kill -9 between two map writes) can
 * leave: wf_fwd/wf_lo/wf_allow entries no live mapping installs (removed
 * here, *removed counts them), live mappings missing some of their entries
 * (their ids in broken[], at most max: the caller reinstalls them), and a
 * stale wf_ports (rebuilt). Call it with the mapping lock held.
 */
int wf_maps_repair(struct wf_maps *m, __u32 *broken, size_t max, size_t *nbroken,
		   size_t *removed);

/* Connection table. */
struct wf_ct_entry {
	struct wf_ct_key key;
	struct wf_ct_val val;
};
/* Both tables, wf_ct then wf_ct_new (val.table says which). */
int wf_maps_ct_dump(struct wf_maps *m, struct wf_ct_entry **out, size_t *n);
/* Delete entry @e from the table it is in. */
int wf_maps_ct_del(struct wf_maps *m, const struct wf_ct_entry *e);
/* The same for IPv6 connections: wf_ct6 then wf_ct6_new (val.c.table);
 * none (0 entries) in pins made before them. */
struct wf_ct6_entry {
	struct wf_ct6_key key;
	struct wf_ct6_val val;
};
int wf_maps_ct6_dump(struct wf_maps *m, struct wf_ct6_entry **out, size_t *n);
int wf_maps_ct6_del(struct wf_maps *m, const struct wf_ct6_entry *e);
/* Delete every entry of mapping id (WF_CT_ANY: all) whose protocol is in
 * protos (0: any), of both families. *deleted counts entries, may be NULL. */
#define WF_CT_ANY ((__u32)-1)
int wf_maps_ct_delete(struct wf_maps *m, __u32 id, int protos, size_t *deleted);

/* Sum of the per-CPU values. */
int wf_maps_counters(struct wf_maps *m, __u32 id, struct wf_counters *sum);
/* Every id's sum at once (WF_MAX_MAPPINGS entries, one bulk read). */
int wf_maps_counters_all(struct wf_maps *m, struct wf_counters *sums);
int wf_maps_stats(struct wf_maps *m, __u64 stats[WF_STAT_MAX]);

int wf_maps_redirect_add(struct wf_maps *m, __u32 ifindex);
/* --redirect auto: make wf_redirect the devices other than IFACE that the
 * kernel reports able to take XDP frames (user/netdev.h); wf_dev_mtu
 * sizes what each takes. *n: devices now. -EOPNOTSUPP on kernels that
 * cannot tell (before 6.3). */
int wf_maps_redirect_auto_sync(struct wf_maps *m, __u32 iface, size_t *n);
/* The devices in wf_redirect now (at most @max). */
int wf_maps_redirect_devs(struct wf_maps *m, __u32 *dev, size_t max, size_t *n);
/* Their names, ", "-separated, in @buf ("" for none); *n: how many. */
int wf_maps_redirect_names(struct wf_maps *m, char *buf, size_t len, size_t *n);
/* Make wf_dev_mtu hold, for every device in wf_redirect, the largest
 * datagram it takes (wf_netdev_xdp_max_len), and nothing else. A device
 * whose size cannot be read gets no entry: its traffic takes the stack.
 * *n: entries now. */
int wf_maps_dev_mtu_sync(struct wf_maps *m, size_t *n);
/* One device's entry: 0, -ENOENT (never redirected to), -errno. */
int wf_maps_dev_mtu_get(struct wf_maps *m, __u32 ifindex, __u32 *max);
/* Make wf_brport the forwarding database's view of the bridge ports in
 * wf_redirect: which MAC sits behind which port. *n: entries now. */
int wf_maps_brport_sync(struct wf_maps *m, size_t *n);

#endif
