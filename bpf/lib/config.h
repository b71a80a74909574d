/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Load-time constants. The names are a contract with userspace: the loader
 * sets them through the skeleton's rodata before load, and the verifier then
 * sees them as constants (dead branches on them are pruned).
 */
#ifndef WF_LIB_CONFIG_H
#define WF_LIB_CONFIG_H

#include "vmlinux.h"
#include "wslfwd.h"

const volatile __u32 cfg_snat_min = WF_SNAT_PORT_MIN;
const volatile __u32 cfg_snat_max = WF_SNAT_PORT_MAX;

#endif
