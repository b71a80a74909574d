/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ICMPv6 errors about translated flows: icmp.h's rules for IPv4 (the
 * quote's tuple reversed is the key of the entry whose packets travel where
 * the error must go; the quote is written back to what its sender sent, the
 * error goes to that sender and takes that entry's path), with IPv6's
 * checksum rules: no IP header checksum, and the ICMPv6 checksum covers a
 * pseudo header of the outer addresses (RFC 4443 2.3), so it takes the
 * outer and the inner changes alike. Destination unreachable, packet too
 * big (the PMTU of a translated flow), time exceeded and parameter problem;
 * everything else (ND, RA, MLD, echo) never gets here (pkt_parse6).
 *
 * skb->csum (tc, CHECKSUM_COMPLETE) stays valid: what the outer addresses
 * add to the packet's sum the ICMPv6 checksum takes away. The hop limit,
 * which no checksum covers, changes only on packets we send (XDP_TX, tc
 * redirect to egress), which nothing verifies against skb->csum.
 */
#ifndef WF_LIB_ICMP6_H
#define WF_LIB_ICMP6_H

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
#include "lib/nat.h"
#include "lib/icmp.h"

/* The packet an ICMPv6 error quotes. */
struct icmp6_quote {
	struct wf_ct6_key key;	/* its tuple reversed (the other direction's entry) */
	__u32 ip_off;		/* inner IPv6 header */
	__u32 l4_off;		/* inner TCP/UDP header */
	__u32 l4_len;		/* bytes of it the quote holds (>= 4) */
};

/*
 * The inner packet's extension headers, walked as pkt_walk6() walks the
 * outer ones but by loads (the quote may lie past what the parser made
 * linear). Its L4 offset in *@off, -1 when it is not TCP/UDP or not a
 * first fragment.
 */
static __always_inline int icmp_walk6(const struct wf_ctx *c, __u8 nh, __u32 *off, __u32 end)
{
	__u32 o = *off;
	__u8 h[4];
	int i;

	for (i = 0; i < WF_IP6_EXT_MAX; i++) {
		if (nh == WF_IPPROTO_TCP || nh == WF_IPPROTO_UDP)
			break;
		if (nh != WF_IP6_HOPOPTS && nh != WF_IP6_ROUTING && nh != WF_IP6_DSTOPTS &&
		    nh != WF_IP6_FRAGMENT)
			return -1;
		if (o + sizeof(h) > end || ctx_load_bytes(c, icmp_off(o), h, sizeof(h)))
			return -1;
		if (nh == WF_IP6_FRAGMENT) {
			if (((__u32)h[2] << 8 | h[3]) & WF_IP6_FRAG_OFFMASK)
				return -1;
			o += WF_IP6_FRAG_HLEN;
		} else {
			o += ((__u32)h[1] + 1) * 8;
		}
		nh = h[0];
		if (o > WF_CTX_MAX_OFF)
			return -1;
	}
	if (nh != WF_IPPROTO_TCP && nh != WF_IPPROTO_UDP)
		return -1;
	*off = o;
	return nh;
}

/* icmp_quote4() for ICMPv6 error @pkt (pkt_parse6 checked the type). */
static __always_inline int icmp_quote6(const struct wf_ctx *c, const struct wf_pkt *pkt,
				       struct icmp6_quote *q)
{
	__u32 icmp_len = pkt->len - (pkt->l4_off - WF_ETH_HLEN), end, off;
	struct ipv6hdr ih;
	__be16 ports[2];
	int proto;

	if (icmp_len < WF_ICMP_HLEN + WF_IP6_HLEN + 4)
		return -1;
	q->ip_off = icmp_off(pkt->l4_off + WF_ICMP_HLEN);
	if (ctx_load_bytes(c, q->ip_off, &ih, sizeof(ih)) || ih.version != 6)
		return -1;
	end = pkt->l4_off + icmp_len;
	off = q->ip_off + WF_IP6_HLEN;
	proto = icmp_walk6(c, ih.nexthdr, &off, end);
	if (proto < 0 || off + 4 > end)
		return -1;
	q->l4_off = icmp_off(off);
	q->l4_len = end - off;
	if (ctx_load_bytes(c, q->l4_off, ports, sizeof(ports)))
		return -1;
	__builtin_memcpy(q->key.saddr, &ih.daddr, 16);
	__builtin_memcpy(q->key.daddr, &ih.saddr, 16);
	q->key.sport = ports[1];
	q->key.dport = ports[0];
	q->key.proto = proto;
	q->key.pad[0] = 0;
	q->key.pad[1] = 0;
	q->key.pad[2] = 0;
	return 0;
}

/* The quote's L4 checksum, updated by @diff (when the quote holds it):
 * the change to the ICMPv6 checksum added to *@idiff. */
static __always_inline int icmp_inner_csum6(const struct wf_ctx *c, const struct icmp6_quote *q,
					    __u64 diff, __u64 *idiff)
{
	bool udp = q->key.proto == WF_IPPROTO_UDP;
	__u32 csum_off = 0;
	__u16 sum, nsum;

	if (!udp && q->l4_len >= WF_OFF(struct tcphdr, check) + 2)
		csum_off = icmp_off(q->l4_off + WF_OFF(struct tcphdr, check));
	else if (udp)
		csum_off = icmp_off(q->l4_off + WF_OFF(struct udphdr, check));
	if (!csum_off)
		return 0;
	if (ctx_load_bytes(c, csum_off, &sum, sizeof(sum)))
		return -1;
	if (udp && !sum)
		return 0;
	nsum = csum_apply(sum, diff);
	if (udp && !nsum)
		nsum = WF_CSUM_MANGLED_0;
	*idiff = icmp_diff16(*idiff, sum, nsum);
	return ctx_store_bytes(c, csum_off, &nsum, sizeof(nsum));
}

/* The address pairs icmp_xlate6() rewrites: per-CPU scratch, off the
 * frame (the chain entry point -> icmp_error6 -> icmp_xlate6 would not fit
 * 512 bytes in tc). */
struct wf_icmp6_scratch {
	__be32 in[8];		/* the quote's saddr, daddr */
	__be32 out[8];		/* the error's */
	__be32 nout[8];		/* the error's new ones */
	struct icmp6_quote q;	/* icmp_error6(): off its frame too */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wf_icmp6_scratch);
} wf_icmp6_scratch SEC(".maps");

/* icmp_xlate4() for ICMPv6: quote @q of @pkt per entry @v. */
static __always_inline int icmp_xlate6(const struct wf_ctx *c, const struct wf_pkt *pkt,
				       const struct icmp6_quote *q, const struct wf_ct_val *v)
{
	const struct wf_ct6_val *w = ct6(v);
	bool tx = v->flags & WF_CT_F_TX;
	struct wf_icmp6_scratch *sc;
	__be32 *in, *out, *nout;
	__u32 ports, nports, zero = 0;
	__u64 adiff, idiff = 0, odiff;
	__u16 sum, nsum;
	__u8 hl;

	if (q->l4_len < WF_ICMP_QUOTE_MIN)
		return -WF_DROP_ICMP_SHORT;
	if (tx && pkt->ttl <= 1)
		return -WF_DROP_TTL;
	sc = bpf_map_lookup_elem(&wf_icmp6_scratch, &zero);
	if (!sc)
		return WF_PASS;
	in = sc->in;
	out = sc->out;
	nout = sc->nout;
	if (ctx_load_bytes(c, WF_IP6_SADDR_OFF, out, sizeof(sc->out)) ||
	    ctx_load_bytes(c, q->ip_off + WF_OFF(struct ipv6hdr, saddr), in, sizeof(sc->in)) ||
	    ctx_load_bytes(c, q->l4_off, &ports, sizeof(ports)))
		return -WF_DROP_MALFORMED;

	/* Inner: ndaddr:ndport -> nsaddr:nsport. */
	adiff = csum_diff_addr6(csum_diff_addr6(0, in, w->ndaddr), in + 4, w->nsaddr);
	__builtin_memcpy((__u8 *)&nports, &v->ndport, 2);
	__builtin_memcpy((__u8 *)&nports + 2, &v->nsport, 2);
	adiff = csum_diff32(adiff, ports, nports);
	if (icmp_inner_csum6(c, q, adiff, &idiff))
		return -WF_DROP_MALFORMED;

	/* Outer: to Q's sender, from the address it knows (icmp.h). */
	if (!addr6_eq(w->nsaddr, in + 4))
		__builtin_memcpy(nout, w->nsaddr, 16);
	else
		__builtin_memcpy(nout, out, 16);
	__builtin_memcpy(nout + 4, w->ndaddr, 16);
	odiff = csum_diff_addr6(csum_diff_addr6(0, out, nout), out + 4, nout + 4);

	if (ctx_load_bytes(c, icmp_off(pkt->l4_off + 2), &sum, sizeof(sum)))
		return -WF_DROP_MALFORMED;
	nsum = csum_apply(sum, odiff + adiff + idiff);
	hl = pkt->ttl - 1;
	if (ctx_store_bytes(c, icmp_off(pkt->l4_off + 2), &nsum, sizeof(nsum)) ||
	    ctx_store_bytes(c, q->l4_off, &nports, sizeof(nports)) ||
	    ctx_store_bytes(c, q->ip_off + WF_OFF(struct ipv6hdr, saddr), w->ndaddr, 16) ||
	    ctx_store_bytes(c, q->ip_off + WF_OFF(struct ipv6hdr, daddr), w->nsaddr, 16) ||
	    ctx_store_bytes(c, WF_IP6_SADDR_OFF, nout, sizeof(sc->nout)) ||
	    (tx && ctx_store_bytes(c, WF_IP6_HOPLIMIT_OFF, &hl, 1)))
		return -WF_DROP_MALFORMED;
	stats_inc(WF_EV_ICMP_TRANSLATED);
	if (!tx)
		return WF_PASS;
	if (nat_set_macs(c, v))
		return -WF_DROP_MALFORMED;
	return WF_TX;
}

/* icmp_error4() for ICMPv6: the same ownership of entries by hook. */
static __always_inline int icmp_error6(const struct wf_ctx *c, const struct wf_pkt *pkt,
				       bool ingress)
{
	struct wf_icmp6_scratch *sc;
	struct icmp6_quote *q;
	struct wf_ct_val *v;
	__u32 zero = 0;

	sc = bpf_map_lookup_elem(&wf_icmp6_scratch, &zero);
	if (!sc)
		return WF_PASS;
	q = &sc->q;
	if (icmp_quote6(c, pkt, q))
		return WF_PASS;
	v = ct_lookup(true, &q->key, wf_now());
	if (!v || !icmp_hook_owns(v, ingress))
		return WF_PASS;
	/* about a v4tov6/v6tov4 flow: icmpx.h, the quote left in the scratch */
	if (v->xfam)
		return WF_ICMPX;
	return icmp_xlate6(c, pkt, q, v);
}

/* Out of line, once per program type, as icmp_error4_xdp/tc. */
static __noinline int icmp_error6_xdp(struct xdp_md *ctx, const struct wf_pkt *pkt)
{
	struct wf_ctx c = { .ctx = ctx, .xdp = true, .v6 = true };

	return icmp_error6(&c, pkt, true);
}

static __noinline int icmp_error6_tc(struct __sk_buff *skb, const struct wf_pkt *pkt,
				     bool ingress)
{
	struct wf_ctx c = { .ctx = skb, .xdp = false, .v6 = true };

	return icmp_error6(&c, pkt, ingress);
}

static __always_inline int icmp_error6_any(const struct wf_ctx *c, const struct wf_pkt *pkt,
					   bool ingress)
{
	if (c->xdp)
		return icmp_error6_xdp(ctx_xdp(c), pkt);
	return icmp_error6_tc(ctx_skb(c), pkt, ingress);
}

/*
 * ---- Time exceeded for hop limit 1 on one-arm paths (icmp_ttl_reply4()
 * for IPv6). A packet we would send on with XDP_TX (either direction) with
 * hop limit <= 1 is answered as a router answers (RFC 4443 3.3): ICMPv6
 * time exceeded, code 0, from @vm6 to its sender, quoting as much of it
 * as fits in the minimum MTU (1280 bytes: 1232 of the packet), out of
 * IFACE towards the MAC it came from, under icmp.h's rate limit (one
 * bucket for both families) and counted `icmp_ttl_sent`. The frame grows
 * by the 48 bytes of the new IPv6 and ICMPv6 headers in front of the
 * packet (which becomes the quote as it is) and is cut after the quote;
 * the ICMPv6 checksum sums the quote (variable length: icmp6_sum()). Not
 * answered (dropped, `ttl`): GSO skbs, pseudo-header-only checksums (a
 * local sender's CHECKSUM_PARTIAL skb: icmp_csum_partial4()'s reason),
 * @vm6 unknown, a source that is not one node's (unspecified, loopback,
 * multicast, IPv4-mapped: RFC 4443 2.4 e), a frame we cannot resize, and
 * beyond the rate limit.
 */
#define WF_ICMP6_TTL_HL		64	/* Linux's default hop limit */
#define WF_IP6_MIN_MTU		1280
#define WF_ICMP6_QUOTE_MAX	(WF_IP6_MIN_MTU - WF_IP6_HLEN - WF_ICMP_HLEN)	/* 1232 */
#define WF_ICMP6_TIME_EXCEEDED	3

/* The headers in front of the quote. */
struct icmp6_ttl_hdr {
	struct ipv6hdr ip;
	__u8 icmp[WF_ICMP_HLEN];
};
_Static_assert(sizeof(struct icmp6_ttl_hdr) == 48, "icmp6_ttl_hdr layout");

/* The pseudo header of RFC 8200 8.1, summed with the message. */
struct icmp6_pseudo {
	__be32 saddr[4];
	__be32 daddr[4];
	__be32 len;
	__be32 nh;
};

/* One node's address: not ::, ::1, ff00::/8 or ::ffff:0:0/96. */
static __always_inline bool icmp_unicast6(const __be32 *a)
{
	if ((a[0] & bpf_htonl(0xff000000)) == bpf_htonl(0xff000000))
		return false;
	if (a[0] | a[1])
		return true;
	if (a[2] == bpf_htonl(0xffff))
		return false;
	return a[2] || (a[3] && a[3] != bpf_htonl(1));
}

/* icmp_csum_partial4() for IPv6: the pseudo header has 16-byte addresses. */
static __always_inline bool icmp_csum_partial6(const struct wf_ctx *c, const struct wf_pkt *pkt)
{
	const struct wf_ct6_key *t = &pkt->tuple6;
	__u32 l4len = pkt->len - (pkt->l4_off - WF_ETH_HLEN);
	__u64 s = bpf_htons(pkt->tuple.proto) + bpf_htons(l4len);
	__u16 sum;
	int i;

	if (ctx_load_bytes(c, icmp_off(pkt_l4_csum_off(pkt)), &sum, sizeof(sum)))
		return true;
#pragma unroll
	for (i = 0; i < 4; i++)
		s += (t->saddr[i] & 0xffff) + (t->saddr[i] >> 16) + (t->daddr[i] & 0xffff) +
		     (t->daddr[i] >> 16);
	return sum == csum_fold16(s);
}

/*
 * bpf_csum_diff()'s sum (seeded with @seed) of the @len bytes at @off,
 * @len <= WF_ICMP6_QUOTE_MAX + WF_ICMP_HLEN: copied by chunks into the
 * per-CPU scratch (the frame may be non-linear in tc), the last one
 * zero-padded to a word (RFC 1071). Every chunk but the last is 512 bytes,
 * so all start at even offsets and the words line up. -1 on failure.
 */
static __always_inline long icmp6_sum(const struct wf_ctx *c, __u32 off, __u32 len, long seed)
{
	struct wf_csum_tail *t;
	__u32 zero = 0, n, w;
	long s = seed;
	int i;

	t = bpf_map_lookup_elem(&wf_csum_scratch, &zero);
	if (!t)
		return -1;
	for (i = 0; i < 3; i++) {
		if (!len)
			break;
		n = len < WF_CSUM_CHUNK ? len : WF_CSUM_CHUNK;
		/* (the verifier lost the bound in the loop) */
		if (n < 1 || n > WF_CSUM_CHUNK)
			return -1;
		if (c->xdp ? bpf_xdp_load_bytes(ctx_xdp(c), off, t->b, n) :
			     bpf_skb_load_bytes(ctx_skb(c), off, t->b, n))
			return -1;
		/* n <= 512: all three within the 516 bytes */
		t->b[n] = 0;
		t->b[n + 1] = 0;
		t->b[n + 2] = 0;
		w = (n + 3) & ~3u;
		if (w < 4 || w > WF_CSUM_CHUNK)
			return -1;
		s = bpf_csum_diff(NULL, 0, (void *)t->b, w, s);
		if (s < 0)
			return -1;
		off += n;
		len -= n;
	}
	return len ? -1 : s;
}

static __always_inline int icmp_ttl_reply6(const struct wf_ctx *c, const struct wf_pkt *pkt)
{
	__u8 macs[2 * WF_ETH_ALEN], nmacs[2 * WF_ETH_ALEN + 2];
	struct icmp6_ttl_hdr h = {};
	struct icmp6_pseudo ph = {};
	struct wf_info *info;
	__u32 zero = 0, q, mlen;
	__u16 sum;
	long s;
	int i;

	if (ctx_segs(c) > 1 || !icmp_unicast6(pkt->tuple6.saddr) || icmp_csum_partial6(c, pkt) ||
	    !icmp_ttl_allow())
		return -WF_DROP_TTL;
	info = bpf_map_lookup_elem(&wf_info, &zero);
	if (!info || addr6_zero(info->vm6))
		return -WF_DROP_TTL;
	if (ctx_load_bytes(c, 0, macs, sizeof(macs)))
		return -WF_DROP_MALFORMED;
	q = pkt->len < WF_ICMP6_QUOTE_MAX ? pkt->len : WF_ICMP6_QUOTE_MAX;
	mlen = WF_ICMP_HLEN + q;

	/* Room for the headers between the Ethernet header and the packet,
	 * then the frame cut after the quote (Ethernet padding too). */
	if (c->xdp) {
		if (bpf_xdp_adjust_head(ctx_xdp(c), -(int)sizeof(h)) ||
		    bpf_xdp_adjust_tail(ctx_xdp(c), (int)(WF_ETH_HLEN + sizeof(h.ip) + mlen) -
						 (int)(ctx_data_end(c) - ctx_data(c))))
			return -WF_DROP_TTL;
	} else if (bpf_skb_adjust_room(ctx_skb(c), sizeof(h), BPF_ADJ_ROOM_MAC, 0) ||
		   bpf_skb_change_tail(ctx_skb(c), WF_ETH_HLEN + sizeof(h.ip) + mlen, 0)) {
		return -WF_DROP_TTL;
	}

	h.ip.version = 6;
	h.ip.payload_len = bpf_htons(mlen);
	h.ip.nexthdr = WF_IPPROTO_ICMPV6;
	h.ip.hop_limit = WF_ICMP6_TTL_HL;
	__builtin_memcpy(&h.ip.saddr, info->vm6, 16);
	__builtin_memcpy(&h.ip.daddr, pkt->tuple6.saddr, 16);
	h.icmp[0] = WF_ICMP6_TIME_EXCEEDED;	/* code 0: hop limit exceeded in transit */
#pragma unroll
	for (i = 0; i < WF_ETH_ALEN; i++) {
		nmacs[i] = macs[WF_ETH_ALEN + i];
		nmacs[WF_ETH_ALEN + i] = macs[i];
	}
	/* the ethertype too: XDP's new head starts before the old header */
	nmacs[2 * WF_ETH_ALEN] = WF_ETH_P_IPV6 >> 8;
	nmacs[2 * WF_ETH_ALEN + 1] = WF_ETH_P_IPV6 & 0xff;
	if (ctx_store_bytes(c, 0, nmacs, sizeof(nmacs)) ||
	    ctx_store_bytes(c, WF_ETH_HLEN, &h, sizeof(h)))
		return -WF_DROP_MALFORMED;

	__builtin_memcpy(ph.saddr, info->vm6, 16);
	__builtin_memcpy(ph.daddr, pkt->tuple6.saddr, 16);
	ph.len = bpf_htonl(mlen);
	ph.nh = bpf_htonl(WF_IPPROTO_ICMPV6);
	s = bpf_csum_diff(NULL, 0, (void *)&ph, sizeof(ph), 0);
	if (s < 0)
		return -WF_DROP_MALFORMED;
	s = icmp6_sum(c, WF_ETH_HLEN + sizeof(h.ip), mlen, s);
	if (s < 0)
		return -WF_DROP_MALFORMED;
	sum = (__u16)~csum_fold16((__u32)s);
	if (ctx_store_bytes(c, WF_ETH_HLEN + sizeof(h.ip) + 2, &sum, sizeof(sum)))
		return -WF_DROP_MALFORMED;
	stats_inc(WF_EV_ICMP_TTL_SENT);
	return WF_TX;
}

/* Out of line, once per program type, as icmp_ttl_reply4_xdp/tc. */
static __noinline int icmp_ttl_reply6_xdp(struct xdp_md *ctx, const struct wf_pkt *pkt)
{
	struct wf_ctx c = { .ctx = ctx, .xdp = true, .v6 = true };

	return icmp_ttl_reply6(&c, pkt);
}

static __noinline int icmp_ttl_reply6_tc(struct __sk_buff *skb, const struct wf_pkt *pkt)
{
	struct wf_ctx c = { .ctx = skb, .xdp = false, .v6 = true };

	return icmp_ttl_reply6(&c, pkt);
}

static __always_inline int icmp_ttl_reply6_any(const struct wf_ctx *c, const struct wf_pkt *pkt)
{
	if (c->xdp)
		return icmp_ttl_reply6_xdp(ctx_xdp(c), pkt);
	return icmp_ttl_reply6_tc(ctx_skb(c), pkt);
}

#endif
