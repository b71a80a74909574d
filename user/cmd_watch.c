// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* wslfwd watch: the options; the daemon itself is user/watch.c. */
#include <getopt.h>
#include "cmd.h"
#include "print.h"
#include "watch.h"

struct watch_args {
	const char *dev;
	bool windows;
};

static int watch_opt(int opt, const char *arg, void *ctx)
{
	struct watch_args *a = ctx;

	if (opt == OPT_DEV)
		a->dev = arg;
	else if (opt == OPT_WINDOWS)
		a->windows = true;
	else
		return EXIT_USAGE;
	return 0;
}

int cmd_watch(int argc, char **argv)
{
	struct watch_args a = {};
	struct wf_watch_opts o = { .pin_dir = env.pin_dir, .config = env.config,
				   .debounce_ms = 100, .resync_s = 10 };
	int ret;

	ret = parse_no_args(argc, argv, "watch", watch_opt, &a);
	if (ret)
		return ret;
	o.dev = a.dev;
	o.windows = a.windows;
	ret = wf_watch(&o);
	return ret ? EXIT_FAIL : EXIT_OK;
}
