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

/* A socket subscribed to the family's "mgmt" group: a message arrives on
 * it whenever a device's xdp-features change, or a device comes or goes.
 * Returns the socket's descriptor, -EOPNOTSUPP without the family, or
 * -errno. Close it with wf_netdev_monitor_close(). */
struct mnl_socket;
int wf_netdev_monitor_open(struct mnl_socket **nl);
void wf_netdev_monitor_close(struct mnl_socket *nl);

#endif
