/* explain.c - how, why and why not: the engine explains itself, and
 * checks rule sets for loops ahead of time.
 *
 * Explanations walk the structures engine.c maintains and never change
 * them.  A how-chain follows the justifications of each fact down to the
 * user's statements; it is walked with an explicit stack, so a chain of
 * any length cannot overflow the C stack, and each fact is explained
 * once (later mentions say "see above"), so shared support does not
 * blow up the text. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "network.h"
#include "xmalloc.h"

/* The most lines a how-chain shows. */
#define MAX_LINES 2000

static void put_indent(cr_buf *b, int depth)
{
    for (int i = 0; i < depth; i++)
        cr_buf_puts(b, "  ");
}

static void put_rule(cr_buf *b, const cr_kb *kb, int rule)
{
    const cr_rule *r = cr_kb_ruledef(kb, rule);
    cr_buf_printf(b, "rule %s (%s:%d:%d)", r->id, r->loc.file, r->loc.line,
                  r->loc.col);
}

static void put_value(cr_buf *b, const cr_kb *kb, int fact,
                      const cr_value *v)
{
    char *s = cr_value_text(cr_kb_factdecl(kb, fact), v);
    cr_buf_puts(b, s);
    free(s);
}

static void put_fact(cr_buf *b, const cr_engine *e, int fact)
{
    const cr_fact *f = cr_wm_get(e->wm, fact);
    cr_buf_printf(b, "%s = ", cr_kb_factdecl(e->kb, fact)->name);
    put_value(b, e->kb, fact, &f->value);
    cr_buf_printf(b, " (certainty %.2f)", f->cf);
}

static void put_source(cr_buf *b, const cr_engine *e, int fact, int depth)
{
    const cr_fact *f = cr_wm_get(e->wm, fact);
    put_indent(b, depth);
    if (f->source == CR_SRC_FLAG && f->words &&
        strcmp(f->words, CR_WORDS_INITIAL) == 0)
        cr_buf_printf(b, "%s\n", CR_WORDS_INITIAL);
    else if (f->source == CR_SRC_FLAG && f->words)
        cr_buf_printf(b, "you set it (%s)\n", f->words);
    else if (f->source == CR_SRC_FLAG)
        cr_buf_puts(b, "you set it (with --fact or a command)\n");
    else if (f->source == CR_SRC_ANSWER && fact == CR_FACT_INTENT)
        cr_buf_printf(b, "the consultation asks it: \"%s\"\n",
                      f->words ? f->words : "");
    else if (f->source == CR_SRC_ANSWER)
        cr_buf_printf(b, "you answered \"%s\" in the consultation, in turn "
                      "%d\n", f->words ? f->words : "", f->turn);
    else if (f->words)
        cr_buf_printf(b, "you %s, in turn %d: \"%s\"\n",
                      fact == CR_FACT_INTENT ? "asked" : "said", f->turn,
                      f->words);
    else
        cr_buf_printf(b, "you said so, in turn %d\n", f->turn);
}

/* What rules concluded about a fact the user stated, and waits. */
static void put_overruled(cr_buf *b, const cr_engine *e, int fact, int depth)
{
    int nj;
    const cr_just *j = cr_wm_justs(e->wm, fact, &nj);
    for (int k = 0; k < nj; k++) {
        put_indent(b, depth);
        cr_buf_puts(b, "(");
        put_rule(b, e->kb, j[k].rule);
        cr_buf_printf(b, " concluded %s = ",
                      cr_kb_factdecl(e->kb, fact)->name);
        put_value(b, e->kb, fact, &j[k].value);
        cr_buf_puts(b, ", but what you say comes first)\n");
    }
}

/* A how-chain under construction. */
typedef struct chain {
    const cr_engine *e;
    cr_buf *b;
    unsigned char *seen;        /* per fact */
    struct item { int fact, just, depth; } *stack;
    int top, cap;
    int lines;
} chain;

static void push(chain *ch, int fact, int just, int depth)
{
    if (ch->top == ch->cap) {
        ch->cap = ch->cap ? 2 * ch->cap : 32;
        ch->stack = xreallocarray(ch->stack, (size_t)ch->cap,
                                  sizeof *ch->stack);
    }
    ch->stack[ch->top++] = (struct item){fact, just, depth};
}

static void push_facts(chain *ch, const int *facts, int n, int depth)
{
    for (int i = n - 1; i >= 0; i--)
        push(ch, facts[i], -1, depth);
}

static void chain_fact(chain *ch, int fact, int depth)
{
    const cr_engine *e = ch->e;
    put_indent(ch->b, depth);
    if (cr_wm_get(e->wm, fact) == NULL) {
        cr_buf_printf(ch->b, "%s is not known\n",
                      cr_kb_factdecl(e->kb, fact)->name);
        return;
    }
    put_fact(ch->b, e, fact);
    if (ch->seen[fact]) {
        cr_buf_puts(ch->b, ", see above\n");
        return;
    }
    ch->seen[fact] = 1;
    cr_buf_putc(ch->b, '\n');
    if (cr_wm_stated(e->wm, fact)) {
        put_source(ch->b, e, fact, depth + 1);
        put_overruled(ch->b, e, fact, depth + 1);
        return;
    }
    int nj;
    const cr_just *j = cr_wm_justs(e->wm, fact, &nj);
    const cr_fact *f = cr_wm_get(e->wm, fact);
    const cr_factdecl *d = cr_kb_factdecl(e->kb, fact);
    for (int k = nj - 1; k >= 0; k--)
        if (cr_value_equal(d, &j[k].value, &f->value))
            push(ch, fact, k, depth + 1);
}

static void chain_just(chain *ch, int fact, int k, int depth)
{
    int nj;
    const cr_just *j = &cr_wm_justs(ch->e->wm, fact, &nj)[k];
    put_indent(ch->b, depth);
    cr_buf_puts(ch->b, "concluded by ");
    put_rule(ch->b, ch->e->kb, j->rule);
    cr_buf_printf(ch->b, ", certainty %.2f%s\n", j->cf,
                  j->nsupport ? ", from:" : "; its condition rests on no "
                  "fact");
    push_facts(ch, j->support, j->nsupport, depth + 1);
}

static void chain_run(chain *ch)
{
    while (ch->top > 0) {
        struct item it = ch->stack[--ch->top];
        if (ch->lines++ == MAX_LINES) {
            cr_buf_puts(ch->b, "... (the rest of the chain is not shown)\n");
            ch->top = 0;
            break;
        }
        if (it.just < 0)
            chain_fact(ch, it.fact, it.depth);
        else
            chain_just(ch, it.fact, it.just, it.depth);
    }
}

static chain chain_new(const cr_engine *e, cr_buf *b)
{
    chain ch = {e, b, xcalloc((size_t)e->nfacts + 1, 1), NULL, 0, 0, 0};
    return ch;
}

static void chain_free(chain *ch)
{
    free(ch->seen);
    free(ch->stack);
}

char *cr_engine_how(const cr_engine *e, int fact)
{
    cr_buf b = {0};
    chain ch = chain_new(e, &b);
    push(&ch, fact, -1, 0);
    chain_run(&ch);
    chain_free(&ch);
    return cr_buf_take(&b);
}

/* How rule's standing activation came about, into b at depth. */
static void how_act(chain *ch, const act *a, int depth)
{
    const cr_rule *r = cr_kb_ruledef(ch->e->kb, a->rule);
    put_indent(ch->b, depth);
    put_rule(ch->b, ch->e->kb, a->rule);
    cr_buf_printf(ch->b, " fired, certainty %.2f", a->cf);
    if (a->nsupport)
        cr_buf_puts(ch->b, ", because:\n");
    else if (r->when)
        cr_buf_puts(ch->b, "; its condition rests on no fact (it tests "
                    "only what is unknown or not so)\n");
    else
        cr_buf_puts(ch->b, "; it has no condition\n");
    push_facts(ch, a->support, a->nsupport, depth + 1);
    chain_run(ch);
}

char *cr_engine_how_rule(const cr_engine *e, int rule)
{
    const act *a = e->rules[rule].act;
    if (a == NULL || !a->fired)
        return cr_engine_why_not(e, rule);
    cr_buf b = {0};
    chain ch = chain_new(e, &b);
    how_act(&ch, a, 0);
    chain_free(&ch);
    return cr_buf_take(&b);
}

static const char *reco_words(cr_reco k)
{
    return k == CR_RECO_PHD ? "a PhD" : k == CR_RECO_INDUSTRY ? "industry"
                                                             : "either path";
}

static void how_reco(const cr_engine *e, const cr_run *run, cr_buf *b)
{
    if (run->reco == CR_RECO_NONE)
        return;
    cr_buf_printf(b, "The recommendation of %s has certainty %.2f",
                  reco_words(run->reco), run->strength);
    int n = 0;
    double cf = 0;
    for (int i = 0; i < e->nrecos; i++) {
        const act *a = e->recos[i];
        if (cr_kb_ruledef(e->kb, a->rule)->reco != run->reco)
            continue;
        cr_buf_printf(b, "%s%s (%.2f)", n++ ? ", then " : ", from ",
                      cr_kb_ruledef(e->kb, a->rule)->id, a->cf);
        if (n > 1)
            cr_buf_printf(b, ": %.2f + %.2f x (1 - %.2f) = %.2f", cf, a->cf,
                          cf, cr_cf_combine(cf, a->cf));
        cf = cr_cf_combine(cf, a->cf);
    }
    cr_buf_puts(b, ".\n");
}

char *cr_engine_explain(const cr_engine *e, const cr_run *run)
{
    cr_buf b = {0};
    chain ch = chain_new(e, &b);
    int shown = 0;
    for (int i = 0; i < run->nkept; i++) {
        const cr_rule *r = cr_kb_ruledef(e->kb, run->kept[i]);
        const act *a = e->rules[run->kept[i]].act;
        if (a == NULL || (!r->answer && r->reco == CR_RECO_NONE && !r->ask))
            continue;
        if (shown++ == 0)
            cr_buf_puts(&b, "How I got there:\n");
        how_act(&ch, a, 1);
    }
    if (shown == 0)
        cr_buf_puts(&b, "No rule gave advice for this question.\n");
    how_reco(e, run, &b);
    chain_free(&ch);
    return cr_buf_take(&b);
}

/* Conditions as text. */

static void put_values(cr_buf *b, const cr_cond *c)
{
    for (int i = 0; i < c->nvals; i++)
        cr_buf_printf(b, "%s%s", i ? ", " : "", c->vals[i].text);
}

static void put_cond(cr_buf *b, const cr_cond *c)
{
    static const char *const ops[] = {"is", "is not", "<", "<=", ">", ">=",
                                      "is one of"};
    switch (c->kind) {
    case CR_COND_TEST:
        cr_buf_printf(b, "%s %s ", c->name, ops[c->op]);
        put_values(b, c);
        return;
    case CR_COND_EXISTS:
        cr_buf_printf(b, "%s is known", c->name);
        return;
    case CR_COND_MISSING:
        cr_buf_printf(b, "%s is unknown", c->name);
        return;
    case CR_COND_NOT:
        cr_buf_puts(b, "not (");
        if (c->nkids)
            put_cond(b, c->kids[0]);
        cr_buf_puts(b, ")");
        return;
    default:
        if (c->nkids == 1) {
            put_cond(b, c->kids[0]);
            return;
        }
        cr_buf_puts(b, c->kind == CR_COND_ALL ? "all of (" : "any of (");
        for (int i = 0; i < c->nkids; i++) {
            if (i)
                cr_buf_puts(b, "; ");
            put_cond(b, c->kids[i]);
        }
        cr_buf_puts(b, ")");
    }
}

static void put_loc(cr_buf *b, const cr_loc *l)
{
    cr_buf_printf(b, "%s:%d:%d", l->file, l->line, l->col);
}

/* Why not. */

/* The node to blame for node n not holding: the first kid of an all
 * that fails, else the node itself. */
static int blame(const cr_engine *e, int n)
{
    const node *x = &e->nodes[n];
    if (x->kind == CR_COND_ALL)
        for (int k = n + 1; k < x->end; k = e->nodes[k].end)
            if (!e->nodes[k].truth)
                return blame(e, k);
    return n;
}

static void put_failure(cr_buf *b, const cr_engine *e, int n)
{
    const node *x = &e->nodes[n];
    const cr_cond *c = x->c;
    if (is_leaf_kind(x->kind)) {
        const cr_fact *f = c->fact >= 0 ? cr_wm_get(e->wm, c->fact) : NULL;
        if (f == NULL) {
            cr_buf_printf(b, "%s is not known", c->name);
            if (x->kind == CR_COND_TEST) {
                cr_buf_puts(b, ", and the rule needs ");
                put_cond(b, c);
            }
        } else {
            cr_buf_printf(b, "%s is ", c->name);
            put_value(b, e->kb, c->fact, &f->value);
            cr_buf_puts(b, ", and the rule needs ");
            if (x->kind == CR_COND_MISSING)
                cr_buf_printf(b, "it unknown");
            else
                put_cond(b, c);
        }
    } else if (x->kind == CR_COND_NOT) {
        cr_buf_puts(b, "the rule needs ");
        put_cond(b, c);
        cr_buf_puts(b, ", but ");
        if (c->nkids)
            put_cond(b, c->kids[0]);
        cr_buf_puts(b, " holds");
    } else {
        cr_buf_puts(b, "none of these holds (");
        put_loc(b, &c->loc);
        cr_buf_puts(b, "): ");
        int i = 0;
        for (int k = n + 1; k < x->end; k = e->nodes[k].end) {
            cr_buf_puts(b, i++ ? "; " : "");
            put_failure(b, e, blame(e, k));
        }
        return;
    }
    cr_buf_puts(b, " (");
    put_loc(b, &c->loc);
    cr_buf_puts(b, ")");
}

char *cr_engine_why_not(const cr_engine *e, int rule)
{
    cr_buf b = {0};
    const rulex *r = &e->rules[rule];
    put_rule(&b, e->kb, rule);
    if (r->act && r->act->fired)
        cr_buf_puts(&b, " did fire, and its conclusions stand.\n");
    else if (r->act)
        cr_buf_puts(&b, " holds, and waits on the agenda.\n");
    else if (r->root < 0 || e->nodes[r->root].truth)
        cr_buf_puts(&b, " holds, but has not been examined yet.\n");
    else {
        cr_buf_puts(&b, " did not fire: ");
        put_failure(&b, e, blame(e, r->root));
        cr_buf_puts(&b, ".\n");
    }
    return cr_buf_take(&b);
}

/* Why. */

enum { NO, YES, MAYBE };

/* Whether node n would hold, with fact f (and the facts marked in open,
 * if not NULL) unknown: MAYBE when it hangs on them, in Kleene's
 * three-valued logic. */
static int holds3(const cr_engine *e, int n, int f,
                  const unsigned char *open)
{
    const node *x = &e->nodes[n];
    if (is_leaf_kind(x->kind)) {
        int g = x->c->fact;
        if (g == f || (g >= 0 && open && open[g]))
            return MAYBE;
        return x->truth ? YES : NO;
    }
    int count[3] = {0, 0, 0};
    for (int k = n + 1; k < x->end; k = e->nodes[k].end)
        count[holds3(e, k, f, open)]++;
    switch (x->kind) {
    case CR_COND_ALL:
        return count[NO] ? NO : count[MAYBE] ? MAYBE : YES;
    case CR_COND_ANY:
        return count[YES] ? YES : count[MAYBE] ? MAYBE : NO;
    default:                    /* not */
        return count[MAYBE] ? MAYBE : count[YES] ? NO : YES;
    }
}

/* Whether node n stands under an odd number of nots. */
static int negated(const cr_engine *e, int n)
{
    int neg = 0;
    for (int p = e->nodes[n].parent; p >= 0; p = e->nodes[p].parent)
        neg ^= e->nodes[p].kind == CR_COND_NOT;
    return neg;
}

/* The tests of rule on fact f, as "if goal is academia". */
static void put_tests_on(cr_buf *b, const cr_engine *e, int rule, int f)
{
    const rulex *r = &e->rules[rule];
    int i = 0;
    for (int n = r->root; n >= 0 && n < e->nodes[r->root].end; n++) {
        const node *x = &e->nodes[n];
        if (!is_leaf_kind(x->kind) || x->c->fact != f)
            continue;
        cr_buf_puts(b, i++ ? " or " : "if ");
        int neg = negated(e, n);
        cr_buf_puts(b, neg ? "not (" : "");
        put_cond(b, x->c);
        cr_buf_puts(b, neg ? ")" : "");
    }
}

/* What rule would conclude, as ": recommends a PhD (confidence 0.90)". */
static void put_conclusions(cr_buf *b, const cr_kb *kb, int rule)
{
    const cr_rule *r = cr_kb_ruledef(kb, rule);
    const char *sep = ": ";
    if (r->reco != CR_RECO_NONE) {
        cr_buf_printf(b, "%srecommends %s (confidence %.2f)", sep,
                      reco_words(r->reco), r->confidence);
        sep = "; ";
    }
    for (int i = 0; i < r->nasserts; i++) {
        cr_buf_printf(b, "%sconcludes %s = %s", sep, r->asserts[i].name,
                      r->asserts[i].text);
        sep = "; ";
    }
    if (r->ask) {
        cr_buf_printf(b, "%sasks for %s", sep, r->ask);
        sep = "; ";
    }
    if (r->answer) {
        size_t n = strlen(r->answer);
        cr_buf_printf(b, "%sadvises \"%.*s%s\"", sep, n > 72 ? 72 : (int)n,
                      r->answer, n > 72 ? "..." : "");
    }
}

char *cr_engine_why(const cr_engine *e, int fact)
{
    return cr_engine_why_open(e, fact, NULL);
}

char *cr_engine_why_open(const cr_engine *e, int fact,
                         const unsigned char *open)
{
    cr_buf b = {0};
    const char *name = cr_kb_factdecl(e->kb, fact)->name;
    const cr_fact *f = cr_wm_get(e->wm, fact);
    if (f) {
        cr_buf_printf(&b, "%s is known already (", name);
        put_value(&b, e->kb, fact, &f->value);
        cr_buf_puts(&b, "): there is no need to ask for it.\n");
        return cr_buf_take(&b);
    }
    int asked = 0;
    for (int i = 0; i < e->nrules; i++) {
        const act *a = e->rules[i].act;
        if (cr_kb_ruledef(e->kb, i)->askfact != fact || !a || !a->fired)
            continue;
        cr_buf_puts(&b, asked++ ? "It is also asked for by " : "");
        if (asked == 1)
            cr_buf_printf(&b, "I ask for %s because ", name);
        put_rule(&b, e->kb, i);
        cr_buf_puts(&b, " needs it.\n");
    }
    /* The rules that test the fact and hang on it. */
    int need = 0;
    int last = -1;
    for (int n = 0; n < e->nnodes; n++) {
        const node *x = &e->nodes[n];
        int rule = x->rule;
        if (!is_leaf_kind(x->kind) || x->c->fact != fact || rule == last)
            continue;
        last = rule;
        if (cr_kb_ruledef(e->kb, rule)->askfact == fact ||
            holds3(e, e->rules[rule].root, fact, open) != MAYBE)
            continue;
        if (need++ == 0)
            cr_buf_printf(&b, "Knowing %s would let these rules decide:\n",
                          name);
        cr_buf_puts(&b, "  ");
        put_rule(&b, e->kb, rule);
        cr_buf_puts(&b, ", ");
        put_tests_on(&b, e, rule, fact);
        put_conclusions(&b, e->kb, rule);
        cr_buf_puts(&b, "\n");
    }
    if (asked == 0 && need == 0)
        cr_buf_printf(&b, "No rule needs %s now.\n", name);
    return cr_buf_take(&b);
}

/* Cycles, for lint. */

typedef struct graph {
    int n;                      /* rules, then facts */
    int *start, *edges;         /* CSR: edges of v at start[v]..start[v+1] */
} graph;

typedef struct builder {
    graph *g;
    int nrules;
    int fill;                   /* 0: count edges, 1: place them */
    int *pos;
} builder;

static void edge(builder *bd, int from, int to)
{
    if (bd->fill)
        bd->g->edges[bd->pos[from]++] = to;
    else
        bd->g->start[from + 1]++;
}

/* An edge from each fact condition c tests to rule. */
static void test_edges(builder *bd, const cr_cond *c, int rule)
{
    if (c == NULL)
        return;
    if ((c->kind == CR_COND_TEST || c->kind == CR_COND_EXISTS ||
         c->kind == CR_COND_MISSING) && c->fact >= 0)
        edge(bd, bd->nrules + c->fact, rule);
    for (int i = 0; i < c->nkids; i++)
        test_edges(bd, c->kids[i], rule);
}

static void build(const cr_kb *kb, graph *g)
{
    int nr = cr_kb_nrules(kb);
    g->n = nr + cr_kb_nfacts(kb);
    g->start = xcalloc((size_t)g->n + 2, sizeof *g->start);
    builder bd = {g, nr, 0, NULL};
    for (bd.fill = 0; bd.fill < 2; bd.fill++) {
        if (bd.fill) {
            for (int v = 0; v < g->n; v++)
                g->start[v + 1] += g->start[v];
            g->edges = xcalloc((size_t)g->start[g->n] + 1,
                               sizeof *g->edges);
            bd.pos = xcalloc((size_t)g->n + 1, sizeof *bd.pos);
            memcpy(bd.pos, g->start, (size_t)g->n * sizeof *bd.pos);
        }
        for (int r = 0; r < nr; r++) {
            const cr_rule *rule = cr_kb_ruledef(kb, r);
            for (int i = 0; i < rule->nasserts; i++)
                if (rule->asserts[i].fact >= 0)
                    edge(&bd, r, nr + rule->asserts[i].fact);
            for (int i = 0; i < rule->nretracts; i++)
                if (rule->retracts[i].fact >= 0)
                    edge(&bd, r, nr + rule->retracts[i].fact);
            test_edges(&bd, rule->when, r);
        }
    }
    free(bd.pos);
}

/* Tarjan's strongly connected components, without recursion; comp[v] is
 * v's component, numbered in the order they complete.  Returns how many. */
static int components(const graph *g, int *comp)
{
    int *index = xcalloc((size_t)g->n + 1, sizeof *index);
    int *low = xcalloc((size_t)g->n + 1, sizeof *low);
    int *next = xcalloc((size_t)g->n + 1, sizeof *next);
    int *stack = xcalloc((size_t)g->n + 1, sizeof *stack);
    int *call = xcalloc((size_t)g->n + 1, sizeof *call);
    unsigned char *on = xcalloc((size_t)g->n + 1, 1);
    int counter = 0, top = 0, ncomp = 0;
    for (int root = 0; root < g->n; root++) {
        if (index[root])
            continue;
        int depth = 0;
        call[depth++] = root;
        index[root] = low[root] = ++counter;
        next[root] = g->start[root];
        stack[top++] = root;
        on[root] = 1;
        while (depth > 0) {
            int v = call[depth - 1];
            if (next[v] < g->start[v + 1]) {
                int w = g->edges[next[v]++];
                if (!index[w]) {
                    index[w] = low[w] = ++counter;
                    next[w] = g->start[w];
                    stack[top++] = w;
                    on[w] = 1;
                    call[depth++] = w;
                } else if (on[w] && index[w] < low[v]) {
                    low[v] = index[w];
                }
                continue;
            }
            depth--;
            if (depth > 0 && low[v] < low[call[depth - 1]])
                low[call[depth - 1]] = low[v];
            if (low[v] == index[v]) {
                int w;
                do {
                    w = stack[--top];
                    on[w] = 0;
                    comp[w] = ncomp;
                } while (w != v);
                ncomp++;
            }
        }
    }
    free(index);
    free(low);
    free(next);
    free(stack);
    free(call);
    free(on);
    return ncomp;
}

/* Whether condition c tests fact f negatively: under an odd number of
 * nots, with missing, or with !=. */
static int tests_negatively(const cr_cond *c, int f, int neg)
{
    if (c == NULL)
        return 0;
    if (c->kind == CR_COND_TEST || c->kind == CR_COND_EXISTS ||
        c->kind == CR_COND_MISSING)
        return c->fact == f &&
               (neg ^ (c->kind == CR_COND_MISSING ||
                       (c->kind == CR_COND_TEST && c->op == CR_OP_NE)));
    for (int i = 0; i < c->nkids; i++)
        if (tests_negatively(c->kids[i], f, neg ^ (c->kind == CR_COND_NOT)))
            return 1;
    return 0;
}

/* Why the rules of component k (its rules are members[0..m)) may loop,
 * into b; 0 if such a cycle settles. */
static int loop_reason(const cr_kb *kb, const int *members, int m,
                       const int *comp, int k, cr_buf *b)
{
    int nr = cr_kb_nrules(kb);
    for (int i = 0; i < m; i++) {
        const cr_rule *rule = cr_kb_ruledef(kb, members[i]);
        for (int a = 0; a < rule->nretracts; a++) {
            int f = rule->retracts[a].fact;
            if (f >= 0 && comp[nr + f] == k) {
                cr_buf_printf(b, "'%s' retracts '%s'", rule->id,
                              rule->retracts[a].name);
                return 1;
            }
        }
        for (int a = 0; a < rule->nasserts; a++) {
            const cr_assign *as = &rule->asserts[a];
            if (as->fact < 0 || comp[nr + as->fact] != k)
                continue;
            for (int q = 0; q < m; q++) {
                const cr_rule *o = cr_kb_ruledef(kb, members[q]);
                if (tests_negatively(o->when, as->fact, 0)) {
                    cr_buf_printf(b, "'%s' asserts '%s', which '%s' needs "
                                  "unknown or not so", rule->id, as->name,
                                  o->id);
                    return 1;
                }
                for (int j = 0; j < o->nasserts; j++)
                    if (o->asserts[j].fact == as->fact &&
                        !cr_value_equal(cr_kb_factdecl(kb, as->fact),
                                        &o->asserts[j].value, &as->value)) {
                        cr_buf_printf(b, "'%s' and '%s' give '%s' two "
                                      "values", rule->id, o->id, as->name);
                        return 1;
                    }
            }
        }
    }
    return 0;
}

int cr_engine_cycles(const cr_kb *kb, cr_diag *d)
{
    graph g = {0, NULL, NULL};
    int nr = cr_kb_nrules(kb), nf = cr_kb_nfacts(kb);
    build(kb, &g);
    int *comp = xcalloc((size_t)g.n + 1, sizeof *comp);
    int ncomp = components(&g, comp);
    int *size = xcalloc((size_t)ncomp + 1, sizeof *size);
    unsigned char *done = xcalloc((size_t)ncomp + 1, 1);
    int *members = xcalloc((size_t)nr + 1, sizeof *members);
    for (int v = 0; v < g.n; v++)
        size[comp[v]]++;
    int warnings = 0;
    for (int r = 0; r < nr; r++) {
        int k = comp[r], m = 0;
        if (size[k] < 2 || done[k])
            continue;
        done[k] = 1;
        for (int q = r; q < nr; q++)
            if (comp[q] == k)
                members[m++] = q;
        cr_buf why = {0}, names = {0}, facts = {0};
        if (loop_reason(kb, members, m, comp, k, &why)) {
            for (int i = 0; i < m; i++)
                cr_buf_printf(&names, "%s'%s'", i ? ", " : "",
                              cr_kb_ruledef(kb, members[i])->id);
            int n = 0;
            for (int f = 0; f < nf; f++)
                if (comp[nr + f] == k)
                    cr_buf_printf(&facts, "%s'%s'", n++ ? ", " : "",
                                  cr_kb_factdecl(kb, f)->name);
            const cr_loc *l = &cr_kb_ruledef(kb, r)->loc;
            cr_diag_add(d, CR_WARNING, l->file, l->line, l->col,
                        "%s %s may keep firing %s in a loop through %s: "
                        "%s", m > 1 ? "rules" : "rule", names.s,
                        m > 1 ? "each other" : "itself", facts.s, why.s);
            warnings++;
        }
        cr_buf_free(&why);
        cr_buf_free(&names);
        cr_buf_free(&facts);
    }
    free(members);
    free(done);
    free(size);
    free(comp);
    free(g.start);
    free(g.edges);
    return warnings;
}
