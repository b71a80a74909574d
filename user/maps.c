// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "addr.h"
#include "maps.h"
#include "netdev.h"
#include "parse.h"

#define WF_ENOTSUPP	524	/* the kernel's ENOTSUPP, not in userspace errno.h */

static int open_pin(const char *dir, const char *name, int *fd)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*fd = bpf_obj_get(path);
	if (*fd < 0) {
		*fd = -1;
		pr_debug("open %s: %s\n", path, strerror(errno));
		return -errno;
	}
	return 0;
}

int wf_maps_open(struct wf_maps *m, const char *pin_dir)
{
	struct {
		const char *name;
		int *fd;
	} tab[] = {
		{ "wf_info", &m->info },	/* first: its absence means "not loaded" */
		{ "wf_mappings", &m->mappings },
		{ "wf_fwd", &m->fwd },
		{ "wf_lo", &m->lo },
		{ "wf_ports", &m->ports },
		{ "wf_allow", &m->allow },
		{ "wf_ct", &m->ct },
		{ "wf_counters", &m->counters },
		{ "wf_stats", &m->stats },
		{ "wf_redirect", &m->redirect },
		{ "wf_brport", &m->brport },
	};
	size_t i;
	int err;

	memset(m, 0, sizeof(*m));
	m->dev_mtu = -1;
	m->ct_conf = -1;
	m->ct_new = -1;
	m->ct6 = -1;
	m->ct6_new = -1;
	m->flags = -1;
	m->nh = -1;
	for (i = 0; i < ARRAY_SIZE(tab); i++)
		*tab[i].fd = -1;
	for (i = 0; i < ARRAY_SIZE(tab); i++) {
		err = open_pin(pin_dir, tab[i].name, tab[i].fd);
		if (err) {
			/* Some maps but not all: a broken pin dir, unload cleans it. */
			if (err == -ENOENT && i)
				err = -EBADF;
			goto err;
		}
	}
	/* Optional: pins made before it existed have none (no redirect then). */
	open_pin(pin_dir, "wf_dev_mtu", &m->dev_mtu);
	/* Optional: pins of an older wslfwd have none (defaults apply). */
	err = open_pin(pin_dir, "wf_ct_conf", &m->ct_conf);
	if (err && err != -ENOENT)
		goto err;
	err = open_pin(pin_dir, "wf_ct_new", &m->ct_new);
	if (err && err != -ENOENT)
		goto err;
	/* Optional likewise: the IPv6 tables came later. */
	err = open_pin(pin_dir, "wf_ct6", &m->ct6);
	if (err && err != -ENOENT)
		goto err;
	err = open_pin(pin_dir, "wf_ct6_new", &m->ct6_new);
	if (err && err != -ENOENT)
		goto err;
	err = open_pin(pin_dir, "wf_flags", &m->flags);
	if (err && err != -ENOENT)
		goto err;
	/* Optional: the next-hop cache came later (user/nexthop.h). */
	err = open_pin(pin_dir, "wf_nh", &m->nh);
	if (err && err != -ENOENT)
		goto err;
	m->ncpus = libbpf_num_possible_cpus();
	if (m->ncpus < 0) {
		err = m->ncpus;
		goto err;
	}
	return 0;
err:
	wf_maps_close(m);
	return err;
}

void wf_maps_close(struct wf_maps *m)
{
	int *fds[] = { &m->info, &m->mappings, &m->fwd, &m->lo, &m->ports,
		       &m->allow, &m->ct, &m->counters, &m->stats, &m->redirect,
		       &m->brport, &m->dev_mtu, &m->ct_conf, &m->ct_new, &m->ct6, &m->ct6_new,
		       &m->flags, &m->nh };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	free(m->cache);
	m->cache = NULL;
}

int wf_maps_ct_conf_get(struct wf_maps *m, struct wf_ct_conf *cf)
{
	__u32 k = 0;

	memset(cf, 0, sizeof(*cf));
	if (m->ct_conf < 0)
		return 0;
	return bpf_map_lookup_elem(m->ct_conf, &k, cf) ? -errno : 0;
}

int wf_maps_ct_conf_set(struct wf_maps *m, const struct wf_ct_conf *cf)
{
	__u32 k = 0;

	if (m->ct_conf < 0)
		return -EOPNOTSUPP;
	return bpf_map_update_elem(m->ct_conf, &k, cf, BPF_ANY) ? -errno : 0;
}

int wf_maps_info_get(struct wf_maps *m, struct wf_info *info)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(m->info, &k, info) ? -errno : 0;
}

int wf_maps_info_set(struct wf_maps *m, const struct wf_info *info)
{
	__u32 k = 0;

	return bpf_map_update_elem(m->info, &k, info, BPF_ANY) ? -errno : 0;
}

/*
 * Read entries 0..n-1 of ARRAY map @fd into @vals (value size @vsize; for a
 * per-CPU map, the kernel's ncpus * round_up(size, 8)). One
 * BPF_MAP_LOOKUP_BATCH call per chunk (kernel 5.6+) instead of a syscall
 * per entry; entry by entry where the kernel lacks it.
 */
static int array_read(int fd, __u32 n, void *vals, size_t vsize)
{
	__u32 *keys, batch, cnt, done = 0, id;
	void *in = NULL;
	int err = 0;

	keys = calloc(n, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	while (done < n) {
		cnt = n - done;
		if (bpf_map_lookup_batch(fd, in, &batch, keys + done,
					 (char *)vals + (size_t)done * vsize, &cnt, NULL)) {
			err = -errno;
			done += cnt;
			break;
		}
		done += cnt;
		in = &batch;
	}
	free(keys);
	/* -ENOENT: the walk reached the end with that call. */
	if (done == n)
		return 0;
	/* Kernels before 5.6 do not know the command (-EINVAL); a map type
	 * without batch ops answers the kernel's ENOTSUPP. */
	if (done || (err != -EINVAL && err != -WF_ENOTSUPP && err != -EOPNOTSUPP))
		return err ? err : -EIO;
	for (id = 0; id < n; id++)
		if (bpf_map_lookup_elem(fd, &id, (char *)vals + (size_t)id * vsize))
			return -errno;
	return 0;
}

int wf_maps_mappings(struct wf_maps *m, const struct wf_mapping **all)
{
	int err;

	if (!m->cache) {
		m->cache = calloc(WF_MAX_MAPPINGS, sizeof(*m->cache));
		if (!m->cache)
			return -ENOMEM;
		err = array_read(m->mappings, WF_MAX_MAPPINGS, m->cache, sizeof(*m->cache));
		if (err) {
			free(m->cache);
			m->cache = NULL;
			return err;
		}
	}
	*all = m->cache;
	return 0;
}

void wf_maps_mappings_forget(struct wf_maps *m)
{
	free(m->cache);
	m->cache = NULL;
}

size_t wf_maps_mapping_count(struct wf_maps *m)
{
	const struct wf_mapping *all;
	size_t n = 0;
	__u32 id;

	if (wf_maps_mappings(m, &all))
		return 0;
	for (id = 1; id < WF_MAX_MAPPINGS; id++)
		n += all[id].in_use != 0;
	return n;
}

static int set_percpu_zero(struct wf_maps *m, int fd, __u32 key, size_t vsize)
{
	void *buf = calloc(m->ncpus, (vsize + 7) & ~7UL);
	int err = 0;

	if (!buf)
		return -ENOMEM;
	if (bpf_map_update_elem(fd, &key, buf, BPF_ANY))
		err = -errno;
	free(buf);
	return err;
}

static void fwd_key(const struct wf_mapping *mp, int proto, __u16 port, struct wf_fwd_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = mp->family;
	k->proto = proto;
	k->port = htons(port);
	if (mp->laddr_kind == WF_ADDR_LITERAL)
		memcpy(k->addr, mp->laddr, sizeof(k->addr));
}

static void fwd_val(const struct wf_mapping *mp, __u32 id, __u16 port, struct wf_fwd_val *v)
{
	memset(v, 0, sizeof(*v));
	v->id = id;
	v->taddr_kind = mp->taddr_kind;
	v->snat = mp->snat;
	v->flags = (mp->n_allow ? WF_FWD_F_ALLOW : 0) |
		   (wf_mapping_lo_target(mp) ? WF_FWD_F_LOOPBACK : 0) |
		   (mp->tfamily ? WF_FWD_F_XFAM : 0);
	v->tport = htons(mp->tport + (port - mp->lport));
	memcpy(v->taddr, mp->taddr, sizeof(v->taddr));
}

static void allow_key(const struct wf_mapping *mp, __u32 id, int i, struct wf_allow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->prefixlen = WF_ALLOW_PLEN_KEY + mp->allow[i].plen;
	k->id = id;
	k->family = mp->allow[i].family;
	memcpy(k->addr, mp->allow[i].addr, sizeof(k->addr));
}

/* Local clients' mappings live in wf_lo, where nothing from IFACE looks. */
static int fwd_map(const struct wf_maps *m, const struct wf_mapping *mp)
{
	return wf_mapping_local_clients(mp) ? m->lo : m->fwd;
}

/* Whether mp has wf_fwd entries and wf_ports bits: every mapping now (a
 * mapping between the families too: its entries say WF_FWD_F_XFAM). */
static bool fwd_installs(const struct wf_mapping *mp)
{
	(void)mp;
	return true;
}

static const int proto_bits[2] = { WF_P_TCP, WF_P_UDP };
static const int proto_nums[2] = { WF_IPPROTO_TCP, WF_IPPROTO_UDP };

/* Delete the wf_fwd entries of protos, ports lport..last (inclusive). */
static void fwd_delete(struct wf_maps *m, const struct wf_mapping *mp, int protos, __u32 last)
{
	struct wf_fwd_key k;
	__u32 p;
	int i;

	for (i = 0; i < 2 && fwd_installs(mp); i++) {
		if (!(protos & proto_bits[i]))
			continue;
		for (p = mp->lport; p <= last; p++) {
			fwd_key(mp, proto_nums[i], p, &k);
			bpf_map_delete_elem(fwd_map(m, mp), &k);
		}
	}
}

static int fwd_insert(struct wf_maps *m, const struct wf_mapping *mp, __u32 id, int protos)
{
	struct wf_fwd_key k;
	struct wf_fwd_val v;
	__u32 p;
	int i, err;

	for (i = 0; i < 2 && fwd_installs(mp); i++) {
		if (!(protos & proto_bits[i]))
			continue;
		for (p = mp->lport; p <= mp->lport_end; p++) {
			fwd_key(mp, proto_nums[i], p, &k);
			fwd_val(mp, id, p, &v);
			if (bpf_map_update_elem(fwd_map(m, mp), &k, &v, BPF_NOEXIST)) {
				err = -errno;
				pr_debug("wf_fwd insert %s port %u: %s\n",
					 i ? "udp" : "tcp", p, strerror(errno));
				/* Undo this protocol's ports so far and the earlier protocol. */
				if (p > mp->lport)
					fwd_delete(m, mp, proto_bits[i], p - 1);
				if (i == 1)
					fwd_delete(m, mp, protos & WF_P_TCP, mp->lport_end);
				return err;
			}
		}
	}
	return 0;
}

static void allow_delete(struct wf_maps *m, const struct wf_mapping *mp, __u32 id, int n)
{
	struct wf_allow_key k;
	int i;

	for (i = 0; i < n; i++) {
		allow_key(mp, id, i, &k);
		bpf_map_delete_elem(m->allow, &k);
	}
}

static int allow_insert(struct wf_maps *m, const struct wf_mapping *mp, __u32 id)
{
	struct wf_allow_key k;
	__u8 one = 1;
	int i, err;

	for (i = 0; i < mp->n_allow && i < WF_MAX_ALLOW; i++) {
		allow_key(mp, id, i, &k);
		if (bpf_map_update_elem(m->allow, &k, &one, BPF_ANY)) {
			err = -errno;
			allow_delete(m, mp, id, i);
			return err;
		}
	}
	return 0;
}

/* Write wf_ports[lo..hi] = bits[lo..hi]: one batch update (5.6+), else
 * entry by entry. */
static int ports_write(struct wf_maps *m, const __u8 *bits, __u32 lo, __u32 hi)
{
	__u32 n = hi - lo + 1, cnt = n, p, *keys;
	int err = 0;

	keys = calloc(n, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (p = lo; p <= hi; p++)
		keys[p - lo] = p;
	if (n > 1 && !bpf_map_update_batch(m->ports, keys, bits + lo, &cnt, NULL)) {
		free(keys);
		return 0;
	}
	free(keys);
	for (p = lo; p <= hi; p++) {
		if (bpf_map_update_elem(m->ports, &p, &bits[p], BPF_ANY)) {
			err = -errno;
			break;
		}
	}
	return err;
}

/* Rewrite wf_ports[lo..hi] from every live mapping. */
static int ports_recompute(struct wf_maps *m, __u32 lo, __u32 hi)
{
	const struct wf_mapping *all;
	__u8 *bits;
	__u32 id, p, a, b, tlo, thi, flags = 0, zero = 0;
	int err;

	if (hi > 65535)
		hi = 65535;
	if (lo > hi)
		return 0;
	if (m->ports_deferred) {
		if (lo < m->ports_lo)
			m->ports_lo = lo;
		if (hi > m->ports_hi)
			m->ports_hi = hi;
		return 0;
	}
	err = wf_maps_mappings(m, &all);
	if (err)
		return err;
	bits = calloc(65536, 1);
	if (!bits)
		return -ENOMEM;
	for (id = 1; id < WF_MAX_MAPPINGS; id++) {
		const struct wf_mapping *mp = &all[id];

		if (mp->in_use && mp->family == WF_AF_INET6 && mp->tfamily == WF_AF_INET)
			flags |= WF_FLAG_V6TOV4;

		/* Local clients' mappings are the socket hooks' alone. */
		if (!mp->in_use || wf_mapping_local_clients(mp) || !fwd_installs(mp))
			continue;
		a = mp->lport > lo ? mp->lport : lo;
		b = mp->lport_end < hi ? mp->lport_end : hi;
		for (p = a; p <= b; p++)
			bits[p] |= (mp->protos & WF_P_TCP ? WF_PORT_TCP_L : 0) |
				   (mp->protos & WF_P_UDP ? WF_PORT_UDP_L : 0) |
				   (mp->laddr_kind != WF_ADDR_LITERAL ? 0 :
				    (mp->protos & WF_P_TCP ? WF_PORT_TCP_A : 0) |
				    (mp->protos & WF_P_UDP ? WF_PORT_UDP_A : 0));
		tlo = mp->tport;
		thi = mp->tport + (mp->lport_end - mp->lport);
		a = tlo > lo ? tlo : lo;
		b = thi < hi ? thi : hi;
		for (p = a; p <= b; p++)
			bits[p] |= (mp->protos & WF_P_TCP ? WF_PORT_TCP_T : 0) |
				   (mp->protos & WF_P_UDP ? WF_PORT_UDP_T : 0) |
				   (mp->snat != WF_SNAT_NEVER ? 0 :
				    (mp->protos & WF_P_TCP ? WF_PORT_TCP_R : 0) |
				    (mp->protos & WF_P_UDP ? WF_PORT_UDP_R : 0));
	}
	err = ports_write(m, bits, lo, hi);
	free(bits);
	if (!err && m->flags >= 0 && bpf_map_update_elem(m->flags, &zero, &flags, BPF_ANY))
		err = -errno;
	return err;
}

void wf_maps_ports_defer(struct wf_maps *m)
{
	m->ports_deferred = true;
	m->ports_lo = 65535;
	m->ports_hi = 0;
}

int wf_maps_ports_flush(struct wf_maps *m)
{
	if (!m->ports_deferred)
		return 0;
	m->ports_deferred = false;
	return ports_recompute(m, m->ports_lo, m->ports_hi);
}

static int ports_recompute_mapping(struct wf_maps *m, const struct wf_mapping *mp)
{
	int err;

	err = ports_recompute(m, mp->lport, mp->lport_end);
	if (err)
		return err;
	return ports_recompute(m, mp->tport, (__u32)mp->tport + (mp->lport_end - mp->lport));
}

static int mapping_write(struct wf_maps *m, __u32 id, const struct wf_mapping *mp)
{
	if (bpf_map_update_elem(m->mappings, &id, mp, BPF_ANY))
		return -errno;
	m->cache[id] = *mp;
	return 0;
}

int wf_maps_mapping_add(struct wf_maps *m, const struct wf_mapping *mp, __u32 *idp)
{
	static const struct wf_mapping zero;
	const struct wf_mapping *all;
	struct wf_mapping v = *mp;
	__u32 id;
	int err;

	err = wf_maps_mappings(m, &all);
	if (err)
		return err;
	for (id = 1; id < WF_MAX_MAPPINGS && all[id].in_use; id++)
		;
	if (id == WF_MAX_MAPPINGS)
		return -ENOSPC;
	v.in_use = 1;

	err = set_percpu_zero(m, m->counters, id, sizeof(struct wf_counters));
	if (err)
		return err;
	err = allow_insert(m, &v, id);
	if (err)
		return err;
	/* The mapping is in wf_mappings before wf_fwd points at it. */
	err = mapping_write(m, id, &v);
	if (err)
		goto err_allow;
	err = fwd_insert(m, &v, id, v.protos);
	if (err)
		goto err_mapping;
	err = ports_recompute_mapping(m, &v);
	if (err)
		goto err_fwd;
	*idp = id;
	return 0;

err_fwd:
	fwd_delete(m, &v, v.protos, v.lport_end);
err_mapping:
	mapping_write(m, id, &zero);
	ports_recompute_mapping(m, &v);
err_allow:
	allow_delete(m, &v, id, v.n_allow);
	return err;
}

int wf_maps_mapping_del(struct wf_maps *m, __u32 id, int protos)
{
	static const struct wf_mapping zero;
	const struct wf_mapping *all;
	struct wf_mapping old, v;
	int err;

	if (id == 0 || id >= WF_MAX_MAPPINGS)
		return -EINVAL;
	err = wf_maps_mappings(m, &all);
	if (err)
		return err;
	if (!all[id].in_use)
		return -ENOENT;
	old = v = all[id];
	protos &= old.protos;
	/* No new connections first, then the rest. */
	fwd_delete(m, &old, protos, old.lport_end);
	v.protos &= ~protos;
	if (v.protos) {
		err = mapping_write(m, id, &v);
	} else {
		err = mapping_write(m, id, &zero);
		allow_delete(m, &old, id, old.n_allow);
	}
	if (err)
		return err;
	return ports_recompute_mapping(m, &old);
}

int wf_maps_ports_rebuild(struct wf_maps *m)
{
	return ports_recompute(m, 0, 65535);
}

/* Every key of a hash or LPM map (entries come and go only under the
 * mapping lock, so the walk is stable). *keys is malloc'd. */
static int map_keys(int fd, size_t ksize, void **keys, size_t *n)
{
	size_t cap = 0, cnt = 0;
	char *arr = NULL, *tmp;

	for (;;) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 256;
			tmp = realloc(arr, cap * ksize);
			if (!tmp) {
				free(arr);
				return -ENOMEM;
			}
			arr = tmp;
		}
		/* The previous key by index: realloc may have moved arr. */
		if (bpf_map_get_next_key(fd, cnt ? arr + (cnt - 1) * ksize : NULL,
					 arr + cnt * ksize))
			break;
		cnt++;
	}
	if (errno != ENOENT) {
		free(arr);
		return -errno;
	}
	*keys = arr;
	*n = cnt;
	return 0;
}

/* Whether wf_fwd/wf_lo entry (k, v) is one that mapping v->id installs. */
static bool fwd_owned(const struct wf_maps *m, int fd, const struct wf_fwd_key *k,
		      const struct wf_fwd_val *v)
{
	const struct wf_mapping *mp;
	struct wf_fwd_key wk;
	struct wf_fwd_val wv;
	__u16 port = ntohs(k->port);
	int i;

	if (!v->id || v->id >= WF_MAX_MAPPINGS)
		return false;
	mp = &m->cache[v->id];
	if (!mp->in_use || !fwd_installs(mp) || fwd_map(m, mp) != fd || port < mp->lport ||
	    port > mp->lport_end)
		return false;
	for (i = 0; i < 2; i++) {
		if (k->proto != proto_nums[i] || !(mp->protos & proto_bits[i]))
			continue;
		fwd_key(mp, proto_nums[i], port, &wk);
		fwd_val(mp, v->id, port, &wv);
		return !memcmp(&wk, k, sizeof(wk)) && !memcmp(&wv, v, sizeof(wv));
	}
	return false;
}

/*
 * Every entry of a hash map: BPF_MAP_LOOKUP_BATCH (5.6+), a syscall per
 * few thousand entries instead of two per entry (a 1-65535 range is 2 x
 * 65535 wf_fwd entries, and every command that changes mappings walks
 * them). *keys and *vals are malloc'd; -EOPNOTSUPP where the kernel has no
 * batch ops for the map.
 */
static int hash_dump_batch(int fd, size_t ksize, size_t vsize, void **keys, void **vals,
			   size_t *n)
{
	size_t cap = 0, cnt = 0, chunk = 4096;
	char *k = NULL, *v = NULL;
	__u64 batch[4];	/* htab's token is a bucket index; room to spare */
	bool first = true;
	__u32 got;
	int err = 0;
	void *tmp;

	for (;;) {
		if (cnt + chunk > cap) {
			cap = (cnt + chunk) * 2;
			tmp = realloc(k, cap * ksize);
			if (tmp)
				k = tmp;
			tmp = tmp ? realloc(v, cap * vsize) : NULL;
			if (tmp)
				v = tmp;
			if (!tmp) {
				err = -ENOMEM;
				break;
			}
		}
		got = chunk;
		if (bpf_map_lookup_batch(fd, first ? NULL : batch, batch, k + cnt * ksize,
					 v + cnt * vsize, &got, NULL)) {
			err = -errno;
			cnt += got;
			if (err == -ENOENT) {	/* the walk is done */
				err = 0;
				break;
			}
			if (err == -ENOSPC && chunk < 65536 && !got) {
				chunk *= 4;	/* a bucket bigger than chunk */
				continue;
			}
			break;
		}
		cnt += got;
		first = false;
	}
	if (err) {
		free(k);
		free(v);
		return err == -EINVAL || err == -WF_ENOTSUPP || err == -EOPNOTSUPP ?
		       -EOPNOTSUPP : err;
	}
	*keys = k;
	*vals = v;
	*n = cnt;
	return 0;
}

static int fwd_dump_batch(int fd, struct wf_fwd_key **keys, struct wf_fwd_val **vals, size_t *n)
{
	return hash_dump_batch(fd, sizeof(**keys), sizeof(**vals), (void **)keys, (void **)vals, n);
}

static int fwd_dump(int fd, struct wf_fwd_key **keys, struct wf_fwd_val **vals, size_t *n)
{
	struct wf_fwd_key *k = NULL;
	struct wf_fwd_val *v;
	size_t cnt = 0, i, j;
	int err;

	err = fwd_dump_batch(fd, keys, vals, n);
	if (err != -EOPNOTSUPP)
		return err;
	err = map_keys(fd, sizeof(*k), (void **)&k, &cnt);
	if (err)
		return err;
	v = calloc(cnt ? cnt : 1, sizeof(*v));
	if (!v) {
		free(k);
		return -ENOMEM;
	}
	for (i = j = 0; i < cnt; i++) {
		if (bpf_map_lookup_elem(fd, &k[i], &v[j]))
			continue;
		k[j++] = k[i];
	}
	*keys = k;
	*vals = v;
	*n = j;
	return 0;
}

static int repair_fwd(struct wf_maps *m, int fd, __u32 *have, size_t *removed)
{
	struct wf_fwd_key *keys = NULL;
	struct wf_fwd_val *vals = NULL;
	size_t n = 0, i;
	int err;

	err = fwd_dump(fd, &keys, &vals, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		if (fwd_owned(m, fd, &keys[i], &vals[i])) {
			have[vals[i].id]++;
			continue;
		}
		if (!bpf_map_delete_elem(fd, &keys[i]))
			(*removed)++;
	}
	free(keys);
	free(vals);
	return 0;
}

static int repair_allow(struct wf_maps *m, size_t *removed)
{
	struct wf_allow_key *keys = NULL, k;
	const struct wf_mapping *mp;
	size_t n = 0, i;
	int err, j;

	err = map_keys(m->allow, sizeof(*keys), (void **)&keys, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		bool ok = false;

		if (keys[i].id && keys[i].id < WF_MAX_MAPPINGS) {
			mp = &m->cache[keys[i].id];
			for (j = 0; mp->in_use && j < mp->n_allow && j < WF_MAX_ALLOW && !ok; j++) {
				allow_key(mp, keys[i].id, j, &k);
				ok = !memcmp(&k, &keys[i], sizeof(k));
			}
		}
		if (!ok && !bpf_map_delete_elem(m->allow, &keys[i]))
			(*removed)++;
	}
	free(keys);
	return 0;
}

int wf_maps_repair(struct wf_maps *m, __u32 *broken, size_t max, size_t *nbroken,
		   size_t *removed)
{
	const struct wf_mapping *all;
	__u32 *have, id, want;
	int err;

	*nbroken = 0;
	*removed = 0;
	err = wf_maps_mappings(m, &all);
	if (err)
		return err;
	have = calloc(WF_MAX_MAPPINGS, sizeof(*have));
	if (!have)
		return -ENOMEM;
	err = repair_fwd(m, m->fwd, have, removed);
	if (!err)
		err = repair_fwd(m, m->lo, have, removed);
	if (!err)
		err = repair_allow(m, removed);
	for (id = 1; !err && id < WF_MAX_MAPPINGS; id++) {
		if (!all[id].in_use)
			continue;
		want = (__u32)(all[id].lport_end - all[id].lport + 1) *
		       (!!(all[id].protos & WF_P_TCP) + !!(all[id].protos & WF_P_UDP)) *
		       fwd_installs(&all[id]);
		if (have[id] == want)
			continue;
		if (*nbroken == max) {
			err = -E2BIG;
			break;
		}
		broken[(*nbroken)++] = id;
	}
	free(have);
	if (!err)
		err = wf_maps_ports_rebuild(m);
	return err;
}

int wf_maps_ct_del(struct wf_maps *m, const struct wf_ct_entry *e)
{
	int fd = e->val.table == WF_CT_T_NEW ? m->ct_new : m->ct;

	if (fd < 0)
		return -ENOENT;
	return bpf_map_delete_elem(fd, &e->key) ? -errno : 0;
}

/* A table dumped into entries of @esz bytes (key at 0, value at @voff),
 * appended to *arr; @table goes into each value's table byte. */
struct ct_dump {
	size_t ksz, voff, esz;
	char *arr;
	size_t cap, cnt;
};

static int ct_dump_table(int fd, __u8 table, struct ct_dump *d)
{
	char key[sizeof(struct wf_ct6_key)], next[sizeof(struct wf_ct6_key)];
	void *prev = NULL;
	char *e, *tmp;

	if (fd < 0)
		return 0;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, d->ksz);
		prev = key;
		if (d->cnt == d->cap) {
			d->cap = d->cap ? d->cap * 2 : 256;
			tmp = realloc(d->arr, d->cap * d->esz);
			if (!tmp)
				return -ENOMEM;
			d->arr = tmp;
		}
		e = d->arr + d->cnt * d->esz;
		/* Gone between get_next_key and lookup (LRU, datapath): skip. */
		if (bpf_map_lookup_elem(fd, key, e + d->voff))
			continue;
		/* which table, whatever the value says (c is first in wf_ct6_val) */
		((struct wf_ct_val *)(e + d->voff))->table = table;
		memcpy(e, key, d->ksz);
		d->cnt++;
	}
	return errno == ENOENT ? 0 : -errno;
}

static int ct_dump_pair(int fd, int fd_new, struct ct_dump *d, void **out, size_t *n)
{
	int err;

	err = ct_dump_table(fd, WF_CT_T_MAIN, d);
	if (!err)
		err = ct_dump_table(fd_new, WF_CT_T_NEW, d);
	if (err) {
		free(d->arr);
		return err;
	}
	*out = d->arr;
	*n = d->cnt;
	return 0;
}

int wf_maps_ct_dump(struct wf_maps *m, struct wf_ct_entry **out, size_t *n)
{
	struct ct_dump d = { .ksz = sizeof(struct wf_ct_key),
			     .voff = offsetof(struct wf_ct_entry, val),
			     .esz = sizeof(struct wf_ct_entry) };

	return ct_dump_pair(m->ct, m->ct_new, &d, (void **)out, n);
}

int wf_maps_ct6_dump(struct wf_maps *m, struct wf_ct6_entry **out, size_t *n)
{
	struct ct_dump d = { .ksz = sizeof(struct wf_ct6_key),
			     .voff = offsetof(struct wf_ct6_entry, val),
			     .esz = sizeof(struct wf_ct6_entry) };

	*out = NULL;
	*n = 0;
	if (m->ct6 < 0)
		return 0;
	return ct_dump_pair(m->ct6, m->ct6_new, &d, (void **)out, n);
}

int wf_maps_ct6_del(struct wf_maps *m, const struct wf_ct6_entry *e)
{
	int fd = e->val.c.table == WF_CT_T_NEW ? m->ct6_new : m->ct6;

	if (fd < 0)
		return -ENOENT;
	return bpf_map_delete_elem(fd, &e->key) ? -errno : 0;
}

static bool ct_matches(const struct wf_ct_val *v, __u8 proto, __u32 id, int protos)
{
	int p = proto == WF_IPPROTO_TCP ? WF_P_TCP : proto == WF_IPPROTO_UDP ? WF_P_UDP : 0;

	return (id == WF_CT_ANY || v->id == id) && (!protos || (protos & p));
}

int wf_maps_ct_delete(struct wf_maps *m, __u32 id, int protos, size_t *deleted)
{
	struct wf_ct6_entry *arr6 = NULL;
	struct wf_ct_entry *arr;
	size_t n, n6 = 0, i, cnt = 0;
	int err;

	/* Collect first, then delete: deleting the key get_next_key stands on
	 * restarts a hash map walk from the beginning. */
	err = wf_maps_ct_dump(m, &arr, &n);
	if (err)
		return err;
	err = wf_maps_ct6_dump(m, &arr6, &n6);
	if (err) {
		free(arr);
		return err;
	}
	for (i = 0; i < n; i++)
		if (ct_matches(&arr[i].val, arr[i].key.proto, id, protos) &&
		    !wf_maps_ct_del(m, &arr[i]))
			cnt++;
	for (i = 0; i < n6; i++)
		if (ct_matches(&arr6[i].val.c, arr6[i].key.proto, id, protos) &&
		    !wf_maps_ct6_del(m, &arr6[i]))
			cnt++;
	free(arr);
	free(arr6);
	if (deleted)
		*deleted = cnt;
	return 0;
}

int wf_maps_counters(struct wf_maps *m, __u32 id, struct wf_counters *sum)
{
	struct wf_counters *v;
	int i;

	memset(sum, 0, sizeof(*sum));
	v = calloc(m->ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(m->counters, &id, v)) {
		int err = -errno;

		free(v);
		return err;
	}
	for (i = 0; i < m->ncpus; i++) {
		sum->packets[0] += v[i].packets[0];
		sum->packets[1] += v[i].packets[1];
		sum->bytes[0] += v[i].bytes[0];
		sum->bytes[1] += v[i].bytes[1];
		sum->conns += v[i].conns;
	}
	free(v);
	return 0;
}

int wf_maps_counters_all(struct wf_maps *m, struct wf_counters *sums)
{
	struct wf_counters *v;
	__u32 id;
	int i, err;

	v = calloc((size_t)WF_MAX_MAPPINGS * m->ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	err = array_read(m->counters, WF_MAX_MAPPINGS, v, m->ncpus * sizeof(*v));
	if (err) {
		free(v);
		return err;
	}
	memset(sums, 0, WF_MAX_MAPPINGS * sizeof(*sums));
	for (id = 0; id < WF_MAX_MAPPINGS; id++) {
		for (i = 0; i < m->ncpus; i++) {
			const struct wf_counters *c = &v[(size_t)id * m->ncpus + i];

			sums[id].packets[0] += c->packets[0];
			sums[id].packets[1] += c->packets[1];
			sums[id].bytes[0] += c->bytes[0];
			sums[id].bytes[1] += c->bytes[1];
			sums[id].conns += c->conns;
		}
	}
	free(v);
	return 0;
}

int wf_maps_stats(struct wf_maps *m, __u64 stats[WF_STAT_MAX])
{
	__u64 *v;
	__u32 k;
	int i;

	v = calloc(m->ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (k = 0; k < WF_STAT_MAX; k++) {
		stats[k] = 0;
		if (bpf_map_lookup_elem(m->stats, &k, v))
			continue;
		for (i = 0; i < m->ncpus; i++)
			stats[k] += v[i];
	}
	free(v);
	return 0;
}

/* The datapath redirects BEHIND traffic only to devices listed here: the
 * caller vouches that they take XDP frames (design.md "Redirect"). */
int wf_maps_redirect_add(struct wf_maps *m, __u32 ifindex)
{
	if (bpf_map_update_elem(m->redirect, &ifindex, &ifindex, BPF_ANY))
		return -errno;
	return 0;
}

/*
 * --redirect auto: wf_redirect holds exactly the devices of this namespace,
 * IFACE aside, that the kernel says take XDP frames (NDO_XMIT; a veth has
 * it only while its peer has NAPI); wf_dev_mtu sizes what each takes.
 * Entries of devices that lost it go first, so the window
 * in which the datapath may still redirect to one is this call's.
 */
struct redirect_want {
	__u32 iface;
	__u32 dev[WF_REDIRECT_DEVS];
	size_t n;
};

static void redirect_collect(__u32 ifindex, __u64 feat, void *data)
{
	struct redirect_want *w = data;

	if (ifindex == w->iface || !(feat & WF_NETDEV_XDP_ACT_NDO_XMIT) ||
	    w->n == WF_REDIRECT_DEVS)
		return;
	w->dev[w->n++] = ifindex;
}

static bool redirect_wanted(const struct redirect_want *w, __u32 ifindex)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->dev[i] == ifindex)
			return true;
	return false;
}

int wf_maps_redirect_auto_sync(struct wf_maps *m, __u32 iface, size_t *n)
{
	struct redirect_want w = { .iface = iface };
	__u32 cur[WF_REDIRECT_DEVS], val;
	size_t ncur, i;
	int err;

	*n = 0;
	err = wf_netdev_dump(redirect_collect, &w);
	if (!err)
		err = wf_maps_redirect_devs(m, cur, WF_REDIRECT_DEVS, &ncur);
	if (err)
		return err;
	for (i = 0; i < ncur; i++)
		if (!redirect_wanted(&w, cur[i]))
			bpf_map_delete_elem(m->redirect, &cur[i]);
	for (i = 0; i < w.n; i++) {
		if (!bpf_map_lookup_elem(m->redirect, &w.dev[i], &val))
			continue;
		if (bpf_map_update_elem(m->redirect, &w.dev[i], &w.dev[i], BPF_ANY))
			return -errno;
	}
	*n = w.n;
	return 0;
}

int wf_maps_redirect_devs(struct wf_maps *m, __u32 *dev, size_t max, size_t *n)
{
	__u32 key, next;
	int err;

	*n = 0;
	for (err = bpf_map_get_next_key(m->redirect, NULL, &next); !err && *n < max;
	     err = bpf_map_get_next_key(m->redirect, &key, &next)) {
		key = next;
		dev[(*n)++] = key;
	}
	return err && errno != ENOENT ? -errno : 0;
}

int wf_maps_redirect_names(struct wf_maps *m, char *buf, size_t len, size_t *n)
{
	__u32 dev[WF_REDIRECT_DEVS];
	char name[IF_NAMESIZE];
	size_t off = 0, i;
	int err;

	buf[0] = 0;
	err = wf_maps_redirect_devs(m, dev, WF_REDIRECT_DEVS, n);
	if (err)
		return err;
	for (i = 0; i < *n && off < len; i++) {
		if (!if_indextoname(dev[i], name))
			snprintf(name, sizeof(name), "#%u", dev[i]);
		off += snprintf(buf + off, len - off, "%s%s", i ? ", " : "", name);
	}
	return 0;
}

int wf_maps_dev_mtu_get(struct wf_maps *m, __u32 ifindex, __u32 *max)
{
	if (m->dev_mtu < 0)
		return -ENOENT;
	return bpf_map_lookup_elem(m->dev_mtu, &ifindex, max) ? -errno : 0;
}

int wf_maps_dev_mtu_sync(struct wf_maps *m, size_t *n)
{
	__u32 dev[WF_REDIRECT_DEVS], old[WF_REDIRECT_DEVS], key, next, val;
	size_t ndev, nold, i, j;
	int err, max;

	*n = 0;
	if (m->dev_mtu < 0)
		return 0;
	err = wf_maps_redirect_devs(m, dev, WF_REDIRECT_DEVS, &ndev);
	if (err)
		return err;
	for (i = 0; i < ndev; i++) {
		max = wf_netdev_xdp_max_len(dev[i]);
		if (max < 0) {
			bpf_map_delete_elem(m->dev_mtu, &dev[i]);
			continue;
		}
		val = max;
		if (bpf_map_update_elem(m->dev_mtu, &dev[i], &val, BPF_ANY))
			return -errno;
		(*n)++;
	}
	/* Devices no longer in wf_redirect (the datapath never asks). */
	nold = 0;
	for (err = bpf_map_get_next_key(m->dev_mtu, NULL, &next); !err && nold < WF_REDIRECT_DEVS;
	     err = bpf_map_get_next_key(m->dev_mtu, &key, &next)) {
		key = next;
		old[nold++] = key;
	}
	for (j = 0; j < nold; j++) {
		for (i = 0; i < ndev && dev[i] != old[j]; i++)
			;
		if (i == ndev)
			bpf_map_delete_elem(m->dev_mtu, &old[j]);
	}
	return 0;
}

struct brport_want {
	struct wf_brport_key k;
	__u32 port;
};

struct brport_walk {
	struct wf_maps *m;
	struct brport_want *v;
	size_t n, cap;
	int err;
};

static void brport_collect(int port, int bridge, const __u8 mac[6], void *data)
{
	struct brport_walk *w = data;
	struct brport_want *nv;
	__u32 p = port, val;

	if (w->err || bpf_map_lookup_elem(w->m->redirect, &p, &val))
		return;		/* not a port the user vouched for */
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 64;
		nv = realloc(w->v, w->cap * sizeof(*nv));
		if (!nv) {
			w->err = -ENOMEM;
			return;
		}
		w->v = nv;
	}
	memset(&w->v[w->n], 0, sizeof(w->v[w->n]));
	w->v[w->n].k.bridge = bridge;
	memcpy(w->v[w->n].k.mac, mac, 6);
	w->v[w->n].port = p;
	w->n++;
}

static bool brport_wanted(const struct brport_walk *w, const struct wf_brport_key *k)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (!memcmp(&w->v[i].k, k, sizeof(*k)))
			return true;
	return false;
}

int wf_maps_brport_sync(struct wf_maps *m, size_t *n)
{
	struct brport_walk w = { .m = m };
	struct wf_brport_key k, next, *stale = NULL;
	size_t nstale = 0, i;
	__u32 port;
	int err;

	*n = 0;
	err = wf_fdb_dump(brport_collect, &w);
	if (!err)
		err = w.err;
	if (err)
		goto out;
	/* Entries the database no longer has (MAC gone or moved) go first. */
	stale = calloc(WF_BRPORT_ENTRIES, sizeof(*stale));
	if (!stale) {
		err = -ENOMEM;
		goto out;
	}
	for (err = bpf_map_get_next_key(m->brport, NULL, &next); !err && nstale < WF_BRPORT_ENTRIES;
	     err = bpf_map_get_next_key(m->brport, &k, &next)) {
		k = next;
		if (!brport_wanted(&w, &k))
			stale[nstale++] = k;
	}
	for (i = 0; i < nstale; i++)
		bpf_map_delete_elem(m->brport, &stale[i]);
	err = 0;
	for (i = 0; i < w.n && i < WF_BRPORT_ENTRIES; i++) {
		if (!bpf_map_lookup_elem(m->brport, &w.v[i].k, &port) && port == w.v[i].port)
			continue;
		if (bpf_map_update_elem(m->brport, &w.v[i].k, &w.v[i].port, BPF_ANY)) {
			err = -errno;
			break;
		}
	}
	*n = i;
out:
	free(stale);
	free(w.v);
	return err;
}
