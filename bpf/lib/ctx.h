/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * One datapath for XDP and tc. struct wf_ctx carries the program's context
 * and which kind it is; every helper is __always_inline and the entry points
 * pass a literal .xdp, so clang folds each ctx_*() to one program type's code
 * and the verifier never sees an access of the wrong context type.
 *
 * The datapath speaks in offsets, not packet pointers: in tc every
 * bpf_skb_store_bytes()/bpf_l*_csum_replace() call invalidates all packet
 * pointers, so nat.h keeps none across calls. XDP re-derives data/data_end
 * and bounds-checks on each access, which costs a compare.
 *
 * Verdicts: WF_PASS, WF_TX, WF_DROP (>= 0). Drop reasons are returned as
 * -WF_DROP_* and never overlap them; fwd.h counts and maps them to WF_DROP.
 */
#ifndef WF_LIB_CTX_H
#define WF_LIB_CTX_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "wslfwd.h"
#include "lib/csum.h"

/* uapi pkt_cls.h macros, which vmlinux.h cannot carry. */
#ifndef TC_ACT_OK
#define TC_ACT_OK	0
#define TC_ACT_SHOT	2
#endif

enum wf_verdict {
	WF_PASS = 0,	/* XDP_PASS / TC_ACT_OK */
	WF_TX = 1,	/* XDP_TX / bpf_redirect(ifindex, 0): back out of the same device */
	WF_DROP = 2,	/* XDP_DROP / TC_ACT_SHOT */
	WF_REDIRECT = 3,	/* XDP_REDIRECT (bpf_redirect_map() done); XDP only */
	/* Not a verdict: fwd.h's first-packet and rewrite paths ask the
	 * ingress entry to answer TTL 1 with a time exceeded (icmp.h). Done
	 * there, in the entry's own frame, because the first-packet path's
	 * frame plus the answer's went past the verifier's 512-byte stack. */
	WF_TTL_ANSWER = 4,
};

/*
 * offsetof() for our code. bpf_helpers.h's offsetof is the null-pointer-cast
 * form, which clang 14 miscompiles when two of them meet in a ternary (it
 * emitted a load from address 8/12); the builtin is a plain constant.
 */
#define WF_OFF(type, field) __builtin_offsetof(type, field)

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/*
 * A global BPF function (not static, not inline): the verifier checks it
 * once, on its own, with every argument unknown (pointers maybe NULL, so it
 * checks them), instead of once per state of each caller. Used where
 * inlining multiplied the verifier's work (design.md "Verifier"). Every
 * non-static function of bpf/ is marked so.
 */
#define WF_GLOBAL	__noinline

/* Upper bound for header offsets handed to the XDP accessors; a bounded
 * variable offset is what the verifier needs for pkt + off arithmetic. */
#define WF_CTX_MAX_OFF	1024

/* xdp and v6 are literals where a path starts (entry points, fwd.h), so
 * the compiler folds every test of them: one source, four paths. */
struct wf_ctx {
	void *ctx;	/* struct xdp_md * or struct __sk_buff * */
	bool xdp;
	bool v6;	/* the packet is IPv6: the wf_ct6 tables, 16-byte addresses */
};

static __always_inline struct xdp_md *ctx_xdp(const struct wf_ctx *c)
{
	return (struct xdp_md *)c->ctx;
}

static __always_inline struct __sk_buff *ctx_skb(const struct wf_ctx *c)
{
	return (struct __sk_buff *)c->ctx;
}

/*
 * Load a u32 context field at a constant offset. Plain C lets clang compute
 * ctx + off once and reuse it for several loads (e.g. before and after
 * bpf_skb_pull_data()); the verifier rejects any access through a modified
 * ctx pointer ("dereference of modified ctx ptr"). The asm pins the form.
 */
#define ctx_field32(ptr, type, field) ({					\
	__u64 __v;	/* ldxw zero-extends: no shifts */	\
	asm volatile("%0 = *(u32 *)(%1 + %2)"				\
		     : "=r"(__v)					\
		     : "r"(ptr), "i"(WF_OFF(type, field)));	\
	__v;								\
})

static __always_inline void *ctx_data(const struct wf_ctx *c)
{
	if (c->xdp)
		return (void *)(long)ctx_field32(c->ctx, struct xdp_md, data);
	return (void *)(long)ctx_field32(c->ctx, struct __sk_buff, data);
}

static __always_inline void *ctx_data_end(const struct wf_ctx *c)
{
	if (c->xdp)
		return (void *)(long)ctx_field32(c->ctx, struct xdp_md, data_end);
	return (void *)(long)ctx_field32(c->ctx, struct __sk_buff, data_end);
}

/* The device the packet arrived on (tc egress: the device it leaves by). */
static __always_inline __u32 ctx_ifindex(const struct wf_ctx *c)
{
	if (c->xdp)
		return ctx_xdp(c)->ingress_ifindex;
	return ctx_skb(c)->ifindex;
}

/*
 * tc: does the skb carry an 802.1Q/802.1ad tag (VID 0 included) in its
 * metadata? The stack moves an in-frame tag there before tc ingress
 * (skb_vlan_untag), and a device with tx VLAN offload gets it there on
 * egress, so tc sees the frame as untagged. XDP sees the tag in the frame.
 */
static __always_inline bool ctx_vlan_tagged(const struct wf_ctx *c)
{
	if (c->xdp)
		return false;
	return ctx_skb(c)->vlan_present;
}

/* Wire packets this context stands for: GRO/GSO skbs carry several. */
static __always_inline __u32 ctx_segs(const struct wf_ctx *c)
{
	__u32 segs;

	if (c->xdp)
		return 1;
	segs = ctx_skb(c)->gso_segs;
	return segs ? segs : 1;
}

/*
 * Is @off (from the start of the frame) within the frame? XDP has no
 * multi-buffer here (hv_netvsc does not do it), so the frame is data..data_end;
 * an skb may be non-linear and its length is skb->len. Written as a pointer
 * compare in XDP: pkt_end - pkt subtraction needs allow_ptr_leaks.
 */
static __always_inline bool ctx_within(const struct wf_ctx *c, __u32 off)
{
	if (c->xdp)
		return ctx_data(c) + off <= ctx_data_end(c);
	return off <= ctx_skb(c)->len;
}

/*
 * tc: make the first @len bytes linear so the parser can use direct packet
 * access. Only called when they are not (rare: headers are linear for
 * locally built and GRO'd skbs), and never for more than skb->len, which
 * the kernel would refuse. Invalidates packet pointers: call before parsing.
 */
static __always_inline void ctx_pull(const struct wf_ctx *c, __u32 len)
{
	struct __sk_buff *skb;
	__u32 want;

	if (c->xdp)
		return;
	skb = ctx_skb(c);
	want = skb->len < len ? skb->len : len;
	if (ctx_data(c) + want > ctx_data_end(c))
		bpf_skb_pull_data(skb, want);
}

/* XDP: a pointer to @len bytes at @off, or NULL when out of bounds. */
static __always_inline void *ctx_ptr(const struct wf_ctx *c, __u32 off, __u32 len)
{
	void *data = ctx_data(c);
	void *end = ctx_data_end(c);

	if (off > WF_CTX_MAX_OFF)
		return NULL;
	if (data + off + len > end)
		return NULL;
	return data + off;
}

/*
 * @len must be a compile-time constant. XDP copies whole words: @from must
 * be 4-byte aligned when @len is a multiple of 4 (2-byte when it is 2); the
 * stores may be unaligned, which the verifier allows for packet data on
 * architectures with efficient unaligned access (all that run WSL).
 */
static __always_inline int ctx_store_bytes(const struct wf_ctx *c, __u32 off,
					   const void *from, __u32 len)
{
	void *p;
	int i;

	if (!c->xdp)
		return bpf_skb_store_bytes(ctx_skb(c), off, from, len, 0);
	p = ctx_ptr(c, off, len);
	if (!p)
		return -1;
	if (len % 4 == 0) {
#pragma unroll
		for (i = 0; i < len / 4; i++)
			((__u32 *)p)[i] = ((const __u32 *)from)[i];
	} else if (len == 2) {
		*(__u16 *)p = *(const __u16 *)from;
	} else {
		__builtin_memcpy(p, from, len);
	}
	return 0;
}

static __always_inline int ctx_load_bytes(const struct wf_ctx *c, __u32 off,
					  void *to, __u32 len)
{
	void *p;
	int i;

	if (!c->xdp)
		return bpf_skb_load_bytes(ctx_skb(c), off, to, len);
	p = ctx_ptr(c, off, len);
	if (!p)
		return -1;
	/* By words, as ctx_store_bytes(), for @to of 16 bytes or more (a
	 * header struct or __be32 array: aligned, as the verifier wants stack
	 * stores): a byte-wise memcpy of a 32-byte IPv6 address pair spills
	 * past the stack limit. */
	if (len >= 16 && len % 4 == 0) {
#pragma unroll
		for (i = 0; i < len / 4; i++)
			((__u32 *)to)[i] = ((const __u32 *)p)[i];
	} else {
		__builtin_memcpy(to, p, len);
	}
	return 0;
}

/* Apply checksum diff @diff (csum.h) to the IP header checksum at @off. */
static __always_inline int ctx_l3_csum_add(const struct wf_ctx *c, __u32 off, __u64 diff)
{
	__u16 *sum;

	if (!c->xdp)
		return bpf_l3_csum_replace(ctx_skb(c), off, 0, csum_diff_wsum(diff), 0);
	sum = ctx_ptr(c, off, sizeof(*sum));
	if (!sum)
		return -1;
	*sum = csum_apply(*sum, diff);
	return 0;
}

/*
 * Apply to the L4 checksum at @off the diff of pseudo-header fields @pdiff
 * (addresses) and of L4 header fields @ldiff (ports); 0 is no change. tc
 * makes two updates (bpf_l4_csum_replace() in diff mode, size 0): the
 * checksum field of a CHECKSUM_PARTIAL skb covers the pseudo header only.
 * XDP, for a complete checksum (nat.h decides, see nat_csum_kind4()): one
 * update, and a UDP checksum of 0 is left alone as BPF_F_MARK_MANGLED_0 does.
 */
static __always_inline int ctx_l4_csum_add(const struct wf_ctx *c, __u32 off, __u64 pdiff,
					   __u64 ldiff, bool udp)
{
	__u64 mm0 = udp ? BPF_F_MARK_MANGLED_0 : 0;
	__u16 *sum;

	if (!c->xdp) {
		if (pdiff && bpf_l4_csum_replace(ctx_skb(c), off, 0, csum_diff_wsum(pdiff),
						 BPF_F_PSEUDO_HDR | mm0))
			return -1;
		if (ldiff && bpf_l4_csum_replace(ctx_skb(c), off, 0, csum_diff_wsum(ldiff), mm0))
			return -1;
		return 0;
	}
	sum = ctx_ptr(c, off, sizeof(*sum));
	if (!sum)
		return -1;
	if (udp && !*sum)
		return 0;
	*sum = csum_apply(*sum, pdiff + ldiff);
	if (udp && !*sum)
		*sum = WF_CSUM_MANGLED_0;
	return 0;
}

/* XDP: the L4 checksum field at @off holds only the pseudo-header sum;
 * keep it that for addresses changed by @pdiff (csum_apply_pseudo()). */
static __always_inline int ctx_l4_csum_pseudo(const struct wf_ctx *c, __u32 off, __u64 pdiff)
{
	__u16 *sum = ctx_ptr(c, off, sizeof(*sum));

	if (!sum)
		return -1;
	*sum = csum_apply_pseudo(*sum, pdiff);
	return 0;
}

/* The largest L4 segment ctx_l4_csum_fill() sums: an XDP frame without
 * frags (the datapath does not declare them) fits in a page. */
#define WF_CSUM_CHUNK	512	/* bpf_csum_diff()'s limit per call */
#define WF_CSUM_MAX_L4	4096

/* Per-CPU scratch for the last partial chunk: room for 511 bytes and the
 * 3 zero bytes that pad them to a word. Not pinned: nothing to keep. */
struct wf_csum_tail {
	__u8 b[WF_CSUM_CHUNK + 4];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wf_csum_tail);
} wf_csum_scratch SEC(".maps");

/* Add the @rem (< WF_CSUM_CHUNK) bytes read into @t->b to the running sum
 * @s, zero-padded to a word (bpf_csum_diff() takes whole words). */
static __always_inline long csum_tail_sum(struct wf_csum_tail *t, __u32 rem, long s)
{
	__u32 n;

	/* rem < 512: all three within the 516 bytes */
	t->b[rem] = 0;
	t->b[rem + 1] = 0;
	t->b[rem + 2] = 0;
	n = (rem + 3) & ~3u;
	if (n > WF_CSUM_CHUNK)
		return -1;
	return bpf_csum_diff(NULL, 0, (void *)t->b, n, s);
}

/* ctx_l4_csum_fill() flags */
#define WF_CSUM_F_UDP	1	/* a computed 0 is sent as WF_CSUM_MANGLED_0 */
#define WF_CSUM_F_CHECK	2	/* only say whether the field is a complete checksum */

/*
 * XDP: write the complete L4 checksum of the @len-byte segment at @l4, whose
 * pseudo header sums to @pseudo (csum_pseudo4()). For packets that leave
 * the kernel's trust (XDP_TX, XDP_REDIRECT) carrying only a pseudo-header
 * sum: their receiver gets an skb built from the frame and verifies what it
 * finds. With WF_CSUM_F_CHECK nothing is written: 1 when the field as it is
 * makes the segment verify (a complete checksum), 0 when not. bpf_csum_diff()
 * takes at most 512 bytes a call, a multiple of 4:
 * whole chunks straight from the packet, then the rest copied to a scratch
 * buffer and zero-padded to a word (RFC 1071), so every call has a size the
 * verifier can bound without a path per length. All chunks start at even
 * offsets from @l4: the words line up.
 * A global function (WF_GLOBAL).
 */
WF_GLOBAL int ctx_l4_csum_fill(struct xdp_md *ctx, __u32 l4, __u32 len, __u32 pseudo, __u32 flags)
{
	struct wf_ctx c = { .ctx = ctx, .xdp = true };
	struct wf_csum_tail *t;
	void *p;
	__u32 done = 0, rem, off, zero = 0;
	__u16 *sum;
	long s = 0;
	int i;

	if (!ctx || l4 > WF_CTX_MAX_OFF || len > WF_CSUM_MAX_L4)
		return -1;
	off = l4 + ((flags & WF_CSUM_F_UDP) ? WF_OFF(struct udphdr, check) :
					       WF_OFF(struct tcphdr, check));
	sum = ctx_ptr(&c, off, sizeof(*sum));
	if (!sum)
		return -1;
	if (!(flags & WF_CSUM_F_CHECK))
		*sum = 0;
	for (i = 0; i < WF_CSUM_MAX_L4 / WF_CSUM_CHUNK; i++) {
		if (len - done < WF_CSUM_CHUNK)
			break;
		/* l4 + done < 2 * WF_CSUM_MAX_L4: the mask only tells the
		 * verifier, which lost the bound in the loop */
		p = ctx_data(&c) + ((l4 + done) & (2 * WF_CSUM_MAX_L4 - 1));
		if (p + WF_CSUM_CHUNK > ctx_data_end(&c))
			return -1;
		s = bpf_csum_diff(NULL, 0, p, WF_CSUM_CHUNK, s);
		if (s < 0)
			return -1;
		done += WF_CSUM_CHUNK;
	}
	rem = (len - done) & (WF_CSUM_CHUNK - 1);
	if (rem) {
		t = bpf_map_lookup_elem(&wf_csum_scratch, &zero);
		if (!t)
			return -1;
		if (bpf_xdp_load_bytes(ctx, l4 + done, t->b, rem))
			return -1;
		s = csum_tail_sum(t, rem, s);
		if (s < 0)
			return -1;
	}
	if (flags & WF_CSUM_F_CHECK)
		return csum_fold16((__u64)(__u32)s + (__u16)pseudo) == 0xffff;
	sum = ctx_ptr(&c, off, sizeof(*sum));
	if (!sum)
		return -1;
	*sum = (__u16)~csum_fold16((__u64)(__u32)s + (__u16)pseudo);
	if ((flags & WF_CSUM_F_UDP) && !*sum)
		*sum = WF_CSUM_MANGLED_0;
	return 0;
}

static __always_inline int ctx_fib_lookup(const struct wf_ctx *c,
					  struct bpf_fib_lookup *fib, __u32 flags)
{
	return bpf_fib_lookup(c->ctx, fib, sizeof(*fib), flags);
}

/*
 * WF_TX in tc: redirect to the egress of the device the packet is on. At tc
 * ingress the kernel pushes the MAC header back into skb->csum
 * (bpf_push_mac_rcsum()) before transmitting, so the rewritten MACs are fine.
 */
static __always_inline int ctx_verdict(const struct wf_ctx *c, int verdict)
{
	if (c->xdp) {
		switch (verdict) {
		case WF_PASS:
			return XDP_PASS;
		case WF_TX:
			return XDP_TX;
		case WF_REDIRECT:
			return XDP_REDIRECT;
		default:
			return XDP_DROP;
		}
	}
	switch (verdict) {
	case WF_PASS:
	case WF_REDIRECT:	/* never produced in tc */
		return TC_ACT_OK;
	case WF_TX:
		return bpf_redirect(ctx_skb(c)->ifindex, 0);
	default:
		return TC_ACT_SHOT;
	}
}

#endif
