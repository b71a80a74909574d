// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Packet-level suite: the real wf_xdp_ingress, wf_tc_ingress and
 * wf_tc_egress run through BPF_PROG_RUN on hand-built frames, with the maps
 * filled directly. Each fixture is {description, input frame, expected
 * verdict, expected output frame, expected conntrack/stats/counters effect};
 * a request fixture is followed by its reply fixture, and fixtures share map
 * state in table order the way one connection's packets do.
 *
 * The whole table runs twice: once with wf_xdp_ingress as the ingress hook,
 * once with wf_tc_ingress (XDP_PASS/DROP/TX become TC_ACT_OK/SHOT/REDIRECT);
 * egress is wf_tc_egress in both passes. A second copy of the datapath,
 * loaded with a two-port SNAT range, serves the allocator fixtures.
 *
 * bpf_fib_lookup() needs routes and neighbours: run through run.sh, which
 * builds the WSL-like layout (eth0 172.29.20.2/20 via 172.29.16.1, docker0
 * 172.17.0.1/16, and IPv6's fd00:29::2/64 via fd00:29::1, docker0
 * fd00:17::1/64) in a private network namespace. Maps are never pinned.
 *
 * Output is TAP; a failure is followed by "# " lines with what differed
 * (a field-named hex diff for frames).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "wslfwd.h"
#include "tests/vlan_meta.skel.h"
#include "pkt.h"
#include "skel.h"

/* ---- The namespace layout run.sh builds (host order). ---- */
#define VM	IP4(172, 29, 20, 2)	/* eth0, @vm */
#define OTHER	IP4(172, 29, 20, 99)	/* not ours */
#define HOST	IP4(172, 29, 16, 1)	/* default gateway, @host */
#define PEER	IP4(172, 29, 16, 5)	/* on eth0's link, permanent neighbour */
#define NONEIGH	IP4(172, 29, 16, 7)	/* on eth0's link, no neighbour entry */
#define CTR	IP4(172, 17, 0, 2)	/* behind docker0, permanent neighbour */
#define CTR2	IP4(172, 17, 0, 3)	/* behind docker0, no neighbour entry */
#define DOCKER0	IP4(172, 17, 0, 1)	/* docker0's own address: local */
#define RTGT	IP4(10, 50, 0, 2)	/* behind vethr (in wf_redirect) */
#define UNREACH	IP4(10, 99, 0, 1)	/* "unreachable 10.99.0.0/16" route */
#define C1	IP4(172, 29, 18, 10)	/* clients on eth0's link */
#define C2	IP4(172, 29, 18, 11)
#define C3	IP4(172, 29, 18, 12)
#define COUT	IP4(172, 29, 19, 50)	/* outside mapping 8's allow list */
#define ROUTER	IP4(172, 29, 16, 254)	/* a router that sends ICMP errors */

/* ... and its IPv6 twin (layout.sh). */
#define VM6	IP6(0xfd00, 0x29, 0, 0, 0, 0, 0, 2)	/* eth0, @vm6 */
#define OTHER6	IP6(0xfd00, 0x29, 0, 0, 0, 0, 0, 0x99)	/* not ours */
#define HOST6	IP6(0xfd00, 0x29, 0, 0, 0, 0, 0, 1)	/* default gateway, @host6 */
#define PEER6	IP6(0xfd00, 0x29, 0, 0, 0, 0, 0, 5)	/* permanent neighbour */
#define CTR6	IP6(0xfd00, 0x17, 0, 0, 0, 0, 0, 2)	/* behind docker0 */
#define RTGT6	IP6(0xfd00, 0x50, 0, 0, 0, 0, 0, 2)	/* behind vethr (wf_redirect) */
#define CTR2_6	IP6(0xfd00, 0x17, 0, 0, 0, 0, 0, 3)	/* behind docker0, no neighbour */
#define NONEIGH6	IP6(0xfd00, 0x29, 0, 0, 0, 0, 0, 7)	/* eth0's link, no neighbour */
#define UNREACH6	IP6(0xfd00, 0x99, 0, 0, 0, 0, 0, 1)	/* "unreachable fd00:99::/32" */
#define C1_6	IP6(0xfd00, 0x29, 0, 0, 0, 0, 0x18, 0x10)	/* clients on eth0's link */
#define C2_6	IP6(0xfd00, 0x29, 0, 0, 0, 0, 0x18, 0x11)
#define ROUTER6	IP6(0xfd00, 0x29, 0, 0, 0, 0, 0, 0xfe)	/* sends ICMPv6 errors */
#define CROUTER6	IP6(0xfd00, 0x17, 0, 0, 0, 0, 0, 0xfe)	/* a router behind docker0 */
#define LL_HOST6	IP6(0xfe80, 0, 0, 0, 0, 0, 0, 1)	/* the router's link-local */
#define LL_C1_6	IP6(0xfe80, 0, 0, 0, 0x215, 0x5dff, 0xfe00, 0x120a)
#define ALLNODES6	IP6(0xff02, 0, 0, 0, 0, 0, 0, 1)
#define SOLNODE6	IP6(0xff02, 0, 0, 0, 0, 1, 0xff00, 2)	/* @vm6's */
#define MLDV2_6	IP6(0xff02, 0, 0, 0, 0, 0, 0, 0x16)
#define ANY6	IP6(0, 0, 0, 0, 0, 0, 0, 0)
#define X64_C1	IP6(0x64, 0xff9b, 0, 0, 0, 0, 0xac1d, 0x120a)	/* C1 in 64:ff9b::/96 */
#define LL6_GW	IP6(0xfe80, 0, 0, 0, 0, 0, 0, 1)	/* a link-local target */
#define LL6_C	IP6(0xfe80, 0, 0, 0, 0, 0, 0x18, 0x10)	/* a link-local client */
#define LO6	IP6(0, 0, 0, 0, 0, 0, 0, 1)	/* [::1]: loopback-only targets */
#define LL_VM6	IP6(0xfe80, 0, 0, 0, 0x215, 0x5dff, 0xfe00, 0x1402)	/* eth0's link-local */

static const __u8 vm6[16] = VM6, host6[16] = HOST6;

#define SNAT_SMALL_MIN	62000		/* the second instance's range */
#define SNAT_SMALL_MAX	62001
#define CT_TEST_ENTRIES	8192
#define CLOCK_SLACK_NS	(50ull * 1000000)	/* 5 jiffies at HZ=100 */

/* Client port n of the "UDP checksum computes to 0" fixtures: found at
 * start (udp_zero_port) and kept in the SNAT slots' table. */
#define ZPORT(n)	SNAT(12 + (n))

/* ---- Mappings, as `wslfwd add` would expand them. ---- */
enum {
	ID_LOCAL = 1,		/* tcp @vm:8080 @vm:18080 */
	ID_BEHIND,		/* tcp @vm:4000 172.17.0.2:80 */
	ID_HOST,		/* tcp @vm:5000 @host:5432 */
	ID_PEER,		/* tcp @vm:5001 172.29.16.5:5432 */
	ID_ULOCAL,		/* udp @vm:5353 @vm:15353 */
	ID_UHOST,		/* udp @vm:6000 @host:6001 */
	ID_NONEIGH,		/* tcp @vm:7000 172.29.16.7:7000 */
	ID_ALLOW,		/* tcp @vm:9000 172.17.0.2:9000 allow 172.29.18.0/24 */
	ID_FIB,			/* tcp @vm:8443 10.99.0.1:443 */
	ID_LITVM,		/* tcp 172.29.20.2:8082 @vm:18082 */
	ID_BEHIND2,		/* tcp @vm:4001 172.17.0.3:80 */
	ID_LOCAL2,		/* tcp @vm:8084 172.17.0.1:80 (docker0's own address) */
	ID_LITPEER,		/* tcp 172.29.20.2:5002 172.29.16.5:5432 */
	ID_PREC_LIT,		/* tcp 172.29.20.2:8083 @vm:18083 */
	ID_PREC_VM,		/* tcp @vm:8083 @vm:28083 */
	ID_NEVER,		/* tcp @vm:5003 172.29.16.5:5433 snat never */
	ID_REDIR,		/* tcp @vm:4100 10.50.0.2:80, via vethr in wf_redirect */
	ID_LOCAL_B,		/* tcp @vm:8085 @vm:18080: ID_LOCAL's target too */
	ID_LOCAL6,		/* tcp [@vm6]:8086 @vm6:18086 */
	ID_BEHIND6,		/* tcp [@vm6]:4006 [fd00:17::2]:80 */
	ID_HOST6,		/* tcp [@vm6]:5006 @host6:5432 */
	ID_ULOCAL6,		/* udp [@vm6]:5356 @vm6:15356 */
	ID_UHOST6,		/* udp [@vm6]:6006 @host6:6001 */
	ID_ALLOW6,		/* tcp [@vm6]:9006 [fd00:17::2]:9000 allow fd00:29::18:10/128 */
	ID_REDIR6,		/* tcp [@vm6]:4106 [fd00:50::2]:80, via vethr in wf_redirect */
	ID_BEHIND2_6,		/* tcp [@vm6]:4007 [fd00:17::3]:80 */
	ID_NONEIGH6,		/* tcp [@vm6]:7006 [fd00:29::7]:7000 */
	ID_FIB6,		/* tcp [@vm6]:8446 [fd00:99::1]:443 */
	ID_LL6,			/* tcp [@vm6]:4206 [fe80::1]:80: link-local, through wf_nh only */
	ID_LO6,			/* tcp [@vm6]:8096 [::1]:8093 (lo.h) */
	ID_ULO6,		/* udp [@vm6]:7116 [::1]:7112 (lo.h) */
	/* between the families (xmap_defs) */
	ID_X46,			/* tcp @vm:5060 @host6:5432 (v4tov6, one-arm) */
	ID_UX46,		/* udp @vm:6060 @host6:6001 (v4tov6, one-arm) */
	ID_UX46B,		/* udp @vm:6061 [fd00:17::2]:7000 (v4tov6, BEHIND) */
	ID_X64,			/* tcp [@vm6]:5066 @host:5432 (v6tov4, one-arm) */
	ID_UX64,		/* udp [@vm6]:6066 @host:6001 (v6tov4, one-arm) */
	ID_MAX,
};

struct map_def {
	__u32 id;
	__u8 proto;
	__u32 laddr;		/* 0: @vm */
	__u16 lport;
	__u8 tkind;
	__u32 taddr;
	__u16 tport;
	__u8 flags;
	__u8 snat;		/* enum wf_snat_mode */
};

static const struct map_def map_defs[] = {
	{ ID_LOCAL, 6, 0, 8080, WF_ADDR_VM, 0, 18080, 0, WF_SNAT_AUTO },
	{ ID_BEHIND, 6, 0, 4000, WF_ADDR_LITERAL, CTR, 80, 0, WF_SNAT_AUTO },
	{ ID_HOST, 6, 0, 5000, WF_ADDR_HOST, 0, 5432, 0, WF_SNAT_AUTO },
	{ ID_PEER, 6, 0, 5001, WF_ADDR_LITERAL, PEER, 5432, 0, WF_SNAT_AUTO },
	{ ID_ULOCAL, 17, 0, 5353, WF_ADDR_VM, 0, 15353, 0, WF_SNAT_AUTO },
	{ ID_UHOST, 17, 0, 6000, WF_ADDR_HOST, 0, 6001, 0, WF_SNAT_AUTO },
	{ ID_NONEIGH, 6, 0, 7000, WF_ADDR_LITERAL, NONEIGH, 7000, 0, WF_SNAT_AUTO },
	{ ID_ALLOW, 6, 0, 9000, WF_ADDR_LITERAL, CTR, 9000, WF_FWD_F_ALLOW, WF_SNAT_AUTO },
	{ ID_FIB, 6, 0, 8443, WF_ADDR_LITERAL, UNREACH, 443, 0, WF_SNAT_AUTO },
	{ ID_LITVM, 6, VM, 8082, WF_ADDR_VM, 0, 18082, 0, WF_SNAT_AUTO },
	{ ID_BEHIND2, 6, 0, 4001, WF_ADDR_LITERAL, CTR2, 80, 0, WF_SNAT_AUTO },
	{ ID_LOCAL2, 6, 0, 8084, WF_ADDR_LITERAL, DOCKER0, 80, 0, WF_SNAT_AUTO },
	{ ID_LITPEER, 6, VM, 5002, WF_ADDR_LITERAL, PEER, 5432, 0, WF_SNAT_AUTO },
	{ ID_PREC_LIT, 6, VM, 8083, WF_ADDR_VM, 0, 18083, 0, WF_SNAT_AUTO },
	{ ID_PREC_VM, 6, 0, 8083, WF_ADDR_VM, 0, 28083, 0, WF_SNAT_AUTO },
	{ ID_NEVER, 6, 0, 5003, WF_ADDR_LITERAL, PEER, 5433, 0, WF_SNAT_NEVER },
	{ ID_REDIR, 6, 0, 4100, WF_ADDR_LITERAL, RTGT, 80, 0, WF_SNAT_AUTO },
	{ ID_LOCAL_B, 6, 0, 8085, WF_ADDR_VM, 0, 18080, 0, WF_SNAT_AUTO },
};

/* The IPv6 mappings (listen on @vm6, one family). */
static const struct map6_def {
	__u32 id;
	__u8 proto;
	__u16 lport;
	__u8 tkind;
	__u8 taddr[16];
	__u16 tport;
	__u8 flags;
} map6_defs[] = {
	{ ID_LOCAL6, 6, 8086, WF_ADDR_VM, ANY6, 18086, 0 },
	{ ID_BEHIND6, 6, 4006, WF_ADDR_LITERAL, CTR6, 80, 0 },
	{ ID_HOST6, 6, 5006, WF_ADDR_HOST, ANY6, 5432, 0 },
	{ ID_ULOCAL6, 17, 5356, WF_ADDR_VM, ANY6, 15356, 0 },
	{ ID_UHOST6, 17, 6006, WF_ADDR_HOST, ANY6, 6001, 0 },
	{ ID_ALLOW6, 6, 9006, WF_ADDR_LITERAL, CTR6, 9000, WF_FWD_F_ALLOW },
	{ ID_REDIR6, 6, 4106, WF_ADDR_LITERAL, RTGT6, 80, 0 },
	{ ID_BEHIND2_6, 6, 4007, WF_ADDR_LITERAL, CTR2_6, 80, 0 },
	{ ID_NONEIGH6, 6, 7006, WF_ADDR_LITERAL, NONEIGH6, 7000, 0 },
	{ ID_FIB6, 6, 8446, WF_ADDR_LITERAL, UNREACH6, 443, 0 },
	{ ID_LL6, 6, 4206, WF_ADDR_LITERAL, LL6_GW, 80, 0 },
	{ ID_LO6, 6, 8096, WF_ADDR_LITERAL, LO6, 8093, WF_FWD_F_LOOPBACK },
	{ ID_ULO6, 17, 7116, WF_ADDR_LITERAL, LO6, 7112, WF_FWD_F_LOOPBACK },
};

/* The mappings between the families (WF_FWD_F_XFAM): a v4tov6 one listens
 * on @vm, its target IPv6; a v6tov4 one on @vm6, its target IPv4. */
static const struct xmap_def {
	__u32 id;
	__u8 proto;
	bool v6tov4;
	__u16 lport;
	__u8 tkind;
	__u8 taddr[16];		/* IPv6; IPv4 targets are @host here */
	__u16 tport;
} xmap_defs[] = {
	{ ID_X46, 6, false, 5060, WF_ADDR_HOST, ANY6, 5432 },
	{ ID_UX46, 17, false, 6060, WF_ADDR_HOST, ANY6, 6001 },
	{ ID_UX46B, 17, false, 6061, WF_ADDR_LITERAL, CTR6, 7000 },
	{ ID_X64, 6, true, 5066, WF_ADDR_HOST, ANY6, 5432 },
	{ ID_UX64, 17, true, 6066, WF_ADDR_HOST, ANY6, 6001 },
};

/* ID_ALLOW6's one CIDR: C1_6/128. */
static const __u8 allow6_addr[16] = C1_6;

/* Allow entries: (id, CIDR). The second belongs to a mapping without
 * WF_FWD_F_ALLOW and covers COUT: it must not let COUT into ID_ALLOW. */
static const struct {
	__u32 id;
	__u32 addr;
	__u8 plen;
} allow_defs[] = {
	{ ID_ALLOW, IP4(172, 29, 18, 0), 24 },
	{ ID_BEHIND, IP4(172, 29, 19, 0), 24 },
};

/* ---- One loaded copy of the datapath. ---- */
struct inst {
	struct wslfwd_bpf *skel;
	int prog_xdp, prog_tc_in, prog_tc_eg, prog_tc_lo;
	int frag;
	int info, fwd, ports, allow, ct, ct_new, counters, stats, mappings;
	int ct6, ct6_new, frag6;
	__u32 snat_min, snat_max;
};

static struct inst insts[5];	/* [2], [3]: SNAT occupancy, [4]: flood (issue 10) */
static __u32 ct_test_entries = CT_TEST_ENTRIES;
static __u32 ct_new_test_entries = CT_TEST_ENTRIES;
static struct vlan_meta_bpf *vmeta;	/* tags skbs, then tail-calls insts[0] */
static int ifindex;
static int ncpus;
static bool pass_tc;		/* ingress hook of this pass: tc, else XDP */
static int snat_slot[SNAT_SLOTS];	/* SNAT(n) ports recorded so far */

/* ---- Fixtures. ---- */
enum hook { H_IN, H_EG, H_LO /* wf_tc_lo_ingress */ };
enum verdict { V_PASS = 1, V_DROP, V_TX, V_REDIRECT };
enum ct_expect {
	CT_SKIP = 0,	/* not checked */
	CT_NONE,	/* no entry for the input tuple, no entry added */
	CT_NEW,		/* a connection created: both entries checked */
	CT_HIT,		/* an existing entry used: dir and state checked */
	CT_FRAG,	/* a later fragment: wf_ct unchanged, counted in dir */
	CT_KEEP,	/* wf_ct unchanged (its flow may have entries), nothing counted */
	CT_LO,		/* no connection (a loopback-only target, lo.h), counted in dir */
};

struct fixture {
	const char *desc;
	enum hook hook;
	int inst;
	struct pkt in;
	enum verdict verdict;
	bool same;		/* expected output: the input, bit for bit */
	struct pkt out;		/* else this (K_NONE: not checked) */
	enum ct_expect ct;
	__u32 id;
	__u8 kind;		/* CT_NEW */
	__u8 state;		/* CT_NEW, CT_HIT: state in both entries */
	__u8 dir;		/* CT_HIT: direction of the entry used */
	__u8 stat[3];		/* wf_stats reasons expected +1 (ct_new implied) */
	__u8 stat_any;		/* a reason not checked */
	void (*pre)(const struct fixture *f);
	void (*post)(const struct fixture *f);
	int arg[2];
	const char *xdp_only;	/* why the tc pass cannot run it (TAP SKIP) */
	/* tc: the input's VLAN tag goes into skb metadata, as the stack puts
	 * it before tc, and the frame runs untagged (XDP: tag in the frame). */
	bool mtag;
};

#define TCP(sm, dm, sa, sp, da, dp, fl)					\
	.kind = K_IP4, .smac = (sm), .dmac = (dm), .proto = 6,		\
	.saddr = (sa), .sport = (sp), .daddr = (da), .dport = (dp),	\
	.tcp_flags = (fl)
#define UDP(sm, dm, sa, sp, da, dp)					\
	.kind = K_IP4, .smac = (sm), .dmac = (dm), .proto = 17,		\
	.saddr = (sa), .sport = (sp), .daddr = (da), .dport = (dp),	\
	.paylen = 12

/* IPv6: addresses are IP6() initializers (the names above). */
#define TCP6(sm, dm, sa, sp, da, dp, fl)				\
	.kind = K_IP6, .smac = (sm), .dmac = (dm), .proto = 6,		\
	.saddr6 = sa, .sport = (sp), .daddr6 = da, .dport = (dp),	\
	.tcp_flags = (fl)
#define UDP6(sm, dm, sa, sp, da, dp)					\
	.kind = K_IP6, .smac = (sm), .dmac = (dm), .proto = 17,		\
	.saddr6 = sa, .sport = (sp), .daddr6 = da, .dport = (dp),	\
	.paylen = 12
#define UDP6F(sm, dm, sa, sp, da, dp)					\
	.kind = K_IP6, .smac = (sm), .dmac = (dm), .proto = 17,		\
	.saddr6 = sa, .sport = (sp), .daddr6 = da, .dport = (dp)
#define ICMP6(sm, dm, sa, da, t)					\
	.kind = K_IP6, .smac = (sm), .dmac = (dm), .proto = 58,		\
	.saddr6 = sa, .daddr6 = da, .icmp_type = (t)
/* An ICMPv6 error of type @t, code @c; QUOTE() says what it quotes. */
#define ICMP6ERR(sm, dm, sa, da, t, c)					\
	.kind = K_IP6, .smac = (sm), .dmac = (dm), .proto = 58,		\
	.saddr6 = sa, .daddr6 = da, .icmp_type = (t), .icmp_code = (c)
/* The ICMPv6 time exceeded (3/0) the datapath answers a one-arm hop limit
 * 1 packet with: from @vm6, hop limit 64, traffic class and flow label 0. */
#define TTL6_REPLY(sm, dm, da)						\
	.kind = K_IP6, .smac = (sm), .dmac = (dm), .proto = 58,		\
	.saddr6 = VM6, .daddr6 = da, .icmp_type = 3, .icmp_code = 0
/* Extension headers in order (next-header numbers), each 8 bytes unless
 * .ext_len says more. */
#define EXT6(...)	.ext = { __VA_ARGS__ }, .n_ext = sizeof((__u8[]){ __VA_ARGS__ })
/* An IPv6 datagram of FRAG_PAY bytes in fragments of 1232 (1280 - 48). */
#define FIRST6(id)	EXT6(44), .ipid = (id), .paylen = FRAG_PAY, .fraglen = 1232
#define LATER6_U(id)	EXT6(44), .ipid = (id), .paylen = FRAG_PAY, .fragoff = 1232, .fraglen = 576
#define LATER6_T(id)	EXT6(44), .ipid = (id), .paylen = FRAG_PAY, .fragoff = 1232, .fraglen = 588

/* Fragments (see the fixtures): UDPF is UDP without its payload length. */
#define UDPF(sm, dm, sa, sp, da, dp)					\
	.kind = K_IP4, .smac = (sm), .dmac = (dm), .proto = 17,		\
	.saddr = (sa), .sport = (sp), .daddr = (da), .dport = (dp)
#define FRAG_PAY	1800
#define FIRST(id)	.ipid = (id), .paylen = FRAG_PAY, .fraglen = 1480
#define LATER_U(id)	.ipid = (id), .paylen = FRAG_PAY, .fragoff = 1480, .fraglen = 328
#define LATER_T(id)	.ipid = (id), .paylen = FRAG_PAY, .fragoff = 1480, .fraglen = 340

/* bpf_prog_test_run_skb() returns -EINVAL for an IPv4 frame shorter than
 * ETH_HLEN + 20 (measured on 6.18), so these frames only reach the XDP hook
 * here; a real tc ingress can still see them. */
#define SHORT_SKB "BPF_PROG_RUN refuses skbs with less than an IPv4 header"
/* tc ingress always hands BEHIND traffic to the stack. */
#define XDP_REDIR "XDP_REDIRECT is XDP's; tc passes to the stack (covered above)"

/* A pseudo-header-only checksum is right in an skb only with CHECKSUM_PARTIAL
 * (or the driver's "validated" mark); BPF_PROG_RUN's skbs have neither. */
#define CSUM_SKB "BPF_PROG_RUN skbs are not CHECKSUM_PARTIAL; tc's helpers see ip_summed (e2e)"

/* A client port whose first fragment (FIRST, to @vm:6000) has a complete UDP
 * checksum equal to the pseudo-header sum of the fragment's own length: the
 * datapath must not take it for a checksum left to offload (it covers the
 * whole datagram). pre_csum_collision() checks the coincidence still holds. */
#define FRAG_COLLIDE_PORT	12343
/* A client port whose UDP datagram to @vm:5353 (12 bytes of payload) has a
 * complete checksum equal to its pseudo-header sum: XDP_PASS must update it
 * as the complete checksum it is, or its receiver drops it. */
#define CSUM_COLLIDE_PORT	21425

/* SNAT vs TIME_WAIT: TSvals (or ISNs) of the old clients and the new one,
 * far apart in sequence space so no clock slack matters. */
#define TS_LO	0x10000000u
#define TS_MID	0x50000000u
#define TS_HI	0x90000000u
#define TSV(lay, v)	.tsopt = (lay), .tsval = (v), .seq = (v)

/* An ICMP error of type @t, code @c; QUOTE() says what it quotes. */
#define ICMPERR(sm, dm, sa, da, t, c)					\
	.kind = K_IP4, .smac = (sm), .dmac = (dm), .proto = 1,		\
	.saddr = (sa), .daddr = (da), .icmp_type = (t), .icmp_code = (c)
#define QUOTE(...)	.inner = &(const struct pkt){ __VA_ARGS__ }
/* The time exceeded the datapath answers a one-arm TTL 1 packet with. */
#define TTL_REPLY(sm, dm, da)						\
	ICMPERR(sm, dm, VM, da, 11, 0), .tos = 0xc0, .id0 = true, .frag = IP_DF_, \
	.quote = 8

/* Two clients (C1:42000 with @v1, C2:42001 with @v2) connect through the
 * 62000-62001 instance to @host:5432, get SNAT slots @s1 and @s2, and reset. */
#define SNAT_TW_OLD(what, lay, v1, v2, s1, s2)					\
	{									\
		.desc = "SNAT vs TIME_WAIT (" what "): first old client's SYN",	\
		.inst = 1,							\
		.in = { TCP(M_CLIENT, M_VM, C1, 42000, VM, 5000, TH_SYN), TSV(lay, v1) }, \
		.verdict = V_TX,						\
		.out = { TCP(M_VM, M_HOST, VM, SNAT(s1), HOST, 5432, TH_SYN), .ttl = 63, \
			 TSV(lay, v1) },					\
		.ct = CT_NEW, .id = ID_HOST, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN, \
		.pre = pre_ct_flush,						\
	},									\
	{									\
		.desc = "SNAT vs TIME_WAIT (" what "): second old client's SYN",	\
		.inst = 1,							\
		.in = { TCP(M_CLIENT2, M_VM, C2, 42001, VM, 5000, TH_SYN), TSV(lay, v2) }, \
		.verdict = V_TX,						\
		.out = { TCP(M_VM, M_HOST, VM, SNAT(s2), HOST, 5432, TH_SYN), .ttl = 63, \
			 TSV(lay, v2) },					\
		.ct = CT_NEW, .id = ID_HOST, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN, \
		.post = post_snat_distinct, .arg = { s1, s2 },			\
	},									\
	{									\
		.desc = "SNAT vs TIME_WAIT (" what "): first old client resets",	\
		.inst = 1,							\
		.in = { TCP(M_CLIENT, M_VM, C1, 42000, VM, 5000, TH_RST | TH_ACK), \
			.seq = (v1) + 1 },					\
		.verdict = V_TX,						\
		.out = { TCP(M_VM, M_HOST, VM, SNAT(s1), HOST, 5432, TH_RST | TH_ACK), \
			 .ttl = 63, .seq = (v1) + 1 },				\
		.ct = CT_HIT, .id = ID_HOST, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_CLOSED, \
	},									\
	{									\
		.desc = "SNAT vs TIME_WAIT (" what "): second old client resets",	\
		.inst = 1,							\
		.in = { TCP(M_CLIENT2, M_VM, C2, 42001, VM, 5000, TH_RST | TH_ACK), \
			.seq = (v2) + 1 },					\
		.verdict = V_TX,						\
		.out = { TCP(M_VM, M_HOST, VM, SNAT(s2), HOST, 5432, TH_RST | TH_ACK), \
			 .ttl = 63, .seq = (v2) + 1 },				\
		.ct = CT_HIT, .id = ID_HOST, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_CLOSED, \
	}

/* ... then C3:42002 with @v3 must get slot @want. */
#define SNAT_TW_ROUND(what, lay, v1, v2, v3, s1, s2, want)			\
	SNAT_TW_OLD(what, lay, v1, v2, s1, s2),					\
	{									\
		.desc = "SNAT vs TIME_WAIT (" what "): new client gets the port it is newer on", \
		.inst = 1,							\
		.in = { TCP(M_CLIENT, M_VM, C3, 42002, VM, 5000, TH_SYN), TSV(lay, v3) }, \
		.verdict = V_TX,						\
		.out = { TCP(M_VM, M_HOST, VM, SNAT(want), HOST, 5432, TH_SYN), .ttl = 63, \
			 TSV(lay, v3) },					\
		.ct = CT_SKIP, .stat_any = WF_EV_CT_NEW,			\
	}

static void pre_age(const struct fixture *f);
static void pre_age6(const struct fixture *f);
static void pre_no_vm(const struct fixture *f);
static void pre_no_host(const struct fixture *f);
static void post_info_restore(const struct fixture *f);
static void pre_no_vm6(const struct fixture *f);
static void pre_no_host6(const struct fixture *f);
static void post_snat_distinct(const struct fixture *f);
static void pre_occupy_snat(const struct fixture *f);
static void pre_ct_flush(const struct fixture *f);
static void pre_fwd_off(const struct fixture *f);
static void pre_frag_age(const struct fixture *f);
static void pre_frag6_age(const struct fixture *f);
static void pre_icmp_exhaust(const struct fixture *f);
static void post_icmp_refill(const struct fixture *f);
static void pre_generic(const struct fixture *f);
static void pre_csum_collision(const struct fixture *f);
static void post_fwd_on(const struct fixture *f);
static void pre_fwd6_off(const struct fixture *f);
static void pre_lo_udp6(const struct fixture *f);
static void post_lo_udp6(const struct fixture *f);
static void post_fwd6_on(const struct fixture *f);
static void pre_age_n(const struct fixture *f);
static void post_peer_fresh(const struct fixture *f);
static void pre_drop_peer(const struct fixture *f);
static void post_pair_ok(const struct fixture *f);
static void pre_clash_peer(const struct fixture *f);
static void post_gone(const struct fixture *f);
static void pre_delete_self(const struct fixture *f);
static void pre_plant_reply(const struct fixture *f);
static void post_no_orphan(const struct fixture *f);
static void pre_nh_ll6(const struct fixture *f);
static void pre_nh_ll6_stale(const struct fixture *f);
static void pre_nh_host_peer_mac(const struct fixture *f);
static void post_nh_clear(const struct fixture *f);
static void pre_nh_probe_gw(const struct fixture *f);
static void pre_nh_probe_other_gw(const struct fixture *f);
static void pre_nh_probe_no_neigh(const struct fixture *f);
static void post_nh_probe_clear(const struct fixture *f);

static const struct fixture fixtures[] = {
	/* ---- LOCAL: @vm:8080 -> @vm:18080 ---- */
	{
		.desc = "LOCAL: SYN to @vm:8080 goes up as @vm:18080, client address kept",
		.in = { TCP(M_CLIENT, M_VM, C1, 40000, VM, 8080, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40000, VM, 18080, TH_SYN) },
		.ct = CT_NEW, .id = ID_LOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "LOCAL: SYN-ACK from @vm:18080 leaves eth0 as @vm:8080, state SYN_RECV",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, VM, 18080, C1, 40000, TH_SYN | TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP(M_VM, M_CLIENT, VM, 8080, C1, 40000, TH_SYN | TH_ACK) },
		.ct = CT_HIT, .id = ID_LOCAL, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "LOCAL: the client's ACK completes the handshake: EST, no new connection",
		.in = { TCP(M_CLIENT, M_VM, C1, 40000, VM, 8080, TH_ACK), .paylen = 100 },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40000, VM, 18080, TH_ACK), .paylen = 100 },
		.ct = CT_HIT, .id = ID_LOCAL, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_EST,
	},
	{
		.desc = "LOCAL: data reply with payload translated, checksum right",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, VM, 18080, C1, 40000, TH_PSH | TH_ACK), .paylen = 333 },
		.verdict = V_PASS,
		.out = { TCP(M_VM, M_CLIENT, VM, 8080, C1, 40000, TH_PSH | TH_ACK), .paylen = 333 },
		.ct = CT_HIT, .id = ID_LOCAL, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_EST,
	},
	{
		.desc = "conntrack: FIN from the client moves both entries to FIN_WAIT",
		.in = { TCP(M_CLIENT, M_VM, C1, 40000, VM, 8080, TH_FIN | TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40000, VM, 18080, TH_FIN | TH_ACK) },
		.ct = CT_HIT, .id = ID_LOCAL, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_FIN_WAIT,
	},
	{
		.desc = "conntrack: FIN reply translated, FIN both ways: both entries TIME_WAIT",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, VM, 18080, C1, 40000, TH_FIN | TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP(M_VM, M_CLIENT, VM, 8080, C1, 40000, TH_FIN | TH_ACK) },
		.ct = CT_HIT, .id = ID_LOCAL, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_TIME_WAIT,
	},
	{
		.desc = "conntrack: RST at the receiver's last ACK translated, both entries CLOSED",
		.in = { TCP(M_CLIENT, M_VM, C1, 40000, VM, 8080, TH_RST | TH_ACK), .seq = 0x0a0b0c0d },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40000, VM, 18080, TH_RST | TH_ACK), .seq = 0x0a0b0c0d },
		.ct = CT_HIT, .id = ID_LOCAL, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_CLOSED,
	},
	{
		.desc = "conntrack: RST for no connection dropped (rst_no_conn)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40003, VM, 8080, TH_RST | TH_ACK) },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_RST_NO_CONN },
	},
	{
		.desc = "conntrack: ACK without an entry picked up, on the unreplied timeout (PICKUP)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40004, VM, 8080, TH_ACK), .paylen = 10 },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40004, VM, 18080, TH_ACK), .paylen = 10 },
		.ct = CT_NEW, .id = ID_LOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_PICKUP,
	},
	{
		.desc = "conntrack: reply of a picked-up flow translated, the other side seen: EST",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, VM, 18080, C1, 40004, TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP(M_VM, M_CLIENT, VM, 8080, C1, 40004, TH_ACK) },
		.ct = CT_HIT, .id = ID_LOCAL, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_EST,
	},
	{
		.desc = "conntrack: SYN of a flow the server closes",
		.in = { TCP(M_CLIENT, M_VM, C1, 40005, VM, 8080, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40005, VM, 18080, TH_SYN) },
		.ct = CT_NEW, .id = ID_LOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "conntrack: its SYN-ACK moves both entries to SYN_RECV",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, VM, 18080, C1, 40005, TH_SYN | TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP(M_VM, M_CLIENT, VM, 8080, C1, 40005, TH_SYN | TH_ACK) },
		.ct = CT_HIT, .id = ID_LOCAL, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "conntrack: FIN from the server moves both entries to FIN_WAIT",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, VM, 18080, C1, 40005, TH_FIN | TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP(M_VM, M_CLIENT, VM, 8080, C1, 40005, TH_FIN | TH_ACK) },
		.ct = CT_HIT, .id = ID_LOCAL, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_FIN_WAIT,
	},
	{
		.desc = "conntrack: RST from the server acknowledging what it did moves both to CLOSED",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, VM, 18080, C1, 40005, TH_RST | TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP(M_VM, M_CLIENT, VM, 8080, C1, 40005, TH_RST | TH_ACK) },
		.ct = CT_HIT, .id = ID_LOCAL, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_CLOSED,
	},
	{
		.desc = "pass-through: RST to an unmapped port untouched, not counted",
		.in = { TCP(M_CLIENT, M_VM, C1, 40006, VM, 9999, TH_RST) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "pass-through: RST to a SNAT-range port with no connection untouched",
		.in = { TCP(M_HOST, M_VM, HOST, 5432, VM, 65001, TH_RST) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "LOCAL: TTL untouched (not forwarded), TTL 1 still delivered",
		.in = { TCP(M_CLIENT, M_VM, C1, 40001, VM, 8080, TH_SYN), .ttl = 1 },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40001, VM, 18080, TH_SYN), .ttl = 1 },
		.ct = CT_NEW, .id = ID_LOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "LOCAL: Ethernet padding after the IP packet kept, not summed",
		.in = { TCP(M_CLIENT, M_VM, C1, 40002, VM, 8080, TH_SYN), .pad = 6 },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40002, VM, 18080, TH_SYN), .pad = 6 },
		.ct = CT_NEW, .id = ID_LOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
	},

	/* ---- BEHIND: @vm:4000 -> 172.17.0.2:80 ---- */
	{
		.desc = "BEHIND: SYN to @vm:4000 goes to 172.17.0.2:80 via the stack, client kept",
		.in = { TCP(M_CLIENT, M_VM, C1, 40010, VM, 4000, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40010, CTR, 80, TH_SYN) },
		.ct = CT_NEW, .id = ID_BEHIND, .kind = WF_KIND_BEHIND, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "BEHIND: SYN-ACK from 172.17.0.2:80 leaves eth0 as @vm:4000",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, CTR, 80, C1, 40010, TH_SYN | TH_ACK), .ttl = 63 },
		.verdict = V_PASS,
		.out = { TCP(M_VM, M_CLIENT, VM, 4000, C1, 40010, TH_SYN | TH_ACK), .ttl = 63 },
		.ct = CT_HIT, .id = ID_BEHIND, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "BEHIND: target without a neighbour entry still handed to the stack",
		.in = { TCP(M_CLIENT, M_VM, C1, 40011, VM, 4001, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40011, CTR2, 80, TH_SYN) },
		.ct = CT_NEW, .id = ID_BEHIND2, .kind = WF_KIND_BEHIND, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "BEHIND: IP options on a mapped flow kept, L4 found past them (ip_options)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40012, VM, 4000, TH_SYN), .ipopt = 2 },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40012, CTR, 80, TH_SYN), .ipopt = 2 },
		.ct = CT_NEW, .id = ID_BEHIND, .kind = WF_KIND_BEHIND, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_IP_OPTIONS },
	},

	/* ---- ONEARM: @vm:5000 -> @host:5432, @vm:5001 -> 172.29.16.5:5432 ---- */
	{
		.desc = "ONEARM @host: SYN leaves as @vm:snat -> @host:5432, neighbour MACs, TTL-1",
		.in = { TCP(M_CLIENT, M_VM, C1, 40020, VM, 5000, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_HOST, VM, SNAT(0), HOST, 5432, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_HOST, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "ONEARM @host: SYN-ACK returns to the client as @vm:5000, TTL-1, TX",
		.in = { TCP(M_HOST, M_VM, HOST, 5432, VM, SNAT(0), TH_SYN | TH_ACK), .ttl = 128 },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_CLIENT, VM, 5000, C1, 40020, TH_SYN | TH_ACK), .ttl = 127 },
		.ct = CT_HIT, .id = ID_HOST, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "ONEARM @host: next client packet reuses the SNAT port",
		.in = { TCP(M_CLIENT, M_VM, C1, 40020, VM, 5000, TH_ACK), .paylen = 50 },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_HOST, VM, SNAT(0), HOST, 5432, TH_ACK),
			 .ttl = 63, .paylen = 50 },
		.ct = CT_HIT, .id = ID_HOST, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_EST,
	},
	{
		.desc = "ONEARM peer: SYN to @vm:5001 goes to 172.29.16.5:5432 with the peer's MAC",
		.in = { TCP(M_CLIENT, M_VM, C1, 40021, VM, 5001, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_PEER, VM, SNAT(1), PEER, 5432, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_PEER, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "ONEARM peer: reply from 172.29.16.5:5432 returns to the client, TX",
		.in = { TCP(M_PEER, M_VM, PEER, 5432, VM, SNAT(1), TH_SYN | TH_ACK) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_CLIENT, VM, 5001, C1, 40021, TH_SYN | TH_ACK), .ttl = 63 },
		.ct = CT_HIT, .id = ID_PEER, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	/* ---- BEHIND through a device in wf_redirect: @vm:4100 -> 10.50.0.2:80 ---- */
	{
		.desc = "BEHIND via a wf_redirect device: SYN rewritten, route's MACs, TTL-1, XDP_REDIRECT",
		.in = { TCP(M_CLIENT, M_VM, C1, 40300, VM, 4100, TH_SYN) },
		.verdict = V_REDIRECT,
		.out = { TCP(M_RDEV, M_RTGT, C1, 40300, RTGT, 80, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_REDIR, .kind = WF_KIND_BEHIND, .state = WF_CT_TCP_SYN,
		.xdp_only = XDP_REDIR,
	},
	{
		.desc = "BEHIND via a wf_redirect device: SYN-ACK leaves eth0 as @vm:4100",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, RTGT, 80, C1, 40300, TH_SYN | TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP(M_VM, M_CLIENT, VM, 4100, C1, 40300, TH_SYN | TH_ACK) },
		.ct = CT_HIT, .id = ID_REDIR, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
		.xdp_only = XDP_REDIR,
	},
	{
		.desc = "BEHIND via a wf_redirect device: established ACK redirected, no FIB lookup",
		.in = { TCP(M_CLIENT, M_VM, C1, 40300, VM, 4100, TH_ACK), .paylen = 64 },
		.verdict = V_REDIRECT,
		.out = { TCP(M_RDEV, M_RTGT, C1, 40300, RTGT, 80, TH_ACK), .paylen = 64, .ttl = 63 },
		.ct = CT_HIT, .id = ID_REDIR, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_EST,
		.xdp_only = XDP_REDIR,
	},
	{
		.desc = "BEHIND via a wf_redirect device: TTL 1 goes to the stack untouched by redirect",
		.in = { TCP(M_CLIENT, M_VM, C1, 40300, VM, 4100, TH_ACK), .ttl = 1 },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40300, RTGT, 80, TH_ACK), .ttl = 1 },
		.ct = CT_HIT, .id = ID_REDIR, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_EST,
		.xdp_only = XDP_REDIR,
	},
	/* ---- XDP_REDIRECT sends only what the device takes (wf_dev_mtu: vethr 1400) ---- */
	{
		.desc = "BEHIND via a wf_redirect device: a datagram of exactly its wf_dev_mtu is redirected",
		.in = { TCP(M_CLIENT, M_VM, C1, 40300, VM, 4100, TH_ACK), .paylen = 1360 },
		.verdict = V_REDIRECT,
		.out = { TCP(M_RDEV, M_RTGT, C1, 40300, RTGT, 80, TH_ACK), .paylen = 1360, .ttl = 63 },
		.ct = CT_HIT, .id = ID_REDIR, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_EST,
		.xdp_only = XDP_REDIR,
	},
	{
		.desc = "BEHIND via a wf_redirect device: one byte over its wf_dev_mtu goes to the stack, counted redirect_mtu",
		.in = { TCP(M_CLIENT, M_VM, C1, 40300, VM, 4100, TH_ACK), .paylen = 1361 },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40300, RTGT, 80, TH_ACK), .paylen = 1361 },
		.ct = CT_HIT, .id = ID_REDIR, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_EST,
		.stat = { WF_EV_REDIRECT_MTU },
		.xdp_only = XDP_REDIR,
	},
	{
		.desc = "ONEARM snat never: SYN to @vm:5003 keeps the client as source, peer's MAC, TX",
		.in = { TCP(M_CLIENT, M_VM, C1, 40200, VM, 5003, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_PEER, C1, 40200, PEER, 5433, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_NEVER, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "ONEARM snat never: reply to the client's own port found by its source port, TX",
		.in = { TCP(M_PEER, M_VM, PEER, 5433, C1, 40200, TH_SYN | TH_ACK) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_CLIENT, VM, 5003, C1, 40200, TH_SYN | TH_ACK), .ttl = 63 },
		.ct = CT_HIT, .id = ID_NEVER, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "ONEARM: a second client to the same target gets another SNAT port",
		.in = { TCP(M_CLIENT2, M_VM, C2, 40020, VM, 5000, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_HOST, VM, SNAT(2), HOST, 5432, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_HOST, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
		.post = post_snat_distinct, .arg = { 0, 2 },
	},
	{
		.desc = "ONEARM: reply to the second client goes to its own MAC",
		.in = { TCP(M_HOST, M_VM, HOST, 5432, VM, SNAT(2), TH_SYN | TH_ACK) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_CLIENT2, VM, 5000, C2, 40020, TH_SYN | TH_ACK), .ttl = 63 },
		.ct = CT_HIT, .id = ID_HOST, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "ONEARM: IP options kept, L4 found past them, TTL-1 (ip_options)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40026, VM, 5000, TH_SYN), .ipopt = 1 },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_HOST, VM, SNAT(3), HOST, 5432, TH_SYN),
			 .ipopt = 1, .ttl = 63 },
		.ct = CT_NEW, .id = ID_HOST, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_IP_OPTIONS },
	},
	{
		.desc = "ONEARM: reply carrying IP options translated back (ip_options)",
		.in = { TCP(M_HOST, M_VM, HOST, 5432, VM, SNAT(3), TH_SYN | TH_ACK), .ipopt = 1 },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_CLIENT, VM, 5000, C1, 40026, TH_SYN | TH_ACK),
			 .ipopt = 1, .ttl = 63 },
		.ct = CT_HIT, .id = ID_HOST, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
		.stat = { WF_EV_IP_OPTIONS },
	},
	{
		.desc = "ONEARM: reply with TTL 1 answered: time exceeded from @vm (icmp_ttl_sent)",
		.in = { TCP(M_HOST, M_VM, HOST, 5432, VM, SNAT(0), TH_ACK), .ttl = 1 },
		.verdict = V_TX,
		.out = { TTL_REPLY(M_VM, M_HOST, HOST),
			 QUOTE(TCP(M_HOST, M_VM, HOST, 5432, VM, SNAT(0), TH_ACK), .ttl = 1) },
		.ct = CT_SKIP, .stat = { WF_EV_ICMP_TTL_SENT },
	},
	{
		.desc = "ONEARM: SYN with TTL 1 answered: time exceeded, no connection",
		.in = { TCP(M_CLIENT, M_VM, C1, 40023, VM, 5000, TH_SYN), .ttl = 1 },
		.verdict = V_TX,
		.out = { TTL_REPLY(M_VM, M_CLIENT, C1),
			 QUOTE(TCP(M_CLIENT, M_VM, C1, 40023, VM, 5000, TH_SYN), .ttl = 1) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TTL_SENT },
	},
	{
		.desc = "ONEARM: TTL 1 beyond the rate limit of answers dropped (ttl)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40029, VM, 5000, TH_SYN), .ttl = 1 },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_TTL },
		.pre = pre_icmp_exhaust, .post = post_icmp_refill,
	},
	{
		.desc = "ONEARM: TTL 1 from a broadcast source not answered, dropped (ttl)",
		.in = { TCP(M_CLIENT, M_VM, IP4(255, 255, 255, 255), 40030, VM, 5000, TH_SYN),
			.ttl = 1 },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_TTL },
	},
	{
		.desc = "ONEARM: TTL 1 with IP options not answered, dropped (ttl)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40028, VM, 5000, TH_SYN), .ttl = 1, .ipopt = 1 },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_TTL },
	},
	{
		.desc = "ONEARM: target on eth0's link without a neighbour dropped (no_neigh)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40024, VM, 7000, TH_SYN) },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_NO_NEIGH },
	},
	{
		.desc = "forwarding off on eth0: one-arm target dropped (fwd_disabled), not sent",
		.in = { TCP(M_CLIENT, M_VM, C1, 40126, VM, 5000, TH_SYN) },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_FWD_DISABLED },
		.pre = pre_fwd_off, .post = post_fwd_on,
	},
	{
		.desc = "forwarding off on eth0: @vm target still forwarded (no FIB lookup)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40127, VM, 8080, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40127, VM, 18080, TH_SYN) },
		.ct = CT_NEW, .id = ID_LOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
		.pre = pre_fwd_off, .post = post_fwd_on,
	},
	{
		.desc = "unroutable target dropped (fib)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40025, VM, 8443, TH_SYN) },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_FIB },
	},
	{
		.desc = "SNAT range port without an entry passes untouched",
		.in = { TCP(M_HOST, M_VM, HOST, 1234, VM, 65000, TH_ACK) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},

	/* ---- UDP ---- */
	{
		.desc = "UDP LOCAL: checksum 0 stays 0 after the port rewrite",
		.in = { UDP(M_CLIENT, M_VM, C1, 50000, VM, 5353), .csum = CS_ZERO },
		.verdict = V_PASS,
		.out = { UDP(M_CLIENT, M_VM, C1, 50000, VM, 15353), .csum = CS_ZERO },
		.ct = CT_NEW, .id = ID_ULOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_UDP,
	},
	{
		.desc = "UDP LOCAL: reply with checksum 0 leaves as @vm:5353, still 0, REPLIED",
		.hook = H_EG,
		.in = { UDP(M_VM, M_CLIENT, VM, 15353, C1, 50000), .csum = CS_ZERO },
		.verdict = V_PASS,
		.out = { UDP(M_VM, M_CLIENT, VM, 5353, C1, 50000), .csum = CS_ZERO },
		.ct = CT_HIT, .id = ID_ULOCAL, .dir = WF_DIR_REPLY, .state = WF_CT_UDP_REPLIED,
	},
	{
		.desc = "UDP LOCAL: checksum correct after the port rewrite",
		.in = { UDP(M_CLIENT, M_VM, C1, 50001, VM, 5353) },
		.verdict = V_PASS,
		.out = { UDP(M_CLIENT, M_VM, C1, 50001, VM, 15353) },
		.ct = CT_NEW, .id = ID_ULOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_UDP,
	},
	{
		.desc = "UDP LOCAL: reply checksum correct after rewrite",
		.hook = H_EG,
		.in = { UDP(M_VM, M_CLIENT, VM, 15353, C1, 50001) },
		.verdict = V_PASS,
		.out = { UDP(M_VM, M_CLIENT, VM, 5353, C1, 50001) },
		.ct = CT_HIT, .id = ID_ULOCAL, .dir = WF_DIR_REPLY, .state = WF_CT_UDP_REPLIED,
	},
	{
		.desc = "UDP ONEARM: checksum 0 stays 0 with addresses and ports rewritten",
		.in = { UDP(M_CLIENT, M_VM, C1, 50002, VM, 6000), .csum = CS_ZERO },
		.verdict = V_TX,
		.out = { UDP(M_VM, M_HOST, VM, SNAT(4), HOST, 6001), .csum = CS_ZERO, .ttl = 63 },
		.ct = CT_NEW, .id = ID_UHOST, .kind = WF_KIND_ONEARM, .state = WF_CT_UDP,
	},
	{
		.desc = "UDP ONEARM: reply with checksum 0 returns to the client, still 0",
		.in = { UDP(M_HOST, M_VM, HOST, 6001, VM, SNAT(4)), .csum = CS_ZERO },
		.verdict = V_TX,
		.out = { UDP(M_VM, M_CLIENT, VM, 6000, C1, 50002), .csum = CS_ZERO, .ttl = 63 },
		.ct = CT_HIT, .id = ID_UHOST, .dir = WF_DIR_REPLY, .state = WF_CT_UDP_REPLIED,
	},
	{
		.desc = "UDP ONEARM: checksum correct with addresses and ports rewritten",
		.in = { UDP(M_CLIENT, M_VM, C1, 50003, VM, 6000) },
		.verdict = V_TX,
		.out = { UDP(M_VM, M_HOST, VM, SNAT(5), HOST, 6001), .ttl = 63 },
		.ct = CT_NEW, .id = ID_UHOST, .kind = WF_KIND_ONEARM, .state = WF_CT_UDP,
	},
	{
		.desc = "UDP ONEARM: reply checksum correct",
		.in = { UDP(M_HOST, M_VM, HOST, 6001, VM, SNAT(5)) },
		.verdict = V_TX,
		.out = { UDP(M_VM, M_CLIENT, VM, 6000, C1, 50003), .ttl = 63 },
		.ct = CT_HIT, .id = ID_UHOST, .dir = WF_DIR_REPLY, .state = WF_CT_UDP_REPLIED,
	},
	{
		.desc = "UDP LOCAL: rewrite whose checksum computes to 0 sends 0xffff",
		.in = { UDP(M_CLIENT, M_VM, C1, ZPORT(0), VM, 5353) },
		.verdict = V_PASS,
		.out = { UDP(M_CLIENT, M_VM, C1, ZPORT(0), VM, 15353) },
		.ct = CT_NEW, .id = ID_ULOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_UDP,
	},
	{
		.desc = "UDP LOCAL: request with checksum 0xffff translated",
		.in = { UDP(M_CLIENT, M_VM, C1, ZPORT(1), VM, 5353) },
		.verdict = V_PASS,
		.out = { UDP(M_CLIENT, M_VM, C1, ZPORT(1), VM, 15353) },
		.ct = CT_NEW, .id = ID_ULOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_UDP,
	},
	{
		.desc = "UDP LOCAL: reply whose checksum computes to 0 sends 0xffff (tc egress)",
		.hook = H_EG,
		.in = { UDP(M_VM, M_CLIENT, VM, 15353, C1, ZPORT(1)) },
		.verdict = V_PASS,
		.out = { UDP(M_VM, M_CLIENT, VM, 5353, C1, ZPORT(1)) },
		.ct = CT_HIT, .id = ID_ULOCAL, .dir = WF_DIR_REPLY, .state = WF_CT_UDP_REPLIED,
	},
	{
		.desc = "UDP ONEARM: request for the 0xffff reply case",
		.in = { UDP(M_CLIENT, M_VM, C1, ZPORT(2), VM, 6000) },
		.verdict = V_TX,
		.out = { UDP(M_VM, M_HOST, VM, SNAT(9), HOST, 6001), .ttl = 63 },
		.ct = CT_NEW, .id = ID_UHOST, .kind = WF_KIND_ONEARM, .state = WF_CT_UDP,
	},
	{
		.desc = "UDP ONEARM: reply whose checksum computes to 0 sends 0xffff",
		.in = { UDP(M_HOST, M_VM, HOST, 6001, VM, SNAT(9)) },
		.verdict = V_TX,
		.out = { UDP(M_VM, M_CLIENT, VM, 6000, C1, ZPORT(2)), .ttl = 63 },
		.ct = CT_HIT, .id = ID_UHOST, .dir = WF_DIR_REPLY, .state = WF_CT_UDP_REPLIED,
	},
	{
		.desc = "pass-through: UDP to a TCP-only mapped port untouched",
		.in = { UDP(M_CLIENT, M_VM, C1, 50004, VM, 8080) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},

	/* ---- Fragments of mapped flows (bpf/lib/frag.h) ----
	 * A 1808-byte UDP (1820-byte TCP) datagram in two fragments, cut from
	 * the datagram built whole: the first carries the L4 header and the
	 * checksum over all of it, the later one 328 (340) bytes of payload.
	 * Each datagram has an IP id of its own. */
	{
		.desc = "fragment LOCAL: first fragment translated like the flow, connection created",
		.in = { UDPF(M_CLIENT, M_VM, C1, 50440, VM, 5353), FIRST(0x1001) },
		.verdict = V_PASS,
		.out = { UDPF(M_CLIENT, M_VM, C1, 50440, VM, 15353), FIRST(0x1001) },
		.ct = CT_NEW, .id = ID_ULOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_UDP,
	},
	{
		.desc = "fragment LOCAL: later fragment goes up as its first (frag_translated)",
		.in = { UDPF(M_CLIENT, M_VM, C1, 50440, VM, 5353), LATER_U(0x1001) },
		.verdict = V_PASS, .same = true,
		.ct = CT_FRAG, .id = ID_ULOCAL, .dir = WF_DIR_ORIG,
		.stat = { WF_EV_FRAG_TRANSLATED },
	},
	{
		.desc = "fragment LOCAL: first fragment of the reply leaves as @vm:5353",
		.hook = H_EG,
		.in = { UDPF(M_VM, M_CLIENT, VM, 15353, C1, 50440), FIRST(0x2001) },
		.verdict = V_PASS,
		.out = { UDPF(M_VM, M_CLIENT, VM, 5353, C1, 50440), FIRST(0x2001) },
		.ct = CT_HIT, .id = ID_ULOCAL, .dir = WF_DIR_REPLY, .state = WF_CT_UDP_REPLIED,
	},
	{
		.desc = "fragment LOCAL: later fragment of the reply leaves as its first",
		.hook = H_EG,
		.in = { UDPF(M_VM, M_CLIENT, VM, 15353, C1, 50440), LATER_U(0x2001) },
		.verdict = V_PASS, .same = true,
		.ct = CT_FRAG, .id = ID_ULOCAL, .dir = WF_DIR_REPLY,
		.stat = { WF_EV_FRAG_TRANSLATED },
	},
	{
		.desc = "fragment ONEARM: first fragment full-NATed to @host, TTL-1, TX",
		.in = { UDPF(M_CLIENT, M_VM, C1, 50441, VM, 6000), FIRST(0x1002) },
		.verdict = V_TX,
		.out = { UDPF(M_VM, M_HOST, VM, SNAT(26), HOST, 6001), FIRST(0x1002), .ttl = 63 },
		.ct = CT_NEW, .id = ID_UHOST, .kind = WF_KIND_ONEARM, .state = WF_CT_UDP,
	},
	{
		.desc = "fragment ONEARM: later fragment gets addresses, MACs, TTL-1, TX",
		.in = { UDPF(M_CLIENT, M_VM, C1, 50441, VM, 6000), LATER_U(0x1002) },
		.verdict = V_TX,
		.out = { UDPF(M_VM, M_HOST, VM, 1, HOST, 1), LATER_U(0x1002), .ttl = 63 },
		.ct = CT_FRAG, .id = ID_UHOST, .dir = WF_DIR_ORIG,
		.stat = { WF_EV_FRAG_TRANSLATED },
	},
	{
		.desc = "fragment ONEARM: later fragment with TTL 1 dropped (ttl)",
		.in = { UDPF(M_CLIENT, M_VM, C1, 50441, VM, 6000), LATER_U(0x1002), .ttl = 1 },
		.verdict = V_DROP, .ct = CT_KEEP,
		.stat = { WF_DROP_TTL },
	},
	{
		.desc = "fragment ONEARM: first fragment of the reply back to the client, TX",
		.in = { UDPF(M_HOST, M_VM, HOST, 6001, VM, SNAT(26)), FIRST(0x3001), .ttl = 128 },
		.verdict = V_TX,
		.out = { UDPF(M_VM, M_CLIENT, VM, 6000, C1, 50441), FIRST(0x3001), .ttl = 127 },
		.ct = CT_HIT, .id = ID_UHOST, .dir = WF_DIR_REPLY, .state = WF_CT_UDP_REPLIED,
	},
	{
		.desc = "fragment ONEARM: later fragment of the reply back to the client, TX",
		.in = { UDPF(M_HOST, M_VM, HOST, 6001, VM, 1), LATER_U(0x3001), .ttl = 128 },
		.verdict = V_TX,
		.out = { UDPF(M_VM, M_CLIENT, VM, 1, C1, 1), LATER_U(0x3001), .ttl = 127 },
		.ct = CT_FRAG, .id = ID_UHOST, .dir = WF_DIR_REPLY,
		.stat = { WF_EV_FRAG_TRANSLATED },
	},
	{
		.desc = "fragment BEHIND: TCP first fragment to the container via the stack",
		.in = { TCP(M_CLIENT, M_VM, C1, 40440, VM, 4000, TH_ACK), FIRST(0x1003) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40440, CTR, 80, TH_ACK), FIRST(0x1003) },
		.ct = CT_NEW, .id = ID_BEHIND, .kind = WF_KIND_BEHIND, .state = WF_CT_TCP_PICKUP,
	},
	{
		.desc = "fragment BEHIND: later fragment to the container, TTL left to the stack",
		.in = { TCP(M_CLIENT, M_VM, C1, 40440, VM, 4000, TH_ACK), LATER_T(0x1003) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 1, CTR, 1, TH_ACK), LATER_T(0x1003) },
		.ct = CT_FRAG, .id = ID_BEHIND, .dir = WF_DIR_ORIG,
		.stat = { WF_EV_FRAG_TRANSLATED },
	},
	{
		.desc = "fragment BEHIND: first fragment of the reply leaves eth0 as @vm:4000",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, CTR, 80, C1, 40440, TH_ACK), FIRST(0x2002), .ttl = 63 },
		.verdict = V_PASS,
		.out = { TCP(M_VM, M_CLIENT, VM, 4000, C1, 40440, TH_ACK), FIRST(0x2002), .ttl = 63 },
		.ct = CT_HIT, .id = ID_BEHIND, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_EST,
	},
	{
		.desc = "fragment BEHIND: later fragment of the reply leaves eth0 from @vm",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, CTR, 1, C1, 1, TH_ACK), LATER_T(0x2002), .ttl = 63 },
		.verdict = V_PASS,
		.out = { TCP(M_VM, M_CLIENT, VM, 1, C1, 1, TH_ACK), LATER_T(0x2002), .ttl = 63 },
		.ct = CT_FRAG, .id = ID_BEHIND, .dir = WF_DIR_REPLY,
		.stat = { WF_EV_FRAG_TRANSLATED },
	},
	{
		.desc = "fragment BEHIND via a wf_redirect device: first fragment takes the stack",
		.in = { TCP(M_CLIENT, M_VM, C1, 40441, VM, 4100, TH_ACK), FIRST(0x1004) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40441, RTGT, 80, TH_ACK), FIRST(0x1004) },
		.ct = CT_NEW, .id = ID_REDIR, .kind = WF_KIND_BEHIND, .state = WF_CT_TCP_PICKUP,
	},
	{
		.desc = "fragment BEHIND via a wf_redirect device: later fragment takes the stack",
		.in = { TCP(M_CLIENT, M_VM, C1, 40441, VM, 4100, TH_ACK), LATER_T(0x1004) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 1, RTGT, 1, TH_ACK), LATER_T(0x1004) },
		.ct = CT_FRAG, .id = ID_REDIR, .dir = WF_DIR_ORIG,
		.stat = { WF_EV_FRAG_TRANSLATED },
	},
	{
		.desc = "fragment out of order: later fragment before its first passes untouched (frag_passed)",
		.in = { UDPF(M_CLIENT, M_VM, C1, 50442, VM, 6000), LATER_U(0x1005) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
		.stat = { WF_EV_FRAG_PASSED },
	},
	{
		.desc = "fragment out of order: its first fragment still translated, TX",
		.in = { UDPF(M_CLIENT, M_VM, C1, 50442, VM, 6000), FIRST(0x1005) },
		.verdict = V_TX,
		.out = { UDPF(M_VM, M_HOST, VM, SNAT(27), HOST, 6001), FIRST(0x1005), .ttl = 63 },
		.ct = CT_NEW, .id = ID_UHOST, .kind = WF_KIND_ONEARM, .state = WF_CT_UDP,
	},
	{
		.desc = "fragment: later fragment after the entry's 30 s passes untouched (frag_passed)",
		.in = { UDPF(M_CLIENT, M_VM, C1, 50442, VM, 6000), LATER_U(0x1005) },
		.verdict = V_PASS, .same = true, .ct = CT_KEEP,
		.stat = { WF_EV_FRAG_PASSED },
		.pre = pre_frag_age,
	},
	{
		.desc = "fragment not ours: later fragment of an unknown datagram passes untouched",
		.in = { UDPF(M_CLIENT, M_VM, C1, 50443, VM, 9999), LATER_U(0x1006) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
		.stat = { WF_EV_FRAG_PASSED },
	},
	{
		.desc = "fragment not ours: first fragment to an unmapped port passes untouched",
		.in = { UDPF(M_CLIENT, M_VM, C1, 50444, VM, 9999), FIRST(0x1007) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "fragment not ours: ... and its later fragment too (frag_passed)",
		.in = { UDPF(M_CLIENT, M_VM, C1, 50444, VM, 9999), LATER_U(0x1007) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
		.stat = { WF_EV_FRAG_PASSED },
	},
	{
		.desc = "fragment not ours: egress later fragment passes untouched, not counted",
		.hook = H_EG,
		.in = { UDPF(M_VM, M_CLIENT, VM, 15353, C1, 50445), LATER_U(0x2003) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "fragment dropped: first fragment from outside the allow list (not_allowed)",
		.in = { TCP(M_CLIENT, M_VM, COUT, 40442, VM, 9000, TH_ACK), FIRST(0x1008) },
		.verdict = V_DROP, .ct = CT_NONE,
		.stat = { WF_DROP_NOT_ALLOWED },
	},
	{
		.desc = "fragment dropped: ... its later fragment too, same reason (not_allowed)",
		.in = { TCP(M_CLIENT, M_VM, COUT, 40442, VM, 9000, TH_ACK), LATER_T(0x1008) },
		.verdict = V_DROP, .ct = CT_NONE,
		.stat = { WF_DROP_NOT_ALLOWED },
	},
	{
		.desc = "fragment: DF flag alone is not a fragment, translated",
		.in = { TCP(M_CLIENT, M_VM, C1, 40041, VM, 8080, TH_SYN), .frag = IP_DF_ },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40041, VM, 18080, TH_SYN), .frag = IP_DF_ },
		.ct = CT_NEW, .id = ID_LOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
	},
	/* XDP modes run wf_tc_lo_ingress after XDP on every frame XDP passed:
	 * it must count nothing XDP counted. */
	{
		.desc = "counted once: malformed frame after XDP, not counted again",
		.hook = H_LO,
		.in = { TCP(M_CLIENT, M_VM, C1, 40443, VM, 8080, TH_SYN), .ihl = 4 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "counted once: later fragment after XDP, not counted again",
		.hook = H_LO,
		.in = { UDPF(M_CLIENT, M_VM, C1, 50446, VM, 5353), LATER_U(0x1009) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},

	/* ---- VLAN: tagged frames are not ours in every mode ----
	 * XDP sees the tag in the frame; tc in skb metadata (mtag), with the
	 * frame itself untagged. 802.1Q, 802.1ad and priority-tagged (VID 0)
	 * frames to a mapped port, and a tagged reply of a tracked flow. */
	{
		.desc = "VLAN 802.1Q VID 100: TCP to a mapped port untouched, no connection",
		.in = { TCP(M_CLIENT, M_VM, C1, 40450, VM, 8080, TH_SYN), .vlan = 100 },
		.mtag = true,
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "VLAN 802.1ad VID 200: UDP to a mapped port untouched, no connection",
		.in = { UDP(M_CLIENT, M_VM, C1, 50450, VM, 6000), .vlan_tpid = 0x88a8, .vlan = 200 },
		.mtag = true,
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "VLAN priority-tagged (VID 0, PCP 5): TCP to a mapped port untouched",
		.in = { TCP(M_CLIENT, M_VM, C1, 40451, VM, 4000, TH_SYN), .vlan_tpid = 0x8100,
			.vlan = 5 << 13 },
		.mtag = true,
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "VLAN 802.1Q VID 100: later fragment of a translated datagram untouched",
		.in = { UDPF(M_CLIENT, M_VM, C1, 50441, VM, 6000), LATER_U(0x1002), .vlan = 100 },
		.mtag = true,
		.verdict = V_PASS, .same = true, .ct = CT_KEEP,
	},
	{
		.desc = "VLAN 802.1Q VID 100: egress reply of a tracked flow untouched",
		.hook = H_EG,
		.in = { UDP(M_VM, M_CLIENT, VM, 15353, C1, 50440), .vlan = 100 },
		.mtag = true,
		.verdict = V_PASS, .same = true, .ct = CT_KEEP,
	},

	/* ---- Allow list ---- */
	{
		.desc = "allow: source inside 172.29.18.0/24 forwarded",
		.in = { TCP(M_CLIENT, M_VM, C1, 40050, VM, 9000, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40050, CTR, 9000, TH_SYN) },
		.ct = CT_NEW, .id = ID_ALLOW, .kind = WF_KIND_BEHIND, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "allow: source outside dropped (not_allowed); other ids' CIDRs ignored",
		.in = { TCP(M_CLIENT, M_VM, COUT, 40051, VM, 9000, TH_SYN) },
		.verdict = V_DROP, .ct = CT_NONE,
		.stat = { WF_DROP_NOT_ALLOWED },
	},

	/* ---- Addresses ---- */
	{
		.desc = "pass-through: mapped port on another address untouched",
		.in = { TCP(M_CLIENT, M_VM, C1, 40060, OTHER, 8080, TH_SYN) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "@vm target dropped while @vm is unknown (no_addr)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40061, VM, 8082, TH_SYN) },
		.verdict = V_DROP, .ct = CT_NONE,
		.stat = { WF_DROP_NO_ADDR },
		.pre = pre_no_vm, .post = post_info_restore,
	},
	{
		.desc = "@host target dropped while @host is unknown (no_addr)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40062, VM, 5000, TH_SYN) },
		.verdict = V_DROP, .ct = CT_NONE,
		.stat = { WF_DROP_NO_ADDR },
		.pre = pre_no_host, .post = post_info_restore,
	},
	{
		.desc = "literal-address mapping to @vm forwarded once @vm is known",
		.in = { TCP(M_CLIENT, M_VM, C1, 40063, VM, 8082, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40063, VM, 18082, TH_SYN) },
		.ct = CT_NEW, .id = ID_LITVM, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
	},

	{
		.desc = "LOCAL: target that is docker0's own address (FIB: not forwarded)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40064, VM, 8084, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40064, DOCKER0, 80, TH_SYN) },
		.ct = CT_NEW, .id = ID_LOCAL2, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "LOCAL: reply from docker0's address leaves as @vm:8084",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, DOCKER0, 80, C1, 40064, TH_SYN | TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP(M_VM, M_CLIENT, VM, 8084, C1, 40064, TH_SYN | TH_ACK) },
		.ct = CT_HIT, .id = ID_LOCAL2, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "literal LADDR mapping wins over the @vm one on the same port",
		.in = { TCP(M_CLIENT, M_VM, C1, 40065, VM, 8083, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40065, VM, 18083, TH_SYN) },
		.ct = CT_NEW, .id = ID_PREC_LIT, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "ONEARM needs @vm as source: dropped while @vm is unknown (no_addr)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40066, VM, 5002, TH_SYN) },
		.verdict = V_DROP, .ct = CT_NONE,
		.stat = { WF_DROP_NO_ADDR },
		.pre = pre_no_vm, .post = post_info_restore,
	},
	{
		.desc = "@vm mapping not applied while @vm is unknown: passes untouched",
		.in = { TCP(M_CLIENT, M_VM, C1, 40067, VM, 8080, TH_SYN) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
		.pre = pre_no_vm, .post = post_info_restore,
	},

	/* ---- Pass-through, bit for bit ---- */
	{
		.desc = "pass-through: ARP request untouched",
		.in = { .kind = K_ARP, .smac = M_CLIENT, .dmac = M_BCAST,
			.saddr = C1, .daddr = VM },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "pass-through: IPv6 TCP to port 8080 (mapped for IPv4 only) untouched",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 40070, VM6, 8080, TH_SYN) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "pass-through: ICMP echo to @vm untouched",
		.in = { .kind = K_IP4, .smac = M_CLIENT, .dmac = M_VM, .proto = 1, .saddr = C1,
			.daddr = VM, .paylen = 32 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "pass-through: TCP to an unmapped @vm port untouched",
		.in = { TCP(M_CLIENT, M_VM, C1, 40071, VM, 9999, TH_SYN) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "pass-through: VLAN-tagged TCP to a mapped port untouched",
		.in = { TCP(M_CLIENT, M_VM, C1, 40072, VM, 8080, TH_SYN), .vlan = 5 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "egress pass-through: TCP from an unmapped port untouched",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, VM, 22, C1, 40073, TH_ACK) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "egress pass-through: from a target port without an entry untouched",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, VM, 18080, C1, 40074, TH_SYN | TH_ACK) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "egress pass-through: ARP untouched",
		.hook = H_EG,
		.in = { .kind = K_ARP, .smac = M_VM, .dmac = M_BCAST, .saddr = VM, .daddr = HOST },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "egress pass-through: an ONEARM reply already translated untouched",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, VM, 5000, C1, 40020, TH_ACK), .ttl = 63 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},

	/* ---- Malformed: pass untouched, counted ---- */
	{
		.desc = "malformed: ihl < 5 passes untouched (malformed)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40080, VM, 8080, TH_SYN), .ihl = 4 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
		.stat = { WF_DROP_MALFORMED },
	},
	{
		.desc = "malformed: ihl beyond the frame passes untouched (malformed)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40081, VM, 8080, TH_SYN), .ihl = 15 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
		.stat = { WF_DROP_MALFORMED },
	},
	{
		.desc = "malformed: tot_len < header passes untouched (malformed)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40082, VM, 8080, TH_SYN), .tot_len = 19 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
		.stat = { WF_DROP_MALFORMED },
	},
	{
		.desc = "malformed: tot_len beyond the frame passes untouched (malformed)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40083, VM, 8080, TH_SYN), .tot_len = 200 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
		.stat = { WF_DROP_MALFORMED },
	},
	{
		.desc = "malformed: truncated TCP header passes untouched (malformed)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40084, VM, 8080, TH_SYN), .tot_len = 30,
			.cut = ETH_HLEN_ + 30 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
		.stat = { WF_DROP_MALFORMED },
	},
	{
		.desc = "malformed: truncated UDP header passes untouched (malformed)",
		.in = { UDP(M_CLIENT, M_VM, C1, 50084, VM, 5353), .tot_len = 24,
			.cut = ETH_HLEN_ + 24 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
		.stat = { WF_DROP_MALFORMED },
	},
	{
		.desc = "malformed: TCP doff < 5 passes untouched (malformed)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40085, VM, 8080, TH_SYN), .doff = 4 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
		.stat = { WF_DROP_MALFORMED },
	},
	{
		.desc = "malformed: TCP doff beyond the segment passes untouched",
		.in = { TCP(M_CLIENT, M_VM, C1, 40086, VM, 8080, TH_SYN), .doff = 15 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
		.stat_any = WF_DROP_MALFORMED,
	},
	{
		.desc = "malformed: IPv4 header cut short by the frame passes untouched",
		.in = { TCP(M_CLIENT, M_VM, C1, 40087, VM, 8080, TH_SYN), .cut = ETH_HLEN_ + 10 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
		.stat_any = WF_DROP_MALFORMED, .xdp_only = SHORT_SKB,
	},
	{
		.desc = "malformed: Ethernet header only (IPv4 ethertype) passes untouched",
		.in = { .kind = K_ETH_ONLY, .smac = M_CLIENT, .dmac = M_VM },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
		.stat_any = WF_DROP_MALFORMED, .xdp_only = SHORT_SKB,
	},
	{
		.desc = "egress malformed: ihl < 5 passes untouched (malformed)",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, VM, 18080, C1, 40000, TH_ACK), .ihl = 4 },
		.verdict = V_PASS, .same = true, .ct = CT_SKIP,
		.stat = { WF_DROP_MALFORMED },
	},

	/* ---- Conntrack: pairs, TCP states, RST rule, races (issue 10) ---- */
	{
		.desc = "ct pair: UDP flow whose server stays quiet",
		.in = { UDP(M_CLIENT, M_VM, C1, 50500, VM, 5353) },
		.verdict = V_PASS,
		.out = { UDP(M_CLIENT, M_VM, C1, 50500, VM, 15353) },
		.ct = CT_NEW, .id = ID_ULOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_UDP,
	},
	{
		.desc = "ct pair: 20 s later the client's packet refreshes the REPLY half too",
		.in = { UDP(M_CLIENT, M_VM, C1, 50500, VM, 5353) },
		.verdict = V_PASS,
		.out = { UDP(M_CLIENT, M_VM, C1, 50500, VM, 15353) },
		.ct = CT_HIT, .id = ID_ULOCAL, .dir = WF_DIR_ORIG, .state = WF_CT_UDP,
		.pre = pre_age_n, .post = post_peer_fresh, .arg = { 20 },
	},
	{
		.desc = "ct pair: the server answers 40 s after its entry was made: alive, translated",
		.hook = H_EG,
		.in = { UDP(M_VM, M_CLIENT, VM, 15353, C1, 50500) },
		.verdict = V_PASS,
		.out = { UDP(M_VM, M_CLIENT, VM, 5353, C1, 50500) },
		.ct = CT_HIT, .id = ID_ULOCAL, .dir = WF_DIR_REPLY, .state = WF_CT_UDP_REPLIED,
		.pre = pre_age_n, .arg = { 20 },
	},
	{
		.desc = "ct pair: SYN of a flow whose ORIG half will be lost",
		.in = { TCP(M_CLIENT, M_VM, C1, 40500, VM, 8080, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40500, VM, 18080, TH_SYN) },
		.ct = CT_NEW, .id = ID_LOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "ct pair: ORIG lost, the SYN-ACK still translated and ORIG re-created (ct_restored)",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, VM, 18080, C1, 40500, TH_SYN | TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP(M_VM, M_CLIENT, VM, 8080, C1, 40500, TH_SYN | TH_ACK) },
		.ct = CT_SKIP, .id = ID_LOCAL, .state = WF_CT_TCP_SYN_RECV,
		.stat = { WF_EV_CT_RESTORED },
		.pre = pre_drop_peer, .post = post_pair_ok,
	},
	{
		.desc = "ct pair: the re-created ORIG half carries the client's ACK: EST",
		.in = { TCP(M_CLIENT, M_VM, C1, 40500, VM, 8080, TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40500, VM, 18080, TH_ACK) },
		.ct = CT_HIT, .id = ID_LOCAL, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_EST,
	},
	{
		.desc = "ct pair: ONEARM SYN of a flow whose REPLY half will be lost",
		.in = { TCP(M_CLIENT, M_VM, C1, 40510, VM, 5000, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_HOST, VM, SNAT(40), HOST, 5432, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_HOST, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "ct pair: ONEARM SYN-ACK, SYN_RECV",
		.in = { TCP(M_HOST, M_VM, HOST, 5432, VM, SNAT(40), TH_SYN | TH_ACK) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_CLIENT, VM, 5000, C1, 40510, TH_SYN | TH_ACK), .ttl = 63 },
		.ct = CT_HIT, .id = ID_HOST, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "ct pair: REPLY lost, the client's ACK re-creates it (ct_restored), EST",
		.in = { TCP(M_CLIENT, M_VM, C1, 40510, VM, 5000, TH_ACK) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_HOST, VM, SNAT(40), HOST, 5432, TH_ACK), .ttl = 63 },
		.ct = CT_SKIP, .id = ID_HOST, .state = WF_CT_TCP_EST,
		.stat = { WF_EV_CT_RESTORED },
		.pre = pre_drop_peer, .post = post_pair_ok,
	},
	{
		.desc = "ct pair: the re-created REPLY half sends to the client's MAC, TX",
		.in = { TCP(M_HOST, M_VM, HOST, 5432, VM, SNAT(40), TH_ACK), .paylen = 20 },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_CLIENT, VM, 5000, C1, 40510, TH_ACK), .ttl = 63, .paylen = 20 },
		.ct = CT_HIT, .id = ID_HOST, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_EST,
	},
	{
		.desc = "ct pair: ORIG lost, the client's next segment re-creates it ESTABLISHED like its REPLY",
		.in = { TCP(M_CLIENT, M_VM, C1, 40510, VM, 5000, TH_ACK), .paylen = 20 },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_HOST, VM, SNAT(40), HOST, 5432, TH_ACK), .ttl = 63, .paylen = 20 },
		.ct = CT_SKIP, .id = ID_HOST, .state = WF_CT_TCP_EST,
		.stat = { WF_EV_CT_NEW },
		.pre = pre_delete_self, .post = post_pair_ok,
	},
	{
		.desc = "ct pair: ORIG lost, a SYN on the tuple starts it over: both SYN_SENT",
		.in = { TCP(M_CLIENT, M_VM, C1, 40510, VM, 5000, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_HOST, VM, SNAT(40), HOST, 5432, TH_SYN), .ttl = 63 },
		.ct = CT_SKIP, .id = ID_HOST, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CT_NEW },
		.pre = pre_delete_self, .post = post_pair_ok,
	},
	{
		.desc = "ct pair: REPLY key taken by another connection: ORIG dropped, not sent (ct_clash)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40510, VM, 5000, TH_ACK) },
		.verdict = V_DROP, .ct = CT_SKIP,
		.stat = { WF_DROP_CT_CLASH },
		.pre = pre_clash_peer, .post = post_gone,
	},
	{
		.desc = "tcp: SYN of a half-closed connection",
		.in = { TCP(M_CLIENT, M_VM, C1, 40520, VM, 8080, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40520, VM, 18080, TH_SYN) },
		.ct = CT_NEW, .id = ID_LOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "tcp: SYN-ACK alone is not ESTABLISHED (SYN_RECV)",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, VM, 18080, C1, 40520, TH_SYN | TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP(M_VM, M_CLIENT, VM, 8080, C1, 40520, TH_SYN | TH_ACK) },
		.ct = CT_HIT, .id = ID_LOCAL, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "tcp: SYN_RECV idle 50 s has not expired (60 s)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40520, VM, 8080, TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40520, VM, 18080, TH_ACK) },
		.ct = CT_HIT, .id = ID_LOCAL, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_EST,
		.pre = pre_age_n, .arg = { 50 },
	},
	{
		.desc = "tcp: client's FIN: FIN_WAIT",
		.in = { TCP(M_CLIENT, M_VM, C1, 40520, VM, 8080, TH_FIN | TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40520, VM, 18080, TH_FIN | TH_ACK) },
		.ct = CT_HIT, .id = ID_LOCAL, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_FIN_WAIT,
	},
	{
		.desc = "tcp: the server's ACK of the FIN: CLOSE_WAIT",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, VM, 18080, C1, 40520, TH_ACK), .paylen = 30 },
		.verdict = V_PASS,
		.out = { TCP(M_VM, M_CLIENT, VM, 8080, C1, 40520, TH_ACK), .paylen = 30 },
		.ct = CT_HIT, .id = ID_LOCAL, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_CLOSE_WAIT,
	},
	{
		.desc = "tcp: the client's ACK 50 s later: still CLOSE_WAIT, not expired (60 s)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40520, VM, 8080, TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40520, VM, 18080, TH_ACK) },
		.ct = CT_HIT, .id = ID_LOCAL, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_CLOSE_WAIT,
		.pre = pre_age_n, .arg = { 50 },
	},
	{
		.desc = "tcp: the server's FIN too: TIME_WAIT",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, VM, 18080, C1, 40520, TH_FIN | TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP(M_VM, M_CLIENT, VM, 8080, C1, 40520, TH_FIN | TH_ACK) },
		.ct = CT_HIT, .id = ID_LOCAL, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_TIME_WAIT,
	},
	{
		.desc = "tcp RST rule: SYN with ISN 0x11110000",
		.in = { TCP(M_CLIENT, M_VM, C1, 40530, VM, 8080, TH_SYN), .seq = 0x11110000 },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40530, VM, 18080, TH_SYN), .seq = 0x11110000 },
		.ct = CT_NEW, .id = ID_LOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "tcp RST rule: RST not acknowledging the SYN dropped (rst_invalid), SYN_SENT kept",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, VM, 18080, C1, 40530, TH_RST | TH_ACK), .ack = 0x22220000 },
		.verdict = V_DROP, .ct = CT_SKIP, .id = ID_LOCAL, .state = WF_CT_TCP_SYN,
		.stat = { WF_DROP_RST_INVALID },
		.post = post_pair_ok,
	},
	{
		.desc = "tcp RST rule: RST acknowledging ISN+1 translated: CLOSE",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, VM, 18080, C1, 40530, TH_RST | TH_ACK), .ack = 0x11110001 },
		.verdict = V_PASS,
		.out = { TCP(M_VM, M_CLIENT, VM, 8080, C1, 40530, TH_RST | TH_ACK), .ack = 0x11110001 },
		.ct = CT_HIT, .id = ID_LOCAL, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_CLOSED,
	},
	{
		.desc = "tcp RST rule: SYN of an established connection",
		.in = { TCP(M_CLIENT, M_VM, C1, 40531, VM, 8080, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40531, VM, 18080, TH_SYN) },
		.ct = CT_NEW, .id = ID_LOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "tcp RST rule: SYN-ACK, the server acknowledges 0x0a0b0c0d",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, VM, 18080, C1, 40531, TH_SYN | TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP(M_VM, M_CLIENT, VM, 8080, C1, 40531, TH_SYN | TH_ACK) },
		.ct = CT_HIT, .id = ID_LOCAL, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "tcp RST rule: RST 2^30 beyond what the server acknowledged dropped (rst_invalid)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40531, VM, 8080, TH_RST), .seq = 0x4a0b0c0d },
		.verdict = V_DROP, .ct = CT_SKIP, .id = ID_LOCAL, .state = WF_CT_TCP_SYN_RECV,
		.stat = { WF_DROP_RST_INVALID },
		.post = post_pair_ok,
	},
	{
		.desc = "tcp RST rule: RST 1000 bytes into the server's window translated: CLOSE",
		.in = { TCP(M_CLIENT, M_VM, C1, 40531, VM, 8080, TH_RST), .seq = 0x0a0b0c0d + 1000 },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40531, VM, 18080, TH_RST), .seq = 0x0a0b0c0d + 1000 },
		.ct = CT_HIT, .id = ID_LOCAL, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_CLOSED,
	},
	{
		.desc = "ct new: SYN with a bad IPv4 header checksum passes untouched, creates nothing (ip_csum)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40570, VM, 5000, TH_SYN), .ip_csum_bad = 1 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
		.stat = { WF_EV_IP_CSUM },
	},
	{
		.desc = "ct new: the same SYN with a good checksum creates the connection",
		.in = { TCP(M_CLIENT, M_VM, C1, 40570, VM, 5000, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_HOST, VM, SNAT(42), HOST, 5432, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_HOST, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "ct insert: a live connection C1:40540 -> @vm:8080 -> @vm:18080",
		.in = { TCP(M_CLIENT, M_VM, C1, 40540, VM, 8080, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40540, VM, 18080, TH_SYN) },
		.ct = CT_NEW, .id = ID_LOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "ct insert: same client port to @vm:8085 (same target) never overwrites it (ct_clash)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40540, VM, 8085, TH_SYN) },
		.verdict = V_DROP, .ct = CT_NONE,
		.stat = { WF_DROP_CT_CLASH },
	},
	{
		.desc = "ct insert: the first connection's reply still goes back as @vm:8080",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, VM, 18080, C1, 40540, TH_SYN | TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP(M_VM, M_CLIENT, VM, 8080, C1, 40540, TH_SYN | TH_ACK) },
		.ct = CT_HIT, .id = ID_LOCAL, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "ct insert: ONEARM SYN, SNAT port taken",
		.in = { TCP(M_CLIENT, M_VM, C1, 40550, VM, 5000, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_HOST, VM, SNAT(41), HOST, 5432, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_HOST, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "ct insert: ORIG lost, the SYN again adopts its own REPLY entry and port",
		.in = { TCP(M_CLIENT, M_VM, C1, 40550, VM, 5000, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_HOST, VM, SNAT(41), HOST, 5432, TH_SYN), .ttl = 63 },
		.ct = CT_SKIP, .id = ID_HOST, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CT_NEW },
		.pre = pre_delete_self, .post = post_pair_ok,
	},
	{
		.desc = "ct insert: another connection's entry at the tuple: dropped, no REPLY left (ct_clash)",
		.in = { TCP(M_CLIENT, M_VM, C1, 40560, VM, 8080, TH_SYN) },
		.verdict = V_DROP, .ct = CT_SKIP,
		.stat = { WF_DROP_CT_CLASH },
		.pre = pre_plant_reply, .post = post_no_orphan,
	},

	/* ---- Expiry (entries aged by rewriting last_seen) ---- */
	{
		.desc = "conntrack: SYN for the expiry case creates the flow",
		.in = { TCP(M_CLIENT, M_VM, C1, 40090, VM, 8080, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40090, VM, 18080, TH_SYN) },
		.ct = CT_NEW, .id = ID_LOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "conntrack: expired flow counted (ct_expired), re-created by next packet",
		.in = { TCP(M_CLIENT, M_VM, C1, 40090, VM, 8080, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40090, VM, 18080, TH_SYN) },
		.ct = CT_NEW, .id = ID_LOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CT_EXPIRED },
		.pre = pre_age,
	},
	{
		.desc = "conntrack: UDP flow for the expired-reply case",
		.in = { UDP(M_CLIENT, M_VM, C1, 50090, VM, 5353) },
		.verdict = V_PASS,
		.out = { UDP(M_CLIENT, M_VM, C1, 50090, VM, 15353) },
		.ct = CT_NEW, .id = ID_ULOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_UDP,
	},
	{
		.desc = "conntrack: reply after the timeout translated, both halves revived (ct_revived)",
		.hook = H_EG,
		.in = { UDP(M_VM, M_CLIENT, VM, 15353, C1, 50090) },
		.verdict = V_PASS,
		.out = { UDP(M_VM, M_CLIENT, VM, 5353, C1, 50090) },
		.ct = CT_HIT, .id = ID_ULOCAL, .dir = WF_DIR_REPLY, .state = WF_CT_UDP_REPLIED,
		.stat = { WF_EV_CT_REVIVED },
		.pre = pre_age,
	},

	/* ---- SNAT allocation: second instance, range 62000-62001 ---- */
	{
		.desc = "SNAT 62000-62001: first client gets a port from the range",
		.inst = 1,
		.in = { TCP(M_CLIENT, M_VM, C1, 41000, VM, 5000, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_HOST, VM, SNAT(6), HOST, 5432, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_HOST, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "SNAT 62000-62001: second client gets the other port",
		.inst = 1,
		.in = { TCP(M_CLIENT2, M_VM, C2, 41001, VM, 5000, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_HOST, VM, SNAT(7), HOST, 5432, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_HOST, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
		.post = post_snat_distinct, .arg = { 6, 7 },
	},
	{
		.desc = "SNAT 62000-62001: range taken, next connection dropped (snat_exhausted)",
		.inst = 1,
		.in = { TCP(M_CLIENT, M_VM, C3, 41002, VM, 5000, TH_SYN) },
		.verdict = V_DROP, .ct = CT_NONE,
		.stat = { WF_DROP_SNAT_EXHAUSTED },
	},
	{
		.desc = "SNAT 62000-62001: established flows still translated with the range full",
		.inst = 1,
		.in = { TCP(M_HOST, M_VM, HOST, 5432, VM, SNAT(6), TH_SYN | TH_ACK) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_CLIENT, VM, 5000, C1, 41000, TH_SYN | TH_ACK), .ttl = 63 },
		.ct = CT_HIT, .id = ID_HOST, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "SNAT 62000-62001: client's FIN, state CLOSING",
		.inst = 1,
		.in = { TCP(M_CLIENT, M_VM, C1, 41000, VM, 5000, TH_FIN | TH_ACK) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_HOST, VM, SNAT(6), HOST, 5432, TH_FIN | TH_ACK), .ttl = 63 },
		.ct = CT_HIT, .id = ID_HOST, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_FIN_WAIT,
	},
	{
		.desc = "SNAT 62000-62001: a half-closed connection keeps its port (snat_exhausted)",
		.inst = 1,
		.in = { TCP(M_CLIENT, M_VM, C3, 41003, VM, 5000, TH_SYN) },
		.verdict = V_DROP, .ct = CT_NONE,
		.stat = { WF_DROP_SNAT_EXHAUSTED },
	},
	{
		.desc = "SNAT 62000-62001: server's FIN too, state TIME_WAIT",
		.inst = 1,
		.in = { TCP(M_HOST, M_VM, HOST, 5432, VM, SNAT(6), TH_FIN | TH_ACK) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_CLIENT, VM, 5000, C1, 41000, TH_FIN | TH_ACK), .ttl = 63 },
		.ct = CT_HIT, .id = ID_HOST, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_TIME_WAIT,
	},
	{
		/* Two entries out, two in: the table does not grow (CT_SKIP), the
		 * output shows the very port of slot 6 and the next case that the
		 * old connection's entries are gone. */
		.desc = "SNAT 62000-62001: a new connection takes over the closed connection's port",
		.inst = 1,
		.in = { TCP(M_CLIENT, M_VM, C3, 41004, VM, 5000, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_HOST, VM, SNAT(6), HOST, 5432, TH_SYN), .ttl = 63 },
		.ct = CT_SKIP, .stat_any = WF_EV_CT_NEW,
	},
	{
		.desc = "SNAT 62000-62001: the old connection's ORIG entry went with its port",
		.inst = 1,
		.in = { TCP(M_CLIENT, M_VM, C1, 41000, VM, 5000, TH_ACK) },
		.verdict = V_DROP, .ct = CT_SKIP,
		.stat = { WF_DROP_SNAT_EXHAUSTED },
	},
	{
		.desc = "SNAT 62000-62001: port held by another REPLY entry skipped (collision)",
		.inst = 1,
		.in = { TCP(M_CLIENT, M_VM, C1, 41000, VM, 5000, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_HOST, VM, SNAT(8), HOST, 5432, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_HOST, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
		.pre = pre_occupy_snat, .post = post_snat_distinct, .arg = { 6, 8 },
	},

	/* ---- SNAT port reuse vs the target's TIME_WAIT (62000-62001) ----
	 * Two clients' connections end (RST: CLOSED, reusable); a third client
	 * then needs one of their ports. Clients draw TS offset and ISN per
	 * 4-tuple, and the target still holds each port in TIME_WAIT: it takes
	 * the new SYN only if its TSval (without timestamps: its ISN) is newer
	 * than the old connection's, else answers with an ACK (PAWS) and the
	 * client has to retry. The third client must get the port whose old
	 * client it is newer than. Each pair of rounds swaps the two old
	 * clients' values: the third client's tuple (so its hash) is the same,
	 * a choice by hash alone fails one of the two. */
	SNAT_TW_ROUND("TSval, Linux options", TS_LINUX, TS_LO, TS_HI, TS_MID, 16, 17, 16),
	SNAT_TW_ROUND("TSval, BSD options, swapped", TS_BSD, TS_HI, TS_LO, TS_MID, 18, 19, 19),
	SNAT_TW_ROUND("ISN, no timestamps", TS_NONE, TS_LO, TS_HI, TS_MID, 20, 21, 20),
	SNAT_TW_ROUND("ISN, no timestamps, swapped", TS_NONE, TS_HI, TS_LO, TS_MID, 22, 23, 23),
	/* Both old clients newer: no port would be accepted, the connection
	 * still gets one (not dropped as snat_exhausted). */
	SNAT_TW_OLD("TSval, none accepting", TS_LINUX, TS_HI, TS_HI + 1, 24, 25),
	{
		.desc = "SNAT vs TIME_WAIT (TSval, none accepting): still a port for the SYN",
		.inst = 1,
		.in = { TCP(M_CLIENT, M_VM, C3, 42002, VM, 5000, TH_SYN), TSV(TS_LINUX, TS_MID) },
		.verdict = V_TX,
		.ct = CT_SKIP, .stat_any = WF_EV_CT_NEW,
	},

	/* ---- ICMP errors about translated flows (icmp.h) ----
	 * Each quotes a packet as it left the VM; the output quotes it as its
	 * sender sent it, inner checksums recomputed from scratch by pkt.h. */
	{
		.desc = "ICMP LOCAL: SYN @vm:8080 -> @vm:18080 (flow for the errors below)",
		.in = { TCP(M_CLIENT, M_VM, C1, 43000, VM, 8080, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 43000, VM, 18080, TH_SYN) },
		.ct = CT_NEW, .id = ID_LOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "ICMP LOCAL: SYN-ACK leaves as @vm:8080",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, VM, 18080, C1, 43000, TH_SYN | TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP(M_VM, M_CLIENT, VM, 8080, C1, 43000, TH_SYN | TH_ACK) },
		.ct = CT_HIT, .id = ID_LOCAL, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "ICMP LOCAL: router's frag needed about a reply goes up quoting @vm:18080 "
			"(truncated quote, inner TCP checksum held)",
		.in = { ICMPERR(M_HOST, M_VM, ROUTER, VM, 3, 4), .icmp_mtu = 1280, .quote = 28,
			QUOTE(TCP(M_VM, M_CLIENT, VM, 8080, C1, 43000, TH_ACK), .paylen = 1400,
			      .ttl = 61) },
		.verdict = V_PASS,
		.out = { ICMPERR(M_HOST, M_VM, ROUTER, VM, 3, 4), .icmp_mtu = 1280, .quote = 28,
			 QUOTE(TCP(M_VM, M_CLIENT, VM, 18080, C1, 43000, TH_ACK), .paylen = 1400,
			       .ttl = 61) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "ICMP LOCAL: quote of 8 bytes (RFC 792 minimum): TCP checksum not held, "
			"ports translated",
		.in = { ICMPERR(M_HOST, M_VM, ROUTER, VM, 11, 0), .quote = 8,
			QUOTE(TCP(M_VM, M_CLIENT, VM, 8080, C1, 43000, TH_ACK)) },
		.verdict = V_PASS,
		.out = { ICMPERR(M_HOST, M_VM, ROUTER, VM, 11, 0), .quote = 8,
			 QUOTE(TCP(M_VM, M_CLIENT, VM, 18080, C1, 43000, TH_ACK)) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "ICMP LOCAL: quote holding the ports but under 8 bytes dropped (icmp_short)",
		.in = { ICMPERR(M_HOST, M_VM, ROUTER, VM, 3, 4), .quote = 4,
			QUOTE(TCP(M_VM, M_CLIENT, VM, 8080, C1, 43000, TH_ACK)) },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_ICMP_SHORT },
	},
	{
		.desc = "ICMP: quote without the ports cannot name a flow: passes untouched",
		.in = { ICMPERR(M_HOST, M_VM, ROUTER, VM, 3, 4), .quote = 2,
			QUOTE(TCP(M_VM, M_CLIENT, VM, 8080, C1, 43000, TH_ACK)) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "ICMP: error about no flow of ours passes untouched",
		.in = { ICMPERR(M_HOST, M_VM, ROUTER, VM, 3, 4), .icmp_mtu = 1280,
			QUOTE(TCP(M_VM, M_CLIENT, VM, 8080, C1, 43999, TH_ACK)) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "ICMP: echo request to @vm passes untouched",
		.in = { .kind = K_IP4, .smac = M_CLIENT, .dmac = M_VM, .proto = 1,
			.saddr = C1, .daddr = VM, .paylen = 16 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "ICMP: error the VM sends about no flow of ours passes untouched",
		.hook = H_EG,
		.in = { ICMPERR(M_VM, M_CLIENT, VM, C1, 3, 3),
			QUOTE(UDP(M_CLIENT, M_VM, C1, 53999, VM, 15353)) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "ICMP LOCAL UDP: datagram @vm:5353 -> @vm:15353",
		.in = { UDP(M_CLIENT, M_VM, C1, 53000, VM, 5353) },
		.verdict = V_PASS,
		.out = { UDP(M_CLIENT, M_VM, C1, 53000, VM, 15353) },
		.ct = CT_NEW, .id = ID_ULOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_UDP,
	},
	{
		.desc = "ICMP LOCAL UDP: the VM's port unreachable quotes the client's own tuple",
		.hook = H_EG,
		.in = { ICMPERR(M_VM, M_CLIENT, VM, C1, 3, 3),
			QUOTE(UDP(M_CLIENT, M_VM, C1, 53000, VM, 15353)) },
		.verdict = V_PASS,
		.out = { ICMPERR(M_VM, M_CLIENT, VM, C1, 3, 3),
			 QUOTE(UDP(M_CLIENT, M_VM, C1, 53000, VM, 5353)) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "ICMP LOCAL UDP: quoted UDP checksum 0 stays 0",
		.hook = H_EG,
		.in = { ICMPERR(M_VM, M_CLIENT, VM, C1, 3, 3),
			QUOTE(UDP(M_CLIENT, M_VM, C1, 53000, VM, 15353), .csum = CS_ZERO) },
		.verdict = V_PASS,
		.out = { ICMPERR(M_VM, M_CLIENT, VM, C1, 3, 3),
			 QUOTE(UDP(M_CLIENT, M_VM, C1, 53000, VM, 5353), .csum = CS_ZERO) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "ICMP BEHIND: SYN @vm:4000 -> 172.17.0.2:80",
		.in = { TCP(M_CLIENT, M_VM, C1, 43100, VM, 4000, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 43100, CTR, 80, TH_SYN) },
		.ct = CT_NEW, .id = ID_BEHIND, .kind = WF_KIND_BEHIND, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "ICMP BEHIND: the VM's frag needed (container route MTU) quotes @vm:4000",
		.hook = H_EG,
		.in = { ICMPERR(M_VM, M_CLIENT, VM, C1, 3, 4), .icmp_mtu = 1400,
			QUOTE(TCP(M_CLIENT, M_VM, C1, 43100, CTR, 80, TH_ACK), .paylen = 60,
			      .frag = IP_DF_) },
		.verdict = V_PASS,
		.out = { ICMPERR(M_VM, M_CLIENT, VM, C1, 3, 4), .icmp_mtu = 1400,
			 QUOTE(TCP(M_CLIENT, M_VM, C1, 43100, VM, 4000, TH_ACK), .paylen = 60,
			       .frag = IP_DF_) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "ICMP BEHIND: the container's own error leaves from @vm, not its address",
		.hook = H_EG,
		.in = { ICMPERR(M_VM, M_CLIENT, CTR, C1, 12, 0),
			QUOTE(TCP(M_CLIENT, M_VM, C1, 43100, CTR, 80, TH_ACK)) },
		.verdict = V_PASS,
		.out = { ICMPERR(M_VM, M_CLIENT, VM, C1, 12, 0),
			 QUOTE(TCP(M_CLIENT, M_VM, C1, 43100, VM, 4000, TH_ACK)) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "ICMP BEHIND: a router's error behind the VM leaves from @vm",
		.hook = H_EG,
		.in = { ICMPERR(M_VM, M_CLIENT, IP4(172, 17, 0, 254), C1, 11, 0),
			QUOTE(TCP(M_CLIENT, M_VM, C1, 43100, CTR, 80, TH_ACK), .ttl = 1) },
		.verdict = V_PASS,
		.out = { ICMPERR(M_VM, M_CLIENT, VM, C1, 11, 0),
			 QUOTE(TCP(M_CLIENT, M_VM, C1, 43100, VM, 4000, TH_ACK), .ttl = 1) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "ICMP BEHIND: SYN-ACK leaves as @vm:4000",
		.hook = H_EG,
		.in = { TCP(M_VM, M_CLIENT, CTR, 80, C1, 43100, TH_SYN | TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP(M_VM, M_CLIENT, VM, 4000, C1, 43100, TH_SYN | TH_ACK) },
		.ct = CT_HIT, .id = ID_BEHIND, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "ICMP BEHIND: router's frag needed about a reply goes to the container",
		.in = { ICMPERR(M_HOST, M_VM, ROUTER, VM, 3, 4), .icmp_mtu = 1280,
			QUOTE(TCP(M_VM, M_CLIENT, VM, 4000, C1, 43100, TH_ACK), .paylen = 1400,
			      .frag = IP_DF_, .ttl = 63) },
		.verdict = V_PASS,
		.out = { ICMPERR(M_HOST, M_VM, ROUTER, CTR, 3, 4), .icmp_mtu = 1280,
			 QUOTE(TCP(M_VM, M_CLIENT, CTR, 80, C1, 43100, TH_ACK), .paylen = 1400,
			       .frag = IP_DF_, .ttl = 63) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "ICMP ONEARM: SYN @vm:5000 -> @host:5432",
		.in = { TCP(M_CLIENT, M_VM, C1, 43200, VM, 5000, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_HOST, VM, SNAT(28), HOST, 5432, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_HOST, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "ICMP ONEARM: router's frag needed about @vm:SNAT reaches the client from @vm, TTL-1",
		.in = { ICMPERR(M_HOST, M_VM, ROUTER, VM, 3, 4), .icmp_mtu = 1280,
			QUOTE(TCP(M_VM, M_HOST, VM, SNAT(28), HOST, 5432, TH_SYN), .ttl = 63) },
		.verdict = V_TX,
		.out = { ICMPERR(M_VM, M_CLIENT, VM, C1, 3, 4), .icmp_mtu = 1280, .ttl = 63,
			 QUOTE(TCP(M_CLIENT, M_VM, C1, 43200, VM, 5000, TH_SYN), .ttl = 63) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "ICMP ONEARM: quoted packet with IP options translated past them",
		.in = { ICMPERR(M_HOST, M_VM, ROUTER, VM, 3, 4), .icmp_mtu = 1280,
			QUOTE(TCP(M_VM, M_HOST, VM, SNAT(28), HOST, 5432, TH_SYN), .ttl = 63,
			      .ipopt = 1) },
		.verdict = V_TX,
		.out = { ICMPERR(M_VM, M_CLIENT, VM, C1, 3, 4), .icmp_mtu = 1280, .ttl = 63,
			 QUOTE(TCP(M_CLIENT, M_VM, C1, 43200, VM, 5000, TH_SYN), .ttl = 63,
			       .ipopt = 1) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "ICMP ONEARM: error with TTL 1 not sent on (ttl)",
		.in = { ICMPERR(M_HOST, M_VM, ROUTER, VM, 3, 4), .ttl = 1,
			QUOTE(TCP(M_VM, M_HOST, VM, SNAT(28), HOST, 5432, TH_SYN), .ttl = 63) },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_TTL },
	},
	{
		.desc = "ICMP ONEARM: SYN-ACK back to the client",
		.in = { TCP(M_HOST, M_VM, HOST, 5432, VM, SNAT(28), TH_SYN | TH_ACK) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_CLIENT, VM, 5000, C1, 43200, TH_SYN | TH_ACK), .ttl = 63 },
		.ct = CT_HIT, .id = ID_HOST, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "ICMP ONEARM: client-side router's time exceeded about a reply reaches @host from @vm "
			"(@host may be that router: its own address would be martian)",
		.in = { ICMPERR(M_CLIENT, M_VM, ROUTER, VM, 11, 0), .quote = 8,
			QUOTE(TCP(M_VM, M_CLIENT, VM, 5000, C1, 43200, TH_SYN | TH_ACK), .ttl = 1) },
		.verdict = V_TX,
		.out = { ICMPERR(M_VM, M_HOST, VM, HOST, 11, 0), .quote = 8, .ttl = 63,
			 QUOTE(TCP(M_VM, M_CLIENT, HOST, 5432, VM, SNAT(28), TH_SYN | TH_ACK),
			       .ttl = 1) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "ICMP ONEARM: the client's own port unreachable reaches @host from @vm",
		.in = { ICMPERR(M_CLIENT, M_VM, C1, VM, 3, 3),
			QUOTE(TCP(M_VM, M_CLIENT, VM, 5000, C1, 43200, TH_ACK), .ttl = 63) },
		.verdict = V_TX,
		.out = { ICMPERR(M_VM, M_HOST, VM, HOST, 3, 3), .ttl = 63,
			 QUOTE(TCP(M_VM, M_CLIENT, HOST, 5432, VM, SNAT(28), TH_ACK), .ttl = 63) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "ICMP ONEARM UDP: datagram @vm:6000 -> @host:6001",
		.in = { UDP(M_CLIENT, M_VM, C1, 53100, VM, 6000) },
		.verdict = V_TX,
		.out = { UDP(M_VM, M_HOST, VM, SNAT(29), HOST, 6001), .ttl = 63 },
		.ct = CT_NEW, .id = ID_UHOST, .kind = WF_KIND_ONEARM, .state = WF_CT_UDP,
	},
	{
		.desc = "ICMP ONEARM UDP: @host's port unreachable reaches the client from @vm:6000",
		.in = { ICMPERR(M_HOST, M_VM, HOST, VM, 3, 3),
			QUOTE(UDP(M_VM, M_HOST, VM, SNAT(29), HOST, 6001), .ttl = 63) },
		.verdict = V_TX,
		.out = { ICMPERR(M_VM, M_CLIENT, VM, C1, 3, 3), .ttl = 63,
			 QUOTE(UDP(M_CLIENT, M_VM, C1, 53100, VM, 6000), .ttl = 63) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},

	/* ---- Checksums a sender left to offload (pseudo-header sum only) ----
	 * A veth peer with tx offload (CHECKSUM_PARTIAL) or Windows through
	 * Hyper-V hands over TCP/UDP whose checksum field holds only the sum
	 * of the pseudo header. XDP_PASS: it stays the pseudo-header sum of the
	 * new addresses (the kernel still trusts the skb). XDP_TX/REDIRECT: it
	 * is completed over the payload, whose length covers every chunk size
	 * of the fill (512, 256 ... 4, 1-3 tail bytes). Generic XDP keeps the
	 * skb's ip_summed on every path: pseudo-header sums there. */
	{
		.desc = "offloaded csum, LOCAL: SYN passes with the pseudo-header sum kept",
		.in = { TCP(M_CLIENT, M_VM, C1, 40400, VM, 8080, TH_SYN), .csum = CS_PSEUDO },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40400, VM, 18080, TH_SYN), .csum = CS_PSEUDO },
		.ct = CT_NEW, .id = ID_LOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = CSUM_SKB,
	},
	{
		.desc = "offloaded csum, LOCAL: data passes with the pseudo-header sum kept",
		.in = { TCP(M_CLIENT, M_VM, C1, 40400, VM, 8080, TH_ACK), .paylen = 777,
			.csum = CS_PSEUDO },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40400, VM, 18080, TH_ACK), .paylen = 777,
			 .csum = CS_PSEUDO },
		.ct = CT_HIT, .id = ID_LOCAL, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = CSUM_SKB,
	},
	{
		.desc = "offloaded csum, UDP LOCAL: datagram passes with the pseudo-header sum kept",
		.in = { UDP(M_CLIENT, M_VM, C1, 50400, VM, 5353), .csum = CS_PSEUDO },
		.verdict = V_PASS,
		.out = { UDP(M_CLIENT, M_VM, C1, 50400, VM, 15353), .csum = CS_PSEUDO },
		.ct = CT_NEW, .id = ID_ULOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_UDP,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = CSUM_SKB,
	},
	{
		.desc = "offloaded csum, BEHIND via the stack: SYN's pseudo-header sum follows the new address",
		.in = { TCP(M_CLIENT, M_VM, C1, 40401, VM, 4000, TH_SYN), .csum = CS_PSEUDO },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40401, CTR, 80, TH_SYN), .csum = CS_PSEUDO },
		.ct = CT_NEW, .id = ID_BEHIND, .kind = WF_KIND_BEHIND, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = CSUM_SKB,
	},
	{
		.desc = "offloaded csum, BEHIND via the stack: data with payload, pseudo-header sum",
		.in = { TCP(M_CLIENT, M_VM, C1, 40401, VM, 4000, TH_ACK), .paylen = 1460,
			.csum = CS_PSEUDO },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40401, CTR, 80, TH_ACK), .paylen = 1460,
			 .csum = CS_PSEUDO },
		.ct = CT_HIT, .id = ID_BEHIND, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = CSUM_SKB,
	},
	{
		.desc = "offloaded csum, BEHIND redirected: SYN leaves with a complete checksum",
		.in = { TCP(M_CLIENT, M_VM, C1, 40402, VM, 4100, TH_SYN), .csum = CS_PSEUDO },
		.verdict = V_REDIRECT,
		.out = { TCP(M_RDEV, M_RTGT, C1, 40402, RTGT, 80, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_REDIR, .kind = WF_KIND_BEHIND, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = XDP_REDIR,
	},
	{
		.desc = "offloaded csum, BEHIND redirected: 1020-byte segment (512+256+...+4) completed",
		.in = { TCP(M_CLIENT, M_VM, C1, 40402, VM, 4100, TH_ACK), .paylen = 1000,
			.csum = CS_PSEUDO },
		.verdict = V_REDIRECT,
		.out = { TCP(M_RDEV, M_RTGT, C1, 40402, RTGT, 80, TH_ACK), .paylen = 1000,
			 .ttl = 63 },
		.ct = CT_HIT, .id = ID_REDIR, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = XDP_REDIR,
	},
	{
		.desc = "offloaded csum, BEHIND redirected: 1380-byte segment (vethr's MTU) completed",
		.in = { TCP(M_CLIENT, M_VM, C1, 40402, VM, 4100, TH_ACK), .paylen = 1360,
			.csum = CS_PSEUDO },
		.verdict = V_REDIRECT,
		.out = { TCP(M_RDEV, M_RTGT, C1, 40402, RTGT, 80, TH_ACK), .paylen = 1360,
			 .ttl = 63 },
		.ct = CT_HIT, .id = ID_REDIR, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = XDP_REDIR,
	},
	{
		.desc = "offloaded csum, BEHIND over vethr's MTU: to the stack, pseudo-header sum kept",
		.in = { TCP(M_CLIENT, M_VM, C1, 40402, VM, 4100, TH_ACK), .paylen = 1460,
			.csum = CS_PSEUDO },
		.verdict = V_PASS,
		.out = { TCP(M_CLIENT, M_VM, C1, 40402, RTGT, 80, TH_ACK), .paylen = 1460,
			 .csum = CS_PSEUDO },
		.ct = CT_HIT, .id = ID_REDIR, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CSUM_PSEUDO, WF_EV_REDIRECT_MTU }, .xdp_only = XDP_REDIR,
	},
	{
		.desc = "offloaded csum, BEHIND redirected: odd lengths, 1-3 tail bytes padded",
		.in = { TCP(M_CLIENT, M_VM, C1, 40402, VM, 4100, TH_ACK), .paylen = 333,
			.csum = CS_PSEUDO },
		.verdict = V_REDIRECT,
		.out = { TCP(M_RDEV, M_RTGT, C1, 40402, RTGT, 80, TH_ACK), .paylen = 333,
			 .ttl = 63 },
		.ct = CT_HIT, .id = ID_REDIR, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = XDP_REDIR,
	},
	{
		.desc = "offloaded csum, BEHIND redirected: 3 tail bytes padded",
		.in = { TCP(M_CLIENT, M_VM, C1, 40402, VM, 4100, TH_ACK), .paylen = 7,
			.csum = CS_PSEUDO },
		.verdict = V_REDIRECT,
		.out = { TCP(M_RDEV, M_RTGT, C1, 40402, RTGT, 80, TH_ACK), .paylen = 7,
			 .ttl = 63 },
		.ct = CT_HIT, .id = ID_REDIR, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = XDP_REDIR,
	},
	{
		.desc = "offloaded csum, BEHIND redirected: a complete checksum still updated as one",
		.in = { TCP(M_CLIENT, M_VM, C1, 40402, VM, 4100, TH_ACK), .paylen = 333 },
		.verdict = V_REDIRECT,
		.out = { TCP(M_RDEV, M_RTGT, C1, 40402, RTGT, 80, TH_ACK), .paylen = 333,
			 .ttl = 63 },
		.ct = CT_HIT, .id = ID_REDIR, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_SYN,
		.xdp_only = XDP_REDIR,
	},
	{
		.desc = "offloaded csum, ONEARM: SYN leaves by XDP_TX with a complete checksum",
		.in = { TCP(M_CLIENT, M_VM, C1, 40403, VM, 5000, TH_SYN), .csum = CS_PSEUDO },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_HOST, VM, SNAT(10), HOST, 5432, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_HOST, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = CSUM_SKB,
	},
	{
		.desc = "offloaded csum, ONEARM: reply returns to the client completed",
		.in = { TCP(M_HOST, M_VM, HOST, 5432, VM, SNAT(10), TH_SYN | TH_ACK),
			.csum = CS_PSEUDO },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_CLIENT, VM, 5000, C1, 40403, TH_SYN | TH_ACK), .ttl = 63 },
		.ct = CT_HIT, .id = ID_HOST, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = CSUM_SKB,
	},
	{
		.desc = "offloaded csum, ONEARM: data reply with payload completed",
		.in = { TCP(M_HOST, M_VM, HOST, 5432, VM, SNAT(10), TH_ACK), .paylen = 1449,
			.csum = CS_PSEUDO },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_CLIENT, VM, 5000, C1, 40403, TH_ACK), .paylen = 1449,
			 .ttl = 63 },
		.ct = CT_HIT, .id = ID_HOST, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = CSUM_SKB,
	},
	{
		.desc = "offloaded csum, UDP ONEARM: request completed",
		.in = { UDP(M_CLIENT2, M_VM, C2, ZPORT(3), VM, 6000), .csum = CS_PSEUDO },
		.verdict = V_TX,
		.out = { UDP(M_VM, M_HOST, VM, SNAT(11), HOST, 6001), .ttl = 63 },
		.ct = CT_NEW, .id = ID_UHOST, .kind = WF_KIND_ONEARM, .state = WF_CT_UDP,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = CSUM_SKB,
	},
	{
		.desc = "offloaded csum, UDP ONEARM: reply whose completed checksum is 0 sends 0xffff",
		.in = { UDP(M_HOST, M_VM, HOST, 6001, VM, SNAT(11)), .csum = CS_PSEUDO },
		.verdict = V_TX,
		.out = { UDP(M_VM, M_CLIENT2, VM, 6000, C2, ZPORT(3)), .ttl = 63 },
		.ct = CT_HIT, .id = ID_UHOST, .dir = WF_DIR_REPLY, .state = WF_CT_UDP_REPLIED,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = CSUM_SKB,
	},
	{
		.desc = "offloaded csum, UDP ONEARM: checksum 0 (none) stays 0",
		.in = { UDP(M_HOST, M_VM, HOST, 6001, VM, SNAT(11)), .csum = CS_ZERO },
		.verdict = V_TX,
		.out = { UDP(M_VM, M_CLIENT2, VM, 6000, C2, ZPORT(3)), .csum = CS_ZERO, .ttl = 63 },
		.ct = CT_HIT, .id = ID_UHOST, .dir = WF_DIR_REPLY, .state = WF_CT_UDP_REPLIED,
		.xdp_only = "its connection is made by the XDP-only fixture above",
	},
	{
		.desc = "offloaded csum: a first fragment whose complete checksum equals its own pseudo-header sum stays complete",
		.in = { UDPF(M_CLIENT, M_VM, C1, FRAG_COLLIDE_PORT, VM, 6000), FIRST(0x1700) },
		.verdict = V_TX,
		.out = { UDPF(M_VM, M_HOST, VM, SNAT(31), HOST, 6001), FIRST(0x1700), .ttl = 63 },
		.ct = CT_NEW, .id = ID_UHOST, .kind = WF_KIND_ONEARM, .state = WF_CT_UDP,
		.pre = pre_csum_collision,
	},
	{
		.desc = "offloaded csum, UDP LOCAL: a complete checksum that equals its pseudo-header sum stays complete",
		.in = { UDP(M_CLIENT, M_VM, C1, CSUM_COLLIDE_PORT, VM, 5353) },
		.verdict = V_PASS,
		.out = { UDP(M_CLIENT, M_VM, C1, CSUM_COLLIDE_PORT, VM, 15353) },
		.ct = CT_NEW, .id = ID_ULOCAL, .kind = WF_KIND_LOCAL, .state = WF_CT_UDP,
		.pre = pre_csum_collision,
	},
	{
		.desc = "offloaded csum, generic XDP: ONEARM SYN sent with the pseudo-header sum kept",
		.in = { TCP(M_CLIENT, M_VM, C1, 40404, VM, 5000, TH_SYN), .csum = CS_PSEUDO },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_HOST, VM, SNAT(30), HOST, 5432, TH_SYN), .ttl = 63,
			 .csum = CS_PSEUDO },
		.ct = CT_NEW, .id = ID_HOST, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = CSUM_SKB,
		.pre = pre_generic, .post = post_info_restore,
	},
	{
		.desc = "offloaded csum, generic XDP: ONEARM reply sent with the pseudo-header sum kept",
		.in = { TCP(M_HOST, M_VM, HOST, 5432, VM, SNAT(30), TH_SYN | TH_ACK), .paylen = 99,
			.csum = CS_PSEUDO },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_CLIENT, VM, 5000, C1, 40404, TH_SYN | TH_ACK), .paylen = 99,
			 .ttl = 63, .csum = CS_PSEUDO },
		.ct = CT_HIT, .id = ID_HOST, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = CSUM_SKB,
		.pre = pre_generic, .post = post_info_restore,
	},
	{
		.desc = "offloaded csum, generic XDP: redirected SYN keeps the pseudo-header sum",
		.in = { TCP(M_CLIENT, M_VM, C1, 40405, VM, 4100, TH_SYN), .csum = CS_PSEUDO },
		.verdict = V_REDIRECT,
		.out = { TCP(M_RDEV, M_RTGT, C1, 40405, RTGT, 80, TH_SYN), .ttl = 63,
			 .csum = CS_PSEUDO },
		.ct = CT_NEW, .id = ID_REDIR, .kind = WF_KIND_BEHIND, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = XDP_REDIR,
		.pre = pre_generic, .post = post_info_restore,
	},
	/* ---- IPv6 (design.md "IPv6 (issue 13)", slice 1) ----
	 * The same kinds, states and pairs as IPv4's, in wf_ct6/wf_ct6_new:
	 * addresses 16 bytes, no header checksum, hop limit for TTL. SNAT
	 * slots 50-55 (IPv4's use 0-42). */
	{
		.desc = "IPv6 LOCAL: SYN to [@vm6]:8086 goes up as [@vm6]:18086, client kept, hop limit kept",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41000, VM6, 8086, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 41000, VM6, 18086, TH_SYN) },
		.ct = CT_NEW, .id = ID_LOCAL6, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "IPv6 LOCAL: SYN-ACK from [@vm6]:18086 leaves eth0 as [@vm6]:8086, SYN_RECV",
		.hook = H_EG,
		.in = { TCP6(M_VM, M_CLIENT, VM6, 18086, C1_6, 41000, TH_SYN | TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP6(M_VM, M_CLIENT, VM6, 8086, C1_6, 41000, TH_SYN | TH_ACK) },
		.ct = CT_HIT, .id = ID_LOCAL6, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "IPv6 LOCAL: the client's ACK completes the handshake: EST",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41000, VM6, 8086, TH_ACK), .paylen = 100 },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 41000, VM6, 18086, TH_ACK), .paylen = 100 },
		.ct = CT_HIT, .id = ID_LOCAL6, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_EST,
	},
	{
		.desc = "IPv6 LOCAL: data reply with payload translated, checksum right",
		.hook = H_EG,
		.in = { TCP6(M_VM, M_CLIENT, VM6, 18086, C1_6, 41000, TH_PSH | TH_ACK),
			.paylen = 333 },
		.verdict = V_PASS,
		.out = { TCP6(M_VM, M_CLIENT, VM6, 8086, C1_6, 41000, TH_PSH | TH_ACK),
			 .paylen = 333 },
		.ct = CT_HIT, .id = ID_LOCAL6, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_EST,
	},
	{
		.desc = "IPv6 LOCAL: hop limit 1 still delivered (not forwarded), traffic class and flow label kept",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41000, VM6, 8086, TH_ACK), .ttl = 1,
			.tos = 0xb8, .flowlabel = 0xabcde },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 41000, VM6, 18086, TH_ACK), .ttl = 1,
			 .tos = 0xb8, .flowlabel = 0xabcde },
		.ct = CT_HIT, .id = ID_LOCAL6, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_EST,
	},
	{
		.desc = "IPv6 conntrack: FIN from the client moves both entries to FIN_WAIT",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41000, VM6, 8086, TH_FIN | TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 41000, VM6, 18086, TH_FIN | TH_ACK) },
		.ct = CT_HIT, .id = ID_LOCAL6, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_FIN_WAIT,
	},
	{
		.desc = "IPv6 conntrack: FIN reply translated, FIN both ways: TIME_WAIT",
		.hook = H_EG,
		.in = { TCP6(M_VM, M_CLIENT, VM6, 18086, C1_6, 41000, TH_FIN | TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP6(M_VM, M_CLIENT, VM6, 8086, C1_6, 41000, TH_FIN | TH_ACK) },
		.ct = CT_HIT, .id = ID_LOCAL6, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_TIME_WAIT,
	},
	{
		.desc = "IPv6 conntrack: RST at the receiver's last ACK translated, both entries CLOSED",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41000, VM6, 8086, TH_RST | TH_ACK),
			.seq = 0x0a0b0c0d },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 41000, VM6, 18086, TH_RST | TH_ACK),
			 .seq = 0x0a0b0c0d },
		.ct = CT_HIT, .id = ID_LOCAL6, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_CLOSED,
	},
	{
		.desc = "IPv6 conntrack: ACK without an entry picked up (PICKUP)",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41005, VM6, 8086, TH_ACK), .paylen = 10 },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 41005, VM6, 18086, TH_ACK), .paylen = 10 },
		.ct = CT_NEW, .id = ID_LOCAL6, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_PICKUP,
	},
	{
		.desc = "IPv6 addresses: @host6 target dropped while @host6 is unknown (no_addr)",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41070, VM6, 5006, TH_SYN) },
		.verdict = V_DROP, .ct = CT_NONE,
		.stat = { WF_DROP_NO_ADDR },
		.pre = pre_no_host6, .post = post_info_restore,
	},
	{
		.desc = "IPv6 addresses: @vm6 mapping not applied while @vm6 is unknown: passes untouched",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41071, VM6, 8086, TH_SYN) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
		.pre = pre_no_vm6, .post = post_info_restore,
	},
	{
		.desc = "IPv6 addresses: @vm (IPv4) unknown does not stop IPv6 forwarding",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41072, VM6, 8086, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 41072, VM6, 18086, TH_SYN) },
		.ct = CT_NEW, .id = ID_LOCAL6, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
		.pre = pre_no_vm, .post = post_info_restore,
	},
	{
		.desc = "IPv6 conntrack: RST for no connection dropped (rst_no_conn)",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41009, VM6, 8086, TH_RST | TH_ACK) },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_RST_NO_CONN },
	},
	/* ---- IPv6 BEHIND: [@vm6]:4006 -> [fd00:17::2]:80 ---- */
	{
		.desc = "IPv6 BEHIND: SYN to [@vm6]:4006 goes to [fd00:17::2]:80 via the stack, client kept",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41010, VM6, 4006, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 41010, CTR6, 80, TH_SYN) },
		.ct = CT_NEW, .id = ID_BEHIND6, .kind = WF_KIND_BEHIND, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "IPv6 BEHIND: SYN-ACK from [fd00:17::2]:80 leaves eth0 as [@vm6]:4006",
		.hook = H_EG,
		.in = { TCP6(M_VM, M_CLIENT, CTR6, 80, C1_6, 41010, TH_SYN | TH_ACK), .ttl = 63 },
		.verdict = V_PASS,
		.out = { TCP6(M_VM, M_CLIENT, VM6, 4006, C1_6, 41010, TH_SYN | TH_ACK), .ttl = 63 },
		.ct = CT_HIT, .id = ID_BEHIND6, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "IPv6 BEHIND: established ACK with payload to the container",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41010, VM6, 4006, TH_ACK), .paylen = 1000 },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 41010, CTR6, 80, TH_ACK), .paylen = 1000 },
		.ct = CT_HIT, .id = ID_BEHIND6, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_EST,
	},
	/* ---- IPv6 BEHIND via vethr (wf_redirect): [@vm6]:4106 -> [fd00:50::2]:80 ---- */
	{
		.desc = "IPv6 BEHIND via a wf_redirect device: SYN rewritten, route's MACs, hop limit-1, XDP_REDIRECT",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41020, VM6, 4106, TH_SYN) },
		.verdict = V_REDIRECT,
		.out = { TCP6(M_RDEV, M_RTGT, C1_6, 41020, RTGT6, 80, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_REDIR6, .kind = WF_KIND_BEHIND, .state = WF_CT_TCP_SYN,
		.xdp_only = XDP_REDIR,
	},
	{
		.desc = "IPv6 BEHIND via a wf_redirect device: SYN-ACK leaves eth0 as [@vm6]:4106",
		.hook = H_EG,
		.in = { TCP6(M_VM, M_CLIENT, RTGT6, 80, C1_6, 41020, TH_SYN | TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP6(M_VM, M_CLIENT, VM6, 4106, C1_6, 41020, TH_SYN | TH_ACK) },
		.ct = CT_HIT, .id = ID_REDIR6, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
		.xdp_only = XDP_REDIR,
	},
	{
		.desc = "IPv6 BEHIND via a wf_redirect device: established ACK redirected",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41020, VM6, 4106, TH_ACK), .paylen = 64 },
		.verdict = V_REDIRECT,
		.out = { TCP6(M_RDEV, M_RTGT, C1_6, 41020, RTGT6, 80, TH_ACK), .paylen = 64,
			 .ttl = 63 },
		.ct = CT_HIT, .id = ID_REDIR6, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_EST,
		.xdp_only = XDP_REDIR,
	},
	/* ---- IPv6 ONEARM: [@vm6]:5006 -> @host6:5432 ---- */
	{
		.desc = "IPv6 ONEARM @host6: SYN leaves as [@vm6]:snat -> [@host6]:5432, neighbour MACs, hop limit-1",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41030, VM6, 5006, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_HOST, VM6, SNAT(50), HOST6, 5432, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_HOST6, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "IPv6 ONEARM @host6: SYN-ACK returns to the client as [@vm6]:5006, hop limit-1, TX",
		.in = { TCP6(M_HOST, M_VM, HOST6, 5432, VM6, SNAT(50), TH_SYN | TH_ACK) },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_CLIENT, VM6, 5006, C1_6, 41030, TH_SYN | TH_ACK), .ttl = 63 },
		.ct = CT_HIT, .id = ID_HOST6, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "IPv6 ONEARM @host6: next client packet reuses the SNAT port: EST",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41030, VM6, 5006, TH_ACK), .paylen = 20 },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_HOST, VM6, SNAT(50), HOST6, 5432, TH_ACK), .paylen = 20,
			 .ttl = 63 },
		.ct = CT_HIT, .id = ID_HOST6, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_EST,
	},
	{
		.desc = "IPv6 ONEARM @host6: data reply back to the client, TX",
		.in = { TCP6(M_HOST, M_VM, HOST6, 5432, VM6, SNAT(50),
			TH_PSH | TH_ACK), .paylen = 777 },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_CLIENT, VM6, 5006, C1_6, 41030, TH_PSH | TH_ACK),
			 .paylen = 777,
			 .ttl = 63 },
		.ct = CT_HIT, .id = ID_HOST6, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_EST,
	},
	{
		.desc = "IPv6 ONEARM: a second client gets another SNAT port, its own MAC back",
		.in = { TCP6(M_CLIENT2, M_VM, C2_6, 41031, VM6, 5006, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_HOST, VM6, SNAT(51), HOST6, 5432, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_HOST6, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
		.post = post_snat_distinct, .arg = { 50, 51 },
	},
	{
		.desc = "IPv6 ONEARM: reply to the second client goes to its own MAC",
		.in = { TCP6(M_HOST, M_VM, HOST6, 5432, VM6, SNAT(51), TH_SYN | TH_ACK) },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_CLIENT2, VM6, 5006, C2_6, 41031, TH_SYN | TH_ACK),
			 .ttl = 63 },
		.ct = CT_HIT, .id = ID_HOST6, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	/* Hop limit 1 on one-arm (icmp6.h icmp_ttl_reply6): an ICMPv6 time
	 * exceeded from @vm6 back to the sender's MAC, hop limit 64, quoting
	 * the packet as received up to 1232 bytes (1280 in all). */
	{
		.desc = "IPv6 ONEARM: established packet with hop limit 1 answered: time exceeded from @vm6 quoting all of it (icmp_ttl_sent)",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41030, VM6, 5006, TH_ACK), .ttl = 1 },
		.verdict = V_TX,
		.out = { TTL6_REPLY(M_VM, M_CLIENT, C1_6),
			 QUOTE(TCP6(M_CLIENT, M_VM, C1_6, 41030, VM6, 5006, TH_ACK), .ttl = 1) },
		.ct = CT_KEEP, .stat = { WF_EV_ICMP_TTL_SENT },
	},
	{
		.desc = "IPv6 ONEARM: reply with hop limit 1 answered to @host6 from @vm6",
		.in = { TCP6(M_HOST, M_VM, HOST6, 5432, VM6, SNAT(51), TH_ACK), .ttl = 1 },
		.verdict = V_TX,
		.out = { TTL6_REPLY(M_VM, M_HOST, HOST6),
			 QUOTE(TCP6(M_HOST, M_VM, HOST6, 5432, VM6, SNAT(51), TH_ACK), .ttl = 1) },
		.ct = CT_KEEP, .stat = { WF_EV_ICMP_TTL_SENT },
	},
	{
		.desc = "IPv6 ONEARM: hop limit 1 on a 1360-byte packet: the quote cut at 1232 bytes, 1280 in all",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41030, VM6, 5006, TH_ACK), .paylen = 1300,
			.ttl = 1 },
		.verdict = V_TX,
		.out = { TTL6_REPLY(M_VM, M_CLIENT, C1_6), .quote = 1232 - 40,
			 QUOTE(TCP6(M_CLIENT, M_VM, C1_6, 41030, VM6, 5006, TH_ACK),
			       .paylen = 1300, .ttl = 1) },
		.ct = CT_KEEP, .stat = { WF_EV_ICMP_TTL_SENT },
	},
	{
		.desc = "IPv6 ONEARM: hop limit 1 beyond the rate limit of answers dropped (ttl)",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41030, VM6, 5006, TH_ACK), .ttl = 1 },
		.verdict = V_DROP,
		.ct = CT_KEEP, .stat = { WF_DROP_TTL },
		.pre = pre_icmp_exhaust, .post = post_icmp_refill,
	},
	{
		.desc = "IPv6 ONEARM: SYN with a hop-by-hop header and timestamps: full NAT past it, SNAT hint",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41033, VM6, 5006, TH_SYN), EXT6(0),
			.tsopt = TS_LINUX, .tsval = 0x77665544 },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_HOST, VM6, SNAT(56), HOST6, 5432, TH_SYN), EXT6(0),
			 .tsopt = TS_LINUX, .tsval = 0x77665544, .ttl = 63 },
		.ct = CT_NEW, .id = ID_HOST6, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "IPv6 ONEARM: its reply with a destination options header back to the client",
		.in = { TCP6(M_HOST, M_VM, HOST6, 5432, VM6, SNAT(56), TH_SYN | TH_ACK), EXT6(60),
			.ext_len = { 2 } },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_CLIENT, VM6, 5006, C1_6, 41033, TH_SYN | TH_ACK), EXT6(60),
			 .ext_len = { 2 }, .ttl = 63 },
		.ct = CT_HIT, .id = ID_HOST6, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "IPv6 ONEARM: SYN with hop limit 1 answered: time exceeded, no connection",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41032, VM6, 5006, TH_SYN), .ttl = 1 },
		.verdict = V_TX,
		.out = { TTL6_REPLY(M_VM, M_CLIENT, C1_6),
			 QUOTE(TCP6(M_CLIENT, M_VM, C1_6, 41032, VM6, 5006, TH_SYN), .ttl = 1) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TTL_SENT },
	},
	{
		.desc = "IPv6 ONEARM: UDP with a hop-by-hop header and hop limit 1: the quote keeps the header",
		.in = { UDP6(M_CLIENT, M_VM, C1_6, 51210, VM6, 6006), EXT6(0), .ttl = 1 },
		.verdict = V_TX,
		.out = { TTL6_REPLY(M_VM, M_CLIENT, C1_6),
			 QUOTE(UDP6(M_CLIENT, M_VM, C1_6, 51210, VM6, 6006), EXT6(0), .ttl = 1) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TTL_SENT },
	},
	{
		.desc = "IPv6 LOCAL: bytes after payload_len kept, not summed",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41006, VM6, 8086, TH_SYN), .pad = 6 },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 41006, VM6, 18086, TH_SYN), .pad = 6 },
		.ct = CT_NEW, .id = ID_LOCAL6, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "IPv6 BEHIND: target without a neighbour entry still handed to the stack",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41011, VM6, 4007, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 41011, CTR2_6, 80, TH_SYN) },
		.ct = CT_NEW, .id = ID_BEHIND2_6, .kind = WF_KIND_BEHIND, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "IPv6 BEHIND via a wf_redirect device: a datagram of exactly its wf_dev_mtu is redirected",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41020, VM6, 4106, TH_ACK), .paylen = 1340 },
		.verdict = V_REDIRECT,
		.out = { TCP6(M_RDEV, M_RTGT, C1_6, 41020, RTGT6, 80, TH_ACK), .paylen = 1340,
			 .ttl = 63 },
		.ct = CT_HIT, .id = ID_REDIR6, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_EST,
		.xdp_only = XDP_REDIR,
	},
	{
		.desc = "IPv6 BEHIND via a wf_redirect device: one byte over its wf_dev_mtu goes to the stack (redirect_mtu)",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41020, VM6, 4106, TH_ACK), .paylen = 1341 },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 41020, RTGT6, 80, TH_ACK), .paylen = 1341 },
		.ct = CT_HIT, .id = ID_REDIR6, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_EST,
		.stat = { WF_EV_REDIRECT_MTU },
		.xdp_only = XDP_REDIR,
	},
	{
		.desc = "IPv6 ONEARM: target on eth0's link without a neighbour dropped (no_neigh)",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41034, VM6, 7006, TH_SYN) },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_NO_NEIGH },
	},
	{
		.desc = "IPv6: unroutable target dropped (fib)",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41035, VM6, 8446, TH_SYN) },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_FIB },
	},
	/* Link-local: the FIB answers NOT_FWDED for them ("never forwarded") */
	{
		.desc = "IPv6 link-local target: dropped (fib), not sent up as LOCAL",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41036, VM6, 4206, TH_SYN) },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_FIB },
	},
	/* The next-hop cache (wf_nh, design.md "Next-hop cache") */
	{
		.desc = "IPv6 link-local target with a fresh wf_nh entry: SYN leaves from eth0's link-local address, the entry's MACs, TX",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41040, VM6, 4206, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_HOST, LL_VM6, SNAT(88), LL6_GW, 80, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_LL6, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_NH_HIT },
		.pre = pre_nh_ll6, .post = post_nh_clear,
	},
	{
		.desc = "IPv6 link-local target: its SYN-ACK to eth0's link-local address returns to the client, TX",
		.in = { TCP6(M_HOST, M_VM, LL6_GW, 80, LL_VM6, SNAT(88), TH_SYN | TH_ACK) },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_CLIENT, VM6, 4206, C1_6, 41040, TH_SYN | TH_ACK), .ttl = 63 },
		.ct = CT_HIT, .id = ID_LL6, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "IPv6 link-local target whose wf_nh entry is past its age: dropped (fib), nh_stale",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41041, VM6, 4206, TH_SYN) },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_FIB, WF_EV_NH_STALE },
		.pre = pre_nh_ll6_stale, .post = post_nh_clear,
	},
	/* A link-local target that is a route's gateway, past its entry's
	 * age (no watch): the FIB's answer for the entry's probe destination
	 * (fwd_nh_probe6). The pre hooks add fd00:77::/64 via a link-local
	 * gateway and its neighbour; the stale entry says M_HOST, the kernel
	 * M_PEER: the output tells whose answer went out. */
	{
		.desc = "IPv6 link-local gateway past its wf_nh age: the FIB's answer for the probe (the kernel's neighbour MAC, not the entry's), from eth0's link-local address, TX",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41042, VM6, 4206, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_PEER, LL_VM6, SNAT(90), LL6_GW, 80, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_LL6, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_NH_STALE },
		.pre = pre_nh_probe_gw, .post = post_nh_probe_clear,
	},
	{
		.desc = "IPv6 link-local gateway reached through the probe: its SYN-ACK returns to the client, TX",
		.in = { TCP6(M_PEER, M_VM, LL6_GW, 80, LL_VM6, SNAT(90), TH_SYN | TH_ACK) },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_CLIENT, VM6, 4206, C1_6, 41042, TH_SYN | TH_ACK), .ttl = 63 },
		.ct = CT_HIT, .id = ID_LL6, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "IPv6 link-local target past its wf_nh age whose probe is now routed through another gateway: dropped (fib)",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41043, VM6, 4206, TH_SYN) },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_FIB, WF_EV_NH_STALE },
		.pre = pre_nh_probe_other_gw, .post = post_nh_probe_clear,
	},
	{
		.desc = "IPv6 link-local gateway past its wf_nh age, its neighbour not resolved in the kernel: dropped (no_neigh)",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41044, VM6, 4206, TH_SYN) },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_NO_NEIGH, WF_EV_NH_STALE },
		.pre = pre_nh_probe_no_neigh, .post = post_nh_probe_clear,
	},
	{
		.desc = "ONEARM @host with a fresh wf_nh entry: the entry's next hop MAC, not a FIB lookup",
		.in = { TCP(M_CLIENT, M_VM, C1, 40990, VM, 5000, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_PEER, VM, SNAT(89), HOST, 5432, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_HOST, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_NH_HIT },
		.pre = pre_nh_host_peer_mac, .post = post_nh_clear,
	},
	{
		.desc = "IPv6 link-local client to a BEHIND target: dropped (fib: the stack forwards no link-local source)",
		.in = { TCP6(M_CLIENT, M_VM, LL6_C, 41037, VM6, 4006, TH_SYN) },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_FIB },
	},
	{
		.desc = "IPv6 link-local client to a LOCAL target: translated",
		.in = { TCP6(M_CLIENT, M_VM, LL6_C, 41038, VM6, 8086, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, LL6_C, 41038, VM6, 18086, TH_SYN) },
		.ct = CT_NEW, .id = ID_LOCAL6, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "IPv6 routing header with segments left: the VM is a hop, passed untouched",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41039, VM6, 8086, TH_SYN), EXT6(43),
			.ext_len = { 2 }, .seg_left = 1 },
		.verdict = V_PASS, .same = true,
		.ct = CT_NONE,
	},
	{
		.desc = "IPv6 forwarding off on eth0: one-arm target dropped (fwd_disabled), not sent",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41036, VM6, 5006, TH_SYN) },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_FWD_DISABLED },
		.pre = pre_fwd6_off, .post = post_fwd6_on,
	},
	{
		.desc = "IPv6 forwarding off on eth0: @vm6 target still forwarded (no FIB lookup)",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41007, VM6, 8086, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 41007, VM6, 18086, TH_SYN) },
		.ct = CT_NEW, .id = ID_LOCAL6, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
		.pre = pre_fwd6_off, .post = post_fwd6_on,
	},
	{
		.desc = "IPv6 malformed: TCP doff < 5 passes untouched (malformed)",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41045, VM6, 8086, TH_SYN), .doff = 4 },
		.verdict = V_PASS, .same = true,
		.ct = CT_NONE, .stat = { WF_DROP_MALFORMED },
	},
	{
		.desc = "IPv6 malformed: UDP header cut by payload_len passes untouched (malformed)",
		.in = { UDP6(M_CLIENT, M_VM, C1_6, 51045, VM6, 5356), .tot_len = 4,
			.cut = ETH_HLEN_ + 40 + 4 },
		.verdict = V_PASS, .same = true,
		.ct = CT_NONE, .stat = { WF_DROP_MALFORMED },
	},
	/* ---- IPv6 UDP ---- */
	{
		.desc = "IPv6 UDP LOCAL: checksum correct after the port rewrite",
		.in = { UDP6(M_CLIENT, M_VM, C1_6, 51000, VM6, 5356) },
		.verdict = V_PASS,
		.out = { UDP6(M_CLIENT, M_VM, C1_6, 51000, VM6, 15356) },
		.ct = CT_NEW, .id = ID_ULOCAL6, .kind = WF_KIND_LOCAL, .state = WF_CT_UDP,
	},
	{
		.desc = "IPv6 UDP LOCAL: reply leaves as [@vm6]:5356, REPLIED",
		.hook = H_EG,
		.in = { UDP6F(M_VM, M_CLIENT, VM6, 15356, C1_6, 51000), .paylen = 200 },
		.verdict = V_PASS,
		.out = { UDP6F(M_VM, M_CLIENT, VM6, 5356, C1_6, 51000), .paylen = 200 },
		.ct = CT_HIT, .id = ID_ULOCAL6, .dir = WF_DIR_REPLY, .state = WF_CT_UDP_REPLIED,
	},
	{
		.desc = "IPv6 UDP: checksum 0 to a mapped port dropped (udp6_zero_csum), no connection",
		.in = { UDP6(M_CLIENT, M_VM, C1_6, 51001, VM6, 5356), .csum = CS_ZERO },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_UDP6_ZERO_CSUM },
	},
	{
		.desc = "IPv6 UDP ONEARM: request full-NATed to [@host6]:6001, hop limit-1, TX",
		.in = { UDP6(M_CLIENT, M_VM, C1_6, 51010, VM6, 6006) },
		.verdict = V_TX,
		.out = { UDP6(M_VM, M_HOST, VM6, SNAT(52), HOST6, 6001), .ttl = 63 },
		.ct = CT_NEW, .id = ID_UHOST6, .kind = WF_KIND_ONEARM, .state = WF_CT_UDP,
	},
	{
		.desc = "IPv6 UDP ONEARM: reply returns to the client from [@vm6]:6006, TX",
		.in = { UDP6F(M_HOST, M_VM, HOST6, 6001, VM6, SNAT(52)), .paylen = 99 },
		.verdict = V_TX,
		.out = { UDP6F(M_VM, M_CLIENT, VM6, 6006, C1_6, 51010), .paylen = 99, .ttl = 63 },
		.ct = CT_HIT, .id = ID_UHOST6, .dir = WF_DIR_REPLY, .state = WF_CT_UDP_REPLIED,
	},
	/* ---- IPv6 extension headers: up to WF_IP6_EXT_MAX (6) walked ---- */
	{
		.desc = "IPv6 ext: hop-by-hop + destination options before TCP: translated, L4 past them",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41040, VM6, 8086, TH_SYN), EXT6(0, 60),
			.ext_len = { 0, 1 }, .tsopt = TS_LINUX, .tsval = 0x1234 },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 41040, VM6, 18086, TH_SYN), EXT6(0, 60),
			 .ext_len = { 0, 1 }, .tsopt = TS_LINUX, .tsval = 0x1234 },
		.ct = CT_NEW, .id = ID_LOCAL6, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "IPv6 ext: its reply on egress with a destination options header translated",
		.hook = H_EG,
		.in = { TCP6(M_VM, M_CLIENT, VM6, 18086, C1_6, 41040, TH_SYN | TH_ACK), EXT6(60) },
		.verdict = V_PASS,
		.out = { TCP6(M_VM, M_CLIENT, VM6, 8086, C1_6, 41040, TH_SYN | TH_ACK), EXT6(60) },
		.ct = CT_HIT, .id = ID_LOCAL6, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "IPv6 ext: six headers (hop-by-hop, dest, routing, dest x3) before UDP: translated",
		.in = { UDP6(M_CLIENT, M_VM, C1_6, 51020, VM6, 5356), EXT6(0, 60, 43, 60, 60, 60),
			.ext_len = { 1, 0, 2, 0, 3, 0 } },
		.verdict = V_PASS,
		.out = { UDP6(M_CLIENT, M_VM, C1_6, 51020, VM6, 15356), EXT6(0, 60, 43, 60, 60, 60),
			 .ext_len = { 1, 0, 2, 0, 3, 0 } },
		.ct = CT_NEW, .id = ID_ULOCAL6, .kind = WF_KIND_LOCAL, .state = WF_CT_UDP,
	},
	{
		.desc = "IPv6 ext: seven headers before TCP pass untouched (ip6_ext_chain), no connection",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41041, VM6, 8086, TH_SYN),
			EXT6(0, 60, 43, 60, 60, 60, 60) },
		.verdict = V_PASS, .same = true,
		.ct = CT_NONE, .stat = { WF_EV_IP6_EXT_CHAIN },
	},
	{
		.desc = "IPv6 ext: destination options running past payload_len pass untouched (malformed)",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41042, VM6, 8086, TH_SYN), EXT6(60),
			.ext_len = { 30 }, .tot_len = 40, .cut = ETH_HLEN_ + 40 + 40 },
		.verdict = V_PASS, .same = true,
		.ct = CT_NONE, .stat = { WF_DROP_MALFORMED },
	},
	{
		.desc = "IPv6 malformed: payload_len beyond the frame passes untouched (malformed)",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41043, VM6, 8086, TH_SYN), .tot_len = 1000 },
		.verdict = V_PASS, .same = true,
		.ct = CT_NONE, .stat = { WF_DROP_MALFORMED },
	},
	{
		.desc = "IPv6 malformed: TCP header cut by payload_len passes untouched (malformed)",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41044, VM6, 8086, TH_SYN), .tot_len = 12,
			.cut = ETH_HLEN_ + 40 + 12 },
		.verdict = V_PASS, .same = true,
		.ct = CT_NONE, .stat = { WF_DROP_MALFORMED },
	},
	{
		.desc = "IPv6 ext: ESP to @vm6 passes untouched, nothing counted",
		.in = { .kind = K_IP6, .smac = M_CLIENT, .dmac = M_VM, .proto = 50,
			.saddr6 = C1_6, .daddr6 = VM6, .paylen = 64 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "IPv6 ext: hop-by-hop then no next header (59) passes untouched",
		.in = { .kind = K_IP6, .smac = M_CLIENT, .dmac = M_VM, .proto = 59,
			.saddr6 = C1_6, .daddr6 = VM6, EXT6(0) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	/* ---- IPv6 fragments (slice 3: bpf/lib/frag.h, wf_frag6) ----
	 * As IPv4's above: a 1808-byte UDP (1820-byte TCP) datagram cut at
	 * 1232 bytes (1280 - 48), the fragment header last; each datagram an
	 * id of its own. Later fragments get the addresses (no header
	 * checksum) and, sent by us, the hop limit. */
	{
		.desc = "IPv6 fragment LOCAL: first fragment translated like the flow, connection created",
		.in = { UDP6F(M_CLIENT, M_VM, C1_6, 51100, VM6, 5356), FIRST6(0x6101) },
		.verdict = V_PASS,
		.out = { UDP6F(M_CLIENT, M_VM, C1_6, 51100, VM6, 15356), FIRST6(0x6101) },
		.ct = CT_NEW, .id = ID_ULOCAL6, .kind = WF_KIND_LOCAL, .state = WF_CT_UDP,
	},
	{
		.desc = "IPv6 fragment LOCAL: later fragment goes up as its first (frag_translated)",
		.in = { UDP6F(M_CLIENT, M_VM, C1_6, 51100, VM6, 5356), LATER6_U(0x6101) },
		.verdict = V_PASS, .same = true,
		.ct = CT_FRAG, .id = ID_ULOCAL6, .dir = WF_DIR_ORIG,
		.stat = { WF_EV_FRAG_TRANSLATED },
	},
	{
		.desc = "IPv6 fragment LOCAL: first fragment of the reply leaves as [@vm6]:5356",
		.hook = H_EG,
		.in = { UDP6F(M_VM, M_CLIENT, VM6, 15356, C1_6, 51100), FIRST6(0x6201) },
		.verdict = V_PASS,
		.out = { UDP6F(M_VM, M_CLIENT, VM6, 5356, C1_6, 51100), FIRST6(0x6201) },
		.ct = CT_HIT, .id = ID_ULOCAL6, .dir = WF_DIR_REPLY, .state = WF_CT_UDP_REPLIED,
	},
	{
		.desc = "IPv6 fragment LOCAL: later fragment of the reply leaves as its first",
		.hook = H_EG,
		.in = { UDP6F(M_VM, M_CLIENT, VM6, 15356, C1_6, 51100), LATER6_U(0x6201) },
		.verdict = V_PASS, .same = true,
		.ct = CT_FRAG, .id = ID_ULOCAL6, .dir = WF_DIR_REPLY,
		.stat = { WF_EV_FRAG_TRANSLATED },
	},
	{
		.desc = "IPv6 fragment: first fragment of an established flow translated too",
		.in = { UDP6F(M_CLIENT, M_VM, C1_6, 51000, VM6, 5356), FIRST6(0x6004) },
		.verdict = V_PASS,
		.out = { UDP6F(M_CLIENT, M_VM, C1_6, 51000, VM6, 15356), FIRST6(0x6004) },
		.ct = CT_HIT, .id = ID_ULOCAL6, .dir = WF_DIR_ORIG, .state = WF_CT_UDP_REPLIED,
	},
	{
		.desc = "IPv6 fragment ONEARM: first fragment full-NATed to @host6, hop limit-1, TX",
		.in = { UDP6F(M_CLIENT, M_VM, C1_6, 51101, VM6, 6006), FIRST6(0x6102) },
		.verdict = V_TX,
		.out = { UDP6F(M_VM, M_HOST, VM6, SNAT(61), HOST6, 6001), FIRST6(0x6102),
			 .ttl = 63 },
		.ct = CT_NEW, .id = ID_UHOST6, .kind = WF_KIND_ONEARM, .state = WF_CT_UDP,
	},
	{
		.desc = "IPv6 fragment ONEARM: later fragment gets addresses, MACs, hop limit-1, TX",
		.in = { UDP6F(M_CLIENT, M_VM, C1_6, 51101, VM6, 6006), LATER6_U(0x6102) },
		.verdict = V_TX,
		.out = { UDP6F(M_VM, M_HOST, VM6, 1, HOST6, 1), LATER6_U(0x6102), .ttl = 63 },
		.ct = CT_FRAG, .id = ID_UHOST6, .dir = WF_DIR_ORIG,
		.stat = { WF_EV_FRAG_TRANSLATED },
	},
	{
		.desc = "IPv6 fragment ONEARM: later fragment with hop limit 1 dropped (ttl)",
		.in = { UDP6F(M_CLIENT, M_VM, C1_6, 51101, VM6, 6006), LATER6_U(0x6102), .ttl = 1 },
		.verdict = V_DROP, .ct = CT_KEEP,
		.stat = { WF_DROP_TTL },
	},
	{
		.desc = "IPv6 fragment ONEARM: first fragment of the reply back to the client, TX",
		.in = { UDP6F(M_HOST, M_VM, HOST6, 6001, VM6, SNAT(61)), FIRST6(0x6301), .ttl = 128 },
		.verdict = V_TX,
		.out = { UDP6F(M_VM, M_CLIENT, VM6, 6006, C1_6, 51101), FIRST6(0x6301), .ttl = 127 },
		.ct = CT_HIT, .id = ID_UHOST6, .dir = WF_DIR_REPLY, .state = WF_CT_UDP_REPLIED,
	},
	{
		.desc = "IPv6 fragment ONEARM: later fragment of the reply back to the client, TX",
		.in = { UDP6F(M_HOST, M_VM, HOST6, 6001, VM6, 1), LATER6_U(0x6301), .ttl = 128 },
		.verdict = V_TX,
		.out = { UDP6F(M_VM, M_CLIENT, VM6, 1, C1_6, 1), LATER6_U(0x6301), .ttl = 127 },
		.ct = CT_FRAG, .id = ID_UHOST6, .dir = WF_DIR_REPLY,
		.stat = { WF_EV_FRAG_TRANSLATED },
	},
	{
		.desc = "IPv6 fragment BEHIND: TCP first fragment to the container via the stack",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41110, VM6, 4006, TH_ACK), FIRST6(0x6103) },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 41110, CTR6, 80, TH_ACK), FIRST6(0x6103) },
		.ct = CT_NEW, .id = ID_BEHIND6, .kind = WF_KIND_BEHIND, .state = WF_CT_TCP_PICKUP,
	},
	{
		.desc = "IPv6 fragment BEHIND: later fragment to the container, hop limit left to the stack",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41110, VM6, 4006, TH_ACK), LATER6_T(0x6103) },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 1, CTR6, 1, TH_ACK), LATER6_T(0x6103) },
		.ct = CT_FRAG, .id = ID_BEHIND6, .dir = WF_DIR_ORIG,
		.stat = { WF_EV_FRAG_TRANSLATED },
	},
	{
		.desc = "IPv6 fragment BEHIND: first fragment of the reply leaves eth0 as [@vm6]:4006",
		.hook = H_EG,
		.in = { TCP6(M_VM, M_CLIENT, CTR6, 80, C1_6, 41110, TH_ACK), FIRST6(0x6202),
			.ttl = 63 },
		.verdict = V_PASS,
		.out = { TCP6(M_VM, M_CLIENT, VM6, 4006, C1_6, 41110, TH_ACK), FIRST6(0x6202),
			 .ttl = 63 },
		.ct = CT_HIT, .id = ID_BEHIND6, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_EST,
	},
	{
		.desc = "IPv6 fragment BEHIND: later fragment of the reply leaves eth0 from @vm6",
		.hook = H_EG,
		.in = { TCP6(M_VM, M_CLIENT, CTR6, 1, C1_6, 1, TH_ACK), LATER6_T(0x6202), .ttl = 63 },
		.verdict = V_PASS,
		.out = { TCP6(M_VM, M_CLIENT, VM6, 1, C1_6, 1, TH_ACK), LATER6_T(0x6202), .ttl = 63 },
		.ct = CT_FRAG, .id = ID_BEHIND6, .dir = WF_DIR_REPLY,
		.stat = { WF_EV_FRAG_TRANSLATED },
	},
	{
		.desc = "IPv6 fragment out of order: later fragment before its first passes untouched (frag_passed)",
		.in = { UDP6F(M_CLIENT, M_VM, C1_6, 51102, VM6, 6006), LATER6_U(0x6104) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
		.stat = { WF_EV_FRAG_PASSED },
	},
	{
		.desc = "IPv6 fragment out of order: its first fragment still translated, TX",
		.in = { UDP6F(M_CLIENT, M_VM, C1_6, 51102, VM6, 6006), FIRST6(0x6104) },
		.verdict = V_TX,
		.out = { UDP6F(M_VM, M_HOST, VM6, SNAT(62), HOST6, 6001), FIRST6(0x6104),
			 .ttl = 63 },
		.ct = CT_NEW, .id = ID_UHOST6, .kind = WF_KIND_ONEARM, .state = WF_CT_UDP,
	},
	{
		.desc = "IPv6 fragment: later fragment after the entry's 30 s passes untouched (frag_passed)",
		.in = { UDP6F(M_CLIENT, M_VM, C1_6, 51102, VM6, 6006), LATER6_U(0x6104) },
		.verdict = V_PASS, .same = true, .ct = CT_KEEP,
		.stat = { WF_EV_FRAG_PASSED },
		.pre = pre_frag6_age,
	},
	{
		.desc = "IPv6 fragment: the same id from another source is another datagram (frag_passed)",
		.in = { UDP6F(M_CLIENT2, M_VM, C2_6, 51101, VM6, 6006), LATER6_U(0x6102) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
		.stat = { WF_EV_FRAG_PASSED },
	},
	{
		.desc = "IPv6 fragment not ours: later fragment of an unknown datagram passes untouched",
		.in = { UDP6F(M_CLIENT, M_VM, C1_6, 51103, VM6, 9999), LATER6_U(0x6105) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
		.stat = { WF_EV_FRAG_PASSED },
	},
	{
		.desc = "IPv6 fragment not ours: egress later fragment passes untouched, not counted",
		.hook = H_EG,
		.in = { UDP6F(M_VM, M_CLIENT, VM6, 15356, C1_6, 51104), LATER6_U(0x6203) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "IPv6 fragment dropped: first fragment from outside the allow list (not_allowed)",
		.in = { TCP6(M_CLIENT2, M_VM, C2_6, 41111, VM6, 9006, TH_ACK), FIRST6(0x6106) },
		.verdict = V_DROP, .ct = CT_NONE,
		.stat = { WF_DROP_NOT_ALLOWED },
	},
	{
		.desc = "IPv6 fragment dropped: ... its later fragment too, same reason (not_allowed)",
		.in = { TCP6(M_CLIENT2, M_VM, C2_6, 41111, VM6, 9006, TH_ACK), LATER6_T(0x6106) },
		.verdict = V_DROP, .ct = CT_NONE,
		.stat = { WF_DROP_NOT_ALLOWED },
	},
	{
		.desc = "IPv6 counted once: later fragment after XDP, not counted again",
		.hook = H_LO,
		.in = { UDP6F(M_CLIENT, M_VM, C1_6, 51105, VM6, 5356), LATER6_U(0x6107) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "IPv6 fragment: first fragment to an unmapped port passes untouched",
		.in = { UDP6F(M_CLIENT, M_VM, C1_6, 51031, VM6, 5357), FIRST6(0x6002) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "IPv6 fragment: an atomic fragment (offset 0, M clear, RFC 6946) is translated whole",
		.in = { UDP6(M_CLIENT, M_VM, C1_6, 51032, VM6, 5356), EXT6(44), .ipid = 0x6003 },
		.verdict = V_PASS,
		.out = { UDP6(M_CLIENT, M_VM, C1_6, 51032, VM6, 15356), EXT6(44), .ipid = 0x6003 },
		.ct = CT_NEW, .id = ID_ULOCAL6, .kind = WF_KIND_LOCAL, .state = WF_CT_UDP,
	},
	{
		.desc = "IPv6 pass-through: packet too big to @vm6 untouched (ICMPv6 errors: a later slice)",
		.in = { ICMP6(M_HOST, M_VM, HOST6, VM6, 2), .paylen = 80 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	/* ---- IPv6 pass-through, bit for bit ---- */
	{
		.desc = "IPv6 pass-through: neighbour solicitation for @vm6 untouched",
		.in = { ICMP6(M_CLIENT, M_SOLNODE, C1_6, SOLNODE6, 135), .ttl = 255,
			.target6 = VM6 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "IPv6 pass-through: neighbour advertisement to @vm6 untouched",
		.in = { ICMP6(M_PEER, M_VM, PEER6, VM6, 136), .ttl = 255, .target6 = PEER6 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "egress IPv6 pass-through: @vm6's neighbour advertisement untouched",
		.hook = H_EG,
		.in = { ICMP6(M_VM, M_CLIENT, VM6, C1_6, 136), .ttl = 255, .target6 = VM6 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "IPv6 pass-through: router advertisement to all nodes untouched",
		.in = { ICMP6(M_HOST, M_ALLNODES, LL_HOST6, ALLNODES6, 134), .ttl = 255 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "IPv6 pass-through: MLDv2 report (hop-by-hop router alert, hop limit 1) untouched",
		.in = { ICMP6(M_CLIENT, M_MLDV2, LL_C1_6, MLDV2_6, 143), .ttl = 1, EXT6(0),
			.target6 = SOLNODE6 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "IPv6 pass-through: ICMPv6 echo request to @vm6 untouched",
		.in = { ICMP6(M_CLIENT, M_VM, C1_6, VM6, 128), .paylen = 56 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "egress IPv6 pass-through: ICMPv6 echo reply from @vm6 untouched",
		.hook = H_EG,
		.in = { ICMP6(M_VM, M_CLIENT, VM6, C1_6, 129), .paylen = 56 },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "IPv6 pass-through: TCP to an unmapped [@vm6] port untouched",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41050, VM6, 8087, TH_SYN) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "IPv6 pass-through: a mapped port on another address untouched",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41051, OTHER6, 8086, TH_SYN) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "IPv6 pass-through: UDP to a TCP-only mapped port untouched",
		.in = { UDP6(M_CLIENT, M_VM, C1_6, 51040, VM6, 8086) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "egress IPv6 pass-through: TCP from a target port without an entry untouched",
		.hook = H_EG,
		.in = { TCP6(M_VM, M_CLIENT, VM6, 18086, C1_6, 41052, TH_ACK) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "IPv6 VLAN 802.1Q VID 100: TCP to a mapped port untouched, no connection",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41053, VM6, 8086, TH_SYN), .vlan = 100 },
		.mtag = true,
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "IPv6 VLAN 802.1Q VID 100: egress reply of a tracked flow untouched",
		.hook = H_EG,
		.in = { TCP6(M_VM, M_CLIENT, VM6, 18086, C1_6, 41005, TH_ACK), .vlan = 100 },
		.mtag = true,
		.verdict = V_PASS, .same = true, .ct = CT_KEEP,
	},
	/* ---- IPv6 loopback-only targets ([::1], lo.h) ----
	 * BPF_PROG_RUN has no listening socket to assign a packet to: a
	 * mapped packet passes untouched in every hook (XDP leaves it to
	 * wf_tc_lo_ingress, which like tc ingress finds no [::1] socket), and
	 * nothing is tracked. The UDP server's reply (from LADDR, which
	 * sendmsg6 set) gets LPORT as source port on egress from wf_lo_udp6,
	 * which pre_lo_udp6 fills as tc ingress would. */
	{
		.desc = "IPv6 [::1] target: SYN with no [::1] listener passes untouched, no connection",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41300, VM6, 8096, TH_SYN) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "IPv6 [::1] target: wf_tc_lo_ingress with no [::1] listener passes untouched",
		.hook = H_LO,
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41300, VM6, 8096, TH_SYN) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "IPv6 [::1] target: UDP with no [::1] socket passes untouched, nothing remembered",
		.in = { UDP6(M_CLIENT, M_VM, C1_6, 51300, VM6, 7116) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
		.post = post_lo_udp6,
	},
	{
		.desc = "IPv6 [::1] UDP server's reply: source port 7112 -> 7116 (wf_lo_udp6), counted",
		.hook = H_EG,
		.in = { UDP6(M_VM, M_CLIENT, VM6, 7112, C1_6, 51300) },
		.verdict = V_PASS,
		.out = { UDP6(M_VM, M_CLIENT, VM6, 7116, C1_6, 51300) },
		.ct = CT_LO, .id = ID_ULO6, .dir = WF_DIR_REPLY,
		.pre = pre_lo_udp6, .post = post_lo_udp6,
	},
	{
		.desc = "IPv6 [::1] UDP server's datagram to another client: untouched",
		.hook = H_EG,
		.in = { UDP6(M_VM, M_CLIENT, VM6, 7112, C2_6, 51300) },
		.verdict = V_PASS, .same = true, .ct = CT_KEEP,
		.pre = pre_lo_udp6, .post = post_lo_udp6,
	},
	{
		.desc = "IPv6 [::1] UDP server's datagram from another address than LADDR: untouched",
		.hook = H_EG,
		.in = { UDP6(M_VM, M_CLIENT, OTHER6, 7112, C1_6, 51300) },
		.verdict = V_PASS, .same = true, .ct = CT_KEEP,
		.pre = pre_lo_udp6, .post = post_lo_udp6,
	},

	/* ---- IPv6 allow list: fd00:29::18:10/128 ---- */
	{
		.desc = "IPv6 allow: the /128 source forwarded",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41060, VM6, 9006, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 41060, CTR6, 9000, TH_SYN) },
		.ct = CT_NEW, .id = ID_ALLOW6, .kind = WF_KIND_BEHIND, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "IPv6 allow: another source dropped (not_allowed)",
		.in = { TCP6(M_CLIENT2, M_VM, C2_6, 41061, VM6, 9006, TH_SYN) },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_NOT_ALLOWED },
	},
	/* ---- IPv6 expiry, and SNAT: a port space per family (62000-62001) ---- */
	{
		.desc = "IPv6 conntrack: SYN for the expiry case creates the flow",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41090, VM6, 8086, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 41090, VM6, 18086, TH_SYN) },
		.ct = CT_NEW, .id = ID_LOCAL6, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "IPv6 conntrack: expired flow counted (ct_expired), re-created by next packet",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41090, VM6, 8086, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 41090, VM6, 18086, TH_SYN) },
		.ct = CT_NEW, .id = ID_LOCAL6, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CT_EXPIRED },
		.pre = pre_age6,
	},
	{
		.desc = "IPv6 conntrack: UDP flow for the expired-reply case",
		.in = { UDP6(M_CLIENT, M_VM, C1_6, 51090, VM6, 5356) },
		.verdict = V_PASS,
		.out = { UDP6(M_CLIENT, M_VM, C1_6, 51090, VM6, 15356) },
		.ct = CT_NEW, .id = ID_ULOCAL6, .kind = WF_KIND_LOCAL, .state = WF_CT_UDP,
	},
	{
		.desc = "IPv6 conntrack: reply after the timeout translated, both halves revived (ct_revived)",
		.hook = H_EG,
		.in = { UDP6(M_VM, M_CLIENT, VM6, 15356, C1_6, 51090) },
		.verdict = V_PASS,
		.out = { UDP6(M_VM, M_CLIENT, VM6, 5356, C1_6, 51090) },
		.ct = CT_HIT, .id = ID_ULOCAL6, .dir = WF_DIR_REPLY, .state = WF_CT_UDP_REPLIED,
		.stat = { WF_EV_CT_REVIVED },
		.pre = pre_age6,
	},
	{
		.desc = "SNAT per family: IPv4 client takes a port of 62000-62001",
		.inst = 1,
		.in = { TCP(M_CLIENT, M_VM, C1, 41100, VM, 5000, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_HOST, VM, SNAT(57), HOST, 5432, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_HOST, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
		.pre = pre_ct_flush,
	},
	{
		.desc = "SNAT per family: IPv4 client takes the other: IPv4's range full",
		.inst = 1,
		.in = { TCP(M_CLIENT2, M_VM, C2, 41101, VM, 5000, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_HOST, VM, SNAT(58), HOST, 5432, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_HOST, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "SNAT per family: an IPv6 client still gets a port on @vm6",
		.inst = 1,
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41102, VM6, 5006, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_HOST, VM6, SNAT(59), HOST6, 5432, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_HOST6, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "SNAT per family: a second IPv6 client gets the other port",
		.inst = 1,
		.in = { TCP6(M_CLIENT2, M_VM, C2_6, 41103, VM6, 5006, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_HOST, VM6, SNAT(60), HOST6, 5432, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_HOST6, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
		.post = post_snat_distinct, .arg = { 59, 60 },
	},
	{
		.desc = "SNAT per family: IPv6's range taken too, the next IPv6 connection dropped (snat_exhausted)",
		.inst = 1,
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41104, VM6, 5006, TH_SYN) },
		.verdict = V_DROP, .ct = CT_NONE,
		.stat = { WF_DROP_SNAT_EXHAUSTED },
	},
	{
		.desc = "SNAT per family: the IPv6 reply to the first port returns to its client",
		.inst = 1,
		.in = { TCP6(M_HOST, M_VM, HOST6, 5432, VM6, SNAT(59), TH_SYN | TH_ACK) },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_CLIENT, VM6, 5006, C1_6, 41102, TH_SYN | TH_ACK), .ttl = 63 },
		.ct = CT_HIT, .id = ID_HOST6, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "SNAT per family: an IPv4 reply to a port IPv6 holds too returns to the IPv4 client",
		.inst = 1,
		.in = { TCP(M_HOST, M_VM, HOST, 5432, VM, SNAT(57), TH_SYN | TH_ACK) },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_CLIENT, VM, 5000, C1, 41100, TH_SYN | TH_ACK), .ttl = 63 },
		.ct = CT_HIT, .id = ID_HOST, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	/* ---- ICMPv6 errors about translated flows (slice 3: bpf/lib/icmp6.h) ----
	 * As IPv4's: each quotes a packet as it left the VM; the output quotes
	 * it as its sender sent it, the ICMPv6 checksum (outer pseudo header
	 * included) and the inner ones recomputed from scratch by pkt.h. */
	{
		.desc = "ICMPv6 LOCAL: SYN [@vm6]:8086 -> [@vm6]:18086 (flow for the errors below)",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 43000, VM6, 8086, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 43000, VM6, 18086, TH_SYN) },
		.ct = CT_NEW, .id = ID_LOCAL6, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "ICMPv6 LOCAL: SYN-ACK leaves as [@vm6]:8086",
		.hook = H_EG,
		.in = { TCP6(M_VM, M_CLIENT, VM6, 18086, C1_6, 43000, TH_SYN | TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP6(M_VM, M_CLIENT, VM6, 8086, C1_6, 43000, TH_SYN | TH_ACK) },
		.ct = CT_HIT, .id = ID_LOCAL6, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "ICMPv6 LOCAL: router's packet too big about a reply goes up quoting [@vm6]:18086 "
			"(quote cut at 1280 bytes, inner TCP checksum held)",
		.in = { ICMP6ERR(M_HOST, M_VM, ROUTER6, VM6, 2, 0), .icmp_mtu = 1280, .quote = 1192,
			.ttl = 255,
			QUOTE(TCP6(M_VM, M_CLIENT, VM6, 8086, C1_6, 43000, TH_ACK), .paylen = 1400,
			      .ttl = 61) },
		.verdict = V_PASS,
		.out = { ICMP6ERR(M_HOST, M_VM, ROUTER6, VM6, 2, 0), .icmp_mtu = 1280, .quote = 1192,
			 .ttl = 255,
			 QUOTE(TCP6(M_VM, M_CLIENT, VM6, 18086, C1_6, 43000, TH_ACK), .paylen = 1400,
			       .ttl = 61) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "ICMPv6 LOCAL: quote of 8 bytes of TCP: checksum not held, ports translated",
		.in = { ICMP6ERR(M_HOST, M_VM, ROUTER6, VM6, 3, 0), .quote = 8,
			QUOTE(TCP6(M_VM, M_CLIENT, VM6, 8086, C1_6, 43000, TH_ACK)) },
		.verdict = V_PASS,
		.out = { ICMP6ERR(M_HOST, M_VM, ROUTER6, VM6, 3, 0), .quote = 8,
			 QUOTE(TCP6(M_VM, M_CLIENT, VM6, 18086, C1_6, 43000, TH_ACK)) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "ICMPv6 LOCAL: quoted packet with a destination options header translated past it",
		.in = { ICMP6ERR(M_HOST, M_VM, ROUTER6, VM6, 1, 3),
			QUOTE(TCP6(M_VM, M_CLIENT, VM6, 8086, C1_6, 43000, TH_ACK), EXT6(60)) },
		.verdict = V_PASS,
		.out = { ICMP6ERR(M_HOST, M_VM, ROUTER6, VM6, 1, 3),
			 QUOTE(TCP6(M_VM, M_CLIENT, VM6, 18086, C1_6, 43000, TH_ACK), EXT6(60)) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "ICMPv6 LOCAL: quote holding the ports but under 8 bytes dropped (icmp_short)",
		.in = { ICMP6ERR(M_HOST, M_VM, ROUTER6, VM6, 2, 0), .icmp_mtu = 1280, .quote = 4,
			QUOTE(TCP6(M_VM, M_CLIENT, VM6, 8086, C1_6, 43000, TH_ACK)) },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_ICMP_SHORT },
	},
	{
		.desc = "ICMPv6: quote without the ports cannot name a flow: passes untouched",
		.in = { ICMP6ERR(M_HOST, M_VM, ROUTER6, VM6, 2, 0), .icmp_mtu = 1280, .quote = 2,
			QUOTE(TCP6(M_VM, M_CLIENT, VM6, 8086, C1_6, 43000, TH_ACK)) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "ICMPv6: error about no flow of ours passes untouched",
		.in = { ICMP6ERR(M_HOST, M_VM, ROUTER6, VM6, 2, 0), .icmp_mtu = 1280,
			QUOTE(TCP6(M_VM, M_CLIENT, VM6, 8086, C1_6, 43999, TH_ACK)) },
		.verdict = V_PASS, .same = true, .ct = CT_NONE,
	},
	{
		.desc = "ICMPv6 LOCAL UDP: datagram [@vm6]:5356 -> [@vm6]:15356",
		.in = { UDP6(M_CLIENT, M_VM, C1_6, 53000, VM6, 5356) },
		.verdict = V_PASS,
		.out = { UDP6(M_CLIENT, M_VM, C1_6, 53000, VM6, 15356) },
		.ct = CT_NEW, .id = ID_ULOCAL6, .kind = WF_KIND_LOCAL, .state = WF_CT_UDP,
	},
	{
		.desc = "ICMPv6 LOCAL UDP: the VM's port unreachable quotes the client's own tuple",
		.hook = H_EG,
		.in = { ICMP6ERR(M_VM, M_CLIENT, VM6, C1_6, 1, 4),
			QUOTE(UDP6(M_CLIENT, M_VM, C1_6, 53000, VM6, 15356)) },
		.verdict = V_PASS,
		.out = { ICMP6ERR(M_VM, M_CLIENT, VM6, C1_6, 1, 4),
			 QUOTE(UDP6(M_CLIENT, M_VM, C1_6, 53000, VM6, 5356)) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "ICMPv6 BEHIND: SYN [@vm6]:4006 -> [fd00:17::2]:80",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 43100, VM6, 4006, TH_SYN) },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 43100, CTR6, 80, TH_SYN) },
		.ct = CT_NEW, .id = ID_BEHIND6, .kind = WF_KIND_BEHIND, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "ICMPv6 BEHIND: the VM's packet too big (container route MTU) quotes [@vm6]:4006",
		.hook = H_EG,
		.in = { ICMP6ERR(M_VM, M_CLIENT, VM6, C1_6, 2, 0), .icmp_mtu = 1400,
			QUOTE(TCP6(M_CLIENT, M_VM, C1_6, 43100, CTR6, 80, TH_ACK), .paylen = 60) },
		.verdict = V_PASS,
		.out = { ICMP6ERR(M_VM, M_CLIENT, VM6, C1_6, 2, 0), .icmp_mtu = 1400,
			 QUOTE(TCP6(M_CLIENT, M_VM, C1_6, 43100, VM6, 4006, TH_ACK), .paylen = 60) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "ICMPv6 BEHIND: the container's own error leaves from @vm6, not its address",
		.hook = H_EG,
		.in = { ICMP6ERR(M_VM, M_CLIENT, CTR6, C1_6, 4, 0), .icmp_mtu = 40,
			QUOTE(TCP6(M_CLIENT, M_VM, C1_6, 43100, CTR6, 80, TH_ACK)) },
		.verdict = V_PASS,
		.out = { ICMP6ERR(M_VM, M_CLIENT, VM6, C1_6, 4, 0), .icmp_mtu = 40,
			 QUOTE(TCP6(M_CLIENT, M_VM, C1_6, 43100, VM6, 4006, TH_ACK)) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "ICMPv6 BEHIND: a router's time exceeded behind the VM leaves from @vm6",
		.hook = H_EG,
		.in = { ICMP6ERR(M_VM, M_CLIENT, CROUTER6, C1_6, 3, 0),
			QUOTE(TCP6(M_CLIENT, M_VM, C1_6, 43100, CTR6, 80, TH_ACK), .ttl = 1) },
		.verdict = V_PASS,
		.out = { ICMP6ERR(M_VM, M_CLIENT, VM6, C1_6, 3, 0),
			 QUOTE(TCP6(M_CLIENT, M_VM, C1_6, 43100, VM6, 4006, TH_ACK), .ttl = 1) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "ICMPv6 BEHIND: SYN-ACK leaves as [@vm6]:4006",
		.hook = H_EG,
		.in = { TCP6(M_VM, M_CLIENT, CTR6, 80, C1_6, 43100, TH_SYN | TH_ACK) },
		.verdict = V_PASS,
		.out = { TCP6(M_VM, M_CLIENT, VM6, 4006, C1_6, 43100, TH_SYN | TH_ACK) },
		.ct = CT_HIT, .id = ID_BEHIND6, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "ICMPv6 BEHIND: router's packet too big about a reply goes to the container",
		.in = { ICMP6ERR(M_HOST, M_VM, ROUTER6, VM6, 2, 0), .icmp_mtu = 1280,
			QUOTE(TCP6(M_VM, M_CLIENT, VM6, 4006, C1_6, 43100, TH_ACK), .paylen = 1000,
			      .ttl = 63) },
		.verdict = V_PASS,
		.out = { ICMP6ERR(M_HOST, M_VM, ROUTER6, CTR6, 2, 0), .icmp_mtu = 1280,
			 QUOTE(TCP6(M_VM, M_CLIENT, CTR6, 80, C1_6, 43100, TH_ACK), .paylen = 1000,
			       .ttl = 63) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "ICMPv6 ONEARM: SYN [@vm6]:5006 -> [@host6]:5432",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 43200, VM6, 5006, TH_SYN) },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_HOST, VM6, SNAT(63), HOST6, 5432, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_HOST6, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
	},
	{
		.desc = "ICMPv6 ONEARM: router's packet too big about [@vm6]:SNAT reaches the client from @vm6, hop limit-1",
		.in = { ICMP6ERR(M_HOST, M_VM, ROUTER6, VM6, 2, 0), .icmp_mtu = 1280,
			QUOTE(TCP6(M_VM, M_HOST, VM6, SNAT(63), HOST6, 5432, TH_SYN), .ttl = 63) },
		.verdict = V_TX,
		.out = { ICMP6ERR(M_VM, M_CLIENT, VM6, C1_6, 2, 0), .icmp_mtu = 1280, .ttl = 63,
			 QUOTE(TCP6(M_CLIENT, M_VM, C1_6, 43200, VM6, 5006, TH_SYN), .ttl = 63) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "ICMPv6 ONEARM: error with hop limit 1 not sent on (ttl)",
		.in = { ICMP6ERR(M_HOST, M_VM, ROUTER6, VM6, 2, 0), .ttl = 1, .icmp_mtu = 1280,
			QUOTE(TCP6(M_VM, M_HOST, VM6, SNAT(63), HOST6, 5432, TH_SYN), .ttl = 63) },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_TTL },
	},
	{
		.desc = "ICMPv6 ONEARM: SYN-ACK back to the client",
		.in = { TCP6(M_HOST, M_VM, HOST6, 5432, VM6, SNAT(63), TH_SYN | TH_ACK) },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_CLIENT, VM6, 5006, C1_6, 43200, TH_SYN | TH_ACK), .ttl = 63 },
		.ct = CT_HIT, .id = ID_HOST6, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
	},
	{
		.desc = "ICMPv6 ONEARM: the client's own port unreachable reaches @host6 from @vm6",
		.in = { ICMP6ERR(M_CLIENT, M_VM, C1_6, VM6, 1, 4),
			QUOTE(TCP6(M_VM, M_CLIENT, VM6, 5006, C1_6, 43200, TH_ACK), .ttl = 63) },
		.verdict = V_TX,
		.out = { ICMP6ERR(M_VM, M_HOST, VM6, HOST6, 1, 4), .ttl = 63,
			 QUOTE(TCP6(M_VM, M_CLIENT, HOST6, 5432, VM6, SNAT(63), TH_ACK), .ttl = 63) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "ICMPv6 ONEARM UDP: datagram [@vm6]:6006 -> [@host6]:6001",
		.in = { UDP6(M_CLIENT, M_VM, C1_6, 53100, VM6, 6006) },
		.verdict = V_TX,
		.out = { UDP6(M_VM, M_HOST, VM6, SNAT(64), HOST6, 6001), .ttl = 63 },
		.ct = CT_NEW, .id = ID_UHOST6, .kind = WF_KIND_ONEARM, .state = WF_CT_UDP,
	},
	{
		.desc = "ICMPv6 ONEARM UDP: @host6's port unreachable reaches the client from [@vm6]:6006",
		.in = { ICMP6ERR(M_HOST, M_VM, HOST6, VM6, 1, 4),
			QUOTE(UDP6(M_VM, M_HOST, VM6, SNAT(64), HOST6, 6001), .ttl = 63) },
		.verdict = V_TX,
		.out = { ICMP6ERR(M_VM, M_CLIENT, VM6, C1_6, 1, 4), .ttl = 63,
			 QUOTE(UDP6(M_CLIENT, M_VM, C1_6, 53100, VM6, 6006), .ttl = 63) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	/* ---- IPv6 checksums a sender left to offload (as IPv4's above) ---- */
	{
		.desc = "IPv6 offloaded csum, LOCAL: SYN passes with the pseudo-header sum kept",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41400, VM6, 8086, TH_SYN), .csum = CS_PSEUDO },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 41400, VM6, 18086, TH_SYN), .csum = CS_PSEUDO },
		.ct = CT_NEW, .id = ID_LOCAL6, .kind = WF_KIND_LOCAL, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = CSUM_SKB,
	},
	{
		.desc = "IPv6 offloaded csum, LOCAL: data passes with the pseudo-header sum kept",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41400, VM6, 8086, TH_ACK), .paylen = 777,
			.csum = CS_PSEUDO },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 41400, VM6, 18086, TH_ACK), .paylen = 777,
			 .csum = CS_PSEUDO },
		.ct = CT_HIT, .id = ID_LOCAL6, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = CSUM_SKB,
	},
	{
		.desc = "IPv6 offloaded csum, UDP LOCAL: datagram passes with the pseudo-header sum kept",
		.in = { UDP6(M_CLIENT, M_VM, C1_6, 51400, VM6, 5356), .csum = CS_PSEUDO },
		.verdict = V_PASS,
		.out = { UDP6(M_CLIENT, M_VM, C1_6, 51400, VM6, 15356), .csum = CS_PSEUDO },
		.ct = CT_NEW, .id = ID_ULOCAL6, .kind = WF_KIND_LOCAL, .state = WF_CT_UDP,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = CSUM_SKB,
	},
	{
		.desc = "IPv6 offloaded csum, BEHIND via the stack: SYN's pseudo-header sum follows the new address",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41401, VM6, 4006, TH_SYN), .csum = CS_PSEUDO },
		.verdict = V_PASS,
		.out = { TCP6(M_CLIENT, M_VM, C1_6, 41401, CTR6, 80, TH_SYN), .csum = CS_PSEUDO },
		.ct = CT_NEW, .id = ID_BEHIND6, .kind = WF_KIND_BEHIND, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = CSUM_SKB,
	},
	{
		.desc = "IPv6 offloaded csum, BEHIND redirected: SYN leaves with a complete checksum",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41402, VM6, 4106, TH_SYN), .csum = CS_PSEUDO },
		.verdict = V_REDIRECT,
		.out = { TCP6(M_RDEV, M_RTGT, C1_6, 41402, RTGT6, 80, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_REDIR6, .kind = WF_KIND_BEHIND, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = XDP_REDIR,
	},
	{
		.desc = "IPv6 offloaded csum, BEHIND redirected: 1000 bytes of payload, odd tail, completed",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41402, VM6, 4106, TH_ACK), .paylen = 1001,
			.csum = CS_PSEUDO },
		.verdict = V_REDIRECT,
		.out = { TCP6(M_RDEV, M_RTGT, C1_6, 41402, RTGT6, 80, TH_ACK), .paylen = 1001,
			 .ttl = 63 },
		.ct = CT_HIT, .id = ID_REDIR6, .dir = WF_DIR_ORIG, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = XDP_REDIR,
	},
	{
		.desc = "IPv6 offloaded csum, ONEARM: SYN leaves by XDP_TX with a complete checksum",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41403, VM6, 5006, TH_SYN), .csum = CS_PSEUDO },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_HOST, VM6, SNAT(53), HOST6, 5432, TH_SYN), .ttl = 63 },
		.ct = CT_NEW, .id = ID_HOST6, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = CSUM_SKB,
	},
	{
		.desc = "IPv6 offloaded csum, ONEARM: data reply returns to the client completed",
		.in = { TCP6(M_HOST, M_VM, HOST6, 5432, VM6, SNAT(53), TH_SYN | TH_ACK),
			.paylen = 1449, .csum = CS_PSEUDO },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_CLIENT, VM6, 5006, C1_6, 41403, TH_SYN | TH_ACK),
			 .paylen = 1449, .ttl = 63 },
		.ct = CT_HIT, .id = ID_HOST6, .dir = WF_DIR_REPLY, .state = WF_CT_TCP_SYN_RECV,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = CSUM_SKB,
	},
	{
		.desc = "IPv6 offloaded csum, UDP ONEARM: request completed",
		.in = { UDP6(M_CLIENT, M_VM, C1_6, 51401, VM6, 6006), .csum = CS_PSEUDO },
		.verdict = V_TX,
		.out = { UDP6(M_VM, M_HOST, VM6, SNAT(54), HOST6, 6001), .ttl = 63 },
		.ct = CT_NEW, .id = ID_UHOST6, .kind = WF_KIND_ONEARM, .state = WF_CT_UDP,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = CSUM_SKB,
	},
	{
		.desc = "IPv6 offloaded csum, generic XDP: ONEARM SYN sent with the pseudo-header sum kept",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 41404, VM6, 5006, TH_SYN), .csum = CS_PSEUDO },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_HOST, VM6, SNAT(55), HOST6, 5432, TH_SYN), .ttl = 63,
			 .csum = CS_PSEUDO },
		.ct = CT_NEW, .id = ID_HOST6, .kind = WF_KIND_ONEARM, .state = WF_CT_TCP_SYN,
		.stat = { WF_EV_CSUM_PSEUDO }, .xdp_only = CSUM_SKB,
		.pre = pre_generic, .post = post_info_restore,
	},
	/* ---- Between the families (v4tov6, v6tov4: bpf/lib/xlate.h, icmpx.h) ----
	 * RFC 7915 by hand-built frames: every output is built by pkt.h from
	 * its fields (version, TOS/traffic class, TTL/hop limit, lengths and
	 * checksums from scratch), never from the datapath's. The entries live
	 * in wf_ct6 (an IPv4 side under ::ffff: keys), which the CT_NEW/CT_HIT
	 * checks do not read: CT_SKIP, ct_new counted by hand. SNAT slots
	 * 70-74. 4 to 6: traffic class = TOS, flow label 0, hop limit = TTL
	 * (- 1: one-arm); 6 to 4: TOS = traffic class, id 0 + DF. */
	{
		.desc = "X46 one-arm: IPv4 SYN (TOS 0x28, DF) leaves as IPv6 from [@vm6]:SNAT",
		.in = { TCP(M_CLIENT, M_VM, C1, 44000, VM, 5060, TH_SYN), .tos = 0x28,
			.frag = IP_DF_ },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_HOST, VM6, SNAT(70), HOST6, 5432, TH_SYN), .ttl = 63,
			 .tos = 0x28 },
		.ct = CT_SKIP, .stat = { WF_EV_CT_NEW },
	},
	{
		.desc = "X46 one-arm: IPv6 SYN-ACK (flow label set) leaves as IPv4 to the client",
		.in = { TCP6(M_HOST, M_VM, HOST6, 5432, VM6, SNAT(70), TH_SYN | TH_ACK),
			.tos = 0x10, .flowlabel = 0xabcde },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_CLIENT, VM, 5060, C1, 44000, TH_SYN | TH_ACK), .ttl = 63,
			 .tos = 0x10, .id0 = true, .frag = IP_DF_ },
		.ct = CT_SKIP,
	},
	{
		.desc = "X46 one-arm: established data, TTL 10 -> hop limit 9",
		.in = { TCP(M_CLIENT, M_VM, C1, 44000, VM, 5060, TH_ACK), .paylen = 100,
			.ttl = 10 },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_HOST, VM6, SNAT(70), HOST6, 5432, TH_ACK), .paylen = 100,
			 .ttl = 9 },
		.ct = CT_SKIP,
	},
	{
		.desc = "X46 ICMPv6 packet too big (1400) about our IPv6 packet -> ICMPv4 frag needed "
			"(1380) to the client, quote as it sent it (inner TCP checksum held)",
		.in = { ICMP6ERR(M_HOST, M_VM, ROUTER6, VM6, 2, 0), .icmp_mtu = 1400, .quote = 1192,
			QUOTE(TCP6(M_VM, M_HOST, VM6, SNAT(70), HOST6, 5432, TH_ACK), .paylen = 1400,
			      .ttl = 63) },
		.verdict = V_TX,
		.out = { ICMPERR(M_VM, M_CLIENT, VM, C1, 3, 4), .icmp_mtu = 1380, .ttl = 63,
			 .id0 = true, .frag = IP_DF_, .quote = 1192,
			 QUOTE(TCP(M_VM, M_HOST, C1, 44000, VM, 5060, TH_ACK), .paylen = 1400,
			       .ttl = 63, .id0 = true, .frag = IP_DF_) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "X46 ICMPv4 frag needed (1300) from the client's side about a reply -> ICMPv6 "
			"packet too big (1320) to the target, 8-byte quote (ports only)",
		.in = { ICMPERR(M_CLIENT, M_VM, ROUTER, VM, 3, 4), .icmp_mtu = 1300, .quote = 8,
			QUOTE(TCP(M_VM, M_CLIENT, VM, 5060, C1, 44000, TH_ACK), .paylen = 1400,
			      .ttl = 62, .id0 = true, .frag = IP_DF_) },
		.verdict = V_TX,
		.out = { ICMP6ERR(M_VM, M_HOST, VM6, HOST6, 2, 0), .icmp_mtu = 1320, .ttl = 63,
			 .quote = 8,
			 QUOTE(TCP6(M_VM, M_HOST, HOST6, 5432, VM6, SNAT(70), TH_ACK), .paylen = 1400,
			       .ttl = 62) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "X46 ICMPv4 frag needed with MTU 0 (pre-RFC 1191) -> packet too big 1280 "
			"(the plateau below 1440, + 20, at least IPv6's minimum)",
		.in = { ICMPERR(M_CLIENT, M_VM, ROUTER, VM, 3, 4), .quote = 8,
			QUOTE(TCP(M_VM, M_CLIENT, VM, 5060, C1, 44000, TH_ACK), .paylen = 1400,
			      .ttl = 62, .id0 = true, .frag = IP_DF_) },
		.verdict = V_TX,
		.out = { ICMP6ERR(M_VM, M_HOST, VM6, HOST6, 2, 0), .icmp_mtu = 1280, .ttl = 63,
			 .quote = 8,
			 QUOTE(TCP6(M_VM, M_HOST, HOST6, 5432, VM6, SNAT(70), TH_ACK), .paylen = 1400,
			       .ttl = 62) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "X46 ICMPv4 parameter problem at TTL (8) -> ICMPv6 parameter problem at hop "
			"limit (7)",
		.in = { ICMPERR(M_CLIENT, M_VM, C1, VM, 12, 0), .icmp_ptr = 8,
			QUOTE(TCP(M_VM, M_CLIENT, VM, 5060, C1, 44000, TH_ACK), .ttl = 62, .id0 = true,
			      .frag = IP_DF_) },
		.verdict = V_TX,
		.out = { ICMP6ERR(M_VM, M_HOST, VM6, HOST6, 4, 0), .icmp_mtu = 7, .ttl = 63,
			 QUOTE(TCP6(M_VM, M_HOST, HOST6, 5432, VM6, SNAT(70), TH_ACK), .ttl = 62) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "X46 ICMPv4 protocol unreachable -> ICMPv6 parameter problem, unrecognized next "
			"header (pointer 6)",
		.in = { ICMPERR(M_CLIENT, M_VM, C1, VM, 3, 2),
			QUOTE(TCP(M_VM, M_CLIENT, VM, 5060, C1, 44000, TH_ACK), .ttl = 62, .id0 = true,
			      .frag = IP_DF_) },
		.verdict = V_TX,
		.out = { ICMP6ERR(M_VM, M_HOST, VM6, HOST6, 4, 1), .icmp_mtu = 6, .ttl = 63,
			 QUOTE(TCP6(M_VM, M_HOST, HOST6, 5432, VM6, SNAT(70), TH_ACK), .ttl = 62) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "X46 ICMPv4 host precedence violation (3/14): no ICMPv6 for it, dropped",
		.in = { ICMPERR(M_CLIENT, M_VM, ROUTER, VM, 3, 14), .quote = 8,
			QUOTE(TCP(M_VM, M_CLIENT, VM, 5060, C1, 44000, TH_ACK), .id0 = true,
			      .frag = IP_DF_) },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_ICMP_XLATE },
	},
	{
		.desc = "X46 ICMPv4 parameter problem pointing into the IPv4 id (4): no IPv6 field, "
			"dropped",
		.in = { ICMPERR(M_CLIENT, M_VM, C1, VM, 12, 0), .icmp_ptr = 4,
			QUOTE(TCP(M_VM, M_CLIENT, VM, 5060, C1, 44000, TH_ACK), .id0 = true,
			      .frag = IP_DF_) },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_ICMP_XLATE },
	},
	{
		.desc = "X46 ICMPv6 destination unreachable code 5 (source policy): no ICMPv4, dropped",
		.in = { ICMP6ERR(M_HOST, M_VM, ROUTER6, VM6, 1, 5),
			QUOTE(TCP6(M_VM, M_HOST, VM6, SNAT(70), HOST6, 5432, TH_ACK), .ttl = 63) },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_ICMP_XLATE },
	},
	{
		.desc = "X46 ICMP error about a translated flow with TTL 1 (we would send it): dropped",
		.in = { ICMP6ERR(M_HOST, M_VM, ROUTER6, VM6, 1, 4), .ttl = 1,
			QUOTE(TCP6(M_VM, M_HOST, VM6, SNAT(70), HOST6, 5432, TH_ACK), .ttl = 63) },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_TTL },
	},
	{
		.desc = "X46 one-arm: DF segment 1520 bytes as IPv6, over eth0's 1500 -> frag needed "
			"(1480) from @vm, as a router",
		.in = { TCP(M_CLIENT, M_VM, C1, 44000, VM, 5060, TH_ACK), .paylen = 1460,
			.frag = IP_DF_ },
		.verdict = V_TX,
		.out = { ICMPERR(M_VM, M_CLIENT, VM, C1, 3, 4), .icmp_mtu = 1480, .tos = 0xc0,
			 .id0 = true, .frag = IP_DF_, .quote = 8,
			 QUOTE(TCP(M_CLIENT, M_VM, C1, 44000, VM, 5060, TH_ACK), .paylen = 1460,
			       .frag = IP_DF_) },
		.ct = CT_SKIP, .stat = { WF_EV_ICMP_MTU_SENT },
	},
	{
		.desc = "X46 one-arm: the same without DF: not fragmented, dropped (xlate_mtu)",
		.in = { TCP(M_CLIENT, M_VM, C1, 44000, VM, 5060, TH_ACK), .paylen = 1460 },
		.verdict = V_DROP,
		.ct = CT_SKIP, .stat = { WF_DROP_XLATE_MTU },
	},
	{
		.desc = "X46 one-arm: DF and over the MTU beyond the ICMP rate limit: dropped (xlate_mtu)",
		.in = { TCP(M_CLIENT, M_VM, C1, 44000, VM, 5060, TH_ACK), .paylen = 1460,
			.frag = IP_DF_ },
		.verdict = V_DROP,
		.ct = CT_SKIP, .stat = { WF_DROP_XLATE_MTU },
		.pre = pre_icmp_exhaust, .post = post_icmp_refill,
	},
	{
		.desc = "X46 one-arm: 1480 bytes, 1500 as IPv6: fits, translated",
		.in = { TCP(M_CLIENT, M_VM, C1, 44000, VM, 5060, TH_ACK), .paylen = 1440,
			.frag = IP_DF_ },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_HOST, VM6, SNAT(70), HOST6, 5432, TH_ACK), .paylen = 1440,
			 .ttl = 63 },
		.ct = CT_SKIP,
	},
	{
		.desc = "X46 one-arm UDP with checksum 0: the IPv6 datagram gets one (XDP and tc)",
		.in = { UDP(M_CLIENT, M_VM, C1, 44001, VM, 6060), .csum = CS_ZERO },
		.verdict = V_TX,
		.out = { UDP6(M_VM, M_HOST, VM6, SNAT(71), HOST6, 6001), .ttl = 63 },
		.ct = CT_SKIP, .stat = { WF_EV_CT_NEW },
	},
	{
		.desc = "X46 ICMPv6 port unreachable about that datagram -> ICMPv4 port unreachable "
			"(inner UDP checksum as IPv4)",
		.in = { ICMP6ERR(M_HOST, M_VM, HOST6, VM6, 1, 4),
			QUOTE(UDP6(M_VM, M_HOST, VM6, SNAT(71), HOST6, 6001), .ttl = 63) },
		.verdict = V_TX,
		.out = { ICMPERR(M_VM, M_CLIENT, VM, C1, 3, 3), .ttl = 63, .id0 = true,
			 .frag = IP_DF_,
			 QUOTE(UDP(M_VM, M_HOST, C1, 44001, VM, 6060), .ttl = 63, .id0 = true,
			       .frag = IP_DF_) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "X46 BEHIND UDP with checksum 0: up to the stack as IPv6 from 64:ff9b::C1, "
			"checksum computed (XDP and tc)",
		.in = { UDP(M_CLIENT, M_VM, C1, 44002, VM, 6061), .csum = CS_ZERO },
		.verdict = V_PASS,
		.out = { UDP6(M_CLIENT, M_VM, X64_C1, SNAT(72), CTR6, 7000) },
		.ct = CT_SKIP, .stat = { WF_EV_CT_NEW },
	},
	{
		.desc = "X46 BEHIND: the VM's ICMPv6 port unreachable to 64:ff9b::C1 (tc egress) -> "
			"ICMPv4 from @vm, to the client's next hop",
		.hook = H_EG,
		.in = { ICMP6ERR(M_VM, M_HOST, CROUTER6, X64_C1, 1, 4),
			QUOTE(UDP6(M_VM, M_CLIENT, X64_C1, SNAT(72), CTR6, 7000), .ttl = 63) },
		.verdict = V_PASS,
		.out = { ICMPERR(M_VM, M_CLIENT, VM, C1, 3, 3), .id0 = true, .frag = IP_DF_,
			 QUOTE(UDP(M_CLIENT, M_VM, C1, 44002, VM, 6061), .ttl = 63, .id0 = true,
			       .frag = IP_DF_) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	/* MSS clamping (xlate.h): a translated SYN or SYN-ACK announces at most
	 * eth0's 1500 - 60. SNAT slots 77-78. */
	{
		.desc = "X46 MSS: IPv4 SYN announcing 1460 leaves as IPv6 announcing 1440",
		.in = { TCP(M_CLIENT, M_VM, C1, 44030, VM, 5060, TH_SYN), TSV(TS_LINUX, TS_LO) },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_HOST, VM6, SNAT(77), HOST6, 5432, TH_SYN), TSV(TS_LINUX, TS_LO),
			 .mss = 1440, .ttl = 63 },
		.ct = CT_SKIP, .stat = { WF_EV_CT_NEW },
	},
	{
		.desc = "X46 MSS: a jumbo IPv6 target's SYN-ACK (8940) reaches the IPv4 client "
			"announcing 1440",
		.in = { TCP6(M_HOST, M_VM, HOST6, 5432, VM6, SNAT(77), TH_SYN | TH_ACK),
			.tsopt = TS_LINUX, .mss = 8940 },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_CLIENT, VM, 5060, C1, 44030, TH_SYN | TH_ACK), .tsopt = TS_LINUX,
			 .mss = 1440, .ttl = 63, .id0 = true, .frag = IP_DF_ },
		.ct = CT_SKIP,
	},
	{
		.desc = "X64 MSS: IPv6 SYN announcing 1200 (BSD layout) leaves as IPv4 unchanged",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 44031, VM6, 5066, TH_SYN), TSV(TS_BSD, TS_LO),
			.mss = 1200 },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_HOST, VM, SNAT(78), HOST, 5432, TH_SYN), TSV(TS_BSD, TS_LO),
			 .mss = 1200, .ttl = 63, .id0 = true, .frag = IP_DF_ },
		.ct = CT_SKIP, .stat = { WF_EV_CT_NEW },
	},
	{
		.desc = "X64 MSS: the IPv4 target's SYN-ACK announcing 1460 reaches the IPv6 client "
			"announcing 1440",
		.in = { TCP(M_HOST, M_VM, HOST, 5432, VM, SNAT(78), TH_SYN | TH_ACK), .tsopt = TS_LINUX },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_CLIENT, VM6, 5066, C1_6, 44031, TH_SYN | TH_ACK),
			 .tsopt = TS_LINUX, .mss = 1440, .ttl = 63 },
		.ct = CT_SKIP,
	},
	/* Fragments of translated flows (frag.h, xlate.h): 1232 bytes a first
	 * fragment, so that IPv6's 48 bytes of headers fit eth0's 1500.
	 * SNAT slots 75-76. */
	{
		.desc = "X46 fragment: IPv4 first fragment leaves as IPv6 with a fragment header "
			"(id in its low 16 bits, M)",
		.in = { UDPF(M_CLIENT, M_VM, C1, 44020, VM, 6060), .ipid = 0x4601, .paylen = FRAG_PAY,
			.fraglen = 1232 },
		.verdict = V_TX,
		.out = { UDP6F(M_VM, M_HOST, VM6, SNAT(75), HOST6, 6001), FIRST6(0x4601), .ttl = 63 },
		.ct = CT_SKIP, .stat = { WF_EV_CT_NEW },
	},
	{
		.desc = "X46 fragment: its later fragment, IPv6 with offset and id, TX",
		.in = { UDPF(M_CLIENT, M_VM, C1, 44020, VM, 6060), .ipid = 0x4601, .paylen = FRAG_PAY,
			.fragoff = 1232, .fraglen = 576 },
		.verdict = V_TX,
		.out = { UDP6F(M_VM, M_HOST, VM6, 1, HOST6, 1), LATER6_U(0x4601), .ttl = 63 },
		.ct = CT_SKIP, .stat = { WF_EV_FRAG_TRANSLATED },
	},
	{
		.desc = "X46 fragment: the target's IPv6 first fragment back to the client as IPv4 "
			"(MF, DF clear, id from the low 16 bits)",
		.in = { UDP6F(M_HOST, M_VM, HOST6, 6001, VM6, SNAT(75)), FIRST6(0x4602) },
		.verdict = V_TX,
		.out = { UDPF(M_VM, M_CLIENT, VM, 6060, C1, 44020), .ipid = 0x4602, .paylen = FRAG_PAY,
			 .fraglen = 1232, .ttl = 63 },
		.ct = CT_SKIP,
	},
	{
		.desc = "X46 fragment: its later fragment back as IPv4 (offset 1232, MF clear)",
		.in = { UDP6F(M_HOST, M_VM, HOST6, 1, VM6, 1), LATER6_U(0x4602) },
		.verdict = V_TX,
		.out = { UDPF(M_VM, M_CLIENT, VM, 1, C1, 1), .ipid = 0x4602, .paylen = FRAG_PAY,
			 .fragoff = 1232, .fraglen = 576, .ttl = 63 },
		.ct = CT_SKIP, .stat = { WF_EV_FRAG_TRANSLATED },
	},
	{
		.desc = "X46 fragment: a 1480-byte first fragment would be 1528 as IPv6: dropped "
			"(xlate_mtu, no DF to answer)",
		.in = { UDPF(M_CLIENT, M_VM, C1, 44020, VM, 6060), FIRST(0x4603) },
		.verdict = V_DROP,
		.ct = CT_SKIP, .stat = { WF_DROP_XLATE_MTU },
	},
	{
		.desc = "X46 fragment: ... and its later fragment with it (xlate_mtu)",
		.in = { UDPF(M_CLIENT, M_VM, C1, 44020, VM, 6060), LATER_U(0x4603) },
		.verdict = V_DROP,
		.ct = CT_SKIP, .stat = { WF_DROP_XLATE_MTU },
	},
	{
		.desc = "X64 fragment: IPv6 first fragment leaves as IPv4, fragment header out",
		.in = { UDP6F(M_CLIENT, M_VM, C1_6, 44021, VM6, 6066), FIRST6(0x6401) },
		.verdict = V_TX,
		.out = { UDPF(M_VM, M_HOST, VM, SNAT(76), HOST, 6001), .ipid = 0x6401, .paylen = FRAG_PAY,
			 .fraglen = 1232, .ttl = 63 },
		.ct = CT_SKIP, .stat = { WF_EV_CT_NEW },
	},
	{
		.desc = "X64 fragment: its later fragment as IPv4",
		.in = { UDP6F(M_CLIENT, M_VM, C1_6, 1, VM6, 1), LATER6_U(0x6401) },
		.verdict = V_TX,
		.out = { UDPF(M_VM, M_HOST, VM, 1, HOST, 1), .ipid = 0x6401, .paylen = FRAG_PAY,
			 .fragoff = 1232, .fraglen = 576, .ttl = 63 },
		.ct = CT_SKIP, .stat = { WF_EV_FRAG_TRANSLATED },
	},
	{
		.desc = "X64 fragment: the target's IPv4 first fragment back to the client as IPv6",
		.in = { UDPF(M_HOST, M_VM, HOST, 6001, VM, SNAT(76)), .ipid = 0x6402, .paylen = FRAG_PAY,
			.fraglen = 1232 },
		.verdict = V_TX,
		.out = { UDP6F(M_VM, M_CLIENT, VM6, 6066, C1_6, 44021), FIRST6(0x6402), .ttl = 63 },
		.ct = CT_SKIP,
	},
	{
		.desc = "X64 fragment: its later fragment back as IPv6 (wf_frag6 under ::ffff:)",
		.in = { UDPF(M_HOST, M_VM, HOST, 1, VM, 1), .ipid = 0x6402, .paylen = FRAG_PAY,
			.fragoff = 1232, .fraglen = 576 },
		.verdict = V_TX,
		.out = { UDP6F(M_VM, M_CLIENT, VM6, 1, C1_6, 1), LATER6_U(0x6402), .ttl = 63 },
		.ct = CT_SKIP, .stat = { WF_EV_FRAG_TRANSLATED },
	},
	{
		.desc = "X64 one-arm: IPv6 SYN (traffic class 0xb8, flow label) leaves as IPv4, id 0 "
			"and DF",
		.in = { TCP6(M_CLIENT, M_VM, C1_6, 44010, VM6, 5066, TH_SYN), .tos = 0xb8,
			.flowlabel = 0x12345 },
		.verdict = V_TX,
		.out = { TCP(M_VM, M_HOST, VM, SNAT(73), HOST, 5432, TH_SYN), .ttl = 63, .tos = 0xb8,
			 .id0 = true, .frag = IP_DF_ },
		.ct = CT_SKIP, .stat = { WF_EV_CT_NEW },
	},
	{
		.desc = "X64 one-arm: IPv4 SYN-ACK (TOS 0x04) leaves as IPv6 to the client",
		.in = { TCP(M_HOST, M_VM, HOST, 5432, VM, SNAT(73), TH_SYN | TH_ACK), .tos = 0x04 },
		.verdict = V_TX,
		.out = { TCP6(M_VM, M_CLIENT, VM6, 5066, C1_6, 44010, TH_SYN | TH_ACK), .ttl = 63,
			 .tos = 0x04 },
		.ct = CT_SKIP,
	},
	{
		.desc = "X64 ICMPv4 frag needed (1400) about our IPv4 packet -> ICMPv6 packet too big "
			"(1420) to the client",
		.in = { ICMPERR(M_HOST, M_VM, ROUTER, VM, 3, 4), .icmp_mtu = 1400, .quote = 8,
			QUOTE(TCP(M_VM, M_HOST, VM, SNAT(73), HOST, 5432, TH_ACK), .paylen = 1400,
			      .ttl = 63, .id0 = true, .frag = IP_DF_) },
		.verdict = V_TX,
		.out = { ICMP6ERR(M_VM, M_CLIENT, VM6, C1_6, 2, 0), .icmp_mtu = 1420, .ttl = 63,
			 .quote = 8,
			 QUOTE(TCP6(M_VM, M_HOST, C1_6, 44010, VM6, 5066, TH_ACK), .paylen = 1400,
			       .ttl = 63) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "X64 ICMPv4 time exceeded with the whole segment quoted -> ICMPv6 time exceeded "
			"(inner TCP checksum held)",
		.in = { ICMPERR(M_HOST, M_VM, ROUTER, VM, 11, 0),
			QUOTE(TCP(M_VM, M_HOST, VM, SNAT(73), HOST, 5432, TH_ACK), .paylen = 40,
			      .ttl = 1, .id0 = true, .frag = IP_DF_) },
		.verdict = V_TX,
		.out = { ICMP6ERR(M_VM, M_CLIENT, VM6, C1_6, 3, 0), .ttl = 63,
			 QUOTE(TCP6(M_VM, M_HOST, C1_6, 44010, VM6, 5066, TH_ACK), .paylen = 40,
			       .ttl = 1) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "X64 ICMPv6 time exceeded from the client's side about a reply -> ICMPv4 time "
			"exceeded to the target",
		.in = { ICMP6ERR(M_CLIENT, M_VM, ROUTER6, VM6, 3, 0),
			QUOTE(TCP6(M_VM, M_CLIENT, VM6, 5066, C1_6, 44010, TH_SYN | TH_ACK), .ttl = 1) },
		.verdict = V_TX,
		.out = { ICMPERR(M_VM, M_HOST, VM, HOST, 11, 0), .ttl = 63, .id0 = true,
			 .frag = IP_DF_,
			 QUOTE(TCP(M_VM, M_HOST, HOST, 5432, VM, SNAT(73), TH_SYN | TH_ACK), .ttl = 1,
			       .id0 = true, .frag = IP_DF_) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "X64 ICMPv6 parameter problem at the hop limit (7) -> ICMPv4 at TTL (8)",
		.in = { ICMP6ERR(M_CLIENT, M_VM, C1_6, VM6, 4, 0), .icmp_mtu = 7,
			QUOTE(TCP6(M_VM, M_CLIENT, VM6, 5066, C1_6, 44010, TH_ACK)) },
		.verdict = V_TX,
		.out = { ICMPERR(M_VM, M_HOST, VM, HOST, 12, 0), .icmp_ptr = 8, .ttl = 63,
			 .id0 = true, .frag = IP_DF_,
			 QUOTE(TCP(M_VM, M_HOST, HOST, 5432, VM, SNAT(73), TH_ACK), .id0 = true,
			       .frag = IP_DF_) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "X64 ICMPv6 unrecognized next header -> ICMPv4 protocol unreachable",
		.in = { ICMP6ERR(M_CLIENT, M_VM, C1_6, VM6, 4, 1), .icmp_mtu = 6,
			QUOTE(TCP6(M_VM, M_CLIENT, VM6, 5066, C1_6, 44010, TH_ACK)) },
		.verdict = V_TX,
		.out = { ICMPERR(M_VM, M_HOST, VM, HOST, 3, 2), .ttl = 63, .id0 = true,
			 .frag = IP_DF_,
			 QUOTE(TCP(M_VM, M_HOST, HOST, 5432, VM, SNAT(73), TH_ACK), .id0 = true,
			       .frag = IP_DF_) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
	{
		.desc = "X64 ICMPv6 parameter problem pointing into the flow label (2): no IPv4 field, "
			"dropped",
		.in = { ICMP6ERR(M_CLIENT, M_VM, C1_6, VM6, 4, 0), .icmp_mtu = 2,
			QUOTE(TCP6(M_VM, M_CLIENT, VM6, 5066, C1_6, 44010, TH_ACK)) },
		.verdict = V_DROP,
		.ct = CT_NONE, .stat = { WF_DROP_ICMP_XLATE },
	},
	{
		.desc = "X64 one-arm UDP: IPv6 datagram leaves as IPv4",
		.in = { UDP6(M_CLIENT, M_VM, C1_6, 44011, VM6, 6066) },
		.verdict = V_TX,
		.out = { UDP(M_VM, M_HOST, VM, SNAT(74), HOST, 6001), .ttl = 63, .id0 = true,
			 .frag = IP_DF_ },
		.ct = CT_SKIP, .stat = { WF_EV_CT_NEW },
	},
	{
		.desc = "X64 ICMPv4 port unreachable from the target -> ICMPv6 port unreachable to the "
			"client (inner UDP checksum as IPv6)",
		.in = { ICMPERR(M_HOST, M_VM, HOST, VM, 3, 3),
			QUOTE(UDP(M_VM, M_HOST, VM, SNAT(74), HOST, 6001), .ttl = 63, .id0 = true,
			      .frag = IP_DF_) },
		.verdict = V_TX,
		.out = { ICMP6ERR(M_VM, M_CLIENT, VM6, C1_6, 1, 4), .ttl = 63,
			 QUOTE(UDP6(M_VM, M_HOST, C1_6, 44011, VM6, 6066), .ttl = 63) },
		.ct = CT_NONE, .stat = { WF_EV_ICMP_TRANSLATED },
	},
};

/* ---- Diagnostics ---- */
static char diag[16384];
static size_t diag_len;
static bool failed;

static void __attribute__((format(printf, 1, 2))) failf(const char *fmt, ...)
{
	va_list ap;
	int n;

	failed = true;
	if (diag_len >= sizeof(diag) - 2)
		return;
	n = snprintf(diag + diag_len, sizeof(diag) - diag_len, "# ");
	diag_len += n;
	va_start(ap, fmt);
	n = vsnprintf(diag + diag_len, sizeof(diag) - diag_len, fmt, ap);
	va_end(ap);
	diag_len += n;
	if (diag_len < sizeof(diag) - 1)
		diag[diag_len++] = '\n';
	if (diag_len >= sizeof(diag))
		diag_len = sizeof(diag) - 1;
	diag[diag_len] = 0;
}

static const char *stat_name(int i)
{
	static const char *const names[WF_STAT_MAX] = {
		[WF_STAT_NONE] = "none",
#define WF_STAT_NAME(name, str) [WF_##name] = str,
		WF_STATS(WF_STAT_NAME)
#undef WF_STAT_NAME
	};

	return i >= 0 && i < WF_STAT_MAX ? names[i] : "?";
}

static const char *verdict_name(bool xdp, int v)
{
	static char buf[32];

	if (xdp) {
		switch (v) {
		case XDP_ABORTED: return "XDP_ABORTED";
		case XDP_DROP: return "XDP_DROP";
		case XDP_PASS: return "XDP_PASS";
		case XDP_TX: return "XDP_TX";
		case XDP_REDIRECT: return "XDP_REDIRECT";
		}
	} else {
		switch (v) {
		case TC_ACT_UNSPEC: return "TC_ACT_UNSPEC";
		case TC_ACT_OK: return "TC_ACT_OK";
		case TC_ACT_SHOT: return "TC_ACT_SHOT";
		case TC_ACT_REDIRECT: return "TC_ACT_REDIRECT";
		}
	}
	snprintf(buf, sizeof(buf), "%d", v);
	return buf;
}

/* Hex diff: only the 16-byte rows that differ, with the fields named. */
static void frame_diff(const __u8 *exp, int elen, const __u8 *got, int glen)
{
	char line[512], fields[256];
	int row, i, max = elen > glen ? elen : glen;

	pkt_describe(exp, elen, line, sizeof(line));
	failf("expected: %s", line);
	pkt_describe(got, glen, line, sizeof(line));
	failf("got:      %s", line);
	for (row = 0; row < max; row += 16) {
		char e[64] = "", g[64] = "", m[64] = "";
		bool differs = false;
		size_t fl = 0;
		const char *last = NULL;

		fields[0] = 0;
		for (i = row; i < row + 16 && i < max; i++) {
			bool d = i >= elen || i >= glen || exp[i] != got[i];

			if (i < elen)
				sprintf(e + strlen(e), "%02x", exp[i]);
			else
				strcat(e, "  ");
			if (i < glen)
				sprintf(g + strlen(g), "%02x", got[i]);
			else
				strcat(g, "  ");
			strcat(m, d ? "^^" : "  ");
			if (d) {
				const char *fn = pkt_field(exp, elen, i);

				differs = true;
				if (fn != last && *fn && fl < sizeof(fields) - 32)
					fl += snprintf(fields + fl, sizeof(fields) - fl,
						       "%s%s", fl ? ", " : "", fn);
				last = fn;
			}
		}
		if (!differs)
			continue;
		failf("%04x exp %s", row, e);
		failf("     got %s", g);
		failf("         %s %s", m, fields);
	}
}

/* Same bytes, allowing the TCP/IP checksum's two encodings of zero
 * (0x0000 and 0xffff are the same one's complement sum; an incremental
 * update may legitimately produce either). UDP's 0 means "none": strict. */
static bool frames_equal(const __u8 *exp, const __u8 *got, int len)
{
	int i, ipc = -1, tcpc = pkt_tcp_csum_off(exp, len), at;

	if (!memcmp(exp, got, len))
		return true;
	if (len >= ETH_HLEN_ + 20 && get16(exp + 12) == ETH_P_IP_)
		ipc = ETH_HLEN_ + 10;
	else if (tcpc < 0)
		return false;
	for (i = 0; i < len; i++) {
		if (exp[i] == got[i])
			continue;
		at = (i & ~1) == ipc ? ipc : tcpc >= 0 && (i & ~1) == tcpc ? tcpc : -1;
		if (at < 0 || at + 1 >= len)
			return false;
		if (!((get16(exp + at) == 0 && get16(got + at) == 0xffff) ||
		      (get16(exp + at) == 0xffff && get16(got + at) == 0)))
			return false;
	}
	return true;
}

/* ---- Map access ---- */
static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static struct wf_ct_key ct_key(__u8 proto, __u32 sa, __u16 sp, __u32 da, __u16 dp)
{
	struct wf_ct_key k;

	memset(&k, 0, sizeof(k));
	k.proto = proto;
	k.sport = htons(sp);
	k.dport = htons(dp);
	k.saddr = htonl(sa);
	k.daddr = htonl(da);
	return k;
}

static void key_str(const struct wf_ct_key *k, char *buf, size_t n)
{
	const __u8 *s = (const __u8 *)&k->saddr, *d = (const __u8 *)&k->daddr;

	snprintf(buf, n, "%s %u.%u.%u.%u:%u > %u.%u.%u.%u:%u",
		 k->proto == 6 ? "tcp" : k->proto == 17 ? "udp" : "?",
		 s[0], s[1], s[2], s[3], ntohs(k->sport),
		 d[0], d[1], d[2], d[3], ntohs(k->dport));
}

/* Entries live in wf_ct (confirmed) or wf_ct_new (half-open): the
 * fixtures look in both, like the datapath. */
static int ct_get(struct inst *I, const struct wf_ct_key *k, struct wf_ct_val *v)
{
	if (!bpf_map_lookup_elem(I->ct, k, v))
		return 0;
	return bpf_map_lookup_elem(I->ct_new, k, v);
}

/* Into the table v->table names (test-made entries: 0, wf_ct). */
static int ct_put(struct inst *I, const struct wf_ct_key *k, const struct wf_ct_val *v,
		  __u64 flags)
{
	return bpf_map_update_elem(v->table == WF_CT_T_NEW ? I->ct_new : I->ct, k, v, flags);
}

static int ct_del(struct inst *I, const struct wf_ct_key *k)
{
	int a = bpf_map_delete_elem(I->ct, k), b = bpf_map_delete_elem(I->ct_new, k);

	return a && b ? -1 : 0;
}

/* The IPv6 tables: the same pair in wf_ct6/wf_ct6_new. */
static struct wf_ct6_key ct6_key(__u8 proto, const __u8 *sa, __u16 sp, const __u8 *da,
				 __u16 dp)
{
	struct wf_ct6_key k;

	memset(&k, 0, sizeof(k));
	k.proto = proto;
	k.sport = htons(sp);
	k.dport = htons(dp);
	memcpy(k.saddr, sa, 16);
	memcpy(k.daddr, da, 16);
	return k;
}

static void key6_str(const struct wf_ct6_key *k, char *buf, size_t n)
{
	char s[48], d[48];

	ip6_str((const __u8 *)k->saddr, s, sizeof(s));
	ip6_str((const __u8 *)k->daddr, d, sizeof(d));
	snprintf(buf, n, "%s [%s]:%u > [%s]:%u",
		 k->proto == 6 ? "tcp" : k->proto == 17 ? "udp" : "?", s, ntohs(k->sport),
		 d, ntohs(k->dport));
}

static int ct6_get(struct inst *I, const struct wf_ct6_key *k, struct wf_ct6_val *v)
{
	if (!bpf_map_lookup_elem(I->ct6, k, v))
		return 0;
	return bpf_map_lookup_elem(I->ct6_new, k, v);
}

static int ct_count6(int fd)
{
	struct wf_ct6_key k, next;
	int n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		n++;
		k = next;
		prev = &k;
	}
	return n;
}

static int ct_count1(int fd)
{
	struct wf_ct_key k, next;
	int n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		n++;
		k = next;
		prev = &k;
	}
	return n;
}

/* Entries of both families: a fixture of one changes nothing of the other. */
static int ct_count(struct inst *I)
{
	return ct_count1(I->ct) + ct_count1(I->ct_new) + ct_count6(I->ct6) +
	       ct_count6(I->ct6_new);
}

static void ct6_flush(struct inst *I)
{
	struct wf_ct6_key k;

	while (!bpf_map_get_next_key(I->ct6, NULL, &k))
		bpf_map_delete_elem(I->ct6, &k);
	while (!bpf_map_get_next_key(I->ct6_new, NULL, &k))
		bpf_map_delete_elem(I->ct6_new, &k);
}

/* Both families' tables. */
static void ct_flush(struct inst *I)
{
	struct wf_ct_key k;

	while (!bpf_map_get_next_key(I->ct, NULL, &k))
		bpf_map_delete_elem(I->ct, &k);
	while (!bpf_map_get_next_key(I->ct_new, NULL, &k))
		bpf_map_delete_elem(I->ct_new, &k);
	ct6_flush(I);
}

static void stats_read(struct inst *I, __u64 *out)
{
	__u64 vals[ncpus];
	__u32 i;
	int c;

	for (i = 0; i < WF_STAT_MAX; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(I->stats, &i, vals))
			continue;
		for (c = 0; c < ncpus; c++)
			out[i] += vals[c];
	}
}

static void counters_read(struct inst *I, __u32 id, struct wf_counters *sum)
{
	struct wf_counters vals[ncpus];
	int c, d;

	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(I->counters, &id, vals))
		return;
	for (c = 0; c < ncpus; c++) {
		for (d = 0; d < 2; d++) {
			sum->packets[d] += vals[c].packets[d];
			sum->bytes[d] += vals[c].bytes[d];
		}
		sum->conns += vals[c].conns;
	}
}

static __u8 info_mode;		/* wf_info.mode to write; 0: the pass's */
static bool info_no_vm6, info_no_host6;	/* write @vm6 / @host6 as unknown */

static void info_write(struct inst *I, __u32 vm4, __u32 host4)
{
	struct wf_info info = {
		.ifindex = ifindex,
		.mode = info_mode ? info_mode : pass_tc ? WF_MODE_TC : WF_MODE_XDP,
		.vm4 = htonl(vm4),
		.host4 = htonl(host4),
		.load_time_ns = now_ns(),
	};
	__u32 zero = 0;

	/* IPv6 known alongside IPv4 (the fixtures of one family leave the
	 * other's alone) */
	if (!info_no_vm6)
		memcpy(info.vm6, vm6, 16);
	if (!info_no_host6)
		memcpy(info.host6, host6, 16);

	if (bpf_map_update_elem(I->info, &zero, &info, BPF_ANY))
		failf("wf_info update: %s", strerror(errno));
}

/* ---- Hooks for the fixtures that need a special state ---- */
static struct inst *fx_inst(const struct fixture *f)
{
	return &insts[f->inst];
}

/* A port p with UDP(a:p -> b:bport, the builder's 12-byte payload) summing
 * to 0, i.e. sent as 0xffff. The sum is symmetric in the two endpoints, so
 * the same port works for the reply direction. */
static int udp_zero_port(__u32 a, __u32 b, __u16 bport)
{
	struct pkt t = { UDP(M_CLIENT, M_VM, a, 0, b, bport) };
	__u8 buf[128];
	int p;

	for (p = 1024; p <= 65535; p++) {
		pkt_build(&t, p, bport, buf, sizeof(buf));
		if (get16(buf + ETH_HLEN_ + 20 + 6) == 0xffff)
			return p;
	}
	return 0;
}

static int port_of(int p)
{
	if (p >= 0)
		return p;
	return snat_slot[-p - 1];
}

/*
 * Timeouts cut for one fixture (pre_age on a young clock), put back when it
 * ends. The datapath's clock is CLOCK_MONOTONIC, which starts at boot: on a
 * machine up for less than a state's timeout (a fresh CI machine) no entry
 * can be older than that timeout.
 */
static struct inst *conf_cut;
static struct wf_ct_conf conf_saved;

static void conf_restore(void)
{
	__u32 zero = 0;

	if (!conf_cut)
		return;
	bpf_map_update_elem(bpf_map__fd(conf_cut->skel->maps.wf_ct_conf), &zero, &conf_saved,
			    BPF_ANY);
	conf_cut = NULL;
}

/* Make an entry in @state of @I expire: how far back to move it. When the
 * clock is younger than the state's timeout, the timeout is cut to 1 s
 * until the fixture ends (conf_restore). */
static __u64 age_past_timeout(struct inst *I, __u8 state, __u64 now)
{
	int fd = bpf_map__fd(I->skel->maps.wf_ct_conf);
	struct wf_ct_conf cf = {};
	__u32 zero = 0, to;

	bpf_map_lookup_elem(fd, &zero, &cf);
	state &= WF_CT_STATE_SLOTS - 1;
	to = cf.timeout[state] ? cf.timeout[state] : wf_ct_timeout_default(state);
	if (now > (to + 3ull) * 1000000000ull)
		return (to + 2ull) * 1000000000ull;
	if (!conf_cut) {
		conf_saved = cf;
		conf_cut = I;
	}
	cf.timeout[state] = 1;
	bpf_map_update_elem(fd, &zero, &cf, BPF_ANY);
	return 2ull * 1000000000ull;
}

/* Age the entry keyed by the input tuple and its peer past their states'
 * timeouts. */
static void pre_age(const struct fixture *f)
{
	struct inst *I = fx_inst(f);
	struct wf_ct_key k = ct_key(f->in.proto, f->in.saddr, port_of(f->in.sport),
				    f->in.daddr, port_of(f->in.dport)), p;
	struct wf_ct_val v;
	__u64 back, now = now_ns();
	int i;

	for (i = 0; i < 2; i++) {
		if (ct_get(I, &k, &v)) {
			failf("setup: no entry to age (%s)", i ? "peer" : "input tuple");
			return;
		}
		back = age_past_timeout(I, v.state, now);
		if (now <= back + 1000000000ull) {
			failf("CLOCK_MONOTONIC at %llu ns: too small to age an entry",
			      (unsigned long long)now);
			return;
		}
		v.last_seen = now - back;
		v.created = now - back - 1000000000ull;
		ct_put(I, &k, &v, BPF_EXIST);
		wf_ct_peer_key(&k, &v, &p);
		k = p;
	}
}

/* pre_age() of an IPv6 entry and its peer. */
static void pre_age6(const struct fixture *f)
{
	struct inst *I = fx_inst(f);
	struct wf_ct6_key k = ct6_key(f->in.proto, f->in.saddr6, port_of(f->in.sport),
				      f->in.daddr6, port_of(f->in.dport)), p;
	struct wf_ct6_val v;
	__u64 back, now = now_ns();
	int i;

	for (i = 0; i < 2; i++) {
		if (ct6_get(I, &k, &v)) {
			failf("setup: no wf_ct6 entry to age (%s)", i ? "peer" : "input tuple");
			return;
		}
		back = age_past_timeout(I, v.c.state, now);
		if (now <= back + 1000000000ull) {
			failf("CLOCK_MONOTONIC at %llu ns: too small to age an entry",
			      (unsigned long long)now);
			return;
		}
		v.c.last_seen = now - back;
		v.c.created = now - back - 1000000000ull;
		bpf_map_update_elem(v.c.table == WF_CT_T_NEW ? I->ct6_new : I->ct6, &k, &v,
				    BPF_EXIST);
		wf_ct6_peer_key(&k, &v, &p);
		k = p;
	}
}

static void pre_no_vm(const struct fixture *f)
{
	info_write(fx_inst(f), 0, HOST);
}

static void pre_no_host(const struct fixture *f)
{
	info_write(fx_inst(f), VM, 0);
}

static void pre_csum_collision(const struct fixture *f)
{
	__u8 buf[4096];
	const __u8 *ip = buf + ETH_HLEN_;
	int len = pkt_build(&f->in, f->in.sport, f->in.dport, buf, sizeof(buf));

	if (f->in.proto != 17 || len < ETH_HLEN_ + 28 ||
	    get16(ip + 20 + 6) != csum_fold(csum_pseudo4(ip, 17, get16(ip + 2) - 20)))
		failf("the input no longer has a checksum equal to its pseudo-header sum: "
		      "pick another port (tests nothing as it is)");
}

/* The loader attached in generic XDP mode. */
static void pre_generic(const struct fixture *f)
{
	info_mode = WF_MODE_XDP_GENERIC;
	info_write(fx_inst(f), VM, HOST);
}

static void pre_no_vm6(const struct fixture *f)
{
	info_no_vm6 = true;
	info_write(fx_inst(f), VM, HOST);
}

static void pre_no_host6(const struct fixture *f)
{
	info_no_host6 = true;
	info_write(fx_inst(f), VM, HOST);
}

static void post_info_restore(const struct fixture *f)
{
	info_mode = 0;
	info_no_vm6 = info_no_host6 = false;
	info_write(fx_inst(f), VM, HOST);
}

/* bpf_fib_lookup() checks IN_DEV_FORWARD of the device first; the suite's
 * namespace has its own /proc/sys/net. */
static void set_eth0_forwarding(const char *v)
{
	FILE *f = fopen("/proc/sys/net/ipv4/conf/eth0/forwarding", "w");

	if (!f || fputs(v, f) < 0 || fclose(f))
		failf("cannot set net.ipv4.conf.eth0.forwarding=%s", v);
}

/* ... and IPv6's (bpf_ipv6_fib_lookup() checks it the same way). */
static void set_eth0_forwarding6(const char *v)
{
	FILE *f = fopen("/proc/sys/net/ipv6/conf/eth0/forwarding", "w");

	if (!f || fputs(v, f) < 0 || fclose(f))
		failf("cannot set net.ipv6.conf.eth0.forwarding=%s", v);
}

static void pre_fwd6_off(const struct fixture *f)
{
	set_eth0_forwarding6("0");
}

static void post_fwd6_on(const struct fixture *f)
{
	set_eth0_forwarding6("1");
}

/* wf_nh entries as user/nexthop.c writes them. */
static void nh_put(const struct fixture *f, int family, const __u8 *addr, size_t alen,
		   enum mac_id dmac, const __u8 *saddr, __s64 age_s)
{
	struct wf_nh_key k = { .family = family };
	struct wf_nh_val v = { .kind = WF_KIND_ONEARM, .oif = ifindex };

	memcpy(k.addr, addr, alen);
	memcpy(v.smac, mac_tab[M_VM], 6);
	memcpy(v.dmac, mac_tab[dmac], 6);
	if (saddr)
		memcpy(v.saddr, saddr, 16);
	v.expires_ns = now_ns() + age_s * 1000000000ll;
	if (bpf_map_update_elem(bpf_map__fd(fx_inst(f)->skel->maps.wf_nh), &k, &v, BPF_ANY))
		fprintf(stderr, "wf_nh update: %s\n", strerror(errno));
}

static void pre_nh_ll6(const struct fixture *f)
{
	static const __u8 gw[16] = LL6_GW, src[16] = LL_VM6;

	nh_put(f, WF_AF_INET6, gw, 16, M_HOST, src, 3600);
}

static void pre_nh_ll6_stale(const struct fixture *f)
{
	static const __u8 gw[16] = LL6_GW, src[16] = LL_VM6;

	nh_put(f, WF_AF_INET6, gw, 16, M_HOST, src, -1);
}

/* The FIB says M_HOST; the entry says M_PEER: the output tells which. */
static void pre_nh_host_peer_mac(const struct fixture *f)
{
	__be32 a = htonl(HOST);

	nh_put(f, WF_AF_INET, (const __u8 *)&a, 4, M_PEER, NULL, 3600);
}

/* The probe fixtures' routing: fd00:77::/64 via link-local gateway @gw on
 * eth0, with a permanent neighbour @gw at M_PEER when @neigh; and the
 * stale entry of fe80::1 (M_HOST) with probe fd00:77::1, as
 * user/nexthop.c writes it for a route's gateway. */
#define NH_PROBE6	IP6(0xfd00, 0x77, 0, 0, 0, 0, 0, 1)
static void nh_probe_setup(const struct fixture *f, const char *gw, bool neigh)
{
	static const __u8 ll[16] = LL6_GW, src[16] = LL_VM6, probe[16] = NH_PROBE6;
	const __u8 *m = mac_tab[M_PEER];
	struct wf_nh_key k = { .family = WF_AF_INET6 };
	struct wf_nh_val v;
	char cmd[256];
	int fd = bpf_map__fd(fx_inst(f)->skel->maps.wf_nh);

	snprintf(cmd, sizeof(cmd), "ip -6 route replace fd00:77::/64 via %s dev eth0", gw);
	if (system(cmd))
		failf("'%s' failed", cmd);
	snprintf(cmd, sizeof(cmd),
		 "ip -6 neigh replace %s lladdr %02x:%02x:%02x:%02x:%02x:%02x nud permanent dev eth0",
		 gw, m[0], m[1], m[2], m[3], m[4], m[5]);
	if (neigh && system(cmd))
		failf("'%s' failed", cmd);
	nh_put(f, WF_AF_INET6, ll, 16, M_HOST, src, -1);
	memcpy(k.addr, ll, 16);
	if (bpf_map_lookup_elem(fd, &k, &v))
		return;
	memcpy(v.probe, probe, 16);
	if (bpf_map_update_elem(fd, &k, &v, BPF_ANY))
		failf("wf_nh update: %s", strerror(errno));
}

static void pre_nh_probe_gw(const struct fixture *f)
{
	nh_probe_setup(f, "fe80::1", true);
}

static void pre_nh_probe_other_gw(const struct fixture *f)
{
	nh_probe_setup(f, "fe80::2", true);
}

static void pre_nh_probe_no_neigh(const struct fixture *f)
{
	nh_probe_setup(f, "fe80::1", false);
}

static void post_nh_probe_clear(const struct fixture *f)
{
	if (system("ip -6 route del fd00:77::/64 dev eth0; "
		   "ip -6 neigh del fe80::1 dev eth0 2>/dev/null; "
		   "ip -6 neigh del fe80::2 dev eth0 2>/dev/null; true"))
		failf("cannot remove the probe fixtures' route");
	post_nh_clear(f);
}

static void post_nh_clear(const struct fixture *f)
{
	int fd = bpf_map__fd(fx_inst(f)->skel->maps.wf_nh);
	struct wf_nh_key k;

	while (!bpf_map_get_next_key(fd, NULL, &k))
		bpf_map_delete_elem(fd, &k);
}

static void pre_fwd_off(const struct fixture *f)
{
	set_eth0_forwarding("0");
}

static void post_fwd_on(const struct fixture *f)
{
	set_eth0_forwarding("1");
}

/* C1_6:51300 sent to [@vm6]:7116 and was handed to the [::1]:7112 server
 * (what lo_udp_remember6 records). post: gone, and checked gone where
 * nothing should have recorded it. */
static void pre_lo_udp6(const struct fixture *f)
{
	struct wf_lo_udp6_key k = { .cport = htons(51300), .tport = htons(7112) };
	struct wf_lo_udp6_val v = { .lport = htons(7116), .id = ID_ULO6 };
	static const __u8 c1[16] = C1_6;

	memcpy(k.caddr, c1, 16);
	memcpy(v.laddr, vm6, 16);
	bpf_map_update_elem(bpf_map__fd(fx_inst(f)->skel->maps.wf_lo_udp6), &k, &v, BPF_ANY);
}

static void post_lo_udp6(const struct fixture *f)
{
	struct wf_lo_udp6_key k = { .cport = htons(51300), .tport = htons(7112) };
	static const __u8 c1[16] = C1_6;

	memcpy(k.caddr, c1, 16);
	if (bpf_map_delete_elem(bpf_map__fd(fx_inst(f)->skel->maps.wf_lo_udp6), &k) == 0 &&
	    !f->pre)
		failf("wf_lo_udp6 has an entry no socket took");
}

/* The time exceeded rate limit (icmp.h): the bucket runs dry far ahead. */
static void pre_icmp_exhaust(const struct fixture *f)
{
	fx_inst(f)->skel->bss->wf_icmp_tat = now_ns() + 3600ull * 1000000000;
}

static void post_icmp_refill(const struct fixture *f)
{
	fx_inst(f)->skel->bss->wf_icmp_tat = 0;
}

static void post_snat_distinct(const struct fixture *f)
{
	int a = snat_slot[f->arg[0]], b = snat_slot[f->arg[1]];

	if (a && a == b)
		failf("SNAT port %d given to two connections to the same target", a);
}

/* Collision: start over with an empty table, then occupy the port the first
 * client got (slot arg[0]) with another connection's REPLY entry
 * (@host:5432 -> @vm:port): the allocator must take the other port. */
static void pre_occupy_snat(const struct fixture *f)
{
	struct inst *I = fx_inst(f);
	int port = snat_slot[f->arg[0]];
	struct wf_ct_key k;
	struct wf_ct_val v;

	ct_flush(I);
	if (!port) {
		failf("setup: SNAT slot %d not recorded by an earlier fixture", f->arg[0]);
		return;
	}
	k = ct_key(6, HOST, 5432, VM, port);
	memset(&v, 0, sizeof(v));
	v.last_seen = v.created = now_ns();
	v.nsaddr = htonl(VM);
	v.nsport = htons(5000);
	v.ndaddr = htonl(IP4(172, 29, 18, 99));
	v.ndport = htons(1234);
	v.id = ID_HOST;
	v.dir = WF_DIR_REPLY;
	v.kind = WF_KIND_ONEARM;
	v.state = WF_CT_TCP_EST;
	v.flags = WF_CT_F_REWRITE_DST | WF_CT_F_REWRITE_SRC | WF_CT_F_TX;
	memcpy(v.smac, mac_tab[M_VM], 6);
	memcpy(v.dmac, mac_tab[M_CLIENT], 6);
	if (ct_put(I, &k, &v, BPF_NOEXIST))
		failf("setup: insert of the occupying REPLY entry: %s", strerror(errno));
}

static void frag_flush(struct inst *I)
{
	struct wf_frag_key k;
	struct wf_frag6_key k6;

	while (!bpf_map_get_next_key(I->frag, NULL, &k))
		bpf_map_delete_elem(I->frag, &k);
	while (!bpf_map_get_next_key(I->frag6, NULL, &k6))
		bpf_map_delete_elem(I->frag6, &k6);
}

/* pre_frag_age() of an IPv6 datagram (wf_frag6). */
static void pre_frag6_age(const struct fixture *f)
{
	struct inst *I = fx_inst(f);
	struct wf_frag6_key k = {
		.id = htonl(f->in.ipid),
		.proto = f->in.proto,
		.hook = f->hook == H_EG ? WF_FRAG_EG : WF_FRAG_IN,
	};
	struct wf_frag6_val v;

	memcpy(k.saddr, f->in.saddr6, 16);
	memcpy(k.daddr, f->in.daddr6, 16);
	if (bpf_map_lookup_elem(I->frag6, &k, &v)) {
		failf("setup: no wf_frag6 entry to age");
		return;
	}
	v.ct.c.last_seen -= (WF_FRAG_TIMEOUT + 1) * 1000000000ull;
	bpf_map_update_elem(I->frag6, &k, &v, BPF_EXIST);
}

/* Age the wf_frag entry of the input's datagram past WF_FRAG_TIMEOUT. */
static void pre_frag_age(const struct fixture *f)
{
	struct inst *I = fx_inst(f);
	struct wf_frag_key k = {
		.saddr = htonl(f->in.saddr),
		.daddr = htonl(f->in.daddr),
		.ipid = htons(f->in.ipid),
		.proto = f->in.proto,
		.hook = f->hook == H_EG ? WF_FRAG_EG : WF_FRAG_IN,
	};
	struct wf_frag_val v;

	if (bpf_map_lookup_elem(I->frag, &k, &v)) {
		failf("setup: no wf_frag entry to age");
		return;
	}
	v.ct.last_seen -= (WF_FRAG_TIMEOUT + 1) * 1000000000ull;
	bpf_map_update_elem(I->frag, &k, &v, BPF_EXIST);
}

/* Start over with an empty table (the fixture's instance). */
static void pre_ct_flush(const struct fixture *f)
{
	ct_flush(fx_inst(f));
}

/* ---- Hooks of the conntrack block (issue 10) ---- */
static struct wf_ct_key fx_key(const struct fixture *f)
{
	return ct_key(f->in.proto, f->in.saddr, port_of(f->in.sport), f->in.daddr,
		      port_of(f->in.dport));
}

/* Age the entry at the input tuple and its peer by arg[0] seconds. */
static void pre_age_n(const struct fixture *f)
{
	struct inst *I = fx_inst(f);
	struct wf_ct_key k = fx_key(f), p;
	struct wf_ct_val v;
	__u64 back = (__u64)f->arg[0] * 1000000000ull;
	int i;

	for (i = 0; i < 2; i++) {
		if (ct_get(I, &k, &v)) {
			failf("setup: no entry to age (%s)", i ? "peer" : "input tuple");
			return;
		}
		if (v.created <= back) {
			failf("CLOCK_MONOTONIC too small to age an entry by %u s", f->arg[0]);
			return;
		}
		v.last_seen -= back;
		v.created -= back;
		ct_put(I, &k, &v, BPF_EXIST);
		wf_ct_peer_key(&k, &v, &p);
		k = p;
	}
}

static void post_peer_fresh(const struct fixture *f)
{
	struct inst *I = fx_inst(f);
	struct wf_ct_key k = fx_key(f), p;
	struct wf_ct_val v, pv;
	__u64 now = now_ns();

	if (ct_get(I, &k, &v))
		return failf("no entry at the input tuple");
	wf_ct_peer_key(&k, &v, &p);
	if (ct_get(I, &p, &pv))
		return failf("no peer entry");
	if (pv.last_seen + 5000000000ull < now)
		failf("peer last_seen %.1f s old: not refreshed with its flow",
		      (now - pv.last_seen) / 1e9);
}

/* Lose the peer of the entry at the input tuple (LRU eviction); the entry
 * was last seen 2 s ago, so this packet refreshes it. */
static void pre_drop_peer(const struct fixture *f)
{
	struct inst *I = fx_inst(f);
	struct wf_ct_key k = fx_key(f), p;
	struct wf_ct_val v;

	if (ct_get(I, &k, &v))
		return failf("setup: no entry at the input tuple");
	wf_ct_peer_key(&k, &v, &p);
	if (ct_del(I, &p))
		failf("setup: no peer entry to delete");
	v.last_seen -= 2000000000ull;
	ct_put(I, &k, &v, BPF_EXIST);
}

/* Both halves there, each the other's partner, in state f->state. */
static void post_pair_ok(const struct fixture *f)
{
	struct inst *I = fx_inst(f);
	struct wf_ct_key k = fx_key(f), p, b;
	struct wf_ct_val v, pv;

	if (ct_get(I, &k, &v))
		return failf("no entry at the input tuple");
	wf_ct_peer_key(&k, &v, &p);
	if (ct_get(I, &p, &pv))
		return failf("no peer entry");
	wf_ct_peer_key(&p, &pv, &b);
	if (memcmp(&b, &k, sizeof(b)))
		failf("the peer's rewrite does not lead back to the entry");
	if (pv.dir == v.dir || pv.id != v.id || pv.kind != v.kind)
		failf("peer dir/id/kind %u/%u/%u vs %u/%u/%u", pv.dir, pv.id, pv.kind, v.dir,
		      v.id, v.kind);
	if (v.state != f->state || pv.state != f->state)
		failf("states %u/%u, expected %u", v.state, pv.state, f->state);
	if (f->id && v.id != f->id)
		failf("id %u, expected %u", v.id, f->id);
}

/* Another connection holds the peer key of the entry at the input tuple. */
static void pre_clash_peer(const struct fixture *f)
{
	struct inst *I = fx_inst(f);
	struct wf_ct_key k = fx_key(f), p;
	struct wf_ct_val v, pv;

	if (ct_get(I, &k, &v))
		return failf("setup: no entry at the input tuple");
	wf_ct_peer_key(&k, &v, &p);
	if (ct_get(I, &p, &pv))
		return failf("setup: no peer entry");
	pv.ndaddr = htonl(C2);
	pv.ndport = htons(1234);
	ct_put(I, &p, &pv, BPF_EXIST);
	v.last_seen -= 2000000000ull;
	ct_put(I, &k, &v, BPF_EXIST);
}

static void post_gone(const struct fixture *f)
{
	struct wf_ct_key k = fx_key(f);
	struct wf_ct_val v;

	if (!ct_get(fx_inst(f), &k, &v))
		failf("the entry at the input tuple is still there");
}

static void pre_delete_self(const struct fixture *f)
{
	struct wf_ct_key k = fx_key(f);

	if (ct_del(fx_inst(f), &k))
		failf("setup: no entry at the input tuple");
}

/* A REPLY entry of some other LOCAL connection keyed like the input. */
static void pre_plant_reply(const struct fixture *f)
{
	struct wf_ct_key k = fx_key(f);
	struct wf_ct_val v;

	memset(&v, 0, sizeof(v));
	v.last_seen = v.created = now_ns();
	v.nsaddr = htonl(VM);
	v.nsport = htons(9);
	v.ndaddr = htonl(C3);
	v.ndport = htons(9);
	v.id = ID_LOCAL2;
	v.dir = WF_DIR_REPLY;
	v.kind = WF_KIND_LOCAL;
	v.state = WF_CT_TCP_EST;
	v.flags = WF_CT_F_REWRITE_SRC;
	if (ct_put(fx_inst(f), &k, &v, BPF_NOEXIST))
		failf("setup: planting the entry: %s", strerror(errno));
}

/* The REPLY entry the refused connection would have had is not there. */
static void post_no_orphan(const struct fixture *f)
{
	struct wf_ct_key k = ct_key(6, VM, 18080, f->in.saddr, port_of(f->in.sport));
	struct wf_ct_val v;

	if (!ct_get(fx_inst(f), &k, &v))
		failf("a REPLY entry without its ORIG was left behind");
	k = fx_key(f);
	if (ct_get(fx_inst(f), &k, &v) || v.dir != WF_DIR_REPLY ||
	    v.id != ID_LOCAL2)
		failf("the other connection's entry was overwritten");
}

/* ---- Running one fixture ---- */
static int tap_n, tap_failed;

static int prog_run(struct inst *I, const struct fixture *f, bool xdp, __u32 mtag,
		    const __u8 *in, int len, __u8 *out, __u32 *out_len, __u32 *ret)
{
	struct xdp_md xctx = {
		.data_end = len,
		.ingress_ifindex = ifindex,
	};
	struct __sk_buff sctx = {
		.ifindex = ifindex,
		.ingress_ifindex = f->hook == H_EG ? 0 : ifindex,
	};
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = in,
		.data_size_in = len,
		.data_out = out,
		.data_size_out = *out_len,
		.repeat = 1,
	);
	int fd, err;

	if (xdp) {
		fd = I->prog_xdp;
		o.ctx_in = &xctx;
		o.ctx_size_in = sizeof(xctx);
	} else {
		fd = f->hook == H_EG ? I->prog_tc_eg :
		     f->hook == H_LO ? I->prog_tc_lo : I->prog_tc_in;
		if (mtag) {
			if (I != &insts[0])
				return -EINVAL;
			fd = bpf_program__fd(vmeta->progs.vlan_meta);
			sctx.mark = mtag;
			sctx.priority = f->hook == H_EG;
		}
		o.ctx_in = &sctx;
		o.ctx_size_in = sizeof(sctx);
	}
	err = bpf_prog_test_run_opts(fd, &o);
	if (err)
		return -errno;
	*out_len = o.data_size_out;
	*ret = o.retval;
	return 0;
}

static int expected_verdict(bool xdp, enum verdict v)
{
	switch (v) {
	case V_PASS:
		return xdp ? XDP_PASS : TC_ACT_OK;
	case V_DROP:
		return xdp ? XDP_DROP : TC_ACT_SHOT;
	case V_TX:
		return xdp ? XDP_TX : TC_ACT_REDIRECT;
	case V_REDIRECT:
		return xdp ? XDP_REDIRECT : TC_ACT_OK;
	}
	return -1;
}

static bool addr_is4(__be32 a, __u32 host)
{
	return a == htonl(host);
}

static void ip_str(__u32 a, char *buf)
{
	sprintf(buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static void check_val(const char *which, const struct wf_ct_val *v, const struct fixture *f,
		      __u8 dir, __u32 ns, __u16 nsp, __u32 nd, __u16 ndp)
{
	char a[16], b[16];

	if (v->dir != dir)
		failf("%s entry: dir %u, expected %u", which, v->dir, dir);
	if (v->id != f->id)
		failf("%s entry: id %u, expected %u", which, v->id, f->id);
	if (v->kind != f->kind)
		failf("%s entry: kind %u, expected %u", which, v->kind, f->kind);
	if (v->state != f->state)
		failf("%s entry: state %u, expected %u", which, v->state, f->state);
	if (!addr_is4(v->nsaddr, ns) || ntohs(v->nsport) != nsp ||
	    !addr_is4(v->ndaddr, nd) || ntohs(v->ndport) != ndp) {
		const __u8 *s = (const __u8 *)&v->nsaddr, *d = (const __u8 *)&v->ndaddr;

		ip_str(ns, a);
		ip_str(nd, b);
		failf("%s entry: rewrite %u.%u.%u.%u:%u > %u.%u.%u.%u:%u, expected %s:%u > %s:%u",
		      which, s[0], s[1], s[2], s[3], ntohs(v->nsport),
		      d[0], d[1], d[2], d[3], ntohs(v->ndport), a, nsp, b, ndp);
	}
}

static void check_macs(const char *which, const struct wf_ct_val *v, __u8 smac, __u8 dmac)
{
	if (!(v->flags & WF_CT_F_TX)) {
		failf("%s entry: ONEARM without WF_CT_F_TX (flags 0x%x)", which, v->flags);
		return;
	}
	if (memcmp(v->smac, mac_tab[smac], 6) || memcmp(v->dmac, mac_tab[dmac], 6))
		failf("%s entry: MACs %02x:..:%02x:%02x > %02x:..:%02x:%02x, expected "
		      "..:%02x:%02x > ..:%02x:%02x", which,
		      v->smac[0], v->smac[4], v->smac[5], v->dmac[0], v->dmac[4], v->dmac[5],
		      mac_tab[smac][4], mac_tab[smac][5], mac_tab[dmac][4], mac_tab[dmac][5]);
}

/* ORIG key = the request tuple; ORIG value = the output tuple; REPLY key =
 * derived from the ORIG value; REPLY value = back to the request's
 * destination and source; and the ORIG key derived from the REPLY value. */
static void check_ct_new(const struct fixture *f, struct inst *I, __u16 isp, __u16 idp,
			 __u16 osp, __u16 odp, __u64 t0, __u64 t1)
{
	struct wf_ct_key ko = ct_key(f->in.proto, f->in.saddr, isp, f->in.daddr, idp), kr, kb;
	struct wf_ct_val vo, vr;
	char ks[96];

	key_str(&ko, ks, sizeof(ks));
	if (ct_get(I, &ko, &vo)) {
		failf("no ORIG entry at the request tuple %s", ks);
		return;
	}
	check_val("ORIG", &vo, f, WF_DIR_ORIG, f->out.saddr, osp, f->out.daddr, odp);
	wf_ct_peer_key(&ko, &vo, &kr);
	key_str(&kr, ks, sizeof(ks));
	if (ct_get(I, &kr, &vr)) {
		failf("no REPLY entry at the key derived from the ORIG value (%s)", ks);
		return;
	}
	check_val("REPLY", &vr, f, WF_DIR_REPLY, f->in.daddr, idp, f->in.saddr, isp);
	wf_ct_peer_key(&kr, &vr, &kb);
	if (memcmp(&kb, &ko, sizeof(kb))) {
		key_str(&kb, ks, sizeof(ks));
		failf("ORIG key derived from the REPLY value is %s, not the request tuple", ks);
	}
	if (f->kind == WF_KIND_ONEARM) {
		check_macs("ORIG", &vo, f->out.smac, f->out.dmac);
		check_macs("REPLY", &vr, f->in.dmac, f->in.smac);
	} else if ((vo.flags | vr.flags) & WF_CT_F_TX) {
		failf("WF_CT_F_TX set on a non-ONEARM connection");
	}
	/* An SNAT connection's REPLY entry keeps what the target's TIME_WAIT
	 * socket of the port will compare the next SYN with. */
	if ((vo.flags & WF_CT_F_REWRITE_SRC) && f->in.proto == 6 &&
	    (f->in.tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN) {
		bool ts = f->in.tsopt != TS_NONE;
		__u32 want = ts ? f->in.tsval : (f->in.seq ? f->in.seq : 0x01020304);

		if (!!(vr.flags & WF_CT_F_SYN_TS) != ts || vr.syn_hint != want)
			failf("REPLY entry: syn_hint 0x%08x%s, expected 0x%08x%s", vr.syn_hint,
			      vr.flags & WF_CT_F_SYN_TS ? " (TSval)" : "", want,
			      ts ? " (TSval)" : "");
	}
	if (vo.syn_hint || (vo.flags & WF_CT_F_SYN_TS))
		failf("ORIG entry: syn_hint 0x%08x, flags 0x%x: for REPLY entries only",
		      vo.syn_hint, vo.flags);
	if (vo.created < t0 || vo.created > t1 || vr.created < t0 || vr.created > t1 ||
	    vo.last_seen < t0 || vo.last_seen > t1 || vr.last_seen < t0 || vr.last_seen > t1)
		failf("created/last_seen not set to the time of the packet");
}

static void check_ct_hit(const struct fixture *f, struct inst *I, __u16 isp, __u16 idp)
{
	struct wf_ct_key k = ct_key(f->in.proto, f->in.saddr, isp, f->in.daddr, idp), p;
	struct wf_ct_val v, pv;
	char ks[96];

	key_str(&k, ks, sizeof(ks));
	if (ct_get(I, &k, &v)) {
		failf("no entry at %s", ks);
		return;
	}
	if (v.dir != f->dir)
		failf("entry at %s: dir %u, expected %u", ks, v.dir, f->dir);
	if (v.id != f->id)
		failf("entry at %s: id %u, expected %u", ks, v.id, f->id);
	if (v.state != f->state)
		failf("entry at %s: state %u, expected %u", ks, v.state, f->state);
	wf_ct_peer_key(&k, &v, &p);
	key_str(&p, ks, sizeof(ks));
	if (ct_get(I, &p, &pv)) {
		failf("no peer entry at %s", ks);
		return;
	}
	if (pv.state != f->state)
		failf("peer entry at %s: state %u, expected %u", ks, pv.state, f->state);
	if (pv.dir == v.dir)
		failf("peer entry at %s has the same dir %u", ks, pv.dir);
}

/* check_val() of an IPv6 entry: the 16-byte rewrite, wf_ct_val's own
 * addresses zero. */
static void check_val6(const char *which, const struct wf_ct6_val *v, const struct fixture *f,
		       __u8 dir, const __u8 *ns, __u16 nsp, const __u8 *nd, __u16 ndp)
{
	char a[48], b[48], c[48], d[48];

	check_val(which, &v->c, f, dir, 0, nsp, 0, ndp);
	if (memcmp(v->nsaddr, ns, 16) || memcmp(v->ndaddr, nd, 16)) {
		ip6_str((const __u8 *)v->nsaddr, a, sizeof(a));
		ip6_str((const __u8 *)v->ndaddr, b, sizeof(b));
		ip6_str(ns, c, sizeof(c));
		ip6_str(nd, d, sizeof(d));
		failf("%s entry: rewrite [%s] > [%s], expected [%s] > [%s]", which, a, b, c, d);
	}
}

/* check_ct_new() in wf_ct6/wf_ct6_new. */
static void check_ct6_new(const struct fixture *f, struct inst *I, __u16 isp, __u16 idp,
			  __u16 osp, __u16 odp, __u64 t0, __u64 t1)
{
	struct wf_ct6_key ko = ct6_key(f->in.proto, f->in.saddr6, isp, f->in.daddr6, idp), kr, kb;
	struct wf_ct6_val vo, vr;
	char ks[160];

	key6_str(&ko, ks, sizeof(ks));
	if (ct6_get(I, &ko, &vo)) {
		failf("no ORIG entry in wf_ct6 at the request tuple %s", ks);
		return;
	}
	check_val6("ORIG", &vo, f, WF_DIR_ORIG, f->out.saddr6, osp, f->out.daddr6, odp);
	wf_ct6_peer_key(&ko, &vo, &kr);
	key6_str(&kr, ks, sizeof(ks));
	if (ct6_get(I, &kr, &vr)) {
		failf("no REPLY entry at the key derived from the ORIG value (%s)", ks);
		return;
	}
	check_val6("REPLY", &vr, f, WF_DIR_REPLY, f->in.daddr6, idp, f->in.saddr6, isp);
	wf_ct6_peer_key(&kr, &vr, &kb);
	if (memcmp(&kb, &ko, sizeof(kb))) {
		key6_str(&kb, ks, sizeof(ks));
		failf("ORIG key derived from the REPLY value is %s, not the request tuple", ks);
	}
	if (f->kind == WF_KIND_ONEARM) {
		check_macs("ORIG", &vo.c, f->out.smac, f->out.dmac);
		check_macs("REPLY", &vr.c, f->in.dmac, f->in.smac);
	} else if ((vo.c.flags | vr.c.flags) & WF_CT_F_TX) {
		failf("WF_CT_F_TX set on a non-ONEARM connection");
	}
	if (vo.c.table != vr.c.table)
		failf("ORIG in table %u, REPLY in %u", vo.c.table, vr.c.table);
	if ((vo.c.flags & WF_CT_F_REWRITE_SRC) && f->in.proto == 6 &&
	    (f->in.tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN) {
		bool ts = f->in.tsopt != TS_NONE;
		__u32 want = ts ? f->in.tsval : (f->in.seq ? f->in.seq : 0x01020304);

		if (!!(vr.c.flags & WF_CT_F_SYN_TS) != ts || vr.c.syn_hint != want)
			failf("REPLY entry: syn_hint 0x%08x, expected 0x%08x", vr.c.syn_hint, want);
	}
	if (vo.c.syn_hint || (vo.c.flags & WF_CT_F_SYN_TS))
		failf("ORIG entry: syn_hint 0x%08x, flags 0x%x: for REPLY entries only",
		      vo.c.syn_hint, vo.c.flags);
	if (vo.c.created < t0 || vo.c.created > t1 || vr.c.created < t0 || vr.c.created > t1 ||
	    vo.c.last_seen < t0 || vo.c.last_seen > t1 || vr.c.last_seen < t0 ||
	    vr.c.last_seen > t1)
		failf("created/last_seen not set to the time of the packet");
}

static void check_ct6_hit(const struct fixture *f, struct inst *I, __u16 isp, __u16 idp)
{
	struct wf_ct6_key k = ct6_key(f->in.proto, f->in.saddr6, isp, f->in.daddr6, idp), p;
	struct wf_ct6_val v, pv;
	char ks[160];

	key6_str(&k, ks, sizeof(ks));
	if (ct6_get(I, &k, &v)) {
		failf("no wf_ct6 entry at %s", ks);
		return;
	}
	if (v.c.dir != f->dir)
		failf("entry at %s: dir %u, expected %u", ks, v.c.dir, f->dir);
	if (v.c.id != f->id)
		failf("entry at %s: id %u, expected %u", ks, v.c.id, f->id);
	if (v.c.state != f->state)
		failf("entry at %s: state %u, expected %u", ks, v.c.state, f->state);
	wf_ct6_peer_key(&k, &v, &p);
	key6_str(&p, ks, sizeof(ks));
	if (ct6_get(I, &p, &pv)) {
		failf("no peer entry at %s", ks);
		return;
	}
	if (pv.c.state != f->state)
		failf("peer entry at %s: state %u, expected %u", ks, pv.c.state, f->state);
	if (pv.c.dir == v.c.dir)
		failf("peer entry at %s has the same dir %u", ks, pv.c.dir);
}

static void run_fixture(const struct fixture *f)
{
	struct inst *I = fx_inst(f);
	bool xdp = f->hook == H_IN && !pass_tc, udp_zero;
	__u8 in[2048], exp[2048], got[2048];
	__u64 st0[WF_STAT_MAX], st1[WF_STAT_MAX], expst[WF_STAT_MAX] = {}, t0, t1;
	struct wf_counters c0[ID_MAX], c1[ID_MAX];
	__u32 got_len = sizeof(got), ret = 0, id;
	int in_len, exp_len = 0, n0, n1, err, i, want;
	int isp = port_of(f->in.sport), idp = port_of(f->in.dport);
	__u32 mtag = 0;
	char why[256];

	diag_len = 0;
	diag[0] = 0;
	failed = false;

	if (f->xdp_only && pass_tc) {
		printf("ok %d - [tc] %s: %s # SKIP %s\n", ++tap_n,
		       f->hook == H_IN ? "ingress" : "egress", f->desc, f->xdp_only);
		return;
	}

	if (f->pre)
		f->pre(f);
	if (f->in.sport < 0 && !isp) {
		failf("input needs SNAT slot %d, not recorded by an earlier fixture",
		      -f->in.sport - 1);
		goto out;
	}
	if (f->in.dport < 0 && !idp) {
		failf("input needs SNAT slot %d, not recorded by an earlier fixture",
		      -f->in.dport - 1);
		goto out;
	}
	in_len = pkt_build(&f->in, isp, idp, in, sizeof(in));
	if (f->mtag && !xdp) {
		/* The tag leaves the frame for the skb's metadata. */
		mtag = (__u32)get16(in + 12) << 16 | get16(in + 14);
		memmove(in + 12, in + 16, in_len - 16);
		in_len -= 4;
	}

	stats_read(I, st0);
	for (id = 0; id < ID_MAX; id++)
		counters_read(I, id, &c0[id]);
	n0 = ct_count(I);

	/* The datapath's clock is CLOCK_MONOTONIC at jiffy resolution
	 * (bpf/lib/config.h): it may lag by a tick or two. */
	t0 = now_ns() - CLOCK_SLACK_NS;
	err = prog_run(I, f, xdp, mtag, in, in_len, got, &got_len, &ret);
	t1 = now_ns();
	if (err) {
		failf("BPF_PROG_RUN failed: %s", strerror(-err));
		goto out;
	}

	want = expected_verdict(xdp, f->verdict);
	if ((int)ret != want)
		failf("verdict %s, expected %s", verdict_name(xdp, ret), verdict_name(xdp, want));

	/* Record SNAT ports the datapath chose, from the new ORIG entry. */
	if (f->ct == CT_NEW && f->out.kind == K_IP6 && f->out.sport < 0 &&
	    !snat_slot[-f->out.sport - 1]) {
		struct wf_ct6_key k = ct6_key(f->in.proto, f->in.saddr6, isp, f->in.daddr6, idp);
		struct wf_ct6_val v;
		int p;

		if (ct6_get(I, &k, &v)) {
			failf("no ORIG entry in wf_ct6 to read the SNAT port from");
			goto out;
		}
		p = ntohs(v.c.nsport);
		if (p < (int)I->snat_min || p > (int)I->snat_max) {
			failf("SNAT port %d outside the range %u-%u", p, I->snat_min,
			      I->snat_max);
			goto out;
		}
		snat_slot[-f->out.sport - 1] = p;
	}
	if (f->ct == CT_NEW && f->out.kind == K_IP4 && f->out.sport < 0 &&
	    !snat_slot[-f->out.sport - 1]) {
		struct wf_ct_key k = ct_key(f->in.proto, f->in.saddr, isp, f->in.daddr, idp);
		struct wf_ct_val v;
		int p;

		if (ct_get(I, &k, &v)) {
			failf("no ORIG entry to read the SNAT port from");
			goto out;
		}
		p = ntohs(v.nsport);
		if (p < (int)I->snat_min || p > (int)I->snat_max) {
			failf("SNAT port %d outside the range %u-%u", p, I->snat_min,
			      I->snat_max);
			goto out;
		}
		snat_slot[-f->out.sport - 1] = p;
	}

	/* Between the families: both entries in wf_ct6, an IPv4 client's
	 * under its ::ffff: key. */
	if (f->out.sport < 0 && !snat_slot[-f->out.sport - 1] && f->out.kind != K_NONE &&
	    f->in.kind != f->out.kind && (f->in.proto == 6 || f->in.proto == 17)) {
		__u8 sa[16] = { [10] = 0xff, [11] = 0xff }, da[16] = { [10] = 0xff, [11] = 0xff };
		struct wf_ct6_key k;
		struct wf_ct6_val v;
		int p;

		if (f->in.kind == K_IP6) {
			memcpy(sa, f->in.saddr6, 16);
			memcpy(da, f->in.daddr6, 16);
		} else {
			put32(sa + 12, f->in.saddr);
			put32(da + 12, f->in.daddr);
		}
		k = ct6_key(f->in.proto, sa, isp, da, idp);
		if (ct6_get(I, &k, &v)) {
			failf("no translated ORIG entry in wf_ct6 to read the SNAT port from");
			goto out;
		}
		p = ntohs(v.c.nsport);
		if (p < (int)I->snat_min || p > (int)I->snat_max) {
			failf("SNAT port %d outside the range %u-%u", p, I->snat_min,
			      I->snat_max);
			goto out;
		}
		snat_slot[-f->out.sport - 1] = p;
	}

	/* Output bytes. */
	if (f->same) {
		memcpy(exp, in, in_len);
		exp_len = in_len;
	} else if (f->out.kind != K_NONE) {
		exp_len = pkt_build(&f->out, port_of(f->out.sport), port_of(f->out.dport),
				    exp, sizeof(exp));
	}
	if (exp_len && (exp_len != (int)got_len || !frames_equal(exp, got, exp_len))) {
		failf("output frame differs (%s):", f->same ? "expected untouched" : "rewrite");
		frame_diff(exp, exp_len, got, got_len);
	}
	/* Checksums recomputed from scratch on what came out. */
	if (((f->out.kind == K_IP4 || f->out.kind == K_IP6) && !f->same) ||
	    (f->same && (f->in.kind == K_IP4 || f->in.kind == K_IP6) && !f->in.ihl &&
	     !f->in.tot_len && !f->in.cut && !f->in.doff && !f->in.vlan && !f->in.vlan_tpid &&
	     !f->in.ip_csum_bad)) {
		const struct pkt *d = f->same ? &f->in : &f->out;

		if (d->csum == CS_PSEUDO) {
			if (pkt_verify_pseudo(got, got_len, why, sizeof(why)))
				failf("output: %s", why);
		} else if (pkt_verify(got, got_len, &udp_zero, why, sizeof(why)))
			failf("output: %s", why);
		else if (d->proto == 17 && udp_zero != (d->csum == CS_ZERO))
			failf("output: UDP checksum %s, expected %s", udp_zero ? "0" : "set",
			      d->csum == CS_ZERO ? "0" : "set");
	}

	/* wf_stats: exactly the expected reasons moved. */
	for (i = 0; i < 3; i++)
		if (f->stat[i])
			expst[f->stat[i]]++;
	if (f->ct == CT_NEW)
		expst[WF_EV_CT_NEW]++;
	stats_read(I, st1);
	for (i = 1; i < WF_STAT_MAX; i++) {
		if (i == f->stat_any)
			continue;
		if (st1[i] - st0[i] != expst[i])
			failf("wf_stats[%s] moved by %lld, expected %llu", stat_name(i),
			      (long long)(st1[i] - st0[i]), (unsigned long long)expst[i]);
	}

	/* wf_ct. */
	n1 = ct_count(I);
	switch (f->ct) {
	case CT_NEW:
		if (f->in.kind == K_IP6)
			check_ct6_new(f, I, isp, idp, port_of(f->out.sport),
				      port_of(f->out.dport), t0, t1);
		else
			check_ct_new(f, I, isp, idp, port_of(f->out.sport),
				     port_of(f->out.dport), t0, t1);
		want = (f->stat[0] == WF_EV_CT_EXPIRED) ? 0 : 2;
		if (n1 - n0 != want)
			failf("wf_ct grew by %d entries, expected %d", n1 - n0, want);
		break;
	case CT_HIT:
		if (f->in.kind == K_IP6)
			check_ct6_hit(f, I, isp, idp);
		else
			check_ct_hit(f, I, isp, idp);
		if (n1 != n0)
			failf("wf_ct changed size by %d on a tracked packet", n1 - n0);
		break;
	case CT_NONE:
		if (f->in.kind == K_IP4 && f->in.proto != 1) {
			struct wf_ct_key k = ct_key(f->in.proto, f->in.saddr, isp,
						    f->in.daddr, idp);
			struct wf_ct_val v;

			if (!ct_get(I, &k, &v))
				failf("an entry exists for the input tuple");
		}
		if (f->in.kind == K_IP6 && (f->in.proto == 6 || f->in.proto == 17)) {
			struct wf_ct6_key k = ct6_key(f->in.proto, f->in.saddr6, isp,
						      f->in.daddr6, idp);
			struct wf_ct6_val v;

			if (!ct6_get(I, &k, &v))
				failf("a wf_ct6 entry exists for the input tuple");
		}
		if (n1 != n0)
			failf("wf_ct changed size by %d, expected no change", n1 - n0);
		break;
	case CT_FRAG:
	case CT_KEEP:
	case CT_LO:
		if (n1 != n0)
			failf("wf_ct changed size by %d on a later fragment", n1 - n0);
		break;
	case CT_SKIP:
		break;
	}

	/* wf_counters. */
	for (id = 0; id < ID_MAX; id++)
		counters_read(I, id, &c1[id]);
	for (id = 0; id < ID_MAX; id++) {
		__u64 dc = c1[id].conns - c0[id].conns;
		__u64 dp0 = c1[id].packets[0] - c0[id].packets[0];
		__u64 dp1 = c1[id].packets[1] - c0[id].packets[1];
		__u64 db0 = c1[id].bytes[0] - c0[id].bytes[0];
		__u64 db1 = c1[id].bytes[1] - c0[id].bytes[1];
		__u64 wc = 0, wp0 = 0, wp1 = 0;

		if (f->ct == CT_SKIP)
			break;
		if (id == f->id && f->ct == CT_NEW) {
			wc = 1;
			wp0 = 1;
		} else if (id == f->id && (f->ct == CT_HIT || f->ct == CT_FRAG || f->ct == CT_LO)) {
			wp0 = f->dir == WF_DIR_ORIG;
			wp1 = f->dir == WF_DIR_REPLY;
		}
		if (dc != wc || dp0 != wp0 || dp1 != wp1)
			failf("wf_counters[%u]: conns +%llu packets +%llu/+%llu, "
			      "expected +%llu, +%llu/+%llu", id, (unsigned long long)dc,
			      (unsigned long long)dp0, (unsigned long long)dp1,
			      (unsigned long long)wc, (unsigned long long)wp0,
			      (unsigned long long)wp1);
		if ((wp0 && !db0) || (wp1 && !db1) || (!wp0 && db0) || (!wp1 && db1))
			failf("wf_counters[%u]: bytes +%llu/+%llu", id,
			      (unsigned long long)db0, (unsigned long long)db1);
	}

out:
	if (f->post)
		f->post(f);
	conf_restore();
	tap_n++;
	if (failed)
		tap_failed++;
	printf("%sok %d - [%s] %s: %s\n", failed ? "not " : "", tap_n,
	       pass_tc ? "tc" : "xdp", f->hook == H_EG ? "egress" : f->hook == H_LO ? "lo-ingress" : "ingress", f->desc);
	if (failed)
		fputs(diag, stdout);
	fflush(stdout);
}

/* ---- Setup ---- */
static int fill_maps(struct inst *I)
{
	__u32 rdev, rdev_mtu = 1400;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(map_defs); i++) {
		const struct map_def *m = &map_defs[i];
		struct wf_fwd_key k;
		struct wf_fwd_val v;
		struct wf_mapping mp;
		__u32 port;
		__u8 bits;

		memset(&k, 0, sizeof(k));
		k.family = WF_AF_INET;
		k.proto = m->proto;
		k.port = htons(m->lport);
		k.addr[0] = htonl(m->laddr);
		memset(&v, 0, sizeof(v));
		v.id = m->id;
		v.taddr_kind = m->tkind;
		v.snat = m->snat;
		v.flags = m->flags;
		v.tport = htons(m->tport);
		v.taddr[0] = htonl(m->taddr);
		if (bpf_map_update_elem(I->fwd, &k, &v, BPF_ANY))
			return -errno;

		port = m->lport;
		bpf_map_lookup_elem(I->ports, &port, &bits);
		bits |= m->proto == 6 ? WF_PORT_TCP_L : WF_PORT_UDP_L;
		if (m->laddr)
			bits |= m->proto == 6 ? WF_PORT_TCP_A : WF_PORT_UDP_A;
		if (bpf_map_update_elem(I->ports, &port, &bits, BPF_ANY))
			return -errno;
		port = m->tport;
		bpf_map_lookup_elem(I->ports, &port, &bits);
		bits |= m->proto == 6 ? WF_PORT_TCP_T : WF_PORT_UDP_T;
		if (m->snat == WF_SNAT_NEVER)
			bits |= m->proto == 6 ? WF_PORT_TCP_R : WF_PORT_UDP_R;
		if (bpf_map_update_elem(I->ports, &port, &bits, BPF_ANY))
			return -errno;

		memset(&mp, 0, sizeof(mp));
		mp.in_use = 1;
		mp.protos = m->proto == 6 ? WF_P_TCP : WF_P_UDP;
		mp.family = WF_AF_INET;
		mp.laddr_kind = m->laddr ? WF_ADDR_LITERAL : WF_ADDR_VM;
		mp.taddr_kind = m->tkind;
		mp.snat = m->snat;
		mp.lport = mp.lport_end = m->lport;
		mp.tport = m->tport;
		mp.laddr[0] = htonl(m->laddr);
		mp.taddr[0] = htonl(m->taddr);
		if (m->flags & WF_FWD_F_ALLOW) {
			mp.n_allow = 1;
			mp.allow[0].family = WF_AF_INET;
			mp.allow[0].plen = allow_defs[0].plen;
			mp.allow[0].addr[0] = htonl(allow_defs[0].addr);
		}
		if (bpf_map_update_elem(I->mappings, &m->id, &mp, BPF_ANY))
			return -errno;
	}
	for (i = 0; i < ARRAY_SIZE(map6_defs); i++) {
		const struct map6_def *m = &map6_defs[i];
		struct wf_fwd_key k;
		struct wf_fwd_val v;
		struct wf_mapping mp;
		__u32 port;
		__u8 bits;

		/* addr all-zero: @vm6 */
		memset(&k, 0, sizeof(k));
		k.family = WF_AF_INET6;
		k.proto = m->proto;
		k.port = htons(m->lport);
		memset(&v, 0, sizeof(v));
		v.id = m->id;
		v.taddr_kind = m->tkind;
		v.snat = WF_SNAT_AUTO;
		v.flags = m->flags;
		v.tport = htons(m->tport);
		memcpy(v.taddr, m->taddr, 16);
		if (bpf_map_update_elem(I->fwd, &k, &v, BPF_ANY))
			return -errno;

		port = m->lport;
		bpf_map_lookup_elem(I->ports, &port, &bits);
		bits |= m->proto == 6 ? WF_PORT_TCP_L : WF_PORT_UDP_L;
		if (bpf_map_update_elem(I->ports, &port, &bits, BPF_ANY))
			return -errno;
		port = m->tport;
		bpf_map_lookup_elem(I->ports, &port, &bits);
		bits |= m->proto == 6 ? WF_PORT_TCP_T : WF_PORT_UDP_T;
		if (bpf_map_update_elem(I->ports, &port, &bits, BPF_ANY))
			return -errno;

		memset(&mp, 0, sizeof(mp));
		mp.in_use = 1;
		mp.protos = m->proto == 6 ? WF_P_TCP : WF_P_UDP;
		mp.family = WF_AF_INET6;
		mp.laddr_kind = WF_ADDR_VM;
		mp.taddr_kind = m->tkind;
		mp.snat = WF_SNAT_AUTO;
		mp.lport = mp.lport_end = m->lport;
		mp.tport = m->tport;
		memcpy(mp.taddr, m->taddr, 16);
		if (m->flags & WF_FWD_F_ALLOW) {
			struct wf_allow_key ak;
			__u8 one = 1;

			mp.n_allow = 1;
			mp.allow[0].family = WF_AF_INET6;
			mp.allow[0].plen = 128;
			memcpy(mp.allow[0].addr, allow6_addr, 16);
			memset(&ak, 0, sizeof(ak));
			ak.prefixlen = WF_ALLOW_PLEN_KEY + 128;
			ak.id = m->id;
			ak.family = WF_AF_INET6;
			memcpy(ak.addr, allow6_addr, 16);
			if (bpf_map_update_elem(I->allow, &ak, &one, BPF_ANY))
				return -errno;
		}
		if (bpf_map_update_elem(I->mappings, &m->id, &mp, BPF_ANY))
			return -errno;
	}
	for (i = 0; i < ARRAY_SIZE(xmap_defs); i++) {
		const struct xmap_def *m = &xmap_defs[i];
		struct wf_fwd_key k;
		struct wf_fwd_val v;
		struct wf_mapping mp;
		__u32 port;
		__u8 bits;

		memset(&k, 0, sizeof(k));
		k.family = m->v6tov4 ? WF_AF_INET6 : WF_AF_INET;
		k.proto = m->proto;
		k.port = htons(m->lport);
		memset(&v, 0, sizeof(v));
		v.id = m->id;
		v.taddr_kind = m->tkind;
		v.snat = WF_SNAT_AUTO;
		v.flags = WF_FWD_F_XFAM;
		v.tport = htons(m->tport);
		memcpy(v.taddr, m->taddr, 16);
		if (bpf_map_update_elem(I->fwd, &k, &v, BPF_ANY))
			return -errno;

		port = m->lport;
		bpf_map_lookup_elem(I->ports, &port, &bits);
		bits |= m->proto == 6 ? WF_PORT_TCP_L : WF_PORT_UDP_L;
		if (bpf_map_update_elem(I->ports, &port, &bits, BPF_ANY))
			return -errno;
		port = m->tport;
		bpf_map_lookup_elem(I->ports, &port, &bits);
		bits |= m->proto == 6 ? WF_PORT_TCP_T : WF_PORT_UDP_T;
		if (bpf_map_update_elem(I->ports, &port, &bits, BPF_ANY))
			return -errno;

		memset(&mp, 0, sizeof(mp));
		mp.in_use = 1;
		mp.protos = m->proto == 6 ? WF_P_TCP : WF_P_UDP;
		mp.family = k.family;
		mp.tfamily = m->v6tov4 ? WF_AF_INET : WF_AF_INET6;
		mp.laddr_kind = WF_ADDR_VM;
		mp.taddr_kind = m->tkind;
		mp.snat = WF_SNAT_AUTO;
		mp.lport = mp.lport_end = m->lport;
		mp.tport = m->tport;
		memcpy(mp.taddr, m->taddr, 16);
		if (bpf_map_update_elem(I->mappings, &m->id, &mp, BPF_ANY))
			return -errno;
	}
	for (i = 0; i < ARRAY_SIZE(allow_defs); i++) {
		struct wf_allow_key k;
		__u8 one = 1;

		memset(&k, 0, sizeof(k));
		k.prefixlen = WF_ALLOW_PLEN_KEY + allow_defs[i].plen;
		k.id = allow_defs[i].id;
		k.family = WF_AF_INET;
		k.addr[0] = htonl(allow_defs[i].addr);
		if (bpf_map_update_elem(I->allow, &k, &one, BPF_ANY))
			return -errno;
	}
	/* vethr: a device the loader was told (load --redirect) takes XDP
	 * frames; BPF_PROG_RUN delivers nothing, it only reports the verdict. */
	rdev = if_nametoindex("vethr");
	if (!rdev || bpf_map_update_elem(bpf_map__fd(I->skel->maps.wf_redirect), &rdev, &rdev,
					 BPF_ANY))
		return -ENODEV;
	/* ... and takes datagrams of up to 1400 bytes (its peer's MTU, say). */
	if (bpf_map_update_elem(bpf_map__fd(I->skel->maps.wf_dev_mtu), &rdev, &rdev_mtu, BPF_ANY))
		return -errno;
	return 0;
}

static int inst_load(struct inst *I, __u32 snat_min, __u32 snat_max)
{
	int err;

	I->skel = skel_open_private();
	if (!I->skel)
		return -errno;
	bpf_map__set_max_entries(I->skel->maps.wf_ct, ct_test_entries);
	bpf_map__set_max_entries(I->skel->maps.wf_ct_new, ct_new_test_entries);
	bpf_map__set_max_entries(I->skel->maps.wf_ct6, ct_test_entries);
	bpf_map__set_max_entries(I->skel->maps.wf_ct6_new, ct_new_test_entries);
	I->skel->rodata->cfg_snat_min = snat_min;
	I->skel->rodata->cfg_snat_max = snat_max;
	I->snat_min = snat_min;
	I->snat_max = snat_max;
	err = wslfwd_bpf__load(I->skel);
	if (err)
		return err;
	I->prog_xdp = bpf_program__fd(I->skel->progs.wf_xdp_ingress);
	I->prog_tc_in = bpf_program__fd(I->skel->progs.wf_tc_ingress);
	I->prog_tc_eg = bpf_program__fd(I->skel->progs.wf_tc_egress);
	I->prog_tc_lo = bpf_program__fd(I->skel->progs.wf_tc_lo_ingress);
	I->frag = bpf_map__fd(I->skel->maps.wf_frag);
	I->info = bpf_map__fd(I->skel->maps.wf_info);
	I->fwd = bpf_map__fd(I->skel->maps.wf_fwd);
	I->ports = bpf_map__fd(I->skel->maps.wf_ports);
	I->allow = bpf_map__fd(I->skel->maps.wf_allow);
	I->ct = bpf_map__fd(I->skel->maps.wf_ct);
	I->ct_new = bpf_map__fd(I->skel->maps.wf_ct_new);
	I->ct6 = bpf_map__fd(I->skel->maps.wf_ct6);
	I->ct6_new = bpf_map__fd(I->skel->maps.wf_ct6_new);
	I->frag6 = bpf_map__fd(I->skel->maps.wf_frag6);
	I->counters = bpf_map__fd(I->skel->maps.wf_counters);
	I->stats = bpf_map__fd(I->skel->maps.wf_stats);
	I->mappings = bpf_map__fd(I->skel->maps.wf_mappings);
	return fill_maps(I);
}

/* The VLAN-metadata front end: slot 0 tail-calls insts[0]'s tc ingress,
 * slot 1 its tc egress. */
static int vmeta_load(void)
{
	__u32 k;
	int fd, err;

	vmeta = vlan_meta_bpf__open_and_load();
	if (!vmeta)
		return -errno;
	for (k = 0; k < 2; k++) {
		fd = k ? insts[0].prog_tc_eg : insts[0].prog_tc_in;
		err = bpf_map_update_elem(bpf_map__fd(vmeta->maps.hooks), &k, &fd, BPF_ANY);
		if (err)
			return -errno;
	}
	return 0;
}

/* Refuse to run anywhere but the layout run.sh builds. */
static int check_layout(void)
{
	struct ifaddrs *ifa, *a;
	bool found = false, found6 = false;

	ifindex = if_nametoindex("eth0");
	if (!ifindex)
		return -1;
	if (getifaddrs(&ifa))
		return -1;
	for (a = ifa; a; a = a->ifa_next) {
		if (a->ifa_addr && a->ifa_addr->sa_family == AF_INET &&
		    !strcmp(a->ifa_name, "eth0") &&
		    ((struct sockaddr_in *)a->ifa_addr)->sin_addr.s_addr == htonl(VM))
			found = true;
		if (a->ifa_addr && a->ifa_addr->sa_family == AF_INET6 &&
		    !strcmp(a->ifa_name, "eth0") &&
		    !memcmp(&((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr, vm6, 16))
			found6 = true;
	}
	freeifaddrs(ifa);
	return found && found6 ? 0 : -1;
}

/*
 * SNAT occupancy (issue 10): new one-arm connections (SYNs from distinct
 * client ports to @vm:5000 -> @host:5432, XDP) into an empty range until
 * the first one is refused (snat_exhausted). Returns how many got a port.
 */
static int snat_fill(struct inst *I, int max)
{
	__u8 in[256], out[256];
	__u64 st0[WF_STAT_MAX], st1[WF_STAT_MAX];
	int i, len;

	ct_flush(I);
	info_write(I, VM, HOST);
	for (i = 0; i < max; i++) {
		struct pkt t = { TCP(M_CLIENT, M_VM, C1, 0, VM, 5000, TH_SYN), .seq = 1000 + i };
		struct xdp_md x = { .ingress_ifindex = ifindex };
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_out = out,
			    .data_size_out = sizeof(out), .ctx_in = &x, .ctx_size_in = sizeof(x),
			    .repeat = 1);

		t.saddr = C1 + i / 60000;	/* distinct clients past 60000 ports */
		len = pkt_build(&t, 1024 + i % 60000, 5000, in, sizeof(in));
		o.data_size_in = len;
		x.data_end = len;
		stats_read(I, st0);
		if (bpf_prog_test_run_opts(I->prog_xdp, &o))
			return -errno;
		stats_read(I, st1);
		if (o.retval != XDP_TX) {
			if (st1[WF_DROP_SNAT_EXHAUSTED] == st0[WF_DROP_SNAT_EXHAUSTED])
				return -EPROTO;
			return i;
		}
	}
	return max;
}

static void snat_occupancy_tests(void)
{
	int n, err;

	/* 100 ports, fewer than the tries: the stride visits every one. */
	err = inst_load(&insts[2], 63000, 63099);
	n = err ? err : snat_fill(&insts[2], 101);
	printf("%sok %d - [xdp] SNAT: a 100-port range is used whole before the first refusal "
	       "(%d of 100)\n", n == 100 ? "" : "not ", ++tap_n, n);
	tap_failed += n != 100;
	/* The default range: the first refusal once 128 tries all meet used
	 * ports, near 97 % occupancy. */
	ct_test_entries = 4 * (WF_SNAT_PORT_MAX - WF_SNAT_PORT_MIN + 1);
	ct_new_test_entries = ct_test_entries;
	err = inst_load(&insts[3], WF_SNAT_PORT_MIN, WF_SNAT_PORT_MAX);
	ct_test_entries = ct_new_test_entries = CT_TEST_ENTRIES;
	n = err ? err : snat_fill(&insts[3], WF_SNAT_PORT_MAX - WF_SNAT_PORT_MIN + 2);
	printf("%sok %d - [xdp] SNAT %u-%u: first refusal at %d of %d ports taken (%.1f %%, "
	       "at least 90 %%)\n", n >= (WF_SNAT_PORT_MAX - WF_SNAT_PORT_MIN + 1) * 9 / 10 &&
	       n <= WF_SNAT_PORT_MAX - WF_SNAT_PORT_MIN + 1 ? "" : "not ",
	       ++tap_n, WF_SNAT_PORT_MIN, WF_SNAT_PORT_MAX, n, WF_SNAT_PORT_MAX - WF_SNAT_PORT_MIN + 1,
	       n > 0 ? 100.0 * n / (WF_SNAT_PORT_MAX - WF_SNAT_PORT_MIN + 1) : 0);
	tap_failed += !(n >= (WF_SNAT_PORT_MAX - WF_SNAT_PORT_MIN + 1) * 9 / 10 &&
			n <= WF_SNAT_PORT_MAX - WF_SNAT_PORT_MIN + 1);
}

/* One frame through wf_xdp_ingress of @I: the verdict, the output in @out. */
static int xdp_run(struct inst *I, const struct pkt *t, int sport, int dport, __u8 *out,
		   __u32 *out_len)
{
	__u8 in[256];
	struct xdp_md x = { .ingress_ifindex = ifindex };
	int len = pkt_build(t, sport, dport, in, sizeof(in));
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len, .data_out = out,
		    .data_size_out = *out_len, .ctx_in = &x, .ctx_size_in = sizeof(x),
		    .repeat = 1);

	x.data_end = len;
	if (bpf_prog_test_run_opts(I->prog_xdp, &o))
		return -errno;
	*out_len = o.data_size_out;
	return o.retval;
}

/*
 * Half-open connections cannot evict established ones (issue 10): tables
 * of 64 entries each (32 connections); 10 one-arm connections complete
 * their handshake (SYN, SYN-ACK, the client's ACK: moved to wf_ct), then
 * 20000 SYNs from other ports arrive and never complete. Every established
 * connection still gets its packets translated with its own SNAT port.
 */
static void ct_flood_test(void)
{
	struct inst *I = &insts[4];
	__u16 port[10];
	__u8 out[256];
	__u32 ol;
	int i = 0, err = 0, lost = 0, ok = 0, r;

	ct_test_entries = ct_new_test_entries = 64;
	err = inst_load(I, WF_SNAT_PORT_MIN, WF_SNAT_PORT_MAX);
	ct_test_entries = ct_new_test_entries = CT_TEST_ENTRIES;
	if (err)
		goto out;
	info_write(I, VM, HOST);
	for (i = 0; i < 10; i++) {
		struct pkt syn = { TCP(M_CLIENT, M_VM, C2, 0, VM, 5000, TH_SYN) };
		struct pkt ack = { TCP(M_CLIENT, M_VM, C2, 0, VM, 5000, TH_ACK) };
		struct wf_ct_key k = ct_key(6, C2, 30000 + i, VM, 5000);
		struct wf_ct_val v;

		ol = sizeof(out);
		if (xdp_run(I, &syn, 30000 + i, 5000, out, &ol) != XDP_TX || ct_get(I, &k, &v))
			goto out;
		port[i] = ntohs(v.nsport);
		{
			struct pkt sa = { TCP(M_HOST, M_VM, HOST, 5432, VM, 0, TH_SYN | TH_ACK) };

			ol = sizeof(out);
			if (xdp_run(I, &sa, 5432, port[i], out, &ol) != XDP_TX)
				goto out;
		}
		ol = sizeof(out);
		if (xdp_run(I, &ack, 30000 + i, 5000, out, &ol) != XDP_TX)
			goto out;
		if (bpf_map_lookup_elem(I->ct, &k, &v) || v.state != WF_CT_TCP_EST)
			goto out;
	}
	for (i = 0; i < 20000; i++) {
		struct pkt syn = { TCP(M_CLIENT, M_VM, C3 + i / 30000, 0, VM, 5000, TH_SYN) };

		ol = sizeof(out);
		r = xdp_run(I, &syn, 1024 + i % 30000, 5000, out, &ol);
		ok += r == XDP_TX;
	}
	for (i = 0; i < 10; i++) {
		struct pkt ack = { TCP(M_CLIENT, M_VM, C2, 0, VM, 5000, TH_ACK), .paylen = 10 };

		ol = sizeof(out);
		r = xdp_run(I, &ack, 30000 + i, 5000, out, &ol);
		/* out: the TCP source port at 14 + 20 */
		if (r != XDP_TX || ol < 40 || (out[34] << 8 | out[35]) != port[i])
			lost++;
	}
	printf("%sok %d - [xdp] ct flood: 10 established connections keep flowing through "
	       "20000 half-open SYNs (%d forwarded) into 32-connection tables: %d lost\n",
	       lost ? "not " : "", ++tap_n, ok, lost);
	tap_failed += lost != 0;
	return;
out:
	printf("not ok %d - [xdp] ct flood: setup failed at connection %d (%d)\n", ++tap_n, i, err);
	tap_failed++;
}

/* Every counter's enum name is the name `stats` prints, after its DROP_ or
 * EV_ prefix (WF_DROP_CT_INSERT counts ct_insert): the fixtures' .stat and
 * the user's stats read alike. */
static void stat_names_test(void)
{
	static const struct {
		const char *id, *name;
	} st[] = {
#define WF_STAT_PAIR(id, str) { #id, str },
		WF_STATS(WF_STAT_PAIR)
#undef WF_STAT_PAIR
	};
	const char *bad = NULL, *id;
	size_t i, k;

	for (i = 0; i < ARRAY_SIZE(st) && !bad; i++) {
		id = st[i].id;
		if (!strncmp(id, "DROP_", 5))
			id += 5;
		else if (!strncmp(id, "EV_", 3))
			id += 3;
		else
			bad = st[i].id;
		for (k = 0; !bad && (id[k] || st[i].name[k]); k++)
			if (tolower((unsigned char)id[k]) != st[i].name[k])
				bad = st[i].id;
	}
	printf("%sok %d - stats: every WF_DROP_/WF_EV_ enum name is its printed name%s%s\n",
	       bad ? "not " : "", ++tap_n, bad ? ": not " : "", bad ? bad : "");
	tap_failed += bad != NULL;
}

#include "fuzz.h"

int main(void)
{
	size_t i, n = ARRAY_SIZE(fixtures);
	int err, p;

	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(skel_libbpf_print);
	if (check_layout()) {
		printf("Bail out! no eth0 with 172.29.20.2 and fd00:29::2: run through "
		       "tests/packet/run.sh\n");
		return 1;
	}
	pkt_port_hook = port_of;
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		printf("Bail out! cannot count CPUs\n");
		return 1;
	}
	err = inst_load(&insts[0], WF_SNAT_PORT_MIN, WF_SNAT_PORT_MAX);
	if (!err)
		err = inst_load(&insts[1], SNAT_SMALL_MIN, SNAT_SMALL_MAX);
	if (!err)
		err = vmeta_load();
	if (err) {
		printf("Bail out! loading the datapath: %s\n", strerror(-err));
		err = 1;
		goto cleanup;
	}

	for (p = 0; p < 2; p++) {
		pass_tc = p == 1;
		printf("# ingress through %s\n", pass_tc ? "wf_tc_ingress" : "wf_xdp_ingress");
		memset(snat_slot, 0, sizeof(snat_slot));
		snat_slot[-ZPORT(0) - 1] = udp_zero_port(C1, VM, 15353);
		snat_slot[-ZPORT(1) - 1] = udp_zero_port(C1, VM, 5353);
		snat_slot[-ZPORT(2) - 1] = udp_zero_port(C1, VM, 6000);
		snat_slot[-ZPORT(3) - 1] = udp_zero_port(C2, VM, 6000);
		for (i = 0; i < 2; i++) {
			ct_flush(&insts[i]);
			frag_flush(&insts[i]);
			info_write(&insts[i], VM, HOST);
		}
		for (i = 0; i < n; i++)
			run_fixture(&fixtures[i]);
	}
	snat_occupancy_tests();
	ct_flood_test();
	stat_names_test();
	fuzz_tests();
	printf("1..%d\n", tap_n);
	printf("# %d passed, %d failed\n", tap_n - tap_failed, tap_failed);
	err = tap_failed ? 1 : 0;
cleanup:
	wslfwd_bpf__destroy(insts[4].skel);
	wslfwd_bpf__destroy(insts[3].skel);
	wslfwd_bpf__destroy(insts[2].skel);
	vlan_meta_bpf__destroy(vmeta);
	wslfwd_bpf__destroy(insts[1].skel);
	wslfwd_bpf__destroy(insts[0].skel);
	return err;
}
