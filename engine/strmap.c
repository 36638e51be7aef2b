/* strmap.c - a map from strings to ints (see strmap.h): FNV-1a, linear
 * probing, at most half full. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "checksum.h"
#include "strmap.h"
#include "xmalloc.h"

size_t cr_strmap_slot(const cr_strmap *m, const char *key)
{
    size_t i = cr_hash32_str(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

int cr_strmap_get(const cr_strmap *m, const char *key)
{
    if (m->cap == 0)
        return -1;
    size_t i = cr_strmap_slot(m, key);
    return m->keys[i] ? m->vals[i] : -1;
}

/* The table grows to what adding the n keys one by one would have made
 * it, at once. */
void cr_strmap_reserve(cr_strmap *m, size_t n)
{
    if (2 * (m->len + n) <= m->cap)
        return;
    cr_strmap old = *m;
    m->cap = old.cap ? 2 * old.cap : 16;
    while (m->cap < 2 * (old.len + n))
        m->cap *= 2;
    m->keys = xcalloc(m->cap, sizeof *m->keys);
    m->vals = xcalloc(m->cap, sizeof *m->vals);
    m->len = 0;
    for (size_t i = 0; i < old.cap; i++)
        if (old.keys[i])
            cr_strmap_put(m, old.keys[i], old.vals[i]);
    free(old.keys);
    free(old.vals);
}

void cr_strmap_put(cr_strmap *m, const char *key, int val)
{
    cr_strmap_reserve(m, 1);
    size_t i = cr_strmap_slot(m, key);
    if (m->keys[i] == NULL)
        m->len++;
    m->keys[i] = key;
    m->vals[i] = val;
}

void cr_strmap_free(cr_strmap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}
