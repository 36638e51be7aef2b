/* understand.h - from the user's words to facts.
 *
 * The matcher's side of a turn: the text is normalised, every intent's
 * patterns are tried on it to rank what the question asks about, and
 * the extractors turn what the user says about themselves into facts.
 * Neither decides anything: they only produce facts for the rules. */
#ifndef CR_UNDERSTAND_H
#define CR_UNDERSTAND_H

#include <stddef.h>

#include "diag.h"
#include "facts.h"
#include "classify.h"
#include "kb.h"

/* Normalise user text: bad UTF-8 becomes U+FFFD, terminal escape
 * sequences and control characters go, typographic quotes and dashes
 * become ASCII, runs of white space become one space.  A new string the
 * caller frees. */
char *cr_normalise(const char *text, size_t len);

/* "Ph.D.", "Ph. D." and "Ph.D" written "PhD" in normalised text s, in
 * place (the dots would end a sentence and split the word for the
 * classifier); returns s. */
char *cr_phd_dots(char *s);

/* Whether the n bytes at w are, whatever their case, one of the nv
 * words of v. */
int cr_word_listed(const char *w, size_t n, const char *const *v,
                   size_t nv);

typedef struct cr_intent_hit {
    int intent;
    double score;               /* from the weights of matching patterns */
    size_t start, end;          /* the strongest pattern's match */
} cr_intent_hit;

/* Rank the intents whose patterns match text (normalised) by the weight
 * of their strongest matching pattern plus a tenth of the others' (ties:
 * the intent declared first); in a question of several sentences, a
 * pattern that matches in a sentence that asks (one with a '?', else the
 * last) weighs one and a half times its weight.  Fills up to n hits,
 * best first, and returns how many matched.  A pattern that hits PCRE2's
 * limits is reported into d and counts as not matching. */
int cr_classify(const cr_kb *kb, const char *text, cr_intent_hit *hits,
                int n, cr_diag *d);

/* What a question asks, from patterns and classifier together. */
typedef struct cr_choice {
    int intent;                 /* the winner, or -1 when nothing fits */
    double score;               /* its fused score */
    size_t start, end;          /* the words that stand for it */
    int pattern;                /* the intent of the strongest pattern, or -1 */
    double pattern_score;
    cr_class_hit top[3];        /* the classifier's three best */
    int ntop;
    int suggest[3];             /* the nearest answerable intents, best
                                 * first, for a decline */
    int nsuggest;
} cr_choice;

/* Decide what text (normalised) asks: every intent's pattern score (as
 * cr_classify ranks them) and the classifier's probability are added,
 * the pattern's capped and weighted as understand.c describes, and the
 * best intent wins when its sum reaches CR_FUSE_MIN.  A pattern that hits PCRE2's
 * limits is reported into d.  Returns ch->intent. */
int cr_choose(const cr_kb *kb, const char *text, cr_choice *ch, cr_diag *d);

/* Run the extractors over text (normalised): each match sets its facts
 * in wm as stated by the user in this turn, unless a negation ("not",
 * "don't", "never", ...) stands before it in the same clause, when the
 * extractor's `negated` facts are set instead.  Returns the number of
 * facts set. */
int cr_extract(const cr_kb *kb, const char *text, cr_wm *wm, int turn,
               cr_diag *d);

#endif
