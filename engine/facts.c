/* facts.c - working memory as an array of slots, one per declared fact. */
#include "config.h"

#include <stdlib.h>

#include "facts.h"
#include "xmalloc.h"

typedef struct slot {
    int known;
    cr_fact f;
} slot;

struct cr_wm {
    slot *slots;
    int n;
};

cr_wm *cr_wm_new(const cr_kb *kb)
{
    cr_wm *wm = xcalloc(1, sizeof *wm);
    wm->n = cr_kb_nfacts(kb);
    wm->slots = xcalloc((size_t)wm->n + 1, sizeof *wm->slots);
    return wm;
}

void cr_wm_unset(cr_wm *wm, int i)
{
    slot *s = &wm->slots[i];
    if (!s->known)
        return;
    cr_value_free(&s->f.value);
    free(s->f.words);
    s->f.words = NULL;
    s->known = 0;
}

void cr_wm_free(cr_wm *wm)
{
    if (wm == NULL)
        return;
    for (int i = 0; i < wm->n; i++)
        cr_wm_unset(wm, i);
    free(wm->slots);
    free(wm);
}

void cr_wm_set(cr_wm *wm, int i, const cr_value *v, cr_source src,
               int turn, const char *words, int rule, double cf)
{
    cr_value copy = cr_value_copy(v);
    char *w = words ? xstrdup(words) : NULL;
    cr_wm_unset(wm, i);
    slot *s = &wm->slots[i];
    s->known = 1;
    s->f = (cr_fact){copy, src, turn, w, rule, cf};
}

void cr_wm_clear(cr_wm *wm, cr_source src)
{
    for (int i = 0; i < wm->n; i++)
        if (wm->slots[i].known && wm->slots[i].f.source == src)
            cr_wm_unset(wm, i);
}

const cr_fact *cr_wm_get(const cr_wm *wm, int i)
{
    return i >= 0 && i < wm->n && wm->slots[i].known ? &wm->slots[i].f
                                                     : NULL;
}
