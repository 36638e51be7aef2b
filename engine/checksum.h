/* checksum.h - a fast 64-bit checksum of bytes, to tell a file or image
 * that was damaged after it was written from one that was not.
 *
 * Not cryptographic: it guards against accidents (a truncated file, a
 * flipped bit), not against someone who can write the user's files. */
#ifndef CR_CHECKSUM_H
#define CR_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* The checksum of the n bytes at p; the same on every machine. */
uint64_t cr_checksum(const void *p, size_t n);

/* The 8 bytes at p as a little-endian number, and v written so: how a
 * checksum, and the lengths beside it, are kept in a file. */
uint64_t cr_get64(const unsigned char *p);
void cr_put64(unsigned char *p, uint64_t v);

/* FNV-1a, 32 bits, of the n bytes at p: the hash of the program's
 * tables of words (the string map, the essay's, the classifier's
 * features, the English words).  Not a checksum. */
uint32_t cr_hash32(const void *p, size_t n);

/* cr_hash32 of the string s without its NUL, read once. */
uint32_t cr_hash32_str(const char *s);

#endif
