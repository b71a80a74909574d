// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The "netdev" generic netlink family over libmnl: resolve the family
 * (and its "mgmt" multicast group) through the generic netlink controller,
 * then dump every device's xdp-features. The attribute numbers are uapi
 * (linux/netdev.h, Linux 6.3); they are spelled out here because older
 * distributions' headers lack that file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/ethtool.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include "addr.h"
#include "netdev.h"

#define NETDEV_FAMILY_NAME	"netdev"
#define NETDEV_MCGRP_MGMT	"mgmt"
#define NETDEV_CMD_DEV_GET	1
#define NETDEV_A_DEV_IFINDEX	1
#define NETDEV_A_DEV_XDP_FEATURES 3

struct family {
	__u16 id;
	__u32 mgmt;		/* multicast group id, 0: none */
};

static struct nlmsghdr *genl_put(char *buf, __u16 type, __u8 cmd, __u16 flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = 1;
	return nlh;
}

static void mcgrp_parse(const struct nlattr *groups, struct family *f)
{
	const struct nlattr *grp, *a;

	mnl_attr_for_each_nested(grp, groups) {
		const char *name = NULL;
		__u32 id = 0;

		mnl_attr_for_each_nested(a, grp) {
			if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
			    !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
				name = mnl_attr_get_str(a);
			else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
				 !mnl_attr_validate(a, MNL_TYPE_U32))
				id = mnl_attr_get_u32(a);
		}
		if (name && !strcmp(name, NETDEV_MCGRP_MGMT))
			f->mgmt = id;
	}
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct family *f = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (!mnl_attr_validate(a, MNL_TYPE_U16))
				f->id = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mcgrp_parse(a, f);
			break;
		}
	}
	return MNL_CB_OK;
}

/* The netdev family's id and groups: -EOPNOTSUPP when the kernel has none. */
static int family_get(struct wf_nl *nl, struct family *f)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = genl_put(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	int err;

	memset(f, 0, sizeof(*f));
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NETDEV_FAMILY_NAME);
	err = wf_nl_talk(nl, nlh, family_cb, f);
	if (err == -ENOENT || (!err && !f->id))
		return -EOPNOTSUPP;
	return err;
}

struct dev_walk {
	wf_netdev_cb cb;
	void *data;
	unsigned int n;		/* devices that reported xdp-features */
};

static int dev_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dev_walk *w = data;
	const struct nlattr *a;
	__u32 ifindex = 0;
	__u64 feat = 0;
	bool have = false;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == NETDEV_A_DEV_IFINDEX &&
		    !mnl_attr_validate(a, MNL_TYPE_U32)) {
			ifindex = mnl_attr_get_u32(a);
		} else if (mnl_attr_get_type(a) == NETDEV_A_DEV_XDP_FEATURES &&
			   !mnl_attr_validate(a, MNL_TYPE_U64)) {
			feat = mnl_attr_get_u64(a);
			have = true;
		}
	}
	if (ifindex && have) {
		w->cb(ifindex, feat, w->data);
		w->n++;
	}
	return MNL_CB_OK;
}

int wf_netdev_dump(wf_netdev_cb cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct dev_walk w = { .cb = cb, .data = data };
	struct nlmsghdr *nlh;
	struct family f;
	struct wf_nl nl;
	int err;

	err = wf_nl_open(&nl, NETLINK_GENERIC);
	if (err)
		return err;
	err = family_get(&nl, &f);
	if (!err) {
		nlh = genl_put(buf, f.id, NETDEV_CMD_DEV_GET, NLM_F_DUMP);
		err = wf_nl_talk(&nl, nlh, dev_cb, &w);
	}
	wf_nl_close(&nl);
	/* Every device answers, loopback included: none means a kernel
	 * whose family predates xdp-features. */
	if (!err && !w.n)
		return -EOPNOTSUPP;
	return err;
}

int wf_netdev_monitor_open(struct mnl_socket **out)
{
	struct family f;
	struct wf_nl nl;
	int err, rcvbuf = 1 << 18;

	err = wf_nl_open(&nl, NETLINK_GENERIC);
	if (err)
		return err;
	err = family_get(&nl, &f);
	if (!err && !f.mgmt)
		err = -EOPNOTSUPP;
	if (!err && mnl_socket_setsockopt(nl.sk, NETLINK_ADD_MEMBERSHIP, &f.mgmt, sizeof(f.mgmt)) < 0)
		err = -errno;
	if (err) {
		wf_nl_close(&nl);
		return err;
	}
	setsockopt(mnl_socket_get_fd(nl.sk), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	*out = nl.sk;
	return mnl_socket_get_fd(nl.sk);
}

void wf_netdev_monitor_close(struct mnl_socket *nl)
{
	if (nl)
		mnl_socket_close(nl);
}

struct one_dev {
	__u32 ifindex;
	__u64 feat;
	bool found;
};

static void one_cb(__u32 ifindex, __u64 feat, void *data)
{
	struct one_dev *o = data;

	if (ifindex == o->ifindex) {
		o->feat = feat;
		o->found = true;
	}
}

int wf_netdev_xdp_features(__u32 ifindex, __u64 *feat)
{
	struct one_dev o = { .ifindex = ifindex };
	int err = wf_netdev_dump(one_cb, &o);

	if (err)
		return err;
	if (!o.found)
		return -ENODEV;
	*feat = o.feat;
	return 0;
}

int wf_netdev_mtu(__u32 ifindex)
{
	struct ifreq ifr = {};
	int fd, ret;

	if (!if_indextoname(ifindex, ifr.ifr_name))
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, SIOCGIFMTU, &ifr) ? -errno : ifr.ifr_mtu;
	close(fd);
	return ret;
}

/* ------------------------------------------------------------------ links */

struct link_walk {
	struct wf_link *l;
	bool found;
};

static void link_xdp_parse(const struct nlattr *nest, struct wf_link *l)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_XDP_ATTACHED:
			if (!mnl_attr_validate(a, MNL_TYPE_U8))
				l->xdp_attached = mnl_attr_get_u8(a);
			break;
		case IFLA_XDP_DRV_PROG_ID:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				l->xdp_drv_id = mnl_attr_get_u32(a);
			break;
		case IFLA_XDP_SKB_PROG_ID:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				l->xdp_skb_id = mnl_attr_get_u32(a);
			break;
		case IFLA_XDP_PROG_ID:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				l->xdp_id = mnl_attr_get_u32(a);
			break;
		}
	}
	/* One program only: the kernel names it in IFLA_XDP_PROG_ID alone. */
	if (l->xdp_attached == XDP_ATTACHED_DRV && !l->xdp_drv_id)
		l->xdp_drv_id = l->xdp_id;
	if (l->xdp_attached == XDP_ATTACHED_SKB && !l->xdp_skb_id)
		l->xdp_skb_id = l->xdp_id;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct link_walk *w = data;
	struct wf_link *l = w->l;
	const struct nlattr *a, *b;

	if (nlh->nlmsg_type != RTM_NEWLINK || (__u32)ifi->ifi_index != l->ifindex)
		return MNL_CB_OK;
	w->found = true;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			if (!mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
				snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(a));
			break;
		case IFLA_MTU:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				l->mtu = mnl_attr_get_u32(a);
			break;
		case IFLA_LINK:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				l->link = mnl_attr_get_u32(a);
			break;
		case IFLA_LINK_NETNSID:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				l->link_netnsid = (int)mnl_attr_get_u32(a);
			break;
		case IFLA_MASTER:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				l->master = mnl_attr_get_u32(a);
			break;
		case IFLA_XDP:
			link_xdp_parse(a, l);
			break;
		case IFLA_LINKINFO:
			mnl_attr_for_each_nested(b, a) {
				if (mnl_attr_get_type(b) != IFLA_INFO_KIND ||
				    mnl_attr_validate(b, MNL_TYPE_NUL_STRING))
					continue;
				snprintf(l->kind, sizeof(l->kind), "%s", mnl_attr_get_str(b));
			}
			break;
		}
	}
	return MNL_CB_OK;
}

int wf_link_get(int netnsid, __u32 ifindex, struct wf_link *l)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct link_walk w = { .l = l };
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct wf_nl nl;
	int err;

	memset(l, 0, sizeof(*l));
	l->ifindex = ifindex;
	l->netnsid = netnsid;
	l->link_netnsid = -1;
	err = wf_nl_open(&nl, NETLINK_ROUTE);
	if (err)
		return err;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	/* The ack ends wf_nl_talk's loop (a single GET has no DONE). */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	/* Another namespace's device, by the id ours gives that namespace
	 * (a veth's IFLA_LINK_NETNSID): Linux 4.20+. */
	if (netnsid >= 0)
		mnl_attr_put_u32(nlh, IFLA_TARGET_NETNSID, netnsid);
	err = wf_nl_talk(&nl, nlh, link_cb, &w);
	wf_nl_close(&nl);
	if (!err && !w.found)
		err = -ENODEV;
	return err;
}

int wf_link_peer(const struct wf_link *l, struct wf_link *peer)
{
	int nsid;

	if (strcmp(l->kind, "veth") || !l->link)
		return -ENOENT;
	/* IFLA_LINK_NETNSID is relative to the namespace the answer came
	 * from; a query that was already cross-namespace cannot be chained. */
	if (l->netnsid >= 0 && l->link_netnsid >= 0)
		return -EOPNOTSUPP;
	nsid = l->link_netnsid >= 0 ? l->link_netnsid : l->netnsid;
	return wf_link_get(nsid, l->link, peer);
}

/* One ethtool ioctl on a device of this namespace. */
static int ethtool_ioctl(const char *ifname, void *cmd)
{
	struct ifreq ifr = {};
	int fd, ret;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = cmd;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, SIOCETHTOOL, &ifr) ? -errno : 0;
	close(fd);
	return ret;
}

int wf_netdev_driver(const char *ifname, char *buf, size_t len)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	int err = ethtool_ioctl(ifname, &di);

	if (err)
		return err;
	snprintf(buf, len, "%.*s", (int)sizeof(di.driver), di.driver);
	return 0;
}

int wf_netdev_lro(const char *ifname)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_GFLAGS };
	int err = ethtool_ioctl(ifname, &ev);

	return err ? err : !!(ev.data & ETH_FLAG_LRO);
}

/* The kernel's reason (extack) in an NLMSG_ERROR answer, if it gave one. */
static void extack_msg(const struct nlmsghdr *nlh, char *msg, size_t len)
{
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* NETLINK_CAP_ACK: only the request's header is echoed. */
	mnl_attr_for_each(a, nlh, sizeof(struct nlmsgerr))
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
			snprintf(msg, len, "%s", mnl_attr_get_str(a));
}

/* RTM_SETLINK IFLA_XDP on @ifindex: 0 or -errno, with the extack text. */
static int xdp_setlink(struct wf_nl *nl, int ifindex, int fd, int expected_fd, __u32 flags,
		       char *msg, size_t len)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct nlattr *nest;
	int ret;

	nlh->nlmsg_type = RTM_SETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	nest = mnl_attr_nest_start(nlh, IFLA_XDP);
	mnl_attr_put_u32(nlh, IFLA_XDP_FD, (__u32)fd);
	mnl_attr_put_u32(nlh, IFLA_XDP_FLAGS, flags);
	if (expected_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_XDP_EXPECTED_FD, (__u32)expected_fd);
	mnl_attr_nest_end(nlh, nest);
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	ret = mnl_socket_recvfrom(nl->sk, buf, sizeof(buf));
	if (ret < 0)
		return -errno;
	nlh = (struct nlmsghdr *)buf;
	if (!mnl_nlmsg_ok(nlh, ret) || nlh->nlmsg_type != NLMSG_ERROR)
		return -EPROTO;
	ret = ((struct nlmsgerr *)mnl_nlmsg_get_payload(nlh))->error;
	if (ret)
		extack_msg(nlh, msg, len);
	return ret;
}

int wf_xdp_probe_native(int ifindex, int prog_fd, char *msg, size_t len)
{
	int on = 1, ret;
	struct wf_nl nl;

	msg[0] = 0;
	ret = wf_nl_open(&nl, NETLINK_ROUTE);
	if (ret)
		return ret;
	setsockopt(mnl_socket_get_fd(nl.sk), SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof(on));
	setsockopt(mnl_socket_get_fd(nl.sk), SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof(on));
	ret = xdp_setlink(&nl, ifindex, prog_fd, -1,
			  XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, msg, len);
	if (!ret) {
		char m[8];

		/* It took it this way: take it off again, only if still ours. */
		xdp_setlink(&nl, ifindex, -1, prog_fd, XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE,
			    m, sizeof(m));
	}
	wf_nl_close(&nl);
	return ret;
}

int wf_netdev_xdp_max_len(__u32 ifindex)
{
	struct wf_link l, o;
	int max, err;

	err = wf_link_get(-1, ifindex, &l);
	if (err)
		return err;
	max = l.mtu;
	/* The stack would have sent it through the bridge: its MTU too. */
	if (l.master && !wf_link_get(-1, l.master, &o) && o.mtu < max)
		max = o.mtu;
	/* A veth hands XDP frames to its other end, which drops what is
	 * bigger than its own MTU (veth_xdp_xmit). Not knowing that end's
	 * size means not knowing what is delivered: no redirect. */
	if (!strcmp(l.kind, "veth")) {
		err = wf_link_peer(&l, &o);
		if (err)
			return err;
		if (o.mtu < max)
			max = o.mtu;
	}
	return max > 0 ? max : -EINVAL;
}
