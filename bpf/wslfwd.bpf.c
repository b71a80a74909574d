// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* PLACEHOLDER entry points so the skeleton builds; the datapath replaces this. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "wslfwd.h"
#include "lib/maps.h"

const volatile __u32 cfg_snat_min = WF_SNAT_PORT_MIN;
const volatile __u32 cfg_snat_max = WF_SNAT_PORT_MAX;
const volatile __u32 cfg_to_tcp_syn = WF_TO_TCP_SYN;
const volatile __u32 cfg_to_tcp_est = WF_TO_TCP_EST;
const volatile __u32 cfg_to_tcp_closing = WF_TO_TCP_CLOSING;
const volatile __u32 cfg_to_tcp_closed = WF_TO_TCP_CLOSED;
const volatile __u32 cfg_to_udp = WF_TO_UDP;
const volatile __u32 cfg_to_udp_replied = WF_TO_UDP_REPLIED;

SEC("xdp")
int wf_xdp_ingress(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tc")
int wf_tc_ingress(struct __sk_buff *skb)
{
	return 0;
}

SEC("tc")
int wf_tc_egress(struct __sk_buff *skb)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
