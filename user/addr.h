/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* @vm/@host discovery and neighbour priming over rtnetlink (libmnl). */
#ifndef WF_ADDR_H
#define WF_ADDR_H

#include <stdbool.h>
#include <net/if.h>
#include <linux/types.h>
#include <libmnl/libmnl.h>

/* A netlink socket of @bus (NETLINK_ROUTE, NETLINK_GENERIC) bound to an
 * automatic port, and the sequence of its requests. 0 or -errno. */
struct wf_nl {
	struct mnl_socket *sk;
	unsigned int seq;
};
int wf_nl_open(struct wf_nl *nl, int bus);
void wf_nl_close(struct wf_nl *nl);
/* Send @nlh and run @cb over every answer until done or ack. 0 or -errno. */
int wf_nl_talk(struct wf_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/* @vm: the first non-secondary IPv4 address of ifindex. 0, or -ENOENT
 * with *addr = 0 when it has none, or -errno. */
int wf_addr_vm4(int ifindex, __be32 *addr);
/* The same with its prefix length (for the networking-mode signs). */
int wf_addr_vm4_prefix(int ifindex, __be32 *addr, int *plen);
/* @host: gateway of the main table's IPv4 default route out of ifindex. */
int wf_addr_host4(int ifindex, __be32 *addr);
/* The device `load` and the other commands take when no --dev is given:
 * the one carrying the IPv4 default route, else the IPv6 one (mirrored
 * mode mirrors Windows' adapters: eth0 may be down, absent or not the
 * one with the route), else eth0. In @name; why in *@why. -ENOENT when
 * no default route named it (eth0 then). */
int wf_default_dev(char name[IF_NAMESIZE], const char **why);
/* Is addr one of ifindex's IPv4 addresses? 1 yes, 0 no, -errno. */
int wf_addr_is_local4(int ifindex, __be32 addr);
/* If the route to dst leaves through ifindex, start ARP resolution of its
 * next hop (the gateway, or dst itself on link), so the first one-arm
 * packet finds a neighbour. 1 primed, 0 not through ifindex, -errno. */
int wf_neigh_prime4(int ifindex, __be32 dst);
/* @vm6: ifindex's global IPv6 address, usable (not tentative, deprecated
 * or DAD-failed), a permanent or SLAAC one before a temporary one. 0, or
 * -ENOENT with addr zero when it has none, or -errno. */
int wf_addr_vm6(int ifindex, __be32 addr[4]);
/* @host6: gateway of the main table's IPv6 default route out of ifindex;
 * often link-local (fe80::), which is on ifindex. */
int wf_addr_host6(int ifindex, __be32 addr[4]);
/* Is addr one of ifindex's IPv6 addresses? 1 yes, 0 no, -errno. */
int wf_addr_is_local6(int ifindex, const __be32 addr[4]);
/* wf_neigh_prime4 for IPv6: neighbour discovery of the next hop. */
int wf_neigh_prime6(int ifindex, const __be32 dst[4]);
/* net.ipv4.conf.DEV.forwarding: 1 on, 0 off, -errno unknown. Without it the
 * kernel's FIB lookup answers nothing for packets from DEV, so every target
 * but @vm is dropped (fwd_disabled). */
int wf_dev_forwarding4(const char *dev);
/* net.ipv6.conf.DEV.forwarding, the same for IPv6 targets. */
int wf_dev_forwarding6(const char *dev);

/* The MACs a bridge has learned behind its ports (its forwarding database,
 * `bridge fdb show`, without the ports' own permanent entries): cb(port,
 * bridge, mac, data) for each. 0 or -errno. */
typedef void (*wf_fdb_cb)(int port, int bridge, const __u8 mac[6], void *data);
int wf_fdb_dump(wf_fdb_cb cb, void *data);

#endif
