// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* SNAT range vs the VM's own ephemeral ports (ports.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ports.h"
#include "log.h"

#define WF_SYSCTL_RANGE		"/proc/sys/net/ipv4/ip_local_port_range"
#define WF_SYSCTL_RESERVED	"/proc/sys/net/ipv4/ip_local_reserved_ports"

/* Calls @fn for each range of @list; -EINVAL when it does not parse. */
static int list_walk(const char *list, int (*fn)(__u32 a, __u32 b, void *ctx), void *ctx)
{
	const char *p = list;
	char *e;

	while (*p && *p != '\n') {
		unsigned long a, b;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		a = strtoul(p, &e, 10);
		b = a;
		if (*e == '-') {
			if (e[1] < '0' || e[1] > '9')
				return -EINVAL;
			b = strtoul(e + 1, &e, 10);
		}
		if (a > 65535 || b > 65535 || a > b)
			return -EINVAL;
		fn(a, b, ctx);
		if (*e == ',')
			e++;
		else if (*e && *e != '\n')
			return -EINVAL;
		p = e;
	}
	return 0;
}

struct cover {
	unsigned char bits[65536 / 8];
};

static int cover_set(__u32 a, __u32 b, void *ctx)
{
	struct cover *c = ctx;

	for (; a <= b; a++)
		c->bits[a / 8] |= 1 << (a % 8);
	return 0;
}

int wf_ports_list_covers(const char *list, __u32 min, __u32 max)
{
	struct cover c = {};
	int ret = list_walk(list, cover_set, &c);

	if (ret)
		return ret;
	for (; min <= max; min++)
		if (!(c.bits[min / 8] & (1 << (min % 8))))
			return 0;
	return 1;
}

int wf_ports_list_remove(const char *list, __u32 min, __u32 max, char *out, size_t len)
{
	struct cover c = {};
	size_t off = 0;
	__u32 p, start;
	int ret = list_walk(list, cover_set, &c);

	if (ret)
		return ret;
	for (p = min; p <= max; p++)
		c.bits[p / 8] &= ~(1 << (p % 8));
	out[0] = 0;
	for (p = 0; p < 65536; p++) {
		if (!(c.bits[p / 8] & (1 << (p % 8))))
			continue;
		start = p;
		while (p + 1 < 65536 && (c.bits[(p + 1) / 8] & (1 << ((p + 1) % 8))))
			p++;
		off += snprintf(out + off, off < len ? len - off : 0, "%s%u", off ? "," : "", start);
		if (p != start)
			off += snprintf(out + off, off < len ? len - off : 0, "-%u", p);
	}
	return off < len ? 0 : -ENOSPC;
}

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int err = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, len, f))
		buf[0] = 0;
	if (ferror(f))
		err = -EIO;
	fclose(f);
	return err;
}

static int write_line(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return -errno;
	/* "" clears the list; the kernel wants at least a newline */
	if (fprintf(f, "%s\n", s) < 0)
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

int wf_snat_ports_reserve(__u32 min, __u32 max, bool *added, char *err, size_t errlen)
{
	char list[8192], next[8300], range[64];
	unsigned int lo = 0, hi = 0;
	bool overlap;
	int ret;

	*added = false;
	ret = read_line(WF_SYSCTL_RANGE, range, sizeof(range));
	if (ret || sscanf(range, "%u %u", &lo, &hi) != 2) {
		/* No /proc/sys (a container): nothing to check against. */
		pr_warn("wslfwd: cannot read net.ipv4.ip_local_port_range: %s; not checking "
			"the SNAT ports %u-%u against the VM's own\n",
			strerror(ret ? -ret : EINVAL), min, max);
		return 0;
	}
	overlap = !(hi < min || lo > max);
	ret = read_line(WF_SYSCTL_RESERVED, list, sizeof(list));
	if (!ret) {
		list[strcspn(list, "\n")] = 0;
		ret = wf_ports_list_covers(list, min, max);
		if (ret > 0)
			return 0;	/* reserved already, by the admin or us */
		if (!ret) {
			snprintf(next, sizeof(next), "%s%s%u-%u", list, *list ? "," : "", min, max);
			ret = write_line(WF_SYSCTL_RESERVED, next);
			if (!ret) {
				*added = true;
				pr_debug("wslfwd: reserved ports %u-%u in "
					 "net.ipv4.ip_local_reserved_ports\n", min, max);
				return 0;
			}
		}
	}
	if (!overlap) {
		pr_warn("wslfwd: cannot reserve the SNAT ports %u-%u in "
			"net.ipv4.ip_local_reserved_ports (%s); the VM's own sockets do not "
			"use them now (ip_local_port_range %u-%u)\n", min, max,
			strerror(ret < 0 ? -ret : EINVAL), lo, hi);
		return 0;
	}
	snprintf(err, errlen,
		 "the VM's own sockets may take ports %u-%u that one-arm connections are given "
		 "(net.ipv4.ip_local_port_range is %u-%u), and net.ipv4.ip_local_reserved_ports "
		 "cannot be written to keep them off (%s); narrow the range (sysctl -w "
		 "net.ipv4.ip_local_port_range=\"%u %u\") or reserve %u-%u yourself",
		 min, max, lo, hi, strerror(ret < 0 ? -ret : EINVAL), lo < min ? lo : 32768,
		 min - 1, min, max);
	return -EADDRINUSE;
}

int wf_snat_ports_release(__u32 min, __u32 max)
{
	char list[8192], next[8192];
	int ret;

	ret = read_line(WF_SYSCTL_RESERVED, list, sizeof(list));
	if (ret)
		return ret;
	list[strcspn(list, "\n")] = 0;
	ret = wf_ports_list_remove(list, min, max, next, sizeof(next));
	if (ret)
		return ret;
	return write_line(WF_SYSCTL_RESERVED, next);
}
