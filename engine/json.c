/* json.c - the --json contract, built with jansson. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>

#include "json.h"
#include "xmalloc.h"

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *citations(const cr_answer *a)
{
    json_t *arr = json_array();
    for (int i = 0; i < a->ncites; i++) {
        const cr_citation *c = &a->cites[i];
        json_t *path = json_array();
        for (int k = 0; k < c->npath; k++)
            json_array_append_new(path, json_string(c->path[k]));
        json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:s}",
                                             "anchor", c->anchor,
                                             "heading", c->heading,
                                             "path", path,
                                             "quote", c->quote ? c->quote : ""));
    }
    return arr;
}

static json_t *facts(const cr_answer *a)
{
    json_t *obj = json_object();
    for (int i = 0; i < a->nfacts; i++) {
        const cr_answer_fact *f = &a->facts[i];
        json_t *v = f->type == CR_NUMBER ? json_real(f->num)
                    : f->type == CR_BOOL ? json_boolean(f->num != 0)
                                         : json_string(f->text);
        if (f->type == CR_NUMBER && f->num > -1e15 && f->num < 1e15 &&
            f->num == (double)(json_int_t)f->num)
            json_decref(v), v = json_integer((json_int_t)f->num);
        json_object_set_new(obj, f->name, v);
    }
    return obj;
}

/* A string for text; "" if text is not UTF-8, which JSON must be. */
static json_t *text_or_empty(const char *text)
{
    json_t *v = json_string(text);
    return v ? v : json_string("");
}

/* o as one line, and o released. */
static char *dump(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                JSON_REAL_PRECISION(3));
    json_decref(o);
    if (s == NULL)
        abort();                /* jansson fails only when out of memory */
    char *copy = xstrdup(s);
    free(s);
    return copy;
}

char *cr_json_question(const char *fact, const char *question,
                       const char *hint, const char *const *answers, int n)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, text_or_empty(answers[i]));
    json_t *o = json_object();
    json_object_set_new(o, "ask", text_or_empty(fact));
    json_object_set_new(o, "question", text_or_empty(question));
    json_object_set_new(o, "hint", text_or_empty(hint));
    json_object_set_new(o, "answers", arr);
    return dump(o);
}

char *cr_json_output(const char *command, const char *text)
{
    json_t *o = json_object();
    json_object_set_new(o, "command", text_or_empty(command));
    json_object_set_new(o, "output", text_or_empty(text));
    return dump(o);
}

char *cr_json_answer(const cr_answer *a)
{
    json_t *trace = json_array();
    for (int i = 0; i < a->ntrace; i++)
        json_array_append_new(trace, json_string(a->trace[i]));
    json_t *o = json_object();
    json_object_set_new(o, "question", json_string(a->question));
    json_object_set_new(o, "intent", str_or_null(a->intent));
    json_object_set_new(o, "answer", json_string(a->text));
    json_object_set_new(o, "recommendation",
                        str_or_null(cr_reco_name(a->reco)));
    json_object_set_new(o, "strength", a->reco ? json_real(a->strength)
                                               : json_null());
    json_object_set_new(o, "citations", citations(a));
    json_object_set_new(o, "facts", facts(a));
    json_object_set_new(o, "trace", trace);
    json_object_set_new(o, "ask", str_or_null(a->ask));
    json_t *changed = json_array();
    for (int i = 0; i < a->nchanged; i++) {
        char *const *c = a->changed + 3 * i;
        json_array_append_new(changed, json_pack("{s:s, s:o, s:o}", "fact", c[0],
                                                 "was", str_or_null(c[1]),
                                                 "now", str_or_null(c[2])));
    }
    json_object_set_new(o, "changed", changed);
    json_t *corr = json_array();
    for (int i = 0; i < a->ncorrections; i++)
        json_array_append_new(corr, json_pack("{s:o, s:o}", "from",
                                              text_or_empty(a->corrections[2 * i]),
                                              "to",
                                              text_or_empty(a->corrections[2 * i + 1])));
    json_object_set_new(o, "corrections", corr);
    if (a->kind == CR_ANSWER_NONE) {
        json_t *sug = json_array();
        for (int i = 0; i < a->nsuggest; i++)
            json_array_append_new(sug, json_pack("{s:s, s:s}", "intent",
                                                 a->suggest[i]->id, "topic",
                                                 a->suggest[i]->topic));
        json_object_set_new(o, "suggestions", sug);
    }
    if (a->ranking)
        json_object_set_new(o, "ranking", json_string(a->ranking));
    if (a->explanation)
        json_object_set_new(o, "explanation", json_string(a->explanation));
    return dump(o);
}
