/* test_config_file.c: glintd.conf loading (each kind of bad file, the shipped example, flags over file), token files, exposure check. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "glintd_config.h"
#include "kv.h"
#include "../check_run.h"

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/glint-conf-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[128];
	int rc;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	rc = system(cmd);
	(void)rc;
}

/* Writes text to dir/name with mode; returns the path (static). */
static const char *write_file(const char *name, const char *text, mode_t mode)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

/* Loads text as a config file; returns the rc, message in err. */
static int load(struct glintd_config *c, const char *text, char *err,
		size_t len)
{
	const char *path = write_file("glintd.conf", text, 0644);

	glintd_config_default(c);
	err[0] = '\0';
	return glintd_config_load_file(c, path, err, len);
}

/* The message must name the file and contain want. */
static void assert_bad(const char *text, const char *want)
{
	struct glintd_config c;
	char err[512], path[128];

	snprintf(path, sizeof(path), "%s/glintd.conf", dir);
	ck_assert_msg(load(&c, text, err, sizeof(err)) < 0, "accepted: %s",
		      text);
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0,
		      "message does not start with the file: %s", err);
	ck_assert_msg(strstr(err, want) != NULL, "'%s' not in '%s'", want, err);
}

START_TEST(invalid_files)
{
	assert_bad("{\"wokers\": 2}", ": unknown key \"wokers\"");
	assert_bad("{\"function_defaults\": {\"memroy_mb\": 2}}", "memroy_mb");
	assert_bad("{\"workers\": \"2\"}",
		   ": \"workers\" must be an integer from 0 to 1024");
	assert_bad("{\"workers\": 1025}",
		   ": \"workers\" must be an integer from 0 to 1024");
	assert_bad("{\"workers\": -1}", "\"workers\" must be an integer");
	assert_bad("{\"workers\": 1.5}", "\"workers\" must be an integer");
	assert_bad("{\"max_connections\": 0}",
		   "\"max_connections\" must be an integer from 1 to 65536");
	assert_bad("{\"connection_memory_bytes\": 100}",
		   "\"connection_memory_bytes\" must be an integer from 4096");
	assert_bad("{\"allow_insecure_remote\": 1}",
		   "\"allow_insecure_remote\" must be true or false");
	assert_bad("{\"batch_scheduling\": \"yes\"}",
		   "\"batch_scheduling\" must be true or false");
	assert_bad("{\"listen\": \"localhost:80\"}", "\"listen\" must be");
	assert_bad("{\"log_level\": \"loud\"}", "\"log_level\" must be");
	assert_bad("{\"state_dir\": 7}",
		   ": \"state_dir\" must be a directory path (a non-empty "
		   "string)");
	assert_bad("{\"state_dir\": null}",
		   ": \"state_dir\" must be a directory path (a non-empty "
		   "string)");
	assert_bad("{\"state_dir\": \"\"}",
		   ": \"state_dir\" must be a directory path (a non-empty "
		   "string)");
	assert_bad("{\"function_defaults\": {\"memory_mb\": 5000}}",
		   "memory_mb must be an integer from 1 to 1024");
	assert_bad("{\"function_defaults\": {\"min_warm\": 9, "
		   "\"max_concurrency\": 2}}",
		   "\"function_defaults\"");
	assert_bad("{\"function_defaults\": 3}",
		   "\"function_defaults\" must be an object");
	assert_bad("{\"tls_cert_file\": \"/x.pem\"}", "set both or neither");
	assert_bad("[1, 2]", "the top level must be a JSON object");
	assert_bad("{\"kv_backend\": \"memcached\"}",
		   "\"kv_backend\" must be \"embedded\" or \"redis\"");
	assert_bad("{\"kv_backend\": \"redis\"}",
		   "\"kv_backend\": \"redis\" needs \"kv_redis_url\"");
	assert_bad("{\"kv_redis_url\": \"http://127.0.0.1:6379\"}",
		   "\"kv_redis_url\" must be a string \"redis://HOST:PORT");
	assert_bad("{\"kv_max_key_bytes\": 5000}",
		   "\"kv_max_key_bytes\" must be an integer from 1 to 4096");
	assert_bad("{\"kv_map_bytes\": 1024}",
		   "\"kv_map_bytes\" must be an integer from 1048576");
	assert_bad("{\"fetches_per_call\": 0}",
		   "\"fetches_per_call\" must be an integer from 1");
	assert_bad("{\"workers\": 1, \"workers\": 2}", "invalid JSON");
}
END_TEST

START_TEST(malformed_json_line_column)
{
	/* The stray comma is on line 3, column 15. */
	assert_bad("{\n  \"workers\": 1,\n  \"listen\": ,\n}\n", ":3:");
	assert_bad("{\n  \"workers\": 1,\n  \"listen\": ,\n}\n",
		   "invalid JSON");
	assert_bad("", ":1:0: invalid JSON");
}
END_TEST

START_TEST(missing_file)
{
	struct glintd_config c;
	char err[512], path[128];

	snprintf(path, sizeof(path), "%s/absent.conf", dir);
	glintd_config_default(&c);
	ck_assert_int_eq(glintd_config_load_file(&c, path, err, sizeof(err)),
			 -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, path));
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
}
END_TEST

/* The shipped file documents the defaults: loading it changes nothing but
 * the state directory (the packaged location). */
START_TEST(example_file_loads)
{
	struct glintd_config def, c;
	char err[512] = "", path[1024];
	const char *src = getenv("GLINT_SRCDIR");

	snprintf(path, sizeof(path), "%s/config/glintd.conf", src ? src : "..");
	glintd_config_default(&def);
	glintd_config_default(&c);
	ck_assert_msg(glintd_config_load_file(&c, path, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_str_eq(c.config_path, path);
	ck_assert_str_eq(c.state_dir, "/var/lib/glint");
	ck_assert_ptr_eq(c.engine.state_dir, c.state_dir);
	ck_assert_str_eq(c.listen_host, def.listen_host);
	ck_assert_uint_eq(c.listen_port, def.listen_port);
	ck_assert_uint_eq(c.engine.workers, def.engine.workers);
	ck_assert_uint_eq(c.max_invoke_bytes, def.max_invoke_bytes);
	ck_assert_uint_eq(c.engine.max_image_bytes, def.engine.max_image_bytes);
	ck_assert_uint_eq(c.max_connections, def.max_connections);
	ck_assert_uint_eq(c.connection_timeout_s, def.connection_timeout_s);
	ck_assert_uint_eq(c.connection_memory_bytes,
			  def.connection_memory_bytes);
	ck_assert_uint_eq(c.shutdown_grace_ms, def.shutdown_grace_ms);
	ck_assert_int_eq(c.log_level, def.log_level);
	ck_assert_int_eq(c.allow_insecure_remote, 0);
	ck_assert_int_eq(c.batch_scheduling, 1);
	ck_assert_int_eq(c.batch_scheduling, def.batch_scheduling);
	ck_assert_str_eq(c.admin_token_file, "");
	ck_assert_str_eq(c.tls_cert_file, "");
	ck_assert_mem_eq(&c.engine.defaults, &def.engine.defaults,
			 sizeof(def.engine.defaults));
	/* The example documents the defaults of the KV and fetch keys. */
	ck_assert_int_eq(c.engine.kv_backend, def.engine.kv_backend);
	ck_assert_str_eq(c.kv_redis_url, "");
	ck_assert_ptr_eq(c.engine.kv_redis_url, c.kv_redis_url);
	ck_assert_uint_eq(c.engine.kv_max_key_bytes, 512);
	ck_assert_uint_eq(c.engine.kv_max_value_bytes, 1u << 20);
	ck_assert_uint_eq(c.engine.kv_map_bytes, def.engine.kv_map_bytes);
	ck_assert_uint_eq(c.engine.fetches_per_call,
			  def.engine.fetches_per_call);
}
END_TEST

START_TEST(redis_backend_keys)
{
	struct glintd_config c;
	char err[512] = "", path[] = "/tmp/glint-cfg-kv-XXXXXX";
	int fd = mkstemp(path);
	static const char text[] =
		"{\"kv_backend\": \"redis\", \"kv_redis_url\": "
		"\"redis://127.0.0.1:6390/2\", \"kv_max_value_bytes\": 4096}";

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, sizeof(text) - 1),
			 (ssize_t)(sizeof(text) - 1));
	close(fd);
	glintd_config_default(&c);
	ck_assert_msg(glintd_config_load_file(&c, path, err, sizeof(err)) == 0,
		      "%s", err);
	unlink(path);
	ck_assert_int_eq(c.engine.kv_backend, KV_REDIS);
	ck_assert_str_eq(c.engine.kv_redis_url, "redis://127.0.0.1:6390/2");
	ck_assert_uint_eq(c.engine.kv_max_value_bytes, 4096);
}
END_TEST

START_TEST(file_values_and_flags_override)
{
	const char *path = write_file(
		"f.conf",
		"{\"_comment\": \"x\", \"workers\": 3, \"listen\": "
		"\"127.0.0.2:9000\", \"log_level\": \"warn\", "
		"\"max_invoke_bytes\": 1000, \"max_connections_per_ip\": 4, "
		"\"function_defaults\": {\"_comment_m\": 1, \"memory_mb\": 32, "
		"\"timeout_ms\": 250}}",
		0644);
	char *argv[] = {
		"glintd", "--config",	 (char *)path, "--workers",
		"5",	  "--state-dir", "/tmp/s",     "--admin-token-file",
		"/tmp/t", NULL};
	struct glintd_config c;
	char err[512] = "";

	glintd_config_default(&c);
	ck_assert_msg(glintd_config_parse_args(&c, 9, argv, err, sizeof(err)) ==
			      0,
		      "%s", err);
	ck_assert_uint_eq(c.engine.workers, 5); /* flag wins */
	ck_assert_str_eq(c.engine.state_dir, "/tmp/s");
	ck_assert_str_eq(c.admin_token_file, "/tmp/t");
	ck_assert_str_eq(c.listen_host, "127.0.0.2"); /* file */
	ck_assert_uint_eq(c.listen_port, 9000);
	ck_assert_int_eq(c.log_level, LOG_LEVEL_WARN);
	ck_assert_uint_eq(c.max_invoke_bytes, 1000);
	ck_assert_uint_eq(c.max_connections_per_ip, 4);
	ck_assert_uint_eq(c.engine.defaults.memory_mb, 32);
	ck_assert_uint_eq(c.engine.defaults.timeout_ms, 250);
	ck_assert_uint_eq(c.engine.defaults.max_concurrency, 8); /* default */
}
END_TEST

START_TEST(config_and_no_config_conflict)
{
	char *argv[] = {"glintd", "--config", "/x", "--no-config", NULL};
	struct glintd_config c;
	char err[256] = "";

	glintd_config_default(&c);
	ck_assert_int_eq(
		glintd_config_parse_args(&c, 4, argv, err, sizeof(err)),
		-EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "--no-config"));
}
END_TEST

static int secrets(struct glintd_config *c, const char *token_text, char *err,
		   size_t len)
{
	const char *p = write_file("admin.token", token_text, 0600);

	glintd_config_default(c);
	snprintf(c->admin_token_file, sizeof(c->admin_token_file), "%s", p);
	err[0] = '\0';
	return glintd_config_load_secrets(c, err, len);
}

START_TEST(token_files)
{
	struct glintd_config c;
	char err[512];

	ck_assert_int_eq(
		secrets(&c, "s3cret-token-0123456789\n", err, sizeof(err)), 0);
	ck_assert_str_eq(c.admin_token, "s3cret-token-0123456789");
	glintd_config_release(&c);
	ck_assert_int_eq(secrets(&c, "short\n", err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "admin_token_file"));
	ck_assert_ptr_nonnull(strstr(err, "16 to 255"));
	ck_assert_int_eq(
		secrets(&c, "two words in a token file\n", err, sizeof(err)),
		-EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "visible ASCII"));
	glintd_config_default(&c);
	snprintf(c.invoke_token_file, sizeof(c.invoke_token_file),
		 "%s/none.token", dir);
	ck_assert_int_eq(glintd_config_load_secrets(&c, err, sizeof(err)),
			 -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "invoke_token_file"));
	ck_assert_ptr_nonnull(strstr(err, "none.token"));
}
END_TEST

START_TEST(exposure)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
	struct glintd_config c;
	char err[512] = "";

	glintd_config_default(&c);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	ck_assert_int_eq(glintd_config_check_exposure(
				 &c, (struct sockaddr *)&sin, err, sizeof(err)),
			 0);
	sin6.sin6_addr = in6addr_loopback;
	ck_assert_int_eq(glintd_config_check_exposure(&c,
						      (struct sockaddr *)&sin6,
						      err, sizeof(err)),
			 0);
	inet_pton(AF_INET, "0.0.0.0", &sin.sin_addr);
	ck_assert_int_eq(glintd_config_check_exposure(
				 &c, (struct sockaddr *)&sin, err, sizeof(err)),
			 -EPERM);
	ck_assert_ptr_nonnull(strstr(err, "0.0.0.0"));
	ck_assert_ptr_nonnull(strstr(err, "admin_token_file"));
	ck_assert_ptr_nonnull(strstr(err, "allow_insecure_remote"));
	sin6.sin6_addr = in6addr_any;
	ck_assert_int_eq(glintd_config_check_exposure(&c,
						      (struct sockaddr *)&sin6,
						      err, sizeof(err)),
			 -EPERM);
	c.allow_insecure_remote = 1;
	ck_assert_int_eq(glintd_config_check_exposure(
				 &c, (struct sockaddr *)&sin, err, sizeof(err)),
			 0);
	c.allow_insecure_remote = 0;
	snprintf(c.admin_token, sizeof(c.admin_token), "0123456789abcdef");
	ck_assert_int_eq(glintd_config_check_exposure(
				 &c, (struct sockaddr *)&sin, err, sizeof(err)),
			 0);
}
END_TEST

/* Unset, fault details reach clients only on a loopback address; the
 * setting wins either way. */
START_TEST(fault_details_default_follows_the_address)
{
	struct sockaddr_in lo = {.sin_family = AF_INET};
	struct sockaddr_in any = {.sin_family = AF_INET};
	struct glintd_config c;
	char err[512] = "";

	inet_pton(AF_INET, "127.0.0.1", &lo.sin_addr);
	inet_pton(AF_INET, "10.1.2.3", &any.sin_addr);
	ck_assert_int_eq(load(&c, "{}", err, sizeof(err)), 0);
	glintd_config_resolve(&c, (struct sockaddr *)&lo);
	ck_assert_int_eq(c.fault_details_to_clients, 1);
	glintd_config_resolve(&c, (struct sockaddr *)&any);
	ck_assert_int_eq(c.fault_details_to_clients, 0);
	glintd_config_release(&c);
	ck_assert_int_eq(load(&c, "{\"fault_details_to_clients\": true}", err,
			      sizeof(err)),
			 0);
	glintd_config_resolve(&c, (struct sockaddr *)&any);
	ck_assert_int_eq(c.fault_details_to_clients, 1);
	glintd_config_release(&c);
	ck_assert_int_eq(load(&c, "{\"fault_details_to_clients\": false}", err,
			      sizeof(err)),
			 0);
	glintd_config_resolve(&c, (struct sockaddr *)&lo);
	ck_assert_int_eq(c.fault_details_to_clients, 0);
	glintd_config_release(&c);
	assert_bad("{\"fault_details_to_clients\": \"yes\"}",
		   "\"fault_details_to_clients\" must be true or false");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("glintd-config-file");
	TCase *tc = tcase_create("file");

	tcase_add_checked_fixture(tc, make_dir, remove_dir);
	tcase_add_test(tc, invalid_files);
	tcase_add_test(tc, malformed_json_line_column);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, example_file_loads);
	tcase_add_test(tc, redis_backend_keys);
	tcase_add_test(tc, file_values_and_flags_override);
	tcase_add_test(tc, config_and_no_config_conflict);
	tcase_add_test(tc, token_files);
	tcase_add_test(tc, exposure);
	tcase_add_test(tc, fault_details_default_follows_the_address);
	suite_add_tcase(s, tc);
	return check_run(s);
}
