/* matcher.h - regular expressions (PCRE2) for intents and extractors.
 *
 * The only module that sees <pcre2.h>.  Patterns are compiled
 * case-insensitive, with UTF and Unicode properties (so \w and \b know
 * letters beyond ASCII); JIT compilation is optional because for a
 * one-off question it costs more than it saves, but a pattern is
 * JIT-compiled when it is first matched against a long subject, where
 * it pays.  Every match runs under match and depth limits, so a
 * catastrophic pattern ends with an error instead of hanging. */
#ifndef CR_MATCHER_H
#define CR_MATCHER_H

#include <stddef.h>

typedef struct cr_regex cr_regex;

/* What went wrong compiling a pattern: PCRE2's message and the byte
 * offset in the pattern where it noticed. */
typedef struct cr_regex_error {
    size_t offset;
    char message[256];
} cr_regex_error;

/* Outcome of a match. */
enum { CR_MATCH_LIMIT = -2, CR_MATCH_ERROR = -1, CR_NOMATCH = 0, CR_MATCH = 1 };

/* Compile pattern (len bytes, need not be NUL-terminated).  Returns NULL
 * and fills *err on failure; the caller frees the result. */
cr_regex *cr_regex_new(const char *pattern, size_t len, cr_regex_error *err);
void cr_regex_free(cr_regex *re);

/* Compiled patterns as bytes, for the rule cache (cache.c): the n
 * patterns of res, with the character tables they share, in PCRE2's
 * serialised form.  Returns a new buffer the caller frees, and its size
 * in *size; NULL if PCRE2 cannot serialise them.  The bytes only suit a
 * PCRE2 of the same version and build. */
unsigned char *cr_regex_save(cr_regex *const *res, int n, size_t *size);

/* The inverse: decode exactly n patterns from size bytes into out[0..n).
 * Returns 0, or -1 (and nothing in out) if the bytes are not n patterns
 * this PCRE2 can load.  Every length is checked against size (each
 * code's block, its table of group names), so no bytes make a read
 * beyond them; PCRE2 checks its header (magic, version, build).  But no
 * one checks the compiled code itself, which pcre2_match follows
 * blindly: the caller must know the bytes are those cr_regex_save wrote
 * (the cache's checksum tells them from damaged ones, not from forged
 * ones).  Each pattern is decoded from the bytes the first time it is
 * used, so the bytes must outlive the patterns: a one-off question uses
 * a few dozen of some hundreds. */
int cr_regex_load(const unsigned char *bytes, size_t size, cr_regex **out,
                  int n);

/* JIT-compile re; harmless when JIT is not available. */
void cr_regex_jit(cr_regex *re);

/* Match re against subject (len bytes) from byte offset start,
 * JIT-compiling re first if the subject is long (some kilobytes).  On
 * CR_MATCH the whole match is [*mstart, *mend).  CR_MATCH_LIMIT when the
 * match or depth limit was hit, CR_MATCH_ERROR for other failures (such
 * as invalid UTF-8 in the subject). */
int cr_regex_match(cr_regex *re, const char *subject, size_t len,
                   size_t start, size_t *mstart, size_t *mend);

/* cr_regex_match of a subject the caller has found valid UTF-8
 * (cr_utf8_valid), with start at a character: PCRE2 then reads it
 * without checking it again, as a turn runs some dozens of patterns
 * over the same question. */
int cr_regex_match_valid(cr_regex *re, const char *subject, size_t len,
                         size_t start, size_t *mstart, size_t *mend);

/* After a successful cr_regex_match of re, and before the next match
 * of any pattern, the named group's span.  Returns 1 if the group exists
 * and took part in the match, else 0. */
int cr_regex_group(cr_regex *re, const char *name, size_t *gstart,
                   size_t *gend);

/* The names of re's named groups, in number order: sets *names to an
 * array owned by re, returns its length. */
int cr_regex_names(cr_regex *re, const char *const **names);

/* Check that text (len bytes) is valid UTF-8; returns the byte offset of
 * the first bad byte, or len if all is well. */
size_t cr_utf8_valid(const char *text, size_t len);

#endif
