/* fuzz_yamlfast.c - libFuzzer target: the loader's fast YAML path
 * against libyaml.
 *
 * For bytes the fast path takes, libyaml must take them too and give
 * the same events, values, styles and marks (tests/yamldiff.h); any
 * difference aborts with both sides' view of the first event that
 * differs.  Bytes the fast path refuses are libyaml's alone, and fine. */
#include "config.h"

#include "fuzz.h"
#include "yamldiff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[1024];
    int accepted;
    if (yd_differs((const char *)data, size, &accepted, why, sizeof why)) {
        fprintf(stderr, "fuzz_yamlfast: %s\n", why);
        abort();
    }
    return 0;
}
