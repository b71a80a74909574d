/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Rewrite a packet to the tuple of a conntrack value: addresses, ports,
 * checksums, and for packets sent back out (WF_CT_F_TX) MACs and TTL.
 *
 * Family-generic where the headers differ only in offsets and length:
 * addresses are rewritten word by word (1 word for IPv4, 4 for IPv6) with
 * the L4 checksum updated through the pseudo header; only IPv4 has a header
 * checksum. Unchanged fields are skipped, so e.g. a LOCAL DNAT that keeps
 * the address only touches the port.
 */
#ifndef WF_LIB_NAT_H
#define WF_LIB_NAT_H

#include "vmlinux.h"
#include "wslfwd.h"
#include "lib/ctx.h"
#include "lib/csum.h"
#include "lib/parse.h"

static __always_inline int nat_rewrite_addr(const struct wf_ctx *c, const struct wf_pkt *pkt,
					    __u32 off, const __be32 *from, const __be32 *to)
{
	bool v4 = pkt->tuple.family == WF_AF_INET;
	__u64 l4flags = csum_l4_flags(pkt->tuple.proto, true, 4);
	__u32 l4csum = pkt_l4_csum_off(pkt);
	int i;

#pragma unroll
	for (i = 0; i < 4; i++) {
		if (v4 && i > 0)
			break;
		if (from[i] == to[i])
			continue;
		if (ctx_l4_csum_replace(c, l4csum, from[i], to[i], l4flags))
			return -1;
		if (v4 && ctx_l3_csum_replace(c, pkt->l3_off + WF_OFF(struct iphdr, check),
					      from[i], to[i], 4))
			return -1;
		if (ctx_store_bytes(c, off + i * 4, &to[i], 4))
			return -1;
	}
	return 0;
}

static __always_inline int nat_rewrite_port(const struct wf_ctx *c, const struct wf_pkt *pkt,
					    __u32 off, __be16 from, __be16 to)
{
	if (from == to)
		return 0;
	if (ctx_l4_csum_replace(c, pkt_l4_csum_off(pkt), from, to,
				csum_l4_flags(pkt->tuple.proto, false, 2)))
		return -1;
	return ctx_store_bytes(c, off, &to, 2);
}

/* Rewrite the packet's tuple to nsaddr:nsport -> ndaddr:ndport. Ports sit
 * at the same offsets in TCP and UDP. */
static __always_inline int nat_rewrite(const struct wf_ctx *c, const struct wf_pkt *pkt,
				       const struct wf_ct_val *v)
{
	const struct wf_ct_key *t = &pkt->tuple;

	if (nat_rewrite_addr(c, pkt, pkt_saddr_off(pkt), t->saddr, v->nsaddr) ||
	    nat_rewrite_addr(c, pkt, pkt_daddr_off(pkt), t->daddr, v->ndaddr) ||
	    nat_rewrite_port(c, pkt, pkt->l4_off + WF_OFF(struct tcphdr, source),
			     t->sport, v->nsport) ||
	    nat_rewrite_port(c, pkt, pkt->l4_off + WF_OFF(struct tcphdr, dest),
			     t->dport, v->ndport))
		return -1;
	return 0;
}

/* Forwarding ourselves (XDP_TX): the router's TTL decrement. The caller has
 * checked ttl > 1. TTL and protocol share a 16-bit checksum word. */
static __always_inline int nat_ttl_dec4(const struct wf_ctx *c, const struct wf_pkt *pkt)
{
	__u32 off = pkt->l3_off + WF_OFF(struct iphdr, ttl);
	__u8 word[2] = { pkt->ttl, pkt->tuple.proto };
	__u8 nword[2] = { pkt->ttl - 1, pkt->tuple.proto };
	__u16 from, to;

	__builtin_memcpy(&from, word, 2);
	__builtin_memcpy(&to, nword, 2);
	if (ctx_l3_csum_replace(c, pkt->l3_off + WF_OFF(struct iphdr, check), from, to, 2))
		return -1;
	return ctx_store_bytes(c, off, &nword[0], 1);
}

static __always_inline int nat_set_macs(const struct wf_ctx *c, const struct wf_ct_val *v)
{
	if (ctx_store_bytes(c, WF_OFF(struct ethhdr, h_dest), v->dmac, 6))
		return -1;
	return ctx_store_bytes(c, WF_OFF(struct ethhdr, h_source), v->smac, 6);
}

#endif
