/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ICMPv4 errors about translated flows (design.md "ICMP errors"), and the
 * time exceeded we owe a sender whose one-arm packet we would forward with
 * TTL 1.
 *
 * An error (destination unreachable, time exceeded, parameter problem)
 * quotes a packet Q that left the VM translated. Q's tuple reversed is the
 * key of the entry E of the flow's other direction, the one whose packets
 * travel where the error must go: E's value says Q was first sent from
 * E.ndaddr:ndport to E.nsaddr:nsport. So the quote is written back to that,
 * the error goes to E.ndaddr (Q's original sender), from E.nsaddr when E
 * rewrites the source (else its source stays, a router's included), and it
 * takes E's path: XDP_TX with E's MACs for one-arm flows, the stack for
 * the others. RFC 5508 4.3: the
 * inner L4 checksum is updated when the quote holds it and left alone when
 * it does not; nf_nat_icmp_reply_translation() does the same.
 *
 * All changes are loaded, computed and stored here (no checksum helpers):
 * every byte changed is inside the outer IP header or the ICMP message,
 * each under its own checksum, so tc's skb->csum (CHECKSUM_COMPLETE) stays
 * valid, and ICMP is never CHECKSUM_PARTIAL.
 */
#ifndef WF_LIB_ICMP_H
#define WF_LIB_ICMP_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "wslfwd.h"
#include "lib/config.h"
#include "lib/clock.h"
#include "lib/maps.h"
#include "lib/ctx.h"
#include "lib/csum.h"
#include "lib/parse.h"
#include "lib/counters.h"
#include "lib/conntrack.h"
#include "lib/nat.h"

#define WF_ICMP_DEST_UNREACH	3
#define WF_ICMP_TIME_EXCEEDED	11
#define WF_ICMP_PARAMETERPROB	12
#define WF_ICMP_HLEN		8
/* RFC 792's minimum quote: the IP header and 64 bits of the datagram. */
#define WF_ICMP_QUOTE_MIN	8

/*
 * An offset made opaque to clang: otherwise it folds ctx_ptr()'s bound
 * check of l4_off + 8 into one of l4_off and adds 8 to a copy the verifier
 * knows no bound of ("R3 offset is outside of the packet").
 */
static __always_inline __u32 icmp_off(__u32 off)
{
	asm volatile("" : "+r"(off));
	return off;
}

/* The packet an ICMP error quotes. */
struct icmp_quote {
	struct wf_ct_key key;	/* its tuple reversed (the other direction's entry) */
	__u32 ip_off;		/* inner IPv4 header */
	__u32 l4_off;		/* inner TCP/UDP header */
	__u32 l4_len;		/* bytes of it the quote holds (>= 4) */
};

/*
 * Find the quote of ICMP error @pkt. -1: not an error, or its quote names
 * no flow (no ports, a non-first fragment, not TCP/UDP, a broken inner
 * header): it passes untouched; such a quote cannot be tied to a flow, and
 * the stack ignores it (icmp_socket_deliver() wants ihl + 8 bytes).
 */
static __always_inline int icmp_quote4(const struct wf_ctx *c, const struct wf_pkt *pkt,
				       struct icmp_quote *q)
{
	__u32 icmp_len = pkt->len - (pkt->l4_off - WF_ETH_HLEN), ihl;
	__be16 ports[2];
	struct iphdr ih;
	__u8 type;

	if (icmp_len < WF_ICMP_HLEN + WF_IP4_HLEN + 4)
		return -1;
	if (ctx_load_bytes(c, pkt->l4_off, &type, 1))
		return -1;
	if (type != WF_ICMP_DEST_UNREACH && type != WF_ICMP_TIME_EXCEEDED &&
	    type != WF_ICMP_PARAMETERPROB)
		return -1;
	q->ip_off = icmp_off(pkt->l4_off + WF_ICMP_HLEN);
	if (ctx_load_bytes(c, q->ip_off, &ih, sizeof(ih)))
		return -1;
	ihl = ih.ihl * 4;
	if (ih.version != 4 || ihl < sizeof(ih) || icmp_len < WF_ICMP_HLEN + ihl + 4)
		return -1;
	if (ih.protocol != WF_IPPROTO_TCP && ih.protocol != WF_IPPROTO_UDP)
		return -1;
	if (bpf_ntohs(ih.frag_off) & WF_IP_OFFMASK)
		return -1;
	q->l4_off = icmp_off(q->ip_off + ihl);
	q->l4_len = icmp_len - WF_ICMP_HLEN - ihl;
	if (ctx_load_bytes(c, q->l4_off, ports, sizeof(ports)))
		return -1;
	q->key.saddr = ih.daddr;
	q->key.daddr = ih.saddr;
	q->key.sport = ports[1];
	q->key.dport = ports[0];
	q->key.proto = ih.protocol;
	q->key.pad[0] = 0;
	q->key.pad[1] = 0;
	q->key.pad[2] = 0;
	return 0;
}

/* The diff of 16-bit field @from -> @to, for the checksum over it. */
static __always_inline __u64 icmp_diff16(__u64 diff, __u16 from, __u16 to)
{
	return csum_diff32(diff, from, to);
}

/*
 * Write quote @q of @pkt back to what its sender sent, per entry @v (see
 * the top of the file), and the outer header to reach that sender.
 */
static __always_inline int icmp_xlate4(const struct wf_ctx *c, const struct wf_pkt *pkt,
				       const struct icmp_quote *q, const struct wf_ct_val *v)
{
	bool tx = v->flags & WF_CT_F_TX;
	bool udp = q->key.proto == WF_IPPROTO_UDP;
	__u64 adiff, pdiff, idiff, odiff;
	__u32 ports, nports, csum_off = 0;
	__u16 sum, nsum, w, nw;
	struct iphdr oh, ih;
	__be32 nsaddr;

	/* Shorter than RFC 792 asks: the sender's stack would drop it. */
	if (q->l4_len < WF_ICMP_QUOTE_MIN)
		return -WF_DROP_ICMP_SHORT;
	/* We forward it ourselves; never an ICMP error about one. */
	if (tx && pkt->ttl <= 1)
		return -WF_DROP_TTL;
	if (ctx_load_bytes(c, WF_ETH_HLEN, &oh, sizeof(oh)) ||
	    ctx_load_bytes(c, q->ip_off, &ih, sizeof(ih)) ||
	    ctx_load_bytes(c, q->l4_off, &ports, sizeof(ports)))
		return -WF_DROP_MALFORMED;

	/* Inner: ndaddr:ndport -> nsaddr:nsport. */
	adiff = csum_diff32(csum_diff32(0, ih.saddr, v->ndaddr), ih.daddr, v->nsaddr);
	__builtin_memcpy((__u8 *)&nports, &v->ndport, 2);
	__builtin_memcpy((__u8 *)&nports + 2, &v->nsport, 2);
	pdiff = csum_diff32(0, ports, nports);
	/* The error passes the NAT like a packet of E: where E rewrites the
	 * source, Q's sender knows only that address (SNAT's @vm, LADDR in
	 * front of a target): the error comes from it, whoever sent it. */
	nsaddr = v->nsaddr != ih.daddr ? v->nsaddr : oh.saddr;
	ih.saddr = v->ndaddr;
	ih.daddr = v->nsaddr;
	nsum = csum_apply(ih.check, adiff);
	idiff = icmp_diff16(adiff + pdiff, ih.check, nsum);
	ih.check = nsum;

	if (!udp && q->l4_len >= WF_OFF(struct tcphdr, check) + 2)
		csum_off = icmp_off(q->l4_off + WF_OFF(struct tcphdr, check));
	else if (udp)
		csum_off = icmp_off(q->l4_off + WF_OFF(struct udphdr, check));
	if (csum_off) {
		if (ctx_load_bytes(c, csum_off, &sum, sizeof(sum)))
			return -WF_DROP_MALFORMED;
		/* A UDP checksum of 0 (none) stays 0. */
		if (!udp || sum) {
			nsum = csum_apply(sum, adiff + pdiff);
			if (udp && !nsum)
				nsum = WF_CSUM_MANGLED_0;
			idiff = icmp_diff16(idiff, sum, nsum);
			if (ctx_store_bytes(c, csum_off, &nsum, sizeof(nsum)))
				return -WF_DROP_MALFORMED;
		}
	}

	/* Outer: to Q's sender, TTL-1 when we send it ourselves. */
	odiff = csum_diff32(csum_diff32(0, oh.saddr, nsaddr), oh.daddr, v->ndaddr);
	if (tx) {
		__builtin_memcpy(&w, &oh.ttl, 2);	/* ttl, protocol */
		oh.ttl--;
		__builtin_memcpy(&nw, &oh.ttl, 2);
		odiff = icmp_diff16(odiff, w, nw);
	}
	oh.saddr = nsaddr;
	oh.daddr = v->ndaddr;
	oh.check = csum_apply(oh.check, odiff);

	if (ctx_load_bytes(c, icmp_off(pkt->l4_off + 2), &sum, sizeof(sum)))
		return -WF_DROP_MALFORMED;
	nsum = csum_apply(sum, idiff);
	if (ctx_store_bytes(c, icmp_off(pkt->l4_off + 2), &nsum, sizeof(nsum)) ||
	    ctx_store_bytes(c, q->l4_off, &nports, sizeof(nports)) ||
	    ctx_store_bytes(c, q->ip_off, &ih, sizeof(ih)) ||
	    ctx_store_bytes(c, WF_ETH_HLEN, &oh, sizeof(oh)))
		return -WF_DROP_MALFORMED;
	stats_inc(WF_EV_ICMP_TRANSLATED);
	if (!tx)
		return WF_PASS;
	if (nat_set_macs(c, v))
		return -WF_DROP_MALFORMED;
	return WF_TX;
}

/*
 * ICMP packet @pkt at ingress (arrived on IFACE) or tc egress (made or
 * forwarded by the VM). Ingress owns the entries fwd_ingress() applies
 * (client-side ORIG entries, one-arm REPLY entries), egress the LOCAL and
 * BEHIND REPLY entries; an error about any other flow passes untouched.
 */
static __always_inline bool icmp_hook_owns(const struct wf_ct_val *v, bool ingress)
{
	return ingress ? v->dir == WF_DIR_ORIG || v->kind == WF_KIND_ONEARM :
			 v->dir == WF_DIR_REPLY && v->kind != WF_KIND_ONEARM;
}

/* Not a verdict: the error is about no flow of one family, maybe about a
 * v4tov6/v6tov4 one; the entry point asks icmpx.h (in a call chain of its
 * own: icmp_error + icmpx on top of the entry's frame went past 512 bytes). */
#define WF_ICMPX	0x7ff0

static __always_inline int icmp_error4(const struct wf_ctx *c, const struct wf_pkt *pkt,
				       bool ingress)
{
	struct icmp_quote q;
	struct wf_ct_val *v;

	if (icmp_quote4(c, pkt, &q))
		return WF_PASS;
	v = ct_lookup(false, &q.key, wf_now());
	if (!v)
		return WF_ICMPX;
	if (!icmp_hook_owns(v, ingress))
		return WF_PASS;
	return icmp_xlate4(c, pkt, &q, v);
}

/*
 * Does the L4 checksum of TCP/UDP packet @pkt hold only the pseudo-header
 * sum (a local sender's CHECKSUM_PARTIAL skb, see TESTBED.md)? Such an skb
 * keeps csum_start/csum_offset: turned into an ICMP message and sent, the
 * kernel or a NIC would fill a checksum at the old offset, inside our quote.
 */
static __always_inline bool icmp_csum_partial4(const struct wf_ctx *c, const struct wf_pkt *pkt)
{
	const struct wf_ct_key *t = &pkt->tuple;
	__u32 l4len = pkt->len - (pkt->l4_off - WF_ETH_HLEN);
	__u64 s;
	__u16 sum;

	if (ctx_load_bytes(c, icmp_off(pkt_l4_csum_off(pkt)), &sum, sizeof(sum)))
		return true;
	s = (t->saddr & 0xffff) + (t->saddr >> 16) + (t->daddr & 0xffff) + (t->daddr >> 16) +
	    bpf_htons(t->proto) + bpf_htons(l4len);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return sum == (__u16)s;
}

/* The time exceeded we send: IP, ICMP, the received IP header + 8 bytes. */
struct icmp_ttl_msg {
	struct iphdr ip;
	__u8 icmp[WF_ICMP_HLEN];
	__u8 quote[WF_IP4_HLEN + WF_ICMP_QUOTE_MIN];
};
_Static_assert(sizeof(struct icmp_ttl_msg) == 56, "icmp_ttl_msg layout");

/* One's complement sum of @len bytes (a multiple of 2) at @p, folded. */
static __always_inline __u16 icmp_csum_fold(const void *p, __u32 len)
{
	const __u16 *w = p;
	__u32 s = 0;
	int i;

#pragma unroll
	for (i = 0; i < len / 2; i++)
		s += w[i];
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/*
 * Time exceeded answers are rate-limited like Linux's own ICMP errors
 * (icmp_global_allow: net.ipv4.icmp_msgs_per_sec 1000, burst 50; RFC 1812
 * 4.3.2.8), so TTL 1 floods cannot turn the VM into a reflector. One word
 * for all CPUs (a GCRA: the time the bucket runs dry), updated without a
 * lock: a race lets one more through, never blocks one. .bss: not pinned,
 * a reload starts with a full bucket.
 */
#define WF_ICMP_RATE_NS		(WF_NSEC_PER_SEC / 1000)	/* 1000 a second */
#define WF_ICMP_BURST		50
__u64 wf_icmp_tat = 0;

static __always_inline bool icmp_ttl_allow(void)
{
	__u64 now = wf_now(), tat = wf_icmp_tat;

	if (tat < now)
		tat = now;
	if (tat - now > WF_ICMP_BURST * WF_ICMP_RATE_NS)
		return false;
	wf_icmp_tat = tat + WF_ICMP_RATE_NS;
	return true;
}

/* A source we may answer: unicast, not 0/8, 127/8, multicast or broadcast. */
static __always_inline bool icmp_unicast4(__be32 a)
{
	__u32 h = bpf_ntohl(a);

	return (h >> 24) != 0 && (h >> 24) != 127 && (h >> 28) < 14;
}

/*
 * A one-arm packet (either direction) we would send on with TTL 1: answer
 * as the router we are, with an ICMP time exceeded from @vm to its sender,
 * quoting its IP header and first 8 bytes as received, back out of IFACE
 * towards the MAC it came from (RFC 1812 4.3.2.3's minimum quote). The
 * stack cannot do it for us: the packet is addressed to one of the VM's own
 * addresses, so the stack would deliver it, not forward it. Not answered
 * (dropped, `ttl`): packets with IP options, GSO skbs, pseudo-header-only
 * checksums (above), frames we cannot resize, @vm unknown, sources that are
 * not unicast, more than the rate limit allows.
 */
/* icmp_ttl_reply4() and icmp_mtu_reply4(): the error @type/@code (with
 * next-hop MTU @mtu, 0 for none) we answer @pkt with; @fail is the reason
 * it is dropped for when it is not answered, @ev counted when it is. */
static __always_inline int icmp_answer4(const struct wf_ctx *c, const struct wf_pkt *pkt,
					__u8 type, __u8 code, __u16 mtu, int fail, int ev)
{
	struct icmp_ttl_msg m = {};
	__u8 macs[2 * WF_ETH_ALEN], nmacs[2 * WF_ETH_ALEN];
	struct wf_info *info;
	__u32 zero = 0;
	__u16 sum;
	int i;

	if ((pkt->flags & WF_PKT_F_OPTIONS) || ctx_segs(c) > 1 ||
	    !icmp_unicast4(pkt->tuple.saddr) || icmp_csum_partial4(c, pkt) || !icmp_ttl_allow())
		return fail;
	info = bpf_map_lookup_elem(&wf_info, &zero);
	if (!info || !info->vm4)
		return fail;
	if (ctx_load_bytes(c, 0, macs, sizeof(macs)) ||
	    ctx_load_bytes(c, WF_ETH_HLEN, m.quote, sizeof(m.quote)))
		return -WF_DROP_MALFORMED;
	/* XDP: Ethernet padding past tot_len, if any, stays padding. */
	if (c->xdp ? bpf_xdp_adjust_tail(ctx_xdp(c), (int)sizeof(m) - (int)pkt->len) :
		     bpf_skb_change_tail(ctx_skb(c), WF_ETH_HLEN + sizeof(m), 0))
		return fail;

	m.ip.version = 4;
	m.ip.ihl = 5;
	m.ip.tos = 0xc0;	/* IPTOS_PREC_INTERNETCONTROL, as Linux sends errors */
	m.ip.tot_len = bpf_htons(sizeof(m));
	/* DF: an atomic datagram, whose ID may be anything (RFC 6864). */
	m.ip.frag_off = bpf_htons(WF_IP_DF);
	m.ip.ttl = 64;
	m.ip.protocol = WF_IPPROTO_ICMP;
	m.ip.saddr = info->vm4;
	m.ip.daddr = pkt->tuple.saddr;
	m.ip.check = icmp_csum_fold(&m.ip, sizeof(m.ip));
	m.icmp[0] = type;
	m.icmp[1] = code;
	m.icmp[6] = mtu >> 8;
	m.icmp[7] = mtu;
	sum = icmp_csum_fold(m.icmp, sizeof(m.icmp) + sizeof(m.quote));
	__builtin_memcpy(&m.icmp[2], &sum, 2);

#pragma unroll
	for (i = 0; i < WF_ETH_ALEN; i++) {
		nmacs[i] = macs[WF_ETH_ALEN + i];
		nmacs[WF_ETH_ALEN + i] = macs[i];
	}
	if (ctx_store_bytes(c, 0, nmacs, sizeof(nmacs)) ||
	    ctx_store_bytes(c, WF_ETH_HLEN, &m, sizeof(m)))
		return -WF_DROP_MALFORMED;
	stats_inc(ev);
	return WF_TX;
}

static __always_inline int icmp_ttl_reply4(const struct wf_ctx *c, const struct wf_pkt *pkt)
{
	/* code 0: TTL exceeded in transit */
	return icmp_answer4(c, pkt, WF_ICMP_TIME_EXCEEDED, 0, 0, -WF_DROP_TTL,
			    WF_EV_ICMP_TTL_SENT);
}

/*
 * An IPv4 packet of a v4tov6/v6tov4 flow that we would send on (one-arm)
 * but that the 20 bytes IPv6 adds make bigger than IFACE's MTU (xlate.h,
 * `xlate_mtu`): with DF set, its sender gets what a router on the path
 * would send, "fragmentation needed" with the MTU that fits as IPv6
 * (IFACE's - 20; RFC 7915 4.1 sends the same), from @vm, by
 * icmp_ttl_reply4()'s rules and rate limit (`icmp_mtu_sent`). Without DF
 * RFC 7915 would fragment: not done, dropped `xlate_mtu`, as the answers
 * icmp_answer4() refuses.
 */
static __always_inline int icmp_mtu_reply4(const struct wf_ctx *c, const struct wf_pkt *pkt)
{
	__u32 mtu = 0;
	__u8 frag;

	if (ctx_load_bytes(c, WF_ETH_HLEN + WF_OFF(struct iphdr, frag_off), &frag, 1) ||
	    !(frag & (WF_IP_DF >> 8)))
		return -WF_DROP_XLATE_MTU;
	/* IFACE's MTU (the helper reports it whatever its verdict) */
	bpf_check_mtu(c->ctx, 0, &mtu, 0, 0);
	/* the answer's MTU, IPv6's header less IPv4's, at least 68 */
	mtu -= WF_IP6_HLEN - WF_IP4_HLEN;
	if (mtu < 68 || mtu > 0xffff)
		return -WF_DROP_XLATE_MTU;
	return icmp_answer4(c, pkt, WF_ICMP_DEST_UNREACH, 4, mtu,
			    -WF_DROP_XLATE_MTU, WF_EV_ICMP_MTU_SENT);
}

/*
 * Out of line, once per program type (the ctx shim needs a literal .xdp):
 * ICMP is rare, and its code stays out of the TCP/UDP path's registers.
 */
static __noinline int icmp_error4_xdp(struct xdp_md *ctx, const struct wf_pkt *pkt)
{
	struct wf_ctx c = { .ctx = ctx, .xdp = true };

	return icmp_error4(&c, pkt, true);
}

static __noinline int icmp_error4_tc(struct __sk_buff *skb, const struct wf_pkt *pkt,
				     bool ingress)
{
	struct wf_ctx c = { .ctx = skb, .xdp = false };

	return icmp_error4(&c, pkt, ingress);
}

static __noinline int icmp_ttl_reply4_xdp(struct xdp_md *ctx, const struct wf_pkt *pkt)
{
	struct wf_ctx c = { .ctx = ctx, .xdp = true };

	return icmp_ttl_reply4(&c, pkt);
}

static __noinline int icmp_ttl_reply4_tc(struct __sk_buff *skb, const struct wf_pkt *pkt)
{
	struct wf_ctx c = { .ctx = skb, .xdp = false };

	return icmp_ttl_reply4(&c, pkt);
}

static __noinline int icmp_mtu_reply4_xdp(struct xdp_md *ctx, const struct wf_pkt *pkt)
{
	struct wf_ctx c = { .ctx = ctx, .xdp = true };

	return icmp_mtu_reply4(&c, pkt);
}

static __noinline int icmp_mtu_reply4_tc(struct __sk_buff *skb, const struct wf_pkt *pkt)
{
	struct wf_ctx c = { .ctx = skb, .xdp = false };

	return icmp_mtu_reply4(&c, pkt);
}

/* The hooks fwd.h calls. */
static __always_inline int icmp_error4_any(const struct wf_ctx *c, const struct wf_pkt *pkt,
					   bool ingress)
{
	if (c->xdp)
		return icmp_error4_xdp(ctx_xdp(c), pkt);
	return icmp_error4_tc(ctx_skb(c), pkt, ingress);
}

static __always_inline int icmp_ttl_reply4_any(const struct wf_ctx *c, const struct wf_pkt *pkt)
{
	if (c->xdp)
		return icmp_ttl_reply4_xdp(ctx_xdp(c), pkt);
	return icmp_ttl_reply4_tc(ctx_skb(c), pkt);
}

static __always_inline int icmp_mtu_reply4_any(const struct wf_ctx *c, const struct wf_pkt *pkt)
{
	if (c->xdp)
		return icmp_mtu_reply4_xdp(ctx_xdp(c), pkt);
	return icmp_mtu_reply4_tc(ctx_skb(c), pkt);
}

#endif
