/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* TAP output for the userspace unit suites: one `ok N - name` / `not ok N -
 * name` line per check, `# got: ...` after a failure. main() returns
 * t_fail != 0. Header-only: each suite is one program. */
#ifndef WF_TAP_H
#define WF_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int t_num, t_fail;

/* One TAP line; got (may be NULL) is printed as a diagnostic on failure. */
__attribute__((format(printf, 3, 4)))
static bool check(bool cond, const char *got, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++t_num);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		t_fail++;
		if (got)
			printf("# got: %s\n", got);
	}
	return cond;
}

/* Split a line into words as the config reader does, into buf. */
static inline int split_str(const char *s, char *buf, size_t len, char **w, int max)
{
	snprintf(buf, len, "%s", s);
	return wf_split_words(buf, w, max);
}

#endif
