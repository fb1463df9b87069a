#include "readahead.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

struct readahead {
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;		/* a job, its end, or stop */
	readahead_fn	 fn;
	void		*ctx;
	size_t		 n;
	int		 busy;		/* a job is set and not finished */
	int		 stop;
};

static void *
runner(void *arg)
{
	struct readahead *ra = arg;

	pthread_mutex_lock(&ra->mu);
	for (;;) {
		while (!ra->busy && !ra->stop)
			pthread_cond_wait(&ra->cv, &ra->mu);
		if (!ra->busy)
			break;
		pthread_mutex_unlock(&ra->mu);
		for (size_t i = 0; i < ra->n; i++)
			ra->fn(ra->ctx, i);
		pthread_mutex_lock(&ra->mu);
		ra->busy = 0;
		pthread_cond_broadcast(&ra->cv);
	}
	pthread_mutex_unlock(&ra->mu);
	return NULL;
}

struct readahead *
readahead_start(void)
{
	struct readahead *ra;
	sigset_t all, old;
	int e;

	if ((ra = calloc(1, sizeof(*ra))) == NULL)
		return NULL;
	pthread_mutex_init(&ra->mu, NULL);
	pthread_cond_init(&ra->cv, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&ra->thread, NULL, runner, ra);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		pthread_cond_destroy(&ra->cv);
		pthread_mutex_destroy(&ra->mu);
		free(ra);
		errno = e;
		return NULL;
	}
	return ra;
}

void
readahead_run(struct readahead *ra, readahead_fn fn, void *ctx, size_t n)
{
	pthread_mutex_lock(&ra->mu);
	ra->fn = fn;
	ra->ctx = ctx;
	ra->n = n;
	ra->busy = 1;
	pthread_cond_broadcast(&ra->cv);
	pthread_mutex_unlock(&ra->mu);
}

void
readahead_wait(struct readahead *ra)
{
	if (ra == NULL)
		return;
	pthread_mutex_lock(&ra->mu);
	while (ra->busy)
		pthread_cond_wait(&ra->cv, &ra->mu);
	pthread_mutex_unlock(&ra->mu);
}

void
readahead_stop(struct readahead *ra)
{
	if (ra == NULL)
		return;
	/* Only this thread starts jobs: none can begin after the wait. */
	readahead_wait(ra);
	pthread_mutex_lock(&ra->mu);
	ra->stop = 1;
	pthread_cond_broadcast(&ra->cv);
	pthread_mutex_unlock(&ra->mu);
	pthread_join(ra->thread, NULL);
	pthread_cond_destroy(&ra->cv);
	pthread_mutex_destroy(&ra->mu);
	free(ra);
}
