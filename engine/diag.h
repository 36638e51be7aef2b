/* diag.h - diagnostics about user input, collected rather than printed.
 *
 * Whoever reads a rule file adds one record per problem, with the file,
 * line and column it was found at, and keeps going; the program prints
 * them all at the end (as SQLite's parser counts errors in nErr). */
#ifndef CR_DIAG_H
#define CR_DIAG_H

typedef enum cr_severity { CR_ERROR, CR_WARNING } cr_severity;

typedef struct cr_diagnostic {
    cr_severity severity;
    char *file;                 /* as the user named it */
    int line, col;              /* 1-based; 0 when unknown */
    char *message;
} cr_diagnostic;

typedef struct cr_diag cr_diag;

cr_diag *cr_diag_new(void);
void cr_diag_free(cr_diag *d);

/* Add a record; file may be NULL.  The strings are copied. */
void cr_diag_add(cr_diag *d, cr_severity sev, const char *file, int line,
                 int col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

int cr_diag_len(const cr_diag *d);
int cr_diag_errors(const cr_diag *d);
const cr_diagnostic *cr_diag_get(const cr_diag *d, int i);
/* Forget every record. */
void cr_diag_clear(cr_diag *d);
/* Forget every record but the first n. */
void cr_diag_truncate(cr_diag *d, int n);

/* Sort the records by place: by file (in the order files were first
 * named), then line and column. */
void cr_diag_sort(cr_diag *d);

/* "file:line:col: error: message"; a new string the caller frees. */
char *cr_diag_format(const cr_diagnostic *r);

#endif
