/* repl.h - conversations: the readline prompt on a terminal, one
 * question per line on a pipe. */
#ifndef CR_REPL_H
#define CR_REPL_H

#include <stdio.h>

#include "session.h"

typedef struct cr_repl_opts {
    int json;                   /* pipe mode: JSON Lines */
    int color;
    int width;                  /* wrap answers to this many columns */
} cr_repl_opts;

/* Read questions from a terminal with readline until the user leaves.
 * Returns the program's exit status. */
int cr_repl_terminal(cr_session *s, const cr_repl_opts *o);

/* Answer each line of in on out, with memory across lines.  Returns the
 * program's exit status: 0, or 1 if a line could not be answered. */
int cr_repl_pipe(cr_session *s, FILE *in, FILE *out, const cr_repl_opts *o);

/* Print one answer as text or JSON; shared by every mode. */
void cr_print_answer(FILE *out, const cr_answer *a, const cr_repl_opts *o);

/* Print the diagnostics of d to stderr, then forget them. */
void cr_print_diag(cr_diag *d);

#endif
