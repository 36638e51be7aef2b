/* corpus.h - the essay, split into a tree of sections.
 *
 * The corpus is one Markdown file with YAML front matter, kept exactly as
 * the user gave it.  Every `##`, `###` or `####` heading opens a section;
 * the text between the front matter and the first `##` is the section
 * `introduction`.  Sections are numbered in document order from 0, and
 * each knows its parent (the nearest enclosing heading of a lower level),
 * so the heading path of `advisor` is Doing a PhD > Things to Consider >
 * Advisor.  Anchors are GitHub's slugs of the headings: lowercased,
 * punctuation dropped, spaces turned into hyphens.
 *
 * A section's text is its own body only (not its subsections), reduced to
 * readable plain text: links keep their words, emphasis and inline code
 * lose their marks, HTML tags go (a tweet embed keeps its words and
 * author), entities are decoded, list items stay one per line as "- item".
 * Paragraphs are separated by one blank line. */
#ifndef CR_CORPUS_H
#define CR_CORPUS_H

#include <stddef.h>

typedef struct cr_corpus cr_corpus;

/* Parse Markdown text of len bytes.  Never fails on any input (a text
 * without headings is one section, `introduction`); the caller frees the
 * result with cr_corpus_free. */
cr_corpus *cr_corpus_parse(const char *text, size_t len);

/* Read and parse the file at path, which must be a regular file (a FIFO
 * is never waited on).  Returns NULL if it cannot be read, with the
 * reason in *err when err is not NULL (see cr_file_error). */
cr_corpus *cr_corpus_load(const char *path, int *err);

void cr_corpus_free(cr_corpus *c);

/* c as bytes, for the rule cache (whose key covers the essay), so that a
 * warm start need not parse the Markdown: a new buffer of *n bytes. */
unsigned char *cr_corpus_encode(const cr_corpus *c, size_t *n);

/* The corpus encoded in the n bytes at p, equal to the one encoded, or
 * NULL if they are not an encoding (any bytes are safe to give). */
cr_corpus *cr_corpus_decode(const unsigned char *p, size_t n);

/* The title from the front matter, or "" if there is none. */
const char *cr_corpus_title(const cr_corpus *c);

int cr_corpus_count(const cr_corpus *c);
/* The index of the section with this anchor, or -1. */
int cr_corpus_find(const cr_corpus *c, const char *anchor);

/* Accessors of section i (0 <= i < count); the strings belong to the
 * corpus.  Level is 2 for `##` (and for the introduction), 3 for `###`,
 * 4 for `####`.  Parent is -1 for top-level sections.  Line is the
 * 1-based line of the heading in the file (of the first line of text for
 * the introduction). */
const char *cr_corpus_heading(const cr_corpus *c, int i);
const char *cr_corpus_anchor(const cr_corpus *c, int i);
const char *cr_corpus_text(const cr_corpus *c, int i);
int cr_corpus_level(const cr_corpus *c, int i);
int cr_corpus_parent(const cr_corpus *c, int i);
int cr_corpus_line(const cr_corpus *c, int i);

/* The headings from the top-level section down to section i, joined with
 * sep (for example " › "); a new string the caller frees. */
char *cr_corpus_path(const cr_corpus *c, int i, const char *sep);

/* The GitHub-style slug of a heading; a new string the caller frees. */
char *cr_corpus_slug(const char *heading);

#endif
