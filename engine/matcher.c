/* matcher.c - PCRE2 behind a small interface.
 *
 * Every pattern matches into one shared match data (the program matches
 * one pattern at a time), made for the most groups any live pattern has
 * and freed with the last pattern.  PCRE2 keeps its backtracking frames
 * in the match data, so sharing it makes them once, not once for each
 * of the hundreds of patterns a question is matched against: fresh
 * pages are what a one-off question pays for most.  After the first
 * match a turn of the REPL allocates nothing here.  Limits: PCRE2's
 * match limit counts calls of its internal match function, the depth
 * limit bounds backtracking memory; the values below stop a
 * catastrophic pattern such as (a+)+$ within milliseconds while leaving
 * room for any sane pattern on a long question. */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#ifdef HAVE_VALGRIND_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

#include "matcher.h"
#include "xmalloc.h"

enum { MATCH_LIMIT = 200000, DEPTH_LIMIT = 2000 };

/* A subject at least this long is worth JIT-compiling a pattern for,
 * if it is not compiled yet: JIT-compiling the built-in patterns costs
 * some 5 ms, about what JIT code saves over the interpreter matching
 * them all against 4 KB; against 8 KB it halves a one-off turn. */
enum { JIT_WORTH = 4096 };

/* A pattern matched this many times is worth JIT-compiling too: it
 * costs about as much as four interpreted matches of a question save,
 * and a session that has matched a pattern that often (a conversation,
 * pipe mode) will most likely match it again; a one-off answer never
 * gets there. */
enum { JIT_AFTER = 4 };

struct cr_regex {
    pcre2_code *code;
    char **names;        /* named groups, by number order */
    int nnames;
    int jit_tried;       /* cr_regex_jit has run */
    int uses;            /* matches made, up to JIT_AFTER */
};

/* What every pattern matches with. */
static struct {
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    uint32_t pairs;      /* md's ovector pairs */
    long live;           /* patterns not yet freed */
} shared;

static void read_names(cr_regex *re)
{
    uint32_t count = 0, size = 0;
    PCRE2_SPTR table;
    pcre2_pattern_info(re->code, PCRE2_INFO_NAMECOUNT, &count);
    if (count == 0)
        return;
    pcre2_pattern_info(re->code, PCRE2_INFO_NAMEENTRYSIZE, &size);
    pcre2_pattern_info(re->code, PCRE2_INFO_NAMETABLE, &table);
    re->names = xcalloc(count, sizeof(char *));
    for (uint32_t i = 0; i < count; i++)
        re->names[i] = xstrdup((const char *)table + i * size + 2);
    re->nnames = (int)count;
}

/* A compiled pattern in a cr_regex; the shared match data grows to
 * hold its groups. */
static cr_regex *wrap(pcre2_code *c)
{
    uint32_t groups = 0;
    pcre2_pattern_info(c, PCRE2_INFO_CAPTURECOUNT, &groups);
    if (shared.mctx == NULL) {
        shared.mctx = pcre2_match_context_create(NULL);
        if (shared.mctx == NULL)
            abort();
        pcre2_set_match_limit(shared.mctx, MATCH_LIMIT);
        pcre2_set_depth_limit(shared.mctx, DEPTH_LIMIT);
    }
    if (groups + 1 > shared.pairs) {
        pcre2_match_data_free(shared.md);
        shared.md = pcre2_match_data_create(groups + 1, NULL);
        if (shared.md == NULL)
            abort();
        shared.pairs = groups + 1;
    }
    shared.live++;
    cr_regex *re = xcalloc(1, sizeof *re);
    re->code = c;
    read_names(re);
    return re;
}

cr_regex *cr_regex_new(const char *pattern, size_t len, cr_regex_error *err)
{
    int code;
    PCRE2_SIZE off;
    uint32_t opts = PCRE2_CASELESS | PCRE2_UTF | PCRE2_UCP;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)pattern, len, opts, &code,
                                  &off, NULL);
    if (c == NULL) {
        err->offset = off;
        pcre2_get_error_message(code, (PCRE2_UCHAR *)err->message,
                                sizeof err->message);
        return NULL;
    }
    return wrap(c);
}

unsigned char *cr_regex_save(cr_regex *const *res, int n, size_t *size)
{
    if (n == 0) {               /* PCRE2 refuses to encode no code */
        *size = 0;
        return xmalloc(1);
    }
    const pcre2_code **codes = xcalloc((size_t)n + 1, sizeof *codes);
    for (int i = 0; i < n; i++)
        codes[i] = res[i]->code;
    uint8_t *bytes;
    PCRE2_SIZE len;
    int32_t rc = pcre2_serialize_encode(codes, n, &bytes, &len, NULL);
    free(codes);
    if (rc != n)
        return NULL;
    unsigned char *copy = xmalloc(len ? len : 1);
    memcpy(copy, bytes, len);
    pcre2_serialize_free(bytes);
    *size = len;
    return copy;
}

int cr_regex_load(const unsigned char *bytes, size_t size, cr_regex **out,
                  int n)
{
    if (n == 0)
        return 0;
    /* PCRE2 takes no length: at least its 16-byte header must be there
     * before it reads the count (the rest the cache's checksum vouches
     * for). */
    if (size < 16 || pcre2_serialize_get_number_of_codes(bytes) != n)
        return -1;
    pcre2_code **codes = xcalloc((size_t)n, sizeof *codes);
    if (pcre2_serialize_decode(codes, n, bytes, NULL) != n) {
        free(codes);
        return -1;
    }
    for (int i = 0; i < n; i++)
        out[i] = wrap(codes[i]);
    free(codes);
    return 0;
}

void cr_regex_free(cr_regex *re)
{
    if (re == NULL)
        return;
    for (int i = 0; i < re->nnames; i++)
        free(re->names[i]);
    free(re->names);
    pcre2_code_free(re->code);
    free(re);
    if (--shared.live == 0) {
        pcre2_match_data_free(shared.md);
        pcre2_match_context_free(shared.mctx);
        memset(&shared, 0, sizeof shared);
    }
}

void cr_regex_jit(cr_regex *re)
{
    if (re->jit_tried)
        return;
    re->jit_tried = 1;
#ifdef RUNNING_ON_VALGRIND
    /* valgrind cannot tell what JIT code initialised and reports every
     * match; the interpreter gives the same answers and can be checked. */
    if (RUNNING_ON_VALGRIND)
        return;
#endif
    /* A pattern that JIT cannot compile still works interpreted. */
    (void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
}

int cr_regex_match(cr_regex *re, const char *subject, size_t len,
                   size_t start, size_t *mstart, size_t *mend)
{
    if (!re->jit_tried &&
        (++re->uses >= JIT_AFTER || (start < len && len - start >= JIT_WORTH)))
        cr_regex_jit(re);
    int rc = pcre2_match(re->code, (PCRE2_SPTR)subject, len, start, 0,
                         shared.md, shared.mctx);
    if (rc == PCRE2_ERROR_NOMATCH)
        return CR_NOMATCH;
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
        rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT)
        return CR_MATCH_LIMIT;
    if (rc < 0)
        return CR_MATCH_ERROR;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(shared.md);
    *mstart = ov[0];
    *mend = ov[1];
    return CR_MATCH;
}

int cr_regex_group(cr_regex *re, const char *name, size_t *gstart,
                   size_t *gend)
{
    int n = pcre2_substring_number_from_name(re->code, (PCRE2_SPTR)name);
    if (n < 0 || (uint32_t)n >= shared.pairs)
        return 0;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(shared.md);
    if (ov[2 * n] == PCRE2_UNSET)
        return 0;
    *gstart = ov[2 * n];
    *gend = ov[2 * n + 1];
    return 1;
}

int cr_regex_names(cr_regex *re, const char *const **names)
{
    *names = (const char *const *)re->names;
    return re->nnames;
}

size_t cr_utf8_valid(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1, cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2, cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3, cp = c & 0x07;
        } else {
            return i;
        }
        for (size_t k = 1; k <= n; k++) {
            if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n + 1;
    }
    return len;
}
