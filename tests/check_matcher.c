/* check_matcher.c - regular expressions, normalising, intents, extractors. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classify.h"
#include "facts.h"
#include "kb.h"
#include "loader.h"
#include "matcher.h"
#include "prefilter.h"
#include "testutil.h"
#include "understand.h"
#include "words.h"

/* Regular expressions. */

START_TEST(test_regex_caseless_unicode)
{
    cr_regex_error err;
    cr_regex *re = cr_regex_new("\\bcafé\\b", strlen("\\bcafé\\b"), &err);
    ck_assert_ptr_nonnull(re);
    size_t s, e;
    const char *subj = "Un CAFÉ noir";
    ck_assert_int_eq(cr_regex_match(re, subj, strlen(subj), 0, &s, &e),
                     CR_MATCH);
    ck_assert_uint_eq(s, 3);
    ck_assert_uint_eq(e, 8);
    ck_assert_int_eq(cr_regex_match(re, "cafés", 6, 0, &s, &e), CR_NOMATCH);
    cr_regex_free(re);
}
END_TEST

START_TEST(test_regex_error_offset)
{
    cr_regex_error err;
    ck_assert_ptr_null(cr_regex_new("ab(c", 4, &err));
    ck_assert_uint_eq(err.offset, 4);
    ck_assert_str_eq(err.message, "missing closing parenthesis");
}
END_TEST

START_TEST(test_regex_groups)
{
    cr_regex_error err;
    const char *p = "I have (?<n>\\d+) papers(?<x>!)?";
    cr_regex *re = cr_regex_new(p, strlen(p), &err);
    cr_regex_jit(re);
    const char *const *names;
    ck_assert_int_eq(cr_regex_names(re, &names), 2);
    ck_assert_str_eq(names[0], "n");
    size_t s, e, gs, ge;
    const char *subj = "well, I have 12 papers";
    ck_assert_int_eq(cr_regex_match(re, subj, strlen(subj), 0, &s, &e),
                     CR_MATCH);
    ck_assert(cr_regex_group(re, "n", &gs, &ge));
    ck_assert_uint_eq(gs, 13);
    ck_assert_uint_eq(ge, 15);
    ck_assert(!cr_regex_group(re, "x", &gs, &ge));
    ck_assert(!cr_regex_group(re, "nope", &gs, &ge));
    cr_regex_free(re);
    cr_regex_free(NULL);
}
END_TEST

START_TEST(test_regex_catastrophic_is_bounded)
{
    cr_regex_error err;
    const char *p = "^(a+)+$";
    cr_regex *re = cr_regex_new(p, strlen(p), &err);
    char subj[64];
    memset(subj, 'a', 40);
    subj[40] = 'b';
    subj[41] = '\0';
    size_t s, e;
    ck_assert_int_eq(cr_regex_match(re, subj, 41, 0, &s, &e), CR_MATCH_LIMIT);
    cr_regex_free(re);
}
END_TEST

/* A subject long enough to be worth JIT code gives the same matches,
 * groups and limits as the interpreter, and so do short ones after it. */
START_TEST(test_regex_long_subject)
{
    enum { N = 10000 };
    cr_regex_error err;
    const char *p = "\\bI have (?<n>\\d+) papers\\b";
    const char *bad = "(a+)+$";
    cr_regex *re = cr_regex_new(p, strlen(p), &err);
    cr_regex *cat = cr_regex_new(bad, strlen(bad), &err);
    char *subj = xmalloc(N + 1);
    memset(subj, 'a', N);
    subj[N] = '\0';
    size_t s, e, gs, ge;
    ck_assert_int_eq(cr_regex_match(re, subj, N, 0, &s, &e), CR_NOMATCH);
    ck_assert_int_eq(cr_regex_match(cat, subj, N, N - 40, &s, &e),
                     CR_MATCH);
    subj[N - 1] = 'b';
    ck_assert_int_eq(cr_regex_match(cat, subj, N, 0, &s, &e),
                     CR_MATCH_LIMIT);
    memcpy(subj + N - 20, " I have 12 papers. ", 19);
    ck_assert_int_eq(cr_regex_match(re, subj, N, 0, &s, &e), CR_MATCH);
    ck_assert_uint_eq(s, N - 19);
    ck_assert(cr_regex_group(re, "n", &gs, &ge));
    ck_assert_uint_eq(gs, N - 12);
    ck_assert_uint_eq(ge, N - 10);
    const char *q = "I have 3 papers";
    ck_assert_int_eq(cr_regex_match(re, q, strlen(q), 0, &s, &e), CR_MATCH);
    ck_assert(cr_regex_group(re, "n", &gs, &ge));
    ck_assert_uint_eq(gs, 7);
    free(subj);
    cr_regex_free(re);
    cr_regex_free(cat);
}
END_TEST

START_TEST(test_regex_bad_utf8_subject)
{
    cr_regex_error err;
    cr_regex *re = cr_regex_new("x", 1, &err);
    size_t s, e;
    ck_assert_int_eq(cr_regex_match(re, "\xff x", 3, 0, &s, &e),
                     CR_MATCH_ERROR);
    cr_regex_free(re);
}
END_TEST

/* On text known to be valid UTF-8, the match that skips PCRE2's check
 * finds what the checked one finds, from any character. */
START_TEST(test_regex_match_valid)
{
    static const char *const subjects[] = {
        "a caf\xc3\xa9 PhD, \xe2\x80\x9cpaid\xe2\x80\x9d?", "pay", "",
        "\xf0\x9f\x98\x80 salary \xf0\x9f\x98\x80",
    };
    cr_regex_error err;
    cr_regex *re = cr_regex_new("\\b(?:pay|paid|salary)\\b", 23, &err);
    ck_assert_ptr_nonnull(re);
    for (size_t i = 0; i < sizeof subjects / sizeof *subjects; i++) {
        const char *t = subjects[i];
        size_t len = strlen(t);
        ck_assert_uint_eq(cr_utf8_valid(t, len), len);
        for (size_t at = 0; at <= len; at++) {
            if (at < len && ((unsigned char)t[at] & 0xc0) == 0x80)
                continue;       /* inside a character */
            size_t s1 = 0, e1 = 0, s2 = 0, e2 = 0;
            int a = cr_regex_match(re, t, len, at, &s1, &e1);
            int b = cr_regex_match_valid(re, t, len, at, &s2, &e2);
            ck_assert_int_eq(a, b);
            ck_assert(a != CR_MATCH || (s1 == s2 && e1 == e2));
        }
    }
    cr_regex_free(re);
}
END_TEST

/* The need of a pattern, as "lit1|lit2 & lit3" ("-" for none). */
static char *need_of(const char *pattern)
{
    char *n = cr_prefilter_need(pattern, strlen(pattern));
    cr_buf b = {0};
    for (const char *p = n; p && *p; p++) {     /* a clause */
        cr_buf_puts(&b, b.len ? " & " : "");
        for (int i = 0; *p; i++, p += strlen(p) + 1)
            cr_buf_printf(&b, "%s%s", i ? "|" : "", p);
    }
    free(n);
    return b.len ? cr_buf_take(&b) : xstrdup("-");
}

#define NEED(pattern, want) do { \
        char *got_ = need_of(pattern); \
        ck_assert_msg(strcmp(got_, want) == 0, "%s: need %s, not %s", \
                      pattern, want, got_); \
        free(got_); \
    } while (0)

START_TEST(test_prefilter_need)
{
    NEED("\\bPhD\\b", "phd");
    NEED("\\bpapers?\\b", "paper");
    NEED("ab+c", "ab");
    NEED("colou?r", "colo");
    NEED("\\b(?:pay|salary|stipends?)\\b", "pay|salary|stipend");
    NEED("(?:pay|x)", "-");                 /* a branch too short */
    NEED("foo(?:bar|)", "foo");             /* an empty branch */
    NEED("(?:foo)?bar", "bar");
    NEED("(?:foo)*", "-");
    NEED("a{2}bcd", "bcd");
    NEED("ab{0,3}cde", "cde");
    NEED("x{,3}yz", "x{,3}yz");             /* not a quantifier in 10.42 */
    NEED("(?=salary)\\w+", "-");         /* a lookahead reads no text */
    NEED("(?<!not )worth it", "worth it");
    NEED("[Pp]h\\.?D", "-");
    NEED("ph\\.d\\.", "ph.d.");
    NEED("\\Qa+b\\Ec", "a+bc");
    NEED("(?i)Salary", "salary");
    NEED("(?x) s a l a r y", "-");         /* spaces mean nothing */
    NEED("(?<n>\\d+) papers", " papers");
    NEED("(a)\\1 long", " long");
    NEED("(?(1)yes|no)", "-");
    NEED("(*UTF)salary", "-");
    NEED("caf\xc3\xa9 latte", " latte & caf");
    /* Every part of a sequence is needed: its clauses are kept, the
     * most telling first, four at most, each once. */
    NEED("\\bwhy (?:do|get) an? phd", "why  &  phd &  a & do|get");
    NEED("alpha.bravo.charlie.delta.echo", "charlie & alpha & bravo & delta");
    NEED("(?:ab|cd) x (?:cd|ab)", " x  & ab|cd");
    NEED("(?:salary.paid|stipend.phd)", "salary|stipend & paid|stipend");
    NEED("pay.{0,80}phd|phd.{0,80}pay", "pay & phd");   /* either order */
    NEED("(?:ab|cd).x|(?:cd|ab).y", "ab|cd");
    NEED("(?:money (?:pay|salary))+ now", "money  &  now & pay|salary");
    NEED("a|", "-");
    NEED("x)", "-");
    NEED("(unclosed", "-");
    NEED("[unclosed", "-");
    NEED("trailing\\", "-");
}
END_TEST

/* Which of the needs of pf's patterns text meets, as "01..". */
static char *met_by(const cr_prefilter *pf, int n, const char *text)
{
    char *f = cr_prefilter_fold(text);
    unsigned char *met = cr_prefilter_scan(pf, f);
    char *s = xcalloc((size_t)n + 1, 1);
    for (int i = 0; i < n; i++)
        s[i] = met[i] ? '1' : '0';
    free(met);
    free(f);
    return s;
}

/* An index of the n patterns, made for about room of them (the needs
 * go in needs[], to be freed after it). */
static cr_prefilter *index_of(const char *const *patterns, int n,
                              char **needs, int room)
{
    cr_prefilter *pf = cr_prefilter_new(room);
    for (int i = 0; i < n; i++) {
        needs[i] = cr_prefilter_need(patterns[i], strlen(patterns[i]));
        cr_prefilter_add(pf, needs[i]);
    }
    return pf;
}

/* Free an index of index_of and the n needs it was made of. */
static void index_free(cr_prefilter *pf, char **needs, int n)
{
    cr_prefilter_free(pf);
    for (int i = 0; i < n; i++)
        free(needs[i]);
}

START_TEST(test_prefilter_match)
{
    static const char *const patterns[] = {
        "\\b(?:pay|salary)\\b", "\\bstart-?ups?\\b", ".*", "a phd",
        "(?:pay|salary) phd", "ph\\.?d",
    };
    enum { N = sizeof patterns / sizeof *patterns };
    char *needs[N];
    cr_prefilter *pf = index_of(patterns, N, needs, 2);
    char *m = met_by(pf, N, "What SALARY at a Start-up? A PHD.");
    ck_assert_str_eq(m, "111111");
    free(m);
    m = met_by(pf, N, "what stipend");
    ck_assert_str_eq(m, "001000");
    free(m);
    m = met_by(pf, N, "ph.d. pay");
    ck_assert_str_eq(m, "101001");
    free(m);
    m = met_by(pf, N, "");
    ck_assert_str_eq(m, "001000");
    free(m);
    /* The Kelvin sign and the long s match k and s caselessly: with
     * either, every pattern may match. */
    ck_assert_ptr_null(cr_prefilter_fold("\xc5\xbf" "alary"));
    m = met_by(pf, N, "\xe2\x84\xaa" "ilo");
    ck_assert_str_eq(m, "111111");
    free(m);
    m = met_by(pf, N, "a phd");         /* not (pay or salary) and phd */
    ck_assert_str_eq(m, "001101");
    free(m);
    m = met_by(pf, N, "a phd");         /* the same text again */
    ck_assert_str_eq(m, "001101");
    free(m);
    char *late = cr_prefilter_need("\\bphd", 5);
    cr_prefilter_add(pf, late);         /* a pattern added since */
    m = met_by(pf, N + 1, "a phd");
    ck_assert_str_eq(m, "0011011");
    free(m);
    index_free(pf, needs, N);
    free(late);
}
END_TEST

/* The index read back from its bytes scans as the one written; bytes
 * that do not hold together are refused, never scanned. */
START_TEST(test_prefilter_encoding)
{
    static const char *const patterns[] = {
        "\\b(?:pay|salary)\\b", ".*", "pay.{0,80}phd|phd.{0,80}pay",
        "\\bstart-?ups?\\b", "(?:pay|stipend|salaries) of a phd",
    };
    static const char *const texts[] = {
        "What SALARY at a Start-up?", "a PhD's pay", "", "stipends",
        "the pay of a phd", "salaries of a phd student",
    };
    enum { N = sizeof patterns / sizeof *patterns };
    char *needs[N];
    cr_prefilter *pf = index_of(patterns, N, needs, 0);
    size_t n;
    unsigned char *b = cr_prefilter_encode(pf, &n);
    /* one byte in, so that the copy that aligns it is made too */
    unsigned char *odd = xmalloc(n + 1);
    memcpy(odd + 1, b, n);
    cr_prefilter *back[2] = {cr_prefilter_decode(b, n, N),
                             cr_prefilter_decode(odd + 1, n, N)};
    for (int k = 0; k < 2; k++) {
        ck_assert_ptr_nonnull(back[k]);
        size_t n2;              /* written again, the same bytes */
        unsigned char *b2 = cr_prefilter_encode(back[k], &n2);
        ck_assert(n2 == n && memcmp(b, b2, n) == 0);
        free(b2);
        for (size_t t = 0; t < sizeof texts / sizeof *texts; t++) {
            char *want = met_by(pf, N, texts[t]);
            char *got = met_by(back[k], N, texts[t]);
            ck_assert_msg(strcmp(want, got) == 0, "%s: %s, not %s",
                          texts[t], want, got);
            free(want);
            free(got);
        }
        cr_prefilter_free(back[k]);
    }
    /* Refused: the wrong count of patterns, a byte short or over, and
     * every word of the tables set to each of a few bad values (an index
     * past the end, a chain that would loop, a negative length). */
    ck_assert_ptr_null(cr_prefilter_decode(b, n, N + 1));
    ck_assert_ptr_null(cr_prefilter_decode(b, n - 1, N));
    unsigned char *more = xcalloc(n + 4, 1);
    memcpy(more, b, n);
    ck_assert_ptr_null(cr_prefilter_decode(more, n + 4, N));
    free(more);
    static const uint32_t bad[] = {0xffffffffu, 0x7fffffffu, 1000000u};
    for (size_t w = 0; w + 4 <= n; w += 4)
        for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
            unsigned char *c = xmalloc(n);
            memcpy(c, b, n);
            for (int j = 0; j < 4; j++)
                c[w + (size_t)j] = (unsigned char)(bad[k] >> (8 * j));
            cr_prefilter *d = cr_prefilter_decode(c, n, N);
            if (d != NULL) {    /* a value that holds: it must scan */
                for (size_t t = 0; t < sizeof texts / sizeof *texts; t++)
                    free(met_by(d, N, texts[t]));
                cr_prefilter_free(d);
            }
            free(c);
        }
    free(odd);
    free(b);
    index_free(pf, needs, N);
}
END_TEST

/* cr_regex_load of the n bytes at b, placed to end where a page no one
 * may read begins, so that reading beyond them faults (and fails the
 * test) instead of reading whatever follows.  Frees what it loads. */
static int load_guarded(const unsigned char *b, size_t n, int ncodes)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t room = (n + page - 1) / page * page;
    unsigned char *map = mmap(NULL, room + page, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert(map != MAP_FAILED);
    ck_assert_int_eq(mprotect(map + room, page, PROT_NONE), 0);
    memcpy(map + room - n, b, n);
    cr_regex *out[4];
    ck_assert_int_le(ncodes, 4);
    int rc = cr_regex_load(map + room - n, n, out, ncodes);
    for (int i = 0; i < ncodes && rc == 0; i++)
        cr_regex_free(out[i]);
    ck_assert_int_eq(munmap(map, room + page), 0);
    return rc;
}

/* Saved patterns whose lengths do not add up are refused, and never read
 * beyond: a block's size past the end, bytes missing or left over, a
 * table of group names larger than its block or a name without its
 * end.  (The cache's checksum would catch such bytes made by accident,
 * but not made on purpose.) */
START_TEST(test_regex_load_checks_lengths)
{
    cr_regex_error err;
    cr_regex *re[2] = {cr_regex_new("(?<zebra>x)y", 12, &err),
                       cr_regex_new("a|bc", 4, &err)};
    ck_assert(re[0] && re[1]);
    size_t n, prefix, sizeat = cr_test_block_layout(&prefix);
    unsigned char *good = cr_regex_save(re, 2, &n);
    unsigned char *bad = xmalloc(n + 1);
    ck_assert_int_eq(load_guarded(good, n, 2), 0);
    ck_assert_int_eq(load_guarded(good, n - 1, 2), -1);
    memcpy(bad, good, n);
    bad[n] = 0;
    ck_assert_int_eq(load_guarded(bad, n + 1, 2), -1);
    size_t block;
    memcpy(&block, bad + prefix + sizeat, sizeof block);
    block += (size_t)1 << 20;
    memcpy(bad + prefix + sizeat, &block, sizeof block);
    ck_assert_int_eq(load_guarded(bad, n, 2), -1);
    /* The second block's magic number ("PCRE") wrong: PCRE2 refuses it
     * too, but leaks the first block (as valgrind shows). */
    memcpy(&block, good + prefix + sizeat, sizeof block);
    unsigned char *magic = memmem(good + prefix + block, n - prefix - block,
                                  "ERCP", 4);
    ck_assert_ptr_nonnull(magic);
    memcpy(bad, good, n);
    bad[magic - good] ^= 1;
    ck_assert_int_eq(load_guarded(bad, n, 2), -1);
    /* The name table ends the header: entries of a group number (2
     * bytes) and the name, after the entry size and the count (each 2
     * bytes). */
    size_t name = (size_t)((unsigned char *)memmem(good, n, "zebra", 6) -
                           good);
    uint16_t size, count;
    memcpy(&size, good + name - 6, 2);
    memcpy(&count, good + name - 4, 2);
    ck_assert_msg(size == 8 && count == 1, "PCRE2's header has changed "
                  "(entry size %u, count %u)", size, count);
    memcpy(bad, good, n);
    bad[name + 5] = 'q';
    ck_assert_int_eq(load_guarded(bad, n, 2), -1);
    memcpy(bad, good, n);
    count = 10000;              /* as many as PCRE2 allows */
    memcpy(bad + name - 4, &count, 2);
    ck_assert_int_eq(load_guarded(bad, n, 2), -1);
    free(bad);
    free(good);
    cr_regex_free(re[0]);
    cr_regex_free(re[1]);
}
END_TEST

START_TEST(test_utf8_valid)
{
    ck_assert_uint_eq(cr_utf8_valid("abc", 3), 3);
    ck_assert_uint_eq(cr_utf8_valid("a\xc3\xa9", 3), 3);
    ck_assert_uint_eq(cr_utf8_valid("ab\xc3", 3), 2);         /* cut short */
    ck_assert_uint_eq(cr_utf8_valid("a\xc0\x80", 3), 1);      /* overlong */
    ck_assert_uint_eq(cr_utf8_valid("\xed\xa0\x80", 3), 0);   /* surrogate */
    ck_assert_uint_eq(cr_utf8_valid("\xf4\x90\x80\x80", 4), 0);
    ck_assert_uint_eq(cr_utf8_valid("\xf0\x9f\x98\x80!", 5), 5);
}
END_TEST

/* Normalising. */

static void normalises(const char *in, size_t len, const char *want)
{
    char *got = cr_normalise(in, len);
    ck_assert_str_eq(got, want);
    free(got);
}

START_TEST(test_normalise)
{
#define NORM(lit, want) normalises(lit, sizeof lit - 1, want)
    NORM("  should   I\tdo a PhD? ", "should I do a PhD?");
    NORM("I\xe2\x80\x99m \xe2\x80\x9c" "fine\xe2\x80\x9d", "I'm \"fine\"");
    NORM("red \x1b[31mtext\x1b[0m and \x1b]0;title\x07ok",
         "red text and ok");
    NORM("nul\0byte", "nul byte");
    NORM("bad \xff\xfe bytes", "bad \xef\xbf\xbd\xef\xbf\xbd" " bytes");
    NORM("c1 \xc2\x9b" "2J here", "c1 2J here");
    NORM("", "");
    NORM("\x1b", "");
#undef NORM
}
END_TEST

/* Intents and extractors, on a small knowledge base. */

static cr_corpus *corpus;
static cr_kb *kb;
static cr_wm *wm;
static cr_diag *d;

static const char rules[] =
    "concepts:\n"
    "  money: [pay, paid, salary, stipends?]\n"
    "facts:\n"
    "  goal: {values: [academia, startup]}\n"
    "  papers: {type: number}\n"
    "  france: {type: boolean}\n"
    "intents:\n"
    "  - id: ask.pay\n"
    "    patterns: ['\\b{money}\\b']\n"
    "  - id: ask.pay-vs-industry\n"
    "    patterns: ['\\b{money}\\b', '\\bindustry\\b']\n"
    "  - id: ask.startup\n"
    "    patterns: ['\\bstart-?up\\b']\n"
    "extractors:\n"
    "  - id: goal.prof\n"
    "    pattern: '\\bwant to be a professor\\b'\n"
    "    set: {goal: academia}\n"
    "  - id: papers\n"
    "    pattern: '\\bI have (?<papers>\\d+|\\w+) papers?\\b'\n"
    "  - id: france\n"
    "    pattern: '\\bin France\\b'\n"
    "    set: {france: true}\n"
    "    negated: {france: false}\n";

static void setup(void)
{
    char *path = cr_test_path(CR_TEST_ESSAY);
    corpus = cr_corpus_load(path, NULL);
    free(path);
    kb = cr_kb_new();
    d = cr_diag_new();
    cr_load_string(kb, "m.yaml", rules, strlen(rules), d);
    ck_assert_int_eq(cr_kb_finish(kb, corpus, d), 0);
    wm = cr_wm_new(kb);
}

static void teardown(void)
{
    cr_wm_free(wm);
    cr_diag_free(d);
    cr_kb_free(kb);
    cr_corpus_free(corpus);
}

static const char *best(const char *text)
{
    cr_intent_hit h[4];
    int n = cr_classify(kb, text, h, 4, d);
    return n ? cr_kb_intentdef(kb, h[0].intent)->id : NULL;
}

START_TEST(test_classify)
{
    ck_assert_str_eq(best("what is the salary of a PhD"), "ask.pay");
    ck_assert_str_eq(best("Stipends in industry vs a PhD"),
                     "ask.pay-vs-industry");
    ck_assert_str_eq(best("a START-UP?"), "ask.startup");
    ck_assert_ptr_null(best("what is the weather"));
    cr_intent_hit h[1];
    ck_assert_int_eq(cr_classify(kb, "pay and startup", h, 1, d), 1);
}
END_TEST

/* In a question of several sentences, the sentences that ask weigh more
 * than the story told before them. */
START_TEST(test_classify_focus)
{
    /* one sentence: a tie goes to the intent declared first */
    ck_assert_str_eq(best("a start-up, and what salary?"), "ask.pay");
    /* the sentence with the question mark */
    ck_assert_str_eq(best("My salary is low. Should I join a start-up?"),
                     "ask.startup");
    ck_assert_str_eq(best("Should I join a start-up? My salary is low."),
                     "ask.startup");
    ck_assert_str_eq(best("Is the salary enough?! I work at a startup"),
                     "ask.pay");
    /* no question mark: the last sentence */
    ck_assert_str_eq(best("My salary is low. I am thinking of a startup"),
                     "ask.startup");
    /* a question that leans on the sentence before it */
    ck_assert_str_eq(best("The salary is low. I work at a start-up. "
                          "Is that normal?"), "ask.startup");
    ck_assert_str_eq(best("The salary is low. I work at a start-up. "
                          "Thoughts?"), "ask.startup");
    ck_assert_str_eq(best("The salary is low. A start-up hires "
                          "students. Do they do well in the long run?"),
                     "ask.startup");
    /* abbreviations and initials do not end a sentence */
    ck_assert_str_eq(best("Is a salary e.g. at a start-up fine?"),
                     "ask.pay");
    ck_assert_str_eq(best("Is the salary at J. Doe's startup fine?"),
                     "ask.pay");
    cr_intent_hit h[2];
    ck_assert_int_eq(cr_classify(kb, "My salary is low. Should I join a "
                                 "start-up?", h, 2, d), 2);
    ck_assert_double_eq_tol(h[0].score, 1.5, 1e-9);
    ck_assert_double_eq_tol(h[1].score, 1.0, 1e-9);
    /* the match reported is the first one in the text */
    ck_assert_int_eq(cr_classify(kb, "A start-up. Or a startup?", h, 1, d),
                     1);
    ck_assert_uint_eq(h[0].start, 2);
}
END_TEST

static const char *fact_text(const char *name)
{
    return cr_test_value(kb, wm, name, "(unknown)");
}

/* No pattern of the built-in rules is ever skipped where it matches:
 * every example question (a sample, for time) against every pattern. */
START_TEST(test_prefilter_never_skips_a_match)
{
    char *dir = cr_test_path("rules");
    cr_kb *k = cr_kb_new();
    ck_assert_int_eq(cr_load_path(k, dir, d), 0);
    ck_assert_int_eq(cr_kb_finish(k, corpus, d), 0);
    free(dir);
    int skipped = 0, kept = 0, texts = 0;
    const cr_prefilter *pf = cr_kb_prefilter(k);
    for (int i = 0; i < cr_kb_nintents(k); i++) {
        const cr_intent *in = cr_kb_intentdef(k, i);
        for (int e = 0; e < in->nexamples; e += 5) {
            const char *t = in->examples[e].text;
            char *f = cr_prefilter_fold(t);
            unsigned char *met = cr_prefilter_scan(pf, f);
            int at = 0;             /* in the order of cr_kb_prefilter */
            texts++;
            for (int j = 0; j < cr_kb_nintents(k); j++) {
                const cr_intent *pj = cr_kb_intentdef(k, j);
                for (int p = 0; p < pj->npatterns; p++) {
                    if (met[at++]) {
                        kept++;
                        continue;
                    }
                    skipped++;
                    size_t ms, me;
                    ck_assert_msg(cr_regex_match(pj->patterns[p].re, t,
                                                 strlen(t), 0, &ms, &me)
                                      != CR_MATCH,
                                  "'%s' skipped, though it matches '%s'",
                                  pj->patterns[p].src, t);
                }
            }
            for (int x = 0; x < cr_kb_nextractors(k); x++) {
                const cr_pattern *p = &cr_kb_extractor(k, x)->pattern;
                size_t ms, me;
                if (!met[at++])
                    ck_assert_msg(cr_regex_match(p->re, t, strlen(t), 0,
                                                 &ms, &me) != CR_MATCH,
                                  "'%s' skipped, though it matches '%s'",
                                  p->src, t);
            }
            free(met);
            free(f);
        }
    }
    /* And it does skip most of them. */
    ck_assert_int_gt(texts, 400);
    ck_assert_int_gt(skipped, 3 * kept);
    cr_kb_free(k);
}
END_TEST

/* A model read from damaged bytes is refused, or ranks without reading
 * astray (valgrind and the sanitizer build check the reads): each 4-byte
 * word of the encoded model in turn made huge, negative, or one more,
 * and every example ranked with it. */
START_TEST(test_model_damaged)
{
    static const char small[] =
        "intents:\n"
        "  - id: ask.pay\n"
        "    examples: [what is the salary, how much does it pay]\n"
        "  - id: ask.startup\n"
        "    examples: [should I join a start-up, is a startup wise]\n";
    cr_kb *k = cr_kb_new();
    cr_load_string(k, "small.yaml", small, strlen(small), d);
    ck_assert_int_eq(cr_kb_finish(k, corpus, d), 0);
    size_t size;
    unsigned char *good = cr_model_encode(cr_kb_model(k), &size);
    ck_assert_uint_gt(size, 64);
    unsigned char *bad = xmalloc(size);
    static const uint32_t values[] = {0xffffffffu, 0x7fffffffu, 0x80000000u};
    int refused = 0, used = 0;
    for (size_t at = 0; at + 4 <= size; at += 4)
        for (int v = 0; v < 4; v++) {
            memcpy(bad, good, size);
            if (v < 3)
                memcpy(bad + at, &values[v], 4);
            else
                bad[at]++;
            cr_model *m = cr_model_decode(bad, size, cr_kb_nintents(k));
            if (m == NULL) {
                refused++;
                continue;
            }
            used++;
            cr_class_hit h[4];
            for (int i = 0; i < cr_kb_nintents(k); i++) {
                const cr_intent *in = cr_kb_intentdef(k, i);
                for (int e = 0; e < in->nexamples; e++)
                    cr_model_rank(m, in->examples[e].text, NULL, 0, h, 4);
            }
            ck_assert(cr_model_knows(m, "salary") >= 0);
            cr_model_free(m);
        }
    ck_assert_int_gt(refused, 0);
    ck_assert_int_gt(used, 0);
    free(bad);
    free(good);
    cr_kb_free(k);
}
END_TEST

START_TEST(test_extract)
{
    ck_assert_int_eq(cr_extract(kb, "I want to be a professor and I have "
                                "3 papers", wm, 1, d), 2);
    ck_assert_str_eq(fact_text("goal"), "academia");
    ck_assert_str_eq(fact_text("papers"), "3");
    const cr_fact *f = cr_wm_get(wm, cr_kb_fact(kb, "goal"));
    ck_assert_int_eq(f->source, CR_SRC_USER);
    ck_assert_int_eq(f->turn, 1);
    ck_assert_str_eq(f->words, "want to be a professor");
    cr_extract(kb, "I have two papers", wm, 2, d);
    ck_assert_str_eq(fact_text("papers"), "2");
    cr_extract(kb, "I have many papers", wm, 3, d);   /* not a number */
    ck_assert_str_eq(fact_text("papers"), "2");
}
END_TEST

START_TEST(test_extract_negation)
{
    cr_extract(kb, "I don't want to be a professor", wm, 1, d);
    ck_assert_str_eq(fact_text("goal"), "(unknown)");
    cr_extract(kb, "I do not live in France", wm, 1, d);
    ck_assert_str_eq(fact_text("france"), "false");
    cr_extract(kb, "No doubt, I live in France", wm, 2, d);
    ck_assert_str_eq(fact_text("france"), "true");
}
END_TEST

/* A statement after "if" is a condition, not a fact about the user. */
START_TEST(test_extract_condition)
{
    cr_extract(kb, "a PhD later, if I still want to be a professor", wm, 1,
               d);
    ck_assert_str_eq(fact_text("goal"), "(unknown)");
    cr_extract(kb, "would it help if I have 3 papers", wm, 1, d);
    ck_assert_str_eq(fact_text("papers"), "(unknown)");
    cr_extract(kb, "I wonder if a PhD helps, as I want to be a professor",
               wm, 2, d);
    ck_assert_str_eq(fact_text("goal"), "academia");
    /* A wish in the present after "if" is the goal asked for; after
     * another cue it is still in doubt. */
    cr_wm_free(wm);
    wm = cr_wm_new(kb);
    cr_extract(kb, "not sure whether I want to be a professor", wm, 3, d);
    ck_assert_str_eq(fact_text("goal"), "(unknown)");
    cr_extract(kb, "is it worth it if I want to be a professor", wm, 4, d);
    ck_assert_str_eq(fact_text("goal"), "academia");
    /* "All" before the wish and an adverb after "I" leave it one. */
    static const struct {
        const char *text, *goal;
    } wishes[] = {
        {"If all I want to be a professor for is the freedom, is a PhD "
         "a waste of time?", "academia"},
        {"if I just want to be a professor, do I need a PhD", "academia"},
        {"is it worth it if all I really want to be a professor",
         "academia"},
        {"a PhD later, if I still want to be a professor", "(unknown)"},
        {"a PhD later, if all I still want to be a professor",
         "(unknown)"},
    };
    for (size_t i = 0; i < sizeof wishes / sizeof *wishes; i++) {
        cr_wm_free(wm);
        wm = cr_wm_new(kb);
        cr_extract(kb, wishes[i].text, wm, 1, d);
        ck_assert_str_eq(fact_text("goal"), wishes[i].goal);
    }
}
END_TEST

START_TEST(test_limit_reported)
{
    static const char bad[] =
        "intents:\n  - id: slow\n    patterns: ['^(a+)+$']\n";
    cr_kb *k = cr_kb_new();
    cr_load_string(k, "slow.yaml", bad, strlen(bad), d);
    ck_assert_int_eq(cr_kb_finish(k, corpus, d), 0);
    cr_intent_hit h[1];
    ck_assert_int_eq(cr_classify(k, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
                                 h, 1, d), 0);
    ck_assert_int_eq(cr_diag_len(d), 1);
    char *s = cr_diag_format(cr_diag_get(d, 0));
    ck_assert_str_eq(s, "slow.yaml:3:17: error: pattern of intent 'slow' "
                        "gave up: it needs too much backtracking (PCRE2 "
                        "match limit)");
    free(s);
    cr_kb_free(k);
}
END_TEST

/* A model read from the cache may count a word up to INT_MAX times:
 * spelling must not overflow on such a count (which once made the word
 * look like a typo of any word close to it). */
START_TEST(test_spelling_huge_count)
{
    size_t size;
    unsigned char *b = cr_model_encode(cr_kb_model(kb), &size);
    uint32_t h[6];              /* the encoded form: see classify.c */
    memcpy(h, b, sizeof h);
    size_t nw = h[4], offs = 6 + 2 * (size_t)h[1] + 2 * (size_t)h[2] + 1 +
                                 2 * (size_t)h[3];
    const uint32_t *off = (const uint32_t *)(void *)(b + 4 * offs);
    const char *pool = (const char *)(b + 4 * (offs + 2 * nw));
    /* A word of letters whose plural is a word too, and so close to it. */
    size_t w = nw;
    for (size_t i = 0; i < nw && w == nw; i++) {
        const char *a = pool + off[i];
        size_t n = strlen(a);
        if (n < 4 || strspn(a, "abcdefghijklmnopqrstuvwxyz") != n)
            continue;
        for (size_t j = 0; j < nw && w == nw; j++)
            if (strncmp(pool + off[j], a, n) == 0 &&
                strcmp(pool + off[j] + n, "s") == 0)
                w = i;
    }
    ck_assert_uint_lt(w, nw);
    uint32_t huge = INT_MAX / 20 + 1000;   /* 20 times: the typo ratio */
    memcpy(b + 4 * (offs + nw + w), &huge, 4);
    cr_model *m = cr_model_decode(b, size, cr_kb_nintents(kb));
    ck_assert_ptr_nonnull(m);
    cr_correction *c;
    int n;
    char *fixed = cr_model_correct(m, pool + off[w], "/dev/null", &c, &n);
    ck_assert_msg(fixed == NULL, "'%s' corrected to '%s'", pool + off[w],
                  fixed);
    ck_assert_int_eq(n, 0);
    cr_model_free(m);
    free(b);
}
END_TEST

/* The English word list, and its table kept between runs. */

/* The one table in dir: its name in path (cap bytes), its size. */
static long one_table(const char *dir, char *path, size_t cap)
{
    DIR *dh = opendir(dir);
    ck_assert_ptr_nonnull(dh);
    struct dirent *e;
    int n = 0;
    long size = -1;
    while ((e = readdir(dh)) != NULL)
        if (strncmp(e->d_name, "words-", 6) == 0) {
            struct stat st;
            ck_assert_int_lt(snprintf(path, cap, "%s/%.64s", dir, e->d_name),
                             (int)cap);
            ck_assert_int_eq(stat(path, &st), 0);
            size = (long)st.st_size;
            n++;
        }
    closedir(dh);
    ck_assert_int_eq(n, 1);
    return size;
}

START_TEST(test_english_words)
{
    char dir[] = "/tmp/check-words-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char list[128], keep[128], table[256], fifo[128];
    snprintf(list, sizeof list, "%s/words", dir);
    snprintf(keep, sizeof keep, "%s/cache", dir);
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    ck_assert_int_eq(mkdir(keep, 0700), 0);
    cr_test_write(list, "Zebra\napple\n");

    /* Read from the list, in any case, and kept as a table of two. */
    cr_words_keep_in(keep);
    ck_assert(cr_words_has(list, "zebra"));
    ck_assert(cr_words_has(list, "apple"));
    ck_assert(!cr_words_has(list, "salery"));
    ck_assert_int_eq(one_table(keep, table, sizeof table), 16 + 2 * 4);

    /* The next process maps the table: the same answers. */
    cr_words_free();
    cr_words_keep_in(keep);
    ck_assert(cr_words_has(list, "zebra"));
    ck_assert(!cr_words_has(list, "salery"));

    /* A damaged table is refused, the list read again and the table
     * written anew. */
    ck_assert_int_eq(truncate(table, 10), 0);
    cr_words_free();
    cr_words_keep_in(keep);
    ck_assert(cr_words_has(list, "apple"));
    ck_assert_int_eq(one_table(keep, table, sizeof table), 16 + 2 * 4);

    /* A list that changed has a table of its own. */
    ck_assert_int_eq(unlink(table), 0);
    cr_test_write(list, "apple\nsalery\nzebra\n");
    cr_words_free();
    cr_words_keep_in(keep);
    ck_assert(cr_words_has(list, "salery"));
    ck_assert_int_eq(one_table(keep, table, sizeof table), 16 + 3 * 4);

    /* No list, a missing one, a FIFO (never waited on): no English. */
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    ck_assert(!cr_words_has(NULL, "apple"));
    ck_assert(!cr_words_has("/nonexistent/words", "apple"));
    ck_assert(!cr_words_has(fifo, "apple"));

    /* Without a folder, nothing is written: keep is empty, as its rmdir
     * below asserts. */
    cr_words_free();
    ck_assert_int_eq(unlink(table), 0);
    ck_assert(cr_words_has(list, "zebra"));
    cr_words_free();
    ck_assert_int_eq(unlink(fifo), 0);
    ck_assert_int_eq(unlink(list), 0);
    ck_assert_int_eq(rmdir(keep), 0);
    ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("matcher");
    TCase *re = tcase_create("regex");
    tcase_add_test(re, test_regex_caseless_unicode);
    tcase_add_test(re, test_regex_error_offset);
    tcase_add_test(re, test_regex_groups);
    tcase_add_test(re, test_regex_catastrophic_is_bounded);
    tcase_add_test(re, test_regex_long_subject);
    tcase_add_test(re, test_regex_bad_utf8_subject);
    tcase_add_test(re, test_regex_match_valid);
    tcase_add_test(re, test_prefilter_need);
    tcase_add_test(re, test_prefilter_encoding);
    tcase_add_test(re, test_prefilter_match);
    tcase_add_test(re, test_regex_load_checks_lengths);
    tcase_add_test(re, test_utf8_valid);
    tcase_add_test(re, test_normalise);
    suite_add_tcase(s, re);
    TCase *u = tcase_create("understand");
    /* The prefilter and model tests run every example: seconds with
     * sanitizers; the limit only catches a hang. */
    tcase_set_timeout(u, 120);
    tcase_add_checked_fixture(u, setup, teardown);
    tcase_add_test(u, test_classify);
    tcase_add_test(u, test_classify_focus);
    tcase_add_test(u, test_model_damaged);
    tcase_add_test(u, test_prefilter_never_skips_a_match);
    tcase_add_test(u, test_extract);
    tcase_add_test(u, test_extract_negation);
    tcase_add_test(u, test_extract_condition);
    tcase_add_test(u, test_limit_reported);
    tcase_add_test(u, test_spelling_huge_count);
    tcase_add_test(u, test_english_words);
    suite_add_tcase(s, u);
    return s;
}

int main(void)
{
    return cr_run_suite(suite());
}
