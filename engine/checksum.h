/* checksum.h - a fast 64-bit checksum of bytes, to tell a file or image
 * that was damaged after it was written from one that was not.
 *
 * Not cryptographic: it guards against accidents (a truncated file, a
 * flipped bit), not against someone who can write the user's files. */
#ifndef CR_CHECKSUM_H
#define CR_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

#include "xmalloc.h"

/* The checksum of the n bytes at p; the same on every machine. */
uint64_t cr_checksum(const void *p, size_t n);

/* The 8 bytes at p as a little-endian number, and v written so: how a
 * checksum, and the lengths beside it, are kept in a file. */
uint64_t cr_get64(const unsigned char *p);
void cr_put64(unsigned char *p, uint64_t v);

/* Tables kept in a file as little-endian 32-bit words, to be used where
 * they lie (the classifier's, the prefilter's): v appended to b so;
 * whether this machine reads such words as they lie; and p itself, or,
 * when it is not aligned to 4 bytes, a copy of its n bytes that is,
 * in *own for the caller to free (else *own is NULL). */
void cr_put32(cr_buf *b, uint32_t v);
int cr_little_endian(void);
const unsigned char *cr_aligned4(const unsigned char *p, size_t n,
                                 unsigned char **own);

/* FNV-1a, 32 bits, of the n bytes at p: the hash of the program's
 * tables of words (the string map, the essay's, the classifier's
 * features, the English words).  Not a checksum. */
uint32_t cr_hash32(const void *p, size_t n);

/* cr_hash32 of the string s without its NUL, read once. */
uint32_t cr_hash32_str(const char *s);

#endif
