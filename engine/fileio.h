/* fileio.h - whole reads and writes, and replacing a file atomically:
 * what the rule cache and profiles share. */
#ifndef CR_FILEIO_H
#define CR_FILEIO_H

#include <stddef.h>

/* Read n bytes into p or, when writing, write the n bytes at p, going
 * on after interruptions and short counts: 0, or -1 if that fails or
 * the file ends first. */
int cr_fd_transfer(int fd, unsigned char *p, size_t n, int writing);

/* Replace the file at path with the nparts parts (parts[i], lens[i]
 * bytes each), atomically: they are written to a new file of mode 0600
 * beside it, flushed to the disk first if durable, then renamed over
 * path, which therefore holds either the old text or the new, whatever
 * happens.  Returns 0, or the errno of what failed (then path is as it
 * was, and no temporary file is left). */
int cr_file_replace(const char *path, const void *const *parts,
                    const size_t *lens, int nparts, int durable);

#endif
