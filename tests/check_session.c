/* check_session.c - a session's rules reloaded mid-conversation: new
 * rules answer, errors keep the old ones, what the user said survives. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profile.h"
#include "session.h"
#include "testutil.h"

static cr_session *s;
static cr_diag *d;
static char dir[] = "/tmp/cr-check-session-XXXXXX";
static char *builtin, *mine;    /* the built-in folder, the user's file */

/* Write text as the user's rule file. */
static void write_mine(const char *text)
{
    FILE *f = fopen(mine, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static const char *both[2];     /* builtin, mine */

static void setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(dir));
    builtin = cr_test_path("rules");
    mine = xasprintf("%s/mine.yaml", dir);
    write_mine("");
    both[0] = builtin;
    both[1] = mine;
    char *essay = cr_test_path(CR_TEST_ESSAY);
    d = cr_diag_new();
    s = cr_session_new(essay, both, 2, d);
    ck_assert_int_eq(cr_diag_len(d), 0);
    ck_assert_ptr_nonnull(s);
    free(essay);
}

static void teardown(void)
{
    cr_session_free(s);
    cr_diag_free(d);
    unlink(mine);
    rmdir(dir);
    strcpy(dir + strlen(dir) - 6, "XXXXXX");
    free(mine);
    free(builtin);
}

static cr_answer *ask(const char *q)
{
    cr_answer *a = NULL;
    ck_assert_int_eq(cr_session_ask(s, q, strlen(q), &a, d), 0);
    ck_assert_ptr_nonnull(a);
    return a;
}

/* The value of fact name in answer a, as text, or NULL. */
static const char *fact(const cr_answer *a, const char *name)
{
    for (int i = 0; i < a->nfacts; i++)
        if (strcmp(a->facts[i].name, name) == 0)
            return a->facts[i].text;
    return NULL;
}

static const char SABBATICAL[] =
    "intents:\n"
    "  - id: ask.sabbatical\n"
    "    patterns: [{match: '\\bsabbatical\\b', weight: 9}]\n"
    "    examples: [should I take a sabbatical]\n"
    "rules:\n"
    "  - id: mine.sabbatical\n"
    "    when: {intent: ask.sabbatical}\n"
    "    then: {answer: Take it., cite: thoughts}\n";

START_TEST(test_reload_adds_rules)
{
    cr_answer *a = ask("should I take a sabbatical");
    ck_assert(a->intent == NULL ||
              strcmp(a->intent, "ask.sabbatical") != 0);
    cr_answer_free(a);
    write_mine(SABBATICAL);
    ck_assert_int_eq(cr_session_reload(s, NULL, 0, d), 0);
    ck_assert_int_eq(cr_diag_len(d), 0);
    a = ask("should I take a sabbatical");
    ck_assert_str_eq(a->intent, "ask.sabbatical");
    ck_assert_str_eq(a->trace[0], "mine.sabbatical");
    cr_answer_free(a);
}
END_TEST

START_TEST(test_reload_errors_keep_old_rules)
{
    write_mine(SABBATICAL);
    ck_assert_int_eq(cr_session_reload(s, NULL, 0, d), 0);
    write_mine("rules:\n  - id: broken\n    then: {answer: \"x}\n");
    ck_assert_int_eq(cr_session_reload(s, NULL, 0, d), -1);
    char *got = cr_test_diags(d);
    char *want = xasprintf("%s:4:1: error: YAML syntax error: found "
                           "unexpected end of stream while scanning a "
                           "quoted scalar (which starts at 3:20)\n", mine);
    ck_assert_str_eq(got, want);
    free(got);
    free(want);
    cr_diag_clear(d);
    cr_answer *a = ask("should I take a sabbatical");
    ck_assert_str_eq(a->intent, "ask.sabbatical");
    cr_answer_free(a);
}
END_TEST

START_TEST(test_reload_keeps_stated_facts)
{
    ck_assert_int_eq(cr_session_set(s, "goal", "academia", d), 0);
    cr_answer *a = ask("I have 2 papers");
    cr_answer_free(a);
    write_mine(SABBATICAL);
    ck_assert_int_eq(cr_session_reload(s, NULL, 0, d), 0);
    ck_assert_int_eq(cr_diag_len(d), 0);
    a = ask("should I do a PhD");
    ck_assert_str_eq(fact(a, "goal"), "academia");
    ck_assert_str_eq(fact(a, "publications"), "2");
    ck_assert_int_eq(a->reco, CR_RECO_PHD);
    cr_answer_free(a);
}
END_TEST

/* A fact declared with a value holds it from the start, as a deffacts:
 * until the user says otherwise, again after a reset, from a reload's
 * new value; and it is the rules', not saved in the user's profile. */
START_TEST(test_initial_values)
{
    write_mine("facts:\n  visa: {values: [granted, pending], value: "
               "pending}\n");
    ck_assert_int_eq(cr_session_reload(s, NULL, 0, d), 0);
    cr_answer *a = ask("hello");
    ck_assert_str_eq(fact(a, "visa"), "pending");
    cr_answer_free(a);
    int n;
    char *p = cr_profile_text(s, &n);
    ck_assert_int_eq(n, 0);
    free(p);
    ck_assert_int_eq(cr_session_set(s, "visa", "granted", d), 0);
    p = cr_profile_text(s, &n);
    ck_assert_int_eq(n, 1);
    free(p);
    cr_session_reset(s);
    a = ask("hello");
    ck_assert_str_eq(fact(a, "visa"), "pending");
    cr_answer_free(a);
    write_mine("facts:\n  visa: {values: [granted, pending], value: "
               "granted}\n");
    ck_assert_int_eq(cr_session_reload(s, NULL, 0, d), 0);
    a = ask("hello");
    ck_assert_str_eq(fact(a, "visa"), "granted");
    cr_answer_free(a);
}
END_TEST

START_TEST(test_reload_drops_what_no_longer_fits)
{
    write_mine("facts:\n"
               "  visa: {values: [granted, pending]}\n"
               "  city: {values: [paris, lyon]}\n");
    ck_assert_int_eq(cr_session_reload(s, NULL, 0, d), 0);
    ck_assert_int_eq(cr_session_set(s, "visa", "pending", d), 0);
    ck_assert_int_eq(cr_session_set(s, "city", "lyon", d), 0);
    ck_assert_int_eq(cr_session_set(s, "goal", "startup", d), 0);
    write_mine("facts:\n"
               "  city: {values: [paris, nice]}\n");
    ck_assert_int_eq(cr_session_reload(s, NULL, 0, d), 0);
    char *got = cr_test_diags(d);
    ck_assert_str_eq(got,
                     "warning: dropped visa = pending: the "
                     "rules no longer declare fact 'visa'\n"
                     "warning: dropped city = lyon: it is no "
                     "longer a value of fact 'city'\n");
    free(got);
    cr_answer *a = ask("what is the pay");
    ck_assert_str_eq(fact(a, "goal"), "startup");
    ck_assert_ptr_null(fact(a, "city"));
    cr_answer_free(a);
}
END_TEST

START_TEST(test_reload_other_paths)
{
    write_mine(SABBATICAL);
    const char *only_builtin[] = {builtin};
    ck_assert_int_eq(cr_session_reload(s, only_builtin, 1, d), 0);
    cr_answer *a = ask("should I take a sabbatical");
    ck_assert(a->intent == NULL ||
              strcmp(a->intent, "ask.sabbatical") != 0);
    cr_answer_free(a);
    /* NULL now means the built-in rules alone. */
    ck_assert_int_eq(cr_session_reload(s, NULL, 0, d), 0);
    ck_assert_int_eq(cr_kb_rule(cr_session_kb(s), "mine.sabbatical"), -1);
    ck_assert_int_eq(cr_session_reload(s, both, 2, d), 0);
    ck_assert_int_ge(cr_kb_rule(cr_session_kb(s), "mine.sabbatical"), 0);
}
END_TEST

START_TEST(test_reload_explains_nothing_stale)
{
    cr_answer *a = ask("how much does a PhD pay");
    cr_answer_free(a);
    cr_session_jit(s);
    write_mine(SABBATICAL);
    ck_assert_int_eq(cr_session_reload(s, NULL, 0, d), 0);
    char *why = cr_session_explain(s);     /* no run since the reload */
    ck_assert_ptr_nonnull(why);
    ck_assert_ptr_null(strstr(why, "phd.pay"));
    free(why);
    a = ask("should I take a sabbatical");     /* JIT-compiled anew */
    ck_assert_str_eq(a->intent, "ask.sabbatical");
    cr_answer_free(a);
}
END_TEST

/* What a user types for a value is read as the consultation reads a
 * reply: any case, spaces for hyphens, a beginning no other value
 * shares; counts are never negative; a mistake names what would do. */
START_TEST(test_user_values)
{
    const cr_kb *kb = cr_session_kb(s);
    const char *near;
    int goal = cr_kb_user_fact(kb, "goal", &near);
    ck_assert_int_ge(goal, 0);
    ck_assert_int_eq(cr_kb_user_fact(kb, "gaol", &near), -1);
    ck_assert_str_eq(near, "goal");
    ck_assert_int_eq(cr_kb_user_fact(kb, "question", &near),
                     CR_FACT_RESERVED);
    ck_assert_int_eq(cr_kb_user_fact(kb, "intent", &near),
                     CR_FACT_RESERVED);
    const cr_factdecl *f = cr_kb_factdecl(kb, goal);
    const char *forms[] = {"research-scientist", "Research Scientist",
                           "RESEARCH_SCIENTIST", "research s"};
    for (int k = 0; k < 4; k++) {
        cr_value v;
        ck_assert_msg(cr_value_read(f, forms[k], &v, d), "%s", forms[k]);
        ck_assert_str_eq(v.str, "research-scientist");
        cr_value_free(&v);
    }
    cr_value v;
    ck_assert(!cr_value_read(f, "research", &v, d));
    ck_assert(!cr_value_read(f, "astronaut", &v, d));
    ck_assert(!cr_value_read(f, "", &v, d));
    f = cr_kb_factdecl(kb, cr_kb_fact(kb, "publications"));
    ck_assert(cr_value_read(f, "0", &v, d));
    ck_assert(!cr_value_read(f, "-3", &v, d));
    ck_assert_int_eq(cr_diag_len(d), 4);
    const char *want[] = {
        "'research' could be research-scientist or research-engineer: "
        "type more of it",
        "'astronaut' is not a value of fact 'goal': one of academia, "
        "research-scientist, research-engineer, ml-engineer, "
        "software-engineer, ml-infrastructure, startup, industry, undecided",
        "'' is not a value of fact 'goal': one of academia, "
        "research-scientist, research-engineer, ml-engineer, "
        "software-engineer, ml-infrastructure, startup, industry, undecided",
        "publications must be 0 or more",
    };
    for (int k = 0; k < 4; k++)
        ck_assert_str_eq(cr_diag_get(d, k)->message, want[k]);
}
END_TEST

static Suite *suite(void)
{
    Suite *su = suite_create("session");
    TCase *tc = tcase_create("reload");
    tcase_set_timeout(tc, 120);         /* loads rules several times */
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_reload_adds_rules);
    tcase_add_test(tc, test_reload_errors_keep_old_rules);
    tcase_add_test(tc, test_reload_keeps_stated_facts);
    tcase_add_test(tc, test_initial_values);
    tcase_add_test(tc, test_reload_drops_what_no_longer_fits);
    tcase_add_test(tc, test_reload_other_paths);
    tcase_add_test(tc, test_reload_explains_nothing_stale);
    suite_add_tcase(su, tc);
    tc = tcase_create("values");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_user_values);
    suite_add_tcase(su, tc);
    return su;
}

int main(void)
{
    return cr_run_suite(suite());
}
