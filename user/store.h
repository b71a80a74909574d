/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The mappings live twice: in the config file (what survives a reboot) and
 * in the pinned maps (what forwards). Every command that changes them holds
 * the mapping lock, writes the config first (atomically), then makes the
 * maps hold what the config says (wf_store_sync). A command killed at any
 * point leaves a config that is whole, and maps that the next command or
 * `load` brings back in step. See docs/design.md "Mapping lock and order".
 */
#ifndef WF_STORE_H
#define WF_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "maps.h"
#include "wslfwd.h"

/* The lock file of a config: "<config>.lock" next to it. */
#define WF_LOCK_SUFFIX ".lock"

/*
 * Take the mapping lock of config (flock LOCK_EX, waits for the holder).
 * "<config>.lock" is created next to the config (mode 0600) and opened
 * read-only where it cannot be created; in a directory where it neither
 * exists nor can be created (read-only), the directory itself is locked.
 * Held until wf_store_unlock() or exit (the kernel drops it when the
 * holder dies: a killed command never leaves it held). Taking it again
 * while held is a no-op. With it held, temp files of killed writers are
 * removed. 0 or -errno with err set.
 */
int wf_store_lock(const char *config, char *err, size_t errlen);
void wf_store_unlock(void);
bool wf_store_locked(void);

struct wf_sync_stats {
	size_t added;		/* mappings installed */
	size_t removed;		/* mappings removed (with their connections) */
	size_t narrowed;	/* a protocol taken from a `both` mapping */
	size_t repaired;	/* half-installed mappings reinstalled */
	size_t stray;		/* map and connection entries of no mapping, removed */
	size_t conns;		/* connection entries removed */
};

/* Called for every mapping wf_store_sync installs. */
typedef void (*wf_sync_added_fn)(const struct wf_mapping *mp, __u32 id, void *ctx);

/*
 * Make the maps hold exactly the n mappings of cfg: repair what a killed
 * command left (wf_maps_repair), remove mappings cfg lacks (and their
 * connections; a `both` mapping cfg keeps one protocol of is narrowed in
 * place, keeping its id and the other protocol's connections), install the
 * ones the maps lack. Mappings in both are left alone: id, counters and
 * connections kept. 0, or -errno with err naming what failed (the maps
 * then hold part of the change; running it again completes it).
 */
int wf_store_sync(struct wf_maps *m, const struct wf_mapping *cfg, size_t n,
		  struct wf_sync_stats *st, wf_sync_added_fn added, void *ctx, char *err,
		  size_t errlen);

/* ------------------------------------------------------------ the store */

/*
 * "The mappings" as one thing: the config file alone when nothing is
 * loaded, the config and the pinned maps when loaded. Every change goes
 * through here: config first, then the maps follow it (wf_store_sync), the
 * neighbour of each installed target primed, the connections of a deleted
 * mapping removed (by the sync). Errors are -errno with err set; refused
 * says whether the input was refused (exit 2) rather than a failure (1).
 */
struct wf_store {
	const char *config;
	const char *pin_dir;
	bool loaded;			/* the pinned maps are open: changes go there too */
	struct wf_maps m;
	struct wf_info info;		/* loaded: the device, @vm, @host */
	struct wf_mapping *cfg;		/* WF_STORE_CONFIG: the config, kept in step */
	size_t n, cap;
	bool refused;			/* the last error refuses the input */
	wf_sync_added_fn added;		/* told of every mapping a sync installs too */
	void *ctx;
};

enum wf_store_flags {
	WF_STORE_LOCK = 1 << 0,		/* a change follows: the mapping lock first */
	WF_STORE_CONFIG = 1 << 1,	/* read the config into cfg */
	WF_STORE_VALIDATE = 1 << 2,	/* and refuse a line wf_mapping_validate refuses */
};

/* What a change did. */
struct wf_store_result {
	bool same;		/* add: that very mapping was there already */
	__u32 id;		/* loaded: add: its id; del: the first id of the listen side */
	size_t conns;		/* del: connections removed */
	size_t removed;		/* flush: mappings removed */
};

int wf_store_open(struct wf_store *s, const char *config, const char *pin_dir,
		  unsigned int flags, char *err, size_t errlen);
void wf_store_close(struct wf_store *s);

/* A parsed, validated mapping into the config and the maps (needs LOCK and
 * CONFIG). The very same mapping again is a success that changes nothing;
 * another one on the listener is refused. */
int wf_store_add(struct wf_store *s, const struct wf_mapping *mp, struct wf_store_result *r,
		 char *err, size_t errlen);
/* The listen side key (protos, laddr, ports) out of the config and the
 * maps, with its connections (needs LOCK and CONFIG). */
int wf_store_del(struct wf_store *s, const struct wf_mapping *key, struct wf_store_result *r,
		 char *err, size_t errlen);
/* Every mapping out of the config and the maps (needs LOCK). */
int wf_store_flush(struct wf_store *s, struct wf_store_result *r, char *err, size_t errlen);
/* Make the maps hold what the config says (loaded, LOCK and CONFIG). */
int wf_store_reload(struct wf_store *s, struct wf_sync_stats *st, char *err, size_t errlen);
/*
 * The mappings in force: the maps' when loaded, else the config's. *ms
 * (malloc'd) holds the n in use; *ids (if asked for) their ids, 0 when
 * from the config.
 */
int wf_store_list(struct wf_store *s, struct wf_mapping **ms, __u32 **ids, size_t *n, char *err,
		  size_t errlen);

/* The pinned maps of pin_dir: 0, -ENOENT not loaded (err not set), or
 * -errno with err saying what to do. */
int wf_store_open_maps(struct wf_maps *m, const char *pin_dir, char *err, size_t errlen);
/* Prime the neighbour a one-arm target will need (literal IPv4 or @host). */
void wf_store_prime(const struct wf_info *info, const struct wf_mapping *mp);
/* A literal LADDR must be the device's, else nothing ever arrives for it:
 * 0, -EADDRNOTAVAIL (it is not) or -errno (cannot tell), err set. */
int wf_store_check_laddr(const struct wf_info *info, const struct wf_mapping *mp, char *err,
			 size_t errlen);
/* The first mapping of cfg that listens on @vm's address written both ways
 * (`tcp 4000`, `tcp <@vm's address>:4000`): -EADDRINUSE naming both. */
int wf_store_config_listen_twice(const struct wf_mapping *cfg, size_t n, int ifindex,
				 const char *config, char *err, size_t errlen);

#endif
