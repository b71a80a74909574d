// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The command line as data (user/opts.h): the global options, every
 * command with its options, and the help made from them.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "config.h"
#include "opts.h"
#include "wslfwd.h"

#define WRAP_COLS	78	/* --help lines, with their indent */
#define SYN_INDENT	10	/* a command's synopsis under its name */
#define OPT_INDENT	22	/* option help after "  --name ARG" */

const struct wf_opt wf_global_opts[] = {
	{ "json", 'j', NULL, NULL, "JSON output (errors as {\"error\": ...})" },
	{ "pretty", 'p', NULL, NULL, "pretty-printed JSON" },
	{ "verbose", 'v', NULL, NULL, "debug output (twice: libbpf details)" },
	{ "pin-dir", OPT_PIN_DIR, "DIR", NULL,
	  "pinned state (default " WF_PIN_DIR_DEFAULT ", env WSLFWD_PIN_DIR)" },
	{ "config", OPT_CONFIG, "FILE", NULL,
	  "mappings file (default " WF_CONFIG_DEFAULT ", env WSLFWD_CONFIG)" },
	{ "help", 'h', NULL, NULL, "this help; after a command, that command's" },
	{ "version", 'V', NULL, NULL, "version" },
	{ NULL },
};

/* The `load --timeout` classes, from the conntrack states' X-macro. */
#define WF_CT_CLASS_WORD(name, val, str, opt, to) " " opt
#define TIMEOUT_CLASSES (WF_CT_STATES(WF_CT_CLASS_WORD) + 1)

static const struct wf_opt load_opts[] = {
	{ "dev", OPT_DEV, "IFACE", NULL,
	  "the device (default: the one carrying the default route, else eth0)" },
	{ "mode", OPT_MODE, "auto|xdp|xdp-generic|tc", "auto xdp xdp-generic tc",
	  "the attach path; auto: the fastest that delivers on IFACE" },
	{ "cgroup", OPT_CGROUP, "PATH|none", "none",
	  "cgroup v2 of the local clients' socket hooks (default: the root)" },
	{ "ct-size", OPT_CT_SIZE, "N", NULL, "connections tracked (default 262144)" },
	{ "redirect", OPT_REDIRECT, "auto|none|DEV[,DEV...]", "auto none",
	  "devices behind the VM reached with XDP_REDIRECT" },
	{ "timeout", OPT_TIMEOUT, "CLASS=SECONDS[,...]", TIMEOUT_CLASSES,
	  "conntrack timeouts, kept in the pins; CLASS:" },
	{ NULL },
};

static const struct wf_opt stats_opts[] = {
	{ "prometheus", OPT_PROMETHEUS, NULL, NULL, "Prometheus text format" },
	{ NULL },
};

static const struct wf_opt watch_opts[] = {
	{ "dev", OPT_DEV, "IFACE", NULL, "the device (default: the one load attached to)" },
	{ "windows", OPT_WINDOWS, NULL, NULL, "apply the Windows side at start and when @vm or the mappings change" },
	{ NULL },
};

static const struct wf_opt windows_opts[] = {
	{ "apply", OPT_APPLY, NULL, NULL, "run them with powershell.exe (WSL interop)" },
	{ NULL },
};

#define MAPPING_ARGS	"PROTO [LADDR:]LPORT[-LPORT2]"

const struct wf_cmd wf_cmds[] = {
	{ "load", cmd_load, "", load_opts,
	  "attach the datapath to IFACE, pin it, apply the config (over a running one: replace "
	  "it in place)" },
	{ "unload", cmd_unload, "", NULL, "detach, remove wslfwd's own pins" },
	{ "status", cmd_status, "", NULL, "what runs where, the path each target kind takes" },
	{ "add", cmd_add,
	  MAPPING_ARGS " TADDR:TPORT [allow CIDR[,CIDR...]] [snat auto|always|never]", NULL,
	  "add a mapping (to the config, and to the maps when loaded)" },
	{ "del", cmd_del, MAPPING_ARGS, NULL, "delete a mapping and its connections" },
	{ "list", cmd_list, "", NULL, "the mappings" },
	{ "stats", cmd_stats, "", stats_opts, "counters: per mapping, drops, events" },
	{ "conns", cmd_conns, "", NULL, "the connection table" },
	{ "flush", cmd_flush, "conns | mappings", NULL, "forget every connection or mapping" },
	{ "watch", cmd_watch, "", watch_opts, "follow @vm/@host; SIGHUP reloads the config" },
	{ "netsh", cmd_netsh, "interface portproxy add|set|delete|show ...", NULL,
	  "Windows' own portproxy words" },
	{ "windows", cmd_windows, "", windows_opts,
	  "the Windows-side lines that expose the mappings to the LAN" },
};
const int wf_n_cmds = ARRAY_SIZE(wf_cmds);

const struct wf_cmd *wf_cmd_find(const char *name)
{
	int i;

	for (i = 0; i < wf_n_cmds; i++)
		if (!strcmp(wf_cmds[i].name, name))
			return &wf_cmds[i];
	return NULL;
}

int wf_opts_count(const struct wf_opt *o)
{
	int n = 0;

	while (o && o[n].name)
		n++;
	return n;
}

/* Words of s at column *col, wrapped at WRAP_COLS to column indent. A
 * bracketed group ("[--dev IFACE]") is one word. */
static void put_wrapped(FILE *f, const char *s, int *col, int indent)
{
	while (*s) {
		const char *e = s;
		int depth = 0, len;

		while (*e && (depth || *e != ' ')) {
			depth += *e == '[' ? 1 : *e == ']' ? -1 : 0;
			e++;
		}
		len = e - s;
		if (*col > indent && *col + 1 + len > WRAP_COLS) {
			fprintf(f, "\n%*s", indent, "");
			*col = indent;
		} else if (*col > indent) {
			fputc(' ', f);
			(*col)++;
		}
		fprintf(f, "%.*s", len, s);
		*col += len;
		s = *e ? e + 1 : e;
	}
}

/* A command's options and arguments from column *col, wrapped to indent. */
static void put_synopsis(FILE *f, const struct wf_cmd *c, int *col, int indent)
{
	const struct wf_opt *o;
	char buf[128];

	for (o = c->opts; o && o->name; o++) {
		snprintf(buf, sizeof(buf), "[--%s%s%s]", o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
		put_wrapped(f, buf, col, indent);
	}
	put_wrapped(f, c->args, col, indent);
	fputc('\n', f);
}

static void put_opts(FILE *f, const struct wf_opt *o)
{
	char buf[128];
	int col;

	for (; o && o->name; o++) {
		if (o->val < 0x100)
			snprintf(buf, sizeof(buf), "  -%c, --%s%s%s", o->val, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(buf, sizeof(buf), "      --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		col = fprintf(f, "%-*s", OPT_INDENT, buf);
		if (col > OPT_INDENT)
			col = fprintf(f, "\n%*s", OPT_INDENT, "") - 1;
		put_wrapped(f, o->help, &col, OPT_INDENT);
		/* fixed words the argument does not spell out (ARG|ARG): listed */
		if (o->words && o->arg && !strchr(o->arg, '|'))
			put_wrapped(f, o->words, &col, OPT_INDENT);
		fputc('\n', f);
	}
}

void wf_usage(FILE *f)
{
	int i;

	fputs("Usage: wslfwd [OPTIONS] COMMAND [ARGS]\n"
	      "Per-packet port forwarding in the kernel for WSL2 (XDP and tc).\n\n"
	      "Commands (unique prefixes accepted; 'wslfwd COMMAND --help' for one):\n", f);
	for (i = 0; i < wf_n_cmds; i++) {
		const struct wf_cmd *c = &wf_cmds[i];
		bool more = c->opts || *c->args;
		int col = fprintf(f, "  %-*s", more ? SYN_INDENT - 2 : 0, c->name);

		put_synopsis(f, c, &col, SYN_INDENT);
	}
	fputs("\n  PROTO := tcp | udp | both\n"
	      "  LADDR := @vm | @vm6 | IPv4 | [IPv6] | 127.0.0.1 (local clients)\n"
	      "  TADDR := @vm | @host | @vm6 | @host6 | IPv4 | [IPv6] | 127.0.0.1 (loopback-only server)\n"
	      "  within the listen family: IPv4 (no LADDR is @vm) or IPv6 (@vm6, [IPv6])\n\n"
	      "Options:\n", f);
	put_opts(f, wf_global_opts);
	fputs("\nExit status: 0 done, 1 runtime failure, 2 bad usage or input.\n"
	      "See wslfwd(8).\n", f);
}

void wf_usage_cmd(FILE *f, const struct wf_cmd *c)
{
	bool more = c->opts || *c->args;
	int col = fprintf(f, "Usage: wslfwd %s%s", c->name, more ? " " : "");
	char help[256];

	put_synopsis(f, c, &col, col);
	col = 0;
	snprintf(help, sizeof(help), "%s", c->help);
	help[0] = toupper((unsigned char)help[0]);
	put_wrapped(f, help, &col, 0);
	fputs(".\n", f);
	if (c->opts) {
		fputs("\nOptions:\n", f);
		put_opts(f, c->opts);
	}
	fputs("\nGlobal options (before or after the command): see 'wslfwd --help'.\n"
	      "See wslfwd(8).\n", f);
}
