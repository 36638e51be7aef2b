/* console.h - a conversation's lines, whatever they come from.
 *
 * A console takes the lines of a conversation one by one, from readline
 * on a terminal or from a pipe, and does what each says: a question is
 * answered, a line that starts with ':' is a command (:help lists
 * them), and during a guided consultation (:decide) a line answers the
 * question asked.  It knows nothing of readline: repl.c reads the lines,
 * and asks the console for its prompt and for completions. */
#ifndef CR_CONSOLE_H
#define CR_CONSOLE_H

#include <stdio.h>

#include "session.h"

typedef struct cr_console_opts {
    int json;                   /* answers as JSON Lines */
    int color;                  /* ANSI colour */
    int width;                  /* wrap to this many columns; 0: don't */
    int explain;                /* each answer with the chain behind it */
    int stats;                  /* each turn's times on stderr */
    const char *profile;        /* --profile: read at the start, written
                                   when the user's facts change */
} cr_console_opts;

typedef struct cr_console cr_console;

/* What a line did. */
enum { CR_LINE_OK, CR_LINE_FAILED, CR_LINE_QUIT };

/* A console over s, which must outlive it, printing to out.  Reads the
 * profile if o->profile names one that exists; NULL with the reason on
 * stderr if it cannot be read. */
cr_console *cr_console_new(cr_session *s, FILE *out,
                           const cr_console_opts *o);
void cr_console_free(cr_console *c);

/* Do what one line says (len bytes, no newline).  A line longer than
 * 8192 bytes is refused without reading it, so the caller may pass its
 * true length with only the first 8193 bytes behind line. */
int cr_console_line(cr_console *c, const char *line, size_t len);

/* State the fact that assignment, "NAME=VALUE", says (as :set does; how
 * says where it came from, as "with --fact", for :facts).  Spaces may
 * stand around '=', and the value may take any form the consultation
 * takes (see cr_value_read).  Returns 0, or -1 with the reason on
 * stderr: not NAME=VALUE, no such fact (naming the closest), a fact
 * crossroads sets itself, or a value that does not fit (naming those
 * that do). */
int cr_console_state(cr_console *c, const char *assignment, const char *how);

/* Print the section of the essay that name names (its anchor, with or
 * without '#', or its heading, in any case), as :section does: its
 * heading path, then its text, or the list of its subsections.  Returns
 * CR_LINE_OK, or CR_LINE_FAILED with the reason on stderr (naming the
 * closest anchor). */
int cr_console_section(cr_console *c, const char *name);

/* Start a guided consultation (as :decide does) and put its first
 * question.  With decide_only, the program is to leave after its verdict
 * (and "how"): cr_console_line then returns CR_LINE_QUIT. */
int cr_console_decide(cr_console *c);
void cr_console_decide_only(cr_console *c);
/* Whether the console wants every line, blank ones too: a consultation
 * is waiting for an answer, or `crossroads decide` for "how" or Enter. */
int cr_console_interviewing(const cr_console *c);
/* At the end of the input: a consultation still asking skips what is
 * left and gives its verdict. */
void cr_console_finish(cr_console *c);

/* After a line's output on a terminal or a pipe: a blank line before
 * the next, in text. */
void cr_console_end_turn(cr_console *c);

/* The prompt for the next line. */
const char *cr_console_prompt(const cr_console *c);
/* Set the width to wrap to (the terminal may have been resized). */
void cr_console_set_width(cr_console *c, int width);

/* The completions of text, the word that starts at offset start of
 * line: a NULL-terminated array of new strings, or NULL when file names
 * are what fits (after :save and :load). */
char **cr_console_complete(const cr_console *c, const char *line, int start,
                           const char *text);

/* Save the profile now if the user's facts changed since it was last
 * written; 0, or -1 when it could not be written (said on stderr). */
int cr_console_save_profile(cr_console *c);

/* Print the diagnostics of d on stderr, without control characters,
 * then forget them. */
void cr_print_diag(cr_diag *d);

#endif
