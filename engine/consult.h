/* consult.h - the guided consultation: a goal-driven interview that
 * asks only what would settle a recommendation, then gives a verdict.
 *
 * A consultation runs inside a session, so what the user said before it
 * counts (and is not asked again) and what they answer stays known after
 * it, as stated facts "answered in the consultation" (CR_SRC_ANSWER).
 * The program drives it:
 *
 *     cr_consult *c = cr_consult_new(s, d);
 *     cr_question q;
 *     while (cr_consult_next(c, &q)) {
 *         show q.text and q.hint, read a line;
 *         switch (cr_consult_answer(c, line, d)) {
 *         case CR_CONSULT_WHY: show cr_consult_why(c); break;
 *         case CR_CONSULT_ERROR: show d's message; break;
 *         default: break;             (answered, skipped or back)
 *         }
 *     }
 *     show cr_consult_verdict(c, width, color, d);
 *     on "how": show cr_consult_how(c);
 *
 * How questions are chosen is described at the top of consult.c. */
#ifndef CR_CONSULT_H
#define CR_CONSULT_H

#include "answer.h"
#include "diag.h"
#include "kb.h"
#include "session.h"

typedef struct cr_consult cr_consult;

/* The question to put next.  Everything it points to is owned by the kb
 * or the consultation, and valid until the next call on it. */
typedef struct cr_question {
    int fact;                   /* the fact asked for */
    const char *name;           /* its name */
    const char *text;           /* the question, in plain English */
    cr_type type;
    const char *const *choices; /* the allowed answers: a choice's values,
                                 * yes and no for a boolean; NULL else */
    int nchoices;
    const char *hint;           /* the allowed answers in words: "yes or
                                 * no", "one of: a, b or c", "a number",
                                 * "any words" */
    int nrules;                 /* recommendation rules that need it */
} cr_question;

/* What cr_consult_answer made of a reply. */
typedef enum cr_consult_status {
    CR_CONSULT_ERROR = -1,      /* not taken: the reason is in d; the
                                 * same question is next again */
    CR_CONSULT_ANSWERED,        /* a value, now stated */
    CR_CONSULT_SKIPPED,         /* the fact will not be asked again */
    CR_CONSULT_BACK,            /* the last answer (or skip) is undone,
                                 * and its question is next again */
    CR_CONSULT_WHY              /* show cr_consult_why; the same
                                 * question is next again */
} cr_consult_status;

/* Start a consultation in session s, which must outlive it: a new turn
 * that asks the question the recommendation rules answer (the intent
 * most of them test, "should I do a PhD?" in the built-in rules), on
 * what is known already.  Returns NULL, with the reason in d, if the
 * rules fail (a runaway rule set). */
cr_consult *cr_consult_new(cr_session *s, cr_diag *d);
void cr_consult_free(cr_consult *c);

/* The question to ask next: fills *q and returns 1, or returns 0 when
 * nothing the user could answer would change the recommendation any
 * more.  Asking again without answering gives the same question. */
int cr_consult_next(cr_consult *c, cr_question *q);

/* Take the user's reply to the question of cr_consult_next: a value
 * (yes/no/y/n/true/false for a boolean, a unique prefix of a choice in
 * any case, with spaces for hyphens, a number), or one of the words
 * why, skip and back.  A value becomes a stated fact and the rules run
 * on it.  Returns a cr_consult_status; CR_CONSULT_ERROR with the reason
 * in d for a reply that is none of these (naming the allowed answers),
 * back with nothing to go back to, why or skip when nothing is asked,
 * or rules that fail. */
cr_consult_status cr_consult_answer(cr_consult *c, const char *text,
                                    cr_diag *d);

/* Why the question is asked, MYCIN-style: the rules that need the fact
 * and what each would conclude (see cr_engine_why).  A new string the
 * caller frees. */
char *cr_consult_why(cr_consult *c);

/* The verdict as an answer (recommendation, strength, the advice of the
 * rules that stand, citations with quotes, the facts known): for --json.
 * NULL, with the reason in d, if the rules fail.  The caller frees it
 * with cr_answer_free. */
cr_answer *cr_consult_conclude(cr_consult *c, cr_diag *d);

/* The verdict in words, wrapped to width columns (0: no wrapping), in
 * ANSI colour if color: the recommendation and its strength (or that
 * there is none yet), the reasons, the user's answers, the citations.
 * A new string the caller frees, or NULL with the reason in d. */
char *cr_consult_verdict(cr_consult *c, int width, int color, cr_diag *d);

/* How the verdict was reached, down to the user's answers (see
 * cr_session_explain).  A new string the caller frees. */
char *cr_consult_how(const cr_consult *c);

/* The question as shown to the user: its text, then its allowed answers
 * and the words why, skip and back, wrapped to width columns (0: no
 * wrapping).  A new string the caller frees. */
char *cr_question_render(const cr_question *q, int width);

/* How the recommendation would change if fact were value, in words:
 * now, then, and the rules that would fire or no longer fire.  What the
 * user said is put back as it was afterwards, and the rules run on it
 * again, so that cr_session_explain explains the recommendation as it
 * stands.  A new string, or NULL with the reason in d (no such fact or
 * value, no rule that recommends, a runaway rule set). */
char *cr_consult_whatif(cr_session *s, const char *fact, const char *value,
                        cr_diag *d);

/* A whole consultation on scripted replies, as a user would type them,
 * one per element of replies: what `crossroads decide` shows on a pipe
 * and what tests check.  Each question is shown ("? " before its text),
 * then the reply ("> reply"), then what it brings (why's text, an
 * error); when the replies run out, the questions left are skipped.
 * Then the verdict; a reply "how" left over adds the explanation.  The
 * transcript is a new string the caller frees; NULL, with the reason in
 * d, if the rules fail. */
char *cr_consult_script(cr_session *s, const char *const *replies, int n,
                        int width, cr_diag *d);

#endif
