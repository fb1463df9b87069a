#include "unlinker.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool_dir.h"

struct unlinker {
	int		 dirfd;
	pthread_mutex_t	 mu;
	pthread_cond_t	 work;		/* names to remove, or stop */
	pthread_cond_t	 done;		/* the batch is removed */
	pthread_t	*threads;
	int		 nthreads;
	int		 stop;
	/* the batch being removed */
	char		**names;	/* into arena */
	size_t		 n, next, inflight, capnames;
	char		*arena;
	size_t		 caparena;
	struct unlink_report rep;
};

static void *
worker(void *arg)
{
	struct unlinker *u = arg;

	pthread_mutex_lock(&u->mu);
	for (;;) {
		size_t i;
		int rc, e;

		while (!u->stop && u->next >= u->n)
			pthread_cond_wait(&u->work, &u->mu);
		if (u->next >= u->n)
			break;	/* stop, and nothing left */
		i = u->next++;
		u->inflight++;
		pthread_mutex_unlock(&u->mu);
		rc = unlinkat(u->dirfd, u->names[i], 0);
		e = errno;
		pthread_mutex_lock(&u->mu);
		u->inflight--;
		if (rc == -1 && e != ENOENT && u->rep.failed++ == 0) {
			u->rep.err = e;
			strncpy(u->rep.name, u->names[i], sizeof(u->rep.name) -
			    1);
		}
		if (u->next >= u->n && u->inflight == 0)
			pthread_cond_signal(&u->done);
	}
	pthread_mutex_unlock(&u->mu);
	return NULL;
}

static void
join_all(struct unlinker *u)
{
	pthread_mutex_lock(&u->mu);
	u->stop = 1;
	pthread_cond_broadcast(&u->work);
	pthread_mutex_unlock(&u->mu);
	for (int i = 0; i < u->nthreads; i++)
		pthread_join(u->threads[i], NULL);
	u->nthreads = 0;
}

static void
release(struct unlinker *u)
{
	pthread_cond_destroy(&u->done);
	pthread_cond_destroy(&u->work);
	pthread_mutex_destroy(&u->mu);
	free(u->threads);
	free(u->names);
	free(u->arena);
	free(u);
}

struct unlinker *
unlinker_start(int dirfd, int nthreads)
{
	struct unlinker *u;
	sigset_t all, old;
	int e = 0;

	if ((u = calloc(1, sizeof(*u))) == NULL)
		return NULL;
	u->dirfd = dirfd;
	if ((u->threads = calloc((size_t)nthreads, sizeof(*u->threads))) ==
	    NULL) {
		free(u);
		return NULL;
	}
	pthread_mutex_init(&u->mu, NULL);
	pthread_cond_init(&u->work, NULL);
	pthread_cond_init(&u->done, NULL);
	/* Signals stay with the main thread (watch reads a signalfd). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (int i = 0; i < nthreads; i++) {
		if ((e = pthread_create(&u->threads[i], NULL, worker, u)) !=
		    0)
			break;
		u->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		join_all(u);
		release(u);
		errno = e;
		return NULL;
	}
	return u;
}

int
unlinker_add(struct unlinker *u, const char *const *names, size_t n)
{
	size_t total = 0, o = 0;

	for (size_t i = 0; i < n; i++)
		total += strlen(names[i]) + 1;
	if (n > u->capnames) {
		char **nn = reallocarray(u->names, n, sizeof(*nn));
		if (nn == NULL)
			return -1;
		u->names = nn;
		u->capnames = n;
	}
	if (total > u->caparena) {
		char *na = realloc(u->arena, total);
		if (na == NULL)
			return -1;
		u->arena = na;
		u->caparena = total;
	}
	pthread_mutex_lock(&u->mu);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]) + 1;

		memcpy(u->arena + o, names[i], len);
		u->names[i] = u->arena + o;
		o += len;
	}
	memset(&u->rep, 0, sizeof(u->rep));
	u->rep.handed = n;
	u->n = n;
	u->next = 0;
	pthread_cond_broadcast(&u->work);
	pthread_mutex_unlock(&u->mu);
	return 0;
}

void
unlinker_wait(struct unlinker *u, struct unlink_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	if (u == NULL)
		return;
	pthread_mutex_lock(&u->mu);
	while (u->next < u->n || u->inflight > 0)
		pthread_cond_wait(&u->done, &u->mu);
	*rep = u->rep;
	memset(&u->rep, 0, sizeof(u->rep));
	u->n = u->next = 0;
	pthread_mutex_unlock(&u->mu);
	if (rep->handed > 0 && spool_fsync_dir(u->dirfd) == -1)
		rep->fsync_err = errno;
}

void
unlinker_stop(struct unlinker *u)
{
	if (u == NULL)
		return;
	join_all(u);
	release(u);
}
