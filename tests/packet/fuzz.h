/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Fuzz (issue 10): randomized, mutated and random frames through the real
 * wf_xdp_ingress, wf_tc_ingress, wf_tc_egress and wf_tc_lo_ingress by
 * BPF_PROG_RUN, on instances of their own loaded with the fixtures'
 * mappings (design.md "Fuzz"). #included by test_packet.c right before
 * main(): it uses that file's instances, helpers and addresses.
 *
 * Generated: (a) well-formed frames of flows that hit the mappings, from
 * clients and as the targets' replies (so connections are created,
 * answered and closed), ICMP errors quoting a tracked flow, fragments,
 * VLAN and priority tags, IP options, random TCP flags; IPv6 the same
 * way (its mappings, replies, random extension chains of up to 8 headers,
 * fragment headers, hop limits, ICMPv6 and ND); (b) such frames mutated
 * (bytes flipped, cut, bad ihl/tot_len/doff/checksums, IPv6 payload
 * lengths, next headers and extension lengths, a random tail); (c) random
 * bytes.
 * Checked per frame: BPF_PROG_RUN returns 0, the verdict is one the
 * program may give, the output length is sane, a well-formed frame leaves
 * with checksums that verify; sampled: a drop is counted by a reason;
 * periodically: the counters only grow and every conntrack entry has its
 * peer pointing back; at the end: nothing in the kernel log.
 *
 * WF_FUZZ packets (FZ_DEFAULT; 0 skips), WF_FUZZ_SEED the seed (else the
 * time, printed as "# fuzz seed N"). The same seed draws the same frames
 * while the datapath answers the same: its once-a-second refresh depends
 * on the clock, so a replay can drift from the first pass on (measured:
 * the XDP strict pass identical, the counts after it within a few).
 */
#ifndef WF_TEST_FUZZ_H
#define WF_TEST_FUZZ_H

#include <fcntl.h>
#include <inttypes.h>

#define FZ_DEFAULT	200000	/* packets when WF_FUZZ is unset */
#define FZ_MAX_LEN	2048	/* largest frame generated */
#define FZ_OUT_LEN	4096	/* output buffer: a page, more than any frame */
#define FZ_GROW		64	/* most a program adds: an ICMP time exceeded */
#define FZ_CPORT_BASE	40000	/* client ports: a pool, so flows recur */
#define FZ_CPORTS	256
#define FZ_RECENT	1024	/* flows remembered for replies and ICMP errors */
#define FZ_IPIDS	64	/* IP ids of fragments: later ones meet their first */
#define FZ_PAY_SMALL	64	/* payload bytes, most packets ... */
#define FZ_PAY_BIG	1400	/* ... one in ten */
#define FZ_FRAG_PAY_MIN	200	/* a fragmented datagram's payload: from this ... */
#define FZ_FRAG_PAY_SPAN	1600	/* ... to this much more (a frame fits FZ_MAX_LEN) */
#define FZ_WALK_EVERY	25000	/* packets between conntrack walks */
#define FZ_STATS_EVERY	1024	/* packets between counter checks */
#define FZ_SAMPLE_EVERY	32	/* one frame in this many has its drop reason checked */
#define FZ_AGE_EVERY	64	/* packets between two flows aged (fz_age) */
#define FZ_NSEC		1000000000ull	/* CLOCK_MONOTONIC units in a second */
#define FZ_DIAG_MAX	5	/* "# " lines per pass and kind of failure */
#define FZ_DUMP		64	/* bytes of a failing frame shown */
/* The strict instance: room for every connection a run creates, far from
 * the LRU's eviction (which starts once fewer free nodes are left than a
 * per-CPU batch for each CPU, before the map is full). */
#define FZ_BIG_ENTRIES	(1 << 18)
#define FZ_BIG_MARGIN	(1 << 14)	/* entries left free at the peak */
#define FZ_SMALL_ENTRIES	256	/* the evicting instance: 128 connections */
#define FZ_VSLOTS	9	/* verdict histogram: values 0..7, then "other" */
#define FZ_TPID_QINQ	0x88a8

enum fz_prog { FZ_XDP, FZ_TC_IN, FZ_TC_EG, FZ_TC_LO, FZ_PROGS };
enum fz_gen { FZ_GOOD, FZ_MUTANT, FZ_NOISE, FZ_GENS };
/* Kinds of diagnostics, each printed at most FZ_DIAG_MAX times a pass. */
enum fz_diag { FZ_D_RUN, FZ_D_VERDICT, FZ_D_CSUM, FZ_D_STATS, FZ_D_CT, FZ_D_MAX };

static const char *const fz_prog_name[FZ_PROGS] = {
	"wf_xdp_ingress", "wf_tc_ingress", "wf_tc_egress", "wf_tc_lo_ingress",
};

/* One pass: a stretch of packets on one instance, one ingress program. */
struct fz_pass {
	const char *name;
	struct inst *I;
	bool tc;		/* ingress through wf_tc_ingress, else XDP */
	bool strict;		/* nothing can be evicted: a half-pair fails */
	long n;
	long runs, refused, err, bad_verdict, bad_len, aged;
	long csum_checked, csum_bad, sampled_drops, drop_uncounted, shrank;
	/* of the last walk; ct_bad: problems summed over the walks */
	long walks, entries, peak, pairs, pairs6, half, mismatch, state_diff, dup, wrong_table;
	long snat_ports, snat_bad, ct_bad;
	long gens[FZ_GENS];
	long verdicts[FZ_PROGS][FZ_VSLOTS];
	int diags[FZ_D_MAX];	/* diagnostics printed, by kind */
	__u64 last[WF_STAT_MAX];
	struct wf_counters last_ctr[ID_MAX];
};

/* A frame to run, as generated. */
struct fz_frame {
	__u8 buf[FZ_MAX_LEN];
	int len;
	enum hook hook;		/* H_IN (the pass's ingress) or H_EG */
	enum fz_gen gen;
	bool verifies;		/* a well-formed untagged IPv4/IPv6 frame (pkt_verify) */
};

/* A flow clients started: where replies and ICMP errors find its entry. */
struct fz_flow {
	__u8 proto;
	__u32 caddr, laddr;
	__u16 cport, lport;
};

/* ... and one of IPv6. */
struct fz_flow6 {
	__u8 proto;
	__u8 caddr[16], laddr[16];
	__u16 cport, lport;
};

static struct fz_flow6 fz_recent6[FZ_RECENT];
static int fz_nrecent6;
static __u64 fz_rng;
static long fz_index;		/* packet number in the run, for diagnostics */
static struct fz_flow fz_recent[FZ_RECENT];
static int fz_nrecent;
static struct inst fz_big, fz_small;

/* ---- xorshift64* ---- */
static __u64 fz_next(void)
{
	fz_rng ^= fz_rng >> 12;
	fz_rng ^= fz_rng << 25;
	fz_rng ^= fz_rng >> 27;
	return fz_rng * 0x2545f4914f6cdd1dull;
}

static __u32 fz_below(__u32 n)
{
	return n ? (__u32)(fz_next() >> 32) % n : 0;
}

static bool fz_pct(__u32 pct)
{
	return fz_below(100) < pct;
}

static void __attribute__((format(printf, 3, 4)))
fz_diag(struct fz_pass *P, enum fz_diag kind, const char *fmt, ...)
{
	va_list ap;

	if (P->diags[kind]++ >= FZ_DIAG_MAX)
		return;
	printf("# [%s] at packet %ld: ", P->name, fz_index);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void fz_dump(const __u8 *f, int len)
{
	int i;

	printf("#   %d bytes:", len);
	for (i = 0; i < len && i < FZ_DUMP; i++)
		printf("%s%02x", i % 16 ? " " : "\n#     ", f[i]);
	printf("\n");
}

/* ---- (a) well-formed frames ---- */
static const __u32 fz_clients[] = { C1, C2, C3, COUT, HOST, PEER };

/* TCP flags: the combinations a connection is made of, then any. */
static __u8 fz_tcp_flags(bool reply)
{
	static const __u8 common[] = {
		TH_SYN, TH_ACK, TH_PSH | TH_ACK, TH_FIN | TH_ACK, TH_RST | TH_ACK, TH_RST,
	};
	__u32 r = fz_below(100);

	if (r < 30)
		return reply ? TH_SYN | TH_ACK : TH_SYN;
	if (r < 85)
		return common[1 + fz_below(ARRAY_SIZE(common) - 1)];
	return fz_below(64);
}

static void fz_l4(struct pkt *p, bool reply)
{
	p->paylen = fz_pct(10) ? fz_below(FZ_PAY_BIG) : fz_below(FZ_PAY_SMALL);
	if (p->proto != 6)
		return;
	p->tcp_flags = fz_tcp_flags(reply);
	p->seq = fz_next();
	p->ack = fz_next();
	if (fz_pct(30)) {
		p->tsopt = fz_pct(70) ? TS_LINUX : TS_BSD;
		p->tsval = fz_next();
	}
}

/* Fragments, tags, options, TTL and TOS, each now and then. */
static void fz_ip_extras(struct pkt *p)
{
	int l4len, units;

	p->ipid = fz_below(FZ_IPIDS) + 1;
	if (fz_pct(8) && p->proto != 1) {
		p->paylen = FZ_FRAG_PAY_MIN + fz_below(FZ_FRAG_PAY_SPAN);
		l4len = (p->proto == 6 ? 20 + tcp_opts(p, (__u8[24]){ 0 }) : 8) + p->paylen;
		p->fragoff = 8 * fz_below(l4len / 8);
		units = (l4len - p->fragoff) / 8;
		p->fraglen = fz_pct(30) || !units ? l4len - p->fragoff :
			     8 * (1 + (int)fz_below(units));
	} else if (fz_pct(2)) {
		p->frag = fz_below(0x10000);
	}
	if (fz_pct(5))
		p->vlan = 1 + fz_below(4095);
	else if (fz_pct(3))
		p->vlan_tpid = ETH_P_8021Q_;	/* priority-tagged: VID 0 */
	else if (fz_pct(1))
		p->vlan_tpid = FZ_TPID_QINQ, p->vlan = fz_below(4096);
	if (fz_pct(5))
		p->ipopt = 1 + fz_below(10);
	if (fz_pct(5))
		p->ttl = fz_below(3);
	if (fz_pct(5))
		p->tos = fz_below(256);
}

static void fz_remember(const struct pkt *p, int sport, int dport)
{
	struct fz_flow *fl = &fz_recent[fz_below(FZ_RECENT)];

	if (fz_nrecent < FZ_RECENT)
		fl = &fz_recent[fz_nrecent++];
	fl->proto = p->proto;
	fl->caddr = p->saddr;
	fl->laddr = p->daddr;
	fl->cport = sport;
	fl->lport = dport;
}

/* A client's packet to a mapping (now and then to a port or an address
 * nobody maps). */
static void fz_client(struct pkt *p, int *sport, int *dport)
{
	const struct map_def *m = &map_defs[fz_below(ARRAY_SIZE(map_defs))];

	p->kind = K_IP4;
	p->smac = fz_pct(50) ? M_CLIENT : M_CLIENT2;
	p->dmac = M_VM;
	p->proto = fz_pct(3) ? (m->proto == 6 ? 17 : 6) : m->proto;	/* the other one */
	p->saddr = fz_clients[fz_below(ARRAY_SIZE(fz_clients))];
	p->daddr = fz_pct(3) ? OTHER : m->laddr ? m->laddr : VM;
	*sport = FZ_CPORT_BASE + fz_below(FZ_CPORTS);
	*dport = fz_pct(3) ? fz_below(65536) : m->lport;
	fz_l4(p, false);
	fz_ip_extras(p);
	fz_remember(p, *sport, *dport);
}

/* The ORIG entry of a remembered flow; false: none (yet). */
static bool fz_flow_entry(struct inst *I, struct fz_flow **flp, struct wf_ct_val *v)
{
	struct fz_flow *fl;
	struct wf_ct_key k;

	if (!fz_nrecent)
		return false;
	fl = &fz_recent[fz_below(fz_nrecent)];
	k = ct_key(fl->proto, fl->caddr, fl->cport, fl->laddr, fl->lport);
	*flp = fl;
	return !ct_get(I, &k, v) && v->dir == WF_DIR_ORIG;
}

/* A client's next packet on a remembered flow; a TCP one now and then in
 * the target's window (the REPLY entry's td_ack, what the target last
 * acknowledged), so that its RSTs and FINs count. */
static bool fz_client_again(struct inst *I, struct pkt *p, int *sport, int *dport)
{
	struct fz_flow *fl;
	struct wf_ct_key k, pk;
	struct wf_ct_val v, r;

	if (!fz_nrecent)
		return false;
	fl = &fz_recent[fz_below(fz_nrecent)];
	p->kind = K_IP4;
	p->smac = M_CLIENT;
	p->dmac = M_VM;
	p->proto = fl->proto;
	p->saddr = fl->caddr;
	p->daddr = fl->laddr;
	*sport = fl->cport;
	*dport = fl->lport;
	fz_l4(p, false);
	k = ct_key(fl->proto, fl->caddr, fl->cport, fl->laddr, fl->lport);
	if (p->proto == 6 && fz_pct(50) && !ct_get(I, &k, &v)) {
		wf_ct_peer_key(&k, &v, &pk);
		if (!ct_get(I, &pk, &r) && r.td_ack)
			p->seq = ntohl(r.td_ack) + fz_below(1024);
	}
	fz_ip_extras(p);
	return true;
}

/* The target's answer to a tracked flow, where the datapath meets it:
 * one-arm replies come in on IFACE, the others leave through it. */
static bool fz_reply(struct inst *I, struct pkt *p, int *sport, int *dport, enum hook *hook)
{
	struct fz_flow *fl;
	struct wf_ct_val v;

	if (!fz_flow_entry(I, &fl, &v))
		return false;
	p->kind = K_IP4;
	p->proto = fl->proto;
	p->saddr = ntohl(v.ndaddr);
	p->daddr = ntohl(v.nsaddr);
	*sport = ntohs(v.ndport);
	*dport = ntohs(v.nsport);
	*hook = v.flags & WF_CT_F_TX ? H_IN : H_EG;
	p->smac = *hook == H_IN ? M_HOST : M_VM;
	p->dmac = *hook == H_IN ? M_VM : M_CLIENT;
	fz_l4(p, true);
	/* in the client's window now and then: RSTs that count */
	if (v.td_ack && fz_pct(50))
		p->seq = ntohl(v.td_ack) + fz_below(1024);
	fz_ip_extras(p);
	return true;
}

/* What an ICMP error quotes: a tracked flow's packet as it left (to the
 * target, or the target's answer to the client), or as the client sent it. */
static void fz_quote(const struct fz_flow *fl, const struct wf_ct_val *v, struct pkt *q,
		     struct pkt *p, enum hook *hook)
{
	q->kind = K_IP4;
	q->proto = fl->proto;
	q->tcp_flags = fz_tcp_flags(false);
	q->paylen = fz_below(32);
	p->dmac = M_VM;
	p->smac = M_HOST;
	switch (fz_below(3)) {
	case 0:		/* about the translated packet, from the target's side */
		q->saddr = ntohl(v->nsaddr), q->sport = ntohs(v->nsport);
		q->daddr = ntohl(v->ndaddr), q->dport = ntohs(v->ndport);
		p->saddr = fz_pct(50) ? ROUTER : q->daddr;
		p->daddr = q->saddr;
		*hook = v->flags & WF_CT_F_TX ? H_IN : H_EG;
		break;
	case 1:		/* about the answer that left to the client */
		q->saddr = fl->laddr, q->sport = fl->lport;
		q->daddr = fl->caddr, q->dport = fl->cport;
		p->saddr = fz_pct(50) ? ROUTER : fl->caddr;
		p->daddr = fl->laddr;
		*hook = H_IN;
		break;
	default:	/* about the client's packet, anywhere */
		q->saddr = fl->caddr, q->sport = fl->cport;
		q->daddr = fl->laddr, q->dport = fl->lport;
		p->saddr = fz_pct(50) ? ROUTER : fl->laddr;
		p->daddr = fl->caddr;
		*hook = fz_pct(50) ? H_IN : H_EG;
		break;
	}
}

static bool fz_icmp(struct inst *I, struct pkt *p, struct pkt *q, enum hook *hook)
{
	/* unreachable (3 times as often), time exceeded, parameter problem,
	 * source quench, redirect */
	static const __u8 types[] = { 3, 3, 3, 11, 12, 4, 5 };
	struct fz_flow *fl;
	struct wf_ct_val v;

	if (!fz_flow_entry(I, &fl, &v))
		return false;
	fz_quote(fl, &v, q, p, hook);
	if (fz_pct(20))
		q->ipopt = 1 + fz_below(10);
	p->kind = K_IP4;
	p->proto = 1;
	p->inner = q;
	p->icmp_type = fz_pct(90) ? types[fz_below(ARRAY_SIZE(types))] : fz_below(256);
	p->icmp_code = fz_below(16);
	p->icmp_mtu = 68 + fz_below(1500);	/* IPv4's minimum MTU and up */
	p->quote = fz_pct(60) ? 0 : fz_below(40);	/* whole, or cut inside L4 */
	p->ttl = fz_pct(5) ? fz_below(3) : 0;
	return true;
}

/* A target speaking first (no entry, or one gone), from its mapped port. */
static bool fz_server_first(struct pkt *p, int *sport, int *dport, enum hook *hook)
{
	const struct map_def *m = &map_defs[fz_below(ARRAY_SIZE(map_defs))];

	p->kind = K_IP4;
	p->smac = M_VM;
	p->dmac = M_CLIENT;
	p->proto = m->proto;
	p->saddr = m->tkind == WF_ADDR_VM ? VM : m->tkind == WF_ADDR_HOST ? HOST : m->taddr;
	p->daddr = fz_clients[fz_below(ARRAY_SIZE(fz_clients))];
	*sport = m->tport;
	*dport = FZ_CPORT_BASE + fz_below(FZ_CPORTS);
	*hook = H_EG;
	fz_l4(p, true);
	fz_ip_extras(p);
	return true;
}

/* Frames that are not IPv4 TCP/UDP/ICMP at all. */
static bool fz_other(struct pkt *p, int *sport, int *dport, enum hook *hook)
{
	static const enum pkt_kind kinds[] = { K_ARP, K_IP6, K_ETH_ONLY };

	p->kind = kinds[fz_below(ARRAY_SIZE(kinds))];
	p->smac = M_CLIENT;
	p->dmac = fz_pct(50) ? M_BCAST : M_VM;
	p->saddr = C1;
	p->daddr = VM;
	p->tcp_flags = fz_tcp_flags(false);
	*sport = FZ_CPORT_BASE + fz_below(FZ_CPORTS);
	*dport = map_defs[fz_below(ARRAY_SIZE(map_defs))].lport;
	*hook = fz_pct(50) ? H_IN : H_EG;
	return true;
}

/* ---- IPv6 ---- */
static const __u8 fz_clients6[][16] = { C1_6, C2_6, PEER6, HOST6 };
static const __u8 fz_vm6[16] = VM6, fz_other6[16] = OTHER6;

/* An extension chain now and then: up to 8 headers (the walk stops at 6)
 * of the kinds it walks, a fragment header among them, AH rarely. */
static void fz_ext6(struct pkt *p)
{
	static const __u8 types[] = { 0, 43, 60, 60, 44, 51 };
	int i, n, l4len;

	p->ipid = fz_below(FZ_IPIDS) + 1;
	if (fz_pct(70))
		return;
	n = 1 + fz_below(8);
	for (i = 0; i < n; i++) {
		p->ext[i] = types[fz_below(fz_pct(95) ? 4 : ARRAY_SIZE(types))];
		p->ext_len[i] = fz_pct(70) ? 0 : fz_below(4);
	}
	p->n_ext = n;
	if (fz_pct(30)) {
		/* a fragment: its header last, so the cut takes L4 bytes */
		p->ext[n - 1] = 44;
		if (p->proto != 6 && p->proto != 17)
			return;
		p->paylen = FZ_FRAG_PAY_MIN + fz_below(FZ_FRAG_PAY_SPAN);
		l4len = (p->proto == 6 ? 20 + tcp_opts(p, (__u8[24]){ 0 }) : 8) + p->paylen;
		/* first fragments half the time: they make the wf_frag6 entries */
		p->fragoff = fz_pct(50) ? 0 : 8 * fz_below(l4len / 8);
		p->fraglen = fz_pct(30) || l4len - p->fragoff < 8 ? l4len - p->fragoff :
			     8 * (1 + (int)fz_below((l4len - p->fragoff) / 8));
		if (fz_pct(10))		/* atomic: offset 0, M clear */
			p->fraglen = 0, p->fragoff = 0;
	}
}

static void fz_ip6_extras(struct pkt *p)
{
	fz_ext6(p);
	if (fz_pct(5))
		p->ttl = fz_below(3);
	if (fz_pct(5))
		p->tos = fz_below(256);
	if (fz_pct(5))
		p->flowlabel = fz_below(1 << 20);
	if (p->proto == 17 && fz_pct(3))
		p->csum = CS_ZERO;
	if (fz_pct(3))
		p->vlan = 1 + fz_below(4095);
}

static void fz_remember6(const struct pkt *p, int sport, int dport)
{
	struct fz_flow6 *fl = &fz_recent6[fz_below(FZ_RECENT)];

	if (fz_nrecent6 < FZ_RECENT)
		fl = &fz_recent6[fz_nrecent6++];
	fl->proto = p->proto;
	memcpy(fl->caddr, p->saddr6, 16);
	memcpy(fl->laddr, p->daddr6, 16);
	fl->cport = sport;
	fl->lport = dport;
}

static void fz_client6(struct pkt *p, int *sport, int *dport)
{
	const struct map6_def *m = &map6_defs[fz_below(ARRAY_SIZE(map6_defs))];

	p->kind = K_IP6;
	p->smac = fz_pct(50) ? M_CLIENT : M_CLIENT2;
	p->dmac = M_VM;
	p->proto = fz_pct(3) ? (m->proto == 6 ? 17 : 6) : m->proto;
	memcpy(p->saddr6, fz_clients6[fz_below(ARRAY_SIZE(fz_clients6))], 16);
	memcpy(p->daddr6, fz_pct(3) ? fz_other6 : fz_vm6, 16);
	*sport = FZ_CPORT_BASE + fz_below(FZ_CPORTS);
	*dport = fz_pct(3) ? fz_below(65536) : m->lport;
	fz_l4(p, false);
	fz_ip6_extras(p);
	fz_remember6(p, *sport, *dport);
}

/* The ORIG entry of a remembered IPv6 flow; false: none (yet). */
static bool fz_flow6_entry(struct inst *I, struct fz_flow6 **flp, struct wf_ct6_val *v)
{
	struct fz_flow6 *fl;
	struct wf_ct6_key k;

	if (!fz_nrecent6)
		return false;
	fl = &fz_recent6[fz_below(fz_nrecent6)];
	k = ct6_key(fl->proto, fl->caddr, fl->cport, fl->laddr, fl->lport);
	*flp = fl;
	return !ct6_get(I, &k, v) && v->c.dir == WF_DIR_ORIG;
}

static bool fz_client6_again(struct pkt *p, int *sport, int *dport)
{
	struct fz_flow6 *fl;

	if (!fz_nrecent6)
		return false;
	fl = &fz_recent6[fz_below(fz_nrecent6)];
	p->kind = K_IP6;
	p->smac = M_CLIENT;
	p->dmac = M_VM;
	p->proto = fl->proto;
	memcpy(p->saddr6, fl->caddr, 16);
	memcpy(p->daddr6, fl->laddr, 16);
	*sport = fl->cport;
	*dport = fl->lport;
	fz_l4(p, false);
	fz_ip6_extras(p);
	return true;
}

static bool fz_reply6(struct inst *I, struct pkt *p, int *sport, int *dport, enum hook *hook)
{
	struct fz_flow6 *fl;
	struct wf_ct6_val v;

	if (!fz_flow6_entry(I, &fl, &v))
		return false;
	p->kind = K_IP6;
	p->proto = fl->proto;
	memcpy(p->saddr6, v.ndaddr, 16);
	memcpy(p->daddr6, v.nsaddr, 16);
	*sport = ntohs(v.c.ndport);
	*dport = ntohs(v.c.nsport);
	*hook = v.c.flags & WF_CT_F_TX ? H_IN : H_EG;
	p->smac = *hook == H_IN ? M_HOST : M_VM;
	p->dmac = *hook == H_IN ? M_VM : M_CLIENT;
	fz_l4(p, true);
	if (v.c.td_ack && fz_pct(50))
		p->seq = ntohl(v.c.td_ack) + fz_below(1024);
	fz_ip6_extras(p);
	return true;
}

static void fz_server_first6(struct pkt *p, int *sport, int *dport, enum hook *hook)
{
	const struct map6_def *m = &map6_defs[fz_below(ARRAY_SIZE(map6_defs))];

	p->kind = K_IP6;
	p->smac = M_VM;
	p->dmac = M_CLIENT;
	p->proto = m->proto;
	memcpy(p->saddr6, m->tkind == WF_ADDR_VM ? vm6 : m->tkind == WF_ADDR_HOST ? host6 :
	       m->taddr, 16);
	memcpy(p->daddr6, fz_clients6[fz_below(ARRAY_SIZE(fz_clients6))], 16);
	*sport = m->tport;
	*dport = FZ_CPORT_BASE + fz_below(FZ_CPORTS);
	*hook = H_EG;
	fz_l4(p, true);
	fz_ip6_extras(p);
}

/* ICMPv6: ND, RA, MLD, echo, errors (slice 1 passes them all untouched). */
static void fz_icmp6(struct pkt *p, enum hook *hook)
{
	static const __u8 types[] = { 128, 129, 133, 134, 135, 136, 143, 130, 1, 2, 3, 4 };

	p->kind = K_IP6;
	p->proto = 58;
	p->icmp_type = fz_pct(90) ? types[fz_below(ARRAY_SIZE(types))] : fz_below(256);
	p->icmp_code = fz_pct(80) ? 0 : fz_below(256);
	p->paylen = fz_below(FZ_PAY_SMALL);
	*hook = fz_pct(70) ? H_IN : H_EG;
	p->smac = *hook == H_IN ? M_CLIENT : M_VM;
	p->dmac = *hook == H_IN ? (fz_pct(50) ? M_VM : M_ALLNODES) : M_CLIENT;
	memcpy(p->saddr6, *hook == H_IN ? fz_clients6[fz_below(ARRAY_SIZE(fz_clients6))] : vm6,
	       16);
	memcpy(p->daddr6, *hook == H_IN ? vm6 : fz_clients6[0], 16);
	memcpy(p->target6, vm6, 16);
	p->ttl = fz_pct(50) ? 255 : 0;
	if (fz_pct(20)) {
		p->n_ext = 1;
		p->ext[0] = fz_pct(50) ? 0 : 60;
	}
}

/* An ICMPv6 error (types 1-4) quoting a tracked IPv6 flow's packet, as
 * fz_quote() does for IPv4: the translated packet from the target's side,
 * the answer that left to the client, or the client's own packet. */
static bool fz_icmp6_err(struct inst *I, struct pkt *p, struct pkt *q, enum hook *hook)
{
	static const __u8 router[16] = ROUTER6;
	struct fz_flow6 *fl;
	struct wf_ct6_val v;

	if (!fz_flow6_entry(I, &fl, &v))
		return false;
	q->kind = K_IP6;
	q->proto = fl->proto;
	q->tcp_flags = fz_tcp_flags(false);
	q->paylen = fz_below(32);
	p->dmac = M_VM;
	p->smac = M_HOST;
	switch (fz_below(3)) {
	case 0:
		memcpy(q->saddr6, v.nsaddr, 16), q->sport = ntohs(v.c.nsport);
		memcpy(q->daddr6, v.ndaddr, 16), q->dport = ntohs(v.c.ndport);
		memcpy(p->saddr6, fz_pct(50) ? router : q->daddr6, 16);
		memcpy(p->daddr6, q->saddr6, 16);
		*hook = v.c.flags & WF_CT_F_TX ? H_IN : H_EG;
		break;
	case 1:
		memcpy(q->saddr6, fl->laddr, 16), q->sport = fl->lport;
		memcpy(q->daddr6, fl->caddr, 16), q->dport = fl->cport;
		memcpy(p->saddr6, fz_pct(50) ? router : fl->caddr, 16);
		memcpy(p->daddr6, fl->laddr, 16);
		*hook = H_IN;
		break;
	default:
		memcpy(q->saddr6, fl->caddr, 16), q->sport = fl->cport;
		memcpy(q->daddr6, fl->laddr, 16), q->dport = fl->lport;
		memcpy(p->saddr6, fz_pct(50) ? router : fl->laddr, 16);
		memcpy(p->daddr6, fl->caddr, 16);
		*hook = fz_pct(50) ? H_IN : H_EG;
		break;
	}
	if (fz_pct(20))
		fz_ext6(q);
	p->kind = K_IP6;
	p->proto = 58;
	p->inner = q;
	p->icmp_type = fz_pct(90) ? 1 + fz_below(4) : fz_below(256);
	p->icmp_code = fz_below(8);
	p->icmp_mtu = 1280 + fz_below(200);
	p->quote = fz_pct(60) ? 0 : fz_below(40);
	p->ttl = fz_pct(5) ? fz_below(3) : 0;
	return true;
}

/* IPv6 is a quarter of the well-formed frames: a client's first packet
 * 35 %, its next 15 %, a target's reply 25 %, an ICMPv6 error about a
 * tracked flow 10 %, a target first 7 %, other ICMPv6 8 %. */
static void fz_good6(struct inst *I, struct pkt *p, struct pkt *q, int *sport, int *dport,
		     enum hook *hook)
{
	__u32 r = fz_below(100);
	bool done = false;

	*hook = H_IN;
	if (r < 35)
		done = false;
	else if (r < 50)
		done = fz_client6_again(p, sport, dport);
	else if (r < 75)
		done = fz_reply6(I, p, sport, dport, hook);
	else if (r < 85)
		done = fz_icmp6_err(I, p, q, hook);
	else if (r < 92)
		fz_server_first6(p, sport, dport, hook), done = true;
	else
		fz_icmp6(p, hook), done = true;
	if (!done)
		fz_client6(p, sport, dport);
}

/* What a well-formed frame is: a client's first packet 15 %, its next
 * one 15 %, a target's reply 35 %, an ICMP error 15 % (the last three on a
 * remembered flow, a first packet while there is none), a target speaking
 * first 15 %, not IPv4 5 %; or, one in four, IPv6 (fz_good6). */
static void fz_good(struct inst *I, struct fz_frame *fr)
{
	struct pkt p = { 0 }, q = { 0 };
	int sport = 0, dport = 0;
	__u32 r = fz_below(100);
	char why[128];
	bool done, uz;

	fr->hook = H_IN;
	if (fz_pct(25)) {
		fz_good6(I, &p, &q, &sport, &dport, &fr->hook);
		fr->len = pkt_build(&p, sport, dport, fr->buf, sizeof(fr->buf));
		fr->verifies = !p.vlan && !pkt_verify(fr->buf, fr->len, &uz, why, sizeof(why));
		return;
	}
	if (r < 15)
		done = false;
	else if (r < 30)
		done = fz_client_again(I, &p, &sport, &dport);
	else if (r < 65)
		done = fz_reply(I, &p, &sport, &dport, &fr->hook);
	else if (r < 80)
		done = fz_icmp(I, &p, &q, &fr->hook);
	else if (r < 95)
		done = fz_server_first(&p, &sport, &dport, &fr->hook);
	else
		done = fz_other(&p, &sport, &dport, &fr->hook);
	if (!done)
		fz_client(&p, &sport, &dport);
	fr->len = pkt_build(&p, sport, dport, fr->buf, sizeof(fr->buf));
	fr->verifies = !pkt_verify4(fr->buf, fr->len, &uz, why, sizeof(why));
}

/* ---- (b) mutations, (c) noise ---- */
static void fz_mutate_one(struct fz_frame *fr)
{
	__u8 *f = fr->buf;
	int ip = ETH_HLEN_, l4, i;

	if (fr->len >= ETH_HLEN_ + 4 && (get16(f + 12) == ETH_P_8021Q_ ||
					 get16(f + 12) == FZ_TPID_QINQ))
		ip += 4;
	l4 = ip + (fr->len > ip ? (f[ip] & 0xf) * 4 : 0);
	if (fr->len >= ip + IP6_HLEN_ && get16(f + ip - 2) == ETH_P_IPV6_ && fz_pct(50)) {
		/* IPv6: payload_len, a next header, an extension's length */
		switch (fz_below(3)) {
		case 0:
			put16(f + ip + 4, fz_pct(50) ? (int)fz_below(65536) :
			      fr->len - ip - IP6_HLEN_ + (int)fz_below(41) - 20);
			break;
		case 1:
			f[ip + 6] = fz_pct(50) ? fz_below(256) : (__u8[]){ 0, 6, 17, 43, 44,
									   58, 60 }[fz_below(7)];
			break;
		default:
			i = ip + IP6_HLEN_ + fz_below(64);
			if (i + 1 < fr->len)
				f[i + 1] = fz_below(256);
			break;
		}
		return;
	}
	switch (fz_below(8)) {
	case 0:		/* bit flips */
	case 1:
		for (i = 1 + fz_below(4); i > 0; i--)
			f[fz_below(fr->len)] ^= 1 << fz_below(8);
		break;
	case 2:		/* cut anywhere, inside the headers too */
		fr->len = ETH_HLEN_ + fz_below(fr->len - ETH_HLEN_ + 1);
		break;
	case 3:		/* version/ihl */
		if (fr->len > ip)
			f[ip] = fz_pct(80) ? (f[ip] & 0xf0) | fz_below(16) : fz_below(256);
		break;
	case 4:		/* tot_len */
		if (fr->len >= ip + 4)
			put16(f + ip + 2, fz_pct(50) ? (int)fz_below(65536) :
			      fr->len - ip + (int)fz_below(41) - 20);
		break;
	case 5:		/* doff, UDP length */
		if (fr->len >= l4 + 13)
			f[l4 + 12] = fz_below(16) << 4 | (f[l4 + 12] & 0xf);
		if (fr->len >= l4 + 6 && fz_pct(50))
			put16(f + l4 + 4, fz_below(65536));
		break;
	case 6:		/* checksums: the IP header's, then TCP's or UDP's */
		if (fr->len >= ip + 12)
			f[ip + 10 + fz_below(2)] ^= 1 + fz_below(255);
		if (fr->len >= l4 + 18 && fz_pct(50))
			f[l4 + (f[ip + 9] == 6 ? 16 : 6) + fz_below(2)] ^= 1 + fz_below(255);
		break;
	default:	/* a random tail up to the buffer */
		i = fr->len + fz_below(sizeof(fr->buf) - fr->len + 1);
		for (; fr->len < i; fr->len++)
			f[fr->len] = fz_next();
		break;
	}
}

static void fz_mutate(struct fz_frame *fr)
{
	int i;

	for (i = 1 + fz_below(3); i > 0; i--)
		fz_mutate_one(fr);
	fr->verifies = false;
}

/* Random bytes, short ones more often; half of them start like IPv4 to
 * get past the first checks, some with a mapped port too. */
static void fz_noise(struct fz_frame *fr)
{
	__u8 *f = fr->buf;
	int i;

	fr->len = ETH_HLEN_ + (fz_pct(50) ? fz_below(128) : fz_below(FZ_MAX_LEN - ETH_HLEN_ + 1));
	for (i = 0; i < fr->len; i++)
		f[i] = fz_next();
	fr->hook = fz_pct(50) ? H_IN : H_EG;
	fr->verifies = false;
	if (fz_pct(25) && fr->len >= ETH_HLEN_ + IP6_HLEN_ + 4) {
		static const __u8 nexts[] = { 0, 6, 17, 43, 44, 58, 60 };

		put16(f + 12, ETH_P_IPV6_);
		f[ETH_HLEN_] = 0x60 | (f[ETH_HLEN_] & 0xf);
		if (fz_pct(50))
			put16(f + ETH_HLEN_ + 4, fr->len - ETH_HLEN_ - IP6_HLEN_);
		f[ETH_HLEN_ + 6] = nexts[fz_below(ARRAY_SIZE(nexts))];
		memcpy(f + ETH_HLEN_ + 24, vm6, 16);
		put16(f + ETH_HLEN_ + IP6_HLEN_ + 2,
		      map6_defs[fz_below(ARRAY_SIZE(map6_defs))].lport);
		return;
	}
	if (fz_pct(50) || fr->len < ETH_HLEN_ + 24)
		return;
	put16(f + 12, ETH_P_IP_);
	f[ETH_HLEN_] = 0x45;
	if (fz_pct(50)) {
		static const __u8 protos[] = { 1, 6, 17 };

		f[ETH_HLEN_ + 9] = protos[fz_below(ARRAY_SIZE(protos))];
		put32(f + ETH_HLEN_ + 16, VM);
		put16(f + ETH_HLEN_ + 22, map_defs[fz_below(ARRAY_SIZE(map_defs))].lport);
	}
}

/* ---- Running a frame, checking what came back ---- */
static bool fz_legal(enum fz_prog prog, __u32 ret)
{
	if (prog == FZ_XDP)
		return ret == XDP_PASS || ret == XDP_DROP || ret == XDP_TX || ret == XDP_REDIRECT;
	return ret == TC_ACT_OK || ret == TC_ACT_SHOT || ret == TC_ACT_REDIRECT;
}

static bool fz_dropped(enum fz_prog prog, __u32 ret)
{
	return ret == (prog == FZ_XDP ? XDP_DROP : TC_ACT_SHOT);
}

/* BPF_PROG_RUN builds an skb only from a frame whose IPv4 or IPv6 header
 * is whole (SHORT_SKB; bpf_prog_test_run_skb()): -EINVAL, nothing ran. */
static bool fz_refused(enum fz_prog prog, const __u8 *f, int len, int err)
{
	__u16 proto = get16(f + 12);

	return prog != FZ_XDP && err == -EINVAL &&
	       ((proto == ETH_P_IP_ && len < ETH_HLEN_ + 20) ||
		(proto == ETH_P_IPV6_ && len < ETH_HLEN_ + 40));
}

static __u64 fz_drops(const __u64 *st)
{
	__u64 n = 0;
	int i;

	for (i = WF_DROP_FIRST; i <= WF_DROP_LAST; i++)
		n += st[i];
	return n;
}

/* Run @in through @prog; false when it did not run (refused or failed). */
static bool fz_exec(struct fz_pass *P, enum fz_prog prog, const __u8 *in, int len, __u8 *out,
		    __u32 *olen, __u32 *ret)
{
	static const struct fixture fx[FZ_PROGS] = {
		[FZ_XDP] = { .hook = H_IN }, [FZ_TC_IN] = { .hook = H_IN },
		[FZ_TC_EG] = { .hook = H_EG }, [FZ_TC_LO] = { .hook = H_LO },
	};
	int err;

	*olen = FZ_OUT_LEN;
	err = prog_run(P->I, &fx[prog], prog == FZ_XDP, 0, in, len, out, olen, ret);
	P->runs++;
	if (err && fz_refused(prog, in, len, err)) {
		P->refused++;
		return false;
	}
	if (err) {
		P->err++;
		fz_diag(P, FZ_D_RUN, "%s: BPF_PROG_RUN failed: %s", fz_prog_name[prog],
			strerror(-err));
		if (P->diags[FZ_D_RUN] <= FZ_DIAG_MAX)
			fz_dump(in, len);
		return false;
	}
	P->verdicts[prog][*ret < FZ_VSLOTS - 1u ? *ret : FZ_VSLOTS - 1u]++;
	if (!fz_legal(prog, *ret)) {
		P->bad_verdict++;
		fz_diag(P, FZ_D_VERDICT, "%s: verdict %s", fz_prog_name[prog],
			verdict_name(prog == FZ_XDP, *ret));
		return false;
	}
	if (!fz_dropped(prog, *ret) && (*olen < ETH_HLEN_ || *olen > (__u32)len + FZ_GROW)) {
		P->bad_len++;
		fz_diag(P, FZ_D_VERDICT, "%s: %d bytes in, %u out", fz_prog_name[prog], len, *olen);
		return false;
	}
	return true;
}

/* A well-formed frame a program let through: its checksums verify. */
static void fz_check_csum(struct fz_pass *P, enum fz_prog prog, const struct fz_frame *fr,
			  const __u8 *out, __u32 olen, __u32 ret)
{
	char why[160], desc[512];
	bool uz;

	if (!fr->verifies || fz_dropped(prog, ret) || olen < ETH_HLEN_ + 20 ||
	    (get16(out + 12) != ETH_P_IP_ && get16(out + 12) != ETH_P_IPV6_))
		return;
	P->csum_checked++;
	if (!pkt_verify(out, olen, &uz, why, sizeof(why)))
		return;
	P->csum_bad++;
	pkt_describe(out, olen, desc, sizeof(desc));
	fz_diag(P, FZ_D_CSUM, "%s %s: %s: %s", fz_prog_name[prog],
		verdict_name(prog == FZ_XDP, ret), why, desc);
	if (P->diags[FZ_D_CSUM] <= FZ_DIAG_MAX)
		fz_dump(fr->buf, fr->len);
}

/* One frame: through the hook it is for and, in the XDP modes, what XDP
 * passed on through wf_tc_lo_ingress, as the stack would hand it. */
static void fz_run(struct fz_pass *P, const struct fz_frame *fr)
{
	static __u8 out[FZ_OUT_LEN], out2[FZ_OUT_LEN];
	enum fz_prog prog = fr->hook == H_EG ? FZ_TC_EG : P->tc ? FZ_TC_IN : FZ_XDP;
	bool sample = fz_index % FZ_SAMPLE_EVERY == 0;
	__u64 st0[WF_STAT_MAX], st1[WF_STAT_MAX];
	__u32 olen, olen2, ret, ret2;

	if (sample)
		stats_read(P->I, st0);
	if (!fz_exec(P, prog, fr->buf, fr->len, out, &olen, &ret))
		return;
	if (sample && fz_dropped(prog, ret)) {
		stats_read(P->I, st1);
		P->sampled_drops++;
		if (fz_drops(st1) <= fz_drops(st0)) {
			P->drop_uncounted++;
			fz_diag(P, FZ_D_STATS, "%s dropped a frame without a drop reason counted",
				fz_prog_name[prog]);
		}
	}
	fz_check_csum(P, prog, fr, out, olen, ret);
	if (prog == FZ_XDP && ret == XDP_PASS &&
	    fz_exec(P, FZ_TC_LO, out, olen, out2, &olen2, &ret2))
		fz_check_csum(P, FZ_TC_LO, fr, out2, olen2, ret2);
}

/* Counters only grow: wf_stats and every mapping's wf_counters. */
static void fz_check_counters(struct fz_pass *P, bool mappings)
{
	__u64 st[WF_STAT_MAX];
	struct wf_counters c;
	__u32 id;
	int i, d;

	stats_read(P->I, st);
	for (i = 0; i < WF_STAT_MAX; i++) {
		if (st[i] < P->last[i]) {
			P->shrank++;
			fz_diag(P, FZ_D_STATS, "wf_stats[%s] went from %" PRIu64 " to %" PRIu64,
				stat_name(i), (uint64_t)P->last[i], (uint64_t)st[i]);
		}
		P->last[i] = st[i];
	}
	for (id = 1; mappings && id < ID_MAX; id++) {
		counters_read(P->I, id, &c);
		for (d = 0; d < 2; d++)
			if (c.packets[d] < P->last_ctr[id].packets[d] ||
			    c.bytes[d] < P->last_ctr[id].bytes[d])
				P->shrank++;
		if (c.conns < P->last_ctr[id].conns) {
			P->shrank++;
			fz_diag(P, FZ_D_STATS, "wf_counters[%u] went down", id);
		}
		P->last_ctr[id] = c;
	}
}

/* ---- Conntrack walk ---- */
struct fz_ent {
	struct wf_ct_key k;
	struct wf_ct_val v;
	__u8 table;		/* the map it was found in */
};

static struct fz_ent *fz_ents;
static size_t fz_nents, fz_ents_cap;

static int fz_ent_cmp(const void *a, const void *b)
{
	const struct fz_ent *x = a, *y = b;

	if (x->table != y->table)
		return x->table - y->table;
	return memcmp(&x->k, &y->k, sizeof(x->k));
}

static const struct fz_ent *fz_find(__u8 table, const struct wf_ct_key *k)
{
	struct fz_ent e = { .k = *k, .table = table };

	return bsearch(&e, fz_ents, fz_nents, sizeof(e), fz_ent_cmp);
}

/* Append every entry of map @fd (batch lookups); 0 or -errno. */
static int fz_load_table(int fd, __u8 table)
{
	enum { CHUNK = 1024 };
	static struct wf_ct_key keys[CHUNK];
	static struct wf_ct_val vals[CHUNK];
	__u32 batch, count, i;
	bool first = true;
	int err;

	do {
		count = CHUNK;
		err = bpf_map_lookup_batch(fd, first ? NULL : &batch, &batch, keys, vals, &count,
					   NULL);
		if (err && errno != ENOENT)
			return -errno;
		if (fz_nents + count > fz_ents_cap) {
			fz_ents_cap = 2 * (fz_nents + count);
			fz_ents = realloc(fz_ents, fz_ents_cap * sizeof(*fz_ents));
			if (!fz_ents)
				return -ENOMEM;
		}
		for (i = 0; i < count; i++) {
			fz_ents[fz_nents].k = keys[i];
			fz_ents[fz_nents].v = vals[i];
			fz_ents[fz_nents++].table = table;
		}
		first = false;
	} while (!err);
	return 0;
}

static void fz_ct_diag(struct fz_pass *P, const char *what, const struct fz_ent *e)
{
	char ks[64], ps[64];
	struct wf_ct_key pk;

	wf_ct_peer_key(&e->k, &e->v, &pk);
	key_str(&e->k, ks, sizeof(ks));
	key_str(&pk, ps, sizeof(ps));
	fz_diag(P, FZ_D_CT, "%s: %s %s (id %u, %s, state %u, %s), peer %s", what,
		e->table == WF_CT_T_NEW ? "wf_ct_new" : "wf_ct", ks, e->v.id,
		e->v.dir == WF_DIR_ORIG ? "ORIG" : "REPLY", e->v.state,
		e->v.kind == WF_KIND_ONEARM ? "one-arm" : "local/behind", ps);
}

/* One entry: its table, its peer (present, pointing back, the other
 * direction of the same connection), a one-arm ORIG's SNAT port. */
static void fz_check_ent(struct fz_pass *P, const struct fz_ent *e)
{
	const struct fz_ent *p;
	struct wf_ct_key pk;
	__u16 port;

	if (e->v.table != e->table) {
		P->wrong_table++;
		fz_ct_diag(P, "entry says it is in the other table", e);
	}
	if (fz_find(!e->table, &e->k) && e->table == WF_CT_T_MAIN) {
		P->dup++;
		fz_ct_diag(P, "key in both tables", e);
	}
	if (e->v.dir == WF_DIR_ORIG && (e->v.flags & WF_CT_F_REWRITE_SRC)) {
		port = ntohs(e->v.nsport);
		P->snat_ports++;
		if (e->v.nsaddr != htonl(VM) || port < P->I->snat_min || port > P->I->snat_max) {
			P->snat_bad++;
			fz_ct_diag(P, "SNAT source outside @vm and the range", e);
		}
	}
	wf_ct_peer_key(&e->k, &e->v, &pk);
	p = fz_find(e->table, &pk);
	if (!p) {
		P->half++;
		if (P->strict)
			fz_ct_diag(P, fz_find(!e->table, &pk) ? "peer in the other table" :
				   "half-pair: no peer", e);
		return;
	}
	if (p->v.ndaddr != e->k.saddr || p->v.nsaddr != e->k.daddr ||
	    p->v.ndport != e->k.sport || p->v.nsport != e->k.dport ||
	    p->v.dir == e->v.dir || p->v.id != e->v.id || p->v.kind != e->v.kind) {
		P->mismatch++;
		if (P->strict)
			fz_ct_diag(P, "peer is another connection's", e);
		return;
	}
	if (e->v.dir == WF_DIR_ORIG) {
		P->pairs++;
		if (p->v.state != e->v.state) {
			P->state_diff++;
			fz_ct_diag(P, "the halves disagree on the state", e);
			if (P->diags[FZ_D_CT] <= FZ_DIAG_MAX)
				printf("#   ORIG state %u, REPLY state %u\n", e->v.state, p->v.state);
		}
	}
}

/* ---- The same walk over wf_ct6/wf_ct6_new ---- */
struct fz_ent6 {
	struct wf_ct6_key k;
	struct wf_ct6_val v;
	__u8 table;
};

static struct fz_ent6 *fz_ents6;
static size_t fz_nents6, fz_ents6_cap;

static int fz_ent6_cmp(const void *a, const void *b)
{
	const struct fz_ent6 *x = a, *y = b;

	if (x->table != y->table)
		return x->table - y->table;
	return memcmp(&x->k, &y->k, sizeof(x->k));
}

static const struct fz_ent6 *fz_find6(__u8 table, const struct wf_ct6_key *k)
{
	struct fz_ent6 e = { .k = *k, .table = table };

	return bsearch(&e, fz_ents6, fz_nents6, sizeof(e), fz_ent6_cmp);
}

static int fz_load_table6(int fd, __u8 table)
{
	enum { CHUNK = 1024 };
	static struct wf_ct6_key keys[CHUNK];
	static struct wf_ct6_val vals[CHUNK];
	__u32 batch, count, i;
	bool first = true;
	int err;

	do {
		count = CHUNK;
		err = bpf_map_lookup_batch(fd, first ? NULL : &batch, &batch, keys, vals, &count,
					   NULL);
		if (err && errno != ENOENT)
			return -errno;
		if (fz_nents6 + count > fz_ents6_cap) {
			fz_ents6_cap = 2 * (fz_nents6 + count);
			fz_ents6 = realloc(fz_ents6, fz_ents6_cap * sizeof(*fz_ents6));
			if (!fz_ents6)
				return -ENOMEM;
		}
		for (i = 0; i < count; i++) {
			fz_ents6[fz_nents6].k = keys[i];
			fz_ents6[fz_nents6].v = vals[i];
			fz_ents6[fz_nents6++].table = table;
		}
		first = false;
	} while (!err);
	return 0;
}

static void fz_ct6_diag(struct fz_pass *P, const char *what, const struct fz_ent6 *e)
{
	char ks[160], ps[160];
	struct wf_ct6_key pk;

	wf_ct6_peer_key(&e->k, &e->v, &pk);
	key6_str(&e->k, ks, sizeof(ks));
	key6_str(&pk, ps, sizeof(ps));
	fz_diag(P, FZ_D_CT, "%s: %s %s (id %u, %s, state %u, %s), peer %s", what,
		e->table == WF_CT_T_NEW ? "wf_ct6_new" : "wf_ct6", ks, e->v.c.id,
		e->v.c.dir == WF_DIR_ORIG ? "ORIG" : "REPLY", e->v.c.state,
		e->v.c.kind == WF_KIND_ONEARM ? "one-arm" : "local/behind", ps);
}

/* fz_check_ent() of an IPv6 entry; also: wf_ct_val's own addresses zero. */
static void fz_check_ent6(struct fz_pass *P, const struct fz_ent6 *e)
{
	const struct fz_ent6 *p;
	struct wf_ct6_key pk;
	__u16 port;

	if (e->v.c.table != e->table) {
		P->wrong_table++;
		fz_ct6_diag(P, "entry says it is in the other table", e);
	}
	if (fz_find6(!e->table, &e->k) && e->table == WF_CT_T_MAIN) {
		P->dup++;
		fz_ct6_diag(P, "key in both tables", e);
	}
	if (e->v.c.nsaddr || e->v.c.ndaddr) {
		P->wrong_table++;
		fz_ct6_diag(P, "IPv6 entry with IPv4 rewrite addresses", e);
	}
	if (e->v.c.dir == WF_DIR_ORIG && (e->v.c.flags & WF_CT_F_REWRITE_SRC)) {
		port = ntohs(e->v.c.nsport);
		P->snat_ports++;
		if (memcmp(e->v.nsaddr, vm6, 16) || port < P->I->snat_min ||
		    port > P->I->snat_max) {
			P->snat_bad++;
			fz_ct6_diag(P, "SNAT source outside @vm6 and the range", e);
		}
	}
	wf_ct6_peer_key(&e->k, &e->v, &pk);
	p = fz_find6(e->table, &pk);
	if (!p) {
		P->half++;
		if (P->strict)
			fz_ct6_diag(P, fz_find6(!e->table, &pk) ? "peer in the other table" :
				    "half-pair: no peer", e);
		return;
	}
	if (memcmp(p->v.ndaddr, e->k.saddr, 16) || memcmp(p->v.nsaddr, e->k.daddr, 16) ||
	    p->v.c.ndport != e->k.sport || p->v.c.nsport != e->k.dport ||
	    p->v.c.dir == e->v.c.dir || p->v.c.id != e->v.c.id || p->v.c.kind != e->v.c.kind) {
		P->mismatch++;
		if (P->strict)
			fz_ct6_diag(P, "peer is another connection's", e);
		return;
	}
	if (e->v.c.dir == WF_DIR_ORIG) {
		P->pairs++;
		P->pairs6++;
		if (p->v.c.state != e->v.c.state) {
			P->state_diff++;
			fz_ct6_diag(P, "the halves disagree on the state", e);
		}
	}
}

/* Walk both tables of the pass's instance. Counts are of the last walk. */
static void fz_walk(struct fz_pass *P)
{
	size_t i;
	int err;

	fz_nents = fz_nents6 = 0;
	err = fz_load_table(P->I->ct, WF_CT_T_MAIN);
	if (!err)
		err = fz_load_table(P->I->ct_new, WF_CT_T_NEW);
	if (!err)
		err = fz_load_table6(P->I->ct6, WF_CT_T_MAIN);
	if (!err)
		err = fz_load_table6(P->I->ct6_new, WF_CT_T_NEW);
	if (err) {
		P->err++;
		fz_diag(P, FZ_D_CT, "reading the conntrack tables: %s", strerror(-err));
		return;
	}
	qsort(fz_ents, fz_nents, sizeof(*fz_ents), fz_ent_cmp);
	qsort(fz_ents6, fz_nents6, sizeof(*fz_ents6), fz_ent6_cmp);
	P->walks++;
	P->entries = fz_nents + fz_nents6;
	/* each family's pair of tables is sized alike: the fuller one */
	if ((long)fz_nents > P->peak)
		P->peak = fz_nents;
	if ((long)fz_nents6 > P->peak)
		P->peak = fz_nents6;
	P->pairs = P->pairs6 = P->half = P->mismatch = P->state_diff = P->dup = 0;
	P->wrong_table = P->snat_ports = P->snat_bad = 0;
	for (i = 0; i < fz_nents; i++)
		fz_check_ent(P, &fz_ents[i]);
	for (i = 0; i < fz_nents6; i++)
		fz_check_ent6(P, &fz_ents6[i]);
	/* Eviction leaves half-pairs (until the other direction's next
	 * packet re-creates them) and lets another connection take a peer's
	 * key: reported by the small pass. A pair apart on the state is a
	 * fault in either pass: a half re-created from its peer (ct_restored)
	 * or adopting it (ct_orig_adopt) takes the peer's state. */
	P->ct_bad += P->wrong_table + P->dup + P->snat_bad + P->state_diff +
		     (P->strict ? P->half + P->mismatch : 0);
}

/* fz_age() of an IPv6 flow. */
static void fz_age6(struct fz_pass *P, __u64 now, __u64 back, __u32 which)
{
	struct wf_ct6_key k, pk;
	struct wf_ct6_val v, pv;
	struct fz_flow6 *fl;

	if (!fz_flow6_entry(P->I, &fl, &v))
		return;
	k = ct6_key(fl->proto, fl->caddr, fl->cport, fl->laddr, fl->lport);
	wf_ct6_peer_key(&k, &v, &pk);
	if (which != 1 && !ct6_get(P->I, &pk, &pv) && pv.c.dir == WF_DIR_REPLY) {
		pv.c.last_seen = now - back;
		bpf_map_update_elem(pv.c.table == WF_CT_T_NEW ? P->I->ct6_new : P->I->ct6, &pk,
				    &pv, BPF_EXIST);
	}
	if (which != 2) {
		v.c.last_seen = now - back;
		bpf_map_update_elem(v.c.table == WF_CT_T_NEW ? P->I->ct6_new : P->I->ct6, &k, &v,
				    BPF_EXIST);
	}
	P->aged++;
}

/*
 * A run takes seconds: no timeout would ever pass, and the once-a-second
 * paths (peer refresh, restore) would never run. So now and then a tracked
 * flow is aged, one half or both, by a span that crosses some state's
 * timeout (design.md "Conntrack"), as if it had been idle that long.
 */
static void fz_age(struct fz_pass *P)
{
	static const __u64 spans[] = { 2, 11, 31, 61, 121, 181, 7201, 6 * 86400 };
	__u64 now = now_ns(), back = spans[fz_below(ARRAY_SIZE(spans))] * FZ_NSEC;
	struct wf_ct_key k, pk;
	struct wf_ct_val v, pv;
	struct fz_flow *fl;
	__u32 which = fz_below(3);	/* 0: both halves, 1: ORIG, 2: REPLY */

	if (back >= now)
		back = now / 2;		/* a young machine: as far as it goes */
	if (fz_pct(25)) {
		fz_age6(P, now, back, which);
		return;
	}
	if (!fz_flow_entry(P->I, &fl, &v))
		return;
	k = ct_key(fl->proto, fl->caddr, fl->cport, fl->laddr, fl->lport);
	wf_ct_peer_key(&k, &v, &pk);
	if (which != 1 && !ct_get(P->I, &pk, &pv) && pv.dir == WF_DIR_REPLY) {
		pv.last_seen = now - back;
		ct_put(P->I, &pk, &pv, BPF_EXIST);
	}
	if (which != 2) {
		v.last_seen = now - back;
		ct_put(P->I, &k, &v, BPF_EXIST);
	}
	P->aged++;
}

/* ---- Passes ---- */
static void fz_frame_make(struct inst *I, struct fz_frame *fr)
{
	__u32 r = fz_below(100);

	fr->gen = r < 55 ? FZ_GOOD : r < 85 ? FZ_MUTANT : FZ_NOISE;
	if (fr->gen == FZ_NOISE) {
		fz_noise(fr);
		return;
	}
	fz_good(I, fr);
	if (fr->gen == FZ_MUTANT)
		fz_mutate(fr);
}

static void fz_pass_run(struct fz_pass *P)
{
	static struct fz_frame fr;
	long i;

	pass_tc = P->tc;
	info_write(P->I, VM, HOST);
	fz_check_counters(P, true);
	for (i = 0; i < P->n; i++, fz_index++) {
		fz_frame_make(P->I, &fr);
		P->gens[fr.gen]++;
		fz_run(P, &fr);
		if ((i + 1) % FZ_AGE_EVERY == 0)
			fz_age(P);
		if ((i + 1) % FZ_STATS_EVERY == 0)
			fz_check_counters(P, false);
		if ((i + 1) % FZ_WALK_EVERY == 0)
			fz_walk(P);
	}
	fz_check_counters(P, true);
	fz_walk(P);
}

static void fz_tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - fuzz ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	tap_failed += !ok;
}

static void fz_pass_report(const struct fz_pass *P)
{
	long full = FZ_BIG_ENTRIES - FZ_BIG_MARGIN;

	fz_tap(!P->err && !P->bad_verdict && !P->bad_len,
	       "[%s] %ld packets (%ld good, %ld mutated, %ld random; %ld flows aged), %ld runs: "
	       "BPF_PROG_RUN 0 (%ld short skbs refused), verdicts legal, output lengths sane",
	       P->name, P->n, P->gens[FZ_GOOD], P->gens[FZ_MUTANT], P->gens[FZ_NOISE],
	       P->aged, P->runs, P->refused);
	fz_tap(!P->csum_bad, "[%s] well-formed frames leave with checksums that verify "
	       "(%ld checked, %ld bad)", P->name, P->csum_checked, P->csum_bad);
	fz_tap(!P->shrank && !P->drop_uncounted, "[%s] counters only grow, every drop "
	       "counted by a reason (%ld drops sampled)", P->name, P->sampled_drops);
	if (P->strict)
		fz_tap(!P->ct_bad && P->peak < full,
		       "[%s] every conntrack entry's peer exists and points back over %ld walks "
		       "(%ld entries, %ld pairs (%ld IPv6) at the end; at most %ld in a family's "
		       "two tables, each of %d, kept under %ld: no eviction); %ld SNAT ports "
		       "held, all @vm/@vm6 in %u-%u", P->name, P->walks, P->entries, P->pairs,
		       P->pairs6, P->peak, FZ_BIG_ENTRIES, full, P->snat_ports, P->I->snat_min,
		       P->I->snat_max);
	else
		fz_tap(!P->ct_bad, "[%s] %d-entry tables (LRU evicting): %ld entries, %ld pairs "
		       "(%ld IPv6), "
		       "%ld half-pairs, %ld peers taken by another connection (reported, not "
		       "failed), %ld pairs apart on the state at the end; %ld SNAT ports held, "
		       "all @vm/@vm6 in %u-%u", P->name, FZ_SMALL_ENTRIES, P->entries, P->pairs,
		       P->pairs6, P->half, P->mismatch, P->state_diff, P->snat_ports, P->I->snat_min,
		       P->I->snat_max);
}

/* ---- The kernel log: nothing may be added to it that says trouble ---- */
static int fz_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Lines logged since fz_kmsg_open() that report a kernel problem. */
static int fz_kmsg_check(int fd)
{
	static const char *const bad[] = {
		"WARNING", "BUG", "Oops", "UBSAN", "KASAN", "Call Trace", "RIP:", "bpf", "BPF",
	};
	char rec[2048];
	ssize_t n;
	size_t i;
	int found = 0;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: read on */
		if (n <= 0)
			break;
		rec[n] = 0;
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			if (!strstr(rec, bad[i]))
				continue;
			if (found++ < FZ_DIAG_MAX)
				printf("# kernel: %s", strchr(rec, ';') ? strchr(rec, ';') + 1 : rec);
			break;
		}
	}
	return found;
}

/* @name as a number into *@v (unchanged when unset); -1: not a number. */
static int fz_env(const char *name, __u64 *v)
{
	const char *s = getenv(name);
	char *end;

	if (!s || !*s)
		return 0;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

static void fz_summary(const struct fz_pass *P, int np, double secs, long tracked)
{
	__u64 st[WF_STAT_MAX];
	long n = 0, v;
	int i, p, s;

	for (i = 0; i < np; i++)
		n += P[i].n;
	printf("# fuzz: %ld packets in %.1f s, %.0f pkts/s, %ld tracked flows at the end "
	       "(strict instance), verdict histogram:", n, secs, secs > 0 ? n / secs : 0,
	       tracked);
	for (p = 0; p < FZ_PROGS; p++) {
		printf("\n#   %s:", fz_prog_name[p]);
		for (s = 0; s < FZ_VSLOTS; s++) {
			for (v = 0, i = 0; i < np; i++)
				v += P[i].verdicts[p][s];
			if (v)
				printf(" %s %ld", s == FZ_VSLOTS - 1 ? "other" :
				       verdict_name(p == FZ_XDP, s), v);
		}
	}
	/* which paths the run reached: drop reasons and events */
	for (i = 0; i < 2; i++) {
		stats_read(i ? &fz_small : &fz_big, st);
		printf("\n#   wf_stats, %s instance:", i ? "small" : "strict");
		for (s = 1; s < WF_STAT_MAX; s++)
			if (st[s])
				printf(" %s %" PRIu64, stat_name(s), (uint64_t)st[s]);
	}
	printf("\n");
}

static int fz_load(struct inst *I, __u32 entries)
{
	int err;

	ct_test_entries = ct_new_test_entries = entries;
	err = inst_load(I, WF_SNAT_PORT_MIN, WF_SNAT_PORT_MAX);
	ct_test_entries = ct_new_test_entries = CT_TEST_ENTRIES;
	return err;
}

/*
 * The run: 3/4 of the packets on the strict instance (half with XDP, half
 * with tc ingress, its connections kept across the switch as `load` over
 * a running datapath keeps them), 1/4 on the evicting one.
 */
static void fuzz_tests(void)
{
	static struct fz_pass P[] = {
		{ .name = "xdp, strict", .I = &fz_big, .strict = true },
		{ .name = "tc, strict", .I = &fz_big, .tc = true, .strict = true },
		{ .name = "xdp, small table", .I = &fz_small },
		{ .name = "tc, small table", .I = &fz_small, .tc = true },
	};
	__u64 n = FZ_DEFAULT, seed = now_ns() ^ (__u64)getpid() << 32;
	double t0;
	size_t i;
	int kmsg, err, bad;

	if (fz_env("WF_FUZZ", &n) || fz_env("WF_FUZZ_SEED", &seed)) {
		fz_tap(false, "WF_FUZZ and WF_FUZZ_SEED must be numbers");
		return;
	}
	if (!n) {
		printf("# fuzz: skipped (WF_FUZZ=0)\n");
		return;
	}
	printf("# fuzz seed %" PRIu64 "\n", (uint64_t)seed);
	fz_rng = seed ^ 0x9e3779b97f4a7c15ull;
	if (!fz_rng)
		fz_rng = 1;
	err = fz_load(&fz_big, FZ_BIG_ENTRIES);
	if (!err)
		err = fz_load(&fz_small, FZ_SMALL_ENTRIES);
	if (err) {
		fz_tap(false, "loading the datapath: %s", strerror(-err));
		goto out;
	}
	P[0].n = P[1].n = n * 3 / 8;
	P[2].n = n / 8;
	P[3].n = n - P[0].n - P[1].n - P[2].n;
	kmsg = fz_kmsg_open();
	t0 = now_ns() / 1e9;
	for (i = 0; i < ARRAY_SIZE(P); i++) {
		if (i == 2)
			fz_nrecent = fz_nrecent6 = 0;	/* the other instance tracks none */
		fz_pass_run(&P[i]);
		fz_pass_report(&P[i]);
	}
	fz_summary(P, ARRAY_SIZE(P), now_ns() / 1e9 - t0, P[1].pairs);
	if (kmsg < 0) {
		printf("ok %d - fuzz: kernel log # SKIP /dev/kmsg: %s\n", ++tap_n, strerror(errno));
	} else {
		bad = fz_kmsg_check(kmsg);
		fz_tap(!bad, "no kernel warning logged during the run (%d)", bad);
		close(kmsg);
	}
out:
	free(fz_ents);
	free(fz_ents6);
	wslfwd_bpf__destroy(fz_small.skel);
	wslfwd_bpf__destroy(fz_big.skel);
}

#endif /* WF_TEST_FUZZ_H */
