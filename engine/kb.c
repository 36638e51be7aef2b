/* kb.c - the knowledge base's tables, name resolution and pattern set-up.
 *
 * Names are found through small open-addressing hash tables (one per kind
 * of name), so loading stays linear in the size of the rule files. */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "classify.h"
#include "kb.h"
#include "prefilter.h"
#include "strmap.h"
#include "xmalloc.h"

/* The kb's maps (cr_strmap) name its entries by index; their keys point
 * into its own structures. */

/* A block of memory the kb frees whole (cr_kb_adopt). */
typedef struct block {
    uintptr_t lo, hi;           /* [lo, hi) */
    void *p;
    int mapped;                 /* by mmap: unmapped, not freed */
} block;

/* A growable array of T named V in the kb, with its count nV and cap. */
#define VEC(T, V) T *V; int n##V, cap_##V
#define PUSH(kb, V, item)                                                  \
    do {                                                                   \
        if ((kb)->n##V == (kb)->cap_##V) {                                 \
            (kb)->cap_##V = (kb)->cap_##V ? 2 * (kb)->cap_##V : 16;        \
            (kb)->V = xreallocarray((kb)->V, (size_t)(kb)->cap_##V,        \
                                    sizeof *(kb)->V);                      \
        }                                                                  \
        (kb)->V[(kb)->n##V++] = (item);                                    \
    } while (0)

struct cr_kb {
    VEC(cr_factdecl, facts);
    VEC(cr_concept, concepts);
    VEC(cr_intent, intents);
    VEC(cr_extractor, extractors);
    VEC(cr_rule, rules);
    VEC(char *, files);
    VEC(char *, reads);         /* the keys of cr_kb_first_read */
    cr_strmap readmap;
    cr_strmap factmap, conceptmap, intentmap, extractormap, rulemap;
    VEC(block, blocks);         /* adopted: see cr_kb_adopt */
    cr_model *model;            /* the intent classifier, or NULL */
    cr_prefilter *pf;           /* made on first need: cr_kb_prefilter */
    cr_examples_fn *read_examples;      /* not read yet: cr_kb_examples */
    void *examples_arg;
    int examples_damaged;
};

static void add_builtin(cr_kb *kb, const char *name)
{
    cr_factdecl f = {0};
    f.name = xstrdup(name);
    f.type = CR_STRING;
    f.loc.file = cr_kb_intern(kb, "<built-in>");
    cr_kb_add_fact(kb, &f, NULL);
}

cr_kb *cr_kb_new(void)
{
    cr_kb *kb = xcalloc(1, sizeof *kb);
    add_builtin(kb, "intent");
    add_builtin(kb, "question");
    return kb;
}

const char *cr_kb_intern(cr_kb *kb, const char *file)
{
    for (int i = kb->nfiles - 1; i >= 0; i--)
        if (strcmp(kb->files[i], file) == 0)
            return kb->files[i];
    char *copy = xstrdup(file);
    PUSH(kb, files, copy);
    return copy;
}

int cr_kb_first_read(cr_kb *kb, const char *key)
{
    if (cr_strmap_get(&kb->readmap, key) >= 0)
        return 0;
    char *copy = xstrdup(key);
    PUSH(kb, reads, copy);
    cr_strmap_put(&kb->readmap, copy, kb->nreads - 1);
    return 1;
}

/* Freeing.  What lies in an adopted block goes with the block; every
 * string and array of a part is given back through release, which
 * tells the two apart. */

void cr_kb_adopt(cr_kb *kb, void *p, size_t size)
{
    block b = {(uintptr_t)p, (uintptr_t)p + size, p, 0};
    PUSH(kb, blocks, b);
}

void cr_kb_adopt_mapped(cr_kb *kb, void *p, size_t size)
{
    block b = {(uintptr_t)p, (uintptr_t)p + size, p, 1};
    PUSH(kb, blocks, b);
}

/* Whether p lies in one of kb's blocks (a few: the cache's payload and
 * its arena's chunks). */
static int adopted(const cr_kb *kb, const void *p)
{
    uintptr_t u = (uintptr_t)p;
    for (int i = 0; i < kb->nblocks; i++)
        if (u >= kb->blocks[i].lo && u < kb->blocks[i].hi)
            return 1;
    return 0;
}

static void release(const cr_kb *kb, void *p)
{
    if (p && !adopted(kb, p))
        free(p);
}

void cr_value_free(cr_value *v)
{
    free(v->str);
    v->str = NULL;
}

static void free_strv(const cr_kb *kb, char **v, int n)
{
    for (int i = 0; i < n; i++)
        release(kb, v[i]);
    release(kb, v);
}

static void free_pattern(const cr_kb *kb, cr_pattern *p)
{
    release(kb, p->src);
    release(kb, p->runs);
    cr_regex_free(p->re);
    release(kb, p->need);
}

static void free_assigns(const cr_kb *kb, cr_assign *a, int n)
{
    for (int i = 0; i < n; i++) {
        release(kb, a[i].name);
        release(kb, a[i].text);
        release(kb, a[i].value.str);
    }
    release(kb, a);
}

static void free_cond(const cr_kb *kb, cr_cond *c)
{
    if (c == NULL)
        return;
    release(kb, c->name);
    free_assigns(kb, c->vals, c->nvals);
    for (int i = 0; i < c->nkids; i++)
        free_cond(kb, c->kids[i]);
    release(kb, c->kids);
    release(kb, c);
}

static void free_rule(const cr_kb *kb, cr_rule *r)
{
    release(kb, r->id);
    free_cond(kb, r->when);
    release(kb, r->answer);
    for (int i = 0; i < r->ncites; i++)
        release(kb, r->cites[i].anchor);
    release(kb, r->cites);
    free_assigns(kb, r->asserts, r->nasserts);
    free_assigns(kb, r->retracts, r->nretracts);
    release(kb, r->ask);
}

static void free_fact(const cr_kb *kb, cr_factdecl *f)
{
    release(kb, f->name);
    free_strv(kb, f->choices, f->nchoices);
    release(kb, f->prompt);
    release(kb, f->initial);
}

static void free_concept(const cr_kb *kb, cr_concept *c)
{
    release(kb, c->name);
    free_strv(kb, c->words, c->nwords);
}

static void free_intent(const cr_kb *kb, cr_intent *in)
{
    release(kb, in->id);
    release(kb, in->topic);
    for (int i = 0; i < in->npatterns; i++)
        free_pattern(kb, &in->patterns[i]);
    release(kb, in->patterns);
    for (int i = 0; in->examples && i < in->nexamples; i++) {
        release(kb, in->examples[i].text);
        release(kb, in->examples[i].cite);
    }
    release(kb, in->examples);
}

static void free_extractor(const cr_kb *kb, cr_extractor *x)
{
    release(kb, x->id);
    free_pattern(kb, &x->pattern);
    free_assigns(kb, x->sets, x->nsets);
    free_assigns(kb, x->negated, x->nnegated);
}

void cr_kb_free(cr_kb *kb)
{
    if (kb == NULL)
        return;
    cr_model_free(kb->model);
    cr_prefilter_free(kb->pf);
    for (int i = 0; i < kb->nfacts; i++)
        free_fact(kb, &kb->facts[i]);
    for (int i = 0; i < kb->nconcepts; i++)
        free_concept(kb, &kb->concepts[i]);
    for (int i = 0; i < kb->nintents; i++)
        free_intent(kb, &kb->intents[i]);
    for (int i = 0; i < kb->nextractors; i++)
        free_extractor(kb, &kb->extractors[i]);
    for (int i = 0; i < kb->nrules; i++)
        free_rule(kb, &kb->rules[i]);
    for (int i = 0; i < kb->nfiles; i++)
        free(kb->files[i]);
    free(kb->files);
    for (int i = 0; i < kb->nreads; i++)
        free(kb->reads[i]);
    free(kb->reads);
    cr_strmap_free(&kb->readmap);
    free(kb->facts);
    free(kb->concepts);
    free(kb->intents);
    free(kb->extractors);
    free(kb->rules);
    cr_strmap_free(&kb->factmap);
    cr_strmap_free(&kb->conceptmap);
    cr_strmap_free(&kb->intentmap);
    cr_strmap_free(&kb->extractormap);
    cr_strmap_free(&kb->rulemap);
    for (int i = 0; i < kb->nblocks; i++)
        if (kb->blocks[i].mapped)
            munmap(kb->blocks[i].p, kb->blocks[i].hi - kb->blocks[i].lo);
        else
            free(kb->blocks[i].p);
    free(kb->blocks);
    free(kb);
}

/* Room for so many more of a vector's entries. */
#define RESERVE(kb, V, more)                                               \
    do {                                                                   \
        if ((kb)->cap_##V - (kb)->n##V < (more)) {                         \
            (kb)->cap_##V = (kb)->n##V + (more);                           \
            (kb)->V = xreallocarray((kb)->V, (size_t)(kb)->cap_##V,        \
                                    sizeof *(kb)->V);                      \
        }                                                                  \
    } while (0)

void cr_kb_reserve(cr_kb *kb, int facts, int rules)
{
    RESERVE(kb, facts, facts);
    cr_strmap_reserve(&kb->factmap, (size_t)facts);
    RESERVE(kb, rules, rules);
    cr_strmap_reserve(&kb->rulemap, (size_t)rules);
}

/* Adding.  A duplicate is reported where it stands, naming the first;
 * an override or an extension that finds nothing to replace or extend,
 * where it stands, with the closest name of its kind. */

static void duplicate(const char *name, const char *kind,
                      const cr_loc *first, const cr_loc *loc,
                      int can_override, cr_diag *d)
{
    /* Across files, a duplicate may be meant to replace the first. */
    int hint = can_override && first->file != loc->file;
    if (d)
        cr_diag_add(d, CR_ERROR, loc->file, loc->line, loc->col,
                    "duplicate %s '%s' (first defined at %s:%d:%d)%s", kind,
                    name, first->file, first->line, first->col,
                    hint ? "; to replace it, say 'override: true'" : "");
}

/* The name in m closest to name, other than name (a disabled intent's),
 * or NULL. */
static const char *closest_key(const cr_strmap *m, const char *name)
{
    const char **names = xcalloc(m->cap + 1, sizeof *names);
    int n = 0;
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i] && strcmp(m->keys[i], name) != 0)
            names[n++] = m->keys[i];
    const char *near = cr_closest(name, names, n);
    free(names);
    return near;
}

static void nothing_before(const cr_strmap *m, const char *verb, const char *kind,
                           const char *name, const cr_loc *loc, cr_diag *d)
{
    const char *near = closest_key(m, name);
    cr_diag_add(d, CR_ERROR, loc->file, loc->line, loc->col,
                "cannot %s %s '%s': no %s '%s' is loaded before it%s%s%s",
                verb, kind, name, kind, name,
                near ? " (did you mean '" : "", near ? near : "",
                near ? "'?)" : "");
}

/* Whether a newcomer of kind called name, marked merge, may join the kb,
 * where i (at first) is the part of that name added before, or -1.
 * Reports why not into d. */
static int admit(const cr_strmap *m, int i, const cr_loc *first,
                 const char *kind, const char *name, cr_merge merge,
                 const cr_loc *loc, cr_diag *d)
{
    if (merge == CR_MERGE_NEW && i >= 0) {
        duplicate(name, kind, first, loc, strcmp(kind, "fact") != 0, d);
        return 0;
    }
    if (merge != CR_MERGE_NEW && i < 0) {
        nothing_before(m, merge == CR_MERGE_EXTEND ? "extend" : "override",
                       kind, name, loc, d);
        return 0;
    }
    return 1;
}

/* An override keeps the name string the map holds: give it to the
 * newcomer, whose own copy goes with the part it replaces. */
static void keep_name(char **newcomer, char **old)
{
    char *t = *newcomer;
    *newcomer = *old;
    *old = t;
}

/* Array p of n elements of size bytes, with room for more after them:
 * moved out of an adopted block rather than grown in it. */
static void *regrow(const cr_kb *kb, void *p, int n, int more, size_t size)
{
    size_t want = (size_t)n + (size_t)more + 1;
    if (!adopted(kb, p))
        return xreallocarray(p, want, size);
    void *q = xreallocarray(NULL, want, size);
    memcpy(q, p, (size_t)n * size);
    return q;
}

static void append_strv(const cr_kb *kb, char ***v, int *n, char **more,
                        int nmore)
{
    *v = regrow(kb, *v, *n, nmore, sizeof **v);
    for (int i = 0; i < nmore; i++)
        (*v)[(*n)++] = more[i];
    release(kb, more);
}

/* Facts come by the thousand: one look-up finds a name, or its place. */
void cr_kb_add_fact(cr_kb *kb, cr_factdecl *f, cr_diag *d)
{
    cr_strmap *m = &kb->factmap;
    cr_strmap_reserve(m, 1);
    size_t at = cr_strmap_slot(m, f->name);
    int i = m->keys[at] ? m->vals[at] : -1;
    if (!admit(m, i, i >= 0 ? &kb->facts[i].loc : NULL, "fact", f->name,
               CR_MERGE_NEW, &f->loc, d)) {
        free_fact(kb, f);
        return;
    }
    PUSH(kb, facts, *f);
    m->keys[at] = kb->facts[kb->nfacts - 1].name;
    m->vals[at] = kb->nfacts - 1;
    m->len++;
}

void cr_kb_add_concept(cr_kb *kb, cr_concept *c, cr_diag *d)
{
    int i = cr_strmap_get(&kb->conceptmap, c->name);
    if (!admit(&kb->conceptmap, i, i >= 0 ? &kb->concepts[i].loc : NULL,
               "concept", c->name, c->merge, &c->loc, d)) {
        free_concept(kb, c);
        return;
    }
    if (c->merge == CR_MERGE_EXTEND) {
        cr_concept *old = &kb->concepts[i];
        append_strv(kb, &old->words, &old->nwords, c->words, c->nwords);
        release(kb, c->name);
    } else if (i >= 0) {
        keep_name(&c->name, &kb->concepts[i].name);
        free_concept(kb, &kb->concepts[i]);
        kb->concepts[i] = *c;
    } else {
        PUSH(kb, concepts, *c);
        cr_strmap_put(&kb->conceptmap, kb->concepts[kb->nconcepts - 1].name,
                kb->nconcepts - 1);
    }
}

/* Intent in takes over old's patterns and examples. */
static void extend_intent(const cr_kb *kb, cr_intent *old, cr_intent *in)
{
    old->patterns = regrow(kb, old->patterns, old->npatterns, in->npatterns,
                           sizeof *old->patterns);
    for (int k = 0; k < in->npatterns; k++)
        old->patterns[old->npatterns++] = in->patterns[k];
    old->examples = regrow(kb, old->examples, old->nexamples, in->nexamples,
                           sizeof *old->examples);
    for (int k = 0; k < in->nexamples; k++)
        old->examples[old->nexamples++] = in->examples[k];
    in->npatterns = in->nexamples = 0;
    free_intent(kb, in);
}

void cr_kb_add_intent(cr_kb *kb, cr_intent *in, cr_diag *d)
{
    int i = cr_strmap_get(&kb->intentmap, in->id);
    cr_merge merge = in->merge;
    if (i >= 0 && kb->intents[i].disabled) {    /* its name is free */
        if (merge == CR_MERGE_EXTEND)
            i = -1;
        else
            merge = CR_MERGE_OVERRIDE;
    }
    if (!admit(&kb->intentmap, i, i >= 0 ? &kb->intents[i].loc : NULL,
               "intent", in->id, merge, &in->loc, d)) {
        free_intent(kb, in);
        return;
    }
    if (merge == CR_MERGE_EXTEND) {
        extend_intent(kb, &kb->intents[i], in);
    } else if (i >= 0) {
        keep_name(&in->id, &kb->intents[i].id);
        free_intent(kb, &kb->intents[i]);
        kb->intents[i] = *in;
    } else {
        PUSH(kb, intents, *in);
        cr_strmap_put(&kb->intentmap, kb->intents[kb->nintents - 1].id,
                kb->nintents - 1);
    }
}

void cr_kb_add_extractor(cr_kb *kb, cr_extractor *x, cr_diag *d)
{
    int i = cr_strmap_get(&kb->extractormap, x->id);
    if (!admit(&kb->extractormap, i, i >= 0 ? &kb->extractors[i].loc : NULL,
               "extractor", x->id, x->merge, &x->loc, d)) {
        free_extractor(kb, x);
        return;
    }
    if (i >= 0) {
        keep_name(&x->id, &kb->extractors[i].id);
        free_extractor(kb, &kb->extractors[i]);
        kb->extractors[i] = *x;
        return;
    }
    PUSH(kb, extractors, *x);
    cr_strmap_put(&kb->extractormap, kb->extractors[kb->nextractors - 1].id,
            kb->nextractors - 1);
}

void cr_kb_add_rule(cr_kb *kb, cr_rule *r, cr_diag *d)
{
    int i = cr_strmap_get(&kb->rulemap, r->id);
    if (!admit(&kb->rulemap, i, i >= 0 ? &kb->rules[i].loc : NULL, "rule",
               r->id, r->merge, &r->loc, d)) {
        free_rule(kb, r);
        return;
    }
    if (i >= 0) {
        keep_name(&r->id, &kb->rules[i].id);
        free_rule(kb, &kb->rules[i]);
        kb->rules[i] = *r;
        return;
    }
    PUSH(kb, rules, *r);
    cr_strmap_put(&kb->rulemap, kb->rules[kb->nrules - 1].id, kb->nrules - 1);
}

/* Remove entry i of the kb's vector V (of n##V), freeing it with
 * freefn, and map its names afresh with their new indexes. */
#define REMOVE(kb, V, i, freefn, m, name)                                  \
    do {                                                                   \
        freefn(kb, &(kb)->V[i]);                                               \
        memmove(&(kb)->V[i], &(kb)->V[(i) + 1],                            \
                (size_t)((kb)->n##V - (i) - 1) * sizeof *(kb)->V);         \
        (kb)->n##V--;                                                      \
        cr_strmap_free(m);                                                 \
        for (int k_ = 0; k_ < (kb)->n##V; k_++)                            \
            cr_strmap_put(m, (kb)->V[k_].name, k_);                              \
    } while (0)

void cr_kb_disable(cr_kb *kb, cr_kind kind, const char *id,
                   const cr_loc *loc, cr_diag *d)
{
    static const char *const kinds[] = {"rule", "intent", "extractor"};
    cr_strmap *m = kind == CR_KIND_RULE     ? &kb->rulemap
             : kind == CR_KIND_INTENT ? &kb->intentmap
                                      : &kb->extractormap;
    int i = cr_strmap_get(m, id);
    if (i >= 0 && kind == CR_KIND_INTENT && kb->intents[i].disabled)
        i = -1;
    if (i < 0) {
        nothing_before(m, "disable", kinds[kind], id, loc, d);
        return;
    }
    if (kind == CR_KIND_RULE) {
        REMOVE(kb, rules, i, free_rule, m, id);
    } else if (kind == CR_KIND_EXTRACTOR) {
        REMOVE(kb, extractors, i, free_extractor, m, id);
    } else {
        /* Kept, empty, so that rules testing for it stay valid. */
        cr_intent *in = &kb->intents[i];
        char *name = in->id;
        cr_loc at = in->loc;
        in->id = NULL;
        free_intent(kb, in);
        memset(in, 0, sizeof *in);
        in->id = name;
        in->loc = at;
        in->disabled = 1;
    }
}

/* Look-ups. */

int cr_kb_fact(const cr_kb *kb, const char *name)
{
    return cr_strmap_get(&kb->factmap, name);
}

int cr_kb_intent(const cr_kb *kb, const char *id)
{
    return cr_strmap_get(&kb->intentmap, id);
}

int cr_kb_rule(const cr_kb *kb, const char *id)
{
    return cr_strmap_get(&kb->rulemap, id);
}

int cr_kb_nfacts(const cr_kb *kb) { return kb->nfacts; }
int cr_kb_nintents(const cr_kb *kb) { return kb->nintents; }
int cr_kb_nextractors(const cr_kb *kb) { return kb->nextractors; }
int cr_kb_nrules(const cr_kb *kb) { return kb->nrules; }
int cr_kb_nconcepts(const cr_kb *kb) { return kb->nconcepts; }

const cr_concept *cr_kb_concept(const cr_kb *kb, int i)
{
    return &kb->concepts[i];
}

const cr_factdecl *cr_kb_factdecl(const cr_kb *kb, int i)
{
    return &kb->facts[i];
}

const cr_intent *cr_kb_intentdef(const cr_kb *kb, int i)
{
    return &kb->intents[i];
}

const cr_extractor *cr_kb_extractor(const cr_kb *kb, int i)
{
    return &kb->extractors[i];
}

const cr_rule *cr_kb_ruledef(const cr_kb *kb, int i)
{
    return &kb->rules[i];
}

/* Values. */

cr_value cr_value_copy(const cr_value *v)
{
    cr_value c = *v;
    c.str = v->str ? xstrdup(v->str) : NULL;
    return c;
}

static int parse_bool(const char *t, double *out)
{
    static const char *yes[] = {"true", "yes", "y", "on", "1"};
    static const char *no[] = {"false", "no", "n", "off", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        if (strcasecmp(t, yes[i]) == 0)
            return *out = 1, 1;
        if (strcasecmp(t, no[i]) == 0)
            return *out = 0, 1;
    }
    return 0;
}

/* Whether text is a plain decimal number: a sign, digits with or
 * without a fraction, and an exponent, and nothing else (strtod also
 * takes spaces before it, hexadecimal, "inf" and "nan"). */
static int plain_decimal(const char *t)
{
    int digits = 0;
    t += *t == '+' || *t == '-';
    for (; isdigit((unsigned char)*t); t++)
        digits++;
    if (*t == '.')
        for (t++; isdigit((unsigned char)*t); t++)
            digits++;
    if (digits == 0)
        return 0;
    if (*t == 'e' || *t == 'E') {
        t++;
        t += *t == '+' || *t == '-';
        if (!isdigit((unsigned char)*t))
            return 0;
        while (isdigit((unsigned char)*t))
            t++;
    }
    return *t == '\0';
}

int cr_value_parse(const cr_factdecl *f, const char *text, cr_value *out)
{
    out->num = 0;
    out->str = NULL;
    switch (f->type) {
    case CR_BOOL:
        return parse_bool(text, &out->num);
    case CR_NUMBER: {
        char *end;
        if (!plain_decimal(text))
            return 0;
        double x = strtod(text, &end);
        if (end == text || *end != '\0' || !isfinite(x))
            return 0;
        out->num = x;
        return 1;
    }
    case CR_CHOICE:
        for (int i = 0; i < f->nchoices; i++)
            if (strcasecmp(text, f->choices[i]) == 0) {
                out->str = xstrdup(f->choices[i]);
                return 1;
            }
        return 0;
    case CR_STRING:
        out->str = xstrdup(text);
        return 1;
    }
    return 0;
}

/* How word matches choice, in any case, with a space or '_' for '-':
 * 2 exactly, 1 as a prefix, 0 not. */
static int match(const char *choice, const char *word)
{
    size_t i = 0;
    for (; word[i]; i++) {
        char a = (char)tolower((unsigned char)choice[i]);
        char b = (char)tolower((unsigned char)word[i]);
        if (b == ' ' || b == '_')
            b = '-';
        if (a == '\0' || a != b)
            return 0;
    }
    return choice[i] == '\0' ? 2 : 1;
}

int cr_choice_pick(const cr_factdecl *f, const char *word, cr_buf *amb)
{
    int found = -1, n = 0;
    for (int i = 0; i < f->nchoices; i++) {
        int m = match(f->choices[i], word);
        if (m == 2)
            return i;
        if (m == 1) {
            if (n++ > 0)
                cr_buf_printf(amb, "%s%s", n > 2 ? ", " : "",
                              f->choices[found]);
            found = i;
        }
    }
    if (n > 1)
        cr_buf_printf(amb, " or %s", f->choices[found]);
    return n > 1 ? -2 : found;
}

/* Append the values of choice f to b: "a, b, c". */
static void put_choices(cr_buf *b, const cr_factdecl *f)
{
    for (int i = 0; i < f->nchoices; i++)
        cr_buf_printf(b, "%s%s", i ? ", " : "", f->choices[i]);
}

/* Read text as a choice of f, into out; 0 with the reason in d. */
static int read_choice(const cr_factdecl *f, const char *text,
                       cr_value *out, cr_diag *d)
{
    cr_buf b = {0};
    int i = *text ? cr_choice_pick(f, text, &b) : -1;
    if (i >= 0) {
        out->str = xstrdup(f->choices[i]);
    } else if (i == -2) {
        cr_diag_add(d, CR_ERROR, NULL, 0, 0, "'%s' could be %s: type more "
                    "of it", text, b.s);
    } else {                    /* b is empty: no choice matched */
        put_choices(&b, f);
        cr_diag_add(d, CR_ERROR, NULL, 0, 0, "'%s' is not a value of fact "
                    "'%s': one of %s", text, f->name, b.s ? b.s : "");
    }
    cr_buf_free(&b);
    return i >= 0;
}

int cr_value_read(const cr_factdecl *f, const char *text, cr_value *out,
                  cr_diag *d)
{
    out->num = 0;
    out->str = NULL;
    if (f->type == CR_CHOICE)
        return read_choice(f, text, out, d);
    if (!cr_value_parse(f, text, out)) {
        cr_diag_add(d, CR_ERROR, NULL, 0, 0, "'%s' is not a value of fact "
                    "'%s': %s", text, f->name,
                    f->type == CR_BOOL ? "yes or no" : "a number");
        return 0;
    }
    /* The facts declared as numbers are counts (papers, years), and
     * the rule files give no range: a negative one is a slip. */
    if (f->type == CR_NUMBER && out->num < 0) {
        cr_diag_add(d, CR_ERROR, NULL, 0, 0, "%s must be 0 or more",
                    f->name);
        return 0;
    }
    return 1;
}

const char *cr_value_str(const cr_factdecl *f, const cr_value *v,
                         char buf[CR_VALUE_BUF])
{
    switch (f->type) {
    case CR_BOOL:
        return v->num != 0 ? "true" : "false";
    case CR_NUMBER:
        if (v->num > -1e6 && v->num < 1e6 && v->num == (int)v->num) {
            /* What %g prints for these, without printf's cost: answers
             * list every known fact. */
            char *p = buf + CR_VALUE_BUF;
            int x = (int)v->num, neg = x < 0;
            *--p = '\0';
            do {
                *--p = (char)('0' + (neg ? -(x % 10) : x % 10));
                x /= 10;
            } while (x != 0);
            if (neg)
                *--p = '-';
            return p;
        }
        snprintf(buf, CR_VALUE_BUF, "%g", v->num);
        return buf;
    default:
        return v->str ? v->str : "";
    }
}

char *cr_value_text(const cr_factdecl *f, const cr_value *v)
{
    char buf[CR_VALUE_BUF];
    return xstrdup(cr_value_str(f, v, buf));
}

int cr_value_equal(const cr_factdecl *f, const cr_value *a,
                   const cr_value *b)
{
    if (f->type == CR_BOOL || f->type == CR_NUMBER)
        return a->num == b->num;
    return a->str && b->str && strcasecmp(a->str, b->str) == 0;
}

const char *cr_reco_name(cr_reco r)
{
    switch (r) {
    case CR_RECO_PHD: return "phd";
    case CR_RECO_INDUSTRY: return "industry";
    case CR_RECO_EITHER: return "either";
    default: return NULL;
    }
}

static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    int row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int cost = tolower((unsigned char)a[i - 1]) !=
                       tolower((unsigned char)b[j - 1]);
            int best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *cr_closest(const char *word, const char *const *cands, int n)
{
    const char *best = NULL;
    int bestd = (int)strlen(word) / 3 + 1;
    if (bestd > 3)
        bestd = 3;
    for (int i = 0; i < n; i++) {
        int dist = edit_distance(word, cands[i]);
        if (dist <= bestd && (best == NULL || dist < bestd)) {
            best = cands[i];
            bestd = dist;
        }
    }
    return best;
}

/* The fact from the first-th on whose name is closest to name, or NULL. */
static const char *closest_fact(const cr_kb *kb, const char *name, int first)
{
    const char **names = xcalloc((size_t)kb->nfacts + 1, sizeof *names);
    int n = 0;
    for (int i = first; i < kb->nfacts; i++)  /* in order: ties go first */
        names[n++] = kb->facts[i].name;
    const char *near = cr_closest(name, names, n);
    free(names);
    return near;
}

const char *cr_kb_closest_fact(const cr_kb *kb, const char *name)
{
    return closest_fact(kb, name, 0);
}

int cr_kb_user_fact(const cr_kb *kb, const char *name, const char **near)
{
    int i = cr_strmap_get(&kb->factmap, name);
    *near = NULL;
    if (i >= 0 && i < CR_KB_BUILTIN_FACTS)
        return CR_FACT_RESERVED;
    if (i < 0)      /* the built-in ones are no better a guess */
        *near = closest_fact(kb, name, CR_KB_BUILTIN_FACTS);
    return i;
}

const char *cr_kb_closest_rule(const cr_kb *kb, const char *id)
{
    return closest_key(&kb->rulemap, id);
}

const char *cr_closest_anchor(const cr_corpus *corpus, const char *anchor)
{
    int n = cr_corpus_count(corpus);
    const char **names = xcalloc((size_t)n + 1, sizeof(char *));
    for (int k = 0; k < n; k++)
        names[k] = cr_corpus_anchor(corpus, k);
    const char *near = cr_closest(anchor, names, n);
    free(names);
    return near;
}

/* Finishing: resolve names, check values, compile patterns. */

static int continues(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

cr_span *cr_pattern_runs(const char *src, const cr_loc *pos, size_t len,
                         int *n)
{
    cr_span *runs = NULL;
    int cap = 0;
    *n = 0;
    for (size_t k = 0; k <= len; k++) {
        if (k > 0 && pos[k].line == pos[k - 1].line &&
            pos[k].col == pos[k - 1].col + !continues(src[k - 1]))
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 1;
            runs = xreallocarray(runs, (size_t)cap, sizeof *runs);
        }
        runs[(*n)++] = (cr_span){(int)k, pos[k].line, pos[k].col};
    }
    return runs;
}

cr_loc cr_pattern_place(const cr_pattern *p, size_t off)
{
    if (p->nruns == 0)
        return (cr_loc){p->file, 0, 0};
    size_t len = strlen(p->src);
    if (off > len)
        off = len;
    int lo = 0, hi = p->nruns - 1;      /* the last run at or before off */
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if ((size_t)p->runs[mid].off <= off)
            lo = mid;
        else
            hi = mid - 1;
    }
    const cr_span *r = &p->runs[lo];
    int col = r->col;
    for (size_t k = (size_t)r->off; k < off; k++)
        col += !continues(p->src[k]);
    return (cr_loc){p->file, r->line, col};
}

static int is_ident(int c)
{
    return isalnum(c) || c == '_' || c == '-';
}

/* A pattern's size once its {concept}s are expanded, at most.  A concept
 * is copied in full at every use, so a small file can ask for gigabytes
 * (a concept of 100,000 bytes used 2,000 times), and each expanded byte
 * also costs its source offset: the bound keeps a hostile pattern to a
 * few megabytes, far above any real one (the built-in rules' largest is
 * under 2 KB). */
enum { MAX_EXPANDED = 256 << 10 };

/* The expansion of a pattern, and where each of its bytes came from. */
typedef struct expansion {
    cr_buf out;
    size_t *from;               /* from[k]: offset in the source of byte k */
    size_t cap;
} expansion;

static void emit(expansion *x, const char *s, size_t n, size_t from)
{
    if (x->out.len + n + 1 > x->cap) {
        x->cap = 2 * (x->out.len + n + 1);
        x->from = xreallocarray(x->from, x->cap, sizeof *x->from);
    }
    for (size_t k = 0; k < n; k++)
        x->from[x->out.len + k] = from;
    cr_buf_putn(&x->out, s, n);
}

/* The bytes concept c takes once emitted as (?:word|word|...). */
static size_t concept_size(const cr_concept *c)
{
    size_t n = 4;
    for (int w = 0; c && w < c->nwords; w++)
        n += strlen(c->words[w]) + (w > 0);
    return n;
}

/* Emit concept c's words as (?:word|word|...), all placed at offset at. */
static void emit_concept(expansion *x, const cr_concept *c, size_t at)
{
    emit(x, "(?:", 3, at);
    for (int w = 0; c && w < c->nwords; w++) {
        if (w > 0)
            emit(x, "|", 1, at);
        emit(x, c->words[w], strlen(c->words[w]), at);
    }
    emit(x, ")", 1, at);
}

/* The concept named by the {name} at s[i], its end in *end; -1 with *end
 * at i when s[i] starts no reference (an escaped or a quantifier's
 * brace), -2 when the name is not a concept's (then reported). */
static int reference(const cr_kb *kb, const cr_pattern *p, size_t i,
                     size_t *end, cr_diag *d)
{
    const char *s = p->src;
    size_t n = strlen(s), j = i + 1;
    int escaped = 0;
    *end = i;
    for (size_t b = i; b > 0 && s[b - 1] == '\\'; b--)
        escaped = !escaped;
    if (s[i] != '{' || escaped ||
        !(isalpha((unsigned char)s[j]) || s[j] == '_'))
        return -1;
    while (j < n && is_ident((unsigned char)s[j]))
        j++;
    if (j >= n || s[j] != '}')
        return -1;
    char *name = xstrndup(s + i + 1, j - i - 1);
    int c = cr_strmap_get(&kb->conceptmap, name);
    if (c < 0) {
        cr_loc l = cr_pattern_place(p, i + 1);
        cr_diag_add(d, CR_ERROR, l.file, l.line, l.col,
                    "unknown concept '%s'", name);
    }
    free(name);
    *end = j + 1;
    return c < 0 ? -2 : c;
}

/* Substitute {concept} references by (?:word|word|...).  (*fromp)[k] is
 * the offset in p->src of byte k of the result.  Unknown concepts, and an
 * expansion past MAX_EXPANDED bytes (which stops it there), are reported
 * as the pattern of owner's; returns the expansion, which the caller
 * frees with *fromp. */
static char *expand(const cr_kb *kb, const cr_pattern *p, const char *owner,
                    size_t **fromp, cr_diag *d)
{
    expansion x = {{0}, NULL, 0};
    const char *s = p->src;
    size_t n = strlen(s), i = 0;
    while (i < n) {
        size_t end;
        int c = reference(kb, p, i, &end, d);
        size_t size = c >= 0 ? concept_size(&kb->concepts[c])
                      : c == -2 ? concept_size(NULL) : 1;
        if (x.out.len + size > MAX_EXPANDED) {
            cr_loc l = cr_pattern_place(p, i);
            cr_diag_add(d, CR_ERROR, l.file, l.line, l.col,
                        "a pattern of %s is longer than %d KiB once its "
                        "concepts are expanded", owner, MAX_EXPANDED >> 10);
            break;
        }
        if (c == -1)
            emit(&x, s + i, 1, i);
        else
            emit_concept(&x, c >= 0 ? &kb->concepts[c] : NULL, i);
        i = c == -1 ? i + 1 : end;
    }
    emit(&x, "", 0, n);
    if (x.from == NULL || x.cap <= x.out.len)
        x.from = xreallocarray(x.from, x.out.len + 1, sizeof *x.from);
    x.from[x.out.len] = n;
    *fromp = x.from;
    return cr_buf_take(&x.out);
}

/* Compile pattern p of the intent or extractor (kind) id, its errors
 * placed in the rule file and naming it. */
static void compile_pattern(const cr_kb *kb, cr_pattern *p, const char *kind,
                            const char *id, cr_diag *d)
{
    size_t *from;
    int before = cr_diag_errors(d);
    char *owner = xasprintf("%s '%s'", kind, id);
    char *x = expand(kb, p, owner, &from, d);
    free(owner);
    if (cr_diag_errors(d) == before) {
        cr_regex_error err;
        p->re = cr_regex_new(x, strlen(x), &err);
        if (p->re != NULL)
            p->need = cr_prefilter_need(x, strlen(x));
        if (p->re == NULL) {
            size_t off = err.offset > strlen(x) ? strlen(x) : err.offset;
            cr_loc l = cr_pattern_place(p, from[off]);
            cr_diag_add(d, CR_ERROR, l.file, l.line, l.col,
                        "invalid regular expression: %s", err.message);
        }
    }
    free(x);
    free(from);
}

static void resolve_assign(const cr_kb *kb, cr_assign *a, int needvalue,
                           cr_diag *d)
{
    a->fact = cr_strmap_get(&kb->factmap, a->name);
    if (a->fact < 0) {
        const char *near = cr_kb_closest_fact(kb, a->name);
        cr_diag_add(d, CR_ERROR, a->loc.file, a->loc.line, a->loc.col,
                    "undeclared fact '%s'%s%s%s", a->name,
                    near ? " (did you mean '" : "", near ? near : "",
                    near ? "'?)" : "");
        return;
    }
    if (!needvalue)
        return;
    const cr_factdecl *f = &kb->facts[a->fact];
    if (a->fact == CR_FACT_INTENT && cr_strmap_get(&kb->intentmap, a->text) < 0) {
        cr_diag_add(d, CR_ERROR, a->loc.file, a->loc.line, a->loc.col,
                    "unknown intent '%s'", a->text);
        return;
    }
    if (!cr_value_parse(f, a->text, &a->value)) {
        static const char *tn[] = {"boolean", "number", "string", "choice"};
        if (f->type == CR_CHOICE) {
            cr_buf b = {0};
            put_choices(&b, f);
            cr_diag_add(d, CR_ERROR, a->loc.file, a->loc.line, a->loc.col,
                        "'%s' is not a value of fact '%s' (one of: %s)",
                        a->text, f->name, b.s ? b.s : "");
            cr_buf_free(&b);
        } else {
            cr_diag_add(d, CR_ERROR, a->loc.file, a->loc.line, a->loc.col,
                        "'%s' is not a %s, as fact '%s' needs", a->text,
                        tn[f->type], f->name);
        }
    }
}

static void resolve_cond(const cr_kb *kb, cr_cond *c, cr_diag *d)
{
    for (int i = 0; i < c->nkids; i++)
        resolve_cond(kb, c->kids[i], d);
    if (c->kind != CR_COND_TEST && c->kind != CR_COND_EXISTS &&
        c->kind != CR_COND_MISSING)
        return;
    cr_assign probe = {.name = c->name, .loc = c->loc};
    resolve_assign(kb, &probe, 0, d);
    c->fact = probe.fact;
    if (c->fact < 0)
        return;
    const cr_factdecl *f = &kb->facts[c->fact];
    if (c->op >= CR_OP_LT && c->op <= CR_OP_GE && f->type != CR_NUMBER)
        cr_diag_add(d, CR_ERROR, c->loc.file, c->loc.line, c->loc.col,
                    "fact '%s' is a %s: it cannot be compared with < or >",
                    f->name, f->type == CR_BOOL ? "boolean"
                             : f->type == CR_CHOICE ? "choice" : "string");
    for (int i = 0; i < c->nvals; i++) {
        c->vals[i].name = xstrdup(c->name);
        resolve_assign(kb, &c->vals[i], 1, d);
    }
}

/* The section with this anchor, or -1 with an error at loc. */
static int resolve_anchor(const cr_corpus *corpus, const char *anchor,
                          const cr_loc *loc, cr_diag *d)
{
    int sec = cr_corpus_find(corpus, anchor);
    if (sec >= 0)
        return sec;
    const char *near = cr_closest_anchor(corpus, anchor);
    cr_diag_add(d, CR_ERROR, loc->file, loc->line, loc->col,
                "no section '%s' in the essay%s%s%s", anchor,
                near ? " (did you mean '" : "", near ? near : "",
                near ? "'?)" : "");
    return -1;
}

static void resolve_rule(const cr_kb *kb, cr_rule *r,
                         const cr_corpus *corpus, cr_diag *d)
{
    if (r->when)
        resolve_cond(kb, r->when, d);
    for (int i = 0; i < r->ncites; i++)
        r->cites[i].section = resolve_anchor(corpus, r->cites[i].anchor,
                                             &r->cites[i].loc, d);
    for (int i = 0; i < r->nasserts; i++)
        resolve_assign(kb, &r->asserts[i], 1, d);
    for (int i = 0; i < r->nretracts; i++)
        resolve_assign(kb, &r->retracts[i], 0, d);
    r->askfact = -1;
    if (r->ask) {
        cr_assign probe = {.name = r->ask, .loc = r->askloc};
        resolve_assign(kb, &probe, 0, d);
        r->askfact = probe.fact;
        if (r->askfact >= 0 && kb->facts[r->askfact].prompt == NULL)
            cr_diag_add(d, CR_ERROR, r->askloc.file, r->askloc.line,
                        r->askloc.col,
                        "rule asks for fact '%s', which has no prompt",
                        r->ask);
    }
}

static void check_groups(const cr_kb *kb, cr_extractor *x, cr_diag *d)
{
    const char *const *names;
    int n = cr_regex_names(x->pattern.re, &names);
    for (int i = 0; i < n; i++)
        if (cr_strmap_get(&kb->factmap, names[i]) < 0) {
            cr_loc l = cr_pattern_place(&x->pattern, 0);
            cr_diag_add(d, CR_ERROR, l.file, l.line, l.col,
                        "named group '%s' is not a declared fact", names[i]);
        }
}

int cr_kb_finish(cr_kb *kb, const cr_corpus *corpus, cr_diag *d)
{
    int before = cr_diag_errors(d);
    for (int i = 0; i < kb->nintents; i++) {
        cr_intent *in = &kb->intents[i];
        for (int k = 0; k < in->npatterns; k++)
            compile_pattern(kb, &in->patterns[k], "intent", in->id, d);
        for (int k = 0; k < in->nexamples; k++)
            if (in->examples[k].cite)
                resolve_anchor(corpus, in->examples[k].cite,
                               &in->examples[k].loc, d);
    }
    for (int i = 0; i < kb->nextractors; i++) {
        cr_extractor *x = &kb->extractors[i];
        compile_pattern(kb, &x->pattern, "extractor", x->id, d);
        if (x->pattern.re)
            check_groups(kb, x, d);
        for (int k = 0; k < x->nsets; k++)
            resolve_assign(kb, &x->sets[k], 1, d);
        for (int k = 0; k < x->nnegated; k++)
            resolve_assign(kb, &x->negated[k], 1, d);
    }
    for (int i = 0; i < kb->nrules; i++)
        resolve_rule(kb, &kb->rules[i], corpus, d);
    if (cr_diag_errors(d) == before) {
        cr_model_free(kb->model);
        kb->model = cr_model_train(kb, corpus);
    }
    return cr_diag_errors(d) - before;
}

int cr_kb_npatterns(const cr_kb *kb)
{
    int n = kb->nextractors;
    for (int i = 0; i < kb->nintents; i++)
        n += kb->intents[i].npatterns;
    return n;
}

const cr_example *cr_kb_examples(const cr_kb *kb, int i, int *n)
{
    cr_kb *k = (cr_kb *)kb;     /* read on first need, as the prefilter */
    if (k->read_examples) {
        cr_examples_fn *fn = k->read_examples;
        k->read_examples = NULL;
        if (fn(k, k->examples_arg) < 0) {
            k->examples_damaged = 1;
            for (int j = 0; j < k->nintents; j++)
                k->intents[j].examples = NULL;
        }
    }
    const cr_intent *in = &kb->intents[i];
    *n = in->examples ? in->nexamples : 0;
    return in->examples;
}

void cr_kb_defer_examples(cr_kb *kb, cr_examples_fn *fn, void *arg)
{
    kb->read_examples = fn;
    kb->examples_arg = arg;
}

void cr_kb_set_examples(cr_kb *kb, int i, cr_example *x)
{
    kb->intents[i].examples = x;
}

int cr_kb_examples_damaged(const cr_kb *kb)
{
    return kb->examples_damaged;
}

const cr_prefilter *cr_kb_prefilter(const cr_kb *kb)
{
    if (kb->pf == NULL) {       /* a cache of the kb's own patterns */
        cr_prefilter *pf = cr_prefilter_new(cr_kb_npatterns(kb));
        for (int i = 0; i < kb->nintents; i++)
            for (int k = 0; k < kb->intents[i].npatterns; k++)
                cr_prefilter_add(pf, kb->intents[i].patterns[k].need);
        for (int i = 0; i < kb->nextractors; i++)
            cr_prefilter_add(pf, kb->extractors[i].pattern.need);
        ((cr_kb *)kb)->pf = pf;
    }
    return kb->pf;
}

void cr_kb_set_prefilter(cr_kb *kb, cr_prefilter *pf)
{
    cr_prefilter_free(kb->pf);
    kb->pf = pf;
}

const cr_model *cr_kb_model(const cr_kb *kb)
{
    return kb->model;
}

void cr_kb_set_model(cr_kb *kb, cr_model *m)
{
    cr_model_free(kb->model);
    kb->model = m;
}

void cr_kb_jit(cr_kb *kb)
{
    for (int i = 0; i < kb->nintents; i++)
        for (int k = 0; k < kb->intents[i].npatterns; k++)
            if (kb->intents[i].patterns[k].re)
                cr_regex_jit(kb->intents[i].patterns[k].re);
    for (int i = 0; i < kb->nextractors; i++)
        if (kb->extractors[i].pattern.re)
            cr_regex_jit(kb->extractors[i].pattern.re);
}

void cr_kb_uncited(const cr_kb *kb, const cr_corpus *corpus,
                   const char *corpus_name, cr_diag *d)
{
    int n = cr_corpus_count(corpus);
    char *cited = xcalloc((size_t)n + 1, 1);
    for (int i = 0; i < kb->nrules; i++)
        for (int k = 0; k < kb->rules[i].ncites; k++)
            if (kb->rules[i].cites[k].section >= 0)
                cited[kb->rules[i].cites[k].section] = 1;
    for (int i = 0; i < n; i++) {
        const char *anchor = cr_corpus_anchor(corpus, i);
        if (cited[i] || *cr_corpus_text(corpus, i) == '\0' ||
            strcmp(anchor, "table-of-contents") == 0)
            continue;
        cr_diag_add(d, CR_WARNING, corpus_name, cr_corpus_line(corpus, i), 1,
                    "no rule cites section '%s'", anchor);
    }
    free(cited);
}

/* Count a vote for each intent that test t, a test of `intent`,
 * accepts. */
static void vote_intents(const cr_kb *kb, const cr_cond *t, int *votes)
{
    if (t->kind != CR_COND_TEST || t->fact != CR_FACT_INTENT ||
        (t->op != CR_OP_EQ && t->op != CR_OP_IN))
        return;
    for (int v = 0; v < t->nvals; v++) {
        int in = cr_kb_intent(kb, t->vals[v].text);
        if (in >= 0)
            votes[in]++;
    }
}

/* The intent most recommendation rules require (a test of `intent` at
 * the top of their condition, or among the tests it joins with all). */
const char *cr_kb_decision_intent(const cr_kb *kb)
{
    int n = cr_kb_nintents(kb), best = -1;
    int *votes = xcalloc((size_t)n + 1, sizeof *votes);
    for (int i = 0; i < cr_kb_nrules(kb); i++) {
        const cr_rule *r = cr_kb_ruledef(kb, i);
        const cr_cond *k = r->when;
        if (r->reco == CR_RECO_NONE || k == NULL)
            continue;
        if (k->kind != CR_COND_ALL)
            vote_intents(kb, k, votes);
        for (int j = 0; k->kind == CR_COND_ALL && j < k->nkids; j++)
            vote_intents(kb, k->kids[j], votes);
    }
    for (int i = 0; i < n; i++)
        if (votes[i] > 0 && (best < 0 || votes[i] > votes[best]))
            best = i;
    free(votes);
    return best >= 0 ? cr_kb_intentdef(kb, best)->id : NULL;
}
