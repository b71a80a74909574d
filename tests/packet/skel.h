/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The datapath skeleton as the packet suite and bench/prog_run.c load it:
 * private maps, libbpf's debug lines left out.
 */
#ifndef WF_TEST_SKEL_H
#define WF_TEST_SKEL_H

#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "wslfwd.skel.h"

/* Opened, not loaded; every map private: never pinned, gone with the
 * process, so a run never meets a loaded wslfwd's state. NULL with errno. */
static inline struct wslfwd_bpf *skel_open_private(void)
{
	struct wslfwd_bpf *skel = wslfwd_bpf__open();
	struct bpf_map *m;

	if (!skel)
		return NULL;
	bpf_object__for_each_map(m, skel->obj)
		bpf_map__set_pin_path(m, NULL);
	return skel;
}

/* For libbpf_set_print(): its warnings, not its debug chatter. */
static inline int skel_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, ap);
}

#endif
