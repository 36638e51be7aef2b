/* diag.c - a list of diagnostics with their places. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "xmalloc.h"

struct cr_diag {
    cr_diagnostic *v;
    int len, cap;
};

cr_diag *cr_diag_new(void)
{
    return xcalloc(1, sizeof(cr_diag));
}

void cr_diag_clear(cr_diag *d)
{
    for (int i = 0; i < d->len; i++) {
        free(d->v[i].file);
        free(d->v[i].message);
    }
    d->len = 0;
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
    int n = 0;
    for (int i = 0; i < d->len; i++)
        n += d->v[i].severity == CR_ERROR;
    return n;
}

const cr_diagnostic *cr_diag_get(const cr_diag *d, int i)
{
    return &d->v[i];
}

/* Order of places: files in the order first seen, then line, column;
 * records at the same place keep the order they were added in. */
static int place_cmp(const cr_diag *d, const cr_diagnostic *a,
                     const cr_diagnostic *b)
{
    int fa = -1, fb = -1;
    for (int i = 0; i < d->len && (fa < 0 || fb < 0); i++) {
        const char *f = d->v[i].file ? d->v[i].file : "";
        if (fa < 0 && strcmp(f, a->file ? a->file : "") == 0)
            fa = i;
        if (fb < 0 && strcmp(f, b->file ? b->file : "") == 0)
            fb = i;
    }
    if (fa != fb)
        return fa < fb ? -1 : 1;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    return a->col < b->col ? -1 : a->col > b->col;
}

void cr_diag_sort(cr_diag *d)
{
    /* Insertion sort: stable, and lists are short. */
    for (int i = 1; i < d->len; i++) {
        cr_diagnostic r = d->v[i];
        int j = i;
        while (j > 0 && place_cmp(d, &d->v[j - 1], &r) > 0) {
            d->v[j] = d->v[j - 1];
            j--;
        }
        d->v[j] = r;
    }
}

char *cr_diag_format(const cr_diagnostic *r)
{
    const char *sev = r->severity == CR_ERROR ? "error" : "warning";
    if (r->file == NULL)
        return xasprintf("%s: %s", sev, r->message);
    if (r->line <= 0)
        return xasprintf("%s: %s: %s", r->file, sev, r->message);
    return xasprintf("%s:%d:%d: %s: %s", r->file, r->line, r->col, sev,
                     r->message);
}
