/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * IPv4 <-> IPv6 header translation (RFC 7915) for v4tov6/v6tov4 flows:
 * the packet leaves in the other family with the addresses and ports of its
 * conntrack entry (in wf_ct6/wf_ct6_new, IPv4 addresses as ::ffff:a.b.c.d;
 * design.md "v4tov6 and v6tov4").
 *
 * 4 to 6: version 6, traffic class = TOS, flow label 0, payload length =
 * tot_len - 20, next header = protocol, hop limit = TTL. 6 to 4: TOS =
 * traffic class, id 0 and DF (an atomic datagram, RFC 6864), TTL = hop
 * limit, protocol = next header, the header checksum computed. TTL/hop
 * limit is decremented only where we send the packet ourselves (@out).
 * IPv6 extension headers (hop-by-hop, destination options, routing) are
 * left out of the IPv4 packet, IPv4 options out of the IPv6 one (RFC 7915
 * 4.1); fragments are refused before (fwd.h, `fragment`). `xlate`: a
 * header the helpers would not resize.
 *
 * L4 checksum: the pseudo headers differ only in the addresses (the
 * length and protocol words sum the same), so the update is the diff of
 * the addresses, v4 out and v6 in or the reverse, plus the ports, done on
 * the old header before it moves. An IPv4 UDP checksum of 0 becoming IPv6
 * (where 0 is invalid) is computed, in XDP and in tc.
 *
 * XDP: bpf_xdp_adjust_head() by -20 / +20, the Ethernet header rewritten
 * in front of the new IP header. tc: bpf_skb_change_proto(), which moves
 * the MAC header and keeps GSO sizes right; the new IP header is stored
 * with BPF_F_RECOMPUTE_CSUM so that a CHECKSUM_COMPLETE skb's csum follows.
 */
#ifndef WF_LIB_XLATE_H
#define WF_LIB_XLATE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "wslfwd.h"
#include "lib/ctx.h"
#include "lib/csum.h"
#include "lib/parse.h"
#include "lib/conntrack.h"
#include "lib/nat.h"

#define WF_XLATE_GROW	(WF_IP6_HLEN - WF_IP4_HLEN)	/* 20 */
#define WF_IP4_DF_BE	0x0040	/* frag_off = DF, as stored (network order) */
/* 64:ff9b::/96, RFC 6052's well-known prefix: its first word */
#define WF_NAT64_PREFIX0	0x0064ff9b

/*
 * tc: the UDP checksum of the @len-byte datagram at @l4, whose pseudo
 * header sums to @pseudo (csum_pseudo6()), written into its field (which
 * holds 0): an IPv4 datagram without one becoming IPv6, where 0 is
 * invalid (RFC 8200 8.1). ctx_l4_csum_fill() for skbs: the skb may be
 * non-linear, so the bytes are read into the per-CPU scratch by
 * bpf_skb_load_bytes(), 512 at a time (bpf_csum_diff()'s limit), the
 * last chunk zero-padded to a word; up to WF_CSUM_MAX_L4 bytes. Stored with
 * BPF_F_RECOMPUTE_CSUM: a CHECKSUM_COMPLETE skb's csum follows. A global
 * function (WF_GLOBAL): verified once, its loop off the callers' states.
 */
WF_GLOBAL int xlate_udp_csum_skb(struct __sk_buff *skb, __u32 l4, __u32 len, __u32 pseudo)
{
	struct wf_csum_tail *t;
	__u32 done = 0, rem, zero = 0;
	long s = 0;
	__u16 sum;
	int i;

	if (!skb || len < sizeof(struct udphdr) || len > WF_CSUM_MAX_L4)
		return -1;
	t = bpf_map_lookup_elem(&wf_csum_scratch, &zero);
	if (!t)
		return -1;
	for (i = 0; i < WF_CSUM_MAX_L4 / WF_CSUM_CHUNK; i++) {
		if (len - done < WF_CSUM_CHUNK)
			break;
		if (bpf_skb_load_bytes(skb, l4 + done, t->b, WF_CSUM_CHUNK))
			return -1;
		s = bpf_csum_diff(NULL, 0, (void *)t->b, WF_CSUM_CHUNK, s);
		if (s < 0)
			return -1;
		done += WF_CSUM_CHUNK;
	}
	rem = (len - done) & (WF_CSUM_CHUNK - 1);
	if (rem) {
		if (bpf_skb_load_bytes(skb, l4 + done, t->b, rem))
			return -1;
		s = csum_tail_sum(t, rem, s);
		if (s < 0)
			return -1;
	}
	sum = (__u16)~csum_fold16((__u64)(__u32)s + (__u16)pseudo);
	if (!sum)
		sum = WF_CSUM_MANGLED_0;
	return bpf_skb_store_bytes(skb, l4 + WF_OFF(struct udphdr, check), &sum, sizeof(sum),
				   BPF_F_RECOMPUTE_CSUM);
}

/* The IPv4 header checksum of the 20 bytes at @h (check 0). */
static __always_inline __u16 xlate_ip4_csum(const __u32 *h)
{
	return (__u16)~csum_fold16((__u64)h[0] + h[1] + h[2] + h[3] + h[4]);
}

/* The IPv4 header a 6-to-4 packet gets, as words: id and frag_off as
 * stored (0 and DF unless it is a fragment, xlate_frag_ip4). */
static __always_inline void xlate_ip4_build_frag(__u32 *h, __u8 tos, __u16 tot_len, __u8 ttl,
						 __u8 proto, __be32 saddr, __be32 daddr, __be16 id,
						 __be16 frag)
{
	__u8 *b = (__u8 *)h;

	b[0] = 0x45;
	b[1] = tos;
	*(__be16 *)(b + 2) = bpf_htons(tot_len);
	*(__be16 *)(b + 4) = id;
	*(__be16 *)(b + 6) = frag;
	b[8] = ttl;
	b[9] = proto;
	*(__u16 *)(b + 10) = 0;
	h[3] = saddr;
	h[4] = daddr;
	*(__u16 *)(b + 10) = xlate_ip4_csum(h);
}

static __always_inline void xlate_ip4_build(__u32 *h, __u8 tos, __u16 tot_len, __u8 ttl,
					    __u8 proto, __be32 saddr, __be32 daddr)
{
	xlate_ip4_build_frag(h, tos, tot_len, ttl, proto, saddr, daddr, 0, WF_IP4_DF_BE);
}

/*
 * Fragments (RFC 7915 4.1, 5.1.1): an IPv4 fragment becomes IPv6 with a
 * fragment header (8 bytes, next header the protocol, offset and M as
 * IPv4's offset and MF, id the IPv4 id in the low-order 16 bits), an IPv6
 * one IPv4 with id = the low-order 16 bits of the header's and MF/offset
 * from it (DF clear). Both halves of one datagram are keyed alike in
 * wf_frag6 (frag.h): the IPv4 datagram's id as the key's 32-bit id, its
 * addresses as ::ffff:.
 */
static __always_inline void xlate_frag6_build(__u32 *f, __u8 proto, __u16 offmf, __be16 ipid)
{
	__u8 *b = (__u8 *)f;

	b[0] = proto;
	b[1] = 0;
	*(__be16 *)(b + 2) = bpf_htons(offmf);
	*(__be16 *)(b + 4) = 0;
	*(__be16 *)(b + 6) = ipid;
}

/* The IPv4 id of a 6-to-4 fragment: the low-order 16 bits of @id6. */
static __always_inline __be16 xlate_frag_id4(__be32 id6)
{
	return ((const __be16 *)&id6)[1];
}

/* The IPv6 header a 4-to-6 packet gets, as words. */
static __always_inline void xlate_ip6_build(__u32 *h, __u8 tos, __u16 plen, __u8 hl, __u8 proto,
					    const __be32 *saddr, const __be32 *daddr)
{
	__u8 *b = (__u8 *)h;
	int i;

	b[0] = 0x60 | (tos >> 4);
	b[1] = (tos & 0x0f) << 4;
	b[2] = 0;
	b[3] = 0;
	*(__be16 *)(b + 4) = bpf_htons(plen);
	b[6] = proto;
	b[7] = hl;
#pragma unroll
	for (i = 0; i < 4; i++) {
		h[2 + i] = saddr[i];
		h[6 + i] = daddr[i];
	}
}

/* The checksum diff of the addresses: IPv6 @a6 (16 bytes each) to IPv4
 * @s4/@d4. The reverse direction negates nothing: it is built the other
 * way round by xlate_adiff46(). */
static __always_inline __u64 xlate_adiff64(const __be32 *s6, const __be32 *d6, __be32 s4,
					   __be32 d4)
{
	__u64 d = 0;

	d = csum_diff32(d, s6[0], s4);
	d = csum_diff32(d, s6[1], 0);
	d = csum_diff32(d, s6[2], 0);
	d = csum_diff32(d, s6[3], 0);
	d = csum_diff32(d, d6[0], d4);
	d = csum_diff32(d, d6[1], 0);
	d = csum_diff32(d, d6[2], 0);
	return csum_diff32(d, d6[3], 0);
}

static __always_inline __u64 xlate_adiff46(__be32 s4, __be32 d4, const __be32 *s6,
					   const __be32 *d6)
{
	__u64 d = 0;

	d = csum_diff32(d, s4, s6[0]);
	d = csum_diff32(d, 0, s6[1]);
	d = csum_diff32(d, 0, s6[2]);
	d = csum_diff32(d, 0, s6[3]);
	d = csum_diff32(d, d4, d6[0]);
	d = csum_diff32(d, 0, d6[1]);
	d = csum_diff32(d, 0, d6[2]);
	return csum_diff32(d, 0, d6[3]);
}

/* The ports word diff (sport:dport in memory order), 0 when unchanged. */
static __always_inline __u64 xlate_portdiff(const struct wf_pkt *pkt, const struct wf_ct_val *v)
{
	__u32 from, to;

	__builtin_memcpy(&from, &pkt->tuple.sport, sizeof(from));
	__builtin_memcpy(&to, &v->nsport, sizeof(to));
	return from == to ? 0 : csum_diff32(0, from, to);
}

/*
 * TCP MSS clamping: a translated SYN or SYN-ACK announces at most IFACE's
 * MTU - 60 (IPv6's header and TCP's), so that the peer's full segments
 * still fit IFACE as IPv6, 20 bytes bigger than as IPv4, whatever the MTU
 * it announced from (a jumbo IPv6 target's SYN-ACK to an IPv4 client, an
 * IPv4 client's 1460 to an IPv6 target). The option is read only where
 * SYNs of Linux, Windows and the BSDs put it, first (a walk by a variable
 * offset does not verify cheaply: design.md "Verifier"); one elsewhere is
 * left alone, as is an MSS already small enough. @kind: the checksum's
 * (xlate_l4): a full one is updated, a pseudo-header-only one holds no
 * option, a filled one is computed after. A global function (WF_GLOBAL)
 * per program type: verified once, off the translation's stack.
 */
#define WF_TCPOPT_MSS		2
#define WF_TCPOLEN_MSS		4
#define WF_XLATE_MSS_HDRS	(WF_IP6_HLEN + WF_TCP_HLEN)

static __always_inline int xlate_mss(const struct wf_ctx *c, __u32 l4, __u32 kind)
{
	__u8 th[WF_TCP_HLEN + WF_TCPOLEN_MSS];
	__u32 mtu = 0;
	__u16 mss, nmss;
	__be16 old, new;

	if (l4 > WF_CTX_MAX_OFF || ctx_load_bytes(c, l4, th, sizeof(th)))
		return 0;
	if ((th[12] >> 4) * 4 < sizeof(th) || th[WF_TCP_HLEN] != WF_TCPOPT_MSS ||
	    th[WF_TCP_HLEN + 1] != WF_TCPOLEN_MSS)
		return 0;
	/* IFACE's MTU (reported whatever the verdict) */
	bpf_check_mtu(c->ctx, 0, &mtu, 0, 0);
	if (mtu <= WF_XLATE_MSS_HDRS || mtu > 0xffff)
		return 0;
	mss = (__u16)th[WF_TCP_HLEN + 2] << 8 | th[WF_TCP_HLEN + 3];
	nmss = mtu - WF_XLATE_MSS_HDRS;
	if (mss <= nmss)
		return 0;
	old = bpf_htons(mss);
	new = bpf_htons(nmss);
	if (kind == WF_CSUM_FULL && ctx_l4_csum_add(c, l4 + WF_OFF(struct tcphdr, check), 0,
						    csum_diff32(0, old, new), false))
		return -1;
	return ctx_store_bytes(c, l4 + WF_TCP_HLEN + 2, &new, sizeof(new));
}

WF_GLOBAL int xlate_mss_xdp(struct xdp_md *ctx, __u32 l4, __u32 kind)
{
	struct wf_ctx c = { .ctx = ctx, .xdp = true };

	if (!ctx)
		return -1;
	return xlate_mss(&c, l4, kind);
}

WF_GLOBAL int xlate_mss_tc(struct __sk_buff *skb, __u32 l4, __u32 kind)
{
	struct wf_ctx c = { .ctx = skb, .xdp = false };

	if (!skb)
		return -1;
	return xlate_mss(&c, l4, kind);
}

/*
 * The L4 part common to both directions, on the packet as it is (before
 * its IP header changes): the checksum (kind by nat_csum_kind(), @c of the
 * packet's family) and the ports. Returns the kind, or -1.
 */
static __always_inline int xlate_l4(const struct wf_ctx *c, const struct wf_pkt *pkt,
				    struct wf_ct_val *v, bool out, __u64 adiff, bool fill,
				    bool frag)
{
	__u32 off = pkt_l4_csum_off(pkt);
	__u64 portdiff = xlate_portdiff(pkt, v);
	bool udp = pkt->tuple.proto == WF_IPPROTO_UDP;
	int kind;

	/* a fragment's covers the whole datagram: full (nat_csum_kind) */
	kind = frag ? WF_CSUM_FULL : c->xdp && fill ? WF_CSUM_FILL : nat_csum_kind(c, pkt, v, out);
	if (kind < 0)
		return -1;
	if (kind == WF_CSUM_FULL && ctx_l4_csum_add(c, off, adiff, portdiff, udp))
		return -1;
	if (kind == WF_CSUM_PSEUDO && ctx_l4_csum_pseudo(c, off, adiff))
		return -1;
	if (portdiff && ctx_store_bytes(c, pkt->l4_off, &v->nsport, 4))
		return -1;
	if (pkt->tuple.proto == WF_IPPROTO_TCP && (pkt->tcp_flags & WF_TCP_SYN) &&
	    (c->xdp ? xlate_mss_xdp(ctx_xdp(c), pkt->l4_off, kind) :
		      xlate_mss_tc(ctx_skb(c), pkt->l4_off, kind)))
		return -1;
	return kind;
}

/* The MACs the translated frame gets: the entry's when @macs, else the
 * frame's own (read before the header moves). */
static __always_inline int xlate_macs(const struct wf_ctx *c, const struct wf_ct_val *v,
				      bool macs, __u8 *mac)
{
	if (macs) {
		__builtin_memcpy(mac, v->dmac, 2 * WF_ETH_ALEN);
		return 0;
	}
	return ctx_load_bytes(c, 0, mac, 2 * WF_ETH_ALEN);
}

/* Ethernet header in front of the new IP header: MACs, then @proto. */
static __always_inline int xlate_eth(const struct wf_ctx *c, const __u8 *mac, __u16 proto)
{
	__be16 p = bpf_htons(proto);

	if (ctx_store_bytes(c, 0, mac, 2 * WF_ETH_ALEN))
		return -1;
	return ctx_store_bytes(c, 2 * WF_ETH_ALEN, &p, 2);
}

/* The frame's IP part moved by @d bytes (the new headers' length less the
 * old ones') for a packet becoming @proto, and the Ethernet header (@mac,
 * @proto) written in front. XDP adjusts the head; tc changes the protocol,
 * which moves the IP header by the 20 bytes itself, and adjusts the room
 * after the new IP header by the rest. */
static __always_inline int xlate_move(const struct wf_ctx *c, __s32 d, __u16 proto,
				      const __u8 *mac)
{
	__s32 grow = proto == WF_ETH_P_IPV6 ? WF_XLATE_GROW : -WF_XLATE_GROW;

	if (c->xdp) {
		if (bpf_xdp_adjust_head(ctx_xdp(c), -d))
			return -1;
	} else {
		if (bpf_skb_change_proto(ctx_skb(c), bpf_htons(proto), 0))
			return -1;
		if (d != grow && bpf_skb_adjust_room(ctx_skb(c), d - grow, BPF_ADJ_ROOM_NET, 0))
			return -1;
	}
	return xlate_eth(c, mac, proto);
}

/*
 * An IPv6 packet (@c: its family) leaves as IPv4: 0 or -WF_DROP_*.
 * @out: we send it (TTL decremented, checksum completed); @macs: the
 * entry's MACs (else the frame's).
 */
static __always_inline int xlate_6to4(const struct wf_ctx *c, const struct wf_pkt *pkt,
				      struct wf_ct_val *v, bool out, bool macs, bool frag)
{
	const struct wf_ct6_val *w = ct6(v);
	__be32 s4 = w->nsaddr[3], d4 = w->ndaddr[3];
	/* extension headers (not fragments: refused before) are left out */
	__u32 ext = pkt->l4_off - (WF_ETH_HLEN + WF_IP6_HLEN);
	__u16 l4len = pkt->len - WF_IP6_HLEN - ext;
	__u8 mac[2 * WF_ETH_ALEN], vtc[2];
	__u32 h[5];
	__u8 tos;
	int kind;

	if (ext > WF_IP6_EXT_LEN_MAX)
		return -WF_DROP_XLATE;
	if (ctx_load_bytes(c, WF_ETH_HLEN, vtc, 2) || xlate_macs(c, v, macs, mac))
		return -WF_DROP_MALFORMED;
	tos = (vtc[0] << 4) | (vtc[1] >> 4);
	kind = xlate_l4(c, pkt, v, out, xlate_adiff64(pkt->tuple6.saddr, pkt->tuple6.daddr, s4, d4),
			false, frag);
	if (kind < 0)
		return -WF_DROP_MALFORMED;
	/* a first fragment: MF, offset 0; its fragment header goes with
	 * the other extension headers */
	xlate_ip4_build_frag(h, tos, WF_IP4_HLEN + l4len, out ? pkt->ttl - 1 : pkt->ttl,
			     pkt->tuple.proto, s4, d4, frag ? xlate_frag_id4(pkt->id6) : 0,
			     frag ? bpf_htons(WF_IP_MF) : WF_IP4_DF_BE);
	if (c->xdp) {
		if (bpf_xdp_adjust_head(ctx_xdp(c), WF_XLATE_GROW + ext))
			return -WF_DROP_MALFORMED;
	} else {
		if (bpf_skb_change_proto(ctx_skb(c), bpf_htons(WF_ETH_P_IP), 0))
			return -WF_DROP_MALFORMED;
		/* after the 20 bytes the IPv4 header takes (BPF_ADJ_ROOM_NET) */
		if (ext && bpf_skb_adjust_room(ctx_skb(c), -(__s32)ext, BPF_ADJ_ROOM_NET, 0))
			return -WF_DROP_XLATE;
	}
	if (xlate_eth(c, mac, WF_ETH_P_IP))
		return -WF_DROP_MALFORMED;
	if (c->xdp) {
		if (ctx_store_bytes(c, WF_ETH_HLEN, h, sizeof(h)))
			return -WF_DROP_MALFORMED;
	} else if (bpf_skb_store_bytes(ctx_skb(c), WF_ETH_HLEN, h, sizeof(h),
				       BPF_F_RECOMPUTE_CSUM)) {
		return -WF_DROP_MALFORMED;
	}
	if (!frag && c->xdp && kind == WF_CSUM_FILL &&
	    ctx_l4_csum_fill(ctx_xdp(c), WF_ETH_HLEN + WF_IP4_HLEN, l4len,
			     csum_pseudo4(s4, d4, pkt->tuple.proto, l4len),
			     pkt->tuple.proto == WF_IPPROTO_UDP ? WF_CSUM_F_UDP : 0))
		return -WF_DROP_MALFORMED;
	return 0;
}

/*
 * An IPv4 packet (@c: its family) leaves as IPv6, 20 bytes bigger: when
 * we send it (@out) it must fit IFACE's MTU (`xlate_mtu`; TCP's MSS is
 * not clamped yet). 0 or -WF_DROP_*.
 */
static __always_inline int xlate_4to6(const struct wf_ctx *c, const struct wf_pkt *pkt,
				      struct wf_ct_val *v, bool out, bool macs, bool frag)
{
	const struct wf_ct6_val *w = ct6(v);
	/* IPv4 options are left out (counted ip_options, fwd.h) */
	__u32 opt = pkt->l4_off - (WF_ETH_HLEN + WF_IP4_HLEN);
	__u16 l4len = pkt->len - WF_IP4_HLEN - opt;
	__u8 mac[2 * WF_ETH_ALEN], tos;
	bool udp = pkt->tuple.proto == WF_IPPROTO_UDP, zero = false;
	/* a first fragment's fragment header (@frag is a literal) */
	__s32 fh = frag ? WF_IP6_FRAG_HLEN : 0;
	__u32 h[10], mtu = 0;
	__u16 sum;
	int kind;

	if (opt > WF_IP4_HLEN_MAX - WF_IP4_HLEN)
		return -WF_DROP_XLATE;
	if (out && bpf_check_mtu(c->ctx, 0, &mtu, (__s32)WF_XLATE_GROW + fh - (__s32)opt, 0))
		return -WF_DROP_XLATE_MTU;
	if (ctx_load_bytes(c, WF_ETH_HLEN + 1, &tos, 1) || xlate_macs(c, v, macs, mac))
		return -WF_DROP_MALFORMED;
	if (udp) {
		if (ctx_load_bytes(c, pkt_l4_csum_off(pkt), &sum, 2))
			return -WF_DROP_MALFORMED;
		/* No checksum: IPv6 needs one (RFC 8200 8.1), computed
		 * once the packet is IPv6 (XDP: ctx_l4_csum_fill; tc:
		 * xlate_udp_csum_skb, which reads a non-linear skb too). */
		zero = !sum;
		/* the checksum would cover the whole datagram (RFC 7915
		 * 4.1 lets a translator drop these) */
		if (zero && frag)
			return -WF_DROP_UDP6_ZERO_CSUM;
	}
	kind = xlate_l4(c, pkt, v, out,
			xlate_adiff46(pkt->tuple.saddr, pkt->tuple.daddr, w->nsaddr, w->ndaddr),
			zero, frag);
	if (kind < 0)
		return -WF_DROP_MALFORMED;
	xlate_ip6_build(h, tos, l4len + fh, out ? pkt->ttl - 1 : pkt->ttl,
			frag ? WF_IP6_FRAGMENT : pkt->tuple.proto, w->nsaddr, w->ndaddr);
	if (c->xdp) {
		if (bpf_xdp_adjust_head(ctx_xdp(c), (int)opt - WF_XLATE_GROW - fh))
			return -WF_DROP_MALFORMED;
	} else {
		if (bpf_skb_change_proto(ctx_skb(c), bpf_htons(WF_ETH_P_IPV6), 0))
			return -WF_DROP_MALFORMED;
		/* the options out, the fragment header in, after the 40
		 * bytes the IPv6 header takes */
		if (fh != (__s32)opt &&
		    bpf_skb_adjust_room(ctx_skb(c), fh - (__s32)opt, BPF_ADJ_ROOM_NET, 0))
			return -WF_DROP_XLATE;
	}
	if (xlate_eth(c, mac, WF_ETH_P_IPV6))
		return -WF_DROP_MALFORMED;
	if (c->xdp) {
		if (ctx_store_bytes(c, WF_ETH_HLEN, h, sizeof(h)))
			return -WF_DROP_MALFORMED;
	} else if (bpf_skb_store_bytes(ctx_skb(c), WF_ETH_HLEN, h, sizeof(h),
				       BPF_F_RECOMPUTE_CSUM)) {
		return -WF_DROP_MALFORMED;
	}
	/* the fragment header after it, built where the IPv6 header was */
	if (frag) {
		xlate_frag6_build(h, pkt->tuple.proto, 1 /* M */, pkt->ipid);
		if (c->xdp) {
			if (ctx_store_bytes(c, WF_ETH_HLEN + WF_IP6_HLEN, h, WF_IP6_FRAG_HLEN))
				return -WF_DROP_MALFORMED;
		} else if (bpf_skb_store_bytes(ctx_skb(c), WF_ETH_HLEN + WF_IP6_HLEN, h,
					       WF_IP6_FRAG_HLEN, BPF_F_RECOMPUTE_CSUM)) {
			return -WF_DROP_MALFORMED;
		}
	}
	/* (never for a fragment: refused above) */
	if (!frag && c->xdp && kind == WF_CSUM_FILL &&
	    ctx_l4_csum_fill(ctx_xdp(c), WF_ETH_HLEN + WF_IP6_HLEN, l4len,
			     csum_pseudo6(w->nsaddr, w->ndaddr, pkt->tuple.proto, l4len),
			     udp ? WF_CSUM_F_UDP : 0))
		return -WF_DROP_MALFORMED;
	/* (only past WF_CSUM_MAX_L4 bytes: tc sees no fragments of these) */
	if (!c->xdp && zero &&
	    xlate_udp_csum_skb(ctx_skb(c), WF_ETH_HLEN + WF_IP6_HLEN, l4len,
			       csum_pseudo6(w->nsaddr, w->ndaddr, WF_IPPROTO_UDP, l4len)))
		return -WF_DROP_UDP6_ZERO_CSUM;
	return 0;
}

/*
 * Translate with entry @v (xfam set; @c of the tables' family, IPv6):
 * the packet is IPv6 when it leaves as IPv4 and the other way round.
 * @frag: a first fragment.
 */
static __always_inline int xlate_apply(const struct wf_ctx *c, const struct wf_pkt *pkt,
				       struct wf_ct_val *v, bool out, bool frag)
{
	struct wf_ctx c4 = { .ctx = c->ctx, .xdp = c->xdp, .v6 = false };
	struct wf_ctx c6 = { .ctx = c->ctx, .xdp = c->xdp, .v6 = true };
	/* A reply leaving through IFACE (egress LOCAL/BEHIND included) goes
	 * to the client's next hop, whose MAC the entry keeps: the stack
	 * addressed the frame to the other family's next hop. */
	bool macs = out || v->dir == WF_DIR_REPLY;

	if (v->xfam == WF_CT_X_TO4)
		return xlate_6to4(&c6, pkt, v, out, macs, frag);
	return xlate_4to6(&c4, pkt, v, out, macs, frag);
}

/*
 * Out of line per program type: its frame stays off the entry point's.
 * First fragments (which need no ctx_l4_csum_fill) have functions of
 * their own: with theirs in one, entry + translation + ctx_l4_csum_fill
 * went past the 512 bytes of stack ("Verifier").
 */
#define XLATE_FN(name, ctx_t, is_xdp, is_frag)						\
static __noinline int name(ctx_t *ctx, const struct wf_pkt *pkt, struct wf_ct_val *v, bool out) \
{											\
	struct wf_ctx c = { .ctx = ctx, .xdp = is_xdp, .v6 = true };			\
											\
	return xlate_apply(&c, pkt, v, out, is_frag);					\
}
XLATE_FN(xlate_xdp, struct xdp_md, true, false)
XLATE_FN(xlate_tc, struct __sk_buff, false, false)
XLATE_FN(xlate_frag_xdp, struct xdp_md, true, true)
XLATE_FN(xlate_frag_tc, struct __sk_buff, false, true)

static __always_inline int xlate_any(const struct wf_ctx *c, const struct wf_pkt *pkt,
				     struct wf_ct_val *v, bool out)
{
	if (pkt->flags & WF_PKT_F_FIRST_FRAG)
		return c->xdp ? xlate_frag_xdp(ctx_xdp(c), pkt, v, out) :
				xlate_frag_tc(ctx_skb(c), pkt, v, out);
	return c->xdp ? xlate_xdp(ctx_xdp(c), pkt, v, out) : xlate_tc(ctx_skb(c), pkt, v, out);
}

#endif
