/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The Windows side of a mapping in NAT mode: the portproxy and firewall
 * lines that make it reachable from the LAN, and running them through WSL
 * interop (powershell.exe). */
#ifndef WF_WINDOWS_H
#define WF_WINDOWS_H

#include <stddef.h>
#include <linux/types.h>
#include "wslfwd.h"

/* WSL's VM creator id for Hyper-V firewall rules. */
#define WF_WSL_VM_CREATOR_ID "{40E0AC32-46A5-438A-A0B2-2B479E8F2E90}"
/* portproxy has no ranges: one line per port, up to this many. */
#define WF_WIN_MAX_PORTS 64

struct wf_win_cmd {
	char line[512];		/* as printed: paste into an elevated PowerShell */
	char guard[256];	/* run first by --apply so re-applying replaces, "" = none */
};

struct wf_win_plan {
	char mapping[256];	/* the mapping's words */
	char type[8];		/* the portproxy type: v4tov4 or v6tov6 */
	char note[256];		/* why something is left out, "" = nothing */
	struct wf_win_cmd *cmds;
	size_t n;
};

/* The VM's addresses Windows connects to: wf_info's @vm and @vm6. */
struct wf_win_addrs {
	__be32 vm4;		/* 0 = unknown */
	__be32 vm6[4];		/* all 0 = unknown */
};

/* The lines for one mapping given the current @vm/@vm6 (pure). TCP: a
 * portproxy line per port in the listen family (v4tov4 0.0.0.0:LPORT ->
 * @vm:LPORT, v6tov6 [::]:LPORT -> @vm6:LPORT; the target's family does not
 * matter), an inbound Windows firewall rule and a Hyper-V firewall rule;
 * UDP: portproxy is TCP only, so only the Hyper-V firewall rule, and a
 * note. Local-client and link-local listeners: nothing, and a note. 0 or
 * -errno. */
int wf_windows_plan(const struct wf_mapping *m, const struct wf_win_addrs *vm,
		    struct wf_win_plan *p);
void wf_windows_plan_free(struct wf_win_plan *p);

/* Run every command of plans[0..n) in one powershell.exe (found on PATH)
 * -NoProfile -NonInteractive -Command. -ENOENT when there is none (no WSL
 * interop), else 0 or -errno with err saying what failed. */
int wf_windows_apply(const struct wf_win_plan *plans, size_t n, char *err, size_t errlen);

#endif
