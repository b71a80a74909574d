/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Connection tracking: two wf_ct entries per connection, ORIG keyed by the
 * client's tuple as it arrives on IFACE, REPLY by the tuple the target's
 * packets carry where the datapath meets them. Each value holds the whole
 * rewritten tuple, so the other entry's key is derived from it (wf_ct_peer_key)
 * and no back pointer is needed. IPv4 in wf_ct/wf_ct_new (16-byte key),
 * IPv6 in wf_ct6/wf_ct6_new (40 bytes), by the same code (below).
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
#include "lib/clock.h"
#include "lib/maps.h"
#include "lib/counters.h"
#include "lib/parse.h"
#include "lib/ctx.h"

/* Default timeouts by state, from the X-macro (include/wslfwd.h). */
static const __u32 ct_timeout_default[WF_CT_STATE_SLOTS] = {
#define WF_CT_STATE_TO(name, val, str, opt, to) [val] = to,
	WF_CT_STATES(WF_CT_STATE_TO)
#undef WF_CT_STATE_TO
};

/* Seconds: what `load --timeout` set (wf_ct_conf), else the default. Only
 * read for entries idle for more than a second (ct_lookup). */
static __always_inline __u64 ct_timeout(__u8 state)
{
	struct wf_ct_conf *cf;
	__u32 zero = 0, s = 0, i = state & (WF_CT_STATE_SLOTS - 1);

	cf = bpf_map_lookup_elem(&wf_ct_conf, &zero);
	if (cf)
		s = cf->timeout[i];
	if (!s)
		s = ct_timeout_default[i];
	if (!s)
		s = ct_timeout_default[WF_CT_UDP];
	return (__u64)s * WF_NSEC_PER_SEC;
}

static __always_inline bool ct_expired(const struct wf_ct_val *v, __u64 now)
{
	__u64 last = v->last_seen;

	/* another CPU may have stored a slightly later time */
	return now > last && now - last > ct_timeout(v->state);
}

/*
 * Both families share every rule below: an IPv6 entry is a wf_ct_val with
 * the addresses after it (struct wf_ct6_val), so only keys, addresses and
 * the maps differ, chosen by @v6 (c->v6: a literal on each path, folded).
 * Keys are passed as const void *: a struct wf_ct_key or wf_ct6_key.
 */
union wf_ct_tuple {
	struct wf_ct_key k4;
	struct wf_ct6_key k6;
};

/* ::ffff:a.b.c.d, the form IPv4 addresses take in wf_ct6 (RFC 4291 2.5.5.2) */
static __always_inline void addr6_map4(__be32 *a, __be32 v4)
{
	a[0] = 0;
	a[1] = 0;
	a[2] = bpf_htonl(0xffff);
	a[3] = v4;
}

static __always_inline bool addr6_is_mapped(const __be32 *a)
{
	return !(a[0] | a[1]) && a[2] == bpf_htonl(0xffff);
}

/* The conntrack key of an IPv4 tuple as wf_ct6 keeps it. */
static __always_inline void ct_key_map4(const struct wf_ct_key *t, struct wf_ct6_key *k)
{
	addr6_map4(k->saddr, t->saddr);
	addr6_map4(k->daddr, t->daddr);
	k->sport = t->sport;
	k->dport = t->dport;
	k->proto = t->proto;
	k->pad[0] = 0;
	k->pad[1] = 0;
	k->pad[2] = 0;
}

/* The value buffers of functions that copy an entry: room for either. */
typedef struct wf_ct6_val wf_ct_buf;

static __always_inline void *ct_map_of(__u8 table, bool v6)
{
	if (v6)
		return table == WF_CT_T_NEW ? (void *)&wf_ct6_new : (void *)&wf_ct6;
	return table == WF_CT_T_NEW ? (void *)&wf_ct_new : (void *)&wf_ct;
}

/* The map entry @v is in; its partner is always in the same one. */
static __always_inline void *ct_map(const struct wf_ct_val *v, bool v6)
{
	return ct_map_of(v->table, v6);
}

static __always_inline const struct wf_ct6_val *ct6(const struct wf_ct_val *v)
{
	return (const struct wf_ct6_val *)v;
}

static __always_inline void ct_peer_key(bool v6, const void *key, const struct wf_ct_val *v,
					union wf_ct_tuple *pk)
{
	if (v6)
		wf_ct6_peer_key(key, ct6(v), &pk->k6);
	else
		wf_ct_peer_key(key, v, &pk->k4);
}

/* Does @v's rewrite lead to @key as its reply (ndaddr:ndport -> nsaddr:
 * nsport is @key's saddr:sport -> daddr:dport)? */
static __always_inline bool ct_leads_to(bool v6, const struct wf_ct_val *v, const void *key)
{
	if (v6) {
		const struct wf_ct6_key *k = key;

		return addr6_eq(ct6(v)->ndaddr, k->saddr) && addr6_eq(ct6(v)->nsaddr, k->daddr) &&
		       v->ndport == k->sport && v->nsport == k->dport;
	} else {
		const struct wf_ct_key *k = key;

		return v->ndaddr == k->saddr && v->nsaddr == k->daddr &&
		       v->ndport == k->sport && v->nsport == k->dport;
	}
}

/* Is @p, found at the peer key of the entry keyed @key, that entry's own
 * partner? Only if its rewrite leads back to @key; otherwise the key now
 * belongs to another connection (our half was lost and its SNAT port or
 * tuple taken). */
static __always_inline bool ct_is_peer(bool v6, const struct wf_ct_val *p, const void *key)
{
	return ct_leads_to(v6, p, key);
}

static __always_inline void ct_delete(bool v6, const void *key, const struct wf_ct_val *v)
{
	union wf_ct_tuple peer;
	struct wf_ct_val *p;

	ct_peer_key(v6, key, v, &peer);
	/* never another connection's entry */
	p = bpf_map_lookup_elem(ct_map(v, v6), &peer);
	if (p && ct_is_peer(v6, p, key))
		bpf_map_delete_elem(ct_map(v, v6), &peer);
	bpf_map_delete_elem(ct_map(v, v6), key);
}

/*
 * Is the SNAT port of REPLY key @rkey held in the other family's tables?
 * A v6tov4 connection's REPLY key is an IPv4 tuple kept in wf_ct6
 * (::ffff:a.b.c.d), so one port towards one IPv4 target lives in two
 * places: the IPv4 tuple must be free in both. First packets only.
 */
static __always_inline bool ct_snat_held_xfam(bool v6, const void *rkey, bool v6tov4)
{
	if (v6) {
		const struct wf_ct6_key *k = rkey;
		struct wf_ct_key k4 = {
			.saddr = k->saddr[3], .daddr = k->daddr[3],
			.sport = k->sport, .dport = k->dport, .proto = k->proto,
		};

		if (!addr6_is_mapped(k->saddr) || !addr6_is_mapped(k->daddr))
			return false;
		return bpf_map_lookup_elem(&wf_ct, &k4) || bpf_map_lookup_elem(&wf_ct_new, &k4);
	} else {
		struct wf_ct6_key k6;

		/* no v6tov4 mapping (WF_FLAG_V6TOV4): no IPv4 tuple in wf_ct6
		 * (a del sweeps a mapping's connections before the flag goes) */
		if (!v6tov4)
			return false;
		ct_key_map4(rkey, &k6);
		return bpf_map_lookup_elem(&wf_ct6, &k6) || bpf_map_lookup_elem(&wf_ct6_new, &k6);
	}
}

/*
 * Look up @key. An expired ORIG entry is counted (ct_expired), deleted with
 * its peer and is a miss: the client's packet starts the connection over
 * (and gets its SNAT port back: the allocator's first choice is a hash of
 * the tuple). An expired REPLY entry is revived (ct_revived): the target
 * speaking after the timeout (a server keepalive after hours of silence)
 * is translated, and ct_update() brings the ORIG half back with it, rather
 * than the packet leaving with the target's own address. The port is still
 * this connection's: taking a port over deletes the entry first.
 */
static __always_inline struct wf_ct_val *ct_lookup(bool v6, const void *key, __u64 now)
{
	struct wf_ct_val *v = bpf_map_lookup_elem(ct_map_of(WF_CT_T_MAIN, v6), key);

	/* then the half-open table: only packets without a confirmed
	 * connection pay the second lookup */
	if (!v)
		v = bpf_map_lookup_elem(ct_map_of(WF_CT_T_NEW, v6), key);
	if (!v)
		return NULL;
	/* Seen within the last second, as every busy flow is (last_seen is
	 * refreshed once a second): no timeout (whole seconds, at least 1) to
	 * look up. A later time stored by another CPU wraps and goes on. */
	if (now - v->last_seen <= WF_NSEC_PER_SEC || !ct_expired(v, now))
		return v;
	if (v->dir == WF_DIR_REPLY) {
		stats_inc(WF_EV_CT_REVIVED);
		return v;
	}
	stats_inc(WF_EV_CT_EXPIRED);
	ct_delete(v6, key, v);
	return NULL;
}

/* Flags both entries of a connection carry alike. */
#define WF_CT_F_FIN_BOTH	(WF_CT_F_FIN_ORIG | WF_CT_F_FIN_REPLY)
#define WF_CT_F_MIRRORED	(WF_CT_F_SEEN_REPLY | WF_CT_F_FIN_BOTH)

static __always_inline __u8 ct_flags_or(struct wf_ct_val *v, __u8 bits)
{
	return __sync_fetch_and_or(&v->word, (__u32)bits << WF_CT_FLAGS_SHIFT) >>
	       WF_CT_FLAGS_SHIFT;
}

static __always_inline void ct_flags_clear(struct wf_ct_val *v, __u8 bits)
{
	__sync_fetch_and_and(&v->word, ~((__u32)bits << WF_CT_FLAGS_SHIFT));
}

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
	 * may have been evicted or expired while the flow lived on. On the
	 * short unreplied timeout until the other side answers: a stray ACK
	 * must not hold a tuple or an SNAT port for days. */
	return WF_CT_TCP_PICKUP;
}

/*
 * The TCP state after a packet of direction @dir with flags @f, on a
 * connection in @state whose mirrored flags, this packet's included, are
 * @fl (nf_conntrack's table, reduced to what decides a timeout):
 * SYN_SENT -SYN-ACK from the target-> SYN_RECV -the client's ACK-> EST;
 * PICKUP -any packet of the target-> EST; a FIN (in SYN_RECV or later:
 * a picked-up flow stays on the short timeout) -> FIN_WAIT, the other
 * side's packet after it -> CLOSE_WAIT, both FINs -> TIME_WAIT; RST (in
 * window, checked before) -> CLOSE; a client SYN on a closed tuple starts
 * it over.
 */
static __always_inline __u8 ct_tcp_next(__u8 state, __u8 dir, __u8 f, __u8 fl)
{
	__u8 syn = f & (WF_TCP_SYN | WF_TCP_ACK);

	if (f & WF_TCP_RST)
		return WF_CT_TCP_CLOSED;
	if (syn == WF_TCP_SYN) {
		if (dir == WF_DIR_ORIG &&
		    (state == WF_CT_TCP_FIN_WAIT || state == WF_CT_TCP_CLOSE_WAIT ||
		     state == WF_CT_TCP_TIME_WAIT || state == WF_CT_TCP_CLOSED))
			return WF_CT_TCP_SYN;
		return state;
	}
	if (syn == (WF_TCP_SYN | WF_TCP_ACK)) {
		if (dir == WF_DIR_REPLY && state == WF_CT_TCP_SYN)
			return WF_CT_TCP_SYN_RECV;
		return state;
	}
	if (state == WF_CT_TCP_SYN_RECV && dir == WF_DIR_ORIG && (f & WF_TCP_ACK))
		state = WF_CT_TCP_EST;
	else if (state == WF_CT_TCP_PICKUP && dir == WF_DIR_REPLY)
		state = WF_CT_TCP_EST;
	if (state != WF_CT_TCP_EST && state != WF_CT_TCP_FIN_WAIT &&
	    state != WF_CT_TCP_SYN_RECV && state != WF_CT_TCP_CLOSE_WAIT)
		return state;
	if ((fl & WF_CT_F_FIN_BOTH) == WF_CT_F_FIN_BOTH)
		return WF_CT_TCP_TIME_WAIT;
	if (!(fl & WF_CT_F_FIN_BOTH) || state == WF_CT_TCP_CLOSE_WAIT)
		return state;
	/* One FIN: its sender's packets keep FIN_WAIT; the other side's
	 * answer (it has not sent its own) makes it CLOSE_WAIT. */
	if (fl & (dir == WF_DIR_ORIG ? WF_CT_F_FIN_ORIG : WF_CT_F_FIN_REPLY))
		return WF_CT_TCP_FIN_WAIT;
	return WF_CT_TCP_CLOSE_WAIT;
}

/* RSTs accepted up to this far beyond what the receiver acknowledged. */
#define WF_TCP_RST_WINDOW	(1u << 20)

/*
 * The RST rule (design.md "Conntrack"): a RST is accepted when its sequence
 * number lies within WF_TCP_RST_WINDOW at or after the last ACK number the
 * receiving side sent (the peer entry's td_ack). Before the receiver has
 * acknowledged anything, a RST with ACK must acknowledge at most that far
 * beyond this side's own last ACK (in SYN_SENT: exactly what the answer to
 * the client's SYN acknowledges, the client's ISN + 1); with nothing known
 * (picked up) it is accepted. A spoofer must guess the sequence space.
 */
static __always_inline bool ct_rst_ok(bool v6, const struct wf_pkt *pkt, const void *key,
				      const struct wf_ct_val *v)
{
	union wf_ct_tuple pk;
	struct wf_ct_val *p;
	__be32 rcv = 0;

	ct_peer_key(v6, key, v, &pk);
	p = bpf_map_lookup_elem(ct_map(v, v6), &pk);
	if (p && ct_is_peer(v6, p, key))
		rcv = p->td_ack;
	if (rcv)
		return bpf_ntohl(pkt->seq) - bpf_ntohl(rcv) < WF_TCP_RST_WINDOW;
	if (!v->td_ack)
		return true;
	return (pkt->tcp_flags & WF_TCP_ACK) &&
	       bpf_ntohl(pkt->ack) - bpf_ntohl(v->td_ack) < WF_TCP_RST_WINDOW;
}

/*
 * Re-create the partner of entry @v (keyed @key) at @pk from @v: the
 * reverse rewrite, the same connection, state and mirrored flags. For a
 * one-arm connection its MACs are the reverse of this packet's (@mac: the
 * packet's destination then source), which came in on IFACE as the other
 * direction leaves. A redirect device is not known: the stack routes.
 * BPF_NOEXIST: a racing CPU's copy is as good.
 */
static __always_inline int ct_peer_restore(bool v6, const void *key, const struct wf_ct_val *v,
					   const void *pk, const __u8 *mac, __u64 now)
{
	wf_ct_buf b = {};
	struct wf_ct_val *p = &b.c;
	__u8 fl;

	if (!key || !v || !pk || !mac)
		return 0;
	p->last_seen = now;
	p->created = v->created;
	if (v6) {
		const struct wf_ct6_key *k = key;

		__builtin_memcpy(b.nsaddr, k->daddr, 16);
		__builtin_memcpy(b.ndaddr, k->saddr, 16);
		p->nsport = k->dport;
		p->ndport = k->sport;
	} else {
		const struct wf_ct_key *k = key;

		p->nsaddr = k->daddr;
		p->ndaddr = k->saddr;
		p->nsport = k->dport;
		p->ndport = k->sport;
	}
	p->id = v->id;
	p->dir = v->dir == WF_DIR_ORIG ? WF_DIR_REPLY : WF_DIR_ORIG;
	p->kind = v->kind;
	p->state = v->state;
	p->table = v->table;
	fl = v->flags;
	/* the rewrites of source and destination swap; TX is the connection's */
	p->flags = (fl & (WF_CT_F_MIRRORED | WF_CT_F_TX)) |
		   (fl & WF_CT_F_REWRITE_DST ? WF_CT_F_REWRITE_SRC : 0) |
		   (fl & WF_CT_F_REWRITE_SRC ? WF_CT_F_REWRITE_DST : 0);
	/* a translated flow's packets leave in the other family */
	p->xfam = v->xfam == WF_CT_X_TO4 ? WF_CT_X_TO6 : v->xfam == WF_CT_X_TO6 ? WF_CT_X_TO4 : 0;
	/* (translated replies take the entry's MACs on every path) */
	if ((fl & WF_CT_F_TX) || v->xfam) {
		__builtin_memcpy(p->smac, mac, WF_ETH_ALEN);
		__builtin_memcpy(p->dmac, mac + WF_ETH_ALEN, WF_ETH_ALEN);
	}
	if (bpf_map_update_elem(ct_map(v, v6), pk, &b, BPF_NOEXIST))
		return 0;
	stats_inc(WF_EV_CT_RESTORED);
	return 0;
}

/* ct_peer_restore() out of line, once per family (five arguments at most) */
static __noinline int ct_peer_restore4(const void *key, const struct wf_ct_val *v, const void *pk,
				       const __u8 *mac, __u64 now)
{
	return ct_peer_restore(false, key, v, pk, mac, now);
}

static __noinline int ct_peer_restore6(const void *key, const struct wf_ct_val *v, const void *pk,
				       const __u8 *mac, __u64 now)
{
	return ct_peer_restore(true, key, v, pk, mac, now);
}

/*
 * Keep the partner of entry @v alive with it: its last_seen follows this
 * one's (both at most once a second), so a flow alive in either direction
 * keeps both halves, and the LRU sees both used. A partner that is gone
 * (evicted) is re-created; one whose key another connection holds now
 * means this half lost its tuple: deleted, the packet dropped (ct_clash)
 * rather than sent into the other connection. @now is the packet's time;
 * @state set: the state to store in both (a change).
 */
static __always_inline int ct_peer_sync(const struct wf_ctx *c, const void *key,
					struct wf_ct_val *v, __u64 now, __u8 set, bool change,
					__u8 state)
{
	union wf_ct_tuple pk;
	struct wf_ct_val *p;
	__u8 mac[2 * WF_ETH_ALEN];

	v->last_seen = now;
	ct_peer_key(c->v6, key, v, &pk);
	p = bpf_map_lookup_elem(ct_map(v, c->v6), &pk);
	if (!p) {
		if (ctx_load_bytes(c, 0, mac, sizeof(mac)))
			return 0;
		return c->v6 ? ct_peer_restore6(key, v, &pk, mac, now) :
			       ct_peer_restore4(key, v, &pk, mac, now);
	}
	if (!ct_is_peer(c->v6, p, key) || p->dir == v->dir) {
		bpf_map_delete_elem(ct_map(v, c->v6), key);
		return -WF_DROP_CT_CLASH;
	}
	if (change) {
		if (set)
			ct_flags_or(p, set);
		p->state = state;
	}
	if (now > p->last_seen)
		p->last_seen = now;
	return 0;
}

/* Confirmed: the handshake completed, or the other side answered. */
static __always_inline bool ct_confirmed(__u8 state)
{
	return state == WF_CT_TCP_EST || state == WF_CT_UDP_REPLIED;
}

/*
 * Move the connection of entry @v (keyed @key, in wf_ct_new) to wf_ct: both
 * entries copied in with BPF_NOEXIST, then deleted from wf_ct_new. 0, or -1
 * (ct_promote_fail: it stays in wf_ct_new). Called through one global
 * function per family (WF_GLOBAL). A flag another CPU ORs into the old
 * copies meanwhile is lost; only a connection's first confirming packets
 * race here.
 */
static __always_inline int ct_promote(bool v6, const void *key, const struct wf_ct_val *v)
{
	void *new = ct_map_of(WF_CT_T_NEW, v6), *main = ct_map_of(WF_CT_T_MAIN, v6);
	wf_ct_buf a, b;
	union wf_ct_tuple pk;
	struct wf_ct_val *p;

	__builtin_memcpy(&a, v, v6 ? sizeof(struct wf_ct6_val) : sizeof(struct wf_ct_val));
	ct_peer_key(v6, key, &a.c, &pk);
	p = bpf_map_lookup_elem(new, &pk);
	if (!p || !ct_is_peer(v6, p, key))
		goto fail;
	__builtin_memcpy(&b, p, v6 ? sizeof(struct wf_ct6_val) : sizeof(struct wf_ct_val));
	a.c.table = WF_CT_T_MAIN;
	b.c.table = WF_CT_T_MAIN;
	if (bpf_map_update_elem(main, key, &a, BPF_NOEXIST))
		goto fail;
	if (bpf_map_update_elem(main, &pk, &b, BPF_NOEXIST)) {
		bpf_map_delete_elem(main, key);
		goto fail;
	}
	bpf_map_delete_elem(new, &pk);
	bpf_map_delete_elem(new, key);
	return 0;
fail:
	stats_inc(WF_EV_CT_PROMOTE_FAIL);
	return -1;
}

WF_GLOBAL int ct_promote4(const struct wf_ct_key *key, const struct wf_ct_val *v)
{
	if (!key || !v)
		return -1;
	return ct_promote(false, key, v);
}

WF_GLOBAL int ct_promote6(const struct wf_ct6_key *key, const struct wf_ct6_val *v)
{
	if (!key || !v)
		return -1;
	return ct_promote(true, key, &v->c);
}

/* After a state change to @next: a half-open connection just confirmed
 * moves to wf_ct, and *@vp to its entry there. 0 or -WF_DROP_*. */
static __always_inline int ct_confirm(bool v6, const void *key, struct wf_ct_val **vp,
				      __u8 next)
{
	struct wf_ct_val *v = *vp;

	if (v->table != WF_CT_T_NEW || !ct_confirmed(next))
		return 0;
	if (v6 ? ct_promote6(key, ct6(v)) : ct_promote4(key, v))
		return 0;
	v = bpf_map_lookup_elem(ct_map_of(WF_CT_T_MAIN, v6), key);
	if (!v)
		return -WF_DROP_CT_INSERT;
	*vp = v;
	return 0;
}

/*
 * Account a packet on entry *@vp (keyed @key): 0, or a -WF_DROP_* reason.
 * The common case writes the ACK number (TCP, when it moved) and, once a
 * second, last_seen of both halves. A state change (a few packets per
 * connection) is stored in both entries: flags by atomic OR, so FINs
 * merged on two CPUs both stay; the state by one byte store each, derived
 * from the merged flags, so a store that loses a race is corrected by the
 * connection's next packet.
 */
static __always_inline int ct_update(const struct wf_ctx *c, const struct wf_pkt *pkt,
				     const void *key, struct wf_ct_val **vp, __u64 now)
{
	struct wf_ct_val *v = *vp;
	__u8 state = v->state, set = 0, f = pkt->tcp_flags, fl, next;

	if (pkt->tuple.proto != WF_IPPROTO_TCP) {
		if (v->dir == WF_DIR_REPLY && state == WF_CT_UDP) {
			ct_flags_or(v, WF_CT_F_SEEN_REPLY);
			v->state = WF_CT_UDP_REPLIED;
			if (ct_peer_sync(c, key, v, now, WF_CT_F_SEEN_REPLY, true,
					 WF_CT_UDP_REPLIED))
				return -WF_DROP_CT_CLASH;
			return ct_confirm(c->v6, key, vp, WF_CT_UDP_REPLIED);
		}
		goto refresh;
	}
	if ((f & WF_TCP_RST) && !ct_rst_ok(c->v6, pkt, key, v))
		return -WF_DROP_RST_INVALID;
	if ((f & WF_TCP_ACK) && v->td_ack != pkt->ack)
		v->td_ack = pkt->ack;
	if (v->dir == WF_DIR_REPLY)
		set = WF_CT_F_SEEN_REPLY;
	if (f & WF_TCP_FIN)
		set |= v->dir == WF_DIR_ORIG ? WF_CT_F_FIN_ORIG : WF_CT_F_FIN_REPLY;
	fl = v->flags;
	if (set & ~fl)
		fl = ct_flags_or(v, set) | set;
	else
		set = 0;
	next = ct_tcp_next(state, v->dir, f, fl);
	if (next == state && !set)
		goto refresh;
	if (next == WF_CT_TCP_SYN && state != WF_CT_TCP_SYN) {
		/* the tuple starts over: no FIN, no reply seen */
		ct_flags_clear(v, WF_CT_F_MIRRORED);
		set = 0;
	}
	v->state = next;
	if (ct_peer_sync(c, key, v, now, set, true, next))
		return -WF_DROP_CT_CLASH;
	if (next == WF_CT_TCP_SYN && state != WF_CT_TCP_SYN) {
		union wf_ct_tuple pk;
		struct wf_ct_val *p;

		ct_peer_key(c->v6, key, v, &pk);
		p = bpf_map_lookup_elem(ct_map(v, c->v6), &pk);
		if (p) {
			ct_flags_clear(p, WF_CT_F_MIRRORED);
			p->td_ack = bpf_htonl(bpf_ntohl(pkt->seq) + 1);
		}
		v->td_ack = 0;
	}
	return ct_confirm(c->v6, key, vp, next);
refresh:
	if (now - v->last_seen > WF_NSEC_PER_SEC && now > v->last_seen)
		return ct_peer_sync(c, key, v, now, 0, false, 0);
	return 0;
}

#endif
