/* porter.h - the Porter stemmer, exactly as SQLite's FTS5 "porter"
 * tokenizer applies it, for the words of a question.
 *
 * Quoting picks a section's sentence by bm25 over tokens that FTS5's
 * tokenizer (porter over unicode61) made of the essay when the rule
 * cache was written.  A question's words must become the same tokens;
 * asking FTS5 for them means opening SQLite, a tenth of a one-off
 * answer.  A word of lower-case ASCII letters and digits is one
 * unicode61 token as it stands, so its token is cr_porter_stem of it;
 * any other word still goes to FTS5.  check_retrieval compares the two
 * over every word of the system's English word list. */
#ifndef CR_PORTER_H
#define CR_PORTER_H

#include <stddef.h>

/* Longest token FTS5 stems; longer ones, and those under 3 bytes, are
 * kept as they are. */
#define CR_PORTER_MAX 64

/* The stem of the n bytes at w (lower-case ASCII letters and digits)
 * into out, which has room for n bytes; returns its length. */
size_t cr_porter_stem(const char *w, size_t n, char *out);

/* Whether the n bytes at w are all lower-case ASCII letters or digits:
 * a word that cr_porter_stem may be given. */
int cr_porter_word(const char *w, size_t n);

#endif
