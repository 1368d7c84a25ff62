/* test_engine_unit.c: engine parts that need no KVM: settings, names, SHA-256, state store. */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "engine.h"
#include "fnconfig.h"
#include "engine_internal.h"
#include "hcdecode.h"
#include "exit.h"
#include "log.h"
#include "sha256.h"
#include "store.h"
#include "text.h"
#include "worker.h"
#include "../check_run.h"

static void defaults(struct function_settings *s)
{
	struct engine_config cfg;

	engine_config_default(&cfg);
	*s = cfg.defaults;
}

START_TEST(settings_every_key_bounds)
{
	static const struct {
		const char *key;
		const char *min, *max, *below, *above;
	} rows[] = {
		{"memory_mb", "1", "1024", "0", "1025"},
		{"timeout_ms", "1", "600000", "0", "600001"},
		{"max_concurrency", "1", "1024", "0", "1025"},
		{"min_warm", "0", "1024", NULL, "1025"},
		{"queue_max", "0", "100000", NULL, "100001"},
		{"queue_timeout_ms", "1", "600000", "0", "600001"},
		{"idle_ms", "100", "86400000", "99", "86400001"},
	};
	struct function_settings s;
	char err[256], want[128];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		defaults(&s);
		ck_assert_int_eq(function_settings_set(&s, rows[i].key,
						       rows[i].min, err,
						       sizeof(err)),
				 0);
		ck_assert_int_eq(function_settings_set(&s, rows[i].key,
						       rows[i].max, err,
						       sizeof(err)),
				 0);
		snprintf(want, sizeof(want),
			 "%s must be an integer from %s to %s", rows[i].key,
			 rows[i].min, rows[i].max);
		err[0] = '\0';
		ck_assert_int_eq(function_settings_set(&s, rows[i].key,
						       rows[i].above, err,
						       sizeof(err)),
				 -EINVAL);
		ck_assert_str_eq(err, want);
		if (rows[i].below) {
			err[0] = '\0';
			ck_assert_int_eq(function_settings_set(
						 &s, rows[i].key, rows[i].below,
						 err, sizeof(err)),
					 -EINVAL);
			ck_assert_str_eq(err, want);
		}
	}
}
END_TEST

START_TEST(settings_values_applied)
{
	struct function_settings s;
	char err[256];

	defaults(&s);
	ck_assert_int_eq(
		function_settings_set(&s, "memory_mb", "64", err, sizeof(err)),
		0);
	ck_assert_int_eq(function_settings_set(&s, "timeout_ms", "0250", err,
					       sizeof(err)),
			 0);
	ck_assert_uint_eq(s.memory_mb, 64);
	ck_assert_uint_eq(s.timeout_ms, 250);
	ck_assert_uint_eq(s.max_concurrency, 8);
}
END_TEST

START_TEST(settings_garbage)
{
	static const char *const bad[] = {"",
					  "-1",
					  "+5",
					  " 5",
					  "5 ",
					  "5x",
					  "0x10",
					  "1e3",
					  "1.5",
					  "４",
					  "99999999999999999999",
					  "4294967296",
					  "4294967297"};
	struct function_settings s, before;
	char err[256];

	defaults(&s);
	before = s;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_int_eq(function_settings_set(&s, "memory_mb", bad[i],
						       err, sizeof(err)),
				 -EINVAL);
		ck_assert_str_eq(err,
				 "memory_mb must be an integer from 1 to 1024");
		ck_assert_mem_eq(&s, &before, sizeof(s));
	}
}
END_TEST

START_TEST(settings_unknown_key)
{
	struct function_settings s;
	char err[256];

	defaults(&s);
	ck_assert_int_eq(
		function_settings_set(&s, "memory", "1", err, sizeof(err)),
		-EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "unknown setting \"memory\""));
	ck_assert_int_eq(
		function_settings_set(&s, "a\nb\x01", "1", err, sizeof(err)),
		-EINVAL);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_ptr_nonnull(strstr(err, "\"a?b?\""));
}
END_TEST

START_TEST(settings_cross_check)
{
	struct function_settings s;
	char err[256];

	defaults(&s);
	ck_assert_int_eq(function_settings_check(&s, err, sizeof(err)), 0);
	s.max_concurrency = 2;
	s.min_warm = 3;
	ck_assert_int_eq(function_settings_check(&s, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err,
			 "min_warm (3) must not exceed max_concurrency (2)");
	defaults(&s);
	s.memory_mb = 0;
	ck_assert_int_eq(function_settings_check(&s, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "memory_mb must be an integer from 1 to 1024");
}
END_TEST

START_TEST(name_validation)
{
	char n63[64], n64[65];

	memset(n63, 'a', 63);
	n63[63] = '\0';
	memset(n64, 'a', 64);
	n64[64] = '\0';
	ck_assert(function_name_valid("echo", 4));
	ck_assert(function_name_valid("a-b_c9", 6));
	ck_assert(function_name_valid(n63, 63));
	ck_assert(!function_name_valid(n64, 64));
	ck_assert(!function_name_valid("", 0));
	ck_assert(!function_name_valid(NULL, 0));
	ck_assert(!function_name_valid("..", 2));
	ck_assert(!function_name_valid("../etc", 6));
	ck_assert(!function_name_valid("a/b", 3));
	ck_assert(!function_name_valid("Echo", 4));
	ck_assert(!function_name_valid("a b", 3));
	ck_assert(!function_name_valid("a.fn", 4));
	ck_assert(!function_name_valid("ab\0c", 4));
	ck_assert(!function_name_valid("\xc3\xa9", 2));
}
END_TEST

static void hex_of(const void *data, size_t len, char out[SHA256_HEX_BYTES])
{
	uint8_t d[SHA256_DIGEST_BYTES];

	sha256(data, len, d);
	sha256_hex(d, out);
}

START_TEST(sha256_vectors)
{
	/* FIPS 180-4 examples (NIST CSRC) and the classic million 'a's. */
	char hex[SHA256_HEX_BYTES];
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnop"
			  "nopq";
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_BYTES];
	char *million = malloc(1000000);

	hex_of("", 0, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934c"
			      "a495991b7852b855");
	hex_of("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9c"
			      "b410ff61f20015ad");
	hex_of(two, strlen(two), hex);
	ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167"
			      "f6ecedd419db06c1");
	ck_assert_ptr_nonnull(million);
	memset(million, 'a', 1000000);
	/* Odd chunk sizes exercise the partial-block path. */
	sha256_init(&c);
	for (size_t off = 0; off < 1000000;) {
		size_t n = (off % 97) + 1;

		if (n > 1000000 - off)
			n = 1000000 - off;
		sha256_update(&c, million + off, n);
		off += n;
	}
	sha256_final(&c, d);
	sha256_hex(d, hex);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e"
			      "046d39ccc7112cd0");
	free(million);
}
END_TEST

/* ---- state store ------------------------------------------------------- */

static char dir[256];
static int dirfd_ = -1;

static void store_setup(void)
{
	char err[256];

	snprintf(dir, sizeof(dir), "/tmp/glint-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	strcat(dir, "/state/sub"); /* missing parents are created */
	ck_assert_int_eq(store_open(dir, &dirfd_, err, sizeof(err)), 0);
}

static void store_teardown(void)
{
	char cmd[512];

	store_close(dirfd_);
	dirfd_ = -1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%.*s'", (int)(strlen(dir) - 10),
		 dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void make_record(struct store_record *r, const char *name, uint8_t *img,
			size_t len, uint32_t version)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->version = version;
	defaults(&r->settings);
	r->settings.memory_mb = 32;
	r->deployed_at_ms = 1700000000123;
	for (size_t i = 0; i < len; i++)
		img[i] = (uint8_t)(i * 7 + version);
	sha256(img, len, r->sha256);
	r->image = img;
	r->image_len = len;
}

START_TEST(store_round_trip)
{
	uint8_t img[5000];
	struct store_record w, r;
	char err[256];

	make_record(&w, "echo", img, sizeof(img), 3);
	ck_assert_int_eq(store_write(dirfd_, &w, err, sizeof(err)), 0);
	ck_assert_int_eq(
		store_read(dirfd_, "echo", 1 << 20, &r, err, sizeof(err)), 0);
	ck_assert_str_eq(r.name, "echo");
	ck_assert_uint_eq(r.version, 3);
	ck_assert_uint_eq(r.settings.memory_mb, 32);
	ck_assert_int_eq(r.deployed_at_ms, 1700000000123);
	ck_assert_uint_eq(r.image_len, sizeof(img));
	ck_assert_mem_eq(r.image, img, sizeof(img));
	ck_assert_mem_eq(r.sha256, w.sha256, sizeof(w.sha256));
	store_record_release(&r);

	/* Replacing keeps exactly one file with the new contents. */
	make_record(&w, "echo", img, 100, 4);
	ck_assert_int_eq(store_write(dirfd_, &w, err, sizeof(err)), 0);
	ck_assert_int_eq(
		store_read(dirfd_, "echo", 1 << 20, &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.version, 4);
	ck_assert_uint_eq(r.image_len, 100);
	ck_assert_mem_eq(r.image, img, 100);
	store_record_release(&r);

	ck_assert_int_eq(store_read(dirfd_, "echo", 99, &r, err, sizeof(err)),
			 -EFBIG);
	ck_assert_int_eq(store_remove(dirfd_, "echo"), 0);
	ck_assert_int_eq(
		store_read(dirfd_, "echo", 1 << 20, &r, err, sizeof(err)),
		-ENOENT);
	ck_assert_int_eq(store_remove(dirfd_, "echo"), -ENOENT);
}
END_TEST

static void write_raw(const char *fname, const void *data, size_t len)
{
	int fd = openat(dirfd_, fname, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static size_t read_raw(const char *fname, uint8_t *buf, size_t cap)
{
	int fd = openat(dirfd_, fname, O_RDONLY);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, cap);
	close(fd);
	ck_assert_int_gt(n, 0);
	return (size_t)n;
}

START_TEST(store_corrupt_skipped_and_temp_cleaned)
{
	uint8_t img[300], file[2048];
	struct store_record w, r;
	char err[256], **names;
	size_t n, len;

	make_record(&w, "good", img, sizeof(img), 1);
	ck_assert_int_eq(store_write(dirfd_, &w, err, sizeof(err)), 0);
	len = read_raw("good.fn", file, sizeof(file));

	write_raw("truncated.fn", file, len - 40);
	file[len / 2] ^= 1; /* one flipped bit */
	write_raw("flipped.fn", file, len);
	write_raw("garbage.fn", "hello", 5);
	write_raw(".tmp.good.1.1", file, 10);
	write_raw("Bad.fn", file, len);
	write_raw("notes.txt", "x", 1);

	ck_assert_int_eq(store_scan(dirfd_, &names, &n), 0);
	/* good, truncated, flipped, garbage: valid names only, any order */
	ck_assert_uint_eq(n, 4);
	for (size_t i = 0; i < n; i++) {
		int ret = store_read(dirfd_, names[i], 1 << 20, &r, err,
				     sizeof(err));

		if (strcmp(names[i], "good") == 0) {
			ck_assert_int_eq(ret, 0);
			ck_assert_mem_eq(r.image, img, sizeof(img));
			store_record_release(&r);
		} else {
			ck_assert_int_eq(ret, -EINVAL);
			ck_assert_str_ne(err, "");
		}
	}
	store_names_free(names, n);
	ck_assert_int_eq(faccessat(dirfd_, ".tmp.good.1.1", F_OK, 0), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(store_second_open_refused)
{
	char err[256];
	int fd2;

	ck_assert_int_eq(store_open(dir, &fd2, err, sizeof(err)), -EWOULDBLOCK);
	ck_assert_ptr_nonnull(strstr(err, "in use by another glintd"));
}
END_TEST

/* ---- workers ------------------------------------------------------------ */

#define NJOBS 200

struct job {
	struct worker_item item;
	struct workers *w;
	pthread_t ran_on;
	int delivered;
};

static int delivered_total, closed;

static void job_back(struct worker_item *it)
{
	struct job *j = (struct job *)it;

	j->delivered++;
	delivered_total++;
}

static void job_run(struct worker_item *it)
{
	struct job *j = (struct job *)it;

	j->ran_on = pthread_self();
	j->item.fn = job_back;
	workers_post(j->w, &j->item);
}

static void on_closed(void *opaque)
{
	*(int *)opaque = 1;
}

/* Submits n jobs (every urgent_every-th one urgent) and runs the loop
 * until each is back exactly once. */
static void run_jobs(struct workers *w, struct job *jobs, int n,
		     int urgent_every, uv_loop_t *loop)
{
	delivered_total = 0;
	for (int i = 0; i < n; i++) {
		jobs[i] = (struct job){.w = w};
		jobs[i].item.fn = job_run;
		workers_submit(w, &jobs[i].item, i % urgent_every == 0);
	}
	while (delivered_total < n)
		uv_run(loop, UV_RUN_ONCE);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(jobs[i].delivered, 1);
}

/* Stops and closes w, checks the close callback ran and the loop is
 * left with nothing open. */
static void workers_down(struct workers *w, uv_loop_t *loop)
{
	closed = 0;
	workers_stop(w);
	workers_close(w, on_closed, &closed);
	uv_run(loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(closed, 1);
	workers_destroy(w);
	ck_assert_int_eq(uv_loop_close(loop), 0);
}

START_TEST(workers_run_and_deliver)
{
	static struct job jobs[NJOBS];
	struct workers *w;
	uv_loop_t loop;

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	ck_assert_int_eq(workers_create(&loop, 3, (unsigned)_i * 20, &w), 0);
	ck_assert_uint_eq(workers_count(w), 3);
	run_jobs(w, jobs, NJOBS, 3, &loop);
	for (int i = 0; i < NJOBS; i++)
		ck_assert(!pthread_equal(jobs[i].ran_on, pthread_self()));
	workers_down(w, &loop);
}
END_TEST

/* While the loop polls, posts skip the async wake-up; whatever is posted
 * around the end of polling (budget over or stopped) must still arrive. */
START_TEST(workers_poll_delivers)
{
	static struct job jobs[NJOBS];
	struct workers *w;
	uv_loop_t loop;

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	ck_assert_int_eq(workers_create(&loop, 2, 0, &w), 0);
	workers_poll_start(w, 10000);
	run_jobs(w, jobs, NJOBS, 1, &loop);
	workers_poll_stop(w);
	run_jobs(w, jobs, NJOBS, 1, &loop); /* polling ends during these */
	for (int round = 0; round < 2000; round++) {
		workers_poll_start(w, (unsigned)round % 5); /* 0 to 4 us */
		run_jobs(w, jobs, 4, 1, &loop);
	}
	/* Nothing is polling now: the loop sleeps until an async arrives. */
	run_jobs(w, jobs, NJOBS, 1, &loop);
	workers_down(w, &loop);
}
END_TEST

static struct job chained;

/* Delivered on the loop: posts another item from inside the drain, after
 * the mailbox was emptied, while the loop is still polling. */
static void post_chained(struct worker_item *it)
{
	struct job *j = (struct job *)it;

	j->delivered++;
	chained = (struct job){.w = j->w};
	chained.item.fn = job_back;
	workers_post(j->w, &chained.item);
	workers_poll_stop(j->w);
}

START_TEST(workers_poll_end_keeps_late_posts)
{
	struct workers *w;
	struct job first;
	uv_loop_t loop;

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	ck_assert_int_eq(workers_create(&loop, 1, 0, &w), 0);
	delivered_total = 0;
	workers_poll_start(w, 10000);
	first = (struct job){.w = w};
	first.item.fn = post_chained;
	workers_post(w, &first.item);
	/* Hangs (and the test times out) if the late post is stranded. */
	while (chained.delivered == 0)
		uv_run(&loop, UV_RUN_ONCE);
	ck_assert_int_eq(first.delivered, 1);
	ck_assert_int_eq(chained.delivered, 1);
	workers_down(w, &loop);
}
END_TEST

/* Two jobs submitted while a worker spins: the spinner takes one, and a
 * sleeper must be woken for the other even though the first never ends
 * on its own (a worker running chained calls). The first waits for the
 * second, so a second job left for the spinner hangs the round. */
struct pair {
	struct worker_item first, second;
	int second_ran; /* atomic */
	int first_saw_second;
};

static void pair_second(struct worker_item *it)
{
	struct pair *p = container_of(it, struct pair, second);

	__atomic_store_n(&p->second_ran, 1, __ATOMIC_RELEASE);
}

static void pair_first(struct worker_item *it)
{
	struct pair *p = container_of(it, struct pair, first);
	struct timespec ts = {0, 100000};

	/* At most 10 s, so a hang fails the round instead of the run. */
	for (int i = 0; i < 100000; i++) {
		if (__atomic_load_n(&p->second_ran, __ATOMIC_ACQUIRE)) {
			p->first_saw_second = 1;
			break;
		}
		nanosleep(&ts, NULL);
	}
	__atomic_store_n(&p->second_ran, 2, __ATOMIC_RELEASE);
}

START_TEST(workers_spinner_takes_one_job_only)
{
	struct workers *w;
	uv_loop_t loop;

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	/* A spinner for up to a second each time a worker runs dry. */
	ck_assert_int_eq(workers_create(&loop, 3, 1000000, &w), 0);
	for (int round = 0; round < 200; round++) {
		struct pair p = {.first.fn = pair_first,
				 .second.fn = pair_second};

		workers_submit(w, &p.first, 1);
		workers_submit(w, &p.second, 1);
		while (__atomic_load_n(&p.second_ran, __ATOMIC_ACQUIRE) != 2)
			sched_yield();
		ck_assert_msg(p.first_saw_second,
			      "round %d: the second job waited for the first",
			      round);
	}
	workers_down(w, &loop);
}
END_TEST

/* One job at a time, each submitted once every worker sleeps: the worker
 * that fell asleep last is woken, so one thread runs them all and the
 * other two stay asleep. */
START_TEST(workers_wake_the_last_sleeper)
{
	static struct job jobs[50];
	struct workers *w;
	uv_loop_t loop;

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	ck_assert_int_eq(workers_create(&loop, 3, 0, &w), 0);
	for (int i = 0; i < 50; i++) {
		while (workers_sleeping(w) != 3)
			sched_yield();
		run_jobs(w, &jobs[i], 1, 1, &loop);
		ck_assert_msg(pthread_equal(jobs[i].ran_on, jobs[0].ran_on),
			      "job %d ran on another thread than job 0", i);
	}
	workers_down(w, &loop);
}
END_TEST

/* store_put/store_get: round trip, 0600, torn or edited files refused. */
START_TEST(store_blob_round_trip_and_torn)
{
	static const char data[] = "name\0001\000value\000";
	char path[600];
	uint8_t *got = NULL;
	size_t len = 0;
	struct stat st;
	char err[256];
	int fd;

	ck_assert_int_eq(store_put(dirfd_, "f.secrets", data, sizeof(data) - 1,
				   err, sizeof(err)),
			 0);
	ck_assert_int_eq(store_get(dirfd_, "f.secrets", 1024, &got, &len), 0);
	ck_assert_uint_eq(len, sizeof(data) - 1);
	ck_assert_mem_eq(got, data, len);
	free(got);
	snprintf(path, sizeof(path), "%s/f.secrets", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(store_get(dirfd_, "f.secrets", 4, &got, &len), -EFBIG);
	ck_assert_int_eq(store_get(dirfd_, "none", 1024, &got, &len), -ENOENT);
	/* One byte changed, then cut short: both refused. */
	fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "X", 1, 20), 1);
	ck_assert_int_eq(store_get(dirfd_, "f.secrets", 1024, &got, &len),
			 -EINVAL);
	ck_assert_int_eq(ftruncate(fd, 30), 0);
	close(fd);
	ck_assert_int_eq(store_get(dirfd_, "f.secrets", 1024, &got, &len),
			 -EINVAL);
	ck_assert_int_eq(store_unlink(dirfd_, "f.secrets"), 0);
	ck_assert_int_eq(store_unlink(dirfd_, "f.secrets"), 0);
}
END_TEST

START_TEST(fnconfig_names_env_and_blocks)
{
	json_t *env = json_pack("{s:s, s:s}", "B", "2", "A_1", "x=y");
	char err[256], *block;
	size_t len;

	ck_assert(fnconfig_name_valid("_a9", 3));
	ck_assert(!fnconfig_name_valid("9a", 2));
	ck_assert(!fnconfig_name_valid("a-b", 3));
	ck_assert(!fnconfig_name_valid("", 0));
	ck_assert_int_eq(fnconfig_env_check(env, err, sizeof(err)), 0);
	ck_assert_int_eq(fnconfig_env_block(env, &block, &len), 0);
	/* In the object's order, each NAME=VALUE\0, then one more \0. */
	ck_assert_uint_eq(len, sizeof("B=2\0A_1=x=y\0"));
	ck_assert_mem_eq(block, "B=2\0A_1=x=y\0", len);
	free(block);
	json_object_set_new(env, "C", json_integer(1));
	ck_assert_int_eq(fnconfig_env_check(env, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "variable C"));
	json_decref(env);
	ck_assert_int_eq(fnconfig_env_block(NULL, &block, &len), 0);
	ck_assert_ptr_null(block);
	ck_assert_uint_eq(len, 0);
}
END_TEST

START_TEST(fnconfig_secrets_put_encode_decode)
{
	struct fn_secrets s = {0}, d = {0};
	char err[256], *block;
	uint8_t *file;
	size_t len, flen;

	ck_assert_int_eq(
		fnconfig_secrets_put(&s, "Z", "zz", 2, 5, err, sizeof(err)), 0);
	ck_assert_int_eq(
		fnconfig_secrets_put(&s, "A", "a", 1, 7, err, sizeof(err)), 0);
	ck_assert_int_eq(
		fnconfig_secrets_put(&s, "Z", "new", 3, 9, err, sizeof(err)),
		0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_str_eq(s.v[0].name, "A"); /* sorted */
	ck_assert_int_eq(fnconfig_secrets_block(&s, &block, &len), 0);
	ck_assert_mem_eq(block, "A=a\0Z=new\0", len);
	ck_assert_uint_eq(len, sizeof("A=a\0Z=new\0"));
	fnconfig_block_free(block, len);
	ck_assert_int_eq(fnconfig_secrets_encode(&s, &file, &flen), 0);
	ck_assert_int_eq(fnconfig_secrets_decode(file, flen, &d), 0);
	ck_assert_uint_eq(d.n, 2);
	ck_assert_str_eq(d.v[1].value, "new");
	ck_assert_int_eq(d.v[1].updated_ms, 9);
	/* A torn record is refused as a whole. */
	fnconfig_secrets_free(&d);
	ck_assert_int_eq(fnconfig_secrets_decode(file, flen - 1, &d), -EINVAL);
	ck_assert_uint_eq(d.n, 0);
	free(file);
	ck_assert_int_eq(fnconfig_secrets_del(&s, "A"), 0);
	ck_assert_int_eq(fnconfig_secrets_del(&s, "A"), -ENOENT);
	ck_assert_int_eq(
		fnconfig_secret_check("OK", "qq\0qq", 5, err, sizeof(err)),
		-EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "secret OK"));
	ck_assert_ptr_null(strstr(err, "qq"));
	for (int i = 0; i < FNCONFIG_SECRET_COUNT_MAX; i++) {
		char name[16];

		snprintf(name, sizeof(name), "S%d", i);
		fnconfig_secrets_put(&s, name, "v", 1, 1, err, sizeof(err));
	}
	ck_assert_int_eq(fnconfig_secrets_put(&s, "ONE_MORE", "v", 1, 1, err,
					      sizeof(err)),
			 -E2BIG);
	fnconfig_secrets_free(&s);
}
END_TEST

/* ---- outcomes ---------------------------------------------------------- */

/* The codes clients see in error bodies, metrics and the CLI: stable. */
START_TEST(outcome_codes_stable)
{
	static const struct {
		enum engine_outcome o;
		const char *code;
	} rows[] = {
		{ENGINE_OK, "ok"},
		{ENGINE_FUNCTION_ERROR, "function_error"},
		{ENGINE_GUEST_CRASHED, "guest_crashed"},
		{ENGINE_GUEST_ABORTED, "guest_aborted"},
		{ENGINE_DEADLINE, "deadline_exceeded"},
		{ENGINE_NOT_FOUND, "function_not_found"},
		{ENGINE_INPUT_TOO_LARGE, "payload_too_large"},
		{ENGINE_QUEUE_FULL, "queue_full"},
		{ENGINE_QUEUE_TIMEOUT, "queue_timeout"},
		{ENGINE_UNAVAILABLE, "unavailable"},
		{ENGINE_INTERNAL, "internal_error"},
		{ENGINE_GUEST_PROTOCOL, "guest_protocol_error"},
		{ENGINE_OUTPUT_TOO_LARGE, "output_too_large"},
		{ENGINE_INVALID_IMAGE, "invalid_image"},
		{ENGINE_INIT_FAILED, "init_failed"},
		{ENGINE_INVALID_SETTING, "invalid_setting"},
		{ENGINE_INVALID_NAME, "invalid_function_name"},
		{ENGINE_STORAGE_FULL, "insufficient_storage"},
		{ENGINE_BUDGET_EXCEEDED, "budget_exceeded"},
		{ENGINE_DEPLOY_QUEUE_FULL, "deploy_queue_full"},
		{ENGINE_INVALID_ENV, "invalid_env"},
		{ENGINE_INVALID_SECRET, "invalid_secret"},
		{ENGINE_SECRET_NOT_FOUND, "secret_not_found"},
		{ENGINE_VERSION_NOT_FOUND, "version_not_found"},
		{ENGINE_NO_PREVIOUS_VERSION, "no_previous_version"},
		{ENGINE_KEY_NOT_FOUND, "key_not_found"},
		{ENGINE_KEY_TOO_LONG, "key_too_long"},
		{ENGINE_VALUE_TOO_LARGE, "value_too_large"},
		{ENGINE_INVALID_KEY, "invalid_key"},
		{ENGINE_INVALID_KV_QUERY, "invalid_kv_query"},
		{ENGINE_KV_UNAVAILABLE, "kv_unavailable"},
		{ENGINE_KV_FULL, "kv_full"},
		{ENGINE_INVALID_MODULE, "invalid_module"},
		{ENGINE_MODULE_TOO_LARGE, "module_too_large"},
		{ENGINE_UNSUPPORTED_IMPORTS, "unsupported_imports"},
		{ENGINE_NOT_A_COMMAND, "not_a_command"},
		{ENGINE_COMPILE_LIMIT, "compile_limit"},
		{ENGINE_COMPILE_FAILED, "compile_failed"},
		{ENGINE_WASM_UNAVAILABLE, "wasm_unavailable"},
	};
	enum engine_outcome o;

	ck_assert_uint_eq(sizeof(rows) / sizeof(rows[0]), ENGINE_OUTCOME_COUNT);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		ck_assert_str_eq(engine_outcome_code(rows[i].o), rows[i].code);
		ck_assert_int_eq(engine_outcome_parse(rows[i].code, &o), 0);
		ck_assert_int_eq(o, rows[i].o);
	}
	ck_assert_str_eq(engine_outcome_code(ENGINE_OUTCOME_COUNT),
			 "internal_error");
	ck_assert_int_eq(engine_outcome_parse("deploy_failed", &o), -EINVAL);
	ck_assert_int_eq(engine_outcome_parse("", &o), -EINVAL);
	ck_assert_int_eq(engine_outcome_parse(NULL, &o), -EINVAL);
}
END_TEST

static enum engine_outcome outcome_of_kind(enum vm_error_kind kind)
{
	struct vm_error err = {.kind = kind};

	return invoke_error_outcome(-EIO, &err, 0);
}

/* The guest's faults are the guest's; KVM's and the host's are ours. */
START_TEST(call_error_outcomes)
{
	struct exit_state x = {0};
	struct vm_error err;

	ck_assert_int_eq(outcome_of_kind(VM_ERR_EXCEPTION),
			 ENGINE_GUEST_CRASHED);
	ck_assert_int_eq(outcome_of_kind(VM_ERR_TRIPLE_FAULT),
			 ENGINE_GUEST_CRASHED);
	ck_assert_int_eq(outcome_of_kind(VM_ERR_PROTOCOL),
			 ENGINE_GUEST_CRASHED);
	ck_assert_int_eq(outcome_of_kind(VM_ERR_OUTPUT_TOO_LARGE),
			 ENGINE_OUTPUT_TOO_LARGE);
	ck_assert_int_eq(outcome_of_kind(VM_ERR_RESPONSE),
			 ENGINE_GUEST_PROTOCOL);
	ck_assert_int_eq(outcome_of_kind(VM_ERR_ABORT), ENGINE_GUEST_ABORTED);
	ck_assert_int_eq(outcome_of_kind(VM_ERR_TIMEOUT), ENGINE_DEADLINE);
	ck_assert_int_eq(outcome_of_kind(VM_ERR_HOST), ENGINE_INTERNAL);
	ck_assert_int_eq(outcome_of_kind(VM_ERR_NONE), ENGINE_INTERNAL);
	ck_assert_int_eq(outcome_of_kind(VM_ERR_IMAGE), ENGINE_INTERNAL);
	err.kind = VM_ERR_TIMEOUT;
	ck_assert_int_eq(invoke_error_outcome(-EIO, &err, 1),
			 ENGINE_UNAVAILABLE);
	err.kind = VM_ERR_NONE;
	ck_assert_int_eq(invoke_error_outcome(-E2BIG, &err, 0),
			 ENGINE_INPUT_TOO_LARGE);
	ck_assert_int_eq(invoke_error_outcome(-EFAULT, &err, 0),
			 ENGINE_INTERNAL);

	/* KVM failing to enter or run the guest, as vm_call decodes it. */
	x.reason = KVM_EXIT_FAIL_ENTRY;
	ck_assert_int_eq(
		exit_decode(&x, EXIT_PHASE_CALL, NULL, NULL, NULL, &err),
		EXIT_FAILED);
	ck_assert_str_eq(
		engine_outcome_code(invoke_error_outcome(-EIO, &err, 0)),
		"internal_error");
	x.reason = KVM_EXIT_INTERNAL_ERROR;
	ck_assert_int_eq(
		exit_decode(&x, EXIT_PHASE_CALL, NULL, NULL, NULL, &err),
		EXIT_FAILED);
	ck_assert_str_eq(
		engine_outcome_code(invoke_error_outcome(-EIO, &err, 0)),
		"internal_error");
	/* A guest's triple fault stays the guest's. */
	x.reason = KVM_EXIT_SHUTDOWN;
	ck_assert_int_eq(
		exit_decode(&x, EXIT_PHASE_CALL, NULL, NULL, NULL, &err),
		EXIT_FAILED);
	ck_assert_str_eq(
		engine_outcome_code(invoke_error_outcome(-EIO, &err, 0)),
		"guest_crashed");
}
END_TEST

/* Retry-After never shrinks as the queue grows and stays within 1..60. */
/* Builds a KV record and its bytes in buf; returns its length. */
static size_t kv_rec(uint8_t *buf, uint32_t kl, uint32_t vl, uint32_t el,
		     uint32_t flags, uint32_t claim_extra)
{
	struct glint_hostcall_kv k = {kl + claim_extra, vl, el, flags, 7};

	memcpy(buf, &k, sizeof(k));
	memset(buf + sizeof(k), 'x', kl + vl + el);
	return sizeof(k) + kl + vl + el;
}

START_TEST(hostcall_decode_kv)
{
	static const struct {
		enum glint_hostcall_op op;
		uint32_t kl, vl, el, flags, lie;
		const char *err; /* NULL: decodes */
	} rows[] = {
		{GLINT_HOSTCALL_KV_GET, 3, 0, 0, 0, 0, NULL},
		{GLINT_HOSTCALL_KV_SET, 3, 5, 0, 0, 0, NULL},
		{GLINT_HOSTCALL_KV_LIST, 0, 0, 4, 0, 0, NULL},
		{GLINT_HOSTCALL_KV_CAS, 1, 2, 3, 0, 0, NULL},
		{GLINT_HOSTCALL_KV_CAS, 1, 2, 0, GLINT_KV_CAS_ABSENT, 0, NULL},
		{GLINT_HOSTCALL_KV_GET, 3, 0, 0, 0, 1,
		 "kv_get: the record announces 4 bytes after it, the request "
		 "has 3"},
		{GLINT_HOSTCALL_KV_GET, 3, 2, 0, 0, 0,
		 "kv_get: value_len must be 0"},
		{GLINT_HOSTCALL_KV_DELETE, 3, 0, 1, 0, 0,
		 "kv_delete: extra_len must be 0"},
		{GLINT_HOSTCALL_KV_INCR, 3, 0, 0, 1, 0,
		 "kv_incr: flags must be 0"},
		{GLINT_HOSTCALL_KV_CAS, 1, 1, 1, GLINT_KV_CAS_ABSENT, 0,
		 "GLINT_KV_CAS_ABSENT with an expected value"},
		{GLINT_HOSTCALL_KV_CAS, 1, 1, 0, 2, 0, "kv_cas: unknown flags"},
	};
	uint8_t buf[128];
	struct hc_kv_req k;
	char msg[256];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t len = kv_rec(buf, rows[i].kl, rows[i].vl, rows[i].el,
				    rows[i].flags, rows[i].lie);
		int rc = hc_decode_kv(rows[i].op, buf, len, &k, msg,
				      sizeof(msg));

		if (rows[i].err == NULL) {
			ck_assert_msg(rc == 0, "row %zu: %s", i, msg);
			ck_assert_uint_eq(k.key_len, rows[i].kl);
			ck_assert_uint_eq(k.value_len, rows[i].vl);
			ck_assert_uint_eq(k.extra_len, rows[i].el);
			ck_assert_int_eq(k.arg, 7);
			ck_assert_ptr_eq(k.extra + k.extra_len, buf + len);
		} else {
			ck_assert_int_eq(rc, -EPROTO);
			ck_assert_msg(strstr(msg, rows[i].err), "row %zu: %s",
				      i, msg);
		}
	}
	ck_assert_int_eq(hc_decode_kv(GLINT_HOSTCALL_KV_GET, buf, 23, &k, msg,
				      sizeof(msg)),
			 -EPROTO);
	ck_assert_str_eq(msg, "host call kv_get: request of 23 bytes, shorter "
			      "than its 24-byte record");
	ck_assert_int_eq(hc_decode_kv(GLINT_HOSTCALL_FETCH, buf, 24, &k, msg,
				      sizeof(msg)),
			 -EPROTO);
}
END_TEST

static size_t fetch_rec(uint8_t *buf, const char *url, const void *hdrs,
			size_t hl, const char *body)
{
	struct glint_hostcall_fetch f = {4,
					 (uint32_t)strlen(url),
					 (uint32_t)hl,
					 (uint32_t)strlen(body),
					 100,
					 2};
	size_t o = sizeof(f);

	memcpy(buf, &f, sizeof(f));
	memcpy(buf + o, "POST", 4);
	o += 4;
	memcpy(buf + o, url, strlen(url));
	o += strlen(url);
	memcpy(buf + o, hdrs, hl);
	o += hl;
	memcpy(buf + o, body, strlen(body));
	return o + strlen(body);
}

START_TEST(hostcall_decode_fetch)
{
	static const char hdrs[] = "A\0b\0Content-Type\0text/plain\0";
	uint8_t buf[256];
	struct hc_fetch_req f;
	const char *name, *value;
	size_t len, off = 0;
	char msg[256];

	len = fetch_rec(buf, "http://h/", hdrs, sizeof(hdrs) - 1, "body");
	ck_assert_int_eq(hc_decode_fetch(buf, len, &f, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(f.nheaders, 2);
	ck_assert_mem_eq(f.method, "POST", 4);
	ck_assert_mem_eq(f.url, "http://h/", f.url_len);
	ck_assert_mem_eq(f.body, "body", f.body_len);
	ck_assert_uint_eq(f.timeout_ms, 100);
	ck_assert_uint_eq(f.max_redirects, 2);
	ck_assert_int_eq(hc_fetch_header_next(&f, &off, &name, &value), 1);
	ck_assert_str_eq(name, "A");
	ck_assert_str_eq(value, "b");
	ck_assert_int_eq(hc_fetch_header_next(&f, &off, &name, &value), 1);
	ck_assert_str_eq(name, "Content-Type");
	ck_assert_str_eq(value, "text/plain");
	ck_assert_int_eq(hc_fetch_header_next(&f, &off, &name, &value), 0);

	len = fetch_rec(buf, "http://h/", "A\0b\0c\0", 6, "");
	ck_assert_int_eq(hc_decode_fetch(buf, len, &f, msg, sizeof(msg)),
			 -EPROTO);
	ck_assert_ptr_nonnull(strstr(msg, "a name without a value"));
	len = fetch_rec(buf, "http://h/", "A\0b", 3, "");
	ck_assert_int_eq(hc_decode_fetch(buf, len, &f, msg, sizeof(msg)),
			 -EPROTO);
	ck_assert_ptr_nonnull(strstr(msg, "does not end with a NUL"));
	ck_assert_int_eq(hc_decode_fetch(buf, len - 1, &f, msg, sizeof(msg)),
			 -EPROTO);
	ck_assert_ptr_nonnull(strstr(msg, "announces"));
}
END_TEST

START_TEST(retry_after_monotonic)
{
	static const uint64_t avg_ns[] = {0,	     1000,	 30000000,
					  999999999, 1000000000, 7000000000ull};
	static const uint32_t conc[] = {1, 3, 1024};

	for (size_t a = 0; a < sizeof(avg_ns) / sizeof(avg_ns[0]); a++)
		for (size_t c = 0; c < sizeof(conc) / sizeof(conc[0]); c++) {
			unsigned prev = 1;

			for (unsigned n = 0; n < 200000; n += 1 + n / 64) {
				unsigned r = invoke_retry_after(n, avg_ns[a],
								conc[c]);

				ck_assert_uint_ge(r, prev);
				ck_assert_uint_le(r, 60);
				prev = r;
			}
		}
	/* Two calls of 1 s ahead of it on one VM: 2 s, plus one. */
	ck_assert_uint_eq(invoke_retry_after(1, 1000000000, 1), 3);
	ck_assert_uint_eq(invoke_retry_after(0, 0, 1), 1);
	ck_assert_uint_eq(invoke_retry_after(59, 1000000000, 1), 60);
	ck_assert_uint_eq(invoke_retry_after(60, 1000000000, 1), 60);
	ck_assert_uint_eq(invoke_retry_after(100000, 1000000000, 1), 60);
}
END_TEST

/* The one text policy: printable ASCII passes, anything else is '?'. */
START_TEST(text_sanitize_policy)
{
	static const char in[] = "ok \x1b[2J\r\nX-Evil: 1\x00\x7f\xc3\xa9~";
	char out[64], small[4], same[] = "a\tb";

	ck_assert_uint_eq(text_sanitize(out, sizeof(out), in, sizeof(in) - 1),
			  sizeof(in) - 1);
	ck_assert_str_eq(out, "ok ?[2J??X-Evil: 1????~");
	ck_assert_uint_eq(text_sanitize(small, sizeof(small), "abcdef", 6), 3);
	ck_assert_str_eq(small, "abc");
	ck_assert_uint_eq(text_sanitize(same, sizeof(same), same, 3), 3);
	ck_assert_str_eq(same, "a?b");
	ck_assert_uint_eq(text_sanitize(out, 0, "x", 1), 0);
	ck_assert(!text_is_safe('\n') && !text_is_safe(0x7f) &&
		  !text_is_safe(0x80) && text_is_safe(' ') &&
		  text_is_safe('~'));
}
END_TEST

/* What the daemon's log shows for one guest line at syslog level. */
static void guest_line_logged(int level, char *out, size_t cap)
{
	struct engine e = {0};
	struct fn fn = {.e = &e};
	struct guest_log_src src = {.fn = &fn, .version = 1};
	char path[] = "/tmp/glint-guestlog-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(saved, 0);
	unlink(path);
	engine_config_default(&e.cfg);
	snprintf(fn.name, sizeof(fn.name), "lf");
	ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
	engine_guest_log(&src, 1, level, "hi\x1b", 3);
	engine_guest_log_flush(); /* a call's lines go out in batches */
	ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
	close(saved);
	n = pread(fd, out, cap - 1, 0);
	close(fd);
	out[n > 0 ? n : 0] = '\0';
}

/* A guest's log level reaches the daemon's log: its debug lines stay out
 * of an info log, its errors are errors. */
START_TEST(guest_log_keeps_level)
{
	char out[512];

	log_set_level(LOG_LEVEL_INFO);
	guest_line_logged(7, out, sizeof(out));
	ck_assert_str_eq(out, "");
	guest_line_logged(3, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, " error: "));
	ck_assert_ptr_nonnull(strstr(out, "function=lf guest: hi\\x1b\n"));
	guest_line_logged(4, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, " warn: "));
	guest_line_logged(6, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, " info: "));
	log_set_level(LOG_LEVEL_DEBUG);
	guest_line_logged(7, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, " debug: "));
	log_set_level(LOG_LEVEL_INFO);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("engine_unit");
	TCase *t = tcase_create("settings");

	tcase_add_test(t, settings_every_key_bounds);
	tcase_add_test(t, settings_values_applied);
	tcase_add_test(t, settings_garbage);
	tcase_add_test(t, settings_unknown_key);
	tcase_add_test(t, settings_cross_check);
	tcase_add_test(t, name_validation);
	tcase_add_test(t, sha256_vectors);
	tcase_add_test(t, fnconfig_names_env_and_blocks);
	tcase_add_test(t, fnconfig_secrets_put_encode_decode);
	suite_add_tcase(s, t);
	t = tcase_create("store");
	tcase_add_checked_fixture(t, store_setup, store_teardown);
	tcase_add_test(t, store_round_trip);
	tcase_add_test(t, store_corrupt_skipped_and_temp_cleaned);
	tcase_add_test(t, store_second_open_refused);
	tcase_add_test(t, store_blob_round_trip_and_torn);
	suite_add_tcase(s, t);
	t = tcase_create("workers");
	tcase_add_loop_test(t, workers_run_and_deliver, 0,
			    2); /* spin 0, 20 us */
	tcase_add_test(t, workers_poll_delivers);
	tcase_add_test(t, workers_poll_end_keeps_late_posts);
	tcase_add_test(t, workers_spinner_takes_one_job_only);
	tcase_add_test(t, workers_wake_the_last_sleeper);
	suite_add_tcase(s, t);
	t = tcase_create("outcomes");
	tcase_add_test(t, outcome_codes_stable);
	tcase_add_test(t, call_error_outcomes);
	tcase_add_test(t, retry_after_monotonic);
	tcase_add_test(t, hostcall_decode_kv);
	tcase_add_test(t, hostcall_decode_fetch);
	tcase_add_test(t, text_sanitize_policy);
	tcase_add_test(t, guest_log_keeps_level);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
