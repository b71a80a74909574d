/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ICMP errors about v4tov6/v6tov4 flows (design.md "ICMP errors between
 * the families"): translated between ICMPv4 and ICMPv6 as RFC 7915 4.2
 * and 5.2 say, the quoted packet with them.
 *
 * Which flow and which path are icmp.h's rules: the quote Q left the VM
 * translated, its tuple reversed is the key of the entry E of the other
 * direction (in wf_ct6; for an ICMPv4 error under its ::ffff: key), E's
 * packets change family (E.xfam) the way the error must, and the error
 * takes E's path (XDP_TX with E's MACs when E sends, else the stack; a
 * REPLY entry's MACs also where the stack addressed the frame to the
 * other family's next hop, as xlate.h does). Q is written back to what its
 * sender sent, in the sender's family: from E.ndaddr:ndport to
 * E.nsaddr:nsport, its L4 checksum updated when the quote holds it (RFC
 * 5508 4.3; the pseudo-header diff of xlate.h plus the ports). The error
 * comes from E.nsaddr: the router's own address has no equivalent in the
 * other family, and Q's sender knows only that peer (LADDR, @vm, @host, or
 * a 64:ff9b:: source).
 *
 * Type, code and the word after the checksum per RFC 7915 (icmpx_hdr46,
 * icmpx_hdr64): "fragmentation needed" <-> "packet too big" with the MTU
 * moved by the 20 bytes the IPv6 header adds (at least 1280, IPv6's
 * minimum link MTU, RFC 8200 5; an MTU of 0 from a router older than RFC
 * 1191 becomes the plateau below the quoted length), parameter problem
 * pointers mapped field by field. What the RFC drops (no equivalent
 * message or pointer), a quote with IP options or extension headers (we
 * never send either on a translated flow) and a message that would not fit
 * are dropped, `icmp_xlate`: never forwarded untranslated.
 *
 * The ICMP checksum is updated, not recomputed (the quote may be long and
 * the skb non-linear): the old checksum less what leaves (ICMPv6's pseudo
 * header, the old ICMP header and quoted IP header), plus what comes (the
 * new ones), plus the quote's L4 changes. A broken checksum stays broken.
 *
 * Moved like xlate.h's packets: XDP adjusts the head by the difference of
 * the headers in front of the quoted L4 part and writes them new; tc
 * changes the protocol (bpf_skb_change_proto) and adjusts the room after
 * the new IP header (BPF_ADJ_ROOM_NET) by the rest.
 */
#ifndef WF_LIB_ICMPX_H
#define WF_LIB_ICMPX_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "wslfwd.h"
#include "lib/clock.h"
#include "lib/ctx.h"
#include "lib/csum.h"
#include "lib/parse.h"
#include "lib/counters.h"
#include "lib/conntrack.h"
#include "lib/icmp.h"
#include "lib/icmp6.h"
#include "lib/xlate.h"

#define WF_ICMP6_DEST_UNREACH	1
#define WF_ICMP6_PKT_TOOBIG	2
#define WF_ICMP6_TIME_EXCEEDED	3
#define WF_ICMP6_PARAMPROB	4
#define WF_IP6_MIN_MTU		1280	/* RFC 8200 5 */
#define WF_IP4_MIN_MTU		68	/* RFC 791 */

/* Headers in front of the quoted L4 part, Ethernet included: IPv4 +
 * ICMPv4 + IPv4, IPv6 + ICMPv6 + IPv6. */
#define WF_ICMPX_HDRS4	(WF_ETH_HLEN + WF_IP4_HLEN + WF_ICMP_HLEN + WF_IP4_HLEN) /* 62 */
#define WF_ICMPX_HDRS6	(WF_ETH_HLEN + WF_IP6_HLEN + WF_ICMP_HLEN + WF_IP6_HLEN) /* 102 */
/* The largest quoted L4 part translated: an ICMPv6 error fits 1280 bytes
 * (RFC 4443 2.4(c)), and 1280 - 88 is what 4 to 6 can leave of it. */
#define WF_ICMPX_QUOTE_MAX	(WF_IP6_MIN_MTU - WF_IP6_HLEN - WF_ICMP_HLEN - WF_IP6_HLEN)

/* Per-CPU scratch (no two programs of this path nest on one CPU): the new
 * headers after Ethernet, built as words, and the quote's IP header as
 * received, off the frames of the chain entry -> icmp_error -> here. */
struct wf_icmpx_scratch {
	__u32 h[22];		/* IP + ICMP + quoted IP, at most 40 + 8 + 40 bytes */
	__u32 ih[10];		/* the quoted IP header (IPv4: its first 5 words) */
	__be32 out[8];		/* ICMPv6 in: the outer addresses */
	struct wf_ct6_key k;	/* ICMPv4 in: the quote's ::ffff: key */
	__u8 o[8];		/* the ICMP header as received */
	__u8 n[8];		/* the new one */
	__u8 mac[2 * WF_ETH_ALEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wf_icmpx_scratch);
} wf_icmpx_scratch SEC(".maps");

static __always_inline void icmpx_put32(__u8 *p, __u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* RFC 7915 Figure 3: an IPv4 header's parameter problem pointer as the
 * IPv6 header's, -1 where the field has none. */
static __always_inline int icmpx_ptr46(__u8 p)
{
	if (p <= 1)
		return p;
	if (p <= 3)
		return 4;	/* total length: payload length */
	if (p == 8)
		return 7;	/* TTL: hop limit */
	if (p == 9)
		return 6;	/* protocol: next header */
	if (p >= 12 && p <= 15)
		return 8;
	if (p >= 16 && p <= 19)
		return 24;
	return -1;
}

/* Figure 6, the other way. */
static __always_inline int icmpx_ptr64(__u32 p)
{
	if (p <= 1)
		return p;
	if (p == 4 || p == 5)
		return 2;
	if (p == 6)
		return 9;
	if (p == 7)
		return 8;
	if (p >= 8 && p <= 23)
		return 12;
	if (p >= 24 && p <= 39)
		return 16;
	return -1;
}

/* RFC 1191 7's plateau below @len, for a "fragmentation needed" without
 * an MTU (RFC 7915 4.2); those below 1260 all become 1280 as IPv6. */
static __always_inline __u32 icmpx_plateau(__u32 len)
{
	if (len > 32000)
		return 32000;
	if (len > 17914)
		return 17914;
	if (len > 8166)
		return 8166;
	if (len > 4352)
		return 4352;
	if (len > 2002)
		return 2002;
	if (len > 1492)
		return 1492;
	return 1006;
}

/*
 * The ICMPv6 header (checksum 0) for ICMPv4 header @o (RFC 7915 4.2).
 * @qlen: the quoted packet's total length. -1: dropped by the RFC.
 */
static __always_inline int icmpx_hdr46(const __u8 *o, __u8 *n, __u32 qlen)
{
	__u32 word = 0, mtu;
	int p;

	n[1] = 0;
	switch (o[0]) {
	case WF_ICMP_DEST_UNREACH:
		switch (o[1]) {
		case 0:		/* net */
		case 1:		/* host */
		case 5:		/* source route failed */
		case 6:		/* net unknown */
		case 7:		/* host unknown */
		case 8:		/* source host isolated */
		case 11:	/* net unreachable for TOS */
		case 12:	/* host unreachable for TOS */
			n[0] = WF_ICMP6_DEST_UNREACH;
			break;
		case 9:		/* net administratively prohibited */
		case 10:	/* host administratively prohibited */
		case 13:	/* communication administratively prohibited */
		case 15:	/* precedence cutoff in effect */
			n[0] = WF_ICMP6_DEST_UNREACH;
			n[1] = 1;
			break;
		case 3:		/* port */
			n[0] = WF_ICMP6_DEST_UNREACH;
			n[1] = 4;
			break;
		case 2:		/* protocol: parameter problem at next header */
			n[0] = WF_ICMP6_PARAMPROB;
			n[1] = 1;
			word = 6;
			break;
		case 4:		/* fragmentation needed: packet too big */
			n[0] = WF_ICMP6_PKT_TOOBIG;
			mtu = (__u32)o[6] << 8 | o[7];
			if (mtu < WF_IP4_MIN_MTU)
				mtu = icmpx_plateau(qlen);
			mtu += WF_XLATE_GROW;
			word = mtu < WF_IP6_MIN_MTU ? WF_IP6_MIN_MTU : mtu;
			break;
		default:	/* 14 (host precedence violation) and unknown */
			return -1;
		}
		break;
	case WF_ICMP_TIME_EXCEEDED:
		if (o[1] > 1)
			return -1;
		n[0] = WF_ICMP6_TIME_EXCEEDED;
		n[1] = o[1];
		break;
	case WF_ICMP_PARAMETERPROB:
		/* 0: pointer, 2: bad length; 1 (missing option) has none */
		if (o[1] != 0 && o[1] != 2)
			return -1;
		p = icmpx_ptr46(o[4]);
		if (p < 0)
			return -1;
		n[0] = WF_ICMP6_PARAMPROB;
		word = p;
		break;
	default:
		return -1;
	}
	n[2] = 0;
	n[3] = 0;
	icmpx_put32(n + 4, word);
	return 0;
}

/* The ICMPv4 header (checksum 0) for ICMPv6 header @o (RFC 7915 5.2). */
static __always_inline int icmpx_hdr64(const __u8 *o, __u8 *n)
{
	__u32 w = (__u32)o[4] << 24 | (__u32)o[5] << 16 | (__u32)o[6] << 8 | o[7];
	int p;

	n[1] = 0;
	icmpx_put32(n + 4, 0);
	switch (o[0]) {
	case WF_ICMP6_DEST_UNREACH:
		n[0] = WF_ICMP_DEST_UNREACH;
		switch (o[1]) {
		case 0:		/* no route */
		case 2:		/* beyond scope */
		case 3:		/* address unreachable */
			n[1] = 1;	/* host */
			break;
		case 1:		/* administratively prohibited */
			n[1] = 10;
			break;
		case 4:		/* port */
			n[1] = 3;
			break;
		default:
			return -1;
		}
		break;
	case WF_ICMP6_PKT_TOOBIG:
		n[0] = WF_ICMP_DEST_UNREACH;
		n[1] = 4;
		w = w < WF_IP4_MIN_MTU + WF_XLATE_GROW ? WF_IP4_MIN_MTU : w - WF_XLATE_GROW;
		if (w > 0xffff)
			w = 0xffff;
		n[6] = w >> 8;
		n[7] = w;
		break;
	case WF_ICMP6_TIME_EXCEEDED:
		if (o[1] > 1)
			return -1;
		n[0] = WF_ICMP_TIME_EXCEEDED;
		n[1] = o[1];
		break;
	case WF_ICMP6_PARAMPROB:
		if (o[1] == 1) {	/* unrecognized next header */
			n[0] = WF_ICMP_DEST_UNREACH;
			n[1] = 2;	/* protocol */
			break;
		}
		if (o[1] != 0)
			return -1;
		p = icmpx_ptr64(w);
		if (p < 0)
			return -1;
		n[0] = WF_ICMP_PARAMETERPROB;
		n[4] = p;
		break;
	default:
		return -1;
	}
	n[2] = 0;
	n[3] = 0;
	return 0;
}

/*
 * The quote's ports (@ports -> @nports) and L4 checksum (pseudo-header
 * diff @adiff, when the quote holds the field; a UDP 0 stays 0) written
 * in place; what they change in the ICMP message's sum added to *@mdiff.
 */
static __always_inline int icmpx_inner_l4(const struct wf_ctx *c, __u8 proto, __u32 l4_off,
					  __u32 l4_len, __u32 ports, __u32 nports, __u64 adiff,
					  __u64 *mdiff)
{
	bool udp = proto == WF_IPPROTO_UDP;
	__u64 pdiff = csum_diff32(0, ports, nports);
	__u32 csum_off = 0;
	__u16 sum, nsum;

	if (!udp && l4_len >= WF_OFF(struct tcphdr, check) + 2)
		csum_off = icmp_off(l4_off + WF_OFF(struct tcphdr, check));
	else if (udp)
		csum_off = icmp_off(l4_off + WF_OFF(struct udphdr, check));
	if (csum_off) {
		if (ctx_load_bytes(c, csum_off, &sum, sizeof(sum)))
			return -1;
		if (!udp || sum) {
			nsum = csum_apply(sum, adiff + pdiff);
			if (udp && !nsum)
				nsum = WF_CSUM_MANGLED_0;
			*mdiff = icmp_diff16(*mdiff, sum, nsum);
			if (ctx_store_bytes(c, csum_off, &nsum, sizeof(nsum)))
				return -1;
		}
	}
	*mdiff += pdiff;
	return ctx_store_bytes(c, l4_off, &nports, sizeof(nports));
}

/* The new headers in front of the quoted L4 part: Ethernet (@mac, @proto)
 * and @len bytes of @h, after the frame's first @old bytes became @new. */
static __always_inline int icmpx_move(const struct wf_ctx *c, __u32 old, __u32 new, __u16 proto,
				      const __u8 *mac, const __u32 *h, __u32 len)
{
	if (xlate_move(c, (__s32)new - (__s32)old, proto, mac))
		return -1;
	if (c->xdp)
		return ctx_store_bytes(c, WF_ETH_HLEN, h, len);
	return bpf_skb_store_bytes(ctx_skb(c), WF_ETH_HLEN, h, len, BPF_F_RECOMPUTE_CSUM);
}

/*
 * ICMPv6 error @pkt quoting @q, about a flow whose entry @v (xfam TO4)
 * sends IPv6 on as IPv4: it leaves as an ICMPv4 error.
 */
static __always_inline int icmpx_6to4(const struct wf_ctx *c, const struct wf_pkt *pkt,
				      bool ingress)
{
	__u32 icmp6_len = pkt->len - (pkt->l4_off - WF_ETH_HLEN);
	__u32 ports, nports, zero = 0, plen;
	__u8 *o, *n, *mac, vtc[2], *ih;
	struct wf_icmp6_scratch *sc6;
	struct wf_icmpx_scratch *sc;
	const struct icmp6_quote *q;
	const struct wf_ct6_val *w;
	struct wf_ct_val *v;
	__u64 adiff, diff = 0;
	__u16 sum;
	bool tx;
	int i;

	/* icmp_error6() found the quote (kept in its scratch) and an entry */
	sc6 = bpf_map_lookup_elem(&wf_icmp6_scratch, &zero);
	if (!sc6)
		return -WF_DROP_ICMP_XLATE;
	q = &sc6->q;
	v = ct_lookup(true, &q->key, wf_now());
	/* (an entry that takes IPv4, TO6, never matches an IPv6 quote) */
	if (!v || v->xfam != WF_CT_X_TO4 || !icmp_hook_owns(v, ingress))
		return WF_PASS;
	w = ct6(v);
	tx = v->flags & WF_CT_F_TX;
	if (q->l4_len < WF_ICMP_QUOTE_MIN)
		return -WF_DROP_ICMP_SHORT;
	if (tx && pkt->ttl <= 1)
		return -WF_DROP_TTL;
	/* We never send extension headers on a translated flow. */
	if (q->l4_off != q->ip_off + WF_IP6_HLEN)
		return -WF_DROP_ICMP_XLATE;
	sc = bpf_map_lookup_elem(&wf_icmpx_scratch, &zero);
	if (!sc)
		return -WF_DROP_ICMP_XLATE;
	o = sc->o;
	n = sc->n;
	mac = sc->mac;
	if (ctx_load_bytes(c, pkt->l4_off, o, 8) ||
	    ctx_load_bytes(c, q->ip_off, sc->ih, 40) ||
	    ctx_load_bytes(c, WF_IP6_SADDR_OFF, sc->out, sizeof(sc->out)) ||
	    ctx_load_bytes(c, WF_ETH_HLEN, vtc, 2) ||
	    ctx_load_bytes(c, q->l4_off, &ports, sizeof(ports)) ||
	    xlate_macs(c, v, tx || v->dir == WF_DIR_REPLY, mac))
		return -WF_DROP_MALFORMED;
	if (icmpx_hdr64(o, n))
		return -WF_DROP_ICMP_XLATE;

	/* The quote: from ndaddr:ndport to nsaddr:nsport, as IPv4. */
	adiff = xlate_adiff64(sc->ih + 2, sc->ih + 6, w->ndaddr[3], w->nsaddr[3]);
	__builtin_memcpy((__u8 *)&nports, &v->ndport, 2);
	__builtin_memcpy((__u8 *)&nports + 2, &v->nsport, 2);
	if (icmpx_inner_l4(c, q->key.proto, q->l4_off, q->l4_len, ports, nports, adiff, &diff))
		return -WF_DROP_MALFORMED;
	ih = (__u8 *)sc->ih;
	plen = (__u32)ih[4] << 8 | ih[5];
	xlate_ip4_build(sc->h + 7, (ih[0] << 4) | (ih[1] >> 4), WF_IP4_HLEN + plen, ih[7],
			q->key.proto, w->ndaddr[3], w->nsaddr[3]);

	/* ICMP checksum: out the pseudo header, the ICMPv6 header and the
	 * quoted IPv6 header; in the ICMPv4 and quoted IPv4 headers. */
	__builtin_memcpy(&sum, o + 2, 2);
	o[2] = 0;
	o[3] = 0;
	diff = csum_diff32(diff, *(__u32 *)o, *(__u32 *)n);
	diff = csum_diff32(diff, *(__u32 *)(o + 4), *(__u32 *)(n + 4));
#pragma unroll
	for (i = 0; i < 8; i++)
		diff = csum_diff32(diff, sc->out[i], 0);
	diff = csum_diff32(diff, bpf_htonl(icmp6_len), 0);
	diff = csum_diff32(diff, bpf_htonl(WF_IPPROTO_ICMPV6), 0);
#pragma unroll
	for (i = 0; i < 5; i++)
		diff = csum_diff32(diff, sc->ih[i], sc->h[7 + i]);
#pragma unroll
	for (i = 5; i < 10; i++)
		diff = csum_diff32(diff, sc->ih[i], 0);
	sum = csum_apply(sum, diff);
	__builtin_memcpy(n + 2, &sum, 2);
	__builtin_memcpy(&sc->h[5], n, 8);

	/* Outer: E's way, from E.nsaddr to E.ndaddr. */
	xlate_ip4_build(sc->h, (vtc[0] << 4) | (vtc[1] >> 4),
			WF_ICMPX_HDRS4 - WF_ETH_HLEN + q->l4_len, tx ? pkt->ttl - 1 : pkt->ttl,
			WF_IPPROTO_ICMP, w->nsaddr[3], w->ndaddr[3]);
	if (icmpx_move(c, q->l4_off, WF_ICMPX_HDRS4, WF_ETH_P_IP, mac, sc->h,
		       WF_ICMPX_HDRS4 - WF_ETH_HLEN))
		return -WF_DROP_MALFORMED;
	stats_inc(WF_EV_ICMP_TRANSLATED);
	return tx ? WF_TX : WF_PASS;
}

/*
 * ICMPv4 error @pkt quoting @q that no wf_ct entry claims: about a flow
 * whose entry, under the quote's ::ffff: key, sends IPv4 on as IPv6 (xfam
 * TO6)? It leaves as an ICMPv6 error. Anything else passes untouched.
 */
static __always_inline int icmpx_4to6(const struct wf_ctx *c, const struct wf_pkt *pkt,
				      bool ingress)
{
	struct icmp_quote qb, *q = &qb;
	struct wf_icmpx_scratch *sc;
	const struct wf_ct6_val *w;
	struct wf_ct_val *v;
	__u32 icmp6_len, ports, nports, zero = 0, qlen;
	__u8 *o, *n, *mac, tos, *ih;
	__u64 adiff, diff = 0;
	__u16 sum;
	bool tx;
	int i;

	/* icmp_error4() found the quote, and no wf_ct entry for it */
	if (icmp_quote4(c, pkt, q))
		return WF_PASS;
	sc = bpf_map_lookup_elem(&wf_icmpx_scratch, &zero);
	if (!sc)
		return -WF_DROP_ICMP_XLATE;
	ct_key_map4(&q->key, &sc->k);
	v = ct_lookup(true, &sc->k, wf_now());
	if (!v || v->xfam != WF_CT_X_TO6 || !icmp_hook_owns(v, ingress))
		return WF_PASS;
	w = ct6(v);
	tx = v->flags & WF_CT_F_TX;
	o = sc->o;
	n = sc->n;
	mac = sc->mac;
	if (q->l4_len < WF_ICMP_QUOTE_MIN)
		return -WF_DROP_ICMP_SHORT;
	if (tx && pkt->ttl <= 1)
		return -WF_DROP_TTL;
	/* We never send IP options on a translated flow; an ICMPv6 error
	 * must fit IPv6's minimum MTU (RFC 4443 2.4(c)). */
	if (q->l4_off != q->ip_off + WF_IP4_HLEN || q->l4_len > WF_ICMPX_QUOTE_MAX)
		return -WF_DROP_ICMP_XLATE;
	if (ctx_load_bytes(c, pkt->l4_off, o, 8) ||
	    ctx_load_bytes(c, q->ip_off, sc->ih, 20) ||
	    ctx_load_bytes(c, WF_ETH_HLEN + 1, &tos, 1) ||
	    ctx_load_bytes(c, q->l4_off, &ports, sizeof(ports)) ||
	    xlate_macs(c, v, tx || v->dir == WF_DIR_REPLY, mac))
		return -WF_DROP_MALFORMED;
	ih = (__u8 *)sc->ih;
	qlen = (__u32)ih[2] << 8 | ih[3];
	if (icmpx_hdr46(o, n, qlen) || qlen < WF_IP4_HLEN)
		return -WF_DROP_ICMP_XLATE;

	/* The quote: from ndaddr:ndport to nsaddr:nsport, as IPv6. */
	adiff = xlate_adiff46(sc->ih[3], sc->ih[4], w->ndaddr, w->nsaddr);
	__builtin_memcpy((__u8 *)&nports, &v->ndport, 2);
	__builtin_memcpy((__u8 *)&nports + 2, &v->nsport, 2);
	if (icmpx_inner_l4(c, q->key.proto, q->l4_off, q->l4_len, ports, nports, adiff, &diff))
		return -WF_DROP_MALFORMED;
	xlate_ip6_build(sc->h + 12, ih[1], qlen - WF_IP4_HLEN, ih[8], q->key.proto, w->ndaddr,
			w->nsaddr);

	/* ICMP checksum: out the ICMPv4 and quoted IPv4 headers; in the
	 * ICMPv6 header, the quoted IPv6 one and the pseudo header. */
	icmp6_len = WF_ICMP_HLEN + WF_IP6_HLEN + q->l4_len;
	__builtin_memcpy(&sum, o + 2, 2);
	o[2] = 0;
	o[3] = 0;
	diff = csum_diff32(diff, *(__u32 *)o, *(__u32 *)n);
	diff = csum_diff32(diff, *(__u32 *)(o + 4), *(__u32 *)(n + 4));
#pragma unroll
	for (i = 0; i < 5; i++)
		diff = csum_diff32(diff, sc->ih[i], sc->h[12 + i]);
#pragma unroll
	for (i = 5; i < 10; i++)
		diff = csum_diff32(diff, 0, sc->h[12 + i]);
	diff = csum_diff_addr6(diff, (const __be32[4]){}, w->nsaddr);
	diff = csum_diff_addr6(diff, (const __be32[4]){}, w->ndaddr);
	diff = csum_diff32(diff, 0, bpf_htonl(icmp6_len));
	diff = csum_diff32(diff, 0, bpf_htonl(WF_IPPROTO_ICMPV6));
	sum = csum_apply(sum, diff);
	__builtin_memcpy(n + 2, &sum, 2);
	__builtin_memcpy(&sc->h[10], n, 8);

	xlate_ip6_build(sc->h, tos, icmp6_len, tx ? pkt->ttl - 1 : pkt->ttl, WF_IPPROTO_ICMPV6,
			w->nsaddr, w->ndaddr);
	if (icmpx_move(c, q->l4_off, WF_ICMPX_HDRS6, WF_ETH_P_IPV6, mac, sc->h,
		       WF_ICMPX_HDRS6 - WF_ETH_HLEN))
		return -WF_DROP_MALFORMED;
	stats_inc(WF_EV_ICMP_TRANSLATED);
	return tx ? WF_TX : WF_PASS;
}

/* Out of line, once per program type and family. */
static __noinline int icmpx_4to6_xdp(struct xdp_md *ctx, const struct wf_pkt *pkt)
{
	struct wf_ctx c = { .ctx = ctx, .xdp = true };

	return icmpx_4to6(&c, pkt, true);
}

static __noinline int icmpx_4to6_tc(struct __sk_buff *skb, const struct wf_pkt *pkt, bool ingress)
{
	struct wf_ctx c = { .ctx = skb, .xdp = false };

	return icmpx_4to6(&c, pkt, ingress);
}

static __noinline int icmpx_6to4_xdp(struct xdp_md *ctx, const struct wf_pkt *pkt)
{
	struct wf_ctx c = { .ctx = ctx, .xdp = true, .v6 = true };

	return icmpx_6to4(&c, pkt, true);
}

static __noinline int icmpx_6to4_tc(struct __sk_buff *skb, const struct wf_pkt *pkt, bool ingress)
{
	struct wf_ctx c = { .ctx = skb, .xdp = false, .v6 = true };

	return icmpx_6to4(&c, pkt, ingress);
}

/*
 * The hook fwd.h calls for an ICMP error (@c: its family): icmp.h or
 * icmp6.h for flows of one family, then, when they say WF_ICMPX, the
 * cross-family translation, a call of its own from the entry point.
 */
static __always_inline int icmpx_error_any(const struct wf_ctx *c, const struct wf_pkt *pkt,
					   bool ingress)
{
	int ret = c->v6 ? icmp_error6_any(c, pkt, ingress) : icmp_error4_any(c, pkt, ingress);

	if (ret != WF_ICMPX)
		return ret;
	if (c->v6)
		return c->xdp ? icmpx_6to4_xdp(ctx_xdp(c), pkt) :
				icmpx_6to4_tc(ctx_skb(c), pkt, ingress);
	return c->xdp ? icmpx_4to6_xdp(ctx_xdp(c), pkt) : icmpx_4to6_tc(ctx_skb(c), pkt, ingress);
}

#endif
