/* engine.c - a forward pass over the rules in agenda order. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "xmalloc.h"

struct cr_engine {
    const cr_kb *kb;
    int *order;                 /* rule indexes in agenda order */
    int n;
};

static int count_tests(const cr_cond *c)
{
    if (c == NULL)
        return 0;
    int n = c->kind == CR_COND_ALL || c->kind == CR_COND_ANY ||
            c->kind == CR_COND_NOT ? 0 : 1;
    for (int i = 0; i < c->nkids; i++)
        n += count_tests(c->kids[i]);
    return n;
}

typedef struct agenda_key {
    int salience, tests, rule;
} agenda_key;

static int agenda_cmp(const void *pa, const void *pb)
{
    const agenda_key *a = pa, *b = pb;
    if (a->salience != b->salience)
        return a->salience > b->salience ? -1 : 1;
    if (a->tests != b->tests)
        return a->tests > b->tests ? -1 : 1;
    return a->rule - b->rule;
}

cr_engine *cr_engine_new(const cr_kb *kb)
{
    cr_engine *e = xcalloc(1, sizeof *e);
    e->kb = kb;
    e->n = cr_kb_nrules(kb);
    e->order = xcalloc((size_t)e->n + 1, sizeof *e->order);
    agenda_key *keys = xcalloc((size_t)e->n + 1, sizeof *keys);
    for (int i = 0; i < e->n; i++) {
        const cr_rule *r = cr_kb_ruledef(kb, i);
        keys[i] = (agenda_key){r->salience, count_tests(r->when), i};
    }
    qsort(keys, (size_t)e->n, sizeof *keys, agenda_cmp);
    for (int i = 0; i < e->n; i++)
        e->order[i] = keys[i].rule;
    free(keys);
    return e;
}

void cr_engine_free(cr_engine *e)
{
    if (e == NULL)
        return;
    free(e->order);
    free(e);
}

void cr_run_free(cr_run *run)
{
    free(run->fired);
    memset(run, 0, sizeof *run);
}

static int test_holds(const cr_kb *kb, const cr_cond *c, const cr_wm *wm)
{
    const cr_fact *f = cr_wm_get(wm, c->fact);
    if (f == NULL)
        return 0;
    const cr_factdecl *d = cr_kb_factdecl(kb, c->fact);
    if (c->op == CR_OP_EQ || c->op == CR_OP_IN) {
        for (int i = 0; i < c->nvals; i++)
            if (cr_value_equal(d, &f->value, &c->vals[i].value))
                return 1;
        return 0;
    }
    if (c->nvals == 0)
        return 0;
    const cr_value *v = &c->vals[0].value;
    switch (c->op) {
    case CR_OP_NE: return !cr_value_equal(d, &f->value, v);
    case CR_OP_LT: return f->value.num < v->num;
    case CR_OP_LE: return f->value.num <= v->num;
    case CR_OP_GT: return f->value.num > v->num;
    case CR_OP_GE: return f->value.num >= v->num;
    default: return 0;
    }
}

int cr_cond_holds(const cr_kb *kb, const cr_cond *c, const cr_wm *wm)
{
    if (c == NULL)
        return 1;
    switch (c->kind) {
    case CR_COND_ALL:
        for (int i = 0; i < c->nkids; i++)
            if (!cr_cond_holds(kb, c->kids[i], wm))
                return 0;
        return 1;
    case CR_COND_ANY:
        for (int i = 0; i < c->nkids; i++)
            if (cr_cond_holds(kb, c->kids[i], wm))
                return 1;
        return 0;
    case CR_COND_NOT:
        return c->nkids == 0 || !cr_cond_holds(kb, c->kids[0], wm);
    case CR_COND_EXISTS:
        return cr_wm_get(wm, c->fact) != NULL;
    case CR_COND_MISSING:
        return cr_wm_get(wm, c->fact) == NULL;
    case CR_COND_TEST:
        return test_holds(kb, c, wm);
    }
    return 0;
}

/* Fire rule r: apply its assertions and retractions.  Returns whether
 * working memory changed. */
static int fire(const cr_kb *kb, int ri, cr_wm *wm)
{
    const cr_rule *r = cr_kb_ruledef(kb, ri);
    int changed = 0;
    for (int i = 0; i < r->nasserts; i++) {
        const cr_assign *a = &r->asserts[i];
        const cr_fact *f = cr_wm_get(wm, a->fact);
        if (f && cr_value_equal(cr_kb_factdecl(kb, a->fact), &f->value,
                                &a->value))
            continue;
        cr_wm_set(wm, a->fact, &a->value, CR_SRC_RULE, 0, NULL, ri,
                  r->confidence);
        changed = 1;
    }
    for (int i = 0; i < r->nretracts; i++)
        if (cr_wm_get(wm, r->retracts[i].fact)) {
            cr_wm_unset(wm, r->retracts[i].fact);
            changed = 1;
        }
    return changed;
}

int cr_engine_run(cr_engine *e, cr_wm *wm, int limit, cr_run *run)
{
    memset(run, 0, sizeof *run);
    cr_wm_clear(wm, CR_SRC_RULE);
    char *done = xcalloc((size_t)e->n + 1, 1);
    int cap = 0, changed = 1;
    while (changed) {
        changed = 0;
        for (int k = 0; k < e->n; k++) {
            int ri = e->order[k];
            if (done[ri] || !cr_cond_holds(e->kb, cr_kb_ruledef(e->kb, ri)
                                                      ->when, wm))
                continue;
            if (run->nfired == limit) {
                run->limited = 1;
                free(done);
                return -1;
            }
            if (run->nfired == cap) {
                cap = cap ? 2 * cap : 16;
                run->fired = xreallocarray(run->fired, (size_t)cap,
                                           sizeof *run->fired);
            }
            run->fired[run->nfired++] = ri;
            done[ri] = 1;
            if (fire(e->kb, ri, wm)) {
                changed = 1;
                break;          /* re-examine from the top of the agenda */
            }
        }
    }
    free(done);
    return 0;
}
