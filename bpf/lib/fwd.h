/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The packet path (design.md "Packet path"): ingress (XDP, or tc ingress in
 * tc mode) and tc egress. Returns a WF_* verdict or a -WF_DROP_* reason;
 * fwd_finish() counts reasons and ctx_verdict() maps to the program type.
 *
 * Hot path of an established flow: parse, one wf_ports array load, one
 * wf_ct hash lookup, the rewrite, one per-CPU counter update.
 */
#ifndef WF_LIB_FWD_H
#define WF_LIB_FWD_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "wslfwd.h"
#include "lib/config.h"
#include "lib/clock.h"
#include "lib/maps.h"
#include "lib/ctx.h"
#include "lib/parse.h"
#include "lib/counters.h"
#include "lib/mapping.h"
#include "lib/conntrack.h"
#include "lib/ct_create.h"
#include "lib/nat.h"
#include "lib/lo.h"
#include "lib/frag.h"
#include "lib/icmp.h"
#include "lib/icmp6.h"
#include "lib/xlate.h"
#include "lib/nexthop.h"
#include "lib/icmpx.h"

/* Ingress filter: a mapped LPORT of this protocol, an SNAT port (replies of
 * one-arm connections), or the source port of a `snat never` target (its
 * replies go to the client's own port). Returns the destination port's
 * bits (WF_PORT_*_L set when mapped) or, for the other two, WF_PORT_F_IN;
 * 0: not ours. */
#define WF_PORT_F_IN	0x100

static __always_inline __u32 fwd_filter_in(const struct wf_pkt *pkt)
{
	__u32 port = bpf_ntohs(pkt->tuple.dport);
	bool tcp = pkt->tuple.proto == WF_IPPROTO_TCP;
	__u8 bits = mapping_port_bits(pkt->tuple.dport);

	if (bits & (tcp ? WF_PORT_TCP_L : WF_PORT_UDP_L))
		return bits | WF_PORT_F_IN;
	if (port >= cfg_snat_min && port <= cfg_snat_max)
		return WF_PORT_F_IN;
	if (mapping_port_bits(pkt->tuple.sport) & (tcp ? WF_PORT_TCP_R : WF_PORT_UDP_R))
		return WF_PORT_F_IN;
	return 0;
}

static __always_inline bool fwd_snat_port(__be16 port)
{
	__u32 p = bpf_ntohs(port);

	return p >= cfg_snat_min && p <= cfg_snat_max;
}

/* Egress filter: the source is a mapped TPORT of this protocol. */
static __always_inline bool fwd_filter_out(const struct wf_pkt *pkt)
{
	__u8 want = pkt->tuple.proto == WF_IPPROTO_TCP ? WF_PORT_TCP_T : WF_PORT_UDP_T;

	return mapping_port_bits(pkt->tuple.sport) & want;
}

/*
 * 0: a TCP/UDP packet to look at; 1: a later fragment (frag.h);
 * WF_PKT_ICMP: ICMP (icmp.h); -1: not ours, pass untouched. Only the first hook a frame meets counts it
 * (@count): in XDP modes wf_tc_lo_ingress sees every frame XDP passed.
 */
static __always_inline int fwd_parse(const struct wf_ctx *c, struct wf_pkt *pkt, bool count)
{
	switch (c->v6 ? pkt_parse6(c, pkt) : pkt_parse4(c, pkt)) {
	case WF_PKT_OK:
		return 0;
	case WF_PKT_FRAG:
		return 1;
	case WF_PKT_MALFORMED:
		/* Passed untouched: the stack drops and counts it itself. */
		if (count)
			stats_inc(WF_DROP_MALFORMED);
		return -1;
	case WF_PKT_ICMP:
		return WF_PKT_ICMP;
	case WF_PKT_EXT_CHAIN:
		if (count)
			stats_inc(WF_EV_IP6_EXT_CHAIN);
		return -1;
	default:
		return -1;
	}
}

/*
 * Send a BEHIND packet ourselves (XDP_REDIRECT to v->oif) rather than through
 * the stack? Only from XDP, for an entry that recorded a device in
 * wf_redirect at its first packet, while that device is still there (the
 * map lookup inside bpf_redirect_map() answers XDP_PASS when it is gone),
 * with TTL left to decrement and a datagram the device takes (wf_dev_mtu: the
 * receiving veth's peer drops bigger frames silently; counted redirect_mtu
 * when that sends it through the stack). Anything else the stack handles:
 * it routes, fragments and sends ICMP errors.
 * Called before the rewrite, which then knows to decrement the TTL: the
 * redirect only takes effect when we return XDP_REDIRECT.
 */
static __always_inline bool fwd_redirect_ok(const struct wf_ctx *c, const struct wf_pkt *pkt,
					    const struct wf_ct_val *v)
{
	__u32 *max;

	if (!c->xdp || !(v->flags & WF_CT_F_REDIRECT) || pkt->ttl <= 1)
		return false;
	/* Fragments take the stack: it reassembles or forwards them as one
	 * datagram, whatever the device's MTU (frag.h). */
	if (pkt->flags & WF_PKT_F_FRAG)
		return false;
	max = bpf_map_lookup_elem(&wf_dev_mtu, &v->oif);
	if (!max)
		return false;
	if (pkt->len > *max) {
		stats_inc(WF_EV_REDIRECT_MTU);
		return false;
	}
	return bpf_redirect_map(&wf_redirect, v->oif, XDP_PASS) == XDP_REDIRECT;
}

/* A later fragment at @hook (frag.h). */
static __always_inline int fwd_frag_later(const struct wf_ctx *c, const struct wf_pkt *pkt,
					  __u8 hook)
{
	if (!c->v6)
		return frag_later4(c, pkt, hook);
	if (c->xdp)
		return frag_later6_xdp(ctx_xdp(c), pkt, hook);
	return frag_later6_tc(ctx_skb(c), pkt, hook);
}

/* The packet's conntrack key: its tuple, of the family of the path. */
static __always_inline const void *fwd_key(const struct wf_ctx *c, const struct wf_pkt *pkt)
{
	return c->v6 ? (const void *)&pkt->tuple6 : (const void *)&pkt->tuple;
}

/* fwd_new() to the entry point: translate the first packet with the ORIG
 * value in wf_ct_scratch, then pass (or send: _TX). */
#define WF_XLATE_NEW	0x7ffc
#define WF_XLATE_NEW_TX	0x7ffd

/*
 * Apply conntrack value @v to the packet: state, rewrite, MACs/TTL for
 * WF_CT_F_TX, counters, verdict. @update is false for a value just created
 * (on the stack, its state already the packet's).
 */
static __always_inline int fwd_apply(const struct wf_ctx *c, const struct wf_pkt *pkt,
				     const void *key, struct wf_ct_val *v, bool update, __u64 now)
{
	bool tx = v->flags & WF_CT_F_TX;
	bool out;	/* we send it ourselves: TTL and MACs too */
	int ret;

	if (tx && pkt->ttl <= 1)
		return WF_TTL_ANSWER;
	if (update) {
		/* (a new connection checked it before it was created) */
		if (c->v6 && (pkt->flags & WF_PKT_F_CSUM0))
			return -WF_DROP_UDP6_ZERO_CSUM;
		ret = ct_update(c, pkt, key, &v, now);
		if (ret)
			return ret;
	}
	/* Its later fragments get what it gets (frag.h; a translated flow's
	 * first fragment is recorded in wf_frag6, an IPv4 one under its
	 * ::ffff: key, fwd_frag_key46); a datagram whose
	 * later fragments could not be translated is dropped whole. */
	if ((pkt->flags & WF_PKT_F_FIRST_FRAG) &&
	    (c->v6 ? frag_first6(pkt, ct6(v), now) : frag_first4(pkt, v, now)))
		return -WF_DROP_FRAGMENT;
	if (pkt->flags & WF_PKT_F_OPTIONS)
		stats_inc(WF_EV_IP_OPTIONS);
	counters_add(v->id, v->dir, ctx_segs(c), pkt->len);

	/* A failed store leaves a half-rewritten packet: never let it out.
	 * Cannot happen for a parsed XDP frame; in tc only when the skb
	 * cannot be made writable (-ENOMEM). */
	if (c->v6 && v->xfam) {
		/* A first packet's translation is the entry point's call
		 * (fwd_xlate_new): fwd_new's frame plus xlate_xdp's did not
		 * fit the 512 bytes. */
		if (!update)
			return tx ? WF_XLATE_NEW_TX : WF_XLATE_NEW;
		ret = xlate_any(c, pkt, v, tx);
		if (ret)
			return ret;
		return tx ? WF_TX : WF_PASS;
	}
	out = tx || fwd_redirect_ok(c, pkt, v);
	if (c->v6 ? nat_rewrite6(c, pkt, v, out) : nat_rewrite4(c, pkt, v, out))
		return -WF_DROP_MALFORMED;
	if (!out)
		return WF_PASS;
	if (nat_set_macs(c, v))
		return -WF_DROP_MALFORMED;
	return tx ? WF_TX : WF_REDIRECT;
}

/*
 * The device XDP may send a BEHIND connection's packets to, for the FIB's
 * egress device @oif and next hop @dmac: @oif itself when the loader put it
 * in wf_redirect, else, when @oif is a bridge, the port of wf_redirect the
 * bridge's forwarding database puts @dmac behind (wf_brport). 0: none, the
 * stack routes it.
 */
static __always_inline __u32 fwd_redirect_dev(__u32 oif, const __u8 *dmac)
{
	struct wf_brport_key k = { .bridge = oif };
	__u32 *port;

	if (bpf_map_lookup_elem(&wf_redirect, &oif))
		return oif;
	__builtin_memcpy(k.mac, dmac, WF_ETH_ALEN);
	port = bpf_map_lookup_elem(&wf_brport, &k);
	if (!port || !bpf_map_lookup_elem(&wf_redirect, port))
		return 0;
	return *port;
}

/*
 * The source a translated connection's packets leave with (always SNAT,
 * design.md "v4tov6 and v6tov4"): one-arm, @vm of the target's family;
 * LOCAL and BEHIND, an address whose replies the VM routes out of IFACE,
 * where tc egress meets them (replies to @vm would stay in the VM's
 * stack, never crossing a hook of ours): @host for an IPv4 target, the
 * client's own address in the RFC 6052 prefix 64:ff9b::/96 for an IPv6
 * one. @c: the IPv6 tables (the client is ::ffff:a.b.c.d for v4tov6).
 */
static __always_inline int fwd_classify_xfam(const struct wf_ctx *c, const struct wf_pkt *pkt,
					     const struct wf_info *info, struct wf_ct_new *n)
{
	bool onearm = n->kind == WF_KIND_ONEARM;

	n->snat = 1;
	if (n->xfam == WF_CT_X_TO4) {
		__be32 a = onearm ? info->vm4 : info->host4;

		if (!a)
			return -WF_DROP_NO_ADDR;
		addr6_map4(n->snaddr, a);
		return 0;
	}
	if (onearm) {
		if (addr6_zero(info->vm6))
			return -WF_DROP_NO_ADDR;
		__builtin_memcpy(n->snaddr, info->vm6, 16);
		return 0;
	}
	n->snaddr[0] = bpf_htonl(WF_NAT64_PREFIX0);
	n->snaddr[1] = 0;
	n->snaddr[2] = 0;
	n->snaddr[3] = pkt->tuple6.saddr[3];
	return 0;
}

/*
 * A link-local target past its wf_nh entry's age: bpf_fib_lookup() answers
 * NOT_FWDED for any link-local address (rt6_need_strict), but for a global
 * destination routed through a gateway it writes the gateway into
 * ipv6_dst and gives its neighbour's MAC (or NO_NEIGH). Userspace stored
 * such a destination (the probe) for a target that is a route's gateway on
 * IFACE; the answer is the target's only while the gateway is still the
 * target and the device IFACE. The kernel's MACs are current: they win
 * over the entry's. The BPF_FIB_LKUP_RET_* to go on with, or -WF_DROP_*.
 */
static __always_inline int fwd_nh_probe6(const struct wf_ctx *c, const struct wf_nh_val *nh,
					 const __be32 *taddr, __u32 ifindex,
					 struct bpf_fib_lookup *fib)
{
	int rc;

	/* no entry, or no route has the target as its gateway: watch alone
	 * keeps such a target reachable */
	if (!nh || addr6_zero(nh->probe))
		return -WF_DROP_FIB;
	fib->family = WF_AF_INET6;
	__builtin_memcpy(fib->ipv6_dst, nh->probe, 16);
	rc = ctx_fib_lookup(c, fib, 0);
	if (rc == BPF_FIB_LKUP_RET_FWD_DISABLED)
		return -WF_DROP_FWD_DISABLED;
	/* NO_NEIGH too has the route's gateway and device written */
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return -WF_DROP_FIB;
	if (fib->ifindex != ifindex || !addr6_eq((const __be32 *)fib->ipv6_dst, taddr))
		return -WF_DROP_FIB;
	return rc;
}

/*
 * Where a new connection's target is and how it is reached (step 6).
 * A target that is @vm itself is LOCAL without asking the FIB: the answer
 * would be the same (RTN_LOCAL -> NOT_FWDED), and it also holds when
 * forwarding is disabled on IFACE, where bpf_fib_lookup() refuses to answer
 * (BPF_FIB_LKUP_RET_FWD_DISABLED) whatever the target.
 * Any other target's answer comes from the next-hop cache while its entry
 * is fresh (lib/nexthop.h), else from bpf_fib_lookup().
 */
static __always_inline int fwd_classify(const struct wf_ctx *c, const struct wf_pkt *pkt,
					const struct wf_info *info, __u8 snat,
					struct wf_ct_new *n, struct bpf_fib_lookup *fib, __u64 now)
{
	__u32 ifindex = ctx_ifindex(c);
	/* the target's family: a v6tov4 target is ::ffff:a.b.c.d here */
	bool t6 = c->v6 && n->xfam != WF_CT_X_TO4;
	__be32 t4 = c->v6 ? n->taddr[3] : n->taddr[0];
	const struct wf_nh_val *nh;
	bool have_mac, fresh;
	int rc;

	if (t6 ? addr6_eq(n->taddr, info->vm6) : t4 == info->vm4) {
		n->kind = WF_KIND_LOCAL;
		nh = NULL;
		goto out;
	}
	nh = nh_lookup(t6, n->taddr, t4, now, &fresh);
	if (fresh) {
		/* userspace wrote it only while forwarding is on in the
		 * target's family (the FIB's FWD_DISABLED) */
		if (nh->kind == WF_KIND_LOCAL) {
			n->kind = WF_KIND_LOCAL;
			goto out;
		}
		fib->ifindex = nh->oif;
		__builtin_memcpy(fib->smac, nh->smac, WF_ETH_ALEN);
		__builtin_memcpy(fib->dmac, nh->dmac, WF_ETH_ALEN);
		rc = nh_mac_zero(nh->dmac) ? BPF_FIB_LKUP_RET_NO_NEIGH : BPF_FIB_LKUP_RET_SUCCESS;
		goto answer;
	}
	__builtin_memset(fib, 0, sizeof(*fib));
	fib->l4_protocol = pkt->tuple.proto;
	fib->ifindex = ifindex;
	if (t6) {
		/* bpf_fib_lookup() answers NOT_FWDED for link-local addresses
		 * ("never forwarded"): a link-local target (@host6 behind a
		 * link-local gateway) is reached through wf_nh, which watch
		 * keeps fresh, or past its age through its probe; else it is
		 * dropped, counted fib, rather than sent up as LOCAL. The
		 * stale entry's SNAT source (IFACE's link-local address)
		 * stays. A link-local client nothing but a one-arm target
		 * with SNAT could answer: its source is left out of the
		 * lookup; a translated packet will leave from @vm6. */
		if (addr6_linklocal(n->taddr)) {
			rc = fwd_nh_probe6(c, nh, n->taddr, ifindex, fib);
			if (rc < 0)
				return rc;
			goto answer;
		}
		nh = NULL;	/* stale: the FIB's answer, @vm6's source */
		fib->family = WF_AF_INET6;
		if (n->xfam)
			__builtin_memcpy(fib->ipv6_src, info->vm6, 16);
		else if (!addr6_linklocal(pkt->tuple6.saddr))
			__builtin_memcpy(fib->ipv6_src, pkt->tuple6.saddr, 16);
		__builtin_memcpy(fib->ipv6_dst, n->taddr, 16);
	} else {
		nh = NULL;
		fib->family = WF_AF_INET;
		fib->ipv4_src = n->xfam ? info->vm4 : pkt->tuple.saddr;
		fib->ipv4_dst = t4;
	}
	/* tot_len stays 0: no MTU verdict; BEHIND traffic goes through the
	 * stack, which fragments or sends ICMP itself. */
	rc = ctx_fib_lookup(c, fib, 0);
answer:
	switch (rc) {
	case BPF_FIB_LKUP_RET_NOT_FWDED:
		n->kind = WF_KIND_LOCAL;
		break;
	case BPF_FIB_LKUP_RET_SUCCESS:
	case BPF_FIB_LKUP_RET_NO_NEIGH:
		/* fib->ifindex is the egress device in both cases. Kernels
		 * before 6.x report an unresolved (incomplete) neighbour as
		 * success with a zero dmac. */
		have_mac = rc == BPF_FIB_LKUP_RET_SUCCESS &&
			   (fib->dmac[0] | fib->dmac[1] | fib->dmac[2] | fib->dmac[3] |
			    fib->dmac[4] | fib->dmac[5]);
		if (fib->ifindex != ifindex) {
			/* The stack resolves neighbours for what it routes.
			 * With a resolved neighbour on a device that takes XDP
			 * frames, established packets skip the stack. */
			n->kind = WF_KIND_BEHIND;
			/* translated packets take the stack (no redirect) */
			if (!c->xdp || !have_mac || n->xfam)
				break;
			n->oif = fwd_redirect_dev(fib->ifindex, fib->dmac);
			if (!n->oif)
				break;
		} else {
			/* One-arm: we send it ourselves and need the next
			 * hop's MAC. */
			if (!have_mac)
				return -WF_DROP_NO_NEIGH;
			n->kind = WF_KIND_ONEARM;
		}
		__builtin_memcpy(n->fib_smac, fib->smac, WF_ETH_ALEN);
		__builtin_memcpy(n->fib_dmac, fib->dmac, WF_ETH_ALEN);
		break;
	case BPF_FIB_LKUP_RET_FWD_DISABLED:
		/* The kernel answers no lookup, output ones included, while
		 * forwarding is off on IFACE; load warns about it. */
		return -WF_DROP_FWD_DISABLED;
	default:
		return -WF_DROP_FIB;
	}
out:
	/* the stack forwards no packet with a link-local source (RFC 4291);
	 * a translated one leaves from @host, see fwd_classify_xfam */
	if (c->v6 && !n->xfam && n->kind == WF_KIND_BEHIND && addr6_linklocal(pkt->tuple6.saddr))
		return -WF_DROP_FIB;
	/* For the REPLY entry: replies leave from the MAC the client sent
	 * to, towards the MAC it came from (one-arm; translated replies of
	 * every kind: the stack addressed them to the other family's hop). */
	if ((n->kind == WF_KIND_ONEARM || n->xfam) &&
	    (ctx_load_bytes(c, WF_OFF(struct ethhdr, h_dest), n->pkt_dmac, WF_ETH_ALEN) ||
	     ctx_load_bytes(c, WF_OFF(struct ethhdr, h_source), n->pkt_smac, WF_ETH_ALEN)))
		return -WF_DROP_MALFORMED;
	if (n->xfam)
		return fwd_classify_xfam(c, pkt, info, n);
	/* SNAT exactly when one-arm (replies must come back to us), unless
	 * `snat never` (the target routes its replies through the VM itself).
	 * `snat always` cannot apply to LOCAL/BEHIND targets: their replies
	 * to @vm would reach the VM's stack on another device, never our
	 * hooks, so there it keeps the client address like auto. */
	n->snat = n->kind == WF_KIND_ONEARM && snat != WF_SNAT_NEVER;
	if (!n->snat)
		return 0;
	if (c->v6) {
		/* a link-local target: from IFACE's link-local address,
		 * which it answers on the link without a route back */
		if (nh && !addr6_zero(nh->saddr)) {
			__builtin_memcpy(n->snaddr, nh->saddr, 16);
			return 0;
		}
		if (addr6_zero(info->vm6))
			return -WF_DROP_NO_ADDR;
		__builtin_memcpy(n->snaddr, info->vm6, 16);
	} else {
		if (!info->vm4)
			return -WF_DROP_NO_ADDR;
		n->snaddr[0] = info->vm4;
	}
	return 0;
}

/* First packet of mapping @fv: may its source connect? 0 or -WF_DROP_*. */
static __always_inline int fwd_admit(const struct wf_ctx *c, const struct wf_pkt *pkt,
				     const struct wf_fwd_val *fv)
{
	struct wf_allow_key akey = {};

	if (pkt->tuple.proto == WF_IPPROTO_TCP && (pkt->tcp_flags & WF_TCP_RST) &&
	    !(fv->flags & WF_FWD_F_LOOPBACK))
		return -WF_DROP_RST_NO_CONN;
	if (fv->flags & WF_FWD_F_ALLOW) {
		/* id and family are always matched: prefixlen counts them. */
		akey.id = fv->id;
		if (c->v6) {
			akey.prefixlen = WF_ALLOW_PLEN_KEY + 128;
			akey.family = WF_AF_INET6;
			__builtin_memcpy(akey.addr, pkt->tuple6.saddr, 16);
		} else {
			akey.prefixlen = WF_ALLOW_PLEN_KEY + 32;
			akey.family = WF_AF_INET;
			akey.addr[0] = pkt->tuple.saddr;
		}
		if (!bpf_map_lookup_elem(&wf_allow, &akey))
			return -WF_DROP_NOT_ALLOWED;
	}
	return 0;
}

/* The mapping a first packet is for, of the family of the path. */
static __always_inline struct wf_fwd_val *fwd_mapping(const struct wf_ctx *c,
						      const struct wf_info *info,
						      const struct wf_pkt *pkt, __u32 bits)
{
	if (c->v6)
		return mapping_lookup6(info, pkt->tuple.proto, pkt->tuple6.daddr, pkt->tuple.dport,
				       bits);
	return mapping_lookup4(info, pkt->tuple.proto, pkt->tuple.daddr, pkt->tuple.dport, bits);
}

static __always_inline int fwd_new_create(const struct wf_ctx *c, const struct wf_pkt *pkt,
					  const struct wf_fwd_val *fv, const struct wf_info *info,
					  __u64 now);

/* An IPv4 packet under its ::ffff: key (tuple6): its fragments' wf_frag6
 * id, the IP id in the low-order 16 bits (frag.h, xlate.h). */
static __always_inline void fwd_frag_key46(struct wf_pkt *pkt)
{
	__be16 *id = (__be16 *)&pkt->id6;

	id[0] = 0;
	id[1] = pkt->ipid;
}

/* fwd_new() of an IPv4 packet: its mapping is v4tov6. The entry point
 * looks its connection up in wf_ct6 (fwd_x4), and without one calls
 * fwd_new46() (a call deep, not two: the frames of one chain share 512
 * bytes). */
#define WF_NEW46	0x7ffe

/*
 * A v4tov6 connection's first packet (fwd_new() found the mapping and
 * left a copy in the scratch): the IPv6 tables (@c6), the IPv4 packet
 * under its ::ffff: key, kept in the scratch too.
 */
static __always_inline int fwd_new46(const struct wf_ctx *c6, const struct wf_pkt *pkt,
				     __u32 bits, __u64 now)
{
	struct wf_ctx c4 = { .ctx = c6->ctx, .xdp = c6->xdp };
	struct wf_ct_scratch *sc;
	struct wf_info *info;
	__u32 zero = 0;
	int ret;

	info = bpf_map_lookup_elem(&wf_info, &zero);
	sc = bpf_map_lookup_elem(&wf_ct_scratch, &zero);
	if (!info || !sc)
		return WF_PASS;
	/* fwd_new()'s checks, of the IPv4 packet */
	ret = fwd_admit(&c4, pkt, &sc->fv);
	if (ret)
		return ret;
	if (!pkt_ip_csum_ok4(&c4)) {
		stats_inc(WF_EV_IP_CSUM);
		return WF_PASS;
	}
	__builtin_memcpy(&sc->pkt, pkt, sizeof(*pkt));
	ct_key_map4(&pkt->tuple, &sc->pkt.tuple6);
	fwd_frag_key46(&sc->pkt);
	return fwd_new_create(c6, &sc->pkt, &sc->fv, info, now);
}

static __noinline int fwd_new46_xdp(struct xdp_md *ctx, const struct wf_pkt *pkt, __u32 bits,
				    __u64 now)
{
	struct wf_ctx c = { .ctx = ctx, .xdp = true, .v6 = true };

	return fwd_new46(&c, pkt, bits, now);
}

static __noinline int fwd_new46_tc(struct __sk_buff *skb, const struct wf_pkt *pkt, __u32 bits,
				   __u64 now)
{
	struct wf_ctx c = { .ctx = skb, .xdp = false, .v6 = true };

	return fwd_new46(&c, pkt, bits, now);
}

static __always_inline int fwd_new46_any(const struct wf_ctx *c, const struct wf_pkt *pkt,
					 __u32 bits, __u64 now)
{
	return c->xdp ? fwd_new46_xdp(ctx_xdp(c), pkt, bits, now) :
			fwd_new46_tc(ctx_skb(c), pkt, bits, now);
}

/* A packet no conntrack entry claims: a new connection, or not ours. */
static __always_inline int fwd_new(const struct wf_ctx *c, const struct wf_pkt *pkt,
				   __u32 bits, __u64 now)
{
	struct wf_fwd_val *fv;
	struct wf_info *info;
	__u32 zero = 0;
	int ret;

	/* Nothing listens on this port: an SNAT-range or `snat never` reply
	 * without an entry. */
	if (!mapping_listens(pkt->tuple.proto, bits))
		return WF_PASS;
	info = bpf_map_lookup_elem(&wf_info, &zero);
	if (!info)
		return WF_PASS;
	fv = fwd_mapping(c, info, pkt, bits);
	if (!fv)
		return WF_PASS;
	/* v4tov6: maybe a packet of a connection (the entry point looks);
	 * fwd_new46 admits a new one */
	if (!c->v6 && (fv->flags & WF_FWD_F_XFAM)) {
		struct wf_ct_scratch *sc = bpf_map_lookup_elem(&wf_ct_scratch, &zero);

		if (!sc)
			return WF_PASS;
		__builtin_memcpy(&sc->fv, fv, sizeof(*fv));
		return WF_NEW46;
	}
	ret = fwd_admit(c, pkt, fv);
	if (ret)
		return ret;
	if (c->v6 && (pkt->flags & WF_PKT_F_CSUM0))
		return -WF_DROP_UDP6_ZERO_CSUM;
	if (!c->v6 && !pkt_ip_csum_ok4(c)) {
		stats_inc(WF_EV_IP_CSUM);
		return WF_PASS;
	}
	/* Loopback-only target (127.0.0.1, [::1]): no connection entry, the
	 * packet goes to the server's socket as it is, from tc ingress (in XDP
	 * modes a tc program of its own, wf_tc_lo_ingress, does this after our
	 * XDP_PASS). */
	if (fv->flags & WF_FWD_F_LOOPBACK) {
		/* Handed to a socket, not reassembled first: not for
		 * fragments (design.md "Fragments"). */
		if (pkt->flags & WF_PKT_F_FIRST_FRAG)
			return -WF_DROP_FRAGMENT;
		return c->xdp ? WF_PASS : lo_steer_any(c, pkt, fv);
	}
	return fwd_new_create(c, pkt, fv, info, now);
}

/*
 * The entries of a new connection of mapping @fv, and its first packet
 * applied. @xfam: the ORIG direction's enum wf_ct_xfam (@c: the IPv6
 * tables when set, @pkt's tuple6 the key: ::ffff:a.b.c.d for v4tov6).
 */
static __always_inline int fwd_new_create(const struct wf_ctx *c, const struct wf_pkt *pkt,
					  const struct wf_fwd_val *fv, const struct wf_info *info,
					  __u64 now)
{
	/* (a v4tov6 client's key is ::ffff:a.b.c.d, fwd_new46) */
	__u8 xfam = !c->v6 || !(fv->flags & WF_FWD_F_XFAM) ? WF_CT_X_NONE :
		    addr6_is_mapped(pkt->tuple6.saddr) ? WF_CT_X_TO6 : WF_CT_X_TO4;
	struct wf_ct_scratch *sc;
	struct wf_ct_new *n;
	__u32 zero = 0;
	__u8 snat;
	int ret;

	sc = bpf_map_lookup_elem(&wf_ct_scratch, &zero);
	if (!sc)
		return WF_PASS;
	n = &sc->n;
	__builtin_memset(n, 0, sizeof(*n));
	n->xfam = xfam;
	if (xfam == WF_CT_X_TO4) {
		__be32 t4 = mapping_target4(fv, info);

		if (!t4)
			return -WF_DROP_NO_ADDR;
		addr6_map4(n->taddr, t4);
	} else if (c->v6) {
		if (!mapping_target6(fv, info, n->taddr))
			return -WF_DROP_NO_ADDR;
	} else {
		n->taddr[0] = mapping_target4(fv, info);
		if (!n->taddr[0])
			return -WF_DROP_NO_ADDR;
	}
	n->tport = fv->tport;
	n->id = fv->id;
	snat = fv->snat;

	ret = fwd_classify(c, pkt, info, snat, n, &sc->fib, now);
	if (ret)
		return ret;
	if (n->kind == WF_KIND_ONEARM && pkt->ttl <= 1)
		return WF_TTL_ANSWER;

	ret = ct_create(c, pkt, sc, now);
	if (ret)
		return ret;
	counters_conn(n->id);
	stats_inc(WF_EV_CT_NEW);
	return fwd_apply(c, pkt, fwd_key(c, pkt), &sc->orig.c, false, now);
}

/*
 * fwd_new() out of line, once per program type and family (the ctx shim
 * needs literals): it keeps the first-packet code and its stack out of the
 * established path's registers.
 */
static __noinline int fwd_new4_xdp(struct xdp_md *ctx, const struct wf_pkt *pkt, __u32 bits,
				   __u64 now)
{
	struct wf_ctx c = { .ctx = ctx, .xdp = true };

	return fwd_new(&c, pkt, bits, now);
}

static __noinline int fwd_new4_tc(struct __sk_buff *skb, const struct wf_pkt *pkt, __u32 bits,
				  __u64 now)
{
	struct wf_ctx c = { .ctx = skb, .xdp = false };

	return fwd_new(&c, pkt, bits, now);
}

static __noinline int fwd_new6_xdp(struct xdp_md *ctx, const struct wf_pkt *pkt, __u32 bits,
				   __u64 now)
{
	struct wf_ctx c = { .ctx = ctx, .xdp = true, .v6 = true };

	return fwd_new(&c, pkt, bits, now);
}

static __noinline int fwd_new6_tc(struct __sk_buff *skb, const struct wf_pkt *pkt, __u32 bits,
				  __u64 now)
{
	struct wf_ctx c = { .ctx = skb, .xdp = false, .v6 = true };

	return fwd_new(&c, pkt, bits, now);
}

static __always_inline int fwd_new_any(const struct wf_ctx *c, const struct wf_pkt *pkt,
				       __u32 bits, __u64 now)
{
	if (c->v6)
		return c->xdp ? fwd_new6_xdp(ctx_xdp(c), pkt, bits, now) :
				fwd_new6_tc(ctx_skb(c), pkt, bits, now);
	return c->xdp ? fwd_new4_xdp(ctx_xdp(c), pkt, bits, now) :
			fwd_new4_tc(ctx_skb(c), pkt, bits, now);
}

/*
 * An IPv4 packet no wf_ct entry claims may belong to a translated flow,
 * kept in wf_ct6 under its ::ffff: key: a v4tov6 client's packet (its
 * mapping says so, fwd_new) or a v6tov4 target's reply (to an SNAT
 * port). One more lookup, only for those after a wf_ct miss: established
 * IPv4 flows and the first packets of IPv4 mappings pay nothing. @in:
 * ingress (ORIG and one-arm REPLY entries),
 * else egress (LOCAL/BEHIND REPLY entries). WF_X_MISS: no such entry.
 * Inline, its key in @pkt's tuple6: a subprogram's frame plus the
 * translation's (xlate_xdp) and the checksum's went past the 512 bytes
 * one call chain may take (design.md "Verifier").
 */
#define WF_X_MISS	0x7fff

static __always_inline int fwd_x4(const struct wf_ctx *c4, struct wf_pkt *pkt, bool in,
				  __u64 now)
{
	struct wf_ctx c6 = { .ctx = c4->ctx, .xdp = c4->xdp, .v6 = true };
	struct wf_ct6_key *k = &pkt->tuple6;	/* unused by the IPv4 path */
	struct wf_ct_val *v;

	ct_key_map4(&pkt->tuple, k);
	fwd_frag_key46(pkt);
	v = ct_lookup(true, k, now);
	if (!v || v->xfam != WF_CT_X_TO6)
		return WF_X_MISS;
	if (in ? v->dir != WF_DIR_ORIG && v->kind != WF_KIND_ONEARM :
		 v->dir != WF_DIR_REPLY || v->kind == WF_KIND_ONEARM)
		return WF_X_MISS;
	return fwd_apply(&c6, pkt, k, v, true, now);
}


/* The first packet of a translated connection: its ORIG value is the
 * scratch's (fwd_new, ct_create). */
static __always_inline int fwd_xlate_new(const struct wf_ctx *c, const struct wf_pkt *pkt, bool tx)
{
	struct wf_ct_scratch *sc;
	__u32 zero = 0;
	int ret;

	sc = bpf_map_lookup_elem(&wf_ct_scratch, &zero);
	if (!sc)
		return -WF_DROP_CT_INSERT;
	ret = xlate_any(c, pkt, &sc->orig.c, tx);
	if (ret)
		return ret;
	return tx ? WF_TX : WF_PASS;
}

/*
 * Is the frame IPv6? Decides which path (c->v6) the entry points take; the
 * parser checks the rest. tc: skb->protocol, which the stack set from the
 * frame (behind a VLAN tag too: the parser passes those).
 */
static __always_inline bool fwd_is_ip6(const struct wf_ctx *c)
{
	struct ethhdr *eth;

	if (!c->xdp)
		return ctx_skb(c)->protocol == bpf_htons(WF_ETH_P_IPV6);
	eth = ctx_data(c);
	if ((void *)(eth + 1) > ctx_data_end(c))
		return false;
	return eth->h_proto == bpf_htons(WF_ETH_P_IPV6);
}

static __always_inline int fwd_ingress_fam(const struct wf_ctx *c)
{
	struct wf_ct_val *v;
	struct wf_pkt pkt;
	__u32 bits;
	__u64 now;
	int ret;

	ret = fwd_parse(c, &pkt, true);
	if (ret == WF_PKT_ICMP)
		return icmpx_error_any(c, &pkt, true);
	if (ret > 0)
		return fwd_frag_later(c, &pkt, WF_FRAG_IN);
	if (ret)
		return WF_PASS;
	bits = fwd_filter_in(&pkt);
	if (!bits)
		return WF_PASS;

	now = wf_now();
	v = ct_lookup(c->v6, fwd_key(c, &pkt), now);
	/* Ingress acts on client packets (ORIG) and on one-arm replies, which
	 * come back in through IFACE; LOCAL/BEHIND replies are egress's. */
	if (v && (v->dir == WF_DIR_ORIG || v->kind == WF_KIND_ONEARM))
		ret = fwd_apply(c, &pkt, fwd_key(c, &pkt), v, true, now);
	else if (c->v6 || v || !fwd_snat_port(pkt.tuple.dport))
		ret = fwd_new_any(c, &pkt, bits, now);
	else
		ret = WF_NEW46;	/* to an SNAT port: maybe a v6tov4 one-arm reply */
	/* A v4tov6 mapping's client packet, of a connection or new, or that
	 * reply: one call site, fwd_x4 is inline (the verifier walks it once
	 * per site). No listener on an SNAT port: not new. */
	if (!c->v6 && ret == WF_NEW46) {
		ret = fwd_x4(c, &pkt, true, now);
		if (ret == WF_X_MISS)
			ret = fwd_snat_port(pkt.tuple.dport) ? WF_PASS :
							       fwd_new46_any(c, &pkt, bits, now);
	}
	if (ret == WF_XLATE_NEW || ret == WF_XLATE_NEW_TX)
		ret = fwd_xlate_new(c, &pkt, ret == WF_XLATE_NEW_TX);
	if (ret == WF_TTL_ANSWER)
		return c->v6 ? icmp_ttl_reply6_any(c, &pkt) : icmp_ttl_reply4_any(c, &pkt);
	if (ret < 0 && (pkt.flags & WF_PKT_F_FIRST_FRAG)) {
		if (c->v6)
			frag_first_drop6(&pkt, -ret, now);
		else
			frag_first_drop4(&pkt, -ret, now);
		return ret;
	}
	/* 4 to 6 over IFACE's MTU (xlate.h): frag needed, as a router (a
	 * fragment has no DF) */
	if (ret == -WF_DROP_XLATE_MTU && !c->v6)
		return icmp_mtu_reply4_any(c, &pkt);
	return ret;
}

static __always_inline int fwd_ingress(const struct wf_ctx *c)
{
	struct wf_ctx c6 = { .ctx = c->ctx, .xdp = c->xdp, .v6 = true };

	if (fwd_is_ip6(c))
		return fwd_ingress_fam(&c6);
	return fwd_ingress_fam(c);
}

static __always_inline int fwd_egress_fam(const struct wf_ctx *c)
{
	struct wf_ct_val *v;
	struct wf_pkt pkt;
	__u64 now;
	int ret;

	ret = fwd_parse(c, &pkt, true);
	if (ret == WF_PKT_ICMP)
		return icmpx_error_any(c, &pkt, false);
	if (ret > 0)
		return fwd_frag_later(c, &pkt, WF_FRAG_EG);
	if (ret)
		return WF_PASS;
	if (!fwd_filter_out(&pkt))
		return WF_PASS;

	now = wf_now();
	v = ct_lookup(c->v6, fwd_key(c, &pkt), now);
	/* Replies of LOCAL/BEHIND connections leave through IFACE: source
	 * back to LADDR:LPORT. Anything else (an expired entry included)
	 * passes untouched. */
	/* a v6tov4 LOCAL/BEHIND reply goes to @host:SNATPORT */
	if (!v && !c->v6 && fwd_snat_port(pkt.tuple.dport)) {
		ret = fwd_x4(c, &pkt, false, now);
		if (ret != WF_X_MISS)
			return ret == WF_TTL_ANSWER ? -WF_DROP_TTL : ret;
	}
	if (!v)
		return c->v6 ? lo_udp_reply6(c, &pkt) : lo_udp_reply4(c, &pkt);
	if (v->dir != WF_DIR_REPLY || v->kind == WF_KIND_ONEARM)
		return WF_PASS;
	ret = fwd_apply(c, &pkt, fwd_key(c, &pkt), v, true, now);
	/* (never: only one-arm entries send with TTL, and they are ingress's) */
	return ret == WF_TTL_ANSWER ? -WF_DROP_TTL : ret;
}

static __always_inline int fwd_egress(const struct wf_ctx *c)
{
	struct wf_ctx c6 = { .ctx = c->ctx, .xdp = c->xdp, .v6 = true };

	if (fwd_is_ip6(c))
		return fwd_egress_fam(&c6);
	return fwd_egress_fam(c);
}

/*
 * tc ingress in the XDP modes: XDP cannot hand a packet to a socket, so it
 * passes those of loopback-only targets and this program steers them. The
 * filter is the same as XDP's; packets XDP has rewritten no longer carry
 * an LPORT to @vm or a literal LADDR and pass on after one array load.
 */
static __always_inline int fwd_lo_ingress_fam(const struct wf_ctx *c)
{
	struct wf_fwd_val *fv;
	struct wf_info *info;
	struct wf_pkt pkt;
	__u32 bits, zero = 0;
	int ret;

	/* XDP has counted the frame, and translated later fragments. */
	if (fwd_parse(c, &pkt, false))
		return WF_PASS;
	bits = mapping_port_bits(pkt.tuple.dport);
	if (!mapping_listens(pkt.tuple.proto, bits))
		return WF_PASS;
	info = bpf_map_lookup_elem(&wf_info, &zero);
	if (!info)
		return WF_PASS;
	fv = fwd_mapping(c, info, &pkt, bits);
	if (!fv || !(fv->flags & WF_FWD_F_LOOPBACK))
		return WF_PASS;
	ret = fwd_admit(c, &pkt, fv);
	if (ret)
		return ret;
	return lo_steer_any(c, &pkt, fv);
}

static __always_inline int fwd_lo_ingress(const struct wf_ctx *c)
{
	struct wf_ctx c6 = { .ctx = c->ctx, .xdp = c->xdp, .v6 = true };

	if (fwd_is_ip6(c))
		return fwd_lo_ingress_fam(&c6);
	return fwd_lo_ingress_fam(c);
}

/* Count a drop reason; hand back a verdict. */
static __always_inline int fwd_finish(int ret)
{
	if (ret >= 0)
		return ret;
	stats_inc(-ret);
	return WF_DROP;
}

#endif
