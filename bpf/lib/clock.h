/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The datapath's clock, wf_now(): CLOCK_MONOTONIC in ns, at jiffy
 * resolution (design.md "Cost").
 */
#ifndef WF_LIB_CLOCK_H
#define WF_LIB_CLOCK_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define WF_NSEC_PER_SEC		1000000000ULL
#define WF_NSEC_PER_MSEC	1000000ULL

/* CONFIG_HZ from the running kernel's config (libbpf reads /proc/config.gz);
 * 0 when it cannot be known. */
extern int CONFIG_HZ __kconfig __weak;

/*
 * The clock of conntrack: CLOCK_MONOTONIC in ns (what userspace compares
 * last_seen with), at jiffy resolution. bpf_ktime_get_ns() reads the TSC,
 * which is dear in a VM (design.md "Cost"); bpf_jiffies64() is inlined by
 * the verifier to one load. Timeouts are whole seconds, so a jiffy is
 * plenty. ns = jiffies * ns_per_jiffy + off, both found by the first
 * packet (off wraps: jiffies start at -5 minutes). Racing first packets
 * store equally good values; off is written before mult, and a reader
 * seeing either still zero takes the slow clock.
 */
__u64 wf_clock_mult;	/* ns per jiffy */
__u64 wf_clock_off;	/* CLOCK_MONOTONIC - jiffies * mult, mod 2^64 */

static __always_inline __u64 wf_now(void)
{
	__u64 mult = wf_clock_mult, off = wf_clock_off, now;

	if (mult && off)
		return bpf_jiffies64() * mult + off;
	now = bpf_ktime_get_coarse_ns();
	if (CONFIG_HZ > 0 && CONFIG_HZ <= 10000) {
		mult = WF_NSEC_PER_SEC / CONFIG_HZ;
		wf_clock_off = now - bpf_jiffies64() * mult;
		wf_clock_mult = mult;
	}
	return now;
}

#endif
