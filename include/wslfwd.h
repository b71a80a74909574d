/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * wslfwd ABI: the one definition of everything the BPF datapath and the
 * userspace tool both see — map keys and values, counters, drop reasons,
 * pin names. Included by bpf/ (after vmlinux.h) and by user/ (after
 * <linux/types.h>). Never copy a struct out of this file.
 *
 * Byte order: fields typed __be16/__be32 are network order, everything else
 * is host order. Addresses in configuration maps are 16 bytes (__be32[4]);
 * an IPv4 address lives in [0] and [1..3] are zero. The conntrack table is
 * per family (wf_ct is IPv4): its key is hashed on every packet.
 */
#ifndef WSLFWD_H
#define WSLFWD_H

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define WF_AF_INET	2	/* AF_INET, not in vmlinux.h */
#define WF_AF_INET6	10	/* AF_INET6 */
#define WF_IPPROTO_TCP	6
#define WF_IPPROTO_UDP	17
#define WF_IPPROTO_ICMP	1

/* Pin names under --pin-dir (default /sys/fs/bpf/wslfwd). Maps are pinned by
 * libbpf under their own names (LIBBPF_PIN_BY_NAME); links by these names. */
#define WF_PIN_DIR_DEFAULT	"/sys/fs/bpf/wslfwd"
#define WF_PIN_LINK_XDP		"link_xdp"
#define WF_PIN_LINK_TC_IN	"link_tc_ingress"
#define WF_PIN_LINK_TC_EG	"link_tc_egress"
#define WF_PIN_PROG_TC_IN	"prog_tc_ingress"	/* legacy cls_bpf only */
#define WF_PIN_PROG_TC_EG	"prog_tc_egress"	/* legacy cls_bpf only */
/* Socket hooks on --cgroup (local clients, loopback targets' UDP replies). */
#define WF_PIN_LINK_CONNECT4	"link_sock_connect4"
#define WF_PIN_LINK_SENDMSG4	"link_sock_sendmsg4"
#define WF_PIN_LINK_RECVMSG4	"link_sock_recvmsg4"
#define WF_PIN_LINK_GETPEER4	"link_sock_getpeername4"
#define WF_PIN_LINK_CONNECT6	"link_sock_connect6"
#define WF_PIN_LINK_SENDMSG6	"link_sock_sendmsg6"
#define WF_PIN_LINK_RECVMSG6	"link_sock_recvmsg6"
#define WF_PIN_LINK_GETPEER6	"link_sock_getpeername6"
#define WF_PIN_CGROUP		"cgroup"	/* a text file: the cgroup path */

/* Map sizes. WF_MAX_MAPPINGS bounds mapping ids (counters are indexed by id);
 * WF_FWD_ENTRIES bounds (proto, address, port) triples after range expansion. */
#define WF_MAX_MAPPINGS		16384
#define WF_FWD_ENTRIES		131072
#define WF_ALLOW_ENTRIES	65536
#define WF_MAX_ALLOW		8	/* CIDRs per mapping */
#define WF_CT_CONNS_DEFAULT	262144	/* connections; the ct map holds 2 entries each */
/* wf_ct_new, the half-open table: a quarter of --ct-size connections, at
 * least this many (or --ct-size when smaller). */
#define WF_CT_NEW_CONNS_MIN	1024
#define WF_REDIRECT_DEVS	64	/* wf_redirect: devices XDP may redirect to */


/* Source ports one-arm (full NAT) connections get on @vm. Outside the default
 * net.ipv4.ip_local_port_range (32768-60999) so they never collide with the
 * VM's own sockets. */
#define WF_SNAT_PORT_MIN	61000
#define WF_SNAT_PORT_MAX	65535
/* Ports tried per new connection, nf_nat's bound (ct_create.h,
 * ct_snat_reserve): at 90 % occupancy a refusal with ports free is 0.9^128,
 * 1 in 700,000. */
#define WF_SNAT_TRIES		128

enum wf_proto_bits {
	WF_P_TCP = 1 << 0,
	WF_P_UDP = 1 << 1,
};

/* How an address in a mapping is written. @vm and @host are resolved by the
 * datapath from wf_info at the time a connection starts. */
enum wf_addr_kind {
	WF_ADDR_LITERAL = 0,
	WF_ADDR_VM = 1,
	WF_ADDR_HOST = 2,
};

enum wf_snat_mode {
	WF_SNAT_AUTO = 0,
	WF_SNAT_ALWAYS = 1,
	WF_SNAT_NEVER = 2,
};

/* Target kinds, PRODUCT.md "What a mapping does". Decided per connection by
 * the datapath from a FIB lookup of the target (and the snat mode). */
enum wf_kind {
	WF_KIND_LOCAL = 1,	/* target is the VM itself: DNAT, pass up */
	WF_KIND_BEHIND = 2,	/* routed via another device: DNAT, forward */
	WF_KIND_ONEARM = 3,	/* back out of IFACE: DNAT + SNAT, XDP_TX */
};

enum wf_mode {
	WF_MODE_NONE = 0,
	WF_MODE_XDP = 1,	/* native XDP ingress + tc egress */
	WF_MODE_XDP_GENERIC = 2,	/* generic (skb) XDP ingress + tc egress */
	WF_MODE_TC = 3,		/* tc ingress + tc egress */
};

/* ---- wf_info: ARRAY, 1 entry. Written by the loader (and `watch`). ---- */
enum wf_info_flags {
	WF_INFO_F_TCX = 1 << 0,		/* tc hooks are tcx links */
	WF_INFO_F_QDISC_CREATED = 1 << 1,	/* we created clsact: remove at unload */
	/* load --redirect auto: the loader and watch keep wf_redirect to the
	 * devices the kernel says take XDP frames (user/netdev.h). */
	WF_INFO_F_REDIRECT_AUTO = 1 << 2,
	/* --mode auto left native XDP out: its XDP_TX would not deliver
	 * (a veth whose other end runs no XDP program; user/attach.c) ... */
	WF_INFO_F_NATIVE_SKIPPED = 1 << 3,
	/* ... or the driver refused it (load printed the reason). */
	WF_INFO_F_NATIVE_REFUSED = 1 << 4,
	/* load added the SNAT range to net.ipv4.ip_local_reserved_ports:
	 * unload takes it back out (user/ports.h). */
	WF_INFO_F_PORTS_RESERVED = 1 << 5,
};

struct wf_info {
	__u32 ifindex;		/* IFACE */
	__u8 mode;		/* enum wf_mode */
	__u8 flags;		/* enum wf_info_flags */
	__u16 pad0;
	__be32 vm4;		/* @vm: IFACE's primary IPv4, 0 = unknown */
	__be32 host4;		/* @host: IPv4 gateway of IFACE's default route */
	__be32 vm6[4];		/* @vm6: IFACE's global IPv6 address, 0 = unknown */
	__be32 host6[4];	/* @host6: gateway of IFACE's IPv6 default route
				 * (link-local ones included: on IFACE) */
	__u64 load_time_ns;	/* CLOCK_MONOTONIC at load */
	/* The network namespace IFACE lives in (SO_NETNS_COOKIE), 0 = unknown.
	 * The socket hooks act only on sockets of this namespace: a cgroup
	 * also holds containers with loopbacks of their own. */
	__u64 netns_cookie;
};
_Static_assert(sizeof(struct wf_info) == 64, "wf_info layout");

/* ---- wf_fwd: HASH, what arrives on IFACE -> where it goes. ----
 * One entry per (proto, address, port): a range is expanded by userspace.
 * addr all-zero means "@vm": the datapath looks up the zero key when the
 * packet's destination equals wf_info.vm4, else the literal destination. */
struct wf_fwd_key {
	__u8 family;		/* WF_AF_INET / WF_AF_INET6 */
	__u8 proto;		/* WF_IPPROTO_TCP / WF_IPPROTO_UDP */
	__be16 port;
	__be32 addr[4];
};
_Static_assert(sizeof(struct wf_fwd_key) == 20, "wf_fwd_key layout");

enum wf_fwd_flags {
	WF_FWD_F_ALLOW = 1 << 0,	/* source must match wf_allow for this id */
	/* TADDR is in 127.0.0.0/8: a server bound to loopback only. Reached
	 * by handing the packet to its socket (tc ingress bpf_sk_assign), the
	 * headers untouched: see design.md "Loopback targets". */
	WF_FWD_F_LOOPBACK = 1 << 1,
	/* The target is of the other family than the key (v4tov6, v6tov4):
	 * for a key of family 2 taddr is IPv6 (or @vm6/@host6), for family
	 * 10 taddr[0] is IPv4 (or @vm/@host). Translated, always full NAT. */
	WF_FWD_F_XFAM = 1 << 2,
};

struct wf_fwd_val {
	__u32 id;		/* mapping id: index of wf_mappings/wf_counters */
	__u8 taddr_kind;	/* enum wf_addr_kind */
	__u8 snat;		/* enum wf_snat_mode */
	__u8 flags;		/* enum wf_fwd_flags */
	__u8 pad0;
	__be16 tport;		/* target port for this very port of the range */
	__u16 pad1;
	__be32 taddr[4];	/* when taddr_kind == WF_ADDR_LITERAL */
};
_Static_assert(sizeof(struct wf_fwd_val) == 28, "wf_fwd_val layout");

/* ---- wf_lo: HASH, local clients: LADDR in 127.0.0.0/8. ----
 * Same key and value as wf_fwd; kept apart so that nothing arriving on IFACE
 * (where 127/8 is martian) can ever match one. Read by the socket hooks. */
#define WF_LO_ENTRIES		16384

/* ---- wf_sk_nat: LRU_HASH, what a socket's peer was before a hook
 * rewrote it. Written by connect4/sendmsg4, read by recvmsg4/getpeername4
 * so the application sees the address it used (127.0.0.1:LPORT), never the
 * target. Keyed per socket (cookie) and target. */
#define WF_SK_NAT_ENTRIES	65536
struct wf_sk_nat_key {
	__u64 cookie;		/* bpf_get_socket_cookie() */
	__be32 addr;		/* the target: where the socket really talks to */
	__be16 port;
	__u8 proto;
	__u8 pad;
};
_Static_assert(sizeof(struct wf_sk_nat_key) == 16, "wf_sk_nat_key layout");

struct wf_sk_nat_val {
	__be32 addr;		/* what the application asked for */
	__be16 port;
	__u16 pad;
};

/* ---- wf_sk_nat6: LRU_HASH, wf_sk_nat for IPv6 sockets talking to an
 * IPv6 target (an IPv6 socket sent to an IPv4-mapped address uses wf_sk_nat
 * with the IPv4 address). */
struct wf_sk_nat6_key {
	__u64 cookie;
	__be32 addr[4];
	__be16 port;
	__u8 proto;
	__u8 pad[5];
};
_Static_assert(sizeof(struct wf_sk_nat6_key) == 32, "wf_sk_nat6_key layout");

struct wf_sk_nat6_val {
	__be32 addr[4];
	__be16 port;
	__u16 pad;
};
_Static_assert(sizeof(struct wf_sk_nat6_val) == 20, "wf_sk_nat6_val layout");

/* ---- wf_lo_udp: LRU_HASH, UDP datagrams handed to a loopback-only
 * server: which client sent to which LADDR:LPORT. The server's replies
 * (from 127.0.0.1:TPORT, unroutable out of IFACE) get LADDR as source in
 * sendmsg4 and LPORT as source port on tc egress. */
#define WF_LO_UDP_ENTRIES	65536
struct wf_lo_udp_key {
	__be32 caddr;		/* the client */
	__be16 cport;
	__be16 tport;		/* the server's own port */
};
_Static_assert(sizeof(struct wf_lo_udp_key) == 8, "wf_lo_udp_key layout");

struct wf_lo_udp_val {
	__be32 laddr;		/* where the client sent to */
	__be16 lport;
	__u16 pad;
	__u32 id;
};

/* ---- wf_lo_udp6: as wf_lo_udp, for [::1] targets: sendmsg6 gives the
 * replies LADDR as source, tc egress LPORT as source port. A quarter of
 * wf_lo_udp's size (LRU maps are preallocated), as wf_ct6 is of wf_ct. */
#define WF_LO_UDP6_ENTRIES	(WF_LO_UDP_ENTRIES / 4)
struct wf_lo_udp6_key {
	__be32 caddr[4];	/* the client */
	__be16 cport;
	__be16 tport;		/* the server's own port */
};
_Static_assert(sizeof(struct wf_lo_udp6_key) == 20, "wf_lo_udp6_key layout");

struct wf_lo_udp6_val {
	__be32 laddr[4];	/* where the client sent to */
	__be16 lport;
	__u16 pad;
	__u32 id;
};
_Static_assert(sizeof(struct wf_lo_udp6_val) == 24, "wf_lo_udp6_val layout");

/* ---- wf_ports: ARRAY[65536] of __u8, indexed by port in host order. ----
 * A filter so unmapped traffic costs one array load: ingress only looks at
 * packets whose destination port is a mapped LPORT (or in the SNAT range, or
 * whose source port is the TPORT of a `snat never` mapping), egress only at
 * packets whose source port is a mapped TPORT. */
enum wf_port_bits {
	WF_PORT_TCP_L = 1 << 0,	/* some tcp mapping listens on this port */
	WF_PORT_UDP_L = 1 << 1,
	WF_PORT_TCP_T = 1 << 2,	/* some tcp mapping targets this port */
	WF_PORT_UDP_T = 1 << 3,
	/* ... and has `snat never`: a one-arm target then answers the client
	 * directly, so its replies come in through IFACE from this source port. */
	WF_PORT_TCP_R = 1 << 4,
	WF_PORT_UDP_R = 1 << 5,
	/* ... a mapping with a literal LADDR listens on this port: only then
	 * does a first packet look up the literal key before the @vm one. */
	WF_PORT_TCP_A = 1 << 6,
	WF_PORT_UDP_A = 1 << 7,
};

/* ---- wf_redirect: DEVMAP_HASH[WF_REDIRECT_DEVS], ifindex -> ifindex. ----
 * Devices the loader vouches can take XDP frames (design.md "Redirect"). A
 * BEHIND target whose FIB egress device is here is sent by XDP_REDIRECT;
 * any other goes through the stack (XDP_PASS). Never a bridge. */

/* ---- wf_dev_mtu: HASH[WF_REDIRECT_DEVS], ifindex -> __u32: the largest IP
 * datagram (tot_len) XDP may redirect to that device of wf_redirect. ----
 * XDP_REDIRECT bypasses the stack's MTU check, and the receiving end drops
 * what it cannot take without a word (a veth checks its peer's MTU, in the
 * container's namespace: veth_xdp_xmit). The loader and watch write the
 * smallest of the device's, its bridge's and (veth) its peer's MTU; bigger
 * datagrams, and devices without an entry, take the stack, which fragments
 * or answers ICMP. */

/* ---- wf_brport: HASH, {bridge, MAC} -> the bridge port behind which the
 * MAC sits, for ports in wf_redirect (`load --redirect PORT` of a bridge
 * port, such as a container's veth on docker0). The FIB names the bridge;
 * XDP cannot send into a bridge but can into the port, skipping it. Filled
 * from the bridge's forwarding database at load and kept by `watch`. */
#define WF_BRPORT_ENTRIES	4096
struct wf_brport_key {
	__u32 bridge;		/* ifindex of the bridge (the FIB's answer) */
	__u8 mac[6];		/* the next hop's MAC (the FIB's dmac) */
	__u16 pad;
};
_Static_assert(sizeof(struct wf_brport_key) == 12, "wf_brport_key layout");

/* ---- wf_nh: HASH, the next hop of each target (design.md "Next-hop
 * cache"). Written by userspace (load, add, watch) from the kernel's route
 * and neighbour tables for every mapping target (@host, @host6 included);
 * read by a connection's first packet instead of bpf_fib_lookup() while
 * the entry is fresh (now < expires_ns), else the kernel is asked as
 * before. The only way to a link-local IPv6 target, which the kernel's FIB
 * lookup never answers directly: past its age, one that is a route's
 * gateway is asked for through its probe destination. ---- */
#define WF_NH_ENTRIES		1024
/* How long an entry is trusted after userspace wrote it: watch rewrites
 * them every WF_NH_REFRESH_S and on route, neighbour, link and address
 * events; without watch the FIB answers again after this (for a
 * link-local target, through its probe, or not at all without one). */
#define WF_NH_TTL_S		30
#define WF_NH_REFRESH_S		10
struct wf_nh_key {
	__u8 family;		/* WF_AF_INET, WF_AF_INET6 */
	__u8 pad[3];
	__be32 addr[4];		/* the target; IPv4 in addr[0], the rest 0 */
};
_Static_assert(sizeof(struct wf_nh_key) == 20, "wf_nh_key layout");

struct wf_nh_val {
	__u8 kind;		/* enum wf_kind, as fwd_classify would decide */
	__u8 flags;		/* 0 */
	__u16 pad;
	__u32 oif;		/* egress device (IFACE for ONEARM) */
	__u8 smac[6];		/* oif's MAC */
	__u8 dmac[6];		/* the next hop's MAC; 0: not resolved */
	__u32 pad1;
	/* the SNAT source towards a link-local target: IFACE's link-local
	 * address (0: @vm/@vm6 as for any one-arm target) */
	__be32 saddr[4];
	__u64 expires_ns;	/* CLOCK_MONOTONIC: trusted until then */
	/* a link-local target that is a route's gateway on IFACE: a global
	 * destination routed through it (0: none). Past expires_ns the
	 * datapath asks bpf_fib_lookup() for it, which answers with the
	 * gateway in ipv6_dst and its neighbour's MAC, and takes that answer
	 * when the gateway is still the target out of IFACE. */
	__be32 probe[4];
};
_Static_assert(sizeof(struct wf_nh_val) == 64, "wf_nh_val layout");
_Static_assert(__builtin_offsetof(struct wf_nh_val, saddr) == 24, "wf_nh_val saddr");
_Static_assert(__builtin_offsetof(struct wf_nh_val, expires_ns) == 40, "wf_nh_val expires");
_Static_assert(__builtin_offsetof(struct wf_nh_val, probe) == 48, "wf_nh_val probe");

/* ---- wf_allow: LPM_TRIE, source CIDRs allowed per mapping. ----
 * prefixlen = WF_ALLOW_PLEN_KEY + CIDR length (id and family+pad are always
 * matched). */
#define WF_ALLOW_PLEN_KEY	64	/* bits of id, family and pad */
struct wf_allow_key {
	__u32 prefixlen;
	__u32 id;		/* big-endian is not needed: always fully matched */
	__u8 family;
	__u8 pad[3];
	__be32 addr[4];
};
_Static_assert(sizeof(struct wf_allow_key) == 28, "wf_allow_key layout");

/* ---- wf_mappings: ARRAY[WF_MAX_MAPPINGS], the mapping as the user wrote it.
 * Kept in the kernel so `list`, `stats` and `del` work from the pins alone. */
struct wf_cidr {
	__be32 addr[4];
	__u8 family;
	__u8 plen;
	__u8 pad[2];
};

struct wf_mapping {
	__u8 in_use;
	__u8 protos;		/* enum wf_proto_bits */
	__u8 family;		/* of LADDR: what the mapping listens on */
	__u8 laddr_kind;	/* WF_ADDR_VM or WF_ADDR_LITERAL */
	__u8 taddr_kind;	/* enum wf_addr_kind */
	__u8 snat;		/* enum wf_snat_mode */
	__u8 n_allow;
	__u8 tfamily;		/* of TADDR: 0 = family (one family) */
	__u16 lport;		/* host order; first port of the range */
	__u16 lport_end;	/* host order; == lport for a single port */
	__u16 tport;		/* host order; TPORT for lport, +i for lport+i */
	__u16 pad1;
	__be32 laddr[4];	/* when laddr_kind == WF_ADDR_LITERAL */
	__be32 taddr[4];	/* when taddr_kind == WF_ADDR_LITERAL */
	struct wf_cidr allow[WF_MAX_ALLOW];
};
_Static_assert(sizeof(struct wf_mapping) == 208, "wf_mapping layout");

/* ---- wf_counters: PERCPU_ARRAY[WF_MAX_MAPPINGS], indexed by mapping id. */
enum wf_dir {
	WF_DIR_ORIG = 0,	/* client -> target */
	WF_DIR_REPLY = 1,	/* target -> client */
};

struct wf_counters {
	__u64 packets[2];	/* by enum wf_dir */
	__u64 bytes[2];
	__u64 conns;		/* connections created */
	__u64 pad;
};
_Static_assert(sizeof(struct wf_counters) == 48, "wf_counters layout");

/* ---- wf_stats: PERCPU_ARRAY[WF_STAT_MAX] of __u64. ----
 * Drops by reason, then notable non-drop events. The datapath returns drop
 * reasons as negative numbers (-WF_DROP_*), never overlapping its verdicts,
 * and counts them at index WF_DROP_*. X-macro so the names live here once. */
#define WF_STATS(X)							\
	X(DROP_MALFORMED, "malformed")	/* bad ihl/tot_len/doff, truncated */ \
	X(DROP_NOT_ALLOWED, "not_allowed")	/* source not in allow list */ \
	X(DROP_SNAT_EXHAUSTED, "snat_exhausted")			\
	X(DROP_NO_NEIGH, "no_neigh")	/* one-arm: next hop unresolved */ \
	X(DROP_FIB, "fib")		/* target unroutable */		\
	X(DROP_FRAGMENT, "fragment")	/* fragment of a mapped flow we cannot translate */ \
	X(DROP_CT_INSERT, "ct_insert")	/* conntrack insert failed */	\
	/* the tuple's entry belongs to another live connection */	\
	X(DROP_CT_CLASH, "ct_clash")					\
	X(DROP_NO_ADDR, "no_addr")	/* @vm/@host not known yet */	\
	X(DROP_RST_NO_CONN, "rst_no_conn")	/* RST for no connection */	\
	X(DROP_RST_INVALID, "rst_invalid")	/* RST outside the window */	\
	X(DROP_TTL, "ttl")		/* forwarded with TTL <= 1 */	\
	X(DROP_FWD_DISABLED, "fwd_disabled")	/* forwarding off on IFACE */ \
	/* ICMP errors (design.md "ICMP errors") */			\
	X(DROP_ICMP_SHORT, "icmp_short")	/* quotes a flow of ours, < 8 bytes of it */ \
	/* IPv6 UDP with checksum 0 (RFC 8200: invalid) to a mapped port */	\
	X(DROP_UDP6_ZERO_CSUM, "udp6_zero_csum")			\
	/* a packet of a v4tov6/v6tov4 flow that is not translated: a	\
	 * header the kernel would not resize (design.md "v4tov6 and v6tov4") */ \
	X(DROP_XLATE, "xlate")						\
	/* 4 to 6 would make it bigger than the egress MTU */		\
	X(DROP_XLATE_MTU, "xlate_mtu")					\
	/* IPv6 whose extension headers run past the walk		\
	 * (WF_IP6_EXT_MAX): its ports unknown, passed untouched */	\
	X(EV_IP6_EXT_CHAIN, "ip6_ext_chain")				\
	X(EV_FRAG_PASSED, "frag_passed")	/* later fragment, no first seen: untouched */ \
	X(EV_FRAG_TRANSLATED, "frag_translated")	/* later fragment, as its first */ \
	X(EV_IP_OPTIONS, "ip_options")	/* mapped packet carried IP options */ \
	/* bigger than the redirect device takes (wf_dev_mtu): via the stack */ \
	X(EV_REDIRECT_MTU, "redirect_mtu")				\
	/* L4 checksum field held only the pseudo-header sum (sender offload) */ \
	X(EV_CSUM_PSEUDO, "csum_pseudo")				\
	/* a first packet with a bad IPv4 header checksum: passed untouched	\
	 * (the stack drops it), creates no connection */		\
	X(EV_IP_CSUM, "ip_csum")					\
	X(EV_CT_EXPIRED, "ct_expired")	/* entry found but timed out */	\
	X(EV_CT_NEW, "ct_new")						\
	X(EV_ICMP_TRANSLATED, "icmp_translated")	/* error about a flow of ours */ \
	X(EV_ICMP_TTL_SENT, "icmp_ttl_sent")	/* we answered TTL 1 (one-arm) */ \
	/* a reply after the timeout: translated, both halves alive again */ \
	X(EV_CT_REVIVED, "ct_revived")					\
	/* a half lost (LRU) re-created from the other */		\
	X(EV_CT_RESTORED, "ct_restored")					\
	/* a confirmed connection that could not move to wf_ct (stays in	\
	 * wf_ct_new, on its timeouts, evicted by half-open ones first) */	\
	X(EV_CT_PROMOTE_FAIL, "ct_promote_fail")				\
	/* a first packet took its next hop from wf_nh (no FIB lookup) */	\
	X(EV_NH_HIT, "nh_hit")						\
	/* ... found it past its age (watch not running): asked the FIB */ \
	X(EV_NH_STALE, "nh_stale")						\
	/* an ICMP error about a v4tov6/v6tov4 flow with no equivalent in	\
	 * the other family (RFC 7915), or a quote we never send */	\
	X(DROP_ICMP_XLATE, "icmp_xlate")					\
	/* we answered "fragmentation needed" for an IPv4 packet 4 to 6	\
	 * would make bigger than IFACE's MTU (one-arm) */		\
	X(EV_ICMP_MTU_SENT, "icmp_mtu_sent")

enum wf_stat {
	WF_STAT_NONE = 0,
#define WF_STAT_ENUM(name, str) WF_##name,
	WF_STATS(WF_STAT_ENUM)
#undef WF_STAT_ENUM
	WF_STAT_MAX,
};
#define WF_DROP_FIRST	WF_DROP_MALFORMED
#define WF_DROP_LAST	WF_DROP_XLATE_MTU

/* ---- wf_ct: LRU_HASH, two entries per IPv4 connection. ----
 * The ORIG entry is keyed by the tuple as the client's packets arrive on
 * IFACE; the REPLY entry by the tuple the target's packets carry where the
 * datapath meets them (tc egress for LOCAL/BEHIND, XDP ingress for ONEARM).
 * Each value holds the complete rewritten tuple (nsaddr/nsport ->
 * ndaddr/ndport), so the other direction's key is derived from it
 * (wf_ct_peer_key() below).
 * IPv4 only, and 16 bytes: every packet hashes the key (jhash, per 4 bytes)
 * and compares it; IPv6 gets a table of its own rather than widening this
 * one. saddr/daddr and sport/dport sit in the order of the headers.
 */
struct wf_ct_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;		/* WF_IPPROTO_TCP / WF_IPPROTO_UDP */
	__u8 pad[3];		/* zero */
};
_Static_assert(sizeof(struct wf_ct_key) == 16, "wf_ct_key layout");

/*
 * Connection states, mirrored in both entries (design.md "Conntrack"):
 * X(name, value, `conns` name, `load --timeout` class, default timeout s).
 * The TCP states and defaults are nf_conntrack's; TCP_PICKUP is its loose
 * pick-up of a flow seen mid-stream, on the unreplied timeout until the
 * other side answers.
 */
#define WF_CT_STATES(X)							\
	X(TCP_SYN, 1, "SYN_SENT", "tcp-syn-sent", 120)			\
	X(TCP_EST, 2, "ESTABLISHED", "tcp-est", 5 * 86400)		\
	X(TCP_FIN_WAIT, 3, "FIN_WAIT", "tcp-fin-wait", 120)		\
	X(TCP_CLOSED, 4, "CLOSE", "tcp-close", 10)			\
	X(UDP, 5, "UNREPLIED", "udp", 30)				\
	X(UDP_REPLIED, 6, "REPLIED", "udp-stream", 120)			\
	X(TCP_TIME_WAIT, 7, "TIME_WAIT", "tcp-time-wait", 120)		\
	X(TCP_SYN_RECV, 8, "SYN_RECV", "tcp-syn-recv", 60)		\
	X(TCP_CLOSE_WAIT, 9, "CLOSE_WAIT", "tcp-close-wait", 60)	\
	X(TCP_PICKUP, 10, "UNREPLIED", "tcp-unreplied", 30)

enum wf_ct_state {
#define WF_CT_STATE_ENUM(name, val, str, opt, to) WF_CT_##name = val,
	WF_CT_STATES(WF_CT_STATE_ENUM)
#undef WF_CT_STATE_ENUM
	WF_CT_STATE_MAX,
};

/* The default timeout of state @s in seconds, 0 for no state. */
static inline __u32 wf_ct_timeout_default(int s)
{
	switch (s) {
#define WF_CT_STATE_DEFAULT(name, val, str, opt, to) case val: return to;
	WF_CT_STATES(WF_CT_STATE_DEFAULT)
#undef WF_CT_STATE_DEFAULT
	}
	return 0;
}

/* Which table an entry is in. Connections start in wf_ct_new (the
 * half-open table: TCP before the handshake completes or the other side of
 * a picked-up flow answers, UDP before a reply) and move to wf_ct once
 * confirmed, so a flood of half-open ones evicts only its own kind (the
 * effect of nf_conntrack's early_drop of unassured entries). */
enum wf_ct_table {
	WF_CT_T_MAIN = 0,	/* wf_ct */
	WF_CT_T_NEW = 1,	/* wf_ct_new */
};

/* ---- wf_ct_conf: ARRAY[1], pinned: the timeouts `load --timeout` set,
 * seconds by state (0: the default above). In a map rather than rodata so
 * that watch's re-attach and a later load over the pins keep them. */
#define WF_CT_STATE_SLOTS	16	/* a power of 2: the datapath masks with it */
struct wf_ct_conf {
	__u32 timeout[WF_CT_STATE_SLOTS];	/* by enum wf_ct_state */
};
_Static_assert(WF_CT_STATE_MAX <= WF_CT_STATE_SLOTS, "wf_ct_conf holds every state");
_Static_assert((WF_CT_STATE_SLOTS & (WF_CT_STATE_SLOTS - 1)) == 0, "WF_CT_STATE_SLOTS mask");
_Static_assert(sizeof(struct wf_ct_conf) == 64, "wf_ct_conf layout");

enum wf_ct_flags {
	WF_CT_F_REWRITE_DST = 1 << 0,	/* destination rewritten */
	WF_CT_F_REWRITE_SRC = 1 << 1,	/* source rewritten */
	WF_CT_F_TX = 1 << 2,	/* set smac/dmac, send back out of IFACE */
	WF_CT_F_SEEN_REPLY = 1 << 3,
	/* BEHIND via a device in wf_redirect: set smac/dmac, XDP_REDIRECT to
	 * oif instead of the stack (XDP ingress only) */
	WF_CT_F_REDIRECT = 1 << 4,
	/* Which side has sent its FIN (mirrored in both entries). */
	WF_CT_F_FIN_ORIG = 1 << 5,
	WF_CT_F_FIN_REPLY = 1 << 6,
	/* REPLY entry of an SNAT connection: syn_hint is the client's SYN
	 * TSval; without it, its ISN (0 when no SYN was seen). */
	WF_CT_F_SYN_TS = 1 << 7,
};

struct wf_ct_val {
	__u64 last_seen;	/* CLOCK_MONOTONIC ns at jiffy resolution (lags by <= a few ms) */
	__u64 created;
	__be32 nsaddr;		/* the packet leaves with this source ... */
	__be32 ndaddr;		/* ... and this destination */
	__be16 nsport;
	__be16 ndport;
	__u32 id;		/* mapping id */
	union {
		struct {
			__u8 dir;	/* enum wf_dir */
			__u8 kind;	/* enum wf_kind */
			__u8 state;	/* enum wf_ct_state, mirrored in both entries;
					 * written by single byte stores */
			__u8 flags;	/* enum wf_ct_flags */
		};
		/* The datapath changes flags only by atomic ops on this word
		 * (WF_CT_FLAGS_SHIFT): two CPUs merging FINs lose neither. */
		__u32 word;
	};
	/* In the order of the Ethernet header: written with one 12-byte store. */
	__u8 dmac[6];		/* WF_CT_F_TX/REDIRECT: new Ethernet destination */
	__u8 smac[6];		/* WF_CT_F_TX/REDIRECT: new Ethernet source */
	__u32 oif;		/* WF_CT_F_REDIRECT: egress ifindex (FIB's answer) */
	/* REPLY entry of an SNAT connection: the client's SYN TSval
	 * (WF_CT_F_SYN_TS) or ISN, host order; what the target's TIME_WAIT
	 * socket of the port will compare the next SYN with (ct_create.h). */
	__u32 syn_hint;
	/* TCP: the ACK number of this direction's last segment, network
	 * order, 0 = none yet; in a REPLY entry before the target has spoken,
	 * the client's ISN + 1 (what its answer must acknowledge). The RST
	 * rule reads it (conntrack.h, ct_rst_ok). */
	__be32 td_ack;
	__u8 table;		/* enum wf_ct_table: the map this entry is in */
	/* XDP: this direction's sender leaves only pseudo-header sums in its
	 * checksums (a packet of it did not verify, nat_csum_kind4()); plain
	 * stores, set once, never cleared */
	__u8 csum_pseudo;
	/* enum wf_ct_xfam: this direction's packets leave in the other
	 * family (v4tov6, v6tov4; design.md "v4tov6 and v6tov4"). Such
	 * entries are in wf_ct6/wf_ct6_new, IPv4 addresses as ::ffff:a.b.c.d */
	__u8 xfam;
	__u8 pad1;
};
_Static_assert(sizeof(struct wf_ct_val) == 64, "wf_ct_val layout");
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WF_CT_FLAGS_SHIFT	24	/* flags is the word's high byte */
#else
#define WF_CT_FLAGS_SHIFT	0
#endif
/* wf_ct_val.xfam: the family a packet of this direction leaves in. */
enum wf_ct_xfam {
	WF_CT_X_NONE = 0,
	WF_CT_X_TO4 = 1,	/* arrives IPv6, leaves IPv4 */
	WF_CT_X_TO6 = 2,	/* arrives IPv4, leaves IPv6 */
};

/* nat.h stores nsaddr+ndaddr, nsport+ndport and dmac+smac as single words. */
_Static_assert(__builtin_offsetof(struct wf_ct_val, ndaddr) ==
	       __builtin_offsetof(struct wf_ct_val, nsaddr) + 4 &&
	       __builtin_offsetof(struct wf_ct_val, nsaddr) % 8 == 0 &&
	       __builtin_offsetof(struct wf_ct_val, ndport) ==
	       __builtin_offsetof(struct wf_ct_val, nsport) + 2 &&
	       __builtin_offsetof(struct wf_ct_val, nsport) % 4 == 0 &&
	       __builtin_offsetof(struct wf_ct_val, smac) ==
	       __builtin_offsetof(struct wf_ct_val, dmac) + 6 &&
	       __builtin_offsetof(struct wf_ct_val, dmac) % 4 == 0 &&
	       __builtin_offsetof(struct wf_ct_val, word) % 4 == 0 &&
	       __builtin_offsetof(struct wf_ct_val, flags) ==
	       __builtin_offsetof(struct wf_ct_val, word) + 3, "wf_ct_val word layout");

/*
 * The key of the other direction's entry of the connection whose entry
 * @key holds @v: packets leaving with @v's rewrite are answered from
 * ndaddr:ndport to nsaddr:nsport. The one derivation, for the datapath,
 * `conns` and the tests.
 */
static inline __attribute__((always_inline)) void
wf_ct_peer_key(const struct wf_ct_key *key, const struct wf_ct_val *v, struct wf_ct_key *peer)
{
	peer->saddr = v->ndaddr;
	peer->daddr = v->nsaddr;
	peer->sport = v->ndport;
	peer->dport = v->nsport;
	peer->proto = key->proto;
	peer->pad[0] = 0;
	peer->pad[1] = 0;
	peer->pad[2] = 0;
}

/* ---- wf_flags: ARRAY[1] of __u32, pinned: facts about the mappings the
 * datapath would otherwise look up per first packet. Written by userspace
 * whenever the mappings change (user/maps.c, with wf_ports). */
enum wf_flag_bits {
	/* Some mapping listens on IPv6 with an IPv4 target (v6tov4): only then
	 * can an IPv4 SNAT port be held in wf_ct6 (::ffff: entries), which an
	 * IPv4 one-arm first packet must then check (ct_snat_held_xfam). */
	WF_FLAG_V6TOV4 = 1 << 0,
};

/* ---- wf_ct6, wf_ct6_new: LRU_HASH, two entries per IPv6 connection. ----
 * The same pairs, states and tables as wf_ct/wf_ct_new (enum wf_ct_table
 * names the pair: wf_ct6 or wf_ct6_new for an IPv6 entry), sized alike by
 * the loader. The value is wf_ct_val (its nsaddr/ndaddr zero) followed by
 * the 16-byte rewrite addresses, so that every rule that reads state,
 * flags, ports or MACs serves both families. */
struct wf_ct6_key {
	__be32 saddr[4];
	__be32 daddr[4];
	__be16 sport;
	__be16 dport;
	__u8 proto;		/* WF_IPPROTO_TCP / WF_IPPROTO_UDP */
	__u8 pad[3];		/* zero */
};
_Static_assert(sizeof(struct wf_ct6_key) == 40, "wf_ct6_key layout");

struct wf_ct6_val {
	struct wf_ct_val c;	/* c.nsaddr, c.ndaddr: zero */
	__be32 nsaddr[4];	/* the packet leaves with this source ... */
	__be32 ndaddr[4];	/* ... and this destination */
};
_Static_assert(sizeof(struct wf_ct6_val) == 96, "wf_ct6_val layout");
_Static_assert(__builtin_offsetof(struct wf_ct6_val, ndaddr) ==
	       __builtin_offsetof(struct wf_ct6_val, nsaddr) + 16, "wf_ct6_val: one 32-byte store");

/* wf_ct_peer_key() for IPv6. */
static inline __attribute__((always_inline)) void
wf_ct6_peer_key(const struct wf_ct6_key *key, const struct wf_ct6_val *v, struct wf_ct6_key *peer)
{
	__builtin_memcpy(peer->saddr, v->ndaddr, 16);
	__builtin_memcpy(peer->daddr, v->nsaddr, 16);
	peer->sport = v->c.ndport;
	peer->dport = v->c.nsport;
	peer->proto = key->proto;
	peer->pad[0] = 0;
	peer->pad[1] = 0;
	peer->pad[2] = 0;
}

/* ---- wf_frag: LRU_HASH, IPv4 datagrams of tracked flows that arrived in
 * fragments (design.md "Fragments"). Only the first fragment carries the
 * ports; it records here what it got, keyed as the reassembly queue is
 * (RFC 791: addresses, protocol, IP id) plus the hook that saw it, and the
 * later fragments of the datagram get the same addresses and verdict.
 * Entries live WF_FRAG_TIMEOUT seconds, the kernel's default ipfrag_time. */
#define WF_FRAG_ENTRIES		8192
#define WF_FRAG_TIMEOUT		30

enum wf_frag_hook {
	WF_FRAG_IN = 0,		/* XDP or tc ingress on IFACE */
	WF_FRAG_EG = 1,		/* tc egress on IFACE */
};

struct wf_frag_key {
	__be32 saddr;		/* as the fragments arrive at the hook */
	__be32 daddr;
	__be16 ipid;
	__u8 proto;
	__u8 hook;		/* enum wf_frag_hook */
};
_Static_assert(sizeof(struct wf_frag_key) == 12, "wf_frag_key layout");

struct wf_frag_val {
	/* A copy of the connection entry the first fragment was translated
	 * with (its last_seen: when), so that the later fragments do not
	 * depend on the entry living on. */
	struct wf_ct_val ct;
	/* Nonzero: the first fragment was dropped with this WF_DROP_*
	 * reason; the later ones are dropped alike. */
	__u32 drop;
	__u32 pad;
};
_Static_assert(sizeof(struct wf_frag_val) == sizeof(struct wf_ct_val) + 8, "wf_frag_val layout");

/* ---- wf_frag6: LRU_HASH, the same for IPv6 datagrams: the reassembly key
 * (RFC 8200 4.5: addresses and the fragment header's 32-bit id). */
struct wf_frag6_key {
	__be32 saddr[4];
	__be32 daddr[4];
	__be32 id;		/* the fragment header's identification */
	__u8 proto;		/* the upper-layer protocol */
	__u8 hook;		/* enum wf_frag_hook */
	__u16 pad;
};
_Static_assert(sizeof(struct wf_frag6_key) == 40, "wf_frag6_key layout");

struct wf_frag6_val {
	struct wf_ct6_val ct;
	__u32 drop;
	__u32 pad;
};
_Static_assert(sizeof(struct wf_frag6_val) == sizeof(struct wf_ct6_val) + 8, "wf_frag6_val layout");

#endif /* WSLFWD_H */
