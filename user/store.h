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

#endif
