// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * wslfwd datapath entry points. The logic is in lib/fwd.h; each entry point
 * only says which program type it is, so the ctx shim folds to it.
 * Program, map and rodata names are a contract with user/loader.c.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "wslfwd.h"
#include "lib/config.h"
#include "lib/maps.h"
#include "lib/ctx.h"
#include "lib/fwd.h"
#include "lib/sock.h"

SEC("xdp")
int wf_xdp_ingress(struct xdp_md *ctx)
{
	struct wf_ctx c = { .ctx = ctx, .xdp = true };

	return ctx_verdict(&c, fwd_finish(fwd_ingress(&c)));
}

SEC("tc")
int wf_tc_ingress(struct __sk_buff *skb)
{
	struct wf_ctx c = { .ctx = skb, .xdp = false };

	return ctx_verdict(&c, fwd_finish(fwd_ingress(&c)));
}

SEC("tc")
int wf_tc_egress(struct __sk_buff *skb)
{
	struct wf_ctx c = { .ctx = skb, .xdp = false };

	return ctx_verdict(&c, fwd_finish(fwd_egress(&c)));
}

/* XDP modes only: steers packets of loopback-only targets (lib/lo.h). */
SEC("tc")
int wf_tc_lo_ingress(struct __sk_buff *skb)
{
	struct wf_ctx c = { .ctx = skb, .xdp = false };

	return ctx_verdict(&c, fwd_finish(fwd_lo_ingress(&c)));
}

/* Socket hooks on --cgroup (lib/sock.h). */
SEC("cgroup/connect4")
int wf_sock_connect4(struct bpf_sock_addr *ctx)
{
	return sock_connect4(ctx);
}

SEC("cgroup/sendmsg4")
int wf_sock_sendmsg4(struct bpf_sock_addr *ctx)
{
	return sock_sendmsg4(ctx);
}

SEC("cgroup/recvmsg4")
int wf_sock_recvmsg4(struct bpf_sock_addr *ctx)
{
	return sock_recvmsg4(ctx);
}

SEC("cgroup/getpeername4")
int wf_sock_getpeername4(struct bpf_sock_addr *ctx)
{
	return sock_getpeername4(ctx);
}

SEC("cgroup/connect6")
int wf_sock_connect6(struct bpf_sock_addr *ctx)
{
	return sock_connect6(ctx);
}

SEC("cgroup/sendmsg6")
int wf_sock_sendmsg6(struct bpf_sock_addr *ctx)
{
	return sock_sendmsg6(ctx);
}

SEC("cgroup/recvmsg6")
int wf_sock_recvmsg6(struct bpf_sock_addr *ctx)
{
	return sock_recvmsg6(ctx);
}

SEC("cgroup/getpeername6")
int wf_sock_getpeername6(struct bpf_sock_addr *ctx)
{
	return sock_getpeername6(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
