/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Diagnostics on stderr: pr_warn always, pr_info unless quiet, pr_debug
 * with -v. libbpf's own messages go through the same levels, demoted one
 * step (its warnings are only shown with -v). */
#ifndef WF_LOG_H
#define WF_LOG_H

enum wf_log_level {
	WF_LOG_WARN = 0,
	WF_LOG_INFO = 1,
	WF_LOG_DEBUG = 2,
};

void wf_log_set_level(enum wf_log_level level);
enum wf_log_level wf_log_get_level(void);
/* Route libbpf's messages through wf_log (demoted one level). */
void wf_log_init_libbpf(void);
void wf_log(enum wf_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_warn(fmt, ...) wf_log(WF_LOG_WARN, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) wf_log(WF_LOG_INFO, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) wf_log(WF_LOG_DEBUG, fmt, ##__VA_ARGS__)

#endif
