/* cache.c - the compiled rule cache (see cache.h).
 *
 * Parsing YAML is most of what loading costs; a knowledge base that
 * cr_kb_finish has checked can instead be written down as it stands,
 * names already resolved to indexes, values parsed, sections found and
 * patterns compiled, and read back in a fraction of the time.
 *
 * Trust.  A cache file is used only if it is ours and whole: owned by
 * this user and private (0600), starting with MAGIC, as long as its
 * header says, with a checksum that holds over every byte of the
 * payload, and with a key equal, byte for byte, to the key of the files
 * as they are now.  The key names the format (FORMAT, bumped whenever
 * the layout or any kb structure changes), the program's version and the
 * program file itself (a rebuilt binary may read rules differently), the
 * SQLite that made the index's image (cr_index_format: a new SQLite
 * should not mean building the index on every run), and the path,
 * device, inode, size, mtime and ctime of the essay and of each rule
 * file in load order.  A file changed within RACY_SECONDS of the key
 * being taken might change again without its times moving, so no cache
 * is written then.  The reader checks the bounds of every length and
 * count and the range of every index and enum before using it, the
 * compiled patterns' blocks and tables of names too (cr_regex_load), so
 * even bytes that pass the checksum cannot make it read out of bounds.
 * What no reader can check is the compiled code itself, which PCRE2
 * follows as it finds it: that is taken on the checksum's word.
 *
 * The checksum guards against accidents (a torn write, a damaged disk,
 * a flipped bit), not against an attacker: anyone who can write the
 * user's cache files can make the program misbehave or crash, as they
 * could by writing the user's rule files or shell start-up files.  That
 * is why a cache is only read from a folder and a file that are the
 * user's own and private.
 *
 * One file per set of paths (its name hashes the working directory and
 * the paths as given), so the cache does not grow as rule files are
 * edited: a new version replaces the old, written to a temporary file
 * and renamed into place.
 *
 * Layout: MAGIC (8 bytes), the payload's checksum (8), payload length
 * (8), image length (8), examples length (8), the examples' checksum
 * (8), payload, examples, image.  The payload: the key, the essay as
 * parsed (cr_corpus_encode: the key covers it, and parsing its Markdown
 * was a seventh of a warm start), the table of file names, then the
 * facts (but the built-in ones), concepts, compiled patterns (one PCRE2
 * blob), intents (with the number of their examples), extractors,
 * rules, the intent classifier (cr_model_encode), the patterns'
 * prefilter (cr_prefilter_encode: the needs it is made of are not kept)
 * and END.
 *
 * The examples of every intent in turn, a sixth of the file, are only
 * read by `crossroads test` and a consultation's verdict, never for a
 * question: the kb reads them on first need (cr_kb_defer_examples),
 * checking their own checksum then.  If that fails, the command that
 * needed them says so and the file is removed, for the next run to
 * write a whole one.
 *
 * The image is the essay's search index (cr_index_image), kept here
 * because the key covers the essay too: a one-off answer that no rule
 * gives would otherwise spend a fifth of a large rule set's run
 * indexing the essay.  It is read into a buffer of its own and handed
 * to the index unread; the index checks it (it carries its own
 * checksum) and opens it only when it first ranks, so an answer that a
 * rule gives pays for neither, and a damaged image costs only the
 * building of the index.
 *
 * Integers are LEB128 varints (signed ones zigzagged), doubles 8
 * bytes, strings a varint of length + 1 (0 for NULL) and the bytes with
 * their NUL (so that they can be used where they lie), places a varint
 * index into the file table and line and column; a pattern's places
 * are its runs (cr_pattern_runs).
 * Every structure of kb.h is written and read by one pair of functions
 * below, field by field in declaration order. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "checksum.h"
#include "classify.h"
#include "fileio.h"
#include "loader.h"
#include "prefilter.h"
#include "xmalloc.h"

#define FORMAT 18
#define MAGIC "crkbc\0\r\n"
enum { HEADER = 48, RACY_SECONDS = 1, MAX_DEPTH = 200, END = 0x454e44 };
/* How long a file of the folder may go unused, and a temporary one (of
 * a run killed while writing it) stay, before prune removes it. */
enum { UNUSED_SECONDS = 30 * 24 * 3600, TEMPORARY_SECONDS = 3600 };
#define MAX_SIZE ((size_t)1 << 30)

struct cr_cache_key {
    cr_buf text;                /* what must match, byte for byte */
    uint64_t name;              /* the file name's hash */
    int racy;                   /* a file changed a moment ago */
};

/* The key. */

/* Why the existing folder dir cannot be trusted with the cache (a new
 * string), or NULL when it can or is not there yet (then it is made
 * private).  Another user who owns it or may write in it could plant
 * there a FIFO, a link, or a cache of their own making. */
static char *unsafe_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return NULL;
    const char *why = !S_ISDIR(st.st_mode) ? "it is not a folder"
                      : st.st_uid != geteuid() ? "it is not yours"
                      : (st.st_mode & 022) ? "others can write in it"
                      : NULL;
    return why ? xasprintf("not using the rule cache in %s: %s", dir, why)
               : NULL;
}

char *cr_cache_dir(char **warning)
{
    *warning = NULL;
    const char *off = getenv("CROSSROADS_NO_CACHE");
    if (off && *off && strcmp(off, "0") != 0)
        return NULL;
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    char *dir;
    if (xdg && xdg[0] == '/')   /* the XDG spec ignores relative ones */
        dir = xasprintf("%s/crossroads", xdg);
    else if (home && home[0] == '/')
        dir = xasprintf("%s/.cache/crossroads", home);
    else
        return NULL;
    *warning = unsafe_dir(dir);
    if (*warning) {
        free(dir);
        dir = NULL;
    }
    return dir;
}

/* One file's line of the key; -1 if it cannot be read. */
static void key_u64(cr_buf *b, uint64_t v)
{
    unsigned char c[8];
    cr_put64(c, v);
    cr_buf_putn(b, (const char *)c, 8);
}

/* A file's part of the key: its path and what stat says, as 8-byte
 * words (formatting them as text took a twentieth of a one-off answer). */
static int key_file(cr_cache_key *k, const char *path, time_t now)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return -1;
    size_t n = strlen(path);
    key_u64(&k->text, n);
    cr_buf_putn(&k->text, path, n);
    const uint64_t v[] = {
        (uint64_t)st.st_dev, (uint64_t)st.st_ino, (uint64_t)st.st_size,
        (uint64_t)st.st_mtim.tv_sec, (uint64_t)st.st_mtim.tv_nsec,
        (uint64_t)st.st_ctim.tv_sec, (uint64_t)st.st_ctim.tv_nsec,
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        key_u64(&k->text, v[i]);
    /* Every change moves ctime to the kernel's (coarse) clock, and the
     * user cannot set it back: older than RACY_SECONDS, no change can
     * hide behind it. */
    if (st.st_ctim.tv_sec + RACY_SECONDS >= now)
        k->racy = 1;
    return 0;
}

/* The program's own file, so that a rebuilt binary (which may read rules
 * differently under the same version number) does not trust its
 * predecessor's cache. */
static void key_program(cr_cache_key *k, cr_buf *names, time_t now)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return;
    exe[n] = '\0';
    int racy = k->racy;
    if (key_file(k, exe, now) == 0)
        cr_buf_printf(names, "%s\n", exe);
    k->racy = racy;             /* a fresh build is no reason to wait */
}

cr_cache_key *cr_cache_key_new(const char *corpus_path,
                               const char *const *rule_paths, int npaths)
{
    static const union { uint16_t u; unsigned char c[2]; } endian = {1};
    cr_cache_key *k = xcalloc(1, sizeof *k);
    cr_buf names = {0};
    char cwd[PATH_MAX];
    time_t now = time(NULL);
    cr_buf_printf(&k->text, "crossroads %s cache %d, %zu-bit %s\n"
                  "index %s\n", PACKAGE_VERSION, FORMAT,
                  8 * sizeof(void *), endian.c[0] ? "le" : "be",
                  cr_index_format());
    cr_buf_printf(&names, "%s\n%s\n", getcwd(cwd, sizeof cwd) ? cwd : "?",
                  corpus_path);
    key_program(k, &names, now);
    int bad = key_file(k, corpus_path, now);
    for (int i = 0; i < npaths && !bad; i++) {
        int n;
        char **files = cr_load_files(rule_paths[i], &n, NULL);
        bad = files == NULL;
        cr_buf_printf(&k->text, "rules %s: %d\n", rule_paths[i], n);
        cr_buf_printf(&names, "%s\n", rule_paths[i]);
        for (int f = 0; f < n; f++) {
            bad = bad || key_file(k, files[f], now) != 0;
            free(files[f]);
        }
        free(files);
    }
    k->name = cr_checksum((const unsigned char *)names.s, names.len);
    cr_buf_free(&names);
    if (bad) {
        cr_cache_key_free(k);
        return NULL;
    }
    return k;
}

void cr_cache_key_free(cr_cache_key *key)
{
    if (key == NULL)
        return;
    cr_buf_free(&key->text);
    free(key);
}

char *cr_cache_file(const char *dir, const cr_cache_key *key)
{
    return xasprintf("%s/%016" PRIx64 ".kb", dir, key->name);
}

/* Writing.  The body goes into one buffer while the file names it meets
 * are gathered into a table, written before it. */

typedef struct out {
    unsigned char *b;
    size_t len, cap;
    const char **files;         /* borrowed from the kb */
    int nfiles, last;
} out;

static unsigned char *room(out *o, size_t n)
{
    if (o->cap - o->len < n) {
        o->cap = 2 * (o->len + n) + 4096;
        o->b = xrealloc(o->b, o->cap);
    }
    return o->b + o->len;
}

static void put_bytes(out *o, const void *p, size_t n)
{
    if (n)
        memcpy(room(o, n), p, n);
    o->len += n;
}

static void put_uint(out *o, uint64_t v)
{
    unsigned char *p = room(o, 10);
    size_t k = 0;
    for (; v >= 0x80; v >>= 7)
        p[k++] = (unsigned char)(v | 0x80);
    p[k++] = (unsigned char)v;
    o->len += k;
}

static void put_int(out *o, long long v)
{
    put_uint(o, v < 0 ? ((uint64_t)-(v + 1) << 1) | 1 : (uint64_t)v << 1);
}

static void put_num(out *o, double x)
{
    uint64_t u;
    memcpy(&u, &x, 8);
    unsigned char *p = room(o, 8);
    for (int k = 0; k < 8; k++)
        p[k] = (unsigned char)(u >> 8 * k);
    o->len += 8;
}

static void put_str(out *o, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    put_uint(o, s ? n + 1 : 0);
    if (s)
        put_bytes(o, s, n + 1);
}

static void put_strv(out *o, char *const *v, int n)
{
    put_uint(o, (uint64_t)n);
    for (int i = 0; i < n; i++)
        put_str(o, v[i]);
}

static void put_loc(out *o, const cr_loc *l)
{
    int i = o->last;
    if (i >= o->nfiles || o->files[i] != l->file)
        for (i = 0; i < o->nfiles && o->files[i] != l->file; i++)
            ;
    if (i == o->nfiles) {
        o->files = xreallocarray(o->files, (size_t)i + 1, sizeof *o->files);
        o->files[o->nfiles++] = l->file;
    }
    o->last = i;
    put_uint(o, (uint64_t)i);
    put_int(o, l->line);
    put_int(o, l->col);
}

static void put_fact(out *o, const cr_factdecl *f)
{
    put_str(o, f->name);
    put_uint(o, f->type);
    put_strv(o, f->choices, f->nchoices);
    put_str(o, f->prompt);
    put_str(o, f->initial);
    put_loc(o, &f->loc);
}

static void put_concept(out *o, const cr_concept *c)
{
    put_str(o, c->name);
    put_strv(o, c->words, c->nwords);
    put_loc(o, &c->loc);
}

/* The compiled pattern itself is in the PCRE2 blob, in pattern order. */
static void put_pattern(out *o, const cr_pattern *p)
{
    put_str(o, p->src);
    put_loc(o, &(cr_loc){p->file, 0, 0});
    put_uint(o, (uint64_t)p->nruns);
    for (int i = 0; i < p->nruns; i++) {
        put_int(o, p->runs[i].off);
        put_int(o, p->runs[i].line);
        put_int(o, p->runs[i].col);
    }
    put_num(o, p->weight);
}

static void put_example(out *o, const cr_example *x)
{
    put_str(o, x->text);
    put_uint(o, x->reco);
    put_uint(o, x->expect_reco != 0);
    put_str(o, x->cite);
    put_loc(o, &x->loc);
}

static void put_intent(out *o, const cr_intent *in)
{
    put_str(o, in->id);
    put_str(o, in->topic);
    put_uint(o, (uint64_t)in->npatterns);
    for (int i = 0; i < in->npatterns; i++)
        put_pattern(o, &in->patterns[i]);
    put_uint(o, (uint64_t)in->nexamples);       /* the examples: put_kb */
    put_uint(o, in->out_of_scope != 0);
    put_uint(o, in->disabled != 0);
    put_loc(o, &in->loc);
}

static void put_assigns(out *o, const cr_assign *a, int n)
{
    put_uint(o, (uint64_t)n);
    for (int i = 0; i < n; i++) {
        put_str(o, a[i].name);
        put_int(o, a[i].fact);
        put_str(o, a[i].text);
        put_num(o, a[i].value.num);
        put_str(o, a[i].value.str);
        put_loc(o, &a[i].loc);
    }
}

static void put_extractor(out *o, const cr_extractor *x)
{
    put_str(o, x->id);
    put_pattern(o, &x->pattern);
    put_assigns(o, x->sets, x->nsets);
    put_assigns(o, x->negated, x->nnegated);
    put_loc(o, &x->loc);
}

static void put_cond(out *o, const cr_cond *c)
{
    put_uint(o, c->kind);
    put_uint(o, c->op);
    put_str(o, c->name);
    put_int(o, c->fact);
    put_assigns(o, c->vals, c->nvals);
    put_uint(o, (uint64_t)c->nkids);
    for (int i = 0; i < c->nkids; i++)
        put_cond(o, c->kids[i]);
    put_loc(o, &c->loc);
}

static void put_rule(out *o, const cr_rule *r)
{
    put_str(o, r->id);
    put_int(o, r->salience);
    put_num(o, r->confidence);
    put_uint(o, r->when != NULL);
    if (r->when)
        put_cond(o, r->when);
    put_str(o, r->answer);
    put_uint(o, (uint64_t)r->ncites);
    for (int i = 0; i < r->ncites; i++) {
        put_str(o, r->cites[i].anchor);
        put_int(o, r->cites[i].section);
        put_loc(o, &r->cites[i].loc);
    }
    put_uint(o, r->reco);
    put_assigns(o, r->asserts, r->nasserts);
    put_assigns(o, r->retracts, r->nretracts);
    put_str(o, r->ask);
    put_int(o, r->askfact);
    if (r->ask)
        put_loc(o, &r->askloc);
    put_loc(o, &r->loc);
}

/* Every compiled pattern, intents' then extractors', as one blob; -1 if
 * one is missing (never, after a clean finish) or PCRE2 cannot. */
static int put_patterns(out *o, const cr_kb *kb)
{
    int n = cr_kb_nextractors(kb);
    for (int i = 0; i < cr_kb_nintents(kb); i++)
        n += cr_kb_intentdef(kb, i)->npatterns;
    cr_regex **res = xcalloc((size_t)n + 1, sizeof *res);
    int k = 0, ok = 1;
    for (int i = 0; i < cr_kb_nintents(kb); i++) {
        const cr_intent *in = cr_kb_intentdef(kb, i);
        for (int p = 0; p < in->npatterns; p++)
            ok = ok && (res[k++] = in->patterns[p].re) != NULL;
    }
    for (int i = 0; i < cr_kb_nextractors(kb); i++)
        ok = ok && (res[k++] = cr_kb_extractor(kb, i)->pattern.re) != NULL;
    size_t size = 0;
    unsigned char *blob = ok ? cr_regex_save(res, n, &size) : NULL;
    free(res);
    if (blob == NULL)
        return -1;
    put_uint(o, (uint64_t)n);
    put_uint(o, size);
    put_bytes(o, blob, size);
    free(blob);
    return 0;
}

/* The size of n bytes at p, then the bytes, padded so that they start
 * on a 4-byte boundary of the file, and so of the buffer they are read
 * into, to be used in place (get_aligned). */
static void put_aligned(out *o, const void *p, size_t n)
{
    put_uint(o, n);
    size_t pad = (4 - (o->len + 1) % 4) % 4;
    put_uint(o, pad);
    put_bytes(o, "\0\0\0", pad);
    put_bytes(o, p, n);
}

/* The body: everything but the key and the file table; the examples,
 * which only `crossroads test` and a consultation's verdict read, into
 * ex, which shares o's table of files. */
static int put_kb(out *o, out *ex, const cr_kb *kb)
{
    if (cr_kb_model(kb) == NULL)
        return -1;
    put_uint(o, (uint64_t)(cr_kb_nfacts(kb) - CR_KB_BUILTIN_FACTS));
    for (int i = CR_KB_BUILTIN_FACTS; i < cr_kb_nfacts(kb); i++)
        put_fact(o, cr_kb_factdecl(kb, i));
    put_uint(o, (uint64_t)cr_kb_nconcepts(kb));
    for (int i = 0; i < cr_kb_nconcepts(kb); i++)
        put_concept(o, cr_kb_concept(kb, i));
    if (put_patterns(o, kb) < 0)
        return -1;
    put_uint(o, (uint64_t)cr_kb_nintents(kb));
    for (int i = 0; i < cr_kb_nintents(kb); i++)
        put_intent(o, cr_kb_intentdef(kb, i));
    put_uint(o, (uint64_t)cr_kb_nextractors(kb));
    for (int i = 0; i < cr_kb_nextractors(kb); i++)
        put_extractor(o, cr_kb_extractor(kb, i));
    put_uint(o, (uint64_t)cr_kb_nrules(kb));
    for (int i = 0; i < cr_kb_nrules(kb); i++)
        put_rule(o, cr_kb_ruledef(kb, i));
    size_t size;
    unsigned char *blob = cr_model_encode(cr_kb_model(kb), &size);
    put_aligned(o, blob, size);
    free(blob);
    blob = cr_prefilter_encode(cr_kb_prefilter(kb), &size);
    put_aligned(o, blob, size);
    free(blob);
    put_uint(o, END);
    ex->files = o->files;
    ex->nfiles = o->nfiles;
    for (int i = 0; i < cr_kb_nintents(kb); i++) {
        const cr_intent *in = cr_kb_intentdef(kb, i);
        for (int k = 0; k < in->nexamples; k++)
            put_example(ex, &in->examples[k]);
    }
    o->files = ex->files;
    o->nfiles = ex->nfiles;
    ex->files = NULL;
    return 0;
}

/* The file up to the image: header (for an image of nimage bytes), key,
 * file table, body, examples.  NULL if kb cannot be cached; else a new
 * buffer and its length in *len. */
static unsigned char *encode(const cr_cache_key *key, const cr_kb *kb,
                             const cr_corpus *corpus, size_t nimage,
                             size_t *len)
{
    out body = {0}, ex = {0}, o = {0};
    if (put_kb(&body, &ex, kb) < 0) {
        free(body.b);
        free(body.files);
        free(ex.b);
        return NULL;
    }
    room(&o, HEADER);
    o.len = HEADER;
    put_uint(&o, key->text.len);
    put_bytes(&o, key->text.s, key->text.len);
    size_t nessay;
    unsigned char *essay = cr_corpus_encode(corpus, &nessay);
    put_uint(&o, nessay);
    put_bytes(&o, essay, nessay);
    free(essay);
    put_uint(&o, (uint64_t)body.nfiles);
    for (int i = 0; i < body.nfiles; i++)
        put_str(&o, body.files[i]);
    /* Padded so that the body starts on a 4-byte boundary of the file,
     * and so of the mapping it is read from: the model in it is. */
    size_t pad = (4 - (o.len + 1) % 4) % 4;
    put_uint(&o, pad);
    put_bytes(&o, "\0\0\0", pad);
    put_bytes(&o, body.b, body.len);
    free(body.b);
    free(body.files);
    size_t core = o.len - HEADER;
    put_bytes(&o, ex.b, ex.len);
    memcpy(o.b, MAGIC, 8);
    cr_put64(o.b + 8, cr_checksum(o.b + HEADER, core));
    cr_put64(o.b + 16, core);
    cr_put64(o.b + 24, nimage);
    cr_put64(o.b + 32, ex.len);
    cr_put64(o.b + 40, cr_checksum(ex.b, ex.len));
    free(ex.b);
    *len = o.len;
    return o.b;
}

/* Reading.  The first problem fails the reader for good: from then on
 * every get_ returns 0, NULL or "", so the structures being built stay
 * valid to free and the caller only checks ok at the end.
 *
 * A large rule set is mostly small strings and small arrays, and an
 * allocation each would cost more than all the rest of the reading, so
 * the kb adopts (cr_kb_adopt) the file's buffer, whose strings are
 * terminated where they lie, and an arena of a few chunks that the
 * arrays are carved from. */

typedef struct reader {
    unsigned char *p, *end;     /* strings are terminated in place */
    int ok;
    const char **files;         /* interned in the kb */
    int nfiles;
    int nfacts, nsections;      /* bounds of indexes */
    cr_regex **res;             /* decoded patterns, handed out in order */
    int nres, used;
    uint64_t examples_left;     /* bytes of the examples not counted yet */
    cr_kb *kb;                  /* adopts the arena's chunks */
    unsigned char *spare;       /* the current chunk's unused part */
    size_t left, last;          /* its size, and the last chunk's */
} reader;

static void fail(reader *r)
{
    r->ok = 0;
    r->p = r->end;
}

static uint64_t get_long_uint(reader *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && r->p < r->end; shift += 7) {
        unsigned c = *r->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return v;
    }
    fail(r);
    return 0;
}

static inline uint64_t get_uint(reader *r)
{
    if (r->p < r->end && *r->p < 0x80)  /* most are one byte */
        return *r->p++;
    return get_long_uint(r);
}

/* A signed integer in [lo, hi]. */
static int get_int(reader *r, int lo, int hi)
{
    uint64_t u = get_uint(r);
    long long v = u & 1 ? -(long long)(u >> 1) - 1 : (long long)(u >> 1);
    if ((u >> 1) > (uint64_t)INT_MAX || v < lo || v > hi) {
        fail(r);
        return lo < 0 && hi >= 0 ? 0 : lo;
    }
    return (int)v;
}

/* An unsigned value in [0, hi] (enums, flags). */
static unsigned get_enum(reader *r, unsigned hi)
{
    uint64_t v = get_uint(r);
    if (v > hi) {
        fail(r);
        return 0;
    }
    return (unsigned)v;
}

/* A count of things each at least one byte long: never more than the
 * bytes left, so a bad count cannot make a huge allocation. */
static int get_count(reader *r)
{
    uint64_t n = get_uint(r);
    if (n > (uint64_t)(r->end - r->p) || n > INT_MAX) {
        fail(r);
        return 0;
    }
    return (int)n;
}

static double get_num(reader *r)
{
    if (r->end - r->p < 8) {
        fail(r);
        return 0;
    }
    static const union { uint16_t u; unsigned char c[2]; } endian = {1};
    uint64_t u = 0;
    if (endian.c[0]) {
        memcpy(&u, r->p, 8);    /* what the loop makes, in one load */
    } else {
        for (int k = 0; k < 8; k++)
            u |= (uint64_t)r->p[k] << 8 * k;
    }
    r->p += 8;
    double x;
    memcpy(&x, &u, 8);
    return x;
}

/* An array of n things of size bytes, zeroed, from the arena: NULL
 * when n is 0, as the loader leaves it (a large rule set has a great
 * many empty lists).  Chunks double, so there are few of them. */
static void *array(reader *r, int n, size_t size)
{
    enum { ALIGN = 16, FIRST = 64 * 1024 };
    if (n <= 0)
        return NULL;
    if ((size_t)n > (SIZE_MAX - ALIGN) / size)
        return xcalloc((size_t)n, size);        /* aborts */
    size_t want = ((size_t)n * size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (want > r->left) {
        size_t chunk = r->last ? 2 * r->last : FIRST;
        if (chunk < want)
            chunk = want;
        r->spare = xcalloc(1, chunk);
        cr_kb_adopt(r->kb, r->spare, chunk);
        r->left = r->last = chunk;
    }
    void *a = r->spare;
    r->spare += want;
    r->left -= want;
    return a;
}

/* A string or NULL, used where it lies in the buffer: it must end with
 * its NUL.  (A NUL inside would only make it shorter: the kb measures
 * its strings with strlen.) */
static char *get_str(reader *r)
{
    uint64_t n = get_uint(r);
    if (n == 0)
        return NULL;
    if (n > (uint64_t)(r->end - r->p) || r->p[n - 1] != '\0') {
        fail(r);
        return NULL;
    }
    char *s = (char *)r->p;
    r->p += n;
    return s;
}

/* A string that must be there: never NULL. */
static char *get_name(reader *r)
{
    char *s = get_str(r);
    if (s == NULL) {
        fail(r);
        s = array(r, 1, 1);     /* "" */
    }
    return s;
}

static char **get_strv(reader *r, int *n)
{
    *n = get_count(r);
    char **v = array(r, *n, sizeof *v);
    for (int i = 0; i < *n; i++)
        v[i] = get_name(r);
    return v;
}

static cr_loc get_loc(reader *r)
{
    cr_loc l = {"?", 0, 0};
    if (r->nfiles == 0)
        fail(r);
    else
        l.file = r->files[get_enum(r, (unsigned)r->nfiles - 1)];
    l.line = get_int(r, 0, INT_MAX);
    l.col = get_int(r, 0, INT_MAX);
    return l;
}

static void get_fact(reader *r, cr_factdecl *f)
{
    f->name = get_name(r);
    f->type = (cr_type)get_enum(r, CR_CHOICE);
    f->choices = get_strv(r, &f->nchoices);
    f->prompt = get_str(r);
    f->initial = get_str(r);
    f->loc = get_loc(r);
}

static void get_concept(reader *r, cr_concept *c)
{
    c->name = get_name(r);
    c->words = get_strv(r, &c->nwords);
    c->loc = get_loc(r);
}

static cr_regex *next_regex(reader *r)
{
    if (r->used < r->nres)
        return r->res[r->used++];
    fail(r);
    return NULL;
}

static void get_pattern(reader *r, cr_pattern *p)
{
    p->src = get_name(r);
    size_t n = strlen(p->src);
    p->file = get_loc(r).file;
    p->nruns = get_count(r);
    p->runs = array(r, p->nruns, sizeof *p->runs);
    for (int i = 0, last = -1; i < p->nruns; i++) {
        p->runs[i].off = get_int(r, last + 1, (int)n);   /* ascending */
        p->runs[i].line = get_int(r, 0, INT_MAX);
        p->runs[i].col = get_int(r, 0, INT_MAX);
        last = p->runs[i].off;
    }
    if (p->nruns == 0 || p->runs[0].off != 0)
        fail(r);
    p->re = next_regex(r);
    p->weight = get_num(r);
}

static void get_example(reader *r, cr_example *x)
{
    x->text = get_name(r);
    x->reco = (cr_reco)get_enum(r, CR_RECO_EITHER);
    x->expect_reco = (int)get_enum(r, 1);
    x->cite = get_str(r);
    x->loc = get_loc(r);
}

static void get_intent(reader *r, cr_intent *in)
{
    in->id = get_name(r);
    in->topic = get_str(r);
    in->npatterns = get_count(r);
    in->patterns = array(r, in->npatterns, sizeof *in->patterns);
    for (int i = 0; i < in->npatterns; i++)
        get_pattern(r, &in->patterns[i]);
    /* The examples themselves are read on first need: read_examples. */
    uint64_t n = get_uint(r);
    if (n > r->examples_left || n > INT_MAX)
        fail(r);
    else
        in->nexamples = (int)n, r->examples_left -= n;
    in->out_of_scope = (int)get_enum(r, 1);
    in->disabled = (int)get_enum(r, 1);
    in->loc = get_loc(r);
}

/* A fact index; -1 only where allowed. */
static int get_fact_ref(reader *r, int allow_none)
{
    return get_int(r, allow_none ? -1 : 0, r->nfacts - 1);
}

static cr_assign *get_assigns(reader *r, int *n)
{
    *n = get_count(r);
    cr_assign *a = array(r, *n, sizeof *a);
    for (int i = 0; i < *n; i++) {
        a[i].name = get_name(r);
        a[i].fact = get_fact_ref(r, 0);
        a[i].text = get_str(r);
        a[i].value.num = get_num(r);
        a[i].value.str = get_str(r);
        a[i].loc = get_loc(r);
    }
    return a;
}

static void get_extractor(reader *r, cr_extractor *x)
{
    x->id = get_name(r);
    get_pattern(r, &x->pattern);
    x->sets = get_assigns(r, &x->nsets);
    x->negated = get_assigns(r, &x->nnegated);
    x->loc = get_loc(r);
}

static cr_cond *get_cond(reader *r, int depth)
{
    cr_cond *c = array(r, 1, sizeof *c);
    if (depth > MAX_DEPTH)
        fail(r);
    c->kind = (cr_condkind)get_enum(r, CR_COND_MISSING);
    c->op = (cr_op)get_enum(r, CR_OP_IN);
    c->name = get_str(r);
    int test = c->kind == CR_COND_TEST || c->kind == CR_COND_EXISTS ||
               c->kind == CR_COND_MISSING;
    if (test && c->name == NULL)
        fail(r);
    c->fact = get_fact_ref(r, !test);
    c->vals = get_assigns(r, &c->nvals);
    c->nkids = get_count(r);
    c->kids = array(r, c->nkids, sizeof *c->kids);
    for (int i = 0; i < c->nkids; i++)
        c->kids[i] = get_cond(r, depth + 1);
    c->loc = get_loc(r);
    return c;
}

static void get_rule(reader *r, cr_rule *rule)
{
    rule->id = get_name(r);
    rule->salience = get_int(r, INT_MIN + 1, INT_MAX);
    rule->confidence = get_num(r);
    rule->when = get_enum(r, 1) ? get_cond(r, 0) : NULL;
    rule->answer = get_str(r);
    rule->ncites = get_count(r);
    rule->cites = array(r, rule->ncites, sizeof *rule->cites);
    for (int i = 0; i < rule->ncites; i++) {
        rule->cites[i].anchor = get_name(r);
        rule->cites[i].section = get_int(r, 0, r->nsections - 1);
        rule->cites[i].loc = get_loc(r);
    }
    rule->reco = (cr_reco)get_enum(r, CR_RECO_EITHER);
    rule->asserts = get_assigns(r, &rule->nasserts);
    rule->retracts = get_assigns(r, &rule->nretracts);
    rule->ask = get_str(r);
    rule->askfact = get_fact_ref(r, 1);
    if ((rule->ask == NULL) != (rule->askfact < 0))
        fail(r);
    if (rule->ask)
        rule->askloc = get_loc(r);
    rule->loc = get_loc(r);
}

static void get_files(reader *r, cr_kb *kb)
{
    r->nfiles = get_count(r);
    r->files = xcalloc((size_t)r->nfiles + 1, sizeof *r->files);
    for (int i = 0; i < r->nfiles; i++)
        r->files[i] = cr_kb_intern(kb, get_name(r));
    uint64_t pad = get_uint(r);         /* to the body's alignment */
    if (pad > 3 || pad > (uint64_t)(r->end - r->p))
        fail(r);
    else
        r->p += pad;
}

static void get_patterns(reader *r)
{
    r->nres = get_count(r);
    r->res = xcalloc((size_t)r->nres + 1, sizeof *r->res);
    uint64_t size = get_uint(r);
    if (size > (uint64_t)(r->end - r->p) ||
        cr_regex_load(r->p, (size_t)size, r->res, r->nres) < 0) {
        r->nres = 0;
        fail(r);
        return;
    }
    r->p += size;
}

/* Bytes put by put_aligned: where they lie, their size in *n; NULL
 * (the reader failed) if they are not there. */
static const unsigned char *get_aligned(reader *r, size_t *n)
{
    uint64_t size = get_uint(r), pad = get_uint(r);
    if (!r->ok || pad > 3 || pad > (uint64_t)(r->end - r->p) ||
        size > (uint64_t)(r->end - r->p) - pad) {
        fail(r);
        return NULL;
    }
    const unsigned char *p = r->p + pad;
    r->p += pad + size;
    *n = (size_t)size;
    return p;
}

/* The classifier and the prefilter, read where they lie (the kb has
 * adopted the buffer). */
static void get_tables(reader *r, cr_kb *kb)
{
    size_t n;
    const unsigned char *p = get_aligned(r, &n);
    cr_model *m = p ? cr_model_decode(p, n, cr_kb_nintents(kb)) : NULL;
    if (m == NULL) {
        fail(r);
        return;
    }
    cr_kb_set_model(kb, m);
    p = get_aligned(r, &n);
    cr_prefilter *pf = p ? cr_prefilter_decode(p, n, cr_kb_npatterns(kb))
                         : NULL;
    if (pf == NULL) {
        fail(r);
        return;
    }
    cr_kb_set_prefilter(kb, pf);
}

/* Each part is added as it is read (the kb owns it from then on, even if
 * reading failed half-way); a duplicate name, which the kb drops,
 * shows in the count. */
static void get_kb(reader *r, cr_kb *kb)
{
    int n = get_count(r);
    cr_kb_reserve(kb, n, 0);
    for (int i = 0; i < n && r->ok; i++) {
        cr_factdecl f = {0};
        get_fact(r, &f);
        cr_kb_add_fact(kb, &f, NULL);
    }
    r->nfacts = cr_kb_nfacts(kb);
    if (r->nfacts != CR_KB_BUILTIN_FACTS + n)
        fail(r);
    n = get_count(r);
    for (int i = 0; i < n && r->ok; i++) {
        cr_concept c = {0};
        get_concept(r, &c);
        cr_kb_add_concept(kb, &c, NULL);
    }
    get_patterns(r);
    n = get_count(r);
    for (int i = 0; i < n && r->ok; i++) {
        cr_intent in = {0};
        get_intent(r, &in);
        cr_kb_add_intent(kb, &in, NULL);
    }
    n = get_count(r);
    for (int i = 0; i < n && r->ok; i++) {
        cr_extractor x = {0};
        get_extractor(r, &x);
        cr_kb_add_extractor(kb, &x, NULL);
    }
    n = get_count(r);
    cr_kb_reserve(kb, 0, n);
    for (int i = 0; i < n && r->ok; i++) {
        cr_rule rule = {0};
        get_rule(r, &rule);
        cr_kb_add_rule(kb, &rule, NULL);
    }
    get_tables(r, kb);
    if (cr_kb_nrules(kb) != n || get_uint(r) != END || r->p != r->end ||
        r->used != r->nres)
        fail(r);
}

/* Whether buf (size bytes) is whole and made for key; if so, *r is set
 * to read its body. */
static int check(unsigned char *buf, size_t size, const cr_cache_key *key,
                 reader *r)
{
    if (size < HEADER || memcmp(buf, MAGIC, 8) != 0)
        return 0;
    uint64_t len = cr_get64(buf + 16), elen = cr_get64(buf + 32);
    if (len > size - HEADER || elen != size - HEADER - len ||
        cr_checksum(buf + HEADER, len) != cr_get64(buf + 8))
        return 0;
    r->p = buf + HEADER;
    r->end = buf + HEADER + len;
    r->examples_left = elen;
    uint64_t klen = get_uint(r);
    if (klen != key->text.len || (uint64_t)(r->end - r->p) < klen ||
        memcmp(r->p, key->text.s, klen) != 0)
        return 0;
    r->p += klen;
    return 1;
}

/* The essay kept after the key: a corpus, or NULL. */
static cr_corpus *get_corpus(reader *r)
{
    uint64_t n = get_uint(r);
    cr_corpus *c = NULL;
    if (r->ok && n <= (uint64_t)(r->end - r->p))
        c = cr_corpus_decode(r->p, (size_t)n);
    if (c == NULL)
        fail(r);
    else
        r->p += n;
    return c;
}

/* The examples, where decode left them, to be read on first need
 * (cr_kb_defer_examples): the kb adopts this and its names. */
typedef struct later {
    const unsigned char *p;
    size_t n;
    uint64_t sum;
    const char **files;         /* the kb's, as the reader had them */
    int nfiles;
    char *path;                 /* the cache file, removed if they fail */
} later;

static int read_examples(cr_kb *kb, void *arg)
{
    later *l = arg;
    reader r = {0};
    r.ok = cr_checksum(l->p, l->n) == l->sum;
    r.p = (unsigned char *)l->p;
    r.end = r.p + l->n;
    r.files = l->files;
    r.nfiles = l->nfiles;
    r.kb = kb;
    for (int i = 0; i < cr_kb_nintents(kb) && r.ok; i++) {
        int n = cr_kb_intentdef(kb, i)->nexamples;
        cr_example *x = array(&r, n, sizeof *x);
        for (int k = 0; k < n; k++)
            get_example(&r, &x[k]);
        cr_kb_set_examples(kb, i, x);
    }
    if (r.ok && r.p == r.end)
        return 0;
    unlink(l->path);            /* the next run writes a whole one */
    return -1;
}

static void defer_examples(reader *r, const unsigned char *p, size_t n,
                           uint64_t sum, const char *path)
{
    size_t files = (size_t)r->nfiles * sizeof *r->files;
    size_t size = sizeof(later) + files + strlen(path) + 1;
    later *l = xmalloc(size);
    l->p = p;
    l->n = n;
    l->sum = sum;
    l->files = (const char **)(void *)(l + 1);
    memcpy(l->files, r->files, files);
    l->nfiles = r->nfiles;
    l->path = strcpy((char *)l->files + files, path);
    cr_kb_adopt(r->kb, l, size);
    cr_kb_defer_examples(r->kb, read_examples, l);
}

/* The kb in buf (size bytes, mapped by slurp, taken over), if it is
 * whole and made for key, with its examples left to read from the file
 * at path on first need; the essay in *corpus. */
static cr_kb *decode(unsigned char *buf, size_t size,
                     const cr_cache_key *key, const char *path,
                     cr_corpus **corpus)
{
    reader r = {0};
    r.ok = 1;
    if (!check(buf, size, key, &r) || (*corpus = get_corpus(&r)) == NULL) {
        munmap(buf, size);
        return NULL;
    }
    r.nsections = cr_corpus_count(*corpus);
    cr_kb *kb = cr_kb_new();
    cr_kb_adopt_mapped(kb, buf, size);
    r.kb = kb;
    get_files(&r, kb);
    get_kb(&r, kb);
    if (r.ok)
        defer_examples(&r, r.end, size - (size_t)(r.end - buf),
                       cr_get64(buf + 40), path);
    for (int i = r.used; i < r.nres; i++)   /* after a failure */
        cr_regex_free(r.res[i]);
    free(r.res);
    free(r.files);
    if (!r.ok) {
        cr_kb_free(kb);
        cr_corpus_free(*corpus);
        *corpus = NULL;
        return NULL;
    }
    return kb;
}

/* Files. */

/* The cache file at path, if it is this user's, private and as long as
 * its header says: the header and payload mapped (copy on write, read
 * in place: only the pages used are read, and the file's pages are
 * shared with the system's cache instead of copied), their size in
 * *size; and the image, *image (NULL for none), *nimage bytes, mapped
 * read-only from its page on, the mapping in *imap and *imaplen; NULL
 * otherwise. */
static unsigned char *slurp(const char *path, size_t *size,
                            unsigned char **image, size_t *nimage,
                            void **imap, size_t *imaplen)
{
    int err, fd = cr_file_open(path, O_RDONLY | O_NOFOLLOW, 0, &err);
    if (fd < 0)
        return NULL;
    struct stat st;
    unsigned char head[HEADER], *buf = NULL;
    uint64_t len = 0, ilen = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        st.st_uid == geteuid() && (st.st_mode & 077) == 0 &&
        st.st_size >= HEADER && (uintmax_t)st.st_size <= MAX_SIZE &&
        cr_fd_transfer(fd, head, HEADER, 0) == 0) {
        uint64_t core = cr_get64(head + 16), elen = cr_get64(head + 32);
        if (core <= MAX_SIZE && elen <= MAX_SIZE)
            len = core + elen;  /* the payload, examples and all */
        ilen = cr_get64(head + 24);
    }
    if (len > 0 && len <= MAX_SIZE && ilen <= MAX_SIZE &&
        HEADER + len + ilen == (uintmax_t)st.st_size) {
        void *m = mmap(NULL, HEADER + len, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE, fd, 0);
        buf = m == MAP_FAILED ? NULL : m;
        if (buf != NULL && ilen > 0) {  /* from its page, to the end */
            size_t page = (size_t)sysconf(_SC_PAGESIZE);
            size_t at = HEADER + len, from = at / page * page;
            void *im = mmap(NULL, at + ilen - from, PROT_READ, MAP_PRIVATE,
                            fd, (off_t)from);
            if (im == MAP_FAILED) {
                munmap(buf, HEADER + len);
                buf = NULL;
            } else {
                *imap = im;
                *imaplen = at + ilen - from;
                *image = (unsigned char *)im + (at - from);
            }
        }
        *size = HEADER + len;
        *nimage = ilen;
    }
    close(fd);
    return buf;
}

cr_kb *cr_cache_load(const char *dir, const cr_cache_key *key,
                     cr_corpus **corpus, cr_index **ix)
{
    char *path = cr_cache_file(dir, key);
    size_t size = 0, nimage = 0, imaplen = 0;
    unsigned char *image = NULL;
    void *imap = NULL;
    unsigned char *buf = slurp(path, &size, &image, &nimage, &imap,
                               &imaplen);
    cr_corpus *c = NULL;
    cr_kb *kb = buf ? decode(buf, size, key, path, &c) : NULL;
    free(path);
    if (buf == NULL)
        return NULL;
    cr_index *x = kb ? cr_index_new(c) : NULL;
    if (kb != NULL && image != NULL)
        cr_index_set_image_mapped(x, imap, imaplen, image, nimage);
    else if (imap != NULL)
        munmap(imap, imaplen);
    if (kb != NULL)
        *corpus = c, *ix = x;
    return kb;
}

/* dir and its parent, private when made here; 0 if dir is there. */
static int make_dir(const char *dir)
{
    char *parent = xstrdup(dir);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        (void)mkdir(parent, 0700);
    }
    free(parent);
    struct stat st;
    return (mkdir(dir, 0700) == 0 || errno == EEXIST) &&
                   stat(dir, &st) == 0 && S_ISDIR(st.st_mode)
               ? 0
               : -1;
}

/* Whether name is one this program writes in the cache folder: 1 for a
 * rule cache ("<16 hex>.kb") or a word table ("words-<16 hex>.tab"), 2
 * for the temporary file one is written to (".XXXXXX" after it, as
 * cr_file_replace makes it); 0 for any other. */
static int ours(const char *name)
{
    const char *p = strncmp(name, "words-", 6) == 0 ? name + 6 : name;
    const char *ext = p == name ? ".kb" : ".tab";
    if (strspn(p, "0123456789abcdef") != 16 ||
        strncmp(p + 16, ext, strlen(ext)) != 0)
        return 0;
    p += 16 + strlen(ext);
    if (*p == '\0')
        return 1;
    return *p == '.' && strlen(p + 1) == 6 ? 2 : 0;
}

/* Remove from dir the files of ours that no run has read or written for
 * UNUSED_SECONDS (one is kept for each working folder and set of rule
 * paths, two megabytes each), and the temporary ones older than
 * TEMPORARY_SECONDS.  Only the user's own regular files; a file removed
 * is only rebuilt when next needed. */
static void prune(const char *dir, time_t now)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        int kind = ours(e->d_name);
        struct stat st;
        if (kind == 0 ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode) || st.st_uid != geteuid())
            continue;
        time_t used = st.st_mtime > st.st_atime ? st.st_mtime : st.st_atime;
        if (now - used > (kind == 2 ? TEMPORARY_SECONDS : UNUSED_SECONDS))
            (void)unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

int cr_cache_save(const char *dir, const cr_cache_key *key,
                  const cr_kb *kb, const cr_corpus *corpus, cr_index *ix)
{
    if (key->racy || make_dir(dir) < 0)
        return -1;
    size_t len, nimage = 0;
    unsigned char *image = ix ? cr_index_image(ix, &nimage) : NULL;
    unsigned char *buf = encode(key, kb, corpus, image ? nimage : 0, &len);
    if (buf == NULL) {
        free(image);
        return -1;
    }
    char *path = cr_cache_file(dir, key);
    const void *parts[] = {buf, image};
    size_t lens[] = {len, nimage};
    /* Not flushed to the disk: a cache lost in a crash is only rebuilt. */
    int rc = cr_file_replace(path, parts, lens, image ? 2 : 1, 0) ? -1 : 0;
    if (rc == 0)                /* a new file: room for it */
        prune(dir, time(NULL));
    free(buf);
    free(image);
    free(path);
    return rc;
}
