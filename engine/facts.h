/* facts.h - working memory: what is known, and where it came from.
 *
 * One slot per declared fact.  A slot holds what the user said about the
 * fact (stated in a turn, with the words that said it, or set with a
 * flag or a command) and the justifications rules gave for it (which
 * rule, with which certainty, resting on which facts).  What the slot
 * shows, its *visible* fact, follows one rule:
 *
 *   - what the user said comes first: a rule never overwrites it, and
 *     its justifications wait underneath;
 *   - otherwise the value of the most recent justification shows, and
 *     its certainty is the MYCIN combination of every justification for
 *     that same value (see cr_cf_combine);
 *   - with neither, the fact is unknown.
 *
 * Every change of a visible fact (becoming known or unknown, a new
 * value, or passing between the user's hands and the rules') gives it a
 * new version and puts it on the change queue, which the engine drains
 * to re-examine the rules that test it; a change of certainty alone is
 * queued too, without a new version.  Nothing here runs rules. */
#ifndef CR_FACTS_H
#define CR_FACTS_H

#include "kb.h"

/* Where a fact came from: the user's words, a flag or command, a rule,
 * or an answer to a question of the guided consultation (consult.h). */
typedef enum cr_source {
    CR_SRC_USER, CR_SRC_FLAG, CR_SRC_RULE, CR_SRC_ANSWER
} cr_source;

/* The visible fact.  Everything it points to is owned by working memory
 * (support by the engine) and valid until the fact next changes. */
typedef struct cr_fact {
    cr_value value;
    cr_source source;
    int turn;                   /* the user's turn that stated it, or 0 */
    const char *words;          /* the words that stated it, or NULL */
    int rule;                   /* the rule whose conclusion shows, or -1 */
    double cf;                  /* certainty, 0 to 1 */
    const int *support;         /* the facts that rule rested on */
    int nsupport;
    unsigned version;           /* new for every change of the value */
} cr_fact;

/* One rule's reason for a fact's value. */
typedef struct cr_just {
    cr_value value;             /* owned by working memory */
    double cf;
    int rule;
    unsigned owner;             /* the engine's activation, never 0 */
    const int *support;         /* borrowed from the engine */
    int nsupport;
    unsigned long seq;          /* order of assertion: later is newer */
} cr_just;

typedef struct cr_wm cr_wm;

/* Working memory for kb's facts, all unknown; kb must outlive it. */
cr_wm *cr_wm_new(const cr_kb *kb);
void cr_wm_free(cr_wm *wm);

/* The user states fact i = *v (src is CR_SRC_USER, CR_SRC_FLAG or
 * CR_SRC_ANSWER); the value and words are copied, rule is ignored.
 * Restating the value the user gave before only updates turn and words:
 * it is not a change. */
void cr_wm_set(cr_wm *wm, int i, const cr_value *v, cr_source src,
               int turn, const char *words, int rule, double cf);
/* Withdraw what the user said about fact i.  What rules concluded about
 * it, if anything, shows instead. */
void cr_wm_unset(cr_wm *wm, int i);
/* Withdraw every statement of source src (not CR_SRC_RULE). */
void cr_wm_clear(cr_wm *wm, cr_source src);

/* The words of a fact set, like a flag, to the value its declaration
 * gives it (`value:` in a rule file): not the user's doing. */
#define CR_WORDS_INITIAL "the value its rule file gives it"

/* What the user had stated of a fact (known 0: nothing). */
typedef struct cr_statement {
    int fact;
    int known;
    cr_value value;
    cr_source source;
    int turn;
    char *words;
    double cf;
} cr_statement;

/* The journal of statements: from cr_wm_journal_start on, the first
 * cr_wm_set or cr_wm_unset of each fact keeps what the user had stated
 * of it before, so that a turn can tell what it changed, and take it
 * back, at a cost that grows with what it changed and not with what is
 * known.  cr_wm_journal gives those statements, in the order the facts
 * were first changed (*n of them, valid until the next start); a fact
 * set again to what it was is among them. */
void cr_wm_journal_start(cr_wm *wm);
const cr_statement *cr_wm_journal(const cr_wm *wm, int *n);
/* How many facts the user has stated. */
int cr_wm_nstated(const cr_wm *wm);

/* The visible fact i, or NULL when it is not known. */
const cr_fact *cr_wm_get(const cr_wm *wm, int i);
int cr_wm_nfacts(const cr_wm *wm);
/* Whether the user stated fact i (by words or a flag). */
int cr_wm_stated(const cr_wm *wm, int i);
/* The justifications of fact i, oldest first; *n is set to their count. */
const cr_just *cr_wm_justs(const cr_wm *wm, int i, int *n);
/* The version fact i had at its last change (also while unknown). */
unsigned cr_wm_version(const cr_wm *wm, int i);

/* For the engine.  Add owner's justification of fact i = *v (copied). */
void cr_wm_justify(cr_wm *wm, int i, const cr_value *v, double cf, int rule,
                   unsigned owner, const int *support, int nsupport);
/* Remove owner's justification of fact i, if it has one. */
void cr_wm_unjustify(cr_wm *wm, int i, unsigned owner);
/* Change the certainty of owner's justification of fact i. */
void cr_wm_recertify(cr_wm *wm, int i, unsigned owner, double cf);
/* Drop every justification of fact i (a rule's retract); returns how
 * many there were. */
int cr_wm_drop(cr_wm *wm, int i);

/* Kinds of change, as cr_wm_next_change reports them. */
enum { CR_CHANGE_VALUE = 1, CR_CHANGE_CF = 2 };

/* Take the next fact off the change queue, oldest first, and set *what
 * to its kinds of change; returns -1 when the queue is empty. */
int cr_wm_next_change(cr_wm *wm, int *what);
/* Whether changes are waiting on the queue. */
int cr_wm_pending(const cr_wm *wm);

/* MYCIN's combination of two certainties of the same conclusion, both
 * from 0 to 1: a + b (1 - a).  Commutative and associative, so the order
 * in which justifications arrive does not matter. */
double cr_cf_combine(double a, double b);

#endif
