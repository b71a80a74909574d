/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Socket hooks on the cgroup given to `load --cgroup` (design.md "Local
 * clients"). No packet is touched: connect() and sendmsg() of a process in
 * the VM's network namespace to a mapped 127.0.0.1:LPORT (wf_lo) or to a
 * mapped port on @vm / a literal LADDR (wf_fwd) go to the mapping's target
 * instead, and recvmsg()/getpeername() show the address the process used
 * (wf_sk_nat). Cost: a few instructions per connect/sendmsg/recvmsg of the
 * cgroup's sockets, a hash lookup for those to 127/8 or a mapped port.
 *
 * sendmsg4 also gives the UDP replies of loopback-only servers (lo.h) a
 * source address that can leave through IFACE.
 *
 * Hairpin (design.md "Hairpin"): a process in another network namespace
 * routed through the VM (a container on docker0, a netns on a veth) that
 * connects to a mapped port on @vm never crosses IFACE, so the packet path
 * cannot see it. Its connect()/sendmsg() go to the target the same way, so
 * it reaches the target directly, with its own address (no SNAT needed:
 * the target answers it, not the VM). Only @vm and literal LADDRs count
 * there: 127/8 is that namespace's own loopback, and a loopback-only target
 * (127.0.0.1 as TADDR) is the VM's, out of its reach; mappings with an
 * allow list are left alone (the source is not known at connect time).
 */
#ifndef WF_LIB_SOCK_H
#define WF_LIB_SOCK_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "wslfwd.h"
#include "lib/maps.h"
#include "lib/counters.h"
#include "lib/mapping.h"

#define WF_SOCK_OK	1	/* cgroup sock_addr programs: 1 lets the call go on */
#define WF_SOCK_STREAM	1	/* SOCK_STREAM, not in vmlinux.h */
#define WF_SOCK_DGRAM	2

/* wf_info, and whether this socket is in IFACE's network namespace
 * (*@own; else a hairpin client's, see above). */
static __always_inline struct wf_info *sock_info(struct bpf_sock_addr *ctx, bool *own)
{
	__u32 zero = 0;
	struct wf_info *info = bpf_map_lookup_elem(&wf_info, &zero);

	if (!info)
		return NULL;
	*own = !info->netns_cookie || bpf_get_netns_cookie(ctx) == info->netns_cookie;
	return info;
}

static __always_inline __u8 sock_proto(struct bpf_sock_addr *ctx)
{
	if (ctx->protocol == WF_IPPROTO_TCP && ctx->type == WF_SOCK_STREAM)
		return WF_IPPROTO_TCP;
	if (ctx->protocol == WF_IPPROTO_UDP && ctx->type == WF_SOCK_DGRAM)
		return WF_IPPROTO_UDP;
	return 0;
}

/* The mapping the destination dst:port (proto) is for, NULL if none: a
 * 127/8 LADDR (wf_lo), else as for a packet arriving on IFACE. A hairpin
 * client (!@own) gets neither 127/8 nor what it cannot reach (above). */
static __always_inline struct wf_fwd_val *sock_lookup4(const struct wf_info *info, __u8 proto,
						       __be32 dst, __be16 port, bool own)
{
	struct wf_fwd_key k = { .family = WF_AF_INET, .proto = proto, .port = port };
	struct wf_fwd_val *fv;
	__u32 bits;

	if (lo_addr4(dst)) {
		if (!own)
			return NULL;
		k.addr[0] = dst;
		return bpf_map_lookup_elem(&wf_lo, &k);
	}
	bits = mapping_port_bits(port);
	if (!mapping_listens(proto, bits))
		return NULL;
	fv = mapping_lookup4(info, proto, dst, port, bits);
	if (fv && !own && (fv->flags & (WF_FWD_F_LOOPBACK | WF_FWD_F_ALLOW)))
		return NULL;
	return fv;
}

/*
 * The target of the mapping a client's IPv4 destination dst:port is for,
 * in *@taddr:*@tport; false: none (or @vm/@host unknown: the call is left
 * alone, it fails as it would). Remembers the destination it asked for,
 * per socket and target, for recvmsg/getpeername. Cross-family mappings
 * are the packet path's: a socket keeps its family.
 */
static __always_inline bool sock_target4(struct bpf_sock_addr *ctx, const struct wf_info *info,
					 __u8 proto, bool own, __be32 dst, __be16 port,
					 __be32 *taddr, __be16 *tport)
{
	struct wf_sk_nat_key k = { .proto = proto };
	struct wf_sk_nat_val nv = { .addr = dst, .port = port };
	struct wf_sk_nat_val *v;
	struct wf_fwd_val *fv;

	fv = sock_lookup4(info, proto, dst, port, own);
	if (!fv || (fv->flags & WF_FWD_F_XFAM))
		return false;
	*taddr = mapping_target4(fv, info);
	if (!*taddr)
		return false;
	*tport = fv->tport;
	k.cookie = bpf_get_socket_cookie(ctx);
	k.addr = *taddr;
	k.port = fv->tport;
	v = bpf_map_lookup_elem(&wf_sk_nat, &k);
	if (!v || v->addr != dst || v->port != port) {
		bpf_map_update_elem(&wf_sk_nat, &k, &nv, BPF_ANY);
		/* A connection: a connect(), or the first datagram of an
		 * unconnected socket to this destination. */
		counters_conn(fv->id);
	}
	return true;
}

/* connect4 and sendmsg4 of a client: send it to the target of the mapping
 * its destination is for. */
static __always_inline void sock_client4(struct bpf_sock_addr *ctx, const struct wf_info *info,
					 __u8 proto, bool own)
{
	__be32 taddr;
	__be16 tport;

	if (!sock_target4(ctx, info, proto, own, ctx->user_ip4, (__be16)ctx->user_port, &taddr,
			  &tport))
		return;
	ctx->user_ip4 = taddr;
	ctx->user_port = (__u32)tport;
}

/* recvmsg4/getpeername4: the peer as the application addressed it. */
static __always_inline void sock_peer4(struct bpf_sock_addr *ctx, __u8 proto)
{
	struct wf_sk_nat_key k = {
		.cookie = bpf_get_socket_cookie(ctx),
		.addr = ctx->user_ip4,
		.port = (__be16)ctx->user_port,
		.proto = proto,
	};
	struct wf_sk_nat_val *v = bpf_map_lookup_elem(&wf_sk_nat, &k);

	if (!v)
		return;
	ctx->user_ip4 = v->addr;
	ctx->user_port = (__u32)v->port;
}

/*
 * sendmsg4 of a loopback-only UDP server (bound to 127/8) to a client that
 * reached it through a mapping (lo.h, lo_udp_remember): the reply leaves with
 * LADDR as its source, which IFACE can carry; tc egress sets LPORT.
 */
static __always_inline void sock_lo_reply4(struct bpf_sock_addr *ctx)
{
	struct wf_lo_udp_key k = {
		.caddr = ctx->user_ip4,
		.cport = (__be16)ctx->user_port,
	};
	struct wf_lo_udp_val *v;
	struct bpf_sock *sk;

	if (!lo_addr4(ctx->msg_src_ip4) || lo_addr4(k.caddr))
		return;
	sk = ctx->sk;
	if (!sk)
		return;
	k.tport = bpf_htons((__u16)sk->src_port);
	v = bpf_map_lookup_elem(&wf_lo_udp, &k);
	if (v)
		ctx->msg_src_ip4 = v->laddr;
}

static __always_inline int sock_connect4(struct bpf_sock_addr *ctx)
{
	__u8 proto = sock_proto(ctx);
	struct wf_info *info;
	bool own;

	if (proto && (info = sock_info(ctx, &own)))
		sock_client4(ctx, info, proto, own);
	return WF_SOCK_OK;
}

static __always_inline int sock_sendmsg4(struct bpf_sock_addr *ctx)
{
	struct wf_info *info;
	bool own;

	if (sock_proto(ctx) != WF_IPPROTO_UDP || !(info = sock_info(ctx, &own)))
		return WF_SOCK_OK;
	if (own)
		sock_lo_reply4(ctx);
	sock_client4(ctx, info, WF_IPPROTO_UDP, own);
	return WF_SOCK_OK;
}

/* recvmsg4/getpeername4 act only where a hook rewrote this very socket's
 * peer (wf_sk_nat is per socket cookie), in any network namespace. */
static __always_inline int sock_recvmsg4(struct bpf_sock_addr *ctx)
{
	if (sock_proto(ctx) == WF_IPPROTO_UDP)
		sock_peer4(ctx, WF_IPPROTO_UDP);
	return WF_SOCK_OK;
}

static __always_inline int sock_getpeername4(struct bpf_sock_addr *ctx)
{
	__u8 proto = sock_proto(ctx);

	if (proto)
		sock_peer4(ctx, proto);
	return WF_SOCK_OK;
}

/* ---- IPv6 sockets (connect6, sendmsg6, recvmsg6, getpeername6). An IPv6
 * socket reaches IPv4 through IPv4-mapped addresses (::ffff:a.b.c.d, a
 * dual-stack socket's way): those take the IPv4 rules above, and the
 * target is written back IPv4-mapped. Cross-family mappings (v4tov6,
 * v6tov4) are the packet path's alone: a socket keeps its family. */

static __always_inline bool sock_v4mapped(const __u32 *a)
{
	return !a[0] && !a[1] && a[2] == bpf_htonl(0xffff);
}

static __always_inline bool sock_lo6(const __u32 *a)
{
	return !a[0] && !a[1] && !a[2] && a[3] == bpf_htonl(1);
}

/* sock_lookup4() for an IPv6 destination: [::1] (wf_lo, family 10), else
 * as for a packet arriving on IFACE. */
static __always_inline struct wf_fwd_val *sock_lookup6(const struct wf_info *info, __u8 proto,
						       const __be32 *dst, __be16 port, bool own)
{
	struct wf_fwd_key k = { .family = WF_AF_INET6, .proto = proto, .port = port };
	struct wf_fwd_val *fv;
	__u32 bits;

	if (sock_lo6(dst)) {
		if (!own)
			return NULL;
		__builtin_memcpy(k.addr, dst, 16);
		return bpf_map_lookup_elem(&wf_lo, &k);
	}
	bits = mapping_port_bits(port);
	if (!mapping_listens(proto, bits))
		return NULL;
	fv = mapping_lookup6(info, proto, dst, port, bits);
	if (fv && !own && (fv->flags & (WF_FWD_F_LOOPBACK | WF_FWD_F_ALLOW)))
		return NULL;
	return fv;
}

/* sock_client4() for an IPv6 socket to an IPv4-mapped destination. */
static __always_inline void sock_client6_mapped(struct bpf_sock_addr *ctx,
						const struct wf_info *info, __u8 proto, bool own)
{
	__be32 taddr;
	__be16 tport;

	if (!sock_target4(ctx, info, proto, own, ctx->user_ip6[3], (__be16)ctx->user_port,
			  &taddr, &tport))
		return;
	ctx->user_ip6[3] = taddr;
	ctx->user_port = (__u32)tport;
}

/* sock_client4() for an IPv6 destination. */
static __always_inline void sock_client6(struct bpf_sock_addr *ctx, const struct wf_info *info,
					 __u8 proto, bool own)
{
	struct wf_sk_nat6_key k = { .proto = proto };
	struct wf_sk_nat6_val nv = { .port = (__be16)ctx->user_port };
	struct wf_sk_nat6_val *v;
	struct wf_fwd_val *fv;
	__be32 dst[4], taddr[4];

	dst[0] = ctx->user_ip6[0];
	dst[1] = ctx->user_ip6[1];
	dst[2] = ctx->user_ip6[2];
	dst[3] = ctx->user_ip6[3];
	if (sock_v4mapped(dst)) {
		sock_client6_mapped(ctx, info, proto, own);
		return;
	}
	fv = sock_lookup6(info, proto, dst, nv.port, own);
	if (!fv || (fv->flags & WF_FWD_F_XFAM))
		return;
	if (!mapping_target6(fv, info, taddr))
		return;
	k.cookie = bpf_get_socket_cookie(ctx);
	__builtin_memcpy(k.addr, taddr, 16);
	k.port = fv->tport;
	__builtin_memcpy(nv.addr, dst, 16);
	v = bpf_map_lookup_elem(&wf_sk_nat6, &k);
	if (!v || !addr6_eq(v->addr, dst) || v->port != nv.port) {
		bpf_map_update_elem(&wf_sk_nat6, &k, &nv, BPF_ANY);
		counters_conn(fv->id);
	}
	ctx->user_ip6[0] = taddr[0];
	ctx->user_ip6[1] = taddr[1];
	ctx->user_ip6[2] = taddr[2];
	ctx->user_ip6[3] = taddr[3];
	ctx->user_port = (__u32)fv->tport;
}

/* recvmsg6/getpeername6: sock_peer4() for IPv6 sockets. */
static __always_inline void sock_peer6(struct bpf_sock_addr *ctx, __u8 proto)
{
	struct wf_sk_nat6_key k = { .proto = proto, .port = (__be16)ctx->user_port };
	struct wf_sk_nat_key k4 = { .proto = proto, .port = (__be16)ctx->user_port };
	struct wf_sk_nat6_val *v;
	struct wf_sk_nat_val *v4;

	k.addr[0] = ctx->user_ip6[0];
	k.addr[1] = ctx->user_ip6[1];
	k.addr[2] = ctx->user_ip6[2];
	k.addr[3] = ctx->user_ip6[3];
	k.cookie = bpf_get_socket_cookie(ctx);
	if (sock_v4mapped(k.addr)) {
		k4.cookie = k.cookie;
		k4.addr = k.addr[3];
		v4 = bpf_map_lookup_elem(&wf_sk_nat, &k4);
		if (v4) {
			ctx->user_ip6[3] = v4->addr;
			ctx->user_port = (__u32)v4->port;
		}
		return;
	}
	v = bpf_map_lookup_elem(&wf_sk_nat6, &k);
	if (!v)
		return;
	ctx->user_ip6[0] = v->addr[0];
	ctx->user_ip6[1] = v->addr[1];
	ctx->user_ip6[2] = v->addr[2];
	ctx->user_ip6[3] = v->addr[3];
	ctx->user_port = (__u32)v->port;
}

static __always_inline int sock_connect6(struct bpf_sock_addr *ctx)
{
	__u8 proto = sock_proto(ctx);
	struct wf_info *info;
	bool own;

	if (proto && (info = sock_info(ctx, &own)))
		sock_client6(ctx, info, proto, own);
	return WF_SOCK_OK;
}

/*
 * sock_lo_reply4() for a [::1] server (lo.h, lo_udp_remember6): its reply
 * to a client that reached it through a mapping leaves with LADDR as
 * source, not ::1 (which no link carries, RFC 4291 2.5.3). msg_src_ip6 is
 * the socket's bound address here: ::1, or :: for a dual-stack socket,
 * whose source the route would choose (@vm6, maybe not LADDR).
 */
static __always_inline void sock_lo_reply6(struct bpf_sock_addr *ctx)
{
	struct wf_lo_udp6_key k = { .cport = (__be16)ctx->user_port };
	struct wf_lo_udp6_val *v;
	struct bpf_sock *sk;
	__u32 src[4];

	src[0] = ctx->msg_src_ip6[0];
	src[1] = ctx->msg_src_ip6[1];
	src[2] = ctx->msg_src_ip6[2];
	src[3] = ctx->msg_src_ip6[3];
	if (!sock_lo6(src) && (src[0] | src[1] | src[2] | src[3]))
		return;
	k.caddr[0] = ctx->user_ip6[0];
	k.caddr[1] = ctx->user_ip6[1];
	k.caddr[2] = ctx->user_ip6[2];
	k.caddr[3] = ctx->user_ip6[3];
	if (sock_lo6(k.caddr) || sock_v4mapped(k.caddr))
		return;
	sk = ctx->sk;
	if (!sk)
		return;
	k.tport = bpf_htons((__u16)sk->src_port);
	v = bpf_map_lookup_elem(&wf_lo_udp6, &k);
	if (!v)
		return;
	ctx->msg_src_ip6[0] = v->laddr[0];
	ctx->msg_src_ip6[1] = v->laddr[1];
	ctx->msg_src_ip6[2] = v->laddr[2];
	ctx->msg_src_ip6[3] = v->laddr[3];
}

static __always_inline int sock_sendmsg6(struct bpf_sock_addr *ctx)
{
	struct wf_info *info;
	bool own;

	if (sock_proto(ctx) != WF_IPPROTO_UDP || !(info = sock_info(ctx, &own)))
		return WF_SOCK_OK;
	if (own)
		sock_lo_reply6(ctx);
	sock_client6(ctx, info, WF_IPPROTO_UDP, own);
	return WF_SOCK_OK;
}

static __always_inline int sock_recvmsg6(struct bpf_sock_addr *ctx)
{
	if (sock_proto(ctx) == WF_IPPROTO_UDP)
		sock_peer6(ctx, WF_IPPROTO_UDP);
	return WF_SOCK_OK;
}

static __always_inline int sock_getpeername6(struct bpf_sock_addr *ctx)
{
	__u8 proto = sock_proto(ctx);

	if (proto)
		sock_peer6(ctx, proto);
	return WF_SOCK_OK;
}

#endif
