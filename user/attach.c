// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Attach decisions (attach.h). Kernel behaviour they rest on, measured on
 * 6.18 (docs/design.md "Attach"):
 *  - native XDP_TX out of a veth reaches the other end only when that end
 *    runs an XDP program of its own (it then has NAPI and an XDP ring);
 *    otherwise veth_xdp_xmit() drops the frame, counted nowhere but in
 *    `ethtool -S`. GRO on the other end, enough for XDP_REDIRECT into a
 *    veth, was not enough for XDP_TX out of one.
 *  - generic XDP's XDP_TX goes out through the device's ordinary transmit
 *    path (generic_xdp_tx -> ndo_start_xmit), which a veth always delivers.
 *  - hv_netvsc (WSL2's eth0) gained XDP_REDIRECT in 5.19; before, every
 *    redirected frame is dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include "attach.h"
#include "netdev.h"
#include "wslfwd.h"

void wf_attach_gather(const char *dev, int ifindex, struct wf_attach_facts *f)
{
	struct wf_link l, p;
	struct utsname u;
	int ret;

	memset(f, 0, sizeof(*f));
	f->lro = -1;
	f->peer_netnsid = -1;
	snprintf(f->dev, sizeof(f->dev), "%s", dev ? dev : "");
	if (!uname(&u))
		snprintf(f->release, sizeof(f->release), "%s", u.release);
	if (!dev || !ifindex)
		return;
	wf_netdev_driver(dev, f->driver, sizeof(f->driver));
	ret = wf_netdev_lro(dev);
	f->lro = ret < 0 ? -1 : ret;
	ret = wf_link_get(-1, ifindex, &l);
	if (ret) {
		f->peer = ret;
		return;
	}
	snprintf(f->kind, sizeof(f->kind), "%s", l.kind);
	f->mtu = l.mtu;
	if (strcmp(l.kind, "veth"))
		return;
	ret = wf_link_peer(&l, &p);
	if (ret) {
		f->peer = ret == -ENOENT ? -ENODEV : ret;
		return;
	}
	f->peer = 1;
	snprintf(f->peer_name, sizeof(f->peer_name), "%s", p.name);
	f->peer_netnsid = l.link_netnsid;
	f->peer_xdp_drv = p.xdp_drv_id != 0;
	f->peer_mtu = p.mtu;
}

static void peer_desc(const struct wf_attach_facts *f, char *buf, size_t len)
{
	if (f->peer_netnsid >= 0)
		snprintf(buf, len, "%s (in netns id %d)", f->peer_name, f->peer_netnsid);
	else
		snprintf(buf, len, "%s", f->peer_name);
}

bool wf_attach_native_tx(const struct wf_attach_facts *f, char *why, size_t len)
{
	char peer[64];

	if (strcmp(f->kind, "veth")) {
		snprintf(why, len, "%s's driver (%s) sends XDP_TX frames itself", f->dev,
			 f->driver[0] ? f->driver : "unknown");
		return true;
	}
	if (f->peer < 0) {
		snprintf(why, len, "%s is a veth whose other end cannot be found (%s): "
			 "XDP_TX frames would go nowhere", f->dev, strerror(-f->peer));
		return false;
	}
	peer_desc(f, peer, sizeof(peer));
	if (f->peer_xdp_drv) {
		snprintf(why, len, "%s is a veth and its other end %s runs an XDP program, "
			 "so it takes XDP_TX frames", f->dev, peer);
		return true;
	}
	snprintf(why, len, "%s is a veth and its other end %s runs no XDP program: native "
		 "XDP_TX frames (one-arm NAT, both directions) would be dropped without a counter",
		 f->dev, peer);
	return false;
}

int wf_kernel_version(const char *release, int *major, int *minor)
{
	if (sscanf(release, "%d.%d", major, minor) != 2)
		return -EINVAL;
	return 0;
}

bool wf_attach_redirect_ok(const struct wf_attach_facts *f, char *why, size_t len)
{
	int maj, min;

	if (strcmp(f->driver, "hv_netvsc"))
		return true;
	if (wf_kernel_version(f->release, &maj, &min)) {
		snprintf(why, len, "cannot tell this kernel's version ('%s'); hv_netvsc before "
			 "Linux 5.19 drops every XDP_REDIRECT", f->release);
		return false;
	}
	if (maj > 5 || (maj == 5 && min >= 19))
		return true;
	snprintf(why, len, "%s's driver hv_netvsc drops every XDP_REDIRECT before Linux 5.19 "
		 "and this kernel is %s", f->dev, f->release);
	return false;
}

void wf_attach_refusal_hint(const struct wf_attach_facts *f, int err, const char *extack,
			    char *buf, size_t len)
{
	bool mtu_msg = extack && (strcasestr(extack, "mtu") != NULL);
	bool lro_msg = extack && strstr(extack, "LRO");

	buf[0] = 0;
	if (f->lro == 1 || lro_msg) {
		snprintf(buf, len, "LRO is on: turn it off with 'ethtool -K %s lro off'", f->dev);
		return;
	}
	if (mtu_msg || (!strcmp(f->driver, "hv_netvsc") && f->mtu > 3506 && err == -EOPNOTSUPP)) {
		/* hv_netvsc takes native XDP up to a page less its headroom. */
		bool veth = !strcmp(f->kind, "veth") && f->peer_name[0];

		snprintf(buf, len, "the MTU (%d) is above what %s takes with XDP%s: lower it, "
			 "e.g. 'ip link set %s mtu 1500'", veth ? f->peer_mtu : f->mtu,
			 f->driver[0] ? f->driver : "the driver",
			 !strcmp(f->driver, "hv_netvsc") ? " (about 3,500)" :
			 veth ? " (on a veth: its other end's MTU, about a page)" : "",
			 veth ? f->peer_name : f->dev);
		return;
	}
	if (err == -EOPNOTSUPP)
		snprintf(buf, len, "the driver (%s) has no native XDP",
			 f->driver[0] ? f->driver : "unknown");
}

void wf_attach_paths(int mode, unsigned int info_flags, const struct wf_attach_facts *f,
		     const char *redirect_devs, struct wf_path out[3])
{
	bool xdp = mode == WF_MODE_XDP || mode == WF_MODE_XDP_GENERIC;
	bool autom = info_flags & WF_INFO_F_REDIRECT_AUTO;
	char why[256];

	out[0] = (struct wf_path){ .kind = "local", .ok = true };
	out[1] = (struct wf_path){ .kind = "behind", .ok = true };
	out[2] = (struct wf_path){ .kind = "one-arm", .ok = true };
	if (!xdp) {
		out[0].path = out[1].path = out[2].path = "tc";
		snprintf(out[0].why, sizeof(out[0].why),
			 "rewritten at tc ingress, passed up to the VM's stack");
		snprintf(out[1].why, sizeof(out[1].why),
			 "rewritten at tc ingress; the stack routes it (tc mode never redirects)");
		snprintf(out[2].why, sizeof(out[2].why),
			 "rewritten at tc ingress, sent back out of %s with bpf_redirect "
			 "(the device's ordinary transmit path)", f->dev);
		return;
	}
	out[0].path = "xdp";
	snprintf(out[0].why, sizeof(out[0].why), "rewritten in XDP, passed up to the VM's stack");
	if (redirect_devs && *redirect_devs) {
		out[1].path = "redirect";
		snprintf(out[1].why, sizeof(out[1].why),
			 "XDP_REDIRECT to %s (%s) for targets behind them; bigger datagrams "
			 "and other targets: the stack routes them", redirect_devs,
			 autom ? "the kernel says they take XDP frames" : "named with --redirect");
	} else {
		out[1].path = "stack";
		snprintf(out[1].why, sizeof(out[1].why),
			 "rewritten in XDP, routed by the stack: %s", autom ? "no device takes XDP frames now" : "no --redirect device");
	}
	out[2].path = "xdp_tx";
	if (mode == WF_MODE_XDP_GENERIC) {
		snprintf(out[2].why, sizeof(out[2].why),
			 "generic XDP: XDP_TX leaves through %s's ordinary transmit path", f->dev);
		return;
	}
	out[2].ok = wf_attach_native_tx(f, why, sizeof(why));
	snprintf(out[2].why, sizeof(out[2].why), "native XDP: %s%s", why,
		 out[2].ok ? "" : "; reload with --mode auto, xdp-generic or tc");
}
