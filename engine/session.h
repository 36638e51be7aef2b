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
#include "kb.h"

typedef struct cr_session cr_session;

/* Load the corpus at corpus_path and the rule files or folders in
 * rule_paths (in that order).  Returns NULL if anything is wrong, with
 * every problem in d. */
cr_session *cr_session_new(const char *corpus_path,
                           const char *const *rule_paths, int npaths,
                           cr_diag *d);
void cr_session_free(cr_session *s);

/* JIT-compile the patterns: worth it when many questions will follow. */
void cr_session_jit(cr_session *s);

/* Answer one question (len bytes of any content).  Returns 0 and the
 * answer in *out (the caller frees it), or -1 with the reason in d (a
 * pattern that hit PCRE2's limits, a runaway rule set). */
int cr_session_ask(cr_session *s, const char *question, size_t len,
                   cr_answer **out, cr_diag *d);

/* State fact name = value up front (as --fact does).  Returns 0, or -1
 * with the reason in d. */
int cr_session_set(cr_session *s, const char *name, const char *value,
                   cr_diag *d);

const cr_corpus *cr_session_corpus(const cr_session *s);
const cr_kb *cr_session_kb(const cr_session *s);

/* The most rules one turn may fire before the engine gives up. */
#define CR_FIRING_LIMIT 10000

#endif
