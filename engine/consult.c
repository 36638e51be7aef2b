/* consult.c - the guided consultation: which question to ask next, the
 * user's replies, and the verdict.
 *
 * The goal.  A consultation asks what the recommendation rules (rules
 * that `recommend`) answer: the intent most of them test, which becomes
 * the fact `intent` for the whole interview, so the rules run as if the
 * user had asked "should I do a PhD?" after every answer.
 *
 * Which facts are still open.  A fact is open when it is unknown, was
 * not skipped, and could yet become known: it has a prompt (it is
 * askable), or a rule that concludes it is itself undecided.  Every
 * other fact is closed: its tests are judged on working memory as it
 * is, where an unknown fact fails a comparison and passes `missing`.
 *
 * Which rules are alive.  A condition is judged in Kleene's three-valued
 * logic: a test of an open fact is MAYBE, any other test YES or NO; all,
 * any and not combine them as usual.  A recommendation rule whose
 * condition is NO is dead (some test fails on what is known); YES, it
 * holds and has fired, and nothing can change that but a fact that is
 * closed; MAYBE, it is alive: some answer would make it fire or stop it.
 *
 * What a live rule needs.  Walking a live rule's condition down through
 * its MAYBE nodes reaches the tests that leave it undecided; their facts
 * are what it needs (a fact that rules conclude stands for what those
 * rules need in turn, followed once per fact).  The question asked next
 * is the askable fact needed by the most live recommendation rules,
 * ties going to the fact declared first: one answer then settles, or
 * kills, as many recommendations as it can.  When no live rule needs
 * anything, no answer could change the recommendation, and the
 * interview is over; so is it when no path could pass the one in the
 * lead even if every live rule fired (see contested).  The plan is made afresh for every question: it
 * costs a walk over the recommendation rules, a few dozen nodes.
 *
 * Replies.  A value is stated as the user's answer (CR_SRC_ANSWER) and
 * the rules run; skip closes the fact for this consultation; back pops
 * the history (an answer is withdrawn, truth maintenance undoing what
 * rested on it, or a skip forgotten), which puts working memory back as
 * it was, so the same question comes next again. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "consult.h"
#include "engine.h"
#include "facts.h"
#include "understand.h"
#include "xmalloc.h"

enum { NO, YES, MAYBE };                      /* three-valued truth */
enum { F_UNSEEN, F_BUSY, F_OPEN, F_CLOSED };  /* a fact, in a plan */

/* How many rules deep the plan follows conclusions to the facts they
 * rest on: bounds the recursion on long chains. */
#define MAX_CHAIN 100

typedef struct step {
    int fact;
    int skipped;                /* 1: skipped, 0: answered */
} step;

struct cr_consult {
    cr_session *s;
    const cr_kb *kb;
    cr_wm *wm;
    const char *intent;         /* the intent asked, or NULL */
    int nfacts;
    unsigned char *skipped;     /* per fact */
    unsigned char *state;       /* per fact, F_*: the plan's memo */
    unsigned *seen;             /* per fact: the walk that counted it */
    unsigned walk;
    int *need;                  /* per fact: live rules that need it */
    int *from, *concluders;     /* the rules that conclude fact f are
                                 * concluders[from[f] .. from[f + 1]) */
    int depth;                  /* of rules followed through conclusions */
    step *hist;                 /* answers and skips, oldest first */
    int nhist, caphist;
    int current;                /* the fact being asked, or -1 */
    char *hint;                 /* of the question last shown */
};

static const char *const yes_no[] = {"yes", "no"};

/* The plan: open facts, live rules, needs. */

static int askable(const cr_consult *c, int f)
{
    return f != CR_FACT_INTENT && cr_kb_factdecl(c->kb, f)->prompt != NULL;
}

static int is_leaf(cr_condkind k)
{
    return k == CR_COND_TEST || k == CR_COND_EXISTS || k == CR_COND_MISSING;
}

static int fact_open(cr_consult *c, int f);

static int eval3(cr_consult *c, const cr_cond *k)
{
    if (k == NULL)
        return YES;
    if (is_leaf(k->kind)) {
        if (k->fact >= 0 && fact_open(c, k->fact))
            return MAYBE;
        return cr_cond_holds(c->kb, k, c->wm) ? YES : NO;
    }
    int count[3] = {0, 0, 0};
    for (int i = 0; i < k->nkids; i++)
        count[eval3(c, k->kids[i])]++;
    switch (k->kind) {
    case CR_COND_ALL:
        return count[NO] ? NO : count[MAYBE] ? MAYBE : YES;
    case CR_COND_ANY:
        return count[YES] ? YES : count[MAYBE] ? MAYBE : NO;
    default:                    /* not: none of its kids holds */
        return count[YES] ? NO : count[MAYBE] ? MAYBE : YES;
    }
}

/* Index the rules by the facts they conclude (a rule concluding a fact
 * twice is listed twice, which does no harm). */
static void index_concluders(cr_consult *c)
{
    int nrules = cr_kb_nrules(c->kb), total = 0;
    c->from = xcalloc((size_t)c->nfacts + 2, sizeof *c->from);
    for (int i = 0; i < nrules; i++) {
        const cr_rule *r = cr_kb_ruledef(c->kb, i);
        for (int k = 0; k < r->nasserts; k++)
            if (r->asserts[k].fact >= 0) {
                c->from[r->asserts[k].fact + 1]++;
                total++;
            }
    }
    for (int f = 0; f < c->nfacts; f++)
        c->from[f + 1] += c->from[f];
    int *fill = xcalloc((size_t)c->nfacts + 1, sizeof *fill);
    c->concluders = xcalloc((size_t)total + 1, sizeof *c->concluders);
    for (int i = 0; i < nrules; i++) {
        const cr_rule *r = cr_kb_ruledef(c->kb, i);
        for (int k = 0; k < r->nasserts; k++) {
            int f = r->asserts[k].fact;
            if (f >= 0)
                c->concluders[c->from[f] + fill[f]++] = i;
        }
    }
    free(fill);
}

/* Whether some rule that concludes f is undecided.  Past MAX_CHAIN rules
 * deep, conclusions are not followed: such facts count as closed. */
static int derivable(cr_consult *c, int f)
{
    if (c->depth == MAX_CHAIN)
        return 0;
    c->depth++;
    int found = 0;
    for (int k = c->from[f]; k < c->from[f + 1] && !found; k++)
        found = eval3(c, cr_kb_ruledef(c->kb, c->concluders[k])->when) ==
                MAYBE;
    c->depth--;
    return found;
}

/* A fact met again while deciding whether it is open (rules concluding
 * each other in a circle) counts as closed. */
static int fact_open(cr_consult *c, int f)
{
    if (c->state[f] == F_UNSEEN) {
        c->state[f] = F_BUSY;
        int open = f != CR_FACT_INTENT && !c->skipped[f] &&
                   cr_wm_get(c->wm, f) == NULL &&
                   (askable(c, f) || derivable(c, f));
        c->state[f] = open ? F_OPEN : F_CLOSED;
    }
    return c->state[f] == F_OPEN;
}

static void collect(cr_consult *c, const cr_cond *k);

/* The rule being walked needs fact f: count it once, or what the rules
 * that would conclude it need. */
static void note(cr_consult *c, int f)
{
    if (f < 0 || c->seen[f] == c->walk)
        return;
    c->seen[f] = c->walk;
    if (askable(c, f)) {
        c->need[f]++;
        return;
    }
    if (c->depth == MAX_CHAIN)
        return;
    c->depth++;
    for (int k = c->from[f]; k < c->from[f + 1]; k++)
        collect(c, cr_kb_ruledef(c->kb, c->concluders[k])->when);
    c->depth--;
}

/* The facts whose tests leave k undecided. */
static void collect(cr_consult *c, const cr_cond *k)
{
    if (k == NULL || eval3(c, k) != MAYBE)
        return;
    if (is_leaf(k->kind)) {
        note(c, k->fact);
        return;
    }
    for (int i = 0; i < k->nkids; i++)
        collect(c, k->kids[i]);
}

/* Could any answer still change which path is recommended?  The rules
 * that hold have fired and stay; the live ones could all fire at their
 * full confidence at best.  If no other path could then pass the one in
 * the lead, answers could only make it more certain. */
static int contested(cr_consult *c)
{
    double now[4] = {0}, best[4] = {0};
    for (int i = 0; i < cr_kb_nrules(c->kb); i++) {
        const cr_rule *r = cr_kb_ruledef(c->kb, i);
        if (r->reco == CR_RECO_NONE)
            continue;
        int t = eval3(c, r->when);
        if (t == YES)
            now[r->reco] = cr_cf_combine(now[r->reco], r->confidence);
        if (t != NO)
            best[r->reco] = cr_cf_combine(best[r->reco], r->confidence);
    }
    int lead = CR_RECO_NONE;
    for (int k = CR_RECO_PHD; k <= CR_RECO_EITHER; k++)
        if (now[k] > now[lead])
            lead = k;
    if (lead == CR_RECO_NONE)
        return 1;
    for (int k = CR_RECO_PHD; k <= CR_RECO_EITHER; k++)
        if (k != lead && best[k] > now[lead])
            return 1;
    return 0;
}

static void plan(cr_consult *c)
{
    memset(c->state, F_UNSEEN, (size_t)c->nfacts);
    memset(c->need, 0, (size_t)c->nfacts * sizeof *c->need);
    if (!contested(c))
        return;
    for (int i = 0; i < cr_kb_nrules(c->kb); i++) {
        const cr_rule *r = cr_kb_ruledef(c->kb, i);
        if (r->reco == CR_RECO_NONE || eval3(c, r->when) != MAYBE)
            continue;
        c->walk++;
        collect(c, r->when);
    }
}

/* The fact to ask, by the plan: the current question while it is still
 * needed, else the most needed fact, or -1. */
static int choose(cr_consult *c)
{
    if (c->current >= 0 && c->need[c->current] > 0 &&
        fact_open(c, c->current))
        return c->current;
    int best = -1;
    for (int f = 0; f < c->nfacts; f++)
        if (c->need[f] > 0 && (best < 0 || c->need[f] > c->need[best]))
            best = f;
    return best;
}


/* Life cycle. */

static int rerun(cr_consult *c, cr_diag *d)
{
    return cr_session_ask_intent(c->s, c->intent, NULL, d);
}

cr_consult *cr_consult_new(cr_session *s, cr_diag *d)
{
    cr_consult *c = xcalloc(1, sizeof *c);
    c->s = s;
    c->kb = cr_session_kb(s);
    c->wm = cr_session_wm(s);
    c->nfacts = cr_kb_nfacts(c->kb);
    c->intent = cr_kb_decision_intent(c->kb);
    c->skipped = xcalloc((size_t)c->nfacts + 1, 1);
    c->state = xcalloc((size_t)c->nfacts + 1, 1);
    c->seen = xcalloc((size_t)c->nfacts + 1, sizeof *c->seen);
    c->need = xcalloc((size_t)c->nfacts + 1, sizeof *c->need);
    c->current = -1;
    index_concluders(c);
    cr_session_next_turn(s);
    if (rerun(c, d) < 0) {
        cr_consult_free(c);
        return NULL;
    }
    return c;
}

void cr_consult_free(cr_consult *c)
{
    if (c == NULL)
        return;
    free(c->skipped);
    free(c->state);
    free(c->seen);
    free(c->need);
    free(c->from);
    free(c->concluders);
    free(c->hist);
    free(c->hint);
    free(c);
}

/* Questions. */

static char *make_hint(const cr_factdecl *f)
{
    if (f->type == CR_BOOL)
        return xstrdup("yes or no");
    if (f->type == CR_NUMBER)
        return xstrdup("a number");
    if (f->type == CR_STRING || f->nchoices == 0)
        return xstrdup("any words");
    cr_buf b = {0};
    if (f->nchoices > 2)
        cr_buf_puts(&b, "one of: ");
    for (int i = 0; i < f->nchoices; i++)
        cr_buf_printf(&b, "%s%s", i == 0 ? ""
                                  : i == f->nchoices - 1 ? " or " : ", ",
                      f->choices[i]);
    return cr_buf_take(&b);
}

int cr_consult_next(cr_consult *c, cr_question *q)
{
    plan(c);
    c->current = choose(c);
    memset(q, 0, sizeof *q);
    if (c->current < 0)
        return 0;
    const cr_factdecl *f = cr_kb_factdecl(c->kb, c->current);
    q->fact = c->current;
    q->name = f->name;
    q->text = f->prompt;
    q->type = f->type;
    if (f->type == CR_CHOICE) {
        q->choices = (const char *const *)f->choices;
        q->nchoices = f->nchoices;
    } else if (f->type == CR_BOOL) {
        q->choices = yes_no;
        q->nchoices = 2;
    }
    free(c->hint);
    c->hint = make_hint(f);
    q->hint = c->hint;
    q->nrules = c->need[c->current];
    return 1;
}

/* Replies. */

/* Parse word as a value of fact f; 0 with the reason in d if it is not
 * one. */
static int parse_reply(const cr_consult *c, const cr_factdecl *f,
                       const char *word, cr_value *v, cr_diag *d)
{
    if (*word && f->type == CR_CHOICE) {
        cr_buf amb = {0};
        int i = cr_choice_pick(f, word, &amb);
        if (i == -2)
            cr_diag_add(d, CR_ERROR, NULL, 0, 0, "'%s' could be %s: type "
                        "more of it", word, amb.s);
        cr_buf_free(&amb);
        if (i >= 0) {
            *v = (cr_value){0, xstrdup(f->choices[i])};
            return 1;
        }
        if (i == -2)
            return 0;
    } else if (*word && f->type == CR_NUMBER && cr_value_parse(f, word, v)) {
        if (v->num >= 0)
            return 1;
        cr_diag_add(d, CR_ERROR, NULL, 0, 0, "%s must be 0 or more: answer "
                    "%s, or why, skip or back", f->name,
                    c->hint ? c->hint : "");
        return 0;
    } else if (*word && cr_value_parse(f, word, v)) {
        return 1;
    }
    if (*word)
        cr_diag_add(d, CR_ERROR, NULL, 0, 0, "'%s' is not an answer to this "
                    "question: answer %s, or why, skip or back", word,
                    c->hint ? c->hint : "");
    else
        cr_diag_add(d, CR_ERROR, NULL, 0, 0, "no answer: answer %s, or why, "
                    "skip or back", c->hint ? c->hint : "");
    return 0;
}

static void push_step(cr_consult *c, int fact, int skipped)
{
    if (c->nhist == c->caphist) {
        c->caphist = c->caphist ? 2 * c->caphist : 8;
        c->hist = xreallocarray(c->hist, (size_t)c->caphist,
                                sizeof *c->hist);
    }
    c->hist[c->nhist++] = (step){fact, skipped};
}

static cr_consult_status take(cr_consult *c, int fact, const char *word,
                              cr_diag *d)
{
    cr_value v;
    if (!parse_reply(c, cr_kb_factdecl(c->kb, fact), word, &v, d))
        return CR_CONSULT_ERROR;
    int turn = cr_session_next_turn(c->s);
    cr_wm_set(c->wm, fact, &v, CR_SRC_ANSWER, turn, word, -1, 1.0);
    cr_value_free(&v);
    push_step(c, fact, 0);
    c->current = -1;
    return rerun(c, d) < 0 ? CR_CONSULT_ERROR : CR_CONSULT_ANSWERED;
}

static cr_consult_status go_back(cr_consult *c, cr_diag *d)
{
    if (c->nhist == 0) {
        cr_diag_add(d, CR_ERROR, NULL, 0, 0,
                    "there is no earlier answer to go back to");
        return CR_CONSULT_ERROR;
    }
    step st = c->hist[--c->nhist];
    c->current = st.fact;
    if (st.skipped) {
        c->skipped[st.fact] = 0;
        return CR_CONSULT_BACK;
    }
    cr_wm_unset(c->wm, st.fact);
    return rerun(c, d) < 0 ? CR_CONSULT_ERROR : CR_CONSULT_BACK;
}

/* The reply as a word: normalised (no escapes, no runs of space), and
 * without the punctuation that may end it. */
static char *reply_word(const char *text)
{
    char *w = cr_normalise(text, strlen(text));
    size_t n = strlen(w);
    while (n > 0 && strchr("?.!", w[n - 1]))
        w[--n] = '\0';
    while (n > 0 && w[n - 1] == ' ')
        w[--n] = '\0';
    return w;
}

static int is_word(const char *w, const char *command)
{
    return strcasecmp(w, command) == 0;
}

static cr_consult_status reply(cr_consult *c, const char *w, cr_diag *d)
{
    if (is_word(w, "back"))
        return go_back(c, d);
    cr_question q;
    if (!cr_consult_next(c, &q)) {
        cr_diag_add(d, CR_ERROR, NULL, 0, 0, "nothing is being asked: I "
                    "have what I need for a verdict");
        return CR_CONSULT_ERROR;
    }
    if (is_word(w, "why"))
        return CR_CONSULT_WHY;
    if (is_word(w, "skip")) {
        c->skipped[q.fact] = 1;
        push_step(c, q.fact, 1);
        c->current = -1;
        return CR_CONSULT_SKIPPED;
    }
    return take(c, q.fact, w, d);
}

cr_consult_status cr_consult_answer(cr_consult *c, const char *text,
                                    cr_diag *d)
{
    char *w = reply_word(text);
    cr_consult_status st = reply(c, w, d);
    free(w);
    return st;
}

char *cr_consult_why(cr_consult *c)
{
    cr_question q;
    if (!cr_consult_next(c, &q))
        return xstrdup("Nothing is being asked: I have what I need for a "
                       "verdict.\n");
    unsigned char *open = xcalloc((size_t)c->nfacts + 1, 1);
    for (int f = 0; f < c->nfacts; f++)
        open[f] = (unsigned char)fact_open(c, f);
    char *s = cr_engine_why_open(cr_session_engine(c->s), q.fact, open);
    free(open);
    return s;
}

/* The verdict. */

cr_answer *cr_consult_conclude(cr_consult *c, cr_diag *d)
{
    cr_answer *a = NULL;
    if (cr_session_ask_intent(c->s, c->intent, &a, d) < 0)
        return NULL;
    return a;
}

char *cr_consult_how(const cr_consult *c)
{
    return cr_session_explain(c->s);
}

static const char *reco_words(cr_reco r)
{
    return r == CR_RECO_PHD ? "a PhD" : r == CR_RECO_INDUSTRY ? "industry"
                                                             : "either path";
}

static void put_reasons(cr_buf *out, const cr_answer *a, int width,
                        const char *bold, const char *off)
{
    if (a->kind != CR_ANSWER_RULES)
        return;
    cr_buf_printf(out, "\n%sWhy:%s\n", bold, off);
    const char *p = a->text;
    while (*p) {
        const char *end = strstr(p, "\n\n");
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char *para = xstrndup(p, n);
        size_t at = out->len;
        cr_text_wrap(out, para, width, "    ");
        if (out->len >= at + 4)
            memcpy(out->s + at, "  - ", 4);     /* a hanging indent */
        free(para);
        p += n + (end ? 2 : 0);
    }
}

static void put_stated(cr_buf *out, const cr_answer *a, int width,
                       const char *bold, const char *off)
{
    cr_buf line = {0};
    int n = 0;
    for (int i = 0; i < a->nfacts; i++) {
        const cr_answer_fact *f = &a->facts[i];
        if (f->source == CR_SRC_RULE)
            continue;
        cr_buf_printf(&line, "%s%s = %s (%s)", n++ ? ", " : "", f->name,
                      f->text, f->source == CR_SRC_ANSWER ? "you answered"
                               : f->source == CR_SRC_FLAG ? "you set it"
                                                          : "you said");
    }
    if (n > 0) {
        cr_buf_printf(out, "\n%sWhat I went on:%s\n", bold, off);
        cr_text_wrap(out, line.s, width, "  ");
    }
    cr_buf_free(&line);
}

static void put_cites(cr_buf *out, const cr_answer *a, int width,
                      const char *bold, const char *off, int color)
{
    if (a->ncites == 0)
        return;
    cr_buf_printf(out, "\n%sFrom the essay:%s\n", bold, off);
    for (int i = 0; i < a->ncites; i++)
        cr_citation_render(out, &a->cites[i], width, 2, color);
}

char *cr_consult_verdict(cr_consult *c, int width, int color, cr_diag *d)
{
    cr_answer *a = cr_consult_conclude(c, d);
    if (a == NULL)
        return NULL;
    const char *bold = color ? "\033[1m" : "", *off = color ? "\033[0m" : "";
    cr_buf out = {0};
    if (a->reco != CR_RECO_NONE)
        cr_buf_printf(&out, "%sRecommendation:%s %s, %s (certainty %.2f)\n",
                      bold, off, reco_words(a->reco),
                      cr_strength_phrase(a->strength), a->strength);
    else
        cr_buf_printf(&out, "%sNo recommendation yet:%s what I know does "
                      "not settle one.\n", bold, off);
    put_reasons(&out, a, width, bold, off);
    put_stated(&out, a, width, bold, off);
    put_cites(&out, a, width, bold, off, color);
    cr_answer_free(a);
    return cr_buf_take(&out);
}

/* What if. */

/* The recommendation of a, in words, into b. */
static void put_reco(cr_buf *b, const cr_answer *a)
{
    if (a->reco == CR_RECO_NONE)
        cr_buf_puts(b, "no recommendation");
    else
        cr_buf_printf(b, "%s, %s (certainty %.2f)", reco_words(a->reco),
                      cr_strength_phrase(a->strength), a->strength);
}

/* The rules in a's trace that are not in b's, as "x, y", into out. */
static int put_missing(cr_buf *out, const cr_answer *a, const cr_answer *b)
{
    int n = 0;
    for (int i = 0; i < a->ntrace; i++) {
        int found = 0;
        for (int k = 0; k < b->ntrace && !found; k++)
            found = strcmp(a->trace[i], b->trace[k]) == 0;
        if (!found)
            cr_buf_printf(out, "%s%s", n++ ? ", " : "", a->trace[i]);
    }
    return n;
}

/* Put back what the user had said about fact i: *was (NULL: nothing). */
static void restore(cr_session *s, int i, const cr_fact *was)
{
    cr_wm *wm = cr_session_wm(s);
    if (was == NULL)
        cr_wm_unset(wm, i);
    else
        cr_wm_set(wm, i, &was->value, was->source, was->turn, was->words,
                  -1, was->cf);
}

char *cr_consult_whatif(cr_session *s, const char *fact, const char *value,
                        cr_diag *d)
{
    const cr_kb *kb = cr_session_kb(s);
    const char *intent = cr_kb_decision_intent(kb);
    int i = cr_kb_fact(kb, fact);
    cr_answer *now = NULL, *then = NULL;
    if (intent == NULL) {
        cr_diag_add(d, CR_ERROR, NULL, 0, 0, "no rule makes a "
                    "recommendation, so there is nothing to compare");
        return NULL;
    }
    if (cr_session_ask_intent(s, intent, &now, d) < 0)
        return NULL;
    /* A copy of what the user said, if anything, to put back after. */
    cr_wm *wm = cr_session_wm(s);
    const cr_fact *f = i >= 0 && cr_wm_stated(wm, i) ? cr_wm_get(wm, i)
                                                     : NULL;
    cr_fact was = f ? *f : (cr_fact){0};
    was.value = f ? cr_value_copy(&f->value) : (cr_value){0, NULL};
    char *words = f && f->words ? xstrdup(f->words) : NULL;
    was.words = words;
    int ok = cr_session_set_from(s, fact, value, "in :whatif", d) == 0 &&
             cr_session_ask_intent(s, intent, &then, d) == 0;
    if (i >= 0 && i != CR_FACT_INTENT)
        restore(s, i, f ? &was : NULL);
    cr_value_free(&was.value);
    free(words);
    char *text = NULL;
    if (ok && cr_session_ask_intent(s, intent, NULL, d) == 0) {
        cr_buf b = {0};
        cr_buf_puts(&b, "Now: ");
        put_reco(&b, now);
        cr_buf_printf(&b, ".\nIf %s were %s: ", fact, value);
        put_reco(&b, then);
        cr_buf_puts(&b, now->reco == then->reco ? ".\nThe recommendation "
                    "would stay the same.\n" : ".\nThe recommendation "
                    "would change.\n");
        cr_buf_puts(&b, "Rules that would fire too: ");
        if (!put_missing(&b, then, now))
            cr_buf_puts(&b, "none");
        cr_buf_puts(&b, ".\nRules that would no longer fire: ");
        if (!put_missing(&b, now, then))
            cr_buf_puts(&b, "none");
        cr_buf_puts(&b, ".\n(What you told me is unchanged.)\n");
        text = cr_buf_take(&b);
    }
    cr_answer_free(now);
    cr_answer_free(then);
    return text;
}

/* Driving it. */

/* Whether the question names every allowed answer itself, as "(yes or
 * no)" does. */
static int names_answers(const cr_question *q)
{
    if (q->text == NULL || q->nchoices == 0)
        return 0;
    for (int i = 0; i < q->nchoices; i++)
        if (strstr(q->text, q->choices[i]) == NULL)
            return 0;
    return 1;
}

char *cr_question_render(const cr_question *q, int width)
{
    cr_buf out = {0};
    char *text = q->text ? xstrdup(q->text)
                         : xasprintf("What is %s?", q->name);
    cr_text_wrap(&out, text, width, "");
    char *hint = names_answers(q) ? xstrdup("(or why, skip, back)")
                 : xasprintf("(%s; or why, skip, back)", q->hint);
    cr_text_wrap(&out, hint, width, "  ");
    free(text);
    free(hint);
    return cr_buf_take(&out);
}

/* Give one scripted reply to the question asked, into the transcript. */
static void script_reply(cr_consult *c, const char *r, cr_buf *out)
{
    cr_diag *rd = cr_diag_new();
    char *w = reply_word(r);
    cr_buf_printf(out, "> %s\n", w);
    cr_consult_status st = reply(c, w, rd);
    free(w);
    if (st == CR_CONSULT_WHY) {
        char *why = cr_consult_why(c);
        cr_buf_puts(out, why);
        free(why);
    }
    for (int i = 0; i < cr_diag_len(rd); i++)
        cr_buf_printf(out, "! %s\n", cr_diag_get(rd, i)->message);
    cr_diag_free(rd);
}

char *cr_consult_script(cr_session *s, const char *const *replies, int n,
                        int width, cr_diag *d)
{
    cr_consult *c = cr_consult_new(s, d);
    if (c == NULL)
        return NULL;
    cr_buf out = {0};
    cr_question q;
    int i = 0;
    while (cr_consult_next(c, &q)) {
        char *shown = cr_question_render(&q, width);
        cr_buf_printf(&out, "? %s", shown);
        free(shown);
        if (i < n) {
            script_reply(c, replies[i++], &out);
        } else {
            cr_buf_puts(&out, "> (no reply: skipped)\n");
            cr_consult_answer(c, "skip", d);
        }
    }
    char *v = cr_consult_verdict(c, width, 0, d);
    if (v)
        cr_buf_printf(&out, "\n%s", v);
    free(v);
    for (; i < n; i++) {
        char *w = reply_word(replies[i]);
        cr_buf_printf(&out, "\n> %s\n", w);
        char *more = is_word(w, "how") ? cr_consult_how(c)
                     : xstrdup("(the consultation is over)\n");
        cr_buf_puts(&out, more);
        free(more);
        free(w);
    }
    cr_consult_free(c);
    return cr_buf_take(&out);
}
