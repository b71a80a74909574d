/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Load-time constants. The names are a contract with userspace: the loader
 * sets them through the skeleton's rodata before load, and the verifier then
 * sees them as constants (dead branches on them are pruned).
 */
#ifndef WF_LIB_CONFIG_H
#define WF_LIB_CONFIG_H

#include "vmlinux.h"
#include "wslfwd.h"

const volatile __u32 cfg_snat_min = WF_SNAT_PORT_MIN;
const volatile __u32 cfg_snat_max = WF_SNAT_PORT_MAX;
#define WF_NSEC_PER_SEC 1000000000ULL

/* CONFIG_HZ from the running kernel's config (libbpf reads /proc/config.gz);
 * 0 when it cannot be known. */
extern int CONFIG_HZ __kconfig __weak;

/*
 * The clock of conntrack: CLOCK_MONOTONIC in ns (what userspace compares
 * last_seen with), at jiffy resolution. bpf_ktime_get_ns() reads the TSC,
 * which costs ~36 ns per call in a VM here; bpf_jiffies64() is inlined by
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
