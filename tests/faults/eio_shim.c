/* eio_shim: an LD_PRELOAD library that makes fdatasync(2) and fsync(2) fail
 * with EIO while the file named by $SOS_EIO_TRIGGER exists: a disk that
 * stops keeping promises, for the fault tests. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

int fdatasync(int fd);
int fsync(int fd);

static int s_failing(void)
{
    const char *t = getenv("SOS_EIO_TRIGGER");
    return t && access(t, F_OK) == 0;
}

int fdatasync(int fd)
{
    static int (*real)(int);
    if (s_failing()) {
        errno = EIO;
        return -1;
    }
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "fdatasync");
    return real(fd);
}

int fsync(int fd)
{
    static int (*real)(int);
    if (s_failing()) {
        errno = EIO;
        return -1;
    }
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "fsync");
    return real(fd);
}
