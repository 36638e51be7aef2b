/* check_engine.c - the inference engine: agenda order, refraction, truth
 * maintenance, certainty, the firing limit, the cycle check and every
 * form of explanation, each on a small rule set with the exact trace. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "loader.h"
#include "testutil.h"

static cr_kb *kb;
static cr_wm *wm;
static cr_engine *e;
static cr_diag *d;
static cr_run run;
static int turn;

static void setup(void)
{
    d = cr_diag_new();
    kb = NULL;
    wm = NULL;
    e = NULL;
    turn = 0;
    memset(&run, 0, sizeof run);
}

static void teardown(void)
{
    cr_run_free(&run);
    cr_engine_free(e);
    cr_wm_free(wm);
    cr_kb_free(kb);
    cr_diag_free(d);
}

/* Load the rules in yaml (as t.yaml) and start an engine over them. */
static void load(const char *yaml)
{
    kb = cr_kb_new();
    cr_load_string(kb, "t.yaml", yaml, strlen(yaml), d);
    ck_assert_int_eq(cr_kb_finish(kb, NULL, d), 0);
    ck_assert_int_eq(cr_diag_len(d), 0);
    wm = cr_wm_new(kb);
    e = cr_engine_new(kb, wm);
}

static int fact(const char *name)
{
    int i = cr_kb_fact(kb, name);
    ck_assert_msg(i >= 0, "no fact %s", name);
    return i;
}

static int rule(const char *id)
{
    int i = cr_kb_rule(kb, id);
    ck_assert_msg(i >= 0, "no rule %s", id);
    return i;
}

/* The user says name = value, in a new turn. */
static void say(const char *name, const char *value)
{
    int i = fact(name);
    cr_value v;
    ck_assert(cr_value_parse(cr_kb_factdecl(kb, i), value, &v));
    char *words = xasprintf("my %s is %s", name, value);
    cr_wm_set(wm, i, &v, CR_SRC_USER, ++turn, words, -1, 1.0);
    free(words);
    cr_value_free(&v);
}

static void unsay(const char *name)
{
    cr_wm_unset(wm, fact(name));
}

/* Run the engine; the trace as rule ids joined by spaces. */
static const char *fire(void)
{
    static char buf[4096];
    cr_run_free(&run);
    ck_assert_int_eq(cr_engine_run(e, 1000, &run), 0);
    buf[0] = '\0';
    for (int i = 0; i < run.nfired; i++) {
        strcat(buf, i ? " " : "");
        strcat(buf, cr_kb_ruledef(kb, run.fired[i])->id);
    }
    return buf;
}

/* The rules kept by the last run, joined by spaces. */
static const char *kept(void)
{
    static char buf[4096];
    buf[0] = '\0';
    for (int i = 0; i < run.nkept; i++) {
        strcat(buf, i ? " " : "");
        strcat(buf, cr_kb_ruledef(kb, run.kept[i])->id);
    }
    return buf;
}

/* Fact name's value as text, or "?" when unknown. */
static const char *value(const char *name)
{
    return cr_test_value(kb, wm, name, "?");
}

static double cf(const char *name)
{
    const cr_fact *f = cr_wm_get(wm, fact(name));
    ck_assert_ptr_nonnull(f);
    return f->cf;
}

#define ck_assert_cf(x, want) ck_assert_double_eq_tol((x), (want), 1e-9)

/* Agenda order. */

START_TEST(test_salience)
{
    load("rules:\n"
         "  - {id: low, salience: -5, then: {answer: a}}\n"
         "  - {id: mid, then: {answer: b}}\n"
         "  - {id: high, salience: 10, then: {answer: c}}\n");
    ck_assert_str_eq(fire(), "high mid low");
    ck_assert_str_eq(fire(), "");
}
END_TEST

START_TEST(test_specificity)
{
    load("facts: {a: {type: number}, b: {type: number}, c: {type: number}}\n"
         "rules:\n"
         "  - {id: one, when: {a: 1}, then: {answer: x}}\n"
         "  - {id: three, when: {a: 1, b: 2, c: 3}, then: {answer: x}}\n"
         "  - {id: two, when: {a: 1, exists: b}, then: {answer: x}}\n"
         "  - {id: first-declared, when: {a: 1}, then: {answer: x}}\n"
         "  - {id: top, salience: 1, when: {a: 1}, then: {answer: x}}\n");
    say("a", "1");
    say("b", "2");
    say("c", "3");
    ck_assert_str_eq(fire(), "top three two one first-declared");
}
END_TEST

START_TEST(test_recency)
{
    /* a and c are activated together and tie: declaration order; b is
     * activated by a's firing, later, so it comes before c. */
    load("facts: {f: {type: number}, x: {type: boolean}}\n"
         "rules:\n"
         "  - {id: a, when: {f: 1}, then: {assert: {x: true}}}\n"
         "  - {id: c, when: {f: 1}, then: {answer: c}}\n"
         "  - {id: b, when: {x: true}, then: {answer: b}}\n");
    say("f", "1");
    ck_assert_str_eq(fire(), "a b c");
}
END_TEST

START_TEST(test_deterministic)
{
    static const char rules[] =
        "facts: {f: {type: number}, x: {type: boolean}, y: {type: boolean}}\n"
        "rules:\n"
        "  - {id: r1, when: {f: {'>': 0}}, then: {assert: {x: true}}}\n"
        "  - {id: r2, when: {f: {'>': 0}}, then: {assert: {y: true}}}\n"
        "  - {id: r3, when: {x: true}, then: {answer: r3}}\n"
        "  - {id: r4, when: {y: true}, then: {answer: r4}}\n"
        "  - {id: r5, when: {x: true, y: true}, then: {answer: r5}}\n";
    load(rules);
    say("f", "1");
    ck_assert_str_eq(fire(), "r1 r3 r2 r5 r4");
    teardown();
    setup();
    load(rules);
    say("f", "1");
    ck_assert_str_eq(fire(), "r1 r3 r2 r5 r4");
}
END_TEST

/* Refraction. */

START_TEST(test_refraction)
{
    load("facts: {papers: {type: number}, goal: {values: [phd, job]}}\n"
         "rules:\n"
         "  - {id: some, when: {papers: {'>': 0}}, then: {answer: x}}\n"
         "  - {id: goal, when: {goal: phd}, then: {answer: x}}\n");
    say("papers", "2");
    say("goal", "phd");
    ck_assert_str_eq(fire(), "some goal");
    ck_assert_str_eq(fire(), "");             /* same facts: no re-firing */
    say("goal", "PhD");                       /* said again: the same fact */
    ck_assert_str_eq(fire(), "");
    say("papers", "3");                       /* a new fact: a new firing */
    ck_assert_str_eq(fire(), "some");
    say("goal", "job");
    say("goal", "phd");                       /* changed, then back */
    ck_assert_str_eq(fire(), "goal");
}
END_TEST

START_TEST(test_any_support)
{
    /* any rests on its first kid that holds: another kid coming true
     * changes nothing, the first one going away moves the support. */
    load("facts: {a: {type: boolean}, b: {type: boolean}}\n"
         "rules:\n"
         "  - {id: r, when: {any: [{a: true}, {b: true}]}, then: {answer: x}}\n");
    say("a", "true");
    ck_assert_str_eq(fire(), "r");
    say("b", "true");
    ck_assert_str_eq(fire(), "");
    unsay("a");
    ck_assert_str_eq(fire(), "r");
    unsay("b");
    ck_assert_str_eq(fire(), "");
    ck_assert_int_eq(run.nkept, 0);
}
END_TEST

/* Truth maintenance. */

static const char chain_rules[] =
    "facts:\n"
    "  goal: {values: [academia, startup]}\n"
    "  track: {values: [research, business]}\n"
    "  advice: {type: boolean}\n"
    "rules:\n"
    "  - {id: research, when: {goal: academia}, then: {assert: {track: research}}}\n"
    "  - {id: business, when: {goal: startup}, then: {assert: {track: business}}}\n"
    "  - {id: advise, when: {track: research}, then: {assert: {advice: true}, answer: r}}\n";

START_TEST(test_retract_and_rederive)
{
    load(chain_rules);
    say("goal", "academia");
    ck_assert_str_eq(fire(), "research advise");
    ck_assert_str_eq(kept(), "research advise");
    ck_assert_str_eq(value("track"), "research");
    ck_assert_str_eq(value("advice"), "true");
    const cr_fact *f = cr_wm_get(wm, fact("track"));
    ck_assert_int_eq(f->source, CR_SRC_RULE);
    ck_assert_int_eq(f->rule, rule("research"));
    ck_assert_int_eq(f->nsupport, 1);
    ck_assert_int_eq(f->support[0], fact("goal"));

    say("goal", "startup");         /* what rested on academia goes */
    ck_assert_str_eq(fire(), "business");
    ck_assert_str_eq(value("track"), "business");
    ck_assert_str_eq(value("advice"), "?");

    say("goal", "academia");        /* and comes back */
    ck_assert_str_eq(fire(), "research advise");
    ck_assert_str_eq(value("advice"), "true");

    unsay("goal");                  /* withdrawn: everything goes */
    ck_assert_str_eq(fire(), "");
    ck_assert_str_eq(value("track"), "?");
    ck_assert_str_eq(value("advice"), "?");
}
END_TEST

START_TEST(test_withdrawn_in_same_run)
{
    /* guess fires first, then a later firing takes its support away: it
     * stays in the trace but its advice is not kept. */
    load("facts: {f: {type: number}, x: {type: boolean}}\n"
         "rules:\n"
         "  - {id: guess, salience: 1, when: {missing: x}, then: {answer: g}}\n"
         "  - {id: set, when: {f: 1}, then: {assert: {x: true}}}\n"
         "  - {id: after, when: {x: true}, then: {answer: a}}\n");
    say("f", "1");
    ck_assert_str_eq(fire(), "guess set after");
    ck_assert_str_eq(kept(), "set after");
}
END_TEST

START_TEST(test_user_comes_first)
{
    load("facts:\n"
         "  goal: {values: [academia, startup]}\n"
         "  papers: {type: number}\n"
         "rules:\n"
         "  - {id: guess, when: {papers: 0}, then: {assert: {goal: startup}}}\n"
         "  - {id: wipe, when: {papers: 0}, then: {retract: goal}}\n"
         "  - {id: prof, when: {goal: academia}, then: {answer: p}}\n");
    say("goal", "academia");
    say("papers", "0");
    ck_assert_str_eq(fire(), "guess wipe prof");
    ck_assert_str_eq(value("goal"), "academia");   /* the user's stands */
    ck_assert_int_eq(cr_wm_get(wm, fact("goal"))->source, CR_SRC_USER);
    int n;
    cr_wm_justs(wm, fact("goal"), &n);
    ck_assert_int_eq(n, 1);                       /* guess waits beneath */
    unsay("goal");                                /* and shows once free */
    ck_assert_str_eq(fire(), "");
    ck_assert_str_eq(value("goal"), "startup");
    ck_assert_int_eq(cr_wm_get(wm, fact("goal"))->rule, rule("guess"));
}
END_TEST

START_TEST(test_newest_value_shows)
{
    load("facts: {a: {type: boolean}, b: {type: boolean},"
         " x: {type: number}}\n"
         "rules:\n"
         "  - {id: one, when: {a: true}, then: {assert: {x: 1}}}\n"
         "  - {id: two, when: {b: true}, then: {assert: {x: 2}}}\n"
         "  - {id: on-one, when: {x: 1}, then: {answer: x}}\n");
    say("a", "true");
    ck_assert_str_eq(fire(), "one on-one");
    say("b", "true");
    ck_assert_str_eq(fire(), "two");
    ck_assert_str_eq(value("x"), "2");
    unsay("b");                     /* one's conclusion shows again */
    ck_assert_str_eq(fire(), "on-one");
    ck_assert_str_eq(value("x"), "1");
    ck_assert_int_eq(cr_wm_get(wm, fact("x"))->rule, rule("one"));
}
END_TEST

START_TEST(test_many_justifications)
{
    /* 300 rules conclude the same fact; it stands while any does, and
     * its certainty is 1 - 0.9^k for the k that stand. */
    enum { N = 300 };
    cr_buf y = {0};
    cr_buf_puts(&y, "facts:\n  x: {type: boolean}\n");
    for (int i = 0; i < N; i++)
        cr_buf_printf(&y, "  f%d: {type: boolean}\n", i);
    cr_buf_puts(&y, "rules:\n");
    for (int i = 0; i < N; i++)
        cr_buf_printf(&y, "  - {id: r%d, confidence: 0.1, when: {f%d: true},"
                      " then: {assert: {x: true}}}\n", i, i);
    load(y.s);
    cr_buf_free(&y);
    char name[16];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "f%d", i);
        say(name, "true");
    }
    fire();
    ck_assert_int_eq(run.nfired, N);
    ck_assert_double_eq_tol(cf("x"), 1 - pow(0.9, N), 1e-9);
    int left = N;
    for (int i = 0; i < N - 1; i++) {    /* from both ends, then inside */
        int k = i % 3 == 0 ? i / 3 : i % 3 == 1 ? N - 1 - i / 3 : N / 2 + i / 3;
        snprintf(name, sizeof name, "f%d", k);
        if (cr_wm_get(wm, fact(name)) == NULL)
            continue;
        unsay(name);
        left--;
    }
    fire();
    ck_assert_str_eq(value("x"), "true");
    ck_assert_double_eq_tol(cf("x"), 1 - pow(0.9, left), 1e-9);
}
END_TEST

START_TEST(test_no_circular_support)
{
    load("facts: {a: {type: boolean}, x: {type: boolean}, y: {type: boolean}}\n"
         "rules:\n"
         "  - {id: base, when: {a: true}, then: {assert: {x: true}}}\n"
         "  - {id: xy, when: {x: true}, then: {assert: {y: true}}}\n"
         "  - {id: yx, when: {y: true}, then: {assert: {x: true}}}\n");
    say("a", "true");
    ck_assert_str_eq(fire(), "base xy yx");
    int n;
    cr_wm_justs(wm, fact("x"), &n);
    ck_assert_int_eq(n, 1);         /* yx's would rest on x itself */
    unsay("a");
    ck_assert_str_eq(fire(), "");
    ck_assert_str_eq(value("x"), "?");
    ck_assert_str_eq(value("y"), "?");
}
END_TEST

START_TEST(test_retract_is_not_logical)
{
    load("facts: {a: {type: boolean}, b: {type: boolean}, x: {type: boolean}}\n"
         "rules:\n"
         "  - {id: make, when: {a: true}, then: {assert: {x: true}}}\n"
         "  - {id: wipe, when: {b: true}, then: {retract: x}}\n");
    say("a", "true");
    ck_assert_str_eq(fire(), "make");
    say("b", "true");
    ck_assert_str_eq(fire(), "wipe");
    ck_assert_str_eq(value("x"), "?");
    unsay("b");                     /* does not bring x back */
    ck_assert_str_eq(fire(), "");
    ck_assert_str_eq(value("x"), "?");
    say("a", "false");
    say("a", "true");               /* make's new firing does */
    ck_assert_str_eq(fire(), "make");
    ck_assert_str_eq(value("x"), "true");
}
END_TEST

START_TEST(test_untested_facts_cost_nothing)
{
    load("facts: {a: {type: number}, idle: {type: number}}\n"
         "rules:\n"
         "  - {id: r, when: {a: {'>': 1}}, then: {answer: x}}\n");
    say("a", "2");
    fire();
    cr_engine_stats before, after;
    cr_engine_stats_get(e, &before);
    for (int i = 0; i < 100; i++) {
        char v[16];
        snprintf(v, sizeof v, "%d", i);
        say("idle", v);
    }
    ck_assert_str_eq(fire(), "");
    cr_engine_stats_get(e, &after);
    ck_assert_uint_eq(after.rechecks, before.rechecks);
    ck_assert_uint_eq(after.activations, before.activations);
}
END_TEST

START_TEST(test_equality_index)
{
    /* Changing goal re-examines the rules for its old and new values
     * only, not the ones for the other values. */
    load("facts: {goal: {values: [a, b, c, d]}}\n"
         "rules:\n"
         "  - {id: ra, when: {goal: a}, then: {answer: x}}\n"
         "  - {id: rb, when: {goal: b}, then: {answer: x}}\n"
         "  - {id: rc, when: {goal: c}, then: {answer: x}}\n"
         "  - {id: rd, when: {goal: [c, d]}, then: {answer: x}}\n");
    say("goal", "a");
    ck_assert_str_eq(fire(), "ra");
    cr_engine_stats before, after;
    cr_engine_stats_get(e, &before);
    say("goal", "b");
    ck_assert_str_eq(fire(), "rb");
    cr_engine_stats_get(e, &after);
    ck_assert_uint_eq(after.rechecks - before.rechecks, 2);
    say("goal", "d");
    ck_assert_str_eq(fire(), "rd");
}
END_TEST

START_TEST(test_long_chain)
{
    enum { N = 2000 };
    cr_buf y = {0};
    cr_buf_puts(&y, "facts:\n");
    for (int i = 0; i <= N; i++)
        cr_buf_printf(&y, "  c%d: {type: boolean}\n", i);
    cr_buf_puts(&y, "rules:\n");
    for (int i = 0; i < N; i++)
        cr_buf_printf(&y, "  - {id: r%d, when: {c%d: true}, then: {assert: "
                      "{c%d: true}}}\n", i, i, i + 1);
    load(y.s);
    cr_buf_free(&y);
    say("c0", "true");
    cr_run_free(&run);
    ck_assert_int_eq(cr_engine_run(e, 10 * N, &run), 0);
    ck_assert_int_eq(run.nfired, N);
    for (int i = 0; i < N; i++)
        ck_assert_int_eq(run.fired[i], i);
    unsay("c0");                    /* the whole chain comes down */
    ck_assert_str_eq(fire(), "");
    char name[16];
    snprintf(name, sizeof name, "c%d", N);
    ck_assert_str_eq(value(name), "?");
}
END_TEST

/* Random acyclic rule sets, stratified through missing and not: after
 * any run of changes, what the engine holds must be the one model of the
 * rules, computed here level by level from scratch. */

static unsigned lcg;

static int rnd(int n)
{
    lcg = lcg * 1103515245u + 12345u;
    return (int)((lcg >> 16) % (unsigned)n);
}

enum { NU = 5, ND = 8, NR = 30 };

static void random_cond(cr_buf *y, int target)
{
    static const char *const ops[] = {"'!='", "'<'", "'>='"};
    int kind = rnd(target > 0 ? 6 : 2);
    int u = rnd(NU), v = rnd(3), dd = target > 0 ? rnd(target) : 0;
    switch (kind) {
    case 0: cr_buf_printf(y, "{u%d: %d}", u, v); break;
    case 1: cr_buf_printf(y, "{u%d: {%s: %d}}", u, ops[rnd(3)], v); break;
    case 2: cr_buf_printf(y, "{d%d: true}", dd); break;
    case 3: cr_buf_printf(y, "{missing: d%d}", dd); break;
    case 4: cr_buf_printf(y, "{not: {d%d: true}}", dd); break;
    default:
        cr_buf_printf(y, "{any: [{u%d: %d}, {d%d: true}]}", u, v, dd);
    }
}

/* Which d facts the rules make true, given the u facts in wm. */
static void model(int *known)
{
    cr_wm *ref = cr_wm_new(kb);
    for (int u = 0; u < NU; u++) {
        char name[8];
        snprintf(name, sizeof name, "u%d", u);
        const cr_fact *f = cr_wm_get(wm, fact(name));
        if (f)
            cr_wm_set(ref, fact(name), &f->value, CR_SRC_FLAG, 0, NULL, -1, 1);
    }
    cr_value yes = {1, NULL};
    for (int t = 0; t < ND; t++) {
        char name[8];
        snprintf(name, sizeof name, "d%d", t);
        known[t] = 0;
        for (int r = 0; r < cr_kb_nrules(kb); r++) {
            const cr_rule *rl = cr_kb_ruledef(kb, r);
            if (rl->asserts[0].fact == fact(name) &&
                cr_cond_holds(kb, rl->when, ref))
                known[t] = 1;
        }
        if (known[t])
            cr_wm_set(ref, fact(name), &yes, CR_SRC_FLAG, 0, NULL, -1, 1);
    }
    cr_wm_free(ref);
}

START_TEST(test_random_models)
{
    lcg = 7u + (unsigned)_i;
    cr_buf y = {0};
    cr_buf_puts(&y, "facts:\n");
    for (int u = 0; u < NU; u++)
        cr_buf_printf(&y, "  u%d: {type: number}\n", u);
    for (int t = 0; t < ND; t++)
        cr_buf_printf(&y, "  d%d: {type: boolean}\n", t);
    cr_buf_puts(&y, "rules:\n");
    for (int r = 0; r < NR; r++) {
        int t = rnd(ND), n = 1 + rnd(3);
        cr_buf_printf(&y, "  - {id: r%d, salience: %d, when: [", r, rnd(3));
        for (int k = 0; k < n; k++) {
            cr_buf_puts(&y, k ? ", " : "");
            random_cond(&y, t);
        }
        cr_buf_printf(&y, "], then: {assert: {d%d: true}}}\n", t);
    }
    load(y.s);
    cr_buf_free(&y);
    for (int step = 0; step < 150; step++) {
        char name[8], val[8];
        snprintf(name, sizeof name, "u%d", rnd(NU));
        if (rnd(4) == 0) {
            unsay(name);
        } else {
            snprintf(val, sizeof val, "%d", rnd(3));
            say(name, val);
        }
        if (rnd(3) == 0)
            continue;           /* several changes in one turn */
        fire();
        int known[ND];
        model(known);
        for (int t = 0; t < ND; t++) {
            snprintf(name, sizeof name, "d%d", t);
            ck_assert_msg((cr_wm_get(wm, fact(name)) != NULL) == known[t],
                          "step %d: d%d is %s, the model says %s", step, t,
                          value(name), known[t] ? "true" : "unknown");
        }
    }
}
END_TEST

/* Certainty. */

START_TEST(test_cf_combine)
{
    ck_assert_cf(cr_cf_combine(0, 0.7), 0.7);
    ck_assert_cf(cr_cf_combine(0.6, 0.5), 0.8);
    ck_assert_cf(cr_cf_combine(0.5, 0.6), 0.8);
    ck_assert_cf(cr_cf_combine(cr_cf_combine(0.2, 0.3), 0.4),
                 cr_cf_combine(0.2, cr_cf_combine(0.3, 0.4)));
    ck_assert_cf(cr_cf_combine(1, 0.3), 1);
}
END_TEST

START_TEST(test_fact_certainty)
{
    load("facts: {a: {type: boolean}, b: {type: boolean}, x: {type: boolean},"
         " y: {type: boolean}}\n"
         "rules:\n"
         "  - {id: fa, confidence: 0.6, when: {a: true}, then: {assert: {x: true}}}\n"
         "  - {id: fb, confidence: 0.5, when: {b: true}, then: {assert: {x: true}}}\n"
         "  - {id: fy, confidence: 0.5, when: {x: true}, then: {assert: {y: true}}}\n");
    say("a", "true");
    ck_assert_str_eq(fire(), "fa fy");
    ck_assert_cf(cf("x"), 0.6);
    ck_assert_cf(cf("y"), 0.3);             /* 0.5 x 0.6 */
    say("b", "true");
    ck_assert_str_eq(fire(), "fb");         /* fy is not fired again ... */
    ck_assert_cf(cf("x"), 0.8);
    ck_assert_cf(cf("y"), 0.4);             /* ... but its certainty moves */
    unsay("a");
    ck_assert_str_eq(fire(), "");
    ck_assert_str_eq(value("x"), "true");   /* fb still holds it */
    ck_assert_cf(cf("x"), 0.5);
    ck_assert_cf(cf("y"), 0.25);
}
END_TEST

START_TEST(test_recommendation_certainty)
{
    load("facts: {a: {type: boolean}, b: {type: boolean}}\n"
         "rules:\n"
         "  - {id: p1, confidence: 0.6, when: {a: true}, then: {answer: x, recommend: phd}}\n"
         "  - {id: p2, confidence: 0.5, when: {b: true}, then: {answer: x, recommend: phd}}\n"
         "  - {id: i1, confidence: 0.7, when: {a: true}, then: {answer: x, recommend: industry}}\n");
    say("a", "true");
    fire();
    ck_assert_int_eq(run.reco, CR_RECO_INDUSTRY);
    ck_assert_cf(run.strength, 0.7);
    say("b", "true");
    ck_assert_str_eq(fire(), "p2");
    ck_assert_int_eq(run.reco, CR_RECO_PHD);      /* 0.6 + 0.5 x 0.4 */
    ck_assert_cf(run.strength, 0.8);
    ck_assert_cf(run.reco_cf[CR_RECO_INDUSTRY], 0.7);
    say("a", "false");
    fire();
    ck_assert_int_eq(run.reco, CR_RECO_PHD);
    ck_assert_cf(run.strength, 0.5);
}
END_TEST

/* Termination. */

/* An odd loop: x makes y, and y takes away what made x. */
static const char loop_rules[] =
    "facts: {x: {type: boolean}, y: {type: boolean}, f: {type: boolean}}\n"
    "rules:\n"
    "  - {id: a, when: {not: {y: true}}, then: {assert: {x: true}}}\n"
    "  - {id: quiet, when: {f: true}, then: {answer: q}}\n"
    "  - {id: b, when: {x: true}, then: {assert: {y: true}}}\n";

START_TEST(test_firing_limit)
{
    load(loop_rules);
    cr_run_free(&run);
    ck_assert_int_eq(cr_engine_run(e, 7, &run), -1);
    ck_assert(run.limited);
    ck_assert_int_eq(run.nfired, 7);
    for (int i = 0; i < 7; i++)
        ck_assert_int_eq(run.fired[i], rule(i % 2 ? "b" : "a"));
    int loop[4];
    ck_assert_int_eq(cr_run_loop(&run, loop, 4), 2);
    ck_assert_int_eq(loop[0], rule("b"));
    ck_assert_int_eq(loop[1], rule("a"));
}
END_TEST

START_TEST(test_self_defeating)
{
    /* A conclusion that takes away its own rule's condition withdraws
     * itself, and the rule fires again: a loop of one. */
    load("facts: {x: {type: boolean}}\n"
         "rules:\n"
         "  - {id: default, when: {missing: x}, then: {assert: {x: false}}}\n");
    cr_run_free(&run);
    ck_assert_int_eq(cr_engine_run(e, 3, &run), -1);
    ck_assert_int_eq(run.nfired, 3);
    int loop[4];
    ck_assert_int_eq(cr_run_loop(&run, loop, 4), 1);
    ck_assert_int_eq(loop[0], rule("default"));
    ck_assert_int_eq(cr_engine_cycles(kb, d), 1);
    char *s = cr_diag_format(cr_diag_get(d, 0));
    ck_assert_str_eq(s, "t.yaml:3:5: warning: rule 'default' may keep "
                        "firing itself in a loop through 'x': 'default' "
                        "asserts 'x', which 'default' needs unknown or not "
                        "so");
    free(s);
}
END_TEST

START_TEST(test_cycles)
{
    load(loop_rules);
    ck_assert_int_eq(cr_engine_cycles(kb, d), 1);
    char *s = cr_diag_format(cr_diag_get(d, 0));
    ck_assert_str_eq(s, "t.yaml:3:5: warning: rules 'a', 'b' may keep "
                        "firing each other in a loop through 'x', 'y': 'b' "
                        "asserts 'y', which 'a' needs unknown or not so");
    free(s);
}
END_TEST

START_TEST(test_cycles_quiet_on_chains)
{
    load(chain_rules);
    ck_assert_int_eq(cr_engine_cycles(kb, d), 0);
    teardown();
    setup();
    load("facts: {x: {type: boolean}, y: {type: boolean}}\n"
         "rules:\n"
         "  - {id: xy, when: {x: true}, then: {assert: {y: true}}}\n"
         "  - {id: yx, when: {y: true}, then: {assert: {x: true}}}\n"
         "  - {id: odd, when: {not: {y: true}}, then: {assert: {y: false}}}\n");
    ck_assert_int_eq(cr_engine_cycles(kb, d), 1);
    char *s = cr_diag_format(cr_diag_get(d, 0));
    ck_assert_str_eq(s, "t.yaml:3:5: warning: rules 'xy', 'yx', 'odd' may "
                        "keep firing each other in a loop through 'x', 'y': "
                        "'xy' asserts 'y', which 'odd' needs unknown or not "
                        "so");
    free(s);
}
END_TEST

/* Explanations. */

static const char explain_rules[] =
    "facts:\n"
    "  goal: {values: [academia, startup], prompt: 'Your goal?'}\n"
    "  papers: {type: number}\n"
    "  track: {values: [research]}\n"
    "rules:\n"
    "  - id: research\n"
    "    confidence: 0.8\n"
    "    when: {goal: academia}\n"
    "    then: {assert: {track: research}}\n"
    "  - id: phd\n"
    "    confidence: 0.9\n"
    "    when: {track: research, papers: {'>=': 1}}\n"
    "    then: {answer: Do a PhD., recommend: phd}\n"
    "  - id: ask-goal\n"
    "    when: {missing: goal}\n"
    "    then: {ask: goal}\n"
    "  - id: founder\n"
    "    confidence: 0.6\n"
    "    when:\n"
    "      goal: startup\n"
    "      any: [{papers: 0}, {not: {papers: {'>': 5}}}]\n"
    "    then: {answer: Found., recommend: industry}\n";

START_TEST(test_how)
{
    load(explain_rules);
    say("goal", "academia");
    say("papers", "2");
    ck_assert_str_eq(fire(), "research phd");
    char *s = cr_engine_how(e, fact("goal"));
    ck_assert_str_eq(s, "goal = academia (certainty 1.00)\n"
                        "  you said, in turn 1: \"my goal is academia\"\n");
    free(s);
    s = cr_engine_how(e, fact("track"));
    ck_assert_str_eq(s, "track = research (certainty 0.80)\n"
                        "  concluded by rule research (t.yaml:6:5), "
                        "certainty 0.80, from:\n"
                        "    goal = academia (certainty 1.00)\n"
                        "      you said, in turn 1: \"my goal is academia\"\n");
    free(s);
    s = cr_engine_how_rule(e, rule("phd"));
    ck_assert_str_eq(s, "rule phd (t.yaml:10:5) fired, certainty 0.72, "
                        "because:\n"
                        "  track = research (certainty 0.80)\n"
                        "    concluded by rule research (t.yaml:6:5), "
                        "certainty 0.80, from:\n"
                        "      goal = academia (certainty 1.00)\n"
                        "        you said, in turn 1: \"my goal is "
                        "academia\"\n"
                        "  papers = 2 (certainty 1.00)\n"
                        "    you said, in turn 2: \"my papers is 2\"\n");
    free(s);
    s = cr_engine_how(e, fact("papers"));
    free(s);
    unsay("papers");
    fire();
    s = cr_engine_how(e, fact("papers"));
    ck_assert_str_eq(s, "papers is not known\n");
    free(s);
}
END_TEST

START_TEST(test_explain)
{
    load(explain_rules);
    say("goal", "academia");
    say("papers", "1");
    fire();
    char *s = cr_engine_explain(e, &run);
    ck_assert_str_eq(s, "How I got there:\n"
                        "  rule phd (t.yaml:10:5) fired, certainty 0.72, "
                        "because:\n"
                        "    track = research (certainty 0.80)\n"
                        "      concluded by rule research (t.yaml:6:5), "
                        "certainty 0.80, from:\n"
                        "        goal = academia (certainty 1.00)\n"
                        "          you said, in turn 1: \"my goal is "
                        "academia\"\n"
                        "    papers = 1 (certainty 1.00)\n"
                        "      you said, in turn 2: \"my papers is 1\"\n"
                        "The recommendation of a PhD has certainty 0.72, "
                        "from phd (0.72).\n");
    free(s);
}
END_TEST

START_TEST(test_how_overruled_and_flag)
{
    load("facts: {goal: {values: [a, b]}, p: {type: number}}\n"
         "rules:\n"
         "  - {id: guess, when: {p: 0}, then: {assert: {goal: b}}}\n");
    cr_value v = {0, NULL};
    cr_value_parse(cr_kb_factdecl(kb, fact("p")), "0", &v);
    cr_wm_set(wm, fact("p"), &v, CR_SRC_FLAG, 0, NULL, -1, 1.0);
    say("goal", "a");
    fire();
    char *s = cr_engine_how(e, fact("goal"));
    ck_assert_str_eq(s, "goal = a (certainty 1.00)\n"
                        "  you said, in turn 1: \"my goal is a\"\n"
                        "  (rule guess (t.yaml:3:5) concluded goal = b, "
                        "but what you say comes first)\n");
    free(s);
    s = cr_engine_how(e, fact("p"));
    ck_assert_str_eq(s, "p = 0 (certainty 1.00)\n"
                        "  you set it (with --fact or a command)\n");
    free(s);
}
END_TEST

START_TEST(test_why)
{
    load(explain_rules);
    say("papers", "0");
    ck_assert_str_eq(fire(), "ask-goal");
    char *s = cr_engine_why(e, fact("goal"));
    ck_assert_str_eq(s, "I ask for goal because rule ask-goal (t.yaml:14:5) "
                        "needs it.\n"
                        "Knowing goal would let these rules decide:\n"
                        "  rule research (t.yaml:6:5), if goal is academia: "
                        "concludes track = research\n"
                        "  rule founder (t.yaml:17:5), if goal is startup: "
                        "recommends industry (confidence 0.60); advises "
                        "\"Found.\"\n");
    free(s);
    say("goal", "startup");
    fire();
    s = cr_engine_why(e, fact("goal"));
    ck_assert_str_eq(s, "goal is known already (startup): there is no need "
                        "to ask for it.\n");
    free(s);
}
END_TEST

START_TEST(test_why_not)
{
    load(explain_rules);
    say("goal", "academia");
    say("papers", "0");
    ck_assert_str_eq(fire(), "research");
    char *s = cr_engine_why_not(e, rule("phd"));
    ck_assert_str_eq(s, "rule phd (t.yaml:10:5) did not fire: papers is 0, "
                        "and the rule needs papers >= 1 (t.yaml:12:29).\n");
    free(s);
    s = cr_engine_why_not(e, rule("founder"));
    ck_assert_str_eq(s, "rule founder (t.yaml:17:5) did not fire: goal is "
                        "academia, and the rule needs goal is startup "
                        "(t.yaml:20:7).\n");
    free(s);
    s = cr_engine_why_not(e, rule("ask-goal"));
    ck_assert_str_eq(s, "rule ask-goal (t.yaml:14:5) did not fire: goal is "
                        "academia, and the rule needs it unknown "
                        "(t.yaml:15:21).\n");
    free(s);
    s = cr_engine_why_not(e, rule("research"));
    ck_assert_str_eq(s, "rule research (t.yaml:6:5) did fire, and its "
                        "conclusions stand.\n");
    free(s);
    say("goal", "startup");
    say("papers", "7");
    fire();
    s = cr_engine_why_not(e, rule("founder"));
    ck_assert_str_eq(s, "rule founder (t.yaml:17:5) did not fire: none of "
                        "these holds (t.yaml:21:7): papers is 7, and the "
                        "rule needs papers is 0 (t.yaml:21:14); the rule "
                        "needs not (papers > 5), but papers > 5 holds "
                        "(t.yaml:21:27).\n");
    free(s);
}
END_TEST

/* The journal holds each fact whose statement changed since it started,
 * once, with what the user had said of it before, and nothing else. */
START_TEST(test_journal)
{
    load("facts:\n"
         "  goal: {values: [academia, startup]}\n"
         "  papers: {type: number}\n"
         "  france: {type: boolean}\n");
    say("goal", "academia");
    say("papers", "2");
    ck_assert_int_eq(cr_wm_nstated(wm), 2);
    cr_wm_journal_start(wm);
    int n;
    cr_wm_journal(wm, &n);
    ck_assert_int_eq(n, 0);
    say("goal", "startup");
    say("goal", "academia");            /* back: still one entry */
    unsay("papers");
    say("france", "true");
    ck_assert_int_eq(cr_wm_nstated(wm), 2);
    const cr_statement *j = cr_wm_journal(wm, &n);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(j[0].fact, fact("goal"));
    ck_assert(j[0].known);
    ck_assert_str_eq(j[0].value.str, "academia");
    ck_assert_int_eq(j[1].fact, fact("papers"));
    ck_assert(j[1].known && j[1].value.num == 2);
    ck_assert_str_eq(j[1].words, "my papers is 2");
    ck_assert_int_eq(j[2].fact, fact("france"));
    ck_assert(!j[2].known);
    cr_wm_journal_start(wm);
    cr_wm_journal(wm, &n);
    ck_assert_int_eq(n, 0);
    unsay("france");
    j = cr_wm_journal(wm, &n);
    ck_assert_int_eq(n, 1);
    ck_assert(j[0].known && j[0].value.num == 1);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("engine");
    struct { const char *name; const TTest *tests[12]; } cases[] = {
        {"agenda", {test_salience, test_specificity, test_recency,
                    test_deterministic}},
        {"refraction", {test_refraction, test_any_support}},
        {"tms", {test_retract_and_rederive, test_withdrawn_in_same_run,
                 test_user_comes_first, test_newest_value_shows,
                 test_many_justifications, test_no_circular_support,
                 test_retract_is_not_logical, test_untested_facts_cost_nothing,
                 test_equality_index, test_long_chain, test_journal}},
        {"certainty", {test_cf_combine, test_fact_certainty,
                       test_recommendation_certainty}},
        {"termination", {test_firing_limit, test_self_defeating, test_cycles,
                         test_cycles_quiet_on_chains}},
        {"explain", {test_how, test_explain, test_how_overruled_and_flag,
                     test_why, test_why_not}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_checked_fixture(tc, setup, teardown);
        for (int k = 0; k < 12 && cases[i].tests[k]; k++)
            tcase_add_test(tc, cases[i].tests[k]);
        suite_add_tcase(s, tc);
    }
    TCase *tc = tcase_create("models");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_random_models, 0, 40);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cr_run_suite(suite());
}
