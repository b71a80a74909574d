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

	frag_key4(pkt, hook, &k);
	e = bpf_map_lookup_elem(&wf_frag, &k);
	/* Signed: another CPU's clock may be a tick ahead. */
	if (!e || (__s64)(wf_now() - e->ct.last_seen) > WF_FRAG_TIMEOUT * WF_NSEC_PER_SEC) {
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
