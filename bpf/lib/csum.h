/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Checksum arithmetic. XDP edits packet bytes itself, so it updates checksums
 * incrementally (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')), exactly as the
 * kernel's csum_replace4() does, so XDP and tc produce the same bytes. tc goes
 * through bpf_l3/l4_csum_replace() (see ctx.h), which also handle
 * CHECKSUM_PARTIAL (packets from local sockets, whose L4 checksum field only
 * holds the pseudo-header sum) and keep skb->csum right for CHECKSUM_COMPLETE.
 *
 * All values are taken in memory order: the ones' complement sum does not
 * care about byte order as long as the checksum and the data agree.
 */
#ifndef WF_LIB_CSUM_H
#define WF_LIB_CSUM_H

#include "vmlinux.h"
#include "wslfwd.h"

/* What a UDP checksum of 0 is sent as when the computation yields 0. */
#define WF_CSUM_MANGLED_0 0xffff

static __always_inline __u16 csum_fold64(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/*
 * Replace the 32-bit word @from by @to under checksum @sum. A 16-bit field
 * is passed zero-extended: 0x0000 is ones' complement zero, so the upper
 * halves cancel out.
 */
static __always_inline __u16 csum_update(__u16 sum, __u32 from, __u32 to)
{
	__u64 s = (__u16)~sum;

	s += (__u32)~from;
	s += to;
	return (__u16)~csum_fold64(s);
}

static __always_inline void csum_replace4(__u16 *sum, __u32 from, __u32 to)
{
	*sum = csum_update(*sum, from, to);
}

static __always_inline void csum_replace2(__u16 *sum, __u16 from, __u16 to)
{
	*sum = csum_update(*sum, from, to);
}

/*
 * Flags for an L4 checksum update (bpf_l4_csum_replace() semantics, also
 * emulated in XDP by ctx_l4_csum_replace()). A UDP checksum of 0 means "no
 * checksum" and must stay 0; one that computes to 0 is sent as 0xffff:
 * BPF_F_MARK_MANGLED_0 does both. Addresses are in the pseudo header:
 * BPF_F_PSEUDO_HDR, which is what makes CHECKSUM_PARTIAL skbs come out right.
 */
static __always_inline __u64 csum_l4_flags(__u8 proto, bool pseudo, __u32 size)
{
	__u64 flags = size;

	if (pseudo)
		flags |= BPF_F_PSEUDO_HDR;
	if (proto == WF_IPPROTO_UDP)
		flags |= BPF_F_MARK_MANGLED_0;
	return flags;
}

#endif
