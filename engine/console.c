/* console.c - questions, commands and consultations, line by line.
 *
 * Everything a user typed that is printed back (an unknown command, a
 * fact name, the words a fact came from) goes through cr_text_clean, so
 * no escape sequence typed or pasted reaches the terminal raw. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "console.h"
#include "consult.h"
#include "facts.h"
#include "json.h"
#include "profile.h"
#include "xmalloc.h"

struct cr_console {
    cr_session *s;
    FILE *out;
    cr_console_opts o;
    cr_diag *d;
    int trace;                  /* :trace on: the rules fired, each turn */
    char *ask;                  /* the fact the last answer asked for */
    char *saved;                /* the profile's text as last written */
    cr_consult *consult;        /* the consultation under way, or the
                                   one whose verdict was the last thing
                                   said (for "how"), or NULL */
    int asking;                 /* consult is waiting for an answer */
    cr_question q;              /* the question it asked */
    int decide_only;            /* `crossroads decide`: leave after it */
};

/* Output. */

/* Print text, which may hold the user's words, without control
 * characters, wrapped to the console's width: as paragraphs if wrap,
 * else keeping each line's indentation (explanations, lists). */
static void put(cr_console *c, const char *text, int wrap)
{
    cr_buf b = {0};
    if (wrap)
        cr_text_wrap(&b, text, c->o.width, "");
    else if (c->o.width > 0)
        cr_text_wrap_hanging(&b, text, c->o.width);
    else
        cr_text_clean(&b, text);
    if (b.s)
        fputs(b.s, c->out);
    cr_buf_free(&b);
}

static void say(cr_console *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A message to the user, wrapped. */
static void say(cr_console *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    put(c, s, 1);
    free(s);
}

void cr_print_diag(cr_diag *d)
{
    cr_diag_sort(d);
    for (int i = 0; i < cr_diag_len(d); i++) {
        const cr_diagnostic *r = cr_diag_get(d, i);
        char *s = cr_diag_format(r);
        cr_buf b = {0};
        cr_text_clean(&b, s);
        fprintf(stderr, "%s%s\n", r->file ? "" : "crossroads: ",
                b.s ? b.s : "");
        cr_buf_free(&b);
        free(s);
    }
    cr_diag_clear(d);
}

static void print_diag(cr_console *c)
{
    cr_print_diag(c->d);
}

/* Profiles. */

int cr_console_save_profile(cr_console *c)
{
    if (c->o.profile == NULL)
        return 0;
    int n;
    char *text = cr_profile_text(c->s, &n);
    if (c->saved && strcmp(text, c->saved) == 0) {
        free(text);
        return 0;
    }
    if (cr_profile_save(c->s, c->o.profile, c->d) < 0) {
        print_diag(c);
        free(text);
        return -1;
    }
    free(c->saved);
    c->saved = text;
    return 0;
}

cr_console *cr_console_new(cr_session *s, FILE *out,
                           const cr_console_opts *o)
{
    cr_console *c = xcalloc(1, sizeof *c);
    c->s = s;
    c->out = out;
    c->o = *o;
    c->d = cr_diag_new();
    cr_session_list_facts(s, o->json);     /* only JSON shows them */
    if (o->profile && access(o->profile, F_OK) == 0) {
        if (cr_profile_load(s, o->profile, c->d) < 0 ||
            cr_session_settle(s, c->d) < 0) {
            print_diag(c);
            cr_console_free(c);
            return NULL;
        }
    }
    if (o->profile) {           /* nothing to write until facts change */
        int n;
        c->saved = cr_profile_text(s, &n);
    }
    return c;
}

void cr_console_free(cr_console *c)
{
    if (c == NULL)
        return;
    cr_consult_free(c->consult);
    cr_diag_free(c->d);
    free(c->ask);
    free(c->saved);
    free(c);
}

void cr_console_set_width(cr_console *c, int width)
{
    c->o.width = width;
}

const char *cr_console_prompt(const cr_console *c)
{
    return c->asking ? "decide> " : "crossroads> ";
}

int cr_console_interviewing(const cr_console *c)
{
    return c->asking || (c->decide_only && c->consult);
}

void cr_console_decide_only(cr_console *c)
{
    c->decide_only = 1;
}

void cr_console_end_turn(cr_console *c)
{
    if (!c->o.json && !c->asking)   /* a question sits above its prompt */
        fputc('\n', c->out);
    fflush(c->out);
}

/* Print diagnostics and fail when something went wrong. */
static int failed(cr_console *c)
{
    print_diag(c);
    return CR_LINE_FAILED;
}

/* Questions. */

static int answer(cr_console *c, const char *line, size_t len)
{
    cr_answer *a;
    if (cr_session_ask(c->s, line, len, &a, c->d) < 0) {
        print_diag(c);
        return CR_LINE_FAILED;
    }
    if (c->o.explain)
        a->explanation = cr_session_explain(c->s);
    char *text;
    if (c->o.json) {
        text = cr_json_answer(a);
    } else {
        /* The explanation's lines are indented to show its structure:
         * they wrap apart from the answer's paragraphs, below. */
        char *explanation = a->explanation;
        a->explanation = NULL;
        text = cr_answer_render(a, c->o.width, c->o.color);
        a->explanation = explanation;
    }
    fputs(text, c->out);
    free(text);
    if (c->o.json) {
        fputc('\n', c->out);
    } else if (a->explanation) {
        fputc('\n', c->out);
        put(c, a->explanation, 0);
    }
    if (c->trace && !c->o.json) {
        cr_buf b = {0};
        cr_buf_puts(&b, "Rules fired:");
        for (int i = 0; i < a->ntrace; i++)
            cr_buf_printf(&b, " %s", a->trace[i]);
        cr_buf_puts(&b, a->ntrace ? "\n" : " none\n");
        put(c, b.s, 1);
        cr_buf_free(&b);
    }
    free(c->ask);
    c->ask = a->ask ? xstrdup(a->ask) : NULL;
    cr_answer_free(a);
    if (c->o.stats) {
        cr_session_stats st;
        cr_session_stats_get(c->s, &st);
        fprintf(stderr, "crossroads: load %.3f ms (rules %.3f ms%s, engine "
                "%.3f ms; %d rules, %d facts); turn %.3f ms (run %.3f ms, "
                "%d rules fired)\n", st.load_ms, st.rules_ms,
                st.cached ? " from the cache" : "", st.engine_ms, st.rules,
                st.facts, st.turn_ms, st.run_ms, st.fired);
    }
    return CR_LINE_OK;
}

/* The consultation. */

static int verdict(cr_console *c)
{
    c->asking = 0;
    if (c->o.json) {
        cr_answer *a = cr_consult_conclude(c->consult, c->d);
        if (a == NULL)
            return failed(c);
        char *j = cr_json_answer(a);
        fprintf(c->out, "%s\n", j);
        free(j);
        cr_answer_free(a);
    } else {
        char *v = cr_consult_verdict(c->consult, c->o.width, c->o.color,
                                     c->d);
        if (v == NULL)
            return failed(c);
        fprintf(c->out, "\n%s\n", v);   /* cleaned and coloured by it */
        free(v);
        say(c, c->decide_only ? "Type how to see how I reached this, or "
            "press Enter to leave.\n" : "Type how to see how I reached "
            "this.\n");
    }
    return CR_LINE_OK;
}

/* Put the next question, or the verdict when nothing is left to ask. */
static int next_step(cr_console *c)
{
    if (!cr_consult_next(c->consult, &c->q))
        return verdict(c);
    c->asking = 1;
    const cr_question *q = &c->q;
    if (c->o.json) {
        char *j = cr_json_question(q->name, q->text, q->hint, q->choices,
                                   q->nchoices);
        fprintf(c->out, "%s\n", j);
        free(j);
    } else {
        char *t = cr_question_render(q, c->o.width);
        fputc('\n', c->out);
        put(c, t, 0);
        free(t);
    }
    return CR_LINE_OK;
}

int cr_console_decide(cr_console *c)
{
    cr_consult_free(c->consult);
    c->asking = 0;
    c->consult = cr_consult_new(c->s, c->d);
    if (c->consult == NULL)
        return failed(c);
    if (!c->o.json)
        say(c, "Let's work it out.  I will ask only what could settle a "
            "recommendation.  Answer each question, or say why (why I "
            "ask), skip, back, or stop (a verdict on what I know).\n");
    return next_step(c);
}

/* A reply to the question asked. */
static int reply(cr_console *c, const char *text)
{
    if (strcasecmp(text, "stop") == 0) {
        while (cr_consult_next(c->consult, &c->q))
            cr_consult_answer(c->consult, "skip", c->d);
        return verdict(c);
    }
    switch (cr_consult_answer(c->consult, text, c->d)) {
    case CR_CONSULT_WHY: {
        char *why = cr_consult_why(c->consult);
        if (c->o.json) {
            char *j = cr_json_output("why", why);
            fprintf(c->out, "%s\n", j);
            free(j);
        } else {
            fputc('\n', c->out);
            put(c, why, 0);
        }
        free(why);
        break;
    }
    case CR_CONSULT_ERROR:      /* said, and the question comes again */
        print_diag(c);
        break;
    default:
        break;
    }
    return next_step(c);
}

/* A line after the verdict: "how" explains it; anything else ends the
 * consultation (and the program, for `crossroads decide`). */
static int after_verdict(cr_console *c, const char *text, int *done)
{
    *done = 1;
    if (strcasecmp(text, "how") == 0) {
        char *how = cr_consult_how(c->consult);
        if (c->o.json) {
            char *j = cr_json_output("how", how);
            fprintf(c->out, "%s\n", j);
            free(j);
        } else {
            put(c, how, 0);
        }
        free(how);
        return c->decide_only ? CR_LINE_QUIT : CR_LINE_OK;
    }
    cr_consult_free(c->consult);
    c->consult = NULL;
    if (c->decide_only)
        return CR_LINE_QUIT;
    *done = 0;
    return CR_LINE_OK;
}

void cr_console_finish(cr_console *c)
{
    if (c->asking) {
        while (cr_consult_next(c->consult, &c->q))
            cr_consult_answer(c->consult, "skip", c->d);
        verdict(c);
    }
    print_diag(c);
}

/* Commands. */

typedef int command_fn(cr_console *c, const char *arg);

typedef struct command {
    const char *name;
    const char *args;           /* for :help; in capitals if required */
    const char *help;
    command_fn *fn;
} command;

static const command commands[];

/* The column where :help's descriptions start: after two spaces, the
 * longest command with its arguments, and a space. */
#define HELP_COLUMN 23

static int cmd_help(cr_console *c, const char *arg)
{
    (void)arg;
    say(c, "Ask anything about choosing between a PhD and industry, in your "
        "own words, and tell me about yourself (\"I have two papers\", \"I "
        "want to start a company\"): I remember it across questions, and "
        "you can correct it (\"actually, I want to be a professor\").\n");
    char *pad = xasprintf("%*s", HELP_COLUMN, "");
    for (const command *k = commands; k->name; k++) {
        char *head = xasprintf(":%s%s%s", k->name, *k->args ? " " : "",
                               k->args);
        /* Wrapped in the column, then the command over the first pad. */
        cr_buf b = {0};
        cr_text_wrap(&b, k->help, c->o.width, pad);
        fprintf(c->out, "  %-*s %s", HELP_COLUMN - 3, head,
                b.s + HELP_COLUMN);
        cr_buf_free(&b);
        free(head);
    }
    free(pad);
    say(c, "Tab completes commands, section anchors, fact names and their "
        "values.  Ctrl-C cancels a line, Ctrl-D leaves.\n");
    return CR_LINE_OK;
}

static int cmd_quit(cr_console *c, const char *arg)
{
    (void)c;
    (void)arg;
    return CR_LINE_QUIT;
}

/* Where the value of fact i came from, in a few words. */
static void put_provenance(cr_buf *b, const cr_kb *kb, const cr_fact *f)
{
    if (f->source == CR_SRC_RULE) {
        cr_buf_printf(b, "concluded by rule %s",
                      cr_kb_ruledef(kb, f->rule)->id);
        for (int k = 0; k < f->nsupport; k++)
            cr_buf_printf(b, "%s%s", k ? ", " : " from ",
                          cr_kb_factdecl(kb, f->support[k])->name);
        cr_buf_printf(b, " (certainty %.2f)", f->cf);
    } else if (f->source == CR_SRC_ANSWER) {
        cr_buf_printf(b, "you answered \"%s\" in the consultation (turn %d)",
                      f->words ? f->words : "", f->turn);
    } else if (f->source == CR_SRC_FLAG && f->words &&
               strcmp(f->words, CR_WORDS_INITIAL) == 0) {
        cr_buf_puts(b, CR_WORDS_INITIAL);
    } else if (f->source == CR_SRC_FLAG) {
        cr_buf_printf(b, "you set it%s%s", f->words ? " " : "",
                      f->words ? f->words : "");
    } else {
        cr_buf_printf(b, "you said \"%s\" (turn %d)",
                      f->words ? f->words : "", f->turn);
    }
}

static int cmd_facts(cr_console *c, const char *arg)
{
    (void)arg;
    const cr_kb *kb = cr_session_kb(c->s);
    const cr_wm *wm = cr_session_wm(c->s);
    cr_buf b = {0};
    for (int pass = 0; pass < 2; pass++) {
        int shown = 0;
        for (int i = 0; i < cr_kb_nfacts(kb); i++) {
            const cr_fact *f = cr_wm_get(wm, i);
            if (i == CR_FACT_INTENT || f == NULL ||
                (f->source == CR_SRC_RULE) != pass)
                continue;
            if (!shown++)
                cr_buf_puts(&b, pass ? "What the rules concluded:\n"
                                     : "What you told me:\n");
            const cr_factdecl *decl = cr_kb_factdecl(kb, i);
            char *v = cr_value_text(decl, &f->value);
            cr_buf_printf(&b, "  %s = %s: ", decl->name, v);
            free(v);
            put_provenance(&b, kb, f);
            cr_buf_putc(&b, '\n');
        }
    }
    if (b.len == 0)
        cr_buf_puts(&b, "I know nothing about you yet.  Tell me (\"I have "
                    "a job offer\"), or use :set or :decide.\n");
    put(c, b.s, 0);
    cr_buf_free(&b);
    return CR_LINE_OK;
}

/* Split "NAME=VALUE" (spaces allowed around '='); 0 if it is not. */
static int split_assignment(const char *arg, char **name, char **value)
{
    const char *eq = strchr(arg, '=');
    if (eq == NULL || eq == arg)
        return 0;
    const char *end = eq;
    while (end > arg && end[-1] == ' ')
        end--;
    const char *v = eq + 1;
    while (*v == ' ')
        v++;
    if (end == arg || *v == '\0')
        return 0;
    *name = xstrndup(arg, (size_t)(end - arg));
    *value = xstrdup(v);
    return 1;
}

/* Say that no fact is called name, suggesting near if not NULL. */
static void no_fact(cr_console *c, const char *name, const char *near)
{
    cr_diag_add(c->d, CR_ERROR, NULL, 0, 0, "no fact '%s'%s%s%s", name,
                near ? "; did you mean '" : "", near ? near : "",
                near ? "'?" : "");
}

/* The index of the fact called name, which the user may state; -1 with
 * the reason in c->d. */
static int user_fact(cr_console *c, const char *name)
{
    const char *near;
    int i = cr_kb_user_fact(cr_session_kb(c->s), name, &near);
    if (i == CR_FACT_RESERVED)
        cr_diag_add(c->d, CR_ERROR, NULL, 0, 0, "fact '%s' is reserved: "
                    "crossroads sets it itself, from each question", name);
    else if (i < 0)
        no_fact(c, name, near);
    return i;
}

/* Whether a fact is called name (a built-in one too); if not, say so. */
static int known_fact(cr_console *c, const char *name)
{
    const cr_kb *kb = cr_session_kb(c->s);
    if (cr_kb_fact(kb, name) >= 0)
        return 1;
    no_fact(c, name, cr_kb_closest_fact(kb, name));
    return 0;
}

/* Read "NAME=VALUE" against the rules, the value as cr_value_read takes
 * it: into the fact's name and the value as the rules write it (a
 * choice in full, whatever picked it; anything else as typed, so that a
 * number stays exact), new strings.  1; 0 when arg is not NAME=VALUE;
 * -1 with the reason in c->d when the fact or the value is wrong. */
static int read_assignment(cr_console *c, const char *arg, char **name,
                           char **value)
{
    if (!split_assignment(arg, name, value))
        return 0;
    int i = user_fact(c, *name);
    const cr_factdecl *f = i < 0 ? NULL
                                 : cr_kb_factdecl(cr_session_kb(c->s), i);
    cr_value v;
    if (f && cr_value_read(f, *value, &v, c->d)) {
        if (f->type == CR_CHOICE) {
            free(*value);
            *value = v.str;
            v.str = NULL;
        }
        cr_value_free(&v);
        return 1;
    }
    free(*name);
    free(*value);
    return -1;
}

int cr_console_state(cr_console *c, const char *assignment, const char *how)
{
    char *name, *value;
    int rc = read_assignment(c, assignment, &name, &value);
    if (rc == 0)
        cr_diag_add(c->d, CR_ERROR, NULL, 0, 0, "expected FACT=VALUE, not "
                    "'%s'", assignment);
    if (rc > 0) {
        rc = cr_session_set_from(c->s, name, value, how, c->d) == 0 ? 1 : -1;
        free(name);
        free(value);
    }
    if (rc <= 0) {
        print_diag(c);
        return -1;
    }
    return 0;
}

/* Run the rules after a change to what the user said. */
static int settle(cr_console *c)
{
    if (cr_session_settle(c->s, c->d) < 0)
        return failed(c);
    return CR_LINE_OK;
}

static int cmd_set(cr_console *c, const char *arg)
{
    char *name, *value;
    int rc = read_assignment(c, arg, &name, &value);
    if (rc == 0) {
        say(c, "Usage: :set FACT=VALUE (Tab completes both).\n");
        return CR_LINE_FAILED;
    }
    if (rc < 0)
        return failed(c);
    rc = cr_session_set_from(c->s, name, value, "with :set", c->d);
    if (rc == 0)
        say(c, "Noted: %s = %s.\n", name, value);
    free(name);
    free(value);
    return rc < 0 ? failed(c) : settle(c);
}

static int cmd_forget(cr_console *c, const char *arg)
{
    if (user_fact(c, arg) < 0 || cr_session_forget(c->s, arg, c->d) < 0)
        return failed(c);
    say(c, "Forgotten: %s, and whatever rested on it.\n", arg);
    return settle(c);
}

static int cmd_undo(cr_console *c, const char *arg)
{
    (void)arg;
    char *text = cr_session_undo(c->s, c->d);
    if (text == NULL)
        return failed(c);
    say(c, "%s", text);
    free(text);
    return settle(c);
}

static int cmd_reset(cr_console *c, const char *arg)
{
    (void)arg;
    cr_session_reset(c->s);
    say(c, "I have forgotten everything you told me.\n");
    return settle(c);
}

/* Print an explanation (a new string, or NULL with the reason in d). */
static int explained(cr_console *c, char *text)
{
    if (text == NULL)
        return failed(c);
    put(c, text, 0);
    free(text);
    return CR_LINE_OK;
}

static int cmd_why(cr_console *c, const char *arg)
{
    if (*arg && !known_fact(c, arg))
        return failed(c);
    if (*arg)
        return explained(c, cr_session_why(c->s, arg, c->d));
    if (c->ask)
        return explained(c, cr_session_why(c->s, c->ask, c->d));
    return explained(c, cr_session_explain(c->s));
}

static int cmd_how(cr_console *c, const char *arg)
{
    if (*arg && !known_fact(c, arg))
        return failed(c);
    if (*arg)
        return explained(c, cr_session_how(c->s, arg, c->d));
    return explained(c, cr_session_explain(c->s));
}

static int cmd_whynot(cr_console *c, const char *arg)
{
    const cr_kb *kb = cr_session_kb(c->s);
    if (cr_kb_rule(kb, arg) < 0) {
        const char *near = cr_kb_closest_rule(kb, arg);
        cr_diag_add(c->d, CR_ERROR, NULL, 0, 0, "no rule '%s'%s%s%s", arg,
                    near ? "; did you mean '" : "; :rules lists them",
                    near ? near : "", near ? "'?" : "");
        return failed(c);
    }
    return explained(c, cr_session_why_not(c->s, arg, c->d));
}

static int cmd_decide(cr_console *c, const char *arg)
{
    (void)arg;
    return cr_console_decide(c);
}

static int cmd_whatif(cr_console *c, const char *arg)
{
    char *name, *value;
    int rc = read_assignment(c, arg, &name, &value);
    if (rc == 0) {
        say(c, "Usage: :whatif FACT=VALUE (Tab completes both).\n");
        return CR_LINE_FAILED;
    }
    if (rc < 0)
        return failed(c);
    char *text = cr_consult_whatif(c->s, name, value, c->d);
    free(name);
    free(value);
    return explained(c, text);
}

static int cmd_sections(cr_console *c, const char *arg)
{
    (void)arg;
    const cr_corpus *co = cr_session_corpus(c->s);
    for (int i = 0; i < cr_corpus_count(co); i++)
        fprintf(c->out, "%*s%s  #%s\n", 2 * (cr_corpus_level(co, i) - 2), "",
                cr_corpus_heading(co, i), cr_corpus_anchor(co, i));
    return CR_LINE_OK;
}

/* The section name names: its anchor, with or without '#', or its
 * heading, in any case.  Its index, or -1 with the reason in c->d. */
static int find_section(cr_console *c, const char *name)
{
    const cr_corpus *co = cr_session_corpus(c->s);
    const char *anchor = *name == '#' ? name + 1 : name;
    int i = cr_corpus_find(co, anchor);
    for (int k = 0; i < 0 && k < cr_corpus_count(co); k++)
        if (strcasecmp(cr_corpus_anchor(co, k), anchor) == 0 ||
            strcasecmp(cr_corpus_heading(co, k), anchor) == 0)
            i = k;
    if (i < 0) {
        const char *near = cr_closest_anchor(co, anchor);
        cr_diag_add(c->d, CR_ERROR, NULL, 0, 0, "no section '%s'; %s%s%s",
                    name, near ? "did you mean '" : "`crossroads sections` "
                    "or :sections lists them", near ? near : "",
                    near ? "'?" : "");
    }
    return i;
}

int cr_console_section(cr_console *c, const char *name)
{
    int i = find_section(c, name);
    if (i < 0)
        return failed(c);
    const cr_corpus *co = cr_session_corpus(c->s);
    char *path = cr_corpus_path(co, i, " › ");
    char *head = xasprintf("§ %s (#%s)\n", path, cr_corpus_anchor(co, i));
    put(c, head, 0);            /* a long path wraps between words */
    fputc('\n', c->out);
    free(head);
    free(path);
    const char *text = cr_corpus_text(co, i);
    if (*text) {
        put(c, text, 1);
        return CR_LINE_OK;
    }
    cr_buf b = {0};
    cr_buf_puts(&b, "(This heading has no text of its own; its "
                "subsections:)\n");
    for (int k = i + 1; k < cr_corpus_count(co) &&
                        cr_corpus_level(co, k) > cr_corpus_level(co, i); k++)
        cr_buf_printf(&b, "  %s  #%s\n", cr_corpus_heading(co, k),
                      cr_corpus_anchor(co, k));
    put(c, b.s, 0);
    cr_buf_free(&b);
    return CR_LINE_OK;
}

static int cmd_rules(cr_console *c, const char *arg)
{
    const cr_kb *kb = cr_session_kb(c->s);
    cr_buf b = {0};
    int n = 0;
    for (int i = 0; i < cr_kb_nrules(kb); i++) {
        const cr_rule *r = cr_kb_ruledef(kb, i);
        if (*arg && strstr(r->id, arg) == NULL)
            continue;
        const char *reco = cr_reco_name(r->reco);
        cr_buf_printf(&b, "  %-34s %s:%d%s%s\n", r->id, r->loc.file,
                      r->loc.line, reco ? "  recommends " : "",
                      reco ? reco : "");
        n++;
    }
    cr_buf_printf(&b, "%d rule%s%s%s%s.  :whynot RULE says why one did not "
                  "fire.\n", n, n == 1 ? "" : "s", *arg ? " with '" : "",
                  arg, *arg ? "' in the id" : "");
    put(c, b.s, 0);
    cr_buf_free(&b);
    return CR_LINE_OK;
}

static int cmd_reload(cr_console *c, const char *arg)
{
    (void)arg;
    if (c->consult) {           /* it points into the rules being replaced */
        if (c->asking)
            say(c, "The consultation is abandoned; :decide starts "
                "another.\n");
        cr_consult_free(c->consult);
        c->consult = NULL;
        c->asking = 0;
    }
    int rc = cr_session_reload(c->s, NULL, 0, c->d);
    print_diag(c);              /* errors, or facts that no longer fit */
    if (rc < 0) {
        say(c, "The rule files have errors, so I kept the rules I had.\n");
        return CR_LINE_FAILED;
    }
    const cr_kb *kb = cr_session_kb(c->s);
    say(c, "Reloaded the rule files: %d rules, %d intents, %d facts.  What "
        "you told me still stands.\n", cr_kb_nrules(kb), cr_kb_nintents(kb),
        cr_kb_nfacts(kb));
    return settle(c);
}

static int cmd_trace(cr_console *c, const char *arg)
{
    if (strcmp(arg, "on") == 0 || strcmp(arg, "off") == 0)
        c->trace = strcmp(arg, "on") == 0;
    else if (*arg) {
        say(c, "Usage: :trace on|off\n");
        return CR_LINE_FAILED;
    }
    say(c, "Trace is %s: %s.\n", c->trace ? "on" : "off",
        c->trace ? "after each answer, the rules that fired"
                 : "answers only");
    return CR_LINE_OK;
}

/* A file name as typed, with a leading ~ or ~/ standing for the
 * user's home folder, as a shell would read it: a new string. */
static char *expand_home(const char *file)
{
    const char *home = getenv("HOME");
    if (file[0] == '~' && (file[1] == '\0' || file[1] == '/') && home &&
        *home)
        return xasprintf("%s%s", home, file + 1);
    return xstrdup(file);
}

static int cmd_save(cr_console *c, const char *arg)
{
    char *file = expand_home(arg);
    int n = cr_profile_save(c->s, file, c->d);
    if (n >= 0)
        say(c, "Saved %d fact%s to %s.\n", n, n == 1 ? "" : "s", file);
    free(file);
    return n < 0 ? failed(c) : CR_LINE_OK;
}

static int cmd_load(cr_console *c, const char *arg)
{
    char *file = expand_home(arg);
    int n = cr_profile_load(c->s, file, c->d);
    if (n >= 0)
        say(c, "Loaded %d fact%s from %s; :facts shows them.\n", n,
            n == 1 ? "" : "s", file);
    free(file);
    return n < 0 ? failed(c) : settle(c);
}

static const command commands[] = {
    {"help", "", "this help", cmd_help},
    {"facts", "", "what I know about you, and where it came from",
     cmd_facts},
    {"set", "FACT=VALUE", "tell me a fact directly", cmd_set},
    {"forget", "FACT", "withdraw what you said about FACT", cmd_forget},
    {"undo", "", "take back what your last message told me", cmd_undo},
    {"reset", "", "forget everything you told me", cmd_reset},
    {"why", "[FACT]", "why I want to know FACT (by default the one I "
     "asked for, or why I answered as I did)", cmd_why},
    {"how", "[FACT]", "how I know FACT (by default: how I reached the "
     "last answer)", cmd_how},
    {"whynot", "RULE", "why a rule did not fire", cmd_whynot},
    {"decide", "", "a consultation: I ask what I need, then recommend",
     cmd_decide},
    {"whatif", "FACT=VALUE", "how the recommendation would change, without "
     "changing what you told me", cmd_whatif},
    {"sections", "", "the essay's sections", cmd_sections},
    {"section", "ANCHOR", "read one section of the essay",
     cr_console_section},
    {"rules", "[TEXT]", "the rules (whose id contains TEXT)", cmd_rules},
    {"reload", "", "read the rule files again, keeping what you told me",
     cmd_reload},
    {"trace", "on|off", "show the rules fired after each answer",
     cmd_trace},
    {"save", "FILE", "save what you told me to a profile", cmd_save},
    {"load", "FILE", "load a profile saved with :save", cmd_load},
    {"quit", "", "leave (also :q, or Ctrl-D)", cmd_quit},
    {NULL, NULL, NULL, NULL},
};

static const command *find_command(const char *name, size_t len)
{
    if (len == 1 && name[0] == 'q')
        return find_command("quit", 4);
    for (const command *k = commands; k->name; k++)
        if (strlen(k->name) == len && strncmp(k->name, name, len) == 0)
            return k;
    return NULL;
}

/* The command whose name is closest to word, or NULL. */
static const char *closest_command(const char *word)
{
    const char *names[sizeof commands / sizeof *commands];
    int n = 0;
    for (const command *k = commands; k->name; k++)
        names[n++] = k->name;
    return cr_closest(word, names, n);
}

/* Run command k; in JSON, what it prints becomes one object. */
static int run_captured(cr_console *c, const command *k, const char *arg)
{
    if (!c->o.json || k->fn == cmd_decide || k->fn == cmd_quit)
        return k->fn(c, arg);
    char *text = NULL;
    size_t len = 0;
    FILE *out = c->out;
    c->out = open_memstream(&text, &len);
    if (c->out == NULL) {
        c->out = out;
        return k->fn(c, arg);
    }
    int rc = k->fn(c, arg);
    fclose(c->out);
    c->out = out;
    char *j = cr_json_output(k->name, text);
    fprintf(c->out, "%s\n", j);
    free(j);
    free(text);
    return rc;
}

static int run_command(cr_console *c, const char *line)
{
    const char *name = line + 1;
    size_t n = strcspn(name, " \t");
    const command *k = find_command(name, n);
    if (k == NULL) {
        char *word = xstrndup(name, n);
        const char *near = closest_command(word);
        cr_diag_add(c->d, CR_ERROR, NULL, 0, 0, "unknown command ':%s'; "
                    "%s%s%s", word, near ? "did you mean :" : ":help lists "
                    "them", near ? near : "", near ? "?" : "");
        free(word);
        return failed(c);
    }
    const char *arg = name + n;
    while (*arg == ' ' || *arg == '\t')
        arg++;
    if (*arg == '\0' && k->args[0] >= 'A' && k->args[0] <= 'Z') {
        say(c, "Usage: :%s %s (%s; Tab completes it).\n", k->name,
            k->args, k->help);
        return CR_LINE_FAILED;
    }
    int asking = c->asking;
    int rc = run_captured(c, k, arg);
    /* A command in the middle of a consultation may have settled or
     * changed what it asks: ask again (or give the verdict). */
    if (asking && c->asking && k->fn != cmd_decide && rc != CR_LINE_QUIT)
        next_step(c);
    return rc;
}

/* Whether a line is only a word that means leaving ("exit", "Quit!"),
 * which people type at any prompt: it is answered as small talk, then
 * the conversation ends as with :quit. */
static int leave_word(const char *line, size_t len)
{
    static const char *const words[] = {"quit", "exit", "bye", "goodbye"};
    while (len > 0 && strchr("!. ", line[len - 1]))
        len--;
    for (size_t k = 0; k < sizeof words / sizeof *words; k++)
        if (len == strlen(words[k]) && strncasecmp(line, words[k], len) == 0)
            return 1;
    return 0;
}

int cr_console_line(cr_console *c, const char *line, size_t len)
{
    if (len > CR_MAX_QUESTION) {
        cr_diag_add(c->d, CR_ERROR, NULL, 0, 0, "a line is at most %d "
                    "bytes; this one has %zu and was not read",
                    CR_MAX_QUESTION, len);
        return failed(c);
    }
    while (len > 0 && (*line == ' ' || *line == '\t')) {
        line++;
        len--;
    }
    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
        len--;
    int rc = CR_LINE_OK, done = 0;
    char *text = memchr(line, '\0', len) ? NULL : xstrndup(line, len);
    if (text && text[0] == ':') {
        rc = run_command(c, text);
        done = 1;
    } else if (text && c->asking) {
        rc = len ? reply(c, text) : next_step(c);
        done = 1;
    } else if (text && c->consult) {
        rc = after_verdict(c, text, &done);
    }
    free(text);
    if (!done && len > 0) {
        rc = answer(c, line, len);
        if (rc == CR_LINE_OK && leave_word(line, len))
            rc = CR_LINE_QUIT;
    }
    /* Whatever the line was, the profile follows what the user said.
     * The output is flushed once, as the turn ends (cr_console_end_turn,
     * or the program's exit): one write a turn. */
    if (cr_console_save_profile(c) < 0)
        rc = CR_LINE_FAILED;
    return rc;
}

/* Completion. */

typedef struct matches {
    char **v;
    int n;
    const char *text;
    size_t len;
} matches;

static void offer(matches *m, const char *prefix, const char *word,
                  const char *suffix)
{
    char *s = xasprintf("%s%s%s", prefix, word, suffix);
    if (strncmp(s, m->text, m->len) != 0) {
        free(s);
        return;
    }
    m->v = xreallocarray(m->v, (size_t)m->n + 2, sizeof *m->v);
    m->v[m->n++] = s;
    m->v[m->n] = NULL;
}

static void offer_facts(matches *m, const cr_kb *kb, const char *suffix)
{
    for (int i = 0; i < cr_kb_nfacts(kb); i++)
        if (i != CR_FACT_INTENT)
            offer(m, "", cr_kb_factdecl(kb, i)->name, suffix);
}

/* "NAME=" then the values of fact NAME. */
static void offer_assignment(matches *m, const cr_kb *kb)
{
    const char *eq = strchr(m->text, '=');
    if (eq == NULL) {
        offer_facts(m, kb, "=");
        return;
    }
    char *name = xstrndup(m->text, (size_t)(eq - m->text) + 1);
    name[eq - m->text] = '\0';
    int i = cr_kb_fact(kb, name);
    name[eq - m->text] = '=';
    const cr_factdecl *f = i < 0 ? NULL : cr_kb_factdecl(kb, i);
    if (f && f->type == CR_BOOL) {
        offer(m, name, "true", "");
        offer(m, name, "false", "");
    }
    for (int k = 0; f && k < f->nchoices; k++)
        offer(m, name, f->choices[k], "");
    free(name);
}

char **cr_console_complete(const cr_console *c, const char *line, int start,
                           const char *text)
{
    const cr_kb *kb = cr_session_kb(c->s);
    matches m = {xcalloc(1, sizeof(char *)), 0, text, strlen(text)};
    int i = 0;
    while (i < start && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (c->asking && i == start && text[0] != ':') {
        for (int k = 0; k < c->q.nchoices; k++)
            offer(&m, "", c->q.choices[k], "");
        const char *words[] = {"why", "skip", "back", "stop"};
        for (int k = 0; k < 4; k++)
            offer(&m, "", words[k], "");
        return m.v;
    }
    if (i == start) {               /* the first word */
        if (text[0] == ':')
            for (const command *k = commands; k->name; k++)
                offer(&m, ":", k->name, *k->args ? " " : "");
        return m.v;
    }
    if (line[i] != ':')
        return m.v;             /* a question: nothing to complete */
    size_t n = strcspn(line + i + 1, " \t");
    const command *k = find_command(line + i + 1, n);
    command_fn *fn = k ? k->fn : NULL;
    if (fn == cmd_save || fn == cmd_load) {
        free(m.v);
        return NULL;
    }
    if (fn == cr_console_section) {
        const cr_corpus *co = cr_session_corpus(c->s);
        for (int s = 0; s < cr_corpus_count(co); s++)
            offer(&m, "", cr_corpus_anchor(co, s), "");
    } else if (fn == cmd_set || fn == cmd_whatif) {
        offer_assignment(&m, kb);
    } else if (fn == cmd_forget || fn == cmd_why || fn == cmd_how) {
        offer_facts(&m, kb, "");
    } else if (fn == cmd_whynot || fn == cmd_rules) {
        for (int r = 0; r < cr_kb_nrules(kb); r++)
            offer(&m, "", cr_kb_ruledef(kb, r)->id, "");
    } else if (fn == cmd_trace) {
        offer(&m, "", "on", "");
        offer(&m, "", "off", "");
    }
    return m.v;
}
