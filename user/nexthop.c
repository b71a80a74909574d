// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The next-hop cache (design.md "Next-hop cache"). For every mapping target
 * the kernel is asked what a first packet's bpf_fib_lookup() would answer:
 * the route to the target (RTM_GETROUTE: local, or out of which device and
 * through which gateway, and the source the kernel would pick) and the
 * neighbour behind it (RTM_GETNEIGH: its MAC when the entry is NUD_VALID,
 * the states bpf_fib_lookup() takes). The answer goes to wf_nh with an
 * expiry; the datapath trusts it until then.
 *
 * What is written: LOCAL targets; targets with a resolved neighbour; and
 * link-local IPv6 targets whatever their neighbour's state (the FIB cannot
 * answer for them: an unresolved one is an entry without a MAC, which the
 * datapath drops as no_neigh). Not written, so the FIB decides as before:
 * no route, an unresolved neighbour of any other target, and every target
 * of a family whose forwarding is off on IFACE (the FIB answers
 * FWD_DISABLED there, and so must we).
 *
 * A link-local target that is a route's gateway on IFACE (@host6 behind a
 * link-local default gateway) gets a probe too: a global destination the
 * kernel routes through it, which the datapath asks the FIB for once the
 * entry is past its age, so that it stays reachable without watch.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_arp.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "log.h"
#include "nexthop.h"
#include "parse.h"

/* the kernel's NUD_VALID (include/net/neighbour.h): a MAC to send to */
#define NH_NUD_VALID	(NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | \
			 NUD_DELAY)
#define NH_WAIT_MS	1000	/* a link-local neighbour, primed, to resolve */
#define NH_WAIT_STEP_MS	20

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static bool zero6(const __be32 a[4])
{
	return !(a[0] | a[1] | a[2] | a[3]);
}

struct route_ans {
	bool found;
	__u8 type;
	__u32 oif;
	__be32 gw[4];
	__be32 src[4];
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route_ans *r = data;
	struct nlattr *attr;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	r->found = true;
	r->type = rtm->rtm_type;
	mnl_attr_for_each(attr, nlh, sizeof(*rtm)) {
		int len = mnl_attr_get_payload_len(attr);

		switch (mnl_attr_get_type(attr)) {
		case RTA_OIF:
			r->oif = mnl_attr_get_u32(attr);
			break;
		case RTA_GATEWAY:
			if (len == 4 || len == 16)
				memcpy(r->gw, mnl_attr_get_payload(attr), len);
			break;
		case RTA_PREFSRC:
			if (len == 4 || len == 16)
				memcpy(r->src, mnl_attr_get_payload(attr), len);
			break;
		}
	}
	return MNL_CB_OK;
}

/* The kernel's route to @addr (an output lookup; a link-local one out of
 * IFACE, the device its zone is). 0 (r->found or not), -errno. */
static int route_get(struct wf_nl *nl, int ifindex, int af, const __be32 addr[4],
		     struct route_ans *r)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int err;

	memset(r, 0, sizeof(*r));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = af;
	rtm->rtm_dst_len = af == AF_INET6 ? 128 : 32;
	mnl_attr_put(nlh, RTA_DST, af == AF_INET6 ? 16 : 4, addr);
	if (af == AF_INET6 && wf_addr6_linklocal(addr))
		mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	err = wf_nl_talk(nl, nlh, route_cb, r);
	if (err == -ENETUNREACH || err == -EHOSTUNREACH || err == -ENETDOWN) {
		r->found = false;
		return 0;
	}
	return err;
}

struct neigh_ans {
	bool found;
	__u16 state;
	__u8 mac[6];
	bool have_mac;
};

static int neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	struct neigh_ans *n = data;
	struct nlattr *attr;

	if (nlh->nlmsg_type != RTM_NEWNEIGH)
		return MNL_CB_OK;
	n->found = true;
	n->state = ndm->ndm_state;
	mnl_attr_for_each(attr, nlh, sizeof(*ndm))
		if (mnl_attr_get_type(attr) == NDA_LLADDR && mnl_attr_get_payload_len(attr) == 6) {
			memcpy(n->mac, mnl_attr_get_payload(attr), 6);
			n->have_mac = true;
		}
	return MNL_CB_OK;
}

/* The neighbour entry of @hop on @oif (RTM_GETNEIGH of one entry, Linux
 * 4.20+). 0 (n->found or not), -errno. */
static int neigh_get(struct wf_nl *nl, int oif, int af, const __be32 hop[4],
		     struct neigh_ans *n)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;
	int err;

	memset(n, 0, sizeof(*n));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = af;
	ndm->ndm_ifindex = oif;
	mnl_attr_put(nlh, NDA_DST, af == AF_INET6 ? 16 : 4, hop);
	err = wf_nl_talk(nl, nlh, neigh_cb, n);
	if (err == -ENOENT) {
		n->found = false;
		return 0;
	}
	return err;
}

static int dev_mac(int ifindex, __u8 mac[6])
{
	struct ifreq ifr = {};
	int fd, err = 0;

	if (!if_indextoname(ifindex, ifr.ifr_name))
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		err = -errno;
	else if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		err = -EOPNOTSUPP;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

/* Routes of IFACE whose gateway is a link-local target: their prefixes. */
#define NH_PROBE_ROUTES	8
struct gw_routes {
	int ifindex;
	const __be32 *gw;
	size_t n;
	struct {
		__be32 dst[4];
		__u8 len;
	} r[NH_PROBE_ROUTES];
};

static int gw_routes_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct gw_routes *w = data;
	__be32 dst[4] = {}, gw[4] = {};
	struct nlattr *attr;
	__u32 oif = 0;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != AF_INET6 ||
	    rtm->rtm_type != RTN_UNICAST || rtm->rtm_dst_len >= 128 || w->n == NH_PROBE_ROUTES)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*rtm)) {
		int len = mnl_attr_get_payload_len(attr);

		switch (mnl_attr_get_type(attr)) {
		case RTA_DST:
			if (len == 16)
				memcpy(dst, mnl_attr_get_payload(attr), 16);
			break;
		case RTA_GATEWAY:
			if (len == 16)
				memcpy(gw, mnl_attr_get_payload(attr), 16);
			break;
		case RTA_OIF:
			oif = mnl_attr_get_u32(attr);
			break;
		}
	}
	if ((int)oif != w->ifindex || memcmp(gw, w->gw, 16))
		return MNL_CB_OK;
	memcpy(w->r[w->n].dst, dst, 16);
	w->r[w->n].len = rtm->rtm_dst_len;
	w->n++;
	return MNL_CB_OK;
}

/* Does the kernel route @dst through gateway @gw out of @ifindex? A
 * link-local or multicast @dst never is a probe: bpf_fib_lookup() answers
 * NOT_FWDED for those (rt6_need_strict) whatever the route. */
static bool probe_routed(struct wf_nl *nl, int ifindex, const __be32 dst[4], const __be32 gw[4])
{
	struct route_ans r;

	if (wf_addr6_linklocal(dst) || ((const __u8 *)dst)[0] == 0xff)
		return false;
	return !route_get(nl, ifindex, AF_INET6, dst, &r) && r.found && r.type == RTN_UNICAST &&
	       (int)r.oif == ifindex && !memcmp(r.gw, gw, 16);
}

/*
 * A probe for link-local target @gw (design.md "Next-hop cache"): a
 * global destination the kernel routes through @gw out of IFACE, which the
 * datapath asks bpf_fib_lookup() for once the entry is past its age. From
 * the routes with @gw as gateway on IFACE (the default route, for
 * @host6): addresses of the route's prefix, each verified with
 * RTM_GETROUTE (a more specific route may cover it); for the default route
 * global unicast addresses nothing on a VM routes elsewhere, verified the
 * same way. No verified address: no probe, the entry alone as before.
 */
static int probe_find(struct wf_nl *nl, int ifindex, const __be32 gw[4], __be32 probe[4])
{
	static const char *const any[] = { "2001:db8:ffff:ffff::1", "3fff:fff:ffff::1",
					   "2a00::1", "2600::1", "2400::1" };
	struct gw_routes w = { .ifindex = ifindex, .gw = gw };
	struct rtmsg rtm = { .rtm_family = AF_INET6 };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	size_t i, j;
	int err;

	memset(probe, 0, 16);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(rtm)), &rtm, sizeof(rtm));
	err = wf_nl_talk(nl, nlh, gw_routes_cb, &w);
	if (err)
		return err;
	for (i = 0; i < w.n; i++) {
		__u8 *b = (__u8 *)w.r[i].dst;
		__be32 c[4];

		if (!w.r[i].len) {
			for (j = 0; j < sizeof(any) / sizeof(any[0]); j++)
				if (inet_pton(AF_INET6, any[j], c) == 1 &&
				    probe_routed(nl, ifindex, c, gw)) {
					memcpy(probe, c, 16);
					return 0;
				}
			continue;
		}
		/* the prefix's last address, then its first host (::1) */
		for (j = w.r[i].len; j < 128; j++)
			b[j / 8] |= 0x80 >> (j % 8);
		if (probe_routed(nl, ifindex, w.r[i].dst, gw)) {
			memcpy(probe, w.r[i].dst, 16);
			return 0;
		}
		for (j = w.r[i].len; j < 127; j++)
			b[j / 8] &= ~(0x80 >> (j % 8));
		if (probe_routed(nl, ifindex, w.r[i].dst, gw)) {
			memcpy(probe, w.r[i].dst, 16);
			return 0;
		}
	}
	return 0;
}

static int query(struct wf_nl *nl, const struct wf_info *info, int family, const __be32 addr[4],
		 struct wf_nh_val *v)
{
	int af = family == WF_AF_INET6 ? AF_INET6 : AF_INET;
	bool ll = af == AF_INET6 && wf_addr6_linklocal(addr);
	struct route_ans r;
	struct neigh_ans n;
	__be32 hop[4] = {};
	int err;

	memset(v, 0, sizeof(*v));
	err = route_get(nl, info->ifindex, af, addr, &r);
	if (err || !r.found)
		return err;
	if (r.type == RTN_LOCAL) {
		v->kind = WF_KIND_LOCAL;
		return 1;
	}
	if (r.type != RTN_UNICAST || !r.oif)
		return 0;
	v->kind = (int)r.oif == (int)info->ifindex ? WF_KIND_ONEARM : WF_KIND_BEHIND;
	v->oif = r.oif;
	err = dev_mac(r.oif, v->smac);
	if (err)
		return err == -EOPNOTSUPP ? 0 : err;	/* not Ethernet: the FIB's */
	if (af == AF_INET6)
		memcpy(hop, zero6(r.gw) ? addr : r.gw, 16);
	else
		hop[0] = r.gw[0] ? r.gw[0] : addr[0];
	err = neigh_get(nl, r.oif, af, hop, &n);
	if (err)
		return err;
	if (n.found && n.have_mac && (n.state & NH_NUD_VALID))
		memcpy(v->dmac, n.mac, 6);
	else if (!ll)
		return 0;
	/* A link-local target answers a link-local source on its link
	 * without any route back to the VM: the source the kernel picks for
	 * it (RFC 6724), IFACE's own link-local address. */
	if (ll && wf_addr6_linklocal(r.src))
		memcpy(v->saddr, r.src, 16);
	if (ll && v->kind == WF_KIND_ONEARM) {
		err = probe_find(nl, info->ifindex, addr, v->probe);
		if (err)
			pr_debug("probe for a link-local target: %s\n", strerror(-err));
	}
	return 1;
}

int wf_nh_query(const struct wf_info *info, int family, const __be32 addr[4],
		struct wf_nh_val *v)
{
	struct wf_nl nl;
	int err = wf_nl_open(&nl, NETLINK_ROUTE);

	if (err)
		return err;
	err = query(&nl, info, family, addr, v);
	wf_nl_close(&nl);
	return err;
}

/* The targets to keep entries for, without duplicates. */
struct nh_set {
	struct wf_nh_key *k;
	size_t n, cap;
};

static int set_add(struct nh_set *s, int family, const __be32 addr[4])
{
	struct wf_nh_key k = { .family = family };
	size_t i;

	if (family == WF_AF_INET6) {
		if (zero6(addr))
			return 0;
		memcpy(k.addr, addr, 16);
	} else {
		if (!addr[0])
			return 0;
		k.addr[0] = addr[0];
	}
	for (i = 0; i < s->n; i++)
		if (!memcmp(&s->k[i], &k, sizeof(k)))
			return 0;
	if (s->n == WF_NH_ENTRIES)
		return 0;	/* the rest: the FIB as before */
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct wf_nh_key *nk = realloc(s->k, cap * sizeof(*nk));

		if (!nk)
			return -ENOMEM;
		s->k = nk;
		s->cap = cap;
	}
	s->k[s->n++] = k;
	return 0;
}

static bool set_has(const struct nh_set *s, const struct wf_nh_key *k)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!memcmp(&s->k[i], k, sizeof(*k)))
			return true;
	return false;
}

/* Every target a first packet could classify through the FIB. */
static int set_fill(struct nh_set *s, const struct wf_info *info, const struct wf_mapping *all)
{
	size_t id;
	int ret;

	for (id = 0; id < WF_MAX_MAPPINGS; id++) {
		const struct wf_mapping *mp = &all[id];
		int tf;

		if (!mp->in_use || wf_mapping_lo_target(mp))
			continue;
		tf = wf_mapping_tfamily(mp);
		if (mp->taddr_kind == WF_ADDR_LITERAL)
			ret = set_add(s, tf, mp->taddr);
		else if (mp->taddr_kind == WF_ADDR_HOST)
			ret = set_add(s, tf, tf == WF_AF_INET6 ? info->host6 : &info->host4);
		else
			ret = 0;	/* @vm: LOCAL without a lookup */
		if (ret)
			return ret;
	}
	return 0;
}

/* A link-local target still unresolved: wait for its neighbour (primed by
 * the caller) a little. */
static int query_wait(struct wf_nl *nl, const struct wf_info *info, const struct wf_nh_key *k,
		      bool wait, struct wf_nh_val *v)
{
	int ret, waited;

	for (waited = 0;; waited += NH_WAIT_STEP_MS) {
		ret = query(nl, info, k->family, k->addr, v);
		if (ret <= 0 || v->kind != WF_KIND_ONEARM || !wait ||
		    v->dmac[0] | v->dmac[1] | v->dmac[2] | v->dmac[3] | v->dmac[4] | v->dmac[5] ||
		    waited >= NH_WAIT_MS)
			return ret;
		usleep(NH_WAIT_STEP_MS * 1000);
	}
}

/* Delete the entries of targets not in @s. */
static int sweep(int fd, const struct nh_set *s)
{
	struct wf_nh_key *keys, k;
	size_t n = 0, i;
	int ret = 0;

	keys = calloc(WF_NH_ENTRIES, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	while (n < WF_NH_ENTRIES && !bpf_map_get_next_key(fd, n ? &k : NULL, &k))
		keys[n++] = k;
	for (i = 0; i < n; i++)
		if (!set_has(s, &keys[i]) && bpf_map_delete_elem(fd, &keys[i]) && errno != ENOENT)
			ret = -errno;
	free(keys);
	return ret;
}

int wf_nh_sync(struct wf_maps *m, bool wait, size_t *written)
{
	const struct wf_mapping *all;
	struct nh_set s = {};
	struct wf_info info;
	char dev[IF_NAMESIZE];
	bool fwd4, fwd6;
	struct wf_nl nl;
	size_t i, n = 0;
	__u64 expires;
	int ret;

	if (written)
		*written = 0;
	if (m->nh < 0)
		return -EOPNOTSUPP;
	ret = wf_maps_info_get(m, &info);
	if (!ret)
		ret = wf_maps_mappings(m, &all);
	if (!ret)
		ret = set_fill(&s, &info, all);
	if (ret)
		goto out;
	if (!info.ifindex || !if_indextoname(info.ifindex, dev)) {
		s.n = 0;	/* the device is gone: no entry holds */
		fwd4 = fwd6 = false;
	} else {
		fwd4 = wf_dev_forwarding4(dev) == 1;
		fwd6 = wf_dev_forwarding6(dev) == 1;
	}
	ret = wf_nl_open(&nl, NETLINK_ROUTE);
	if (ret)
		goto out;
	expires = mono_ns() + (__u64)WF_NH_TTL_S * 1000000000ull;
	for (i = 0; i < s.n; i++) {
		struct wf_nh_val v;

		if (!(s.k[i].family == WF_AF_INET6 ? fwd6 : fwd4))
			ret = 0;
		else
			ret = query_wait(&nl, &info, &s.k[i], wait, &v);
		if (ret < 0) {
			char a[INET6_ADDRSTRLEN];

			inet_ntop(s.k[i].family == WF_AF_INET6 ? AF_INET6 : AF_INET, s.k[i].addr, a,
				  sizeof(a));
			pr_debug("next hop of %s: %s\n", a, strerror(-ret));
		}
		if (ret <= 0) {
			/* no entry: the FIB decides (the mark for the sweep) */
			s.k[i].pad[0] = 1;
			continue;
		}
		v.expires_ns = expires;
		if (bpf_map_update_elem(m->nh, &s.k[i], &v, BPF_ANY)) {
			ret = -errno;
			wf_nl_close(&nl);
			goto out;
		}
		n++;
	}
	wf_nl_close(&nl);
	/* Entries of targets gone, or not answered now: the keys first,
	 * then the deletes (a walk that deletes as it goes may restart). */
	for (i = 0; i < s.n; i++)
		if (s.k[i].pad[0]) {
			s.k[i].pad[0] = 0;
			bpf_map_delete_elem(m->nh, &s.k[i]);
		}
	ret = sweep(m->nh, &s);
	if (ret)
		goto out;
	if (written)
		*written = n;
	ret = 0;
out:
	free(s.k);
	return ret;
}

bool wf_nh_probe_get(const struct wf_maps *m, const __be32 addr[4], __be32 probe[4])
{
	struct wf_nh_key k = { .family = WF_AF_INET6 };
	struct wf_nh_val v;

	memset(probe, 0, 16);
	memcpy(k.addr, addr, 16);
	if (m->nh < 0 || bpf_map_lookup_elem(m->nh, &k, &v) || zero6(v.probe))
		return false;
	memcpy(probe, v.probe, 16);
	return true;
}
