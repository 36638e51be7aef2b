/* network.h - the engine's inner structures, shared by engine.c (the
 * network, the agenda and truth maintenance) and explain.c (how, why,
 * why not, and the cycle check).  Nothing outside those two files sees
 * them; see engine.c for the design. */
#ifndef CR_NETWORK_H
#define CR_NETWORK_H

#include "engine.h"

/* A condition node.  The nodes of a rule are contiguous, in preorder:
 * the kids of node n start at n + 1, and node n's subtree ends before
 * node end. */
typedef struct node {
    unsigned char kind;         /* cr_condkind */
    unsigned char truth;        /* cached: whether it holds now */
    int parent;                 /* -1 for a rule's root */
    int end;
    int nkids, ntrue;           /* kids, and how many of them hold */
    int rule;
    const cr_cond *c;
} node;

/* An activation: a rule whose condition holds, with the facts (and their
 * versions) it holds on.  One per rule at most. */
typedef struct act {
    int rule;
    unsigned serial;            /* never reused; 0 is no activation */
    int *support;               /* the facts it rests on ... */
    unsigned *versions;         /* ... as they were */
    int nsupport;
    unsigned long time;         /* for recency: the firing that made it */
    double cf;                  /* rule confidence x weakest support */
    int heap;                   /* place on the agenda, -1 once fired */
    int fired;
    int *concl;                 /* facts it justified */
    int nconcl;
    int reco;                   /* place in e->recos, or -1 */
} act;

typedef struct rulex {
    int root;                   /* node, or -1: no condition */
    int tests;                  /* specificity */
    int salience;
    int dirty;
    act *act;
} rulex;

/* The leaves that test fact f against one value with = or in. */
typedef struct bucket {
    int fact;
    const cr_value *key;
    int *leaves;
    int n, cap;
} bucket;

/* The alpha memory of one fact: every leaf that tests it. */
typedef struct alpha {
    int *other;                 /* leaves not in an equality bucket */
    int nother, capother;
    int nbuckets;
    int lastb;                  /* the bucket that held last time, or -1 */
} alpha;

struct cr_engine {
    const cr_kb *kb;
    cr_wm *wm;
    node *nodes;
    int nnodes;
    rulex *rules;
    int nrules;
    alpha *alpha;               /* one per fact */
    int nfacts;
    bucket *buckets;
    int nbuckets;
    int *btable;                /* open addressing into buckets, -1 free */
    size_t btcap;
    act **heap;                 /* the agenda */
    int nheap, capheap;
    act **recos;                /* fired activations that recommend */
    int nrecos, caprecos;
    int *dirty;                 /* rules to re-examine */
    int ndirty;
    int *sup;                   /* scratch: a support being collected */
    int nsup, capsup;
    unsigned *mark;             /* per fact, for set membership */
    unsigned epoch;
    int *stack;                 /* scratch for graph walks */
    int capstack;
    unsigned serial;
    unsigned long clock;
    cr_run *run;                /* the run in progress */
    unsigned *serials;          /* of run->fired */
    int capfired;
    cr_engine_stats stats;
};

static inline int is_leaf_kind(int kind)
{
    return kind == CR_COND_TEST || kind == CR_COND_EXISTS ||
           kind == CR_COND_MISSING;
}

/* Whether leaf n holds in working memory now. */
int cr_leaf_eval(const cr_engine *e, const node *n);

#endif
