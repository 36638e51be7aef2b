/* check_consult.c - the guided consultation: which questions, in which
 * order, the replies (values, skip, back, why, nonsense), the verdict
 * and the end of the interview, on the built-in rules and on a small
 * rule file of its own (tests/fixtures/consult.yaml). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consult.h"
#include "session.h"
#include "testutil.h"

static cr_session *s;
static cr_consult *c;
static cr_diag *d;

static void open_session(const char *rules)
{
    char *essay = cr_test_path(CR_TEST_ESSAY);
    char *path = cr_test_path(rules);
    const char *paths[] = {path};
    d = cr_diag_new();
    s = cr_session_new(essay, paths, 1, d);
    ck_assert_int_eq(cr_diag_len(d), 0);
    ck_assert_ptr_nonnull(s);
    free(essay);
    free(path);
}

static void setup(void)
{
    open_session("rules");
}

static void setup_fixture(void)
{
    open_session("tests/fixtures/consult.yaml");
}

static void teardown(void)
{
    cr_consult_free(c);
    c = NULL;
    cr_session_free(s);
    cr_diag_free(d);
}

static void start(void)
{
    c = cr_consult_new(s, d);
    ck_assert_ptr_nonnull(c);
}

/* The name of the fact asked next, or "" when nothing is. */
static const char *next(void)
{
    cr_question q;
    return cr_consult_next(c, &q) ? q.name : "";
}

static void reply(const char *text, cr_consult_status want)
{
    int before = cr_diag_len(d);
    ck_assert_int_eq(cr_consult_answer(c, text, d), want);
    if (want != CR_CONSULT_ERROR)
        ck_assert_int_eq(cr_diag_len(d), before);
}

/* The message of the last diagnostic, and forget them all. */
static char *last_error(void)
{
    ck_assert_int_gt(cr_diag_len(d), 0);
    char *m = xstrdup(cr_diag_get(d, cr_diag_len(d) - 1)->message);
    cr_diag_clear(d);
    return m;
}

static const char *value(const char *fact)
{
    return cr_test_value(cr_session_kb(s), cr_session_wm(s), fact,
                         "(unknown)");
}

/* The built-in rules. */

START_TEST(test_first_question)
{
    start();
    cr_question q;
    ck_assert_int_eq(cr_consult_next(c, &q), 1);
    ck_assert_str_eq(q.name, "goal");
    ck_assert_int_eq(q.type, CR_CHOICE);
    ck_assert_int_eq(q.nchoices, 9);
    ck_assert_str_eq(q.choices[0], "academia");
    /* The ten goal.* rules, decision.should-i (while the goal is
     * missing) and the situations growing-offer, no-papers,
     * responsibilities, research-with-family, untested, other-science
     * and founder-with-offer. */
    ck_assert_int_eq(q.nrules, 18);
    ck_assert_ptr_nonnull(strstr(q.text, "five years"));
    ck_assert_str_eq(q.hint, "one of: academia, research-scientist, "
                             "research-engineer, ml-engineer, "
                             "software-engineer, ml-infrastructure, "
                             "startup, industry or undecided");
    /* Asking again without a reply asks the same. */
    ck_assert_str_eq(next(), "goal");
    char *shown = cr_question_render(&q, 0);
    ck_assert_ptr_nonnull(strstr(shown, "\n  (or why, skip, back)\n"));
    free(shown);
}
END_TEST

START_TEST(test_order)
{
    start();
    ck_assert_str_eq(next(), "goal");
    reply("startup", CR_CONSULT_ANSWERED);
    ck_assert_str_eq(value("goal"), "startup");
    /* Either path leads at 0.5, and industry could pass it: the offer
     * rules (growing-offer, slow-offer) need both offer facts, and
     * has_offer is declared first; founder-with-offer needs it too. */
    cr_question q;
    ck_assert_int_eq(cr_consult_next(c, &q), 1);
    ck_assert_str_eq(q.name, "has_offer");
    ck_assert_int_eq(q.nrules, 3);
    ck_assert_int_eq(q.nchoices, 2);
    ck_assert_str_eq(q.hint, "yes or no");
    reply("y", CR_CONSULT_ANSWERED);
    ck_assert_str_eq(next(), "offer_growth");
    reply("hi", CR_CONSULT_ANSWERED);
    /* Industry leads at 0.92 (founder-with-offer and growing-offer):
     * nothing left could pass it. */
    ck_assert_str_eq(next(), "");
    cr_answer *a = cr_consult_conclude(c, d);
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(a->reco, CR_RECO_INDUSTRY);
    ck_assert_double_eq_tol(a->strength, 0.92, 1e-9);
    cr_answer_free(a);
}
END_TEST

START_TEST(test_uncontested)
{
    start();
    reply("ML Engineer", CR_CONSULT_ANSWERED);
    /* Industry at 0.7; the live rules for another path (slow-offer and
     * long-in-industry, either at 0.4 each) could reach 0.64 at best,
     * so no answer could change the recommendation. */
    ck_assert_str_eq(next(), "");
    cr_answer *a = cr_consult_conclude(c, d);
    ck_assert_int_eq(a->reco, CR_RECO_INDUSTRY);
    ck_assert_double_eq_tol(a->strength, 0.7, 1e-9);
    cr_answer_free(a);
}
END_TEST

START_TEST(test_known_not_asked)
{
    cr_answer *a = NULL;
    const char *say = "I want to become a software engineer";
    ck_assert_int_eq(cr_session_ask(s, say, strlen(say), &a, d), 0);
    cr_answer_free(a);
    start();
    ck_assert_str_eq(next(), "has_offer");
    reply("no", CR_CONSULT_ANSWERED);
    /* growing-offer died with has_offer = false: offer_growth is not
     * asked, and nothing else would change the recommendation. */
    ck_assert_str_eq(next(), "");
}
END_TEST

START_TEST(test_dead_rules_skipped)
{
    ck_assert_int_eq(cr_session_set(s, "offer_growth", "low", d), 0);
    start();
    reply("academia", CR_CONSULT_ANSWERED);
    /* Every other goal.* rule is dead, and so is growing-offer (not for
     * academia): has_offer is not asked. */
    ck_assert_str_eq(next(), "");
}
END_TEST

START_TEST(test_skip)
{
    start();
    reply("skip", CR_CONSULT_SKIPPED);
    ck_assert_str_eq(value("goal"), "(unknown)");
    /* The goal.* rules cannot fire now, and decision.should-i holds
     * (either, 0.3); growing-offer could still pass it. */
    ck_assert_str_eq(next(), "has_offer");
    reply("SKIP", CR_CONSULT_SKIPPED);
    ck_assert_str_eq(next(), "years_industry");
    reply("skip", CR_CONSULT_SKIPPED);
    ck_assert_str_eq(next(), "responsibilities");
    reply("skip", CR_CONSULT_SKIPPED);
    ck_assert_str_eq(next(), "");
    char *v = cr_consult_verdict(c, 0, 0, d);
    ck_assert_ptr_nonnull(v);
    ck_assert_ptr_nonnull(strstr(v, "Recommendation: either path, "
                                    "tentatively (certainty 0.30)"));
    free(v);
}
END_TEST

START_TEST(test_back)
{
    start();
    reply("back", CR_CONSULT_ERROR);
    char *m = last_error();
    ck_assert_str_eq(m, "there is no earlier answer to go back to");
    free(m);
    reply("undecided", CR_CONSULT_ANSWERED);
    ck_assert_str_eq(next(), "has_offer");
    reply("back", CR_CONSULT_BACK);
    ck_assert_str_eq(value("goal"), "(unknown)");
    ck_assert_str_eq(next(), "goal");
    reply("startup", CR_CONSULT_ANSWERED);
    ck_assert_str_eq(next(), "has_offer");
    /* Back over a skip asks the skipped question again. */
    reply("skip", CR_CONSULT_SKIPPED);
    ck_assert_str_eq(next(), "");
    reply("back", CR_CONSULT_BACK);
    ck_assert_str_eq(next(), "has_offer");
    reply("yes", CR_CONSULT_ANSWERED);
    ck_assert_str_eq(next(), "offer_growth");
    /* Back twice: the offer and the goal are both unknown again. */
    reply("back", CR_CONSULT_BACK);
    reply("back", CR_CONSULT_BACK);
    ck_assert_str_eq(value("has_offer"), "(unknown)");
    ck_assert_str_eq(value("goal"), "(unknown)");
    ck_assert_str_eq(next(), "goal");
}
END_TEST

START_TEST(test_why)
{
    start();
    reply("why", CR_CONSULT_WHY);
    reply("Why?", CR_CONSULT_WHY);
    ck_assert_str_eq(next(), "goal");
    char *w = cr_consult_why(c);
    ck_assert_ptr_nonnull(strstr(w, "I ask for goal because rule "
                                    "decision.should-i"));
    ck_assert_ptr_nonnull(strstr(w, "rule goal.academia ("));
    ck_assert_ptr_nonnull(strstr(w, "if goal is academia: recommends a "
                                    "PhD (confidence 0.90)"));
    ck_assert_ptr_nonnull(strstr(w, "if not (goal is one of academia, "
                                    "research-scientist): recommends "
                                    "industry (confidence 0.60)"));
    free(w);
    reply("startup", CR_CONSULT_ANSWERED);
    /* growing-offer also needs offer_growth, which is unknown: it is
     * named all the same, because offer_growth is still to be asked. */
    w = cr_consult_why(c);
    ck_assert_ptr_nonnull(strstr(w, "Knowing has_offer would let these "
                                    "rules decide:\n  rule "
                                    "situation.founder-with-offer ("));
    ck_assert_ptr_nonnull(strstr(w, "\n  rule situation.growing-offer ("));
    ck_assert_ptr_nonnull(strstr(w, "if has_offer is true: recommends "
                                    "industry (confidence 0.60)"));
    free(w);
}
END_TEST

START_TEST(test_invalid)
{
    start();
    reply("maybe", CR_CONSULT_ERROR);
    char *m = last_error();
    ck_assert_str_eq(m, "'maybe' is not an answer to this question: answer "
                        "one of: academia, research-scientist, "
                        "research-engineer, ml-engineer, software-engineer, "
                        "ml-infrastructure, startup, industry or "
                        "undecided, or why, "
                        "skip or back");
    free(m);
    reply("research", CR_CONSULT_ERROR);
    m = last_error();
    ck_assert_str_eq(m, "'research' could be research-scientist or "
                        "research-engineer: type more of it");
    free(m);
    reply("   ", CR_CONSULT_ERROR);
    m = last_error();
    ck_assert_ptr_nonnull(strstr(m, "no answer: answer one of: academia"));
    free(m);
    /* Escapes never reach the message. */
    reply("\033[31mred", CR_CONSULT_ERROR);
    m = last_error();
    ck_assert_ptr_null(strchr(m, '\033'));
    free(m);
    ck_assert_str_eq(next(), "goal");
    reply("research engineer.", CR_CONSULT_ANSWERED);
    ck_assert_str_eq(value("goal"), "research-engineer");
    reply("perhaps", CR_CONSULT_ERROR);
    m = last_error();
    ck_assert_str_eq(m, "'perhaps' is not an answer to this question: "
                        "answer yes or no, or why, skip or back");
    free(m);
    reply("N", CR_CONSULT_ANSWERED);
    ck_assert_str_eq(value("has_offer"), "false");
}
END_TEST

START_TEST(test_verdict_academia)
{
    const char *replies[] = {"why", "acad", "how"};
    char *t = cr_consult_script(s, replies, 3, 0, d);
    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_nonnull(strstr(t, "? What would you like to be doing in "
                                    "five years?"));
    ck_assert_ptr_nonnull(strstr(t, "> why\nI ask for goal because "));
    ck_assert_ptr_nonnull(strstr(t, "> acad\n\nRecommendation: a PhD, "
                                    "strongly (certainty 0.90)\n"));
    ck_assert_ptr_nonnull(strstr(t, "\nWhy:\n  - If your aim is to become "
                                    "a professor"));
    ck_assert_ptr_nonnull(strstr(t, "\nWhat I went on:\n  goal = academia "
                                    "(you answered)\n"));
    ck_assert_ptr_nonnull(strstr(t, "\nFrom the essay:\n  § Introduction "
                                    "(#introduction)\n"));
    /* how explains down to the answer. */
    ck_assert_ptr_nonnull(strstr(t, "> how\nHow I got there:\n  rule "
                                    "goal.academia ("));
    ck_assert_ptr_nonnull(strstr(t, "you answered \"acad\" in the "
                                    "consultation"));
    free(t);
}
END_TEST

START_TEST(test_script_runs_out)
{
    const char *replies[] = {"startup", "back"};
    char *t = cr_consult_script(s, replies, 2, 0, d);
    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_nonnull(strstr(t, "> startup\n? Do you have a job offer"));
    ck_assert_ptr_nonnull(strstr(t, "> back\n? What would you like"));
    /* No replies left: goal, has_offer, years_industry and
     * responsibilities are skipped, and the verdict is the essay's
     * "it depends". */
    const char *skipped = "> (no reply: skipped)\n";
    const char *first = strstr(t, skipped);
    ck_assert_ptr_nonnull(first);
    ck_assert_ptr_nonnull(strstr(first + 1, skipped));
    ck_assert_ptr_nonnull(strstr(t, "\nRecommendation: either path, "
                                    "tentatively (certainty 0.30)\n"));
    free(t);
}
END_TEST

START_TEST(test_verdict_offer)
{
    start();
    reply("software", CR_CONSULT_ANSWERED);
    reply("yes", CR_CONSULT_ANSWERED);
    reply("high", CR_CONSULT_ANSWERED);
    ck_assert_str_eq(next(), "");
    cr_answer *a = cr_consult_conclude(c, d);
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(a->reco, CR_RECO_INDUSTRY);
    ck_assert_double_eq_tol(a->strength, 0.84, 1e-9);   /* .6 + .6 x .4 */
    ck_assert_int_eq(a->ncites, 3);
    ck_assert_str_eq(a->cites[0].anchor, "look-for-exponential-growth");
    ck_assert_str_eq(a->cites[1].anchor, "introduction");
    ck_assert_str_eq(a->cites[2].anchor, "software-engineer");
    ck_assert_str_eq(a->cites[2].heading, "Software Engineer");
    cr_answer_free(a);
    char *v = cr_consult_verdict(c, 0, 0, d);
    ck_assert_ptr_nonnull(strstr(v, "Recommendation: industry, strongly "
                                    "(certainty 0.84)\n"));
    ck_assert_ptr_nonnull(strstr(v, "goal = software-engineer (you "
                                    "answered), has_offer = true (you "
                                    "answered), offer_growth = high (you "
                                    "answered)"));
    free(v);
    char *how = cr_consult_how(c);
    ck_assert_ptr_nonnull(strstr(how, "rule situation.growing-offer ("));
    ck_assert_ptr_nonnull(strstr(how, "you answered \"yes\" in the "
                                      "consultation"));
    free(how);
}
END_TEST

START_TEST(test_end_state)
{
    start();
    reply("academia", CR_CONSULT_ANSWERED);
    ck_assert_str_eq(next(), "");
    ck_assert_str_eq(next(), "");
    reply("skip", CR_CONSULT_ERROR);
    char *m = last_error();
    ck_assert_str_eq(m, "nothing is being asked: I have what I need for a "
                        "verdict");
    free(m);
    reply("why", CR_CONSULT_ERROR);
    free(last_error());
    char *w = cr_consult_why(c);
    ck_assert_str_eq(w, "Nothing is being asked: I have what I need for a "
                        "verdict.\n");
    free(w);
    /* Back still works after the last question. */
    reply("back", CR_CONSULT_BACK);
    ck_assert_str_eq(next(), "goal");
}
END_TEST

START_TEST(test_answers_stay)
{
    start();
    reply("ml-infra", CR_CONSULT_ANSWERED);
    cr_consult_free(c);
    c = NULL;
    /* The answer is a stated fact of the conversation. */
    const cr_fact *f = cr_wm_get(cr_session_wm(s),
                                 cr_kb_fact(cr_session_kb(s), "goal"));
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(f->source, CR_SRC_ANSWER);
    cr_answer *a = NULL;
    const char *q = "should I do a PhD?";
    ck_assert_int_eq(cr_session_ask(s, q, strlen(q), &a, d), 0);
    ck_assert_int_eq(a->reco, CR_RECO_INDUSTRY);
    ck_assert_str_eq(a->cites[0].anchor, "ai-tools-and-infrastructure");
    cr_answer_free(a);
    /* A new consultation does not ask it again, and with industry at
     * 0.7 nothing else could change the recommendation. */
    start();
    ck_assert_str_eq(next(), "");
}
END_TEST

/* The fixture's rules. */

START_TEST(test_fixture_order)
{
    start();
    cr_question q;
    /* stage is needed by two rules, papers (through track) and
     * loves_teaching by one each; mood only by a rule of another
     * intent. */
    ck_assert_int_eq(cr_consult_next(c, &q), 1);
    ck_assert_str_eq(q.name, "stage");
    ck_assert_int_eq(q.nrules, 2);
    ck_assert_str_eq(q.hint, "student or working");
    reply("stu", CR_CONSULT_ANSWERED);
    /* A tie: papers is declared first. */
    ck_assert_int_eq(cr_consult_next(c, &q), 1);
    ck_assert_str_eq(q.name, "papers");
    ck_assert_str_eq(q.hint, "a number");
    ck_assert_ptr_null(q.choices);
    reply("two", CR_CONSULT_ERROR);
    free(last_error());
    reply(" 3 ", CR_CONSULT_ANSWERED);
    ck_assert_str_eq(value("track"), "research");
    /* r.student-teacher is still live, but it recommends the PhD that
     * r.phd already does: loves_teaching could only make it surer. */
    ck_assert_str_eq(next(), "");
    cr_answer *a = cr_consult_conclude(c, d);
    ck_assert_int_eq(a->reco, CR_RECO_PHD);
    ck_assert_double_eq_tol(a->strength, 0.8, 1e-9);
    ck_assert_int_eq(a->ncites, 1);
    ck_assert_str_eq(a->cites[0].anchor, "introduction");
    cr_answer_free(a);
}
END_TEST

START_TEST(test_fixture_dead)
{
    start();
    reply("working", CR_CONSULT_ANSWERED);
    /* r.student-teacher is dead: loves_teaching is never asked. */
    ck_assert_str_eq(next(), "papers");
    reply("1", CR_CONSULT_ANSWERED);
    ck_assert_str_eq(next(), "");
    char *v = cr_consult_verdict(c, 0, 0, d);
    ck_assert_ptr_nonnull(strstr(v, "Recommendation: industry, on balance "
                                    "(certainty 0.60)\n"));
    ck_assert_ptr_nonnull(strstr(v, "(#thoughts)"));
    free(v);
}
END_TEST

static Suite *suite(void)
{
    Suite *su = suite_create("consult");
    TCase *tc = tcase_create("built-in rules");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_first_question);
    tcase_add_test(tc, test_order);
    tcase_add_test(tc, test_uncontested);
    tcase_add_test(tc, test_known_not_asked);
    tcase_add_test(tc, test_dead_rules_skipped);
    tcase_add_test(tc, test_skip);
    tcase_add_test(tc, test_back);
    tcase_add_test(tc, test_why);
    tcase_add_test(tc, test_invalid);
    tcase_add_test(tc, test_verdict_academia);
    tcase_add_test(tc, test_script_runs_out);
    tcase_add_test(tc, test_verdict_offer);
    tcase_add_test(tc, test_end_state);
    tcase_add_test(tc, test_answers_stay);
    suite_add_tcase(su, tc);
    TCase *fx = tcase_create("fixture");
    tcase_add_checked_fixture(fx, setup_fixture, teardown);
    tcase_add_test(fx, test_fixture_order);
    tcase_add_test(fx, test_fixture_dead);
    suite_add_tcase(su, fx);
    return su;
}

int main(void)
{
    return cr_run_suite(suite());
}
