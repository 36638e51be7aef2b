/* classify.h - the intent classifier trained from the rule files'
 * examples, and the spelling corrector that shares its vocabulary.
 *
 * Hand-written patterns recognise what their authors foresaw; the
 * classifier generalises from the examples every intent declares, so an
 * author improves recognition by adding examples.  It is a multinomial
 * naive Bayes model over features of the words: stems other than
 * function words, and bigrams of adjacent stems.  (A token for each
 * concept a text matches
 * was tried too: on the development questions it changed no answer,
 * and matching the concepts' patterns over every example made training
 * ten times slower.)  Out-of-scope intents are classes like any other,
 * so declining is learned too.  Training is counting, so a model is
 * rebuilt whenever the rules are (cr_kb_finish) and kept, counts and
 * all, in the compiled rule cache.
 *
 * The counts are kept sparse: for each feature, the classes that saw it
 * and how often.  Scoring a text walks its features only, and leaving
 * one example out (cr_model_loo) subtracts its own counts, so the
 * model's accuracy on examples it has not seen costs no retraining. */
#ifndef CR_CLASSIFY_H
#define CR_CLASSIFY_H

#include <stddef.h>

#include "corpus.h"
#include "kb.h"

/* cr_model is declared in kb.h, which holds one. */

/* Train a model from kb's intents' examples, with the words of corpus
 * and of the rule files as the spelling vocabulary.  Never fails; an intent with no examples
 * is simply never ranked.  The caller frees the result. */
cr_model *cr_model_train(const cr_kb *kb, const cr_corpus *corpus);
void cr_model_free(cr_model *m);

/* One class of a ranking: an intent, with its probability. */
typedef struct cr_class_hit {
    int intent;
    double p;
} cr_class_hit;

/* A span of text (bytes [start, end)) and how much its words count. */
typedef struct cr_weighted_span {
    size_t start, end;
    double weight;
} cr_weighted_span;

/* Rank the intents for text (normalised): fills up to n hits, most
 * probable first, and returns how many.  Words inside the spans count
 * with their span's weight, the others once (nspans may be 0). */
int cr_model_rank(const cr_model *m, const char *text,
                  const cr_weighted_span *spans, int nspans,
                  cr_class_hit *hits, int n);

/* The same for text, one of intent's own examples, as if the model had
 * never seen it: the example's counts are taken out of its intent's
 * before it is scored. */
int cr_model_rank_loo(const cr_model *m, const char *text, int intent,
                      cr_class_hit *hits, int n);

/* A word read as another. */
typedef struct cr_correction {
    char *from, *to;
} cr_correction;

/* Correct the words of text (normalised) that are neither in the
 * model's vocabulary nor English words of the word list dict (see
 * words.h; NULL or unreadable: no list) to the
 * closest word of the vocabulary (Damerau-Levenshtein distance 1 for
 * words of 4 to 7 letters, 2 for longer ones; ties go to the more
 * frequent).  Returns a new string the caller frees, or NULL when
 * nothing was corrected; the corrections go into *out (a new array, of
 * *n entries, freed with cr_corrections_free). */
char *cr_model_correct(const cr_model *m, const char *text, const char *dict,
                       cr_correction **out, int *n);

void cr_corrections_free(cr_correction *c, int n);

/* Whether word (lowercase) is in the spelling vocabulary (a word only
 * one example uses is not: it may be that example's typo). */
int cr_model_knows(const cr_model *m, const char *word);

/* The model as bytes for the cache (a new buffer the caller frees, its
 * size in *size), and back: cr_model_decode uses the bytes where they
 * lie (its tables point into them, so they must outlive the model; it
 * copies them only when they are not aligned to 4 bytes, or never uses
 * them on a big-endian machine).  Returns NULL if the bytes do not
 * describe a model for nintents intents: every table's size and offset
 * is checked against them here, each feature's cells as a question uses
 * them, so that no bytes, however damaged, make it read astray. */
unsigned char *cr_model_encode(const cr_model *m, size_t *size);
cr_model *cr_model_decode(const unsigned char *p, size_t size,
                          int nintents);

#endif
