/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Mappings: which mapping a destination (proto, address, port) is for, and
 * where its target is now. Shared by the packet path (fwd.h) and the
 * socket hooks (sock.h); reads only the configuration maps, so the socket
 * hooks do not pull in the packet path.
 */
#ifndef WF_LIB_MAPPING_H
#define WF_LIB_MAPPING_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "wslfwd.h"
#include "lib/maps.h"
#include "lib/parse.h"

/* An address in 127.0.0.0/8: a loopback LADDR (wf_lo) or TADDR (lo.h). */
static __always_inline bool lo_addr4(__be32 a)
{
	return (a & bpf_htonl(0xff000000)) == bpf_htonl(0x7f000000);
}

/* The wf_ports bits of @port (enum wf_port_bits), 0 when none is set. */
static __always_inline __u8 mapping_port_bits(__be16 port)
{
	__u32 key = bpf_ntohs(port);
	__u8 *bits = bpf_map_lookup_elem(&wf_ports, &key);

	return bits ? *bits : 0;
}

/* Does a mapping of @proto listen on the port whose wf_ports bits are @bits? */
static __always_inline bool mapping_listens(__u8 proto, __u32 bits)
{
	return bits & (proto == WF_IPPROTO_TCP ? WF_PORT_TCP_L : WF_PORT_UDP_L);
}

/*
 * The mapping for @daddr:@dport (@proto), a port a mapping listens on with
 * wf_ports bits @bits: the literal LADDR first (when one listens on this
 * port: the bits say so), then @vm (the zero-address key). NULL: none.
 */
static __always_inline struct wf_fwd_val *mapping_lookup4(const struct wf_info *info, __u8 proto,
							  __be32 daddr, __be16 dport, __u32 bits)
{
	struct wf_fwd_key fkey = { .family = WF_AF_INET, .proto = proto, .port = dport };
	struct wf_fwd_val *fv = NULL;

	fkey.addr[0] = daddr;
	if (bits & (proto == WF_IPPROTO_TCP ? WF_PORT_TCP_A : WF_PORT_UDP_A))
		fv = bpf_map_lookup_elem(&wf_fwd, &fkey);
	if (!fv && info->vm4 && daddr == info->vm4) {
		fkey.addr[0] = 0;
		fv = bpf_map_lookup_elem(&wf_fwd, &fkey);
	}
	return fv;
}

/* mapping_lookup4() for IPv6: the literal key, then @vm6's zero key. */
static __always_inline struct wf_fwd_val *mapping_lookup6(const struct wf_info *info, __u8 proto,
							  const __be32 *daddr, __be16 dport,
							  __u32 bits)
{
	struct wf_fwd_key fkey = { .family = WF_AF_INET6, .proto = proto, .port = dport };
	struct wf_fwd_val *fv = NULL;

	if (bits & (proto == WF_IPPROTO_TCP ? WF_PORT_TCP_A : WF_PORT_UDP_A)) {
		__builtin_memcpy(fkey.addr, daddr, 16);
		fv = bpf_map_lookup_elem(&wf_fwd, &fkey);
	}
	if (!fv && !addr6_zero(info->vm6) && addr6_eq(daddr, info->vm6)) {
		__builtin_memset(fkey.addr, 0, 16);
		fv = bpf_map_lookup_elem(&wf_fwd, &fkey);
	}
	return fv;
}

/* The target address of mapping @fv now: @vm/@host from wf_info. 0: not
 * known yet. */
static __always_inline __be32 mapping_target4(const struct wf_fwd_val *fv,
					       const struct wf_info *info)
{
	switch (fv->taddr_kind) {
	case WF_ADDR_VM:
		return info->vm4;
	case WF_ADDR_HOST:
		return info->host4;
	default:
		return fv->taddr[0];
	}
}

/* mapping_target4() for IPv6: copied to @taddr; false when @vm6/@host6 is
 * not known yet. */
static __always_inline bool mapping_target6(const struct wf_fwd_val *fv, const struct wf_info *info,
					    __be32 *taddr)
{
	const __be32 *a;

	switch (fv->taddr_kind) {
	case WF_ADDR_VM:
		a = info->vm6;
		break;
	case WF_ADDR_HOST:
		a = info->host6;
		break;
	default:
		a = fv->taddr;
		break;
	}
	__builtin_memcpy(taddr, a, 16);
	return !addr6_zero(taddr);
}

#endif
