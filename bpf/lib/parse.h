/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Header parsing, xdp-tutorial style: a cursor and one parse_*() per header,
 * each with its own bounds check, returning the next protocol or -1. Then
 * pkt_parse4() turns a frame into a struct wf_pkt: offsets (never pointers,
 * see ctx.h), the tuple in conntrack-key form, and what the policy needs.
 *
 * Untagged Ethernet only: 802.1Q/802.1ad-tagged frames, priority-tagged
 * (VID 0) ones included, are not ours and pass, in every mode: XDP sees the
 * tag in the frame (a non-IPv4 ethertype), tc in the skb's metadata, where
 * the stack has moved it before tc ingress (design.md "VLAN").
 */
#ifndef WF_LIB_PARSE_H
#define WF_LIB_PARSE_H

#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include "wslfwd.h"
#include "lib/ctx.h"

#define WF_ETH_HLEN	14
#define WF_ETH_ALEN	6
#define WF_ETH_P_IP	0x0800
#define WF_IP_MF	0x2000
#define WF_IP_DF	0x4000
#define WF_IP_OFFMASK	0x1fff
#define WF_IP4_HLEN	20	/* without options */
#define WF_IP4_HLEN_MAX	60
#define WF_TCP_HLEN	20	/* without options */
#define WF_TCP_HLEN_MAX	60
/* The TCP header's byte whose high nibble is doff (a bitfield in tcphdr). */
#define WF_TCP_DOFF_OFF	12
/* The byte after it: the flags, FIN (bit 0) to CWR. */
#define WF_TCP_FLAGS_OFF	13

#define WF_TCP_FIN	0x01
#define WF_TCP_SYN	0x02
#define WF_TCP_RST	0x04
#define WF_TCP_ACK	0x10

/* Ethernet + IPv4 with options + TCP with options: what tc makes linear. */
#define WF_PULL_LEN	(WF_ETH_HLEN + WF_IP4_HLEN_MAX + WF_TCP_HLEN_MAX)

#define WF_ETH_P_IPV6	0x86dd
#define WF_IP6_HLEN	40
#define WF_IPPROTO_ICMPV6	58
/* Extension headers pkt_parse6() walks: at most this many, within this
 * many bytes in all (a constant bound for the verifier). Real stacks send
 * a hop-by-hop or a fragment header, rarely two; a longer chain is passed. */
#define WF_IP6_EXT_MAX	6
#define WF_IP6_EXT_LEN_MAX	256
#define WF_IP6_L4_OFF_MAX	(WF_ETH_HLEN + WF_IP6_HLEN + WF_IP6_EXT_LEN_MAX)
#define WF_PULL_LEN6	(WF_IP6_L4_OFF_MAX + WF_TCP_HLEN_MAX)
/* Extension header types (RFC 8200) and the fragment header's fields. */
#define WF_IP6_HOPOPTS	0
#define WF_IP6_ROUTING	43
#define WF_IP6_FRAGMENT	44
#define WF_IP6_DSTOPTS	60
#define WF_IP6_FRAG_HLEN	8
#define WF_IP6_FRAG_OFFMASK	0xfff8
#define WF_IP6_FRAG_MF	0x0001

struct hdr_cursor {
	void *pos;
};

static __always_inline int parse_ethhdr(struct hdr_cursor *nh, void *data_end,
					struct ethhdr **ethhdr)
{
	struct ethhdr *eth = nh->pos;

	if ((void *)(eth + 1) > data_end)
		return -1;
	nh->pos = eth + 1;
	*ethhdr = eth;
	return eth->h_proto;
}

/* -1: not a well-formed IPv4 header (short, wrong version, ihl < 5). */
static __always_inline int parse_iphdr(struct hdr_cursor *nh, void *data_end,
				       struct iphdr **iphdr)
{
	struct iphdr *iph = nh->pos;
	__u32 hdrsize;

	if ((void *)(iph + 1) > data_end)
		return -1;
	if (iph->version != 4)
		return -1;
	hdrsize = iph->ihl * 4;
	if (hdrsize < sizeof(*iph))
		return -1;
	/* Options are parsed past, not read. hdrsize <= 60 keeps the
	 * variable offset bounded for the verifier. */
	if (nh->pos + hdrsize > data_end)
		return -1;
	nh->pos += hdrsize;
	*iphdr = iph;
	return iph->protocol;
}

/* Returns the header length (with options), -1 if short or doff < 5. */
static __always_inline int parse_tcphdr(struct hdr_cursor *nh, void *data_end,
					struct tcphdr **tcphdr)
{
	struct tcphdr *th = nh->pos;
	__u32 len;

	if ((void *)(th + 1) > data_end)
		return -1;
	len = th->doff * 4;
	if (len < sizeof(*th))
		return -1;
	if (nh->pos + len > data_end)
		return -1;
	nh->pos += len;
	*tcphdr = th;
	return len;
}

static __always_inline int parse_udphdr(struct hdr_cursor *nh, void *data_end,
					struct udphdr **udphdr)
{
	struct udphdr *uh = nh->pos;
	__u32 len;

	if ((void *)(uh + 1) > data_end)
		return -1;
	len = bpf_ntohs(uh->len);
	if (len < sizeof(*uh))
		return -1;
	nh->pos = uh + 1;
	*udphdr = uh;
	return len;
}

enum wf_pkt_flags {
	WF_PKT_F_FIRST_FRAG = 1 << 0,	/* MF set, offset 0 */
	WF_PKT_F_OPTIONS = 1 << 1,	/* IPv4 options present */
	WF_PKT_F_LATER_FRAG = 1 << 2,	/* offset != 0: no L4 header */
	WF_PKT_F_CSUM0 = 1 << 3,	/* UDP checksum 0 (IPv6: invalid) */
};
#define WF_PKT_F_FRAG	(WF_PKT_F_FIRST_FRAG | WF_PKT_F_LATER_FRAG)

/* What a frame is to us. */
enum wf_parse {
	WF_PKT_OK = 0,		/* IPv4 TCP/UDP, pkt filled */
	WF_PKT_SKIP,		/* not ours: pass untouched */
	WF_PKT_MALFORMED,	/* counted, passed untouched (the stack drops it) */
	WF_PKT_FRAG,		/* later fragment: addresses and IP id only (frag.h) */
	WF_PKT_ICMP,		/* ICMP, not a later fragment: pkt's IP part filled (icmp.h) */
	WF_PKT_EXT_CHAIN,	/* IPv6 extension headers past the walk: passed, counted */
};

struct wf_pkt {
	/* As on the wire; also the IPv4 conntrack key. IPv6: its ports and
	 * proto only (addresses 0), the key is tuple6. */
	struct wf_ct_key tuple;
	__be32 seq;		/* TCP: sequence and ACK numbers (0 for UDP) */
	__be32 ack;
	__u16 l4_off;		/* the IPv4 header is at WF_ETH_HLEN */
	__u16 len;		/* IP datagram length (tot_len), for byte counters */
	__u8 tcp_flags;
	__u8 ttl;
	__u8 flags;		/* enum wf_pkt_flags */
	__be16 ipid;		/* fragments: the datagram's IP id */
	__be32 id6;		/* IPv6 fragments: the fragment header's id */
	struct wf_ct6_key tuple6;	/* IPv6 only: the conntrack key */
};

#define WF_IP4_SADDR_OFF	(WF_ETH_HLEN + WF_OFF(struct iphdr, saddr))
#define WF_IP4_CSUM_OFF		(WF_ETH_HLEN + WF_OFF(struct iphdr, check))
#define WF_IP4_TTL_OFF		(WF_ETH_HLEN + WF_OFF(struct iphdr, ttl))

static __always_inline bool addr6_eq(const __be32 *a, const __be32 *b)
{
	return !((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]));
}

/* fe80::/10 */
static __always_inline bool addr6_linklocal(const __be32 *a)
{
	return (a[0] & bpf_htonl(0xffc00000)) == bpf_htonl(0xfe800000);
}

static __always_inline bool addr6_zero(const __be32 *a)
{
	return !(a[0] | a[1] | a[2] | a[3]);
}

#define WF_IP6_SADDR_OFF	(WF_ETH_HLEN + WF_OFF(struct ipv6hdr, saddr))
#define WF_IP6_HOPLIMIT_OFF	(WF_ETH_HLEN + WF_OFF(struct ipv6hdr, hop_limit))

static __always_inline __u32 pkt_l4_csum_off(const struct wf_pkt *pkt)
{
	return pkt->l4_off + (pkt->tuple.proto == WF_IPPROTO_TCP ?
			      WF_OFF(struct tcphdr, check) : WF_OFF(struct udphdr, check));
}

/*
 * Does the IPv4 header (20..60 bytes, bounds-checked by pkt_parse4) sum to
 * 0xffff? Only first packets of mapped flows ask: a SYN the stack is going
 * to drop must not create a connection or take an SNAT port.
 */
static __always_inline bool pkt_ip_csum_ok4(const struct wf_ctx *c)
{
	__u8 *ip = (__u8 *)ctx_data(c) + WF_ETH_HLEN;
	void *end = ctx_data_end(c);
	__u32 sum = 0, hl, i;

	if ((void *)(ip + WF_IP4_HLEN) > end)
		return false;
	hl = (ip[0] & 0xf) * 4;
	for (i = 0; i < WF_IP4_HLEN_MAX; i += 4) {
		if (i >= hl)
			break;
		if ((void *)(ip + i + 4) > end)
			return false;
		sum += *(__u16 *)(ip + i) + *(__u16 *)(ip + i + 2);
	}
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* An ICMP message: only what icmp.h needs, the rest is the quoted packet's. */
static __always_inline int pkt_parse_icmp4(struct wf_pkt *pkt, const struct iphdr *iph,
					   __u32 ihl_len, __u32 tot_len)
{
	pkt->tuple.saddr = iph->saddr;
	pkt->tuple.daddr = iph->daddr;
	pkt->tuple.proto = WF_IPPROTO_ICMP;
	pkt->l4_off = WF_ETH_HLEN + ihl_len;
	pkt->len = tot_len;
	pkt->ttl = iph->ttl;
	pkt->flags = ihl_len > sizeof(*iph) ? WF_PKT_F_OPTIONS : 0;
	pkt->ipid = iph->id;
	return WF_PKT_ICMP;
}

/* The TCP header of a datagram whose L4 part is l4_len bytes. */
static __always_inline int pkt_parse_tcp(struct hdr_cursor *nh, void *data_end,
					 struct wf_pkt *pkt, __u32 l4_len)
{
	struct tcphdr *th;
	int len = parse_tcphdr(nh, data_end, &th);

	if (len < 0 || (__u32)len > l4_len)
		return WF_PKT_MALFORMED;
	pkt->tuple.sport = th->source;
	pkt->tuple.dport = th->dest;
	pkt->seq = th->seq;
	pkt->ack = th->ack_seq;
	pkt->tcp_flags = ((__u8 *)th)[WF_TCP_FLAGS_OFF];
	return WF_PKT_OK;
}

/* The UDP header; more_frags: a first fragment, which does not carry the
 * whole datagram uh->len covers. */
static __always_inline int pkt_parse_udp(struct hdr_cursor *nh, void *data_end,
					 struct wf_pkt *pkt, __u32 l4_len, bool more_frags)
{
	struct udphdr *uh;
	int len = parse_udphdr(nh, data_end, &uh);

	if (len < 0 || sizeof(*uh) > l4_len)
		return WF_PKT_MALFORMED;
	if (!more_frags && (__u32)len > l4_len)
		return WF_PKT_MALFORMED;
	pkt->tuple.sport = uh->source;
	pkt->tuple.dport = uh->dest;
	pkt->seq = 0;
	pkt->ack = 0;
	return WF_PKT_OK;
}

static __always_inline int pkt_parse4(const struct wf_ctx *c, struct wf_pkt *pkt)
{
	struct hdr_cursor nh;
	struct ethhdr *eth;
	struct iphdr *iph;
	void *data_end;
	__u32 ihl_len, tot_len, l4_len, frag;
	int proto;

	if (ctx_vlan_tagged(c))
		return WF_PKT_SKIP;
	ctx_pull(c, WF_PULL_LEN);
	nh.pos = ctx_data(c);
	data_end = ctx_data_end(c);

	if (parse_ethhdr(&nh, data_end, &eth) != bpf_htons(WF_ETH_P_IP))
		return WF_PKT_SKIP;
	proto = parse_iphdr(&nh, data_end, &iph);
	if (proto < 0)
		return WF_PKT_MALFORMED;
	ihl_len = iph->ihl * 4;
	tot_len = bpf_ntohs(iph->tot_len);
	/* Ethernet padding may follow the datagram; a datagram longer than
	 * the frame is truncated. */
	if (tot_len < ihl_len || !ctx_within(c, WF_ETH_HLEN + tot_len))
		return WF_PKT_MALFORMED;
	frag = bpf_ntohs(iph->frag_off);
	if (proto == WF_IPPROTO_ICMP && !(frag & WF_IP_OFFMASK))
		return pkt_parse_icmp4(pkt, iph, ihl_len, tot_len);
	if (proto != WF_IPPROTO_TCP && proto != WF_IPPROTO_UDP)
		return WF_PKT_SKIP;

	/* Every field is set below: no memset of the whole struct. */
	pkt->flags = (frag & WF_IP_MF) ? WF_PKT_F_FIRST_FRAG : 0;
	if (ihl_len > sizeof(*iph))
		pkt->flags |= WF_PKT_F_OPTIONS;
	pkt->ipid = iph->id;
	pkt->tuple.saddr = iph->saddr;
	pkt->tuple.daddr = iph->daddr;
	pkt->tuple.proto = proto;
	pkt->tuple.pad[0] = 0;
	pkt->tuple.pad[1] = 0;
	pkt->tuple.pad[2] = 0;
	pkt->tcp_flags = 0;
	pkt->l4_off = WF_ETH_HLEN + ihl_len;
	pkt->len = tot_len;
	pkt->ttl = iph->ttl;
	l4_len = tot_len - ihl_len;
	if (frag & WF_IP_OFFMASK) {
		/* No ports: frag.h finds the datagram by its IP id. */
		pkt->flags = (pkt->flags & WF_PKT_F_OPTIONS) | WF_PKT_F_LATER_FRAG;
		pkt->tuple.sport = 0;
		pkt->tuple.dport = 0;
		return WF_PKT_FRAG;
	}

	if (proto == WF_IPPROTO_TCP)
		return pkt_parse_tcp(&nh, data_end, pkt, l4_len);
	return pkt_parse_udp(&nh, data_end, pkt, l4_len, frag & WF_IP_MF);
}


/* The extension headers of an IPv6 packet, from @off (after the fixed
 * header) to the L4 header: its protocol in *@nexthdr and offset in *@off,
 * the fragment header's offset/M word in *@frag (0: none) and id in *@id.
 * WF_PKT_OK, WF_PKT_FRAG for a later fragment (*@nexthdr: the protocol of
 * its fragmentable part, whose headers are not there), or what the packet
 * is to us otherwise. A bounded walk: at most
 * WF_IP6_EXT_MAX headers within WF_IP6_EXT_LEN_MAX bytes. */
static __always_inline int pkt_walk6(void *data, void *end, __u32 l3_end, __u8 *nexthdr,
				     __u32 *off, __u32 *frag, __be32 *id)
{
	__u8 nh = *nexthdr, *h;
	__u32 o = *off, len;
	int i;

	*frag = 0;
	for (i = 0; i < WF_IP6_EXT_MAX; i++) {
		if (nh == WF_IPPROTO_TCP || nh == WF_IPPROTO_UDP || nh == WF_IPPROTO_ICMPV6)
			break;
		/* ESP, AH, no next header, anything unknown: not ours */
		if (nh != WF_IP6_HOPOPTS && nh != WF_IP6_ROUTING && nh != WF_IP6_DSTOPTS &&
		    nh != WF_IP6_FRAGMENT)
			return WF_PKT_SKIP;
		h = data + o;
		if ((void *)(h + 8) > end)
			return WF_PKT_MALFORMED;
		/* A routing header with segments left: the VM is a hop on the
		 * way, not the destination the checksum was made for; the
		 * stack handles it. */
		if (nh == WF_IP6_ROUTING && h[3])
			return WF_PKT_SKIP;
		if (nh == WF_IP6_FRAGMENT) {
			*frag = (__u32)h[2] << 8 | h[3];
			/* 0 means none: mark a fragment header always */
			*frag |= 0x10000;
			__builtin_memcpy(id, h + 4, sizeof(*id));
			if (*frag & WF_IP6_FRAG_OFFMASK) {
				*nexthdr = h[0];
				*off = o + WF_IP6_FRAG_HLEN;
				return WF_PKT_FRAG;
			}
			len = WF_IP6_FRAG_HLEN;
		} else {
			len = ((__u32)h[1] + 1) * 8;
		}
		nh = h[0];
		o += len;
		if (o > WF_IP6_L4_OFF_MAX)
			return WF_PKT_EXT_CHAIN;
		if (o > l3_end)
			return WF_PKT_MALFORMED;
	}
	if (nh != WF_IPPROTO_TCP && nh != WF_IPPROTO_UDP && nh != WF_IPPROTO_ICMPV6)
		return WF_PKT_EXT_CHAIN;
	*nexthdr = nh;
	*off = o;
	return WF_PKT_OK;
}

/* ICMPv6 error types (RFC 4443): destination unreachable, packet too big,
 * time exceeded, parameter problem. */
#define WF_ICMP6_ERR_FIRST	1
#define WF_ICMP6_ERR_LAST	4

/* An ICMPv6 error: its IP part, as pkt_parse_icmp4(); anything else
 * (ND, RA, MLD, echo) is not ours. */
static __always_inline int pkt_parse_icmp6(struct wf_pkt *pkt, const struct ipv6hdr *ip6,
					   const __u8 *icmp, void *data_end, __u32 off, __u32 plen)
{
	if ((void *)(icmp + 1) > data_end)
		return WF_PKT_MALFORMED;
	if (icmp[0] < WF_ICMP6_ERR_FIRST || icmp[0] > WF_ICMP6_ERR_LAST)
		return WF_PKT_SKIP;
	__builtin_memcpy(pkt->tuple6.saddr, &ip6->saddr, 16);
	__builtin_memcpy(pkt->tuple6.daddr, &ip6->daddr, 16);
	pkt->tuple.proto = WF_IPPROTO_ICMPV6;
	pkt->l4_off = off;
	pkt->len = WF_IP6_HLEN + plen;
	pkt->ttl = ip6->hop_limit;
	pkt->flags = 0;
	return WF_PKT_ICMP;
}

/* A later IPv6 fragment (no L4 header) of TCP/UDP: what frag.h needs to
 * find its datagram. */
static __always_inline int pkt_parse_later6(struct wf_pkt *pkt, const struct ipv6hdr *ip6,
					    __u8 proto, __u32 off, __u32 plen)
{
	if (proto != WF_IPPROTO_TCP && proto != WF_IPPROTO_UDP)
		return WF_PKT_SKIP;
	__builtin_memcpy(pkt->tuple6.saddr, &ip6->saddr, 16);
	__builtin_memcpy(pkt->tuple6.daddr, &ip6->daddr, 16);
	pkt->tuple.proto = proto;
	pkt->tuple.sport = 0;
	pkt->tuple.dport = 0;
	pkt->l4_off = off;
	pkt->len = WF_IP6_HLEN + plen;
	pkt->ttl = ip6->hop_limit;
	pkt->flags = WF_PKT_F_LATER_FRAG;
	return WF_PKT_FRAG;
}

/*
 * An IPv6 frame to a struct wf_pkt, as pkt_parse4() does for IPv4: TCP and
 * UDP (first fragments included) are looked at, later fragments go to
 * frag.h, ICMPv6 errors to icmp6.h; the rest of ICMPv6 (ND, RA, MLD, echo)
 * passes untouched.
 */
static __always_inline int pkt_parse6(const struct wf_ctx *c, struct wf_pkt *pkt)
{
	struct hdr_cursor nh;
	struct ipv6hdr *ip6;
	void *data, *data_end;
	__u32 plen, off, l3_end, frag;
	__u8 proto;
	int ret;

	if (ctx_vlan_tagged(c))
		return WF_PKT_SKIP;
	ctx_pull(c, WF_PULL_LEN);
	data = ctx_data(c);
	data_end = ctx_data_end(c);
	ip6 = data + WF_ETH_HLEN;
	if ((void *)(ip6 + 1) > data_end || ip6->version != 6)
		return WF_PKT_MALFORMED;
	/* Extension headers: make all that the walk may read linear (tc),
	 * only for the packets that have them. */
	if (ip6->nexthdr != WF_IPPROTO_TCP && ip6->nexthdr != WF_IPPROTO_UDP &&
	    ip6->nexthdr != WF_IPPROTO_ICMPV6) {
		ctx_pull(c, WF_PULL_LEN6);
		data = ctx_data(c);
		data_end = ctx_data_end(c);
		ip6 = data + WF_ETH_HLEN;
		if ((void *)(ip6 + 1) > data_end)
			return WF_PKT_MALFORMED;
	}
	plen = bpf_ntohs(ip6->payload_len);
	l3_end = WF_ETH_HLEN + WF_IP6_HLEN + plen;
	/* payload length 0: a jumbogram (RFC 2675), not ours */
	if (!plen)
		return WF_PKT_SKIP;
	if (!ctx_within(c, l3_end))
		return WF_PKT_MALFORMED;
	proto = ip6->nexthdr;
	off = WF_ETH_HLEN + WF_IP6_HLEN;
	pkt->id6 = 0;
	ret = pkt_walk6(data, data_end, l3_end, &proto, &off, &frag, &pkt->id6);
	if (ret == WF_PKT_FRAG)
		return pkt_parse_later6(pkt, ip6, proto, off, plen);
	if (ret != WF_PKT_OK)
		return ret;
	if (off > WF_IP6_L4_OFF_MAX)
		return WF_PKT_SKIP;
	if (proto == WF_IPPROTO_ICMPV6)
		return pkt_parse_icmp6(pkt, ip6, data + off, data_end, off, plen);

	pkt->flags = (frag & WF_IP6_FRAG_MF) ? WF_PKT_F_FIRST_FRAG : 0;
	pkt->ipid = 0;
	pkt->tuple.saddr = 0;
	pkt->tuple.daddr = 0;
	pkt->tuple.proto = proto;
	pkt->tuple.pad[0] = 0;
	pkt->tuple.pad[1] = 0;
	pkt->tuple.pad[2] = 0;
	__builtin_memcpy(pkt->tuple6.saddr, &ip6->saddr, 16);
	__builtin_memcpy(pkt->tuple6.daddr, &ip6->daddr, 16);
	pkt->tuple6.proto = proto;
	pkt->tuple6.pad[0] = 0;
	pkt->tuple6.pad[1] = 0;
	pkt->tuple6.pad[2] = 0;
	pkt->tcp_flags = 0;
	pkt->l4_off = off;
	pkt->len = WF_IP6_HLEN + plen;
	pkt->ttl = ip6->hop_limit;
	nh.pos = data + off;
	if (proto == WF_IPPROTO_TCP)
		ret = pkt_parse_tcp(&nh, data_end, pkt, l3_end - off);
	else
		ret = pkt_parse_udp(&nh, data_end, pkt, l3_end - off, frag & WF_IP6_FRAG_MF);
	if (ret != WF_PKT_OK)
		return ret;
	if (proto == WF_IPPROTO_UDP) {
		__u16 *sum = data + off + WF_OFF(struct udphdr, check);

		if ((void *)(sum + 1) > data_end)
			return WF_PKT_MALFORMED;
		if (!*sum)
			pkt->flags |= WF_PKT_F_CSUM0;
	}
	pkt->tuple6.sport = pkt->tuple.sport;
	pkt->tuple6.dport = pkt->tuple.dport;
	return WF_PKT_OK;
}

#endif
