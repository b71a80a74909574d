// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Userspace unit suite: the mapping grammar (user/parse.c) and the config
 * file (user/config.c). Table-driven; TAP output, one line per behaviour:
 * `ok N - name` / `not ok N - name` followed by `# got ...`. Exit status is
 * non-zero when anything failed.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ports.h"
#include "parse.h"
#include "config.h"
#include "store.h"
#include <time.h>
#include "tap.h"

/* Parse a mapping written as one line, the way the config reader does. */
static int parse_str(const char *s, struct wf_mapping *m, char *err, size_t errlen)
{
	char buf[1024], *w[32];
	int n = split_str(s, buf, sizeof(buf), w, 32);

	return wf_parse_mapping(n, w, m, err, errlen);
}

static int parse_key_str(const char *s, struct wf_mapping *m, char *err, size_t errlen)
{
	char buf[1024], *w[32];
	int n = split_str(s, buf, sizeof(buf), w, 32);

	return wf_parse_mapping_key(n, w, m, err, errlen);
}

static __be32 ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* ---- grammar: good inputs and their canonical words ---- */

static const struct {
	const char *in;
	const char *canon;
} good[] = {
	{ "tcp 8080 @vm:18080", "tcp 8080 @vm:18080" },
	{ "udp 53 @host:53", "udp 53 @host:53" },
	{ "both 5432 @host:5432", "both 5432 @host:5432" },
	{ "tcp @vm:8080 @vm:18080", "tcp 8080 @vm:18080" },
	{ "tcp 0.0.0.0:8080 @vm:18080", "tcp 8080 @vm:18080" },
	{ "TCP 8080 @VM:18080", "tcp 8080 @vm:18080" },
	{ "  tcp\t8080   @vm:18080  # trailing comment", "tcp 8080 @vm:18080" },
	{ "tcp 10.0.0.5:80-90 172.17.0.2:8080 allow 192.168.0.0/16,10.1.0.0/24 snat never",
	  "tcp 10.0.0.5:80-90 172.17.0.2:8080 allow 192.168.0.0/16,10.1.0.0/24 snat never" },
	{ "tcp 10.0.0.5:80-90 172.17.0.2:8080 snat never allow 192.168.0.0/16,10.1.0.0/24",
	  "tcp 10.0.0.5:80-90 172.17.0.2:8080 allow 192.168.0.0/16,10.1.0.0/24 snat never" },
	{ "tcp 8080 @vm:18080 snat auto", "tcp 8080 @vm:18080" },
	{ "udp 9000 @host:9000 snat always", "udp 9000 @host:9000 snat always" },
	{ "tcp 8080-8080 @vm:18080", "tcp 8080 @vm:18080" },
	{ "udp 080 @vm:18080", "udp 80 @vm:18080" },
	{ "tcp 1 @vm:65535", "tcp 1 @vm:65535" },
	{ "tcp 65535 @host:1", "tcp 65535 @host:1" },
	{ "tcp 1-65535 @host:1", "tcp 1-65535 @host:1" },
	{ "tcp 65530-65535 @host:65530", "tcp 65530-65535 @host:65530" },
	{ "tcp 8080-8090 @vm:8081", "tcp 8080-8090 @vm:8081" },
	{ "tcp 127.0.0.1:5432 @host:5432", "tcp 127.0.0.1:5432 @host:5432" },
	{ "tcp 127.0.0.1:8080 @vm:8080", "tcp 127.0.0.1:8080 @vm:8080" },
	{ "tcp 8080 127.0.0.1:8080", "tcp 8080 127.0.0.1:8080" },
	{ "tcp 10.0.0.5:80 10.0.0.5:81", "tcp 10.0.0.5:80 10.0.0.5:81" },
	{ "tcp [fd00::1]:80 [fd00::2]:8080", "tcp [fd00::1]:80 [fd00::2]:8080" },
	{ "tcp [FD00:0:0::1]:80 [fd00::2]:8080", "tcp [fd00::1]:80 [fd00::2]:8080" },
	{ "tcp 80 [fd00::2]:8080", "tcp 80 [fd00::2]:8080" },
	{ "udp [fd00::1]:53 @host:53", "udp [fd00::1]:53 @host:53" },
	{ "both [fd00::1]:80-81 @vm:8080", "both [fd00::1]:80-81 @vm:8080" },
	/* IPv6: @vm6 is written out (a bare LPORT is @vm, IPv4); [::] is @vm6 */
	{ "tcp @vm6:80 @vm6:8080", "tcp @vm6:80 @vm6:8080" },
	{ "tcp @VM6:80 [fd00::2]:80", "tcp @vm6:80 [fd00::2]:80" },
	{ "tcp [::]:80 [fd00::2]:80", "tcp @vm6:80 [fd00::2]:80" },
	{ "tcp [0:0::0]:80-90 [fd00::2]:80", "tcp @vm6:80-90 [fd00::2]:80" },
	{ "udp @vm6:53 @host6:53", "udp @vm6:53 @host6:53" },
	{ "udp @vm6:53 @HOST6:5353 snat always", "udp @vm6:53 @host6:5353 snat always" },
	{ "tcp [fd00::1]:80 @vm6:8080", "tcp [fd00::1]:80 @vm6:8080" },
	{ "tcp [fd00::1]:80 @vm6:80", "tcp [fd00::1]:80 @vm6:80" },
	{ "tcp @vm6:8080 [::1]:80", "tcp @vm6:8080 [::1]:80" },
	{ "udp @vm6:53 [0::1]:5353", "udp @vm6:53 [::1]:5353" },
	{ "both @vm6:80-81 [fe80::1]:8080", "both @vm6:80-81 [fe80::1]:8080" },
	{ "tcp @vm6:8080 @vm6:18080 allow fd00::/8", "tcp @vm6:8080 @vm6:18080 allow fd00::/8" },
	/* between the families: parsed (load keeps such a config line),
	 * refused by wf_mapping_check_forwardable */
	{ "tcp 8080 @vm6:8080", "tcp 8080 @vm6:8080" },
	{ "tcp @vm6:8080 @vm:8080", "tcp @vm6:8080 @vm:8080" },
	{ "tcp @vm6:53 @host:53", "tcp @vm6:53 @host:53" },
	{ "tcp 10.0.0.1:80 [fd00::1]:80", "tcp 10.0.0.1:80 [fd00::1]:80" },
	{ "tcp [fd00::1]:80 10.0.0.1:80", "tcp [fd00::1]:80 10.0.0.1:80" },
	{ "tcp 80 @host:80 allow 10.0.0.1", "tcp 80 @host:80 allow 10.0.0.1/32" },
	{ "tcp 80 @host:80 allow 0.0.0.0/0", "tcp 80 @host:80 allow 0.0.0.0/0" },
	{ "tcp 80 @host:80 allow 10.0.0.1/32", "tcp 80 @host:80 allow 10.0.0.1/32" },
	{ "tcp [fd00::1]:80 [fd00::2]:80 allow fd00::/8,[fe80::]/10,::1",
	  "tcp [fd00::1]:80 [fd00::2]:80 allow fd00::/8,fe80::/10,::1/128" },
	{ "tcp @vm6:80 [fd00::2]:80 allow ::/0", "tcp @vm6:80 [fd00::2]:80 allow ::/0" },
	{ "tcp 80 @host:80 allow 1.0.0.0/8,2.0.0.0/8,3.0.0.0/8,4.0.0.0/8,5.0.0.0/8,6.0.0.0/8,7.0.0.0/8,8.0.0.0/8",
	  "tcp 80 @host:80 allow 1.0.0.0/8,2.0.0.0/8,3.0.0.0/8,4.0.0.0/8,5.0.0.0/8,6.0.0.0/8,7.0.0.0/8,8.0.0.0/8" },
	{ "tcp 80 @host:80 ALLOW 10.0.0.0/8 SNAT Never", "tcp 80 @host:80 allow 10.0.0.0/8 snat never" },
};

/* ---- grammar: bad inputs and the message expected ---- */

static const struct {
	const char *in;
	const char *msg;
} bad[] = {
	/* PROTO */
	{ "", "missing protocol (expected tcp, udp or both)" },
	{ "icmp 80 @vm:8080", "unknown protocol 'icmp' (expected tcp, udp or both)" },
	{ "tcpx 80 @vm:8080", "unknown protocol 'tcpx'" },
	{ "tcp", "missing listen port [LADDR:]LPORT[-LPORT2]" },
	{ "tcp 8080", "missing target TADDR:TPORT" },
	/* LPORT */
	{ "tcp 70000 @vm:80", "port 70000 out of range 1-65535" },
	{ "tcp 65536 @vm:80", "port 65536 out of range 1-65535" },
	{ "tcp 0 @vm:80", "port 0 out of range 1-65535" },
	{ "tcp 00 @vm:80", "port 00 out of range 1-65535" },
	{ "tcp 99999999999999999999 @vm:80", "port 99999999999999999999 out of range 1-65535" },
	{ "tcp 80x @vm:8080", "invalid port '80x' (expected a number 1-65535)" },
	{ "tcp +80 @vm:8080", "invalid port '+80' (expected a number 1-65535)" },
	{ "tcp -1 @vm:8080", "invalid port '-1' (expected a number 1-65535)" },
	{ "tcp 0x50 @vm:8080", "invalid port '0x50'" },
	{ "tcp 1e3 @vm:8080", "invalid port '1e3'" },
	{ "tcp http @vm:8080", "invalid port 'http'" },
	{ "tcp @vm: @vm:80", "missing port after ':' in listen '@vm:'" },
	{ "tcp @vm @vm:80", "listen '@vm' has no port" },
	{ "tcp 10.0.0.5 @vm:80", "listen '10.0.0.5' has no port" },
	{ "tcp :8080 @vm:80", "missing address before ':' in listen ':8080'" },
	/* ranges */
	{ "tcp 90-80 @vm:8080",
	  "port range 90-80 is reversed (expected LPORT-LPORT2 with LPORT2 >= LPORT)" },
	{ "tcp 80- @vm:8080", "invalid port range '80-' (expected LPORT-LPORT2" },
	{ "tcp 80-90x @vm:8080", "invalid port '90x'" },
	{ "tcp 80--90 @vm:8080", "invalid port '-90'" },
	{ "tcp 80-70000 @vm:8080", "port 70000 out of range 1-65535" },
	{ "tcp 0-80 @vm:8080", "port 0 out of range 1-65535" },
	{ "tcp 65530-65535 @host:65531", "target ports 65531-65536 run past 65535" },
	{ "tcp 8080-8090 @vm:65530", "target ports 65530-65540 run past 65535" },
	{ "tcp 1-65535 @host:2", "target ports 2-65536 run past 65535" },
	/* LADDR */
	{ "tcp @host:80 @vm:8080", "listen address @host is not allowed (expected @vm, @vm6, an IPv4 address or [IPv6])" },
	{ "tcp @host6:80 @vm6:8080", "listen address @host6 is not allowed" },
	{ "tcp 10.0.0.256:80 @vm:8080", "invalid address '10.0.0.256' (expected @vm, @vm6, an IPv4 address or [IPv6])" },
	{ "tcp @vm4:80 @vm:8080", "invalid address '@vm4'" },
	{ "tcp 10.0.0:80 @vm:8080", "invalid address '10.0.0'" },
	{ "tcp fd00::1:80 @vm:8080", "IPv6 address in listen 'fd00::1:80' must be in brackets" },
	{ "tcp [fd00::1:80 @vm:8080", "missing ']' in listen '[fd00::1:80'" },
	{ "tcp @vm6 @vm6:80", "listen '@vm6' has no port" },
	{ "tcp @foo:80 @vm:8080", "invalid address '@foo'" },
	/* TADDR:TPORT */
	{ "tcp 8080 18080", "target '18080' has no address (expected TADDR:TPORT, e.g. @vm:18080)" },
	{ "tcp 8080 @vm", "target '@vm' has no port (expected TADDR:TPORT" },
	{ "tcp 8080 172.17.0.2", "target '172.17.0.2' has no port" },
	{ "tcp 8080 @vm:", "missing port after ':' in target '@vm:'" },
	{ "tcp 8080 :80", "missing address before ':' in target ':80'" },
	{ "tcp 8080 @vm:70000", "port 70000 out of range 1-65535" },
	{ "tcp 8080 @vm:0", "port 0 out of range 1-65535" },
	{ "tcp 8080 @vm:80x", "invalid port '80x' (expected a number 1-65535)" },
	{ "tcp 8080 @vm:-1", "invalid port '-1'" },
	{ "tcp 8080 @vm:18080-18090", "target port '18080-18090' cannot be a range" },
	{ "tcp 8080 @foo:80", "invalid address '@foo' (expected @vm, @vm6, @host, @host6, an IPv4 address or [IPv6])" },
	{ "tcp 8080 [::]:80", "target address [::] is not allowed" },
	{ "tcp 8080 @vm6", "target '@vm6' has no port" },
	{ "tcp 8080 example.com:80", "invalid address 'example.com'" },
	{ "tcp 8080 fd00::1:80", "IPv6 address in target 'fd00::1:80' must be in brackets, e.g. [fd00::1]:80" },
	{ "tcp 8080 [fd00::1]80", "expected ':' after ']' in target '[fd00::1]80'" },
	{ "tcp 8080 [fd00::1]", "target '[fd00::1]' has no port" },
	{ "tcp 8080 [10.0.0.1]:80", "invalid IPv6 address '[10.0.0.1]'" },
	{ "tcp 8080 []:80", "invalid address '[]'" },
	{ "tcp 8080 0.0.0.0:80", "target address 0.0.0.0 is not allowed" },
	/* [::1]: local clients and loopback targets, allow/snat do not apply */
	{ "tcp [::1]:80 [fd00::1]:80 allow fd00::/8", "allow does not apply to a loopback listen address" },
	{ "tcp @vm6:80 [::1]:8080 snat always", "snat always does not apply to a loopback target" },
	/* forwarding to itself */
	{ "tcp 8080 @vm:8080", "@vm:8080 forwards to itself" },
	{ "tcp 8080-8090 @vm:8080", "@vm:8080-8090 forwards to itself" },
	{ "tcp 10.0.0.5:80 10.0.0.5:80", "10.0.0.5:80 forwards to itself" },
	{ "tcp [fd00::1]:80 [fd00::1]:80", "[fd00::1]:80 forwards to itself" },
	{ "tcp @vm6:80 @vm6:80", "@vm6:80 forwards to itself" },
	{ "tcp @vm6:80-90 @vm6:80", "@vm6:80-90 forwards to itself" },
	/* options */
	{ "tcp 8080 @vm:18080 bogus", "unknown option 'bogus' (expected allow CIDR[,CIDR...] or snat auto|always|never)" },
	{ "tcp 8080 @vm:18080 10.0.0.0/8", "unknown option '10.0.0.0/8'" },
	{ "tcp 8080 @vm:18080 allow", "option 'allow' needs a value (expected allow CIDR[,CIDR...])" },
	{ "tcp 8080 @vm:18080 snat", "option 'snat' needs a value (expected snat auto|always|never)" },
	{ "tcp 8080 @vm:18080 snat sometimes", "unknown snat mode 'sometimes' (expected auto, always or never)" },
	{ "tcp 8080 @vm:18080 snat never snat always", "option 'snat' given twice" },
	{ "tcp 8080 @vm:18080 allow 10.0.0.0/8 allow 10.0.0.0/8", "option 'allow' given twice" },
	{ "tcp 8080 @vm:18080 allow 10.0.0.0/8 snat never allow 1.0.0.0/8", "option 'allow' given twice" },
	/* allow CIDRs */
	{ "tcp 8080 @vm:18080 allow 10.0.0.1/8", "10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?" },
	{ "tcp 8080 @vm:18080 allow 192.168.1.1/16", "192.168.1.1/16 has host bits set; did you mean 192.168.0.0/16?" },
	{ "tcp 8080 @vm:18080 allow 10.0.0.0/8,10.0.0.1/31", "10.0.0.1/31 has host bits set; did you mean 10.0.0.0/31?" },
	{ "tcp [fd00::1]:80 [fd00::2]:80 allow fd00::1/8", "fd00::1/8 has host bits set; did you mean fd00::/8?" },
	{ "tcp [fd00::1]:80 [fd00::2]:80 allow fd00::/129", "prefix length /129 in 'fd00::/129' out of range 0-128" },
	{ "tcp 8080 @vm:18080 allow 10.0.0.0/33", "prefix length /33 in '10.0.0.0/33' out of range 0-32" },
	{ "tcp 8080 @vm:18080 allow 10.0.0.0/", "invalid prefix length in '10.0.0.0/' (expected /0-/32)" },
	{ "tcp 8080 @vm:18080 allow 10.0.0.0/8x", "invalid prefix length in '10.0.0.0/8x'" },
	{ "tcp 8080 @vm:18080 allow 10.0.0.0/+8", "invalid prefix length in '10.0.0.0/+8'" },
	{ "tcp 8080 @vm:18080 allow 10.0.0.0/8,", "empty CIDR in allow list '10.0.0.0/8,' (expected CIDR[,CIDR...])" },
	{ "tcp 8080 @vm:18080 allow ,10.0.0.0/8", "empty CIDR in allow list" },
	{ "tcp 8080 @vm:18080 allow 10.0.0.0/8,,1.0.0.0/8", "empty CIDR in allow list" },
	{ "tcp 8080 @vm:18080 allow foo", "invalid CIDR 'foo' (expected ADDR[/LEN]" },
	{ "tcp 8080 @vm:18080 allow @vm", "invalid CIDR '@vm'" },
	{ "tcp 8080 @vm:18080 allow fd00::/8", "allow fd00::/8 is IPv6 but the mapping is IPv4" },
	{ "tcp [fd00::1]:80 @vm:8080 allow 10.0.0.0/8", "allow 10.0.0.0/8 is IPv4 but the mapping is IPv6" },
	{ "tcp @vm6:80 @vm6:8080 allow 10.0.0.0/8", "allow 10.0.0.0/8 is IPv4 but the mapping is IPv6" },
	/* the listen family decides: sources are of it, whatever the target */
	{ "tcp 80 [fd00::2]:80 allow ::/0", "allow ::/0 is IPv6 but the mapping is IPv4" },
	{ "tcp 8080 @vm:18080 allow 10.0.0.0/8,10.0.0.0/8", "10.0.0.0/8 appears twice in the allow list" },
	{ "tcp 8080 @vm:18080 allow 1.0.0.0/8,2.0.0.0/8,3.0.0.0/8,4.0.0.0/8,5.0.0.0/8,6.0.0.0/8,7.0.0.0/8,8.0.0.0/8,9.0.0.0/8",
	  "too many CIDRs in allow list (at most 8)" },
};

static void test_grammar_tables(void)
{
	char err[256], out[512], out2[512];
	struct wf_mapping m, m2;
	unsigned int i;
	int ret, ret2;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		err[0] = '\0';
		ret = parse_str(good[i].in, &m, err, sizeof(err));
		out[0] = '\0';
		if (!ret)
			wf_format_mapping(&m, out, sizeof(out));
		check(!ret && !strcmp(out, good[i].canon), ret ? err : out,
		      "parse '%s' -> '%s'", good[i].in, good[i].canon);
		/* The canonical words read back to the identical struct. */
		ret2 = parse_str(out, &m2, err, sizeof(err));
		out2[0] = '\0';
		if (!ret2)
			wf_format_mapping(&m2, out2, sizeof(out2));
		check(!ret && !ret2 && !memcmp(&m, &m2, sizeof(m)) && !strcmp(out, out2),
		      ret2 ? err : out2, "round trip '%s'", good[i].canon);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(err, sizeof(err), "(no message)");
		memset(&m, 0xaa, sizeof(m));
		ret = parse_str(bad[i].in, &m, err, sizeof(err));
		check(ret == -EINVAL && strstr(err, bad[i].msg), ret ? err : "accepted",
		      "reject '%s': %s", bad[i].in, bad[i].msg);
	}
}

static void test_fields(void)
{
	struct wf_mapping m;
	char err[256];
	int ret;

	ret = parse_str("tcp 10.0.0.5:80-90 172.17.0.2:8080 allow 192.168.0.0/16 snat never", &m,
			err, sizeof(err));
	check(!ret && m.in_use == 1 && m.protos == WF_P_TCP && m.family == WF_AF_INET &&
		      m.laddr_kind == WF_ADDR_LITERAL && m.laddr[0] == ip4("10.0.0.5") &&
		      !m.laddr[1] && !m.laddr[2] && !m.laddr[3] && m.lport == 80 &&
		      m.lport_end == 90 && m.taddr_kind == WF_ADDR_LITERAL &&
		      m.taddr[0] == ip4("172.17.0.2") && m.tport == 8080 && m.n_allow == 1 &&
		      m.allow[0].family == WF_AF_INET && m.allow[0].plen == 16 &&
		      m.allow[0].addr[0] == ip4("192.168.0.0") && m.snat == WF_SNAT_NEVER,
	      ret ? err : NULL, "fields of an IPv4 literal mapping (network order addresses)");

	ret = parse_str("both 8080 @vm:18080", &m, err, sizeof(err));
	check(!ret && m.protos == (WF_P_TCP | WF_P_UDP) && m.family == WF_AF_INET &&
		      m.laddr_kind == WF_ADDR_VM && !m.laddr[0] && m.taddr_kind == WF_ADDR_VM &&
		      m.lport == 8080 && m.lport_end == 8080 && m.tport == 18080 && !m.n_allow &&
		      m.snat == WF_SNAT_AUTO,
	      ret ? err : NULL, "fields of 'both 8080 @vm:18080' (@vm default, lport_end = lport)");

	ret = parse_str("udp 53 @host:5353 snat always", &m, err, sizeof(err));
	check(!ret && m.protos == WF_P_UDP && m.taddr_kind == WF_ADDR_HOST && m.tport == 5353 &&
		      m.snat == WF_SNAT_ALWAYS && m.family == WF_AF_INET,
	      ret ? err : NULL, "fields of '@host' target, snat always, default IPv4");

	ret = parse_str("tcp [fd00::1]:80 @host:80", &m, err, sizeof(err));
	check(!ret && m.family == WF_AF_INET6 && m.laddr_kind == WF_ADDR_LITERAL &&
		      m.laddr[0] == htonl(0xfd000000) && !m.laddr[1] && !m.laddr[2] &&
		      m.laddr[3] == htonl(1),
	      ret ? err : NULL, "IPv6 listen literal: family and 16 address bytes");

	ret = parse_str("tcp 80 [fd00::2]:8080", &m, err, sizeof(err));
	check(!ret && m.family == WF_AF_INET && m.tfamily == WF_AF_INET6 &&
		      m.laddr_kind == WF_ADDR_VM && m.taddr[3] == htonl(2) &&
		      wf_mapping_tfamily(&m) == WF_AF_INET6,
	      ret ? err : NULL, "no LADDR listens on @vm (IPv4); an IPv6 target goes in tfamily");

	ret = parse_str("tcp @vm6:80 [fd00::2]:8080 allow fd00::/16", &m, err, sizeof(err));
	check(!ret && m.family == WF_AF_INET6 && !m.tfamily && m.laddr_kind == WF_ADDR_VM &&
		      !m.laddr[0] && !m.laddr[3] && m.taddr_kind == WF_ADDR_LITERAL &&
		      m.taddr[3] == htonl(2) && m.allow[0].family == WF_AF_INET6 &&
		      m.allow[0].plen == 16,
	      ret ? err : NULL, "@vm6 listen: family IPv6, tfamily 0, the zero laddr of @vm");

	ret = parse_str("udp [::]:53 @host6:53", &m, err, sizeof(err));
	check(!ret && m.family == WF_AF_INET6 && !m.tfamily && m.laddr_kind == WF_ADDR_VM &&
		      m.taddr_kind == WF_ADDR_HOST && !m.taddr[0] && !m.taddr[3],
	      ret ? err : NULL, "[::] listen is @vm6, @host6 target is kind HOST of IPv6");

	ret = parse_str("tcp @vm6:80 @vm:8080", &m, err, sizeof(err));
	check(!ret && m.family == WF_AF_INET6 && m.tfamily == WF_AF_INET &&
		      m.taddr_kind == WF_ADDR_VM,
	      ret ? err : NULL, "@vm target of an @vm6 listener: tfamily IPv4");
}

/* Which mappings the datapath forwards: both families and between them
 * (v4tov6, v6tov4), not what only one family can do there. */
static void test_forwardable(void)
{
	static const struct {
		const char *in, *msg;	/* msg NULL: forwardable */
	} tab[] = {
		{ "tcp 8080 @vm:18080", NULL },
		{ "tcp 8080 @host:5432", NULL },
		{ "tcp @vm6:80 @vm6:8080", NULL },
		{ "tcp @vm6:80 [fd00::2]:8080", NULL },
		{ "udp @vm6:53 @host6:53", NULL },
		{ "tcp [fd00::1]:80 [fd00::2]:8080", NULL },
		{ "tcp [fd00::1]:80 @vm6:8080", NULL },
		/* between the families: translated, always full NAT */
		{ "tcp 80 [fd00::2]:80", NULL },
		{ "tcp 80 @vm6:8080", NULL },
		{ "tcp 10.0.0.1:80 [fd00::1]:80", NULL },
		{ "tcp [fd00::1]:80 10.0.0.1:80", NULL },
		{ "tcp @vm6:80 @vm:8080", NULL },
		{ "udp @vm6:80 @host:80", NULL },
		{ "tcp 80 [fd00::2]:80 snat never", "snat never does not apply between the families" },
		{ "tcp 127.0.0.1:80 [fd00::2]:80", "a socket keeps its family" },
		{ "tcp @vm6:80 127.0.0.1:80", "a loopback-only target is reached in its own family" },
		{ "tcp 80 [::1]:80", "a loopback-only target is reached in its own family" },
		{ "udp 10.0.0.1:53 [::1]:53", "a loopback-only target is reached in its own family" },
		{ "tcp @vm6:8080 [::1]:80", NULL },
		{ "udp [fd00::1]:53 [::1]:5353", NULL },
		{ "tcp 80 [fe80::1]:80", "link-local target fe80::1 is not supported between the families" },
		/* on IFACE, through the next-hop cache */
		{ "tcp @vm6:80 [fe80::1]:80", NULL },
	};
	struct wf_mapping m;
	char err[512];
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(tab); i++) {
		err[0] = '\0';
		ret = parse_str(tab[i].in, &m, err, sizeof(err));
		if (!ret)
			ret = wf_mapping_check_forwardable(&m, err, sizeof(err));
		if (!tab[i].msg)
			check(!ret, err, "forwardable: '%s'", tab[i].in);
		else
			check(ret == -EINVAL && strstr(err, tab[i].msg),
			      ret ? err : "accepted", "not forwardable: '%s': %s", tab[i].in,
			      tab[i].msg);
	}
}

static void test_argv_words(void)
{
	char *a1[] = { "tcp", " 80", "@vm:8080" };
	char *a2[] = { "tcp", "80 ", "@vm:8080" };
	char *a3[] = { "tcp", "", "@vm:8080" };
	char *a4[] = { "tcp", "8080", "@vm: 80" };
	char *a5[] = { "tcp", "8080", "@vm:18080", "allow", "10.0.0.0/8, 1.0.0.0/8" };
	struct wf_mapping m;
	char err[256];

	check(wf_parse_mapping(3, a1, &m, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "invalid port ' 80'"), err, "argv port ' 80' rejected");
	check(wf_parse_mapping(3, a2, &m, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "invalid port '80 '"), err, "argv port '80 ' rejected");
	check(wf_parse_mapping(3, a3, &m, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "missing port (expected a number 1-65535)"), err,
	      "argv empty port rejected");
	check(wf_parse_mapping(3, a4, &m, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "invalid port ' 80'"), err, "argv target port ' 80' rejected");
	check(wf_parse_mapping(5, a5, &m, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "invalid CIDR ' 1.0.0.0/8'"), err,
	      "argv allow list with a space rejected");
	check(wf_parse_mapping(0, NULL, &m, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "missing protocol"), err, "no words at all");
	/* No err buffer: still fails cleanly. */
	check(wf_parse_mapping(3, a1, &m, NULL, 0) == -EINVAL, NULL, "NULL err buffer is allowed");
}

static void test_port_cidr(void)
{
	static const struct {
		const char *in;
		int ret;
		__u16 port;
		const char *msg;
	} ports[] = {
		{ "1", 0, 1, NULL },
		{ "80", 0, 80, NULL },
		{ "65535", 0, 65535, NULL },
		{ "0080", 0, 80, NULL },
		{ "", -EINVAL, 0, "missing port (expected a number 1-65535)" },
		{ "0", -EINVAL, 0, "port 0 out of range 1-65535" },
		{ "65536", -EINVAL, 0, "port 65536 out of range 1-65535" },
		{ "70000", -EINVAL, 0, "port 70000 out of range 1-65535" },
		{ "4294967377", -EINVAL, 0, "port 4294967377 out of range 1-65535" },
		{ "80x", -EINVAL, 0, "invalid port '80x' (expected a number 1-65535)" },
		{ "-1", -EINVAL, 0, "invalid port '-1'" },
		{ "+80", -EINVAL, 0, "invalid port '+80'" },
		{ " 80", -EINVAL, 0, "invalid port ' 80'" },
		{ "80 ", -EINVAL, 0, "invalid port '80 '" },
		{ "8 0", -EINVAL, 0, "invalid port '8 0'" },
		{ "0x50", -EINVAL, 0, "invalid port '0x50'" },
	};
	static const struct {
		const char *in;
		int ret;
		int family;
		int plen;
		const char *msg;
	} cidrs[] = {
		{ "10.0.0.0/8", 0, WF_AF_INET, 8, NULL },
		{ "10.0.0.1", 0, WF_AF_INET, 32, NULL },
		{ "0.0.0.0/0", 0, WF_AF_INET, 0, NULL },
		{ "10.1.2.3/32", 0, WF_AF_INET, 32, NULL },
		{ "fd00::/8", 0, WF_AF_INET6, 8, NULL },
		{ "[fd00::]/8", 0, WF_AF_INET6, 8, NULL },
		{ "::1", 0, WF_AF_INET6, 128, NULL },
		{ "2001:db8::/32", 0, WF_AF_INET6, 32, NULL },
		{ "2001:db8:0:0:0:0:0:1/128", 0, WF_AF_INET6, 128, NULL },
		{ "fd00::8000:0/97", 0, WF_AF_INET6, 97, NULL },
		{ "10.0.0.1/8", -EINVAL, 0, 0, "10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?" },
		{ "10.0.0.128/24", -EINVAL, 0, 0, "did you mean 10.0.0.0/24?" },
		{ "fd00::8000:0/96", -EINVAL, 0, 0, "did you mean fd00::/96?" },
		{ "1.2.3.4/0", -EINVAL, 0, 0, "did you mean 0.0.0.0/0?" },
		{ "", -EINVAL, 0, 0, "missing CIDR" },
		{ "/8", -EINVAL, 0, 0, "invalid CIDR '/8'" },
		{ "10.0.0.0/33", -EINVAL, 0, 0, "out of range 0-32" },
		{ "10.0.0.0/-1", -EINVAL, 0, 0, "invalid prefix length" },
		{ "10.0.0.0/08x", -EINVAL, 0, 0, "invalid prefix length" },
		{ "10.0.0.0/0008", -EINVAL, 0, 0, "invalid prefix length" },
		{ "10.0.0.0/8/8", -EINVAL, 0, 0, "invalid prefix length" },
		{ "10.0.0/8", -EINVAL, 0, 0, "invalid CIDR '10.0.0/8'" },
	};
	struct wf_cidr c;
	unsigned int i;
	char err[256];
	__u16 port;
	int ret;

	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		port = 0;
		err[0] = '\0';
		ret = wf_parse_port(ports[i].in, &port, err, sizeof(err));
		if (!ports[i].ret)
			check(!ret && port == ports[i].port, err, "port '%s' = %u", ports[i].in,
			      ports[i].port);
		else
			check(ret == ports[i].ret && strstr(err, ports[i].msg),
			      ret ? err : "accepted", "port '%s': %s", ports[i].in, ports[i].msg);
	}
	for (i = 0; i < sizeof(cidrs) / sizeof(cidrs[0]); i++) {
		err[0] = '\0';
		ret = wf_parse_cidr(cidrs[i].in, &c, err, sizeof(err));
		if (!cidrs[i].ret)
			check(!ret && c.family == cidrs[i].family && c.plen == cidrs[i].plen, err,
			      "cidr '%s' = family %d /%d", cidrs[i].in, cidrs[i].family,
			      cidrs[i].plen);
		else
			check(ret == cidrs[i].ret && strstr(err, cidrs[i].msg),
			      ret ? err : "accepted", "cidr '%s': %s", cidrs[i].in, cidrs[i].msg);
	}
}

static void test_proto_ip(void)
{
	__be32 a[4];
	char err[128];
	__u8 p = 0;
	int fam = 0;

	check(!wf_parse_proto("tcp", &p, err, sizeof(err)) && p == WF_P_TCP, NULL, "proto tcp");
	check(!wf_parse_proto("udp", &p, err, sizeof(err)) && p == WF_P_UDP, NULL, "proto udp");
	check(!wf_parse_proto("both", &p, err, sizeof(err)) && p == (WF_P_TCP | WF_P_UDP), NULL,
	      "proto both");
	check(wf_parse_proto("sctp", &p, err, sizeof(err)) == -EINVAL &&
		      !strcmp(err, "unknown protocol 'sctp' (expected tcp, udp or both)"),
	      err, "proto sctp: exact message");
	check(!strcmp(wf_proto_name(WF_P_TCP), "tcp") && !strcmp(wf_proto_name(WF_P_UDP), "udp") &&
		      !strcmp(wf_proto_name(WF_P_TCP | WF_P_UDP), "both"),
	      NULL, "wf_proto_name");
	check(!strcmp(wf_snat_name(WF_SNAT_AUTO), "auto") &&
		      !strcmp(wf_snat_name(WF_SNAT_ALWAYS), "always") &&
		      !strcmp(wf_snat_name(WF_SNAT_NEVER), "never"),
	      NULL, "wf_snat_name");
	check(!wf_parse_ip("172.17.0.2", &fam, a) && fam == WF_AF_INET && a[0] == ip4("172.17.0.2") &&
		      !a[1] && !a[2] && !a[3],
	      NULL, "wf_parse_ip IPv4 in [0]");
	check(!wf_parse_ip("fd00::1", &fam, a) && fam == WF_AF_INET6 && a[3] == htonl(1), NULL,
	      "wf_parse_ip bare IPv6");
	check(wf_parse_ip("[fd00::1]", &fam, a) == -EINVAL && wf_parse_ip("host", &fam, a) == -EINVAL,
	      NULL, "wf_parse_ip rejects brackets and names");
}

static void test_split(void)
{
	char l1[] = "  tcp\t8080  @vm:18080 # a comment";
	char l2[] = "# only a comment";
	char l3[] = "";
	char l4[] = "tcp#x 8080";
	char l5[] = "a b c d";
	char l6[] = "tcp 8080 @vm:18080\r\n";
	char *w[8];
	int n;

	n = wf_split_words(l1, w, 8);
	check(n == 3 && !strcmp(w[0], "tcp") && !strcmp(w[1], "8080") && !strcmp(w[2], "@vm:18080"),
	      NULL, "split: tabs, spaces, trailing comment");
	check(wf_split_words(l2, w, 8) == 0, NULL, "split: comment line has no words");
	check(wf_split_words(l3, w, 8) == 0, NULL, "split: empty line has no words");
	n = wf_split_words(l4, w, 8);
	check(n == 1 && !strcmp(w[0], "tcp"), NULL, "split: '#' inside a word starts a comment");
	check(wf_split_words(l5, w, 2) == 2, NULL, "split: at most max words");
	n = wf_split_words(l6, w, 8);
	check(n == 3 && !strcmp(w[2], "@vm:18080"), NULL, "split: CRLF line ending");
}

static void test_format(void)
{
	struct wf_mapping m;
	char err[256], buf[128], small[6];
	int n;

	parse_str("tcp 8080-8090 @vm:18080", &m, err, sizeof(err));
	wf_format_listen(&m, buf, sizeof(buf));
	check(!strcmp(buf, "@vm:8080-8090"), buf, "format_listen '@vm:8080-8090'");
	wf_format_target(&m, buf, sizeof(buf));
	check(!strcmp(buf, "@vm:18080"), buf, "format_target '@vm:18080'");
	parse_str("udp [fd00::1]:53 [fd00::2]:5353", &m, err, sizeof(err));
	wf_format_listen(&m, buf, sizeof(buf));
	check(!strcmp(buf, "[fd00::1]:53"), buf, "format_listen '[fd00::1]:53'");
	wf_format_target(&m, buf, sizeof(buf));
	check(!strcmp(buf, "[fd00::2]:5353"), buf, "format_target '[fd00::2]:5353'");
	wf_format_addr(WF_AF_INET6, m.taddr, buf, sizeof(buf));
	check(!strcmp(buf, "fd00::2"), buf, "format_addr IPv6 without brackets");
	parse_str("tcp 5432 @host:5432", &m, err, sizeof(err));
	wf_format_target(&m, buf, sizeof(buf));
	check(!strcmp(buf, "@host:5432"), buf, "format_target '@host:5432'");
	n = wf_format_mapping(&m, small, sizeof(small));
	check(n == (int)strlen("tcp 5432 @host:5432") && !strcmp(small, "tcp 5"), small,
	      "format_mapping truncates like snprintf and returns the full length");
	n = wf_format_mapping(&m, NULL, 0);
	check(n == (int)strlen("tcp 5432 @host:5432"), NULL, "format_mapping(NULL, 0) measures");
}

/* Build many mappings from parts and check format -> parse gives the same struct. */
static void test_round_trip_generated(void)
{
	static const char *protos[] = { "tcp", "udp", "both" };
	static const char *listen4[] = { "", "10.0.0.5:", "127.0.0.1:", "@vm:" };
	static const char *target4[] = { "@vm", "@host", "172.17.0.2", "127.0.0.1" };
	static const char *listen6[] = { "@vm6:", "[fd00::1]:", "[::1]:", "[::]:" };
	static const char *target6[] = { "[fd00::2]", "@vm6", "@host6", "[2001:db8::dead:beef]" };
	static const char *ports[] = { "1", "80", "8080-8090", "65535", "1000-2000" };
	static const char *tports[] = { "2", "18080", "443" };
	static const char *allow4[] = { "", " allow 10.0.0.0/8", " allow 0.0.0.0/0,192.168.1.7",
					" allow 10.0.0.0/8,172.16.0.0/12,192.168.0.0/16" };
	static const char *allow6[] = { "", " allow fd00::/8", " allow ::/0,2001:db8::/32,::1" };
	static const char *snats[] = { "", " snat auto", " snat always", " snat never" };
	char line[512], out[512], out2[512], err[256], first[1600] = "";
	unsigned int p, l, t, po, tp, a, s, v6, total = 0, bad = 0, rejected = 0;
	struct wf_mapping m, m2;

	for (v6 = 0; v6 < 2; v6++)
	for (p = 0; p < 3; p++)
	for (l = 0; l < 4; l++)
	for (t = 0; t < 4; t++)
	for (po = 0; po < 5; po++)
	for (tp = 0; tp < 3; tp++)
	for (a = 0; a < (v6 ? 3u : 4u); a++)
	for (s = 0; s < 4; s++) {
		snprintf(line, sizeof(line), "%s %s%s %s:%s%s%s", protos[p],
			 v6 ? listen6[l] : listen4[l], ports[po], v6 ? target6[t] : target4[t],
			 tports[tp], v6 ? allow6[a] : allow4[a], snats[s]);
		if (parse_str(line, &m, err, sizeof(err))) {
			/* Only "runs past 65535" may refuse here, and for
			 * 127.0.0.1 on either side or a [::1] LADDR allow/snat. */
			bool lo = (!v6 && (l == 2 || t == 3)) || (v6 && l == 2);

			if (!strstr(err, "run past 65535") &&
			    !(lo && strstr(err, "does not apply to"))) {
				bad++;
				if (!*first)
					snprintf(first, sizeof(first), "%s: %s", line, err);
			}
			rejected++;
			continue;
		}
		total++;
		wf_format_mapping(&m, out, sizeof(out));
		if (parse_str(out, &m2, err, sizeof(err)) || memcmp(&m, &m2, sizeof(m))) {
			bad++;
			if (!*first)
				snprintf(first, sizeof(first), "%s -> %s", line, out);
			continue;
		}
		wf_format_mapping(&m2, out2, sizeof(out2));
		if (strcmp(out, out2)) {
			bad++;
			if (!*first)
				snprintf(first, sizeof(first), "%s -> %s -> %s", line, out, out2);
		}
	}
	check(!bad && total > 1000, first,
	      "round trip format -> parse of %u generated mappings (%u refused: out of range, loopback options)",
	      total, rejected);
}

static void test_conflicts(void)
{
	static const struct {
		const char *a, *b;
		bool conflict;
	} tab[] = {
		{ "tcp 8080 @vm:1", "tcp 8080 @vm:2", true },
		{ "tcp 8080 @vm:1", "udp 8080 @vm:2", false },
		{ "both 8080 @vm:1", "tcp 8080 @vm:2", true },
		{ "both 8080 @vm:1", "udp 8080 @host:2", true },
		{ "tcp 8080 @vm:1", "tcp 8081 @vm:1", false },
		{ "tcp 8080-8090 @vm:1", "tcp 8090-9000 @vm:2", true },
		{ "tcp 8080-8090 @vm:1", "tcp 8091-9000 @vm:2", false },
		{ "tcp 8080-8090 @vm:1", "tcp 8000-8080 @vm:2", true },
		{ "tcp 8085 @vm:1", "tcp 8080-8090 @vm:100", true },
		{ "tcp 1-65535 @host:1", "udp 1-65535 @host:1", false },
		{ "tcp 10.0.0.5:80 @vm:1", "tcp 80 @vm:2", false },
		{ "tcp 10.0.0.5:80 @vm:1", "tcp 10.0.0.6:80 @vm:2", false },
		{ "tcp 10.0.0.5:80 @vm:1", "tcp 10.0.0.5:80 @host:2", true },
		{ "tcp 127.0.0.1:80 @host:80", "tcp 80 @host:80", false },
		{ "tcp [fd00::1]:80 @vm:1", "tcp [fd00::1]:80 @vm:2", true },
		{ "tcp [fd00::1]:80 @vm:1", "tcp [fd00::2]:80 @vm:2", false },
		{ "tcp 80 @host:80", "tcp 80 [fd00::1]:80", true },
		/* @vm and @vm6 are two listeners */
		{ "tcp 80 @host:80", "tcp @vm6:80 @host6:80", false },
		{ "tcp 80 @vm:8080", "tcp @vm6:80 @vm6:8080", false },
		{ "tcp @vm6:80 @vm6:8080", "tcp [::]:80 [fd00::2]:80", true },
		{ "tcp @vm6:80-90 @vm6:8080", "both @vm6:85 @host6:85", true },
		{ "tcp @vm6:80 @vm6:8080", "tcp [fd00::1]:80 @vm6:8080", false },
		{ "tcp @vm6:80 @vm6:8080", "udp @vm6:80 @vm6:8080", false },
	};
	struct wf_mapping a, b;
	char err[256];
	unsigned int i;
	bool ab, ba;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (parse_str(tab[i].a, &a, err, sizeof(err)) ||
		    parse_str(tab[i].b, &b, err, sizeof(err))) {
			check(false, err, "conflict '%s' vs '%s' (parse)", tab[i].a, tab[i].b);
			continue;
		}
		ab = wf_mapping_conflicts(&a, &b);
		ba = wf_mapping_conflicts(&b, &a);
		check(ab == tab[i].conflict && ba == tab[i].conflict, ab ? "conflict" : "none",
		      "'%s' vs '%s': %s", tab[i].a, tab[i].b,
		      tab[i].conflict ? "conflict" : "no conflict");
	}
}

static void test_keys(void)
{
	static const struct {
		const char *key, *map;
		bool same;
	} tab[] = {
		{ "tcp 8080", "tcp 8080 @vm:1", true },
		{ "tcp @vm:8080", "tcp 8080 @vm:1", true },
		{ "tcp 0.0.0.0:8080", "tcp 8080 @vm:1", true },
		{ "tcp 8080", "both 8080 @vm:1", true },
		{ "both 8080", "udp 8080 @vm:1", true },
		{ "udp 8080", "tcp 8080 @vm:1", false },
		{ "tcp 8080", "tcp 8080-8090 @vm:1", false },
		{ "tcp 8080-8090", "tcp 8080-8090 @vm:1", true },
		{ "tcp 10.0.0.5:8080", "tcp 8080 @vm:1", false },
		{ "tcp 10.0.0.5:8080", "tcp 10.0.0.5:8080 @vm:1", true },
		{ "tcp [fd00::1]:80", "tcp [fd00::1]:80 @host:80", true },
		{ "tcp 80", "tcp 80 [fd00::1]:80", true },
		{ "tcp 80", "tcp @vm6:80 @vm6:8080", false },
		{ "tcp @vm:80", "tcp @vm6:80 [fd00::2]:80", false },
		{ "tcp @vm6:80", "tcp 80 @vm:8080", false },
		{ "tcp @vm6:80", "tcp @vm6:80 @vm6:8080", true },
		{ "tcp [::]:80", "tcp @vm6:80 @host6:80", true },
		{ "both @vm6:80", "udp @vm6:80 @vm6:8080", true },
		{ "tcp @vm6:80", "tcp [fd00::1]:80 @vm6:8080", false },
	};
	static const struct {
		const char *in, *msg;
	} badkeys[] = {
		{ "", "missing protocol" },
		{ "tcp", "missing listen port" },
		{ "icmp 80", "unknown protocol 'icmp'" },
		{ "tcp 0", "port 0 out of range 1-65535" },
		{ "tcp 80-70", "port range 80-70 is reversed" },
		{ "tcp @host:80", "listen address @host is not allowed" },
		{ "tcp 8080 @vm:18080",
		  "unexpected '@vm:18080' after the listen port (expected PROTO [LADDR:]LPORT[-LPORT2])" },
	};
	struct wf_mapping k, m;
	char err[256];
	unsigned int i;
	int ret;

	ret = parse_key_str("udp 10.0.0.5:80-90", &k, err, sizeof(err));
	check(!ret && k.protos == WF_P_UDP && k.family == WF_AF_INET &&
		      k.laddr_kind == WF_ADDR_LITERAL && k.laddr[0] == ip4("10.0.0.5") &&
		      k.lport == 80 && k.lport_end == 90,
	      err, "key 'udp 10.0.0.5:80-90' fields");
	ret = parse_key_str("both [fd00::1]:53", &k, err, sizeof(err));
	check(!ret && k.family == WF_AF_INET6 && k.protos == (WF_P_TCP | WF_P_UDP), err,
	      "key 'both [fd00::1]:53' is IPv6");
	ret = parse_key_str("tcp @vm6:80", &k, err, sizeof(err));
	check(!ret && k.family == WF_AF_INET6 && k.laddr_kind == WF_ADDR_VM && k.lport == 80, err,
	      "key 'tcp @vm6:80' is @vm of IPv6");
	ret = parse_key_str("tcp 80", &k, err, sizeof(err));
	check(!ret && k.family == WF_AF_INET && k.laddr_kind == WF_ADDR_VM, err,
	      "key 'tcp 80' is @vm of IPv4");
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (parse_key_str(tab[i].key, &k, err, sizeof(err)) ||
		    parse_str(tab[i].map, &m, err, sizeof(err))) {
			check(false, err, "key '%s' vs '%s' (parse)", tab[i].key, tab[i].map);
			continue;
		}
		check(wf_mapping_same_key(&k, &m) == tab[i].same &&
			      wf_mapping_same_key(&m, &k) == tab[i].same,
		      NULL, "del key '%s' %s '%s'", tab[i].key, tab[i].same ? "matches" : "does not match",
		      tab[i].map);
	}
	for (i = 0; i < sizeof(badkeys) / sizeof(badkeys[0]); i++) {
		err[0] = '\0';
		ret = parse_key_str(badkeys[i].in, &k, err, sizeof(err));
		check(ret == -EINVAL && strstr(err, badkeys[i].msg), ret ? err : "accepted",
		      "reject key '%s': %s", badkeys[i].in, badkeys[i].msg);
	}
}

static void test_validate(void)
{
	struct wf_mapping m;
	char err[256];

	parse_str("tcp 8080 @vm:18080", &m, err, sizeof(err));
	check(!wf_mapping_validate(&m, err, sizeof(err)), err, "validate a good mapping");
	m.tport = 8080;
	check(wf_mapping_validate(&m, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "forwards to itself"), err, "validate: tport == lport on @vm");
	m.taddr_kind = WF_ADDR_HOST;
	check(!wf_mapping_validate(&m, err, sizeof(err)), err,
	      "validate: same port on @host is not self-forwarding");
	m.lport = 100;
	m.lport_end = 90;
	check(wf_mapping_validate(&m, err, sizeof(err)) == -EINVAL && strstr(err, "reversed"), err,
	      "validate: reversed range");
	m.lport = 10;
	m.lport_end = 20;
	m.tport = 65530;
	check(wf_mapping_validate(&m, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "target ports 65530-65540 run past 65535"), err,
	      "validate: target range past 65535");
	m.tport = 65525;
	check(!wf_mapping_validate(&m, err, sizeof(err)), err,
	      "validate: target range ending at 65535");
	m.protos = 0;
	check(wf_mapping_validate(&m, err, sizeof(err)) == -EINVAL, err, "validate: no protocol");
}

/* ---- config file ---- */

static char tdir[256];

/* tdir/name in one of 4 rotating buffers: for arguments, not to keep. */
static char *path_in(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tdir, name);
	return buf[i];
}

#define PATH_VAR(var, name)	\
	char var[512];		\
	snprintf(var, sizeof(var), "%s/%s", tdir, name)

static void put_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(s, f);
		fclose(f);
	}
}

/* The file's contents, or "(missing)"; a static buffer. */
static const char *get_file(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return "(missing)";
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Leftover temp files in dir: "<name>.tmp.<pid>" (and dot files, the
 * older naming). */
static int temp_files(const char *dir)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if ((de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) ||
		    strstr(de->d_name, WF_CONFIG_TMP_SUFFIX))
			n++;
	closedir(d);
	return n;
}

static struct wf_mapping mp(const char *s)
{
	struct wf_mapping m;
	char err[256];

	if (parse_str(s, &m, err, sizeof(err)))
		fprintf(stderr, "test bug: '%s': %s\n", s, err);
	return m;
}

static struct wf_mapping key(const char *s)
{
	struct wf_mapping m;
	char err[256];

	if (parse_key_str(s, &m, err, sizeof(err)))
		fprintf(stderr, "test bug: '%s': %s\n", s, err);
	return m;
}

static void test_config_read(void)
{
	struct wf_mapping *maps = NULL;
	char err[1024], f[3][256], want[1024];
	size_t n = 99, dups = 99;
	int ret;
	PATH_VAR(p, "read.conf");

	ret = wf_config_read(path_in("missing.conf"), &maps, &n, &dups, err, sizeof(err));
	check(ret == 0 && n == 0 && dups == 0, err, "read: missing file is an empty config");
	free(maps);

	put_file(p, "# wslfwd config\n"
		    "   \n"
		    "\n"
		    "tcp 8080 @vm:18080\n"
		    "add udp 53 @host:53   # dns\n"
		    "\t# indented comment\n"
		    "tcp   8080\t@vm:18080\n"
		    "both 10.0.0.5:80-90 172.17.0.2:8080 allow 192.168.0.0/16 snat never\r\n"
		    "udp 53 @host:53");
	ret = wf_config_read(p, &maps, &n, &dups, err, sizeof(err));
	if (!ret && n == 3) {
		wf_format_mapping(&maps[0], f[0], sizeof(f[0]));
		wf_format_mapping(&maps[1], f[1], sizeof(f[1]));
		wf_format_mapping(&maps[2], f[2], sizeof(f[2]));
	}
	check(!ret && n == 3 && dups == 2 && !strcmp(f[0], "tcp 8080 @vm:18080") &&
		      !strcmp(f[1], "udp 53 @host:53") &&
		      !strcmp(f[2], "both 10.0.0.5:80-90 172.17.0.2:8080 allow 192.168.0.0/16 snat never") &&
		      maps[0].in_use,
	      err, "read: comments, blank lines, 'add', CRLF, no final newline, 2 duplicates skipped");
	free(maps);
	maps = NULL;
	ret = wf_config_read(p, &maps, &n, NULL, err, sizeof(err));
	check(!ret && n == 3, err, "read: dups may be NULL");
	free(maps);
	maps = NULL;

	put_file(p, "# header\ntcp 8080 @vm:18080\nudp 0 @vm:53\ntcp 1 @vm:2\n");
	ret = wf_config_read(p, &maps, &n, &dups, err, sizeof(err));
	snprintf(want, sizeof(want), "%s:3: port 0 out of range 1-65535", p);
	check(ret == -EINVAL && !strcmp(err, want) && !maps && n == 0, err,
	      "read: bad line fails with FILE:LINE: message");

	put_file(p, "tcp 8080 @vm:18080\n\nicmp 1 @vm:2\n");
	ret = wf_config_read(p, &maps, &n, &dups, err, sizeof(err));
	snprintf(want, sizeof(want), "%s:3: unknown protocol 'icmp'", p);
	check(ret == -EINVAL && strstr(err, want), err, "read: unknown protocol reported at line 3");

	put_file(p, "tcp 8080-8090 @vm:18080\n# c\ntcp 8085 @host:80\n");
	ret = wf_config_read(p, &maps, &n, &dups, err, sizeof(err));
	snprintf(want, sizeof(want), "%s:3: 'tcp 8085 @host:80' conflicts with line 1", p);
	check(ret == -EINVAL && strstr(err, want), err, "read: conflicting line reported");

	put_file(p, "tcp 8080 @vm:18080\nudp 8080 @vm:18080\n");
	ret = wf_config_read(p, &maps, &n, &dups, err, sizeof(err));
	check(!ret && n == 2 && dups == 0, err, "read: same port, other protocol is no conflict");
	free(maps);
	maps = NULL;

	/* Lines by first port (port_index): a wide range read early still
	 * conflicts with a port inside it read late; the first line in the
	 * file is the one named; duplicates found among many. */
	put_file(p, "tcp 100-50000 172.17.0.2:100\ntcp 55000 @vm:1\nudp 30000 @vm:1\n"
		    "tcp 56000 @vm:1\nudp 30000-30001 @vm:5\n");
	ret = wf_config_read(p, &maps, &n, &dups, err, sizeof(err));
	snprintf(want, sizeof(want), "%s:5: 'udp 30000-30001 @vm:5' conflicts with line 3", p);
	check(ret == -EINVAL && strstr(err, want), err, "read: conflict with the first overlapping line");
	put_file(p, "tcp 100-50000 172.17.0.2:100\ntcp 55000 @vm:1\ntcp 30000 @vm:1\n");
	ret = wf_config_read(p, &maps, &n, &dups, err, sizeof(err));
	snprintf(want, sizeof(want), "%s:3: 'tcp 30000 @vm:1' conflicts with line 1", p);
	check(ret == -EINVAL && strstr(err, want), err, "read: a port inside a wide range read before");
	{
		char *big = malloc(64 * 1024);
		size_t o = 0;
		int k;

		for (k = 0; k < 2000; k++)
			o += snprintf(big + o, 64 * 1024 - o, "tcp %d @vm:%d\n", 1000 + k, 20000 + k);
		o += snprintf(big + o, 64 * 1024 - o, "tcp 1500 @vm:20500\ntcp 2999 @vm:21999\n");
		put_file(p, big);
		ret = wf_config_read(p, &maps, &n, &dups, err, sizeof(err));
		check(!ret && n == 2000 && dups == 2, err, "read: 2000 lines, 2 duplicates among them");
		free(maps);
		maps = NULL;
		/* lines 2003-2005: a 10-port range, then ports inside it */
		snprintf(big + o, 64 * 1024 - o,
			 "tcp 5000-5009 172.17.0.2:5000\nudp 5005 @vm:1\ntcp 5007 @vm:1\n");
		put_file(p, big);
		free(big);
		ret = wf_config_read(p, &maps, &n, &dups, err, sizeof(err));
		snprintf(want, sizeof(want),
			 "%s:2005: 'tcp 5007 @vm:1' conflicts with line 2003 'tcp 5000-5009", p);
		check(ret == -EINVAL && strstr(err, want), err,
		      "read: a port inside a range found by its first port among 2000 lines");
	}

	put_file(p, "add\n");
	ret = wf_config_read(p, &maps, &n, &dups, err, sizeof(err));
	check(ret == -EINVAL && strstr(err, ":1: missing protocol"), err, "read: bare 'add' line");

	ret = wf_config_read(tdir, &maps, &n, &dups, err, sizeof(err));
	check(ret < 0 && ret != -EINVAL && strstr(err, tdir), err,
	      "read: a directory fails with -errno and names the path");
}

/* Control bytes and policy: a bad line, not a silent cut (issue 11). */
static void test_config_bytes_policy(void)
{
	static const struct {
		const char *text;
		size_t len;
		const char *want;	/* in the message; NULL: reads fine */
		const char *name;
	} cases[] = {
#define S(x) x, sizeof(x) - 1
		{ S("tcp 1 @vm:2\ntcp 40\0001 @vm:18080\n"), ":2: control byte 0x00 (NUL) at column 7",
		  "a NUL in a line fails at its line, not a silent cut" },
		{ S("tcp 4000 @vm:18080\x01\n"), ":1: control byte 0x01 at column 19",
		  "a C0 byte (0x01) after the words" },
		{ S("# note\x1b[31m\ntcp 1 @vm:2\n"), ":1: control byte 0x1b",
		  "an escape byte in a comment too" },
		{ S("tcp 1 @vm:2\x7f\n"), ":1: control byte 0x7f", "DEL" },
		{ S("tcp\t1\t@vm:2\r\nudp 3 @vm:4\r"), NULL, "tabs and CRLF line ends read fine" },
		{ S("tcp 1 @vm:2\r\rudp 3 @vm:4\n"), ":1: control byte 0x0d at column 12",
		  "a bare CR inside a line" },
		{ S("tcp 61000 @vm:8080\n"),
		  ":1: listen port 61000 is inside the SNAT port range 61000-65535",
		  "an LPORT in the SNAT range" },
		{ S("udp 60990-61001 @host:60990\n"),
		  ":1: listen ports 60990-61001 are inside the SNAT port range",
		  "a range reaching into the SNAT range" },
		{ S("tcp 60999 @vm:65000\ntcp 127.0.0.1:62000 @host:5432\n"), NULL,
		  "below the range, and local clients' loopback listeners, are fine" },
#undef S
	};
	struct wf_mapping *maps = NULL;
	char err[1024];
	size_t n, i;
	FILE *f;
	int ret;
	PATH_VAR(p, "bytes.conf");

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f = fopen(p, "w");
		if (!f || fwrite(cases[i].text, 1, cases[i].len, f) != cases[i].len) {
			check(false, strerror(errno), "write %s", p);
			if (f)
				fclose(f);
			continue;
		}
		fclose(f);
		err[0] = 0;
		ret = wf_config_read(p, &maps, &n, NULL, err, sizeof(err));
		if (cases[i].want)
			check(ret == -EINVAL && strstr(err, cases[i].want) && !maps, err, "read: %s",
			      cases[i].name);
		else
			check(!ret && n == 2, err, "read: %s", cases[i].name);
		free(maps);
		maps = NULL;
	}
	check(wf_check_bytes("tcp\t8080", 8, err, sizeof(err)) == 0 &&
		      wf_check_bytes("80\n80", 5, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "0x0a at column 3"),
	      err, "check_bytes: an argument may hold a tab, not a newline");
}

/* Temp files of killed writers go; a live writer's stay. */
static void test_config_clean_tmp(void)
{
	char dead[600], live[600], other[600];
	pid_t pid;
	int st;
	PATH_VAR(p, "clean.conf");

	put_file(p, "tcp 1 @vm:2\n");
	pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, &st, 0);	/* a pid that is gone now */
	snprintf(dead, sizeof(dead), "%s.tmp.%d", p, (int)pid);
	snprintf(live, sizeof(live), "%s.tmp.%d", p, (int)getppid());
	snprintf(other, sizeof(other), "%s.tmp.12ab", p);
	put_file(dead, "half");
	put_file(live, "half");
	put_file(other, "x");
	check(wf_config_clean_tmp(p) == 1 && access(dead, F_OK) && !access(live, F_OK) &&
		      !access(other, F_OK) && !strcmp(get_file(p), "tcp 1 @vm:2\n"),
	      NULL, "clean_tmp: removes a dead writer's temp file only");
	unlink(live);
	unlink(other);
}

/* IPv6 lines in the file: written in canonical words, read back to the same
 * structs; @vm and @vm6 on one port are two lines that del takes apart. */
static void test_config_ipv6(void)
{
	static const char *const lines[] = {
		"tcp 80 @vm:8080", "tcp @vm6:80 @vm6:8080", "udp @vm6:53 @host6:53 allow fd00::/8",
		"tcp [fd00::94]:443 [fd00::2]:8443 snat never", "tcp 90 [fd00::2]:80",
	};
	struct wf_mapping m, *cfg = NULL;
	char err[512], want[1024] = "";
	size_t n = 0, i;
	int ret = 0;
	PATH_VAR(p, "v6.conf");

	for (i = 0; i < ARRAY_SIZE(lines) && !ret; i++) {
		m = mp(lines[i]);
		ret = wf_config_add(p, &m, err, sizeof(err));
		strcat(want, lines[i]);
		strcat(want, "\n");
	}
	check(!ret && !strcmp(get_file(p), want), ret ? err : get_file(p),
	      "config: IPv6 lines written in canonical words, next to an IPv4 one on the same port");
	ret = wf_config_read(p, &cfg, &n, NULL, err, sizeof(err));
	for (i = 0; !ret && i < n && i < ARRAY_SIZE(lines); i++) {
		m = mp(lines[i]);
		if (!wf_mapping_equal(&m, &cfg[i]))
			ret = -1;
	}
	check(!ret && n == ARRAY_SIZE(lines), ret > 0 ? err : NULL,
	      "config: IPv6 lines read back to the same mappings");
	free(cfg);
	wf_parse_mapping_key(2, (char *[]){ "tcp", "80" }, &m, err, sizeof(err));
	ret = wf_config_del(p, &m, err, sizeof(err));
	check(ret == 1 && !strstr(get_file(p), "tcp 80 @vm:8080") &&
		      strstr(get_file(p), "tcp @vm6:80 @vm6:8080"),
	      ret < 0 ? err : get_file(p), "config: del tcp 80 removes the IPv4 line only");
	wf_parse_mapping_key(2, (char *[]){ "tcp", "@vm6:80" }, &m, err, sizeof(err));
	ret = wf_config_del(p, &m, err, sizeof(err));
	check(ret == 1 && !strstr(get_file(p), "@vm6:80 "), ret < 0 ? err : get_file(p),
	      "config: del tcp @vm6:80 removes the IPv6 line");
	unlink(p);
}

/* The mapping lock serializes: a second taker waits for the first. */
static void test_store_lock(void)
{
	char err[512], c;
	struct timespec t0, t1;
	int pfd[2], st;
	double waited;
	pid_t pid;
	PATH_VAR(p, "lock.conf");
	PATH_VAR(lockf, "lock.conf" WF_LOCK_SUFFIX);

	if (pipe(pfd))
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		if (wf_store_lock(p, err, sizeof(err)))
			_exit(1);
		if (write(pfd[1], "l", 1) != 1)
			_exit(1);
		usleep(300 * 1000);
		_exit(0);	/* exit drops the lock */
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1) {
		check(false, NULL, "lock: child took the lock");
		close(pfd[0]);
		return;
	}
	close(pfd[0]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	st = wf_store_lock(p, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waited = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	check(!st && wf_store_locked() && waited > 0.2, err,
	      "lock: waits for the holder (%.2f s), then holds it", waited);
	check(wf_store_lock(p, err, sizeof(err)) == 0, err, "lock: taking it again is a no-op");
	wf_store_unlock();
	check(!wf_store_locked() && !access(lockf, F_OK), NULL,
	      "lock: the lock file lives next to the config and outlives the lock");
	waitpid(pid, &st, 0);
}

static void test_config_edit(void)
{
	struct wf_mapping m, k;
	char err[512], want[1024];
	struct stat st, st2;
	int ret;
	PATH_VAR(p, "edit.conf");

	m = mp("tcp 8080 @vm:18080");
	ret = wf_config_add(p, &m, err, sizeof(err));
	check(!ret && !strcmp(get_file(p), "tcp 8080 @vm:18080\n"), ret ? err : get_file(p),
	      "add: creates a missing file");
	check(!stat(p, &st) && (st.st_mode & 07777) == 0644, NULL, "add: file mode 0644");

	put_file(p, "# head\n\ntcp 1 @vm:2 # keep me\n# tail");
	m = mp("udp 53 @host:53 allow 10.0.0.0/8");
	ret = wf_config_add(p, &m, err, sizeof(err));
	check(!ret && !strcmp(get_file(p), "# head\n\ntcp 1 @vm:2 # keep me\n# tail\n"
					    "udp 53 @host:53 allow 10.0.0.0/8\n"),
	      ret ? err : get_file(p), "add: comments, blank lines, missing final newline kept");

	stat(p, &st);
	ret = wf_config_add(p, &m, err, sizeof(err));
	stat(p, &st2);
	check(!ret && st.st_ino == st2.st_ino, err, "add: the same mapping again writes nothing");

	snprintf(want, sizeof(want), "%s", get_file(p));
	m = mp("tcp 1 @host:5");
	ret = wf_config_add(p, &m, err, sizeof(err));
	check(ret == -EEXIST && strstr(err, ":3: 'tcp 1 @host:5' conflicts with 'tcp 1 @vm:2'") &&
		      !strcmp(get_file(p), want),
	      err, "add: conflicting mapping refused with -EEXIST, file unchanged");

	m = mp("tcp 8080 @vm:18080");
	m.tport = 8080;	/* self-forwarding: never written */
	ret = wf_config_add(p, &m, err, sizeof(err));
	check(ret == -EINVAL && strstr(err, "forwards to itself") && !strcmp(get_file(p), want), err,
	      "add: invalid mapping refused, file unchanged");

	/* del */
	put_file(p, "# x\nboth 53 @host:53 # dns\ntcp 80 @vm:8080\nadd tcp 10.0.0.5:80 @vm:81\n");
	k = key("tcp 53");
	ret = wf_config_del(p, &k, err, sizeof(err));
	check(ret == 1 && !strcmp(get_file(p), "# x\nudp 53 @host:53 # dns\ntcp 80 @vm:8080\n"
					       "add tcp 10.0.0.5:80 @vm:81\n"),
	      ret < 0 ? err : get_file(p), "del: tcp from a 'both' line leaves udp and its comment");
	k = key("udp 53");
	ret = wf_config_del(p, &k, err, sizeof(err));
	check(ret == 1 && !strcmp(get_file(p), "# x\ntcp 80 @vm:8080\nadd tcp 10.0.0.5:80 @vm:81\n"),
	      ret < 0 ? err : get_file(p), "del: the last protocol removes the line");

	stat(p, &st);
	k = key("tcp 9999");
	ret = wf_config_del(p, &k, err, sizeof(err));
	stat(p, &st2);
	check(ret == 0 && st.st_ino == st2.st_ino, err, "del: no match returns 0, file not rewritten");
	k = key("udp 80");
	check(wf_config_del(p, &k, err, sizeof(err)) == 0, err,
	      "del: same port, other protocol does not match");
	k = key("tcp 80-81");
	check(wf_config_del(p, &k, err, sizeof(err)) == 0, err, "del: a range key must match exactly");
	k = key("tcp 10.0.0.5:80");
	ret = wf_config_del(p, &k, err, sizeof(err));
	check(ret == 1 && !strcmp(get_file(p), "# x\ntcp 80 @vm:8080\n"), ret < 0 ? err : get_file(p),
	      "del: literal listen address, 'add' prefixed line");
	k = key("tcp 80");
	ret = wf_config_del(p, &k, err, sizeof(err));
	check(ret == 1 && !strcmp(get_file(p), "# x\n"), ret < 0 ? err : get_file(p),
	      "del: @vm listen line");

	put_file(p, "tcp 80 @vm:8080\ntcp 80 @vm:8080\nbogus line\n");
	k = key("both 80");
	ret = wf_config_del(p, &k, err, sizeof(err));
	check(ret == 2 && !strcmp(get_file(p), "bogus line\n"), ret < 0 ? err : get_file(p),
	      "del: duplicate lines both removed, unparsable line kept");

	k = key("tcp 80");
	ret = wf_config_del(path_in("nothere.conf"), &k, err, sizeof(err));
	check(ret == 0 && !strcmp(get_file(path_in("nothere.conf")), "(missing)"), err,
	      "del: missing file is 0 and not created");

	/* clear */
	put_file(p, "# one\n\ntcp 80 @vm:8080 # trailing\n  # two\nbogus\nudp 5 @host:5");
	ret = wf_config_clear(p, err, sizeof(err));
	check(ret == 3 && !strcmp(get_file(p), "# one\n\n  # two\n"), ret < 0 ? err : get_file(p),
	      "clear: mapping lines gone, comments and blank lines kept");
	ret = wf_config_clear(path_in("nothere.conf"), err, sizeof(err));
	check(ret == 0 && !strcmp(get_file(path_in("nothere.conf")), "(missing)"), err,
	      "clear: missing file stays missing");

	/* A symlinked config: the link stays, its target is rewritten. */
	put_file(path_in("real.conf"), "# real\n");
	unlink(path_in("link.conf"));
	ret = symlink("real.conf", path_in("link.conf"));
	m = mp("udp 9 @host:9");
	if (!ret)
		ret = wf_config_add(path_in("link.conf"), &m, err, sizeof(err));
	check(!ret && !lstat(path_in("link.conf"), &st) && S_ISLNK(st.st_mode) &&
		      !strcmp(get_file(path_in("real.conf")), "# real\nudp 9 @host:9\n"),
	      err, "add: through a symlink keeps the link");

	check(temp_files(tdir) == 0, NULL, "no temp files left behind after edits");
}

static void test_config_atomic(void)
{
	struct wf_mapping m = mp("tcp 8080 @vm:18080");
	char err[512];
	struct stat st;
	int ret;
	PATH_VAR(dir, "isdir.conf");
	PATH_VAR(sub, "sub");

	mkdir(dir, 0755);
	put_file(path_in("isdir.conf/inside"), "x");
	/* rename(2) of a file over a directory fails, as root too. */
	ret = wf_config_write(dir, "tcp 1 @vm:2\n", 12, err, sizeof(err));
	check(ret < 0 && strstr(err, "cannot replace") && !stat(dir, &st) && S_ISDIR(st.st_mode) &&
		      !strcmp(get_file(path_in("isdir.conf/inside")), "x") && temp_files(tdir) == 0,
	      err, "write: failing rename leaves the target intact and no temp file");
	ret = wf_config_add(dir, &m, err, sizeof(err));
	check(ret < 0 && !stat(dir, &st) && S_ISDIR(st.st_mode) && temp_files(tdir) == 0, err,
	      "add: config path is a directory: error, nothing changed, no temp file");
	ret = wf_config_write(path_in("nodir/x.conf"), "x\n", 2, err, sizeof(err));
	check(ret == -ENOENT && strstr(err, "temporary file"), err,
	      "write: missing directory fails with -ENOENT");

	mkdir(sub, 0755);
	put_file(path_in("sub/w.conf"), "old\n");
	ret = wf_config_write(path_in("sub/w.conf"), "new\n", 4, err, sizeof(err));
	check(!ret && !strcmp(get_file(path_in("sub/w.conf")), "new\n") && temp_files(sub) == 0,
	      err, "write: replaces the contents, no temp file");
}

/*
 * Failures of the write itself, which root cannot get from permissions: a
 * full filesystem and a read-only one, on a small tmpfs in a private mount
 * namespace of a child process. Skipped when namespaces are not allowed.
 */
static void test_config_fs_failures(void)
{
	const char *orig = "# original\ntcp 1 @vm:2\n";
	struct { int ran, failed, skipped; } res = { 0, 0, 0 };
	struct wf_mapping m = mp("udp 53 @host:53 allow 10.0.0.0/8,192.168.0.0/16");
	char err[512], blk[4096];
	int pfd[2], status, fd;
	pid_t pid;
	PATH_VAR(mnt, "fs");
	PATH_VAR(p, "fs/wslfwd.conf");
	PATH_VAR(fill, "fs/fill");

	mkdir(mnt, 0755);
	if (pipe(pfd))
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int base = t_num, fails = t_fail, ret;

		close(pfd[0]);
		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("tmpfs", mnt, "tmpfs", 0, "size=64k,mode=0755")) {
			res.skipped = 1;
			goto report;
		}
		put_file(p, orig);
		memset(blk, 'x', sizeof(blk));
		fd = open(fill, O_WRONLY | O_CREAT, 0600);
		while (fd >= 0 && write(fd, blk, sizeof(blk)) > 0)
			;
		if (fd >= 0)
			close(fd);
		ret = wf_config_add(p, &m, err, sizeof(err));
		check(ret == -ENOSPC && !strcmp(get_file(p), orig) && temp_files(mnt) == 0, err,
		      "add on a full filesystem: -ENOSPC, original intact, no temp file");
		unlink(fill);
		ret = mount(NULL, mnt, NULL, MS_REMOUNT | MS_RDONLY, "size=64k");
		if (ret) {
			check(false, strerror(errno), "remount read-only");
		} else {
			ret = wf_config_add(p, &m, err, sizeof(err));
			check(ret == -EROFS && strstr(err, "temporary file") &&
				      !strcmp(get_file(p), orig),
			      err, "add on a read-only filesystem: -EROFS, original intact");
			ret = wf_config_clear(p, err, sizeof(err));
			check(ret == -EROFS && !strcmp(get_file(p), orig), err,
			      "clear on a read-only filesystem: -EROFS, original intact");
			/* No lock file there and none can be made: the directory is locked. */
			ret = wf_store_lock(p, err, sizeof(err));
			check(ret == 0 && wf_store_locked(), err,
			      "lock on a read-only filesystem: taken (on the directory)");
			wf_store_unlock();
		}
		res.ran = t_num - base;
		res.failed = t_fail - fails;
report:
		fflush(stdout);
		if (write(pfd[1], &res, sizeof(res)) != sizeof(res))
			_exit(2);
		_exit(0);
	}
	close(pfd[1]);
	if (pid < 0 || read(pfd[0], &res, sizeof(res)) != sizeof(res))
		res.skipped = 1;
	close(pfd[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	t_num += res.ran;
	t_fail += res.failed;
	if (res.skipped)
		printf("ok %d - full and read-only filesystem # SKIP no private mount namespace\n",
		       ++t_num);
	rmdir(mnt);
}

static void cleanup_dir(void)
{
	char cmd[300];

	if (!*tdir)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tdir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", tdir);
}

/* load --timeout: classes from the X-macro, merged, bad input refused
 * with the value named and nothing changed. */
static void test_timeouts(void)
{
	static const struct {
		const char *in;
		int ret;
		int state;
		__u32 val;
		const char *msg;
	} t[] = {
		{ "tcp-est=86400", 0, WF_CT_TCP_EST, 86400, NULL },
		{ "udp=5", 0, WF_CT_UDP, 5, NULL },
		{ "udp-stream=600,tcp-syn-sent=7", 0, WF_CT_TCP_SYN, 7, NULL },
		{ "tcp-unreplied=1", 0, WF_CT_TCP_PICKUP, 1, NULL },
		{ "tcp-time-wait=default", 0, WF_CT_TCP_TIME_WAIT, 0, NULL },
		{ "", -EINVAL, 0, 0, "--timeout needs CLASS=SECONDS" },
		{ "tcp-est", -EINVAL, 0, 0, "--timeout: 'tcp-est' is not CLASS=SECONDS" },
		{ "tcp=5", -EINVAL, 0, 0, "--timeout: unknown class 'tcp' (classes and defaults: "
					  "tcp-syn-sent=120," },
		{ "udp=0", -EINVAL, 0, 0, "--timeout: udp=0 out of range 1-315360000 (seconds)" },
		{ "udp=-1", -EINVAL, 0, 0, "--timeout: udp=-1 out of range" },
		{ "udp=5s", -EINVAL, 0, 0, "--timeout: udp=5s out of range" },
		{ "udp=", -EINVAL, 0, 0, "--timeout: udp needs SECONDS" },
		{ "udp=315360001", -EINVAL, 0, 0, "--timeout: udp=315360001 out of range" },
		{ "udp=5,", -EINVAL, 0, 0, "--timeout: '' is not CLASS=SECONDS" },
		{ "udp=5,tcp-est=x", -EINVAL, 0, 0, "--timeout: tcp-est=x out of range" },
	};
	char err[256], classes[512];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct wf_ct_conf cf = { .timeout = { [WF_CT_TCP_TIME_WAIT] = 99,
						      [WF_CT_UDP_REPLIED] = 42 } };
		int ret;

		err[0] = 0;
		ret = wf_parse_timeouts(t[i].in, &cf, err, sizeof(err));
		if (t[i].ret) {
			check(ret == t[i].ret && strstr(err, t[i].msg) && cf.timeout[WF_CT_UDP] == 0 &&
			      cf.timeout[WF_CT_UDP_REPLIED] == 42, err,
			      "--timeout '%s' refused: %s, nothing changed", t[i].in, t[i].msg);
		} else {
			check(!ret && cf.timeout[t[i].state] == t[i].val &&
			      (t[i].state == WF_CT_UDP_REPLIED || cf.timeout[WF_CT_UDP_REPLIED] == 42 ||
			       strstr(t[i].in, "udp-stream")), err,
			      "--timeout '%s' sets state %d to %u, others kept", t[i].in, t[i].state,
			      t[i].val);
		}
	}
	wf_format_timeout_classes(classes, sizeof(classes));
	check(strstr(classes, "tcp-est=432000") && strstr(classes, "udp=30") &&
	      strstr(classes, "tcp-close-wait=60"), classes,
	      "--timeout classes list nf_conntrack's defaults");
}

/* ip_local_reserved_ports lists: covered, and taken back out exactly. */
static void test_reserved_ports(void)
{
	static const struct {
		const char *list;
		int covers;
		const char *removed;
	} t[] = {
		{ "", 0, "" },
		{ "61000-65535", 1, "" },
		{ "8080,61000-65535", 1, "8080" },
		{ "60000-65535", 1, "60000-60999" },
		{ "61000-62000", 0, "" },
		{ "61000-62000,62001-65535", 1, "" },
		{ "22,61000-64000,65000", 0, "22" },
		{ "1-65535", 1, "1-60999" },
		{ "x", -EINVAL, NULL },
		{ "5-4", -EINVAL, NULL },
		{ "70000", -EINVAL, NULL },
	};
	char out[256];
	size_t i;
	int r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = wf_ports_list_covers(t[i].list, 61000, 65535);
		check(r == t[i].covers, t[i].list, "reserved '%s' covers 61000-65535: %d",
		      t[i].list, t[i].covers);
		if (!t[i].removed)
			continue;
		r = wf_ports_list_remove(t[i].list, 61000, 65535, out, sizeof(out));
		check(!r && !strcmp(out, t[i].removed), out, "reserved '%s' without 61000-65535: '%s'",
		      t[i].list, t[i].removed);
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_grammar_tables();
	test_fields();
	test_forwardable();
	test_argv_words();
	test_port_cidr();
	test_proto_ip();
	test_split();
	test_format();
	test_round_trip_generated();
	test_conflicts();
	test_keys();
	test_validate();
	test_timeouts();
	test_reserved_ports();

	snprintf(tdir, sizeof(tdir), "/tmp/wslfwd-test-user.XXXXXX");
	if (!mkdtemp(tdir)) {
		check(false, strerror(errno), "create a temporary directory");
	} else {
		test_config_read();
		test_config_bytes_policy();
		test_config_clean_tmp();
		test_store_lock();
		test_config_edit();
		test_config_ipv6();
		test_config_atomic();
		test_config_fs_failures();
		cleanup_dir();
	}
	printf("1..%d\n", t_num);
	if (t_fail)
		printf("# %d of %d failed\n", t_fail, t_num);
	return t_fail ? 1 : 0;
}
