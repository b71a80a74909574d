/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* `wslfwd netsh interface portproxy ...`: Windows' own words, so a user can
 * paste the command a guide gave them. Parsing and the `show` table are pure
 * (no I/O but the FILE the table goes to); main.c applies the result with
 * the same code as `add` and `del`. */
#ifndef WF_NETSH_H
#define WF_NETSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "wslfwd.h"

enum wf_netsh_op {
	WF_NETSH_ADD = 0,
	WF_NETSH_SET = 1,	/* replace the connect side of an existing entry */
	WF_NETSH_DELETE = 2,
	WF_NETSH_SHOW = 3,
};

/* v<listen family>to<connect family>; WF_NETSH_ALL only for `show all`. */
enum wf_netsh_type {
	WF_NETSH_V4TOV4 = 0,
	WF_NETSH_V4TOV6 = 1,
	WF_NETSH_V6TOV4 = 2,
	WF_NETSH_V6TOV6 = 3,
	WF_NETSH_ALL = 4,
};

struct wf_netsh_cmd {
	enum wf_netsh_op op;
	enum wf_netsh_type type;
	/* add/set: the whole mapping; delete: the key (protos and listen side,
	 * as wf_parse_mapping_key fills it). */
	struct wf_mapping m;
	/* The words of `wslfwd add`/`del` the command stands for. */
	char words[256];
};

/* Parse the words after `netsh`:
 *   interface portproxy add|set v4tov4|v4tov6|v6tov4|v6tov6 listenport=P
 *       [connectaddress=A] [connectport=P] [listenaddress=A] [protocol=tcp]
 *   interface portproxy delete TYPE listenport=P [listenaddress=A] [protocol=tcp]
 *   interface portproxy show all|TYPE
 * Keywords case-insensitive, in any order, `interface`/`portproxy` and the
 * verbs by unique prefix (netsh's own habit: `netsh int portproxy ...`);
 * values may also be given without `key=` in netsh's positional order.
 * listenaddress missing, 0.0.0.0, :: or * means @vm; connectport defaults
 * to listenport; connectaddress also takes @vm/@host. protocol=udp|both
 * are wslfwd's own (portproxy is TCP only). 0, or -EINVAL with err naming
 * the word that is wrong. */
int wf_netsh_parse(int argc, char **argv, struct wf_netsh_cmd *c, char *err, size_t errlen);

/* Which table a mapping shows in: WF_NETSH_V4TOV4.. from its families
 * (@vm/@host count as IPv4). */
enum wf_netsh_type wf_netsh_type_of(const struct wf_mapping *m);
const char *wf_netsh_type_name(enum wf_netsh_type t);

/* netsh's `show` table for the TCP mappings in ms[0..n) of type `type`
 * (WF_NETSH_ALL: every type, one table each), shaped like Windows':
 *
 *   Listen on ipv4:             Connect to ipv4:
 *
 *   Address         Port        Address         Port
 *   --------------- ----------  --------------- ----------
 *   0.0.0.0         4000        172.17.0.2      4000
 *
 * @vm as listen address prints as 0.0.0.0 (what it was added as), other
 * @vm/@host as written. Returns the number of rows printed. */
size_t wf_netsh_show(FILE *f, const struct wf_mapping *ms, size_t n, enum wf_netsh_type type);

#endif
