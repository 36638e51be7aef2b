/* checksum.c - a fast 64-bit checksum (see checksum.h).
 *
 * A word at a time, multiply and fold, then a final mix: the checksum
 * must not cost much of what the cache saves (about one instruction a
 * byte).  Words are read little-endian so that the value does not depend
 * on the machine. */
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

uint64_t cr_checksum(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t h = 0x9E3779B97F4A7C15u ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        h = (h ^ word(p + i)) * 0xff51afd7ed558ccdu;
        h ^= h >> 32;
    }
    for (; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3u;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53u;
    return h ^ (h >> 33);
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
