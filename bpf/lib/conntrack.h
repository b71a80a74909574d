/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Connection tracking: two wf_ct entries per connection, ORIG keyed by the
 * client's tuple as it arrives on IFACE, REPLY by the tuple the target's
 * packets carry where the datapath meets them. Each value holds the whole
 * rewritten tuple, so the other entry's key is derived from it (wf_ct_peer_key)
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
#include "lib/ctx.h"

/* Default timeouts by state, from the X-macro (include/wslfwd.h). */
static const __u32 ct_timeout_default[16] = {
#define WF_CT_STATE_TO(name, val, str, opt, to) [val] = to,
	WF_CT_STATES(WF_CT_STATE_TO)
#undef WF_CT_STATE_TO
};

/* Seconds: what `load --timeout` set (wf_ct_conf), else the default. Only
 * read for entries idle for more than a second (ct_lookup). */
static __always_inline __u64 ct_timeout(__u8 state)
{
	struct wf_ct_conf *cf;
	__u32 zero = 0, s = 0, i = state & 15;

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

/* The map entry @v is in; its partner is always in the same one. */
static __always_inline void *ct_map(const struct wf_ct_val *v)
{
	return v->table == WF_CT_T_NEW ? (void *)&wf_ct_new : (void *)&wf_ct;
}

/* Is @p, found at the peer key of the entry keyed @key, that entry's own
 * partner? Only if its rewrite leads back to @key; otherwise the key now
 * belongs to another connection (our half was lost and its SNAT port or
 * tuple taken). */
static __always_inline bool ct_is_peer(const struct wf_ct_val *p, const struct wf_ct_key *key)
{
	return p->ndaddr == key->saddr && p->nsaddr == key->daddr &&
	       p->ndport == key->sport && p->nsport == key->dport;
}

static __always_inline void ct_delete(const struct wf_ct_key *key,
				      const struct wf_ct_val *v)
{
	struct wf_ct_key peer;
	struct wf_ct_val *p;

	wf_ct_peer_key(key, v, &peer);
	/* never another connection's entry */
	p = bpf_map_lookup_elem(ct_map(v), &peer);
	if (p && ct_is_peer(p, key))
		bpf_map_delete_elem(ct_map(v), &peer);
	bpf_map_delete_elem(ct_map(v), key);
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
static __always_inline struct wf_ct_val *ct_lookup(const struct wf_ct_key *key, __u64 now)
{
	struct wf_ct_val *v = bpf_map_lookup_elem(&wf_ct, key);

	/* then the half-open table: only packets without a confirmed
	 * connection pay the second lookup */
	if (!v)
		v = bpf_map_lookup_elem(&wf_ct_new, key);
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
	ct_delete(key, v);
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
static __always_inline bool ct_rst_ok(const struct wf_pkt *pkt, const struct wf_ct_key *key,
				      const struct wf_ct_val *v)
{
	struct wf_ct_key pk;
	struct wf_ct_val *p;
	__be32 rcv = 0;

	wf_ct_peer_key(key, v, &pk);
	p = bpf_map_lookup_elem(ct_map(v), &pk);
	if (p && ct_is_peer(p, key))
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
static __noinline int ct_peer_restore(const struct wf_ct_key *key, const struct wf_ct_val *v,
				      const struct wf_ct_key *pk, const __u8 *mac, __u64 now)
{
	struct wf_ct_val p = {};
	__u8 fl;

	if (!key || !v || !pk || !mac)
		return 0;
	p.last_seen = now;
	p.created = v->created;
	p.nsaddr = key->daddr;
	p.ndaddr = key->saddr;
	p.nsport = key->dport;
	p.ndport = key->sport;
	p.id = v->id;
	p.dir = v->dir == WF_DIR_ORIG ? WF_DIR_REPLY : WF_DIR_ORIG;
	p.kind = v->kind;
	p.state = v->state;
	p.table = v->table;
	fl = v->flags;
	/* DNAT and SNAT swap sides; TX is the connection's */
	p.flags = (fl & (WF_CT_F_MIRRORED | WF_CT_F_TX)) |
		  (fl & WF_CT_F_REWRITE_DST ? WF_CT_F_REWRITE_SRC : 0) | (fl & WF_CT_F_REWRITE_SRC ? WF_CT_F_REWRITE_DST : 0);
	if (fl & WF_CT_F_TX) {
		__builtin_memcpy(p.smac, mac, 6);
		__builtin_memcpy(p.dmac, mac + 6, 6);
	}
	if (bpf_map_update_elem(ct_map(v), pk, &p, BPF_NOEXIST))
		return 0;
	stats_inc(WF_EV_CT_RESTORED);
	return 0;
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
static __always_inline int ct_peer_sync(const struct wf_ctx *c, const struct wf_ct_key *key,
					struct wf_ct_val *v, __u64 now, __u8 set, bool change,
					__u8 state)
{
	struct wf_ct_key pk;
	struct wf_ct_val *p;
	__u8 mac[12];

	v->last_seen = now;
	wf_ct_peer_key(key, v, &pk);
	p = bpf_map_lookup_elem(ct_map(v), &pk);
	if (!p) {
		if (ctx_load_bytes(c, 0, mac, sizeof(mac)))
			return 0;
		return ct_peer_restore(key, v, &pk, mac, now);
	}
	if (!ct_is_peer(p, key) || p->dir == v->dir) {
		bpf_map_delete_elem(ct_map(v), key);
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
 * (ct_promote_fail: it stays in wf_ct_new). A global function, verified
 * once. A flag another CPU ORs into the old copies meanwhile is lost; only
 * a connection's first confirming packets race here.
 */
__noinline int ct_promote(const struct wf_ct_key *key, const struct wf_ct_val *v)
{
	struct wf_ct_val a, b, *p;
	struct wf_ct_key pk;

	if (!key || !v)
		return -1;
	__builtin_memcpy(&a, v, sizeof(a));
	wf_ct_peer_key(key, &a, &pk);
	p = bpf_map_lookup_elem(&wf_ct_new, &pk);
	if (!p || !ct_is_peer(p, key))
		goto fail;
	__builtin_memcpy(&b, p, sizeof(b));
	a.table = WF_CT_T_MAIN;
	b.table = WF_CT_T_MAIN;
	if (bpf_map_update_elem(&wf_ct, key, &a, BPF_NOEXIST))
		goto fail;
	if (bpf_map_update_elem(&wf_ct, &pk, &b, BPF_NOEXIST)) {
		bpf_map_delete_elem(&wf_ct, key);
		goto fail;
	}
	bpf_map_delete_elem(&wf_ct_new, &pk);
	bpf_map_delete_elem(&wf_ct_new, key);
	return 0;
fail:
	stats_inc(WF_EV_CT_PROMOTE_FAIL);
	return -1;
}

/* After a state change to @next: a half-open connection just confirmed
 * moves to wf_ct, and *@vp to its entry there. 0 or -WF_DROP_*. */
static __always_inline int ct_confirm(const struct wf_ct_key *key, struct wf_ct_val **vp,
				      __u8 next)
{
	struct wf_ct_val *v = *vp;

	if (v->table != WF_CT_T_NEW || !ct_confirmed(next) || ct_promote(key, v))
		return 0;
	v = bpf_map_lookup_elem(&wf_ct, key);
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
				     const struct wf_ct_key *key, struct wf_ct_val **vp, __u64 now)
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
			return ct_confirm(key, vp, WF_CT_UDP_REPLIED);
		}
		goto refresh;
	}
	if ((f & WF_TCP_RST) && !ct_rst_ok(pkt, key, v))
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
		struct wf_ct_key pk;
		struct wf_ct_val *p;

		wf_ct_peer_key(key, v, &pk);
		p = bpf_map_lookup_elem(ct_map(v), &pk);
		if (p) {
			ct_flags_clear(p, WF_CT_F_MIRRORED);
			p->td_ack = bpf_htonl(bpf_ntohl(pkt->seq) + 1);
		}
		v->td_ack = 0;
	}
	return ct_confirm(key, vp, next);
refresh:
	if (now - v->last_seen > WF_NSEC_PER_SEC && now > v->last_seen)
		return ct_peer_sync(c, key, v, now, 0, false, 0);
	return 0;
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
	/* Two CPUs may both get here; the NOEXIST insert still picks one.
	 * A new connection goes into the half-open table. */
	ct_delete(rkey, old);
	return bpf_map_update_elem(&wf_ct_new, rkey, v, BPF_NOEXIST);
}

/* Is @old, a REPLY entry found where @v is to go, the same connection's
 * (a racing CPU's, or left by an ORIG half that was lost)? The same
 * rewrite back means the same client tuple and LADDR:LPORT. */
static __always_inline bool ct_same_conn(const struct wf_ct_val *old, const struct wf_ct_val *v)
{
	return old->dir == WF_DIR_REPLY && old->nsaddr == v->nsaddr &&
	       old->ndaddr == v->ndaddr && old->nsport == v->nsport &&
	       old->ndport == v->ndport;
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

/* Primes above any range size: p % size is coprime with the size (p does
 * not divide it), so a stride of p % size visits every port of the range. */
static const __u32 ct_snat_primes[16] = {
	696474151, 2036573951, 324994723, 848925587, 1398919721, 104742907,
	156604319, 1764721723, 1151846453, 203191319, 786359549, 1252576309,
	125600329, 1954623193, 1090758541, 462109421,
};

/* ct_snat_reserve(): a fresh port (in wf_ct_new), or a same-connection
 * REPLY adopted (in wf_ct_new, or in wf_ct: _MAIN). */
#define WF_CT_FRESH		0
#define WF_CT_ADOPTED		1
#define WF_CT_ADOPTED_MAIN	2
/* ct_snat_try() also: a finished connection's port its target would
 * refuse this SYN on, or a port in use. */
#define WF_CT_REFUSED		3
#define WF_CT_BUSY		4

/*
 * One try of ct_snat_reserve() at @rkey (dport set): WF_CT_FRESH (reserved,
 * the old entries of a finished connection freed if the target would take
 * the SYN @syn, or unconditionally with @ps->force), WF_CT_ADOPTED,
 * WF_CT_REFUSED (the first such port noted in @ps) or WF_CT_BUSY. A global function, verified once: inline,
 * its branches multiplied by the 128 tries took the XDP program from 83k to
 * 454k of the verifier's 1M insns.
 */
struct wf_snat_pass {
	__u32 fallback;		/* the first refused port + 1, host order; 0: none */
	__u32 force;		/* take a finished connection's port regardless */
};

__noinline int ct_snat_try(struct wf_ct_key *rkey, const struct wf_ct_val *v,
			   const struct wf_ct_syn *syn, __u64 now, struct wf_snat_pass *ps)
{
	struct wf_ct_val *old;

	if (!rkey || !v || !syn || !ps)
		return WF_CT_BUSY;
	/* A confirmed connection may hold the port (wf_ct), then a half-open
	 * one (the NOEXIST insert into wf_ct_new is the reservation). */
	old = bpf_map_lookup_elem(&wf_ct, rkey);
	if (old) {
		if (ct_same_conn(old, v))
			return WF_CT_ADOPTED_MAIN;
		if (!ct_reusable(old, now))
			return WF_CT_BUSY;
		if (!ps->force && !ct_syn_accepted(old, syn, now)) {
			if (!ps->fallback)
				ps->fallback = bpf_ntohs(rkey->dport) + 1;
			return WF_CT_REFUSED;
		}
		ct_delete(rkey, old);
	}
	if (!bpf_map_update_elem(&wf_ct_new, rkey, v, BPF_NOEXIST))
		return WF_CT_FRESH;
	old = bpf_map_lookup_elem(&wf_ct_new, rkey);
	if (!old)
		return WF_CT_BUSY;
	if (ct_same_conn(old, v))
		return WF_CT_ADOPTED;
	if (!ct_reusable(old, now))
		return WF_CT_BUSY;
	if (!ps->force && !ct_syn_accepted(old, syn, now)) {
		if (!ps->fallback)
			ps->fallback = bpf_ntohs(rkey->dport) + 1;
		return WF_CT_REFUSED;
	}
	return ct_take_over(rkey, old, v) ? WF_CT_BUSY : WF_CT_FRESH;
}

/*
 * Reserve an SNAT port for the connection whose REPLY value is @v: insert
 * it at @rkey (dport set here) with BPF_NOEXIST, the reservation, trying up
 * to WF_SNAT_TRIES ports (nf_nat's 128) from a start and a stride picked by
 * @hash (of the client's tuple); the stride is coprime with the range size,
 * so the tries never revisit a port and a range up to WF_SNAT_TRIES is
 * searched whole. A port held by the same connection (ct_same_conn) is
 * adopted. A port held by a connection that is over is freed and taken if
 * the target's TIME_WAIT socket would accept the SYN @syn
 * (ct_syn_accepted); when none qualifies the first such port is taken
 * anyway (a refused SYN costs the client some ms, a dropped one a second).
 * WF_CT_FRESH, WF_CT_ADOPTED, or -1: none to be had.
 *
 * Double hashing: with +1 steps, SYNs refused by a port went on to its
 * neighbours and left them with correlated timestamps.
 *
 * A global function: the verifier checks it once, on its own, rather than
 * once per state of its caller. Its pointers may be NULL to the verifier,
 * hence the checks.
 */
__noinline int ct_snat_reserve(struct wf_ct_key *rkey, const struct wf_ct_val *v,
			       const struct wf_ct_syn *syn, __u64 now, __u32 hash)
{
	__u32 min = cfg_snat_min, max = cfg_snat_max, size, port, stride, tries, i;
	struct wf_snat_pass ps = {};
	int ret;

	if (!rkey || !v || !syn)
		return -1;
	/* the loader validates the range; never hand out port 0 */
	if (!min || min > max || max > 65535)
		return -1;
	size = max - min + 1;
	port = hash % size;
	stride = ct_snat_primes[(hash >> 16) & 15] % size;
	tries = size < WF_SNAT_TRIES ? size : WF_SNAT_TRIES;
	for (i = 0; i < WF_SNAT_TRIES; i++) {
		if (i >= tries)
			break;
		rkey->dport = bpf_htons(min + port);
		ret = ct_snat_try(rkey, v, syn, now, &ps);
		if (ret <= WF_CT_ADOPTED_MAIN)
			return ret;
		/* branch-free: fewer verifier states per try */
		port = (port + stride) % size;
	}
	if (!ps.fallback)
		return -1;
	rkey->dport = bpf_htons(ps.fallback - 1);
	ps.force = 1;
	ret = ct_snat_try(rkey, v, syn, now, &ps);
	return ret <= WF_CT_ADOPTED_MAIN ? ret : -1;
}

/*
 * The REPLY entry of a connection that keeps the client's address: its key
 * (target:tport -> client:cport) is unique to the client's tuple only per
 * target, so two mappings to one target from one client port meet here.
 * BPF_NOEXIST: the same connection's entry is adopted, a connection that is
 * over is taken over, a live other one is never overwritten (ct_clash).
 */
static __always_inline int ct_reply_claim(const struct wf_ct_key *rkey, const struct wf_ct_val *v,
					  __u64 now)
{
	struct wf_ct_val *old;

	old = bpf_map_lookup_elem(&wf_ct, rkey);
	if (old) {
		if (ct_same_conn(old, v))
			return WF_CT_ADOPTED_MAIN;
		if (!ct_reusable(old, now))
			return -WF_DROP_CT_CLASH;
		ct_delete(rkey, old);
	}
	if (!bpf_map_update_elem(&wf_ct_new, rkey, v, BPF_NOEXIST))
		return WF_CT_FRESH;
	old = bpf_map_lookup_elem(&wf_ct_new, rkey);
	if (!old)
		return -WF_DROP_CT_INSERT;
	if (ct_same_conn(old, v))
		return WF_CT_ADOPTED;
	if (!ct_reusable(old, now))
		return -WF_DROP_CT_CLASH;
	if (ct_take_over(rkey, old, v))
		return -WF_DROP_CT_CLASH;
	return WF_CT_FRESH;
}

/*
 * Create both entries of a new connection. The REPLY entry goes in first:
 * with SNAT its insert with BPF_NOEXIST is the port reservation (atomic in
 * the map, so two CPUs can never take the same port for the same target).
 * The ORIG entry goes in with BPF_NOEXIST too: a racing CPU that created
 * the same connection first wins, and its pair is used (copied to *orig);
 * another connection's entry at the tuple is never overwritten (ct_clash).
 * A REPLY entry inserted here is never left behind without its ORIG. On
 * success *orig holds the ORIG value, which the caller applies to the
 * packet.
 */
static __always_inline int ct_create(const struct wf_ctx *c, const struct wf_pkt *pkt,
				     const struct wf_ct_new *n, __u64 now,
				     struct wf_ct_val *orig)
{
	const struct wf_ct_key *key = &pkt->tuple;
	struct wf_ct_key rkey;
	struct wf_ct_val *v = orig, *e;
	struct wf_ct_syn syn;
	__u8 flags_tx = n->kind == WF_KIND_ONEARM ? WF_CT_F_TX : 0;
	bool tcp_syn = key->proto == WF_IPPROTO_TCP &&
		       (pkt->tcp_flags & (WF_TCP_SYN | WF_TCP_ACK)) == WF_TCP_SYN;
	int ret;

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
	v->table = WF_CT_T_NEW;
	v->flags = WF_CT_F_REWRITE_SRC | (n->snat ? WF_CT_F_REWRITE_DST : 0) | flags_tx;
	/* what the target's answer to the SYN must acknowledge (RST rule) */
	if (tcp_syn)
		v->td_ack = bpf_htonl(bpf_ntohl(pkt->seq) + 1);
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
		ret = ct_reply_claim(&rkey, v, now);
		if (ret < 0)
			return ret;
	} else {
		rkey.daddr = n->snaddr;
		ct_syn_read(c, pkt, &syn);
		v->syn_hint = ct_syn_hint(&syn, &v->flags);
		ret = ct_snat_reserve(&rkey, v, &syn, now, ct_snat_hash(key));
		if (ret < 0)
			return -WF_DROP_SNAT_EXHAUSTED;
	}

	/* The ORIG value: client:cport -> LADDR:LPORT leaves as
	 * nsaddr:nsport -> target:tport. */
	v->nsaddr = n->snat ? n->snaddr : key->saddr;
	v->ndaddr = n->taddr;
	v->nsport = rkey.dport;
	v->ndport = n->tport;
	v->dir = WF_DIR_ORIG;
	v->flags = WF_CT_F_REWRITE_DST | (n->snat ? WF_CT_F_REWRITE_SRC : 0) | flags_tx |
		   (n->oif ? WF_CT_F_REDIRECT : 0);
	v->oif = n->oif;
	v->syn_hint = 0;
	v->td_ack = (pkt->tcp_flags & WF_TCP_ACK) ? pkt->ack : 0;
	__builtin_memcpy(v->smac, n->fib_smac, 6);
	__builtin_memcpy(v->dmac, n->fib_dmac, 6);
	/* with the REPLY it found, if that was confirmed already */
	v->table = ret == WF_CT_ADOPTED_MAIN ? WF_CT_T_MAIN : WF_CT_T_NEW;

	/* Lost to a racing CPU creating the same connection: use its pair.
	 * Otherwise (another connection's REPLY entry keyed like this
	 * packet) leave it alone. A REPLY inserted here goes either way
	 * unless it is the ORIG's own. The other table first. */
	e = bpf_map_lookup_elem(v->table == WF_CT_T_MAIN ? (void *)&wf_ct_new : (void *)&wf_ct, key);
	if (!e) {
		if (!bpf_map_update_elem(ct_map(v), key, v, BPF_NOEXIST))
			return 0;
		e = bpf_map_lookup_elem(ct_map(v), key);
	}
	if (e && e->dir == WF_DIR_ORIG) {
		if (ret == WF_CT_FRESH &&
		    !(e->ndaddr == rkey.saddr && e->nsaddr == rkey.daddr &&
		      e->ndport == rkey.sport && e->nsport == rkey.dport))
			bpf_map_delete_elem(&wf_ct_new, &rkey);
		__builtin_memcpy(orig, e, sizeof(*orig));
		return 0;
	}
	if (ret == WF_CT_FRESH)
		bpf_map_delete_elem(&wf_ct_new, &rkey);
	return e ? -WF_DROP_CT_CLASH : -WF_DROP_CT_INSERT;
}

#endif
