/* fileio.h - whole reads and writes, and replacing a file atomically:
 * what the rule cache, profiles and the history share.
 *
 * Whatever the program opens by a name the user or a shared folder can
 * choose goes through cr_file_open, so that a FIFO never blocks it and a
 * device is never read or written; whatever it writes goes through
 * cr_fd_transfer, so that a file-size limit fails the write instead of
 * killing the program. */
#ifndef CR_FILEIO_H
#define CR_FILEIO_H

#include <stddef.h>

/* The error code for "not a regular file" (a FIFO, a device, a socket),
 * distinct from every errno value; see cr_file_error. */
#define CR_ENOTREG (-1)

/* Read n bytes into p or, when writing, write the n bytes at p, going
 * on after interruptions and short counts: 0, or -1 if that fails or
 * the file ends first.  While writing, SIGXFSZ is ignored, so that a
 * file-size limit (ulimit -f) fails the write with EFBIG instead of
 * killing the program; its disposition is restored before returning. */
int cr_fd_transfer(int fd, unsigned char *p, size_t n, int writing);

/* Open path with flags (O_RDONLY, or O_WRONLY | O_CREAT | O_APPEND and
 * the like; O_CLOEXEC is added) and mode, never blocking on a FIFO: it
 * is opened O_NONBLOCK, checked with fstat, and O_NONBLOCK is cleared
 * once it is known to be a regular file.  Returns the descriptor, or -1
 * with *err set: the errno of what failed (EISDIR for a folder), or
 * CR_ENOTREG. */
int cr_file_open(const char *path, int flags, int mode, int *err);

/* The text of an error code of this module: strerror's, or "not a
 * regular file" for CR_ENOTREG.  A static string. */
const char *cr_file_error(int err);

/* Replace the file at path with the nparts parts (parts[i], lens[i]
 * bytes each), atomically: they are written to a new file of mode 0600
 * beside it, flushed to the disk first if durable, then renamed over
 * path, which therefore holds either the old text or the new, whatever
 * happens.  A path that exists but is not a regular file (a device, a
 * FIFO, a folder; a link is followed to see) is refused: renaming over
 * it would put a regular file in the place of /dev/null.  Returns 0, or
 * the error code (as cr_file_open's) of what failed: then path is as it
 * was, and no temporary file is left. */
int cr_file_replace(const char *path, const void *const *parts,
                    const size_t *lens, int nparts, int durable);

#endif
