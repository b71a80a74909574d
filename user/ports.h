/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The SNAT port range against the VM's own ephemeral ports: `load` checks
 * net.ipv4.ip_local_port_range and reserves the range in
 * net.ipv4.ip_local_reserved_ports (of IFACE's namespace, the one wslfwd
 * runs in), `unload` takes back what it added. Pure list helpers apart
 * from the /proc I/O, for the unit suite.
 */
#ifndef WF_USER_PORTS_H
#define WF_USER_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* Does the ip_local_reserved_ports list @list ("a,b-c,...") hold every
 * port of [min, max]? -EINVAL for a list that does not parse. */
int wf_ports_list_covers(const char *list, __u32 min, __u32 max);
/* @list without the ports of [min, max], in the kernel's syntax. */
int wf_ports_list_remove(const char *list, __u32 min, __u32 max, char *out, size_t len);

/* Reserve [min, max] for wslfwd (*added: the list changed, take it back at
 * unload). Refused (-EADDRINUSE, @err says what to do) when the VM's own
 * sockets could take ports of the range and the list cannot be written. */
int wf_snat_ports_reserve(__u32 min, __u32 max, bool *added, char *err, size_t errlen);
/* Take [min, max] back out of the list. */
int wf_snat_ports_release(__u32 min, __u32 max);

#endif
