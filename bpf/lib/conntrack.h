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

static __always_inline __u16 ct_snat_hash(const struct wf_ct_key *t)
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
 * Create both entries of a new connection. The REPLY entry goes in first:
 * with SNAT its insert with BPF_NOEXIST is the port reservation (atomic in
 * the map, so two CPUs can never take the same port for the same target).
 * On success *orig holds the ORIG value, which the caller applies to the
 * packet.
 */
static __always_inline int ct_create(const struct wf_pkt *pkt, const struct wf_ct_new *n,
				     __u64 now, struct wf_ct_val *orig)
{
	const struct wf_ct_key *key = &pkt->tuple;
	struct wf_ct_key rkey;
	struct wf_ct_val *v = orig;
	__u32 min = cfg_snat_min, max = cfg_snat_max;
	__u32 size, port, i;
	__u8 flags_tx = n->kind == WF_KIND_ONEARM ? WF_CT_F_TX : 0;
	int err;

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
		/* the loader validates the range; never hand out port 0 */
		if (!min || min > max || max > 65535)
			return -WF_DROP_SNAT_EXHAUSTED;
		size = max - min + 1;
		/* (hash + i) % size for try i, one division in all */
		port = ct_snat_hash(key) % size;
		err = -1;
		for (i = 0; i < WF_SNAT_TRIES; i++, port = port + 1 < size ? port + 1 : 0) {
			struct wf_ct_val *old;

			rkey.dport = bpf_htons(min + port);
			err = bpf_map_update_elem(&wf_ct, &rkey, v, BPF_NOEXIST);
			if (!err)
				break;
			/* Taken by a connection that is over: free the port
			 * (both entries) and try it again. Two CPUs may both
			 * get here; the NOEXIST insert still picks one. */
			old = bpf_map_lookup_elem(&wf_ct, &rkey);
			if (!old || !ct_reusable(old, now))
				continue;
			ct_delete(&rkey, old);
			err = bpf_map_update_elem(&wf_ct, &rkey, v, BPF_NOEXIST);
			if (!err)
				break;
		}
		if (err)
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
	__builtin_memcpy(v->smac, n->fib_smac, 6);
	__builtin_memcpy(v->dmac, n->fib_dmac, 6);

	if (bpf_map_update_elem(&wf_ct, key, v, BPF_ANY)) {
		bpf_map_delete_elem(&wf_ct, &rkey);
		return -WF_DROP_CT_FULL;
	}
	return 0;
}

#endif
