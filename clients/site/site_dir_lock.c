/* site_dir_lock: OUT/.lock, one render at a time in a site directory.
 * flock on the open file (the kernel drops it when the holder dies, however
 * it dies) and the holder's pid in the file, so that a second render can
 * say whom it waits for (site_dir.h). */
#include "site_dir_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

/* The pid in OUT/.lock, 0 when there is none yet. */
static long s_lock_holder(int fd)
{
    char b[32];
    ssize_t n = pread(fd, b, sizeof b - 1, 0);
    if (n <= 0)
        return 0;
    b[n] = '\0';
    return strtol(b, NULL, 10);
}

/* 0 when taken, 1 when another open file holds it (*holder: its pid, 0
 * unknown), -1 with errno. The holder writes its pid just after it takes
 * the lock, and clears it just before it drops it: a moment's retry reads
 * the pid, or finds the lock free. */
static int s_lock_try(int fd, long *holder)
{
    struct timespec ms = {0, 1000000};
    for (int i = 0;; i++) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return 0;
        if (errno != EWOULDBLOCK && errno != EINTR)
            return -1;
        if ((*holder = s_lock_holder(fd)) > 0 || i == 1000)
            return 1;
        nanosleep(&ms, NULL);
    }
}

/* Takes OUT/.lock (waiting unless no_wait) and writes our pid in it. flock
 * belongs to the open file, so the kernel drops it when the process dies,
 * however it dies. */
int site_dir_lock_take(site_dir *d)
{
    char path[4200], pid[32], who[48];
    long holder = 0;
    int rc;
    snprintf(path, sizeof path, "%s/.lock", d->out);
    if ((d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
        site_dir_why_set(d, "cannot open %s: %s", path, strerror(errno));
        return SITE_DIR_ECREATE;
    }
    if ((rc = s_lock_try(d->lock_fd, &holder)) == 1) {
        if (holder > 0)
            snprintf(who, sizeof who, "pid %ld", holder);
        else
            snprintf(who, sizeof who, "pid unknown");
        if (d->opts.no_wait) {
            site_dir_why_set(d, "another render (%s) is writing %s", who, d->out);
            return SITE_DIR_EBUSY;
        }
        fprintf(stderr, "sos: render: waiting for another render (%s) writing %s\n", who, d->out);
        while ((rc = flock(d->lock_fd, LOCK_EX)) != 0 && errno == EINTR)
            ;
    }
    if (rc != 0) {
        site_dir_why_set(d, "cannot lock %s: %s", path, strerror(errno));
        return SITE_DIR_ECREATE;
    }
    d->locked = true;
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(d->lock_fd, 0) != 0 || pwrite(d->lock_fd, pid, (size_t)n, 0) != n) {
        site_dir_why_set(d, "cannot write %s: %s", path, strerror(errno));
        return SITE_DIR_ECREATE;
    }
    return SITE_DIR_OK;
}

void site_dir_lock_drop(site_dir *d)
{
    /* our pid goes while we still hold the lock; close drops it */
    if (d->locked && ftruncate(d->lock_fd, 0) != 0)
        fprintf(stderr, "sos: render: cannot clear %s/.lock: %s\n", d->out, strerror(errno));
    if (d->lock_fd >= 0)
        close(d->lock_fd);
    d->locked = false;
    d->lock_fd = -1;
}
