// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * wslfwd: loader and control CLI. A table of commands (unique prefixes
 * accepted, like bpftool), global options before or after the command,
 * exit status 0 done, 1 runtime failure, 2 bad usage or input.
 */
#include <stdio.h>
#include <stdlib.h>
#include "bpffs.h"
#include "cmd.h"
#include "config.h"
#include "log.h"
#include "print.h"

int main(int argc, char **argv)
{
	const char *names[wf_n_cmds];
	int idx, c, i;

	env.pin_dir = getenv("WSLFWD_PIN_DIR");
	if (!env.pin_dir || !*env.pin_dir)
		env.pin_dir = WF_PIN_DIR_DEFAULT;
	env.config = getenv("WSLFWD_CONFIG");
	if (!env.config || !*env.config)
		env.config = WF_CONFIG_DEFAULT;
	wf_log_init_libbpf();
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Global options up to the command word. */
	idx = parse_opts(argc, argv, NULL, true, NULL, NULL);
	if (idx < 0)
		return -idx;
	if (idx >= argc) {
		if (wf_print_json()) {
			wf_error("no command given; see 'wslfwd --help'");
		} else {
			wf_usage(stderr);
		}
		return EXIT_USAGE;
	}
	for (i = 0; i < wf_n_cmds; i++)
		names[i] = wf_cmds[i].name;
	c = match_word(argv[idx], names, wf_n_cmds, "command");
	if (c < 0)
		return EXIT_USAGE;
	/* Where the pins of a load done elsewhere are (user/bpffs.h); load
	 * does its own, stricter check. */
	if (wf_cmds[c].run != cmd_load)
		wf_bpffs_prepare(env.pin_dir, false, NULL, 0);
	/* The command sees argv from its own name on; getopt skips argv[0]. */
	return wf_cmds[c].run(argc - idx, argv + idx);
}
