/* engine.h - forward chaining over working memory, with an agenda,
 * truth maintenance, certainty factors and explanations.
 *
 * An engine is bound to one knowledge base and one working memory for
 * its life.  Between runs the caller changes what the user said
 * (cr_wm_set, cr_wm_unset); a run re-examines only the rules that test
 * the facts that changed, withdraws the conclusions that rested on what
 * is no longer so, and fires what the agenda holds until it is empty.
 * The algorithm is described at the top of engine.c and, for rule
 * authors, in crossroads-rules(5). */
#ifndef CR_ENGINE_H
#define CR_ENGINE_H

#include "diag.h"
#include "facts.h"
#include "kb.h"

/* What one run did. */
typedef struct cr_run {
    int *fired;                 /* rule indexes, in firing order: the trace */
    int nfired;
    int *kept;                  /* the rules fired in this run whose
                                 * conclusions still stand at its end, in
                                 * firing order: the answer's advice */
    int nkept;
    int limited;                /* stopped by the firing limit */
    cr_reco reco;               /* the recommendation in effect, or NONE */
    double strength;            /* its combined certainty */
    double reco_cf[4];          /* each path's, indexed by cr_reco */
} cr_run;

typedef struct cr_engine_stats {
    unsigned long firings;      /* over the engine's life */
    unsigned long activations;
    unsigned long changes;      /* fact changes examined */
    unsigned long rechecks;     /* rules re-examined */
} cr_engine_stats;

typedef struct cr_engine cr_engine;

/* An engine for kb over wm, which must both outlive it.  Builds the
 * index of rules by the facts they test and puts on the agenda every
 * rule that holds already. */
cr_engine *cr_engine_new(const cr_kb *kb, cr_wm *wm);
void cr_engine_free(cr_engine *e);

/* Take in the changes to working memory since the last run, then fire
 * rules until the agenda is empty; fills *run (free it with
 * cr_run_free).  Returns 0, or -1 when the next firing would have been
 * number limit + 1 (run->limited; see cr_run_loop). */
int cr_engine_run(cr_engine *e, int limit, cr_run *run);
void cr_run_free(cr_run *run);

/* The rules of the loop that made a run hit its limit: the distinct
 * rules of the last period of its trace, in firing order.  Fills up to
 * max of them into out and returns how many it filled. */
int cr_run_loop(const cr_run *run, int *out, int max);

void cr_engine_stats_get(const cr_engine *e, cr_engine_stats *st);

/* Whether condition c holds in wm (NULL holds), evaluated afresh. */
int cr_cond_holds(const cr_kb *kb, const cr_cond *c, const cr_wm *wm);

/* Explanations, as text in English, each a new string the caller frees.
 *
 * How fact is known: its value and certainty, who said it or which
 * rules concluded it from which facts, down to the user's own words. */
char *cr_engine_how(const cr_engine *e, int fact);
/* Why rule's conclusions stand: the facts it rests on, explained as
 * cr_engine_how does; or that it has not fired. */
char *cr_engine_how_rule(const cr_engine *e, int rule);
/* Why the engine would ask for fact: the rules that ask for it, and the
 * rules that need it to decide, with what they would conclude. */
char *cr_engine_why(const cr_engine *e, int fact);
/* The same, for a consultation that has yet to learn more than fact:
 * open marks (one byte per fact, nonzero: still to be learned) the facts
 * whose tests count as undecided too, so a rule that needs fact and one
 * of them is listed.  open NULL is cr_engine_why. */
char *cr_engine_why_open(const cr_engine *e, int fact,
                         const unsigned char *open);
/* Why rule did not fire: the first of its conditions that fails, with
 * its place in the rule file; or that it did fire. */
char *cr_engine_why_not(const cr_engine *e, int rule);
/* The chain behind run's answer: how each rule kept in the run reached
 * its advice, and how the recommendation's certainty combines. */
char *cr_engine_explain(const cr_engine *e, const cr_run *run);

/* Look for rules that can keep re-firing each other ahead of time: a
 * cycle of rules through facts that one of them asserts and another
 * tests, along which some fact is withdrawn, negated or given two
 * values.  Reports each as a warning at the place of its first rule into
 * d; returns the number of warnings. */
int cr_engine_cycles(const cr_kb *kb, cr_diag *d);

#endif
