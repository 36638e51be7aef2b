/* session.c - a conversation: the turn from text to answer. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cache.h"
#include "engine.h"
#include "fileio.h"
#include "loader.h"
#include "retrieval.h"
#include "session.h"
#include "understand.h"
#include "words.h"
#include "xmalloc.h"

/* bm25 relevance below which retrieval does not answer: set on the
 * development questions so that off-topic questions are declined. */
#define MIN_RELEVANCE 6.0

/* What one turn changed: its facts as the user had stated them (or
 * not) before it, so that the turn can be taken back. */
typedef struct undo {
    cr_statement *v;
    int n;
} undo;

/* How many turns :undo can take back, the latest first. */
#define UNDO_DEPTH 64

/* Set each fact that its declaration gives a value: they hold from the
 * start, until the user says otherwise, as a deffacts does in CLIPS. */
static void set_initial(const cr_kb *kb, cr_wm *wm)
{
    for (int i = 0; i < cr_kb_nfacts(kb); i++) {
        const cr_factdecl *f = cr_kb_factdecl(kb, i);
        cr_value v;
        if (f->initial && cr_value_parse(f, f->initial, &v)) {
            cr_wm_set(wm, i, &v, CR_SRC_FLAG, 0, CR_WORDS_INITIAL, -1, 1.0);
            cr_value_free(&v);
        }
    }
}

struct cr_session {
    cr_corpus *corpus;
    cr_index *index;
    cr_kb *kb;
    cr_engine *engine;
    cr_wm *wm;
    char **paths;               /* the rule paths, for cr_session_reload */
    int npaths;
    int jit;                    /* whether patterns are JIT-compiled */
    int quiet_facts;            /* answers do not list the facts known */
    int turn;
    cr_run last;                /* the last turn's run, for explanations */
    const cr_intent *reco_in;   /* the question of the recommendation */
    const cr_intent *topic_in;  /* the last topic answered, for a bare
                                 * follow-up (elliptical) */
    cr_reco reco;               /* last given, or NONE */
    undo undos[UNDO_DEPTH];     /* a ring: the turns that changed facts */
    int nundos, lastundo;
    cr_session_stats stats;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A knowledge base read from the rule paths and finished against
 * corpus, or NULL with the errors in d. */
static cr_kb *load_rules(const cr_corpus *corpus,
                         const char *const *paths, int npaths, cr_diag *d)
{
    int errors = cr_diag_errors(d);
    cr_kb *kb = cr_kb_new();
    for (int i = 0; i < npaths; i++)
        cr_load_path(kb, paths[i], d);
    cr_kb_finish(kb, corpus, d);
    if (cr_diag_errors(d) > errors) {
        cr_kb_free(kb);
        return NULL;
    }
    return kb;
}

/* Remember a copy of the rule paths, for reloading. */
static void keep_paths(cr_session *s, const char *const *paths, int n)
{
    char **copy = xcalloc((size_t)n + 1, sizeof *copy);
    for (int i = 0; i < n; i++)
        copy[i] = xstrdup(paths[i]);
    for (int i = 0; i < s->npaths; i++)
        free(s->paths[i]);
    free(s->paths);
    s->paths = copy;
    s->npaths = n;
}

cr_session *cr_session_new(const char *corpus_path,
                           const char *const *rule_paths, int npaths,
                           cr_diag *d)
{
    return cr_session_open(corpus_path, rule_paths, npaths, NULL, d);
}

/* The essay at path into s->corpus, and its index into s->index; -1
 * with the reason in d if either cannot be had. */
static int open_essay(cr_session *s, const char *path, cr_diag *d)
{
    int ferr;
    s->corpus = cr_corpus_load(path, &ferr);
    if (s->corpus == NULL) {
        cr_diag_add(d, CR_ERROR, path, 0, 0, "cannot read the essay: %s",
                    cr_file_error(ferr));
        return -1;
    }
    s->index = cr_index_new(s->corpus);
    return 0;
}

/* The essay and the knowledge base: from the cache if it has them, else
 * from the Markdown and the YAML (and then into the cache, if the rules
 * loaded cleanly).  The cache keeps the image of s->index with them:
 * read, it spares building the index when the index first ranks;
 * written, it makes the index be built now.  NULL with the reason in d
 * if they cannot be had. */
static cr_kb *load_kb(cr_session *s, const char *corpus_path,
                      const char *const *rule_paths, int npaths,
                      const char *cache_dir, cr_diag *d)
{
    cr_cache_key *key = NULL;
    if (cache_dir)      /* before any file is read: see cr_cache_save */
        key = cr_cache_key_new(corpus_path, rule_paths, npaths);
    cr_words_keep_in(cache_dir);        /* spelling's English words too */
    cr_kb *kb = key ? cr_cache_load(cache_dir, key, &s->corpus, &s->index)
                    : NULL;
    if (kb) {
        s->stats.cached = 1;
    } else if (open_essay(s, corpus_path, d) == 0) {
        int before = cr_diag_len(d);
        kb = load_rules(s->corpus, rule_paths, npaths, d);
        if (key && kb && cr_diag_len(d) == before)
            (void)cr_cache_save(cache_dir, key, kb, s->corpus, s->index);
    }
    cr_cache_key_free(key);
    return kb;
}

cr_session *cr_session_open(const char *corpus_path,
                            const char *const *rule_paths, int npaths,
                            const char *cache_dir, cr_diag *d)
{
    double t0 = now_ms();
    cr_session *s = xcalloc(1, sizeof *s);
    s->kb = load_kb(s, corpus_path, rule_paths, npaths, cache_dir, d);
    s->stats.rules_ms = now_ms() - t0;
    keep_paths(s, rule_paths, npaths);
    if (s->kb == NULL) {
        cr_session_free(s);
        return NULL;
    }
    double t2 = now_ms();
    s->wm = cr_wm_new(s->kb);
    set_initial(s->kb, s->wm);
    s->engine = cr_engine_new(s->kb, s->wm);
    s->stats.engine_ms = now_ms() - t2;
    s->stats.load_ms = now_ms() - t0;
    s->stats.rules = cr_kb_nrules(s->kb);
    s->stats.facts = cr_kb_nfacts(s->kb);
    return s;
}

static void free_states(cr_statement *v, int n);

static void free_undo(undo *u)
{
    free_states(u->v, u->n);
    memset(u, 0, sizeof *u);
}

static void forget_undos(cr_session *s)
{
    for (int i = 0; i < UNDO_DEPTH; i++)
        free_undo(&s->undos[i]);
    s->nundos = 0;
}

void cr_session_free(cr_session *s)
{
    if (s == NULL)
        return;
    forget_undos(s);
    cr_run_free(&s->last);
    cr_engine_free(s->engine);
    cr_wm_free(s->wm);
    cr_index_free(s->index);
    cr_kb_free(s->kb);
    cr_corpus_free(s->corpus);
    for (int i = 0; i < s->npaths; i++)
        free(s->paths[i]);
    free(s->paths);
    free(s);
}

void cr_session_list_facts(cr_session *s, int on)
{
    s->quiet_facts = !on;
}

void cr_session_jit(cr_session *s)
{
    cr_kb_jit(s->kb);
    s->jit = 1;
}

/* State again in wm, of kb, what the user stated in old, of oldkb (but
 * the values of the old rule files); warn in d of what no longer fits. */
static void restate(const cr_kb *oldkb, const cr_wm *old, const cr_kb *kb,
                    cr_wm *wm, cr_diag *d)
{
    for (int i = 0; i < cr_kb_nfacts(oldkb); i++) {
        if (i == CR_FACT_INTENT || !cr_wm_stated(old, i))
            continue;
        const cr_factdecl *was = cr_kb_factdecl(oldkb, i);
        const cr_fact *f = cr_wm_get(old, i);
        if (f->source == CR_SRC_FLAG && f->words &&
            strcmp(f->words, CR_WORDS_INITIAL) == 0)
            continue;
        char *text = cr_value_text(was, &f->value);
        int k = cr_kb_fact(kb, was->name);
        const cr_factdecl *now = k >= 0 ? cr_kb_factdecl(kb, k) : NULL;
        cr_value v = {0, NULL};
        if (now == NULL) {
            cr_diag_add(d, CR_WARNING, NULL, 0, 0, "dropped %s = %s: the "
                        "rules no longer declare fact '%s'", was->name,
                        text, was->name);
        } else if (now->type == was->type && was->type != CR_CHOICE) {
            v = cr_value_copy(&f->value);       /* exactly, not as text */
        } else if (!cr_value_parse(now, text, &v)) {
            cr_diag_add(d, CR_WARNING, NULL, 0, 0, "dropped %s = %s: it is "
                        "no longer a value of fact '%s'", was->name, text,
                        was->name);
            now = NULL;
        }
        if (now) {
            cr_wm_set(wm, k, &v, f->source, f->turn, f->words, -1, f->cf);
            cr_value_free(&v);
        }
        free(text);
    }
}

int cr_session_reload(cr_session *s, const char *const *rule_paths,
                      int npaths, cr_diag *d)
{
    double t0 = now_ms();
    if (rule_paths == NULL) {
        rule_paths = (const char *const *)s->paths;
        npaths = s->npaths;
    }
    cr_kb *kb = load_rules(s->corpus, rule_paths, npaths, d);
    if (kb == NULL)
        return -1;
    if (s->jit)
        cr_kb_jit(kb);
    double t1 = now_ms();
    cr_wm *wm = cr_wm_new(kb);
    set_initial(kb, wm);
    restate(s->kb, s->wm, kb, wm, d);
    cr_engine *engine = cr_engine_new(kb, wm);
    double t2 = now_ms();
    cr_run_free(&s->last);      /* its rule indexes are the old kb's */
    s->reco = CR_RECO_NONE;     /* and so is the intent it answered */
    s->reco_in = s->topic_in = NULL;
    forget_undos(s);            /* and the facts it numbered */
    cr_engine_free(s->engine);
    cr_wm_free(s->wm);
    cr_kb_free(s->kb);
    s->kb = kb;
    s->wm = wm;
    s->engine = engine;
    if (rule_paths != (const char *const *)s->paths)
        keep_paths(s, rule_paths, npaths);
    s->stats.rules_ms = t1 - t0;
    s->stats.engine_ms = t2 - t1;
    s->stats.load_ms = now_ms() - t0;
    s->stats.rules = cr_kb_nrules(kb);
    s->stats.facts = cr_kb_nfacts(kb);
    return 0;
}

const char *const *cr_session_rule_paths(const cr_session *s, int *n)
{
    *n = s->npaths;
    return (const char *const *)s->paths;
}

const cr_corpus *cr_session_corpus(const cr_session *s)
{
    return s->corpus;
}

cr_index *cr_session_index(const cr_session *s)
{
    return s->index;
}

const cr_kb *cr_session_kb(const cr_session *s)
{
    return s->kb;
}

/* The firing limit was hit: name the rules that loop. */
static void loop_error(cr_session *s, const cr_run *run, int limit,
                       cr_diag *d)
{
    int loop[8];
    int n = cr_run_loop(run, loop, 8);
    cr_buf names = {0};
    for (int i = 0; i < n; i++)
        cr_buf_printf(&names, "%s%s", i ? ", " : "",
                      cr_kb_ruledef(s->kb, loop[i])->id);
    cr_diag_add(d, CR_ERROR, NULL, 0, 0,
                "the rules fired more than %d times in one turn; these "
                "keep firing in a loop: %s%s", limit, names.s,
                n == 8 ? ", ..." : "");
    cr_buf_free(&names);
}

/* The index of a fact the user can state, or -1 with the reason in d. */
static int user_fact(const cr_session *s, const char *name, cr_diag *d)
{
    int i = cr_kb_fact(s->kb, name);
    if (i < 0 || i == CR_FACT_INTENT) {
        cr_diag_add(d, CR_ERROR, NULL, 0, 0, "no fact '%s'", name);
        return -1;
    }
    return i;
}

int cr_session_set(cr_session *s, const char *name, const char *value,
                   cr_diag *d)
{
    return cr_session_set_from(s, name, value, NULL, d);
}

int cr_session_set_from(cr_session *s, const char *name, const char *value,
                        const char *how, cr_diag *d)
{
    int i = user_fact(s, name, d);
    if (i < 0)
        return -1;
    const cr_factdecl *f = cr_kb_factdecl(s->kb, i);
    cr_value v;
    if (!cr_value_parse(f, value, &v)) {
        cr_diag_add(d, CR_ERROR, NULL, 0, 0,
                    "'%s' is not a value of fact '%s'", value, name);
        return -1;
    }
    cr_wm_set(s->wm, i, &v, CR_SRC_FLAG, s->turn, how, -1, 1.0);
    cr_value_free(&v);
    return 0;
}

int cr_session_forget(cr_session *s, const char *name, cr_diag *d)
{
    int i = user_fact(s, name, d);
    if (i < 0)
        return -1;
    if (!cr_wm_stated(s->wm, i)) {
        cr_diag_add(d, CR_ERROR, NULL, 0, 0, "you have not said anything "
                    "about '%s'", name);
        return -1;
    }
    cr_wm_unset(s->wm, i);
    return 0;
}

void cr_session_reset(cr_session *s)
{
    s->reco = CR_RECO_NONE;
    forget_undos(s);
    cr_wm_clear(s->wm, CR_SRC_USER);
    cr_wm_clear(s->wm, CR_SRC_FLAG);
    cr_wm_clear(s->wm, CR_SRC_ANSWER);
    set_initial(s->kb, s->wm);
}

/* Fire the rules on what changed, into *run; -1 with the loop in d when
 * they hit the firing limit. */
static int fire(cr_session *s, cr_run *run, cr_diag *d)
{
    int limit = CR_FIRING_LIMIT + CR_FIRINGS_PER_RULE * cr_kb_nrules(s->kb);
    if (cr_engine_run(s->engine, limit, run) == 0)
        return 0;
    loop_error(s, run, limit, d);
    return -1;
}

int cr_session_settle(cr_session *s, cr_diag *d)
{
    cr_run run = {0};
    int rc = fire(s, &run, d);
    cr_run_free(&run);
    return rc;
}

int cr_session_turn(const cr_session *s)
{
    return s->turn;
}

/* Run the rules on what changed, into s->last; a runaway rule set is
 * reported into d. */
static void run_rules(cr_session *s, cr_diag *d)
{
    double t0 = now_ms();
    cr_run_free(&s->last);
    fire(s, &s->last, d);
    s->stats.run_ms = now_ms() - t0;
    s->stats.fired = s->last.nfired;
}

/* How the intent was chosen, for --explain and the JSON trace: the
 * strongest pattern and the classifier's best three. */
static char *ranking_text(const cr_kb *kb, const cr_choice *ch)
{
    cr_buf b = {0};
    if (ch->pattern >= 0)
        cr_buf_printf(&b, "pattern: %s (%.2f)",
                      cr_kb_intentdef(kb, ch->pattern)->id, ch->pattern_score);
    else
        cr_buf_puts(&b, "pattern: none");
    cr_buf_puts(&b, "; classifier:");
    for (int i = 0; i < ch->ntop; i++)
        cr_buf_printf(&b, "%s %s %.2f", i ? "," : "",
                      cr_kb_intentdef(kb, ch->top[i].intent)->id,
                      ch->top[i].p);
    return cr_buf_take(&b);
}

/* Read the words of text that are not the knowledge base's as the
 * closest that are: the corrected text (text itself, taken over, when
 * nothing changed), the corrections into *corr as from/to pairs. */
static char *correct(const cr_kb *kb, char *text, char ***corr, int *n)
{
    cr_correction *c;
    *corr = NULL;
    *n = 0;
    const cr_model *m = cr_kb_model(kb);
    char *fixed = m ? cr_model_correct(m, text, cr_word_list(), &c, n) : NULL;
    if (fixed == NULL)
        return text;
    *corr = xcalloc(2 * (size_t)*n + 1, sizeof **corr);
    for (int i = 0; i < *n; i++) {
        (*corr)[2 * i] = c[i].from, (*corr)[2 * i + 1] = c[i].to;
        c[i].from = c[i].to = NULL;
    }
    cr_corrections_free(c, *n);
    free(text);
    return fixed;
}

static int same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* A fact the turn's words changed: the user's statement of it before
 * (was) and after, as text (NULL where nothing was said). */
typedef struct change {
    cr_statement was;
    char *before, *now;
} change;

static int by_fact(const void *a, const void *b)
{
    const change *x = a, *y = b;
    return x->was.fact - y->was.fact;
}

/* What the statements in the journal have become: the facts whose
 * statement changed since it started, in the order of the facts, in a
 * new array of *n.  The journal is read, not the whole memory, so that
 * a turn costs what it changed and not what is known. */
static change *changes(const cr_session *s, int *n)
{
    int nj;
    const cr_statement *j = cr_wm_journal(s->wm, &nj);
    change *c = xcalloc((size_t)nj + 1, sizeof *c);
    *n = 0;
    for (int k = 0; k < nj; k++) {
        int i = j[k].fact;
        if (i == CR_FACT_INTENT)
            continue;
        const cr_factdecl *f = cr_kb_factdecl(s->kb, i);
        char *before = j[k].known ? cr_value_text(f, &j[k].value) : NULL;
        char *now = cr_wm_stated(s->wm, i)
                        ? cr_value_text(f, &cr_wm_get(s->wm, i)->value)
                        : NULL;
        if (same(before, now)) {
            free(before);
            free(now);
            continue;
        }
        change *x = &c[(*n)++];
        x->was = j[k];
        x->was.value = cr_value_copy(&j[k].value);
        x->was.words = j[k].words ? xstrdup(j[k].words) : NULL;
        x->before = before;
        x->now = now;
    }
    qsort(c, (size_t)*n, sizeof *c, by_fact);
    return c;
}

static void free_changes(change *c, int n)
{
    for (int k = 0; k < n; k++) {
        cr_value_free(&c[k].was.value);
        free(c[k].was.words);
        free(c[k].before);
        free(c[k].now);
    }
    free(c);
}

static void free_states(cr_statement *v, int n)
{
    for (int i = 0; i < n; i++) {
        cr_value_free(&v[i].value);
        free(v[i].words);
    }
    free(v);
}

/* Whether the n changes of a turn (at least one) all withdrew a fact. */
static int only_withdrawals(const change *c, int n)
{
    for (int k = 0; k < n; k++)
        if (c[k].now != NULL)
            return 0;
    return n > 0;
}

/* Remember how the facts the turn changed were before it, to take the
 * turn back. */
static void record_undo(cr_session *s, const change *c, int n)
{
    if (n == 0)
        return;
    undo u = {xcalloc((size_t)n, sizeof *u.v), n};
    for (int k = 0; k < n; k++) {
        u.v[k] = c[k].was;
        u.v[k].value = cr_value_copy(&c[k].was.value);
        u.v[k].words = c[k].was.words ? xstrdup(c[k].was.words) : NULL;
    }
    s->lastundo = (s->lastundo + 1) % UNDO_DEPTH;
    free_undo(&s->undos[s->lastundo]);
    s->undos[s->lastundo] = u;
    if (s->nundos < UNDO_DEPTH)
        s->nundos++;
}

/* Put back the facts as the last undo record has them, saying how in b
 * if b is not NULL, and drop the record. */
static int restore_last(cr_session *s, cr_buf *b)
{
    undo *u = &s->undos[s->lastundo];
    int n = u->n;
    for (int k = 0; k < u->n; k++) {
        const cr_statement *st = &u->v[k];
        const cr_factdecl *f = cr_kb_factdecl(s->kb, st->fact);
        if (b) {
            const cr_fact *cur = cr_wm_stated(s->wm, st->fact)
                                     ? cr_wm_get(s->wm, st->fact) : NULL;
            char *now = cur ? cr_value_text(f, &cur->value) : NULL;
            char *then = st->known ? cr_value_text(f, &st->value) : NULL;
            cr_buf_puts(b, b->len ? "; " : "Taken back: ");
            if (then == NULL)
                cr_buf_printf(b, "%s = %s withdrawn", f->name, now);
            else if (now == NULL)
                cr_buf_printf(b, "%s = %s again", f->name, then);
            else
                cr_buf_printf(b, "%s %s → %s", f->name, now, then);
            free(now);
            free(then);
        }
        if (st->known)
            cr_wm_set(s->wm, st->fact, &st->value, st->source, st->turn,
                      st->words, -1, st->cf);
        else
            cr_wm_unset(s->wm, st->fact);
    }
    free_undo(u);
    s->lastundo = (s->lastundo + UNDO_DEPTH - 1) % UNDO_DEPTH;
    s->nundos--;
    return n;
}

char *cr_session_undo(cr_session *s, cr_diag *d)
{
    if (s->nundos == 0) {
        cr_diag_add(d, CR_ERROR, NULL, 0, 0, "nothing to undo: none of your "
                    "messages has changed what I know (since the start, "
                    "or the last reset or reload)");
        return NULL;
    }
    cr_buf b = {0};
    restore_last(s, &b);
    cr_buf_puts(&b, ".\n");
    s->reco = CR_RECO_NONE;
    if (cr_session_settle(s, d) < 0) {
        cr_buf_free(&b);
        return NULL;
    }
    return cr_buf_take(&b);
}

/* A question that nothing fits well enough, from someone who has said
 * who they are, is read as the question the recommendations answer
 * when the classifier leans that way at all ("would a PhD help me get
 * into that?" after "I'm getting into AI infrastructure"): in a
 * conversation about the choice, a vague question is most often the
 * choice itself.  NULL otherwise. */
#define CONTEXT_MIN 0.15

static const cr_intent *decision_reading(const cr_kb *kb,
                                         const cr_choice *ch)
{
    const char *id = cr_kb_decision_intent(kb);
    if (id == NULL || ch->ntop == 0 || ch->top[0].p < CONTEXT_MIN)
        return NULL;
    const cr_intent *in = cr_kb_intentdef(kb, ch->top[0].intent);
    return strcmp(in->id, id) == 0 ? in : NULL;
}

/* Whether a question nothing answers is, by the classifier's best
 * guess, one of those the essay does not cover: then it is declined,
 * not looked up in the essay, whose nearest passage would only share
 * some words with it. */
static int nearest_declines(const cr_kb *kb, const cr_choice *ch)
{
    return ch->ntop > 0 && ch->pattern < 0 &&
           cr_kb_intentdef(kb, ch->top[0].intent)->out_of_scope;
}

/* The recommendation the rules make for intent on what is known now,
 * found by a run that leaves no trace: the intent is unset again after
 * it. */
static cr_reco reco_for(cr_session *s, const cr_intent *in, cr_diag *d)
{
    cr_value v = {0, in->id};
    cr_wm_set(s->wm, CR_FACT_INTENT, &v, CR_SRC_ANSWER, s->turn, in->id, -1,
              1.0);
    cr_run run = {0};
    cr_reco r = fire(s, &run, d) == 0 ? run.reco : CR_RECO_NONE;
    cr_run_free(&run);
    cr_wm_unset(s->wm, CR_FACT_INTENT);
    return r;
}

static const char *reco_words(cr_reco r)
{
    return r == CR_RECO_PHD ? "a PhD" : r == CR_RECO_INDUSTRY ? "industry"
                                                              : "either path";
}

/* The turn's changes into a: the triples, and a line of text that
 * says them ("Noted: goal = startup (was academia)."), with what became
 * of the last recommendation, was, which would now be then. */
static void note_changes(const cr_session *s, const change *ch, int n,
                         cr_reco was, cr_reco then, cr_answer *a)
{
    cr_buf line = {0};
    for (int k = 0; k < n; k++) {
        const char *before = ch[k].before, *now = ch[k].now;
        const char *name = cr_kb_factdecl(s->kb, ch[k].was.fact)->name;
        a->changed = xreallocarray(a->changed, 3 * ((size_t)a->nchanged + 1),
                                   sizeof *a->changed);
        char **c = a->changed + 3 * a->nchanged++;
        c[0] = xstrdup(name);
        c[1] = before ? xstrdup(before) : NULL;
        c[2] = now ? xstrdup(now) : NULL;
        cr_buf_puts(&line, line.len ? "; " : "Noted: ");
        if (now == NULL)
            cr_buf_printf(&line, "withdrawn %s = %s", name, before);
        else if (before == NULL)
            cr_buf_printf(&line, "%s = %s", name, now);
        else
            cr_buf_printf(&line, "%s %s → %s", name, before, now);
    }
    if (line.len && was != then && then == CR_RECO_NONE)
        cr_buf_printf(&line, "; withdrawn: the recommendation of %s",
                      reco_words(was));
    else if (line.len && was != then)
        cr_buf_printf(&line, "; recommendation: %s → %s",
                      reco_words(was), reco_words(then));
    if (line.len) {
        cr_buf_printf(&line, ".%s%s", a->kind == CR_ANSWER_NOTED ? " "
                                                                  : "\n\n",
                      a->text);
        free(a->text);
        a->text = cr_buf_take(&line);
    }
    cr_buf_free(&line);
}

/* The length of the word of list at p, or 0. */
static size_t word_of(const char *p, const char *const *list, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        size_t len = strlen(list[k]);
        if (strncasecmp(p, list[k], len) == 0 &&
            !isalpha((unsigned char)p[len]))
            return len;
    }
    return 0;
}

/* p moved past any run of the n fillers and of the bytes of seps. */
static const char *skip_fillers(const char *p, const char *const *fillers,
                                size_t n, const char *seps)
{
    for (size_t k;; p += k) {
        k = *p && strchr(seps, *p) ? 1 : word_of(p, fillers, n);
        if (k == 0)
            return p;
    }
}

/* Whether text asks something: a '?', or a sentence that opens the way
 * questions do ("do I need ...", "how much ...", "should I ..."), after
 * any fillers ("so do I need ...", "ok but how ..."). */
static int asks(const char *text)
{
    static const char *const openers[] = {
        "do", "does", "did", "is", "are", "am", "was", "should", "would",
        "could", "can", "will", "how", "what", "why", "which", "when",
        "where", "who", "whether", "any", "tell", "help", "advice",
    };
    static const char *const fillers[] = {
        "so", "ok", "okay", "well", "and", "but", "then", "hmm", "right",
        "alright", "now", "also", "still", "anyway", "btw", "thanks",
    };
    if (strchr(text, '?'))
        return 1;
    const char *p = text;
    while (*p) {
        p = skip_fillers(p, fillers, sizeof fillers / sizeof *fillers, " ,");
        if (word_of(p, openers, sizeof openers / sizeof *openers))
            return 1;
        p += strcspn(p, ".!;");
        if (*p)
            p++;
    }
    return 0;
}

/* Whether text opens, after any fillers ("oh wait, sorry,"), with one
 * of the n phrases, which ends its clause. */
static int opens_with(const char *text, const char *const *phrases,
                      size_t n)
{
    static const char *const fillers[] = {
        "oh", "sorry", "wait", "actually", "no", "nope", "ok", "okay",
        "hmm", "um", "uh", "well", "oops", "so", "hold on", "err", "hey",
        "and", "now", "btw", "remind me",
    };
    const char *p = skip_fillers(text, fillers,
                                 sizeof fillers / sizeof *fillers, " ,.!");
    for (size_t i = 0; i < n; i++) {
        size_t k = word_of(p, phrases + i, 1);
        const char *e = p + k;
        while (k && *e == ' ')
            e++;
        if (k && (*e == '\0' || strchr(",.;:!?-", *e)))
            return 1;
    }
    return 0;
}

/* Whether text opens by taking back the user's last message as a whole
 * ("scratch that", "oh wait, forget what I just said: I want a
 * startup").  "Forget what I said about my kids" names what it takes
 * back, which is the extractors' to read (cr_extract). */
static int takes_back(const char *text)
{
    static const char *const phrases[] = {
        "scratch that", "scratch what i said", "scratch what i just said",
        "forget that", "forget it", "forget what i said",
        "forget what i just said", "forget my last message",
        "ignore that", "ignore what i said", "ignore what i just said",
        "ignore my last message", "disregard that", "disregard what i said",
        "disregard what i just said", "disregard my last message",
        "i take that back", "i take it back", "take that back",
        "strike that", "cancel that", "undo that", "never mind that",
        "never mind what i said", "never mind what i just said",
        "nevermind that", "nevermind what i said", "i didn't mean that",
        "i did not mean that", "that was wrong", "that's wrong",
        "that is wrong", "that's not true", "that's not right",
        "not true", "my bad",
    };
    return opens_with(text, phrases, sizeof phrases / sizeof *phrases);
}

/* What separates the words of a message for elliptical and about_self. */
static const char word_seps[] = " ,.!?;:-()\"";

/* The next word at *p, which is moved past it, and its length in *k;
 * NULL when no word is left. */
static const char *next_word(const char **p, size_t *k)
{
    *p += strspn(*p, word_seps);
    *k = strcspn(*p, word_seps);
    if (*k == 0)
        return NULL;
    const char *w = *p;
    *p += *k;
    return w;
}

/* Whether text is a bare follow-up that names nothing ("what matters
 * more?", "which is better?", "a or b?"): a few words, each of them one
 * that asks or compares. */
static int elliptical(const char *text)
{
    static const char *const words[] = {
        "which", "what", "what's", "whats", "who", "one", "ones", "of",
        "them", "these", "those", "the", "two", "both", "should", "would",
        "could", "is", "are", "matters", "matter", "counts", "count",
        "more", "most", "better", "best", "important", "pick", "choose",
        "take", "go", "with", "i", "you", "then", "so", "and", "but", "ok",
        "okay", "well", "in", "your", "opinion", "really", "think",
        "option", "options", "a", "b", "or", "between", "first", "second",
        "other", "it", "weighs", "heavier", "now",
    };
    int n = 0;
    size_t k;
    for (const char *p = text, *w; (w = next_word(&p, &k)) != NULL;)
        if (!cr_word_listed(w, k, words, sizeof words / sizeof *words) ||
            ++n > 7)
            return 0;
    return n > 0;
}

/* Whether text speaks of the user ("I", "my", "me") without asking for
 * anything in words ("I want to know about visas", "tell me about ..."
 * ask): something said in passing, such as "I don't want to be a
 * professor" or "my dog is cute". */
static int about_self(const char *text)
{
    static const char *const self[] = {
        "i", "i'm", "im", "i've", "ive", "i'd", "id", "my", "me", "myself",
    };
    static const char *const asking[] = {
        "know", "help", "advice", "advise", "wonder", "wondering", "curious",
        "tell", "explain", "question", "questions", "recommend", "suggest",
    };
    int mine = 0;
    size_t k;
    for (const char *p = text, *w; (w = next_word(&p, &k)) != NULL;) {
        if (cr_word_listed(w, k, asking, sizeof asking / sizeof *asking))
            return 0;
        mine = mine || cr_word_listed(w, k, self, sizeof self / sizeof *self);
    }
    return mine;
}

/* Whether text asks what the user has told ("what do you know about
 * me?"): the answer is those facts, not the essay. */
static int recalls(const char *text)
{
    static const char *const phrases[] = {
        "what do you know about me", "what do you know about me so far",
        "what do you know so far", "what do you remember",
        "what do you remember about me", "what have i told you",
        "what have i told you so far", "what did i tell you",
        "what did i tell you about me", "what did i say", "what i said",
        "what i told you", "what have i said", "what have i said so far",
        "what have you noted", "what did you note",
        "what do you have on me", "what facts do you have",
        "what facts do you have about me", "what do you think you know",
        "what do you think you know about me", "who am i",
        "tell me what you know about me", "summarize what i told you",
        "summarise what i told you", "what's my situation",
        "what is my situation", "what do you know about my situation",
    };
    return opens_with(text, phrases, sizeof phrases / sizeof *phrases);
}

int cr_session_ask(cr_session *s, const char *question, size_t len,
                   cr_answer **out, cr_diag *d)
{
    double turn0 = now_ms();
    int errors = cr_diag_errors(d);
    char **corr;
    int ncorr;
    char *asked = cr_normalise(question, len);
    char *text = correct(s->kb, cr_phd_dots(xstrdup(asked)), &corr, &ncorr);
    s->turn++;
    cr_wm_journal_start(s->wm);
    int stated = takes_back(text) && s->nundos > 0 ? restore_last(s, NULL)
                                                   : 0;
    stated += cr_extract(s->kb, text, s->wm, s->turn, d);
    int nchanged;
    change *changed = changes(s, &nchanged);
    const char *intent = NULL, *declined = NULL;
    if (cr_diag_errors(d) > errors)     /* a pattern gave up: no turn */
        goto failed;
    cr_wm_unset(s->wm, CR_FACT_INTENT);
    /* What the last recommendation would be now. */
    cr_reco reco_was = s->reco, then = s->reco;
    if (stated > 0 && s->reco != CR_RECO_NONE)
        then = reco_for(s, s->reco_in, d);
    /* "What do you know about me?" is answered from the facts: no
     * intent is looked for. */
    int recall = stated == 0 && recalls(text);
    cr_choice ch = {.intent = -1, .pattern = -1};
    if (!recall)
        cr_choose(s->kb, text, &ch, d);
    const cr_intent *in = ch.intent >= 0 ? cr_kb_intentdef(s->kb, ch.intent)
                                         : NULL;
    /* A statement that asks nothing is small talk when a pattern of
     * small talk matched ("Hi! I'm finishing my master's."); about
     * oneself, it is noted, not taken for a question the classifier
     * guessed (a pattern that matched still answers). */
    const cr_intent *pat = ch.pattern >= 0 ? cr_kb_intentdef(s->kb, ch.pattern)
                                           : NULL;
    int asking = asks(text);
    if (!asking && pat && strncmp(pat->id, "chat.", 5) == 0)
        in = pat;
    else if (!in && asking && cr_wm_nstated(s->wm) > 0)
        in = decision_reading(s->kb, &ch);
    else if (in && stated > 0 && !asking && ch.pattern != ch.intent &&
             strncmp(in->id, "chat.", 5) != 0)
        in = NULL;
    /* A bare follow-up that nothing answers on its own asks again about
     * the last topic: "what matters more?" after the choice of a school
     * or an advisor.  Naming nothing, it is out of no scope either. */
    if ((!in || in->out_of_scope) && !stated && asking && s->topic_in &&
        elliptical(text))
        in = s->topic_in;
    /* Said of oneself in passing, with nothing to note and no topic of
     * its own: acknowledged, not declined as if it were a question. */
    int aside = !asking && !stated && !recall && !in && about_self(text);
    if (in && in->out_of_scope) {
        declined = in->topic ? in->topic : in->id;
    } else if (!in && !stated && !aside && nearest_declines(s->kb, &ch)) {
        declined = "";
    } else if (in) {
        cr_value v = {0, in->id};
        char *words = xstrndup(text + ch.start, ch.end - ch.start);
        cr_wm_set(s->wm, CR_FACT_INTENT, &v, CR_SRC_USER, s->turn, words,
                  -1, 1.0);
        free(words);
        intent = in->id;
    }
    run_rules(s, d);
    cr_run *run = &s->last;
    if (cr_diag_errors(d) > errors)
        goto failed;
    cr_compose_ctx cx = {s->kb, s->corpus, s->index, s->wm, run,
                         MIN_RELEVANCE, declined, stated, ch.suggest,
                         ch.nsuggest, !s->quiet_facts || recall,
                         recall, only_withdrawals(changed, nchanged), aside};
    *out = cr_answer_compose(&cx, text, intent);
    (*out)->corrections = corr;
    (*out)->ncorrections = ncorr;
    (*out)->ranking = recall ? NULL : ranking_text(s->kb, &ch);
    if ((*out)->reco != CR_RECO_NONE && in) {
        s->reco_in = in;
        s->reco = (*out)->reco;
    } else {
        s->reco = then;         /* what became of it is said once */
    }
    if (in || declined)         /* a topic, or none to follow up on */
        s->topic_in = in && !declined && (*out)->reco == CR_RECO_NONE &&
                              strncmp(in->id, "chat.", 5) != 0
                          ? in : NULL;
    note_changes(s, changed, nchanged, reco_was, then, *out);
    record_undo(s, changed, nchanged);
    free_changes(changed, nchanged);
    free((*out)->question);
    (*out)->question = asked;     /* as typed; the answer read text */
    free(text);
    s->stats.turn_ms = now_ms() - turn0;
    return 0;
failed:
    for (int i = 0; i < 2 * ncorr; i++)
        free(corr[i]);
    free(corr);
    free(text);
    free(asked);
    free_changes(changed, nchanged);
    return -1;
}

void cr_session_stats_get(const cr_session *s, cr_session_stats *st)
{
    *st = s->stats;
}

char *cr_session_explain(const cr_session *s)
{
    return cr_engine_explain(s->engine, &s->last);
}

/* The index of the fact called name, or -1 with the reason in d. */
static int fact_named(const cr_session *s, const char *name, cr_diag *d)
{
    int i = cr_kb_fact(s->kb, name);
    if (i < 0)
        cr_diag_add(d, CR_ERROR, NULL, 0, 0, "no fact '%s'", name);
    return i;
}

char *cr_session_how(const cr_session *s, const char *fact, cr_diag *d)
{
    int i = fact_named(s, fact, d);
    return i < 0 ? NULL : cr_engine_how(s->engine, i);
}

char *cr_session_why(const cr_session *s, const char *fact, cr_diag *d)
{
    int i = fact_named(s, fact, d);
    return i < 0 ? NULL : cr_engine_why(s->engine, i);
}

char *cr_session_why_not(const cr_session *s, const char *rule, cr_diag *d)
{
    int i = cr_kb_rule(s->kb, rule);
    if (i < 0) {
        cr_diag_add(d, CR_ERROR, NULL, 0, 0, "no rule '%s'", rule);
        return NULL;
    }
    return cr_engine_why_not(s->engine, i);
}

/* For the guided consultation (consult.c): its questions are turns
 * without words. */

cr_wm *cr_session_wm(const cr_session *s)
{
    return s->wm;
}

const cr_engine *cr_session_engine(const cr_session *s)
{
    return s->engine;
}

int cr_session_next_turn(cr_session *s)
{
    return ++s->turn;
}

/* The words that stand for intent in: its first example, else its
 * topic, else its id. */
static const char *intent_words(const cr_kb *kb, int i)
{
    int n;
    const cr_example *x = cr_kb_examples(kb, i, &n);
    const cr_intent *in = cr_kb_intentdef(kb, i);
    return n ? x[0].text : in->topic ? in->topic : in->id;
}

int cr_session_ask_intent(cr_session *s, const char *intent,
                          cr_answer **out, cr_diag *d)
{
    int i = intent ? cr_kb_intent(s->kb, intent) : -1;
    if (intent && i < 0) {
        cr_diag_add(d, CR_ERROR, NULL, 0, 0, "no intent '%s'", intent);
        return -1;
    }
    const cr_intent *in = i >= 0 ? cr_kb_intentdef(s->kb, i) : NULL;
    cr_wm_unset(s->wm, CR_FACT_INTENT);
    if (in) {
        cr_value v = {0, in->id};
        cr_wm_set(s->wm, CR_FACT_INTENT, &v, CR_SRC_ANSWER, s->turn,
                  intent_words(s->kb, i), -1, 1.0);
    }
    int errors = cr_diag_errors(d);
    run_rules(s, d);
    if (cr_diag_errors(d) > errors)
        return -1;
    if (out) {
        cr_compose_ctx cx = {s->kb, s->corpus, s->index, s->wm, &s->last,
                             MIN_RELEVANCE, NULL, 0, NULL, 0,
                             1 /* the consultation's verdict lists them */,
                             0, 0, 0};
        *out = cr_answer_compose(&cx, in ? intent_words(s->kb, i) : "",
                                 in ? in->id : NULL);
    }
    return 0;
}
