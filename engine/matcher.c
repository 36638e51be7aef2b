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

/* Each match's limits: steps of backtracking, nesting, and the memory
 * PCRE2 may take for it (in KiB: 8,000 empty groups with backtracking
 * once took 325 MB for one match). */
enum { MATCH_LIMIT = 200000, DEPTH_LIMIT = 2000, HEAP_LIMIT = 20 * 1024 };

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
    pcre2_code *code;    /* NULL for a loaded one until first needed */
    const uint8_t *prefix;      /* a loaded one: the saved bytes' header */
    size_t nprefix;             /* and tables, and its own block, which */
    const uint8_t *block;       /* must outlive it (cr_regex_load) */
    size_t nblock;
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

/* Compiled pattern c into re; the shared match data grows to hold its
 * groups. */
static void adopt(cr_regex *re, pcre2_code *c)
{
    uint32_t groups = 0;
    pcre2_pattern_info(c, PCRE2_INFO_CAPTURECOUNT, &groups);
    if (shared.mctx == NULL) {
        shared.mctx = pcre2_match_context_create(NULL);
        if (shared.mctx == NULL)
            abort();
        pcre2_set_match_limit(shared.mctx, MATCH_LIMIT);
        pcre2_set_depth_limit(shared.mctx, DEPTH_LIMIT);
        pcre2_set_heap_limit(shared.mctx, HEAP_LIMIT);
    }
    if (groups + 1 > shared.pairs) {
        pcre2_match_data_free(shared.md);
        shared.md = pcre2_match_data_create(groups + 1, NULL);
        if (shared.md == NULL)
            abort();
        shared.pairs = groups + 1;
    }
    re->code = c;
    read_names(re);
}

static cr_regex *wrap(pcre2_code *c)
{
    cr_regex *re = xcalloc(1, sizeof *re);
    shared.live++;
    adopt(re, c);
    return re;
}

/* Whether re's code is there, decoding a loaded one on first need: its
 * block alone, behind a copy of the saved bytes' header and tables that
 * says one code follows.  (cr_regex_load checked the blocks; a failure
 * here is for good, and re then matches nothing.) */
static int ready(cr_regex *re)
{
    if (re->code != NULL || re->block == NULL)
        return re->code != NULL;
    uint8_t *one = xmalloc(re->nprefix + re->nblock);
    memcpy(one, re->prefix, re->nprefix);
    memcpy(one + re->nprefix, re->block, re->nblock);
    uint32_t count = 1;                 /* the header's fourth word */
    memcpy(one + 12, &count, sizeof count);
    pcre2_code *c = NULL;
    if (pcre2_serialize_decode(&c, 1, one, NULL) == 1)
        adopt(re, c);
    free(one);
    re->block = NULL;
    return re->code != NULL;
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
    for (int i = 0; i < n; i++) {
        if (!ready(res[i])) {
            free(codes);
            return NULL;
        }
        codes[i] = res[i]->code;
    }
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

/* Checking saved patterns.  pcre2_serialize_decode takes no length: it
 * copies each code's block by the size the block states, and checks
 * only a few fields of each (its magic number, and the size of its
 * table of group names against fixed maxima), leaking what it had
 * decoded when one fails (PCRE2 10.42).  So every block is checked
 * here first, against the bytes there are and against what PCRE2 and
 * read_names will read, and PCRE2 is called only with blocks that pass.
 *
 * Where the fields are in a block PCRE2 does not publish (it changed
 * between versions), so it is learnt from PCRE2 itself: from two small
 * patterns of different sizes, compiled and saved, the bytes before the
 * first block (a header and the character tables), and where each block
 * holds its size, its magic number and, just before its table of names
 * (which ends the fixed part of a block), that table's entry size and
 * count.  Where they cannot all be found and agree, no saved patterns
 * are loaded (the cache then parses the rule files). */

enum {
    CODE_MAGIC = 0x50435245,    /* "PCRE", in every block */
    NAME_ENTRY_MAX = 32 + 2 + 1,        /* PCRE2's maxima, as of 10.42 */
    NAME_COUNT_MAX = 10000
};

typedef struct layout {
    size_t prefix;      /* before the first block */
    size_t size_at;     /* the block's size, a PCRE2_SIZE */
    size_t magic_at;    /* its magic number, a uint32_t */
    size_t names_at;    /* its table of names, after the table's entry
                         * size and count (uint16_t each) */
} layout;

static uint16_t get16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static PCRE2_SIZE getsize(const uint8_t *p)
{
    PCRE2_SIZE v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* The offsets of l's fields in the two saved blocks b[0..1], of s[0..1]
 * bytes, of the probe patterns c[0..1]; -1 if they cannot be found. */
static int find_fields(layout *l, pcre2_code *const *c, const uint8_t **b,
                       const PCRE2_SIZE *s)
{
    PCRE2_SPTR table;
    uint32_t entry;
    pcre2_pattern_info(c[1], PCRE2_INFO_NAMETABLE, &table);
    pcre2_pattern_info(c[1], PCRE2_INFO_NAMEENTRYSIZE, &entry);
    l->names_at = (size_t)((const uint8_t *)table - (const uint8_t *)c[1]);
    if (l->names_at < 4 || l->names_at >= s[0] ||
        get16(b[1] + l->names_at - 4) != entry ||
        get16(b[1] + l->names_at - 2) != 1 ||
        get16(b[0] + l->names_at - 2) != 0)
        return -1;
    size_t k = 0;
    for (; k + sizeof(PCRE2_SIZE) <= l->names_at; k += sizeof(PCRE2_SIZE))
        if (getsize(b[0] + k) == s[0] && getsize(b[1] + k) == s[1])
            break;
    l->size_at = k;
    for (k += sizeof(PCRE2_SIZE); k + 4 <= l->names_at; k += 4)
        if (get32(b[0] + k) == CODE_MAGIC && get32(b[1] + k) == CODE_MAGIC)
            break;
    l->magic_at = k;
    return k + 4 <= l->names_at ? 0 : -1;
}

static int learn_layout(layout *l)
{
    static const char *const probe[] = {"a", "(?<x>b|cd)+e\\w"};
    pcre2_code *c[2] = {NULL, NULL};
    PCRE2_SIZE s[2] = {0, 0}, len = 0;
    uint8_t *bytes = NULL;
    int rc = -1;
    for (int i = 0; i < 2; i++) {
        int err;
        PCRE2_SIZE off;
        c[i] = pcre2_compile((PCRE2_SPTR)probe[i], PCRE2_ZERO_TERMINATED,
                             0, &err, &off, NULL);
        if (c[i] == NULL)
            goto done;
        pcre2_pattern_info(c[i], PCRE2_INFO_SIZE, &s[i]);
    }
    if (s[0] < s[1] && pcre2_serialize_encode((const pcre2_code **)c, 2,
                                              &bytes, &len, NULL) == 2 &&
        len > s[0] + s[1]) {
        l->prefix = len - s[0] - s[1];
        const uint8_t *b[2] = {bytes + l->prefix, bytes + l->prefix + s[0]};
        rc = find_fields(l, c, b, s);
    }
done:
    pcre2_serialize_free(bytes);
    pcre2_code_free(c[0]);
    pcre2_code_free(c[1]);
    return rc;
}

/* Whether the block at b, of at most room bytes, holds together: its
 * size within room, its magic number, its table of names within it,
 * each name ending within its entry. */
static int block_ok(const layout *l, const uint8_t *b, size_t room)
{
    if (room <= l->names_at)
        return 0;
    PCRE2_SIZE size = getsize(b + l->size_at);
    unsigned entry = get16(b + l->names_at - 4);
    unsigned count = get16(b + l->names_at - 2);
    if (size <= l->names_at || size > room ||
        get32(b + l->magic_at) != CODE_MAGIC || entry > NAME_ENTRY_MAX ||
        count > NAME_COUNT_MAX ||
        (size_t)entry * count > size - l->names_at)
        return 0;
    for (unsigned i = 0; i < count; i++) {
        const uint8_t *name = b + l->names_at + (size_t)i * entry;
        if (entry < 3 || memchr(name + 2, '\0', entry - 2) == NULL)
            return 0;
    }
    return 1;
}

/* Whether the size bytes at bytes are n blocks that hold together and
 * exactly fill them. */
static int blocks_ok(const layout *l, const unsigned char *bytes,
                     size_t size, int n)
{
    if (size < l->prefix)
        return 0;
    size_t at = l->prefix;
    for (int i = 0; i < n; i++) {
        if (!block_ok(l, bytes + at, size - at))
            return 0;
        at += getsize(bytes + at + l->size_at);
    }
    return at == size;
}

int cr_regex_load(const unsigned char *bytes, size_t size, cr_regex **out,
                  int n)
{
    if (n == 0)
        return 0;
    /* At least PCRE2's 16-byte header must be there before it reads the
     * count. */
    layout l;
    if (size < 16 || pcre2_serialize_get_number_of_codes(bytes) != n ||
        learn_layout(&l) < 0 || !blocks_ok(&l, bytes, size, n))
        return -1;
    size_t at = l.prefix;
    for (int i = 0; i < n; i++) {
        cr_regex *re = out[i] = xcalloc(1, sizeof *re);
        shared.live++;
        re->prefix = bytes;
        re->nprefix = l.prefix;
        re->block = bytes + at;
        re->nblock = getsize(bytes + at + l.size_at);
        at += re->nblock;
    }
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
    if (re->jit_tried || !ready(re))
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

static int match(cr_regex *re, const char *subject, size_t len,
                 size_t start, uint32_t options, size_t *mstart,
                 size_t *mend)
{
    if (!ready(re))
        return CR_MATCH_ERROR;
    if (!re->jit_tried &&
        (++re->uses >= JIT_AFTER || (start < len && len - start >= JIT_WORTH)))
        cr_regex_jit(re);
    int rc = pcre2_match(re->code, (PCRE2_SPTR)subject, len, start, options,
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

int cr_regex_match(cr_regex *re, const char *subject, size_t len,
                   size_t start, size_t *mstart, size_t *mend)
{
    return match(re, subject, len, start, 0, mstart, mend);
}

int cr_regex_match_valid(cr_regex *re, const char *subject, size_t len,
                         size_t start, size_t *mstart, size_t *mend)
{
    return match(re, subject, len, start, PCRE2_NO_UTF_CHECK, mstart, mend);
}

int cr_regex_group(cr_regex *re, const char *name, size_t *gstart,
                   size_t *gend)
{
    if (!ready(re))
        return 0;
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
    ready(re);
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
