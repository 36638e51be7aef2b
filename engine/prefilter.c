/* prefilter.c - the words a pattern cannot match without (prefilter.h).
 *
 * A small reader of PCRE2's syntax, enough for what rule files write.
 * Each part of a pattern has a need: a set of literals of which every
 * match of the part holds one, or none (it may match anything).
 *
 *   - A run of literal characters in a sequence is a need of one
 *     literal.  A quantifier that allows none (?, *, {0,n}) takes its
 *     atom out of the run; one that allows several ends the run after
 *     it ("ab+c" needs "ab", not "abc").
 *   - A sequence needs what its most telling part needs: the set whose
 *     shortest literal is longest, then the smaller set.
 *   - An alternation needs the union of its branches' needs, and nothing
 *     if one branch needs nothing (or if the union grows past MAXLITS).
 *   - A group needs what its alternation needs; lookarounds, classes,
 *     escapes such as \w, back references and anything else need
 *     nothing.  Recursion, conditionals, verbs and the extended option
 *     (x, where spaces mean nothing) make the whole pattern need
 *     nothing.
 *
 * Literals are ASCII, lowercased (patterns are caseless): a character
 * beyond ASCII ends a run, since caseless matching beyond ASCII is not
 * a matter of lowercasing bytes. */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "prefilter.h"
#include "strmap.h"
#include "xmalloc.h"

/* A need with more literals than this is not worth checking. */
enum { MAXLITS = 32, MAXDEPTH = 64 };

typedef struct lits {
    bool any;                   /* needs nothing */
    int n;
    char **lit;
} lits;

typedef struct reader {
    const char *s;
    size_t len, at;
    int depth;
    bool bad;                   /* read something not understood: the
                                 * pattern needs nothing */
} reader;

static lits nothing(void)
{
    return (lits){true, 0, NULL};
}

static void lits_free(lits *n)
{
    for (int i = 0; i < n->n; i++)
        free(n->lit[i]);
    free(n->lit);
    *n = nothing();
}

/* The length of n's shortest literal, -1 for a need of nothing. */
static int shortest(const lits *n)
{
    if (n->any)
        return -1;
    int m = -1;
    for (int i = 0; i < n->n; i++) {
        int l = (int)strlen(n->lit[i]);
        if (m < 0 || l < m)
            m = l;
    }
    return m;
}

/* The more telling of a and b; the other is freed. */
static lits better(lits a, lits b)
{
    int la = shortest(&a), lb = shortest(&b);
    if (lb > la || (lb == la && lb >= 0 && b.n < a.n)) {
        lits_free(&a);
        return b;
    }
    lits_free(&b);
    return a;
}

/* a or b: both are taken. */
static lits either(lits a, lits b)
{
    if (a.any || b.any || a.n + b.n > MAXLITS) {
        lits_free(&a);
        lits_free(&b);
        return nothing();
    }
    a.lit = xreallocarray(a.lit, (size_t)(a.n + b.n) + 1, sizeof *a.lit);
    for (int i = 0; i < b.n; i++) {
        int dup = 0;
        for (int k = 0; k < a.n && !dup; k++)
            dup = strcmp(a.lit[k], b.lit[i]) == 0;
        if (dup)
            free(b.lit[i]);
        else
            a.lit[a.n++] = b.lit[i];
    }
    free(b.lit);
    return a;
}

/* The current run ends: it becomes a candidate need of one literal. */
static void end_run(cr_buf *run, lits *best)
{
    if (run->len > 0) {
        lits one = {false, 1, xcalloc(2, sizeof(char *))};
        one.lit[0] = xstrndup(run->s, run->len);
        *best = better(*best, one);
    }
    run->len = 0;
}

static int peek(const reader *r, size_t k)
{
    return r->at + k < r->len ? (unsigned char)r->s[r->at + k] : -1;
}

/* A quantifier at r->at: consumed, its least count in *min.  Returns 0
 * if there is none ("{" that does not start one is a literal). */
static int quantifier(reader *r, long *min)
{
    int c = peek(r, 0);
    if (c == '?' || c == '*' || c == '+') {
        *min = c == '+';
        r->at++;
    } else if (c == '{') {
        size_t k = 1;
        long lo = 0;
        int digits = 0;
        while (isdigit(peek(r, k)) && digits < 6) {
            lo = 10 * lo + (peek(r, k) - '0');
            k++, digits++;
        }
        if (digits == 0 || isdigit(peek(r, k)))
            return 0;
        if (peek(r, k) == ',') {
            k++;
            while (isdigit(peek(r, k)))
                k++;
        }
        if (peek(r, k) != '}')
            return 0;
        r->at += k + 1;
        *min = lo;
    } else {
        return 0;
    }
    if (peek(r, 0) == '?' || peek(r, 0) == '+')   /* lazy, possessive */
        r->at++;
    return 1;
}

/* Past a character class, r->at at its "[". */
static void skip_class(reader *r)
{
    r->at++;
    if (peek(r, 0) == '^')
        r->at++;
    if (peek(r, 0) == ']')
        r->at++;
    while (r->at < r->len && peek(r, 0) != ']') {
        if (peek(r, 0) == '\\') {
            r->at += 2;
        } else if (peek(r, 0) == '[' && peek(r, 1) == ':') {
            const char *e = strstr(r->s + r->at + 2, ":]");
            r->at = e && (size_t)(e - r->s) < r->len ? (size_t)(e - r->s) + 2
                                                     : r->at + 1;
        } else {
            r->at++;
        }
    }
    if (r->at >= r->len)
        r->bad = true;
    r->at++;
}

/* Past a name or number in brackets after an escape (\k<name>, \g{1},
 * \p{L}, \x{41}, \o{7}), if there is one. */
static void skip_braced(reader *r)
{
    int open = peek(r, 0), close = open == '<' ? '>' : open == '{' ? '}'
                                 : open == '\'' ? '\'' : -1;
    if (close < 0)
        return;
    r->at++;
    while (r->at < r->len && peek(r, 0) != close)
        r->at++;
    r->at++;
}

static lits alternation(reader *r);

/* A group, r->at just past its "(": its need, or nothing. */
static lits group(reader *r)
{
    bool counts = true;         /* a lookaround matches no text */
    if (peek(r, 0) == '*') {    /* a verb: (*UTF), (*SKIP) ... */
        r->bad = true;
        return nothing();
    }
    if (peek(r, 0) == '?') {
        r->at++;
        int c = peek(r, 0);
        if (c == ':' || c == '>' || c == '|') {
            r->at++;
        } else if (c == '=' || c == '!') {
            r->at++;
            counts = false;
        } else if (c == '<' && (peek(r, 1) == '=' || peek(r, 1) == '!')) {
            r->at += 2;
            counts = false;
        } else if (c == '<' || c == '\'' ||
                   (c == 'P' && peek(r, 1) == '<')) {
            r->at += c == 'P';
            skip_braced(r);     /* a named group */
        } else if (c == '#') {  /* a comment */
            while (r->at < r->len && peek(r, 0) != ')')
                r->at++;
            r->at++;
            return nothing();
        } else {
            /* Options: (?i) and (?i:...) are read; x, recursion,
             * conditionals and callouts are not. */
            while (isalpha(peek(r, 0)) || peek(r, 0) == '-' ||
                   peek(r, 0) == '^') {
                if (peek(r, 0) == 'x')
                    r->bad = true;
                r->at++;
            }
            if (peek(r, 0) == ')') {
                r->at++;
                return nothing();
            }
            if (peek(r, 0) != ':') {
                r->bad = true;
                return nothing();
            }
            r->at++;
        }
    }
    lits n = alternation(r);
    if (peek(r, 0) != ')')
        r->bad = true;
    r->at++;
    if (!counts)
        lits_free(&n);
    return n;
}

/* A sequence, up to "|", ")" or the end. */
static lits sequence(reader *r)
{
    lits best = nothing();
    cr_buf run = {0};
    while (!r->bad && r->at < r->len && peek(r, 0) != '|' &&
           peek(r, 0) != ')') {
        int c = peek(r, 0), lit = -1;
        lits atom = nothing();
        bool is_group = false;
        if (c == '(') {
            r->at++;
            if (++r->depth > MAXDEPTH)
                r->bad = true;
            else
                atom = group(r);
            r->depth--;
            is_group = true;
        } else if (c == '[') {
            skip_class(r);
        } else if (c == '\\') {
            int e = peek(r, 1);
            r->at += 2;
            if (e == 'Q') {     /* literal up to \E, run on */
                while (r->at < r->len &&
                       !(peek(r, 0) == '\\' && peek(r, 1) == 'E')) {
                    int q = peek(r, 0);
                    if (q < 0x80)
                        cr_buf_putc(&run, (char)tolower(q));
                    else
                        end_run(&run, &best);
                    r->at++;
                }
                r->at += 2;
                long m;
                if (quantifier(r, &m))  /* of the last character: rare */
                    r->bad = true;
                continue;
            } else if (e >= 0 && e < 0x80 && !isalnum(e)) {
                lit = tolower(e);
            } else if (e == 'k' || e == 'g' || e == 'p' || e == 'P' ||
                       e == 'x' || e == 'o') {
                if (peek(r, 0) == '{' || peek(r, 0) == '<' ||
                    peek(r, 0) == '\'')
                    skip_braced(r);
                else if (e == 'p' || e == 'P')
                    r->at++;                    /* \pL */
                else
                    while (isxdigit(peek(r, 0)) || peek(r, 0) == '-' ||
                           peek(r, 0) == '+')
                        r->at++;                /* \g1, \g-1, \x41 */
            } else if (e == 'c') {
                r->at++;
            } else if (e < 0) {
                r->bad = true;
            }
        } else if (c >= 0x80 || c == '.' || c == '^' || c == '$') {
            r->at++;
            while (c >= 0x80 && (peek(r, 0) & 0xc0) == 0x80)
                r->at++;
        } else if (c == '*' || c == '+' || c == '?') {
            r->bad = true;      /* a quantifier with nothing before it */
        } else {
            lit = tolower(c);
            r->at++;
        }
        long min = 1;
        bool quantified = quantifier(r, &min);
        if (lit >= 0) {
            if (!quantified || min > 0)
                cr_buf_putc(&run, (char)lit);
            if (quantified)
                end_run(&run, &best);
        } else {
            end_run(&run, &best);
            if (is_group && !(quantified && min == 0))
                best = better(best, atom);
            else
                lits_free(&atom);
        }
    }
    end_run(&run, &best);
    cr_buf_free(&run);
    return best;
}

static lits alternation(reader *r)
{
    lits all = sequence(r);
    while (!r->bad && peek(r, 0) == '|') {
        r->at++;
        all = either(all, sequence(r));
    }
    return all;
}

char *cr_prefilter_need(const char *pattern, size_t len)
{
    reader r = {pattern, len, 0, 0, false};
    lits n = alternation(&r);
    if (r.at < len)             /* an unmatched ")" */
        r.bad = true;
    if (r.bad || shortest(&n) < 2) {
        lits_free(&n);
        return NULL;
    }
    cr_buf b = {0};
    for (int i = 0; i < n.n; i++)
        cr_buf_putn(&b, n.lit[i], strlen(n.lit[i]) + 1);
    cr_buf_putc(&b, '\0');
    lits_free(&n);
    return cr_buf_take(&b);
}

size_t cr_prefilter_size(const char *need)
{
    if (need == NULL)
        return 0;
    const char *p = need;
    while (*p)
        p += strlen(p) + 1;
    return (size_t)(p - need) + 1;
}

char *cr_prefilter_fold(const char *text)
{
    if (strstr(text, "\xe2\x84\xaa") || strstr(text, "\xc5\xbf"))
        return NULL;            /* U+212A KELVIN SIGN, U+017F LONG S */
    char *f = xstrdup(text);
    for (char *p = f; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return f;
}

/* The index: each distinct literal once, chained in a bucket by its
 * first two bytes; for each literal, the patterns that need it. */
enum { NBUCKET = 1024 };

struct cr_prefilter {
    int npat, cappat, nlit, caplit, npairs, cappairs;
    unsigned char *always;      /* pattern -> it needs nothing */
    const char **lit;           /* literal id -> its text, in a need */
    int *chain;                 /* literal id -> the next in its bucket */
    int bucket[NBUCKET];        /* the first literal of each, or -1 */
    int *pairs;                 /* (literal, pattern), 2 ints a pair */
    int *first, *pats;          /* literal -> pats[first[l] .. first[l+1]),
                                 * made from pairs on the first scan */
    cr_strmap ids;
};

static unsigned bucket_of(const char *s)
{
    return ((unsigned char)s[0] * 31u + (unsigned char)s[1]) % NBUCKET;
}

cr_prefilter *cr_prefilter_new(int n, int nlit)
{
    cr_prefilter *pf = xcalloc(1, sizeof *pf);
    for (int b = 0; b < NBUCKET; b++)
        pf->bucket[b] = -1;
    pf->cappat = n > 0 ? n : 16;
    pf->always = xmalloc((size_t)pf->cappat);
    cr_strmap_reserve(&pf->ids,
                      nlit > 0 ? (size_t)nlit : 2 * (size_t)pf->cappat);
    return pf;
}

void cr_prefilter_free(cr_prefilter *pf)
{
    if (pf == NULL)
        return;
    free(pf->always);
    free(pf->lit);
    free(pf->chain);
    free(pf->pairs);
    free(pf->first);
    free(pf->pats);
    cr_strmap_free(&pf->ids);
    free(pf);
}

/* Room for one more of n (of *cap) items of size bytes in *a. */
static void grow(void *a, int n, int *cap, size_t size)
{
    if (n < *cap)
        return;
    *cap = *cap > 0 ? 2 * *cap : 64;
    *(void **)a = xreallocarray(*(void **)a, (size_t)*cap, size);
}

void cr_prefilter_add(cr_prefilter *pf, const char *need)
{
    grow(&pf->always, pf->npat, &pf->cappat, 1);
    int p = pf->npat++;
    pf->always[p] = need == NULL;
    for (const char *l = need; l && *l; l += strlen(l) + 1) {
        cr_strmap_reserve(&pf->ids, 1);
        size_t slot = cr_strmap_slot(&pf->ids, l);
        int id;
        if (pf->ids.keys[slot] != NULL) {
            id = pf->ids.vals[slot];
        } else {
            id = pf->nlit;
            int cap = pf->caplit;
            grow(&pf->lit, id, &cap, sizeof *pf->lit);
            grow(&pf->chain, id, &pf->caplit, sizeof *pf->chain);
            pf->nlit++;
            pf->lit[id] = l;
            unsigned b = bucket_of(l);
            pf->chain[id] = pf->bucket[b];
            pf->bucket[b] = id;
            pf->ids.keys[slot] = l;
            pf->ids.vals[slot] = id;
            pf->ids.len++;
        }
        grow(&pf->pairs, 2 * pf->npairs + 1, &pf->cappairs,
             sizeof *pf->pairs);
        pf->pairs[2 * pf->npairs] = id;
        pf->pairs[2 * pf->npairs + 1] = p;
        pf->npairs++;
    }
    if (pf->first != NULL) {    /* the lists are made again when asked */
        free(pf->first);
        free(pf->pats);
        pf->first = pf->pats = NULL;
    }
}

/* literal -> patterns, from the pairs (a counting sort). */
static void make_lists(cr_prefilter *pf)
{
    pf->first = xcalloc((size_t)pf->nlit + 2, sizeof *pf->first);
    pf->pats = xcalloc((size_t)pf->npairs + 1, sizeof *pf->pats);
    for (int i = 0; i < pf->npairs; i++)
        pf->first[pf->pairs[2 * i] + 2]++;
    for (int l = 0; l < pf->nlit; l++)
        pf->first[l + 2] += pf->first[l + 1];
    for (int i = 0; i < pf->npairs; i++)
        pf->pats[pf->first[pf->pairs[2 * i] + 1]++] = pf->pairs[2 * i + 1];
}

unsigned char *cr_prefilter_scan(const cr_prefilter *pf, const char *folded)
{
    unsigned char *met = xmalloc((size_t)pf->npat + 1);
    if (folded == NULL) {
        memset(met, 1, (size_t)pf->npat + 1);
        return met;
    }
    memcpy(met, pf->always, (size_t)pf->npat);
    if (pf->first == NULL && pf->nlit > 0)   /* lists made on first need */
        make_lists((cr_prefilter *)pf);
    unsigned char *seen = xcalloc((size_t)pf->nlit + 1, 1);
    for (const char *t = folded; t[0] && t[1]; t++)
        for (int id = pf->bucket[bucket_of(t)]; id >= 0; id = pf->chain[id]) {
            const char *l = pf->lit[id];
            if (seen[id] || l[0] != t[0] || l[1] != t[1] ||
                strncmp(t + 2, l + 2, strlen(l + 2)) != 0)
                continue;
            seen[id] = 1;
            for (int k = pf->first[id]; k < pf->first[id + 1]; k++)
                met[pf->pats[k]] = 1;
        }
    free(seen);
    return met;
}
