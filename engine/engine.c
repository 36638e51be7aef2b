/* engine.c - forward chaining: the network, the agenda and truth
 * maintenance.
 *
 * Facts are attributes with one value each, and conditions compare
 * attributes with constants, so a rule has at most one activation at a
 * time and no joins are needed: the network is an alpha network feeding
 * the condition trees of the rules directly.
 *
 * The network.  Each rule's condition is compiled into nodes (network.h):
 * leaves test one fact (a comparison, exists, missing), inner nodes are
 * all / any / not.  Every node caches whether it holds, and an inner node
 * counts how many of its kids hold, so a leaf that flips updates its
 * ancestors in time proportional to the depth, and stops at the first
 * that does not flip.  Leaves are indexed by the fact they test (each
 * fact's alpha memory): tests for equality (= and in) sit in buckets
 * keyed by (fact, value) in a hash table, the others in a per-fact list.
 * When a fact changes from value a to b, only the buckets of a and b and
 * the list are visited, so rules that compare the fact with other
 * constants cost nothing, and a fact that no rule tests costs nothing
 * beyond noticing so.  A leaf that flips, or holds on a fact that
 * changed, marks its rule dirty; dirty rules are then re-examined.
 *
 * Activations and refraction.  A rule whose condition holds has an
 * activation that records its support: the facts whose tests made the
 * condition true, with their versions.  The support of a test or exists
 * is its fact; of all, the union of its kids'; of any, that of its first
 * kid that holds; not and missing add nothing (negation as failure
 * rests on no fact).  Re-examining a rule whose condition still holds
 * with the same support changes nothing: an activation fires once for
 * the same supporting facts.  If the support changed (a fact it rested
 * on got a new value, even one the condition still accepts), the old
 * activation is withdrawn and a new one made; if the condition no longer
 * holds, the activation is withdrawn.
 *
 * The agenda is a binary heap of the activations not fired yet, ordered
 * by salience (higher first), then specificity (more tests first: each
 * comparison, and each fact named by exists or missing), then recency
 * (activations made by a later firing first; those made by the same
 * firing, or before any, tie), then declaration order.  Every key is
 * fixed when the activation is made, so the order is deterministic.
 *
 * Truth maintenance.  Firing justifies each asserted fact in working
 * memory (facts.h) with the activation as owner; withdrawing a fired
 * activation removes its justifications and its recommendation, and the
 * facts that thereby change are re-examined in turn, and so on down.
 * Working memory queues every change; draining the queue updates the
 * leaves of every changed fact before any dirty rule is re-examined, so
 * rules are never judged on stale leaves.  A justification that would
 * rest, through other justifications, on the fact it justifies is
 * refused, so what supports a fact is always acyclic and every fact
 * holds for reasons that end in the user's statements.  A rule never
 * overrides the user: its justification of a stated fact waits under
 * the statement, and a retract leaves stated facts alone.  A retract is
 * not logical: it drops every justification of a derived fact, and
 * withdrawing the retracting activation does not bring them back.
 *
 * Certainty.  An activation's certainty is the rule's confidence times
 * the weakest certainty among its support (1 without support); the
 * justifications of one value combine as MYCIN's certainty factors do
 * (facts.c), and so do the activations that recommend the same path.  A
 * change of certainty alone updates the activations that rest on the
 * fact without re-firing them.
 *
 * Cost.  Building is linear in the size of the rules.  A change costs
 * the leaves visited for it plus the size of each rule they dirty, and a
 * firing a heap operation plus its actions: a chain of n rules each
 * enabling the next runs in O(n log n), and facts nobody tests are free. */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "network.h"
#include "xmalloc.h"

/* Growing arrays. */
#define GROW(arr, n, cap)                                                  \
    do {                                                                   \
        if ((n) == (cap)) {                                                \
            (cap) = (cap) ? 2 * (cap) : 8;                                 \
            (arr) = xreallocarray((arr), (size_t)(cap), sizeof *(arr));    \
        }                                                                  \
    } while (0)

/* Compiling conditions. */

static int is_leaf(int kind)
{
    return kind == CR_COND_TEST || kind == CR_COND_EXISTS ||
           kind == CR_COND_MISSING;
}

static int count_nodes(const cr_cond *c)
{
    int n = 1;
    for (int i = 0; i < c->nkids; i++)
        n += count_nodes(c->kids[i]);
    return n;
}

static int compile(cr_engine *e, const cr_cond *c, int parent, int rule,
                   int *tests)
{
    int me = e->nnodes++;
    node *n = &e->nodes[me];
    n->kind = (unsigned char)c->kind;
    n->parent = parent;
    n->rule = rule;
    n->c = c;
    n->nkids = is_leaf(c->kind) ? 0 : c->nkids;
    *tests += is_leaf(c->kind);
    for (int i = 0; i < c->nkids && !is_leaf(c->kind); i++)
        compile(e, c->kids[i], me, rule, tests);
    e->nodes[me].end = e->nnodes;
    return me;
}

/* The equality index. */

static uint64_t value_hash(const cr_kb *kb, int fact, const cr_value *v)
{
    uint64_t h = 1469598103934665603u ^ ((uint64_t)fact * 0x9E3779B97F4A7C15u);
    const cr_factdecl *d = cr_kb_factdecl(kb, fact);
    if (d->type == CR_BOOL || d->type == CR_NUMBER) {
        double x = v->num == 0 ? 0 : v->num;    /* -0 == 0 */
        uint64_t bits;
        memcpy(&bits, &x, sizeof bits);
        h = (h ^ bits) * 1099511628211u;
        h ^= h >> 29;
    } else if (v->str) {
        for (const char *s = v->str; *s; s++)
            h = (h ^ (unsigned char)tolower((unsigned char)*s)) *
                1099511628211u;
    }
    return h ^ (h >> 32);
}

/* The slot of (fact, v) in the table: the bucket's, or a free one. */
static size_t bucket_slot(const cr_engine *e, int fact, const cr_value *v)
{
    const cr_factdecl *d = cr_kb_factdecl(e->kb, fact);
    size_t i = value_hash(e->kb, fact, v) & (e->btcap - 1);
    for (;; i = (i + 1) & (e->btcap - 1)) {
        int b = e->btable[i];
        if (b < 0 || (e->buckets[b].fact == fact &&
                      cr_value_equal(d, e->buckets[b].key, v)))
            return i;
    }
}

static int bucket_find(const cr_engine *e, int fact, const cr_value *v)
{
    if (e->btcap == 0 || e->alpha[fact].nbuckets == 0)
        return -1;
    return e->btable[bucket_slot(e, fact, v)];
}

static void bucket_add(cr_engine *e, int fact, const cr_value *v, int leaf)
{
    size_t i = bucket_slot(e, fact, v);
    int b = e->btable[i];
    if (b < 0) {
        b = e->nbuckets++;
        e->buckets[b] = (bucket){fact, v, NULL, 0, 0};
        e->btable[i] = b;
        e->alpha[fact].nbuckets++;
    }
    bucket *bk = &e->buckets[b];
    GROW(bk->leaves, bk->n, bk->cap);
    bk->leaves[bk->n++] = leaf;
}

static void index_leaves(cr_engine *e)
{
    int neq = 0;
    for (int n = 0; n < e->nnodes; n++)
        if (e->nodes[n].kind == CR_COND_TEST)
            neq += e->nodes[n].c->nvals;
    e->buckets = xcalloc((size_t)neq + 1, sizeof *e->buckets);
    e->btcap = 16;
    while (e->btcap < 2 * (size_t)neq)
        e->btcap *= 2;
    e->btable = xmalloc(e->btcap * sizeof *e->btable);
    memset(e->btable, 0xff, e->btcap * sizeof *e->btable);
    for (int n = 0; n < e->nnodes; n++) {
        const node *x = &e->nodes[n];
        int f = x->c->fact;
        if (!is_leaf(x->kind) || f < 0)
            continue;
        if (x->kind == CR_COND_TEST &&
            (x->c->op == CR_OP_EQ || x->c->op == CR_OP_IN)) {
            for (int k = 0; k < x->c->nvals; k++)
                bucket_add(e, f, &x->c->vals[k].value, n);
        } else {
            alpha *a = &e->alpha[f];
            GROW(a->other, a->nother, a->capother);
            a->other[a->nother++] = n;
        }
    }
}

/* Evaluation. */

int cr_leaf_eval(const cr_engine *e, const node *n)
{
    const cr_cond *c = n->c;
    if (c->fact < 0)
        return 0;
    const cr_fact *f = cr_wm_get(e->wm, c->fact);
    if (n->kind == CR_COND_EXISTS)
        return f != NULL;
    if (n->kind == CR_COND_MISSING)
        return f == NULL;
    if (f == NULL)
        return 0;
    const cr_factdecl *d = cr_kb_factdecl(e->kb, c->fact);
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

static int inner_truth(const node *n)
{
    switch (n->kind) {
    case CR_COND_ALL: return n->ntrue == n->nkids;
    case CR_COND_ANY: return n->ntrue > 0;
    default: return n->ntrue == 0;         /* not */
    }
}

int cr_cond_holds(const cr_kb *kb, const cr_cond *c, const cr_wm *wm)
{
    if (c == NULL)
        return 1;
    if (is_leaf(c->kind)) {
        cr_engine e = {0};
        e.kb = kb;
        e.wm = (cr_wm *)wm;         /* only read */
        node n = {0};
        n.kind = (unsigned char)c->kind;
        n.c = c;
        return cr_leaf_eval(&e, &n);
    }
    int ntrue = 0;
    for (int i = 0; i < c->nkids; i++)
        ntrue += cr_cond_holds(kb, c->kids[i], wm);
    node n = {0};
    n.kind = (unsigned char)c->kind;
    n.nkids = c->nkids;
    n.ntrue = ntrue;
    return inner_truth(&n);
}

static void mark_dirty(cr_engine *e, int rule)
{
    if (e->rules[rule].dirty)
        return;
    e->rules[rule].dirty = 1;
    e->dirty[e->ndirty++] = rule;
}

/* Leaf n flipped to t: carry it up as far as it changes anything. */
static void propagate(cr_engine *e, int n, int t)
{
    for (int p = e->nodes[n].parent; p >= 0; p = e->nodes[p].parent) {
        node *x = &e->nodes[p];
        x->ntrue += t ? 1 : -1;
        int nt = inner_truth(x);
        if (nt == x->truth)
            return;
        x->truth = (unsigned char)nt;
        t = nt;
    }
}

static void leaf_update(cr_engine *e, int n)
{
    node *x = &e->nodes[n];
    int t = cr_leaf_eval(e, x);
    if (t != x->truth) {
        x->truth = (unsigned char)t;
        propagate(e, n, t);
        mark_dirty(e, x->rule);
    } else if (t) {
        mark_dirty(e, x->rule);     /* holds on a fact that changed */
    }
}

/* Fact f changed: visit the leaves that may have flipped or hold on it. */
static void fact_changed(cr_engine *e, int f)
{
    alpha *a = &e->alpha[f];
    e->stats.changes++;
    if (a->nbuckets) {
        const cr_fact *fact = cr_wm_get(e->wm, f);
        int nb = fact ? bucket_find(e, f, &fact->value) : -1;
        if (a->lastb >= 0 && a->lastb != nb)
            for (int k = 0; k < e->buckets[a->lastb].n; k++)
                leaf_update(e, e->buckets[a->lastb].leaves[k]);
        if (nb >= 0)
            for (int k = 0; k < e->buckets[nb].n; k++)
                leaf_update(e, e->buckets[nb].leaves[k]);
        a->lastb = nb;
    }
    for (int k = 0; k < a->nother; k++)
        leaf_update(e, a->other[k]);
}

/* Support. */

static void add_support(cr_engine *e, int f)
{
    if (e->mark[f] == e->epoch)
        return;
    e->mark[f] = e->epoch;
    GROW(e->sup, e->nsup, e->capsup);
    e->sup[e->nsup++] = f;
}

static void collect(cr_engine *e, int n)
{
    const node *x = &e->nodes[n];
    if (!x->truth)
        return;
    switch (x->kind) {
    case CR_COND_TEST:
    case CR_COND_EXISTS:
        add_support(e, x->c->fact);
        break;
    case CR_COND_ALL:
        for (int k = n + 1; k < x->end; k = e->nodes[k].end)
            collect(e, k);
        break;
    case CR_COND_ANY:
        for (int k = n + 1; k < x->end; k = e->nodes[k].end)
            if (e->nodes[k].truth) {
                collect(e, k);
                break;
            }
        break;
    default:                    /* not, missing: no support */
        break;
    }
}

static double support_cf(const cr_engine *e, int rule, const int *sup,
                         int n)
{
    double cf = 1;
    for (int i = 0; i < n; i++) {
        const cr_fact *f = cr_wm_get(e->wm, sup[i]);
        if (f && f->cf < cf)
            cf = f->cf;
    }
    return cr_kb_ruledef(e->kb, rule)->confidence * cf;
}

/* The agenda: a binary heap, first to fire at the top. */

static int before(const cr_engine *e, const act *x, const act *y)
{
    const rulex *a = &e->rules[x->rule], *b = &e->rules[y->rule];
    if (a->salience != b->salience)
        return a->salience > b->salience;
    if (a->tests != b->tests)
        return a->tests > b->tests;
    if (x->time != y->time)
        return x->time > y->time;
    return x->rule < y->rule;
}

static void heap_set(cr_engine *e, int i, act *a)
{
    e->heap[i] = a;
    a->heap = i;
}

static void sift_up(cr_engine *e, int i)
{
    act *a = e->heap[i];
    while (i > 0 && before(e, a, e->heap[(i - 1) / 2])) {
        heap_set(e, i, e->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_set(e, i, a);
}

static void sift_down(cr_engine *e, int i)
{
    act *a = e->heap[i];
    for (;;) {
        int k = 2 * i + 1;
        if (k >= e->nheap)
            break;
        if (k + 1 < e->nheap && before(e, e->heap[k + 1], e->heap[k]))
            k++;
        if (!before(e, e->heap[k], a))
            break;
        heap_set(e, i, e->heap[k]);
        i = k;
    }
    heap_set(e, i, a);
}

static void heap_push(cr_engine *e, act *a)
{
    GROW(e->heap, e->nheap, e->capheap);
    heap_set(e, e->nheap++, a);
    sift_up(e, e->nheap - 1);
}

static void heap_remove(cr_engine *e, act *a)
{
    int i = a->heap;
    act *last = e->heap[--e->nheap];
    a->heap = -1;
    if (i == e->nheap)
        return;
    heap_set(e, i, last);
    sift_up(e, i);
    sift_down(e, last->heap);
}

/* Activations. */

/* An activation and its arrays are one allocation. */
static void free_act(act *a)
{
    free(a);
}

static void withdraw(cr_engine *e, act *a)
{
    e->rules[a->rule].act = NULL;
    if (!a->fired) {
        heap_remove(e, a);
    } else {
        for (int i = 0; i < a->nconcl; i++)
            cr_wm_unjustify(e->wm, a->concl[i], a->serial);
        if (a->reco >= 0) {
            act *last = e->recos[--e->nrecos];
            e->recos[a->reco] = last;
            last->reco = a->reco;
        }
    }
    free_act(a);
}

static void activate(cr_engine *e, int rule)
{
    size_t nsup = (size_t)e->nsup;
    size_t nconcl = (size_t)cr_kb_ruledef(e->kb, rule)->nasserts;
    act *a = xmalloc(sizeof *a + nsup * sizeof *a->versions +
                     (nsup + nconcl) * sizeof *a->support);
    memset(a, 0, sizeof *a);
    a->versions = (unsigned *)(a + 1);
    a->support = (int *)(a->versions + nsup);
    a->concl = a->support + nsup;
    a->rule = rule;
    a->serial = ++e->serial;
    a->nsupport = e->nsup;
    for (int i = 0; i < e->nsup; i++) {
        a->support[i] = e->sup[i];
        a->versions[i] = cr_wm_version(e->wm, e->sup[i]);
    }
    a->time = e->clock;
    a->cf = support_cf(e, rule, a->support, a->nsupport);
    a->reco = -1;
    e->rules[rule].act = a;
    e->stats.activations++;
    heap_push(e, a);
}

static int same_support(const cr_engine *e, const act *a)
{
    if (a->nsupport != e->nsup)
        return 0;
    for (int i = 0; i < e->nsup; i++)
        if (a->support[i] != e->sup[i] ||
            a->versions[i] != cr_wm_version(e->wm, e->sup[i]))
            return 0;
    return 1;
}

/* A fired activation's certainty changed: so do its conclusions'. */
static void recertify(cr_engine *e, act *a, double cf)
{
    a->cf = cf;
    if (a->fired)
        for (int i = 0; i < a->nconcl; i++)
            cr_wm_recertify(e->wm, a->concl[i], a->serial, cf);
}

/* Bring rule's activation in line with its condition. */
static void recheck(cr_engine *e, int rule)
{
    rulex *r = &e->rules[rule];
    act *a = r->act;
    e->stats.rechecks++;
    if (r->root >= 0 && !e->nodes[r->root].truth) {
        if (a)
            withdraw(e, a);
        return;
    }
    e->epoch++;
    e->nsup = 0;
    if (r->root >= 0)
        collect(e, r->root);
    if (a && same_support(e, a)) {
        double cf = support_cf(e, rule, a->support, a->nsupport);
        if (cf != a->cf)
            recertify(e, a, cf);
        return;
    }
    if (a)
        withdraw(e, a);
    activate(e, rule);
}

/* Take in every change working memory has queued, and its consequences:
 * the leaves of all changed facts are brought up to date before any
 * dirty rule is re-examined. */
static void drain(cr_engine *e)
{
    for (;;) {
        int f, what;
        while ((f = cr_wm_next_change(e->wm, &what)) >= 0)
            fact_changed(e, f);
        if (e->ndirty == 0)
            return;
        while (e->ndirty > 0) {
            int rule = e->dirty[--e->ndirty];
            e->rules[rule].dirty = 0;
            recheck(e, rule);
            if (cr_wm_pending(e->wm))
                break;
        }
    }
}

/* Whether a justification resting on the facts sup would rest, through
 * the justifications of the values they show, on fact f itself. */
static int circular(cr_engine *e, const int *sup, int nsup, int f)
{
    if (nsup == 0 || cr_wm_get(e->wm, f) == NULL)
        return 0;               /* nothing can rest on an unknown fact */
    e->epoch++;
    int top = 0;
    for (int i = 0; i < nsup; i++) {
        GROW(e->stack, top, e->capstack);
        e->stack[top++] = sup[i];
    }
    while (top > 0) {
        int s = e->stack[--top];
        if (s == f)
            return 1;
        if (e->mark[s] == e->epoch || cr_wm_stated(e->wm, s))
            continue;
        e->mark[s] = e->epoch;
        const cr_fact *fs = cr_wm_get(e->wm, s);
        int nj;
        const cr_just *j = cr_wm_justs(e->wm, s, &nj);
        const cr_factdecl *d = cr_kb_factdecl(e->kb, s);
        for (int k = 0; fs && k < nj; k++) {
            if (!cr_value_equal(d, &j[k].value, &fs->value))
                continue;
            for (int i = 0; i < j[k].nsupport; i++) {
                GROW(e->stack, top, e->capstack);
                e->stack[top++] = j[k].support[i];
            }
        }
    }
    return 0;
}

static void record_firing(cr_engine *e, act *a)
{
    cr_run *run = e->run;
    if (run->nfired == e->capfired) {
        e->capfired = e->capfired ? 2 * e->capfired : 64;
        run->fired = xreallocarray(run->fired, (size_t)e->capfired,
                                   sizeof *run->fired);
        e->serials = xreallocarray(e->serials, (size_t)e->capfired,
                                   sizeof *e->serials);
    }
    e->serials[run->nfired] = a->serial;
    run->fired[run->nfired++] = a->rule;
}

static void fire(cr_engine *e, act *a)
{
    const cr_rule *r = cr_kb_ruledef(e->kb, a->rule);
    a->fired = 1;
    e->stats.firings++;
    if (e->run)
        record_firing(e, a);
    for (int i = 0; i < r->nasserts; i++) {
        const cr_assign *as = &r->asserts[i];
        if (as->fact < 0 || circular(e, a->support, a->nsupport, as->fact))
            continue;
        cr_wm_justify(e->wm, as->fact, &as->value, a->cf, a->rule,
                      a->serial, a->support, a->nsupport);
        a->concl[a->nconcl++] = as->fact;
    }
    for (int i = 0; i < r->nretracts; i++) {
        int f = r->retracts[i].fact;
        if (f >= 0 && !cr_wm_stated(e->wm, f))
            cr_wm_drop(e->wm, f);
    }
    if (r->reco != CR_RECO_NONE) {
        GROW(e->recos, e->nrecos, e->caprecos);
        a->reco = e->nrecos;
        e->recos[e->nrecos++] = a;
    }
}

/* Building. */

cr_engine *cr_engine_new(const cr_kb *kb, cr_wm *wm)
{
    cr_engine *e = xcalloc(1, sizeof *e);
    e->kb = kb;
    e->wm = wm;
    e->nrules = cr_kb_nrules(kb);
    e->nfacts = cr_kb_nfacts(kb);
    e->rules = xcalloc((size_t)e->nrules + 1, sizeof *e->rules);
    e->alpha = xcalloc((size_t)e->nfacts + 1, sizeof *e->alpha);
    e->mark = xcalloc((size_t)e->nfacts + 1, sizeof *e->mark);
    e->dirty = xcalloc((size_t)e->nrules + 1, sizeof *e->dirty);
    int total = 0;
    for (int i = 0; i < e->nrules; i++) {
        const cr_cond *c = cr_kb_ruledef(kb, i)->when;
        total += c ? count_nodes(c) : 0;
    }
    e->nodes = xcalloc((size_t)total + 1, sizeof *e->nodes);
    for (int i = 0; i < e->nrules; i++) {
        const cr_rule *r = cr_kb_ruledef(kb, i);
        e->rules[i].salience = r->salience;
        e->rules[i].root = r->when ? compile(e, r->when, -1, i,
                                             &e->rules[i].tests)
                                   : -1;
    }
    for (int f = 0; f < e->nfacts; f++)
        e->alpha[f].lastb = -1;
    index_leaves(e);
    /* Everything holds as working memory is now: evaluate bottom up
     * (kids come after their parents), then activate what holds. */
    for (int n = e->nnodes - 1; n >= 0; n--) {
        node *x = &e->nodes[n];
        x->truth = (unsigned char)(is_leaf(x->kind) ? cr_leaf_eval(e, x)
                                                     : inner_truth(x));
        if (x->truth && x->parent >= 0)
            e->nodes[x->parent].ntrue++;
    }
    for (int f = 0; f < e->nfacts; f++) {
        const cr_fact *fact = cr_wm_get(wm, f);
        e->alpha[f].lastb = fact ? bucket_find(e, f, &fact->value) : -1;
    }
    int f, what;
    while ((f = cr_wm_next_change(wm, &what)) >= 0)
        continue;               /* seen already */
    for (int i = 0; i < e->nrules; i++)
        recheck(e, i);
    return e;
}

void cr_engine_free(cr_engine *e)
{
    if (e == NULL)
        return;
    for (int i = 0; i < e->nrules; i++)
        if (e->rules[i].act)
            free_act(e->rules[i].act);
    for (int b = 0; b < e->nbuckets; b++)
        free(e->buckets[b].leaves);
    for (int f = 0; f < e->nfacts; f++)
        free(e->alpha[f].other);
    free(e->buckets);
    free(e->btable);
    free(e->alpha);
    free(e->nodes);
    free(e->rules);
    free(e->heap);
    free(e->recos);
    free(e->dirty);
    free(e->sup);
    free(e->mark);
    free(e->stack);
    free(e->serials);
    free(e);
}

/* Running. */

static void finish(cr_engine *e, cr_run *run)
{
    run->kept = xcalloc((size_t)run->nfired + 1, sizeof *run->kept);
    for (int i = 0; i < run->nfired; i++) {
        const act *a = e->rules[run->fired[i]].act;
        if (a && a->serial == e->serials[i])
            run->kept[run->nkept++] = run->fired[i];
    }
    for (int i = 0; i < e->nrecos; i++) {
        const act *a = e->recos[i];
        cr_reco k = cr_kb_ruledef(e->kb, a->rule)->reco;
        run->reco_cf[k] = cr_cf_combine(run->reco_cf[k], a->cf);
    }
    for (int k = CR_RECO_PHD; k <= CR_RECO_EITHER; k++)
        if (run->reco_cf[k] > run->strength) {
            run->strength = run->reco_cf[k];
            run->reco = (cr_reco)k;
        }
}

int cr_engine_run(cr_engine *e, int limit, cr_run *run)
{
    memset(run, 0, sizeof *run);
    e->run = run;
    e->capfired = 0;
    e->clock++;
    drain(e);
    int status = 0;
    while (e->nheap > 0) {
        if (run->nfired >= limit) {
            run->limited = 1;
            status = -1;
            break;
        }
        act *a = e->heap[0];
        heap_remove(e, a);
        e->clock++;
        fire(e, a);
        drain(e);
    }
    finish(e, run);
    e->run = NULL;
    return status;
}

void cr_run_free(cr_run *run)
{
    free(run->fired);
    free(run->kept);
    memset(run, 0, sizeof *run);
}

int cr_run_loop(const cr_run *run, int *out, int max)
{
    if (run->nfired == 0)
        return 0;
    int last = run->fired[run->nfired - 1], start = run->nfired - 1;
    while (start > 0 && run->fired[start - 1] != last)
        start--;
    int n = 0;
    for (int i = start; i < run->nfired && n < max; i++) {
        int seen = 0;
        for (int k = 0; k < n && !seen; k++)
            seen = out[k] == run->fired[i];
        if (!seen)
            out[n++] = run->fired[i];
    }
    return n;
}

void cr_engine_stats_get(const cr_engine *e, cr_engine_stats *st)
{
    *st = e->stats;
}
