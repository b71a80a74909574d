/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Connection tracking: two wf_ct entries per connection, ORIG keyed by the
 * client's tuple as it arrives on IFACE, REPLY by the tuple the target's
 * packets carry where the datapath meets them. Each value holds the whole
 * rewritten tuple, so the other entry's key is derived from it (ct_peer_key)
 * and no back pointer is needed. IPv4: the key is 16 bytes (wslfwd.h).
 *
 * Expiry is checked on lookup against a per-state timeout; the LRU map
 * reclaims what is never looked up again. Values are updated in place
 * without locks: racing writers store the same or equally valid bytes.
 */
#ifndef WF_LIB_CONNTRACK_H
#define WF_LIB_CONNTRACK_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "wslfwd.h"
#include "lib/config.h"
#include "lib/maps.h"
#include "lib/counters.h"
#include "lib/parse.h"

static __always_inline __u64 ct_timeout(__u8 state)
{
	__u32 s;

	switch (state) {
	case WF_CT_TCP_SYN:
		s = cfg_to_tcp_syn;
		break;
	case WF_CT_TCP_EST:
		s = cfg_to_tcp_est;
		break;
	case WF_CT_TCP_CLOSING:
	case WF_CT_TCP_TIME_WAIT:
		s = cfg_to_tcp_closing;
		break;
	case WF_CT_TCP_CLOSED:
		s = cfg_to_tcp_closed;
		break;
	case WF_CT_UDP_REPLIED:
		s = cfg_to_udp_replied;
		break;
	default:
		s = cfg_to_udp;
		break;
	}
	return (__u64)s * WF_NSEC_PER_SEC;
}

static __always_inline bool ct_expired(const struct wf_ct_val *v, __u64 now)
{
	__u64 last = v->last_seen;

	/* another CPU may have stored a slightly later time */
	return now > last && now - last > ct_timeout(v->state);
}

/* The key of the other direction's entry: packets leaving with this entry's
 * rewrite are answered from ndaddr:ndport to nsaddr:nsport. */
static __always_inline void ct_peer_key(const struct wf_ct_key *key,
					const struct wf_ct_val *v,
					struct wf_ct_key *peer)
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

static __always_inline void ct_delete(const struct wf_ct_key *key,
				      const struct wf_ct_val *v)
{
	struct wf_ct_key peer;

	ct_peer_key(key, v, &peer);
	bpf_map_delete_elem(&wf_ct, &peer);
	bpf_map_delete_elem(&wf_ct, key);
}

/*
 * Look up @key. An expired entry is counted and is a miss. An expired ORIG
 * entry is deleted with its peer, so the connection is re-created cleanly
 * (and its SNAT port freed first, so it gets the same one back); an expired
 * REPLY entry is left to its ORIG entry or the LRU.
 */
static __always_inline struct wf_ct_val *ct_lookup(const struct wf_ct_key *key, __u64 now)
{
	struct wf_ct_val *v = bpf_map_lookup_elem(&wf_ct, key);

	if (!v)
		return NULL;
	/* Seen within the last second, as every busy flow is (last_seen is
	 * refreshed once a second): no timeout (whole seconds, at least 1) to
	 * look up. A later time stored by another CPU wraps and goes on. */
	if (now - v->last_seen <= WF_NSEC_PER_SEC || !ct_expired(v, now))
		return v;
	stats_inc(WF_EV_CT_EXPIRED);
	if (v->dir == WF_DIR_ORIG)
		ct_delete(key, v);
	return NULL;
}

/* Initial state of a connection whose first packet we see. */
/* Flags both entries of a connection carry alike. */
#define WF_CT_F_FIN_BOTH	(WF_CT_F_FIN_ORIG | WF_CT_F_FIN_REPLY)
#define WF_CT_F_MIRRORED	(WF_CT_F_SEEN_REPLY | WF_CT_F_FIN_BOTH)

/*
 * May a new connection take over the tuple of entry @v? When it has expired,
 * or its connection is over: reset, or FIN seen both ways (nf_nat does the
 * same for TIME_WAIT/CLOSE conntracks). Without this a one-arm target gets
 * at most (SNAT range) / (closing timeout) new connections a second.
 */
static __always_inline bool ct_reusable(const struct wf_ct_val *v, __u64 now)
{
	return v->state == WF_CT_TCP_TIME_WAIT || v->state == WF_CT_TCP_CLOSED ||
	       ct_expired(v, now);
}

static __always_inline __u8 ct_state_new(const struct wf_pkt *pkt)
{
	__u8 f = pkt->tcp_flags;

	if (pkt->tuple.proto != WF_IPPROTO_TCP)
		return WF_CT_UDP;
	if ((f & (WF_TCP_SYN | WF_TCP_ACK)) == WF_TCP_SYN)
		return WF_CT_TCP_SYN;
	/* Picked up mid-stream (like nf_conntrack's tcp_loose): the entry
	 * may have been evicted or expired while the flow lived on. */
	if (f & WF_TCP_FIN)
		return WF_CT_TCP_CLOSING;
	return WF_CT_TCP_EST;
}

/* State machine on a hit (design.md "Conntrack"): the new state. */
static __always_inline __u8 ct_state_next(const struct wf_pkt *pkt,
					  const struct wf_ct_val *v)
{
	__u8 state = v->state;
	__u8 f = pkt->tcp_flags;

	if (pkt->tuple.proto != WF_IPPROTO_TCP) {
		if (v->dir == WF_DIR_REPLY && state == WF_CT_UDP)
			return WF_CT_UDP_REPLIED;
		return state;
	}
	if (f & WF_TCP_RST)
		return WF_CT_TCP_CLOSED;
	if (f & WF_TCP_FIN)
		return state < WF_CT_TCP_CLOSING ? WF_CT_TCP_CLOSING : state;
	/* A new SYN on a closed tuple: the client reuses its port. */
	if (v->dir == WF_DIR_ORIG && state >= WF_CT_TCP_CLOSING &&
	    (f & (WF_TCP_SYN | WF_TCP_ACK)) == WF_TCP_SYN)
		return WF_CT_TCP_SYN;
	if (v->dir == WF_DIR_REPLY && state == WF_CT_TCP_SYN)
		return WF_CT_TCP_EST;
	return state;
}

/*
 * Account a packet on entry @v (keyed @key). The common case writes nothing
 * but, at most once a second, last_seen: the value's cache line stays
 * shared between CPUs. A state change (first reply, FIN, RST: a few packets
 * per connection) is mirrored to the peer entry, whose last_seen is
 * refreshed too, or a peer idle for longer than the new, shorter timeout
 * would expire under the connection's feet.
 */
static __always_inline void ct_update(const struct wf_pkt *pkt, const struct wf_ct_key *key,
				      struct wf_ct_val *v, __u64 now)
{
	struct wf_ct_val *peer;
	struct wf_ct_key pkey;
	__u8 state, flags;

	state = ct_state_next(pkt, v);
	flags = v->flags;
	if (v->dir == WF_DIR_REPLY)
		flags |= WF_CT_F_SEEN_REPLY;
	else if (state == WF_CT_TCP_SYN && v->state != WF_CT_TCP_SYN)
		flags &= ~WF_CT_F_MIRRORED;	/* the tuple starts over */
	if (state == WF_CT_TCP_CLOSING) {
		if (pkt->tcp_flags & WF_TCP_FIN)
			flags |= v->dir == WF_DIR_ORIG ? WF_CT_F_FIN_ORIG : WF_CT_F_FIN_REPLY;
		if ((flags & WF_CT_F_FIN_BOTH) == WF_CT_F_FIN_BOTH)
			state = WF_CT_TCP_TIME_WAIT;
	}

	if (state != v->state || flags != v->flags) {
		v->state = state;
		v->flags = flags;
		v->last_seen = now;
		ct_peer_key(key, v, &pkey);
		peer = bpf_map_lookup_elem(&wf_ct, &pkey);
		if (peer) {
			peer->state = state;
			peer->flags = (peer->flags & ~WF_CT_F_MIRRORED) |
				      (flags & WF_CT_F_MIRRORED);
			peer->last_seen = now;
		}
		return;
	}
	if (now > v->last_seen + WF_NSEC_PER_SEC)
		v->last_seen = now;
}

/* What a new connection becomes; filled by fwd.h from mapping and FIB. */
struct wf_ct_new {
	__be32 taddr;		/* target */
	__be32 snaddr;		/* SNAT source address (@vm) when snat */
	__be16 tport;
	__u8 kind;		/* enum wf_kind */
	__u8 snat;		/* bool: rewrite the source too */
	__u32 id;
	__u8 fib_smac[6];	/* ORIG, WF_CT_F_TX */
	__u8 fib_dmac[6];
	__u8 pkt_dmac[6];	/* REPLY, WF_CT_F_TX: our MAC ... */
	__u8 pkt_smac[6];	/* ... and the client's next hop */
	__u32 oif;		/* BEHIND: redirect to this device (0: the stack) */
};

/*
 * SNAT port reuse meets the target's TIME_WAIT socket of the port's last
 * connection (the target closes first in most short connections). Linux
 * (tcp_timewait_state_process) and RFC 6191 take a new SYN into it only
 * when its TSval is newer than the last one seen there or, without
 * timestamps, its sequence number lies beyond the old connection's; any
 * other SYN is answered with an ACK (TcpExtPAWSTimewait), and the client
 * resets and sends its SYN again some ms later. Clients draw ISN and TS
 * offset per 4-tuple (Linux: secure_tcp_seq_and_ts_off() over the ports
 * too since "tcp: secure_seq: add back ports to TS offset"), so a port
 * passed on to another client tuple was a coin toss: 25-45% of new one-arm
 * connections were refused. The old client's SYN values, kept in the
 * REPLY entry, turn the toss into a check: a reusable port is taken only
 * for a SYN the target would accept (first packets only; no cost per
 * packet of an established flow).
 */
struct wf_ct_syn {
	__u32 tsval;		/* host order */
	__u32 seq;
	__u8 ts;		/* a timestamp option was found */
	__u8 valid;		/* a TCP SYN (no ACK) to an SNAT target */
};

#define WF_TCPOPT_EOL		0
#define WF_TCPOPT_NOP		1
#define WF_TCPOPT_TS		8
#define WF_TCPOLEN_TS		10
/* The last option byte a timestamp option can start at (40 bytes). */
#define WF_TCPOPT_TS_LAST	(40 - WF_TCPOLEN_TS)
/* Slack for the old client's timestamp clock: our jiffy clock and the
 * client's may each be a few ms off. In TS ticks, at most 1 per ms. */
#define WF_SYN_TS_SLACK		32
/* Without timestamps the target compares the ISN with the old connection's
 * rcv_nxt, which is beyond its ISN by what the client sent (not counted
 * per packet): up to this much is covered. */
#define WF_SYN_SEQ_SLACK	(1u << 24)

static __always_inline __u32 ct_load_be32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

/*
 * Sequence number and TSval of a SYN (its TCP header was bounds-checked by
 * pkt_parse4; tc made it linear). The options are walked by byte position
 * j, a constant in each step for the verifier, with the start of the next
 * option in @next, which is never a packet offset: the states after each
 * step prune whatever options came before (a walk by a variable offset
 * took the program past the verifier's 1M insns).
 */
static __always_inline void ct_syn_read(const struct wf_ctx *c, const struct wf_pkt *pkt,
					struct wf_ct_syn *s)
{
	void *end = ctx_data_end(c);
	__u8 *th = ctx_data(c), *o;
	__u32 l4 = pkt->l4_off, optlen, next = 0;
	__u8 kind, len;
	int j;

	s->ts = 0;
	s->valid = 0;
	if (pkt->tuple.proto != WF_IPPROTO_TCP ||
	    (pkt->tcp_flags & (WF_TCP_SYN | WF_TCP_ACK)) != WF_TCP_SYN)
		return;
	if (l4 > WF_ETH_HLEN + 60)
		return;
	th += l4;
	if ((void *)(th + 20) > end)
		return;
	s->valid = 1;
	s->seq = ct_load_be32(th + 4);
	optlen = (th[12] >> 4) * 4;
	if (optlen <= 20)
		return;
	optlen -= 20;
	o = th + 20;
	for (j = 0; j <= WF_TCPOPT_TS_LAST; j++) {
		if (j >= optlen)
			break;
		if (j != next)
			continue;
		if ((void *)(o + j + 2) > end)
			break;
		kind = o[j];
		if (kind == WF_TCPOPT_EOL)
			break;
		if (kind == WF_TCPOPT_NOP) {
			next = j + 1;
			continue;
		}
		len = o[j + 1];
		if (kind == WF_TCPOPT_TS && len == WF_TCPOLEN_TS) {
			if (j + WF_TCPOLEN_TS > optlen || (void *)(o + j + WF_TCPOLEN_TS) > end)
				break;
			s->tsval = ct_load_be32(o + j + 2);
			s->ts = 1;
			break;
		}
		if (len < 2)
			break;
		/* The mask widens the verifier's range of @next to all of
		 * [0, 255]: no later comparison with it is decided, none makes
		 * it precise, and the states of the next steps prune. It
		 * changes only lengths that run past the options anyway. */
		next = (j + len) & 0xff;
	}
}

/* What the REPLY entry keeps of the SYN (WF_CT_F_SYN_TS in *flags). */
static __always_inline __u32 ct_syn_hint(const struct wf_ct_syn *s, __u8 *flags)
{
	if (!s->valid)
		return 0;
	if (s->ts) {
		*flags |= WF_CT_F_SYN_TS;
		return s->tsval;
	}
	return s->seq;
}

/*
 * Would the target's TIME_WAIT socket of @old's port (if it has one) take
 * the SYN @s? The old client's TSval has grown since its SYN by at most a
 * tick a millisecond (the fastest clock RFC 7323 has in mind; Linux ticks
 * so), so its SYN TSval plus the milliseconds since bounds the target's
 * ts_recent from above. A faster clock (Linux's opt-in usec timestamps)
 * only brings the coin toss back. Unknown cases say yes: such a port is
 * no worse than any other.
 */
static __always_inline bool ct_syn_accepted(const struct wf_ct_val *old,
					    const struct wf_ct_syn *s, __u64 now)
{
	__u32 ms;

	if (!s->valid)
		return true;
	if (old->flags & WF_CT_F_SYN_TS) {
		/* A SYN without timestamps is judged by its ISN, which we
		 * do not know for the old one. */
		if (!s->ts)
			return true;
		ms = now > old->created ? (now - old->created) / 1000000 : 0;
		return (__s32)(s->tsval - old->syn_hint - ms - WF_SYN_TS_SLACK) > 0;
	}
	/* 0: no SYN seen (picked up mid-stream) */
	return !old->syn_hint || (__s32)(s->seq - old->syn_hint) > (__s32)WF_SYN_SEQ_SLACK;
}

/* Free the SNAT port @rkey of the connection @old and reserve it with @v. */
static __always_inline int ct_take_over(const struct wf_ct_key *rkey, const struct wf_ct_val *old,
					const struct wf_ct_val *v)
{
	/* Two CPUs may both get here; the NOEXIST insert still picks one. */
	ct_delete(rkey, old);
	return bpf_map_update_elem(&wf_ct, rkey, v, BPF_NOEXIST);
}

static __always_inline __u32 ct_snat_hash(const struct wf_ct_key *t)
{
	__u32 h = t->saddr;

	h ^= t->daddr * 0x9e3779b1;
	h ^= ((__u32)t->sport << 16 | t->dport) * 0x85ebca6b;
	h ^= h >> 15;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/*
 * Reserve an SNAT port for the connection whose REPLY value is @v: insert
 * it at @rkey (dport set here) with BPF_NOEXIST, the reservation, trying
 * WF_SNAT_TRIES ports picked by @hash (of the client's tuple). A port held
 * by a connection that is over is freed and taken if the target's
 * TIME_WAIT socket would accept the SYN @syn (ct_syn_accepted). Each such
 * port refuses about half of other clients' SYNs, so all of them do 1 in
 * 2^WF_SNAT_TRIES; then a second pass takes the first one that is over
 * anyway (a refused SYN costs the client some ms, a dropped one a second).
 * 0, or -1: none to be had.
 *
 * The tries step by a stride from the hash too (double hashing): with +1
 * steps, SYNs refused by a port went on to its neighbours and left them
 * with correlated timestamps, and all 8 tries failed 1% of the time, not
 * 1 in 256.
 *
 * A global function: the verifier checks it once, on its own, rather than
 * once per state of its caller, which its loop multiplied (inline, this
 * code took the XDP program to 946k of the 1M insns the verifier allows).
 * Its pointers may be NULL to the verifier, hence the checks.
 */
__noinline int ct_snat_reserve(struct wf_ct_key *rkey, const struct wf_ct_val *v,
			       const struct wf_ct_syn *syn, __u64 now, __u32 hash)
{
	__u32 min = cfg_snat_min, max = cfg_snat_max, size, first, stride, port, pass, i;
	struct wf_ct_val *old;
	bool refused = false;

	if (!rkey || !v || !syn)
		return -1;
	/* the loader validates the range; never hand out port 0 */
	if (!min || min > max || max > 65535)
		return -1;
	size = max - min + 1;
	first = hash % size;
	stride = size > 1 ? 1 + (hash >> 16) % (size - 1) : 0;
	for (pass = 0; pass < 2; pass++) {
		port = first;
		for (i = 0; i < WF_SNAT_TRIES; i++) {
			rkey->dport = bpf_htons(min + port);
			if (!bpf_map_update_elem(&wf_ct, rkey, v, BPF_NOEXIST))
				return 0;
			old = bpf_map_lookup_elem(&wf_ct, rkey);
			if (old && ct_reusable(old, now)) {
				if (pass || ct_syn_accepted(old, syn, now)) {
					if (!ct_take_over(rkey, old, v))
						return 0;
				} else {
					refused = true;
				}
			}
			port += stride;
			if (port >= size)
				port -= size;
		}
		if (!refused)
			break;
	}
	return -1;
}

/*
 * Create both entries of a new connection. The REPLY entry goes in first:
 * with SNAT its insert with BPF_NOEXIST is the port reservation (atomic in
 * the map, so two CPUs can never take the same port for the same target).
 * On success *orig holds the ORIG value, which the caller applies to the
 * packet.
 */
static __always_inline int ct_create(const struct wf_ctx *c, const struct wf_pkt *pkt,
				     const struct wf_ct_new *n, __u64 now,
				     struct wf_ct_val *orig)
{
	const struct wf_ct_key *key = &pkt->tuple;
	struct wf_ct_key rkey;
	struct wf_ct_val *v = orig;
	struct wf_ct_syn syn;
	__u8 flags_tx = n->kind == WF_KIND_ONEARM ? WF_CT_F_TX : 0;

	/* The REPLY value, built in the buffer the ORIG value reuses after:
	 * it keeps the stack frame small. Rewrites back to LADDR:LPORT ->
	 * client:cport. */
	__builtin_memset(v, 0, sizeof(*v));
	v->last_seen = now;
	v->created = now;
	v->nsaddr = key->daddr;
	v->ndaddr = key->saddr;
	v->nsport = key->dport;
	v->ndport = key->sport;
	v->id = n->id;
	v->dir = WF_DIR_REPLY;
	v->kind = n->kind;
	v->state = ct_state_new(pkt);
	v->flags = WF_CT_F_SNAT | (n->snat ? WF_CT_F_DNAT : 0) | flags_tx;
	__builtin_memcpy(v->smac, n->pkt_dmac, 6);
	__builtin_memcpy(v->dmac, n->pkt_smac, 6);

	rkey.saddr = n->taddr;
	rkey.sport = n->tport;
	rkey.proto = key->proto;
	rkey.pad[0] = 0;
	rkey.pad[1] = 0;
	rkey.pad[2] = 0;

	if (!n->snat) {
		rkey.daddr = key->saddr;
		rkey.dport = key->sport;
		/* No reservation needed: the client's tuple makes it unique
		 * (a stale entry of the same tuple is simply replaced). */
		if (bpf_map_update_elem(&wf_ct, &rkey, v, BPF_ANY))
			return -WF_DROP_CT_FULL;
	} else {
		rkey.daddr = n->snaddr;
		ct_syn_read(c, pkt, &syn);
		v->syn_hint = ct_syn_hint(&syn, &v->flags);
		if (ct_snat_reserve(&rkey, v, &syn, now, ct_snat_hash(key)))
			return -WF_DROP_SNAT_EXHAUSTED;
	}

	/* The ORIG value: client:cport -> LADDR:LPORT leaves as
	 * nsaddr:nsport -> target:tport. */
	v->nsaddr = n->snat ? n->snaddr : key->saddr;
	v->ndaddr = n->taddr;
	v->nsport = rkey.dport;
	v->ndport = n->tport;
	v->dir = WF_DIR_ORIG;
	v->flags = WF_CT_F_DNAT | (n->snat ? WF_CT_F_SNAT : 0) | flags_tx |
		   (n->oif ? WF_CT_F_REDIRECT : 0);
	v->oif = n->oif;
	v->syn_hint = 0;
	__builtin_memcpy(v->smac, n->fib_smac, 6);
	__builtin_memcpy(v->dmac, n->fib_dmac, 6);

	if (bpf_map_update_elem(&wf_ct, key, v, BPF_ANY)) {
		bpf_map_delete_elem(&wf_ct, &rkey);
		return -WF_DROP_CT_FULL;
	}
	return 0;
}

#endif
