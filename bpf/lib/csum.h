/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Checksum arithmetic. XDP edits packet bytes itself, so it updates checksums
 * incrementally (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')), exactly as the
 * kernel's csum_replace_by_diff() does, so XDP and tc produce the same bytes.
 * tc goes through bpf_l3/l4_csum_replace() (see ctx.h), which also handle
 * CHECKSUM_PARTIAL (packets from local sockets, whose L4 checksum field only
 * holds the pseudo-header sum) and keep skb->csum right for CHECKSUM_COMPLETE.
 *
 * All values are taken in memory order: the ones' complement sum does not
 * care about byte order as long as the checksum and the data agree.
 */
#ifndef WF_LIB_CSUM_H
#define WF_LIB_CSUM_H

#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include "wslfwd.h"

/* What a UDP checksum of 0 is sent as when the computation yields 0. */
#define WF_CSUM_MANGLED_0 0xffff

/*
 * Checksum changes are gathered as a diff: for each 32-bit word replaced,
 * ~from + to (RFC 1624), summed in 64 bits and folded once. A 16-bit field
 * is passed zero-extended: the upper half of ~from is then 0xffff, ones'
 * complement zero. All the words of a header change under one update, the
 * way the kernel's csum_replace_by_diff() does it (and bpf_l3/l4_csum_replace()
 * with size 0, which tc uses).
 */
static __always_inline __u64 csum_diff32(__u64 diff, __u32 from, __u32 to)
{
	return diff + (__u32)~from + to;
}

/* The diff as the 32-bit __wsum the kernel helpers take. */
static __always_inline __u32 csum_diff_wsum(__u64 d)
{
	d = (d & 0xffffffff) + (d >> 32);
	return (__u32)((d & 0xffffffff) + (d >> 32));
}

/* End-around-carry fold of a sum of a few dozen 32-bit words to 16 bits:
 * the first fold leaves lo + hi with hi < 2^16, the second at most 0x1fffe,
 * the third 0xffff. Not complemented; a nonzero sum never folds to 0. */
static __always_inline __u16 csum_fold16(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* HC' = ~(~HC + diff): checksum @sum with @diff applied. */
static __always_inline __u16 csum_apply(__u16 sum, __u64 diff)
{
	return (__u16)~csum_fold16((__u16)~sum + diff);
}

/*
 * The IPv4 pseudo header (addresses, protocol, L4 length) summed and folded,
 * not complemented: what the kernel leaves in the L4 checksum field of a
 * packet whose checksum is offloaded (__tcp_v4_send_check() and
 * udp4_hwcsum() store ~csum_tcpudp_magic(saddr, daddr, len, proto, 0)),
 * and what the device (or skb_checksum_help()) then adds the segment to.
 */
static __always_inline __u16 csum_pseudo4(__be32 saddr, __be32 daddr, __u8 proto, __u16 l4len)
{
	return csum_fold16((__u64)saddr + daddr + bpf_htons((__u16)proto) + bpf_htons(l4len));
}

/* The IPv6 pseudo header (RFC 8200 8.1: addresses, upper-layer length,
 * next header), the same way (csum_ipv6_magic()). */
static __always_inline __u16 csum_pseudo6(const __be32 *saddr, const __be32 *daddr, __u8 proto,
					  __u16 l4len)
{
	return csum_fold16((__u64)saddr[0] + saddr[1] + saddr[2] + saddr[3] + daddr[0] + daddr[1] +
			   daddr[2] + daddr[3] + bpf_htonl(l4len) + bpf_htonl(proto));
}

/* The diff of a 16-byte address changing from @from to @to. */
static __always_inline __u64 csum_diff_addr6(__u64 diff, const __be32 *from, const __be32 *to)
{
	diff = csum_diff32(diff, from[0], to[0]);
	diff = csum_diff32(diff, from[1], to[1]);
	diff = csum_diff32(diff, from[2], to[2]);
	return csum_diff32(diff, from[3], to[3]);
}

/*
 * A field holding only the pseudo-header sum, its addresses changed by
 * @diff: it stays the pseudo-header sum of the new addresses, as
 * inet_proto_csum_replace4() keeps it for CHECKSUM_PARTIAL (no complement;
 * ports are not in it, the device sums them later).
 */
static __always_inline __u16 csum_apply_pseudo(__u16 sum, __u64 diff)
{
	return csum_fold16(sum + diff);
}

#endif
