/* kb.h - the knowledge base: what the rule files declare.
 *
 * This is the engine's shared representation (as Lua's lobject.h is for
 * its modules): the loader fills it, the matcher, the engine and the
 * answer composer read it.  Programs outside engine/ use session.h.
 *
 * Everything is numbered: facts, intents and rules are indexes into the
 * arrays below, found by name through the kb's hash table.  Two facts are
 * built in: `intent` (the id of the intent a question matched) and
 * `question` (unused by rules so far, reserved).  References between
 * parts (a condition naming a fact, a pattern naming a concept) are
 * resolved by cr_kb_finish once every file is read, so the order of
 * declarations, and of files, does not matter. */
#ifndef CR_KB_H
#define CR_KB_H

#include "corpus.h"
#include "diag.h"
#include "matcher.h"
#include "xmalloc.h"

typedef enum cr_type { CR_BOOL, CR_NUMBER, CR_STRING, CR_CHOICE } cr_type;

typedef enum cr_reco {
    CR_RECO_NONE, CR_RECO_PHD, CR_RECO_INDUSTRY, CR_RECO_EITHER
} cr_reco;

/* A place in a rule file; file points at a string the kb owns. */
typedef struct cr_loc {
    const char *file;
    int line, col;
} cr_loc;

/* How a declaration meets an earlier one of the same name, loaded
 * before it (crossroads-rules(5), LOADING). */
typedef enum cr_merge {
    CR_MERGE_NEW,               /* there must be none: a duplicate is an error */
    CR_MERGE_OVERRIDE,          /* there must be one: replace it, in its place */
    CR_MERGE_EXTEND             /* there must be one: add to it */
} cr_merge;

/* The kinds of declaration a rule file can disable. */
typedef enum cr_kind { CR_KIND_RULE, CR_KIND_INTENT, CR_KIND_EXTRACTOR } cr_kind;

/* A value: num holds booleans (0 or 1) and numbers, str strings and
 * choices.  str, when not NULL, is owned by whoever holds the value. */
typedef struct cr_value {
    double num;
    char *str;
} cr_value;

typedef struct cr_factdecl {
    char *name;
    cr_type type;
    char **choices;             /* the allowed values of a choice */
    int nchoices;
    char *prompt;               /* how to ask for it; NULL: not askable */
    char *initial;              /* its value at the start, as text (a
                                 * deffacts), or NULL */
    cr_loc loc;
} cr_factdecl;

typedef struct cr_concept {
    char *name;
    char **words;               /* regex fragments, one per synonym */
    int nwords;
    cr_merge merge;             /* override or extend: its words replace
                                 * or join the earlier concept's */
    cr_loc loc;
} cr_concept;

/* Where a pattern's source was written, as runs: from byte off of the
 * source on, each character one column further along the line, until
 * the next run.  A pattern written on one line, without escapes, is one
 * run; see cr_pattern_place. */
typedef struct cr_span {
    int off, line, col;
} cr_span;

/* A pattern as written, and its translation back to the rule file, so
 * PCRE2's error offsets can be shown where the author typed them. */
typedef struct cr_pattern {
    char *src;
    const char *file;           /* where it was written */
    cr_span *runs;              /* by offset, the first at 0 */
    int nruns;
    cr_regex *re;               /* compiled by cr_kb_finish */
    char *need;                 /* literals a match holds one of, or NULL
                                 * (prefilter.h); with re */
    double weight;              /* what a match adds to an intent's score */
} cr_pattern;

/* An example question an intent must recognise, and optionally the
 * recommendation and first citation its answer must give. */
typedef struct cr_example {
    char *text;
    cr_reco reco;               /* CR_RECO_NONE: not checked */
    int expect_reco;            /* whether `recommend` was given */
    char *cite;                 /* expected first citation, or NULL */
    cr_loc loc;
} cr_example;

typedef struct cr_intent {
    char *id;
    char *topic;                /* a few words for "I can talk about" */
    cr_pattern *patterns;
    int npatterns;
    cr_example *examples;       /* NULL until read (cr_kb_examples) */
    int nexamples;              /* known from the start */
    int out_of_scope;           /* a topic the essay does not cover */
    int disabled;               /* by a later file: no patterns, no examples */
    cr_merge merge;             /* override, or extend: add patterns and
                                 * examples */
    cr_loc loc;
} cr_intent;

/* fact = value, as a rule or an extractor sets it. */
typedef struct cr_assign {
    char *name;
    int fact;                   /* resolved by cr_kb_finish */
    char *text;                 /* the value as written */
    cr_value value;
    cr_loc loc;
} cr_assign;

typedef struct cr_extractor {
    char *id;
    cr_pattern pattern;
    cr_assign *sets;            /* constants set when it matches */
    int nsets;
    cr_assign *negated;         /* set instead when the words are negated */
    int nnegated;
    cr_merge merge;             /* new or override */
    cr_loc loc;
} cr_extractor;

typedef enum cr_condkind {
    CR_COND_ALL, CR_COND_ANY, CR_COND_NOT,
    CR_COND_TEST, CR_COND_EXISTS, CR_COND_MISSING
} cr_condkind;

typedef enum cr_op {
    CR_OP_EQ, CR_OP_NE, CR_OP_LT, CR_OP_LE, CR_OP_GT, CR_OP_GE, CR_OP_IN
} cr_op;

typedef struct cr_cond {
    cr_condkind kind;
    cr_op op;
    char *name;                 /* the fact tested, as written */
    int fact;                   /* resolved by cr_kb_finish */
    cr_assign *vals;            /* the values compared with (IN: several) */
    int nvals;
    struct cr_cond **kids;      /* ALL, ANY, NOT */
    int nkids;
    cr_loc loc;
} cr_cond;

typedef struct cr_cite {
    char *anchor;
    int section;                /* resolved by cr_kb_finish */
    cr_loc loc;
} cr_cite;

typedef struct cr_rule {
    char *id;
    int salience;
    double confidence;          /* 0 < cf <= 1, default 1 */
    cr_cond *when;              /* NULL: always */
    char *answer;               /* advice in the team's words, or NULL */
    cr_cite *cites;
    int ncites;
    cr_reco reco;
    cr_assign *asserts;
    int nasserts;
    cr_assign *retracts;        /* only name, fact and loc are used */
    int nretracts;
    char *ask;                  /* a fact to ask the user for, or NULL */
    cr_loc askloc;              /* where ask was written */
    int askfact;
    cr_merge merge;             /* new or override */
    cr_loc loc;
} cr_rule;

typedef struct cr_kb cr_kb;

cr_kb *cr_kb_new(void);
void cr_kb_free(cr_kb *kb);

/* Keep a file name for the life of the kb; returns the kb's copy. */
const char *cr_kb_intern(cr_kb *kb, const char *file);

/* The runs of the places pos[0..len] (one for each byte of src, and one
 * for its end) of a pattern: as few as give back every place through
 * cr_pattern_place.  A new array; its length in *n. */
cr_span *cr_pattern_runs(const char *src, const cr_loc *pos, size_t len,
                         int *n);

/* Where byte off of p's source was written (its end, for off past it):
 * the place of the run it is in, a column further for each character
 * of the run before it. */
cr_loc cr_pattern_place(const cr_pattern *p, size_t off);

/* Whether the file that key identifies (whatever the loader takes to
 * tell files apart) is read into kb for the first time: 1 the first
 * time, when the key is kept, and 0 after. */
int cr_kb_first_read(cr_kb *kb, const char *key);

/* Appending parts; the kb takes ownership of what the structs point to.
 * A part whose merge is CR_MERGE_NEW must have a new name: a duplicate
 * is reported into d, naming both places, and the newcomer is dropped.
 * One marked CR_MERGE_OVERRIDE takes the place of the part of the same
 * name added before it, and one marked CR_MERGE_EXTEND (concepts and
 * intents) adds its words, or its patterns and examples, to it; with no
 * such part, that is reported and the newcomer dropped.  A disabled
 * intent's name is free again: a new intent of that name replaces it. */
void cr_kb_add_fact(cr_kb *kb, cr_factdecl *f, cr_diag *d);
void cr_kb_add_concept(cr_kb *kb, cr_concept *c, cr_diag *d);
void cr_kb_add_intent(cr_kb *kb, cr_intent *in, cr_diag *d);
void cr_kb_add_extractor(cr_kb *kb, cr_extractor *x, cr_diag *d);
void cr_kb_add_rule(cr_kb *kb, cr_rule *r, cr_diag *d);

/* Make room for so many more facts and rules, so that adding a number
 * known beforehand (as the cache knows it) grows nothing.  Adding more
 * than reserved is fine too. */
void cr_kb_reserve(cr_kb *kb, int facts, int rules);

/* Hand kb a block of memory (of size bytes at p, from malloc) to free
 * with it.  The strings and arrays of parts added to kb may then lie
 * in the block: they are not freed one by one but with it, and an array
 * that must grow is moved out of it.  The cache reader keeps its whole
 * payload, which its strings are read in place from, and its arrays'
 * arena this way: a few blocks instead of an allocation a string. */
void cr_kb_adopt(cr_kb *kb, void *p, size_t size);
/* The same for a block mapped with mmap, which kb unmaps. */
void cr_kb_adopt_mapped(cr_kb *kb, void *p, size_t size);

/* Disable the rule, intent or extractor called id, added before: a rule
 * or an extractor is removed (its name is free again); an intent is
 * emptied of its patterns, examples and topic, so that it never matches
 * and the conditions that test for it stay valid.  With no such part,
 * reports at loc into d, suggesting a close name. */
void cr_kb_disable(cr_kb *kb, cr_kind kind, const char *id,
                   const cr_loc *loc, cr_diag *d);

/* Resolve names, check values against the facts' types, check citations
 * against corpus, expand concepts and compile every pattern.  Reports
 * every problem into d; returns the number of errors. */
int cr_kb_finish(cr_kb *kb, const cr_corpus *corpus, cr_diag *d);

/* Warn, into d, of every section of the essay with text of its own that
 * no rule cites (the table of contents aside); corpus_name is the file
 * the warnings point into. */
void cr_kb_uncited(const cr_kb *kb, const cr_corpus *corpus,
                   const char *corpus_name, cr_diag *d);

/* The intent classifier cr_kb_finish trained from the examples (see
 * classify.h), or NULL before a clean finish; cr_kb_set_model hands kb
 * a model to own (the cache's), freeing the one it had. */
typedef struct cr_model cr_model;
const cr_model *cr_kb_model(const cr_kb *kb);

void cr_kb_set_model(cr_kb *kb, cr_model *m);

/* Intent i's examples, n of them in *n.  A kb read from the cache has
 * their number from the start but reads the examples themselves only
 * when first asked for, through the fn that cr_kb_defer_examples handed
 * it: a question never needs them, only `crossroads test` and a
 * consultation's verdict.  If fn fails (the cache's examples are
 * damaged), every intent has none from then on, and
 * cr_kb_examples_damaged says so. */
const cr_example *cr_kb_examples(const cr_kb *kb, int i, int *n);
typedef int cr_examples_fn(cr_kb *kb, void *arg);
void cr_kb_defer_examples(cr_kb *kb, cr_examples_fn *fn, void *arg);
int cr_kb_examples_damaged(const cr_kb *kb);
/* For fn: intent i's examples are x, of its nexamples, which kb adopts
 * as it adopts the blocks they lie in (cr_kb_adopt). */
void cr_kb_set_examples(cr_kb *kb, int i, cr_example *x);

/* The prefilter (prefilter.h) of every pattern of a finished kb, of
 * cr_kb_npatterns of them: the intents' patterns in order, then each
 * extractor's.  Made from their needs on first need and kept with the
 * kb; cr_kb_set_prefilter hands kb one to own (the cache's). */
struct cr_prefilter;
int cr_kb_npatterns(const cr_kb *kb);
const struct cr_prefilter *cr_kb_prefilter(const cr_kb *kb);
void cr_kb_set_prefilter(cr_kb *kb, struct cr_prefilter *pf);

/* JIT-compile every pattern: worth it for a session of many turns. */
void cr_kb_jit(cr_kb *kb);

/* Look-ups by name: index, or -1. */
int cr_kb_fact(const cr_kb *kb, const char *name);
int cr_kb_intent(const cr_kb *kb, const char *id);
int cr_kb_rule(const cr_kb *kb, const char *id);

int cr_kb_nfacts(const cr_kb *kb);
int cr_kb_nintents(const cr_kb *kb);
int cr_kb_nextractors(const cr_kb *kb);
int cr_kb_nrules(const cr_kb *kb);
int cr_kb_nconcepts(const cr_kb *kb);
const cr_concept *cr_kb_concept(const cr_kb *kb, int i);
const cr_factdecl *cr_kb_factdecl(const cr_kb *kb, int i);
const cr_intent *cr_kb_intentdef(const cr_kb *kb, int i);
const cr_extractor *cr_kb_extractor(const cr_kb *kb, int i);
const cr_rule *cr_kb_ruledef(const cr_kb *kb, int i);

/* The index of the built-in fact `intent`. */
#define CR_FACT_INTENT 0
/* How many facts a new kb has: `intent` and `question`. */
#define CR_KB_BUILTIN_FACTS 2

/* Values. */
void cr_value_free(cr_value *v);
cr_value cr_value_copy(const cr_value *v);
/* Parse text as a value of fact f's type; returns 0 if it is not one. */
int cr_value_parse(const cr_factdecl *f, const char *text, cr_value *out);
/* Read text as a value of fact f the way a person types it with
 * --fact or :set, and as the consultation reads a reply: for a choice,
 * one of its values or a beginning of it no other shares, in any case,
 * with spaces or '_' for '-' (cr_choice_pick); for a number, one that
 * is 0 or more (the rule files declare no range, and the numbers they
 * declare are counts); else as cr_value_parse.  Returns 1, or 0 with
 * the reason in d, naming the allowed values.  The caller frees *out
 * with cr_value_free. */
int cr_value_read(const cr_factdecl *f, const char *text, cr_value *out,
                  cr_diag *d);
/* The choice of f that word picks, as cr_value_read reads it: its
 * index, -1 for none, or -2 when word begins several (which are then
 * listed into amb, as "a, b or c"). */
int cr_choice_pick(const cr_factdecl *f, const char *word, cr_buf *amb);
/* The value as text; a new string the caller frees. */
char *cr_value_text(const cr_factdecl *f, const cr_value *v);
/* The same text without allocating: a constant, v's own string, or a
 * number written into buf; valid while v and buf are. */
#define CR_VALUE_BUF 32
const char *cr_value_str(const cr_factdecl *f, const cr_value *v,
                         char buf[CR_VALUE_BUF]);
int cr_value_equal(const cr_factdecl *f, const cr_value *a,
                   const cr_value *b);

const char *cr_reco_name(cr_reco r);    /* "phd", ...; NULL for none */

/* The closest of n candidate names to word within a small edit distance,
 * or NULL: for "did you mean …?". */
const char *cr_closest(const char *word, const char *const *cands, int n);
/* The declared fact whose name is closest to name, or NULL. */
const char *cr_kb_closest_fact(const cr_kb *kb, const char *name);
/* The rule whose id is closest to id, other than id, or NULL. */
const char *cr_kb_closest_rule(const cr_kb *kb, const char *id);
/* The anchor of corpus closest to anchor, or NULL. */
const char *cr_closest_anchor(const cr_corpus *corpus, const char *anchor);

/* The fact called name that a user may state (with --fact, :set or a
 * profile): its index; -1 when there is none, with *near set to the
 * user fact whose name is closest, or NULL; or CR_FACT_RESERVED when
 * name is a built-in fact (intent, question), which crossroads sets
 * itself. */
#define CR_FACT_RESERVED (-2)
int cr_kb_user_fact(const cr_kb *kb, const char *name, const char **near);

/* The question the recommendations answer ("should I do a PhD"): the
 * intent most recommendation rules test, or NULL when no rule
 * recommends. */
const char *cr_kb_decision_intent(const cr_kb *kb);

#endif
