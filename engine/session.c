/* session.c - a conversation: the turn from text to answer. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
};

cr_session *cr_session_new(const char *corpus_path,
                           const char *const *rule_paths, int npaths,
                           cr_diag *d)
{
    cr_session *s = xcalloc(1, sizeof *s);
    s->corpus = cr_corpus_load(corpus_path);
    if (s->corpus == NULL) {
        cr_diag_add(d, CR_ERROR, corpus_path, 0, 0,
                    "cannot read the essay: %s", strerror(errno));
        cr_session_free(s);
        return NULL;
    }
    s->kb = cr_kb_new();
    for (int i = 0; i < npaths; i++)
        cr_load_path(s->kb, rule_paths[i], d);
    cr_kb_finish(s->kb, s->corpus, d);
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
    s->engine = cr_engine_new(s->kb);
    s->wm = cr_wm_new(s->kb);
    return s;
}

void cr_session_free(cr_session *s)
{
    if (s == NULL)
        return;
    cr_wm_free(s->wm);
    cr_engine_free(s->engine);
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

int cr_session_ask(cr_session *s, const char *question, size_t len,
                   cr_answer **out, cr_diag *d)
{
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
    cr_run run;
    if (cr_engine_run(s->engine, s->wm, CR_FIRING_LIMIT, &run) < 0)
        cr_diag_add(d, CR_ERROR, NULL, 0, 0,
                    "the rules fired more than %d times in one turn: a "
                    "loop? (last fired: %s)", CR_FIRING_LIMIT,
                    cr_kb_ruledef(s->kb, run.fired[run.nfired - 1])->id);
    if (cr_diag_errors(d) > errors) {
        cr_run_free(&run);
        free(text);
        return -1;
    }
    cr_compose_ctx cx = {s->kb, s->corpus, s->index, s->wm, &run,
                         MIN_RELEVANCE, declined};
    *out = cr_answer_compose(&cx, text, intent);
    cr_run_free(&run);
    free(text);
    return 0;
}
