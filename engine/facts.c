/* facts.c - working memory as an array of slots, one per declared fact.
 *
 * Each slot keeps the user's statement and the rules' justifications
 * apart, and a copy of the visible value, so that a change can be told
 * from a restatement whatever happened to the parts in between.
 * Justifications are kept in order of assertion (appended, and removed
 * with the order kept), so the newest is always the last.  The certainty
 * of the value that shows, 1 - prod (1 - cf) over its justifications
 * (the closed form of MYCIN's combination), is kept up to date as they
 * come and go, so a fact concluded by k rules costs O(k), not O(k^2);
 * it is recounted from scratch only when the value that shows changes.
 *
 * Most facts have one justification or two, and a rule may assert
 * thousands of facts, so a slot's first two come from a pool, carved
 * from a few large chunks, and only a slot that needs more has an array
 * of its own. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "xmalloc.h"

/* What the user said of a fact: made when they first say it, since
 * most facts are never stated and a slot is better small (a rule set
 * may declare a great many facts). */
typedef struct said {
    cr_value val;
    cr_source src;
    int turn;
    char *words;
    double cf;
} said;

typedef struct slot {
    cr_fact vis;                /* the visible fact, when known */
    said *user;                 /* what the user said, or NULL */
    /* What rules concluded. */
    cr_just *justs;
    double prod;                /* of 1 - cf, over the justifications of */
    int ones;                   /* the newest value, and how many have 1 */
    int njusts, capjusts;
    unsigned char known;
    unsigned char userheld;     /* vis comes from the user's statement */
    unsigned char pending;      /* kinds of change queued, 0: not queued */
    unsigned char pooled;       /* justs is in the pool: not freed alone */
    unsigned char journaled;    /* in the journal since its start */
} slot;

struct cr_wm {
    const cr_kb *kb;
    slot *slots;
    int n;
    unsigned long seq;          /* of justifications */
    int *queue;                 /* facts changed, oldest first */
    size_t qhead, qlen, qcap;
    cr_just **chunks;           /* the pool */
    int nchunks;
    size_t spare;               /* pairs left in the last chunk */
    int journaling;             /* see cr_wm_journal_start */
    cr_statement *journal;
    int njournal, capjournal;
    int nstated;                /* slots with a user statement */
};

enum { POOLED = 2, CHUNK = 1024 };      /* justifications: a slot's first */

/* Room for a slot's first POOLED justifications. */
static cr_just *pool_take(cr_wm *wm)
{
    if (wm->spare == 0) {
        wm->chunks = xreallocarray(wm->chunks, (size_t)wm->nchunks + 1,
                                   sizeof *wm->chunks);
        wm->chunks[wm->nchunks++] = xreallocarray(NULL, CHUNK * POOLED,
                                                  sizeof(cr_just));
        wm->spare = CHUNK;
    }
    return wm->chunks[wm->nchunks - 1] + POOLED * (CHUNK - wm->spare--);
}

double cr_cf_combine(double a, double b)
{
    return a + b * (1 - a);
}

cr_wm *cr_wm_new(const cr_kb *kb)
{
    cr_wm *wm = xcalloc(1, sizeof *wm);
    wm->kb = kb;
    wm->n = cr_kb_nfacts(kb);
    wm->slots = xcalloc((size_t)wm->n + 1, sizeof *wm->slots);
    for (int i = 0; i < wm->n; i++)
        wm->slots[i].vis.rule = -1;
    return wm;
}

static void free_user(slot *s)
{
    if (s->user == NULL)
        return;
    cr_value_free(&s->user->val);
    free(s->user->words);
    free(s->user);
    s->user = NULL;
}

/* Forget the journal's entries. */
static void journal_clear(cr_wm *wm)
{
    for (int k = 0; k < wm->njournal; k++) {
        cr_statement *st = &wm->journal[k];
        wm->slots[st->fact].journaled = 0;
        cr_value_free(&st->value);
        free(st->words);
    }
    wm->njournal = 0;
}

void cr_wm_journal_start(cr_wm *wm)
{
    journal_clear(wm);
    wm->journaling = 1;
}

const cr_statement *cr_wm_journal(const cr_wm *wm, int *n)
{
    *n = wm->njournal;
    return wm->journal;
}

int cr_wm_nstated(const cr_wm *wm)
{
    return wm->nstated;
}

/* Fact i's statement is about to change: keep what it was, once. */
static void journal(cr_wm *wm, int i)
{
    slot *s = &wm->slots[i];
    if (!wm->journaling || s->journaled)
        return;
    if (wm->njournal == wm->capjournal) {
        wm->capjournal = wm->capjournal ? 2 * wm->capjournal : 16;
        wm->journal = xreallocarray(wm->journal, (size_t)wm->capjournal,
                                    sizeof *wm->journal);
    }
    cr_statement st = {i, 0, {0, NULL}, CR_SRC_USER, 0, NULL, 0};
    if (s->user) {
        st.known = 1;
        st.value = cr_value_copy(&s->user->val);
        st.source = s->user->src;
        st.turn = s->user->turn;
        st.words = s->user->words ? xstrdup(s->user->words) : NULL;
        st.cf = s->user->cf;
    }
    wm->journal[wm->njournal++] = st;
    s->journaled = 1;
}

void cr_wm_free(cr_wm *wm)
{
    if (wm == NULL)
        return;
    journal_clear(wm);
    free(wm->journal);
    for (int i = 0; i < wm->n; i++) {
        slot *s = &wm->slots[i];
        free_user(s);
        for (int k = 0; k < s->njusts; k++)
            cr_value_free(&s->justs[k].value);
        if (!s->pooled)
            free(s->justs);
        cr_value_free(&s->vis.value);
    }
    for (int i = 0; i < wm->nchunks; i++)
        free(wm->chunks[i]);
    free(wm->chunks);
    free(wm->slots);
    free(wm->queue);
    free(wm);
}

static void enqueue(cr_wm *wm, int i, int what)
{
    slot *s = &wm->slots[i];
    if (s->pending == 0) {
        if (wm->qlen == wm->qcap) {
            wm->qcap = wm->qcap ? 2 * wm->qcap : 64;
            wm->queue = xreallocarray(wm->queue, wm->qcap,
                                      sizeof *wm->queue);
        }
        wm->queue[wm->qlen++] = i;
    }
    s->pending |= (unsigned char)what;
}

int cr_wm_next_change(cr_wm *wm, int *what)
{
    if (wm->qhead == wm->qlen) {
        wm->qhead = wm->qlen = 0;
        return -1;
    }
    int i = wm->queue[wm->qhead++];
    *what = wm->slots[i].pending;
    wm->slots[i].pending = 0;
    return i;
}

int cr_wm_pending(const cr_wm *wm)
{
    return wm->qhead < wm->qlen;
}

/* Recompute slot i's visible fact from its parts and queue what changed. */
static void refresh(cr_wm *wm, int i)
{
    slot *s = &wm->slots[i];
    const cr_factdecl *d = cr_kb_factdecl(wm->kb, i);
    cr_fact nf = {{0, NULL}, CR_SRC_RULE, 0, NULL, -1, 1.0, NULL, 0, 0};
    int known = 1;
    if (s->user) {
        nf.value = s->user->val;
        nf.source = s->user->src;
        nf.turn = s->user->turn;
        nf.words = s->user->words;
        nf.cf = s->user->cf;
    } else if (s->njusts > 0) {
        const cr_just *last = &s->justs[s->njusts - 1];
        nf.value = last->value;
        nf.rule = last->rule;
        nf.support = last->support;
        nf.nsupport = last->nsupport;
        nf.cf = s->ones ? 1 : 1 - s->prod;
    } else {
        known = 0;
    }
    int what = 0;
    int stated = s->user != NULL;
    if (known != s->known || (known && (stated != s->userheld ||
                              !cr_value_equal(d, &s->vis.value, &nf.value))))
        what = CR_CHANGE_VALUE;
    else if (known && nf.cf != s->vis.cf)
        what = CR_CHANGE_CF;
    unsigned version = s->vis.version + (what == CR_CHANGE_VALUE);
    cr_value keep = s->vis.value;
    if (what == CR_CHANGE_VALUE) {
        cr_value_free(&keep);
        keep = known ? cr_value_copy(&nf.value) : (cr_value){0, NULL};
    }
    s->vis = nf;
    s->vis.value = keep;
    s->vis.version = version;
    s->known = (unsigned char)known;
    s->userheld = known && stated;
    if (what)
        enqueue(wm, i, what);
}

void cr_wm_set(cr_wm *wm, int i, const cr_value *v, cr_source src,
               int turn, const char *words, int rule, double cf)
{
    (void)rule;
    slot *s = &wm->slots[i];
    journal(wm, i);
    char *w = words ? xstrdup(words) : NULL;
    wm->nstated += s->user == NULL;
    if (s->user &&
        cr_value_equal(cr_kb_factdecl(wm->kb, i), &s->user->val, v)) {
        free(s->user->words);   /* a restatement: newer words, same fact */
    } else {
        cr_value copy = cr_value_copy(v);
        free_user(s);
        s->user = xcalloc(1, sizeof *s->user);
        s->user->val = copy;
    }
    s->user->src = src == CR_SRC_RULE ? CR_SRC_USER : src;
    s->user->turn = turn;
    s->user->words = w;
    s->user->cf = cf;
    refresh(wm, i);
}

void cr_wm_unset(cr_wm *wm, int i)
{
    slot *s = &wm->slots[i];
    if (s->user == NULL)
        return;
    journal(wm, i);
    wm->nstated--;
    free_user(s);
    refresh(wm, i);
}

void cr_wm_clear(cr_wm *wm, cr_source src)
{
    for (int i = 0; i < wm->n; i++)
        if (wm->slots[i].user && wm->slots[i].user->src == src)
            cr_wm_unset(wm, i);
}

const cr_fact *cr_wm_get(const cr_wm *wm, int i)
{
    return i >= 0 && i < wm->n && wm->slots[i].known ? &wm->slots[i].vis
                                                     : NULL;
}

int cr_wm_nfacts(const cr_wm *wm)
{
    return wm->n;
}

int cr_wm_stated(const cr_wm *wm, int i)
{
    return wm->slots[i].user != NULL;
}

const cr_just *cr_wm_justs(const cr_wm *wm, int i, int *n)
{
    *n = wm->slots[i].njusts;
    return wm->slots[i].justs;
}

unsigned cr_wm_version(const cr_wm *wm, int i)
{
    return wm->slots[i].vis.version;
}

/* Recount the certainty of the newest value from scratch. */
static void recount(const cr_wm *wm, slot *s, int i)
{
    const cr_factdecl *d = cr_kb_factdecl(wm->kb, i);
    s->prod = 1;
    s->ones = 0;
    if (s->njusts == 0)
        return;
    const cr_value *v = &s->justs[s->njusts - 1].value;
    for (int k = 0; k < s->njusts; k++)
        if (cr_value_equal(d, &s->justs[k].value, v)) {
            if (s->justs[k].cf >= 1)
                s->ones++;
            else
                s->prod *= 1 - s->justs[k].cf;
        }
}

/* Count cf in (dir 1) or out (dir -1) of the newest value's certainty. */
static void count(slot *s, double cf, int dir)
{
    if (cf >= 1)
        s->ones += dir;
    else if (dir > 0)
        s->prod *= 1 - cf;
    else
        s->prod /= 1 - cf;
}

/* Whether justification k of slot i has the newest value. */
static int newest(const cr_wm *wm, const slot *s, int i, int k)
{
    return cr_value_equal(cr_kb_factdecl(wm->kb, i), &s->justs[k].value,
                          &s->justs[s->njusts - 1].value);
}

void cr_wm_justify(cr_wm *wm, int i, const cr_value *v, double cf, int rule,
                   unsigned owner, const int *support, int nsupport)
{
    slot *s = &wm->slots[i];
    if (s->capjusts == 0) {
        s->justs = pool_take(wm);
        s->capjusts = POOLED;
        s->pooled = 1;
    } else if (s->njusts == s->capjusts) {
        cr_just *was = s->pooled ? s->justs : NULL;
        s->capjusts *= 2;
        s->justs = xreallocarray(was ? NULL : s->justs, (size_t)s->capjusts,
                                 sizeof *s->justs);
        if (was)
            memcpy(s->justs, was, (size_t)s->njusts * sizeof *s->justs);
        s->pooled = 0;
    }
    s->justs[s->njusts++] = (cr_just){cr_value_copy(v), cf, rule, owner,
                                      support, nsupport, ++wm->seq};
    if (s->njusts == 1) {       /* the first: recount it alone */
        s->prod = 1;
        s->ones = 0;
        if (newest(wm, s, i, 0))
            count(s, cf, 1);
    } else if (newest(wm, s, i, s->njusts - 2)) {
        count(s, cf, 1);
    } else {
        recount(wm, s, i);
    }
    refresh(wm, i);
}

static int find_just(const slot *s, unsigned owner)
{
    for (int k = s->njusts - 1; k >= 0; k--)
        if (s->justs[k].owner == owner)
            return k;
    return -1;
}

void cr_wm_unjustify(cr_wm *wm, int i, unsigned owner)
{
    slot *s = &wm->slots[i];
    int k = find_just(s, owner);
    if (k < 0)
        return;
    const cr_factdecl *d = cr_kb_factdecl(wm->kb, i);
    int same = newest(wm, s, i, k);
    /* The value that shows after: the newest but this one's. */
    int after = k == s->njusts - 1 ? k - 1 : s->njusts - 1;
    int stays = same && after >= 0 &&
                cr_value_equal(d, &s->justs[after].value, &s->justs[k].value);
    double cf = s->justs[k].cf;
    cr_value_free(&s->justs[k].value);
    memmove(&s->justs[k], &s->justs[k + 1],
            (size_t)(s->njusts - k - 1) * sizeof *s->justs);
    s->njusts--;
    if (stays)
        count(s, cf, -1);
    else if (same)
        recount(wm, s, i);      /* another value shows, or none */
    refresh(wm, i);
}

void cr_wm_recertify(cr_wm *wm, int i, unsigned owner, double cf)
{
    slot *s = &wm->slots[i];
    int k = find_just(s, owner);
    if (k < 0 || s->justs[k].cf == cf)
        return;
    if (newest(wm, s, i, k)) {
        count(s, s->justs[k].cf, -1);
        count(s, cf, 1);
    }
    s->justs[k].cf = cf;
    refresh(wm, i);
}

int cr_wm_drop(cr_wm *wm, int i)
{
    slot *s = &wm->slots[i];
    int n = s->njusts;
    for (int k = 0; k < n; k++)
        cr_value_free(&s->justs[k].value);
    s->njusts = 0;
    recount(wm, s, i);
    if (n)
        refresh(wm, i);
    return n;
}
