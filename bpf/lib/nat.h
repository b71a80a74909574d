/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Rewrite a packet to the tuple of a conntrack value: addresses, ports,
 * checksums, and for packets we send ourselves (XDP_TX/REDIRECT) TTL and MACs.
 *
 * IPv4 and IPv6 (nat_rewrite4/6). The changes to each checksum are gathered as one diff (csum.h) and
 * applied once; addresses (saddr, daddr), ports (source, dest) and MACs
 * (dest, source) are each stored as one block, straight from the value,
 * whose fields are laid out like the headers. A LOCAL DNAT that keeps the
 * address only touches the ports.
 */
#ifndef WF_LIB_NAT_H
#define WF_LIB_NAT_H

#include "vmlinux.h"
#include "wslfwd.h"
#include "lib/ctx.h"
#include "lib/csum.h"
#include "lib/parse.h"
#include "lib/maps.h"
#include "lib/counters.h"

enum wf_csum_kind {
	WF_CSUM_FULL,	/* a complete checksum (or none: UDP 0): RFC 1624 update */
	WF_CSUM_PSEUDO,	/* pseudo-header sum only, and it stays that */
	WF_CSUM_FILL,	/* pseudo-header sum only, completed here */
};

/*
 * What the L4 checksum of a packet XDP rewrites is, and what it must become
 * (design.md "Checksums"). XDP cannot see skb->ip_summed; a sender that
 * offloads its checksum (a veth peer: CHECKSUM_PARTIAL; Windows through
 * Hyper-V, marked valid out of band) leaves in the field the pseudo-header
 * sum of the packet's own addresses and length. One we send ourselves
 * (@out: XDP_TX, XDP_REDIRECT) becomes a frame its receiver verifies: it is
 * completed, which gives a complete checksum its own bytes back. On
 * XDP_PASS the kernel still trusts a pseudo-header packet (measured on
 * veth: its skb stays CHECKSUM_PARTIAL), so it stays a pseudo-header sum of
 * the new addresses; generic XDP hands the skb, ip_summed and all, to the
 * driver, so there that holds on every path. But a complete checksum
 * equals the pseudo-header sum by chance (1 in 65535, more often for
 * payloads that hardly change) and its receiver would drop it updated as
 * one. The flow tells them apart: a sender offloads all its packets or
 * none, so the first packet of a direction that looks like one has its
 * segment summed; one that does not verify marks its entry (@v's
 * csum_pseudo) and later ones are taken as pseudo-header sums unsummed; one
 * that verifies is complete. Left: an offloading flow whose very first
 * such packet verifies too (1 in 65535 of those) has that one updated as
 * complete. tc sees ip_summed and bpf_l4_csum_replace() handles it: FULL.
 */
static __always_inline __u16 nat_pseudo(const struct wf_ctx *c, const struct wf_pkt *pkt,
					 __u16 l4len)
{
	if (c->v6)
		return csum_pseudo6(pkt->tuple6.saddr, pkt->tuple6.daddr, pkt->tuple.proto, l4len);
	return csum_pseudo4(pkt->tuple.saddr, pkt->tuple.daddr, pkt->tuple.proto, l4len);
}

static __always_inline int nat_csum_kind(const struct wf_ctx *c, const struct wf_pkt *pkt,
					 struct wf_ct_val *v, bool out)
{
	__u16 l4len = pkt->len - (pkt->l4_off - WF_ETH_HLEN);
	struct wf_info *info;
	__u32 zero = 0;
	__u16 *field;
	int ok;

	/* A fragment's checksum covers the whole datagram, which the kernel
	 * completes before it fragments (ip_do_fragment()): always full. */
	if (!c->xdp || (pkt->flags & WF_PKT_F_FRAG))
		return WF_CSUM_FULL;
	field = ctx_ptr(c, pkt_l4_csum_off(pkt), sizeof(*field));
	if (!field)
		return -1;
	if (*field != nat_pseudo(c, pkt, l4len))
		return WF_CSUM_FULL;	/* UDP's 0 included: a pseudo sum is never 0 */
	info = bpf_map_lookup_elem(&wf_info, &zero);
	if (out && !(info && info->mode == WF_MODE_XDP_GENERIC)) {
		stats_inc(WF_EV_CSUM_PSEUDO);
		return WF_CSUM_FILL;
	}
	if (v->csum_pseudo) {
		stats_inc(WF_EV_CSUM_PSEUDO);
		return WF_CSUM_PSEUDO;
	}
	/* Longer than WF_CSUM_MAX_L4 (not summed): a GSO packet, offloaded. */
	ok = ctx_l4_csum_fill(ctx_xdp(c), pkt->l4_off, l4len, *field,
			      WF_CSUM_F_CHECK |
			      (pkt->tuple.proto == WF_IPPROTO_UDP ? WF_CSUM_F_UDP : 0));
	if (ok == 1)
		return WF_CSUM_FULL;
	v->csum_pseudo = 1;
	stats_inc(WF_EV_CSUM_PSEUDO);
	return WF_CSUM_PSEUDO;
}

static __always_inline int nat_ttl_dec4(const struct wf_ctx *c, const struct wf_pkt *pkt,
					__u64 *l3diff)
{
	/* TTL and protocol share a 16-bit checksum word */
	__u8 word[2] = { pkt->ttl, pkt->tuple.proto };
	__u8 nword[2] = { pkt->ttl - 1, pkt->tuple.proto };
	__u16 w, nw;

	__builtin_memcpy(&w, word, 2);
	__builtin_memcpy(&nw, nword, 2);
	*l3diff = csum_diff32(*l3diff, w, nw);
	return ctx_store_bytes(c, WF_IP4_TTL_OFF, &nword[0], 1);
}

/*
 * Rewrite the packet's tuple to nsaddr:nsport -> ndaddr:ndport; with
 * @ttl_dec also decrement the TTL (the router's part when we forward; the
 * caller has checked ttl > 1), under the same IP checksum update. Ports sit
 * at the same offsets in TCP and UDP.
 */
static __always_inline int nat_rewrite4(const struct wf_ctx *c, const struct wf_pkt *pkt,
					struct wf_ct_val *v, bool ttl_dec)
{
	const struct wf_ct_key *t = &pkt->tuple;
	bool addrs = t->saddr != v->nsaddr || t->daddr != v->ndaddr;
	__u64 adiff = 0, portdiff = 0, l3diff;
	__u16 l4len = pkt->len - (pkt->l4_off - WF_ETH_HLEN);
	__u32 from, to;
	int kind;

	/* sport:dport as one word, in memory order */
	__builtin_memcpy(&from, &t->sport, sizeof(from));
	__builtin_memcpy(&to, &v->nsport, sizeof(to));
	if (from != to)
		portdiff = csum_diff32(0, from, to);
	if (addrs)
		adiff = csum_diff32(csum_diff32(0, t->saddr, v->nsaddr), t->daddr, v->ndaddr);
	l3diff = adiff;
	if (ttl_dec && nat_ttl_dec4(c, pkt, &l3diff))
		return -1;
	if (l3diff && ctx_l3_csum_add(c, WF_IP4_CSUM_OFF, l3diff))
		return -1;
	kind = nat_csum_kind(c, pkt, v, ttl_dec);
	if (kind < 0)
		return -1;
	if (kind == WF_CSUM_FULL && (adiff || portdiff) &&
	    ctx_l4_csum_add(c, pkt_l4_csum_off(pkt), adiff, portdiff, t->proto == WF_IPPROTO_UDP))
		return -1;
	if (kind == WF_CSUM_PSEUDO && adiff && ctx_l4_csum_pseudo(c, pkt_l4_csum_off(pkt), adiff))
		return -1;
	if (addrs && ctx_store_bytes(c, WF_IP4_SADDR_OFF, &v->nsaddr, 8))
		return -1;
	if (portdiff && ctx_store_bytes(c, pkt->l4_off, &v->nsport, 4))
		return -1;
	if (kind == WF_CSUM_FILL &&
	    ctx_l4_csum_fill(ctx_xdp(c), pkt->l4_off, l4len,
			     csum_pseudo4(v->nsaddr, v->ndaddr, t->proto, l4len),
			     t->proto == WF_IPPROTO_UDP ? WF_CSUM_F_UDP : 0))
		return -1;
	return 0;
}

/*
 * nat_rewrite4() for IPv6: no header checksum; the hop limit is decremented
 * with @ttl_dec; the L4 checksum covers the 32 bytes of addresses.
 */
static __always_inline int nat_rewrite6(const struct wf_ctx *c, const struct wf_pkt *pkt,
					struct wf_ct_val *v, bool ttl_dec)
{
	const struct wf_ct6_val *w = (const struct wf_ct6_val *)v;
	const struct wf_ct6_key *t = &pkt->tuple6;
	bool addrs = !addr6_eq(t->saddr, w->nsaddr) || !addr6_eq(t->daddr, w->ndaddr);
	__u64 adiff = 0, portdiff = 0;
	__u16 l4len = pkt->len - (pkt->l4_off - WF_ETH_HLEN);
	__u8 hl = pkt->ttl - 1;
	bool udp = t->proto == WF_IPPROTO_UDP;
	__u32 from, to;
	int kind;

	__builtin_memcpy(&from, &pkt->tuple.sport, sizeof(from));
	__builtin_memcpy(&to, &v->nsport, sizeof(to));
	if (from != to)
		portdiff = csum_diff32(0, from, to);
	if (addrs)
		adiff = csum_diff_addr6(csum_diff_addr6(0, t->saddr, w->nsaddr), t->daddr,
					w->ndaddr);
	if (ttl_dec && ctx_store_bytes(c, WF_IP6_HOPLIMIT_OFF, &hl, 1))
		return -1;
	kind = nat_csum_kind(c, pkt, v, ttl_dec);
	if (kind < 0)
		return -1;
	if (kind == WF_CSUM_FULL && (adiff || portdiff) &&
	    ctx_l4_csum_add(c, pkt_l4_csum_off(pkt), adiff, portdiff, udp))
		return -1;
	if (kind == WF_CSUM_PSEUDO && adiff && ctx_l4_csum_pseudo(c, pkt_l4_csum_off(pkt), adiff))
		return -1;
	if (addrs && ctx_store_bytes(c, WF_IP6_SADDR_OFF, w->nsaddr, 32))
		return -1;
	if (portdiff && ctx_store_bytes(c, pkt->l4_off, &v->nsport, 4))
		return -1;
	if (kind == WF_CSUM_FILL &&
	    ctx_l4_csum_fill(ctx_xdp(c), pkt->l4_off, l4len,
			     csum_pseudo6(w->nsaddr, w->ndaddr, t->proto, l4len),
			     udp ? WF_CSUM_F_UDP : 0))
		return -1;
	return 0;
}

/* Only the source port, to @sport (loopback targets' UDP replies, lo.h). */
static __always_inline int nat_rewrite_sport4(const struct wf_ctx *c, const struct wf_pkt *pkt,
					      __be16 sport)
{
	__u64 diff;

	if (sport == pkt->tuple.sport)
		return 0;
	diff = csum_diff32(0, pkt->tuple.sport, sport);
	if (ctx_l4_csum_add(c, pkt_l4_csum_off(pkt), 0, diff,
			    pkt->tuple.proto == WF_IPPROTO_UDP))
		return -1;
	return ctx_store_bytes(c, pkt->l4_off, &sport, 2);
}

/* dmac then smac: one 12-byte block, as in the Ethernet header. */
static __always_inline int nat_set_macs(const struct wf_ctx *c, const struct wf_ct_val *v)
{
	return ctx_store_bytes(c, WF_OFF(struct ethhdr, h_dest), v->dmac, 2 * WF_ETH_ALEN);
}

#endif
