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
#include <linux/types.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define IP4(a, b, c, d) \
	((__u32)(a) << 24 | (__u32)(b) << 16 | (__u32)(c) << 8 | (__u32)(d))

#define ETH_HLEN_	14
#define ETH_P_IP_	0x0800
#define ETH_P_ARP_	0x0806
#define ETH_P_IPV6_	0x86dd
#define ETH_P_8021Q_	0x8100
#define IP_MF_		0x2000
#define IP_DF_		0x4000

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
};

enum pkt_kind {
	K_NONE = 0,	/* no packet (fixture: output not checked) */
	K_IP4,		/* IPv4 + TCP/UDP/ICMP */
	K_ARP,		/* ARP request saddr asks for daddr */
	K_IP6,		/* IPv6 + TCP (sport/dport used) */
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
#define SNAT_SLOTS	64

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
	__u16 quote;
	__u8 tos;
	bool id0;		/* IP id 0 instead of 0x1234 */
	__u8 ip_csum_bad;	/* nonzero: the IPv4 header checksum off by one */
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

/* Bytes of the payload: a fixed pattern so in and out frames agree. */
static inline __u8 payload_byte(int i)
{
	return (__u8)(i * 37 + 11);
}

/* Write @p's TCP options at @o; returns their length (a multiple of 4). */
static inline int tcp_opts(const struct pkt *p, __u8 *o)
{
	static const __u8 mss[] = { 2, 4, 0x05, 0xb4 };

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

/*
 * Build the frame @p describes with resolved ports into @buf; returns its
 * length. Header fields the fixture overrides (ihl, tot_len, doff) are
 * written as given, checksums are computed over what was written.
 */
static inline int pkt_build(const struct pkt *p, __u16 sport, __u16 dport,
			    __u8 *buf, int cap)
{
	int off = 12, hl, l4len = 0, tot, i, len, optlen;
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
		put16(buf + off, ETH_P_IPV6_);
		ip = buf + off + 2;
		ip[0] = 0x60;
		put16(ip + 4, 20);
		ip[6] = 6;
		ip[7] = 64;
		ip[8] = 0xfe, ip[9] = 0x80, ip[23] = 0x01;	/* fe80::1 */
		ip[24] = 0xfe, ip[25] = 0x80, ip[39] = 0x02;	/* fe80::2 */
		l4 = ip + 40;
		put16(l4, sport);
		put16(l4 + 2, dport);
		l4[12] = 5 << 4;
		l4[13] = p->tcp_flags;
		put16(l4 + 14, 64240);
		return off + 2 + 60;
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
		optlen = tcp_opts(p, l4 + 20);
		l4len = 20 + optlen + p->paylen;
		put16(l4, sport);
		put16(l4 + 2, dport);
		put32(l4 + 4, p->seq ? p->seq : 0x01020304);
		put32(l4 + 8, p->tcp_flags & TH_ACK ? (p->ack ? p->ack : 0x0a0b0c0d) : 0);
		l4[12] = (p->doff ? p->doff : 5 + optlen / 4) << 4;
		l4[13] = p->tcp_flags;
		put16(l4 + 14, 64240);
		for (i = 0; i < p->paylen; i++)
			l4[20 + optlen + i] = payload_byte(i);
		break;
	case 17:
		l4len = 8 + p->paylen;
		put16(l4, sport);
		put16(l4 + 2, dport);
		put16(l4 + 4, l4len);
		for (i = 0; i < p->paylen; i++)
			l4[8 + i] = payload_byte(i);
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
