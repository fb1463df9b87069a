/*
 * aidtime.h — the clock and the sort order the timing aids (launch,
 * fsynctime, wlat) share, so that their figures are taken alike.
 * Header-only: each aid is one .c file.
 */
#ifndef AIDTIME_H
#define AIDTIME_H

#include <stdint.h>
#include <time.h>

/* Monotonic nanoseconds: immune to clock steps during a benchmark. */
static inline int64_t
aid_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* qsort order for int64_t, without the overflow of a subtraction. */
static inline int
aid_cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

#endif
