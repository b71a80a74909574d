/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Which attach path delivers on this device: pure decisions over facts
 * gathered once (driver, veth peer, LRO, kernel release), so that `load`
 * never picks a path that drops, refuses what is known not to work with the
 * reason and the fix, and `status` says which path each target kind takes.
 */
#ifndef WF_ATTACH_H
#define WF_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct wf_attach_facts {
	char dev[16];
	char driver[32];	/* ETHTOOL_GDRVINFO, "" unknown */
	char kind[16];		/* IFLA_INFO_KIND, "" for a NIC */
	char release[65];	/* uname -r */
	int mtu;
	int lro;		/* 1 on, 0 off, -1 unknown */
	int peer;		/* veth only: 1 found, 0 not a veth, -errno unknown */
	char peer_name[16];
	int peer_mtu;
	int peer_netnsid;	/* -1: our namespace */
	bool peer_xdp_drv;	/* the peer runs a native XDP program */
};

/* Fill @f for IFACE @dev (@ifindex), reading the kernel. */
void wf_attach_gather(const char *dev, int ifindex, struct wf_attach_facts *f);

/* Can native XDP's XDP_TX (one-arm NAT, both directions) deliver out of
 * IFACE? why says on what the answer rests. */
bool wf_attach_native_tx(const struct wf_attach_facts *f, char *why, size_t len);

/* Does XDP_REDIRECT of frames received by IFACE's driver work on this
 * kernel (`--redirect DEV`)? why says why not. */
bool wf_attach_redirect_ok(const struct wf_attach_facts *f, char *why, size_t len);

/* The fix to print when the driver refused native XDP with @err and
 * (maybe) the kernel's extack text @extack. "" when none is known. */
void wf_attach_refusal_hint(const struct wf_attach_facts *f, int err, const char *extack,
			    char *buf, size_t len);

/* "5.15.153.1-microsoft-standard-WSL2" -> 5, 15. 0 or -EINVAL. */
int wf_kernel_version(const char *release, int *major, int *minor);

/* The path a target kind's packets take, as status shows it. */
struct wf_path {
	const char *kind;	/* "local", "behind", "one-arm" */
	const char *path;	/* "xdp", "xdp_tx", "redirect", "stack", "tc" */
	bool ok;		/* false: the path would not deliver now */
	char why[480];
};
/* For attach @mode (enum wf_mode), the wf_info flags, the facts of now,
 * and @redirect_devs: the devices in wf_redirect ("" none). */
void wf_attach_paths(int mode, unsigned int info_flags, const struct wf_attach_facts *f,
		     const char *redirect_devs, struct wf_path out[3]);

#endif
