/* repl.h - conversations: the readline prompt on a terminal, one line
 * at a time from a pipe; what each line does is the console's. */
#ifndef CR_REPL_H
#define CR_REPL_H

#include <stdio.h>

#include "console.h"

/* Read lines from a terminal with readline until the user leaves.
 * Returns the program's exit status. */
int cr_repl_terminal(cr_console *c);

/* Do what each line of in says, with memory across lines.  Returns the
 * program's exit status: 0, or 1 if a line failed. */
int cr_repl_pipe(cr_console *c, FILE *in);

#endif
