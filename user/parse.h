/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The words of a mapping: parsing `add`/`del` arguments and config lines,
 * formatting a mapping back into the same words. Pure functions, no I/O. */
#ifndef WF_PARSE_H
#define WF_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "wslfwd.h"

/* Parse the words after `add`:
 *   PROTO [LADDR:]LPORT[-LPORT2] TADDR:TPORT [allow CIDR[,CIDR...]] [snat auto|always|never]
 * PROTO := tcp|udp|both; LADDR := @vm | @vm6 | IPv4 | [IPv6];
 * TADDR := @vm | @vm6 | @host | @host6 | IPv4 | [IPv6].
 * family is the listen side's (no LADDR: @vm, IPv4; [::] and 0.0.0.0 are
 * @vm6 and @vm); tfamily the target's when it differs, else 0.
 * Fills *m (in_use = 1) and returns 0, or returns -EINVAL with a message in
 * err naming the problem, e.g. "port 70000 out of range 1-65535". */
int wf_parse_mapping(int argc, char **argv, struct wf_mapping *m, char *err, size_t errlen);

/* Parse the words after `del`: PROTO [LADDR:]LPORT[-LPORT2]. Fills protos,
 * family, laddr_kind, laddr, lport, lport_end of *m. */
int wf_parse_mapping_key(int argc, char **argv, struct wf_mapping *m, char *err, size_t errlen);

/* Split a line into words in place (whitespace separated, '#' starts a
 * comment). Returns the word count, at most max. */
int wf_split_words(char *line, char **words, int max);

/* Format *m as the words of `add`, canonical form, e.g.
 * "tcp 8080 @vm:18080", "both 10.0.0.1:53 @host:53 allow 10.0.0.0/8 snat always".
 * Returns the length written (like snprintf). */
int wf_format_mapping(const struct wf_mapping *m, char *buf, size_t len);
/* "@vm:8080-8090" style listen side, and "@host:5432" / "[fd00::1]:80" target side. */
int wf_format_listen(const struct wf_mapping *m, char *buf, size_t len);
int wf_format_target(const struct wf_mapping *m, char *buf, size_t len);
int wf_format_addr(int family, const __be32 addr[4], char *buf, size_t len);
const char *wf_proto_name(int protos);	/* "tcp", "udp", "both" */
const char *wf_snat_name(int snat);	/* "auto", "always", "never" */

/* Port ranges and CIDRs, for other parsers (netsh, options). */
int wf_parse_port(const char *s, __u16 *port, char *err, size_t errlen);
int wf_parse_cidr(const char *s, struct wf_cidr *c, char *err, size_t errlen);
/* "tcp" | "udp" | "both" -> WF_P_* bits. */
int wf_parse_proto(const char *s, __u8 *protos, char *err, size_t errlen);
/* A bare IPv4 or IPv6 literal (no brackets), e.g. netsh's connectaddress=.
 * Sets *family to WF_AF_INET/WF_AF_INET6; 0 or -EINVAL, no message. */
int wf_parse_ip(const char *s, int *family, __be32 addr[4]);

/* The target's family: tfamily, or family when that is 0. */
int wf_mapping_tfamily(const struct wf_mapping *m);
/* LADDR in 127.0.0.0/8: for this VM's own processes (socket hooks), never
 * on IFACE. */
bool wf_mapping_local_clients(const struct wf_mapping *m);
/* TADDR in 127.0.0.0/8: a server bound to loopback only. */
bool wf_mapping_lo_target(const struct wf_mapping *m);
/* Works only with the socket hooks (load --cgroup): local clients, and UDP
 * to a loopback-only server (its replies get their source in sendmsg4). */
bool wf_mapping_needs_sock_hooks(const struct wf_mapping *m);

/* Same protocol bit, same listen address (kind and literal) and overlapping
 * port ranges: the two cannot both exist. */
bool wf_mapping_conflicts(const struct wf_mapping *a, const struct wf_mapping *b);
/* A mapping whose target is its own listen side (same address, a port of the
 * range forwarded to itself), or whose TPORT range runs past 65535. */
int wf_mapping_validate(const struct wf_mapping *m, char *err, size_t errlen);
/* Same listen side and a protocol bit in common (the key `del` matches:
 * `del tcp 53` matches a `both 53` mapping, which then keeps udp). */
bool wf_mapping_same_key(const struct wf_mapping *a, const struct wf_mapping *b);
/* Same listen side (address, LPORT and LPORT2), protocols not compared.
 * @vm and @vm6 are two listen sides. */
bool wf_mapping_same_listen(const struct wf_mapping *a, const struct wf_mapping *b);
/* The very same mapping (in_use not compared). */
bool wf_mapping_equal(const struct wf_mapping *a, const struct wf_mapping *b);
/* Rules beyond the grammar, for `add` and every config line: LPORT outside
 * the SNAT port range (WF_SNAT_PORT_MIN..MAX) unless for local clients.
 * 0 or -EINVAL with a message. */
/* `load --timeout CLASS=SECONDS[,CLASS=SECONDS...]` (classes: WF_CT_STATES
 * in include/wslfwd.h), merged into @cf by state; "default" as SECONDS puts
 * the class back to its default (0). 0 or -EINVAL with a message. */
int wf_parse_timeouts(const char *arg, struct wf_ct_conf *cf, char *err, size_t errlen);
/* The `--timeout` classes, "tcp-syn-sent=120,..." with the defaults. */
int wf_format_timeout_classes(char *buf, size_t len);

int wf_mapping_check_policy(const struct wf_mapping *m, char *err, size_t errlen);
/* What the datapath cannot forward yet (IPv4 to IPv6 and back): an error
 * for `add`; a config line of it is kept and said at load. */
/* fe80::/10 */
bool wf_addr6_linklocal(const __be32 a[4]);
/* The mapping's target is @host6. */
bool wf_mapping_to_host6(const struct wf_mapping *m);
int wf_mapping_check_forwardable(const struct wf_mapping *m, char *err, size_t errlen);

#endif
