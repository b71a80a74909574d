// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Reference XDP programs for the benchmark (bench/bench.sh builds this with
 * clang into its temp dir; nothing here is part of wslfwd):
 *
 *   ref_drop   XDP_DROP everything: the floor, what the generator and the
 *              veth cost with no forwarding at all.
 *   ref_redir  a plain XDP redirect without NAT: IPv4 to the container's
 *              address gets the container's MACs and is redirected to the
 *              VM's veth towards it; everything else passes.
 *
 * The redirect target is fixed at build time: -DREDIR_IFINDEX=N
 * -DREDIR_DADDR=0x...(network order as a u32 load) -DREDIR_DMAC=0x..,..
 * -DREDIR_SMAC=0x..,.. (six bytes each).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>

#define SEC(n) __attribute__((section(n), used))

static long (*bpf_redirect)(__u32 ifindex, __u64 flags) = (void *)BPF_FUNC_redirect;

SEC("xdp") int ref_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

#ifdef REDIR_IFINDEX
SEC("xdp") int ref_redir(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	static const unsigned char dmac[ETH_ALEN] = { REDIR_DMAC };
	static const unsigned char smac[ETH_ALEN] = { REDIR_SMAC };

	if ((void *)(ip + 1) > end || eth->h_proto != __builtin_bswap16(ETH_P_IP) ||
	    ip->daddr != REDIR_DADDR)
		return XDP_PASS;
	__builtin_memcpy(eth->h_dest, dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, smac, ETH_ALEN);
	return bpf_redirect(REDIR_IFINDEX, 0);
}
#endif

char _license[] SEC("license") = "GPL";
