/* kvengines: measures the two embedded engines the KV store could use, LMDB
 * and SQLite in WAL mode, on this machine: reads/s from several threads and
 * durable writes/s (every commit fsynced) from several threads, both one
 * commit per write and with writes grouped B to a commit (what the store's
 * writer thread does). Prints one line per measurement; the store's choice
 * of engine is recorded in daemon/kv/kv_lmdb.c.
 *
 *   bench/kvengines [-t threads] [-n keys] [-s seconds] [dir]
 */
#include "config.h"

#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { VALUE_LEN = 100, BATCH = 64 };

static int threads = 3;
static int nkeys = 10000;
static double seconds = 2.0;
static char dir[512] = "/tmp";
static pthread_mutex_t sq_lock = PTHREAD_MUTEX_INITIALIZER;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "kvengines: %s failed (%d)\n", what, rc);
	exit(1);
}

struct job {
	int id;
	int batch; /* writes per commit; 0 = reads */
	long ops;
	MDB_env *env;
	MDB_dbi dbi;
	const char *sqpath;
};

static void key_of(char *k, long i)
{
	snprintf(k, 32, "key-%08ld", i);
}

static void *lmdb_run(void *arg)
{
	struct job *j = arg;
	char k[32], v[VALUE_LEN];
	unsigned seed = (unsigned)j->id * 7919u + 1;
	double end = now_s() + seconds;

	memset(v, 'v', sizeof(v));
	while (now_s() < end) {
		MDB_txn *txn;
		int ro = j->batch == 0;
		int n = ro ? 64 : j->batch;
		int rc = mdb_txn_begin(j->env, NULL, ro ? MDB_RDONLY : 0, &txn);

		if (rc)
			die("mdb_txn_begin", rc);
		for (int i = 0; i < n; i++) {
			MDB_val mk, mv = {VALUE_LEN, v};

			key_of(k, rand_r(&seed) % nkeys);
			mk.mv_size = strlen(k);
			mk.mv_data = k;
			rc = ro ? mdb_get(txn, j->dbi, &mk, &mv)
				: mdb_put(txn, j->dbi, &mk, &mv, 0);
			if (rc)
				die("mdb_get/put", rc);
		}
		if (ro)
			mdb_txn_abort(txn);
		else if ((rc = mdb_txn_commit(txn)))
			die("mdb_txn_commit", rc);
		j->ops += n;
	}
	return NULL;
}

static sqlite3 *sq_open(const char *path)
{
	sqlite3 *db;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("sqlite3_open", 0);
	sqlite3_busy_timeout(db, 10000);
	sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
		     NULL, NULL, NULL);
	return db;
}

static void *sqlite_run(void *arg)
{
	struct job *j = arg;
	sqlite3 *db = sq_open(j->sqpath);
	sqlite3_stmt *st;
	char k[32], v[VALUE_LEN];
	unsigned seed = (unsigned)j->id * 7919u + 1;
	double end = now_s() + seconds;
	int ro = j->batch == 0;

	memset(v, 'v', sizeof(v));
	sqlite3_prepare_v2(db,
			   ro ? "SELECT v FROM kv WHERE k=?1"
			      : "INSERT OR REPLACE INTO kv(k,v) VALUES(?1,?2)",
			   -1, &st, NULL);
	while (now_s() < end) {
		int n = ro ? 64 : j->batch;

		/* SQLite has one writer at a time: writers queue on a lock
		 * here rather than spinning on SQLITE_BUSY. */
		if (!ro)
			pthread_mutex_lock(&sq_lock);
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		for (int i = 0; i < n; i++) {
			key_of(k, rand_r(&seed) % nkeys);
			sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
			if (!ro)
				sqlite3_bind_blob(st, 2, v, VALUE_LEN,
						  SQLITE_STATIC);
			int rc = sqlite3_step(st);

			if (rc != SQLITE_ROW && rc != SQLITE_DONE)
				die("sqlite3_step", rc);
			sqlite3_reset(st);
		}
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			die("COMMIT", 0);
		if (!ro)
			pthread_mutex_unlock(&sq_lock);
		j->ops += n;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return NULL;
}

static void run(const char *name, void *(*fn)(void *), struct job *tmpl,
		int batch)
{
	pthread_t t[16];
	struct job j[16];
	long total = 0;
	double t0 = now_s();

	for (int i = 0; i < threads; i++) {
		j[i] = *tmpl;
		j[i].id = i;
		j[i].batch = batch;
		j[i].ops = 0;
		pthread_create(&t[i], NULL, fn, &j[i]);
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		total += j[i].ops;
	}
	printf("%-7s %-24s threads=%d  %10.0f ops/s\n", name,
	       batch == 0   ? "reads"
	       : batch == 1 ? "durable writes, 1/commit"
			    : "durable writes, 64/commit",
	       threads, (double)total / (now_s() - t0));
}

static void fill(struct job *lj, sqlite3 *db)
{
	MDB_txn *txn;
	char k[32], v[VALUE_LEN];

	memset(v, 'v', sizeof(v));
	mdb_txn_begin(lj->env, NULL, 0, &txn);
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	for (long i = 0; i < nkeys; i++) {
		MDB_val mk, mv = {VALUE_LEN, v};
		char sql[256];

		key_of(k, i);
		mk.mv_size = strlen(k);
		mk.mv_data = k;
		mdb_put(txn, lj->dbi, &mk, &mv, 0);
		snprintf(sql, sizeof(sql),
			 "INSERT OR REPLACE INTO kv VALUES('%s', zeroblob(%d))",
			 k, VALUE_LEN);
		sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
	mdb_txn_commit(txn);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
}

int main(int argc, char **argv)
{
	struct job lj = {0}, sj = {0};
	char lpath[600], spath[600];
	MDB_txn *txn;
	sqlite3 *db;
	int c;

	while ((c = getopt(argc, argv, "t:n:s:")) != -1) {
		if (c == 't')
			threads = atoi(optarg);
		else if (c == 'n')
			nkeys = atoi(optarg);
		else if (c == 's')
			seconds = atof(optarg);
		else
			return 2;
	}
	if (threads < 1 || threads > 16 || nkeys < 1)
		return 2;
	if (optind < argc)
		snprintf(dir, sizeof(dir), "%s", argv[optind]);
	snprintf(lpath, sizeof(lpath), "%s/kvengines-lmdb.%d", dir, getpid());
	snprintf(spath, sizeof(spath), "%s/kvengines.%d.sqlite", dir, getpid());
	mkdir(lpath, 0700);
	mdb_env_create(&lj.env);
	mdb_env_set_mapsize(lj.env, (size_t)1 << 30);
	if ((c = mdb_env_open(lj.env, lpath, 0, 0600)))
		die("mdb_env_open", c);
	mdb_txn_begin(lj.env, NULL, 0, &txn);
	mdb_dbi_open(txn, NULL, 0, &lj.dbi);
	mdb_txn_commit(txn);
	db = sq_open(spath);
	sqlite3_exec(
		db, "CREATE TABLE IF NOT EXISTS kv(k TEXT PRIMARY KEY, v BLOB)",
		NULL, NULL, NULL);
	fill(&lj, db);
	sj.sqpath = spath;
	printf("kvengines: %d keys of %d bytes, %d threads, %.1f s each, in "
	       "%s\n",
	       nkeys, VALUE_LEN, threads, seconds, dir);
	run("lmdb", lmdb_run, &lj, 0);
	run("sqlite", sqlite_run, &sj, 0);
	run("lmdb", lmdb_run, &lj, 1);
	run("sqlite", sqlite_run, &sj, 1);
	run("lmdb", lmdb_run, &lj, BATCH);
	run("sqlite", sqlite_run, &sj, BATCH);
	sqlite3_close(db);
	mdb_env_close(lj.env);
	char cmd[2600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s' '%s-wal' '%s-shm'", lpath,
		 spath, spath, spath);
	return system(cmd) == 0 ? 0 : 1;
}
