// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Userspace unit suite for the WSL pieces: the netsh portproxy grammar
 * (user/netsh.c), the networking-mode decision (user/netmode.c) and the
 * Windows-side lines (user/windows.c). Table-driven, TAP output.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "netmode.h"
#include "netsh.h"
#include "parse.h"
#include "windows.h"
#include "tap.h"

static int netsh_str(const char *s, struct wf_netsh_cmd *c, char *err, size_t errlen)
{
	char buf[1024], *w[32];
	int n = split_str(s, buf, sizeof(buf), w, 32);

	return wf_netsh_parse(n, w, c, err, errlen);
}

/* ---- netsh: what each pasted command means in wslfwd's words ---- */

static const struct {
	const char *in;
	int op;
	const char *words;	/* canonical add/del words */
} netsh_good[] = {
	{ "interface portproxy add v4tov4 listenport=4000 listenaddress=0.0.0.0 connectport=4000 connectaddress=172.17.0.2",
	  WF_NETSH_ADD, "tcp 4000 172.17.0.2:4000" },
	{ "interface portproxy add v4tov4 listenport=4000 connectaddress=172.17.0.2", WF_NETSH_ADD,
	  "tcp 4000 172.17.0.2:4000" },
	{ "INTERFACE PortProxy ADD V4TOV4 ListenPort=4000 ConnectAddress=172.17.0.2 ConnectPort=80 Protocol=TCP",
	  WF_NETSH_ADD, "tcp 4000 172.17.0.2:80" },
	{ "int portproxy add v4tov4 connectaddress=172.17.0.2 listenport=4000 listenaddress=*",
	  WF_NETSH_ADD, "tcp 4000 172.17.0.2:4000" },
	{ "interface portproxy add v4tov4 4000 172.17.0.2 80", WF_NETSH_ADD,
	  "tcp 4000 172.17.0.2:80" },
	{ "interface portproxy add v4tov4 listenport=5432 connectaddress=@host", WF_NETSH_ADD,
	  "tcp 5432 @host:5432" },
	{ "interface portproxy add v4tov4 listenport=8080 connectaddress=localhost connectport=18080",
	  WF_NETSH_ADD, "tcp 8080 127.0.0.1:18080" },
	{ "interface portproxy add v4tov4 listenport=53 connectaddress=172.17.0.2 protocol=udp",
	  WF_NETSH_ADD, "udp 53 172.17.0.2:53" },
	{ "interface portproxy add v4tov6 listenport=80 connectaddress=fd00::2", WF_NETSH_ADD,
	  "tcp 80 [fd00::2]:80" },
	{ "interface portproxy add v6tov6 listenport=80 listenaddress=fd00::1 connectaddress=fd00::2 connectport=8080",
	  WF_NETSH_ADD, "tcp [fd00::1]:80 [fd00::2]:8080" },
	{ "interface portproxy set v4tov4 listenport=4000 connectaddress=172.17.0.3", WF_NETSH_SET,
	  "tcp 4000 172.17.0.3:4000" },
	{ "interface portproxy delete v4tov4 listenport=4000", WF_NETSH_DELETE, "tcp @vm:4000" },
	{ "interface portproxy delete v4tov4 listenport=4000 listenaddress=0.0.0.0", WF_NETSH_DELETE,
	  "tcp @vm:4000" },
	{ "interface portproxy del v4tov4 4000 10.0.0.5", WF_NETSH_DELETE, "tcp 10.0.0.5:4000" },
	{ "interface portproxy show all", WF_NETSH_SHOW, "" },
	{ "interface portproxy show v4tov4", WF_NETSH_SHOW, "" },
};

/* Refused, with the word that is wrong named in the message. */
static const struct {
	const char *in;
	const char *names;
} netsh_bad[] = {
	{ "interface portproxy add v4tov4 listenprt=4000 connectaddress=1.2.3.4", "listenprt=4000" },
	{ "interface portproxy add v4tov4 listenport=70000 connectaddress=1.2.3.4", "listenport=70000" },
	{ "interface portproxy add v4tov4 listenport=http connectaddress=1.2.3.4", "listenport=http" },
	{ "interface portproxy add v4tov4 listenport=80 connectaddress=fd00::1", "connectaddress=fd00::1" },
	{ "interface portproxy add v4tov6 listenport=80 connectaddress=1.2.3.4", "connectaddress=1.2.3.4" },
	{ "interface portproxy add v4tov4 listenport=80 connectaddress=myhost", "connectaddress=myhost" },
	{ "interface portproxy add v4tov4 listenport=80", "connectaddress=" },
	{ "interface portproxy add v4tov4 connectaddress=1.2.3.4", "listenport=" },
	{ "interface portproxy add v4tov4 listenport=80 connectaddress=1.2.3.4 protocol=sctp", "protocol=sctp" },
	{ "interface portproxy add v4tov4 listenport=80 listenport=81 connectaddress=1.2.3.4", "listenport=81" },
	{ "interface portproxy add v4tov5 listenport=80 connectaddress=1.2.3.4", "v4tov5" },
	{ "interface portproxy frob v4tov4", "frob" },
	{ "interface foo add v4tov4", "foo" },
	{ "interface portproxy show all extra", "extra" },
	{ "interface portproxy delete v4tov4 listenport=80 connectaddress=1.2.3.4", "connectaddress=1.2.3.4" },
	{ "interface portproxy add v4tov4 1 2.3.4.5 6 7.8.9.10 tcp extra", "extra" },
	{ "interface portproxy add v4tov4 listenport=80 connectaddress=@vm connectport=80", "@vm:80" },
};

static void test_netsh(void)
{
	struct wf_netsh_cmd c;
	char err[512], canon[256];
	size_t i;

	for (i = 0; i < sizeof(netsh_good) / sizeof(netsh_good[0]); i++) {
		int ret = netsh_str(netsh_good[i].in, &c, err, sizeof(err));

		canon[0] = 0;
		if (!ret && c.op == WF_NETSH_DELETE)
			wf_format_listen(&c.m, canon, sizeof(canon));
		else if (!ret && c.op != WF_NETSH_SHOW)
			wf_format_mapping(&c.m, canon, sizeof(canon));
		if (!ret && c.op == WF_NETSH_DELETE) {
			char tmp[256];

			snprintf(tmp, sizeof(tmp), "%s %s", wf_proto_name(c.m.protos), canon);
			snprintf(canon, sizeof(canon), "%s", tmp);
		}
		check(!ret && (int)c.op == netsh_good[i].op && !strcmp(canon, netsh_good[i].words),
		      ret ? err : canon, "netsh '%s' means '%s'", netsh_good[i].in,
		      netsh_good[i].words);
	}
	for (i = 0; i < sizeof(netsh_bad) / sizeof(netsh_bad[0]); i++) {
		int ret = netsh_str(netsh_bad[i].in, &c, err, sizeof(err));

		check(ret == -EINVAL && strstr(err, netsh_bad[i].names), ret ? err : "accepted",
		      "netsh '%s' is refused naming '%s'", netsh_bad[i].in, netsh_bad[i].names);
	}
}

static void test_netsh_show(void)
{
	static const char *const lines[] = {
		"tcp 4000 172.17.0.2:4000", "both 5432 @host:5432", "udp 53 172.17.0.2:53",
		"tcp 8080-8081 @vm:18080", "tcp [fd00::1]:80 [fd00::2]:8080",
	};
	const char *want =
		"\n"
		"Listen on ipv4:             Connect to ipv4:\n"
		"\n"
		"Address         Port        Address         Port\n"
		"--------------- ----------  --------------- ----------\n"
		"0.0.0.0         4000        172.17.0.2      4000\n"
		"0.0.0.0         5432        @host           5432\n"
		"0.0.0.0         8080-8081   @vm             18080-18081\n"
		"\n"
		"\n"
		"Listen on ipv6:             Connect to ipv6:\n"
		"\n"
		"Address         Port        Address         Port\n"
		"--------------- ----------  --------------- ----------\n"
		"fd00::1         80          fd00::2         8080\n"
		"\n";
	struct wf_mapping ms[5];
	char buf[256], *w[16], *out = NULL, err[256];
	size_t len = 0, rows, i;
	FILE *f;

	for (i = 0; i < 5; i++) {
		snprintf(buf, sizeof(buf), "%s", lines[i]);
		wf_parse_mapping(wf_split_words(buf, w, 16), w, &ms[i], err, sizeof(err));
	}
	f = open_memstream(&out, &len);
	rows = wf_netsh_show(f, ms, 5, WF_NETSH_ALL);
	fclose(f);
	check(rows == 4 && !strcmp(out, want), out, "show all: netsh's table, TCP mappings only, one table per type");
	free(out);
	f = open_memstream(&out, &len);
	rows = wf_netsh_show(f, ms, 5, WF_NETSH_V4TOV6);
	fclose(f);
	check(rows == 0 && len == 0, out, "show v4tov6 with no such entry prints nothing");
	free(out);
}

/* ---- networking mode from facts ---- */

static __be32 ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static void test_netmode(void)
{
	static const struct {
		const char *name;
		const char *marker, *wslinfo, *dev, *addr;
		int plen;
		const char *gw;
		bool loopback0;
		enum wf_netmode want;
		const char *sign;
	} t[] = {
		{ "not WSL: unknown whatever the addresses", "", "", "eth0", "172.22.21.94", 20,
		  "172.22.16.1", false, WF_NETMODE_UNKNOWN, "not WSL" },
		{ "WSL NAT: 172.16/12 /20 with the .1 gateway", "/run/WSL", "", "eth0", "172.22.21.94",
		  20, "172.22.16.1", false, WF_NETMODE_NAT, "172.22.16.1 is the .1" },
		{ "WSL NAT, other /20 of 172.16/12", "WSL_DISTRO_NAME", "", "eth0", "172.31.255.7", 20,
		  "172.31.240.1", false, WF_NETMODE_NAT, "WSL_DISTRO_NAME" },
		{ "WSL, gateway not the .1: unknown", "/run/WSL", "", "eth0", "172.22.21.94", 20,
		  "172.22.16.9", false, WF_NETMODE_UNKNOWN, "neither" },
		{ "WSL, private LAN address: unknown", "/run/WSL", "", "eth0", "192.168.1.20", 24,
		  "192.168.1.1", false, WF_NETMODE_UNKNOWN, "neither" },
		{ "WSL, 172.32/16 is outside 172.16/12", "/run/WSL", "", "eth0", "172.32.0.5", 20,
		  "172.32.0.1", false, WF_NETMODE_UNKNOWN, "neither" },
		{ "WSL, loopback0: mirrored", "/run/WSL", "", "eth0", "192.168.1.20", 24,
		  "192.168.1.1", true, WF_NETMODE_MIRRORED, "loopback0" },
		{ "wslinfo wins over the addresses (mirrored)", "/run/WSL", "mirrored", "eth0",
		  "172.22.21.94", 20, "172.22.16.1", false, WF_NETMODE_MIRRORED, "wslinfo" },
		{ "wslinfo says nat", "/run/WSL", "nat", "eth1", "10.0.0.2", 8, "10.0.0.1", true,
		  WF_NETMODE_NAT, "wslinfo --networking-mode says nat" },
		{ "wslinfo says virtioproxy: unknown", "/run/WSL", "virtioproxy", "eth0", "172.22.21.94",
		  20, "172.22.16.1", false, WF_NETMODE_UNKNOWN, "virtioproxy" },
		{ "WSL, no default route: unknown", "/run/WSL", "", "eth0", "172.22.21.94", 20, NULL,
		  false, WF_NETMODE_UNKNOWN, "gateway none" },
		{ "WSL, no device: unknown", "/run/WSL", "", "", NULL, 0, NULL, false,
		  WF_NETMODE_UNKNOWN, "(no device)" },
	};
	struct wf_netmode_facts f;
	char signs[512];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum wf_netmode got;

		memset(&f, 0, sizeof(f));
		snprintf(f.wsl_marker, sizeof(f.wsl_marker), "%s", t[i].marker);
		snprintf(f.wslinfo, sizeof(f.wslinfo), "%s", t[i].wslinfo);
		snprintf(f.dev, sizeof(f.dev), "%s", t[i].dev);
		f.addr = t[i].addr ? ip(t[i].addr) : 0;
		f.plen = t[i].plen;
		f.gw = t[i].gw ? ip(t[i].gw) : 0;
		f.loopback0 = t[i].loopback0;
		got = wf_netmode_decide(&f, signs, sizeof(signs));
		check(got == t[i].want && strstr(signs, t[i].sign), signs, "netmode: %s -> %s",
		      t[i].name, wf_netmode_name(t[i].want));
	}
}

/* ---- the Windows side of a mapping ---- */

static void test_windows(void)
{
	struct wf_mapping m;
	struct wf_win_plan p;
	char buf[256], *w[16], err[256];
	__be32 vm = ip("172.22.21.94");

	snprintf(buf, sizeof(buf), "tcp 4000 172.17.0.2:80");
	wf_parse_mapping(wf_split_words(buf, w, 16), w, &m, err, sizeof(err));
	wf_windows_plan(&m, vm, &p);
	check(p.n == 3 &&
	      !strcmp(p.cmds[0].line, "netsh interface portproxy add v4tov4 listenaddress=0.0.0.0 listenport=4000 connectaddress=172.22.21.94 connectport=4000") &&
	      !strcmp(p.cmds[1].line, "New-NetFirewallRule -Name 'wslfwd-tcp-4000' -DisplayName 'wslfwd tcp 4000' -Direction Inbound -Protocol TCP -LocalPort 4000 -Action Allow") &&
	      !strcmp(p.cmds[2].line, "New-NetFirewallHyperVRule -Name 'wslfwd-tcp-4000' -DisplayName 'wslfwd tcp 4000' -Direction Inbound -VMCreatorId '{40E0AC32-46A5-438A-A0B2-2B479E8F2E90}' -Protocol TCP -LocalPorts 4000 -Action Allow") &&
	      !p.note[0], p.n ? p.cmds[0].line : "none",
	      "windows: a TCP mapping gets portproxy to @vm:LPORT, a firewall and a Hyper-V rule");
	wf_windows_plan_free(&p);

	snprintf(buf, sizeof(buf), "udp 7000 @vm:7000");
	wf_parse_mapping(wf_split_words(buf, w, 16), w, &m, err, sizeof(err));
	wf_windows_plan(&m, vm, &p);
	check(p.n == 1 && strstr(p.cmds[0].line, "New-NetFirewallHyperVRule") &&
	      strstr(p.cmds[0].line, "-Protocol UDP") && strstr(p.note, "TCP only"), p.note,
	      "windows: a UDP mapping gets the Hyper-V rule only and says portproxy is TCP only");
	wf_windows_plan_free(&p);

	snprintf(buf, sizeof(buf), "tcp 8080-8082 @vm:18080");
	wf_parse_mapping(wf_split_words(buf, w, 16), w, &m, err, sizeof(err));
	wf_windows_plan(&m, vm, &p);
	check(p.n == 5 && strstr(p.cmds[2].line, "listenport=8082") &&
	      strstr(p.cmds[3].line, "-LocalPort 8080-8082"), p.n ? p.cmds[p.n - 1].line : "none",
	      "windows: a range gets one portproxy line per port and one firewall rule");
	wf_windows_plan_free(&p);

	snprintf(buf, sizeof(buf), "tcp 127.0.0.1:5432 @host:5432");
	wf_parse_mapping(wf_split_words(buf, w, 16), w, &m, err, sizeof(err));
	wf_windows_plan(&m, vm, &p);
	check(p.n == 0 && strstr(p.note, "local clients"), p.note,
	      "windows: a local-client mapping (127.0.0.1) gets no Windows lines");
	wf_windows_plan_free(&p);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_netsh();
	test_netsh_show();
	test_netmode();
	test_windows();
	printf("1..%d\n", t_num);
	if (t_fail)
		printf("# %d of %d failed\n", t_fail, t_num);
	return t_fail ? 1 : 0;
}
