/* facts.h - working memory: what is known, and where it came from.
 *
 * One slot per declared fact.  A fact is stated by the user (with the
 * turn and the words that said it), set by a flag or a command, or
 * derived by a rule; each has a confidence from 0 to 1. */
#ifndef CR_FACTS_H
#define CR_FACTS_H

#include "kb.h"

typedef enum cr_source { CR_SRC_USER, CR_SRC_FLAG, CR_SRC_RULE } cr_source;

typedef struct cr_fact {
    cr_value value;
    cr_source source;
    int turn;                   /* the user's turn that stated it, or 0 */
    char *words;                /* the words that stated it, or NULL */
    int rule;                   /* the rule that derived it, or -1 */
    double cf;
} cr_fact;

typedef struct cr_wm cr_wm;

cr_wm *cr_wm_new(const cr_kb *kb);
void cr_wm_free(cr_wm *wm);

/* Set fact i; the value and words are copied. */
void cr_wm_set(cr_wm *wm, int i, const cr_value *v, cr_source src,
               int turn, const char *words, int rule, double cf);
void cr_wm_unset(cr_wm *wm, int i);
/* Forget every fact of this source. */
void cr_wm_clear(cr_wm *wm, cr_source src);

/* Fact i, or NULL when it is not known. */
const cr_fact *cr_wm_get(const cr_wm *wm, int i);

#endif
