// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* wslfwd stats, wslfwd conns: the counters and the connection table. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "maps.h"
#include "print.h"

static int stats_opt(int c, const char *arg, void *ctx)
{
	if (c != OPT_PROMETHEUS)
		return EXIT_USAGE;
	*(bool *)ctx = true;
	return 0;
}

int cmd_stats(int argc, char **argv)
{
	bool prometheus = false;
	struct wf_mapping_row *rows;
	const struct wf_mapping *all;
	struct wf_counters *sums;
	__u64 stats[WF_STAT_MAX];
	struct wf_maps m;
	size_t n = 0;
	int ret;
	__u32 id;

	ret = parse_no_args(argc, argv, "stats", stats_opt, &prometheus);
	if (ret)
		return ret;
	if (prometheus && wf_print_json()) {
		wf_error("stats: --prometheus and --json are two formats; choose one");
		return EXIT_USAGE;
	}
	ret = need_loaded(&m);
	if (ret)
		return ret;
	ret = wf_maps_mappings(&m, &all);
	if (!ret)
		ret = wf_maps_stats(&m, stats);
	rows = calloc(WF_MAX_MAPPINGS, sizeof(*rows));
	if (ret || !rows) {
		wf_error("cannot read the maps in %s: %s", env.pin_dir,
			 strerror(ret ? -ret : ENOMEM));
		free(rows);
		wf_maps_close(&m);
		return EXIT_FAIL;
	}
	/* All counters in one bulk read; id by id if that fails. */
	sums = calloc(WF_MAX_MAPPINGS, sizeof(*sums));
	if (sums && wf_maps_counters_all(&m, sums)) {
		free(sums);
		sums = NULL;
	}
	for (id = 1; id < WF_MAX_MAPPINGS; id++) {
		if (!all[id].in_use)
			continue;
		rows[n].id = id;
		rows[n].m = all[id];
		if (sums)
			rows[n].c = sums[id];
		else
			wf_maps_counters(&m, id, &rows[n].c);
		n++;
	}
	if (prometheus)
		wf_print_prometheus(stdout, rows, n, stats);
	else
		wf_print_stats(rows, n, stats);
	free(sums);
	free(rows);
	wf_maps_close(&m);
	return EXIT_OK;
}

int cmd_conns(int argc, char **argv)
{
	struct wf_ct6_entry *ct6 = NULL;
	struct wf_ct_entry *ct = NULL;
	struct wf_maps m;
	size_t n = 0, n6 = 0;
	int ret;

	ret = parse_no_args(argc, argv, "conns", NULL, NULL) ?: need_loaded(&m);
	if (ret)
		return ret;
	ret = wf_maps_ct_dump(&m, &ct, &n);
	if (!ret) {
		ret = wf_maps_ct6_dump(&m, &ct6, &n6);
		if (ret) {
			wf_error("cannot read wf_ct6 in %s: %s", env.pin_dir, strerror(-ret));
			wf_maps_close(&m);
			free(ct);
			return EXIT_FAIL;
		}
	}
	if (!ret) {
		struct wf_ct_conf cf;

		/* expiry as the datapath sees it: the timeouts set at load */
		if (!wf_maps_ct_conf_get(&m, &cf))
			wf_print_set_ct_conf(&cf);
	}
	wf_maps_close(&m);
	if (ret) {
		wf_error("cannot read wf_ct in %s: %s", env.pin_dir, strerror(-ret));
		return EXIT_FAIL;
	}
	wf_print_conns(ct, n, ct6, n6, now_ns());
	free(ct);
	free(ct6);
	return EXIT_OK;
}
