/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The next-hop cache (wf_nh, design.md "Next-hop cache"): what a first
 * packet's bpf_fib_lookup() would answer for its target, written by
 * userspace from the kernel's route and neighbour tables and trusted for a
 * bounded age (wf_nh_val.expires_ns): watch keeps entries fresh and
 * rewrites them on route and neighbour events; without it they age out and
 * the FIB is asked again (a link-local target, which the FIB never answers
 * for, through the probe destination of its entry: fwd_nh_probe6). The hash is BPF_F_NO_PREALLOC: an update
 * replaces the element and frees the old one after an RCU grace period, so
 * a reader never sees one half-rewritten (a preallocated hash reuses
 * elements at once).
 */
#ifndef WF_LIB_NEXTHOP_H
#define WF_LIB_NEXTHOP_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "wslfwd.h"
#include "lib/maps.h"
#include "lib/counters.h"

/* The entry for target @taddr (IPv6 when @t6, else IPv4 @t4), or NULL;
 * *fresh: younger than its age (nh_hit), else counted nh_stale. A stale
 * entry is returned too: a link-local target's probe is in it. */
static __always_inline const struct wf_nh_val *nh_lookup(bool t6, const __be32 *taddr, __be32 t4,
							 __u64 now, bool *fresh)
{
	struct wf_nh_key k = {};
	struct wf_nh_val *v;

	*fresh = false;
	if (t6) {
		k.family = WF_AF_INET6;
		__builtin_memcpy(k.addr, taddr, 16);
	} else {
		k.family = WF_AF_INET;
		k.addr[0] = t4;
	}
	v = bpf_map_lookup_elem(&wf_nh, &k);
	if (!v)
		return NULL;
	if (now >= v->expires_ns) {
		stats_inc(WF_EV_NH_STALE);
		return v;
	}
	stats_inc(WF_EV_NH_HIT);
	*fresh = true;
	return v;
}

static __always_inline bool nh_mac_zero(const __u8 *m)
{
	return !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

#endif
