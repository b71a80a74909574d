// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Userspace unit suite for the WSL pieces: the netsh portproxy grammar
 * (user/netsh.c), the networking-mode decision (user/netmode.c) and the
 * Windows-side lines (user/windows.c), the attach decisions (user/attach.c)
 * and the cgroup v2 root search (user/loader.c). Table-driven, TAP output.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attach.h"
#include "loader.h"
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
	/* v6tov6: no listenaddress, * and :: are @vm6; a literal is that literal */
	{ "interface portproxy add v6tov6 listenport=80 connectaddress=fd00::2", WF_NETSH_ADD,
	  "tcp @vm6:80 [fd00::2]:80" },
	{ "interface portproxy add v6tov6 listenport=80 listenaddress=:: connectaddress=fd00::2 connectport=8080",
	  WF_NETSH_ADD, "tcp @vm6:80 [fd00::2]:8080" },
	{ "interface portproxy add v6tov6 listenport=80 listenaddress=* connectaddress=@vm6 connectport=8080",
	  WF_NETSH_ADD, "tcp @vm6:80 @vm6:8080" },
	{ "interface portproxy add v6tov6 listenport=5432 connectaddress=@host6", WF_NETSH_ADD,
	  "tcp @vm6:5432 @host6:5432" },
	/* a [::1]-only server, as 127.0.0.1 for v4tov4 */
	{ "interface portproxy add v6tov6 listenport=80 connectaddress=::1", WF_NETSH_ADD,
	  "tcp @vm6:80 [::1]:80" },
	{ "interface portproxy add v6tov6 listenport=8080 connectaddress=localhost connectport=80",
	  WF_NETSH_ADD, "tcp @vm6:8080 [::1]:80" },
	{ "interface portproxy set v6tov6 listenport=80 connectaddress=fd00::3", WF_NETSH_SET,
	  "tcp @vm6:80 [fd00::3]:80" },
	{ "interface portproxy delete v6tov6 listenport=80", WF_NETSH_DELETE, "tcp @vm6:80" },
	{ "interface portproxy delete v6tov6 listenport=80 listenaddress=::", WF_NETSH_DELETE,
	  "tcp @vm6:80" },
	/* v6tov4: parsed, refused later as not forwardable */
	{ "interface portproxy add v6tov4 listenport=80 connectaddress=172.17.0.2", WF_NETSH_ADD,
	  "tcp @vm6:80 172.17.0.2:80" },
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
	{ "interface portproxy add v6tov6 listenport=80 connectaddress=@vm", "connectaddress=@vm" },
	{ "interface portproxy add v4tov4 listenport=80 connectaddress=@host6", "connectaddress=@host6" },
	{ "interface portproxy add v6tov6 listenport=80 listenaddress=0.0.0.0 connectaddress=fd00::2",
	  "listenaddress=0.0.0.0" },
	{ "interface portproxy add v4tov4 listenport=80 listenaddress=:: connectaddress=1.2.3.4",
	  "listenaddress=::" },
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
		"tcp @vm6:443 @host6:8443",
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
		"::              443         @host6          8443\n"
		"\n";
	struct wf_mapping ms[6];
	char buf[256], *w[16], *out = NULL, err[256];
	size_t len = 0, rows, i;
	FILE *f;

	for (i = 0; i < 6; i++) {
		snprintf(buf, sizeof(buf), "%s", lines[i]);
		wf_parse_mapping(wf_split_words(buf, w, 16), w, &ms[i], err, sizeof(err));
	}
	f = open_memstream(&out, &len);
	rows = wf_netsh_show(f, ms, 6, WF_NETSH_ALL);
	fclose(f);
	check(rows == 5 && !strcmp(out, want), out, "show all: netsh's table, TCP mappings only, one table per type");
	free(out);
	f = open_memstream(&out, &len);
	rows = wf_netsh_show(f, ms, 6, WF_NETSH_V4TOV6);
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

static struct wf_win_addrs win_vm;	/* 172.22.21.94, fd00:16::94 */

/* The plan of the mapping WORDS (parsed by wf_parse_mapping) for vm. */
static void win_plan(const char *words, const struct wf_win_addrs *vm, struct wf_mapping *m,
		     struct wf_win_plan *p)
{
	char buf[256], *w[16], err[256];

	snprintf(buf, sizeof(buf), "%s", words);
	memset(m, 0, sizeof(*m));
	if (wf_parse_mapping(wf_split_words(buf, w, 16), w, m, err, sizeof(err)))
		fprintf(stderr, "# %s: %s\n", words, err);
	wf_windows_plan(m, vm, p);
}

/* Every portproxy line of p, pasted into `wslfwd netsh` (without the
 * leading "netsh"), reads back as the listener of m: same family, port
 * and protocol, LADDR @vm/@vm6 (0.0.0.0, ::) when m's is, connecting to
 * the address Windows reaches m on (want) at the same port. Windows
 * listens on every address of its own (0.0.0.0, ::): a literal LADDR
 * reads back as @vm/@vm6, the rest as the mapping's. */
static bool win_round_trip(const struct wf_mapping *m, const struct wf_win_plan *p,
			   const char *want, char *why, size_t len)
{
	unsigned int port = m->lport;
	size_t j;

	for (j = 0; j < p->n; j++) {
		struct wf_netsh_cmd c;
		char err[256], ta[INET6_ADDRSTRLEN];

		if (strncmp(p->cmds[j].line, "netsh ", 6))
			continue;
		if (netsh_str(p->cmds[j].line + 6, &c, err, sizeof(err))) {
			snprintf(why, len, "%s: %s", p->cmds[j].line, err);
			return false;
		}
		wf_format_addr(wf_mapping_tfamily(&c.m), c.m.taddr, ta, sizeof(ta));
		if (c.op != WF_NETSH_ADD || c.m.family != m->family || c.m.lport != port ||
		    c.m.lport_end != port || c.m.protos != WF_P_TCP ||
		    c.m.laddr_kind != WF_ADDR_VM ||
		    (m->laddr_kind == WF_ADDR_VM && m->lport == m->lport_end &&
		     !wf_mapping_same_listen(&c.m, m)) ||
		    c.m.taddr_kind != WF_ADDR_LITERAL || strcmp(ta, want) || c.m.tport != port) {
			snprintf(why, len, "%s reads back as '%s'", p->cmds[j].line, c.words);
			return false;
		}
		port++;
	}
	if (port != (unsigned int)m->lport_end + 1) {
		snprintf(why, len, "%u portproxy lines for %u ports", port - m->lport,
			 m->lport_end - m->lport + 1);
		return false;
	}
	return true;
}

static void test_windows(void)
{
	struct wf_win_addrs vm4only;
	struct wf_mapping m;
	struct wf_win_plan p;
	char why[1024];

	inet_pton(AF_INET, "172.22.21.94", &win_vm.vm4);
	inet_pton(AF_INET6, "fd00:16::94", win_vm.vm6);
	vm4only = (struct wf_win_addrs){ .vm4 = win_vm.vm4 };

	win_plan("tcp 4000 172.17.0.2:80", &win_vm, &m, &p);
	check(p.n == 3 &&
	      !strcmp(p.cmds[0].line, "netsh interface portproxy add v4tov4 listenaddress=0.0.0.0 listenport=4000 connectaddress=172.22.21.94 connectport=4000") &&
	      !strcmp(p.cmds[1].line, "New-NetFirewallRule -Name 'wslfwd-tcp-4000' -DisplayName 'wslfwd tcp 4000' -Direction Inbound -Protocol TCP -LocalPort 4000 -Action Allow") &&
	      !strcmp(p.cmds[2].line, "New-NetFirewallHyperVRule -Name 'wslfwd-tcp-4000' -DisplayName 'wslfwd tcp 4000' -Direction Inbound -VMCreatorId '{40E0AC32-46A5-438A-A0B2-2B479E8F2E90}' -Protocol TCP -LocalPorts 4000 -Action Allow") &&
	      !p.note[0] && !strcmp(p.type, "v4tov4"), p.n ? p.cmds[0].line : "none",
	      "windows: a TCP mapping gets portproxy to @vm:LPORT, a firewall and a Hyper-V rule");
	check(win_round_trip(&m, &p, "172.22.21.94", why, sizeof(why)), why,
	      "windows: v4tov4's portproxy line reads back with netsh as the mapping's listener (tcp 4000)");
	wf_windows_plan_free(&p);

	win_plan("udp 7000 @vm:7001", &win_vm, &m, &p);
	check(p.n == 1 && strstr(p.cmds[0].line, "New-NetFirewallHyperVRule") &&
	      strstr(p.cmds[0].line, "-Protocol UDP") && strstr(p.note, "TCP only"), p.note,
	      "windows: a UDP mapping gets the Hyper-V rule only and says portproxy is TCP only");
	wf_windows_plan_free(&p);

	win_plan("tcp 8080-8082 @vm:18080", &win_vm, &m, &p);
	check(p.n == 5 && strstr(p.cmds[2].line, "listenport=8082") &&
	      strstr(p.cmds[3].line, "-LocalPort 8080-8082"), p.n ? p.cmds[p.n - 1].line : "none",
	      "windows: a range gets one portproxy line per port and one firewall rule");
	check(win_round_trip(&m, &p, "172.22.21.94", why, sizeof(why)), why,
	      "windows: a range's lines read back with netsh as one listener per port");
	wf_windows_plan_free(&p);

	win_plan("tcp 127.0.0.1:5432 @host:5432", &win_vm, &m, &p);
	check(p.n == 0 && strstr(p.note, "local clients"), p.note,
	      "windows: a local-client mapping (127.0.0.1) gets no Windows lines");
	wf_windows_plan_free(&p);

	/* IPv6 listeners: Windows listens on :: and connects to @vm6 */
	win_plan("tcp @vm6:8081 [fd00:17::2]:80", &win_vm, &m, &p);
	check(p.n == 3 &&
	      !strcmp(p.cmds[0].line, "netsh interface portproxy add v6tov6 listenaddress=:: listenport=8081 connectaddress=fd00:16::94 connectport=8081") &&
	      !strcmp(p.cmds[0].guard, "netsh interface portproxy delete v6tov6 listenaddress=:: listenport=8081 | Out-Null") &&
	      !strcmp(p.cmds[1].line, "New-NetFirewallRule -Name 'wslfwd-tcp6-8081' -DisplayName 'wslfwd tcp6 8081' -Direction Inbound -Protocol TCP -LocalPort 8081 -Action Allow") &&
	      !strcmp(p.cmds[2].line, "New-NetFirewallHyperVRule -Name 'wslfwd-tcp6-8081' -DisplayName 'wslfwd tcp6 8081' -Direction Inbound -VMCreatorId '{40E0AC32-46A5-438A-A0B2-2B479E8F2E90}' -Protocol TCP -LocalPorts 8081 -Action Allow") &&
	      !p.note[0] && !strcmp(p.type, "v6tov6"), p.n ? p.cmds[0].line : p.note,
	      "windows: v6tov6 gets portproxy v6tov6 :: -> @vm6:LPORT and firewall rules of its own name");
	check(win_round_trip(&m, &p, "fd00:16::94", why, sizeof(why)), why,
	      "windows: v6tov6's portproxy line reads back with netsh as tcp @vm6:8081");
	wf_windows_plan_free(&p);

	/* v6tov4: the listener is IPv6, so Windows connects to @vm6; wslfwd
	 * translates to the IPv4 target after that */
	win_plan("tcp @vm6:5001 172.17.0.2:80", &win_vm, &m, &p);
	check(p.n == 3 &&
	      !strcmp(p.cmds[0].line, "netsh interface portproxy add v6tov6 listenaddress=:: listenport=5001 connectaddress=fd00:16::94 connectport=5001") &&
	      strstr(p.cmds[1].line, "'wslfwd-tcp6-5001'") && !p.note[0],
	      p.n ? p.cmds[0].line : p.note,
	      "windows: v6tov4 gets portproxy v6tov6 :: -> @vm6:LPORT (the listener's family)");
	check(win_round_trip(&m, &p, "fd00:16::94", why, sizeof(why)), why,
	      "windows: v6tov4's portproxy line reads back with netsh as tcp @vm6:5001");
	wf_windows_plan_free(&p);

	/* v4tov6: an IPv4 listener, Windows connects to @vm */
	win_plan("both 5011 [fd00:17::2]:8080", &win_vm, &m, &p);
	check(p.n == 4 &&
	      !strcmp(p.cmds[0].line, "netsh interface portproxy add v4tov4 listenaddress=0.0.0.0 listenport=5011 connectaddress=172.22.21.94 connectport=5011") &&
	      strstr(p.cmds[1].line, "'wslfwd-tcp-5011'") &&
	      strstr(p.cmds[3].line, "New-NetFirewallHyperVRule -Name 'wslfwd-udp-5011'") &&
	      strstr(p.note, "UDP side"), p.n ? p.cmds[0].line : p.note,
	      "windows: v4tov6 (tcp+udp) gets portproxy v4tov4 to @vm, the UDP side a Hyper-V rule");
	check(win_round_trip(&m, &p, "172.22.21.94", why, sizeof(why)), why,
	      "windows: v4tov6's portproxy line reads back with netsh as tcp 5011");
	wf_windows_plan_free(&p);

	/* a literal IPv6 LADDR: Windows connects to that address */
	win_plan("tcp [fd00:16::95]:8083 [fd00:17::2]:80", &win_vm, &m, &p);
	check(p.n == 3 &&
	      !strcmp(p.cmds[0].line, "netsh interface portproxy add v6tov6 listenaddress=:: listenport=8083 connectaddress=fd00:16::95 connectport=8083"),
	      p.n ? p.cmds[0].line : p.note,
	      "windows: an IPv6 literal LADDR is what Windows connects to");
	check(win_round_trip(&m, &p, "fd00:16::95", why, sizeof(why)), why,
	      "windows: a literal LADDR's line reads back connecting to that LADDR");
	wf_windows_plan_free(&p);

	win_plan("udp @vm6:7006 [fd00:17::2]:7006", &win_vm, &m, &p);
	check(p.n == 1 && strstr(p.cmds[0].line, "New-NetFirewallHyperVRule -Name 'wslfwd-udp6-7006'") &&
	      strstr(p.note, "TCP only"), p.n ? p.cmds[0].line : p.note,
	      "windows: an IPv6 UDP mapping gets its Hyper-V rule only, portproxy being TCP only");
	wf_windows_plan_free(&p);

	win_plan("tcp @vm6:8081 [fd00:17::2]:80", &vm4only, &m, &p);
	check(p.n == 2 && strstr(p.note, "@vm6 is unknown") &&
	      !strncmp(p.cmds[0].line, "New-NetFirewallRule", 19), p.note,
	      "windows: with @vm6 unknown an IPv6 listener gets no portproxy line, and says why");
	wf_windows_plan_free(&p);

	win_plan("tcp [::1]:5433 @host6:5432", &win_vm, &m, &p);
	check(p.n == 0 && strstr(p.note, "local clients"), p.note,
	      "windows: a local-client mapping ([::1]) gets no Windows lines");
	wf_windows_plan_free(&p);
}

/* ---- attach: which path delivers, what is refused and why ---- */

static struct wf_attach_facts facts(const char *driver, const char *kind, const char *rel,
				    int peer, bool peer_xdp)
{
	struct wf_attach_facts f = { .lro = 0, .mtu = 1500, .peer = peer, .peer_netnsid = -1,
				     .peer_xdp_drv = peer_xdp };

	snprintf(f.dev, sizeof(f.dev), "eth0");
	snprintf(f.driver, sizeof(f.driver), "%s", driver);
	snprintf(f.kind, sizeof(f.kind), "%s", kind);
	snprintf(f.release, sizeof(f.release), "%s", rel);
	if (peer > 0) {
		snprintf(f.peer_name, sizeof(f.peer_name), "vmport0");
		f.peer_netnsid = 3;
	}
	return f;
}

static void test_attach(void)
{
	static const char *const wsl515 = "5.15.153.1-microsoft-standard-WSL2";
	static const char *const wsl66 = "6.6.36.6-microsoft-standard-WSL2";
	struct wf_attach_facts f;
	struct wf_path p[3];
	char why[512], hint[512];
	bool ok;

	f = facts("hv_netvsc", "", wsl515, 0, false);
	ok = wf_attach_native_tx(&f, why, sizeof(why));
	check(ok && strstr(why, "hv_netvsc"), why, "attach: a NIC's driver sends XDP_TX itself");
	f = facts("veth", "veth", wsl66, 1, true);
	ok = wf_attach_native_tx(&f, why, sizeof(why));
	check(ok && strstr(why, "vmport0"), why, "attach: veth whose peer runs XDP: native XDP_TX delivers");
	f = facts("veth", "veth", wsl66, 1, false);
	ok = wf_attach_native_tx(&f, why, sizeof(why));
	check(!ok && strstr(why, "vmport0 (in netns id 3) runs no XDP program"), why,
	      "attach: veth whose peer runs no XDP program: native XDP_TX would drop");
	f = facts("veth", "veth", wsl66, -ENODEV, false);
	ok = wf_attach_native_tx(&f, why, sizeof(why));
	check(!ok && strstr(why, "cannot be found"), why, "attach: veth without a peer: no native XDP_TX");

	f = facts("hv_netvsc", "", wsl515, 0, false);
	ok = wf_attach_redirect_ok(&f, why, sizeof(why));
	check(!ok && strstr(why, "5.19") && strstr(why, wsl515), why,
	      "attach: --redirect refused on hv_netvsc before 5.19 (WSL's 5.15)");
	f = facts("hv_netvsc", "", "5.19.0", 0, false);
	check(wf_attach_redirect_ok(&f, why, sizeof(why)), NULL, "attach: hv_netvsc 5.19 redirects");
	f = facts("hv_netvsc", "", wsl66, 0, false);
	check(wf_attach_redirect_ok(&f, why, sizeof(why)), NULL, "attach: hv_netvsc 6.6 redirects");
	f = facts("hv_netvsc", "", "weird", 0, false);
	check(!wf_attach_redirect_ok(&f, why, sizeof(why)), why,
	      "attach: hv_netvsc on a kernel of unknown version: refused");
	f = facts("veth", "veth", "5.10.0", 1, false);
	check(wf_attach_redirect_ok(&f, why, sizeof(why)), NULL, "attach: other drivers: not refused");

	f = facts("hv_netvsc", "", wsl515, 0, false);
	f.lro = 1;
	wf_attach_refusal_hint(&f, -EOPNOTSUPP, "", hint, sizeof(hint));
	check(strstr(hint, "ethtool -K eth0 lro off") != NULL, hint, "attach: LRO on: the fix is lro off");
	f.lro = 0;
	wf_attach_refusal_hint(&f, -EOPNOTSUPP, "XDP: not support LRO", hint, sizeof(hint));
	check(strstr(hint, "lro off") != NULL, hint, "attach: the kernel's LRO message: lro off");
	f.mtu = 9000;
	wf_attach_refusal_hint(&f, -EOPNOTSUPP, "", hint, sizeof(hint));
	check(strstr(hint, "MTU (9000)") && strstr(hint, "ip link set eth0 mtu 1500"), hint,
	      "attach: hv_netvsc with a jumbo MTU: the fix is a smaller MTU");
	f = facts("veth", "veth", wsl66, 1, false);
	wf_attach_refusal_hint(&f, -ERANGE, "veth: Peer MTU is too large to set XDP", hint, sizeof(hint));
	check(strstr(hint, "ip link set vmport0 mtu") != NULL, hint,
	      "attach: veth peer MTU too large: lower the peer's MTU");
	f = facts("e1000", "", wsl66, 0, false);
	wf_attach_refusal_hint(&f, -EOPNOTSUPP, "", hint, sizeof(hint));
	check(strstr(hint, "no native XDP") != NULL, hint, "attach: a driver without native XDP says so");

	f = facts("veth", "veth", wsl66, 1, false);
	wf_attach_paths(WF_MODE_TC, 0, &f, "", p);
	check(!strcmp(p[0].path, "tc") && !strcmp(p[1].path, "tc") && !strcmp(p[2].path, "tc") &&
	      p[2].ok, p[2].path, "attach: tc mode: every kind takes tc");
	wf_attach_paths(WF_MODE_XDP_GENERIC, WF_INFO_F_REDIRECT_AUTO, &f, "", p);
	check(!strcmp(p[0].path, "xdp") && !strcmp(p[1].path, "stack") &&
	      !strcmp(p[2].path, "xdp_tx") && p[2].ok, p[2].why,
	      "attach: generic XDP: local xdp, behind stack, one-arm xdp_tx that delivers");
	wf_attach_paths(WF_MODE_XDP, WF_INFO_F_REDIRECT_AUTO, &f, "veth0ctr", p);
	check(!strcmp(p[1].path, "redirect") && strstr(p[1].why, "veth0ctr") && !p[2].ok &&
	      strstr(p[2].why, "--mode auto"), p[2].why,
	      "attach: native XDP, veth peer without XDP: behind redirect, one-arm not delivered");
}

/* ---- the cgroup v2 root in mountinfo ---- */

static void test_cgroup_root(void)
{
	static const char *const bind_only =
		"25 1 0:22 / /sys rw - sysfs sysfs rw\n"
		"30 25 0:26 /docker/abc /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n";
	static const char *const both =
		"30 25 0:26 /user.slice /mnt/cg rw - cgroup2 cgroup2 rw\n"
		"31 25 0:26 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate\n";
	static const char *const none = "25 1 0:22 / /sys rw - sysfs sysfs rw\n";
	char buf[256], why[512];
	FILE *f;
	int ret;

	f = fmemopen((void *)bind_only, strlen(bind_only), "r");
	ret = wf_cgroup_root_parse(f, buf, sizeof(buf), why, sizeof(why));
	fclose(f);
	check(ret == -ENOENT && strstr(why, "bind of the sub-cgroup /docker/abc"), why,
	      "cgroup: a bind of a sub-cgroup is not the root");
	f = fmemopen((void *)both, strlen(both), "r");
	ret = wf_cgroup_root_parse(f, buf, sizeof(buf), why, sizeof(why));
	fclose(f);
	check(!ret && !strcmp(buf, "/sys/fs/cgroup/unified"), buf,
	      "cgroup: the real root mount is found past a bind");
	f = fmemopen((void *)none, strlen(none), "r");
	ret = wf_cgroup_root_parse(f, buf, sizeof(buf), why, sizeof(why));
	fclose(f);
	check(ret == -ENOENT && strstr(why, "no cgroup2"), why, "cgroup: no cgroup2 mount at all");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_netsh();
	test_netsh_show();
	test_netmode();
	test_windows();
	test_attach();
	test_cgroup_root();
	printf("1..%d\n", t_num);
	if (t_fail)
		printf("# %d of %d failed\n", t_fail, t_num);
	return t_fail ? 1 : 0;
}
