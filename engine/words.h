/* words.h - the system's list of English words, which spelling leaves
 * alone (see cr_model_correct in classify.h).
 *
 * The list (Debian's wamerican: some 100,000 words, a megabyte) is
 * read on the first word spelling does not know, into a sorted table of
 * the 32-bit hashes of its lowercased words.  Reading it costs some
 * 8 ms, three times a one-off answer; so, given a folder (the rule
 * cache's), the table is kept there, named after the list's path, size,
 * time and inode, and later processes map it instead (a few
 * microseconds).  A table that is damaged can only make spelling leave a
 * word alone or correct it: its size is checked, and a search of any
 * bytes stays within them. */
#ifndef CR_WORDS_H
#define CR_WORDS_H

/* The list: the file named by $CROSSROADS_WORDS, else
 * /usr/share/dict/words. */
const char *cr_word_list(void);

/* Keep the tables in dir (which must exist and be the user's own, as
 * cr_cache_dir makes sure), or, with NULL, nowhere. */
void cr_words_keep_in(const char *dir);

/* Whether word (lowercase) is in the list at path, one word a line in
 * any case; never when path is NULL or cannot be read.  A word whose
 * hash is a listed word's, one chance in tens of thousands, is taken
 * for English. */
int cr_words_has(const char *path, const char *word);

/* Drop the table read (for leak checkers; the process may end without
 * it). */
void cr_words_free(void);

#endif
