/* stats.c: a WAGI function in C with wasi-libc: reads numbers from the
 * request body, answers their count, mean and standard deviation.
 *
 *   clang --target=wasm32-wasi --sysroot=/usr -O2 stats.c -o stats.wasm
 *   curl -X PUT --data-binary @stats.wasm localhost:8080/functions/stats
 *   echo '1 2 3 4' | curl --data-binary @- localhost:8080/invoke/stats
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Runs once, at deploy: the snapshot is taken at the first read of stdin,
 * so this table is built before it and every call finds it ready. */
static double squares[100];

static void init_table(void)
{
	for (int i = 0; i < 100; i++)
		squares[i] = (double)i * i;
}

int main(void)
{
	const char *method;
	double x, sum = 0, sumsq = 0;
	long n = 0;

	init_table();
	while (scanf("%lf", &x) == 1) {
		sum += x;
		sumsq += x * x;
		n++;
	}
	/* The request's variables exist once stdin has been read: what runs
	 * before that runs at deploy time. */
	method = getenv("REQUEST_METHOD");
	if (n == 0) {
		printf("Status: 400 Bad Request\n"
		       "Content-Type: text/plain\n\nno numbers\n");
		return 0;
	}
	double mean = sum / n;
	double sd = sqrt(sumsq / n - mean * mean);

	printf("Content-Type: text/plain; charset=utf-8\n\n");
	printf("method=%s n=%ld mean=%.3f sd=%.3f 7^2=%.0f\n",
	       method ? method : "?", n, mean, sd, squares[7]);
	fprintf(stderr, "stats over %ld numbers\n", n);
	return 0;
}
