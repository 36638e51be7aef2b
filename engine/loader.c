/* loader.c - YAML rule files into the knowledge base.
 *
 * A file is read into a tree of nodes with their places (yamltree.h),
 * which the schema walk below reads into kb structures, reporting what
 * it cannot take at the place it was written; a pattern keeps the place
 * of each of its bytes. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "loader.h"
#include "fileio.h"
#include "xmalloc.h"
#include "yamltree.h"

enum { MAX_FILE = 16 << 20 };

typedef cr_ynode node;

typedef struct ctx {
    cr_kb *kb;
    cr_diag *d;
    cr_ytree *tree;
    int in_example;             /* reading an intent's example */
} ctx;

static cr_loc loc_of(const ctx *c, const node *n)
{
    return cr_ytree_loc(c->tree, n);
}

static void err(ctx *c, const node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void err(ctx *c, const node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cr_ytree_verr(c->tree, n, fmt, ap);
    va_end(ap);
}


/* Schema helpers. */

static const char *kindname(cr_ykind k)
{
    return k == CR_Y_SCALAR ? "a scalar"
           : k == CR_Y_SEQ  ? "a list"
                            : "a mapping";
}

/* A value left out: nothing after its key, or ~ or null.  Where a
 * mapping or a list was wanted, its lines were most likely meant to be
 * indented under the key and are not. */
static int empty(const node *n)
{
    return n->kind == CR_Y_SCALAR &&
           (n->len == 0 || (n->style == YAML_PLAIN_SCALAR_STYLE &&
                            (strcmp(n->value, "~") == 0 ||
                             strcmp(n->value, "null") == 0 ||
                             strcmp(n->value, "Null") == 0 ||
                             strcmp(n->value, "NULL") == 0)));
}

static int want(ctx *c, const node *n, cr_ykind k, const char *what)
{
    if (n->kind == k)
        return 1;
    if (empty(n))
        err(c, n, "%s is empty, where %s belongs: are its lines indented "
            "further than its key?", what, kindname(k));
    else
        err(c, n, "%s must be %s, not %s", what, kindname(k),
            kindname(n->kind));
    return 0;
}

/* Check a mapping's keys against the allowed ones; report the others. */
static void check_keys(ctx *c, const node *map, const char *what,
                       const char *const *allowed, int n)
{
    for (int i = 0; i + 1 < map->nkids; i += 2) {
        const node *k = map->kids[i];
        if (!want(c, k, CR_Y_SCALAR, "a key"))
            continue;
        int found = 0;
        for (int a = 0; a < n && !found; a++)
            found = strcmp(k->value, allowed[a]) == 0;
        if (found)
            continue;
        const char *near = cr_closest(k->value, allowed, n);
        if (near)
            err(c, k, "unknown key '%s' in %s (did you mean '%s'?)",
                k->value, what, near);
        else
            err(c, k, "unknown key '%s' in %s", k->value, what);
    }
}

static const node *get(const node *map, const char *key)
{
    for (int i = 0; i + 1 < map->nkids; i += 2)
        if (map->kids[i]->kind == CR_Y_SCALAR &&
            strcmp(map->kids[i]->value, key) == 0)
            return map->kids[i + 1];
    return NULL;
}

static char *str(ctx *c, const node *n, const char *what)
{
    if (n == NULL || !want(c, n, CR_Y_SCALAR, what))
        return NULL;
    return xstrdup(n->value);
}

/* A scalar or a list of scalars, as a string vector. */
static char **strv(ctx *c, const node *n, const char *what, int *count)
{
    *count = 0;
    if (n == NULL)
        return NULL;
    if (n->kind == CR_Y_SCALAR) {
        char **v = xmalloc(sizeof *v);
        v[0] = xstrdup(n->value);
        *count = 1;
        return v;
    }
    if (!want(c, n, CR_Y_SEQ, what))
        return NULL;
    char **v = xcalloc((size_t)n->nkids + 1, sizeof *v);
    for (int i = 0; i < n->nkids; i++)
        if (want(c, n->kids[i], CR_Y_SCALAR, what))
            v[(*count)++] = xstrdup(n->kids[i]->value);
    return v;
}

static char *need_id(ctx *c, const node *map, const char *what)
{
    const node *id = get(map, "id");
    if (id == NULL) {
        err(c, map, "%s without an id", what);
        return NULL;
    }
    return str(c, id, "an id");
}

static int number(ctx *c, const node *n, const char *what, double lo,
                  double hi, double *out)
{
    if (!want(c, n, CR_Y_SCALAR, what))
        return 0;
    char *end;
    errno = 0;
    double x = strtod(n->value, &end);
    if (end == n->value || *end != '\0' || errno || !(x >= lo && x <= hi)) {
        err(c, n, "%s must be a number from %g to %g", what, lo, hi);
        return 0;
    }
    *out = x;
    return 1;
}

/* A scalar true or false into *out; 0 (reported) when it is neither. */
static int boolean(ctx *c, const node *n, const char *what, int *out)
{
    if (!want(c, n, CR_Y_SCALAR, what))
        return 0;
    if (strcmp(n->value, "true") == 0 || strcmp(n->value, "false") == 0) {
        *out = n->value[0] == 't';
        return 1;
    }
    err(c, n, "%s must be true or false", what);
    return 0;
}

/* How a declaration meets an earlier one of its name: `override: true`,
 * or where can_extend, `extend: true`. */
static cr_merge merge_of(ctx *c, const node *map, int can_extend)
{
    const node *o = get(map, "override"), *e = get(map, "extend");
    int over = 0, ext = 0;
    if (o)
        boolean(c, o, "override", &over);
    if (e && can_extend)
        boolean(c, e, "extend", &ext);
    if (over && ext)
        err(c, e, "override and extend exclude each other");
    return over ? CR_MERGE_OVERRIDE : ext ? CR_MERGE_EXTEND : CR_MERGE_NEW;
}

static cr_pattern pattern(ctx *c, const node *n)
{
    cr_pattern p = {0};
    p.src = xstrdup(n->value);
    cr_loc *pos = cr_ytree_places(c->tree, n);
    p.file = pos[0].file;
    p.runs = cr_pattern_runs(p.src, pos, n->len, &p.nruns);
    free(pos);
    p.weight = 1;
    return p;
}

/* An intent's pattern: a string, or {match: string, weight: number}.
 * Returns 0 (reported) when it is neither. */
static int weighted_pattern(ctx *c, const node *n, cr_pattern *out)
{
    static const char *const keys[] = {"match", "weight"};
    if (n->kind == CR_Y_SCALAR) {
        *out = pattern(c, n);
        return 1;
    }
    if (!want(c, n, CR_Y_MAP, "a pattern"))
        return 0;
    check_keys(c, n, "a pattern", keys, 2);
    const node *m = get(n, "match"), *w = get(n, "weight");
    if (m == NULL) {
        err(c, n, "a weighted pattern needs 'match'");
        return 0;
    }
    if (!want(c, m, CR_Y_SCALAR, "match"))
        return 0;
    *out = pattern(c, m);
    if (w && !number(c, w, "weight", 0.01, 100, &out->weight))
        out->weight = 1;
    return 1;
}

/* fact: value pairs, from a mapping. */
static cr_assign *assigns(ctx *c, const node *map, const char *what, int *n)
{
    *n = 0;
    if (map == NULL || !want(c, map, CR_Y_MAP, what))
        return NULL;
    cr_assign *a = xcalloc((size_t)map->nkids / 2 + 1, sizeof *a);
    for (int i = 0; i + 1 < map->nkids; i += 2) {
        const node *k = map->kids[i], *v = map->kids[i + 1];
        if (!want(c, k, CR_Y_SCALAR, "a fact name") ||
            !want(c, v, CR_Y_SCALAR, "a fact's value"))
            continue;
        a[*n].name = xstrdup(k->value);
        a[*n].text = xstrdup(v->value);
        a[*n].loc = loc_of(c, v);
        (*n)++;
    }
    return a;
}

/* Facts and concepts. */

static void load_fact(ctx *c, const node *k, const node *v)
{
    static const char *const keys[] = {"type", "values", "prompt", "value"};
    static const char *const types[] = {"boolean", "number", "string",
                                        "choice"};
    if (!want(c, k, CR_Y_SCALAR, "a fact name") ||
        !want(c, v, CR_Y_MAP, "a fact's declaration"))
        return;
    check_keys(c, v, "a fact", keys, 4);
    cr_factdecl f = {0};
    f.loc = loc_of(c, k);
    const node *type = get(v, "type"), *values = get(v, "values");
    f.type = values ? CR_CHOICE : CR_STRING;
    if (type && want(c, type, CR_Y_SCALAR, "a fact's type")) {
        int t = 0;
        while (t < 4 && strcmp(type->value, types[t]) != 0)
            t++;
        if (strcmp(type->value, "bool") == 0)
            t = CR_BOOL;
        if (t == 4)
            err(c, type, "unknown type '%s' (boolean, number, string or "
                "choice)", type->value);
        else
            f.type = (cr_type)t;
    }
    f.choices = strv(c, values, "a fact's values", &f.nchoices);
    if (values && f.type != CR_CHOICE)
        err(c, values, "only a choice has values; fact '%s' is not one",
            k->value);
    if (f.type == CR_CHOICE && f.nchoices == 0)
        err(c, type ? type : k, "a choice needs a list of values");
    f.prompt = get(v, "prompt") ? str(c, get(v, "prompt"), "a prompt") : NULL;
    const node *init = get(v, "value");
    if (init && want(c, init, CR_Y_SCALAR, "a fact's value")) {
        cr_value x;
        if (cr_value_parse(&f, init->value, &x)) {
            f.initial = xstrdup(init->value);
            cr_value_free(&x);
        } else {
            err(c, init, "'%s' is not a value of fact '%s' (%s)",
                init->value, k->value,
                f.type == CR_BOOL ? "yes or no" : f.type == CR_NUMBER
                    ? "a number" : "one of its values");
        }
    }
    f.name = xstrdup(k->value);
    cr_kb_add_fact(c->kb, &f, c->d);
}

/* name: words, or name: {words: words, override|extend: true}. */
static void load_concept(ctx *c, const node *k, const node *v)
{
    static const char *const keys[] = {"words", "override", "extend"};
    if (!want(c, k, CR_Y_SCALAR, "a concept name"))
        return;
    cr_concept co = {0};
    co.loc = loc_of(c, k);
    if (v->kind == CR_Y_MAP) {
        check_keys(c, v, "a concept", keys, 3);
        co.merge = merge_of(c, v, 1);
        v = get(v, "words");
    }
    co.words = v ? strv(c, v, "a concept's words", &co.nwords) : NULL;
    if (co.nwords == 0)
        err(c, k, "concept '%s' has no words", k->value);
    co.name = xstrdup(k->value);
    cr_kb_add_concept(c->kb, &co, c->d);
}

/* Intents and extractors. */

static int reco_of(ctx *c, const node *n, cr_reco *out)
{
    static const char *const recos[] = {"phd", "industry", "either",
                                        "none"};
    if (!want(c, n, CR_Y_SCALAR, "recommend"))
        return 0;
    for (int i = 0; i < 4; i++)
        if (strcmp(n->value, recos[i]) == 0) {
            *out = i == 3 ? CR_RECO_NONE : (cr_reco)(CR_RECO_PHD + i);
            return 1;
        }
    err(c, n, "recommend must be phd, industry or either%s",
        c->in_example ? " (or none)" : "");
    return 0;
}

/* An intent's examples: each a question, or {q: question, recommend:
 * phd|industry|either|none, cite: anchor} to check the answer too. */
static cr_example *examples(ctx *c, const node *n, int *count)
{
    static const char *const keys[] = {"q", "recommend", "cite"};
    *count = 0;
    if (n == NULL || !want(c, n, CR_Y_SEQ, "examples"))
        return NULL;
    cr_example *v = xcalloc((size_t)n->nkids + 1, sizeof *v);
    for (int i = 0; i < n->nkids; i++) {
        const node *e = n->kids[i], *q = e;
        cr_example x = {0};
        x.loc = loc_of(c, e);
        if (e->kind == CR_Y_MAP) {
            check_keys(c, e, "an example", keys, 3);
            if ((q = get(e, "q")) == NULL) {
                err(c, e, "an example needs 'q', the question");
                continue;
            }
            const node *r = get(e, "recommend"), *ci = get(e, "cite");
            c->in_example = 1;
            if (r)
                x.expect_reco = reco_of(c, r, &x.reco);
            c->in_example = 0;
            if (ci)
                x.cite = str(c, ci, "cite");
        }
        if (!want(c, q, CR_Y_SCALAR, "an example")) {
            free(x.cite);
            continue;
        }
        x.text = xstrdup(q->value);
        v[(*count)++] = x;
    }
    return v;
}

static void load_intent(ctx *c, const node *n)
{
    static const char *const keys[] = {"id", "topic", "patterns",
                                       "examples", "out_of_scope",
                                       "override", "extend"};
    if (!want(c, n, CR_Y_MAP, "an intent"))
        return;
    check_keys(c, n, "an intent", keys, 7);
    cr_intent in = {0};
    in.loc = loc_of(c, n);
    if ((in.id = need_id(c, n, "intent")) == NULL)
        return;
    in.merge = merge_of(c, n, 1);
    in.topic = get(n, "topic") ? str(c, get(n, "topic"), "a topic") : NULL;
    const node *pats = get(n, "patterns"), *oos = get(n, "out_of_scope");
    if (in.merge == CR_MERGE_EXTEND && (in.topic || oos))
        err(c, n, "an extension of intent '%s' adds patterns and examples "
            "only", in.id);
    if (pats == NULL || (pats->kind == CR_Y_SEQ && pats->nkids == 0)) {
        if (in.merge != CR_MERGE_EXTEND)    /* it may add examples only */
            err(c, n, "intent '%s' has no patterns", in.id);
    } else if (pats->kind == CR_Y_SCALAR) {
        in.patterns = xcalloc(1, sizeof *in.patterns);
        in.patterns[in.npatterns++] = pattern(c, pats);
    } else if (want(c, pats, CR_Y_SEQ, "patterns")) {
        in.patterns = xcalloc((size_t)pats->nkids, sizeof *in.patterns);
        for (int i = 0; i < pats->nkids; i++)
            in.npatterns += weighted_pattern(c, pats->kids[i],
                                             &in.patterns[in.npatterns]);
    }
    in.examples = examples(c, get(n, "examples"), &in.nexamples);
    if (oos)
        boolean(c, oos, "out_of_scope", &in.out_of_scope);
    cr_kb_add_intent(c->kb, &in, c->d);
}

static void load_extractor(ctx *c, const node *n)
{
    static const char *const keys[] = {"id", "pattern", "set", "negated",
                                       "override"};
    if (!want(c, n, CR_Y_MAP, "an extractor"))
        return;
    check_keys(c, n, "an extractor", keys, 5);
    cr_extractor x = {0};
    x.loc = loc_of(c, n);
    x.merge = merge_of(c, n, 0);
    const node *pat = get(n, "pattern");
    if ((x.id = need_id(c, n, "extractor")) == NULL)
        return;
    if (pat == NULL || !want(c, pat, CR_Y_SCALAR, "a pattern")) {
        if (pat == NULL)
            err(c, n, "extractor '%s' has no pattern", x.id);
        free(x.id);
        return;
    }
    x.pattern = pattern(c, pat);
    x.sets = assigns(c, get(n, "set"), "set", &x.nsets);
    x.negated = assigns(c, get(n, "negated"), "negated", &x.nnegated);
    cr_kb_add_extractor(c->kb, &x, c->d);
}

/* Conditions. */

static cr_cond *cond(ctx *c, const node *n, int depth);

static cr_cond *newcond(ctx *c, const node *at, cr_condkind kind)
{
    cr_cond *k = xcalloc(1, sizeof *k);
    k->kind = kind;
    k->fact = -1;
    k->loc = loc_of(c, at);
    return k;
}

static void addkid(cr_cond *parent, cr_cond *kid)
{
    if (kid == NULL)
        return;
    parent->kids = xreallocarray(parent->kids, (size_t)parent->nkids + 1,
                                 sizeof(cr_cond *));
    parent->kids[parent->nkids++] = kid;
}

static int opcode(const char *s, cr_op *op)
{
    static const struct { const char *name; cr_op op; } ops[] = {
        {"is", CR_OP_EQ}, {"=", CR_OP_EQ}, {"==", CR_OP_EQ},
        {"not", CR_OP_NE}, {"!=", CR_OP_NE}, {"<", CR_OP_LT},
        {"lt", CR_OP_LT}, {"<=", CR_OP_LE}, {"le", CR_OP_LE},
        {">", CR_OP_GT}, {"gt", CR_OP_GT}, {">=", CR_OP_GE},
        {"ge", CR_OP_GE}, {"in", CR_OP_IN},
    };
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        if (strcmp(s, ops[i].name) == 0)
            return *op = ops[i].op, 1;
    return 0;
}

static void test_values(ctx *c, cr_cond *t, const node *v)
{
    const node *one = v;
    int n = 1;
    if (v->kind == CR_Y_SEQ)
        n = v->nkids;
    t->vals = xcalloc((size_t)n + 1, sizeof *t->vals);
    for (int i = 0; i < n; i++) {
        one = v->kind == CR_Y_SEQ ? v->kids[i] : v;
        if (!want(c, one, CR_Y_SCALAR, "a value"))
            continue;
        t->vals[t->nvals].text = xstrdup(one->value);
        t->vals[t->nvals].loc = loc_of(c, one);
        t->vals[t->nvals].fact = -1;
        t->nvals++;
    }
}

/* fact: value | fact: [values] | fact: {op: value} */
static cr_cond *test(ctx *c, const node *k, const node *v)
{
    cr_cond *t = newcond(c, k, CR_COND_TEST);
    t->name = xstrdup(k->value);
    t->op = v->kind == CR_Y_SEQ ? CR_OP_IN : CR_OP_EQ;
    if (v->kind == CR_Y_MAP) {
        if (v->nkids != 2 || v->kids[0]->kind != CR_Y_SCALAR ||
            !opcode(v->kids[0]->value, &t->op)) {
            err(c, v, "a test is {OP: value} with one OP of is, not, <, <=, "
                ">, >=, in");
            return t;
        }
        v = v->kids[1];
        if (t->op == CR_OP_IN && !want(c, v, CR_Y_SEQ, "the values of 'in'"))
            return t;
        if (t->op != CR_OP_IN && !want(c, v, CR_Y_SCALAR, "a value"))
            return t;
    }
    test_values(c, t, v);
    return t;
}

static cr_cond *facts_cond(ctx *c, const node *at, const node *v,
                           cr_condkind kind)
{
    int n;
    char **names = strv(c, v, "fact names", &n);
    cr_cond *all = newcond(c, at, CR_COND_ALL);
    for (int i = 0; i < n; i++) {
        cr_cond *k = newcond(c, v->kind == CR_Y_SEQ ? v->kids[i] : v, kind);
        k->name = names[i];
        addkid(all, k);
    }
    free(names);
    return all;
}

static cr_cond *cond_map(ctx *c, const node *n, int depth)
{
    cr_cond *all = newcond(c, n, CR_COND_ALL);
    for (int i = 0; i + 1 < n->nkids; i += 2) {
        const node *k = n->kids[i], *v = n->kids[i + 1];
        if (!want(c, k, CR_Y_SCALAR, "a condition's key"))
            continue;
        if (strcmp(k->value, "all") == 0 || strcmp(k->value, "any") == 0) {
            cr_cond *g = newcond(c, k, k->value[1] == 'l' ? CR_COND_ALL
                                                           : CR_COND_ANY);
            if (want(c, v, CR_Y_SEQ, k->value))
                for (int j = 0; j < v->nkids; j++)
                    addkid(g, cond(c, v->kids[j], depth + 1));
            addkid(all, g);
        } else if (strcmp(k->value, "not") == 0) {
            cr_cond *g = newcond(c, k, CR_COND_NOT);
            addkid(g, cond(c, v, depth + 1));
            addkid(all, g);
        } else if (strcmp(k->value, "exists") == 0) {
            addkid(all, facts_cond(c, k, v, CR_COND_EXISTS));
        } else if (strcmp(k->value, "missing") == 0) {
            addkid(all, facts_cond(c, k, v, CR_COND_MISSING));
        } else {
            addkid(all, test(c, k, v));
        }
    }
    return all;
}

static cr_cond *cond(ctx *c, const node *n, int depth)
{
    if (n->kind == CR_Y_MAP)
        return cond_map(c, n, depth);
    if (n->kind == CR_Y_SEQ) {
        cr_cond *all = newcond(c, n, CR_COND_ALL);
        for (int j = 0; j < n->nkids; j++)
            addkid(all, cond(c, n->kids[j], depth + 1));
        return all;
    }
    err(c, n, "a condition must be a mapping such as {intent: ask.pay}");
    return NULL;
}

/* Rules. */

static void load_then(ctx *c, cr_rule *r, const node *then)
{
    static const char *const keys[] = {"answer", "cite", "recommend",
                                       "assert", "retract", "ask"};
    if (empty(then)) {
        err(c, then, "rule '%s' has an empty then: give it an answer, "
            "assert, retract or ask, indented under 'then:'", r->id);
        return;
    }
    if (!want(c, then, CR_Y_MAP, "then"))
        return;
    check_keys(c, then, "then", keys, 6);
    const node *n;
    if ((n = get(then, "answer")))
        r->answer = str(c, n, "an answer");
    if ((n = get(then, "cite"))) {
        int count;
        char **anchors = strv(c, n, "cite", &count);
        r->cites = xcalloc((size_t)count + 1, sizeof *r->cites);
        for (int i = 0; i < count; i++) {
            r->cites[i].anchor = anchors[i];
            r->cites[i].section = -1;
            r->cites[i].loc = loc_of(c, n->kind == CR_Y_SEQ ? n->kids[i] : n);
        }
        r->ncites = count;
        free(anchors);
    }
    if ((n = get(then, "recommend")) && reco_of(c, n, &r->reco) &&
        r->reco == CR_RECO_NONE)
        err(c, n, "recommend must be phd, industry or either");
    r->asserts = assigns(c, get(then, "assert"), "assert", &r->nasserts);
    if ((n = get(then, "retract"))) {
        int count;
        char **names = strv(c, n, "retract", &count);
        r->retracts = xcalloc((size_t)count + 1, sizeof *r->retracts);
        for (int i = 0; i < count; i++) {
            r->retracts[i].name = names[i];
            r->retracts[i].loc =
                loc_of(c, n->kind == CR_Y_SEQ ? n->kids[i] : n);
        }
        r->nretracts = count;
        free(names);
    }
    if ((n = get(then, "ask"))) {
        r->ask = str(c, n, "ask");
        r->askloc = loc_of(c, n);
    }
    if (!r->answer && !r->nasserts && !r->nretracts && !r->ask)
        err(c, then, "rule '%s' does nothing: give it an answer, assert, "
            "retract or ask", r->id);
    if (r->ncites && !r->answer)
        err(c, then, "rule '%s' cites without an answer", r->id);
}

static void load_rule(ctx *c, const node *n)
{
    static const char *const keys[] = {"id", "salience", "confidence",
                                       "when", "then", "override"};
    if (!want(c, n, CR_Y_MAP, "a rule"))
        return;
    check_keys(c, n, "a rule", keys, 6);
    cr_rule r = {0};
    r.loc = loc_of(c, n);
    r.merge = merge_of(c, n, 0);
    r.confidence = 1.0;
    r.askfact = -1;
    if ((r.id = need_id(c, n, "rule")) == NULL)
        return;
    const node *v;
    double x;
    if ((v = get(n, "salience")) &&
        number(c, v, "salience", -10000, 10000, &x))
        r.salience = (int)x;
    if ((v = get(n, "confidence")) &&
        number(c, v, "confidence", 0.01, 1, &x))
        r.confidence = x;
    if ((v = get(n, "when")))
        r.when = cond(c, v, 0);
    if ((v = get(n, "then")))
        load_then(c, &r, v);
    else
        err(c, n, "rule '%s' has no 'then'", r.id);
    cr_kb_add_rule(c->kb, &r, c->d);
}

/* disable: {rules: [ids], intents: [ids], extractors: [ids]}, of what
 * was loaded before. */
static void load_disable(ctx *c, const node *n)
{
    static const char *const keys[] = {"rules", "intents", "extractors"};
    static const cr_kind kinds[] = {CR_KIND_RULE, CR_KIND_INTENT,
                                    CR_KIND_EXTRACTOR};
    if (!want(c, n, CR_Y_MAP, "disable"))
        return;
    check_keys(c, n, "disable", keys, 3);
    for (int k = 0; k < 3; k++) {
        const node *v = get(n, keys[k]);
        if (v == NULL || (v->kind != CR_Y_SCALAR && !want(c, v, CR_Y_SEQ, keys[k])))
            continue;
        int count = v->kind == CR_Y_SEQ ? v->nkids : 1;
        for (int i = 0; i < count; i++) {
            const node *id = v->kind == CR_Y_SEQ ? v->kids[i] : v;
            if (!want(c, id, CR_Y_SCALAR, "an id"))
                continue;
            cr_loc l = loc_of(c, id);
            cr_kb_disable(c->kb, kinds[k], id->value, &l, c->d);
        }
    }
}

/* The file. */

static void load_tree(ctx *c, const node *root)
{
    static const char *const keys[] = {"concepts", "facts", "intents",
                                       "extractors", "rules", "disable"};
    if (root == NULL || (root->kind == CR_Y_SCALAR && root->len == 0))
        return;                 /* an empty file declares nothing */
    if (!want(c, root, CR_Y_MAP, "a rule file"))
        return;
    check_keys(c, root, "a rule file", keys, 6);
    const node *n;
    if ((n = get(root, "concepts")) && want(c, n, CR_Y_MAP, "concepts"))
        for (int i = 0; i + 1 < n->nkids; i += 2)
            load_concept(c, n->kids[i], n->kids[i + 1]);
    if ((n = get(root, "facts")) && want(c, n, CR_Y_MAP, "facts"))
        for (int i = 0; i + 1 < n->nkids; i += 2)
            load_fact(c, n->kids[i], n->kids[i + 1]);
    if ((n = get(root, "intents")) && want(c, n, CR_Y_SEQ, "intents"))
        for (int i = 0; i < n->nkids; i++)
            load_intent(c, n->kids[i]);
    if ((n = get(root, "extractors")) && want(c, n, CR_Y_SEQ, "extractors"))
        for (int i = 0; i < n->nkids; i++)
            load_extractor(c, n->kids[i]);
    if ((n = get(root, "rules")) && want(c, n, CR_Y_SEQ, "rules"))
        for (int i = 0; i < n->nkids; i++)
            load_rule(c, n->kids[i]);
    if ((n = get(root, "disable")))
        load_disable(c, n);
}

int cr_load_string(cr_kb *kb, const char *name, const char *text,
                   size_t len, cr_diag *d)
{
    int before = cr_diag_errors(d);
    ctx c = {kb, d, cr_ytree_parse(cr_kb_intern(kb, name), text, len, d),
             0};
    load_tree(&c, cr_ytree_root(c.tree));
    cr_ytree_free(c.tree);
    return cr_diag_errors(d) - before;
}

/* Whether the open file f was read into kb before, through another
 * path (a folder and a file in it, say): it is read once, the first
 * time. */
static int read_before(cr_kb *kb, FILE *f)
{
    struct stat st;
    if (fstat(fileno(f), &st) != 0)
        return 0;
    char key[64];
    snprintf(key, sizeof key, "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    return !cr_kb_first_read(kb, key);
}

static int load_file(cr_kb *kb, const char *path, cr_diag *d)
{
    int err, fd = cr_file_open(path, O_RDONLY, 0, &err);
    FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (f == NULL) {
        if (fd >= 0) {
            err = errno;
            close(fd);
        }
        cr_diag_add(d, CR_ERROR, path, 0, 0, "cannot read: %s",
                    cr_file_error(err));
        return 1;
    }
    if (read_before(kb, f)) {
        fclose(f);
        return 0;
    }
    cr_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= MAX_FILE)
        cr_buf_putn(&b, chunk, n);
    int bad = ferror(f);
    fclose(f);
    int errors;
    if (bad) {
        cr_diag_add(d, CR_ERROR, path, 0, 0, "cannot read: %s",
                    strerror(errno ? errno : EIO));
        errors = 1;
    } else if (b.len > MAX_FILE) {
        cr_diag_add(d, CR_ERROR, path, 0, 0,
                    "rule file larger than %d MiB", MAX_FILE >> 20);
        errors = 1;
    } else {
        errors = cr_load_string(kb, path, b.s ? b.s : "", b.len, d);
    }
    cr_buf_free(&b);
    return errors;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int yaml_name(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' &&
           ((n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
            (n > 4 && strcmp(name + n - 4, ".yml") == 0));
}

/* The *.yaml and *.yml regular files (or links to them) of folder dir,
 * in name order: a new array of new strings, its length in *n. */
static char **folder_files(DIR *dir, const char *path, int *n)
{
    char **names = NULL;
    struct dirent *e;
    struct stat st;
    *n = 0;
    while ((e = readdir(dir)) != NULL) {
        if (!yaml_name(e->d_name))
            continue;
        /* Only regular files (or links to them): a subfolder is not
         * descended into, and a FIFO or device would block or never
         * end.  A broken link is kept, for load_file to report. */
        char *name = xasprintf("%s/%s", path, e->d_name);
        if (stat(name, &st) == 0 && !S_ISREG(st.st_mode)) {
            free(name);
            continue;
        }
        names = xreallocarray(names, (size_t)*n + 1, sizeof *names);
        names[(*n)++] = name;
    }
    if (*n > 1)         /* names is NULL in a folder without rule files */
        qsort(names, (size_t)*n, sizeof *names, by_name);
    return names;
}

char **cr_load_files(const char *path, int *n, cr_diag *d)
{
    struct stat st;
    *n = 0;
    if (stat(path, &st) != 0) {
        if (d)
            cr_diag_add(d, CR_ERROR, path, 0, 0, "cannot read: %s",
                        strerror(errno));
        return NULL;
    }
    if (!S_ISDIR(st.st_mode)) {
        char **one = xmalloc(sizeof *one);
        one[0] = xstrdup(path);
        *n = 1;
        return one;
    }
    DIR *dir = opendir(path);
    if (dir == NULL) {
        if (d)
            cr_diag_add(d, CR_ERROR, path, 0, 0, "cannot read folder: %s",
                        strerror(errno));
        return NULL;
    }
    char **names = folder_files(dir, path, n);
    closedir(dir);
    if (names == NULL)  /* an empty folder is no error */
        names = xmalloc(sizeof *names);
    return names;
}

int cr_load_path(cr_kb *kb, const char *path, cr_diag *d)
{
    int n;
    char **names = cr_load_files(path, &n, d);
    if (names == NULL)
        return 1;
    int errors = 0;
    for (int i = 0; i < n; i++) {
        errors += load_file(kb, names[i], d);
        free(names[i]);
    }
    free(names);
    return errors;
}
