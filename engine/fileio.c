/* fileio.c - whole reads and writes, and atomic replacement. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "xmalloc.h"

int cr_fd_transfer(int fd, unsigned char *p, size_t n, int writing)
{
    while (n > 0) {
        ssize_t k = writing ? write(fd, p, n) : read(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int cr_file_replace(const char *path, const void *const *parts,
                    const size_t *lens, int nparts, int durable)
{
    char *tmp = xasprintf("%s.XXXXXX", path);
    int fd = mkstemp(tmp);      /* mode 0600, but make sure */
    int err = fd < 0 || fchmod(fd, 0600) != 0 ? errno : 0;
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
