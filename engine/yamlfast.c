/* yamlfast.c - the fast path through plain YAML (see yamlfast.h).
 *
 * A recursive descent over lines.  Block collections are told apart by
 * indentation, as libyaml's scanner does: a mapping at column n takes
 * the keys at column n, a sequence the dashes at column n (a sequence
 * may also sit at its mapping's column, under a key of it); a line at
 * any other indentation than the open collections' ends them or, when
 * it matches none, is outside the subset.  Whatever is outside the
 * subset, or an error to libyaml, ends the parse through longjmp, and
 * libyaml reads the file again: so the path never reports an error of
 * its own, and needs only to be right about what it accepts.
 *
 * Marks are libyaml's: line and column from 0, column and index
 * counting characters (not bytes); a scalar starts at its first
 * character (its quote or block indicator) and ends after its last (a
 * plain scalar's last non-space; a block scalar's last line break); a
 * block mapping starts at its first key, a block sequence at its first
 * dash, a flow collection at its bracket. */
#include "config.h"

#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"
#include "yamlfast.h"

/* Below the loader's MAX_DEPTH, so that nesting is its to report; and
 * libyaml's limit on the length of a key. */
enum { MAX_NEST = 60, MAX_KEY = 1000 };

/* A scalar read but not yet sent: a block key is known to be one only
 * once its colon is seen. */
typedef struct scalar {
    yaml_scalar_style_t style;
    yaml_mark_t start, end;
    const char *value;          /* in the text, or in scan.dec */
    size_t len;
} scalar;

typedef struct scan {
    const char *t;
    size_t len, p;              /* the text, its length, where we are */
    size_t line, ls, lsi;       /* p's line, its first byte, its index */
    int ascii;                  /* columns are bytes */
    size_t cpos, ccol;          /* else: a byte of the line, its column */
    int nest;
    const cr_yf_sink *sink;
    cr_buf dec;                 /* the value being decoded */
    jmp_buf out;
} scan;

static void give_up(scan *s)
{
    longjmp(s->out, 1);
}

static int cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Whether every byte is one libyaml reads as text, and no construct
 * the subset leaves out can hide in the bytes: printable UTF-8 without
 * tabs, carriage returns, C1 controls, byte order marks or YAML 1.1's
 * line breaks (U+0085, U+2028, U+2029).  *ascii: all of it ASCII. */
static int plain_text(const unsigned char *t, size_t len, int *ascii)
{
    size_t i = 0;
    *ascii = 1;
    while (i < len) {
        while (i < len && t[i] >= 0x20 && t[i] < 0x7F)
            i++;
        if (i == len)
            break;
        unsigned c = t[i];
        if (c < 0x80) {
            if (c != '\n')
                return 0;
            i++;
            continue;
        }
        *ascii = 0;
        int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 ? 1 : -1;
        if (n < 0 || c > 0xF4 || len - i - 1 < (size_t)n)
            return 0;
        unsigned cp = c & (0x3F >> n);
        for (int k = 1; k <= n; k++) {
            if (!cont(t[i + k]))
                return 0;
            cp = cp << 6 | (t[i + k] & 0x3F);
        }
        static const unsigned least[] = {0, 0x80, 0x800, 0x10000};
        if (cp < least[n] || cp > 0x10FFFF || cp < 0xA0 ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFEFF ||
            cp == 0x2028 || cp == 0x2029 || cp == 0xFFFE || cp == 0xFFFF)
            return 0;
        i += (size_t)n + 1;
    }
    return 1;
}

/* Places. */

/* The mark of byte pos of the current line. */
static yaml_mark_t mark(scan *s, size_t pos)
{
    size_t col;
    if (s->ascii) {
        col = pos - s->ls;
    } else {
        if (pos < s->cpos) {
            s->cpos = s->ls;
            s->ccol = 0;
        }
        for (; s->cpos < pos; s->cpos++)
            s->ccol += !cont((unsigned char)s->t[s->cpos]);
        col = s->ccol;
    }
    yaml_mark_t m = {s->lsi + col, s->line, col};
    return m;
}

static size_t column(scan *s)
{
    return mark(s, s->p).column;
}

static int at_eol(const scan *s)
{
    return s->p >= s->len || s->t[s->p] == '\n';
}

/* The byte k after p; a line break past the end. */
static char peek(const scan *s, size_t k)
{
    return s->p + k < s->len ? s->t[s->p + k] : '\n';
}

static void skip_spaces(scan *s)
{
    while (s->p < s->len && s->t[s->p] == ' ')
        s->p++;
}

static void skip_to_eol(scan *s)
{
    const char *nl = memchr(s->t + s->p, '\n', s->len - s->p);
    s->p = nl ? (size_t)(nl - s->t) : s->len;
}

/* Past the end of this line: the bookkeeping of a new line. */
static void next_line(scan *s)
{
    skip_to_eol(s);
    if (s->p >= s->len)
        return;
    s->lsi += mark(s, s->p).column + 1;
    s->line++;
    s->ls = s->cpos = ++s->p;
    s->ccol = 0;
}

/* At the start of a line: a directive or a document marker, which the
 * subset leaves out. */
static void no_marker(scan *s)
{
    const char *t = s->t + s->p;
    size_t left = s->len - s->p;
    if (left > 0 && t[0] == '%')
        give_up(s);
    if (left >= 3 && (memcmp(t, "---", 3) == 0 || memcmp(t, "...", 3) == 0) &&
        (left == 3 || t[3] == ' ' || t[3] == '\n'))
        give_up(s);
}

/* The indentation of the next line with content, from the line s is
 * on, with p at that content; -1 at the end of the text. */
static long content_line(scan *s)
{
    for (;;) {
        if (s->p == s->ls)
            no_marker(s);
        skip_spaces(s);
        if (s->p >= s->len)
            return -1;
        if (s->t[s->p] == '\n' || s->t[s->p] == '#') {
            next_line(s);
            continue;
        }
        return (long)(s->p - s->ls);
    }
}

/* After a value on its line: nothing but spaces and a comment, then
 * the next line with content. */
static long end_of_entry(scan *s)
{
    size_t was = s->p;
    skip_spaces(s);
    if (!at_eol(s) && !(s->t[s->p] == '#' && s->p > was))
        give_up(s);
    next_line(s);
    return content_line(s);
}

/* Events. */

static void emit(scan *s, cr_yf_kind kind, yaml_mark_t start,
                 yaml_mark_t end, const char *value, size_t len,
                 yaml_scalar_style_t style)
{
    s->sink->event(s->sink->ud, kind, start, end, value, len, style);
}

static void emit_scalar(scan *s, const scalar *v)
{
    emit(s, CR_YF_SCALAR, v->start, v->end, v->value, v->len, v->style);
}

/* The start of a collection with that mark. */
static void open_node(scan *s, cr_yf_kind kind, yaml_mark_t at)
{
    if (++s->nest > MAX_NEST)
        give_up(s);
    emit(s, kind, at, at, NULL, 0, YAML_ANY_SCALAR_STYLE);
}

static void close_node(scan *s)
{
    yaml_mark_t at = mark(s, s->p);
    emit(s, CR_YF_END, at, at, NULL, 0, YAML_ANY_SCALAR_STYLE);
    s->nest--;
}

/* Scalars. */

/* A single- or double-quoted scalar on one line: '' stands for ' in
 * one, the escapes of yamlfast.h for their characters in the other. */
static void quoted(scan *s, scalar *v)
{
    static const char from[] = "\\\"/0abtnvfre ";
    static const char to[] = "\\\"/\0\a\b\t\n\v\f\r\033 ";
    char q = s->t[s->p];
    int single = q == '\'';
    size_t b = s->p++, escapes = 0;
    while (!at_eol(s) && (s->t[s->p] != q || (single && peek(s, 1) == q))) {
        if (s->t[s->p] == (single ? q : '\\')) {
            if (!single && strchr(from, peek(s, 1)) == NULL)
                give_up(s);     /* \x, \u, \N, a line break... */
            s->p++, escapes++;
        }
        s->p++;
    }
    if (at_eol(s))
        give_up(s);             /* over more than one line */
    s->p++;
    v->style = single ? YAML_SINGLE_QUOTED_SCALAR_STYLE
                      : YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    v->value = s->t + b + 1;
    v->len = s->p - b - 2;
    if (escapes > 0) {
        s->dec.len = 0;
        for (size_t k = 0; k < v->len; k++) {
            char c = v->value[k];
            if (c == (single ? q : '\\')) {
                c = v->value[++k];
                if (!single)
                    c = to[strchr(from, c) - from];
            }
            cr_buf_putc(&s->dec, c);
        }
        v->value = s->dec.s;
        v->len = s->dec.len;
    }
    v->start = mark(s, b);
    v->end = mark(s, s->p);
}

static int flow_indicator(char c)
{
    return c == ',' || c == '[' || c == ']' || c == '{' || c == '}';
}

/* Whether c is simply part of a plain scalar wherever it is: all but
 * line breaks, spaces, '#', ':' and the flow indicators. */
static int ordinary(unsigned char c)
{
    switch (c) {
    case '#': case ':': case ',': case '[': case ']': case '{': case '}':
        return 0;
    default:
        return c > ' ';
    }
}

/* A plain scalar on one line; in a flow collection if flow.  It ends
 * before a colon that a space or the line's end follows, before a
 * comment, and in a flow collection before a flow indicator. */
static void plain(scan *s, int flow, scalar *v)
{
    const char *t = s->t;
    size_t b = s->p, end = b;
    char c = t[b];
    if (strchr(",[]{}#&*!|>'\"%@`?:", c) ||
        (c == '-' && (peek(s, 1) == ' ' || peek(s, 1) == '\n' ||
                      (flow && flow_indicator(peek(s, 1))))))
        give_up(s);
    for (size_t q = b; q < s->len && t[q] != '\n';) {
        c = t[q];
        if (ordinary((unsigned char)c)) {
            end = ++q;
            continue;
        }
        if (c == ' ') {
            q++;
            continue;
        }
        if (c == '#' && t[q - 1] == ' ')
            break;
        if (c == ':') {
            char next = q + 1 < s->len ? t[q + 1] : '\n';
            if (next == ' ' || next == '\n')
                break;
            if (flow)
                give_up(s);
        }
        if (flow && flow_indicator(c))
            break;
        end = ++q;
    }
    s->p = end;
    v->style = YAML_PLAIN_SCALAR_STYLE;
    v->value = t + b;
    v->len = end - b;
    v->start = mark(s, b);
    v->end = mark(s, end);
}

static void read_scalar(scan *s, int flow, scalar *v)
{
    if (s->t[s->p] == '\'' || s->t[s->p] == '"')
        quoted(s, v);
    else
        plain(s, flow, v);
}

/* The breaks of n line feeds, into the value. */
static void put_breaks(scan *s, size_t n)
{
    while (n-- > 0)
        cr_buf_putc(&s->dec, '\n');
}

/* The blank lines from p, the start of a line: lines of nothing but
 * spaces, none of which may reach column limit (a space there would make
 * the line text).  Returns how many; p is then at the start of the line
 * after them, *q at its first byte that is not a space (before limit),
 * *widest the most spaces a blank line had, and v->end after the last
 * line break taken. */
static size_t blank_lines(scan *s, size_t limit, scalar *v, size_t *q,
                          size_t *widest)
{
    size_t n = 0;
    for (;;) {
        for (*q = s->p; *q < s->len && s->t[*q] == ' ' && *q - s->ls < limit;
             ++*q)
            ;
        if (*q < s->len && s->t[*q] == ' ')
            give_up(s);
        if (*q >= s->len || s->t[*q] != '\n')
            return n;
        if (*q - s->ls > *widest)
            *widest = *q - s->ls;
        n++;
        s->p = *q;
        next_line(s);
        v->end = mark(s, s->p);
    }
}

/* A literal or folded scalar whose indicator is at p, in a collection
 * at column n.  It ends before the first line with content that starts
 * left of its own lines' column, with p at that line's start. */
static void block_scalar(scan *s, size_t n, scalar *v)
{
    size_t b = s->p++;
    int literal = s->t[b] == '|', chomp = 0;
    if (peek(s, 0) == '-' || peek(s, 0) == '+')
        chomp = s->t[s->p++] == '+' ? 1 : -1;
    size_t was = s->p;
    skip_spaces(s);
    if (!at_eol(s) && !(s->t[s->p] == '#' && s->p > was))
        give_up(s);             /* an indentation indicator, or text */
    v->style = literal ? YAML_LITERAL_SCALAR_STYLE : YAML_FOLDED_SCALAR_STYLE;
    v->start = mark(s, b);
    skip_to_eol(s);
    if (s->p >= s->len)
        give_up(s);             /* empty */
    next_line(s);
    v->end = mark(s, s->p);
    s->dec.len = 0;
    /* Blank lines, then the first line with content: its column is the
     * scalar's, which no blank line before it may pass. */
    size_t q, widest = 0;
    size_t blanks = blank_lines(s, SIZE_MAX, v, &q, &widest);
    size_t indent = q - s->ls;
    if (q >= s->len || indent < n + 1 || widest > indent)
        give_up(s);             /* empty, or libyaml's own column rule */
    put_breaks(s, blanks);
    for (;;) {
        /* A line with content at the scalar's column (blank_lines saw
         * to it that no space is there): the value's, from there to its
         * end. */
        s->p = s->ls + indent;
        size_t from = s->p;
        skip_to_eol(s);
        cr_buf_putn(&s->dec, s->t + from, s->p - from);
        int broke = s->p < s->len;
        next_line(s);
        v->end = mark(s, s->p);
        blanks = blank_lines(s, indent, v, &q, &widest);
        if (q < s->len && q - s->ls == indent) {
            if (literal || blanks > 0)
                put_breaks(s, (size_t)literal + blanks);
            else
                cr_buf_putc(&s->dec, ' ');
            continue;
        }
        if (chomp != -1)
            put_breaks(s, (size_t)broke);
        if (chomp == 1)
            put_breaks(s, blanks);
        break;
    }
    v->value = s->dec.s ? s->dec.s : "";
    v->len = s->dec.len;
}

/* Whether a key's colon follows (and if so, p past it). */
static int colon(scan *s, const scalar *key)
{
    size_t was = s->p;
    skip_spaces(s);
    if (s->p >= s->len || s->t[s->p] != ':' ||
        (peek(s, 1) != ' ' && peek(s, 1) != '\n')) {
        s->p = was;
        return 0;
    }
    if (mark(s, s->p).index - key->start.index > MAX_KEY)
        give_up(s);             /* libyaml's limit on a simple key */
    s->p++;
    return 1;
}

/* Flow collections. */

/* Spaces, line breaks and comments between the parts of a flow
 * collection: p at the next part. */
static void flow_space(scan *s)
{
    for (;;) {
        size_t was = s->p;
        skip_spaces(s);
        if (s->p >= s->len)
            give_up(s);
        if (s->t[s->p] == '#') {
            if (s->p == was && s->p != s->ls)
                give_up(s);     /* no space before the comment */
            skip_to_eol(s);
        }
        if (!at_eol(s))
            return;
        next_line(s);
        no_marker(s);
    }
}

static void flow_value(scan *s);

static void flow(scan *s)
{
    int map = s->t[s->p] == '{';
    char close = map ? '}' : ']';
    open_node(s, map ? CR_YF_MAP : CR_YF_SEQ, mark(s, s->p));
    s->p++;
    flow_space(s);
    while (s->t[s->p] != close) {
        if (map) {
            scalar key;
            if (s->t[s->p] == '[' || s->t[s->p] == '{')
                give_up(s);
            read_scalar(s, 1, &key);
            if (!colon(s, &key))
                give_up(s);
            emit_scalar(s, &key);
            flow_space(s);
        }
        flow_value(s);
        flow_space(s);
        if (s->t[s->p] == ',') {
            s->p++;
            flow_space(s);
            if (s->t[s->p] == close)
                give_up(s);     /* a trailing comma */
        } else if (s->t[s->p] != close) {
            give_up(s);
        }
    }
    s->p++;
    close_node(s);
}

/* A flow collection's entry, or a mapping's value. */
static void flow_value(scan *s)
{
    char c = s->t[s->p];
    if (c == '[' || c == '{') {
        flow(s);
        return;
    }
    if (c == ',' || c == ']' || c == '}' || c == ':')
        give_up(s);             /* an empty value */
    scalar v;
    read_scalar(s, 1, &v);
    emit_scalar(s, &v);
    size_t line = s->line;
    flow_space(s);
    c = s->t[s->p];
    if (c == ':' || (s->line != line && v.style == YAML_PLAIN_SCALAR_STYLE &&
                     c != ',' && c != ']' && c != '}'))
        give_up(s);             /* a pair in a sequence, or more lines */
}

/* Block collections. */

static long block_map(scan *s, size_t n, const scalar *first);
static long block_seq(scan *s, size_t n);

/* A value on its key's or dash's line, in a collection at column n: a
 * flow collection, a block scalar or a scalar; the indentation of the
 * next line with content. */
static long inline_value(scan *s, size_t n)
{
    char c = s->t[s->p];
    if (c == '[' || c == '{') {
        flow(s);
        return end_of_entry(s);
    }
    scalar v;
    if (c == '|' || c == '>') {
        block_scalar(s, n, &v);
        emit_scalar(s, &v);
        return content_line(s);
    }
    read_scalar(s, 0, &v);
    emit_scalar(s, &v);
    return end_of_entry(s);
}

static int dash(const scan *s)
{
    return s->p < s->len && s->t[s->p] == '-' &&
           (peek(s, 1) == ' ' || peek(s, 1) == '\n');
}

/* The node starting at p, the first content of its line, at column n:
 * a sequence or a mapping (a scalar alone on its line is left out). */
static long block_node(scan *s, size_t n)
{
    if (dash(s))
        return block_seq(s, n);
    if (s->t[s->p] == '[' || s->t[s->p] == '{')
        give_up(s);
    scalar key;
    read_scalar(s, 0, &key);
    if (!colon(s, &key))
        give_up(s);
    return block_map(s, n, &key);
}

/* What follows a key's colon or a dash with nothing after it but a
 * comment: the value on the next lines, more indented than n (or, for a
 * key, a sequence at n). */
static long value_below(scan *s, size_t n, int key)
{
    next_line(s);
    long m = content_line(s);
    if (m > (long)n)
        return block_node(s, (size_t)m);
    if (key && m == (long)n && dash(s))
        return block_seq(s, n);
    give_up(s);                 /* an empty value */
    return -1;
}

/* A mapping at column n whose first key, already read, is first; p
 * just past its colon. */
static long block_map(scan *s, size_t n, const scalar *first)
{
    open_node(s, CR_YF_MAP, first->start);
    emit_scalar(s, first);
    long m;
    for (;;) {
        skip_spaces(s);
        if (at_eol(s) || s->t[s->p] == '#')
            m = value_below(s, n, 1);
        else
            m = inline_value(s, n);
        if (m != (long)n)
            break;
        if (dash(s) || s->t[s->p] == '[' || s->t[s->p] == '{')
            give_up(s);
        scalar key;
        read_scalar(s, 0, &key);
        if (!colon(s, &key))
            give_up(s);
        emit_scalar(s, &key);
    }
    if (m > (long)n)
        give_up(s);
    close_node(s);
    return m;
}

/* A sequence whose first dash is at p, at column n. */
static long block_seq(scan *s, size_t n)
{
    open_node(s, CR_YF_SEQ, mark(s, s->p));
    long m;
    do {
        s->p++;                 /* the dash */
        skip_spaces(s);
        char c = s->p < s->len ? s->t[s->p] : '\n';
        if (c == '\n' || c == '#') {
            m = value_below(s, n, 0);
        } else if (dash(s)) {
            m = block_seq(s, column(s));
        } else if (c == '[' || c == '{' || c == '|' || c == '>') {
            m = inline_value(s, n);
        } else {
            size_t col = column(s);
            scalar v;
            read_scalar(s, 0, &v);
            if (colon(s, &v)) {
                m = block_map(s, col, &v);
            } else {
                emit_scalar(s, &v);
                m = end_of_entry(s);
            }
        }
    } while (m == (long)n && dash(s));
    if (m > (long)n)
        give_up(s);
    close_node(s);
    return m;
}

int cr_yf_parse(const char *text, size_t len, const cr_yf_sink *sink)
{
    int ascii;
    if (!plain_text((const unsigned char *)text, len, &ascii))
        return 0;
    /* On the heap: what longjmp comes back to must not be a local that
     * changed since setjmp. */
    scan *s = xcalloc(1, sizeof *s);
    s->t = text;
    s->len = len;
    s->ascii = ascii;
    s->sink = sink;
    if (setjmp(s->out) != 0) {
        free(s->dec.s);
        free(s);
        return 0;
    }
    long m = content_line(s);
    if (m >= 0 && block_node(s, (size_t)m) != -1)
        give_up(s);             /* more than one node at the top */
    free(s->dec.s);
    free(s);
    return 1;
}
