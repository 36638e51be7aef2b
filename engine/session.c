/* session.c - a conversation: the turn from text to answer. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "engine.h"
#include "loader.h"
#include "retrieval.h"
#include "session.h"
#include "understand.h"
#include "xmalloc.h"

/* bm25 relevance below which retrieval does not answer: set on the
 * development questions so that off-topic questions are declined. */
#define MIN_RELEVANCE 6.0

struct cr_session {
    cr_corpus *corpus;
    cr_index *index;
    cr_kb *kb;
    cr_engine *engine;
    cr_wm *wm;
    int turn;
    cr_run last;                /* the last turn's run, for explanations */
    cr_session_stats stats;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

cr_session *cr_session_new(const char *corpus_path,
                           const char *const *rule_paths, int npaths,
                           cr_diag *d)
{
    return cr_session_open(corpus_path, rule_paths, npaths, NULL, d);
}

/* The knowledge base: from the cache if it has it, else from the YAML
 * (and then into the cache, if it loaded cleanly). */
static cr_kb *load_kb(cr_session *s, const char *corpus_path,
                      const char *const *rule_paths, int npaths,
                      const char *cache_dir, cr_diag *d)
{
    cr_cache_key *key = NULL;
    if (cache_dir)      /* before any file is read: see cr_cache_save */
        key = cr_cache_key_new(corpus_path, rule_paths, npaths);
    cr_kb *kb = key ? cr_cache_load(cache_dir, key, s->corpus) : NULL;
    if (kb) {
        s->stats.cached = 1;
    } else {
        int before = cr_diag_len(d);
        kb = cr_kb_new();
        for (int i = 0; i < npaths; i++)
            cr_load_path(kb, rule_paths[i], d);
        cr_kb_finish(kb, s->corpus, d);
        if (key && cr_diag_len(d) == before)
            (void)cr_cache_save(cache_dir, key, kb);
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
    s->corpus = cr_corpus_load(corpus_path);
    if (s->corpus == NULL) {
        cr_diag_add(d, CR_ERROR, corpus_path, 0, 0,
                    "cannot read the essay: %s", strerror(errno));
        cr_session_free(s);
        return NULL;
    }
    double t1 = now_ms();
    s->kb = load_kb(s, corpus_path, rule_paths, npaths, cache_dir, d);
    s->stats.rules_ms = now_ms() - t1;
    if (cr_diag_errors(d) > 0) {
        cr_session_free(s);
        return NULL;
    }
    char *err = NULL;
    s->index = cr_index_new(s->corpus, &err);
    if (s->index == NULL) {
        cr_diag_add(d, CR_ERROR, NULL, 0, 0, "cannot index the essay: %s",
                    err ? err : "unknown error");
        free(err);
        cr_session_free(s);
        return NULL;
    }
    double t2 = now_ms();
    s->wm = cr_wm_new(s->kb);
    s->engine = cr_engine_new(s->kb, s->wm);
    s->stats.engine_ms = now_ms() - t2;
    s->stats.load_ms = now_ms() - t0;
    s->stats.rules = cr_kb_nrules(s->kb);
    s->stats.facts = cr_kb_nfacts(s->kb);
    return s;
}

void cr_session_free(cr_session *s)
{
    if (s == NULL)
        return;
    cr_run_free(&s->last);
    cr_engine_free(s->engine);
    cr_wm_free(s->wm);
    cr_index_free(s->index);
    cr_kb_free(s->kb);
    cr_corpus_free(s->corpus);
    free(s);
}

void cr_session_jit(cr_session *s)
{
    cr_kb_jit(s->kb);
}

const cr_corpus *cr_session_corpus(const cr_session *s)
{
    return s->corpus;
}

const cr_kb *cr_session_kb(const cr_session *s)
{
    return s->kb;
}

int cr_session_set(cr_session *s, const char *name, const char *value,
                   cr_diag *d)
{
    int i = cr_kb_fact(s->kb, name);
    if (i < 0 || i == CR_FACT_INTENT) {
        cr_diag_add(d, CR_ERROR, NULL, 0, 0, "no fact '%s'", name);
        return -1;
    }
    const cr_factdecl *f = cr_kb_factdecl(s->kb, i);
    cr_value v;
    if (!cr_value_parse(f, value, &v)) {
        cr_diag_add(d, CR_ERROR, NULL, 0, 0,
                    "'%s' is not a value of fact '%s'", value, name);
        return -1;
    }
    cr_wm_set(s->wm, i, &v, CR_SRC_FLAG, 0, NULL, -1, 1.0);
    cr_value_free(&v);
    return 0;
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

int cr_session_ask(cr_session *s, const char *question, size_t len,
                   cr_answer **out, cr_diag *d)
{
    double turn0 = now_ms();
    int errors = cr_diag_errors(d);
    char *text = cr_normalise(question, len);
    s->turn++;
    cr_extract(s->kb, text, s->wm, s->turn, d);
    cr_intent_hit hit;
    const char *intent = NULL, *declined = NULL;
    cr_wm_unset(s->wm, CR_FACT_INTENT);
    int matched = cr_classify(s->kb, text, &hit, 1, d) == 1;
    const cr_intent *in = matched ? cr_kb_intentdef(s->kb, hit.intent) : NULL;
    if (in && in->out_of_scope) {
        declined = in->topic ? in->topic : in->id;
    } else if (in) {
        cr_value v = {0, in->id};
        char *words = xstrndup(text + hit.start, hit.end - hit.start);
        cr_wm_set(s->wm, CR_FACT_INTENT, &v, CR_SRC_USER, s->turn, words,
                  -1, 1.0);
        free(words);
        intent = in->id;
    }
    double t0 = now_ms();
    cr_run_free(&s->last);
    cr_run *run = &s->last;
    int limit = CR_FIRING_LIMIT + CR_FIRINGS_PER_RULE * cr_kb_nrules(s->kb);
    if (cr_engine_run(s->engine, limit, run) < 0)
        loop_error(s, run, limit, d);
    s->stats.run_ms = now_ms() - t0;
    s->stats.fired = run->nfired;
    if (cr_diag_errors(d) > errors) {
        free(text);
        return -1;
    }
    cr_compose_ctx cx = {s->kb, s->corpus, s->index, s->wm, run,
                         MIN_RELEVANCE, declined};
    *out = cr_answer_compose(&cx, text, intent);
    free(text);
    s->stats.turn_ms = now_ms() - turn0;
    return 0;
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
