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

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct cmd cmds[] = {
	{ "load", cmd_load },	{ "unload", cmd_unload }, { "status", cmd_status },
	{ "add", cmd_add },	{ "del", cmd_del },	  { "list", cmd_list },
	{ "stats", cmd_stats }, { "conns", cmd_conns },	  { "flush", cmd_flush },
	{ "watch", cmd_watch }, { "netsh", cmd_netsh },	  { "windows", cmd_windows },
};
#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

int main(int argc, char **argv)
{
	const char *names[N_CMDS];
	size_t i;
	int idx, c;

	env.pin_dir = getenv("WSLFWD_PIN_DIR");
	if (!env.pin_dir || !*env.pin_dir)
		env.pin_dir = WF_PIN_DIR_DEFAULT;
	env.config = getenv("WSLFWD_CONFIG");
	if (!env.config || !*env.config)
		env.config = WF_CONFIG_DEFAULT;
	wf_log_init_libbpf();
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Global options up to the command word. */
	idx = parse_opts(argc, argv, NULL, 0, "+", NULL, NULL);
	if (idx < 0)
		return -idx;
	if (idx >= argc) {
		if (wf_print_json()) {
			wf_error("no command given; see 'wslfwd --help'");
		} else {
			usage(stderr);
		}
		return EXIT_USAGE;
	}
	for (i = 0; i < N_CMDS; i++)
		names[i] = cmds[i].name;
	c = match_word(argv[idx], names, N_CMDS, "command");
	if (c < 0)
		return EXIT_USAGE;
	/* Where the pins of a load done elsewhere are (user/bpffs.h); load
	 * does its own, stricter check. */
	if (cmds[c].fn != cmd_load)
		wf_bpffs_prepare(env.pin_dir, false, NULL, 0);
	/* The command sees argv from its own name on; getopt skips argv[0]. */
	return cmds[c].fn(argc - idx, argv + idx);
}
