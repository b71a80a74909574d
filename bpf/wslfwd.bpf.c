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

char LICENSE[] SEC("license") = "Dual BSD/GPL";
