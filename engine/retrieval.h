/* retrieval.h - full-text search over the essay (SQLite FTS5, in memory).
 *
 * bm25 with FTS5's porter tokenizer ranks the sections of a corpus for a
 * question (to answer questions no rule covers) and picks the sentences
 * of one section most relevant to a question (the quote a citation
 * shows).  Nothing is indexed when the index is made: the sections are
 * indexed on the first ranking and the corpus's sentences tokenized on
 * the first quote that needs it, and both are kept, so a process pays
 * only for what it uses, once.  Results depend only on the corpus and
 * the question, never on what was asked before in the same process.
 * The sections' index can instead come ready-made, as an image of its
 * database that an earlier process kept (the compiled rule cache keeps
 * one beside the knowledge base): it ranks exactly as the index built
 * from the corpus, and costs a fraction of building it.
 * Questions are free text: no user input is ever read as FTS5 query
 * syntax.  Only a question's first 128 distinct words that are not stop
 * words are searched for, so a long question costs no more than that. */
#ifndef CR_RETRIEVAL_H
#define CR_RETRIEVAL_H

#include <stddef.h>

#include "corpus.h"

typedef struct cr_index cr_index;

typedef struct cr_hit {
    int section;          /* index into the corpus */
    double score;         /* relevance, higher is better (minus bm25) */
} cr_hit;

/* An index of corpus c, which must outlive it.  Cheap: nothing is
 * built, nor is SQLite's in-memory database opened, before it is
 * needed.  A later failure to open or build part of the index (out of
 * memory) is not reported: ranking then finds nothing and quotes are a
 * section's first sentences, for good. */
cr_index *cr_index_new(const cr_corpus *c);
void cr_index_free(cr_index *ix);

/* The one or two consecutive sentences of section sec most relevant to
 * question (bm25 over the section's sentences, with word statistics from
 * all the corpus's sentences); the section's first sentences when no
 * word of the question occurs in it.  A quote is never the whole of a
 * long section: at most two sentences and about 320 characters.  Returns a new string the caller frees; "" for a section
 * without text. */
char *cr_index_quote(cr_index *ix, int sec, const char *question);

/* Rank the sections for question; fills up to n hits, best first, and
 * returns how many it filled (0 when no word matches). */
int cr_index_rank(cr_index *ix, const char *question, cr_hit *hits, int n);

/* An image of the index of the sections, for cr_index_set_image in a
 * later process: the index is built first if it is not yet.  Returns a
 * new buffer the caller frees, its size in *len; NULL if the index
 * cannot be built or copied out. */
unsigned char *cr_index_image(cr_index *ix, size_t *len);

/* Rank from image (len bytes that cr_index_image made for an index of
 * the same corpus) instead of building the index on first ranking.  The
 * index takes image over (it is from malloc; the index frees it) and
 * reads it only on first need.  An image that this SQLite did not make
 * for as many sections, that is damaged, or that SQLite cannot read
 * then, is silently given up for building the index from the corpus, so
 * the rankings are the same either way.  Once ix has ranked, image is
 * only freed. */
void cr_index_set_image(cr_index *ix, unsigned char *image, size_t len);
/* The same for an image that lies in a mapping (maplen bytes at map,
 * from mmap), which the index unmaps instead of freeing. */
void cr_index_set_image_mapped(cr_index *ix, void *map, size_t maplen,
                               unsigned char *image, size_t len);

/* Whether ix has an image to rank from: before its first ranking, one
 * handed to it; after, one it ranked from, a damaged image being
 * dropped for the sections indexed anew. */
int cr_index_has_image(const cr_index *ix);

/* What an image depends on besides the corpus (the SQLite that makes
 * and reads it), as text: a static string.  A cache that keeps images
 * should key them on it too. */
const char *cr_index_format(void);

#endif
