/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Creating a connection (ct_create): both entries inserted without ever
 * overwriting another connection's, and, for SNAT, the port its REPLY entry
 * reserves (ct_snat_reserve), picked so that the target's TIME_WAIT socket
 * of a reused port takes the new SYN. First packets only: nothing here runs
 * per packet of an established flow.
 */
#ifndef WF_LIB_CT_CREATE_H
#define WF_LIB_CT_CREATE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "wslfwd.h"
#include "lib/config.h"
#include "lib/clock.h"
#include "lib/maps.h"
#include "lib/ctx.h"
#include "lib/parse.h"
#include "lib/conntrack.h"

/* What a new connection becomes; filled by fwd.h from mapping and FIB. */
struct wf_ct_new {
	__be32 taddr[4];	/* target ([0] for IPv4) */
	__be32 snaddr[4];	/* SNAT source address (@vm, @vm6) when snat */
	__be16 tport;
	__u8 kind;		/* enum wf_kind */
	__u8 snat;		/* bool: rewrite the source too */
	__u32 id;
	__u8 fib_smac[WF_ETH_ALEN];	/* ORIG, WF_CT_F_TX */
	__u8 fib_dmac[WF_ETH_ALEN];
	__u8 pkt_dmac[WF_ETH_ALEN];	/* REPLY, WF_CT_F_TX: our MAC ... */
	__u8 pkt_smac[WF_ETH_ALEN];	/* ... and the client's next hop */
	__u32 oif;		/* BEHIND: redirect to this device (0: the stack) */
	__u8 xfam;		/* enum wf_ct_xfam of the ORIG entry: the target is
				 * of the other family (always SNAT) */
	__u8 pad[3];
};

/*
 * SNAT port reuse meets the target's TIME_WAIT socket of the port's last
 * connection (the target closes first in most short connections). Linux
 * (tcp_timewait_state_process) and RFC 6191 take a new SYN into it only
 * when its TSval is newer than the last one seen there or, without
 * timestamps, its sequence number lies beyond the old connection's; any
 * other SYN is answered with an ACK (TcpExtPAWSTimewait), and the client
 * resets and sends its SYN again some ms later. Clients draw ISN and TS
 * offset per 4-tuple (Linux: secure_tcp_seq_and_ts_off()), so a port
 * passed on to another client tuple is a coin toss (design.md "Conntrack",
 * which reusable port). The old client's SYN values, kept in the REPLY
 * entry, turn the toss into a check: a reusable port is taken only for a
 * SYN the target would accept (first packets only; no cost per packet of
 * an established flow).
 */
struct wf_ct_syn {
	__u32 tsval;		/* host order */
	__u32 seq;
	__u8 ts;		/* a timestamp option was found */
	__u8 valid;		/* a TCP SYN (no ACK) to an SNAT target */
};

#define WF_TCPOPT_EOL		0
#define WF_TCPOPT_NOP		1
#define WF_TCPOPT_TS		8
#define WF_TCPOLEN_TS		10
/* The last option byte a timestamp option can start at. */
#define WF_TCPOPT_TS_LAST	(WF_TCP_HLEN_MAX - WF_TCP_HLEN - WF_TCPOLEN_TS)
/* Slack for the old client's timestamp clock: our jiffy clock and the
 * client's may each be a few ms off. In TS ticks, at most 1 per ms. */
#define WF_SYN_TS_SLACK		32
/* Without timestamps the target compares the ISN with the old connection's
 * rcv_nxt, which is beyond its ISN by what the client sent (not counted
 * per packet): up to this much is covered. */
#define WF_SYN_SEQ_SLACK	(1u << 24)

static __always_inline __u32 ct_load_be32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

/*
 * Sequence number and TSval of a SYN (its TCP header was bounds-checked by
 * pkt_parse4; tc made it linear). The options are walked by byte position
 * j, a constant in each step for the verifier, with the start of the next
 * option in @next, which is never a packet offset: the states after each
 * step prune whatever options came before (a walk by a variable offset
 * does not verify: design.md "Verifier").
 */
static __always_inline void ct_syn_read(const struct wf_ctx *c, const struct wf_pkt *pkt,
					struct wf_ct_syn *s)
{
	void *end = ctx_data_end(c);
	__u8 *th = ctx_data(c), *o;
	__u32 l4 = pkt->l4_off, optlen, next = 0;
	__u8 kind, len;
	int j;

	s->ts = 0;
	s->valid = 0;
	if (pkt->tuple.proto != WF_IPPROTO_TCP ||
	    (pkt->tcp_flags & (WF_TCP_SYN | WF_TCP_ACK)) != WF_TCP_SYN)
		return;
	if (l4 > (c->v6 ? WF_IP6_L4_OFF_MAX : WF_ETH_HLEN + WF_IP4_HLEN_MAX))
		return;
	th += l4;
	if ((void *)(th + WF_TCP_HLEN) > end)
		return;
	s->valid = 1;
	s->seq = ct_load_be32(th + WF_OFF(struct tcphdr, seq));
	optlen = (th[WF_TCP_DOFF_OFF] >> 4) * 4;
	if (optlen <= WF_TCP_HLEN)
		return;
	optlen -= WF_TCP_HLEN;
	o = th + WF_TCP_HLEN;
	for (j = 0; j <= WF_TCPOPT_TS_LAST; j++) {
		if (j >= optlen)
			break;
		if (j != next)
			continue;
		if ((void *)(o + j + 2) > end)
			break;
		kind = o[j];
		if (kind == WF_TCPOPT_EOL)
			break;
		if (kind == WF_TCPOPT_NOP) {
			next = j + 1;
			continue;
		}
		len = o[j + 1];
		if (kind == WF_TCPOPT_TS && len == WF_TCPOLEN_TS) {
			if (j + WF_TCPOLEN_TS > optlen || (void *)(o + j + WF_TCPOLEN_TS) > end)
				break;
			s->tsval = ct_load_be32(o + j + 2);
			s->ts = 1;
			break;
		}
		if (len < 2)
			break;
		/* The mask widens the verifier's range of @next to all of
		 * [0, 255]: no later comparison with it is decided, none makes
		 * it precise, and the states of the next steps prune. It
		 * changes only lengths that run past the options anyway. */
		next = (j + len) & 0xff;
	}
}

/* What the REPLY entry keeps of the SYN (WF_CT_F_SYN_TS in *flags). */
static __always_inline __u32 ct_syn_hint(const struct wf_ct_syn *s, __u8 *flags)
{
	if (!s->valid)
		return 0;
	if (s->ts) {
		*flags |= WF_CT_F_SYN_TS;
		return s->tsval;
	}
	return s->seq;
}

/*
 * Would the target's TIME_WAIT socket of @old's port (if it has one) take
 * the SYN @s? The old client's TSval has grown since its SYN by at most a
 * tick a millisecond (the fastest clock RFC 7323 has in mind; Linux ticks
 * so), so its SYN TSval plus the milliseconds since bounds the target's
 * ts_recent from above. A faster clock (Linux's opt-in usec timestamps)
 * only brings the coin toss back. Unknown cases say yes: such a port is
 * no worse than any other.
 */
static __always_inline bool ct_syn_accepted(const struct wf_ct_val *old,
					    const struct wf_ct_syn *s, __u64 now)
{
	__u32 ms;

	if (!s->valid)
		return true;
	if (old->flags & WF_CT_F_SYN_TS) {
		/* A SYN without timestamps is judged by its ISN, which we
		 * do not know for the old one. */
		if (!s->ts)
			return true;
		ms = now > old->created ? (now - old->created) / WF_NSEC_PER_MSEC : 0;
		return (__s32)(s->tsval - old->syn_hint - ms - WF_SYN_TS_SLACK) > 0;
	}
	/* 0: no SYN seen (picked up mid-stream) */
	return !old->syn_hint || (__s32)(s->seq - old->syn_hint) > (__s32)WF_SYN_SEQ_SLACK;
}

/* Free the SNAT port @rkey of the connection @old and reserve it with @v. */
static __always_inline int ct_take_over(bool v6, const void *rkey, const struct wf_ct_val *old,
					const struct wf_ct_val *v)
{
	/* Two CPUs may both get here; the NOEXIST insert still picks one.
	 * A new connection goes into the half-open table. */
	ct_delete(v6, rkey, old);
	return bpf_map_update_elem(ct_map_of(WF_CT_T_NEW, v6), rkey, v, BPF_NOEXIST);
}

/* Is @old, a REPLY entry found where @v is to go, the same connection's
 * (a racing CPU's, or left by an ORIG half that was lost)? The same
 * rewrite back means the same client tuple and LADDR:LPORT. */
static __always_inline bool ct_same_conn(bool v6, const struct wf_ct_val *old,
					 const struct wf_ct_val *v)
{
	if (old->dir != WF_DIR_REPLY || old->nsport != v->nsport || old->ndport != v->ndport)
		return false;
	if (v6)
		return addr6_eq(ct6(old)->nsaddr, ct6(v)->nsaddr) &&
		       addr6_eq(ct6(old)->ndaddr, ct6(v)->ndaddr);
	return old->nsaddr == v->nsaddr && old->ndaddr == v->ndaddr;
}

/* Of the client's tuple @key; IPv6 addresses folded to a word each. */
static __always_inline __u32 ct_snat_hash(bool v6, const void *key)
{
	const struct wf_ct6_key *k6 = key;
	const struct wf_ct_key *k4 = key;
	__u32 h, d, ports;

	if (v6) {
		h = k6->saddr[0] ^ k6->saddr[1] ^ k6->saddr[2] ^ k6->saddr[3];
		d = k6->daddr[0] ^ k6->daddr[1] ^ k6->daddr[2] ^ k6->daddr[3];
		ports = (__u32)k6->sport << 16 | k6->dport;
	} else {
		h = k4->saddr;
		d = k4->daddr;
		ports = (__u32)k4->sport << 16 | k4->dport;
	}
	h ^= d * 0x9e3779b1;
	h ^= ports * 0x85ebca6b;
	h ^= h >> 15;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/* Primes above any range size: p % size is coprime with the size (p does
 * not divide it), so a stride of p % size visits every port of the range. */
static const __u32 ct_snat_primes[16] = {
	696474151, 2036573951, 324994723, 848925587, 1398919721, 104742907,
	156604319, 1764721723, 1151846453, 203191319, 786359549, 1252576309,
	125600329, 1954623193, 1090758541, 462109421,
};

/* ct_snat_reserve(): a fresh port (in wf_ct_new), or a same-connection
 * REPLY adopted (in wf_ct_new, or in wf_ct: _MAIN). */
#define WF_CT_FRESH		0
#define WF_CT_ADOPTED		1
#define WF_CT_ADOPTED_MAIN	2
/* ct_snat_try() also: a finished connection's port its target would
 * refuse this SYN on, or a port in use. */
#define WF_CT_REFUSED		3
#define WF_CT_BUSY		4
#define WF_CT_TAKE		5	/* ct_snat_holder(): the port may be taken over */

struct wf_snat_pass {
	__u32 fallback;		/* the first refused port + 1, host order; 0: none */
	__u32 flags;		/* WF_SNAT_P_* */
};
/* take a finished connection's port regardless */
#define WF_SNAT_P_FORCE		1
/* IPv4: wf_flags' WF_FLAG_V6TOV4, read once per first packet by
 * ct_snat_reserve (ct_snat_try's frame has no room for the lookup; one word
 * with FORCE: the tries' chain of frames is at 512 bytes) */
#define WF_SNAT_P_V6TOV4	2

/* Would the target refuse the SYN @syn on @old's port (and @ps does not
 * force it)? The first such port is noted in @ps as the fallback. */
static __always_inline bool ct_snat_refused(__be16 port, const struct wf_ct_val *old,
					    const struct wf_ct_syn *syn, __u64 now,
					    struct wf_snat_pass *ps)
{
	if ((ps->flags & WF_SNAT_P_FORCE) || ct_syn_accepted(old, syn, now))
		return false;
	if (!ps->fallback)
		ps->fallback = bpf_ntohs(port) + 1;
	return true;
}

/* What the entry @old holding @rkey's port means for this try: @adopted
 * (it is this connection's), WF_CT_BUSY, WF_CT_REFUSED, or WF_CT_TAKE (a
 * finished connection's, free to take over). */
static __always_inline int ct_snat_holder(bool v6, __be16 port, const struct wf_ct_val *old,
					  const struct wf_ct_val *v, const struct wf_ct_syn *syn,
					  __u64 now, struct wf_snat_pass *ps, int adopted)
{
	if (ct_same_conn(v6, old, v))
		return adopted;
	if (!ct_reusable(old, now))
		return WF_CT_BUSY;
	if (ct_snat_refused(port, old, syn, now, ps))
		return WF_CT_REFUSED;
	return WF_CT_TAKE;
}

/*
 * One try of ct_snat_reserve() at @rkey (its port @port set): WF_CT_FRESH
 * (reserved, the old entries of a finished connection freed if the target
 * would take the SYN @syn, or unconditionally with WF_SNAT_P_FORCE),
 * WF_CT_ADOPTED, WF_CT_REFUSED (the first such port noted in @ps) or
 * WF_CT_BUSY. Called through a global function per family (WF_GLOBAL):
 * inline, its branches were multiplied by the tries (design.md "Verifier").
 */
static __always_inline int ct_snat_try(bool v6, const void *rkey, __be16 port,
				       const struct wf_ct_val *v, const struct wf_ct_syn *syn,
				       __u64 now, struct wf_snat_pass *ps)
{
	struct wf_ct_val *old;
	int ret;

	/* A confirmed connection may hold the port (wf_ct), then a half-open
	 * one (the NOEXIST insert into wf_ct_new is the reservation). */
	old = bpf_map_lookup_elem(ct_map_of(WF_CT_T_MAIN, v6), rkey);
	if (old) {
		ret = ct_snat_holder(v6, port, old, v, syn, now, ps, WF_CT_ADOPTED_MAIN);
		if (ret != WF_CT_TAKE)
			return ret;
		ct_delete(v6, rkey, old);
	}
	if (ct_snat_held_xfam(v6, rkey, ps->flags & WF_SNAT_P_V6TOV4))
		return WF_CT_BUSY;
	if (!bpf_map_update_elem(ct_map_of(WF_CT_T_NEW, v6), rkey, v, BPF_NOEXIST))
		return WF_CT_FRESH;
	old = bpf_map_lookup_elem(ct_map_of(WF_CT_T_NEW, v6), rkey);
	if (!old)
		return WF_CT_BUSY;
	ret = ct_snat_holder(v6, port, old, v, syn, now, ps, WF_CT_ADOPTED);
	if (ret != WF_CT_TAKE)
		return ret;
	return ct_take_over(v6, rkey, old, v) ? WF_CT_BUSY : WF_CT_FRESH;
}

WF_GLOBAL int ct_snat_try4(struct wf_ct_key *rkey, const struct wf_ct_val *v,
			   const struct wf_ct_syn *syn, __u64 now, struct wf_snat_pass *ps)
{
	if (!rkey || !v || !syn || !ps)
		return WF_CT_BUSY;
	return ct_snat_try(false, rkey, rkey->dport, v, syn, now, ps);
}

WF_GLOBAL int ct_snat_try6(struct wf_ct6_key *rkey, const struct wf_ct6_val *v,
			   const struct wf_ct_syn *syn, __u64 now, struct wf_snat_pass *ps)
{
	if (!rkey || !v || !syn || !ps)
		return WF_CT_BUSY;
	return ct_snat_try(true, rkey, rkey->dport, &v->c, syn, now, ps);
}

/*
 * Reserve an SNAT port for the connection whose REPLY value is @v: insert
 * it at @rkey (dport set here) with BPF_NOEXIST, the reservation, trying up
 * to WF_SNAT_TRIES ports (nf_nat's 128) from a start and a stride picked by
 * @hash (of the client's tuple); the stride is coprime with the range size,
 * so the tries never revisit a port and a range up to WF_SNAT_TRIES is
 * searched whole. A port held by the same connection (ct_same_conn) is
 * adopted. A port held by a connection that is over is freed and taken if
 * the target's TIME_WAIT socket would accept the SYN @syn
 * (ct_syn_accepted); when none qualifies the first such port is taken
 * anyway (a refused SYN costs the client some ms, a dropped one a second).
 * WF_CT_FRESH, WF_CT_ADOPTED, or -1: none to be had. Double hashing, not
 * +1 steps: neighbouring ports get uncorrelated SYNs. The port space is
 * per family: IPv6 REPLY keys live in wf_ct6. A global function per
 * family (WF_GLOBAL).
 */
static __always_inline int ct_snat_reserve(bool v6, void *rkey, const struct wf_ct_val *v,
					   const struct wf_ct_syn *syn, __u64 now, __u32 hash)
{
	__be16 *dport = v6 ? &((struct wf_ct6_key *)rkey)->dport : &((struct wf_ct_key *)rkey)->dport;
	__u32 min = cfg_snat_min, max = cfg_snat_max, size, port, stride, tries, i;
	struct wf_snat_pass ps = {};
	__u32 *fl, zero = 0;
	int ret;

	if (!v6) {
		fl = bpf_map_lookup_elem(&wf_flags, &zero);
		ps.flags = fl && (*fl & WF_FLAG_V6TOV4) ? WF_SNAT_P_V6TOV4 : 0;
	}
	/* the loader validates the range; never hand out port 0 */
	if (!min || min > max || max > 65535)
		return -1;
	size = max - min + 1;
	port = hash % size;
	stride = ct_snat_primes[(hash >> 16) % ARRAY_SIZE(ct_snat_primes)] % size;
	tries = size < WF_SNAT_TRIES ? size : WF_SNAT_TRIES;
	for (i = 0; i < WF_SNAT_TRIES; i++) {
		if (i >= tries)
			break;
		*dport = bpf_htons(min + port);
		ret = v6 ? ct_snat_try6(rkey, ct6(v), syn, now, &ps) :
			   ct_snat_try4(rkey, v, syn, now, &ps);
		if (ret <= WF_CT_ADOPTED_MAIN)
			return ret;
		/* branch-free: fewer verifier states per try */
		port = (port + stride) % size;
	}
	if (!ps.fallback)
		return -1;
	*dport = bpf_htons(ps.fallback - 1);
	ps.flags |= WF_SNAT_P_FORCE;
	ret = v6 ? ct_snat_try6(rkey, ct6(v), syn, now, &ps) : ct_snat_try4(rkey, v, syn, now, &ps);
	return ret <= WF_CT_ADOPTED_MAIN ? ret : -1;
}

WF_GLOBAL int ct_snat_reserve4(struct wf_ct_key *rkey, const struct wf_ct_val *v,
			       const struct wf_ct_syn *syn, __u64 now, __u32 hash)
{
	if (!rkey || !v || !syn)
		return -1;
	return ct_snat_reserve(false, rkey, v, syn, now, hash);
}

WF_GLOBAL int ct_snat_reserve6(struct wf_ct6_key *rkey, const struct wf_ct6_val *v,
			       const struct wf_ct_syn *syn, __u64 now, __u32 hash)
{
	if (!rkey || !v || !syn)
		return -1;
	return ct_snat_reserve(true, rkey, &v->c, syn, now, hash);
}

/*
 * The REPLY entry of a connection that keeps the client's address: its key
 * (target:tport -> client:cport) is unique to the client's tuple only per
 * target, so two mappings to one target from one client port meet here.
 * BPF_NOEXIST: the same connection's entry is adopted, a connection that is
 * over is taken over, a live other one is never overwritten (ct_clash).
 */
static __always_inline int ct_reply_claim(bool v6, const void *rkey, const struct wf_ct_val *v,
					  __u64 now)
{
	void *new = ct_map_of(WF_CT_T_NEW, v6);
	struct wf_ct_val *old;

	old = bpf_map_lookup_elem(ct_map_of(WF_CT_T_MAIN, v6), rkey);
	if (old) {
		if (ct_same_conn(v6, old, v))
			return WF_CT_ADOPTED_MAIN;
		if (!ct_reusable(old, now))
			return -WF_DROP_CT_CLASH;
		ct_delete(v6, rkey, old);
	}
	if (!bpf_map_update_elem(new, rkey, v, BPF_NOEXIST))
		return WF_CT_FRESH;
	old = bpf_map_lookup_elem(new, rkey);
	if (!old)
		return -WF_DROP_CT_INSERT;
	if (ct_same_conn(v6, old, v))
		return WF_CT_ADOPTED;
	if (!ct_reusable(old, now))
		return -WF_DROP_CT_CLASH;
	if (ct_take_over(v6, rkey, old, v))
		return -WF_DROP_CT_CLASH;
	return WF_CT_FRESH;
}

/* The REPLY value of a new connection: rewrites back to LADDR:LPORT ->
 * client:cport. @b is the whole buffer (the IPv6 addresses follow). */
static __always_inline void ct_reply_fill(bool v6, const struct wf_pkt *pkt,
					  const struct wf_ct_new *n, __u64 now, __u8 flags_tx,
					  bool tcp_syn, wf_ct_buf *b)
{
	const struct wf_ct_key *key = &pkt->tuple;
	struct wf_ct_val *v = &b->c;

	__builtin_memset(b, 0, v6 ? sizeof(struct wf_ct6_val) : sizeof(struct wf_ct_val));
	v->last_seen = now;
	v->created = now;
	if (v6) {
		__builtin_memcpy(b->nsaddr, pkt->tuple6.daddr, 16);
		__builtin_memcpy(b->ndaddr, pkt->tuple6.saddr, 16);
	} else {
		v->nsaddr = key->daddr;
		v->ndaddr = key->saddr;
	}
	v->nsport = key->dport;
	v->ndport = key->sport;
	v->id = n->id;
	v->dir = WF_DIR_REPLY;
	v->kind = n->kind;
	v->state = ct_state_new(pkt);
	v->table = WF_CT_T_NEW;
	v->flags = WF_CT_F_REWRITE_SRC | (n->snat ? WF_CT_F_REWRITE_DST : 0) | flags_tx;
	v->xfam = n->xfam == WF_CT_X_TO4 ? WF_CT_X_TO6 : n->xfam == WF_CT_X_TO6 ? WF_CT_X_TO4 : 0;
	/* what the target's answer to the SYN must acknowledge (RST rule) */
	if (tcp_syn)
		v->td_ack = bpf_htonl(bpf_ntohl(pkt->seq) + 1);
	__builtin_memcpy(v->smac, n->pkt_dmac, WF_ETH_ALEN);
	__builtin_memcpy(v->dmac, n->pkt_smac, WF_ETH_ALEN);
}

/* The REPLY value in @b becomes the ORIG one: client:cport -> LADDR:LPORT
 * leaves as nsaddr:nsport -> target:tport (@sport: the REPLY key's dport);
 * adopted: ct_reply_claim() found the REPLY confirmed in the main table
 * already. */
static __always_inline void ct_orig_fill(bool v6, const struct wf_pkt *pkt,
					 const struct wf_ct_new *n, __be16 sport, __u8 flags_tx,
					 int claimed, wf_ct_buf *b)
{
	struct wf_ct_val *v = &b->c;

	if (v6) {
		__builtin_memcpy(b->nsaddr, n->snat ? n->snaddr : pkt->tuple6.saddr, 16);
		__builtin_memcpy(b->ndaddr, n->taddr, 16);
	} else {
		v->nsaddr = n->snat ? n->snaddr[0] : pkt->tuple.saddr;
		v->ndaddr = n->taddr[0];
	}
	v->nsport = sport;
	v->ndport = n->tport;
	v->dir = WF_DIR_ORIG;
	v->flags = WF_CT_F_REWRITE_DST | (n->snat ? WF_CT_F_REWRITE_SRC : 0) | flags_tx |
		   (n->oif ? WF_CT_F_REDIRECT : 0);
	v->oif = n->oif;
	v->xfam = n->xfam;
	v->syn_hint = 0;
	v->td_ack = (pkt->tcp_flags & WF_TCP_ACK) ? pkt->ack : 0;
	__builtin_memcpy(v->smac, n->fib_smac, WF_ETH_ALEN);
	__builtin_memcpy(v->dmac, n->fib_dmac, WF_ETH_ALEN);
	v->table = claimed == WF_CT_ADOPTED_MAIN ? WF_CT_T_MAIN : WF_CT_T_NEW;
}

/*
 * The ORIG half re-created for a REPLY half that outlived it (evicted,
 * flushed; ct_reply_claim/ct_snat_reserve adopted it): the pair is one
 * connection again, so the ORIG takes the REPLY's state, age and mirrored
 * flags rather than the first-packet state, which would expire it on the
 * unreplied timeout while the REPLY is ESTABLISHED. A SYN after the
 * handshake starts the tuple over instead, as ct_update does.
 */
static __always_inline void ct_orig_adopt(bool v6, const struct wf_pkt *pkt, const void *rkey,
					  int claimed, bool tcp_syn, struct wf_ct_val *v)
{
	struct wf_ct_val *r;

	r = bpf_map_lookup_elem(ct_map_of(claimed == WF_CT_ADOPTED_MAIN ? WF_CT_T_MAIN :
					  WF_CT_T_NEW, v6), rkey);
	if (!r)
		return;
	if (tcp_syn && r->state != WF_CT_TCP_SYN && r->state != WF_CT_TCP_SYN_RECV) {
		ct_flags_clear(r, WF_CT_F_MIRRORED);
		r->state = v->state;
		r->td_ack = bpf_htonl(bpf_ntohl(pkt->seq) + 1);
		return;
	}
	v->state = r->state;
	v->created = r->created;
	v->flags |= r->flags & WF_CT_F_MIRRORED;
}

/*
 * Insert the ORIG value @b at key, its REPLY (at rkey, fresh: inserted by
 * this call) in place. Lost to a racing CPU creating the same connection:
 * use its pair. Otherwise (another connection's REPLY entry keyed like
 * this packet) leave it alone. A REPLY inserted here goes either way
 * unless it is the ORIG's own. The other table first.
 */
static __always_inline int ct_orig_insert(bool v6, const void *key, const void *rkey,
					  int claimed, wf_ct_buf *b, wf_ct_buf *orig)
{
	struct wf_ct_val *v = &b->c, *e;

	e = bpf_map_lookup_elem(ct_map_of(v->table == WF_CT_T_MAIN ? WF_CT_T_NEW : WF_CT_T_MAIN,
					  v6), key);
	if (!e) {
		if (!bpf_map_update_elem(ct_map(v, v6), key, b, BPF_NOEXIST))
			return 0;
		e = bpf_map_lookup_elem(ct_map(v, v6), key);
	}
	if (e && e->dir == WF_DIR_ORIG) {
		if (claimed == WF_CT_FRESH && !ct_leads_to(v6, e, rkey))
			bpf_map_delete_elem(ct_map_of(WF_CT_T_NEW, v6), rkey);
		__builtin_memcpy(orig, e, v6 ? sizeof(struct wf_ct6_val) : sizeof(struct wf_ct_val));
		return 0;
	}
	if (claimed == WF_CT_FRESH)
		bpf_map_delete_elem(ct_map_of(WF_CT_T_NEW, v6), rkey);
	return e ? -WF_DROP_CT_CLASH : -WF_DROP_CT_INSERT;
}

/* The REPLY key of a new connection: target:tport -> @daddr (the client,
 * or @vm with SNAT), proto; its dport is set by the caller. */
static __always_inline void ct_reply_key(bool v6, const struct wf_pkt *pkt,
					 const struct wf_ct_new *n, const __be32 *daddr,
					 union wf_ct_tuple *rk)
{
	if (v6) {
		__builtin_memcpy(rk->k6.saddr, n->taddr, 16);
		__builtin_memcpy(rk->k6.daddr, daddr, 16);
		rk->k6.sport = n->tport;
		rk->k6.proto = pkt->tuple.proto;
		rk->k6.pad[0] = 0;
		rk->k6.pad[1] = 0;
		rk->k6.pad[2] = 0;
	} else {
		rk->k4.saddr = n->taddr[0];
		rk->k4.daddr = daddr[0];
		rk->k4.sport = n->tport;
		rk->k4.proto = pkt->tuple.proto;
		rk->k4.pad[0] = 0;
		rk->k4.pad[1] = 0;
		rk->k4.pad[2] = 0;
	}
}

/*
 * What a first packet builds: the new connection, its ORIG (first the
 * REPLY) value and REPLY key, the FIB query. Per-CPU scratch rather than stack: with IPv6's addresses
 * they would take the first-packet path's frame, on top of the entry
 * point's, past the verifier's 512 bytes. Programs of one CPU never nest
 * on this path (XDP and tc ingress run in softirq, tc egress with BH off).
 */
struct wf_ct_scratch {
	wf_ct_buf orig;
	struct wf_ct_new n;
	struct bpf_fib_lookup fib;	/* fwd_classify() */
	union wf_ct_tuple rk;		/* the REPLY key */
	struct wf_ct_syn syn;
	/* v4tov6: the IPv4 packet with its tuple6 the ::ffff: key, and its
	 * mapping (fwd.h, fwd_new46) */
	struct wf_pkt pkt;
	struct wf_fwd_val fv;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wf_ct_scratch);
} wf_ct_scratch SEC(".maps");

/*
 * Create both entries of a new connection. The REPLY entry goes in first:
 * with SNAT its insert with BPF_NOEXIST is the port reservation (atomic in
 * the map, so two CPUs can never take the same port for the same target).
 * The ORIG entry goes in with BPF_NOEXIST too: a racing CPU that created
 * the same connection first wins, and its pair is used (copied to *orig);
 * another connection's entry at the tuple is never overwritten (ct_clash).
 * A REPLY entry inserted here is never left behind without its ORIG. On
 * success *orig holds the ORIG value, which the caller applies to the
 * packet. The REPLY value is built in the buffer the ORIG value reuses
 * after (@sc: n filled by the caller, orig the result).
 */
static __always_inline int ct_create(const struct wf_ctx *c, const struct wf_pkt *pkt,
				     struct wf_ct_scratch *sc, __u64 now)
{
	bool v6 = c->v6;
	const void *key = v6 ? (const void *)&pkt->tuple6 : (const void *)&pkt->tuple;
	const struct wf_ct_new *n = &sc->n;
	union wf_ct_tuple *rk = &sc->rk;
	__be16 *rport = v6 ? &rk->k6.dport : &rk->k4.dport;
	wf_ct_buf *b = &sc->orig, *orig = &sc->orig;
	struct wf_ct_syn *syn = &sc->syn;
	__u8 flags_tx = n->kind == WF_KIND_ONEARM ? WF_CT_F_TX : 0;
	bool tcp_syn = pkt->tuple.proto == WF_IPPROTO_TCP &&
		       (pkt->tcp_flags & (WF_TCP_SYN | WF_TCP_ACK)) == WF_TCP_SYN;
	int ret;

	ct_reply_fill(v6, pkt, n, now, flags_tx, tcp_syn, b);
	if (!n->snat) {
		ct_reply_key(v6, pkt, n, v6 ? pkt->tuple6.saddr : &pkt->tuple.saddr, rk);
		*rport = pkt->tuple.sport;
		ret = ct_reply_claim(v6, rk, &b->c, now);
		if (ret < 0)
			return ret;
	} else {
		ct_reply_key(v6, pkt, n, n->snaddr, rk);
		ct_syn_read(c, pkt, syn);
		b->c.syn_hint = ct_syn_hint(syn, &b->c.flags);
		ret = v6 ? ct_snat_reserve6(&rk->k6, b, syn, now, ct_snat_hash(true, key)) :
			   ct_snat_reserve4(&rk->k4, &b->c, syn, now, ct_snat_hash(false, key));
		if (ret < 0)
			return -WF_DROP_SNAT_EXHAUSTED;
	}
	ct_orig_fill(v6, pkt, n, *rport, flags_tx, ret, b);
	if (ret != WF_CT_FRESH)
		ct_orig_adopt(v6, pkt, rk, ret, tcp_syn, &b->c);
	return ct_orig_insert(v6, key, rk, ret, b, orig);
}

#endif
