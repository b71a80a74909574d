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
#include <bpf/bpf.h>
#include "config.h"
#include "log.h"
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

/*
 * One walk of wf_ct for all the mappings sync took away (ct_protos[id]:
 * the protocols whose connections go; WF_P_TCP | WF_P_UDP for all), and
 * for the entries of ids no mapping has (a del killed between removing
 * the mapping and its connections; the id would be reused): *conns and
 * *stray count them.
 */
static void ct_drop(struct wf_maps *m, const struct wf_mapping *all, const __u8 *ct_protos,
		    size_t *conns, size_t *stray)
{
	struct wf_ct_entry *ct = NULL;
	size_t n = 0, i;
	__u32 id;
	int p;

	if (wf_maps_ct_dump(m, &ct, &n))
		return;
	for (i = 0; i < n; i++) {
		id = ct[i].val.id;
		/* Id 0 names no mapping: nothing of ours, left alone. */
		if (!id || id >= WF_MAX_MAPPINGS)
			continue;
		if (!all[id].in_use && !ct_protos[id]) {
			if (!wf_maps_ct_del(m, &ct[i]))
				(*stray)++;
			continue;
		}
		p = ct[i].key.proto == WF_IPPROTO_TCP ? WF_P_TCP :
		    ct[i].key.proto == WF_IPPROTO_UDP ? WF_P_UDP : 0;
		if ((ct_protos[id] & p) && !wf_maps_ct_del(m, &ct[i]))
			(*conns)++;
	}
	free(ct);
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
	free(r.idx);
	free(r.matched);
	free(r.ct_protos);
	return ret;
}
