// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The config file: one mapping per line in the words of `add` (a leading
 * word `add` is accepted too), '#' comments and blank lines.
 *
 * Edits work on the file's bytes line by line: lines that are not touched
 * (comments, blank lines, other mappings, even lines that do not parse) are
 * copied verbatim. Every change goes through wf_config_write(): temp file in
 * the same directory, fsync, rename over the old file, fsync the directory,
 * so a reader sees either the old or the new file, never a mix, and a
 * failure at any step leaves the old file untouched.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config.h"
#include "parse.h"

#define LINE_WORDS	32	/* more than any mapping has; the parser reports extras */
#define LINE_FMT	512	/* a canonical line with WF_MAX_ALLOW IPv6 CIDRs fits */

__attribute__((format(printf, 4, 5)))
static int seterr(int ret, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* The whole file in memory; a missing file reads as empty (*exists = false). */
static int slurp(const char *path, char **data, size_t *size, bool *exists, char *err,
		 size_t errlen)
{
	size_t cap = 4096, n = 0;
	char *buf, *nbuf;
	ssize_t r;
	int fd, ret;

	*data = NULL;
	*size = 0;
	*exists = false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		ret = -errno;
		return seterr(ret, err, errlen, "cannot open %s: %s", path, strerror(-ret));
	}
	buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		return seterr(-ENOMEM, err, errlen, "%s: out of memory", path);
	}
	for (;;) {
		if (n == cap) {
			nbuf = realloc(buf, cap * 2 + 1);
			if (!nbuf) {
				ret = seterr(-ENOMEM, err, errlen, "%s: out of memory", path);
				goto fail;
			}
			buf = nbuf;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			seterr(ret, err, errlen, "cannot read %s: %s", path, strerror(-ret));
			goto fail;
		}
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	buf[n] = '\0';
	*data = buf;
	*size = n;
	*exists = true;
	return 0;
fail:
	close(fd);
	free(buf);
	return ret;
}

/* Iterate over the lines of data: the line and its length include the '\n' if any. */
static bool next_line(const char *data, size_t size, size_t *off, const char **line,
		      size_t *len)
{
	const char *nl;

	if (*off >= size)
		return false;
	*line = data + *off;
	nl = memchr(*line, '\n', size - *off);
	*len = nl ? (size_t)(nl - *line) + 1 : size - *off;
	*off += *len;
	return true;
}

/*
 * Parse one line. Returns 1 with *m filled for a mapping line, 0 for a blank
 * or comment-only line, -EINVAL with the parser's message for a bad one.
 */
static int parse_line(const char *line, size_t len, struct wf_mapping *m, char *err,
		      size_t errlen)
{
	char *copy, *words[LINE_WORDS];
	int n, ret;

	copy = strndup(line, len);
	if (!copy)
		return seterr(-ENOMEM, err, errlen, "out of memory");
	n = wf_split_words(copy, words, LINE_WORDS);
	if (n == 0) {
		free(copy);
		return 0;
	}
	if (!strcasecmp(words[0], "add"))
		ret = wf_parse_mapping(n - 1, words + 1, m, err, errlen);
	else
		ret = wf_parse_mapping(n, words, m, err, errlen);
	free(copy);
	return ret ?: 1;
}

int wf_check_bytes(const char *s, size_t len, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c >= 0x20 && c != 0x7f)
			continue;
		/* Tabs separate words; a line ends in \n, or \r\n (a config
		 * edited on the Windows side). */
		if (c == '\t' || (c == '\n' && i == len - 1) ||
		    (c == '\r' && i + 2 == len && s[i + 1] == '\n') || (c == '\r' && i + 1 == len))
			continue;
		return seterr(-EINVAL, err, errlen,
			      "control byte 0x%02x%s at column %zu; only printable text, spaces and tabs belong in a mapping",
			      c, c == 0 ? " (NUL)" : "", i + 1);
	}
	return 0;
}

/* Whether a line carries a mapping (any word outside a comment). */
static bool line_has_words(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len && line[i] != '#'; i++)
		if (!strchr(" \t\r\n\v\f", line[i]))
			return true;
	return false;
}

#define same_mapping wf_mapping_equal

/*
 * The lines read so far, by first port: a new line is compared with those
 * whose ports can overlap its own, not with all of them (a 10k-line config
 * read pairwise took 50M compares, most of an `add` at that size). Where
 * the widest range read makes that window longer than the lines themselves,
 * every line is compared, as before.
 */
struct port_index {
	int first[65536];	/* the last line read starting at this port; -1: none */
	int *next;		/* by line: the one read before it at its first port */
	unsigned int span;	/* the widest lport_end - lport read */
};

/* The line of maps[0..cnt) m duplicates (>= 0), or -1; *clash: the first
 * one m conflicts with, or -1. Lines never both duplicate and conflict. */
static int port_index_find(const struct port_index *x, const struct wf_mapping *maps, size_t cnt,
			   const struct wf_mapping *m, int *clash)
{
	unsigned int lo = m->lport > x->span ? m->lport - x->span : 0, p;
	size_t i;
	int j;

	*clash = -1;
	if (m->lport_end - lo + 1 > cnt) {
		for (i = 0; i < cnt; i++) {
			if (same_mapping(&maps[i], m))
				return i;
			if (*clash < 0 && wf_mapping_conflicts(&maps[i], m))
				*clash = i;
		}
		return -1;
	}
	for (p = lo; p <= m->lport_end; p++)
		for (j = x->first[p]; j >= 0; j = x->next[j]) {
			if (same_mapping(&maps[j], m))
				return j;
			if (wf_mapping_conflicts(&maps[j], m) && (*clash < 0 || j < *clash))
				*clash = j;
		}
	return -1;
}

static void port_index_add(struct port_index *x, const struct wf_mapping *m, int i)
{
	unsigned int span = m->lport_end - m->lport;

	x->next[i] = x->first[m->lport];
	x->first[m->lport] = i;
	if (span > x->span)
		x->span = span;
}

int wf_config_read(const char *path, struct wf_mapping **out, size_t *n, size_t *dups,
		   char *err, size_t errlen)
{
	struct wf_mapping m, *maps = NULL, *nmaps;
	unsigned int *lines = NULL, *nlines, lineno = 0;
	size_t size, off = 0, cnt = 0, cap = 0, len;
	char msg[256], a[LINE_FMT], b[LINE_FMT];
	struct port_index *x;
	int *nnext, dup, clash;
	const char *line;
	char *data;
	bool exists;
	int ret;

	*out = NULL;
	*n = 0;
	if (dups)
		*dups = 0;
	ret = slurp(path, &data, &size, &exists, err, errlen);
	if (ret)
		return ret;
	x = calloc(1, sizeof(*x));
	if (!x) {
		free(data);
		return seterr(-ENOMEM, err, errlen, "%s: out of memory", path);
	}
	memset(x->first, 0xff, sizeof(x->first));
	while (next_line(data, size, &off, &line, &len)) {
		lineno++;
		ret = wf_check_bytes(line, len, msg, sizeof(msg));
		if (!ret)
			ret = parse_line(line, len, &m, msg, sizeof(msg));
		if (ret > 0 && wf_mapping_check_policy(&m, msg, sizeof(msg)))
			ret = -EINVAL;
		if (ret < 0) {
			seterr(ret, err, errlen, "%s:%u: %s", path, lineno, msg);
			goto fail;
		}
		if (ret == 0)
			continue;
		dup = port_index_find(x, maps, cnt, &m, &clash);
		if (dup < 0 && clash >= 0) {
			wf_format_mapping(&m, a, sizeof(a));
			wf_format_mapping(&maps[clash], b, sizeof(b));
			ret = seterr(-EINVAL, err, errlen,
				     "%s:%u: '%s' conflicts with line %u '%s' (remove one of them)",
				     path, lineno, a, lines[clash], b);
			goto fail;
		}
		if (dup >= 0) {
			if (dups)
				(*dups)++;
			continue;
		}
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			nmaps = realloc(maps, cap * sizeof(*maps));
			if (nmaps)
				maps = nmaps;
			nlines = realloc(lines, cap * sizeof(*lines));
			if (nlines)
				lines = nlines;
			nnext = realloc(x->next, cap * sizeof(*x->next));
			if (nnext)
				x->next = nnext;
			if (!nmaps || !nlines || !nnext) {
				ret = seterr(-ENOMEM, err, errlen, "%s: out of memory", path);
				goto fail;
			}
		}
		maps[cnt] = m;
		port_index_add(x, &m, cnt);
		lines[cnt++] = lineno;
	}
	free(data);
	free(lines);
	free(x->next);
	free(x);
	*out = maps;
	*n = cnt;
	return 0;
fail:
	free(data);
	free(lines);
	free(x->next);
	free(x);
	free(maps);
	if (dups)
		*dups = 0;
	return ret;
}

/* A growing output buffer for the rewritten file. */
struct obuf {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void ob_put(struct obuf *o, const char *s, size_t n)
{
	char *nbuf;
	size_t ncap;

	if (o->oom)
		return;
	if (o->len + n + 1 > o->cap) {
		ncap = (o->len + n + 1) * 2;
		nbuf = realloc(o->buf, ncap);
		if (!nbuf) {
			o->oom = true;
			return;
		}
		o->buf = nbuf;
		o->cap = ncap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void ob_puts(struct obuf *o, const char *s)
{
	ob_put(o, s, strlen(s));
}

/*
 * Replace path with data atomically. The temp file lives in the same
 * directory so rename(2) cannot cross a filesystem; a symlink at path is
 * followed so the link itself stays.
 */
int wf_config_write(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
	char real[PATH_MAX], *d = NULL, *tmp = NULL, *dir = NULL;
	const char *target = path;
	size_t done = 0;
	ssize_t w;
	int fd = -1, dfd, ret = 0;

	if (realpath(path, real))
		target = real;
	d = strdup(target);
	if (d)
		dir = dirname(d);
	if (!d || asprintf(&tmp, "%s" WF_CONFIG_TMP_SUFFIX "%d", target, (int)getpid()) < 0) {
		tmp = NULL;
		ret = seterr(-ENOMEM, err, errlen, "%s: out of memory", path);
		goto out;
	}
	/* Named after our pid so that a later command can tell a killed
	 * writer's leftover (wf_config_clean_tmp). One with our own pid is
	 * such a leftover too: a live writer would be us. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == EEXIST && !unlink(tmp))
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ret = -errno;
		seterr(ret, err, errlen, "cannot write %s: cannot create a temporary file in %s: %s",
		       path, dir, strerror(-ret));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	while (done < len) {
		w = write(fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			ret = -errno;
			seterr(ret, err, errlen, "cannot write %s: %s", tmp, strerror(-ret));
			goto out;
		}
		done += w;
	}
	if (fchmod(fd, 0644) || fsync(fd)) {
		ret = -errno;
		seterr(ret, err, errlen, "cannot write %s: %s", tmp, strerror(-ret));
		goto out;
	}
	/* close() can report a delayed write error (NFS); check it. */
	ret = close(fd);
	fd = -1;
	if (ret) {
		ret = -errno;
		seterr(ret, err, errlen, "cannot write %s: %s", tmp, strerror(-ret));
		goto out;
	}
	if (rename(tmp, target)) {
		ret = -errno;
		seterr(ret, err, errlen, "cannot replace %s: %s", path, strerror(-ret));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	/* Make the rename itself durable. The new file is in place now and
	 * cannot be taken back, so a failure here (some filesystems refuse
	 * fsync on a directory) is not reported as a failed write. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(d);
	return ret;
}

/* The comment part of a line ("# ..." without the newline), or NULL. */
static const char *line_comment(const char *line, size_t len, size_t *clen)
{
	const char *h = memchr(line, '#', len);

	if (!h)
		return NULL;
	*clen = len - (h - line);
	while (*clen && (h[*clen - 1] == '\n' || h[*clen - 1] == '\r'))
		(*clen)--;
	return h;
}

int wf_config_add(const char *path, const struct wf_mapping *m, char *err, size_t errlen)
{
	char canon[LINE_FMT], other[LINE_FMT], msg[256], *copy, *words[LINE_WORDS];
	struct obuf o = { 0 };
	struct wf_mapping back, cur;
	size_t size, off = 0, len;
	unsigned int lineno = 0;
	const char *line;
	char *data;
	bool exists;
	int ret, nw;

	ret = wf_mapping_validate(m, msg, sizeof(msg));
	if (ret)
		return seterr(ret, err, errlen, "%s: %s", path, msg);
	/* Only write what reads back as the same mapping. */
	if (wf_format_mapping(m, canon, sizeof(canon)) >= (int)sizeof(canon))
		return seterr(-EINVAL, err, errlen, "%s: mapping line too long", path);
	copy = strdup(canon);
	if (!copy)
		return seterr(-ENOMEM, err, errlen, "%s: out of memory", path);
	nw = wf_split_words(copy, words, LINE_WORDS);
	ret = wf_parse_mapping(nw, words, &back, msg, sizeof(msg));
	free(copy);
	if (ret || !same_mapping(&back, m))
		return seterr(-EINVAL, err, errlen, "%s: '%s' does not read back: %s", path, canon,
			      ret ? msg : "different mapping");

	ret = slurp(path, &data, &size, &exists, err, errlen);
	if (ret)
		return ret;
	while (next_line(data, size, &off, &line, &len)) {
		lineno++;
		/* Lines that do not parse are left alone; `load` reports them. */
		if (parse_line(line, len, &cur, msg, sizeof(msg)) != 1)
			continue;
		if (same_mapping(&cur, m))
			goto out;	/* already there: nothing to write */
		if (wf_mapping_conflicts(&cur, m)) {
			wf_format_mapping(&cur, other, sizeof(other));
			ret = seterr(-EEXIST, err, errlen, "%s:%u: '%s' conflicts with '%s'", path,
				     lineno, canon, other);
			goto out;
		}
	}
	ob_put(&o, data ? data : "", size);
	if (size && data[size - 1] != '\n')
		ob_puts(&o, "\n");
	ob_puts(&o, canon);
	ob_puts(&o, "\n");
	if (o.oom)
		ret = seterr(-ENOMEM, err, errlen, "%s: out of memory", path);
	else
		ret = wf_config_write(path, o.buf, o.len, err, errlen);
out:
	free(o.buf);
	free(data);
	return ret;
}

/* Shared by del and clear: rewrite every mapping line that matches key
 * (key NULL: every line with words) and return how many changed. */
static int config_edit(const char *path, const struct wf_mapping *key, char *err, size_t errlen)
{
	char canon[LINE_FMT], msg[256];
	struct obuf o = { 0 };
	struct wf_mapping cur;
	size_t size, off = 0, len, clen;
	const char *line, *c;
	int ret, changed = 0;
	char *data;
	bool exists;

	ret = slurp(path, &data, &size, &exists, err, errlen);
	if (ret || !exists)
		return ret;
	while (next_line(data, size, &off, &line, &len)) {
		if (!key) {
			if (line_has_words(line, len)) {
				changed++;
				continue;
			}
		} else if (parse_line(line, len, &cur, msg, sizeof(msg)) == 1 &&
			   wf_mapping_same_listen(&cur, key) && (cur.protos & key->protos)) {
			changed++;
			cur.protos &= ~key->protos;
			if (!cur.protos)
				continue;
			/* A `both` line keeps the other protocol, and its comment. */
			wf_format_mapping(&cur, canon, sizeof(canon));
			ob_puts(&o, canon);
			c = line_comment(line, len, &clen);
			if (c) {
				ob_puts(&o, " ");
				ob_put(&o, c, clen);
			}
			ob_puts(&o, "\n");
			continue;
		}
		ob_put(&o, line, len);
	}
	if (o.oom)
		ret = seterr(-ENOMEM, err, errlen, "%s: out of memory", path);
	else if (changed)
		ret = wf_config_write(path, o.buf ? o.buf : "", o.len, err, errlen);
	free(o.buf);
	free(data);
	return ret ?: changed;
}

int wf_config_del(const char *path, const struct wf_mapping *key, char *err, size_t errlen)
{
	return config_edit(path, key, err, errlen);
}

int wf_config_clear(const char *path, char *err, size_t errlen)
{
	return config_edit(path, NULL, err, errlen);
}

int wf_config_clean_tmp(const char *path)
{
	char real[PATH_MAX], *d, *b, *end;
	const char *target = path, *base;
	struct dirent *de;
	size_t blen, slen = strlen(WF_CONFIG_TMP_SUFFIX);
	int removed = 0, dfd;
	long pid;
	DIR *dir;

	if (realpath(path, real))
		target = real;
	d = strdup(target);
	b = strdup(target);
	if (!d || !b)
		goto out;
	base = basename(b);
	blen = strlen(base);
	dir = opendir(dirname(d));
	if (!dir)
		goto out;
	dfd = dirfd(dir);
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, base, blen) ||
		    strncmp(de->d_name + blen, WF_CONFIG_TMP_SUFFIX, slen))
			continue;
		errno = 0;
		pid = strtol(de->d_name + blen + slen, &end, 10);
		if (errno || *end || end == de->d_name + blen + slen || pid <= 0 || pid > INT_MAX)
			continue;
		/* Alive (or not ours to signal): a writer may still be at it. */
		if (!kill((pid_t)pid, 0) || errno != ESRCH)
			continue;
		if (!unlinkat(dfd, de->d_name, 0))
			removed++;
	}
	closedir(dir);
out:
	free(d);
	free(b);
	return removed;
}
