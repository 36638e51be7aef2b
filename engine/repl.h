/* repl.h - conversations: the readline prompt on a terminal, one line
 * at a time from a pipe; what each line does is the console's. */
#ifndef CR_REPL_H
#define CR_REPL_H

#include <stdio.h>

#include "console.h"

/* Read lines from a terminal with readline until the user leaves.
 * Returns the program's exit status. */
int cr_repl_terminal(cr_console *c);

/* Do what each line of in says, with memory across lines, reading at
 * most CR_MAX_QUESTION + 1 bytes of any line.  Returns the program's
 * exit status: 0, 1 if a line failed, or 2 if the input could not be
 * read (said on stderr). */
int cr_repl_pipe(cr_console *c, FILE *in);

#endif
