// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Config and maps in step: the mapping lock, and the sync that makes the
 * maps hold what the config says (user/store.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/file.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/types.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "config.h"
#include "log.h"
#include "nexthop.h"
#include "parse.h"
#include "store.h"

static int lock_fd = -1;

/* The nearest directory of path that exists, opened for flock. */
static int open_dir_of(const char *path)
{
	char buf[PATH_MAX + 16], *dir;
	int fd;

	snprintf(buf, sizeof(buf), "%s", path);
	dir = dirname(buf);
	for (;;) {
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT || !strcmp(dir, "/") || !strcmp(dir, "."))
			return fd;
		dir = dirname(dir);
	}
}

int wf_store_lock(const char *config, char *err, size_t errlen)
{
	char real[PATH_MAX], path[PATH_MAX + sizeof(WF_LOCK_SUFFIX)];
	const char *target = config;
	int fd, n;

	if (lock_fd >= 0)
		return 0;
	/* The file the config really is: two spellings of it share a lock. */
	if (realpath(config, real))
		target = real;
	snprintf(path, sizeof(path), "%s" WF_LOCK_SUFFIX, target);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && (errno == EROFS || errno == EACCES || errno == EPERM))
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	/* No lock file and none can be made (a read-only directory, or a
	 * missing one): nobody can write this config, and everybody who
	 * changes the maps from it lands here and locks the same directory. */
	if (fd < 0 && (errno == EROFS || errno == EACCES || errno == EPERM || errno == ENOENT)) {
		pr_debug("wslfwd: cannot create %s (%s); locking its directory\n", path,
			 strerror(errno));
		fd = open_dir_of(path);
	}
	if (fd < 0) {
		n = -errno;
		snprintf(err, errlen, "cannot open the mapping lock %s: %s", path, strerror(-n));
		return n;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		pr_debug("wslfwd: waiting for %s: another wslfwd command is changing mappings\n",
			 path);
		while (flock(fd, LOCK_EX)) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			snprintf(err, errlen, "cannot lock %s: %s", path, strerror(-n));
			return n;
		}
	}
	lock_fd = fd;
	n = wf_config_clean_tmp(config);
	if (n)
		pr_info("wslfwd: removed %d temporary file%s of an interrupted write of %s\n", n,
			n == 1 ? "" : "s", config);
	return 0;
}

void wf_store_unlock(void)
{
	if (lock_fd < 0)
		return;
	close(lock_fd);	/* drops the flock */
	lock_fd = -1;
}

bool wf_store_locked(void)
{
	return lock_fd >= 0;
}

/* Order of mappings by their bytes past in_use: equal means the same. */
static int cmp_mapping(const void *a, const void *b)
{
	const struct wf_mapping *x = *(const struct wf_mapping *const *)a;
	const struct wf_mapping *y = *(const struct wf_mapping *const *)b;

	return memcmp(&x->protos, &y->protos, sizeof(*x) - offsetof(struct wf_mapping, protos));
}

/* The cfg entry (not yet matched) equal to mp but for protos being a
 * strict subset of mp's: what `del tcp` leaves of a `both` mapping. */
static long narrower(const struct wf_mapping *cfg, size_t n, const bool *matched,
		     const struct wf_mapping *mp)
{
	struct wf_mapping c;
	size_t i;

	for (i = 0; i < n; i++) {
		if (matched[i] || (cfg[i].protos & ~mp->protos) || cfg[i].protos == mp->protos)
			continue;
		c = cfg[i];
		c.protos = mp->protos;
		if (wf_mapping_equal(&c, mp))
			return (long)i;
	}
	return -1;
}

/* What ct_drop does with an entry of mapping @id, protocol @proto: 0
 * keep, 1 drop (a connection of what went), 2 drop (a stray). */
static int ct_fate(const struct wf_mapping *all, const __u8 *ct_protos, __u32 id, __u8 proto)
{
	int p = proto == WF_IPPROTO_TCP ? WF_P_TCP : proto == WF_IPPROTO_UDP ? WF_P_UDP : 0;

	/* Id 0 names no mapping: nothing of ours, left alone. */
	if (!id || id >= WF_MAX_MAPPINGS)
		return 0;
	if (!all[id].in_use && !ct_protos[id])
		return 2;
	return (ct_protos[id] & p) ? 1 : 0;
}

static void ct_count(int fate, int del_err, size_t *conns, size_t *stray)
{
	if (fate && !del_err)
		(*(fate == 2 ? stray : conns))++;
}

/*
 * One walk of wf_ct and one of wf_ct6 for all the mappings sync took away
 * (ct_protos[id]: the protocols whose connections go; WF_P_TCP | WF_P_UDP
 * for all), and for the entries of ids no mapping has (a del killed
 * between removing the mapping and its connections; the id would be
 * reused): *conns and *stray count them.
 */
static void ct_drop(struct wf_maps *m, const struct wf_mapping *all, const __u8 *ct_protos,
		    size_t *conns, size_t *stray)
{
	struct wf_ct6_entry *ct6 = NULL;
	struct wf_ct_entry *ct = NULL;
	size_t n = 0, i;
	int f;

	if (!wf_maps_ct_dump(m, &ct, &n)) {
		for (i = 0; i < n; i++) {
			f = ct_fate(all, ct_protos, ct[i].val.id, ct[i].key.proto);
			ct_count(f, f ? wf_maps_ct_del(m, &ct[i]) : 0, conns, stray);
		}
		free(ct);
	}
	if (!wf_maps_ct6_dump(m, &ct6, &n)) {
		for (i = 0; i < n; i++) {
			f = ct_fate(all, ct_protos, ct6[i].val.c.id, ct6[i].key.proto);
			ct_count(f, f ? wf_maps_ct6_del(m, &ct6[i]) : 0, conns, stray);
		}
		free(ct6);
	}
}

#define WF_BROKEN_MAX 64

/* One wf_store_sync: the config sorted for lookup, what of it the maps
 * hold already (matched), the protocols whose connections go, per id. */
struct sync_run {
	struct wf_maps *m;
	const struct wf_mapping *cfg;
	size_t n;
	const struct wf_mapping **idx;
	bool *matched;
	__u8 *ct_protos;
	const struct wf_mapping *all;
	struct wf_sync_stats *st;
	char *err;
	size_t errlen;
};

/* Half installed or half removed: take it out, reinstall it later if the
 * config has it (perhaps at another id: its connections go with the
 * stray ones). */
static int sync_repair(struct sync_run *r)
{
	__u32 broken[WF_BROKEN_MAX];
	size_t i, nb = 0;
	int ret;

	ret = wf_maps_repair(r->m, broken, WF_BROKEN_MAX, &nb, &r->st->stray);
	if (ret) {
		snprintf(r->err, r->errlen, "cannot check the maps: %s", strerror(-ret));
		return ret;
	}
	for (i = 0; i < nb; i++) {
		ret = wf_maps_mapping_del(r->m, broken[i], WF_P_TCP | WF_P_UDP);
		if (ret) {
			snprintf(r->err, r->errlen, "cannot remove the incomplete mapping %u: %s",
				 broken[i], strerror(-ret));
			return ret;
		}
		r->st->repaired++;
	}
	return 0;
}

/* The config sorted for bsearch, and the per-mapping bookkeeping. */
static int sync_index(struct sync_run *r)
{
	size_t i;

	r->idx = calloc(r->n ? r->n : 1, sizeof(*r->idx));
	r->matched = calloc(r->n ? r->n : 1, sizeof(*r->matched));
	r->ct_protos = calloc(WF_MAX_MAPPINGS, 1);
	if (!r->idx || !r->matched || !r->ct_protos) {
		snprintf(r->err, r->errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < r->n; i++)
		r->idx[i] = &r->cfg[i];
	qsort(r->idx, r->n, sizeof(*r->idx), cmp_mapping);
	return 0;
}

/* Mapping id of the maps, which the config lacks: removed, or narrowed
 * to the protocol the config keeps of it. */
static int sync_remove_one(struct sync_run *r, __u32 id)
{
	const struct wf_mapping *mp = &r->all[id];
	char line[512];
	long j;
	int gone, ret;

	j = narrower(r->cfg, r->n, r->matched, mp);
	gone = j >= 0 ? mp->protos & ~r->cfg[j].protos : WF_P_TCP | WF_P_UDP;
	wf_format_mapping(mp, line, sizeof(line));
	ret = wf_maps_mapping_del(r->m, id, gone);
	if (ret) {
		snprintf(r->err, r->errlen, "cannot remove '%s' (id %u) from the maps: %s", line,
			 id, strerror(-ret));
		return ret;
	}
	pr_debug("wslfwd: sync: %s '%s' (id %u)\n", j >= 0 ? "narrowed" : "removed", line, id);
	if (j >= 0) {
		r->matched[j] = true;
		r->st->narrowed++;
	} else {
		r->st->removed++;
	}
	r->ct_protos[id] = gone;
	return 0;
}

/* Every mapping of the maps: kept if the config has it, else removed. */
static int sync_remove(struct sync_run *r)
{
	const struct wf_mapping *key, **hit;
	__u32 id;
	int ret;

	for (id = 1; id < WF_MAX_MAPPINGS; id++) {
		if (!r->all[id].in_use)
			continue;
		key = &r->all[id];
		hit = r->n ? bsearch(&key, r->idx, r->n, sizeof(*r->idx), cmp_mapping) : NULL;
		if (hit && !r->matched[*hit - r->cfg]) {
			r->matched[*hit - r->cfg] = true;
			continue;
		}
		ret = sync_remove_one(r, id);
		if (ret)
			return ret;
	}
	return 0;
}

/* The config's mappings the maps lack, installed. */
static int sync_install(struct sync_run *r, wf_sync_added_fn added, void *ctx)
{
	char line[512];
	size_t i;
	__u32 id;
	int ret;

	for (i = 0; i < r->n; i++) {
		if (r->matched[i])
			continue;
		ret = wf_maps_mapping_add(r->m, &r->cfg[i], &id);
		if (ret) {
			wf_format_mapping(&r->cfg[i], line, sizeof(line));
			snprintf(r->err, r->errlen, "cannot install '%s': %s%s", line,
				 strerror(-ret), ret == -E2BIG || ret == -ENOSPC ?
				 " (the maps are full: fewer or smaller port ranges)" : "");
			return ret;
		}
		r->st->added++;
		if (added)
			added(&r->cfg[i], id, ctx);
	}
	return 0;
}

int wf_store_sync(struct wf_maps *m, const struct wf_mapping *cfg, size_t n,
		  struct wf_sync_stats *st, wf_sync_added_fn added, void *ctx, char *err,
		  size_t errlen)
{
	struct sync_run r = { .m = m, .cfg = cfg, .n = n, .st = st, .err = err,
			      .errlen = errlen };
	int ret, fret;

	memset(st, 0, sizeof(*st));
	err[0] = 0;
	wf_maps_ports_defer(m);
	ret = sync_repair(&r);
	if (!ret) {
		ret = wf_maps_mappings(m, &r.all);
		if (ret)
			snprintf(err, errlen, "cannot read wf_mappings: %s", strerror(-ret));
	}
	if (!ret)
		ret = sync_index(&r);
	if (!ret)
		ret = sync_remove(&r);
	if (!ret) {
		/* Forwarding is gone; now stop the flows already running. */
		ct_drop(m, r.all, r.ct_protos, &st->conns, &st->stray);
		ret = sync_install(&r, added, ctx);
	}
	fret = wf_maps_ports_flush(m);
	if (!ret && fret) {
		ret = fret;
		snprintf(err, errlen, "cannot write the port filter (wf_ports): %s",
			 strerror(-fret));
	}
	/* The targets' next hops (after store_added primed their
	 * neighbours); the FIB answers where this fails, so only said. */
	if (!ret) {
		fret = wf_nh_sync(m, true, NULL);
		if (fret && fret != -EOPNOTSUPP)
			pr_warn("wslfwd: cannot write the next-hop cache (wf_nh): %s\n",
				strerror(-fret));
	}
	free(r.idx);
	free(r.matched);
	free(r.ct_protos);
	return ret;
}

/* ------------------------------------------------------------ the store */

int wf_store_open_maps(struct wf_maps *m, const char *pin_dir, char *err, size_t errlen)
{
	int ret = wf_maps_open(m, pin_dir);

	if (!ret || ret == -ENOENT)
		return ret;
	if (ret == -EACCES || ret == -EPERM)
		snprintf(err, errlen, "cannot open the pins in %s: %s; run as root", pin_dir,
			 strerror(-ret));
	else if (ret == -EBADF)
		snprintf(err, errlen, "the pin dir %s is incomplete; run 'wslfwd unload', then "
			 "'wslfwd load'", pin_dir);
	else
		snprintf(err, errlen, "cannot open the pins in %s: %s", pin_dir, strerror(-ret));
	return ret;
}

void wf_store_prime(const struct wf_info *info, const struct wf_mapping *mp)
{
	__be32 dst = 0;

	if (mp->tfamily)
		return;
	if (mp->family == WF_AF_INET6) {
		if (mp->taddr_kind == WF_ADDR_LITERAL)
			wf_neigh_prime6(info->ifindex, mp->taddr);
		else if (mp->taddr_kind == WF_ADDR_HOST)
			wf_neigh_prime6(info->ifindex, info->host6);
		return;
	}
	if (mp->taddr_kind == WF_ADDR_LITERAL)
		dst = mp->taddr[0];
	else if (mp->taddr_kind == WF_ADDR_HOST)
		dst = info->host4;
	if (dst)
		wf_neigh_prime4(info->ifindex, dst);
}

int wf_store_check_laddr(const struct wf_info *info, const struct wf_mapping *mp, char *err,
			 size_t errlen)
{
	char a[64], dev[IF_NAMESIZE] = "";
	bool v6 = mp->family == WF_AF_INET6;
	int ret;

	if (mp->laddr_kind != WF_ADDR_LITERAL || wf_mapping_local_clients(mp))
		return 0;
	ret = v6 ? wf_addr_is_local6(info->ifindex, mp->laddr) :
		   wf_addr_is_local4(info->ifindex, mp->laddr[0]);
	wf_format_addr(mp->family, mp->laddr, a, sizeof(a));
	if (ret < 0) {
		snprintf(err, errlen, "cannot read the addresses of ifindex %u: %s", info->ifindex,
			 strerror(-ret));
		return ret;
	}
	if (!ret) {
		const char *name = info->ifindex && if_indextoname(info->ifindex, dev) ? dev : NULL;

		snprintf(err, errlen, "%s is not an address of %s; use %s or one of its addresses "
			 "('ip -%c addr show %s')", a, name ?: "the device", v6 ? "@vm6" : "@vm",
			 v6 ? '6' : '4', dev);
		return -EADDRNOTAVAIL;
	}
	return 0;
}

/* @vm (@vm6), and its own address written out, are one listener. */
static bool laddr_is_vm(const struct wf_mapping *m, const struct wf_info *vm)
{
	if (m->laddr_kind != WF_ADDR_LITERAL)
		return false;
	if (m->family == WF_AF_INET6)
		return (vm->vm6[0] | vm->vm6[1] | vm->vm6[2] | vm->vm6[3]) &&
		       !memcmp(m->laddr, vm->vm6, sizeof(vm->vm6));
	return vm->vm4 && m->laddr[0] == vm->vm4;
}

/* The mapping of cfg that listens where mp does, written the other way
 * (`tcp 4000` and `tcp <@vm's address>:4000`), ports overlapping. */
static const struct wf_mapping *listen_twice(const struct wf_mapping *cfg, size_t n,
					     const struct wf_mapping *mp, const struct wf_info *vm)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct wf_mapping *c = &cfg[i];

		if (!(c->protos & mp->protos) || c->lport > mp->lport_end ||
		    mp->lport > c->lport_end || c->family != mp->family)
			continue;
		if ((laddr_is_vm(c, vm) && mp->laddr_kind == WF_ADDR_VM) ||
		    (c->laddr_kind == WF_ADDR_VM && laddr_is_vm(mp, vm)))
			return c;
	}
	return NULL;
}

static int say_listen_twice(const struct wf_mapping *a, const struct wf_mapping *b,
			    const struct wf_info *vm, const char *where, char *err, size_t errlen)
{
	char la[512], lb[512], v[INET6_ADDRSTRLEN];
	bool v6 = a->family == WF_AF_INET6;

	wf_format_mapping(a, la, sizeof(la));
	wf_format_mapping(b, lb, sizeof(lb));
	if (v6)
		wf_format_addr(WF_AF_INET6, vm->vm6, v, sizeof(v));
	else if (!inet_ntop(AF_INET, &vm->vm4, v, sizeof(v)))
		snprintf(v, sizeof(v), "?");
	snprintf(err, errlen, "'%s' and '%s'%s listen on the same ports: %s is %s's address; "
		 "keep one of them", la, lb, where, v, v6 ? "@vm6" : "@vm");
	return -EADDRINUSE;
}

int wf_store_config_listen_twice(const struct wf_mapping *cfg, size_t n, int ifindex,
				 const char *config, char *err, size_t errlen)
{
	const struct wf_mapping *other;
	char where[PATH_MAX + 8];
	struct wf_info vm = {};
	size_t i;

	wf_addr_vm4(ifindex, &vm.vm4);
	wf_addr_vm6(ifindex, vm.vm6);
	for (i = 0; i < n; i++) {
		if (!laddr_is_vm(&cfg[i], &vm))
			continue;
		other = listen_twice(cfg, n, &cfg[i], &vm);
		if (other) {
			snprintf(where, sizeof(where), " in %s", config);
			return say_listen_twice(other, &cfg[i], &vm, where, err, errlen);
		}
	}
	return 0;
}

/* The config into s->cfg, every line checked when asked to. */
static int store_read_config(struct wf_store *s, bool validate, char *err, size_t errlen)
{
	char why[256];
	size_t i;
	int ret;

	ret = wf_config_read(s->config, &s->cfg, &s->n, NULL, err, errlen);
	if (ret) {
		s->refused = ret == -EINVAL;
		return ret;
	}
	s->cap = s->n;
	for (i = 0; validate && i < s->n; i++) {
		ret = wf_mapping_validate(&s->cfg[i], why, sizeof(why));
		if (ret) {
			snprintf(err, errlen, "%s: %s", s->config, why);
			s->refused = true;
			return ret;
		}
	}
	return 0;
}

int wf_store_open(struct wf_store *s, const char *config, const char *pin_dir,
		  unsigned int flags, char *err, size_t errlen)
{
	int ret = 0;

	memset(s, 0, sizeof(*s));
	s->config = config;
	s->pin_dir = pin_dir;
	err[0] = 0;
	if (flags & WF_STORE_LOCK)
		ret = wf_store_lock(config, err, errlen);
	if (!ret && (flags & WF_STORE_CONFIG))
		ret = store_read_config(s, flags & WF_STORE_VALIDATE, err, errlen);
	if (!ret) {
		ret = wf_store_open_maps(&s->m, pin_dir, err, errlen);
		s->loaded = !ret;
		if (ret == -ENOENT)
			ret = 0;
	}
	if (!ret && s->loaded) {
		ret = wf_maps_info_get(&s->m, &s->info);
		if (ret)
			snprintf(err, errlen, "cannot read wf_info in %s: %s", pin_dir,
				 strerror(-ret));
	}
	if (ret)
		wf_store_close(s);
	return ret;
}

void wf_store_close(struct wf_store *s)
{
	if (s->loaded)
		wf_maps_close(&s->m);
	s->loaded = false;
	free(s->cfg);
	s->cfg = NULL;
	s->n = s->cap = 0;
}

/* What every sync of the store does with a mapping it installs. */
struct store_sync_ctx {
	struct wf_store *s;
	const struct wf_mapping *want;	/* the mapping being added */
	__u32 id;			/* its id once installed */
};

static void store_added(const struct wf_mapping *mp, __u32 id, void *ctx)
{
	struct store_sync_ctx *c = ctx;

	wf_store_prime(&c->s->info, mp);
	if (c->want && wf_mapping_equal(mp, c->want))
		c->id = id;
	if (c->s->added)
		c->s->added(mp, id, c->s->ctx);
}

/*
 * Make the maps hold s->cfg (the config just written). A change expects to
 * install exp_added mappings and take away exp_gone; anything beyond that
 * is what an interrupted command had left, and is said.
 */
static int store_sync(struct wf_store *s, struct store_sync_ctx *c, size_t exp_added,
		      size_t exp_gone, struct wf_sync_stats *st, char *err, size_t errlen)
{
	int ret = wf_store_sync(&s->m, s->cfg, s->n, st, store_added, c, err, errlen);

	if (!ret && (st->repaired || st->stray || st->added != exp_added ||
	    st->removed + st->narrowed != exp_gone))
		pr_warn("wslfwd: the maps were not in step with %s (an interrupted command?): "
			"%zd installed, %zd removed, %zu reinstalled, %zu stray entries removed\n",
			s->config, (ssize_t)(st->added - exp_added),
			(ssize_t)(st->removed + st->narrowed - exp_gone), st->repaired, st->stray);
	return ret;
}

/* Room in s->cfg for one more mapping. */
static int store_reserve(struct wf_store *s, char *err, size_t errlen)
{
	struct wf_mapping *ncfg;

	if (s->n < s->cap)
		return 0;
	ncfg = realloc(s->cfg, (s->n + 1) * sizeof(*ncfg));
	if (!ncfg) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->cfg = ncfg;
	s->cap = s->n + 1;
	return 0;
}

/* May mp go in? *same: it is there already. Refusals name what is in the way. */
static int add_check(struct wf_store *s, const struct wf_mapping *mp, bool *same, char *err,
		     size_t errlen)
{
	const struct wf_mapping *other = NULL;
	char line[512], o[512];
	size_t i;
	int ret;

	*same = false;
	for (i = 0; i < s->n && !*same && !other; i++) {
		if (wf_mapping_equal(&s->cfg[i], mp))
			*same = true;
		else if (wf_mapping_conflicts(&s->cfg[i], mp))
			other = &s->cfg[i];
	}
	s->refused = true;
	if (other) {
		wf_format_mapping(mp, line, sizeof(line));
		wf_format_mapping(other, o, sizeof(o));
		snprintf(err, errlen, "'%s' conflicts with '%s' in %s; delete that one first", line,
			 o, s->config);
		return -EEXIST;
	}
	if (!s->loaded || *same)
		goto ok;
	other = listen_twice(s->cfg, s->n, mp, &s->info);
	if (other)
		return say_listen_twice(mp, other, &s->info, "", err, errlen);
	ret = wf_store_check_laddr(&s->info, mp, err, errlen);
	if (ret) {
		s->refused = ret == -EADDRNOTAVAIL;
		return ret;
	}
ok:
	s->refused = false;
	return 0;
}

/* wf_maps_mappings, its failure said in err. */
static int store_maps_mappings(struct wf_store *s, const struct wf_mapping **all, char *err,
			       size_t errlen)
{
	int ret = wf_maps_mappings(&s->m, all);

	if (ret)
		snprintf(err, errlen, "cannot read the maps in %s: %s", s->pin_dir, strerror(-ret));
	return ret;
}

/*
 * The first id the maps hold mp under in *id, 0 if none; listen: a mapping
 * on mp's listen side and one of its protocols, not mp itself. 0, or -errno
 * with err said.
 */
static int maps_find(struct wf_store *s, const struct wf_mapping *mp, bool listen, __u32 *id,
		     char *err, size_t errlen)
{
	const struct wf_mapping *all, *a;
	__u32 i;
	int ret;

	*id = 0;
	ret = store_maps_mappings(s, &all, err, errlen);
	for (i = 1; !ret && !*id && i < WF_MAX_MAPPINGS; i++) {
		a = &all[i];
		if (a->in_use && (listen ? wf_mapping_same_listen(a, mp) && (a->protos & mp->protos) :
				  wf_mapping_equal(a, mp)))
			*id = i;
	}
	return ret;
}

/* The id the maps hold mp under, 0 if none (or the maps cannot be read). */
static __u32 store_find(struct wf_store *s, const struct wf_mapping *mp)
{
	char err[256];
	__u32 id;

	maps_find(s, mp, false, &id, err, sizeof(err));
	return id;
}

/* The maps follow the config that now has mp; on failure the config line
 * is taken back out, and the maps back to it. */
static int add_sync(struct wf_store *s, const struct wf_mapping *mp, bool same, __u32 *id,
		    char *err, size_t errlen)
{
	struct store_sync_ctx c = { .s = s, .want = mp };
	struct wf_sync_stats st;
	char why[1024], uerr[512];
	int ret;

	ret = store_sync(s, &c, !same, 0, &st, why, sizeof(why));
	if (ret && !same) {
		s->n--;
		if (wf_config_del(s->config, mp, uerr, sizeof(uerr)) < 0)
			pr_warn("wslfwd: %s\n", uerr);
		else if (wf_store_sync(&s->m, s->cfg, s->n, &st, NULL, NULL, uerr, sizeof(uerr)))
			pr_warn("wslfwd: %s\n", uerr);
		snprintf(err, errlen, "%s; the mapping was not added", why);
		return ret;
	}
	if (ret) {
		snprintf(err, errlen, "%s", why);
		return ret;
	}
	*id = same ? store_find(s, mp) : c.id;
	return 0;
}

int wf_store_add(struct wf_store *s, const struct wf_mapping *mp, struct wf_store_result *r,
		 char *err, size_t errlen)
{
	int ret;

	memset(r, 0, sizeof(*r));
	ret = add_check(s, mp, &r->same, err, errlen);
	if (!ret && !r->same)
		ret = store_reserve(s, err, errlen);
	if (ret)
		return ret;
	if (!r->same) {
		ret = wf_config_add(s->config, mp, err, errlen);
		if (ret) {
			s->refused = ret == -EEXIST || ret == -EINVAL;
			return ret;
		}
		s->cfg[s->n++] = *mp;
	}
	if (!s->loaded)
		return 0;
	return add_sync(s, mp, r->same, &r->id, err, errlen);
}

/* The config covers every protocol of key on its listen side; if not, the
 * refusal names the mapping a port of a range belongs to. */
static int del_check(struct wf_store *s, const struct wf_mapping *key, char *err, size_t errlen)
{
	struct wf_mapping want = *key;
	char l[256], other[512], ol[256];
	size_t k;
	int covered = 0;

	for (k = 0; k < s->n; k++)
		if (wf_mapping_same_listen(&s->cfg[k], key))
			covered |= s->cfg[k].protos & key->protos;
	if (covered == key->protos)
		return 0;
	s->refused = true;
	want.protos = key->protos & ~covered;
	wf_format_listen(key, l, sizeof(l));
	/* A port inside a range: name the range to delete instead. */
	for (k = 0; k < s->n; k++) {
		if (!wf_mapping_conflicts(&s->cfg[k], &want))
			continue;
		wf_format_mapping(&s->cfg[k], other, sizeof(other));
		wf_format_listen(&s->cfg[k], ol, sizeof(ol));
		snprintf(err, errlen, "no mapping %s %s: it is part of mapping '%s'; delete that "
			 "with 'wslfwd del %s %s'", wf_proto_name(want.protos), l, other,
			 wf_proto_name(s->cfg[k].protos & want.protos), ol);
		return -ENOENT;
	}
	snprintf(err, errlen, "no mapping %s %s in %s; see 'wslfwd list'",
		 wf_proto_name(want.protos), l, s->config);
	return -ENOENT;
}

/* The edit wf_config_del made, on s->cfg: how many mappings it touched. */
static size_t del_in_memory(struct wf_store *s, const struct wf_mapping *key)
{
	size_t k, j, touched = 0;

	for (k = j = 0; k < s->n; k++) {
		if (wf_mapping_same_listen(&s->cfg[k], key) && (s->cfg[k].protos & key->protos)) {
			touched++;
			s->cfg[k].protos &= ~key->protos;
			if (!s->cfg[k].protos)
				continue;
		}
		s->cfg[j++] = s->cfg[k];
	}
	s->n = j;
	return touched;
}

/*
 * The maps follow a config that lost mappings (del, flush), exp_gone of
 * them. A failure's err says the config changed all the same (config_now:
 * what it holds) and the next command retries the maps.
 */
static int gone_sync(struct wf_store *s, size_t exp_gone, struct wf_sync_stats *st,
		     const char *config_now, char *err, size_t errlen)
{
	struct store_sync_ctx c = { .s = s };
	char why[1024];
	int ret = store_sync(s, &c, 0, exp_gone, st, why, sizeof(why));

	if (ret)
		snprintf(err, errlen, "%s (%s %s; the next wslfwd command retries the maps)", why,
			 s->config, config_now);
	return ret;
}

int wf_store_del(struct wf_store *s, const struct wf_mapping *key, struct wf_store_result *r,
		 char *err, size_t errlen)
{
	struct wf_sync_stats st = {};
	char why[1024];
	size_t touched;
	int ret;

	memset(r, 0, sizeof(*r));
	s->refused = false;
	ret = del_check(s, key, err, errlen);
	if (!ret && s->loaded)
		ret = maps_find(s, key, true, &r->id, err, errlen);
	if (ret)
		return ret;
	ret = wf_config_del(s->config, key, why, sizeof(why));
	if (ret < 0) {
		snprintf(err, errlen, "%s; the mapping was not deleted", why);
		return ret;
	}
	touched = del_in_memory(s, key);
	if (!s->loaded)
		return 0;
	ret = gone_sync(s, touched, &st, "no longer has the mapping", err, errlen);
	if (ret)
		return ret;
	r->conns = st.conns / 2;
	return 0;
}

int wf_store_flush(struct wf_store *s, struct wf_store_result *r, char *err, size_t errlen)
{
	struct wf_sync_stats st;
	size_t nk = 0, conns = 0;
	int ret;

	memset(r, 0, sizeof(*r));
	s->refused = false;
	if (s->loaded)
		nk = wf_maps_mapping_count(&s->m);
	ret = wf_config_clear(s->config, err, errlen);
	if (ret < 0)
		return ret;
	r->removed = ret;
	s->n = 0;
	if (!s->loaded)
		return 0;
	ret = gone_sync(s, nk, &st, "has no mappings now", err, errlen);
	if (ret)
		return ret;
	r->removed = st.removed;
	wf_maps_ct_delete(&s->m, WF_CT_ANY, 0, &conns);
	return 0;
}

int wf_store_reload(struct wf_store *s, struct wf_sync_stats *st, char *err, size_t errlen)
{
	struct store_sync_ctx c = { .s = s };

	return wf_store_sync(&s->m, s->cfg, s->n, st, store_added, &c, err, errlen);
}

/* The maps' mappings in use, compacted. */
static int list_maps(struct wf_store *s, struct wf_mapping *ms, __u32 *ids, size_t *n, char *err,
		     size_t errlen)
{
	const struct wf_mapping *all;
	__u32 id;
	int ret = store_maps_mappings(s, &all, err, errlen);

	for (id = 1; !ret && id < WF_MAX_MAPPINGS; id++) {
		if (!all[id].in_use)
			continue;
		if (ids)
			ids[*n] = id;
		ms[(*n)++] = all[id];
	}
	return ret;
}

int wf_store_list(struct wf_store *s, struct wf_mapping **ms, __u32 **ids, size_t *n, char *err,
		  size_t errlen)
{
	size_t max;
	int ret;

	*ms = NULL;
	*n = 0;
	if (ids)
		*ids = NULL;
	if (!s->loaded && !s->cfg) {
		ret = store_read_config(s, false, err, errlen);
		if (ret)
			return ret;
	}
	max = s->loaded ? WF_MAX_MAPPINGS : s->n + 1;
	*ms = calloc(max, sizeof(**ms));
	if (ids)
		*ids = calloc(max, sizeof(**ids));
	if (!*ms || (ids && !*ids)) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
	} else if (s->loaded) {
		ret = list_maps(s, *ms, ids ? *ids : NULL, n, err, errlen);
	} else {
		if (s->n)
			memcpy(*ms, s->cfg, s->n * sizeof(**ms));
		*n = s->n;
		ret = 0;
	}
	if (ret) {
		free(*ms);
		*ms = NULL;
		if (ids) {
			free(*ids);
			*ids = NULL;
		}
	}
	return ret;
}
