/* yamltree.h - a rule file read into a tree of YAML nodes, each with the
 * place it was written at, for the loader to walk.
 *
 * Scalars keep their decoded value and style, collections their kids (a
 * mapping's keys and values alternating).  The tree is read with the
 * YAML errors reported, and the rule files' own limits: one document,
 * no aliases, no key twice in a mapping, no deeper nesting than the
 * loader needs. */
#ifndef CR_YAMLTREE_H
#define CR_YAMLTREE_H

#include <stdarg.h>
#include <stddef.h>
#include <yaml.h>

#include "diag.h"
#include "kb.h"

typedef enum cr_ykind { CR_Y_SCALAR, CR_Y_SEQ, CR_Y_MAP } cr_ykind;

typedef struct cr_ynode {
    cr_ykind kind;
    char *value;                /* a scalar's, NUL-terminated */
    size_t len;
    yaml_scalar_style_t style;
    yaml_mark_t start, end;
    struct cr_ynode **kids;     /* a map's keys and values, alternating */
    int nkids;
} cr_ynode;

typedef struct cr_ytree cr_ytree;

/* Read text (len bytes) of the file called file (a name that must
 * outlive the tree), reporting its errors in d, which must outlive it
 * too.  Always a tree, to free; see cr_ytree_root. */
/* Where libyaml's parser p (over the len bytes of text) met its
 * problem: its mark, or for an error of its reader (a control character,
 * bytes that are not UTF-8), which gives only an offset, the line and
 * column of that offset. */
yaml_mark_t cr_yaml_problem_mark(const yaml_parser_t *p, const char *text,
                                 size_t len);

cr_ytree *cr_ytree_parse(const char *file, const char *text, size_t len,
                         cr_diag *d);
void cr_ytree_free(cr_ytree *t);

/* The document; NULL for a file of no document or after an error. */
const cr_ynode *cr_ytree_root(const cr_ytree *t);

/* Where node n starts. */
cr_loc cr_ytree_loc(const cr_ytree *t, const cr_ynode *n);

/* An error at n's place, in the tree's diagnostics (up to 511 bytes of
 * message). */
void cr_ytree_verr(cr_ytree *t, const cr_ynode *n, const char *fmt,
                   va_list ap);

/* The place of every byte of scalar n's value, and of its end: a new
 * array of n->len + 1, so that a regex error can point at the offending
 * character even inside a quoted string with escapes. */
cr_loc *cr_ytree_places(const cr_ytree *t, const cr_ynode *n);

#endif
