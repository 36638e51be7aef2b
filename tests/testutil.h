/* testutil.h - what the Check suites share: where the sources are. */
#ifndef CR_TESTUTIL_H
#define CR_TESTUTIL_H

#include <stdlib.h>

#include "xmalloc.h"

/* The top of the source tree: $top_srcdir when the test harness sets it,
 * else the one the tests were built from. */
static inline const char *cr_test_srcdir(void)
{
    const char *s = getenv("top_srcdir");
    return s && *s ? s : CR_TEST_SRCDIR;
}

/* A path below the source tree; the caller frees it. */
static inline char *cr_test_path(const char *rel)
{
    return xasprintf("%s/%s", cr_test_srcdir(), rel);
}

#define CR_TEST_ESSAY "corpus/choosing-a-phd-or-industry.md"

#endif
