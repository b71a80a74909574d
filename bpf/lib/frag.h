/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Fragments of tracked flows (design.md "Fragments"): IPv4 in wf_frag,
 * IPv6 in wf_frag6 by the same rules (the *6 functions below).
 *
 * Only the first fragment (offset 0) carries the ports, so only it can find
 * its connection. It is translated like any packet of the flow, and records
 * in wf_frag, under the datagram's reassembly key (addresses, protocol, IP
 * id) and the hook, a copy of the connection entry it used, or the reason
 * it was dropped. The later fragments (offset > 0) look that up: they get
 * the IP header part of the rewrite (addresses, TTL and MACs when we send
 * them ourselves) and the first fragment's verdict; a dropped first
 * fragment takes its datagram's other fragments with it, under the same
 * counter, so that none waits in a reassembly queue for a first fragment
 * that never comes.
 *
 * The L4 checksum, in the first fragment, covers the whole datagram; the
 * incremental update nat.h makes for the changed pseudo header and ports
 * is right for it as for any packet. Later fragments have no L4 header.
 *
 * A later fragment without an entry (a datagram that is not ours, or one
 * whose first fragment has not come yet) passes untouched: without ports
 * it cannot be told apart from the VM's own traffic.
 *
 * v4tov6/v6tov4 flows (whose entries are wf_ct6's): both families' first
 * fragments are recorded in wf_frag6, an IPv4 datagram under its ::ffff:
 * addresses and its IP id as the 32-bit id (fwd_frag_key46); an IPv4 later
 * fragment that wf_frag does not know is looked up there (frag_later46),
 * and the later fragments change family as xlate.h says (frag_xlate46/64).
 */
#ifndef WF_LIB_FRAG_H
#define WF_LIB_FRAG_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "wslfwd.h"
#include "lib/config.h"
#include "lib/clock.h"
#include "lib/maps.h"
#include "lib/ctx.h"
#include "lib/csum.h"
#include "lib/parse.h"
#include "lib/counters.h"
#include "lib/nat.h"
#include "lib/xlate.h"

/* frag_later46(): no wf_frag6 entry of a translated flow for it */
#define WF_FRAG_MISS	0x7ff1

static __always_inline int frag_later46_any(const struct wf_ctx *c, const struct wf_pkt *pkt,
					    __u8 hook);

/* Which hook applies connection entry @v: ingress takes client packets
 * and one-arm replies, egress the replies of LOCAL/BEHIND targets. */
static __always_inline __u8 frag_hook_of(const struct wf_ct_val *v)
{
	return v->dir == WF_DIR_REPLY && v->kind != WF_KIND_ONEARM ? WF_FRAG_EG : WF_FRAG_IN;
}

static __always_inline void frag_key4(const struct wf_pkt *pkt, __u8 hook,
				      struct wf_frag_key *k)
{
	k->saddr = pkt->tuple.saddr;
	k->daddr = pkt->tuple.daddr;
	k->ipid = pkt->ipid;
	k->proto = pkt->tuple.proto;
	k->hook = hook;
}

/*
 * A first fragment translated with @v: record it for the later fragments.
 * 0, or -1 when it cannot be recorded (the caller drops the fragment: its
 * datagram could never be reassembled). Global functions (WF_GLOBAL): first
 * fragments are rare, their stack is not the hot path's.
 */
WF_GLOBAL int frag_first4(const struct wf_pkt *pkt, const struct wf_ct_val *v, __u64 now)
{
	struct wf_frag_key k;
	struct wf_frag_val fv;

	if (!pkt || !v)
		return -1;
	frag_key4(pkt, frag_hook_of(v), &k);
	__builtin_memcpy(&fv.ct, v, sizeof(fv.ct));
	fv.ct.last_seen = now;
	fv.drop = 0;
	fv.pad = 0;
	return bpf_map_update_elem(&wf_frag, &k, &fv, BPF_ANY) ? -1 : 0;
}

/* A first fragment arriving on IFACE dropped with reason @reason: the later
 * fragments of its datagram are dropped alike. */
WF_GLOBAL int frag_first_drop4(const struct wf_pkt *pkt, __u32 reason, __u64 now)
{
	struct wf_frag_key k;
	struct wf_frag_val fv;

	if (!pkt || !reason || reason >= WF_STAT_MAX)
		return -1;
	frag_key4(pkt, WF_FRAG_IN, &k);
	__builtin_memset(&fv, 0, sizeof(fv));
	fv.ct.last_seen = now;
	fv.drop = reason;
	return bpf_map_update_elem(&wf_frag, &k, &fv, BPF_ANY) ? -1 : 0;
}

/*
 * The IP header part of @v's rewrite: addresses and, for packets we send
 * ourselves, TTL (the caller has checked ttl > 1), under one IP checksum
 * update. A LOCAL target on @vm itself changes nothing here.
 */
static __always_inline int frag_rewrite4(const struct wf_ctx *c, const struct wf_pkt *pkt,
					 const struct wf_ct_val *v, bool ttl_dec)
{
	const struct wf_ct_key *t = &pkt->tuple;
	bool addrs = t->saddr != v->nsaddr || t->daddr != v->ndaddr;
	__u64 diff = 0;

	if (addrs)
		diff = csum_diff32(csum_diff32(0, t->saddr, v->nsaddr), t->daddr, v->ndaddr);
	if (ttl_dec && nat_ttl_dec4(c, pkt, &diff))
		return -1;
	if (diff && ctx_l3_csum_add(c, WF_IP4_CSUM_OFF, diff))
		return -1;
	if (addrs && ctx_store_bytes(c, WF_IP4_SADDR_OFF, &v->nsaddr, 8))
		return -1;
	return 0;
}

/*
 * A later fragment at @hook: translated as its datagram's first fragment
 * was, or passed untouched when no first fragment was seen (counted
 * frag_passed at ingress; egress sees the VM's own traffic, and in tc mode
 * also the one-arm packets ingress has already counted and redirected).
 * Never redirected (XDP_REDIRECT): every fragment of a BEHIND flow goes
 * through the stack, as its first fragment did (fwd_redirect_ok).
 */
static __always_inline int frag_later4(const struct wf_ctx *c, const struct wf_pkt *pkt,
				       __u8 hook)
{
	struct wf_frag_key k;
	struct wf_frag_val *e;
	const struct wf_ct_val *v;
	bool tx;

	int ret;

	frag_key4(pkt, hook, &k);
	e = bpf_map_lookup_elem(&wf_frag, &k);
	/* Signed: another CPU's clock may be a tick ahead. */
	if (!e || (__s64)(wf_now() - e->ct.last_seen) > WF_FRAG_TIMEOUT * WF_NSEC_PER_SEC) {
		/* maybe a v4tov6/v6tov4 flow's (wf_frag6) */
		ret = frag_later46_any(c, pkt, hook);
		if (ret != WF_FRAG_MISS)
			return ret;
		if (hook == WF_FRAG_IN)
			stats_inc(WF_EV_FRAG_PASSED);
		return WF_PASS;
	}
	if (e->drop)
		return -(int)(e->drop & 0xff);
	v = &e->ct;
	tx = v->flags & WF_CT_F_TX;
	if (tx && pkt->ttl <= 1)
		return -WF_DROP_TTL;
	counters_add(v->id, v->dir, 1, pkt->len);
	stats_inc(WF_EV_FRAG_TRANSLATED);
	/* A failed store leaves a half-rewritten packet: never let it out. */
	if (frag_rewrite4(c, pkt, v, tx))
		return -WF_DROP_MALFORMED;
	if (!tx)
		return WF_PASS;
	if (nat_set_macs(c, v))
		return -WF_DROP_MALFORMED;
	return WF_TX;
}

/* ---- IPv6: the fragment header's 32-bit id keys the datagram; later
 * fragments get the addresses (no header checksum) and the hop limit. */

static __always_inline void frag_key6(const struct wf_pkt *pkt, __u8 hook,
				      struct wf_frag6_key *k)
{
	__builtin_memcpy(k->saddr, pkt->tuple6.saddr, 16);
	__builtin_memcpy(k->daddr, pkt->tuple6.daddr, 16);
	k->id = pkt->id6;
	k->proto = pkt->tuple.proto;
	k->hook = hook;
	k->pad = 0;
}

/* frag_first4() for IPv6 (WF_GLOBAL). */
WF_GLOBAL int frag_first6(const struct wf_pkt *pkt, const struct wf_ct6_val *v, __u64 now)
{
	struct wf_frag6_key k;
	struct wf_frag6_val fv;

	if (!pkt || !v)
		return -1;
	frag_key6(pkt, frag_hook_of(&v->c), &k);
	__builtin_memcpy(&fv.ct, v, sizeof(fv.ct));
	fv.ct.c.last_seen = now;
	fv.drop = 0;
	fv.pad = 0;
	return bpf_map_update_elem(&wf_frag6, &k, &fv, BPF_ANY) ? -1 : 0;
}

/* frag_first_drop4() for IPv6 (WF_GLOBAL). */
WF_GLOBAL int frag_first_drop6(const struct wf_pkt *pkt, __u32 reason, __u64 now)
{
	struct wf_frag6_key k;
	struct wf_frag6_val fv;

	if (!pkt || !reason || reason >= WF_STAT_MAX)
		return -1;
	frag_key6(pkt, WF_FRAG_IN, &k);
	__builtin_memset(&fv, 0, sizeof(fv));
	fv.ct.c.last_seen = now;
	fv.drop = reason;
	return bpf_map_update_elem(&wf_frag6, &k, &fv, BPF_ANY) ? -1 : 0;
}

/*
 * A later fragment of a translated flow changes family. IPv4 -> IPv6: the
 * IPv4 header (options left out) becomes IPv6 and a fragment header, 28
 * bytes more than IPv4's 20, which a fragment we send must fit in IFACE's
 * MTU (`xlate_mtu`: a fragment has no DF to answer, and RFC 7915's
 * refragmentation is not done). IPv6 -> IPv4: the IPv6 header and its
 * extension headers, the fragment header last, become IPv4's 20 bytes.
 * MACs, TTL and path as xlate.h's (@tx: we send it).
 */
static __always_inline int frag_move(const struct wf_ctx *c, __s32 d, __u16 proto,
				     const __u8 *mac, const __u32 *h, __u32 len)
{
	if (xlate_move(c, d, proto, mac))
		return -1;
	if (c->xdp)
		return len == 48 ? ctx_store_bytes(c, WF_ETH_HLEN, h, 48) :
				   ctx_store_bytes(c, WF_ETH_HLEN, h, 20);
	return bpf_skb_store_bytes(ctx_skb(c), WF_ETH_HLEN, h, len, BPF_F_RECOMPUTE_CSUM);
}

static __always_inline int frag_xlate46(const struct wf_ctx *c, const struct wf_pkt *pkt,
					const struct wf_frag6_val *e, bool tx)
{
	const struct wf_ct_val *v = &e->ct.c;
	__u32 opt = pkt->l4_off - (WF_ETH_HLEN + WF_IP4_HLEN);
	__u32 dlen = pkt->len - WF_IP4_HLEN - opt, h[12], mtu = 0;
	__u8 mac[2 * WF_ETH_ALEN], tos;
	__be16 fo;
	__u16 f;

	if (opt > WF_IP4_HLEN_MAX - WF_IP4_HLEN)
		return -WF_DROP_XLATE;
	if (tx && bpf_check_mtu(c->ctx, 0, &mtu,
				(__s32)(WF_XLATE_GROW + WF_IP6_FRAG_HLEN) - (__s32)opt, 0))
		return -WF_DROP_XLATE_MTU;
	if (ctx_load_bytes(c, WF_ETH_HLEN + 1, &tos, 1) ||
	    ctx_load_bytes(c, WF_ETH_HLEN + WF_OFF(struct iphdr, frag_off), &fo, 2) ||
	    xlate_macs(c, v, tx || v->dir == WF_DIR_REPLY, mac))
		return -WF_DROP_MALFORMED;
	f = bpf_ntohs(fo);
	xlate_ip6_build(h, tos, dlen + WF_IP6_FRAG_HLEN, tx ? pkt->ttl - 1 : pkt->ttl,
			WF_IP6_FRAGMENT, e->ct.nsaddr, e->ct.ndaddr);
	xlate_frag6_build(h + 10, pkt->tuple.proto,
			  (f & WF_IP_OFFMASK) << 3 | ((f & WF_IP_MF) ? 1 : 0), pkt->ipid);
	if (frag_move(c, WF_XLATE_GROW + WF_IP6_FRAG_HLEN - (__s32)opt, WF_ETH_P_IPV6, mac, h,
		      48))
		return -WF_DROP_MALFORMED;
	return tx ? WF_TX : WF_PASS;
}

static __always_inline int frag_xlate64(const struct wf_ctx *c, const struct wf_pkt *pkt,
					const struct wf_frag6_val *e, bool tx)
{
	const struct wf_ct_val *v = &e->ct.c;
	/* the extension headers, the fragment header last (pkt_walk6) */
	__u32 ext = pkt->l4_off - (WF_ETH_HLEN + WF_IP6_HLEN);
	__u32 dlen = pkt->len - WF_IP6_HLEN - ext, h[5];
	__u8 mac[2 * WF_ETH_ALEN], vtc[2], fh[WF_IP6_FRAG_HLEN];
	__u16 w;

	if (ext < WF_IP6_FRAG_HLEN || ext > WF_IP6_EXT_LEN_MAX)
		return -WF_DROP_XLATE;
	if (ctx_load_bytes(c, WF_ETH_HLEN, vtc, 2) ||
	    ctx_load_bytes(c, pkt->l4_off - WF_IP6_FRAG_HLEN, fh, sizeof(fh)) ||
	    xlate_macs(c, v, tx || v->dir == WF_DIR_REPLY, mac))
		return -WF_DROP_MALFORMED;
	w = (__u16)fh[2] << 8 | fh[3];
	xlate_ip4_build_frag(h, (vtc[0] << 4) | (vtc[1] >> 4), WF_IP4_HLEN + dlen,
			     tx ? pkt->ttl - 1 : pkt->ttl, pkt->tuple.proto, e->ct.nsaddr[3],
			     e->ct.ndaddr[3], *(__be16 *)(fh + 6),
			     bpf_htons((w >> 3) | ((w & 1) ? WF_IP_MF : 0)));
	if (frag_move(c, -(__s32)(WF_XLATE_GROW + ext), WF_ETH_P_IP, mac, h, 20))
		return -WF_DROP_MALFORMED;
	return tx ? WF_TX : WF_PASS;
}

/* An IPv4 later fragment wf_frag does not know: of a translated flow's
 * datagram (wf_frag6, fwd_frag_key46)? WF_FRAG_MISS when not. */
static __always_inline int frag_later46(const struct wf_ctx *c, const struct wf_pkt *pkt,
					__u8 hook)
{
	struct wf_frag6_key k;
	struct wf_frag6_val *e;
	const struct wf_ct_val *v;
	__be16 *id = (__be16 *)&k.id;
	bool tx;

	addr6_map4(k.saddr, pkt->tuple.saddr);
	addr6_map4(k.daddr, pkt->tuple.daddr);
	id[0] = 0;
	id[1] = pkt->ipid;
	k.proto = pkt->tuple.proto;
	k.hook = hook;
	k.pad = 0;
	e = bpf_map_lookup_elem(&wf_frag6, &k);
	if (!e || (__s64)(wf_now() - e->ct.c.last_seen) > WF_FRAG_TIMEOUT * WF_NSEC_PER_SEC)
		return WF_FRAG_MISS;
	if (e->drop)
		return -(int)(e->drop & 0xff);
	v = &e->ct.c;
	if (v->xfam != WF_CT_X_TO6)
		return WF_FRAG_MISS;
	tx = v->flags & WF_CT_F_TX;
	if (tx && pkt->ttl <= 1)
		return -WF_DROP_TTL;
	counters_add(v->id, v->dir, 1, pkt->len);
	stats_inc(WF_EV_FRAG_TRANSLATED);
	return frag_xlate46(c, pkt, e, tx);
}

WF_GLOBAL int frag_later46_xdp(struct xdp_md *ctx, const struct wf_pkt *pkt, __u32 hook)
{
	struct wf_ctx c = { .ctx = ctx, .xdp = true };

	if (!ctx || !pkt)
		return WF_FRAG_MISS;
	return frag_later46(&c, pkt, hook);
}

WF_GLOBAL int frag_later46_tc(struct __sk_buff *skb, const struct wf_pkt *pkt, __u32 hook)
{
	struct wf_ctx c = { .ctx = skb, .xdp = false };

	if (!skb || !pkt)
		return WF_FRAG_MISS;
	return frag_later46(&c, pkt, hook);
}

static __always_inline int frag_later46_any(const struct wf_ctx *c, const struct wf_pkt *pkt,
					    __u8 hook)
{
	return c->xdp ? frag_later46_xdp(ctx_xdp(c), pkt, hook) :
			frag_later46_tc(ctx_skb(c), pkt, hook);
}

/* frag_later4() for IPv6; called through a global function per program
 * type (below): its key stays off the entry point's frame. */
static __always_inline int frag_later6(const struct wf_ctx *c, const struct wf_pkt *pkt,
				       __u8 hook)
{
	struct wf_frag6_key k;
	struct wf_frag6_val *e;
	const struct wf_ct_val *v;
	bool tx;
	__u8 hl;

	frag_key6(pkt, hook, &k);
	e = bpf_map_lookup_elem(&wf_frag6, &k);
	if (!e || (__s64)(wf_now() - e->ct.c.last_seen) > WF_FRAG_TIMEOUT * WF_NSEC_PER_SEC) {
		if (hook == WF_FRAG_IN)
			stats_inc(WF_EV_FRAG_PASSED);
		return WF_PASS;
	}
	if (e->drop)
		return -(int)(e->drop & 0xff);
	v = &e->ct.c;
	tx = v->flags & WF_CT_F_TX;
	if (tx && pkt->ttl <= 1)
		return -WF_DROP_TTL;
	counters_add(v->id, v->dir, 1, pkt->len);
	stats_inc(WF_EV_FRAG_TRANSLATED);
	/* a v6tov4/v4tov6 flow's: leaves as IPv4 (an entry that takes IPv4,
	 * TO6, never has an IPv6 datagram's key) */
	if (v->xfam)
		return v->xfam == WF_CT_X_TO4 ? frag_xlate64(c, pkt, e, tx) : -WF_DROP_XLATE;
	hl = pkt->ttl - 1;
	if (ctx_store_bytes(c, WF_IP6_SADDR_OFF, e->ct.nsaddr, 32) ||
	    (tx && ctx_store_bytes(c, WF_IP6_HOPLIMIT_OFF, &hl, 1)))
		return -WF_DROP_MALFORMED;
	if (!tx)
		return WF_PASS;
	if (nat_set_macs(c, v))
		return -WF_DROP_MALFORMED;
	return WF_TX;
}

WF_GLOBAL int frag_later6_xdp(struct xdp_md *ctx, const struct wf_pkt *pkt, __u32 hook)
{
	struct wf_ctx c = { .ctx = ctx, .xdp = true, .v6 = true };

	if (!ctx || !pkt)
		return WF_PASS;
	return frag_later6(&c, pkt, hook);
}

WF_GLOBAL int frag_later6_tc(struct __sk_buff *skb, const struct wf_pkt *pkt, __u32 hook)
{
	struct wf_ctx c = { .ctx = skb, .xdp = false, .v6 = true };

	if (!skb || !pkt)
		return WF_PASS;
	return frag_later6(&c, pkt, hook);
}

#endif
