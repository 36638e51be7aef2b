/* retrieval.h - full-text search over the essay (SQLite FTS5, in memory).
 *
 * Two FTS5 tables with the porter tokenizer are built from a corpus: one
 * row per section (its heading and text) and one row per sentence.  bm25
 * ranks sections for a question (to answer questions no rule covers) and
 * ranks the sentences of one section (to pick the quote that a citation
 * shows).  Questions are free text: each word becomes a quoted FTS5 term,
 * so no user input is ever read as FTS5 query syntax. */
#ifndef CR_RETRIEVAL_H
#define CR_RETRIEVAL_H

#include "corpus.h"

typedef struct cr_index cr_index;

typedef struct cr_hit {
    int section;          /* index into the corpus */
    double score;         /* relevance, higher is better (minus bm25) */
} cr_hit;

/* Build the index of corpus c, which must outlive it.  Returns NULL on
 * failure and, if err is not NULL, a message in *err that the caller
 * frees. */
cr_index *cr_index_new(const cr_corpus *c, char **err);
void cr_index_free(cr_index *ix);

/* The one or two consecutive sentences of section sec most relevant to
 * question (bm25 over the section's sentences); the section's first
 * sentences when no word of the question occurs in it.  A quote is never
 * the whole of a long section: at most two sentences and about 320
 * characters.  Returns a new string the caller frees; "" for a section
 * without text. */
char *cr_index_quote(cr_index *ix, int sec, const char *question);

/* Rank the sections for question; fills up to n hits, best first, and
 * returns how many it filled (0 when no word matches). */
int cr_index_rank(cr_index *ix, const char *question, cr_hit *hits, int n);

#endif
