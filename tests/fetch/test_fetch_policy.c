/* test_fetch_policy.c: the outbound allow-list: entries, URL matching and
 * refused address ranges (no network). */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "fetch_policy.h"
#include "../check_run.h"

static struct fetch_policy *policy(const char *const *e, size_t n)
{
	struct fetch_policy *p = NULL;
	char err[256] = "";

	ck_assert_msg(fetch_policy_create(e, n, err, sizeof(err), &p) == 0,
		      "%s", err);
	return p;
}

START_TEST(bad_entries_refused)
{
	static const struct {
		const char *entry, *want;
	} rows[] = {
		{"ftp://example.com/",
		 "allow-list entry 1: scheme 'ftp' is not http or https"},
		{"http://u:p@example.com/", "allow-list entry 1: user, "
					    "password, query and fragment "
					    "are not accepted"},
		{"http://example.com/?q=1", "allow-list entry 1: user, "
					    "password, query and fragment "
					    "are not accepted"},
		{"example.com", "allow-list entry 1: URL does not parse: "},
	};
	struct fetch_policy *p;
	char err[256];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *e[] = {"http://ok.example/", rows[i].entry};

		err[0] = '\0';
		p = NULL;
		ck_assert_int_eq(
			fetch_policy_create(e + 1, 1, err, sizeof(err), &p),
			-EINVAL);
		ck_assert_ptr_null(p);
		ck_assert_msg(!strncmp(err, rows[i].want, strlen(rows[i].want)),
			      "%s: got '%s'", rows[i].entry, err);
		ck_assert_int_eq(
			fetch_policy_create(e, 2, err, sizeof(err), &p),
			-EINVAL);
		ck_assert_msg(!strncmp(err, "allow-list entry 2: ", 20), "%s",
			      err);
	}
}
END_TEST

START_TEST(urls_matched_by_prefix)
{
	static const char *const e[] = {"https://api.example.com/v1/",
					"http://example.org:8080/exact"};
	static const struct {
		const char *url;
		int want;
	} rows[] = {
		{"https://api.example.com/v1/users", 0},
		{"https://API.Example.COM./v1/x?y=z", 0},
		{"https://api.example.com:443/v1/", 0},
		{"https://api.example.com/v1", -EACCES},
		{"https://api.example.com/v2/", -EACCES},
		{"https://api.example.com/v1/../admin", -EACCES},
		{"https://api.example.com/v1/%2e%2e/admin", -EACCES},
		{"https://api.example.com/v1/..%2Fadmin", -EACCES},
		{"http://api.example.com/v1/", -EACCES},
		{"https://api.example.com:444/v1/", -EACCES},
		{"https://api.example.com.evil.test/v1/", -EACCES},
		{"http://example.org:8080/exact", 0},
		{"http://example.org:8080/exact/sub", 0},
		{"http://example.org:8080/exactly", -EACCES},
		{"http://example.org/exact", -EACCES},
		{"file:///etc/passwd", -EINVAL},
		{"gopher://example.org:8080/exact", -EINVAL},
		{"not a url", -EINVAL},
	};
	struct fetch_policy *p = policy(e, 2);
	struct fetch_target t;
	char err[256];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(fetch_policy_check_url(p, rows[i].url, &t, err,
						     sizeof(err)) ==
				      rows[i].want,
			      "%s: %s", rows[i].url, err);
	}
	ck_assert_int_eq(fetch_policy_check_url(p,
						"https://api.example.com/v2/",
						&t, err, sizeof(err)),
			 -EACCES);
	ck_assert_str_eq(err, "https://api.example.com:443/v2/ is not on the "
			      "allow-list");
	ck_assert_int_eq(fetch_policy_check_url(p,
						"https://u@api.example.com/v1/",
						&t, err, sizeof(err)),
			 -EACCES);
	ck_assert_str_eq(err, "credentials in the URL are not accepted (send "
			      "an Authorization header)");
	fetch_policy_destroy(p);
	ck_assert_int_eq(fetch_policy_check_url(NULL, "https://example.com/",
						&t, err, sizeof(err)),
			 -EACCES);
	ck_assert_str_eq(err,
			 "outbound access is not enabled (the allow-list is "
			 "empty)");
}
END_TEST

static const char *class_of(const char *text)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, text, &in4->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	else
		ck_abort_msg("bad test address %s", text);
	return fetch_addr_class((struct sockaddr *)&ss);
}

START_TEST(address_classes)
{
	static const struct {
		const char *addr, *cls; /* NULL: public */
	} rows[] = {
		{"127.0.0.1", "loopback"},
		{"127.255.0.9", "loopback"},
		{"0.0.0.0", "unspecified"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"172.32.0.1", NULL},
		{"192.168.1.1", "private"},
		{"169.254.169.254", "link-local (cloud metadata)"},
		{"169.254.1.1", "link-local"},
		{"100.64.0.1", "shared (carrier-grade NAT)"},
		{"100.100.100.200", "shared (carrier-grade NAT)"},
		{"224.0.0.1", "multicast"},
		{"255.255.255.255", "reserved"},
		{"8.8.8.8", NULL},
		{"93.184.216.34", NULL},
		{"::1", "loopback"},
		{"::", "unspecified"},
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:169.254.169.254", "link-local (cloud metadata)"},
		{"::ffff:8.8.8.8", NULL},
		{"64:ff9b::a9fe:a9fe", "link-local (cloud metadata)"},
		{"2002:7f00:1::", "loopback"},
		{"fe80::1", "link-local"},
		{"fd00::1", "private"},
		{"fd00:ec2::254", "private (cloud metadata)"},
		{"ff02::1", "multicast"},
		{"2001:db8::1", "documentation"},
		{"2606:4700:4700::1111", NULL},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *got = class_of(rows[i].addr);

		if (!rows[i].cls)
			ck_assert_msg(!got, "%s: %s", rows[i].addr, got);
		else
			ck_assert_msg(got && !strcmp(got, rows[i].cls),
				      "%s: %s", rows[i].addr,
				      got ? got : "public");
	}
}
END_TEST

static int check_addr(const struct fetch_target *t, const char *text, char *err,
		      size_t len)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, text, &in4->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	return fetch_policy_check_addr(t, (struct sockaddr *)&ss, err, len);
}

START_TEST(explicit_names_permit_refused_ranges)
{
	static const char *const e[] = {"http://127.0.0.1:8080/",
					"http://svc.test/",
					"private http://billing.internal/"};
	struct fetch_policy *p = policy(e, 3);
	struct fetch_target t;
	char err[256];

	ck_assert_int_eq(fetch_policy_check_url(p, "http://127.0.0.1:8080/x",
						&t, err, sizeof(err)),
			 0);
	ck_assert_int_eq(check_addr(&t, "127.0.0.1", err, sizeof(err)), 0);
	ck_assert_int_eq(check_addr(&t, "::ffff:127.0.0.1", err, sizeof(err)),
			 0);
	ck_assert_int_eq(check_addr(&t, "127.0.0.2", err, sizeof(err)),
			 -EACCES);
	ck_assert_int_eq(check_addr(&t, "93.184.216.34", err, sizeof(err)), 0);

	ck_assert_int_eq(fetch_policy_check_url(p, "http://svc.test/", &t, err,
						sizeof(err)),
			 0);
	ck_assert_int_eq(check_addr(&t, "10.0.0.5", err, sizeof(err)), -EACCES);
	ck_assert_str_eq(err, "address 10.0.0.5 of host svc.test is private; "
			      "only an allow-list entry naming it explicitly "
			      "permits it");
	ck_assert_int_eq(check_addr(&t, "::1", err, sizeof(err)), -EACCES);
	ck_assert_int_eq(check_addr(&t, "93.184.216.34", err, sizeof(err)), 0);

	ck_assert_int_eq(fetch_policy_check_url(p, "http://billing.internal/a",
						&t, err, sizeof(err)),
			 0);
	ck_assert_int_eq(check_addr(&t, "10.0.0.5", err, sizeof(err)), 0);
	fetch_policy_destroy(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fetch_policy");
	TCase *tc = tcase_create("policy");

	tcase_add_test(tc, bad_entries_refused);
	tcase_add_test(tc, urls_matched_by_prefix);
	tcase_add_test(tc, address_classes);
	tcase_add_test(tc, explicit_names_permit_refused_ranges);
	suite_add_tcase(s, tc);
	return check_run(s);
}
