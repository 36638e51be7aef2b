/* check_profile.c - profiles: what is saved comes back the same, even
 * for text no YAML writer would like; bad profiles change nothing; a
 * save that fails leaves the old file. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "facts.h"
#include "profile.h"
#include "session.h"
#include "testutil.h"

static cr_session *s;
static cr_diag *d;
static char dir[] = "/tmp/crossroads-profile-XXXXXX";

static cr_session *new_session(void)
{
    char *essay = cr_test_path(CR_TEST_ESSAY);
    char *rules = cr_test_path("rules");
    char *note = cr_test_path("tests/bad/string-fact.yaml");
    const char *paths[] = {rules, note};
    cr_session *x = cr_session_new(essay, paths, 2, d);
    ck_assert_int_eq(cr_diag_len(d), 0);
    ck_assert_ptr_nonnull(x);
    free(essay);
    free(rules);
    free(note);
    return x;
}

static void setup(void)
{
    d = cr_diag_new();
    s = new_session();
    strcpy(dir, "/tmp/crossroads-profile-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char *cmd = xasprintf("rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    cr_session_free(s);
    cr_diag_free(d);
}

static char *in_dir(const char *name)
{
    return xasprintf("%s/%s", dir, name);
}

/* The value of fact name in session x, as text ("" when unknown). */
static char *value_of(cr_session *x, const char *name)
{
    const cr_kb *kb = cr_session_kb(x);
    int i = cr_kb_fact(kb, name);
    const cr_fact *f = cr_wm_get(cr_session_wm(x), i);
    return f ? cr_value_text(cr_kb_factdecl(kb, i), &f->value)
             : xstrdup("");
}

static const char *const awkward[] = {
    "plain words",
    "\"quotes\", \\backslashes\\ and: colons # not a comment",
    "tabs\tand\nnewlines and \033[2J escapes",
    "C1 \xc2\x9b controls, caf\xc3\xa9 and \xe2\x80\x9cquotes\xe2\x80\x9d",
    "- a leading dash, then yes, no, ~, null",
    "",
};

START_TEST(test_round_trip)
{
    char *path = in_dir("me.yaml");
    ck_assert_int_eq(cr_session_set(s, "goal", "research-scientist", d), 0);
    ck_assert_int_eq(cr_session_set(s, "publications", "2.5", d), 0);
    ck_assert_int_eq(cr_session_set(s, "has_offer", "no", d), 0);
    ck_assert_int_eq(cr_session_set(s, "note", awkward[_i], d), 0);
    ck_assert_int_eq(cr_profile_save(s, path, d), 4);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    cr_session *t = new_session();
    ck_assert_int_eq(cr_profile_load(t, path, d), 4);
    ck_assert_int_eq(cr_diag_len(d), 0);
    const char *names[] = {"goal", "publications", "has_offer", "note"};
    for (int k = 0; k < 4; k++) {
        char *a = value_of(s, names[k]), *b = value_of(t, names[k]);
        ck_assert_str_eq(a, b);
        free(a);
        free(b);
    }
    cr_session_free(t);
    free(path);
}
END_TEST

/* Numbers of any size come back exactly (once a cast to an integer of
 * a number beyond its range was undefined behaviour: a fuzz finding). */
START_TEST(test_large_numbers)
{
    const char *numbers[] = {"25555555555555", "1.2203333333333333e+115",
                             "-0.1", "3"};
    char *path = in_dir("me.yaml");
    for (int k = 0; k < 4; k++) {
        ck_assert_int_eq(cr_session_set(s, "publications", numbers[k], d), 0);
        ck_assert_int_eq(cr_profile_save(s, path, d), 1);
        cr_session *t = new_session();
        ck_assert_int_eq(cr_profile_load(t, path, d), 1);
        const cr_fact *a = cr_wm_get(cr_session_wm(s),
                                     cr_kb_fact(cr_session_kb(s),
                                                "publications"));
        const cr_fact *b = cr_wm_get(cr_session_wm(t),
                                     cr_kb_fact(cr_session_kb(t),
                                                "publications"));
        ck_assert(a->value.num == b->value.num);
        cr_session_free(t);
    }
    free(path);
}
END_TEST

START_TEST(test_invalid_utf8_is_replaced)
{
    char *path = in_dir("me.yaml");
    ck_assert_int_eq(cr_session_set(s, "note", "bad \xff\xfe bytes", d), 0);
    ck_assert_int_eq(cr_profile_save(s, path, d), 1);
    cr_session *t = new_session();
    ck_assert_int_eq(cr_profile_load(t, path, d), 1);
    char *v = value_of(t, "note");
    ck_assert_str_eq(v, "bad \xef\xbf\xbd\xef\xbf\xbd bytes");
    free(v);
    cr_session_free(t);
    free(path);
}
END_TEST

START_TEST(test_bad_profile_changes_nothing)
{
    char *path = in_dir("bad.yaml");
    cr_test_write(path, "facts:\n  goal: startup\n  publicatons: 3\n"
               "  has_offer: perhaps\n");
    ck_assert_int_eq(cr_profile_load(s, path, d), -1);
    ck_assert_int_eq(cr_diag_errors(d), 2);
    cr_diag_sort(d);
    char *e0 = cr_diag_format(cr_diag_get(d, 0));
    char *e1 = cr_diag_format(cr_diag_get(d, 1));
    char *want0 = xasprintf("%s:3:3: error: no fact 'publicatons' (did you "
                            "mean 'publications'?)", path);
    char *want1 = xasprintf("%s:4:14: error: 'perhaps' is not a value of "
                            "fact 'has_offer'", path);
    ck_assert_str_eq(e0, want0);
    ck_assert_str_eq(e1, want1);
    char *goal = value_of(s, "goal");
    ck_assert_str_eq(goal, "");     /* not taken in part */
    free(goal);
    free(e0);
    free(e1);
    free(want0);
    free(want1);
    free(path);
}
END_TEST

static const char *const malformed[][2] = {
    {"facts: [goal, startup]\n", "'facts' is a mapping"},
    {"fact:\n  goal: startup\n", "unknown key 'fact'"},
    {"facts:\n  goal: [a, b]\n", "is one word or number"},
    {"facts:\n  goal: &x startup\n  background: *x\n", "aliases"},
    {"- a list\n", "a profile is a mapping"},
    {"facts: {goal: startup\n", ":"},
    {"facts:\n  goal: startup\n  goal: academia\n",
     "fact 'goal' is given twice (first at 2:3)"},
};

START_TEST(test_malformed)
{
    char *path = in_dir("bad.yaml");
    cr_test_write(path, malformed[_i][0]);
    ck_assert_int_eq(cr_profile_load(s, path, d), -1);
    ck_assert_int_ge(cr_diag_errors(d), 1);
    char *e = cr_diag_format(cr_diag_get(d, 0));
    ck_assert_msg(strstr(e, malformed[_i][1]) && strstr(e, path) == e,
                  "%s: got '%s'", malformed[_i][0], e);
    free(e);
    free(path);
}
END_TEST

/* The facts crossroads sets itself are no profile's to state. */
START_TEST(test_reserved_facts)
{
    char *path = in_dir("bad.yaml");
    cr_test_write(path, "facts:\n  question: why\n");
    ck_assert_int_eq(cr_profile_load(s, path, d), -1);
    char *e = cr_diag_format(cr_diag_get(d, 0));
    char *want = xasprintf("%s:2:3: error: fact 'question' is reserved: "
                           "crossroads sets it itself", path);
    ck_assert_str_eq(e, want);
    free(want);
    free(e);
    free(path);
}
END_TEST

START_TEST(test_empty_profiles)
{
    const char *texts[] = {"", "# nothing\n", "facts:\n", "facts: {}\n",
                           "~\n"};
    char *path = in_dir("empty.yaml");
    for (int k = 0; k < 5; k++) {
        cr_test_write(path, texts[k]);
        ck_assert_int_eq(cr_profile_load(s, path, d), 0);
        ck_assert_int_eq(cr_diag_len(d), 0);
    }
    /* And an empty session saves one that loads. */
    ck_assert_int_eq(cr_profile_save(s, path, d), 0);
    ck_assert_int_eq(cr_profile_load(s, path, d), 0);
    free(path);
}
END_TEST

START_TEST(test_failed_save_keeps_old)
{
    char *path = in_dir("me.yaml");
    cr_test_write(path, "facts:\n  goal: academia\n");
    ck_assert_int_eq(cr_session_set(s, "goal", "startup", d), 0);
    char *missing = in_dir("no/such/folder/me.yaml");
    ck_assert_int_eq(cr_profile_save(s, missing, d), -1);
    char *e = cr_diag_format(cr_diag_get(d, 0));
    ck_assert_ptr_nonnull(strstr(e, "cannot save the profile: No such file"));
    free(e);
    free(missing);
    /* A save onto a folder fails at the rename and removes its file; the
     * old profile beside it is untouched. */
    char *sub = in_dir("sub");
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    char *inner = in_dir("sub/x");
    cr_test_write(inner, "");
    cr_diag_clear(d);
    ck_assert_int_eq(cr_profile_save(s, sub, d), -1);
    char *cmd = xasprintf("test \"$(ls '%s')\" = \"$(printf 'me.yaml\\nsub')\""
                          " && grep -q academia '%s'", dir, path);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    free(inner);
    free(sub);
    free(path);
}
END_TEST

START_TEST(test_too_large)
{
    char *path = in_dir("big.yaml");
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (int k = 0; k < CR_PROFILE_MAX / 16 + 1; k++)
        fputs("# padding.......\n", f);
    fclose(f);
    ck_assert_int_eq(cr_profile_load(s, path, d), -1);
    char *e = cr_diag_format(cr_diag_get(d, 0));
    ck_assert_ptr_nonnull(strstr(e, "larger than a profile can be"));
    free(e);
    free(path);
}
END_TEST

static Suite *suite(void)
{
    Suite *su = suite_create("profile");
    TCase *tc = tcase_create("profile");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_round_trip, 0,
                        (int)(sizeof awkward / sizeof *awkward));
    tcase_add_test(tc, test_large_numbers);
    tcase_add_test(tc, test_invalid_utf8_is_replaced);
    tcase_add_test(tc, test_bad_profile_changes_nothing);
    tcase_add_loop_test(tc, test_malformed, 0,
                        (int)(sizeof malformed / sizeof *malformed));
    tcase_add_test(tc, test_reserved_facts);
    tcase_add_test(tc, test_empty_profiles);
    tcase_add_test(tc, test_failed_save_keeps_old);
    tcase_add_test(tc, test_too_large);
    suite_add_tcase(su, tc);
    return su;
}

int main(void)
{
    return cr_run_suite(suite());
}
