// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include "loader.h"
#include "parse.h"
#include "print.h"
#include "attach.h"

static bool json_mode, json_pretty;

void wf_print_set_json(bool json, bool pretty)
{
	json_mode = json || pretty;
	json_pretty = pretty;
}

bool wf_print_json(void)
{
	return json_mode;
}

void wf_json_put(json_object *obj)
{
	int flags = json_pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
				  JSON_C_TO_STRING_PLAIN;

	puts(json_object_to_json_string_ext(obj, flags | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(obj);
	fflush(stdout);
}

void wf_error(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (json_mode) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "error", json_object_new_string(buf));
		wf_json_put(o);
	} else {
		fprintf(stderr, "wslfwd: %s\n", buf);
	}
}

void wf_print_result(json_object *obj, const char *fmt, ...)
{
	va_list ap;

	if (json_mode) {
		wf_json_put(obj);
		return;
	}
	json_object_put(obj);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

const char *wf_ip4_str(__be32 a, char *buf, size_t len)
{
	if (!a)
		return "?";
	return inet_ntop(AF_INET, &a, buf, len);
}

json_object *wf_json_ip4(__be32 a)
{
	char buf[INET_ADDRSTRLEN];

	return a ? json_object_new_string(inet_ntop(AF_INET, &a, buf, sizeof(buf))) : NULL;
}

static json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static bool ip6_known(const __be32 a[4])
{
	return a[0] | a[1] | a[2] | a[3];
}

/* "fd00::94", or "unknown" for none. */
static const char *ip6_str(const __be32 a[4], char *buf, size_t len)
{
	if (!ip6_known(a))
		return "unknown";
	wf_format_addr(WF_AF_INET6, a, buf, len);
	return buf;
}

static json_object *json_ip6(const __be32 a[4])
{
	char buf[INET6_ADDRSTRLEN];

	return ip6_known(a) ? jstr(ip6_str(a, buf, sizeof(buf))) : NULL;
}

void wf_print_load(const struct wf_load_view *v)
{
	const struct wf_info *info = v->info;
	const char *egress = info->flags & WF_INFO_F_TCX ? "tcx" : "clsact";
	char vm[INET_ADDRSTRLEN], host[INET_ADDRSTRLEN];
	size_t kept = v->mappings - v->added;

	if (json_mode) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "device", json_object_new_string(v->dev));
		json_object_object_add(o, "replaced", json_object_new_boolean(v->replaced));
		json_object_object_add(o, "ingress",
				       json_object_new_string(wf_mode_word(info->mode)));
		json_object_object_add(o, "egress", json_object_new_string(egress));
		json_object_object_add(o, "vm", wf_json_ip4(info->vm4));
		json_object_object_add(o, "host", wf_json_ip4(info->host4));
		json_object_object_add(o, "vm6", json_ip6(info->vm6));
		json_object_object_add(o, "host6", json_ip6(info->host6));
		json_object_object_add(o, "cgroup", jstr(v->cgroup));
		json_object_object_add(o, "mappings", json_object_new_int64(v->mappings));
		json_object_object_add(o, "config", json_object_new_string(v->config));
		json_object_object_add(o, "pin_dir", json_object_new_string(v->pin_dir));
		wf_json_put(o);
		return;
	}
	if (v->replaced)
		printf("replaced the running datapath in place (maps, connections and counters "
		       "kept; %zu mapping%s kept, %zu added, %zu removed to match %s)\n",
		       kept, kept == 1 ? "" : "s", v->added, v->removed, v->config);
	printf("%s on %s: %s%s, tc egress (%s); @vm %s, @host %s; %zu mapping%s from %s\n",
	       v->replaced ? "running" : "loaded", v->dev, wf_mode_name(info->mode),
	       info->mode == WF_MODE_TC ? (info->flags & WF_INFO_F_TCX ? " ingress (tcx)" :
					  " ingress (clsact)") : "",
	       egress, wf_ip4_str(info->vm4, vm, sizeof(vm)),
	       wf_ip4_str(info->host4, host, sizeof(host)), v->mappings,
	       v->mappings == 1 ? "" : "s", v->config);
	if (ip6_known(info->vm6) || ip6_known(info->host6)) {
		char vm6[INET6_ADDRSTRLEN], host6[INET6_ADDRSTRLEN];

		printf("IPv6: @vm6 %s, @host6 %s\n", ip6_str(info->vm6, vm6, sizeof(vm6)),
		       ip6_str(info->host6, host6, sizeof(host6)));
	}
	if (v->cgroup)
		printf("socket hooks (local clients) on cgroup %s\n", v->cgroup);
}

/* {"local": {"path", "delivers", "why"}, "behind": ..., "one-arm": ...} */
static json_object *paths_json(const struct wf_path *paths)
{
	json_object *ps = json_object_new_object();
	int i;

	for (i = 0; i < 3; i++) {
		json_object *p = json_object_new_object();

		json_object_object_add(p, "path", jstr(paths[i].path));
		json_object_object_add(p, "delivers", json_object_new_boolean(paths[i].ok));
		json_object_object_add(p, "why", jstr(paths[i].why));
		json_object_object_add(ps, paths[i].kind, p);
	}
	return ps;
}

/* The keys only a loaded datapath has. */
static void status_json_loaded(json_object *o, const struct wf_status_view *v)
{
	const char *egress = v->info.flags & WF_INFO_F_TCX ? "tcx" : "clsact";

	json_object_object_add(o, "device", jstr(v->dev));
	json_object_object_add(o, "ifindex", json_object_new_int(v->info.ifindex));
	json_object_object_add(o, "ingress", jstr(wf_mode_word(v->info.mode)));
	json_object_object_add(o, "ingress_why", jstr(v->ingress_why));
	json_object_object_add(o, "egress", jstr(egress));
	if (v->paths)
		json_object_object_add(o, "paths", paths_json(v->paths));
	json_object_object_add(o, "vm", wf_json_ip4(v->info.vm4));
	json_object_object_add(o, "host", wf_json_ip4(v->info.host4));
	json_object_object_add(o, "vm6", json_ip6(v->info.vm6));
	json_object_object_add(o, "host6", json_ip6(v->info.host6));
	json_object_object_add(o, "forwarding", v->forwarding < 0 ? NULL :
			       json_object_new_boolean(v->forwarding));
	json_object_object_add(o, "forwarding6", v->forwarding6 < 0 ? NULL :
			       json_object_new_boolean(v->forwarding6));
	json_object_object_add(o, "socket_hooks", jstr(v->cgroup));
	json_object_object_add(o, "hairpin", json_object_new_boolean(v->cgroup != NULL));
	json_object_object_add(o, "redirect_auto", json_object_new_boolean(
				       v->info.flags & WF_INFO_F_REDIRECT_AUTO));
	json_object_object_add(o, "redirect", jstr(v->redirect));
	json_object_object_add(o, "mappings", json_object_new_int64(v->mappings));
	json_object_object_add(o, "connections", json_object_new_int64(v->conns));
}

static void status_json(const struct wf_status_view *v)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "loaded", json_object_new_boolean(v->loaded));
	json_object_object_add(o, "pin_dir", jstr(v->pin_dir));
	json_object_object_add(o, "config", jstr(v->config));
	json_object_object_add(o, "networking", jstr(v->netmode));
	json_object_object_add(o, "networking_signs", jstr(v->netmode_signs));
	if (v->loaded)
		status_json_loaded(o, v);
	else
		json_object_object_add(o, "mappings", json_object_new_int64(v->mappings));
	wf_json_put(o);
}

/* device, ingress, egress and the path of each target kind. */
static void status_plain_hooks(const struct wf_status_view *v)
{
	int i;

	printf("device:      %s (ifindex %u)\n", v->dev ? v->dev : "(gone)", v->info.ifindex);
	if (v->dev_why)
		printf("             (%s)\n", v->dev_why);
	printf("ingress:     %s%s\n", wf_mode_name(v->info.mode),
	       v->info.mode == WF_MODE_TC ? (v->info.flags & WF_INFO_F_TCX ? " (tcx)" : " (clsact)") : "");
	if (v->ingress_why)
		printf("             (%s)\n", v->ingress_why);
	printf("egress:      tc (%s)\n", v->info.flags & WF_INFO_F_TCX ? "tcx" : "clsact");
	/* "one-arm:     xdp_tx (native XDP: ...)", one line per target kind */
	for (i = 0; v->paths && i < 3; i++)
		printf("%s:%*s %s%s (%s)\n", v->paths[i].kind,
		       (int)(11 - strlen(v->paths[i].kind)), "", v->paths[i].path,
		       v->paths[i].ok ? "" : ", NOT DELIVERED", v->paths[i].why);
}

void wf_print_status(const struct wf_status_view *v)
{
	char vm[INET6_ADDRSTRLEN], host[INET6_ADDRSTRLEN];

	if (json_mode) {
		status_json(v);
		return;
	}
	if (!v->loaded) {
		printf("not loaded (pins: %s); %zu mapping%s in %s\n", v->pin_dir, v->mappings,
		       v->mappings == 1 ? "" : "s", v->config);
		printf("networking:  %s (%s)\n", v->netmode, v->netmode_signs ? v->netmode_signs : "");
		return;
	}
	status_plain_hooks(v);
	printf("@vm:         %s\n", wf_ip4_str(v->info.vm4, vm, sizeof(vm)));
	printf("@host:       %s\n", wf_ip4_str(v->info.host4, host, sizeof(host)));
	printf("@vm6:        %s\n", ip6_str(v->info.vm6, vm, sizeof(vm)));
	printf("@host6:      %s\n", ip6_str(v->info.host6, host, sizeof(host)));
	printf("networking:  %s (%s)\n", v->netmode, v->netmode_signs ? v->netmode_signs : "");
	printf("forwarding:  %s\n", v->forwarding < 0 ? "unknown" : v->forwarding ?
	       "on" : "off (targets other than @vm are dropped: fwd_disabled)");
	printf("forwarding6: %s\n", v->forwarding6 < 0 ? "unknown" : v->forwarding6 ?
	       "on" : "off (IPv6 targets other than @vm6 are dropped: fwd_disabled)");
	printf("sockets:     %s%s\n", v->cgroup ? "connect/sendmsg/recvmsg/getpeername hooks on cgroup " :
	       "no socket hooks (local clients and hairpin off)", v->cgroup ? v->cgroup : "");
	if (v->cgroup)
		printf("hairpin:     processes of that cgroup in other network namespaces (containers) "
		       "reach @vm mappings\n");
	printf("redirect:    %s\n", v->redirect ? v->redirect : "unknown");
	printf("mappings:    %zu\n", v->mappings);
	printf("connections: %zu\n", v->conns);
	printf("pins:        %s\n", v->pin_dir);
}

/* "172.29.20.2:8080-8090", "[fd00::94]:80" for one side of a mapping,
 * resolved; "?" for an address not known now. */
static void resolved_side(const struct wf_mapping *m, bool target, const struct wf_resolve *r,
			  char *buf, size_t len)
{
	int kind = target ? m->taddr_kind : m->laddr_kind;
	int fam = target ? wf_mapping_tfamily(m) : m->family;
	const __be32 *addr = target ? m->taddr : m->laddr;
	__u16 lo = target ? m->tport : m->lport;
	__u16 hi = lo + (m->lport_end - m->lport);
	char a[64], t[INET6_ADDRSTRLEN];

	if (kind != WF_ADDR_LITERAL && fam == WF_AF_INET6)
		addr = kind == WF_ADDR_VM ? r->vm6 : r->host6;
	if (fam == WF_AF_INET6 && ip6_known(addr)) {
		wf_format_addr(fam, addr, t, sizeof(t));
		snprintf(a, sizeof(a), "[%s]", t);
	} else if (fam == WF_AF_INET6) {
		snprintf(a, sizeof(a), "?");
	} else if (kind == WF_ADDR_LITERAL) {
		wf_format_addr(fam, addr, a, sizeof(a));
	} else {
		wf_ip4_str(kind == WF_ADDR_VM ? r->vm4 : r->host4, a, sizeof(a));
	}
	if (hi != lo)
		snprintf(buf, len, "%s:%u-%u", a, lo, hi);
	else
		snprintf(buf, len, "%s:%u", a, lo);
}

static json_object *mapping_json(const struct wf_mapping_row *row, const struct wf_resolve *r)
{
	const struct wf_mapping *m = &row->m;
	json_object *o = json_object_new_object(), *a;
	char buf[256];
	int i;

	if (row->id)
		json_object_object_add(o, "id", json_object_new_int(row->id));
	json_object_object_add(o, "proto", jstr(wf_proto_name(m->protos)));
	wf_format_listen(m, buf, sizeof(buf));
	json_object_object_add(o, "listen", jstr(buf));
	wf_format_target(m, buf, sizeof(buf));
	json_object_object_add(o, "target", jstr(buf));
	if (r && r->known) {
		resolved_side(m, false, r, buf, sizeof(buf));
		json_object_object_add(o, "listen_resolved", jstr(buf));
		resolved_side(m, true, r, buf, sizeof(buf));
		json_object_object_add(o, "target_resolved", jstr(buf));
	}
	a = json_object_new_array();
	for (i = 0; i < m->n_allow && i < WF_MAX_ALLOW; i++) {
		char c[64];

		wf_format_addr(m->allow[i].family, m->allow[i].addr, c, sizeof(c));
		snprintf(buf, sizeof(buf), "%s/%u", c, m->allow[i].plen);
		json_object_array_add(a, jstr(buf));
	}
	json_object_object_add(o, "allow", a);
	json_object_object_add(o, "snat", jstr(wf_snat_name(m->snat)));
	wf_format_mapping(m, buf, sizeof(buf));
	json_object_object_add(o, "line", jstr(buf));
	return o;
}

/* allow/snat words of the canonical line, after the target. */
static const char *extras(const struct wf_mapping *m, char *buf, size_t len)
{
	char line[512], tgt[128];
	const char *p;

	wf_format_mapping(m, line, sizeof(line));
	wf_format_target(m, tgt, sizeof(tgt));
	p = strstr(line, tgt);
	snprintf(buf, len, "%s", p ? p + strlen(tgt) : "");
	return buf;
}

void wf_print_list(const struct wf_mapping_row *rows, size_t n, const struct wf_resolve *r,
		   const char *source)
{
	char l[128], t[128], rl[128], rt[128], ex[256];
	size_t i;

	if (json_mode) {
		json_object *a = json_object_new_array();

		for (i = 0; i < n; i++)
			json_object_array_add(a, mapping_json(&rows[i], r));
		wf_json_put(a);
		return;
	}
	if (source)
		printf("# not loaded; mappings in %s\n", source);
	for (i = 0; i < n; i++) {
		const struct wf_mapping *m = &rows[i].m;

		wf_format_listen(m, l, sizeof(l));
		wf_format_target(m, t, sizeof(t));
		if (rows[i].id)
			printf("%-3u ", rows[i].id);
		printf("%-4s  %s -> %s%s", wf_proto_name(m->protos), l, t,
		       extras(m, ex, sizeof(ex)));
		if (r && r->known) {
			resolved_side(m, false, r, rl, sizeof(rl));
			resolved_side(m, true, r, rt, sizeof(rt));
			printf("   (%s -> %s)", rl, rt);
		}
		putchar('\n');
	}
}

static const char *const stat_names[WF_STAT_MAX] = {
	[WF_STAT_NONE] = "none",
#define WF_STAT_NAME(name, str) [WF_##name] = str,
	WF_STATS(WF_STAT_NAME)
#undef WF_STAT_NAME
};

void wf_print_stats(const struct wf_mapping_row *rows, size_t n, const __u64 stats[WF_STAT_MAX])
{
	char l[128], t[128];
	size_t i;
	int k;

	if (json_mode) {
		json_object *o = json_object_new_object(), *a = json_object_new_array(), *s;

		for (i = 0; i < n; i++) {
			json_object *m = mapping_json(&rows[i], NULL);
			const struct wf_counters *c = &rows[i].c;

			json_object_object_add(m, "packets_orig", json_object_new_uint64(c->packets[0]));
			json_object_object_add(m, "bytes_orig", json_object_new_uint64(c->bytes[0]));
			json_object_object_add(m, "packets_reply", json_object_new_uint64(c->packets[1]));
			json_object_object_add(m, "bytes_reply", json_object_new_uint64(c->bytes[1]));
			json_object_object_add(m, "connections", json_object_new_uint64(c->conns));
			json_object_array_add(a, m);
		}
		json_object_object_add(o, "mappings", a);
		s = json_object_new_object();
		for (k = 1; k < WF_STAT_MAX; k++)
			json_object_object_add(s, stat_names[k], json_object_new_uint64(stats[k]));
		json_object_object_add(o, "stats", s);
		wf_json_put(o);
		return;
	}
	printf("%-4s %-4s %-22s %-22s %12s %14s %12s %14s %8s\n", "id", "prot", "listen",
	       "target", "pkts-orig", "bytes-orig", "pkts-reply", "bytes-reply", "conns");
	for (i = 0; i < n; i++) {
		const struct wf_counters *c = &rows[i].c;

		wf_format_listen(&rows[i].m, l, sizeof(l));
		wf_format_target(&rows[i].m, t, sizeof(t));
		printf("%-4u %-4s %-22s %-22s %12llu %14llu %12llu %14llu %8llu\n", rows[i].id,
		       wf_proto_name(rows[i].m.protos), l, t,
		       (unsigned long long)c->packets[0], (unsigned long long)c->bytes[0],
		       (unsigned long long)c->packets[1], (unsigned long long)c->bytes[1],
		       (unsigned long long)c->conns);
	}
	for (k = 1, i = 0; k < WF_STAT_MAX; k++) {
		if (!stats[k])
			continue;
		if (!i++)
			printf("\n");
		printf("%-16s %llu\n", stat_names[k], (unsigned long long)stats[k]);
	}
}

/* ------------------------------------------------------------ prometheus */

/* The enum names of the stats: WF_DROP_* are drops, the rest events. */
static const char *const stat_ids[WF_STAT_MAX] = {
	[WF_STAT_NONE] = "NONE",
#define WF_STAT_ID(name, str) [WF_##name] = #name,
	WF_STATS(WF_STAT_ID)
#undef WF_STAT_ID
};

void wf_prom_label(FILE *f, const char *s)
{
	/* The exposition format escapes exactly these three in label values. */
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void prom_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_mapping(FILE *f, const char *name, const struct wf_mapping_row *r,
			 const char *dir, __u64 v)
{
	char l[128], t[128];

	wf_format_listen(&r->m, l, sizeof(l));
	wf_format_target(&r->m, t, sizeof(t));
	fprintf(f, "%s{id=\"%u\",proto=\"%s\",listen=\"", name, r->id, wf_proto_name(r->m.protos));
	wf_prom_label(f, l);
	fputs("\",target=\"", f);
	wf_prom_label(f, t);
	if (dir)
		fprintf(f, "\",dir=\"%s", dir);
	fprintf(f, "\"} %llu\n", (unsigned long long)v);
}

/*
 * The Prometheus text exposition format (0.0.4), for node_exporter's
 * textfile collector: counters per mapping (labels id, proto, listen,
 * target, dir), drops by reason and events by kind, every one printed even
 * at 0 so a series does not appear only when something goes wrong.
 */
void wf_print_prometheus(FILE *f, const struct wf_mapping_row *rows, size_t n,
			 const __u64 stats[WF_STAT_MAX])
{
	static const char *const dirs[2] = { "orig", "reply" };
	size_t i;
	int k, d;

	prom_head(f, "wslfwd_mappings", "gauge", "Mappings installed in the datapath.");
	fprintf(f, "wslfwd_mappings %zu\n", n);
	prom_head(f, "wslfwd_mapping_packets_total", "counter",
		  "Packets forwarded through a mapping; dir orig is client to target, reply the way back.");
	for (i = 0; i < n; i++)
		for (d = 0; d < 2; d++)
			prom_mapping(f, "wslfwd_mapping_packets_total", &rows[i], dirs[d],
				     rows[i].c.packets[d]);
	prom_head(f, "wslfwd_mapping_bytes_total", "counter",
		  "Bytes forwarded through a mapping; dir orig is client to target, reply the way back.");
	for (i = 0; i < n; i++)
		for (d = 0; d < 2; d++)
			prom_mapping(f, "wslfwd_mapping_bytes_total", &rows[i], dirs[d],
				     rows[i].c.bytes[d]);
	prom_head(f, "wslfwd_mapping_connections_total", "counter",
		  "Connections (flows) created through a mapping.");
	for (i = 0; i < n; i++)
		prom_mapping(f, "wslfwd_mapping_connections_total", &rows[i], NULL, rows[i].c.conns);
	prom_head(f, "wslfwd_drops_total", "counter",
		  "Packets the datapath dropped, by reason (the names of 'wslfwd stats').");
	for (k = 1; k < WF_STAT_MAX; k++)
		if (!strncmp(stat_ids[k], "DROP_", 5))
			fprintf(f, "wslfwd_drops_total{reason=\"%s\"} %llu\n", stat_names[k],
				(unsigned long long)stats[k]);
	prom_head(f, "wslfwd_events_total", "counter",
		  "Datapath events that are not drops, by kind (the names of 'wslfwd stats').");
	for (k = 1; k < WF_STAT_MAX; k++)
		if (strncmp(stat_ids[k], "DROP_", 5))
			fprintf(f, "wslfwd_events_total{event=\"%s\"} %llu\n", stat_names[k],
				(unsigned long long)stats[k]);
}

static const char *state_name(int s)
{
	switch (s) {
#define WF_CT_STATE_NAME(name, val, str, opt, to) case val: return str;
	WF_CT_STATES(WF_CT_STATE_NAME)
#undef WF_CT_STATE_NAME
	default:
		return "?";
	}
}

/* The timeouts in force (wf_ct_conf, 0 = default), set by the caller. */
static struct wf_ct_conf print_ct_conf;

void wf_print_set_ct_conf(const struct wf_ct_conf *cf)
{
	print_ct_conf = *cf;
}

static __u32 state_timeout(int s)
{
	if (s > 0 && s < WF_CT_STATE_MAX && print_ct_conf.timeout[s])
		return print_ct_conf.timeout[s];
	return wf_ct_timeout_default(s);
}

static const char *kind_name(int k)
{
	switch (k) {
	case WF_KIND_LOCAL:
		return "local";
	case WF_KIND_BEHIND:
		return "behind";
	case WF_KIND_ONEARM:
		return "onearm";
	default:
		return "?";
	}
}

/* An entry of either family for `conns`: IPv4 tuples widened into the
 * IPv6 key ([0] holds the address), with the key of its other half.
 * family is the table's; tfamily the tuple's: the IPv4 side of a v4tov6 or
 * v6tov4 connection is in wf_ct6 as ::ffff:a.b.c.d, and shown as IPv4. */
struct conn {
	int family;
	int tfamily;
	struct wf_ct6_key key;
	struct wf_ct6_key peer;
	const struct wf_ct_val *v;
};

static void key_widen(const struct wf_ct_key *k, struct wf_ct6_key *w)
{
	memset(w, 0, sizeof(*w));
	w->saddr[0] = k->saddr;
	w->daddr[0] = k->daddr;
	w->sport = k->sport;
	w->dport = k->dport;
	w->proto = k->proto;
}

static int conn_cmp(const void *a, const void *b)
{
	const struct conn *x = a, *y = b;

	if (x->family != y->family)
		return x->family - y->family;
	return memcmp(&x->key, &y->key, sizeof(x->key));
}

static bool addr_v4mapped(const __be32 a[4])
{
	return !a[0] && !a[1] && a[2] == htonl(0xffff);
}

/* An entry whose packets arrive as IPv4 and leave as IPv6 (WF_CT_X_TO6) is
 * keyed by the IPv4 tuple of a translated connection. */
static int tuple_family6(const struct wf_ct6_entry *e)
{
	return e->val.c.xfam == WF_CT_X_TO6 && addr_v4mapped(e->key.saddr) &&
	       addr_v4mapped(e->key.daddr) ? WF_AF_INET : WF_AF_INET6;
}

/* An address of c's tuple in its own family (the ::ffff: prefix dropped). */
static void tuple_addr(const struct conn *c, const __be32 a[4], char *buf, size_t len)
{
	if (c->family == WF_AF_INET6 && c->tfamily == WF_AF_INET) {
		__be32 a4[4] = { a[3] };

		wf_format_addr(WF_AF_INET, a4, buf, len);
	} else
		wf_format_addr(c->family, a, buf, len);
}

static const char *fam_name(int family)
{
	return family == WF_AF_INET6 ? "ipv6" : "ipv4";
}

/* "v6tov4"/"v4tov6" for a translated connection (o and r its tuples, r
 * maybe NULL), else NULL. */
static const char *xlate_name(const struct conn *o, const struct conn *r)
{
	const struct conn *orig = o->v->dir == WF_DIR_ORIG ? o : r;

	if (!o->v->xfam)
		return NULL;
	/* ORIG's packets leave in the other family: TO4 from IPv6 clients */
	if (orig)
		return orig->v->xfam == WF_CT_X_TO4 ? "v6tov4" : "v4tov6";
	return o->v->xfam == WF_CT_X_TO4 ? "v4tov6" : "v6tov4";
}

/* Both tables' entries as conns, sorted for the peer lookup. */
static struct conn *conns_gather(const struct wf_ct_entry *e, size_t n,
				 const struct wf_ct6_entry *e6, size_t n6)
{
	struct conn *c = calloc(n + n6 ? n + n6 : 1, sizeof(*c));
	struct wf_ct_key pk;
	size_t i;

	if (!c)
		return NULL;
	for (i = 0; i < n; i++) {
		c[i].family = c[i].tfamily = WF_AF_INET;
		key_widen(&e[i].key, &c[i].key);
		wf_ct_peer_key(&e[i].key, &e[i].val, &pk);
		key_widen(&pk, &c[i].peer);
		c[i].v = &e[i].val;
	}
	for (i = 0; i < n6; i++) {
		c[n + i].family = WF_AF_INET6;
		c[n + i].tfamily = tuple_family6(&e6[i]);
		c[n + i].key = e6[i].key;
		wf_ct6_peer_key(&e6[i].key, &e6[i].val, &c[n + i].peer);
		c[n + i].v = &e6[i].val.c;
	}
	qsort(c, n + n6, sizeof(*c), conn_cmp);
	return c;
}

/* conntrack -L's words: src=, dst= (IPv6 as conntrack writes it, no
 * brackets: no port follows the address), sport=, dport=. */
static void tuple_str(const struct conn *c, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	tuple_addr(c, c->key.saddr, s, sizeof(s));
	tuple_addr(c, c->key.daddr, d, sizeof(d));
	snprintf(buf, len, "src=%s dst=%s sport=%u dport=%u", s, d, ntohs(c->key.sport),
		 ntohs(c->key.dport));
}

static json_object *tuple_json(const struct conn *c)
{
	json_object *o = json_object_new_object();
	char a[INET6_ADDRSTRLEN];

	json_object_object_add(o, "family", jstr(fam_name(c->tfamily)));
	tuple_addr(c, c->key.saddr, a, sizeof(a));
	json_object_object_add(o, "src", jstr(a));
	tuple_addr(c, c->key.daddr, a, sizeof(a));
	json_object_object_add(o, "dst", jstr(a));
	json_object_object_add(o, "sport", json_object_new_int(ntohs(c->key.sport)));
	json_object_object_add(o, "dport", json_object_new_int(ntohs(c->key.dport)));
	return o;
}

static long expires_in(const struct wf_ct_val *v, __u64 now)
{
	long age = now > v->last_seen ? (long)((now - v->last_seen) / 1000000000ULL) : 0;
	long left = (long)state_timeout(v->state) - age;

	return left > 0 ? left : 0;
}

static void conn_json(json_object *arr, const struct conn *o, const struct conn *r, __u64 now)
{
	json_object *c = json_object_new_object();
	const struct conn *orig = o->v->dir == WF_DIR_ORIG ? o : NULL;
	const struct conn *rep = orig ? r : o;
	const char *x = xlate_name(o, r);

	/* the client's family (orig's); a translated connection's reply is
	 * in the other one, each tuple says its own */
	json_object_object_add(c, "family", jstr(fam_name(o->tfamily)));
	json_object_object_add(c, "xlate", x ? jstr(x) : NULL);
	json_object_object_add(c, "proto", jstr(o->key.proto == WF_IPPROTO_TCP ? "tcp" : "udp"));
	json_object_object_add(c, "state", jstr(state_name(o->v->state)));
	json_object_object_add(c, "orig", orig ? tuple_json(orig) : NULL);
	json_object_object_add(c, "reply", rep ? tuple_json(rep) : NULL);
	json_object_object_add(c, "id", json_object_new_int(o->v->id));
	json_object_object_add(c, "kind", jstr(kind_name(o->v->kind)));
	json_object_object_add(c, "snat", json_object_new_boolean(o->v->flags & WF_CT_F_REWRITE_SRC));
	json_object_object_add(c, "expires", json_object_new_int64(expires_in(o->v, now)));
	json_object_object_add(c, "orphan", json_object_new_boolean(!orig || !r));
	json_object_array_add(arr, c);
}

static void conn_line(const struct conn *o, const struct conn *r, __u64 now)
{
	const char *x = xlate_name(o, r);
	char ot[160], rt[160];

	tuple_str(o, ot, sizeof(ot));
	printf("%-3s %-6ld %-11s %s%s", o->key.proto == WF_IPPROTO_TCP ? "tcp" : "udp",
	       expires_in(o->v, now), state_name(o->v->state),
	       o->v->dir == WF_DIR_ORIG ? "" : "[reply only] ", ot);
	if (r) {
		tuple_str(r, rt, sizeof(rt));
		printf(" %s", rt);
	} else if (o->v->dir == WF_DIR_ORIG) {
		printf(" [orig only]");
	}
	printf(" id=%u kind=%s%s%s%s%s\n", o->v->id, kind_name(o->v->kind),
	       o->v->flags & WF_CT_F_REWRITE_SRC ? " [snat]" : "", x ? " [" : "", x ? x : "",
	       x ? "]" : "");
}

/* One line per connection: the ORIG entry with its REPLY partner; an entry
 * whose partner is gone (LRU eviction) is shown alone, marked orphan.
 * IPv4 connections first, then IPv6. */
void wf_print_conns(const struct wf_ct_entry *e, size_t n, const struct wf_ct6_entry *e6,
		    size_t n6, __u64 now)
{
	size_t total = n + n6, i;
	json_object *arr = NULL;
	struct conn *sorted;
	bool *used;

	sorted = conns_gather(e, n, e6, n6);
	used = calloc(total ? total : 1, sizeof(*used));
	if (!sorted || !used) {
		free(sorted);
		free(used);
		wf_error("out of memory");
		return;
	}
	if (json_mode)
		arr = json_object_new_array();
	/* Pass 0: ORIG entries (with their partner); pass 1: leftovers. */
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < total; i++) {
			const struct conn *o = &sorted[i], *r = NULL;

			if (used[i] || (pass == 0 && o->v->dir != WF_DIR_ORIG))
				continue;
			used[i] = true;
			if (o->v->dir == WF_DIR_ORIG) {
				struct conn pk = { .family = o->family, .key = o->peer }, *hit;

				hit = bsearch(&pk, sorted, total, sizeof(*sorted), conn_cmp);
				if (hit && hit->v->dir == WF_DIR_REPLY) {
					r = hit;
					used[hit - sorted] = true;
				}
			}
			if (json_mode)
				conn_json(arr, o, r, now);
			else
				conn_line(o, r, now);
		}
	}
	if (json_mode)
		wf_json_put(arr);
	free(sorted);
	free(used);
}

/* ------------------------------------------------- results of commands */

void wf_print_version(const char *version)
{
	json_object *o;

	if (!json_mode) {
		printf("wslfwd %s\n", version);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_string(version));
	wf_json_put(o);
}

void wf_print_unload(const char *dev, const char *pin_dir)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "unloaded", json_object_new_boolean(1));
	json_object_object_add(o, "device", jstr(dev));
	wf_print_result(o, "unloaded from %s; removed %s", dev ? dev : "(device gone)", pin_dir);
}

void wf_print_add(const char *line, bool same, bool loaded, __u32 id, const char *config)
{
	json_object *j = json_object_new_object();

	json_object_object_add(j, "added", json_object_new_string(line));
	json_object_object_add(j, "unchanged", json_object_new_boolean(same));
	json_object_object_add(j, "loaded", json_object_new_boolean(loaded));
	if (loaded)
		json_object_object_add(j, "id", json_object_new_int(id));
	if (same && loaded)
		wf_print_result(j, "%s is mapped already (id %u); nothing changed", line, id);
	else if (same)
		wf_print_result(j, "%s is in %s already; nothing changed", line, config);
	else if (loaded)
		wf_print_result(j, "added %s (id %u)", line, id);
	else
		wf_print_result(j, "added %s to %s (not loaded: applies at 'wslfwd load')", line,
				config);
}

void wf_print_del(const char *listen, __u8 protos, bool loaded, __u32 id, size_t conns,
		  const char *config)
{
	json_object *o = json_object_new_object();
	const char *proto = wf_proto_name(protos);

	json_object_object_add(o, "deleted", json_object_new_string(listen));
	json_object_object_add(o, "proto", json_object_new_string(proto));
	if (loaded) {
		json_object_object_add(o, "id", json_object_new_int(id));
		json_object_object_add(o, "conns_removed", json_object_new_int64(conns));
		wf_print_result(o, "deleted %s %s (id %u)", proto, listen, id);
	} else {
		wf_print_result(o, "deleted %s %s from %s", proto, listen, config);
	}
}

void wf_print_flush_conns(size_t entries)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "flushed", json_object_new_string("conns"));
	json_object_object_add(o, "entries", json_object_new_int64(entries));
	wf_print_result(o, "flushed %zu conntrack entr%s", entries, entries == 1 ? "y" : "ies");
}

void wf_print_flush_mappings(size_t n, bool loaded, const char *config)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "flushed", json_object_new_string("mappings"));
	json_object_object_add(o, "mappings", json_object_new_int64(n));
	wf_print_result(o, "flushed %zu mapping%s (%s%s)", n, n == 1 ? "" : "s",
			loaded ? "maps and " : "", config);
}

void wf_print_netsh_show(const struct wf_mapping *ms, size_t n, enum wf_netsh_type type)
{
	json_object *arr;
	size_t i;

	if (!json_mode) {
		wf_netsh_show(stdout, ms, n, type);
		return;
	}
	arr = json_object_new_array();
	for (i = 0; i < n; i++) {
		enum wf_netsh_type t = wf_netsh_type_of(&ms[i]);
		json_object *o;
		char l[128], tg[128];

		if (!(ms[i].protos & WF_P_TCP) || (type != WF_NETSH_ALL && type != t))
			continue;
		wf_format_listen(&ms[i], l, sizeof(l));
		wf_format_target(&ms[i], tg, sizeof(tg));
		o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string(wf_netsh_type_name(t)));
		json_object_object_add(o, "listen", json_object_new_string(l));
		json_object_object_add(o, "connect", json_object_new_string(tg));
		json_object_array_add(arr, o);
	}
	wf_json_put(arr);
}

static json_object *win_plan_json(const struct wf_win_plan *p)
{
	json_object *e = json_object_new_object(), *c = json_object_new_array();
	size_t j;

	json_object_object_add(e, "mapping", json_object_new_string(p->mapping));
	json_object_object_add(e, "portproxy", p->n && !strncmp(p->cmds[0].line, "netsh ", 6) ?
			       json_object_new_string(p->type) : NULL);
	for (j = 0; j < p->n; j++)
		json_object_array_add(c, json_object_new_string(p->cmds[j].line));
	json_object_object_add(e, "commands", c);
	json_object_object_add(e, "note", p->note[0] ? json_object_new_string(p->note) : NULL);
	return e;
}

void wf_print_windows(const struct wf_win_plan *plans, size_t n, const struct wf_win_addrs *vm,
		      bool applied)
{
	static const __be32 zero6[4];
	char a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];
	bool vm6 = memcmp(vm->vm6, zero6, sizeof(zero6));
	size_t i, j;

	if (vm6)
		wf_format_addr(WF_AF_INET6, vm->vm6, a6, sizeof(a6));
	if (json_mode) {
		json_object *o = json_object_new_object(), *arr = json_object_new_array();

		json_object_object_add(o, "vm", wf_json_ip4(vm->vm4));
		json_object_object_add(o, "vm6", vm6 ? json_object_new_string(a6) : NULL);
		for (i = 0; i < n; i++)
			json_object_array_add(arr, win_plan_json(&plans[i]));
		json_object_object_add(o, "mappings", arr);
		json_object_object_add(o, "applied", json_object_new_boolean(applied));
		wf_json_put(o);
		return;
	}
	printf("# Windows side of %zu mapping%s (NAT mode, @vm %s, @vm6 %s); "
	       "run in an elevated PowerShell%s\n", n, n == 1 ? "" : "s",
	       wf_ip4_str(vm->vm4, a4, sizeof(a4)), vm6 ? a6 : "?", applied ? " (applied)" : "");
	for (i = 0; i < n; i++) {
		printf("# %s%s%s\n", plans[i].mapping, plans[i].note[0] ? ": " : "", plans[i].note);
		for (j = 0; j < plans[i].n; j++)
			printf("%s\n", plans[i].cmds[j].line);
	}
}
