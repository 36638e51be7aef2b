/* check_retrieval.c - unit tests of the full-text index: ranking sections
 * and quoting sentences, against the essay and against small corpora. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <check.h>
#include <sqlite3.h>

#include "checksum.h"
#include "corpus.h"
#include "porter.h"
#include "retrieval.h"
#include "testutil.h"

static cr_corpus *corpus;
static cr_index *ix;

static void open_index(void)
{
    ck_assert_ptr_nonnull(corpus);
    ix = cr_index_new(corpus);
    ck_assert_ptr_nonnull(ix);
}

static void essay_setup(void)
{
    char *path = cr_test_path(CR_TEST_ESSAY);
    corpus = cr_corpus_load(path, NULL);
    free(path);
    open_index();
}

/* Sections that test splitting, empty text and the length cap. */
static const char small_md[] =
    "## Splitting\n"
    "We compare many kinds of fruit here, e.g. Apples from the orchard, "
    "and weigh them against each other, vs. Oranges grown in the south of "
    "the country. A second sentence follows.\n"
    "\n"
    "## Quotes\n"
    "She asked \u201cIs this the end?\u201d Nobody knew.\n"
    "\n"
    "## Empty\n"
    "\n"
    "## List\n"
    "- First item about kiwis\n"
    "- Second item about bananas\n"
    "- Third item about cherries\n"
    "\n"
    "## Steps\n"
    "1. Plan the work.\n"
    "2. Do the work.\n"
    "\n"
    "## Phrases\n"
    "Bar stools stand here and a foo sits there. Foo bar is one phrase.\n"
    "\n"
    "## Long\n"
    "This sentence goes on and on without ever stopping because it "
    "lists a great many words one after another, and then some more "
    "words, and yet more words after those, until the reader has quite "
    "forgotten how it began, which is exactly what a quote must never "
    "show in full, since a citation should be short enough to read at a "
    "glance, and this one is far longer than that, longer than three "
    "hundred and twenty bytes by a wide margin\n";

static const char first_sentence[] =
    "We compare many kinds of fruit here, e.g. Apples from the orchard, "
    "and weigh them against each other, vs. Oranges grown in the south of "
    "the country.";

static void small_setup(void)
{
    corpus = cr_corpus_parse(small_md, strlen(small_md));
    open_index();
}

static void teardown(void)
{
    cr_index_free(ix);
    cr_corpus_free(corpus);
    ix = NULL;
    corpus = NULL;
}

static int section(const char *anchor)
{
    int sec = cr_corpus_find(corpus, anchor);
    ck_assert_msg(sec >= 0, "no section %s", anchor);
    return sec;
}

/* Places where one sentence ends and another begins. */
static int sentence_breaks(const char *s)
{
    int n = 0;
    for (; *s != '\0'; s++)
        if (strchr(".?!", *s) != NULL && s[1] == ' '
            && isupper((unsigned char)s[2]))
            n++;
    return n;
}

static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay != '\0'; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return 1;
    return 0;
}

static const char *top_anchor(const char *question)
{
    cr_hit hits[5];
    int n = cr_index_rank(ix, question, hits, 5);
    ck_assert_int_gt(n, 0);
    for (int i = 1; i < n; i++)
        ck_assert(hits[i - 1].score >= hits[i].score);
    return cr_corpus_anchor(corpus, hits[0].section);
}

/* The quote of section anchor for question is want, or begins with it. */
static void quote_is(const char *anchor, const char *question,
                     const char *want)
{
    char *q = cr_index_quote(ix, section(anchor), question);
    ck_assert_msg(strcmp(q, want) == 0, "quote for '%s': '%s', not '%s'",
                  question, q, want);
    free(q);
}

static void quote_starts(const char *anchor, const char *question,
                         const char *want)
{
    char *q = cr_index_quote(ix, section(anchor), question);
    ck_assert_msg(strncmp(q, want, strlen(want)) == 0,
                  "quote for '%s': '%s', not '%s...'", question, q, want);
    free(q);
}

START_TEST(test_quote_pay)
{
    char *q = cr_index_quote(ix, section("pay"),
                             "how much does a PhD student get paid");
    ck_assert_msg(strstr(q, "minimum wage") != NULL, "quote: %s", q);
    ck_assert_uint_le(strlen(q), 320);
    ck_assert_int_le(sentence_breaks(q), 1);
    free(q);
}
END_TEST

START_TEST(test_quote_advisor)
{
    char *q = cr_index_quote(ix, section("advisor"),
                             "how do I choose an advisor");
    ck_assert_msg(contains_nocase(q, "advisor"), "quote: %s", q);
    ck_assert_uint_le(strlen(q), 320);
    free(q);
}
END_TEST

/* Words weigh by how rare they are in the whole essay, not in the one
 * section: "publications" occurs once in this section, as "need" does,
 * but is much the rarer in the essay. */
START_TEST(test_quote_rare_word)
{
    char *q = cr_index_quote(ix, section("phd-applications"),
                             "do I need publications to get in");
    ck_assert_msg(strstr(q, "publications") != NULL, "quote: %s", q);
    free(q);
}
END_TEST

START_TEST(test_rank_cifre)
{
    ck_assert_str_eq(top_anchor("what are the pros of an industrial PhD "
                                "in France CIFRE"), "phd-in-the-industry");
}
END_TEST

START_TEST(test_rank_residency)
{
    ck_assert_str_eq(top_anchor("AI residency"), "ai-residency-programs");
}
END_TEST

START_TEST(test_rank_limit)
{
    cr_hit hits[2];
    ck_assert_int_eq(cr_index_rank(ix, "phd", hits, 0), 0);
    ck_assert_int_eq(cr_index_rank(ix, "phd", hits, 1), 1);
    ck_assert_int_eq(cr_index_rank(ix, "phd", hits, 2), 2);
    ck_assert_int_ne(hits[0].section, hits[1].section);
}
END_TEST

/* FTS5 syntax in a question is read as words, never as syntax. */
START_TEST(test_query_syntax)
{
    static const char *const questions[] = {
        "\"advisor", "advisor*", "NEAR(advisor phd", "advisor AND OR NOT",
        "-advisor", "heading:advisor", "^advisor", "advisor\"\"\"",
        "{advisor} + (phd)", "advisor \xf0\x9f\x98\x80", "caf\xc3\xa9 advisor",
        "advisor \xe2\x80\x9cphd\xe2\x80\x9d \xff",
    };
    cr_hit hits[3];
    for (size_t i = 0; i < sizeof questions / sizeof *questions; i++) {
        int n = cr_index_rank(ix, questions[i], hits, 3);
        ck_assert_msg(n > 0, "no hit for %s", questions[i]);
        char *q = cr_index_quote(ix, section("advisor"), questions[i]);
        ck_assert_msg(contains_nocase(q, "advisor"), "%s", questions[i]);
        free(q);
    }
    ck_assert_int_eq(cr_index_rank(ix, "\"*^:-()", hits, 3), 0);
}
END_TEST

START_TEST(test_empty_question)
{
    cr_hit hits[3];
    ck_assert_int_eq(cr_index_rank(ix, "", hits, 3), 0);
    ck_assert_int_eq(cr_index_rank(ix, "what is it", hits, 3), 0);
    char *q = cr_index_quote(ix, section("pay"), "");
    ck_assert_msg(strncmp(q, "One thing that you should be aware of",
                          37) == 0, "quote: %s", q);
    char *z = cr_index_quote(ix, section("pay"), "zebra");
    ck_assert_str_eq(q, z);
    free(q);
    free(z);
}
END_TEST

START_TEST(test_quote_range)
{
    char *q = cr_index_quote(ix, -1, "phd");
    ck_assert_str_eq(q, "");
    free(q);
    q = cr_index_quote(ix, cr_corpus_count(corpus), "phd");
    ck_assert_str_eq(q, "");
    free(q);
}
END_TEST

START_TEST(test_free_null)
{
    cr_index_free(NULL);
}
END_TEST

/* Questions for the tests of determinism, each asked of every section,
 * whether it fits the section or not. */
static const char *const mixed_questions[] = {
    "how much does a PhD student get paid", "how do I choose an advisor",
    "does the school matter", "should I intern at DeepMind",
    "what does a machine learning engineer do", "start a company",
    "", "research scientist without a PhD", "zebra",
};
enum { NMIXED = sizeof mixed_questions / sizeof *mixed_questions };

/* The quote of every section for every question, from index x. */
static char **all_quotes(cr_index *x, int reverse)
{
    int nsec = cr_corpus_count(corpus);
    char **q = calloc((size_t)nsec * NMIXED, sizeof *q);
    ck_assert_ptr_nonnull(q);
    for (int k = 0; k < nsec * NMIXED; k++) {
        int i = reverse ? nsec * NMIXED - 1 - k : k;
        q[i] = cr_index_quote(x, i / NMIXED, mixed_questions[i % NMIXED]);
    }
    return q;
}

static void free_quotes(char **q)
{
    for (int i = 0; i < cr_corpus_count(corpus) * NMIXED; i++)
        free(q[i]);
    free(q);
}

/* A section's quote for a question depends on nothing else: not on the
 * sections quoted before, in whatever order, nor on ranking first. */
START_TEST(test_quote_deterministic)
{
    char **forward = all_quotes(ix, 0);
    cr_index *other = cr_index_new(corpus);
    ck_assert_ptr_nonnull(other);
    cr_hit hits[3];
    ck_assert_int_gt(cr_index_rank(other, "industrial PhD", hits, 3), 0);
    char **backward = all_quotes(other, 1);
    for (int i = 0; i < cr_corpus_count(corpus) * NMIXED; i++)
        ck_assert_str_eq(forward[i], backward[i]);
    /* Asked again, of an index that has seen everything. */
    for (int i = 0; i < cr_corpus_count(corpus) * NMIXED; i += 7) {
        char *q = cr_index_quote(ix, i / NMIXED, mixed_questions[i % NMIXED]);
        ck_assert_str_eq(q, forward[i]);
        free(q);
    }
    free_quotes(forward);
    free_quotes(backward);
    cr_index_free(other);
}
END_TEST

/* Each fresh index quotes the pay section the same way, whichever
 * section it quoted first. */
START_TEST(test_quote_first_use)
{
    const char *question = "how much does a PhD student get paid";
    char *want = cr_index_quote(ix, section("pay"), question);
    int nsec = cr_corpus_count(corpus);
    for (int first = 0; first < nsec; first += 5) {
        cr_index *other = cr_index_new(corpus);
        ck_assert_ptr_nonnull(other);
        free(cr_index_quote(other, first, "industry research"));
        char *got = cr_index_quote(other, section("pay"), question);
        ck_assert_str_eq(got, want);
        free(got);
        cr_index_free(other);
    }
    free(want);
}
END_TEST

/* Ranking does not depend on quotes made before it. */
START_TEST(test_rank_after_quotes)
{
    cr_hit fresh[5], used[5];
    int n = cr_index_rank(ix, "how much money will I make", fresh, 5);
    ck_assert_int_gt(n, 0);
    cr_index *other = cr_index_new(corpus);
    ck_assert_ptr_nonnull(other);
    for (int i = 0; i < cr_corpus_count(corpus); i++)
        free(cr_index_quote(other, i, "money salary"));
    ck_assert_int_eq(cr_index_rank(other, "how much money will I make",
                                   used, 5), n);
    for (int i = 0; i < n; i++) {
        ck_assert_int_eq(used[i].section, fresh[i].section);
        ck_assert(used[i].score == fresh[i].score);
    }
    cr_index_free(other);
}
END_TEST

START_TEST(test_split_abbreviations)
{
    quote_is("splitting", "oranges", first_sentence);
    quote_is("splitting", "second", "A second sentence follows.");
}
END_TEST

START_TEST(test_split_quotes)
{
    quote_is("quotes", "nobody", "Nobody knew.");
    quote_is("quotes", "",
             "She asked \u201cIs this the end?\u201d Nobody knew.");
}
END_TEST

START_TEST(test_list_items)
{
    quote_is("list", "bananas",
             "Second item about bananas Third item about cherries");
    quote_is("steps", "plan", "Plan the work. Do the work.");
}
END_TEST

START_TEST(test_quote_empty_section)
{
    quote_is("empty", "anything", "");
}
END_TEST

/* A word the tokenizer cuts in two ("foo฿bar": the baht sign is no
 * letter to it) is a phrase: the two tokens in a row, not either. */
START_TEST(test_quote_phrase)
{
    quote_is("phrases", "foo\u0e3fbar", "Foo bar is one phrase.");
}
END_TEST

/* A word the question repeats weighs as often as it occurs; the three
 * items are alike but for their last word. */
START_TEST(test_quote_repeated_word)
{
    quote_starts("list", "kiwis bananas", "First item");
    quote_starts("list", "kiwis bananas bananas", "Second item");
}
END_TEST

/* Only a question's first 128 distinct words are searched for, however
 * often they repeat, so a long question costs no more than that. */
START_TEST(test_query_terms_cap)
{
    cr_buf filler = { 0 };
    cr_hit hit;
    for (int i = 0; i < 128; i++)
        cr_buf_printf(&filler, "w%d w%d ", i, i);
    char *late = xasprintf("%s bananas", filler.s);
    char *early = xasprintf("bananas %s", filler.s);
    quote_starts("list", late, "First item");
    quote_starts("list", early, "Second item");
    ck_assert_int_eq(cr_index_rank(ix, late, &hit, 1), 0);
    ck_assert_int_eq(cr_index_rank(ix, early, &hit, 1), 1);
    ck_assert_int_eq(hit.section, section("list"));
    free(late);
    free(early);
    cr_buf_free(&filler);
}
END_TEST

START_TEST(test_quote_cap)
{
    static const char ellipsis[] = "\u2026";
    const char *text = cr_corpus_text(corpus, section("long"));
    char *q = cr_index_quote(ix, section("long"), "words");
    size_t n = strlen(q), body = n - strlen(ellipsis);
    ck_assert_uint_le(n, 320);
    ck_assert_uint_gt(n, 160);
    ck_assert_str_eq(q + body, ellipsis);
    ck_assert_int_eq(strncmp(q, text, body), 0);
    ck_assert(text[body] == ' ' || text[body] == ',');
    ck_assert(q[body - 1] != ' ' && q[body - 1] != ',');
    free(q);
}
END_TEST

/* --- Images of the index -------------------------------------------- */

/* Questions to rank, most of them no rule of the essay answers. */
static const char *const rank_questions[] = {
    "tell me about zebras", "what is the capital of France",
    "industrial PhD France CIFRE", "AI residency", "phd", "the",
    "how much money will I make", "publications at top conferences",
    "salary salary salary stipend", "quantum chromodynamics",
    "I want to found a startup after my master", "remote work",
};
enum { NRANK = sizeof rank_questions / sizeof *rank_questions };

/* a and b rank every section alike for every question, to the bit. */
static void same_ranks(cr_index *a, cr_index *b)
{
    enum { MAX = 64 };
    cr_hit ha[MAX], hb[MAX];
    for (int q = 0; q < NRANK + NMIXED; q++) {
        const char *question = q < NRANK ? rank_questions[q]
                                         : mixed_questions[q - NRANK];
        int n = cr_index_rank(a, question, ha, MAX);
        ck_assert_int_eq(cr_index_rank(b, question, hb, MAX), n);
        for (int i = 0; i < n; i++) {
            ck_assert_int_eq(ha[i].section, hb[i].section);
            ck_assert_msg(ha[i].score == hb[i].score, "'%s': score %.17g "
                          "not %.17g", question, hb[i].score, ha[i].score);
        }
    }
}

static unsigned char *copy(const unsigned char *image, size_t len)
{
    unsigned char *c = xmalloc(len + 1);
    memcpy(c, image, len);
    return c;
}

/* A new index of corpus that ranks from a copy of the len bytes of
 * image. */
static cr_index *from_image(const unsigned char *image, size_t len)
{
    cr_index *x = cr_index_new(corpus);
    ck_assert_ptr_nonnull(x);
    cr_index_set_image(x, copy(image, len), len);
    return x;
}

START_TEST(test_image_ranks_the_same)
{
    size_t len = 0;
    unsigned char *image = cr_index_image(ix, &len);
    ck_assert_ptr_nonnull(image);
    ck_assert_uint_gt(len, 4096);
    cr_index *kept = from_image(image, len);
    same_ranks(ix, kept);
    /* Quotes use the same database connection, before ranking or after. */
    cr_index *quoted = from_image(image, len);
    char *want = cr_index_quote(ix, section("pay"), "what do PhDs earn");
    char *got = cr_index_quote(quoted, section("pay"), "what do PhDs earn");
    ck_assert_str_eq(got, want);
    same_ranks(ix, quoted);
    free(got);
    free(want);
    cr_index_free(kept);
    cr_index_free(quoted);
    free(image);
}
END_TEST

/* The ranking does come from the image: an image of another corpus of
 * as many sections (which the image is not for) ranks that corpus's
 * words; and an index that has ranked keeps its table. */
START_TEST(test_image_is_used)
{
    char *md = xstrdup(small_md);
    char *kiwis = strstr(md, "kiwis");
    ck_assert_ptr_nonnull(kiwis);
    memcpy(kiwis, "melon", 5);
    cr_corpus *other = cr_corpus_parse(md, strlen(md));
    ck_assert_int_eq(cr_corpus_count(other), cr_corpus_count(corpus));
    cr_index *x = cr_index_new(other);
    size_t len = 0;
    unsigned char *image = cr_index_image(x, &len);
    ck_assert_ptr_nonnull(image);
    cr_hit hit;
    cr_index *y = from_image(image, len);
    ck_assert_int_eq(cr_index_rank(y, "melons", &hit, 1), 1);
    ck_assert_int_eq(hit.section, section("list"));
    ck_assert_int_eq(cr_index_rank(y, "kiwis", &hit, 1), 0);
    ck_assert_int_eq(cr_index_rank(ix, "kiwis", &hit, 1), 1);
    cr_index_set_image(ix, copy(image, len), len);
    ck_assert_int_eq(cr_index_rank(ix, "kiwis", &hit, 1), 1);
    ck_assert_int_eq(cr_index_rank(ix, "melons", &hit, 1), 0);
    cr_index_free(y);
    cr_index_free(x);
    cr_corpus_free(other);
    free(image);
    free(md);
}
END_TEST

/* The layout of an image (retrieval.c): a tag and its NUL, then two
 * parts, the database and the vocabulary, each a checksum and a length
 * (8 bytes each, little-endian) and then the part. */
static size_t tag_end(const unsigned char *image)
{
    return strlen((const char *)image) + 1;
}

/* Where part k's header starts. */
static size_t part_at(const unsigned char *image, int k)
{
    size_t at = tag_end(image);
    for (int i = 0; i < k; i++)
        at += 16 + (size_t)cr_get64(image + at + 8);
    return at;
}

/* Part k's checksum made good again for a part of n bytes, so that the
 * image passes its own checks and the reader sees the change. */
static void reseal_part(unsigned char *image, int k, size_t n)
{
    size_t at = part_at(image, k);
    uint64_t sum = cr_checksum(image + at + 16, n);
    for (int b = 0; b < 8; b++) {
        image[at + b] = (unsigned char)(sum >> 8 * b);
        image[at + 8 + b] = (unsigned char)((uint64_t)n >> 8 * b);
    }
}

static void reseal(unsigned char *image, size_t len)
{
    (void)len;
    reseal_part(image, 0, (size_t)cr_get64(image + tag_end(image) + 8));
}

/* An index from damaged, after a quote first, ranks and quotes as ix. */
static void falls_back(const unsigned char *damaged, size_t len,
                       const char *what)
{
    cr_index *x = from_image(damaged, len);
    char *want = cr_index_quote(ix, section("advisor"), "a good advisor");
    char *got = cr_index_quote(x, section("advisor"), "a good advisor");
    ck_assert_msg(strcmp(got, want) == 0, "an image with %s", what);
    free(got);
    free(want);
    same_ranks(ix, x);
    cr_index_free(x);
}

/* A damaged image, or one another SQLite made, is not used: the index
 * is built from the corpus and ranks as if there had been no image. */
START_TEST(test_image_damaged)
{
    size_t len = 0;
    unsigned char *good = cr_index_image(ix, &len);
    ck_assert_ptr_nonnull(good);
    size_t t = tag_end(good), db = t + 16;
    unsigned char *bad = xmalloc(len);
    size_t cuts[] = {1, t - 1, t, db, db + 1, db + 4096, len / 2, len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++)
        falls_back(good, cuts[i], "its end cut off");
    for (size_t at = 0; at < len; at += len / 23 + 1) {
        memcpy(bad, good, len);
        bad[at] ^= 0x20;
        falls_back(bad, len, "a byte changed");
    }
    memcpy(bad, good, len);
    memcpy(strstr((char *)bad, "SQLite ") + 7, "1999", 4);
    falls_back(bad, len, "another SQLite's tag");
    /* Damage that only SQLite can see, where the image's checksum holds:
     * a database that is not one, one cut off after its first page, one
     * whose pages from some page on are zeroes (some fail as the ranking
     * statement is prepared, the later ones on the first query). */
    memcpy(bad, good, len);
    memcpy(bad + db, "SQLite format 2", 15);
    reseal(bad, len);
    falls_back(bad, len, "no database in it");
    memcpy(bad, good, len);
    reseal_part(bad, 0, 4096);
    falls_back(bad, db + 4096, "only its schema");
    size_t dblen = (size_t)cr_get64(good + t + 8);
    for (size_t from = db + 4096; from < db + dblen; from += 4096) {
        memcpy(bad, good, len);
        memset(bad + from, 0, len - from);
        reseal(bad, len);
        falls_back(bad, len, "zeroes");
    }
    free(bad);
    free(good);
}
END_TEST

/* Quotes come out the same from an image's vocabulary as from the
 * tokenizer, for every section. */
START_TEST(test_image_quotes_the_same)
{
    size_t len = 0;
    unsigned char *image = cr_index_image(ix, &len);
    ck_assert_ptr_nonnull(image);
    cr_index *x = from_image(image, len);
    for (int sec = 0; sec < cr_corpus_count(corpus); sec++)
        for (int q = 0; q < NRANK; q += 3) {
            char *want = cr_index_quote(ix, sec, rank_questions[q]);
            char *got = cr_index_quote(x, sec, rank_questions[q]);
            ck_assert_str_eq(got, want);
            free(got);
            free(want);
        }
    cr_index_free(x);
    free(image);
}
END_TEST

/* A vocabulary part that fails its checks, its checksum made good: the
 * index tokenizes the corpus instead, and quotes as ix does. */
START_TEST(test_image_vocabulary_damaged)
{
    size_t len = 0;
    unsigned char *good = cr_index_image(ix, &len);
    ck_assert_ptr_nonnull(good);
    size_t at = part_at(good, 1), voc = at + 16, n = len - voc;
    ck_assert_uint_eq(cr_get64(good + at + 8), n);
    ck_assert_uint_gt(n, 1000);
    unsigned char *bad = xmalloc(len);
    /* Every 4-byte number in turn made huge, then made 1 more or less. */
    for (size_t k = 0; k + 4 <= n; k += 4 * (n / 4 / 97 + 1)) {
        for (int how = 0; how < 3; how++) {
            memcpy(bad, good, len);
            if (how == 0)
                memset(bad + voc + k, 0xff, 4);
            else
                bad[voc + k] = (unsigned char)(bad[voc + k] + (how == 1 ? 1 : -1));
            reseal_part(bad, 1, n);
            falls_back(bad, len, "a changed vocabulary");
        }
    }
    for (size_t cut = 0; cut < n; cut += n / 13 + 1) {
        memcpy(bad, good, len);
        reseal_part(bad, 1, cut);
        falls_back(bad, voc + cut, "a vocabulary cut short");
    }
    free(bad);
    free(good);
}
END_TEST

/* The quote does come from the image's vocabulary, and an image whose
 * sentences are not the corpus's is given up: an image of another
 * corpus of as many sections. */
/* An index of the small corpus that reads the image of the corpus of
 * md (as many sections). */
static cr_index *from_image_of(const char *md)
{
    cr_corpus *other = cr_corpus_parse(md, strlen(md));
    ck_assert_int_eq(cr_corpus_count(other), cr_corpus_count(corpus));
    cr_index *x = cr_index_new(other);
    size_t len = 0;
    unsigned char *image = cr_index_image(x, &len);
    ck_assert_ptr_nonnull(image);
    cr_index *y = from_image(image, len);
    cr_index_free(x);
    cr_corpus_free(other);
    free(image);
    return y;
}

START_TEST(test_image_vocabulary_used)
{
    char *md = xstrdup(small_md);
    memcpy(strstr(md, "kiwis"), "melon", 5);
    cr_index *y = from_image_of(md);
    /* The list's sentences are the same three: "melons" is the image's
     * word, found in the first item. */
    char *q = cr_index_quote(y, section("list"), "bananas melons melons");
    ck_assert_ptr_eq(strstr(q, "First item about kiwis"), q);
    free(q);
    cr_index_free(y);
    free(md);
    /* Another corpus whose first section has one sentence more. */
    md = xasprintf("## Splitting\nOne. Two more. Three now.\n%s",
                   strstr(small_md, "\n## Quotes") + 1);
    y = from_image_of(md);
    char *want = cr_index_quote(ix, section("splitting"), "second follows");
    char *got = cr_index_quote(y, section("splitting"), "second follows");
    ck_assert_str_eq(got, want);
    ck_assert_str_eq(got, "A second sentence follows.");
    free(got);
    free(want);
    cr_index_free(y);
    free(md);
}
END_TEST

/* --- The stemmer against FTS5's ------------------------------------------- */

typedef struct one_token {
    char s[2 * CR_PORTER_MAX];
    int n, count;
} one_token;

static int keep_token(void *arg, int flags, const char *s, int n, int start,
                      int end)
{
    one_token *t = arg;
    (void)flags, (void)start, (void)end;
    if (t->count++ == 0 && n < (int)sizeof t->s) {
        memcpy(t->s, s, (size_t)n);
        t->n = n;
    }
    return SQLITE_OK;
}

typedef struct fts5_porter {
    sqlite3 *db;
    fts5_tokenizer api;
    Fts5Tokenizer *tok;
} fts5_porter;

/* FTS5's porter tokenizer over unicode61, as retrieval.c creates it. */
static void porter_open(fts5_porter *p)
{
    static const char *args[] = {"unicode61", "remove_diacritics", "2"};
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    void *ctx = NULL;
    ck_assert_int_eq(sqlite3_open(":memory:", &p->db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(p->db, "SELECT fts5(?1)", -1, &st,
                                        NULL), SQLITE_OK);
    sqlite3_bind_pointer(st, 1, &api, "fts5_api_ptr", NULL);
    sqlite3_step(st);
    sqlite3_finalize(st);
    ck_assert_ptr_nonnull(api);
    ck_assert_int_eq(api->xFindTokenizer(api, "porter", &ctx, &p->api),
                     SQLITE_OK);
    ck_assert_int_eq(p->api.xCreate(ctx, args, 3, &p->tok), SQLITE_OK);
}

/* Whether cr_porter_stem stems w as FTS5 does; says which way if not. */
static int same_stem(fts5_porter *p, const char *w)
{
    one_token t = {.n = 0};
    size_t n = strlen(w);
    char mine[2 * CR_PORTER_MAX + 8];
    p->api.xTokenize(p->tok, &t, FTS5_TOKENIZE_QUERY, w, (int)n,
                     keep_token);
    size_t k = n <= CR_PORTER_MAX ? cr_porter_stem(w, n, mine) : n;
    if (n > CR_PORTER_MAX)
        memcpy(mine, w, n);
    if (t.count == 1 && (size_t)t.n == k && memcmp(t.s, mine, k) == 0)
        return 1;
    fprintf(stderr, "%s: FTS5 %.*s (%d tokens), cr_porter_stem %.*s\n", w,
            t.n, t.s, t.count, (int)k, mine);
    return 0;
}

/* Every lower-case ASCII word of the system's word list (wamerican, in
 * the Quick start), the essay's words, and words made to reach each
 * rule's edge: the same stem as FTS5's. */
START_TEST(test_porter_as_fts5)
{
    static const char *const edge[] = {
        "eed", "feed", "agreed", "ed", "bed", "aed", "sing", "ing", "ies",
        "ties", "sses", "caresses", "ponies", "cats", "ss", "s", "yes",
        "sky", "hapy", "happy", "y", "cry", "hopping", "tanned", "falling",
        "hissing", "fizzed", "failing", "filing", "conflated", "troubled",
        "sized", "relational", "conditional", "rational", "valenci",
        "hesitanci", "digitizer", "conformabli", "radicalli", "differentli",
        "vileli", "analogousli", "vietnamization", "predication",
        "operator", "feudalism", "decisiveness", "hopefulness",
        "callousness", "formaliti", "sensitiviti", "sensibiliti",
        "triplicate", "formative", "formalize", "electriciti",
        "electrical", "hopeful", "goodness", "revival", "allowance",
        "inference", "airliner", "gyroscopic", "adjustable", "defensible",
        "irritant", "replacement", "adjustment", "dependent", "adoption",
        "homologou", "communism", "activate", "angulariti", "homologous",
        "effective", "bowdlerize", "probate", "rate", "cease", "controll",
        "roll", "gpt4", "l2", "abc123ing", "x86s", "oed", "yed", "yying",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaing",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaing",
    };
    fts5_porter p;
    porter_open(&p);
    int bad = 0, tried = 0;
    for (size_t i = 0; i < sizeof edge / sizeof *edge; i++, tried++)
        bad += !same_stem(&p, edge[i]);
    FILE *f = fopen("/usr/share/dict/words", "r");
    char line[256];
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (cr_porter_word(line, strlen(line)))
            bad += !same_stem(&p, line), tried++;
    }
    if (f != NULL)
        fclose(f);
    for (int sec = 0; sec < cr_corpus_count(corpus); sec++) {
        const char *text = cr_corpus_text(corpus, sec);
        for (const char *s = text; *s != '\0';) {
            size_t n = 0;
            while (isalnum((unsigned char)s[n]))
                n++;
            if (n > 0 && n < sizeof line) {
                for (size_t k = 0; k < n; k++)
                    line[k] = (char)tolower((unsigned char)s[k]);
                line[n] = '\0';
                bad += !same_stem(&p, line), tried++;
            }
            s += n > 0 ? n : 1;
        }
    }
    p.api.xDelete(p.tok);
    sqlite3_close(p.db);
    ck_assert_msg(bad == 0, "%d of %d words stemmed otherwise than FTS5",
                  bad, tried);
    ck_assert_int_gt(tried, 1000);
}
END_TEST

/* A quote from an image opens no database: the essay's words are the
 * image's, the question's are stemmed here. */
START_TEST(test_quote_needs_no_database)
{
    size_t len;
    unsigned char *image = cr_index_image(ix, &len);
    ck_assert_ptr_nonnull(image);
    cr_index *y = cr_index_new(corpus);
    cr_index_set_image(y, image, len);
    const char *q = "how much does a PhD student get paid";
    int sec = section("pay");
    char *want = cr_index_quote(ix, sec, q);
    sqlite3_int64 used = sqlite3_memory_used();
    char *got = cr_index_quote(y, sec, q);
    ck_assert_str_eq(got, want);
    ck_assert_int_eq(sqlite3_memory_used(), used);
    free(want);
    free(got);
    cr_index_free(y);
}
END_TEST

static Suite *retrieval_suite(void)
{
    Suite *s = suite_create("retrieval");
    TCase *tc = tcase_create("essay");
    /* test_porter_as_fts5 stems some 68,000 words both ways, and the
     * image tests build the index twice: seconds with sanitizers, more
     * on a busy machine; the limit only catches a hang. */
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, essay_setup, teardown);
    tcase_add_test(tc, test_quote_pay);
    tcase_add_test(tc, test_quote_advisor);
    tcase_add_test(tc, test_quote_rare_word);
    tcase_add_test(tc, test_rank_cifre);
    tcase_add_test(tc, test_rank_residency);
    tcase_add_test(tc, test_rank_limit);
    tcase_add_test(tc, test_query_syntax);
    tcase_add_test(tc, test_empty_question);
    tcase_add_test(tc, test_quote_range);
    tcase_add_test(tc, test_free_null);
    tcase_add_test(tc, test_quote_deterministic);
    tcase_add_test(tc, test_quote_first_use);
    tcase_add_test(tc, test_rank_after_quotes);
    tcase_add_test(tc, test_image_ranks_the_same);
    tcase_add_test(tc, test_image_damaged);
    tcase_add_test(tc, test_image_quotes_the_same);
    tcase_add_test(tc, test_image_vocabulary_damaged);
    tcase_add_test(tc, test_porter_as_fts5);
    tcase_add_test(tc, test_quote_needs_no_database);
    suite_add_tcase(s, tc);

    tc = tcase_create("sentences");
    tcase_add_checked_fixture(tc, small_setup, teardown);
    tcase_add_test(tc, test_split_abbreviations);
    tcase_add_test(tc, test_split_quotes);
    tcase_add_test(tc, test_list_items);
    tcase_add_test(tc, test_quote_empty_section);
    tcase_add_test(tc, test_quote_phrase);
    tcase_add_test(tc, test_quote_cap);
    tcase_add_test(tc, test_quote_repeated_word);
    tcase_add_test(tc, test_query_terms_cap);
    tcase_add_test(tc, test_image_is_used);
    tcase_add_test(tc, test_image_vocabulary_used);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cr_run_suite(retrieval_suite());
}
