/* prefilter.h - the words a pattern cannot match without.
 *
 * Most of a turn went to running every intent's and extractor's pattern
 * over the question, though a question holds the words of only a few.
 * So each pattern gets, when it is compiled, a need: literal strings of
 * which every match of the pattern holds at least one (its literal runs,
 * through groups, alternations and concepts, chosen to be long), and a
 * turn runs only the patterns whose need its text meets, as Hyperscan
 * and ChatScript index their patterns.  A need is found by reading the
 * pattern's source, and only where that is sure: anything it does not
 * understand needs nothing, so a pattern is never skipped that could
 * have matched. */
#ifndef CR_PREFILTER_H
#define CR_PREFILTER_H

#include <stddef.h>

/* The need of pattern (len bytes, as given to cr_regex_new, matched
 * case-insensitively): a new string of lowercase ASCII literals, each
 * ended by a NUL, the last followed by another NUL; or NULL when the
 * pattern needs no literal. */
char *cr_prefilter_need(const char *pattern, size_t len);

/* The length of a need, both final NULs included (0 for NULL). */
size_t cr_prefilter_size(const char *need);

/* text folded for cr_prefilter_may_match: a new string, ASCII letters
 * lowercased; NULL when text holds a character that PCRE2's caseless
 * matching takes for an ASCII letter (the Kelvin sign, the long s), for
 * which no pattern may be skipped. */
char *cr_prefilter_fold(const char *text);

/* Whether a pattern with need could match the text folded into folded
 * (either may be NULL: then it could). */
int cr_prefilter_may_match(const char *need, const char *folded);

#endif
