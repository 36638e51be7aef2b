/* testutil.h - what the Check suites share: where the sources are, and
 * the runner that is each suite's main(). */
#ifndef CR_TESTUTIL_H
#define CR_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "facts.h"
#include "kb.h"
#include "matcher.h"
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

/* Every record of d, formatted, one a line: a new string ("" for none). */
static inline char *cr_test_diags(const cr_diag *d)
{
    cr_buf b = {0};
    for (int i = 0; i < cr_diag_len(d); i++) {
        char *line = cr_diag_format(cr_diag_get(d, i));
        cr_buf_printf(&b, "%s\n", line);
        free(line);
    }
    return b.s ? cr_buf_take(&b) : xstrdup("");
}

/* The value of fact name in wm as text, or unknown when it is not
 * known (the fact must be declared); valid until the next call. */
static inline const char *cr_test_value(const cr_kb *kb, const cr_wm *wm,
                                        const char *name,
                                        const char *unknown)
{
    static char buf[256];
    char num[CR_VALUE_BUF];
    int i = cr_kb_fact(kb, name);
    ck_assert_msg(i >= 0, "no fact %s", name);
    const cr_fact *f = cr_wm_get(wm, i);
    if (f == NULL)
        return unknown;
    snprintf(buf, sizeof buf, "%s",
             cr_value_str(cr_kb_factdecl(kb, i), &f->value, num));
    return buf;
}

/* The whole file at path, in a new buffer; its length in *len. */
static inline char *cr_test_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    cr_buf b = {0};
    char chunk[4096];
    for (size_t n; (n = fread(chunk, 1, sizeof chunk, f)) > 0;)
        cr_buf_putn(&b, chunk, n);
    fclose(f);
    *len = b.len;
    return b.s ? cr_buf_take(&b) : xstrdup("");
}

/* Write text to path, replacing what it held. */
static inline void cr_test_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* Where PCRE2's serialised codes (cr_regex_save) keep the size of each
 * code's block, which PCRE2 does not publish: learnt from the bytes of
 * one pattern saved once and twice, whose difference is its block.
 * Sets *prefix to the bytes before the first block; returns the offset
 * of the size (a size_t) in a block. */
static inline size_t cr_test_block_layout(size_t *prefix)
{
    cr_regex_error err;
    cr_regex *re = cr_regex_new("x+y", 3, &err);
    ck_assert_ptr_nonnull(re);
    cr_regex *two[] = {re, re};
    size_t one_len, two_len;
    unsigned char *one = cr_regex_save(two, 1, &one_len);
    free(cr_regex_save(two, 2, &two_len));
    size_t block = two_len - one_len, at = 0;
    *prefix = one_len - block;
    for (;; at += sizeof(size_t)) {
        ck_assert_msg(at + sizeof(size_t) <= block, "no block size found");
        size_t v;
        memcpy(&v, one + *prefix + at, sizeof v);
        if (v == block)
            break;
    }
    free(one);
    cr_regex_free(re);
    return at;
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
