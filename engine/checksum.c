/* checksum.c - a fast 64-bit checksum (see checksum.h).
 *
 * A word at a time, multiply and fold, in four lanes, then a final mix:
 * the checksum must not cost much of what the cache saves (about one
 * instruction a byte, four words at once).  Words are read
 * little-endian so that the value does not depend on the machine. */
#include "config.h"

#include <string.h>

#include "checksum.h"

static uint64_t word(const unsigned char *p)
{
    static const union { uint16_t u; unsigned char c[2]; } endian = {1};
    uint64_t w = 0;
    if (endian.c[0]) {
        memcpy(&w, p, 8);
    } else {
        for (int k = 0; k < 8; k++)
            w |= (uint64_t)p[k] << 8 * k;
    }
    return w;
}

/* Four lanes of 8 bytes each, independent, so that the processor runs
 * their multiplications side by side instead of one after the other:
 * a quarter of the time of one lane on a cache's megabyte. */
static uint64_t mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0xff51afd7ed558ccdu;
    return h ^ (h >> 32);
}

uint64_t cr_checksum(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t h[4] = {0x9E3779B97F4A7C15u ^ n, 0xC2B2AE3D27D4EB4Fu,
                     0x165667B19E3779F9u, 0x27D4EB2F165667C5u};
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        h[0] = mix(h[0], word(p + i));
        h[1] = mix(h[1], word(p + i + 8));
        h[2] = mix(h[2], word(p + i + 16));
        h[3] = mix(h[3], word(p + i + 24));
    }
    uint64_t x = h[0];
    for (int k = 1; k < 4; k++)
        x = mix(x, h[k]);
    for (; i + 8 <= n; i += 8)
        x = mix(x, word(p + i));
    for (; i < n; i++)
        x = (x ^ p[i]) * 0x100000001b3u;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53u;
    return x ^ (x >> 33);
}

uint64_t cr_get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int k = 0; k < 8; k++)
        v |= (uint64_t)p[k] << 8 * k;
    return v;
}

void cr_put64(unsigned char *p, uint64_t v)
{
    for (int k = 0; k < 8; k++)
        p[k] = (unsigned char)(v >> 8 * k);
}

void cr_put32(cr_buf *b, uint32_t v)
{
    unsigned char c[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff,
                          v >> 24};
    cr_buf_putn(b, (const char *)c, 4);
}

int cr_little_endian(void)
{
    uint32_t one = 1;
    return *(const unsigned char *)&one == 1;
}

const unsigned char *cr_aligned4(const unsigned char *p, size_t n,
                                 unsigned char **own)
{
    *own = NULL;
    if ((uintptr_t)p % 4 == 0)
        return p;
    *own = xmalloc(n + 1);
    memcpy(*own, p, n);
    return *own;
}

uint32_t cr_hash32(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

uint32_t cr_hash32_str(const char *s)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *b = (const unsigned char *)s; *b; b++)
        h = (h ^ *b) * 16777619u;
    return h;
}
