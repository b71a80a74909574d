// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The words of a mapping: `add`/`del` arguments and config lines to a
 * struct wf_mapping and back. Pure functions: no I/O, no global state,
 * every error is a message in the caller's buffer naming the problem and
 * what was expected.
 *
 * The canonical words written by wf_format_mapping() parse back to a
 * byte-identical struct (the config file and `list` rely on that), so the
 * parser starts from a zeroed struct and fills only what the words say.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "parse.h"

#define WORD_MAX	128	/* longest address word we copy: "[v6]:port" fits easily */
#define PORT_EXPECT	"expected a number 1-65535"
#define PROTO_EXPECT	"expected tcp, udp or both"
#define LADDR_EXPECT	"expected @vm, @vm6, an IPv4 address or [IPv6]"
#define TADDR_EXPECT	"expected @vm, @vm6, @host, @host6, an IPv4 address or [IPv6]"
#define OPT_EXPECT	"expected allow CIDR[,CIDR...] or snat auto|always|never"

__attribute__((format(printf, 3, 4)))
static int seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* snprintf-style appending: pos keeps counting past the end of the buffer so
 * the caller gets the length the whole text needs. */
struct sbuf {
	char *buf;
	size_t len;
	size_t pos;
};

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	size_t room = b->pos < b->len ? b->len - b->pos : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? b->buf + b->pos : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->pos += n;
}

static const char *family_name(int family)
{
	return family == WF_AF_INET6 ? "IPv6" : "IPv4";
}

const char *wf_proto_name(int protos)
{
	switch (protos) {
	case WF_P_TCP:
		return "tcp";
	case WF_P_UDP:
		return "udp";
	case WF_P_TCP | WF_P_UDP:
		return "both";
	}
	return "?";
}

const char *wf_snat_name(int snat)
{
	switch (snat) {
	case WF_SNAT_AUTO:
		return "auto";
	case WF_SNAT_ALWAYS:
		return "always";
	case WF_SNAT_NEVER:
		return "never";
	}
	return "?";
}

int wf_parse_proto(const char *s, __u8 *protos, char *err, size_t errlen)
{
	if (!strcasecmp(s, "tcp"))
		*protos = WF_P_TCP;
	else if (!strcasecmp(s, "udp"))
		*protos = WF_P_UDP;
	else if (!strcasecmp(s, "both"))
		*protos = WF_P_TCP | WF_P_UDP;
	else if (!*s)
		return seterr(err, errlen, "missing protocol (" PROTO_EXPECT ")");
	else
		return seterr(err, errlen, "unknown protocol '%s' (" PROTO_EXPECT ")", s);
	return 0;
}

/* Decimal digits only: strtoul would take " 80", "+80", "-1" and "0x50". */
int wf_parse_port(const char *s, __u16 *port, char *err, size_t errlen)
{
	unsigned long v = 0;
	const char *p;

	if (!*s)
		return seterr(err, errlen, "missing port (" PORT_EXPECT ")");
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return seterr(err, errlen, "invalid port '%s' (" PORT_EXPECT ")", s);
		if (v <= 65535)
			v = v * 10 + (*p - '0');
	}
	if (v < 1 || v > 65535)
		return seterr(err, errlen, "port %s out of range 1-65535", s);
	*port = v;
	return 0;
}

int wf_parse_ip(const char *s, int *family, __be32 addr[4])
{
	struct in6_addr a6;
	struct in_addr a4;

	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, &a4) == 1) {
		addr[0] = a4.s_addr;
		*family = WF_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a6) == 1) {
		memcpy(addr, &a6, 16);
		*family = WF_AF_INET6;
		return 0;
	}
	return -EINVAL;
}

int wf_format_addr(int family, const __be32 addr[4], char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	if (!inet_ntop(family == WF_AF_INET6 ? AF_INET6 : AF_INET, addr, tmp, sizeof(tmp)))
		strcpy(tmp, "?");
	return snprintf(buf, len, "%s", tmp);
}

static bool addr_is_zero(const __be32 a[4])
{
	return !(a[0] | a[1] | a[2] | a[3]);
}

static bool addr6_is_loopback(const __be32 a[4])
{
	return !(a[0] | a[1] | a[2]) && a[3] == htonl(1);
}

static bool addr4_is_loopback(const __be32 a[4])
{
	return (ntohl(a[0]) >> 24) == 127;
}

int wf_mapping_tfamily(const struct wf_mapping *m)
{
	return m->tfamily ?: m->family;
}

bool wf_mapping_local_clients(const struct wf_mapping *m)
{
	if (m->laddr_kind != WF_ADDR_LITERAL)
		return false;
	return m->family == WF_AF_INET6 ? addr6_is_loopback(m->laddr) : addr4_is_loopback(m->laddr);
}

/* 127/8 or [::1] as the target: a server bound to loopback only (lo.h). */
bool wf_mapping_lo_target(const struct wf_mapping *m)
{
	if (m->taddr_kind != WF_ADDR_LITERAL)
		return false;
	return wf_mapping_tfamily(m) == WF_AF_INET6 ? addr6_is_loopback(m->taddr) :
						     addr4_is_loopback(m->taddr);
}

bool wf_mapping_needs_sock_hooks(const struct wf_mapping *m)
{
	return wf_mapping_local_clients(m) || (wf_mapping_lo_target(m) && (m->protos & WF_P_UDP));
}

/* @vm, @vm6, @host, @host6: *kind and *family, or 0 when s is none of them.
 * @vm and @host are IPv4; the 6 names are their IPv6 addresses. */
static int parse_name(const char *s, __u8 *kind, int *family)
{
	static const struct {
		const char *name;
		__u8 kind;
		int family;
	} names[] = {
		{ "@vm", WF_ADDR_VM, WF_AF_INET },
		{ "@vm6", WF_ADDR_VM, WF_AF_INET6 },
		{ "@host", WF_ADDR_HOST, WF_AF_INET },
		{ "@host6", WF_ADDR_HOST, WF_AF_INET6 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcasecmp(s, names[i].name)) {
			*kind = names[i].kind;
			*family = names[i].family;
			return 1;
		}
	}
	return 0;
}

/* The address part of a listen or target word: @vm, @vm6, @host and @host6
 * (target only), an IPv4 literal or a bracketed IPv6 literal. *family is
 * always set: the family the side speaks. */
static int parse_addr(const char *s, bool target, __u8 *kind, int *family, __be32 addr[4],
		      char *err, size_t errlen)
{
	const char *expect = target ? TADDR_EXPECT : LADDR_EXPECT;
	char inner[WORD_MAX];
	size_t n = strlen(s);

	*family = 0;
	memset(addr, 0, 16);
	if (parse_name(s, kind, family)) {
		if (!target && *kind == WF_ADDR_HOST)
			return seterr(err, errlen, "listen address %s is not allowed (%s)", s, expect);
		return 0;
	}
	*kind = WF_ADDR_LITERAL;
	if (s[0] == '[') {
		if (n < 3 || s[n - 1] != ']' || n - 2 >= sizeof(inner))
			return seterr(err, errlen, "invalid address '%s' (%s)", s, expect);
		memcpy(inner, s + 1, n - 2);
		inner[n - 2] = '\0';
		if (wf_parse_ip(inner, family, addr) || *family != WF_AF_INET6)
			return seterr(err, errlen, "invalid IPv6 address '%s' (%s)", s, expect);
	} else {
		if (wf_parse_ip(s, family, addr))
			return seterr(err, errlen, "invalid address '%s' (%s)", s, expect);
		if (*family != WF_AF_INET)
			return seterr(err, errlen, "IPv6 address '%s' must be in brackets: [%s]", s, s);
	}
	if (addr_is_zero(addr)) {
		/* The all-zero key means @vm (@vm6) in wf_fwd; 0.0.0.0 and
		 * [::] are what netsh users write for it. Targets must be real
		 * hosts. */
		if (!target) {
			*kind = WF_ADDR_VM;
			return 0;
		}
		return seterr(err, errlen,
			      "target address %s is not allowed (expected a host's address, @vm or @host)", s);
	}
	return 0;
}

/*
 * Split "ADDR:PORT" / "[V6]:PORT" / "PORT" into its two parts (copied into
 * a and p). *has_addr says whether an address part was present at all.
 */
static int split_hostport(const char *w, bool target, char *a, char *p, bool *has_addr,
			  char *err, size_t errlen)
{
	const char *what = target ? "target" : "listen";
	const char *colon, *end;
	size_t n = strlen(w);

	*has_addr = false;
	a[0] = p[0] = '\0';
	if (n >= WORD_MAX)
		return seterr(err, errlen, "%s '%.40s...' is too long", what, w);
	if (w[0] == '[') {
		end = strchr(w, ']');
		if (!end)
			return seterr(err, errlen, "missing ']' in %s '%s' (expected [IPv6]:PORT)",
				      what, w);
		if (end[1] == '\0')
			return seterr(err, errlen, "%s '%s' has no port (expected [IPv6]:PORT)",
				      what, w);
		if (end[1] != ':')
			return seterr(err, errlen, "expected ':' after ']' in %s '%s'", what, w);
		colon = end + 1;
	} else {
		colon = strrchr(w, ':');
		if (colon && strchr(w, ':') != colon)
			return seterr(err, errlen,
				      "IPv6 address in %s '%s' must be in brackets, e.g. [fd00::1]:80",
				      what, w);
	}
	if (!colon) {
		/* No address. Fine for LPORT, but say "no port" rather than
		 * "invalid port" when the word is clearly an address. */
		if (w[0] == '@' || strchr(w, '.'))
			return seterr(err, errlen, "%s '%s' has no port (expected %s)", what, w,
				      target ? "TADDR:TPORT, e.g. @vm:8080" : "[LADDR:]LPORT");
		if (target)
			return seterr(err, errlen,
				      "target '%s' has no address (expected TADDR:TPORT, e.g. @vm:%s)",
				      w, w);
		strcpy(p, w);
		return 0;
	}
	if (colon == w)
		return seterr(err, errlen, "missing address before ':' in %s '%s' (%s)", what, w,
			      target ? TADDR_EXPECT : LADDR_EXPECT);
	if (colon[1] == '\0')
		return seterr(err, errlen, "missing port after ':' in %s '%s'", what, w);
	memcpy(a, w, colon - w);
	a[colon - w] = '\0';
	strcpy(p, colon + 1);
	*has_addr = true;
	return 0;
}

static int parse_listen(const char *w, struct wf_mapping *m, int *family, char *err,
			size_t errlen)
{
	char a[WORD_MAX], p[WORD_MAX];
	bool has_addr;
	char *dash;
	int ret;

	*family = WF_AF_INET;
	ret = split_hostport(w, false, a, p, &has_addr, err, errlen);
	if (ret)
		return ret;
	m->laddr_kind = WF_ADDR_VM;
	if (has_addr) {
		ret = parse_addr(a, false, &m->laddr_kind, family, m->laddr, err, errlen);
		if (ret)
			return ret;
	}
	/* A '-' past the first character separates a range; a leading one is
	 * junk in the port ("-1") and reported as such. */
	dash = strchr(p + (p[0] != '\0'), '-');
	if (!dash) {
		ret = wf_parse_port(p, &m->lport, err, errlen);
		m->lport_end = m->lport;
		return ret;
	}
	*dash = '\0';
	if (!dash[1])
		return seterr(err, errlen, "invalid port range '%s-' (expected LPORT-LPORT2, e.g. 8080-8090)",
			      p);
	ret = wf_parse_port(p, &m->lport, err, errlen);
	if (!ret)
		ret = wf_parse_port(dash + 1, &m->lport_end, err, errlen);
	if (ret)
		return ret;
	if (m->lport_end < m->lport)
		return seterr(err, errlen,
			      "port range %s-%s is reversed (expected LPORT-LPORT2 with LPORT2 >= LPORT)",
			      p, dash + 1);
	return 0;
}

static int parse_target(const char *w, struct wf_mapping *m, int *family, char *err,
			size_t errlen)
{
	char a[WORD_MAX], p[WORD_MAX];
	bool has_addr;
	int ret;

	ret = split_hostport(w, true, a, p, &has_addr, err, errlen);
	if (ret)
		return ret;
	ret = parse_addr(a, true, &m->taddr_kind, family, m->taddr, err, errlen);
	if (ret)
		return ret;
	if (p[0] && strchr(p + 1, '-') && strspn(p, "0123456789-") == strlen(p))
		return seterr(err, errlen,
			      "target port '%s' cannot be a range (expected TADDR:TPORT; LPORT+i goes to TPORT+i)",
			      p);
	return wf_parse_port(p, &m->tport, err, errlen);
}

int wf_parse_cidr(const char *s, struct wf_cidr *c, char *err, size_t errlen)
{
	char a[WORD_MAX], canon[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned int plen, max, i, bits;
	__be32 masked[4];
	int family;

	memset(c, 0, sizeof(*c));
	if (!*s)
		return seterr(err, errlen, "missing CIDR (expected ADDR[/LEN], e.g. 10.0.0.0/8)");
	if (alen >= sizeof(a))
		return seterr(err, errlen, "CIDR '%.40s...' is too long", s);
	memcpy(a, s, alen);
	a[alen] = '\0';
	/* "[fd00::]/8" is accepted as well as "fd00::/8". */
	if (alen >= 2 && a[0] == '[' && a[alen - 1] == ']') {
		memmove(a, a + 1, alen - 2);
		a[alen - 2] = '\0';
	}
	if (wf_parse_ip(a, &family, c->addr))
		return seterr(err, errlen,
			      "invalid CIDR '%s' (expected ADDR[/LEN], e.g. 10.0.0.0/8 or fd00::/8)", s);
	max = family == WF_AF_INET6 ? 128 : 32;
	plen = max;
	if (slash) {
		const char *p = slash + 1;

		if (!*p || strspn(p, "0123456789") != strlen(p) || strlen(p) > 3)
			return seterr(err, errlen, "invalid prefix length in '%s' (expected /0-/%u)",
				      s, max);
		plen = 0;
		for (; *p; p++)
			plen = plen * 10 + (*p - '0');
		if (plen > max)
			return seterr(err, errlen, "prefix length /%u in '%s' out of range 0-%u", plen,
				      s, max);
	}
	memcpy(masked, c->addr, sizeof(masked));
	for (i = 0; i < 4; i++) {
		bits = plen > i * 32 ? plen - i * 32 : 0;
		if (bits < 32)
			masked[i] &= bits ? htonl(~0u << (32 - bits)) : 0;
	}
	if (memcmp(masked, c->addr, sizeof(masked))) {
		wf_format_addr(family, masked, canon, sizeof(canon));
		return seterr(err, errlen, "%s has host bits set; did you mean %s/%u?", s, canon,
			      plen);
	}
	c->family = family;
	c->plen = plen;
	return 0;
}

static int parse_allow(const char *list, struct wf_mapping *m, char *err, size_t errlen)
{
	char buf[WF_MAX_ALLOW * 48 + 64], *tok, *next;
	struct wf_cidr c;
	unsigned int i;
	int ret;

	if (strlen(list) >= sizeof(buf))
		return seterr(err, errlen, "allow list is too long (at most %d CIDRs)", WF_MAX_ALLOW);
	strcpy(buf, list);
	for (tok = buf; tok; tok = next) {
		next = strchr(tok, ',');
		if (next)
			*next++ = '\0';
		if (!*tok)
			return seterr(err, errlen,
				      "empty CIDR in allow list '%s' (expected CIDR[,CIDR...])", list);
		ret = wf_parse_cidr(tok, &c, err, errlen);
		if (ret)
			return ret;
		if (c.family != m->family)
			return seterr(err, errlen, "allow %s is %s but the mapping is %s", tok,
				      family_name(c.family), family_name(m->family));
		for (i = 0; i < m->n_allow; i++)
			if (!memcmp(&m->allow[i], &c, sizeof(c)))
				return seterr(err, errlen, "%s appears twice in the allow list", tok);
		if (m->n_allow >= WF_MAX_ALLOW)
			return seterr(err, errlen, "too many CIDRs in allow list (at most %d)",
				      WF_MAX_ALLOW);
		m->allow[m->n_allow++] = c;
	}
	return 0;
}

static int parse_snat(const char *s, __u8 *snat, char *err, size_t errlen)
{
	if (!strcasecmp(s, "auto"))
		*snat = WF_SNAT_AUTO;
	else if (!strcasecmp(s, "always"))
		*snat = WF_SNAT_ALWAYS;
	else if (!strcasecmp(s, "never"))
		*snat = WF_SNAT_NEVER;
	else
		return seterr(err, errlen, "unknown snat mode '%s' (expected auto, always or never)",
			      s);
	return 0;
}

static int parse_head(int argc, char **argv, struct wf_mapping *m, int *lfam, char *err,
		      size_t errlen)
{
	int ret;

	memset(m, 0, sizeof(*m));
	if (argc < 1)
		return seterr(err, errlen, "missing protocol (" PROTO_EXPECT ")");
	ret = wf_parse_proto(argv[0], &m->protos, err, errlen);
	if (ret)
		return ret;
	if (argc < 2)
		return seterr(err, errlen, "missing listen port [LADDR:]LPORT[-LPORT2]");
	return parse_listen(argv[1], m, lfam, err, errlen);
}

int wf_parse_mapping_key(int argc, char **argv, struct wf_mapping *m, char *err, size_t errlen)
{
	int lfam, ret;

	ret = parse_head(argc, argv, m, &lfam, err, errlen);
	if (ret)
		return ret;
	if (argc > 2)
		return seterr(err, errlen,
			      "unexpected '%s' after the listen port (expected PROTO [LADDR:]LPORT[-LPORT2])",
			      argv[2]);
	m->family = lfam;
	return 0;
}

int wf_parse_mapping(int argc, char **argv, struct wf_mapping *m, char *err, size_t errlen)
{
	bool seen_allow = false, seen_snat = false;
	int lfam, tfam, ret, i;

	ret = parse_head(argc, argv, m, &lfam, err, errlen);
	if (ret)
		return ret;
	if (argc < 3)
		return seterr(err, errlen, "missing target TADDR:TPORT");
	ret = parse_target(argv[2], m, &tfam, err, errlen);
	if (ret)
		return ret;
	/* The mapping is of its listen family; the target's goes in tfamily
	 * only when it differs (wf_mapping_check_forwardable says whether
	 * the datapath forwards that). */
	m->family = lfam;
	m->tfamily = tfam != lfam ? tfam : 0;

	for (i = 3; i < argc; i += 2) {
		const char *opt = argv[i];
		bool is_allow = !strcasecmp(opt, "allow");

		if (!is_allow && strcasecmp(opt, "snat"))
			return seterr(err, errlen, "unknown option '%s' (" OPT_EXPECT ")", opt);
		if (is_allow ? seen_allow : seen_snat)
			return seterr(err, errlen, "option '%s' given twice", opt);
		if (i + 1 >= argc)
			return seterr(err, errlen, "option '%s' needs a value (expected %s)", opt,
				      is_allow ? "allow CIDR[,CIDR...]" : "snat auto|always|never");
		if (is_allow) {
			seen_allow = true;
			ret = parse_allow(argv[i + 1], m, err, errlen);
		} else {
			seen_snat = true;
			ret = parse_snat(argv[i + 1], &m->snat, err, errlen);
		}
		if (ret)
			return ret;
	}
	ret = wf_mapping_validate(m, err, errlen);
	if (ret)
		return ret;
	m->in_use = 1;
	return 0;
}

int wf_split_words(char *line, char **words, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\v' ||
		       *p == '\f')
			p++;
		if (!*p || *p == '#' || n >= max)
			break;
		words[n++] = p;
		while (*p && *p != '#' && !strchr(" \t\r\n\v\f", *p))
			p++;
		if (*p == '#') {
			*p = '\0';
			break;
		}
		if (!*p)
			break;
		*p++ = '\0';
	}
	return n;
}

static void sb_addr(struct sbuf *b, int family, const __be32 addr[4], bool brackets)
{
	char tmp[INET6_ADDRSTRLEN];

	wf_format_addr(family, addr, tmp, sizeof(tmp));
	if (brackets && family == WF_AF_INET6)
		sb_printf(b, "[%s]", tmp);
	else
		sb_printf(b, "%s", tmp);
}

static void sb_ports(struct sbuf *b, const struct wf_mapping *m)
{
	if (m->lport_end != m->lport)
		sb_printf(b, "%u-%u", m->lport, m->lport_end);
	else
		sb_printf(b, "%u", m->lport);
}

/* A bare LPORT listens on @vm (IPv4): @vm6 is always written out. */
static void sb_listen(struct sbuf *b, const struct wf_mapping *m, bool vm_prefix)
{
	if (m->laddr_kind == WF_ADDR_LITERAL) {
		sb_addr(b, m->family, m->laddr, true);
		sb_printf(b, ":");
	} else if (m->family == WF_AF_INET6) {
		sb_printf(b, "@vm6:");
	} else if (vm_prefix) {
		sb_printf(b, "@vm:");
	}
	sb_ports(b, m);
}

static void sb_target(struct sbuf *b, const struct wf_mapping *m)
{
	const char *six = wf_mapping_tfamily(m) == WF_AF_INET6 ? "6" : "";

	if (m->taddr_kind == WF_ADDR_VM)
		sb_printf(b, "@vm%s", six);
	else if (m->taddr_kind == WF_ADDR_HOST)
		sb_printf(b, "@host%s", six);
	else
		sb_addr(b, wf_mapping_tfamily(m), m->taddr, true);
	sb_printf(b, ":%u", m->tport);
}

int wf_format_listen(const struct wf_mapping *m, char *buf, size_t len)
{
	struct sbuf b = { buf, len, 0 };

	if (buf && len)
		buf[0] = '\0';
	sb_listen(&b, m, true);
	return b.pos;
}

int wf_format_target(const struct wf_mapping *m, char *buf, size_t len)
{
	struct sbuf b = { buf, len, 0 };

	if (buf && len)
		buf[0] = '\0';
	sb_target(&b, m);
	return b.pos;
}

int wf_format_mapping(const struct wf_mapping *m, char *buf, size_t len)
{
	struct sbuf b = { buf, len, 0 };
	unsigned int i;

	if (buf && len)
		buf[0] = '\0';
	sb_printf(&b, "%s ", wf_proto_name(m->protos));
	sb_listen(&b, m, false);
	sb_printf(&b, " ");
	sb_target(&b, m);
	for (i = 0; i < m->n_allow && i < WF_MAX_ALLOW; i++) {
		sb_printf(&b, i ? "," : " allow ");
		sb_addr(&b, m->allow[i].family, m->allow[i].addr, false);
		sb_printf(&b, "/%u", m->allow[i].plen);
	}
	if (m->snat != WF_SNAT_AUTO)
		sb_printf(&b, " snat %s", wf_snat_name(m->snat));
	return b.pos;
}

/*
 * The listen address of two mappings is the same: both @vm of one family,
 * or equal literals. `tcp 80` (@vm) and `tcp @vm6:80` are two listeners,
 * whatever their targets: `del tcp 80` names the IPv4 one, `del tcp
 * @vm6:80` the other.
 */
static bool same_laddr(const struct wf_mapping *a, const struct wf_mapping *b)
{
	if (a->laddr_kind != b->laddr_kind || a->family != b->family)
		return false;
	if (a->laddr_kind != WF_ADDR_LITERAL)
		return true;
	return !memcmp(a->laddr, b->laddr, sizeof(a->laddr));
}

bool wf_mapping_same_listen(const struct wf_mapping *a, const struct wf_mapping *b)
{
	return same_laddr(a, b) && a->lport == b->lport && a->lport_end == b->lport_end;
}

bool wf_mapping_same_key(const struct wf_mapping *a, const struct wf_mapping *b)
{
	return wf_mapping_same_listen(a, b) && (a->protos & b->protos);
}

bool wf_mapping_conflicts(const struct wf_mapping *a, const struct wf_mapping *b)
{
	return (a->protos & b->protos) && same_laddr(a, b) && a->lport <= b->lport_end &&
	       b->lport <= a->lport_end;
}

int wf_mapping_validate(const struct wf_mapping *m, char *err, size_t errlen)
{
	struct sbuf lb, tb;
	char l[80], t[80];
	unsigned int i, nports;

	if (!m->protos || (m->protos & ~(WF_P_TCP | WF_P_UDP)))
		return seterr(err, errlen, "invalid protocol bits %#x (" PROTO_EXPECT ")",
			      m->protos);
	if ((m->family != WF_AF_INET && m->family != WF_AF_INET6) ||
	    (m->tfamily && (m->tfamily == m->family ||
			    (m->tfamily != WF_AF_INET && m->tfamily != WF_AF_INET6))))
		return seterr(err, errlen, "invalid address family %u/%u (expected IPv4 or IPv6)",
			      m->family, m->tfamily);
	if (m->laddr_kind != WF_ADDR_VM && m->laddr_kind != WF_ADDR_LITERAL)
		return seterr(err, errlen, "invalid listen address kind %u (" LADDR_EXPECT ")",
			      m->laddr_kind);
	if (m->taddr_kind > WF_ADDR_HOST)
		return seterr(err, errlen, "invalid target address kind %u (" TADDR_EXPECT ")",
			      m->taddr_kind);
	if (m->snat > WF_SNAT_NEVER)
		return seterr(err, errlen, "invalid snat mode %u (expected auto, always or never)",
			      m->snat);
	if (!m->lport || !m->tport)
		return seterr(err, errlen, "port 0 out of range 1-65535");
	if (m->lport_end < m->lport)
		return seterr(err, errlen,
			      "port range %u-%u is reversed (expected LPORT-LPORT2 with LPORT2 >= LPORT)",
			      m->lport, m->lport_end);
	nports = m->lport_end - m->lport + 1;
	if (m->tport + nports - 1 > 65535)
		return seterr(err, errlen,
			      "target ports %u-%u run past 65535 (the range %u-%u has %u ports; expected TPORT <= %u)",
			      m->tport, m->tport + nports - 1, m->lport, m->lport_end, nports,
			      65536 - nports);
	if (m->n_allow > WF_MAX_ALLOW)
		return seterr(err, errlen, "too many CIDRs in allow list (at most %d)", WF_MAX_ALLOW);
	for (i = 0; i < m->n_allow; i++)
		if (m->allow[i].family != m->family ||
		    m->allow[i].plen > (m->family == WF_AF_INET6 ? 128 : 32))
			return seterr(err, errlen, "allow CIDR %u does not match the mapping's %s",
				      i + 1, family_name(m->family));
	if (wf_mapping_local_clients(m) || wf_mapping_lo_target(m)) {
		const char *what = wf_mapping_local_clients(m) ?
			"a loopback listen address (local clients: only this VM's processes use it)" :
			"a loopback target (the server sees the client's own address)";

		if (m->n_allow && wf_mapping_local_clients(m))
			return seterr(err, errlen, "allow does not apply to %s", what);
		if (m->snat != WF_SNAT_AUTO)
			return seterr(err, errlen, "snat %s does not apply to %s",
				      wf_snat_name(m->snat), what);
	}
	/* LPORT+i goes to TPORT+i, so some port maps onto itself exactly when
	 * the addresses are the same and TPORT == LPORT. */
	if (m->tport == m->lport && !m->tfamily &&
	    ((m->laddr_kind == WF_ADDR_VM && m->taddr_kind == WF_ADDR_VM) ||
	     (m->laddr_kind == WF_ADDR_LITERAL && m->taddr_kind == WF_ADDR_LITERAL &&
	      !memcmp(m->laddr, m->taddr, sizeof(m->laddr))))) {
		lb = (struct sbuf){ l, sizeof(l), 0 };
		tb = (struct sbuf){ t, sizeof(t), 0 };
		sb_listen(&lb, m, true);
		sb_target(&tb, m);
		return seterr(err, errlen,
			      "%s forwards to itself (target %s is the listen address and port; expected another address or port)",
			      l, t);
	}
	return 0;
}

bool wf_mapping_equal(const struct wf_mapping *a, const struct wf_mapping *b)
{
	struct wf_mapping x = *a, y = *b;

	x.in_use = y.in_use = 1;
	return !memcmp(&x, &y, sizeof(x));
}

int wf_mapping_check_policy(const struct wf_mapping *m, char *err, size_t errlen)
{
	__u32 lo = WF_SNAT_PORT_MIN, hi = WF_SNAT_PORT_MAX;
	char ports[24];

	/* One-arm NAT takes its source ports on @vm from this range; a
	 * listener there would take the replies of those connections. Local
	 * clients' listeners are on loopback, apart from it. */
	if (wf_mapping_local_clients(m) || m->lport > hi || m->lport_end < lo)
		return 0;
	if (m->lport_end != m->lport)
		snprintf(ports, sizeof(ports), "s %u-%u are", m->lport, m->lport_end);
	else
		snprintf(ports, sizeof(ports), " %u is", m->lport);
	return seterr(err, errlen,
		      "listen port%s inside the SNAT port range %u-%u, which one-arm mappings use as source ports on @vm; listen below %u",
		      ports, lo, hi, lo);
}

/* IPv4 to IPv4 and IPv6 to IPv6 forward; between the families (RFC 7915
 * translation) is design.md's slice 4. A loopback target (127.0.0.1 or
 * [::1]) is reached in its own family only. */
bool wf_addr6_linklocal(const __be32 a[4])
{
	return (ntohl(a[0]) & 0xffc00000) == 0xfe800000;
}

bool wf_mapping_to_host6(const struct wf_mapping *m)
{
	return wf_mapping_tfamily(m) == WF_AF_INET6 && m->taddr_kind == WF_ADDR_HOST;
}

int wf_mapping_check_forwardable(const struct wf_mapping *m, char *err, size_t errlen)
{
	char a[INET6_ADDRSTRLEN];

	/* A link-local target is on IFACE, the one device wslfwd is on, and
	 * reached through the next-hop cache (user/nexthop.h); between the
	 * families not yet (a translated packet would leave from @vm6). */
	if (!m->tfamily)
		return 0;
	if (wf_mapping_tfamily(m) == WF_AF_INET6 && m->taddr_kind == WF_ADDR_LITERAL &&
	    wf_addr6_linklocal(m->taddr)) {
		wf_format_addr(WF_AF_INET6, m->taddr, a, sizeof(a));
		return seterr(err, errlen,
			      "link-local target %s is not supported between the families (v4tov6) "
			      "yet; give the target's global address", a);
	}
	/* v4tov6/v6tov4: the packet path translates (RFC 7915, bpf/lib/xlate.h),
	 * always with full NAT; the socket hooks keep a socket's family. */
	if (wf_mapping_local_clients(m))
		return seterr(err, errlen,
			      "local clients (a loopback LADDR) reach a target of their own family only: "
			      "a socket keeps its family (%s to %s needs the packet path)",
			      family_name(m->family), family_name(m->tfamily));
	if (wf_mapping_lo_target(m))
		return seterr(err, errlen,
			      "a loopback-only target is reached in its own family only (%s to %s: "
			      "give the target's address on a device)", family_name(m->family),
			      family_name(m->tfamily));
	if (m->snat == WF_SNAT_NEVER)
		return seterr(err, errlen,
			      "snat never does not apply between the families: a %s to %s connection is "
			      "always translated with full NAT", family_name(m->family),
			      family_name(m->tfamily));
	return 0;
}

/* Timeouts up to 10 years: far beyond any use, and well inside the ns
 * arithmetic of the datapath (u64). */
#define WF_TIMEOUT_MAX	(10u * 365 * 86400)

int wf_parse_timeouts(const char *arg, struct wf_ct_conf *cf, char *err, size_t errlen)
{
	static const struct {
		const char *opt;
		int state;
	} tab[] = {
#define WF_CT_STATE_OPT(name, val, str, opt, to) { opt, val },
		WF_CT_STATES(WF_CT_STATE_OPT)
#undef WF_CT_STATE_OPT
	};
	struct wf_ct_conf out = *cf;
	const char *p = arg, *eq, *end;
	char classes[512];
	size_t i, n;

	if (!arg || !*arg) {
		snprintf(err, errlen, "--timeout needs CLASS=SECONDS[,CLASS=SECONDS...]");
		return -EINVAL;
	}
	for (;;) {
		unsigned long v;
		char num[24], *e;

		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		eq = memchr(p, '=', end - p);
		if (!eq) {
			snprintf(err, errlen, "--timeout: '%.*s' is not CLASS=SECONDS", (int)(end - p),
				 p);
			return -EINVAL;
		}
		n = eq - p;
		for (i = 0; i < ARRAY_SIZE(tab); i++)
			if (strlen(tab[i].opt) == n && !strncmp(p, tab[i].opt, n))
				break;
		if (i == ARRAY_SIZE(tab)) {
			wf_format_timeout_classes(classes, sizeof(classes));
			snprintf(err, errlen, "--timeout: unknown class '%.*s' (classes and defaults: %s)",
				 (int)n, p, classes);
			return -EINVAL;
		}
		n = end - eq - 1;
		if (n == 7 && !strncmp(eq + 1, "default", 7)) {
			out.timeout[tab[i].state] = 0;
		} else {
			if (!n || n >= sizeof(num)) {
				snprintf(err, errlen, "--timeout: %s needs SECONDS (1-%u)", tab[i].opt,
					 WF_TIMEOUT_MAX);
				return -EINVAL;
			}
			memcpy(num, eq + 1, n);
			num[n] = 0;
			errno = 0;
			v = strtoul(num, &e, 10);
			if (errno || *e || num[0] < '0' || num[0] > '9' || v < 1 ||
			    v > WF_TIMEOUT_MAX) {
				snprintf(err, errlen, "--timeout: %s=%s out of range 1-%u (seconds)",
					 tab[i].opt, num, WF_TIMEOUT_MAX);
				return -EINVAL;
			}
			out.timeout[tab[i].state] = v;
		}
		if (!*end)
			break;
		p = end + 1;
	}
	*cf = out;
	return 0;
}

int wf_format_timeout_classes(char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
#define WF_CT_STATE_FMT(name, val, str, opt, to)				\
	if (off < len)							\
		off += snprintf(buf + off, len - off, "%s%s=%u", off ? "," : "", opt, to);
	WF_CT_STATES(WF_CT_STATE_FMT)
#undef WF_CT_STATE_FMT
	return off < len ? 0 : -ENOSPC;
}
