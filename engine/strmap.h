/* strmap.h - a map from strings to ints, by open addressing.  The keys
 * are not copied: they belong to the caller and must outlive the map. */
#ifndef CR_STRMAP_H
#define CR_STRMAP_H

#include <stddef.h>

typedef struct cr_strmap {
    const char **keys;
    int *vals;
    size_t cap, len;            /* cap: 0 or a power of two */
} cr_strmap;

/* The value of key, or -1. */
int cr_strmap_get(const cr_strmap *m, const char *key);
/* Set key to val. */
void cr_strmap_put(cr_strmap *m, const char *key, int val);
/* Make room for n more keys at once. */
void cr_strmap_reserve(cr_strmap *m, size_t n);
/* Where key is in m, or the empty place it would take, for a caller
 * that fills it itself (keys[i], vals[i], len + 1); m must have room
 * (cr_strmap_reserve). */
size_t cr_strmap_slot(const cr_strmap *m, const char *key);
void cr_strmap_free(cr_strmap *m);

#endif
