/* retrieval.c - full-text search over the essay (SQLite FTS5, in memory).
 *
 * The index is a private in-memory database with two FTS5 tables, both
 * with the porter tokenizer.  `sections` (heading, text) has the section
 * index plus one as rowid; it is contentless, since the corpus keeps the
 * text and ranking needs only rowids and bm25.  `sentences` (section,
 * position, text) numbers every sentence of the corpus from 1 in document
 * order, so the sentences of section i are the rowids first[i] ..
 * first[i + 1] - 1: "the sentences of this section" is a rowid range,
 * which FTS5 answers without a scan, and "the next sentence" is rowid + 1.
 * bm25's statistics come from all the sentences of the corpus, so a word
 * common everywhere weighs little even in a short section.  Everything is
 * inserted in one transaction with prepared statements, because the index
 * is built on every run of the program.
 *
 * Sentences are cut from a section's plain text at newlines (paragraphs
 * and list items, whose "- " or "1. " marker goes) and after `.`, `?` or
 * `!`, with any closing quotes or brackets, when whitespace and then an
 * uppercase letter, a digit or an opening quote follow; not after
 * abbreviations such as "e.g." or "vs.".
 *
 * A question is never handed to FTS5 as query syntax: it is cut into
 * words of letters and digits, stop words go, and each remaining word
 * becomes a quoted FTS5 string; the strings are joined with OR and bm25
 * does the ranking. */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "retrieval.h"
#include "xmalloc.h"

/* A best sentence shorter than this gets the next one appended; a quote
 * longer than the maximum (in bytes) is cut at a word and ends in "…". */
enum { QUOTE_SHORT = 120, QUOTE_MAX = 320 };

struct cr_index {
    sqlite3 *db;
    int nsec;
    sqlite3_int64 *first;       /* nsec + 1 rowids, see above */
    sqlite3_stmt *rank;         /* sections for a query, best first */
    sqlite3_stmt *best;         /* the best sentence in a rowid range */
    sqlite3_stmt *text;         /* a sentence's text by rowid */
};

#define TOKENIZE "tokenize='porter unicode61 remove_diacritics 2'"

static const char schema[] =
    "CREATE VIRTUAL TABLE sections USING fts5(heading, text, content='', "
    TOKENIZE ");"
    "CREATE VIRTUAL TABLE sentences USING fts5(section UNINDEXED, "
    "position UNINDEXED, text, " TOKENIZE ");";

/* Headings weigh twice as much as body text. */
static const char rank_sql[] =
    "SELECT rowid, bm25(sections, 2.0, 1.0) AS score FROM sections "
    "WHERE sections MATCH ?1 ORDER BY score LIMIT ?2";
static const char best_sql[] =
    "SELECT rowid FROM sentences WHERE sentences MATCH ?1 "
    "AND rowid BETWEEN ?2 AND ?3 ORDER BY rank LIMIT 1";
static const char text_sql[] = "SELECT text FROM sentences WHERE rowid = ?1";

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

/* --- Building the index ------------------------------------------------ */

struct filler {
    sqlite3_stmt *section, *sentence;
    int sec, pos;
    sqlite3_int64 row;          /* rowid of the last sentence inserted */
};

static int step_reset(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int add_sentence(void *arg, const char *s, size_t n)
{
    struct filler *f = arg;
    sqlite3_stmt *st = f->sentence;
    sqlite3_bind_int64(st, 1, f->row + 1);
    sqlite3_bind_int(st, 2, f->sec);
    sqlite3_bind_int(st, 3, f->pos);
    sqlite3_bind_text(st, 4, s, (int)n, SQLITE_STATIC);
    int rc = step_reset(st);
    if (rc == SQLITE_OK)
        f->row++, f->pos++;
    return rc;
}

static int add_section(cr_index *ix, const cr_corpus *c, struct filler *f)
{
    const char *text = cr_corpus_text(c, f->sec);
    sqlite3_stmt *st = f->section;
    sqlite3_bind_int64(st, 1, f->sec + 1);
    sqlite3_bind_text(st, 2, cr_corpus_heading(c, f->sec), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
    int rc = step_reset(st);
    ix->first[f->sec] = f->row + 1;
    f->pos = 0;
    return rc != SQLITE_OK ? rc : split_sentences(text, add_sentence, f);
}

static int fill(cr_index *ix, const cr_corpus *c)
{
    struct filler f = { NULL, NULL, 0, 0, 0 };
    int rc = sqlite3_prepare_v2(ix->db, "INSERT INTO sections(rowid, "
                                "heading, text) VALUES(?, ?, ?)", -1,
                                &f.section, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(ix->db, "INSERT INTO sentences(rowid, "
                                "section, position, text) "
                                "VALUES(?, ?, ?, ?)", -1, &f.sentence, NULL);
    for (; rc == SQLITE_OK && f.sec < ix->nsec; f.sec++)
        rc = add_section(ix, c, &f);
    ix->first[ix->nsec] = f.row + 1;
    sqlite3_finalize(f.section);
    sqlite3_finalize(f.sentence);
    return rc;
}

static int build(cr_index *ix, const cr_corpus *c)
{
    int rc = sqlite3_open_v2(":memory:", &ix->db, SQLITE_OPEN_READWRITE
                             | SQLITE_OPEN_CREATE | SQLITE_OPEN_MEMORY
                             | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(ix->db, schema, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(ix->db, "BEGIN", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = fill(ix, c);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(ix->db, "COMMIT", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(ix->db, rank_sql, -1, &ix->rank, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(ix->db, best_sql, -1, &ix->best, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(ix->db, text_sql, -1, &ix->text, NULL);
    return rc;
}

cr_index *cr_index_new(const cr_corpus *c, char **err)
{
    cr_index *ix = xcalloc(1, sizeof *ix);
    ix->nsec = cr_corpus_count(c);
    ix->first = xcalloc((size_t)ix->nsec + 1, sizeof *ix->first);
    int rc = build(ix, c);
    if (rc == SQLITE_OK)
        return ix;
    if (err != NULL)
        *err = xasprintf("cannot build the search index: %s",
                         ix->db != NULL ? sqlite3_errmsg(ix->db)
                                        : sqlite3_errstr(rc));
    cr_index_free(ix);
    return NULL;
}

void cr_index_free(cr_index *ix)
{
    if (ix == NULL)
        return;
    sqlite3_finalize(ix->rank);
    sqlite3_finalize(ix->best);
    sqlite3_finalize(ix->text);
    sqlite3_close(ix->db);
    free(ix->first);
    free(ix);
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

/* Add word w to query q as a quoted FTS5 string, unless it is a stop
 * word. */
static void add_term(cr_buf *q, const char *w)
{
    if (stop_word(w))
        return;
    cr_buf_puts(q, q->len > 0 ? " OR \"" : "\"");
    for (; *w != '\0'; w++) {
        if (*w == '"')
            cr_buf_putc(q, '"');
        cr_buf_putc(q, *w);
    }
    cr_buf_putc(q, '"');
}

/* The FTS5 query for question: a new string, or NULL if it has no word
 * that is not a stop word. */
static char *build_query(const char *question)
{
    cr_buf q = { 0 }, w = { 0 };
    const char *s = question != NULL ? question : "";
    for (;;) {
        size_t n = *s != '\0' ? word_char(s) : 0;
        if (n > 0) {
            for (size_t k = 0; k < n; k++)
                cr_buf_putc(&w, tolower((unsigned char)s[k]));
        } else if (w.len > 0) {
            add_term(&q, w.s);
            w.len = 0;
        }
        if (*s == '\0')
            break;
        s += n > 0 ? n : 1;
    }
    cr_buf_free(&w);
    if (q.len == 0) {
        cr_buf_free(&q);
        return NULL;
    }
    return cr_buf_take(&q);
}

/* --- Searching ----------------------------------------------------------- */

int cr_index_rank(cr_index *ix, const char *question, cr_hit *hits, int n)
{
    if (ix == NULL || n <= 0)
        return 0;
    char *q = build_query(question);
    if (q == NULL)
        return 0;
    sqlite3_stmt *st = ix->rank;
    sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, n);
    int k = 0;
    while (k < n && sqlite3_step(st) == SQLITE_ROW) {
        hits[k].section = (int)sqlite3_column_int64(st, 0) - 1;
        hits[k].score = -sqlite3_column_double(st, 1);
        k++;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    free(q);
    return k;
}

/* The rowid of the sentence in lo..hi that best matches question, or lo
 * if none does. */
static sqlite3_int64 best_sentence(cr_index *ix, sqlite3_int64 lo,
                                   sqlite3_int64 hi, const char *question)
{
    char *q = build_query(question);
    if (q == NULL)
        return lo;
    sqlite3_stmt *st = ix->best;
    sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, lo);
    sqlite3_bind_int64(st, 3, hi);
    sqlite3_int64 row = lo;
    if (sqlite3_step(st) == SQLITE_ROW)
        row = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    free(q);
    return row;
}

static void append_sentence(cr_index *ix, sqlite3_int64 row, cr_buf *b)
{
    sqlite3_stmt *st = ix->text;
    sqlite3_bind_int64(st, 1, row);
    if (sqlite3_step(st) == SQLITE_ROW) {
        if (b->len > 0)
            cr_buf_putc(b, ' ');
        cr_buf_putn(b, (const char *)sqlite3_column_text(st, 0),
                    (size_t)sqlite3_column_bytes(st, 0));
    }
    sqlite3_reset(st);
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
    if (ix == NULL || sec < 0 || sec >= ix->nsec
        || ix->first[sec] == ix->first[sec + 1])
        return xstrdup("");
    sqlite3_int64 lo = ix->first[sec], hi = ix->first[sec + 1] - 1;
    sqlite3_int64 row = best_sentence(ix, lo, hi, question);
    cr_buf b = { 0 };
    append_sentence(ix, row, &b);
    if (b.len < QUOTE_SHORT && row < hi)
        append_sentence(ix, row + 1, &b);
    cap(&b);
    return cr_buf_take(&b);
}
