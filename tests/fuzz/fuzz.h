/* fuzz.h - what the libFuzzer targets share: libFuzzer's entry points,
 * where the sources are, and diagnostics made into text. */
#ifndef CR_FUZZ_H
#define CR_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "diag.h"
#include "session.h"

/* The source tree, for the essay and the built-in rules: the Makefile
 * passes the absolute path (so a VPATH build finds them). */
#ifndef CR_FUZZ_SRCDIR
#define CR_FUZZ_SRCDIR "."
#endif

#define CR_FUZZ_ESSAY CR_FUZZ_SRCDIR "/corpus/choosing-a-phd-or-industry.md"
#define CR_FUZZ_RULES CR_FUZZ_SRCDIR "/rules"

/* Called by libFuzzer: once before the first input (optional), and for
 * each input. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Format every diagnostic in d as the program would print it, writing
 * each line to out unless out is NULL; returns how many there were. */
static inline int cr_fuzz_diags(const cr_diag *d, FILE *out)
{
    int n = cr_diag_len(d);
    for (int i = 0; i < n; i++) {
        char *m = cr_diag_format(cr_diag_get(d, i));
        if (out != NULL)
            fprintf(out, "%s\n", m);
        free(m);
    }
    return n;
}

/* A session with the real essay and the built-in rules, as the program
 * opens one; exits when it cannot. */
static inline cr_session *cr_fuzz_session(void)
{
    const char *rules[] = {CR_FUZZ_RULES};
    cr_diag *d = cr_diag_new();
    cr_session *s = cr_session_new(CR_FUZZ_ESSAY, rules, 1, d);
    if (s == NULL) {
        cr_fuzz_diags(d, stderr);
        exit(1);
    }
    cr_diag_free(d);
    return s;
}

#endif
