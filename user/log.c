// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "log.h"

static enum wf_log_level log_level = WF_LOG_INFO;

void wf_log_set_level(enum wf_log_level level)
{
	log_level = level;
}

enum wf_log_level wf_log_get_level(void)
{
	return log_level;
}

static void wf_vlog(enum wf_log_level level, const char *fmt, va_list ap)
{
	if (level > log_level)
		return;
	vfprintf(stderr, fmt, ap);
}

void wf_log(enum wf_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wf_vlog(level, fmt, ap);
	va_end(ap);
}

/* libbpf warns about things we handle ourselves (a missing tcx, a busy XDP
 * hook we fall back from), so its warnings are debug output to us. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum wf_log_level l;

	switch (level) {
	case LIBBPF_WARN:
		l = WF_LOG_DEBUG;
		break;
	case LIBBPF_INFO:
		l = WF_LOG_DEBUG + 1;
		break;
	default:
		l = WF_LOG_DEBUG + 2;
		break;
	}
	if (l > log_level)
		return 0;
	/* libbpf's own messages start with "libbpf: " already. */
	if (strncmp(fmt, "libbpf: ", 8))
		fputs("libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

void wf_log_init_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
