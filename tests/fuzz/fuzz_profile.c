/* fuzz_profile.c - libFuzzer target: a profile, as a user may write or
 * damage it.
 *
 * Each input is written to a file and loaded into one session with the
 * built-in rules.  A profile that loads must survive a round trip: saved
 * again, forgotten, and loaded back, it gives the same facts. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "facts.h"
#include "fuzz.h"
#include "profile.h"
#include "session.h"

static cr_session *session;
static char in_path[64], out_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    session = cr_fuzz_session();
    snprintf(in_path, sizeof in_path, "/tmp/fuzz-profile-%ld.yaml",
             (long)getpid());
    snprintf(out_path, sizeof out_path, "/tmp/fuzz-profile-%ld.out",
             (long)getpid());
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(in_path, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    cr_diag *d = cr_diag_new();
    cr_session_reset(session);
    int n = cr_profile_load(session, in_path, d);
    cr_fuzz_diags(d, NULL);
    if (n >= 0) {
        int count;
        char *before = cr_profile_text(session, &count);
        if (cr_profile_save(session, out_path, d) != count)
            abort();
        cr_session_reset(session);
        if (cr_profile_load(session, out_path, d) != count)
            abort();
        char *after = cr_profile_text(session, &count);
        if (strcmp(before, after) != 0)
            abort();            /* the round trip lost something */
        free(before);
        free(after);
        unlink(out_path);
    }
    unlink(in_path);
    cr_diag_free(d);
    return 0;
}
