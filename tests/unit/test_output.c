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

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_prometheus();
	test_libbpf_prefix();
	printf("1..%d\n", t_num);
	return t_fail ? 1 : 0;
}
