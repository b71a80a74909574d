/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The next-hop cache wf_nh (design.md "Next-hop cache"): what the kernel's
 * route and neighbour tables say of every mapping target, written for the
 * datapath's first packets. */
#ifndef WF_NEXTHOP_H
#define WF_NEXTHOP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "maps.h"

/* One target's entry as the kernel's tables give it now. 1 filled, 0 no
 * entry to write (no route, forwarding off, a neighbour not resolved for a
 * target the FIB can answer itself), -errno. */
int wf_nh_query(const struct wf_info *info, int family, const __be32 addr[4],
		struct wf_nh_val *v);

/* Make wf_nh hold an entry, fresh for WF_NH_TTL_S, for every target of
 * the live mappings (literal ones, @host, @host6; @vm needs none), and
 * nothing else. @wait: give a link-local target's neighbour, primed just
 * before, up to a second to resolve (load, add: there is no FIB to fall
 * back on); watch does not wait, the neighbour event brings it back.
 * *n: entries written (may be NULL). 0, -EOPNOTSUPP (pins without wf_nh),
 * -errno. */
int wf_nh_sync(struct wf_maps *m, bool wait, size_t *n);

/* The probe destination of IPv6 target @addr's entry (a link-local target
 * that is a route's gateway on IFACE): what keeps it reachable without
 * watch once the entry is past its age. true and @probe filled, or false
 * (no entry, no probe). */
bool wf_nh_probe_get(const struct wf_maps *m, const __be32 addr[4], __be32 probe[4]);

#endif
