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
 * connect4 and sendmsg4 of a client: send it to the target of the mapping
 * its destination is for. Remembers the destination it asked for, per
 * socket and target, for recvmsg4/getpeername4.
 */
static __always_inline void sock_client4(struct bpf_sock_addr *ctx, const struct wf_info *info,
					 __u8 proto, bool own)
{
	__be32 dst = ctx->user_ip4;
	__be16 port = (__be16)ctx->user_port;
	struct wf_sk_nat_key k = { .proto = proto };
	struct wf_sk_nat_val nv = { .addr = dst, .port = port };
	struct wf_sk_nat_val *v;
	struct wf_fwd_val *fv;
	__be32 taddr;

	fv = sock_lookup4(info, proto, dst, port, own);
	if (!fv)
		return;
	taddr = mapping_target4(fv, info);
	/* @vm/@host unknown: leave the call alone, it fails as it would. */
	if (!taddr)
		return;
	k.cookie = bpf_get_socket_cookie(ctx);
	k.addr = taddr;
	k.port = fv->tport;
	v = bpf_map_lookup_elem(&wf_sk_nat, &k);
	if (!v || v->addr != dst || v->port != port) {
		bpf_map_update_elem(&wf_sk_nat, &k, &nv, BPF_ANY);
		/* A connection: a connect(), or the first datagram of an
		 * unconnected socket to this destination. */
		counters_conn(fv->id);
	}
	ctx->user_ip4 = taddr;
	ctx->user_port = (__u32)fv->tport;
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

#endif
