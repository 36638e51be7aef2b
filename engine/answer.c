/* answer.c - composing an answer and rendering it for a reader. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "xmalloc.h"

/* Cite section sec, quoting the sentences most relevant to query. */
static void add_cite(cr_answer *a, const cr_compose_ctx *cx, int sec,
                     const char *query)
{
    for (int i = 0; i < a->ncites; i++)
        if (a->cites[i].section == sec)
            return;
    a->cites = xreallocarray(a->cites, (size_t)a->ncites + 1,
                             sizeof *a->cites);
    cr_citation *c = &a->cites[a->ncites++];
    memset(c, 0, sizeof *c);
    c->section = sec;
    c->anchor = cr_corpus_anchor(cx->corpus, sec);
    c->heading = cr_corpus_heading(cx->corpus, sec);
    for (int s = sec; s >= 0; s = cr_corpus_parent(cx->corpus, s))
        c->npath++;
    c->path = xcalloc((size_t)c->npath, sizeof *c->path);
    int k = c->npath;
    for (int s = sec; s >= 0; s = cr_corpus_parent(cx->corpus, s))
        c->path[--k] = cr_corpus_heading(cx->corpus, s);
    c->quote = cr_index_quote(cx->index, sec, query);
}

/* What was known.  Large rule sets know many facts, so their texts are
 * written one after another into one buffer (the answer's facttext),
 * which they point into once it has stopped moving; a boolean's points
 * at a constant. */
static void snapshot_facts(cr_answer *a, const cr_compose_ctx *cx)
{
    int n = cr_kb_nfacts(cx->kb);
    cr_buf texts = {0};
    size_t *at = xcalloc((size_t)n + 1, sizeof *at);
    a->facts = xcalloc((size_t)n + 1, sizeof *a->facts);
    for (int i = 0; i < n; i++) {
        const cr_fact *f = cr_wm_get(cx->wm, i);
        if (f == NULL || i == CR_FACT_INTENT)
            continue;
        const cr_factdecl *d = cr_kb_factdecl(cx->kb, i);
        cr_answer_fact *af = &a->facts[a->nfacts];
        af->name = d->name;
        af->type = d->type;
        af->num = f->value.num;
        af->source = f->source;
        char buf[CR_VALUE_BUF];
        const char *t = cr_value_str(d, &f->value, buf);
        if (d->type == CR_BOOL) {
            af->text = t;
        } else {
            at[a->nfacts] = texts.len;
            cr_buf_putn(&texts, t, strlen(t) + 1);
        }
        a->nfacts++;
    }
    a->facttext = cr_buf_take(&texts);
    for (int i = 0; i < a->nfacts; i++)
        if (a->facts[i].type != CR_BOOL)
            a->facts[i].text = a->facttext + at[i];
    free(at);
}

/* The recommendation in effect, as the engine combined it (MYCIN's
 * rule; see cr_cf_combine). */
static void recommend(cr_answer *a, const cr_compose_ctx *cx)
{
    a->reco = cx->run->reco;
    a->strength = cx->run->strength;
}

/* The advice comes from the rules fired in this turn whose conclusions
 * still stand. */
static void from_rules(cr_answer *a, const cr_compose_ctx *cx, cr_buf *text)
{
    for (int i = 0; i < cx->run->nkept; i++) {
        const cr_rule *r = cr_kb_ruledef(cx->kb, cx->run->kept[i]);
        if (r->askfact >= 0 && !a->ask && !cr_wm_get(cx->wm, r->askfact)) {
            a->ask = cr_kb_factdecl(cx->kb, r->askfact)->name;
            a->ask_prompt = cr_kb_factdecl(cx->kb, r->askfact)->prompt;
        }
        if (r->answer == NULL)
            continue;
        if (text->len)
            cr_buf_puts(text, "\n\n");
        cr_buf_puts(text, r->answer);
        /* The quote should back the advice as well as fit the question:
         * the advice's first sentence states the passage it rests on.
         * It goes first, so that a long question cannot push its words
         * past the terms retrieval searches for. */
        const char *stop = strstr(r->answer, ". ");
        int lead = stop ? (int)(stop - r->answer) : (int)strlen(r->answer);
        char *query = xasprintf("%.*s %s", lead, r->answer, a->question);
        for (int k = 0; k < r->ncites; k++)
            add_cite(a, cx, r->cites[k].section, query);
        free(query);
    }
}

/* A decline's pointers: the nearest topics the classifier saw in the
 * question, then where the full list is. */
static void suggest(cr_answer *a, const cr_compose_ctx *cx, cr_buf *text)
{
    a->suggest = xcalloc((size_t)cx->nsuggest + 1, sizeof *a->suggest);
    for (int i = 0; i < cx->nsuggest; i++) {
        const cr_intent *in = cr_kb_intentdef(cx->kb, cx->suggest[i]);
        if (in->topic)
            a->suggest[a->nsuggest++] = in;
    }
    for (int i = 0; i < a->nsuggest; i++)
        cr_buf_printf(text, "%s%s", i == 0 ? " Did you mean: "
                                    : i + 1 < a->nsuggest ? ", " : " or ",
                      a->suggest[i]->topic);
    if (a->nsuggest)
        cr_buf_puts(text, "?");
    cr_buf_puts(text, " Everything I know: `crossroads sections`, or :help.");
}

/* A turn that only told something about the user: acknowledged (the
 * session says what changed), or said in passing and noted as such; 0
 * if it told nothing. */
static int noted(cr_answer *a, const cr_compose_ctx *cx, cr_buf *text)
{
    if (cx->stated == 0 && !cx->aside)
        return 0;
    a->kind = CR_ANSWER_NOTED;
    if (cx->stated == 0)
        cr_buf_puts(text, "Thank you for telling me, though nothing I weigh "
                    "changes with it: what I weigh is what you want to do, "
                    "your papers, your offers and how much they let you "
                    "grow. Tell me those, or ask me anything about the "
                    "choice.");
    else if (cx->withdrew)
        cr_buf_puts(text, "I have set it aside: tell me what holds instead, "
                    "or ask me anything about the choice.");
    else
        cr_buf_puts(text, "I will keep it in mind: ask me whether a PhD is "
                    "right for you, or anything else about the choice.");
    return 1;
}

/* What the user told, for "what do you know about me?". */
static void recall(cr_answer *a, const cr_compose_ctx *cx, cr_buf *text)
{
    a->kind = CR_ANSWER_NOTED;
    for (int i = 0; i < cr_kb_nfacts(cx->kb); i++) {
        if (i == CR_FACT_INTENT || !cr_wm_stated(cx->wm, i))
            continue;
        const cr_factdecl *d = cr_kb_factdecl(cx->kb, i);
        char buf[CR_VALUE_BUF];
        cr_buf_printf(text, "%s%s = %s", text->len ? "; " : "You told me: ",
                      d->name, cr_value_str(d, &cr_wm_get(cx->wm, i)->value,
                                            buf));
    }
    if (text->len)
        cr_buf_puts(text, ". :facts shows where each came from and what the "
                    "rules concluded; :forget FACT or :undo takes one "
                    "back.");
    else
        cr_buf_puts(text, "You have told me nothing about yourself yet. Tell "
                    "me what you want to do, your papers or your offers, or "
                    "type :decide and I will ask.");
}

static void from_retrieval(cr_answer *a, const cr_compose_ctx *cx,
                           cr_buf *text)
{
    cr_hit hit;
    if (!cx->declined &&
        cr_index_rank(cx->index, a->question, &hit, 1) == 1 &&
        hit.score >= cx->min_score) {
        a->kind = CR_ANSWER_RETRIEVED;
        char *path = cr_corpus_path(cx->corpus, hit.section, " › ");
        cr_buf_printf(text, "No rule of mine covers that exactly, but the "
                      "essay touches on it in § %s.", path);
        free(path);
        add_cite(a, cx, hit.section, a->question);
        return;
    }
    a->kind = CR_ANSWER_NONE;
    if (cx->declined && *cx->declined)
        cr_buf_printf(text, "That is a question about %s, which the essay "
                      "I draw on does not cover, so I would rather not "
                      "guess.", cx->declined);
    else
        cr_buf_puts(text, "The essay I draw on does not cover that, so I "
                    "would rather not guess.");
    suggest(a, cx, text);
}

cr_answer *cr_answer_compose(const cr_compose_ctx *cx, const char *question,
                             const char *intent)
{
    cr_answer *a = xcalloc(1, sizeof *a);
    cr_buf text = {0};
    a->question = xstrdup(question);
    a->intent = intent;
    /* The trace is every firing of the turn, declined or not. */
    a->trace = xcalloc((size_t)cx->run->nfired + 1, sizeof *a->trace);
    for (int i = 0; i < cx->run->nfired; i++)
        a->trace[a->ntrace++] = cr_kb_ruledef(cx->kb, cx->run->fired[i])->id;
    if (cx->recall) {
        recall(a, cx, &text);           /* the facts are the answer */
    } else {
        if (!cx->declined)
            from_rules(a, cx, &text);
        if (text.len == 0) {
            a->intent = NULL;
            if (cx->declined || !noted(a, cx, &text))
                from_retrieval(a, cx, &text);
        } else {
            recommend(a, cx);
        }
    }
    a->text = cr_buf_take(&text);
    if (cx->list_facts)
        snapshot_facts(a, cx);
    return a;
}

void cr_answer_free(cr_answer *a)
{
    if (a == NULL)
        return;
    for (int i = 0; i < a->ncites; i++) {
        free(a->cites[i].path);
        free(a->cites[i].quote);
    }
    free(a->facttext);
    free(a->cites);
    free(a->facts);
    free(a->trace);
    free(a->question);
    free(a->text);
    free(a->explanation);
    for (int i = 0; i < 2 * a->ncorrections; i++)
        free(a->corrections[i]);
    free(a->corrections);
    for (int i = 0; i < 3 * a->nchanged; i++)
        free(a->changed[i]);
    free(a->changed);
    free(a->suggest);
    free(a->ranking);
    free(a);
}

const char *cr_strength_phrase(double cf)
{
    return cf >= 0.8 ? "strongly" : cf >= 0.5 ? "on balance" : "tentatively";
}

/* Rendering. */

static int columns(const char *s, size_t n)
{
    int c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* Append n bytes of s to out without control characters, C0 (but for
 * newlines and tabs, if keep_lines) and C1 (such as CSI, U+009B), so
 * that no text reaches a terminal with escape sequences in it. */
static void put_clean(cr_buf *out, const char *s, size_t n, int keep_lines)
{
    size_t valid = 0;           /* s[k, valid) is UTF-8 */
    for (size_t k = 0; k < n; k++) {
        if (k == valid) {
            valid = k + cr_utf8_valid(s + k, n - k);
            if (k == valid) {   /* a byte that is not UTF-8, such as a
                                 * raw 0x9B, which terminals read as CSI */
                cr_buf_puts(out, "\xEF\xBF\xBD");
                valid++;
                continue;
            }
        }
        unsigned char ch = (unsigned char)s[k];
        if (ch == 0xC2 && k + 1 < n && (unsigned char)s[k + 1] >= 0x80 &&
            (unsigned char)s[k + 1] <= 0x9F) {
            k++;
            continue;
        }
        if ((ch >= 0x20 && ch != 0x7f) ||
            (keep_lines && (ch == '\n' || ch == '\t')))
            cr_buf_putc(out, s[k]);
    }
}

void cr_text_clean(cr_buf *out, const char *text)
{
    put_clean(out, text, strlen(text), 1);
}

/* Append one line of n bytes at p, word-wrapped to width columns (0: no
 * wrapping), after first on its first line and rest on the others. */
static void wrap_line(cr_buf *out, const char *p, size_t n, int width,
                      const char *first, const char *rest)
{
    int ind = columns(first, strlen(first)), col = 0;
    cr_buf_puts(out, first);
    size_t i = 0;
    while (i < n) {
        size_t w = i;
        while (w < n && p[w] != ' ')
            w++;
        int wc = columns(p + i, w - i);
        if (col > 0 && width > 0 && ind + col + 1 + wc > width) {
            cr_buf_putc(out, '\n');
            cr_buf_puts(out, rest);
            ind = columns(rest, strlen(rest));
            col = 0;
        } else if (col > 0) {
            cr_buf_putc(out, ' ');
            col++;
        }
        put_clean(out, p + i, w - i, 0);
        col += wc;
        i = w;
        while (i < n && p[i] == ' ')
            i++;
    }
    cr_buf_putc(out, '\n');
}

void cr_text_wrap(cr_buf *out, const char *text, int width,
                  const char *indent)
{
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        wrap_line(out, p, n, width, indent, indent);
        p += n + (eol != NULL);
    }
}

void cr_text_wrap_hanging(cr_buf *out, const char *text, int width)
{
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        size_t lead = strspn(p, " ");
        if (lead > n)
            lead = n;
        if (lead > 40)          /* deep lines keep some room for words */
            lead = 40;
        char *first = xasprintf("%*s", (int)lead, "");
        char *rest = xasprintf("%*s", (int)lead + 4, "");
        wrap_line(out, p + lead, n - lead, width, first, rest);
        free(first);
        free(rest);
        p += n + (eol != NULL);
    }
}

void cr_citation_render(cr_buf *out, const cr_citation *c, int width,
                        int indent, int color)
{
    const char *bold = color ? "\033[1m" : "", *dim = color ? "\033[2m" : "",
               *off = color ? "\033[0m" : "";
    cr_buf line = {0}, wrapped = {0};
    for (int k = 0; k < c->npath; k++)
        cr_buf_printf(&line, "%s%s", k ? " › " : "", c->path[k]);
    /* The heading path wraps between words like the rest; the colours
     * go round each line of it, as wrapping would drop them. */
    char *first = xasprintf("%*s§ ", indent, ""), *rest =
        xasprintf("%*s", indent + 4, "");
    cr_buf_printf(&line, " (#%s)", c->anchor);
    wrap_line(&wrapped, line.s, line.len, width, first, rest);
    const char *p = wrapped.s, *anchor = strrchr(p, '(');
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        if (anchor >= p && anchor < p + n)      /* the last line */
            cr_buf_printf(out, "%s%.*s%s%s%.*s%s\n", bold,
                          (int)(anchor - p), p, off, dim,
                          (int)(p + n - anchor), anchor, off);
        else
            cr_buf_printf(out, "%s%.*s%s\n", bold, (int)n, p, off);
        p += n + (eol != NULL);
    }
    free(first);
    free(rest);
    cr_buf_free(&line);
    cr_buf_free(&wrapped);
    if (c->quote && *c->quote) {
        char *q = xasprintf("“%s”", c->quote);
        char *pad = xasprintf("%*s", indent + 2, "");
        cr_text_wrap(out, q, width, pad);
        free(pad);
        free(q);
    }
}

char *cr_answer_render(const cr_answer *a, int width, int color)
{
    const char *bold = color ? "\033[1m" : "", *off = color ? "\033[0m" : "";
    cr_buf out = {0};
    cr_text_wrap(&out, a->text, width, "");
    if (a->reco != CR_RECO_NONE) {
        const char *what = a->reco == CR_RECO_PHD ? "a PhD"
                           : a->reco == CR_RECO_INDUSTRY ? "industry"
                                                         : "either path";
        cr_buf_printf(&out, "\n%sRecommendation:%s %s, %s (certainty %.2f)\n",
                      bold, off, what, cr_strength_phrase(a->strength),
                      a->strength);
    }
    if (a->ask_prompt) {
        cr_buf_puts(&out, "\n");
        char *q = xasprintf("To say more I need to know: %s", a->ask_prompt);
        cr_text_wrap(&out, q, width, "");
        free(q);
    }
    for (int i = 0; i < a->ncites; i++) {
        cr_buf_putc(&out, '\n');
        cr_citation_render(&out, &a->cites[i], width, 0, color);
    }
    if (a->explanation) {       /* indented lines: not wrapped */
        cr_buf_puts(&out, "\n");
        cr_buf_puts(&out, a->explanation);
    }
    return cr_buf_take(&out);
}
