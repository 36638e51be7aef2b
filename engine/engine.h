/* engine.h - running the rules over working memory.
 *
 * This first engine is a plain forward pass: rules are tried in agenda
 * order (higher salience first, then more conditions first, then the
 * order they were declared in), each fires at most once per run, and
 * passes repeat while a firing changed working memory.  What rules
 * derived in an earlier run is withdrawn before the next, so conclusions
 * always rest on the facts as they are now. */
#ifndef CR_ENGINE_H
#define CR_ENGINE_H

#include "facts.h"
#include "kb.h"

typedef struct cr_run {
    int *fired;                 /* rule indexes, in firing order */
    int nfired;
    int limited;                /* stopped by the firing limit */
} cr_run;

typedef struct cr_engine cr_engine;

/* An engine for kb, which must outlive it. */
cr_engine *cr_engine_new(const cr_kb *kb);
void cr_engine_free(cr_engine *e);

/* Run the rules over wm; fills *run (free it with cr_run_free).
 * Returns 0, or -1 when more than limit rules fired (run->limited). */
int cr_engine_run(cr_engine *e, cr_wm *wm, int limit, cr_run *run);
void cr_run_free(cr_run *run);

/* Whether condition c holds in wm (NULL holds). */
int cr_cond_holds(const cr_kb *kb, const cr_cond *c, const cr_wm *wm);

#endif
