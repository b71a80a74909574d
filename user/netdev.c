// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The "netdev" generic netlink family over libmnl: resolve the family
 * (and its "mgmt" multicast group) through the generic netlink controller,
 * then dump every device's xdp-features. The attribute numbers are uapi
 * (linux/netdev.h, Linux 6.3); they are spelled out here because older
 * distributions' headers lack that file.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
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
