// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * netsh interface portproxy, in Windows' words, mapped onto wslfwd's own
 * grammar: the parser builds the words of `wslfwd add`/`del` and lets
 * user/parse.c check them, so both front ends accept exactly the same
 * mappings.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "netsh.h"
#include "parse.h"

enum { P_LISTENPORT, P_CONNECTADDRESS, P_CONNECTPORT, P_LISTENADDRESS, P_PROTOCOL, P_MAX };

static const char *const param_names[P_MAX] = {
	"listenport", "connectaddress", "connectport", "listenaddress", "protocol",
};

/* netsh's positional order for a value given without `key=`. */
static const int order_add[] = { P_LISTENPORT, P_CONNECTADDRESS, P_CONNECTPORT, P_LISTENADDRESS,
				 P_PROTOCOL, -1 };
static const int order_del[] = { P_LISTENPORT, P_LISTENADDRESS, P_PROTOCOL, -1 };

static const char *const type_names[] = { "v4tov4", "v4tov6", "v6tov4", "v6tov6", "all" };

__attribute__((format(printf, 3, 4)))
static int seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const char *wf_netsh_type_name(enum wf_netsh_type t)
{
	return t <= WF_NETSH_ALL ? type_names[t] : "?";
}

/* Case-insensitive unique prefix of at least min characters, or exact. */
static int match(const char *w, size_t wlen, const char *const *names, int n, size_t min)
{
	int i, hit = -1, hits = 0;

	for (i = 0; i < n; i++) {
		if (!names[i])
			continue;
		if (strlen(names[i]) == wlen && !strncasecmp(w, names[i], wlen))
			return i;
		if (wlen >= min && wlen < strlen(names[i]) && !strncasecmp(w, names[i], wlen)) {
			hit = i;
			hits++;
		}
	}
	return hits == 1 ? hit : -1;
}

static bool v6_listen(enum wf_netsh_type t)
{
	return t == WF_NETSH_V6TOV4 || t == WF_NETSH_V6TOV6;
}

static bool v6_connect(enum wf_netsh_type t)
{
	return t == WF_NETSH_V4TOV6 || t == WF_NETSH_V6TOV6;
}

/* One address value into the words of a mapping side: "@vm", "@vm6",
 * "1.2.3.4", "[fd00::1]". A listen value for every address (*, 0.0.0.0,
 * ::) is @vm or @vm6 by the listen family of the type. */
static int addr_word(const char *key, const char *v, bool want6, bool listen, const char *type,
		     char *out, size_t outlen, char *err, size_t errlen)
{
	__be32 a[4];
	int fam;

	if (!*v)
		return seterr(err, errlen, "netsh: %s= needs a value", key);
	if (listen && !strcmp(v, "*")) {
		snprintf(out, outlen, want6 ? "@vm6" : "@vm");
		return 0;
	}
	if (!listen && (!strcasecmp(v, "@vm") || !strcasecmp(v, "@host") ||
			!strcasecmp(v, "@vm6") || !strcasecmp(v, "@host6"))) {
		bool six = v[strlen(v) - 1] == '6';

		if (six != want6)
			return seterr(err, errlen, "netsh: %s=%s: %s (%s connects to %s; write %s)",
				      key, v, six ? "@vm6 and @host6 are IPv6" : "@vm and @host are IPv4",
				      type, want6 ? "IPv6" : "IPv4",
				      want6 ? "@vm6 or @host6" : "@vm or @host");
		snprintf(out, outlen, "%s", v);
		return 0;
	}
	if (!strcasecmp(v, "localhost"))
		v = want6 ? "::1" : "127.0.0.1";
	if (wf_parse_ip(v, &fam, a))
		return seterr(err, errlen,
			      "%s=%s: not an IP address (host names are not resolved; give the address%s)",
			      key, v, !listen ? " or @vm/@host" : want6 ? ", or :: for @vm6" :
			      ", or 0.0.0.0 for @vm");
	/* 0.0.0.0 and :: are @vm and @vm6 to parse_addr: refused here for
	 * the other family like any other address. */
	if ((fam == WF_AF_INET6) != want6)
		return seterr(err, errlen, "netsh: %s=%s is not an %s address (%s %s %s)", key, v,
			      want6 ? "IPv6" : "IPv4", type, listen ? "listens on" : "connects to",
			      want6 ? "IPv6" : "IPv4");
	snprintf(out, outlen, fam == WF_AF_INET6 ? "[%s]" : "%s", v);
	return 0;
}

/* "interface portproxy VERB TYPE": c->op and c->type. */
static int parse_head(int argc, char **argv, struct wf_netsh_cmd *c, char *err, size_t errlen)
{
	static const char *const ctx1[] = { "interface" };
	static const char *const ctx2[] = { "portproxy" };
	static const char *const ops[] = { "add", "set", "delete", "show" };
	const char *type;
	int k;

	if (argc < 1 || match(argv[0], strlen(argv[0]), ctx1, 1, 3) < 0)
		return seterr(err, errlen, "netsh: expected 'interface portproxy ...', got '%s'",
			      argc < 1 ? "" : argv[0]);
	if (argc < 2 || match(argv[1], strlen(argv[1]), ctx2, 1, 4) < 0)
		return seterr(err, errlen,
			      "netsh: only 'interface portproxy' is known, not '%s'",
			      argc < 2 ? "" : argv[1]);
	if (argc < 3)
		return seterr(err, errlen, "netsh: missing verb after 'portproxy' (add, set, delete or show)");
	k = match(argv[2], strlen(argv[2]), ops, 4, 1);
	if (k < 0)
		return seterr(err, errlen,
			      "netsh: unknown verb '%s' (expected add, set, delete or show)", argv[2]);
	c->op = k;
	if (argc < 4)
		return seterr(err, errlen, "netsh: missing type after '%s' (expected v4tov4, v4tov6, v6tov4, v6tov6%s)",
			      ops[c->op], c->op == WF_NETSH_SHOW ? " or all" : "");
	type = argv[3];
	k = match(type, strlen(type), type_names, c->op == WF_NETSH_SHOW ? 5 : 4, 99);
	if (k < 0)
		return seterr(err, errlen, "netsh: unknown type '%s' (expected v4tov4, v4tov6, v6tov4, v6tov6%s)",
			      type, c->op == WF_NETSH_SHOW ? " or all" : "");
	c->type = k;
	return 0;
}

/* The parameters, `key=value` or bare in netsh's order, into val[]. */
static int parse_params(int argc, char **argv, const struct wf_netsh_cmd *c,
			const char *val[P_MAX], char *err, size_t errlen)
{
	const int *order = c->op == WF_NETSH_DELETE ? order_del : order_add;
	const char *names[P_MAX] = {};
	int i, j, k;

	/* Only the parameters this verb takes can be named. */
	for (j = 0; order[j] >= 0; j++)
		names[order[j]] = param_names[order[j]];
	for (i = 0; i < argc; i++) {
		const char *w = argv[i], *eq = strchr(w, '=');

		if (eq) {
			k = match(w, eq - w, names, P_MAX, 5);
			if (k < 0)
				return seterr(err, errlen,
					      "netsh: unknown parameter '%s' (expected %s)", w,
					      c->op == WF_NETSH_DELETE ?
					      "listenport=, listenaddress=, protocol=" :
					      "listenport=, connectaddress=, connectport=, listenaddress=, protocol=");
			if (val[k])
				return seterr(err, errlen, "netsh: '%s' given twice (%s=%s before)", w,
					      param_names[k], val[k]);
			val[k] = eq + 1;
			continue;
		}
		/* A bare value fills the next parameter in netsh's order. */
		for (j = 0; order[j] >= 0 && val[order[j]]; j++)
			;
		if (order[j] < 0)
			return seterr(err, errlen, "netsh: unexpected '%s' (every parameter is set)", w);
		val[order[j]] = w;
	}
	return 0;
}

/* The listen side: *proto and lw ("LADDR:LPORT"), *lport. */
static int parse_listen(const char *val[P_MAX], const struct wf_netsh_cmd *c, const char **proto,
			char *lw, size_t lwlen, __u16 *lport, char *err, size_t errlen)
{
	char laddr[64], why[100];
	int ret;

	/* No listenaddress: every address of the listen family. */
	snprintf(laddr, sizeof(laddr), v6_listen(c->type) ? "@vm6" : "@vm");
	if (!val[P_LISTENPORT])
		return seterr(err, errlen, "netsh: listenport= is required");
	if (wf_parse_port(val[P_LISTENPORT], lport, why, sizeof(why)))
		return seterr(err, errlen, "netsh: listenport=%s: %s", val[P_LISTENPORT], why);
	if (val[P_PROTOCOL]) {
		__u8 p;

		if (wf_parse_proto(val[P_PROTOCOL], &p, why, sizeof(why)))
			return seterr(err, errlen, "netsh: protocol=%s: unknown (expected tcp%s)",
				      val[P_PROTOCOL], "; udp and both are wslfwd's own");
		*proto = wf_proto_name(p);
	}
	if (val[P_LISTENADDRESS]) {
		ret = addr_word("listenaddress", val[P_LISTENADDRESS], v6_listen(c->type), true,
				type_names[c->type], laddr, sizeof(laddr), err, errlen);
		if (ret)
			return ret;
	}
	snprintf(lw, lwlen, "%s:%u", laddr, *lport);
	return 0;
}

/* delete: the words of `wslfwd del`, parsed into the key. */
static int parse_delete(struct wf_netsh_cmd *c, const char *proto, char *lw, char *err,
			size_t errlen)
{
	char *words[] = { (char *)proto, lw };
	char why[100];

	snprintf(c->words, sizeof(c->words), "%s %s", proto, lw);
	if (wf_parse_mapping_key(2, words, &c->m, why, sizeof(why)))
		return seterr(err, errlen, "netsh: %s", why);
	return 0;
}

/* add/set: the words of `wslfwd add`, parsed and validated. */
static int parse_add(struct wf_netsh_cmd *c, const char *val[P_MAX], const char *proto, char *lw,
		     __u16 lport, char *err, size_t errlen)
{
	char taddr[64], tw[100], tmp[256];
	char *words[] = { (char *)proto, lw, tw };
	__u16 tport = lport;
	int ret;

	if (!val[P_CONNECTADDRESS])
		return seterr(err, errlen, "netsh: connectaddress= is required for %s",
			      c->op == WF_NETSH_ADD ? "add" : "set");
	ret = addr_word("connectaddress", val[P_CONNECTADDRESS], v6_connect(c->type), false,
			type_names[c->type], taddr, sizeof(taddr), err, errlen);
	if (ret)
		return ret;
	if (val[P_CONNECTPORT] && wf_parse_port(val[P_CONNECTPORT], &tport, tw, sizeof(tw)))
		return seterr(err, errlen, "netsh: connectport=%s: %s", val[P_CONNECTPORT], tw);
	snprintf(tw, sizeof(tw), "%s:%u", taddr, tport);
	snprintf(c->words, sizeof(c->words), "%s %s %s", proto, lw, tw);
	if (wf_parse_mapping(3, words, &c->m, err, errlen) ||
	    wf_mapping_validate(&c->m, err, errlen)) {
		snprintf(tmp, sizeof(tmp), "%s", err);
		return seterr(err, errlen, "netsh: %s", tmp);
	}
	return 0;
}

int wf_netsh_parse(int argc, char **argv, struct wf_netsh_cmd *c, char *err, size_t errlen)
{
	const char *val[P_MAX] = {};
	const char *proto = "tcp";
	char lw[100];
	__u16 lport;
	int ret;

	memset(c, 0, sizeof(*c));
	err[0] = 0;
	ret = parse_head(argc, argv, c, err, errlen);
	if (ret)
		return ret;
	if (c->op == WF_NETSH_SHOW) {
		if (argc > 4)
			return seterr(err, errlen, "netsh: unexpected '%s' after 'show %s'", argv[4],
				      type_names[c->type]);
		return 0;
	}
	ret = parse_params(argc - 4, argv + 4, c, val, err, errlen);
	if (!ret)
		ret = parse_listen(val, c, &proto, lw, sizeof(lw), &lport, err, errlen);
	if (ret)
		return ret;
	if (c->op == WF_NETSH_DELETE)
		return parse_delete(c, proto, lw, err, errlen);
	return parse_add(c, val, proto, lw, lport, err, errlen);
}

enum wf_netsh_type wf_netsh_type_of(const struct wf_mapping *m)
{
	bool l6 = m->family == WF_AF_INET6;
	bool t6 = wf_mapping_tfamily(m) == WF_AF_INET6;

	return l6 ? (t6 ? WF_NETSH_V6TOV6 : WF_NETSH_V6TOV4) :
		    (t6 ? WF_NETSH_V4TOV6 : WF_NETSH_V4TOV4);
}

static void side(const struct wf_mapping *m, bool target, char *addr, size_t alen, char *port,
		 size_t plen)
{
	int kind = target ? m->taddr_kind : m->laddr_kind;
	__u16 lo = target ? m->tport : m->lport;
	__u16 hi = lo + (m->lport_end - m->lport);
	int fam = target ? wf_mapping_tfamily(m) : m->family;
	const char *six = fam == WF_AF_INET6 ? "6" : "";

	if (kind == WF_ADDR_VM && !target)
		snprintf(addr, alen, "%s", *six ? "::" : "0.0.0.0");
	else if (kind == WF_ADDR_VM)
		snprintf(addr, alen, "@vm%s", six);
	else if (kind == WF_ADDR_HOST)
		snprintf(addr, alen, "@host%s", six);
	else
		wf_format_addr(fam, target ? m->taddr : m->laddr, addr, alen);
	if (hi != lo)
		snprintf(port, plen, "%u-%u", lo, hi);
	else
		snprintf(port, plen, "%u", lo);
}

size_t wf_netsh_show(FILE *f, const struct wf_mapping *ms, size_t n, enum wf_netsh_type type)
{
	static const char *const fam[] = { "ipv4", "ipv6" };
	size_t rows = 0, i;
	int t;

	for (t = WF_NETSH_V4TOV4; t <= WF_NETSH_V6TOV6; t++) {
		bool header = false;
		char title[40];

		if (type != WF_NETSH_ALL && type != (enum wf_netsh_type)t)
			continue;
		for (i = 0; i < n; i++) {
			char la[64], lp[16], ta[64], tp[16];

			if (!ms[i].in_use || !(ms[i].protos & WF_P_TCP) ||
			    wf_netsh_type_of(&ms[i]) != (enum wf_netsh_type)t)
				continue;
			if (!header) {
				snprintf(title, sizeof(title), "Listen on %s:", fam[t >> 1]);
				fprintf(f, "\n%-28sConnect to %s:\n\n", title, fam[t & 1]);
				fprintf(f, "%-15s %-11s %-15s %s\n", "Address", "Port", "Address", "Port");
				fprintf(f, "--------------- ----------  --------------- ----------\n");
				header = true;
			}
			side(&ms[i], false, la, sizeof(la), lp, sizeof(lp));
			side(&ms[i], true, ta, sizeof(ta), tp, sizeof(tp));
			fprintf(f, "%-15s %-11s %-15s %s\n", la, lp, ta, tp);
			rows++;
		}
		if (header)
			fprintf(f, "\n");
	}
	return rows;
}
