/* answer.h - one answer: advice, recommendation, citations and trace.
 *
 * An answer is composed from what the engine concluded: the advice of
 * the rules that fired, in firing order; the strongest recommendation;
 * the cited sections, each with a quote chosen for this question from
 * the essay itself.  When no rule gave advice, the essay's sections are
 * ranked for the question, and the answer either points at the best one
 * or says honestly that the essay does not cover it. */
#ifndef CR_ANSWER_H
#define CR_ANSWER_H

#include "corpus.h"
#include "engine.h"
#include "facts.h"
#include "kb.h"
#include "retrieval.h"
#include "xmalloc.h"

typedef enum cr_answer_kind {
    CR_ANSWER_RULES,            /* rules gave advice */
    CR_ANSWER_RETRIEVED,        /* the best section for the question */
    CR_ANSWER_NOTED,            /* no question, but facts about the user */
    CR_ANSWER_NONE              /* out of the essay's scope */
} cr_answer_kind;

typedef struct cr_citation {
    int section;
    const char *anchor;         /* owned by the corpus */
    const char *heading;
    const char **path;          /* headings from the top, owned here */
    int npath;
    char *quote;
} cr_citation;

typedef struct cr_answer_fact {
    const char *name;           /* owned by the kb */
    cr_type type;
    const char *text;           /* the value as text, owned by the answer */
    double num;
    cr_source source;
} cr_answer_fact;

typedef struct cr_answer {
    cr_answer_kind kind;
    char *question;
    const char *intent;         /* owned by the kb; NULL if none matched */
    char *text;
    cr_reco reco;
    double strength;            /* certainty of reco, 0 to 1 */
    cr_citation *cites;
    int ncites;
    const char **trace;         /* ids of the rules fired, owned by the kb */
    int ntrace;
    cr_answer_fact *facts;      /* what was known, in declaration order */
    int nfacts;
    char *facttext;             /* the facts' texts, one after another */
    const char *ask;            /* a fact the rules want to know, or NULL */
    const char *ask_prompt;
    char *explanation;          /* how it was reached, or NULL; freed with
                                 * the answer (see cr_session_explain) */
    char **changed;             /* fact, was, now, ...: what the turn set
                                 * (was NULL), changed or withdrew (now
                                 * NULL) of what the user says */
    int nchanged;               /* triples */
    char **corrections;         /* "from", "to", ...: words read as others */
    int ncorrections;           /* pairs */
    const cr_intent **suggest;  /* for a decline: the nearest topics */
    int nsuggest;
    char *ranking;              /* how the intent was chosen (patterns and
                                 * the classifier's best three), or NULL */
} cr_answer;

/* Everything compose needs, borrowed. */
typedef struct cr_compose_ctx {
    const cr_kb *kb;
    const cr_corpus *corpus;
    cr_index *index;
    const cr_wm *wm;
    const cr_run *run;
    double min_score;           /* retrieval's threshold of relevance */
    const char *declined;       /* an out-of-scope topic the question is
                                   about, or NULL */
    int stated;                 /* facts the turn set or withdrew: they
                                   are acknowledged when nothing else
                                   answers */
    const int *suggest;         /* intents to suggest if it declines */
    int nsuggest;
    int list_facts;             /* whether the answer lists what is known */
    int recall;                 /* the question asks what the user told:
                                   the answer is those facts */
    int withdrew;               /* the turn only withdrew what was said */
    int aside;                  /* something said of oneself in passing,
                                   which no fact holds: acknowledged */
} cr_compose_ctx;

/* Compose the answer to question; the caller frees it. */
cr_answer *cr_answer_compose(const cr_compose_ctx *cx, const char *question,
                             const char *intent);
void cr_answer_free(cr_answer *a);

/* The answer as text for a reader, wrapped to width columns (0: no
 * wrapping), with ANSI colour if color.  A new string the caller frees. */
char *cr_answer_render(const cr_answer *a, int width, int color);

/* Append one citation to out: the path of headings and the anchor,
 * then the quote wrapped to width, all indented by indent columns. */
void cr_citation_render(cr_buf *out, const cr_citation *c, int width,
                        int indent, int color);

/* Append text to out, word-wrapped to width columns (0: no wrapping)
 * with indent before every line.  Control characters in text are
 * dropped, never written raw to a terminal. */
void cr_text_wrap(cr_buf *out, const char *text, int width,
                  const char *indent);

/* The same for text whose lines are indented to show structure (an
 * explanation): each line keeps its indentation, and the lines it wraps
 * into are indented four columns more. */
void cr_text_wrap_hanging(cr_buf *out, const char *text, int width);

/* Append text to out as it is, but for control characters other than
 * newlines and tabs, which are dropped. */
void cr_text_clean(cr_buf *out, const char *text);

/* A phrase for a certainty: "strongly", "on balance", "tentatively". */
const char *cr_strength_phrase(double cf);

#endif
