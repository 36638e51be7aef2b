/* session.h - one conversation with crossroads: the program's interface
 * to the engine.
 *
 * A session owns the corpus, its search index, the knowledge base, the
 * engine and working memory.  Each question is a turn: the text is
 * normalised, the extractors record what the user says about themselves
 * (kept across turns), the best intent becomes the fact `intent` (for
 * this turn only), the rules run, and an answer is composed. */
#ifndef CR_SESSION_H
#define CR_SESSION_H

#include "answer.h"
#include "corpus.h"
#include "diag.h"
#include "engine.h"
#include "facts.h"
#include "kb.h"
#include "retrieval.h"

typedef struct cr_session cr_session;

/* Load the corpus at corpus_path and the rule files or folders in
 * rule_paths (in that order).  Returns NULL if anything is wrong, with
 * every problem in d. */
cr_session *cr_session_new(const char *corpus_path,
                           const char *const *rule_paths, int npaths,
                           cr_diag *d);

/* The same, through the compiled rule cache in cache_dir (see cache.h):
 * the knowledge base is read from the cache when the files have not
 * changed since it was written, and written to it after a clean load
 * from YAML.  A NULL cache_dir is cr_session_new.  The answers are the
 * same either way; only a load that reports nothing into d uses the
 * cache, so commands that want warnings must not. */
cr_session *cr_session_open(const char *corpus_path,
                            const char *const *rule_paths, int npaths,
                            const char *cache_dir, cr_diag *d);
void cr_session_free(cr_session *s);

/* Read every rule file again, from rule_paths (npaths of them) or, when
 * rule_paths is NULL, from the paths the session was opened or last
 * reloaded with.  On any error, keeps the rules it had and returns -1
 * with the errors in d.  On success, answers from then on with the new
 * rules, and returns 0: what the user stated (in their words or by
 * cr_session_set) is stated again, provided its fact is still declared
 * and the value still fits it; each one that is not is dropped with a
 * warning in d.  What the rules concluded is concluded afresh at the
 * next question; the last answer's explanation is gone. */
int cr_session_reload(cr_session *s, const char *const *rule_paths,
                      int npaths, cr_diag *d);

/* JIT-compile the patterns: worth it when many questions will follow. */
void cr_session_jit(cr_session *s);

/* Whether answers list every fact known (cr_answer's facts, which the
 * JSON output shows): on at first.  Off, a turn costs nothing for the
 * facts it does not touch. */
void cr_session_list_facts(cr_session *s, int on);

/* Answer one question (len bytes of any content).  Returns 0 and the
 * answer in *out (the caller frees it), or -1 with the reason in d (a
 * pattern that hit PCRE2's limits, a runaway rule set). */
int cr_session_ask(cr_session *s, const char *question, size_t len,
                   cr_answer **out, cr_diag *d);

/* State fact name = value up front (as --fact does).  Returns 0, or -1
 * with the reason in d. */
int cr_session_set(cr_session *s, const char *name, const char *value,
                   cr_diag *d);

/* The same, saying how (":set", "profile me.yaml") for explanations. */
int cr_session_set_from(cr_session *s, const char *name, const char *value,
                        const char *how, cr_diag *d);
/* Withdraw what the user said about fact name (-1 with the reason in d
 * if there is no such fact or nothing was said), or about every fact. */
int cr_session_forget(cr_session *s, const char *name, cr_diag *d);
/* Take back what the user's last message (cr_session_ask) changed among
 * the facts they had stated, the latest first and up to 64 messages
 * back: a new string saying what was restored ("Taken back: goal
 * startup → academia."), which the caller frees, or NULL with the
 * reason in d when no message changed anything. */
char *cr_session_undo(cr_session *s, cr_diag *d);
void cr_session_reset(cr_session *s);
/* Fire the rules on what changed since the last turn, so that what
 * working memory shows follows from what the user says now.  Returns 0,
 * or -1 with the looping rules in d. */
int cr_session_settle(cr_session *s, cr_diag *d);

int cr_session_turn(const cr_session *s);
/* The rule paths the session was opened (or last reloaded) with; *n is
 * set to their count. */
const char *const *cr_session_rule_paths(const cr_session *s, int *n);
const cr_corpus *cr_session_corpus(const cr_session *s);
/* The index of the essay the session ranks and quotes with. */
cr_index *cr_session_index(const cr_session *s);
const cr_kb *cr_session_kb(const cr_session *s);

/* The longest question crossroads reads, in bytes; longer ones are
 * refused with a message, in every mode. */
#define CR_MAX_QUESTION 8192

/* The most rules one turn may fire before the engine gives up:
 * CR_FIRING_LIMIT, and CR_FIRINGS_PER_RULE more for each rule. */
#define CR_FIRING_LIMIT 10000
#define CR_FIRINGS_PER_RULE 4

/* Explanations of the session's state, in English: a new string the
 * caller frees, or NULL with the reason in d (no such fact or rule).
 * How the last answer was reached (the chain behind its advice and
 * recommendation); how fact is known; why the rules want to know fact;
 * why rule did not fire.  See engine.h. */
char *cr_session_explain(const cr_session *s);
char *cr_session_how(const cr_session *s, const char *fact, cr_diag *d);
char *cr_session_why(const cr_session *s, const char *fact, cr_diag *d);
char *cr_session_why_not(const cr_session *s, const char *rule,
                         cr_diag *d);

/* For the guided consultation (consult.h), which asks its questions as
 * turns without words.
 *
 * The session's working memory and engine, owned by the session. */
cr_wm *cr_session_wm(const cr_session *s);
const cr_engine *cr_session_engine(const cr_session *s);
/* Start a new turn; returns its number. */
int cr_session_next_turn(cr_session *s);
/* Ask intent (an intent's id) without words, in the current turn:
 * intent becomes the fact `intent` (from the consultation), the rules
 * run afresh on everything that rests on it, and
 * the answer goes into *out if out is not NULL (the caller frees it);
 * cr_session_explain then explains it.  intent NULL: no intent, the
 * rules run on the other facts alone.  Returns 0, or -1 with the reason
 * in d (no such intent, a runaway rule set). */
int cr_session_ask_intent(cr_session *s, const char *intent,
                          cr_answer **out, cr_diag *d);

/* Where the time went, for --stats. */
typedef struct cr_session_stats {
    double load_ms;             /* all of cr_session_new */
    double rules_ms;            /* of which reading the essay and reading
                                   and checking rules */
    double engine_ms;           /* and building the engine */
    double turn_ms;             /* all of the last cr_session_ask */
    double run_ms;              /* of which the engine's run */
    int rules, facts;           /* declared */
    int fired;                  /* in the last turn */
    int cached;                 /* rules read from the rule cache */
} cr_session_stats;

void cr_session_stats_get(const cr_session *s, cr_session_stats *st);

#endif
