/* prefilter.h - the words a pattern cannot match without.
 *
 * Most of a turn went to running every intent's and extractor's pattern
 * over the question, though a question holds the words of only a few.
 * So each pattern gets, when it is compiled, a need: up to four clauses
 * of literal strings, every match of the pattern holding one literal of
 * each clause (its literal runs, through groups, alternations and
 * concepts, the longest kept), and a turn runs only the patterns whose
 * need its text meets, as Hyperscan and ChatScript index their
 * patterns.  A need is found by reading the pattern's source, and only
 * where that is sure: anything it does not understand needs nothing, so
 * a pattern is never skipped that could have matched. */
#ifndef CR_PREFILTER_H
#define CR_PREFILTER_H

#include <stddef.h>

/* The need of pattern (len bytes, as given to cr_regex_new, matched
 * case-insensitively): a new string of clauses, each of lowercase ASCII
 * literals ended by a NUL and the clause by another NUL, the last clause
 * followed by one more NUL; or NULL when the pattern needs no literal.
 * Every match holds a literal of each clause: "why (?:do|get) a phd"
 * needs "why " and "a phd" and one of "do", "get". */
char *cr_prefilter_need(const char *pattern, size_t len);

/* text folded for cr_prefilter_scan: a new string, ASCII letters
 * lowercased; NULL when text holds a character that PCRE2's caseless
 * matching takes for an ASCII letter (the Kelvin sign, the long s), for
 * which no pattern may be skipped. */
char *cr_prefilter_fold(const char *text);

/* An index of the needs of many patterns, numbered 0, 1, ... in the
 * order they are added, so that a text is read once for all of them:
 * each literal is looked for at each place of the text by its first
 * three bytes (two for a literal of two), instead of searching the text
 * once for every literal. */
typedef struct cr_prefilter cr_prefilter;

/* An index for about n patterns (more may be added). */
cr_prefilter *cr_prefilter_new(int n);
void cr_prefilter_free(cr_prefilter *pf);

/* Add the next pattern's need (NULL: it needs nothing), to an index
 * made by cr_prefilter_new. */
void cr_prefilter_add(cr_prefilter *pf, const char *need);

/* Which patterns could match folded (cr_prefilter_fold; NULL: all):
 * a new array of one flag a pattern, in the order they were added.  pf
 * keeps the last text's flags, as a turn asks twice (for the intents,
 * then for what the user says), until a pattern is added. */
unsigned char *cr_prefilter_scan(const cr_prefilter *pf,
                                 const char *folded);

/* The index as bytes for the cache (a new buffer the caller frees, its
 * size in *size), and back: cr_prefilter_decode uses the bytes where
 * they lie (they must outlive the index; it copies them only when they
 * are not aligned to 4 bytes, and never uses them on a big-endian
 * machine).  Returns NULL if the bytes do not describe an index of npat
 * patterns whose tables hold together: no bytes, however damaged, make
 * a scan read astray or loop. */
unsigned char *cr_prefilter_encode(const cr_prefilter *pf, size_t *size);
cr_prefilter *cr_prefilter_decode(const unsigned char *p, size_t size,
                                  int npat);

#endif
