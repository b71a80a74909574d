// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * In NAT mode the LAN reaches the Windows host, not the VM: a TCP mapping
 * is exposed by a portproxy on the host (0.0.0.0:LPORT -> @vm:LPORT, or
 * [::]:LPORT -> @vm6:LPORT for an IPv6 listener, where wslfwd takes over),
 * an inbound rule in the Windows firewall, and a rule
 * in the Hyper-V firewall that guards the WSL VM (WSL 2.0+, VM creator id
 * of WSL). Every name is derived from the protocol and port so that
 * re-applying after @vm changed replaces the old rules instead of piling
 * up new ones. Single quotes only: the script crosses WSL interop's
 * command-line quoting as one argument.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "parse.h"
#include "windows.h"

/* Where WSL interop puts it when PATH does not (sudo's secure_path, systemd). */
#define PS_FALLBACK "/mnt/c/Windows/System32/WindowsPowerShell/v1.0/powershell.exe"

static int push(struct wf_win_plan *p, const char *guard, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int push(struct wf_win_plan *p, const char *guard, const char *fmt, ...)
{
	struct wf_win_cmd *c;
	va_list ap;

	c = realloc(p->cmds, (p->n + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	p->cmds = c;
	c += p->n++;
	va_start(ap, fmt);
	vsnprintf(c->line, sizeof(c->line), fmt, ap);
	va_end(ap);
	snprintf(c->guard, sizeof(c->guard), "%s", guard ? guard : "");
	return 0;
}

/* The firewall rules of one port set. IPv6 listeners get rules of their
 * own name (wslfwd-tcp6-PORTS): the same rule content (no address in it,
 * so both families), but a pasted line never clashes with the IPv4
 * listener's rule of that port, and each mapping's guard removes its own. */
static int firewall(struct wf_win_plan *p, const char *proto, bool six, const char *ports,
		    bool host_rule)
{
	char name[64], guard[192];
	int ret;

	snprintf(name, sizeof(name), "wslfwd-%s%s-%s", proto, six ? "6" : "", ports);
	if (host_rule) {
		snprintf(guard, sizeof(guard),
			 "Remove-NetFirewallRule -Name '%s' -ErrorAction SilentlyContinue", name);
		ret = push(p, guard,
			   "New-NetFirewallRule -Name '%s' -DisplayName 'wslfwd %s%s %s' -Direction Inbound -Protocol %s -LocalPort %s -Action Allow",
			   name, proto, six ? "6" : "", ports, !strcmp(proto, "tcp") ? "TCP" : "UDP",
			   ports);
		if (ret)
			return ret;
	}
	snprintf(guard, sizeof(guard),
		 "Remove-NetFirewallHyperVRule -Name '%s' -ErrorAction SilentlyContinue", name);
	return push(p, guard,
		    "New-NetFirewallHyperVRule -Name '%s' -DisplayName 'wslfwd %s%s %s' -Direction Inbound -VMCreatorId '%s' -Protocol %s -LocalPorts %s -Action Allow",
		    name, proto, six ? "6" : "", ports, WF_WSL_VM_CREATOR_ID,
		    !strcmp(proto, "tcp") ? "TCP" : "UDP", ports);
}

static bool addr6_zero(const __be32 a[4])
{
	return !(a[0] | a[1] | a[2] | a[3]);
}

/* What Windows connects to for m: the address wslfwd listens on, in the
 * family it listens in, into dst ("" = not known now). -ENOENT with
 * p->note saying why when Windows cannot reach it. */
static int vm_side(const struct wf_mapping *m, const struct wf_win_addrs *vm, char *dst,
		   size_t len, struct wf_win_plan *p)
{
	bool six = m->family == WF_AF_INET6;
	const __be32 *a = m->laddr_kind == WF_ADDR_VM ? (six ? vm->vm6 : &vm->vm4) : m->laddr;

	dst[0] = 0;
	if (six ? (!(a[0] | a[1] | a[2]) && a[3] == htonl(1)) : (ntohl(a[0]) >> 24) == 127) {
		snprintf(p->note, sizeof(p->note),
			 "for the VM's own processes (local clients): nothing to expose to Windows");
		return -ENOENT;
	}
	if (six && (ntohl(a[0]) >> 22) == 0x3fa) {
		/* fe80::/10: only valid with a zone, Windows' own interface index */
		snprintf(p->note, sizeof(p->note),
			 "link-local listener: portproxy cannot name its zone; nothing to expose to Windows");
		return -ENOENT;
	}
	if (six ? !addr6_zero(a) : a[0] != 0)
		inet_ntop(six ? AF_INET6 : AF_INET, a, dst, len);
	return 0;
}

/* Windows listens in the family the mapping listens in (0.0.0.0 or ::,
 * every address of the host) and connects to that listener in the VM
 * (@vm or @vm6, or the literal LADDR): v4tov4 for IPv4 listeners, v6tov6
 * for IPv6 ones, whatever the target's family (wslfwd translates after
 * that). The other two types would have Windows change the family before
 * wslfwd: they would take the port of the other family on Windows, where
 * a mapping of that family may want it. */
int wf_windows_plan(const struct wf_mapping *m, const struct wf_win_addrs *vm,
		    struct wf_win_plan *p)
{
	unsigned int nports = m->lport_end - m->lport + 1, port;
	bool six = m->family == WF_AF_INET6;
	const char *type = six ? "v6tov6" : "v4tov4", *any = six ? "::" : "0.0.0.0";
	char ports[16], dst[INET6_ADDRSTRLEN], guard[160];
	int ret;

	memset(p, 0, sizeof(*p));
	wf_format_mapping(m, p->mapping, sizeof(p->mapping));
	snprintf(p->type, sizeof(p->type), "%s", type);
	if (nports > 1)
		snprintf(ports, sizeof(ports), "%u-%u", m->lport, m->lport_end);
	else
		snprintf(ports, sizeof(ports), "%u", m->lport);

	if (vm_side(m, vm, dst, sizeof(dst), p))
		return 0;
	if (!(m->protos & WF_P_TCP)) {
		snprintf(p->note, sizeof(p->note),
			 "portproxy is TCP only: UDP port %s cannot be relayed by Windows; Hyper-V firewall rule only",
			 ports);
	} else if (!dst[0]) {
		snprintf(p->note, sizeof(p->note), six ?
			 "@vm6 is unknown (no global IPv6 address on the device): no portproxy line" :
			 "@vm is unknown (no address on the device): no portproxy line");
	} else if (nports > WF_WIN_MAX_PORTS) {
		snprintf(p->note, sizeof(p->note),
			 "%u ports: portproxy has no ranges and wslfwd writes at most %d lines; add the ones you need",
			 nports, WF_WIN_MAX_PORTS);
	} else {
		for (port = m->lport; port <= m->lport_end; port++) {
			snprintf(guard, sizeof(guard),
				 "netsh interface portproxy delete %s listenaddress=%s listenport=%u | Out-Null",
				 type, any, port);
			ret = push(p, guard,
				   "netsh interface portproxy add %s listenaddress=%s listenport=%u connectaddress=%s connectport=%u",
				   type, any, port, dst, port);
			if (ret)
				goto err;
		}
	}
	if (m->protos & WF_P_TCP) {
		ret = firewall(p, "tcp", six, ports, true);
		if (ret)
			goto err;
	}
	if (m->protos & WF_P_UDP) {
		if ((m->protos & WF_P_TCP) && !p->note[0])
			snprintf(p->note, sizeof(p->note),
				 "portproxy is TCP only: the UDP side gets the Hyper-V firewall rule only");
		ret = firewall(p, "udp", six, ports, false);
		if (ret)
			goto err;
	}
	return 0;
err:
	wf_windows_plan_free(p);
	return ret;
}

void wf_windows_plan_free(struct wf_win_plan *p)
{
	free(p->cmds);
	p->cmds = NULL;
	p->n = 0;
}

static int find_powershell(char *out, size_t len)
{
	const char *path = getenv("PATH");
	char *dup, *dir, *save = NULL;

	if (path && *path) {
		dup = strdup(path);
		if (!dup)
			return -ENOMEM;
		for (dir = strtok_r(dup, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
			snprintf(out, len, "%s/powershell.exe", *dir ? dir : ".");
			if (!access(out, X_OK)) {
				free(dup);
				return 0;
			}
		}
		free(dup);
	}
	snprintf(out, len, "%s", PS_FALLBACK);
	return access(out, X_OK) ? -ENOENT : 0;
}

/* One script: each command after its guard; a portproxy line that fails
 * (not elevated) stops it with netsh's exit code. */
static char *build_script(const struct wf_win_plan *plans, size_t n)
{
	size_t i, j, len = 64;
	char *s;

	for (i = 0; i < n; i++)
		for (j = 0; j < plans[i].n; j++)
			len += strlen(plans[i].cmds[j].guard) + strlen(plans[i].cmds[j].line) + 64;
	s = malloc(len);
	if (!s)
		return NULL;
	strcpy(s, "$ErrorActionPreference = 'Stop'");
	for (i = 0; i < n; i++) {
		for (j = 0; j < plans[i].n; j++) {
			const struct wf_win_cmd *c = &plans[i].cmds[j];

			if (c->guard[0]) {
				strcat(s, "; ");
				strcat(s, c->guard);
			}
			strcat(s, "; ");
			strcat(s, c->line);
			if (!strncmp(c->line, "netsh ", 6))
				strcat(s, "; if ($LASTEXITCODE) { exit $LASTEXITCODE }");
		}
	}
	return s;
}

int wf_windows_apply(const struct wf_win_plan *plans, size_t n, char *err, size_t errlen)
{
	char ps[4096], *script;
	int status, ret;
	pid_t pid;

	ret = find_powershell(ps, sizeof(ps));
	if (ret) {
		snprintf(err, errlen,
			 "powershell.exe not found on PATH or at %s: --apply needs WSL interop (run inside WSL with interop enabled, or paste the printed lines into an elevated PowerShell)",
			 PS_FALLBACK);
		return ret;
	}
	script = build_script(plans, n);
	if (!script) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot start %s: %s", ps, strerror(errno));
		free(script);
		return ret;
	}
	if (!pid) {
		/* Its output is diagnostics; ours (maybe JSON) stays clean. */
		dup2(2, 1);
		execl(ps, "powershell.exe", "-NoProfile", "-NonInteractive", "-Command", script,
		      (char *)NULL);
		_exit(127);
	}
	free(script);
	if (waitpid(pid, &status, 0) < 0) {
		ret = -errno;
		snprintf(err, errlen, "waiting for %s: %s", ps, strerror(errno));
		return ret;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(err, errlen,
			 "%s failed (%s %d): portproxy and firewall rules need an elevated Windows session (start WSL from an administrator terminal, or paste the lines from 'wslfwd windows' into one)",
			 ps, WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return -EIO;
	}
	return 0;
}
