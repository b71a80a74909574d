/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Targets bound to loopback only (design.md "Loopback targets"): a mapping
 * such as `tcp 8080 127.0.0.1:8080`. A packet for it cannot be rewritten to
 * 127.0.0.1 and handed to the stack: a loopback destination arriving on
 * IFACE is martian unless route_localnet, which would open every loopback
 * service. Instead tc ingress finds the server's socket (bpf_sk_lookup_*
 * for 127.0.0.1:TPORT) and hands the packet to it with bpf_sk_assign(),
 * headers untouched: TCP makes a child socket whose local address is
 * LADDR:LPORT, so its replies are ordinary. Only the mapped port reaches
 * only the mapped socket.
 *
 * UDP replies need help: the server's socket is bound to 127.0.0.1, and a
 * datagram from 127.0.0.1 cannot leave through IFACE. tc ingress remembers
 * the client in wf_lo_udp; the sendmsg4 socket hook (sock.h) sets the
 * reply's source address to LADDR and tc egress its source port to LPORT.
 *
 * [::1] targets (`tcp @vm6:8080 [::1]:80`) the same way, in the IPv6 path
 * (c->v6): the lookup is for [::1]:TPORT, which also finds a dual-stack
 * listener on [::]:TPORT; UDP clients are kept in wf_lo_udp6 for sendmsg6
 * and tc egress. A socket keeps its family: userspace refuses 127.0.0.1
 * for IPv6 listeners and [::1] for IPv4 ones.
 */
#ifndef WF_LIB_LO_H
#define WF_LIB_LO_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "wslfwd.h"
#include "lib/maps.h"
#include "lib/mapping.h"
#include "lib/ctx.h"
#include "lib/parse.h"
#include "lib/counters.h"
#include "lib/nat.h"

#ifndef BPF_F_CURRENT_NETNS
#define BPF_F_CURRENT_NETNS	(-1L)
#endif

static __always_inline void lo_udp_remember(const struct wf_pkt *pkt, const struct wf_fwd_val *fv)
{
	struct wf_lo_udp_key k = {
		.caddr = pkt->tuple.saddr,
		.cport = pkt->tuple.sport,
		.tport = fv->tport,
	};
	struct wf_lo_udp_val nv = {
		.laddr = pkt->tuple.daddr,
		.lport = pkt->tuple.dport,
		.id = fv->id,
	};
	struct wf_lo_udp_val *v = bpf_map_lookup_elem(&wf_lo_udp, &k);

	/* An LRU update per datagram costs more than the lookup. */
	if (v && v->laddr == nv.laddr && v->lport == nv.lport && v->id == nv.id)
		return;
	bpf_map_update_elem(&wf_lo_udp, &k, &nv, BPF_ANY);
}

static __always_inline void lo_udp_remember6(const struct wf_pkt *pkt, const struct wf_fwd_val *fv)
{
	struct wf_lo_udp6_key k = {
		.cport = pkt->tuple.sport,
		.tport = fv->tport,
	};
	struct wf_lo_udp6_val nv = {
		.lport = pkt->tuple.dport,
		.id = fv->id,
	};
	struct wf_lo_udp6_val *v;

	__builtin_memcpy(k.caddr, pkt->tuple6.saddr, 16);
	__builtin_memcpy(nv.laddr, pkt->tuple6.daddr, 16);
	v = bpf_map_lookup_elem(&wf_lo_udp6, &k);
	if (v && addr6_eq(v->laddr, nv.laddr) && v->lport == nv.lport && v->id == nv.id)
		return;
	bpf_map_update_elem(&wf_lo_udp6, &k, &nv, BPF_ANY);
}

/*
 * tc ingress, a packet for mapping @fv whose target is on loopback (127/8,
 * or [::1] in the IPv6 path). Always passes the packet on: to the loopback
 * server's socket when one listens, else to the stack, which answers as for
 * a closed port (RST, ICMP).
 */
static __always_inline int lo_steer(const struct wf_ctx *c, const struct wf_pkt *pkt,
				    const struct wf_fwd_val *fv)
{
	struct __sk_buff *skb = ctx_skb(c);
	bool tcp = pkt->tuple.proto == WF_IPPROTO_TCP;
	__u32 tlen = c->v6 ? sizeof(struct bpf_sock_tuple) : sizeof(((struct bpf_sock_tuple *)0)->ipv4);
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk;
	bool syn = tcp && (pkt->tcp_flags & (WF_TCP_SYN | WF_TCP_ACK)) == WF_TCP_SYN;
	long err;

	if (pkt->flags & WF_PKT_F_FIRST_FRAG)
		return -WF_DROP_FRAGMENT;
	if (c->v6) {
		__builtin_memcpy(t.ipv6.saddr, pkt->tuple6.saddr, 16);
		t.ipv6.sport = pkt->tuple.sport;
	} else {
		t.ipv4.saddr = pkt->tuple.saddr;
		t.ipv4.sport = pkt->tuple.sport;
	}
	if (tcp && !syn) {
		/* A connection's later packets find its own socket (request,
		 * established, TIME_WAIT) in the stack's lookup. Only an ACK
		 * completing a syncookie handshake has none and needs the
		 * listener, like a SYN. */
		if (c->v6) {
			__builtin_memcpy(t.ipv6.daddr, pkt->tuple6.daddr, 16);
			t.ipv6.dport = pkt->tuple.dport;
		} else {
			t.ipv4.daddr = pkt->tuple.daddr;
			t.ipv4.dport = pkt->tuple.dport;
		}
		sk = bpf_skc_lookup_tcp(skb, &t, tlen, BPF_F_CURRENT_NETNS, 0);
		if (sk) {
			bpf_sk_release(sk);
			goto count;
		}
		if ((pkt->tcp_flags & (WF_TCP_SYN | WF_TCP_RST | WF_TCP_ACK)) != WF_TCP_ACK)
			goto count;
	}
	if (c->v6) {
		__builtin_memcpy(t.ipv6.daddr, fv->taddr, 16);
		t.ipv6.dport = fv->tport;
	} else {
		t.ipv4.daddr = fv->taddr[0];
		t.ipv4.dport = fv->tport;
	}
	if (tcp)
		sk = bpf_sk_lookup_tcp(skb, &t, tlen, BPF_F_CURRENT_NETNS, 0);
	else
		sk = bpf_sk_lookup_udp(skb, &t, tlen, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return WF_PASS;
	/* The lookup falls back to a wildcard listener; a TCP answer that
	 * is not a listener cannot be ours to take a new connection. */
	if (tcp && sk->state != BPF_TCP_LISTEN) {
		bpf_sk_release(sk);
		return WF_PASS;
	}
	err = bpf_sk_assign(skb, sk, 0);
	bpf_sk_release(sk);
	if (err)
		return WF_PASS;
	if (!tcp && c->v6)
		lo_udp_remember6(pkt, fv);
	else if (!tcp)
		lo_udp_remember(pkt, fv);
	if (syn || !tcp)
		counters_conn(fv->id);
count:
	counters_add(fv->id, WF_DIR_ORIG, ctx_segs(c), pkt->len);
	return WF_PASS;
}

/*
 * Out of line, once per family (tc only: XDP cannot assign sockets): its
 * socket tuple stays off fwd_new's frame, which the first packet's call
 * chain shares with the SNAT port search (design.md "Verifier").
 */
static __noinline int lo_steer4_tc(struct __sk_buff *skb, const struct wf_pkt *pkt,
				   const struct wf_fwd_val *fv)
{
	struct wf_ctx c = { .ctx = skb, .xdp = false };

	return lo_steer(&c, pkt, fv);
}

static __noinline int lo_steer6_tc(struct __sk_buff *skb, const struct wf_pkt *pkt,
				   const struct wf_fwd_val *fv)
{
	struct wf_ctx c = { .ctx = skb, .xdp = false, .v6 = true };

	return lo_steer(&c, pkt, fv);
}

static __always_inline int lo_steer_any(const struct wf_ctx *c, const struct wf_pkt *pkt,
					const struct wf_fwd_val *fv)
{
	return c->v6 ? lo_steer6_tc(ctx_skb(c), pkt, fv) : lo_steer4_tc(ctx_skb(c), pkt, fv);
}

/*
 * tc egress, a UDP packet no connection claims from a mapped TPORT: a reply
 * of a loopback-only server (source already LADDR, set by sendmsg4)? Then
 * its source port becomes LPORT.
 */
static __always_inline int lo_udp_reply4(const struct wf_ctx *c, const struct wf_pkt *pkt)
{
	struct wf_lo_udp_key k = {
		.caddr = pkt->tuple.daddr,
		.cport = pkt->tuple.dport,
		.tport = pkt->tuple.sport,
	};
	struct wf_lo_udp_val *v;

	if (pkt->tuple.proto != WF_IPPROTO_UDP)
		return WF_PASS;
	v = bpf_map_lookup_elem(&wf_lo_udp, &k);
	if (!v || v->laddr != pkt->tuple.saddr)
		return WF_PASS;
	counters_add(v->id, WF_DIR_REPLY, ctx_segs(c), pkt->len);
	if (nat_rewrite_sport4(c, pkt, v->lport))
		return -WF_DROP_MALFORMED;
	return WF_PASS;
}

/* lo_udp_reply4() for the replies of a [::1] server (wf_lo_udp6). The port
 * alone changes: nat_rewrite_sport4() serves both families. */
static __always_inline int lo_udp_reply6(const struct wf_ctx *c, const struct wf_pkt *pkt)
{
	struct wf_lo_udp6_key k = {
		.cport = pkt->tuple.dport,
		.tport = pkt->tuple.sport,
	};
	struct wf_lo_udp6_val *v;

	if (pkt->tuple.proto != WF_IPPROTO_UDP)
		return WF_PASS;
	__builtin_memcpy(k.caddr, pkt->tuple6.daddr, 16);
	v = bpf_map_lookup_elem(&wf_lo_udp6, &k);
	if (!v || !addr6_eq(v->laddr, pkt->tuple6.saddr))
		return WF_PASS;
	counters_add(v->id, WF_DIR_REPLY, ctx_segs(c), pkt->len);
	if (nat_rewrite_sport4(c, pkt, v->lport))
		return -WF_DROP_MALFORMED;
	return WF_PASS;
}

#endif
