/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef WF_BPFFS_H
#define WF_BPFFS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Make sure the pins under @pin_dir go to (or are found on) a bpffs that
 * outlives this command (user/bpffs.c). @load: the caller is about to pin;
 * then a failure is an error (message in @err, -errno). Other commands only
 * get the machine's bpffs made visible when there is one; they then see
 * "not loaded" on their own.
 */
int wf_bpffs_prepare(const char *pin_dir, bool load, char *err, size_t errlen);

#endif
