/* classify.c - the intent classifier and the spelling corrector (see
 * classify.h).
 *
 * Scoring.  For class c with N_c feature occurrences in its examples,
 * N_cf of them feature f, and V features in all, naive Bayes gives the
 * text the log-likelihood
 *     s_c = sum_f x_f log((N_cf + A) / (N_c + A V))
 *         = L log(A / (N_c + A V)) + sum_{f: N_cf > 0} x_f log(1 + N_cf / A)
 * where x_f is the feature's weight in the text and L the sum of them
 * (features no example has are left out).  The second form walks only
 * the classes that saw each feature.  Priors are uniform: how many
 * examples an author wrote for an intent says nothing of how often it
 * is asked.  The likelihoods become probabilities by a softmax of
 * s_c * SHARPNESS / sqrt(L), so that a long post is not more certain
 * than a short question merely for being long. */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checksum.h"
#include "classify.h"
#include "strmap.h"
#include "words.h"
#include "xmalloc.h"

/* Additive smoothing, and how sharp the probabilities are (the latter
 * chosen with the fusion weights of understand.c, by a grid over the
 * development questions: 1, 2 and 4). */
#define SMOOTHING 0.1
#define SHARPNESS 1.0

/* A word the examples use once may be one of their own typos: it is
 * known (and a correction) only when used twice, or when the essay or a
 * pattern has it (the essay's words count twice; a pattern's are known
 * with a count of 0). */
#define KNOWN 2

/* A class's count of one feature. */
typedef struct cell {
    int cls, count;
} cell;

struct cr_model {
    int nclasses;
    int *intent;                /* class -> intent index */
    int *total;                 /* class -> N_c */
    int *class_of;              /* intent -> class, or -1 */
    int nintents;
    int nfeat;
    char **feat;                /* while training: feature id -> its text */
    uint32_t *key;              /* feature -> the hash of its text, sorted */
    int *start;                 /* feature -> its cells [start[f], start[f+1]) */
    cell *cells;
    int ncells;
    int nwords;                 /* the spelling vocabulary, sorted */
    char **word;
    int *freq;                  /* 0: known, but never a correction */
    unsigned char *typo;        /* word -> 0 not yet known, 1 not rare(),
                                 * 2 rare(): made as words are asked */
    int borrowed;               /* the tables lie in the cache's bytes */
    unsigned char *own;         /* those bytes, when they had to be copied
                                 * to be aligned */
    cr_strmap featmap, wordmap;      /* while training */
};

/* Words and features. */

/* A light stemmer: plurals and the commonest verb endings, enough that
 * "paid"/"pays", "applying"/"applied"/"apply" meet often, never so eager
 * that unrelated words merge. */
static void stem(char *w)
{
    size_t n = strlen(w);
    if (n > 4 && strcmp(w + n - 3, "ies") == 0) {
        strcpy(w + n - 3, "y");
        return;
    }
    if (n > 5 && strcmp(w + n - 3, "ing") == 0) {
        w[n - 3] = '\0';
        return;
    }
    if (n > 4 && strcmp(w + n - 2, "ed") == 0) {
        w[n - 2] = '\0';
        return;
    }
    if (n > 3 && w[n - 1] == 's' && w[n - 2] != 's' && w[n - 2] != 'u' &&
        w[n - 2] != 'i')
        w[n - 1] = '\0';
}

static int word_byte(unsigned char c)
{
    return isalnum(c) || c >= 0x80;
}

/* The next word of text at or after *i: its bytes [*ws, *we), lowercased
 * into w (at most cap - 1 bytes; apostrophes inside are dropped, so
 * "don't" is "dont").  Returns 0 at the end. */
static int next_word(const char *text, size_t len, size_t *i, size_t *ws,
                     size_t *we, char *w, size_t cap)
{
    while (*i < len && !word_byte((unsigned char)text[*i]))
        (*i)++;
    if (*i >= len)
        return 0;
    *ws = *i;
    size_t k = 0;
    while (*i < len && (word_byte((unsigned char)text[*i]) ||
                        (text[*i] == '\'' && *i + 1 < len &&
                         word_byte((unsigned char)text[*i + 1])))) {
        if (text[*i] != '\'' && k + 1 < cap)
            w[k++] = (char)tolower((unsigned char)text[*i]);
        (*i)++;
    }
    *we = *i;
    w[k] = '\0';
    return 1;
}

/* A text's features with their weights, before they are looked up. */
typedef struct bag {
    char **f;
    double *x;
    int n, cap;
    cr_strmap index;                 /* feature -> its place in f */
} bag;

static void bag_add(bag *b, const char *f, double x)
{
    int i = cr_strmap_get(&b->index, f);
    if (i >= 0) {
        b->x[i] += x;
        return;
    }
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 32;
        b->f = xreallocarray(b->f, (size_t)b->cap, sizeof *b->f);
        b->x = xreallocarray(b->x, (size_t)b->cap, sizeof *b->x);
    }
    b->f[b->n] = xstrdup(f);
    b->x[b->n] = x;
    cr_strmap_put(&b->index, b->f[b->n], b->n);
    b->n++;
}

static void bag_free(bag *b)
{
    cr_strmap_free(&b->index);
    for (int i = 0; i < b->n; i++)
        free(b->f[i]);
    free(b->f);
    free(b->x);
}

static double span_weight(const cr_weighted_span *sp, int nsp, size_t at)
{
    for (int i = 0; i < nsp; i++)
        if (at >= sp[i].start && at < sp[i].end)
            return sp[i].weight;
    return 1.0;
}

/* Function words, stemmed and sorted: as unigrams they say more about
 * how an example was written than about what it asks, and leaving them
 * out gained about two points of leave-one-out accuracy and three dev
 * questions.  Bigrams keep them ("should i", "how long"). */
static const char *const stopwords[] = {
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are",
    "as", "at", "be", "because", "been", "being", "but", "by", "can", "could",
    "did", "do", "doe", "dont", "even", "for", "from", "get", "go", "had",
    "has", "have", "he", "her", "his", "how", "i", "id", "if", "im", "in",
    "into", "is", "it", "its", "ive", "just", "like", "many", "me", "more",
    "most", "much", "my", "no", "not", "now", "of", "on", "one", "only", "or",
    "other", "our", "out", "really", "she", "should", "so", "some", "still",
    "than", "that", "the", "their", "them", "then", "there", "these", "they",
    "this", "those", "to", "too", "up", "us", "very", "was", "we", "were",
    "what", "when", "where", "which", "who", "why", "will", "with", "would",
    "you", "your"
};

static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_stopword(const char *w)
{
    return bsearch(&w, stopwords, sizeof stopwords / sizeof *stopwords,
                   sizeof *stopwords, by_string) != NULL;
}

/* Where featurise puts each feature with its weight: into a bag, or
 * straight into the counts of a model being trained. */
typedef void emit_fn(void *to, const char *feature, double x);

static void emit_bag(void *to, const char *feature, double x)
{
    bag_add(to, feature, x);
}

/* The features of text: stems other than function words, and bigrams of
 * stems within a sentence.  (Letter 4-grams of the words were tried as
 * well: two or three points more of leave-one-out accuracy over the
 * examples, but none on the development questions, and short questions
 * lost their footing among a long word's grams.  So were tokens for the
 * concepts a text matches, one per concept: 67.4% to 70.2% of the
 * examples left out, but on the second development set one answer and
 * two declines fewer, a concept being as often a side word as what is
 * asked.  Complement naive Bayes: 60.7%.  Counts scaled so that every
 * class has the same total, which favours the intents with many
 * examples less: 67.7% to 68.7%, one more answer on the second set but
 * two conversations fewer.) */
static void featurise(const char *text, const cr_weighted_span *sp, int nsp,
                      emit_fn *emit, void *to)
{
    size_t len = strlen(text), i = 0, ws, we;
    char w[64], prev[64] = "";
    while (next_word(text, len, &i, &ws, &we, w, sizeof w)) {
        stem(w);
        double x = span_weight(sp, nsp, ws);
        if (!is_stopword(w))
            emit(to, w, x);
        if (prev[0]) {
            char bi[130];
            size_t np = strlen(prev), nw = strlen(w);
            memcpy(bi, prev, np);
            bi[np] = ' ';
            memcpy(bi + np + 1, w, nw + 1);
            emit(to, bi, x);
        }
        strcpy(prev, w);
        if (i < len && strchr(".!?;", text[i]))
            prev[0] = '\0';
    }
}

/* Training. */

static void add_word(cr_model *m, const char *w, int freq)
{
    int i = cr_strmap_get(&m->wordmap, w);
    if (i >= 0) {
        m->freq[i] += freq;
        return;
    }
    if ((m->nwords & (m->nwords - 1)) == 0) {
        size_t cap = m->nwords ? 2 * (size_t)m->nwords : 1;
        m->word = xreallocarray(m->word, cap, sizeof *m->word);
        m->freq = xreallocarray(m->freq, cap, sizeof *m->freq);
    }
    m->word[m->nwords] = xstrdup(w);
    m->freq[m->nwords] = freq;
    cr_strmap_put(&m->wordmap, m->word[m->nwords], m->nwords);
    m->nwords++;
}

/* The words of text into the vocabulary, each freq times. */
static void add_words(cr_model *m, const char *text, int freq)
{
    size_t len = strlen(text), i = 0, ws, we;
    char w[64];
    while (next_word(text, len, &i, &ws, &we, w, sizeof w))
        add_word(m, w, freq);
}

/* The letters of a pattern's source, known but never a correction: a
 * regex escape's letter is not part of a word. */
static void add_pattern_words(cr_model *m, const char *src)
{
    cr_buf b = {0};
    for (const char *p = src; *p; p++) {
        if (*p == '\\' && p[1]) {
            cr_buf_putc(&b, ' ');
            p++;
        } else {
            cr_buf_putc(&b, isalpha((unsigned char)*p) ? *p : ' ');
        }
    }
    add_words(m, b.s ? b.s : "", 0);
    cr_buf_free(&b);
}

/* One feature's cells while training: grown as classes see it. */
typedef struct tcells {
    cell *c;
    int n;
} tcells;

static int feature_id(cr_model *m, tcells **tc, const char *f)
{
    int id = cr_strmap_get(&m->featmap, f);
    if (id >= 0)
        return id;
    if ((m->nfeat & (m->nfeat - 1)) == 0) {
        size_t cap = m->nfeat ? 2 * (size_t)m->nfeat : 1;
        m->feat = xreallocarray(m->feat, cap, sizeof *m->feat);
        *tc = xreallocarray(*tc, cap, sizeof **tc);
    }
    m->feat[m->nfeat] = xstrdup(f);
    (*tc)[m->nfeat] = (tcells){NULL, 0};
    cr_strmap_put(&m->featmap, m->feat[m->nfeat], m->nfeat);
    return m->nfeat++;
}

static void count(tcells *t, int cls, int x)
{
    if (t->n > 0 && t->c[t->n - 1].cls == cls) {   /* classes come in order */
        t->c[t->n - 1].count += x;
        return;
    }
    if ((t->n & (t->n - 1)) == 0)       /* full at 0, 1, 2, 4, 8 ... */
        t->c = xreallocarray(t->c, t->n ? 2 * (size_t)t->n : 1, sizeof *t->c);
    t->c[t->n++] = (cell){cls, x};
}

/* A model being trained, and the class whose examples are counted. */
typedef struct trainer {
    cr_model *m;
    tcells *tc;
    int cls;
} trainer;

static void emit_count(void *to, const char *feature, double x)
{
    trainer *t = to;
    int f = feature_id(t->m, &t->tc, feature), n = (int)x;
    count(&t->tc[f], t->cls, n);
    t->m->total[t->cls] += n;
}

static char *const *sort_base;

static int by_text(const void *a, const void *b)
{
    return strcmp(sort_base[*(const int *)a], sort_base[*(const int *)b]);
}

/* The order of the n strings of v, sorted. */
static int *order(char *const *v, int n)
{
    int *o = xcalloc((size_t)n + 1, sizeof *o);
    for (int i = 0; i < n; i++)
        o[i] = i;
    sort_base = v;
    qsort(o, (size_t)n, sizeof *o, by_text);
    return o;
}

/* A feature is kept as the hash of its text, FNV-1a: the model needs
 * only to find a feature, never to show it, and keys take a quarter of
 * the room of the texts.  Two features of one hash (among some 50,000,
 * about one pair in three models) are counted as one. */
static uint32_t feature_key(const char *f)
{
    return cr_hash32_str(f);
}

static const uint32_t *sort_keys;

static int by_key(const void *a, const void *b)
{
    uint32_t x = sort_keys[*(const int *)a], y = sort_keys[*(const int *)b];
    return x < y ? -1 : x > y;
}

/* Order the features by key and lay their cells out flat in that order,
 * one feature per key (the cells of features that share one are added
 * class by class: each list is in class order). */
static void sort_features(cr_model *m, tcells *tc)
{
    uint32_t *keys = xcalloc((size_t)m->nfeat + 1, sizeof *keys);
    int *o = xcalloc((size_t)m->nfeat + 1, sizeof *o), total = 0;
    for (int f = 0; f < m->nfeat; f++) {
        keys[f] = feature_key(m->feat[f]);
        o[f] = f;
        total += tc[f].n;
    }
    sort_keys = keys;
    qsort(o, (size_t)m->nfeat, sizeof *o, by_key);
    m->key = xcalloc((size_t)m->nfeat + 1, sizeof *m->key);
    m->start = xcalloc((size_t)m->nfeat + 1, sizeof *m->start);
    m->cells = xcalloc((size_t)total + 1, sizeof *m->cells);
    int *sum = xcalloc((size_t)m->nclasses + 1, sizeof *sum), n = 0;
    total = 0;
    for (int k = 0; k < m->nfeat;) {
        int j = k;
        for (; j < m->nfeat && keys[o[j]] == keys[o[k]]; j++)
            for (int i = 0; i < tc[o[j]].n; i++)
                sum[tc[o[j]].c[i].cls] += tc[o[j]].c[i].count;
        m->key[n] = keys[o[k]];
        m->start[n++] = total;
        for (int c = 0; c < m->nclasses; c++)
            if (sum[c]) {
                m->cells[total++] = (cell){c, sum[c]};
                sum[c] = 0;
            }
        k = j;
    }
    m->start[n] = total;
    m->ncells = total;
    for (int f = 0; f < m->nfeat; f++) {
        free(m->feat[f]);
        free(tc[f].c);
    }
    m->nfeat = n;
    free(tc);
    free(sum);
    free(keys);
    free(o);
    free(m->feat);
    m->feat = NULL;
    cr_strmap_free(&m->featmap);
}

static void sort_words(cr_model *m)
{
    int *o = order(m->word, m->nwords);
    char **word = xcalloc((size_t)m->nwords + 1, sizeof *word);
    int *freq = xcalloc((size_t)m->nwords + 1, sizeof *freq);
    for (int k = 0; k < m->nwords; k++)
        word[k] = m->word[o[k]], freq[k] = m->freq[o[k]];
    free(m->word);
    free(m->freq);
    m->word = word;
    m->freq = freq;
    free(o);
    cr_strmap_free(&m->wordmap);
}

static void set_classes(cr_model *m, const cr_kb *kb)
{
    m->nintents = cr_kb_nintents(kb);
    m->class_of = xcalloc((size_t)m->nintents + 1, sizeof *m->class_of);
    m->intent = xcalloc((size_t)m->nintents + 1, sizeof *m->intent);
    for (int i = 0; i < m->nintents; i++) {
        m->class_of[i] = -1;
        if (cr_kb_intentdef(kb, i)->nexamples > 0) {
            m->class_of[i] = m->nclasses;
            m->intent[m->nclasses++] = i;
        }
    }
    m->total = xcalloc((size_t)m->nclasses + 1, sizeof *m->total);
}

cr_model *cr_model_train(const cr_kb *kb, const cr_corpus *corpus)
{
    cr_model *m = xcalloc(1, sizeof *m);
    for (int i = 0; i < cr_kb_nconcepts(kb); i++) {
        const cr_concept *c = cr_kb_concept(kb, i);
        for (int k = 0; k < c->nwords; k++)
            add_pattern_words(m, c->words[k]);
    }
    set_classes(m, kb);
    trainer t = {m, NULL, 0};
    for (t.cls = 0; t.cls < m->nclasses; t.cls++) {
        int nx;
        const cr_example *xs = cr_kb_examples(kb, m->intent[t.cls], &nx);
        for (int e = 0; e < nx; e++) {
            featurise(xs[e].text, NULL, 0, emit_count, &t);
            add_words(m, xs[e].text, 1);
        }
    }
    tcells *tc = t.tc;
    for (int i = 0; i < cr_kb_nintents(kb); i++) {
        const cr_intent *in = cr_kb_intentdef(kb, i);
        for (int k = 0; k < in->npatterns; k++)
            add_pattern_words(m, in->patterns[k].src);
    }
    for (int i = 0; corpus && i < cr_corpus_count(corpus); i++) {
        add_words(m, cr_corpus_heading(corpus, i), KNOWN);
        add_words(m, cr_corpus_text(corpus, i), KNOWN);
    }
    if (tc == NULL && m->nfeat == 0)
        tc = xcalloc(1, sizeof *tc);
    sort_features(m, tc);
    sort_words(m);
    return m;
}

void cr_model_free(cr_model *m)
{
    if (m == NULL)
        return;
    for (int i = 0; !m->borrowed && m->word && i < m->nwords; i++)
        free(m->word[i]);
    free(m->feat);
    free(m->word);
    free(m->typo);
    if (!m->borrowed) {         /* else they lie in the cache's bytes */
        free(m->key);
        free(m->freq);
        free(m->start);
        free(m->cells);
        free(m->intent);
        free(m->total);
    }
    free(m->own);
    free(m->class_of);
    cr_strmap_free(&m->featmap);
    cr_strmap_free(&m->wordmap);
    free(m);
}

/* Lookups, by binary search in the sorted tables: a model read from the
 * cache is used where it lies, with no table to build. */

static int find(char *const *v, int n, const char *key)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2, c = strcmp(v[mid], key);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static int find_key(const cr_model *m, uint32_t key)
{
    int lo = 0, hi = m->nfeat - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (m->key[mid] == key)
            return mid;
        if (m->key[mid] < key)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* The cells of feature f, [*lo, *hi), those of a class: none where the
 * tables do not hold.  A model read in place from a cache is checked
 * as it is used, cell by cell, since a turn reads only a few hundred
 * of its cells and a check of them all at load cost more than the turn
 * (cr_model_decode). */
static void cells_of(const cr_model *m, int f, int *lo, int *hi)
{
    *lo = m->start[f], *hi = m->start[f + 1];
    if (*lo < 0 || *hi < *lo || *hi > m->ncells)
        *lo = *hi = 0;
}

static int cell_holds(const cr_model *m, const cell *c)
{
    return c->cls >= 0 && c->cls < m->nclasses && c->count >= 0;
}

/* Ranking. */

static int by_p(const void *pa, const void *pb)
{
    const cr_class_hit *a = pa, *b = pb;
    if (a->p != b->p)
        return a->p > b->p ? -1 : 1;
    return a->intent - b->intent;
}

/* Score bag b; when loo >= 0, as if the example b is (of class loo) had
 * never been counted. */
static int rank(const cr_model *m, const bag *b, int loo, cr_class_hit *hits,
                int n)
{
    if (m->nclasses == 0)
        return 0;
    double *s = xcalloc((size_t)m->nclasses, sizeof *s);
    double L = 0, V = m->nfeat, own = 0;
    if (loo >= 0)
        for (int i = 0; i < b->n; i++)
            own += b->x[i];
    for (int i = 0; i < b->n; i++) {
        int f = find_key(m, feature_key(b->f[i]));
        if (f < 0)
            continue;
        double x = b->x[i], w = x;
        int seen = 0, live = 0, lo, hi;
        cells_of(m, f, &lo, &hi);
        for (int k = lo; k < hi; k++) {
            const cell *c = &m->cells[k];
            if (!cell_holds(m, c))
                continue;
            double cnt = c->count - (c->cls == loo ? x : 0);
            s[c->cls] += w * log1p(cnt / SMOOTHING);
            seen += (int)cnt > 0;
            live += cnt > 0;
        }
        if (live == 0)          /* a feature no example has (but the one */
            V--;                /* left out): out of the vocabulary */
        if (seen == 0)          /* only the example left out had it */
            continue;
        L += w;
    }
    double best = -INFINITY;
    for (int c = 0; c < m->nclasses; c++) {
        double tot = m->total[c] - (c == loo ? own : 0);
        s[c] += L * log(SMOOTHING / (tot + SMOOTHING * V));
        s[c] *= SHARPNESS / sqrt(L > 1 ? L : 1);
        if (s[c] > best)
            best = s[c];
    }
    cr_class_hit *all = xcalloc((size_t)m->nclasses, sizeof *all);
    double z = 0;
    for (int c = 0; c < m->nclasses; c++) {
        all[c].intent = m->intent[c];
        all[c].p = exp(s[c] - best);
        z += all[c].p;
    }
    for (int c = 0; c < m->nclasses; c++)
        all[c].p /= z;
    qsort(all, (size_t)m->nclasses, sizeof *all, by_p);
    int out = n < m->nclasses ? n : m->nclasses;
    memcpy(hits, all, (size_t)out * sizeof *hits);
    free(all);
    free(s);
    return out;
}

int cr_model_rank(const cr_model *m, const char *text,
                  const cr_weighted_span *spans, int nspans,
                  cr_class_hit *hits, int n)
{
    bag b = {0};
    featurise(text, spans, nspans, emit_bag, &b);
    int out = rank(m, &b, -1, hits, n);
    bag_free(&b);
    return out;
}

int cr_model_rank_loo(const cr_model *m, const char *text, int intent,
                      cr_class_hit *hits, int n)
{
    int loo = intent >= 0 && intent < m->nintents ? m->class_of[intent] : -1;
    bag b = {0};
    featurise(text, NULL, 0, emit_bag, &b);
    int out = rank(m, &b, loo, hits, n);
    bag_free(&b);
    return out;
}

/* Spelling. */

int cr_model_knows(const cr_model *m, const char *word)
{
    int i = find(m->word, m->nwords, word);
    return i >= 0 && (m->freq[i] == 0 || m->freq[i] >= KNOWN);
}

/* The optimal-string-alignment distance between a and b (a transposition
 * of neighbours counts one), or max + 1 when it is over max. */
static int osa(const char *a, const char *b, int max)
{
    int la = (int)strlen(a), lb = (int)strlen(b);
    if (la > 40 || lb > 40 || abs(la - lb) > max)
        return max + 1;
    int d[41][41];
    for (int i = 0; i <= la; i++)
        d[i][0] = i;
    for (int j = 0; j <= lb; j++)
        d[0][j] = j;
    for (int i = 1; i <= la; i++) {
        int rowmin = max + 1;
        for (int j = 1; j <= lb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
            if (v < rowmin)
                rowmin = v;
        }
        if (rowmin > max)
            return max + 1;
    }
    return d[la][lb];
}

/* The word of the vocabulary closest to w, other than w, and used at
 * least min times; or NULL. */
static const char *closest_word(const cr_model *m, const char *w, int min)
{
    size_t n = strlen(w);
    int max = n >= 8 ? 2 : 1, bestd = max + 1, bestf = 0;
    const char *best = NULL;
    /* The words are sorted, and a correction keeps the first letter:
     * only the words that start with it are tried. */
    int lo = 0, hi = m->nwords;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if ((unsigned char)m->word[mid][0] < (unsigned char)w[0])
            lo = mid + 1;
        else
            hi = mid;
    }
    for (int i = lo; i < m->nwords && m->word[i][0] == w[0]; i++) {
        const char *c = m->word[i];
        if (m->freq[i] < min || strcmp(c, w) == 0)
            continue;
        int d = osa(w, c, max);
        if (d < bestd || (d == bestd && d <= max && m->freq[i] > bestf)) {
            best = c;
            bestd = d;
            bestf = m->freq[i];
        }
    }
    return bestd <= max ? best : NULL;
}

static int all_letters(const char *w)
{
    for (; *w; w++)
        if (!isalpha((unsigned char)*w))
            return 0;
    return 1;
}

/* A known word used so rarely that a word close to it, used TYPO_RATIO
 * times as often, is likely what it misspells: the examples' own typos
 * ("advisr" in two posts, "advisor" in hundreds). */
#define TYPO_RATIO 20

static int freq_of(const cr_model *m, const char *w)
{
    int i = find(m->word, m->nwords, w);
    return i >= 0 ? m->freq[i] : -1;
}

/* TYPO_RATIO times f (> 0), or INT_MAX if that is more: a model read
 * from the cache may count a word up to INT_MAX times. */
static int typo_freq(int f)
{
    return f > INT_MAX / TYPO_RATIO ? INT_MAX : TYPO_RATIO * f;
}

static int rare(const cr_model *m, const char *w)
{
    int i = find(m->word, m->nwords, w);
    if (i < 0 || m->freq[i] <= 0)
        return 0;
    if (m->typo == NULL)        /* a word's answer is kept: it is asked */
        ((cr_model *)m)->typo = xcalloc((size_t)m->nwords + 1, 1);
    if (m->typo[i] == 0)        /* again on every turn that has it */
        m->typo[i] = closest_word(m, w, typo_freq(m->freq[i])) ? 2 : 1;
    return m->typo[i] == 2;
}

/* How often a correction of w must be used. */
static int min_freq(const cr_model *m, const char *w)
{
    int f = freq_of(m, w);
    return f > 0 ? typo_freq(f) : KNOWN;
}

/* A word the text does not know, to be corrected unless it is English. */
typedef struct unknown {
    size_t ws, we;
    char w[64];
    int english;
} unknown;


char *cr_model_correct(const cr_model *m, const char *text, const char *dict,
                       cr_correction **out, int *n)
{
    size_t len = strlen(text), i = 0, done = 0;
    unknown *u = NULL;
    int nu = 0;
    *out = NULL;
    *n = 0;
    for (;;) {
        unknown x = {0};
        if (!next_word(text, len, &i, &x.ws, &x.we, x.w, sizeof x.w))
            break;
        if (strlen(x.w) < 4 || x.we - x.ws != strlen(x.w) ||
            !all_letters(x.w) || (cr_model_knows(m, x.w) && !rare(m, x.w)))
            continue;
        u = xreallocarray(u, (size_t)nu + 1, sizeof *u);
        u[nu++] = x;
    }
    for (int k = 0; k < nu; k++)
        u[k].english = cr_words_has(dict, u[k].w);
    cr_buf b = {0};
    for (int k = 0; k < nu; k++) {
        const char *to = u[k].english ? NULL
                                      : closest_word(m, u[k].w, min_freq(m, u[k].w));
        if (to == NULL)
            continue;
        cr_buf_putn(&b, text + done, u[k].ws - done);
        cr_buf_puts(&b, to);
        done = u[k].we;
        *out = xreallocarray(*out, (size_t)*n + 1, sizeof **out);
        (*out)[*n].from = xstrndup(text + u[k].ws, u[k].we - u[k].ws);
        (*out)[(*n)++].to = xstrdup(to);
    }
    free(u);
    if (*n == 0)
        return NULL;
    cr_buf_putn(&b, text + done, len - done);
    return cr_buf_take(&b);
}

void cr_corrections_free(cr_correction *c, int n)
{
    for (int i = 0; i < n; i++) {
        free(c[i].from);
        free(c[i].to);
    }
    free(c);
}

/* The cache's form, made to be used where it lies: little-endian 32-bit
 * words, in this order:
 *     nintents nclasses nfeat ncells nwords poolsize
 *     intent[nclasses] total[nclasses]
 *     key[nfeat] start[nfeat + 1] cells[ncells] (class, count)
 *     wordoff[nwords] freq[nwords]
 * then the pool of the words' strings, each ended by a NUL, that the
 * offsets point into, padded to a whole word.  Reading it checks every
 * count, index and offset against the bytes, so that damaged bytes
 * cannot make the model read outside them, and builds only the table
 * of the words' pointers; the rest is used in place. */
enum { HEAD_WORDS = 6 };

/* Put the offsets of strs (n of them) into pool, and the strings. */
static void put_offsets(cr_buf *b, cr_buf *pool, char *const *strs, int n)
{
    for (int i = 0; i < n; i++) {
        cr_put32(b, (uint32_t)pool->len);
        cr_buf_putn(pool, strs[i], strlen(strs[i]) + 1);
    }
}

unsigned char *cr_model_encode(const cr_model *m, size_t *size)
{
    cr_buf b = {0}, pool = {0}, words = {0};
    int ncells = m->start[m->nfeat];
    uint32_t head[HEAD_WORDS] = {(uint32_t)m->nintents, (uint32_t)m->nclasses,
                                 (uint32_t)m->nfeat, (uint32_t)ncells,
                                 (uint32_t)m->nwords, 0};
    for (int c = 0; c < m->nclasses; c++)
        cr_put32(&words, (uint32_t)m->intent[c]);
    for (int c = 0; c < m->nclasses; c++)
        cr_put32(&words, (uint32_t)m->total[c]);
    for (int f = 0; f < m->nfeat; f++)
        cr_put32(&words, m->key[f]);
    for (int f = 0; f <= m->nfeat; f++)
        cr_put32(&words, (uint32_t)m->start[f]);
    for (int k = 0; k < ncells; k++) {
        cr_put32(&words, (uint32_t)m->cells[k].cls);
        cr_put32(&words, (uint32_t)m->cells[k].count);
    }
    put_offsets(&words, &pool, m->word, m->nwords);
    for (int i = 0; i < m->nwords; i++)
        cr_put32(&words, (uint32_t)m->freq[i]);
    while (pool.len % 4)
        cr_buf_putc(&pool, '\0');
    head[5] = (uint32_t)pool.len;
    for (int k = 0; k < HEAD_WORDS; k++)
        cr_put32(&b, head[k]);
    cr_buf_putn(&b, words.s ? words.s : "", words.len);
    cr_buf_putn(&b, pool.s ? pool.s : "", pool.len);
    cr_buf_free(&words);
    cr_buf_free(&pool);
    *size = b.len;
    return (unsigned char *)cr_buf_take(&b);
}

/* The n strings at offs into the pool of size bytes (its last a NUL),
 * as pointers; NULL if an offset is outside it. */
static char **strings_at(const uint32_t *offs, int n, const char *pool,
                         uint32_t size)
{
    char **v = xcalloc((size_t)n + 1, sizeof *v);
    for (int i = 0; i < n; i++) {
        if (offs[i] >= size) {
            free(v);
            return NULL;
        }
        v[i] = (char *)pool + offs[i];
    }
    return v;
}

/* Whether the tables m points at hold together: the classes, here;
 * each feature's cells as they are used (cells_of, cell_holds).  The
 * tables' order is not checked: out of order, a lookup misses, but
 * never reads astray; a word's count only weighs a correction. */
static int tables_hold(cr_model *m)
{
    for (int i = 0; i < m->nintents; i++)
        m->class_of[i] = -1;
    for (int c = 0; c < m->nclasses; c++) {
        if (m->intent[c] < 0 || m->intent[c] >= m->nintents ||
            m->class_of[m->intent[c]] >= 0 || m->total[c] < 0)
            return 0;
        m->class_of[m->intent[c]] = c;
    }
    return m->start[0] == 0 && m->start[m->nfeat] == m->ncells;
}

cr_model *cr_model_decode(const unsigned char *p, size_t size,
                          int nintents)
{
    if (!cr_little_endian() || size < 4 * HEAD_WORDS)
        return NULL;
    cr_model *m = xcalloc(1, sizeof *m);
    m->borrowed = 1;
    p = cr_aligned4(p, size, &m->own);
    const uint32_t *w = (const uint32_t *)(const void *)p;
    uint64_t nc = w[1], nf = w[2], ncells = w[3], nw = w[4], pool = w[5];
    uint64_t nwords = HEAD_WORDS + 2 * nc + nf + nf + 1 + 2 * ncells +
                      2 * nw;
    if (w[0] != (uint32_t)nintents || nc > w[0] || nf > size ||
        ncells > size || nw > size || pool > size || pool == 0 ||
        nwords * 4 + pool != size || p[size - 1] != '\0') {
        cr_model_free(m);
        return NULL;
    }
    m->nintents = nintents;
    m->nclasses = (int)nc;
    m->nfeat = (int)nf;
    m->nwords = (int)nw;
    m->ncells = (int)ncells;
    const int32_t *v = (const int32_t *)(w + HEAD_WORDS);
    m->intent = (int *)v;
    m->total = (int *)v + nc;
    m->key = (uint32_t *)(v + 2 * nc);
    m->start = (int *)(m->key + nf);
    m->cells = (cell *)(m->start + nf + 1);
    const uint32_t *wordoff = (const uint32_t *)(m->cells + ncells);
    m->freq = (int *)(wordoff + nw);
    const char *strs = (const char *)(p + nwords * 4);
    m->class_of = xcalloc((size_t)nintents + 1, sizeof *m->class_of);
    m->word = strings_at(wordoff, m->nwords, strs, (uint32_t)pool);
    if (m->word == NULL || !tables_hold(m)) {
        cr_model_free(m);
        return NULL;
    }
    return m;
}
