/* testutil.h - what the Check suites share: where the sources are, and
 * the runner that is each suite's main(). */
#ifndef CR_TESTUTIL_H
#define CR_TESTUTIL_H

#include <stdlib.h>

#include <check.h>

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

/* Run every test of suite s (which the runner takes over and frees),
 * reporting as CK_VERBOSITY says; returns the exit status for make
 * check: EXIT_SUCCESS when no test failed. */
static inline int cr_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
