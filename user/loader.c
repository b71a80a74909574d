// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "wslfwd.skel.h"
#include "addr.h"
#include "attach.h"
#include "bpffs.h"
#include "loader.h"
#include "log.h"
#include "netdev.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE	71
#endif

/* tcx attach types (kernel 6.6); Debian 12's <linux/bpf.h> predates them. */
#define WF_BPF_TCX_INGRESS 46
#define WF_BPF_TCX_EGRESS 47

/* Our cls_bpf filters in the legacy path: fixed handle and priority so
 * unload finds them again from the pins alone. */
#define WF_TC_HANDLE 0x5746
#define WF_TC_PRIO 0x5746


const char *wf_mode_name(int mode)
{
	switch (mode) {
	case WF_MODE_XDP:
		return "xdp (native)";
	case WF_MODE_XDP_GENERIC:
		return "xdp (generic)";
	case WF_MODE_TC:
		return "tc";
	default:
		return "none";
	}
}

const char *wf_mode_word(int mode)
{
	switch (mode) {
	case WF_MODE_XDP:
		return "xdp";
	case WF_MODE_XDP_GENERIC:
		return "xdp-generic";
	case WF_MODE_TC:
		return "tc";
	default:
		return "none";
	}
}

static void pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static int read_info(const char *pin_dir, struct wf_info *info)
{
	char path[PATH_MAX];
	__u32 k = 0;
	int fd, err = 0;

	pin_path(path, sizeof(path), pin_dir, "wf_info");
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_map_lookup_elem(fd, &k, info))
		err = -errno;
	close(fd);
	return err;
}

int wf_loader_state(const char *pin_dir, int *ifindex)
{
	struct wf_info info;
	struct dirent *de;
	int pins = 0;
	DIR *d;

	*ifindex = 0;
	d = opendir(pin_dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			pins++;
	closedir(d);
	if (!pins)
		return 0;
	if (!read_info(pin_dir, &info))
		*ifindex = info.ifindex;
	return 1;
}

struct load_ctx {
	const struct wf_load_opts *o;
	struct wslfwd_bpf *skel;
	struct wf_info info;
	int info_fd;
	bool tc_legacy;
	unsigned int moved;	/* counter maps set aside for a new layout (maps_reuse) */
	char *err;
	size_t errlen;
};

static int info_write(struct load_ctx *c)
{
	__u32 k = 0;

	return bpf_map_update_elem(c->info_fd, &k, &c->info, BPF_ANY) ? -errno : 0;
}

/* ------------------------------------------------- reuse of pinned maps */

/* Maps that only count: a new layout (a counter added to WF_STATS) starts
 * them afresh instead of refusing the upgrade. Their indexes mean what the
 * new binary says, so copying the old values over could misfile them. */
static const char *const counter_maps[] = { "wf_stats", "wf_counters" };
#define N_COUNTER_MAPS ARRAY_SIZE(counter_maps)
#define SET_ASIDE "_old"	/* bpffs refuses names with a dot */

static int counter_map_idx(const char *name)
{
	size_t i;

	for (i = 0; i < N_COUNTER_MAPS; i++)
		if (!strcmp(name, counter_maps[i]))
			return i;
	return -1;
}

static const char *map_type_word(__u32 t)
{
	const char *s = libbpf_bpf_map_type_str(t);

	return s ? s : "?";
}

/* A new map of the layout the programs expect, where the pinned one of
 * counter map @i differs: the pin is renamed aside (the running programs
 * keep using the old map) and libbpf creates and pins the new one. */
static int counter_map_set_aside(struct load_ctx *c, struct bpf_map *map, int i)
{
	char aside[PATH_MAX + 8];

	snprintf(aside, sizeof(aside), "%s" SET_ASIDE, bpf_map__pin_path(map));
	if (rename(bpf_map__pin_path(map), aside)) {
		int e = -errno;

		snprintf(c->err, c->errlen, "cannot rename %s aside: %s",
			 bpf_map__pin_path(map), strerror(errno));
		return e;
	}
	pr_info("wslfwd: %s has a new layout; its counters start at 0\n", bpf_map__name(map));
	c->moved |= 1u << i;
	return 0;
}

/* After the programs were replaced (ok) the set-aside maps go; after a
 * failure they are put back. */
static void counter_maps_finish(struct load_ctx *c, bool ok)
{
	char path[PATH_MAX], aside[PATH_MAX + 8];
	size_t i;

	for (i = 0; i < N_COUNTER_MAPS; i++) {
		if (!(c->moved & (1u << i)))
			continue;
		pin_path(path, sizeof(path), c->o->pin_dir, counter_maps[i]);
		snprintf(aside, sizeof(aside), "%s" SET_ASIDE, path);
		if (ok)
			unlink(aside);
		else if (rename(aside, path))
			pr_warn("wslfwd: cannot put %s back: %s\n", path, strerror(errno));
	}
	c->moved = 0;
}

/* @vm6 and @host6 into @info. Many VMs have no IPv6 at all: said only
 * with -v. */
static void info_addrs6(struct wf_info *info, int ifindex)
{
	int ret = wf_addr_vm6(ifindex, info->vm6);

	if (ret)
		pr_debug("@vm6 unknown: %s\n", ret == -ENOENT ? "no usable global IPv6 address" :
			 strerror(-ret));
	ret = wf_addr_host6(ifindex, info->host6);
	if (ret)
		pr_debug("@host6 unknown: %s\n", ret == -ENOENT ? "no IPv6 default route" :
			 strerror(-ret));
}

/* The first one-arm packets to @host, @host6 find their neighbour. */
static void info_prime(const struct wf_info *info)
{
	if (info->host4)
		wf_neigh_prime4(info->ifindex, info->host4);
	wf_neigh_prime6(info->ifindex, info->host6);
}

/* The conntrack tables: their sizes are --ct-size's, kept by the pins. */
static bool is_ct_table(const char *name)
{
	return !strcmp(name, "wf_ct") || !strcmp(name, "wf_ct_new") || !strcmp(name, "wf_ct6") ||
	       !strcmp(name, "wf_ct6_new");
}

/* max_entries of pinned map @name, 0 when there is none. */
static __u32 pin_max_entries(const char *pin_dir, const char *name)
{
	struct bpf_map_info mi = {};
	__u32 milen = sizeof(mi);
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &mi, &milen))
		mi.max_entries = 0;
	close(fd);
	return mi.max_entries;
}

/* wf_ct6/wf_ct6_new sized as the pinned wf_ct/wf_ct_new (the --ct-size the
 * pins were made with): what they get when the pins have no IPv6 tables
 * yet; pinned IPv6 tables keep their own size (maps_reuse). */
static void ct6_size_as_pins(struct load_ctx *c)
{
	__u32 ct = pin_max_entries(c->o->pin_dir, "wf_ct");
	__u32 ct_new = pin_max_entries(c->o->pin_dir, "wf_ct_new");

	if (!ct)
		return;
	if (!ct_new)
		ct_new = 2 * wf_ct_new_conns(ct / 2);
	bpf_map__set_max_entries(c->skel->maps.wf_ct6, ct);
	bpf_map__set_max_entries(c->skel->maps.wf_ct6_new, ct_new);
}

/*
 * Reuse the pinned maps through bpf_map__reuse_fd after checking their
 * layout here, not through libbpf's own pin_path check: that one compares
 * map_flags too, and the kernel adds BPF_F_RDONLY_PROG to a devmap with
 * 4-byte values. libbpf up to 1.6.1 expects the flag in the definition,
 * 1.6.2 and later strip it from the pin's flags first, so no definition
 * passes both (and it is the libbpf.so at run time that decides). Type,
 * key and value size and max_entries must match (the conntrack tables'
 * sizes, wf_ct and wf_ct_new, are the pins', chosen by `load --ct-size`); a counter map with another layout is
 * made anew; any other difference refuses, naming the map. Maps this
 * binary has and the pins do not are created and pinned by libbpf; the
 * IPv6 tables of pins older than them get the sizes of the IPv4 ones.
 */
static int maps_reuse(struct load_ctx *c)
{
	struct bpf_map *map;
	int fd = -1, err = 0;

	ct6_size_as_pins(c);
	bpf_object__for_each_map(map, c->skel->obj) {
		struct bpf_map_info mi = {};
		__u32 milen = sizeof(mi);
		const char *path = bpf_map__pin_path(map), *name = bpf_map__name(map);
		int cm = counter_map_idx(name);

		if (!path)
			continue;
		fd = bpf_obj_get(path);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			err = -errno;
			snprintf(c->err, c->errlen, "cannot open pinned map %s: %s", path,
				 strerror(errno));
			return err;
		}
		if (bpf_obj_get_info_by_fd(fd, &mi, &milen)) {
			err = -errno;
			snprintf(c->err, c->errlen, "cannot read pinned map %s: %s", path,
				 strerror(errno));
			break;
		}
		if (is_ct_table(name))
			bpf_map__set_max_entries(map, mi.max_entries);
		if (mi.type != bpf_map__type(map) || mi.key_size != bpf_map__key_size(map) ||
		    mi.value_size != bpf_map__value_size(map) ||
		    mi.max_entries != bpf_map__max_entries(map)) {
			if (cm >= 0) {
				close(fd);
				fd = -1;
				err = counter_map_set_aside(c, map, cm);
				if (err)
					break;
				continue;
			}
			snprintf(c->err, c->errlen,
				 "the running datapath's map %s has another layout (%s, key %u, value %u, %u entries) than this wslfwd's (%s, key %u, value %u, %u entries): it cannot be taken over in place; 'wslfwd unload' then 'wslfwd load' starts afresh (connections are lost)",
				 name, map_type_word(mi.type), mi.key_size, mi.value_size,
				 mi.max_entries, map_type_word(bpf_map__type(map)),
				 bpf_map__key_size(map), bpf_map__value_size(map),
				 bpf_map__max_entries(map));
			err = -EPROTO;
			break;
		}
		err = bpf_map__reuse_fd(map, fd);
		if (!err)
			err = bpf_map__set_pin_path(map, NULL);	/* it is pinned: no second check */
		if (err) {
			snprintf(c->err, c->errlen, "cannot reuse pinned map %s: %s", path,
				 strerror(-err));
			break;
		}
		close(fd);
		fd = -1;
	}
	if (err) {
		if (fd >= 0)
			close(fd);
		counter_maps_finish(c, false);
	}
	return err;
}

/* Pin a link fd, then drop our reference: the pin now owns the link. */
static int link_pin(struct load_ctx *c, int link_fd, const char *name)
{
	char path[PATH_MAX];
	int err = 0;

	pin_path(path, sizeof(path), c->o->pin_dir, name);
	if (bpf_obj_pin(link_fd, path)) {
		err = -errno;
		snprintf(c->err, c->errlen, "cannot pin link at %s: %s", path, strerror(errno));
	}
	close(link_fd);	/* without a pin this detaches */
	return err;
}

/* Native XDP refused: ask the kernel why (extack through rtnetlink) and
 * append the reason and the known fix to c->err. */
static void native_refusal(struct load_ctx *c, int err)
{
	struct wf_attach_facts f;
	char msg[256], hint[256];
	size_t n = strlen(c->err);

	wf_xdp_probe_native(c->o->ifindex, bpf_program__fd(c->skel->progs.wf_xdp_ingress),
			    msg, sizeof(msg));
	wf_attach_gather(c->o->ifname, c->o->ifindex, &f);
	wf_attach_refusal_hint(&f, err, msg, hint, sizeof(hint));
	if (msg[0])
		n += snprintf(c->err + n, c->errlen > n ? c->errlen - n : 0,
			      " (the kernel says: %s)", msg);
	if (hint[0] && n < c->errlen)
		snprintf(c->err + n, c->errlen - n, "; %s", hint);
}

static int attach_xdp(struct load_ctx *c, enum wf_mode mode)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo);
	int fd, prog_fd = bpf_program__fd(c->skel->progs.wf_xdp_ingress);

	lo.flags = mode == WF_MODE_XDP ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
	fd = bpf_link_create(prog_fd, c->o->ifindex, BPF_XDP, &lo);
	if (fd < 0) {
		int e = -errno;

		snprintf(c->err, c->errlen, "cannot attach XDP (%s) to %s: %s",
			 mode == WF_MODE_XDP ? "native" : "generic", c->o->ifname,
			 strerror(errno));
		if (mode == WF_MODE_XDP && e != -EBUSY && e != -EEXIST)
			native_refusal(c, e);
		return e;
	}
	return link_pin(c, fd, WF_PIN_LINK_XDP);
}

/*
 * May native XDP be used at all? Its XDP_TX (one-arm NAT) must deliver out
 * of IFACE: not so on a veth whose other end runs no XDP program. --mode
 * auto then goes on to generic XDP (its XDP_TX takes the device's ordinary
 * transmit path); an explicit --mode xdp is refused, naming the reason and
 * the alternatives: loading it would time out every one-arm connection
 * with no counter to say why.
 */
static int native_usable(struct load_ctx *c, bool explicit)
{
	struct wf_attach_facts f;
	char why[256];

	wf_attach_gather(c->o->ifname, c->o->ifindex, &f);
	if (wf_attach_native_tx(&f, why, sizeof(why)))
		return 0;
	if (explicit) {
		snprintf(c->err, c->errlen, "--mode xdp: native XDP cannot deliver on %s: %s; use "
			 "--mode auto or xdp-generic (generic XDP sends XDP_TX through the "
			 "device's transmit path), --mode tc, or give %s an XDP program",
			 c->o->ifname, why, f.peer_name[0] ? f.peer_name : "its other end");
		return -EOPNOTSUPP;
	}
	pr_info("wslfwd: not using native XDP: %s; using generic XDP\n", why);
	c->info.flags |= WF_INFO_F_NATIVE_SKIPPED;
	return -EOPNOTSUPP;
}

static int attach_tcx(struct load_ctx *c, struct bpf_program *prog, bool ingress)
{
	int fd;

	fd = bpf_link_create(bpf_program__fd(prog), c->o->ifindex,
			     ingress ? WF_BPF_TCX_INGRESS : WF_BPF_TCX_EGRESS, NULL);
	if (fd < 0) {
		int e = -errno;

		snprintf(c->err, c->errlen, "cannot attach tcx %s to %s: %s",
			 ingress ? "ingress" : "egress", c->o->ifname, strerror(errno));
		return e;
	}
	return link_pin(c, fd, ingress ? WF_PIN_LINK_TC_IN : WF_PIN_LINK_TC_EG);
}

static int attach_clsact(struct load_ctx *c, struct bpf_program *prog, bool ingress)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = c->o->ifindex,
		    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, to, .handle = WF_TC_HANDLE, .priority = WF_TC_PRIO,
		    .prog_fd = bpf_program__fd(prog));
	const char *dir = ingress ? "ingress" : "egress";
	char path[PATH_MAX];
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		snprintf(c->err, c->errlen, "cannot create clsact qdisc on %s: %s%s",
			 c->o->ifname, strerror(-err),
			 err == -EOPNOTSUPP || err == -ENOENT ?
			 " (is the sch_ingress module available?)" : "");
		return err;
	}
	if (!err) {
		c->info.flags |= WF_INFO_F_QDISC_CREATED;
		err = info_write(c);
		if (err) {
			snprintf(c->err, c->errlen, "cannot update wf_info: %s", strerror(-err));
			return err;
		}
	}
	/* Pin the program first: it is how unload recognises our filter. */
	pin_path(path, sizeof(path), c->o->pin_dir,
		 ingress ? WF_PIN_PROG_TC_IN : WF_PIN_PROG_TC_EG);
	if (bpf_program__pin(prog, path)) {
		err = -errno;
		snprintf(c->err, c->errlen, "cannot pin program at %s: %s", path, strerror(errno));
		return err;
	}
	err = bpf_tc_attach(&hook, &to);
	if (err) {
		snprintf(c->err, c->errlen, "cannot attach cls_bpf %s filter to %s: %s%s",
			 dir, c->o->ifname, strerror(-err),
			 err == -ENOENT || err == -EOPNOTSUPP ?
			 " (is the cls_bpf module available?)" : "");
		return err;
	}
	return 0;
}

/* tc hook: tcx where the kernel has it, else clsact + cls_bpf. Both hooks
 * of one load use the same kind. */
static int attach_tc(struct load_ctx *c, struct bpf_program *prog, bool ingress)
{
	int err;

	if (!c->o->no_tcx && !c->tc_legacy) {
		err = attach_tcx(c, prog, ingress);
		if (!err) {
			c->info.flags |= WF_INFO_F_TCX;
			return info_write(c);
		}
		/* Kernels before 6.6 do not know the attach type: EINVAL
		 * (ENOTSUPP, 524, from some paths). Anything else is real. */
		if (err != -EINVAL && err != -EOPNOTSUPP && err != -524)
			return err;
		pr_debug("wslfwd: %s; falling back to clsact\n", c->err);
	}
	c->tc_legacy = true;
	return attach_clsact(c, prog, ingress);
}

static int attach_all(struct load_ctx *c)
{
	enum wf_mode want = c->o->mode;
	int err;

	c->info.flags &= ~(WF_INFO_F_NATIVE_SKIPPED | WF_INFO_F_NATIVE_REFUSED);
	if (want == WF_MODE_NONE || want == WF_MODE_XDP) {
		err = native_usable(c, want == WF_MODE_XDP);
		if (err && want == WF_MODE_XDP)
			return err;
		if (!err)
			err = attach_xdp(c, WF_MODE_XDP);
		if (!err) {
			c->info.mode = WF_MODE_XDP;
		} else if (want == WF_MODE_XDP) {
			return err;
		} else if (!(c->info.flags & WF_INFO_F_NATIVE_SKIPPED)) {
			/* The driver's reason, where auto falls back: generic
			 * XDP is slower, and the fix is often one command. */
			pr_warn("wslfwd: %s; using generic XDP\n", c->err);
			c->info.flags |= WF_INFO_F_NATIVE_REFUSED;
		}
	}
	if (!c->info.mode && (want == WF_MODE_NONE || want == WF_MODE_XDP_GENERIC)) {
		err = attach_xdp(c, WF_MODE_XDP_GENERIC);
		if (!err) {
			c->info.mode = WF_MODE_XDP_GENERIC;
		} else if (want == WF_MODE_XDP_GENERIC) {
			return err;
		} else {
			pr_warn("wslfwd: %s; using tc ingress\n", c->err);
		}
	}
	if (!c->info.mode) {
		c->info.mode = WF_MODE_TC;
		err = info_write(c);
		if (err)
			return err;
		/* mode is set before the attach so attach_tc knows ingress comes first. */
		err = attach_tc(c, c->skel->progs.wf_tc_ingress, true);
		if (err)
			return err;
	} else {
		err = info_write(c);
		if (err)
			return err;
		/* XDP cannot hand packets to loopback-only servers' sockets. */
		err = attach_tc(c, c->skel->progs.wf_tc_lo_ingress, true);
		if (err)
			return err;
	}
	return attach_tc(c, c->skel->progs.wf_tc_egress, false);
}

static const struct {
	const char *pin;
	size_t prog_off;	/* of the program's pointer in skel->progs */
} sock_hooks[] = {
	{ WF_PIN_LINK_CONNECT4, offsetof(struct wslfwd_bpf, progs.wf_sock_connect4) },
	{ WF_PIN_LINK_SENDMSG4, offsetof(struct wslfwd_bpf, progs.wf_sock_sendmsg4) },
	{ WF_PIN_LINK_RECVMSG4, offsetof(struct wslfwd_bpf, progs.wf_sock_recvmsg4) },
	{ WF_PIN_LINK_GETPEER4, offsetof(struct wslfwd_bpf, progs.wf_sock_getpeername4) },
	{ WF_PIN_LINK_CONNECT6, offsetof(struct wslfwd_bpf, progs.wf_sock_connect6) },
	{ WF_PIN_LINK_SENDMSG6, offsetof(struct wslfwd_bpf, progs.wf_sock_sendmsg6) },
	{ WF_PIN_LINK_RECVMSG6, offsetof(struct wslfwd_bpf, progs.wf_sock_recvmsg6) },
	{ WF_PIN_LINK_GETPEER6, offsetof(struct wslfwd_bpf, progs.wf_sock_getpeername6) },
};
#define N_SOCK_HOOKS ARRAY_SIZE(sock_hooks)

static struct bpf_program *sock_hook_prog(struct wslfwd_bpf *skel, size_t i)
{
	return *(struct bpf_program **)((char *)skel + sock_hooks[i].prog_off);
}

/* The socket hooks not pinned yet (all of them at a first load; at a load
 * over the pins of a version without some, those), as links on o->cgroup
 * (multi-attach: other programs on the cgroup stay and run too). */
static int attach_cgroup(struct load_ctx *c)
{
	char path[PATH_MAX];
	int cg, fd, err = 0;
	size_t i;

	cg = open(c->o->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0) {
		err = -errno;
		snprintf(c->err, c->errlen, "cannot open cgroup %s: %s (give a cgroup v2 directory with --cgroup, or --cgroup none)",
			 c->o->cgroup, strerror(errno));
		return err;
	}
	for (i = 0; i < N_SOCK_HOOKS && !err; i++) {
		struct bpf_program *prog = sock_hook_prog(c->skel, i);

		pin_path(path, sizeof(path), c->o->pin_dir, sock_hooks[i].pin);
		if (!access(path, F_OK))
			continue;
		fd = bpf_link_create(bpf_program__fd(prog), cg,
				     bpf_program__expected_attach_type(prog), NULL);
		if (fd < 0) {
			err = -errno;
			snprintf(c->err, c->errlen, "cannot attach %s to cgroup %s: %s%s",
				 bpf_program__section_name(prog), c->o->cgroup, strerror(errno),
				 errno == EBADF ? " (is it on a cgroup v2 mount?)" : "");
			break;
		}
		err = link_pin(c, fd, sock_hooks[i].pin);
	}
	close(cg);
	return err;
}

/* The network namespace the socket hooks act in: ours, which is IFACE's. */
static __u64 netns_cookie(void)
{
	__u64 cookie = 0;
	socklen_t len = sizeof(cookie);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len))
		cookie = 0;
	close(fd);
	return cookie;
}

/*
 * The cgroup v2 root among the mounts of mountinfo @f. A cgroup2 mount whose
 * root field (4th) is not "/" is a bind of a sub-cgroup (containers and
 * systemd-nspawn give these): hooks attached there would see only that
 * subtree, so it is skipped. A cgroup namespace's own root shows as "/":
 * that is the root we can see, and fine.
 */
int wf_cgroup_root_parse(FILE *f, char *buf, size_t len, char *why, size_t whylen)
{
	char line[4096], root[PATH_MAX], mnt[PATH_MAX], fstype[64];
	int ret = -ENOENT;

	if (why && whylen)
		snprintf(why, whylen, "no cgroup2 mount");
	/* id parent major:minor root mountpoint opts... - fstype source opts */
	while (fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(dash, " - %63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2)
			continue;
		if (strcmp(root, "/")) {
			if (why && whylen)
				snprintf(why, whylen, "the cgroup2 mount at %s is a bind of the "
					 "sub-cgroup %s, not the root", mnt, root);
			continue;
		}
		snprintf(buf, len, "%s", mnt);
		ret = 0;
		break;
	}
	return ret;
}

int wf_cgroup_root(char *buf, size_t len, char *why, size_t whylen)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int ret;

	if (!f) {
		ret = -errno;
		if (why && whylen)
			snprintf(why, whylen, "cannot read /proc/self/mountinfo: %s",
				 strerror(errno));
		return ret;
	}
	ret = wf_cgroup_root_parse(f, buf, len, why, whylen);
	fclose(f);
	return ret;
}

static __u64 cgroup_id_of_link(const char *path)
{
	struct bpf_link_info li = {};
	__u32 len = sizeof(li);
	__u64 id = 0;
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return 0;
	if (!bpf_obj_get_info_by_fd(fd, &li, &len) && li.type == BPF_LINK_TYPE_CGROUP)
		id = li.cgroup.cgroup_id;
	close(fd);
	return id;
}

/* A cgroup v2 directory's id is its inode number: find the one with @id. */
static int find_cgroup(const char *dir, __u64 id, char *buf, size_t len, int depth)
{
	struct dirent *de;
	struct stat st;
	char path[PATH_MAX];
	DIR *d;
	int found = 0;

	if (!stat(dir, &st) && st.st_ino == id) {
		snprintf(buf, len, "%s", dir);
		return 1;
	}
	if (depth > 8 || !(d = opendir(dir)))
		return 0;
	while (!found && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		found = find_cgroup(path, id, buf, len, depth + 1);
	}
	closedir(d);
	return found;
}

int wf_loader_cgroup(const char *pin_dir, char *buf, size_t len)
{
	char path[PATH_MAX], root[PATH_MAX];
	__u64 id;

	pin_path(path, sizeof(path), pin_dir, WF_PIN_LINK_CONNECT4);
	if (access(path, F_OK))
		return errno == ENOENT ? 0 : -errno;
	id = cgroup_id_of_link(path);
	if (!id)
		return -ENOLINK;
	if (wf_cgroup_root(root, sizeof(root), NULL, 0) || !find_cgroup(root, id, buf, len, 0))
		snprintf(buf, len, "id %llu", (unsigned long long)id);
	return 1;
}

/* The socket hooks load only when they will be attached: a kernel without
 * one of their attach types can still run the packet path. */
static void sock_hooks_autoload(struct wslfwd_bpf *skel, bool on)
{
	size_t i;

	for (i = 0; i < N_SOCK_HOOKS; i++)
		bpf_program__set_autoload(sock_hook_prog(skel, i), on);
}

/* A load that failed on a kernel without BTF: say which config it lacks
 * rather than libbpf's bare errno (it needs the kernel's types to relocate
 * the programs' accesses). true when it wrote the message. */
static bool btf_missing(char *err, size_t errlen, int ret)
{
	if (!access("/sys/kernel/btf/vmlinux", R_OK) || errno != ENOENT)
		return false;
	snprintf(err, errlen, "cannot load the BPF programs (%s): this kernel has no BTF "
		 "(/sys/kernel/btf/vmlinux is missing); wslfwd needs a kernel built with "
		 "CONFIG_DEBUG_INFO_BTF=y (WSL's own kernels have it)", strerror(-ret));
	return true;
}

/* Load-time constants: the defaults of wslfwd.h (load and re-attach alike). */
static void set_rodata(struct wslfwd_bpf *skel)
{
	skel->rodata->cfg_snat_min = WF_SNAT_PORT_MIN;
	skel->rodata->cfg_snat_max = WF_SNAT_PORT_MAX;
}

/* ---------------------------------------------------- in-place upgrade */

/* What replace_in_place changed, to put back if a later step fails. */
struct undo {
	int link_fd;		/* a link updated to the new program, or -1 */
	int old_prog;		/* the program it ran */
	int clsact;		/* 1 ingress / 2 egress cls_bpf filter replaced, or 0 */
};

/* Every step of replace_in_place takes a slot, whether or not its pin
 * exists: tc egress and ingress (a link and a cls_bpf filter each), XDP,
 * the socket hooks. */
#define N_UNDO (2 * 2 + 1 + N_SOCK_HOOKS)

static int link_prog_fd(int link_fd)
{
	struct bpf_link_info li = {};
	__u32 len = sizeof(li);

	int fd;

	if (bpf_obj_get_info_by_fd(link_fd, &li, &len))
		return -errno;
	fd = bpf_prog_get_fd_by_id(li.prog_id);
	return fd < 0 ? -errno : fd;
}

/* Swap the program behind pinned link @name for @prog: one pointer swap
 * in the kernel, no moment without a program (bpf_link_update, 5.7+). */
static int link_replace(struct load_ctx *c, const char *name, struct bpf_program *prog,
			struct undo *u)
{
	char path[PATH_MAX];
	int fd, old, err;

	pin_path(path, sizeof(path), c->o->pin_dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		err = -errno;
		snprintf(c->err, c->errlen, "cannot open link %s: %s", path, strerror(errno));
		return err;
	}
	old = link_prog_fd(fd);
	if (old < 0) {
		snprintf(c->err, c->errlen, "cannot read link %s: %s", path, strerror(-old));
		close(fd);
		return old;
	}
	if (bpf_link_update(fd, bpf_program__fd(prog), NULL)) {
		err = -errno;
		snprintf(c->err, c->errlen, "cannot replace the program of link %s: %s%s", path,
			 strerror(errno), errno == ENOLINK ? " (its device is gone)" : "");
		close(old);
		close(fd);
		return err;
	}
	u->link_fd = fd;
	u->old_prog = old;
	return 0;
}

/* `tc filter replace` of our cls_bpf filter (same handle and priority):
 * cls_bpf swaps the program under RCU, so packets see the old or the new
 * one. The pin that names the filter's program follows, by rename. */
static int clsact_replace(struct load_ctx *c, struct bpf_program *prog, bool ingress,
			  struct undo *u)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = c->o->ifindex,
		    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, to, .handle = WF_TC_HANDLE, .priority = WF_TC_PRIO,
		    .flags = BPF_TC_F_REPLACE, .prog_fd = bpf_program__fd(prog));
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	int old, err;

	pin_path(path, sizeof(path), c->o->pin_dir, ingress ? WF_PIN_PROG_TC_IN : WF_PIN_PROG_TC_EG);
	old = bpf_obj_get(path);
	if (old < 0) {
		if (errno == ENOENT)
			return 0;
		err = -errno;
		snprintf(c->err, c->errlen, "cannot open program %s: %s", path, strerror(errno));
		return err;
	}
	snprintf(tmp, sizeof(tmp), "%s_new", path);
	unlink(tmp);
	if (bpf_obj_pin(bpf_program__fd(prog), tmp)) {
		err = -errno;
		snprintf(c->err, c->errlen, "cannot pin program at %s: %s", tmp, strerror(errno));
		close(old);
		return err;
	}
	err = bpf_tc_attach(&hook, &to);
	if (err) {
		snprintf(c->err, c->errlen, "cannot replace the cls_bpf %s filter on %s: %s",
			 ingress ? "ingress" : "egress", c->o->ifname, strerror(-err));
		unlink(tmp);
		close(old);
		return err;
	}
	if (rename(tmp, path))
		pr_warn("wslfwd: cannot rename %s to %s: %s\n", tmp, path, strerror(errno));
	u->clsact = ingress ? 1 : 2;
	u->old_prog = old;
	return 0;
}

static void undo_all(struct load_ctx *c, struct undo *u, size_t n, bool restore)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (restore && u[i].link_fd >= 0 && bpf_link_update(u[i].link_fd, u[i].old_prog, NULL))
			pr_warn("wslfwd: cannot put the old program back on a link: %s\n",
				strerror(errno));
		if (restore && u[i].clsact) {
			bool in = u[i].clsact == 1;
			LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = c->o->ifindex,
				    .attach_point = in ? BPF_TC_INGRESS : BPF_TC_EGRESS);
			LIBBPF_OPTS(bpf_tc_opts, to, .handle = WF_TC_HANDLE, .priority = WF_TC_PRIO,
				    .flags = BPF_TC_F_REPLACE, .prog_fd = u[i].old_prog);
			char path[PATH_MAX], tmp[PATH_MAX + 8];

			pin_path(path, sizeof(path), c->o->pin_dir,
				 in ? WF_PIN_PROG_TC_IN : WF_PIN_PROG_TC_EG);
			snprintf(tmp, sizeof(tmp), "%s_new", path);
			if (bpf_tc_attach(&hook, &to))
				pr_warn("wslfwd: cannot put the old cls_bpf filter back\n");
			else if (!bpf_obj_pin(u[i].old_prog, tmp))
				rename(tmp, path);
		}
		if (u[i].link_fd >= 0)
			close(u[i].link_fd);
		if (u[i].old_prog >= 0)
			close(u[i].old_prog);
	}
}

static __u64 cgroup_ino(const char *dir)
{
	struct stat st;

	return stat(dir, &st) ? 0 : st.st_ino;
}

/* What a load over the running datapath cannot change in place: refused
 * before anything changes. *hooks: the socket hooks are pinned. */
static int replace_check(struct load_ctx *c, const struct wf_info *old, bool *hooks)
{
	char path[PATH_MAX], name[IF_NAMESIZE];
	__u64 hook_cg;

	if (old->ifindex != (__u32)c->o->ifindex) {
		snprintf(c->err, c->errlen,
			 "wslfwd is already loaded on %s (pins in %s); it can replace itself only there: 'wslfwd load --dev %s', or 'wslfwd unload' first",
			 if_indextoname(old->ifindex, name) ? name : "a device that is gone",
			 c->o->pin_dir, if_indextoname(old->ifindex, name) ? name : "...");
		return -EEXIST;
	}
	if (c->o->mode != WF_MODE_NONE && c->o->mode != old->mode) {
		snprintf(c->err, c->errlen,
			 "wslfwd is loaded on %s in mode %s; a load in mode %s cannot replace it in place: 'wslfwd unload' first (connections are lost), or --mode %s",
			 c->o->ifname, wf_mode_word(old->mode), wf_mode_word(c->o->mode),
			 wf_mode_word(old->mode));
		return -EEXIST;
	}
	pin_path(path, sizeof(path), c->o->pin_dir, WF_PIN_LINK_CONNECT4);
	*hooks = !access(path, F_OK);
	hook_cg = *hooks ? cgroup_id_of_link(path) : 0;
	if (*hooks && (!c->o->cgroup || cgroup_ino(c->o->cgroup) != hook_cg)) {
		char cur[PATH_MAX];

		wf_loader_cgroup(c->o->pin_dir, cur, sizeof(cur));
		snprintf(c->err, c->errlen,
			 "the running datapath's socket hooks are on cgroup %s; a load with %s%s cannot move them in place: 'wslfwd unload' first, or --cgroup %s",
			 cur, c->o->cgroup ? "--cgroup " : "--cgroup none",
			 c->o->cgroup ? c->o->cgroup : "", cur);
		return -EEXIST;
	}
	return 0;
}

/* The BPF object opened (maps pinned under the pin dir), its load-time
 * constants set, the socket hooks loaded only with a cgroup to attach to. */
static int skel_open(struct load_ctx *c)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = c->o->pin_dir);
	int ret;

	c->skel = wslfwd_bpf__open_opts(&oo);
	if (!c->skel) {
		ret = -errno;
		snprintf(c->err, c->errlen, "cannot open the BPF object: %s", strerror(errno));
		return ret;
	}
	set_rodata(c->skel);
	sock_hooks_autoload(c->skel, c->o->cgroup != NULL);
	return 0;
}

/* The new object over the pinned maps, loaded; nothing attached yet. */
static int replace_open(struct load_ctx *c)
{
	int ret;

	ret = skel_open(c);
	if (ret)
		return ret;
	ret = maps_reuse(c);
	if (ret)
		return ret;
	ret = wslfwd_bpf__load(c->skel);
	if (ret) {
		if (!btf_missing(c->err, c->errlen, ret))
			snprintf(c->err, c->errlen,
				 "cannot load the new BPF programs: %s%s; the running ones stay",
				 strerror(-ret), wf_log_get_level() < WF_LOG_DEBUG ?
				 " (run with -v for the verifier log)" : "");
		counter_maps_finish(c, false);
	}
	return ret;
}

/* Every pinned hook gets its new program; u[*n] records how to undo. */
static int replace_hooks(struct load_ctx *c, struct undo *u, size_t *n, bool hooks, bool tc_mode)
{
	struct bpf_program *in = tc_mode ? c->skel->progs.wf_tc_ingress :
					   c->skel->progs.wf_tc_lo_ingress;
	size_t i;
	int ret;

	/* Egress first: the new ingress may create flows only it knows how to
	 * translate back. */
	ret = link_replace(c, WF_PIN_LINK_TC_EG, c->skel->progs.wf_tc_egress, &u[(*n)++]);
	if (!ret)
		ret = clsact_replace(c, c->skel->progs.wf_tc_egress, false, &u[(*n)++]);
	if (!ret)
		ret = link_replace(c, WF_PIN_LINK_TC_IN, in, &u[(*n)++]);
	if (!ret)
		ret = clsact_replace(c, in, true, &u[(*n)++]);
	if (!ret && !tc_mode)
		ret = link_replace(c, WF_PIN_LINK_XDP, c->skel->progs.wf_xdp_ingress, &u[(*n)++]);
	for (i = 0; !ret && hooks && i < N_SOCK_HOOKS; i++)
		ret = link_replace(c, sock_hooks[i].pin, sock_hook_prog(c->skel, i), &u[(*n)++]);
	/* No hooks yet, or pins of a version without some (IPv6's): those are
	 * attached new; a failure later leaves them on, running the new
	 * programs over the same pinned maps. */
	if (!ret && c->o->cgroup)
		ret = attach_cgroup(c);
	return ret;
}

/*
 * `load` over a running datapath on the same device: the pinned maps are
 * reused (mappings, connections, counters kept) and every pinned hook gets
 * the new program in place. What cannot be replaced in place (another
 * device, another mode, the socket hooks on another cgroup) is refused
 * before anything changes; a failure half-way puts the old programs back.
 */
static int replace_in_place(struct load_ctx *c, const struct wf_info *old)
{
	struct undo u[N_UNDO];
	bool hooks = false;
	size_t i, n = 0;
	int ret;

	ret = replace_check(c, old, &hooks);
	if (!ret)
		ret = replace_open(c);
	if (ret)
		return ret;
	c->info_fd = bpf_map__fd(c->skel->maps.wf_info);
	c->info = *old;
	c->tc_legacy = !(old->flags & WF_INFO_F_TCX);

	for (i = 0; i < N_UNDO; i++)
		u[i] = (struct undo){ .link_fd = -1, .old_prog = -1 };
	ret = replace_hooks(c, u, &n, hooks, old->mode == WF_MODE_TC);
	if (ret) {
		char keep[512];

		snprintf(keep, sizeof(keep), "%s", c->err);
		undo_all(c, u, n, true);
		snprintf(c->err, c->errlen, "%s; the running datapath was left as it was", keep);
		counter_maps_finish(c, false);
		return ret;
	}
	undo_all(c, u, n, false);
	counter_maps_finish(c, true);
	/* The addresses, as load finds them; the rest of wf_info stays. */
	wf_addr_vm4(c->o->ifindex, &c->info.vm4);
	wf_addr_host4(c->o->ifindex, &c->info.host4);
	info_addrs6(&c->info, c->o->ifindex);
	return info_write(c);
}

static int prog_id_of(const char *path, __u32 *id)
{
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(pi);
	int fd, err = 0;

	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &pi, &len))
		err = -errno;
	close(fd);
	*id = pi.id;
	return err;
}

/* ---- another instance's datapath on the device ---- */

struct foreign {
	__u32 ids[8];		/* program ids of wslfwd programs found on IFACE */
	const char *where[8];	/* which hook */
	char names[8][BPF_OBJ_NAME_LEN];
	int n;
};

/* Is program @id one of wslfwd's (name wf_*, as in bpf/wslfwd.bpf.c)? */
static void foreign_add(struct foreign *f, __u32 id, const char *where)
{
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(pi);
	int fd;

	if (!id || f->n == 8)
		return;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &pi, &len) && !strncmp(pi.name, "wf_", 3)) {
		f->ids[f->n] = id;
		f->where[f->n] = where;
		snprintf(f->names[f->n], sizeof(f->names[0]), "%s", pi.name);
		f->n++;
	}
	close(fd);
}

/* The program id behind a pinned link or program, 0 if none. */
static __u32 pin_prog_id(const char *path)
{
	struct bpf_link_info li = {};
	__u32 len = sizeof(li), id = 0;
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return 0;
	if (!bpf_obj_get_info_by_fd(fd, &li, &len))
		id = li.prog_id;	/* a link */
	if (!id)
		prog_id_of(path, &id);	/* a program (legacy cls_bpf pins) */
	close(fd);
	return id;
}

/* A pin dir in this bpffs (one level under /sys/fs/bpf) holding one of
 * @f's programs: the owner, when it lives in our bpffs at all. */
static bool foreign_owner(const struct foreign *f, char *buf, size_t len)
{
	static const char *const pins[] = { WF_PIN_LINK_XDP, WF_PIN_LINK_TC_IN, WF_PIN_LINK_TC_EG,
					    WF_PIN_PROG_TC_IN, WF_PIN_PROG_TC_EG };
	char dir[PATH_MAX], path[PATH_MAX + 32];
	struct dirent *de;
	bool found = false;
	static const char *const root = "/sys/fs/bpf";
	DIR *d = opendir(root);
	int i, j;

	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", root, de->d_name);
		for (i = 0; i < 5 && !found; i++) {
			__u32 id;

			snprintf(path, sizeof(path), "%s/%s", dir, pins[i]);
			id = pin_prog_id(path);
			for (j = 0; j < f->n && id; j++)
				found |= f->ids[j] == id;
		}
	}
	closedir(d);
	if (found)
		snprintf(buf, len, "%s", dir);
	return found;
}

/*
 * A second instance on the same device is refused: two WSL distros share
 * one VM kernel and eth0 but not a bpffs, so our pin dir can be empty
 * while another instance's datapath runs on the device. Loading would find
 * XDP busy and stack a tc datapath behind the first, both translating. Its
 * programs are recognised by name (wf_*) on the XDP hook, the tcx chains
 * and our cls_bpf handle; the owner is named when its pins are in our
 * bpffs. -EBUSY (exit 1: the device's state, not the command's words).
 */
static int foreign_check(const struct wf_load_opts *o, char *err, size_t errlen)
{
	struct foreign f = {};
	struct wf_link l;
	char owner[PATH_MAX] = "", list[256] = "";
	size_t n = 0;
	int i;

	if (!wf_link_get(-1, o->ifindex, &l)) {
		foreign_add(&f, l.xdp_drv_id, "XDP");
		foreign_add(&f, l.xdp_skb_id, "XDP");
		if (!l.xdp_drv_id && !l.xdp_skb_id)
			foreign_add(&f, l.xdp_id, "XDP");
	}
	for (i = 0; i < 2; i++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = o->ifindex,
			    .attach_point = i ? BPF_TC_EGRESS : BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, to, .handle = WF_TC_HANDLE, .priority = WF_TC_PRIO);
		__u32 ids[16], cnt = 16, k;

		/* tcx (6.6+; older kernels refuse the query) */
		if (!bpf_prog_query(o->ifindex, i ? WF_BPF_TCX_EGRESS : WF_BPF_TCX_INGRESS, 0, NULL,
				    ids, &cnt))
			for (k = 0; k < cnt && k < 16; k++)
				foreign_add(&f, ids[k], i ? "tcx egress" : "tcx ingress");
		if (!bpf_tc_query(&hook, &to))
			foreign_add(&f, to.prog_id, i ? "tc egress" : "tc ingress");
	}
	if (!f.n)
		return 0;
	for (i = 0; i < f.n && n < sizeof(list); i++)
		n += snprintf(list + n, sizeof(list) - n, "%s%s on %s (program id %u)",
			      i ? ", " : "", f.names[i], f.where[i], f.ids[i]);
	if (foreign_owner(&f, owner, sizeof(owner)))
		snprintf(err, errlen, "%s already runs another wslfwd's datapath: %s, "
			 "pinned in %s; unload it there first ('wslfwd --pin-dir %s unload') "
			 "or use that pin dir", o->ifname, list, owner, owner);
	else
		snprintf(err, errlen, "%s already runs another wslfwd's datapath: %s, "
			 "not pinned in this bpffs: another WSL distro on this VM (each has a "
			 "/sys/fs/bpf of its own) or a tool outside it loaded it; run 'wslfwd "
			 "unload' where it was loaded%s", o->ifname, list,
			 strstr(list, "on tc ") ?
			 " (a cls_bpf filter outlives its pins; if none are left anywhere: 'tc "
			 "filter del dev IFACE ingress|egress pref 22342 handle 0x5746 bpf')" : "");
	return -EBUSY;
}

/* Pins there already: replace that datapath in place, or refuse. */
static int load_over_running(struct load_ctx *c, struct wf_info *info)
{
	const struct wf_load_opts *o = c->o;
	struct wf_info old;
	int ret;

	if (read_info(o->pin_dir, &old)) {
		snprintf(c->err, c->errlen,
			 "%s holds pins but no readable wf_info: not a datapath wslfwd can replace; run 'wslfwd unload' first",
			 o->pin_dir);
		return -EEXIST;
	}
	ret = replace_in_place(c, &old);
	wslfwd_bpf__destroy(c->skel);
	if (ret)
		return ret;
	*info = c->info;
	return WF_LOAD_REPLACED;
}

/* The pin dir, mode 0700; *made: this load created it. */
static int pin_dir_make(const char *dir, bool *made, char *err, size_t errlen)
{
	int ret;

	if (mkdir(dir, 0700)) {
		if (errno != EEXIST) {
			ret = -errno;
			snprintf(err, errlen, "cannot create pin dir %s: %s (is its parent on bpffs?)",
				 dir, strerror(errno));
			return ret;
		}
	} else {
		*made = true;
	}
	chmod(dir, 0700);
	return 0;
}

static int ct_size(struct load_ctx *c, struct bpf_map *map, __u32 entries)
{
	int ret = bpf_map__set_max_entries(map, entries);

	if (ret)
		snprintf(c->err, c->errlen, "cannot size %s: %s", bpf_map__name(map),
			 strerror(-ret));
	return ret;
}

/* The object opened, its conntrack tables sized, loaded. */
static int load_fresh(struct load_ctx *c)
{
	const struct wf_load_opts *o = c->o;
	int ret;

	ret = skel_open(c);
	if (ret)
		return ret;
	/* --ct-size connections per family; the half-open tables a quarter
	 * of them, at least WF_CT_NEW_CONNS_MIN (or all of a smaller one). */
	ret = ct_size(c, c->skel->maps.wf_ct, 2 * o->ct_conns) ?:
	      ct_size(c, c->skel->maps.wf_ct_new, 2 * wf_ct_new_conns(o->ct_conns)) ?:
	      ct_size(c, c->skel->maps.wf_ct6, 2 * o->ct_conns) ?:
	      ct_size(c, c->skel->maps.wf_ct6_new, 2 * wf_ct_new_conns(o->ct_conns));
	if (ret)
		return ret;
	ret = wslfwd_bpf__load(c->skel);
	if (ret && !btf_missing(c->err, c->errlen, ret))
		snprintf(c->err, c->errlen, "cannot load the BPF programs: %s%s", strerror(-ret),
			 wf_log_get_level() < WF_LOG_DEBUG ?
			 " (run with -v for the verifier log)" : "");
	return ret;
}

/* wf_info of a fresh load: device, netns, load time, @vm, @host. */
static void info_fill(struct load_ctx *c)
{
	const struct wf_load_opts *o = c->o;
	struct timespec ts;
	int ret;

	c->info.ifindex = o->ifindex;
	c->info.netns_cookie = netns_cookie();
	if (o->cgroup && !c->info.netns_cookie)
		pr_warn("wslfwd: this kernel cannot tell network namespaces apart (SO_NETNS_COOKIE, 5.14); "
			"the socket hooks act on every process in %s\n", o->cgroup);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	c->info.load_time_ns = (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	ret = wf_addr_vm4(o->ifindex, &c->info.vm4);
	if (ret && ret != -ENOENT)
		pr_warn("wslfwd: cannot read the addresses of %s: %s\n", o->ifname, strerror(-ret));
	else if (ret)
		pr_warn("wslfwd: %s has no IPv4 address; @vm is unknown\n", o->ifname);
	ret = wf_addr_host4(o->ifindex, &c->info.host4);
	if (ret && ret != -ENOENT)
		pr_warn("wslfwd: cannot read the routes of %s: %s\n", o->ifname, strerror(-ret));
	else if (ret)
		pr_warn("wslfwd: no IPv4 default route through %s; @host is unknown\n", o->ifname);
	info_addrs6(&c->info, o->ifindex);
}

int wf_load(const struct wf_load_opts *o, struct wf_info *info, char *err, size_t errlen)
{
	struct load_ctx c = { .o = o, .err = err, .errlen = errlen, .info_fd = -1 };
	char dummy[256];
	bool made_dir = false;
	int ret, ifindex;

	err[0] = 0;
	ret = wf_bpffs_prepare(o->pin_dir, true, err, errlen);
	if (ret)
		return ret;
	ret = wf_loader_state(o->pin_dir, &ifindex);
	if (ret < 0) {
		snprintf(err, errlen, "cannot read pin dir %s: %s", o->pin_dir, strerror(-ret));
		return ret;
	}
	if (ret > 0)
		return load_over_running(&c, info);
	ret = foreign_check(o, err, errlen);
	if (!ret)
		ret = pin_dir_make(o->pin_dir, &made_dir, err, errlen);
	if (ret)
		return ret;
	ret = load_fresh(&c);
	if (ret)
		goto fail;
	c.info_fd = bpf_map__fd(c.skel->maps.wf_info);
	info_fill(&c);
	/* wf_info goes in before any attach: unload (our rollback) reads it. */
	ret = info_write(&c);
	if (ret) {
		snprintf(err, errlen, "cannot write wf_info: %s", strerror(-ret));
		goto fail;
	}
	ret = attach_all(&c);
	if (!ret && o->cgroup)
		ret = attach_cgroup(&c);
	if (ret)
		goto fail;
	info_prime(&c.info);
	*info = c.info;
	wslfwd_bpf__destroy(c.skel);
	return 0;

fail:
	wslfwd_bpf__destroy(c.skel);
	/* One cleanup path: unload knows how to take apart whatever is pinned. */
	if (wf_unload(o->pin_dir, dummy, sizeof(dummy)) && made_dir)
		rmdir(o->pin_dir);
	return ret;
}

/* Detach our cls_bpf filter on one hook if it runs the pinned program. */
static int detach_clsact(int ifindex, bool ingress, __u32 prog_id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, to, .handle = WF_TC_HANDLE, .priority = WF_TC_PRIO);
	int err;

	err = bpf_tc_query(&hook, &to);
	if (err)
		return err;
	if (to.prog_id != prog_id)
		return -ENOENT;
	to.prog_id = 0;
	to.prog_fd = 0;
	to.flags = 0;
	return bpf_tc_detach(&hook, &to);
}

static void first_err(int *ret, int err, char *buf, size_t len, const char *fmt, const char *what)
{
	if (!err)
		return;
	pr_debug("wslfwd: unload: %s: %s\n", what, strerror(-err));
	if (*ret)
		return;
	*ret = err;
	snprintf(buf, len, fmt, what, strerror(-err));
}

/*
 * The names wslfwd pins: its maps (wf_*, LIBBPF_PIN_BY_NAME: the file is
 * the map's name, and the kernel knows the map by the same name, cut to
 * BPF_OBJ_NAME_LEN - 1), its links and programs (WF_PIN_*), the cgroup
 * note. Anything else in a pin dir belongs to someone else.
 */
static bool own_pin(const char *dir, const char *name)
{
	static const char *const fixed[] = { WF_PIN_LINK_XDP, WF_PIN_LINK_TC_IN,
					     WF_PIN_LINK_TC_EG, WF_PIN_PROG_TC_IN,
					     WF_PIN_PROG_TC_EG, WF_PIN_LINK_CONNECT4,
					     WF_PIN_LINK_SENDMSG4, WF_PIN_LINK_RECVMSG4,
					     WF_PIN_LINK_GETPEER4, WF_PIN_LINK_CONNECT6,
					     WF_PIN_LINK_SENDMSG6, WF_PIN_LINK_RECVMSG6,
					     WF_PIN_LINK_GETPEER6, WF_PIN_CGROUP };
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi);
	char path[PATH_MAX];
	bool ok;
	size_t i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		if (!strcmp(name, fixed[i]))
			return true;
	if (strncmp(name, "wf_", 3))
		return false;
	pin_path(path, sizeof(path), dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;
	ok = !bpf_obj_get_info_by_fd(fd, &mi, &len) &&
	     !strncmp(mi.name, name, sizeof(mi.name) - 1);
	close(fd);
	return ok;
}

/* wf_info as wslfwd makes it: a one-entry array of struct wf_info. */
static bool own_info(const char *pin_dir)
{
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi);
	char path[PATH_MAX];
	bool ok;
	int fd;

	pin_path(path, sizeof(path), pin_dir, "wf_info");
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;
	ok = !bpf_obj_get_info_by_fd(fd, &mi, &len) && mi.type == BPF_MAP_TYPE_ARRAY &&
	     mi.key_size == sizeof(__u32) && mi.value_size == sizeof(struct wf_info) &&
	     mi.max_entries == 1 && !strcmp(mi.name, "wf_info");
	close(fd);
	return ok;
}

int wf_loader_pin_dir_check(const char *pin_dir, char *foreign, size_t len)
{
	struct dirent *de;
	int own = 0, other = 0;
	DIR *d;

	foreign[0] = 0;
	d = opendir(pin_dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (own_pin(pin_dir, de->d_name)) {
			own++;
			continue;
		}
		if (other++ < 8) {
			if (foreign[0])
				strncat(foreign, ", ", len - strlen(foreign) - 1);
			strncat(foreign, de->d_name, len - strlen(foreign) - 1);
		} else if (other == 9) {
			strncat(foreign, ", ...", len - strlen(foreign) - 1);
		}
	}
	closedir(d);
	/* A dir with wslfwd's wf_info is ours, whatever else sits there; one
	 * without (a load that died early) only if nothing else does. */
	if (own_info(pin_dir) || (own && !other))
		return 1;
	return 0;
}

/* Every pinned link detached and unpinned. */
static void unpin_links(const char *pin_dir, int *ret, char *errbuf, size_t errlen)
{
	static const char *const links[] = { WF_PIN_LINK_XDP, WF_PIN_LINK_TC_IN, WF_PIN_LINK_TC_EG,
					     WF_PIN_LINK_CONNECT4, WF_PIN_LINK_SENDMSG4,
					     WF_PIN_LINK_RECVMSG4, WF_PIN_LINK_GETPEER4,
					     WF_PIN_LINK_CONNECT6, WF_PIN_LINK_SENDMSG6,
					     WF_PIN_LINK_RECVMSG6, WF_PIN_LINK_GETPEER6 };
	char path[PATH_MAX];
	int err, fd, i;

	for (i = 0; i < (int)ARRAY_SIZE(links); i++) {
		pin_path(path, sizeof(path), pin_dir, links[i]);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			if (errno != ENOENT)
				first_err(ret, -errno, errbuf, errlen, "cannot open link %s: %s", path);
			continue;
		}
		/* Detach explicitly: another process may hold the link open too. */
		err = bpf_link_detach(fd) ? -errno : 0;
		close(fd);
		if (err && err != -EINVAL && err != -ENOLINK)
			first_err(ret, err, errbuf, errlen, "cannot detach link %s: %s", path);
		if (unlink(path))
			first_err(ret, -errno, errbuf, errlen, "cannot remove %s: %s", path);
	}
}

/* Legacy tc: our cls_bpf filters off the device, and the clsact qdisc if
 * load created it. info NULL: no wf_info, every device is looked at. */
static void detach_filters(const char *pin_dir, const struct wf_info *info, int *ret,
			   char *errbuf, size_t errlen)
{
	static const char *const progs[] = { WF_PIN_PROG_TC_IN, WF_PIN_PROG_TC_EG };
	char path[PATH_MAX];
	int err, i;

	for (i = 0; i < 2; i++) {
		__u32 id = 0;

		pin_path(path, sizeof(path), pin_dir, progs[i]);
		if (prog_id_of(path, &id))
			continue;
		if (info && info->ifindex) {
			err = detach_clsact(info->ifindex, i == 0, id);
			if (err && err != -ENOENT && err != -ENODEV)
				first_err(ret, err, errbuf, errlen,
					  "cannot detach the cls_bpf filter of %s: %s", path);
		} else {
			/* No wf_info: look for our filter on every device. */
			struct if_nameindex *ifs = if_nameindex(), *p;

			for (p = ifs; p && p->if_index; p++)
				detach_clsact(p->if_index, i == 0, id);
			if (ifs)
				if_freenameindex(ifs);
		}
	}
	if (info && info->ifindex && (info->flags & WF_INFO_F_QDISC_CREATED)) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = info->ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

		err = bpf_tc_hook_destroy(&hook);
		if (err && err != -ENOENT && err != -ENODEV && err != -EINVAL)
			first_err(ret, err, errbuf, errlen, "cannot remove the clsact qdisc %s: %s",
				  "we created");
	}
}

/* The rest of what is ours: maps, programs, the cgroup note. Other
 * tools' pins stay, and the dir with them. */
static void remove_pins(const char *pin_dir, int *ret, char *errbuf, size_t errlen)
{
	char path[PATH_MAX];
	struct dirent *de;
	int kept = 0;
	DIR *d;

	d = opendir(pin_dir);
	if (!d) {
		if (errno != ENOENT)
			first_err(ret, -errno, errbuf, errlen, "cannot open pin dir %s: %s", pin_dir);
		return;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!own_pin(pin_dir, de->d_name)) {
			kept++;
			continue;
		}
		pin_path(path, sizeof(path), pin_dir, de->d_name);
		if (unlink(path))
			first_err(ret, -errno, errbuf, errlen, "cannot remove %s: %s", path);
	}
	closedir(d);
	if (kept)
		pr_warn("wslfwd: kept %s and %d pin%s in it that wslfwd did not make\n", pin_dir,
			kept, kept == 1 ? "" : "s");
	else if (rmdir(pin_dir))
		first_err(ret, -errno, errbuf, errlen, "cannot remove pin dir %s: %s", pin_dir);
}

int wf_unload(const char *pin_dir, char *errbuf, size_t errlen)
{
	struct wf_info info = {};
	bool have_info;
	int ret = 0;

	errbuf[0] = 0;
	have_info = !read_info(pin_dir, &info);
	unpin_links(pin_dir, &ret, errbuf, errlen);
	detach_filters(pin_dir, have_info ? &info : NULL, &ret, errbuf, errlen);
	remove_pins(pin_dir, &ret, errbuf, errlen);
	return ret;
}

/* Unpin (and detach, where still attached) the links and tc programs of a
 * load; the maps stay. Used when the device went away: its links died
 * with it and only their pins are left. */
static void drop_attachments(const char *pin_dir, int ifindex)
{
	static const char *const links[] = { WF_PIN_LINK_XDP, WF_PIN_LINK_TC_IN, WF_PIN_LINK_TC_EG };
	static const char *const progs[] = { WF_PIN_PROG_TC_IN, WF_PIN_PROG_TC_EG };
	char path[PATH_MAX];
	int i, fd;

	for (i = 0; i < 3; i++) {
		pin_path(path, sizeof(path), pin_dir, links[i]);
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			bpf_link_detach(fd);
			close(fd);
		}
		unlink(path);
	}
	for (i = 0; i < 2; i++) {
		__u32 id = 0;

		pin_path(path, sizeof(path), pin_dir, progs[i]);
		if (!prog_id_of(path, &id) && ifindex)
			detach_clsact(ifindex, i == 0, id);
		unlink(path);
	}
}

int wf_reattach(const char *pin_dir, const char *ifname, int ifindex, struct wf_info *info,
		char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = pin_dir);
	struct wf_load_opts o = { .pin_dir = pin_dir, .ifname = ifname, .ifindex = ifindex };
	struct load_ctx c = { .o = &o, .err = err, .errlen = errlen, .info_fd = -1 };
	struct wf_info old;
	int ret;

	err[0] = 0;
	ret = read_info(pin_dir, &old);
	if (ret) {
		snprintf(err, errlen, "cannot read wf_info in %s: %s", pin_dir, strerror(-ret));
		return ret;
	}
	drop_attachments(pin_dir, old.ifindex);

	c.skel = wslfwd_bpf__open_opts(&oo);
	if (!c.skel) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		return ret;
	}
	set_rodata(c.skel);
	/* The socket hooks do not depend on the device: theirs stay. */
	sock_hooks_autoload(c.skel, false);
	ret = maps_reuse(&c);
	if (ret)
		goto out;
	ret = wslfwd_bpf__load(c.skel);
	if (ret) {
		if (!btf_missing(err, errlen, ret))
			snprintf(err, errlen, "cannot load the BPF programs over the pinned maps: %s",
				 strerror(-ret));
		goto out;
	}
	c.info_fd = bpf_map__fd(c.skel->maps.wf_info);
	c.info = old;
	c.info.ifindex = ifindex;
	c.info.mode = WF_MODE_NONE;
	/* What load chose stays; what attaching finds out is found again. */
	c.info.flags = old.flags & (WF_INFO_F_REDIRECT_AUTO | WF_INFO_F_PORTS_RESERVED);
	wf_addr_vm4(ifindex, &c.info.vm4);
	wf_addr_host4(ifindex, &c.info.host4);
	info_addrs6(&c.info, ifindex);
	ret = info_write(&c);
	if (ret) {
		snprintf(err, errlen, "cannot write wf_info: %s", strerror(-ret));
		goto out;
	}
	/* The mode it had, the same tc kind; if the new device refuses, auto. */
	o.mode = old.mode;
	o.no_tcx = !(old.flags & WF_INFO_F_TCX);
	ret = attach_all(&c);
	if (ret && o.mode != WF_MODE_NONE) {
		pr_warn("wslfwd: re-attach in mode %s failed: %s; trying auto\n",
			wf_mode_word(o.mode), err);
		drop_attachments(pin_dir, ifindex);
		o.mode = WF_MODE_NONE;
		c.info.mode = WF_MODE_NONE;
		c.info.flags = old.flags & (WF_INFO_F_REDIRECT_AUTO | WF_INFO_F_PORTS_RESERVED);
		c.tc_legacy = false;
		ret = attach_all(&c);
	}
	if (ret) {
		drop_attachments(pin_dir, ifindex);
		goto out;
	}
	info_prime(&c.info);
	*info = c.info;
out:
	counter_maps_finish(&c, !ret);
	wslfwd_bpf__destroy(c.skel);
	return ret;
}
