// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Output formats that other programs read: `stats --prometheus` (every
 * line parses as the text exposition format, TYPE before samples, names and
 * labels valid and escaped) and libbpf's messages (prefixed once).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "parse.h"
#include "print.h"
#include "tap.h"

static bool name_ok(const char *s, size_t n)
{
	size_t i;

	if (!n || !(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == ':'))
		return false;
	for (i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':'))
			return false;
	return true;
}

/* One sample line: NAME[{l="v",...}] VALUE. Fills the metric name. */
static bool sample_ok(const char *line, char *name, size_t len, int *labels)
{
	const char *p = line, *q;
	char *end;

	*labels = 0;
	while (*p && *p != '{' && *p != ' ')
		p++;
	if (!name_ok(line, p - line) || (size_t)(p - line) >= len)
		return false;
	snprintf(name, len, "%.*s", (int)(p - line), line);
	if (*p == '{') {
		p++;
		while (*p != '}') {
			q = p;
			while (*p && *p != '=')
				p++;
			if (!name_ok(q, p - q) || p[0] != '=' || p[1] != '"')
				return false;
			for (p += 2; *p && *p != '"'; p++)
				if (*p == '\\' && !(p[1] == '\\' || p[1] == '"' || p[1] == 'n'))
					return false;
				else if (*p == '\\')
					p++;
			if (*p != '"')
				return false;
			(*labels)++;
			p++;
			if (*p == ',')
				p++;
			else if (*p != '}')
				return false;
		}
		p++;
	}
	if (*p != ' ')
		return false;
	errno = 0;
	strtod(p + 1, &end);
	return !errno && end != p + 1 && (*end == '\n' || !*end);
}

struct seen {
	char name[64];
	bool type;
	int samples;
};

static struct seen *seen_get(struct seen *s, int *n, const char *name)
{
	int i;

	for (i = 0; i < *n; i++)
		if (!strcmp(s[i].name, name))
			return &s[i];
	snprintf(s[*n].name, sizeof(s[*n].name), "%s", name);
	return &s[(*n)++];
}

/* A mapping from its words, as `add` parses them. */
static int parse_words(const char *s, struct wf_mapping *m, char *err, size_t len)
{
	char buf[256], *w[16];
	int n = split_str(s, buf, sizeof(buf), w, 16);

	return wf_parse_mapping(n, w, m, err, len);
}

static void test_prometheus(void)
{
	struct wf_mapping_row rows[2] = {};
	__u64 stats[WF_STAT_MAX] = {};
	struct seen seen[32] = {};
	char *buf = NULL, *line, *save, err[128], name[64], *dup;
	size_t len = 0;
	int nseen = 0, bad = 0, lines = 0, labels;
	bool order_ok = true;
	FILE *f;

	check(!parse_words("tcp 4000 172.17.0.2:80", &rows[0].m, err, sizeof(err)), err,
	      "prometheus: a tcp mapping to print");
	check(!parse_words("both 127.0.0.1:5432 @host:5432", &rows[1].m, err,
				    sizeof(err)), err, "prometheus: a local-client mapping to print");
	rows[0].id = 1;
	rows[0].c.packets[0] = 10;
	rows[0].c.packets[1] = 7;
	rows[0].c.bytes[0] = 1000;
	rows[0].c.conns = 2;
	rows[1].id = 3;
	stats[WF_DROP_MALFORMED] = 5;
	stats[WF_EV_CT_NEW] = 2;

	f = open_memstream(&buf, &len);
	wf_print_prometheus(f, rows, 2, stats);
	fclose(f);
	dup = strdup(buf);
	for (line = strtok_r(dup, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct seen *s;
		char m[64], type[16];

		lines++;
		if (!strncmp(line, "# HELP ", 7)) {
			if (sscanf(line, "# HELP %63s", m) != 1 || !name_ok(m, strlen(m)) ||
			    strlen(line) <= 8 + strlen(m))
				bad++, printf("# bad HELP: %s\n", line);
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			if (sscanf(line, "# TYPE %63s %15s", m, type) != 2 ||
			    (strcmp(type, "counter") && strcmp(type, "gauge"))) {
				bad++, printf("# bad TYPE: %s\n", line);
				continue;
			}
			s = seen_get(seen, &nseen, m);
			if (s->type || s->samples)
				order_ok = false;
			s->type = true;
			if (!strcmp(type, "counter") && !strstr(m, "_total"))
				bad++, printf("# counter without _total: %s\n", line);
			continue;
		}
		if (!sample_ok(line, name, sizeof(name), &labels)) {
			bad++, printf("# bad sample: %s\n", line);
			continue;
		}
		s = seen_get(seen, &nseen, name);
		if (!s->type)
			order_ok = false;
		s->samples++;
	}
	free(dup);
	check(lines > 10 && !bad, buf, "prometheus: all %d lines parse (HELP, TYPE, samples)", lines);
	check(order_ok, buf, "prometheus: one TYPE per metric, before its samples");
	check(strstr(buf, "wslfwd_mapping_packets_total{id=\"1\",proto=\"tcp\",listen=\"@vm:4000\","
			  "target=\"172.17.0.2:80\",dir=\"orig\"} 10\n") &&
	      strstr(buf, "dir=\"reply\"} 7\n"), buf,
	      "prometheus: per-mapping packets with proto/listen/target/dir labels");
	check(strstr(buf, "wslfwd_mapping_connections_total{id=\"1\",") != NULL, buf,
	      "prometheus: per-mapping connections");
	check(strstr(buf, "wslfwd_drops_total{reason=\"malformed\"} 5\n") &&
	      strstr(buf, "wslfwd_drops_total{reason=\"not_allowed\"} 0\n") &&
	      !strstr(buf, "wslfwd_drops_total{reason=\"ct_new\"}"), buf,
	      "prometheus: every drop reason, zeros included, events apart");
	check(strstr(buf, "wslfwd_events_total{event=\"ct_new\"} 2\n") != NULL, buf,
	      "prometheus: events by kind");
	check(strstr(buf, "wslfwd_mappings 2\n") != NULL, buf, "prometheus: mappings gauge");
	free(buf);

	buf = NULL;
	f = open_memstream(&buf, &len);
	wf_prom_label(f, "a\"b\\c\nd");
	fclose(f);
	check(!strcmp(buf, "a\\\"b\\\\c\\nd"), buf, "prometheus: label values escape \" \\ and newline");
	free(buf);
}

static void test_libbpf_prefix(void)
{
	char path[] = "/tmp/wslfwd-test-output.XXXXXX", buf[4096] = "";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	struct bpf_object *obj;
	ssize_t n = 0;

	if (!check(fd >= 0 && saved >= 0, strerror(errno), "libbpf log: capture stderr"))
		return;
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	wf_log_set_level((enum wf_log_level)(WF_LOG_DEBUG + 2));
	wf_log_init_libbpf();
	/* libbpf warns about a file it cannot open. */
	obj = bpf_object__open_file("/nonexistent/wslfwd-test.bpf.o", NULL);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	if (!libbpf_get_error(obj) && obj)
		bpf_object__close(obj);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	close(fd);
	unlink(path);
	wf_log_set_level(WF_LOG_INFO);
	check(strstr(buf, "libbpf: ") != NULL, buf, "libbpf log: its warning is shown at -vvv");
	check(!strstr(buf, "libbpf: libbpf:"), buf, "libbpf log: prefixed once");
}

/* wf_print_conns' output to buf: stdout captured through a temp file. */
static void conns_capture(const struct wf_ct_entry *e, size_t n, const struct wf_ct6_entry *e6,
			  size_t n6, bool json, char *buf, size_t len)
{
	char path[] = "/tmp/wslfwd-test-conns.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDOUT_FILENO);
	ssize_t r;

	buf[0] = 0;
	if (fd < 0 || saved < 0)
		return;
	fflush(stdout);
	dup2(fd, STDOUT_FILENO);
	wf_print_set_json(json, false);
	wf_print_conns(e, n, e6, n6, 0);
	fflush(stdout);
	wf_print_set_json(false, false);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	r = read(fd, buf, len - 1);
	buf[r > 0 ? r : 0] = 0;
	close(fd);
	unlink(path);
}

static void ip6(const char *s, __be32 a[4])
{
	int fam;

	wf_parse_ip(s, &fam, a);
}

/* A translated connection's pair, both in wf_ct6: ORIG keyed by the
 * client's tuple (cs:cport -> vm:lport), leaving to ts:tport from
 * ns:nport; xfam says which family ORIG's packets leave in. */
static void xlate_pair(struct wf_ct6_entry e[2], const char *cs, const char *vm, const char *ns,
		       const char *ts, __u16 cport, __u16 lport, __u16 nport, __u16 tport,
		       __u8 xfam, __u32 id)
{
	memset(e, 0, 2 * sizeof(*e));
	ip6(cs, e[0].key.saddr);
	ip6(vm, e[0].key.daddr);
	e[0].key.sport = htons(cport);
	e[0].key.dport = htons(lport);
	e[0].key.proto = WF_IPPROTO_TCP;
	ip6(ns, e[0].val.nsaddr);
	ip6(ts, e[0].val.ndaddr);
	e[0].val.c.nsport = htons(nport);
	e[0].val.c.ndport = htons(tport);
	e[0].val.c.id = id;
	e[0].val.c.dir = WF_DIR_ORIG;
	e[0].val.c.kind = WF_KIND_ONEARM;
	e[0].val.c.state = WF_CT_TCP_EST;
	e[0].val.c.flags = WF_CT_F_REWRITE_SRC | WF_CT_F_REWRITE_DST;
	e[0].val.c.xfam = xfam;
	wf_ct6_peer_key(&e[0].key, &e[0].val, &e[1].key);
	e[1].val = e[0].val;
	e[1].val.c.dir = WF_DIR_REPLY;
	e[1].val.c.xfam = xfam == WF_CT_X_TO4 ? WF_CT_X_TO6 : WF_CT_X_TO4;
	ip6(cs, e[1].val.ndaddr);
	ip6(vm, e[1].val.nsaddr);
	e[1].val.c.nsport = htons(lport);
	e[1].val.c.ndport = htons(cport);
}

/* v6tov4 and v4tov6 (design.md "v4tov6 and v6tov4"): the IPv4 side, in
 * wf_ct6 as ::ffff:a.b.c.d, is shown as IPv4; the line says which way. */
static void test_conns_xlate(void)
{
	struct wf_ct6_entry e6[4];
	char out[4096];

	/* v6tov4 one-arm: [fd00:16::1]:40001 -> @vm6:5001, to @host:5432 from @vm:61001 */
	xlate_pair(&e6[0], "fd00:16::1", "fd00:16::94", "::ffff:172.22.21.94", "::ffff:172.22.16.1",
		   40001, 5001, 61001, 5432, WF_CT_X_TO4, 3);
	/* v4tov6 one-arm: 172.22.16.1:40002 -> @vm:5010, to [fd00:16::1]:15432 from @vm6:61002 */
	xlate_pair(&e6[2], "::ffff:172.22.16.1", "::ffff:172.22.21.94", "fd00:16::94", "fd00:16::1",
		   40002, 5010, 61002, 15432, WF_CT_X_TO6, 4);
	conns_capture(NULL, 0, e6, 4, false, out, sizeof(out));
	check(strstr(out, "src=fd00:16::1 dst=fd00:16::94 sport=40001 dport=5001 "
			  "src=172.22.16.1 dst=172.22.21.94 sport=5432 dport=61001 id=3 kind=onearm [snat] [v6tov4]\n") &&
		      strstr(out, "src=172.22.16.1 dst=172.22.21.94 sport=40002 dport=5010 "
				  "src=fd00:16::1 dst=fd00:16::94 sport=15432 dport=61002 id=4 kind=onearm [snat] [v4tov6]\n") &&
		      !strstr(out, "ffff") && !strstr(out, "only"),
	      out, "conns: the IPv4 side of a v6tov4/v4tov6 connection is IPv4, the line says which way");
	conns_capture(NULL, 0, e6, 4, true, out, sizeof(out));
	check(strstr(out, "{\"family\":\"ipv6\",\"xlate\":\"v6tov4\"") &&
		      strstr(out, "\"reply\":{\"family\":\"ipv4\",\"src\":\"172.22.16.1\",\"dst\":\"172.22.21.94\",\"sport\":5432") &&
		      strstr(out, "{\"family\":\"ipv4\",\"xlate\":\"v4tov6\"") &&
		      strstr(out, "\"orig\":{\"family\":\"ipv4\",\"src\":\"172.22.16.1\"") &&
		      !strstr(out, "ffff") && !strstr(out, "\"orphan\":true"),
	      out, "conns -j: each tuple in its own family, xlate names the direction");
	/* the REPLY half alone (ORIG evicted): still IPv4 where it is */
	conns_capture(NULL, 0, &e6[1], 1, false, out, sizeof(out));
	check(strstr(out, "[reply only] src=172.22.16.1 dst=172.22.21.94 sport=5432 dport=61001 id=3 kind=onearm [snat] [v6tov4]") != NULL,
	      out, "conns: a v6tov4 REPLY entry alone is shown in IPv4 and named v6tov4");
}

/* `conns` pairs each family's ORIG entry with its REPLY (wf_ct_peer_key,
 * wf_ct6_peer_key) and prints IPv6 tuples as conntrack does. */
static void test_conns(void)
{
	struct wf_ct6_entry e6[2] = {};
	struct wf_ct_entry e4[2] = {};
	__be32 a[4];
	char out[4096];

	/* IPv4: 172.22.16.1:40000 -> @vm:80, to 172.17.0.2:8080 */
	wf_parse_ip("172.22.16.1", &(int){ 0 }, a);
	e4[0].key = (struct wf_ct_key){ .saddr = a[0], .sport = htons(40000), .dport = htons(80),
					.proto = WF_IPPROTO_TCP };
	wf_parse_ip("172.22.21.94", &(int){ 0 }, a);
	e4[0].key.daddr = a[0];
	e4[0].val.nsaddr = e4[0].key.saddr;
	wf_parse_ip("172.17.0.2", &(int){ 0 }, a);
	e4[0].val.ndaddr = a[0];
	e4[0].val.nsport = htons(40000);
	e4[0].val.ndport = htons(8080);
	e4[0].val.id = 1;
	e4[0].val.dir = WF_DIR_ORIG;
	e4[0].val.kind = WF_KIND_BEHIND;
	e4[0].val.state = WF_CT_TCP_EST;
	wf_ct_peer_key(&e4[0].key, &e4[0].val, &e4[1].key);
	e4[1].val = e4[0].val;
	e4[1].val.dir = WF_DIR_REPLY;
	/* IPv6: [fd00:16::1]:40000 -> @vm6:80, one-arm to [fd00:16::2]:8080 from
	 * @vm6:61000 */
	ip6("fd00:16::1", e6[0].key.saddr);
	ip6("fd00:16::94", e6[0].key.daddr);
	e6[0].key.sport = htons(40000);
	e6[0].key.dport = htons(80);
	e6[0].key.proto = WF_IPPROTO_TCP;
	ip6("fd00:16::94", e6[0].val.nsaddr);
	ip6("fd00:16::2", e6[0].val.ndaddr);
	e6[0].val.c.nsport = htons(61000);
	e6[0].val.c.ndport = htons(8080);
	e6[0].val.c.id = 2;
	e6[0].val.c.dir = WF_DIR_ORIG;
	e6[0].val.c.kind = WF_KIND_ONEARM;
	e6[0].val.c.state = WF_CT_TCP_EST;
	e6[0].val.c.flags = WF_CT_F_REWRITE_SRC | WF_CT_F_REWRITE_DST;
	wf_ct6_peer_key(&e6[0].key, &e6[0].val, &e6[1].key);
	e6[1].val = e6[0].val;
	e6[1].val.c.dir = WF_DIR_REPLY;

	/* the REPLY halves first: pairing must not depend on the order */
	{
		struct wf_ct_entry r4[2] = { e4[1], e4[0] };
		struct wf_ct6_entry r6[2] = { e6[1], e6[0] };

		conns_capture(r4, 2, r6, 2, false, out, sizeof(out));
	}
	check(strstr(out, "src=172.22.16.1 dst=172.22.21.94 sport=40000 dport=80 "
			  "src=172.17.0.2 dst=172.22.16.1 sport=8080 dport=40000 id=1 kind=behind\n") &&
		      strstr(out, "tcp 432000 ESTABLISHED src=fd00:16::1 dst=fd00:16::94 sport=40000 dport=80 "
				  "src=fd00:16::2 dst=fd00:16::94 sport=8080 dport=61000 id=2 kind=onearm [snat]\n") &&
		      !strstr(out, "only"),
	      out, "conns: one line per connection of each family, IPv6 as conntrack writes it");
	conns_capture(e4, 2, e6, 2, true, out, sizeof(out));
	check(strstr(out, "\"family\":\"ipv4\"") && strstr(out, "\"family\":\"ipv6\"") &&
		      strstr(out, "\"src\":\"fd00:16::2\",\"dst\":\"fd00:16::94\",\"sport\":8080") &&
		      !strstr(out, "\"orphan\":true"),
	      out, "conns -j: family, IPv6 tuples, both paired");
	conns_capture(NULL, 0, e6, 1, false, out, sizeof(out));
	check(strstr(out, "dport=80 [orig only] id=2") != NULL, out,
	      "conns: an IPv6 ORIG entry without its REPLY is shown alone");
	test_conns_xlate();
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_prometheus();
	test_libbpf_prefix();
	test_conns();
	printf("1..%d\n", t_num);
	return t_fail ? 1 : 0;
}
