/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Every map of the datapath, pinned by name under the loader's pin root.
 * Types live in include/wslfwd.h; this file only instantiates them. */
#ifndef WF_LIB_MAPS_H
#define WF_LIB_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "wslfwd.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wf_info);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_info SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WF_MAX_MAPPINGS);
	__type(key, __u32);
	__type(value, struct wf_mapping);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_mappings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WF_FWD_ENTRIES);
	__type(key, struct wf_fwd_key);
	__type(value, struct wf_fwd_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_fwd SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WF_LO_ENTRIES);
	__type(key, struct wf_fwd_key);
	__type(value, struct wf_fwd_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_lo SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WF_SK_NAT_ENTRIES);
	__type(key, struct wf_sk_nat_key);
	__type(value, struct wf_sk_nat_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_sk_nat SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WF_SK_NAT_ENTRIES);
	__type(key, struct wf_sk_nat6_key);
	__type(value, struct wf_sk_nat6_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_sk_nat6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WF_LO_UDP_ENTRIES);
	__type(key, struct wf_lo_udp_key);
	__type(value, struct wf_lo_udp_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_lo_udp SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WF_LO_UDP6_ENTRIES);
	__type(key, struct wf_lo_udp6_key);
	__type(value, struct wf_lo_udp6_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_lo_udp6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, WF_ALLOW_ENTRIES);
	__type(key, struct wf_allow_key);
	__type(value, __u8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_allow SEC(".maps");

/* Filled by the loader with the devices XDP may redirect BEHIND traffic to
 * (include/wslfwd.h); empty means everything goes through the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, WF_REDIRECT_DEVS);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_redirect SEC(".maps");

/* The largest datagram each wf_redirect device takes (wslfwd.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WF_REDIRECT_DEVS);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_dev_mtu SEC(".maps");

/* Bridge ports behind which a MAC sits, for XDP redirect past a bridge. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WF_BRPORT_ENTRIES);
	__type(key, struct wf_brport_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_brport SEC(".maps");

/* The targets' next hops, kept by userspace (wslfwd.h, lib/nexthop.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WF_NH_ENTRIES);
	__type(key, struct wf_nh_key);
	__type(value, struct wf_nh_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_nh SEC(".maps");

/* max_entries is set by the loader: 2 entries per connection. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 2 * WF_CT_CONNS_DEFAULT);
	__type(key, struct wf_ct_key);
	__type(value, struct wf_ct_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_ct SEC(".maps");

/* Half-open connections (enum wf_ct_table); sized by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 2 * WF_CT_NEW_CONNS_MIN);
	__type(key, struct wf_ct_key);
	__type(value, struct wf_ct_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_ct_new SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_flags SEC(".maps");

/* IPv6 connections: the same two tables (include/wslfwd.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 2 * WF_CT_CONNS_DEFAULT);
	__type(key, struct wf_ct6_key);
	__type(value, struct wf_ct6_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_ct6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 2 * WF_CT_NEW_CONNS_MIN);
	__type(key, struct wf_ct6_key);
	__type(value, struct wf_ct6_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_ct6_new SEC(".maps");

/* Datagrams in fragments: what their first fragment got (lib/frag.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WF_FRAG_ENTRIES);
	__type(key, struct wf_frag_key);
	__type(value, struct wf_frag_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_frag SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WF_FRAG_ENTRIES);
	__type(key, struct wf_frag6_key);
	__type(value, struct wf_frag6_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_frag6 SEC(".maps");

/* Timeouts set at load (include/wslfwd.h); pinned so re-attach keeps them. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wf_ct_conf);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_ct_conf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WF_MAX_MAPPINGS);
	__type(key, __u32);
	__type(value, struct wf_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WF_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wf_stats SEC(".maps");

#endif
