/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The config file: one mapping per line in the words of `add`, '#' comments.
 * Every change is written atomically: a temp file in the same directory,
 * fsync, rename over the old one, fsync the directory. */
#ifndef WF_CONFIG_H
#define WF_CONFIG_H

#include <stddef.h>
#include <linux/types.h>
#include "wslfwd.h"

#define WF_CONFIG_DEFAULT "/etc/wslfwd.conf"

/* Read every mapping. A missing file is an empty config (0, n = 0). A bad
 * line fails the whole read with -EINVAL and err = "FILE:LINE: message".
 * A control byte (wf_check_bytes) or a mapping that breaks a policy
 * (wf_mapping_check_policy) is a bad line too.
 * A line that repeats an earlier one exactly is skipped (*dups counts them,
 * dups may be NULL); a line that conflicts with an earlier one is an error.
 * *out is malloc'd; the caller frees it. */
int wf_config_read(const char *path, struct wf_mapping **out, size_t *n, size_t *dups,
		   char *err, size_t errlen);

/* Append a mapping line (canonical words). Other lines and comments stay.
 * A line with the very same mapping already there: nothing written, 0.
 * A line that conflicts with it: -EEXIST, "FILE:LINE: ... conflicts ...". */
int wf_config_add(const char *path, const struct wf_mapping *m, char *err, size_t errlen);

/* Remove protocols `key->protos` from the line(s) with key's listen side;
 * a `both` line losing one protocol is rewritten with the other. Other lines
 * and comments stay. Returns the number of lines changed (0: none matched). */
int wf_config_del(const char *path, const struct wf_mapping *key, char *err, size_t errlen);

/* Refuse control bytes in a config line or an argument: C0 bytes and DEL,
 * except tab, the line's final \n and a \r before it. -EINVAL with err
 * naming the byte and its column. */
int wf_check_bytes(const char *s, size_t len, char *err, size_t errlen);

/* Temp files of wf_config_write are "<config>.tmp.<pid>". Remove those
 * whose writer is gone (killed mid-write); returns how many. Call it with
 * the mapping lock held (user/store.h). */
#define WF_CONFIG_TMP_SUFFIX ".tmp."
int wf_config_clean_tmp(const char *path);

/* Remove every mapping line, keep comments. Returns how many went. */
int wf_config_clear(const char *path, char *err, size_t errlen);

/* Replace the file at path with data atomically (what add/del/clear use):
 * temp file "<path>.tmp.<pid>" in the same directory, fchmod 0644, fsync, rename, fsync the
 * directory. On failure the old file is untouched and no temp file is
 * left; returns 0 or -errno with the message in err. */
int wf_config_write(const char *path, const char *data, size_t len, char *err, size_t errlen);

#endif
