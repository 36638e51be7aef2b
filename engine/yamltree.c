/* yamltree.c - a rule file as a tree of YAML nodes (see yamltree.h).
 *
 * libyaml's event parser, or for a file in the subset of YAML it knows
 * the fast path of yamlfast.h (the same events, several times as fast),
 * builds the tree.  Aliases are refused (rule files have no use for
 * them, and expanding them invites "billion laughs"), and so are more
 * documents than one and nesting deeper than MAX_DEPTH.  libyaml marks
 * count characters, so a mark is turned into a place by the line table
 * of the file.  Its words for a problem stay as they are, at its place,
 * followed by what they most often mean in a rule file (yaml_hint). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"
#include "yamlfast.h"
#include "yamltree.h"

enum { MAX_DEPTH = 64 };

typedef cr_ynode node;

struct cr_ytree {
    cr_diag *d;
    const char *file;
    const char *text;
    size_t len;
    size_t *lines;              /* byte offset of each line's start */
    size_t nlines;
    node *root;
    struct block *blocks;       /* the arena the tree lives in */
    node **pending;             /* kids of the open collections */
    size_t npending, cappending;
};

/* Places. */

static size_t mark_offset(const cr_ytree *c, yaml_mark_t m)
{
    if (m.line >= c->nlines)
        return c->len;
    size_t off = c->lines[m.line];
    for (size_t col = 0; col < m.column && off < c->len; col++) {
        off++;
        while (off < c->len && ((unsigned char)c->text[off] & 0xC0) == 0x80)
            off++;
    }
    return off;
}

cr_loc cr_ytree_loc(const cr_ytree *t, const cr_ynode *n)
{
    cr_loc l = {t->file, (int)n->start.line + 1, (int)n->start.column + 1};
    return l;
}

void cr_ytree_verr(cr_ytree *t, const cr_ynode *n, const char *fmt,
                   va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    cr_loc l = cr_ytree_loc(t, n);
    cr_diag_add(t->d, CR_ERROR, l.file, l.line, l.col, "%s", msg);
}

static void err(cr_ytree *c, const node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void err(cr_ytree *c, const node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cr_ytree_verr(c, n, fmt, ap);
    va_end(ap);
}

/* Walk the scalar's source from the start mark, skipping quotes,
 * escapes, folded line breaks and indentation, in step with the decoded
 * bytes. */
cr_loc *cr_ytree_places(const cr_ytree *c, const cr_ynode *n)
{
    cr_loc *pos = xcalloc(n->len + 1, sizeof *pos);
    size_t r = mark_offset(c, n->start), end = mark_offset(c, n->end);
    int line = (int)n->start.line + 1, col = (int)n->start.column + 1;
    const char *t = c->text, *v = n->value;
#define ADVANCE()                                                          \
    do {                                                                   \
        if (t[r] == '\n')                                                  \
            line++, col = 1;                                               \
        else if (((unsigned char)t[r] & 0xC0) != 0x80)                     \
            col++;                                                         \
        r++;                                                               \
    } while (0)
    if (n->style == YAML_LITERAL_SCALAR_STYLE ||
        n->style == YAML_FOLDED_SCALAR_STYLE) {
        while (r < end && t[r] != '\n')
            ADVANCE();
    } else if (n->style != YAML_PLAIN_SCALAR_STYLE && r < end) {
        ADVANCE();          /* the opening quote */
    }
    size_t k = 0;
    while (k < n->len) {
        if (r < end && (t[r] == '\n' || t[r] == '\r')) {
            ADVANCE();
            while (r < end && (t[r] == ' ' || t[r] == '\t'))
                ADVANCE();
            if (v[k] == ' ' || v[k] == '\n') {
                pos[k++] = (cr_loc){c->file, line, col};
            }
            continue;
        }
        if (r < end && (t[r] == ' ' || t[r] == '\t') && v[k] != t[r] &&
            v[k] != ' ') {
            ADVANCE();
            continue;
        }
        pos[k] = (cr_loc){c->file, line, col};
        if (r < end && n->style == YAML_DOUBLE_QUOTED_SCALAR_STYLE &&
            t[r] == '\\') {
            char e = r + 1 < end ? t[r + 1] : 0;
            size_t skip = e == 'x' ? 4 : e == 'u' ? 6 : e == 'U' ? 10 : 2;
            size_t produced = 1;
            if (e == 'u' || e == 'U') {     /* a code point: 1-4 bytes */
                while (k + produced < n->len &&
                       ((unsigned char)v[k + produced] & 0xC0) == 0x80)
                    produced++;
            }
            for (size_t p = 1; p < produced; p++)
                pos[k + p] = pos[k];
            k += produced;
            for (size_t s = 0; s < skip && r < end; s++)
                ADVANCE();
            continue;
        }
        if (r + 1 < end && n->style == YAML_SINGLE_QUOTED_SCALAR_STYLE &&
            t[r] == '\'' && t[r + 1] == '\'')
            ADVANCE();
        if (r < end)
            ADVANCE();
        k++;
    }
#undef ADVANCE
    pos[n->len] = (cr_loc){c->file, line, col};
    return pos;
}

/* The tree.  Its nodes, values and kid arrays are carved out of large
 * blocks and freed all at once: a rule file of 100,000 rules makes a
 * million nodes, and allocating and freeing them one by one took as
 * long as parsing.  The kids of the collections still open are stacked
 * in pending and copied to their collection when it closes. */

typedef struct block {
    struct block *next;
    size_t used, cap;
    double data[];              /* aligned for any node */
} block;

static void *arena_alloc(cr_ytree *c, size_t n)
{
    n = (n + sizeof(double) - 1) / sizeof(double) * sizeof(double);
    block *b = c->blocks;
    if (b == NULL || b->cap - b->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        b = xmalloc(sizeof *b + cap);
        b->next = c->blocks;
        b->used = 0;
        b->cap = cap;
        c->blocks = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    return p;
}

static void arena_free(cr_ytree *c)
{
    for (block *b = c->blocks, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    c->blocks = NULL;
    free(c->pending);
    c->pending = NULL;
    c->npending = c->cappending = 0;
}

static void add_kid(cr_ytree *c, node *kid)
{
    if (c->npending == c->cappending) {
        c->cappending = c->cappending ? 2 * c->cappending : 256;
        c->pending = xreallocarray(c->pending, c->cappending,
                                   sizeof *c->pending);
    }
    c->pending[c->npending++] = kid;
}

/* Order keys by text, then by place. */
static int by_key(const void *a, const void *b)
{
    const node *x = *(const node *const *)a, *y = *(const node *const *)b;
    int k = strcmp(x->value, y->value);
    return k ? k : x->start.index < y->start.index ? -1 : 1;
}

static void duplicate_key(cr_ytree *c, const node *key, const node *first)
{
    err(c, key, "duplicate key '%s' (first at %d:%d)", key->value,
        (int)first->start.line + 1, (int)first->start.column + 1);
}

/* A key said twice in one mapping is an error (YAML forbids it, and
 * the loader would otherwise read only one of the two), reported at the
 * later one.  A small mapping is checked pair by pair; a large one
 * sorted, so that a mapping of many thousand facts costs n log n. */
static void check_duplicate_keys(cr_ytree *c, const node *map)
{
    enum { SMALL = 16 };
    if (map->nkids <= 2 * SMALL) {
        for (int i = 2; i + 1 < map->nkids; i += 2)
            for (int j = i - 2; j >= 0; j -= 2) {   /* the one before */
                const node *k = map->kids[i], *f = map->kids[j];
                if (k->kind == CR_Y_SCALAR && f->kind == CR_Y_SCALAR &&
                    strcmp(k->value, f->value) == 0) {
                    duplicate_key(c, k, f);
                    break;
                }
            }
        return;
    }
    int n = 0;
    const node **keys = xcalloc((size_t)map->nkids / 2 + 1, sizeof *keys);
    for (int i = 0; i + 1 < map->nkids; i += 2)
        if (map->kids[i]->kind == CR_Y_SCALAR)
            keys[n++] = map->kids[i];
    qsort(keys, (size_t)n, sizeof *keys, by_key);
    for (int i = 1; i < n; i++)
        if (strcmp(keys[i]->value, keys[i - 1]->value) == 0)
            duplicate_key(c, keys[i], keys[i - 1]);
    free(keys);
}

/* Collection n, whose kids start at pending[base], is complete. */
static void close_node(cr_ytree *c, node *n, size_t base)
{
    n->nkids = (int)(c->npending - base);
    n->kids = arena_alloc(c, (size_t)n->nkids * sizeof *n->kids + 1);
    if (n->nkids > 0)   /* pending may still be NULL: [] opens a file */
        memcpy(n->kids, c->pending + base,
               (size_t)n->nkids * sizeof *n->kids);
    c->npending = base;
    if (n->kind == CR_Y_MAP && n->nkids > 2)
        check_duplicate_keys(c, n);
}

/* What libyaml's report of a problem most often means in a rule file,
 * said in the author's terms: nearly always a line indented wrong.  An
 * empty string when libyaml's own words are the best there are. */
static const char *yaml_hint(const yaml_parser_t *p)
{
    static const struct { const char *problem, *context, *hint; } hints[] = {
        {"mapping values are not allowed", NULL,
         "; is this line indented further than the keys it goes with, or "
         "does a value hold ': ' without quotes?"},
        {"did not find expected key", "block mapping",
         "; the keys of one mapping start in the same column: is this "
         "line indented as far as the keys it goes with?"},
        {"block sequence entries are not allowed", NULL,
         "; a list item '- ' starts a line of its own, indented under its "
         "key"},
        {"found a tab character", NULL, "; indent with spaces, not tabs"},
    };
    for (size_t i = 0; p->problem && i < sizeof hints / sizeof *hints; i++)
        if (strstr(p->problem, hints[i].problem) &&
            (hints[i].context == NULL ||
             (p->context && strstr(p->context, hints[i].context))))
            return hints[i].hint;
    return "";
}

yaml_mark_t cr_yaml_problem_mark(const yaml_parser_t *p, const char *text,
                                 size_t len)
{
    yaml_mark_t m = p->problem_mark;
    if (p->error == YAML_READER_ERROR) {    /* marked by byte offset */
        size_t off = p->problem_offset, start = 0;
        m.line = 0;
        for (size_t i = 0; i < off && i < len; i++)
            if (text[i] == '\n')
                m.line++, start = i + 1;
        m.column = off - start;
    }
    return m;
}

static void yaml_error(cr_ytree *c, yaml_parser_t *p)
{
    const char *what = p->problem ? p->problem : "cannot parse YAML";
    const char *hint = yaml_hint(p);
    yaml_mark_t m = cr_yaml_problem_mark(p, c->text, c->len);
    if (p->context)
        cr_diag_add(c->d, CR_ERROR, c->file, (int)m.line + 1,
                    (int)m.column + 1,
                    "YAML syntax error: %s %s (which starts at %d:%d)%s",
                    what, p->context, (int)p->context_mark.line + 1,
                    (int)p->context_mark.column + 1, hint);
    else
        cr_diag_add(c->d, CR_ERROR, c->file, (int)m.line + 1,
                    (int)m.column + 1, "YAML syntax error: %s%s", what,
                    hint);
}

/* The tree as it is built, from libyaml's events or the fast path's. */
typedef struct builder {
    node *stack[MAX_DEPTH + 1], *root;
    size_t base[MAX_DEPTH + 1];
    int depth, ok;
} builder;

/* A scalar (value, len bytes, in style) or the start of a collection;
 * 0 after an error (reported). */
static int begin_node(cr_ytree *c, builder *b, cr_ykind kind, yaml_mark_t start,
                      yaml_mark_t end, const char *value, size_t len,
                      yaml_scalar_style_t style)
{
    node *n = arena_alloc(c, sizeof *n);
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->start = start;
    n->end = end;
    if (kind == CR_Y_SCALAR) {
        if (memchr(value, '\0', len) != NULL) {
            /* "\0" in double quotes: the string would end there. */
            err(c, n, "a NUL character (\\0) in a string: text in a rule "
                "file cannot hold one");
            return b->ok = 0;
        }
        n->value = arena_alloc(c, len + 1);     /* a NUL ends it */
        memcpy(n->value, value, len);
        n->value[len] = '\0';
        n->len = len;
        n->style = style;
    }
    if (b->depth > 0)
        add_kid(c, n);
    else if (b->root == NULL)
        b->root = n;
    else
        return 1;
    if (kind != CR_Y_SCALAR) {
        if (b->depth == MAX_DEPTH) {
            err(c, n, "rule file nested deeper than %d levels", MAX_DEPTH);
            return b->ok = 0;
        }
        b->base[b->depth] = c->npending;
        b->stack[b->depth++] = n;
    }
    return 1;
}

static void end_node(cr_ytree *c, builder *b, yaml_mark_t end)
{
    if (b->depth > 0) {
        b->depth--;
        b->stack[b->depth]->end = end;
        close_node(c, b->stack[b->depth], b->base[b->depth]);
    }
}

typedef struct fast {
    cr_ytree *c;
    builder *b;
} fast;

static void fast_event(void *ud, cr_yf_kind kind, yaml_mark_t start,
                       yaml_mark_t end, const char *value, size_t len,
                       yaml_scalar_style_t style)
{
    static const cr_ykind kinds[] = {CR_Y_SCALAR, CR_Y_SEQ, CR_Y_MAP};
    fast *f = ud;
    if (!f->b->ok)
        return;
    if (kind == CR_YF_END)
        end_node(f->c, f->b, end);
    else
        begin_node(f->c, f->b, kinds[kind], start, end, value, len, style);
}

/* The tree through the fast path, if the file keeps to its subset;
 * else nothing (what was built, and what it said of duplicate keys, is
 * thrown away). */
static int fast_tree(cr_ytree *c, builder *b)
{
    int diags = cr_diag_len(c->d);
    fast f = {c, b};
    cr_yf_sink sink = {fast_event, &f};
    if (cr_yf_parse(c->text, c->len, &sink))
        return 1;
    cr_diag_truncate(c->d, diags);
    arena_free(c);
    *b = (builder){.ok = 1};
    return 0;
}

/* The tree through libyaml. */
static void yaml_tree(cr_ytree *c, builder *b)
{
    yaml_parser_t p;
    yaml_event_t ev;
    int docs = 0;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)c->text, c->len);
    for (;;) {
        if (!yaml_parser_parse(&p, &ev)) {
            yaml_error(c, &p);
            b->ok = 0;
            break;
        }
        yaml_event_type_t type = ev.type;
        if (type == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
            node at = {.start = ev.start_mark};
            err(c, &at, "a rule file holds one YAML document");
            b->ok = 0;
        } else if (type == YAML_ALIAS_EVENT) {
            node at = {.start = ev.start_mark};
            err(c, &at, "YAML aliases are not allowed in rule files");
            b->ok = 0;
        } else if (type == YAML_SCALAR_EVENT) {
            begin_node(c, b, CR_Y_SCALAR, ev.start_mark, ev.end_mark,
                       (const char *)ev.data.scalar.value,
                       ev.data.scalar.length, ev.data.scalar.style);
        } else if (type == YAML_SEQUENCE_START_EVENT ||
                   type == YAML_MAPPING_START_EVENT) {
            begin_node(c, b, type == YAML_MAPPING_START_EVENT ? CR_Y_MAP : CR_Y_SEQ,
                       ev.start_mark, ev.end_mark, NULL, 0, 0);
        } else if (type == YAML_SEQUENCE_END_EVENT ||
                   type == YAML_MAPPING_END_EVENT) {
            end_node(c, b, ev.end_mark);
        }
        yaml_event_delete(&ev);
        if (!b->ok || type == YAML_STREAM_END_EVENT)
            break;
    }
    yaml_parser_delete(&p);
}

cr_ytree *cr_ytree_parse(const char *file, const char *text, size_t len,
                         cr_diag *d)
{
    cr_ytree *c = xcalloc(1, sizeof *c);
    c->d = d;
    c->file = file;
    c->text = text;
    c->len = len;
    size_t cap = 64;
    c->lines = xmalloc(cap * sizeof *c->lines);
    c->lines[c->nlines++] = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n') {
            if (c->nlines == cap)
                c->lines = xreallocarray(c->lines, cap *= 2,
                                         sizeof *c->lines);
            c->lines[c->nlines++] = i + 1;
        }
    builder b = {.ok = 1};
    if (!fast_tree(c, &b))
        yaml_tree(c, &b);
    c->root = b.ok ? b.root : NULL;
    return c;
}

const cr_ynode *cr_ytree_root(const cr_ytree *t)
{
    return t->root;
}

void cr_ytree_free(cr_ytree *t)
{
    if (t == NULL)
        return;
    arena_free(t);
    free(t->lines);
    free(t);
}
