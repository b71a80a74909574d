// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Which WSL networking mode the VM runs in. WSL does not say so in the VM
 * except through wslinfo (WSL 2.0+); the other signs are what each mode
 * looks like from inside:
 *   NAT       eth0 has an address in 172.16.0.0/12 (a /20 WSL picks) and
 *             the default gateway is the .1 of that subnet (the Windows
 *             host on the Hyper-V internal switch);
 *   mirrored  the VM carries the host's own addresses, and WSL adds a
 *             loopback0 device for the host's loopback traffic.
 * Outside WSL (no marker) the answer is "unknown".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "addr.h"
#include "netmode.h"

const char *wf_netmode_name(enum wf_netmode m)
{
	switch (m) {
	case WF_NETMODE_NAT:
		return "nat";
	case WF_NETMODE_MIRRORED:
		return "mirrored";
	default:
		return "unknown";
	}
}

enum wf_netmode wf_netmode_decide(const struct wf_netmode_facts *f, char *signs, size_t len)
{
	char a[INET_ADDRSTRLEN] = "none", g[INET_ADDRSTRLEN] = "none";
	__u32 addr = ntohl(f->addr), gw = ntohl(f->gw), mask;

	if (!f->wsl_marker[0]) {
		snprintf(signs, len, "not WSL: no WSLInterop, /run/WSL, microsoft kernel or WSL_DISTRO_NAME");
		return WF_NETMODE_UNKNOWN;
	}
	if (f->wslinfo[0]) {
		snprintf(signs, len, "WSL (%s); wslinfo --networking-mode says %s", f->wsl_marker,
			 f->wslinfo);
		if (!strcasecmp(f->wslinfo, "nat"))
			return WF_NETMODE_NAT;
		if (!strcasecmp(f->wslinfo, "mirrored"))
			return WF_NETMODE_MIRRORED;
		return WF_NETMODE_UNKNOWN;
	}
	if (f->loopback0) {
		snprintf(signs, len, "WSL (%s); loopback0 exists (mirrored mode adds it)",
			 f->wsl_marker);
		return WF_NETMODE_MIRRORED;
	}
	if (f->addr)
		inet_ntop(AF_INET, &f->addr, a, sizeof(a));
	if (f->gw)
		inet_ntop(AF_INET, &f->gw, g, sizeof(g));
	mask = f->plen > 0 && f->plen <= 30 ? ~0U << (32 - f->plen) : 0;
	if (f->dev[0] && mask && (addr & 0xfff00000U) == 0xac100000U &&
	    (gw & mask) == (addr & mask) && gw == ((addr & mask) | 1)) {
		snprintf(signs, len,
			 "WSL (%s); %s %s/%d is in 172.16.0.0/12 and the default gateway %s is the .1 of that subnet",
			 f->wsl_marker, f->dev, a, f->plen, g);
		return WF_NETMODE_NAT;
	}
	snprintf(signs, len,
		 "WSL (%s) but neither mode's signs: %s %s/%d, gateway %s, no loopback0, no wslinfo",
		 f->wsl_marker, f->dev[0] ? f->dev : "(no device)", a, f->plen, g);
	return WF_NETMODE_UNKNOWN;
}

static void root_path(char *buf, size_t len, const char *path)
{
	const char *root = getenv("WSLFWD_ROOT");

	snprintf(buf, len, "%s%s", root && *root ? root : "", path);
}

static bool exists(const char *path)
{
	char p[4096];
	struct stat st;

	root_path(p, sizeof(p), path);
	return !stat(p, &st);
}

static bool osrelease_microsoft(void)
{
	char p[4096], line[256] = "";
	FILE *f;

	root_path(p, sizeof(p), "/proc/sys/kernel/osrelease");
	f = fopen(p, "r");
	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	return strcasestr(line, "microsoft") != NULL;
}

/* `wslinfo --networking-mode`, first word of its output, or "". */
static void run_wslinfo(char *out, size_t len)
{
	char p[4096], buf[64] = "";
	int pfd[2], status;
	ssize_t n = 0, r;
	pid_t pid;

	out[0] = 0;
	root_path(p, sizeof(p), "/usr/bin/wslinfo");
	if (access(p, X_OK) || pipe(pfd))
		return;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return;
	}
	if (!pid) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execl(p, "wslinfo", "--networking-mode", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while (n < (ssize_t)sizeof(buf) - 1 && (r = read(pfd[0], buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	close(pfd[0]);
	buf[n] = 0;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return;
	n = strcspn(buf, " \t\r\n");
	buf[n] = 0;
	snprintf(out, len, "%s", buf);
}

void wf_netmode_gather(const char *dev, struct wf_netmode_facts *f)
{
	static const char *const files[] = { "/proc/sys/fs/binfmt_misc/WSLInterop", "/run/WSL" };
	static const char *const envs[] = { "WSL_DISTRO_NAME", "WSL_INTEROP" };
	int ifindex, i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < 2 && !f->wsl_marker[0]; i++)
		if (exists(files[i]))
			snprintf(f->wsl_marker, sizeof(f->wsl_marker), "%s", files[i]);
	if (!f->wsl_marker[0] && osrelease_microsoft())
		snprintf(f->wsl_marker, sizeof(f->wsl_marker), "microsoft kernel");
	for (i = 0; i < 2 && !f->wsl_marker[0]; i++) {
		const char *v = getenv(envs[i]);

		if (v && *v)
			snprintf(f->wsl_marker, sizeof(f->wsl_marker), "%s", envs[i]);
	}
	if (f->wsl_marker[0])
		run_wslinfo(f->wslinfo, sizeof(f->wslinfo));
	f->loopback0 = if_nametoindex("loopback0") != 0;
	ifindex = dev ? if_nametoindex(dev) : 0;
	if (!ifindex)
		return;
	snprintf(f->dev, sizeof(f->dev), "%s", dev);
	wf_addr_vm4_prefix(ifindex, &f->addr, &f->plen);
	wf_addr_host4(ifindex, &f->gw);
}
