/* fuzz_cache.c - libFuzzer target: the compiled rule cache, damaged or
 * forged.
 *
 * Each input is a cache file, as cr_cache_save writes it, made to pass
 * the checks that catch a damaged one, as by someone who can write the
 * user's files: its key is replaced by this run's (that of the built-in
 * rules, so that a seed made anywhere applies), and the header is made
 * to state the payload's length and checksum.  So mutations reach the
 * reader, which must refuse whatever does not hold together without
 * reading out of bounds.  A cache that loads must load again, in a
 * session that then answers a question.
 *
 * With one exception: a cache whose compiled patterns are not all ones
 * PCRE2 made is loaded and freed but never matched.  PCRE2 follows
 * compiled code as it finds it, and nothing in a cache file can vouch
 * for it but the checksum (see cache.c): a forged cache can crash the
 * program there, a limit the man page states.  The codes PCRE2 made are
 * those of the caches of the rule files in sources[], which the target
 * writes and reads back when it starts.
 *
 * Those caches, without the image of the essay's index (which has its
 * own checksum, and is SQLite's to read), are the seeds: written to the
 * corpus folder, if the target is given one.  The small ones are also
 * kept in tests/fuzz/seeds/fuzz_cache (for make fuzz-check); that of the
 * built-in rules, more than a megabyte, is not. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "answer.h"
#include "cache.h"
#include "checksum.h"
#include "fileio.h"
#include "fuzz.h"
#include "json.h"

enum { HEADER = 48 };

/* The rule files whose caches are seeds, under the names they get. */
static const struct {
    const char *name, *rules;
} sources[] = {
    {"builtin.kb", CR_FUZZ_RULES},
    {"mine.kb", CR_FUZZ_SRCDIR "/tests/fixtures/mine.yaml"},
    {"consult.kb", CR_FUZZ_SRCDIR "/tests/fixtures/consult.yaml"},
    {"confused.kb", CR_FUZZ_SRCDIR "/tests/fixtures/confused.yaml"},
};
enum { NSOURCES = sizeof sources / sizeof *sources };

static char dir[64];            /* the cache folder */
static cr_cache_key *key;       /* of the built-in rules */
static char *path;              /* the cache file of key in dir */
static unsigned char *keybytes; /* key as a file holds it: varint, text */
static size_t nkeybytes;

/* Every compiled pattern PCRE2 made, saved alone (cr_regex_save). */
static struct code {
    uint64_t sum;
    unsigned char *b;
    size_t n;
} *known;
static int nknown;

/* Where the key of the file at b (n bytes) ends, its start being
 * HEADER; 0 if it cannot be found. */
static size_t key_end(const uint8_t *b, size_t n)
{
    uint64_t len = 0;
    size_t at = HEADER;
    for (int shift = 0; at < n && shift < 64; shift += 7) {
        len |= (uint64_t)(b[at] & 0x7f) << shift;
        if (!(b[at++] & 0x80))
            return len <= n - at ? at + (size_t)len : 0;
    }
    return 0;
}

/* The input as the file to load (a new buffer, its length in *n): with
 * this run's key in place of the input's, and the payload's length and
 * checksum, and the examples' checksum, in the header.  An input too
 * broken to find those in is left as it is. */
static unsigned char *forge(const uint8_t *data, size_t size, size_t *n)
{
    size_t rest = key_end(data, size);
    if (rest == 0) {
        *n = size;
        return memcpy(xmalloc(size + 1), data, size);
    }
    *n = HEADER + nkeybytes + (size - rest);
    unsigned char *b = xmalloc(*n);
    memcpy(b, data, HEADER);
    memcpy(b + HEADER, keybytes, nkeybytes);
    memcpy(b + HEADER + nkeybytes, data + rest, size - rest);
    uint64_t image = cr_get64(b + 24), examples = cr_get64(b + 32);
    if (image <= *n - HEADER && examples <= *n - HEADER - image) {
        size_t len = *n - HEADER - (size_t)image - (size_t)examples;
        cr_put64(b + 8, cr_checksum(b + HEADER, len));
        cr_put64(b + 16, len);
        cr_put64(b + 40, cr_checksum(b + HEADER + len, (size_t)examples));
    }
    return b;
}

/* Put the n bytes at b at path, as the program would (mode 0600). */
static void plant(const char *to, const unsigned char *b, size_t n)
{
    const void *parts[] = {b};
    int err = cr_file_replace(to, parts, &n, 1, 0);
    if (err != 0) {             /* the machine's fault, not the input's */
        fprintf(stderr, "fuzz_cache: cannot write %s: %s\n", to,
                cr_file_error(err));
        abort();
    }
}

/* The code of pattern p, saved alone: a new buffer, or NULL. */
static unsigned char *save(const cr_pattern *p, size_t *n)
{
    cr_regex *re = p->re;
    return re ? cr_regex_save(&re, 1, n) : NULL;
}

/* Whether PCRE2 made p's code (when adding, that it did). */
static int made(const cr_pattern *p, int add)
{
    size_t n;
    unsigned char *b = save(p, &n);
    if (b == NULL)
        return 0;
    uint64_t sum = cr_checksum(b, n);
    for (int i = 0; i < nknown; i++) {
        if (known[i].sum == sum && known[i].n == n &&
            memcmp(known[i].b, b, n) == 0) {
            free(b);
            return 1;
        }
    }
    if (!add) {
        free(b);
        return 0;
    }
    known = xreallocarray(known, (size_t)nknown + 1, sizeof *known);
    known[nknown++] = (struct code){sum, b, n};
    return 1;
}

static int all_made(const cr_kb *kb, int add)
{
    for (int i = 0; i < cr_kb_nintents(kb); i++) {
        const cr_intent *in = cr_kb_intentdef(kb, i);
        for (int k = 0; k < in->npatterns; k++)
            if (!made(&in->patterns[k], add))
                return 0;
    }
    for (int i = 0; i < cr_kb_nextractors(kb); i++)
        if (!made(&cr_kb_extractor(kb, i)->pattern, add))
            return 0;
    return 1;
}

/* The examples of kb (or NULL), which it reads on first need: last,
 * since damaged ones remove the file. */
static void examples(const cr_kb *kb)
{
    int n;
    if (kb != NULL && cr_kb_nintents(kb) > 0)
        cr_kb_examples(kb, 0, &n);
}

/* The cache planted for key, loaded; NULL if it is refused.  A cache
 * whose patterns PCRE2 made is loaded again in a session that answers
 * a question. */
static cr_kb *load_and_ask(void)
{
    cr_corpus *essay = NULL;    /* the kb holds no pointer into these */
    cr_index *ix = NULL;
    cr_kb *kb = cr_cache_load(dir, key, &essay, &ix);
    cr_index_free(ix);
    cr_corpus_free(essay);
    if (kb == NULL || !all_made(kb, 0)) {
        examples(kb);
        return kb;
    }
    cr_diag *d = cr_diag_new();
    const char *rules[] = {CR_FUZZ_RULES};
    cr_session *s = cr_session_open(CR_FUZZ_ESSAY, rules, 1, dir, d);
    cr_session_stats st;
    if (s == NULL)
        abort();
    cr_session_stats_get(s, &st);
    if (!st.cached)
        abort();                /* it loaded once, not twice */
    static const char q[] = "I am Bob and calm, with 2 papers: "
                            "how much does a PhD pay?";
    cr_answer *a = NULL;
    if (cr_session_ask(s, q, sizeof q - 1, &a, d) == 0) {
        free(cr_answer_render(a, 72, 1));
        free(cr_json_answer(a));
        cr_answer_free(a);
    }
    examples(cr_session_kb(s));
    cr_session_free(s);
    cr_diag_free(d);
    return kb;
}

/* The whole file at from, in a new buffer, its length in *n; NULL if
 * there is none. */
static unsigned char *slurp(const char *from, size_t *n)
{
    FILE *f = fopen(from, "rb");
    if (f == NULL)
        return NULL;
    cr_buf b = {0};
    char chunk[65536];
    for (size_t k; (k = fread(chunk, 1, sizeof chunk, f)) > 0;)
        cr_buf_putn(&b, chunk, k);
    fclose(f);
    *n = b.len;
    return (unsigned char *)cr_buf_take(&b);
}

/* The cache of rules, as a session writes it (waiting out the second
 * after a rule file changed), read back, its codes added to known; its
 * bytes, without the image, in a new buffer. */
static unsigned char *make_cache(const char *rules, size_t *n)
{
    cr_cache_key *k = cr_cache_key_new(CR_FUZZ_ESSAY, &rules, 1);
    char *file = k ? cr_cache_file(dir, k) : NULL;
    unsigned char *b = NULL;
    for (int tries = 0; file && b == NULL && tries < 4; tries++) {
        cr_diag *d = cr_diag_new();
        cr_session *s = cr_session_open(CR_FUZZ_ESSAY, &rules, 1, dir, d);
        if (s == NULL)
            cr_fuzz_diags(d, stderr);
        cr_session_free(s);
        cr_diag_free(d);
        b = slurp(file, n);
        if (b == NULL)
            sleep(1);
    }
    cr_corpus *essay = NULL;
    cr_index *ix = NULL;
    cr_kb *kb = b ? cr_cache_load(dir, k, &essay, &ix) : NULL;
    if (kb == NULL || *n < HEADER || cr_get64(b + 24) > *n - HEADER) {
        fprintf(stderr, "fuzz_cache: no cache of %s\n", rules);
        exit(1);
    }
    all_made(kb, 1);
    *n -= (size_t)cr_get64(b + 24);
    cr_put64(b + 24, 0);
    cr_kb_free(kb);
    cr_index_free(ix);
    cr_corpus_free(essay);
    unlink(file);
    free(file);
    cr_cache_key_free(k);
    return b;
}

/* The first argument that is not an option, if it is a folder (then
 * the corpus, which libFuzzer reads after LLVMFuzzerInitialize); else
 * NULL. */
static const char *corpus_dir(int argc, char **argv)
{
    struct stat st;
    for (int i = 1; i < argc; i++)
        if (argv[i][0] != '-')
            return stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)
                       ? argv[i] : NULL;
    return NULL;
}

static void clean_up(void)
{
    unlink(path);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    snprintf(dir, sizeof dir, "/tmp/fuzz-cache-XXXXXX");
    if (mkdtemp(dir) == NULL)
        abort();
    atexit(clean_up);
    const char *builtin = CR_FUZZ_RULES;
    key = cr_cache_key_new(CR_FUZZ_ESSAY, &builtin, 1);
    if (key == NULL)
        abort();
    path = cr_cache_file(dir, key);
    const char *out = corpus_dir(*argc, *argv);
    for (int i = 0; i < NSOURCES; i++) {
        size_t n;
        unsigned char *b = make_cache(sources[i].rules, &n);
        if (i == 0) {           /* the built-in rules: key's */
            nkeybytes = key_end(b, n) - HEADER;
            keybytes = memcpy(xmalloc(nkeybytes), b + HEADER, nkeybytes);
        }
        if (out != NULL) {
            char *seed = xasprintf("%s/%s", out, sources[i].name);
            plant(seed, b, n);
            free(seed);
        }
        size_t m;
        unsigned char *forged = forge(b, n, &m);
        plant(path, forged, m);
        cr_kb *kb = load_and_ask();
        if (kb == NULL || !all_made(kb, 0)) {
            fprintf(stderr, "fuzz_cache: %s does not load\n",
                    sources[i].name);
            exit(1);
        }
        cr_kb_free(kb);
        free(forged);
        free(b);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n;
    unsigned char *b = forge(data, size, &n);
    plant(path, b, n);
    free(b);
    cr_kb_free(load_and_ask());
    return 0;
}
