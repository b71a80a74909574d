/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* WSL networking mode (nat | mirrored | unknown) for `status`: a pure
 * decision over facts, and a small gatherer that collects the facts from
 * the kernel and the WSL markers. */
#ifndef WF_NETMODE_H
#define WF_NETMODE_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include <linux/types.h>

enum wf_netmode {
	WF_NETMODE_UNKNOWN = 0,
	WF_NETMODE_NAT = 1,
	WF_NETMODE_MIRRORED = 2,
};

struct wf_netmode_facts {
	/* A WSL marker, e.g. "/run/WSL" or "WSL_DISTRO_NAME"; "" = none found. */
	char wsl_marker[128];
	/* `wslinfo --networking-mode`, trimmed; "" when there is no wslinfo. */
	char wslinfo[32];
	char dev[IF_NAMESIZE];	/* the device; "" when it does not exist */
	__be32 addr;		/* its primary IPv4, 0 = none */
	int plen;		/* its prefix length */
	__be32 gw;		/* gateway of its IPv4 default route, 0 = none */
	bool loopback0;		/* a device named loopback0 exists (mirrored mode) */
};

/* Decide from the facts alone; signs gets the reasons in words
 * ("wslinfo says nat", "eth0 172.22.21.94/20 in 172.16.0.0/12, gateway
 * 172.22.16.1 is its .1"). */
enum wf_netmode wf_netmode_decide(const struct wf_netmode_facts *f, char *signs, size_t len);
const char *wf_netmode_name(enum wf_netmode m);

/* Collect the facts for dev. Files are looked up under $WSLFWD_ROOT when
 * set (tests): /proc/sys/fs/binfmt_misc/WSLInterop, /run/WSL,
 * /proc/sys/kernel/osrelease ("microsoft"), /usr/bin/wslinfo; the
 * environment markers are WSL_DISTRO_NAME and WSL_INTEROP. */
void wf_netmode_gather(const char *dev, struct wf_netmode_facts *f);

#endif
