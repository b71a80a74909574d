// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include "addr.h"
#include "wslfwd.h"
#include "log.h"

int wf_nl_open(struct wf_nl *nl, int bus)
{
	nl->sk = mnl_socket_open(bus);
	if (!nl->sk)
		return -errno;
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(nl->sk);
		nl->sk = NULL;
		return err;
	}
	nl->seq = time(NULL);
	return 0;
}

void wf_nl_close(struct wf_nl *nl)
{
	if (nl->sk)
		mnl_socket_close(nl->sk);
	nl->sk = NULL;
}

int wf_nl_talk(struct wf_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned int portid = mnl_socket_get_portid(nl->sk);
	int ret;

	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ret = mnl_socket_recvfrom(nl->sk, buf, sizeof(buf));
		if (ret < 0)
			return -errno;
		ret = mnl_cb_run(buf, ret, nl->seq, portid, cb, data);
		if (ret < 0)
			return -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

/* One dump request (RTM_GET*, with its family header @hdr) on a socket of
 * its own; cb runs over every answer. */
static int nl_dump(__u16 type, const void *hdr, size_t hdrlen, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct wf_nl nl;
	int err;

	err = wf_nl_open(&nl, NETLINK_ROUTE);
	if (err)
		return err;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	memcpy(mnl_nlmsg_put_extra_header(nlh, hdrlen), hdr, hdrlen);
	err = wf_nl_talk(&nl, nlh, cb, data);
	wf_nl_close(&nl);
	return err;
}

struct addr_walk {
	int ifindex;
	__be32 want;		/* is_local: the address to look for */
	__be32 found;
	int plen;		/* of found */
	bool match;
};

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_walk *w = data;
	struct nlattr *attr;
	__be32 addr = 0, local = 0;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET ||
	    (int)ifa->ifa_index != w->ifindex)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_payload_len(attr) != 4)
			continue;
		if (mnl_attr_get_type(attr) == IFA_ADDRESS)
			addr = mnl_attr_get_u32(attr);
		else if (mnl_attr_get_type(attr) == IFA_LOCAL)
			local = mnl_attr_get_u32(attr);
	}
	/* On a point-to-point link IFA_ADDRESS is the peer; IFA_LOCAL ours. */
	if (local)
		addr = local;
	if (!addr)
		return MNL_CB_OK;
	if (w->want && addr == w->want)
		w->match = true;
	if (!w->found && !(ifa->ifa_flags & IFA_F_SECONDARY)) {
		w->found = addr;
		w->plen = ifa->ifa_prefixlen;
	}
	return MNL_CB_OK;
}

static int addr_dump(struct addr_walk *w)
{
	/* ifa_index is filtered in addr_cb too: old kernels dump all */
	struct ifaddrmsg ifa = { .ifa_family = AF_INET, .ifa_index = w->ifindex };

	return nl_dump(RTM_GETADDR, &ifa, sizeof(ifa), addr_cb, w);
}

int wf_addr_vm4(int ifindex, __be32 *addr)
{
	int plen;

	return wf_addr_vm4_prefix(ifindex, addr, &plen);
}

int wf_addr_vm4_prefix(int ifindex, __be32 *addr, int *plen)
{
	struct addr_walk w = { .ifindex = ifindex };
	int err;

	*addr = 0;
	*plen = 0;
	err = addr_dump(&w);
	if (err)
		return err;
	*addr = w.found;
	*plen = w.plen;
	return w.found ? 0 : -ENOENT;
}

int wf_addr_is_local4(int ifindex, __be32 addr)
{
	struct addr_walk w = { .ifindex = ifindex, .want = addr };
	int err;

	err = addr_dump(&w);
	if (err)
		return err;
	return w.match;
}

struct route_walk {
	int ifindex;
	__be32 gw;
	__u32 oif;
	__u8 type;
	bool found;
};

static void route_attrs(const struct nlmsghdr *nlh, const struct rtmsg *rtm, __be32 *dst,
			__be32 *gw, __u32 *oif, __u32 *table)
{
	struct nlattr *attr;

	*table = rtm->rtm_table;
	mnl_attr_for_each(attr, nlh, sizeof(*rtm)) {
		switch (mnl_attr_get_type(attr)) {
		case RTA_DST:
			if (mnl_attr_get_payload_len(attr) == 4)
				*dst = mnl_attr_get_u32(attr);
			break;
		case RTA_GATEWAY:
			if (mnl_attr_get_payload_len(attr) == 4)
				*gw = mnl_attr_get_u32(attr);
			break;
		case RTA_OIF:
			*oif = mnl_attr_get_u32(attr);
			break;
		case RTA_TABLE:
			*table = mnl_attr_get_u32(attr);
			break;
		}
	}
}

static int default_route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route_walk *w = data;
	__be32 dst = 0, gw = 0;
	__u32 oif = 0, table = 0;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != AF_INET ||
	    rtm->rtm_dst_len != 0 || rtm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	route_attrs(nlh, rtm, &dst, &gw, &oif, &table);
	if (table != RT_TABLE_MAIN || (int)oif != w->ifindex || !gw || w->found)
		return MNL_CB_OK;
	w->gw = gw;
	w->found = true;
	return MNL_CB_OK;
}

struct default_dev_walk {
	int family;
	__u32 oif;
	__u32 prio;
	bool found;
};

/* The main table's default unicast route of the family with the lowest
 * metric (what the kernel uses), its device. Multipath routes count by
 * their first hop's device. */
static int default_dev_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct default_dev_walk *w = data;
	__u32 oif = 0, prio = 0, table = rtm->rtm_table;
	struct nlattr *attr;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != w->family ||
	    rtm->rtm_dst_len != 0 || rtm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*rtm)) {
		switch (mnl_attr_get_type(attr)) {
		case RTA_OIF:
			oif = mnl_attr_get_u32(attr);
			break;
		case RTA_PRIORITY:
			prio = mnl_attr_get_u32(attr);
			break;
		case RTA_TABLE:
			table = mnl_attr_get_u32(attr);
			break;
		case RTA_MULTIPATH:
			if (!oif && mnl_attr_get_payload_len(attr) >= sizeof(struct rtnexthop))
				oif = ((struct rtnexthop *)mnl_attr_get_payload(attr))->rtnh_ifindex;
			break;
		}
	}
	if (table != RT_TABLE_MAIN || !oif || (w->found && prio >= w->prio))
		return MNL_CB_OK;
	w->oif = oif;
	w->prio = prio;
	w->found = true;
	return MNL_CB_OK;
}

int wf_default_dev(char name[IF_NAMESIZE], const char **why)
{
	static const struct {
		int family;
		const char *why;
	} tab[] = {
		{ AF_INET, "it carries the IPv4 default route" },
		{ AF_INET6, "it carries the IPv6 default route (no IPv4 one)" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tab); i++) {
		struct default_dev_walk w = { .family = tab[i].family };
		struct rtmsg rtm = { .rtm_family = tab[i].family };

		if (nl_dump(RTM_GETROUTE, &rtm, sizeof(rtm), default_dev_cb, &w) || !w.found ||
		    !if_indextoname(w.oif, name))
			continue;
		*why = tab[i].why;
		return 0;
	}
	snprintf(name, IF_NAMESIZE, "eth0");
	*why = "no default route: WSL's eth0";
	return -ENOENT;
}

int wf_addr_host4(int ifindex, __be32 *addr)
{
	struct route_walk w = { .ifindex = ifindex };
	struct rtmsg rtm = { .rtm_family = AF_INET };
	int err;

	*addr = 0;
	err = nl_dump(RTM_GETROUTE, &rtm, sizeof(rtm), default_route_cb, &w);
	if (err)
		return err;
	*addr = w.gw;
	return w.found ? 0 : -ENOENT;
}

static int route_get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route_walk *w = data;
	__be32 dst = 0, gw = 0;
	__u32 oif = 0, table = 0;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	route_attrs(nlh, rtm, &dst, &gw, &oif, &table);
	w->gw = gw;
	w->oif = oif;
	w->type = rtm->rtm_type;
	w->found = true;
	return MNL_CB_OK;
}

/* RTM_NEWNEIGH with NTF_USE: the kernel creates the entry if needed and
 * runs neigh_event_send() on it, i.e. starts resolution as if a packet
 * were waiting, without us sending anything. */
static int neigh_use(struct wf_nl *nl, int family, int ifindex, const void *addr)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_ACK;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = family;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_state = NUD_NONE;
	ndm->ndm_flags = NTF_USE;
	mnl_attr_put(nlh, NDA_DST, family == AF_INET6 ? 16 : 4, addr);
	return wf_nl_talk(nl, nlh, NULL, NULL);
}

/* Fallback: a connected UDP socket and an empty datagram to the discard
 * port make the kernel resolve the next hop the ordinary way. */
static int neigh_poke_udp(__be32 addr)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(9),
		.sin_addr.s_addr = addr,
	};
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || send(fd, "", 0, 0) < 0)
		err = -errno;
	close(fd);
	return err;
}

int wf_neigh_prime4(int ifindex, __be32 dst)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct route_walk w = { .ifindex = ifindex };
	char a[INET_ADDRSTRLEN];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	struct wf_nl nl;
	__be32 hop;
	int err;

	if (!dst)
		return 0;
	err = wf_nl_open(&nl, NETLINK_ROUTE);
	if (err)
		return err;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	/* Not a dump: no NLMSG_DONE, so ask for the ack that ends the answer. */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 32;
	mnl_attr_put_u32(nlh, RTA_DST, dst);
	err = wf_nl_talk(&nl, nlh, route_get_cb, &w);
	if (err || !w.found || w.type != RTN_UNICAST || (int)w.oif != ifindex) {
		wf_nl_close(&nl);
		return err == -ENETUNREACH || err == -EHOSTUNREACH ? 0 : err;
	}
	hop = w.gw ? w.gw : dst;
	inet_ntop(AF_INET, &hop, a, sizeof(a));
	err = neigh_use(&nl, AF_INET, ifindex, &hop);
	wf_nl_close(&nl);
	if (err) {
		pr_debug("priming neighbour %s with NTF_USE: %s; sending a probe datagram\n",
			 a, strerror(-err));
		err = neigh_poke_udp(hop);
		if (err)
			return err;
	}
	pr_debug("primed neighbour %s\n", a);
	return 1;
}

static int dev_forwarding(const char *fam, const char *dev)
{
	char path[128], v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/forwarding", fam, dev);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (fread(&v, 1, 1, f) != 1)
		v = 0;
	fclose(f);
	return v == '1';
}

int wf_dev_forwarding4(const char *dev)
{
	return dev_forwarding("ipv4", dev);
}

int wf_dev_forwarding6(const char *dev)
{
	return dev_forwarding("ipv6", dev);
}

struct fdb_walk {
	wf_fdb_cb cb;
	void *data;
};

static int fdb_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	struct fdb_walk *w = data;
	const __u8 *mac = NULL;
	struct nlattr *attr;
	int bridge = 0;

	if (nlh->nlmsg_type != RTM_NEWNEIGH || ndm->ndm_family != AF_BRIDGE ||
	    (ndm->ndm_state & NUD_PERMANENT))
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*ndm)) {
		if (mnl_attr_get_type(attr) == NDA_LLADDR && mnl_attr_get_payload_len(attr) == 6)
			mac = mnl_attr_get_payload(attr);
		else if (mnl_attr_get_type(attr) == NDA_MASTER &&
			 mnl_attr_get_payload_len(attr) == 4)
			bridge = mnl_attr_get_u32(attr);
	}
	/* Without NDA_MASTER the entry is the port device's own (self). */
	if (mac && bridge)
		w->cb(ndm->ndm_ifindex, bridge, mac, w->data);
	return MNL_CB_OK;
}

int wf_fdb_dump(wf_fdb_cb cb, void *data)
{
	struct ndmsg ndm = { .ndm_family = AF_BRIDGE };
	struct fdb_walk w = { .cb = cb, .data = data };

	return nl_dump(RTM_GETNEIGH, &ndm, sizeof(ndm), fdb_cb, &w);
}

/* ------------------------------------------------------------- IPv6 */

struct addr6_walk {
	int ifindex;
	const __be32 *want;	/* is_local6: the address to look for */
	__be32 found[4];
	int rank;		/* of found: 0 none, 1 temporary, 2 other */
	bool match;
};

/* IFA_F_* of an address: IFA_FLAGS (32 bits) where the kernel gives it. */
static __u32 addr6_flags(const struct nlmsghdr *nlh, const struct ifaddrmsg *ifa,
			 const void **addr)
{
	const void *local = NULL;
	__u32 flags = ifa->ifa_flags;
	struct nlattr *attr;

	*addr = NULL;
	mnl_attr_for_each(attr, nlh, sizeof(*ifa)) {
		int t = mnl_attr_get_type(attr);

		if (t == IFA_ADDRESS && mnl_attr_get_payload_len(attr) == 16)
			*addr = mnl_attr_get_payload(attr);
		else if (t == IFA_LOCAL && mnl_attr_get_payload_len(attr) == 16)
			local = mnl_attr_get_payload(attr);
		else if (t == IFA_FLAGS && mnl_attr_get_payload_len(attr) == 4)
			flags = mnl_attr_get_u32(attr);
	}
	/* With a peer (IFA_LOCAL present) IFA_ADDRESS is the peer's. */
	if (local)
		*addr = local;
	return flags;
}

/*
 * @vm6: a global address, usable (not tentative: DAD not done, the kernel
 * would not send from it; not deprecated or DAD-failed), a permanent or
 * SLAAC one before a privacy (temporary) one, the first of a rank.
 */
static int addr6_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr6_walk *w = data;
	const void *addr;
	__u32 flags;
	int rank;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET6 ||
	    (int)ifa->ifa_index != w->ifindex)
		return MNL_CB_OK;
	flags = addr6_flags(nlh, ifa, &addr);
	if (!addr)
		return MNL_CB_OK;
	if (w->want && !memcmp(addr, w->want, 16))
		w->match = true;
	if (ifa->ifa_scope != RT_SCOPE_UNIVERSE ||
	    (flags & (IFA_F_TENTATIVE | IFA_F_DEPRECATED | IFA_F_DADFAILED)))
		return MNL_CB_OK;
	rank = flags & IFA_F_TEMPORARY ? 1 : 2;
	if (rank > w->rank) {
		memcpy(w->found, addr, 16);
		w->rank = rank;
	}
	return MNL_CB_OK;
}

static int addr6_dump(struct addr6_walk *w)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET6, .ifa_index = w->ifindex };

	return nl_dump(RTM_GETADDR, &ifa, sizeof(ifa), addr6_cb, w);
}

int wf_addr_vm6(int ifindex, __be32 addr[4])
{
	struct addr6_walk w = { .ifindex = ifindex };
	int err;

	memset(addr, 0, 16);
	err = addr6_dump(&w);
	if (err)
		return err;
	memcpy(addr, w.found, 16);
	return w.rank ? 0 : -ENOENT;
}

int wf_addr_is_local6(int ifindex, const __be32 addr[4])
{
	struct addr6_walk w = { .ifindex = ifindex, .want = addr };
	int err;

	err = addr6_dump(&w);
	if (err)
		return err;
	return w.match;
}

struct route6_walk {
	int ifindex;
	__be32 gw[4];
	__u32 oif;
	__u8 type;
	bool found;
};

/* The first next hop of RTA_MULTIPATH out of @ifindex (the kernel shows
 * several routers' default routes as one route of many next hops). */
static bool multipath_gw6(const struct nlattr *mp, int ifindex, __be32 gw[4])
{
	const struct rtnexthop *nh = mnl_attr_get_payload(mp);
	int left = mnl_attr_get_payload_len(mp);

	for (; RTNH_OK(nh, left); left -= RTNH_ALIGN(nh->rtnh_len), nh = RTNH_NEXT(nh)) {
		const struct nlattr *a;

		if (nh->rtnh_ifindex != ifindex)
			continue;
		for (a = (const void *)RTNH_DATA(nh);
		     mnl_attr_ok(a, (const char *)nh + nh->rtnh_len - (const char *)a);
		     a = mnl_attr_next(a)) {
			if (mnl_attr_get_type(a) == RTA_GATEWAY &&
			    mnl_attr_get_payload_len(a) == 16) {
				memcpy(gw, mnl_attr_get_payload(a), 16);
				return true;
			}
		}
	}
	return false;
}

/* Gateway, oif and table of an IPv6 route; *mp: its RTA_MULTIPATH. */
static void route6_attrs(const struct nlmsghdr *nlh, const struct rtmsg *rtm, __be32 gw[4],
			 __u32 *oif, __u32 *table, const struct nlattr **mp)
{
	struct nlattr *attr;

	*table = rtm->rtm_table;
	*mp = NULL;
	mnl_attr_for_each(attr, nlh, sizeof(*rtm)) {
		switch (mnl_attr_get_type(attr)) {
		case RTA_GATEWAY:
			if (mnl_attr_get_payload_len(attr) == 16)
				memcpy(gw, mnl_attr_get_payload(attr), 16);
			break;
		case RTA_OIF:
			*oif = mnl_attr_get_u32(attr);
			break;
		case RTA_TABLE:
			*table = mnl_attr_get_u32(attr);
			break;
		case RTA_MULTIPATH:
			*mp = attr;
			break;
		}
	}
}

static bool addr6_zero(const __be32 a[4])
{
	return !(a[0] | a[1] | a[2] | a[3]);
}

static int default_route6_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route6_walk *w = data;
	const struct nlattr *mp;
	__be32 gw[4] = {};
	__u32 oif = 0, table = 0;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != AF_INET6 ||
	    rtm->rtm_dst_len != 0 || rtm->rtm_type != RTN_UNICAST || w->found)
		return MNL_CB_OK;
	route6_attrs(nlh, rtm, gw, &oif, &table, &mp);
	if (table != RT_TABLE_MAIN)
		return MNL_CB_OK;
	if (mp && !multipath_gw6(mp, w->ifindex, gw))
		return MNL_CB_OK;
	if ((!mp && (int)oif != w->ifindex) || addr6_zero(gw))
		return MNL_CB_OK;
	memcpy(w->gw, gw, 16);
	w->found = true;
	return MNL_CB_OK;
}

int wf_addr_host6(int ifindex, __be32 addr[4])
{
	struct route6_walk w = { .ifindex = ifindex };
	struct rtmsg rtm = { .rtm_family = AF_INET6 };
	int err;

	memset(addr, 0, 16);
	err = nl_dump(RTM_GETROUTE, &rtm, sizeof(rtm), default_route6_cb, &w);
	if (err)
		return err;
	memcpy(addr, w.gw, 16);
	return w.found ? 0 : -ENOENT;
}

static int route6_get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route6_walk *w = data;
	const struct nlattr *mp;
	__u32 table;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	route6_attrs(nlh, rtm, w->gw, &w->oif, &table, &mp);
	w->type = rtm->rtm_type;
	w->found = true;
	return MNL_CB_OK;
}

/* Fallback: as neigh_poke_udp, scoped to IFACE for a link-local hop. */
static int neigh_poke_udp6(int ifindex, const __be32 addr[4])
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(9) };
	int fd, err = 0;

	memcpy(&sin6.sin6_addr, addr, 16);
	if (IN6_IS_ADDR_LINKLOCAL(&sin6.sin6_addr))
		sin6.sin6_scope_id = ifindex;
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 || send(fd, "", 0, 0) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* The route to @dst out of @ifindex: its next hop in @hop. 1 found, 0 not
 * through ifindex, -errno. */
static int route6_hop(struct wf_nl *nl, int ifindex, const __be32 dst[4], __be32 hop[4])
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct route6_walk w = { .ifindex = ifindex };
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int err;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET6;
	rtm->rtm_dst_len = 128;
	mnl_attr_put(nlh, RTA_DST, 16, dst);
	/* A link-local destination needs its device to be routed at all. */
	if (IN6_IS_ADDR_LINKLOCAL((const struct in6_addr *)dst))
		mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	err = wf_nl_talk(nl, nlh, route6_get_cb, &w);
	if (err)
		return err == -ENETUNREACH || err == -EHOSTUNREACH ? 0 : err;
	if (!w.found || w.type != RTN_UNICAST || (int)w.oif != ifindex)
		return 0;
	memcpy(hop, addr6_zero(w.gw) ? dst : w.gw, 16);
	return 1;
}

int wf_neigh_prime6(int ifindex, const __be32 dst[4])
{
	char a[INET6_ADDRSTRLEN];
	struct wf_nl nl;
	__be32 hop[4];
	int err;

	if (addr6_zero(dst))
		return 0;
	err = wf_nl_open(&nl, NETLINK_ROUTE);
	if (err)
		return err;
	err = route6_hop(&nl, ifindex, dst, hop);
	if (err <= 0) {
		wf_nl_close(&nl);
		return err;
	}
	inet_ntop(AF_INET6, hop, a, sizeof(a));
	err = neigh_use(&nl, AF_INET6, ifindex, hop);
	wf_nl_close(&nl);
	if (err) {
		pr_debug("priming neighbour %s with NTF_USE: %s; sending a probe datagram\n",
			 a, strerror(-err));
		err = neigh_poke_udp6(ifindex, hop);
		if (err)
			return err;
	}
	pr_debug("primed neighbour %s\n", a);
	return 1;
}
