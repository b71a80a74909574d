// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * wslfwd watch: a foreground daemon over the pinned state.
 *
 * It listens to rtnetlink (RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
 * RTNLGRP_IPV4_ROUTE, their IPV6 twins for @vm6/@host6, RTNLGRP_NEIGH for
 * bridges' MACs) and, for --redirect
 * auto, to the netdev generic netlink family (a device's xdp-features
 * changed), and does not interpret the events beyond "is this about our
 * device, a default route, a bridge's forwarding database or the devices
 * XDP may redirect to": after a short debounce it asks the
 * kernel again with the same queries `load` uses (user/addr.c), so a burst
 * of events costs one re-query and a lost event (ENOBUFS) only a resync.
 *
 * When @vm or @host changes it writes wf_info; new connections of @vm/@host
 * mappings resolve the new addresses in the datapath at once (the @vm
 * listen key is the zero address). Connections already tracked carry the
 * old addresses in their entries, so those entries are deleted: their next
 * packet starts over from the mapping (a UDP exchange or a new TCP
 * connection goes to the new target; a TCP connection to an address that
 * went away cannot survive anyway). The new @host's neighbour is resolved
 * in advance, as at load.
 *
 * The next-hop cache wf_nh (user/nexthop.h) is rewritten after any route,
 * neighbour (IPv4 and IPv6, any device), link or address event, at most
 * every debounce, and every WF_NH_REFRESH_S: its entries are trusted for
 * WF_NH_TTL_S only, so while watch runs they never age out, and a
 * neighbour's new MAC reaches new connections within the debounce.
 *
 * Device gone and back (same name, new ifindex): the links died with the
 * old device; the programs are loaded again over the pinned maps and
 * attached to the new one (wf_reattach), keeping mappings, counters and
 * ids. Nothing here owns the datapath: SIGTERM leaves it loaded, and a
 * restarted watch picks up from the pins.
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "attach.h"
#include "config.h"
#include "store.h"
#include "loader.h"
#include "log.h"
#include "maps.h"
#include "netdev.h"
#include "nexthop.h"
#include "parse.h"
#include "watch.h"
#include "windows.h"

struct watch {
	const struct wf_watch_opts *o;
	struct wf_maps m;
	bool open;		/* m holds the pinned maps */
	ino_t info_ino;		/* inode of the wf_info pin m was opened from */
	struct mnl_socket *nl;
	struct mnl_socket *ndev;	/* netdev genl "mgmt" (xdp-features), or NULL */
	int sfd;
	char dev[IF_NAMESIZE];
	int ifindex;		/* the device's ifindex now, 0 while gone */
	bool gone;
	bool dirty;
	__u64 deadline_ms;	/* resync at this time (dirty) */
	__u64 next_resync_ms;
	bool reload;
	bool started;		/* past the first sync */
	bool unloaded;		/* said so already */
	bool redirect_auto;	/* wf_info says --redirect auto */
	char redir[400];	/* wf_redirect's devices as last synced, to log changes */
	bool tx_lost;		/* said so: native XDP_TX does not deliver now */
	bool nh_dirty;		/* wf_nh to rewrite at nh_deadline_ms */
	__u64 nh_deadline_ms;
	__u64 next_nh_ms;	/* the periodic rewrite */
	bool nh_failed;		/* said so */
};

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *ip4(__be32 a, char *buf)
{
	if (!a)
		return "none";
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static ino_t pin_ino(const char *pin_dir)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/wf_info", pin_dir);
	return stat(path, &st) ? 0 : st.st_ino;
}

/* (Re)open the maps when the pins are not the ones we hold (an unload and
 * load happened behind our back). 0 open, -ENOENT not loaded. */
static int maps_sync(struct watch *w)
{
	ino_t ino = pin_ino(w->o->pin_dir);
	int ret;

	if (w->open && ino && ino == w->info_ino)
		return 0;
	if (w->open) {
		wf_maps_close(&w->m);
		w->open = false;
	}
	if (!ino)
		return -ENOENT;
	ret = wf_maps_open(&w->m, w->o->pin_dir);
	if (ret)
		return ret;
	w->open = true;
	w->info_ino = ino;
	return 0;
}

/* Re-read the mappings: another process may have added or deleted some,
 * and wf_maps caches them at the first read. */
static int maps_reopen(struct watch *w)
{
	if (w->open) {
		wf_maps_close(&w->m);
		w->open = false;
	}
	return maps_sync(w);
}

/* ---------------------------------------------------------------- wf_nh */

static void nh_sync(struct watch *w)
{
	size_t n;
	int ret;

	w->nh_dirty = false;
	w->next_nh_ms = now_ms() + WF_NH_REFRESH_S * 1000;
	if (!w->open)
		return;
	/* add and del run in other processes: their targets, not the ones
	 * our maps read first */
	wf_maps_mappings_forget(&w->m);
	ret = wf_nh_sync(&w->m, false, &n);
	if (ret && ret != -EOPNOTSUPP && !w->nh_failed)
		pr_warn("wslfwd: cannot write the next-hop cache (wf_nh): %s; first packets ask "
			"the kernel's FIB, link-local targets are dropped\n", strerror(-ret));
	else if (!ret)
		pr_debug("wslfwd: wf_nh: %zu next hops\n", n);
	w->nh_failed = ret && ret != -EOPNOTSUPP;
}

static void nh_mark_dirty(struct watch *w)
{
	if (w->nh_dirty)
		return;
	w->nh_dirty = true;
	w->nh_deadline_ms = now_ms() + (w->o->debounce_ms > 0 ? w->o->debounce_ms : 100);
}

/* ---------------------------------------------------------------- windows */

static void windows_apply(struct watch *w, const struct wf_info *info)
{
	struct wf_win_addrs vm = { .vm4 = info->vm4 };
	const struct wf_mapping *all;
	struct wf_win_plan *plans;
	size_t n = 0, i;
	char err[512];
	__u32 id;

	memcpy(vm.vm6, info->vm6, sizeof(vm.vm6));
	if (!w->o->windows || maps_reopen(w) || wf_maps_mappings(&w->m, &all))
		return;
	plans = calloc(WF_MAX_MAPPINGS, sizeof(*plans));
	if (!plans)
		return;
	for (id = 1; id < WF_MAX_MAPPINGS; id++)
		if (all[id].in_use && !wf_windows_plan(&all[id], &vm, &plans[n]))
			n++;
	if (!n)
		pr_info("wslfwd: windows: no mappings to expose\n");
	else if (wf_windows_apply(plans, n, err, sizeof(err)))
		pr_warn("wslfwd: windows: %s\n", err);
	else
		pr_info("wslfwd: windows: applied the Windows side of %zu mapping%s\n", n,
			n == 1 ? "" : "s");
	for (i = 0; i < n; i++)
		wf_windows_plan_free(&plans[i]);
	free(plans);
}

/* ---------------------------------------------------- stale connections */

static bool has_addr(const struct wf_ct_entry *e, __be32 a)
{
	return e->key.saddr == a || e->key.daddr == a || e->val.nsaddr == a ||
	       e->val.ndaddr == a;
}

/*
 * Entries that hold an address @vm or @host stood for until now. @vm: any
 * entry with the old VM address (a listen side, a target or the SNAT source
 * that no longer exists). @host: entries of mappings whose target is @host
 * and that still point at the old one. Both entries of a connection carry
 * the address, so both go.
 */
static void ct_flush_stale(struct watch *w, __be32 old_vm, __be32 old_host)
{
	const struct wf_mapping *all;
	struct wf_ct_entry *e = NULL;
	size_t n = 0, i, cnt = 0;

	if (wf_maps_mappings(&w->m, &all) || wf_maps_ct_dump(&w->m, &e, &n))
		return;
	for (i = 0; i < n; i++) {
		const struct wf_mapping *mp;
		bool stale = false;

		if (old_vm && has_addr(&e[i], old_vm))
			stale = true;
		if (!stale && old_host && e[i].val.id < WF_MAX_MAPPINGS) {
			mp = &all[e[i].val.id];
			stale = mp->in_use && mp->taddr_kind == WF_ADDR_HOST &&
				has_addr(&e[i], old_host);
		}
		if (stale && !wf_maps_ct_del(&w->m, &e[i]))
			cnt++;
	}
	free(e);
	if (cnt)
		pr_info("wslfwd: removed %zu connection%s that used the old address%s\n", cnt / 2 + cnt % 2,
			cnt / 2 + cnt % 2 == 1 ? "" : "s", old_vm && old_host ? "es" : "");
}

/* ----------------------------------------------------------------- sync */

/* --redirect auto: wf_redirect follows the kernel's xdp-features (a veth
 * gains NDO_XMIT when its peer turns GRO on or loads an XDP program, and
 * loses it when that goes); say what changed. */
static void redirect_sync(struct watch *w, const struct wf_info *info)
{
	char names[sizeof(w->redir)];
	size_t n = 0;
	int ret;

	w->redirect_auto = info->flags & WF_INFO_F_REDIRECT_AUTO;
	if (!w->redirect_auto)
		return;
	ret = wf_maps_redirect_auto_sync(&w->m, info->ifindex, &n);
	if (!ret)
		ret = wf_maps_redirect_names(&w->m, names, sizeof(names), &n);
	if (ret) {
		pr_warn("wslfwd: cannot sync wf_redirect with the devices that take XDP frames: %s\n",
			strerror(-ret));
		return;
	}
	if (!strcmp(names, w->redir))
		return;
	pr_info("wslfwd: redirect: %s\n", n ? names : "no device takes XDP frames now");
	snprintf(w->redir, sizeof(w->redir), "%s", names);
}

/* XDP redirect past a bridge (a bridge port in wf_redirect) follows the
 * bridge's forwarding database. */
static void brport_sync(struct watch *w)
{
	__u32 key;
	size_t n;
	int ret;

	if (bpf_map_get_next_key(w->m.redirect, NULL, &key))
		return;		/* no --redirect devices */
	ret = wf_maps_brport_sync(&w->m, &n);
	if (ret)
		pr_warn("wslfwd: cannot sync wf_brport with the bridges' forwarding database: %s\n",
			strerror(-ret));
}

/* What each redirect device takes follows MTU changes, the veth peer's in
 * its own namespace included (seen at the periodic resync at the latest). */
static void dev_mtu_sync(struct watch *w)
{
	size_t n;
	int ret = wf_maps_dev_mtu_sync(&w->m, &n);

	if (ret)
		pr_warn("wslfwd: cannot sync wf_dev_mtu with the redirect devices' MTUs: %s\n",
			strerror(-ret));
}

/* Native XDP's XDP_TX stops delivering when a veth peer drops its XDP
 * program after load (user/attach.c): one-arm traffic is then lost with no
 * counter of ours. Say so once, and when it delivers again. */
static void path_check(struct watch *w, const struct wf_info *info)
{
	struct wf_attach_facts f;
	char why[256];
	bool ok;

	if (info->mode != WF_MODE_XDP || (__u32)if_nametoindex(w->dev) != info->ifindex)
		return;	/* a device gone is said so elsewhere */
	wf_attach_gather(w->dev, info->ifindex, &f);
	ok = wf_attach_native_tx(&f, why, sizeof(why));
	if (!ok && !w->tx_lost)
		pr_warn("wslfwd: one-arm (XDP_TX) traffic is lost now: %s; reload with "
			"'wslfwd unload && wslfwd load' (auto takes generic XDP there)\n", why);
	else if (ok && w->tx_lost)
		pr_info("wslfwd: XDP_TX delivers again: %s\n", why);
	w->tx_lost = !ok;
}

/* The device came back under a new ifindex: re-attach over the pins. vm
 * and host get the addresses it has; info keeps the old device's, for
 * the changes to be reported against them. */
static int sync_reattach(struct watch *w, int idx, struct wf_info *info, __be32 *vm, __be32 *host)
{
	struct wf_info before = *info;
	char err[512];
	int ret;

	pr_info("wslfwd: %s is back (ifindex %u -> %d); re-attaching\n", w->dev,
		info->ifindex, idx);
	ret = wf_reattach(w->o->pin_dir, w->dev, idx, info, err, sizeof(err));
	if (ret) {
		pr_warn("wslfwd: cannot re-attach to %s: %s; retrying at the next change\n",
			w->dev, err);
		return ret;
	}
	pr_info("wslfwd: re-attached to %s: %s, tc egress (%s)\n", w->dev,
		wf_mode_name(info->mode), info->flags & WF_INFO_F_TCX ? "tcx" : "clsact");
	*vm = info->vm4;
	*host = info->host4;
	info->vm4 = before.vm4;
	info->host4 = before.host4;
	/* sync_query6 finds the new ones again, sync_addresses reports them. */
	memcpy(info->vm6, before.vm6, sizeof(info->vm6));
	memcpy(info->host6, before.host6, sizeof(info->host6));
	return 0;
}

/* The device's @vm and @host as the kernel has them now. */
static int sync_query(struct watch *w, int idx, __be32 *vm, __be32 *host)
{
	int ret;

	ret = wf_addr_vm4(idx, vm);
	if (ret && ret != -ENOENT) {
		pr_warn("wslfwd: cannot read the addresses of %s: %s\n", w->dev, strerror(-ret));
		return ret;
	}
	ret = wf_addr_host4(idx, host);
	if (ret && ret != -ENOENT) {
		pr_warn("wslfwd: cannot read the routes of %s: %s\n", w->dev, strerror(-ret));
		return ret;
	}
	return 0;
}

static bool same6(const __be32 a[4], const __be32 b[4])
{
	return !memcmp(a, b, 16);
}

static const char *ip6(const __be32 a[4], char *buf)
{
	if (!(a[0] | a[1] | a[2] | a[3]))
		return "none";
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static bool has_addr6(const struct wf_ct6_entry *e, const __be32 a[4])
{
	return same6(e->key.saddr, a) || same6(e->key.daddr, a) || same6(e->val.nsaddr, a) ||
	       same6(e->val.ndaddr, a);
}

/* ct_flush_stale for the IPv6 tables: @vm6's old address anywhere,
 * @host6's in connections of @host6 mappings. NULL: did not change. */
static void ct_flush_stale6(struct watch *w, const __be32 *old_vm, const __be32 *old_host)
{
	const struct wf_mapping *all;
	struct wf_ct6_entry *e = NULL;
	size_t n = 0, i, cnt = 0;

	if (wf_maps_mappings(&w->m, &all) || wf_maps_ct6_dump(&w->m, &e, &n))
		return;
	for (i = 0; i < n; i++) {
		const struct wf_mapping *mp;
		bool stale = old_vm && has_addr6(&e[i], old_vm);

		if (!stale && old_host && e[i].val.c.id < WF_MAX_MAPPINGS) {
			mp = &all[e[i].val.c.id];
			stale = mp->in_use && mp->taddr_kind == WF_ADDR_HOST &&
				mp->family == WF_AF_INET6 && has_addr6(&e[i], old_host);
		}
		if (stale && !wf_maps_ct6_del(&w->m, &e[i]))
			cnt++;
	}
	free(e);
	if (cnt)
		pr_info("wslfwd: removed %zu IPv6 connection%s that used the old address\n",
			cnt / 2 + cnt % 2, cnt / 2 + cnt % 2 == 1 ? "" : "s");
}

/* @vm6 and @host6 now, and what they were until now (zero: not known
 * before, or not moved). */
struct addrs6 {
	__be32 vm[4], host[4];
	__be32 old_vm[4], old_host[4];
	bool host_moved;
};

/* The kernel's @vm6/@host6 into *a6 (wf_info's when they cannot be read;
 * no IPv6 at all is zeros). Whether either moved. */
static bool sync_query6(int idx, const struct wf_info *info, struct addrs6 *a6)
{
	int r1 = wf_addr_vm6(idx, a6->vm), r2 = wf_addr_host6(idx, a6->host);

	memset(a6->old_vm, 0, 16);
	memset(a6->old_host, 0, 16);
	a6->host_moved = false;
	if ((r1 && r1 != -ENOENT) || (r2 && r2 != -ENOENT)) {
		memcpy(a6->vm, info->vm6, 16);
		memcpy(a6->host, info->host6, 16);
	}
	return !same6(a6->vm, info->vm6) || !same6(a6->host, info->host6);
}

/* The moves of *a6 said and put in *info; the old addresses kept in *a6. */
static void addrs6_set(struct wf_info *info, struct addrs6 *a6)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	if (!same6(a6->vm, info->vm6)) {
		pr_info("wslfwd: @vm6 %s -> %s\n", ip6(info->vm6, a), ip6(a6->vm, b));
		memcpy(a6->old_vm, info->vm6, 16);
	}
	if (!same6(a6->host, info->host6)) {
		pr_info("wslfwd: @host6 %s -> %s\n", ip6(info->host6, a), ip6(a6->host, b));
		memcpy(a6->old_host, info->host6, 16);
		a6->host_moved = true;
	}
	memcpy(info->vm6, a6->vm, 16);
	memcpy(info->host6, a6->host, 16);
}

/* After wf_info: the IPv6 connections of the old addresses, the new
 * @host6's neighbour. */
static void addrs6_after(struct watch *w, int idx, const struct addrs6 *a6)
{
	static const __be32 zero6[4];
	bool old_vm = !same6(a6->old_vm, zero6), old_host = !same6(a6->old_host, zero6);

	if (old_vm || old_host)
		ct_flush_stale6(w, old_vm ? a6->old_vm : NULL, old_host ? a6->old_host : NULL);
	if (a6->host_moved)
		wf_neigh_prime6(idx, a6->host);
}

/* @vm, @host, @vm6 or @host6 moved: wf_info (one write for both families),
 * then the connections of the old ones. */
static void sync_addresses(struct watch *w, int idx, struct wf_info *info, __be32 vm,
			   __be32 host, struct addrs6 *a6)
{
	static const __be32 zero6[4];
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	__be32 old_vm = 0, old_host = 0;
	int ret;

	if (vm != info->vm4) {
		pr_info("wslfwd: @vm %s -> %s\n", ip4(info->vm4, a), ip4(vm, b));
		old_vm = info->vm4;
	}
	if (host != info->host4) {
		pr_info("wslfwd: @host %s -> %s\n", ip4(info->host4, a), ip4(host, b));
		old_host = info->host4;
	}
	info->vm4 = vm;
	info->host4 = host;
	addrs6_set(info, a6);
	ret = wf_maps_info_set(&w->m, info);
	if (ret) {
		pr_warn("wslfwd: cannot update wf_info: %s\n", strerror(-ret));
		return;
	}
	/* wf_info first, then the flush: a packet between the two re-creates
	 * an entry with the new addresses, never the old. */
	if (old_vm || old_host)
		ct_flush_stale(w, old_vm, old_host);
	addrs6_after(w, idx, a6);
	if (host && old_host)
		wf_neigh_prime4(idx, host);
	/* @vm6 too: the lines of IPv6 listeners connect to it */
	if (((old_vm && vm) || (!same6(a6->old_vm, zero6) && !same6(a6->vm, zero6))) &&
	    w->started)
		windows_apply(w, info);
}

/* The pins, opened again if they changed; false while not loaded. */
static bool sync_pins(struct watch *w)
{
	int ret = maps_sync(w);

	if (ret) {
		if (ret == -ENOENT && !w->unloaded)
			pr_warn("wslfwd: not loaded any more (no pins in %s); waiting for 'wslfwd load'\n",
				w->o->pin_dir);
		else if (ret != -ENOENT)
			pr_warn("wslfwd: cannot open the pins in %s: %s\n", w->o->pin_dir,
				strerror(-ret));
		w->unloaded = ret == -ENOENT;
		return false;
	}
	w->unloaded = false;
	return true;
}

static void sync_now(struct watch *w)
{
	struct wf_info info;
	__be32 vm = 0, host = 0;
	struct addrs6 a6;
	int idx, ret;

	w->dirty = false;
	if (!sync_pins(w))
		return;
	if (wf_maps_info_get(&w->m, &info)) {
		pr_warn("wslfwd: cannot read wf_info: %s\n", strerror(errno));
		return;
	}
	redirect_sync(w, &info);
	brport_sync(w);
	dev_mtu_sync(w);
	path_check(w, &info);
	idx = if_nametoindex(w->dev);
	if (!idx) {
		if (!w->gone)
			pr_warn("wslfwd: %s is gone; the datapath re-attaches when it comes back\n",
				w->dev);
		w->gone = true;
		w->ifindex = 0;
		return;
	}
	if ((__u32)idx != info.ifindex)
		ret = sync_reattach(w, idx, &info, &vm, &host);
	else
		ret = sync_query(w, idx, &vm, &host);
	if (ret)
		return;
	w->gone = false;
	w->ifindex = idx;
	if (sync_query6(idx, &info, &a6) || vm != info.vm4 || host != info.host4)
		sync_addresses(w, idx, &info, vm, host, &a6);
	/* @host/@host6 or the device may have moved: their next hops too */
	nh_sync(w);
}

/* --------------------------------------------------------------- reload */

/* The store primes the neighbour; here each added mapping is logged. */
static void reload_added(const struct wf_mapping *mp, __u32 id, void *ctx)
{
	char line[512];

	wf_format_mapping(mp, line, sizeof(line));
	pr_info("wslfwd: reload: added '%s' (id %u)\n", line, id);
}

/*
 * SIGHUP: make the maps hold what the config says (the store, under the
 * mapping lock like add/del): a mapping whose line is gone is deleted
 * (with its connections), a new line is added, everything else is left
 * alone (ids, counters, connections). A bad config changes nothing.
 */
static void reload_config(struct watch *w)
{
	struct wf_sync_stats st;
	struct wf_store s;
	char err[1024];
	int ret;

	pr_info("wslfwd: SIGHUP: reloading %s\n", w->o->config);
	ret = wf_store_open(&s, w->o->config, w->o->pin_dir,
			    WF_STORE_LOCK | WF_STORE_CONFIG | WF_STORE_VALIDATE, err, sizeof(err));
	if (ret) {
		pr_warn("wslfwd: reload: %s; keeping the current mappings\n", err);
		goto out;
	}
	if (!s.loaded) {
		pr_warn("wslfwd: reload: cannot read the maps: %s\n", strerror(ENOENT));
		goto out;
	}
	s.added = reload_added;
	ret = wf_store_reload(&s, &st, err, sizeof(err));
	if (ret)
		pr_warn("wslfwd: reload: %s\n", err);
	/* Our own maps read the mappings afresh (they cache them). */
	maps_reopen(w);
	nh_sync(w);
	pr_info("wslfwd: reload: %zu added, %zu deleted, %zu narrowed, %zu unchanged%s\n",
		st.added, st.removed, st.narrowed, s.n - st.added - st.narrowed,
		st.repaired || st.stray ? " (and repaired what an interrupted command left)" : "");
	if (st.added || st.removed || st.narrowed)
		windows_apply(w, &s.info);
out:
	wf_store_close(&s);
	wf_store_unlock();
}

/* -------------------------------------------------------------- netlink */

/* Resync after the debounce: a burst of events costs one re-query. */
static void mark_dirty(struct watch *w)
{
	w->dirty = true;
	w->deadline_ms = now_ms() + (w->o->debounce_ms > 0 ? w->o->debounce_ms : 100);
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct watch *w = data;
	bool relevant = false;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK: {
		struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
		struct nlattr *attr;

		/* Any device while --redirect auto: a new one may take XDP
		 * frames, a gone one leaves wf_redirect by itself. */
		relevant = w->redirect_auto || (w->ifindex && ifi->ifi_index == w->ifindex);
		nh_mark_dirty(w);	/* a device's MAC (smac), up or down */
		mnl_attr_for_each(attr, nlh, sizeof(*ifi))
			if (mnl_attr_get_type(attr) == IFLA_IFNAME &&
			    !strncmp(mnl_attr_get_str(attr), w->dev, IF_NAMESIZE))
				relevant = true;
		break;
	}
	case RTM_NEWADDR:
	case RTM_DELADDR: {
		struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);

		relevant = (int)ifa->ifa_index == w->ifindex;
		nh_mark_dirty(w);	/* the link-local source */
		break;
	}
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH: {
		struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);

		/* A bridge learned, moved or forgot a MAC (wf_brport). */
		relevant = ndm->ndm_family == AF_BRIDGE;
		/* A target's next hop resolved, changed MAC or went. */
		if (ndm->ndm_family == AF_INET || ndm->ndm_family == AF_INET6)
			nh_mark_dirty(w);
		break;
	}
	case RTM_NEWROUTE:
	case RTM_DELROUTE: {
		struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

		relevant = (rtm->rtm_family == AF_INET || rtm->rtm_family == AF_INET6) &&
			   rtm->rtm_dst_len == 0;
		/* any route may be a target's */
		if (rtm->rtm_family == AF_INET || rtm->rtm_family == AF_INET6)
			nh_mark_dirty(w);
		break;
	}
	}
	if (relevant && !w->dirty) {
		pr_debug("wslfwd: netlink event %u\n", nlh->nlmsg_type);
		mark_dirty(w);
	}
	return MNL_CB_OK;
}

static void nl_drain(struct watch *w)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;

	for (;;) {
		n = recv(mnl_socket_get_fd(w->nl), buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS) {
				/* Events were lost: ask the kernel for the truth. */
				pr_debug("wslfwd: netlink overrun; resyncing\n");
				w->dirty = true;
				w->deadline_ms = now_ms();
				continue;
			}
			return;
		}
		if (!n)
			return;
		mnl_cb_run(buf, n, 0, 0, event_cb, w);
	}
}

/* A netdev family notification (a device's xdp-features changed): which
 * one does not matter, the resync asks the kernel for all of them. */
static void ndev_drain(struct watch *w)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	bool any = false;
	ssize_t n;

	while ((n = recv(mnl_socket_get_fd(w->ndev), buf, sizeof(buf), MSG_DONTWAIT)) > 0 ||
	       (n < 0 && errno == ENOBUFS))
		any = true;
	if (any && w->redirect_auto && !w->dirty) {
		pr_debug("wslfwd: netdev notification\n");
		mark_dirty(w);
	}
}

static int nl_open(struct watch *w)
{
	unsigned int groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_NEIGH |
			      RTMGRP_IPV6_IFADDR | RTMGRP_IPV6_ROUTE;
	int rcvbuf = 1 << 20;

	w->nl = mnl_socket_open(NETLINK_ROUTE);
	if (!w->nl)
		return -errno;
	setsockopt(mnl_socket_get_fd(w->nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (mnl_socket_bind(w->nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(w->nl);
		w->nl = NULL;
		return err;
	}
	return 0;
}

/* ----------------------------------------------------------------- main */

/* The pins and the device to watch (--dev, else the one wf_info names). */
static int watch_start(struct watch *w, struct wf_info *info)
{
	const struct wf_watch_opts *o = w->o;
	int ret;

	ret = maps_sync(w);
	if (ret) {
		if (ret == -ENOENT)
			pr_warn("wslfwd: not loaded (no pins in %s); run 'wslfwd load' first\n",
				o->pin_dir);
		else
			pr_warn("wslfwd: cannot open the pins in %s: %s%s\n", o->pin_dir,
				strerror(-ret), ret == -EACCES || ret == -EPERM ? "; run as root" : "");
		return ret;
	}
	ret = wf_maps_info_get(&w->m, info);
	if (ret) {
		pr_warn("wslfwd: cannot read wf_info: %s\n", strerror(-ret));
		return ret;
	}
	if (o->dev)
		snprintf(w->dev, sizeof(w->dev), "%s", o->dev);
	else if (!if_indextoname(info->ifindex, w->dev))
		snprintf(w->dev, sizeof(w->dev), "eth0");
	w->ifindex = if_nametoindex(w->dev);
	return 0;
}

/* The signals and the netlink sockets, before the first sync: nothing can
 * change unseen between. */
static int watch_open(struct watch *w)
{
	sigset_t mask;
	int ret;

	/* Signals as file descriptor events: no handler runs between a map
	 * read and its write. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	w->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (w->sfd < 0) {
		ret = -errno;
		pr_warn("wslfwd: signalfd: %s\n", strerror(errno));
		return ret;
	}
	ret = nl_open(w);
	if (ret) {
		pr_warn("wslfwd: cannot open rtnetlink: %s\n", strerror(-ret));
		return ret;
	}
	/* Without the netdev family (before 6.3) load left --redirect auto
	 * off, so there is nothing to follow. */
	if (wf_netdev_monitor_open(&w->ndev) < 0)
		w->ndev = NULL;
	return 0;
}

/* The pending signals: SIGHUP marks a reload; true for SIGTERM/SIGINT. */
static bool watch_signals(struct watch *w)
{
	struct signalfd_siginfo si;

	while (read(w->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			w->reload = true;
		} else {
			pr_info("wslfwd: %s: exiting; the datapath stays loaded\n",
				strsignal(si.ssi_signo));
			return true;
		}
	}
	return false;
}

/* One wait for events, and what they ask for. 1 go on, 0 exit, -errno. */
static int watch_step(struct watch *w, int resync_ms)
{
	struct pollfd pfd[] = {
		{ .fd = mnl_socket_get_fd(w->nl), .events = POLLIN },
		{ .fd = w->sfd, .events = POLLIN },
		{ .fd = w->ndev ? mnl_socket_get_fd(w->ndev) : -1, .events = POLLIN },
	};
	__u64 now = now_ms(), until = w->dirty ? w->deadline_ms : w->next_resync_ms;
	__u64 nh_until = w->nh_dirty ? w->nh_deadline_ms : w->next_nh_ms;
	int timeout, ret;

	if (nh_until < until)
		until = nh_until;
	timeout = until > now ? (int)(until - now) : 0;

	ret = poll(pfd, 3, timeout);
	if (ret < 0 && errno != EINTR) {
		ret = -errno;
		pr_warn("wslfwd: poll: %s\n", strerror(errno));
		return ret;
	}
	if (ret > 0 && (pfd[1].revents & POLLIN) && watch_signals(w))
		return 0;
	if (ret > 0 && (pfd[0].revents & POLLIN))
		nl_drain(w);
	if (ret > 0 && (pfd[2].revents & POLLIN))
		ndev_drain(w);
	if (w->reload) {
		w->reload = false;
		reload_config(w);
	}
	now = now_ms();
	if ((w->dirty && now >= w->deadline_ms) || now >= w->next_resync_ms) {
		sync_now(w);
		w->next_resync_ms = now_ms() + resync_ms;
	}
	if ((w->nh_dirty && now >= w->nh_deadline_ms) || now >= w->next_nh_ms)
		nh_sync(w);
	return 1;
}

int wf_watch(const struct wf_watch_opts *o)
{
	struct watch w = { .o = o, .sfd = -1 };
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	struct wf_info info;
	int ret, resync_ms = (o->resync_s > 0 ? o->resync_s : 10) * 1000;

	ret = watch_start(&w, &info);
	if (!ret)
		ret = watch_open(&w);
	if (ret)
		goto out;
	pr_info("wslfwd: watching %s (ifindex %d): @vm %s, @host %s; SIGHUP reloads %s\n", w.dev,
		w.ifindex, ip4(info.vm4, a), ip4(info.host4, b), o->config);
	sync_now(&w);
	w.started = true;
	/* At start too: after a WSL restart @vm is new and the rules are old. */
	if (o->windows && w.open && !wf_maps_info_get(&w.m, &info))
		windows_apply(&w, &info);
	w.next_resync_ms = now_ms() + resync_ms;
	while ((ret = watch_step(&w, resync_ms)) > 0)
		;
out:
	if (w.nl)
		mnl_socket_close(w.nl);
	wf_netdev_monitor_close(w.ndev);
	if (w.sfd >= 0)
		close(w.sfd);
	if (w.open)
		wf_maps_close(&w.m);
	return ret;
}
