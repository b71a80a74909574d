/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The kernel's "netdev" generic netlink family (Linux 6.3+): which devices
 * can take XDP frames. A device whose xdp-features carry NDO_XMIT accepts
 * XDP_REDIRECT; for a veth the kernel sets it only while the peer has an
 * XDP program or GRO on, i.e. while frames sent to it are delivered.
 */
#ifndef WF_NETDEV_H
#define WF_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* enum netdev_xdp_act (uapi linux/netdev.h, not in every distribution's
 * headers yet): the bit the datapath's redirect needs. */
#define WF_NETDEV_XDP_ACT_NDO_XMIT	(1ULL << 2)

/* cb(ifindex, xdp_features, data) for every device of this network
 * namespace. 0, -EOPNOTSUPP when the kernel has no netdev family (before
 * 6.3: nothing can be known), or -errno. */
typedef void (*wf_netdev_cb)(__u32 ifindex, __u64 xdp_features, void *data);
int wf_netdev_dump(wf_netdev_cb cb, void *data);

/* One device's xdp-features: 0, -EOPNOTSUPP (as above), -ENODEV, -errno. */
int wf_netdev_xdp_features(__u32 ifindex, __u64 *feat);

/* A device's MTU, or -errno. */
int wf_netdev_mtu(__u32 ifindex);
/* The largest IP datagram XDP_REDIRECT may hand to @ifindex: the smallest
 * of its MTU, its bridge's (a bridge port) and its veth peer's, wherever
 * that lives. Or -errno (a veth whose peer cannot be read included). */
int wf_netdev_xdp_max_len(__u32 ifindex);

/* A socket subscribed to the family's "mgmt" group: a message arrives on
 * it whenever a device's xdp-features change, or a device comes or goes.
 * Returns the socket's descriptor, -EOPNOTSUPP without the family, or
 * -errno. Close it with wf_netdev_monitor_close(). */
struct mnl_socket;
int wf_netdev_monitor_open(struct mnl_socket **nl);
void wf_netdev_monitor_close(struct mnl_socket *nl);

/* What rtnetlink says about one device (RTM_GETLINK). */
struct wf_link {
	__u32 ifindex;
	int netnsid;		/* the namespace asked (-1: ours) */
	char name[16];
	char kind[16];		/* IFLA_INFO_KIND: "veth", "bridge", "" (a NIC) */
	int mtu;
	__u32 master;		/* bridge, 0: none */
	__u32 link;		/* IFLA_LINK: a veth's peer ifindex ... */
	int link_netnsid;	/* ... in this namespace id of ours (-1: same as the device's) */
	__u8 xdp_attached;	/* XDP_ATTACHED_* */
	__u32 xdp_id, xdp_drv_id, xdp_skb_id;	/* program ids, 0: none */
};
/* Device @ifindex in the namespace our namespace calls @netnsid (-1: ours).
 * 0, -ENODEV, -errno. */
int wf_link_get(int netnsid, __u32 ifindex, struct wf_link *l);
/* A veth's other end, wherever it lives: 0, -ENOENT (not a veth, no peer),
 * -errno. */
int wf_link_peer(const struct wf_link *l, struct wf_link *peer);

/* ETHTOOL_GDRVINFO's driver name ("hv_netvsc", "veth"): 0 or -errno. */
int wf_netdev_driver(const char *ifname, char *buf, size_t len);
/* Is LRO on? 1, 0, -errno. */
int wf_netdev_lro(const char *ifname);

/* Why does the driver refuse native XDP? Attach @prog_fd to @ifindex in
 * driver mode through rtnetlink, which (unlike a bpf_link) returns the
 * kernel's extack text in @msg; detach it again if it was taken. 0 (taken),
 * or the kernel's -errno. */
int wf_xdp_probe_native(int ifindex, int prog_fd, char *msg, size_t len);

#endif
