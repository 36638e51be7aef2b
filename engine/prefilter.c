/* prefilter.c - the words a pattern cannot match without (prefilter.h).
 *
 * A small reader of PCRE2's syntax, enough for what rule files write.
 * Each part of a pattern has a need: clauses, sets of literals of which
 * every match of the part holds one, or none (it may match anything).
 *
 *   - A run of literal characters in a sequence is a need of one
 *     literal.  A quantifier that allows none (?, *, {0,n}) takes its
 *     atom out of the run; one that allows several ends the run after
 *     it ("ab+c" needs "ab", not "abc").
 *   - A sequence needs what all its parts need: its need is a set of
 *     clauses, each a set of literals, the most telling kept (the set
 *     whose shortest literal is longest, then the smaller set).
 *   - An alternation needs clauses made of one clause of each branch,
 *     and nothing if one branch needs nothing (or if a clause grows
 *     past MAXLITS).
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

#include <assert.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checksum.h"
#include "prefilter.h"
#include "xmalloc.h"

/* A clause with more literals than this is not worth checking; a need
 * keeps its MAXCLAUSES most telling clauses. */
enum { MAXLITS = 256, MAXCLAUSES = 4, MAXDEPTH = 64 };

/* A clause: literals of which every match holds one. */
typedef struct lits {
    bool any;                   /* needs nothing */
    int n;
    char **lit;
} lits;

/* A need: clauses that every match meets all of (none: needs nothing). */
typedef struct cnf {
    int n;
    lits c[MAXCLAUSES];
} cnf;

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

/* Is b more telling than a: its shortest literal longer, or as long
 * and fewer literals? */
static bool more_telling(const lits *a, const lits *b)
{
    int la = shortest(a), lb = shortest(b);
    return lb > la || (lb == la && lb >= 0 && b->n < a->n);
}

static void cnf_free(cnf *n)
{
    for (int i = 0; i < n->n; i++)
        lits_free(&n->c[i]);
    n->n = 0;
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* a's literals sorted, each once. */
static void unique(lits *a)
{
    if (a->n < 2)
        return;
    qsort(a->lit, (size_t)a->n, sizeof *a->lit, by_text);
    int n = 1;
    for (int i = 1; i < a->n; i++) {
        if (strcmp(a->lit[i], a->lit[n - 1]) == 0)
            free(a->lit[i]);
        else
            a->lit[n++] = a->lit[i];
    }
    a->n = n;
}

/* Whether a and b, each sorted and unique, are the same clause. */
static bool same_clause(const lits *a, const lits *b)
{
    if (a->n != b->n)
        return false;
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->lit[i], b->lit[i]) != 0)
            return false;
    return true;
}

/* Add clause l (taken) to n, in the order of how telling they are: a
 * clause of a literal shorter than two bytes, one n holds already, or
 * one less telling than n's MAXCLAUSES others is dropped. */
static void cnf_add(cnf *n, lits l)
{
    unique(&l);
    bool drop = shortest(&l) < 2;
    for (int i = 0; i < n->n && !drop; i++)
        drop = same_clause(&n->c[i], &l);
    if (!drop && n->n == MAXCLAUSES) {
        drop = !more_telling(&n->c[MAXCLAUSES - 1], &l);
        if (!drop)
            lits_free(&n->c[--n->n]);
    }
    if (drop) {
        lits_free(&l);
        return;
    }
    int at = n->n++;
    while (at > 0 && more_telling(&n->c[at - 1], &l)) {
        n->c[at] = n->c[at - 1];
        at--;
    }
    n->c[at] = l;
}

/* a or b: both are taken.  The literals are made unique only when they
 * seem too many, and when a clause is done (cnf_add): a concept's union
 * of a hundred branches is not searched a hundred times. */
static lits either(lits a, lits b)
{
    if (a.any || b.any) {
        lits_free(&a);
        lits_free(&b);
        return nothing();
    }
    a.lit = xreallocarray(a.lit, (size_t)(a.n + b.n) + 1, sizeof *a.lit);
    memcpy(a.lit + a.n, b.lit, (size_t)b.n * sizeof *b.lit);
    a.n += b.n;
    free(b.lit);
    if (a.n > MAXLITS)
        unique(&a);
    if (a.n > MAXLITS) {
        lits_free(&a);
        return nothing();
    }
    return a;
}

/* The current run ends: it becomes a clause of one literal. */
static void end_run(cr_buf *run, cnf *need)
{
    if (run->len > 0) {
        lits one = {false, 1, xcalloc(2, sizeof(char *))};
        one.lit[0] = xstrndup(run->s, run->len);
        cnf_add(need, one);
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

static cnf alternation(reader *r);

/* A group, r->at just past its "(": its need. */
static cnf group(reader *r)
{
    bool counts = true;         /* a lookaround matches no text */
    if (peek(r, 0) == '*') {    /* a verb: (*UTF), (*SKIP) ... */
        r->bad = true;
        return (cnf){0};
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
            return (cnf){0};
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
                return (cnf){0};
            }
            if (peek(r, 0) != ':') {
                r->bad = true;
                return (cnf){0};
            }
            r->at++;
        }
    }
    cnf n = alternation(r);
    if (peek(r, 0) != ')')
        r->bad = true;
    r->at++;
    if (!counts)
        cnf_free(&n);
    return n;
}

/* A sequence, up to "|", ")" or the end: each of its parts is needed,
 * so its need holds the clauses of all of them (the most telling). */
static cnf sequence(reader *r)
{
    cnf need = {0};
    cr_buf run = {0};
    while (!r->bad && r->at < r->len && peek(r, 0) != '|' &&
           peek(r, 0) != ')') {
        int c = peek(r, 0), lit = -1;
        cnf atom = {0};
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
                        end_run(&run, &need);
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
                end_run(&run, &need);
        } else {
            end_run(&run, &need);
            if (is_group && !(quantified && min == 0))
                for (int i = 0; i < atom.n; i++)
                    cnf_add(&need, atom.c[i]);
            else
                cnf_free(&atom);
        }
    }
    end_run(&run, &need);
    cr_buf_free(&run);
    return need;
}

static lits lits_copy(const lits *a)
{
    lits c = {a->any, a->n, xcalloc((size_t)a->n + 1, sizeof *c.lit)};
    for (int i = 0; i < a->n; i++)
        c.lit[i] = xstrdup(a->lit[i]);
    return c;
}

/* How many of d's literals u lacks. */
static int lacks(const lits *u, const lits *d)
{
    int n = 0;
    for (int i = 0; i < d->n; i++) {
        int found = 0;
        for (int k = 0; k < u->n && !found; k++)
            found = strcmp(u->lit[k], d->lit[i]) == 0;
        n += !found;
    }
    return n;
}

/* Branches: each match meets one branch's need, so a clause that takes
 * a clause of every branch is needed.  Each clause of the first branch
 * is joined, branch by branch, with the most telling clause, of those
 * the one that adds the fewest literals to it: "a.{0,80}b|b.{0,80}a"
 * needs a and b. */
static cnf alternation(reader *r)
{
    cnf first = sequence(r);
    if (r->bad || peek(r, 0) != '|')
        return first;
    int nbr = 1, cap = 8;
    cnf *br = xcalloc((size_t)cap, sizeof *br);
    br[0] = first;
    while (!r->bad && peek(r, 0) == '|') {
        r->at++;
        if (nbr == cap) {
            cap *= 2;
            br = xreallocarray(br, (size_t)cap, sizeof *br);
        }
        br[nbr++] = sequence(r);
    }
    cnf out = {0};
    for (int i = 0; i < first.n; i++) {
        lits u = lits_copy(&first.c[i]);
        for (int j = 1; j < nbr && !u.any; j++) {
            int best = -1, add = 0, len = 0;
            for (int k = 0; k < br[j].n; k++) {
                int l = shortest(&br[j].c[k]);
                int a = br[j].n > 1 ? lacks(&u, &br[j].c[k]) : 0;
                if (best < 0 || l > len || (l == len && a < add))
                    best = k, add = a, len = l;
            }
            if (best < 0) {
                lits_free(&u);
                u = nothing();
            } else {
                u = either(u, lits_copy(&br[j].c[best]));
            }
        }
        cnf_add(&out, u);
    }
    for (int j = 0; j < nbr; j++)
        cnf_free(&br[j]);
    free(br);
    return out;
}

char *cr_prefilter_need(const char *pattern, size_t len)
{
    reader r = {pattern, len, 0, 0, false};
    cnf n = alternation(&r);
    if (r.at < len)             /* an unmatched ")" */
        r.bad = true;
    if (r.bad || n.n == 0) {
        cnf_free(&n);
        return NULL;
    }
    cr_buf b = {0};
    for (int c = 0; c < n.n; c++) {
        for (int i = 0; i < n.c[c].n; i++)
            cr_buf_putn(&b, n.c[c].lit[i], strlen(n.c[c].lit[i]) + 1);
        cr_buf_putc(&b, '\0');
    }
    cr_buf_putc(&b, '\0');
    cnf_free(&n);
    return cr_buf_take(&b);
}

/* Past the clause at p. */
static const char *next_clause(const char *p)
{
    while (*p)
        p += strlen(p) + 1;
    return p + 1;
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

/* The index: each distinct literal once, in a pool, chained in a bucket
 * by its first three bytes (two for a literal of two); for each literal,
 * the clauses that hold it; for each clause, its pattern; for each
 * pattern, how many clauses it has.  Made by cr_prefilter_add, or read
 * from the cache's bytes, which its tables then point into (borrowed). */
enum { NBUCKET = 4096 };

struct cr_prefilter {
    int npat, nlit, nclause, npairs;
    int cappat, caplit, capclause, cappairs;
    unsigned char *always;      /* pattern -> it needs nothing */
    int *nclauses;              /* pattern -> its clauses */
    int *owner;                 /* clause -> its pattern */
    int *off, *len;             /* literal -> its text in the pool */
    int *chain;                 /* literal -> the next in its bucket, an
                                 * older literal, or -1 */
    int *bucket;                /* NBUCKET: the newest literal of each */
    int *pairs;                 /* (literal, clause), 2 ints a pair */
    int *first, *clauses;       /* literal -> clauses[first[l] ..
                                 * first[l+1]), made from pairs on the
                                 * first scan */
    cr_buf pool;                /* the literals, each ended by a NUL */
    const char *text;           /* the pool's bytes (pool's, or the
                                 * cache's), npool of them */
    size_t npool;
    bool borrowed;              /* the tables lie in the cache's bytes */
    unsigned char *own;         /* those bytes, copied to be aligned */
    char *last;                 /* the text scanned last, and what it */
    unsigned char *lastmet;     /* met: a turn scans its text twice */
};

/* The bucket of the literal of n bytes at s, or of the text at s when
 * the literals there are n bytes long or, for 3, longer. */
static unsigned bucket_of(const char *s, size_t n)
{
    unsigned h = (unsigned char)s[0] * 31u + (unsigned char)s[1];
    if (n >= 3)
        h = h * 31u + (unsigned char)s[2] + 7919u;
    return h % NBUCKET;
}

cr_prefilter *cr_prefilter_new(int n)
{
    cr_prefilter *pf = xcalloc(1, sizeof *pf);
    pf->bucket = xmalloc(NBUCKET * sizeof *pf->bucket);
    for (int b = 0; b < NBUCKET; b++)
        pf->bucket[b] = -1;
    pf->cappat = n > 0 ? n : 16;
    pf->always = xmalloc((size_t)pf->cappat);
    pf->nclauses = xmalloc((size_t)pf->cappat * sizeof *pf->nclauses);
    return pf;
}

void cr_prefilter_free(cr_prefilter *pf)
{
    if (pf == NULL)
        return;
    if (!pf->borrowed) {        /* else they lie in the cache's bytes */
        free(pf->always);
        free(pf->nclauses);
        free(pf->owner);
        free(pf->off);
        free(pf->len);
        free(pf->chain);
        free(pf->bucket);
        free(pf->first);
        free(pf->clauses);
    }
    free(pf->pairs);
    cr_buf_free(&pf->pool);
    free(pf->own);
    free(pf->last);
    free(pf->lastmet);
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

/* The id of literal l (two bytes at least), added if new: the literals
 * of its bucket are few, so they are its index. */
static int literal_id(cr_prefilter *pf, const char *l)
{
    size_t n = strlen(l);
    unsigned b = bucket_of(l, n);
    for (int id = pf->bucket[b]; id >= 0; id = pf->chain[id])
        if ((size_t)pf->len[id] == n &&
            memcmp(pf->pool.s + pf->off[id], l, n) == 0)
            return id;
    int id = pf->nlit, cap = pf->caplit, cap2 = pf->caplit;
    grow(&pf->off, id, &cap, sizeof *pf->off);
    grow(&pf->len, id, &cap2, sizeof *pf->len);
    grow(&pf->chain, id, &pf->caplit, sizeof *pf->chain);
    pf->nlit++;
    pf->off[id] = (int)pf->pool.len;
    pf->len[id] = (int)n;
    cr_buf_putn(&pf->pool, l, n + 1);
    pf->text = pf->pool.s;
    pf->npool = pf->pool.len;
    pf->chain[id] = pf->bucket[b];
    pf->bucket[b] = id;
    return id;
}

/* Forget what was made from the tables: they changed. */
static void changed(cr_prefilter *pf)
{
    free(pf->first);
    free(pf->clauses);
    free(pf->last);
    free(pf->lastmet);
    pf->first = pf->clauses = NULL;
    pf->last = NULL;
    pf->lastmet = NULL;
}

void cr_prefilter_add(cr_prefilter *pf, const char *need)
{
    assert(!pf->borrowed);
    int cap = pf->cappat;
    grow(&pf->always, pf->npat, &cap, 1);
    grow(&pf->nclauses, pf->npat, &pf->cappat, sizeof *pf->nclauses);
    int p = pf->npat++;
    pf->always[p] = need == NULL;
    pf->nclauses[p] = 0;
    for (const char *c = need; c && *c; c = next_clause(c)) {
        grow(&pf->owner, pf->nclause, &pf->capclause, sizeof *pf->owner);
        int k = pf->nclause++;
        pf->owner[k] = p;
        pf->nclauses[p]++;
        for (const char *l = c; *l; l += strlen(l) + 1) {
            grow(&pf->pairs, 2 * pf->npairs + 1, &pf->cappairs,
                 sizeof *pf->pairs);
            pf->pairs[2 * pf->npairs] = literal_id(pf, l);
            pf->pairs[2 * pf->npairs + 1] = k;
            pf->npairs++;
        }
    }
    changed(pf);
}

/* literal -> clauses, from the pairs (a counting sort). */
static void make_lists(cr_prefilter *pf)
{
    pf->first = xcalloc((size_t)pf->nlit + 2, sizeof *pf->first);
    pf->clauses = xcalloc((size_t)pf->npairs + 1, sizeof *pf->clauses);
    for (int i = 0; i < pf->npairs; i++)
        pf->first[pf->pairs[2 * i] + 2]++;
    for (int l = 0; l < pf->nlit; l++)
        pf->first[l + 2] += pf->first[l + 1];
    for (int i = 0; i < pf->npairs; i++)
        pf->clauses[pf->first[pf->pairs[2 * i] + 1]++] =
            pf->pairs[2 * i + 1];
}

unsigned char *cr_prefilter_scan(const cr_prefilter *pf, const char *folded)
{
    unsigned char *met = xmalloc((size_t)pf->npat + 1);
    if (folded == NULL) {
        memset(met, 1, (size_t)pf->npat + 1);
        return met;
    }
    cr_prefilter *mut = (cr_prefilter *)pf;     /* for what it keeps */
    if (pf->last != NULL && strcmp(pf->last, folded) == 0) {
        memcpy(met, pf->lastmet, (size_t)pf->npat);
        return met;
    }
    memcpy(met, pf->always, (size_t)pf->npat);
    if (pf->first == NULL)      /* lists made on first need */
        make_lists(mut);
    /* seen: literal -> found; clause -> met, after them; pattern ->
     * clauses met, in got */
    unsigned char *seen = xcalloc((size_t)pf->nlit + pf->nclause + 1, 1);
    unsigned char *cmet = seen + pf->nlit;
    int *got = xcalloc((size_t)pf->npat + 1, sizeof *got);
    size_t left = strlen(folded);
    for (const char *t = folded; left >= 2; t++, left--)
        for (size_t n = 2; n <= 3 && n <= left; n++)    /* both buckets */
            for (int id = pf->bucket[bucket_of(t, n)]; id >= 0;
                 id = pf->chain[id]) {
                const char *l = pf->text + pf->off[id];
                if (seen[id] || l[0] != t[0] || l[1] != t[1] ||
                    (size_t)pf->len[id] > left ||
                    memcmp(t + 2, l + 2, (size_t)pf->len[id] - 2) != 0)
                    continue;
                seen[id] = 1;
                for (int k = pf->first[id]; k < pf->first[id + 1]; k++) {
                    int c = pf->clauses[k], p = pf->owner[c];
                    if (!cmet[c]) {
                        cmet[c] = 1;
                        if (++got[p] == pf->nclauses[p])
                            met[p] = 1;
                    }
                }
            }
    free(got);
    free(seen);
    free(mut->last);
    free(mut->lastmet);
    mut->last = xstrdup(folded);
    mut->lastmet = xmalloc((size_t)pf->npat + 1);
    memcpy(mut->lastmet, met, (size_t)pf->npat);
    return met;
}

/* The cache's form, made to be used where it lies: little-endian 32-bit
 * words, in this order:
 *     npat nlit nclause npairs poolsize
 *     bucket[NBUCKET] nclauses[npat] owner[nclause]
 *     off[nlit] len[nlit] chain[nlit] first[nlit + 1] clauses[npairs]
 * then always[npat], a byte each, and the pool of the literals.
 * Reading it checks every count, index and offset against the bytes,
 * and that each chain only goes back, so that damaged bytes cannot make
 * a scan read outside them or go round for ever. */
enum { HEAD_WORDS = 5 };

static void put_ints(cr_buf *b, const int *v, int n)
{
    for (int i = 0; i < n; i++)
        cr_put32(b, (uint32_t)v[i]);
}

unsigned char *cr_prefilter_encode(const cr_prefilter *pf, size_t *size)
{
    if (pf->first == NULL)
        make_lists((cr_prefilter *)pf);
    cr_buf b = {0};
    cr_put32(&b, (uint32_t)pf->npat);
    cr_put32(&b, (uint32_t)pf->nlit);
    cr_put32(&b, (uint32_t)pf->nclause);
    cr_put32(&b, (uint32_t)pf->npairs);
    cr_put32(&b, (uint32_t)pf->npool);
    put_ints(&b, pf->bucket, NBUCKET);
    put_ints(&b, pf->nclauses, pf->npat);
    put_ints(&b, pf->owner, pf->nclause);
    put_ints(&b, pf->off, pf->nlit);
    put_ints(&b, pf->len, pf->nlit);
    put_ints(&b, pf->chain, pf->nlit);
    put_ints(&b, pf->first, pf->nlit + 1);
    put_ints(&b, pf->clauses, pf->npairs);
    cr_buf_putn(&b, (const char *)pf->always, (size_t)pf->npat);
    cr_buf_putn(&b, pf->text ? pf->text : "", pf->npool);
    *size = b.len;
    return (unsigned char *)cr_buf_take(&b);
}

/* Whether each of the n ints of v is in [lo, hi). */
static bool within(const int *v, int n, int lo, int hi)
{
    for (int i = 0; i < n; i++)
        if (v[i] < lo || v[i] >= hi)
            return false;
    return true;
}

/* Whether the tables pf points at hold together, as a scan uses them. */
static bool tables_hold(const cr_prefilter *pf, size_t pool)
{
    if (!within(pf->bucket, NBUCKET, -1, pf->nlit) ||
        !within(pf->owner, pf->nclause, 0, pf->npat) ||
        !within(pf->clauses, pf->npairs, 0, pf->nclause) ||
        pf->first[0] != 0 || pf->first[pf->nlit] != pf->npairs)
        return false;
    for (int i = 0; i < pf->nlit; i++)
        if (pf->chain[i] < -1 || pf->chain[i] >= i || pf->len[i] < 2 ||
            pf->off[i] < 0 || (size_t)pf->off[i] >= pool ||
            (size_t)pf->len[i] >= pool - (size_t)pf->off[i] ||
            pf->first[i] > pf->first[i + 1])
            return false;
    for (int p = 0; p < pf->npat; p++)
        if (pf->always[p] > 1 || pf->nclauses[p] < 0)
            return false;
    return true;
}

cr_prefilter *cr_prefilter_decode(const unsigned char *p, size_t size,
                                  int npat)
{
    if (!cr_little_endian() || size < 4 * (HEAD_WORDS + NBUCKET))
        return NULL;
    cr_prefilter *pf = xcalloc(1, sizeof *pf);
    pf->borrowed = true;
    p = cr_aligned4(p, size, &pf->own);
    const uint32_t *w = (const uint32_t *)(const void *)p;
    uint64_t np = w[0], nl = w[1], nc = w[2], npairs = w[3], pool = w[4];
    if (np != (uint64_t)npat || nl > size || nc > size || npairs > size ||
        pool > size) {
        cr_prefilter_free(pf);
        return NULL;
    }
    uint64_t nwords = HEAD_WORDS + NBUCKET + np + nc + 4 * nl + 1 + npairs;
    if (nwords * 4 + np + pool != size) {
        cr_prefilter_free(pf);
        return NULL;
    }
    pf->npat = (int)np;
    pf->nlit = (int)nl;
    pf->nclause = (int)nc;
    pf->npairs = (int)npairs;
    int *v = (int *)(w + HEAD_WORDS);
    pf->bucket = v;
    pf->nclauses = pf->bucket + NBUCKET;
    pf->owner = pf->nclauses + np;
    pf->off = pf->owner + nc;
    pf->len = pf->off + nl;
    pf->chain = pf->len + nl;
    pf->first = pf->chain + nl;
    pf->clauses = pf->first + nl + 1;
    pf->always = (unsigned char *)(pf->clauses + npairs);
    pf->text = (const char *)pf->always + np;
    pf->npool = (size_t)pool;
    if (!tables_hold(pf, (size_t)pool)) {
        cr_prefilter_free(pf);
        return NULL;
    }
    return pf;
}
