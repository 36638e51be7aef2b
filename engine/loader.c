/* loader.c - YAML rule files into the knowledge base.
 *
 * libyaml's event parser builds a small tree of nodes, each with its
 * start mark (or, for a file in the subset of YAML it knows, the fast
 * path of yamlfast.h, giving the same events some ten times as fast);
 * the schema walk below reads the tree into kb structures.
 * Aliases are refused (rule files have no use for them, and expanding
 * them invites "billion laughs"), and so is nesting deeper than
 * MAX_DEPTH.  libyaml marks count characters, so a mark is turned into a
 * place by the line table of the file; a pattern also keeps the place of
 * each of its bytes, found by walking the scalar's source alongside its
 * decoded value, so a regex error can point at the offending character
 * even inside a quoted string with escapes. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "loader.h"
#include "xmalloc.h"
#include "yamlfast.h"

enum { MAX_DEPTH = 64, MAX_FILE = 16 << 20 };

typedef enum { N_SCALAR, N_SEQ, N_MAP } nkind;

typedef struct node {
    nkind kind;
    char *value;                /* scalars */
    size_t len;
    yaml_scalar_style_t style;
    yaml_mark_t start, end;
    struct node **kids;         /* a map's keys and values, alternating */
    int nkids;
} node;

typedef struct ctx {
    cr_kb *kb;
    cr_diag *d;
    const char *file;           /* interned */
    const char *text;
    size_t len;
    size_t *lines;              /* byte offset of each line's start */
    size_t nlines;
    int in_example;             /* reading an intent's example */
    struct block *blocks;       /* the arena the tree lives in */
    node **pending;             /* kids of the open collections */
    size_t npending, cappending;
} ctx;

/* Places. */

static size_t mark_offset(const ctx *c, yaml_mark_t m)
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

static cr_loc loc_of(const ctx *c, const node *n)
{
    cr_loc l = {c->file, (int)n->start.line + 1, (int)n->start.column + 1};
    return l;
}

static void err(ctx *c, const node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void err(ctx *c, const node *n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cr_loc l = loc_of(c, n);
    cr_diag_add(c->d, CR_ERROR, l.file, l.line, l.col, "%s", msg);
}

/* The place of every byte of scalar n's value: walk its source from the
 * start mark, skipping quotes, escapes, folded line breaks and
 * indentation, in step with the decoded bytes. */
static cr_loc *scalar_places(const ctx *c, const node *n)
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
 * in ctx.pending and copied to their collection when it closes. */

typedef struct block {
    struct block *next;
    size_t used, cap;
    double data[];              /* aligned for any node */
} block;

static void *arena_alloc(ctx *c, size_t n)
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

static void arena_free(ctx *c)
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

static void add_kid(ctx *c, node *kid)
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

static void duplicate_key(ctx *c, const node *key, const node *first)
{
    err(c, key, "duplicate key '%s' (first at %d:%d)", key->value,
        (int)first->start.line + 1, (int)first->start.column + 1);
}

/* A key said twice in one mapping is an error (YAML forbids it, and
 * the loader would otherwise read only one of the two), reported at the
 * later one.  A small mapping is checked pair by pair; a large one
 * sorted, so that a mapping of many thousand facts costs n log n. */
static void check_duplicate_keys(ctx *c, const node *map)
{
    enum { SMALL = 16 };
    if (map->nkids <= 2 * SMALL) {
        for (int i = 2; i + 1 < map->nkids; i += 2)
            for (int j = i - 2; j >= 0; j -= 2) {   /* the one before */
                const node *k = map->kids[i], *f = map->kids[j];
                if (k->kind == N_SCALAR && f->kind == N_SCALAR &&
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
        if (map->kids[i]->kind == N_SCALAR)
            keys[n++] = map->kids[i];
    qsort(keys, (size_t)n, sizeof *keys, by_key);
    for (int i = 1; i < n; i++)
        if (strcmp(keys[i]->value, keys[i - 1]->value) == 0)
            duplicate_key(c, keys[i], keys[i - 1]);
    free(keys);
}

/* Collection n, whose kids start at pending[base], is complete. */
static void close_node(ctx *c, node *n, size_t base)
{
    n->nkids = (int)(c->npending - base);
    n->kids = arena_alloc(c, (size_t)n->nkids * sizeof *n->kids + 1);
    if (n->nkids > 0)   /* pending may still be NULL: [] opens a file */
        memcpy(n->kids, c->pending + base,
               (size_t)n->nkids * sizeof *n->kids);
    c->npending = base;
    if (n->kind == N_MAP && n->nkids > 2)
        check_duplicate_keys(c, n);
}

static void yaml_error(ctx *c, yaml_parser_t *p)
{
    const char *what = p->problem ? p->problem : "cannot parse YAML";
    yaml_mark_t m = p->problem_mark;
    if (p->error == YAML_READER_ERROR) {    /* marked by byte offset */
        size_t off = p->problem_offset, start = 0;
        m.line = 0;
        for (size_t i = 0; i < off && i < c->len; i++)
            if (c->text[i] == '\n')
                m.line++, start = i + 1;
        m.column = off - start;
    }
    if (p->context)
        cr_diag_add(c->d, CR_ERROR, c->file, (int)m.line + 1,
                    (int)m.column + 1,
                    "YAML syntax error: %s %s (which starts at %d:%d)", what,
                    p->context, (int)p->context_mark.line + 1,
                    (int)p->context_mark.column + 1);
    else
        cr_diag_add(c->d, CR_ERROR, c->file, (int)m.line + 1,
                    (int)m.column + 1, "YAML syntax error: %s", what);
}

/* The tree as it is built, from libyaml's events or the fast path's. */
typedef struct builder {
    node *stack[MAX_DEPTH + 1], *root;
    size_t base[MAX_DEPTH + 1];
    int depth, ok;
} builder;

/* A scalar (value, len bytes, in style) or the start of a collection;
 * 0 after an error (reported). */
static int begin_node(ctx *c, builder *b, nkind kind, yaml_mark_t start,
                      yaml_mark_t end, const char *value, size_t len,
                      yaml_scalar_style_t style)
{
    node *n = arena_alloc(c, sizeof *n);
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->start = start;
    n->end = end;
    if (kind == N_SCALAR) {
        len = strnlen(value, len);
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
    if (kind != N_SCALAR) {
        if (b->depth == MAX_DEPTH) {
            err(c, n, "rule file nested deeper than %d levels", MAX_DEPTH);
            return b->ok = 0;
        }
        b->base[b->depth] = c->npending;
        b->stack[b->depth++] = n;
    }
    return 1;
}

static void end_node(ctx *c, builder *b, yaml_mark_t end)
{
    if (b->depth > 0) {
        b->depth--;
        b->stack[b->depth]->end = end;
        close_node(c, b->stack[b->depth], b->base[b->depth]);
    }
}

typedef struct fast {
    ctx *c;
    builder *b;
} fast;

static void fast_event(void *ud, cr_yf_kind kind, yaml_mark_t start,
                       yaml_mark_t end, const char *value, size_t len,
                       yaml_scalar_style_t style)
{
    static const nkind kinds[] = {N_SCALAR, N_SEQ, N_MAP};
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
static int fast_tree(ctx *c, builder *b)
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
static void yaml_tree(ctx *c, builder *b)
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
            begin_node(c, b, N_SCALAR, ev.start_mark, ev.end_mark,
                       (const char *)ev.data.scalar.value,
                       ev.data.scalar.length, ev.data.scalar.style);
        } else if (type == YAML_SEQUENCE_START_EVENT ||
                   type == YAML_MAPPING_START_EVENT) {
            begin_node(c, b, type == YAML_MAPPING_START_EVENT ? N_MAP : N_SEQ,
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

/* Build the tree of the file's only document; NULL for an empty file or
 * after an error (reported). */
static node *parse_tree(ctx *c)
{
    builder b = {.ok = 1};
    if (!fast_tree(c, &b))
        yaml_tree(c, &b);
    return b.ok ? b.root : NULL;
}

/* Schema helpers. */

static const char *kindname(nkind k)
{
    return k == N_SCALAR ? "a scalar" : k == N_SEQ ? "a list" : "a mapping";
}

static int want(ctx *c, const node *n, nkind k, const char *what)
{
    if (n->kind == k)
        return 1;
    err(c, n, "%s must be %s, not %s", what, kindname(k), kindname(n->kind));
    return 0;
}

/* Check a mapping's keys against the allowed ones; report the others. */
static void check_keys(ctx *c, const node *map, const char *what,
                       const char *const *allowed, int n)
{
    for (int i = 0; i + 1 < map->nkids; i += 2) {
        const node *k = map->kids[i];
        if (!want(c, k, N_SCALAR, "a key"))
            continue;
        int found = 0;
        for (int a = 0; a < n && !found; a++)
            found = strcmp(k->value, allowed[a]) == 0;
        if (found)
            continue;
        const char *near = cr_closest(k->value, allowed, n);
        if (near)
            err(c, k, "unknown key '%s' in %s (did you mean '%s'?)",
                k->value, what, near);
        else
            err(c, k, "unknown key '%s' in %s", k->value, what);
    }
}

static const node *get(const node *map, const char *key)
{
    for (int i = 0; i + 1 < map->nkids; i += 2)
        if (map->kids[i]->kind == N_SCALAR &&
            strcmp(map->kids[i]->value, key) == 0)
            return map->kids[i + 1];
    return NULL;
}

static char *str(ctx *c, const node *n, const char *what)
{
    if (n == NULL || !want(c, n, N_SCALAR, what))
        return NULL;
    return xstrdup(n->value);
}

/* A scalar or a list of scalars, as a string vector. */
static char **strv(ctx *c, const node *n, const char *what, int *count)
{
    *count = 0;
    if (n == NULL)
        return NULL;
    if (n->kind == N_SCALAR) {
        char **v = xmalloc(sizeof *v);
        v[0] = xstrdup(n->value);
        *count = 1;
        return v;
    }
    if (!want(c, n, N_SEQ, what))
        return NULL;
    char **v = xcalloc((size_t)n->nkids + 1, sizeof *v);
    for (int i = 0; i < n->nkids; i++)
        if (want(c, n->kids[i], N_SCALAR, what))
            v[(*count)++] = xstrdup(n->kids[i]->value);
    return v;
}

static char *need_id(ctx *c, const node *map, const char *what)
{
    const node *id = get(map, "id");
    if (id == NULL) {
        err(c, map, "%s without an id", what);
        return NULL;
    }
    return str(c, id, "an id");
}

static int number(ctx *c, const node *n, const char *what, double lo,
                  double hi, double *out)
{
    if (!want(c, n, N_SCALAR, what))
        return 0;
    char *end;
    errno = 0;
    double x = strtod(n->value, &end);
    if (end == n->value || *end != '\0' || errno || !(x >= lo && x <= hi)) {
        err(c, n, "%s must be a number from %g to %g", what, lo, hi);
        return 0;
    }
    *out = x;
    return 1;
}

/* A scalar true or false into *out; 0 (reported) when it is neither. */
static int boolean(ctx *c, const node *n, const char *what, int *out)
{
    if (!want(c, n, N_SCALAR, what))
        return 0;
    if (strcmp(n->value, "true") == 0 || strcmp(n->value, "false") == 0) {
        *out = n->value[0] == 't';
        return 1;
    }
    err(c, n, "%s must be true or false", what);
    return 0;
}

/* How a declaration meets an earlier one of its name: `override: true`,
 * or where can_extend, `extend: true`. */
static cr_merge merge_of(ctx *c, const node *map, int can_extend)
{
    const node *o = get(map, "override"), *e = get(map, "extend");
    int over = 0, ext = 0;
    if (o)
        boolean(c, o, "override", &over);
    if (e && can_extend)
        boolean(c, e, "extend", &ext);
    if (over && ext)
        err(c, e, "override and extend exclude each other");
    return over ? CR_MERGE_OVERRIDE : ext ? CR_MERGE_EXTEND : CR_MERGE_NEW;
}

static cr_pattern pattern(ctx *c, const node *n)
{
    cr_pattern p = {0};
    p.src = xstrdup(n->value);
    cr_loc *pos = scalar_places(c, n);
    p.file = pos[0].file;
    p.runs = cr_pattern_runs(p.src, pos, n->len, &p.nruns);
    free(pos);
    p.weight = 1;
    return p;
}

/* An intent's pattern: a string, or {match: string, weight: number}.
 * Returns 0 (reported) when it is neither. */
static int weighted_pattern(ctx *c, const node *n, cr_pattern *out)
{
    static const char *const keys[] = {"match", "weight"};
    if (n->kind == N_SCALAR) {
        *out = pattern(c, n);
        return 1;
    }
    if (!want(c, n, N_MAP, "a pattern"))
        return 0;
    check_keys(c, n, "a pattern", keys, 2);
    const node *m = get(n, "match"), *w = get(n, "weight");
    if (m == NULL) {
        err(c, n, "a weighted pattern needs 'match'");
        return 0;
    }
    if (!want(c, m, N_SCALAR, "match"))
        return 0;
    *out = pattern(c, m);
    if (w && !number(c, w, "weight", 0.01, 100, &out->weight))
        out->weight = 1;
    return 1;
}

/* fact: value pairs, from a mapping. */
static cr_assign *assigns(ctx *c, const node *map, const char *what, int *n)
{
    *n = 0;
    if (map == NULL || !want(c, map, N_MAP, what))
        return NULL;
    cr_assign *a = xcalloc((size_t)map->nkids / 2 + 1, sizeof *a);
    for (int i = 0; i + 1 < map->nkids; i += 2) {
        const node *k = map->kids[i], *v = map->kids[i + 1];
        if (!want(c, k, N_SCALAR, "a fact name") ||
            !want(c, v, N_SCALAR, "a fact's value"))
            continue;
        a[*n].name = xstrdup(k->value);
        a[*n].text = xstrdup(v->value);
        a[*n].loc = loc_of(c, v);
        (*n)++;
    }
    return a;
}

/* Facts and concepts. */

static void load_fact(ctx *c, const node *k, const node *v)
{
    static const char *const keys[] = {"type", "values", "prompt"};
    static const char *const types[] = {"boolean", "number", "string",
                                        "choice"};
    if (!want(c, k, N_SCALAR, "a fact name") ||
        !want(c, v, N_MAP, "a fact's declaration"))
        return;
    check_keys(c, v, "a fact", keys, 3);
    cr_factdecl f = {0};
    f.loc = loc_of(c, k);
    const node *type = get(v, "type"), *values = get(v, "values");
    f.type = values ? CR_CHOICE : CR_STRING;
    if (type && want(c, type, N_SCALAR, "a fact's type")) {
        int t = 0;
        while (t < 4 && strcmp(type->value, types[t]) != 0)
            t++;
        if (strcmp(type->value, "bool") == 0)
            t = CR_BOOL;
        if (t == 4)
            err(c, type, "unknown type '%s' (boolean, number, string or "
                "choice)", type->value);
        else
            f.type = (cr_type)t;
    }
    f.choices = strv(c, values, "a fact's values", &f.nchoices);
    if (values && f.type != CR_CHOICE)
        err(c, values, "only a choice has values; fact '%s' is not one",
            k->value);
    if (f.type == CR_CHOICE && f.nchoices == 0)
        err(c, type ? type : k, "a choice needs a list of values");
    f.prompt = get(v, "prompt") ? str(c, get(v, "prompt"), "a prompt") : NULL;
    f.name = xstrdup(k->value);
    cr_kb_add_fact(c->kb, &f, c->d);
}

/* name: words, or name: {words: words, override|extend: true}. */
static void load_concept(ctx *c, const node *k, const node *v)
{
    static const char *const keys[] = {"words", "override", "extend"};
    if (!want(c, k, N_SCALAR, "a concept name"))
        return;
    cr_concept co = {0};
    co.loc = loc_of(c, k);
    if (v->kind == N_MAP) {
        check_keys(c, v, "a concept", keys, 3);
        co.merge = merge_of(c, v, 1);
        v = get(v, "words");
    }
    co.words = v ? strv(c, v, "a concept's words", &co.nwords) : NULL;
    if (co.nwords == 0)
        err(c, k, "concept '%s' has no words", k->value);
    co.name = xstrdup(k->value);
    cr_kb_add_concept(c->kb, &co, c->d);
}

/* Intents and extractors. */

static int reco_of(ctx *c, const node *n, cr_reco *out)
{
    static const char *const recos[] = {"phd", "industry", "either",
                                        "none"};
    if (!want(c, n, N_SCALAR, "recommend"))
        return 0;
    for (int i = 0; i < 4; i++)
        if (strcmp(n->value, recos[i]) == 0) {
            *out = i == 3 ? CR_RECO_NONE : (cr_reco)(CR_RECO_PHD + i);
            return 1;
        }
    err(c, n, "recommend must be phd, industry or either%s",
        c->in_example ? " (or none)" : "");
    return 0;
}

/* An intent's examples: each a question, or {q: question, recommend:
 * phd|industry|either|none, cite: anchor} to check the answer too. */
static cr_example *examples(ctx *c, const node *n, int *count)
{
    static const char *const keys[] = {"q", "recommend", "cite"};
    *count = 0;
    if (n == NULL || !want(c, n, N_SEQ, "examples"))
        return NULL;
    cr_example *v = xcalloc((size_t)n->nkids + 1, sizeof *v);
    for (int i = 0; i < n->nkids; i++) {
        const node *e = n->kids[i], *q = e;
        cr_example x = {0};
        x.loc = loc_of(c, e);
        if (e->kind == N_MAP) {
            check_keys(c, e, "an example", keys, 3);
            if ((q = get(e, "q")) == NULL) {
                err(c, e, "an example needs 'q', the question");
                continue;
            }
            const node *r = get(e, "recommend"), *ci = get(e, "cite");
            c->in_example = 1;
            if (r)
                x.expect_reco = reco_of(c, r, &x.reco);
            c->in_example = 0;
            if (ci)
                x.cite = str(c, ci, "cite");
        }
        if (!want(c, q, N_SCALAR, "an example")) {
            free(x.cite);
            continue;
        }
        x.text = xstrdup(q->value);
        v[(*count)++] = x;
    }
    return v;
}

static void load_intent(ctx *c, const node *n)
{
    static const char *const keys[] = {"id", "topic", "patterns",
                                       "examples", "out_of_scope",
                                       "override", "extend"};
    if (!want(c, n, N_MAP, "an intent"))
        return;
    check_keys(c, n, "an intent", keys, 7);
    cr_intent in = {0};
    in.loc = loc_of(c, n);
    if ((in.id = need_id(c, n, "intent")) == NULL)
        return;
    in.merge = merge_of(c, n, 1);
    in.topic = get(n, "topic") ? str(c, get(n, "topic"), "a topic") : NULL;
    const node *pats = get(n, "patterns"), *oos = get(n, "out_of_scope");
    if (in.merge == CR_MERGE_EXTEND && (in.topic || oos))
        err(c, n, "an extension of intent '%s' adds patterns and examples "
            "only", in.id);
    if (pats == NULL || (pats->kind == N_SEQ && pats->nkids == 0)) {
        if (in.merge != CR_MERGE_EXTEND)    /* it may add examples only */
            err(c, n, "intent '%s' has no patterns", in.id);
    } else if (pats->kind == N_SCALAR) {
        in.patterns = xcalloc(1, sizeof *in.patterns);
        in.patterns[in.npatterns++] = pattern(c, pats);
    } else if (want(c, pats, N_SEQ, "patterns")) {
        in.patterns = xcalloc((size_t)pats->nkids, sizeof *in.patterns);
        for (int i = 0; i < pats->nkids; i++)
            in.npatterns += weighted_pattern(c, pats->kids[i],
                                             &in.patterns[in.npatterns]);
    }
    in.examples = examples(c, get(n, "examples"), &in.nexamples);
    if (oos)
        boolean(c, oos, "out_of_scope", &in.out_of_scope);
    cr_kb_add_intent(c->kb, &in, c->d);
}

static void load_extractor(ctx *c, const node *n)
{
    static const char *const keys[] = {"id", "pattern", "set", "negated",
                                       "override"};
    if (!want(c, n, N_MAP, "an extractor"))
        return;
    check_keys(c, n, "an extractor", keys, 5);
    cr_extractor x = {0};
    x.loc = loc_of(c, n);
    x.merge = merge_of(c, n, 0);
    const node *pat = get(n, "pattern");
    if ((x.id = need_id(c, n, "extractor")) == NULL)
        return;
    if (pat == NULL || !want(c, pat, N_SCALAR, "a pattern")) {
        if (pat == NULL)
            err(c, n, "extractor '%s' has no pattern", x.id);
        free(x.id);
        return;
    }
    x.pattern = pattern(c, pat);
    x.sets = assigns(c, get(n, "set"), "set", &x.nsets);
    x.negated = assigns(c, get(n, "negated"), "negated", &x.nnegated);
    cr_kb_add_extractor(c->kb, &x, c->d);
}

/* Conditions. */

static cr_cond *cond(ctx *c, const node *n, int depth);

static cr_cond *newcond(ctx *c, const node *at, cr_condkind kind)
{
    cr_cond *k = xcalloc(1, sizeof *k);
    k->kind = kind;
    k->fact = -1;
    k->loc = loc_of(c, at);
    return k;
}

static void addkid(cr_cond *parent, cr_cond *kid)
{
    if (kid == NULL)
        return;
    parent->kids = xreallocarray(parent->kids, (size_t)parent->nkids + 1,
                                 sizeof(cr_cond *));
    parent->kids[parent->nkids++] = kid;
}

static int opcode(const char *s, cr_op *op)
{
    static const struct { const char *name; cr_op op; } ops[] = {
        {"is", CR_OP_EQ}, {"=", CR_OP_EQ}, {"==", CR_OP_EQ},
        {"not", CR_OP_NE}, {"!=", CR_OP_NE}, {"<", CR_OP_LT},
        {"lt", CR_OP_LT}, {"<=", CR_OP_LE}, {"le", CR_OP_LE},
        {">", CR_OP_GT}, {"gt", CR_OP_GT}, {">=", CR_OP_GE},
        {"ge", CR_OP_GE}, {"in", CR_OP_IN},
    };
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        if (strcmp(s, ops[i].name) == 0)
            return *op = ops[i].op, 1;
    return 0;
}

static void test_values(ctx *c, cr_cond *t, const node *v)
{
    const node *one = v;
    int n = 1;
    if (v->kind == N_SEQ)
        n = v->nkids;
    t->vals = xcalloc((size_t)n + 1, sizeof *t->vals);
    for (int i = 0; i < n; i++) {
        one = v->kind == N_SEQ ? v->kids[i] : v;
        if (!want(c, one, N_SCALAR, "a value"))
            continue;
        t->vals[t->nvals].text = xstrdup(one->value);
        t->vals[t->nvals].loc = loc_of(c, one);
        t->vals[t->nvals].fact = -1;
        t->nvals++;
    }
}

/* fact: value | fact: [values] | fact: {op: value} */
static cr_cond *test(ctx *c, const node *k, const node *v)
{
    cr_cond *t = newcond(c, k, CR_COND_TEST);
    t->name = xstrdup(k->value);
    t->op = v->kind == N_SEQ ? CR_OP_IN : CR_OP_EQ;
    if (v->kind == N_MAP) {
        if (v->nkids != 2 || v->kids[0]->kind != N_SCALAR ||
            !opcode(v->kids[0]->value, &t->op)) {
            err(c, v, "a test is {OP: value} with one OP of is, not, <, <=, "
                ">, >=, in");
            return t;
        }
        v = v->kids[1];
        if (t->op == CR_OP_IN && !want(c, v, N_SEQ, "the values of 'in'"))
            return t;
        if (t->op != CR_OP_IN && !want(c, v, N_SCALAR, "a value"))
            return t;
    }
    test_values(c, t, v);
    return t;
}

static cr_cond *facts_cond(ctx *c, const node *at, const node *v,
                           cr_condkind kind)
{
    int n;
    char **names = strv(c, v, "fact names", &n);
    cr_cond *all = newcond(c, at, CR_COND_ALL);
    for (int i = 0; i < n; i++) {
        cr_cond *k = newcond(c, v->kind == N_SEQ ? v->kids[i] : v, kind);
        k->name = names[i];
        addkid(all, k);
    }
    free(names);
    return all;
}

static cr_cond *cond_map(ctx *c, const node *n, int depth)
{
    cr_cond *all = newcond(c, n, CR_COND_ALL);
    for (int i = 0; i + 1 < n->nkids; i += 2) {
        const node *k = n->kids[i], *v = n->kids[i + 1];
        if (!want(c, k, N_SCALAR, "a condition's key"))
            continue;
        if (strcmp(k->value, "all") == 0 || strcmp(k->value, "any") == 0) {
            cr_cond *g = newcond(c, k, k->value[1] == 'l' ? CR_COND_ALL
                                                           : CR_COND_ANY);
            if (want(c, v, N_SEQ, k->value))
                for (int j = 0; j < v->nkids; j++)
                    addkid(g, cond(c, v->kids[j], depth + 1));
            addkid(all, g);
        } else if (strcmp(k->value, "not") == 0) {
            cr_cond *g = newcond(c, k, CR_COND_NOT);
            addkid(g, cond(c, v, depth + 1));
            addkid(all, g);
        } else if (strcmp(k->value, "exists") == 0) {
            addkid(all, facts_cond(c, k, v, CR_COND_EXISTS));
        } else if (strcmp(k->value, "missing") == 0) {
            addkid(all, facts_cond(c, k, v, CR_COND_MISSING));
        } else {
            addkid(all, test(c, k, v));
        }
    }
    return all;
}

static cr_cond *cond(ctx *c, const node *n, int depth)
{
    if (n->kind == N_MAP)
        return cond_map(c, n, depth);
    if (n->kind == N_SEQ) {
        cr_cond *all = newcond(c, n, CR_COND_ALL);
        for (int j = 0; j < n->nkids; j++)
            addkid(all, cond(c, n->kids[j], depth + 1));
        return all;
    }
    err(c, n, "a condition must be a mapping such as {intent: ask.pay}");
    return NULL;
}

/* Rules. */

static void load_then(ctx *c, cr_rule *r, const node *then)
{
    static const char *const keys[] = {"answer", "cite", "recommend",
                                       "assert", "retract", "ask"};
    if (!want(c, then, N_MAP, "then"))
        return;
    check_keys(c, then, "then", keys, 6);
    const node *n;
    if ((n = get(then, "answer")))
        r->answer = str(c, n, "an answer");
    if ((n = get(then, "cite"))) {
        int count;
        char **anchors = strv(c, n, "cite", &count);
        r->cites = xcalloc((size_t)count + 1, sizeof *r->cites);
        for (int i = 0; i < count; i++) {
            r->cites[i].anchor = anchors[i];
            r->cites[i].section = -1;
            r->cites[i].loc = loc_of(c, n->kind == N_SEQ ? n->kids[i] : n);
        }
        r->ncites = count;
        free(anchors);
    }
    if ((n = get(then, "recommend")) && reco_of(c, n, &r->reco) &&
        r->reco == CR_RECO_NONE)
        err(c, n, "recommend must be phd, industry or either");
    r->asserts = assigns(c, get(then, "assert"), "assert", &r->nasserts);
    if ((n = get(then, "retract"))) {
        int count;
        char **names = strv(c, n, "retract", &count);
        r->retracts = xcalloc((size_t)count + 1, sizeof *r->retracts);
        for (int i = 0; i < count; i++) {
            r->retracts[i].name = names[i];
            r->retracts[i].loc = loc_of(c, n->kind == N_SEQ ? n->kids[i] : n);
        }
        r->nretracts = count;
        free(names);
    }
    if ((n = get(then, "ask")))
        r->ask = str(c, n, "ask");
    if (!r->answer && !r->nasserts && !r->nretracts && !r->ask)
        err(c, then, "rule '%s' does nothing: give it an answer, assert, "
            "retract or ask", r->id);
    if (r->ncites && !r->answer)
        err(c, then, "rule '%s' cites without an answer", r->id);
}

static void load_rule(ctx *c, const node *n)
{
    static const char *const keys[] = {"id", "salience", "confidence",
                                       "when", "then", "override"};
    if (!want(c, n, N_MAP, "a rule"))
        return;
    check_keys(c, n, "a rule", keys, 6);
    cr_rule r = {0};
    r.loc = loc_of(c, n);
    r.merge = merge_of(c, n, 0);
    r.confidence = 1.0;
    r.askfact = -1;
    if ((r.id = need_id(c, n, "rule")) == NULL)
        return;
    const node *v;
    double x;
    if ((v = get(n, "salience")) &&
        number(c, v, "salience", -10000, 10000, &x))
        r.salience = (int)x;
    if ((v = get(n, "confidence")) &&
        number(c, v, "confidence", 0.01, 1, &x))
        r.confidence = x;
    if ((v = get(n, "when")))
        r.when = cond(c, v, 0);
    if ((v = get(n, "then")))
        load_then(c, &r, v);
    else
        err(c, n, "rule '%s' has no 'then'", r.id);
    cr_kb_add_rule(c->kb, &r, c->d);
}

/* disable: {rules: [ids], intents: [ids], extractors: [ids]}, of what
 * was loaded before. */
static void load_disable(ctx *c, const node *n)
{
    static const char *const keys[] = {"rules", "intents", "extractors"};
    static const cr_kind kinds[] = {CR_KIND_RULE, CR_KIND_INTENT,
                                    CR_KIND_EXTRACTOR};
    if (!want(c, n, N_MAP, "disable"))
        return;
    check_keys(c, n, "disable", keys, 3);
    for (int k = 0; k < 3; k++) {
        const node *v = get(n, keys[k]);
        if (v == NULL || (v->kind != N_SCALAR && !want(c, v, N_SEQ, keys[k])))
            continue;
        int count = v->kind == N_SEQ ? v->nkids : 1;
        for (int i = 0; i < count; i++) {
            const node *id = v->kind == N_SEQ ? v->kids[i] : v;
            if (!want(c, id, N_SCALAR, "an id"))
                continue;
            cr_loc l = loc_of(c, id);
            cr_kb_disable(c->kb, kinds[k], id->value, &l, c->d);
        }
    }
}

/* The file. */

static void load_tree(ctx *c, const node *root)
{
    static const char *const keys[] = {"concepts", "facts", "intents",
                                       "extractors", "rules", "disable"};
    if (root == NULL || (root->kind == N_SCALAR && root->len == 0))
        return;                 /* an empty file declares nothing */
    if (!want(c, root, N_MAP, "a rule file"))
        return;
    check_keys(c, root, "a rule file", keys, 6);
    const node *n;
    if ((n = get(root, "concepts")) && want(c, n, N_MAP, "concepts"))
        for (int i = 0; i + 1 < n->nkids; i += 2)
            load_concept(c, n->kids[i], n->kids[i + 1]);
    if ((n = get(root, "facts")) && want(c, n, N_MAP, "facts"))
        for (int i = 0; i + 1 < n->nkids; i += 2)
            load_fact(c, n->kids[i], n->kids[i + 1]);
    if ((n = get(root, "intents")) && want(c, n, N_SEQ, "intents"))
        for (int i = 0; i < n->nkids; i++)
            load_intent(c, n->kids[i]);
    if ((n = get(root, "extractors")) && want(c, n, N_SEQ, "extractors"))
        for (int i = 0; i < n->nkids; i++)
            load_extractor(c, n->kids[i]);
    if ((n = get(root, "rules")) && want(c, n, N_SEQ, "rules"))
        for (int i = 0; i < n->nkids; i++)
            load_rule(c, n->kids[i]);
    if ((n = get(root, "disable")))
        load_disable(c, n);
}

int cr_load_string(cr_kb *kb, const char *name, const char *text,
                   size_t len, cr_diag *d)
{
    ctx c = {kb, d, cr_kb_intern(kb, name), text, len, NULL, 0, 0, NULL,
             NULL, 0, 0};
    int before = cr_diag_errors(d);
    size_t cap = 64;
    c.lines = xmalloc(cap * sizeof *c.lines);
    c.lines[c.nlines++] = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n') {
            if (c.nlines == cap)
                c.lines = xreallocarray(c.lines, cap *= 2, sizeof *c.lines);
            c.lines[c.nlines++] = i + 1;
        }
    node *root = parse_tree(&c);
    load_tree(&c, root);
    arena_free(&c);
    free(c.lines);
    return cr_diag_errors(d) - before;
}

/* Whether the open file f was read into kb before, through another
 * path (a folder and a file in it, say): it is read once, the first
 * time. */
static int read_before(cr_kb *kb, FILE *f)
{
    struct stat st;
    if (fstat(fileno(f), &st) != 0)
        return 0;
    char key[64];
    snprintf(key, sizeof key, "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    return !cr_kb_first_read(kb, key);
}

static int load_file(cr_kb *kb, const char *path, cr_diag *d)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        cr_diag_add(d, CR_ERROR, path, 0, 0, "cannot read: %s",
                    strerror(errno));
        return 1;
    }
    if (read_before(kb, f)) {
        fclose(f);
        return 0;
    }
    cr_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= MAX_FILE)
        cr_buf_putn(&b, chunk, n);
    int bad = ferror(f);
    fclose(f);
    int errors;
    if (bad) {
        cr_diag_add(d, CR_ERROR, path, 0, 0, "cannot read: %s",
                    strerror(errno ? errno : EIO));
        errors = 1;
    } else if (b.len > MAX_FILE) {
        cr_diag_add(d, CR_ERROR, path, 0, 0,
                    "rule file larger than %d MiB", MAX_FILE >> 20);
        errors = 1;
    } else {
        errors = cr_load_string(kb, path, b.s ? b.s : "", b.len, d);
    }
    cr_buf_free(&b);
    return errors;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int yaml_name(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' &&
           ((n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
            (n > 4 && strcmp(name + n - 4, ".yml") == 0));
}

/* The *.yaml and *.yml regular files (or links to them) of folder dir,
 * in name order: a new array of new strings, its length in *n. */
static char **folder_files(DIR *dir, const char *path, int *n)
{
    char **names = NULL;
    struct dirent *e;
    struct stat st;
    *n = 0;
    while ((e = readdir(dir)) != NULL) {
        if (!yaml_name(e->d_name))
            continue;
        /* Only regular files (or links to them): a subfolder is not
         * descended into, and a FIFO or device would block or never
         * end.  A broken link is kept, for load_file to report. */
        char *name = xasprintf("%s/%s", path, e->d_name);
        if (stat(name, &st) == 0 && !S_ISREG(st.st_mode)) {
            free(name);
            continue;
        }
        names = xreallocarray(names, (size_t)*n + 1, sizeof *names);
        names[(*n)++] = name;
    }
    if (*n > 1)         /* names is NULL in a folder without rule files */
        qsort(names, (size_t)*n, sizeof *names, by_name);
    return names;
}

char **cr_load_files(const char *path, int *n, cr_diag *d)
{
    struct stat st;
    *n = 0;
    if (stat(path, &st) != 0) {
        if (d)
            cr_diag_add(d, CR_ERROR, path, 0, 0, "cannot read: %s",
                        strerror(errno));
        return NULL;
    }
    if (!S_ISDIR(st.st_mode)) {
        char **one = xmalloc(sizeof *one);
        one[0] = xstrdup(path);
        *n = 1;
        return one;
    }
    DIR *dir = opendir(path);
    if (dir == NULL) {
        if (d)
            cr_diag_add(d, CR_ERROR, path, 0, 0, "cannot read folder: %s",
                        strerror(errno));
        return NULL;
    }
    char **names = folder_files(dir, path, n);
    closedir(dir);
    if (names == NULL)  /* an empty folder is no error */
        names = xmalloc(sizeof *names);
    return names;
}

int cr_load_path(cr_kb *kb, const char *path, cr_diag *d)
{
    int n;
    char **names = cr_load_files(path, &n, d);
    if (names == NULL)
        return 1;
    int errors = 0;
    for (int i = 0; i < n; i++) {
        errors += load_file(kb, names[i], d);
        free(names[i]);
    }
    free(names);
    return errors;
}
