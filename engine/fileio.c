/* fileio.c - whole reads and writes, and atomic replacement. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "xmalloc.h"

int cr_fd_transfer(int fd, unsigned char *p, size_t n, int writing)
{
    /* Ignored rather than blocked: a blocked SIGXFSZ would stay pending
     * and kill the program once restored. */
    struct sigaction ignore = {0}, old;
    ignore.sa_handler = SIG_IGN;
    if (writing)
        sigaction(SIGXFSZ, &ignore, &old);
    int rc = 0;
    while (n > 0 && rc == 0) {
        ssize_t k = writing ? write(fd, p, n) : read(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            rc = -1;
            break;
        }
        p += k;
        n -= (size_t)k;
    }
    if (writing) {
        int saved = errno;
        sigaction(SIGXFSZ, &old, NULL);
        errno = saved;
    }
    return rc;
}

int cr_file_open(const char *path, int flags, int mode, int *err)
{
    int fd = open(path, flags | O_NONBLOCK | O_CLOEXEC, mode);
    struct stat st;
    *err = 0;
    if (fd < 0 && errno == ENXIO && (flags & O_ACCMODE) != O_RDONLY)
        *err = CR_ENOTREG;      /* a FIFO no one reads, or a device */
    else if (fd < 0 || fstat(fd, &st) != 0)
        *err = errno;
    else if (S_ISDIR(st.st_mode))
        *err = EISDIR;
    else if (!S_ISREG(st.st_mode))
        *err = CR_ENOTREG;
    else if (!(flags & O_NONBLOCK) &&
             fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
        *err = errno;
    if (*err != 0 && fd >= 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

const char *cr_file_error(int err)
{
    return err == CR_ENOTREG ? "not a regular file" : strerror(err);
}

/* 0 if path is missing or a regular file (or a link to one), else the
 * error code that refuses it. */
static int replaceable(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return errno == ENOENT ? 0 : errno;
    return S_ISDIR(st.st_mode) ? EISDIR : S_ISREG(st.st_mode) ? 0
                                                              : CR_ENOTREG;
}

int cr_file_replace(const char *path, const void *const *parts,
                    const size_t *lens, int nparts, int durable)
{
    int err = replaceable(path);
    if (err != 0)
        return err;
    char *tmp = xasprintf("%s.XXXXXX", path);
    int fd = mkstemp(tmp);      /* mode 0600, but make sure */
    err = fd < 0 || fchmod(fd, 0600) != 0 ? errno : 0;
    for (int i = 0; err == 0 && i < nparts; i++)
        if (cr_fd_transfer(fd, (unsigned char *)parts[i], lens[i], 1) != 0)
            err = errno ? errno : EIO;
    if (err == 0 && durable && fsync(fd) != 0)
        err = errno;
    if (fd >= 0 && close(fd) != 0 && err == 0)
        err = errno;
    if (err == 0 && rename(tmp, path) != 0)
        err = errno;
    if (err != 0 && fd >= 0)
        unlink(tmp);
    free(tmp);
    return err;
}
