/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* `wslfwd watch`: keep @vm/@host current from netlink, reload the config
 * on SIGHUP, re-attach when the device comes back. */
#ifndef WF_WATCH_H
#define WF_WATCH_H

#include <stdbool.h>

struct wf_watch_opts {
	const char *pin_dir;
	const char *config;
	const char *dev;	/* NULL: the device wf_info names */
	bool windows;		/* re-apply the Windows side when @vm changes */
	int debounce_ms;	/* wait this long after an event for more (default 100) */
	int resync_s;		/* re-check even without events (default 10) */
};

/* Runs until SIGTERM/SIGINT: 0 then (the datapath stays loaded), or
 * -errno when it cannot start (not loaded: -ENOENT); messages logged. */
int wf_watch(const struct wf_watch_opts *o);

#endif
