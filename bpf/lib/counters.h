/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Counters. Both maps are per-CPU: plain increments, no atomics, and
 * userspace sums the CPUs. wf_stats is indexed by enum wf_stat (drop reasons
 * and events); wf_counters by mapping id.
 */
#ifndef WF_LIB_COUNTERS_H
#define WF_LIB_COUNTERS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "wslfwd.h"
#include "lib/maps.h"

static __always_inline void stats_inc(__u32 reason)
{
	__u64 *v = bpf_map_lookup_elem(&wf_stats, &reason);

	if (v)
		*v += 1;
}

static __always_inline void counters_add(__u32 id, __u8 dir, __u32 packets, __u32 bytes)
{
	struct wf_counters *cnt = bpf_map_lookup_elem(&wf_counters, &id);

	if (!cnt)
		return;
	/* dir is 0 or 1: keep the index provably in range for the verifier */
	dir &= 1;
	cnt->packets[dir] += packets;
	cnt->bytes[dir] += bytes;
}

static __always_inline void counters_conn(__u32 id)
{
	struct wf_counters *cnt = bpf_map_lookup_elem(&wf_counters, &id);

	if (cnt)
		cnt->conns += 1;
}

#endif
