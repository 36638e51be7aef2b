/* check_diag.c - diagnostics: counting, sorting by place, formatting. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "testutil.h"

static cr_diag *d;

static void setup(void)
{
    d = cr_diag_new();
}

static void teardown(void)
{
    cr_diag_free(d);
}

/* The formatted record i; compared and freed by the caller. */
static char *fmt(int i)
{
    return cr_diag_format(cr_diag_get(d, i));
}

#define ck_record(i, want)                                                \
    do {                                                                  \
        char *s_ = fmt(i);                                                \
        ck_assert_str_eq(s_, want);                                       \
        free(s_);                                                         \
    } while (0)

START_TEST(test_counts)
{
    ck_assert_int_eq(cr_diag_len(d), 0);
    cr_diag_add(d, CR_ERROR, "a.yaml", 1, 1, "one");
    cr_diag_add(d, CR_WARNING, "a.yaml", 2, 1, "two");
    cr_diag_add(d, CR_ERROR, NULL, 0, 0, "three");
    ck_assert_int_eq(cr_diag_len(d), 3);
    ck_assert_int_eq(cr_diag_errors(d), 2);
    cr_diag_clear(d);
    ck_assert_int_eq(cr_diag_len(d), 0);
    ck_assert_int_eq(cr_diag_errors(d), 0);
    cr_diag_add(d, CR_WARNING, "a.yaml", 1, 1, "four");
    ck_assert_int_eq(cr_diag_errors(d), 0);
}
END_TEST

START_TEST(test_sort_by_place)
{
    /* Files keep the order they were first named in; within a file,
     * line then column; records at one place keep their order. */
    cr_diag_add(d, CR_ERROR, "b.yaml", 9, 1, "b9");
    cr_diag_add(d, CR_ERROR, "a.yaml", 3, 5, "a3.5");
    cr_diag_add(d, CR_ERROR, "b.yaml", 2, 7, "b2 first");
    cr_diag_add(d, CR_ERROR, "a.yaml", 3, 2, "a3.2");
    cr_diag_add(d, CR_ERROR, "b.yaml", 2, 7, "b2 second");
    cr_diag_add(d, CR_ERROR, NULL, 0, 0, "no file");
    cr_diag_add(d, CR_ERROR, "b.yaml", 2, 7, "b2 third");
    cr_diag_sort(d);
    ck_record(0, "b.yaml:2:7: error: b2 first");
    ck_record(1, "b.yaml:2:7: error: b2 second");
    ck_record(2, "b.yaml:2:7: error: b2 third");
    ck_record(3, "b.yaml:9:1: error: b9");
    ck_record(4, "a.yaml:3:2: error: a3.2");
    ck_record(5, "a.yaml:3:5: error: a3.5");
    ck_record(6, "error: no file");
    ck_assert_int_eq(cr_diag_errors(d), 7);
}
END_TEST

START_TEST(test_sort_many)
{
    /* A file with a great many mistakes, reported out of order (the
     * loader's, then those found resolving names): sorted at once. */
    enum { N = 200000 };
    for (int i = N; i > 0; i--)
        cr_diag_add(d, CR_ERROR, "big.yaml", i, 1, "late");
    for (int i = 1; i <= N; i++)
        cr_diag_add(d, CR_ERROR, "big.yaml", i, 1, "early");
    cr_diag_sort(d);
    ck_assert_int_eq(cr_diag_len(d), 2 * N);
    for (int i = 0; i < 2 * N; i++) {
        const cr_diagnostic *r = cr_diag_get(d, i);
        ck_assert_int_eq(r->line, i / 2 + 1);
        ck_assert_str_eq(r->message, i % 2 ? "early" : "late");
    }
}
END_TEST

START_TEST(test_format_places)
{
    cr_diag_add(d, CR_ERROR, "a.yaml", 4, 2, "bad");
    cr_diag_add(d, CR_WARNING, "a.yaml", 0, 0, "odd");
    cr_diag_add(d, CR_ERROR, NULL, 0, 0, "lost");
    ck_record(0, "a.yaml:4:2: error: bad");
    ck_record(1, "a.yaml: warning: odd");
    ck_record(2, "error: lost");
}
END_TEST

START_TEST(test_format_escapes)
{
    /* What users wrote is quoted back, but never a byte a terminal
     * takes for a command: C0 and C1 controls, DEL, broken UTF-8. */
    cr_diag_add(d, CR_ERROR, "x\033[2J.yaml", 1, 1,
                "unknown key '%s'",
                "th\033[2Jen\a\x7f\xc2\x9b\xff caf\xc3\xa9");
    ck_record(0, "x\\x1b[2J.yaml:1:1: error: unknown key "
                 "'th\\x1b[2Jen\\x07\\x7f\\xc2\\x9b\\xff café'");
}
END_TEST

static Suite *diag_suite(void)
{
    Suite *s = suite_create("diag");
    TCase *tc = tcase_create("diag");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_counts);
    tcase_add_test(tc, test_sort_by_place);
    tcase_add_test(tc, test_sort_many);
    tcase_add_test(tc, test_format_places);
    tcase_add_test(tc, test_format_escapes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cr_run_suite(diag_suite());
}
