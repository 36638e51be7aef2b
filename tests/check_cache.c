/* check_cache.c - the compiled rule cache: a knowledge base read back
 * from the cache behaves exactly as the one parsed from YAML, and a
 * cache file that is stale, damaged or not private is never used.
 *
 * Every test works in a fresh temporary folder, never in the user's
 * ~/.cache. */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "authoring.h"
#include "cache.h"
#include "checksum.h"
#include "classify.h"
#include "corpus.h"
#include "json.h"
#include "prefilter.h"
#include "session.h"
#include "testutil.h"

static char tmp[64];
static char *dir;               /* the cache folder, inside tmp */
static char *essay, *rules;
static cr_diag *d;

static void setup(void)
{
    strcpy(tmp, "/tmp/check_cache.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
    dir = xasprintf("%s/cache/crossroads", tmp);
    essay = cr_test_path(CR_TEST_ESSAY);
    rules = cr_test_path("rules");
    d = cr_diag_new();
}

static void teardown(void)
{
    char *cmd = xasprintf("rm -rf '%s'", tmp);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    free(dir);
    free(essay);
    free(rules);
    cr_diag_free(d);
}

static cr_session *open_with(const char *const *paths, int n,
                             const char *cache)
{
    cr_session *s = cr_session_open(essay, paths, n, cache, d);
    ck_assert_int_eq(cr_diag_len(d), 0);
    ck_assert_ptr_nonnull(s);
    return s;
}

static int cached(const cr_session *s)
{
    cr_session_stats st;
    cr_session_stats_get(s, &st);
    return st.cached;
}

/* a and b are the same text; else fail showing the first line that
 * differs, not the whole of both. */
static void same_text(const char *a, const char *b, const char *what)
{
    size_t line = 0, i = 0;
    while (a[i] && a[i] == b[i])
        if (a[i++] == '\n')
            line = i;
    if (a[i] == b[i])
        return;
    ck_abort_msg("%s differ from the cache:\n  %.200s\nnot\n  %.200s",
                 what, a + line, b + line);
}

/* A session from the cache: the first open writes it (waiting out the
 * racy second if the rule files were just written), the next reads. */
static cr_session *open_cached(const char *const *paths, int n)
{
    for (int tries = 0; tries < 4; tries++) {
        /* Not asserted uncached: the second open of the try before may
         * have written the cache, when the racy second ended between. */
        cr_session *s = open_with(paths, n, dir);
        cr_session_free(s);
        s = open_with(paths, n, dir);
        if (cached(s))
            return s;
        cr_session_free(s);
        sleep(1);
    }
    ck_abort_msg("the cache was never used");
    return NULL;
}

static char *cache_path(const char *const *paths, int n)
{
    cr_cache_key *key = cr_cache_key_new(essay, paths, n);
    ck_assert_ptr_nonnull(key);
    char *path = cr_cache_file(dir, key);
    cr_cache_key_free(key);
    return path;
}

/* Both sessions' answers to q, as JSON with the explanation. */
static void same_answer(cr_session *a, cr_session *b, const char *q)
{
    char *out[2];
    cr_session *s[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        cr_answer *ans = NULL;
        ck_assert_int_eq(cr_session_ask(s[k], q, strlen(q), &ans, d), 0);
        char *json = cr_json_answer(ans);
        char *why = cr_session_explain(s[k]);
        out[k] = xasprintf("%s\n%s", json, why ? why : "");
        free(json);
        free(why);
        cr_answer_free(ans);
    }
    same_text(out[0], out[1], "answers");
    free(out[0]);
    free(out[1]);
}

/* Questions no intent matches, which retrieval answers or declines. */
static const char *const unmatched[] = {
    "tell me about zebras", "what is the capital of France",
    "quantum chromodynamics", "remote work", "CIFRE", "the",
    "publications at top conferences", "salary salary stipend",
    "machine learning engineer at a startup in Paris",
};
enum { NUNMATCHED = sizeof unmatched / sizeof *unmatched };

/* Both indexes rank every section alike for each unmatched question, to
 * the bit. */
static void same_ranks(cr_index *a, cr_index *b)
{
    enum { MAX = 64 };
    cr_hit ha[MAX], hb[MAX];
    for (int q = 0; q < NUNMATCHED; q++) {
        int n = cr_index_rank(a, unmatched[q], ha, MAX);
        ck_assert_int_eq(cr_index_rank(b, unmatched[q], hb, MAX), n);
        for (int i = 0; i < n; i++) {
            ck_assert_int_eq(ha[i].section, hb[i].section);
            ck_assert_msg(ha[i].score == hb[i].score, "'%s': score %.17g "
                          "from the cache, not %.17g", unmatched[q],
                          hb[i].score, ha[i].score);
        }
    }
}

/* What explanations of every fact and rule say, in one string. */
static char *explain_all(const cr_session *s)
{
    const cr_kb *kb = cr_session_kb(s);
    cr_buf b = {0};
    for (int i = 0; i < cr_kb_nfacts(kb); i++) {
        const char *name = cr_kb_factdecl(kb, i)->name;
        char *how = cr_session_how(s, name, d);
        char *why = cr_session_why(s, name, d);
        cr_buf_printf(&b, "%s: %s / %s\n", name, how ? how : "-",
                      why ? why : "-");
        free(how);
        free(why);
    }
    for (int i = 0; i < cr_kb_nrules(kb); i++) {
        char *no = cr_session_why_not(s, cr_kb_ruledef(kb, i)->id, d);
        cr_buf_printf(&b, "%s\n", no ? no : "-");
        free(no);
    }
    cr_diag_clear(d);
    return cr_buf_take(&b);
}

/* What lint and test say of kb, in one string. */
static char *authoring(const cr_session *s, const char *const *paths, int n)
{
    cr_diag *w = cr_diag_new();
    cr_buf b = {0};
    cr_lint_warnings(cr_session_kb(s), cr_session_corpus(s), essay, w);
    for (int i = 0; i < cr_diag_len(w); i++) {
        char *line = cr_diag_format(cr_diag_get(w, i));
        cr_buf_printf(&b, "%s\n", line);
        free(line);
    }
    cr_test_examples(cr_session_kb(s), essay, paths, n, NULL, 0, &b, w);
    cr_diag_free(w);
    return cr_buf_take(&b);
}

/* Every field of every structure of kb, as text: two kbs with the same
 * dump are the same knowledge base (compiled patterns aside, which the
 * answers test). */
static void dump_loc(cr_buf *b, const cr_loc *l)
{
    cr_buf_printf(b, " @%s:%d:%d", l->file, l->line, l->col);
}

static void dump_str(cr_buf *b, const char *s)
{
    cr_buf_printf(b, s ? " '%s'" : " -", s);
}

static void dump_assigns(cr_buf *b, const cr_assign *a, int n)
{
    cr_buf_printf(b, " [%d", n);
    for (int i = 0; i < n; i++) {
        dump_str(b, a[i].name);
        dump_str(b, a[i].text);
        cr_buf_printf(b, " %d %.17g", a[i].fact, a[i].value.num);
        dump_str(b, a[i].value.str);
        dump_loc(b, &a[i].loc);
    }
    cr_buf_puts(b, "]");
}

static void dump_pattern(cr_buf *b, const cr_pattern *p)
{
    dump_str(b, p->src);
    cr_buf_printf(b, " %.17g %d", p->weight, p->re != NULL);
    for (size_t k = 0; k <= strlen(p->src); k++) {
        cr_loc l = cr_pattern_place(p, k);
        dump_loc(b, &l);
    }
}

static void dump_cond(cr_buf *b, const cr_cond *c)
{
    if (c == NULL) {
        cr_buf_puts(b, " (none)");
        return;
    }
    cr_buf_printf(b, " (%d %d %d", c->kind, c->op, c->fact);
    dump_str(b, c->name);
    dump_assigns(b, c->vals, c->nvals);
    for (int i = 0; i < c->nkids; i++)
        dump_cond(b, c->kids[i]);
    dump_loc(b, &c->loc);
    cr_buf_puts(b, ")");
}

static void dump_rule(cr_buf *b, const cr_rule *r)
{
    cr_buf_printf(b, "rule %s %d %.17g %d %d", r->id, r->salience,
                  r->confidence, r->reco, r->askfact);
    dump_cond(b, r->when);
    dump_str(b, r->answer);
    for (int k = 0; k < r->ncites; k++) {
        cr_buf_printf(b, " cite %s %d", r->cites[k].anchor,
                      r->cites[k].section);
        dump_loc(b, &r->cites[k].loc);
    }
    dump_assigns(b, r->asserts, r->nasserts);
    dump_assigns(b, r->retracts, r->nretracts);
    dump_str(b, r->ask);
    if (r->ask)
        dump_loc(b, &r->askloc);
    dump_loc(b, &r->loc);
    cr_buf_putc(b, '\n');
}

static void dump_intent(cr_buf *b, const cr_kb *kb, int i)
{
    const cr_intent *in = cr_kb_intentdef(kb, i);
    cr_buf_printf(b, "intent %s %d %d", in->id, in->out_of_scope,
                  in->disabled);
    dump_str(b, in->topic);
    for (int k = 0; k < in->npatterns; k++)
        dump_pattern(b, &in->patterns[k]);
    int n;
    const cr_example *xs = cr_kb_examples(kb, i, &n);
    ck_assert_int_eq(n, in->nexamples);
    for (int k = 0; k < n; k++) {
        const cr_example *x = &xs[k];
        cr_buf_printf(b, " example '%s' %d %d", x->text, x->reco,
                      x->expect_reco);
        dump_str(b, x->cite);
        dump_loc(b, &x->loc);
    }
    dump_loc(b, &in->loc);
    cr_buf_putc(b, '\n');
}

static char *dump_kb(const cr_kb *kb)
{
    cr_buf b = {0};
    for (int i = 0; i < cr_kb_nfacts(kb); i++) {
        const cr_factdecl *f = cr_kb_factdecl(kb, i);
        cr_buf_printf(&b, "fact %s %d", f->name, f->type);
        for (int k = 0; k < f->nchoices; k++)
            dump_str(&b, f->choices[k]);
        dump_str(&b, f->prompt);
        dump_str(&b, f->initial);
        dump_loc(&b, &f->loc);
        cr_buf_putc(&b, '\n');
    }
    for (int i = 0; i < cr_kb_nconcepts(kb); i++) {
        const cr_concept *c = cr_kb_concept(kb, i);
        cr_buf_printf(&b, "concept %s", c->name);
        for (int k = 0; k < c->nwords; k++)
            dump_str(&b, c->words[k]);
        dump_loc(&b, &c->loc);
        cr_buf_putc(&b, '\n');
    }
    for (int i = 0; i < cr_kb_nintents(kb); i++)
        dump_intent(&b, kb, i);
    for (int i = 0; i < cr_kb_nextractors(kb); i++) {
        const cr_extractor *x = cr_kb_extractor(kb, i);
        cr_buf_printf(&b, "extractor %s", x->id);
        dump_pattern(&b, &x->pattern);
        dump_assigns(&b, x->sets, x->nsets);
        dump_assigns(&b, x->negated, x->nnegated);
        dump_loc(&b, &x->loc);
        cr_buf_putc(&b, '\n');
    }
    for (int i = 0; i < cr_kb_nrules(kb); i++)
        dump_rule(&b, cr_kb_ruledef(kb, i));
    /* The trained classifier and the patterns' prefilter, byte for
     * byte: the cache keeps the ones the YAML makes (not the needs the
     * prefilter is made of). */
    for (int k = 0; k < 2; k++) {
        size_t size;
        unsigned char *m = k == 0
            ? cr_model_encode(cr_kb_model(kb), &size)
            : cr_prefilter_encode(cr_kb_prefilter(kb), &size);
        unsigned long h = 5381;
        for (size_t i = 0; i < size; i++)
            h = h * 33 + m[i];
        cr_buf_printf(&b, "%s %zu bytes, hash %lx\n",
                      k == 0 ? "model" : "prefilter", size, h);
        free(m);
    }
    return cr_buf_take(&b);
}

START_TEST(test_round_trip)
{
    char *mine = cr_test_path("tests/fixtures/mine.yaml");
    char *every = cr_test_path("tests/fixtures/cache.yaml");
    const char *paths[] = {rules, mine, every};
    cr_session *yaml = open_with(paths, 3, NULL);
    cr_session *kept = open_cached(paths, 3);
    const cr_kb *kb = cr_session_kb(yaml);
    /* Read from the cache, the examples wait until they are asked for:
     * a question never needs them. */
    cr_session *lazy = open_with(paths, 3, dir);
    ck_assert_int_eq(cached(lazy), 1);
    cr_answer *first = NULL;
    ck_assert_int_eq(cr_session_ask(lazy, "how much does a PhD pay", 23,
                                    &first, d), 0);
    cr_answer_free(first);
    for (int i = 0; i < cr_kb_nintents(kb); i++) {
        const cr_intent *in = cr_kb_intentdef(cr_session_kb(lazy), i);
        ck_assert_int_eq(in->nexamples, cr_kb_intentdef(kb, i)->nexamples);
        ck_assert_ptr_null(in->examples);
    }
    cr_session_free(lazy);
    ck_assert_int_eq(cr_kb_nrules(kb), cr_kb_nrules(cr_session_kb(kept)));
    ck_assert_int_eq(cr_kb_nfacts(kb), cr_kb_nfacts(cr_session_kb(kept)));
    char *k1 = dump_kb(kb), *k2 = dump_kb(cr_session_kb(kept));
    same_text(k1, k2, "knowledge bases");
    free(k1);
    free(k2);
    /* Every example question, in turn, in both sessions: facts the user
     * states pile up the same way in each. */
    for (int i = 0; i < cr_kb_nintents(kb); i++) {
        const cr_intent *in = cr_kb_intentdef(kb, i);
        for (int k = 0; k < in->nexamples; k++)
            same_answer(yaml, kept, in->examples[k].text);
    }
    same_answer(yaml, kept, "what is the capital of France");
    same_answer(yaml, kept, "I am Bob and calm; what about my hobbies");
    for (int q = 0; q < NUNMATCHED; q++)
        same_answer(yaml, kept, unmatched[q]);
    same_ranks(cr_session_index(yaml), cr_session_index(kept));
    char *e1 = explain_all(yaml), *e2 = explain_all(kept);
    same_text(e1, e2, "explanations");
    free(e1);
    free(e2);
    char *a1 = authoring(yaml, paths, 3), *a2 = authoring(kept, paths, 3);
    same_text(a1, a2, "lint and test reports");
    free(a1);
    free(a2);
    cr_session_free(yaml);
    cr_session_free(kept);
    free(mine);
    free(every);
}
END_TEST

/* The essay as the cache keeps it is the essay as parsed, field by
 * field. */
static void same_corpus(const cr_corpus *a, const cr_corpus *b)
{
    ck_assert_str_eq(cr_corpus_title(a), cr_corpus_title(b));
    ck_assert_int_eq(cr_corpus_count(a), cr_corpus_count(b));
    for (int i = 0; i < cr_corpus_count(a); i++) {
        ck_assert_str_eq(cr_corpus_heading(a, i), cr_corpus_heading(b, i));
        ck_assert_str_eq(cr_corpus_anchor(a, i), cr_corpus_anchor(b, i));
        ck_assert_str_eq(cr_corpus_text(a, i), cr_corpus_text(b, i));
        ck_assert_int_eq(cr_corpus_level(a, i), cr_corpus_level(b, i));
        ck_assert_int_eq(cr_corpus_parent(a, i), cr_corpus_parent(b, i));
        ck_assert_int_eq(cr_corpus_line(a, i), cr_corpus_line(b, i));
        ck_assert_int_eq(cr_corpus_find(a, cr_corpus_anchor(b, i)), i);
    }
}

/* The cache keeps the essay and its index: a session from the cache
 * ranks from the index's image, as the session that wrote it would,
 * even after its rules are reloaded (the index keeps its own copy). */
START_TEST(test_index_kept)
{
    const char *paths[] = {rules};
    cr_session *yaml = open_with(paths, 1, NULL);
    cr_session *kept = open_cached(paths, 1);
    same_corpus(cr_session_corpus(kept), cr_session_corpus(yaml));
    ck_assert_int_eq(cr_session_reload(kept, NULL, 0, d), 0);
    same_ranks(cr_session_index(yaml), cr_session_index(kept));
    cr_cache_key *key = cr_cache_key_new(essay, paths, 1);
    ck_assert_ptr_nonnull(key);
    cr_corpus *corpus = NULL;
    cr_index *ix = NULL;
    cr_kb *kb = cr_cache_load(dir, key, &corpus, &ix);
    ck_assert_ptr_nonnull(kb);
    same_corpus(corpus, cr_session_corpus(yaml));
    ck_assert(cr_index_has_image(ix));
    cr_hit hit, want;
    ck_assert_int_eq(cr_index_rank(ix, "CIFRE", &hit, 1), 1);
    ck_assert_int_eq(cr_index_rank(cr_session_index(yaml), "CIFRE", &want,
                                   1), 1);
    ck_assert_int_eq(hit.section, want.section);
    ck_assert(cr_index_has_image(ix));  /* it ranked from the image */
    cr_kb_free(kb);
    cr_cache_key_free(key);
    cr_index_free(ix);
    cr_corpus_free(corpus);
    cr_session_free(yaml);
    cr_session_free(kept);
}
END_TEST

/* An encoded essay reads back as it was; bytes that are not one are
 * refused, never read out of bounds (a prefix of one that ends with a
 * section's text is the sections before it). */
START_TEST(test_corpus_encoding)
{
    cr_session *yaml = open_with((const char *[]){rules}, 1, NULL);
    const cr_corpus *c = cr_session_corpus(yaml);
    size_t n;
    unsigned char *b = cr_corpus_encode(c, &n);
    cr_corpus *back = cr_corpus_decode(b, n);
    ck_assert_ptr_nonnull(back);
    same_corpus(back, c);
    cr_corpus_free(back);
    for (size_t k = 0; k < n; k += 97) {
        unsigned char *cut = xmalloc(k + 1);   /* exactly k bytes used */
        memcpy(cut, b, k);
        cr_corpus *x = cr_corpus_decode(cut, k);
        if (x)
            ck_assert_int_le(cr_corpus_count(x), cr_corpus_count(c));
        cr_corpus_free(x);
        free(cut);
    }
    static const char *const bad[] = {
        "", "title", "t\0" "9" "1\0h\0x\0", "t\0" "3" "1\0h\0x\0",
        "t\0" "2" "\0h\0x\0", "t\0" "2" "-1\0h\0x\0",
        "t\0" "2" "99999999999\0h\0x\0", "t\0" "2" "1\0h\0x",
    };
    static const size_t len[] = {0, 5, 9, 9, 8, 10, 19, 8};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(cr_corpus_decode((const unsigned char *)bad[i],
                                       len[i]) == NULL, "bad[%zu] read", i);
    cr_corpus *one = cr_corpus_decode((const unsigned char *)
                                      "t\0" "2" "1\0Intro\0x\0", 13);
    ck_assert_ptr_nonnull(one);
    ck_assert_str_eq(cr_corpus_anchor(one, 0), "intro");
    cr_corpus_free(one);
    free(b);
    cr_session_free(yaml);
}
END_TEST

START_TEST(test_private_files)
{
    const char *paths[] = {rules};
    cr_session_free(open_cached(paths, 1));
    struct stat st;
    char *path = cache_path(paths, 1);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(stat(dir, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    /* Readable by others: not to be trusted, so not used. */
    ck_assert_int_eq(chmod(path, 0644), 0);
    cr_session *s = open_with(paths, 1, dir);
    ck_assert_int_eq(cached(s), 0);
    cr_session_free(s);
    free(path);
}
END_TEST

static void write_file(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(b, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(path, 0600), 0);
}

/* The cache file, damaged by change, must not be used, and the session
 * must answer as from YAML. */
static void damaged(const char *path, const unsigned char *good, size_t n,
                    const char *what)
{
    const char *paths[] = {rules};
    cr_session *s = open_with(paths, 1, dir);
    ck_assert_msg(!cached(s), "a cache file with %s was used", what);
    cr_answer *a = NULL;
    ck_assert_int_eq(cr_session_ask(s, "how much does a PhD pay", 23, &a,
                                    d), 0);
    ck_assert_str_eq(a->cites[0].anchor, "pay");
    cr_answer_free(a);
    cr_session_free(s);
    write_file(path, good, n);  /* the session may have rewritten it */
}

/* The cache file with the image of the essay's index damaged: the
 * knowledge base in it is used, and the index, built from the essay
 * after all, ranks as ever. */
static void damaged_image(const char *path, const unsigned char *good,
                          size_t n)
{
    const char *paths[] = {rules};
    cr_session *s = open_with(paths, 1, dir);
    ck_assert_msg(cached(s), "a damaged image kept the cache from use");
    cr_session *yaml = open_with(paths, 1, NULL);
    same_ranks(cr_session_index(yaml), cr_session_index(s));
    cr_session_free(yaml);
    cr_session_free(s);
    write_file(path, good, n);
}

/* The cache file with its examples damaged: the knowledge base in it is
 * used, since a question never reads them; `crossroads test`, which
 * does, reports the damage and removes the file, for the next run to
 * write a whole one. */
static void damaged_examples(const char *path, const unsigned char *good,
                             size_t n)
{
    const char *paths[] = {rules};
    cr_session *s = open_with(paths, 1, dir);
    ck_assert_msg(cached(s), "damaged examples kept the cache from use");
    cr_answer *a = NULL;
    ck_assert_int_eq(cr_session_ask(s, "how much does a PhD pay", 23, &a,
                                    d), 0);
    ck_assert_str_eq(a->cites[0].anchor, "pay");
    cr_answer_free(a);
    cr_buf out = {0};
    cr_diag *w = cr_diag_new();
    ck_assert_int_eq(cr_test_examples(cr_session_kb(s), essay, paths, 1,
                                      NULL, 0, &out, w), -1);
    ck_assert_int_eq(cr_diag_errors(w), 1);
    ck_assert_ptr_nonnull(strstr(cr_diag_get(w, 0)->message,
                                    "examples are damaged"));
    ck_assert_int_eq(cr_kb_examples_damaged(cr_session_kb(s)), 1);
    ck_assert_int_eq(access(path, F_OK), -1);
    cr_diag_free(w);
    cr_buf_free(&out);
    cr_session_free(s);
    write_file(path, good, n);
}

START_TEST(test_damage_falls_back)
{
    const char *paths[] = {rules};
    cr_session_free(open_cached(paths, 1));
    char *path = cache_path(paths, 1);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    unsigned char *good = xmalloc(1 << 22);
    size_t n = fread(good, 1, 1 << 22, f);
    fclose(f);
    ck_assert_uint_gt(n, 1000);
    unsigned char *bad = xmalloc(n + 16);
    size_t cuts[] = {0, 1, 8, 23, 24, 31, 32, 33, 100, n / 2, n - 9, n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        write_file(path, good, cuts[i]);
        damaged(path, good, n, "its end cut off");
    }
    size_t image = cr_get64(good + 24), core = cr_get64(good + 16);
    size_t examples = cr_get64(good + 32);
    ck_assert_uint_gt(image, 1000);
    ck_assert_uint_gt(examples, 1000);
    ck_assert_uint_eq(48 + core + examples + image, n);
    for (size_t at = 0; at < n; at += n / 97 + 1) {
        memcpy(bad, good, n);
        bad[at] ^= 0x20;
        write_file(path, bad, n);
        if (at >= 48 + core + examples)
            damaged_image(path, good, n);
        else if (at >= 48 + core || (at >= 40 && at < 48))
            damaged_examples(path, good, n);
        else
            damaged(path, good, n, "a byte changed");
    }
    /* The examples' checksum, and bytes all through them. */
    for (size_t k = 0; k < 8; k++) {
        size_t at = k == 0 ? 40 : 48 + core + (k - 1) * (examples / 7);
        memcpy(bad, good, n);
        bad[at] ^= 0x01;
        write_file(path, bad, n);
        damaged_examples(path, good, n);
    }
    memcpy(bad, good, n);
    memcpy(bad + n, "trailing bytes..", 16);
    write_file(path, bad, n + 16);
    damaged(path, good, n, "bytes appended");
    /* And the good bytes, written back, are used again. */
    cr_session *s = open_with(paths, 1, dir);
    ck_assert_int_eq(cached(s), 1);
    cr_session_free(s);
    free(bad);
    free(good);
    free(path);
}
END_TEST

/* The file of n bytes at b made whole again after a change: the header
 * states the payload's new length (the image's is as it was) and the
 * checksum over it, as a writer that meant the change would. */
static void reseal(unsigned char *b, size_t n)
{
    uint64_t len = n - 48 - cr_get64(b + 24) - cr_get64(b + 32);
    cr_put64(b + 8, cr_checksum(b + 48, len));
    cr_put64(b + 16, len);
}

/* The saved patterns in the cache file: their offset, and their length
 * in *len, read from the varint before them (after the count of
 * patterns, whose last byte is below 0x80, like every varint's), which
 * starts at *v. */
static size_t find_patterns(const unsigned char *b, size_t n, size_t *len,
                            size_t *v)
{
    const unsigned char *magic = memmem(b, n, "S2RP", 4);  /* PCRE2's */
    ck_assert_ptr_nonnull(magic);
    size_t at = (size_t)(magic - b);
    for (*v = at - 1; b[*v - 1] >= 0x80;)
        --*v;
    *len = 0;
    for (size_t k = *v; k < at; k++)
        *len |= (size_t)(b[k] & 0x7f) << 7 * (k - *v);
    ck_assert_uint_le(at + *len, n);
    return at;
}

/* The compiled patterns' lengths do not add up, and the checksum holds:
 * a cache written by someone other than crossroads, or damaged in a way
 * the checksum misses.  It must be refused, never read beyond; the
 * session parses the YAML instead. */
START_TEST(test_pattern_lengths_checked)
{
    const char *paths[] = {rules};
    cr_session_free(open_cached(paths, 1));
    char *path = cache_path(paths, 1);
    size_t n;
    unsigned char *good = (unsigned char *)cr_test_read(path, &n);
    unsigned char *bad = xmalloc(n);
    size_t len, v, at = find_patterns(good, n, &len, &v), prefix, block = 0;
    size_t sizeat = cr_test_block_layout(&prefix);
    /* The last code's block, 64 MB longer: PCRE2 would copy that much. */
    size_t last = 0;
    for (size_t p = at + prefix; p < at + len; p += block) {
        last = p;
        memcpy(&block, good + p + sizeat, sizeof block);
    }
    ck_assert_uint_eq(last + block, at + len);
    memcpy(bad, good, n);
    block += (size_t)64 << 20;
    memcpy(bad + last + sizeat, &block, sizeof block);
    reseal(bad, n);
    write_file(path, bad, n);
    damaged(path, good, n, "a code's block too long");
    /* The patterns a byte short, their length one less (in the varint's
     * lowest 7 bits, first); or, where that would borrow, their length
     * one more than their bytes. */
    memcpy(bad, good, n);
    if ((good[v] & 0x7f) != 0) {
        bad[v]--;
        memmove(bad + at + len - 1, bad + at + len, n - at - len);
        reseal(bad, n - 1);
        write_file(path, bad, n - 1);
    } else {
        bad[v]++;
        reseal(bad, n);
        write_file(path, bad, n);
    }
    damaged(path, good, n, "its patterns cut short");
    free(bad);
    free(good);
    free(path);
}
END_TEST

static void copy_file(const char *from, const char *to)
{
    char *cmd = xasprintf("cp '%s' '%s'", from, to);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
}

/* A rule file changed after the cache was written, even to the same
 * size, is read from YAML again. */
START_TEST(test_stale)
{
    char *mine = xasprintf("%s/mine.yaml", tmp);
    char *from = cr_test_path("tests/fixtures/mine.yaml");
    copy_file(from, mine);
    const char *paths[] = {rules, mine};
    cr_session *s = open_cached(paths, 2);   /* waits for mine to age */
    cr_session_free(s);
    FILE *f = fopen(mine, "r+b");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    ck_assert_int_eq(fseek(f, size - 1, SEEK_SET), 0);
    ck_assert_int_eq(fputc('\n', f), '\n');  /* same size, new ctime */
    ck_assert_int_eq(fclose(f), 0);
    s = open_with(paths, 2, dir);
    ck_assert_int_eq(cached(s), 0);
    cr_session_free(s);
    free(from);
    free(mine);
}
END_TEST

/* Writing a cache removes the folder's files that have gone unused for
 * a month, and temporary ones a killed run left an hour ago; nothing
 * else. */
START_TEST(test_prune)
{
    static const struct {
        const char *name;
        int days_old, removed;
    } f[] = {
        {"0123456789abcdef.kb", 40, 1},
        {"0123456789abcdef.kb.Ab12Cd", 1, 1},     /* mkstemp's template */
        {"words-0123456789abcdef.tab", 40, 1},
        {"fedcba9876543210.kb", 20, 0},
        {"0123456789abcdef.kb.Ab12C", 1, 0},      /* not ours */
        {"notes.txt", 400, 0},
        {"0123456789ABCDEF.kb", 40, 0},
    };
    enum { N = sizeof f / sizeof *f };
    char *parent = xasprintf("%s/cache", tmp);
    ck_assert_int_eq(mkdir(parent, 0700), 0);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    free(parent);
    time_t now = time(NULL);
    for (size_t i = 0; i < N; i++) {
        char *p = xasprintf("%s/%s", dir, f[i].name);
        write_file(p, (const unsigned char *)"x", 1);
        struct timespec t[2] = {{now - f[i].days_old * 86400L, 0},
                                {now - f[i].days_old * 86400L, 0}};
        ck_assert_int_eq(utimensat(AT_FDCWD, p, t, 0), 0);
        free(p);
    }
    const char *paths[] = {rules};
    cr_session_free(open_cached(paths, 1));
    for (size_t i = 0; i < N; i++) {
        char *p = xasprintf("%s/%s", dir, f[i].name);
        ck_assert_msg((access(p, F_OK) != 0) == f[i].removed, "%s %s",
                      f[i].name, f[i].removed ? "kept" : "removed");
        free(p);
    }
}
END_TEST

START_TEST(test_unwritable)
{
    const char *paths[] = {rules};
    free(dir);
    dir = xasprintf("%s/file/crossroads", tmp);
    char *file = xasprintf("%s/file", tmp);
    write_file(file, (const unsigned char *)"x", 1);
    for (int i = 0; i < 2; i++) {
        cr_session *s = open_with(paths, 1, dir);
        ck_assert_int_eq(cached(s), 0);
        cr_session_free(s);
    }
    free(file);
}
END_TEST

START_TEST(test_dir_from_environment)
{
    char *warning;
    setenv("CROSSROADS_NO_CACHE", "1", 1);
    ck_assert_ptr_null(cr_cache_dir(&warning));
    ck_assert_ptr_null(warning);
    setenv("CROSSROADS_NO_CACHE", "0", 1);
    setenv("XDG_CACHE_HOME", "/x/cache", 1);
    char *got = cr_cache_dir(&warning);
    ck_assert_str_eq(got, "/x/cache/crossroads");
    ck_assert_ptr_null(warning);
    free(got);
    unsetenv("CROSSROADS_NO_CACHE");
    setenv("XDG_CACHE_HOME", "relative", 1);
    setenv("HOME", "/home/h", 1);
    got = cr_cache_dir(&warning);
    ck_assert_str_eq(got, "/home/h/.cache/crossroads");
    free(got);
}
END_TEST

/* A cache folder others may write in is not used, with a warning: they
 * could plant a FIFO or a cache of their own making there. */
START_TEST(test_shared_dir_refused)
{
    char *cache = xasprintf("%s/cache", tmp);
    ck_assert_int_eq(mkdir(cache, 0700), 0);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    ck_assert_int_eq(chmod(dir, 0777), 0);
    setenv("XDG_CACHE_HOME", cache, 1);
    unsetenv("CROSSROADS_NO_CACHE");
    char *warning;
    ck_assert_ptr_null(cr_cache_dir(&warning));
    ck_assert_ptr_nonnull(warning);
    ck_assert_ptr_nonnull(strstr(warning, "others can write in it"));
    free(warning);
    ck_assert_int_eq(chmod(dir, 0700), 0);
    char *got = cr_cache_dir(&warning);
    ck_assert_str_eq(got, dir);
    ck_assert_ptr_null(warning);
    free(got);
    free(cache);
}
END_TEST

/* A FIFO in the cache file's place neither blocks the load (the test
 * would time out) nor is replaced by the save. */
START_TEST(test_fifo_not_waited_on)
{
    const char *paths[] = {rules};
    char *cache = xasprintf("%s/cache", tmp);
    ck_assert_int_eq(mkdir(cache, 0700), 0);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    char *path = cache_path(paths, 1);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    for (int i = 0; i < 2; i++) {
        cr_session *s = open_with(paths, 1, dir);
        ck_assert_int_eq(cached(s), 0);
        cr_session_free(s);
    }
    struct stat st;
    ck_assert_int_eq(lstat(path, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
    free(path);
    free(cache);
}
END_TEST

/* cache.c writes every field of these structures, and dump_kb above
 * compares them; a field added to one changes its size and fails this
 * test, as a reminder to write and read the new field in cache.c, to
 * bump its FORMAT, and to dump it above.  Then update the sizes.  (The
 * one field not written is merge, in concepts, intents, extractors and
 * rules: how a declaration met an earlier one while files were read,
 * done with once the kb is finished.) */
START_TEST(test_every_field_is_kept)
{
    if (sizeof(void *) != 8 || sizeof(int) != 4)
        return;                 /* the sizes below are for LP64 */
    ck_assert_uint_eq(sizeof(cr_loc), 16);
    ck_assert_uint_eq(sizeof(cr_value), 16);
    ck_assert_uint_eq(sizeof(cr_factdecl), 64);
    ck_assert_uint_eq(sizeof(cr_concept), 40);
    ck_assert_uint_eq(sizeof(cr_pattern), 56);
    ck_assert_uint_eq(sizeof(cr_span), 12);
    ck_assert_uint_eq(sizeof(cr_example), 40);
    ck_assert_uint_eq(sizeof(cr_intent), 72);
    ck_assert_uint_eq(sizeof(cr_assign), 56);
    ck_assert_uint_eq(sizeof(cr_extractor), 112);
    ck_assert_uint_eq(sizeof(cr_cond), 72);
    ck_assert_uint_eq(sizeof(cr_cite), 32);
    ck_assert_uint_eq(sizeof(cr_rule), 136);
}
END_TEST

static Suite *suite(void)
{
    Suite *su = suite_create("cache");
    TCase *tc = tcase_create("cache");
    tcase_add_checked_fixture(tc, setup, teardown);
    /* test_round_trip asks every example in two sessions: about 20 s
     * here, several times that with sanitizers; the limit only catches
     * a hang. */
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_index_kept);
    tcase_add_test(tc, test_corpus_encoding);
    tcase_add_test(tc, test_private_files);
    tcase_add_test(tc, test_damage_falls_back);
    tcase_add_test(tc, test_pattern_lengths_checked);
    tcase_add_test(tc, test_stale);
    tcase_add_test(tc, test_prune);
    tcase_add_test(tc, test_unwritable);
    tcase_add_test(tc, test_dir_from_environment);
    tcase_add_test(tc, test_shared_dir_refused);
    tcase_add_test(tc, test_fifo_not_waited_on);
    tcase_add_test(tc, test_every_field_is_kept);
    suite_add_tcase(su, tc);
    return su;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
