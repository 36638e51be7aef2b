/* corpus.c - the essay, split into a tree of sections of plain text.
 *
 * One pass over the lines: the front matter gives the title, `##` to
 * `####` headings (outside fenced code) open sections, and every other
 * line goes to the current section's block builder.  The builder gathers
 * a "logical line" (a paragraph, whose source lines are joined with a
 * space, or one list item), reduces it to plain text when the next one
 * starts, and separates logical lines of one block with a newline and
 * blocks with one blank line.
 *
 * Inline reduction never recurses and stays linear on any input: each
 * byte of a logical line gets a role (literal, markup, whitespace hint),
 * assigned by passes that bind tightest first, as CommonMark does: code
 * spans and escapes, then HTML tags, then links (brackets and parentheses
 * are matched once with a stack), then emphasis (a delimiter stack per
 * mark).  The passes visit only the bytes that may be markup, listed by
 * one scan of the line.  A last pass writes the literal bytes, runs of
 * plain text at once, decodes entities and collapses whitespace.
 *
 * Anchors follow github-slugger, duplicates included, through an
 * open-addressing hash of anchors that cr_corpus_find also uses. */
#include "config.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#include "checksum.h"
#include "corpus.h"
#include "fileio.h"
#include "xmalloc.h"

typedef struct section {
    char *heading, *anchor, *text;
    int level, parent, line;
    int dups;                   /* github-slugger's occurrence count */
} section;

struct cr_corpus {
    char *title;
    section *sec;
    int n, cap;
    int *table;                 /* anchor hash: section index or -1 */
    size_t tcap;                /* a power of two */
};

/* Roles of the bytes of a logical line.  LIT may be markup; ODD is LIT
 * too but whitespace, `&` or NUL, which render looks at; TXT is inert
 * text.  Only these three are written. */
enum { LIT, ODD, TXT, SKIP, SP, NL, BR };
#define NONE SIZE_MAX

/* Classes of bytes: the marks that may start or end markup, and the bytes
 * that end a run of plain text in render. */
enum { MARK = 1, STOP = 2 };
static const unsigned char cls[256] = {
    ['\\'] = MARK, ['`'] = MARK, ['<'] = MARK, ['['] = MARK, [']'] = MARK,
    ['('] = MARK, [')'] = MARK, ['*'] = MARK, ['_'] = MARK,
    ['\0'] = STOP, [' '] = STOP, ['\t'] = STOP, ['\n'] = STOP, ['\v'] = STOP,
    ['\f'] = STOP, ['\r'] = STOP, ['&'] = STOP
};

/* A logical line, and scratch space kept from one line to the next.  The
 * passes visit only the marks, so plain text costs one scan and one copy. */
typedef struct inl {
    const char *s;
    size_t n, nm;
    unsigned char *role;
    size_t *at;                 /* the positions of the marks */
    size_t *match;              /* per mark: its matching bracket's index */
    size_t *aux;                /* per mark: scratch for the passes */
    size_t cap, mcap;           /* of role; of at, match and aux */
} inl;

static int is_ws(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
        || c == '\v';
}

static int is_punct(int c)
{
    return c < 0x80 && ispunct(c);
}

static void set_roles(inl *x, size_t from, size_t to, int role)
{
    memset(x->role + from, role, to - from);
}

/* The first mark at or after position i, from mark t on. */
static size_t mark_from(const inl *x, size_t t, size_t i)
{
    while (t < x->nm && x->at[t] < i)
        t++;
    return t;
}

/* The end of the run of marks c from mark t: consecutive bytes, all LIT
 * if lit. */
static size_t run_end(const inl *x, size_t t, char c, int lit)
{
    size_t u = t + 1;
    while (u < x->nm && x->at[u] == x->at[u - 1] + 1 && x->s[x->at[u]] == c
           && (!lit || x->role[x->at[u]] == LIT))
        u++;
    return u;
}

/* Backslash escapes and code spans: their bytes become inert.  A run of
 * backticks opens a span that the next run of the same length closes;
 * match[] gives that run for the first mark of each (aux[] keeps the
 * last run of each length, from the right). */
static void code_spans(inl *x)
{
    size_t *next = x->match, *last = x->aux;
    memset(last, 0xFF, (x->nm + 1) * sizeof *last);    /* NONE */
    for (size_t t = x->nm; t-- > 0;) {
        if (x->s[x->at[t]] != '`')
            continue;
        size_t u = t;
        while (u > 0 && x->at[u - 1] == x->at[u] - 1 && x->s[x->at[u - 1]] == '`')
            u--;
        next[u] = last[t - u + 1];
        last[t - u + 1] = u;
        t = u;
    }
    for (size_t t = 0; t < x->nm;) {
        size_t i = x->at[t];
        int escaped = 0;
        if (x->s[i] == '\\') {
            t++;
            if (i + 1 == x->n || !is_punct((unsigned char)x->s[i + 1]))
                continue;
            x->role[i++] = SKIP;
            if (x->s[i] != '`') {
                x->role[i] = TXT;
                t += t < x->nm && x->at[t] == i;
                continue;
            }
            escaped = 1;        /* an escaped run is literal */
        }
        if (x->s[i] != '`') {
            t++;
            continue;
        }
        size_t len = run_end(x, t, '`', 0) - t, c;
        if (escaped || next[t] == NONE) {
            set_roles(x, i, i + len, TXT);
            t += len;
            continue;
        }
        c = x->at[next[t]];
        set_roles(x, i, i + len, SKIP);
        set_roles(x, i + len, c, TXT);
        set_roles(x, c, c + len, SKIP);
        t = next[t] + len;
    }
}

/* What a tag leaves behind in plain text. */
static int tag_role(const char *name, size_t len)
{
    static const char *const block[] = { "blockquote", "div", "ul", "ol",
        "li", "table", "tr", "pre", "hr", "h1", "h2", "h3", "h4", "h5", "h6" };
    static const char *const gap[] = { "p", "td", "th" };
    if (len == 2 && strncasecmp(name, "br", 2) == 0)
        return BR;
    for (size_t k = 0; k < sizeof block / sizeof *block; k++)
        if (strlen(block[k]) == len && strncasecmp(name, block[k], len) == 0)
            return NL;
    for (size_t k = 0; k < sizeof gap / sizeof *gap; k++)
        if (strlen(gap[k]) == len && strncasecmp(name, gap[k], len) == 0)
            return SP;
    return SKIP;
}

/* The position of the first `pat` at or after i, or NONE; *memo caches
 * the last answer so that repeated searches stay linear. */
static size_t find_from(const inl *x, size_t i, const char *pat, size_t *memo)
{
    if (*memo != NONE && *memo >= i)
        return *memo < x->n ? *memo : NONE;
    const char *p = memmem(x->s + i, x->n - i, pat, strlen(pat));
    *memo = p ? (size_t)(p - x->s) : x->n;
    return p ? *memo : NONE;
}

/* Mark the tag, comment or autolink that starts with the `<` at i;
 * returns the position after it, or i + 1 if there is none. */
static size_t html_at(inl *x, size_t i, size_t *gt, size_t *cmt)
{
    const char *s = x->s;
    if (i + 3 < x->n && memcmp(s + i, "<!--", 4) == 0) {
        size_t e = find_from(x, i + 4, "-->", cmt);
        if (e == NONE)
            return i + 1;
        set_roles(x, i, e + 3, SKIP);
        return e + 3;
    }
    size_t e = find_from(x, i + 1, ">", gt), a = i + 1;
    if (e == NONE)
        return i + 1;
    a += a < e && s[a] == '/';
    if (a >= e || !isalpha((unsigned char)s[a]))
        return i + 1;
    size_t b = a;
    while (b < e && !is_ws((unsigned char)s[b]) && s[b] != '<')
        b++;
    if (b == e && (memchr(s + a, ':', e - a) || memchr(s + a, '@', e - a))) {
        x->role[i] = x->role[e] = SKIP;         /* autolink */
        set_roles(x, i + 1, e, TXT);
        return e + 1;
    }
    for (b = a; b < e && (isalnum((unsigned char)s[b]) || s[b] == '-'); b++)
        ;
    if (b < e && !is_ws((unsigned char)s[b]) && s[b] != '/')
        return i + 1;
    set_roles(x, i, e + 1, SKIP);
    x->role[i] = (unsigned char)tag_role(s + a, b - a);
    return e + 1;
}

static void html(inl *x)
{
    size_t gt = NONE, cmt = NONE;
    for (size_t t = 0; t < x->nm; t++) {
        size_t i = x->at[t];
        if (x->s[i] == '<' && x->role[i] == LIT)
            t = mark_from(x, t, html_at(x, i, &gt, &cmt)) - 1;
    }
}

/* Pair up the literal open and close marks of the line. */
static void match_pairs(inl *x, char open, char close)
{
    size_t top = 0;
    for (size_t t = 0; t < x->nm; t++) {
        size_t i = x->at[t];
        if (x->role[i] != LIT)
            continue;
        if (x->s[i] == open) {
            x->aux[top++] = t;
        } else if (x->s[i] == close && top > 0) {
            x->match[t] = x->aux[--top];
            x->match[x->aux[top]] = t;
        }
    }
}

/* Make the bytes from mark a to mark b SKIP, where end[] jumps over the
 * blocks made SKIP before: each byte is set once, even though the blocks
 * of nested links, whose parentheses may match past the end of the outer
 * link, overlap.  None of them holds a, so all start after it. */
static void skip_marks(inl *x, size_t *end, size_t a, size_t b)
{
    size_t t = a, from = x->at[a];      /* the first byte left to set */
    while (t <= b) {
        if (end[t] == NONE) {
            t++;
            continue;
        }
        set_roles(x, from, x->at[t], SKIP);
        b = end[t] > b ? end[t] : b;
        from = x->at[end[t]] + 1;
        t = end[t] + 1;
    }
    set_roles(x, from, x->at[b] + 1, SKIP);
    end[a] = b;
}

/* [text](url), [text][ref] and ![alt](url) keep only text and alt. */
static void links(inl *x)
{
    memset(x->match, 0xFF, x->nm * sizeof *x->match);   /* NONE */
    match_pairs(x, '[', ']');
    match_pairs(x, '(', ')');
    memset(x->aux, 0xFF, x->nm * sizeof *x->aux);
    const size_t *at = x->at;
    for (size_t t = 0; t < x->nm; t++) {
        size_t i = at[t], j = x->match[t], k = j + 1;
        if (x->s[i] != '[' || x->role[i] != LIT || j == NONE
            || x->role[at[j]] != LIT || k == x->nm || at[k] != at[j] + 1
            || x->role[at[k]] != LIT || (x->s[at[k]] != '(' && x->s[at[k]] != '[')
            || x->match[k] == NONE)
            continue;
        x->role[i] = SKIP;
        if (i > 0 && x->s[i - 1] == '!' && x->role[i - 1] == LIT)
            x->role[i - 1] = SKIP;
        skip_marks(x, x->aux, j, x->match[k]);
    }
}

typedef struct delim {
    size_t end, len;            /* the unmatched marks end at end */
} delim;

typedef struct dstack {
    delim *d;
    size_t top, cap;
} dstack;

/* Match a run of marks [a, b) against the openers on st. */
static void delim_run(inl *x, dstack *st, size_t a, size_t b, int open,
                      int close)
{
    while (close && a < b && st->top > 0) {
        delim *o = &st->d[st->top - 1];
        size_t k = o->len >= 2 && b - a >= 2 ? 2 : 1;
        set_roles(x, o->end - k, o->end, SKIP);
        set_roles(x, a, a + k, SKIP);
        o->end -= k;
        o->len -= k;
        a += k;
        st->top -= o->len == 0;
    }
    if (open && a < b) {
        if (st->top == st->cap)
            st->d = xreallocarray(st->d, st->cap = st->cap ? 2 * st->cap : 16,
                                  sizeof *st->d);
        st->d[st->top++] = (delim){ b, b - a };
    }
}

/* `*` and `_` emphasis, by CommonMark's flanking rules. */
static void emphasis(inl *x)
{
    dstack st[2] = { { NULL, 0, 0 }, { NULL, 0, 0 } };
    for (size_t t = 0, u; t < x->nm; t = u) {
        size_t a = x->at[t];
        char c = x->s[a];
        u = t + 1;
        if ((c != '*' && c != '_') || x->role[a] != LIT)
            continue;
        u = run_end(x, t, c, 1);
        size_t b = x->at[u - 1] + 1;
        int p = a > 0 ? (unsigned char)x->s[a - 1] : ' ';
        int q = b < x->n ? (unsigned char)x->s[b] : ' ';
        int left = !is_ws(q) && (!is_punct(q) || is_ws(p) || is_punct(p));
        int right = !is_ws(p) && (!is_punct(p) || is_ws(q) || is_punct(q));
        if (c == '*')
            delim_run(x, &st[0], a, b, left, right);
        else
            delim_run(x, &st[1], a, b, left && (!right || is_punct(p)),
                      right && (!left || is_punct(q)));
    }
    free(st[0].d);
    free(st[1].d);
}

static size_t utf8_put(char *out, unsigned long cp)
{
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    size_t n = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    static const unsigned char lead[] = { 0, 0, 0xC0, 0xE0, 0xF0 };
    for (size_t k = n - 1; k > 0; k--, cp >>= 6)
        out[k] = (char)(0x80 | (cp & 0x3F));
    out[0] = (char)(lead[n] | cp);
    return n;
}

/* Decode the entity at s into out; returns its length, or 0. */
static size_t entity(const char *s, size_t n, char *out, size_t *outlen)
{
    static const char *const names[][2] = { { "amp", "&" }, { "lt", "<" },
        { "gt", ">" }, { "quot", "\"" }, { "apos", "'" }, { "nbsp", " " },
        { "mdash", "\xE2\x80\x94" }, { "ndash", "\xE2\x80\x93" },
        { "hellip", "\xE2\x80\xA6" }, { "lsquo", "\xE2\x80\x98" },
        { "rsquo", "\xE2\x80\x99" }, { "ldquo", "\xE2\x80\x9C" },
        { "rdquo", "\xE2\x80\x9D" }, { "copy", "\xC2\xA9" } };
    const char *semi = memchr(s, ';', n < 12 ? n : 12);
    if (semi == NULL || semi - s < 3)
        return 0;
    size_t len = (size_t)(semi - s) + 1;
    if (s[1] == '#') {
        int hex = s[2] == 'x' || s[2] == 'X';
        unsigned long cp = 0;
        for (const char *p = s + 2 + hex; p < semi; p++) {
            int d = (unsigned char)*p;
            if (!(hex ? isxdigit(d) : isdigit(d)))
                return 0;
            cp = cp * (hex ? 16 : 10)
                + (unsigned long)(isdigit(d) ? d - '0' : tolower(d) - 'a' + 10);
        }
        *outlen = semi > s + 2 + hex ? utf8_put(out, cp) : 0;
        return *outlen ? len : 0;
    }
    for (size_t k = 0; k < sizeof names / sizeof *names; k++)
        if (strlen(names[k][0]) == len - 2
            && memcmp(s + 1, names[k][0], len - 2) == 0) {
            *outlen = strlen(names[k][1]);
            memcpy(out, names[k][1], *outlen);
            return len;
        }
    return 0;
}

/* Write n bytes at s, first the whitespace pending before them, or lead
 * before the first bytes of the line (plain text has no leading or
 * trailing whitespace). */
static void put(cr_buf *out, size_t start, const char *lead, int *pend,
                const char *s, size_t n)
{
    static const char *const ws[] = { "", " ", "\n", "\n\n" };
    if (out->len == start || *pend)
        cr_buf_puts(out, out->len == start ? lead : ws[*pend]);
    *pend = 0;
    cr_buf_putn(out, s, n);
}

/* Whether the byte at j is written as it is. */
static int plain_at(const inl *x, size_t j)
{
    return x->role[j] == LIT
        || (x->role[j] == TXT && !(cls[(unsigned char)x->s[j]] & STOP));
}

/* Append the written bytes of the line to out, decoding entities and
 * collapsing whitespace; runs of plain bytes and single spaces go at
 * once. */
static void render(const inl *x, cr_buf *out, const char *lead)
{
    const char *s = x->s;
    const unsigned char *role = x->role;
    size_t n = x->n, start = out->len;
    int pend = 0;
    for (size_t i = 0, j; i < n; i = j) {
        unsigned char c = (unsigned char)s[i];
        char e[8];
        size_t elen, used;
        j = i + 1;
        if (plain_at(x, i)) {
            for (;;)            /* role[n] is SKIP */
                if (plain_at(x, j))
                    j++;
                else if ((role[j] == ODD || role[j] == TXT) && s[j] == ' '
                         && plain_at(x, j + 1))
                    j += 2;
                else
                    break;
            put(out, start, lead, &pend, s + i, j - i);
            continue;
        }
        switch (role[i]) {
        case SP: pend = pend > 1 ? pend : 1; break;
        case NL: pend = pend > 2 ? pend : 2; break;
        case BR: pend = pend >= 2 ? 3 : 2; break;
        case ODD: case TXT:
            if (c == '\0')
                ;
            else if (is_ws(c))
                pend = pend ? pend : 1;
            else if (c == '&' && role[i] == ODD
                     && (used = entity(s + i, n - i, e, &elen)) > 0) {
                if (elen == 1 && e[0] == ' ')
                    pend = pend ? pend : 1;
                else
                    put(out, start, lead, &pend, e, elen);
                j = i + used;
            } else
                put(out, start, lead, &pend, s + i, 1);
            break;
        }
    }
}

/* Room for more than nm marks. */
static void grow_marks(inl *x, size_t nm)
{
    if (nm < x->mcap)
        return;
    x->mcap = nm >= 2 * x->mcap ? nm + 1 : 2 * x->mcap;
    x->at = xreallocarray(x->at, x->mcap, sizeof *x->at);
    x->match = xreallocarray(x->match, x->mcap, sizeof *x->match);
    x->aux = xreallocarray(x->aux, x->mcap, sizeof *x->aux);
}

/* Append the plain text of Markdown inline text to out; see render. */
static void plain_inline(inl *x, const char *s, size_t n, cr_buf *out,
                         const char *lead)
{
    if (n >= x->cap) {
        x->cap = n >= 2 * x->cap ? n + 1 : 2 * x->cap;
        free(x->role);
        x->role = xmalloc(x->cap);
    }
    unsigned char *role = x->role;
    size_t *at = x->at, nm = 0, mcap = x->mcap;
    memset(role, LIT, n);
    for (size_t i = 0; i < n; i++) {
        unsigned char k = cls[(unsigned char)s[i]];
        if (k == 0)
            continue;
        if (k == STOP) {
            role[i] = ODD;
            continue;
        }
        if (nm == mcap) {
            grow_marks(x, nm);
            at = x->at;
            mcap = x->mcap;
        }
        at[nm++] = i;
    }
    role[n] = SKIP;
    grow_marks(x, nm);
    x->s = s;
    x->n = n;
    x->nm = nm;
    if (nm > 0) {
        code_spans(x);
        html(x);
        links(x);
        emphasis(x);
    }
    render(x, out, lead);
}

/* Building the sections. */

typedef struct parser {
    cr_corpus *c;
    cr_buf text;                /* plain text of the current section */
    cr_buf raw;                 /* the logical line being gathered */
    inl x;
    int have_raw;
    int in_block;               /* no blank line since the last output */
    char fence;                 /* '`' or '~' inside fenced code, else 0 */
    size_t fence_len;
} parser;

static void add_section(cr_corpus *c, char *heading, int level, int line)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        c->sec = xreallocarray(c->sec, (size_t)c->cap, sizeof *c->sec);
    }
    /* The nearest earlier heading of a lower level; the parent chain
     * skips the sections in between, which all have a level >= ours. */
    int j = c->n - 1;
    while (j > 0 && c->sec[j].level >= level)
        j = c->sec[j].parent;
    c->sec[c->n++] = (section){ heading, NULL, NULL, level, j > 0 ? j : -1,
                                line, 0 };
}

static void emit(parser *p, const char *s, size_t n)
{
    if (n == 0)
        return;
    if (p->text.len > 0)
        cr_buf_puts(&p->text, p->in_block ? "\n" : "\n\n");
    cr_buf_putn(&p->text, s, n);
    p->in_block = 1;
}

static void flush(parser *p)
{
    if (!p->have_raw)
        return;
    size_t len = p->text.len;
    plain_inline(&p->x, p->raw.s, p->raw.len, &p->text,
                 len == 0 ? "" : p->in_block ? "\n" : "\n\n");
    p->in_block |= p->text.len > len;
    p->raw.len = 0;
    p->have_raw = 0;
}

static void end_block(parser *p)
{
    flush(p);
    p->in_block = 0;
}

static void finish_section(parser *p)
{
    end_block(p);
    p->c->sec[p->c->n - 1].text = cr_buf_take(&p->text);
}

static size_t skip_ws(const char *s, size_t i, size_t n)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

/* An ATX heading: its level (1-6) and content [*a, *b), or 0. */
static int atx(const char *s, size_t n, size_t *a, size_t *b)
{
    size_t i = skip_ws(s, 0, n), h = i;
    while (h < n && s[h] == '#')
        h++;
    if (i > 3 || h == i || h - i > 6 || (h < n && s[h] != ' ' && s[h] != '\t'))
        return 0;
    size_t e = n;
    while (e > h && is_ws((unsigned char)s[e - 1]))
        e--;
    size_t t = e;
    while (t > h && s[t - 1] == '#')
        t--;
    if (t == h || s[t - 1] == ' ' || s[t - 1] == '\t')
        e = t;                  /* a closing sequence */
    *a = skip_ws(s, h, e);
    *b = e;
    return (int)(h - i);
}

/* The length of a fence (3+ backticks or tildes) at s, or 0. */
static size_t fence_at(const char *s, size_t n, char want)
{
    size_t k = 0;
    if (n == 0)
        return 0;
    char c = want ? want : s[0];
    if (c != '`' && c != '~')
        return 0;
    while (k < n && s[k] == c)
        k++;
    if (k < 3 || (c == '`' && memchr(s + k, '`', n - k)))
        return 0;
    return k;
}

static int thematic_break(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == s[0])
            k++;
        else if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return k >= 3 && (s[0] == '-' || s[0] == '*' || s[0] == '_');
}

/* The length of a list marker with its spaces, or 0; *ordered if 1. or 1) */
static size_t list_marker(const char *s, size_t n, int *ordered)
{
    size_t i = 0;
    while (i < n && i < 9 && isdigit((unsigned char)s[i]))
        i++;
    *ordered = i > 0;
    if (i > 0 ? i >= n || (s[i] != '.' && s[i] != ')')
              : n == 0 || (s[0] != '-' && s[0] != '*' && s[0] != '+'))
        return 0;
    i++;
    if (i < n && s[i] != ' ' && s[i] != '\t')
        return 0;
    return skip_ws(s, i, n);
}

static void code_line(parser *p, const char *s, size_t n)
{
    size_t i = skip_ws(s, 0, n);
    size_t k = fence_at(s + i, n - i, p->fence);
    if (k >= p->fence_len && skip_ws(s, i + k, n) == n) {
        p->fence = 0;
        end_block(p);
    } else if (i == n) {
        end_block(p);
    } else {
        cr_buf *line = &p->raw;         /* empty inside fenced code */
        for (i = 0; i < n; i++) {
            const char *z = memchr(s + i, '\0', n - i);
            size_t e = z ? (size_t)(z - s) : n;
            cr_buf_putn(line, s + i, e - i);
            i = e;
        }
        while (line->len > 0 && is_ws((unsigned char)line->s[line->len - 1]))
            line->len--;        /* a NUL hid these from feed */
        emit(p, line->s, line->len);
        line->len = 0;
    }
}

/* A line of a section's body (not a `##`-`####` heading). */
static void body_line(parser *p, const char *s, size_t n)
{
    size_t i = skip_ws(s, 0, n), a, b, k;
    int level, ordered;
    while (i < n && s[i] == '>')                        /* block quotes */
        i = skip_ws(s, i + 1, n);
    if (i == n || thematic_break(s + i, n - i)) {
        end_block(p);
    } else if ((k = fence_at(s + i, n - i, 0)) > 0) {
        end_block(p);
        p->fence = s[i];
        p->fence_len = k;
    } else if ((level = atx(s, n, &a, &b)) > 0) {       /* # or ##### */
        end_block(p);
        cr_buf_putn(&p->raw, s + a, b - a);
        p->have_raw = 1;
        end_block(p);
    } else if ((k = list_marker(s + i, n - i, &ordered)) > 0) {
        flush(p);
        if (!ordered) {                 /* numbers stay, bullets become - */
            cr_buf_puts(&p->raw, "- ");
            i += k;
        }
        cr_buf_putn(&p->raw, s + i, n - i);
        p->have_raw = 1;
    } else {
        if (p->have_raw)
            cr_buf_putc(&p->raw, ' ');
        cr_buf_putn(&p->raw, s + i, n - i);
        p->have_raw = 1;
    }
}

static void feed(parser *p, const char *s, size_t n, int line)
{
    size_t a, b;
    int level;
    while (n > 0 && is_ws((unsigned char)s[n - 1]))
        n--;
    level = p->fence ? 0 : atx(s, n, &a, &b);
    if (p->c->n == 1 && p->c->sec[0].line == 0 && (level < 2 || level > 4)
        && skip_ws(s, 0, n) < n)
        p->c->sec[0].line = line;       /* the introduction's first text */
    if (p->fence) {
        code_line(p, s, n);
    } else if (level >= 2 && level <= 4) {
        finish_section(p);
        cr_buf hb = { 0 };
        plain_inline(&p->x, s + a, b - a, &hb, "");
        char *h = cr_buf_take(&hb);
        for (char *q = h; *q; q++)
            *q = *q == '\n' ? ' ' : *q;
        add_section(p->c, h, level, line);
    } else {
        body_line(p, s, n);
    }
}

static int is_line(const char *s, size_t n, const char *want)
{
    while (n > 0 && is_ws((unsigned char)s[n - 1]))
        n--;
    return n == strlen(want) && memcmp(s, want, n) == 0;
}

/* The front matter between the first two `---` lines at s; *pos and *line
 * are moved past it.  Only title: is read. */
static void front_matter(cr_corpus *c, const char *s, size_t n, size_t *pos,
                         int *line)
{
    const char *nl = memchr(s, '\n', n);
    if (nl == NULL || !is_line(s, (size_t)(nl - s), "---"))
        return;
    char *title = NULL;
    for (size_t i = (size_t)(nl - s) + 1, l = 2; i < n; l++) {
        const char *e = memchr(s + i, '\n', n - i);
        size_t len = e ? (size_t)(e - s) - i : n - i;
        if (is_line(s + i, len, "---") || is_line(s + i, len, "...")) {
            c->title = title;
            *pos += e ? i + len + 1 : n;
            *line = (int)l + 1;
            return;
        }
        if (len >= 6 && memcmp(s + i, "title:", 6) == 0 && title == NULL) {
            size_t a = skip_ws(s, i + 6, i + len), b = i + len;
            while (b > a && is_ws((unsigned char)s[b - 1]))
                b--;
            if (b - a >= 2 && (s[a] == '"' || s[a] == '\'') && s[b - 1] == s[a])
                a++, b--;
            title = xstrndup(s + a, b - a);
        }
        i += len + 1;
    }
    free(title);                /* never closed: not front matter */
}

/* The table slot holding key, or the empty slot where it would go. */
static size_t slot(const cr_corpus *c, const char *key)
{
    size_t h = cr_hash32_str(key) & (c->tcap - 1);
    while (c->table[h] >= 0 && strcmp(c->sec[c->table[h]].anchor, key) != 0)
        h = (h + 1) & (c->tcap - 1);
    return h;
}

static void make_anchors(cr_corpus *c)
{
    for (c->tcap = 16; c->tcap < 2 * (size_t)c->n; c->tcap *= 2)
        ;
    c->table = xreallocarray(NULL, c->tcap, sizeof *c->table);
    for (size_t h = 0; h < c->tcap; h++)
        c->table[h] = -1;
    for (int i = 0; i < c->n; i++) {
        char *base = cr_corpus_slug(c->sec[i].heading), *a = base;
        size_t h = slot(c, base);
        if (c->table[h] >= 0) {
            section *orig = &c->sec[c->table[h]];
            for (a = NULL; a == NULL || c->table[h] >= 0; h = slot(c, a)) {
                free(a);
                a = xasprintf("%s-%d", base, ++orig->dups);
            }
            free(base);
        }
        c->sec[i].anchor = a;
        c->table[h] = i;
    }
}

cr_corpus *cr_corpus_parse(const char *text, size_t len)
{
    cr_corpus *c = xcalloc(1, sizeof *c);
    parser p = { .c = c };
    size_t pos = 0;
    int line = 1;
    if (text == NULL) {
        text = "";
        len = 0;
    }
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    front_matter(c, text + pos, len - pos, &pos, &line);
    if (c->title == NULL)
        c->title = xstrdup("");
    add_section(c, xstrdup("Introduction"), 2, 0);
    for (int l = line; pos < len; l++) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        feed(&p, text + pos, end - pos, l);
        pos = end + 1;
    }
    finish_section(&p);
    cr_buf_free(&p.raw);
    free(p.x.role);
    free(p.x.at);
    free(p.x.match);
    free(p.x.aux);
    if (c->sec[0].line == 0)
        c->sec[0].line = line;
    make_anchors(c);
    return c;
}

/* The encoding: the title, then per section its level (a byte, '2' to
 * '4'), its line (decimal digits), heading and text, each string ended
 * by its NUL.  Parents and anchors are not kept: decoding finds them as
 * parsing does (add_section, make_anchors), so a decoded corpus is the
 * parsed one, and bytes that could not come from a parse are refused. */
unsigned char *cr_corpus_encode(const cr_corpus *c, size_t *n)
{
    cr_buf b = {0};
    cr_buf_putn(&b, c->title, strlen(c->title) + 1);
    for (int i = 0; i < c->n; i++) {
        const section *x = &c->sec[i];
        cr_buf_printf(&b, "%c%d", '0' + x->level, x->line);
        cr_buf_putn(&b, "", 1);
        cr_buf_putn(&b, x->heading, strlen(x->heading) + 1);
        cr_buf_putn(&b, x->text, strlen(x->text) + 1);
    }
    *n = b.len;
    return (unsigned char *)cr_buf_take(&b);
}

/* The string at *p, ended by a NUL before end, copied; *p moved past. */
static char *take_str(const unsigned char **p, const unsigned char *end)
{
    const unsigned char *z = memchr(*p, '\0', (size_t)(end - *p));
    if (z == NULL)
        return NULL;
    char *s = xstrndup((const char *)*p, (size_t)(z - *p));
    *p = z + 1;
    return s;
}

cr_corpus *cr_corpus_decode(const unsigned char *p, size_t n)
{
    const unsigned char *end = p + n;
    cr_corpus *c = xcalloc(1, sizeof *c);
    int ok = (c->title = take_str(&p, end)) != NULL;
    while (ok && p < end) {
        int level = *p++ - '0';
        char *line = take_str(&p, end), *e;
        long l = line && *line ? strtol(line, &e, 10) : -1;
        ok = level >= 2 && level <= 4 && (c->n > 0 || level == 2) &&
             l >= 0 && l <= INT_MAX && *e == '\0' &&
             isdigit((unsigned char)*line);
        free(line);
        char *heading = ok ? take_str(&p, end) : NULL;
        if (heading == NULL)
            break;
        add_section(c, heading, level, (int)l);
        ok = (c->sec[c->n - 1].text = take_str(&p, end)) != NULL;
    }
    if (!ok || c->n == 0) {
        cr_corpus_free(c);
        return NULL;
    }
    make_anchors(c);
    return c;
}

cr_corpus *cr_corpus_load(const char *path, int *errp)
{
    int mine, *err = errp ? errp : &mine;
    int fd = cr_file_open(path, O_RDONLY, 0, err);
    FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (f == NULL) {
        if (fd >= 0) {
            *err = errno;
            close(fd);
        }
        return NULL;
    }
    cr_buf b = { 0 };
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        cr_buf_putn(&b, chunk, got);
    *err = ferror(f) ? (errno ? errno : EIO) : 0;
    fclose(f);
    if (*err) {
        cr_buf_free(&b);
        return NULL;
    }
    cr_corpus *c = cr_corpus_parse(b.s ? b.s : "", b.len);
    cr_buf_free(&b);
    return c;
}

void cr_corpus_free(cr_corpus *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < c->n; i++) {
        free(c->sec[i].heading);
        free(c->sec[i].anchor);
        free(c->sec[i].text);
    }
    free(c->sec);
    free(c->table);
    free(c->title);
    free(c);
}

const char *cr_corpus_title(const cr_corpus *c)
{
    return c->title;
}

int cr_corpus_count(const cr_corpus *c)
{
    return c->n;
}

int cr_corpus_find(const cr_corpus *c, const char *anchor)
{
    return anchor ? c->table[slot(c, anchor)] : -1;
}

static const section *get(const cr_corpus *c, int i)
{
    assert(i >= 0 && i < c->n);
    return &c->sec[i];
}

const char *cr_corpus_heading(const cr_corpus *c, int i)
{
    return get(c, i)->heading;
}

const char *cr_corpus_anchor(const cr_corpus *c, int i)
{
    return get(c, i)->anchor;
}

const char *cr_corpus_text(const cr_corpus *c, int i)
{
    return get(c, i)->text;
}

int cr_corpus_level(const cr_corpus *c, int i)
{
    return get(c, i)->level;
}

int cr_corpus_parent(const cr_corpus *c, int i)
{
    return get(c, i)->parent;
}

int cr_corpus_line(const cr_corpus *c, int i)
{
    return get(c, i)->line;
}

char *cr_corpus_path(const cr_corpus *c, int i, const char *sep)
{
    int chain[8], n = 0;        /* levels 2 to 4: at most 3 deep */
    for (int j = i; j >= 0 && n < 8; j = get(c, j)->parent)
        chain[n++] = j;
    cr_buf b = { 0 };
    while (n-- > 0) {
        cr_buf_puts(&b, c->sec[chain[n]].heading);
        if (n > 0)
            cr_buf_puts(&b, sep);
    }
    return cr_buf_take(&b);
}

/* Whether code point cp is punctuation or a symbol, which slugs drop. */
static int slug_drops(unsigned long cp)
{
    return (cp >= 0xA0 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7
        || (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x2E00 && cp <= 0x2E7F)
        || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE00 && cp <= 0xFE0F)
        || (cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0x1F000 && cp <= 0x1FAFF);
}

/* The length of the valid UTF-8 sequence at s (and its code point), or 0. */
static size_t utf8_get(const unsigned char *s, unsigned long *cp)
{
    size_t n = s[0] >= 0xF0 && s[0] < 0xF5 ? 4 : s[0] >= 0xE0 && s[0] < 0xF0 ? 3
             : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : 0;
    if (n == 0)
        return 0;
    *cp = s[0] & (0x7F >> n);
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[k] & 0x3F);
    }
    static const unsigned long min[] = { 0, 0, 0x80, 0x800, 0x10000 };
    return *cp >= min[n] && *cp <= 0x10FFFF && (*cp < 0xD800 || *cp > 0xDFFF)
        ? n : 0;
}

char *cr_corpus_slug(const char *heading)
{
    const unsigned char *s = (const unsigned char *)heading;
    char *slug = xmalloc(strlen(heading) + 1), *o = slug;
    while (*s) {                        /* never longer than the heading */
        unsigned long cp;
        size_t n;
        if (*s < 0x80) {
            if (isalnum(*s) || *s == '-' || *s == '_')
                *o++ = (char)tolower(*s);
            else if (*s == ' ')
                *o++ = '-';
            s++;
        } else if ((n = utf8_get(s, &cp)) == 0) {
            s++;
        } else {
            if (!slug_drops(cp)) {
                memcpy(o, s, n);
                o += n;
            }
            s += n;
        }
    }
    *o = '\0';
    return slug;
}
