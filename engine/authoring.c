/* authoring.c - lint warnings over a loaded knowledge base, and the
 * example tests that rule files declare. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authoring.h"
#include "classify.h"
#include "session.h"
#include "understand.h"
#include "words.h"

/* Lint. */

static int uses_concept(const char *src, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strchr(src, '{'); p; p = strchr(p + 1, '{'))
        if (strncmp(p + 1, name, n) == 0 && p[1 + n] == '}')
            return 1;
    return 0;
}

static void unused_concepts(const cr_kb *kb, cr_diag *d)
{
    int nc = cr_kb_nconcepts(kb);
    for (int c = 0; c < nc; c++) {
        const cr_concept *co = cr_kb_concept(kb, c);
        int used = 0;
        for (int i = 0; i < cr_kb_nintents(kb) && !used; i++) {
            const cr_intent *in = cr_kb_intentdef(kb, i);
            for (int k = 0; k < in->npatterns && !used; k++)
                used = uses_concept(in->patterns[k].src, co->name);
        }
        for (int i = 0; i < cr_kb_nextractors(kb) && !used; i++)
            used = uses_concept(cr_kb_extractor(kb, i)->pattern.src,
                                co->name);
        for (int o = 0; o < nc && !used; o++) {
            const cr_concept *other = cr_kb_concept(kb, o);
            for (int w = 0; w < other->nwords && !used; w++)
                used = o != c && uses_concept(other->words[w], co->name);
        }
        if (!used)
            cr_diag_add(d, CR_WARNING, co->loc.file, co->loc.line,
                        co->loc.col, "concept '%s' is never used",
                        co->name);
    }
}

static void intents_without_examples(const cr_kb *kb, cr_diag *d)
{
    for (int i = 0; i < cr_kb_nintents(kb); i++) {
        const cr_intent *in = cr_kb_intentdef(kb, i);
        if (in->nexamples == 0 && !in->disabled)
            cr_diag_add(d, CR_WARNING, in->loc.file, in->loc.line,
                        in->loc.col, "intent '%s' has no examples", in->id);
    }
}

/* The offset in pattern src of its first unbounded gap: `.` repeated
 * by `*`, `+` or `{n,}`, outside a character class, *len bytes long; -1
 * if there is none.  Between two words, such a gap makes a match's work
 * grow with the square of the question's length (a question of 8 KB took
 * 1.6 s), where `.{0,80}` keeps it linear. */
static long unbounded_gap(const char *src, int *len)
{
    int in_class = 0;
    for (size_t i = 0; src[i] != '\0'; i++) {
        if (src[i] == '\\') {
            i += src[i + 1] != '\0';
        } else if (in_class) {
            in_class = src[i] != ']';
        } else if (src[i] == '[') {
            in_class = 1;
            i += src[i + 1] == '^';
            i += src[i + 1] == ']';       /* a ] first is a member */
        } else if (src[i] == '.') {
            const char *r = src + i + 1;
            if (*r == '*' || *r == '+') {
                *len = 2;
                return (long)i;
            }
            if (*r == '{') {
                size_t k = 1;
                while (r[k] >= '0' && r[k] <= '9')
                    k++;
                if (k > 1 && r[k] == ',' && r[k + 1] == '}') {
                    *len = (int)k + 3;
                    return (long)i;
                }
            }
        }
    }
    return -1;
}

/* A check of a pattern's source: the offset of the first problem it
 * finds, or -1, with what the problem is and why it matters (which
 * starts with a comma) written into what and why. */
enum { SAY = 256 };
typedef long pattern_check(const char *src, char *what, char *why);

static long gap_check(const char *src, char *what, char *why)
{
    int len;
    long at = unbounded_gap(src, &len);
    if (at >= 0) {
        snprintf(what, SAY, "an unbounded gap '%.*s'", len, src + at);
        snprintf(why, SAY, ", whose cost grows with the square of a "
                 "question's length: bound it, as in '.{0,80}'");
    }
    return at;
}

/* The length of an unbounded quantifier at p (+, *, {n,}, and none
 * that is possessive: a possessive one never gives back what it took),
 * or 0 if there is none. */
static size_t unbounded_quantifier(const char *p)
{
    size_t k = 0;
    if (*p == '+' || *p == '*') {
        k = 1;
    } else if (*p == '{') {
        k = 1;
        while (p[k] >= '0' && p[k] <= '9')
            k++;
        if (k == 1 || p[k] != ',' || p[k + 1] != '}')
            return 0;
        k += 2;
    }
    return k > 0 && p[k] != '+' ? k : 0;
}

/* Where a group that repeats without bound holds a repetition without
 * bound itself ("(a+)+", "(\w+\s?)*"), or -1: on a question that nearly
 * matches, the two can share the text in exponentially many ways, and a
 * match gives up at PCRE2's limit.  Atomic groups are left alone; the
 * length of the group, quantifier included, goes in *len. */
static long nested_quantifier(const char *src, int *len)
{
    enum { MAXNEST = 64 };
    size_t open[MAXNEST];
    int inner[MAXNEST], atomic[MAXNEST], depth = 0, in_class = 0;
    for (size_t i = 0; src[i] != '\0'; i++) {
        if (src[i] == '\\') {
            i += src[i + 1] != '\0';
            size_t q = unbounded_quantifier(src + i + 1);
            if (q && depth > 0)
                inner[depth - 1] = 1;
        } else if (in_class) {
            in_class = src[i] != ']';
            if (!in_class && depth > 0 && unbounded_quantifier(src + i + 1))
                inner[depth - 1] = 1;
        } else if (src[i] == '[') {
            in_class = 1;
            i += src[i + 1] == '^';
            i += src[i + 1] == ']';       /* a ] first is a member */
        } else if (src[i] == '(') {
            if (depth == MAXNEST)
                return -1;
            open[depth] = i;
            inner[depth] = 0;
            atomic[depth] = src[i + 1] == '?' && src[i + 2] == '>';
            depth++;
        } else if (src[i] == ')' && depth > 0) {
            depth--;
            size_t q = unbounded_quantifier(src + i + 1);
            if (q && inner[depth] && !atomic[depth]) {
                *len = (int)(i + 1 + q - open[depth]);
                return (long)open[depth];
            }
            if (depth > 0 && (inner[depth] || q))
                inner[depth - 1] = 1;
        } else if (depth > 0 && !strchr("+*?|}", src[i]) &&
                   unbounded_quantifier(src + i + 1)) {
            inner[depth - 1] = 1;
        }
    }
    return -1;
}

static long nested_check(const char *src, char *what, char *why)
{
    int len;
    long at = nested_quantifier(src, &len);
    if (at >= 0) {
        snprintf(what, SAY, "a repetition inside a repetition '%.*s'",
                 len > 60 ? 60 : len, src + at);
        snprintf(why, SAY, ", which can take exponential time on a "
                 "question that nearly matches: bound one of them (as in "
                 "'{0,5}'), or make the inner one possessive ('++')");
    }
    return at;
}

/* A control character (but a tab or a line break): a question holds
 * none once it is cleaned, so in a pattern it is a YAML escape that was
 * meant for the regular expression, nearly always "\b" in double
 * quotes, which YAML reads as a backspace. */
static long control_check(const char *src, char *what, char *why)
{
    static const char named[][3] = {
        [0x07] = "a", [0x08] = "b", [0x0B] = "v", [0x0C] = "f",
        [0x0D] = "r", [0x1B] = "e", [0x85] = "N",
    };
    for (size_t i = 0; src[i] != '\0'; i++) {
        unsigned char c = (unsigned char)src[i];
        unsigned cp = c;
        if (c == 0xC2 && (unsigned char)src[i + 1] >= 0x80 &&
            (unsigned char)src[i + 1] < 0xA0)
            cp = (unsigned char)src[i + 1];     /* a C1 control */
        else if ((c >= 0x20 && c != 0x7F) || c == '\t' || c == '\n')
            continue;
        char esc[8];
        if (cp < sizeof named / sizeof *named && named[cp][0])
            snprintf(esc, sizeof esc, "%s", named[cp]);
        else
            snprintf(esc, sizeof esc, "x%02X", cp);
        snprintf(what, SAY, "a control character (U+%04X)", cp);
        snprintf(why, SAY, ", which no question holds: in double quotes, "
                 "YAML reads \\%s as that character%s; write it in single "
                 "quotes, or \\\\%s", esc,
                 cp == 0x08 ? ", not a word boundary" : "", esc);
        return (long)i;
    }
    return -1;
}

static void pattern_warning(const cr_pattern *p, const char *kind,
                            const char *id, pattern_check *check, cr_diag *d)
{
    char what[SAY], why[SAY];
    long at = check(p->src, what, why);
    if (at < 0)
        return;
    cr_loc l = cr_pattern_place(p, (size_t)at);
    cr_diag_add(d, CR_WARNING, l.file, l.line, l.col,
                "pattern of %s '%s' has %s%s", kind, id, what, why);
}

/* Warn of what check finds in each pattern of an intent or an
 * extractor, at its place, and in each word of a concept, at the
 * concept (a word's own place is not kept). */
static void pattern_warnings(const cr_kb *kb, pattern_check *check,
                             cr_diag *d)
{
    for (int i = 0; i < cr_kb_nintents(kb); i++) {
        const cr_intent *in = cr_kb_intentdef(kb, i);
        for (int k = 0; k < in->npatterns; k++)
            pattern_warning(&in->patterns[k], "intent", in->id, check, d);
    }
    for (int i = 0; i < cr_kb_nextractors(kb); i++) {
        const cr_extractor *x = cr_kb_extractor(kb, i);
        pattern_warning(&x->pattern, "extractor", x->id, check, d);
    }
    for (int c = 0; c < cr_kb_nconcepts(kb); c++) {
        const cr_concept *co = cr_kb_concept(kb, c);
        char what[SAY], why[SAY];
        for (int w = 0; w < co->nwords; w++)
            if (check(co->words[w], what, why) >= 0)
                cr_diag_add(d, CR_WARNING, co->loc.file, co->loc.line,
                            co->loc.col, "concept '%s' has %s in '%s'%s",
                            co->name, what, co->words[w], why);
    }
}

/* Which facts something other than a flag can set: the built-in intent,
 * extractors, rules' assertions, and facts the engine can ask for. */
static char *settable_facts(const cr_kb *kb)
{
    char *can = xcalloc((size_t)cr_kb_nfacts(kb) + 1, 1);
    can[CR_FACT_INTENT] = 1;
    for (int i = 0; i < cr_kb_nfacts(kb); i++)
        can[i] |= cr_kb_factdecl(kb, i)->prompt != NULL;
    for (int i = 0; i < cr_kb_nextractors(kb); i++) {
        const cr_extractor *x = cr_kb_extractor(kb, i);
        for (int k = 0; k < x->nsets; k++)
            if (x->sets[k].fact >= 0)
                can[x->sets[k].fact] = 1;
        for (int k = 0; k < x->nnegated; k++)
            if (x->negated[k].fact >= 0)
                can[x->negated[k].fact] = 1;
        const char *const *names;
        int ng = x->pattern.re ? cr_regex_names(x->pattern.re, &names) : 0;
        for (int g = 0; g < ng; g++)
            if (cr_kb_fact(kb, names[g]) >= 0)
                can[cr_kb_fact(kb, names[g])] = 1;
    }
    for (int i = 0; i < cr_kb_nrules(kb); i++) {
        const cr_rule *r = cr_kb_ruledef(kb, i);
        for (int k = 0; k < r->nasserts; k++)
            if (r->asserts[k].fact >= 0)
                can[r->asserts[k].fact] = 1;
    }
    return can;
}

/* Report the first condition of c, required for the rule to fire (on a
 * path of ALLs from the top), that tests a fact nothing can set. */
static int unsettable(const cr_kb *kb, const cr_rule *r, const cr_cond *c,
                      const char *can, cr_diag *d)
{
    if (c == NULL)
        return 0;
    if (c->kind == CR_COND_ALL) {
        for (int i = 0; i < c->nkids; i++)
            if (unsettable(kb, r, c->kids[i], can, d))
                return 1;
        return 0;
    }
    if ((c->kind == CR_COND_TEST || c->kind == CR_COND_EXISTS) &&
        c->fact >= 0 && !can[c->fact]) {
        cr_diag_add(d, CR_WARNING, c->loc.file, c->loc.line, c->loc.col,
                    "rule '%s' can never fire: nothing sets fact '%s' "
                    "(no extractor, rule or prompt; only --fact)", r->id,
                    c->name);
        return 1;
    }
    return 0;
}

/* What a rule's conditions require of one fact: the values it may have
 * (`in`, NULL for any) and the values it may not have (`out`). */
typedef struct need {
    int fact;
    const cr_cond *in, *out;
    int missing;                /* it must not be known at all */
} need;

/* A mapping of one test is that test. */
static const cr_cond *one_test(const cr_cond *c)
{
    while (c->kind == CR_COND_ALL && c->nkids == 1)
        c = c->kids[0];
    return c;
}

static int collect_needs(const cr_cond *c, int negated, need *v, int n,
                         int max)
{
    if (c == NULL || n >= max)
        return n;
    if (c->kind == CR_COND_ALL && !negated) {
        for (int i = 0; i < c->nkids; i++)
            n = collect_needs(c->kids[i], 0, v, n, max);
    } else if (c->kind == CR_COND_NOT && c->nkids == 1 && !negated) {
        const cr_cond *k = one_test(c->kids[0]);
        if (k->kind == CR_COND_TEST)
            n = collect_needs(k, 1, v, n, max);
        else if (k->kind == CR_COND_ANY)        /* none of them holds */
            for (int i = 0; i < k->nkids; i++)
                if (one_test(k->kids[i])->kind == CR_COND_TEST)
                    n = collect_needs(one_test(k->kids[i]), 1, v, n, max);
    } else if (c->kind == CR_COND_TEST && c->fact >= 0 &&
               (c->op == CR_OP_EQ || c->op == CR_OP_IN)) {
        v[n++] = (need){c->fact, negated ? NULL : c, negated ? c : NULL, 0};
    } else if (c->kind == CR_COND_MISSING && c->fact >= 0 && !negated) {
        v[n++] = (need){c->fact, NULL, NULL, 1};
    }
    return n;
}

static int has_value(const cr_cond *c, const cr_value *v,
                     const cr_factdecl *f)
{
    for (int i = 0; i < c->nvals; i++)
        if (cr_value_equal(f, &c->vals[i].value, v))
            return 1;
    return 0;
}

/* Can a value satisfy both needs on the same fact? */
static int overlap(const cr_kb *kb, const need *a, const need *b)
{
    const cr_factdecl *f = cr_kb_factdecl(kb, a->fact);
    const cr_cond *in = a->in ? a->in : b->in;
    const cr_cond *other_in = a->in ? b->in : NULL;
    const cr_cond *out = a->out ? a->out : b->out;
    if (a->missing || b->missing)       /* unknown, yet equal to a value? */
        return !(a->missing ? b->in : a->in);
    if (in == NULL)
        return 1;               /* two exclusions: some value escapes both */
    for (int i = 0; i < in->nvals; i++) {
        const cr_value *v = &in->vals[i].value;
        if ((other_in == NULL || has_value(other_in, v, f)) &&
            (out == NULL || !has_value(out, v, f)))
            return 1;
    }
    return 0;
}

static int compatible(const cr_kb *kb, const cr_rule *a, const cr_rule *b)
{
    need na[32], nb[32];
    int ca = collect_needs(a->when, 0, na, 0, 32);
    int cb = collect_needs(b->when, 0, nb, 0, 32);
    for (int i = 0; i < ca; i++)
        for (int k = 0; k < cb; k++)
            if (na[i].fact == nb[k].fact && !overlap(kb, &na[i], &nb[k]))
                return 0;
    return 1;
}

static void opposite_recommendations(const cr_kb *kb, cr_diag *d)
{
    int n = cr_kb_nrules(kb);
    for (int i = 0; i < n; i++) {
        const cr_rule *a = cr_kb_ruledef(kb, i);
        if (a->reco != CR_RECO_PHD && a->reco != CR_RECO_INDUSTRY)
            continue;
        for (int k = i + 1; k < n; k++) {
            const cr_rule *b = cr_kb_ruledef(kb, k);
            if ((b->reco != CR_RECO_PHD && b->reco != CR_RECO_INDUSTRY) ||
                b->reco == a->reco || !compatible(kb, a, b))
                continue;
            cr_diag_add(d, CR_WARNING, b->loc.file, b->loc.line, b->loc.col,
                        "rules '%s' (%s) and '%s' (%s) can fire on the "
                        "same facts with opposite recommendations", a->id,
                        cr_reco_name(a->reco), b->id, cr_reco_name(b->reco));
        }
    }
}

void cr_lint_warnings(const cr_kb *kb, const cr_corpus *corpus,
                      const char *corpus_name, cr_diag *d)
{
    char *can = settable_facts(kb);
    for (int i = 0; i < cr_kb_nrules(kb); i++)
        unsettable(kb, cr_kb_ruledef(kb, i), cr_kb_ruledef(kb, i)->when,
                   can, d);
    free(can);
    unused_concepts(kb, d);
    intents_without_examples(kb, d);
    pattern_warnings(kb, gap_check, d);
    pattern_warnings(kb, nested_check, d);
    pattern_warnings(kb, control_check, d);
    opposite_recommendations(kb, d);
    cr_kb_uncited(kb, corpus, corpus_name, d);
}

/* Example tests. */

typedef struct confusion {
    int want, got;              /* intent indexes; got -1: none */
    int count;
} confusion;

/* The strongest matching pattern of intent i on text, for reports. */
static const cr_pattern *matching_pattern(const cr_intent *in,
                                          const char *text)
{
    const cr_pattern *best = NULL;
    for (int k = 0; k < in->npatterns; k++) {
        size_t s, e;
        if (cr_regex_match(in->patterns[k].re, text, strlen(text), 0, &s,
                           &e) == CR_MATCH &&
            (best == NULL || in->patterns[k].weight > best->weight))
            best = &in->patterns[k];
    }
    return best;
}

static void note_confusion(confusion **v, int *n, int want, int got)
{
    for (int i = 0; i < *n; i++)
        if ((*v)[i].want == want && (*v)[i].got == got) {
            (*v)[i].count++;
            return;
        }
    *v = xreallocarray(*v, (size_t)*n + 1, sizeof **v);
    (*v)[(*n)++] = (confusion){want, got, 1};
}

/* Check an example's answer: recommendation and first citation. */
static int check_answer(const cr_example *x, const char *corpus_path,
                        const char *const *paths, int npaths, cr_buf *out,
                        cr_diag *d)
{
    cr_session *s = cr_session_new(corpus_path, paths, npaths, d);
    if (s == NULL)
        return -1;
    cr_answer *a = NULL;
    int bad = 0;
    if (cr_session_ask(s, x->text, strlen(x->text), &a, d) < 0) {
        cr_session_free(s);
        return -1;
    }
    const char *cite = a->ncites ? a->cites[0].anchor : "(none)";
    if (x->expect_reco && a->reco != x->reco) {
        const char *want = cr_reco_name(x->reco), *got = cr_reco_name(a->reco);
        cr_buf_printf(out, "%s:%d:%d: FAIL \"%s\": recommendation %s, "
                      "expected %s\n", x->loc.file, x->loc.line, x->loc.col,
                      x->text, got ? got : "none", want ? want : "none");
        bad = 1;
    }
    if (x->cite && strcmp(cite, x->cite) != 0) {
        cr_buf_printf(out, "%s:%d:%d: FAIL \"%s\": first citation %s, "
                      "expected %s\n", x->loc.file, x->loc.line, x->loc.col,
                      x->text, cite, x->cite);
        bad = 1;
    }
    cr_answer_free(a);
    cr_session_free(s);
    return bad;
}

static void report(const cr_kb *kb, const int *asked, const int *passed,
                   const int *predicted, const int *unseen, confusion *conf,
                   int nconf, cr_buf *out)
{
    cr_buf_printf(out, "\n%-34s %8s %6s %9s %6s %6s\n", "intent", "examples",
                  "passed", "precision", "recall", "unseen");
    for (int i = 0; i < cr_kb_nintents(kb); i++) {
        if (asked[i] == 0 && predicted[i] == 0)
            continue;
        cr_buf_printf(out, "%-34s %8d %6d ", cr_kb_intentdef(kb, i)->id,
                      asked[i], passed[i]);
        if (predicted[i])
            cr_buf_printf(out, "%9.2f ", (double)passed[i] / predicted[i]);
        else
            cr_buf_printf(out, "%9s ", "-");
        if (asked[i])
            cr_buf_printf(out, "%6.2f %6.2f\n", (double)passed[i] / asked[i],
                          (double)unseen[i] / asked[i]);
        else
            cr_buf_printf(out, "%6s %6s\n", "-", "-");
    }
    if (nconf == 0)
        return;
    /* The most confused pairs first. */
    for (int i = 1; i < nconf; i++)
        for (int k = i; k > 0 && conf[k].count > conf[k - 1].count; k--) {
            confusion t = conf[k];
            conf[k] = conf[k - 1];
            conf[k - 1] = t;
        }
    cr_buf_puts(out, "\nmost confused (expected -> recognised as):\n");
    for (int i = 0; i < nconf && i < 10; i++)
        cr_buf_printf(out, "  %s -> %s: %d\n",
                      cr_kb_intentdef(kb, conf[i].want)->id,
                      conf[i].got >= 0 ? cr_kb_intentdef(kb, conf[i].got)->id
                                       : "(nothing)", conf[i].count);
}

/* The files whose examples to run: those named, or inside a folder
 * named, compared by real path, so that a file loaded from a folder of
 * the load order is found however it is named. */
typedef struct selection {
    char **only;                /* real paths */
    int n;
    const char *last;           /* the file named.last was last asked for */
    int last_named;
} selection;

static char *real(const char *path)
{
    char *r = realpath(path, NULL);
    return r ? r : xstrdup(path);
}

static int named(selection *sel, const char *file)
{
    if (file == sel->last)      /* interned: most examples repeat it */
        return sel->last_named;
    char *r = real(file);
    int yes = 0;
    for (int f = 0; f < sel->n && !yes; f++) {
        size_t n = strlen(sel->only[f]);
        yes = strncmp(r, sel->only[f], n) == 0 &&
              (r[n] == '\0' || r[n] == '/' || sel->only[f][n - 1] == '/');
    }
    free(r);
    sel->last = file;
    sel->last_named = yes;
    return yes;
}

int cr_test_examples(const cr_kb *kb, const char *corpus_path,
                     const char *const *rule_paths, int npaths,
                     const char *const *only, int nonly, cr_buf *out,
                     cr_diag *d)
{
    int ni = cr_kb_nintents(kb), failures = 0, total = 0, nconf = 0;
    int *asked = xcalloc((size_t)ni + 1, sizeof *asked);
    int *passed = xcalloc((size_t)ni + 1, sizeof *passed);
    int *predicted = xcalloc((size_t)ni + 1, sizeof *predicted);
    int *unseen = xcalloc((size_t)ni + 1, sizeof *unseen);
    confusion *conf = NULL;
    selection sel = {NULL, nonly, NULL, 0};
    sel.only = xcalloc((size_t)nonly + 1, sizeof *sel.only);
    for (int f = 0; f < nonly; f++)
        sel.only[f] = real(only[f]);
    for (int i = 0; i < ni && failures >= 0; i++) {
        int nx;
        const cr_example *xs = cr_kb_examples(kb, i, &nx);
        if (cr_kb_examples_damaged(kb)) {
            cr_diag_add(d, CR_ERROR, NULL, 0, 0, "the compiled rule cache's "
                        "examples are damaged: it has been removed, and the "
                        "next run rebuilds it");
            failures = -1;
            break;
        }
        for (int k = 0; k < nx; k++) {
            const cr_example *x = &xs[k];
            if (nonly && !named(&sel, x->loc.file))
                continue;
            char *text = cr_phd_dots(cr_normalise(x->text, strlen(x->text)));
            cr_correction *corr;
            int ncorr;
            char *fixed = cr_kb_model(kb)
                              ? cr_model_correct(cr_kb_model(kb), text,
                                                 cr_word_list(), &corr, &ncorr)
                              : NULL;
            if (fixed) {                /* as a turn reads it */
                cr_corrections_free(corr, ncorr);
                free(text);
                text = fixed;
            }
            cr_choice ch;
            int got = cr_choose(kb, text, &ch, d);
            cr_class_hit loo;
            if (cr_kb_model(kb) &&
                cr_model_rank_loo(cr_kb_model(kb), text, i, &loo, 1) == 1 &&
                loo.intent == i)
                unseen[i]++;
            total++;
            asked[i]++;
            if (got >= 0)
                predicted[got]++;
            if (got == i) {
                int bad = x->expect_reco || x->cite
                              ? check_answer(x, corpus_path, rule_paths,
                                             npaths, out, d)
                              : 0;
                if (bad < 0) {
                    free(text);
                    failures = -1;
                    break;
                }
                passed[i] += !bad;
                failures += bad;
            } else {
                const cr_intent *g = got >= 0 ? cr_kb_intentdef(kb, got) : NULL;
                const cr_pattern *p = g ? matching_pattern(g, text) : NULL;
                cr_buf_printf(out, "%s:%d:%d: FAIL \"%s\": expected intent "
                              "%s, recognised %s", x->loc.file, x->loc.line,
                              x->loc.col, x->text, cr_kb_intentdef(kb, i)->id,
                              g ? g->id : "nothing");
                if (p) {
                    cr_loc l = cr_pattern_place(p, 0);
                    cr_buf_printf(out, " (pattern at %s:%d:%d)", l.file,
                                  l.line, l.col);
                }
                cr_buf_putc(out, '\n');
                note_confusion(&conf, &nconf, i, got);
                failures++;
            }
            free(text);
        }
    }
    if (failures >= 0) {
        report(kb, asked, passed, predicted, unseen, conf, nconf, out);
        int loo = 0;
        for (int i = 0; i < ni; i++)
            loo += unseen[i];
        if (total)
            cr_buf_printf(out, "\nthe classifier alone, each example left "
                          "out of its training: %d of %d (%.1f%%)\n", loo,
                          total, 100.0 * loo / total);
        cr_buf_printf(out, "\n%d examples: %d passed, %d failed\n", total,
                      total - failures, failures);
    }
    for (int f = 0; f < nonly; f++)
        free(sel.only[f]);
    free(sel.only);
    free(conf);
    free(asked);
    free(passed);
    free(predicted);
    free(unseen);
    return failures;
}
