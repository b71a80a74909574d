/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Frame builder and checksum verifier for the packet suite.
 *
 * A struct pkt describes a frame by its fields; zero means "the normal
 * value" (TTL 64, ihl from the options, doff 5, tot_len and checksums
 * computed), so a fixture only states what it is about. Checksums are always
 * computed from scratch here, never incrementally, so they are an independent
 * reference for the datapath's RFC 1624 / csum_replace arithmetic.
 */
#ifndef WF_TEST_PKT_H
#define WF_TEST_PKT_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/types.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define IP4(a, b, c, d) \
	((__u32)(a) << 24 | (__u32)(b) << 16 | (__u32)(c) << 8 | (__u32)(d))

/* An IPv6 address as an initializer of a __u8[16], from its eight groups. */
#define IP6(a, b, c, d, e, f, g, h)						\
	{ (a) >> 8, (a) & 0xff, (b) >> 8, (b) & 0xff, (c) >> 8, (c) & 0xff,	\
	  (d) >> 8, (d) & 0xff, (e) >> 8, (e) & 0xff, (f) >> 8, (f) & 0xff,	\
	  (g) >> 8, (g) & 0xff, (h) >> 8, (h) & 0xff }

#define ETH_HLEN_	14
#define ETH_P_IP_	0x0800
#define ETH_P_ARP_	0x0806
#define ETH_P_IPV6_	0x86dd
#define ETH_P_8021Q_	0x8100
#define IP_MF_		0x2000
#define IP_DF_		0x4000
#define IP6_HLEN_	40
#define IP6_MF_		0x0001	/* the fragment header's M flag */
#define PKT_EXT_MAX	10	/* extension headers a built frame may carry */

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PSH	0x08
#define TH_ACK	0x10

/* Who a MAC address belongs to; run.sh gives the namespace the same ones. */
enum mac_id {
	M_NONE,
	M_CLIENT,	/* a client on eth0's link */
	M_CLIENT2,
	M_VM,		/* eth0 */
	M_HOST,		/* 172.29.16.1, the gateway (@host) */
	M_PEER,		/* 172.29.16.5 */
	M_RDEV,		/* vethr, a device in wf_redirect */
	M_RTGT,		/* 10.50.0.2 behind vethr */
	M_BCAST,
	M_ALLNODES,	/* 33:33:00:00:00:01, ff02::1 */
	M_SOLNODE,	/* 33:33:ff:00:00:02, @vm6's solicited-node group */
	M_MLDV2,	/* 33:33:00:00:00:16, ff02::16 (MLDv2 routers) */
	M_MAX,
};

static const __u8 mac_tab[M_MAX][6] = {
	[M_CLIENT] = { 0x00, 0x15, 0x5d, 0x00, 0x12, 0x0a },
	[M_CLIENT2] = { 0x00, 0x15, 0x5d, 0x00, 0x12, 0x0b },
	[M_VM] = { 0x00, 0x15, 0x5d, 0x00, 0x14, 0x02 },
	[M_HOST] = { 0x00, 0x15, 0x5d, 0x00, 0x10, 0x01 },
	[M_PEER] = { 0x00, 0x15, 0x5d, 0x00, 0x10, 0x05 },
	[M_RDEV] = { 0x02, 0x00, 0x00, 0x00, 0x50, 0x01 },
	[M_RTGT] = { 0x02, 0x00, 0x00, 0x00, 0x50, 0x02 },
	[M_BCAST] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	[M_ALLNODES] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 },
	[M_SOLNODE] = { 0x33, 0x33, 0xff, 0x00, 0x00, 0x02 },
	[M_MLDV2] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x16 },
};

enum pkt_kind {
	K_NONE = 0,	/* no packet (fixture: output not checked) */
	K_IP4,		/* IPv4 + TCP/UDP/ICMP */
	K_ARP,		/* ARP request saddr asks for daddr */
	K_IP6,		/* IPv6 (+ extension headers) + TCP/UDP/ICMPv6/other */
	K_ETH_ONLY,	/* an Ethernet header saying IPv4, nothing after it */
};

enum csum_mode {
	CS_AUTO = 0,	/* computed */
	CS_ZERO,	/* UDP: no checksum (0) */
	CS_PSEUDO,	/* TCP/UDP: the pseudo-header sum only, as a sender that
			 * offloads its checksum leaves it (CHECKSUM_PARTIAL) */
};

/* TCP options carrying a timestamp, as SYNs of real stacks lay them out. */
enum ts_layout {
	TS_NONE = 0,
	TS_LINUX,	/* mss, sackOK, TS, nop, wscale: 20 bytes */
	TS_BSD,		/* mss, nop, wscale, nop, nop, TS, sackOK, eol: 24 bytes */
};

/* SNAT(n): a port not known in advance, the one the datapath allocated and
 * the suite recorded in slot n (see snat_slot in test_packet.c). */
#define SNAT(n)		(-1 - (n))
#define SNAT_SLOTS	96

struct pkt {
	enum pkt_kind kind;
	__u8 smac, dmac;	/* enum mac_id */
	__u16 vlan;		/* nonzero: one 802.1Q tag with this VID */
	__u16 vlan_tpid;	/* nonzero: one tag with this TPID, TCI .vlan (0: priority-tagged) */
	__u8 proto;		/* 1, 6, 17 */
	__u32 saddr, daddr;	/* host order */
	int sport, dport;	/* host order, or SNAT(n) */
	__u8 tcp_flags;
	__u8 ttl;		/* 0: 64 */
	__u8 ihl;		/* 0: 5 + ipopt */
	__u8 ipopt;		/* 32-bit words of IP options */
	__u8 doff;		/* 0: 5, or what tsopt needs */
	enum ts_layout tsopt;	/* TCP options with a timestamp option */
	__u16 mss;		/* their MSS option's value (0: 1460) */
	__u32 tsval;		/* its TSval */
	__u32 seq;		/* TCP sequence number (0: 0x01020304) */
	__u32 ack;		/* TCP ACK number with TH_ACK (0: 0x0a0b0c0d) */
	__u16 tot_len;		/* 0: computed */
	__u16 frag;		/* frag_off field (flags | offset/8), host order */
	__u16 ipid;		/* IP id (0: 0x1234) */
	/* Nonzero: the frame is one fragment of the datagram the other fields
	 * describe, built whole (L4 checksum over all of it) and cut as a
	 * sender's stack does: @fraglen L4 bytes from byte @fragoff (a
	 * multiple of 8), MF set unless they are the last. */
	__u16 fragoff;
	__u16 fraglen;
	__u16 paylen;		/* L4 payload bytes */
	__u16 pad;		/* Ethernet padding after the IP packet */
	__u16 cut;		/* nonzero: frame truncated to this length */
	enum csum_mode csum;
	/* ICMP (proto 1): with @inner, an error of icmp_type/icmp_code (and
	 * icmp_mtu, "fragmentation needed") quoting the IP packet @inner
	 * describes, cut to @quote bytes of its L4 part (0: all of it);
	 * inner ports go through pkt_port_hook. Without @inner an echo. */
	const struct pkt *inner;
	__u8 icmp_type, icmp_code;
	__u16 icmp_mtu;
	__u8 icmp_ptr;		/* ICMPv4 parameter problem: the pointer */
	__u16 quote;
	__u8 tos;
	bool id0;		/* IP id 0 instead of 0x1234 */
	__u8 ip_csum_bad;	/* nonzero: the IPv4 header checksum off by one */
	/*
	 * IPv6 (K_IP6): .ttl is the hop limit, .tos the traffic class,
	 * .tot_len (nonzero) the payload length written, .proto the upper
	 * layer after the extension headers ext[0..n_ext-1] (next-header
	 * numbers: 0, 43, 60 of (ext_len + 1) * 8 bytes, 51 (AH) of
	 * (ext_len + 2) * 4, 44 the fragment header: with .fraglen the frame
	 * is one fragment cut from the datagram as for IPv4, else its
	 * offset/M field is .frag and its id .ipid). ICMPv6 (58): icmp_type
	 * (0: echo request); ND carries .target6. Any other .proto: .paylen
	 * bytes of payload.
	 */
	__u8 saddr6[16], daddr6[16];
	__u8 target6[16];
	__u32 flowlabel;
	__u8 n_ext;
	__u8 ext[PKT_EXT_MAX];
	__u8 ext_len[PKT_EXT_MAX];
	__u8 seg_left;		/* a routing header's segments left */
};

/* Resolves SNAT(n) ports of inner packets (test_packet.c's port_of). */
static int (*pkt_port_hook)(int p);

static inline void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static inline void put32(__u8 *p, __u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline __u16 get16(const __u8 *p)
{
	return p[0] << 8 | p[1];
}

static inline __u32 get32(const __u8 *p)
{
	return (__u32)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* One's complement sum of big-endian 16-bit words, not folded. */
static inline __u32 csum_add(__u32 sum, const __u8 *p, int len)
{
	int i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

static inline __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static inline __u32 csum_pseudo4(const __u8 *ip, __u8 proto, __u16 l4len)
{
	__u32 sum = csum_add(0, ip + 12, 8);

	return sum + proto + l4len;
}

/* The IPv6 pseudo header (RFC 8200 8.1): addresses, upper-layer length
 * as 32 bits, the upper layer's next header (not an extension's). */
static inline __u32 csum_pseudo6(const __u8 *ip, __u8 proto, __u32 l4len)
{
	__u32 sum = csum_add(0, ip + 8, 32);

	return sum + (l4len >> 16) + (l4len & 0xffff) + proto;
}

/* Bytes of the payload: a fixed pattern so in and out frames agree. */
static inline __u8 payload_byte(int i)
{
	return (__u8)(i * 37 + 11);
}

/* Write @p's TCP options at @o; returns their length (a multiple of 4). */
static inline int tcp_opts(const struct pkt *p, __u8 *o)
{
	__u8 mss[4] = { 2, 4, 0x05, 0xb4 };

	if (p->mss)
		put16(mss + 2, p->mss);
	switch (p->tsopt) {
	case TS_LINUX:
		memcpy(o, mss, 4);
		o[4] = 4, o[5] = 2;			/* sackOK */
		o[6] = 8, o[7] = 10;			/* TS */
		put32(o + 8, p->tsval);
		put32(o + 12, 0);
		o[16] = 1;				/* nop */
		o[17] = 3, o[18] = 3, o[19] = 7;	/* wscale 7 */
		return 20;
	case TS_BSD:
		memcpy(o, mss, 4);
		o[4] = 1;				/* nop */
		o[5] = 3, o[6] = 3, o[7] = 6;		/* wscale 6 */
		o[8] = 1, o[9] = 1;			/* nop, nop */
		o[10] = 8, o[11] = 10;			/* TS */
		put32(o + 12, p->tsval);
		put32(o + 16, 0);
		o[20] = 4, o[21] = 2;			/* sackOK */
		o[22] = 0, o[23] = 0;			/* eol */
		return 24;
	default:
		return 0;
	}
}

/* TCP or UDP header and payload of @p at @l4, checksum field 0; returns
 * the L4 length. */
static inline int pkt_tcpudp(const struct pkt *p, __u16 sport, __u16 dport, __u8 *l4)
{
	int i, optlen, l4len;

	put16(l4, sport);
	put16(l4 + 2, dport);
	if (p->proto == 17) {
		l4len = 8 + p->paylen;
		put16(l4 + 4, l4len);
		for (i = 0; i < p->paylen; i++)
			l4[8 + i] = payload_byte(i);
		return l4len;
	}
	optlen = tcp_opts(p, l4 + 20);
	l4len = 20 + optlen + p->paylen;
	put32(l4 + 4, p->seq ? p->seq : 0x01020304);
	put32(l4 + 8, p->tcp_flags & TH_ACK ? (p->ack ? p->ack : 0x0a0b0c0d) : 0);
	l4[12] = (p->doff ? p->doff : 5 + optlen / 4) << 4;
	l4[13] = p->tcp_flags;
	put16(l4 + 14, 64240);
	for (i = 0; i < p->paylen; i++)
		l4[20 + optlen + i] = payload_byte(i);
	return l4len;
}

static inline void pkt_link_addr(__u8 *o, __u8 type, __u8 mac)
{
	o[0] = type;		/* source/target link-layer address option */
	o[1] = 1;
	memcpy(o + 2, mac_tab[mac], 6);
}

/* ICMPv6 message of @p at @l4 (checksum field 0); returns its length. */
static inline int pkt_icmp6(const struct pkt *p, __u8 *l4)
{
	int i, n;

	l4[0] = p->icmp_type ? p->icmp_type : 128;
	l4[1] = p->icmp_code;
	switch (l4[0]) {
	case 133:		/* router solicitation: reserved, SLLA */
		pkt_link_addr(l4 + 8, 1, p->smac);
		return 16;
	case 134:		/* router advertisement, SLLA, MTU, a /64 prefix */
		l4[4] = 64;	/* cur hop limit */
		put16(l4 + 6, 1800);	/* router lifetime */
		pkt_link_addr(l4 + 16, 1, p->smac);
		l4[24] = 5, l4[25] = 1;		/* MTU */
		put32(l4 + 28, 1500);
		l4[32] = 3, l4[33] = 4;		/* prefix information */
		l4[34] = 64, l4[35] = 0xc0;	/* on-link, autonomous */
		put32(l4 + 36, 2592000);
		put32(l4 + 40, 604800);
		memcpy(l4 + 48, p->saddr6, 8);
		return 64;
	case 135:		/* neighbour solicitation: target, SLLA */
	case 136:		/* neighbour advertisement: flags, target, TLLA */
		if (l4[0] == 136)
			l4[4] = 0x60;	/* solicited, override */
		memcpy(l4 + 8, p->target6, 16);
		pkt_link_addr(l4 + 24, l4[0] == 135 ? 1 : 2, p->smac);
		return 32;
	case 143:		/* MLDv2 report: one record, CHANGE_TO_EXCLUDE */
		put16(l4 + 6, 1);
		l4[8] = 4;
		memcpy(l4 + 12, p->target6, 16);
		return 28;
	case 130:		/* MLD query / report / done: the group */
	case 131:
	case 132:
		memcpy(l4 + 8, p->target6, 16);
		return 24;
	default:		/* echo (128, 129) and the rest: id, seq, payload */
		put16(l4 + 4, 0x4242);
		put16(l4 + 6, 1);
		n = 8 + p->paylen;
		for (i = 0; i < p->paylen; i++)
			l4[8 + i] = payload_byte(i);
		return n;
	}
}

/* Extension header @i of @p at @h; returns its length. */
static inline int pkt_ext6(const struct pkt *p, int i, __u8 *h)
{
	int len, o;

	switch (p->ext[i]) {
	case 44:		/* fragment: reserved, offset/M, id */
		put16(h + 2, p->frag);
		put32(h + 4, p->ipid ? p->ipid : 0x1234);
		return 8;
	case 51:		/* AH: SPI, sequence, ICV */
		h[1] = p->ext_len[i];
		len = (p->ext_len[i] + 2) * 4;
		put32(h + 4, 0x1000);
		put32(h + 8, 1);
		return len;
	}
	h[1] = p->ext_len[i];
	len = (p->ext_len[i] + 1) * 8;
	o = 2;
	if (p->ext[i] == 43) {		/* routing type 4 (SRH), segments left .seg_left */
		h[2] = 4;
		h[3] = p->seg_left;
		return len;
	}
	if (p->ext[i] == 0) {		/* hop-by-hop: router alert (MLD) */
		h[2] = 5, h[3] = 2;
		o = 6;
	}
	h[o] = 1;			/* PadN over the rest */
	h[o + 1] = len - o - 2;
	return len;
}

static inline int pkt_build(const struct pkt *p, __u16 sport, __u16 dport, __u8 *buf, int cap);

/* Offset of the upper layer in the IPv6 packet at @ip (@len bytes), its
 * extension headers walked; @len when they run past it. */
static inline int pkt_l4off6(const __u8 *ip, int len)
{
	int off = IP6_HLEN_, n, hl;
	__u8 nh = ip[6];

	for (n = 0; n < PKT_EXT_MAX && (nh == 0 || nh == 43 || nh == 60 || nh == 44); n++) {
		if (off + 8 > len)
			return len;
		hl = nh == 44 ? 8 : (ip[off + 1] + 1) * 8;
		nh = ip[off];
		off += hl;
	}
	return off;
}

/* An ICMPv6 error (types 1-4) quoting @p->inner, cut to @p->quote bytes of
 * its upper layer (0: all of it); returns the message length. */
static inline int pkt_icmp6_err(const struct pkt *p, __u8 *l4)
{
	__u8 tmp[2048];
	const struct pkt *q = p->inner;
	int qlen, ql4;

	qlen = pkt_build(q, pkt_port_hook ? pkt_port_hook(q->sport) : q->sport,
			 pkt_port_hook ? pkt_port_hook(q->dport) : q->dport,
			 tmp, sizeof(tmp)) - ETH_HLEN_;
	ql4 = pkt_l4off6(tmp + ETH_HLEN_, qlen);
	if (p->quote && ql4 + p->quote < qlen)
		qlen = ql4 + p->quote;
	l4[0] = p->icmp_type;
	l4[1] = p->icmp_code;
	put32(l4 + 4, p->icmp_mtu);	/* packet too big: MTU; parameter problem: pointer */
	memcpy(l4 + 8, tmp + ETH_HLEN_, qlen);
	return 8 + qlen;
}

/* The IPv6 part of pkt_build(), after the MACs and tags (at @off). */
static inline int pkt_build6(const struct pkt *p, __u16 sport, __u16 dport, __u8 *buf,
			     int off)
{
	__u8 *ip = buf + off + 2, *l4, *fh = NULL, *next = ip + 6;
	int i, hl = IP6_HLEN_, l4len, plen, len;

	put16(buf + off, ETH_P_IPV6_);
	ip[0] = 0x60 | p->tos >> 4;
	ip[1] = (p->tos & 0xf) << 4 | (p->flowlabel >> 16 & 0xf);
	put16(ip + 2, p->flowlabel);
	ip[7] = p->ttl ? p->ttl : 64;
	memcpy(ip + 8, p->saddr6, 16);
	memcpy(ip + 24, p->daddr6, 16);
	for (i = 0; i < p->n_ext && i < PKT_EXT_MAX; i++) {
		*next = p->ext[i];
		next = ip + hl;
		if (p->ext[i] == 44)
			fh = ip + hl;
		hl += pkt_ext6(p, i, ip + hl);
	}
	*next = p->proto;
	l4 = ip + hl;
	switch (p->proto) {
	case 6:
	case 17:
		l4len = pkt_tcpudp(p, sport, dport, l4);
		break;
	case 58:
		l4len = p->inner ? pkt_icmp6_err(p, l4) : pkt_icmp6(p, l4);
		break;
	default:		/* ESP, no next header, anything: opaque bytes */
		l4len = p->paylen;
		for (i = 0; i < p->paylen; i++)
			l4[i] = payload_byte(i);
		break;
	}
	if (p->proto == 58) {
		put16(l4 + 2, ~csum_fold(csum_add(csum_pseudo6(ip, 58, l4len), l4, l4len)));
	} else if (p->csum == CS_PSEUDO && (p->proto == 6 || p->proto == 17)) {
		put16(l4 + (p->proto == 6 ? 16 : 6),
		      csum_fold(csum_pseudo6(ip, p->proto, l4len)));
	} else if (p->proto == 6 || (p->proto == 17 && p->csum != CS_ZERO)) {
		__u16 c = ~csum_fold(csum_add(csum_pseudo6(ip, p->proto, l4len), l4, l4len));

		if (p->proto == 17 && !c)
			c = 0xffff;	/* RFC 8200 8.1: 0 is sent as ~0 */
		put16(l4 + (p->proto == 6 ? 16 : 6), c);
	}
	plen = hl - IP6_HLEN_ + l4len;
	if (fh && p->fraglen && p->fragoff + p->fraglen <= l4len) {
		/* The fragmentable part starts after the fragment header;
		 * the fixtures put it last, so that part is the L4 bytes. */
		memmove(l4, l4 + p->fragoff, p->fraglen);
		plen = hl - IP6_HLEN_ + p->fraglen;
		put16(fh + 2, (p->fragoff / 8) << 3 |
			      (p->fragoff + p->fraglen < l4len ? IP6_MF_ : 0));
	}
	put16(ip + 4, p->tot_len ? p->tot_len : plen);
	len = off + 2 + IP6_HLEN_ + plen + p->pad;
	if (p->cut && p->cut < len)
		len = p->cut;
	return len;
}

/*
 * Build the frame @p describes with resolved ports into @buf; returns its
 * length. Header fields the fixture overrides (ihl, tot_len, doff) are
 * written as given, checksums are computed over what was written.
 */
static inline int pkt_build(const struct pkt *p, __u16 sport, __u16 dport,
			    __u8 *buf, int cap)
{
	int off = 12, hl, l4len = 0, tot, i, len;
	__u8 *ip, *l4;

	memset(buf, 0, cap);
	memcpy(buf, mac_tab[p->dmac], 6);
	memcpy(buf + 6, mac_tab[p->smac], 6);
	if (p->vlan || p->vlan_tpid) {
		put16(buf + off, p->vlan_tpid ? p->vlan_tpid : ETH_P_8021Q_);
		put16(buf + off + 2, p->vlan);
		off += 4;
	}

	switch (p->kind) {
	case K_ARP:
		put16(buf + off, ETH_P_ARP_);
		ip = buf + off + 2;
		put16(ip, 1);			/* Ethernet */
		put16(ip + 2, ETH_P_IP_);
		ip[4] = 6;
		ip[5] = 4;
		put16(ip + 6, 1);		/* request */
		memcpy(ip + 8, mac_tab[p->smac], 6);
		put32(ip + 14, p->saddr);
		put32(ip + 24, p->daddr);
		return off + 2 + 28 + p->pad;
	case K_IP6:
		return pkt_build6(p, sport, dport, buf, off);
	case K_ETH_ONLY:
		put16(buf + off, ETH_P_IP_);
		return off + 2;
	default:
		break;
	}

	put16(buf + off, ETH_P_IP_);
	ip = buf + off + 2;
	hl = 20 + 4 * p->ipopt;
	ip[0] = 0x40 | (p->ihl ? p->ihl : hl / 4);
	ip[1] = p->tos;
	put16(ip + 4, p->id0 ? 0 : p->ipid ? p->ipid : 0x1234);
	put16(ip + 6, p->frag);
	ip[8] = p->ttl ? p->ttl : 64;
	ip[9] = p->proto;
	put32(ip + 12, p->saddr);
	put32(ip + 16, p->daddr);
	for (i = 0; i < p->ipopt; i++) {
		__u8 *o = ip + 20 + 4 * i;

		if (i == 0) {		/* Router Alert, RFC 2113 */
			o[0] = 0x94;
			o[1] = 0x04;
		} else {		/* NOP NOP NOP EOL */
			o[0] = o[1] = o[2] = 0x01;
			o[3] = 0x00;
		}
	}

	l4 = ip + hl;
	switch (p->proto) {
	case 6:
	case 17:
		l4len = pkt_tcpudp(p, sport, dport, l4);
		break;
	case 1:
		if (p->inner) {
			__u8 tmp[2048];
			const struct pkt *q = p->inner;
			int qlen, qhl;

			qlen = pkt_build(q, pkt_port_hook ? pkt_port_hook(q->sport) : q->sport,
					 pkt_port_hook ? pkt_port_hook(q->dport) : q->dport,
					 tmp, sizeof(tmp)) - ETH_HLEN_;
			qhl = (tmp[ETH_HLEN_] & 0xf) * 4;
			if (p->quote && qhl + p->quote < qlen)
				qlen = qhl + p->quote;
			l4len = 8 + qlen;
			l4[0] = p->icmp_type;
			l4[1] = p->icmp_code;
			l4[4] = p->icmp_ptr;
			put16(l4 + 6, p->icmp_mtu);
			memcpy(l4 + 8, tmp + ETH_HLEN_, qlen);
			put16(l4 + 2, ~csum_fold(csum_add(0, l4, l4len)));
			break;
		}
		l4len = 8 + p->paylen;
		l4[0] = 8;			/* echo request */
		put16(l4 + 4, 0x4242);
		put16(l4 + 6, 1);
		for (i = 0; i < p->paylen; i++)
			l4[8 + i] = payload_byte(i);
		put16(l4 + 2, ~csum_fold(csum_add(0, l4, l4len)));
		break;
	}

	tot = hl + l4len;
	put16(ip + 2, p->tot_len ? p->tot_len : tot);
	if (p->csum == CS_PSEUDO && (p->proto == 6 || p->proto == 17)) {
		/* ~csum_tcpudp_magic(): folded, not complemented */
		put16(l4 + (p->proto == 6 ? 16 : 6),
		      csum_fold(csum_pseudo4(ip, p->proto, l4len)));
	} else if (p->proto == 6) {
		put16(l4 + 16, ~csum_fold(csum_add(csum_pseudo4(ip, 6, l4len),
						   l4, l4len)));
	} else if (p->proto == 17 && p->csum != CS_ZERO) {
		__u16 c = ~csum_fold(csum_add(csum_pseudo4(ip, 17, l4len),
					      l4, l4len));

		put16(l4 + 6, c ? c : 0xffff);	/* RFC 768: 0 is sent as ~0 */
	}
	if (p->fraglen && p->fragoff + p->fraglen <= l4len) {
		memmove(l4, l4 + p->fragoff, p->fraglen);
		tot = hl + p->fraglen;
		put16(ip + 2, tot);
		put16(ip + 6, (p->fragoff + p->fraglen < l4len ? IP_MF_ : 0) | p->fragoff / 8);
	}
	put16(ip + 10, (__u16)(~csum_fold(csum_add(0, ip, hl)) + (p->ip_csum_bad ? 1 : 0)));

	len = off + 2 + tot + p->pad;
	if (p->cut && p->cut < len)
		len = p->cut;
	return len;
}

/*
 * Check a well-formed untagged IPv4 frame's checksums from scratch: the IP
 * header and the TCP/UDP checksum over the pseudo-header and tot_len - ihl*4
 * bytes must verify. A UDP checksum of 0 (none) is reported in *udp_zero.
 * Returns 0, or -1 with the reason in @why.
 */
static inline int pkt_verify4(const __u8 *f, int len, bool *udp_zero,
			      char *why, size_t whylen)
{
	const __u8 *ip = f + ETH_HLEN_, *l4;
	int hl, tot, l4len;
	__u16 s;

	*udp_zero = false;
	if (len < ETH_HLEN_ + 20 || get16(f + 12) != ETH_P_IP_) {
		snprintf(why, whylen, "not an untagged IPv4 frame");
		return -1;
	}
	hl = (ip[0] & 0xf) * 4;
	tot = get16(ip + 2);
	if (hl < 20 || tot < hl || ETH_HLEN_ + tot > len) {
		snprintf(why, whylen, "IPv4 header lengths inconsistent");
		return -1;
	}
	s = csum_fold(csum_add(0, ip, hl));
	if (s != 0xffff) {
		snprintf(why, whylen, "IP header checksum 0x%04x does not verify",
			 get16(ip + 10));
		return -1;
	}
	l4 = ip + hl;
	l4len = tot - hl;
	if (ip[9] == 1) {
		s = csum_fold(csum_add(0, l4, l4len));
		if (s != 0xffff) {
			snprintf(why, whylen, "ICMP checksum 0x%04x does not verify",
				 get16(l4 + 2));
			return -1;
		}
		if ((l4[0] == 3 || l4[0] == 11 || l4[0] == 12) && l4len >= 28 &&
		    (l4[8] >> 4) == 4 && l4len >= 8 + (l4[8] & 0xf) * 4 &&
		    csum_fold(csum_add(0, l4 + 8, (l4[8] & 0xf) * 4)) != 0xffff) {
			snprintf(why, whylen, "quoted IP header checksum 0x%04x does not verify",
				 get16(l4 + 18));
			return -1;
		}
		return 0;
	}
	if (ip[9] != 6 && ip[9] != 17)
		return 0;
	/* A fragment's L4 checksum covers the whole datagram: the fixtures
	 * compare fragments with ones cut from a datagram built whole. */
	if (get16(ip + 6) & 0x3fff)
		return 0;
	if (ip[9] == 17 && l4len >= 8 && get16(l4 + 6) == 0) {
		*udp_zero = true;
		return 0;
	}
	s = csum_fold(csum_add(csum_pseudo4(ip, ip[9], l4len), l4, l4len));
	if (s != 0xffff) {
		snprintf(why, whylen, "%s checksum 0x%04x does not verify "
			 "(recomputed from scratch over %d bytes)",
			 ip[9] == 6 ? "TCP" : "UDP",
			 get16(l4 + (ip[9] == 6 ? 16 : 6)), l4len);
		return -1;
	}
	return 0;
}

/* The L4 checksum field of a well-formed untagged IPv4 TCP/UDP frame must
 * hold exactly the pseudo-header sum of its own addresses and length
 * (CS_PSEUDO), recomputed here from scratch. 0 or -1 with @why. */
static inline int pkt_verify_pseudo4(const __u8 *f, int len, char *why, size_t whylen)
{
	const __u8 *ip = f + ETH_HLEN_;
	int hl, l4len;
	__u16 want, got;

	if (len < ETH_HLEN_ + 20 || get16(f + 12) != ETH_P_IP_ ||
	    (ip[9] != 6 && ip[9] != 17)) {
		snprintf(why, whylen, "not an untagged IPv4 TCP/UDP frame");
		return -1;
	}
	hl = (ip[0] & 0xf) * 4;
	l4len = get16(ip + 2) - hl;
	if (hl < 20 || l4len < 8 || ETH_HLEN_ + hl + l4len > len) {
		snprintf(why, whylen, "IPv4 header lengths inconsistent");
		return -1;
	}
	if (csum_fold(csum_add(0, ip, hl)) != 0xffff) {
		snprintf(why, whylen, "IP header checksum 0x%04x does not verify",
			 get16(ip + 10));
		return -1;
	}
	want = csum_fold(csum_pseudo4(ip, ip[9], l4len));
	got = get16(ip + hl + (ip[9] == 6 ? 16 : 6));
	if (got != want) {
		snprintf(why, whylen, "%s checksum 0x%04x is not the pseudo-header sum 0x%04x",
			 ip[9] == 6 ? "TCP" : "UDP", got, want);
		return -1;
	}
	return 0;
}

/* Where an untagged IPv6 frame's upper layer is, found from scratch. */
struct pkt_l4_6 {
	__u8 proto;		/* the last next header */
	int l4;			/* its offset in the frame */
	int l4len;		/* its length by payload_len */
	bool frag;		/* a fragment header with an offset or M set */
	int n_ext;
};

/* Walk @f's extension headers (hop-by-hop, routing, destination options,
 * fragment, AH); 0, or -1 with the reason in @why. */
static inline int pkt_walk6(const __u8 *f, int len, struct pkt_l4_6 *r, char *why,
			    size_t whylen)
{
	const __u8 *ip = f + ETH_HLEN_;
	int off = IP6_HLEN_, end, hl, n;
	__u8 nh;

	if (len < ETH_HLEN_ + IP6_HLEN_ || get16(f + 12) != ETH_P_IPV6_ || (ip[0] >> 4) != 6) {
		snprintf(why, whylen, "not an untagged IPv6 frame");
		return -1;
	}
	end = IP6_HLEN_ + get16(ip + 4);
	if (ETH_HLEN_ + end > len) {
		snprintf(why, whylen, "IPv6 payload_len %u beyond the frame", get16(ip + 4));
		return -1;
	}
	memset(r, 0, sizeof(*r));
	nh = ip[6];
	for (n = 0; n < 64; n++) {
		if (nh != 0 && nh != 43 && nh != 60 && nh != 44 && nh != 51)
			break;
		if (off + 8 > end) {
			snprintf(why, whylen, "extension header %u cut by payload_len", nh);
			return -1;
		}
		hl = nh == 44 ? 8 : nh == 51 ? (ip[off + 1] + 2) * 4 : (ip[off + 1] + 1) * 8;
		if (off + hl > end) {
			snprintf(why, whylen, "extension header %u cut by payload_len", nh);
			return -1;
		}
		if (nh == 44 && (get16(ip + off + 2) & 0xfff9))
			r->frag = true;
		nh = ip[off];
		off += hl;
	}
	r->n_ext = n;
	r->proto = nh;
	r->l4 = ETH_HLEN_ + off;
	r->l4len = end - off;
	return 0;
}

/*
 * Check a well-formed untagged IPv6 frame's checksums from scratch: the
 * TCP/UDP/ICMPv6 checksum over the pseudo header (the upper layer's next
 * header and length) must verify. UDP's 0 (invalid in IPv6, but what a
 * fixture may expect to pass untouched) is reported in *udp_zero.
 */
static inline int pkt_verify6(const __u8 *f, int len, bool *udp_zero, char *why,
			      size_t whylen)
{
	const __u8 *ip = f + ETH_HLEN_, *l4;
	struct pkt_l4_6 r;
	int min;
	__u16 s;

	*udp_zero = false;
	if (pkt_walk6(f, len, &r, why, whylen))
		return -1;
	if ((r.proto != 6 && r.proto != 17 && r.proto != 58) || r.frag)
		return 0;	/* a fragment's checksum covers the whole datagram */
	l4 = f + r.l4;
	min = r.proto == 6 ? 20 : r.proto == 17 ? 8 : 4;
	if (r.l4len < min) {
		snprintf(why, whylen, "upper layer %u of %d bytes: truncated", r.proto, r.l4len);
		return -1;
	}
	if (r.proto == 17 && get16(l4 + 6) == 0) {
		*udp_zero = true;
		return 0;
	}
	s = csum_fold(csum_add(csum_pseudo6(ip, r.proto, r.l4len), l4, r.l4len));
	if (s != 0xffff) {
		snprintf(why, whylen, "%s checksum 0x%04x does not verify over the IPv6 "
			 "pseudo header (recomputed from scratch over %d bytes)",
			 r.proto == 6 ? "TCP" : r.proto == 17 ? "UDP" : "ICMPv6",
			 get16(l4 + (r.proto == 6 ? 16 : r.proto == 17 ? 6 : 2)), r.l4len);
		return -1;
	}
	return 0;
}

/* pkt_verify_pseudo4() for IPv6. */
static inline int pkt_verify_pseudo6(const __u8 *f, int len, char *why, size_t whylen)
{
	struct pkt_l4_6 r;
	__u16 want, got;

	if (pkt_walk6(f, len, &r, why, whylen))
		return -1;
	if ((r.proto != 6 && r.proto != 17) || r.l4len < (r.proto == 6 ? 20 : 8)) {
		snprintf(why, whylen, "not an IPv6 TCP/UDP frame");
		return -1;
	}
	want = csum_fold(csum_pseudo6(f + ETH_HLEN_, r.proto, r.l4len));
	got = get16(f + r.l4 + (r.proto == 6 ? 16 : 6));
	if (got != want) {
		snprintf(why, whylen, "%s checksum 0x%04x is not the IPv6 pseudo-header sum 0x%04x",
			 r.proto == 6 ? "TCP" : "UDP", got, want);
		return -1;
	}
	return 0;
}

/* Either family, by the ethertype. */
static inline int pkt_verify(const __u8 *f, int len, bool *udp_zero, char *why, size_t whylen)
{
	if (len >= ETH_HLEN_ && get16(f + 12) == ETH_P_IPV6_)
		return pkt_verify6(f, len, udp_zero, why, whylen);
	return pkt_verify4(f, len, udp_zero, why, whylen);
}

static inline int pkt_verify_pseudo(const __u8 *f, int len, char *why, size_t whylen)
{
	if (len >= ETH_HLEN_ && get16(f + 12) == ETH_P_IPV6_)
		return pkt_verify_pseudo6(f, len, why, whylen);
	return pkt_verify_pseudo4(f, len, why, whylen);
}

/* Offset of the TCP checksum of an untagged IPv4/IPv6 TCP frame, or -1. */
static inline int pkt_tcp_csum_off(const __u8 *f, int len)
{
	struct pkt_l4_6 r;
	char why[8];

	if (len >= ETH_HLEN_ + 20 && get16(f + 12) == ETH_P_IP_)
		return f[ETH_HLEN_ + 9] == 6 ? ETH_HLEN_ + (f[ETH_HLEN_] & 0xf) * 4 + 16 : -1;
	if (pkt_walk6(f, len, &r, why, sizeof(why)) || r.proto != 6)
		return -1;
	return r.l4 + 16;
}

static inline const char *pkt_field6(const __u8 *f, int len, int off)
{
	static const char *const ipf[8] = {
		"ip6 ver/tclass", "ip6 tclass/flow", "ip6 flow", "ip6 flow",
		"ip6 payload_len", "ip6 payload_len", "ip6 next", "ip6 hop limit",
	};
	struct pkt_l4_6 r;
	char why[8];
	int l = off - ETH_HLEN_;

	if (l < 8)
		return ipf[l];
	if (l < 24)
		return "ip6 saddr";
	if (l < 40)
		return "ip6 daddr";
	if (pkt_walk6(f, len, &r, why, sizeof(why)))
		return "ip6 payload";
	if (off < r.l4)
		return "ip6 ext header";
	l = off - r.l4;
	switch (r.proto) {
	case 6:
		return l < 2 ? "tcp sport" : l < 4 ? "tcp dport" :
		       l < 16 ? "tcp seq/ack/off/flags/win" :
		       l < 18 ? "tcp csum" : "tcp urg/payload";
	case 17:
		return l < 2 ? "udp sport" : l < 4 ? "udp dport" :
		       l < 6 ? "udp len" : l < 8 ? "udp csum" : "udp payload";
	case 58:
		return l < 2 ? "icmp6 type/code" : l < 4 ? "icmp6 csum" : "icmp6 body";
	}
	return "l4";
}

static inline void ip6_str(const __u8 *a, char *out, size_t n)
{
	if (!inet_ntop(AF_INET6, a, out, n))
		snprintf(out, n, "?");
}

/* pkt_describe() of an IPv6 frame. */
static inline void pkt_describe6(const __u8 *f, int len, char *out, size_t n)
{
	const __u8 *ip = f + ETH_HLEN_;
	char s[48], d[48], why[80];
	struct pkt_l4_6 r;

	if (len < ETH_HLEN_ + IP6_HLEN_) {
		snprintf(out, n, "%d bytes, IPv6 cut short", len);
		return;
	}
	ip6_str(ip + 8, s, sizeof(s));
	ip6_str(ip + 24, d, sizeof(d));
	if (pkt_walk6(f, len, &r, why, sizeof(why)) || r.l4len < 8) {
		snprintf(out, n, "%02x:%02x > %02x:%02x %s > %s hlim %u next %u (%d bytes)",
			 f[10], f[11], f[4], f[5], s, d, ip[7], ip[6], len);
		return;
	}
	if (r.proto == 6 || r.proto == 17)
		snprintf(out, n, "%02x:%02x > %02x:%02x [%s]:%u > [%s]:%u hlim %u %s%s "
			 "l4sum 0x%04x (%d bytes)", f[10], f[11], f[4], f[5], s,
			 get16(f + r.l4), d, get16(f + r.l4 + 2), ip[7],
			 r.proto == 6 ? "tcp" : "udp", r.n_ext ? " +ext" : "",
			 r.proto == 6 ? (r.l4len >= 18 ? get16(f + r.l4 + 16) : 0) :
			 get16(f + r.l4 + 6), len);
	else if (r.proto == 58 && f[r.l4] >= 1 && f[r.l4] <= 4 && r.l4len >= 8 + IP6_HLEN_ + 4) {
		/* an error's quote: the inner addresses and ports */
		const __u8 *q = f + r.l4 + 8;
		int ql4 = pkt_l4off6(q, r.l4len - 8);
		char qs[48], qd[48];

		ip6_str(q + 8, qs, sizeof(qs));
		ip6_str(q + 24, qd, sizeof(qd));
		snprintf(out, n, "%02x:%02x > %02x:%02x %s > %s hlim %u icmp6 %u/%u sum 0x%04x "
			 "quoting [%s]:%u > [%s]:%u (%d bytes)", f[10], f[11], f[4], f[5], s, d,
			 ip[7], f[r.l4], f[r.l4 + 1], get16(f + r.l4 + 2), qs,
			 ql4 + 4 <= r.l4len - 8 ? get16(q + ql4) : 0, qd,
			 ql4 + 4 <= r.l4len - 8 ? get16(q + ql4 + 2) : 0, len);
	} else if (r.proto == 58)
		snprintf(out, n, "%02x:%02x > %02x:%02x %s > %s hlim %u icmp6 %u/%u sum 0x%04x "
			 "(%d bytes)", f[10], f[11], f[4], f[5], s, d, ip[7], f[r.l4],
			 f[r.l4 + 1], get16(f + r.l4 + 2), len);
	else
		snprintf(out, n, "%02x:%02x > %02x:%02x %s > %s hlim %u proto %u (%d bytes)",
			 f[10], f[11], f[4], f[5], s, d, ip[7], r.proto, len);
}

/* Name of the header field at byte @off of an untagged IPv4 frame. */
static inline const char *pkt_field(const __u8 *f, int len, int off)
{
	int hl, l;

	if (off < 6)
		return "eth dst";
	if (off < 12)
		return "eth src";
	if (off < 14)
		return "ethertype";
	if (len >= ETH_HLEN_ + IP6_HLEN_ && get16(f + 12) == ETH_P_IPV6_)
		return pkt_field6(f, len, off);
	if (len < ETH_HLEN_ + 20 || get16(f + 12) != ETH_P_IP_)
		return "";
	l = off - ETH_HLEN_;
	hl = (f[ETH_HLEN_] & 0xf) * 4;
	if (l < hl) {
		static const char *const ipf[20] = {
			"ip ver/ihl", "ip tos", "ip tot_len", "ip tot_len",
			"ip id", "ip id", "ip frag", "ip frag", "ip ttl",
			"ip proto", "ip csum", "ip csum", "ip saddr", "ip saddr",
			"ip saddr", "ip saddr", "ip daddr", "ip daddr",
			"ip daddr", "ip daddr",
		};
		return l < 20 ? ipf[l] : "ip options";
	}
	l -= hl;
	switch (f[ETH_HLEN_ + 9]) {
	case 6:
		return l < 2 ? "tcp sport" : l < 4 ? "tcp dport" :
		       l < 16 ? "tcp seq/ack/off/flags/win" :
		       l < 18 ? "tcp csum" : "tcp urg/payload";
	case 17:
		return l < 2 ? "udp sport" : l < 4 ? "udp dport" :
		       l < 6 ? "udp len" : l < 8 ? "udp csum" : "udp payload";
	}
	return "l4";
}

/* One line: MACs, addresses, ports, TTL, checksums of an IPv4 frame. */
static inline void pkt_describe(const __u8 *f, int len, char *out, size_t n)
{
	const __u8 *ip = f + ETH_HLEN_, *l4;
	int hl;

	if (len < ETH_HLEN_) {
		snprintf(out, n, "%d bytes, shorter than Ethernet", len);
		return;
	}
	if (get16(f + 12) == ETH_P_IPV6_) {
		pkt_describe6(f, len, out, n);
		return;
	}
	if (get16(f + 12) != ETH_P_IP_ || len < ETH_HLEN_ + 20) {
		snprintf(out, n, "%d bytes, ethertype 0x%04x", len, get16(f + 12));
		return;
	}
	hl = (ip[0] & 0xf) * 4;
	l4 = ip + hl;
	if (hl < 20 || ETH_HLEN_ + hl + 8 > len) {
		snprintf(out, n, "%d bytes, ihl %d", len, ip[0] & 0xf);
		return;
	}
	if (ip[9] == 1) {
		/* An error's quote: the inner addresses and ports. */
		const __u8 *q = l4 + 8, *ql4 = q + (q[0] & 0xf) * 4;
		bool quoted = (l4[0] == 3 || l4[0] == 11 || l4[0] == 12) &&
			      ql4 + 4 <= f + len && (q[0] & 0xf) >= 5;

		snprintf(out, n,
			 "%02x:%02x > %02x:%02x %u.%u.%u.%u > %u.%u.%u.%u ttl %u ipsum 0x%04x "
			 "icmp %u/%u sum 0x%04x%s%u.%u.%u.%u:%u > %u.%u.%u.%u:%u (%d bytes)",
			 f[10], f[11], f[4], f[5], ip[12], ip[13], ip[14], ip[15],
			 ip[16], ip[17], ip[18], ip[19], ip[8], get16(ip + 10),
			 l4[0], l4[1], get16(l4 + 2), quoted ? " quoting " : "",
			 quoted ? q[12] : 0, quoted ? q[13] : 0, quoted ? q[14] : 0,
			 quoted ? q[15] : 0, quoted ? get16(ql4) : 0,
			 quoted ? q[16] : 0, quoted ? q[17] : 0, quoted ? q[18] : 0,
			 quoted ? q[19] : 0, quoted ? get16(ql4 + 2) : 0, len);
		return;
	}
	snprintf(out, n,
		 "%02x:%02x > %02x:%02x %u.%u.%u.%u:%u > %u.%u.%u.%u:%u "
		 "ttl %u ipsum 0x%04x l4sum 0x%04x (%d bytes)",
		 f[10], f[11], f[4], f[5], ip[12], ip[13], ip[14], ip[15],
		 get16(l4), ip[16], ip[17], ip[18], ip[19], get16(l4 + 2), ip[8],
		 get16(ip + 10),
		 ip[9] == 6 && ETH_HLEN_ + hl + 18 <= len ? get16(l4 + 16) :
		 ip[9] == 17 ? get16(l4 + 6) : 0, len);
}

#endif /* WF_TEST_PKT_H */
