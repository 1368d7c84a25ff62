/* fetch_policy.c: outbound allow-list (URL prefixes) and address ranges. */
#include "config.h"

#include "fetch_policy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct entry {
	struct fetch_target t; /* scheme, host, port, private, literal */
	char *path;	       /* prefix, starts with '/' */
};

struct fetch_policy {
	size_t n;
	struct entry *e;
};

/* A URL split by curl_url, in the form the comparison uses. */
struct parts {
	struct fetch_target t;
	char *path; /* malloc'd */
	bool has_user, has_query, has_fragment;
};

static void fail(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

static bool has_part(CURLU *u, CURLUPart part)
{
	char *s = NULL;
	bool present = curl_url_get(u, part, &s, 0) == CURLUE_OK && s;

	curl_free(s);
	return present;
}

/* Copies curl's host into t->host in comparable form and notes literals. */
static int set_host(struct fetch_target *t, const char *host, char *err,
		    size_t err_len)
{
	size_t len = strlen(host);
	struct sockaddr_in *in4 = (struct sockaddr_in *)&t->literal_addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&t->literal_addr;

	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		host++;
		len -= 2;
	} else if (len > 1 && host[len - 1] == '.') {
		len--; /* "example.com." names the same host */
	}
	if (len == 0 || len >= sizeof(t->host)) {
		fail(err, err_len, "host name is empty or too long");
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++)
		t->host[i] = (char)tolower((unsigned char)host[i]);
	t->host[len] = '\0';
	memset(&t->literal_addr, 0, sizeof(t->literal_addr));
	t->literal = true;
	if (inet_pton(AF_INET, t->host, &in4->sin_addr) == 1)
		in4->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, t->host, &in6->sin6_addr) == 1)
		in6->sin6_family = AF_INET6;
	else
		t->literal = false;
	return 0;
}

static int get_string(CURLU *u, CURLUPart part, unsigned flags, char **out,
		      const char *what, char *err, size_t err_len)
{
	char *s = NULL;

	if (curl_url_get(u, part, &s, flags) != CURLUE_OK || !s) {
		curl_free(s);
		fail(err, err_len, "URL has no %s", what);
		return -EINVAL;
	}
	*out = s;
	return 0;
}

/* Splits an already parsed URL handle into *p. */
static int split(CURLU *u, struct parts *p, char *err, size_t err_len)
{
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = get_string(u, CURLUPART_SCHEME, 0, &scheme, "scheme", err,
			     err_len)) < 0)
		goto out;
	rc = -EINVAL;
	if (strcasecmp(scheme, "http") && strcasecmp(scheme, "https")) {
		fail(err, err_len, "scheme '%s' is not http or https", scheme);
		goto out;
	}
	if ((rc = get_string(u, CURLUPART_HOST, 0, &host, "host", err,
			     err_len)) < 0 ||
	    (rc = get_string(u, CURLUPART_PORT, CURLU_DEFAULT_PORT, &port,
			     "port", err, err_len)) < 0 ||
	    (rc = get_string(u, CURLUPART_PATH, 0, &path, "path", err,
			     err_len)) < 0)
		goto out;
	rc = -EINVAL;
	snprintf(p->t.scheme, sizeof(p->t.scheme), "%s", scheme);
	for (char *c = p->t.scheme; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (has_part(u, CURLUPART_ZONEID)) {
		fail(err, err_len, "IPv6 zone identifiers are not accepted");
		goto out;
	}
	if ((rc = set_host(&p->t, host, err, err_len)) < 0)
		goto out;
	p->t.port = (unsigned)strtoul(port, NULL, 10);
	p->has_user =
		has_part(u, CURLUPART_USER) || has_part(u, CURLUPART_PASSWORD);
	p->has_query = has_part(u, CURLUPART_QUERY);
	p->has_fragment = has_part(u, CURLUPART_FRAGMENT);
	rc = -ENOMEM;
	if (!(p->path = strdup(path[0] ? path : "/")))
		goto out;
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	return rc;
}

static int parse(const char *s, struct parts *p, char *err, size_t err_len)
{
	CURLU *u = curl_url();
	CURLUcode uc;
	int rc;

	if (!u)
		return -ENOMEM;
	uc = curl_url_set(u, CURLUPART_URL, s, 0);
	if (uc != CURLUE_OK) {
		fail(err, err_len, "URL does not parse: %s",
		     curl_url_strerror(uc));
		curl_url_cleanup(u);
		return uc == CURLUE_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
	}
	rc = split(u, p, err, err_len);
	curl_url_cleanup(u);
	return rc;
}

static int parse_entry(const char *s, struct entry *e, char *err,
		       size_t err_len)
{
	static const char kw[] = "private ";
	bool private_ok = strncmp(s, kw, sizeof(kw) - 1) == 0;
	struct parts p;
	int rc;

	if (private_ok)
		s += sizeof(kw) - 1;
	if ((rc = parse(s, &p, err, err_len)) < 0)
		return rc;
	if (p.has_user || p.has_query || p.has_fragment) {
		fail(err, err_len,
		     "user, password, query and fragment are not accepted");
		free(p.path);
		return -EINVAL;
	}
	e->t = p.t;
	e->t.private_ok = private_ok;
	e->path = p.path;
	return 0;
}

int fetch_policy_create(const char *const *entries, size_t n, char *err,
			size_t err_len, struct fetch_policy **out)
{
	struct fetch_policy *p = calloc(1, sizeof(*p));
	char why[256];
	int rc;

	if (!p)
		return -ENOMEM;
	if (n && !(p->e = calloc(n, sizeof(*p->e)))) {
		free(p);
		return -ENOMEM;
	}
	for (; p->n < n; p->n++) {
		why[0] = '\0';
		rc = parse_entry(entries[p->n], &p->e[p->n], why, sizeof(why));
		if (rc < 0) {
			fail(err, err_len, "allow-list entry %zu: %s", p->n + 1,
			     why);
			fetch_policy_destroy(p);
			return rc;
		}
	}
	*out = p;
	return 0;
}

void fetch_policy_destroy(struct fetch_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->e[i].path);
	free(p->e);
	free(p);
}

size_t fetch_policy_count(const struct fetch_policy *p)
{
	return p ? p->n : 0;
}

static bool path_matches(const char *prefix, const char *path)
{
	size_t n = strlen(prefix);

	if (strncmp(prefix, path, n) != 0)
		return false;
	return prefix[n - 1] == '/' || path[n] == '\0' || path[n] == '/';
}

/* Encoded separators could take a decoding server out of the prefix. */
static bool path_is_ambiguous(const char *path)
{
	for (const char *c = path; *c; c++) {
		if (*c == '\\')
			return true;
		if (*c == '%' && c[1] &&
		    (!strncasecmp(c + 1, "2e", 2) ||
		     !strncasecmp(c + 1, "2f", 2) ||
		     !strncasecmp(c + 1, "5c", 2)))
			return true;
	}
	return false;
}

static const struct entry *match(const struct fetch_policy *p,
				 const struct parts *u)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct entry *e = &p->e[i];

		if (strcmp(e->t.scheme, u->t.scheme) ||
		    strcmp(e->t.host, u->t.host) || e->t.port != u->t.port ||
		    !path_matches(e->path, u->path))
			continue;
		if (strcmp(e->path, "/") && path_is_ambiguous(u->path))
			continue;
		return e;
	}
	return NULL;
}

int fetch_policy_check_url(const struct fetch_policy *p, const char *url,
			   struct fetch_target *t, char *err, size_t err_len)
{
	const struct entry *e;
	struct parts u;
	int rc;

	if ((rc = parse(url, &u, err, err_len)) < 0)
		return rc;
	rc = -EACCES;
	if (u.has_user) {
		fail(err, err_len,
		     "credentials in the URL are not accepted (send an "
		     "Authorization header)");
	} else if (!p || p->n == 0) {
		fail(err, err_len,
		     "outbound access is not enabled (the allow-list is "
		     "empty)");
	} else if (!(e = match(p, &u))) {
		fail(err, err_len, "%s://%s:%u%s is not on the allow-list",
		     u.t.scheme, u.t.host, u.t.port, u.path);
	} else {
		*t = u.t;
		t->private_ok = e->t.private_ok;
		rc = 0;
	}
	free(u.path);
	return rc;
}

static const char *class_v4(uint32_t a)
{
	static const struct {
		uint32_t net, mask;
		const char *name;
	} ranges[] = {
		{0xa9fea9fe, 0xffffffff, "link-local (cloud metadata)"},
		{0x00000000, 0xff000000, "unspecified"},
		{0x0a000000, 0xff000000, "private"},
		{0x64400000, 0xffc00000, "shared (carrier-grade NAT)"},
		{0x7f000000, 0xff000000, "loopback"},
		{0xa9fe0000, 0xffff0000, "link-local"},
		{0xac100000, 0xfff00000, "private"},
		{0xc0000000, 0xffffff00, "reserved"},
		{0xc0000200, 0xffffff00, "documentation"},
		{0xc0586300, 0xffffff00, "reserved"},
		{0xc0a80000, 0xffff0000, "private"},
		{0xc6120000, 0xfffe0000, "reserved"},
		{0xc6336400, 0xffffff00, "documentation"},
		{0xcb007100, 0xffffff00, "documentation"},
		{0xe0000000, 0xf0000000, "multicast"},
		{0xf0000000, 0xf0000000, "reserved"},
	};

	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if ((a & ranges[i].mask) == ranges[i].net)
			return ranges[i].name;
	return NULL;
}

static uint32_t v4_at(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static bool prefix_is(const uint8_t *b, const uint8_t *want, size_t n)
{
	return memcmp(b, want, n) == 0;
}

static const char *class_v6(const uint8_t *b)
{
	static const uint8_t zero[16], mapped[12] = {[10] = 0xff, [11] = 0xff};
	static const uint8_t nat64[12] = {0x00, 0x64, 0xff, 0x9b};
	static const uint8_t ec2_metadata[16] = {
		0xfd, 0x00, 0x0e, 0xc2, [14] = 0x02, [15] = 0x54};
	const char *c;

	if (prefix_is(b, zero, 15))
		return b[15] == 1   ? "loopback"
		       : b[15] == 0 ? "unspecified"
				    : "reserved";
	/* Forms that carry an IPv4 address reach that address. */
	if (prefix_is(b, mapped, 12))
		return class_v4(v4_at(b + 12));
	if (prefix_is(b, nat64, 12))
		return class_v4(v4_at(b + 12));
	if (b[0] == 0x20 && b[1] == 0x02 && (c = class_v4(v4_at(b + 2))))
		return c;
	if (prefix_is(b, ec2_metadata, 16))
		return "private (cloud metadata)";
	if (b[0] == 0xff)
		return "multicast";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "link-local";
	if ((b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0))
		return "private";
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
		return "documentation";
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0)
		return "reserved (Teredo)";
	/* Only global unicast (2000::/3) is public. */
	if ((b[0] & 0xe0) != 0x20)
		return "reserved";
	return NULL;
}

const char *fetch_addr_class(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in4 = (const struct sockaddr_in *)sa;

		return class_v4(ntohl(in4->sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
			(const struct sockaddr_in6 *)sa;

		return class_v6(in6->sin6_addr.s6_addr);
	}
	return "not an internet address";
}

/* The 16-byte IPv6 form of sa (IPv4 as ::ffff:a.b.c.d), for comparison. */
static bool as_v6(const struct sockaddr *sa, uint8_t out[16])
{
	if (sa->sa_family == AF_INET6) {
		memcpy(out,
		       ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr,
		       16);
		return true;
	}
	if (sa->sa_family == AF_INET) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &((const struct sockaddr_in *)sa)->sin_addr,
		       4);
		return true;
	}
	return false;
}

static void addr_text(const struct sockaddr *sa, char *buf, size_t len)
{
	const void *a =
		sa->sa_family == AF_INET6
			? (const void *)&((const struct sockaddr_in6 *)sa)
				  ->sin6_addr
			: (const void *)&((const struct sockaddr_in *)sa)
				  ->sin_addr;

	if (!inet_ntop(sa->sa_family, a, buf, (socklen_t)len))
		snprintf(buf, len, "(family %d)", sa->sa_family);
}

int fetch_policy_check_addr(const struct fetch_target *t,
			    const struct sockaddr *sa, char *err,
			    size_t err_len)
{
	const char *cls = fetch_addr_class(sa);
	uint8_t a[16], b[16];
	char text[INET6_ADDRSTRLEN + 16];

	if (!cls || t->private_ok)
		return 0;
	if (t->literal && as_v6(sa, a) &&
	    as_v6((const struct sockaddr *)&t->literal_addr, b) &&
	    memcmp(a, b, 16) == 0)
		return 0;
	addr_text(sa, text, sizeof(text));
	fail(err, err_len,
	     "address %s of host %s is %s; only an allow-list entry naming it "
	     "explicitly permits it",
	     text, t->host, cls);
	return -EACCES;
}
