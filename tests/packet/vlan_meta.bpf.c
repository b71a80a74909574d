// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Test-only: puts a VLAN tag into the skb's metadata, where the stack keeps
 * it by the time tc runs (skb_vlan_untag before tc ingress, tx VLAN offload
 * on egress), then tail-calls the datapath's tc program. BPF_PROG_RUN
 * cannot set the vlan fields of __sk_buff itself. The tag is passed in
 * skb->mark (TPID << 16 | TCI), the program's slot in skb->priority.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} hooks SEC(".maps");

SEC("tc")
int vlan_meta(struct __sk_buff *skb)
{
	__u32 m = skb->mark;

	if (bpf_skb_vlan_push(skb, bpf_htons(m >> 16), m & 0xffff))
		return 100;
	skb->mark = 0;
	bpf_tail_call(skb, &hooks, skb->priority);
	return 101;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
