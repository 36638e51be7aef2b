/* retrieval.c - full-text search over the essay (SQLite FTS5, in memory).
 *
 * Nothing is indexed up front, nor is SQLite opened: cr_index_new only
 * allocates, the private in-memory database opens when ranking or the
 * tokenizer first needs it, and each part of the index is built the
 * first time it is needed and then kept for the rest of the process (a
 * REPL asks many questions).  Building it all up front took some 14
 * million instructions, more than half of a one-off answer, though an
 * answer quotes one to three sections and ranks sections only when no
 * rule answers.  Costs below are callgrind instruction counts on the
 * essay.
 *
 * Ranking: the first cr_index_rank builds the FTS5 table `sections`
 * (heading, text), porter tokenizer, the section index plus one as rowid,
 * in one transaction (about 5.7 million); bm25 ranks its rows, headings
 * weighing twice as much as text.  The table is contentless, since the
 * corpus keeps the text.  Or, when the index was given an image of the
 * table (cr_index_set_image; the compiled rule cache keeps one), the
 * first ranking opens the database from the image instead (some 0.4
 * million, most of it preparing the ranking statement): the same bytes
 * as the table built here, so the same ranks and scores to the bit.  An
 * image that fails its checks, or that SQLite cannot open or query the
 * first time, is given up for building the table, for good.
 *
 * Quoting: the first cr_index_quote with a word to search for cuts every
 * section into sentences (spans of the corpus's text) and runs FTS5's own
 * tokenizer over them, porter over unicode61 with the arguments the
 * table is made with, fetched through the fts5_api (the database opens
 * on first need, for this or for ranking); it keeps each
 * sentence as a list of token ids and, for each id, in how many sentences
 * it occurs (about 2.4 million, most of it in the tokenizer).  An image
 * (cr_index_image) keeps these lists too, and an index given one reads
 * them from it instead (about 0.3 million, checked number by number),
 * and a question's words of ASCII letters and digits become tokens by
 * cr_porter_stem, FTS5's stemmer to the letter, so that a quote from a
 * cache opens no database at all (opening one cost a tenth of a one-off
 * answer);
 * a section the corpus cuts into other sentences than the image counted
 * gives the image's lists up for the tokenizer's.  After that a quote
 * costs tens of thousands: the sentences of the section are
 * scored in C by FTS5's bm25 (the constants and order of operations of
 * sqlite's ext/fts5/fts5_aux.c; each question word a phrase; the earliest
 * sentence on a tie) with statistics over all the corpus's sentences,
 * so that a word common everywhere weighs little even in a short section.
 * That is what an FTS5 table of every sentence gave, and it picks the
 * same sentences: the quotes for 2,000 questions over every section and
 * for the rule files' example questions came out the same.
 *
 * The choice.  A quote must not depend on what was asked before in the
 * process, so bm25's statistics must not depend on which sections happen
 * to be indexed.  Measured or rejected:
 *  - one FTS5 table of all sentences filled as sections are quoted:
 *    cheap, but its statistics, and so the quotes, would change as it
 *    fills: not deterministic;
 *  - one FTS5 table per section, on first quote of the section: about
 *    2.5 million for the first quote (1.2 million to create a table,
 *    0.8 million a query, as bm25 queries each phrase for its
 *    statistics), and as much again for each section an answer cites;
 *  - per-section statistics computed here: 0.2 million a quote, but
 *    statistics from a handful of sentences weigh words badly (a
 *    section's own topic words weigh nothing, chance words much): 50 of
 *    the 283 quotes of the rule files' example questions changed, most
 *    of them for the worse (the machine-learning-engineer quote fell to
 *    "SWE < MLE < Scientist If you want to learn more ...").
 * A question without a word to search for, and a section of one
 * sentence, need no tokens.  If the tokenizer cannot be had, sections
 * are quoted from their first sentences; if the sections table cannot be
 * built, ranking finds nothing.  Either failure is for good, so results
 * stay the same for the rest of the process.
 *
 * Sentences are cut from a section's plain text at newlines (paragraphs
 * and list items, whose "- " or "1. " marker goes) and after `.`, `?` or
 * `!`, with any closing quotes or brackets, when whitespace and then an
 * uppercase letter, a digit or an opening quote follow; not after
 * abbreviations such as "e.g." or "vs.".
 *
 * A question is never handed to FTS5 as query syntax: it is cut into
 * words of letters and digits and stop words go; each distinct word is
 * a term (the first 128 only), which weighs in choosing a quote as often
 * as the question has it.  To rank, each term becomes a quoted FTS5
 * string, the strings joined with OR; to quote, each term is run through
 * the tokenizer into a phrase of tokens (nearly always one), which a
 * sentence holds where it has those tokens in a row, as in FTS5. */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <sqlite3.h>

#include "checksum.h"
#include "porter.h"
#include "retrieval.h"
#include "xmalloc.h"

/* A best sentence shorter than this gets the next one appended; a quote
 * longer than the maximum (in bytes) is cut at a word and ends in "…". */
enum { QUOTE_SHORT = 120, QUOTE_MAX = 320 };

/* Where a part of the index built on first need stands. */
enum { NOT_BUILT, READY, FAILED };

/* The layout of an image (cr_index_image), part of cr_index_format. */
enum { IMAGE_LAYOUT = 2 };

typedef struct span {
    const char *s;              /* in the corpus's text */
    size_t n;
} span;

/* The sentences of one section, cut on first need; they are sentences
 * first .. first + nsent - 1 of the corpus once the corpus is tokenized. */
typedef struct sentlist {
    bool split;                 /* sent and nsent are set */
    int nsent;
    span *sent;
    int first;
    int imaged;                 /* nsent by the image's vocabulary, or -1 */
} sentlist;

/* The corpus's sentences as tokens, for bm25: each distinct token has an
 * id, the text of token id i is text.s[off[i] ..] (len[i] bytes), and a
 * hash table (open addressing, -1 for a free slot) finds ids by text.
 * The tokens of sentence j are ids tok[first[j] .. first[j + 1]), and df
 * says in how many sentences each id occurs. */
typedef struct vocabulary {
    int state;
    int nsent, ntok, captok, nid, capid, nslot;
    int *first, *tok, *df, *slot;
    size_t *off, *len;
    cr_buf text;
} vocabulary;

struct cr_index {
    const cr_corpus *c;
    sqlite3 *db;                /* opened on first need: db_open */
    bool db_failed;             /* opening it failed, for good */
    int nsec;
    int ranking;                /* state of the sections table */
    sqlite3_stmt *rank;         /* sections for a query, best first */
    int tokenizing;             /* state of the tokenizer */
    fts5_tokenizer tokenizer;
    Fts5Tokenizer *tok;
    sentlist *q;                /* nsec of them */
    vocabulary v;
    unsigned char *image;       /* to rank from, or NULL: see image_tag */
    size_t nimage;
    void *map;                  /* the mapping image lies in, or NULL */
    size_t maplen;
    bool untried;               /* the table is the image's, not queried */
    struct asked *asked;        /* what the last question quoted for asks */
};

static bool vocabulary_ready(cr_index *ix);
static void forget_asked(cr_index *ix);
static void vocabulary_encode(const cr_index *ix, cr_buf *b);

/* Let go of ix's image, freed or unmapped. */
static void drop_image(cr_index *ix)
{
    if (ix->map != NULL)
        munmap(ix->map, ix->maplen);
    else
        free(ix->image);
    ix->image = NULL;
    ix->map = NULL;
    ix->nimage = ix->maplen = 0;
}

#define TOKENIZE "tokenize='porter unicode61 remove_diacritics 2'"

static const char sections_sql[] =
    "CREATE VIRTUAL TABLE sections USING fts5(heading, text, content='', "
    TOKENIZE ")";

/* Headings weigh twice as much as body text. */
static const char rank_sql[] =
    "SELECT rowid, bm25(sections, 2.0, 1.0) AS score FROM sections "
    "WHERE sections MATCH ?1 ORDER BY score LIMIT ?2";

/* The same tokenizer for quotes: porter, over unicode61 with these
 * arguments (not const: xCreate takes a const char **). */
static const char *tokenizer_args[] = {
    "unicode61", "remove_diacritics", "2",
};

/* --- Sentence splitting ------------------------------------------------ */

typedef int (*emit_fn)(void *arg, const char *s, size_t n);

static const char *const abbreviations[] = {
    "al", "approx", "cf", "dr", "e.g", "etc", "fig", "i.e", "inc", "jr",
    "ltd", "mr", "mrs", "ms", "ph.d", "prof", "sr", "st", "u.k", "u.s",
    "vs",
};

/* Whether the '.' at s[i] ends an abbreviation (or an initial, "J."). */
static bool abbreviation(const char *s, size_t i)
{
    size_t b = i;
    while (b > 0 && (isalpha((unsigned char)s[b - 1]) || s[b - 1] == '.'))
        b--;
    size_t n = i - b;
    if (n == 1 && isupper((unsigned char)s[b]))
        return true;
    if (n == 0 || n > 8)
        return false;
    char w[9];
    for (size_t k = 0; k < n; k++)
        w[k] = (char)tolower((unsigned char)s[b + k]);
    w[n] = '\0';
    for (size_t k = 0; k < sizeof abbreviations / sizeof *abbreviations; k++)
        if (strcmp(w, abbreviations[k]) == 0)
            return true;
    return false;
}

/* Length of the UTF-8 character at s (of n bytes left) if it is one of
 * the given three-byte characters, else 0. */
static size_t utf8_among(const char *s, size_t n, const char *const *set)
{
    for (; *set; set++)
        if (n >= 3 && memcmp(s, *set, 3) == 0)
            return 3;
    return 0;
}

static const char *const closers[] = { "\u201d", "\u2019", NULL };
static const char *const openers[] = { "\u201c", "\u2018", NULL };

/* If the '.', '?' or '!' at s[i] ends a sentence, set *end past it and
 * its closing marks, *next to where the next sentence starts. */
static bool sentence_end(const char *s, size_t n, size_t i, size_t *end,
                         size_t *next)
{
    if (s[i] != '.' && s[i] != '?' && s[i] != '!')
        return false;
    size_t j = i + 1, k;
    for (;;) {
        if (j < n && s[j] != '\0' && strchr("\"')]", s[j]) != NULL)
            j++;
        else if ((k = utf8_among(s + j, n - j, closers)) > 0)
            j += k;
        else
            break;
    }
    k = j;
    while (k < n && (s[k] == ' ' || s[k] == '\t'))
        k++;
    if (k == j || k == n)
        return false;
    unsigned char c = (unsigned char)s[k];
    if (!isupper(c) && !isdigit(c) && c != '"' && c != '\''
        && utf8_among(s + k, n - k, openers) == 0)
        return false;
    if (s[i] == '.' && abbreviation(s, i))
        return false;
    *end = j;
    *next = k;
    return true;
}

/* Emit s[0..n) without surrounding whitespace, unless that is empty. */
static int emit_trimmed(const char *s, size_t n, emit_fn emit, void *arg)
{
    while (n > 0 && isspace((unsigned char)*s))
        s++, n--;
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return n > 0 ? emit(arg, s, n) : 0;
}

/* Length of the list marker ("- ", "1. ", "2) ") that s starts with, or
 * 0: a quote shows the item, not its bullet or number. */
static size_t list_marker(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && k < 3 && isdigit((unsigned char)s[k]))
        k++;
    if (k == 0 && n > 0 && s[0] == '-')
        k = 1;
    else if (k > 0 && k < n && (s[k] == '.' || s[k] == ')'))
        k++;
    else
        return 0;
    return k < n && (s[k] == ' ' || s[k] == '\t') ? k + 1 : 0;
}

static int split_line(const char *s, size_t n, emit_fn emit, void *arg)
{
    while (n > 0 && isspace((unsigned char)*s))
        s++, n--;
    size_t m = list_marker(s, n);
    s += m;
    n -= m;
    size_t start = 0, end, next;
    for (size_t i = 0; i < n; i++) {
        if (!sentence_end(s, n, i, &end, &next))
            continue;
        int rc = emit_trimmed(s + start, end - start, emit, arg);
        if (rc != 0)
            return rc;
        start = next;
        i = next - 1;
    }
    return emit_trimmed(s + start, n - start, emit, arg);
}

/* Call emit for every sentence of text, in order; stop at the first
 * nonzero status and return it. */
static int split_sentences(const char *text, emit_fn emit, void *arg)
{
    while (*text != '\0') {
        size_t n = strcspn(text, "\n");
        int rc = split_line(text, n, emit, arg);
        if (rc != 0)
            return rc;
        text += n + (text[n] == '\n');
    }
    return 0;
}

/* --- Questions --------------------------------------------------------- */

static const char *const stop_words[] = {
    "a", "about", "am", "an", "and", "any", "are", "as", "at", "be",
    "been", "but", "by", "can", "could", "did", "do", "does", "for",
    "from", "had", "has", "have", "how", "i", "if", "in", "into", "is",
    "it", "its", "me", "my", "of", "on", "or", "our", "should", "so",
    "than", "that", "the", "their", "them", "then", "there", "these",
    "they", "this", "those", "to", "us", "was", "we", "were", "what",
    "when", "where", "which", "who", "whom", "why", "will", "with",
    "would", "you", "your",
};

static int compare_word(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

static bool stop_word(const char *w)
{
    return bsearch(w, stop_words, sizeof stop_words / sizeof *stop_words,
                   sizeof *stop_words, compare_word) != NULL;
}

/* Length of the UTF-8 character at s and, in *cp, its code point; an
 * invalid byte is a character of its own with code point 0. */
static size_t utf8_decode(const unsigned char *s, unsigned long *cp)
{
    size_t n = *s >= 0xf0 ? 4 : *s >= 0xe0 ? 3 : *s >= 0xc0 ? 2 : 1;
    unsigned long v = n == 1 ? 0 : *s & (0x3fu >> (n - 1));
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xc0) != 0x80) {
            *cp = 0;
            return 1;
        }
        v = v << 6 | (s[k] & 0x3fu);
    }
    *cp = v;
    return n;
}

/* Whether code point cp (not ASCII) is part of a word: anything but the
 * punctuation and symbol blocks a question is likely to contain. */
static bool word_codepoint(unsigned long cp)
{
    static const unsigned long gaps[][2] = {
        { 0x0000, 0x00bf }, { 0x00d7, 0x00d7 }, { 0x00f7, 0x00f7 },
        { 0x2000, 0x2bff }, { 0x3000, 0x303f }, { 0xfe30, 0xfe4f },
        { 0xff00, 0xff0f }, { 0x1f000, 0x1faff },
    };
    for (size_t k = 0; k < sizeof gaps / sizeof *gaps; k++)
        if (cp >= gaps[k][0] && cp <= gaps[k][1])
            return false;
    return true;
}

/* Length of the word character at s, or 0 if s is not in a word. */
static size_t word_char(const char *s)
{
    unsigned char c = (unsigned char)*s;
    if (c < 0x80)
        return isalnum(c) ? 1 : 0;
    unsigned long cp;
    size_t n = utf8_decode((const unsigned char *)s, &cp);
    return word_codepoint(cp) ? n : 0;
}

typedef void (*word_fn)(void *arg, const char *w);

/* Call fn for every word of question that is not a stop word, in order,
 * with ASCII letters in lower case. */
static void for_each_word(const char *question, word_fn fn, void *arg)
{
    cr_buf w = { 0 };
    const char *s = question != NULL ? question : "";
    for (;;) {
        size_t n = *s != '\0' ? word_char(s) : 0;
        if (n > 0) {
            for (size_t k = 0; k < n; k++)
                cr_buf_putc(&w, tolower((unsigned char)s[k]));
        } else if (w.len > 0) {
            if (!stop_word(w.s))
                fn(arg, w.s);
            w.len = 0;
        }
        if (*s == '\0')
            break;
        s += n > 0 ? n : 1;
    }
    cr_buf_free(&w);
}

/* The words of a question that are searched for: its distinct words
 * that are not stop words, in order of first occurrence, each with how
 * many times the question has it.  Only the first MAX_TERMS distinct
 * words count, so that a long question (up to CR_MAX_QUESTION bytes of
 * all different words) costs no more than a long sentence: a query of
 * thousands of terms took FTS5 some 75 million instructions, and each
 * term costs a pass over the quoted section. */
enum { MAX_TERMS = 128 };

typedef struct terms {
    char *w[MAX_TERMS];
    int count[MAX_TERMS];
    int n;
} terms;

static void add_word(void *arg, const char *w)
{
    terms *t = arg;
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->w[i], w) == 0) {
            t->count[i]++;
            return;
        }
    if (t->n < MAX_TERMS) {
        t->w[t->n] = xstrdup(w);
        t->count[t->n++] = 1;
    }
}

/* Fill *t with the terms of question; terms_free frees them. */
static void terms_of(const char *question, terms *t)
{
    t->n = 0;
    for_each_word(question, add_word, t);
}

static void terms_free(terms *t)
{
    for (int i = 0; i < t->n; i++)
        free(t->w[i]);
    t->n = 0;
}

/* The FTS5 query for question: each term a quoted string, the strings
 * joined with OR; a new string, or NULL if the question has no term. */
static char *build_query(const char *question)
{
    terms t;
    cr_buf q = { 0 };
    terms_of(question, &t);
    for (int i = 0; i < t.n; i++) {
        cr_buf_puts(&q, i > 0 ? " OR \"" : "\"");
        for (const char *w = t.w[i]; *w != '\0'; w++) {
            if (*w == '"')
                cr_buf_putc(&q, '"');
            cr_buf_putc(&q, *w);
        }
        cr_buf_putc(&q, '"');
    }
    terms_free(&t);
    if (q.len == 0) {
        cr_buf_free(&q);
        return NULL;
    }
    return cr_buf_take(&q);
}

/* --- Ranking sections ------------------------------------------------- */

static int exec(cr_index *ix, const char *sql)
{
    return sqlite3_exec(ix->db, sql, NULL, NULL, NULL);
}

static int fill_sections(cr_index *ix)
{
    sqlite3_stmt *st = NULL;
    int rc = exec(ix, sections_sql);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(ix->db, "INSERT INTO sections(rowid, "
                                "heading, text) VALUES(?, ?, ?)", -1, &st,
                                NULL);
    for (int i = 0; rc == SQLITE_OK && i < ix->nsec; i++) {
        sqlite3_bind_int64(st, 1, i + 1);
        sqlite3_bind_text(st, 2, cr_corpus_heading(ix->c, i), -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(st, 3, cr_corpus_text(ix->c, i), -1,
                          SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/* An image is a tag and its NUL, then two parts, each a checksum and a
 * length (8 bytes each, little-endian) and the part: the database, as
 * sqlite3_serialize gives it, and the vocabulary (vocabulary_encode; it
 * may be empty).  The tag names the image's layout, the SQLite build
 * (its source id: the FTS5 format is stable, but an image is not worth
 * trusting across versions, and the tokenizer makes the vocabulary) and
 * the number of sections, which must match for the image to be read.
 * The database is read in place, read-only (nothing writes to the table
 * once it is built), so the index keeps the image until it is freed.
 * The checksums catch accidents, not an image made to deceive: every
 * length and number is checked as well. */

const char *cr_index_format(void)
{
    static char format[160];
    if (format[0] == '\0')
        snprintf(format, sizeof format, "image %d; SQLite %s", IMAGE_LAYOUT,
                 sqlite3_sourceid());
    return format;
}

/* Little-endian integers into an image (cr_get64 reads them back). */
static void put_le(cr_buf *b, uint64_t v, int n)
{
    for (int k = 0; k < n; k++)
        cr_buf_putc(b, (char)(unsigned char)(v >> 8 * k));
}

/* A new string. */
static char *image_tag(const cr_index *ix)
{
    return xasprintf("crossroads sections: %d; %s", ix->nsec,
                     cr_index_format());
}

/* Part k of ix's image (0, the database; 1, the vocabulary) in *p and
 * *n, once its length and checksum hold: see cr_index_image. */
static bool image_part(const cr_index *ix, int k, unsigned char **p,
                       size_t *n)
{
    char *tag = image_tag(ix);
    size_t at = strlen(tag) + 1;
    bool ok = ix->nimage >= at && memcmp(ix->image, tag, at) == 0;
    free(tag);
    for (int i = 0; ok && i <= k; i++) {
        ok = ix->nimage - at >= 16;
        if (!ok)
            break;
        uint64_t sum = cr_get64(ix->image + at);
        uint64_t len = cr_get64(ix->image + at + 8);
        at += 16;
        ok = len <= ix->nimage - at;
        if (ok && i == k) {
            *p = ix->image + at;
            *n = (size_t)len;
            ok = sum == cr_checksum(*p, *n);
        }
        at += ok ? (size_t)len : 0;
    }
    return ok;
}


/* Open the database of ix->image as the main schema: SQLITE_OK, or an
 * error if it is not one this SQLite made for an index of as many
 * sections, or is damaged. */
static int open_image(cr_index *ix)
{
    unsigned char *db;
    size_t n;
    if (!image_part(ix, 0, &db, &n) || n == 0)
        return SQLITE_CORRUPT;
    return sqlite3_deserialize(ix->db, "main", db, (sqlite3_int64)n,
                               (sqlite3_int64)n, SQLITE_DESERIALIZE_READONLY);
}

/* Build the sections table from the corpus (in one transaction, all or
 * nothing) and prepare the ranking statement; in a new empty database
 * if fresh (when an image left the old one in a state not to trust). */
static int build(cr_index *ix, bool fresh)
{
    int rc = SQLITE_OK;
    if (fresh) {
        sqlite3_finalize(ix->rank);
        ix->rank = NULL;
        rc = sqlite3_deserialize(ix->db, "main", NULL, 0, 0,
                                 SQLITE_DESERIALIZE_FREEONCLOSE
                                 | SQLITE_DESERIALIZE_RESIZEABLE);
        drop_image(ix);         /* nothing reads it any more */
    }
    if (rc == SQLITE_OK)
        rc = exec(ix, "BEGIN");
    if (rc == SQLITE_OK)
        rc = fill_sections(ix);
    if (rc == SQLITE_OK)
        rc = exec(ix, "COMMIT");
    if (rc != SQLITE_OK)
        exec(ix, "ROLLBACK");
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(ix->db, rank_sql, -1, &ix->rank, NULL);
    return rc;
}

/* Whether the in-memory database is open, opening it on first need.
 * Opening fails only when memory runs out: what needs it then fails
 * for good, as a build that runs out of memory does. */
static bool db_open(cr_index *ix)
{
    if (ix->db == NULL && !ix->db_failed) {
        ix->db_failed = sqlite3_open_v2(":memory:", &ix->db,
                                        SQLITE_OPEN_READWRITE |
                                        SQLITE_OPEN_CREATE |
                                        SQLITE_OPEN_MEMORY |
                                        SQLITE_OPEN_NOMUTEX, NULL)
                        != SQLITE_OK;
        if (ix->db_failed) {
            sqlite3_close(ix->db);
            ix->db = NULL;
        }
    }
    return ix->db != NULL;
}

/* Whether the sections table is there, building it or opening it from
 * the image on first need.  A failure to build is for good: ranking then
 * finds nothing. */
static bool ranking(cr_index *ix)
{
    if (ix->ranking != NOT_BUILT)
        return ix->ranking == READY;
    if (!db_open(ix)) {
        ix->ranking = FAILED;
        return false;
    }
    int rc = SQLITE_ERROR;
    if (ix->image != NULL) {
        rc = open_image(ix);
        if (rc == SQLITE_OK)
            rc = sqlite3_prepare_v2(ix->db, rank_sql, -1, &ix->rank, NULL);
        ix->untried = rc == SQLITE_OK;
    }
    if (rc != SQLITE_OK)
        rc = build(ix, ix->image != NULL);
    ix->ranking = rc == SQLITE_OK ? READY : FAILED;
    return ix->ranking == READY;
}

/* Run the ranking statement for FTS5 query q; fills up to n hits and
 * returns how many, with SQLite's status in *rc (a rowid that is not a
 * section's is corruption). */
static int query(cr_index *ix, const char *q, cr_hit *hits, int n, int *rc)
{
    sqlite3_stmt *st = ix->rank;
    sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, n);
    int k = 0;
    *rc = SQLITE_DONE;
    while (k < n && (*rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_int64 row = sqlite3_column_int64(st, 0);
        if (row < 1 || row > ix->nsec) {
            *rc = SQLITE_CORRUPT;
            break;
        }
        hits[k].section = (int)row - 1;
        hits[k].score = -sqlite3_column_double(st, 1);
        k++;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return k;
}

int cr_index_rank(cr_index *ix, const char *question, cr_hit *hits, int n)
{
    if (ix == NULL || n <= 0)
        return 0;
    char *q = build_query(question);
    if (q == NULL || !ranking(ix)) {
        free(q);
        return 0;
    }
    int rc, k = query(ix, q, hits, n, &rc);
    if (ix->untried && rc != SQLITE_ROW && rc != SQLITE_DONE) {
        /* The image's first query failed: build the table after all. */
        ix->ranking = build(ix, true) == SQLITE_OK ? READY : FAILED;
        k = ix->ranking == READY ? query(ix, q, hits, n, &rc) : 0;
    }
    ix->untried = false;
    free(q);
    return k;
}

/* Part of an image: its checksum and length (8 bytes each), then it. */
static void put_part(cr_buf *b, const void *part, size_t n)
{
    put_le(b, cr_checksum(part, n), 8);
    put_le(b, n, 8);
    cr_buf_putn(b, part, n);
}

unsigned char *cr_index_image(cr_index *ix, size_t *len)
{
    if (ix == NULL || !ranking(ix))
        return NULL;
    sqlite3_int64 n = 0;
    unsigned char *db = sqlite3_serialize(ix->db, "main", &n, 0);
    if (db == NULL || n <= 0) {
        sqlite3_free(db);
        return NULL;
    }
    cr_buf b = {0}, voc = {0};
    char *tag = image_tag(ix);
    cr_buf_putn(&b, tag, strlen(tag) + 1);
    free(tag);
    put_part(&b, db, (size_t)n);
    sqlite3_free(db);
    if (vocabulary_ready(ix))
        vocabulary_encode(ix, &voc);
    put_part(&b, voc.s ? voc.s : "", voc.len);
    cr_buf_free(&voc);
    *len = b.len;
    return (unsigned char *)cr_buf_take(&b);
}

void cr_index_set_image(cr_index *ix, unsigned char *image, size_t len)
{
    if (ix == NULL || ix->ranking != NOT_BUILT) {
        free(image);
        return;
    }
    drop_image(ix);
    ix->image = image;
    ix->nimage = len;
}

void cr_index_set_image_mapped(cr_index *ix, void *map, size_t maplen,
                               unsigned char *image, size_t len)
{
    if (ix == NULL || ix->ranking != NOT_BUILT) {
        munmap(map, maplen);
        return;
    }
    drop_image(ix);
    ix->image = image;
    ix->nimage = len;
    ix->map = map;
    ix->maplen = maplen;
}

/* --- Tokens --------------------------------------------------------------- */

/* Whether the tokenizer is there, finding it on first need. */
static bool tokenizer(cr_index *ix)
{
    if (ix->tokenizing != NOT_BUILT)
        return ix->tokenizing == READY;
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    if (db_open(ix) &&
        sqlite3_prepare_v2(ix->db, "SELECT fts5(?1)", -1, &st, NULL)
        == SQLITE_OK) {
        sqlite3_bind_pointer(st, 1, &api, "fts5_api_ptr", NULL);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    void *ctx = NULL;
    bool ok = api != NULL
        && api->xFindTokenizer(api, "porter", &ctx, &ix->tokenizer)
           == SQLITE_OK
        && ix->tokenizer.xCreate(ctx, tokenizer_args,
                                 (int)(sizeof tokenizer_args
                                       / sizeof *tokenizer_args),
                                 &ix->tok) == SQLITE_OK;
    ix->tokenizing = ok ? READY : FAILED;
    return ok;
}

typedef int (*token_fn)(void *arg, int flags, const char *s, int n,
                        int start, int end);

static int tokenize(cr_index *ix, int flags, const char *s, size_t n,
                    token_fn fn, void *arg)
{
    return ix->tokenizer.xTokenize(ix->tok, arg, flags, s, (int)n, fn);
}

static unsigned hash(const char *s, size_t n)
{
    return cr_hash32(s, n);
}

/* The slot of token s (n bytes) in v's hash table: where its id is, or
 * the free slot where it would go. */
static int slot_of(const vocabulary *v, const char *s, size_t n)
{
    int mask = v->nslot - 1, k = (int)(hash(s, n) & (unsigned)mask);
    while (v->slot[k] >= 0) {
        int id = v->slot[k];
        if (v->len[id] == n && memcmp(v->text.s + v->off[id], s, n) == 0)
            break;
        k = (k + 1) & mask;
    }
    return k;
}

/* The id of token s (n bytes), -1 if no sentence has it. */
static int token_id(const vocabulary *v, const char *s, size_t n)
{
    return v->nslot > 0 ? v->slot[slot_of(v, s, n)] : -1;
}

/* Double the hash table (which is at most half full). */
static void grow_slots(vocabulary *v)
{
    free(v->slot);
    v->nslot = v->nslot > 0 ? 2 * v->nslot : 1024;
    v->slot = xmalloc((size_t)v->nslot * sizeof *v->slot);
    memset(v->slot, 0xff, (size_t)v->nslot * sizeof *v->slot);
    for (int id = 0; id < v->nid; id++)
        v->slot[slot_of(v, v->text.s + v->off[id], v->len[id])] = id;
}

/* The id of token s (n bytes), adding it if it is new. */
static int intern(vocabulary *v, const char *s, size_t n)
{
    if (2 * (v->nid + 1) > v->nslot)
        grow_slots(v);
    int k = slot_of(v, s, n);
    if (v->slot[k] >= 0)
        return v->slot[k];
    if (v->nid == v->capid) {
        v->capid = v->capid > 0 ? 2 * v->capid : 512;
        v->off = xreallocarray(v->off, (size_t)v->capid, sizeof *v->off);
        v->len = xreallocarray(v->len, (size_t)v->capid, sizeof *v->len);
    }
    v->off[v->nid] = v->text.len;
    v->len[v->nid] = n;
    cr_buf_putn(&v->text, s, n);
    v->slot[k] = v->nid;
    return v->nid++;
}

/* A synonym (FTS5_TOKEN_COLOCATED) takes no position in FTS5, and porter
 * makes none; so tokens with that flag are skipped here. */
static int add_token(void *arg, int flags, const char *s, int n, int start,
                     int end)
{
    vocabulary *v = arg;
    (void)start, (void)end;
    if (flags & FTS5_TOKEN_COLOCATED)
        return SQLITE_OK;
    int id = intern(v, s, (size_t)n);
    if (v->ntok == v->captok) {
        v->captok = v->captok > 0 ? 2 * v->captok : 4096;
        v->tok = xreallocarray(v->tok, (size_t)v->captok, sizeof *v->tok);
    }
    v->tok[v->ntok++] = id;
    return SQLITE_OK;
}

static void vocabulary_free(vocabulary *v)
{
    free(v->first);
    free(v->tok);
    free(v->df);
    free(v->slot);
    free(v->off);
    free(v->len);
    cr_buf_free(&v->text);
}

/* --- Quoting ---------------------------------------------------------- */

static int add_span(void *arg, const char *s, size_t n)
{
    sentlist *q = arg;
    q->sent = xreallocarray(q->sent, (size_t)q->nsent + 1, sizeof *q->sent);
    q->sent[q->nsent++] = (span){ s, n };
    return 0;
}

/* The sentences of section sec, cut on first need. */
static sentlist *sentences(cr_index *ix, int sec)
{
    sentlist *q = &ix->q[sec];
    if (!q->split) {
        split_sentences(cr_corpus_text(ix->c, sec), add_span, q);
        q->split = true;
    }
    return q;
}

/* Tokenize the sentences of the whole corpus. */
static int fill_vocabulary(cr_index *ix, vocabulary *v)
{
    if (!tokenizer(ix))
        return SQLITE_ERROR;
    for (int sec = 0; sec < ix->nsec; sec++) {
        sentlist *q = sentences(ix, sec);
        q->first = v->nsent;
        v->nsent += q->nsent;
    }
    v->first = xcalloc((size_t)v->nsent + 1, sizeof *v->first);
    int rc = SQLITE_OK, j = 0;
    for (int sec = 0; rc == SQLITE_OK && sec < ix->nsec; sec++) {
        const sentlist *q = &ix->q[sec];
        for (int i = 0; rc == SQLITE_OK && i < q->nsent; i++) {
            v->first[j++] = v->ntok;
            rc = tokenize(ix, FTS5_TOKENIZE_DOCUMENT, q->sent[i].s,
                          q->sent[i].n, add_token, v);
        }
    }
    v->first[v->nsent] = v->ntok;
    if (rc != SQLITE_OK)
        return rc;
    /* df: seen[id] is the last sentence counted for id, plus one. */
    v->df = xcalloc((size_t)v->nid + 1, sizeof *v->df);
    int *seen = xcalloc((size_t)v->nid + 1, sizeof *seen);
    for (j = 0; j < v->nsent; j++)
        for (int t = v->first[j]; t < v->first[j + 1]; t++)
            if (seen[v->tok[t]] != j + 1) {
                seen[v->tok[t]] = j + 1;
                v->df[v->tok[t]]++;
            }
    free(seen);
    return SQLITE_OK;
}

/* The vocabulary in an image, as 32-bit little-endian numbers: nsec,
 * then each section's first sentence (nsec + 1, the last nsent), then
 * each sentence's first token (nsent + 1, the last ntok), then the
 * tokens, then nid and each id's df, then each id's offset in the text
 * (nid + 1, the last the text's length), then the text. */
static void put_ints(cr_buf *b, const int *a, int n)
{
    for (int i = 0; i < n; i++)
        put_le(b, (uint64_t)a[i], 4);
}

static void vocabulary_encode(const cr_index *ix, cr_buf *b)
{
    const vocabulary *v = &ix->v;
    put_le(b, (uint64_t)ix->nsec, 4);
    for (int sec = 0; sec < ix->nsec; sec++)
        put_le(b, (uint64_t)ix->q[sec].first, 4);
    put_le(b, (uint64_t)v->nsent, 4);
    put_ints(b, v->first, v->nsent + 1);
    put_ints(b, v->tok, v->ntok);
    put_le(b, (uint64_t)v->nid, 4);
    put_ints(b, v->df, v->nid);
    for (int id = 0; id < v->nid; id++)
        put_le(b, v->off[id], 4);
    put_le(b, v->text.len, 4);
    cr_buf_putn(b, v->text.s, v->text.len);
}

/* Reading it: every count is checked against what is left, and every
 * list must rise from 0 to the count that ends it, so a damaged image is
 * refused before anything indexes with it. */
typedef struct reader {
    const unsigned char *p;
    size_t n;
    bool ok;
} reader;

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static int get_int(reader *r)
{
    if (!r->ok || r->n < 4 || get32(r->p) > INT32_MAX)
        return r->ok = false, 0;
    int v = (int)get32(r->p);
    r->p += 4, r->n -= 4;
    return v;
}

/* n numbers, each checked by ok(prev, v, limit), into a new array of
 * n + 1: the tables are long (a number a token), so in one loop. */
static int *get_ints(reader *r, int n, int limit, bool rising)
{
    if (!r->ok || n < 0 || (size_t)n > r->n / 4)
        return r->ok = false, NULL;
    int *a = xcalloc((size_t)n + 1, sizeof *a);
    uint32_t prev = 0;
    bool ok = true;
    for (int i = 0; i < n; i++) {
        uint32_t v = get32(r->p + 4 * (size_t)i);
        ok &= rising ? v >= prev && v <= INT32_MAX : v < (uint32_t)limit;
        a[i] = (int)(v & INT32_MAX);
        prev = v;
    }
    r->p += 4 * (size_t)n, r->n -= 4 * (size_t)n;
    r->ok = ok;
    return a;
}

/* n + 1 numbers rising from 0. */
static int *get_rising(reader *r, int n)
{
    int *a = get_ints(r, n + 1, 0, true);
    r->ok = r->ok && a[0] == 0;
    return a;
}

/* n numbers below limit. */
static int *get_below(reader *r, int n, int limit)
{
    return get_ints(r, n, limit, false);
}

static bool vocabulary_decode(cr_index *ix, const unsigned char *p,
                              size_t n)
{
    vocabulary *v = &ix->v;
    reader r = {p, n, true};
    int nsec = get_int(&r);
    int *secfirst = r.ok && nsec == ix->nsec ? get_rising(&r, nsec)
                                              : NULL;
    r.ok = r.ok && secfirst != NULL;
    v->nsent = r.ok ? secfirst[nsec] : 0;
    r.ok = r.ok && v->nsent > 0;
    v->first = get_rising(&r, v->nsent);
    v->ntok = r.ok ? v->first[v->nsent] : 0;
    uint64_t ids = r.ok && (size_t)v->ntok < r.n / 4
                   ? get32(r.p + 4 * (size_t)v->ntok) : UINT64_MAX;
    int nid = ids <= INT32_MAX ? (int)ids : -1;
    v->tok = r.ok && nid >= 0 ? get_below(&r, v->ntok, nid) : NULL;
    r.ok = r.ok && v->tok != NULL && get_int(&r) == nid;
    v->df = get_below(&r, nid, v->nsent + 1);
    int *off = get_rising(&r, nid);
    r.ok = r.ok && (size_t)off[nid] == r.n;
    if (r.ok) {
        v->captok = v->ntok;
        cr_buf_putn(&v->text, (const char *)r.p, r.n);
        v->off = xcalloc((size_t)nid + 1, sizeof *v->off);
        v->len = xcalloc((size_t)nid + 1, sizeof *v->len);
        v->nid = v->capid = nid;
        for (int id = 0; id < nid; id++) {
            v->off[id] = (size_t)off[id];
            v->len[id] = (size_t)(off[id + 1] - off[id]);
        }
        v->nslot = 512;
        while (v->nslot <= 2 * nid)
            v->nslot *= 2;
        v->nslot /= 2;
        grow_slots(v);
        for (int sec = 0; sec < nsec; sec++) {
            ix->q[sec].first = secfirst[sec];
            ix->q[sec].imaged = secfirst[sec + 1] - secfirst[sec];
        }
    }
    free(secfirst);
    free(off);
    if (!r.ok) {
        vocabulary_free(v);
        memset(v, 0, sizeof *v);
    }
    return r.ok;
}

/* Whether the corpus is tokenized, doing it on first need: from the
 * image if it has a vocabulary that holds, else with the tokenizer. */
static bool vocabulary_ready(cr_index *ix)
{
    vocabulary *v = &ix->v;
    if (v->state == NOT_BUILT) {
        unsigned char *p;
        size_t n;
        bool ok = ix->image != NULL && image_part(ix, 1, &p, &n) && n > 0 &&
                  vocabulary_decode(ix, p, n);
        if (!ok)
            ok = fill_vocabulary(ix, v) == SQLITE_OK;
        v->state = ok ? READY : FAILED;
    }
    return v->state == READY;
}

/* The phrases of a question as token ids, -1 for a token no sentence
 * has: phrase k is tok[first[k] .. first[k + 1]), and the question has
 * it count[k] times. */
typedef struct phrases {
    cr_index *ix;
    int *tok, ntok, *first, *count, n;
} phrases;

static int add_query_token(void *arg, int flags, const char *s, int n,
                           int start, int end)
{
    phrases *p = arg;
    (void)start, (void)end;
    if (flags & FTS5_TOKEN_COLOCATED)
        return SQLITE_OK;
    p->tok = xreallocarray(p->tok, (size_t)p->ntok + 1, sizeof *p->tok);
    p->tok[p->ntok++] = token_id(&p->ix->v, s, (size_t)n);
    return SQLITE_OK;
}

/* The phrase of the question's word w: one token, its stem, for a word
 * of ASCII letters and digits (unicode61 keeps it whole); FTS5's
 * tokenizer's for any other. */
static void add_phrase(phrases *p, const char *w, int count)
{
    int before = p->ntok;
    size_t n = strlen(w);
    if (cr_porter_word(w, n)) {
        char stem[CR_PORTER_MAX + 1];
        if (n <= CR_PORTER_MAX)
            add_query_token(p, 0, stem, (int)cr_porter_stem(w, n, stem), 0,
                            0);
        else
            add_query_token(p, 0, w, (int)n, 0, 0);
    } else if (!tokenizer(p->ix) ||
               tokenize(p->ix, FTS5_TOKENIZE_QUERY, w, n, add_query_token,
                        p) != SQLITE_OK || p->ntok == before) {
        p->ntok = before;       /* a phrase without tokens matches nothing */
        return;
    }
    p->first = xreallocarray(p->first, (size_t)p->n + 2, sizeof *p->first);
    p->count = xreallocarray(p->count, (size_t)p->n + 1, sizeof *p->count);
    p->first[p->n] = before;
    p->count[p->n] = count;
    p->first[++p->n] = p->ntok;
}

/* How many times phrase k of p occurs in sentence j of v. */
static int occurrences(const vocabulary *v, int j, const phrases *p, int k)
{
    const int *ph = p->tok + p->first[k];
    int len = p->first[k + 1] - p->first[k], n = 0;
    for (int t = v->first[j]; t + len <= v->first[j + 1]; t++) {
        int i = 0;
        while (i < len && v->tok[t + i] == ph[i])
            i++;
        n += i == len;
    }
    return n;
}

/* In how many sentences of v phrase k of p occurs. */
static int sentences_with(const vocabulary *v, const phrases *p, int k)
{
    const int *ph = p->tok + p->first[k];
    int len = p->first[k + 1] - p->first[k], n = 0;
    for (int i = 0; i < len; i++)
        if (ph[i] < 0)
            return 0;
    if (len == 1)
        return v->df[ph[0]];
    for (int j = 0; j < v->nsent; j++)
        n += occurrences(v, j, p, k) > 0;
    return n;
}

/* Of sentences lo .. hi - 1 of v, the one that best matches p by FTS5's
 * bm25 (sqlite's ext/fts5/fts5_aux.c: the same constants and order of
 * operations) over all of v's sentences, the earliest on a tie; -1 if
 * none holds a phrase of p.  A phrase the question has twice counts
 * twice, as it would in an FTS5 query that names it twice. */
static int bm25_best(const vocabulary *v, int lo, int hi, const phrases *p,
                     const double *idf)
{
    const double k1 = 1.2, b = 0.75;
    int np = p->n, best = -1;
    double best_score = 0.0;
    int *freq = xcalloc((size_t)np, sizeof *freq);
    double avgdl = (double)v->ntok / (double)v->nsent;
    /* The tokens of the phrases of one token, marked, so that a sentence
     * is read once for all of them instead of once for each. */
    unsigned char *mark = xcalloc((size_t)v->nid / 8 + 1, 1);
    for (int k = 0; k < np; k++) {
        int t = p->tok[p->first[k]];
        if (p->first[k + 1] - p->first[k] == 1 && t >= 0)
            mark[t / 8] |= (unsigned char)(1u << t % 8);
    }
    for (int j = lo; j < hi; j++) {
        bool match = false;
        for (int k = 0; k < np; k++)
            freq[k] = p->first[k + 1] - p->first[k] == 1
                          ? 0 : occurrences(v, j, p, k);
        for (int t = v->first[j]; t < v->first[j + 1]; t++) {
            int id = v->tok[t];
            if (id < 0 || !(mark[id / 8] & 1u << id % 8))
                continue;
            for (int k = 0; k < np; k++)
                freq[k] += p->first[k + 1] - p->first[k] == 1 &&
                           p->tok[p->first[k]] == id;
        }
        for (int k = 0; k < np; k++)
            match = match || freq[k] > 0;
        if (!match)
            continue;
        double d = v->first[j + 1] - v->first[j], score = 0.0;
        for (int k = 0; k < np; k++)
            score += p->count[k] * (idf[k] * ((freq[k] * (k1 + 1.0))
                               / (freq[k] + k1 * (1 - b + b * d / avgdl))));
        if (best < 0 || score > best_score)
            best = j, best_score = score;
    }
    free(mark);
    free(freq);
    return best;
}

/* The phrases of a question with their idf (bm25's weight, which
 * depends on all the sentences, not on a section's): a turn quotes two
 * or three sections for the same question, and the second and third
 * need not find them again. */
typedef struct asked {
    char *question;
    phrases p;
    double *idf;
} asked;

static void forget_asked(cr_index *ix)
{
    asked *a = ix->asked;
    if (a == NULL)
        return;
    free(a->question);
    free(a->p.tok);
    free(a->p.first);
    free(a->p.count);
    free(a->idf);
    free(a);
    ix->asked = NULL;
}

/* Whether q's sentences are the ones the vocabulary counted.  A section
 * cut into other sentences than an image's vocabulary says (the cutting
 * changed, not the essay) puts the image in doubt: the vocabulary is
 * then made again from the corpus. */
static bool fits(cr_index *ix, const sentlist *q)
{
    if (q->imaged < 0 || q->imaged == q->nsent)
        return true;
    vocabulary_free(&ix->v);
    forget_asked(ix);           /* its token ids were the old vocabulary's */
    memset(&ix->v, 0, sizeof ix->v);
    for (int sec = 0; sec < ix->nsec; sec++)
        ix->q[sec].imaged = -1;
    ix->v.state = fill_vocabulary(ix, &ix->v) == SQLITE_OK ? READY : FAILED;
    return ix->v.state == READY;
}

/* What question asks, for q: the last question's phrases if it is the
 * same, else found now; NULL if it has no terms, or the vocabulary
 * cannot be had. */
static const asked *phrases_of(cr_index *ix, sentlist *q, const char *question)
{
    if (ix->asked && strcmp(ix->asked->question, question) == 0 &&
        fits(ix, q) && ix->asked)       /* fits() may forget them */
        return ix->asked;
    terms t;
    asked *a = NULL;
    terms_of(question, &t);     /* a question without any needs no tokens */
    if (t.n > 0 && vocabulary_ready(ix) && fits(ix, q)) {
        forget_asked(ix);
        a = xcalloc(1, sizeof *a);
        a->question = xstrdup(question);
        a->p.ix = ix;
        for (int i = 0; i < t.n; i++)
            add_phrase(&a->p, t.w[i], t.count[i]);
        a->idf = xcalloc((size_t)a->p.n + 1, sizeof *a->idf);
        const vocabulary *v = &ix->v;
        for (int k = 0; k < a->p.n; k++) {
            int n = sentences_with(v, &a->p, k);
            a->idf[k] = log((v->nsent - n + 0.5) / (n + 0.5));
            if (a->idf[k] <= 0.0)
                a->idf[k] = 1e-6;
        }
        ix->asked = a;
    }
    terms_free(&t);
    return a;
}

/* The position of the sentence of q that best matches question, or 0 if
 * none does. */
static int best_sentence(cr_index *ix, sentlist *q, const char *question)
{
    if (q->nsent < 2)
        return 0;
    const asked *a = phrases_of(ix, q, question);
    int best = a && a->p.n > 0
                   ? bm25_best(&ix->v, q->first, q->first + q->nsent, &a->p,
                               a->idf)
                   : -1;
    return best >= 0 ? best - q->first : 0;
}

static void append_sentence(const sentlist *q, int pos, cr_buf *b)
{
    if (b->len > 0)
        cr_buf_putc(b, ' ');
    cr_buf_putn(b, q->sent[pos].s, q->sent[pos].n);
}

/* --- The index ------------------------------------------------------------ */

cr_index *cr_index_new(const cr_corpus *c)
{
    cr_index *ix = xcalloc(1, sizeof *ix);
    ix->c = c;
    ix->nsec = cr_corpus_count(c);
    ix->q = xcalloc((size_t)ix->nsec + 1, sizeof *ix->q);
    for (int sec = 0; sec < ix->nsec; sec++)
        ix->q[sec].imaged = -1;
    return ix;
}

int cr_index_has_image(const cr_index *ix)
{
    return ix->image != NULL;
}

void cr_index_free(cr_index *ix)
{
    if (ix == NULL)
        return;
    for (int i = 0; i < ix->nsec; i++)
        free(ix->q[i].sent);
    vocabulary_free(&ix->v);
    forget_asked(ix);
    free(ix->q);
    if (ix->tok != NULL)
        ix->tokenizer.xDelete(ix->tok);
    sqlite3_finalize(ix->rank);
    sqlite3_close(ix->db);
    drop_image(ix);             /* after the database that reads it */
    free(ix);
}

/* Cut b to at most QUOTE_MAX bytes, at a word if there is one in the
 * second half, ending in "…". */
static void cap(cr_buf *b)
{
    static const char ellipsis[] = "\u2026";
    if (b->len <= QUOTE_MAX)
        return;
    size_t cut = QUOTE_MAX - (sizeof ellipsis - 1);
    size_t sp = cut;
    while (sp > QUOTE_MAX / 2 && b->s[sp] != ' ')
        sp--;
    if (b->s[sp] == ' ')
        cut = sp;
    while (cut > 0 && ((unsigned char)b->s[cut] & 0xc0) == 0x80)
        cut--;
    while (cut > 0 && strchr(" \t,;:", b->s[cut - 1]) != NULL)
        cut--;
    b->len = cut;
    b->s[cut] = '\0';
    cr_buf_puts(b, ellipsis);
}

char *cr_index_quote(cr_index *ix, int sec, const char *question)
{
    if (ix == NULL || sec < 0 || sec >= ix->nsec)
        return xstrdup("");
    sentlist *q = sentences(ix, sec);
    if (q->nsent == 0)
        return xstrdup("");
    int pos = best_sentence(ix, q, question);
    cr_buf b = { 0 };
    append_sentence(q, pos, &b);
    if (b.len < QUOTE_SHORT && pos + 1 < q->nsent)
        append_sentence(q, pos + 1, &b);
    cap(&b);
    return cr_buf_take(&b);
}
