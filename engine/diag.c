/* diag.c - a list of diagnostics with their places. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "matcher.h"
#include "xmalloc.h"

struct cr_diag {
    cr_diagnostic *v;
    int len, cap;
    int errors;                 /* records of severity CR_ERROR */
};

cr_diag *cr_diag_new(void)
{
    return xcalloc(1, sizeof(cr_diag));
}

void cr_diag_truncate(cr_diag *d, int n)
{
    for (int i = n; i < d->len; i++) {
        d->errors -= d->v[i].severity == CR_ERROR;
        free(d->v[i].file);
        free(d->v[i].message);
    }
    if (n < d->len)
        d->len = n < 0 ? 0 : n;
}

void cr_diag_clear(cr_diag *d)
{
    cr_diag_truncate(d, 0);
}

void cr_diag_free(cr_diag *d)
{
    if (d == NULL)
        return;
    cr_diag_clear(d);
    free(d->v);
    free(d);
}

void cr_diag_add(cr_diag *d, cr_severity sev, const char *file, int line,
                 int col, const char *fmt, ...)
{
    if (d->len == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 8;
        d->v = xreallocarray(d->v, (size_t)d->cap, sizeof *d->v);
    }
    cr_diagnostic *r = &d->v[d->len++];
    r->severity = sev;
    d->errors += sev == CR_ERROR;
    r->file = file ? xstrdup(file) : NULL;
    r->line = line;
    r->col = col;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    r->message = xmalloc((size_t)(n < 0 ? 0 : n) + 1);
    va_start(ap, fmt);
    vsnprintf(r->message, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
    va_end(ap);
}

int cr_diag_len(const cr_diag *d)
{
    return d->len;
}

int cr_diag_errors(const cr_diag *d)
{
    return d->errors;
}

const cr_diagnostic *cr_diag_get(const cr_diag *d, int i)
{
    return &d->v[i];
}

/* Sorting: each record gets a key (the rank of its file among the files
 * in the order first named, line, column, and its position, which keeps
 * the sort stable); qsort then orders the keys in O(n log n), so a file
 * with a hundred thousand mistakes is still reported at once. */
typedef struct sortkey {
    int file, line, col, pos;
} sortkey;

static int key_cmp(const void *pa, const void *pb)
{
    const sortkey *a = pa, *b = pb;
    if (a->file != b->file)
        return a->file < b->file ? -1 : 1;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

void cr_diag_sort(cr_diag *d)
{
    if (d->len < 2)
        return;
    sortkey *keys = xcalloc((size_t)d->len, sizeof *keys);
    const char **files = xcalloc((size_t)d->len, sizeof *files);
    int nfiles = 0, last = -1;
    for (int i = 0; i < d->len; i++) {
        const char *f = d->v[i].file ? d->v[i].file : "";
        /* Records come in runs from one file: try the last one first. */
        int k = last >= 0 && strcmp(files[last], f) == 0 ? last : -1;
        for (int j = 0; k < 0 && j < nfiles; j++)
            if (strcmp(files[j], f) == 0)
                k = j;
        if (k < 0) {
            k = nfiles;
            files[nfiles++] = f;
        }
        last = k;
        keys[i] = (sortkey){k, d->v[i].line, d->v[i].col, i};
    }
    qsort(keys, (size_t)d->len, sizeof *keys, key_cmp);
    cr_diagnostic *v = xcalloc((size_t)d->len, sizeof *v);
    for (int i = 0; i < d->len; i++)
        v[i] = d->v[keys[i].pos];
    memcpy(d->v, v, (size_t)d->len * sizeof *v);
    free(v);
    free(files);
    free(keys);
}

/* Append s to b with every byte a terminal could take for a command
 * shown as \xNN instead: C0 controls, DEL, the C1 controls U+0080 to
 * U+009F and bytes that are not UTF-8.  Diagnostics quote what users
 * wrote (keys, ids, file names), and a rule file must not be able to
 * clear the screen of whoever lints it. */
static void put_visible(cr_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = cr_utf8_valid((const char *)p, strlen((const char *)p));
        for (size_t i = 0; i < n; i++) {
            if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f) {
                cr_buf_printf(b, "\\xc2\\x%02x", p[i + 1]);
                i++;
            } else if (p[i] < 0x20 || p[i] == 0x7f) {
                cr_buf_printf(b, "\\x%02x", p[i]);
            } else {
                cr_buf_putc(b, p[i]);
            }
        }
        p += n;
        if (*p)
            cr_buf_printf(b, "\\x%02x", *p++);
    }
}

char *cr_diag_format(const cr_diagnostic *r)
{
    const char *sev = r->severity == CR_ERROR ? "error" : "warning";
    cr_buf b = {0};
    if (r->file) {
        put_visible(&b, r->file);
        if (r->line > 0)
            cr_buf_printf(&b, ":%d:%d", r->line, r->col);
        cr_buf_puts(&b, ": ");
    }
    cr_buf_printf(&b, "%s: ", sev);
    put_visible(&b, r->message);
    return cr_buf_take(&b);
}
