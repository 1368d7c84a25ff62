/* fetch_policy.h: which URLs and addresses an outbound fetch may reach. */
#ifndef GLINT_FETCH_POLICY_H
#define GLINT_FETCH_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * An allow-list of URL prefixes, one per entry, each of the form
 *
 *     [private ]scheme://host[:port][/path-prefix]
 *
 * parsed with libcurl's URL parser (curl_url), so an entry means what curl
 * will do with a URL. Scheme is http or https; the port defaults to the
 * scheme's; the path prefix defaults to "/" (every path). No user, password,
 * query or fragment.
 *
 * A URL is allowed when one entry has the same scheme, host (compared without
 * case and without a trailing dot) and port, and its path prefix matches the
 * URL's path (dot segments removed by curl): a prefix ending in '/' matches
 * every path that starts with it; otherwise the path must equal the prefix or
 * continue it with '/'. Under an entry with a path prefix other than "/",
 * paths holding an encoded '.', '/' or '\' (%2e, %2f, %5c) or a '\' are
 * refused, since a server may decode them out of the prefix.
 *
 * Addresses: after DNS resolution, each address curl is about to connect to
 * (and the address of a reused connection) is checked. Loopback,
 * unspecified, private (RFC 1918, fc00::/7), shared (100.64/10), link-local
 * (169.254/16, fe80::/10, hence cloud metadata at 169.254.169.254),
 * multicast, reserved and documentation ranges, and IPv6 forms embedding
 * such an IPv4 address (::ffff:0:0/96, 64:ff9b::/96, 2002::/16) are refused,
 * unless the matching entry names them explicitly:
 *   - an entry whose host is a literal IP address permits exactly that
 *     address (e.g. "http://127.0.0.1:8080/");
 *   - an entry written with the "private " keyword permits whatever its host
 *     name resolves to ("private http://billing.internal/"): for operators
 *     who control that name's DNS.
 * An empty allow-list permits nothing.
 *
 * Immutable after creation: any thread may read it; fetches borrow it.
 */
struct fetch_policy;

/* Longest host name kept (RFC 1035 names are at most 253 bytes). */
#define FETCH_HOST_MAX 256

/* What the URL check found; the address check reads it. */
struct fetch_target {
	char scheme[8];
	char host[FETCH_HOST_MAX]; /* lower case, no brackets, no final dot */
	unsigned port;
	bool private_ok;		      /* matched a "private" entry */
	bool literal;			      /* host is an IP literal ... */
	struct sockaddr_storage literal_addr; /* ... this one (port 0) */
};

/* Builds a policy from n entries (n may be 0: nothing is allowed). On a bad
 * entry returns -EINVAL and writes "allow-list entry N: why" to err. Returns
 * -ENOMEM on allocation failure. *out is owned by the caller. */
int fetch_policy_create(const char *const *entries, size_t n, char *err,
			size_t err_len, struct fetch_policy **out);
void fetch_policy_destroy(struct fetch_policy *p);
size_t fetch_policy_count(const struct fetch_policy *p);

/* Checks url against p (NULL = empty). Returns 0 and fills *t, -EINVAL for a
 * URL that does not parse, or -EACCES when no entry allows it; err says why
 * in either case. */
int fetch_policy_check_url(const struct fetch_policy *p, const char *url,
			   struct fetch_target *t, char *err, size_t err_len);

/* Checks the address about to be connected to for t. Returns 0 or -EACCES
 * with err saying which range the address is in. */
int fetch_policy_check_addr(const struct fetch_target *t,
			    const struct sockaddr *sa, char *err,
			    size_t err_len);

/* Names the refused range sa lies in ("loopback", "private", ...), or NULL
 * for a public unicast address. */
const char *fetch_addr_class(const struct sockaddr *sa);

#endif /* GLINT_FETCH_POLICY_H */
